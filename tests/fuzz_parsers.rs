//! Property-based fuzzing of every parser that reads outside input: the config (`Config::parse`,
//! `Config::from_value`), the state (`state::parse_state`, `state::checkpoint_for`), the configured
//! catalog (`state::parse_catalog`) and Gong's pages (`gong::page::parse_page`, and
//! `engine::splitter::PageSplitter`, which reads them as they arrive). None may panic on any input; a config
//! they reject gets a `config_error`, and a config they accept holds only values that are safe downstream
//! (every number turns into a time span, the start is not before 2015); both page readers must also only hand
//! out records that are in the body and are whole JSON values, and agree on every valid page however it
//! is cut into chunks. The id quoting (`gong::ids::quote_ids`), which runs over every record, must not
//! panic on any text, and on any JSON it must change exactly the numbers under id keys into strings.
//!
//! Cases per property: `PROPTEST_CASES` (default 2,000, so the whole file runs about 20,000 cases in CI).
//! The million-case run: `PROPTEST_CASES=100000 cargo test --release --test fuzz_parsers` (10 properties).
//! A failure found here becomes a named regression test at the bottom of this file.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use source_gong::config::Config;
use source_gong::engine::splitter::PageSplitter;
use source_gong::error::Result as GongResult;
use source_gong::gong::ids::{is_id_key, quote_ids, scan_ids};
use source_gong::gong::page::parse_page;
use source_gong::protocol::FailureType;
use source_gong::state::{checkpoint_for, parse_catalog, parse_state};
use source_gong::streams::STREAMS;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        // Failures are turned into explicit regression tests below, not files next to the source.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

/// Words the parsers look for, so random objects often hit real branches.
const WORDS: &[&str] = &[
    "credentials",
    "auth_type",
    "access_key",
    "access_key_secret",
    "oauth2.0",
    "client_id",
    "client_secret",
    "refresh_token",
    "access_token",
    "token_expiry_date",
    "base_url",
    "start_date",
    "end_date",
    "workspace_id",
    "lookback_days",
    "window_days",
    "calls_extensive_content",
    "context",
    "requests_per_second",
    "requests_per_day",
    "max_rate_limit_wait_seconds",
    "max_concurrent_requests",
    "request_timeout_seconds",
    "oauth_token_url",
    "type",
    "STREAM",
    "GLOBAL",
    "LEGACY",
    "STATE",
    "stream",
    "stream_descriptor",
    "name",
    "stream_state",
    "state_version",
    "cursor",
    "started",
    "global",
    "stream_states",
    "data",
    "streams",
    "sync_mode",
    "full_refresh",
    "incremental",
    "cursor_field",
    "include_files",
    "calls",
    "users",
    "records",
    "totalRecords",
    "requestId",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "2024-02-30",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "+10000-01-01T00:00:00Z",
    "https://api.gong.io",
    "http://127.0.0.1:1",
    "http://[::1]:8080/v2/",
    "https://u:p@x",
    "ftp://x",
    "",
    " ",
    ":",
    "\u{2028}",
    "Extended",
    "None",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(WORDS).prop_map(str::to_string),
        1 => proptest::sample::select(STREAMS.iter().map(|s| s.name).collect::<Vec<_>>())
            .prop_map(str::to_string),
        2 => "\\PC{0,12}",
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (-3i64..400).prop_map(Value::from),
        Just(json!(1.0)),
        Just(json!(1e300)),
        Just(json!(-0.0)),
    ]
}

/// Any JSON value, biased towards the words and shapes the parsers know.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((word(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn valid_configs() -> Vec<Value> {
    vec![
        json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
               "base_url": "https://us-1.api.gong.io", "start_date": "2024-01-01", "end_date": "2025-01-01T00:00:00Z",
               "lookback_days": 3, "window_days": 7, "requests_per_second": 3, "requests_per_day": 10000,
               "max_rate_limit_wait_seconds": 600, "max_concurrent_requests": 4, "request_timeout_seconds": 60,
               "workspace_id": "123", "calls_extensive_content": {"context": "Basic", "media": false}}),
        json!({"credentials": {"auth_type": "oauth2.0", "client_id": "i", "client_secret": "s", "refresh_token": "r",
               "access_token": "a", "token_expiry_date": "2026-01-01T00:00:00Z"},
               "oauth_token_url": "http://127.0.0.1:9/oauth2/generate-customer-token"}),
        json!({"credentials": {"auth_type": "oauth2.0", "access_token": "t"}}),
        json!({"access_key": "k", "access_key_secret": "s"}),
    ]
}

/// A valid config with one field (possibly nested) replaced, added or removed.
fn mutated_config() -> impl Strategy<Value = Value> {
    (
        proptest::sample::select(valid_configs()),
        prop::collection::vec((any::<bool>(), word(), any_json(), any::<u8>()), 1..4),
    )
        .prop_map(|(mut config, edits)| {
            for (nested, key, value, pick) in edits {
                let target = if nested {
                    match config.get_mut("credentials") {
                        Some(Value::Object(c)) => c,
                        _ => config.as_object_mut().unwrap(),
                    }
                } else {
                    config.as_object_mut().unwrap()
                };
                let existing: Vec<String> = target.keys().cloned().collect();
                let key = if pick % 2 == 0 && !existing.is_empty() {
                    existing[pick as usize % existing.len()].clone()
                } else {
                    key
                };
                if pick % 7 == 0 {
                    target.remove(&key);
                } else {
                    target.insert(key, value);
                }
            }
            config
        })
}

fn valid_states() -> Vec<String> {
    vec![
        r#"[{"type":"STREAM","stream":{"stream_descriptor":{"name":"calls","namespace":null},"stream_state":{"state_version":1,"cursor":"2024-01-01T00:00:00Z"}},"global_":null,"data":null,"sourceStats":{"recordCount":3.0}}]"#.into(),
        r#"{"calls": {"cursor": "2024-02-01"}, "users": {}}"#.into(),
        r#"{"type":"LEGACY","data":{"calls":{"started":"2024-02-01T00:00:00Z"}}}"#.into(),
        r#"{"type":"GLOBAL","global":{"stream_states":[{"stream_descriptor":{"name":"stats_interaction"},"stream_state":{"state_version":1,"cursor":"2024-03-01"}}]}}"#.into(),
        "[]".into(),
    ]
}

fn valid_catalog() -> String {
    let streams: Vec<Value> = STREAMS
        .iter()
        .map(|s| {
            json!({"stream": {"name": s.name, "json_schema": {}}, "sync_mode": if s.cursor.is_some() {"incremental"} else {"full_refresh"},
                   "destination_sync_mode": "append", "cursor_field": s.cursor.map(|c| vec![c]), "primary_key": null,
                   "generation_id": 1, "minimum_generation_id": 0, "sync_id": 1})
        })
        .collect();
    json!({ "streams": streams }).to_string()
}

/// Byte-level mutations of a valid document: flips, cuts, insertions, deletions, duplications.
fn mutate(bytes: Vec<u8>, ops: Vec<(u8, usize, u8)>) -> Vec<u8> {
    let mut b = bytes;
    for (op, at, byte) in ops {
        if b.is_empty() {
            b.push(byte);
            continue;
        }
        let i = at % b.len();
        match op % 6 {
            0 => b[i] ^= 1 << (byte % 8),
            1 => b.truncate(i),
            2 => b.insert(i, byte),
            3 => {
                let end = (i + 1 + byte as usize % 16).min(b.len());
                b.drain(i..end);
            }
            4 => {
                let end = (i + 1 + byte as usize % 16).min(b.len());
                let piece: Vec<u8> = b[i..end].to_vec();
                b.splice(i..i, piece);
            }
            _ => b[i] = b"{}[]\",:\\0e-.nul"[byte as usize % 15],
        }
    }
    b
}

fn mutations() -> impl Strategy<Value = Vec<(u8, usize, u8)>> {
    prop::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..6)
}

/// Every stream's checkpoint of every parsed state: must not panic.
/// A rejected config is the user's to fix (`config_error`); an accepted one is safe to use.
fn check_config(result: GongResult<Config>) -> Result<(), TestCaseError> {
    match result {
        Err(e) => prop_assert_eq!(e.failure_type(), FailureType::ConfigError, "{}", e.message),
        Ok(c) => {
            let interval = std::time::Duration::try_from_secs_f64(1.0 / c.requests_per_second);
            prop_assert!(interval.is_ok(), "rate {}", c.requests_per_second);
            prop_assert!(std::time::Instant::now()
                .checked_add(c.max_rate_limit_wait + c.request_timeout + c.retry_base_backoff)
                .is_some());
            prop_assert!(c.start >= Utc.with_ymd_and_hms(2015, 1, 1, 0, 0, 0).unwrap());
            prop_assert!(c.end.is_none_or(|end| end > c.start));
            prop_assert!((1..=32).contains(&c.max_concurrent_requests));
        }
    }
    Ok(())
}

fn exercise_state(text: &str) {
    if let Ok(states) = parse_state(text) {
        for def in STREAMS {
            let _ = checkpoint_for(def.name, states.get(def.name));
        }
        for (name, state) in &states {
            let _ = checkpoint_for(name, Some(state));
        }
    }
}

/// `parse_page`'s promise: every range is inside the body and is one whole JSON value.
fn check_page(body: &[u8], key: &str) -> Result<(), TestCaseError> {
    if let Ok((ranges, _, cursor)) = parse_page(body, key) {
        for r in ranges {
            prop_assert!(r.start <= r.end && r.end <= body.len(), "range {r:?}");
            let text = std::str::from_utf8(&body[r.clone()]);
            prop_assert!(text.is_ok(), "range {r:?} is not UTF-8");
            // JSON's grammar, not serde_json's f64 range: records pass through byte for byte, so a number
            // like 1e400 that Gong might send stays as sent (see the regression test below).
            prop_assert!(
                serde_json::from_str::<Box<RawValue>>(text.unwrap()).is_ok(),
                "range {r:?} is not a JSON value"
            );
        }
        if let Some(c) = cursor {
            prop_assert!(!c.is_empty());
        }
    }
    Ok(())
}

/// The splitter's records when `body` arrives in chunks of `chunk` bytes, taken after every chunk;
/// `None` when it rejects the body. Every record it hands out must be one whole JSON value.
fn split_page(body: &[u8], key: &str, chunk: usize) -> Result<Option<Vec<Vec<u8>>>, TestCaseError> {
    let mut splitter = PageSplitter::new(key);
    let mut records = Vec::new();
    let mut ok = true;
    for piece in body.chunks(chunk.max(1)) {
        if splitter.push(piece).is_err() {
            ok = false;
            break;
        }
        let part = splitter.take();
        records.extend(part.records.into_iter().map(|r| part.body[r].to_vec()));
    }
    ok = ok && splitter.finish().is_ok();
    let part = splitter.take();
    records.extend(part.records.into_iter().map(|r| part.body[r].to_vec()));
    for r in &records {
        let text = std::str::from_utf8(r);
        prop_assert!(text.is_ok(), "a split record is not UTF-8");
        prop_assert!(
            serde_json::from_str::<Box<RawValue>>(text.unwrap()).is_ok(),
            "a split record is not a JSON value: {}",
            String::from_utf8_lossy(r)
        );
    }
    Ok(ok.then_some(records))
}

/// The splitter on `body` in several chunk sizes. With `exact` (a page as Gong writes it), it must hand
/// out exactly `parse_page`'s records; on anything else it must not panic and may only hand out JSON.
fn check_split(body: &[u8], key: &str, exact: bool) -> Result<(), TestCaseError> {
    let whole = parse_page(body, key).ok().map(|(ranges, _, _)| {
        ranges
            .into_iter()
            .map(|r| body[r].to_vec())
            .collect::<Vec<_>>()
    });
    for chunk in [1, 2, 7, 64, body.len()] {
        let split = split_page(body, key, chunk)?;
        if exact {
            prop_assert_eq!(&split, &whole, "chunks of {}", chunk);
        }
    }
    Ok(())
}

fn page_body() -> impl Strategy<Value = (String, Vec<u8>, usize, Option<String>)> {
    (
        proptest::sample::select(vec![
            "calls",
            "users",
            "callTranscripts",
            "usersAggregateActivityStats",
            "workspaces",
        ]),
        // Gong's records are objects (anything else is refused as not a page).
        prop::collection::vec(any_json().prop_map(|v| json!({ "v": v })), 0..5),
        proptest::option::of("[A-Za-z0-9+/=.]{1,40}"),
        any::<u64>(),
    )
        .prop_map(|(key, records, cursor, total)| {
            let mut body = json!({
                "requestId": "4al018gzaztcr8nbukw",
                "records": {"totalRecords": total, "currentPageSize": records.len(), "currentPageNumber": 0},
            });
            if let Some(c) = &cursor {
                body["records"]["cursor"] = json!(c);
            }
            let n = records.len();
            body[key] = Value::Array(records);
            (
                key.to_string(),
                serde_json::to_vec(&body).unwrap(),
                n,
                cursor,
            )
        })
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn config_from_any_json_value(value in any_json()) {
        check_config(Config::from_value(value, now()))?;
    }

    #[test]
    fn config_from_mutated_valid_configs(value in mutated_config()) {
        check_config(Config::from_value(value, now()))?;
    }

    #[test]
    fn config_file_from_any_text(text in "\\PC{0,200}") {
        check_config(Config::parse(&text))?;
    }

    #[test]
    fn config_file_from_mutated_valid_text(i in 0usize..4, ops in mutations()) {
        let text = valid_configs()[i].to_string();
        let bytes = mutate(text.into_bytes(), ops);
        check_config(Config::parse(&String::from_utf8_lossy(&bytes)))?;
    }

    #[test]
    fn state_from_any_json(value in any_json()) {
        exercise_state(&value.to_string());
        // Also wrapped the ways clients send it.
        exercise_state(&json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "calls"}, "stream_state": value}}]).to_string());
    }

    #[test]
    fn state_from_mutated_valid_text(i in 0usize..5, ops in mutations()) {
        let bytes = mutate(valid_states()[i].clone().into_bytes(), ops);
        exercise_state(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn catalog_from_any_json(value in any_json()) {
        let _ = parse_catalog(&value.to_string());
        let _ = parse_catalog(&json!({"streams": [value]}).to_string());
    }

    #[test]
    fn catalog_from_mutated_valid_text(ops in mutations()) {
        let bytes = mutate(valid_catalog().into_bytes(), ops);
        let _ = parse_catalog(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn page_from_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), key in word()) {
        check_page(&bytes, &key)?;
        check_split(&bytes, &key, false)?;
    }

    #[test]
    fn page_from_valid_and_mutated_pages((key, body, n, cursor) in page_body(), ops in mutations()) {
        let (ranges, _, got_cursor) = parse_page(&body, &key).expect("a valid page parses");
        prop_assert_eq!(ranges.len(), n);
        prop_assert_eq!(got_cursor, cursor);
        check_page(&body, &key)?;
        check_split(&body, &key, true)?;
        let mutated = mutate(body, ops);
        check_page(&mutated, &key)?;
        check_split(&mutated, &key, false)?;
    }
}

/// Any JSON value whose keys are often ids (and look-alikes).
fn id_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        3 => proptest::sample::select(vec![
            "id", "callId", "userIds", "scorecardId", "mediaChannelId", "idle", "Id", "ids", "speakerID",
            "score", "answers",
        ])
        .prop_map(str::to_string),
        1 => word(),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// `value` with its numbers under id keys as strings of their JSON text: what `quote_ids` must produce.
fn ids_quoted(value: &Value, id: bool) -> Value {
    match value {
        Value::Number(n) if id => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.iter().map(|v| ids_quoted(v, id)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), ids_quoted(v, is_id_key(k))))
                .collect(),
        ),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn ids_quoted_in_any_json(value in id_json()) {
        let text = value.to_string();
        let out = quote_ids(&text);
        let parsed: Value = serde_json::from_str(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out}")))?;
        prop_assert_eq!(parsed, ids_quoted(&value, false));
        // Quoting twice changes nothing.
        let twice = quote_ids(&out).into_owned();
        prop_assert_eq!(twice.as_str(), out.as_ref());
        // The pre-check never skips what the full scan would change, with or without whitespace.
        prop_assert_eq!(scan_ids(&text), quote_ids(&text));
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        prop_assert_eq!(scan_ids(&pretty), quote_ids(&pretty));
    }

    #[test]
    fn id_quoting_survives_any_text(text in "\\PC{0,200}", value in id_json(), ops in mutations()) {
        let _ = quote_ids(&text);
        let bytes = mutate(value.to_string().into_bytes(), ops);
        let _ = quote_ids(&String::from_utf8_lossy(&bytes));
    }
}

// ---- regression tests for inputs the fuzzers found.

/// Found by `page_from_valid_and_mutated_pages` in the million-case run: a deletion turned a number into
/// `1e100000000000000309`. `parse_page` accepts it (it is JSON by the grammar) and hands out the record as
/// sent; only a parse into f64 would refuse it. The record range must still be one whole JSON value.
#[test]
fn a_number_beyond_f64_passes_through_verbatim() {
    let body = br#"{"requestId":"x","records":{"totalRecords":1,"currentPageSize":1,"currentPageNumber":0},"calls":[{"v":[{"a":null},"call_media",[1e100000000000000309,{"context":false},null],null]}]}"#;
    let (ranges, total, cursor) =
        parse_page(body, "calls").expect("the grammar allows any exponent");
    assert_eq!((ranges.len(), total, cursor), (1, Some(1), None));
    let text = std::str::from_utf8(&body[ranges[0].clone()]).unwrap();
    assert!(text.contains("1e100000000000000309"));
    assert!(serde_json::from_str::<Box<RawValue>>(text).is_ok());
    assert!(
        serde_json::from_str::<Value>(text).is_err(),
        "serde_json's Value refuses it"
    );
}

// Edges probed by hand.

#[test]
fn edge_dates_and_numbers_are_config_errors_or_safe() {
    for date in [
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31",
        "+262142-01-01T00:00:00Z",
        "2024-02-30",
    ] {
        let mut c = valid_configs()[0].clone();
        c["start_date"] = json!(date);
        c["end_date"] = json!(date);
        check_config(Config::from_value(c, now())).unwrap();
        exercise_state(&json!({"calls": {"cursor": date}}).to_string());
    }
    let mut c = valid_configs()[0].clone();
    c["max_rate_limit_wait_seconds"] = json!(u64::MAX);
    c["requests_per_day"] = json!(u64::MAX);
    c["requests_per_second"] = json!(1e-300);
    let e = Config::from_value(c, now()).unwrap_err();
    assert_eq!(e.failure_type(), FailureType::ConfigError);
    for (field, value) in [
        ("requests_per_second", json!(1e-20)),
        ("max_rate_limit_wait_seconds", json!(u64::MAX)),
        ("requests_per_day", json!(u64::MAX)),
        ("start_date", json!("0202-01-01")),
    ] {
        let mut c = valid_configs()[0].clone();
        c[field] = value;
        let e = Config::from_value(c, now()).unwrap_err();
        assert_eq!(e.failure_type(), FailureType::ConfigError, "{field}");
        assert!(e.message.contains(field), "{e}");
    }
}
