//! OAuth helpers shared by the OAuth suites: configs of both forms the platform and users hold (the
//! OAuth flow's access token + expiry + refresh token, or a refresh token alone), the rotated configs a
//! run announced, and the sandbox's count of token requests.

use std::path::Path;

use gong_sandbox::BlockingSandbox;
use serde_json::{json, Value};

use super::Run;

pub const TOKEN_ROUTE: &str = "POST /oauth2/generate-customer-token";

/// Client id, client secret and a refresh token: what a self-managed user may enter.
pub fn refresh_only_config(base_url: &str, refresh_token: &str) -> Value {
    json!({
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": "sandbox-client-id",
            "client_secret": "sandbox-client-secret",
            "refresh_token": refresh_token
        },
        "base_url": base_url,
        "start_date": "2020-01-01",
        "oauth_token_url": format!("{base_url}/oauth2/generate-customer-token"),
        "requests_per_second": 1000,
        "max_concurrent_requests": 4
    })
}

/// What the platform's OAuth flow stores: it trades the sandbox's current refresh token itself and
/// keeps the access token, its expiry date and the new refresh token.
pub fn oauth_flow_config(sb: &BlockingSandbox) -> Value {
    let base = sb.base_url();
    let token = trade_refresh_token(&base, &sb.current_refresh_token());
    let expires_in = token["expires_in"].as_i64().unwrap();
    let expiry = chrono::Utc::now() + chrono::Duration::seconds(expires_in);
    let mut config = refresh_only_config(&base, token["refresh_token"].as_str().unwrap());
    config["credentials"]["access_token"] = token["access_token"].clone();
    config["credentials"]["token_expiry_date"] =
        json!(expiry.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    config
}

/// One call of the sandbox's token endpoint, as an OAuth flow makes it.
pub fn trade_refresh_token(base: &str, refresh_token: &str) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/oauth2/generate-customer-token"))
            .query(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ])
            .basic_auth("sandbox-client-id", Some("sandbox-client-secret"))
            .send()
            .await
            .expect("the token endpoint answers")
            .json::<Value>()
            .await
            .expect("JSON")
    })
}

/// The configs a run announced in CONTROL (CONNECTOR_CONFIG) messages, in order.
pub fn controls(run: &Run) -> Vec<Value> {
    run.of_type("CONTROL")
        .map(|m| {
            assert_eq!(m["control"]["type"], "CONNECTOR_CONFIG");
            m["control"]["connectorConfig"]["config"].clone()
        })
        .collect()
}

/// The LOG messages of `level` whose text contains `needle`.
pub fn logs_with<'a>(run: &'a Run, level: &str, needle: &str) -> Vec<&'a str> {
    run.of_type("LOG")
        .filter(|m| m["log"]["level"] == level)
        .filter_map(|m| m["log"]["message"].as_str())
        .filter(|t| t.contains(needle))
        .collect()
}

/// How many token requests the sandbox has answered.
pub fn token_requests(sb: &BlockingSandbox) -> u64 {
    sb.stats().by_path.get(TOKEN_ROUTE).copied().unwrap_or(0)
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The refresh token a config holds.
pub fn refresh_token_of(config: &Value) -> &str {
    config["credentials"]["refresh_token"].as_str().unwrap()
}

#[cfg(unix)]
pub fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
