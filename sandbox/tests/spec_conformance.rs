//! Every object the sandbox returns carries every property of the spec's schema for it (recursively),
//! with the spec's types, formats and enums, no extra properties, and every property non-null
//! somewhere in the dataset.

mod common;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use common::*;
use gong_sandbox::SandboxConfig;
use serde_json::{json, Value};

struct Checker {
    spec: Value,
    errors: Vec<String>,
    /// schema property path -> seen non-null
    seen: BTreeMap<String, bool>,
}

impl Checker {
    fn new() -> Checker {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/spec/gong-openapi.json"
        ))
        .unwrap();
        Checker {
            spec: serde_json::from_str(&text).unwrap(),
            errors: vec![],
            seen: BTreeMap::new(),
        }
    }

    fn schema(&self, name: &str) -> Value {
        self.spec["components"]["schemas"][name].clone()
    }

    fn resolve(&self, s: &Value) -> (Value, Option<String>) {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap().to_string();
            return (self.schema(&name), Some(name));
        }
        (s.clone(), None)
    }

    fn check(&mut self, v: &Value, schema: &Value, spath: &str, vpath: &str) {
        let (s, name) = self.resolve(schema);
        let spath = name.unwrap_or_else(|| spath.to_string());
        if v.is_null() {
            return;
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.contains(v) {
                self.errors.push(format!("{vpath}: {v} not in enum {e:?}"));
            }
        }
        let t = s
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(if s.get("properties").is_some() {
                "object"
            } else {
                ""
            });
        match t {
            "string" => match v.as_str() {
                None => self
                    .errors
                    .push(format!("{vpath}: expected string, got {v}")),
                Some(x) => {
                    if s.get("format").and_then(Value::as_str) == Some("date-time")
                        && chrono::DateTime::parse_from_rfc3339(x).is_err()
                    {
                        self.errors.push(format!("{vpath}: not RFC 3339: {x}"));
                    }
                }
            },
            "integer" | "number" | "boolean" => {
                let good = match t {
                    "integer" => v.is_i64() || v.is_u64(),
                    "number" => v.is_number(),
                    _ => v.is_boolean(),
                };
                if !good {
                    self.errors.push(format!("{vpath}: expected {t}, got {v}"));
                }
            }
            "array" => match v.as_array() {
                None => self
                    .errors
                    .push(format!("{vpath}: expected array, got {v}")),
                Some(a) => {
                    let items = s.get("items").cloned().unwrap_or(json!({}));
                    for (i, x) in a.iter().enumerate() {
                        self.check(x, &items, &format!("{spath}[]"), &format!("{vpath}[{i}]"));
                    }
                }
            },
            "object" => {
                let Some(o) = v.as_object() else {
                    if s.get("properties").is_some() || s.get("additionalProperties").is_some() {
                        self.errors
                            .push(format!("{vpath}: expected object, got {v}"));
                    }
                    return; // `type: object` without properties = any value (Java Object)
                };
                if let Some(props) = s.get("properties").and_then(Value::as_object) {
                    for (k, ps) in props {
                        let key = format!("{spath}.{k}");
                        match o.get(k) {
                            None if k == "cursor" => {}
                            None => self.errors.push(format!("{vpath}: missing property {k}")),
                            Some(x) => {
                                let e = self.seen.entry(key.clone()).or_insert(false);
                                *e |= !x.is_null();
                                self.check(x, ps, &key, &format!("{vpath}.{k}"));
                            }
                        }
                    }
                    for k in o.keys() {
                        if !props.contains_key(k) {
                            self.errors
                                .push(format!("{vpath}: property {k} is not in the spec"));
                        }
                    }
                }
                if let Some(ap) = s.get("additionalProperties").filter(|a| a.is_object()) {
                    for (k, x) in o {
                        self.check(x, ap, &format!("{spath}{{}}"), &format!("{vpath}.{k}"));
                    }
                }
            }
            _ => {}
        }
    }

    fn check_response(&mut self, v: &Value, schema_name: &str, label: &str) {
        let s = json!({"$ref": format!("#/components/schemas/{schema_name}")});
        self.check(v, &s, schema_name, label);
    }

    /// Checks `v` against the 200 response schema the spec gives the operation `method path`.
    fn check_operation(&mut self, v: &Value, method: &str, path: &str) {
        let s = self.spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]
            ["schema"]
            .clone();
        assert!(
            s.is_object(),
            "the spec has no 200 schema for {method} {path}"
        );
        self.check(v, &s, path, &format!("{method} {path}"));
    }

    fn assert_clean(&self) {
        assert!(
            self.errors.is_empty(),
            "{} schema violations, first ones:\n{}",
            self.errors.len(),
            self.errors
                .iter()
                .take(30)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
        let never: Vec<_> = self
            .seen
            .iter()
            .filter(|(_, &s)| !s)
            .map(|(k, _)| k.clone())
            .collect();
        assert!(
            never.is_empty(),
            "properties that are never populated (always null): {never:?}"
        );
    }
}

/// The read endpoints of issue 17: every page of every listing, every profile, user and object type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_17_endpoints_match_the_spec_schema_recursively() {
    let sb = start(SandboxConfig {
        calls: 250,
        ..SandboxConfig::default()
    })
    .await;
    let mut ck = Checker::new();
    let (users, workspaces, calls) = {
        let ds = sb.dataset().read().unwrap();
        let ids = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>();
        let calls: Vec<String> = ds.calls.iter().map(|c| c.id.to_string()).collect();
        (ds.users.clone(), ids(&ds.workspace_ids), calls)
    };
    for t in [
        "AccessLog",
        "UserActivityLog",
        "UserCallPlay",
        "ExternallySharedCallAccess",
        "ExternallySharedCallPlay",
    ] {
        let path = format!("/v2/logs?logType={t}&fromDateTime=2000-01-01T00:00:00Z");
        let (items, pages) = all_pages(&sb, "GET", &path, None, "logEntries").await;
        assert!(!items.is_empty(), "{t}");
        for p in &pages {
            ck.check_operation(p, "get", "/v2/logs");
        }
    }
    for u in &users {
        let (s, v) = get(
            &sb,
            &format!("/v2/users/{}/settings-history", u["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        ck.check_operation(&v, "get", "/v2/users/{id}/settings-history");
    }
    let (s, v) = post(
        &sb,
        "/v2/calls/users-access",
        &json!({"filter": {"callIds": calls}}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(!v["callAccessList"].as_array().unwrap().is_empty());
    ck.check_operation(&v, "post", "/v2/calls/users-access");
    let path = "/v2/calls/manual-crm-associations";
    let (items, pages) = all_pages(&sb, "GET", path, None, "associations").await;
    assert!(!items.is_empty());
    for p in &pages {
        ck.check_operation(p, "get", path);
    }
    for w in &workspaces {
        let (s, v) = get(&sb, &format!("/v2/all-permission-profiles?workspaceId={w}")).await;
        assert_eq!(s, 200, "{v}");
        ck.check_operation(&v, "get", "/v2/all-permission-profiles");
        for p in v["profiles"].as_array().unwrap() {
            let id = p["id"].as_str().unwrap();
            let (_, one) = get(&sb, &format!("/v2/permission-profile?profileId={id}")).await;
            ck.check_operation(&one, "get", "/v2/permission-profile");
            let (_, members) =
                get(&sb, &format!("/v2/permission-profile/users?profileId={id}")).await;
            ck.check_operation(&members, "get", "/v2/permission-profile/users");
        }
    }
    for u in &users {
        let email = u["emailAddress"].as_str().unwrap();
        let (_, pages) = all_pages(
            &sb,
            "GET",
            &format!("/v2/flows?flowOwnerEmail={email}"),
            None,
            "flows",
        )
        .await;
        for p in &pages {
            ck.check_operation(p, "get", "/v2/flows");
        }
    }
    let (s, v) = get(&sb, "/v2/crm/integrations").await;
    assert_eq!(s, 200, "{v}");
    ck.check_operation(&v, "get", "/v2/crm/integrations");
    let integration = v["integrations"][0]["integrationId"].as_u64().unwrap();
    for t in ["ACCOUNT", "CONTACT", "DEAL", "LEAD"] {
        let (s, v) = get(
            &sb,
            &format!("/v2/crm/entity-schema?integrationId={integration}&objectType={t}"),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        ck.check_operation(&v, "get", "/v2/crm/entity-schema");
    }
    let (_, pages) = all_pages(
        &sb,
        "POST",
        "/v2/users/extensive",
        Some(json!({"filter": {"includeAvatars": true}})),
        "users",
    )
    .await;
    for p in &pages {
        ck.check_operation(p, "post", "/v2/users/extensive");
    }
    ck.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_matches_the_spec_schema_recursively() {
    let sb = start(SandboxConfig {
        calls: 250,
        ..SandboxConfig::default()
    })
    .await;
    let mut ck = Checker::new();
    let today = Utc::now().date_naive();
    let from = today - Duration::days(20);

    // paginated endpoints: check every page
    let (_, pages) = all_pages(&sb, "GET", "/v2/users?includeAvatars=true", None, "users").await;
    for p in &pages {
        ck.check_response(p, "UsersMetadata", "users");
    }
    let (calls, pages) = all_pages(
        &sb,
        "GET",
        "/v2/calls?fromDateTime=2000-01-01T00:00:00Z",
        None,
        "calls",
    )
    .await;
    for p in &pages {
        ck.check_response(p, "CallsResponse", "calls");
    }
    let (_, pages) = all_pages(
        &sb,
        "POST",
        "/v2/calls/extensive",
        Some(json!({"filter": {}, "contentSelector": all_fields_selector()})),
        "calls",
    )
    .await;
    for p in &pages {
        ck.check_response(p, "Calls", "calls/extensive");
    }
    let (_, pages) = all_pages(
        &sb,
        "POST",
        "/v2/calls/transcript",
        Some(json!({"filter": {}})),
        "callTranscripts",
    )
    .await;
    for p in &pages {
        ck.check_response(p, "CallTranscripts", "calls/transcript");
    }
    let stats_body = json!({"filter": {"fromDate": from.to_string(), "toDate": today.to_string()}});
    for (path, schema, key) in [
        (
            "/v2/stats/activity/aggregate",
            "CompanyUsersAggregateActivityResponse",
            "usersAggregateActivityStats",
        ),
        (
            "/v2/stats/activity/day-by-day",
            "UsersDayByDayActivity",
            "usersDetailedActivities",
        ),
        (
            "/v2/stats/interaction",
            "CompanyUsersIntercationStatsResponse",
            "peopleInteractionStats",
        ),
    ] {
        let (items, pages) = all_pages(&sb, "POST", path, Some(stats_body.clone()), key).await;
        assert!(!items.is_empty(), "{path} returned nothing");
        for p in &pages {
            ck.check_response(p, schema, path);
        }
    }
    for period in ["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"] {
        let mut body = stats_body.clone();
        body["aggregationPeriod"] = json!(period);
        let path = "/v2/stats/activity/aggregate-by-period";
        let (items, pages) =
            all_pages(&sb, "POST", path, Some(body), "usersAggregateActivity").await;
        assert!(!items.is_empty(), "{path} {period} returned nothing");
        for p in &pages {
            ck.check_response(p, "UsersAggregateByPeriodActivity", path);
        }
    }
    let (items, pages) = all_pages(
        &sb,
        "POST",
        "/v2/stats/activity/scorecards",
        Some(json!({"filter": {}})),
        "answeredScorecards",
    )
    .await;
    assert!(!items.is_empty());
    for p in &pages {
        ck.check_response(p, "AnsweredScorecards", "answered scorecards");
    }

    // single objects
    let id = calls[0]["id"].as_str().unwrap();
    let (s, v) = get(&sb, &format!("/v2/calls/{id}")).await;
    assert_eq!(s, 200);
    ck.check_response(&v, "SpecificCall", "calls/{id}");
    let uid = sb.dataset().read().unwrap().users[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, v) = get(&sb, &format!("/v2/users/{uid}")).await;
    ck.check_response(&v, "User", "users/{id}");
    let (_, v) = get(&sb, "/v2/workspaces").await;
    ck.check_response(&v, "WorkspacesMetadata", "workspaces");
    let (_, v) = get(&sb, "/v2/settings/scorecards").await;
    ck.check_response(&v, "Scorecards", "settings/scorecards");
    let (_, v) = get(&sb, "/v2/settings/trackers").await;
    ck.check_response(&v, "Trackers", "settings/trackers");
    let (s, v) = get(&sb, "/v2/library/folders").await;
    assert_eq!(s, 200);
    ck.check_response(&v, "LibraryResponse", "library/folders");
    for f in v["folders"].as_array().unwrap() {
        let (s, fc) = get(
            &sb,
            &format!(
                "/v2/library/folder-content?folderId={}",
                f["id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(s, 200);
        ck.check_response(
            &fc,
            "LibraryFolderListOfCallsResponse",
            "library/folder-content",
        );
    }
    let (ws, managers) = {
        let ds = sb.dataset().read().unwrap();
        let m: BTreeSet<usize> = ds.manager_of.iter().flatten().copied().collect();
        (
            ds.workspace_ids.clone(),
            m.into_iter().map(|i| ds.user_ids[i]).collect::<Vec<_>>(),
        )
    };
    let mut coached = 0;
    for w in &ws {
        for m in &managers {
            let (s, v) = get(&sb, &format!("/v2/coaching?workspace-id={w}&manager-id={m}&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z")).await;
            assert_eq!(s, 200, "{v}");
            coached += v["coachingData"].as_array().unwrap().len();
            ck.check_response(&v, "CoachingMetrics", "coaching");
        }
    }
    assert!(coached > 0);
    let (_, v) = post(&sb, "/v2/users/extensive", &json!({"filter": {}})).await;
    ck.check_response(&v, "UsersMetadata", "users/extensive");

    assert!(
        ck.errors.is_empty(),
        "{} schema violations, first ones:\n{}",
        ck.errors.len(),
        ck.errors
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let never: Vec<_> = ck
        .seen
        .iter()
        .filter(|(_, &s)| !s)
        .map(|(k, _)| k.clone())
        .collect();
    assert!(
        never.is_empty(),
        "properties that are never populated (always null): {never:?}"
    );
}

#[test]
fn spec_copy_has_the_endpoints_we_serve() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/gong-openapi.json"
    ))
    .unwrap();
    let spec: Value = serde_json::from_str(&text).unwrap();
    for p in [
        "/v2/users",
        "/v2/calls/extensive",
        "/v2/stats/activity/scorecards",
        "/v2/stats/activity/aggregate-by-period",
        "/v2/coaching",
        "/v2/library/folder-content",
    ] {
        assert!(spec["paths"].get(p).is_some(), "{p}");
    }
}
