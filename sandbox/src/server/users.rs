//! Gong's user and workspace endpoints: `GET /v2/users`, `GET /v2/users/{id}`,
//! `POST /v2/users/extensive` (by ids and creation time, avatars on request) and `GET /v2/workspaces`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::DateTime;
use serde_json::{Map, Value};

use super::paging::{canonical_query, page_offset, post_page_offset, records, PAGE_SIZE};
use super::parse::{parse_body, parse_dt, str_list};
use super::reply::{bad, not_found, ok, HResult};
use super::state::{AppState, St};

pub(super) async fn users(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let avatars = q
        .get("includeAvatars")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let all: Vec<&Value> = ds
        .users
        .iter()
        .chain(if avatars {
            ds.avatars.iter()
        } else {
            [].iter()
        })
        .collect();
    let (offset, fh) = page_offset(
        &st,
        "/v2/users",
        &canonical_query(&q),
        q.get("cursor").map(String::as_str),
    )?;
    Ok(users_page(&st, &all, offset, fh))
}

/// One page of `users` from `offset`, in Gong's envelope with its `records` (`fh`: the cursor's fingerprint).
fn users_page(st: &AppState, users: &[&Value], offset: usize, fh: u64) -> Response {
    let page: Vec<Value> = users
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|v| (*v).clone())
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(st, users.len(), offset, page.len(), fh),
    );
    m.insert("users".into(), Value::Array(page));
    ok(st, m)
}

pub(super) async fn user(State(st): St, Path(id): Path<String>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let u = ds
        .user_index(&id)
        .map(|i| ds.users[i].clone())
        .or_else(|| ds.avatars.iter().find(|a| a["id"] == id.as_str()).cloned());
    match u {
        Some(u) => Ok(ok(&st, Map::from_iter([("user".to_string(), u)]))),
        None => Err(not_found(&st, "User not found")),
    }
}

pub(super) async fn users_extensive(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let f = v
        .get("filter")
        .filter(|f| f.is_object())
        .ok_or_else(|| bad(&st, "Malformed request: 'filter' is required"))?;
    let ids = str_list(&st, "filter.userIds", f.get("userIds"))?;
    let avatars = f.get("includeAvatars").and_then(Value::as_bool) == Some(true);
    let from = parse_dt(
        &st,
        "createdFromDateTime",
        f.get("createdFromDateTime").and_then(Value::as_str),
    )?;
    let to = parse_dt(
        &st,
        "createdToDateTime",
        f.get("createdToDateTime").and_then(Value::as_str),
    )?;
    let ds = st.dataset.read().unwrap();
    let sel: Vec<&Value> = ds
        .users
        .iter()
        .chain(ds.avatars.iter().filter(|_| avatars))
        .filter(|u| {
            ids.as_ref()
                .is_none_or(|ids| ids.iter().any(|i| u["id"] == i.as_str()))
        })
        .filter(|u| created_in(u, from, to))
        .collect();
    if sel.is_empty() {
        return Err(not_found(
            &st,
            "No users found corresponding to the provided filters",
        ));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/users/extensive", &v)?;
    Ok(users_page(&st, &sel, offset, fh))
}

pub(super) fn created_in(u: &Value, from: Option<i64>, to: Option<i64>) -> bool {
    let c = u["created"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.timestamp())
        .unwrap_or(0);
    from.is_none_or(|f| c >= f) && to.is_none_or(|t| c < t)
}

pub(super) async fn workspaces(State(st): St) -> HResult {
    let ds = st.dataset.read().unwrap();
    Ok(ok(
        &st,
        Map::from_iter([(
            "workspaces".to_string(),
            Value::Array(ds.workspaces.clone()),
        )]),
    ))
}
