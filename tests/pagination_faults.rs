//! A server whose pages are not pages (issue 14, classes 2–4): each class fails its stream with an error
//! that says what is wrong, within a handful of requests, and never emits what it cannot vouch for.
//!
//! * an answer without the endpoint's record key (a proxy's `{"status":"ok"}`) is not "no data";
//! * a chain whose cursor comes back unchanged, cycles A→B→A, or yields empty pages each with a new
//!   cursor stops instead of spending the daily quota on the same pages;
//! * records that are not JSON objects are refused (an Airbyte RECORD's data is an object).
//!
//! Request counts come from the sandbox's own counters.

mod common;

use chrono::{Duration, Utc};
use common::*;
use gong_sandbox::{BlockingSandbox, FaultConfig, FaultKind, SandboxConfig};
use serde_json::json;

/// Users over three pages (so a cursor can cycle), calls in one window.
fn sandbox() -> BlockingSandbox {
    start_sandbox(SandboxConfig {
        users: 250,
        calls: 150,
        days: 5,
        workspaces: 1,
        ..SandboxConfig::default()
    })
}

struct Outcome {
    run: Run,
    api_requests: u64,
    injected: u64,
}

/// Reads `stream` (incremental where it can be) with `kind` injected into every API answer.
fn read_with(kind: FaultKind, stream: &str, mode: &str) -> Outcome {
    let sandbox = sandbox();
    let start = Utc::now().date_naive() - Duration::days(6);
    let mut config = config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z"));
    config["retry_backoff_base_ms"] = json!(1);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_json(dir.path(), "config.json", &config);
    let catalog = configured_catalog(&discover(&cfg), &[(stream, mode)]);
    let catalog = write_json(dir.path(), "catalog.json", &catalog);
    sandbox.reset_stats();
    sandbox.set_faults(FaultConfig {
        rate: 1.0,
        kinds: vec![kind],
        ..FaultConfig::none()
    });
    let run = run_read(&cfg, &catalog, None);
    let stats = sandbox.stats();
    Outcome {
        run,
        api_requests: stats.api_requests,
        injected: stats.faults_injected,
    }
}

/// The stream failed alone, with a system error whose message holds `needle`.
fn assert_failed(what: &str, o: &Outcome, stream: &str, needle: &str) {
    assert_eq!(o.run.code, 1, "{what}: exit code; stderr {}", o.run.stderr);
    assert!(
        !o.run.stderr.contains("panicked"),
        "{what}: {}",
        o.run.stderr
    );
    assert!(o.injected > 0, "{what}: the sandbox injected nothing");
    assert_eq!(
        o.run.statuses(stream).last().map(String::as_str),
        Some("INCOMPLETE"),
        "{what}"
    );
    let errors = o.run.errors();
    let e = errors
        .iter()
        .find(|e| e["stream_descriptor"]["name"] == stream)
        .unwrap_or_else(|| panic!("{what}: no stream error in {errors:#?}"));
    assert_eq!(e["failure_type"], "system_error", "{what}: {e:#}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(needle), "{what}: {message}");
    for r in o.run.records(stream) {
        assert!(r.is_object(), "{what}: {r}");
    }
}

/// No record was emitted twice.
fn assert_no_repeats(what: &str, o: &Outcome, stream: &str) {
    let mut ids: Vec<String> = o
        .run
        .records(stream)
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "{what}: records emitted more than once");
}

#[test]
fn an_answer_without_the_record_key_is_not_no_data() {
    let o = read_with(FaultKind::NoRecordKey, "calls", "incremental");
    assert_failed("no record key", &o, "calls", "no `calls`");
    assert!(o.run.records("calls").is_empty());
    // The cursor must not move past data never read.
    for state in o.run.states("calls") {
        let cursor = &state["state"]["stream"]["stream_state"]["started"];
        assert!(cursor.is_null(), "a STATE claimed unread data: {state}");
    }
}

#[test]
fn a_cursor_that_comes_back_unchanged_stops_the_chain() {
    let o = read_with(FaultKind::CursorUnchanged, "users", "full_refresh");
    assert_failed("cursor unchanged", &o, "users", "not progressing");
    assert_no_repeats("cursor unchanged", &o, "users");
    assert!(o.api_requests <= 4, "{} requests", o.api_requests);
}

#[test]
fn a_cursor_cycle_stops_the_chain() {
    let o = read_with(FaultKind::CursorCycle, "users", "full_refresh");
    assert_failed("cursor cycle", &o, "users", "sent before");
    assert_no_repeats("cursor cycle", &o, "users");
    assert!(o.api_requests <= 5, "{} requests", o.api_requests);
}

#[test]
fn empty_pages_with_new_cursors_stop_the_chain() {
    let o = read_with(FaultKind::EmptyPages, "users", "full_refresh");
    assert_failed("empty pages", &o, "users", "empty pages in a row");
    assert!(o.api_requests <= 5, "{} requests", o.api_requests);
}

#[test]
fn records_that_are_not_objects_are_refused() {
    let o = read_with(FaultKind::NonObjectRecords, "users", "full_refresh");
    // The sandbox adds the junk without counting it, so `currentPageSize` catches the page first; either
    // way the page is refused as a whole.
    let refused = ["not a JSON object", "currentPageSize"];
    let message = o
        .run
        .errors()
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect::<String>();
    assert!(refused.iter().any(|n| message.contains(n)), "{message}");
    assert_failed("non-object records", &o, "users", "users");
    assert!(o.run.records("users").is_empty());
}
