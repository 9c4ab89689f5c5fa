//! The built binary against the sandbox: every stream, full refresh. Counts and keys equal the
//! sandbox's data, every record validates against its discovered schema, no duplicate keys, and every
//! stdout line is an Airbyte message (checked by the harness).

mod common;

use std::collections::{BTreeSet, HashSet};

use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::*;
use serde_json::Value;

/// Closed days the stats streams read: start date up to the day before yesterday (UTC), see sync.rs.
fn stats_days(start: NaiveDate) -> Vec<NaiveDate> {
    let last_to = Utc::now().date_naive() - Duration::days(1);
    let mut days = Vec::new();
    let mut d = start;
    while d + Duration::days(1) <= last_to {
        days.push(d);
        d += Duration::days(1);
    }
    days
}

/// The closed weeks of the stats range: `[start, next Monday)`, then Monday to Monday.
fn stats_weeks(start: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let last_to = Utc::now().date_naive() - Duration::days(1);
    let mut weeks = Vec::new();
    let mut d = start;
    loop {
        let monday = d + Duration::days(7 - i64::from(d.weekday().num_days_from_monday()));
        if monday > last_to {
            return weeks;
        }
        weeks.push((d, monday));
        d = monday;
    }
}

#[test]
fn every_stream_full_refresh_matches_the_sandbox() {
    let sandbox = start_sandbox(small_sandbox_config());
    let anchor = Utc::now().date_naive();
    let start = anchor - Duration::days(50);
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(
        dir.path(),
        "config.json",
        &config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z")),
    );
    let discovered = discover(&config);
    let names: Vec<&str> = discovered
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for expected in [
        "users",
        "calls",
        "calls_extensive",
        "workspaces",
        "call_transcripts",
        "stats_activity_aggregate",
        "stats_activity_day_by_day",
        "stats_interaction",
        "settings_scorecards",
        "settings_trackers",
        "library_folders",
        "library_folder_content",
        "coaching",
        "stats_activity_scorecards",
    ] {
        assert!(
            names.contains(&expected),
            "discover lacks {expected}: {names:?}"
        );
    }
    let selected: Vec<(&str, &str)> = names.iter().map(|n| (*n, "full_refresh")).collect();
    let catalog = write_json(
        dir.path(),
        "catalog.json",
        &configured_catalog(&discovered, &selected),
    );
    let run = run_read(&config, &catalog, None);
    assert_eq!(
        run.code,
        0,
        "read failed: errors {:?}\nstderr {}",
        run.errors(),
        run.stderr
    );
    assert!(run.errors().is_empty(), "{:?}", run.errors());

    // Streams are fetched ahead of the writer, but written one after another: each stream's records
    // form one block.
    let mut order: Vec<&str> = Vec::new();
    for m in &run.messages {
        if m["type"] == "RECORD" {
            let name = m["record"]["stream"].as_str().unwrap();
            if order.last() != Some(&name) {
                assert!(!order.contains(&name), "{name} interleaved: {order:?}");
                order.push(name);
            }
        }
    }
    // A parent list that is also a selected stream is requested once.
    let stats = sandbox.stats();
    let workspaces = sandbox.dataset().read().unwrap().workspaces.len() as u64;
    for (path, times) in [
        ("GET /v2/users", 1),
        ("GET /v2/workspaces", 1),
        ("GET /v2/library/folders", workspaces),
    ] {
        assert_eq!(stats.by_path.get(path), Some(&times), "{path}: {stats:?}");
    }

    let by_stream = run.records_by_stream();
    let ds = sandbox.dataset().read().unwrap();
    let counts = ds.counts();

    // Expected counts from the sandbox's own data.
    let mut expected: Vec<(&str, usize)> = [
        "users",
        "calls",
        "calls_extensive",
        "call_transcripts",
        "workspaces",
        "settings_scorecards",
        "settings_trackers",
        "library_folders",
        "library_folder_content",
        "stats_activity_scorecards",
    ]
    .iter()
    .map(|s| (*s, counts[*s].as_u64().unwrap() as usize))
    .collect();
    let all_users: BTreeSet<usize> = (0..ds.users.len()).collect();
    let days = stats_days(start);
    let activity: usize = days
        .iter()
        .map(|d| ds.activity(*d, *d + Duration::days(1), &all_users).len())
        .sum();
    // Interaction: the default period is the closed calendar week (from Monday), the first from start.
    let interaction: usize = stats_weeks(start)
        .iter()
        .map(|(a, b)| ds.interaction(*a, *b, &all_users).len())
        .sum();
    expected.push(("stats_activity_aggregate", activity));
    expected.push(("stats_activity_day_by_day", activity));
    expected.push(("stats_interaction", interaction));
    // Coaching: every workspace × manager × month from the start month to today.
    let managers: BTreeSet<usize> = ds.manager_of.iter().flatten().copied().collect();
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let mut month = NaiveDate::from_ymd_opt(start.year(), start.month(), 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let mut coaching = 0;
    while month < today {
        let next = if month.month() == 12 {
            NaiveDate::from_ymd_opt(month.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1)
        }
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
        for ws in 0..ds.workspaces.len() {
            for m in &managers {
                coaching += ds
                    .coaching(ws, *m, month.timestamp(), next.min(today).timestamp())
                    .len();
            }
        }
        month = next;
    }
    expected.push(("coaching", coaching));
    drop(ds);

    for (stream, count) in &expected {
        let got = by_stream.get(*stream).map_or(0, Vec::len);
        assert_eq!(
            got, *count,
            "stream {stream}: {got} records, sandbox has {count}"
        );
        assert!(
            *count > 0 || *stream == "coaching",
            "the sandbox should have data for {stream}"
        );
    }

    for stream in &discovered {
        let name = stream["name"].as_str().unwrap();
        let records = by_stream.get(name).cloned().unwrap_or_default();
        let validator = jsonschema::draft7::new(&stream["json_schema"]).expect("schema compiles");
        let pk = stream["source_defined_primary_key"].as_array().unwrap();
        let mut keys = HashSet::new();
        for r in &records {
            if let Err(e) = validator.validate(r) {
                panic!("{name} record fails its schema: {e}\n{r:.400}");
            }
            assert!(
                keys.insert(pk_of(r, pk)),
                "{name}: duplicate key {}",
                pk_of(r, pk)
            );
        }
        // Stream status traces and a final STATE with the right count.
        let statuses = run.statuses(name);
        assert_eq!(
            statuses.first().map(String::as_str),
            Some("STARTED"),
            "{name}: {statuses:?}"
        );
        assert_eq!(
            statuses.last().map(String::as_str),
            Some("COMPLETE"),
            "{name}: {statuses:?}"
        );
        if !records.is_empty() {
            assert!(
                statuses.contains(&"RUNNING".to_string()),
                "{name}: {statuses:?}"
            );
        }
        let counted: f64 = run
            .states(name)
            .iter()
            .map(|s| s["sourceStats"]["recordCount"].as_f64().unwrap())
            .sum();
        assert_eq!(
            counted as usize,
            records.len(),
            "{name}: STATE recordCount sum"
        );
    }

    // Keys equal the sandbox's own ids.
    let ds = sandbox.dataset().read().unwrap();
    let user_ids: BTreeSet<String> = ds
        .users
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    let got: BTreeSet<String> = by_stream["users"]
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, user_ids);
    let extensive: BTreeSet<String> = by_stream["calls_extensive"]
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let calls: BTreeSet<String> = by_stream["calls"]
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(extensive, calls);
    for c in &by_stream["calls_extensive"] {
        assert_eq!(c["id"], c["metaData"]["id"]);
        assert_eq!(c["started"], c["metaData"]["started"]);
    }
    let transcripts: BTreeSet<String> = by_stream["call_transcripts"]
        .iter()
        .map(|c| c["callId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(transcripts, calls);
    for t in &by_stream["call_transcripts"] {
        assert!(
            t["callStarted"].is_string(),
            "transcript without callStarted: {t:.200}"
        );
    }
}

#[test]
fn records_keep_every_field_gong_sends() {
    // The records are Gong's bytes: compare one call of GET /v2/calls field by field with the sandbox's.
    let sandbox = start_sandbox(small_sandbox_config());
    let start = Utc::now().date_naive() - Duration::days(50);
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(
        dir.path(),
        "config.json",
        &config_for(&sandbox.base_url(), &format!("{start}")),
    );
    let discovered = discover(&config);
    let catalog = write_json(
        dir.path(),
        "catalog.json",
        &configured_catalog(
            &discovered,
            &[("calls", "full_refresh"), ("users", "full_refresh")],
        ),
    );
    let run = run_read(&config, &catalog, None);
    assert_eq!(run.code, 0);
    let ds = sandbox.dataset().read().unwrap();
    for user in &ds.users {
        let got = run
            .records("users")
            .into_iter()
            .find(|u| u["id"] == user["id"])
            .expect("user synced");
        // The one field the connector adds (users is a snapshot stream): the read's instant.
        let mut got = got.clone();
        let stamp = got.as_object_mut().unwrap().remove("snapshotAt");
        assert!(stamp.is_some_and(|t| t.is_string()), "snapshotAt added");
        assert_eq!(&got, user, "user record differs from Gong's object");
    }
    let calls = run.records("calls");
    let some_call: &Value = calls[calls.len() / 2];
    let id = some_call["id"].as_str().unwrap();
    let rec = ds.call_by_id(id).expect("call exists");
    assert_eq!(*some_call, ds.call_basic(rec));
}
