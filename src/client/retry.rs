//! The one retry policy: how long the client keeps trying a request that may succeed later, for API
//! requests, media downloads and probes alike.
//!
//! A policy is bounded by total wait time, never by a count of attempts:
//! - failures that may pass (5xx, 408, resets, timeouts, bodies that broke off or could not be read) back
//!   off exponentially with jitter, and the backoffs of one request add up to at most `max_error_wait`;
//!   a server's `Retry-After` on such an answer is obeyed but capped by `max_rate_limit_wait` and by what
//!   is left of `max_error_wait`;
//! - 429s wait `Retry-After` (or back off when Gong omits it) and the waits of one request add up to at
//!   most `max_rate_limit_wait`; a single `Retry-After` beyond it means the daily quota is spent.
//!
//! Two profiles: [`Profile::Patient`] for syncs (about a minute of backoff, the configured rate-limit
//! wait), [`Profile::FailFast`] for commands someone waits on (`check`, `execute`: a few seconds).
//! Invariant: every wait handed out is at most the policy's remaining budget, so no answer of a server
//! (however absurd its `Retry-After`) can hold a request longer than the policy says.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::config::Config;

/// Which commands a policy serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Syncs: nobody watches, a late answer is better than none.
    Patient,
    /// `check` and `execute`: someone waits, so fail within seconds and say so.
    FailFast,
}

impl Profile {
    pub fn describe(self) -> &'static str {
        match self {
            Profile::Patient => "patient retry policy of syncs",
            Profile::FailFast => "fail-fast retry policy of commands someone waits on",
        }
    }
}

/// How patiently to retry. Build it with [`RetryPolicy::for_profile`].
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub profile: Profile,
    /// First backoff; doubles each attempt (with jitter) up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The most one request waits, in all, after failures that may pass.
    pub max_error_wait: Duration,
    /// The longest single `Retry-After` honoured, and the most one request waits in all for 429s.
    pub max_rate_limit_wait: Duration,
    /// The longest wait for an answer to begin, or for each piece of its body.
    pub request_timeout: Duration,
    /// The longest wait for a connection.
    pub connect_timeout: Duration,
}

/// The patient total backoff, in units of the first backoff: about what 8 attempts used to take.
const PATIENT_ERROR_WAIT_BACKOFFS: u32 = 128;
/// The fail-fast profile's bounds.
const FAIL_FAST_ERROR_WAIT: Duration = Duration::from_secs(5);
const FAIL_FAST_RATE_LIMIT_WAIT: Duration = Duration::from_secs(10);
const FAIL_FAST_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for RetryPolicy {
    fn default() -> Self {
        let base = Duration::from_millis(500);
        RetryPolicy {
            profile: Profile::Patient,
            base_backoff: base,
            max_backoff: Duration::from_secs(60),
            max_error_wait: base * PATIENT_ERROR_WAIT_BACKOFFS,
            max_rate_limit_wait: Duration::from_secs(600),
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// The policy of `profile` for this config (its backoff, timeout and longest rate-limit wait).
    pub fn for_profile(profile: Profile, config: &Config) -> RetryPolicy {
        let base = config.retry_base_backoff;
        let patient = RetryPolicy {
            profile,
            base_backoff: base,
            max_backoff: Duration::from_secs(60),
            max_error_wait: base * PATIENT_ERROR_WAIT_BACKOFFS,
            max_rate_limit_wait: config.max_rate_limit_wait,
            request_timeout: config.request_timeout,
            connect_timeout: Duration::from_secs(15),
        };
        match profile {
            Profile::Patient => patient,
            Profile::FailFast => RetryPolicy {
                max_backoff: Duration::from_secs(2),
                max_error_wait: patient.max_error_wait.min(FAIL_FAST_ERROR_WAIT),
                max_rate_limit_wait: patient.max_rate_limit_wait.min(FAIL_FAST_RATE_LIMIT_WAIT),
                request_timeout: patient.request_timeout.min(FAIL_FAST_REQUEST_TIMEOUT),
                connect_timeout: Duration::from_secs(5),
                ..patient
            },
        }
    }

    /// Backoff before attempt `attempt + 1` (attempt counts from 1), with jitter (half to all of it).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp =
            self.base_backoff.as_secs_f64() * 2f64.powi(attempt.saturating_sub(1).min(20) as i32);
        let capped = exp.min(self.max_backoff.as_secs_f64());
        Duration::from_secs_f64(capped * (0.5 + 0.5 * jitter()))
    }

    /// After a failure that may pass: how long to wait before the next attempt, or `None` when this
    /// request's error budget is spent. `server_wait` is the answer's `Retry-After`, if any.
    pub fn after_failure(
        &self,
        attempts: &Attempts,
        server_wait: Option<Duration>,
    ) -> Option<Duration> {
        let left = self.max_error_wait.saturating_sub(attempts.error_waited());
        if left.is_zero() {
            return None;
        }
        let wanted = match server_wait {
            Some(w) => w.min(self.max_rate_limit_wait),
            None => self.backoff(attempts.n),
        };
        let wait = wanted.min(left);
        Attempts::add(&attempts.error_wait, wait);
        Some(wait)
    }

    /// After a 429: wait, or stop (see [`RateLimitWait`]).
    pub fn after_rate_limit(
        &self,
        attempts: &Attempts,
        retry_after: Option<Duration>,
    ) -> RateLimitWait {
        if let Some(w) = retry_after {
            if w > self.max_rate_limit_wait {
                return RateLimitWait::TooLong(w);
            }
        }
        let left = self
            .max_rate_limit_wait
            .saturating_sub(attempts.rate_waited());
        if left.is_zero() {
            return RateLimitWait::Exhausted;
        }
        let wait = retry_after
            .unwrap_or_else(|| self.backoff(attempts.n))
            .min(left);
        Attempts::add(&attempts.rate_wait, wait);
        RateLimitWait::Wait(wait)
    }
}

/// What to do after a 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitWait {
    Wait(Duration),
    /// Gong asks for a wait beyond `max_rate_limit_wait` (its daily quota is likely spent).
    TooLong(Duration),
    /// This request waited `max_rate_limit_wait` in all already.
    Exhausted,
}

/// The attempts made for one request so far, across everything that may retry it: statuses, transport
/// failures, and bodies that broke off or could not be read (also midway through a streamed page).
#[derive(Debug, Default)]
pub struct Attempts {
    pub(crate) n: u32,
    /// An OAuth token was refreshed for this request already (refresh tokens are single-use).
    refreshed: AtomicBool,
    /// Nanoseconds waited after failures and after 429s. Atomic so that a caller holding the attempts
    /// by shared reference (a page being read) can still account for its waits.
    error_wait: AtomicU64,
    rate_wait: AtomicU64,
}

impl Attempts {
    /// Attempts sent so far.
    pub fn count(&self) -> u32 {
        self.n
    }

    /// Time waited so far between attempts.
    pub fn waited(&self) -> Duration {
        self.error_waited() + self.rate_waited()
    }

    fn error_waited(&self) -> Duration {
        Duration::from_nanos(self.error_wait.load(Ordering::Relaxed))
    }

    fn rate_waited(&self) -> Duration {
        Duration::from_nanos(self.rate_wait.load(Ordering::Relaxed))
    }

    fn add(counter: &AtomicU64, wait: Duration) {
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        counter
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_add(nanos))
            })
            .ok();
    }

    pub(crate) fn refreshed(&self) -> bool {
        self.refreshed.load(Ordering::Relaxed)
    }

    pub(crate) fn mark_refreshed(&self) {
        self.refreshed.store(true, Ordering::Relaxed);
    }

    /// Counts an attempt about to be sent.
    pub fn start(&mut self) -> u32 {
        self.n += 1;
        self.n
    }

    /// "gave up after N attempts over S s", for messages.
    pub fn summary(&self, policy: &RetryPolicy) -> String {
        format!(
            "gave up after {} attempt{} and {:.1} s of waiting ({})",
            self.n,
            if self.n == 1 { "" } else { "s" },
            self.waited().as_secs_f64(),
            policy.profile.describe()
        )
    }
}

/// Parses `Retry-After` (seconds; Gong does not send HTTP dates, but accept them), bounded to a week so
/// that no server value overflows a time computation.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    const WEEK: f64 = 7.0 * 86400.0;
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(WEEK)));
        }
        return None;
    }
    let when = DateTime::parse_from_rfc2822(text).ok()?.with_timezone(&Utc);
    let wait = (when - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    Some(wait.min(Duration::from_secs_f64(WEEK)))
}

/// A cheap uniform number in [0, 1) for jitter; no need for a crypto RNG here.
fn jitter() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_parses_seconds_and_is_bounded() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(RETRY_AFTER, "1e300".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7 * 86400)));
        h.insert(RETRY_AFTER, "garbage".parse().unwrap());
        assert_eq!(parse_retry_after(&h), None);
        assert_eq!(parse_retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for attempt in 1..30 {
            let b = p.backoff(attempt);
            assert!(b <= p.max_backoff, "{b:?}");
            let floor =
                (p.base_backoff.as_secs_f64() * 2f64.powi(attempt as i32 - 1)).min(60.0) * 0.5;
            assert!(
                b.as_secs_f64() >= floor - 1e-9,
                "attempt {attempt}: {b:?} < {floor}"
            );
        }
    }

    #[test]
    fn failures_are_bounded_by_total_wait_not_attempts() {
        let p = RetryPolicy::default();
        let mut a = Attempts::default();
        let mut total = Duration::ZERO;
        while let Some(w) = {
            a.start();
            p.after_failure(&a, None)
        } {
            total += w;
        }
        assert_eq!(total, p.max_error_wait);
        // A server asking for an hour gets at most the cap, and never more than what is left.
        let mut a = Attempts::default();
        a.start();
        let w = p.after_failure(&a, Some(Duration::from_secs(3600)));
        assert_eq!(w, Some(p.max_error_wait.min(p.max_rate_limit_wait)));
    }

    #[test]
    fn short_429s_go_on_until_the_total_wait_is_spent() {
        let p = RetryPolicy {
            max_rate_limit_wait: Duration::from_secs(30),
            ..RetryPolicy::default()
        };
        let mut a = Attempts::default();
        let mut waits = 0;
        loop {
            a.start();
            match p.after_rate_limit(&a, Some(Duration::from_secs(1))) {
                RateLimitWait::Wait(w) => {
                    assert_eq!(w, Duration::from_secs(1));
                    waits += 1;
                }
                RateLimitWait::Exhausted => break,
                RateLimitWait::TooLong(_) => panic!("1 s is not too long"),
            }
        }
        assert_eq!(waits, 30, "far more than 8 attempts");
        assert_eq!(
            p.after_rate_limit(&Attempts::default(), Some(Duration::from_secs(31))),
            RateLimitWait::TooLong(Duration::from_secs(31))
        );
    }
}
