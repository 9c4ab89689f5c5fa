//! Checks of a caller's parameters that go beyond their types, made before anything is sent, and the
//! kind of the errors only Gong can detect.
//!
//! Checked here, without knowing the company's time zone: each from/to pair in order, every id made of
//! digits (Gong's ids are), and a stats `toDate` no later than tomorrow in UTC (Gong refuses a `toDate`
//! after the company's today, which is at most tomorrow in UTC). Everything else Gong judges: a 400 it
//! answers to a request built from the caller's parameters is the caller's to fix ([`callers`]).
//! `null` values are the same as absent ones ([`without_nulls`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::{lookup, lookup_str, Action, Entity};
use crate::error::{Error, ErrorKind, Reason, Result};

/// The from/to pairs of parameters that must be in order (from no later than to).
const ORDERED: &[(&str, &str)] = &[
    ("fromDateTime", "toDateTime"),
    ("filter.fromDateTime", "filter.toDateTime"),
    ("filter.fromDate", "filter.toDate"),
    ("filter.callFromDate", "filter.callToDate"),
    ("filter.reviewFromDate", "filter.reviewToDate"),
    ("from", "to"),
];

/// `params` without `null` values, at any depth (a `null` is an absent parameter).
pub fn without_nulls(params: &Value) -> Value {
    match params {
        Value::Object(obj) => Value::Object(
            obj.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

/// An instant for a date (midnight UTC) or a date-time parameter, for ordering.
fn instant(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(crate::gong::values::midnight(d));
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Whether a parameter (by its dotted name) holds one Gong id or a list of them.
fn id_param(name: &str) -> Option<bool> {
    let last = name.rsplit('.').next().unwrap_or(name);
    if last.ends_with("Ids") {
        Some(true)
    } else if last == "id" || last.ends_with("Id") || last.ends_with("-id") {
        Some(false)
    } else {
        None
    }
}

fn is_digits(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

/// The checks of the module doc, on validated parameters; `now` decides "tomorrow".
pub fn check(entity: Entity, action: Action, params: &Value, now: DateTime<Utc>) -> Result<()> {
    let what = format!("{} {}", entity.name(), action.name());
    for (from, to) in ORDERED {
        let (Some(a), Some(b)) = (lookup_str(params, from), lookup_str(params, to)) else {
            continue;
        };
        if let (Some(x), Some(y)) = (instant(a), instant(b)) {
            if x > y {
                return Err(Error::config(format!(
                    "{what}: `{from}` ({a}) is after `{to}` ({b}); give them in order."
                )));
            }
        }
    }
    for param in super::params_of(entity, action) {
        let Some(list) = id_param(param.name) else {
            continue;
        };
        let Some(v) = lookup(params, param.name) else {
            continue;
        };
        let bad = if list {
            v.as_array().and_then(|a| a.iter().find(|x| !is_digits(x)))
        } else {
            (!is_digits(v)).then_some(v)
        };
        if let Some(bad) = bad {
            return Err(Error::config(format!(
                "{what}: `{}` must hold Gong ids, which are digits (got {bad}).",
                param.name
            )));
        }
    }
    let tomorrow = (now + Duration::days(1)).date_naive();
    if let Some(to) = lookup_str(params, "filter.toDate") {
        let is_stats = matches!(
            entity,
            Entity::StatsActivityAggregate
                | Entity::StatsActivityDayByDay
                | Entity::StatsInteraction
        );
        if is_stats && NaiveDate::parse_from_str(to, "%Y-%m-%d").is_ok_and(|d| d > tomorrow) {
            return Err(Error::config(format!(
                "{what}: `filter.toDate` ({to}) is in the future; Gong takes days up to the company's today (at the latest {tomorrow})."
            )));
        }
    }
    Ok(())
}

/// An error of a request built from the caller's parameters (`execute`, the MCP server): a 400 Gong
/// answered is the caller's to fix, a config error with Gong's message. The reason stays as
/// classified, so an invalid cursor is never taken for an expired one.
pub fn callers(mut e: Error) -> Error {
    if e.status != Some(400) {
        return e;
    }
    let hint = match e.reason() {
        Reason::ExpiredCursor => {
            " The cursor has expired: start again without `cursor` (or with a fresh one)."
        }
        Reason::InvalidCursor => {
            " The cursor is not one Gong issued for these parameters: pass back the cursor of the previous page, with the same parameters."
        }
        _ => " Fix the parameters.",
    };
    e.kind = ErrorKind::Config;
    let message = e.message.trim_end();
    let stop = if message.ends_with('.') { "" } else { "." };
    e.message = format!("{message}{stop}{hint}");
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn order_ids_and_future_dates_are_checked() {
        let err = |e, a, p: Value| check(e, a, &p, now()).unwrap_err().message;
        assert!(err(
            Entity::Calls,
            Action::List,
            json!({"fromDateTime": "2025-02-01T00:00:00Z", "toDateTime": "2025-01-01T00:00:00Z"})
        )
        .contains("is after `toDateTime`"));
        assert!(err(Entity::Users, Action::Get, json!({"id": "abc"})).contains("digits"));
        assert!(err(
            Entity::CallTranscripts,
            Action::List,
            json!({"filter": {"callIds": ["1", "x2"]}})
        )
        .contains("filter.callIds"));
        assert!(err(
            Entity::StatsInteraction,
            Action::List,
            json!({"filter": {"toDate": "2026-12-02"}})
        )
        .contains("in the future"));
        check(
            Entity::StatsInteraction,
            Action::List,
            &json!({"filter": {"fromDate": "2026-11-01", "toDate": "2026-12-01"}}),
            now(),
        )
        .unwrap();
        check(
            Entity::Coaching,
            Action::List,
            &json!({"workspace-id": "1", "manager-id": "2", "from": "2025-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"}),
            now(),
        )
        .unwrap();
    }

    #[test]
    fn only_a_400_becomes_the_callers_and_cursor_reasons_stay_apart() {
        let e = |reason| {
            Error::system("Gong answered HTTP 400.")
                .with_status(400)
                .with_reason(reason)
        };
        let expired = callers(e(Reason::ExpiredCursor));
        let invalid = callers(e(Reason::InvalidCursor));
        assert_eq!(expired.kind, ErrorKind::Config);
        assert_eq!(expired.reason(), &Reason::ExpiredCursor);
        assert_eq!(invalid.reason(), &Reason::InvalidCursor);
        assert!(invalid.message.contains("not one Gong issued"));
        let server = callers(Error::transient("503").with_status(503));
        assert_eq!(server.kind, ErrorKind::Transient);
        assert_eq!(
            without_nulls(&json!({"cursor": null, "filter": {"a": null, "b": 1}})),
            json!({"filter": {"b": 1}})
        );
    }
}
