//! `POST /v2/calls/users-access`: the users given individual access to calls (through Gong's API, not
//! through sharing or permission profiles), for the call ids of `filter.callIds`.
//!
//! Not paginated (the response has no `records`). Neither the spec nor Gong's reference states a limit
//! on the number of call ids, so the sandbox enforces none. The answer lists, in request order and once
//! each, the requested calls that exist and have at least one such user; ids of unknown calls are
//! ignored. One call in five has 1–3 users with individual access, and one private call in two (a
//! private call is seen only by those it is given to); the host is never among them.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::State;
use serde_json::{json, Map, Value};

use super::{bad, ok, parse_body, str_list, HResult, St};
use crate::data::{CallRec, Dataset};
use crate::rng::{h2, h3};

/// Users (indices) with individual access to the call.
fn granted(ds: &Dataset, c: &CallRec) -> Vec<usize> {
    let h = h2(c.seed, 400);
    let has = if c.private {
        h.is_multiple_of(2)
    } else {
        h.is_multiple_of(5)
    };
    let mut users = Vec::new();
    if !has {
        return users;
    }
    for j in 0..1 + (h >> 8) % 3 {
        let u = (h3(h, j, 1) % ds.users.len() as u64) as usize;
        if u != c.host && !users.contains(&u) {
            users.push(u);
        }
    }
    users
}

/// (calls with at least one user with individual access, user-call grants) over the dataset.
pub(super) fn counts(ds: &Dataset) -> (usize, usize) {
    ds.calls.iter().fold((0, 0), |(calls, grants), c| {
        let n = granted(ds, c).len();
        (calls + usize::from(n > 0), grants + n)
    })
}

/// `POST /v2/calls/users-access` with `{"filter": {"callIds": [...]}}`.
pub(super) async fn list(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let f = v
        .get("filter")
        .filter(|f| f.is_object())
        .ok_or_else(|| bad(&st, "Malformed request: 'filter' is required"))?;
    let ids = str_list(&st, "filter.callIds", f.get("callIds"))?
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| bad(&st, "Bad request: filter.callIds is required"))?;
    let ds = st.dataset.read().unwrap();
    let mut seen = BTreeSet::new();
    let mut list = Vec::new();
    for id in &ids {
        let Some(c) = ds.call_by_id(id).filter(|c| seen.insert(c.id)) else {
            continue;
        };
        let users = granted(&ds, c);
        if !users.is_empty() {
            let users: Vec<Value> = users
                .iter()
                .map(|&u| json!({"userId": ds.users[u]["id"]}))
                .collect();
            list.push(json!({"callId": c.id_str(), "users": users}));
        }
    }
    let mut m = Map::new();
    m.insert("callAccessList".into(), Value::Array(list));
    Ok(ok(&st, m))
}
