//! Reading a request's inputs the way Gong does: a JSON object body, RFC 3339 date-times, `YYYY-MM-DD`
//! dates and id lists; each refusal is a 400 naming the field.

use axum::body::Bytes;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::reply::bad;
use super::state::AppState;

pub(super) fn parse_body(st: &AppState, body: &Bytes) -> Result<Value, Response> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(bad(st, "Malformed request: a JSON body is required"));
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|e| bad(st, format!("Malformed JSON body: {e}")))?;
    if !v.is_object() {
        return Err(bad(st, "Malformed request: the body must be a JSON object"));
    }
    Ok(v)
}

pub(super) fn parse_dt(
    st: &AppState,
    name: &str,
    v: Option<&str>,
) -> Result<Option<i64>, Response> {
    match v {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s.trim())
            .map(|d| Some(d.timestamp()))
            .map_err(|_| {
                bad(
                    st,
                    format!("Bad request: {name} '{s}' is not a valid ISO-8601 date-time"),
                )
            }),
    }
}

pub(super) fn parse_date(
    st: &AppState,
    name: &str,
    v: Option<&Value>,
) -> Result<Option<NaiveDate>, Response> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                bad(
                    st,
                    format!("Bad request: {name} '{s}' is not a valid date (expected YYYY-MM-DD)"),
                )
            }),
        Some(_) => Err(bad(st, format!("Bad request: {name} must be a string"))),
    }
}

pub(super) fn str_list(
    st: &AppState,
    name: &str,
    v: Option<&Value>,
) -> Result<Option<Vec<String>>, Response> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(bad(
                    st,
                    format!("Bad request: {name} must be an array of strings"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad(st, format!("Bad request: {name} must be an array"))),
    }
}

pub(super) fn now_unix() -> i64 {
    Utc::now().timestamp()
}
