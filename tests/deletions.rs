//! Deleted in Gong, deleted in the warehouse (issue 25): syncs before and after a data-privacy erasure
//! of 5% of the calls and a retention purge, their records replayed through a model of an append + dedup
//! destination (per key the highest cursor wins, then the latest record; a winner with
//! `_ab_cdc_deleted_at` deletes the row). The model must hold exactly what a fresh sync of the erased
//! sandbox reads: no erased call left in any call-keyed stream, no other record lost. Also: a state of
//! the previous version (no memory) announces nothing on its first sweep, and a SIGKILL anywhere in a
//! sync that finds deletions loses none and invents none.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, Utc};
use common::*;
use gong_sandbox::SandboxConfig;
use serde_json::{json, Value};

/// The incremental streams deletions reach.
const CALL_KEYED: &[&str] = &[
    "calls",
    "calls_extensive",
    "call_transcripts",
    "call_users_access",
    "call_media",
];

struct Setup {
    dir: tempfile::TempDir,
    base: String,
    config: PathBuf,
    catalog: PathBuf,
    /// Per stream: its primary key fields and cursor field.
    keys: BTreeMap<String, (Vec<String>, String)>,
}

fn setup(base: &str, extra: Value) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now().date_naive() - Duration::days(70);
    let mut cfg = config_for(base, &format!("{start}T00:00:00Z"));
    // Every sync lists the whole history: the test's syncs all run on one day.
    cfg["deletion_sweep_days"] = json!(0);
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    let config = write_json(dir.path(), "config.json", &cfg);
    let discovered = discover(&config);
    let streams: Vec<(&str, &str)> = CALL_KEYED.iter().map(|s| (*s, "incremental")).collect();
    let catalog = write_json(
        dir.path(),
        "catalog.json",
        &configured_catalog(&discovered, &streams),
    );
    let keys = discovered
        .iter()
        .filter(|s| CALL_KEYED.contains(&s["name"].as_str().unwrap()))
        .map(|s| {
            let pk = (s["source_defined_primary_key"].as_array().unwrap().iter())
                .map(|p| p[0].as_str().unwrap().to_string())
                .collect();
            let schema = &s["json_schema"]["properties"]["_ab_cdc_deleted_at"];
            assert_eq!(
                schema["format"], "date-time",
                "{} declares the column",
                s["name"]
            );
            let cursor = s["default_cursor_field"][0].as_str().unwrap().to_string();
            (s["name"].as_str().unwrap().to_string(), (pk, cursor))
        })
        .collect();
    Setup {
        dir,
        base: base.to_string(),
        config,
        catalog,
        keys,
    }
}

impl Setup {
    fn read(&self, state: Option<&Value>) -> Run {
        let state = state.map(|s| write_json(self.dir.path(), "state.json", s));
        let run = run_read(&self.config, &self.catalog, state.as_deref());
        assert_eq!(run.code, 0, "{:#?}", run.errors());
        run
    }

    /// The model of the destination after `messages`, per stream: key → winning record.
    fn model(&self, messages: &[Value]) -> BTreeMap<String, BTreeMap<String, Value>> {
        let mut tables: BTreeMap<String, BTreeMap<String, (DateTime<Utc>, Value)>> =
            BTreeMap::new();
        for m in messages.iter().filter(|m| m["type"] == "RECORD") {
            let stream = m["record"]["stream"].as_str().unwrap();
            let data = &m["record"]["data"];
            let (pk, cursor) = &self.keys[stream];
            let key: Vec<String> = pk.iter().map(|k| data[k].to_string()).collect();
            let at = data[cursor]
                .as_str()
                .unwrap_or_else(|| panic!("{stream} cursor: {data}"));
            let at = DateTime::parse_from_rfc3339(at)
                .unwrap()
                .with_timezone(&Utc);
            let table = tables.entry(stream.to_string()).or_default();
            // Highest cursor wins; on a tie the later record (this one) does.
            match table.get(&key.join("|")) {
                Some((best, _)) if *best > at => {}
                _ => {
                    table.insert(key.join("|"), (at, data.clone()));
                }
            }
        }
        tables
            .into_iter()
            .map(|(stream, rows)| {
                let rows = rows
                    .into_iter()
                    .filter(|(_, (_, data))| data["_ab_cdc_deleted_at"].is_null())
                    .map(|(k, (_, data))| (k, data))
                    .collect();
                (stream, rows)
            })
            .collect()
    }
}

/// The last STATE of each stream, as the platform passes them to the next sync.
fn state_from(messages: &[Value]) -> Value {
    let mut last: BTreeMap<String, Value> = BTreeMap::new();
    for m in messages.iter().filter(|m| m["type"] == "STATE") {
        let name = m["state"]["stream"]["stream_descriptor"]["name"]
            .as_str()
            .unwrap();
        last.insert(name.to_string(), m["state"].clone());
    }
    Value::Array(last.into_values().collect())
}

fn deletion_records(messages: &[Value], stream: &str) -> BTreeSet<String> {
    (messages.iter())
        .filter(|m| m["type"] == "RECORD" && m["record"]["stream"] == stream)
        .filter(|m| !m["record"]["data"]["_ab_cdc_deleted_at"].is_null())
        .map(|m| m["record"]["data"]["id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn sandbox_config() -> SandboxConfig {
    SandboxConfig {
        calls: 400,
        days: 60,
        users: 18,
        ..SandboxConfig::default()
    }
}

/// Erases people (by email, Gong's endpoint) until at least 5% of the calls are gone; returns the ids
/// of the calls that went. `extensive` is a sync's calls_extensive records (their parties).
fn erase_five_percent(base: &str, extensive: &[&Value]) -> BTreeSet<String> {
    let before = calls_in(base);
    let total = before.len();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for call in extensive {
        for party in call["parties"].as_array().into_iter().flatten() {
            if let Some(e) = party["emailAddress"]
                .as_str()
                .filter(|e| !e.ends_with("example.com"))
            {
                *counts.entry(e.to_string()).or_default() += 1;
            }
        }
    }
    let mut erased = BTreeSet::new();
    for email in counts.keys() {
        if erased.len() * 20 >= total {
            break;
        }
        let answer = sandbox_json(
            base,
            "/v2/data-privacy/erase-data-for-email-address",
            &[("emailAddress", email)],
            Some(json!({})),
        );
        assert!(answer["requestId"].is_string(), "{answer}");
        erased = before.difference(&calls_in(base)).cloned().collect();
    }
    assert!(
        erased.len() * 20 >= total,
        "only {} of {total} erased",
        erased.len()
    );
    erased
}

/// The ids of every call the sandbox lists now.
fn calls_in(base: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("fromDateTime", "2000-01-01T00:00:00Z")];
        if let Some(c) = &cursor {
            query.push(("cursor", c.as_str()));
        }
        let page = sandbox_json(base, "/v2/calls", &query, None);
        for c in page["calls"].as_array().into_iter().flatten() {
            ids.insert(c["id"].as_str().unwrap().to_string());
        }
        cursor = page["records"]["cursor"].as_str().map(String::from);
        if cursor.is_none() {
            return ids;
        }
    }
}

/// Every key of every stream in `model`, as "stream|key".
fn keys_of(model: &BTreeMap<String, BTreeMap<String, Value>>) -> BTreeSet<String> {
    (model.iter())
        .flat_map(|(s, rows)| rows.keys().map(move |k| format!("{s}|{k}")))
        .collect()
}

/// The call ids left in `model`'s call-keyed streams.
fn call_ids_of(model: &BTreeMap<String, BTreeMap<String, Value>>) -> BTreeSet<String> {
    (model.values().flat_map(|rows| rows.values()))
        .map(|r| {
            let id = if r["callId"].is_string() {
                &r["callId"]
            } else {
                &r["id"]
            };
            id.as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn erasure_and_purge_reach_every_call_keyed_stream_and_nothing_else_goes() {
    let sandbox = start_sandbox(sandbox_config());
    let s = setup(&sandbox.base_url(), json!({}));
    let mut history: Vec<Value> = Vec::new();
    let first = s.read(None);
    history.extend(first.messages.iter().cloned());
    // No change in Gong: no deletion announced.
    let second = s.read(Some(&state_from(&history)));
    assert!(deletion_records(&second.messages, "calls").is_empty());
    history.extend(second.messages.iter().cloned());

    let erased = erase_five_percent(&s.base, &first.records("calls_extensive"));
    let purge_before = Utc::now() - Duration::days(50);
    let purged = sandbox_json(
        &s.base,
        "/sandbox/purge",
        &[],
        Some(json!({"before": purge_before.to_rfc3339()})),
    );
    let purged: BTreeSet<String> = (purged["purged"].as_array().unwrap().iter())
        .map(|i| i.as_str().unwrap().to_string())
        .collect();
    assert!(!purged.is_empty());
    let gone: BTreeSet<String> = erased.union(&purged).cloned().collect();

    let third = s.read(Some(&state_from(&history)));
    history.extend(third.messages.iter().cloned());
    assert_eq!(deletion_records(&third.messages, "calls"), gone);
    let model = s.model(&history);
    let left = call_ids_of(&model);
    assert!(
        left.is_disjoint(&gone),
        "deleted calls remain: {:?}",
        left.intersection(&gone)
    );
    // Nothing else lost: the model holds exactly what a fresh sync of the erased Gong reads.
    let fresh = s.read(None);
    let truth = s.model(&fresh.messages);
    assert_eq!(keys_of(&model), keys_of(&truth));
    eprintln!(
        "{} calls erased, {} purged; {} rows left in {} streams",
        erased.len(),
        purged.len(),
        keys_of(&model).len(),
        model.len()
    );

    // The memory is in the carrier's state only, and a sync after changes nothing.
    let state = state_from(&history);
    let carriers: Vec<&Value> = (state.as_array().unwrap().iter())
        .filter(|s| s["stream"]["stream_state"]["deletions"].is_object())
        .collect();
    assert_eq!(carriers.len(), 1, "{state:#}");
    let fourth = s.read(Some(&state));
    assert!(deletion_records(&fourth.messages, "calls").is_empty());
}

#[test]
fn a_state_without_memory_builds_it_without_announcing_deletions() {
    let sandbox = start_sandbox(sandbox_config());
    let off = setup(&sandbox.base_url(), json!({"propagate_deletes": false}));
    let first = off.read(None);
    let state = state_from(&first.messages);
    assert!(
        !state.to_string().contains("\"deletions\""),
        "no memory with the option off"
    );
    let erased = sandbox_json(
        &off.base,
        "/sandbox/erase",
        &[],
        Some(json!({"callIds": [first.records("calls")[0]["id"]]})),
    );
    assert_eq!(erased["erased"].as_array().unwrap().len(), 1);
    // Upgrade: the option on (the default), a state without memory: nothing announced, memory built.
    let on = setup(&sandbox.base_url(), json!({}));
    let second = on.read(Some(&state));
    assert!(deletion_records(&second.messages, "calls").is_empty());
    let state = state_from(&second.messages);
    assert!(state.to_string().contains("\"deletions\""));
    let next = first.records("calls")[1]["id"].clone();
    assert_eq!(
        announced_after_erasing(&on, &state, &next),
        BTreeSet::from([next.as_str().unwrap().to_string()])
    );
}

/// Runs a read and SIGKILLs it after `kill_after` stdout lines; returns the lines read.
fn read_killed(s: &Setup, state: &Value, kill_after: usize) -> Vec<Value> {
    let state = write_json(s.dir.path(), "state.json", state);
    let mut child = Command::new(BIN)
        .args(read_args(&s.config, &s.catalog, Some(&state)))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let Ok(line) = line else { break };
        lines.push(serde_json::from_str::<Value>(&line).unwrap());
        if lines.len() >= kill_after {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
}

#[test]
fn a_kill_anywhere_in_a_sync_that_finds_deletions_loses_none_and_invents_none() {
    let sandbox = start_sandbox(sandbox_config());
    let s = setup(&sandbox.base_url(), json!({}));
    let first = s.read(None);
    let before = first.messages.clone();
    let erased = erase_five_percent(&s.base, &first.records("calls_extensive"));
    let truth = keys_of(&s.model(&s.read(None).messages));
    // Where the deletion records and the carrier's last STATE fall in an uninterrupted sync.
    let whole = s.read(Some(&state_from(&before))).messages;
    let first_deletion = (whole.iter())
        .position(|m| m["type"] == "RECORD" && !m["record"]["data"]["_ab_cdc_deleted_at"].is_null())
        .unwrap();
    let carrier_state = (whole.iter())
        .rposition(|m| {
            m["type"] == "STATE" && m["state"]["stream"]["stream_state"]["deletions"].is_object()
        })
        .unwrap();
    let mut points = vec![
        1,
        2,
        first_deletion,
        first_deletion + 1,
        carrier_state,
        carrier_state + 1,
    ];
    points.extend((1..8).map(|i| whole.len() * i / 8));
    for kill_after in points {
        let mut history = before.clone();
        let killed = read_killed(&s, &state_from(&history), kill_after);
        history.extend(killed);
        let resumed = s.read(Some(&state_from(&history)));
        history.extend(resumed.messages.iter().cloned());
        let model = s.model(&history);
        let left = call_ids_of(&model);
        assert!(
            left.is_disjoint(&erased),
            "kill after {kill_after}: a deletion was lost"
        );
        assert_eq!(
            keys_of(&model),
            truth,
            "kill after {kill_after}: rows differ from Gong"
        );
    }
}

/// The sweep's requests, from its end LOG line.
fn sweep_requests(run: &Run) -> u64 {
    let line = (run.of_type("LOG"))
        .filter_map(|m| m["log"]["message"].as_str())
        .find(|l| l.starts_with("Deletion sweep:"))
        .expect("the sweep's LOG line");
    let after = line.split(" weeks listed with ").nth(1).unwrap();
    after.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn three_empty_years_cost_the_sweep_a_few_requests_not_one_a_week() {
    let sandbox = start_sandbox(sandbox_config());
    let mut cost = Vec::new();
    for days_back in [70, 70 + 3 * 365] {
        let dir = tempfile::tempdir().unwrap();
        let start = Utc::now().date_naive() - Duration::days(days_back);
        let config = config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z"));
        let config = write_json(dir.path(), "config.json", &config);
        let discovered = discover(&config);
        let catalog = configured_catalog(&discovered, &[("calls", "incremental")]);
        let catalog = write_json(dir.path(), "catalog.json", &catalog);
        let run = run_read(&config, &catalog, None);
        assert_eq!(run.code, 0, "{:#?}", run.errors());
        cost.push(sweep_requests(&run));
    }
    // 157 more weeks, listed one a week, would cost 157 more requests; probed in ranges that double
    // while empty (up to 32 weeks), about 6 per 32 weeks.
    let extra = cost[1] - cost[0];
    eprintln!(
        "sweep requests: {} from 70 days back, {} from 3 years more",
        cost[0], cost[1]
    );
    assert!(extra <= 40, "{cost:?}");
}

/// Erases the call `id` in the sandbox, then reads with `state`: the call ids the read announces deleted.
fn announced_after_erasing(s: &Setup, state: &Value, id: &Value) -> BTreeSet<String> {
    sandbox_json(
        &s.base,
        "/sandbox/erase",
        &[],
        Some(json!({"callIds": [id]})),
    );
    deletion_records(&s.read(Some(state)).messages, "calls")
}

/// A sync the day's budget stops is deferred, not failed: its streams write their deletion records and
/// the sweep's memory is saved, so the next sync announces a call erased since. (Were the memory dropped
/// with every deferred sync, a company whose history takes days would list every week of calls again
/// each day and announce no deletion until the history is in.)
#[test]
fn a_sync_the_budget_defers_keeps_the_sweeps_memory_and_the_next_announces_deletions() {
    let sandbox = start_sandbox(sandbox_config());
    let whole = setup(&sandbox.base_url(), json!({}));
    let all = whole.read(None);
    let (cost, sweep) = (requests_sent(&all), sweep_requests(&all));
    // The sweep and half of the streams' requests.
    let limited = setup(
        &sandbox.base_url(),
        json!({"requests_per_day": sweep + (cost - sweep) / 2}),
    );
    let first = limited.read(None);
    let deferred = (first.of_type("TRACE"))
        .filter(|m| m["trace"]["stream_status"]["reasons"][0]["type"] == "RATE_LIMITED")
        .count();
    assert!(deferred > 0, "the budget defers a stream");
    let state = state_from(&first.messages);
    assert!(
        state.to_string().contains("\"deletions\""),
        "the memory is saved: {state:#}"
    );
    let synced = first.records("calls")[0]["id"].clone();
    assert_eq!(
        announced_after_erasing(&whole, &state, &synced),
        BTreeSet::from([synced.as_str().unwrap().to_string()])
    );
}
