//! The admin API under `/sandbox/`, for tests and the benchmark: request counters, fault
//! configuration, dataset counts, adding a late call, expiring tokens. It is not Gong's: no auth, no
//! rate limit, no faults (the gate passes every non-`/v2/` path straight through).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::coverage;
use super::reply::bad;
use super::state::St;
use crate::data::fmt_dt;
use crate::faults::FaultConfig;
use crate::RequestStats;

pub(super) async fn admin_stats(State(st): St) -> Response {
    let s = st.stats.lock().unwrap().clone();
    axum::Json(s).into_response()
}

pub(super) async fn admin_reset_stats(State(st): St) -> Response {
    *st.stats.lock().unwrap() = RequestStats::default();
    axum::Json(json!({"ok": true})).into_response()
}

pub(super) async fn admin_faults(State(st): St, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultConfig>(&body) {
        Ok(f) => {
            st.set_faults(f.clone());
            axum::Json(json!({"ok": true, "faults": f})).into_response()
        }
        Err(e) => bad(&st, format!("invalid FaultConfig: {e}")),
    }
}

pub(super) async fn admin_get_faults(State(st): St) -> Response {
    let f = st.faults.lock().unwrap().0.clone();
    axum::Json(f).into_response()
}

pub(super) async fn admin_add_call(State(st): St, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let started = match v
        .get("started")
        .and_then(Value::as_str)
        .map(DateTime::parse_from_rfc3339)
    {
        Some(Ok(d)) => d.with_timezone(&Utc),
        _ => return bad(&st, "body must be {\"started\": \"<RFC 3339 date-time>\"}"),
    };
    let id = st.dataset.write().unwrap().add_call(started);
    axum::Json(json!({"id": id, "started": fmt_dt(started.timestamp(), 0)})).into_response()
}

pub(super) async fn admin_counts(State(st): St) -> Response {
    let ds = st.dataset.read().unwrap();
    let mut counts = ds.counts();
    coverage::add_counts(&ds, st.cfg.days, &mut counts);
    counts["clock"] = json!(ds.clock().map(|t| fmt_dt(t.timestamp(), 0)));
    counts["calls_in_processing"] = json!(ds.pending_calls().len());
    axum::Json(counts).into_response()
}

pub(super) async fn admin_expire_tokens(State(st): St) -> Response {
    st.expire_tokens();
    axum::Json(json!({"ok": true})).into_response()
}
