//! Every bound of the config, declared once: each number's default and limits, each date's pattern,
//! examples and earliest value. The spec's JSON Schema keywords (`default`, `minimum`, `maximum`,
//! `pattern`, `pattern_descriptor`, `examples`) are written from these declarations ([`keywords`]) and
//! validation checks values against the same declarations, so the form and the check cannot disagree.
//!
//! Invariant: every value that passes a declaration is safe to turn into a `Duration` or a chrono span
//! (the maxima are chosen for that: no overflow, no panic downstream).

use std::fmt::Display;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use regex::Regex;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};

/// A number field: the value used when it is absent, and the inclusive range it must lie in.
pub struct Bound<T: 'static> {
    pub field: &'static str,
    pub default: T,
    pub min: T,
    pub max: T,
    /// Appended to the rejection message, e.g. what Gong allows.
    pub hint: &'static str,
}

impl<T: Copy + PartialOrd + Display + Serialize> Bound<T> {
    /// The given value, or the default when absent; a config error naming the field and its range when
    /// the value lies outside it.
    pub fn check(&self, given: Option<T>) -> Result<T> {
        let value = given.unwrap_or(self.default);
        if value >= self.min && value <= self.max {
            return Ok(value);
        }
        Err(Error::config(format!(
            "{} must be between {} and {}{}; it is {value}.",
            self.field, self.min, self.max, self.hint
        )))
    }
}

pub const LOOKBACK_DAYS: Bound<u32> = Bound {
    field: "lookback_days",
    default: 3,
    min: 0,
    max: 60,
    hint: "",
};
pub const WINDOW_DAYS: Bound<u32> = Bound {
    field: "window_days",
    default: 7,
    min: 1,
    max: 366,
    hint: "",
};
/// Days of stats per request of the activity streams (`stats_activity_aggregate`,
/// `stats_activity_day_by_day`): a window costs ceil(users active in it / 100) pages whatever its length,
/// and a STATE follows each window. Gong answers day-by-day for a whole range; the default of 366 days
/// reads the default year of history in one window, the fewest requests (10 per stream for 1,000 users,
/// against 40 at 92 days), at the same peak RSS (17.5-22.2 MiB at 31, 92 and 366 days: pages are written as they
/// arrive; bench/RESULTS.md, "Adaptive windows and year-long stats windows").
pub const STATS_WINDOW_DAYS: Bound<u32> = Bound {
    field: "stats_window_days",
    default: 366,
    min: 1,
    max: 366,
    hint: "",
};
/// Days in which the deletion sweep re-lists the whole synced history of calls (`deletion_sweep_days`):
/// each day it lists about 1/N of the history's weeks, besides the recent weeks on every sync
/// (`deletions/sweep.rs`). 0 re-lists the whole history on every sync.
pub const DELETION_SWEEP_DAYS: Bound<u32> = Bound {
    field: "deletion_sweep_days",
    default: 7,
    min: 0,
    max: 90,
    hint: "",
};
/// The minimum keeps one request's interval (1 / rate) at 100 s, far inside a `Duration`.
pub const REQUESTS_PER_SECOND: Bound<f64> = Bound {
    field: "requests_per_second",
    default: 3.0,
    min: 0.01,
    max: 100_000.0,
    hint: " (Gong allows 3)",
};
/// The connector's share of Gong's 10,000 requests per company and day, held over any schedule by the
/// ledger in the state (`ledger.rs`). 40%: Gong's own integrations (the CRM sync above all) and the
/// company's other API clients share the same quota, so most of it is left to them (README, "The quota").
pub const REQUESTS_PER_DAY: Bound<u64> = Bound {
    field: "requests_per_day",
    default: 4_000,
    min: 1,
    max: 1_000_000_000,
    hint: " (Gong allows 10,000 per company, shared with its integrations)",
};
/// Hours between reads of one stream (`stream_cadence_hours` values): 0 is every sync, at most a year.
pub const STREAM_CADENCE_HOURS: Bound<u32> = Bound {
    field: "stream_cadence_hours",
    default: 0,
    min: 0,
    max: 8_760,
    hint: " (a year)",
};
/// A day at most: Gong's daily quota resets within one.
pub const MAX_RATE_LIMIT_WAIT_SECONDS: Bound<u64> = Bound {
    field: "max_rate_limit_wait_seconds",
    default: 600,
    min: 0,
    max: 86_400,
    hint: "",
};
pub const MAX_CONCURRENT_REQUESTS: Bound<usize> = Bound {
    field: "max_concurrent_requests",
    default: 4,
    min: 1,
    max: 32,
    hint: "",
};
pub const REQUEST_TIMEOUT_SECONDS: Bound<u64> = Bound {
    field: "request_timeout_seconds",
    default: 60,
    min: 1,
    max: 600,
    hint: "",
};
/// Hidden (not in the spec): the first retry backoff, for tests.
pub const RETRY_BACKOFF_BASE_MS: Bound<u64> = Bound {
    field: "retry_backoff_base_ms",
    default: 500,
    min: 1,
    max: 60_000,
    hint: "",
};

/// A field with a fixed set of values: the value used when it is absent, and the values accepted.
pub struct Choice {
    pub field: &'static str,
    pub default: &'static str,
    pub values: &'static [&'static str],
}

impl Choice {
    /// The given value, or the default when absent; a config error naming the field and its values
    /// otherwise.
    pub fn check(&self, given: Option<&str>) -> Result<&'static str> {
        let value = given.unwrap_or(self.default);
        self.values
            .iter()
            .copied()
            .find(|v| *v == value)
            .ok_or_else(|| {
                Error::config(format!(
                    "{} must be one of {}; it is `{value}`.",
                    self.field,
                    self.values.join(", ")
                ))
            })
    }
}

/// The period of each `stats_interaction` record (Gong's interaction stats are totals over the range
/// asked): one request chain per closed calendar day, week (Monday to Sunday) or month. A week costs
/// ~52 × pages a year, a day 363 requests, a month ~12 × pages (README, "Stats periods").
pub const STATS_INTERACTION_PERIOD: Choice = Choice {
    field: "stats_interaction_period",
    default: "week",
    values: &["day", "week", "month"],
};

/// A date field: a date (midnight UTC) or a date-time in UTC.
pub struct DateField {
    pub field: &'static str,
    pub examples: &'static [&'static str],
    /// The earliest accepted value (`YYYY-MM-DD`), with the reason given when a value is earlier.
    pub earliest: Option<(&'static str, &'static str)>,
}

/// What a date field accepts: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
pub const DATE_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z)?$";
pub const DATE_PATTERN_DESCRIPTOR: &str = "YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ";

pub const START_DATE: DateField = DateField {
    field: "start_date",
    examples: &["2024-01-01", "2024-01-01T00:00:00Z"],
    earliest: Some(("2015-01-01", "Gong holds no data before 2015")),
};
pub const END_DATE: DateField = DateField {
    field: "end_date",
    examples: &["2025-01-01", "2025-01-01T00:00:00Z"],
    earliest: None,
};

fn date_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| Regex::new(DATE_PATTERN).expect("DATE_PATTERN is a valid regex"))
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

impl DateField {
    /// The instant `text` names, if it matches [`DATE_PATTERN`], is a real date and is not too early.
    pub fn check(&self, text: &str) -> Result<DateTime<Utc>> {
        let text = text.trim();
        let instant = date_pattern()
            .is_match(text)
            .then(|| super::parse_datetime(self.field, text).ok())
            .flatten()
            .ok_or_else(|| {
                Error::config(format!(
                    "{} `{text}` is not a date; use {DATE_PATTERN_DESCRIPTOR} in UTC, e.g. {}.",
                    self.field,
                    self.examples.join(" or ")
                ))
            })?;
        if let Some((earliest, reason)) = self.earliest {
            let bound = NaiveDate::parse_from_str(earliest, "%Y-%m-%d")
                .map(midnight)
                .map_err(|_| Error::system(format!("bad earliest date {earliest}")))?;
            if instant < bound {
                return Err(Error::config(format!(
                    "{} `{text}` is before {earliest}: {reason}. Set it to {earliest} or later.",
                    self.field
                )));
            }
        }
        Ok(instant)
    }

    fn keywords(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("pattern".into(), json!(DATE_PATTERN));
        map.insert("pattern_descriptor".into(), json!(DATE_PATTERN_DESCRIPTOR));
        map.insert("examples".into(), json!(self.examples));
        map
    }
}

/// The schema keywords of one declared field, by field name.
pub trait Declared: Sync {
    fn field(&self) -> &'static str;
    fn keywords(&self) -> Map<String, Value>;
}

impl<T: Copy + Serialize + Sync> Declared for Bound<T> {
    fn field(&self) -> &'static str {
        self.field
    }
    fn keywords(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("default".into(), json!(self.default));
        map.insert("minimum".into(), json!(self.min));
        map.insert("maximum".into(), json!(self.max));
        map
    }
}

impl Declared for Choice {
    fn field(&self) -> &'static str {
        self.field
    }
    fn keywords(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("default".into(), json!(self.default));
        map.insert("enum".into(), json!(self.values));
        map
    }
}

impl Declared for DateField {
    fn field(&self) -> &'static str {
        self.field
    }
    fn keywords(&self) -> Map<String, Value> {
        DateField::keywords(self)
    }
}

/// Every declared field the spec shows (top-level properties), in no particular order.
pub fn visible() -> [&'static dyn Declared; 12] {
    [
        &START_DATE,
        &END_DATE,
        &LOOKBACK_DAYS,
        &WINDOW_DAYS,
        &STATS_WINDOW_DAYS,
        &STATS_INTERACTION_PERIOD,
        &REQUESTS_PER_SECOND,
        &REQUESTS_PER_DAY,
        &MAX_RATE_LIMIT_WAIT_SECONDS,
        &MAX_CONCURRENT_REQUESTS,
        &REQUEST_TIMEOUT_SECONDS,
        &DELETION_SWEEP_DAYS,
    ]
}

/// Defaults of fields that have no bound: their value when the field is absent.
pub const DEFAULT_BASE_URL: &str = "https://api.gong.io";
pub const DEFAULT_TOKEN_URL: &str = "https://app.gong.io/oauth2/generate-customer-token";
pub const BASE_URL_EXAMPLE: &str = "https://us-12345.api.gong.io";
/// Off: existing connections keep syncing private calls until their owner turns it on.
pub const DEFAULT_EXCLUDE_PRIVATE_CALLS: bool = false;
/// On: existing connections keep getting `sizeBytes` and `contentType` of their recordings.
pub const DEFAULT_CALL_MEDIA_PROBE: bool = true;
/// On: a call Gong deleted (erasure, retention purge) is deleted in the warehouse too (`deletions/`).
pub const DEFAULT_PROPAGATE_DELETES: bool = true;

/// Schema keywords of the fields declared only by a default or an example.
pub fn plain_keywords(field: &str) -> Option<Value> {
    match field {
        "base_url" => Some(json!({"default": DEFAULT_BASE_URL, "examples": [BASE_URL_EXAMPLE]})),
        "oauth_token_url" => Some(json!({"default": DEFAULT_TOKEN_URL})),
        "exclude_private_calls" => Some(json!({"default": DEFAULT_EXCLUDE_PRIVATE_CALLS})),
        "call_media_probe" => Some(json!({"default": DEFAULT_CALL_MEDIA_PROBE})),
        "propagate_deletes" => Some(json!({"default": DEFAULT_PROPAGATE_DELETES})),
        "stream_cadence_hours" => Some(json!({
            "items": {
                "type": "object",
                "required": ["stream", "hours"],
                "properties": {
                    "stream": {
                        "title": "Stream",
                        "description": "The stream's name, as `discover` lists it.",
                        "type": "string"
                    },
                    "hours": {
                        "title": "Hours",
                        "description": "Hours between reads (0: every sync).",
                        "type": "integer",
                        "minimum": STREAM_CADENCE_HOURS.min,
                        "maximum": STREAM_CADENCE_HOURS.max
                    }
                }
            },
            "examples": [[{"stream": "flows", "hours": 24}]]
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_reject_outside_and_default_when_absent() {
        assert_eq!(LOOKBACK_DAYS.check(None).unwrap(), 3);
        assert_eq!(LOOKBACK_DAYS.check(Some(60)).unwrap(), 60);
        let e = LOOKBACK_DAYS.check(Some(61)).unwrap_err();
        assert_eq!(
            e.message,
            "lookback_days must be between 0 and 60; it is 61."
        );
        for tiny in [1e-20, 0.0, -1.0, 0.0099] {
            assert!(REQUESTS_PER_SECOND.check(Some(tiny)).is_err(), "{tiny}");
        }
        assert!(REQUESTS_PER_SECOND.check(Some(f64::NAN)).is_err());
        assert_eq!(REQUESTS_PER_SECOND.check(Some(0.01)).unwrap(), 0.01);
    }

    #[test]
    fn choices_take_their_values_only() {
        let p = &STATS_INTERACTION_PERIOD;
        assert_eq!(p.check(None).unwrap(), "week");
        for v in p.values {
            assert_eq!(p.check(Some(v)).unwrap(), *v);
        }
        for bad in ["Week", "daily", "quarter", ""] {
            let e = p.check(Some(bad)).unwrap_err();
            assert!(e.message.contains("day, week, month"), "{bad}: {e}");
        }
    }

    #[test]
    fn every_accepted_number_fits_its_duration() {
        let slowest = 1.0 / REQUESTS_PER_SECOND.min;
        assert!(std::time::Duration::try_from_secs_f64(slowest).is_ok());
        let wait = std::time::Duration::from_secs(MAX_RATE_LIMIT_WAIT_SECONDS.max);
        assert!(std::time::Instant::now().checked_add(wait).is_some());
    }

    #[test]
    fn dates_match_the_pattern_and_the_earliest() {
        let ok = |t: &str| START_DATE.check(t).is_ok();
        assert!(ok("2024-01-01") && ok("2024-01-01T10:00:00Z") && ok("2024-01-01T10:00:00.5Z"));
        assert!(ok("2015-01-01"));
        for bad in [
            "2024-01-01T10:00:00+02:00",
            "2024-1-1",
            "2024-02-30",
            "+262142-01-01",
            "2024-01-01 10:00:00",
            "yesterday",
        ] {
            let e = START_DATE.check(bad).unwrap_err();
            assert!(e.message.contains("is not a date"), "{bad}: {e}");
        }
        let e = START_DATE.check("0202-01-01").unwrap_err();
        assert!(e.message.contains("before 2015-01-01"), "{e}");
        assert!(END_DATE.check("2014-12-31").is_ok());
    }

    #[test]
    fn every_example_is_accepted() {
        for field in [&START_DATE, &END_DATE] {
            for example in field.examples {
                assert!(field.check(example).is_ok(), "{example}");
            }
        }
    }
}
