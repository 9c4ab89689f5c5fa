//! The activity stats read in multi-day ranges give the records a request per day gives.
//!
//! The expectation is the one-day-per-request plan, asked of the sandbox here: for every day, POST
//! /v2/stats/activity/aggregate and /v2/stats/activity/day-by-day with that day (all pages), each user
//! object plus `fromDate`/`toDate`. The connector's records (ranges of several windows, split per day,
//! days without activity dropped) must be the same set, as parsed JSON. An aggregate record's item also
//! carries the day's bounds Gong writes in a by-period item; they are checked against the day and then
//! set aside, as the docs say (docs/gong.md, "Days without activity").

mod common;

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Utc};
use common::*;
use serde_json::{json, Value};

const ACTIVITY: [(&str, &str, &str); 2] = [
    (
        "stats_activity_aggregate",
        "/v2/stats/activity/aggregate",
        "usersAggregateActivityStats",
    ),
    (
        "stats_activity_day_by_day",
        "/v2/stats/activity/day-by-day",
        "usersDetailedActivities",
    ),
];

/// Every page of one POST with `filter`, as the one-day plan asked it.
async fn one_day(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    key: &str,
    day: NaiveDate,
) -> Vec<Value> {
    let (from, to) = (day.to_string(), (day + Duration::days(1)).to_string());
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut body = json!({"filter": {"fromDate": from, "toDate": to}});
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let answer: Value = http
            .post(format!("{base}{path}"))
            .basic_auth("sandbox-access-key", Some("sandbox-secret"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for user in answer[key].as_array().cloned().unwrap_or_default() {
            let mut record = json!({"fromDate": from, "toDate": to});
            for (k, v) in user.as_object().unwrap() {
                record[k] = v.clone();
            }
            out.push(record);
        }
        cursor = answer["records"]["cursor"].as_str().map(String::from);
        if cursor.is_none() {
            return out;
        }
    }
}

/// The one-day plan's records of `stream` for `[from, to)`, sorted.
fn expected(base: &str, stream: usize, from: NaiveDate, to: NaiveDate) -> Vec<Value> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let (_, path, key) = ACTIVITY[stream];
    let mut all = Vec::new();
    let mut day = from;
    while day < to {
        all.extend(rt.block_on(one_day(&http, base, path, key, day)));
        day += Duration::days(1);
    }
    sorted(all)
}

fn sorted(mut records: Vec<Value>) -> Vec<Value> {
    records.sort_by_key(|r| (r["fromDate"].to_string(), r["userId"].to_string()));
    records
}

/// An aggregate record's item without the day bounds it carries, after checking they are its day.
fn without_item_dates(mut record: Value) -> Value {
    let Some(item) = record
        .get_mut("userAggregateActivityStats")
        .and_then(Value::as_object_mut)
    else {
        return record;
    };
    let from = item.remove("fromDate").expect("the item's fromDate");
    let to = item.remove("toDate").expect("the item's toDate");
    let day = record["fromDate"].as_str().unwrap().to_string();
    assert!(from.as_str().unwrap().starts_with(&day), "{from} on {day}");
    assert!(to
        .as_str()
        .unwrap()
        .starts_with(record["toDate"].as_str().unwrap()));
    record
}

struct Setup {
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
    catalog: std::path::PathBuf,
    start: NaiveDate,
}

fn setup(base: &str, extra: Value) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now().date_naive() - Duration::days(45);
    let mut cfg = config_for(base, &format!("{start}T00:00:00Z"));
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    let config = write_json(dir.path(), "config.json", &cfg);
    let discovered = discover(&config);
    let streams: Vec<(&str, &str)> = ACTIVITY.iter().map(|s| (s.0, "incremental")).collect();
    let catalog = write_json(
        dir.path(),
        "catalog.json",
        &configured_catalog(&discovered, &streams),
    );
    Setup {
        dir,
        config,
        catalog,
        start,
    }
}

fn read(s: &Setup, state: Option<&Value>) -> Run {
    let mut args = vec![
        "read".to_string(),
        "--config".into(),
        s.config.to_str().unwrap().into(),
        "--catalog".into(),
        s.catalog.to_str().unwrap().into(),
    ];
    if let Some(state) = state {
        let path = write_json(s.dir.path(), "state.json", state);
        args.extend(["--state".into(), path.to_str().unwrap().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run(&args);
    assert_eq!(run.code, 0, "{:?}", run.errors());
    run
}

/// The last STATE of each stream, as the platform passes it back.
fn state_of(run: &Run) -> Value {
    let mut last: BTreeMap<String, Value> = BTreeMap::new();
    for m in run.of_type("STATE") {
        let name = m["state"]["stream"]["stream_descriptor"]["name"]
            .as_str()
            .unwrap();
        last.insert(name.to_string(), m["state"].clone());
    }
    Value::Array(last.into_values().collect())
}

fn records(run: &Run, stream: usize) -> Vec<Value> {
    let got = run.records(ACTIVITY[stream].0).into_iter().cloned();
    sorted(got.map(without_item_dates).collect())
}

#[test]
fn ranges_give_the_records_of_one_request_per_day() {
    let sandbox = start_sandbox(small_sandbox_config());
    let base = sandbox.base_url();
    // 45 days in windows of 10: five ranges, the last one shorter.
    let s = setup(&base, json!({"stats_window_days": 10}));
    sandbox.reset_stats();
    let run = read(&s, None);
    let by_path = sandbox.stats().by_path;
    let end = Utc::now().date_naive() - Duration::days(1);
    for (i, (stream, _, _)) in ACTIVITY.iter().enumerate() {
        let got = records(&run, i);
        let want = expected(&base, i, s.start, end);
        assert!(
            want.len() > 50,
            "{stream}: the sandbox has activity to compare"
        );
        assert_eq!(got.len(), want.len(), "{stream}: record count");
        assert_eq!(got, want, "{stream}: the records of one request per day");
        // STATEs of windows written together are one STATE; the last is the end.
        let states = run.states(stream);
        assert!(!states.is_empty(), "{stream}");
        let last = &states.last().unwrap()["stream"]["stream_state"]["cursor"];
        assert_eq!(last, &json!(end.to_string()), "{stream}");
    }
    // 18 users: one page per window, against one per day before.
    assert_eq!(by_path["POST /v2/stats/activity/aggregate-by-period"], 5);
    assert_eq!(by_path["POST /v2/stats/activity/day-by-day"], 5);
    assert!(!by_path.contains_key("POST /v2/stats/activity/aggregate"));
}

#[test]
fn the_next_days_incremental_reads_the_lookback_in_one_range_and_catches_late_data() {
    let sandbox = start_sandbox(small_sandbox_config());
    let base = sandbox.base_url();
    // The second sync stands for the next day's: the stats streams (read at most daily by default,
    // README "The quota") are due on every sync here.
    let every_sync = json!([
        {"stream": "stats_activity_aggregate", "hours": 0},
        {"stream": "stats_activity_day_by_day", "hours": 0}
    ]);
    let s = setup(
        &base,
        json!({"lookback_days": 3, "stream_cadence_hours": every_sync}),
    );
    let first = read(&s, None);
    let state = state_of(&first);
    // A call Gong processed late, inside the lookback, after the first sync ran.
    let late = Utc::now() - Duration::days(2);
    let late_id = sandbox.add_call(late);
    sandbox.reset_stats();
    let second = read(&s, Some(&state));
    let by_path = sandbox.stats().by_path;
    let end = Utc::now().date_naive() - Duration::days(1);
    let from = end - Duration::days(3);
    for (i, (stream, _, _)) in ACTIVITY.iter().enumerate() {
        let got = records(&second, i);
        assert_eq!(
            got,
            expected(&base, i, from, end),
            "{stream}: the lookback's days"
        );
        assert!(got
            .iter()
            .all(|r| r["fromDate"].as_str().unwrap() >= from.to_string().as_str()));
        // One window, one checkpoint (the read's last stream repeats it with the final ledger).
        let mut cursors: Vec<String> = second
            .states(stream)
            .iter()
            .map(|st| st["stream"]["stream_state"]["cursor"].to_string())
            .collect();
        cursors.dedup();
        assert_eq!(cursors.len(), 1, "{stream}");
    }
    let late_day = late.date_naive().to_string();
    assert!(
        second.records("stats_activity_day_by_day").iter().any(|r| {
            r["fromDate"] == late_day.as_str()
                && r["userDailyActivityStats"][0]["callsAsHost"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|id| id == late_id.as_str()))
        }),
        "the late call's day was read again"
    );
    assert_eq!(by_path["POST /v2/stats/activity/aggregate-by-period"], 1);
    assert_eq!(by_path["POST /v2/stats/activity/day-by-day"], 1);
}
