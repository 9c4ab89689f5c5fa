//! Checks of a caller's parameters that go beyond their types, made before anything is sent, and the
//! kind of the errors only Gong can detect.
//!
//! Checked here, without knowing the company's time zone: each from/to pair in order, every id made of
//! at most [`MAX_ID_DIGITS`] digits (Gong's ids are 64-bit numbers), and a stats `toDate` (the end whose
//! default is the closed days' end) no later than tomorrow in UTC (Gong refuses a `toDate` after the
//! company's today, which is at most tomorrow in UTC). Everything else Gong judges: a 400 it
//! answers to a request built from the caller's parameters is the caller's to fix ([`callers`]).
//! `null` values are the same as absent ones ([`without_nulls`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::entities::{Action, Entity};
use super::validate::{lookup, lookup_str, short};
use crate::error::{Error, ErrorKind, Reason, Result};
use crate::gong::params::Fill;

/// Digits a Gong id has at most: ids are 64-bit numbers (19 digits), one more for good measure. A longer
/// "id" is refused before anything is sent.
pub const MAX_ID_DIGITS: usize = 20;

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

/// True for a parameter name that holds Gong ids (`id`, `…Id`, `…-id`, `…Ids`).
pub fn is_id_param(name: &str) -> bool {
    id_param(name).is_some()
}

/// True for a Gong id: 1 to [`MAX_ID_DIGITS`] digits.
pub fn is_gong_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= MAX_ID_DIGITS && text.bytes().all(|b| b.is_ascii_digit())
}

/// The error for a value that is no Gong id: `must` says what it must be; a run of digits longer than
/// any id is said to be so, and the value is cut to 60 characters.
pub fn not_an_id(what: &str, name: &str, bad: &Value, must: &str) -> Error {
    let digits = bad
        .as_str()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    Error::config(match digits {
        Some(s) => format!(
            "{what}: `{name}` holds {} digits, more than any Gong id has ({MAX_ID_DIGITS} at most).",
            s.len()
        ),
        None => format!("{what}: `{name}` {must} (got {}).", short(bad)),
    })
}

/// The error of a get whose record id is no Gong id (the seed's wording).
pub fn get_id_error(what: &str, name: &str, id: &str) -> Error {
    if id.len() > MAX_ID_DIGITS && id.bytes().all(|b| b.is_ascii_digit()) {
        return not_an_id(what, name, &Value::String(id.to_string()), "");
    }
    Error::config(format!(
        "{what}: `{name}` must be a Gong id (digits), got {}.",
        short(&Value::String(id.to_string()))
    ))
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
    v.as_str().is_some_and(is_gong_id)
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
    for param in entity.params(action) {
        let name = param.path();
        let Some(list) = id_param(&name) else {
            continue;
        };
        let Some(v) = lookup(params, &name) else {
            continue;
        };
        let values: Vec<&Value> = match (list, v.as_array()) {
            (true, Some(a)) => a.iter().collect(),
            _ => vec![v],
        };
        if let Some(bad) = values.into_iter().find(|x| !is_digits(x)) {
            return Err(not_an_id(
                &what,
                &name,
                bad,
                "must hold Gong ids, which are digits",
            ));
        }
    }
    let tomorrow = (now + Duration::days(1)).date_naive();
    if let Some(to) = lookup_str(params, "filter.toDate") {
        let is_stats = entity
            .params(action)
            .iter()
            .any(|p| p.fill == Fill::ClosedDaysEnd);
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

    fn e(name: &str) -> Entity {
        Entity::parse(name).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn order_ids_and_future_dates_are_checked() {
        let err = |e, a, p: Value| check(e, a, &p, now()).unwrap_err().message;
        assert!(err(
            e("calls"),
            Action::List,
            json!({"fromDateTime": "2025-02-01T00:00:00Z", "toDateTime": "2025-01-01T00:00:00Z"})
        )
        .contains("is after `toDateTime`"));
        assert!(err(e("users"), Action::Get, json!({"id": "abc"})).contains("digits"));
        assert!(err(
            e("call_transcripts"),
            Action::List,
            json!({"filter": {"callIds": ["1", "x2"]}})
        )
        .contains("filter.callIds"));
        assert!(err(
            e("stats_interaction"),
            Action::List,
            json!({"filter": {"toDate": "2026-12-02"}})
        )
        .contains("in the future"));
        let long = "1".repeat(100_000);
        let message = err(e("calls"), Action::Get, json!({ "id": long }));
        assert!(message.contains("100000 digits"), "{message:.200}");
        assert!(message.len() < 200, "the id is not echoed: {message:.200}");
        let message = err(
            e("call_transcripts"),
            Action::List,
            json!({"filter": {"callIds": [long]}}),
        );
        assert!(message.contains("more than any Gong id"), "{message:.200}");
        assert!(get_id_error("users get", "id", &long).message.len() < 200);
        check(
            e("stats_interaction"),
            Action::List,
            &json!({"filter": {"fromDate": "2026-11-01", "toDate": "2026-12-01"}}),
            now(),
        )
        .unwrap();
        check(
            e("coaching"),
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
