//! Requests as a cost (issue 13): a listing or a calls/extensive page several selected streams need is
//! fetched once, with the same records as reading each stream alone, and without coupling their failures;
//! the planned and spent requests are logged per stream, with a WARN when the plan exceeds
//! `requests_per_day`.

mod common;

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, Utc};
use common::*;
use gong_sandbox::SandboxConfig;
use serde_json::{json, Value};

fn logs<'a>(run: &'a Run, level: &'a str) -> Vec<&'a str> {
    run.of_type("LOG")
        .filter(|m| m["log"]["level"] == level)
        .filter_map(|m| m["log"]["message"].as_str())
        .collect()
}

/// Reads `streams` (full refresh) from a fresh small sandbox; returns the run and the sandbox's request
/// counts by path.
fn read(streams: &[&str], extra: &[(&str, Value)]) -> (Run, HashMap<String, u64>) {
    read_from(small_sandbox_config(), streams, extra)
}

fn read_from(
    sandbox: SandboxConfig,
    streams: &[&str],
    extra: &[(&str, Value)],
) -> (Run, HashMap<String, u64>) {
    let sandbox = start_sandbox(sandbox);
    let start = Utc::now().date_naive() - Duration::days(50);
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z"));
    for (k, v) in extra {
        config[*k] = v.clone();
    }
    let config = write_json(dir.path(), "config.json", &config);
    let discovered = discover(&config);
    let selected: Vec<(&str, &str)> = streams.iter().map(|n| (*n, "full_refresh")).collect();
    let catalog = write_json(
        dir.path(),
        "catalog.json",
        &configured_catalog(&discovered, &selected),
    );
    sandbox.reset_stats();
    let run = run_read(&config, &catalog, None);
    let by_path = sandbox.stats().by_path.into_iter().collect();
    (run, by_path)
}

fn call_ids(run: &Run, stream: &str, key: &str) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = run
        .records(stream)
        .iter()
        .map(|r| (r[key].to_string(), r["callStarted"].to_string()))
        .collect();
    ids.sort();
    ids
}

#[test]
fn calls_and_transcripts_list_the_calls_once() {
    let (alone, alone_paths) = read(&["call_transcripts"], &[]);
    let (calls, calls_paths) = read(&["calls"], &[]);
    // Transcripts first in the catalog: the engine still reads the listing's stream first.
    let (both, both_paths) = read(&["call_transcripts", "calls"], &[]);
    for run in [&alone, &calls, &both] {
        assert_eq!(run.code, 0, "{:?} {}", run.errors(), run.stderr);
    }
    let listing = |paths: &HashMap<String, u64>| paths["GET /v2/calls"];
    assert!(listing(&calls_paths) > 0);
    assert_eq!(listing(&alone_paths), listing(&calls_paths));
    assert_eq!(
        listing(&both_paths),
        listing(&calls_paths),
        "the calls listing is fetched once when both streams are selected"
    );
    assert_eq!(
        both_paths["POST /v2/calls/transcript"],
        alone_paths["POST /v2/calls/transcript"]
    );
    // Same records as reading each stream alone.
    assert_eq!(
        call_ids(&both, "call_transcripts", "callId"),
        call_ids(&alone, "call_transcripts", "callId")
    );
    assert_eq!(both.records("calls").len(), calls.records("calls").len());
    // The listing counts against calls, the stream that asked first.
    let end = logs(&both, "INFO")
        .into_iter()
        .find(|l| l.starts_with("API requests per stream:"))
        .expect("the end's request line");
    let transcripts = both_paths["POST /v2/calls/transcript"];
    assert!(
        end.contains(&format!("call_transcripts {transcripts} ")),
        "{end}"
    );
    assert!(
        end.contains(&format!("calls {} ", listing(&calls_paths))),
        "{end}"
    );
}

#[test]
fn the_plan_is_logged_before_the_first_record_with_its_share_of_the_budget() {
    let (run, paths) = read(&["workspaces", "coaching"], &[]);
    assert_eq!(run.code, 0, "{:?}", run.errors());
    let first_record = run
        .messages
        .iter()
        .position(|m| m["type"] == "RECORD")
        .unwrap();
    let planned = run
        .messages
        .iter()
        .position(|m| {
            m["log"]["message"]
                .as_str()
                .is_some_and(|l| l.starts_with("Planned API requests:"))
        })
        .expect("the planned-requests line");
    assert!(planned < first_record);
    let line = run.messages[planned]["log"]["message"].as_str().unwrap();
    // Coaching is per partition: its estimate is exact, and so is the total here.
    let coaching = paths["GET /v2/coaching"];
    let total: u64 = paths
        .iter()
        .filter(|(p, _)| p.starts_with("GET /v2/"))
        .map(|(_, n)| n)
        .sum();
    assert!(line.contains(&format!("coaching {coaching}")), "{line}");
    assert!(
        line.contains(&format!("Planned API requests: {total} in total")),
        "{line}"
    );
    assert!(line.contains("of requests_per_day (4000)"), "{line}");
    assert!(line.contains("no quota headers"), "{line}");
    assert!(logs(&run, "WARN")
        .iter()
        .all(|l| !l.contains("more than the budget")));
    let end = logs(&run, "INFO")
        .into_iter()
        .find(|l| l.starts_with("API requests per stream:"))
        .unwrap();
    assert!(
        end.contains(&format!("Total {total}, 1.00 times the planned {total}")),
        "{end}"
    );
}

#[test]
fn a_plan_over_the_daily_budget_warns_at_once_and_stops_cleanly() {
    let budget = 5;
    let (run, paths) = read(
        &["coaching"],
        &[("requests_per_day", serde_json::json!(budget))],
    );
    let warn = logs(&run, "WARN")
        .into_iter()
        .find(|l| l.contains("more than the budget of 5 requests per day"))
        .expect("an over-budget WARN");
    assert!(warn.contains("progress saved"), "{warn}");
    let sent: u64 = paths
        .iter()
        .filter(|(p, _)| p.starts_with("GET /v2/"))
        .map(|(_, n)| n)
        .sum();
    assert!(sent <= budget, "{sent} requests with a budget of {budget}");
    // The stream is deferred (no error, exit 0) with a LOG naming the budget, and no panic.
    assert!(
        run.stderr.is_empty() || !run.stderr.contains("panicked"),
        "{}",
        run.stderr
    );
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    assert_eq!(run.code, 0);
    assert!(
        logs(&run, "INFO")
            .iter()
            .any(|l| l.contains("deferred") && l.contains("requests_per_day")),
        "{:?}",
        logs(&run, "INFO")
    );
}

/// The call streams: `calls` and the streams whose windows can come from another's pages.
const CALL_STREAMS: [&str; 5] = [
    "call_media",
    "call_users_access",
    "calls_extensive",
    "call_transcripts",
    "calls",
];

/// A stream's records as a set of JSON texts, with signed media URLs (in call_media and in
/// calls_extensive's `media`) and their expiry blanked: they are signed anew on each request, by each
/// test's own sandbox.
fn record_set(run: &Run, stream: &str) -> BTreeSet<String> {
    fn unsigned(v: &mut Value) {
        match v {
            Value::String(s) if s.contains("signature=") => {
                let path = s.split('?').next().unwrap_or_default();
                *s = path.splitn(4, '/').nth(3).unwrap_or_default().to_string();
            }
            Value::Array(items) => items.iter_mut().for_each(unsigned),
            Value::Object(fields) => {
                if fields.contains_key("urlExpiresAt") {
                    fields.insert("urlExpiresAt".into(), Value::Null);
                }
                fields.values_mut().for_each(unsigned);
            }
            _ => {}
        }
    }
    run.records(stream)
        .into_iter()
        .map(|r| {
            let mut r = r.clone();
            unsigned(&mut r);
            r.to_string()
        })
        .collect()
}

/// Asserts two record sets are equal, printing a few of the differences (not thousands of records).
fn assert_same(a: &BTreeSet<String>, b: &BTreeSet<String>, what: &str) {
    let only_a: Vec<&String> = a.difference(b).take(2).collect();
    let only_b: Vec<&String> = b.difference(a).take(2).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "{what}: {} vs {} records; only in the first: {only_a:?}; only in the second: {only_b:?}",
        a.len(),
        b.len()
    );
}

fn end_line(run: &Run) -> String {
    logs(run, "INFO")
        .into_iter()
        .find(|l| l.starts_with("API requests per stream:"))
        .expect("the end's request line")
        .to_string()
}

#[test]
fn every_call_stream_selected_fetches_each_listing_and_extensive_page_once() {
    let (all, all_paths) = read(&CALL_STREAMS, &[]);
    assert_eq!(all.code, 0, "{:?} {}", all.errors(), all.stderr);
    for stream in CALL_STREAMS {
        let (alone, alone_paths) = read(&[stream], &[]);
        assert_eq!(alone.code, 0, "{stream}: {:?}", alone.errors());
        let mine = record_set(&all, stream);
        assert!(!mine.is_empty(), "{stream}");
        assert_same(&mine, &record_set(&alone, stream), stream);
        // Each endpoint is read as often as by the one stream that reads it alone.
        let path = match stream {
            "calls" => "GET /v2/calls",
            "calls_extensive" => "POST /v2/calls/extensive",
            "call_transcripts" => "POST /v2/calls/transcript",
            "call_users_access" => "POST /v2/calls/users-access",
            _ => continue,
        };
        assert!(alone_paths[path] > 0, "{path}");
        assert_eq!(all_paths[path], alone_paths[path], "{path} is fetched once");
    }
    // Shared pages count against the stream that asked first; the takers' windows cost nothing.
    let end = end_line(&all);
    let extensive = all_paths["POST /v2/calls/extensive"];
    assert!(
        end.contains(&format!("calls_extensive {extensive} ")),
        "{end}"
    );
    assert!(
        end.contains(&format!("calls {} ", all_paths["GET /v2/calls"])),
        "{end}"
    );
    assert!(end.contains("call_media 0 (planned 0)"), "{end}");
}

#[test]
fn call_transcripts_and_call_users_access_list_the_calls_once_without_calls() {
    let (both, both_paths) = read(&["call_users_access", "call_transcripts"], &[]);
    let (alone, alone_paths) = read(&["call_transcripts"], &[]);
    assert_eq!(both.code, 0, "{:?}", both.errors());
    assert_eq!(both_paths["GET /v2/calls"], alone_paths["GET /v2/calls"]);
    for stream in ["call_users_access", "call_transcripts"] {
        assert!(!both.records(stream).is_empty(), "{stream}");
    }
    assert_same(
        &record_set(&both, "call_transcripts"),
        &record_set(&alone, "call_transcripts"),
        "call_transcripts",
    );
    // The listing counts against the stream that listed it (the first in the catalog).
    let end = end_line(&both);
    let access = both_paths["POST /v2/calls/users-access"] + both_paths["GET /v2/calls"];
    assert!(
        end.contains(&format!("call_users_access {access} ")),
        "{end}"
    );
}

#[test]
fn calls_extensive_without_media_in_its_config_has_no_media_field_when_call_media_rides_along() {
    let no_media = [(
        "calls_extensive_content",
        json!({"media": false, "context": "Extended"}),
    )];
    let (both, both_paths) = read(&["calls_extensive", "call_media"], &no_media);
    let (alone, alone_paths) = read(&["calls_extensive"], &no_media);
    let (media, _) = read(&["call_media"], &[]);
    assert_eq!(both.code, 0, "{:?}", both.errors());
    let records = both.records("calls_extensive");
    assert!(!records.is_empty());
    assert!(
        records.iter().all(|r| r.get("media").is_none()),
        "{:?}",
        records[0]
    );
    assert!(records.iter().all(|r| r.get("context").is_some()));
    assert_same(
        &record_set(&both, "calls_extensive"),
        &record_set(&alone, "calls_extensive"),
        "calls_extensive",
    );
    assert_eq!(
        record_set(&both, "call_media"),
        record_set(&media, "call_media")
    );
    assert_eq!(
        both_paths["POST /v2/calls/extensive"],
        alone_paths["POST /v2/calls/extensive"]
    );
}

#[test]
fn without_the_media_scope_calls_extensive_still_syncs_and_call_media_fails_alone() {
    let denied = || SandboxConfig {
        denied_scopes: vec!["api:calls:read:media-url".into()],
        ..small_sandbox_config()
    };
    let bearer = (
        "credentials",
        json!({"auth_type": "oauth2.0", "access_token": "sandbox-token"}),
    );
    let no_media = ("calls_extensive_content", json!({"media": false}));
    let (both, _) = read_from(
        denied(),
        &["calls_extensive", "call_media"],
        &[bearer.clone(), no_media.clone()],
    );
    let (alone, _) = read_from(denied(), &["calls_extensive"], &[bearer, no_media]);
    assert_eq!(alone.code, 0, "{:?}", alone.errors());
    assert_eq!(
        both.statuses("calls_extensive").last().map(String::as_str),
        Some("COMPLETE")
    );
    assert!(!alone.records("calls_extensive").is_empty());
    assert_same(
        &record_set(&both, "calls_extensive"),
        &record_set(&alone, "calls_extensive"),
        "calls_extensive",
    );
    let failed: Vec<&Value> = both
        .errors()
        .into_iter()
        .filter(|e| !e["stream_descriptor"].is_null())
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["stream_descriptor"]["name"], "call_media");
    assert_eq!(failed[0]["failure_type"], "config_error");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(message.contains("api:calls:read:media-url"), "{message}");
    assert!(both.records("call_media").is_empty());
}
