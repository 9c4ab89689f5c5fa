//! The sandbox clock in the admin API: `GET`/`POST /sandbox/clock` read and move the sandbox's "now"
//! (`Dataset::set_clock`), and `GET /sandbox/dataset/calls` lists every generated call with the time
//! Gong processes it, so a test or the benchmark can tell which calls exist at a clock and how fresh
//! a record was when a sync emitted it.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::reply::bad;
use super::state::{AppState, St};
use crate::data::{fmt_dt, Dataset};

/// `GET /sandbox/clock`: `{"now": RFC 3339 or null (real time), "pending_calls": n}`.
pub(super) async fn admin_get_clock(State(st): St) -> Response {
    axum::Json(clock_json(&st)).into_response()
}

/// `POST /sandbox/clock` with `{"now": "<RFC 3339>"}` sets the clock, `{"now": null}` returns to
/// the real time; answers as `GET`.
pub(super) async fn admin_set_clock(State(st): St, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let now = match v.get("now") {
        Some(Value::Null) => None,
        Some(Value::String(s)) => match DateTime::parse_from_rfc3339(s.trim()) {
            Ok(d) => Some(d.with_timezone(&Utc)),
            Err(e) => return bad(&st, format!("now {s:?} is not an RFC 3339 date-time: {e}")),
        },
        _ => {
            return bad(
                &st,
                "body must be {\"now\": \"<RFC 3339 date-time>\"} or {\"now\": null}",
            )
        }
    };
    st.dataset.write().unwrap().set_clock(now);
    axum::Json(clock_json(&st)).into_response()
}

fn clock_json(st: &AppState) -> Value {
    let ds = st.dataset.read().unwrap();
    json!({
        "now": ds.clock().map(|t| fmt_dt(t.timestamp(), 0)),
        "pending_calls": ds.pending_calls().len(),
    })
}

/// `GET /sandbox/dataset/calls`: every generated call (processed or not at the clock) as
/// `{"id", "started", "processed", "visible"}`, by start time.
pub(super) async fn admin_calls(State(st): St) -> Response {
    let ds = st.dataset.read().unwrap();
    let mut calls: Vec<(i64, Value)> = ds
        .calls
        .iter()
        .map(|c| (c, true))
        .chain(ds.pending_calls().iter().map(|c| (c, false)))
        .map(|(c, visible)| {
            let v = json!({
                "id": c.id_str(),
                "started": fmt_dt(c.started, 0),
                "processed": fmt_dt(Dataset::processed_at(c), 0),
                "visible": visible,
            });
            (c.started, v)
        })
        .collect();
    calls.sort_by_key(|(t, _)| *t);
    let calls: Vec<Value> = calls.into_iter().map(|(_, v)| v).collect();
    axum::Json(json!({ "calls": calls })).into_response()
}
