//! Shared test harness: a sandbox, configs and catalogs, and a runner for the built binary that
//! checks every stdout line is an Airbyte message.
#![allow(dead_code)]

pub mod oauth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gong_sandbox::{BlockingSandbox, SandboxConfig};
use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_source-gong");

/// A small but complete dataset: every entity, a few months of calls.
pub fn small_sandbox_config() -> SandboxConfig {
    SandboxConfig {
        calls: 240,
        days: 40,
        users: 18,
        ..SandboxConfig::default()
    }
}

pub fn start_sandbox(cfg: SandboxConfig) -> BlockingSandbox {
    BlockingSandbox::start(cfg).expect("sandbox starts")
}

/// A connector config for the sandbox (access key auth, no budget limits).
pub fn config_for(base_url: &str, start_date: &str) -> Value {
    json!({
        "credentials": {"auth_type": "access_key", "access_key": "sandbox-access-key", "access_key_secret": "sandbox-secret"},
        "base_url": base_url,
        "start_date": start_date,
        "requests_per_second": 1000,
        "max_concurrent_requests": 4
    })
}

pub struct Run {
    pub code: i32,
    pub messages: Vec<Value>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.messages.iter().filter(move |m| m["type"] == kind)
    }

    pub fn records(&self, stream: &str) -> Vec<&Value> {
        self.of_type("RECORD")
            .filter(|m| m["record"]["stream"] == stream)
            .map(|m| &m["record"]["data"])
            .collect()
    }

    pub fn records_by_stream(&self) -> BTreeMap<String, Vec<Value>> {
        let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for m in self.of_type("RECORD") {
            map.entry(m["record"]["stream"].as_str().unwrap().to_string())
                .or_default()
                .push(m["record"]["data"].clone());
        }
        map
    }

    pub fn states(&self, stream: &str) -> Vec<&Value> {
        self.of_type("STATE")
            .filter(|m| m["state"]["stream"]["stream_descriptor"]["name"] == stream)
            .map(|m| &m["state"])
            .collect()
    }

    pub fn statuses(&self, stream: &str) -> Vec<String> {
        self.of_type("TRACE")
            .filter(|m| m["trace"]["type"] == "STREAM_STATUS")
            .filter(|m| m["trace"]["stream_status"]["stream_descriptor"]["name"] == stream)
            .map(|m| {
                m["trace"]["stream_status"]["status"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    pub fn errors(&self) -> Vec<&Value> {
        self.of_type("TRACE")
            .filter(|m| m["trace"]["type"] == "ERROR")
            .map(|m| &m["trace"]["error"])
            .collect()
    }
}

/// The protocol's JSON Schema for AirbyteMessage (from airbyte-protocol-models).
pub fn protocol_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/airbyte_message.schema.json"),
    )
    .expect("protocol schema fixture");
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::new(&schema).expect("protocol schema compiles")
}

/// Runs the binary; every stdout line must be a JSON Airbyte message valid against the protocol schema.
pub fn run(args: &[&str]) -> Run {
    run_env(args, &[])
}

/// [`run`] with environment variables set for the binary (e.g. `SOURCE_GONG_NOW`, the connector's clock).
pub fn run_env(args: &[&str], envs: &[(&str, &str)]) -> Run {
    let output = Command::new(BIN)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let validator = protocol_validator();
    let mut messages = Vec::new();
    for (i, line) in stdout.lines().enumerate() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stdout line {i} is not JSON ({e}): {line:.300}"));
        if let Err(err) = validator.validate(&v) {
            panic!("stdout line {i} is not a valid Airbyte message: {err}\n{line:.500}");
        }
        messages.push(v);
    }
    Run {
        code: output.status.code().unwrap_or(-1),
        messages,
        stdout,
        stderr,
    }
}

/// The arguments of `read` with a config file, a catalog file and, when given, a state file.
pub fn read_args<'a>(config: &'a Path, catalog: &'a Path, state: Option<&'a Path>) -> Vec<&'a str> {
    let mut args = vec![
        "read",
        "--config",
        config.to_str().unwrap(),
        "--catalog",
        catalog.to_str().unwrap(),
    ];
    if let Some(state) = state {
        args.extend(["--state", state.to_str().unwrap()]);
    }
    args
}

/// Runs `read` with a config file, a catalog file and, when given, a state file.
pub fn run_read(config: &Path, catalog: &Path, state: Option<&Path>) -> Run {
    run(&read_args(config, catalog, state))
}

/// A request to the sandbox's API (access key) or its test routes, as JSON; `body` makes it a POST.
pub fn sandbox_json(base: &str, path: &str, query: &[(&str, &str)], body: Option<Value>) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let url = format!("{base}{path}");
        let request = match body {
            Some(b) => client.post(url).json(&b),
            None => client.get(url),
        };
        request
            .query(query)
            .basic_auth("sandbox-access-key", Some("sandbox-secret"))
            .send()
            .await
            .expect("the sandbox answers")
            .json::<Value>()
            .await
            .expect("JSON")
    })
}

pub fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

/// The catalog `discover` prints for `config`.
pub fn discover(config: &Path) -> Vec<Value> {
    let run = run(&["discover", "--config", config.to_str().unwrap()]);
    assert_eq!(run.code, 0, "discover failed: {}", run.stdout);
    let catalog = run.of_type("CATALOG").next().expect("a CATALOG message");
    catalog["catalog"]["streams"].as_array().unwrap().clone()
}

/// A configured catalog of `streams` (name, sync mode) built from the discovered catalog, with every
/// optional field present, as the platform sends it.
pub fn configured_catalog(discovered: &[Value], streams: &[(&str, &str)]) -> Value {
    let entries: Vec<Value> = streams
        .iter()
        .map(|(name, mode)| {
            let stream = discovered
                .iter()
                .find(|s| s["name"] == *name)
                .unwrap_or_else(|| panic!("stream {name} discovered"))
                .clone();
            json!({
                "stream": stream,
                "sync_mode": mode,
                "destination_sync_mode": if *mode == "incremental" { "append_dedup" } else { "overwrite" },
                "cursor_field": stream.get("default_cursor_field").cloned().unwrap_or(json!([])),
                "primary_key": stream["source_defined_primary_key"].clone(),
                "generation_id": 1,
                "minimum_generation_id": 0,
                "sync_id": 1
            })
        })
        .collect();
    json!({ "streams": entries })
}

/// The primary key of a record as a string, asserting every key field is present and not null.
pub fn pk_of(record: &Value, pk: &[Value]) -> String {
    pk.iter()
        .map(|path| {
            let field = path[0].as_str().unwrap();
            let v = &record[field];
            assert!(
                !v.is_null(),
                "record lacks primary key field {field}: {record:.300}"
            );
            v.to_string()
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// The API requests a read sent, from its last LOG line ("Read N records … with M requests (…").
pub fn requests_sent(run: &Run) -> u64 {
    let line = run
        .of_type("LOG")
        .filter_map(|m| m["log"]["message"].as_str())
        .find(|l| l.starts_with("Read ") && l.contains(" requests ("))
        .expect("the end's LOG line");
    let before = line.split(" requests (").next().unwrap();
    before.rsplit(' ').next().unwrap().parse().unwrap()
}
