//! Gong's library endpoints: `GET /v2/library/folders` (per workspace) and
//! `GET /v2/library/folder-content`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::{Map, Value};

use super::reply::{bad, not_found, ok, HResult};
use super::state::St;

pub(super) async fn folders(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let ws = match q.get("workspaceId").filter(|w| !w.is_empty()) {
        Some(w) => Some(
            ds.workspace_index(w)
                .ok_or_else(|| not_found(&st, "No folders found for the specified period"))?,
        ),
        None => None,
    };
    let list: Vec<Value> = ds
        .folders
        .iter()
        .filter(|(w, _)| ws.is_none_or(|x| x == *w))
        .map(|(_, f)| f.clone())
        .collect();
    Ok(ok(
        &st,
        Map::from_iter([("folders".to_string(), Value::Array(list))]),
    ))
}

pub(super) async fn folder_content(
    State(st): St,
    Query(q): Query<HashMap<String, String>>,
) -> HResult {
    let ds = st.dataset.read().unwrap();
    let id = q
        .get("folderId")
        .filter(|w| !w.is_empty())
        .ok_or_else(|| bad(&st, "Bad request: folderId is required"))?;
    let c = ds
        .folder_contents
        .get(id.trim())
        .ok_or_else(|| not_found(&st, "No folders found for the specified period"))?;
    Ok(ok(&st, c.as_object().cloned().unwrap_or_default()))
}
