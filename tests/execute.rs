//! `source-gong execute` against the sandbox: every entity and action of the seed in both command forms,
//! records as Gong sends them (ids as strings), pagination by cursor, validation and not-found errors as JSON with the
//! documented exit codes, and no secret in any output.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{Duration, Utc};
use common::*;
use gong_sandbox::SandboxConfig;
use serde_json::{json, Value};

pub struct Exec {
    pub code: i32,
    pub stdout: String,
    pub json: Value,
}

/// Runs `source-gong execute --config CONFIG ARGS…` (with `stdin` when given); stdout must be one JSON
/// object on one line.
fn exec_with(config: &Path, args: &[&str], stdin: Option<&str>) -> Exec {
    let mut cmd = Command::new(BIN);
    cmd.arg("execute")
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("binary runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 stdout");
    assert_eq!(
        stdout.trim_end().lines().count(),
        1,
        "execute prints one line: {stdout:.500}"
    );
    let json: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout:.300}"));
    for secret in ["sandbox-secret", "sandbox-access-key", "c2FuZGJveC"] {
        assert!(!stdout.contains(secret), "secret in output: {stdout:.300}");
    }
    Exec {
        code: out.status.code().unwrap_or(-1),
        stdout,
        json,
    }
}

fn exec(config: &Path, args: &[&str]) -> Exec {
    exec_with(config, args, None)
}

/// The short form and the request form (from a file, and from stdin for `stdin`) must agree.
fn both_forms(config: &Path, dir: &Path, entity: &str, action: &str, params: &Value) -> Value {
    let short = exec(config, &[entity, action, &params.to_string()]);
    assert_eq!(
        short.code, 0,
        "{entity} {action} {params}: {}",
        short.stdout
    );
    let request = json!({"entity": entity, "action": action, "params": params});
    let file = write_json(dir, "request.json", &request);
    let long = exec(config, &["--request", file.to_str().unwrap()]);
    assert_eq!(long.code, 0, "{}", long.stdout);
    let piped = exec_with(config, &["--request", "-"], Some(&request.to_string()));
    assert_eq!(piped.code, 0, "{}", piped.stdout);
    for other in [&long, &piped] {
        assert_eq!(
            strip_urls(&other.json),
            strip_urls(&short.json),
            "{entity} {action}: the forms differ"
        );
    }
    short.json
}

/// Media URLs and cursors are signed per request; everything else is deterministic.
fn strip_urls(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    if (k.ends_with("Url") && k != "meetingUrl") || k == "cursor" {
                        (k.clone(), json!(v.is_null()))
                    } else {
                        (k.clone(), strip_urls(v))
                    }
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_urls).collect()),
        other => other.clone(),
    }
}

/// An id as the connector emits it: a JSON string of digits.
fn assert_digits(id: &Value, key: &str) {
    let text = id
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string: {id}"));
    assert!(
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()),
        "{key}: {text:?}"
    );
}

fn list_data(v: &Value) -> &Vec<Value> {
    let p = &v["meta"]["pagination"];
    for field in ["totalRecords", "currentPageSize", "currentPageNumber"] {
        assert!(p[field].is_u64(), "pagination.{field} missing: {v:.300}");
    }
    v["data"].as_array().expect("data is an array")
}

fn setup(
    cfg: SandboxConfig,
) -> (
    gong_sandbox::BlockingSandbox,
    tempfile::TempDir,
    std::path::PathBuf,
) {
    let sandbox = start_sandbox(cfg);
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now().date_naive() - Duration::days(45);
    let config = write_json(
        dir.path(),
        "config.json",
        &config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z")),
    );
    (sandbox, dir, config)
}

#[test]
fn every_entity_and_action_of_the_seed_in_both_forms() {
    let (sandbox, dir, config) = setup(SandboxConfig {
        calls: 60,
        days: 30,
        users: 12,
        ..SandboxConfig::default()
    });
    let d = dir.path();
    let today = Utc::now().date_naive();

    // users list: Gong's records unchanged, in Gong's order.
    let users = both_forms(&config, d, "users", "list", &json!({}));
    let expected_users = sandbox.dataset().read().unwrap().users.clone();
    assert_eq!(list_data(&users), &expected_users);
    let user_id = expected_users[0]["id"].as_str().unwrap();
    let user = both_forms(&config, d, "users", "get", &json!({"id": user_id}));
    assert_eq!(user["data"], expected_users[0]);

    let calls = both_forms(&config, d, "calls", "list", &json!({}));
    let call_list = list_data(&calls);
    assert_eq!(call_list.len(), 60);
    let window = both_forms(
        &config,
        d,
        "calls",
        "list",
        &json!({"fromDateTime": format!("{}T00:00:00Z", today - Duration::days(10)), "toDateTime": format!("{today}T00:00:00Z")}),
    );
    assert!(list_data(&window).len() < 60);
    let call_id = call_list[0]["id"].as_str().unwrap();
    let call = both_forms(&config, d, "calls", "get", &json!({"id": call_id}));
    assert_eq!(call["data"], call_list[0]);

    let ext = both_forms(
        &config,
        d,
        "calls_extensive",
        "list",
        &json!({"filter": {"callIds": [call_id]}, "contentSelector": {"context": "Extended", "exposedFields": {"parties": true, "media": true, "content": {"brief": true}}}}),
    );
    let ext = list_data(&ext);
    assert_eq!(ext.len(), 1);
    assert_eq!(ext[0]["metaData"]["id"], call_id);
    assert!(ext[0]["parties"].is_array() && ext[0]["media"]["audioUrl"].is_string());
    let seed_example = both_forms(
        &config,
        d,
        "calls_extensive",
        "list",
        &json!({"filter": {}}),
    );
    assert_eq!(list_data(&seed_example).len(), 60);

    let transcripts = both_forms(
        &config,
        d,
        "call_transcripts",
        "list",
        &json!({"filter": {"callIds": [call_id]}}),
    );
    assert_eq!(list_data(&transcripts)[0]["callId"], call_id);

    for stats in [
        "stats_activity_aggregate",
        "stats_activity_day_by_day",
        "stats_interaction",
    ] {
        // The seed's example has no params: the connector supplies Gong's required dates.
        let all = both_forms(&config, d, stats, "list", &json!({}));
        assert!(!list_data(&all).is_empty(), "{stats}");
        let some = both_forms(
            &config,
            d,
            stats,
            "list",
            &json!({"filter": {"fromDate": (today - Duration::days(20)).to_string(), "toDate": (today - Duration::days(2)).to_string(), "userIds": [user_id]}}),
        );
        assert!(list_data(&some).len() <= 1, "{stats}");
    }

    let scorecards = both_forms(&config, d, "settings_scorecards", "list", &json!({}));
    assert_eq!(list_data(&scorecards).len(), 4);
    // Gong (and the sandbox) send scorecard ids as JSON numbers; execute answers strings of digits.
    for scorecard in list_data(&scorecards) {
        for key in ["scorecardId", "workspaceId", "updaterUserId"] {
            assert_digits(&scorecard[key], key);
        }
        for question in scorecard["questions"].as_array().unwrap() {
            assert_digits(&question["questionId"], "questionId");
            assert_digits(&question["questionRevisionId"], "questionRevisionId");
            for option in question["answerOptions"].as_array().into_iter().flatten() {
                assert_digits(&option["id"], "answerOptions.id");
            }
        }
    }
    let trackers = both_forms(&config, d, "settings_trackers", "list", &json!({}));
    assert!(!list_data(&trackers).is_empty());

    let workspaces = both_forms(&config, d, "workspaces", "list", &json!({}));
    let ws = list_data(&workspaces)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let folders = both_forms(
        &config,
        d,
        "library_folders",
        "list",
        &json!({"workspaceId": ws}),
    );
    let folder = list_data(&folders)[0]["id"].as_str().unwrap().to_string();
    let content = both_forms(
        &config,
        d,
        "library_folder_content",
        "list",
        &json!({"folderId": folder}),
    );
    list_data(&content);

    let manager = expected_users
        .iter()
        .find_map(|u| u["managerId"].as_str())
        .expect("a manager");
    let coaching = both_forms(
        &config,
        d,
        "coaching",
        "list",
        &json!({"workspace-id": ws, "manager-id": manager,
                "from": format!("{}T00:00:00Z", today - Duration::days(40)), "to": format!("{today}T00:00:00Z")}),
    );
    list_data(&coaching);

    let answered = both_forms(&config, d, "stats_activity_scorecards", "list", &json!({}));
    let answered = list_data(&answered).clone();
    assert!(!answered.is_empty());
    for record in &answered {
        for key in [
            "answeredScorecardId",
            "scorecardId",
            "callId",
            "reviewedUserId",
            "reviewerUserId",
        ] {
            assert_digits(&record[key], key);
        }
        for answer in record["answers"].as_array().unwrap() {
            assert_digits(&answer["questionId"], "questionId");
            assert_digits(&answer["questionRevisionId"], "questionRevisionId");
        }
    }
    // Ids join across entities with their exact digits: an answered scorecard's callId is a call's id
    // (the sandbox's ids are above 2^53, where a double would have changed them).
    let joined = answered
        .iter()
        .filter_map(|r| r["callId"].as_str())
        .find(|id| id.parse::<u64>().unwrap() > 1 << 53)
        .expect("a call id above 2^53");
    let call = exec(
        &config,
        &["calls", "get", &json!({"id": joined}).to_string()],
    );
    assert_eq!(call.code, 0, "{}", call.stdout);
    assert_eq!(call.json["data"]["id"], json!(joined));
    // The seed's names: date-times become Gong's callFromDate/callToDate; reviewer and call ids filter.
    let reviewer = answered[0]["reviewerUserId"]
        .to_string()
        .trim_matches('"')
        .to_string();
    let filtered = both_forms(
        &config,
        d,
        "stats_activity_scorecards",
        "list",
        &json!({"filter": {"fromDateTime": format!("{}T00:00:00Z", today - Duration::days(40)),
                           "toDateTime": format!("{today}T00:00:00Z"), "reviewerUserIds": [reviewer]}}),
    );
    let filtered = list_data(&filtered);
    assert!(!filtered.is_empty());
    assert!(filtered
        .iter()
        .all(|s| s["reviewerUserId"].to_string().trim_matches('"') == reviewer));

    // Downloads (bytes checked in tests/media.rs): both forms write the same file.
    for (entity, kind) in [("call_audio", "audio"), ("call_video", "video")] {
        let with_media = ext[0]["media"][format!("{kind}Url")].is_string();
        let out_a = d.join(format!("{kind}-a"));
        let out_b = d.join(format!("{kind}-b"));
        let params = json!({"filter": {"callIds": [call_id]}, "contentSelector": {"exposedFields": {"media": true}}});
        let a = exec(
            &config,
            &[
                entity,
                "download",
                &params.to_string(),
                "--output",
                out_a.to_str().unwrap(),
            ],
        );
        let file = write_json(
            d,
            "request.json",
            &json!({"entity": entity, "action": "download", "params": params}),
        );
        let b = exec(
            &config,
            &[
                "--request",
                file.to_str().unwrap(),
                "--output",
                out_b.to_str().unwrap(),
            ],
        );
        if with_media {
            assert_eq!(a.code, 0, "{}", a.stdout);
            assert_eq!(b.code, 0, "{}", b.stdout);
            assert_eq!(a.json["data"]["kind"], kind);
            assert_eq!(
                a.json["data"]["bytesWritten"].as_u64().unwrap(),
                gong_sandbox::media_len(call_id, kind)
            );
            assert_eq!(
                std::fs::read(&out_a).unwrap(),
                std::fs::read(&out_b).unwrap()
            );
        } else {
            assert_eq!(a.json["error"]["kind"], "not_found", "{}", a.stdout);
        }
    }
}

#[test]
fn cursor_pages_through_get_and_post_lists() {
    let (_sandbox, dir, config) = setup(SandboxConfig {
        calls: 230,
        days: 30,
        users: 5,
        ..SandboxConfig::default()
    });
    let d = dir.path();
    for (entity, id_of) in [("calls", "/id"), ("calls_extensive", "/metaData/id")] {
        let mut params = json!({});
        if entity == "calls_extensive" {
            params = json!({"filter": {}});
        }
        let mut ids = Vec::new();
        let mut pages = 0;
        loop {
            let page = both_forms(&config, d, entity, "list", &params);
            let data = list_data(&page);
            let p = &page["meta"]["pagination"];
            assert_eq!(p["totalRecords"], 230);
            assert_eq!(p["currentPageNumber"], pages);
            assert_eq!(p["currentPageSize"].as_u64().unwrap(), data.len() as u64);
            ids.extend(data.iter().map(|r| r.pointer(id_of).unwrap().clone()));
            pages += 1;
            match p["cursor"].as_str() {
                Some(cursor) => params["cursor"] = json!(cursor),
                None => break,
            }
        }
        assert_eq!(pages, 3, "{entity}");
        let mut unique = ids.clone();
        unique.sort_by_key(|v| v.to_string());
        unique.dedup();
        assert_eq!(unique.len(), 230, "{entity}: every call once");
    }
}

#[test]
fn bad_requests_are_json_errors_with_exit_code_2_and_unknown_ids_not_found() {
    let (_sandbox, dir, config) = setup(SandboxConfig {
        calls: 10,
        days: 10,
        users: 4,
        ..SandboxConfig::default()
    });
    let d = dir.path();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["meetings".into(), "list".into()],
            "Unknown entity `meetings`",
        ),
        (
            vec!["users".into(), "download".into()],
            "no action `download`",
        ),
        (vec!["workspaces".into(), "get".into()], "no action `get`"),
        (
            vec!["users".into(), "list".into(), r#"{"page": 2}"#.into()],
            "unknown parameter `page`",
        ),
        (vec!["users".into(), "get".into()], "`id` is required"),
        (
            vec!["users".into(), "get".into(), r#"{"id": 5}"#.into()],
            "`id` has the wrong type",
        ),
        (
            vec![
                "calls".into(),
                "list".into(),
                r#"{"fromDateTime": "2025-02-30T00:00:00Z"}"#.into(),
            ],
            "`fromDateTime` is not a valid date",
        ),
        (
            vec![
                "stats_interaction".into(),
                "list".into(),
                r#"{"filter": {"fromDate": "01/02/2025"}}"#.into(),
            ],
            "`filter.fromDate` is not a valid date",
        ),
        (
            vec![
                "calls_extensive".into(),
                "list".into(),
                r#"{"filter": {"callIds": [1]}}"#.into(),
            ],
            "`filter.callIds` has the wrong type",
        ),
        (
            vec![
                "calls_extensive".into(),
                "list".into(),
                r#"{"contentSelector": {"context": "Everything"}}"#.into(),
            ],
            "contentSelector.context",
        ),
        (
            vec![
                "coaching".into(),
                "list".into(),
                r#"{"workspace-id": "1", "manager-id": "2", "from": "2025-01-01T00:00:00Z"}"#
                    .into(),
            ],
            "`to` is required",
        ),
        (
            vec!["library_folders".into(), "list".into()],
            "`workspaceId` is required",
        ),
        (
            vec![
                "library_folder_content".into(),
                "list".into(),
                r#"{"folderId": ""}"#.into(),
            ],
            "`folderId` is empty",
        ),
        (
            vec![
                "call_audio".into(),
                "download".into(),
                r#"{"filter": {"callIds": ["1", "2"]}}"#.into(),
                "--output".into(),
                "-".into(),
            ],
            "exactly one call id",
        ),
        (
            vec![
                "call_audio".into(),
                "download".into(),
                r#"{"filter": {"callIds": ["1"]}, "range_header": "0-10"}"#.into(),
                "--output".into(),
                "-".into(),
            ],
            "range_header",
        ),
        (
            vec![
                "call_audio".into(),
                "download".into(),
                r#"{"filter": {"callIds": ["1"]}}"#.into(),
            ],
            "--output",
        ),
        (
            vec!["users".into(), "list".into(), "{not json".into()],
            "not valid JSON",
        ),
        (vec![], "Give a request"),
    ];
    for (args, expected) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = exec(&config, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert_eq!(run.json["error"]["kind"], "config_error", "{args:?}");
        let message = run.json["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    // The request form's own checks.
    for (body, expected) in [
        (json!({"entity": "users"}), "no `action`"),
        (
            json!({"entity": "users", "action": "list", "params": [1]}),
            "`params` must be a JSON object",
        ),
        (
            json!({"entity": "users", "action": "list", "extra": 1}),
            "unknown field `extra`",
        ),
    ] {
        let file = write_json(d, "bad.json", &body);
        let run = exec(&config, &["--request", file.to_str().unwrap()]);
        assert_eq!(run.code, 2);
        assert!(
            run.json["error"]["message"]
                .as_str()
                .unwrap()
                .contains(expected),
            "{}",
            run.stdout
        );
    }
    // Unknown ids.
    for (entity, id) in [("users", "1234567890"), ("calls", "99999999999")] {
        let run = exec(&config, &[entity, "get", &json!({"id": id}).to_string()]);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.json["error"]["kind"], "not_found");
        assert!(run.json["error"]["message"].as_str().unwrap().contains(id));
    }
    let run = exec(
        &config,
        &[
            "call_video",
            "download",
            r#"{"filter": {"callIds": ["42"]}}"#,
            "--output",
            d.join("x").to_str().unwrap(),
        ],
    );
    assert_eq!(
        (run.code, run.json["error"]["kind"].as_str()),
        (1, Some("not_found")),
        "{}",
        run.stdout
    );

    // Bad credentials: a config error that names no secret.
    let mut bad = config_for(&_sandbox.base_url(), "2025-01-01");
    bad["credentials"]["access_key_secret"] = json!("wrong-secret-value");
    let bad_config = write_json(d, "bad-config.json", &bad);
    let run = exec(&bad_config, &["users", "list"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.json["error"]["kind"], "config_error");
    assert!(!run.stdout.contains("wrong-secret-value"));
    // A missing config file.
    let run = exec(&d.join("nope.json"), &["users", "list"]);
    assert_eq!(
        (run.code, run.json["error"]["kind"].as_str()),
        (2, Some("config_error"))
    );
}

#[test]
fn the_typed_api_shares_one_client() {
    let (sandbox, _dir, config) = setup(SandboxConfig {
        calls: 20,
        days: 10,
        users: 6,
        ..SandboxConfig::default()
    });
    let cfg =
        source_gong::config::Config::parse(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let gong = source_gong::api::Gong::new(cfg).unwrap();
        let users = gong.users().list(&json!({})).await.unwrap();
        assert_eq!(users.data.len(), 6);
        let id: Value = serde_json::from_str(users.data[0].get()).unwrap();
        let one = gong.users().get(id["id"].as_str().unwrap()).await.unwrap();
        assert_eq!(one.get(), users.data[0].get(), "the same bytes Gong sent");
        let calls = gong
            .calls_extensive()
            .list(&json!({"filter": {}}))
            .await
            .unwrap();
        assert_eq!(calls.data.len(), 20);
        let err = gong.users().get("404404404").await.unwrap_err();
        assert!(source_gong::api::is_not_found(&err));
        let err = gong.coaching().list(&json!({})).await.unwrap_err();
        assert_eq!(err.kind, source_gong::error::ErrorKind::Config);
        assert_eq!(
            gong.client().requests_sent(),
            4,
            "one request per call, no validation request"
        );
    });
    assert!(sandbox.stats().api_requests >= 4);
}

#[test]
fn a_rotated_oauth_refresh_token_is_saved_to_the_config_file() {
    let sandbox = start_sandbox(SandboxConfig {
        calls: 5,
        days: 5,
        users: 3,
        ..SandboxConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let base = sandbox.base_url();
    let config = write_json(
        dir.path(),
        "config.json",
        &json!({"credentials": {"auth_type": "oauth2.0", "client_id": "sandbox-client-id",
                                "client_secret": "sandbox-client-secret", "refresh_token": "sandbox-refresh-token-0"},
                "base_url": base, "oauth_token_url": format!("{base}/oauth2/generate-customer-token"),
                "start_date": "2025-01-01"}),
    );
    let first = exec(&config, &["workspaces", "list"]);
    assert_eq!(first.code, 0, "{}", first.stdout);
    assert!(!first.stdout.contains("refresh-token"));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let rotated = saved["credentials"]["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, "sandbox-refresh-token-0");
    assert_eq!(rotated, sandbox.current_refresh_token());
    // The next run uses the saved token (the first one is spent).
    let second = exec(&config, &["users", "list"]);
    assert_eq!(second.code, 0, "{}", second.stdout);
}

// ---------------------------------------------------------------- the issue's exact agent behaviours

fn media_len_of(id: &str) -> u64 {
    gong_sandbox::media_len(id, "audio")
}

/// A call with a recording of ordinary size.
fn a_call_id(sandbox: &gong_sandbox::Sandbox) -> String {
    let ds = sandbox.dataset().read().unwrap();
    let large = ds.large_media_call_id.clone();
    ds.calls
        .iter()
        .find(|c| c.video && Some(c.id_str()) != large)
        .expect("a call with a recording")
        .id_str()
}

#[test]
fn a_range_past_the_end_is_clamped_and_a_failed_download_never_touches_the_file() {
    let (sandbox, dir, config) = setup(SandboxConfig {
        calls: 10,
        days: 10,
        users: 4,
        ..SandboxConfig::default()
    });
    let d = dir.path();
    let id = a_call_id(&sandbox);
    let len = media_len_of(&id);
    let params = |range: Option<String>| {
        let mut p = json!({"filter": {"callIds": [id]}});
        if let Some(r) = range {
            p["range_header"] = json!(r);
        }
        p.to_string()
    };
    // A range that runs past the end: the bytes up to the end, nothing asked beyond them.
    let out = d.join("tail.mp3");
    let run = exec(
        &config,
        &[
            "call_audio",
            "download",
            &params(Some(format!("bytes={}-{}", len - 10, len + 500))),
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json["data"]["bytesWritten"], 10);
    let mut expected = vec![0u8; 10];
    gong_sandbox::fill_media(&id, "audio", len - 10, &mut expected);
    assert!(std::fs::read(&out).unwrap() == expected);
    assert!(!d.join("tail.mp3.part").exists());

    // Failures (unknown call, range past the end) leave FILE as it was; their bytes stay in FILE.part.
    let keep = d.join("keep.mp3");
    std::fs::write(&keep, b"precious").unwrap();
    for p in [
        json!({"filter": {"callIds": ["123456789"]}}).to_string(),
        params(Some(format!("bytes={}-", len + 10))),
    ] {
        let run = exec(
            &config,
            &[
                "call_audio",
                "download",
                &p,
                "--output",
                keep.to_str().unwrap(),
            ],
        );
        assert_ne!(run.code, 0, "{}", run.stdout);
        assert_eq!(std::fs::read(&keep).unwrap(), b"precious", "{p}");
    }
    // A FILE.part left by a failure is what --resume continues; FILE is replaced only when whole.
    let part = d.join("keep.mp3.part");
    let mut head = vec![0u8; 1000];
    gong_sandbox::fill_media(&id, "audio", 0, &mut head);
    std::fs::write(&part, &head).unwrap();
    let run = exec(
        &config,
        &[
            "call_audio",
            "download",
            &params(None),
            "--output",
            keep.to_str().unwrap(),
            "--resume",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json["data"]["resumedFrom"], 1000);
    assert_eq!(run.json["data"]["bytesWritten"], len - 1000);
    assert!(!part.exists());
    let mut whole = vec![0u8; len as usize];
    gong_sandbox::fill_media(&id, "audio", 0, &mut whole);
    assert!(std::fs::read(&keep).unwrap() == whole);
}

#[test]
fn errors_only_gong_detects_are_the_callers_and_checkable_ones_are_caught_before_sending() {
    let (_sandbox, dir, config) = setup(SandboxConfig {
        calls: 10,
        days: 10,
        users: 4,
        ..SandboxConfig::default()
    });
    let d = dir.path();
    // Gong's 400 about the request: config_error, exit 2, Gong's message.
    for (entity, params) in [
        ("users", json!({"cursor": "not-a-cursor"})),
        (
            "calls_extensive",
            json!({"filter": {}, "cursor": "bm90LWEtY3Vyc29y"}),
        ),
    ] {
        let run = exec(&config, &[entity, "list", &params.to_string()]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert_eq!(run.json["error"]["kind"], "config_error");
        let message = run.json["error"]["message"].as_str().unwrap();
        assert!(message.contains("invalid cursor"), "{message}");
        assert!(message.contains("not one Gong issued"), "{message}");
    }
    // Checked before any request: against a closed port, a request would be a transient error.
    let closed = write_json(d, "closed.json", &config_for(&closed_url(), "2025-01-01"));
    let tomorrow = Utc::now().date_naive() + Duration::days(2);
    for (args, expected) in [
        (
            vec![
                "calls",
                "list",
                r#"{"fromDateTime": "2025-02-01T00:00:00Z", "toDateTime": "2025-01-01T00:00:00Z"}"#,
            ],
            "is after `toDateTime`",
        ),
        (vec!["users", "get", r#"{"id": "abc"}"#], "digits"),
        (
            vec![
                "call_transcripts",
                "list",
                r#"{"filter": {"callIds": ["12x"]}}"#,
            ],
            "filter.callIds",
        ),
        (
            vec![
                "stats_interaction",
                "list",
                &format!(r#"{{"filter": {{"toDate": "{tomorrow}"}}}}"#),
            ],
            "in the future",
        ),
        (
            vec![
                "stats_activity_scorecards",
                "list",
                r#"{"filter": {"fromDateTime": "2025-01-01T00:00:00Z", "callFromDate": "2025-01-01"}}"#,
            ],
            "not both",
        ),
    ] {
        let run = exec(&closed, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert_eq!(run.json["error"]["kind"], "config_error");
        let message = run.json["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    // `"cursor": null` is an absent cursor.
    let run = exec(&config, &["users", "list", r#"{"cursor": null}"#]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(list_data(&run.json).len(), 4);
}

/// A loopback URL where nothing listens.
fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn an_unreachable_host_fails_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(
        dir.path(),
        "c.json",
        &config_for(&closed_url(), "2025-01-01"),
    );
    let started = std::time::Instant::now();
    let run = exec(&config, &["users", "list"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stdout);
    let message = run.json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("nothing listens at 127.0.0.1"),
        "{message}"
    );
    assert!(took < std::time::Duration::from_secs(3), "took {took:?}");
    let started = std::time::Instant::now();
    let check = run_cmd(&["check", "--config", config.to_str().unwrap()]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "check took {:?}",
        started.elapsed()
    );
    let status = check
        .of_type("CONNECTION_STATUS")
        .next()
        .expect("a connection status")
        .clone();
    assert_eq!(status["connectionStatus"]["status"], "FAILED");
    assert!(status["connectionStatus"]["message"]
        .as_str()
        .unwrap()
        .contains("nothing listens"));
}

fn run_cmd(args: &[&str]) -> Run {
    common::run(args)
}

fn all_scorecards(config: &Path) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut params = json!({});
    loop {
        let run = exec(
            config,
            &["stats_activity_scorecards", "list", &params.to_string()],
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        pages.push(list_data(&run.json).clone());
        match run.json["meta"]["pagination"]["cursor"].as_str() {
            Some(c) => params["cursor"] = json!(c),
            None => return pages,
        }
    }
}

fn started(record: &Value) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(record["callStartTime"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn answered_scorecards_have_exact_bounds_and_filters_applied_here_page_on() {
    let (_sandbox, _dir, config) = setup(SandboxConfig {
        calls: 450,
        days: 30,
        users: 6,
        ..SandboxConfig::default()
    });
    let pages = all_scorecards(&config);
    assert!(pages.len() >= 2, "the data spans pages");
    let all: Vec<&Value> = pages.iter().flatten().collect();
    // A one-hour window inside a day with other scorecards: exactly the records inside it.
    let pick = all
        .iter()
        .find(|r| {
            all.iter()
                .filter(|o| started(o).date_naive() == started(r).date_naive())
                .count()
                >= 3
        })
        .expect("a busy day");
    let from = started(pick) - Duration::minutes(30);
    let to = from + Duration::hours(1);
    let mut expected: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|r| started(r) >= from && started(r) < to)
        .collect();
    expected.sort_by_key(|r| r.to_string());
    let offset = chrono::FixedOffset::west_opt(8 * 3600).unwrap();
    for (a, b) in [
        (from.to_rfc3339(), to.to_rfc3339()),
        (
            from.with_timezone(&offset).to_rfc3339(),
            to.with_timezone(&offset).to_rfc3339(),
        ),
    ] {
        let params = json!({"filter": {"fromDateTime": a, "toDateTime": b}});
        let run = exec(
            &config,
            &["stats_activity_scorecards", "list", &params.to_string()],
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        let mut got: Vec<&Value> = list_data(&run.json).iter().collect();
        got.sort_by_key(|r| r.to_string());
        assert_eq!(got, expected, "{a} .. {b}");
        assert!(run.json["meta"]["note"]
            .as_str()
            .unwrap()
            .contains("before"));
    }
    // A filter Gong lacks: pages with no match are skipped until one has it.
    let last = pages.last().unwrap().last().unwrap();
    let call_id = last["callId"].to_string().trim_matches('"').to_string();
    let params = json!({"filter": {"callIds": [call_id]}});
    let run = exec(
        &config,
        &["stats_activity_scorecards", "list", &params.to_string()],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(list_data(&run.json), &vec![last.clone()]);
    assert_eq!(run.json["meta"]["pagination"]["currentPageSize"], 1);
    assert_eq!(
        run.json["meta"]["pagination"]["totalRecords"].as_u64(),
        Some(all.len() as u64),
        "Gong's total, before filtering"
    );
}

#[test]
fn day_by_day_defaults_to_the_last_seven_closed_days() {
    let (_sandbox, _dir, config) = setup(SandboxConfig {
        calls: 30,
        days: 30,
        users: 3,
        ..SandboxConfig::default()
    });
    let run = exec(&config, &["stats_activity_day_by_day", "list"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let today = Utc::now().date_naive();
    let first = (today - Duration::days(8)).to_string();
    for record in list_data(&run.json) {
        let days = record["userDailyActivityStats"].as_array().unwrap();
        assert_eq!(days.len(), 7, "{record:.200}");
        assert!(days[0]["fromDate"].as_str().unwrap().starts_with(&first));
    }
    let described = Command::new(BIN)
        .args(["execute", "--describe", "stats_activity_day_by_day"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&described.stdout).contains("last 7 closed days"));
}
