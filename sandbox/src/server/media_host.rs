//! The media host: `GET /media/{call_id}/{kind}` serves a call's audio or video at the presigned URLs
//! `calls/extensive` hands out, as S3 would (signature and expiry checked, byte ranges, S3's XML
//! errors, optional first-byte latency and refusal of HEAD).
//!
//! Invariant: the bytes of a (call, kind) never change (`crate::media::fill_media`), so a resumed or
//! ranged download reassembles the same file.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

use super::parse::now_unix;
use super::state::{AppState, St};
use crate::media::{fill_media, media_content_type, media_len};
use crate::rng::{h2, hash_str};

/// The base URL of the media host as the client reached the sandbox (its `Host` header), so media
/// URLs work through whatever name or port the client used.
pub(super) fn media_host(headers: &HeaderMap, st: &AppState) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| st.base_url.clone())
}

pub(super) fn s3_error(status: StatusCode, code: &str, msg: &str) -> Response {
    let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{msg}</Message><RequestId>sandbox</RequestId></Error>");
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    r
}

/// `GET`/`HEAD /media/{call_id}/{kind}`: the recording, whole or a byte range.
pub(super) async fn media(
    State(st): St,
    method: Method,
    Path((call_id, kind)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (lo, hi) = st.cfg.media_latency_ms;
    if hi > 0 {
        let ms = lo + h2(st.secret ^ 0x3ED1A, hash_str(&call_id)) % (hi - lo + 1);
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if let Err(refused) = check_url(&st, &method, &call_id, &kind, &q) {
        return refused;
    }
    let len = media_len(&call_id, &kind);
    match headers.get(header::RANGE).and_then(|r| r.to_str().ok()) {
        None => body(&call_id, &kind, 0, len, None),
        Some(r) => match parse_range(r, len) {
            Some((a, b)) => body(&call_id, &kind, a, b, Some(len)),
            None => {
                let mut resp = s3_error(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "InvalidRange",
                    "The requested range is not satisfiable",
                );
                resp.headers_mut().insert(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{len}")).unwrap(),
                );
                resp
            }
        },
    }
}

/// S3's checks of a presigned URL (method, expiry parameters, signature, expiry), then that the
/// recording exists; the refusal as S3 words it.
fn check_url(
    st: &AppState,
    method: &Method,
    call_id: &str,
    kind: &str,
    q: &HashMap<String, String>,
) -> Result<(), Response> {
    let mismatch = || {
        s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        )
    };
    if *method == Method::HEAD && st.cfg.media_refuse_head {
        // S3 signs the method into a presigned URL: HEAD on a GET URL does not match (no body on HEAD).
        return Err(mismatch());
    }
    let expires: i64 = q
        .get("expires")
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| {
            s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Query-string authentication requires the expires and signature parameters",
            )
        })?;
    if q.get("signature").map(String::as_str)
        != Some(st.sign_media(call_id, kind, expires).as_str())
    {
        return Err(mismatch());
    }
    if now_unix() > expires {
        return Err(s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired",
        ));
    }
    let ds = st.dataset.read().unwrap();
    match ds.call_by_id(call_id) {
        Some(c) if kind == "audio" || (kind == "video" && c.video) => Ok(()),
        _ => Err(s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )),
    }
}

/// Bytes `[start, end)` of the recording, streamed in 64 KiB pieces; `of` = the whole length for a
/// range answer (206 with `Content-Range`), `None` for the whole file (200).
fn body(call_id: &str, kind: &str, start: u64, end: u64, of: Option<u64>) -> Response {
    let (id, k) = (call_id.to_string(), kind.to_string());
    let stream = futures_util::stream::unfold(start, move |pos| {
        let id = id.clone();
        let k = k.clone();
        async move {
            if pos >= end {
                return None;
            }
            let n = ((end - pos) as usize).min(64 * 1024);
            let mut buf = vec![0u8; n];
            fill_media(&id, &k, pos, &mut buf);
            Some((
                Ok::<Bytes, std::io::Error>(Bytes::from(buf)),
                pos + n as u64,
            ))
        }
    });
    let mut r = Response::new(Body::from_stream(stream));
    if of.is_some() {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media_content_type(kind)),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&format!(
            "\"{:016x}\"",
            hash_str(&format!("{call_id}/{kind}"))
        ))
        .unwrap(),
    );
    if let Some(len) = of {
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1)).unwrap(),
        );
    }
    r
}

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n` into a half-open range; None if unsatisfiable.
pub(super) fn parse_range(h: &str, len: u64) -> Option<(u64, u64)> {
    let spec = h.trim().strip_prefix("bytes=")?;
    let spec = spec.split(',').next()?.trim();
    let (a, b) = spec.split_once('-')?;
    if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 || len == 0 {
            return None;
        }
        return Some((len.saturating_sub(n), len));
    }
    let a: u64 = a.parse().ok()?;
    if a >= len {
        return None;
    }
    let end = if b.is_empty() {
        len
    } else {
        (b.parse::<u64>().ok()? + 1).min(len)
    };
    if end <= a {
        return None;
    }
    Some((a, end))
}
