//! Gong's settings endpoints: `GET /v2/settings/scorecards` and `GET /v2/settings/trackers`, each
//! optionally for one workspace.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::{Map, Value};

use super::reply::{not_found, ok, HResult};
use super::state::St;

pub(super) async fn settings_scorecards(
    State(st): St,
    Query(q): Query<HashMap<String, String>>,
) -> HResult {
    let ds = st.dataset.read().unwrap();
    let ws = match q.get("workspaceId").filter(|w| !w.is_empty()) {
        Some(w) => Some(
            ds.workspace_index(w)
                .ok_or_else(|| not_found(&st, "Workspace not found"))?,
        ),
        None => None,
    };
    let list: Vec<Value> = ds
        .scorecards
        .iter()
        .zip(&ds.scorecard_meta)
        .filter(|(_, m)| ws.is_none_or(|w| w == m.workspace))
        .map(|(s, _)| s.clone())
        .collect();
    if list.is_empty() {
        return Err(not_found(&st, "Scorecards not found"));
    }
    Ok(ok(
        &st,
        Map::from_iter([("scorecards".to_string(), Value::Array(list))]),
    ))
}

pub(super) async fn trackers(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let ws = match q.get("workspaceId").filter(|w| !w.is_empty()) {
        Some(w) => {
            ds.workspace_index(w)
                .ok_or_else(|| not_found(&st, "Workspace not found"))?;
            Some(w.trim().to_string())
        }
        None => None,
    };
    let list: Vec<Value> = ds
        .trackers
        .iter()
        .filter(|t| ws.as_ref().is_none_or(|w| t["workspaceId"] == w.as_str()))
        .cloned()
        .collect();
    Ok(ok(
        &st,
        Map::from_iter([("keywordTrackers".to_string(), Value::Array(list))]),
    ))
}
