//! Transport security and timeouts: https only (plain http only to loopback), certificate verification
//! always on (a self-signed certificate and a server that does not speak TLS both fail, never succeed),
//! and a server that accepts a connection but never answers is abandoned after `request_timeout_seconds`.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use source_gong::config::Config;

fn config(base_url: &str) -> Value {
    json!({
        "credentials": {"auth_type": "access_key", "access_key": "sandbox-access-key", "access_key_secret": "sandbox-secret"},
        "base_url": base_url,
        "start_date": "2024-01-01",
        "request_timeout_seconds": 2,
        "retry_backoff_base_ms": 10
    })
}

#[test]
fn https_only_except_loopback() {
    let now = chrono::Utc::now();
    for ok in [
        "https://api.gong.io",
        "https://us-12345.api.gong.io/v2",
        "http://127.0.0.1:8080",
        "http://127.4.5.6:1",
        "http://localhost:1",
        "http://[::1]:1",
    ] {
        assert!(
            Config::from_value(config(ok), now).is_ok(),
            "{ok} must be accepted"
        );
    }
    for bad in [
        "http://api.gong.io",
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "http://0.0.0.0:8080",
        "http://10.0.0.1",
        "http://[::]:1",
        "ws://127.0.0.1:1",
        "file:///etc/passwd",
    ] {
        let e = Config::from_value(config(bad), now).expect_err(bad);
        assert_eq!(e.kind, source_gong::error::ErrorKind::Config, "{bad}");
    }
    // The OAuth token endpoint follows the same rule.
    let mut c = config("https://api.gong.io");
    c["credentials"] = json!({"auth_type": "oauth2.0", "client_id": "i", "client_secret": "s", "refresh_token": "r"});
    c["oauth_token_url"] = json!("http://app.gong.io/oauth2/generate-customer-token");
    assert!(Config::from_value(c, now).is_err());
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `check` must report FAILED, and `read` must fail with an error TRACE, within `limit`.
fn assert_fails(base_url: &str, limit: Duration) -> (String, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_json(dir.path(), "config.json", &config(base_url));
    let started = Instant::now();
    let check = run(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(check.code, 0);
    let status = check
        .of_type("CONNECTION_STATUS")
        .next()
        .expect("a CONNECTION_STATUS")
        .clone();
    assert_eq!(
        status["connectionStatus"]["status"], "FAILED",
        "{base_url}: {status}"
    );
    let catalog = write_json(
        dir.path(),
        "catalog.json",
        &json!({"streams": [{"stream": {"name": "workspaces", "json_schema": {}}, "sync_mode": "full_refresh",
                              "destination_sync_mode": "overwrite"}]}),
    );
    let read = run(&[
        "read",
        "--config",
        cfg.to_str().unwrap(),
        "--catalog",
        catalog.to_str().unwrap(),
    ]);
    assert_eq!(read.code, 1, "{base_url}: {}", read.stdout);
    assert_eq!(read.of_type("RECORD").count(), 0);
    assert!(!read.stderr.contains("panicked"), "{}", read.stderr);
    assert!(
        started.elapsed() < limit,
        "{base_url}: took {:?}",
        started.elapsed()
    );
    let message = status["connectionStatus"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    (message, read.errors().into_iter().cloned().collect())
}

#[test]
fn https_to_a_server_without_tls_fails() {
    let sandbox = start_sandbox(small_sandbox_config());
    let port = sandbox.local_addr().port();
    let (message, errors) = assert_fails(
        &format!("https://127.0.0.1:{port}"),
        Duration::from_secs(60),
    );
    assert!(message.contains("/v2/workspaces"), "{message}");
    for e in &errors {
        assert_eq!(e["failure_type"], "transient_error", "{e:#}");
    }
    assert_eq!(
        sandbox.stats().api_requests,
        0,
        "a request reached the server in plain HTTP"
    );
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_self_signed_certificate_is_rejected() {
    let has_openssl = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    // No silent skip: scripts/test.sh installs openssl when the machine lacks it.
    assert!(
        has_openssl,
        "this test needs the openssl binary to serve a self-signed certificate"
    );
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "openssl made no certificate");
    let port = free_port();
    let _server = Server(
        Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "openssl s_server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (message, errors) = assert_fails(
        &format!("https://localhost:{port}"),
        Duration::from_secs(60),
    );
    assert!(message.contains("/v2/workspaces"), "{message}");
    let internal: Vec<&str> = errors
        .iter()
        .filter_map(|e| e["internal_message"].as_str())
        .collect();
    assert!(
        internal
            .iter()
            .any(|m| m.to_lowercase().contains("certificate")),
        "the failure is not the certificate: {errors:#?}"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Accepts connections and reads, never writes: only the request timeout ends the wait.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let (message, errors) =
        assert_fails(&format!("http://127.0.0.1:{port}"), Duration::from_secs(60));
    assert!(message.contains("timed out after 2 s"), "{message}");
    assert!(
        errors.iter().any(|e| e["message"]
            .as_str()
            .unwrap()
            .contains("timed out after 2 s")
            && e["failure_type"] == "transient_error"),
        "{errors:#?}"
    );
}

/// Commands someone waits on fail fast when nothing listens: `execute` (which used to take 54 s with the
/// default backoff, then 5 s of fail-fast retries) and `check` give up at once and say so, with a
/// transient error.
#[test]
fn commands_someone_waits_on_fail_fast_when_nothing_listens() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&format!("http://127.0.0.1:{port}"));
    cfg.as_object_mut().unwrap().remove("retry_backoff_base_ms");
    let cfg = write_json(dir.path(), "config.json", &cfg);
    let started = Instant::now();
    let out = std::process::Command::new(BIN)
        .args(["execute", "--config", cfg.to_str().unwrap()])
        .args(["workspaces", "list", "{}"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let answer: Value = serde_json::from_slice(&out.stdout).expect("one JSON answer");
    assert_eq!(answer["error"]["kind"], "transient_error", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("could not connect") && message.contains("nothing listens"),
        "{message}"
    );
    // Nothing listens: not retried at all (it used to take the fail-fast profile's 5 s of retries).
    assert!(elapsed < Duration::from_secs(3), "execute took {elapsed:?}");

    let started = Instant::now();
    let check = run(&["check", "--config", cfg.to_str().unwrap()]);
    let status = &check.of_type("CONNECTION_STATUS").next().unwrap()["connectionStatus"];
    assert_eq!(status["status"], "FAILED");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "check took {:?}",
        started.elapsed()
    );
}
