//! `execute --describe` is true: every entity's list and get, run on the sandbox, returns records, and
//! every record is valid against the record schema `--describe` gives for that entity. An entity the
//! table gains without parameters here fails the test (it must be listed to be checked). And a look-up
//! without its scope is a config_error naming the scope.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use gong_sandbox::SandboxConfig;
use serde_json::{json, Value};

fn execute(config: &Path, entity: &str, action: &str, params: &Value) -> Value {
    let out = Command::new(BIN)
        .args(["execute", "--config"])
        .arg(config)
        .args([entity, action, &params.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("binary runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON answer");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{entity} {action} {params}: {v:.400}"
    );
    v
}

fn describe() -> Value {
    let out = Command::new(BIN)
        .args(["execute", "--describe"])
        .output()
        .expect("binary runs");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Ids of the sandbox's records that other entities take as parameters.
struct Ids {
    user: String,
    email: String,
    phone: String,
    manager: String,
    call: String,
    /// Every call of the first page: some call has individually granted access.
    calls: Vec<String>,
    workspace: String,
    folder: String,
    profile: String,
    integration: String,
}

fn first(config: &Path, entity: &str, params: Value, key: &str) -> String {
    let v = execute(config, entity, "list", &params);
    v["data"][0][key]
        .as_str()
        .unwrap_or_else(|| panic!("{entity}: no {key}"))
        .to_string()
}

fn ids(config: &Path) -> Ids {
    let users = execute(config, "users", "list", &json!({}));
    let users = users["data"].as_array().unwrap();
    let manager = users
        .iter()
        .find_map(|u| u["managerId"].as_str())
        .unwrap()
        .to_string();
    let workspace = first(config, "workspaces", json!({}), "id");
    let calls: Vec<String> = execute(config, "calls", "list", &json!({}))["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let phone = users
        .iter()
        .find_map(|u| u["phoneNumber"].as_str())
        .unwrap()
        .to_string();
    Ids {
        phone,
        user: users[0]["id"].as_str().unwrap().to_string(),
        email: users[0]["emailAddress"].as_str().unwrap().to_string(),
        manager,
        call: calls[0].clone(),
        calls,
        folder: first(
            config,
            "library_folders",
            json!({ "workspaceId": workspace }),
            "id",
        ),
        profile: first(
            config,
            "permission_profiles",
            json!({ "workspaceId": workspace }),
            "id",
        ),
        integration: first(config, "crm_integrations", json!({}), "integrationId"),
        workspace,
    }
}

/// The parameter sets each entity's actions are run with.
fn questions(entity: &str, action: &str, ids: &Ids) -> Vec<Value> {
    let days = json!({"filter": {"fromDate": "2026-01-01", "toDate": "2026-12-01"}});
    match (entity, action) {
        ("users", "get") | ("user_settings_history", "list") => vec![json!({ "id": ids.user })],
        ("calls", "get") => vec![json!({ "id": ids.call })],
        ("calls_extensive", _) => vec![
            json!({}),
            json!({"contentSelector": {"context": "Extended", "exposedFields": {"parties": true, "media": true, "content": {"brief": true, "trackers": true}, "interaction": {"speakers": true}, "collaboration": {"publicComments": true}}}}),
        ],
        ("call_transcripts", _) => vec![json!({"filter": {"callIds": [ids.call]}})],
        ("call_users_access", _) => vec![json!({"filter": {"callIds": ids.calls}})],
        ("stats_activity_aggregate" | "stats_activity_day_by_day" | "stats_interaction", _) => {
            vec![days]
        }
        ("library_folders" | "settings_trackers", _) => {
            vec![json!({ "workspaceId": ids.workspace })]
        }
        ("permission_profiles", "list") => vec![json!({ "workspaceId": ids.workspace })],
        ("permission_profiles", "get") => vec![json!({ "profileId": ids.profile })],
        ("permission_profile_users", _) => vec![json!({ "profileId": ids.profile })],
        ("library_folder_content", _) => vec![json!({ "folderId": ids.folder })],
        ("coaching", _) => vec![
            json!({"workspace-id": ids.workspace, "manager-id": ids.manager,
                                       "from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}),
        ],
        ("logs", _) => {
            vec![json!({"logType": "UserActivityLog", "fromDateTime": "2000-01-01T00:00:00Z"})]
        }
        ("flows", _) => vec![json!({ "flowOwnerEmail": ids.email })],
        ("crm_entity_schema", _) => {
            vec![json!({"integrationId": ids.integration, "objectType": "DEAL"})]
        }
        ("users_extensive", _) => vec![json!({"filter": {}})],
        ("data_for_email_address", _) => vec![json!({ "emailAddress": ids.email })],
        ("data_for_phone_number", _) => vec![json!({ "phoneNumber": ids.phone })],
        (
            "users"
            | "calls"
            | "workspaces"
            | "settings_scorecards"
            | "stats_activity_scorecards"
            | "calls_manual_crm_associations"
            | "crm_integrations",
            "list",
        ) => vec![json!({})],
        _ => Vec::new(),
    }
}

#[test]
fn every_record_of_every_entity_fits_the_described_schema() {
    let sandbox = start_sandbox(SandboxConfig {
        calls: 60,
        days: 20,
        users: 8,
        ..SandboxConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(
        dir.path(),
        "config.json",
        &config_for(&sandbox.base_url(), "2026-01-01T00:00:00Z"),
    );
    let ids = ids(&config);
    let described = describe();
    let mut checked = 0;
    for entity in described["entities"].as_array().unwrap() {
        let name = entity["name"].as_str().unwrap();
        let schema = jsonschema::draft7::new(&entity["record_schema"]).expect("schema compiles");
        for action in entity["actions"].as_array().unwrap() {
            let action = action["name"].as_str().unwrap();
            if action == "download" {
                continue;
            }
            let asks = questions(name, action, &ids);
            assert!(!asks.is_empty(), "{name} {action}: give it parameters here");
            for params in asks {
                let answer = execute(&config, name, action, &params);
                let records = match &answer["data"] {
                    Value::Array(records) => records.clone(),
                    one => vec![one.clone()],
                };
                assert!(!records.is_empty(), "{name} {action} {params}: no records");
                if name.starts_with("data_for_") {
                    let calls = records[0]["calls"].as_array().map_or(0, Vec::len);
                    assert!(
                        calls > 0,
                        "{name}: the person's calls are listed: {answer:.300}"
                    );
                }
                for record in &records {
                    if let Err(e) = schema.validate(record) {
                        panic!("{name} {action} {params}: {e}\n{record:.400}");
                    }
                }
                checked += records.len();
            }
        }
    }
    assert!(checked > 100, "{checked} records checked");
}

#[test]
fn a_data_privacy_look_up_without_its_scope_names_the_scope() {
    let sandbox = start_sandbox(SandboxConfig {
        calls: 10,
        days: 5,
        users: 3,
        denied_scopes: vec!["api:data-privacy:read".into()],
        ..SandboxConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(&sandbox.base_url(), "2026-01-01T00:00:00Z");
    config["credentials"] = json!({"auth_type": "oauth2.0", "access_token": "sandbox-token"});
    let config = write_json(dir.path(), "config.json", &config);
    let out = Command::new(BIN)
        .args(["execute", "--config"])
        .arg(&config)
        .args([
            "data_for_phone_number",
            "get",
            r#"{"phoneNumber": "+1 555 0101"}"#,
        ])
        .output()
        .expect("binary runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON answer");
    assert_eq!(out.status.code(), Some(2), "{v}");
    assert_eq!(v["error"]["kind"], "config_error", "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("api:data-privacy:read"), "{message}");
}
