//! Windows shared between streams: a window of a listing or of calls/extensive that several selected
//! streams need is fetched once, by the first of them in the read order (the *provider*), and the
//! others (*takers*) take what they need of its pages.
//!
//! Two kinds of sharing, both planned by [`plan`] from the stream table, never from a stream's name:
//! - ids: a stream read by call id (`streams::Plan::CallIdBatches`) takes the (id, start) pairs of its
//!   listing's pages from the stream that reads that listing (`calls`), or when none is selected from the
//!   first id-batched stream on the same listing, which lists the window for the others;
//! - pages: a stream that rides on another's pages (`streams::Ride`, call_media) takes the fields it
//!   needs of each page of the provider's window (`engine/riders.rs`).
//!
//! Each provider slice whose window another stream takes opens a [`Tap`] under its window's key ([`key`],
//! the request less its `contentSelector`) with the number of takers; as its pages go to the writer it
//! keeps what the takers need, and when it has read its whole window the tap is published. Every taker
//! slice of the same key takes it instead of fetching; the window is freed once the last taker took it.
//! Sharing never couples failures: a tap whose slice failed or was stopped is dropped unpublished, and
//! each waiting slice fetches the window itself (and fails at once when the endpoint's breaker is open,
//! `client/breaker.rs`). A provider read with other windows (another cursor,
//! full refresh against incremental) simply shares nothing.
//!
//! Invariant: a tap is published only with every record of its window; a taker's records and
//! checkpoints are exactly those of fetching the window itself.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::watch;

use super::plan::Slice;
use crate::client::ApiRequest;
use crate::error::{Error, Result};
use crate::gong::page::Page;
use crate::gong::values::id_string;
use crate::state::Selected;
use crate::streams::{Content, Plan, Ride};

/// The records of one listing page: (id, start time) of each.
pub type Listed = Vec<(String, String)>;

/// A published window: what its takers need of each of its pages, in order.
pub type Window<T> = Arc<Vec<T>>;

/// The windows of this sync that providers publish, by key.
pub struct Shares<T> {
    taps: Mutex<HashMap<String, Entry<T>>>,
}

/// Windows of listing ids (id-batched streams) and of calls/extensive pages (riders).
pub type Listings = Shares<Listed>;
pub type Carried = Shares<Page>;

struct Entry<T> {
    rx: watch::Receiver<Option<Window<T>>>,
    /// Takers that have not taken the window yet.
    takers: usize,
}

impl<T> Default for Shares<T> {
    fn default() -> Self {
        Shares {
            taps: Mutex::new(HashMap::new()),
        }
    }
}

/// The provider's side of one window: collects its pages, and publishes them when complete.
pub struct Tap<T> {
    tx: watch::Sender<Option<Window<T>>>,
    pages: Vec<T>,
}

/// A window's identity: its whole request but the content it selects (a provider may ask for more).
pub fn key(request: &ApiRequest) -> String {
    let body = request.body.as_ref().map(|b| match b {
        Value::Object(fields) if fields.contains_key("contentSelector") => {
            let mut fields = fields.clone();
            fields.remove("contentSelector");
            Value::Object(fields)
        }
        other => other.clone(),
    });
    format!(
        "{} {} {:?} {:?}",
        request.method, request.path, request.query, body
    )
}

impl<T> Shares<T> {
    /// Opens the tap of the provider's slice of the window `key`, which `takers` slices will take.
    pub fn open(&self, key: String, takers: usize) -> Tap<T> {
        let (tx, rx) = watch::channel(None);
        self.lock().insert(key, Entry { rx, takers });
        Tap {
            tx,
            pages: Vec::new(),
        }
    }

    /// The window of `request`, once its provider has read it whole; `None` when no provider reads it
    /// or its slice failed (the caller then fetches the window itself).
    pub async fn take(&self, request: &ApiRequest) -> Option<Window<T>> {
        let mut rx = {
            let mut taps = self.lock();
            let key = key(request);
            let entry = taps.get_mut(&key)?;
            entry.takers = entry.takers.saturating_sub(1);
            let rx = entry.rx.clone();
            // The last taker: the window is freed once it is done with it.
            if entry.takers == 0 {
                taps.remove(&key);
            }
            rx
        };
        loop {
            if let Some(window) = rx.borrow_and_update().clone() {
                return Some(window);
            }
            rx.changed().await.ok()?;
        }
    }

    /// Windows published or open and not yet taken by all their takers.
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry<T>>> {
        self.taps.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<T> Tap<T> {
    /// Keeps what the takers need of a page (or part of one) the provider sent on.
    pub fn keep(&mut self, page: T) {
        self.pages.push(page);
    }

    /// The window was read whole: hand it to the waiting streams.
    pub fn publish(self) {
        let _ = self.tx.send(Some(Arc::new(self.pages)));
    }
}

/// What one selected stream's slices share: the windows it provides (key → takers) and takes.
#[derive(Debug, Default)]
pub struct Sharing {
    /// Windows whose listing ids this stream publishes.
    pub ids: HashMap<String, usize>,
    /// Windows whose pages this stream publishes for a rider (its request asks for the rider's field).
    pub pages: HashMap<String, usize>,
    /// Windows this stream takes from a provider instead of fetching them.
    pub takes: HashSet<String>,
    /// The ride of the stream taking this stream's pages, when one does.
    pub ride: Option<Ride>,
}

/// Who provides the windows of `consumer` (an index in `order`), if any: for an id-batched stream, the
/// stream reading its listing, else the first id-batched stream on the same listing; for a rider, the
/// first stream reading its endpoint in call windows with the configured content.
pub fn provider_of(order: &[&Selected], consumer: usize) -> Option<usize> {
    let def = order[consumer].def;
    let first = |f: &dyn Fn(&Selected) -> bool| order.iter().position(|s| f(s));
    if let Plan::CallIdBatches { listing, .. } = def.plan {
        let lists = |s: &Selected| {
            matches!(s.def.plan, Plan::CallWindows { .. }) && std::ptr::eq(s.def.endpoint, listing)
        };
        let same_listing = |s: &Selected| matches!(s.def.plan, Plan::CallIdBatches { listing: l, .. } if std::ptr::eq(l, listing));
        return first(&lists)
            .or_else(|| first(&same_listing))
            .filter(|&p| p != consumer);
    }
    def.rides?;
    first(&|s: &Selected| {
        s.def.rides.is_none()
            && s.def.content == Content::Configured
            && matches!(s.def.plan, Plan::CallWindows { .. })
            && std::ptr::eq(s.def.endpoint, def.endpoint)
    })
}

/// Per provider stream (by name), the field its selected rider needs: the provider asks for it from its
/// first request on, also the pages the planner reads (`windows.rs`), so that every page it reads can
/// serve the rider.
pub fn rides(order: &[&Selected]) -> HashMap<&'static str, &'static str> {
    (0..order.len())
        .filter_map(|c| {
            let ride = order[c].def.rides?;
            let p = provider_of(order, c)?;
            Some((order[p].def.name, ride.exposed))
        })
        .collect()
}

/// The sharing of every stream of `order` (the read order, see [`provider_first`]) given their planned
/// slices: each window a consumer and its provider both plan is fetched by the provider alone.
pub fn plan(order: &[&Selected], plans: &[Option<&[Slice]>]) -> Vec<Sharing> {
    let mut sharing: Vec<Sharing> = order.iter().map(|_| Sharing::default()).collect();
    for consumer in 0..order.len() {
        let Some(provider) = provider_of(order, consumer) else {
            continue;
        };
        let (Some(mine), Some(theirs)) = (plans[consumer], plans[provider]) else {
            continue;
        };
        let ride = order[consumer].def.rides;
        let provided: HashSet<String> = theirs.iter().map(|s| key(&s.request)).collect();
        for slice in mine {
            let k = key(&slice.request);
            if !provided.contains(&k) {
                continue;
            }
            if ride.is_some() {
                sharing[provider].ride = ride;
            }
            let count = match ride {
                Some(_) => &mut sharing[provider].pages,
                None => &mut sharing[provider].ids,
            };
            *count.entry(k.clone()).or_default() += 1;
            sharing[consumer].takes.insert(k);
        }
    }
    sharing
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

/// The selected streams in catalog order, except that a stream taking its windows from another (see
/// [`provider_of`]) is moved right after its provider when it came before it, so that providers' windows
/// are read first.
pub fn provider_first(selected: &[Selected]) -> Vec<&Selected> {
    let mut order: Vec<&Selected> = selected.iter().collect();
    for consumer in selected {
        let c = order
            .iter()
            .position(|s| std::ptr::eq(s.def, consumer.def))
            .unwrap_or(0);
        let Some(p) = provider_of(&order, c) else {
            continue;
        };
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

    fn sel(name: &str) -> Selected {
        Selected {
            def: find(name).unwrap(),
            sync_mode: crate::protocol::SyncMode::FullRefresh,
            include_files: false,
        }
    }

    fn names(order: &[&Selected]) -> Vec<&'static str> {
        order.iter().map(|s| s.def.name).collect()
    }

    fn window(from: &str) -> Slice {
        Slice::new(
            ep::CALLS.request().query("fromDateTime", from),
            String::new(),
            None,
        )
    }

    #[tokio::test]
    async fn a_window_is_taken_by_each_taker_then_freed_and_a_failed_one_is_fetched_again() {
        let listings = Arc::new(Listings::default());
        let ok = ep::CALLS.request().query("fromDateTime", "a");
        let failed = ep::CALLS.request().query("fromDateTime", "b");
        let mut tap = listings.open(key(&ok), 2);
        tap.keep(vec![("1".into(), "s1".into()), ("2".into(), "s2".into())]);
        let dropped = listings.open(key(&failed), 1);
        let waiting = tokio::spawn({
            let listings = listings.clone();
            let (ok, failed) = (ok.clone(), failed.clone());
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
        assert!(b.is_none(), "a failed window is fetched again");
        assert!(none.is_none(), "no provider for this window");
        assert_eq!(listings.pending(), 1, "one taker of `ok` is still to come");
        assert_eq!(listings.take(&ok).await.unwrap()[0].len(), 2);
        assert_eq!(listings.pending(), 0, "freed once every taker took it");
    }

    #[test]
    fn a_windows_key_ignores_the_content_it_selects() {
        let with = |selector: Value| {
            let mut r = ep::CALLS_EXTENSIVE.request();
            r.body.as_mut().unwrap()["contentSelector"] = selector;
            r
        };
        let media = with(serde_json::json!({"exposedFields": {"media": true}}));
        let parties = with(serde_json::json!({"exposedFields": {"parties": true}}));
        assert_eq!(key(&media), key(&parties));
        assert_ne!(key(&media), key(&ep::CALLS.request()));
    }

    #[test]
    fn providers_are_read_before_the_streams_taking_their_windows() {
        let selected = vec![
            sel("call_transcripts"),
            sel("call_media"),
            sel("users"),
            sel("calls_extensive"),
            sel("calls"),
        ];
        let order = provider_first(&selected);
        assert_eq!(
            names(&order),
            [
                "users",
                "calls_extensive",
                "call_media",
                "calls",
                "call_transcripts"
            ]
        );
        let selected = vec![sel("call_users_access"), sel("call_transcripts")];
        let order = provider_first(&selected);
        assert_eq!(names(&order), ["call_users_access", "call_transcripts"]);
    }

    #[test]
    fn each_window_is_fetched_by_one_stream_for_all_that_need_it() {
        let selected = [
            sel("calls"),
            sel("call_transcripts"),
            sel("call_users_access"),
        ];
        let order: Vec<&Selected> = selected.iter().collect();
        let (a, b, c) = (window("a"), window("b"), window("c"));
        let calls = vec![a.clone(), b.clone()];
        let transcripts = vec![a.clone(), b.clone(), c.clone()];
        let access = vec![b.clone(), c.clone()];
        let sharing = plan(&order, &[Some(&calls), Some(&transcripts), Some(&access)]);
        assert_eq!(sharing[0].ids.get(&key(&a.request)), Some(&1));
        assert_eq!(sharing[0].ids.get(&key(&b.request)), Some(&2));
        assert_eq!(sharing[0].ids.len(), 2, "window c: calls does not read it");
        assert_eq!(sharing[1].takes.len(), 2);
        assert_eq!(sharing[2].takes.len(), 1);
        // Without calls, the first id-batched stream lists for the other.
        let sharing = plan(&order[1..], &[Some(&transcripts), Some(&access)]);
        assert_eq!(sharing[0].ids.len(), 2);
        assert!(sharing[0].takes.is_empty());
        assert_eq!(sharing[1].takes.len(), 2);
        // A provider whose plan failed shares nothing: each stream lists its own windows.
        let sharing = plan(&order, &[None, Some(&transcripts), Some(&access)]);
        assert!(sharing
            .iter()
            .all(|s| s.takes.is_empty() && s.ids.is_empty()));
    }

    #[test]
    fn a_rider_takes_the_pages_of_the_stream_reading_its_endpoint_with_content() {
        let selected = [sel("calls_extensive"), sel("call_media"), sel("calls")];
        let order: Vec<&Selected> = selected.iter().collect();
        let w = |from: &str| {
            let mut s = window(from);
            s.request = ep::CALLS_EXTENSIVE.request();
            s.request.body.as_mut().unwrap()["from"] = from.into();
            s
        };
        let slices = vec![w("a"), w("b")];
        let calls = vec![window("a")];
        let sharing = plan(&order, &[Some(&slices), Some(&slices), Some(&calls)]);
        assert_eq!(sharing[0].pages.len(), 2);
        assert_eq!(sharing[0].ride.map(|r| r.exposed), Some("media"));
        assert!(sharing[0].ids.is_empty());
        assert_eq!(sharing[1].takes.len(), 2);
        assert!(sharing[2].ids.is_empty(), "nothing takes the calls listing");
        // Alone, the rider fetches its own windows.
        let sharing = plan(&order[1..2], &[Some(&slices)]);
        assert!(sharing[0].takes.is_empty());
    }
}
