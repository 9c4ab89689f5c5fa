//! Call recordings against the sandbox: downloads byte-identical (sha256) to the sandbox's media, Range,
//! resume of a truncated file, renewal of an expired media URL, the 40 MiB recording, and the
//! `call_media` stream with and without Airbyte file transfer (`file_reference`), and its size probes
//! (HEAD, the ranged-GET fallback, `call_media_probe` off).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{Duration, Utc};
use common::*;
use gong_sandbox::SandboxConfig;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn sha_of_media(call_id: &str, kind: &str) -> String {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut offset = 0;
    loop {
        let n = gong_sandbox::fill_media(call_id, kind, offset, &mut buf);
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        offset += n as u64;
    }
    format!("{:x}", h.finalize())
}

fn sha_of(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

fn sha_of_file(path: &Path) -> String {
    sha_of(&std::fs::read(path).unwrap())
}

struct Out {
    code: i32,
    stdout: Vec<u8>,
    json: Value,
}

fn execute(config: &Path, args: &[&str]) -> Out {
    let out = Command::new(BIN)
        .arg("execute")
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        json,
    }
}

fn params(call_id: &str) -> Value {
    json!({"filter": {"callIds": [call_id]}, "contentSelector": {"exposedFields": {"media": true}}})
}

fn setup(
    cfg: SandboxConfig,
) -> (
    gong_sandbox::BlockingSandbox,
    tempfile::TempDir,
    std::path::PathBuf,
) {
    let sandbox = start_sandbox(cfg);
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now().date_naive() - Duration::days(40);
    let config = write_json(
        dir.path(),
        "config.json",
        &config_for(&sandbox.base_url(), &format!("{start}T00:00:00Z")),
    );
    (sandbox, dir, config)
}

fn small() -> SandboxConfig {
    SandboxConfig {
        calls: 16,
        days: 20,
        users: 5,
        ..SandboxConfig::default()
    }
}

/// A call with video (and audio), not the 40 MiB one.
fn call_with_video(sandbox: &gong_sandbox::Sandbox) -> String {
    let ds = sandbox.dataset().read().unwrap();
    let large = ds.large_media_call_id.clone();
    ds.calls
        .iter()
        .find(|c| c.video && Some(c.id_str()) != large)
        .expect("a call with video")
        .id_str()
}

#[test]
fn downloads_are_byte_identical_with_ranges_and_resume() {
    let (sandbox, dir, config) = setup(small());
    let d = dir.path();
    let id = call_with_video(&sandbox);
    // The checksum helper agrees with gong_sandbox::media_bytes.
    let via_iter: Vec<u8> = gong_sandbox::media_bytes(&id, "audio").collect();
    assert_eq!(sha_of(&via_iter), sha_of_media(&id, "audio"));

    for (entity, kind) in [("call_audio", "audio"), ("call_video", "video")] {
        let path = d.join(kind);
        let run = execute(
            &config,
            &[
                entity,
                "download",
                &params(&id).to_string(),
                "--output",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(run.code, 0, "{}", String::from_utf8_lossy(&run.stdout));
        let len = gong_sandbox::media_len(&id, kind);
        assert_eq!(run.json["data"]["bytesWritten"], len);
        assert_eq!(run.json["data"]["totalSize"], len);
        assert_eq!(
            run.json["data"]["contentType"],
            gong_sandbox::media_content_type(kind)
        );
        assert_eq!(sha_of_file(&path), sha_of_media(&id, kind), "{kind}");
    }

    // To stdout: the bytes only.
    let whole = execute(
        &config,
        &[
            "call_audio",
            "download",
            &params(&id).to_string(),
            "--output",
            "-",
        ],
    );
    assert_eq!(whole.code, 0);
    assert_eq!(sha_of(&whole.stdout), sha_of_media(&id, "audio"));

    // Range: first KiB, an open range, the last bytes.
    let len = gong_sandbox::media_len(&id, "audio");
    for (range, from, to) in [
        ("bytes=0-1023", 0, 1024),
        ("bytes=5000-", 5000, len),
        ("bytes=-777", len - 777, len),
        ("bytes=100-199", 100, 200),
    ] {
        let mut p = params(&id);
        p["range_header"] = json!(range);
        let run = execute(
            &config,
            &["call_audio", "download", &p.to_string(), "--output", "-"],
        );
        assert_eq!(run.code, 0, "{range}");
        let mut expected = vec![0u8; (to - from) as usize];
        gong_sandbox::fill_media(&id, "audio", from, &mut expected);
        assert_eq!(run.stdout.len(), expected.len(), "{range}");
        assert!(run.stdout == expected, "{range}: bytes differ");
    }
    // A range past the end: a config error that says the size.
    let mut p = params(&id);
    p["range_header"] = json!(format!("bytes={}-", len + 10));
    let run = execute(
        &config,
        &[
            "call_audio",
            "download",
            &p.to_string(),
            "--output",
            d.join("r").to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&len.to_string()));

    // Resume a truncated file: fetch from its length, append, identical result.
    let full = std::fs::read(d.join("video")).unwrap();
    let partial = d.join("partial.mp4");
    std::fs::write(&partial, &full[..123_457]).unwrap();
    let run = execute(
        &config,
        &[
            "call_video",
            "download",
            &params(&id).to_string(),
            "--output",
            partial.to_str().unwrap(),
            "--resume",
        ],
    );
    assert_eq!(run.code, 0, "{}", String::from_utf8_lossy(&run.stdout));
    assert_eq!(run.json["data"]["resumedFrom"], 123_457);
    assert_eq!(run.json["data"]["firstByte"], 123_457);
    assert_eq!(
        run.json["data"]["bytesWritten"].as_u64().unwrap(),
        full.len() as u64 - 123_457
    );
    assert_eq!(sha_of_file(&partial), sha_of_media(&id, "video"));
    // Resuming a complete file fetches nothing and leaves it as it is.
    let run = execute(
        &config,
        &[
            "call_video",
            "download",
            &params(&id).to_string(),
            "--output",
            partial.to_str().unwrap(),
            "--resume",
        ],
    );
    assert_eq!(run.code, 0);
    assert_eq!(run.json["data"]["alreadyComplete"], true);
    assert_eq!(run.json["data"]["bytesWritten"], 0);
    assert_eq!(sha_of_file(&partial), sha_of_media(&id, "video"));
    // Resume inside a range: the range's remainder only.
    let ranged = d.join("ranged");
    let mut first = vec![0u8; 300];
    gong_sandbox::fill_media(&id, "audio", 1000, &mut first);
    std::fs::write(&ranged, &first).unwrap();
    let mut p = params(&id);
    p["range_header"] = json!("bytes=1000-1999");
    let run = execute(
        &config,
        &[
            "call_audio",
            "download",
            &p.to_string(),
            "--output",
            ranged.to_str().unwrap(),
            "--resume",
        ],
    );
    assert_eq!(run.code, 0);
    let mut expected = vec![0u8; 1000];
    gong_sandbox::fill_media(&id, "audio", 1000, &mut expected);
    assert!(std::fs::read(&ranged).unwrap() == expected);
}

#[test]
fn an_expired_media_url_is_renewed_through_calls_extensive() {
    let (sandbox, dir, config) = setup(SandboxConfig {
        media_url_ttl_secs: 1,
        ..small()
    });
    let id = call_with_video(&sandbox);
    // A URL from an earlier list…
    let listed = execute(
        &config,
        &["calls_extensive", "list", &params(&id).to_string()],
    );
    let url = listed.json["data"][0]["media"]["audioUrl"]
        .as_str()
        .unwrap()
        .to_string();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    // …has expired by the time it is used: the download asks Gong for a fresh one and succeeds.
    let path = dir.path().join("audio");
    let run = execute(
        &config,
        &[
            "call_audio",
            "download",
            &params(&id).to_string(),
            "--output",
            path.to_str().unwrap(),
            "--media-url",
            &url,
        ],
    );
    let text = String::from_utf8_lossy(&run.stdout).to_string();
    assert_eq!(run.code, 0, "{text}");
    assert_eq!(run.json["data"]["renewedUrls"], 1);
    assert!(
        !text.contains("signature"),
        "no signed URL in output: {text}"
    );
    assert_eq!(sha_of_file(&path), sha_of_media(&id, "audio"));

    // The same through the typed API.
    let cfg =
        source_gong::config::Config::parse(&std::fs::read_to_string(&config).unwrap()).unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let gong = source_gong::api::Gong::new(cfg).unwrap();
        let mut bytes = Vec::new();
        let info = gong
            .call_audio()
            .download_with(
                &params(&id),
                &source_gong::api::DownloadOptions {
                    skip: 0,
                    url: Some(url.clone()),
                },
                &mut bytes,
            )
            .await
            .unwrap();
        assert_eq!(info.renewed_urls, 1);
        assert_eq!(sha_of(&bytes), sha_of_media(&id, "audio"));
    });
}

#[test]
fn the_40_mib_recording_streams_to_disk_intact() {
    let (sandbox, dir, config) = setup(small());
    let id = sandbox
        .dataset()
        .read()
        .unwrap()
        .large_media_call_id
        .clone()
        .expect("the dataset has a large media call");
    let path = dir.path().join("large.mp3");
    let run = execute(
        &config,
        &[
            "call_audio",
            "download",
            &params(&id).to_string(),
            "--output",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", String::from_utf8_lossy(&run.stdout));
    assert_eq!(run.json["data"]["bytesWritten"], 40 * 1024 * 1024);
    assert_eq!(sha_of_file(&path), sha_of_media(&id, "audio"));
}

/// Runs `read` with an environment; every stdout line must be a valid Airbyte message.
fn read_with_env(config: &Path, catalog: &Path, env: &[(&str, &Path)]) -> (i32, Vec<Value>) {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "read",
        "--config",
        config.to_str().unwrap(),
        "--catalog",
        catalog.to_str().unwrap(),
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let validator = protocol_validator();
    let messages: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            if let Err(e) = validator.validate(&v) {
                panic!("not an Airbyte message: {e}\n{l:.400}");
            }
            v
        })
        .collect();
    (out.status.code().unwrap_or(-1), messages)
}

fn media_catalog(config: &Path, dir: &Path, include_files: bool) -> std::path::PathBuf {
    let discovered = discover(config);
    let stream = discovered
        .iter()
        .find(|s| s["name"] == "call_media")
        .expect("discover lists call_media");
    assert_eq!(stream["is_file_based"], true);
    assert_eq!(
        stream["source_defined_primary_key"],
        json!([["callId"], ["kind"]])
    );
    assert_eq!(stream["default_cursor_field"], json!(["started"]));
    let mut catalog = configured_catalog(&discovered, &[("call_media", "incremental")]);
    catalog["streams"][0]["include_files"] = json!(include_files);
    write_json(dir, &format!("catalog-{include_files}.json"), &catalog)
}

/// (call id, kind) of every media file the sandbox has for calls started in the sync's window.
fn expected_media(sandbox: &gong_sandbox::Sandbox) -> Vec<(String, String)> {
    let ds = sandbox.dataset().read().unwrap();
    let mut all = Vec::new();
    for c in &ds.calls {
        all.push((c.id_str(), "audio".to_string()));
        if c.video {
            all.push((c.id_str(), "video".to_string()));
        }
    }
    all.sort();
    all
}

#[test]
fn call_media_stream_records_and_file_transfer() {
    // No 40 MiB call in the window: a start date after it keeps the test quick.
    let (sandbox, dir, config) = setup(small());
    let d = dir.path();
    let large = sandbox
        .dataset()
        .read()
        .unwrap()
        .large_media_call_id
        .clone();
    let expected: Vec<(String, String)> = expected_media(&sandbox)
        .into_iter()
        .filter(|(id, _)| Some(id) != large.as_ref())
        .collect();
    let Some(large) = large else {
        return check_call_media(d, &config, expected);
    };
    // Keep the 40 MiB call out of the window (it has its own test): start after it or end before it.
    let ds = sandbox.dataset().read().unwrap();
    let started = ds.call_by_id(&large).map(|c| c.started).unwrap();
    let earlier: Vec<String> = ds
        .calls
        .iter()
        .filter(|c| c.started < started)
        .map(|c| c.id_str())
        .collect();
    let keep_earlier = earlier.len() * 2 >= ds.calls.len();
    drop(ds);
    let at = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let mut cfg: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    if keep_earlier {
        cfg["end_date"] = json!(at(started));
    } else {
        cfg["start_date"] = json!(at(started + 1));
    }
    write_json(d, "config.json", &cfg);
    let expected: Vec<_> = expected
        .into_iter()
        .filter(|(id, _)| earlier.contains(id) == keep_earlier)
        .collect();
    check_call_media(d, &config, expected);
}

fn check_call_media(d: &Path, config: &Path, expected: Vec<(String, String)>) {
    assert!(!expected.is_empty());
    // Records only: URL, size and content type from the media host, keys unique, schema-valid.
    let catalog = media_catalog(config, d, false);
    let (code, messages) = read_with_env(config, &catalog, &[]);
    assert_eq!(code, 0, "{messages:?}");
    let discovered = discover(config);
    let schema = &discovered
        .iter()
        .find(|s| s["name"] == "call_media")
        .unwrap()["json_schema"];
    let validator = jsonschema::draft7::new(schema).unwrap();
    let records: Vec<&Value> = messages
        .iter()
        .filter(|m| m["type"] == "RECORD")
        .map(|m| {
            assert!(m["record"].get("file_reference").is_none());
            &m["record"]["data"]
        })
        .collect();
    let mut got: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            validator.validate(r).unwrap();
            let id = r["callId"].as_str().unwrap().to_string();
            let kind = r["kind"].as_str().unwrap().to_string();
            assert_eq!(r["sizeBytes"], gong_sandbox::media_len(&id, &kind), "{r}");
            assert_eq!(r["contentType"], gong_sandbox::media_content_type(&kind));
            assert!(r["url"]
                .as_str()
                .unwrap()
                .contains(&format!("/media/{id}/{kind}")));
            assert!(r["started"].is_string() && r["workspaceId"].is_string());
            assert!(r["urlExpiresAt"].as_str().unwrap().ends_with('Z'));
            (id, kind)
        })
        .collect();
    got.sort();
    assert_eq!(got, expected, "one record per call and kind");
    let states: Vec<&Value> = messages.iter().filter(|m| m["type"] == "STATE").collect();
    assert!(!states.is_empty());
    assert!(states.last().unwrap()["state"]["stream"]["stream_state"]["cursor"].is_string());

    // File transfer: every recording lands in the staging directory, byte-identical, referenced.
    let staging = d.join("staging");
    let catalog = media_catalog(config, d, true);
    let (code, messages) =
        read_with_env(config, &catalog, &[("AIRBYTE_STAGING_DIRECTORY", &staging)]);
    assert_eq!(code, 0, "{messages:?}");
    let mut got = Vec::new();
    for m in messages.iter().filter(|m| m["type"] == "RECORD") {
        let data = &m["record"]["data"];
        let fr = &m["record"]["file_reference"];
        let id = data["callId"].as_str().unwrap();
        let kind = data["kind"].as_str().unwrap();
        let path = Path::new(fr["staging_file_url"].as_str().unwrap());
        assert!(path.is_absolute() && path.starts_with(&staging), "{fr}");
        let relative = fr["source_file_relative_path"].as_str().unwrap();
        assert!(
            relative.starts_with(&format!("call_media/{id}/{kind}.")),
            "{relative}"
        );
        assert_eq!(staging.join(relative), path);
        let len = gong_sandbox::media_len(id, kind);
        assert_eq!(fr["file_size_bytes"], len);
        assert_eq!(data["sizeBytes"], len);
        assert_eq!(std::fs::metadata(path).unwrap().len(), len);
        assert_eq!(sha_of_file(path), sha_of_media(id, kind), "{relative}");
        got.push((id.to_string(), kind.to_string()));
    }
    got.sort();
    assert_eq!(got, expected);
    // No partial files left behind.
    for entry in walk(&staging) {
        assert!(!entry.to_string_lossy().ends_with(".part"), "{entry:?}");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Requests to the media host in the sandbox's counters, by method (`HEAD`, `GET`).
fn media_requests(sandbox: &gong_sandbox::Sandbox) -> (u64, u64) {
    let by_path = sandbox.stats().by_path;
    let of = |method: &str| {
        by_path
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{method} /media/")))
            .map(|(_, v)| v)
            .sum()
    };
    (of("HEAD"), of("GET"))
}

/// Reads call_media (records only) with `call_media_probe` set as given (absent: the default).
fn read_media_records(d: &Path, config: &Path, probe: Option<bool>) -> Vec<Value> {
    let mut cfg: Value = serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    if let Some(p) = probe {
        cfg["call_media_probe"] = json!(p);
    }
    let config = write_json(d, "config-probe.json", &cfg);
    let catalog = media_catalog(&config, d, false);
    let (code, messages) = read_with_env(&config, &catalog, &[]);
    assert_eq!(code, 0, "{messages:?}");
    messages
        .into_iter()
        .filter(|m| m["type"] == "RECORD")
        .map(|m| m["record"]["data"].clone())
        .collect()
}

fn keys(records: &[Value]) -> Vec<(String, String)> {
    let mut k: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r["callId"].as_str().unwrap().to_string(),
                r["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    k.sort();
    k
}

#[test]
fn call_media_probe_off_sends_nothing_to_the_media_host() {
    let (sandbox, dir, config) = setup(small());
    let d = dir.path();
    // On (the default): one HEAD per recording, no GET, sizes and types from the host.
    sandbox.reset_stats();
    let on = read_media_records(d, &config, None);
    assert!(!on.is_empty());
    let api_on = sandbox.stats().api_requests;
    assert_eq!(media_requests(&sandbox), (on.len() as u64, 0));
    for r in &on {
        let (id, kind) = (r["callId"].as_str().unwrap(), r["kind"].as_str().unwrap());
        assert_eq!(r["sizeBytes"], gong_sandbox::media_len(id, kind), "{r}");
        assert_eq!(r["contentType"], gong_sandbox::media_content_type(kind));
    }
    // Off: the same records and API requests, no media-host request, no size; the sandbox's URLs
    // (`/media/{id}/{kind}`) have no file extension, so no content type either.
    sandbox.reset_stats();
    let mut off = read_media_records(d, &config, Some(false));
    let mut on = on;
    let by_key = |r: &Value| format!("{}/{}", r["callId"], r["kind"]);
    off.sort_by_key(by_key);
    on.sort_by_key(by_key);
    assert_eq!(media_requests(&sandbox), (0, 0));
    assert_eq!(sandbox.stats().api_requests, api_on);
    assert_eq!(keys(&off), keys(&on));
    for (a, b) in off.iter().zip(&on) {
        assert!(
            a["sizeBytes"].is_null() && a["contentType"].is_null(),
            "{a}"
        );
        let mut a = a.clone();
        for k in ["sizeBytes", "contentType", "url", "urlExpiresAt"] {
            a[k] = b[k].clone();
        }
        assert_eq!(&a, b, "every other field unchanged");
    }
    // Explicitly on: as the default.
    sandbox.reset_stats();
    let again = read_media_records(d, &config, Some(true));
    assert_eq!(keys(&again), keys(&on));
    assert_eq!(media_requests(&sandbox), (on.len() as u64, 0));
}

#[test]
fn a_media_host_that_refuses_head_is_probed_with_ranged_gets() {
    // More recordings than probes in flight, so that some are probed after the refusal is known.
    let (sandbox, dir, config) = setup(SandboxConfig {
        media_refuse_head: true,
        calls: 120,
        ..small()
    });
    let d = dir.path();
    sandbox.reset_stats();
    let records = read_media_records(d, &config, None);
    assert!(records.len() > 2);
    for r in &records {
        let (id, kind) = (r["callId"].as_str().unwrap(), r["kind"].as_str().unwrap());
        assert_eq!(r["sizeBytes"], gong_sandbox::media_len(id, kind), "{r}");
        assert_eq!(r["contentType"], gong_sandbox::media_content_type(kind));
    }
    let (heads, gets) = media_requests(&sandbox);
    assert_eq!(gets, records.len() as u64, "one ranged GET per recording");
    // HEAD is tried until the first refusal is known: at most by the probes already in flight.
    let bound = source_gong::media::probe::PROBE_CONCURRENCY as u64;
    assert!(records.len() as u64 > bound);
    assert!((1..=bound).contains(&heads), "{heads} HEADs");
}
