//! Range answers of the activity stats made into one record per user and day ([`split`]).
//!
//! Gong's day-by-day and aggregate-by-period (`DAY`) answers list, per user, one item per day of the
//! range. Each item becomes a record: the user's fields as Gong sent them, with the list replaced by that
//! day's item (see `streams::PerDay`), after the period's fields (`fromDate` and `toDate`, named by the
//! stream's `Bounds`: the item's day and the next). A day without activity (every field of the item but
//! its dates is 0, empty or null) is dropped: a one-day request does not list a user without activity,
//! so the records are the ones a request per day would give (docs/gong.md, "Days without activity").
//!
//! The answer is checked against the request ([`Days`]): an item of a day outside the requested range, or
//! of a (user, day) the answer gave already, is dropped and counted, never emitted; the producer logs a
//! WARN with the counts.
//!
//! Invariants: no Gong value is re-serialised (items and the user's fields are copied as the raw text
//! Gong sent); the output [`Page`] holds only the records of the input page, so memory follows the page
//! (or part) being written, never the window; a (user, day) is emitted at most once per range.

use std::collections::HashSet;

use bytes::Bytes;
use chrono::{Duration, NaiveDate};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::gong::page::Page;
use crate::gong::request::ApiRequest;
use crate::gong::values::{json_str, Fields};
use crate::streams::{Bounds, PerDay};

/// The field of a user's entry that names the user (the record key's other half).
const USER_KEY: &str = "userId";

/// The days one range request asked for (`from` inclusive, `to` exclusive) and what its answer gave so
/// far: the (user, day) pairs emitted, and the items dropped.
#[derive(Debug)]
pub struct Days {
    from: NaiveDate,
    to: NaiveDate,
    seen: HashSet<(String, NaiveDate)>,
    /// Items of a day outside `from..to`, and the first such day.
    pub outside: u64,
    pub first_outside: Option<NaiveDate>,
    /// Items of a (user, day) given before in this range's answer.
    pub doubled: u64,
}

impl Days {
    /// The range `request` asks for in its `period` filters (a POST's `filter`, else its query); `None`
    /// when it names no whole range of dates.
    pub fn of(request: &ApiRequest, period: Bounds) -> Option<Days> {
        let value = |name: &str| -> Option<NaiveDate> {
            let text = match request
                .body
                .as_ref()
                .and_then(|b| b.get("filter")?.get(name))
            {
                Some(Value::String(text)) => text.clone(),
                _ => request.query.iter().find(|(k, _)| k == name)?.1.clone(),
            };
            NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
        };
        Some(Days::new(value(period.from)?, value(period.to)?))
    }

    pub fn new(from: NaiveDate, to: NaiveDate) -> Days {
        Days {
            from,
            to,
            seen: HashSet::new(),
            outside: 0,
            first_outside: None,
            doubled: 0,
        }
    }

    /// Whether `user`'s item of `day` becomes a record: inside the range and not given before.
    fn admit(&mut self, user: &str, day: NaiveDate) -> bool {
        if day < self.from || day >= self.to {
            self.outside += 1;
            self.first_outside.get_or_insert(day);
            return false;
        }
        if !self.seen.insert((user.to_string(), day)) {
            self.doubled += 1;
            return false;
        }
        true
    }

    /// Items dropped so far.
    pub fn dropped(&self) -> u64 {
        self.outside + self.doubled
    }

    /// What was dropped, for the WARN: `path`'s answer for the range, the counts, the first day outside.
    pub fn warning(&self, path: &str) -> String {
        let outside = match self.first_outside {
            Some(day) => format!(
                "{} item(s) of days outside the requested {}..{} (first: {day})",
                self.outside, self.from, self.to
            ),
            None => "0 items outside the requested days".to_string(),
        };
        format!(
            "Gong's answer to {path} for {}..{} held {outside} and {} item(s) of a user and day it had given already; they were dropped, not emitted.",
            self.from, self.to, self.doubled
        )
    }
}

/// The page's users split into one record per day with activity, each inside `days` and new to it.
pub fn split(
    page: &Page,
    (period, per_day): (Bounds, PerDay),
    path: &str,
    days: &mut Days,
) -> Result<Page> {
    let bad = |what: String| Error::system(format!("A record of {path} {what}"));
    let mut body = String::with_capacity(page.body.len());
    let mut ranges = Vec::new();
    for i in 0..page.len() {
        let user: Fields =
            serde_json::from_str(page.record(i)).map_err(|e| bad(format!("is malformed: {e}")))?;
        let Some(items) = user.0.iter().find(|(k, _)| k == per_day.items) else {
            continue;
        };
        let items: Option<Vec<&RawValue>> = serde_json::from_str(items.1.get())
            .map_err(|e| bad(format!("has a `{}` that is not a list: {e}", per_day.items)))?;
        let user_id = user_id(&user);
        for item in items.unwrap_or_default() {
            let Some(day) = active_day(item).map_err(bad)? else {
                continue;
            };
            if !days.admit(&user_id, day) {
                continue;
            }
            let start = body.len();
            write_record(&mut body, &user, (period, per_day), item, day);
            ranges.push(start..body.len());
        }
    }
    Ok(Page {
        body: Bytes::from(body),
        records: ranges,
        total_records: None,
    })
}

/// The user's id as Gong wrote it (raw JSON text, so `"1"` and `1` differ as Gong's keys would), or
/// empty when the entry has none.
fn user_id(user: &Fields) -> String {
    user.0
        .iter()
        .find(|(k, _)| k == USER_KEY)
        .map(|(_, v)| v.get().to_string())
        .unwrap_or_default()
}

/// The item's day, or `None` when the item holds no activity.
fn active_day(item: &RawValue) -> std::result::Result<Option<NaiveDate>, String> {
    let fields: Fields = serde_json::from_str(item.get())
        .map_err(|e| format!("has a day that is not an object: {e}"))?;
    let mut day = None;
    let mut active = false;
    for (k, v) in &fields.0 {
        match k.as_str() {
            "fromDate" => day = date_of(v),
            "toDate" => {}
            _ => active |= !is_nothing(v.get()),
        }
    }
    match (active, day) {
        (false, _) => Ok(None),
        (true, Some(day)) => Ok(Some(day)),
        (true, None) => Err("has a day without a `fromDate` date".into()),
    }
}

/// The date of a Gong date-time (`2024-01-01T00:00:00-08:00`): its first ten characters, the day in the
/// time zone Gong wrote it in (the company's).
fn date_of(value: &RawValue) -> Option<NaiveDate> {
    let text: &str = serde_json::from_str(value.get()).ok()?;
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

/// No activity: `null`, a zero, an empty list or object.
fn is_nothing(raw: &str) -> bool {
    let raw = raw.trim();
    match raw.as_bytes().first() {
        Some(b'[' | b'{') => raw[1..raw.len() - 1].trim().is_empty(),
        Some(b'n') => raw == "null",
        Some(b'-' | b'0'..=b'9') => raw.parse::<f64>().is_ok_and(|n| n == 0.0),
        _ => false,
    }
}

/// `{"fromDate":…,"toDate":…,` (the stream's `period` names) then the user's fields, the day list
/// replaced by the item.
fn write_record(
    out: &mut String,
    user: &Fields,
    (period, per_day): (Bounds, PerDay),
    item: &RawValue,
    day: NaiveDate,
) {
    let next = day + Duration::days(1);
    out.push_str(&format!(
        "{{{}:\"{}\",{}:\"{}\"",
        json_str(period.from),
        day.format("%Y-%m-%d"),
        json_str(period.to),
        next.format("%Y-%m-%d")
    ));
    for (key, value) in &user.0 {
        out.push(',');
        if key == per_day.items {
            out.push_str(&json_str(per_day.into));
            out.push(':');
            let (open, close) = if per_day.wrap { ("[", "]") } else { ("", "") };
            out.push_str(open);
            out.push_str(item.get());
            out.push_str(close);
        } else {
            out.push_str(&json_str(key));
            out.push(':');
            out.push_str(value.get());
        }
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gong::page::parse_page;

    fn page(body: &str) -> Page {
        let (records, total, _) = parse_page(body.as_bytes(), "users").unwrap();
        Page {
            body: Bytes::from(body.to_string()),
            records,
            total_records: total,
        }
    }

    fn texts(p: &Page) -> Vec<&str> {
        (0..p.len()).map(|i| p.record(i)).collect()
    }

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// A range wide enough for the tests that are not about the range.
    fn any_days() -> Days {
        Days::new(d("2000-01-01"), d("2100-01-01"))
    }

    const DATES: Bounds = Bounds {
        from: "fromDate",
        to: "toDate",
    };

    const DBD: PerDay = PerDay {
        items: "days",
        into: "days",
        wrap: true,
    };

    #[test]
    fn each_active_day_is_a_record_with_the_users_fields_in_place() {
        let p = page(
            r#"{"users":[{"userId":"1","days":[{"a":["c1"],"fromDate":"2024-01-01T00:00:00-08:00","toDate":"x"},{"a":[ ],"fromDate":"2024-01-02T00:00:00Z"},{"a":["c2"], "fromDate":"2024-01-03T00:00:00Z"}],"email":"e@x"}]}"#,
        );
        let out = split(&p, (DATES, DBD), "/p", &mut any_days()).unwrap();
        assert_eq!(
            texts(&out),
            [
                r#"{"fromDate":"2024-01-01","toDate":"2024-01-02","userId":"1","days":[{"a":["c1"],"fromDate":"2024-01-01T00:00:00-08:00","toDate":"x"}],"email":"e@x"}"#,
                r#"{"fromDate":"2024-01-03","toDate":"2024-01-04","userId":"1","days":[{"a":["c2"], "fromDate":"2024-01-03T00:00:00Z"}],"email":"e@x"}"#,
            ]
        );
        assert_eq!(out.total_records, None);
    }

    #[test]
    fn unwrapped_items_go_under_their_new_name_and_zero_days_are_dropped() {
        let per = PerDay {
            items: "periods",
            into: "stats",
            wrap: false,
        };
        let p = page(
            r#"{"users":[{"userId":"1","periods":[{"n":0,"m":0.0,"fromDate":"2024-02-28T00:00:00Z"},{"n":0,"m":2,"fromDate":"2024-02-29T00:00:00Z"}]},{"userId":"2","periods":null},{"userId":"3"}]}"#,
        );
        let out = split(&p, (DATES, per), "/p", &mut any_days()).unwrap();
        assert_eq!(
            texts(&out),
            [
                r#"{"fromDate":"2024-02-29","toDate":"2024-03-01","userId":"1","stats":{"n":0,"m":2,"fromDate":"2024-02-29T00:00:00Z"}}"#
            ]
        );
    }

    #[test]
    fn nothing_is_null_zero_or_empty() {
        for raw in ["null", "0", "0.0", "-0", "[]", "[ ]", "{}", " { } "] {
            assert!(is_nothing(raw), "{raw}");
        }
        for raw in ["1", "[0]", "{\"a\":0}", "\"\"", "true", "0.5"] {
            assert!(!is_nothing(raw), "{raw}");
        }
    }

    #[test]
    fn malformed_answers_are_errors_not_panics() {
        for body in [
            r#"{"users":[{"userId":"1","days":5}]}"#,
            r#"{"users":[{"userId":"1","days":[7]}]}"#,
            r#"{"users":[{"userId":"1","days":[{"a":[1]}]}]}"#,
            r#"{"users":[{"userId":"1","days":[{"a":[1],"fromDate":"soon"}]}]}"#,
        ] {
            let e = split(&page(body), (DATES, DBD), "/p", &mut any_days()).unwrap_err();
            assert!(e.message.starts_with("A record of /p "), "{body}: {e}");
        }
    }

    /// A user entry of day-by-day with one active item per day given.
    fn user(id: &str, days: &[&str]) -> String {
        let items: Vec<String> = days
            .iter()
            .map(|day| format!(r#"{{"a":["c"],"fromDate":"{day}T00:00:00-08:00"}}"#))
            .collect();
        format!(r#"{{"userId":"{id}","days":[{}]}}"#, items.join(","))
    }

    fn keys(p: &Page) -> Vec<String> {
        texts(p)
            .iter()
            .map(|t| {
                let v: Value = serde_json::from_str(t).unwrap();
                format!(
                    "{}/{}",
                    v["userId"].as_str().unwrap(),
                    v["fromDate"].as_str().unwrap()
                )
            })
            .collect()
    }

    #[test]
    fn days_outside_the_requested_range_are_dropped_and_counted() {
        let mut days = Days::new(d("2024-01-01"), d("2024-01-08"));
        let body = format!(
            r#"{{"users":[{}]}}"#,
            user(
                "1",
                &[
                    "2019-06-01",
                    "2024-01-01",
                    "2024-01-07",
                    "2024-01-08",
                    "2031-01-01"
                ]
            )
        );
        let out = split(&page(&body), (DATES, DBD), "/p", &mut days).unwrap();
        assert_eq!(keys(&out), ["1/2024-01-01", "1/2024-01-07"]);
        assert_eq!((days.outside, days.doubled), (3, 0));
        assert_eq!(days.first_outside, Some(d("2019-06-01")));
        let warning = days.warning("/p");
        assert!(
            warning.contains("3 item(s) of days outside the requested 2024-01-01..2024-01-08 (first: 2019-06-01)"),
            "{warning}"
        );
    }

    #[test]
    fn a_user_and_day_given_twice_is_emitted_once_across_pages() {
        let mut days = Days::new(d("2024-01-01"), d("2024-01-08"));
        let first = format!(
            r#"{{"users":[{},{}]}}"#,
            user("1", &["2024-01-02", "2024-01-02"]),
            user("2", &["2024-01-02"])
        );
        let out = split(&page(&first), (DATES, DBD), "/p", &mut days).unwrap();
        assert_eq!(keys(&out), ["1/2024-01-02", "2/2024-01-02"]);
        // A later page of the same range gives user 1's day again, and a new one.
        let second = format!(
            r#"{{"users":[{}]}}"#,
            user("1", &["2024-01-02", "2024-01-03"])
        );
        let out = split(&page(&second), (DATES, DBD), "/p", &mut days).unwrap();
        assert_eq!(keys(&out), ["1/2024-01-03"]);
        assert_eq!((days.outside, days.doubled, days.dropped()), (0, 2, 2));
    }

    #[test]
    fn the_range_is_read_from_the_request_filters() {
        let bounds = Bounds {
            from: "fromDate",
            to: "toDate",
        };
        let post = ApiRequest::post(
            "/v2/stats/activity/day-by-day",
            serde_json::json!({"filter": {"fromDate": "2024-01-01", "toDate": "2024-01-08"}}),
        );
        let days = Days::of(&post, bounds).unwrap();
        assert_eq!((days.from, days.to), (d("2024-01-01"), d("2024-01-08")));
        let get = ApiRequest::get("/v2/x")
            .query("fromDate", "2024-02-01")
            .query("toDate", "2024-02-02");
        let days = Days::of(&get, bounds).unwrap();
        assert_eq!((days.from, days.to), (d("2024-02-01"), d("2024-02-02")));
        assert!(Days::of(&ApiRequest::get("/v2/x"), bounds).is_none());
    }
}
