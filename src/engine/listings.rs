//! Listings shared between streams: when a selected stream reads its records by id from a listing
//! (`streams::Plan::CallIdBatches`) and another selected stream reads that listing itself (its endpoint
//! *is* the listing, e.g. `calls` for `call_transcripts`), the listing's pages are fetched once.
//!
//! The stream that reads the listing (the *provider*) is written first (see [`provider_first`]); each of
//! its slices opens a [`Tap`] under its request and, as its pages go to the writer, keeps the ids (and
//! start times) of their records. When the slice has read its whole window the tap is published; the
//! id-batched stream's slice with the same request takes it instead of listing again. Sharing never
//! couples failures: a tap whose slice failed or was stopped is dropped unpublished, and the waiting
//! slice lists the window itself. Windows are matched by their exact request, so a provider read with
//! other windows (another cursor, full refresh against incremental) simply shares nothing.
//!
//! Invariant: a tap is published only with every record of its window; the consumer's records and
//! checkpoints are exactly those of listing the window itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::client::ApiRequest;
use crate::error::{Error, Result};
use crate::gong::endpoints::Endpoint;
use crate::gong::page::Page;
use crate::gong::values::id_string;
use crate::state::Selected;
use crate::streams::Plan;

/// The records of one listing page: (id, start time) of each.
pub type Listed = Vec<(String, String)>;

/// A published window: its listing pages in order.
type Window = Arc<Vec<Listed>>;

#[derive(Default)]
pub struct Listings {
    taps: Mutex<HashMap<String, watch::Receiver<Option<Window>>>>,
}

/// The provider's side of one window: collects its pages' ids, and publishes them when complete.
pub struct Tap {
    tx: watch::Sender<Option<Window>>,
    pages: Vec<Listed>,
    path: &'static str,
}

/// A window's identity: its whole request.
pub fn key(request: &ApiRequest) -> String {
    format!(
        "{} {} {:?} {:?}",
        request.method, request.path, request.query, request.body
    )
}

impl Listings {
    /// Opens the tap of the provider's slice of `request`.
    pub fn open(&self, request: &ApiRequest, endpoint: &'static Endpoint) -> Tap {
        let (tx, rx) = watch::channel(None);
        self.lock().insert(key(request), rx);
        Tap {
            tx,
            pages: Vec::new(),
            path: endpoint.path,
        }
    }

    /// A provider's slice reads the listing of `request` in this sync.
    pub fn shares(&self, request: &ApiRequest) -> bool {
        self.lock().contains_key(&key(request))
    }

    /// The listing pages of `request`'s window, once its provider has read it whole; `None` when no
    /// provider reads it or its slice failed (the caller then lists the window itself).
    pub async fn take(&self, request: &ApiRequest) -> Option<Window> {
        let mut rx = self.lock().remove(&key(request))?;
        loop {
            if let Some(window) = rx.borrow_and_update().clone() {
                return Some(window);
            }
            rx.changed().await.ok()?;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Receiver<Option<Window>>>> {
        self.taps.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Deserialize)]
struct CallStart {
    id: Option<Value>,
    started: Option<String>,
}

/// (id, start time) of each record of a listing page.
pub fn listed(page: &Page, path: &str) -> Result<Listed> {
    let mut out = Vec::with_capacity(page.len());
    for i in 0..page.len() {
        let call: CallStart = serde_json::from_str(page.record(i))
            .map_err(|e| Error::system(format!("A call in {path} is malformed: {e}")))?;
        if let Some(id) = id_string(call.id.as_ref()) {
            out.push((id, call.started.unwrap_or_default()));
        }
    }
    Ok(out)
}

impl Tap {
    /// Keeps the ids of a page (or part of one) the provider sent on.
    pub fn keep(&mut self, page: &Page) -> Result<()> {
        let listed = listed(page, self.path)?;
        self.pages.push(listed);
        Ok(())
    }

    /// The window was read whole: hand its ids to the waiting stream.
    pub fn publish(self) {
        let _ = self.tx.send(Some(Arc::new(self.pages)));
    }
}

/// Whether `provider` reads a listing some other selected stream takes ids from.
pub fn is_provider(provider: &Selected, selected: &[&Selected]) -> bool {
    matches!(provider.def.plan, Plan::CallWindows { .. })
        && selected.iter().any(|s| match s.def.plan {
            Plan::CallIdBatches { listing, .. } => std::ptr::eq(listing, provider.def.endpoint),
            _ => false,
        })
}

/// The selected streams in catalog order, except that a stream taking ids from a listing comes right
/// after the stream that reads that listing, so the provider's windows are read first.
pub fn provider_first(selected: &[Selected]) -> Vec<&Selected> {
    let mut order: Vec<&Selected> = selected.iter().collect();
    for consumer in selected {
        let Plan::CallIdBatches { listing, .. } = consumer.def.plan else {
            continue;
        };
        let pos =
            |order: &[&Selected], f: &dyn Fn(&Selected) -> bool| order.iter().position(|s| f(s));
        let Some(p) = pos(&order, &|s| {
            matches!(s.def.plan, Plan::CallWindows { .. }) && std::ptr::eq(s.def.endpoint, listing)
        }) else {
            continue;
        };
        let c = pos(&order, &|s| std::ptr::eq(s.def, consumer.def)).unwrap_or(p);
        if c < p {
            let moved = order.remove(c);
            order.insert(p, moved);
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gong::endpoints as ep;
    use crate::streams::find;

    fn page(body: &str) -> Page {
        let (records, total_records, _) =
            crate::gong::page::parse_page(body.as_bytes(), "calls").unwrap();
        Page {
            body: body.as_bytes().to_vec().into(),
            records,
            total_records,
        }
    }

    #[tokio::test]
    async fn a_published_window_is_taken_and_a_failed_one_is_listed_again() {
        let listings = Listings::default();
        let ok = ep::CALLS.request().query("fromDateTime", "a");
        let failed = ep::CALLS.request().query("fromDateTime", "b");
        let mut tap = listings.open(&ok, &ep::CALLS);
        tap.keep(&page(
            r#"{"records":{"totalRecords":2},"calls":[{"id":"1","started":"s1"},{"id":2,"started":"s2"}]}"#,
        ))
        .unwrap();
        let dropped = listings.open(&failed, &ep::CALLS);
        assert!(listings.shares(&ok) && listings.shares(&failed));
        let waiting = tokio::spawn({
            let listings = Arc::new(listings);
            async move {
                let (a, b) = tokio::join!(listings.take(&ok), listings.take(&failed));
                (a, b, listings.take(&ep::CALLS.request()).await)
            }
        });
        tokio::task::yield_now().await;
        tap.publish();
        drop(dropped); // its slice failed: never published
        let (a, b, none) = waiting.await.unwrap();
        let a = a.expect("the published window");
        assert_eq!(a[0], [("1".into(), "s1".into()), ("2".into(), "s2".into())]);
        assert!(b.is_none(), "a failed window falls back to listing");
        assert!(none.is_none(), "no provider for this window");
    }

    #[test]
    fn the_listing_stream_is_read_before_the_stream_taking_its_ids() {
        let sel = |name| Selected {
            def: find(name).unwrap(),
            sync_mode: crate::protocol::SyncMode::FullRefresh,
            include_files: false,
        };
        let selected = vec![sel("call_transcripts"), sel("users"), sel("calls")];
        let order: Vec<&str> = provider_first(&selected)
            .iter()
            .map(|s| s.def.name)
            .collect();
        assert_eq!(order, ["users", "calls", "call_transcripts"]);
        let refs: Vec<&Selected> = selected.iter().collect();
        assert!(is_provider(&selected[2], &refs));
        assert!(!is_provider(&selected[1], &refs));
        assert!(
            !is_provider(&selected[2], &refs[1..]),
            "no stream takes its ids"
        );
    }
}
