//! Empty history costs almost nothing (issue 13): a `start_date` three years before a company's first
//! call costs a handful of requests more than a start date at its first call, not one per empty window,
//! and the records are the same (`engine/windows.rs`).

mod common;

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, Utc};
use common::*;
use serde_json::Value;

const STREAMS: [&str; 5] = [
    "calls",
    "call_transcripts",
    "calls_extensive",
    "logs",
    "stats_activity_scorecards",
];

/// Reads `streams` incrementally from `days_back` days before today; returns the run and the sandbox's
/// request counts by path.
fn read(
    sandbox: &gong_sandbox::BlockingSandbox,
    days_back: i64,
    streams: &[&str],
) -> (Run, HashMap<String, u64>) {
    let start = Utc::now().date_naive() - Duration::days(days_back);
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z"));
    // The syncs end at the same instant, so their last STATEs can be compared.
    let today = Utc::now().date_naive();
    config["end_date"] = serde_json::json!(format!("{today}T00:00:00Z"));
    // Media URLs carry a signed expiry that differs from run to run; records must compare equal.
    config["calls_extensive_content"] = serde_json::json!({"media": false});
    // This test measures the engine's windows; the deletion sweep's own cost over empty years (and its
    // memory, which differs with the start) is tested in tests/deletions.rs.
    config["propagate_deletes"] = serde_json::json!(false);
    let config = write_json(dir.path(), "config.json", &config);
    let discovered = discover(&config);
    let selected: Vec<(&str, &str)> = streams.iter().map(|n| (*n, "incremental")).collect();
    let catalog = configured_catalog(&discovered, &selected);
    let catalog = write_json(dir.path(), "catalog.json", &catalog);
    sandbox.reset_stats();
    let run = run_read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{:?} {}", run.errors(), run.stderr);
    (run, sandbox.stats().by_path.into_iter().collect())
}

/// Every stream's records, each serialised, sorted.
fn records(run: &Run) -> BTreeMap<String, Vec<String>> {
    run.records_by_stream()
        .into_iter()
        .map(|(stream, records)| {
            let mut texts: Vec<String> = records.iter().map(Value::to_string).collect();
            texts.sort();
            (stream, texts)
        })
        .collect()
}

/// The last STATE of `stream`, without the request ledger every STATE carries (it counts what the run
/// spent, which differs between the runs compared) and the time of the stream's last whole read
/// (`read_at`: the runs compared may end in different seconds).
fn last_state(run: &Run, stream: &str) -> Value {
    let mut state = run.states(stream).last().expect("a STATE")["stream"]["stream_state"].clone();
    if let Some(s) = state.as_object_mut() {
        s.remove("ledger");
        s.remove("read_at");
    }
    state
}

#[test]
fn three_empty_years_cost_a_handful_of_requests_and_change_no_record() {
    // Calls over the last 40 days; the sandbox's other dated data (logs, answered scorecards) is no older.
    let sandbox = start_sandbox(small_sandbox_config());
    let (near, near_paths) = read(&sandbox, 45, &STREAMS);
    let (far, far_paths) = read(&sandbox, 45 + 3 * 365, &STREAMS);
    let (_, calls_alone) = read(&sandbox, 45 + 3 * 365, &["calls"]);

    let near_records = records(&near);
    assert!(near_records["calls"].len() > 100, "{near_records:?}");
    for stream in STREAMS {
        assert!(
            near_records.contains_key(stream),
            "{stream} has records to compare"
        );
    }
    let far_records = records(&far);
    for stream in STREAMS {
        let (a, b) = (&far_records[stream], &near_records[stream]);
        let only_far = a.iter().filter(|r| !b.contains(r)).count();
        let only_near = b.iter().filter(|r| !a.contains(r)).count();
        assert!(
            only_far == 0 && only_near == 0,
            "{stream}: {} records from the old start, {} from the recent one; {only_far} only in the first, \
             {only_near} only in the second",
            a.len(),
            b.len()
        );
    }
    for stream in STREAMS {
        assert_eq!(
            last_state(&far, stream),
            last_state(&near, stream),
            "{stream}"
        );
    }

    // Fixed 7-day windows would cost 157 more requests per path (logs: 5 types × 157); with windows
    // that double while they come back empty (up to 224 days), 1,095 empty days are 8 windows.
    let mut extra = BTreeMap::new();
    for (path, n) in &far_paths {
        let more = n.saturating_sub(near_paths.get(path).copied().unwrap_or(0));
        extra.insert(path.clone(), more);
    }
    eprintln!("requests over three empty years, by path: {extra:?}");
    for path in [
        "GET /v2/calls",
        "POST /v2/calls/extensive",
        "POST /v2/stats/activity/scorecards",
    ] {
        assert!(extra[path] <= 10, "{path}: {extra:?}");
    }
    assert!(extra["GET /v2/logs"] <= 5 * 10, "{extra:?}");
    // The transcripts still take their ids from the calls pages (no listing of their own), a batch per
    // listing page with calls.
    assert!(far_paths["POST /v2/calls/transcript"] <= near_paths["POST /v2/calls/transcript"]);
    assert_eq!(
        far_paths["GET /v2/calls"], calls_alone["GET /v2/calls"],
        "call_transcripts plans the windows of calls and takes its pages"
    );
}
