//! Incremental sync against the sandbox: saved cursors, the lookback window, late data, future states,
//! recordCount on every STATE, and SIGKILL at random points resumed from the last STATE.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, Utc};
use common::*;
use serde_json::{json, Value};

/// The call streams share windows (`engine/listings.rs`): kill/resume covers takers whose saved cursors
/// differ from their provider's.
const INCREMENTAL: &[&str] = &[
    "calls",
    "calls_extensive",
    "call_transcripts",
    "call_media",
    "call_users_access",
    "stats_activity_aggregate",
    "stats_activity_day_by_day",
    "stats_interaction",
    "coaching",
    "stats_activity_scorecards",
];

fn setup(
    dir: &Path,
    base_url: &str,
    extra: Value,
) -> (std::path::PathBuf, std::path::PathBuf, Vec<Value>) {
    let start = Utc::now().date_naive() - Duration::days(45);
    let mut cfg = config_for(base_url, &format!("{start}T00:00:00Z"));
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    let config = write_json(dir, "config.json", &cfg);
    let discovered = discover(&config);
    let streams: Vec<(&str, &str)> = INCREMENTAL.iter().map(|s| (*s, "incremental")).collect();
    let catalog = write_json(
        dir,
        "catalog.json",
        &configured_catalog(&discovered, &streams),
    );
    (config, catalog, discovered)
}

/// The state file a platform would pass next: the last STATE of each stream, as PyAirbyte writes it.
fn state_from(messages: &[Value]) -> Value {
    let mut last: BTreeMap<String, Value> = BTreeMap::new();
    for m in messages.iter().filter(|m| m["type"] == "STATE") {
        let name = m["state"]["stream"]["stream_descriptor"]["name"]
            .as_str()
            .unwrap()
            .to_string();
        last.insert(name, m["state"].clone());
    }
    Value::Array(last.into_values().collect())
}

fn key_set(messages: &[Value], discovered: &[Value]) -> BTreeSet<String> {
    let pks: HashMap<String, Vec<Value>> = discovered
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["source_defined_primary_key"].as_array().unwrap().clone(),
            )
        })
        .collect();
    messages
        .iter()
        .filter(|m| m["type"] == "RECORD")
        .map(|m| {
            let stream = m["record"]["stream"].as_str().unwrap();
            format!("{stream}:{}", pk_of(&m["record"]["data"], &pks[stream]))
        })
        .collect()
}

/// Every STATE's recordCount equals the records of its stream since that stream's previous STATE.
fn assert_counts_match(messages: &[Value]) {
    let mut since: HashMap<String, u64> = HashMap::new();
    for m in messages {
        match m["type"].as_str().unwrap() {
            "RECORD" => {
                *since
                    .entry(m["record"]["stream"].as_str().unwrap().to_string())
                    .or_default() += 1
            }
            "STATE" => {
                let name = m["state"]["stream"]["stream_descriptor"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let counted = m["state"]["sourceStats"]["recordCount"].as_f64().unwrap() as u64;
                assert_eq!(
                    counted,
                    since.remove(&name).unwrap_or(0),
                    "recordCount of a {name} STATE"
                );
            }
            _ => {}
        }
    }
}

fn cursor_of(state: &Value, stream: &str) -> String {
    state
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stream"]["stream_descriptor"]["name"] == stream)
        .map(|s| {
            s["stream"]["stream_state"]["cursor"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap_or_else(|| panic!("no state for {stream}"))
}

#[test]
fn second_sync_reads_only_from_the_cursor_minus_lookback_and_picks_up_late_data() {
    let sandbox = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let (config, catalog, discovered) =
        setup(dir.path(), &sandbox.base_url(), json!({"lookback_days": 2}));
    let first = run_read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{:?}", first.errors());
    assert_counts_match(&first.messages);
    let first_calls = first.records("calls").len();
    assert!(first_calls > 100);
    let state = state_from(&first.messages);
    for stream in INCREMENTAL {
        let s = state
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stream"]["stream_descriptor"]["name"] == *stream);
        assert!(s.is_some(), "no STATE for {stream}");
        assert_eq!(s.unwrap()["stream"]["stream_state"]["state_version"], 1);
    }

    // A call processed late: it started a day ago, inside the lookback, after the first sync ran.
    let late_started = Utc::now() - Duration::hours(20);
    let late_id = sandbox.add_call(late_started);
    // PyAirbyte's form of the state: extra keys and nulls.
    let mut pyairbyte_state = state.clone();
    for s in pyairbyte_state.as_array_mut().unwrap() {
        s["global_"] = Value::Null;
        s["data"] = Value::Null;
        s["sourceStats"] = json!({"recordCount": 3.0});
    }
    let state_path = write_json(dir.path(), "state.json", &pyairbyte_state);
    // The next day's first sync (the connector's clock at 00:30 UTC tomorrow) re-reads the whole
    // lookback; a sync later the same day re-reads hours (`plan::SAME_DAY_LOOKBACK`).
    let next_day = (Utc::now() + Duration::days(1)).date_naive();
    let next_day = format!("{next_day}T00:30:00Z");
    let args = read_args(&config, &catalog, Some(&state_path));
    let second = run_env(&args, &[("SOURCE_GONG_NOW", next_day.as_str())]);
    assert_eq!(second.code, 0, "{:?}", second.errors());
    assert_counts_match(&second.messages);

    let cursor: DateTime<Utc> = cursor_of(&state, "calls").parse().unwrap();
    let floor = cursor - Duration::days(2);
    let calls = second.records("calls");
    assert!(!calls.is_empty());
    assert!(
        calls.len() < first_calls / 3,
        "second sync re-read too much: {} of {first_calls}",
        calls.len()
    );
    for c in &calls {
        let started: DateTime<Utc> = c["started"].as_str().unwrap().parse().unwrap();
        assert!(
            started >= floor,
            "call {} started {started}, before cursor - lookback {floor}",
            c["id"]
        );
    }
    // Exactly the sandbox's calls since cursor - lookback, the late one included.
    let ds = sandbox.dataset().read().unwrap();
    let expected: BTreeSet<String> = ds
        .calls
        .iter()
        .filter(|c| c.started >= floor.timestamp())
        .map(|c| c.id_str())
        .collect();
    drop(ds);
    let got: BTreeSet<String> = calls
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, expected);
    assert!(got.contains(&late_id), "the late call was missed");
    for stream in ["calls_extensive", "call_transcripts"] {
        let key = if stream == "calls_extensive" {
            "id"
        } else {
            "callId"
        };
        assert!(
            second
                .records(stream)
                .iter()
                .any(|r| r[key] == late_id.as_str()),
            "{stream} missed the late call"
        );
    }
    // Period streams re-read only the lookback's days.
    let days: BTreeSet<String> = second
        .records("stats_interaction")
        .iter()
        .map(|r| r["fromDate"].as_str().unwrap().to_string())
        .collect();
    assert!(
        days.len() <= 3,
        "stats re-read {} days: {days:?}",
        days.len()
    );
    // Every key of the second sync was already read by the first or is new data (the late call).
    let k1 = key_set(&first.messages, &discovered);
    let k2 = key_set(&second.messages, &discovered);
    let new: Vec<&String> = k2.difference(&k1).collect();
    assert!(
        new.iter()
            .all(|k| k.contains(&late_id) || k.starts_with("stats_") || k.starts_with("coaching")),
        "unexpected new keys {new:?}"
    );
}

#[test]
fn a_state_from_the_future_reads_nothing_and_fails_nothing() {
    let sandbox = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let (config, catalog, _) = setup(dir.path(), &sandbox.base_url(), json!({}));
    let future = (Utc::now() + Duration::days(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let state: Vec<Value> = INCREMENTAL
        .iter()
        .map(|s| json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": s}, "stream_state": {"state_version": 1, "cursor": future}}}))
        .collect();
    let state_path = write_json(dir.path(), "state.json", &Value::Array(state));
    let run = run_read(&config, &catalog, Some(&state_path));
    assert_eq!(run.code, 0, "{:?}", run.errors());
    assert_eq!(run.of_type("RECORD").count(), 0);
    for stream in INCREMENTAL {
        assert_eq!(
            run.statuses(stream).last().map(String::as_str),
            Some("COMPLETE")
        );
        let states = run.states(stream);
        assert!(!states.is_empty(), "{stream} emitted no STATE");
    }
}

#[test]
fn states_of_unknown_streams_and_legacy_forms_are_accepted() {
    let sandbox = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let (config, catalog, _) = setup(dir.path(), &sandbox.base_url(), json!({}));
    let recent = (Utc::now() - Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    for state in [
        json!([]),
        json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "not_a_stream"}, "stream_state": {"x": 1}}}]),
        json!({"calls": {"cursor": recent}, "retired_stream": {"anything": true}}),
        json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "calls", "namespace": null}, "stream_state": null}}]),
    ] {
        let path = write_json(dir.path(), "state.json", &state);
        let run = run_read(&config, &catalog, Some(&path));
        assert_eq!(run.code, 0, "state {state}: {:?}", run.errors());
    }
    let bad = write_json(
        dir.path(),
        "bad.json",
        &json!({"calls": {"cursor": "not a date"}}),
    );
    let run = run_read(&config, &catalog, Some(&bad));
    assert_ne!(run.code, 0);
    let errors = run.errors();
    let e = errors
        .iter()
        .find(|e| e["message"].as_str().unwrap().contains("`calls`"))
        .expect("an error naming the stream");
    assert_eq!(e["failure_type"], "config_error");
}

/// Runs a read and SIGKILLs it after `kill_after` stdout lines (or lets it finish). Returns the lines
/// read before the kill and whether it finished by itself.
fn read_until_killed(
    config: &Path,
    catalog: &Path,
    state: Option<&Path>,
    kill_after: usize,
) -> (Vec<Value>, bool) {
    let mut cmd = Command::new(BIN);
    cmd.args(read_args(config, catalog, state));
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    let mut killed = false;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        lines.push(serde_json::from_str::<Value>(&line).expect("stdout line is JSON"));
        if lines.len() >= kill_after {
            child.kill().unwrap(); // SIGKILL
            killed = true;
            break;
        }
    }
    let status = child.wait().unwrap();
    if !killed {
        assert!(status.success(), "an un-killed read failed");
    }
    (lines, !killed)
}

#[test]
fn sigkill_at_random_points_then_resume_loses_nothing() {
    let sandbox = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let (config, catalog, discovered) = setup(
        dir.path(),
        &sandbox.base_url(),
        json!({"window_days": 2, "lookback_days": 1}),
    );
    let clean = run_read(&config, &catalog, None);
    assert_eq!(clean.code, 0);
    let clean_keys = key_set(&clean.messages, &discovered);
    let total_lines = clean.messages.len();
    assert!(total_lines > 1000);

    // Deterministic pseudo-random kill points.
    let mut seed: u64 = 0x5EED_1234_ABCD;
    let mut next = |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound as u64) as usize + 1
    };
    let runs = 24;
    let mut kills = 0;
    for run_no in 0..runs {
        let state_path = dir.path().join(format!("state-{run_no}.json"));
        let mut all: Vec<Value> = Vec::new();
        let mut state: Option<Value> = None;
        for attempt in 0..20 {
            if let Some(s) = &state {
                std::fs::write(&state_path, s.to_string()).unwrap();
            }
            // Kill somewhere in the sync (later attempts are allowed to finish).
            let kill_after = if attempt < 3 {
                next(total_lines)
            } else {
                usize::MAX
            };
            let (lines, finished) = read_until_killed(
                &config,
                &catalog,
                state.as_ref().map(|_| state_path.as_path()),
                kill_after,
            );
            if !finished {
                kills += 1;
            }
            assert_counts_match(&lines);
            // Only STATEs the platform received count; merge them onto the previous state.
            let mut merged: BTreeMap<String, Value> = BTreeMap::new();
            if let Some(Value::Array(prev)) = &state {
                for s in prev {
                    merged.insert(
                        s["stream"]["stream_descriptor"]["name"]
                            .as_str()
                            .unwrap()
                            .to_string(),
                        s.clone(),
                    );
                }
            }
            for s in lines.iter().filter(|m| m["type"] == "STATE") {
                merged.insert(
                    s["state"]["stream"]["stream_descriptor"]["name"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    s["state"].clone(),
                );
            }
            all.extend(lines);
            state = Some(Value::Array(merged.into_values().collect()));
            if finished {
                break;
            }
        }
        let keys = key_set(&all, &discovered);
        let missing: Vec<&String> = clean_keys.difference(&keys).take(5).collect();
        assert!(
            missing.is_empty(),
            "run {run_no}: records lost after kill/resume: {missing:?}"
        );
        let extra: Vec<&String> = keys.difference(&clean_keys).take(5).collect();
        assert!(
            extra.is_empty(),
            "run {run_no}: records that the clean run does not have: {extra:?}"
        );
    }
    eprintln!("kill/resume: {runs} runs, {kills} SIGKILLs, every run complete");
    assert!(kills >= 20);
}
