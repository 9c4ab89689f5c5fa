//! Incoming state and the configured catalog: parsed once, validated, with errors that say which stream
//! and why.
//!
//! ## Checkpoint model
//! An incremental stream is read in time slices (call-start windows, review-date windows, closed days,
//! calendar months). Slices are fetched concurrently and their records written as they arrive; once a
//! slice and every slice before it are written whole, the connector emits a STATE
//! `{"state_version": 1, "cursor": <end of that slice>}`: everything before `cursor` has been read. The
//! next sync starts at `cursor - lookback_days` (never before `start_date`), so data Gong adds late to
//! recent calls is read again. An interrupted sync resumes from its last STATE; records of the slices
//! after it are read again (duplicates only there and in the lookback, which `append_dedup` removes).
//!
//! Windowed streams (calls, transcripts, logs, answered scorecards…) read their history newest first
//! (`engine/plan/backfill.rs`), so a state may have two edges: `{"cursor": X, "backfill": Y}` says that
//! `Y..X` is read and the history from `start_date` to `Y` is not yet. A sync reads what is new since
//! `X - lookback_days` first, then goes on down from `Y`; once the history reaches `start_date`, the
//! `backfill` key is gone and the state is the one-edge form above. A state without `backfill` (every
//! state written before newest-first reading) means the history is complete.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::config::parse_datetime;
use crate::error::{Error, Result};
use crate::protocol::SyncMode;
use crate::streams::{self, StreamDef};

mod warnings;
pub use warnings::state_warnings;

pub const STATE_VERSION: u64 = 1;

/// The state key of the lower edge of a history read newest first (see the checkpoint model above).
pub const BACKFILL_KEY: &str = "backfill";

/// A stream's saved position: everything before `cursor` was read, down to `backfill` when the history
/// below it is not read yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub cursor: DateTime<Utc>,
    /// The history is read from here to `cursor`; `None`: down to `start_date`.
    pub backfill: Option<DateTime<Utc>>,
}

impl Checkpoint {
    /// Everything before `cursor` read.
    pub fn at(cursor: DateTime<Utc>) -> Checkpoint {
        Checkpoint {
            cursor,
            backfill: None,
        }
    }

    /// The stream_state to emit. Day-based streams keep dates, others date-times.
    pub fn to_state(&self, date_only: bool) -> Value {
        let format = |t: DateTime<Utc>| {
            if date_only {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            }
        };
        let mut state = json!({"state_version": STATE_VERSION, "cursor": format(self.cursor)});
        if let Some(edge) = self.backfill {
            state[BACKFILL_KEY] = json!(format(edge));
        }
        state
    }
}

/// Per-stream states of every form clients send: an array of STREAM states (`[]`, nulls and extra keys
/// included, as PyAirbyte sends), a GLOBAL state, a LEGACY wrapper, or the legacy per-stream object.
/// States of streams not in the catalog are ignored later; unknown shapes are config errors.
/// Our streams have no namespace: a state entry for a stream of the same name in another namespace (a
/// platform that shares state files, a hand-edited file) is someone else's and is ignored.
fn in_our_namespace(stream: &Value) -> bool {
    match stream
        .get("stream_descriptor")
        .and_then(|d| d.get("namespace"))
    {
        None | Some(Value::Null) => true,
        Some(Value::String(ns)) => ns.is_empty(),
        Some(_) => false,
    }
}

pub fn parse_state(text: &str) -> Result<HashMap<String, Value>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(HashMap::new());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Error::config(format!(
            "The state file is not valid JSON ({e}). Reset the connection's state."
        ))
    })?;
    let mut states = HashMap::new();
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                collect_message(item, i, &mut states)?;
            }
        }
        Value::Object(map) => {
            if map.contains_key("type") || map.contains_key("stream") || map.contains_key("global")
            {
                collect_message(Value::Object(map), 0, &mut states)?;
            } else if let Some(Value::Object(data)) = map.get("data") {
                // LEGACY {"type": "LEGACY", "data": {...}} without "type", or a bare {"data": ...}.
                for (name, s) in data {
                    states.insert(name.clone(), s.clone());
                }
            } else {
                // Legacy per-stream object: {"calls": {...}, "users": {...}}.
                for (name, s) in map {
                    states.insert(name, s);
                }
            }
        }
        other => {
            return Err(Error::config(format!(
                "The state must be a JSON array of state messages or an object, not {}.",
                kind_of(&other)
            )))
        }
    }
    Ok(states)
}

fn collect_message(item: Value, index: usize, states: &mut HashMap<String, Value>) -> Result<()> {
    let Value::Object(msg) = item else {
        if item.is_null() {
            return Ok(());
        }
        return Err(Error::config(format!(
            "State entry {index} is {}, not a state message object.",
            kind_of(&item)
        )));
    };
    // Some clients wrap it as a whole AirbyteMessage: {"type": "STATE", "state": {...}}.
    if msg.get("type").and_then(Value::as_str) == Some("STATE") {
        if let Some(inner) = msg.get("state") {
            return collect_message(inner.clone(), index, states);
        }
    }
    let kind = msg.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "STREAM" | "" if msg.get("stream").is_some_and(|s| !s.is_null()) => {
            let stream = &msg["stream"];
            let name = stream
                .get("stream_descriptor")
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Error::config(format!(
                        "State entry {index} has no stream.stream_descriptor.name."
                    ))
                })?;
            if in_our_namespace(stream) {
                let s = stream.get("stream_state").cloned().unwrap_or(Value::Null);
                states.insert(name.to_string(), s);
            }
        }
        "GLOBAL" => {
            let list = msg
                .get("global")
                .and_then(|g| g.get("stream_states"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for s in list.iter().filter(|s| in_our_namespace(s)) {
                if let Some(name) = s
                    .get("stream_descriptor")
                    .and_then(|d| d.get("name"))
                    .and_then(Value::as_str)
                {
                    states.insert(
                        name.to_string(),
                        s.get("stream_state").cloned().unwrap_or(Value::Null),
                    );
                }
            }
        }
        "LEGACY" | "" => {
            if let Some(Value::Object(data)) = msg.get("data") {
                for (name, s) in data {
                    states.insert(name.clone(), s.clone());
                }
            }
        }
        other => {
            return Err(Error::config(format!(
                "State entry {index} has type `{other}`; expected STREAM, GLOBAL or LEGACY."
            )))
        }
    }
    Ok(())
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads one stream's saved state. `None` for no state (absent, null, `{}`, or a full-refresh marker).
pub fn checkpoint_for(stream: &str, state: Option<&Value>) -> Result<Option<Checkpoint>> {
    let Some(state) = state else { return Ok(None) };
    let map = match state {
        Value::Null => return Ok(None),
        Value::Object(map) => map,
        other => {
            return Err(Error::config(format!(
                "State of stream `{stream}` is {}, not an object. Reset this stream's state.",
                kind_of(other)
            )))
        }
    };
    if let Some(version) = map.get("state_version") {
        if version.as_u64() != Some(STATE_VERSION) && version.as_f64() != Some(STATE_VERSION as f64)
        {
            return Err(Error::config(format!(
                "State of stream `{stream}` has state_version {version}; this connector reads version {STATE_VERSION}. Reset this stream's state."
            )));
        }
    }
    // Our own key first, then cursor-named keys older tools write ({"started": "..."}).
    let stream_cursor = streams::find(stream).and_then(|s| s.cursor);
    let raw = map
        .get("cursor")
        .or_else(|| stream_cursor.and_then(|c| map.get(c)))
        .filter(|v| !v.is_null());
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text = raw.as_str().ok_or_else(|| {
        Error::config(format!(
            "State of stream `{stream}` has cursor {raw}, which is not a date string. Reset this stream's state."
        ))
    })?;
    let cursor = parse_datetime("cursor", text).map_err(|_| {
        Error::config(format!(
            "State of stream `{stream}` has cursor `{text}`, which is not a date or date-time. Reset this stream's state."
        ))
    })?;
    let backfill = backfill_of(stream, map.get(BACKFILL_KEY), cursor)?;
    Ok(Some(Checkpoint { cursor, backfill }))
}

/// The lower edge of a history read newest first: absent or null when the history is complete; a date
/// after the cursor says the state was not written by this connector.
fn backfill_of(
    stream: &str,
    raw: Option<&Value>,
    cursor: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let Some(raw) = raw.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let edge = raw
        .as_str()
        .and_then(|text| parse_datetime(BACKFILL_KEY, text).ok())
        .ok_or_else(|| {
            Error::config(format!(
                "State of stream `{stream}` has backfill {raw}, which is not a date or date-time. Reset this stream's state."
            ))
        })?;
    if edge > cursor {
        return Err(Error::config(format!(
            "State of stream `{stream}` has backfill {raw} after its cursor; the history is read below the cursor. Reset this stream's state."
        )));
    }
    Ok(Some(edge))
}

/// A stream selected in the configured catalog.
#[derive(Debug, Clone)]
pub struct Selected {
    pub def: &'static StreamDef,
    pub sync_mode: SyncMode,
    /// Airbyte file transfer: the configured stream's `include_files`.
    pub include_files: bool,
}

/// Parses the configured catalog: which streams to read, in which mode.
pub fn parse_catalog(text: &str) -> Result<Vec<Selected>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::config(format!("The catalog file is not valid JSON ({e}).")))?;
    let streams = value
        .get("streams")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::config(
                "The catalog has no `streams` array; pass a configured catalog (see `discover`).",
            )
        })?;
    let mut selected: Vec<Selected> = Vec::new();
    for (i, entry) in streams.iter().enumerate() {
        let name = entry
            .get("stream")
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
            .ok_or_else(|| Error::config(format!("Catalog stream {i} has no stream.name.")))?;
        let def = streams::find(name).ok_or_else(|| {
            Error::config(format!(
                "The catalog selects stream `{name}`, which this connector does not have. Run discover for the list of streams."
            ))
        })?;
        let mode = match entry.get("sync_mode").and_then(Value::as_str) {
            Some("full_refresh") | None => SyncMode::FullRefresh,
            Some("incremental") if def.incremental() => SyncMode::Incremental,
            // PyAirbyte asks every stream for incremental; like the Python CDK, a stream without a
            // cursor is then read in full.
            Some("incremental") => SyncMode::FullRefresh,
            Some(other) => {
                return Err(Error::config(format!(
                    "Stream `{name}` has sync_mode `{other}`; use full_refresh or incremental."
                )))
            }
        };
        if let Some(cursor) = entry.get("cursor_field").and_then(Value::as_array) {
            if mode == SyncMode::Incremental && !cursor.is_empty() {
                let wanted: Vec<&str> = cursor.iter().filter_map(Value::as_str).collect();
                if wanted != [def.cursor.unwrap_or_default()] {
                    return Err(Error::config(format!(
                        "Stream `{name}` has a source-defined cursor `{}`; the catalog asks for {:?}.",
                        def.cursor.unwrap_or_default(),
                        wanted
                    )));
                }
            }
        }
        if selected.iter().any(|s| s.def.name == name) {
            return Err(Error::config(format!(
                "The catalog lists stream `{name}` twice."
            )));
        }
        selected.push(Selected {
            def,
            sync_mode: mode,
            include_files: entry.get("include_files").and_then(Value::as_bool) == Some(true),
        });
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_of_another_namespace_is_ignored() {
        let text = r#"[{"type":"STREAM","stream":{"stream_descriptor":{"name":"calls","namespace":"other"},"stream_state":{"cursor":"2024-01-01T00:00:00Z"}}},
            {"type":"STREAM","stream":{"stream_descriptor":{"name":"users","namespace":null},"stream_state":{"x":1}}}]"#;
        let states = parse_state(text).unwrap();
        assert!(!states.contains_key("calls"));
        assert!(states.contains_key("users"));
    }

    #[test]
    fn every_state_form() {
        assert!(parse_state("[]").unwrap().is_empty());
        assert!(parse_state("").unwrap().is_empty());
        assert!(parse_state("null").unwrap().is_empty());
        let pyairbyte = r#"[{"type":"STREAM","stream":{"stream_descriptor":{"name":"calls","namespace":null},"stream_state":{"state_version":1,"cursor":"2024-01-01T00:00:00Z"}},"global_":null,"data":null,"sourceStats":{"recordCount":3.0},"destinationStats":null}]"#;
        let s = parse_state(pyairbyte).unwrap();
        assert_eq!(
            checkpoint_for("calls", s.get("calls"))
                .unwrap()
                .unwrap()
                .cursor
                .to_rfc3339(),
            "2024-01-01T00:00:00+00:00"
        );
        let legacy = r#"{"calls": {"cursor": "2024-02-01"}, "gone": {"x": 1}}"#;
        let s = parse_state(legacy).unwrap();
        assert!(checkpoint_for("calls", s.get("calls")).unwrap().is_some());
        let wrapped = r#"{"type":"LEGACY","data":{"calls":{"started":"2024-02-01T00:00:00Z"}}}"#;
        let s = parse_state(wrapped).unwrap();
        assert!(checkpoint_for("calls", s.get("calls")).unwrap().is_some());
    }

    #[test]
    fn bad_states_name_the_stream() {
        let s = parse_state(r#"{"calls": {"cursor": "soon"}}"#).unwrap();
        let e = checkpoint_for("calls", s.get("calls")).unwrap_err();
        assert!(
            e.message.contains("calls") && e.message.contains("soon"),
            "{e}"
        );
        let s = parse_state(r#"{"calls": 5}"#).unwrap();
        assert!(checkpoint_for("calls", s.get("calls")).is_err());
        assert!(parse_state("[1]").is_err());
        assert!(parse_state("{oops").is_err());
        assert!(parse_state("\"x\"").is_err());
        let s = parse_state(r#"{"calls": {"state_version": 99, "cursor": "2024-01-01"}}"#).unwrap();
        assert!(checkpoint_for("calls", s.get("calls")).is_err());
    }

    #[test]
    fn a_history_edge_round_trips_and_a_bad_one_is_a_config_error() {
        let s = parse_state(
            r#"{"calls": {"state_version": 1, "cursor": "2026-11-30T12:00:00Z", "backfill": "2026-10-08T00:00:00Z"}}"#,
        )
        .unwrap();
        let cp = checkpoint_for("calls", s.get("calls")).unwrap().unwrap();
        assert_eq!(
            cp.backfill.unwrap().to_rfc3339(),
            "2026-10-08T00:00:00+00:00"
        );
        assert_eq!(cp.to_state(false)["backfill"], "2026-10-08T00:00:00Z");
        assert!(Checkpoint::at(cp.cursor)
            .to_state(false)
            .get("backfill")
            .is_none());
        for bad in [r#""soon""#, "7", r#""2026-12-31T00:00:00Z""#] {
            let text =
                format!(r#"{{"calls": {{"cursor": "2026-11-30T12:00:00Z", "backfill": {bad}}}}}"#);
            let s = parse_state(&text).unwrap();
            let e = checkpoint_for("calls", s.get("calls")).unwrap_err();
            assert!(e.message.contains("backfill"), "{e}");
        }
    }

    #[test]
    fn catalog_validation() {
        let ok = r#"{"streams":[{"stream":{"name":"calls","json_schema":{}},"sync_mode":"incremental","destination_sync_mode":"append","cursor_field":null,"primary_key":null}]}"#;
        assert_eq!(
            parse_catalog(ok).unwrap()[0].sync_mode,
            SyncMode::Incremental
        );
        let unknown = r#"{"streams":[{"stream":{"name":"nope"},"sync_mode":"full_refresh"}]}"#;
        assert!(parse_catalog(unknown).unwrap_err().message.contains("nope"));
        // A snapshot stream (no change time in Gong) is incremental on its `snapshotAt` cursor.
        let incremental_users =
            r#"{"streams":[{"stream":{"name":"users"},"sync_mode":"incremental"}]}"#;
        assert_eq!(
            parse_catalog(incremental_users).unwrap()[0].sync_mode,
            SyncMode::Incremental
        );
        let bad_mode = r#"{"streams":[{"stream":{"name":"users"},"sync_mode":"sideways"}]}"#;
        assert!(parse_catalog(bad_mode)
            .unwrap_err()
            .message
            .contains("sideways"));
        assert!(parse_catalog("{}").is_err());
    }
}
