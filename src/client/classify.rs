//! Classification of Gong's answers: the one place where a status, a transport failure or Gong's error
//! text becomes a typed [`Reason`], and a failure becomes what the retry driver does next ([`retry_of`])
//! and the error a user reads. Everything else matches on the reason.
//!
//! - 2xx: success. 404: handed back to the caller, which knows whether this endpoint's 404 means "no data".
//! - 429: wait (`Retry-After`) within the policy's rate-limit budget.
//! - 5xx, 408, 425, transport failures, bodies that broke off: retry within the policy's error budget.
//! - 401: refresh an OAuth token once, else a config error. 403: config error (a missing scope).
//! - 400 about a cursor: [`Reason::ExpiredCursor`] / [`Reason::InvalidCursor`], for the pager to restart.
//! - Redirects: refused (Gong's API never redirects; following one could send credentials elsewhere).

use reqwest::StatusCode;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Reason};

/// What the retry driver does after a failed attempt (`driver.rs`), decided from the failure alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A failure that may pass: back off within the retry policy's error budget.
    Backoff,
    /// Gong's rate limit (429): wait its `Retry-After` within the policy's rate-limit budget.
    RateLimit,
    /// Retrying cannot help: the error is final.
    Never,
}

/// The one retry decision: 5xx (and 408, 425), bodies that broke off or could not be read, and
/// transport failures that may pass back off; 429s wait; everything else (404, 401, 403, 400, a
/// redirect, a certificate, a spent budget) is final.
pub fn retry_of(error: &Error) -> Retry {
    match error.reason() {
        Reason::RateLimited => Retry::RateLimit,
        Reason::Server | Reason::BadBody => Retry::Backoff,
        Reason::Transport | Reason::Unreachable if error.kind == ErrorKind::Transient => {
            Retry::Backoff
        }
        _ => Retry::Never,
    }
}

/// The kind of error a media host's answer with this reason is (Gong's own answers get theirs, with
/// their messages, in [`status_error`]): what may pass is transient, a refusal the user can fix is a
/// config error, anything else a system error.
pub fn kind_of(reason: &Reason) -> ErrorKind {
    match reason {
        Reason::RateLimited | Reason::Server | Reason::Transport | Reason::Unreachable => {
            ErrorKind::Transient
        }
        Reason::Forbidden { .. } | Reason::Redirect => ErrorKind::Config,
        _ => ErrorKind::System,
    }
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

/// The kind of a transport failure: a redirect elsewhere is the config's (base_url), a request that
/// cannot be built or a certificate that does not hold is a system error, anything else (timeouts,
/// refused or reset connections, DNS hiccups, broken bodies) may pass.
pub fn transport_kind(error: &reqwest::Error) -> ErrorKind {
    if error.is_redirect() {
        ErrorKind::Config
    } else if error.is_builder() || is_certificate(error) {
        ErrorKind::System
    } else {
        ErrorKind::Transient
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

    fn retry_of_status(status: u16) -> Retry {
        let code = StatusCode::from_u16(status).unwrap();
        retry_of(&status_error("GET /v2/calls", code, b"{}"))
    }

    #[test]
    fn statuses_are_classified_once() {
        for s in [500, 502, 503, 504, 408, 425] {
            assert_eq!(retry_of_status(s), Retry::Backoff, "{s}");
        }
        assert_eq!(retry_of_status(429), Retry::RateLimit);
        for s in [400, 401, 403, 404, 307, 422] {
            assert_eq!(retry_of_status(s), Retry::Never, "{s}");
        }
        let kind = |s: u16| {
            let code = StatusCode::from_u16(s).unwrap();
            status_error("GET /v2/calls", code, b"{}").kind
        };
        assert_eq!(kind(500), ErrorKind::Transient);
        assert_eq!(kind(429), ErrorKind::Transient);
        assert_eq!(kind(401), ErrorKind::Config);
        assert_eq!(kind(403), ErrorKind::Config);
        assert_eq!(kind(307), ErrorKind::Config);
        assert_eq!(kind(400), ErrorKind::System);
    }

    #[test]
    fn failures_without_a_status_are_classified_by_reason_and_kind() {
        let transport = Error::transient("reset").with_reason(Reason::Transport);
        assert_eq!(retry_of(&transport), Retry::Backoff);
        let refused = Error::transient("refused").with_reason(Reason::Unreachable);
        assert_eq!(retry_of(&refused), Retry::Backoff);
        // A certificate that does not hold is a transport failure no retry mends.
        let certificate = Error::system("certificate").with_reason(Reason::Transport);
        assert_eq!(retry_of(&certificate), Retry::Never);
        let unreadable = Error::system("not JSON").with_reason(Reason::BadBody);
        assert_eq!(retry_of(&unreadable), Retry::Backoff);
        for reason in [Reason::BudgetSpent, Reason::QuotaSpent, Reason::Other] {
            assert_eq!(
                retry_of(&Error::transient("x").with_reason(reason)),
                Retry::Never
            );
        }
        assert_eq!(kind_of(&Reason::Server), ErrorKind::Transient);
        assert_eq!(
            kind_of(&Reason::Forbidden { scope: None }),
            ErrorKind::Config
        );
        assert_eq!(kind_of(&Reason::NotFound), ErrorKind::System);
        assert_eq!(kind_of(&Reason::Unauthorized), ErrorKind::System);
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
