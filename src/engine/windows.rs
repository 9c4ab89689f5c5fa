//! Adaptive windows: a start date years before a company's first call must not cost a request per empty
//! window. The planner reads the first page of each window itself while history comes back empty or
//! small, widening as it goes, and the slices it plans carry those pages, so no page is fetched twice.
//!
//! The rule ([`Engine::adaptive_slices`]): windows are laid out from the stream's start (`start_date`, or
//! the saved cursor less the lookback) as today, but while probing, the planner asks for each window's
//! first page (every request of it: one per log type for typed windows). When every one of them is the
//! window's whole answer (empty, or one page without a cursor) the next window is twice as wide, up to
//! [`widest`]; the first window whose answer has more pages ends the probing, and every window after it
//! has the default width (`window_days`) and fetches at once, as before. Three empty years at 7-day
//! windows cost 9 requests instead of 157.
//!
//! Invariants:
//! * The windows partition the same range as the fixed-width plan, each with its own checkpoint (a window
//!   is never wider than [`widest`]), so records, the lookback and per-window STATEs are unchanged; a
//!   probed window's slice sends its first page and follows its cursor from there ([`Pager::after`]).
//! * Windows depend only on the answers to their requests: two streams that window the same listing
//!   (`calls` and the streams taking ids from it, `engine/listings.rs`) ask the same requests in the same
//!   order, and [`Probes`] fetches each request once per sync, so they plan the same windows and their
//!   requests still match exactly.
//! * A probed page is held by its slice until the slice is written ([`Probes`] forgets it once every
//!   stream is planned): at most one page per request of the probed windows, which the widening keeps
//!   to a few per stream (log2(32) + range / widest window).
//! * Probes are requests of the stream that asked first (the planning tally), and never extra: each is a
//!   window's first page, sent on as data.
//! * A probe never fails a plan: the first window whose probe failed ends the probing, and its slice asks
//!   again in its turn (and fails there, after the STATEs of the windows before it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use tokio::sync::OnceCell;

use super::listings::key;
use super::pager::Pager;
use super::plan::{span, window_slices, Slice};
use super::Engine;
use crate::client::{ApiRequest, GongClient};
use crate::error::Result;
use crate::gong::endpoints::Endpoint;
use crate::gong::page::Page;
use crate::state::Checkpoint;
use crate::streams::StreamDef;

/// How many default windows the widest probed window spans.
pub const WIDEN_UP_TO: i32 = 32;

/// The widest probed window: [`WIDEN_UP_TO`] default windows, at most 366 days (the widest `window_days`
/// allows), never narrower than the default.
pub fn widest(step: Duration) -> Duration {
    (step * WIDEN_UP_TO).min(Duration::days(366)).max(step)
}

/// The first page of a window's request, read by the planner.
#[derive(Debug, Clone, Default)]
pub struct Probed {
    /// The page as Gong sent it (no records for an endpoint's "no data" 404).
    pub page: Page,
    /// The next page's cursor; `None` when the page is the window's whole answer.
    pub cursor: Option<String>,
}

impl Probed {
    /// The page is the window's whole answer.
    pub fn complete(&self) -> bool {
        self.cursor.is_none()
    }
}

/// First pages read by the planner, once per request and sync (see the module doc).
#[derive(Default)]
pub struct Probes {
    cells: Mutex<HashMap<String, Arc<OnceCell<Arc<Probed>>>>>,
}

impl Probes {
    /// The first page of `request` on `endpoint`, fetched by the first stream that asks.
    pub async fn first_page(
        &self,
        client: &GongClient,
        endpoint: &Endpoint,
        request: &ApiRequest,
    ) -> Result<Arc<Probed>> {
        let cell = self
            .cells
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key(request))
            .or_default()
            .clone();
        cell.get_or_try_init(|| async {
            let mut pager = Pager::new(client, endpoint, request.clone());
            let page = pager.next_page().await?.unwrap_or_default();
            let cursor = pager.next_cursor();
            Ok(Arc::new(Probed { page, cursor }))
        })
        .await
        .cloned()
    }

    /// Forgets the pages once every stream is planned: each is then held only by its slice, and freed
    /// when that slice is written.
    pub fn clear(&self) {
        self.cells.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl Engine {
    /// The slices of a windowed plan (call windows, id batches, typed and review windows) with adaptive
    /// widths; `None` for other plans.
    pub(super) async fn adaptive_slices(
        &self,
        def: &'static StreamDef,
        saved: Option<&Checkpoint>,
    ) -> Option<Vec<Slice>> {
        let cfg = &self.config;
        let span = span(def, cfg, self.now, saved)?;
        let cap = widest(span.step);
        let mut slices = Vec::new();
        let (mut t, mut width, mut probing) = (span.from, span.step, true);
        while t < span.end {
            let to = (t + if probing { width } else { span.step }).min(span.end);
            let mut window = window_slices(def, cfg, self.now, t, to);
            if probing {
                self.ask_for_rider(def, &mut window);
                let mut complete = true;
                for slice in &mut window {
                    let ep = def.window_endpoint();
                    match self
                        .probes
                        .first_page(&self.client, ep, &slice.request)
                        .await
                    {
                        Ok(probed) => {
                            complete &= probed.complete();
                            slice.first = Some(probed);
                        }
                        // The slice asks again when its turn comes, and fails there, after the STATEs
                        // of the windows before it.
                        Err(_) => complete = false,
                    }
                }
                probing = complete;
                width = (width * 2).min(cap);
            }
            slices.extend(window);
            t = to;
        }
        Some(slices)
    }

    /// A provider of a selected rider's pages asks for the rider's field in the windows the planner
    /// reads, so that their first pages serve both (`listings::rides`, `riders.rs`).
    fn ask_for_rider(&self, def: &StreamDef, window: &mut [Slice]) {
        let Some(&field) = self.rides.get().and_then(|r| r.get(def.name)) else {
            return;
        };
        for slice in window {
            if super::riders::ask_for(&mut slice.request, field) {
                slice.extra = Some(field);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widest_window_is_bounded_by_a_year_and_never_below_the_default() {
        assert_eq!(widest(Duration::days(7)), Duration::days(224));
        assert_eq!(widest(Duration::days(30)), Duration::days(366));
        assert_eq!(widest(Duration::days(366)), Duration::days(366));
        assert_eq!(widest(Duration::hours(1)), Duration::hours(32));
    }
}
