//! What a state file that parses may still get wrong, said before the read starts (WARN logs).
//!
//! `parse_state` accepts every form clients send (see its doc); these are the forms that parse but
//! most likely do not mean what the user wants:
//! - a single STREAM state message (one line copied from a read's output) instead of the array of every
//!   stream's last state: the other streams start over;
//! - entries naming no stream of this connector (a typo, or not a state file of this connector);
//! - incremental streams of the catalog that the (non-empty) state leaves out: they start from
//!   `start_date`.
//!
//! Nothing here changes what is read; it only names it.

use std::collections::HashMap;

use serde_json::Value;

use super::Selected;
use crate::protocol::SyncMode;
use crate::streams;

/// Where the state file's format is explained.
const FORMAT: &str = "a state file is a JSON array of the `state` objects of a read's STATE messages, the last one of each stream (README, \"Try it by hand\")";

/// The warnings for a state file's `text`, already parsed into `states`, for the streams `selected`.
pub fn state_warnings(
    text: &str,
    states: &HashMap<String, Value>,
    selected: &[Selected],
) -> Vec<String> {
    let mut warnings = Vec::new();
    if is_single_stream_message(text) {
        let names: Vec<&str> = states.keys().map(String::as_str).collect();
        warnings.push(format!(
            "The state file holds a single STREAM state message (for {}), not the state of every stream: {FORMAT}.",
            names.join(", ")
        ));
    }
    let mut unknown: Vec<&str> = states
        .keys()
        .map(String::as_str)
        .filter(|name| streams::find(name).is_none())
        .collect();
    unknown.sort_unstable();
    if !unknown.is_empty() {
        warnings.push(format!(
            "The state file names {}, which {} not a stream of this connector: ignored; {FORMAT}.",
            quoted(&unknown),
            if unknown.len() == 1 { "is" } else { "are" }
        ));
    }
    let missing: Vec<&str> = selected
        .iter()
        .filter(|s| s.sync_mode == SyncMode::Incremental && !states.contains_key(s.def.name))
        .map(|s| s.def.name)
        .collect();
    if !states.is_empty() && !missing.is_empty() {
        warnings.push(format!(
            "The state file has no state for the incremental {} {}: read from start_date.",
            if missing.len() == 1 {
                "stream"
            } else {
                "streams"
            },
            quoted(&missing)
        ));
    }
    warnings
}

/// A top-level object that is one STREAM state message, bare or wrapped in an AirbyteMessage.
fn is_single_stream_message(text: &str) -> bool {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    let message = match map.get("type").and_then(Value::as_str) {
        Some("STATE") => map.get("state").cloned().unwrap_or(Value::Null),
        _ => Value::Object(map),
    };
    message.get("stream").is_some_and(|s| !s.is_null())
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{parse_catalog, parse_state};

    fn warnings(state: &str) -> Vec<String> {
        let catalog = r#"{"streams": [
            {"stream": {"name": "calls"}, "sync_mode": "incremental"},
            {"stream": {"name": "logs"}, "sync_mode": "incremental"},
            {"stream": {"name": "users"}, "sync_mode": "full_refresh"}]}"#;
        let selected = parse_catalog(catalog).unwrap();
        state_warnings(state, &parse_state(state).unwrap(), &selected)
    }

    const CALLS: &str = r#"{"type": "STREAM", "stream": {"stream_descriptor": {"name": "calls"}, "stream_state": {"state_version": 1, "cursor": "2026-01-01T00:00:00Z"}}}"#;
    const LOGS: &str = r#"{"type": "STREAM", "stream": {"stream_descriptor": {"name": "logs"}, "stream_state": {"state_version": 1, "cursor": "2026-01-01T00:00:00Z"}}}"#;

    #[test]
    fn the_array_of_every_streams_state_and_no_state_at_all_are_silent() {
        assert!(warnings(&format!("[{CALLS}, {LOGS}]")).is_empty());
        assert!(warnings("[]").is_empty());
        assert!(warnings("").is_empty());
    }

    #[test]
    fn one_message_line_is_named_with_the_streams_that_start_over() {
        for text in [
            CALLS.to_string(),
            format!(r#"{{"type": "STATE", "state": {CALLS}}}"#),
        ] {
            let w = warnings(&text);
            assert_eq!(w.len(), 2, "{w:?}");
            assert!(
                w[0].contains("single STREAM state message (for calls)"),
                "{}",
                w[0]
            );
            assert!(
                w[1].contains("incremental stream `logs`: read from start_date"),
                "{}",
                w[1]
            );
        }
    }

    #[test]
    fn names_that_are_no_stream_are_named() {
        let w = warnings(r#"{"calls": {"cursor": "2026-01-01"}, "logs": {}, "cals": {}}"#);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("names `cals`, which is not a stream"),
            "{}",
            w[0]
        );
    }
}
