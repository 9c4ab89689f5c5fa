//! The history newest first (`engine/plan/order.rs`), against the sandbox with a daily budget far below
//! the history's cost and the connector's clock moved a day per run (`SOURCE_GONG_NOW`): the first run
//! brings the newest calls, every STATE's two edges claim only calls already emitted, the later runs
//! bring what is new first and go on down, and the history ends complete, each call emitted.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Duration, DurationRound, Utc};
use common::*;
use serde_json::{json, Value};

/// `read` at `now` with the platform's state `state`; no error, exit 0.
fn read_at(dir: &Path, config: &Path, catalog: &Path, state: &Value, now: DateTime<Utc>) -> Run {
    let state_path = write_json(dir, "state.json", state);
    let args = read_args(config, catalog, Some(&state_path));
    let now = now.to_rfc3339();
    let run = run_env(&args, &[("SOURCE_GONG_NOW", now.as_str())]);
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

/// Each call's id and start of a run's `calls` records.
fn calls(run: &Run) -> BTreeMap<String, DateTime<Utc>> {
    run.records("calls")
        .iter()
        .map(|r| {
            let started = DateTime::parse_from_rfc3339(r["started"].as_str().unwrap()).unwrap();
            (r["id"].as_str().unwrap().to_string(), started.to_utc())
        })
        .collect()
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(v.as_str()?).ok()?.to_utc())
}

/// Every STATE of `calls` in `run` claims only calls emitted so far (`seen` before the run plus the
/// run's records up to that STATE): each call started in `backfill..cursor` (`start..cursor` without a
/// backfill edge) is among them.
fn assert_states_honest(run: &Run, all: &BTreeMap<String, DateTime<Utc>>, seen: &BTreeSet<String>) {
    let mut emitted = seen.clone();
    for m in &run.messages {
        if m["type"] == "RECORD" && m["record"]["stream"] == "calls" {
            emitted.insert(m["record"]["data"]["id"].as_str().unwrap().to_string());
        }
        if m["type"] != "STATE" || m["state"]["stream"]["stream_descriptor"]["name"] != "calls" {
            continue;
        }
        let state = &m["state"]["stream"]["stream_state"];
        let Some(cursor) = time(&state["cursor"]) else {
            continue;
        };
        let floor = time(&state["backfill"]).unwrap_or(DateTime::<Utc>::MIN_UTC);
        for (id, started) in all {
            if *started >= floor && *started < cursor {
                assert!(
                    emitted.contains(id),
                    "STATE {state} claims call {id} ({started}), not emitted"
                );
            }
        }
    }
}

#[test]
fn a_history_over_the_budget_comes_newest_first_and_ends_complete() {
    let sandbox = start_sandbox(gong_sandbox::SandboxConfig {
        calls: 2_000,
        days: 40,
        users: 18,
        ..gong_sandbox::SandboxConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now().date_naive() - Duration::days(45);
    let mut cfg = config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z"));
    cfg["propagate_deletes"] = json!(false);
    let whole_config = write_json(dir.path(), "whole.json", &cfg);
    // About two windows of history a day (a window is ~4 pages here): far below the history.
    cfg["requests_per_day"] = json!(12);
    let config = write_json(dir.path(), "config.json", &cfg);
    let catalog = configured_catalog(&discover(&config), &[("calls", "incremental")]);
    let catalog = write_json(dir.path(), "catalog.json", &catalog);
    let t0 = Utc::now().duration_trunc(Duration::hours(1)).unwrap() + Duration::minutes(10);
    let all = calls(&read_at(
        dir.path(),
        &whole_config,
        &catalog,
        &json!([]),
        t0,
    ));
    assert!(all.len() > 1_000, "{} calls", all.len());

    // Day 1: the budget reads the newest windows only.
    let first = read_at(dir.path(), &config, &catalog, &json!([]), t0);
    let got = calls(&first);
    assert!(
        !got.is_empty() && got.len() < all.len(),
        "{} of {}",
        got.len(),
        all.len()
    );
    let newest = all.values().max().unwrap();
    assert!(
        got.values().any(|s| s == newest),
        "the newest call comes first"
    );
    // Slices fetch at once, so records of older windows may come too; the STATE claims the newest
    // windows, down to its backfill edge, and the calls below the edge are left for later.
    assert_states_honest(&first, &all, &BTreeSet::new());
    let last = first.states("calls").last().copied().unwrap().clone();
    assert!(
        last["stream"]["stream_state"]["backfill"].is_string(),
        "{last}"
    );

    // The next days: what is new first, then on down, until the history is in.
    let mut seen: BTreeSet<String> = got.into_keys().collect();
    let mut state = json!([last]);
    let mut logged_history = false;
    for day in 1..60 {
        let run = read_at(
            dir.path(),
            &config,
            &catalog,
            &state,
            t0 + Duration::days(day),
        );
        assert_states_honest(&run, &all, &seen);
        logged_history |= run.of_type("LOG").any(|m| {
            let line = m["log"]["message"].as_str().unwrap_or("");
            line.starts_with("History to read") && line.contains("calls: read down to")
        });
        seen.extend(calls(&run).into_keys());
        state = json!([run.states("calls").last().copied().unwrap().clone()]);
        if state[0]["stream"]["stream_state"].get("backfill").is_none() {
            break;
        }
    }
    assert!(
        logged_history,
        "a LOG line says how far down the history is read"
    );
    assert!(
        state[0]["stream"]["stream_state"].get("backfill").is_none(),
        "the history completes: {state}"
    );
    let want: BTreeSet<String> = all.into_keys().collect();
    assert_eq!(seen, want, "every call, over the days");
}
