//! Deletion records: what a stream receives for a call Gong deleted. Each holds the stream's primary key,
//! its cursor at an upper bound of the deleted record's value (see `sweep::cursor_bound`) and
//! `_ab_cdc_deleted_at`, the time the deletion was found; nothing else. Append + dedup destinations rank
//! a key's records by cursor, then by extraction time, so such a record wins over the row it deletes.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::sweep::Deleted;
use crate::gong::values::fmt_dt;
use crate::streams::{Deletes, StreamDef, DELETED_AT};

/// The deletion records of `def` for `deleted`, as JSON object text; none for a stream deletions do not
/// reach.
pub fn records(def: &StreamDef, deleted: &[Deleted], found_at: DateTime<Utc>) -> Vec<String> {
    let (Some(&id_field), Some(cursor)) = (def.primary_key.first(), def.cursor) else {
        return Vec::new();
    };
    let variants: &[&str] = match def.deletes {
        Deletes::Never => return Vec::new(),
        Deletes::PerCall => &[""],
        Deletes::PerCallAnd(values) => values,
    };
    let found = Value::String(fmt_dt(found_at));
    let mut out = Vec::with_capacity(deleted.len() * variants.len());
    for d in deleted {
        for variant in variants {
            let mut record = Map::new();
            record.insert(id_field.into(), Value::String(d.id.to_string()));
            if let (Deletes::PerCallAnd(_), Some(&field)) = (def.deletes, def.primary_key.get(1)) {
                record.insert(field.into(), Value::String((*variant).into()));
            }
            record.insert(cursor.into(), Value::String(fmt_dt(d.cursor)));
            record.insert(DELETED_AT.into(), found.clone());
            out.push(Value::Object(record).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::streams::find;

    #[test]
    fn each_stream_gets_its_key_and_cursor() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let gone = [Deleted {
            id: 42,
            cursor: at("2024-01-09T00:00:00Z"),
        }];
        let found = at("2024-02-01T10:00:00Z");
        let one = |name: &str| records(find(name).unwrap(), &gone, found);
        assert_eq!(
            one("calls"),
            [
                r#"{"id":"42","started":"2024-01-09T00:00:00Z","_ab_cdc_deleted_at":"2024-02-01T10:00:00Z"}"#
            ]
        );
        assert_eq!(
            one("call_transcripts"),
            [
                r#"{"callId":"42","callStarted":"2024-01-09T00:00:00Z","_ab_cdc_deleted_at":"2024-02-01T10:00:00Z"}"#
            ]
        );
        let media = one("call_media");
        assert_eq!(media.len(), 2);
        assert!(media[1].contains(r#""kind":"video""#), "{media:?}");
        assert!(one("users").is_empty());
        assert!(one("calls_manual_crm_associations").is_empty());
    }
}
