//! The one Gong HTTP client. Every request of every stream and command goes through [`GongClient::open`]
//! (or its wrappers [`GongClient::send_parsed`] and [`GongClient::send`]): it adds auth, paces requests
//! inside the budget ([`budget`]), retries what may succeed later under one policy ([`retry`]), and
//! turns everything else into an [`Error`] whose typed [`Reason`] was decided once ([`classify`]).
//!
//! Parts: `classify` (answer → reason → what to do, and the user's message), `retry` (profiles and
//! total-wait bounds), `budget` (rate, daily budget, adaptive slowdown), `oauth` (token refresh).
//!
//! Invariants:
//! - an answer whose body did not arrive whole is a transport failure, whatever its status;
//! - no wait exceeds the policy's bounds, and a long one is logged before it starts;
//! - a redirect to another origin is never followed (credentials stay with Gong's API host);
//! - every secret the client knows is registered with [`crate::error::register_secret`], so no error
//!   text (including text a server echoed) carries it.

mod budget;
mod classify;
mod oauth;
mod retry;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use reqwest::header::AUTHORIZATION;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use crate::config::{Auth, Config, Secret};
use crate::error::{register_secret, Error, ErrorKind, Reason, Result};
use crate::protocol::{LogLevel, Message, Output};

pub use budget::{RateBudget, KEEP_RESERVE, MIN_RATE, PRIORITY, TALLY};
pub use classify::{
    classify_status, classify_transport, gong_errors, reason_of, unreachable, verdict_of, Verdict,
};
pub use retry::{parse_retry_after, Attempts, Profile, RateLimitWait, RetryPolicy};

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

/// Where the client's own log lines go (waits, slowdowns). Without one they go to stderr.
pub type LogSink = Arc<dyn Fn(LogLevel, String) + Send + Sync>;

/// Waits at least this long are logged before they start.
const LONG_WAIT: Duration = Duration::from_secs(5);

/// Same-origin redirects followed at most (Gong's API sends none; a proxy might).
const MAX_REDIRECTS: usize = 5;

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
    /// When Gong's quota resets and the error that said so, after a 429 asking for a longer wait than
    /// allowed: the sync sends nothing more (`RateBudget::limit`).
    quota_spent: Mutex<Option<(chrono::DateTime<Utc>, Error)>>,
    policy: RetryPolicy,
    original_config: Value,
    config_sink: Mutex<Option<ConfigSink>>,
    log_sink: Mutex<Option<LogSink>>,
    pub stats: ClientStats,
}

impl std::fmt::Debug for GongClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GongClient")
            .field("base_url", &self.base_url())
            .field("auth", &self.auth)
            .field("profile", &self.policy.profile)
            .finish_non_exhaustive()
    }
}

impl GongClient {
    /// A client for syncs ([`Profile::Patient`]).
    pub fn new(config: &Config) -> Result<Self> {
        Self::with_profile(config, Profile::Patient)
    }

    /// A client whose retries follow `profile`: [`Profile::FailFast`] for commands someone waits on.
    pub fn with_profile(config: &Config, profile: Profile) -> Result<Self> {
        Self::with_policy(config, RetryPolicy::for_profile(profile, config))
    }

    pub fn with_policy(config: &Config, policy: RetryPolicy) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("source-gong/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(policy.connect_timeout)
            // Idle connections kept per host: Gong's API uses at most `max_concurrent_requests` (≤ 32)
            // at once, the media host up to `PROBE_CONCURRENCY` probes; a smaller pool closes and reopens
            // the probes' connections (measured: ~470 closes per 2,360 probes at 64 in flight, 32 idle).
            .pool_max_idle_per_host(crate::media::probe::PROBE_CONCURRENCY.max(32))
            .redirect(same_origin_redirects())
            .https_only(false) // enforced by config validation: https, or http to loopback only
            .build()
            .map_err(|e| Error::system(format!("Could not build the HTTP client: {e}")))?;
        register_secrets(&config.auth);
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
            quota_spent: Mutex::new(None),
            policy,
            original_config: config.original.clone(),
            config_sink: Mutex::new(None),
            log_sink: Mutex::new(None),
            stats: ClientStats::default(),
        })
    }

    /// Where rotated OAuth configs go (the `read` command emits them as CONTROL messages).
    pub fn set_config_sink(&self, sink: ConfigSink) {
        *self.config_sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    }

    /// Where the client's log lines go.
    pub fn set_log_sink(&self, sink: LogSink) {
        *self.log_sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    }

    /// Sends rotated configs (CONTROL) and the client's log lines (LOG) to a protocol output.
    pub fn set_output(&self, out: Arc<Mutex<Output>>) {
        let control = out.clone();
        self.set_config_sink(Arc::new(move |config: Value| {
            let mut o = control.lock().unwrap_or_else(|p| p.into_inner());
            let _ = o.emit(&Message::ConnectorConfig(config));
        }));
        self.set_log_sink(Arc::new(move |level, message| {
            let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
            let _ = o.emit(&Message::Log { level, message });
        }));
    }

    /// Logs a line of the client's own (scrubbed like every error text).
    pub fn log(&self, level: LogLevel, message: String) {
        let message = crate::error::scrub(&message);
        let sink = self
            .log_sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match sink {
            Some(sink) => sink(level, message),
            None => eprintln!("source-gong: {message}"),
        }
    }

    /// The retry policy every request of this client follows (media downloads and probes too).
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    pub fn base_url(&self) -> Url {
        self.base_url
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Lets this client send at most `most` more requests than it has sent (the sync's share of the day's
    /// budget after its ledger, `ledger.rs`).
    pub fn limit_requests(&self, most: u64) {
        self.budget.limit(self.budget.used().saturating_add(most));
    }

    /// Keeps the last `n` of those requests for tasks outside `KEEP_RESERVE` (the sync's new calls).
    pub fn reserve_requests(&self, n: u64) {
        self.budget.reserve(n);
    }

    /// When Gong said its quota resets, and its error, after a 429 whose `Retry-After` was beyond the
    /// longest wait.
    pub fn quota_spent(&self) -> Option<(chrono::DateTime<Utc>, Error)> {
        self.quota_spent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn requests_sent(&self) -> u64 {
        self.stats.requests.load(Ordering::Relaxed)
    }

    /// The current request rate (lower than configured after Gong's 429s).
    pub fn request_rate(&self) -> f64 {
        self.budget.rate()
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

    /// Sleeps `wait` before retrying `what`; a long wait is logged first, with `why`.
    pub async fn pause(&self, what: &str, wait: Duration, why: &str) {
        if wait >= LONG_WAIT {
            self.log(
                LogLevel::Warn,
                format!(
                    "Waiting {:.0} s before trying {what} again: {why}.",
                    wait.as_secs_f64()
                ),
            );
        }
        tokio::time::sleep(wait).await;
    }

    /// After a failure that may pass: waits and returns `Ok` when the policy allows another attempt,
    /// or returns `error` (saying how long it tried) when it does not.
    pub async fn wait_after_failure(
        &self,
        what: &str,
        attempts: &Attempts,
        error: Error,
        server_wait: Option<Duration>,
    ) -> Result<()> {
        // Nothing listens, or the name does not resolve: a command someone waits on says so at once.
        if self.policy.profile == Profile::FailFast && error.reason() == &Reason::Unreachable {
            return Err(error);
        }
        match self.policy.after_failure(attempts, server_wait) {
            Some(wait) => {
                self.pause(what, wait, &error.message).await;
                Ok(())
            }
            None => Err(error.context(attempts.summary(&self.policy))),
        }
    }

    /// Sends `req` until Gong answers with a success or a 404: pacing inside the budget, retries of what
    /// may succeed later, one token refresh on 401. The body of a success is left unread, for the caller
    /// to read whole ([`Body::read_all`]) or as it arrives ([`Body::chunk`]). `attempts` carries over
    /// between calls for the same request, so a body that breaks off counts against the same bounds.
    pub async fn open(&self, req: &ApiRequest, attempts: &mut Attempts) -> Result<Reply<Body>> {
        let what = req.describe();
        loop {
            if attempts.start() > 1 {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
            }
            // A spent client-side budget is final for this sync: retrying cannot refill it.
            self.budget.acquire().await?;
            let (status, response, generation) = match self.send_once(req).await {
                Ok(answer) => answer,
                Err(e) if e.kind == ErrorKind::Transient => {
                    self.wait_after_failure(&what, attempts, e, None).await?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if status.is_success() {
                return Ok(Reply::Ok(Body {
                    response,
                    timeout: self.policy.request_timeout,
                }));
            }
            let retry_after = parse_retry_after(response.headers());
            // Answers other than success are small: Gong's error texts. One that breaks off is a
            // transport failure, whatever its status: its text is not known, so it cannot be judged.
            let body = Body {
                response,
                timeout: self.policy.request_timeout,
            };
            let body = match body.read_all(self, req).await {
                Ok(body) => body,
                Err(e) => {
                    let e = e.context(format!("the HTTP {} answer broke off", status.as_u16()));
                    self.wait_after_failure(&what, attempts, e, None).await?;
                    continue;
                }
            };
            let error = classify::status_error(&what, status, &body);
            match error.reason() {
                Reason::NotFound => {
                    return Ok(Reply::NotFound(crate::error::scrub(&gong_errors(&body))))
                }
                Reason::Unauthorized
                    if matches!(self.auth, Auth::OAuthRefresh { .. }) && !attempts.refreshed =>
                {
                    attempts.refreshed = true;
                    self.refresh_token(Some(generation)).await?;
                }
                Reason::RateLimited => self.after_429(req, attempts, error, retry_after).await?,
                Reason::Server => {
                    self.wait_after_failure(&what, attempts, error, retry_after)
                        .await?
                }
                _ => return Err(error),
            }
        }
    }

    /// A 429: hold every request (the limit is per company), lower the rate when Gong's limit is below
    /// the budget's, and wait, or stop when the wait is beyond the policy's bounds.
    async fn after_429(
        &self,
        req: &ApiRequest,
        attempts: &mut Attempts,
        error: Error,
        retry_after: Option<Duration>,
    ) -> Result<()> {
        self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
        let wait = match self.policy.after_rate_limit(attempts, retry_after) {
            RateLimitWait::Wait(wait) => wait,
            RateLimitWait::TooLong(wait) => {
                let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                let spent = Error::transient(format!(
                    "Gong's rate limit asks to wait {} s (its daily quota is likely spent), more than max_rate_limit_wait_seconds ({} s{}). Progress is saved; run the sync again after {}.",
                    wait.as_secs(),
                    self.policy.max_rate_limit_wait.as_secs(),
                    match self.policy.profile {
                        Profile::Patient => "",
                        Profile::FailFast => ", at most 10 s for commands someone waits on",
                    },
                    at.format("%Y-%m-%dT%H:%M:%SZ")
                ))
                .with_status(429)
                .with_reason(Reason::QuotaSpent);
                // Gong's quota is the company's: no other request of this sync would get through.
                *self.quota_spent.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((at, spent.clone()));
                self.budget.limit(0);
                return Err(spent);
            }
            RateLimitWait::Exhausted => return Err(error.context(attempts.summary(&self.policy))),
        };
        if let Some(rate) = self.budget.slow_down() {
            self.log(
                LogLevel::Warn,
                format!("Gong answered 429 (rate limit): its limit is below the request budget, so requests slow down to {rate:.2} per second."),
            );
        }
        self.budget.pause_until(tokio::time::Instant::now() + wait);
        self.pause(&req.describe(), wait, "Gong answered 429 (rate limit)")
            .await;
        Ok(())
    }

    /// The body of a success could not be read whole: waits before the next attempt if the policy allows
    /// one (Gong's next answer is usually whole), or returns the error that ends the request.
    pub async fn after_bad_body(
        &self,
        req: &ApiRequest,
        attempts: &Attempts,
        failure: BodyFailure,
    ) -> Result<()> {
        let error = match failure {
            BodyFailure::Broke(e) if e.kind != ErrorKind::Transient => return Err(e),
            BodyFailure::Broke(e) => e,
            BodyFailure::Unreadable(why) => Error::system(format!(
                "Gong sent an unreadable response to {} ({why}).",
                req.describe()
            ))
            .with_reason(Reason::BadBody),
        };
        self.wait_after_failure(&req.describe(), attempts, error, None)
            .await
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
        let _ = TALLY.try_with(|tally| tally.fetch_add(1, Ordering::Relaxed));
        // The timeout bounds each wait for Gong (the head here, each piece of the body in `Body`), not the
        // whole exchange: a streamed page may rightly wait for the writer.
        let response = tokio::time::timeout(self.policy.request_timeout, builder.send())
            .await
            .map_err(|_| self.timeout_error(req))?
            .map_err(|e| self.transport_error(req, &e))?;
        Ok((response.status(), response, generation))
    }

    fn timeout_error(&self, req: &ApiRequest) -> Error {
        Error::transient(format!(
            "{} timed out after {} s",
            req.describe(),
            self.policy.request_timeout.as_secs()
        ))
        .with_reason(Reason::Transport)
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
        let host = self.base_url().host_str().unwrap_or("?").to_string();
        if e.is_redirect() {
            let to = e
                .url()
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_else(|| "another host".into());
            return Error::config(format!(
                "{} was redirected from {host} to {to}; Gong's API does not redirect, so the connector does not follow it (credentials stay with {host}). Check base_url: it must be your tenant's API host, e.g. https://us-12345.api.gong.io.",
                req.describe()
            ))
            .with_reason(Reason::Redirect)
            .with_internal(error_chain(e));
        }
        if let Some(why) = classify::unreachable(e) {
            let port = self.base_url().port_or_known_default().unwrap_or(443);
            let what = match why {
                "refused" => format!("could not connect: nothing listens at {host}:{port} (connection refused). Check base_url, or start the server it names"),
                _ => format!("could not connect: the host name {host} does not resolve. Check base_url"),
            };
            return Error::transient(format!("{} {what}.", req.describe()))
                .with_reason(Reason::Unreachable)
                .with_internal(error_chain(e));
        }
        let what = if e.is_timeout() {
            format!(
                "timed out after {} s",
                self.policy.request_timeout.as_secs()
            )
        } else if e.is_connect() {
            format!("could not connect to {host} (check base_url; is the host name right and reachable?)")
        } else if e.is_body() || e.is_decode() {
            "the response body broke off".to_string()
        } else {
            "the connection failed".to_string()
        };
        let message = format!("{} {what}", req.describe());
        let error = match classify_transport(e) {
            Verdict::Retry(_) => Error::transient(message),
            Verdict::Fail(ErrorKind::Config) => Error::config(message),
            _ => Error::system(message),
        };
        error
            .with_reason(Reason::Transport)
            .with_internal(error_chain(e))
    }
}

/// Follows a redirect only to the same origin (scheme, host and port), at most [`MAX_REDIRECTS`] times.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let from = attempt.previous().first().map(Url::origin);
        if from.as_ref() != Some(&attempt.url().origin()) {
            attempt.error("a redirect to another origin is not followed")
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// Registers every credential of `auth` (and the Basic header's encoding of it) as a secret.
fn register_secrets(auth: &Auth) {
    match auth {
        Auth::Basic { access_key, secret } => {
            register_secret(secret.expose());
            register_secret(access_key.expose());
            let pair = format!("{}:{}", access_key.expose(), secret.expose());
            register_secret(&base64(pair.as_bytes()));
        }
        Auth::Bearer { token } => register_secret(token.expose()),
        Auth::OAuthRefresh {
            client_id,
            client_secret,
            refresh_token,
            access_token,
            ..
        } => {
            register_secret(client_id.expose());
            register_secret(client_secret.expose());
            register_secret(refresh_token.expose());
            if let Some(token) = access_token {
                register_secret(token.expose());
            }
        }
    }
}

/// Standard base64 with padding (as in an HTTP Basic header).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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
    fn base64_matches_the_basic_header() {
        assert_eq!(base64(b"key:secret"), "a2V5OnNlY3JldA==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b""), "");
    }

    #[tokio::test]
    async fn only_commands_someone_waits_on_give_up_at_once_when_nothing_listens() {
        let cfg = Config::from_value(
            serde_json::json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                   "start_date": "2024-01-01", "retry_backoff_base_ms": 1}),
            Utc::now(),
        )
        .unwrap();
        let refused = || Error::transient("refused").with_reason(Reason::Unreachable);
        let attempts = Attempts::default();
        let sync = GongClient::with_profile(&cfg, Profile::Patient).unwrap();
        assert!(sync
            .wait_after_failure("x", &attempts, refused(), None)
            .await
            .is_ok());
        let command = GongClient::with_profile(&cfg, Profile::FailFast).unwrap();
        let e = command
            .wait_after_failure("x", &attempts, refused(), None)
            .await
            .unwrap_err();
        assert_eq!(e.reason(), &Reason::Unreachable);
        // Other transport failures may pass: commands retry them within their few seconds.
        let reset = Error::transient("reset").with_reason(Reason::Transport);
        assert!(command
            .wait_after_failure("x", &attempts, reset, None)
            .await
            .is_ok());
    }
}
