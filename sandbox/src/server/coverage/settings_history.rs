//! `GET /v2/users/{id}/settings-history`: when each of a user's capabilities was set, oldest first.
//!
//! The history ends in the user's current values: the last entry of a setting equals what
//! `/v2/users` shows (`settings.*`, `active`; `callsImported` is `settings.telephonyCallsImported`).
//! The interview settings, which `/v2/users` does not show, appear for one user in five.
//! Every entry lies between the user's `created` and the dataset's anchor; with a sandbox clock, the
//! entries after it are not listed yet (so the last one may differ from `/v2/users` until they are).
//! Avatars have no history.

use axum::extract::{Path, State};
use chrono::DateTime;
use serde_json::{json, Map, Value};

use super::{ok, HResult, Span, St};
use crate::data::{fmt_dt, Dataset};
use crate::rng::h3;

/// The spec's `setting` enum, in its order.
const SETTINGS: [&str; 10] = [
    "webConferencesRecorded",
    "preventWebConferenceRecording",
    "emailsImported",
    "preventEmailImport",
    "active",
    "nonRecordedMeetingsImported",
    "gongConnectEnabled",
    "callsImported",
    "interviewsRecorded",
    "preventInterviewRecording",
];

/// The user's current value of a setting, None for the settings `/v2/users` does not show.
fn current(user: &Value, setting: &str) -> Option<bool> {
    match setting {
        "active" => user["active"].as_bool(),
        "callsImported" => user["settings"]["telephonyCallsImported"].as_bool(),
        "interviewsRecorded" | "preventInterviewRecording" => None,
        s => user["settings"][s].as_bool(),
    }
}

/// The user's history entries before the clock (`span.until`), oldest first.
fn history(ds: &Dataset, span: Span, u: usize) -> Vec<Value> {
    let user = &ds.users[u];
    let created = user["created"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or(span.start, |d| d.timestamp());
    let life = (span.end - created).max(1) as u64;
    let mut entries: Vec<(i64, usize, bool)> = Vec::new();
    for (k, setting) in SETTINGS.iter().enumerate() {
        let h = h3(ds.seed ^ 0x5E77, ds.user_ids[u], k as u64);
        let last = match current(user, setting) {
            Some(v) => v,
            None if h.is_multiple_of(5) => h.is_multiple_of(2),
            None => continue,
        };
        let n = (h >> 8) % 4;
        let mut times: Vec<i64> = (0..n)
            .map(|j| created + (h3(h, j, 2) % life) as i64)
            .collect();
        times.sort();
        // values alternate so that the latest entry is the current value
        for (j, time) in times.into_iter().enumerate() {
            let flips = (n as usize - 1 - j) % 2 == 1;
            entries.push((time, k, last != flips));
        }
    }
    entries.sort();
    entries
        .into_iter()
        .take_while(|&(t, _, _)| t < span.until)
        .map(|(t, k, v)| json!({"setting": SETTINGS[k], "value": v, "time": fmt_dt(t, 0)}))
        .collect()
}

/// Entries over every user.
pub(super) fn count(ds: &Dataset, span: Span) -> usize {
    (0..ds.users.len())
        .map(|u| history(ds, span, u).len())
        .sum()
}

/// `GET /v2/users/{id}/settings-history`.
pub(super) async fn get_one(State(st): St, Path(id): Path<String>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let list = match ds.user_index(&id) {
        Some(u) => history(&ds, Span::of(&ds, st.cfg.days), u),
        None if ds.avatars.iter().any(|a| a["id"] == id.trim()) => vec![],
        None => return Err(super::not_found(&st, "User not found")),
    };
    let mut m = Map::new();
    m.insert("userSettingsHistory".into(), Value::Array(list));
    Ok(ok(&st, m))
}
