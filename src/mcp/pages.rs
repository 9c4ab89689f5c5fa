//! Large list results cut to a size an agent can take, and the continuation token that resumes them.
//!
//! A list tool returns whole records of one Gong page, starting at an offset, up to a limit on the
//! characters of their JSON; a record is never cut. The first record is always returned, even over
//! the limit (alone, with a note). When records remain, in this page or in Gong's next one, the result
//! carries a continuation token: base64url of `{"p": params, "c": gong_cursor, "o": offset}`, where `c`
//! is the cursor that fetches the page the next record is on (absent for the first page) and `o` the
//! record's index in that page. Resuming inside a page fetches that page again: one more Gong request.
//!
//! Invariant: following the tokens from a first call returns every record of the list exactly once, in
//! Gong's order (as long as Gong's pages are stable).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::{Error, Result};

/// Where a list resumes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Continuation {
    /// The seed parameters of the first call (without `cursor`).
    #[serde(rename = "p")]
    pub params: Value,
    /// Gong's cursor of the page to fetch; `None` for the first page.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Index of the first record to return in that page.
    #[serde(rename = "o", default)]
    pub offset: usize,
}

impl Continuation {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(token: &str) -> Result<Continuation> {
        let bad = || {
            Error::config(
                "`continuation_token` is not a token this server gave out; pass it exactly as returned.",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| bad())?;
        let c: Continuation = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if !c.params.is_object() {
            return Err(bad());
        }
        Ok(c)
    }

    /// The seed parameters that fetch this continuation's page.
    pub fn page_params(&self) -> Value {
        let mut params = self.params.clone();
        if let (Some(cursor), Some(obj)) = (&self.cursor, params.as_object_mut()) {
            obj.insert("cursor".into(), Value::String(cursor.clone()));
        }
        params
    }
}

/// The part of a page to return.
#[derive(Debug, PartialEq)]
pub struct Cut {
    /// Records `start..end` of the page.
    pub start: usize,
    pub end: usize,
    /// Characters of JSON in those records.
    pub chars: usize,
    /// The one record returned is over the limit by itself.
    pub oversized: bool,
}

/// Which records of `records[offset..]` fit in `limit` characters (at least one, when any remain).
pub fn cut(records: &[Box<RawValue>], offset: usize, limit: usize) -> Cut {
    let start = offset.min(records.len());
    let mut end = start;
    let mut chars = 0;
    for record in &records[start..] {
        let size = record.get().chars().count();
        if end > start && chars + size > limit {
            break;
        }
        chars += size;
        end += 1;
    }
    Cut {
        start,
        end,
        chars,
        oversized: end == start + 1 && chars > limit,
    }
}

/// The token after `cut` of the page fetched by `at`, or `None` when the list is finished.
/// `next_cursor` is Gong's cursor for the page after this one.
pub fn next(
    at: &Continuation,
    cut: &Cut,
    page_len: usize,
    next_cursor: Option<&str>,
) -> Option<Continuation> {
    if cut.end < page_len {
        return Some(Continuation {
            offset: cut.end,
            ..at.clone()
        });
    }
    next_cursor.map(|cursor| Continuation {
        params: at.params.clone(),
        cursor: Some(cursor.to_string()),
        offset: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn records(sizes: &[usize]) -> Vec<Box<RawValue>> {
        sizes
            .iter()
            .map(|&n| RawValue::from_string(format!("\"{}\"", "x".repeat(n - 2))).unwrap())
            .collect()
    }

    #[test]
    fn cuts_whole_records_up_to_the_limit() {
        let page = records(&[10, 10, 10, 10]);
        assert_eq!(
            cut(&page, 0, 25),
            Cut {
                start: 0,
                end: 2,
                chars: 20,
                oversized: false
            }
        );
        assert_eq!(cut(&page, 2, 25).end, 4);
        assert_eq!(cut(&page, 0, 40).end, 4);
        assert_eq!(
            cut(&page, 4, 40),
            Cut {
                start: 4,
                end: 4,
                chars: 0,
                oversized: false
            }
        );
    }

    #[test]
    fn a_record_over_the_limit_comes_alone() {
        let page = records(&[10, 50, 10]);
        assert_eq!(cut(&page, 0, 30).end, 1);
        let c = cut(&page, 1, 30);
        assert_eq!((c.start, c.end, c.oversized), (1, 2, true));
    }

    #[test]
    fn tokens_resume_inside_a_page_then_at_gongs_cursor() {
        let first = Continuation {
            params: json!({"filter": {}}),
            cursor: None,
            offset: 0,
        };
        let page = records(&[10, 10, 10]);
        let c = cut(&page, 0, 15);
        let inside = next(&first, &c, page.len(), Some("G2")).unwrap();
        assert_eq!((inside.cursor.as_deref(), inside.offset), (None, 1));
        let c = cut(&page, 1, 100);
        let after = next(&inside, &c, page.len(), Some("G2")).unwrap();
        assert_eq!((after.cursor.as_deref(), after.offset), (Some("G2"), 0));
        assert_eq!(after.page_params(), json!({"filter": {}, "cursor": "G2"}));
        assert_eq!(next(&after, &cut(&page, 0, 100), page.len(), None), None);
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_a_config_error() {
        let t = Continuation {
            params: json!({"a": 1}),
            cursor: Some("c".into()),
            offset: 7,
        };
        assert_eq!(Continuation::decode(&t.encode()).unwrap(), t);
        let e = Continuation::decode("not a token!").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Config);
        let e = Continuation::decode(&URL_SAFE_NO_PAD.encode(b"[1]")).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Config);
    }
}
