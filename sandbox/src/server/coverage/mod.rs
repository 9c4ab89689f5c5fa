//! The other read endpoints of Gong's spec: audit logs, user settings history, individual call access,
//! manual CRM associations, permission profiles, Engage flows and the generic CRM integration. One
//! child module per endpoint family; this file holds what they share: their routes, their record
//! counts and the GET paging helper (their OAuth scopes are in `server/scopes.rs`).
//!
//! Invariants: every record is derived from the dataset (its users, calls, workspaces and seed) by
//! hashing, never stored, so the same seed and anchor give the same answers and `counts` agrees with
//! what the endpoints return; no event lies at or after the dataset's anchor.

mod crm;
mod crm_associations;
mod flows;
mod logs;
mod permissions;
mod settings_history;
mod users_access;

use std::collections::HashMap;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

use super::paging::{canonical_query, page_offset, records, PAGE_SIZE};
use super::parse::{parse_body, parse_dt, str_list};
use super::reply::{bad, not_found, ok, HResult};
use super::state::{AppState, St};
use crate::data::Dataset;

/// Routes of this module; the server adds them before its gate, so auth, scopes, faults and rate
/// limits apply to them as to every `/v2` route.
pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v2/logs", get(logs::list))
        .route(
            "/v2/users/{id}/settings-history",
            get(settings_history::get_one),
        )
        .route("/v2/calls/users-access", post(users_access::list))
        .route(
            "/v2/calls/manual-crm-associations",
            get(crm_associations::list),
        )
        .route("/v2/all-permission-profiles", get(permissions::list))
        .route("/v2/permission-profile", get(permissions::get_one))
        .route("/v2/permission-profile/users", get(permissions::users))
        .route("/v2/flows", get(flows::list))
        .route("/v2/crm/integrations", get(crm::integrations))
        .route("/v2/crm/entity-schema", get(crm::entity_schema))
}

/// The period the dataset's events are generated in, `[anchor - days, anchor)` in unix seconds, and
/// the part of it that has happened: events at or after `until` (the sandbox clock, or the anchor
/// without one) do not exist yet. Events are placed relative to `start` and `end` only, so moving the
/// clock reveals them without moving any.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    pub start: i64,
    pub end: i64,
    pub until: i64,
}

impl Span {
    pub fn of(ds: &Dataset, days: u32) -> Span {
        let end = ds.anchor.timestamp();
        Span {
            start: end - i64::from(days.max(1)) * 86_400,
            end,
            until: ds.clock().map_or(end, |c| c.timestamp().min(end)),
        }
    }
}

/// Record counts of this module's endpoints over the whole dataset, added to `/sandbox/dataset/counts`.
pub(super) fn add_counts(ds: &Dataset, days: u32, counts: &mut Value) {
    let span = Span::of(ds, days);
    let Some(m) = counts.as_object_mut() else {
        return;
    };
    m.insert("logs".into(), logs::counts(ds, span));
    m.insert(
        "user_settings_history".into(),
        json!(settings_history::count(ds, span)),
    );
    let (calls, grants) = users_access::counts(ds);
    m.insert("call_users_access".into(), json!(calls));
    m.insert("call_users_access_grants".into(), json!(grants));
    m.insert(
        "calls_manual_crm_associations".into(),
        json!(crm_associations::count(ds, span)),
    );
    let (profiles, members) = permissions::counts(ds);
    m.insert("permission_profiles".into(), json!(profiles));
    m.insert("permission_profile_users".into(), json!(members));
    let (flows, by_owner) = flows::counts(ds);
    m.insert("flows".into(), json!(flows));
    m.insert("flows_by_owner".into(), json!(by_owner));
    m.insert("crm_integrations".into(), json!(crm::INTEGRATIONS));
    m.insert("crm_entity_schema".into(), crm::counts());
    let private = ds.calls.iter().filter(|c| c.private).count();
    m.insert("private_calls".into(), json!(private));
}

/// A required, non-blank query parameter, or 400 naming it.
fn required<'a>(
    st: &AppState,
    q: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, axum::response::Response> {
    q.get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad(st, format!("Bad request: {name} is required")))
}

/// One page of a GET listing with a query cursor: `records` plus the items `render(from, to)` gives
/// for the page's range of the `total` matching items, under `key`.
fn get_page(
    st: &AppState,
    endpoint: &str,
    q: &HashMap<String, String>,
    key: &str,
    total: usize,
    render: impl FnOnce(usize, usize) -> Vec<Value>,
) -> HResult {
    let (offset, fh) = page_offset(
        st,
        endpoint,
        &canonical_query(q),
        q.get("cursor").map(String::as_str),
    )?;
    let from = offset.min(total);
    let page = render(from, (from + PAGE_SIZE).min(total));
    let mut m = Map::new();
    m.insert("records".into(), records(st, total, offset, page.len(), fh));
    m.insert(key.into(), Value::Array(page));
    Ok(ok(st, m))
}

/// A user's full name as Gong shows it.
fn full_name(user: &Value) -> String {
    format!(
        "{} {}",
        user["firstName"].as_str().unwrap_or(""),
        user["lastName"].as_str().unwrap_or("")
    )
}
