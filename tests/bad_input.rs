//! Bad configs, catalogs and states, table-driven. Each case must get its own specific message (a
//! distinctive substring), failure type `config_error`, and the right exit: `check` reports FAILED in its
//! CONNECTION_STATUS and exits 0; `discover` and `read` emit an error TRACE and exit 1. Never a panic or a
//! stack trace, and every stdout line is a valid Airbyte message (the harness checks that).
//!
//! No case needs a server: validation happens before any request, so `base_url` points at a closed port.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::{json, Value};

const BASE: &str = "http://127.0.0.1:9";

fn good_config() -> Value {
    json!({
        "credentials": {"auth_type": "access_key", "access_key": "ak", "access_key_secret": "sk"},
        "base_url": BASE,
        "start_date": "2024-01-01T00:00:00Z"
    })
}

fn with(mut v: Value, path: &[&str], value: Value) -> Value {
    let mut cur = &mut v;
    for p in &path[..path.len() - 1] {
        cur = &mut cur[*p];
    }
    cur[path[path.len() - 1]] = value;
    v
}

fn without(mut v: Value, path: &[&str]) -> Value {
    let mut cur = &mut v;
    for p in &path[..path.len() - 1] {
        cur = &mut cur[*p];
    }
    cur.as_object_mut().unwrap().remove(path[path.len() - 1]);
    v
}

fn catalog_entry(name: &str, mode: &str) -> Value {
    json!({
        "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
        "sync_mode": mode,
        "destination_sync_mode": "append",
        "cursor_field": null,
        "primary_key": null
    })
}

fn good_catalog() -> Value {
    json!({"streams": [catalog_entry("calls", "incremental")]})
}

/// What a file holds: JSON, raw text, or nothing (the path does not exist).
#[derive(Clone)]
enum File {
    Json(Value),
    Text(&'static str),
    Missing,
}

struct Case {
    name: &'static str,
    config: File,
    catalog: File,
    state: Option<File>,
    /// A substring only this case's message has.
    expect: &'static str,
    /// Config problems are also checked through `check` and `discover`.
    config_case: bool,
}

fn config_case(name: &'static str, config: File, expect: &'static str) -> Case {
    Case {
        name,
        config,
        catalog: File::Json(good_catalog()),
        state: None,
        expect,
        config_case: true,
    }
}

fn catalog_case(name: &'static str, catalog: File, expect: &'static str) -> Case {
    Case {
        name,
        config: File::Json(good_config()),
        catalog,
        state: None,
        expect,
        config_case: false,
    }
}

fn state_case(name: &'static str, state: File, expect: &'static str) -> Case {
    Case {
        name,
        config: File::Json(good_config()),
        catalog: File::Json(good_catalog()),
        state: Some(state),
        expect,
        config_case: false,
    }
}

fn j(v: Value) -> File {
    File::Json(v)
}

fn cases() -> Vec<Case> {
    let g = good_config;
    let state_of = |stream_state: Value| {
        j(
            json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "calls"}, "stream_state": stream_state}}]),
        )
    };
    vec![
        // ---- configs
        config_case(
            "no credentials",
            j(without(g(), &["credentials"])),
            "has no `credentials`",
        ),
        config_case(
            "empty access key",
            j(with(g(), &["credentials", "access_key"], json!(""))),
            "credentials.access_key is empty",
        ),
        config_case(
            "blank secret",
            j(with(
                g(),
                &["credentials", "access_key_secret"],
                json!("  "),
            )),
            "credentials.access_key_secret is empty",
        ),
        config_case(
            "secret missing",
            j(without(g(), &["credentials", "access_key_secret"])),
            "missing field `access_key_secret`",
        ),
        config_case(
            "credentials not an object",
            j(with(g(), &["credentials"], json!("ak:sk"))),
            "Invalid config field `credentials`",
        ),
        config_case(
            "unknown auth_type",
            j(with(g(), &["credentials", "auth_type"], json!("basic"))),
            "unknown variant `basic`",
        ),
        config_case(
            "access key of the wrong type",
            j(with(g(), &["credentials", "access_key"], json!(12345))),
            "`credentials`: invalid type: integer `12345`, expected a string",
        ),
        config_case(
            "key and secret pasted together",
            j(with(g(), &["credentials", "access_key"], json!("ak:sk"))),
            "contains ':'",
        ),
        config_case(
            "oauth with one of three",
            j(with(
                g(),
                &["credentials"],
                json!({"auth_type": "oauth2.0", "client_id": "id"}),
            )),
            "needs all three of client_id",
        ),
        config_case(
            "oauth with nothing",
            j(with(
                g(),
                &["credentials"],
                json!({"auth_type": "oauth2.0"}),
            )),
            "need an access_token, or client_id",
        ),
        config_case(
            "oauth empty refresh token",
            j(with(
                g(),
                &["credentials"],
                json!({"auth_type": "oauth2.0", "client_id": "i", "client_secret": "s", "refresh_token": ""}),
            )),
            "credentials.refresh_token is empty",
        ),
        config_case(
            "legacy key without secret",
            j(json!({"access_key": "ak", "base_url": BASE})),
            "access_key_secret is missing",
        ),
        config_case(
            "start_date words",
            j(with(g(), &["start_date"], json!("yesterday"))),
            "start_date `yesterday` is not a date",
        ),
        config_case(
            "start_date impossible day",
            j(with(g(), &["start_date"], json!("2024-13-45"))),
            "start_date `2024-13-45`",
        ),
        config_case(
            "start_date a number",
            j(with(g(), &["start_date"], json!(20240101))),
            "`start_date`: invalid type: integer",
        ),
        config_case(
            "end_date malformed",
            j(with(g(), &["end_date"], json!("2024/02/01"))),
            "end_date `2024/02/01` is not a date",
        ),
        config_case(
            "start after end",
            j(with(g(), &["end_date"], json!("2023-06-01"))),
            "is not after start_date",
        ),
        config_case(
            "start in the future",
            j(with(g(), &["start_date"], json!("2999-01-01"))),
            "is in the future",
        ),
        config_case(
            "lookback a string",
            j(with(g(), &["lookback_days"], json!("three"))),
            "`lookback_days`: invalid type: string",
        ),
        config_case(
            "lookback too long",
            j(with(g(), &["lookback_days"], json!(99))),
            "lookback_days must be between 0 and 60; it is 99.",
        ),
        config_case(
            "window of zero days",
            j(with(g(), &["window_days"], json!(0))),
            "window_days must be between 1 and 366",
        ),
        config_case(
            "requests_per_second zero",
            j(with(g(), &["requests_per_second"], json!(0))),
            "requests_per_second must be between 0.01 and 100000 (Gong allows 3); it is 0.",
        ),
        config_case(
            "requests_per_day zero",
            j(with(g(), &["requests_per_day"], json!(0))),
            "requests_per_day must be between 1 and",
        ),
        config_case(
            "negative rate-limit wait",
            j(with(g(), &["max_rate_limit_wait_seconds"], json!(-5))),
            "`max_rate_limit_wait_seconds`: invalid value: integer `-5`",
        ),
        config_case(
            "no concurrency",
            j(with(g(), &["max_concurrent_requests"], json!(0))),
            "max_concurrent_requests must be between 1 and 32",
        ),
        config_case(
            "timeout zero",
            j(with(g(), &["request_timeout_seconds"], json!(0))),
            "request_timeout_seconds must be between 1 and 600",
        ),
        config_case(
            "plain http to a public host",
            j(with(g(), &["base_url"], json!("http://api.gong.io"))),
            "base_url must use https",
        ),
        config_case(
            "ftp base_url",
            j(with(g(), &["base_url"], json!("ftp://api.gong.io"))),
            "base_url has scheme `ftp`",
        ),
        config_case(
            "base_url not a URL",
            j(with(g(), &["base_url"], json!("api dot gong dot io"))),
            "base_url `api dot gong dot io` is not a URL",
        ),
        config_case(
            "base_url with user info",
            j(with(g(), &["base_url"], json!("https://u:p@api.gong.io"))),
            "base_url must not contain credentials",
        ),
        config_case(
            "base_url with a query",
            j(with(g(), &["base_url"], json!("https://api.gong.io/?x=1"))),
            "base_url must not have a query",
        ),
        config_case(
            "http token url to a public host",
            j(with(
                g(),
                &["oauth_token_url"],
                json!("http://app.gong.io/oauth2/generate-customer-token"),
            )),
            "oauth_token_url must use https",
        ),
        config_case(
            "requests_per_second far below the minimum",
            j(with(g(), &["requests_per_second"], json!(1e-20))),
            "it is 0.00000000000000000001.",
        ),
        config_case(
            "requests_per_second just below the minimum",
            j(with(g(), &["requests_per_second"], json!(0.005))),
            "it is 0.005.",
        ),
        config_case(
            "rate-limit wait beyond a day",
            j(with(g(), &["max_rate_limit_wait_seconds"], json!(u64::MAX))),
            "max_rate_limit_wait_seconds must be between 0 and 86400",
        ),
        config_case(
            "start_date before Gong held data",
            j(with(g(), &["start_date"], json!("0202-01-01"))),
            "Gong holds no data before 2015",
        ),
        config_case(
            "start_date with a UTC offset",
            j(with(g(), &["start_date"], json!("2024-01-01T00:00:00+02:00"))),
            "start_date `2024-01-01T00:00:00+02:00` is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ in UTC",
        ),
        config_case(
            "workspace id not digits",
            j(with(g(), &["workspace_id"], json!("sales-team"))),
            "workspace_id `sales-team` is not a Gong workspace id",
        ),
        config_case(
            "extensive context unknown",
            j(with(
                g(),
                &["calls_extensive_content"],
                json!({"context": "Full"}),
            )),
            "`calls_extensive_content.context`: unknown variant `Full`, expected one of `None`, `Basic`, `Extended`",
        ),
        config_case(
            "config is an array",
            j(json!([good_config()])),
            "The config must be a JSON object",
        ),
        config_case(
            "config not JSON",
            File::Text("credentials: {access_key: ak}"),
            "The config file is not valid JSON",
        ),
        config_case(
            "config empty file",
            File::Text(""),
            "The config file is not valid JSON (EOF",
        ),
        config_case(
            "config missing",
            File::Missing,
            "Could not read the config file",
        ),
        // ---- catalogs
        catalog_case(
            "catalog not JSON",
            File::Text("streams:\n - calls"),
            "The catalog file is not valid JSON",
        ),
        catalog_case(
            "catalog empty object",
            j(json!({})),
            "The catalog has no `streams` array",
        ),
        catalog_case(
            "catalog streams not an array",
            j(json!({"streams": {"calls": {}}})),
            "has no `streams` array; pass a configured catalog",
        ),
        catalog_case(
            "catalog missing",
            File::Missing,
            "Could not read the catalog file",
        ),
        catalog_case(
            "unknown stream",
            j(json!({"streams": [catalog_entry("meetings", "full_refresh")]})),
            "selects stream `meetings`, which this connector does not have",
        ),
        catalog_case(
            "invalid sync mode",
            j(json!({"streams": [catalog_entry("calls", "sometimes")]})),
            "has sync_mode `sometimes`",
        ),
        catalog_case(
            "stream without a name",
            j(json!({"streams": [{"stream": {"json_schema": {}}, "sync_mode": "full_refresh"}]})),
            "Catalog stream 0 has no stream.name",
        ),
        catalog_case(
            "stream listed twice",
            j(
                json!({"streams": [catalog_entry("calls", "full_refresh"), catalog_entry("calls", "incremental")]}),
            ),
            "lists stream `calls` twice",
        ),
        catalog_case(
            "foreign cursor field",
            j(
                json!({"streams": [with(catalog_entry("calls", "incremental"), &["cursor_field"], json!(["updated"]))]}),
            ),
            "has a source-defined cursor `started`",
        ),
        // ---- states
        state_case(
            "state not JSON",
            File::Text("{calls: 2024}"),
            "The state file is not valid JSON",
        ),
        state_case(
            "state a string",
            j(json!("2024-01-01")),
            "must be a JSON array of state messages or an object, not a string",
        ),
        state_case(
            "state entry a number",
            j(json!([1])),
            "State entry 0 is a number",
        ),
        state_case(
            "state of an unknown type",
            j(json!([{"type": "BOGUS", "bogus": {}}])),
            "has type `BOGUS`",
        ),
        state_case(
            "stream state without a name",
            j(json!([{"type": "STREAM", "stream": {"stream_descriptor": {}, "stream_state": {}}}])),
            "has no stream.stream_descriptor.name",
        ),
        state_case(
            "cursor not a date",
            state_of(json!({"state_version": 1, "cursor": "soon"})),
            "has cursor `soon`, which is not a date or date-time",
        ),
        state_case(
            "cursor a number",
            state_of(json!({"state_version": 1, "cursor": 1700000000})),
            "has cursor 1700000000, which is not a date string",
        ),
        state_case(
            "stream state an array",
            state_of(json!(["2024-01-01"])),
            "State of stream `calls` is an array, not an object",
        ),
        state_case(
            "state from a future version",
            state_of(json!({"state_version": 99, "cursor": "2024-01-01"})),
            "has state_version 99",
        ),
        state_case(
            "state missing",
            File::Missing,
            "Could not read the state file",
        ),
    ]
}

fn write(dir: &Path, name: &str, file: &File) -> String {
    let path = dir.join(name);
    match file {
        File::Json(v) => std::fs::write(&path, serde_json::to_string(v).unwrap()).unwrap(),
        File::Text(t) => std::fs::write(&path, t).unwrap(),
        File::Missing => {}
    }
    path.to_str().unwrap().to_string()
}

fn assert_sane(case: &str, command: &str, run: &Run) {
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("stack backtrace"),
        "{case} / {command}: stderr {}",
        run.stderr
    );
    assert!(
        !run.stdout.contains("panicked") && !run.stdout.contains("RUST_BACKTRACE"),
        "{case} / {command}: stdout {}",
        run.stdout
    );
}

/// `discover` or `read`: exit 1, an error TRACE with config_error carrying the message, no records.
fn assert_trace(case: &Case, command: &str, run: &Run) {
    assert_sane(case.name, command, run);
    assert_eq!(run.code, 1, "{} / {command}: exit {}", case.name, run.code);
    let errors = run.errors();
    assert!(
        !errors.is_empty(),
        "{} / {command}: no error TRACE",
        case.name
    );
    for e in &errors {
        assert_eq!(
            e["failure_type"], "config_error",
            "{} / {command}: {e:#}",
            case.name
        );
    }
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains(case.expect)),
        "{} / {command}: no message contains `{}`: {errors:#?}",
        case.name,
        case.expect
    );
    assert_eq!(run.of_type("RECORD").count(), 0, "{}", case.name);
}

#[test]
fn every_bad_input_gets_its_own_config_error() {
    let cases = cases();
    assert!(cases.len() >= 25);
    let distinct: BTreeSet<&str> = cases.iter().map(|c| c.expect).collect();
    assert_eq!(distinct.len(), cases.len(), "expected messages must differ");
    let mut runs = 0;
    let mut failed = Vec::new();
    for case in &cases {
        match std::panic::catch_unwind(|| run_case(case)) {
            Ok(n) => runs += n,
            Err(_) => failed.push(case.name),
        }
    }
    eprintln!("BAD INPUT: {} cases, {runs} command runs", cases.len());
    assert!(failed.is_empty(), "failed cases: {failed:?}");
}

/// Runs one case through `read` (and `discover` and `check` for configs); returns the runs made.
fn run_case(case: &Case) -> usize {
    let mut runs = 0;
    {
        let dir = tempfile::tempdir().unwrap();
        let config = write(dir.path(), "config.json", &case.config);
        let catalog = write(dir.path(), "catalog.json", &case.catalog);
        let mut args = vec!["read", "--config", &config, "--catalog", &catalog];
        let state;
        if let Some(s) = &case.state {
            state = write(dir.path(), "state.json", s);
            args.extend(["--state", &state]);
        }
        let read = run(&args);
        assert_trace(case, "read", &read);
        runs += 1;
        if case.config_case {
            let discover = run(&["discover", "--config", &config]);
            assert_trace(case, "discover", &discover);
            let check = run(&["check", "--config", &config]);
            assert_sane(case.name, "check", &check);
            assert_eq!(check.code, 0, "{}: check exit {}", case.name, check.code);
            let status: Vec<&Value> = check.of_type("CONNECTION_STATUS").collect();
            assert_eq!(status.len(), 1, "{}: {}", case.name, check.stdout);
            assert_eq!(status[0]["connectionStatus"]["status"], "FAILED");
            let message = status[0]["connectionStatus"]["message"].as_str().unwrap();
            assert!(
                message.contains(case.expect),
                "{}: check says `{message}`, expected `{}`",
                case.name,
                case.expect
            );
            runs += 2;
        }
    }
    runs
}

#[test]
fn the_good_baseline_is_not_rejected() {
    // The cases are mutations of these files; they must pass validation on their own.
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "config.json", &File::Json(good_config()));
    let discover = run(&["discover", "--config", &config]);
    assert_eq!(discover.code, 0, "{}", discover.stdout);
    source_gong::config::Config::from_value(good_config(), chrono::Utc::now()).unwrap();
    let selected = source_gong::state::parse_catalog(&good_catalog().to_string()).unwrap();
    assert_eq!(selected.len(), 1);
    let state = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "calls"}, "stream_state": {"state_version": 1, "cursor": "2024-06-01T00:00:00Z"}}}]);
    let states = source_gong::state::parse_state(&state.to_string()).unwrap();
    assert!(
        source_gong::state::checkpoint_for("calls", states.get("calls"))
            .unwrap()
            .is_some()
    );
}

/// Unknown fields are accepted (the spec allows additional properties, as Airbyte requires, so a config
/// written for another version stays valid), and each is named in a WARN log: it is most likely a typo.
/// This changed on purpose: such configs were rejected before.
#[test]
fn unknown_fields_are_accepted_and_each_is_logged_as_a_warning() {
    let config = with(
        with(good_config(), &["strat_date"], json!("2024-01-01")),
        &["credentials", "pasword"],
        json!("x"),
    );
    // The server is a closed port: retry quickly.
    let config = with(config, &["retry_backoff_base_ms"], json!(1));
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "config.json", &File::Json(config));
    let catalog = write(dir.path(), "catalog.json", &File::Json(good_catalog()));
    for args in [
        vec!["discover", "--config", &config],
        vec!["check", "--config", &config],
        vec!["read", "--config", &config, "--catalog", &catalog],
    ] {
        let run = run(&args);
        assert_sane("unknown fields", args[0], &run);
        let warnings: Vec<&str> = run
            .of_type("LOG")
            .filter(|m| m["log"]["level"] == "WARN")
            .filter_map(|m| m["log"]["message"].as_str())
            .filter(|m| m.contains("is not one this connector reads"))
            .collect();
        assert_eq!(warnings.len(), 2, "{}: {}", args[0], run.stdout);
        assert!(warnings.iter().any(|w| w.contains("`strat_date`")));
        assert!(warnings.iter().any(|w| w.contains("`credentials.pasword`")));
        let config_errors = run
            .errors()
            .into_iter()
            .filter(|e| e["failure_type"] == "config_error")
            .count();
        assert_eq!(config_errors, 0, "{}: {}", args[0], run.stdout);
    }
    let discover = run(&["discover", "--config", &config]);
    assert_eq!(discover.code, 0, "{}", discover.stdout);
    assert_eq!(discover.of_type("CATALOG").count(), 1);
}
