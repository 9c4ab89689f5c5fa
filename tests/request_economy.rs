//! Requests as a cost (issue 13): a listing two selected streams read is fetched once, and the planned
//! and spent requests are logged per stream, with a WARN when the plan exceeds `requests_per_day`.

mod common;

use chrono::{Duration, Utc};
use common::*;
use serde_json::Value;

fn logs<'a>(run: &'a Run, level: &'a str) -> Vec<&'a str> {
    run.of_type("LOG")
        .filter(|m| m["log"]["level"] == level)
        .filter_map(|m| m["log"]["message"].as_str())
        .collect()
}

/// Reads `streams` (full refresh) from a fresh small sandbox; returns the run and the sandbox's request
/// counts by path.
fn read(
    streams: &[&str],
    extra: &[(&str, Value)],
) -> (Run, std::collections::HashMap<String, u64>) {
    let sandbox = start_sandbox(small_sandbox_config());
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
    let run = run(&[
        "read",
        "--config",
        config.to_str().unwrap(),
        "--catalog",
        catalog.to_str().unwrap(),
    ]);
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
    let listing = |paths: &std::collections::HashMap<String, u64>| paths["GET /v2/calls"];
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
    assert!(line.contains("of requests_per_day (10000)"), "{line}");
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
    // The stream stops with an error naming the budget, and no panic.
    assert!(
        run.stderr.is_empty() || !run.stderr.contains("panicked"),
        "{}",
        run.stderr
    );
    assert!(
        run.errors()
            .iter()
            .any(|e| e["message"].to_string().contains("requests_per_day")),
        "{:?}",
        run.errors()
    );
}
