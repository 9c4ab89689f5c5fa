#![allow(dead_code)]
use gong_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

pub const KEY: &str = "sandbox-access-key";
pub const SECRET: &str = "sandbox-secret";

pub async fn start(cfg: SandboxConfig) -> Sandbox {
    Sandbox::start(cfg).await.expect("sandbox starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

pub async fn get(sb: &Sandbox, path: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{}{path}", sb.base_url()))
        .basic_auth(KEY, Some(SECRET))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

pub async fn post(sb: &Sandbox, path: &str, body: &Value) -> (u16, Value) {
    let r = client()
        .post(format!("{}{path}", sb.base_url()))
        .basic_auth(KEY, Some(SECRET))
        .json(body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

pub fn errors(v: &Value) -> String {
    v["errors"][0].as_str().unwrap_or("").to_string()
}

pub fn all_fields_selector() -> Value {
    json!({
        "context": "Extended",
        "contextTiming": ["Now", "TimeOfCall"],
        "exposedFields": {
            "parties": true,
            "media": true,
            "content": {"structure": true, "topics": true, "trackers": true, "trackerOccurrences": true,
                        "pointsOfInterest": true, "brief": true, "outline": true, "highlights": true,
                        "callOutcome": true, "keyPoints": true},
            "interaction": {"speakers": true, "video": true, "personInteractionStats": true, "questions": true},
            "collaboration": {"publicComments": true}
        }
    })
}

/// Collects every page of a GET (query cursor) or POST (body cursor) endpoint.
pub async fn all_pages(
    sb: &Sandbox,
    method: &str,
    path: &str,
    body: Option<Value>,
    key: &str,
) -> (Vec<Value>, Vec<Value>) {
    let mut items = Vec::new();
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let (s, v) = if method == "GET" {
            let sep = if path.contains('?') { '&' } else { '?' };
            let p = match &cursor {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_string(),
            };
            get(sb, &p).await
        } else {
            let mut b = body.clone().unwrap_or(json!({}));
            if let Some(c) = &cursor {
                b["cursor"] = json!(c);
            }
            post(sb, path, &b).await
        };
        assert_eq!(s, 200, "{path}: {v}");
        items.extend(v[key].as_array().cloned().unwrap_or_default());
        cursor = v["records"]["cursor"].as_str().map(String::from);
        pages.push(v);
        if cursor.is_none() {
            break;
        }
    }
    (items, pages)
}
