//! `source-gong execute` for the entities of issue 17 (Gong's read endpoints beyond the seed) against the
//! sandbox: every entity's list, for at least one parent, holds the records the sandbox serves when asked
//! directly (ids as strings of the same digits) and as many as its `/sandbox/dataset/counts` says;
//! records validate against `--describe`'s record schema; `permission_profiles get` gives the list's record; logs page through Gong's cursor; a missing parent
//! parameter is a config_error naming it; a denied scope is a config_error naming the scope.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use gong_sandbox::SandboxConfig;
use serde_json::{json, Value};

/// Runs `execute ENTITY ACTION PARAMS`: (exit code, stdout as JSON). Stdout must be one JSON line.
fn exec(config: &Path, entity: &str, action: &str, params: &Value) -> (i32, Value) {
    let out = Command::new(BIN)
        .args(["execute", "--config"])
        .arg(config)
        .args([entity, action, &params.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 stdout");
    assert_eq!(stdout.trim_end().lines().count(), 1, "{stdout:.400}");
    let json = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout:.300}"));
    (out.status.code().unwrap_or(-1), json)
}

/// One page of a list, which must succeed.
fn page(config: &Path, entity: &str, params: &Value) -> Value {
    let (code, v) = exec(config, entity, "list", params);
    assert_eq!(code, 0, "{entity} {params}: {v:.400}");
    assert!(v["meta"]["pagination"]["totalRecords"].is_u64(), "{v:.300}");
    v
}

/// Every record of a list, following `meta.pagination.cursor`; also the number of pages.
fn all(config: &Path, entity: &str, params: &Value) -> (Vec<Value>, usize) {
    let mut params = params.clone();
    let (mut records, mut pages) = (Vec::new(), 0);
    loop {
        let v = page(config, entity, &params);
        pages += 1;
        records.extend(v["data"].as_array().unwrap().iter().cloned());
        match v["meta"]["pagination"]["cursor"].as_str() {
            Some(c) => params["cursor"] = json!(c),
            None => return (records, pages),
        }
    }
}

/// Every page of a sandbox GET listing, following its query cursor.
fn gong_all(base: &str, path: &str, query: &[(&str, &str)], key: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = query.to_vec();
        if let Some(c) = &cursor {
            q.push(("cursor", c));
        }
        let body = sandbox_json(base, path, &q, None);
        out.extend(body[key].as_array().cloned().unwrap_or_default());
        match body["records"]["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

/// `v` with every integer written as a string: Gong's records and execute's (ids quoted) then compare;
/// that the ids are strings is checked apart.
fn digits(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_u64() || n.is_i64() => json!(n.to_string()),
        Value::Array(a) => Value::Array(a.iter().map(digits).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), digits(v))).collect()),
        other => other.clone(),
    }
}

/// The record schema `execute --describe ENTITY` gives.
fn described(entity: &str) -> jsonschema::Validator {
    let out = Command::new(BIN)
        .args(["execute", "--describe", entity])
        .output()
        .expect("binary runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    jsonschema::draft7::new(&v["record_schema"]).expect("the record schema compiles")
}

/// Execute's records are the sandbox's, in its order, with every id field a string of digits, and
/// valid against the record schema `--describe` gives.
fn assert_same(entity: &str, got: &[Value], expected: &[Value], id_keys: &[&str]) {
    assert_eq!(got.len(), expected.len(), "{entity}: counts differ");
    let schema = described(entity);
    for r in got {
        if let Err(e) = schema.validate(r) {
            panic!("{entity}: a record fails the described schema: {e}\n{r:.300}");
        }
    }
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(digits(g), digits(e), "{entity}: a record differs");
        for key in id_keys {
            let id = g[*key]
                .as_str()
                .unwrap_or_else(|| panic!("{entity}.{key}: {g:.200}"));
            assert!(
                id.bytes().all(|b| b.is_ascii_digit()),
                "{entity}.{key}: {id}"
            );
        }
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key}: {v:.200}"))
        .to_string()
}

struct Setup {
    sandbox: gong_sandbox::BlockingSandbox,
    _dir: tempfile::TempDir,
    config: std::path::PathBuf,
    counts: Value,
}

fn setup(cfg: SandboxConfig, credentials: Option<Value>) -> Setup {
    let sandbox = start_sandbox(cfg);
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(&sandbox.base_url(), "2026-01-01T00:00:00Z");
    if let Some(c) = credentials {
        config["credentials"] = c;
    }
    let config = write_json(dir.path(), "config.json", &config);
    let counts = sandbox_json(&sandbox.base_url(), "/sandbox/dataset/counts", &[], None);
    Setup {
        sandbox,
        _dir: dir,
        config,
        counts,
    }
}

fn count(counts: &Value, path: &str) -> usize {
    counts
        .pointer(path)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("counts{path}: {counts}")) as usize
}

#[test]
fn logs_list_every_type_paging_by_cursor() {
    let s = setup(
        SandboxConfig {
            calls: 60,
            days: 20,
            users: 8,
            ..SandboxConfig::default()
        },
        None,
    );
    let base = s.sandbox.base_url();
    let from = "2000-01-01T00:00:00Z";
    let mut paged = false;
    for log_type in source_gong::streams::LOG_TYPES {
        let (records, pages) = all(
            &s.config,
            "logs",
            &json!({"logType": log_type, "fromDateTime": from}),
        );
        let query = [("logType", *log_type), ("fromDateTime", from)];
        let expected = gong_all(&base, "/v2/logs", &query, "logEntries");
        assert_same("logs", &records, &expected, &["userId"]);
        assert_eq!(
            records.len(),
            count(&s.counts, &format!("/logs/{log_type}"))
        );
        assert_eq!(pages, records.len().div_ceil(100).max(1), "{log_type}");
        paged |= pages > 1;
    }
    assert!(
        paged,
        "no log type had a second page: the cursor went untested"
    );
}

#[test]
fn every_new_entity_lists_the_sandboxs_records() {
    let s = setup(
        SandboxConfig {
            calls: 60,
            days: 20,
            users: 8,
            ..SandboxConfig::default()
        },
        None,
    );
    let (base, c) = (s.sandbox.base_url(), &s.config);
    let users = all(c, "users", &json!({})).0;

    // Settings history: one user's records as Gong's, every user's as many as the sandbox holds.
    let mut history = 0;
    for user in &users {
        let id = text(user, "id");
        let records = all(c, "user_settings_history", &json!({"id": id})).0;
        let path = format!("/v2/users/{id}/settings-history");
        let expected = sandbox_json(&base, &path, &[], None)["userSettingsHistory"].clone();
        assert_same(
            "user_settings_history",
            &records,
            expected.as_array().unwrap(),
            &[],
        );
        history += records.len();
    }
    assert_eq!(history, count(&s.counts, "/user_settings_history"));

    // Call access, for all calls at once (the sandbox has fewer than 100).
    let calls: Vec<String> = all(c, "calls", &json!({}))
        .0
        .iter()
        .map(|r| text(r, "id"))
        .collect();
    let access = all(
        c,
        "call_users_access",
        &json!({"filter": {"callIds": calls}}),
    )
    .0;
    let expected = sandbox_json(
        &base,
        "/v2/calls/users-access",
        &[],
        Some(json!({"filter": {"callIds": calls}})),
    );
    assert_same(
        "call_users_access",
        &access,
        expected["callAccessList"].as_array().unwrap(),
        &["callId"],
    );
    assert_eq!(access.len(), count(&s.counts, "/call_users_access"));
    let grants: usize = access
        .iter()
        .map(|r| r["users"].as_array().unwrap().len())
        .sum();
    assert_eq!(grants, count(&s.counts, "/call_users_access_grants"));

    let assoc = all(c, "calls_manual_crm_associations", &json!({})).0;
    let expected = gong_all(
        &base,
        "/v2/calls/manual-crm-associations",
        &[],
        "associations",
    );
    assert_same(
        "calls_manual_crm_associations",
        &assoc,
        &expected,
        &["callId", "userId"],
    );
    assert_eq!(
        assoc.len(),
        count(&s.counts, "/calls_manual_crm_associations")
    );

    // Permission profiles of every workspace; each one's get is its list record; their users.
    let (mut profiles, mut members) = (0, 0);
    for ws in all(c, "workspaces", &json!({})).0 {
        let ws = text(&ws, "id");
        let list = all(c, "permission_profiles", &json!({"workspaceId": ws})).0;
        let expected = sandbox_json(
            &base,
            "/v2/all-permission-profiles",
            &[("workspaceId", &ws)],
            None,
        );
        assert_same(
            "permission_profiles",
            &list,
            expected["profiles"].as_array().unwrap(),
            &["id"],
        );
        profiles += list.len();
        for profile in &list {
            let id = text(profile, "id");
            let (code, one) = exec(c, "permission_profiles", "get", &json!({"profileId": id}));
            assert_eq!(code, 0, "{one}");
            assert_eq!(&one["data"], profile);
            let users = all(c, "permission_profile_users", &json!({"profileId": id})).0;
            let expected = sandbox_json(
                &base,
                "/v2/permission-profile/users",
                &[("profileId", &id)],
                None,
            );
            assert_same(
                "permission_profile_users",
                &users,
                expected["users"].as_array().unwrap(),
                &["id"],
            );
            members += users.len();
        }
    }
    assert_eq!(profiles, count(&s.counts, "/permission_profiles"));
    assert_eq!(members, count(&s.counts, "/permission_profile_users"));

    // Flows per owner: company flows come back for every owner, so distinct flows are fewer.
    let (mut by_owner, mut distinct) = (0, BTreeSet::new());
    for user in &users {
        let email = text(user, "emailAddress");
        let flows = all(c, "flows", &json!({"flowOwnerEmail": email})).0;
        let expected = gong_all(&base, "/v2/flows", &[("flowOwnerEmail", &email)], "flows");
        assert_same("flows", &flows, &expected, &["id"]);
        by_owner += flows.len();
        distinct.extend(flows.iter().map(|f| text(f, "id")));
    }
    assert_eq!(by_owner, count(&s.counts, "/flows_by_owner"));
    assert_eq!(distinct.len(), count(&s.counts, "/flows"));

    // CRM: the integrations, then each object type's fields (Gong's map of lists, flattened).
    let integrations = all(c, "crm_integrations", &json!({})).0;
    let expected = sandbox_json(&base, "/v2/crm/integrations", &[], None);
    assert_same(
        "crm_integrations",
        &integrations,
        expected["integrations"].as_array().unwrap(),
        &["integrationId"],
    );
    assert_eq!(integrations.len(), count(&s.counts, "/crm_integrations"));
    let id = text(&integrations[0], "integrationId");
    for object_type in source_gong::gong::endpoints::CRM_OBJECT_TYPES {
        let params = json!({"integrationId": id, "objectType": object_type});
        let fields = all(c, "crm_entity_schema", &params).0;
        let query = [("integrationId", id.as_str()), ("objectType", *object_type)];
        let expected = sandbox_json(&base, "/v2/crm/entity-schema", &query, None);
        let expected = &expected["objectTypeToSelectedFields"][*object_type];
        assert_same(
            "crm_entity_schema",
            &fields,
            expected.as_array().unwrap(),
            &[],
        );
        assert_eq!(
            fields.len(),
            count(&s.counts, &format!("/crm_entity_schema/{object_type}"))
        );
    }
}

#[test]
fn missing_parents_and_unknown_records_are_errors_that_say_so() {
    let s = setup(
        SandboxConfig {
            calls: 10,
            days: 5,
            users: 4,
            ..SandboxConfig::default()
        },
        None,
    );
    let cases: &[(&str, &str, Value, &str)] = &[
        (
            "logs",
            "list",
            json!({"fromDateTime": "2026-01-01T00:00:00Z"}),
            "logType",
        ),
        (
            "logs",
            "list",
            json!({"logType": "AccessLog"}),
            "fromDateTime",
        ),
        ("user_settings_history", "list", json!({}), "id"),
        ("call_users_access", "list", json!({}), "filter.callIds"),
        (
            "call_users_access",
            "list",
            json!({"filter": {}}),
            "filter.callIds",
        ),
        ("permission_profiles", "list", json!({}), "workspaceId"),
        ("permission_profiles", "get", json!({}), "profileId"),
        (
            "permission_profiles",
            "get",
            json!({"profileId": "x1"}),
            "profileId",
        ),
        ("permission_profile_users", "list", json!({}), "profileId"),
        (
            "flows",
            "list",
            json!({"workspaceId": "1"}),
            "flowOwnerEmail",
        ),
        (
            "crm_entity_schema",
            "list",
            json!({"integrationId": "1"}),
            "objectType",
        ),
        (
            "crm_entity_schema",
            "list",
            json!({"integrationId": "1", "objectType": "deal"}),
            "objectType",
        ),
        (
            "crm_entity_schema",
            "list",
            json!({"objectType": "DEAL"}),
            "integrationId",
        ),
    ];
    let before = s.sandbox.stats().api_requests;
    for (entity, action, params, name) in cases {
        let (code, v) = exec(&s.config, entity, action, params);
        assert_eq!(code, 2, "{entity} {action} {params}: {v}");
        assert_eq!(v["error"]["kind"], "config_error", "{v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("`{name}`")),
            "{entity} {params}: {message}"
        );
    }
    assert_eq!(
        s.sandbox.stats().api_requests,
        before,
        "a request was sent for an invalid call"
    );
    // A user that does not exist: not_found, not an empty history.
    let (code, v) = exec(
        &s.config,
        "user_settings_history",
        "list",
        &json!({"id": "1"}),
    );
    assert_eq!((code, &v["error"]["kind"]), (1, &json!("not_found")), "{v}");
}

#[test]
fn a_denied_scope_is_a_config_error_naming_it() {
    let s = setup(
        SandboxConfig {
            calls: 10,
            days: 5,
            users: 4,
            denied_scopes: vec!["api:flows:read".into()],
            ..SandboxConfig::default()
        },
        Some(json!({"auth_type": "oauth2.0", "access_token": "sandbox-token"})),
    );
    let email = text(&all(&s.config, "users", &json!({})).0[0], "emailAddress");
    let (code, v) = exec(
        &s.config,
        "flows",
        "list",
        &json!({"flowOwnerEmail": email}),
    );
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["error"]["kind"], "config_error");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`api:flows:read`"),
        "{v}"
    );
    // Another scope still reads.
    page(&s.config, "crm_integrations", &json!({}));
}
