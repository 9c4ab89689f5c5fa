//! The gate every request passes before its handler: counters, then for Gong's `/v2/` paths the
//! rate limits, the injected faults (`fault_answers`), latency, authentication and the token's scope.
//!
//! Invariants: every request is counted once in `total_requests` and `by_path`, and its answer once in
//! `by_status`; paths outside `/v2/` (media host, OAuth, admin) are counted and passed through, never
//! rate-limited, faulted or authenticated here.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;

use super::fault_answers::{self, FaultStep};
use super::reply::{error, too_many};
use super::scopes::scope_of;
use super::state::{AppState, AuthInfo, St};
use crate::rng::h2;

/// The middleware: counts the request, lets paths outside `/v2/` through, and guards the rest.
pub(super) async fn gate(State(st): St, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    {
        let mut s = st.stats.lock().unwrap();
        s.total_requests += 1;
        *s.by_path
            .entry(format!("{} {route}", req.method()))
            .or_default() += 1;
    }
    let resp = if path.starts_with("/v2/") {
        st.stats.lock().unwrap().api_requests += 1;
        guard(&st, &route, req, next).await
    } else {
        next.run(req).await
    };
    count_status(&st, resp.status());
    resp
}

/// A `/v2/` request: rate limits, faults, latency, auth and scope, then the handler (its answer
/// rewritten or cut off if a fault says so).
async fn guard(st: &Arc<AppState>, route: &str, mut req: Request, next: Next) -> Response {
    if let Some(resp) = rate_limit(st) {
        st.stats.lock().unwrap().rate_limited += 1;
        return resp;
    }
    let step = match fault_answers::answer(st, &req) {
        FaultStep::Answer(r) => return r,
        FaultStep::Slow(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            FaultStep::Pass
        }
        step => step,
    };
    latency(st).await;
    let auth = match authenticate(st, req.headers()) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if auth.bearer {
        if let Some(scope) = scope_of(route) {
            if st.cfg.denied_scopes.iter().any(|d| d == scope) {
                return forbidden_scope(st, scope);
            }
        }
    }
    req.extensions_mut().insert(auth);
    match step {
        FaultStep::Rewrite(kind) => fault_answers::rewrite_page(st, kind, req, next).await,
        FaultStep::Truncate => fault_answers::truncate(next.run(req).await).await,
        FaultStep::Pass | FaultStep::Slow(_) | FaultStep::Answer(_) => next.run(req).await,
    }
}

/// The configured per-request latency, if any.
async fn latency(st: &AppState) {
    let (lo, hi) = st.cfg.latency_ms;
    if hi > 0 {
        let n = st.counter.load(Ordering::Relaxed);
        let ms = lo + h2(st.secret ^ 0x1A7, n) % (hi.saturating_sub(lo) + 1);
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// Auth check; Ok(bearer?) or the error response.
pub(super) fn authenticate(st: &AppState, headers: &HeaderMap) -> Result<AuthInfo, Response> {
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

pub(super) fn forbidden_scope(st: &AppState, scope: &str) -> Response {
    error(
        st,
        StatusCode::FORBIDDEN,
        &format!("Access denied: the access token is missing the scope '{scope}'"),
    )
}

pub(super) fn count_status(st: &AppState, status: StatusCode) {
    let mut s = st.stats.lock().unwrap();
    *s.by_status.entry(status.as_u16()).or_default() += 1;
    if status == StatusCode::TOO_MANY_REQUESTS {
        s.too_many_requests += 1;
    }
}

pub(super) fn rate_limit(st: &AppState) -> Option<Response> {
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
        let now = st.now();
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
