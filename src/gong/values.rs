//! How Gong writes ids and dates, in one place: ids arrive as strings or numbers and leave as strings;
//! date-times go to Gong as `YYYY-MM-DDTHH:MM:SSZ` and dates as `YYYY-MM-DD`, always in UTC.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde_json::value::RawValue;
use serde_json::Value;

/// A date-time as Gong takes it: `2025-01-01T00:00:00Z`.
pub fn fmt_dt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The UTC date of `t` as Gong takes dates: `2025-01-01`.
pub fn fmt_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// `s` as a JSON string literal, for fields added to a record's bytes.
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

/// Midnight UTC at the start of `date`.
pub fn midnight(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

/// Where reading closed days stops (exclusive): the day before today in UTC, which is over in every time
/// zone (Gong takes stats dates in the company's time zone and refuses a `toDate` after its today), or
/// `end` when that comes first; an `end` after midnight includes its day. The sync's planner and the
/// stats entities' default `toDate` both use this rule.
pub fn closed_days_end(now: DateTime<Utc>, end: DateTime<Utc>) -> DateTime<Utc> {
    let last = midnight(now.date_naive()) - Duration::days(1);
    let end_day = midnight(end.date_naive())
        + if end.time() > NaiveTime::MIN {
            Duration::days(1)
        } else {
            Duration::zero()
        };
    last.min(end_day)
}

/// An object's top-level fields in Gong's order, each value as Gong sent it (the per-day split and the
/// riders rebuild records from them without touching the values).
pub struct Fields<'a>(pub Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Fields<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    fields.push((k, v));
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(V)
    }
}
