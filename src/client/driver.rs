//! The one retry driver: every request that may be retried (Gong's API in [`GongClient::open`] and
//! [`GongClient::send_parsed`], media downloads, media size probes) runs its attempts between
//! [`GongClient::before_attempt`] and [`GongClient::after_attempt`]. An attempt says what it came to
//! ([`Attempt`]); after a failure the driver decides from the failure alone ([`retry_of`], the one
//! classification) whether to back off within the policy's error budget, wait out Gong's rate limit, or
//! stop; and it keeps the failure bound of the sync ([`super::breaker`]): a target that made a request
//! give up is not asked again. (The loop around an attempt stays with its caller, four lines: an async
//! closure would hold its captures across the waits in a way spawned tasks cannot take as `Send`.)
//!
//! Invariants: every attempt of a target is preceded by its breaker's check and counted in the request's
//! [`Attempts`]; no wait exceeds the policy's bounds ([`super::retry`]), and a long one is logged before
//! it starts; a 429 of Gong's API holds every request of the client (the limit is per company), a 429 of
//! the media host only the request that got it.

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;

use super::classify::{retry_of, Retry};
use super::{ApiRequest, Attempts, GongClient, Profile, RateLimitWait};
use crate::error::{Error, Reason, Result};
use crate::protocol::LogLevel;

/// Waits at least this long are logged before they start.
const LONG_WAIT: Duration = Duration::from_secs(5);

/// What one attempt came to. A failure that no retry can mend is the attempt's `Err` instead.
#[derive(Debug)]
pub enum Attempt<T> {
    /// The answer: the request is done.
    Done(T),
    /// Try again at once, without a wait: the attempt mended what failed (a refreshed OAuth token, a
    /// fresh media URL).
    Again,
    /// A failure, with the server's `Retry-After` if any: [`retry_of`] decides what follows.
    Failed(Error, Option<Duration>),
}

/// What a request is to: its name in messages, and the breaker it counts against.
#[derive(Debug, Clone)]
pub struct Target {
    /// `METHOD /path`, or "the download of …" / "the size of …".
    what: String,
    /// The breaker's key: the endpoint (`METHOD /path`), or the media host.
    circuit: String,
    /// Gong's API (its rate limit, its request counters) rather than the media host.
    api: bool,
}

impl Target {
    /// A request to Gong's API: its breaker is the endpoint's.
    pub fn api(req: &ApiRequest) -> Target {
        let what = req.describe();
        Target {
            circuit: what.clone(),
            what,
            api: true,
        }
    }

    /// A request to the media host of `url` (a presigned URL: only its origin is kept).
    pub fn media(what: impl Into<String>, url: &str) -> Target {
        let origin = url::Url::parse(url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| "an unparsable URL".into());
        Target {
            what: what.into(),
            circuit: format!("the media host {origin}"),
            api: false,
        }
    }

    pub fn what(&self) -> &str {
        &self.what
    }
}

impl GongClient {
    /// Before each attempt of a request to `target`: `Err` when the target's breaker is open (the request
    /// is not sent), else the attempt is counted in `attempts`.
    pub fn before_attempt(&self, target: &Target, attempts: &mut Attempts) -> Result<()> {
        self.breakers.check(&target.circuit, &target.what)?;
        if attempts.start() > 1 && target.api {
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// After each attempt: `Some(value)` when it is done; `None` when another attempt follows (after the
    /// wait the failure calls for, if any); the error that ends the request otherwise. With
    /// [`GongClient::before_attempt`], the whole of a retry loop:
    ///
    /// ```ignore
    /// loop {
    ///     client.before_attempt(&target, &mut attempts)?;
    ///     let outcome = one_attempt(&attempts).await;
    ///     if let Some(value) = client.after_attempt(&target, &attempts, outcome).await? {
    ///         return Ok(value);
    ///     }
    /// }
    /// ```
    pub async fn after_attempt<T>(
        &self,
        target: &Target,
        attempts: &Attempts,
        outcome: Result<Attempt<T>>,
    ) -> Result<Option<T>> {
        match outcome? {
            Attempt::Done(value) => Ok(Some(value)),
            Attempt::Again => Ok(None),
            Attempt::Failed(error, server_wait) => {
                self.after_failure(target, attempts, error, server_wait)
                    .await?;
                Ok(None)
            }
        }
    }

    /// After a failed attempt: `Ok` once the wait before the next one is over, or the error that ends
    /// the request (and opens the target's breaker when the policy's budget is spent).
    pub async fn after_failure(
        &self,
        target: &Target,
        attempts: &Attempts,
        error: Error,
        server_wait: Option<Duration>,
    ) -> Result<()> {
        match retry_of(&error) {
            Retry::Never => Err(error),
            Retry::RateLimit if target.api => {
                self.after_429(&target.what, attempts, error, server_wait)
                    .await
            }
            // The media host's 429 is not Gong's limit: it waits like any failure that may pass.
            Retry::RateLimit | Retry::Backoff => {
                let waited = self
                    .wait_after_failure(&target.what, attempts, error, server_wait)
                    .await;
                // Syncs only: a client of commands someone waits on (the MCP server keeps one for its
                // whole life) asks again at the next command.
                if let (Err(e), Profile::Patient) = (&waited, self.policy.profile) {
                    self.breakers.trip(&target.circuit, e);
                }
                waited
            }
        }
    }

    /// Sleeps `wait` before retrying `what`; a long wait is logged first, with `why`.
    pub async fn pause(&self, what: &str, wait: Duration, why: &str) {
        if wait >= LONG_WAIT {
            self.log(
                LogLevel::Warn,
                format!(
                    "Waiting {:.0} s before trying {what} again: {why}.",
                    wait.as_secs_f64()
                ),
            );
        }
        tokio::time::sleep(wait).await;
    }

    /// After a failure that may pass: waits and returns `Ok` when the policy allows another attempt,
    /// or returns `error` (saying how long it tried) when it does not.
    pub async fn wait_after_failure(
        &self,
        what: &str,
        attempts: &Attempts,
        error: Error,
        server_wait: Option<Duration>,
    ) -> Result<()> {
        // Nothing listens, or the name does not resolve: a command someone waits on says so at once.
        if self.policy.profile == Profile::FailFast && error.reason() == &Reason::Unreachable {
            return Err(error);
        }
        match self.policy.after_failure(attempts, server_wait) {
            Some(wait) => {
                self.pause(what, wait, &error.message).await;
                Ok(())
            }
            None => Err(error.context(attempts.summary(&self.policy))),
        }
    }

    /// Gong's 429: hold every request (the limit is per company), lower the rate when Gong's limit is
    /// below the budget's, and wait, or stop when the wait is beyond the policy's bounds.
    async fn after_429(
        &self,
        what: &str,
        attempts: &Attempts,
        error: Error,
        retry_after: Option<Duration>,
    ) -> Result<()> {
        self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
        let wait = match self.policy.after_rate_limit(attempts, retry_after) {
            RateLimitWait::Wait(wait) => wait,
            RateLimitWait::TooLong(wait) => {
                let (at, spent) = self.quota_spent_error(wait);
                // Gong's quota is the company's: no other request of this sync would get through.
                *self.quota_spent.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((at, spent.clone()));
                self.budget.limit(0);
                return Err(spent);
            }
            RateLimitWait::Exhausted => return Err(error.context(attempts.summary(&self.policy))),
        };
        if let Some(rate) = self.budget.slow_down() {
            self.log(
                LogLevel::Warn,
                format!("Gong answered 429 (rate limit): its limit is below the request budget, so requests slow down to {rate:.2} per second."),
            );
        }
        self.budget.pause_until(tokio::time::Instant::now() + wait);
        self.pause(what, wait, "Gong answered 429 (rate limit)")
            .await;
        Ok(())
    }

    /// Gong asks for a wait beyond `max_rate_limit_wait`: its daily quota is likely spent.
    fn quota_spent_error(&self, wait: Duration) -> (chrono::DateTime<Utc>, Error) {
        let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        let spent = Error::transient(format!(
            "Gong's rate limit asks to wait {} s (its daily quota is likely spent), more than max_rate_limit_wait_seconds ({} s{}). Progress is saved; run the sync again after {}.",
            wait.as_secs(),
            self.policy.max_rate_limit_wait.as_secs(),
            match self.policy.profile {
                Profile::Patient => "",
                Profile::FailFast => ", at most 10 s for commands someone waits on",
            },
            at.format("%Y-%m-%dT%H:%M:%SZ")
        ))
        .with_status(429)
        .with_reason(Reason::QuotaSpent);
        (at, spent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn client(profile: Profile) -> GongClient {
        let cfg = Config::from_value(
            serde_json::json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                   "start_date": "2024-01-01", "retry_backoff_base_ms": 1}),
            Utc::now(),
        )
        .unwrap();
        GongClient::with_profile(&cfg, profile).unwrap()
    }

    /// Fails attempts of `target` with a 5xx until the policy gives up; the number of attempts.
    async fn give_up(client: &GongClient, target: &Target) -> u32 {
        let mut attempts = Attempts::default();
        loop {
            client.before_attempt(target, &mut attempts).unwrap();
            let error = Error::transient("HTTP 500").with_reason(Reason::Server);
            let outcome: Result<Attempt<()>> = Ok(Attempt::Failed(error, None));
            if client
                .after_attempt(target, &attempts, outcome)
                .await
                .is_err()
            {
                return attempts.count();
            }
        }
    }

    #[tokio::test]
    async fn a_sync_stops_asking_a_target_that_made_a_request_give_up() {
        let sync = client(Profile::Patient);
        let calls = Target::api(&ApiRequest::get("/v2/calls"));
        assert!(give_up(&sync, &calls).await > 1, "retried first");
        let e = sync
            .before_attempt(&calls, &mut Attempts::default())
            .unwrap_err();
        assert!(e.message.contains("kept failing"), "{}", e.message);
        assert_eq!(e.reason(), &Reason::Server);
        // Other endpoints are still asked.
        let users = Target::api(&ApiRequest::get("/v2/users"));
        assert!(sync
            .before_attempt(&users, &mut Attempts::default())
            .is_ok());
    }

    #[tokio::test]
    async fn commands_someone_waits_on_ask_again_at_the_next_command() {
        let command = client(Profile::FailFast);
        let calls = Target::api(&ApiRequest::get("/v2/calls"));
        give_up(&command, &calls).await;
        assert!(command
            .before_attempt(&calls, &mut Attempts::default())
            .is_ok());
    }

    #[tokio::test]
    async fn final_failures_and_429s_never_open_a_breaker() {
        let sync = client(Profile::Patient);
        let calls = Target::api(&ApiRequest::get("/v2/calls"));
        let forbidden = Error::config("403").with_reason(Reason::Forbidden { scope: None });
        let outcome: Result<Attempt<()>> = Ok(Attempt::Failed(forbidden, None));
        let mut attempts = Attempts::default();
        sync.before_attempt(&calls, &mut attempts).unwrap();
        assert!(sync
            .after_attempt(&calls, &attempts, outcome)
            .await
            .is_err());
        // A 429 asking for longer than the longest wait: the quota is spent, not the endpoint broken.
        let limited = Error::transient("429").with_reason(Reason::RateLimited);
        let outcome: Result<Attempt<()>> =
            Ok(Attempt::Failed(limited, Some(Duration::from_secs(7200))));
        let e = sync
            .after_attempt(&calls, &attempts, outcome)
            .await
            .unwrap_err();
        assert_eq!(e.reason(), &Reason::QuotaSpent);
        assert!(sync
            .before_attempt(&calls, &mut Attempts::default())
            .is_ok());
    }
}
