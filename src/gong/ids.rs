//! Every Gong id leaves the connector as a JSON string with Gong's exact digits.
//!
//! Gong sends most ids as strings, but its scorecard endpoints send them as JSON integers, many above
//! 2^53 (`answeredScorecardId`, `scorecardId`, `callId`, `reviewedUserId`, `questionId`, …), which a
//! consumer reading numbers as doubles corrupts and a warehouse cannot join to the string ids of every
//! other stream. [`quote_ids`] rewrites only those tokens in a record's raw bytes: it scans the record's
//! structure (strings with their escapes, nesting) and puts quotes around each number that is the value
//! of an id key ([`is_id_key`]), or an item of an array that is. Everything else is passed through byte
//! for byte, and a record without such a number is not copied at all.
//!
//! Which keys are ids, from every property of Gong's OpenAPI document (checked by a test against it):
//! `id`, `ids` and every camelCase key ending in `Id`, `Ids`, `ID` or `IDs`. Gong's spec types these as
//! integers: `answeredScorecardId`, `scorecardId`, `callId`, `reviewedUserId`, `reviewerUserId`,
//! `questionId`, `questionRevisionId` (answered scorecards and their answers), `scorecardId`,
//! `workspaceId`, `updaterUserId`, `questionId`, `questionRevisionId` (scorecard settings), the answer
//! options' `id` (the values `selectedOptions` holds as strings), and `integrationId` (CRM integrations);
//! all others are strings already. The one integer key ending in `Id` that is not an object's id is
//! `mediaChannelId` (an audio channel, 0 or 1): [`NOT_IDS`] keeps it a number.
//!
//! Any number token under an id key is quoted as it was written (`-5` becomes `"-5"`, `1.5e3`
//! `"1.5e3"`): Gong's ids are non-negative integers, so such a value is not one Gong documents, but
//! quoting it keeps the catalog's promise (every id is a string) without losing a character, where
//! leaving it a number would break the record's schema and failing would stop a sync over one value.
//! `null`, `true` and `false` stay as they are.
//!
//! Most records hold no number under an id key (every stream but the scorecard ones), so a cheap
//! pre-check ([`may_hold_number_ids`]: a vectorised pass for a `:` with an id key's last byte and a
//! quote before it and a number or an array after it, then a closer look at the colons of the blocks
//! that have one) lets them through untouched before the structural scan runs; it may say "maybe"
//! wrongly, never "no".
//!
//! Input is a JSON value that serde_json has already checked (a record of a page); on other input the
//! scan never panics, but what it returns is unspecified.

use std::borrow::Cow;

/// Keys that look like ids but hold other numbers.
pub const NOT_IDS: &[&str] = &["mediaChannelId"];

/// True for a key whose values are Gong ids (see the module doc).
pub fn is_id_key(key: &str) -> bool {
    if NOT_IDS.contains(&key) {
        return false;
    }
    key == "id"
        || key == "ids"
        || ["Id", "Ids", "ID", "IDs"]
            .iter()
            .any(|suffix| key.len() > suffix.len() && key.ends_with(suffix))
}

/// A container the scan is inside.
#[derive(Clone, Copy)]
enum Frame {
    Object,
    /// An array; `true` when its items are ids (it is an id key's value, or an item of such an array).
    Array(bool),
}

/// `record` with every number that is an id's value in quotes (see the module doc); borrowed when
/// there is none.
pub fn quote_ids(record: &str) -> Cow<'_, str> {
    if !may_hold_number_ids(record.as_bytes()) {
        return Cow::Borrowed(record);
    }
    scan_ids(record)
}

/// [`quote_ids`] without the pre-check: the structural scan of every byte.
pub fn scan_ids(record: &str) -> Cow<'_, str> {
    let bytes = record.as_bytes();
    let n = bytes.len();
    let mut stack: Vec<Frame> = Vec::new();
    // In an object: the next string is a key; the current member's key is an id key.
    let mut at_key = false;
    let mut key_is_id = false;
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < n {
        match bytes[i] {
            b'"' => {
                let (end, escaped) = string_end(bytes, i + 1);
                if at_key {
                    key_is_id = key_at(record, i, end, escaped);
                    at_key = false;
                }
                i = end;
            }
            b'{' => {
                stack.push(Frame::Object);
                at_key = true;
                key_is_id = false;
                i += 1;
            }
            b'[' => {
                let ids = value_is_id(&stack, key_is_id);
                stack.push(Frame::Array(ids));
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                at_key = matches!(stack.last(), Some(Frame::Object));
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let end = number_end(bytes, i);
                if value_is_id(&stack, key_is_id) {
                    let text = out.get_or_insert_with(|| String::with_capacity(n + 64));
                    text.push_str(&record[copied..i]);
                    text.push('"');
                    text.push_str(&record[i..end]);
                    text.push('"');
                    copied = end;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(record),
        Some(mut text) => {
            text.push_str(&record[copied..]);
            Cow::Owned(text)
        }
    }
}

/// False when no member of the record can be a number under an id key: no `:` is followed by a number
/// or an array and preceded by a key that ends like an id key (`id`, `Id`, `ID`, `ids`, `Ids`, `IDs`)
/// or holds an escape near its end (an escaped key is decoded by the full scan). Colons inside strings
/// only make it say "maybe" more often.
///
/// Most records have a colon every 20-30 bytes, so the colons are not visited one by one: a branch-free
/// pass over blocks of [`BLOCK`] bytes (which the compiler vectorises) looks for a colon whose
/// neighbours could make it one of an id number ([`block_may_hold`]), and only a block that has one is
/// checked colon by colon ([`colon_may_hold`]). With AVX2 (nearly every x86-64 CPU since 2013, detected
/// at run time) the first pass is compiled for it and runs about twice as fast.
pub fn may_hold_number_ids(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { blocks_avx2(bytes) };
    }
    blocks(bytes)
}

/// [`blocks`] compiled for AVX2: the first pass takes 32 bytes at a time, not SSE2's 16.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn blocks_avx2(bytes: &[u8]) -> bool {
    blocks(bytes)
}

/// [`may_hold_number_ids`]'s two passes.
#[inline(always)]
fn blocks(bytes: &[u8]) -> bool {
    let n = bytes.len();
    // The first four bytes, which no block's window can have four bytes before: colon by colon.
    if memchr::memchr_iter(b':', &bytes[..n.min(4)]).any(|k| colon_may_hold(bytes, k)) {
        return true;
    }
    let mut start = 4;
    while start < n {
        let end = (start + BLOCK).min(n);
        // A block with the four bytes before it and the one after; the record's last block is
        // padded with `x`, which is no colon, quote, whitespace or number (a colon at the record's
        // end has no value after it).
        let maybe = match bytes
            .get(start - 4..end + 1)
            .and_then(|w| <&[u8; BLOCK + 5]>::try_from(w).ok())
        {
            Some(window) => block_may_hold(window),
            None => {
                let mut window = [b'x'; BLOCK + 5];
                window[..n - (start - 4)].copy_from_slice(&bytes[start - 4..]);
                block_may_hold(&window)
            }
        };
        if maybe
            && memchr::memchr_iter(b':', &bytes[start..end])
                .any(|k| colon_may_hold(bytes, start + k))
        {
            return true;
        }
        start = end;
    }
    false
}

/// Bytes per block of [`may_hold_number_ids`]'s first pass.
const BLOCK: usize = 64;

/// Whether a colon at one of the positions 4..BLOCK+4 of `w` may be one of an id number, from its
/// neighbours alone: the key's closing quote before it, after bytes an id key can end with, and a
/// number or an array after it; whitespace on either side makes it a candidate too (checked by
/// [`colon_may_hold`]). An id key decodes to one ending in `id`, `Id`, `ID`, `ids`, `Ids` or `IDs`,
/// and each of those characters is either itself or an escape, which ends in a digit: `\u0069` and
/// `\u0049` in `9`, `\u0064` and `\u0044` in `4` (after a `6` or a `4`), `\u0073` in `3`; a key
/// ending in `3` or `4` before its quote is always a candidate. So every colon the full scan could
/// quote a number after is a candidate (Gong's `"methods":[…]`, ending in `ds`, is not).
#[inline(always)]
fn block_may_hold(w: &[u8; BLOCK + 5]) -> bool {
    // Few operations a byte: `| 0x20` folds case, `<= b' '` takes JSON's whitespace (and control
    // bytes, which valid JSON has only there).
    let mut hit = false;
    for j in 0..BLOCK {
        let (third, second, last) = (w[j], w[j + 1], w[j + 2]);
        let (before, at, after) = (w[j + 3], w[j + 4], w[j + 5]);
        let id = ((last | 0x20) == b'd') & (((second | 0x20) == b'i') | (second == b'9'));
        let ids = (last == b's')
            & (((second | 0x20) == b'd') | (second == b'4'))
            & (((third | 0x20) == b'i') | (third.wrapping_sub(b'0') < 10));
        let escaped = last.wrapping_sub(b'3') < 2;
        let key = ((before == b'"') & (id | ids | escaped)) | (before <= b' ');
        let value =
            (after.wrapping_sub(b'0') < 10) | (after == b'-') | (after == b'[') | (after <= b' ');
        hit |= (at == b':') & key & value;
    }
    hit
}

/// Whether the `:` at `colon` may separate an id key from a number or an array (see
/// [`may_hold_number_ids`]).
fn colon_may_hold(bytes: &[u8], colon: usize) -> bool {
    let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let after = bytes[colon + 1..].iter().position(|&b| !is_ws(b));
    let value = after.map(|k| bytes[colon + 1 + k]);
    if !matches!(value, Some(b'0'..=b'9' | b'-' | b'[')) {
        return false;
    }
    let Some(quote) = bytes[..colon].iter().rposition(|&b| !is_ws(b)) else {
        return false;
    };
    if bytes[quote] != b'"' {
        return false;
    }
    // An id key's last three characters, each possibly a six-byte escape.
    let tail = &bytes[quote.saturating_sub(18)..quote];
    let id_like = [&b"id"[..], b"Id", b"ID", b"ids", b"Ids", b"IDs"]
        .iter()
        .any(|end| tail.ends_with(end));
    id_like || tail.contains(&b'\\')
}

/// A value at this point is an id: the member of an id key, or an item of an array of ids.
fn value_is_id(stack: &[Frame], key_is_id: bool) -> bool {
    match stack.last() {
        Some(Frame::Object) => key_is_id,
        Some(Frame::Array(ids)) => *ids,
        None => false,
    }
}

/// The index after the closing quote of the string whose contents start at `from`, and whether the
/// string holds an escape.
fn string_end(bytes: &[u8], from: usize) -> (usize, bool) {
    let mut escaped = false;
    let mut i = from;
    // Keys and most values are short: a byte loop ends them before memchr would have set up.
    let short = (from + 24).min(bytes.len());
    while i < short {
        match bytes[i] {
            b'"' => return (i + 1, escaped),
            b'\\' => {
                escaped = true;
                i += 2;
            }
            _ => i += 1,
        }
    }
    loop {
        match memchr::memchr2(b'"', b'\\', bytes.get(i..).unwrap_or_default()) {
            None => return (bytes.len(), escaped),
            Some(k) if bytes[i + k] == b'\\' => {
                escaped = true;
                i += k + 2;
            }
            Some(k) => return (i + k + 1, escaped),
        }
    }
}

/// The end of the number token starting at `from`.
fn number_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .map_or(bytes.len(), |k| from + k)
}

/// Whether the key spanning `start..end` (quotes included) is an id key; escaped keys (`escaped`: it
/// holds a backslash) are decoded.
fn key_at(record: &str, start: usize, end: usize, escaped: bool) -> bool {
    let Some(quoted) = record.get(start..end) else {
        return false;
    };
    let Some(inner) = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')) else {
        return false;
    };
    if escaped {
        serde_json::from_str::<String>(quoted).is_ok_and(|key| is_id_key(&key))
    } else {
        is_id_key(inner)
    }
}

/// A raw JSON value (a lifted field) as a string when it is a number: `123` becomes `"123"`.
pub fn quote_raw_id(raw: &str) -> Cow<'_, str> {
    let trimmed = raw.trim();
    if trimmed.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        Cow::Owned(format!("\"{trimmed}\""))
    } else {
        Cow::Borrowed(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn quoted(record: &str) -> String {
        quote_ids(record).into_owned()
    }

    #[test]
    fn id_keys_follow_gongs_naming() {
        for key in [
            "id",
            "ids",
            "callId",
            "callIds",
            "answeredScorecardId",
            "speakerID",
            "teamLeadIds",
            "crmProspectsIDs",
        ] {
            assert!(is_id_key(key), "{key}");
        }
        for key in [
            "mediaChannelId",
            "valid",
            "paid",
            "Id",
            "identity",
            "idle",
            "score",
            "duration",
            "",
        ] {
            assert!(!is_id_key(key), "{key}");
        }
    }

    #[test]
    fn big_ids_keep_every_digit() {
        let record = r#"{"answeredScorecardId":18446744073709551615,"callId":7782342274025937895,"scorecardName":"SDR","score":4}"#;
        let out = quoted(record);
        assert_eq!(
            out,
            r#"{"answeredScorecardId":"18446744073709551615","callId":"7782342274025937895","scorecardName":"SDR","score":4}"#
        );
        // Beyond u64, too: the digits are copied, never parsed.
        let huge = quoted(r#"{"id":123456789012345678901234567890}"#);
        assert_eq!(huge, r#"{"id":"123456789012345678901234567890"}"#);
    }

    #[test]
    fn the_pre_check_never_misses_a_record_the_scan_would_change() {
        for record in [
            r#"{"answeredScorecardId":1,"x":2}"#,
            r#"{"a":{"ids" : [1]}}"#,
            "{\"callIds\"\n:\t[[5]]}",
            r#"{"call\u0049d":5}"#,
            r#"{"call\u0049\u0064\u0073":[5]}"#,
            r#"{"k\"Id":5}"#,
            r#"{"userIDs":[-1]}"#,
        ] {
            assert!(may_hold_number_ids(record.as_bytes()), "{record}");
            assert!(matches!(quote_ids(record), Cow::Owned(_)), "{record}");
        }
        for record in [
            r#"{"id":"7782342274025937895","duration":1834,"started":"2026-01-01T10:00:00Z"}"#,
            r#"{"mediaChannel":1,"score":4,"sizes":[1,2,3]}"#,
        ] {
            assert!(!may_hold_number_ids(record.as_bytes()), "{record}");
        }
    }

    #[test]
    fn the_pre_check_finds_an_id_number_at_every_offset_of_a_long_record() {
        // The first pass works on blocks: the id member is moved across the block boundaries.
        let members = [
            r#""callId":5"#,
            r#""userIds":[5]"#,
            r#""speakerID":-5"#,
            r#""crmIDs" : [5]"#,
            "\"callId\"\n:\t5",
            r#""call\u0049\u0064":5"#,
            r#""call\u0049\u0064\u0073":[5]"#,
            r#""a\"Id":5"#,
        ];
        for member in members {
            for pad in 0..150 {
                let record = format!(
                    r#"{{"text":"{}","at":"10:15:00","n":[1,2],{member},"tail":"{}"}}"#,
                    "x".repeat(pad),
                    "y".repeat(150 - pad)
                );
                assert!(may_hold_number_ids(record.as_bytes()), "{record}");
                assert!(matches!(quote_ids(&record), Cow::Owned(_)), "{record}");
                // The member last, in the record's last block.
                let last = format!(r#"{{"text":"{}",{member}}}"#, "x".repeat(pad));
                assert!(may_hold_number_ids(last.as_bytes()), "{last}");
            }
        }
        for pad in 0..150 {
            let record = format!(
                r#"{{"text":"{}","at":"10:15:00","sizes":[1,2],"id":"5","n":5,"callId":null,"t":"{}"}}"#,
                "x".repeat(pad),
                "y".repeat(150 - pad)
            );
            assert!(!may_hold_number_ids(record.as_bytes()), "{record}");
        }
    }

    #[test]
    fn records_without_number_ids_are_not_copied() {
        for record in [
            r#"{"id":"7782342274025937895","duration":1834,"workspaceId":"1"}"#,
            r#"{"mediaChannelId":1,"score":4,"sizes":[1,2,3]}"#,
            r#"{"callId":null,"userIds":[],"isOverall":true}"#,
            "{}",
        ] {
            assert!(
                matches!(quote_ids(record), Cow::Borrowed(_)),
                "{record} was copied"
            );
        }
    }

    #[test]
    fn nested_objects_and_arrays_of_ids() {
        let record = r#"{"answers":[{"questionId":1,"score":5,"selectedOptions":["1"]},{"questionId":2,"nested":{"x":3,"userId":4}}],"callIds":[5,6,[7]],"meta":{"n":8},"after":9}"#;
        let out: Value = serde_json::from_str(&quoted(record)).unwrap();
        assert_eq!(
            out,
            json!({"answers":[{"questionId":"1","score":5,"selectedOptions":["1"]},{"questionId":"2","nested":{"x":3,"userId":"4"}}],"callIds":["5","6",["7"]],"meta":{"n":8},"after":9})
        );
        // An id key whose value is an object or an array of objects: only id keys inside count.
        let out: Value = serde_json::from_str(&quoted(
            r#"{"callId":{"n":1,"id":2},"userIds":[{"n":3}],"k":[1,{"id":4}]}"#,
        ))
        .unwrap();
        assert_eq!(
            out,
            json!({"callId":{"n":1,"id":"2"},"userIds":[{"n":3}],"k":[1,{"id":"4"}]})
        );
    }

    #[test]
    fn look_alikes_inside_strings_and_escaped_keys() {
        let record = r#"{"text":"say \"callId\":12 and {\"id\":5}, [1]","note":"\\","id":6,"t":"\\\"id\":7"}"#;
        assert_eq!(
            quoted(record),
            r#"{"text":"say \"callId\":12 and {\"id\":5}, [1]","note":"\\","id":"6","t":"\\\"id\":7"}"#
        );
        // A key spelled with escapes is the key it decodes to.
        assert_eq!(
            quoted(r#"{"call\u0049d":1,"\u0069d":2,"a\"Id":3}"#),
            r#"{"call\u0049d":"1","\u0069d":"2","a\"Id":"3"}"#
        );
        // Values that are strings ending in Id are not keys.
        assert_eq!(
            quoted(r#"{"name":"callId","n":1,"ids":["x",2]}"#),
            r#"{"name":"callId","n":1,"ids":["x","2"]}"#
        );
    }

    #[test]
    fn negative_and_float_ids_are_quoted_as_written_and_literals_stay() {
        assert_eq!(
            quoted(r#"{"id":-5,"callId":1.5e3,"userId":0,"x":-1.0}"#),
            r#"{"id":"-5","callId":"1.5e3","userId":"0","x":-1.0}"#
        );
        assert_eq!(
            quoted(r#"{"id":null,"callIds":[true,false,null]}"#),
            r#"{"id":null,"callIds":[true,false,null]}"#
        );
    }

    #[test]
    fn whitespace_between_tokens_is_kept() {
        let record = "{ \"callId\" :\n 12 ,\t\"ids\" : [ 1 , 2 ] }";
        assert_eq!(
            quoted(record),
            "{ \"callId\" :\n \"12\" ,\t\"ids\" : [ \"1\" , \"2\" ] }"
        );
    }

    #[test]
    fn unicode_is_passed_through() {
        let record = r#"{"scorecardName":"コーチング ✅","scorecardId":42,"t":"é\u00e9"}"#;
        assert_eq!(
            quoted(record),
            r#"{"scorecardName":"コーチング ✅","scorecardId":"42","t":"é\u00e9"}"#
        );
    }

    #[test]
    fn agrees_with_a_value_based_rewrite_on_generated_records() {
        // The byte scan and a rewrite of the parsed value agree (numbers are integers here, so the
        // value keeps their digits).
        fn rewrite(v: &mut Value, id: bool) {
            match v {
                Value::Number(n) if id => *v = Value::String(n.to_string()),
                Value::Array(items) => items.iter_mut().for_each(|x| rewrite(x, id)),
                Value::Object(map) => map.iter_mut().for_each(|(k, x)| rewrite(x, is_id_key(k))),
                _ => {}
            }
        }
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        let keys = [
            "id",
            "callId",
            "n",
            "userIds",
            "text",
            "mediaChannelId",
            "x",
        ];
        fn build(next: &mut dyn FnMut() -> u64, keys: &[&str], depth: u32) -> Value {
            match next() % if depth > 3 { 3 } else { 5 } {
                0 => json!(next() * 1_000_003),
                1 => json!(format!("\"id\":{} \\ [", next() % 100)),
                2 => Value::Null,
                3 => Value::Array(
                    (0..next() % 4)
                        .map(|_| build(next, keys, depth + 1))
                        .collect(),
                ),
                _ => Value::Object(
                    (0..next() % 5)
                        .map(|_| {
                            let key = keys[(next() % keys.len() as u64) as usize].to_string();
                            (key, build(next, keys, depth + 1))
                        })
                        .collect(),
                ),
            }
        }
        for _ in 0..2000 {
            let mut value = json!({"root": build(&mut next, &keys, 0), "id": next()});
            let text = value.to_string();
            let out: Value = serde_json::from_str(&quoted(&text)).unwrap();
            rewrite(&mut value, false);
            assert_eq!(out, value, "{text}");
        }
    }

    #[test]
    fn lifted_raw_ids_become_strings() {
        assert_eq!(quote_raw_id("123"), "\"123\"");
        assert_eq!(quote_raw_id("\"123\""), "\"123\"");
        assert_eq!(quote_raw_id("null"), "null");
    }
}
