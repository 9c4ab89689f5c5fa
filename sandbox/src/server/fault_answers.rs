//! The faults the gate injects into `/v2/` answers (`crate::faults` decides which): error statuses,
//! resets, broken bodies, long waits, a leaked Authorization header, a redirect, and the page rewrites
//! (`PagerFaults`) that break a listing's cursors or records.
//!
//! Invariant: each injected fault is counted once in `faults_injected` and `faults_by_kind`; the
//! cursor-bound `expired-cursor` is decided in `paging`, the OAuth one in `oauth`, not here.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, Request};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Value};

use super::reply::{error, json_bytes, not_found, too_many, NO_CALLS};
use super::state::AppState;
use crate::faults::{FaultKind, EMPTY_CURSOR_PREFIX};

/// What the gate does with a request after the fault decision.
pub(super) enum FaultStep {
    /// No fault: the handler answers.
    Pass,
    /// The `slow` fault: wait this many milliseconds, then the handler answers.
    Slow(u64),
    /// The fault's answer replaces the handler's.
    Answer(Response),
    /// The handler answers, and its body breaks off halfway.
    Truncate,
    /// The handler answers, and its page is rewritten.
    Rewrite(FaultKind),
}

/// Decides whether this `/v2/` request gets a per-request fault and, for those answered in place,
/// builds the answer.
pub(super) fn answer(st: &AppState, req: &Request) -> FaultStep {
    let fault = {
        let mut f = st.faults.lock().unwrap();
        let n = f.1;
        let path = req.uri().path();
        f.1 += u64::from(f.0.applies_to(path));
        Some(n)
            .filter(|_| f.0.applies_to(path))
            .and_then(|n| f.0.decide(n))
            .filter(|&k| k.per_request())
            .map(|k| (k, f.0.slow_ms))
    };
    let Some((kind, slow_ms)) = fault else {
        return FaultStep::Pass;
    };
    st.record_fault(kind);
    let resp = match kind {
        FaultKind::Status500 => error(
            st,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Failed to complete the operation due to an unexpected error",
        ),
        FaultKind::Status502 => bad_gateway(),
        FaultKind::Status503 => unavailable(st, "2"),
        FaultKind::LongRetryAfter => unavailable(st, "3600"),
        FaultKind::TooManyRequests => too_many(st, Some(1)),
        FaultKind::TooManyRequestsNoRetryAfter => too_many(st, None),
        FaultKind::ConnectionReset => reset(),
        FaultKind::InvalidJson => invalid_json(),
        FaultKind::TruncatedNotFound => {
            let full =
                serde_json::to_vec(&json!({"requestId": st.request_id(), "errors": [NO_CALLS]}))
                    .unwrap_or_default();
            let (parts, _) = not_found(st, NO_CALLS).into_parts();
            break_off(parts, Bytes::from(full))
        }
        FaultKind::EchoAuth => echo_auth(st, req),
        FaultKind::RedirectElsewhere => redirect_elsewhere(st, req.uri()),
        FaultKind::Slow => return FaultStep::Slow(slow_ms),
        FaultKind::TruncatedBody => return FaultStep::Truncate,
        k if k.rewrites_page() => return FaultStep::Rewrite(k),
        // Decided elsewhere: `page_offset` (over the requests that carry a cursor), the token endpoint.
        _ => return FaultStep::Pass,
    };
    FaultStep::Answer(resp)
}

/// A proxy's HTML 502.
fn bad_gateway() -> Response {
    let mut r = Response::new(Body::from("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"));
    *r.status_mut() = StatusCode::BAD_GATEWAY;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    r
}

/// A 503 with `Retry-After: retry_after` seconds.
fn unavailable(st: &AppState, retry_after: &'static str) -> Response {
    let mut r = error(
        st,
        StatusCode::SERVICE_UNAVAILABLE,
        "Service temporarily unavailable",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static(retry_after));
    r
}

/// A JSON answer whose body fails at once (the connection is reset).
fn reset() -> Response {
    let s = futures_util::stream::iter([Err::<Bytes, std::io::Error>(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "injected reset",
    ))]);
    let mut r = Response::new(Body::from_stream(s));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A 200 labelled JSON whose body is an HTML error page cut short.
fn invalid_json() -> Response {
    let mut r = Response::new(Body::from(
        "<!DOCTYPE html><html><body>Upstream error {\"requestId\": ",
    ));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The handler's answer with its body cut off halfway (the `truncate` fault).
pub(super) async fn truncate(resp: Response) -> Response {
    let (parts, body) = resp.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    break_off(parts, full)
}

/// An answer with `full`'s length in `Content-Length` whose body breaks off halfway (a reset).
fn break_off(parts: axum::http::response::Parts, full: Bytes) -> Response {
    let half = full.slice(..full.len() / 2);
    // Yield the first half, then (after hyper has flushed it) fail, which closes the connection.
    let s = futures_util::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "injected truncation",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    let mut r = Response::from_parts(parts, Body::from_stream(s));
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
    r
}

/// The `echo-auth` fault: a 500 whose text quotes the request's full URL and Authorization header, as
/// a careless proxy or server might.
fn echo_auth(st: &AppState, req: &Request) -> Response {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let url = format!("{}{}", st.base_url.trim_end_matches('/'), req.uri());
    error(
        st,
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!(
            "Upstream failure for {} {url} (Authorization: {auth})",
            req.method()
        ),
    )
}

/// The `redirect-307` fault: the same path and query on another origin (the other loopback name).
fn redirect_elsewhere(st: &AppState, uri: &Uri) -> Response {
    let base = st.base_url.trim_end_matches('/');
    let other = if base.contains("://127.0.0.1") {
        base.replacen("://127.0.0.1", "://localhost", 1)
    } else {
        base.replacen("://localhost", "://127.0.0.1", 1)
    };
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    if let Ok(v) = HeaderValue::from_str(&format!("{other}{uri}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The page-rewriting faults: lets the handler answer (for `empty-pages`, always page 0, as its cursors
/// are not the handler's), then rewrites a 200 page ([`PagerFaults::rewrite`]).
pub(super) async fn rewrite_page(
    st: &AppState,
    kind: FaultKind,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut json_body: Option<Value> = serde_json::from_slice(&body).ok();
    let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let asked = json_body
        .as_ref()
        .and_then(|v| v.get("cursor"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| query.get("cursor").cloned());
    let mut body = body;
    if kind == FaultKind::EmptyPages
        || asked
            .as_deref()
            .is_some_and(|c| c.starts_with(EMPTY_CURSOR_PREFIX))
    {
        if let Some(o) = json_body.as_mut().and_then(Value::as_object_mut) {
            o.remove("cursor");
            body = Bytes::from(serde_json::to_vec(o).unwrap_or_default());
        }
        let q = parts
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
            .collect::<Vec<_>>()
            .join("&");
        let path = parts.uri.path().to_string();
        let pq = if q.is_empty() {
            path
        } else {
            format!("{path}?{q}")
        };
        if let Ok(uri) = pq.parse() {
            parts.uri = uri;
        }
        parts.headers.remove(header::CONTENT_LENGTH);
    }
    let resp = next.run(Request::from_parts(parts, Body::from(body))).await;
    if resp.status() != StatusCode::OK {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let Ok(mut page) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    st.pager_faults
        .lock()
        .unwrap()
        .rewrite(kind, &mut page, asked.as_deref());
    let mut r = json_bytes(
        StatusCode::OK,
        serde_json::to_vec(&page).unwrap_or_default(),
    );
    *r.headers_mut() = {
        let mut h = parts.headers;
        h.remove(header::CONTENT_LENGTH);
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h
    };
    r
}
