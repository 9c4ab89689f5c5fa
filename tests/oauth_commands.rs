//! The one rule for OAuth credentials that change, command by command (`src/client/rotation.rs`):
//! a command that has to refresh announces the rotated config in a CONTROL message when its stdout is
//! the Airbyte protocol (`check`, `read`) and writes it back to the `--config` file atomically, keeping
//! the file's permissions (every command); a file it cannot write is a WARN, not a failure. `check`
//! uses the config's access token while it is valid and says so in a LOG when it had to spend the
//! refresh token; `spec` and `discover` never refresh, nor does the MCP server before a tool call.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::oauth::*;
use common::*;
use serde_json::{json, Value};

const SPENT_NOTE: &str = "check refreshed the OAuth access token";

fn check(config: &Path) -> Run {
    let run = run(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

fn status(run: &Run) -> &str {
    let m = run.of_type("CONNECTION_STATUS").next().expect("a status");
    m["connectionStatus"]["status"].as_str().unwrap()
}

/// A catalog of `users` only (discovered with the access key: discover sends no request).
fn users_catalog(dir: &Path, base: &str) -> PathBuf {
    let key = write_json(dir, "key.json", &config_for(base, "2020-01-01"));
    let catalog = configured_catalog(&discover(&key), &[("users", "full_refresh")]);
    write_json(dir, "catalog.json", &catalog)
}

#[test]
fn check_spends_the_refresh_token_only_without_a_valid_access_token_and_says_so() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let path = write_json(
        dir.path(),
        "config.json",
        &refresh_only_config(&sb.base_url(), "sandbox-refresh-token-0"),
    );
    #[cfg(unix)]
    set_mode(&path, 0o640);

    let first = check(&path);
    assert_eq!(status(&first), "SUCCEEDED");
    let rotated = controls(&first);
    assert_eq!(rotated.len(), 1, "one refresh, one CONTROL message");
    assert_eq!(refresh_token_of(&rotated[0]), sb.current_refresh_token());
    assert_eq!(
        read_json(&path),
        rotated[0],
        "the file holds the rotated config"
    );
    #[cfg(unix)]
    assert_eq!(mode_of(&path), 0o640, "the file keeps its permissions");
    assert_eq!(logs_with(&first, "WARN", SPENT_NOTE).len(), 1);

    // The file now holds a valid access token: the next check uses it and spends nothing.
    let before = (token_requests(&sb), std::fs::read(&path).unwrap());
    let second = check(&path);
    assert_eq!(status(&second), "SUCCEEDED");
    assert!(controls(&second).is_empty());
    assert!(logs_with(&second, "WARN", SPENT_NOTE).is_empty());
    assert_eq!((token_requests(&sb), std::fs::read(&path).unwrap()), before);
}

#[test]
fn a_passed_token_expiry_date_refreshes_before_the_first_request_and_a_missing_one_on_401() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    // A token the sandbox still honours, but whose stated expiry has passed: refreshed up front.
    let mut config = oauth_flow_config(&sb);
    config["credentials"]["token_expiry_date"] = json!("2020-01-01T00:00:00Z");
    let path = write_json(dir.path(), "expired.json", &config);
    let run = check(&path);
    assert_eq!(status(&run), "SUCCEEDED");
    assert_eq!(controls(&run).len(), 1);
    assert_eq!(
        sb.stats().by_status.get(&401),
        None,
        "no request was refused"
    );

    // A token the sandbox does not know, without a date: Gong's 401 makes the connector refresh.
    let mut config = read_json(&path);
    config["credentials"]["access_token"] = json!("revoked-access-token");
    config["credentials"]
        .as_object_mut()
        .unwrap()
        .remove("token_expiry_date");
    let path = write_json(dir.path(), "unknown.json", &config);
    let run = check(&path);
    assert_eq!(status(&run), "SUCCEEDED", "{:?}", run.messages);
    assert_eq!(controls(&run).len(), 1);
    assert_eq!(
        refresh_token_of(&read_json(&path)),
        sb.current_refresh_token()
    );
}

#[test]
fn spec_and_discover_never_refresh() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let config = refresh_only_config(&sb.base_url(), "sandbox-refresh-token-0");
    let path = write_json(dir.path(), "config.json", &config);
    let p = path.to_str().unwrap();
    for args in [
        vec!["spec"],
        vec!["spec", "--config", p],
        vec!["discover", "--config", p],
    ] {
        let run = run(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(controls(&run).is_empty(), "{args:?}");
    }
    assert_eq!(token_requests(&sb), 0);
    assert_eq!(read_json(&path), config);
    assert_eq!(sb.current_refresh_token(), "sandbox-refresh-token-0");
}

#[test]
fn read_announces_the_rotated_token_and_writes_it_back_for_the_next_read() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let catalog = users_catalog(dir.path(), &sb.base_url());
    let path = write_json(
        dir.path(),
        "config.json",
        &refresh_only_config(&sb.base_url(), "sandbox-refresh-token-0"),
    );
    let first = run_read(&path, &catalog, None);
    assert_eq!(first.code, 0, "{:?}", first.errors());
    let rotated = controls(&first);
    assert_eq!(rotated.len(), 1);
    assert_eq!(read_json(&path), rotated[0]);
    // Tokens expire: the second read from the same file refreshes with the saved refresh token.
    sb.expire_tokens();
    let second = run_read(&path, &catalog, None);
    assert_eq!(second.code, 0, "{:?}", second.errors());
    assert_eq!(controls(&second).len(), 1);
    assert_eq!(
        refresh_token_of(&read_json(&path)),
        sb.current_refresh_token()
    );
    assert_eq!(second.records("users").len(), first.records("users").len());
}

/// `execute --config FILE users list`: stdout is the answer only; the rotated config goes to FILE.
fn execute_users(config: &Path) -> (i32, Value) {
    let out = Command::new(BIN)
        .args([
            "execute",
            "--config",
            config.to_str().unwrap(),
            "users",
            "list",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let answer = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("one JSON answer ({e}): {stdout:.300}"));
    (out.status.code().unwrap_or(-1), answer)
}

#[test]
fn execute_writes_the_rotated_token_back() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let path = write_json(
        dir.path(),
        "config.json",
        &refresh_only_config(&sb.base_url(), "sandbox-refresh-token-0"),
    );
    #[cfg(unix)]
    set_mode(&path, 0o600);
    for round in 0..2 {
        let (code, answer) = execute_users(&path);
        assert_eq!(code, 0, "round {round}: {answer}");
        assert!(!answer["data"].as_array().unwrap().is_empty());
        assert_eq!(
            refresh_token_of(&read_json(&path)),
            sb.current_refresh_token()
        );
        #[cfg(unix)]
        assert_eq!(mode_of(&path), 0o600);
        sb.expire_tokens();
    }
    assert_eq!(token_requests(&sb), 2);
}

/// One JSON-RPC exchange with `source-gong mcp`: sends `lines`, returns the answers with an id.
fn mcp_session(config: &Path, calls: &[Value]) -> Vec<Value> {
    let mut child = Command::new(BIN)
        .args(["mcp", "--config", config.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut send = |v: &Value| writeln!(stdin, "{v}").unwrap();
    send(
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-03-26", "capabilities": {},
        "clientInfo": {"name": "oauth-test", "version": "0"}}}),
    );
    let mut answers = vec![serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap()];
    send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    for (i, call) in calls.iter().enumerate() {
        send(&json!({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": call}));
        let answer: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        answers.push(answer);
    }
    drop(stdin);
    child.wait().unwrap();
    answers
}

#[test]
fn the_mcp_server_refreshes_at_its_first_tool_call_and_writes_the_token_back() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let config = refresh_only_config(&sb.base_url(), "sandbox-refresh-token-0");
    let path = write_json(dir.path(), "config.json", &config);
    // A session without tool calls spends nothing.
    mcp_session(&path, &[]);
    assert_eq!(token_requests(&sb), 0);
    assert_eq!(read_json(&path), config);

    let answers = mcp_session(&path, &[json!({"name": "users_list", "arguments": {}})]);
    let result = &answers[1]["result"];
    assert_ne!(result["isError"], json!(true), "{result}");
    assert_eq!(token_requests(&sb), 1);
    assert_eq!(
        refresh_token_of(&read_json(&path)),
        sb.current_refresh_token()
    );
}

/// A config the connector can read but not replace: given as `/proc/self/fd/0`, the command's own
/// stdin (no directory entry to rename over, even for root).
#[cfg(target_os = "linux")]
#[test]
fn a_config_file_that_cannot_be_written_is_a_warning_and_the_read_completes() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let catalog = users_catalog(dir.path(), &sb.base_url());
    let path = write_json(
        dir.path(),
        "config.json",
        &refresh_only_config(&sb.base_url(), "sandbox-refresh-token-0"),
    );
    let out = Command::new(BIN)
        .args(["read", "--config", "/proc/self/fd/0", "--catalog"])
        .arg(&catalog)
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let messages: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        messages,
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    };
    assert_eq!(run.code, 0, "{:?}", run.errors());
    assert!(!run.records("users").is_empty());
    let rotated = controls(&run);
    assert_eq!(
        rotated.len(),
        1,
        "the CONTROL message still carries the token"
    );
    let warnings = logs_with(
        &run,
        "WARN",
        "Could not write the rotated OAuth refresh token",
    );
    assert_eq!(warnings.len(), 1, "{:?}", run.messages);
    assert!(warnings[0].contains("CONTROL message"), "{}", warnings[0]);
    assert!(!warnings[0].contains(refresh_token_of(&rotated[0])));
}
