//! OAuth refresh against the sandbox: the connector trades the single-use refresh token for an access
//! token, persists the rotated refresh token through a CONTROL (CONNECTOR_CONFIG) message before the
//! first record, and refreshes again when an access token expires mid-sync.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use gong_sandbox::{FaultConfig, FaultKind, SandboxConfig};
use serde_json::{json, Value};

const STREAMS: &[(&str, &str)] = &[
    ("users", "full_refresh"),
    ("workspaces", "full_refresh"),
    ("calls", "incremental"),
    ("calls_extensive", "incremental"),
    ("call_transcripts", "incremental"),
    ("settings_trackers", "full_refresh"),
];

fn oauth_config(base_url: &str, refresh_token: &str) -> Value {
    json!({
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": "sandbox-client-id",
            "client_secret": "sandbox-client-secret",
            "refresh_token": refresh_token
        },
        "base_url": base_url,
        "oauth_token_url": format!("{base_url}/oauth2/generate-customer-token"),
        "requests_per_second": 1000,
        "max_concurrent_requests": 4
    })
}

/// A catalog of STREAMS, discovered with access-key auth (discover makes no request).
fn catalog(dir: &Path, base_url: &str) -> std::path::PathBuf {
    let config = write_json(dir, "key-config.json", &config_for(base_url, "2020-01-01"));
    let discovered = discover(&config);
    write_json(
        dir,
        "catalog.json",
        &configured_catalog(&discovered, STREAMS),
    )
}

fn read(dir: &Path, name: &str, config: &Value, catalog: &Path) -> Run {
    let config = write_json(dir, name, config);
    run_read(&config, catalog, None)
}

fn controls(run: &Run) -> Vec<Value> {
    run.of_type("CONTROL")
        .map(|m| {
            assert_eq!(m["control"]["type"], "CONNECTOR_CONFIG");
            m["control"]["connectorConfig"]["config"].clone()
        })
        .collect()
}

fn position(run: &Run, kind: &str) -> usize {
    run.messages
        .iter()
        .position(|m| m["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} message"))
}

fn assert_complete(run: &Run) {
    assert_eq!(
        run.code,
        0,
        "read failed: {:?}\n{}",
        run.errors(),
        run.stderr
    );
    for (stream, _) in STREAMS {
        assert_eq!(
            run.statuses(stream).last().map(String::as_str),
            Some("COMPLETE"),
            "{stream}"
        );
        assert!(!run.records(stream).is_empty(), "{stream} has no records");
    }
}

/// Primary keys per stream.
fn keys(run: &Run) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (stream, records) in run.records_by_stream() {
        let field = match stream.as_str() {
            "call_transcripts" => "callId",
            "settings_trackers" => "trackerId",
            _ => "id",
        };
        for r in records {
            out.entry(stream.clone())
                .or_default()
                .insert(r[field].to_string());
        }
    }
    out
}

#[test]
fn refresh_persists_the_rotated_token_before_the_first_record_and_is_single_use() {
    let sb = start_sandbox(small_sandbox_config());
    let base = sb.base_url();
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path(), &base);
    let original = oauth_config(&base, "sandbox-refresh-token-0");

    // No access token: the connector refreshes first and persists the rotated refresh token.
    let first = read(dir.path(), "oauth-1.json", &original, &catalog);
    assert_complete(&first);
    let configs = controls(&first);
    assert_eq!(configs.len(), 1, "one refresh, one CONTROL message");
    assert!(position(&first, "CONTROL") < position(&first, "RECORD"));
    let rotated = &configs[0];
    let token = rotated["credentials"]["refresh_token"].as_str().unwrap();
    assert_ne!(token, "sandbox-refresh-token-0");
    assert_eq!(token, sb.current_refresh_token());
    assert!(rotated["credentials"]["access_token"].as_str().is_some());
    assert!(rotated["credentials"]["token_expiry_date"]
        .as_str()
        .is_some());
    assert_eq!(rotated["credentials"]["client_id"], "sandbox-client-id");
    // The tenant host from api_base_url_for_customer is the sandbox itself.
    assert_eq!(
        rotated["base_url"].as_str().unwrap().trim_end_matches('/'),
        base
    );
    // The rest of the config is kept as it was.
    assert_eq!(rotated["oauth_token_url"], original["oauth_token_url"]);
    assert_eq!(
        rotated["requests_per_second"],
        original["requests_per_second"]
    );

    // Key auth reads the same records.
    let by_key = read(
        dir.path(),
        "key.json",
        &config_for(&base, "2020-01-01"),
        &catalog,
    );
    assert_complete(&by_key);
    assert_eq!(keys(&first), keys(&by_key));

    // The spent refresh token is rejected (single use): a config error, nothing read.
    let reused = read(dir.path(), "oauth-reused.json", &original, &catalog);
    assert_eq!(reused.code, 1);
    assert_eq!(reused.of_type("RECORD").count(), 0);
    assert!(reused
        .errors()
        .iter()
        .any(|e| e["failure_type"] == "config_error"));
    assert!(controls(&reused).is_empty());

    // The config from the CONTROL message works as it is (its access token is still valid)...
    let second = read(dir.path(), "oauth-2.json", rotated, &catalog);
    assert_complete(&second);
    assert!(
        controls(&second).is_empty(),
        "a valid access token needs no refresh"
    );
    assert_eq!(keys(&second), keys(&by_key));

    // ...and once its access token expires, its refresh token gets a new one, persisted again.
    sb.expire_tokens();
    let third = read(dir.path(), "oauth-3.json", rotated, &catalog);
    assert_complete(&third);
    let configs = controls(&third);
    assert_eq!(configs.len(), 1);
    assert!(position(&third, "CONTROL") < position(&third, "RECORD"));
    let token3 = configs[0]["credentials"]["refresh_token"].as_str().unwrap();
    assert_ne!(token3, token);
    assert_eq!(token3, sb.current_refresh_token());
    assert_eq!(keys(&third), keys(&by_key));
}

#[test]
fn an_access_token_expiring_mid_sync_is_refreshed_and_the_sync_completes() {
    let sb = start_sandbox(SandboxConfig {
        access_token_ttl_secs: 1,
        // One request at a time, each 200-250 ms: the ~20 requests of this catalog (fewer as the
        // planner gets cheaper: 40-60 ms once made the read shorter than one token's life) take
        // several seconds, so several tokens expire mid-sync.
        latency_ms: (200, 250),
        ..small_sandbox_config()
    });
    let base = sb.base_url();
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path(), &base);

    let mut config = oauth_config(&base, "sandbox-refresh-token-0");
    config["max_concurrent_requests"] = json!(1);
    let started = std::time::Instant::now();
    let oauth = read(dir.path(), "oauth.json", &config, &catalog);
    let took = started.elapsed();
    assert_complete(&oauth);
    let configs = controls(&oauth);
    let requests = sb.stats().api_requests;
    assert!(
        configs.len() >= 2,
        "expected refreshes after the 1 s tokens expired, got {} CONTROL messages \
         ({requests} API requests in {took:?})",
        configs.len()
    );
    assert!(position(&oauth, "CONTROL") < position(&oauth, "RECORD"));
    // Each CONTROL carries a new refresh token; the last is the sandbox's current one.
    let tokens: BTreeSet<&str> = configs
        .iter()
        .map(|c| c["credentials"]["refresh_token"].as_str().unwrap())
        .collect();
    assert_eq!(tokens.len(), configs.len());
    assert_eq!(
        configs.last().unwrap()["credentials"]["refresh_token"],
        sb.current_refresh_token()
    );
    assert!(oauth.errors().is_empty(), "{:?}", oauth.errors());

    let by_key = read(
        dir.path(),
        "key.json",
        &config_for(&base, "2020-01-01"),
        &catalog,
    );
    assert_complete(&by_key);
    assert_eq!(keys(&oauth), keys(&by_key));
}

/// Issue 14, class 7: a token answer whose `expires_in` fits an i64 but not a time span (9.2e18 s) must
/// not panic after the single-use refresh token was spent: the rotated token is persisted exactly once,
/// before the first record, with a bounded expiry, and the sync completes.
#[test]
fn an_absurd_token_lifetime_is_bounded_and_the_rotated_token_persisted_once() {
    let sb = start_sandbox(SandboxConfig {
        faults: FaultConfig {
            kinds: vec![FaultKind::OAuthAbsurdExpiry],
            ..FaultConfig::none()
        },
        ..small_sandbox_config()
    });
    let base = sb.base_url();
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path(), &base);
    let run = read(
        dir.path(),
        "oauth.json",
        &oauth_config(&base, "sandbox-refresh-token-0"),
        &catalog,
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_complete(&run);
    let configs = controls(&run);
    assert_eq!(configs.len(), 1, "one refresh, one CONTROL message");
    assert!(position(&run, "CONTROL") < position(&run, "RECORD"));
    let creds = &configs[0]["credentials"];
    assert_eq!(creds["refresh_token"], json!(sb.current_refresh_token()));
    let expiry = creds["token_expiry_date"].as_str().unwrap();
    let expiry = chrono::DateTime::parse_from_rfc3339(expiry).unwrap();
    assert!(
        expiry < chrono::Utc::now() + chrono::Duration::days(367),
        "expiry {expiry} is not bounded"
    );
}
