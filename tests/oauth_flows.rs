//! check → discover → read → read with OAuth, as the Airbyte platform runs it and as a CLI user does.
//!
//! The platform keeps a source's config and writes it to a fresh file for every job. It applies a
//! CONTROL (CONNECTOR_CONFIG) message of a read always, and of a check or discover only when the source
//! exists: the check that runs while a source is being created has no source to update, so its config
//! stays as entered. A CLI user runs every command on one file, which the connector rewrites.
//! Between the reads every access token expires, so the second read must refresh with the refresh
//! token the first one (or the check) left.

mod common;

use std::path::{Path, PathBuf};

use common::oauth::*;
use common::*;
use serde_json::{json, Value};

const STREAMS: &[(&str, &str)] = &[("users", "full_refresh"), ("calls", "incremental")];

/// A source on the platform: the stored config, and whether the source exists yet.
struct PlatformSource {
    stored: Value,
    exists: bool,
    dir: PathBuf,
    jobs: usize,
}

impl PlatformSource {
    /// Runs `command` on a fresh copy of the stored config, then applies its last CONTROL message
    /// as the platform does.
    fn run(&mut self, command: &str, extra: &[&str]) -> Run {
        self.jobs += 1;
        let job = self.dir.join(format!("job-{}", self.jobs));
        std::fs::create_dir_all(&job).unwrap();
        let config = write_json(&job, "config.json", &self.stored);
        let mut args = vec![command, "--config", config.to_str().unwrap()];
        args.extend_from_slice(extra);
        let run = run(&args);
        let applies = command == "read" || self.exists;
        if let (true, Some(config)) = (applies, controls(&run).pop()) {
            self.stored = config;
        }
        run
    }
}

fn catalog(dir: &Path, base: &str) -> PathBuf {
    let key = write_json(dir, "key.json", &config_for(base, "2020-01-01"));
    write_json(
        dir,
        "catalog.json",
        &configured_catalog(&discover(&key), STREAMS),
    )
}

/// The state file of a read: the last STATE message's `state` per stream, as an array.
fn state_file(dir: &Path, name: &str, run: &Run) -> PathBuf {
    let mut last = std::collections::BTreeMap::new();
    for m in run.of_type("STATE") {
        let stream = m["state"]["stream"]["stream_descriptor"]["name"].to_string();
        last.insert(stream, m["state"].clone());
    }
    write_json(dir, name, &json!(last.into_values().collect::<Vec<_>>()))
}

fn assert_succeeded(run: &Run, what: &str) {
    assert_eq!(run.code, 0, "{what}: {:?}\n{}", run.errors(), run.stderr);
    if let Some(m) = run.of_type("CONNECTION_STATUS").next() {
        assert_eq!(m["connectionStatus"]["status"], "SUCCEEDED", "{what}: {m}");
    }
}

/// check → discover → read → (tokens expire) → read → read, on the platform.
fn platform_sequence(sb: &gong_sandbox::BlockingSandbox, source: &mut PlatformSource) {
    let catalog = catalog(&source.dir.clone(), &sb.base_url());
    let catalog = catalog.to_str().unwrap();
    let check = source.run("check", &[]);
    assert_succeeded(&check, "check");
    source.exists = true;
    assert_succeeded(&source.run("discover", &[]), "discover");
    let first = source.run("read", &["--catalog", catalog]);
    assert_succeeded(&first, "first read");
    assert!(!first.records("calls").is_empty());
    let state = state_file(&source.dir, "state.json", &first);
    for round in ["second read", "third read"] {
        sb.expire_tokens();
        let next = source.run(
            "read",
            &["--catalog", catalog, "--state", state.to_str().unwrap()],
        );
        assert_succeeded(&next, round);
        assert_eq!(controls(&next).len(), 1, "{round} refreshed once");
        assert_eq!(next.records("users").len(), first.records("users").len());
    }
    assert_eq!(refresh_token_of(&source.stored), sb.current_refresh_token());
}

#[test]
fn on_the_platform_from_source_creation_with_the_oauth_flow_config() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let entered = oauth_flow_config(&sb);
    let mut source = PlatformSource {
        stored: entered.clone(),
        exists: false,
        dir: dir.path().to_path_buf(),
        jobs: 0,
    };
    let before = token_requests(&sb);
    platform_sequence(&sb, &mut source);
    // Only the two reads after the tokens expired refreshed; the creation check spent nothing.
    assert_eq!(token_requests(&sb) - before, 2);
}

#[test]
fn on_the_platform_for_an_existing_source_with_a_refresh_token_only() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let mut source = PlatformSource {
        stored: refresh_only_config(&sb.base_url(), "sandbox-refresh-token-0"),
        exists: true,
        dir: dir.path().to_path_buf(),
        jobs: 0,
    };
    platform_sequence(&sb, &mut source);
}

/// What the check's LOG warns about: a source created with a refresh token alone has it spent by the
/// creation check, whose CONTROL message the platform cannot apply.
#[test]
fn on_the_platform_a_creation_check_with_a_refresh_token_only_warns_that_it_spent_it() {
    let sb = start_sandbox(small_sandbox_config());
    let dir = tempfile::tempdir().unwrap();
    let mut source = PlatformSource {
        stored: refresh_only_config(&sb.base_url(), "sandbox-refresh-token-0"),
        exists: false,
        dir: dir.path().to_path_buf(),
        jobs: 0,
    };
    let check = source.run("check", &[]);
    assert_succeeded(&check, "check");
    let notes = logs_with(&check, "WARN", "check refreshed the OAuth access token");
    assert_eq!(notes.len(), 1, "{:?}", check.messages);
    assert!(notes[0].contains("enter the access token and its token_expiry_date"));
    source.exists = true;
    let catalog = catalog(dir.path(), &sb.base_url());
    let read = source.run("read", &["--catalog", catalog.to_str().unwrap()]);
    assert_eq!(read.code, 1, "the entered refresh token is spent");
    assert!(read
        .errors()
        .iter()
        .any(|e| e["failure_type"] == "config_error"
            && e["message"].as_str().unwrap().contains("re-authenticate")));
}

/// check → discover → read → (tokens expire) → read, every command on the same file.
fn cli_sequence(sb: &gong_sandbox::BlockingSandbox, config: &Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_json(dir.path(), "config.json", config);
    let p = path.to_str().unwrap();
    let catalog = catalog(dir.path(), &sb.base_url());
    let c = catalog.to_str().unwrap();
    assert_succeeded(&run(&["check", "--config", p]), "check");
    assert_succeeded(&run(&["discover", "--config", p]), "discover");
    let first = run(&["read", "--config", p, "--catalog", c]);
    assert_succeeded(&first, "first read");
    let state = state_file(dir.path(), "state.json", &first);
    sb.expire_tokens();
    let second = run(&[
        "read",
        "--config",
        p,
        "--catalog",
        c,
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_succeeded(&second, "second read");
    assert_eq!(controls(&second).len(), 1);
    assert_eq!(
        refresh_token_of(&read_json(&path)),
        sb.current_refresh_token()
    );
}

#[test]
fn from_the_command_line_with_either_config_on_one_file() {
    let sb = start_sandbox(small_sandbox_config());
    cli_sequence(
        &sb,
        &refresh_only_config(&sb.base_url(), "sandbox-refresh-token-0"),
    );
    let flow = oauth_flow_config(&sb);
    cli_sequence(&sb, &flow);
}
