//! Cursor paging shared by every listing: a page's offset from its signed cursor (bound to the
//! endpoint and the request's filter), and the `records` object with the next page's cursor.
//!
//! Invariant: a cursor is only accepted for the same endpoint and filter it was issued for.

use std::collections::HashMap;

use axum::response::Response;
use serde_json::{json, Value};

use super::parse::now_unix;
use super::reply::bad;
use super::state::AppState;
use crate::cursor::{CursorCodec, CursorError};
use crate::faults::FaultKind;

/// Fixed page size, like Gong's.
pub const PAGE_SIZE: usize = 100;

/// [`page_offset`] for a POST endpoint: the cursor comes from the JSON body (a query cursor is ignored,
/// as Gong does) and the filter is the canonical body.
pub(super) fn post_page_offset(
    st: &AppState,
    endpoint: &str,
    v: &Value,
) -> Result<(usize, u64), Response> {
    page_offset(
        st,
        endpoint,
        &canonical_body(v),
        v.get("cursor").and_then(Value::as_str),
    )
}

/// Resolves the page offset from the request's cursor.
pub(super) fn page_offset(
    st: &AppState,
    endpoint: &str,
    canonical: &str,
    cursor: Option<&str>,
) -> Result<(usize, u64), Response> {
    let fh = CursorCodec::filter_hash(endpoint, canonical);
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok((0, fh));
    };
    let offset = st
        .cursors
        .decode(c, fh, now_unix())
        .map_err(|e| bad(st, e.message()))?;
    if st.cursor_fault(endpoint, fh, offset) {
        st.record_fault(FaultKind::ExpiredCursor);
        return Err(bad(st, CursorError::Expired.message()));
    }
    Ok((offset as usize, fh))
}

pub(super) fn records(
    st: &AppState,
    total: usize,
    offset: usize,
    page_len: usize,
    fh: u64,
) -> Value {
    let mut r = json!({
        "totalRecords": total,
        "currentPageSize": page_len,
        "currentPageNumber": offset / PAGE_SIZE,
    });
    if offset + page_len < total {
        r["cursor"] = json!(st
            .cursors
            .encode((offset + page_len) as u64, fh, now_unix()));
    }
    r
}

pub(super) fn canonical_query(q: &HashMap<String, String>) -> String {
    let mut v: Vec<_> = q.iter().filter(|(k, _)| k.as_str() != "cursor").collect();
    v.sort();
    format!("{v:?}")
}

pub(super) fn canonical_body(v: &Value) -> String {
    let mut c = v.clone();
    if let Some(o) = c.as_object_mut() {
        o.remove("cursor");
    }
    c.to_string()
}
