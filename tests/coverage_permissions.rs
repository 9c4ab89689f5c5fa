//! The built binary against the sandbox for the streams of issue 17 part 2: permission_profiles,
//! permission_profile_users, flows, crm_integrations and crm_entity_schema. Counts equal the sandbox's
//! (its `/sandbox/dataset/counts`), keys equal what Gong's API lists when asked directly, records
//! validate against their schema; flows are deduplicated; a denied scope fails only its stream with a
//! config_error naming the scope; `check` lists the streams the credentials can read.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use common::*;
use gong_sandbox::SandboxConfig;
use serde_json::{json, Value};

const NEW: [&str; 5] = [
    "permission_profiles",
    "permission_profile_users",
    "flows",
    "crm_integrations",
    "crm_entity_schema",
];

/// Ids (as text) of the items of `list`'s `key` field.
fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| match &item[key] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Every page of a GET listing with a query cursor.
fn all_pages(base: &str, path: &str, query: &[(&str, &str)], key: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q: Vec<(&str, &str)> = query.to_vec();
        if let Some(c) = &cursor {
            q.push(("cursor", c));
        }
        let page = sandbox_json(base, path, &q, None);
        out.extend(page[key].as_array().cloned().unwrap_or_default());
        match page["records"]["cursor"].as_str() {
            Some(c) if !c.is_empty() => cursor = Some(c.to_string()),
            _ => return out,
        }
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    config: PathBuf,
    catalog: PathBuf,
    discovered: Vec<Value>,
}

fn setup(base: &str, credentials: Option<Value>, streams: &[&str]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(base, "2026-01-01T00:00:00Z");
    if let Some(c) = credentials {
        config["credentials"] = c;
    }
    let config = write_json(dir.path(), "config.json", &config);
    let discovered = discover(&config);
    let selected: Vec<(&str, &str)> = streams.iter().map(|s| (*s, "full_refresh")).collect();
    let catalog = write_json(
        dir.path(),
        "catalog.json",
        &configured_catalog(&discovered, &selected),
    );
    Setup {
        _dir: dir,
        config,
        catalog,
        discovered,
    }
}

fn read(s: &Setup) -> Run {
    run_read(&s.config, &s.catalog, None)
}

/// The records of `stream` as key strings (its discovered primary key), checked against its schema and
/// for duplicates.
fn keys_of(s: &Setup, run: &Run, stream: &str) -> BTreeSet<String> {
    let entry = s.discovered.iter().find(|d| d["name"] == stream).unwrap();
    let validator = jsonschema::draft7::new(&entry["json_schema"]).expect("schema compiles");
    let pk = entry["source_defined_primary_key"].as_array().unwrap();
    let mut keys = BTreeSet::new();
    for r in run.records(stream) {
        if let Err(e) = validator.validate(r) {
            panic!("{stream} record fails its schema: {e}\n{r:.400}");
        }
        assert!(keys.insert(pk_of(r, pk)), "{stream}: duplicate {r:.200}");
    }
    keys
}

fn key(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| Value::from(*p).to_string())
        .collect::<Vec<_>>()
        .join("|")
}

#[test]
fn new_streams_full_refresh_match_the_sandbox() {
    let sandbox = start_sandbox(small_sandbox_config());
    let base = sandbox.base_url();
    let s = setup(&base, None, &NEW);
    let run = read(&s);
    assert_eq!(run.code, 0, "{:?}\n{}", run.errors(), run.stderr);
    let counts = sandbox_json(&base, "/sandbox/dataset/counts", &[], None);

    // Permission profiles: every workspace's, with the workspace added.
    let workspaces = ids(
        &sandbox_json(&base, "/v2/workspaces", &[], None)["workspaces"],
        "id",
    );
    let mut profiles = BTreeSet::new();
    let mut members = BTreeSet::new();
    for ws in &workspaces {
        let listed = sandbox_json(
            &base,
            "/v2/all-permission-profiles",
            &[("workspaceId", ws)],
            None,
        );
        for id in ids(&listed["profiles"], "id") {
            let users = sandbox_json(
                &base,
                "/v2/permission-profile/users",
                &[("profileId", &id)],
                None,
            );
            for user in ids(&users["users"], "id") {
                members.insert(key(&[&id, &user]));
            }
            profiles.insert(key(&[&id]));
        }
    }
    assert_eq!(profiles.len() as u64, counts["permission_profiles"]);
    assert_eq!(members.len() as u64, counts["permission_profile_users"]);
    assert_eq!(keys_of(&s, &run, "permission_profiles"), profiles);
    assert_eq!(keys_of(&s, &run, "permission_profile_users"), members);
    for r in run.records("permission_profiles") {
        assert!(
            workspaces.contains(&r["workspaceId"].as_str().unwrap().to_string()),
            "{r:.200}"
        );
    }

    // Flows: each flow once, although company flows come back for every user.
    let users = all_pages(&base, "/v2/users", &[], "users");
    let mut flows = BTreeSet::new();
    let mut by_owner = 0;
    for u in &users {
        let email = u["emailAddress"].as_str().unwrap();
        let listed = all_pages(&base, "/v2/flows", &[("flowOwnerEmail", email)], "flows");
        by_owner += listed.len();
        flows.extend(listed.iter().map(|f| key(&[f["id"].as_str().unwrap()])));
    }
    assert_eq!(flows.len() as u64, counts["flows"]);
    assert_eq!(by_owner as u64, counts["flows_by_owner"]);
    assert!(by_owner > flows.len(), "the sandbox repeats company flows");
    assert_eq!(keys_of(&s, &run, "flows"), flows);

    // CRM: the integration, and every object type's fields.
    let integrations =
        sandbox_json(&base, "/v2/crm/integrations", &[], None)["integrations"].clone();
    let integration_ids = ids(&integrations, "integrationId");
    assert_eq!(integration_ids.len() as u64, counts["crm_integrations"]);
    let got = keys_of(&s, &run, "crm_integrations");
    assert_eq!(got.len(), integration_ids.len());
    let mut fields = BTreeSet::new();
    for id in &integration_ids {
        for t in ["ACCOUNT", "CONTACT", "DEAL", "LEAD"] {
            let q = [("integrationId", id.as_str()), ("objectType", t)];
            let listed = sandbox_json(&base, "/v2/crm/entity-schema", &q, None);
            for name in ids(&listed["objectTypeToSelectedFields"][t], "uniqueName") {
                // integrationId: Gong's number, written as a string like every id.
                fields.insert(format!("{}|{}|{}", json!(id), json!(t), json!(name)));
            }
        }
    }
    let expected: u64 = counts["crm_entity_schema"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(fields.len() as u64, expected * integration_ids.len() as u64);
    assert_eq!(keys_of(&s, &run, "crm_entity_schema"), fields);
    // Gong's objects are passed through: a record minus the added fields is Gong's field object.
    let first = run.records("crm_entity_schema")[0].clone();
    assert!(
        first["integrationId"].is_string(),
        "ids are strings: {first}"
    );

    // Parent lists are fetched once: the profiles list serves both permission streams.
    let stats = sandbox.stats();
    assert_eq!(
        stats.by_path.get("GET /v2/all-permission-profiles"),
        Some(&(workspaces.len() as u64 * 2)),
        "once by the sync, once by this test: {stats:?}"
    );
}

#[test]
fn flows_cost_one_request_chain_per_user() {
    let sandbox = start_sandbox(small_sandbox_config());
    let s = setup(&sandbox.base_url(), None, &["users", "flows"]);
    let run = read(&s);
    assert_eq!(run.code, 0, "{:?}", run.errors());
    let users = run.records("users").len() as u64;
    let stats = sandbox.stats();
    // Each user sees fewer than 100 flows here: one page each; the users list is read once.
    assert_eq!(
        stats.by_path.get("GET /v2/flows"),
        Some(&users),
        "{stats:?}"
    );
    assert_eq!(stats.by_path.get("GET /v2/users"), Some(&1), "{stats:?}");
    let ids: HashSet<&str> = run
        .records("flows")
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        run.records("flows").len(),
        "flows are written once"
    );
}

fn bearer() -> Value {
    json!({"auth_type": "oauth2.0", "access_token": "sandbox-token"})
}

#[test]
fn a_denied_scope_fails_only_its_stream_and_names_the_scope() {
    let sandbox = start_sandbox(SandboxConfig {
        denied_scopes: vec!["api:crm:schema".into()],
        ..small_sandbox_config()
    });
    let s = setup(&sandbox.base_url(), Some(bearer()), &NEW);
    let run = read(&s);
    assert_eq!(run.code, 1);
    let failed: Vec<&Value> = run
        .errors()
        .into_iter()
        .filter(|e| !e["stream_descriptor"].is_null())
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["stream_descriptor"]["name"], "crm_entity_schema");
    assert_eq!(failed[0]["failure_type"], "config_error");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(message.contains("`api:crm:schema`"), "{message}");
    for ok in NEW.iter().filter(|n| **n != "crm_entity_schema") {
        assert_eq!(
            run.statuses(ok).last().map(String::as_str),
            Some("COMPLETE"),
            "{ok}"
        );
        assert!(!run.records(ok).is_empty(), "{ok}");
    }
}

/// `check`'s CONNECTION_STATUS and LOG line for `credentials` against a sandbox denying `denied`.
fn check_with(denied: &[&str]) -> (Value, String, u64) {
    let sandbox = start_sandbox(SandboxConfig {
        denied_scopes: denied.iter().map(|s| s.to_string()).collect(),
        ..small_sandbox_config()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(&sandbox.base_url(), "2026-01-01T00:00:00Z");
    config["credentials"] = bearer();
    let config = write_json(dir.path(), "config.json", &config);
    let run = run(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(run.code, 0);
    let status = run.of_type("CONNECTION_STATUS").next().unwrap()["connectionStatus"].clone();
    let log = run
        .of_type("LOG")
        .map(|l| l["log"]["message"].as_str().unwrap().to_string())
        .find(|m| m.starts_with("Readable streams"))
        .expect("a LOG line with the readable streams");
    (status, log, sandbox.stats().api_requests)
}

#[test]
fn check_lists_the_streams_the_credentials_can_read() {
    let (status, log, requests) = check_with(&[]);
    assert_eq!(status["status"], "SUCCEEDED");
    let message = status["message"].as_str().unwrap();
    assert_eq!(message, log);
    let streams = source_gong::streams::STREAMS.len();
    assert!(
        message.starts_with(&format!("Readable streams ({streams} of {streams}):")),
        "{message}"
    );
    let scopes: BTreeSet<&str> = source_gong::streams::STREAMS
        .iter()
        .flat_map(|d| d.endpoints())
        .map(|e| e.scope)
        .collect();
    // The workspaces request, then one probe per scope.
    assert_eq!(requests, 1 + scopes.len() as u64);

    // Without the users scope: users, the streams whose parent list is the users (coaching, flows) and
    // the profile members are unreadable; check still succeeds.
    let (status, _, _) = check_with(&["api:users:read"]);
    assert_eq!(status["status"], "SUCCEEDED");
    let message = status["message"].as_str().unwrap();
    let unreadable = message
        .split("lacks the scope: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{message}"));
    for name in [
        "users (",
        "coaching (",
        "flows (",
        "permission_profile_users (",
    ] {
        assert!(unreadable.contains(name), "{name}: {message}");
    }
    assert!(!unreadable.contains("calls ("), "{message}");
    let readable = message.split(". Not readable").next().unwrap();
    assert!(readable.contains("permission_profiles"), "{message}");
    assert!(!readable.contains(" flows"), "{message}");
}
