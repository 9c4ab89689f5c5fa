//! How the sandbox answers: Gong's JSON envelope (`requestId` first, then the payload), its error
//! shape (`{"requestId", "errors": [..]}`) and the statuses the handlers share.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::state::AppState;

pub(super) fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(super) fn error(st: &AppState, status: StatusCode, msg: &str) -> Response {
    let v = json!({"requestId": st.request_id(), "errors": [msg]});
    json_bytes(status, serde_json::to_vec(&v).unwrap())
}

pub(super) fn ok(st: &AppState, mut v: Map<String, Value>) -> Response {
    let mut out = Map::new();
    out.insert("requestId".into(), json!(st.request_id()));
    out.append(&mut v);
    json_bytes(
        StatusCode::OK,
        serde_json::to_vec(&Value::Object(out)).unwrap(),
    )
}

pub(super) fn too_many(st: &AppState, retry_after: Option<u64>) -> Response {
    let mut r = error(
        st,
        StatusCode::TOO_MANY_REQUESTS,
        "API request limit exceeded",
    );
    if let Some(s) = retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

pub(super) type HResult = Result<Response, Response>;

pub(super) fn bad(st: &AppState, msg: impl AsRef<str>) -> Response {
    error(st, StatusCode::BAD_REQUEST, msg.as_ref())
}

pub(super) fn not_found(st: &AppState, msg: &str) -> Response {
    error(st, StatusCode::NOT_FOUND, msg)
}

pub(super) const NO_CALLS: &str = "No calls found corresponding to the provided filters";
