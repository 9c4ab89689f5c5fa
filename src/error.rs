//! One error type for the whole connector, with a kind that decides how the platform treats it.
//!
//! The kind maps one-to-one onto the protocol's `failure_type`: `Config` is something the user must fix
//! (credentials, scopes, dates, base URL), `Transient` may succeed if retried later (rate limits, outages),
//! `System` is a fault in Gong's answers or in this connector.
//!
//! Messages are for people: they say what happened and what to do. They never contain a secret: the only
//! places secrets live ([`crate::config::Secret`]) cannot be formatted.

use std::fmt;

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

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    /// What a user reads: what happened and what to do.
    pub message: String,
    /// Details for support (status codes, Gong's request id), never secrets.
    pub internal: Option<String>,
    /// The HTTP status Gong answered, when the error is an answer.
    pub status: Option<u16>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn config(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Config,
            message: message.into(),
            internal: None,
            status: None,
        }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Transient,
            message: message.into(),
            internal: None,
            status: None,
        }
    }

    pub fn system(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::System,
            message: message.into(),
            internal: None,
            status: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_internal(mut self, internal: impl Into<String>) -> Self {
        self.internal = Some(internal.into());
        self
    }

    /// Prefixes the message with where it happened, e.g. the stream or request.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
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
