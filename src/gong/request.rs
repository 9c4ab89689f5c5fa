//! A request to Gong's API as a plain value: method, path, query and JSON body. The endpoint table
//! (`endpoints.rs`) builds them, the client (`client/`) sends them; it lives here, with what describes
//! Gong's API, so that the table does not import the client that sends its requests.
//!
//! Invariant: [`ApiRequest::describe`] never shows query values or bodies (messages carry it).

use reqwest::Method;
use serde_json::Value;

/// A request to Gong's API, relative to the base URL.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// Path starting with `/v2/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl ApiRequest {
    pub fn get(path: impl Into<String>) -> Self {
        ApiRequest {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    pub fn post(path: impl Into<String>, body: Value) -> Self {
        ApiRequest {
            method: Method::POST,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        }
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }

    /// `METHOD /path`, for messages (never includes query values, which may carry ids only, or bodies).
    pub fn describe(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}
