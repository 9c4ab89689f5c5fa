//! The failure bound of a sync: one breaker per target (a Gong endpoint, `METHOD /path`, or a media
//! host), held by the client and so shared by every stream, slice and command that uses the target.
//!
//! A breaker opens when one request to its target gave up after the retry policy's whole error budget
//! (5xx, transport failures, bodies that broke off or could not be read, for `max_error_wait` in all):
//! the target kept failing for about a minute while being retried, so asking it again for each window,
//! user or page would spend the quota and the sync's time on answers that do not come. From then on, for
//! the rest of the client's life (one sync, one command), every attempt to that target fails at once with
//! an error that names the first failure; requests waiting between attempts stop at their next one.
//!
//! Breakers open in syncs only (the patient retry profile): a client of commands someone waits on
//! (`check`, `execute`, the MCP server, which keeps one client for its whole life) asks again at the
//! next command.
//!
//! Invariants: a breaker never closes again within a sync; only failures the policy retries open it (a
//! 404, a 403, a 400 or Gong's rate limit never do); other targets are unaffected.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::Error;

/// The open breakers of one client: per target, the error that opened it.
#[derive(Debug, Default)]
pub struct Breakers {
    open: Mutex<HashMap<String, Error>>,
}

impl Breakers {
    /// `Err` when `target`'s breaker is open: the error that opened it, saying that `what` was not sent.
    pub fn check(&self, target: &str, what: &str) -> Result<(), Error> {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let Some(first) = open.get(target) else {
            return Ok(());
        };
        let mut error = first.clone();
        error.message = crate::error::scrub(&format!(
            "{what} was not sent: {target} kept failing earlier in this sync, so it is not asked again until the next one (first failure: {})",
            first.message
        ));
        Err(error)
    }

    /// Opens `target`'s breaker with the error that ended a request to it (the first such error stays).
    pub fn trip(&self, target: &str, error: &Error) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.entry(target.to_string())
            .or_insert_with(|| error.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Reason};

    #[test]
    fn an_open_breaker_refuses_its_target_alone_and_names_the_first_failure() {
        let breakers = Breakers::default();
        assert!(breakers.check("GET /v2/calls", "GET /v2/calls").is_ok());
        let first = Error::transient("Gong answered HTTP 500 for GET /v2/calls.")
            .with_status(500)
            .with_reason(Reason::Server);
        breakers.trip("GET /v2/calls", &first);
        breakers.trip(
            "GET /v2/calls",
            &Error::transient("a later failure").with_reason(Reason::Transport),
        );
        let e = breakers
            .check("GET /v2/calls", "GET /v2/calls")
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
        assert_eq!(e.reason(), &Reason::Server);
        assert_eq!(e.status, Some(500));
        assert!(
            e.message
                .starts_with("GET /v2/calls was not sent: GET /v2/calls kept failing"),
            "{}",
            e.message
        );
        assert!(e.message.contains("HTTP 500"), "{}", e.message);
        assert!(breakers
            .check("POST /v2/calls/extensive", "POST /v2/calls/extensive")
            .is_ok());
    }
}
