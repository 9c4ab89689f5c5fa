//! Behaviour of the issue-17 endpoints: paging and windows of the logs and manual CRM associations,
//! agreement with `/sandbox/dataset/counts` and with the calls and users, flows per owner, required
//! parameters, and the 403 each endpoint's scope gives a Bearer token that lacks it.

mod common;
use std::collections::{BTreeMap, BTreeSet};

use common::*;
use gong_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

const LOG_TYPES: [&str; 5] = [
    "AccessLog",
    "UserActivityLog",
    "UserCallPlay",
    "ExternallySharedCallAccess",
    "ExternallySharedCallPlay",
];

fn small() -> SandboxConfig {
    SandboxConfig {
        calls: 250,
        ..SandboxConfig::default()
    }
}

async fn counts(sb: &Sandbox) -> Value {
    let url = format!("{}/sandbox/dataset/counts", sb.base_url());
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn anchor(sb: &Sandbox) -> chrono::DateTime<chrono::Utc> {
    sb.dataset().read().unwrap().anchor
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[tokio::test]
async fn logs_page_by_100_in_time_order_and_windows_add_up_to_the_counts() {
    let sb = start(small()).await;
    let n = counts(&sb).await;
    let a = anchor(&sb);
    for t in LOG_TYPES {
        let path = format!("/v2/logs?logType={t}&fromDateTime=2000-01-01T00:00:00Z");
        let (all, pages) = all_pages(&sb, "GET", &path, None, "logEntries").await;
        assert_eq!(all.len() as u64, n["logs"][t].as_u64().unwrap(), "{t}");
        for p in &pages {
            assert!(p["logEntries"].as_array().unwrap().len() <= 100);
            assert_eq!(p["records"]["totalRecords"], all.len());
        }
        let times: Vec<&str> = all
            .iter()
            .map(|e| e["eventTime"].as_str().unwrap())
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "{t} is not in time order"
        );
        // consecutive weekly windows ([from, to), toDateTime exclusive) hold every event once
        let mut windowed = 0;
        for w in 0..10 {
            let from = a - chrono::Duration::days(70 - 7 * w);
            let to = from + chrono::Duration::days(7);
            let path = format!(
                "/v2/logs?logType={t}&fromDateTime={}&toDateTime={}",
                iso(from),
                iso(to)
            );
            let (s, v) = get(&sb, &path).await;
            if s == 404 {
                assert_eq!(errors(&v), "No logs found for the specified period");
                continue;
            }
            let (items, _) = all_pages(&sb, "GET", &path, None, "logEntries").await;
            windowed += items.len();
        }
        assert_eq!(windowed, all.len(), "{t}: windows lose or repeat events");
    }
    let (all, pages) = all_pages(
        &sb,
        "GET",
        "/v2/logs?logType=AccessLog&fromDateTime=2000-01-01T00:00:00Z",
        None,
        "logEntries",
    )
    .await;
    assert!(pages.len() > 1, "AccessLog should need several pages");
    assert!(all.iter().any(|e| e["impersonatorUserId"].is_string()));
}

#[tokio::test]
async fn logs_validate_their_parameters() {
    let sb = start(small()).await;
    for (path, msg) in [
        (
            "/v2/logs?fromDateTime=2000-01-01T00:00:00Z",
            "logType is required",
        ),
        (
            "/v2/logs?logType=accesslog&fromDateTime=2000-01-01T00:00:00Z",
            "logType must be one of",
        ),
        ("/v2/logs?logType=AccessLog", "fromDateTime is required"),
        (
            "/v2/logs?logType=AccessLog&fromDateTime=yesterday",
            "not a valid ISO-8601",
        ),
    ] {
        let (s, v) = get(&sb, path).await;
        assert_eq!(s, 400, "{path}");
        assert!(errors(&v).contains(msg), "{path}: {v}");
    }
    let (s, v) = get(&sb, "/v2/logs?logType=AccessLog&fromDateTime=2000-01-01T00:00:00Z&toDateTime=2001-01-01T00:00:00Z").await;
    assert_eq!(s, 404);
    assert_eq!(errors(&v), "No logs found for the specified period");
    // a cursor belongs to its filter
    let (_, v) = get(
        &sb,
        "/v2/logs?logType=AccessLog&fromDateTime=2000-01-01T00:00:00Z",
    )
    .await;
    let c = v["records"]["cursor"].as_str().unwrap();
    let (s, _) = get(
        &sb,
        &format!("/v2/logs?logType=UserActivityLog&fromDateTime=2000-01-01T00:00:00Z&cursor={c}"),
    )
    .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn call_plays_in_the_log_follow_the_listening_stats() {
    let sb = start(small()).await;
    let (plays, _) = all_pages(
        &sb,
        "GET",
        "/v2/logs?logType=UserCallPlay&fromDateTime=2000-01-01T00:00:00Z",
        None,
        "logEntries",
    )
    .await;
    let calls: BTreeSet<String> = sb
        .dataset()
        .read()
        .unwrap()
        .calls
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    for p in &plays {
        let id = p["logRecord"]["callId"].as_str().unwrap();
        assert!(calls.contains(id), "play of unknown call {id}");
        assert!(p["eventTime"].as_str().unwrap() < iso(anchor(&sb)).as_str());
    }
}

#[tokio::test]
async fn settings_history_ends_in_the_users_current_settings() {
    let sb = start(small()).await;
    let users = sb.dataset().read().unwrap().users.clone();
    let mut total = 0;
    for u in &users {
        let (s, v) = get(
            &sb,
            &format!("/v2/users/{}/settings-history", u["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(s, 200);
        let h = v["userSettingsHistory"].as_array().unwrap();
        total += h.len();
        let times: Vec<&str> = h.iter().map(|e| e["time"].as_str().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        let mut last: BTreeMap<&str, bool> = BTreeMap::new();
        for e in h {
            last.insert(
                e["setting"].as_str().unwrap(),
                e["value"].as_bool().unwrap(),
            );
        }
        for (setting, value) in last {
            let now = match setting {
                "active" => &u["active"],
                "callsImported" => &u["settings"]["telephonyCallsImported"],
                s => &u["settings"][s],
            };
            if now.is_boolean() {
                assert_eq!(now.as_bool().unwrap(), value, "{setting} of {}", u["id"]);
            }
        }
    }
    assert_eq!(
        total as u64,
        counts(&sb).await["user_settings_history"].as_u64().unwrap()
    );
    let (s, v) = get(&sb, "/v2/users/123/settings-history").await;
    assert_eq!((s, errors(&v).as_str()), (404, "User not found"));
}

#[tokio::test]
async fn users_access_answers_batches_of_call_ids() {
    let sb = start(small()).await;
    let (ids, hosts) = {
        let ds = sb.dataset().read().unwrap();
        let hosts: BTreeMap<String, String> = ds
            .calls
            .iter()
            .map(|c| (c.id.to_string(), ds.user_ids[c.host].to_string()))
            .collect();
        (hosts.keys().cloned().collect::<Vec<_>>(), hosts)
    };
    let mut calls = 0;
    let mut grants = 0;
    for batch in ids.chunks(100) {
        let mut body: Vec<Value> = batch.iter().map(|i| json!(i)).collect();
        body.push(json!("42")); // unknown ids are ignored
        let (s, v) = post(
            &sb,
            "/v2/calls/users-access",
            &json!({"filter": {"callIds": body}}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        for item in v["callAccessList"].as_array().unwrap() {
            let users = item["users"].as_array().unwrap();
            assert!(!users.is_empty());
            let host = &hosts[item["callId"].as_str().unwrap()];
            assert!(users.iter().all(|u| u["userId"] != host.as_str()));
            calls += 1;
            grants += users.len();
        }
    }
    let n = counts(&sb).await;
    assert_eq!(calls, n["call_users_access"].as_u64().unwrap() as usize);
    assert_eq!(
        grants,
        n["call_users_access_grants"].as_u64().unwrap() as usize
    );
    assert!(n["private_calls"].as_u64().unwrap() > 0);
    for body in [
        json!({}),
        json!({"filter": {}}),
        json!({"filter": {"callIds": []}}),
    ] {
        let (s, _) = post(&sb, "/v2/calls/users-access", &body).await;
        assert_eq!(s, 400, "{body}");
    }
}

#[tokio::test]
async fn manual_crm_associations_page_ascend_and_match_the_calls_context() {
    let sb = start(SandboxConfig {
        calls: 1500,
        ..SandboxConfig::default()
    })
    .await;
    let path = "/v2/calls/manual-crm-associations";
    let (all, pages) = all_pages(&sb, "GET", path, None, "associations").await;
    assert_eq!(
        all.len() as u64,
        counts(&sb).await["calls_manual_crm_associations"]
            .as_u64()
            .unwrap()
    );
    assert!(pages.len() > 1, "{} associations", all.len());
    let times: Vec<&str> = all.iter().map(|e| e["created"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    // fromDateTime is inclusive
    let mid = times[times.len() / 2];
    let (later, _) = all_pages(
        &sb,
        "GET",
        &format!("{path}?fromDateTime={mid}"),
        None,
        "associations",
    )
    .await;
    assert_eq!(later.len(), times.iter().filter(|t| **t >= mid).count());
    // the account is the one calls/extensive shows in the call's context
    let e = &all[0];
    let (_, v) = post(
        &sb,
        "/v2/calls/extensive",
        &json!({"filter": {"callIds": [e["callId"]]}, "contentSelector": {"context": "Basic"}}),
    )
    .await;
    let objects = v["calls"][0]["context"][0]["objects"].as_array().unwrap();
    let account = objects
        .iter()
        .find(|o| o["objectType"] == "Account")
        .unwrap();
    assert_eq!(
        account["objectId"],
        e["associatedCrmObjects"][0]["accountCrmId"]
    );
    // nothing after the last one: an empty page, not a 404
    let (s, v) = get(&sb, &format!("{path}?fromDateTime=2100-01-01T00:00:00Z")).await;
    assert_eq!(s, 200);
    assert_eq!(v["associations"], json!([]));
    assert_eq!(v["records"]["totalRecords"], 0);
}

#[tokio::test]
async fn permission_profiles_list_get_and_users_agree() {
    let sb = start(small()).await;
    let workspaces = sb.dataset().read().unwrap().workspace_ids.clone();
    let (mut profiles, mut members) = (0, 0);
    for w in &workspaces {
        let (s, v) = get(&sb, &format!("/v2/all-permission-profiles?workspaceId={w}")).await;
        assert_eq!(s, 200);
        let list = v["profiles"].as_array().unwrap();
        let names: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "profiles are listed alphabetically");
        for p in list {
            let id = p["id"].as_str().unwrap();
            let (_, one) = get(&sb, &format!("/v2/permission-profile?profileId={id}")).await;
            assert_eq!(&one["profile"], p);
            let (_, users) =
                get(&sb, &format!("/v2/permission-profile/users?profileId={id}")).await;
            members += users["users"].as_array().unwrap().len();
            profiles += 1;
        }
    }
    let n = counts(&sb).await;
    assert_eq!(
        profiles,
        n["permission_profiles"].as_u64().unwrap() as usize
    );
    assert_eq!(
        members,
        n["permission_profile_users"].as_u64().unwrap() as usize
    );
    // one profile per user and workspace
    assert_eq!(members, workspaces.len() * 25);
    for path in [
        "/v2/all-permission-profiles",
        "/v2/all-permission-profiles?workspaceId=1",
        "/v2/permission-profile",
        "/v2/permission-profile/users?profileId=1",
    ] {
        let (s, _) = get(&sb, path).await;
        assert_eq!(s, 400, "{path}");
    }
}

#[tokio::test]
async fn flows_company_ones_for_every_owner_personal_ones_for_theirs() {
    let sb = start(SandboxConfig {
        users: 1000,
        calls: 50,
        ..SandboxConfig::default()
    })
    .await;
    let emails: Vec<String> = sb
        .dataset()
        .read()
        .unwrap()
        .users
        .iter()
        .map(|u| u["emailAddress"].as_str().unwrap().to_string())
        .collect();
    let mut company: Option<BTreeSet<String>> = None;
    let mut distinct = BTreeSet::new();
    let mut personal_seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_owner = 0;
    // 1000 users make 2 × 105 company flows: every owner's listing has several pages
    for email in emails.iter().take(40) {
        let (flows, pages) = all_pages(
            &sb,
            "GET",
            &format!("/v2/flows?flowOwnerEmail={email}"),
            None,
            "flows",
        )
        .await;
        assert!(pages.len() >= 3);
        by_owner += flows.len();
        let ids = |vis: &str| -> BTreeSet<String> {
            flows
                .iter()
                .filter(|f| f["visibility"] == vis)
                .map(|f| f["id"].as_str().unwrap().to_string())
                .collect()
        };
        let c = ids("Company");
        assert_eq!(c.len(), 210);
        assert!(
            company.as_ref().is_none_or(|x| *x == c),
            "company flows differ between owners"
        );
        company = Some(c);
        for id in ids("Personal") {
            *personal_seen.entry(id).or_default() += 1;
        }
        distinct.extend(flows.iter().map(|f| f["id"].as_str().unwrap().to_string()));
    }
    assert!(!personal_seen.is_empty());
    assert!(
        personal_seen.values().all(|&n| n == 1),
        "a personal flow came back for two owners"
    );
    assert!(by_owner > distinct.len());
    // with a workspace, only its flows
    let w = sb.dataset().read().unwrap().workspace_ids[1];
    let (flows, _) = all_pages(
        &sb,
        "GET",
        &format!("/v2/flows?flowOwnerEmail={}&workspaceId={w}", emails[0]),
        None,
        "flows",
    )
    .await;
    assert_eq!(
        flows
            .iter()
            .filter(|f| f["visibility"] == "Company")
            .count(),
        105
    );
    for path in ["/v2/flows", "/v2/flows?flowOwnerEmail=nobody@example.com"] {
        let (s, _) = get(&sb, path).await;
        assert_eq!(s, 400, "{path}");
    }
}

#[tokio::test]
async fn flows_counts_equal_what_every_owner_sees() {
    let sb = start(small()).await;
    let emails: Vec<String> = sb
        .dataset()
        .read()
        .unwrap()
        .users
        .iter()
        .map(|u| u["emailAddress"].as_str().unwrap().to_string())
        .collect();
    let mut distinct = BTreeSet::new();
    let mut by_owner = 0;
    for email in &emails {
        let (flows, _) = all_pages(
            &sb,
            "GET",
            &format!("/v2/flows?flowOwnerEmail={email}"),
            None,
            "flows",
        )
        .await;
        by_owner += flows.len();
        distinct.extend(flows.iter().map(|f| f["id"].as_str().unwrap().to_string()));
    }
    let n = counts(&sb).await;
    assert_eq!(distinct.len() as u64, n["flows"].as_u64().unwrap());
    assert_eq!(by_owner as u64, n["flows_by_owner"].as_u64().unwrap());
}

#[tokio::test]
async fn crm_integration_and_its_schema() {
    let sb = start(small()).await;
    let (_, v) = get(&sb, "/v2/crm/integrations").await;
    let list = v["integrations"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    let id = list[0]["integrationId"].as_u64().unwrap();
    let n = counts(&sb).await;
    for t in ["ACCOUNT", "CONTACT", "DEAL", "LEAD"] {
        let (s, v) = get(
            &sb,
            &format!("/v2/crm/entity-schema?integrationId={id}&objectType={t}"),
        )
        .await;
        assert_eq!(s, 200);
        let fields = v["objectTypeToSelectedFields"][t].as_array().unwrap();
        assert_eq!(
            fields.len() as u64,
            n["crm_entity_schema"][t].as_u64().unwrap()
        );
    }
    for q in [
        "objectType=ACCOUNT".to_string(),
        format!("integrationId={id}"),
        format!("integrationId={id}&objectType=account"),
        "integrationId=abc&objectType=ACCOUNT".to_string(),
        "integrationId=1&objectType=ACCOUNT".to_string(),
    ] {
        let (s, _) = get(&sb, &format!("/v2/crm/entity-schema?{q}")).await;
        assert_eq!(s, 400, "{q}");
    }
}

#[tokio::test]
async fn users_extensive_requires_its_filter_and_includes_avatars_on_request() {
    let sb = start(small()).await;
    let (s, _) = post(&sb, "/v2/users/extensive", &json!({})).await;
    assert_eq!(s, 400);
    let (_, v) = post(&sb, "/v2/users/extensive", &json!({"filter": {}})).await;
    assert_eq!(v["users"].as_array().unwrap().len(), 25);
    let (_, v) = post(
        &sb,
        "/v2/users/extensive",
        &json!({"filter": {"includeAvatars": true}}),
    )
    .await;
    assert_eq!(v["users"].as_array().unwrap().len(), 26);
}

/// Each new endpoint with the request that reaches it, and the scope it needs.
fn scoped_requests(sb: &Sandbox) -> Vec<(&'static str, String, Option<Value>, &'static str)> {
    let ds = sb.dataset().read().unwrap();
    let user = ds.users[0]["id"].as_str().unwrap().to_string();
    let email = ds.users[0]["emailAddress"].as_str().unwrap().to_string();
    let ws = ds.workspace_ids[0];
    let call = ds.calls[0].id.to_string();
    vec![
        (
            "GET",
            "/v2/logs?logType=AccessLog&fromDateTime=2000-01-01T00:00:00Z".into(),
            None,
            "api:logs:read",
        ),
        (
            "GET",
            format!("/v2/users/{user}/settings-history"),
            None,
            "api:users:read",
        ),
        (
            "POST",
            "/v2/users/extensive".into(),
            Some(json!({"filter": {}})),
            "api:users:read",
        ),
        (
            "POST",
            "/v2/calls/users-access".into(),
            Some(json!({"filter": {"callIds": [call]}})),
            "api:call-user-access:read",
        ),
        (
            "GET",
            "/v2/calls/manual-crm-associations".into(),
            None,
            "api:crm-calls:manual-association:read",
        ),
        (
            "GET",
            format!("/v2/all-permission-profiles?workspaceId={ws}"),
            None,
            "api:permission-profile:read",
        ),
        (
            "GET",
            "/v2/permission-profile?profileId=1".into(),
            None,
            "api:permission-profile:read",
        ),
        (
            "GET",
            "/v2/permission-profile/users?profileId=1".into(),
            None,
            "api:users:read",
        ),
        (
            "GET",
            format!("/v2/flows?flowOwnerEmail={email}"),
            None,
            "api:flows:read",
        ),
        (
            "GET",
            "/v2/crm/integrations".into(),
            None,
            "api:crm:integrations:read",
        ),
        (
            "GET",
            "/v2/crm/entity-schema?integrationId=1&objectType=ACCOUNT".into(),
            None,
            "api:crm:schema",
        ),
    ]
}

async fn bearer(sb: &Sandbox, method: &str, path: &str, body: &Option<Value>) -> (u16, Value) {
    let url = format!("{}{path}", sb.base_url());
    let req = if method == "GET" {
        client().get(url)
    } else {
        client().post(url).json(body.as_ref().unwrap())
    };
    let r = req.bearer_auth("sandbox-token").send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn each_new_endpoint_is_denied_with_403_without_its_scope_alone() {
    let plain = start(small()).await;
    for (method, path, body, _) in scoped_requests(&plain) {
        let (s, v) = bearer(&plain, method, &path, &body).await;
        assert_ne!(s, 403, "{path} denied with every scope granted: {v}");
    }
    let scopes: BTreeSet<&str> = scoped_requests(&plain).iter().map(|r| r.3).collect();
    for scope in scopes {
        let sb = start(SandboxConfig {
            denied_scopes: vec![scope.to_string()],
            ..small()
        })
        .await;
        for (method, path, body, needs) in scoped_requests(&sb) {
            let (s, v) = bearer(&sb, method, &path, &body).await;
            if needs == scope {
                assert_eq!(s, 403, "{path} without {scope}");
                assert!(errors(&v).contains(scope), "{v}");
            } else {
                assert_ne!(
                    s, 403,
                    "{path} denied for lacking {scope}, which it does not need"
                );
            }
        }
        // access keys have every scope
        let (method, path, body, _) = scoped_requests(&sb)
            .into_iter()
            .find(|r| r.3 == scope)
            .unwrap();
        let (s, _) = if method == "GET" {
            get(&sb, &path).await
        } else {
            post(&sb, &path, body.as_ref().unwrap()).await
        };
        assert_ne!(s, 403);
    }
}
