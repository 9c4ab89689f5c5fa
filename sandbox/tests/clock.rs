//! The sandbox clock: data whose time is after the clock does not exist yet, and moving the clock makes
//! the same company's data arrive (nothing regenerated). A call exists once processed (its end plus
//! 30 min to 4 h); stats days, log events, CRM associations, settings changes and scorecard reviews
//! after the clock are absent; the open stats day is the clock's.

mod common;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use gong_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
}

fn cfg() -> SandboxConfig {
    SandboxConfig {
        calls: 300,
        days: 30,
        anchor: anchor(),
        ..SandboxConfig::default()
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn ts(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn set_clock(sb: &Sandbox, now: Value) -> (u16, Value) {
    let r = client()
        .post(format!("{}/sandbox/clock", sb.base_url()))
        .json(&json!({ "now": now }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// id -> processing time of every generated call, from the admin listing.
async fn processing(sb: &Sandbox) -> BTreeMap<String, DateTime<Utc>> {
    let (s, v) = get(sb, "/sandbox/dataset/calls").await;
    assert_eq!(s, 200);
    v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), ts(&c["processed"])))
        .collect()
}

/// id -> the call as `GET /v2/calls` lists it over the whole dataset.
async fn listed(sb: &Sandbox) -> BTreeMap<String, Value> {
    let from = iso(anchor() - Duration::days(40));
    let path = format!("/v2/calls?fromDateTime={from}");
    let (s, v) = get(sb, &path).await;
    if s == 404 {
        return BTreeMap::new();
    }
    let (calls, _) = all_pages(sb, "GET", &path, None, "calls").await;
    assert!(v["records"]["totalRecords"].as_u64().unwrap() as usize == calls.len());
    calls
        .into_iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c))
        .collect()
}

#[tokio::test]
async fn a_call_is_listed_once_processed_and_never_changes_when_the_clock_moves() {
    let sb = start(cfg()).await;
    let all = processing(&sb).await;
    assert_eq!(all.len(), 300);
    let t1 = anchor() - Duration::days(10);
    assert_eq!(set_clock(&sb, json!(iso(t1))).await.0, 200);
    let before = listed(&sb).await;
    let due: BTreeSet<&String> = all
        .iter()
        .filter(|(_, p)| **p <= t1)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(before.keys().collect::<BTreeSet<_>>(), due);
    assert!(before.len() > 150 && before.len() < 300, "{}", before.len());

    // A call started before the clock but still in processing exists nowhere yet.
    let (late, _) = all
        .iter()
        .find(|(id, p)| **p > t1 && !before.contains_key(*id))
        .expect("a call processed after the clock");
    assert_eq!(get(&sb, &format!("/v2/calls/{late}")).await.0, 404);
    let (s, _) = post(
        &sb,
        "/v2/calls/transcript",
        &json!({"filter": {"callIds": [late]}}),
    )
    .await;
    assert_eq!(s, 404);

    let t2 = t1 + Duration::days(1);
    set_clock(&sb, json!(iso(t2))).await;
    let after = listed(&sb).await;
    for (id, call) in &before {
        assert_eq!(
            after.get(id),
            Some(call),
            "call {id} changed when the clock moved"
        );
    }
    let arrived: Vec<&String> = after
        .keys()
        .filter(|id| !before.contains_key(*id))
        .collect();
    assert!(!arrived.is_empty());
    assert!(arrived.iter().all(|id| all[*id] > t1 && all[*id] <= t2));
    assert_eq!(get(&sb, &format!("/v2/calls/{late}")).await.0, {
        if all[late] <= t2 {
            200
        } else {
            404
        }
    });
}

#[tokio::test]
async fn processing_takes_half_an_hour_to_four_hours_after_the_call_ends() {
    let sb = start(cfg()).await;
    set_clock(&sb, json!(iso(anchor()))).await;
    let (calls, _) = all_pages(
        &sb,
        "GET",
        &format!(
            "/v2/calls?fromDateTime={}",
            iso(anchor() - Duration::days(40))
        ),
        None,
        "calls",
    )
    .await;
    let all = processing(&sb).await;
    let mut spread = BTreeSet::new();
    for c in &calls {
        let end = ts(&c["started"]) + Duration::seconds(c["duration"].as_i64().unwrap());
        let delay = (all[c["id"].as_str().unwrap()] - end).num_minutes();
        assert!((30..=240).contains(&delay), "processing took {delay} min");
        spread.insert(delay / 30);
    }
    assert!(
        spread.len() >= 6,
        "delays should spread over the range: {spread:?}"
    );
}

#[tokio::test]
async fn counts_follow_the_clock_and_null_returns_to_the_whole_dataset() {
    let sb = start(cfg()).await;
    let t = anchor() - Duration::days(15);
    let (s, v) = set_clock(&sb, json!(iso(t))).await;
    assert_eq!((s, v["now"].as_str()), (200, Some(iso(t).as_str())));
    let (_, counts) = get(&sb, "/sandbox/dataset/counts").await;
    let visible = listed(&sb).await.len() as u64;
    assert_eq!(counts["calls"].as_u64(), Some(visible));
    assert_eq!(counts["calls_in_processing"].as_u64(), Some(300 - visible));
    assert_eq!(counts["clock"].as_str(), Some(iso(t).as_str()));

    let (s, v) = set_clock(&sb, Value::Null).await;
    assert_eq!(
        (s, v["now"].clone(), v["pending_calls"].as_u64()),
        (200, Value::Null, Some(0))
    );
    let (_, counts) = get(&sb, "/sandbox/dataset/counts").await;
    assert_eq!(counts["calls"].as_u64(), Some(300));

    for bad in [json!("yesterday"), json!(12)] {
        let (s, v) = set_clock(&sb, bad).await;
        assert_eq!(s, 400, "{v}");
        assert!(errors(&v).contains("now"), "{v}");
    }
}

#[tokio::test]
async fn the_open_stats_day_is_the_clocks_and_later_days_are_refused() {
    let sb = start(cfg()).await;
    let t = anchor() - Duration::days(10) + Duration::hours(15);
    set_clock(&sb, json!(iso(t))).await;
    let today = t.date_naive();
    let body = |to: chrono::NaiveDate| json!({"filter": {"fromDate": (today - Duration::days(5)).to_string(), "toDate": to.to_string()}});
    let (s, v) = post(
        &sb,
        "/v2/stats/activity/day-by-day",
        &body(today + Duration::days(1)),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert!(errors(&v).contains("later than today"), "{v}");
    let (items, _) = all_pages(
        &sb,
        "POST",
        "/v2/stats/activity/day-by-day",
        Some(body(today)),
        "usersDetailedActivities",
    )
    .await;
    let visible = listed(&sb).await;
    let mut seen = 0;
    for u in &items {
        for d in u["userDailyActivityStats"].as_array().unwrap() {
            for list in d.as_object().unwrap().values().filter_map(Value::as_array) {
                for id in list {
                    seen += 1;
                    assert!(
                        visible.contains_key(id.as_str().unwrap()),
                        "stats name call {id}"
                    );
                }
            }
        }
    }
    assert!(seen > 0);
}

#[tokio::test]
async fn logs_reviews_associations_and_settings_changes_after_the_clock_do_not_exist() {
    let sb = start(cfg()).await;
    let t = anchor() - Duration::days(12);
    set_clock(&sb, json!(iso(t))).await;
    let from = iso(anchor() - Duration::days(40));
    let to = iso(anchor());
    for log_type in ["AccessLog", "UserActivityLog", "UserCallPlay"] {
        let path = format!("/v2/logs?logType={log_type}&fromDateTime={from}&toDateTime={to}");
        let (entries, _) = all_pages(&sb, "GET", &path, None, "logEntries").await;
        assert!(!entries.is_empty(), "{log_type}");
        assert!(
            entries.iter().all(|e| ts(&e["eventTime"]) < t),
            "{log_type}"
        );
    }
    let path = format!("/v2/calls/manual-crm-associations?fromDateTime={from}");
    let (assoc, _) = all_pages(&sb, "GET", &path, None, "associations").await;
    assert!(assoc.iter().all(|a| ts(&a["created"]) < t));
    let body = json!({"filter": {"callFromDate": "2026-01-01", "callToDate": "2026-03-01"}});
    let (cards, _) = all_pages(
        &sb,
        "POST",
        "/v2/stats/activity/scorecards",
        Some(body),
        "answeredScorecards",
    )
    .await;
    assert!(!cards.is_empty());
    assert!(cards.iter().all(|c| ts(&c["reviewTime"]) <= t));
    let (_, users) = get(&sb, "/v2/users").await;
    let mut entries = 0;
    for u in users["users"].as_array().unwrap() {
        let id = u["id"].as_str().unwrap();
        let (s, v) = get(&sb, &format!("/v2/users/{id}/settings-history")).await;
        assert_eq!(s, 200, "{v}");
        for e in v["userSettingsHistory"].as_array().into_iter().flatten() {
            entries += 1;
            assert!(ts(&e["time"]) < t, "{e}");
        }
    }
    assert!(entries > 0);
}
