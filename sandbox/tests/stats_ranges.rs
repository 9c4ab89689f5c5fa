//! Stats over date ranges and the company-size settings: `aggregate-by-period` agrees with
//! `aggregate` day by day and period by period, `day-by-day` lists every day of the range for each
//! active user, `managers` sets how many users have direct reports, and a 5,000-user company generates
//! in seconds.

mod common;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, Utc};
use common::*;
use gong_sandbox::{Dataset, SandboxConfig};
use serde_json::{json, Value};

const BY_PERIOD: &str = "/v2/stats/activity/aggregate-by-period";

fn cfg() -> SandboxConfig {
    SandboxConfig {
        calls: 400,
        days: 30,
        ..SandboxConfig::default()
    }
}

fn range(from: NaiveDate, to: NaiveDate) -> Value {
    json!({"filter": {"fromDate": from.to_string(), "toDate": to.to_string()}})
}

/// userId -> the aggregate numbers of `[from, to)`.
async fn aggregate(
    sb: &gong_sandbox::Sandbox,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<String, Value> {
    let (items, _) = all_pages(
        sb,
        "POST",
        "/v2/stats/activity/aggregate",
        Some(range(from, to)),
        "usersAggregateActivityStats",
    )
    .await;
    items
        .into_iter()
        .map(|u| {
            (
                u["userId"].as_str().unwrap().to_string(),
                u["userAggregateActivityStats"].clone(),
            )
        })
        .collect()
}

/// userId -> the items of aggregate-by-period over `[from, to)`.
async fn by_period(
    sb: &gong_sandbox::Sandbox,
    from: NaiveDate,
    to: NaiveDate,
    period: &str,
) -> BTreeMap<String, Vec<Value>> {
    let mut body = range(from, to);
    body["aggregationPeriod"] = json!(period);
    let (items, _) = all_pages(sb, "POST", BY_PERIOD, Some(body), "usersAggregateActivity").await;
    items
        .into_iter()
        .map(|u| {
            let list = u["userAggregateActivity"].as_array().unwrap().clone();
            (u["userId"].as_str().unwrap().to_string(), list)
        })
        .collect()
}

/// An item's numbers without its dates (the shape of an aggregate).
fn numbers(item: &Value) -> Value {
    let mut m = item.as_object().unwrap().clone();
    m.remove("fromDate");
    m.remove("toDate");
    Value::Object(m)
}

fn zero(item: &Value) -> bool {
    numbers(item)
        .as_object()
        .unwrap()
        .values()
        .all(|v| v == &json!(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn day_items_equal_the_aggregate_of_each_day() {
    let sb = start(cfg()).await;
    let to = Utc::now().date_naive() - Duration::days(1);
    let from = to - Duration::days(10);
    let periods = by_period(&sb, from, to, "DAY").await;
    assert!(!periods.is_empty());
    // users with activity in the range only, as aggregate over the same range
    let whole = aggregate(&sb, from, to).await;
    assert_eq!(
        periods.keys().collect::<Vec<_>>(),
        whole.keys().collect::<Vec<_>>()
    );
    let mut day = from;
    let mut zeros = 0;
    for i in 0..10 {
        let one = aggregate(&sb, day, day + Duration::days(1)).await;
        for (user, items) in &periods {
            assert_eq!(items.len(), 10, "one item per day for {user}");
            let item = &items[i];
            assert_eq!(item["fromDate"], json!(format!("{day}T00:00:00Z")));
            let next = day + Duration::days(1);
            assert_eq!(item["toDate"], json!(format!("{next}T00:00:00Z")));
            match one.get(user) {
                Some(agg) => assert_eq!(&numbers(item), agg, "{user} on {day}"),
                // a one-day aggregate leaves out users without activity that day; the range lists zeros
                None => {
                    assert!(zero(item), "{user} on {day}: {item}");
                    zeros += 1;
                }
            }
        }
        day += Duration::days(1);
    }
    assert!(zeros > 0, "some users have days without activity");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn week_and_month_items_sum_their_days_and_follow_the_calendar() {
    let sb = start(cfg()).await;
    let to = Utc::now().date_naive() - Duration::days(1);
    let from = to - Duration::days(27);
    for period in ["WEEK", "MONTH", "QUARTER", "YEAR"] {
        let periods = by_period(&sb, from, to, period).await;
        for items in periods.values() {
            assert_eq!(items[0]["fromDate"], json!(format!("{from}T00:00:00Z")));
            let last = items.last().unwrap();
            assert_eq!(last["toDate"], json!(format!("{to}T00:00:00Z")));
            for pair in items.windows(2) {
                assert_eq!(pair[0]["toDate"], pair[1]["fromDate"]);
            }
        }
        // each period's numbers are the aggregate of its dates
        let (user, items) = periods.iter().next().unwrap();
        for item in items {
            let a: NaiveDate = item["fromDate"].as_str().unwrap()[..10].parse().unwrap();
            let b: NaiveDate = item["toDate"].as_str().unwrap()[..10].parse().unwrap();
            let agg = aggregate(&sb, a, b).await;
            match agg.get(user) {
                Some(x) => assert_eq!(&numbers(item), x, "{period} {a}..{b}"),
                None => assert!(zero(item)),
            }
        }
    }
    let weeks = by_period(&sb, from, to, "WEEK").await;
    let items = weeks.values().next().unwrap();
    for item in &items[1..] {
        let a: NaiveDate = item["fromDate"].as_str().unwrap()[..10].parse().unwrap();
        assert_eq!(a.format("%A").to_string(), "Monday");
    }
}

#[tokio::test]
async fn aggregation_period_is_required_and_checked() {
    let sb = start(cfg()).await;
    let to = Utc::now().date_naive();
    let body = range(to - Duration::days(3), to);
    let (s, v) = post(&sb, BY_PERIOD, &body).await;
    assert_eq!(s, 400, "{v}");
    assert!(errors(&v).contains("aggregationPeriod"), "{v}");
    let mut bad = body.clone();
    bad["aggregationPeriod"] = json!("FORTNIGHT");
    let (s, v) = post(&sb, BY_PERIOD, &bad).await;
    assert_eq!(s, 400);
    assert!(
        errors(&v).contains("DAY, WEEK, MONTH, QUARTER, YEAR"),
        "{v}"
    );
    let mut late = range(to, to + Duration::days(1));
    late["aggregationPeriod"] = json!("DAY");
    let (s, _) = post(&sb, BY_PERIOD, &late).await;
    assert_eq!(s, 400, "toDate after today");
}

#[tokio::test]
async fn by_period_needs_the_user_actions_scope() {
    let sb = start(SandboxConfig {
        denied_scopes: vec!["api:stats:user-actions".into()],
        ..cfg()
    })
    .await;
    let to = Utc::now().date_naive();
    let mut body = range(to - Duration::days(3), to);
    body["aggregationPeriod"] = json!("DAY");
    let r = client()
        .post(format!("{}{BY_PERIOD}", sb.base_url()))
        .bearer_auth("sandbox-token")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn day_by_day_lists_every_day_of_the_range_for_each_active_user() {
    let sb = start(cfg()).await;
    let to = Utc::now().date_naive() - Duration::days(1);
    let from = to - Duration::days(14);
    let (users, _) = all_pages(
        &sb,
        "POST",
        "/v2/stats/activity/day-by-day",
        Some(range(from, to)),
        "usersDetailedActivities",
    )
    .await;
    let whole = aggregate(&sb, from, to).await;
    let ids: BTreeSet<String> = users
        .iter()
        .map(|u| u["userId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, whole.keys().cloned().collect::<BTreeSet<_>>());
    let mut empty_days = 0;
    for u in &users {
        let days = u["userDailyActivityStats"].as_array().unwrap();
        assert_eq!(days.len(), 14);
        for (i, d) in days.iter().enumerate() {
            let day = from + Duration::days(i as i64);
            assert_eq!(d["fromDate"], json!(format!("{day}T00:00:00Z")));
            let lists = d.as_object().unwrap();
            let calls: usize = lists
                .values()
                .filter_map(Value::as_array)
                .map(Vec::len)
                .sum();
            empty_days += usize::from(calls == 0);
        }
    }
    assert!(
        empty_days > 0,
        "days without activity are listed with empty arrays"
    );
}

#[test]
fn managers_setting_sets_the_users_with_reports() {
    let managers = |cfg: &SandboxConfig| {
        let ds = Dataset::generate(cfg);
        ds.manager_of
            .iter()
            .flatten()
            .copied()
            .collect::<BTreeSet<usize>>()
            .len()
    };
    // the historical default: the head and clamp(users / 6, 1, 5) line managers
    assert_eq!(managers(&SandboxConfig::default()), 5);
    let mid = SandboxConfig {
        users: 1000,
        managers: Some(100),
        calls: 0,
        ..SandboxConfig::default()
    };
    assert_eq!(managers(&mid), 100);
    let one = SandboxConfig {
        users: 10,
        managers: Some(1),
        calls: 0,
        ..SandboxConfig::default()
    };
    assert_eq!(managers(&one), 1);
    // never more managers than users can report to
    let many = SandboxConfig {
        users: 10,
        managers: Some(50),
        calls: 0,
        ..SandboxConfig::default()
    };
    assert!(managers(&many) <= 5);
}

#[test]
fn a_large_company_generates_in_seconds() {
    let t = std::time::Instant::now();
    let ds = Dataset::generate(&SandboxConfig {
        users: 5000,
        managers: Some(500),
        calls: 125_000,
        days: 365,
        ..SandboxConfig::default()
    });
    let took = t.elapsed();
    assert_eq!(ds.calls.len(), 125_000);
    assert_eq!(ds.users.len(), 5000);
    let first = ds.calls.first().unwrap().started;
    let last = ds.calls.last().unwrap().started;
    assert!(last - first > 360 * 86_400, "calls span the year");
    // about 1 s in a release build on a busy 2-core machine; generous for debug builds
    assert!(
        took.as_secs() < 10,
        "5,000 users and 125,000 calls took {took:?}"
    );
}
