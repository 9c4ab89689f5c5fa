//! The request ledger: what the connector sent to Gong in the last 24 hours, across runs, so that
//! `requests_per_day` holds over any schedule (issue 23).
//!
//! Gong's quota is per company and per day; a run that counted from zero could spend the whole budget
//! every hour. The ledger counts requests per clock hour (UTC) and keeps the hours of the last day;
//! the requests of the hour `H` count against the budget until `H + 24 h`, so the budget is a sliding
//! window of 24 hourly buckets (the hour being spent included).
//!
//! Where it lives: Airbyte keeps per-stream states only and hands back those of the configured streams,
//! so the ledger rides in every STATE the connector writes, under the reserved key [`STATE_KEY`] next to
//! the stream's own cursor (older states without it start an empty ledger; older connector versions
//! ignore the key). A read merges the ledgers of every stream state it is given, selected or not, taking
//! each hour's largest count: each ledger is a later run's copy of an earlier one plus what that run
//! spent, so the largest count of an hour is the latest.
//!
//! Invariants: counts only grow within a run; hours older than 24 h are dropped when written; a ledger
//! that cannot be read (a hand-edited state) is ignored, never an error: it only ever makes the budget
//! stricter or resets it, it cannot lose records.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Map, Value};

/// The key of the ledger inside a stream's state.
pub const STATE_KEY: &str = "ledger";

/// The span the budget covers.
pub fn day() -> Duration {
    Duration::hours(24)
}

/// Requests per clock hour (UTC), the hour's start as key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    hours: BTreeMap<DateTime<Utc>, u64>,
}

/// The start of the clock hour `t` lies in.
pub fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

impl Ledger {
    /// The ledger of one stream state (`None`: the state holds none, or not one this connector wrote).
    pub fn from_state(state: &Value) -> Option<Ledger> {
        let hours = state
            .get(STATE_KEY)?
            .get("requests_per_hour")?
            .as_object()?;
        let mut ledger = Ledger::default();
        for (hour, count) in hours {
            let (Ok(at), Some(n)) = (DateTime::parse_from_rfc3339(hour), count.as_u64()) else {
                continue;
            };
            ledger.merge_hour(hour_of(at.with_timezone(&Utc)), n);
        }
        Some(ledger)
    }

    /// The ledgers of every given stream state, merged (each hour's largest count).
    pub fn from_states(states: &HashMap<String, Value>) -> Ledger {
        let mut ledger = Ledger::default();
        for other in states.values().filter_map(Ledger::from_state) {
            for (hour, n) in other.hours {
                ledger.merge_hour(hour, n);
            }
        }
        ledger
    }

    fn merge_hour(&mut self, hour: DateTime<Utc>, n: u64) {
        let slot = self.hours.entry(hour).or_default();
        *slot = (*slot).max(n);
    }

    /// Adds `n` requests sent at `at`.
    pub fn add(&mut self, at: DateTime<Utc>, n: u64) {
        if n > 0 {
            *self.hours.entry(hour_of(at)).or_default() += n;
        }
    }

    /// Whether the requests of `hour` still count at `now`.
    fn counts(hour: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        hour + day() > now && hour <= now
    }

    /// Requests sent in the 24 hourly buckets that end with the current one.
    pub fn spent(&self, now: DateTime<Utc>) -> u64 {
        self.hours
            .iter()
            .filter(|(h, _)| Ledger::counts(**h, now))
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests this run may still send under a budget of `per_day`.
    pub fn remaining(&self, per_day: u64, now: DateTime<Utc>) -> u64 {
        per_day.saturating_sub(self.spent(now))
    }

    /// When at least `wanted` requests (at most `per_day`) are free again, as the oldest hours leave the
    /// window; `now` when they already are.
    pub fn frees_at(&self, per_day: u64, wanted: u64, now: DateTime<Utc>) -> DateTime<Utc> {
        let wanted = wanted.clamp(1, per_day.max(1));
        let mut spent = self.spent(now);
        if per_day.saturating_sub(spent) >= wanted {
            return now;
        }
        for (hour, n) in self.hours.iter().filter(|(h, _)| Ledger::counts(**h, now)) {
            spent -= n;
            if per_day.saturating_sub(spent) >= wanted {
                return *hour + day();
            }
        }
        now + day()
    }

    /// The ledger as written into a stream state at `now`: the hours that still count.
    pub fn to_value(&self, now: DateTime<Utc>) -> Value {
        let hours: Map<String, Value> = self
            .hours
            .iter()
            .filter(|(h, _)| Ledger::counts(**h, now) || **h > now)
            .map(|(h, n)| (h.format("%Y-%m-%dT%H:%M:%SZ").to_string(), Value::from(*n)))
            .collect();
        serde_json::json!({ "requests_per_hour": hours })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn requests_of_a_day_add_up_and_leave_after_24_hours() {
        let mut l = Ledger::default();
        l.add(t("2026-03-02T09:10:00Z"), 300);
        l.add(t("2026-03-02T09:50:00Z"), 200);
        l.add(t("2026-03-02T15:00:00Z"), 100);
        assert_eq!(l.spent(t("2026-03-02T16:00:00Z")), 600);
        assert_eq!(l.remaining(1_000, t("2026-03-02T16:00:00Z")), 400);
        // 09:00's bucket counts until 09:00 the next day.
        assert_eq!(l.spent(t("2026-03-03T08:59:00Z")), 600);
        assert_eq!(l.spent(t("2026-03-03T09:00:00Z")), 100);
        assert_eq!(l.spent(t("2026-03-03T15:00:00Z")), 0);
    }

    #[test]
    fn frees_at_names_the_hour_the_budget_comes_back() {
        let mut l = Ledger::default();
        l.add(t("2026-03-02T09:00:00Z"), 700);
        l.add(t("2026-03-02T12:00:00Z"), 300);
        let now = t("2026-03-02T13:00:00Z");
        assert_eq!(l.frees_at(1_000, 1, now), t("2026-03-03T09:00:00Z"));
        assert_eq!(l.frees_at(1_000, 800, now), t("2026-03-03T12:00:00Z"));
        assert_eq!(l.frees_at(2_000, 1, now), now);
    }

    #[test]
    fn round_trips_through_a_state_and_merges_by_the_largest_count() {
        let mut l = Ledger::default();
        l.add(t("2026-03-02T09:00:00Z"), 5);
        let now = t("2026-03-02T09:30:00Z");
        let state = json!({"state_version": 1, "cursor": "x", STATE_KEY: l.to_value(now)});
        assert_eq!(Ledger::from_state(&state), Some(l.clone()));
        let mut later = l.clone();
        later.add(now, 7);
        later.add(t("2026-03-02T10:00:00Z"), 1);
        let states = HashMap::from([
            ("calls".to_string(), state),
            ("flows".to_string(), json!({STATE_KEY: later.to_value(now)})),
            (
                "users".to_string(),
                json!({"__ab_no_cursor_state_message": true}),
            ),
            (
                "bad".to_string(),
                json!({STATE_KEY: {"requests_per_hour": {"soon": 3}}}),
            ),
        ]);
        let merged = Ledger::from_states(&states);
        assert_eq!(merged, later);
        assert_eq!(merged.spent(t("2026-03-02T10:00:00Z")), 13);
    }

    #[test]
    fn old_hours_are_not_written() {
        let mut l = Ledger::default();
        l.add(t("2026-03-01T08:00:00Z"), 5);
        l.add(t("2026-03-02T08:00:00Z"), 6);
        let v = l.to_value(t("2026-03-02T09:00:00Z"));
        assert_eq!(v, json!({"requests_per_hour": {"2026-03-02T08:00:00Z": 6}}));
    }
}
