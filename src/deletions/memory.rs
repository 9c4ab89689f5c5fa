//! The sweep's memory: which calls were listed in each week of the synced history, kept in the state.
//!
//! Naming a deleted call needs its id, so the memory keeps every listed call id once (Gong lists a call
//! id per call; calls_extensive, call_transcripts and the other call-keyed streams share them). Per week
//! (Monday 00:00 UTC to the next Monday) it keeps the day it was last listed, the count of ids, a digest
//! and the ids themselves, sorted and packed (deltas as LEB128 varints, base64): about 8 bytes of varint,
//! 11 characters of state, per call. Count and digest check the packed ids when the state is read: a
//! week that does not match them is dropped (and listed again without announcing deletions), never
//! trusted, so a damaged state cannot produce a false deletion.
//!
//! Invariants: the memory holds only weeks of the synced history (from `start_date`), so it is bounded by
//! Gong's retention (three years by default) times the company's calls; the state form is versioned
//! (`v`), and a state without it (a previous version's) is simply a memory with no week built.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

/// The key of the memory in the state of the stream that carries it.
pub const KEY: &str = "deletions";
/// The form of the memory this version writes and reads.
pub const VERSION: u64 = 1;

/// One week of the synced history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    /// The UTC day it was last listed.
    pub swept: NaiveDate,
    /// The call ids listed then, sorted, without repeats.
    pub ids: Vec<u64>,
}

/// What the sweep remembers between syncs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Memory {
    /// The workspace filter the weeks were listed with: another filter lists other calls.
    pub workspace: Option<String>,
    /// When the last sweep listed: the recent weeks since then are listed on the next sync.
    pub at: Option<DateTime<Utc>>,
    /// Weeks by their Monday.
    pub weeks: BTreeMap<NaiveDate, Week>,
}

/// The Monday (UTC) of the week holding `t`.
pub fn week_of(t: DateTime<Utc>) -> NaiveDate {
    let day = t.date_naive();
    day - Duration::days(day.weekday().num_days_from_monday().into())
}

/// The first instant of a week (its Monday, 00:00 UTC).
pub fn week_start(monday: NaiveDate) -> DateTime<Utc> {
    monday.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

impl Memory {
    /// The state form: `{"v", "workspace", "at", "weeks": [[monday, swept, count, digest, ids], …]}`.
    pub fn to_value(&self) -> Value {
        let weeks: Vec<Value> = self
            .weeks
            .iter()
            .map(|(monday, w)| {
                json!([
                    monday.to_string(),
                    w.swept.to_string(),
                    w.ids.len(),
                    digest(&w.ids),
                    pack(&w.ids)
                ])
            })
            .collect();
        json!({
            "v": VERSION,
            "workspace": self.workspace,
            "at": self.at.map(crate::gong::values::fmt_dt),
            "weeks": weeks,
        })
    }

    /// Reads the state form. Weeks that do not check out are left out and named in the returned
    /// warnings (they are listed again, silently); a memory of another version is an error.
    pub fn from_value(v: &Value) -> Result<(Memory, Vec<String>), String> {
        if v.get("v").and_then(Value::as_u64) != Some(VERSION) {
            return Err(format!("its form is not version {VERSION}"));
        }
        let at = match v.get("at").and_then(Value::as_str) {
            Some(s) => Some(
                DateTime::parse_from_rfc3339(s)
                    .map_err(|_| format!("its time `{s}` is not a date-time"))?
                    .with_timezone(&Utc),
            ),
            None => None,
        };
        let mut memory = Memory {
            workspace: v.get("workspace").and_then(Value::as_str).map(String::from),
            at,
            weeks: BTreeMap::new(),
        };
        let mut warnings = Vec::new();
        for entry in v
            .get("weeks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match read_week(entry) {
                Ok((monday, week)) => {
                    memory.weeks.insert(monday, week);
                }
                Err(why) => warnings.push(why),
            }
        }
        Ok((memory, warnings))
    }

    /// Ids remembered in all weeks.
    pub fn calls(&self) -> usize {
        self.weeks.values().map(|w| w.ids.len()).sum()
    }
}

fn read_week(entry: &Value) -> Result<(NaiveDate, Week), String> {
    let day = |i: usize| {
        entry
            .get(i)
            .and_then(Value::as_str)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    };
    let (Some(monday), Some(swept)) = (day(0), day(1)) else {
        return Err(format!("a week entry {entry} has no dates"));
    };
    let count = entry.get(2).and_then(Value::as_u64);
    let ids = entry
        .get(4)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the week of {monday} has no ids"))
        .and_then(unpack)?;
    let sum = entry.get(3).and_then(Value::as_str);
    if count != Some(ids.len() as u64) || sum != Some(digest(&ids).as_str()) {
        return Err(format!(
            "the week of {monday} does not match its count and digest"
        ));
    }
    Ok((monday, Week { swept, ids }))
}

/// Sorted ids as deltas in LEB128 varints, base64 without padding.
pub fn pack(ids: &[u64]) -> String {
    let mut bytes = Vec::with_capacity(ids.len() * 9);
    let mut previous = 0u64;
    for &id in ids {
        let mut delta = id.wrapping_sub(previous);
        previous = id;
        loop {
            let byte = (delta & 0x7f) as u8;
            delta >>= 7;
            if delta == 0 {
                bytes.push(byte);
                break;
            }
            bytes.push(byte | 0x80);
        }
    }
    STANDARD_NO_PAD.encode(bytes)
}

/// The ids [`pack`] packed.
pub fn unpack(text: &str) -> Result<Vec<u64>, String> {
    let bytes = STANDARD_NO_PAD
        .decode(text)
        .map_err(|_| "packed ids that are not base64".to_string())?;
    let (mut ids, mut value, mut shift, mut previous) = (Vec::new(), 0u64, 0u32, 0u64);
    for byte in bytes {
        if shift > 63 {
            return Err("a packed id longer than 64 bits".into());
        }
        value |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            previous = previous.wrapping_add(value);
            ids.push(previous);
            (value, shift) = (0, 0);
        }
    }
    if shift != 0 {
        return Err("packed ids that end inside an id".into());
    }
    Ok(ids)
}

/// FNV-1a over the ids' bytes, 16 hex digits: checks that packed ids are the ones written.
pub fn digest(ids: &[u64]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in ids.iter().flat_map(|id| id.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_ids_come_back_and_damage_is_caught() {
        let ids = vec![
            3,
            1_000_000_000_000_000_001,
            7_782_342_274_025_937_895,
            u64::MAX,
        ];
        assert_eq!(unpack(&pack(&ids)).unwrap(), ids);
        assert_eq!(unpack(&pack(&[])).unwrap(), Vec::<u64>::new());
        let monday = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let mut memory = Memory::default();
        memory.weeks.insert(
            monday,
            Week {
                swept: monday,
                ids: ids.clone(),
            },
        );
        let value = memory.to_value();
        assert_eq!(Memory::from_value(&value).unwrap().0, memory);
        let mut damaged = value.clone();
        damaged["weeks"][0][2] = json!(3);
        let (read, warnings) = Memory::from_value(&damaged).unwrap();
        assert!(read.weeks.is_empty() && warnings[0].contains("2024-01-01"));
        assert!(Memory::from_value(&json!({"v": 2})).is_err());
    }

    #[test]
    fn weeks_start_on_monday() {
        let t = DateTime::parse_from_rfc3339("2024-01-07T23:59:59Z").unwrap();
        assert_eq!(week_of(t.with_timezone(&Utc)).to_string(), "2024-01-01");
        let t = DateTime::parse_from_rfc3339("2024-01-08T00:00:00Z").unwrap();
        assert_eq!(week_of(t.with_timezone(&Utc)).to_string(), "2024-01-08");
    }
}
