//! Rate limits, injected faults, media downloads, OAuth and the binary.

mod common;
use std::time::{Duration, Instant};

use common::*;
use gong_sandbox::{media_bytes, media_len, FaultConfig, FaultKind, SandboxConfig};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn small() -> SandboxConfig {
    SandboxConfig {
        calls: 150,
        ..SandboxConfig::default()
    }
}

async fn raw_get(base: &str, path: &str) -> Result<reqwest::Response, reqwest::Error> {
    client()
        .get(format!("{base}{path}"))
        .basic_auth(KEY, Some(SECRET))
        .send()
        .await
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let sb = start(SandboxConfig {
        rate_limit_per_sec: 3.0,
        ..small()
    })
    .await;
    let base = sb.base_url();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let r = raw_get(&base, "/v2/workspaces").await.unwrap();
        if r.status().as_u16() == 429 {
            retry_after = r
                .headers()
                .get("retry-after")
                .map(|h| h.to_str().unwrap().to_string());
            let v: Value = r.json().await.unwrap();
            assert!(v["requestId"].is_string() && !errors(&v).is_empty());
            statuses.push(429);
        } else {
            statuses.push(r.status().as_u16());
        }
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "burst of 3 allowed");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    let ra: u64 = retry_after
        .expect("Retry-After")
        .parse()
        .expect("integer seconds");
    assert!(ra >= 1);
    let st = sb.stats();
    assert_eq!(
        st.too_many_requests,
        statuses.iter().filter(|&&s| s == 429).count() as u64
    );
    assert_eq!(st.rate_limited, st.too_many_requests);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        raw_get(&base, "/v2/workspaces")
            .await
            .unwrap()
            .status()
            .as_u16(),
        200,
        "refilled at 3/s"
    );
}

#[tokio::test]
async fn daily_limit() {
    let sb = start(SandboxConfig {
        daily_limit: 4,
        ..small()
    })
    .await;
    for _ in 0..4 {
        assert_eq!(get(&sb, "/v2/workspaces").await.0, 200);
    }
    let r = raw_get(&sb.base_url(), "/v2/workspaces").await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let ra: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(ra > 0 && ra <= 86_400);
    // admin and media paths are not limited
    let r = client()
        .get(format!("{}/sandbox/stats", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

async fn first_request_with(
    kind: FaultKind,
) -> (
    gong_sandbox::Sandbox,
    Result<reqwest::Response, reqwest::Error>,
) {
    let sb = start(small()).await;
    sb.set_faults(FaultConfig {
        fail_first_n: 1,
        kinds: vec![kind],
        slow_ms: 300,
        ..FaultConfig::default()
    });
    let r = raw_get(&sb.base_url(), "/v2/users").await;
    (sb, r)
}

#[tokio::test]
async fn each_fault_kind_behaves() {
    for (kind, status) in [
        (FaultKind::Status500, 500),
        (FaultKind::Status502, 502),
        (FaultKind::Status503, 503),
    ] {
        let (sb, r) = first_request_with(kind).await;
        assert_eq!(r.unwrap().status().as_u16(), status);
        assert_eq!(
            get(&sb, "/v2/users").await.0,
            200,
            "only the first request fails"
        );
        assert_eq!(sb.stats().faults_injected, 1);
    }
    let (_, r) = first_request_with(FaultKind::TooManyRequests).await;
    let r = r.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    let (sb, r) = first_request_with(FaultKind::TooManyRequestsNoRetryAfter).await;
    let r = r.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(sb.stats().too_many_requests, 1);

    let (_, r) = first_request_with(FaultKind::ConnectionReset).await;
    match r {
        Err(_) => {}
        Ok(resp) => assert!(resp.bytes().await.is_err(), "reset must not deliver a body"),
    }
    let (_, r) = first_request_with(FaultKind::TruncatedBody).await;
    let r = r.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.bytes().await.is_err(), "truncated body must fail to read");
    let (_, r) = first_request_with(FaultKind::InvalidJson).await;
    let r = r.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).is_err());
    let t = Instant::now();
    let (_, r) = first_request_with(FaultKind::Slow).await;
    assert_eq!(r.unwrap().status().as_u16(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    // expired-cursor: only bites requests that carry a cursor
    let sb = start(small()).await;
    let (_, first) = get(&sb, "/v2/calls?fromDateTime=2000-01-01T00:00:00Z").await;
    let cursor = first["records"]["cursor"].as_str().unwrap().to_string();
    sb.set_faults(FaultConfig {
        fail_first_n: 1,
        kinds: vec![FaultKind::ExpiredCursor],
        ..FaultConfig::default()
    });
    let (s, v) = get(
        &sb,
        &format!("/v2/calls?fromDateTime=2000-01-01T00:00:00Z&cursor={cursor}"),
    )
    .await;
    assert_eq!((s, errors(&v).as_str()), (400, "cursor has expired"));
    assert_eq!(sb.stats().faults_by_kind["expired-cursor"], 1);
}

#[tokio::test]
async fn fault_rate_is_deterministic_and_never_hits_admin_paths() {
    let cfg = FaultConfig {
        rate: 0.3,
        kinds: vec![FaultKind::Status500, FaultKind::Status503],
        seed: 9,
        ..FaultConfig::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sb = start(SandboxConfig {
            faults: cfg.clone(),
            ..small()
        })
        .await;
        let mut seq = Vec::new();
        for _ in 0..40 {
            seq.push(get(&sb, "/v2/workspaces").await.0);
            let r = client()
                .get(format!("{}/sandbox/health", sb.base_url()))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
        }
        let failed = seq.iter().filter(|&&s| s != 200).count() as u64;
        assert!((4..=24).contains(&failed), "{failed} of 40 at rate 0.3");
        assert_eq!(sb.stats().faults_injected, failed);
        runs.push(seq);
    }
    assert_eq!(runs[0], runs[1]);
    // POST /sandbox/faults
    let sb = start(small()).await;
    let r = client()
        .post(format!("{}/sandbox/faults", sb.base_url()))
        .json(&json!({"rate": 0.0, "kinds": ["502"], "fail_first_n": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(get(&sb, "/v2/workspaces").await.0, 502);
    assert_eq!(get(&sb, "/v2/workspaces").await.0, 502);
    assert_eq!(get(&sb, "/v2/workspaces").await.0, 200);
    let st: Value = client()
        .get(format!("{}/sandbox/stats", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(st["faults_injected"], 2);
    client()
        .post(format!("{}/sandbox/reset-stats", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(sb.stats().api_requests, 0);
}

async fn media_urls(sb: &gong_sandbox::Sandbox) -> Vec<Value> {
    let (s, v) = post(
        sb,
        "/v2/calls/extensive",
        &json!({"filter": {}, "contentSelector": {"exposedFields": {"media": true}}}),
    )
    .await;
    assert_eq!(s, 200);
    v["calls"].as_array().unwrap().clone()
}

#[tokio::test]
async fn media_download_ranges_and_expiry() {
    let sb = start(small()).await;
    let calls = media_urls(&sb).await;
    let c = calls
        .iter()
        .find(|c| c["metaData"]["media"] == "Video")
        .unwrap();
    let id = c["metaData"]["id"].as_str().unwrap();
    let url = c["media"]["audioUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/media/{id}/audio?expires=", sb.base_url())),
        "{url}"
    );
    // full download, no Gong auth needed
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "audio/mpeg");
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    let len = media_len(id, "audio");
    assert_eq!(
        r.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        len
    );
    let body = r.bytes().await.unwrap();
    assert_eq!(body.len() as u64, len);
    let expected: Vec<u8> = media_bytes(id, "audio").collect();
    assert_eq!(Sha256::digest(&body), Sha256::digest(&expected));
    // ranges
    let r = client()
        .get(url)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 206);
    assert_eq!(
        r.headers()["content-range"].to_str().unwrap(),
        format!("bytes 10-19/{len}")
    );
    assert_eq!(&r.bytes().await.unwrap()[..], &expected[10..20]);
    let r = client()
        .get(url)
        .header("Range", format!("bytes={}-", len - 5))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 206);
    assert_eq!(&r.bytes().await.unwrap()[..], &expected[len as usize - 5..]);
    let r = client()
        .get(url)
        .header("Range", format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 416);
    // video
    let v = client()
        .get(c["media"]["videoUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(v.headers()["content-type"], "video/mp4");
    // tampered signature
    let r = client().get(format!("{}x", url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // expiry
    let sb = start(SandboxConfig {
        media_url_ttl_secs: 0,
        ..small()
    })
    .await;
    let calls = media_urls(&sb).await;
    let url = calls[0]["media"]["audioUrl"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("Request has expired"));
}

#[test]
fn large_media_call_is_about_40_mb() {
    let ds = gong_sandbox::Dataset::generate(&SandboxConfig::default());
    let id = ds.large_media_call_id.clone().unwrap();
    assert!(media_len(&id, "audio") >= 40 * 1024 * 1024);
    let others = ds
        .calls
        .iter()
        .filter(|c| c.id_str() != id)
        .map(|c| media_len(&c.id_str(), "audio"));
    assert!(others.into_iter().all(|l| (50_000..3_000_000).contains(&l)));
}

#[tokio::test]
async fn oauth_refresh_tokens_are_single_use_and_access_tokens_expire() {
    let sb = start(small()).await;
    let c = client();
    let tok = |refresh: String| {
        let c = c.clone();
        let url = format!(
            "{}/oauth2/generate-customer-token?grant_type=refresh_token&refresh_token={refresh}",
            sb.base_url()
        );
        async move {
            c.post(url)
                .basic_auth("sandbox-client-id", Some("sandbox-client-secret"))
                .send()
                .await
                .unwrap()
        }
    };
    let r = tok("sandbox-refresh-token-0".into()).await;
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["api_base_url_for_customer"], sb.base_url());
    assert!(v["scope"]
        .as_str()
        .unwrap()
        .contains("api:calls:read:extensive"));
    let access = v["access_token"].as_str().unwrap().to_string();
    let refresh = v["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh, "sandbox-refresh-token-0");
    let ok = c
        .get(format!("{}/v2/workspaces", sb.base_url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    // reuse of the old refresh token
    let r = tok("sandbox-refresh-token-0".into()).await;
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    // the new one works (form body this time)
    let r = c
        .post(format!("{}/oauth2/generate-customer-token", sb.base_url()))
        .basic_auth("sandbox-client-id", Some("sandbox-client-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=refresh_token&refresh_token={refresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // bad client
    let r = c
        .post(format!(
            "{}/oauth2/generate-customer-token?grant_type=refresh_token&refresh_token=x",
            sb.base_url()
        ))
        .basic_auth("x", Some("y"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // expiry
    client()
        .post(format!("{}/sandbox/expire-tokens", sb.base_url()))
        .send()
        .await
        .unwrap();
    let r = c
        .get(format!("{}/v2/workspaces", sb.base_url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(errors(&r.json().await.unwrap()), "access token has expired");
}

#[tokio::test]
async fn denied_scopes_give_403_for_bearer_tokens() {
    let sb = start(SandboxConfig {
        denied_scopes: vec![
            "api:calls:read:media-url".into(),
            "api:coaching:read".into(),
        ],
        ..small()
    })
    .await;
    let c = client();
    let url = format!("{}/v2/calls/extensive", sb.base_url());
    let with_media = json!({"filter": {}, "contentSelector": {"exposedFields": {"media": true}}});
    let r = c
        .post(&url)
        .bearer_auth("sandbox-token")
        .json(&with_media)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = c
        .post(&url)
        .bearer_auth("sandbox-token")
        .json(&json!({"filter": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = c
        .get(format!("{}/v2/coaching", sb.base_url()))
        .bearer_auth("sandbox-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = c
        .post(&url)
        .basic_auth(KEY, Some(SECRET))
        .json(&with_media)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "access keys have every scope");
}

#[test]
fn binary_prints_one_line_and_exits_zero_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gong-sandbox"))
        .args([
            "--port",
            "0",
            "--calls",
            "50",
            "--latency-ms",
            "0-5",
            "--fault-rate",
            "0",
            "--faults",
            "500,429-no-retry-after",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("ready line")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let v: Value = client()
            .get(format!("{url}/sandbox/dataset/counts"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["calls"], 50);
    });
    let st = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn blocking_sandbox_for_sync_tests() {
    let sb = gong_sandbox::BlockingSandbox::start(small()).unwrap();
    assert!(sb.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(sb.dataset().read().unwrap().calls.len(), 150);
}
