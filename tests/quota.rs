//! The quota as a daily ledger (issue 23), against the sandbox with the connector's clock moved by
//! `SOURCE_GONG_NOW`: the ledger adds up the runs of a day and frees them a day later; a run that finds
//! the budget spent reads nothing, defers its streams with RATE_LIMITED and exits 0 with their states
//! kept, and the runs after it lose nothing; a stream not due by its cadence emits nothing and keeps its
//! state; old states (no ledger) keep working; a ledger in a state of a deselected stream still counts.
//! A snapshot larger than a day's budget resumes over the next days with one `snapshotAt`, losing no
//! record; the deletion sweep is held to the budget and waits rather than spend the reserve for new calls.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, DurationRound, Utc};
use common::*;
use serde_json::{json, Value};

/// A run of `read` at `now` (the connector's clock) with the state of `state` messages, when given.
fn read_at(
    dir: &Path,
    config: &Path,
    catalog: &Path,
    state: Option<&Value>,
    now: DateTime<Utc>,
) -> Run {
    let state_path = state.map(|s| write_json(dir, "state.json", s));
    let args = read_args(config, catalog, state_path.as_deref());
    let now = now.to_rfc3339();
    let run = run_env(&args, &[("SOURCE_GONG_NOW", now.as_str())]);
    assert!(
        run.errors().is_empty(),
        "no error TRACE: {:?}",
        run.errors()
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

/// The state a platform passes next: `before`'s streams, replaced by the last STATE of each stream in
/// `run` (the platform keeps the states of streams a run did not touch).
fn next_state(before: Option<&Value>, run: &Run) -> Value {
    let mut by_name: std::collections::BTreeMap<String, Value> = before
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| (name_of(s), s.clone()))
        .collect();
    for m in run.of_type("STATE") {
        by_name.insert(name_of(&m["state"]), m["state"].clone());
    }
    Value::Array(by_name.into_values().collect())
}

fn name_of(state: &Value) -> String {
    state["stream"]["stream_descriptor"]["name"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The ledger's count of the hour starting at `hour` in the last STATE of `stream`.
fn ledger_hour(run: &Run, stream: &str, hour: DateTime<Utc>) -> u64 {
    let state = run.states(stream).last().copied().expect("a STATE").clone();
    let key = hour.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    state["stream"]["stream_state"]["ledger"]["requests_per_hour"][&key]
        .as_u64()
        .unwrap_or(0)
}

fn cursor(run: &Run, stream: &str) -> Value {
    run.states(stream).last().expect("a STATE")["stream"]["stream_state"]["cursor"].clone()
}

fn logs(run: &Run) -> Vec<String> {
    run.of_type("LOG")
        .filter_map(|m| m["log"]["message"].as_str().map(str::to_string))
        .collect()
}

/// The RATE_LIMITED reasons of `stream`'s statuses: (status, quota_reset).
fn rate_limited(run: &Run, stream: &str) -> Vec<(String, i64)> {
    run.of_type("TRACE")
        .filter(|m| m["trace"]["type"] == "STREAM_STATUS")
        .map(|m| &m["trace"]["stream_status"])
        .filter(|s| s["stream_descriptor"]["name"] == stream && s.get("reasons").is_some())
        .map(|s| {
            let reasons = s["reasons"].as_array().unwrap();
            assert_eq!(reasons.len(), 1, "exactly one reason: {s}");
            assert_eq!(reasons[0]["type"], "RATE_LIMITED");
            (
                s["status"].as_str().unwrap().to_string(),
                reasons[0]["rate_limited"]["quota_reset"].as_i64().unwrap(),
            )
        })
        .collect()
}

struct Setup {
    _sandbox: gong_sandbox::BlockingSandbox,
    dir: tempfile::TempDir,
    config: PathBuf,
    discovered: Vec<Value>,
    /// The hour the tests' first run happens in (a whole hour, plus ten minutes).
    t0: DateTime<Utc>,
}

fn setup(extra: Value) -> Setup {
    setup_with(small_sandbox_config(), extra)
}

fn setup_with(company: gong_sandbox::SandboxConfig, extra: Value) -> Setup {
    let sandbox = start_sandbox(company);
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now().date_naive() - Duration::days(45);
    let mut cfg = config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z"));
    // Off but where a test turns it on: these tests count the engine's requests alone.
    cfg["propagate_deletes"] = json!(false);
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    let config = write_json(dir.path(), "config.json", &cfg);
    let discovered = discover(&config);
    let t0 = Utc::now().duration_trunc(Duration::hours(1)).unwrap() + Duration::minutes(10);
    Setup {
        _sandbox: sandbox,
        dir,
        config,
        discovered,
        t0,
    }
}

impl Setup {
    fn catalog(&self, streams: &[(&str, &str)]) -> PathBuf {
        write_json(
            self.dir.path(),
            "catalog.json",
            &configured_catalog(&self.discovered, streams),
        )
    }

    fn read(&self, catalog: &Path, state: Option<&Value>, now: DateTime<Utc>) -> Run {
        read_at(self.dir.path(), &self.config, catalog, state, now)
    }
}

fn keys(run: &Run, stream: &str) -> BTreeSet<String> {
    run.records(stream)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_ledger_adds_up_the_runs_of_a_day_and_frees_them_a_day_later() {
    let s = setup(json!({}));
    let catalog = s.catalog(&[("calls", "incremental")]);
    let hour = s.t0.duration_trunc(Duration::hours(1)).unwrap();
    let first = s.read(&catalog, None, s.t0);
    let spent1 = requests_sent(&first);
    assert!(spent1 > 0);
    assert_eq!(ledger_hour(&first, "calls", hour), spent1);
    // Half an hour later, the same hour: the runs add up.
    let state = next_state(None, &first);
    let second = s.read(&catalog, Some(&state), s.t0 + Duration::minutes(30));
    let spent2 = requests_sent(&second);
    assert_eq!(ledger_hour(&second, "calls", hour), spent1 + spent2);
    assert!(logs(&second).iter().any(|l| l.contains(&format!(
        "Request budget: {} of requests_per_day (4000) spent in the last 24 hours",
        spent1
    ))));
    // Three hours later: another hour, the first still counts.
    let state = next_state(Some(&state), &second);
    let third = s.read(&catalog, Some(&state), s.t0 + Duration::hours(3));
    let spent3 = requests_sent(&third);
    assert_eq!(ledger_hour(&third, "calls", hour), spent1 + spent2);
    assert_eq!(
        ledger_hour(&third, "calls", hour + Duration::hours(3)),
        spent3
    );
    // A day after the first hour, it no longer counts and is not written.
    let state = next_state(Some(&state), &third);
    let fourth = s.read(&catalog, Some(&state), s.t0 + Duration::hours(24));
    assert!(logs(&fourth).iter().any(|l| l.contains(&format!(
        "Request budget: {spent3} of requests_per_day (4000) spent in the last 24 hours"
    ))));
    assert_eq!(ledger_hour(&fourth, "calls", hour), 0);
}

#[test]
fn a_spent_budget_defers_with_rate_limited_keeps_state_and_loses_nothing() {
    // Two requests a day: the first sync of calls takes several days.
    let s = setup(json!({"requests_per_day": 2}));
    // The whole history of calls in one run of the default budget, for comparison.
    let whole = {
        let text = std::fs::read_to_string(&s.config).unwrap();
        let mut cfg: Value = serde_json::from_str(&text).unwrap();
        cfg.as_object_mut().unwrap().remove("requests_per_day");
        let config = write_json(s.dir.path(), "whole.json", &cfg);
        let c = s.catalog(&[("calls", "incremental")]);
        keys(&read_at(s.dir.path(), &config, &c, None, s.t0), "calls")
    };
    let catalog = s.catalog(&[("calls", "incremental"), ("workspaces", "full_refresh")]);
    let mut seen = BTreeSet::new();
    let mut state: Option<Value> = None;
    let hour = s.t0.duration_trunc(Duration::hours(1)).unwrap();
    // Day 1: the budget of 2 runs out inside the first run.
    let first = s.read(&catalog, None, s.t0);
    assert_eq!(requests_sent(&first), 2, "never more than the budget");
    seen.extend(keys(&first, "calls"));
    assert!(seen.len() < whole.len(), "the budget stops the first run");
    let deferred = [
        rate_limited(&first, "calls"),
        rate_limited(&first, "workspaces"),
    ];
    let reset = (hour + Duration::hours(24)).timestamp_millis();
    for d in &deferred {
        assert_eq!(d, &vec![("RUNNING".to_string(), reset)], "{deferred:?}");
    }
    assert_eq!(first.statuses("calls").last().unwrap(), "COMPLETE");
    state = Some(next_state(state.as_ref(), &first));
    let kept = cursor(&first, "calls");
    // The same day: nothing is sent, the state is kept, the LOG says when the budget frees up.
    let again = s.read(&catalog, state.as_ref(), s.t0 + Duration::hours(2));
    assert_eq!(requests_sent(&again), 0);
    assert!(again.records("calls").is_empty());
    assert_eq!(cursor(&again, "calls"), kept);
    assert_eq!(
        rate_limited(&again, "calls"),
        vec![("RUNNING".into(), reset)]
    );
    assert!(logs(&again)
        .iter()
        .any(|l| l.contains("The budget is spent")
            && l.contains(
                &(hour + Duration::hours(24))
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            )));
    state = Some(next_state(state.as_ref(), &again));
    // The next days go on from the state until the history is in; nothing is lost.
    let mut days = 0;
    for day in 1..40 {
        let run = s.read(&catalog, state.as_ref(), s.t0 + Duration::hours(24 * day));
        assert!(requests_sent(&run) <= 2);
        seen.extend(keys(&run, "calls"));
        state = Some(next_state(state.as_ref(), &run));
        days = day;
        if rate_limited(&run, "calls").is_empty() {
            break;
        }
    }
    assert!(days >= 2, "the history took {days} more days");
    assert_eq!(seen, whole, "every call, over the days");
    eprintln!("calls complete after {days} more days of 2 requests");
}

#[test]
fn a_stream_not_due_emits_nothing_and_keeps_its_state() {
    let s = setup(json!({}));
    let catalog = s.catalog(&[("users", "incremental"), ("workspaces", "full_refresh")]);
    let first = s.read(&catalog, None, s.t0);
    let users = first.records("users");
    assert!(!users.is_empty());
    let stamp = s.t0.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert!(users.iter().all(|u| u["snapshotAt"] == stamp.as_str()));
    assert_eq!(cursor(&first, "users"), json!(stamp));
    let state = next_state(None, &first);
    // An hour later: users (a daily snapshot) is not due; the full-refresh stream is always read.
    let later = s.read(&catalog, Some(&state), s.t0 + Duration::hours(1));
    assert!(later.records("users").is_empty());
    assert!(!later.records("workspaces").is_empty());
    assert_eq!(cursor(&later, "users"), json!(stamp));
    assert_eq!(
        later.states("users").last().unwrap()["stream"]["stream_state"]["read_at"],
        json!(stamp)
    );
    assert!(logs(&later)
        .iter()
        .any(|l| l.contains("users: not due until")));
    // A day later it is read again, with a new stamp.
    let state = next_state(Some(&state), &later);
    let day = s.read(&catalog, Some(&state), s.t0 + Duration::hours(24));
    let users = day.records("users");
    assert!(!users.is_empty());
    let stamp2 = (s.t0 + Duration::hours(24))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert!(users.iter().all(|u| u["snapshotAt"] == stamp2.as_str()));
}

#[test]
fn stream_cadence_hours_overrides_the_default() {
    let s = setup(json!({"stream_cadence_hours": [{"stream": "users", "hours": 0}]}));
    let catalog = s.catalog(&[("users", "incremental")]);
    let first = s.read(&catalog, None, s.t0);
    let state = next_state(None, &first);
    let later = s.read(&catalog, Some(&state), s.t0 + Duration::minutes(5));
    assert_eq!(later.records("users").len(), first.records("users").len());
}

#[test]
fn old_states_and_a_deselected_streams_ledger_keep_working() {
    let s = setup(json!({"requests_per_day": 100}));
    let catalog = s.catalog(&[("calls", "incremental")]);
    // A state of the form before the ledger (cursor only) starts one.
    let cursor_only = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "calls"},
        "stream_state": {"state_version": 1, "cursor": (s.t0 - Duration::days(5)).format("%Y-%m-%dT%H:%M:%SZ").to_string()}}}]);
    let run = s.read(&catalog, Some(&cursor_only), s.t0);
    assert!(!run.records("calls").is_empty());
    let hour = s.t0.duration_trunc(Duration::hours(1)).unwrap();
    assert_eq!(ledger_hour(&run, "calls", hour), requests_sent(&run));
    // The ledger of a stream not selected any more (flows) still counts: 100 spent an hour ago.
    let key = (hour - Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut state = cursor_only.as_array().unwrap().clone();
    state.push(
        json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": "flows"},
        "stream_state": {"state_version": 1, "ledger": {"requests_per_hour": {key: 100}}}}}),
    );
    let run = s.read(&catalog, Some(&Value::Array(state)), s.t0);
    assert_eq!(requests_sent(&run), 0);
    assert!(run.records("calls").is_empty());
    assert_eq!(rate_limited(&run, "calls").len(), 1);
}

#[test]
fn an_invalid_clock_is_a_config_error() {
    let s = setup(json!({}));
    let catalog = s.catalog(&[("calls", "incremental")]);
    let args = read_args(&s.config, &catalog, None);
    let run = run_env(&args, &[("SOURCE_GONG_NOW", "tomorrow")]);
    assert_eq!(run.code, 1);
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["failure_type"], "config_error");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("SOURCE_GONG_NOW"));
}

/// A read of `stream` alone at `now` with the setup's config less its daily budget (the whole snapshot
/// in one run), in a directory of its own.
/// Writes the setup's config with `requests_per_day` set.
fn set_budget(s: &Setup, per_day: u64) {
    let cfg = std::fs::read_to_string(&s.config).unwrap();
    let mut cfg: Value = serde_json::from_str(&cfg).unwrap();
    cfg["requests_per_day"] = json!(per_day);
    write_json(s.dir.path(), "config.json", &cfg);
}

fn whole_read(s: &Setup, stream: &str, now: DateTime<Utc>) -> Run {
    let text = std::fs::read_to_string(&s.config).unwrap();
    let mut cfg: Value = serde_json::from_str(&text).unwrap();
    cfg.as_object_mut().unwrap().remove("requests_per_day");
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(dir.path(), "whole.json", &cfg);
    let catalog = write_json(
        dir.path(),
        "catalog.json",
        &configured_catalog(&s.discovered, &[(stream, "incremental")]),
    );
    read_at(dir.path(), &config, &catalog, None, now)
}

/// The stream's records as key strings (its primary key), in the order written.
fn keyed(run: &Run, stream: &str, pk: &[&str]) -> Vec<String> {
    run.records(stream)
        .iter()
        .map(|r| {
            let parts: Vec<String> = pk.iter().map(|k| r[*k].to_string()).collect();
            parts.join("|")
        })
        .collect()
}

/// A snapshot stream (one request chain per user) under a daily budget that covers a third of it: the
/// first run reads what the budget allows and is deferred with its position; the next two days' runs
/// resume it, stamping their records with the first run's `snapshotAt`; the third completes it (cursor
/// = that `snapshotAt`, no position left, `read_at` of the last run). Together the runs hold every
/// record of a whole read. Returns the runs' keyed records (per run) and the whole read's.
fn snapshot_over_three_days(stream: &str, pk: &[&str]) -> (Vec<Vec<String>>, Vec<String>) {
    // One request at a time: the cut is at a slice boundary, and at most one slice is in flight.
    let s = setup(json!({"max_concurrent_requests": 1}));
    let whole = whole_read(&s, stream, s.t0);
    let cost = requests_sent(&whole);
    // A third of the snapshot a day, plus the users list each run plans with.
    let per_day = cost.div_ceil(3) + 1;
    set_budget(&s, per_day);
    let catalog = s.catalog(&[(stream, "incremental")]);
    let stamp = s.t0.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (mut state, mut runs) = (None, Vec::new());
    for day in 0..3 {
        let now = s.t0 + Duration::hours(24 * day);
        let run = s.read(&catalog, state.as_ref(), now);
        assert!(
            requests_sent(&run) <= per_day,
            "day {day}: within the budget"
        );
        let records = run.records(stream);
        assert!(!records.is_empty(), "day {day} reads part of the snapshot");
        assert!(
            records.iter().all(|r| r["snapshotAt"] == stamp.as_str()),
            "day {day}: one snapshotAt across the runs"
        );
        let last = &run.states(stream).last().expect("a STATE")["stream"]["stream_state"];
        if day < 2 {
            assert_eq!(rate_limited(&run, stream).len(), 1, "day {day} is deferred");
            assert_eq!(last["resume"]["snapshot_at"], json!(stamp), "{last}");
            assert!(
                last.get("cursor").is_none(),
                "no snapshot complete yet: {last}"
            );
        } else {
            assert!(rate_limited(&run, stream).is_empty(), "day 3 completes it");
            assert_eq!(last["cursor"], json!(stamp), "{last}");
            assert!(last.get("resume").is_none(), "{last}");
            let read_at = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            assert_eq!(last["read_at"], json!(read_at));
        }
        if day > 0 {
            assert!(
                logs(&run).iter().any(|l| l.contains(&format!(
                    "{stream}: due (snapshot every 7 days; resuming its unfinished snapshot of {stamp})"
                ))),
                "{:?}",
                logs(&run)
            );
        }
        assert_eq!(run.statuses(stream).last().unwrap(), "COMPLETE");
        runs.push(keyed(&run, stream, pk));
        state = Some(next_state(state.as_ref(), &run));
    }
    // An hour later the snapshot is read whole: the stream is not due before its cadence.
    let later = s.read(&catalog, state.as_ref(), s.t0 + Duration::hours(49));
    assert!(later.records(stream).is_empty());
    (runs, keyed(&whole, stream, pk))
}

#[test]
fn flows_read_a_third_a_day_completes_on_the_third_day_with_one_snapshot_at() {
    let (runs, whole) = snapshot_over_three_days("flows", &["id"]);
    let read: BTreeSet<&String> = runs.iter().flatten().collect();
    assert_eq!(read, whole.iter().collect(), "every flow of a whole read");
}

#[test]
fn a_resumed_snapshot_loses_no_record_and_doubles_none_beyond_the_slice_at_the_cut() {
    let pk = ["userId", "setting", "time"];
    let (runs, whole) = snapshot_over_three_days("user_settings_history", &pk);
    let mut count: std::collections::BTreeMap<&String, usize> = Default::default();
    for key in runs.iter().flatten() {
        *count.entry(key).or_default() += 1;
    }
    let read: BTreeSet<&String> = count.keys().copied().collect();
    assert_eq!(read, whole.iter().collect(), "no record missing");
    // A record read twice belongs to a user whose slice was in flight at one of the two cuts: at most
    // `max_concurrent_requests` (4 by default) slices at each.
    let doubled: BTreeSet<&str> = (count.iter())
        .filter(|(_, &n)| n > 1)
        .map(|(k, _)| k.split('|').next().unwrap())
        .collect();
    assert!(
        doubled.len() <= 2 * 4,
        "doubled beyond the cuts: {doubled:?}"
    );
}

#[test]
fn the_deletion_sweep_is_held_to_the_share_and_leaves_the_reserve_to_new_calls() {
    let s = setup(json!({"propagate_deletes": true, "requests_per_day": 200}));
    let catalog = s.catalog(&[("calls", "incremental")]);
    let hour = s.t0.duration_trunc(Duration::hours(1)).unwrap();
    // The first sync sweeps (it builds the memory) within the share: the ledger counts its requests.
    let first = s.read(&catalog, None, s.t0);
    assert!(logs(&first)
        .iter()
        .any(|l| l.starts_with("Deletion sweep:")));
    assert!(requests_sent(&first) <= 200);
    assert_eq!(ledger_hour(&first, "calls", hour), requests_sent(&first));
    let state = next_state(None, &first);
    let memory = &first.states("calls").last().unwrap()["stream"]["stream_state"]["deletions"];
    assert!(memory.is_object());
    // 192 of 200 spent an hour ago: 8 left, within the reserve (10): the sweep waits and keeps the
    // memory; the new calls still read.
    let mut spent = state.as_array().unwrap().clone();
    let key = (hour - Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    spent.push(
        json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": "flows"},
        "stream_state": {"ledger": {"requests_per_hour": {key: 192 - requests_sent(&first)}}}}}),
    );
    let run = s.read(
        &catalog,
        Some(&Value::Array(spent)),
        s.t0 + Duration::minutes(30),
    );
    assert!(
        logs(&run)
            .iter()
            .any(|l| l.starts_with("Deletion sweep (propagate_deletes) waits for a later sync")),
        "{:?}",
        logs(&run)
    );
    assert!(!logs(&run).iter().any(|l| l.starts_with("Deletion sweep:")));
    assert!(requests_sent(&run) <= 8);
    let kept = &run.states("calls").last().unwrap()["stream"]["stream_state"]["deletions"];
    assert_eq!(kept, memory, "the memory is carried as it was");
}

/// The budget goes to new calls first, then to due snapshots, then to history: with a share that holds
/// the calls' recent week and the whole `flows` snapshot but not the calls' history too, the first sync
/// reads `flows` whole (though it is read after `calls`), writes every call of the recent week, and
/// defers `calls` with its history's edge kept; the next day's sync goes on down the history. (The
/// holds keep at most half the share from history, which flows' here is within.)
#[test]
fn due_snapshots_are_read_before_other_streams_history() {
    // Calls' history costs more than flows: the holds keep at most half the share from history.
    let company = gong_sandbox::SandboxConfig {
        calls: 6000,
        days: 60,
        users: 18,
        ..gong_sandbox::SandboxConfig::default()
    };
    let s = setup_with(company, json!({"max_concurrent_requests": 1}));
    let flows = requests_sent(&whole_read(&s, "flows", s.t0));
    let whole = whole_read(&s, "calls", s.t0);
    let calls = requests_sent(&whole);
    // Short of both by 10 requests, after the reserve (5%) for the next syncs' new calls.
    let target = flows + calls - 10;
    let per_day = (target..).find(|b| b - b * 5 / 100 == target).unwrap();
    set_budget(&s, per_day);
    let catalog = s.catalog(&[("calls", "incremental"), ("flows", "incremental")]);
    let first = s.read(&catalog, None, s.t0);
    assert!(requests_sent(&first) <= per_day);
    assert!(
        rate_limited(&first, "flows").is_empty(),
        "flows is read whole: {:?}",
        logs(&first)
    );
    assert_eq!(
        keys(&first, "flows"),
        keys(&whole_read(&s, "flows", s.t0), "flows")
    );
    assert_eq!(
        rate_limited(&first, "calls").len(),
        1,
        "calls' history is deferred"
    );
    let week = s.t0 - Duration::days(7);
    let started = |r: &Value| DateTime::parse_from_rfc3339(r["started"].as_str().unwrap()).unwrap();
    let recent: BTreeSet<String> = (whole.records("calls").iter())
        .filter(|r| started(r) >= week)
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        recent.len() > 100,
        "{} calls in the recent week",
        recent.len()
    );
    assert!(
        keys(&first, "calls").is_superset(&recent),
        "every call of the recent week"
    );
    let state = &first.states("calls").last().unwrap()["stream"]["stream_state"];
    assert!(
        state["backfill"].is_string(),
        "the history's edge is kept: {state}"
    );
    // What flows cost per slice, for what its next read holds.
    let flows_state = &first.states("flows").last().unwrap()["stream"]["stream_state"];
    let per_slice = flows_state["requests_per_slice"].as_f64().unwrap_or(0.0);
    assert!(per_slice >= 1.0, "{flows_state}");
    // The next day: flows is not due, the calls' history goes on and completes.
    set_budget(&s, 10_000);
    let next = s.read(
        &catalog,
        Some(&next_state(None, &first)),
        s.t0 + Duration::hours(24),
    );
    assert!(next.records("flows").is_empty(), "flows is not due");
    let both: BTreeSet<String> = keys(&first, "calls")
        .union(&keys(&next, "calls"))
        .cloned()
        .collect();
    assert_eq!(both, keys(&whole, "calls"), "no call lost");
}
