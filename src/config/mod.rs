//! Configuration: the raw form users write ([`raw`], whose JSON Schema is the `spec`, see [`spec`]), and
//! the validated [`Config`] that everything downstream uses.
//!
//! Invariants:
//! * each field's bounds, default, pattern and examples are declared once, in [`declared`]; the spec
//!   shows them and validation enforces them from there;
//! * validation happens once, here, with messages that name the field and say what to do; nothing
//!   downstream re-checks, and every accepted number is safe to turn into a time span;
//! * unknown fields are accepted and named in [`Config::warnings`] (commands log them).

mod auth;
pub mod declared;
pub mod raw;
pub mod spec;
mod unknown;
mod values;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use url::Url;

use crate::error::{Error, Result};
use declared::{DEFAULT_BASE_URL, DEFAULT_TOKEN_URL};
use raw::RawConfig;

pub use auth::Auth;
pub use raw::{CrmContext, Secret};
pub use spec::{connection_specification, spec, DOCUMENTATION_URL};
pub use values::parse_datetime;

/// Validated `calls_extensive` content selector.
#[derive(Debug, Clone)]
pub struct ExtensiveContent {
    pub context: CrmContext,
    pub parties: bool,
    pub content: bool,
    pub interaction: bool,
    pub collaboration: bool,
    pub media: bool,
}

impl ExtensiveContent {
    /// Gong's `contentSelector` for this selection.
    pub fn content_selector(&self) -> Value {
        let content = self.content;
        let interaction = self.interaction;
        json!({
            "context": self.context,
            "contextTiming": ["Now", "TimeOfCall"],
            "exposedFields": {
                "parties": self.parties,
                "content": {
                    "structure": content, "topics": content, "trackers": content,
                    "trackerOccurrences": content, "pointsOfInterest": content, "brief": content,
                    "outline": content, "highlights": content, "callOutcome": content, "keyPoints": content
                },
                "interaction": {
                    "speakers": interaction, "video": interaction,
                    "personInteractionStats": interaction, "questions": interaction
                },
                "collaboration": {"publicComments": self.collaboration},
                "media": self.media
            }
        })
    }
}

/// A calendar period of stats records (`stats_interaction_period`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsPeriod {
    Day,
    /// Monday to Sunday, Gong's week.
    Week,
    Month,
}

impl StatsPeriod {
    /// One of `declared::STATS_INTERACTION_PERIOD`'s values (checked before).
    fn parse(value: &str) -> StatsPeriod {
        match value {
            "day" => StatsPeriod::Day,
            "month" => StatsPeriod::Month,
            _ => StatsPeriod::Week,
        }
    }
}

/// The validated configuration. Built once by [`Config::parse`]; everything downstream trusts it.
/// Its `Debug` leaves out `original`, which holds the credentials as plain JSON.
#[derive(Clone)]
pub struct Config {
    pub auth: Auth,
    /// Base URL without a trailing slash, e.g. `https://api.gong.io`.
    pub base_url: Url,
    pub start: DateTime<Utc>,
    /// Exclusive end; `None` means "now" at the time of each request plan.
    pub end: Option<DateTime<Utc>>,
    pub workspace_id: Option<String>,
    pub lookback: chrono::Duration,
    pub window: chrono::Duration,
    /// Days of an activity stats window (`stats_window_days`).
    pub stats_window: chrono::Duration,
    /// The period of a `stats_interaction` record.
    pub interaction_period: StatsPeriod,
    pub extensive: ExtensiveContent,
    /// Drop calls marked private (`exclude_private_calls`) from the streams that hold calls.
    pub exclude_private_calls: bool,
    /// call_media: probe each recording's size and content type on the media host (`call_media_probe`).
    pub call_media_probe: bool,
    /// Deletion records for calls Gong no longer lists (`propagate_deletes`, `deletions/`).
    pub propagate_deletes: bool,
    /// The whole history is re-listed in this many days (`deletion_sweep_days`; 0: every sync).
    pub deletion_sweep_days: u32,
    pub requests_per_second: f64,
    pub requests_per_day: u64,
    /// Hours between reads per stream name, where `stream_cadence_hours` overrides the stream's cadence.
    pub cadence_hours: std::collections::BTreeMap<String, u32>,
    pub max_rate_limit_wait: Duration,
    pub max_concurrent_requests: usize,
    pub request_timeout: Duration,
    /// First retry backoff (hidden `retry_backoff_base_ms`).
    pub retry_base_backoff: Duration,
    /// The config as given, to write back with a rotated refresh token (CONTROL message).
    pub original: Value,
    /// One message per config field this connector does not read (a likely typo); commands log them.
    pub warnings: Vec<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("auth", &self.auth)
            .field("base_url", &self.base_url.as_str())
            .field("start", &self.start)
            .field("end", &self.end)
            .field("workspace_id", &self.workspace_id)
            .field("lookback", &self.lookback)
            .field("window", &self.window)
            .field("stats_window", &self.stats_window)
            .field("interaction_period", &self.interaction_period)
            .field("extensive", &self.extensive)
            .field("exclude_private_calls", &self.exclude_private_calls)
            .field("call_media_probe", &self.call_media_probe)
            .field("propagate_deletes", &self.propagate_deletes)
            .field("deletion_sweep_days", &self.deletion_sweep_days)
            .field("requests_per_second", &self.requests_per_second)
            .field("requests_per_day", &self.requests_per_day)
            .field("cadence_hours", &self.cadence_hours)
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("request_timeout", &self.request_timeout)
            .field("retry_base_backoff", &self.retry_base_backoff)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Parses and validates the JSON text of a config file.
    pub fn parse(text: &str) -> Result<Config> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("The config file is not valid JSON ({e}).")))?;
        Config::from_value(value, crate::clock::try_now()?)
    }

    /// Validates a config object; `now` anchors the default start date.
    pub fn from_value(value: Value, now: DateTime<Utc>) -> Result<Config> {
        if !value.is_object() {
            return Err(Error::config("The config must be a JSON object."));
        }
        let raw = deserialize(&value)?;
        let token_url = values::parse_url(
            "oauth_token_url",
            raw.oauth_token_url.as_deref().unwrap_or(DEFAULT_TOKEN_URL),
        )?;
        let auth = auth::validate_auth(&raw, token_url, now)?;
        let base_url = values::parse_url(
            "base_url",
            raw.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
        )?;
        let (start, end) = dates(&raw, now)?;
        let workspace_id = workspace(raw.workspace_id.as_deref())?;
        let extensive = raw.calls_extensive_content.clone().unwrap_or_default();
        let warnings = unknown::unknown_field_warnings(&value, &connection_specification());
        Ok(Config {
            auth,
            base_url,
            start,
            end,
            workspace_id,
            lookback: chrono::Duration::days(
                declared::LOOKBACK_DAYS.check(raw.lookback_days)?.into(),
            ),
            window: chrono::Duration::days(declared::WINDOW_DAYS.check(raw.window_days)?.into()),
            stats_window: chrono::Duration::days(
                declared::STATS_WINDOW_DAYS
                    .check(raw.stats_window_days)?
                    .into(),
            ),
            interaction_period: StatsPeriod::parse(
                declared::STATS_INTERACTION_PERIOD
                    .check(raw.stats_interaction_period.as_deref())?,
            ),
            extensive: ExtensiveContent {
                context: extensive.context,
                parties: extensive.parties,
                content: extensive.content,
                interaction: extensive.interaction,
                collaboration: extensive.collaboration,
                media: extensive.media,
            },
            exclude_private_calls: raw
                .exclude_private_calls
                .unwrap_or(declared::DEFAULT_EXCLUDE_PRIVATE_CALLS),
            call_media_probe: raw
                .call_media_probe
                .unwrap_or(declared::DEFAULT_CALL_MEDIA_PROBE),
            propagate_deletes: raw
                .propagate_deletes
                .unwrap_or(declared::DEFAULT_PROPAGATE_DELETES),
            deletion_sweep_days: declared::DELETION_SWEEP_DAYS.check(raw.deletion_sweep_days)?,
            requests_per_second: declared::REQUESTS_PER_SECOND.check(raw.requests_per_second)?,
            requests_per_day: declared::REQUESTS_PER_DAY.check(raw.requests_per_day)?,
            cadence_hours: cadence_hours(raw.stream_cadence_hours.as_ref())?,
            max_rate_limit_wait: Duration::from_secs(
                declared::MAX_RATE_LIMIT_WAIT_SECONDS.check(raw.max_rate_limit_wait_seconds)?,
            ),
            max_concurrent_requests: declared::MAX_CONCURRENT_REQUESTS
                .check(raw.max_concurrent_requests)?,
            request_timeout: Duration::from_secs(
                declared::REQUEST_TIMEOUT_SECONDS.check(raw.request_timeout_seconds)?,
            ),
            retry_base_backoff: Duration::from_millis(
                declared::RETRY_BACKOFF_BASE_MS.check(raw.retry_backoff_base_ms)?,
            ),
            original: value,
            warnings,
        })
    }

    /// The end of the data to sync: `end_date`, or now.
    pub fn end_or(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.end {
            Some(end) if end < now => end,
            _ => now,
        }
    }
}

/// `stream_cadence_hours`: each value within its bound, each name once (that each names a stream of
/// this connector is checked by the stream table, `streams::check_cadence_names`, which sits above config).
fn cadence_hours(
    given: Option<&Vec<raw::RawCadence>>,
) -> Result<std::collections::BTreeMap<String, u32>> {
    let mut hours = std::collections::BTreeMap::new();
    for raw::RawCadence {
        stream: name,
        hours: h,
    } in given.into_iter().flatten()
    {
        let h = *h;
        let h = declared::STREAM_CADENCE_HOURS
            .check(Some(h))
            .map_err(|e| Error::config(format!("{} (stream `{name}`)", e.message)))?;
        if hours.insert(name.clone(), h).is_some() {
            return Err(Error::config(format!(
                "stream_cadence_hours names `{name}` twice."
            )));
        }
    }
    Ok(hours)
}

/// The raw config, or a config error naming the field serde stumbled on.
fn deserialize(value: &Value) -> Result<RawConfig> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let inner = inner.split(" at line").next().unwrap_or(&inner).to_string();
        if path == "." {
            Error::config(format!("Invalid config: {inner}."))
        } else {
            Error::config(format!("Invalid config field `{path}`: {inner}."))
        }
    })
}

/// `start_date` (default: a year before `now`) and `end_date`, checked against their declarations and
/// each other.
fn dates(raw: &RawConfig, now: DateTime<Utc>) -> Result<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let start = match raw.start_date.as_deref() {
        Some(s) => declared::START_DATE.check(s)?,
        None => now - chrono::Duration::days(365),
    };
    let end = match raw.end_date.as_deref() {
        Some(s) => Some(declared::END_DATE.check(s)?),
        None => None,
    };
    if start > now {
        return Err(Error::config(format!(
            "start_date {} is in the future; set it to a past date.",
            start.to_rfc3339()
        )));
    }
    if let Some(end) = end {
        if end <= start {
            return Err(Error::config(format!(
                "end_date {} is not after start_date {}; set end_date later or remove it.",
                end.to_rfc3339(),
                start.to_rfc3339()
            )));
        }
    }
    Ok((start, end))
}

/// A workspace id is Gong's: digits only. Empty means all workspaces.
fn workspace(given: Option<&str>) -> Result<Option<String>> {
    match given.map(str::trim) {
        None | Some("") => Ok(None),
        Some(w) if w.chars().all(|c| c.is_ascii_digit()) => Ok(Some(w.to_string())),
        Some(w) => Err(Error::config(format!(
            "workspace_id `{w}` is not a Gong workspace id (digits only); copy it from GET /v2/workspaces or leave it empty."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
    }

    fn parse(v: Value) -> Result<Config> {
        Config::from_value(v, now())
    }

    fn basic() -> Value {
        json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"}})
    }

    #[test]
    fn defaults_apply() {
        let c = parse(basic()).unwrap();
        assert_eq!(c.base_url.as_str(), "https://api.gong.io/");
        assert_eq!(c.start, now() - chrono::Duration::days(365));
        assert_eq!(c.requests_per_second, 3.0);
        assert_eq!(c.requests_per_day, 4_000);
        assert_eq!(c.lookback, chrono::Duration::days(3));
        assert!(c.extensive.media);
        assert!(matches!(c.auth, Auth::Basic { .. }));
    }

    #[test]
    fn tenant_host_and_v2_suffix() {
        let mut v = basic();
        v["base_url"] = json!("https://us-12345.api.gong.io/v2/");
        let c = parse(v).unwrap();
        assert_eq!(c.base_url.as_str(), "https://us-12345.api.gong.io/");
    }

    #[test]
    fn plain_http_only_for_loopback() {
        let mut v = basic();
        v["base_url"] = json!("http://127.0.0.1:8080");
        assert!(parse(v.clone()).is_ok());
        v["base_url"] = json!("http://localhost:1");
        assert!(parse(v.clone()).is_ok());
        v["base_url"] = json!("http://api.gong.io");
        let e = parse(v).unwrap_err();
        assert!(e.message.contains("https"), "{e}");
    }

    #[test]
    fn errors_name_the_field() {
        let mut v = basic();
        v["start_date"] = json!("yesterday");
        assert!(parse(v).unwrap_err().message.contains("start_date"));
        let mut v = basic();
        v["lookback_days"] = json!("three");
        let e = parse(v).unwrap_err();
        assert!(e.message.contains("lookback_days"), "{e}");
        let e = parse(json!({})).unwrap_err();
        assert!(e.message.contains("credentials"), "{e}");
        let e = parse(json!({"credentials": {"auth_type": "access_key", "access_key": "", "access_key_secret": "s"}}))
            .unwrap_err();
        assert!(e.message.contains("access_key is empty"), "{e}");
    }

    #[test]
    fn start_after_end_is_rejected() {
        let mut v = basic();
        v["start_date"] = json!("2025-01-02");
        v["end_date"] = json!("2025-01-01T00:00:00Z");
        assert!(parse(v).unwrap_err().message.contains("end_date"));
    }

    #[test]
    fn oauth_forms() {
        let c =
            parse(json!({"credentials": {"auth_type": "oauth2.0", "access_token": "t"}})).unwrap();
        assert!(matches!(c.auth, Auth::Bearer { .. }));
        let c = parse(json!({"credentials": {"auth_type": "oauth2.0", "client_id": "i", "client_secret": "s", "refresh_token": "r"}}))
            .unwrap();
        assert!(matches!(c.auth, Auth::OAuthRefresh { .. }));
        let e =
            parse(json!({"credentials": {"auth_type": "oauth2.0", "client_id": "i"}})).unwrap_err();
        assert!(e.message.contains("refresh"), "{e}");
        let c = parse(json!({"access_key": "k", "access_key_secret": "s"})).unwrap();
        assert!(matches!(c.auth, Auth::Basic { .. }));
    }

    #[test]
    fn secrets_never_format() {
        let c = parse(json!({"credentials": {"auth_type": "access_key", "access_key": "KEY123", "access_key_secret": "SECRET456"}}))
            .unwrap();
        let debug = format!("{:?}", c.auth);
        assert!(
            !debug.contains("KEY123") && !debug.contains("SECRET456"),
            "{debug}"
        );
    }

    #[test]
    fn unknown_fields_are_accepted_with_a_warning_each() {
        let mut v = basic();
        v["surprise"] = json!(1);
        v["credentials"]["pasword"] = json!("x");
        let c = parse(v).unwrap();
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(c.warnings.iter().any(|w| w.contains("`surprise`")));
        assert!(c
            .warnings
            .iter()
            .any(|w| w.contains("`credentials.pasword`")));
        assert!(parse(basic()).unwrap().warnings.is_empty());
    }

    #[test]
    fn every_declared_bound_is_enforced() {
        for (field, bad) in [
            ("requests_per_second", json!(1e-20)),
            ("requests_per_second", json!(0.001)),
            ("requests_per_second", json!(1e6)),
            ("requests_per_day", json!(0)),
            ("max_rate_limit_wait_seconds", json!(u64::MAX)),
            ("max_concurrent_requests", json!(33)),
            ("request_timeout_seconds", json!(601)),
            ("lookback_days", json!(61)),
            ("window_days", json!(367)),
            ("retry_backoff_base_ms", json!(0)),
            (
                "stream_cadence_hours",
                json!([{"stream": "flows", "hours": 8761}]),
            ),
        ] {
            let mut v = basic();
            v[field] = bad.clone();
            let e = parse(v).unwrap_err();
            assert!(
                e.message.starts_with(&format!("{field} must be between")),
                "{field}={bad}: {e}"
            );
            assert_eq!(e.failure_type(), crate::protocol::FailureType::ConfigError);
        }
    }

    #[test]
    fn stream_cadences_name_streams_once() {
        let mut v = basic();
        v["stream_cadence_hours"] =
            json!([{"stream": "flows", "hours": 24}, {"stream": "users", "hours": 0}]);
        let c = parse(v).unwrap();
        assert_eq!(c.cadence_hours.get("flows"), Some(&24));
        assert_eq!(c.cadence_hours.get("users"), Some(&0));
        let mut v = basic();
        v["stream_cadence_hours"] =
            json!([{"stream": "flows", "hours": 1}, {"stream": "flows", "hours": 2}]);
        let e = parse(v).unwrap_err();
        assert!(e.message.contains("`flows` twice"), "{e}");
        assert_eq!(e.failure_type(), crate::protocol::FailureType::ConfigError);
    }

    #[test]
    fn start_before_2015_is_rejected_with_the_reason() {
        let mut v = basic();
        v["start_date"] = json!("0202-01-01");
        let e = parse(v).unwrap_err();
        assert!(e.message.contains("Gong holds no data before 2015"), "{e}");
        let mut v = basic();
        v["start_date"] = json!("2015-01-01");
        assert!(parse(v).is_ok());
    }

    #[test]
    fn crm_context_is_a_closed_set() {
        let mut v = basic();
        v["calls_extensive_content"] = json!({"context": "Basic"});
        let c = parse(v.clone()).unwrap();
        assert_eq!(c.extensive.context, CrmContext::Basic);
        assert_eq!(c.extensive.content_selector()["context"], "Basic");
        v["calls_extensive_content"] = json!({"context": "Full"});
        let e = parse(v).unwrap_err();
        assert!(e.message.contains("calls_extensive_content.context"), "{e}");
        assert!(e.message.contains("unknown variant `Full`"), "{e}");
    }
}
