//! The one Gong HTTP client. Every request of every stream and command goes through [`GongClient::open`]
//! (or its wrappers [`GongClient::send_parsed`] and [`GongClient::send`]): it adds auth, paces requests
//! inside the budget ([`budget`]), retries what may succeed later under one policy ([`retry`]) through
//! one driver ([`driver`], also for media downloads and probes), stops asking a target that kept failing
//! ([`breaker`]), and turns everything else into an [`Error`] whose typed [`Reason`] was decided once
//! ([`classify`]).
//!
//! Parts: `classify` (answer → reason → what to do, and the user's message), `driver` (the attempts of
//! one request), `retry` (profiles and total-wait bounds), `breaker` (the failure bound of a sync),
//! `budget` (rate, daily budget, adaptive slowdown), `oauth` (token refresh).
//!
//! Invariants:
//! - an answer whose body did not arrive whole is a transport failure, whatever its status;
//! - no wait exceeds the policy's bounds, and a long one is logged before it starts;
//! - a redirect to another origin is never followed (credentials stay with Gong's API host);
//! - every secret the client knows is registered with [`crate::error::register_secret`], so no error
//!   text (including text a server echoed) carries it.

mod breaker;
mod budget;
mod classify;
mod driver;
mod oauth;
mod retry;
pub mod rotation;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::AUTHORIZATION;
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

use crate::config::{Auth, Config, Secret};
use crate::error::{register_secret, Error, ErrorKind, Reason, Result};
use crate::protocol::{LogLevel, Message, Output};

/// The request value the client sends; it lives with the endpoint table that builds it.
pub use crate::gong::request::ApiRequest;
pub use budget::{RateBudget, Spend, MIN_RATE, PRIORITY, SPEND, TALLY};
pub use classify::{gong_errors, kind_of, reason_of, retry_of, unreachable, Retry};
pub use driver::{Attempt, Target};
pub use retry::{parse_retry_after, Attempts, Profile, RateLimitWait, RetryPolicy};

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

/// Idle connections kept per host. Gong's API takes at most `max_concurrent_requests` (≤ 32) at once;
/// the media host takes up to `media::probe::PROBE_CONCURRENCY` size probes at once, which that module
/// checks is at most this (a smaller pool closes and reopens the probes' connections: measured ~470
/// closes per 2,360 probes at 64 in flight, 32 idle).
pub const IDLE_CONNECTIONS_PER_HOST: usize = 64;

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
    quota_spent: Mutex<Option<(chrono::DateTime<chrono::Utc>, Error)>>,
    policy: RetryPolicy,
    /// The failure bound: targets that made a request give up are not asked again (`breaker.rs`).
    breakers: breaker::Breakers,
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
            .pool_max_idle_per_host(IDLE_CONNECTIONS_PER_HOST)
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
            breakers: breaker::Breakers::default(),
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

    /// Sends rotated configs to a protocol output (CONTROL) and back to the config file `config_file`
    /// ([`rotation`]), and the client's log lines to the output (LOG).
    pub fn set_output(&self, out: Arc<Mutex<Output>>, config_file: Option<&std::path::Path>) {
        self.set_config_sink(rotation::config_sink(config_file, Some(out.clone())));
        self.set_log_sink(Arc::new(move |level, message| {
            let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
            let _ = o.emit(&Message::Log { level, message });
        }));
    }

    /// How many times this client traded the refresh token for a new access token.
    pub fn oauth_refreshes(&self) -> u64 {
        self.token_generation.load(Ordering::SeqCst)
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

    /// Keeps the last `n` of those requests for [`Spend::All`] tasks (the sync's new calls).
    pub fn reserve_requests(&self, n: u64) {
        self.budget.reserve(n);
    }

    /// Keeps `n` requests from history for a due period or snapshot (see [`RateBudget::hold`]).
    pub fn hold_requests(&self, n: u64) -> Arc<AtomicU64> {
        self.budget.hold(n)
    }

    /// Lets the holds together keep at most `n` requests from history.
    pub fn cap_holds(&self, n: u64) {
        self.budget.cap_holds(n);
    }

    /// Gives back what a hold did not draw.
    pub fn release_hold(&self, hold: &AtomicU64) {
        self.budget.release(hold);
    }

    /// When Gong said its quota resets, and its error, after a 429 whose `Retry-After` was beyond the
    /// longest wait.
    pub fn quota_spent(&self) -> Option<(chrono::DateTime<chrono::Utc>, Error)> {
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

    /// Sends `req` until Gong answers with a success or a 404: pacing inside the budget, retries of what
    /// may succeed later, one token refresh on 401 (through the retry driver, `driver.rs`). The body of a
    /// success is left unread, for the caller to read whole ([`Body::read_all`]) or as it arrives
    /// ([`Body::chunk`]). `attempts` carries over between calls for the same request, so a body that
    /// breaks off counts against the same bounds.
    pub async fn open(&self, req: &ApiRequest, attempts: &mut Attempts) -> Result<Reply<Body>> {
        let target = Target::api(req);
        loop {
            self.before_attempt(&target, attempts)?;
            let outcome = self.open_once(req, attempts).await;
            if let Some(reply) = self.after_attempt(&target, attempts, outcome).await? {
                return Ok(reply);
            }
        }
    }

    /// One attempt of [`GongClient::open`]: a budget slot, the request, its answer classified.
    async fn open_once(
        &self,
        req: &ApiRequest,
        attempts: &Attempts,
    ) -> Result<Attempt<Reply<Body>>> {
        // A spent client-side budget is final for this sync: retrying cannot refill it.
        self.budget.acquire().await?;
        let (status, response, generation) = match self.send_once(req).await {
            Ok(answer) => answer,
            Err(e) if e.kind == ErrorKind::Transient => return Ok(Attempt::Failed(e, None)),
            Err(e) => return Err(e),
        };
        let timeout = self.policy.request_timeout;
        if status.is_success() {
            return Ok(Attempt::Done(Reply::Ok(Body { response, timeout })));
        }
        let retry_after = parse_retry_after(response.headers());
        // Answers other than success are small: Gong's error texts. One that breaks off is a
        // transport failure, whatever its status: its text is not known, so it cannot be judged.
        let body = match (Body { response, timeout }).read_all(self, req).await {
            Ok(body) => body,
            Err(e) => {
                let e = e.context(format!("the HTTP {} answer broke off", status.as_u16()));
                return Ok(Attempt::Failed(e, None));
            }
        };
        let error = classify::status_error(&req.describe(), status, &body);
        match error.reason() {
            Reason::NotFound => Ok(Attempt::Done(Reply::NotFound(crate::error::scrub(
                &gong_errors(&body),
            )))),
            Reason::Unauthorized
                if matches!(self.auth, Auth::OAuthRefresh { .. }) && !attempts.refreshed() =>
            {
                attempts.mark_refreshed();
                self.refresh_token(Some(generation)).await?;
                Ok(Attempt::Again)
            }
            _ => Ok(Attempt::Failed(error, retry_after)),
        }
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
            BodyFailure::Broke(e) => e,
            BodyFailure::Unreadable(why) => unreadable(req, &why),
        };
        self.after_failure(&Target::api(req), attempts, error, None)
            .await
    }

    /// Sends `req` (with retries) and hands the whole body to `parse`. A body that breaks off or that
    /// `parse` rejects (truncated, not JSON) is retried like a 5xx.
    pub async fn send_parsed<T>(
        &self,
        req: &ApiRequest,
        parse: impl Fn(&Bytes) -> std::result::Result<T, String>,
    ) -> Result<Reply<T>> {
        let target = Target::api(req);
        let mut attempts = Attempts::default();
        loop {
            self.before_attempt(&target, &mut attempts)?;
            let outcome = self.parsed_once(req, &attempts, &parse).await;
            if let Some(reply) = self.after_attempt(&target, &attempts, outcome).await? {
                return Ok(reply);
            }
        }
    }

    /// One attempt of [`GongClient::send_parsed`]: [`GongClient::open_once`], the body read whole and
    /// parsed.
    async fn parsed_once<T>(
        &self,
        req: &ApiRequest,
        attempts: &Attempts,
        parse: &impl Fn(&Bytes) -> std::result::Result<T, String>,
    ) -> Result<Attempt<Reply<T>>> {
        let body = match self.open_once(req, attempts).await? {
            Attempt::Done(Reply::Ok(body)) => body,
            Attempt::Done(Reply::NotFound(text)) => {
                return Ok(Attempt::Done(Reply::NotFound(text)))
            }
            Attempt::Again => return Ok(Attempt::Again),
            Attempt::Failed(e, wait) => return Ok(Attempt::Failed(e, wait)),
        };
        Ok(match body.read_all(self, req).await {
            Ok(bytes) => match parse(&bytes) {
                Ok(value) => Attempt::Done(Reply::Ok(value)),
                Err(why) => Attempt::Failed(unreadable(req, &why), None),
            },
            Err(e) => Attempt::Failed(e, None),
        })
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
        let error = match classify::transport_kind(e) {
            ErrorKind::Transient => Error::transient(message),
            ErrorKind::Config => Error::config(message),
            ErrorKind::System => Error::system(message),
        };
        error
            .with_reason(Reason::Transport)
            .with_internal(error_chain(e))
    }
}

/// The error of a success whose body is not what `req`'s endpoint returns (`why`).
fn unreadable(req: &ApiRequest, why: &str) -> Error {
    Error::system(format!(
        "Gong sent an unreadable response to {} ({why}).",
        req.describe()
    ))
    .with_reason(Reason::BadBody)
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
            chrono::Utc::now(),
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
