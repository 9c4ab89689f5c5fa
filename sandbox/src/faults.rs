//! Fault injection: deterministic per API request number.

use serde::{Deserialize, Serialize};

use crate::rng::h3;

/// One kind of injected failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FaultKind {
    /// HTTP 500 with Gong's error body.
    #[serde(rename = "500", alias = "Status500")]
    Status500,
    /// HTTP 502 (as a proxy would send it).
    #[serde(rename = "502", alias = "Status502")]
    Status502,
    /// HTTP 503.
    #[serde(rename = "503", alias = "Status503")]
    Status503,
    /// HTTP 429 with `Retry-After: 1`.
    #[serde(rename = "429", alias = "TooManyRequests")]
    TooManyRequests,
    /// HTTP 429 without a `Retry-After` header.
    #[serde(rename = "429-no-retry-after", alias = "TooManyRequestsNoRetryAfter")]
    TooManyRequestsNoRetryAfter,
    /// The connection is dropped without a response.
    #[serde(rename = "reset", alias = "ConnectionReset")]
    ConnectionReset,
    /// 200 with the full `Content-Length` but only half the body, then the connection closes.
    #[serde(rename = "truncate", alias = "TruncatedBody")]
    TruncatedBody,
    /// 200 with a body that is not JSON.
    #[serde(rename = "invalid-json", alias = "InvalidJson")]
    InvalidJson,
    /// Sleeps `slow_ms` before answering normally.
    #[serde(rename = "slow", alias = "Slow")]
    Slow,
    /// A request that carries a cursor gets 400 "cursor has expired".
    #[serde(rename = "expired-cursor", alias = "ExpiredCursor")]
    ExpiredCursor,
}

impl FaultKind {
    /// Every kind, in CLI order.
    pub const ALL: [FaultKind; 10] = [
        FaultKind::Status500,
        FaultKind::Status502,
        FaultKind::Status503,
        FaultKind::TooManyRequests,
        FaultKind::TooManyRequestsNoRetryAfter,
        FaultKind::ConnectionReset,
        FaultKind::TruncatedBody,
        FaultKind::InvalidJson,
        FaultKind::Slow,
        FaultKind::ExpiredCursor,
    ];

    /// The CLI / JSON name of the kind (e.g. `429-no-retry-after`).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Status500 => "500",
            FaultKind::Status502 => "502",
            FaultKind::Status503 => "503",
            FaultKind::TooManyRequests => "429",
            FaultKind::TooManyRequestsNoRetryAfter => "429-no-retry-after",
            FaultKind::ConnectionReset => "reset",
            FaultKind::TruncatedBody => "truncate",
            FaultKind::InvalidJson => "invalid-json",
            FaultKind::Slow => "slow",
            FaultKind::ExpiredCursor => "expired-cursor",
        }
    }
}

impl std::str::FromStr for FaultKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        FaultKind::ALL
            .iter()
            .copied()
            .find(|k| k.name().eq_ignore_ascii_case(s) || format!("{k:?}").eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown fault kind {s:?} (expected one of {})",
                    names.join(",")
                )
            })
    }
}

/// Which faults to inject, how often.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Probability in `[0, 1]` that an API request gets a fault.
    pub rate: f64,
    /// Kinds to choose from (uniformly, deterministically). Empty = `500`.
    pub kinds: Vec<FaultKind>,
    /// Seed of the deterministic choice (request number → fault).
    pub seed: u64,
    /// The first N API requests (counted from the last `set_faults`) always fail.
    pub fail_first_n: u64,
    /// Delay of the `slow` fault in milliseconds (default 40 000).
    pub slow_ms: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            rate: 0.0,
            kinds: Vec::new(),
            seed: 0,
            fail_first_n: 0,
            slow_ms: 40_000,
        }
    }
}

impl FaultConfig {
    /// No faults at all.
    pub fn none() -> FaultConfig {
        FaultConfig::default()
    }

    /// The fault for API request number `n` (0-based, since the config was set), if any.
    pub fn decide(&self, n: u64) -> Option<FaultKind> {
        let kinds: &[FaultKind] = if self.kinds.is_empty() {
            &[FaultKind::Status500]
        } else {
            &self.kinds
        };
        if n < self.fail_first_n {
            return Some(kinds[(n % kinds.len() as u64) as usize]);
        }
        if self.rate <= 0.0 {
            return None;
        }
        let r = h3(self.seed, n, 0xFA17);
        let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
        if unit < self.rate {
            let k = h3(self.seed, n, 0xC0DE) % kinds.len() as u64;
            Some(kinds[k as usize])
        } else {
            None
        }
    }
}
