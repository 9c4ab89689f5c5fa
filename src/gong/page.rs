//! One page of a Gong list endpoint: `{"records": {"totalRecords", "cursor", …}, "<record key>": [...]}`.
//!
//! [`parse_page`] splits a whole body into the byte ranges of its records in one pass, without building
//! them; [`Page`] keeps Gong's bytes and those ranges, so records are passed on byte for byte. Invariant:
//! every range of a [`Page`] is the span of a JSON value that serde_json parsed out of `body` as UTF-8.

use std::ops::Range;

use bytes::Bytes;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// Gong's page size; batches of call ids follow it.
pub const PAGE_SIZE: usize = 100;

/// One page of records, kept as the bytes Gong sent.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub body: Bytes,
    /// Byte ranges of each record inside `body`.
    pub records: Vec<Range<usize>>,
    pub total_records: Option<u64>,
}

impl Page {
    pub fn record(&self, i: usize) -> &str {
        let bytes = &self.body[self.records[i].clone()];
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: every range is the span of a `&str` (a RawValue's text) that serde_json parsed out
        // of `body` and checked to be UTF-8 (`parse_page`), and `body` is immutable. Checking again
        // here cost a tenth of the connector's CPU.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Records parsed as values, for parent lists (workspaces, users, folders).
    pub fn values(&self) -> Vec<Value> {
        (0..self.len())
            .filter_map(|i| serde_json::from_str(self.record(i)).ok())
            .collect()
    }
}

/// `records` of a page: Gong's count of the whole result, of this page, and the next page's cursor.
#[derive(Deserialize, Default)]
pub struct Records {
    #[serde(rename = "totalRecords")]
    pub total_records: Option<u64>,
    #[serde(rename = "currentPageSize")]
    pub current_page_size: Option<u64>,
    pub cursor: Option<String>,
}

/// Checks that a parsed answer is a page of the endpoint, not something else that happens to be JSON (a
/// proxy's `{"status":"ok"}`, a maintenance page, a misrouted base URL, a renamed field): the record key
/// is there (or `records` says the result is empty), and `records.currentPageSize`, when sent, counts the
/// records the page holds. Taking such an answer as "no data" would move cursors past data never read.
pub fn check_page(
    record_key: &str,
    key_seen: bool,
    count: usize,
    meta: Option<&Records>,
) -> std::result::Result<(), String> {
    let says_empty =
        meta.is_some_and(|m| m.total_records == Some(0) || m.current_page_size == Some(0));
    if !key_seen && !says_empty {
        return Err(format!(
            "the answer has no `{record_key}` (is the base URL Gong's API?)"
        ));
    }
    if let Some(n) = meta.and_then(|m| m.current_page_size) {
        if n != count as u64 {
            return Err(format!(
                "`records.currentPageSize` says {n} records but `{record_key}` holds {count}"
            ));
        }
    }
    Ok(())
}

/// The message of a record that is not a JSON object (Airbyte records are objects).
pub fn not_an_object(record_key: &str) -> String {
    format!("a record of `{record_key}` is not a JSON object")
}

/// Splits a page into record byte ranges without building the records.
/// A page split into record ranges, with `records.totalRecords` and `records.cursor`.
pub type ParsedPage = (Vec<Range<usize>>, Option<u64>, Option<String>);

pub fn parse_page(body: &[u8], record_key: &str) -> std::result::Result<ParsedPage, String> {
    // One pass over the body: the record array is split into raw spans as it is read, `records` is
    // parsed, and every other field is skipped without building it.
    let mut de = serde_json::Deserializer::from_slice(body);
    let (items, records, key_seen) = PageSeed { record_key }
        .deserialize(&mut de)
        .and_then(|parsed| de.end().map(|()| parsed))
        .map_err(|e| format!("the body is not a JSON object with `{record_key}`: {e}"))?;
    check_page(record_key, key_seen, items.len(), records.as_ref())?;
    if items.iter().any(|item| !item.get().starts_with('{')) {
        return Err(not_an_object(record_key));
    }
    let (total, cursor) = match records {
        Some(r) => (r.total_records, r.cursor.filter(|c| !c.is_empty())),
        None => (None, None),
    };
    let base = body.as_ptr() as usize;
    let ranges = items
        .iter()
        .map(|item| {
            let start = item.get().as_ptr() as usize - base;
            start..start + item.get().len()
        })
        .collect();
    Ok((ranges, total, cursor))
}

/// Reads a page's top level in one pass: the records under `record_key` as raw spans, and `records`.
struct PageSeed<'k> {
    record_key: &'k str,
}

/// The records, `records`, and whether the record key was there at all.
type PageParts<'de> = (Vec<&'de RawValue>, Option<Records>, bool);

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = PageParts<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = PageParts<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        let mut records = None;
        let mut key_seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.record_key {
                key_seen = true;
                items = map.next_value::<Spans<'de>>()?.0;
            } else if key == "records" {
                records = map.next_value::<Option<Records>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok((items, records, key_seen))
    }
}

/// The records under a page's record key, read in the same pass as the page: a list's items, or, where
/// the key holds a map of lists (crm/entity-schema's `objectTypeToSelectedFields`: object type →
/// fields), the items of every list in the map's key order (a key given twice keeps its last list);
/// `null` is no records. Spans stay inside the page's body, as the parser borrows them from it. (Taking
/// the value whole first and parsing it again scanned every page twice.)
struct Spans<'de>(Vec<&'de RawValue>);

impl<'de> Deserialize<'de> for Spans<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(SpansVisitor)
    }
}

struct SpansVisitor;

impl<'de> Visitor<'de> for SpansVisitor {
    type Value = Spans<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of records, a map of lists of records, or null")
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(Spans(Vec::new()))
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            items.push(item);
        }
        Ok(Spans(items))
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut lists = std::collections::BTreeMap::new();
        while let Some((key, list)) = map.next_entry::<String, Option<Vec<&'de RawValue>>>()? {
            lists.insert(key, list);
        }
        Ok(Spans(lists.into_values().flatten().flatten().collect()))
    }
}

/// The raw value of `key` when it is the record's first field, as Gong writes `callId` and
/// `metaData`; `None` otherwise (the caller then parses the whole record). Reads only that value.
pub fn leading_field<'a>(record: &'a str, key: &str) -> Option<&'a str> {
    let rest = record.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest
        .strip_prefix('"')?
        .strip_prefix(key)?
        .strip_prefix('"')?;
    let rest = rest.trim_start().strip_prefix(':')?;
    let mut de = serde_json::Deserializer::from_str(rest);
    <&RawValue>::deserialize(&mut de).ok().map(RawValue::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ranges_point_at_records() {
        let body = br#"{"requestId":"r","records":{"totalRecords":2,"currentPageSize":2,"currentPageNumber":0,"cursor":"abc"},"calls":[{"id":"1","x":[1,2]} , {"id":"2"}]}"#;
        let (ranges, total, cursor) = parse_page(body, "calls").unwrap();
        assert_eq!(total, Some(2));
        assert_eq!(cursor.as_deref(), Some("abc"));
        let texts: Vec<&str> = ranges
            .iter()
            .map(|r| std::str::from_utf8(&body[r.clone()]).unwrap())
            .collect();
        assert_eq!(texts, vec![r#"{"id":"1","x":[1,2]}"#, r#"{"id":"2"}"#]);
    }

    #[test]
    fn a_map_of_lists_gives_every_list_s_records_in_key_order() {
        let body = br#"{"requestId":"r","objectTypeToSelectedFields":{"DEAL":[{"n":"d1"},{"n":"d2"}],"ACCOUNT":[{"n":"a1"}],"LEAD":null,"CONTACT":[]}}"#;
        let (ranges, _, _) = parse_page(body, "objectTypeToSelectedFields").unwrap();
        let texts: Vec<&str> = ranges
            .iter()
            .map(|r| std::str::from_utf8(&body[r.clone()]).unwrap())
            .collect();
        assert_eq!(texts, [r#"{"n":"a1"}"#, r#"{"n":"d1"}"#, r#"{"n":"d2"}"#]);
        let dup = br#"{"m":{"A":[{"n":1}],"A":[{"n":2}]}}"#;
        let (ranges, _, _) = parse_page(dup, "m").unwrap();
        assert_eq!(&dup[ranges[0].clone()], br#"{"n":2}"#);
        assert!(parse_page(br#"{"m":{"A":[1]}}"#, "m").is_err());
        assert!(parse_page(br#"{"m":{"A":{"n":1}}}"#, "m").is_err());
    }

    #[test]
    fn null_records_are_empty_and_bad_bodies_are_errors() {
        let (r, _, c) =
            parse_page(br#"{"requestId":"r","workspaces":null}"#, "workspaces").unwrap();
        assert!(r.is_empty() && c.is_none());
        let empty = br#"{"requestId":"r","records":{"totalRecords":0,"currentPageSize":0}}"#;
        assert!(parse_page(empty, "users").unwrap().0.is_empty());
        let missing = parse_page(br#"{"requestId":"r"}"#, "users").unwrap_err();
        assert!(missing.contains("no `users`"), "{missing}");
        assert!(parse_page(br#"{"status":"ok"}"#, "users").is_err());
        for scalar in ["null", "1", "\"s\"", "[1]"] {
            let body = format!(r#"{{"users":[{{"id":"1"}},{scalar}]}}"#);
            let e = parse_page(body.as_bytes(), "users").unwrap_err();
            assert!(e.contains("not a JSON object"), "{scalar}: {e}");
        }
        let short = br#"{"records":{"totalRecords":5,"currentPageSize":3},"users":[{"id":"1"}]}"#;
        assert!(parse_page(short, "users")
            .unwrap_err()
            .contains("currentPageSize"));
        assert!(parse_page(b"<html>", "users").is_err());
        assert!(parse_page(br#"{"users": 5}"#, "users").is_err());
        assert!(parse_page(br#"{"users": [{"id": 1}"#, "users").is_err());
    }
}
