//! Classification of Gong's answers: the one place where a status, a transport failure or Gong's error
//! text becomes a typed [`Reason`], and a reason becomes what the client does next ([`Verdict`]) and the
//! error a user reads. Everything else matches on the reason.
//!
//! - 2xx: success. 404: handed back to the caller, which knows whether this endpoint's 404 means "no data".
//! - 429: wait (`Retry-After`) within the policy's rate-limit budget.
//! - 5xx, 408, 425, transport failures, bodies that broke off: retry within the policy's error budget.
//! - 401: refresh an OAuth token once, else a config error. 403: config error (a missing scope).
//! - 400 about a cursor: [`Reason::ExpiredCursor`] / [`Reason::InvalidCursor`], for the pager to restart.
//! - Redirects: refused (Gong's API never redirects; following one could send credentials elsewhere).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Reason};

/// What to do with an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Success,
    NotFound,
    /// Retry after this long, or after backoff when `None`.
    Retry(Option<Duration>),
    /// Stop with this kind of error.
    Fail(ErrorKind),
    /// The access token expired or was revoked: refresh it (OAuth) or fail as a config error.
    Unauthorized,
}

/// The typed reason of a non-success answer, from its status and Gong's error text.
pub fn reason_of(status: u16, gong_text: &str) -> Reason {
    match status {
        404 => Reason::NotFound,
        401 => Reason::Unauthorized,
        403 => Reason::Forbidden {
            scope: scope_in(gong_text),
        },
        429 => Reason::RateLimited,
        408 | 425 | 500..=599 => Reason::Server,
        300..=399 => Reason::Redirect,
        400 => {
            let text = gong_text.to_ascii_lowercase();
            if !text.contains("cursor") {
                Reason::InvalidRequest(400)
            } else if text.contains("expire") {
                Reason::ExpiredCursor
            } else {
                Reason::InvalidCursor
            }
        }
        code => Reason::InvalidRequest(code),
    }
}

/// The scope a 403 names (`... missing the scope 'api:calls:read:transcript'`), if any.
fn scope_in(text: &str) -> Option<String> {
    let (_, rest) = text.split_once("scope")?;
    let start = rest.find(|c: char| c.is_ascii_alphanumeric())?;
    let scope: String = rest[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
        .collect();
    scope.contains(':').then_some(scope)
}

/// What the client does with a status. See the module doc.
pub fn classify_status(status: u16, retry_after: Option<Duration>) -> Verdict {
    if (200..=299).contains(&status) {
        return Verdict::Success;
    }
    verdict_of(&reason_of(status, ""), retry_after)
}

/// What the client does with a reason.
pub fn verdict_of(reason: &Reason, retry_after: Option<Duration>) -> Verdict {
    match reason {
        Reason::NotFound => Verdict::NotFound,
        Reason::RateLimited | Reason::Server | Reason::Transport | Reason::Unreachable => {
            Verdict::Retry(retry_after)
        }
        Reason::Unauthorized => Verdict::Unauthorized,
        Reason::Forbidden { .. } | Reason::Redirect => Verdict::Fail(ErrorKind::Config),
        _ => Verdict::Fail(ErrorKind::System),
    }
}

/// Transport failures: is this worth another try?
pub fn classify_transport(error: &reqwest::Error) -> Verdict {
    if error.is_redirect() {
        Verdict::Fail(ErrorKind::Config)
    } else if error.is_builder() || is_certificate(error) {
        Verdict::Fail(ErrorKind::System)
    } else {
        // Timeouts, refused or reset connections, DNS hiccups and broken bodies can all pass.
        Verdict::Retry(None)
    }
}

/// Why nothing answered at all, when that is the case: `refused` (nothing listens at the host and port)
/// or `unresolved` (the host name does not resolve). Other transport failures may pass with a retry.
pub fn unreachable(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return Some("refused");
            }
        }
        let text = s.to_string().to_ascii_lowercase();
        if text.contains("connection refused") {
            return Some("refused");
        }
        if text.starts_with("dns error") || text.contains("failed to lookup address") {
            return Some("unresolved");
        }
        source = s.source();
    }
    None
}

/// A TLS certificate Gong's host does not present validly: retrying cannot fix it.
fn is_certificate(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        if s.to_string().to_ascii_lowercase().contains("certificate") {
            return true;
        }
        source = s.source();
    }
    false
}

/// The error a user reads for a non-success answer of `what` (`METHOD /path`).
pub fn status_error(what: &str, status: StatusCode, body: &[u8]) -> Error {
    let gong = gong_errors(body);
    let reason = reason_of(status.as_u16(), &gong);
    let detail = if gong.is_empty() {
        String::new()
    } else {
        format!(" Gong said: {gong}")
    };
    let code = status.as_u16();
    let (kind, message) = match &reason {
        Reason::Unauthorized => (
            ErrorKind::Config,
            format!("Gong rejected the credentials (HTTP 401) for {what}. Check the access key and secret (or token), and that base_url is your tenant's API host.{detail}"),
        ),
        Reason::Forbidden { scope } => {
            // The scope Gong named, else the one the endpoint table gives the path.
            let path = what.split_once(' ').map_or(what, |(_, p)| p);
            let scope = scope
                .clone()
                .or_else(|| crate::gong::endpoints::scope_of(path).map(str::to_string))
                .map(|s| format!(" `{s}`"))
                .unwrap_or_default();
            (
                ErrorKind::Config,
                format!("Gong denied access (HTTP 403) to {what}: the key or token lacks the scope{scope} or permission it needs. Grant it in Gong (a sync can also deselect the stream that reads it).{detail}"),
            )
        }
        Reason::RateLimited => (
            ErrorKind::Transient,
            format!("Gong kept answering 429 (rate limit) for {what}. Progress is saved; lower requests_per_second or run again later.{detail}"),
        ),
        Reason::Server => (
            ErrorKind::Transient,
            format!("Gong answered HTTP {code} for {what}. This is usually temporary; run the sync again.{detail}"),
        ),
        Reason::Redirect => (
            ErrorKind::Config,
            format!("Gong answered HTTP {code} (a redirect) for {what}; Gong's API does not redirect, so it is not followed. Check base_url: it must be your tenant's API host, e.g. https://us-12345.api.gong.io.{detail}"),
        ),
        _ => (
            ErrorKind::System,
            format!("Gong answered HTTP {code} for {what}.{detail}"),
        ),
    };
    let request_id = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        v.get("requestId")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let mut error = match kind {
        ErrorKind::Config => Error::config(message),
        ErrorKind::Transient => Error::transient(message),
        ErrorKind::System => Error::system(message),
    }
    .with_status(code)
    .with_reason(reason);
    if let Some(id) = request_id {
        error = error.with_internal(format!("Gong requestId {id}"));
    }
    error
}

/// Gong's `errors` array joined, or a short prefix of a non-JSON body.
pub fn gong_errors(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        if let Some(errors) = v.get("errors").and_then(Value::as_array) {
            return errors
                .iter()
                .map(|e| {
                    e.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| e.to_string())
                })
                .collect::<Vec<_>>()
                .join("; ");
        }
    }
    let text = String::from_utf8_lossy(body);
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_once() {
        assert_eq!(classify_status(200, None), Verdict::Success);
        assert_eq!(classify_status(404, None), Verdict::NotFound);
        assert_eq!(
            classify_status(429, Some(Duration::from_secs(2))),
            Verdict::Retry(Some(Duration::from_secs(2)))
        );
        assert_eq!(classify_status(429, None), Verdict::Retry(None));
        for s in [500, 502, 503, 504, 408] {
            assert_eq!(classify_status(s, None), Verdict::Retry(None), "{s}");
        }
        assert_eq!(classify_status(401, None), Verdict::Unauthorized);
        assert_eq!(classify_status(403, None), Verdict::Fail(ErrorKind::Config));
        assert_eq!(classify_status(307, None), Verdict::Fail(ErrorKind::Config));
        assert_eq!(classify_status(400, None), Verdict::Fail(ErrorKind::System));
        assert_eq!(classify_status(422, None), Verdict::Fail(ErrorKind::System));
    }

    #[test]
    fn reasons_come_from_status_and_text() {
        assert_eq!(reason_of(400, "cursor has expired"), Reason::ExpiredCursor);
        assert_eq!(reason_of(400, "invalid cursor"), Reason::InvalidCursor);
        assert_eq!(
            reason_of(400, "fromDate is bad"),
            Reason::InvalidRequest(400)
        );
        assert_eq!(
            reason_of(
                403,
                "Access denied: the access token is missing the scope 'api:calls:read:transcript'"
            ),
            Reason::Forbidden {
                scope: Some("api:calls:read:transcript".into())
            }
        );
        assert_eq!(reason_of(403, "nope"), Reason::Forbidden { scope: None });
        let e = status_error(
            "GET /v2/flows",
            StatusCode::FORBIDDEN,
            br#"{"errors":["nope"]}"#,
        );
        assert!(
            e.message.contains("lacks the scope `api:flows:read`"),
            "{}",
            e.message
        );
        let e = status_error(
            "GET /v2/calls",
            StatusCode::BAD_REQUEST,
            br#"{"errors":["cursor has expired"]}"#,
        );
        assert_eq!(e.reason(), &Reason::ExpiredCursor);
        assert_eq!(e.status, Some(400));
    }

    #[test]
    fn gong_error_texts() {
        assert_eq!(
            gong_errors(br#"{"requestId":"x","errors":["No calls found corresponding to the provided filters"]}"#),
            "No calls found corresponding to the provided filters"
        );
        assert_eq!(gong_errors(b"<html>oops</html>"), "<html>oops</html>");
    }
}
