//! The failure bound of a sync (issue 23): an endpoint that keeps failing stops being asked, for the rest
//! of the sync and for every stream that uses it, after a bounded number of requests, and the sync ends
//! with its error soon after. The case of the issue: the calls listing (`GET /v2/calls`), which `calls`
//! reads and `call_transcripts` and `call_users_access` take their call ids from, answers three pages and
//! then 500 on every request. Without the bound, the two takers listed and retried each failed window
//! themselves, window after window (a year of 7-day windows: an hour at the default backoff).

mod common;

use std::time::Instant;

use chrono::{Duration, Utc};
use common::*;
use gong_sandbox::{FaultConfig, FaultKind, SandboxConfig};
use serde_json::json;

const STREAMS: &[&str] = &["calls", "call_transcripts", "call_users_access"];

/// The first backoff of the test's config: the error budget of one request is 128 of them (2.56 s).
const BACKOFF_MS: u64 = 20;

/// Attempts of one request within its error budget: backoffs double from `BACKOFF_MS` with jitter (half
/// to all of each) until 128 × `BACKOFF_MS` are spent, which takes at most 9 waits, so 10 attempts.
const MAX_ATTEMPTS: u64 = 10;

#[test]
fn an_endpoint_that_keeps_failing_is_not_asked_again_by_any_stream() {
    let sandbox = start_sandbox(SandboxConfig {
        users: 20,
        calls: 400,
        days: 365,
        workspaces: 1,
        ..SandboxConfig::default()
    });
    let start = Utc::now().date_naive() - Duration::days(366);
    let mut config = config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z"));
    config["window_days"] = json!(7);
    config["retry_backoff_base_ms"] = json!(BACKOFF_MS);
    let lanes = config["max_concurrent_requests"].as_u64().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_json(dir.path(), "config.json", &config);
    let modes: Vec<(&str, &str)> = STREAMS.iter().map(|s| (*s, "full_refresh")).collect();
    let catalog = configured_catalog(&discover(&cfg), &modes);
    let catalog = write_json(dir.path(), "catalog.json", &catalog);

    sandbox.reset_stats();
    sandbox.set_faults(FaultConfig {
        rate: 1.0,
        kinds: vec![FaultKind::Status500],
        paths: vec!["/v2/calls".into()],
        pass_first_n: 3,
        ..FaultConfig::none()
    });
    let started = Instant::now();
    let run = run_read(&cfg, &catalog, None);
    let elapsed = started.elapsed();
    let stats = sandbox.stats();
    let listing = stats.by_path.get("GET /v2/calls").copied().unwrap_or(0);
    println!(
        "FAILURE BOUND: GET /v2/calls {listing} requests ({} faults), {} API requests in all, {:.1} s",
        stats.faults_injected,
        stats.api_requests,
        elapsed.as_secs_f64()
    );

    // Every stream that needs the listing ends with its error, clearly, without a panic.
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for stream in STREAMS {
        assert_eq!(
            run.statuses(stream).last().map(String::as_str),
            Some("INCOMPLETE"),
            "{stream}: {:?}",
            run.statuses(stream)
        );
    }
    let errors: Vec<String> = run
        .errors()
        .iter()
        .map(|e| e["message"].as_str().unwrap_or("").to_string())
        .collect();
    println!("errors: {errors:#?}\nexit code {}", run.code);
    assert!(
        errors.iter().any(|m| m.contains("HTTP 500")),
        "the listing's error is reported: {errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|m| m.contains("kept failing earlier in this sync")),
        "the streams after the first say why they did not ask: {errors:#?}"
    );
    // The bound: the three answered pages, then the retries of the requests in flight when the first
    // one gave up (at most one per lane), each within its error budget; nothing after.
    let bound = 3 + lanes * MAX_ATTEMPTS;
    assert!(
        listing <= bound,
        "GET /v2/calls was asked {listing} times, more than {bound}"
    );
    // And in time: about one request's error budget (2.56 s), not one per window and taker.
    assert!(
        elapsed < std::time::Duration::from_secs(30),
        "the sync took {elapsed:?}"
    );
}
