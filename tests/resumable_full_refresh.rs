//! Resumable full refresh (issue 25): a full-refresh stream checkpoints after its slices; a read killed in
//! the middle and resumed from its last STATE skips what was written and, with the killed read's records,
//! holds every record of an uninterrupted read. Discover marks those streams resumable with a
//! source-defined (synthetic) cursor.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{Duration, Utc};
use common::*;
use gong_sandbox::SandboxConfig;
use serde_json::{json, Value};

fn keys(messages: &[Value], pk: &[Value]) -> BTreeSet<String> {
    (messages.iter())
        .filter(|m| m["type"] == "RECORD")
        .map(|m| pk_of(&m["record"]["data"], pk))
        .collect()
}

/// The messages of a read killed `extra` lines after its `states`-th resume STATE (counted in this
/// run: where a read writes its STATEs varies from run to run with the slices' timing).
fn killed_after(config: &Path, catalog: &Path, states: usize, extra: usize) -> Vec<Value> {
    let mut child = Command::new(BIN)
        .args(read_args(config, catalog, None))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (mut out, mut seen, mut after) = (Vec::new(), 0, None);
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let m: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if is_position(&m) {
            seen += 1;
        }
        out.push(m);
        if seen >= states && *after.get_or_insert(out.len() + extra) <= out.len() {
            break;
        }
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    out
}

/// The last STATE of `stream` among `messages`, as a state file's array.
/// A full refresh's position STATE.
fn is_position(m: &Value) -> bool {
    m["type"] == "STATE" && m["state"]["stream"]["stream_state"]["resume"].is_object()
}

fn last_state(messages: &[Value], stream: &str) -> Value {
    let state = (messages.iter().rev())
        .find(|m| {
            m["type"] == "STATE" && m["state"]["stream"]["stream_descriptor"]["name"] == stream
        })
        .map(|m| m["state"].clone())
        .expect("a STATE before the kill");
    json!([state])
}

fn kill_and_resume(stream: &str) {
    let sandbox = start_sandbox(SandboxConfig {
        calls: 2_000,
        days: 40,
        users: 18,
        ..SandboxConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now().date_naive() - Duration::days(45);
    let mut cfg = config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z"));
    // One request at a time: slices close one by one, a position STATE each (with four, several
    // closed at once and a read of a few windows could write only two).
    cfg["max_concurrent_requests"] = json!(1);
    let config = write_json(dir.path(), "config.json", &cfg);
    let discovered = discover(&config);
    let entry = discovered.iter().find(|s| s["name"] == stream).unwrap();
    assert_eq!(entry["is_resumable"], true, "{stream}");
    assert_eq!(entry["source_defined_cursor"], true, "{stream}");
    let pk = entry["source_defined_primary_key"]
        .as_array()
        .unwrap()
        .clone();
    let catalog = write_json(
        dir.path(),
        "catalog.json",
        &configured_catalog(&discovered, &[(stream, "full_refresh")]),
    );
    let whole = run_read(&config, &catalog, None);
    assert_eq!(whole.code, 0, "{:#?}", whole.errors());
    let positions = whole.messages.iter().filter(|m| is_position(m)).count();
    assert!(positions >= 3, "{stream}: {positions} resume STATEs");
    let want = keys(&whole.messages, &pk);
    // Kill just after the second position's STATE, and in the middle of the slices after the third.
    for (states, extra) in [(2, 0), (3, 2)] {
        let kill = format!("{extra} lines after resume STATE {states}");
        let before = killed_after(&config, &catalog, states, extra);
        let state = write_json(dir.path(), "state.json", &last_state(&before, stream));
        let resumed = run_read(&config, &catalog, Some(&state));
        assert_eq!(resumed.code, 0, "{:#?}", resumed.errors());
        let logs: Vec<&str> = (resumed.of_type("LOG"))
            .filter_map(|m| m["log"]["message"].as_str())
            .collect();
        assert!(
            logs.iter().any(|l| l.contains("resuming a full refresh")),
            "{stream}: {logs:#?}"
        );
        let again = resumed.records(stream).len();
        assert!(
            again < whole.records(stream).len(),
            "{stream}: the resumed read skipped nothing"
        );
        let mut got = keys(&before, &pk);
        got.extend(keys(&resumed.messages, &pk));
        assert_eq!(got, want, "{stream}: kill {kill} lost records");
        // The finished read ends with the usual full-refresh marker: the next sync starts over.
        // (The ledger of the day's requests rides along in every STATE: `ledger.rs`.)
        let mut end = resumed.states(stream).last().unwrap()["stream"]["stream_state"].clone();
        end.as_object_mut().unwrap().remove("ledger");
        assert_eq!(end, json!({"__ab_no_cursor_state_message": true}));
    }
}

#[test]
fn a_killed_full_refresh_of_calls_resumes_after_its_written_windows() {
    kill_and_resume("calls");
}

#[test]
fn a_killed_full_refresh_of_a_per_user_stream_resumes_after_its_written_users() {
    kill_and_resume("user_settings_history");
}

#[test]
fn every_resumable_stream_has_a_source_defined_cursor() {
    // Since snapshot streams offer incremental (`snapshotAt`), every stream of discover is resumable;
    // the protocol asks a resumable stream to declare its cursor source-defined.
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(
        dir.path(),
        "config.json",
        &config_for("http://127.0.0.1:9", "2024-01-01T00:00:00Z"),
    );
    let streams = discover(&config);
    assert!(!streams.is_empty());
    for s in streams {
        if s["is_resumable"] == true {
            assert_eq!(s["source_defined_cursor"], true, "{}", s["name"]);
        }
    }
}
