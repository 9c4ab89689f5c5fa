//! The streams of issue 17, part 1 (logs, user_settings_history, call_users_access,
//! calls_manual_crm_associations) against the sandbox: full refresh equals the sandbox's own counts and
//! ids, incremental reads resume at the saved cursor less the lookback, `exclude_private_calls` drops
//! private calls from every stream that holds calls, and a denied scope fails only its stream.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Duration, Utc};
use common::*;
use gong_sandbox::{BlockingSandbox, SandboxConfig};
use serde_json::{json, Value};

const NEW: [&str; 4] = [
    "logs",
    "user_settings_history",
    "call_users_access",
    "calls_manual_crm_associations",
];

/// The sandbox's `/sandbox/dataset/counts`.
fn counts(sandbox: &BlockingSandbox) -> Value {
    let url = format!("{}/sandbox/dataset/counts", sandbox.base_url());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let r = reqwest::get(url).await.expect("counts answer");
        r.json::<Value>().await.expect("counts are JSON")
    })
}

/// A read of `streams` in `mode` with `config` (and optional state), failing on a non-zero exit unless
/// `may_fail`.
fn read(
    dir: &std::path::Path,
    config: &Value,
    streams: &[&str],
    mode: &str,
    state: Option<&Value>,
) -> Run {
    let config = write_json(dir, "config.json", config);
    let discovered = discover(&config);
    let selected: Vec<(&str, &str)> = streams.iter().map(|s| (*s, mode)).collect();
    let catalog = write_json(
        dir,
        "catalog.json",
        &configured_catalog(&discovered, &selected),
    );
    let mut args = vec![
        "read".to_string(),
        "--config".into(),
        config.to_str().unwrap().into(),
        "--catalog".into(),
        catalog.to_str().unwrap().into(),
    ];
    if let Some(state) = state {
        let path = write_json(dir, "state.json", state);
        args.extend(["--state".into(), path.to_str().unwrap().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
}

fn assert_ok(run: &Run) {
    assert_eq!(
        run.code,
        0,
        "read failed: {:?}\n{}",
        run.errors(),
        run.stderr
    );
    assert!(run.errors().is_empty(), "{:?}", run.errors());
}

fn start_of(sandbox: &BlockingSandbox) -> String {
    let anchor = sandbox.dataset().read().unwrap().anchor;
    (anchor - Duration::days(60))
        .format("%Y-%m-%dT00:00:00Z")
        .to_string()
}

fn strings(records: &[&Value], field: &str) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| r[field].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn new_streams_full_refresh_equal_the_sandbox() {
    let sandbox = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&sandbox.base_url(), &start_of(&sandbox));
    let run = read(dir.path(), &config, &NEW, "full_refresh", None);
    assert_ok(&run);
    let counts = counts(&sandbox);

    // logs: every type, each entry once, as many per type as the sandbox holds.
    let logs = run.records("logs");
    let mut per_type: BTreeMap<String, u64> = BTreeMap::new();
    for r in &logs {
        *per_type
            .entry(r["logType"].as_str().unwrap().into())
            .or_default() += 1;
        assert!(
            r["eventTime"].is_string() && r["logRecord"].is_object(),
            "{r}"
        );
        assert_eq!(r["entryId"].as_str().unwrap().len(), 16, "{r}");
    }
    let expected: BTreeMap<String, u64> = counts["logs"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n.as_u64() != Some(0))
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect();
    assert_eq!(per_type, expected);
    assert!(
        expected.len() >= 4,
        "the sandbox should log most types: {expected:?}"
    );

    // settings history: every user's, named by the users the sandbox has.
    let history = run.records("user_settings_history");
    assert_eq!(
        history.len() as u64,
        counts["user_settings_history"].as_u64().unwrap()
    );
    let ds = sandbox.dataset().read().unwrap();
    let users: BTreeSet<String> = ds
        .users
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert!(strings(&history, "userId").is_subset(&users));
    assert!(!history.is_empty());

    // users access: one record per call with individual access, every grant.
    let access = run.records("call_users_access");
    assert_eq!(
        access.len() as u64,
        counts["call_users_access"].as_u64().unwrap()
    );
    let grants: usize = access
        .iter()
        .map(|r| r["users"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        grants as u64,
        counts["call_users_access_grants"].as_u64().unwrap()
    );
    for r in &access {
        let call = ds
            .call_by_id(r["callId"].as_str().unwrap())
            .expect("a sandbox call");
        assert_eq!(at(&r["callStarted"]).timestamp(), call.started, "{r}");
    }

    // manual CRM associations: every event, on sandbox calls.
    let assoc = run.records("calls_manual_crm_associations");
    assert_eq!(
        assoc.len() as u64,
        counts["calls_manual_crm_associations"].as_u64().unwrap()
    );
    for r in &assoc {
        assert!(
            ds.call_by_id(r["callId"].as_str().unwrap()).is_some(),
            "{r}"
        );
    }
    drop(ds);

    // Valid against the discovered schemas, keys unique.
    let discovered = discover(&write_json(dir.path(), "config.json", &config));
    for name in NEW {
        let stream = discovered.iter().find(|s| s["name"] == name).unwrap();
        let validator = jsonschema::draft7::new(&stream["json_schema"]).unwrap();
        let pk = stream["source_defined_primary_key"].as_array().unwrap();
        let mut keys = HashSet::new();
        for r in run.records(name) {
            if let Err(e) = validator.validate(r) {
                panic!("{name} record fails its schema: {e}\n{r:.400}");
            }
            assert!(
                keys.insert(pk_of(r, pk)),
                "{name}: duplicate key {}",
                pk_of(r, pk)
            );
        }
    }
    // One settings-history request per user, the user list read once.
    let stats = sandbox.stats();
    assert_eq!(stats.by_path.get("GET /v2/users"), Some(&1), "{stats:?}");
}

/// Parses a cursor value.
fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn incremental_streams_resume_at_the_cursor_less_the_lookback() {
    let sandbox = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(&sandbox.base_url(), &start_of(&sandbox));
    let streams = ["logs", "call_users_access", "calls_manual_crm_associations"];
    let first = read(dir.path(), &config, &streams, "incremental", None);
    assert_ok(&first);
    let anchor = sandbox.dataset().read().unwrap().anchor;
    let saved = anchor - Duration::days(12);
    let state: Vec<Value> = streams
        .iter()
        .map(|s| {
            json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": s},
                   "stream_state": {"cursor": saved.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)}}})
        })
        .collect();
    let second = read(
        dir.path(),
        &config,
        &streams,
        "incremental",
        Some(&json!(state)),
    );
    assert_ok(&second);
    // The default lookback is 3 days.
    let from = saved - Duration::days(3);
    for (name, cursor) in [
        ("logs", "eventTime"),
        ("call_users_access", "callStarted"),
        ("calls_manual_crm_associations", "created"),
    ] {
        let all = first.records(name);
        assert!(!all.is_empty(), "{name}");
        let expected: Vec<&&Value> = all.iter().filter(|r| at(&r[cursor]) >= from).collect();
        let got = second.records(name);
        assert!(got.iter().all(|r| at(&r[cursor]) >= from), "{name}");
        assert_eq!(got.len(), expected.len(), "{name}");
        assert!(
            got.len() < all.len(),
            "{name}: the state should skip the older records"
        );
        // A final state with a cursor no earlier than the saved one.
        let last = first
            .states(name)
            .last()
            .copied()
            .cloned()
            .expect("a STATE");
        let blob = &last["stream"]["stream_state"];
        assert!(blob["cursor"].is_string(), "{name}: {blob}");
    }
}

#[test]
fn exclude_private_calls_drops_them_from_every_stream_that_holds_calls() {
    let sandbox = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(&sandbox.base_url(), &start_of(&sandbox));
    let streams = [
        "calls",
        "calls_extensive",
        "call_transcripts",
        "call_media",
        "call_users_access",
    ];
    let with = read(dir.path(), &config, &streams, "full_refresh", None);
    assert_ok(&with);
    config["exclude_private_calls"] = json!(true);
    let without = read(dir.path(), &config, &streams, "full_refresh", None);
    assert_ok(&without);
    let ds = sandbox.dataset().read().unwrap();
    let private: BTreeSet<String> = ds
        .calls
        .iter()
        .filter(|c| c.private)
        .map(|c| c.id_str())
        .collect();
    assert!(!private.is_empty(), "the sandbox should have private calls");
    for (name, id) in [
        ("calls", "id"),
        ("calls_extensive", "id"),
        ("call_transcripts", "callId"),
        ("call_media", "callId"),
        ("call_users_access", "callId"),
    ] {
        let all = strings(&with.records(name), id);
        let kept = strings(&without.records(name), id);
        assert!(
            all.intersection(&private).next().is_some(),
            "{name} has private calls by default"
        );
        let public: BTreeSet<String> = all.difference(&private).cloned().collect();
        assert_eq!(kept, public, "{name}");
    }
}

#[test]
fn a_denied_logs_scope_fails_only_the_logs_stream() {
    let sandbox = start_sandbox(SandboxConfig {
        denied_scopes: vec!["api:logs:read".into()],
        ..small_sandbox_config()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(&sandbox.base_url(), &start_of(&sandbox));
    config["credentials"] = json!({"auth_type": "oauth2.0", "access_token": "sandbox-token"});
    let run = read(
        dir.path(),
        &config,
        &[
            "logs",
            "calls_manual_crm_associations",
            "user_settings_history",
        ],
        "full_refresh",
        None,
    );
    assert_eq!(run.code, 1);
    let errors: Vec<&Value> = run
        .errors()
        .into_iter()
        .filter(|e| !e["stream_descriptor"].is_null())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["stream_descriptor"]["name"], "logs");
    assert_eq!(errors[0]["failure_type"], "config_error");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("HTTP 403") && message.contains("api:logs:read"),
        "{message}"
    );
    for ok in ["calls_manual_crm_associations", "user_settings_history"] {
        assert_eq!(
            run.statuses(ok).last().map(String::as_str),
            Some("COMPLETE"),
            "{ok}"
        );
        assert!(!run.records(ok).is_empty(), "{ok}");
    }
}
