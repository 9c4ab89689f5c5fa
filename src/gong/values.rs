//! How Gong writes ids and dates, in one place: ids arrive as strings or numbers and leave as strings;
//! date-times go to Gong as `YYYY-MM-DDTHH:MM:SSZ` and dates as `YYYY-MM-DD`, always in UTC.

use chrono::{DateTime, Utc};
use serde_json::Value;

pub fn fmt_dt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn fmt_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "null".into())
}

/// Gong ids arrive as strings, sometimes as numbers.
pub fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
