//! The sandbox's shared state: configuration, dataset, counters, tokens, fault bookkeeping, and the
//! secrets that sign cursors, media URLs and request ids.
//!
//! Invariants: every field is behind its own lock, never held across an `.await`; the secret is
//! drawn once per instance, so cursors and media URLs of one sandbox are refused by another.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};

use crate::cursor::CursorCodec;
use crate::data::Dataset;
use crate::faults::{FaultConfig, FaultKind, PagerFaults};
use crate::rng::{h2, h3, hash_str};
use crate::{RequestStats, SandboxConfig};

pub(crate) struct TokenStore {
    pub refresh: String,
    pub serial: u64,
    pub access: HashMap<String, Instant>,
}

pub(super) struct Bucket {
    pub tokens: f64,
    pub last: Instant,
}

pub(crate) struct AppState {
    pub cfg: SandboxConfig,
    pub base_url: String,
    pub dataset: Arc<RwLock<Dataset>>,
    pub stats: Mutex<RequestStats>,
    pub tokens: Mutex<TokenStore>,
    /// The fault config, the number of API requests since it was set, and of those that carried a cursor
    /// (`fail_first_n` of `expired-cursor` counts those alone).
    pub(super) faults: Mutex<(FaultConfig, u64, u64)>,
    /// How often each page (request filter, offset) was asked for with a cursor since the fault config was
    /// set (see `cursor_fault`).
    pub(super) cursor_asks: Mutex<HashMap<(u64, u64), u64>>,
    /// What the page-rewriting faults remember between requests.
    pub(super) pager_faults: Mutex<PagerFaults>,
    pub(super) bucket: Mutex<Bucket>,
    pub(super) daily: Mutex<(NaiveDate, u64)>,
    pub(super) cursors: CursorCodec,
    pub(super) secret: u64,
    pub(super) counter: AtomicU64,
}

/// How the request authenticated.
#[derive(Clone, Copy)]
pub(super) struct AuthInfo {
    pub bearer: bool,
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

    /// The sandbox's current time: its clock, or the real time without one.
    pub(super) fn now(&self) -> DateTime<Utc> {
        let t = self.dataset.read().unwrap().now();
        DateTime::from_timestamp(t, 0).unwrap_or_else(Utc::now)
    }

    pub fn set_faults(&self, f: FaultConfig) {
        *self.faults.lock().unwrap() = (f, 0, 0);
        self.cursor_asks.lock().unwrap().clear();
        *self.pager_faults.lock().unwrap() = PagerFaults::default();
    }

    /// Whether `kind` is listed in the fault config (for faults not decided per request).
    pub(super) fn fault_listed(&self, kind: FaultKind) -> bool {
        self.faults.lock().unwrap().0.kinds.contains(&kind)
    }

    pub fn expire_tokens(&self) {
        let mut t = self.tokens.lock().unwrap();
        let past = Instant::now() - Duration::from_millis(1);
        for v in t.access.values_mut() {
            *v = past;
        }
    }

    pub(super) fn request_id(&self) -> String {
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

    pub(super) fn sign_media(&self, call_id: &str, kind: &str, expires: i64) -> String {
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
    pub(super) fn cursor_fault(&self, endpoint: &str, filter: u64, offset: u64) -> bool {
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

    pub(super) fn record_fault(&self, k: FaultKind) {
        let mut s = self.stats.lock().unwrap();
        s.faults_injected += 1;
        *s.faults_by_kind.entry(k.name().to_string()).or_default() += 1;
    }
}

pub(super) type St = State<Arc<AppState>>;
