//! README.md's "Try it by hand" block, run as written: the sandbox, a config, a minimal catalog, check,
//! discover, a read, the state file from its STATE lines and an incremental read from it, `execute`,
//! `--describe` and the MCP server. Only the port changes (8080 → a free one), so the test never fights
//! over a port. The binaries are those of `target/release` (`cargo build --release --workspace`, which
//! scripts/test.sh runs first), reached through `target/release` under a scratch directory, as the
//! block's `export PATH="$PWD/target/release:$PATH"` expects.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::BIN;
use serde_json::Value;

const MARKER: &str = "<!-- tests/try_by_hand.rs runs this block as written";

/// The shell block after the marker.
fn block() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let after = &readme[readme.find(MARKER).expect("the README marks the block")..];
    let start = after.find("```sh\n").unwrap() + "```sh\n".len();
    let end = start + after[start..].find("\n```").unwrap();
    after[start..end].to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A scratch directory whose `target/release` holds the two binaries.
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("target/release");
    std::fs::create_dir_all(&release).unwrap();
    let built = Path::new(BIN).parent().unwrap();
    for name in ["source-gong", "gong-sandbox"] {
        let binary = built.join(name);
        assert!(
            binary.exists(),
            "{} is missing: run `cargo build --release --workspace` first",
            binary.display()
        );
        std::os::unix::fs::symlink(&binary, release.join(name)).unwrap();
    }
    let work = dir.path().join("target/try");
    (dir, work)
}

fn lines_of(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn records(messages: &[Value], stream: &str) -> usize {
    messages
        .iter()
        .filter(|m| m["type"] == "RECORD" && m["record"]["stream"] == stream)
        .count()
}

#[test]
fn the_readme_try_it_by_hand_commands_work_as_written() {
    let (dir, work) = scratch();
    let port = free_port().to_string();
    let script = format!(
        "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{}\n",
        block().replace("8080", &port)
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the block failed:\n{stdout}\n{stderr}"
    );

    // check printed SUCCEEDED; execute printed a page of users; --describe the users entity.
    assert!(stdout.contains(r#""status":"SUCCEEDED""#), "{stdout:.2000}");
    assert!(
        stdout.contains(r#"{"data":[{"id":"#),
        "execute users list: {stdout:.2000}"
    );
    assert!(stdout.contains(r#""entity":"users""#) || stdout.contains(r#""name":"users""#));
    // The MCP server answered the tool call with the workspaces.
    let mcp = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|m| m["id"] == 2)
        .unwrap_or_else(|| panic!("no answer to the MCP tool call: {stdout:.3000}"));
    assert!(
        !mcp["result"]["structuredContent"]["data"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{mcp}"
    );

    let first = lines_of(&work.join("messages.jsonl"));
    assert!(records(&first, "users") > 0 && records(&first, "calls") > 0);
    let state: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(work.join("state.json")).unwrap()).unwrap();
    assert!(state
        .iter()
        .any(|m| m["state"]["stream"]["stream_descriptor"]["name"] == "calls"));
    // The incremental read resumes from the state: no WARN about it, and fewer calls than the first.
    let next = lines_of(&work.join("next.jsonl"));
    assert!(
        !next
            .iter()
            .any(|m| m["type"] == "LOG" && m["log"]["level"] == "WARN"),
        "{next:?}"
    );
    assert!(records(&next, "calls") < records(&first, "calls"));
    assert_eq!(records(&next, "users"), records(&first, "users"));
    let discovered = lines_of(&work.join("discovered.jsonl"));
    assert!(discovered.iter().any(|m| m["type"] == "CATALOG"));
}
