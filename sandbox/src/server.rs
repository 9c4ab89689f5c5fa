//! HTTP layer: routing, auth, rate limiting, faults, pagination and the endpoint handlers.

// Handlers return `Result<Response, Response>`: the error IS the HTTP answer, boxing it gains nothing.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use crate::cursor::{CursorCodec, CursorError};
use crate::data::{fmt_dt, Activity, Dataset, Selector, ACTIVITY_FIELDS, INTERACTION_STATS};
use crate::faults::{FaultConfig, FaultKind, PagerFaults, ABSURD_EXPIRES_IN, EMPTY_CURSOR_PREFIX};
use crate::media::{fill_media, media_content_type, media_len};
use crate::periods::{self, Period};
use crate::rng::{h2, h3, hash_str};
use crate::{RequestStats, SandboxConfig, ALL_SCOPES};

mod coverage;

/// Fixed page size, like Gong's.
pub const PAGE_SIZE: usize = 100;

pub(crate) struct TokenStore {
    pub refresh: String,
    pub serial: u64,
    pub access: HashMap<String, Instant>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

pub(crate) struct AppState {
    pub cfg: SandboxConfig,
    pub base_url: String,
    pub dataset: Arc<RwLock<Dataset>>,
    pub stats: Mutex<RequestStats>,
    pub tokens: Mutex<TokenStore>,
    /// The fault config, the number of API requests since it was set, and of those that carried a cursor
    /// (`fail_first_n` of `expired-cursor` counts those alone).
    faults: Mutex<(FaultConfig, u64, u64)>,
    /// How often each page (request filter, offset) was asked for with a cursor since the fault config was
    /// set (see `cursor_fault`).
    cursor_asks: Mutex<HashMap<(u64, u64), u64>>,
    /// What the page-rewriting faults remember between requests.
    pager_faults: Mutex<PagerFaults>,
    bucket: Mutex<Bucket>,
    daily: Mutex<(NaiveDate, u64)>,
    cursors: CursorCodec,
    secret: u64,
    counter: AtomicU64,
}

/// How the request authenticated.
#[derive(Clone, Copy)]
struct AuthInfo {
    bearer: bool,
}

impl AppState {
    pub fn new(cfg: SandboxConfig, base_url: String) -> AppState {
        let secret = h2(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1),
            std::process::id() as u64,
        );
        let dataset = Dataset::generate(&cfg);
        AppState {
            base_url,
            dataset: Arc::new(RwLock::new(dataset)),
            stats: Mutex::new(RequestStats::default()),
            tokens: Mutex::new(TokenStore {
                refresh: cfg.oauth_refresh_token.clone(),
                serial: 0,
                access: HashMap::new(),
            }),
            faults: Mutex::new((cfg.faults.clone(), 0, 0)),
            cursor_asks: Mutex::new(HashMap::new()),
            pager_faults: Mutex::new(PagerFaults::default()),
            bucket: Mutex::new(Bucket {
                tokens: cfg.rate_limit_per_sec.max(1.0),
                last: Instant::now(),
            }),
            daily: Mutex::new((Utc::now().date_naive(), 0)),
            cursors: CursorCodec::new(secret, cfg.cursor_ttl_secs),
            secret,
            counter: AtomicU64::new(0),
            cfg,
        }
    }

    pub fn set_faults(&self, f: FaultConfig) {
        *self.faults.lock().unwrap() = (f, 0, 0);
        self.cursor_asks.lock().unwrap().clear();
        *self.pager_faults.lock().unwrap() = PagerFaults::default();
    }

    /// Whether `kind` is listed in the fault config (for faults not decided per request).
    fn fault_listed(&self, kind: FaultKind) -> bool {
        self.faults.lock().unwrap().0.kinds.contains(&kind)
    }

    pub fn expire_tokens(&self) {
        let mut t = self.tokens.lock().unwrap();
        let past = Instant::now() - Duration::from_millis(1);
        for v in t.access.values_mut() {
            *v = past;
        }
    }

    fn request_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut x = h2(self.secret, n);
        let mut s = String::with_capacity(19);
        for _ in 0..19 {
            s.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(x % 36) as usize] as char);
            x /= 36;
            if x == 0 {
                x = h2(self.secret, n ^ 0xFFFF);
            }
        }
        s
    }

    fn sign_media(&self, call_id: &str, kind: &str, expires: i64) -> String {
        format!(
            "{:016x}",
            h3(
                self.secret ^ 0x3ED1A,
                hash_str(&format!("{call_id}/{kind}")),
                expires as u64
            )
        )
    }

    /// Whether this request, which carries a cursor to page `offset` of the request `filter` to
    /// `endpoint`, gets the `expired-cursor` fault. The first `fail_first_n` cursor-carrying requests do;
    /// after them the fault config's rate decides over (endpoint, offset, how often this page was asked
    /// for), not over arrival order nor the filter (whose dates may follow the clock), so a read whose
    /// chains interleave differently meets the same faults.
    fn cursor_fault(&self, endpoint: &str, filter: u64, offset: u64) -> bool {
        let mut f = self.faults.lock().unwrap();
        let n = f.2;
        f.2 += 1;
        if n < f.0.fail_first_n {
            return f.0.decide(n) == Some(FaultKind::ExpiredCursor);
        }
        let mut asks = self.cursor_asks.lock().unwrap();
        let asked = asks.entry((filter, offset)).or_default();
        let key = h3(hash_str(endpoint), offset, *asked) | 1 << 63; // never below fail_first_n
        *asked += 1;
        f.0.decide(key) == Some(FaultKind::ExpiredCursor)
    }

    fn record_fault(&self, k: FaultKind) {
        let mut s = self.stats.lock().unwrap();
        s.faults_injected += 1;
        *s.faults_by_kind.entry(k.name().to_string()).or_default() += 1;
    }
}

type St = State<Arc<AppState>>;

// ------------------------------------------------------------------ responses

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn error(st: &AppState, status: StatusCode, msg: &str) -> Response {
    let v = json!({"requestId": st.request_id(), "errors": [msg]});
    json_bytes(status, serde_json::to_vec(&v).unwrap())
}

fn ok(st: &AppState, mut v: Map<String, Value>) -> Response {
    let mut out = Map::new();
    out.insert("requestId".into(), json!(st.request_id()));
    out.append(&mut v);
    json_bytes(
        StatusCode::OK,
        serde_json::to_vec(&Value::Object(out)).unwrap(),
    )
}

fn too_many(st: &AppState, retry_after: Option<u64>) -> Response {
    let mut r = error(
        st,
        StatusCode::TOO_MANY_REQUESTS,
        "API request limit exceeded",
    );
    if let Some(s) = retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

type HResult = Result<Response, Response>;

fn bad(st: &AppState, msg: impl AsRef<str>) -> Response {
    error(st, StatusCode::BAD_REQUEST, msg.as_ref())
}

fn not_found(st: &AppState, msg: &str) -> Response {
    error(st, StatusCode::NOT_FOUND, msg)
}

const NO_CALLS: &str = "No calls found corresponding to the provided filters";

// ------------------------------------------------------------------ router

pub(crate) fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/v2/users", get(users))
        .route("/v2/users/{id}", get(user))
        .route("/v2/users/extensive", post(users_extensive))
        .route("/v2/calls", get(calls))
        .route("/v2/calls/{id}", get(call))
        .route("/v2/calls/extensive", post(calls_extensive))
        .route("/v2/calls/transcript", post(transcripts))
        .route("/v2/workspaces", get(workspaces))
        .route("/v2/stats/activity/aggregate", post(stats_aggregate))
        .route(
            "/v2/stats/activity/aggregate-by-period",
            post(stats_aggregate_by_period),
        )
        .route("/v2/stats/activity/day-by-day", post(stats_day_by_day))
        .route("/v2/stats/interaction", post(stats_interaction))
        .route("/v2/stats/activity/scorecards", post(answered_scorecards))
        .route("/v2/settings/scorecards", get(settings_scorecards))
        .route("/v2/settings/trackers", get(trackers))
        .route("/v2/library/folders", get(folders))
        .route("/v2/library/folder-content", get(folder_content))
        .route("/v2/coaching", get(coaching))
        .route("/media/{call_id}/{kind}", get(media))
        .route("/oauth2/generate-customer-token", post(oauth_token))
        .route(
            "/sandbox/health",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route("/sandbox/stats", get(admin_stats))
        .route("/sandbox/reset-stats", post(admin_reset_stats))
        .route("/sandbox/faults", post(admin_faults).get(admin_get_faults))
        .route("/sandbox/calls", post(admin_add_call))
        .route("/sandbox/dataset/counts", get(admin_counts))
        .route("/sandbox/expire-tokens", post(admin_expire_tokens))
        .merge(coverage::routes())
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), gate));
    api.with_state(state)
}

async fn fallback(State(st): St, method: Method, uri: Uri) -> Response {
    let status =
        if uri.path().starts_with("/v2/") && method != Method::GET && method != Method::POST {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::NOT_FOUND
        };
    error(
        &st,
        status,
        &format!("No such endpoint: {method} {}", uri.path()),
    )
}

fn scope_for(method: &Method, path: &str) -> Option<&'static str> {
    if let Some(s) = coverage::scope_for(path) {
        return Some(s);
    }
    let s = match (method.as_str(), path) {
        ("GET", "/v2/calls") | ("GET", _)
            if path.starts_with("/v2/calls/") || path == "/v2/calls" =>
        {
            "api:calls:read:basic"
        }
        ("POST", "/v2/calls/extensive") => "api:calls:read:extensive",
        ("POST", "/v2/calls/transcript") => "api:calls:read:transcript",
        (_, p) if p.starts_with("/v2/users") => "api:users:read",
        (_, "/v2/workspaces") => "api:workspaces:read",
        (_, "/v2/stats/interaction") => "api:stats:interaction",
        (_, "/v2/stats/activity/scorecards") => "api:stats:scorecards",
        (_, "/v2/stats/activity/aggregate") | (_, "/v2/stats/activity/aggregate-by-period") => {
            "api:stats:user-actions"
        }
        (_, "/v2/stats/activity/day-by-day") => "api:stats:user-actions:detailed",
        (_, "/v2/settings/trackers") => "api:settings:trackers:read",
        (_, "/v2/settings/scorecards") => "api:settings:scorecards:read",
        (_, p) if p.starts_with("/v2/library/") => "api:library:read",
        (_, "/v2/coaching") => "api:coaching:read",
        _ => return None,
    };
    Some(s)
}

/// Auth check; Ok(bearer?) or the error response.
fn authenticate(st: &AppState, headers: &HeaderMap) -> Result<AuthInfo, Response> {
    let denied = || {
        error(
            st,
            StatusCode::UNAUTHORIZED,
            "Access denied: invalid or missing credentials",
        )
    };
    let h = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(denied)?;
    let (scheme, rest) = h.split_once(' ').ok_or_else(denied)?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .map_err(|_| denied())?;
        let text = String::from_utf8(raw).map_err(|_| denied())?;
        let (k, s) = text.split_once(':').ok_or_else(denied)?;
        if k == st.cfg.access_key && s == st.cfg.access_key_secret {
            return Ok(AuthInfo { bearer: false });
        }
        return Err(denied());
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        if st.cfg.bearer_tokens.iter().any(|t| t == rest) {
            return Ok(AuthInfo { bearer: true });
        }
        let exp = st.tokens.lock().unwrap().access.get(rest).copied();
        return match exp {
            Some(e) if e > Instant::now() => Ok(AuthInfo { bearer: true }),
            Some(_) => Err(error(
                st,
                StatusCode::UNAUTHORIZED,
                "access token has expired",
            )),
            None => Err(denied()),
        };
    }
    Err(denied())
}

fn forbidden_scope(st: &AppState, scope: &str) -> Response {
    error(
        st,
        StatusCode::FORBIDDEN,
        &format!("Access denied: the access token is missing the scope '{scope}'"),
    )
}

async fn gate(State(st): St, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    {
        let mut s = st.stats.lock().unwrap();
        s.total_requests += 1;
        *s.by_path.entry(format!("{method} {route}")).or_default() += 1;
    }
    if !path.starts_with("/v2/") {
        let r = next.run(req).await;
        count_status(&st, r.status());
        return r;
    }
    st.stats.lock().unwrap().api_requests += 1;

    // rate limits
    if let Some(resp) = rate_limit(&st) {
        let mut s = st.stats.lock().unwrap();
        s.rate_limited += 1;
        drop(s);
        count_status(&st, resp.status());
        return resp;
    }

    // faults
    let fault = {
        let mut f = st.faults.lock().unwrap();
        let n = f.1;
        f.1 += u64::from(f.0.applies_to(&path));
        Some(n)
            .filter(|_| f.0.applies_to(&path))
            .and_then(|n| f.0.decide(n))
            .filter(|&k| k.per_request())
            .map(|k| (k, f.0.slow_ms))
    };
    let mut truncate = false;
    let mut rewrite = None;
    if let Some((kind, slow_ms)) = fault {
        st.record_fault(kind);
        let resp = match kind {
            FaultKind::Status500 => Some(error(
                &st,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Failed to complete the operation due to an unexpected error",
            )),
            FaultKind::Status502 => {
                let mut r = Response::new(Body::from("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"));
                *r.status_mut() = StatusCode::BAD_GATEWAY;
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                Some(r)
            }
            FaultKind::Status503 => {
                let mut r = error(
                    &st,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service temporarily unavailable",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
                Some(r)
            }
            FaultKind::TooManyRequests => Some(too_many(&st, Some(1))),
            FaultKind::TooManyRequestsNoRetryAfter => Some(too_many(&st, None)),
            FaultKind::ConnectionReset => {
                let s = futures_util::stream::iter([Err::<Bytes, std::io::Error>(
                    std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset"),
                )]);
                let mut r = Response::new(Body::from_stream(s));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                Some(r)
            }
            FaultKind::InvalidJson => {
                let mut r = Response::new(Body::from(
                    "<!DOCTYPE html><html><body>Upstream error {\"requestId\": ",
                ));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                Some(r)
            }
            FaultKind::Slow => {
                tokio::time::sleep(Duration::from_millis(slow_ms)).await;
                None
            }
            FaultKind::TruncatedBody => {
                truncate = true;
                None
            }
            FaultKind::TruncatedNotFound => {
                let full = serde_json::to_vec(
                    &json!({"requestId": st.request_id(), "errors": [NO_CALLS]}),
                )
                .unwrap_or_default();
                let (parts, _) = not_found(&st, NO_CALLS).into_parts();
                Some(break_off(parts, Bytes::from(full)))
            }
            FaultKind::LongRetryAfter => {
                let mut r = error(
                    &st,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service temporarily unavailable",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
                Some(r)
            }
            FaultKind::EchoAuth => Some(echo_auth(&st, &req)),
            FaultKind::RedirectElsewhere => Some(redirect_elsewhere(&st, req.uri())),
            k if k.rewrites_page() => {
                rewrite = Some(k);
                None
            }
            // Decided elsewhere: `page_offset` (over the requests that carry a cursor), the token endpoint.
            _ => None,
        };
        if let Some(r) = resp {
            count_status(&st, r.status());
            return r;
        }
    }

    // latency
    let (lo, hi) = st.cfg.latency_ms;
    if hi > 0 {
        let n = st.counter.load(Ordering::Relaxed);
        let ms = lo + h2(st.secret ^ 0x1A7, n) % (hi.saturating_sub(lo) + 1);
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    // auth
    let auth = match authenticate(&st, req.headers()) {
        Ok(a) => a,
        Err(r) => {
            count_status(&st, r.status());
            return r;
        }
    };
    if auth.bearer {
        if let Some(scope) = scope_for(&method, &path) {
            if st.cfg.denied_scopes.iter().any(|d| d == scope) {
                let r = forbidden_scope(&st, scope);
                count_status(&st, r.status());
                return r;
            }
        }
    }
    req.extensions_mut().insert(auth);

    if let Some(kind) = rewrite {
        let r = rewrite_page(&st, kind, req, next).await;
        count_status(&st, r.status());
        return r;
    }
    let resp = next.run(req).await;
    count_status(&st, resp.status());
    if truncate {
        let (parts, body) = resp.into_parts();
        let full = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        return break_off(parts, full);
    }
    resp
}

/// An answer with `full`'s length in `Content-Length` whose body breaks off halfway (a reset).
fn break_off(parts: axum::http::response::Parts, full: Bytes) -> Response {
    let half = full.slice(..full.len() / 2);
    // Yield the first half, then (after hyper has flushed it) fail, which closes the connection.
    let s = futures_util::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "injected truncation",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    let mut r = Response::from_parts(parts, Body::from_stream(s));
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
    r
}

/// The `echo-auth` fault: a 500 whose text quotes the request's full URL and Authorization header, as
/// a careless proxy or server might.
fn echo_auth(st: &AppState, req: &Request) -> Response {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let url = format!("{}{}", st.base_url.trim_end_matches('/'), req.uri());
    error(
        st,
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!(
            "Upstream failure for {} {url} (Authorization: {auth})",
            req.method()
        ),
    )
}

/// The `redirect-307` fault: the same path and query on another origin (the other loopback name).
fn redirect_elsewhere(st: &AppState, uri: &Uri) -> Response {
    let base = st.base_url.trim_end_matches('/');
    let other = if base.contains("://127.0.0.1") {
        base.replacen("://127.0.0.1", "://localhost", 1)
    } else {
        base.replacen("://localhost", "://127.0.0.1", 1)
    };
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    if let Ok(v) = HeaderValue::from_str(&format!("{other}{uri}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The page-rewriting faults: lets the handler answer (for `empty-pages`, always page 0, as its cursors
/// are not the handler's), then rewrites a 200 page ([`PagerFaults::rewrite`]).
async fn rewrite_page(st: &AppState, kind: FaultKind, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut json_body: Option<Value> = serde_json::from_slice(&body).ok();
    let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let asked = json_body
        .as_ref()
        .and_then(|v| v.get("cursor"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| query.get("cursor").cloned());
    let mut body = body;
    if kind == FaultKind::EmptyPages
        || asked
            .as_deref()
            .is_some_and(|c| c.starts_with(EMPTY_CURSOR_PREFIX))
    {
        if let Some(o) = json_body.as_mut().and_then(Value::as_object_mut) {
            o.remove("cursor");
            body = Bytes::from(serde_json::to_vec(o).unwrap_or_default());
        }
        let q = parts
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
            .collect::<Vec<_>>()
            .join("&");
        let path = parts.uri.path().to_string();
        let pq = if q.is_empty() {
            path
        } else {
            format!("{path}?{q}")
        };
        if let Ok(uri) = pq.parse() {
            parts.uri = uri;
        }
        parts.headers.remove(header::CONTENT_LENGTH);
    }
    let resp = next.run(Request::from_parts(parts, Body::from(body))).await;
    if resp.status() != StatusCode::OK {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let Ok(mut page) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    st.pager_faults
        .lock()
        .unwrap()
        .rewrite(kind, &mut page, asked.as_deref());
    let mut r = json_bytes(
        StatusCode::OK,
        serde_json::to_vec(&page).unwrap_or_default(),
    );
    *r.headers_mut() = {
        let mut h = parts.headers;
        h.remove(header::CONTENT_LENGTH);
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h
    };
    r
}

fn count_status(st: &AppState, status: StatusCode) {
    let mut s = st.stats.lock().unwrap();
    *s.by_status.entry(status.as_u16()).or_default() += 1;
    if status == StatusCode::TOO_MANY_REQUESTS {
        s.too_many_requests += 1;
    }
}

fn rate_limit(st: &AppState) -> Option<Response> {
    let rate = st.cfg.rate_limit_per_sec;
    if rate > 0.0 {
        let mut b = st.bucket.lock().unwrap();
        let now = Instant::now();
        let cap = rate.max(1.0);
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(cap);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
        } else {
            let wait = ((1.0 - b.tokens) / rate).ceil().max(1.0) as u64;
            return Some(too_many(st, Some(wait)));
        }
    }
    if st.cfg.daily_limit > 0 {
        let mut d = st.daily.lock().unwrap();
        let now = Utc::now();
        if d.0 != now.date_naive() {
            *d = (now.date_naive(), 0);
        }
        if d.1 >= st.cfg.daily_limit {
            let midnight = (now.date_naive() + chrono::Days::new(1))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc();
            return Some(too_many(
                st,
                Some((midnight - now).num_seconds().max(1) as u64),
            ));
        }
        d.1 += 1;
    }
    None
}

// ------------------------------------------------------------------ helpers

fn parse_body(st: &AppState, body: &Bytes) -> Result<Value, Response> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(bad(st, "Malformed request: a JSON body is required"));
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|e| bad(st, format!("Malformed JSON body: {e}")))?;
    if !v.is_object() {
        return Err(bad(st, "Malformed request: the body must be a JSON object"));
    }
    Ok(v)
}

fn parse_dt(st: &AppState, name: &str, v: Option<&str>) -> Result<Option<i64>, Response> {
    match v {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s.trim())
            .map(|d| Some(d.timestamp()))
            .map_err(|_| {
                bad(
                    st,
                    format!("Bad request: {name} '{s}' is not a valid ISO-8601 date-time"),
                )
            }),
    }
}

fn parse_date(st: &AppState, name: &str, v: Option<&Value>) -> Result<Option<NaiveDate>, Response> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                bad(
                    st,
                    format!("Bad request: {name} '{s}' is not a valid date (expected YYYY-MM-DD)"),
                )
            }),
        Some(_) => Err(bad(st, format!("Bad request: {name} must be a string"))),
    }
}

fn str_list(st: &AppState, name: &str, v: Option<&Value>) -> Result<Option<Vec<String>>, Response> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(bad(
                    st,
                    format!("Bad request: {name} must be an array of strings"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad(st, format!("Bad request: {name} must be an array"))),
    }
}

fn now_unix() -> i64 {
    Utc::now().timestamp()
}

/// [`page_offset`] for a POST endpoint: the cursor comes from the JSON body (a query cursor is ignored,
/// as Gong does) and the filter is the canonical body.
fn post_page_offset(st: &AppState, endpoint: &str, v: &Value) -> Result<(usize, u64), Response> {
    page_offset(
        st,
        endpoint,
        &canonical_body(v),
        v.get("cursor").and_then(Value::as_str),
    )
}

/// Resolves the page offset from the request's cursor.
fn page_offset(
    st: &AppState,
    endpoint: &str,
    canonical: &str,
    cursor: Option<&str>,
) -> Result<(usize, u64), Response> {
    let fh = CursorCodec::filter_hash(endpoint, canonical);
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok((0, fh));
    };
    let offset = st
        .cursors
        .decode(c, fh, now_unix())
        .map_err(|e| bad(st, e.message()))?;
    if st.cursor_fault(endpoint, fh, offset) {
        st.record_fault(FaultKind::ExpiredCursor);
        return Err(bad(st, CursorError::Expired.message()));
    }
    Ok((offset as usize, fh))
}

fn records(st: &AppState, total: usize, offset: usize, page_len: usize, fh: u64) -> Value {
    let mut r = json!({
        "totalRecords": total,
        "currentPageSize": page_len,
        "currentPageNumber": offset / PAGE_SIZE,
    });
    if offset + page_len < total {
        r["cursor"] = json!(st
            .cursors
            .encode((offset + page_len) as u64, fh, now_unix()));
    }
    r
}

fn canonical_query(q: &HashMap<String, String>) -> String {
    let mut v: Vec<_> = q.iter().filter(|(k, _)| k.as_str() != "cursor").collect();
    v.sort();
    format!("{v:?}")
}

fn canonical_body(v: &Value) -> String {
    let mut c = v.clone();
    if let Some(o) = c.as_object_mut() {
        o.remove("cursor");
    }
    c.to_string()
}

fn media_host(headers: &HeaderMap, st: &AppState) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| st.base_url.clone())
}

// ------------------------------------------------------------------ users & workspaces

async fn users(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let avatars = q
        .get("includeAvatars")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let all: Vec<&Value> = ds
        .users
        .iter()
        .chain(if avatars {
            ds.avatars.iter()
        } else {
            [].iter()
        })
        .collect();
    let (offset, fh) = page_offset(
        &st,
        "/v2/users",
        &canonical_query(&q),
        q.get("cursor").map(String::as_str),
    )?;
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|v| (*v).clone())
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, all.len(), offset, page.len(), fh),
    );
    m.insert("users".into(), Value::Array(page));
    Ok(ok(&st, m))
}

async fn user(State(st): St, Path(id): Path<String>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let u = ds
        .user_index(&id)
        .map(|i| ds.users[i].clone())
        .or_else(|| ds.avatars.iter().find(|a| a["id"] == id.as_str()).cloned());
    match u {
        Some(u) => Ok(ok(&st, Map::from_iter([("user".to_string(), u)]))),
        None => Err(not_found(&st, "User not found")),
    }
}

async fn users_extensive(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let f = v
        .get("filter")
        .filter(|f| f.is_object())
        .ok_or_else(|| bad(&st, "Malformed request: 'filter' is required"))?;
    let ids = str_list(&st, "filter.userIds", f.get("userIds"))?;
    let avatars = f.get("includeAvatars").and_then(Value::as_bool) == Some(true);
    let from = parse_dt(
        &st,
        "createdFromDateTime",
        f.get("createdFromDateTime").and_then(Value::as_str),
    )?;
    let to = parse_dt(
        &st,
        "createdToDateTime",
        f.get("createdToDateTime").and_then(Value::as_str),
    )?;
    let ds = st.dataset.read().unwrap();
    let sel: Vec<&Value> = ds
        .users
        .iter()
        .chain(ds.avatars.iter().filter(|_| avatars))
        .filter(|u| {
            ids.as_ref()
                .is_none_or(|ids| ids.iter().any(|i| u["id"] == i.as_str()))
        })
        .filter(|u| created_in(u, from, to))
        .collect();
    if sel.is_empty() {
        return Err(not_found(
            &st,
            "No users found corresponding to the provided filters",
        ));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/users/extensive", &v)?;
    let page: Vec<Value> = sel
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|v| (*v).clone())
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, sel.len(), offset, page.len(), fh),
    );
    m.insert("users".into(), Value::Array(page));
    Ok(ok(&st, m))
}

fn created_in(u: &Value, from: Option<i64>, to: Option<i64>) -> bool {
    let c = u["created"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.timestamp())
        .unwrap_or(0);
    from.is_none_or(|f| c >= f) && to.is_none_or(|t| c < t)
}

async fn workspaces(State(st): St) -> HResult {
    let ds = st.dataset.read().unwrap();
    Ok(ok(
        &st,
        Map::from_iter([(
            "workspaces".to_string(),
            Value::Array(ds.workspaces.clone()),
        )]),
    ))
}

// ------------------------------------------------------------------ calls

struct CallFilter {
    from: Option<i64>,
    to: Option<i64>,
    workspace: Option<Option<usize>>,
    call_ids: Option<Vec<String>>,
    hosts: Option<Vec<String>>,
}

fn select_calls(ds: &Dataset, f: &CallFilter) -> Vec<usize> {
    if let Some(Some(_)) | None = f.workspace {
    } else {
        return vec![];
    }
    let ids: Option<BTreeSet<u64>> = f
        .call_ids
        .as_ref()
        .map(|v| v.iter().filter_map(|s| s.trim().parse().ok()).collect());
    let hosts: Option<BTreeSet<usize>> = f
        .hosts
        .as_ref()
        .map(|v| v.iter().filter_map(|s| ds.user_index(s)).collect());
    ds.call_range(f.from, f.to)
        .filter(|&i| {
            let c = &ds.calls[i];
            f.workspace.is_none_or(|w| w == Some(c.workspace))
                && ids.as_ref().is_none_or(|s| s.contains(&c.id))
                && hosts.as_ref().is_none_or(|h| h.contains(&c.host))
        })
        .collect()
}

fn call_filter_from_json(
    st: &AppState,
    ds: &Dataset,
    f: &Value,
    with_hosts: bool,
) -> Result<CallFilter, Response> {
    if !f.is_object() {
        return Err(bad(st, "Malformed request: 'filter' is required"));
    }
    Ok(CallFilter {
        from: parse_dt(
            st,
            "fromDateTime",
            f.get("fromDateTime").and_then(Value::as_str),
        )?,
        to: parse_dt(
            st,
            "toDateTime",
            f.get("toDateTime").and_then(Value::as_str),
        )?,
        workspace: f
            .get("workspaceId")
            .and_then(|w| {
                w.as_str()
                    .map(String::from)
                    .or_else(|| w.as_u64().map(|n| n.to_string()))
            })
            .map(|w| ds.workspace_index(&w)),
        call_ids: str_list(st, "filter.callIds", f.get("callIds"))?,
        hosts: if with_hosts {
            str_list(st, "filter.primaryUserIds", f.get("primaryUserIds"))?
        } else {
            None
        },
    })
}

async fn calls(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let f = CallFilter {
        from: parse_dt(
            &st,
            "fromDateTime",
            q.get("fromDateTime").map(String::as_str),
        )?,
        to: parse_dt(&st, "toDateTime", q.get("toDateTime").map(String::as_str))?,
        workspace: q
            .get("workspaceId")
            .filter(|w| !w.is_empty())
            .map(|w| ds.workspace_index(w)),
        call_ids: None,
        hosts: None,
    };
    let sel = select_calls(&ds, &f);
    if sel.is_empty() {
        return Err(not_found(&st, NO_CALLS));
    }
    let (offset, fh) = page_offset(
        &st,
        "/v2/calls",
        &canonical_query(&q),
        q.get("cursor").map(String::as_str),
    )?;
    let page: Vec<Value> = sel
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|&i| ds.call_basic(&ds.calls[i]))
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, sel.len(), offset, page.len(), fh),
    );
    m.insert("calls".into(), Value::Array(page));
    Ok(ok(&st, m))
}

async fn call(State(st): St, Path(id): Path<String>) -> HResult {
    let ds = st.dataset.read().unwrap();
    match ds.call_by_id(&id) {
        Some(c) => Ok(ok(
            &st,
            Map::from_iter([("call".to_string(), ds.call_basic(c))]),
        )),
        None => Err(not_found(&st, "Call ID was not found")),
    }
}

async fn calls_extensive(
    State(st): St,
    auth: Option<axum::Extension<AuthInfo>>,
    headers: HeaderMap,
    body: Bytes,
) -> HResult {
    let v = parse_body(&st, &body)?;
    let sel = Selector::from_json(v.get("contentSelector"));
    if sel.media
        && auth.is_some_and(|a| a.0.bearer)
        && st
            .cfg
            .denied_scopes
            .iter()
            .any(|s| s == "api:calls:read:media-url")
    {
        return Err(forbidden_scope(&st, "api:calls:read:media-url"));
    }
    let ds = st.dataset.read().unwrap();
    let f = call_filter_from_json(&st, &ds, v.get("filter").unwrap_or(&Value::Null), true)?;
    let chosen = select_calls(&ds, &f);
    if chosen.is_empty() {
        return Err(not_found(&st, NO_CALLS));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/calls/extensive", &v)?;
    let base = media_host(&headers, &st);
    let expires = now_unix() + st.cfg.media_url_ttl_secs as i64;
    let signer = |id: &str, kind: &str, exp: i64| st.sign_media(id, kind, exp);
    let page: Vec<Value> = chosen
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|&i| ds.call_extensive(&ds.calls[i], &sel, Some((base.as_str(), expires, &signer))))
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, chosen.len(), offset, page.len(), fh),
    );
    m.insert("calls".into(), Value::Array(page));
    Ok(ok(&st, m))
}

async fn transcripts(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let ds = st.dataset.read().unwrap();
    let f = call_filter_from_json(&st, &ds, v.get("filter").unwrap_or(&Value::Null), false)?;
    let chosen = select_calls(&ds, &f);
    if chosen.is_empty() {
        return Err(not_found(&st, NO_CALLS));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/calls/transcript", &v)?;
    let page: Vec<Value> = chosen
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|&i| ds.transcript(&ds.calls[i]))
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, chosen.len(), offset, page.len(), fh),
    );
    m.insert("callTranscripts".into(), Value::Array(page));
    Ok(ok(&st, m))
}

// ------------------------------------------------------------------ stats

struct StatsFilter {
    from: NaiveDate,
    to: NaiveDate,
    users: BTreeSet<usize>,
}

fn stats_filter(st: &AppState, ds: &Dataset, v: &Value) -> Result<StatsFilter, Response> {
    let f = v
        .get("filter")
        .filter(|f| f.is_object())
        .ok_or_else(|| bad(st, "Malformed request: 'filter' is required"))?;
    let from = parse_date(st, "fromDate", f.get("fromDate"))?
        .ok_or_else(|| bad(st, "Bad request: filter.fromDate is required"))?;
    let to = parse_date(st, "toDate", f.get("toDate"))?
        .ok_or_else(|| bad(st, "Bad request: filter.toDate is required"))?;
    let today = Utc::now().date_naive();
    if to > today {
        return Err(bad(
            st,
            format!("Bad request: toDate ({to}) must not be later than today ({today})"),
        ));
    }
    if from >= to {
        return Err(bad(st, "Bad request: fromDate must be earlier than toDate"));
    }
    let cfrom = parse_dt(
        st,
        "createdFromDateTime",
        f.get("createdFromDateTime").and_then(Value::as_str),
    )?;
    let cto = parse_dt(
        st,
        "createdToDateTime",
        f.get("createdToDateTime").and_then(Value::as_str),
    )?;
    let mut users: BTreeSet<usize> = (0..ds.users.len())
        .filter(|&u| created_in(&ds.users[u], cfrom, cto))
        .collect();
    if let Some(ids) = str_list(st, "filter.userIds", f.get("userIds"))? {
        let mut wanted = BTreeSet::new();
        for id in ids {
            wanted.insert(
                ds.user_index(&id)
                    .ok_or_else(|| not_found(st, "User not found"))?,
            );
        }
        users = users.intersection(&wanted).copied().collect();
    }
    Ok(StatsFilter { from, to, users })
}

fn day_start(d: NaiveDate) -> String {
    fmt_dt(d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp(), 0)
}

fn period_fields(m: &mut Map<String, Value>, f: &StatsFilter) {
    m.insert("timeZone".into(), json!("UTC"));
    m.insert("fromDateTime".into(), json!(day_start(f.from)));
    m.insert("toDateTime".into(), json!(day_start(f.to)));
}

async fn stats_aggregate(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let ds = st.dataset.read().unwrap();
    let f = stats_filter(&st, &ds, &v)?;
    let act = ds.activity(f.from, f.to, &f.users);
    let (offset, fh) = post_page_offset(&st, "/v2/stats/activity/aggregate", &v)?;
    let page: Vec<Value> = act
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|(&u, days)| {
            let agg = activity_counts(days);
            json!({"userId": ds.users[u]["id"], "userEmailAddress": ds.users[u]["emailAddress"], "userAggregateActivityStats": agg})
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, act.len(), offset, page.len(), fh),
    );
    m.insert("usersAggregateActivityStats".into(), Value::Array(page));
    period_fields(&mut m, &f);
    Ok(ok(&st, m))
}

/// The number of calls in each activity list over `days` (an aggregate's numbers).
fn activity_counts(days: &[Activity]) -> Map<String, Value> {
    let mut agg = Map::new();
    for k in ACTIVITY_FIELDS {
        let n: usize = days
            .iter()
            .map(|d| d.lists.get(k).map_or(0, Vec::len))
            .sum();
        agg.insert(k.to_string(), json!(n));
    }
    agg
}

/// Per active user, one item per calendar period of the range (zeros included), each the aggregate of
/// its days: for one day, the DAY item equals `stats/activity/aggregate` of that day.
async fn stats_aggregate_by_period(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let period = match v.get("aggregationPeriod") {
        None | Some(Value::Null) => {
            return Err(bad(&st, "Bad request: aggregationPeriod is required"))
        }
        Some(p) => p.as_str().and_then(Period::parse).ok_or_else(|| {
            bad(
                &st,
                format!(
                    "Bad request: aggregationPeriod must be one of {}",
                    Period::NAMES.join(", ")
                ),
            )
        })?,
    };
    let ds = st.dataset.read().unwrap();
    let f = stats_filter(&st, &ds, &v)?;
    let act = ds.activity(f.from, f.to, &f.users);
    let spans = periods::split(f.from, f.to, period);
    let (offset, fh) = post_page_offset(&st, "/v2/stats/activity/aggregate-by-period", &v)?;
    let page: Vec<Value> = act
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|(&u, days)| {
            let items: Vec<Value> = spans
                .iter()
                .map(|&(a, b)| {
                    let first = (a - f.from).num_days() as usize;
                    let last = (b - f.from).num_days() as usize;
                    let mut m = activity_counts(&days[first..last]);
                    m.insert("fromDate".into(), json!(day_start(a)));
                    m.insert("toDate".into(), json!(day_start(b)));
                    Value::Object(m)
                })
                .collect();
            json!({"userId": ds.users[u]["id"], "userEmailAddress": ds.users[u]["emailAddress"], "userAggregateActivity": items})
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, act.len(), offset, page.len(), fh),
    );
    m.insert("usersAggregateActivity".into(), Value::Array(page));
    Ok(ok(&st, m))
}

async fn stats_day_by_day(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let ds = st.dataset.read().unwrap();
    let f = stats_filter(&st, &ds, &v)?;
    let act = ds.activity(f.from, f.to, &f.users);
    let (offset, fh) = post_page_offset(&st, "/v2/stats/activity/day-by-day", &v)?;
    let page: Vec<Value> = act
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|(&u, days)| {
            let daily: Vec<Value> = days
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let mut m = Map::new();
                    for k in ACTIVITY_FIELDS {
                        m.insert(k.to_string(), json!(d.lists.get(k).cloned().unwrap_or_default()));
                    }
                    let day = f.from + chrono::Days::new(i as u64);
                    m.insert("fromDate".into(), json!(day_start(day)));
                    m.insert("toDate".into(), json!(day_start(day + chrono::Days::new(1))));
                    Value::Object(m)
                })
                .collect();
            json!({"userId": ds.users[u]["id"], "userEmailAddress": ds.users[u]["emailAddress"], "userDailyActivityStats": daily})
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, act.len(), offset, page.len(), fh),
    );
    m.insert("usersDetailedActivities".into(), Value::Array(page));
    Ok(ok(&st, m))
}

async fn stats_interaction(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let ds = st.dataset.read().unwrap();
    let f = stats_filter(&st, &ds, &v)?;
    let stats = ds.interaction(f.from, f.to, &f.users);
    if stats.is_empty() {
        return Err(not_found(&st, "No stats found for the specified period"));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/stats/interaction", &v)?;
    let page: Vec<Value> = stats
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|(&u, vals)| {
            let s: Vec<Value> = INTERACTION_STATS.iter().zip(vals).map(|(n, v)| json!({"name": n, "value": v})).collect();
            json!({"userId": ds.users[u]["id"], "userEmailAddress": ds.users[u]["emailAddress"], "personInteractionStats": s})
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, stats.len(), offset, page.len(), fh),
    );
    m.insert("peopleInteractionStats".into(), Value::Array(page));
    period_fields(&mut m, &f);
    Ok(ok(&st, m))
}

fn date_ts(d: Option<NaiveDate>) -> Option<i64> {
    d.map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp())
}

async fn answered_scorecards(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let f = v
        .get("filter")
        .filter(|f| f.is_object())
        .ok_or_else(|| bad(&st, "Malformed request: 'filter' is required"))?;
    let mut call_from = date_ts(parse_date(&st, "callFromDate", f.get("callFromDate"))?);
    let mut call_to = date_ts(parse_date(&st, "callToDate", f.get("callToDate"))?);
    // the seed document's names, mapped to call dates
    if call_from.is_none() {
        call_from = parse_dt(
            &st,
            "fromDateTime",
            f.get("fromDateTime").and_then(Value::as_str),
        )?;
    }
    if call_to.is_none() {
        call_to = parse_dt(
            &st,
            "toDateTime",
            f.get("toDateTime").and_then(Value::as_str),
        )?;
    }
    let rev_from = date_ts(parse_date(&st, "reviewFromDate", f.get("reviewFromDate"))?);
    let rev_to = date_ts(parse_date(&st, "reviewToDate", f.get("reviewToDate"))?);
    let reviewed = str_list(&st, "filter.reviewedUserIds", f.get("reviewedUserIds"))?;
    let cards = str_list(&st, "filter.scorecardIds", f.get("scorecardIds"))?;
    let ds = st.dataset.read().unwrap();
    let reviewed: Option<BTreeSet<usize>> =
        reviewed.map(|v| v.iter().filter_map(|s| ds.user_index(s)).collect());
    let cards: Option<BTreeSet<u64>> =
        cards.map(|v| v.iter().filter_map(|s| s.trim().parse().ok()).collect());
    let chosen: Vec<usize> = ds
        .call_range(call_from, call_to)
        .filter(|&i| {
            let c = &ds.calls[i];
            let Some((s, _, review)) = ds.answered_scorecard(c) else {
                return false;
            };
            rev_from.is_none_or(|t| review >= t)
                && rev_to.is_none_or(|t| review < t)
                && reviewed.as_ref().is_none_or(|r| r.contains(&c.host))
                && cards
                    .as_ref()
                    .is_none_or(|k| k.contains(&ds.scorecard_meta[s].id))
        })
        .collect();
    if chosen.is_empty() {
        return Err(not_found(&st, "Answered scorecards not found"));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/stats/activity/scorecards", &v)?;
    let page: Vec<Value> = chosen
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .filter_map(|&i| ds.answered_scorecard_json(&ds.calls[i]))
        .collect();
    let rec = records(&st, chosen.len(), offset, page.len(), fh);
    let mut m = Map::new();
    m.insert("records".into(), rec);
    m.insert("answeredScorecards".into(), Value::Array(page));
    Ok(ok(&st, m))
}

// ------------------------------------------------------------------ settings, library, coaching

async fn settings_scorecards(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let ws = match q.get("workspaceId").filter(|w| !w.is_empty()) {
        Some(w) => Some(
            ds.workspace_index(w)
                .ok_or_else(|| not_found(&st, "Workspace not found"))?,
        ),
        None => None,
    };
    let list: Vec<Value> = ds
        .scorecards
        .iter()
        .zip(&ds.scorecard_meta)
        .filter(|(_, m)| ws.is_none_or(|w| w == m.workspace))
        .map(|(s, _)| s.clone())
        .collect();
    if list.is_empty() {
        return Err(not_found(&st, "Scorecards not found"));
    }
    Ok(ok(
        &st,
        Map::from_iter([("scorecards".to_string(), Value::Array(list))]),
    ))
}

async fn trackers(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let ws = match q.get("workspaceId").filter(|w| !w.is_empty()) {
        Some(w) => {
            ds.workspace_index(w)
                .ok_or_else(|| not_found(&st, "Workspace not found"))?;
            Some(w.trim().to_string())
        }
        None => None,
    };
    let list: Vec<Value> = ds
        .trackers
        .iter()
        .filter(|t| ws.as_ref().is_none_or(|w| t["workspaceId"] == w.as_str()))
        .cloned()
        .collect();
    Ok(ok(
        &st,
        Map::from_iter([("keywordTrackers".to_string(), Value::Array(list))]),
    ))
}

async fn folders(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let ws = match q.get("workspaceId").filter(|w| !w.is_empty()) {
        Some(w) => Some(
            ds.workspace_index(w)
                .ok_or_else(|| not_found(&st, "No folders found for the specified period"))?,
        ),
        None => None,
    };
    let list: Vec<Value> = ds
        .folders
        .iter()
        .filter(|(w, _)| ws.is_none_or(|x| x == *w))
        .map(|(_, f)| f.clone())
        .collect();
    Ok(ok(
        &st,
        Map::from_iter([("folders".to_string(), Value::Array(list))]),
    ))
}

async fn folder_content(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let id = q
        .get("folderId")
        .filter(|w| !w.is_empty())
        .ok_or_else(|| bad(&st, "Bad request: folderId is required"))?;
    let c = ds
        .folder_contents
        .get(id.trim())
        .ok_or_else(|| not_found(&st, "No folders found for the specified period"))?;
    Ok(ok(&st, c.as_object().cloned().unwrap_or_default()))
}

async fn coaching(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let mut missing = Vec::new();
    for k in ["workspace-id", "manager-id", "from", "to"] {
        if q.get(k).is_none_or(|v| v.trim().is_empty()) {
            missing.push(k);
        }
    }
    if !missing.is_empty() {
        return Err(bad(
            &st,
            format!(
                "Bad request: missing required parameter(s): {}",
                missing.join(", ")
            ),
        ));
    }
    for k in ["workspace-id", "manager-id"] {
        if q[k].trim().parse::<i64>().is_err() {
            return Err(bad(&st, format!("Bad request: {k} must be an integer")));
        }
    }
    let from = parse_dt(&st, "from", q.get("from").map(String::as_str))?.unwrap_or(0);
    let to = parse_dt(&st, "to", q.get("to").map(String::as_str))?.unwrap_or(0);
    let ds = st.dataset.read().unwrap();
    let ws = ds
        .workspace_index(&q["workspace-id"])
        .ok_or_else(|| not_found(&st, "Workspace not found"))?;
    let m = ds
        .user_index(&q["manager-id"])
        .ok_or_else(|| not_found(&st, "User not found"))?;
    Ok(ok(
        &st,
        Map::from_iter([(
            "coachingData".to_string(),
            Value::Array(ds.coaching(ws, m, from, to)),
        )]),
    ))
}

// ------------------------------------------------------------------ media

fn s3_error(status: StatusCode, code: &str, msg: &str) -> Response {
    let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{msg}</Message><RequestId>sandbox</RequestId></Error>");
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    r
}

async fn media(
    State(st): St,
    method: Method,
    Path((call_id, kind)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (lo, hi) = st.cfg.media_latency_ms;
    if hi > 0 {
        let ms = lo + h2(st.secret ^ 0x3ED1A, hash_str(&call_id)) % (hi - lo + 1);
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if method == Method::HEAD && st.cfg.media_refuse_head {
        // S3 signs the method into a presigned URL: HEAD on a GET URL does not match (no body on HEAD).
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        );
    }
    let expires: i64 = match q.get("expires").and_then(|e| e.parse().ok()) {
        Some(e) => e,
        None => {
            return s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Query-string authentication requires the expires and signature parameters",
            )
        }
    };
    if q.get("signature").map(String::as_str)
        != Some(st.sign_media(&call_id, &kind, expires).as_str())
    {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        );
    }
    if now_unix() > expires {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    }
    {
        let ds = st.dataset.read().unwrap();
        match ds.call_by_id(&call_id) {
            Some(c) if kind == "audio" || (kind == "video" && c.video) => {}
            _ => {
                return s3_error(
                    StatusCode::NOT_FOUND,
                    "NoSuchKey",
                    "The specified key does not exist.",
                )
            }
        }
    }
    let len = media_len(&call_id, &kind);
    let (start, end, partial) = match headers.get(header::RANGE).and_then(|r| r.to_str().ok()) {
        None => (0, len, false),
        Some(r) => match parse_range(r, len) {
            Some((a, b)) => (a, b, true),
            None => {
                let mut resp = s3_error(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "InvalidRange",
                    "The requested range is not satisfiable",
                );
                resp.headers_mut().insert(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{len}")).unwrap(),
                );
                return resp;
            }
        },
    };
    let id = call_id.clone();
    let k = kind.clone();
    let stream = futures_util::stream::unfold(start, move |pos| {
        let id = id.clone();
        let k = k.clone();
        async move {
            if pos >= end {
                return None;
            }
            let n = ((end - pos) as usize).min(64 * 1024);
            let mut buf = vec![0u8; n];
            fill_media(&id, &k, pos, &mut buf);
            Some((
                Ok::<Bytes, std::io::Error>(Bytes::from(buf)),
                pos + n as u64,
            ))
        }
    });
    let mut r = Response::new(Body::from_stream(stream));
    if partial {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media_content_type(&kind)),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&format!(
            "\"{:016x}\"",
            hash_str(&format!("{call_id}/{kind}"))
        ))
        .unwrap(),
    );
    if partial {
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1)).unwrap(),
        );
    }
    r
}

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n` into a half-open range; None if unsatisfiable.
fn parse_range(h: &str, len: u64) -> Option<(u64, u64)> {
    let spec = h.trim().strip_prefix("bytes=")?;
    let spec = spec.split(',').next()?.trim();
    let (a, b) = spec.split_once('-')?;
    if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 || len == 0 {
            return None;
        }
        return Some((len.saturating_sub(n), len));
    }
    let a: u64 = a.parse().ok()?;
    if a >= len {
        return None;
    }
    let end = if b.is_empty() {
        len
    } else {
        (b.parse::<u64>().ok()? + 1).min(len)
    };
    if end <= a {
        return None;
    }
    Some((a, end))
}

// ------------------------------------------------------------------ oauth

async fn oauth_token(State(st): St, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let mut params: HashMap<String, String> = Query::<HashMap<String, String>>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default();
    if !body.is_empty() {
        if let Ok(s) = std::str::from_utf8(&body) {
            if let Ok(u) = format!("/?{}", s.trim()).parse::<Uri>() {
                if let Ok(q) = Query::<HashMap<String, String>>::try_from_uri(&u) {
                    params.extend(q.0);
                }
            }
        }
    }
    let oauth_err = |status: StatusCode, code: &str, desc: &str| {
        let mut r = Response::new(Body::from(
            json!({"error": code, "error_description": desc}).to_string(),
        ));
        *r.status_mut() = status;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    };
    let client_ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Basic ")
                .or_else(|| h.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|s| s == format!("{}:{}", st.cfg.oauth_client_id, st.cfg.oauth_client_secret));
    if !client_ok {
        return oauth_err(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if params.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_err(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be refresh_token",
        );
    }
    let given = params.get("refresh_token").cloned().unwrap_or_default();
    let mut t = st.tokens.lock().unwrap();
    if given.is_empty() || given != t.refresh {
        return oauth_err(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "The refresh token is invalid, expired or was already used",
        );
    }
    t.serial += 1;
    let serial = t.serial;
    let access = format!("sandbox-access-{serial}-{:016x}", h2(st.secret, serial));
    t.refresh = format!("sandbox-refresh-token-{serial}");
    t.access.insert(
        access.clone(),
        Instant::now() + Duration::from_secs(st.cfg.access_token_ttl_secs),
    );
    let scope: Vec<&str> = ALL_SCOPES
        .iter()
        .copied()
        .filter(|s| !st.cfg.denied_scopes.iter().any(|d| d == s))
        .collect();
    let body = json!({
        "access_token": access,
        "refresh_token": t.refresh,
        "scope": scope.join(" "),
        "token_type": "bearer",
        "expires_in": if st.fault_listed(FaultKind::OAuthAbsurdExpiry) {
            json!(ABSURD_EXPIRES_IN)
        } else {
            json!(st.cfg.access_token_ttl_secs)
        },
        "api_base_url_for_customer": media_host(&headers, &st),
    });
    json_bytes(StatusCode::OK, body.to_string().into_bytes())
}

// ------------------------------------------------------------------ admin

async fn admin_stats(State(st): St) -> Response {
    let s = st.stats.lock().unwrap().clone();
    axum::Json(s).into_response()
}

async fn admin_reset_stats(State(st): St) -> Response {
    *st.stats.lock().unwrap() = RequestStats::default();
    axum::Json(json!({"ok": true})).into_response()
}

async fn admin_faults(State(st): St, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultConfig>(&body) {
        Ok(f) => {
            st.set_faults(f.clone());
            axum::Json(json!({"ok": true, "faults": f})).into_response()
        }
        Err(e) => bad(&st, format!("invalid FaultConfig: {e}")),
    }
}

async fn admin_get_faults(State(st): St) -> Response {
    let f = st.faults.lock().unwrap().0.clone();
    axum::Json(f).into_response()
}

async fn admin_add_call(State(st): St, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let started = match v
        .get("started")
        .and_then(Value::as_str)
        .map(DateTime::parse_from_rfc3339)
    {
        Some(Ok(d)) => d.with_timezone(&Utc),
        _ => return bad(&st, "body must be {\"started\": \"<RFC 3339 date-time>\"}"),
    };
    let id = st.dataset.write().unwrap().add_call(started);
    axum::Json(json!({"id": id, "started": fmt_dt(started.timestamp(), 0)})).into_response()
}

async fn admin_counts(State(st): St) -> Response {
    let ds = st.dataset.read().unwrap();
    let mut counts = ds.counts();
    coverage::add_counts(&ds, st.cfg.days, &mut counts);
    axum::Json(counts).into_response()
}

async fn admin_expire_tokens(State(st): St) -> Response {
    st.expire_tokens();
    axum::Json(json!({"ok": true})).into_response()
}
