//! `GET /v2/calls/manual-crm-associations` (beta in Gong's spec): calls a user associated by hand with
//! a CRM account and deal, ascending by association time, `fromDateTime` inclusive, 100 a page. An
//! empty result is a 200 with no associations (the spec has no 404 for it).
//!
//! One call in six with an external party is associated by its host (or the host's manager) hours
//! after it ends, with the account and opportunity ids its `calls/extensive` context shows; one in
//! four of those is re-associated days later with another deal, which Gong lists as a second event.
//! Associations after the dataset's anchor, or after the sandbox clock, have not happened yet.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::{json, Value};

use super::{get_page, parse_dt, HResult, Span, St};
use crate::data::{fmt_dt, CallRec, Dataset};
use crate::rng::h2;

/// Associations happen within this long after the call starts.
const AFTER_CALL: i64 = 9 * 86_400;

/// One association event: when, of which call (index), first (0) or re-association (1).
type Event = (i64, usize, u8);

/// The call's association events (0, 1 or 2).
fn call_events(ds: &Dataset, i: usize, c: &CallRec) -> Vec<Event> {
    let h = h2(c.seed, 600);
    if !h.is_multiple_of(6) || ds.parties(c).iter().all(|p| p.internal) {
        return vec![];
    }
    let first = c.started + i64::from(c.duration) + 3600 + ((h >> 8) % (3 * 86_400)) as i64;
    let mut v = vec![(first, i, 0)];
    if (h >> 40).is_multiple_of(4) {
        v.push((first + 86_400 + ((h >> 20) % (4 * 86_400)) as i64, i, 1));
    }
    v
}

/// Every event with `from <= time < span.until`, in time order.
fn events(ds: &Dataset, span: Span, from: i64) -> Vec<Event> {
    let mut out: Vec<Event> = ds
        .call_range(Some(from.saturating_sub(AFTER_CALL)), None)
        .flat_map(|i| call_events(ds, i, &ds.calls[i]))
        .filter(|&(t, _, _)| t >= from && t < span.until)
        .collect();
    out.sort_by_key(|&(t, i, n)| (t, ds.calls[i].id, n));
    out
}

/// The `ManualAssociationsBasicData` of an event.
fn event_json(ds: &Dataset, (time, i, n): Event) -> Value {
    let c = &ds.calls[i];
    let h = h2(c.seed, 600);
    let by = match ds.manager_of[c.host] {
        Some(m) if (h >> 12).is_multiple_of(4) => m,
        _ => c.host,
    };
    let deal = match n {
        0 if (h >> 30).is_multiple_of(4) => Value::Null,
        0 => json!(format!("006{:015X}", h2(c.seed, 9) % (1 << 60))),
        _ => json!(format!("006{:015X}", h2(c.seed, 601) % (1 << 60))),
    };
    json!({
        "callId": c.id_str(),
        "userId": ds.users[by]["id"],
        "created": fmt_dt(time, 0),
        "associatedCrmObjects": [{
            "accountCrmId": format!("001{:015X}", h2(c.seed, 10) % (1 << 60)),
            "dealCrmId": deal,
        }],
    })
}

/// Events over the whole dataset.
pub(super) fn count(ds: &Dataset, span: Span) -> usize {
    events(ds, span, i64::MIN / 2).len()
}

/// `GET /v2/calls/manual-crm-associations?fromDateTime=&cursor=`.
pub(super) async fn list(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let from = parse_dt(
        &st,
        "fromDateTime",
        q.get("fromDateTime").map(String::as_str),
    )?
    .unwrap_or(i64::MIN / 2);
    let ds = st.dataset.read().unwrap();
    let found = events(&ds, Span::of(&ds, st.cfg.days), from);
    let endpoint = "/v2/calls/manual-crm-associations";
    get_page(&st, endpoint, &q, "associations", found.len(), |a, b| {
        found[a..b].iter().map(|&e| event_json(&ds, e)).collect()
    })
}
