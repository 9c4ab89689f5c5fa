//! Audit logs Gong forgets: Gong keeps `AccessLog` entries for 14 days only. When the saved cursor of the
//! `logs` stream is older than that, the entries between it and Gong's horizon are gone for good; this
//! says so in a WARN before the read (nothing can be done about it but syncing more often).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::protocol::SyncMode;
use crate::state::{checkpoint_for, Selected};

/// Log types Gong keeps for a limited time, and how many days.
pub const KEPT_DAYS: &[(&str, i64)] = &[("AccessLog", 14)];

/// The WARN lines for `logs`'s saved cursor at `now` (none when it is not selected incrementally, has
/// no saved cursor or the cursor is recent enough).
pub fn warnings(
    selected: &[Selected],
    states: &HashMap<String, Value>,
    now: DateTime<Utc>,
) -> Vec<String> {
    let incremental = selected
        .iter()
        .any(|s| s.def.name == "logs" && s.sync_mode == SyncMode::Incremental);
    let Some(Ok(Some(saved))) = incremental.then(|| checkpoint_for("logs", states.get("logs")))
    else {
        return Vec::new();
    };
    KEPT_DAYS
        .iter()
        .filter_map(|&(log_type, days)| {
            let horizon = now - Duration::days(days);
            (saved.cursor < horizon).then(|| format!(
                "logs: the saved cursor is {} but Gong keeps {log_type} entries for {days} days only (from {}): the {log_type} entries in between are lost for good. Sync `logs` at least every {} days (daily leaves room for failed runs).",
                saved.cursor.format("%Y-%m-%dT%H:%M:%SZ"),
                horizon.format("%Y-%m-%dT%H:%M:%SZ"),
                days - 1
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::parse_catalog;

    #[test]
    fn an_old_logs_cursor_is_a_warning() {
        let catalog = r#"{"streams":[{"stream":{"name":"logs"},"sync_mode":"incremental"}]}"#;
        let selected = parse_catalog(catalog).unwrap();
        let now = DateTime::parse_from_rfc3339("2024-03-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let state =
            |c: &str| HashMap::from([("logs".to_string(), serde_json::json!({"cursor": c}))]);
        let old = warnings(&selected, &state("2024-02-01T00:00:00Z"), now);
        assert!(old.len() == 1 && old[0].contains("AccessLog"), "{old:?}");
        assert!(warnings(&selected, &state("2024-02-20T00:00:00Z"), now).is_empty());
        assert!(warnings(&selected, &HashMap::new(), now).is_empty());
    }
}
