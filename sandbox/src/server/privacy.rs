//! `GET /v2/data-privacy/data-for-email-address` and `…/data-for-phone-number`: what the company's Gong
//! holds that references a person (scope `api:data-privacy:read`).
//!
//! From the dataset: the calls with a party of that email address or phone number (Gong's
//! `CallReference`: id, status, no external systems), and for a phone number the email addresses of
//! those parties. The sandbox imports no emails, meetings or CRM data, so those lists are empty. Phone
//! numbers match on their digits, as Gong ignores every other character (`+1 (555) 0101` is
//! `+1-555-0101`). A missing or empty parameter is a 400, as in Gong's spec.

use std::collections::{BTreeSet, HashMap};

use axum::extract::{Query, State};
use serde_json::{json, Map, Value};

use super::reply::{bad, ok, HResult};
use super::state::St;
use crate::data::{Dataset, PartyInfo};

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The calls having a party `matches` accepts, as Gong's call references, and those parties.
fn references(ds: &Dataset, matches: impl Fn(&PartyInfo) -> bool) -> (Vec<Value>, Vec<PartyInfo>) {
    let mut calls = Vec::new();
    let mut parties = Vec::new();
    for c in &ds.calls {
        let found: Vec<PartyInfo> = ds.parties(c).into_iter().filter(&matches).collect();
        if !found.is_empty() {
            calls.push(json!({"id": c.id_str(), "status": "COMPLETED", "externalSystems": []}));
            parties.extend(found);
        }
    }
    (calls, parties)
}

fn answer(calls: Vec<Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("emails".into(), json!([]));
    out.insert("calls".into(), Value::Array(calls));
    out.insert("meetings".into(), json!([]));
    out.insert("customerData".into(), json!([]));
    out
}

/// `GET /v2/data-privacy/data-for-email-address?emailAddress=`.
pub(super) async fn email_address(
    State(st): St,
    Query(q): Query<HashMap<String, String>>,
) -> HResult {
    let email = match q.get("emailAddress").map(|e| e.trim()) {
        Some(e) if !e.is_empty() => e.to_lowercase(),
        _ => return Err(bad(&st, "Malformed request: 'emailAddress' is required")),
    };
    let ds = st.dataset.read().unwrap();
    let (calls, _) = references(&ds, |p| {
        p.email
            .as_deref()
            .is_some_and(|e| e.to_lowercase() == email)
    });
    let mut out = answer(calls);
    out.insert("customerEngagement".into(), json!([]));
    Ok(ok(&st, out))
}

/// `GET /v2/data-privacy/data-for-phone-number?phoneNumber=`.
pub(super) async fn phone_number(
    State(st): St,
    Query(q): Query<HashMap<String, String>>,
) -> HResult {
    let supplied = match q.get("phoneNumber") {
        Some(p) if !digits(p).is_empty() => p.clone(),
        _ => return Err(bad(&st, "Malformed request: 'phoneNumber' is required")),
    };
    if !supplied.trim_start().starts_with('+') {
        return Err(bad(
            &st,
            "Malformed request: 'phoneNumber' must start with + and the country code",
        ));
    }
    let wanted = digits(&supplied);
    let ds = st.dataset.read().unwrap();
    let (calls, parties) = references(&ds, |p| {
        p.phone.as_deref().is_some_and(|n| digits(n) == wanted)
    });
    let numbers: BTreeSet<String> = parties.iter().filter_map(|p| p.phone.clone()).collect();
    let emails: BTreeSet<String> = parties.iter().filter_map(|p| p.email.clone()).collect();
    let mut out = answer(calls);
    out.insert("suppliedPhoneNumber".into(), json!(supplied));
    out.insert("matchingPhoneNumbers".into(), json!(numbers));
    out.insert("emailAddresses".into(), json!(emails));
    Ok(ok(&st, out))
}
