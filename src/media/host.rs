//! One request to the media host, and reading its answer. Media URLs are presigned (S3-style, valid 8
//! hours) on another host than Gong's API: they are fetched with the client's own connection pool
//! ([`GongClient::http`]) but **without** Gong credentials (a presigned URL needs none, and credentials
//! must never go to a third host), outside Gong's request budget (the media host is not Gong's API),
//! with the same classification ([`reason_of`], [`kind_of`]). Their callers run their attempts through
//! the client's one retry driver ([`GongClient::before_attempt`], [`GongClient::after_attempt`] with a
//! [`crate::client::Target::media`]): the config's request timeout and backoff, bounded by total wait,
//! and the media host's breaker.

use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::StatusCode;

use crate::client::{kind_of, reason_of, GongClient};
use crate::error::{Error, ErrorKind, Reason, Result};

use super::urls::redact_url;

/// Parses `Content-Range: bytes a-b/total` (or `bytes */total`) into (start, total).
pub(crate) fn content_range(headers: &reqwest::header::HeaderMap) -> (Option<u64>, Option<u64>) {
    let Some(text) = headers.get(CONTENT_RANGE).and_then(|v| v.to_str().ok()) else {
        return (None, None);
    };
    let text = text.trim().trim_start_matches("bytes").trim();
    let (span, total) = text.split_once('/').unwrap_or((text, "*"));
    let start = span
        .split_once('-')
        .and_then(|(a, _)| a.trim().parse().ok());
    (start, total.trim().parse().ok())
}

pub(crate) fn header_text(
    headers: &reqwest::header::HeaderMap,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The media host's error text (S3 XML `<Message>`), short and without the URL.
pub(super) fn host_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if let (Some(a), Some(b)) = (text.find("<Message>"), text.find("</Message>")) {
        if a + 9 <= b {
            return text[a + 9..b].to_string();
        }
    }
    text.chars().take(200).collect()
}

/// One GET of a media URL (no Gong credentials): [`media_send`] with GET.
pub(super) async fn media_get(
    client: &GongClient,
    url: &str,
    range: Option<&str>,
    what: &str,
) -> Result<Sent> {
    media_send(client, reqwest::Method::GET, url, range, what).await
}

/// What one request to a media URL got: an answer, or a failure that a retry may mend (`Transport` or
/// `Unreachable`, for the retry driver to decide on). Failures no retry mends are the `Err` of
/// [`media_send`].
pub(crate) type Sent = std::result::Result<reqwest::Response, Error>;

/// One request to a media URL (no Gong credentials), within the client's request timeout.
pub(crate) async fn media_send(
    client: &GongClient,
    method: reqwest::Method,
    url: &str,
    range: Option<&str>,
    what: &str,
) -> Result<Sent> {
    let mut request = client.http().request(method, url);
    if let Some(h) = range {
        request = request.header(RANGE, h);
    }
    let timeout = client.policy().request_timeout;
    Ok(match tokio::time::timeout(timeout, request.send()).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(send_failure(&e, url, what)?),
        Err(_) => Err(Error::transient(format!(
            "The media host did not answer within {} s for {what}.",
            timeout.as_secs()
        ))
        .with_reason(Reason::Transport)),
    })
}

/// The error of a request to a media URL that got no answer. `Err` when no retry can mend it (a
/// redirect to another host, a request that cannot be built); otherwise the transient error the retry
/// policy waits after: `Unreachable` when nothing answers there, `Transport` for any other failure.
fn send_failure(e: &reqwest::Error, url: &str, what: &str) -> Result<Error> {
    if e.is_builder() || e.is_redirect() {
        return Err(Error::system(format!(
            "Could not fetch {what} from {}: {}",
            redact_url(url),
            if e.is_redirect() {
                "the media host redirected to another host"
            } else {
                "the request could not be built"
            }
        )));
    }
    if crate::client::unreachable(e).is_some() {
        return Ok(Error::transient(format!(
            "Could not fetch {what} from {}: nothing answers there (the host refused the connection or its name does not resolve).",
            redact_url(url)
        ))
        .with_reason(Reason::Unreachable));
    }
    let failure = format!(
        "Could not fetch {what} from {}: {}",
        redact_url(url),
        if e.is_connect() {
            "could not connect"
        } else {
            "the connection failed"
        }
    );
    Ok(Error::transient(failure).with_reason(Reason::Transport))
}

/// The error for a media host's non-success answer about `what`, with its typed reason.
pub(crate) fn host_error(status: StatusCode, what: &str, text: &str) -> Error {
    let code = status.as_u16();
    let reason = reason_of(code, text);
    let message = match reason {
        Reason::NotFound => format!("The media host has nothing for {what} ({text})."),
        _ => format!("The media host answered HTTP {code} for {what}: {text}"),
    };
    let error = match kind_of(&reason) {
        ErrorKind::Transient => Error::transient(message),
        ErrorKind::Config => Error::config(message),
        ErrorKind::System => Error::system(message),
    };
    error.with_status(code).with_reason(reason)
}
