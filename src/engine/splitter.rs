//! Splits a Gong page into records while its body arrives.
//!
//! A Gong page is one JSON object: `{"requestId":…,"records":{"totalRecords":…,"cursor":…},"calls":[…]}`.
//! Transcript pages run to megabytes (100 calls, some with thousands of sentences each), and the largest
//! pages a sync meets grow with the data. So the engine does not wait for a whole page of the stream it is
//! writing: [`PageSplitter`] scans each chunk as it comes, and records that are complete are taken out
//! ([`PageSplitter::take`]) as the bytes Gong sent, while the rest of the page is still on the wire. A
//! request then holds the record being read plus a chunk, not its page.
//!
//! The page's top level is followed by a small state machine. A record (an object) is parsed by
//! serde_json straight from the buffer, which finds its end and checks it (syntax, UTF-8) in the one
//! pass `parse_page` also makes; a record still incomplete is tried again once its bytes have doubled.
//! Other top-level values (`requestId`, `records`) and scalar records are found by a structural scan
//! (strings, escapes, nesting) and then checked. So a body yields exactly the records
//! [`crate::gong::page::parse_page`] finds in it whole, or an error (the tests check both on every way of
//! cutting bodies into chunks).

use std::ops::Range;

use bytes::{Bytes, BytesMut};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::gong::page::{check_page, not_an_object, Records};

/// Where the top-level scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the page's `{`.
    Open,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,`: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After `:`: the first byte of a value.
    ValueStart,
    /// Inside a key (a string), an other value, or a record.
    Scanning(Scanned),
    /// After a value: `,` or `}`.
    AfterValue,
    /// After the record array's `[`: a record or `]`.
    FirstRecord,
    /// After `,` in the record array: a record.
    Record,
    /// After a record: `,` or `]`.
    AfterRecord,
    /// After the page's `}`: only whitespace may follow.
    End,
}

/// What the value being scanned is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scanned {
    Key,
    /// A top-level value; `records` says it is the page's `records` object, `list` that it is the record
    /// key's value when that is not an array (only `null` is allowed there).
    Value {
        records: bool,
        list: bool,
    },
    Record,
}

/// Finds where one JSON value ends, across chunks. Structural only: serde_json checks the value after.
///
/// An object ends at the `}` that balances its braces, an array at the `]` that balances its brackets:
/// in valid JSON the other kind of bracket cannot change that, so only one kind is counted and the scan
/// jumps over long strings with memchr. Invalid JSON may be cut elsewhere, but then serde_json rejects
/// the piece. Object records do not come here (`PageSplitter::parse_record`); this finds the ends of
/// keys, the page's other fields (`requestId`, `records`) and scalar records.
#[derive(Debug, Default, Clone)]
struct ValueScan {
    /// The value's kind, from its first byte: `{`, `[`, `"`, `0` for a number or literal; 0 before it.
    kind: u8,
    depth: u32,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escaped: bool,
}

impl ValueScan {
    /// Scans from `*pos`; returns the end (exclusive) of the value once it is complete.
    fn scan(&mut self, buf: &[u8], pos: &mut usize) -> Result<Option<usize>, String> {
        let n = buf.len();
        let mut i = *pos;
        if self.kind == 0 {
            let Some(&first) = buf.get(i) else {
                return Ok(None);
            };
            self.kind = match first {
                b'{' | b'[' => {
                    self.depth = 1;
                    i += 1;
                    first
                }
                b'"' => {
                    self.in_string = true;
                    i += 1;
                    first
                }
                b'}' | b']' | b',' | b':' => return Err(format!("unexpected `{}`", first as char)),
                _ => b'0',
            };
        }
        let (open, close) = match self.kind {
            b'{' => (b'{', b'}'),
            b'[' => (b'[', b']'),
            b'"' => (0, 0),
            _ => {
                // A number or literal ends before the first delimiter.
                let end = buf[i..]
                    .iter()
                    .position(|&b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'));
                *pos = end.map_or(n, |k| i + k);
                return Ok(end.map(|k| i + k));
            }
        };
        let (mut depth, mut in_string, mut escaped) = (self.depth, self.in_string, self.escaped);
        let end = 'scan: loop {
            if in_string {
                // Keys and short strings end within a few bytes; long ones (a sentence) are found with
                // memchr.
                loop {
                    if escaped {
                        if i >= n {
                            break 'scan None;
                        }
                        escaped = false;
                        i += 1;
                    }
                    let short = (i + 16).min(n);
                    let mut hit = None;
                    while i < short {
                        let b = buf[i];
                        i += 1;
                        if b == b'"' || b == b'\\' {
                            hit = Some(b);
                            break;
                        }
                    }
                    let b = match hit {
                        Some(b) => b,
                        None if i >= n => break 'scan None,
                        None => match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                            None => break 'scan None,
                            Some(k) => {
                                i += k + 1;
                                buf[i - 1]
                            }
                        },
                    };
                    if b == b'\\' {
                        escaped = true;
                        continue;
                    }
                    in_string = false;
                    if self.kind == b'"' {
                        break 'scan Some(i);
                    }
                    break;
                }
            }
            // Between strings: a few bytes of punctuation and numbers.
            loop {
                if i >= n {
                    break 'scan None;
                }
                let b = buf[i];
                i += 1;
                if b == b'"' {
                    in_string = true;
                    break;
                } else if b == open {
                    depth += 1;
                } else if b == close {
                    depth -= 1;
                    if depth == 0 {
                        break 'scan Some(i);
                    }
                }
            }
        };
        (self.depth, self.in_string, self.escaped) = (depth, in_string, escaped);
        *pos = end.unwrap_or(n);
        Ok(end)
    }
}

/// Records cut out of a page so far: `body` and the record spans inside it.
pub struct Part {
    pub body: Bytes,
    pub records: Vec<Range<usize>>,
}

/// An incremental reader of one page (see the module doc). Feed it with [`push`](Self::push), take complete
/// records with [`take`](Self::take), and call [`finish`](Self::finish) when the body ends.
pub struct PageSplitter {
    record_key: String,
    /// Bytes received and not yet taken; positions below are indices into it.
    buf: BytesMut,
    /// Room a new buffer starts with.
    capacity: usize,
    /// Scanned up to here.
    pos: usize,
    state: State,
    value: ValueScan,
    /// Start of the value being scanned.
    value_start: usize,
    /// The key whose value comes next: is it the record key, is it `records`.
    next_is: (bool, bool),
    /// Complete records in `buf`, and their total length.
    records: Vec<Range<usize>>,
    ready: usize,
    /// Bytes the record in progress had when serde_json last found it incomplete (0: not tried).
    tried: usize,
    meta: Option<Records>,
    /// The record key was in the page, and how many records it held: [`check_page`] at the end.
    key_seen: bool,
    count: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl PageSplitter {
    pub fn new(record_key: &str) -> PageSplitter {
        PageSplitter::with_capacity(record_key, 0)
    }

    /// A splitter whose buffer starts with room for `capacity` bytes.
    pub fn with_capacity(record_key: &str, capacity: usize) -> PageSplitter {
        PageSplitter {
            record_key: record_key.to_string(),
            buf: BytesMut::with_capacity(capacity),
            capacity,
            pos: 0,
            state: State::Open,
            value: ValueScan::default(),
            value_start: 0,
            next_is: (false, false),
            records: Vec::new(),
            ready: 0,
            tried: 0,
            meta: None,
            key_seen: false,
            count: 0,
        }
    }

    /// Bytes of complete records not yet taken.
    pub fn ready_bytes(&self) -> usize {
        self.ready
    }

    /// `records.totalRecords`, once the scan has passed it.
    pub fn total_records(&self) -> Option<u64> {
        self.meta.as_ref().and_then(|m| m.total_records)
    }

    /// The next page's cursor (`None` on the last page); meaningful after [`finish`](Self::finish).
    pub fn cursor(&self) -> Option<String> {
        self.meta
            .as_ref()
            .and_then(|m| m.cursor.clone())
            .filter(|c| !c.is_empty())
    }

    /// Appends a chunk of the body and scans it. An error means the body is not a page with the record
    /// key (the caller retries or fails as for an unreadable body).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), String> {
        self.buf.extend_from_slice(chunk);
        self.scan().map_err(|e| {
            format!(
                "the body is not a JSON object with `{}`: {e}",
                self.record_key
            )
        })
    }

    /// The body has ended: it must have been one whole object.
    pub fn finish(&mut self) -> Result<(), String> {
        if self.state == State::Scanning(Scanned::Record) && self.value.kind != b'0' {
            // A record put off by the doubling rule: the body is all there is.
            if self.parse_record(true)? {
                self.scan().map_err(|e| {
                    format!(
                        "the body is not a JSON object with `{}`: {e}",
                        self.record_key
                    )
                })?;
            }
        }
        if self.state == State::End {
            check_page(
                &self.record_key,
                self.key_seen,
                self.count,
                self.meta.as_ref(),
            )
        } else {
            Err(format!(
                "the body is not a JSON object with `{}`: it ends early",
                self.record_key
            ))
        }
    }

    /// Takes the complete records seen so far (possibly none) with the bytes they are in. Bytes before
    /// the value being scanned go with them, so the splitter keeps only what it still needs.
    pub fn take(&mut self) -> Part {
        let keep_from = match self.state {
            State::Scanning(_) => self.value_start,
            _ => self.pos,
        };
        let body = self.buf.split_to(keep_from).freeze();
        if self.state != State::End {
            // The part keeps the allocation it was cut from: what comes next goes into a new one (with
            // the record in progress), so a part never holds more than about `capacity` bytes.
            self.buf.reserve(self.capacity);
        }
        self.pos -= keep_from;
        self.value_start = self.value_start.saturating_sub(keep_from);
        self.ready = 0;
        Part {
            body,
            records: std::mem::take(&mut self.records),
        }
    }

    fn scan(&mut self) -> Result<(), String> {
        let len = self.buf.len();
        while self.pos < len {
            if let State::Scanning(what) = self.state {
                if what == Scanned::Record && self.value.kind != b'0' {
                    if !self.parse_record(false)? {
                        return Ok(());
                    }
                    continue;
                }
                let Some(end) = self.value.scan(&self.buf, &mut self.pos)? else {
                    return Ok(());
                };
                self.value_done(what, self.value_start..end)?;
                continue;
            }
            let b = self.buf[self.pos];
            if is_space(b) {
                self.pos += 1;
                continue;
            }
            let start_value = |s: &mut Self, what: Scanned| {
                s.value = ValueScan::default();
                s.value_start = s.pos;
                s.state = State::Scanning(what);
                if what == Scanned::Record && !matches!(s.buf[s.pos], b'{' | b'[' | b'"') {
                    s.value.kind = b'0'; // a number or literal: scanned to its delimiter
                }
                s.tried = 0;
            };
            match (self.state, b) {
                (State::Open, b'{') => self.state = State::FirstKey,
                (State::FirstKey, b'}') | (State::AfterValue, b'}') => self.state = State::End,
                (State::FirstKey | State::Key, b'"') => {
                    start_value(self, Scanned::Key);
                    continue;
                }
                (State::Colon, b':') => self.state = State::ValueStart,
                (State::ValueStart, b'[') if self.next_is.0 => self.state = State::FirstRecord,
                (State::ValueStart, _) => {
                    let (list, records) = self.next_is;
                    start_value(self, Scanned::Value { records, list });
                    continue; // the value's first byte is the scanner's
                }
                (State::AfterValue, b',') => self.state = State::Key,
                (State::FirstRecord, b']') | (State::AfterRecord, b']') => {
                    self.state = State::AfterValue
                }
                (State::FirstRecord | State::Record, b) => {
                    if b != b'{' {
                        return Err(not_an_object(&self.record_key));
                    }
                    start_value(self, Scanned::Record);
                    continue;
                }
                (State::AfterRecord, b',') => self.state = State::Record,
                (state, b) => {
                    return Err(format!(
                        "unexpected `{}` at byte {} ({state:?})",
                        b.escape_ascii(),
                        self.pos
                    ))
                }
            }
            self.pos += 1;
        }
        Ok(())
    }

    /// Parses the record that starts at `value_start` with serde_json, which finds its end and checks it
    /// in one pass. `Ok(false)` while it is incomplete: it is tried again once the bytes available for
    /// it have doubled (or, with `last`, now), so a record spanning many chunks costs at most about twice
    /// its parse.
    fn parse_record(&mut self, last: bool) -> Result<bool, String> {
        let start = self.value_start;
        let available = self.buf.len() - start;
        if !last && self.tried > 0 && available < 2 * self.tried {
            self.pos = self.buf.len();
            return Ok(false);
        }
        // Up to the last byte after which serde_json's answer cannot depend on what follows: a number
        // cut short (`1.`) would be a syntax error, a string or container cut short is end of input.
        let Some(limit) = memchr::memrchr3(b'}', b']', b'"', &self.buf[start..]) else {
            self.pos = self.buf.len();
            return Ok(false);
        };
        let mut de = serde_json::Deserializer::from_slice(&self.buf[start..start + limit + 1]);
        match <&RawValue>::deserialize(&mut de) {
            Ok(raw) => {
                let end = start + raw.get().len();
                self.pos = end;
                self.ready += end - start;
                self.records.push(start..end);
                self.count += 1;
                self.state = State::AfterRecord;
                Ok(true)
            }
            Err(e) if e.is_eof() => {
                self.tried = available;
                self.pos = self.buf.len();
                Ok(false)
            }
            Err(e) => Err(format!("a record is malformed: {e}")),
        }
    }

    /// A value the scanner found whole at `span`: check it with serde_json and use it.
    fn value_done(&mut self, what: Scanned, span: Range<usize>) -> Result<(), String> {
        let bytes = &self.buf[span.clone()];
        match what {
            Scanned::Key => {
                let key: std::borrow::Cow<str> = serde_json::from_slice(bytes)
                    .map_err(|e| format!("a key is malformed: {e}"))?;
                self.next_is = (key == self.record_key, key == "records");
                self.key_seen |= self.next_is.0;
                self.state = State::Colon;
            }
            Scanned::Value { records, list } => {
                if records {
                    let meta: Option<Records> = serde_json::from_slice(bytes)
                        .map_err(|e| format!("`records` is malformed: {e}"))?;
                    self.meta = Some(meta.unwrap_or_default());
                } else if list {
                    // The record key with no array: Gong's `null` means no records.
                    if bytes != b"null" {
                        return Err(format!("`{}` is not an array", self.record_key));
                    }
                } else {
                    serde_json::from_slice::<IgnoredAny>(bytes)
                        .map_err(|e| format!("a field is malformed: {e}"))?;
                }
                self.state = State::AfterValue;
            }
            Scanned::Record => {
                // RawValue checks the syntax and that the text is UTF-8, as the whole-page parse does.
                serde_json::from_slice::<&RawValue>(bytes)
                    .map_err(|e| format!("a record is malformed: {e}"))?;
                self.ready += span.len();
                self.records.push(span);
                self.count += 1;
                self.state = State::AfterRecord;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gong::page::parse_page;

    /// A page's records as text, its total and its cursor.
    type Read = (Vec<String>, Option<u64>, Option<String>);

    /// Every record the splitter hands out, as text, when `body` arrives in chunks of `chunk` bytes and
    /// parts are taken after every chunk; with the page's total and cursor.
    fn split(body: &[u8], key: &str, chunk: usize) -> Result<Read, String> {
        let mut s = PageSplitter::new(key);
        let mut out = Vec::new();
        let mut collect = |part: Part| {
            for r in part.records {
                out.push(String::from_utf8(part.body[r].to_vec()).unwrap());
            }
        };
        for c in body.chunks(chunk.max(1)) {
            s.push(c)?;
            collect(s.take());
        }
        s.finish()?;
        collect(s.take());
        Ok((out, s.total_records(), s.cursor()))
    }

    fn whole(body: &[u8], key: &str) -> Result<Read, String> {
        let (ranges, total, cursor) = parse_page(body, key)?;
        let records = ranges
            .into_iter()
            .map(|r| String::from_utf8(body[r].to_vec()).unwrap())
            .collect();
        Ok((records, total, cursor))
    }

    const PAGES: &[&str] = &[
        r#"{"requestId":"r1","records":{"totalRecords":3,"currentPageSize":2,"cursor":"c\"2"},"calls":[{"id":"1","t":"a \"q\" \\ b"} , {"id":"2","n":[1,2,{"x":null}]}]}"#,
        r#" { "calls" : [ { } , {"a":[1, -2.5e3, "s]}", true, null]} ] , "records" : { "totalRecords" : 7 } } "#,
        r#"{"requestId":"r","calls":null}"#,
        r#"{"requestId":"r","records":{"totalRecords":0}}"#,
        r#"{"calls":[]}"#,
        r#"{"other":{"calls":[{"no":1}]},"calls":[{"yes":"é ✓ \u2028"}],"records":null}"#,
        r#"{"c\u0061lls":[{"escaped key":true}]}"#,
    ];

    /// Answers that are not pages of the endpoint: both readers refuse them, however they are cut.
    const NOT_PAGES: &[&str] = &[
        r#"{"calls":[{"id":"1"}, 1]}"#,
        r#"{"calls":[null]}"#,
        r#"{"calls":["s"]}"#,
        r#"{"calls":[[{"id":"1"}]]}"#,
        r#"{"requestId":"r"}"#,
        r#"{"status":"ok"}"#,
        r#"{}"#,
        r#"{"records":{"totalRecords":3,"currentPageSize":2},"calls":[{"id":"1"}]}"#,
    ];

    #[test]
    fn refuses_what_is_not_a_page_on_every_chunking() {
        for page in NOT_PAGES {
            assert!(whole(page.as_bytes(), "calls").is_err(), "{page}");
            for chunk in 1..=page.len() {
                assert!(
                    split(page.as_bytes(), "calls", chunk).is_err(),
                    "{page} in {chunk}"
                );
            }
        }
    }

    #[test]
    fn agrees_with_the_whole_page_parse_on_every_chunking() {
        for page in PAGES {
            let expected = whole(page.as_bytes(), "calls").unwrap();
            for chunk in 1..=page.len() {
                assert_eq!(
                    split(page.as_bytes(), "calls", chunk).unwrap(),
                    expected,
                    "{page} in chunks of {chunk}"
                );
            }
        }
    }

    #[test]
    fn rejects_what_the_whole_page_parse_rejects() {
        let bad: &[&str] = &[
            "<html>",
            r#"{"calls": 5}"#,
            r#"{"calls": [{"id": 1}"#,
            r#"{"calls": [{"id": 1},]}"#,
            r#"{"calls": [{"id": tru}]}"#,
            r#"{"calls": [{"id": 1}]"#,
            r#"{"calls": [{"id": 1}]}}"#,
            r#"{"calls": [{"id": 1}],}"#,
            r#"{"calls" [1]}"#,
            r#"{"calls": [1 2]}"#,
            r#"{"records": {"cursor": 5}, "calls": []}"#,
            r#"{"calls": [{"id": "1}]}"#,
            r#"{"a": 1 "calls": []}"#,
            r#"{"calls": [}]}"#,
            "",
        ];
        for page in bad {
            assert!(whole(page.as_bytes(), "calls").is_err(), "{page}");
            for chunk in 1..=page.len().max(1) {
                assert!(
                    split(page.as_bytes(), "calls", chunk).is_err(),
                    "{page} in chunks of {chunk}"
                );
            }
        }
        // Invalid UTF-8 inside a record.
        let mut page = br#"{"calls":[{"t":""#.to_vec();
        page.extend_from_slice(&[0xff, 0xfe]);
        page.extend_from_slice(br#""}]}"#);
        assert!(whole(&page, "calls").is_err());
        assert!(split(&page, "calls", 3).is_err());
    }

    #[test]
    fn keeps_only_the_record_in_progress() {
        // A page of 200 records of ~1 KiB, taken every 4 KiB: the splitter never holds more than a
        // record and a chunk.
        let record = format!(r#"{{"id":"x","text":"{}"}}"#, "w".repeat(1000));
        let page = format!(
            r#"{{"records":{{"totalRecords":200}},"calls":[{}]}}"#,
            vec![record.as_str(); 200].join(",")
        );
        let mut s = PageSplitter::new("calls");
        let mut n = 0;
        for c in page.as_bytes().chunks(4096) {
            s.push(c).unwrap();
            assert!(s.buf.len() <= 4096 + record.len() + 64, "{}", s.buf.len());
            n += s.take().records.len();
            assert!(s.buf.len() <= record.len() + 1);
        }
        s.finish().unwrap();
        n += s.take().records.len();
        assert_eq!((n, s.total_records(), s.cursor()), (200, Some(200), None));
    }
}
