//! Fault injection: deterministic per API request number.
//!
//! Three families: answers that replace Gong's (statuses, resets, bodies that break off, redirects,
//! echoed credentials), answers of Gong rewritten on their way out (pages that do not progress, pages
//! without their record key or with records that are not objects: [`PagerFaults`]), and the OAuth
//! token endpoint's absurd `expires_in` (active whenever its kind is listed, whatever the rate).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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
    /// HTTP 404 "No calls found…" whose body breaks off halfway (full `Content-Length`, then a reset).
    #[serde(rename = "truncated-404", alias = "TruncatedNotFound")]
    TruncatedNotFound,
    /// HTTP 503 with `Retry-After: 3600`.
    #[serde(rename = "503-retry-after-3600", alias = "LongRetryAfter")]
    LongRetryAfter,
    /// HTTP 500 whose error text quotes the request's full URL and `Authorization` header.
    #[serde(rename = "echo-auth", alias = "EchoAuth")]
    EchoAuth,
    /// HTTP 307 to the same path on another origin (`localhost` for `127.0.0.1`, and back).
    #[serde(rename = "redirect-307", alias = "RedirectElsewhere")]
    RedirectElsewhere,
    /// 200 `{"status":"ok"}`: no record key, no records block.
    #[serde(rename = "no-record-key", alias = "NoRecordKey")]
    NoRecordKey,
    /// The page's next cursor is the cursor the request carried (page 1 is answered normally).
    #[serde(rename = "cursor-unchanged", alias = "CursorUnchanged")]
    CursorUnchanged,
    /// Cursors cycle A→B→A: the answer to cursor B points back to A.
    #[serde(rename = "cursor-cycle", alias = "CursorCycle")]
    CursorCycle,
    /// Every page is empty and carries a new cursor (`sbx-empty-N`), forever.
    #[serde(rename = "empty-pages", alias = "EmptyPages")]
    EmptyPages,
    /// The record array also holds `null`, a number, a string and an array.
    #[serde(rename = "non-object-records", alias = "NonObjectRecords")]
    NonObjectRecords,
    /// The OAuth token endpoint answers `expires_in: 9200000000000000000` (whenever this kind is listed).
    #[serde(rename = "oauth-absurd-expiry", alias = "OAuthAbsurdExpiry")]
    OAuthAbsurdExpiry,
}

impl FaultKind {
    /// Every kind, in CLI order.
    pub const ALL: [FaultKind; 20] = [
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
        FaultKind::TruncatedNotFound,
        FaultKind::LongRetryAfter,
        FaultKind::EchoAuth,
        FaultKind::RedirectElsewhere,
        FaultKind::NoRecordKey,
        FaultKind::CursorUnchanged,
        FaultKind::CursorCycle,
        FaultKind::EmptyPages,
        FaultKind::NonObjectRecords,
        FaultKind::OAuthAbsurdExpiry,
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
            FaultKind::TruncatedNotFound => "truncated-404",
            FaultKind::LongRetryAfter => "503-retry-after-3600",
            FaultKind::EchoAuth => "echo-auth",
            FaultKind::RedirectElsewhere => "redirect-307",
            FaultKind::NoRecordKey => "no-record-key",
            FaultKind::CursorUnchanged => "cursor-unchanged",
            FaultKind::CursorCycle => "cursor-cycle",
            FaultKind::EmptyPages => "empty-pages",
            FaultKind::NonObjectRecords => "non-object-records",
            FaultKind::OAuthAbsurdExpiry => "oauth-absurd-expiry",
        }
    }

    /// Kinds that let Gong answer and then rewrite its page ([`PagerFaults::rewrite`]).
    pub fn rewrites_page(self) -> bool {
        matches!(
            self,
            FaultKind::NoRecordKey
                | FaultKind::CursorUnchanged
                | FaultKind::CursorCycle
                | FaultKind::EmptyPages
                | FaultKind::NonObjectRecords
        )
    }

    /// Kinds not decided per API request (see [`FaultConfig::decide`]'s callers).
    pub fn per_request(self) -> bool {
        !matches!(
            self,
            FaultKind::ExpiredCursor | FaultKind::OAuthAbsurdExpiry
        )
    }
}

/// The `expires_in` of the `oauth-absurd-expiry` fault: fits an i64, not a time span.
pub const ABSURD_EXPIRES_IN: i64 = 9_200_000_000_000_000_000;

/// The cursors of the `empty-pages` fault start with this.
pub const EMPTY_CURSOR_PREFIX: &str = "sbx-empty-";

/// What the page-rewriting faults remember between requests.
#[derive(Debug, Default)]
pub struct PagerFaults {
    /// For `cursor-cycle`: each cursor handed out → the cursor of the request it answered.
    parents: HashMap<String, Option<String>>,
    /// For `empty-pages`: cursors handed out so far.
    empty_pages: u64,
}

impl PagerFaults {
    /// Rewrites a 200 answer `page` for `kind`; `asked` is the cursor the request carried.
    pub fn rewrite(&mut self, kind: FaultKind, page: &mut Value, asked: Option<&str>) {
        match kind {
            FaultKind::NoRecordKey => *page = json!({"status": "ok"}),
            FaultKind::CursorUnchanged => {
                if let (Some(c), Some(records)) = (asked, page.get_mut("records")) {
                    records["cursor"] = json!(c);
                }
            }
            FaultKind::CursorCycle => {
                let next = page["records"]["cursor"].as_str().map(str::to_string);
                if let Some(n) = next {
                    self.parents.insert(n, asked.map(str::to_string));
                }
                let back = asked.and_then(|a| self.parents.get(a).cloned().flatten());
                if let (Some(back), Some(records)) = (back, page.get_mut("records")) {
                    records["cursor"] = json!(back);
                }
            }
            FaultKind::EmptyPages => {
                if let Some(list) = record_array(page) {
                    list.clear();
                }
                self.empty_pages += 1;
                let cursor = format!("{EMPTY_CURSOR_PREFIX}{}", self.empty_pages);
                if let Some(records) = page.get_mut("records") {
                    records["cursor"] = json!(cursor);
                    records["currentPageSize"] = json!(0);
                }
            }
            FaultKind::NonObjectRecords => {
                if let Some(list) = record_array(page) {
                    list.extend([json!(null), json!(42), json!("text"), json!([1, 2])]);
                }
            }
            _ => {}
        }
    }
}

/// The page's record array: its top-level array other than `errors`.
fn record_array(page: &mut Value) -> Option<&mut Vec<Value>> {
    page.as_object_mut()?
        .iter_mut()
        .find(|(k, v)| k.as_str() != "errors" && v.is_array())
        .and_then(|(_, v)| v.as_array_mut())
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
    /// Only API requests to these paths (exact, e.g. `/v2/calls`) get per-request faults, and only they
    /// are counted for `pass_first_n`, `fail_first_n` and the rate. Empty = every API path.
    pub paths: Vec<String>,
    /// The first N (counted) API requests never fail; `fail_first_n` and the rate apply after them. With
    /// `paths` and `rate: 1`: an endpoint that answers a few pages and then keeps failing.
    pub pass_first_n: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            rate: 0.0,
            kinds: Vec::new(),
            seed: 0,
            fail_first_n: 0,
            slow_ms: 40_000,
            paths: Vec::new(),
            pass_first_n: 0,
        }
    }
}

impl FaultConfig {
    /// No faults at all.
    pub fn none() -> FaultConfig {
        FaultConfig::default()
    }

    /// Whether a request to `path` is one the per-request faults apply to (see `paths`).
    pub fn applies_to(&self, path: &str) -> bool {
        self.paths.is_empty() || self.paths.iter().any(|p| p == path)
    }

    /// The fault for API request number `n` (0-based, since the config was set), if any.
    pub fn decide(&self, n: u64) -> Option<FaultKind> {
        let n = n.checked_sub(self.pass_first_n)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn page(cursor: Option<&str>) -> Value {
        let mut p = json!({"requestId": "r", "records": {"totalRecords": 300, "currentPageSize": 1}, "calls": [{"id": "1"}]});
        if let Some(c) = cursor {
            p["records"]["cursor"] = json!(c);
        }
        p
    }

    #[test]
    fn every_kind_has_a_name_that_parses_back() {
        for k in FaultKind::ALL {
            assert_eq!(k.name().parse::<FaultKind>(), Ok(k));
        }
    }

    #[test]
    fn cursors_cycle_a_b_a() {
        let mut f = PagerFaults::default();
        let mut p0 = page(Some("A"));
        f.rewrite(FaultKind::CursorCycle, &mut p0, None);
        assert_eq!(p0["records"]["cursor"], "A");
        let mut p1 = page(Some("B"));
        f.rewrite(FaultKind::CursorCycle, &mut p1, Some("A"));
        assert_eq!(p1["records"]["cursor"], "B");
        let mut p2 = page(Some("C"));
        f.rewrite(FaultKind::CursorCycle, &mut p2, Some("B"));
        assert_eq!(p2["records"]["cursor"], "A");
    }

    #[test]
    fn page_rewrites() {
        let mut f = PagerFaults::default();
        let mut p = page(Some("B"));
        f.rewrite(FaultKind::CursorUnchanged, &mut p, Some("A"));
        assert_eq!(p["records"]["cursor"], "A");
        let mut p = page(None);
        f.rewrite(FaultKind::EmptyPages, &mut p, None);
        assert_eq!(p["calls"], json!([]));
        assert_eq!(p["records"]["cursor"], "sbx-empty-1");
        let mut p = page(None);
        f.rewrite(FaultKind::NonObjectRecords, &mut p, None);
        assert_eq!(p["calls"].as_array().unwrap().len(), 5);
        let mut p = page(None);
        f.rewrite(FaultKind::NoRecordKey, &mut p, None);
        assert_eq!(p, json!({"status": "ok"}));
    }

    #[test]
    fn faults_can_be_limited_to_paths_and_follow_passing_requests() {
        let f = FaultConfig {
            rate: 1.0,
            paths: vec!["/v2/calls".into()],
            pass_first_n: 3,
            ..FaultConfig::none()
        };
        assert!(f.applies_to("/v2/calls"));
        assert!(!f.applies_to("/v2/calls/extensive"));
        assert!(FaultConfig::none().applies_to("/v2/users"));
        let decided: Vec<bool> = (0..6).map(|n| f.decide(n).is_some()).collect();
        assert_eq!(decided, [false, false, false, true, true, true]);
    }
}
