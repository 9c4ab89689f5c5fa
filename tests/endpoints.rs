//! The endpoint and stream tables against the sandbox and the models: every endpoint is a route the
//! sandbox serves (started in-process) with a scope it knows, and every stream has a schema holding its
//! primary key and cursor fields.

use gong_sandbox::{Sandbox, SandboxConfig, ALL_SCOPES};
use serde_json::{json, Value};
use source_gong::gong::endpoints::{Method, ENDPOINTS};
use source_gong::models::{stream_schema, STREAM_NAMES};
use source_gong::streams::STREAMS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_is_a_route_of_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let http = reqwest::Client::new();
    for endpoint in ENDPOINTS {
        let url = format!(
            "{}{}",
            sandbox.base_url(),
            endpoint.path.replace("{id}", "0")
        );
        let request = match endpoint.method {
            Method::Get => http.get(&url),
            Method::Post => http.post(&url).json(&json!({"filter": {}})),
        };
        let response = request
            .basic_auth("sandbox-access-key", Some("sandbox-secret"))
            .send()
            .await
            .expect("the sandbox answers");
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{} {}: {body}", endpoint.path, status);
        assert!(
            !body.contains("No such endpoint"),
            "{:?} {} is not a sandbox route: {body}",
            endpoint.method,
            endpoint.path
        );
        assert!(
            ALL_SCOPES.contains(&endpoint.scope),
            "{}: unknown scope {}",
            endpoint.path,
            endpoint.scope
        );
    }
}

/// The field `name` of an object schema, looking through `allOf`/`anyOf` wrappers.
fn has_property(schema: &Value, name: &str) -> bool {
    if schema["properties"].get(name).is_some() {
        return true;
    }
    ["allOf", "anyOf", "oneOf"].iter().any(|k| {
        schema[*k]
            .as_array()
            .is_some_and(|parts| parts.iter().any(|p| has_property(p, name)))
    })
}

#[test]
fn every_stream_has_a_schema_with_its_keys_and_cursor() {
    let names: Vec<&str> = STREAMS.iter().map(|s| s.name).collect();
    assert_eq!(
        names, STREAM_NAMES,
        "the stream table and models::STREAM_NAMES agree"
    );
    for def in STREAMS {
        let schema = stream_schema(def.name).expect("a schema");
        assert_eq!(schema, def.json_schema());
        assert_eq!(schema["type"], "object", "{}", def.name);
        assert!(has_property(&schema, def.primary_key[0]), "{}", def.name);
        for key in def.primary_key.iter().chain(def.cursor.iter()) {
            assert!(
                has_property(&schema, key),
                "{}: no `{key}` in its schema",
                def.name
            );
        }
        assert_eq!(def.catalog_entry().json_schema, schema);
    }
    assert!(stream_schema("no_such_stream").is_none());
}
