//! Behaviour of the simulated API: auth, pagination, cursors, filters, errors, selectors, stats.

mod common;
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use common::*;
use gong_sandbox::{Dataset, SandboxConfig};
use serde_json::{json, Value};

fn small() -> SandboxConfig {
    SandboxConfig {
        calls: 250,
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn auth_is_required_and_both_schemes_work() {
    let sb = start(small()).await;
    let c = client();
    let url = format!("{}/v2/workspaces", sb.base_url());
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["requestId"].is_string() && errors(&v).contains("Access denied"),
        "{v}"
    );
    let r = c
        .get(&url)
        .basic_auth(KEY, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c.get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c
        .get(&url)
        .bearer_auth("sandbox-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = c
        .get(&url)
        .basic_auth(KEY, Some(SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // admin endpoints need no auth
    let r = c
        .get(format!("{}/sandbox/health", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn pagination_totals_order_and_cursor_absent_on_last_page() {
    let sb = start(small()).await;
    let (calls, pages) = all_pages(
        &sb,
        "GET",
        "/v2/calls?fromDateTime=2000-01-01T00:00:00Z",
        None,
        "calls",
    )
    .await;
    assert_eq!(calls.len(), 250);
    assert_eq!(pages.len(), 3);
    for (i, p) in pages.iter().enumerate() {
        let r = &p["records"];
        assert_eq!(r["totalRecords"], 250);
        assert_eq!(r["currentPageNumber"], i);
        assert_eq!(r["currentPageSize"], p["calls"].as_array().unwrap().len());
        assert_eq!(
            r.get("cursor").is_some(),
            i < 2,
            "cursor only when another page exists"
        );
    }
    let ids: BTreeSet<&str> = calls.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 250, "no duplicates across pages");
    let starts: Vec<DateTime<Utc>> = calls
        .iter()
        .map(|c| {
            DateTime::parse_from_rfc3339(c["started"].as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc)
        })
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "ordered by started"
    );
    for c in &calls {
        let id = c["id"].as_str().unwrap();
        assert!(
            (15..=19).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
    }
    // POST endpoint: cursor in the body pages on
    let (tr, pages) = all_pages(
        &sb,
        "POST",
        "/v2/calls/transcript",
        Some(json!({"filter": {}})),
        "callTranscripts",
    )
    .await;
    assert_eq!(tr.len(), 250);
    assert_eq!(pages.len(), 3);
}

#[tokio::test]
async fn post_cursor_in_query_string_is_ignored() {
    let sb = start(small()).await;
    let body = json!({"filter": {"fromDateTime": "2000-01-01T00:00:00Z"}});
    let (_, first) = post(&sb, "/v2/calls/extensive", &body).await;
    let cursor = first["records"]["cursor"].as_str().unwrap().to_string();
    let (s, again) = post(&sb, &format!("/v2/calls/extensive?cursor={cursor}"), &body).await;
    assert_eq!(s, 200);
    assert_eq!(again["records"]["currentPageNumber"], 0);
    assert_eq!(
        again["calls"][0]["metaData"]["id"],
        first["calls"][0]["metaData"]["id"]
    );
    let mut b2 = body.clone();
    b2["cursor"] = json!(cursor);
    let (_, second) = post(&sb, "/v2/calls/extensive", &b2).await;
    assert_eq!(second["records"]["currentPageNumber"], 1);
    assert_ne!(
        second["calls"][0]["metaData"]["id"],
        first["calls"][0]["metaData"]["id"]
    );
}

#[tokio::test]
async fn cursors_are_signed_bound_to_the_filter_and_expire() {
    let sb = start(SandboxConfig {
        cursor_ttl_secs: 1,
        ..small()
    })
    .await;
    let (_, first) = get(&sb, "/v2/calls?fromDateTime=2000-01-01T00:00:00Z").await;
    let cursor = first["records"]["cursor"].as_str().unwrap().to_string();
    // tampered
    let mut bad = cursor.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == 'A' { 'B' } else { 'A' });
    let (s, v) = get(
        &sb,
        &format!("/v2/calls?fromDateTime=2000-01-01T00:00:00Z&cursor={bad}"),
    )
    .await;
    assert_eq!((s, errors(&v).as_str()), (400, "invalid cursor"));
    // another filter
    let (s, v) = get(
        &sb,
        &format!("/v2/calls?fromDateTime=2001-01-01T00:00:00Z&cursor={cursor}"),
    )
    .await;
    assert_eq!((s, errors(&v).as_str()), (400, "invalid cursor"));
    // valid now, expired later
    let (s, _) = get(
        &sb,
        &format!("/v2/calls?fromDateTime=2000-01-01T00:00:00Z&cursor={cursor}"),
    )
    .await;
    assert_eq!(s, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (s, v) = get(
        &sb,
        &format!("/v2/calls?fromDateTime=2000-01-01T00:00:00Z&cursor={cursor}"),
    )
    .await;
    assert_eq!((s, errors(&v).as_str()), (400, "cursor has expired"));
}

#[tokio::test]
async fn call_filters_from_inclusive_to_exclusive_with_offsets() {
    let sb = start(small()).await;
    let (id, started, ws) = {
        let ds = sb.dataset().read().unwrap();
        let c = &ds.calls[100];
        (
            c.id_str(),
            c.started,
            ds.workspace_ids[c.workspace].to_string(),
        )
    };
    let t = DateTime::from_timestamp(started, 0).unwrap();
    let z = |d: DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (s, v) = get(
        &sb,
        &format!(
            "/v2/calls?fromDateTime={}&toDateTime={}",
            z(t),
            z(t + Duration::seconds(1))
        ),
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        v["calls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str()),
        "fromDateTime is inclusive"
    );
    let (s, v) = get(
        &sb,
        &format!(
            "/v2/calls?fromDateTime={}&toDateTime={}",
            z(t - Duration::seconds(3600)),
            z(t)
        ),
    )
    .await;
    assert!(
        s == 404
            || !v["calls"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id.as_str()),
        "toDateTime is exclusive"
    );
    // same instant written with an offset
    let local = t
        .with_timezone(&chrono::FixedOffset::west_opt(7 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let (s, v) = post(&sb, "/v2/calls/extensive", &json!({"filter": {"fromDateTime": local, "toDateTime": z(t + Duration::seconds(1)), "workspaceId": ws}})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["metaData"]["id"] == id.as_str()));
    assert!(v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["metaData"]["workspaceId"] == ws.as_str()));
    // callIds filter
    let (_, v) = post(
        &sb,
        "/v2/calls/transcript",
        &json!({"filter": {"callIds": [id]}}),
    )
    .await;
    assert_eq!(v["callTranscripts"].as_array().unwrap().len(), 1);
    // bad dates
    let (s, _) = get(&sb, "/v2/calls?fromDateTime=yesterday").await;
    assert_eq!(s, 400);
    let r = client()
        .post(format!("{}/v2/calls/extensive", sb.base_url()))
        .basic_auth(KEY, Some(SECRET))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn not_found_texts_are_gongs() {
    let sb = start(small()).await;
    let empty = json!({"filter": {"fromDateTime": "2001-01-01T00:00:00Z", "toDateTime": "2001-01-02T00:00:00Z"}});
    let (s, v) = get(
        &sb,
        "/v2/calls?fromDateTime=2001-01-01T00:00:00Z&toDateTime=2001-01-02T00:00:00Z",
    )
    .await;
    assert_eq!(
        (s, errors(&v).as_str()),
        (404, "No calls found corresponding to the provided filters")
    );
    for p in ["/v2/calls/extensive", "/v2/calls/transcript"] {
        let (s, v) = post(&sb, p, &empty).await;
        assert_eq!(
            (s, errors(&v).as_str()),
            (404, "No calls found corresponding to the provided filters"),
            "{p}"
        );
        assert!(v["requestId"].is_string());
    }
    let (s, v) = post(
        &sb,
        "/v2/stats/interaction",
        &json!({"filter": {"fromDate": "2001-01-01", "toDate": "2001-01-02"}}),
    )
    .await;
    assert_eq!(
        (s, errors(&v).as_str()),
        (404, "No stats found for the specified period")
    );
    let (s, v) = post(
        &sb,
        "/v2/stats/activity/scorecards",
        &json!({"filter": {"callFromDate": "2001-01-01", "callToDate": "2001-01-02"}}),
    )
    .await;
    assert_eq!(
        (s, errors(&v).as_str()),
        (404, "Answered scorecards not found")
    );
    let (s, v) = get(&sb, "/v2/users/123456789012345").await;
    assert_eq!((s, errors(&v).as_str()), (404, "User not found"));
    let (s, v) = get(&sb, "/v2/calls/123456789012345").await;
    assert_eq!((s, errors(&v).as_str()), (404, "Call ID was not found"));
    let (s, v) = get(&sb, "/v2/settings/trackers?workspaceId=123456789012345").await;
    assert_eq!((s, errors(&v).as_str()), (404, "Workspace not found"));
    let (s, v) = get(&sb, "/v2/no-such-thing").await;
    assert_eq!(s, 404);
    assert!(errors(&v).starts_with("No such endpoint"), "{v}");
}

#[tokio::test]
async fn stats_validate_dates_and_are_consistent_with_calls() {
    let sb = start(small()).await;
    let today = Utc::now().date_naive();
    let tomorrow = today + Duration::days(1);
    for p in [
        "/v2/stats/activity/aggregate",
        "/v2/stats/activity/day-by-day",
        "/v2/stats/interaction",
    ] {
        let (s, v) = post(
            &sb,
            p,
            &json!({"filter": {"fromDate": today.to_string(), "toDate": tomorrow.to_string()}}),
        )
        .await;
        assert_eq!(s, 400, "{p}: toDate later than today");
        assert!(errors(&v).contains("toDate"), "{v}");
        let (s, _) = post(
            &sb,
            p,
            &json!({"filter": {"fromDate": "2024/01/01", "toDate": today.to_string()}}),
        )
        .await;
        assert_eq!(s, 400, "{p}: bad date format");
        let (s, _) = post(&sb, p, &json!({"filter": {}})).await;
        assert_eq!(s, 400);
    }
    let from = today - Duration::days(7);
    let body = json!({"filter": {"fromDate": from.to_string(), "toDate": today.to_string()}});
    let expected_calls = {
        let ds = sb.dataset().read().unwrap();
        let f = from.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        let t = today.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        ds.call_range(Some(f), Some(t)).len()
    };
    let (s, agg) = post(&sb, "/v2/stats/activity/aggregate", &body).await;
    assert_eq!(s, 200);
    assert_eq!(agg["fromDateTime"], format!("{from}T00:00:00Z"));
    let hosted: u64 = agg["usersAggregateActivityStats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            u["userAggregateActivityStats"]["callsAsHost"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(hosted as usize, expected_calls);
    let (_, dbd) = post(&sb, "/v2/stats/activity/day-by-day", &body).await;
    let mut hosted2 = 0;
    for u in dbd["usersDetailedActivities"].as_array().unwrap() {
        let days = u["userDailyActivityStats"].as_array().unwrap();
        assert_eq!(days.len(), 7, "one entry per day");
        hosted2 += days
            .iter()
            .map(|d| d["callsAsHost"].as_array().unwrap().len())
            .sum::<usize>();
    }
    assert_eq!(hosted2, expected_calls);
    let (s, inter) = post(&sb, "/v2/stats/interaction", &body).await;
    assert_eq!(s, 200);
    assert!(!inter["peopleInteractionStats"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(inter["timeZone"], "UTC");
    // unknown user id
    let (s, v) = post(&sb, "/v2/stats/activity/aggregate", &json!({"filter": {"fromDate": from.to_string(), "toDate": today.to_string(), "userIds": ["1"]}})).await;
    assert_eq!((s, errors(&v).as_str()), (404, "User not found"));
}

#[tokio::test]
async fn answered_scorecards_filters_and_integer_ids() {
    let sb = start(small()).await;
    let (all, _) = all_pages(
        &sb,
        "POST",
        "/v2/stats/activity/scorecards",
        Some(json!({"filter": {}})),
        "answeredScorecards",
    )
    .await;
    let expected = sb.dataset().read().unwrap().counts()["stats_activity_scorecards"]
        .as_u64()
        .unwrap();
    assert_eq!(all.len() as u64, expected);
    assert!(
        all[0]["scorecardId"].is_u64()
            && all[0]["callId"].is_u64()
            && all[0]["answers"][0]["questionId"].is_u64()
    );
    let sc = all[0]["scorecardId"].as_u64().unwrap();
    let (_, v) = post(
        &sb,
        "/v2/stats/activity/scorecards",
        &json!({"filter": {"scorecardIds": [sc.to_string()]}}),
    )
    .await;
    assert!(v["answeredScorecards"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["scorecardId"] == sc));
    let today = Utc::now().date_naive();
    let from = today - Duration::days(10);
    let (s, v) = post(
        &sb,
        "/v2/stats/activity/scorecards",
        &json!({"filter": {"reviewFromDate": from.to_string(), "reviewToDate": today.to_string()}}),
    )
    .await;
    assert_eq!(s, 200);
    for a in v["answeredScorecards"].as_array().unwrap() {
        let d = DateTime::parse_from_rfc3339(a["reviewTime"].as_str().unwrap())
            .unwrap()
            .date_naive();
        assert!(d >= from && d < today);
    }
    // the seed document's fromDateTime/toDateTime map to call dates
    let (s, _) = post(
        &sb,
        "/v2/stats/activity/scorecards",
        &json!({"filter": {"fromDateTime": "2000-01-01T00:00:00Z"}}),
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn extensive_returns_only_what_the_selector_asks_for() {
    let sb = start(small()).await;
    let f = json!({"fromDateTime": "2000-01-01T00:00:00Z"});
    let (_, v) = post(&sb, "/v2/calls/extensive", &json!({"filter": f})).await;
    let keys: Vec<&String> = v["calls"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["metaData"]);
    let (_, v) = post(&sb, "/v2/calls/extensive", &json!({"filter": f, "contentSelector": {"exposedFields": {"parties": true, "content": {"brief": true, "trackers": true}}}})).await;
    let c = v["calls"][0].as_object().unwrap();
    let keys: BTreeSet<&str> = c.keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["metaData", "parties", "content"]));
    let ck: BTreeSet<&str> = c["content"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(ck, BTreeSet::from(["brief", "trackers"]));
    assert!(
        v["calls"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["content"]["trackers"].as_array().unwrap())
            .all(|t| t.get("occurrences").is_none()),
        "no occurrences without trackerOccurrences"
    );
    assert!(
        c["parties"][0].get("context").is_none(),
        "no party context without contentSelector.context"
    );
    let (_, v) = post(&sb, "/v2/calls/extensive", &json!({"filter": f, "contentSelector": {"context": "Basic", "exposedFields": {"media": true}}})).await;
    let c = v["calls"][0].as_object().unwrap();
    let keys: BTreeSet<&str> = c.keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["metaData", "context", "media"]));
    // awkward values present somewhere
    let (all, _) = all_pages(
        &sb,
        "POST",
        "/v2/calls/extensive",
        Some(json!({"filter": f, "contentSelector": all_fields_selector()})),
        "calls",
    )
    .await;
    let titles: Vec<&str> = all
        .iter()
        .map(|c| c["metaData"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.iter().filter(|t| t.contains('\u{2028}')).count(), 1);
    assert!(titles.iter().any(|t| !t.is_ascii()));
    assert!(all.iter().any(|c| c["metaData"]["isPrivate"] == true));
    assert!(all.iter().any(|c| c["metaData"]["purpose"].is_null()));
    assert!(all.iter().any(|c| c["collaboration"]["publicComments"]
        .as_array()
        .unwrap()
        .is_empty()));
    let video: Vec<&Value> = all
        .iter()
        .filter(|c| c["metaData"]["media"] == "Video")
        .collect();
    assert!(video.iter().all(|c| c["media"]["videoUrl"].is_string()));
    assert!(all
        .iter()
        .filter(|c| c["metaData"]["media"] == "Audio")
        .all(|c| c["media"]["videoUrl"].is_null()));
}

#[tokio::test]
async fn transcripts_reference_speakers_and_some_are_very_long() {
    let sb = start(SandboxConfig {
        calls: 400,
        ..SandboxConfig::default()
    })
    .await;
    let (tr, _) = all_pages(
        &sb,
        "POST",
        "/v2/calls/transcript",
        Some(json!({"filter": {}})),
        "callTranscripts",
    )
    .await;
    let sentences = |t: &Value| {
        t["transcript"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["sentences"].as_array().unwrap().len())
            .sum::<usize>()
    };
    assert!(
        tr.iter().any(|t| sentences(t) >= 2000),
        "some transcripts have thousands of sentences"
    );
    assert!(
        tr.iter().any(|t| sentences(t) == 0),
        "some transcripts are empty"
    );
    let t = tr.iter().find(|t| sentences(t) > 0).unwrap();
    let id = t["callId"].as_str().unwrap();
    let (_, v) = post(&sb, "/v2/calls/extensive", &json!({"filter": {"callIds": [id]}, "contentSelector": {"exposedFields": {"parties": true}}})).await;
    let speakers: BTreeSet<&str> = v["calls"][0]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["speakerId"].as_str())
        .collect();
    for m in t["transcript"].as_array().unwrap() {
        assert!(speakers.contains(m["speakerId"].as_str().unwrap()));
        let s = m["sentences"][0]["start"].as_u64().unwrap();
        assert!(m["sentences"][0]["end"].as_u64().unwrap() > s);
    }
}

#[tokio::test]
async fn settings_library_coaching() {
    let sb = start(small()).await;
    let (ws, manager) = {
        let ds = sb.dataset().read().unwrap();
        (
            ds.workspace_ids[0].to_string(),
            ds.user_ids[ds.manager_of.iter().flatten().copied().max().unwrap()].to_string(),
        )
    };
    let (_, v) = get(&sb, &format!("/v2/settings/trackers?workspaceId={ws}")).await;
    assert!(v["keywordTrackers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["workspaceId"] == ws.as_str()));
    let (s, _) = get(&sb, &format!("/v2/settings/scorecards?workspaceId={ws}")).await;
    assert_eq!(s, 200);
    let (_, v) = get(&sb, &format!("/v2/library/folders?workspaceId={ws}")).await;
    assert_eq!(v["folders"].as_array().unwrap().len(), 5);
    let (s, _) = get(&sb, "/v2/library/folder-content").await;
    assert_eq!(s, 400);
    let (s, v) = get(
        &sb,
        &format!("/v2/coaching?workspace-id={ws}&manager-id={manager}&from=2000-01-01T00:00:00Z"),
    )
    .await;
    assert_eq!(s, 400, "`to` is required");
    assert!(errors(&v).contains("to"));
    let (s, v) = get(&sb, &format!("/v2/coaching?workspace-id={ws}&manager-id={manager}&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z")).await;
    assert_eq!(s, 200);
    let d = &v["coachingData"][0];
    assert_eq!(d["manager"]["id"], manager.as_str());
    assert!(d["directReportsMetrics"][0]["metrics"]
        .as_object()
        .unwrap()
        .values()
        .all(|x| x.is_array()));
}

#[tokio::test]
async fn add_call_simulates_late_processed_data() {
    let sb = start(small()).await;
    let when = Utc::now() - Duration::days(3);
    let id = sb.add_call(when);
    let from = (when - Duration::seconds(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let to = (when + Duration::seconds(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (s, v) = get(
        &sb,
        &format!("/v2/calls?fromDateTime={from}&toDateTime={to}"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == id.as_str()));
    let (s, v) = post(
        &sb,
        "/v2/calls/extensive",
        &json!({"filter": {"callIds": [id]}, "contentSelector": all_fields_selector()}),
    )
    .await;
    assert_eq!(s, 200);
    assert!(v["calls"][0]["media"]["audioUrl"].is_string());
    // over HTTP too
    let r = client()
        .post(format!("{}/sandbox/calls", sb.base_url()))
        .json(&json!({"started": "2024-01-02T03:04:05Z"}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let (s, _) = get(&sb, &format!("/v2/calls/{}", v["id"].as_str().unwrap())).await;
    assert_eq!(s, 200);
    let counts: Value = client()
        .get(format!("{}/sandbox/dataset/counts", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counts["calls"], 252);
}

#[test]
fn dataset_is_deterministic_and_fast() {
    let cfg = SandboxConfig {
        calls: 2000,
        ..SandboxConfig::default()
    };
    let a = Dataset::generate(&cfg);
    let b = Dataset::generate(&cfg);
    assert_eq!(
        a.calls.iter().map(|c| c.id).collect::<Vec<_>>(),
        b.calls.iter().map(|c| c.id).collect::<Vec<_>>()
    );
    assert_eq!(a.call_basic(&a.calls[5]), b.call_basic(&b.calls[5]));
    assert_eq!(a.transcript(&a.calls[5]), b.transcript(&b.calls[5]));
    assert_eq!(a.users, b.users);
    let c = Dataset::generate(&SandboxConfig {
        seed: 7,
        ..cfg.clone()
    });
    assert_ne!(a.calls[0].id, c.calls[0].id);
    assert!(a.large_media_call_id.is_some());
    let t = std::time::Instant::now();
    let big = Dataset::generate(&SandboxConfig {
        calls: 100_000,
        ..SandboxConfig::default()
    });
    assert_eq!(big.calls.len(), 100_000);
    assert!(
        t.elapsed().as_secs() < 20,
        "100k calls took {:?}",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_served() {
    let sb = start(SandboxConfig {
        calls: 1000,
        ..SandboxConfig::default()
    })
    .await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let base = sb.base_url();
        tasks.push(tokio::spawn(async move {
            let body = json!({"filter": {"fromDateTime": "2000-01-01T00:00:00Z"}, "contentSelector": all_fields_selector()});
            let path = if i % 2 == 0 { "/v2/calls/extensive" } else { "/v2/calls/transcript" };
            let r = client().post(format!("{base}{path}")).basic_auth(KEY, Some(SECRET)).json(&body).send().await.unwrap();
            r.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let st = sb.stats();
    assert_eq!(st.api_requests, 16);
    assert_eq!(st.by_path["POST /v2/calls/extensive"], 8);
}
