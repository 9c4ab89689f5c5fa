//! The Docker image, in containers (testcontainers): spec, check, discover and a read of every stream
//! against the sandbox, also in the platform's `sh -c 'cd … && eval "$AIRBYTE_ENTRYPOINT read …"'` form,
//! as user airbyte, with a read-only root filesystem.
//!
//! The images are built by `scripts/docker-build.sh`: the connector `source-gong-rs/source-gong:dev` and the
//! sandbox `gong-sandbox:dev`. If one is missing the tests run that script first; nothing is pulled, and
//! an image that still is missing fails the tests.
//!
//! Network: the sandbox runs in its own container on a user-defined network, with its port published
//! on the host. The connector accepts plain `http` only for loopback hosts (everything else must be
//! https), so the connector's containers use the host's network namespace and reach the sandbox at
//! `127.0.0.1:<published port>`. Nothing leaves the machine.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use testcontainers::core::wait::ExitWaitStrategy;
use testcontainers::core::{AccessMode, IntoContainerPort, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

const IMAGE: (&str, &str) = ("source-gong-rs/source-gong", "dev");
const SANDBOX_IMAGE: (&str, &str) = ("gong-sandbox", "dev");
const NETWORK: &str = "source-gong-container-tests";

fn image_exists((name, tag): (&str, &str)) -> bool {
    Command::new("docker")
        .args(["image", "inspect", &format!("{name}:{tag}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Builds the images with scripts/docker-build.sh when one is missing (once per process: the
/// workspace's `cargo test` runs before scripts/test.sh's own image step), then requires them.
fn require_image(image: (&str, &str)) {
    static BUILD: std::sync::Once = std::sync::Once::new();
    BUILD.call_once(|| {
        if !image_exists(IMAGE) || !image_exists(SANDBOX_IMAGE) {
            let status = Command::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/docker-build.sh"
            ))
            .status()
            .expect("scripts/docker-build.sh runs");
            assert!(status.success(), "scripts/docker-build.sh failed");
        }
    });
    require_built_image(image);
}

fn require_built_image((name, tag): (&str, &str)) {
    let found = Command::new("docker")
        .args(["image", "inspect", &format!("{name}:{tag}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "image {name}:{tag} is missing: build it with ./scripts/docker-build.sh (nothing is pulled)"
    );
}

async fn start_sandbox() -> (ContainerAsync<GenericImage>, String) {
    require_image(SANDBOX_IMAGE);
    let sandbox = GenericImage::new(SANDBOX_IMAGE.0, SANDBOX_IMAGE.1)
        .with_exposed_port(8080.tcp())
        .with_wait_for(WaitFor::message_on_stdout("listening on"))
        .with_network(NETWORK)
        .with_cmd([
            "--port", "8080", "--calls", "150", "--users", "12", "--days", "30",
        ])
        .start()
        .await
        .expect("the sandbox container starts");
    let port = sandbox
        .get_host_port_ipv4(8080.tcp())
        .await
        .expect("the sandbox port is published");
    (sandbox, format!("http://127.0.0.1:{port}"))
}

/// Runs the connector image to completion (exit code 0 required) and returns its stdout lines as
/// JSON. `entrypoint` overrides the image's (for the platform's `sh -c` form).
async fn run_image(
    entrypoint: Option<&str>,
    cmd: &[&str],
    source_dir: Option<&Path>,
) -> Vec<Value> {
    require_image(IMAGE);
    let mut image = GenericImage::new(IMAGE.0, IMAGE.1)
        .with_wait_for(WaitFor::exit(ExitWaitStrategy::new().with_exit_code(0)));
    if let Some(entrypoint) = entrypoint {
        image = image.with_entrypoint(entrypoint);
    }
    let mut request = image
        .with_cmd(cmd.iter().copied())
        .with_network("host")
        .with_readonly_rootfs(true)
        .with_startup_timeout(std::time::Duration::from_secs(600));
    if let Some(dir) = source_dir {
        request = request.with_mount(
            Mount::bind_mount(dir.to_str().unwrap(), "/source")
                .with_access_mode(AccessMode::ReadOnly),
        );
    }
    let container = request
        .start()
        .await
        .unwrap_or_else(|e| panic!("`{}` in the image did not exit 0: {e}", cmd.join(" ")));
    let stdout = container.stdout_to_vec().await.unwrap();
    let stdout = String::from_utf8(stdout).expect("stdout is UTF-8");
    container.rm().await.ok();
    stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:.300}"))
        })
        .collect()
}

fn of_type<'a>(messages: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    messages.iter().filter(move |m| m["type"] == kind)
}

/// A directory for /source: config.json and catalog.json readable by the container's user.
fn source_dir(base_url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "credentials": {"auth_type": "access_key", "access_key": "sandbox-access-key", "access_key_secret": "sandbox-secret"},
        "base_url": base_url,
        "requests_per_second": 500,
        "max_concurrent_requests": 4
    });
    write(dir.path(), "config.json", &config);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn write(dir: &Path, name: &str, value: &Value) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(value).unwrap()).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
}

/// A configured catalog of every discovered stream (incremental where supported), as the platform
/// sends it: optional fields present, generation ids.
fn full_catalog(streams: &[Value]) -> Value {
    let entries: Vec<Value> = streams
        .iter()
        .map(|s| {
            let incremental = s["supported_sync_modes"]
                .as_array()
                .unwrap()
                .contains(&json!("incremental"));
            json!({
                "stream": s,
                "sync_mode": if incremental { "incremental" } else { "full_refresh" },
                "destination_sync_mode": if incremental { "append_dedup" } else { "overwrite" },
                "cursor_field": s.get("default_cursor_field").cloned().unwrap_or(json!([])),
                "primary_key": s["source_defined_primary_key"],
                "generation_id": 1,
                "minimum_generation_id": 0,
                "sync_id": 1
            })
        })
        .collect();
    json!({"streams": entries})
}

/// Every stream has records and ends COMPLETE; no error.
fn assert_read_complete(messages: &[Value], streams: &[Value]) -> BTreeMap<String, usize> {
    let mut records: BTreeMap<String, usize> = BTreeMap::new();
    for m in of_type(messages, "RECORD") {
        *records
            .entry(m["record"]["stream"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let errors: Vec<&Value> = of_type(messages, "TRACE")
        .filter(|m| m["trace"]["type"] == "ERROR")
        .collect();
    assert!(errors.is_empty(), "errors: {errors:?}");
    for stream in streams {
        let name = stream["name"].as_str().unwrap();
        assert!(
            records.get(name).copied().unwrap_or(0) > 0,
            "{name} has no records"
        );
        let last_status = of_type(messages, "TRACE")
            .filter(|m| m["trace"]["type"] == "STREAM_STATUS")
            .filter(|m| m["trace"]["stream_status"]["stream_descriptor"]["name"] == name)
            .map(|m| m["trace"]["stream_status"]["status"].as_str().unwrap())
            .last();
        assert_eq!(last_status, Some("COMPLETE"), "{name}");
    }
    records
}

#[tokio::test(flavor = "multi_thread")]
async fn image_follows_airbytes_conventions() {
    require_image(IMAGE);
    let inspect = Command::new("docker")
        .args(["image", "inspect", &format!("{}:{}", IMAGE.0, IMAGE.1)])
        .output()
        .unwrap();
    let inspect: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let image = &inspect[0];
    assert_eq!(image["Architecture"], "amd64");
    let config = &image["Config"];
    assert_eq!(config["User"], "airbyte");
    assert_eq!(config["WorkingDir"], "/airbyte");
    assert_eq!(config["Entrypoint"], json!(["/airbyte/bin/source-gong"]));
    assert_eq!(
        config["Labels"]["io.airbyte.name"],
        "source-gong-rs/source-gong"
    );
    assert_eq!(
        config["Labels"]["io.airbyte.version"],
        env!("CARGO_PKG_VERSION")
    );
    assert!(config["Env"]
        .as_array()
        .unwrap()
        .contains(&json!("AIRBYTE_ENTRYPOINT=/airbyte/bin/source-gong")));
    // README's size claim ("source-gong-rs/source-gong:dev (about N MB)") is the image's, within 15%.
    let size = image["Size"].as_f64().unwrap() / 1e6;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let claim: f64 = regex::Regex::new(r"source-gong-rs/source-gong:dev \(about (\d+) MB\)")
        .unwrap()
        .captures(&readme)
        .expect("README states the image size")[1]
        .parse()
        .unwrap();
    assert!(
        (claim - size).abs() <= 0.15 * size,
        "README says about {claim} MB; the image is {size:.1} MB"
    );

    // Inside: user airbyte owns /airbyte; sh, sleep and the entrypoint work on a read-only root.
    let script = r#"printf '{"user":"%s","uid":%s,"owner":"%s","cwd":"%s"}\n' "$(id -un)" "$(id -u)" "$(stat -c %U /airbyte)" "$(pwd)"; sleep 0.1 && $AIRBYTE_ENTRYPOINT spec"#;
    let messages = run_image(Some("/bin/sh"), &["-c", script], None).await;
    assert_eq!(
        messages[0],
        json!({"user": "airbyte", "uid": 1000, "owner": "airbyte", "cwd": "/airbyte"})
    );
    assert_eq!(messages[1]["type"], "SPEC");
}

#[tokio::test(flavor = "multi_thread")]
async fn spec_check_discover_and_read_every_stream_in_containers() {
    let (_sandbox, base_url) = start_sandbox().await;
    let dir = source_dir(&base_url);

    let spec = run_image(None, &["spec"], None).await;
    assert_eq!(spec.len(), 1);
    assert_eq!(spec[0]["type"], "SPEC");
    assert!(spec[0]["spec"]["connectionSpecification"]["properties"]["credentials"].is_object());

    let check = run_image(
        None,
        &["check", "--config", "/source/config.json"],
        Some(dir.path()),
    )
    .await;
    let status: Vec<&Value> = of_type(&check, "CONNECTION_STATUS").collect();
    assert_eq!(status.len(), 1);
    assert_eq!(
        status[0]["connectionStatus"]["status"], "SUCCEEDED",
        "{check:?}"
    );

    let discover = run_image(
        None,
        &["discover", "--config", "/source/config.json"],
        Some(dir.path()),
    )
    .await;
    let catalog = of_type(&discover, "CATALOG").next().expect("a CATALOG");
    let streams = catalog["catalog"]["streams"].as_array().unwrap().clone();
    assert!(streams.len() >= 14, "{} streams", streams.len());
    write(dir.path(), "catalog.json", &full_catalog(&streams));

    let read = run_image(
        None,
        &[
            "read",
            "--config",
            "/source/config.json",
            "--catalog",
            "/source/catalog.json",
        ],
        Some(dir.path()),
    )
    .await;
    let records = assert_read_complete(&read, &streams);
    assert_eq!(records["users"], 12);
    assert_eq!(records["calls"], 150);
    assert!(of_type(&read, "STATE").count() > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_platforms_shell_form_reads_from_another_directory() {
    let (_sandbox, base_url) = start_sandbox().await;
    let dir = source_dir(&base_url);
    let discover = run_image(
        None,
        &["discover", "--config", "/source/config.json"],
        Some(dir.path()),
    )
    .await;
    let streams = of_type(&discover, "CATALOG").next().unwrap()["catalog"]["streams"]
        .as_array()
        .unwrap()
        .clone();
    write(dir.path(), "catalog.json", &full_catalog(&streams));

    let read = run_image(
        Some("sh"),
        &[
            "-c",
            r#"cd /tmp && eval "$AIRBYTE_ENTRYPOINT read --config /source/config.json --catalog /source/catalog.json""#,
        ],
        Some(dir.path()),
    )
    .await;
    assert_read_complete(&read, &streams);

    // A second sync with the state of the first (as the platform passes it, --state).
    let states: Vec<Value> = of_type(&read, "STATE")
        .map(|m| m["state"].clone())
        .collect();
    let mut last: BTreeMap<String, Value> = BTreeMap::new();
    for s in states {
        last.insert(
            s["stream"]["stream_descriptor"]["name"]
                .as_str()
                .unwrap()
                .to_string(),
            s,
        );
    }
    write(
        dir.path(),
        "state.json",
        &Value::Array(last.into_values().collect()),
    );
    let second = run_image(
        Some("sh"),
        &[
            "-c",
            r#"cd / && eval "$AIRBYTE_ENTRYPOINT read --config /source/config.json --catalog /source/catalog.json --state /source/state.json""#,
        ],
        Some(dir.path()),
    )
    .await;
    assert!(of_type(&second, "RECORD").count() < of_type(&read, "RECORD").count());
    for stream in &streams {
        let name = stream["name"].as_str().unwrap();
        let last_status = of_type(&second, "TRACE")
            .filter(|m| m["trace"]["type"] == "STREAM_STATUS")
            .filter(|m| m["trace"]["stream_status"]["stream_descriptor"]["name"] == name)
            .map(|m| m["trace"]["stream_status"]["status"].as_str().unwrap())
            .last();
        assert_eq!(last_status, Some("COMPLETE"), "{name}");
    }
}

/// README's `docker run … --network host …` command ("Try it by hand", "In Docker"), run as written
/// with `bash` from a directory holding a config.json for the sandbox: it reaches a server on the host's
/// loopback.
#[tokio::test(flavor = "multi_thread")]
async fn the_readmes_docker_run_command_works_as_written() {
    require_image(IMAGE);
    let (_sandbox, base_url) = start_sandbox().await;
    let dir = source_dir(&base_url);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let command = readme
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("docker run --rm --network host -v \"$PWD\":/work "))
        .expect("README gives the docker run command");
    let out = Command::new("bash")
        .args(["-c", command])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{command}: {stdout}");
    assert!(
        stdout.contains(r#""status":"SUCCEEDED""#),
        "{command}: {stdout:.1000}"
    );
}
