//! The OAuth token endpoint, `POST /oauth2/generate-customer-token`: a refresh-token grant with the
//! client's credentials in HTTP Basic. Each refresh token is single-use: a grant rotates it and issues
//! an access token that expires after `access_token_ttl_secs`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use base64::Engine;
use serde_json::json;

use super::media_host::media_host;
use super::reply::json_bytes;
use super::state::St;
use crate::faults::{FaultKind, ABSURD_EXPIRES_IN};
use crate::rng::h2;
use crate::ALL_SCOPES;

/// The grant's parameters: the query's, then the form body's (which win).
fn form_params(uri: &Uri, body: &Bytes) -> HashMap<String, String> {
    let mut params: HashMap<String, String> = Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    if !body.is_empty() {
        if let Ok(s) = std::str::from_utf8(body) {
            if let Ok(u) = format!("/?{}", s.trim()).parse::<Uri>() {
                if let Ok(q) = Query::<HashMap<String, String>>::try_from_uri(&u) {
                    params.extend(q.0);
                }
            }
        }
    }
    params
}

/// An OAuth error answer (RFC 6749 section 5.2).
fn oauth_err(status: StatusCode, code: &str, desc: &str) -> Response {
    let mut r = Response::new(Body::from(
        json!({"error": code, "error_description": desc}).to_string(),
    ));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `POST /oauth2/generate-customer-token`: a refresh-token grant.
pub(super) async fn oauth_token(
    State(st): St,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = form_params(&uri, &body);
    let client_ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Basic ")
                .or_else(|| h.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|s| s == format!("{}:{}", st.cfg.oauth_client_id, st.cfg.oauth_client_secret));
    if !client_ok {
        return oauth_err(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if params.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_err(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be refresh_token",
        );
    }
    let given = params.get("refresh_token").cloned().unwrap_or_default();
    let mut t = st.tokens.lock().unwrap();
    if given.is_empty() || given != t.refresh {
        return oauth_err(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "The refresh token is invalid, expired or was already used",
        );
    }
    t.serial += 1;
    let serial = t.serial;
    let access = format!("sandbox-access-{serial}-{:016x}", h2(st.secret, serial));
    t.refresh = format!("sandbox-refresh-token-{serial}");
    t.access.insert(
        access.clone(),
        Instant::now() + Duration::from_secs(st.cfg.access_token_ttl_secs),
    );
    let scope: Vec<&str> = ALL_SCOPES
        .iter()
        .copied()
        .filter(|s| !st.cfg.denied_scopes.iter().any(|d| d == s))
        .collect();
    let body = json!({
        "access_token": access,
        "refresh_token": t.refresh,
        "scope": scope.join(" "),
        "token_type": "bearer",
        "expires_in": if st.fault_listed(FaultKind::OAuthAbsurdExpiry) {
            json!(ABSURD_EXPIRES_IN)
        } else {
            json!(st.cfg.access_token_ttl_secs)
        },
        "api_base_url_for_customer": media_host(&headers, &st),
    });
    json_bytes(StatusCode::OK, body.to_string().into_bytes())
}
