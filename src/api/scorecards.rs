//! `stats_activity_scorecards`: the seed's exact filters over Gong's day-level answered-scorecards
//! endpoint.
//!
//! Gong's `callFromDate`/`callToDate` are dates in the company's time zone, which the connector does not
//! know. So the seed's `filter.fromDateTime`/`toDateTime` are sent as the dates that cover those instants
//! in every time zone (a day before the UTC date of `fromDateTime`, two days after the UTC date of
//! `toDateTime`), and only records whose `callStartTime` lies in [`fromDateTime`, `toDateTime`) are kept.
//! The seed's `reviewerUserIds` and `callIds` are not Gong filters either and are applied here too.
//! Invariants: a filter name of the seed and the Gong name it maps to are never given together; a page
//! filtered here says so in `meta` (Gong's `totalRecords` counts before these filters), and a page left
//! empty by them is followed by the next one until one has matches or the data ends.

use chrono::{DateTime, Duration, Utc};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use super::validate::{lookup, lookup_str};
use crate::error::{Error, Result};
use crate::gong::values::{fmt_date, id_string};

/// The seed's names that conflict with the Gong names they are sent as.
const CONFLICTS: &[(&str, &str)] = &[
    ("fromDateTime", "callFromDate"),
    ("toDateTime", "callToDate"),
];

fn instant(params: &Value, name: &str) -> Option<DateTime<Utc>> {
    lookup_str(params, &format!("filter.{name}"))
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// The `filter` Gong is sent for the caller's `params` (validated): see the module doc.
pub fn gong_filter(params: &Value) -> Result<Value> {
    for (seed, gong) in CONFLICTS {
        if lookup(params, &format!("filter.{seed}")).is_some()
            && lookup(params, &format!("filter.{gong}")).is_some()
        {
            return Err(Error::config(format!(
                "stats_activity_scorecards list: give `filter.{seed}` or `filter.{gong}`, not both (both bound the call's start)."
            )));
        }
    }
    let mut f = Map::new();
    if let Some(from) = instant(params, "fromDateTime") {
        f.insert(
            "callFromDate".into(),
            json!(fmt_date(from - Duration::days(1))),
        );
    }
    if let Some(to) = instant(params, "toDateTime") {
        f.insert("callToDate".into(), json!(fmt_date(to + Duration::days(2))));
    }
    for name in [
        "callFromDate",
        "callToDate",
        "reviewFromDate",
        "reviewToDate",
        "scorecardIds",
        "reviewedUserIds",
    ] {
        if let Some(v) = lookup(params, &format!("filter.{name}")) {
            f.insert(name.into(), v.clone());
        }
    }
    Ok(Value::Object(f))
}

/// The filters applied here to each page Gong returns.
#[derive(Debug, Clone, Default)]
pub struct HereFilter {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    reviewers: Option<Vec<String>>,
    calls: Option<Vec<String>>,
    names: Vec<&'static str>,
}

impl HereFilter {
    /// The filters of `params` Gong cannot apply, or `None` when there are none.
    pub fn of(params: &Value) -> Option<HereFilter> {
        let set = |name: &str| -> Option<Vec<String>> {
            lookup(params, name).and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
        };
        let mut filter = HereFilter {
            from: instant(params, "fromDateTime"),
            to: instant(params, "toDateTime"),
            reviewers: set("filter.reviewerUserIds"),
            calls: set("filter.callIds"),
            names: Vec::new(),
        };
        for (present, name) in [
            (filter.from.is_some(), "fromDateTime"),
            (filter.to.is_some(), "toDateTime"),
            (filter.reviewers.is_some(), "reviewerUserIds"),
            (filter.calls.is_some(), "callIds"),
        ] {
            if present {
                filter.names.push(name);
            }
        }
        (!filter.names.is_empty()).then_some(filter)
    }

    fn keeps(&self, record: &Value) -> bool {
        let text = |name: &str| id_string(record.get(name)).unwrap_or_default();
        let started = record
            .get("callStartTime")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|d| d.with_timezone(&Utc));
        let in_bounds = match (self.from.is_some() || self.to.is_some(), started) {
            (false, _) => true,
            (true, None) => false,
            (true, Some(t)) => self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t < e),
        };
        in_bounds
            && self
                .reviewers
                .as_ref()
                .is_none_or(|r| r.contains(&text("reviewerUserId")))
            && self
                .calls
                .as_ref()
                .is_none_or(|c| c.contains(&text("callId")))
    }

    /// The records of a page that pass every filter, in Gong's order.
    pub fn apply(&self, data: Vec<Box<RawValue>>) -> Vec<Box<RawValue>> {
        data.into_iter()
            .filter(|raw| serde_json::from_str::<Value>(raw.get()).is_ok_and(|v| self.keeps(&v)))
            .collect()
    }

    /// What `meta` says about a page filtered here.
    pub fn note(&self) -> String {
        format!(
            "filter.{} applied by the connector to Gong's pages: totalRecords is Gong's count before them, and pages Gong returned with no match were skipped.",
            self.names.join(", filter.")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_covered_by_days_and_kept_exactly() {
        let params = json!({"filter": {"fromDateTime": "2025-01-10T12:00:00Z", "toDateTime": "2025-01-10T13:00:00-08:00"}});
        assert_eq!(
            gong_filter(&params).unwrap(),
            json!({"callFromDate": "2025-01-09", "callToDate": "2025-01-12"})
        );
        let f = HereFilter::of(&params).unwrap();
        let rec = |t: &str| json!({"callStartTime": t, "callId": 1});
        assert!(f.keeps(&rec("2025-01-10T12:00:00Z")));
        assert!(f.keeps(&rec("2025-01-10T20:59:59Z")));
        assert!(!f.keeps(&rec("2025-01-10T13:00:00-08:00")));
        assert!(!f.keeps(&rec("2025-01-10T11:59:59Z")));
        assert!(!f.keeps(&json!({"callId": 1})));
        let both = json!({"filter": {"fromDateTime": "2025-01-10T12:00:00Z", "callFromDate": "2025-01-01"}});
        assert!(gong_filter(&both).unwrap_err().message.contains("not both"));
        assert!(HereFilter::of(&json!({"filter": {"reviewFromDate": "2025-01-01"}})).is_none());
    }
}
