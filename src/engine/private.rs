//! The private-calls filter (`exclude_private_calls`): drops the calls a stream reads from Gong that are
//! marked private. Where a call says so is the stream's `private_flag` (a JSON pointer into the records
//! read from Gong: the stream's own, or its listing's for id-batched streams), so no stream is named.
//!
//! Invariants: only records whose flag is JSON `true` are dropped (a missing flag means "not private");
//! the page keeps the byte ranges of the records it keeps, so it stays a page of the same body.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::gong::page::Page;

/// True when the call record `record` is marked private at `pointer`.
pub(super) fn is_private(record: &str, pointer: &str, path: &str) -> Result<bool> {
    let value: Value = serde_json::from_str(record)
        .map_err(|e| Error::system(format!("A record of {path} is malformed: {e}")))?;
    Ok(value.pointer(pointer) == Some(&Value::Bool(true)))
}

/// Removes from `page` the records marked private at `pointer`.
pub(super) fn drop_private(page: &mut Page, pointer: &str, path: &str) -> Result<()> {
    let mut keep = Vec::with_capacity(page.records.len());
    for i in 0..page.len() {
        if !is_private(page.record(i), pointer, path)? {
            keep.push(page.records[i].clone());
        }
    }
    page.records = keep;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gong::page::parse_page;

    #[test]
    fn only_calls_flagged_true_are_dropped() {
        let body = br#"{"calls":[{"id":"1","isPrivate":true},{"id":"2","isPrivate":false},{"id":"3"},{"id":"4","metaData":{"isPrivate":true}}]}"#;
        let (records, total, _) = parse_page(body, "calls").unwrap();
        let mut page = Page {
            body: bytes::Bytes::from_static(body),
            records,
            total_records: total,
        };
        drop_private(&mut page, "/isPrivate", "/v2/calls").unwrap();
        let ids: Vec<_> = page.values().iter().map(|v| v["id"].clone()).collect();
        assert_eq!(ids, ["2", "3", "4"]);
        drop_private(&mut page, "/metaData/isPrivate", "/v2/calls").unwrap();
        assert_eq!(page.len(), 2);
    }
}
