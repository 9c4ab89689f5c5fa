//! Deleting calls, as Gong does: the data-privacy erasure of a person (`POST
//! /v2/data-privacy/erase-data-for-email-address` and `…-for-phone-number`, Gong's own routes and
//! answers) and the admin operations tests use, an erasure by call id and the retention purge
//! (`POST /sandbox/erase`, `POST /sandbox/purge`).
//!
//! A call removed here is gone from every endpoint at once: its listing entry, extensive data,
//! transcript, media, access list, CRM associations and log entries are all generated from the call
//! (`Dataset::remove_calls`). Gong says its erasure "may take several hours to complete"; the sandbox
//! erases at once, the earliest a sync can see it.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::DateTime;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::reply::{bad, ok};
use super::state::{AppState, St};

/// The routes of this file, merged into the router beside `POST /sandbox/calls`.
pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/v2/data-privacy/erase-data-for-email-address",
            post(erase_email),
        )
        .route(
            "/v2/data-privacy/erase-data-for-phone-number",
            post(erase_phone),
        )
        .route("/sandbox/erase", post(admin_erase))
        .route("/sandbox/purge", post(admin_purge))
}

/// Digits of a phone number: Gong ignores every other character.
fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

async fn erase_email(State(st): St, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(email) = q.get("emailAddress").filter(|e| e.contains('@')) else {
        return bad(&st, "emailAddress is required and must be an email address");
    };
    let email = email.to_ascii_lowercase();
    let gone = st.dataset.write().unwrap().remove_calls(|ds, c| {
        ds.parties(c).iter().any(|p| {
            p.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&email))
        })
    });
    erased(&st, gone)
}

async fn erase_phone(State(st): St, Query(q): Query<HashMap<String, String>>) -> Response {
    let number = q.get("phoneNumber").map(|p| digits(p)).unwrap_or_default();
    if !q
        .get("phoneNumber")
        .is_some_and(|p| p.trim_start().starts_with('+'))
        || number.len() < 7
    {
        return bad(&st, "phoneNumber must start with + and the country code");
    }
    let gone = st.dataset.write().unwrap().remove_calls(|ds, c| {
        ds.parties(c)
            .iter()
            .any(|p| p.phone.as_deref().is_some_and(|n| digits(n) == number))
    });
    erased(&st, gone)
}

/// Gong answers a BaseResponse (`requestId` only); the sandbox logs how many calls went, for operators.
fn erased(st: &AppState, gone: Vec<String>) -> Response {
    eprintln!(
        "gong-sandbox: data-privacy erasure removed {} calls",
        gone.len()
    );
    ok(st, Map::new())
}

/// `{"callIds": ["…", …]}`: removes those calls (unknown ids are ignored); answers the ids removed.
async fn admin_erase(State(st): St, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(ids) = v.get("callIds").and_then(Value::as_array) else {
        return bad(&st, "body must be {\"callIds\": [\"<call id>\", ...]}");
    };
    let wanted: BTreeSet<String> = ids
        .iter()
        .filter_map(|i| {
            i.as_str()
                .map(String::from)
                .or_else(|| i.as_u64().map(|n| n.to_string()))
        })
        .collect();
    let gone = st
        .dataset
        .write()
        .unwrap()
        .remove_calls(|_, c| wanted.contains(&c.id_str()));
    axum::Json(json!({"erased": gone})).into_response()
}

/// `{"before": "<RFC 3339>"}`: the retention purge, every call started before that instant.
async fn admin_purge(State(st): St, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let before = match v
        .get("before")
        .and_then(Value::as_str)
        .map(DateTime::parse_from_rfc3339)
    {
        Some(Ok(d)) => d.timestamp(),
        _ => return bad(&st, "body must be {\"before\": \"<RFC 3339 date-time>\"}"),
    };
    let gone = st
        .dataset
        .write()
        .unwrap()
        .remove_calls(|_, c| c.started < before);
    axum::Json(json!({"purged": gone})).into_response()
}
