//! One error type for the whole connector, with a kind that decides how the platform treats it and a
//! typed reason that says what happened.
//!
//! The kind maps one-to-one onto the protocol's `failure_type`: `Config` is something the user must fix
//! (credentials, scopes, dates, base URL), `Transient` may succeed if retried later (rate limits, outages),
//! `System` is a fault in Gong's answers or in this connector.
//!
//! The [`Reason`] is decided once, where an answer of Gong is classified (`client::classify`), and the
//! rest of the connector matches on it instead of on status codes or message text.
//!
//! Messages are for people: they say what happened and what to do. They never contain a secret: the
//! credentials live in [`crate::config::Secret`] (which cannot be formatted), and every message and
//! internal detail is passed through [`scrub`] when an error is built, which removes the secrets the
//! client registered ([`register_secret`]), `Basic`/`Bearer` credentials and the queries of URLs (a
//! presigned media URL's query is a credential) from text a server may have echoed.

use std::fmt;
use std::sync::RwLock;

use crate::protocol::FailureType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user must change the configuration, catalog or state.
    Config,
    /// Retrying later may succeed.
    Transient,
    /// Unexpected answers from Gong, or a bug here.
    System,
}

/// What happened, as decided where the answer was classified.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Reason {
    /// HTTP 404: "no data" for some endpoints, an unknown id for others.
    NotFound,
    /// HTTP 400 about a cursor Gong no longer accepts (they expire): restart the chain.
    ExpiredCursor,
    /// HTTP 400 about a cursor Gong does not recognise.
    InvalidCursor,
    /// Another 4xx that retrying cannot fix (the status).
    InvalidRequest(u16),
    /// HTTP 401: credentials rejected.
    Unauthorized,
    /// HTTP 403: the key or token lacks a scope (named when Gong names it).
    Forbidden { scope: Option<String> },
    /// HTTP 429 until the retry policy's total wait ran out.
    RateLimited,
    /// Gong's `Retry-After` is beyond the longest wait allowed (its daily quota is likely spent).
    QuotaSpent,
    /// The client-side daily request budget is spent.
    BudgetSpent,
    /// No answer, or an answer that broke off: reset, timed out, truncated.
    Transport,
    /// Nothing listens at the host (connection refused) or its name does not resolve. Syncs retry it
    /// like [`Reason::Transport`]; commands someone waits on fail at once.
    Unreachable,
    /// HTTP 5xx (or 408/425) until the retry policy's total wait ran out.
    Server,
    /// An answer whose body is not what the endpoint returns.
    BadBody,
    /// Gong answered with a redirect, which its API never does (refused).
    Redirect,
    /// Anything else (configuration, local files, the connector itself).
    #[default]
    Other,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    /// What a user reads: what happened and what to do.
    pub message: String,
    /// Details for support (status codes, Gong's request id), never secrets.
    pub internal: Option<String>,
    /// The HTTP status Gong answered, when the error is an answer.
    pub status: Option<u16>,
    /// What happened, for code that decides what to do next.
    pub reason: Reason,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn of(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: scrub(&message.into()),
            internal: None,
            status: None,
            reason: Reason::Other,
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        Error::of(ErrorKind::Config, message)
    }

    pub fn transient(message: impl Into<String>) -> Self {
        Error::of(ErrorKind::Transient, message)
    }

    pub fn system(message: impl Into<String>) -> Self {
        Error::of(ErrorKind::System, message)
    }

    /// Sets the HTTP status; a 404 also becomes [`Reason::NotFound`] unless a reason is set already.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        if status == 404 && self.reason == Reason::Other {
            self.reason = Reason::NotFound;
        }
        self
    }

    pub fn with_reason(mut self, reason: Reason) -> Self {
        self.reason = reason;
        self
    }

    pub fn with_internal(mut self, internal: impl Into<String>) -> Self {
        self.internal = Some(scrub(&internal.into()));
        self
    }

    /// Prefixes the message with where it happened, e.g. the stream or request.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = scrub(&format!("{context}: {}", self.message));
        self
    }

    /// What happened (see [`Reason`]).
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    pub fn failure_type(&self) -> FailureType {
        match self.kind {
            ErrorKind::Config => FailureType::ConfigError,
            ErrorKind::Transient => FailureType::TransientError,
            ErrorKind::System => FailureType::SystemError,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Secrets of this process (credentials, tokens, their encodings), removed from every error text.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Values shorter than this are not treated as secrets: scrubbing them would mangle ordinary words.
const MIN_SECRET_LEN: usize = 4;

/// Adds a value that must never appear in a message (a key, a secret, a token).
pub fn register_secret(value: &str) {
    if value.len() < MIN_SECRET_LEN {
        return;
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    if !secrets.iter().any(|s| s == value) {
        secrets.push(value.to_string());
        // Longest first, so a secret that contains another is removed whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// `text` without registered secrets, without the credential after `Basic `/`Bearer `, and without
/// the query of any URL.
pub fn scrub(text: &str) -> String {
    let mut out = text.to_string();
    {
        let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
        for s in secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
    }
    let out = mask_after(&out, "basic ");
    let out = mask_after(&out, "bearer ");
    strip_url_queries(&out)
}

/// Shortest word after `Basic `/`Bearer ` taken for a credential: real ones (base64 of key:secret, tokens)
/// are longer, and prose ("Basic or Extended") is left alone.
const MIN_CREDENTIAL_LEN: usize = 16;

/// Replaces the credential after each (case-insensitive) `marker` with `***`.
fn mask_after(text: &str, marker: &str) -> String {
    let is_credential_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '.' | '_' | '~' | '-');
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find(marker) {
        let start = at + found + marker.len();
        out.push_str(&text[at..start]);
        let end = text[start..]
            .find(|c: char| !is_credential_char(c))
            .map_or(text.len(), |n| start + n);
        if end - start >= MIN_CREDENTIAL_LEN {
            out.push_str("***");
        } else {
            out.push_str(&text[start..end]);
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Drops the `?query` of every `http://` or `https://` URL in `text`.
fn strip_url_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find("http") {
        let (before, url) = rest.split_at(found);
        out.push_str(before);
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            out.push_str("http");
            rest = &url[4..];
            continue;
        }
        let end = url
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'))
            .unwrap_or(url.len());
        let (whole, after) = url.split_at(end);
        match whole.split_once('?') {
            Some((base, _)) => {
                out.push_str(base);
                out.push_str("?…");
            }
            None => out.push_str(whole),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_secrets_credentials_and_url_queries() {
        register_secret("s3cr3t-value");
        let text = "Authorization: Basic a2V5OnNlY3JldA== and Bearer tok.en-1234567890abc for \
                    https://media.example/m/1/audio?expires=1&signature=abc, secret s3cr3t-value";
        let clean = scrub(text);
        for leak in [
            "a2V5OnNlY3JldA==",
            "tok.en-1",
            "signature=abc",
            "s3cr3t-value",
        ] {
            assert!(!clean.contains(leak), "{leak} in {clean}");
        }
        assert!(clean.contains("https://media.example/m/1/audio"), "{clean}");
        assert_eq!(scrub("No calls found for http"), "No calls found for http");
        assert_eq!(
            scrub("context must be None, Basic or Extended"),
            "context must be None, Basic or Extended"
        );
    }

    #[test]
    fn errors_are_scrubbed_when_built() {
        register_secret("another-secret-1");
        let e = Error::system("Gong said another-secret-1")
            .with_internal("Bearer abcdefghijklmnopqrstuvwxyz")
            .context("GET /v2/users");
        assert!(!e.message.contains("another-secret-1"), "{}", e.message);
        assert_eq!(e.internal.as_deref(), Some("Bearer ***"));
    }

    #[test]
    fn a_404_status_is_the_not_found_reason() {
        assert_eq!(
            Error::system("x").with_status(404).reason(),
            &Reason::NotFound
        );
        assert_eq!(Error::system("x").with_status(500).reason(), &Reason::Other);
    }
}
