//! The sandbox clock: the dataset's "now", so a test or the benchmark can move time and watch data
//! arrive.
//!
//! A call exists for the API once Gong has processed it: at `processed_at` = its end plus a
//! processing delay of 30 minutes to 4 hours (hashed from the call, so the same call always takes the
//! same time). Before that it is in no listing, stats, coaching, log or media answer; its transcript,
//! content and media appear with it (one processing time per call). Answered scorecards keep their own
//! review time, also compared with the clock.
//!
//! Invariants: moving the clock never regenerates anything (the company is the one generated from
//! the seed and anchor); `calls` holds exactly the calls processed at the clock, sorted by
//! (started, id), and `pending` the others; without a clock every generated call is visible and "now"
//! is the real time, as before the clock existed.

use chrono::{DateTime, NaiveDate, Utc};

use super::{CallRec, Dataset};
use crate::rng::h2;

/// Shortest time from a call's end to its appearance in the API, in seconds.
pub const PROCESSING_MIN_SECS: i64 = 30 * 60;
/// Longest time from a call's end to its appearance in the API, in seconds.
pub const PROCESSING_MAX_SECS: i64 = 4 * 3600;

impl Dataset {
    /// The clock, if one is set.
    pub fn clock(&self) -> Option<DateTime<Utc>> {
        self.clock.and_then(|t| DateTime::from_timestamp(t, 0))
    }

    /// The dataset's current time in unix seconds: the clock, or the real time without one.
    pub fn now(&self) -> i64 {
        self.clock.unwrap_or_else(|| Utc::now().timestamp())
    }

    /// The dataset's current UTC day (the open day of the stats).
    pub fn today(&self) -> NaiveDate {
        DateTime::from_timestamp(self.now(), 0)
            .unwrap_or_default()
            .date_naive()
    }

    /// When Gong has processed the call: from then on it is listed, with its transcript and content.
    pub fn processed_at(c: &CallRec) -> i64 {
        let spread = (PROCESSING_MAX_SECS - PROCESSING_MIN_SECS) as u64 + 1;
        c.started
            + i64::from(c.duration)
            + PROCESSING_MIN_SECS
            + (h2(c.seed, 0x9C0) % spread) as i64
    }

    /// Sets (or with `None` removes) the clock: the calls processed by then become visible, the
    /// others wait in `pending`. Moving backwards hides calls again.
    pub fn set_clock(&mut self, now: Option<DateTime<Utc>>) {
        self.clock = now.map(|t| t.timestamp());
        let mut all = std::mem::take(&mut self.calls);
        all.append(&mut self.pending);
        let (mut visible, mut pending): (Vec<CallRec>, Vec<CallRec>) = all
            .into_iter()
            .partition(|c| self.clock.is_none_or(|t| Dataset::processed_at(c) <= t));
        visible.sort_by_key(|c| (c.started, c.id));
        pending.sort_by_key(|c| (c.started, c.id));
        self.calls = visible;
        self.pending = pending;
        self.reindex_calls();
    }

    /// Calls generated but not processed yet at the clock, sorted by (started, id).
    pub fn pending_calls(&self) -> &[CallRec] {
        &self.pending
    }
}
