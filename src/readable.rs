//! Which streams the credentials can read, for `check`: one probe request per OAuth scope of the
//! endpoint table that some stream needs, so a user learns about a missing scope before the first sync.
//!
//! A probe is the stream endpoint's request with no filters and a cursor no page has (`check`): Gong
//! checks the key's or token's scope before it reads the request, so a 403 means the scope is missing,
//! while the 400 (bad cursor or missing filter) or the small page that comes back means it is granted;
//! no data is read. A stream is readable when every endpoint it calls (its own, the listing it takes
//! call ids from, its parent lists) is. Cost: one request per distinct scope (`check`'s message
//! gives the count; tests/docs.rs holds the docs to it), inside the configured request budget. Invariant: a probe's outcome never fails `check`; only the message says
//! what could not be read.

use std::collections::BTreeMap;

use crate::client::GongClient;
use crate::error::Reason;
use crate::gong::endpoints::Endpoint;
use crate::streams::STREAMS;

/// What a probe learned about one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Granted,
    /// Gong answered 403 (or 401) for the scope's probe.
    Denied,
    /// The probe failed for another reason (a timeout, a 5xx): unknown.
    Unknown(String),
}

/// What `check` learned: per stream (in the stream table's order), the scopes of the endpoints it calls
/// (its own, its listing, its parent lists') that are not granted; and the probes sent.
#[derive(Debug, Clone, Default)]
pub struct Readable {
    pub streams: Vec<(&'static str, Vec<(&'static str, Access)>)>,
    pub requests: usize,
}

impl Readable {
    /// Names of the streams whose every scope was granted.
    pub fn readable(&self) -> Vec<&'static str> {
        self.streams
            .iter()
            .filter(|(_, missing)| missing.is_empty())
            .map(|(name, _)| *name)
            .collect()
    }

    /// The summary `check` puts in its message and LOG line.
    pub fn summary(&self) -> String {
        let readable = self.readable();
        let mut text = format!(
            "Readable streams ({} of {}): {}.",
            readable.len(),
            self.streams.len(),
            if readable.is_empty() {
                "none".to_string()
            } else {
                readable.join(", ")
            }
        );
        let list = |denied: bool| -> Vec<String> {
            self.streams
                .iter()
                .filter_map(|(name, missing)| {
                    let scopes: Vec<&str> = missing
                        .iter()
                        .filter(|(_, a)| (*a == Access::Denied) == denied)
                        .map(|(scope, _)| *scope)
                        .collect();
                    (!scopes.is_empty()).then(|| format!("{name} ({})", scopes.join(", ")))
                })
                .collect()
        };
        let denied = list(true);
        if !denied.is_empty() {
            text.push_str(&format!(
                " Not readable, the key or token lacks the scope: {}.",
                denied.join("; ")
            ));
        }
        let unknown = list(false);
        if !unknown.is_empty() {
            text.push_str(&format!(
                " Not checked (the probe failed): {}.",
                unknown.join("; ")
            ));
        }
        text.push_str(&format!(
            " ({} probe requests, one per scope.)",
            self.requests
        ));
        text
    }
}

/// Probes every scope the streams need, one request each, all at once, paced by the client's budget.
pub async fn probe(client: &GongClient) -> Readable {
    let mut by_scope: BTreeMap<&'static str, &'static Endpoint> = BTreeMap::new();
    for def in STREAMS {
        for endpoint in def.endpoints() {
            by_scope.entry(endpoint.scope).or_insert(endpoint);
        }
    }
    let probes = by_scope.iter().map(|(scope, endpoint)| async move {
        let mut request = endpoint.request();
        endpoint.set_cursor(&mut request, "check");
        let access = match client.send(&request).await {
            Ok(_) => Access::Granted,
            Err(e) => match e.reason() {
                Reason::Forbidden { .. } | Reason::Unauthorized => Access::Denied,
                Reason::InvalidCursor
                | Reason::ExpiredCursor
                | Reason::InvalidRequest(_)
                | Reason::NotFound => Access::Granted,
                _ => Access::Unknown(e.message.clone()),
            },
        };
        (*scope, access)
    });
    let found: BTreeMap<&str, Access> = futures_util::future::join_all(probes)
        .await
        .into_iter()
        .collect();
    let streams = STREAMS
        .iter()
        .map(|def| {
            let mut missing: Vec<(&'static str, Access)> = Vec::new();
            for endpoint in def.endpoints() {
                let access = found
                    .get(endpoint.scope)
                    .cloned()
                    .unwrap_or(Access::Granted);
                if access != Access::Granted && !missing.iter().any(|(s, _)| *s == endpoint.scope) {
                    missing.push((endpoint.scope, access));
                }
            }
            (def.name, missing)
        })
        .collect();
    Readable {
        streams,
        requests: found.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_denied_scopes_and_the_cost() {
        let r = Readable {
            streams: vec![
                ("users", vec![]),
                ("flows", vec![("api:flows:read", Access::Denied)]),
                (
                    "calls",
                    vec![("api:calls:read:basic", Access::Unknown("x".into()))],
                ),
            ],
            requests: 3,
        };
        assert_eq!(r.readable(), ["users"]);
        let s = r.summary();
        assert!(s.starts_with("Readable streams (1 of 3): users."), "{s}");
        assert!(
            s.contains("lacks the scope: flows (api:flows:read)."),
            "{s}"
        );
        assert!(s.contains("Not checked (the probe failed): calls"), "{s}");
        assert!(s.contains("3 probe requests"), "{s}");
    }
}
