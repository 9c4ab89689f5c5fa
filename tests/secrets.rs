//! No secret in any output. The sandbox is given distinctive credentials; every command (spec, check good
//! and bad, discover, read clean, read under every fault kind, read with rejected credentials, OAuth reads
//! with a rotated and with an unreachable token endpoint, execute) runs with them, and all of stdout and
//! stderr is searched for each secret. The one sanctioned place is the CONTROL message that hands the
//! platform the rotated OAuth config (it must carry the config whole); the spent refresh token may not
//! appear even there. Also `Debug` of `Config`, `Auth` and `GongClient`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use gong_sandbox::{FaultConfig, FaultKind, SandboxConfig};
use serde_json::{json, Value};
use source_gong::client::GongClient;
use source_gong::config::Config;

const ACCESS_KEY: &str = "AKEY-7f3a9c1e-distinctive";
const ACCESS_SECRET: &str = "ASECRET-9b2c44d0-distinctive";
const BEARER: &str = "BEARER-41d8e2f7-distinctive";
const CLIENT_ID: &str = "CLIENTID-2a9d-distinctive";
const CLIENT_SECRET: &str = "CLIENTSECRET-5e6f0b3a-distinctive";
const REFRESH: &str = "REFRESH-0a1b7c2d-distinctive";
const WRONG_SECRET: &str = "WRONGSECRET-33e1aa09-distinctive";

/// The HTTP Basic credential: base64 of `ACCESS_KEY:ACCESS_SECRET` (computed once, with python3's base64).
const BASIC_B64: &str = "QUtFWS03ZjNhOWMxZS1kaXN0aW5jdGl2ZTpBU0VDUkVULTliMmM0NGQwLWRpc3RpbmN0aXZl";

/// Secrets that may appear nowhere at all.
const NEVER: &[&str] = &[
    ACCESS_KEY,
    ACCESS_SECRET,
    BEARER,
    REFRESH,
    WRONG_SECRET,
    BASIC_B64,
];

fn sandbox_config() -> SandboxConfig {
    SandboxConfig {
        users: 30,
        calls: 60,
        days: 10,
        access_key: ACCESS_KEY.into(),
        access_key_secret: ACCESS_SECRET.into(),
        bearer_tokens: vec![BEARER.into()],
        oauth_client_id: CLIENT_ID.into(),
        oauth_client_secret: CLIENT_SECRET.into(),
        oauth_refresh_token: REFRESH.into(),
        ..SandboxConfig::default()
    }
}

fn basic() -> Value {
    json!({"auth_type": "access_key", "access_key": ACCESS_KEY, "access_key_secret": ACCESS_SECRET})
}

fn config(base_url: &str, credentials: Value) -> Value {
    let start = chrono::Utc::now().date_naive() - chrono::Duration::days(11);
    let mut c = config_for(base_url, &format!("{start}"));
    c["credentials"] = credentials;
    c["request_timeout_seconds"] = json!(3);
    c["retry_backoff_base_ms"] = json!(20);
    c
}

struct Output {
    what: String,
    code: i32,
    stdout: String,
    stderr: String,
}

fn exec(what: &str, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("binary runs");
    Output {
        what: what.to_string(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// stdout without the configs of CONTROL messages (the platform's channel for the rotated config).
fn outside_control(stdout: &str) -> String {
    stdout
        .lines()
        .map(|line| match serde_json::from_str::<Value>(line) {
            Ok(v) if v["type"] == "CONTROL" => "{CONTROL}".to_string(),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts no secret is in the output; returns how many bytes were searched.
fn assert_no_secrets(o: &Output) -> usize {
    let everywhere = format!("{}\n{}", o.stdout, o.stderr);
    for s in NEVER {
        assert!(
            !everywhere.contains(s),
            "{}: `{s}` appears in the output:\n{}",
            o.what,
            excerpt(&everywhere, s)
        );
    }
    let visible = format!("{}\n{}", outside_control(&o.stdout), o.stderr);
    for s in [CLIENT_SECRET, CLIENT_ID] {
        assert!(
            !visible.contains(s),
            "{}: `{s}` appears outside a CONTROL message:\n{}",
            o.what,
            excerpt(&visible, s)
        );
    }
    assert!(!o.stderr.contains("panicked"), "{}: {}", o.what, o.stderr);
    everywhere.len()
}

fn excerpt(text: &str, needle: &str) -> String {
    let i = text.find(needle).unwrap_or(0);
    let start = text[..i]
        .char_indices()
        .rev()
        .nth(300)
        .map_or(0, |(j, _)| j);
    text[start..(i + needle.len() + 100).min(text.len())].to_string()
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    write_json(dir, name, v).to_str().unwrap().to_string()
}

#[test]
fn no_command_prints_a_secret() {
    let sandbox = start_sandbox(sandbox_config());
    let base = sandbox.base_url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = write(d, "good.json", &config(&base, basic()));
    let wrong = write(
        d,
        "wrong.json",
        &config(
            &base,
            json!({"auth_type": "access_key", "access_key": ACCESS_KEY, "access_key_secret": WRONG_SECRET}),
        ),
    );
    let bearer = write(
        d,
        "bearer.json",
        &config(
            &base,
            json!({"auth_type": "oauth2.0", "access_token": BEARER}),
        ),
    );
    let mut oauth = config(
        &base,
        json!({"auth_type": "oauth2.0", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "refresh_token": REFRESH}),
    );
    oauth["oauth_token_url"] = json!(format!("{base}/oauth2/generate-customer-token"));
    let oauth_path = write(d, "oauth.json", &oauth);
    let mut unreachable = oauth.clone();
    unreachable["oauth_token_url"] = json!("http://127.0.0.1:9/oauth2/generate-customer-token");
    let unreachable = write(d, "oauth-unreachable.json", &unreachable);
    // A config whose only problem is elsewhere: the secrets are valid, the dates are not.
    let mut bad_dates = config(&base, basic());
    bad_dates["start_date"] = json!("someday");
    let bad_dates = write(d, "bad-dates.json", &bad_dates);

    let discovered = discover(Path::new(&good));
    let catalog = write(
        d,
        "catalog.json",
        &configured_catalog(
            &discovered,
            &[
                ("users", "full_refresh"),
                ("calls", "incremental"),
                ("call_transcripts", "full_refresh"),
            ],
        ),
    );
    let read =
        |what: &str, cfg: &str| exec(what, &["read", "--config", cfg, "--catalog", &catalog]);

    let mut outputs = vec![
        exec("spec", &["spec"]),
        exec("check good", &["check", "--config", &good]),
        exec("check wrong secret", &["check", "--config", &wrong]),
        exec("check bad dates", &["check", "--config", &bad_dates]),
        exec("check bearer", &["check", "--config", &bearer]),
        exec("discover", &["discover", "--config", &good]),
        exec("discover bad dates", &["discover", "--config", &bad_dates]),
        read("read ok", &good),
        read("read bearer", &bearer),
        read("read 401", &wrong),
        read("read bad dates", &bad_dates),
        read("read oauth refresh", &oauth_path),
        read("read oauth token endpoint unreachable", &unreachable),
    ];
    let oauth_read = &outputs[11];
    assert_eq!(oauth_read.code, 0, "{}", oauth_read.stdout);
    assert!(
        oauth_read.stdout.contains("\"CONTROL\""),
        "the OAuth read rotated no token"
    );
    assert_eq!(outputs[1].code, 0);
    assert!(
        outputs[1].stdout.contains("SUCCEEDED"),
        "{}",
        outputs[1].stdout
    );
    assert!(
        outputs[2].stdout.contains("FAILED"),
        "{}",
        outputs[2].stdout
    );
    assert_eq!(outputs[9].code, 1);

    // Every fault kind decided per request, with a key and secret and with a bearer token (the token
    // endpoint's fault is the OAuth test's).
    for (i, kind) in FaultKind::ALL
        .iter()
        .filter(|k| **k != FaultKind::OAuthAbsurdExpiry)
        .enumerate()
    {
        sandbox.set_faults(FaultConfig {
            rate: 0.3,
            kinds: vec![*kind],
            seed: i as u64,
            fail_first_n: 2,
            slow_ms: 4_000,
            ..FaultConfig::none()
        });
        let cfg = if i % 2 == 0 { &good } else { &bearer };
        outputs.push(read(&format!("read with fault {}", kind.name()), cfg));
        assert!(
            sandbox.stats().faults_injected > 0,
            "fault {} was not injected",
            kind.name()
        );
        sandbox.set_faults(FaultConfig::none());
    }

    // execute: the seed's entity/action interface.
    let out_file = d.join("audio.bin");
    outputs.push(exec(
        "execute users list",
        &["execute", "--config", &good, "users", "list", "{}"],
    ));
    outputs.push(exec(
        "execute users get (missing)",
        &[
            "execute",
            "--config",
            &good,
            "users",
            "get",
            r#"{"id": "1"}"#,
        ],
    ));
    outputs.push(exec(
        "execute with a wrong secret",
        &["execute", "--config", &wrong, "workspaces", "list", "{}"],
    ));
    // The reads above spent REFRESH (single-use); execute gets the current one.
    let current = sandbox.current_refresh_token();
    let mut oauth_now = oauth.clone();
    oauth_now["credentials"]["refresh_token"] = json!(current);
    let oauth_now = write(d, "oauth-now.json", &oauth_now);
    outputs.push(exec(
        "execute with oauth",
        &[
            "execute",
            "--config",
            &oauth_now,
            "workspaces",
            "list",
            "{}",
        ],
    ));
    // The read wrote its rotated token back to oauth.json: the spent one is in the config as first written.
    let spent = write(d, "oauth-spent.json", &oauth);
    outputs.push(exec(
        "execute with a spent refresh token",
        &["execute", "--config", &spent, "workspaces", "list", "{}"],
    ));
    outputs.push(exec(
        "execute with an unreachable token endpoint",
        &[
            "execute",
            "--config",
            &unreachable,
            "workspaces",
            "list",
            "{}",
        ],
    ));
    let call_id = sandbox.dataset().read().unwrap().calls[0].id.to_string();
    outputs.push(exec(
        "execute call_audio download",
        &[
            "execute",
            "--config",
            &good,
            "call_audio",
            "download",
            &json!({"filter": {"callIds": [call_id]}}).to_string(),
            "--output",
            out_file.to_str().unwrap(),
        ],
    ));

    for (what, code) in [
        ("execute users list", 0),
        ("execute with a wrong secret", 2),
        ("execute with oauth", 0),
        ("execute with a spent refresh token", 2),
        ("execute call_audio download", 0),
    ] {
        let o = outputs.iter().find(|o| o.what == what).unwrap();
        assert_eq!(o.code, code, "{what}: {}{}", o.stdout, o.stderr);
    }
    let mut bytes = 0;
    for o in &outputs {
        bytes += assert_no_secrets(o);
    }
    let rotated = sandbox.current_refresh_token();
    for o in &outputs {
        for token in [&current, &rotated] {
            assert!(
                !outside_control(&o.stdout).contains(token.as_str())
                    && !o.stderr.contains(token.as_str()),
                "{}: a rotated refresh token appears outside a CONTROL message",
                o.what
            );
        }
    }
    eprintln!(
        "SECRETS: {} command runs, {} bytes of stdout and stderr searched for {} secrets",
        outputs.len(),
        bytes,
        NEVER.len() + 2
    );
}

/// A server (or proxy) whose error text quotes the request's Authorization header and URL: `check`,
/// `read` and `execute`, with a key and secret and with a bearer token, show the server's text (so it did
/// reach the messages) without the credential.
#[test]
fn server_echoed_credentials_are_scrubbed() {
    let sandbox = start_sandbox(sandbox_config());
    let base = sandbox.base_url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = write(d, "good.json", &config(&base, basic()));
    let bearer = write(
        d,
        "bearer.json",
        &config(
            &base,
            json!({"auth_type": "oauth2.0", "access_token": BEARER}),
        ),
    );
    let discovered = discover(Path::new(&good));
    let catalog = write(
        d,
        "catalog.json",
        &configured_catalog(
            &discovered,
            &[("users", "full_refresh"), ("calls", "incremental")],
        ),
    );
    sandbox.set_faults(FaultConfig {
        rate: 1.0,
        kinds: vec![FaultKind::EchoAuth],
        ..FaultConfig::none()
    });
    let mut outputs = Vec::new();
    for (name, cfg) in [("basic", &good), ("bearer", &bearer)] {
        outputs.push(exec(&format!("check {name}"), &["check", "--config", cfg]));
        outputs.push(exec(
            &format!("read {name}"),
            &["read", "--config", cfg, "--catalog", &catalog],
        ));
        outputs.push(exec(
            &format!("execute {name}"),
            &["execute", "--config", cfg, "users", "list", "{}"],
        ));
    }
    let echoed = sandbox.stats().faults_by_kind["echo-auth"];
    assert!(echoed >= 6, "only {echoed} echoing answers");
    for o in &outputs {
        assert_no_secrets(o);
        assert!(
            o.stdout.contains("Upstream failure for GET"),
            "{}: the server's text did not reach the message:\n{}",
            o.what,
            o.stdout
        );
        assert!(o.code != 0 || o.stdout.contains("FAILED"), "{}", o.what);
    }
}

#[test]
fn debug_output_has_no_secret() {
    let now = chrono::Utc::now();
    let configs = [
        json!({"credentials": basic(), "base_url": "http://127.0.0.1:1"}),
        json!({"credentials": {"auth_type": "oauth2.0", "access_token": BEARER}}),
        json!({"credentials": {"auth_type": "oauth2.0", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "refresh_token": REFRESH, "access_token": BEARER}}),
        json!({"access_key": ACCESS_KEY, "access_key_secret": ACCESS_SECRET}),
    ];
    for value in configs {
        let config = Config::from_value(value, now).unwrap();
        let client = GongClient::new(&config).unwrap();
        for text in [
            format!("{config:?}"),
            format!("{config:#?}"),
            format!("{:?}", config.auth),
            format!("{client:?}"),
            format!("{client:#?}"),
        ] {
            for s in [ACCESS_KEY, ACCESS_SECRET, BEARER, CLIENT_SECRET, REFRESH] {
                assert!(!text.contains(s), "Debug shows `{s}`: {text}");
            }
        }
    }
}
