//! The one Gong HTTP client. Every request of every stream and command goes through [`GongClient::send`]:
//! it adds auth, paces requests inside the configured budget, retries what may succeed later, and turns
//! everything else into an [`Error`] of the right kind.
//!
//! Retry policy, decided in one place ([`classify_status`] and [`classify_transport`]):
//! - 429: wait `Retry-After` (or back off with jitter when Gong omits it) and pause every other request
//!   too, since the limit is per company. A wait longer than `max_rate_limit_wait_seconds` (the daily
//!   quota is spent) stops the sync with a transient error that says when to retry.
//! - 5xx, 408, connection resets, timeouts, truncated or unreadable bodies: exponential backoff with
//!   jitter, up to [`RetryPolicy::max_attempts`].
//! - 400, 401, 403 and other 4xx: never retried. 401/403 are config errors (credentials, scopes).
//! - 404: handed back to the caller, which knows whether this endpoint's 404 means "no data".

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::time::Instant;
use url::Url;

use crate::config::{Auth, Config, Secret};
use crate::error::{Error, ErrorKind, Result};

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

/// What Gong answered, once retries are done.
#[derive(Debug)]
pub enum Reply<T> {
    Ok(T),
    /// HTTP 404 with Gong's error texts: "no data" for some endpoints, a real failure for others.
    NotFound(String),
}

/// The attempts made for one request so far, across everything that may retry it: statuses, transport
/// failures, and bodies that broke off or could not be read (also midway through a streamed page).
#[derive(Debug, Default)]
pub struct Attempts {
    n: u32,
    refreshed: bool,
}

/// Why the body of a success could not be used.
pub enum BodyFailure {
    /// Reading it failed (reset, timeout): the error says which.
    Broke(Error),
    /// It arrived but is not what the endpoint returns; the reason.
    Unreadable(String),
}

/// The unread body of one answer.
pub struct Body {
    response: reqwest::Response,
    timeout: Duration,
}

impl Body {
    /// The body's length, when Gong says it.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The next piece of the body, `None` at its end. Waits for Gong at most the request timeout.
    pub async fn chunk(&mut self, client: &GongClient, req: &ApiRequest) -> Result<Option<Bytes>> {
        tokio::time::timeout(self.timeout, self.response.chunk())
            .await
            .map_err(|_| client.timeout_error(req))?
            .map_err(|e| client.transport_error(req, &e))
    }

    /// The whole body, read into one buffer sized from Content-Length: collecting chunks and then
    /// joining them would hold every page twice.
    pub async fn read_all(mut self, client: &GongClient, req: &ApiRequest) -> Result<Bytes> {
        let expected = self.response.content_length().unwrap_or(0).min(256 << 20) as usize;
        let mut buf = Vec::with_capacity(expected);
        while let Some(chunk) = self.chunk(client, req).await? {
            buf.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(buf))
    }
}

/// What to do with an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Success,
    NotFound,
    /// Retry after this long, or after backoff when `None`.
    Retry(Option<Duration>),
    /// Stop with this kind of error.
    Fail(ErrorKind),
    /// The access token expired or was revoked: refresh it (OAuth) or fail as a config error.
    Unauthorized,
}

/// The single decision of which statuses are retried. See the module doc.
pub fn classify_status(status: u16, retry_after: Option<Duration>) -> Verdict {
    match status {
        200..=299 => Verdict::Success,
        404 => Verdict::NotFound,
        429 => Verdict::Retry(retry_after),
        401 => Verdict::Unauthorized,
        403 => Verdict::Fail(ErrorKind::Config),
        408 | 425 | 500..=599 => Verdict::Retry(retry_after),
        400..=499 => Verdict::Fail(ErrorKind::System),
        _ => Verdict::Fail(ErrorKind::System),
    }
}

/// Transport failures: is this worth another try?
pub fn classify_transport(error: &reqwest::Error) -> Verdict {
    if error.is_builder() || error.is_redirect() {
        Verdict::Fail(ErrorKind::System)
    } else {
        // Timeouts, refused or reset connections, DNS hiccups and broken bodies can all pass.
        Verdict::Retry(None)
    }
}

/// Parses `Retry-After` (seconds; Gong does not send HTTP dates, but accept them).
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(7.0 * 86400.0)));
        }
    }
    let when = DateTime::parse_from_rfc2822(text).ok()?.with_timezone(&Utc);
    (when - Utc::now()).to_std().ok().or(Some(Duration::ZERO))
}

/// How many times and how patiently to retry.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// First backoff; doubles each attempt (with full jitter) up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest `Retry-After` the client waits for.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            max_rate_limit_wait: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// Backoff before attempt `attempt + 1` (attempt counts from 1), with full jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp =
            self.base_backoff.as_secs_f64() * 2f64.powi(attempt.saturating_sub(1).min(20) as i32);
        let capped = exp.min(self.max_backoff.as_secs_f64());
        Duration::from_secs_f64(capped * (0.5 + 0.5 * jitter()))
    }
}

/// A cheap uniform number in [0, 1) for jitter; no need for a crypto RNG here.
fn jitter() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

tokio::task_local! {
    /// The budget's priority of the requests a task sends: lower goes first. The sync engine runs each
    /// slice with its sequence number, so the slice the writer waits for gets the next slot; requests
    /// outside any slice (parent lists, `check`, `execute`) have 0.
    pub static PRIORITY: u64;
}

/// Client-side request budget: requests are spaced at most `per_second` apart, and at most `per_day` are
/// sent by this process, so Gong's 429 is rare rather than the pacing mechanism. A 429 pushes the next
/// slot of every request back by its `Retry-After`. When requests wait for slots, the one with the lowest
/// [`PRIORITY`] (then the earliest) goes first.
#[derive(Debug)]
pub struct RateBudget {
    interval: Duration,
    per_day: u64,
    state: Mutex<BudgetState>,
    changed: tokio::sync::Notify,
}

#[derive(Debug)]
struct BudgetState {
    next_slot: Instant,
    used: u64,
    arrivals: u64,
    /// (priority, arrival) of every request waiting for a slot.
    waiting: std::collections::BTreeSet<(u64, u64)>,
}

/// Lateness of a timer wake-up that still counts as on time: keeps slots on their grid instead of
/// drifting by the timer's slack on every request.
const SLOT_SLACK: Duration = Duration::from_millis(5);

/// A slot this close is taken at once: tokio's timer ticks in milliseconds, so sleeping for less would
/// cost a whole tick per request (1,000 pages paid a second for it at high budgets). The average rate is
/// unchanged; a request goes at most this much early.
const SLOT_EARLY: Duration = Duration::from_millis(1);

impl RateBudget {
    pub fn new(per_second: f64, per_day: u64) -> Self {
        RateBudget {
            interval: Duration::from_secs_f64(1.0 / per_second),
            per_day,
            state: Mutex::new(BudgetState {
                next_slot: Instant::now(),
                used: 0,
                arrivals: 0,
                waiting: Default::default(),
            }),
            changed: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for this request's slot. Fails when the day's budget is spent.
    pub async fn acquire(&self) -> Result<()> {
        let priority = PRIORITY.try_with(|p| *p).unwrap_or(0);
        let key = {
            let mut st = self.lock();
            if st.used >= self.per_day {
                return Err(Error::transient(format!(
                    "The request budget of {} requests per day (requests_per_day) is spent. Progress is saved; run the sync again tomorrow or raise the budget if Gong raised your quota.",
                    self.per_day
                )));
            }
            st.used += 1;
            st.arrivals += 1;
            let key = (priority, st.arrivals);
            st.waiting.insert(key);
            key
        };
        // Leaves the queue however the wait ends (granted, or the request's task aborted).
        struct InLine<'a>(&'a RateBudget, (u64, u64));
        impl Drop for InLine<'_> {
            fn drop(&mut self) {
                if self.0.lock().waiting.remove(&self.1) {
                    self.0.changed.notify_waiters();
                }
            }
        }
        let _in_line = InLine(self, key);
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let slot = {
                let mut st = self.lock();
                let now = Instant::now();
                if st.waiting.first() == Some(&key) && now + SLOT_EARLY >= st.next_slot {
                    let slot = if now <= st.next_slot + SLOT_SLACK {
                        st.next_slot
                    } else {
                        now
                    };
                    st.next_slot = slot + self.interval;
                    return Ok(());
                }
                (st.waiting.first() == Some(&key)).then_some(st.next_slot)
            };
            match slot {
                Some(at) => {
                    tokio::select! {
                        _ = &mut notified => {}
                        _ = tokio::time::sleep_until(at) => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Pushes every future slot back until `until` (after a 429).
    pub fn pause_until(&self, until: Instant) {
        let mut st = self.lock();
        if st.next_slot < until {
            st.next_slot = until;
        }
        drop(st);
        self.changed.notify_waiters();
    }

    pub fn used(&self) -> u64 {
        self.lock().used
    }
}

/// Counters for the end-of-sync log line and benchmarks.
#[derive(Debug, Default)]
pub struct ClientStats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub rate_limited: AtomicU64,
    /// Pages asked for again after their answer broke off with records already handed out.
    pub resumed_pages: AtomicU64,
}

/// Called with the new full config after an OAuth refresh, before the new token is used, so a
/// single-use refresh token is never lost.
pub type ConfigSink = Arc<dyn Fn(Value) + Send + Sync>;

#[derive(Debug, Clone)]
struct OAuthState {
    access_token: Option<Secret>,
    refresh_token: Secret,
    base_url: Option<Url>,
}

pub struct GongClient {
    http: reqwest::Client,
    base_url: Mutex<Url>,
    auth: Auth,
    oauth: tokio::sync::Mutex<Option<OAuthState>>,
    /// Current bearer token for OAuth refresh mode, readable without awaiting.
    bearer: Mutex<Option<Secret>>,
    /// Access tokens obtained so far; a request remembers the one it was sent with, so a 401 on an
    /// already replaced token does not refresh again (refresh tokens are single-use).
    token_generation: AtomicU64,
    budget: RateBudget,
    retry: RetryPolicy,
    timeout: Duration,
    original_config: Value,
    config_sink: Mutex<Option<ConfigSink>>,
    pub stats: ClientStats,
}

impl std::fmt::Debug for GongClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GongClient")
            .field("base_url", &self.base_url())
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl GongClient {
    pub fn new(config: &Config) -> Result<Self> {
        Self::with_policy(
            config,
            RetryPolicy {
                max_rate_limit_wait: config.max_rate_limit_wait,
                base_backoff: config.retry_base_backoff,
                ..RetryPolicy::default()
            },
        )
    }

    pub fn with_policy(config: &Config, retry: RetryPolicy) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("source-gong/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .pool_max_idle_per_host(32)
            .https_only(false) // enforced by config validation: https, or http to loopback only
            .build()
            .map_err(|e| Error::system(format!("Could not build the HTTP client: {e}")))?;
        let oauth = match &config.auth {
            Auth::OAuthRefresh {
                refresh_token,
                access_token,
                ..
            } => Some(OAuthState {
                access_token: access_token.clone(),
                refresh_token: refresh_token.clone(),
                base_url: None,
            }),
            _ => None,
        };
        let bearer = oauth.as_ref().and_then(|o| o.access_token.clone());
        Ok(GongClient {
            http,
            base_url: Mutex::new(config.base_url.clone()),
            auth: config.auth.clone(),
            oauth: tokio::sync::Mutex::new(oauth),
            bearer: Mutex::new(bearer),
            token_generation: AtomicU64::new(0),
            budget: RateBudget::new(config.requests_per_second, config.requests_per_day),
            retry,
            timeout: config.request_timeout,
            original_config: config.original.clone(),
            config_sink: Mutex::new(None),
            stats: ClientStats::default(),
        })
    }

    /// Where rotated OAuth configs go (the `read` command emits them as CONTROL messages).
    pub fn set_config_sink(&self, sink: ConfigSink) {
        *self.config_sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    }

    pub fn base_url(&self) -> Url {
        self.base_url
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn requests_sent(&self) -> u64 {
        self.stats.requests.load(Ordering::Relaxed)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn url_for(&self, req: &ApiRequest) -> Result<Url> {
        let base = self.base_url();
        let mut url = base
            .join(req.path.trim_start_matches('/'))
            .map_err(|e| Error::system(format!("Bad request path {}: {e}", req.path)))?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter());
        }
        Ok(url)
    }

    /// Sends `req` until Gong answers with a success or a 404: pacing inside the budget, retries of what
    /// may succeed later, one token refresh on 401. The body of a success is left unread, for the caller
    /// to read whole ([`Body::read_all`]) or as it arrives ([`Body::chunk`]). `attempts` carries over
    /// between calls for the same request, so a body that breaks off counts against the same limit.
    pub async fn open(&self, req: &ApiRequest, attempts: &mut Attempts) -> Result<Reply<Body>> {
        loop {
            attempts.n += 1;
            if attempts.n > 1 {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
            }
            let attempt = attempts.n;
            // A spent client-side budget is final for this sync: retrying cannot refill it.
            self.budget.acquire().await?;
            let wait = match self.send_once(req).await {
                Ok((status, response, generation)) => {
                    let retry_after = parse_retry_after(response.headers());
                    let verdict = classify_status(status.as_u16(), retry_after);
                    if verdict == Verdict::Success {
                        return Ok(Reply::Ok(Body {
                            response,
                            timeout: self.timeout,
                        }));
                    }
                    // Answers other than success are small: Gong's error texts.
                    let body = Body {
                        response,
                        timeout: self.timeout,
                    }
                    .read_all(self, req)
                    .await
                    .unwrap_or_default();
                    match verdict {
                        Verdict::Success => unreachable!("returned above"),
                        Verdict::NotFound => return Ok(Reply::NotFound(gong_errors(&body))),
                        Verdict::Unauthorized => {
                            if matches!(self.auth, Auth::OAuthRefresh { .. }) && !attempts.refreshed
                            {
                                attempts.refreshed = true;
                                self.refresh_token(Some(generation)).await?;
                                continue;
                            }
                            return Err(self.status_error(req, status, &body));
                        }
                        Verdict::Fail(_) => return Err(self.status_error(req, status, &body)),
                        Verdict::Retry(after) => {
                            if status == StatusCode::TOO_MANY_REQUESTS {
                                self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                            }
                            if attempt >= self.retry.max_attempts {
                                return Err(self
                                    .status_error(req, status, &body)
                                    .context(format!("gave up after {attempt} attempts")));
                            }
                            let wait = after.unwrap_or_else(|| self.retry.backoff(attempt));
                            if status == StatusCode::TOO_MANY_REQUESTS {
                                if wait > self.retry.max_rate_limit_wait {
                                    let at = Utc::now()
                                        + chrono::Duration::from_std(wait).unwrap_or_default();
                                    return Err(Error::transient(format!(
                                        "Gong's rate limit asks to wait {} s (its daily quota is likely spent), more than max_rate_limit_wait_seconds ({} s). Progress is saved; run the sync again after {}.",
                                        wait.as_secs(),
                                        self.retry.max_rate_limit_wait.as_secs(),
                                        at.format("%Y-%m-%dT%H:%M:%SZ")
                                    )));
                                }
                                // The limit is per company: hold every request, not just this one.
                                self.budget.pause_until(Instant::now() + wait);
                            }
                            wait
                        }
                    }
                }
                Err(e) => {
                    if e.kind != ErrorKind::Transient || attempt >= self.retry.max_attempts {
                        // The error already names the request.
                        return Err(e.context(format!("gave up after {attempt} attempts")));
                    }
                    self.retry.backoff(attempt)
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// The body of a success could not be read whole: waits before the next attempt if one may help
    /// (Gong's next answer is usually whole), or returns the error that ends the request.
    pub async fn after_bad_body(
        &self,
        req: &ApiRequest,
        attempts: &Attempts,
        failure: BodyFailure,
    ) -> Result<()> {
        let attempt = attempts.n;
        match failure {
            BodyFailure::Broke(e) if e.kind != ErrorKind::Transient => {
                return Err(e.context(format!("gave up after {attempt} attempts")))
            }
            BodyFailure::Broke(e) if attempt >= self.retry.max_attempts => {
                return Err(e.context(format!("gave up after {attempt} attempts")))
            }
            BodyFailure::Unreadable(why) if attempt >= self.retry.max_attempts => {
                return Err(Error::system(format!(
                    "Gong sent an unreadable response to {} {attempt} times ({why}).",
                    req.describe()
                )))
            }
            _ => {}
        }
        tokio::time::sleep(self.retry.backoff(attempt)).await;
        Ok(())
    }

    /// Sends `req` (with retries) and hands the whole body to `parse`. A body that breaks off or that
    /// `parse` rejects (truncated, not JSON) is retried like a 5xx.
    pub async fn send_parsed<T>(
        &self,
        req: &ApiRequest,
        parse: impl Fn(&Bytes) -> std::result::Result<T, String>,
    ) -> Result<Reply<T>> {
        let mut attempts = Attempts::default();
        loop {
            let body = match self.open(req, &mut attempts).await? {
                Reply::Ok(body) => body,
                Reply::NotFound(text) => return Ok(Reply::NotFound(text)),
            };
            let failure = match body.read_all(self, req).await {
                Ok(bytes) => match parse(&bytes) {
                    Ok(value) => return Ok(Reply::Ok(value)),
                    Err(why) => BodyFailure::Unreadable(why),
                },
                Err(e) => BodyFailure::Broke(e),
            };
            self.after_bad_body(req, &attempts, failure).await?;
        }
    }

    /// Sends `req` and returns the raw body.
    pub async fn send(&self, req: &ApiRequest) -> Result<Reply<Vec<u8>>> {
        self.send_parsed(req, |b| Ok(b.to_vec())).await
    }

    /// One attempt (its budget slot already taken): auth, send, wait for the response's head.
    async fn send_once(&self, req: &ApiRequest) -> Result<(StatusCode, reqwest::Response, u64)> {
        self.ensure_token().await?;
        let url = self.url_for(req)?;
        let mut builder = self.http.request(req.method.clone(), url);
        // Before the token is read (see `token_generation`).
        let generation = self.token_generation.load(Ordering::SeqCst);
        builder = self.authorize(builder);
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        // The timeout bounds each wait for Gong (the head here, each piece of the body in `Body`), not the
        // whole exchange: a streamed page may rightly wait for the writer.
        let response = tokio::time::timeout(self.timeout, builder.send())
            .await
            .map_err(|_| self.timeout_error(req))?
            .map_err(|e| self.transport_error(req, &e))?;
        Ok((response.status(), response, generation))
    }

    fn timeout_error(&self, req: &ApiRequest) -> Error {
        Error::transient(format!(
            "{} timed out after {} s",
            req.describe(),
            self.timeout.as_secs()
        ))
    }

    /// Adds the Authorization header for the configured auth.
    pub fn authorize(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Auth::Basic { access_key, secret } => {
                builder.basic_auth(access_key.expose(), Some(secret.expose()))
            }
            Auth::Bearer { token } => {
                builder.header(AUTHORIZATION, format!("Bearer {}", token.expose()))
            }
            Auth::OAuthRefresh { .. } => {
                match self
                    .bearer
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref()
                {
                    Some(token) => {
                        builder.header(AUTHORIZATION, format!("Bearer {}", token.expose()))
                    }
                    None => builder,
                }
            }
        }
    }

    fn transport_error(&self, req: &ApiRequest, e: &reqwest::Error) -> Error {
        let kind = match classify_transport(e) {
            Verdict::Retry(_) => ErrorKind::Transient,
            Verdict::Fail(kind) => kind,
            _ => ErrorKind::System,
        };
        let host = self.base_url().host_str().unwrap_or("?").to_string();
        let what = if e.is_timeout() {
            format!("timed out after {} s", self.timeout.as_secs())
        } else if e.is_connect() {
            format!("could not connect to {host} (check base_url; is the host name right and reachable?)")
        } else if e.is_body() || e.is_decode() {
            "the response body broke off".to_string()
        } else {
            "the connection failed".to_string()
        };
        // reqwest's Display of a request error includes the URL, which has no secrets (auth is in headers).
        Error {
            kind,
            message: format!("{} {what}", req.describe()),
            internal: Some(error_chain(e)),
            status: None,
        }
    }

    fn status_error(&self, req: &ApiRequest, status: StatusCode, body: &[u8]) -> Error {
        let gong = gong_errors(body);
        let detail = if gong.is_empty() {
            String::new()
        } else {
            format!(" Gong said: {gong}")
        };
        let request_id = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
            v.get("requestId")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let (kind, message) = match status.as_u16() {
            401 => (
                ErrorKind::Config,
                format!("Gong rejected the credentials (HTTP 401) for {}. Check the access key and secret (or token), and that base_url is your tenant's API host.{detail}", req.describe()),
            ),
            403 => (
                ErrorKind::Config,
                format!("Gong denied access (HTTP 403) to {}: the key or token lacks the scope or permission this stream needs. Grant it in Gong, or deselect the stream.{detail}", req.describe()),
            ),
            429 => (
                ErrorKind::Transient,
                format!("Gong kept answering 429 (rate limit) for {}. Progress is saved; lower requests_per_second or run again later.{detail}", req.describe()),
            ),
            500..=599 => (
                ErrorKind::Transient,
                format!("Gong answered HTTP {} for {}. This is usually temporary; run the sync again.{detail}", status.as_u16(), req.describe()),
            ),
            code => (
                ErrorKind::System,
                format!("Gong answered HTTP {code} for {}.{detail}", req.describe()),
            ),
        };
        Error {
            kind,
            message,
            internal: request_id.map(|id| format!("Gong requestId {id}")),
            status: Some(status.as_u16()),
        }
    }

    /// In OAuth refresh mode, makes sure there is an access token before the first request.
    async fn ensure_token(&self) -> Result<()> {
        if matches!(self.auth, Auth::OAuthRefresh { .. })
            && self
                .bearer
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_none()
        {
            self.refresh_token(None).await?;
        }
        Ok(())
    }

    /// Trades the refresh token for a new access token. Gong's refresh tokens are single-use, so the new
    /// config goes to the config sink (a CONTROL message) before the new token is used. `rejected` is the
    /// generation of a token Gong refused: refresh unless a newer one exists already (several requests
    /// in flight get the same 401, and only the first may spend the refresh token).
    async fn refresh_token(&self, rejected: Option<u64>) -> Result<()> {
        let Auth::OAuthRefresh {
            client_id,
            client_secret,
            token_url,
            ..
        } = &self.auth
        else {
            return Ok(());
        };
        let mut guard = self.oauth.lock().await;
        let Some(state) = guard.as_mut() else {
            return Ok(());
        };
        // Another task refreshed while this one waited for the lock, or after this one's token was sent.
        let has_token = self
            .bearer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        let generation = self.token_generation.load(Ordering::SeqCst);
        let stale = match rejected {
            Some(used) => used == generation,
            None => !has_token,
        };
        if !stale {
            return Ok(());
        }
        let response = self
            .http
            .post(token_url.clone())
            .timeout(self.timeout)
            .basic_auth(client_id.expose(), Some(client_secret.expose()))
            .query(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", state.refresh_token.expose()),
            ])
            .send()
            .await
            .map_err(|e| {
                // Not the URL: its query carries the refresh token.
                Error::transient(format!(
                    "Could not reach Gong's OAuth token endpoint {token_url}."
                ))
                .with_internal(error_chain(&e.without_url()))
            })?;
        let status = response.status();
        let body = response.bytes().await.unwrap_or_default();
        if !status.is_success() {
            let kind = if status.is_server_error() {
                ErrorKind::Transient
            } else {
                ErrorKind::Config
            };
            return Err(Error {
                kind,
                message: format!(
                    "Gong refused to refresh the OAuth token (HTTP {}). The refresh token may be used or revoked: re-authenticate the source.",
                    status.as_u16()
                ),
                internal: None,
                status: Some(status.as_u16()),
            });
        }
        let token: Value = serde_json::from_slice(&body).map_err(|_| {
            Error::system("Gong's OAuth token endpoint sent a response that is not JSON.")
        })?;
        let access = token
            .get("access_token")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let refresh = token
            .get("refresh_token")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if access.is_empty() {
            return Err(Error::system(
                "Gong's OAuth token response has no access_token.",
            ));
        }
        let expires_in = token
            .get("expires_in")
            .and_then(Value::as_i64)
            .unwrap_or(3600);
        let expiry = Utc::now() + chrono::Duration::seconds(expires_in);
        let new_base = token
            .get("api_base_url_for_customer")
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok())
            .filter(|u| u.scheme() == "https" || u.host_str().is_some_and(is_loopback));
        if !refresh.is_empty() {
            state.refresh_token = Secret::new(refresh);
        }
        state.access_token = Some(Secret::new(access));
        state.base_url = new_base.clone();
        // Persist first: the old refresh token is already spent.
        let mut config = self.original_config.clone();
        if let Some(creds) = config.get_mut("credentials").and_then(Value::as_object_mut) {
            creds.insert("access_token".into(), json!(access));
            creds.insert("refresh_token".into(), json!(state.refresh_token.expose()));
            creds.insert(
                "token_expiry_date".into(),
                json!(expiry.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            );
        }
        if let Some(base) = &new_base {
            config["base_url"] = json!(base.as_str().trim_end_matches('/'));
        }
        let sink = self
            .config_sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(sink) = sink {
            sink(config);
        }
        if let Some(base) = new_base {
            *self.base_url.lock().unwrap_or_else(|p| p.into_inner()) = base;
        }
        *self.bearer.lock().unwrap_or_else(|p| p.into_inner()) = Some(Secret::new(access));
        // After the token: a request never claims a newer generation than the token it carries.
        self.token_generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Gong's `errors` array joined, or a short prefix of a non-JSON body.
pub fn gong_errors(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        if let Some(errors) = v.get("errors").and_then(Value::as_array) {
            return errors
                .iter()
                .map(|e| {
                    e.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| e.to_string())
                })
                .collect::<Vec<_>>()
                .join("; ");
        }
    }
    let text = String::from_utf8_lossy(body);
    text.chars().take(200).collect()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_once() {
        assert_eq!(classify_status(200, None), Verdict::Success);
        assert_eq!(classify_status(404, None), Verdict::NotFound);
        assert_eq!(
            classify_status(429, Some(Duration::from_secs(2))),
            Verdict::Retry(Some(Duration::from_secs(2)))
        );
        assert_eq!(classify_status(429, None), Verdict::Retry(None));
        for s in [500, 502, 503, 504, 408] {
            assert_eq!(classify_status(s, None), Verdict::Retry(None), "{s}");
        }
        assert_eq!(classify_status(401, None), Verdict::Unauthorized);
        assert_eq!(classify_status(403, None), Verdict::Fail(ErrorKind::Config));
        assert_eq!(classify_status(400, None), Verdict::Fail(ErrorKind::System));
        assert_eq!(classify_status(422, None), Verdict::Fail(ErrorKind::System));
    }

    #[test]
    fn retry_after_parses_seconds() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(RETRY_AFTER, "garbage".parse().unwrap());
        assert_eq!(parse_retry_after(&h), None);
        assert_eq!(parse_retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for attempt in 1..30 {
            let b = p.backoff(attempt);
            assert!(b <= p.max_backoff, "{b:?}");
            let floor =
                (p.base_backoff.as_secs_f64() * 2f64.powi(attempt as i32 - 1)).min(60.0) * 0.5;
            assert!(
                b.as_secs_f64() >= floor - 1e-9,
                "attempt {attempt}: {b:?} < {floor}"
            );
        }
    }

    #[test]
    fn gong_error_texts() {
        assert_eq!(
            gong_errors(br#"{"requestId":"x","errors":["No calls found corresponding to the provided filters"]}"#),
            "No calls found corresponding to the provided filters"
        );
        assert_eq!(gong_errors(b"<html>oops</html>"), "<html>oops</html>");
    }

    #[tokio::test(start_paused = true)]
    async fn budget_spaces_requests_and_caps_the_day() {
        let budget = RateBudget::new(2.0, 3);
        let start = Instant::now();
        budget.acquire().await.unwrap();
        budget.acquire().await.unwrap();
        budget.acquire().await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_millis(1000));
        let e = budget.acquire().await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
        assert_eq!(budget.used(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_requests_go_by_priority_then_arrival() {
        let budget = Arc::new(RateBudget::new(1.0, 100));
        budget.acquire().await.unwrap(); // the next slot is a second away
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, priority) in [("late-a", 9), ("front", 1), ("late-b", 9), ("next", 2)] {
            let (budget, order) = (budget.clone(), order.clone());
            tasks.push(tokio::spawn(PRIORITY.scope(priority, async move {
                budget.acquire().await.unwrap();
                order.lock().unwrap().push(name);
            })));
            tokio::task::yield_now().await;
        }
        let start = Instant::now();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            *order.lock().unwrap(),
            vec!["front", "next", "late-a", "late-b"]
        );
        // Still one a second.
        assert_eq!(Instant::now() - start, Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn an_abandoned_wait_frees_the_queue() {
        let budget = Arc::new(RateBudget::new(1.0, 100));
        budget.acquire().await.unwrap();
        let b = budget.clone();
        let first = tokio::spawn(PRIORITY.scope(1, async move { b.acquire().await }));
        tokio::task::yield_now().await;
        first.abort();
        let _ = first.await;
        tokio::time::timeout(Duration::from_secs(2), PRIORITY.scope(5, budget.acquire()))
            .await
            .expect("an aborted request must not hold the line")
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_every_request() {
        let budget = RateBudget::new(10.0, 100);
        let start = Instant::now();
        budget.pause_until(start + Duration::from_secs(5));
        budget.acquire().await.unwrap();
        assert!(Instant::now() - start >= Duration::from_secs(5));
    }
}
