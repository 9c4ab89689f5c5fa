//! Range answers of the activity stats made into one record per user and day ([`split`]).
//!
//! Gong's day-by-day and aggregate-by-period (`DAY`) answers list, per user, one item per day of the
//! range. Each item becomes a record: the user's fields as Gong sent them, with the list replaced by that
//! day's item (see `streams::PerDay`), after `fromDate` and `toDate` (the item's day and the next). A
//! day without activity (every field of the item but its dates is 0, empty or null) is dropped: a
//! one-day request does not list a user without activity, so the records are the ones a request per day
//! would give (docs/gong.md, "Days without activity").
//!
//! Invariants: no Gong value is re-serialised (items and the user's fields are copied as the raw text
//! Gong sent); the output [`Page`] holds only the records of the input page, so memory follows the page
//! (or part) being written, never the window.

use bytes::Bytes;
use chrono::{Duration, NaiveDate};
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::gong::page::Page;
use crate::gong::values::{json_str, Fields};
use crate::streams::PerDay;

/// The page's users split into one record per day with activity.
pub fn split(page: &Page, per_day: PerDay, path: &str) -> Result<Page> {
    let bad = |what: String| Error::system(format!("A record of {path} {what}"));
    let mut body = String::with_capacity(page.body.len());
    let mut ranges = Vec::new();
    for i in 0..page.len() {
        let user: Fields =
            serde_json::from_str(page.record(i)).map_err(|e| bad(format!("is malformed: {e}")))?;
        let Some(days) = user.0.iter().find(|(k, _)| k == per_day.items) else {
            continue;
        };
        let items: Option<Vec<&RawValue>> = serde_json::from_str(days.1.get())
            .map_err(|e| bad(format!("has a `{}` that is not a list: {e}", per_day.items)))?;
        for item in items.unwrap_or_default() {
            let Some(day) = active_day(item).map_err(bad)? else {
                continue;
            };
            let start = body.len();
            write_record(&mut body, &user, per_day, item, day);
            ranges.push(start..body.len());
        }
    }
    Ok(Page {
        body: Bytes::from(body),
        records: ranges,
        total_records: None,
    })
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

/// `{"fromDate":…,"toDate":…,` then the user's fields, the day list replaced by the item.
fn write_record(out: &mut String, user: &Fields, per_day: PerDay, item: &RawValue, day: NaiveDate) {
    let next = day + Duration::days(1);
    out.push_str(&format!(
        "{{\"fromDate\":\"{}\",\"toDate\":\"{}\"",
        day.format("%Y-%m-%d"),
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
        let out = split(&p, DBD, "/p").unwrap();
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
        let out = split(&p, per, "/p").unwrap();
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
            let e = split(&page(body), DBD, "/p").unwrap_err();
            assert!(e.message.starts_with("A record of /p "), "{body}: {e}");
        }
    }
}
