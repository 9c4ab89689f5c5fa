//! Gong's coaching endpoint, `GET /v2/coaching`: one manager's coaching in one workspace over a
//! time range; every parameter required.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::{Map, Value};

use super::parse::parse_dt;
use super::reply::{bad, not_found, ok, HResult};
use super::state::St;

pub(super) async fn coaching(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let mut missing = Vec::new();
    for k in ["workspace-id", "manager-id", "from", "to"] {
        if q.get(k).is_none_or(|v| v.trim().is_empty()) {
            missing.push(k);
        }
    }
    if !missing.is_empty() {
        return Err(bad(
            &st,
            format!(
                "Bad request: missing required parameter(s): {}",
                missing.join(", ")
            ),
        ));
    }
    for k in ["workspace-id", "manager-id"] {
        if q[k].trim().parse::<i64>().is_err() {
            return Err(bad(&st, format!("Bad request: {k} must be an integer")));
        }
    }
    let from = parse_dt(&st, "from", q.get("from").map(String::as_str))?.unwrap_or(0);
    let to = parse_dt(&st, "to", q.get("to").map(String::as_str))?.unwrap_or(0);
    let ds = st.dataset.read().unwrap();
    let ws = ds
        .workspace_index(&q["workspace-id"])
        .ok_or_else(|| not_found(&st, "Workspace not found"))?;
    let m = ds
        .user_index(&q["manager-id"])
        .ok_or_else(|| not_found(&st, "User not found"))?;
    Ok(ok(
        &st,
        Map::from_iter([(
            "coachingData".to_string(),
            Value::Array(ds.coaching(ws, m, from, to)),
        )]),
    ))
}
