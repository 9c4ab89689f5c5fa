//! The MCP server answers every request line: one over its size limit gets a JSON-RPC error with the
//! request's id (rmcp alone drops it without a word) and the next request is served; a parameter no Gong
//! id can be is refused before anything is sent; an error's text is at most `--max-result-chars`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;
use serde_json::{json, Value};

#[test]
fn oversized_lines_long_ids_and_long_errors_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9: a request that reached the network would fail as a transient error.
    let config = write_json(
        dir.path(),
        "config.json",
        &config_for("http://127.0.0.1:9", "2026-01-01T00:00:00Z"),
    );
    let mut child = Command::new(BIN)
        .args(["mcp", "--config"])
        .arg(&config)
        .args(["--max-result-chars", "60"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut send = |v: Value| {
        writeln!(stdin, "{v}").unwrap();
        stdin.flush().unwrap();
    };
    let mut answer = || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        serde_json::from_str::<Value>(&line).expect("a JSON-RPC answer")
    };
    send(
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}),
    );
    assert_eq!(answer()["id"], 0);
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    // 17 MiB of arguments: over rmcp's own 16 MiB limit, which answered nothing.
    let big = "1".repeat(17 << 20);
    send(
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "users_get", "arguments": {"id": big}}}),
    );
    let refused = answer();
    assert_eq!(refused["id"], 5, "{refused:.300}");
    assert_eq!(refused["error"]["code"], -32600);
    let long_id = "1".repeat(100_000);
    send(
        json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "calls_get", "arguments": {"id": long_id}}}),
    );
    let error = answer();
    assert_eq!(error["id"], 6);
    let content = &error["result"]["structuredContent"]["error"];
    assert_eq!(content["kind"], "config_error", "{error:.400}");
    let message = content["message"].as_str().unwrap();
    assert!(message.chars().count() <= 60, "{message}");
    assert!(
        message.starts_with("calls get: `id` holds 100000 digits"),
        "{message}"
    );
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
