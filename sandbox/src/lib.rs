//! `gong-sandbox`: a faithful local simulator of Gong's REST API v2.
//!
//! The shapes of every response follow Gong's own OpenAPI document (`spec/gong-openapi.json`).
//! Start it in-process with [`Sandbox::start`] (async) or [`BlockingSandbox::start`] (sync tests),
//! or run the `gong-sandbox` binary.

pub mod cursor;
pub mod data;
pub mod faults;
pub mod media;
pub mod periods;
pub mod rng;
mod server;
pub mod text;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use data::{Dataset, Selector};
pub use faults::{FaultConfig, FaultKind};
pub use media::{fill_media, is_large_media_id, media_bytes, media_content_type, media_len};

/// Every OAuth scope the sandbox knows (from the spec's endpoint descriptions).
pub const ALL_SCOPES: &[&str] = &[
    "api:calls:read:basic",
    "api:calls:read:extensive",
    "api:calls:read:media-url",
    "api:calls:read:transcript",
    "api:users:read",
    "api:workspaces:read",
    "api:stats:interaction",
    "api:stats:scorecards",
    "api:stats:user-actions",
    "api:stats:user-actions:detailed",
    "api:settings:trackers:read",
    "api:settings:scorecards:read",
    "api:library:read",
    "api:coaching:read",
    "api:logs:read",
    "api:call-user-access:read",
    "api:crm-calls:manual-association:read",
    "api:permission-profile:read",
    "api:flows:read",
    "api:crm:integrations:read",
    "api:crm:schema",
    "api:data-privacy:delete",
    "api:data-privacy:read",
];

/// Configuration of a sandbox instance.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Seed of the generated dataset (same seed + anchor = same data).
    pub seed: u64,
    /// Number of users (all but one in ten have a `managerId`).
    pub users: usize,
    /// Users with direct reports, the head of the company included; `None` = the historical default
    /// (`clamp(users / 6, 1, 5)` line managers under the head).
    pub managers: Option<usize>,
    /// Number of workspaces.
    pub workspaces: usize,
    /// Number of calls.
    pub calls: usize,
    /// Calls are spread over the last `days` days before `anchor`.
    pub days: u32,
    /// Reference instant: every generated date is relative to it (default: today 00:00 UTC).
    pub anchor: DateTime<Utc>,
    /// The sandbox clock (its "now"): data after it does not exist yet (`Dataset::set_clock`);
    /// `None` = the real time, the whole dataset visible.
    pub now: Option<DateTime<Utc>>,
    /// Number of settings scorecards.
    pub scorecards: usize,
    /// Number of keyword trackers.
    pub trackers: usize,
    /// Library folders per workspace.
    pub library_folders: usize,
    /// Accepted HTTP Basic user (access key).
    pub access_key: String,
    /// Accepted HTTP Basic password (access key secret).
    pub access_key_secret: String,
    /// Static Bearer tokens that are always accepted (never expire).
    pub bearer_tokens: Vec<String>,
    /// OAuth client id for `/oauth2/generate-customer-token`.
    pub oauth_client_id: String,
    /// OAuth client secret.
    pub oauth_client_secret: String,
    /// The initial (single-use) refresh token.
    pub oauth_refresh_token: String,
    /// Lifetime of access tokens issued by the token endpoint, in seconds.
    pub access_token_ttl_secs: u64,
    /// Scopes that Bearer tokens do NOT have (requests needing them get 403).
    pub denied_scopes: Vec<String>,
    /// Token-bucket rate limit in requests per second (burst = the rate); 0 = unlimited.
    pub rate_limit_per_sec: f64,
    /// Requests per UTC day; 0 = unlimited.
    pub daily_limit: u64,
    /// Uniform random latency per API request, in milliseconds (min, max).
    pub latency_ms: (u64, u64),
    /// Injected faults.
    pub faults: FaultConfig,
    /// Lifetime of media URLs, in seconds (Gong: 8 hours).
    pub media_url_ttl_secs: u64,
    /// Delay before each answer of the media host (`/media/*`), in milliseconds (min, max), as an object
    /// store's first-byte latency; `(0, 0)` = none.
    pub media_latency_ms: (u64, u64),
    /// The media host answers HEAD with 403, as S3 does for a URL presigned for GET only.
    pub media_refuse_head: bool,
    /// Lifetime of pagination cursors, in seconds.
    pub cursor_ttl_secs: u64,
    /// Sentences per transcript (min, max); about 1 call in 40 has 2 000–5 000 instead.
    pub transcript_sentences: (usize, usize),
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            users: 25,
            managers: None,
            workspaces: 2,
            calls: 600,
            days: 60,
            anchor: data::today_midnight(),
            now: None,
            scorecards: 4,
            trackers: 6,
            library_folders: 5,
            access_key: "sandbox-access-key".into(),
            access_key_secret: "sandbox-secret".into(),
            bearer_tokens: vec!["sandbox-token".into()],
            oauth_client_id: "sandbox-client-id".into(),
            oauth_client_secret: "sandbox-client-secret".into(),
            oauth_refresh_token: "sandbox-refresh-token-0".into(),
            access_token_ttl_secs: 3600,
            denied_scopes: Vec::new(),
            rate_limit_per_sec: 0.0,
            daily_limit: 0,
            latency_ms: (0, 0),
            faults: FaultConfig::default(),
            media_url_ttl_secs: 8 * 3600,
            media_latency_ms: (0, 0),
            media_refuse_head: false,
            cursor_ttl_secs: 3600,
            transcript_sentences: (20, 300),
        }
    }
}

/// Request counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestStats {
    /// Every request received (API, media, OAuth, admin).
    pub total_requests: u64,
    /// Requests to `/v2/*`.
    pub api_requests: u64,
    /// Requests per `METHOD /route` (route templates, e.g. `GET /v2/users/{id}`).
    pub by_path: BTreeMap<String, u64>,
    /// Responses per HTTP status.
    pub by_status: BTreeMap<u16, u64>,
    /// 429s sent by the rate limiter (per-second or daily).
    pub rate_limited: u64,
    /// Every 429 sent (rate limiter + injected).
    pub too_many_requests: u64,
    /// Injected faults.
    pub faults_injected: u64,
    /// Injected faults per kind name.
    pub faults_by_kind: BTreeMap<String, u64>,
}

/// A running sandbox server (stops when dropped).
pub struct Sandbox {
    state: Arc<server::AppState>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Sandbox {
    /// Starts a sandbox on `127.0.0.1` with a free port.
    pub async fn start(cfg: SandboxConfig) -> std::io::Result<Sandbox> {
        Sandbox::start_on(cfg, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a sandbox on the given address.
    pub async fn start_on(cfg: SandboxConfig, addr: SocketAddr) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        let base_url = format!("http://{host}:{}", addr.port());
        let state = Arc::new(server::AppState::new(cfg, base_url));
        let app = server::router(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Sandbox { state, addr, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The live dataset (changes with [`Sandbox::add_call`]).
    pub fn dataset(&self) -> &Arc<RwLock<Dataset>> {
        &self.state.dataset
    }

    /// Current request counters.
    pub fn stats(&self) -> RequestStats {
        self.state.stats.lock().unwrap().clone()
    }

    /// Resets the request counters.
    pub fn reset_stats(&self) {
        *self.state.stats.lock().unwrap() = RequestStats::default();
    }

    /// Replaces the fault configuration (request numbering for faults restarts at 0).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.set_faults(faults);
    }

    /// Adds a call started at `started` (late-processed data: transcript, content and media
    /// included); returns its id.
    pub fn add_call(&self, started: DateTime<Utc>) -> String {
        self.state.dataset.write().unwrap().add_call(started)
    }

    /// Sets the sandbox clock (`None`: the real time); see [`Dataset::set_clock`].
    pub fn set_clock(&self, now: Option<DateTime<Utc>>) {
        self.state.dataset.write().unwrap().set_clock(now);
    }

    /// Expires every access token issued by the OAuth endpoint.
    pub fn expire_tokens(&self) {
        self.state.expire_tokens();
    }

    /// The current valid refresh token (after the refreshes done so far).
    pub fn current_refresh_token(&self) -> String {
        self.state.tokens.lock().unwrap().refresh.clone()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A sandbox running on its own Tokio runtime, for synchronous tests.
pub struct BlockingSandbox {
    sandbox: Option<Sandbox>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl BlockingSandbox {
    /// Starts a sandbox on `127.0.0.1` with a free port, on a private 2-thread runtime.
    pub fn start(cfg: SandboxConfig) -> std::io::Result<BlockingSandbox> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let sandbox = runtime.block_on(Sandbox::start(cfg))?;
        Ok(BlockingSandbox {
            sandbox: Some(sandbox),
            runtime: Some(runtime),
        })
    }
}

impl std::ops::Deref for BlockingSandbox {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        self.sandbox.as_ref().unwrap()
    }
}

impl Drop for BlockingSandbox {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            let _guard = rt.enter();
            self.sandbox.take();
            drop(_guard);
            rt.shutdown_background();
        }
    }
}
