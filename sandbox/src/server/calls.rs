//! Gong's call endpoints: `GET /v2/calls` and `/v2/calls/{id}`, `POST /v2/calls/extensive` (content
//! selector, media URLs signed for the media host) and `POST /v2/calls/transcript`, over one call filter
//! (date range, workspace, ids, hosts).

use std::collections::{BTreeSet, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value};

use super::gate::forbidden_scope;
use super::media_host::media_host;
use super::paging::{canonical_query, page_offset, post_page_offset, records, PAGE_SIZE};
use super::parse::{now_unix, parse_body, parse_dt, str_list};
use super::reply::{bad, not_found, ok, HResult, NO_CALLS};
use super::state::{AppState, AuthInfo, St};
use crate::data::{Dataset, Selector};

pub(super) struct CallFilter {
    from: Option<i64>,
    to: Option<i64>,
    workspace: Option<Option<usize>>,
    call_ids: Option<Vec<String>>,
    hosts: Option<Vec<String>>,
}

pub(super) fn select_calls(ds: &Dataset, f: &CallFilter) -> Vec<usize> {
    if let Some(Some(_)) | None = f.workspace {
    } else {
        return vec![];
    }
    let ids: Option<BTreeSet<u64>> = f
        .call_ids
        .as_ref()
        .map(|v| v.iter().filter_map(|s| s.trim().parse().ok()).collect());
    let hosts: Option<BTreeSet<usize>> = f
        .hosts
        .as_ref()
        .map(|v| v.iter().filter_map(|s| ds.user_index(s)).collect());
    ds.call_range(f.from, f.to)
        .filter(|&i| {
            let c = &ds.calls[i];
            f.workspace.is_none_or(|w| w == Some(c.workspace))
                && ids.as_ref().is_none_or(|s| s.contains(&c.id))
                && hosts.as_ref().is_none_or(|h| h.contains(&c.host))
        })
        .collect()
}

pub(super) fn call_filter_from_json(
    st: &AppState,
    ds: &Dataset,
    f: &Value,
    with_hosts: bool,
) -> Result<CallFilter, Response> {
    if !f.is_object() {
        return Err(bad(st, "Malformed request: 'filter' is required"));
    }
    Ok(CallFilter {
        from: parse_dt(
            st,
            "fromDateTime",
            f.get("fromDateTime").and_then(Value::as_str),
        )?,
        to: parse_dt(
            st,
            "toDateTime",
            f.get("toDateTime").and_then(Value::as_str),
        )?,
        workspace: f
            .get("workspaceId")
            .and_then(|w| {
                w.as_str()
                    .map(String::from)
                    .or_else(|| w.as_u64().map(|n| n.to_string()))
            })
            .map(|w| ds.workspace_index(&w)),
        call_ids: str_list(st, "filter.callIds", f.get("callIds"))?,
        hosts: if with_hosts {
            str_list(st, "filter.primaryUserIds", f.get("primaryUserIds"))?
        } else {
            None
        },
    })
}

pub(super) async fn calls(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let f = CallFilter {
        from: parse_dt(
            &st,
            "fromDateTime",
            q.get("fromDateTime").map(String::as_str),
        )?,
        to: parse_dt(&st, "toDateTime", q.get("toDateTime").map(String::as_str))?,
        workspace: q
            .get("workspaceId")
            .filter(|w| !w.is_empty())
            .map(|w| ds.workspace_index(w)),
        call_ids: None,
        hosts: None,
    };
    let sel = select_calls(&ds, &f);
    if sel.is_empty() {
        return Err(not_found(&st, NO_CALLS));
    }
    let (offset, fh) = page_offset(
        &st,
        "/v2/calls",
        &canonical_query(&q),
        q.get("cursor").map(String::as_str),
    )?;
    let page: Vec<Value> = sel
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|&i| ds.call_basic(&ds.calls[i]))
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, sel.len(), offset, page.len(), fh),
    );
    m.insert("calls".into(), Value::Array(page));
    Ok(ok(&st, m))
}

pub(super) async fn call(State(st): St, Path(id): Path<String>) -> HResult {
    let ds = st.dataset.read().unwrap();
    match ds.call_by_id(&id) {
        Some(c) => Ok(ok(
            &st,
            Map::from_iter([("call".to_string(), ds.call_basic(c))]),
        )),
        None => Err(not_found(&st, "Call ID was not found")),
    }
}

pub(super) async fn calls_extensive(
    State(st): St,
    auth: Option<axum::Extension<AuthInfo>>,
    headers: HeaderMap,
    body: Bytes,
) -> HResult {
    let v = parse_body(&st, &body)?;
    let sel = Selector::from_json(v.get("contentSelector"));
    if sel.media
        && auth.is_some_and(|a| a.0.bearer)
        && st
            .cfg
            .denied_scopes
            .iter()
            .any(|s| s == "api:calls:read:media-url")
    {
        return Err(forbidden_scope(&st, "api:calls:read:media-url"));
    }
    let ds = st.dataset.read().unwrap();
    let f = call_filter_from_json(&st, &ds, v.get("filter").unwrap_or(&Value::Null), true)?;
    let chosen = select_calls(&ds, &f);
    if chosen.is_empty() {
        return Err(not_found(&st, NO_CALLS));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/calls/extensive", &v)?;
    let base = media_host(&headers, &st);
    let expires = now_unix() + st.cfg.media_url_ttl_secs as i64;
    let signer = |id: &str, kind: &str, exp: i64| st.sign_media(id, kind, exp);
    let page: Vec<Value> = chosen
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|&i| ds.call_extensive(&ds.calls[i], &sel, Some((base.as_str(), expires, &signer))))
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, chosen.len(), offset, page.len(), fh),
    );
    m.insert("calls".into(), Value::Array(page));
    Ok(ok(&st, m))
}

pub(super) async fn transcripts(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let ds = st.dataset.read().unwrap();
    let f = call_filter_from_json(&st, &ds, v.get("filter").unwrap_or(&Value::Null), false)?;
    let chosen = select_calls(&ds, &f);
    if chosen.is_empty() {
        return Err(not_found(&st, NO_CALLS));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/calls/transcript", &v)?;
    let page: Vec<Value> = chosen
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|&i| ds.transcript(&ds.calls[i]))
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, chosen.len(), offset, page.len(), fh),
    );
    m.insert("callTranscripts".into(), Value::Array(page));
    Ok(ok(&st, m))
}
