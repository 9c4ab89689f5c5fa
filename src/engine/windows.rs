//! Adaptive windows: a start date years before a company's first call must not cost a request per empty
//! window. The planner reads the first page of each window itself while history comes back empty or
//! small, widening as it goes, and the slices it plans carry those pages, so no page is fetched twice.
//!
//! The rule ([`Engine::adaptive_slices`]): each range of the plan (what is new since the saved cursor
//! less the lookback, and the history not yet read, `plan/order.rs`) is laid out in windows from its
//! start, but while probing, the planner asks for each window's first page. When it is the window's
//! whole answer (empty, or one page without a cursor) the next window is twice as wide, up to
//! [`widest`]; the first window whose answer has more pages ends the probing, and every window after it
//! has the default width (`window_days`) and fetches at once. Three empty years at 7-day windows cost 9
//! requests instead of 157. The history is then read newest first (`plan/order.rs`); its probes, at the
//! old end, are sent on when their windows' turn comes. A typed plan (one request per log type) runs the
//! rule per value, each its own lane of windows, merged by `order.rs`: a log type without entries widens
//! while the others have a page a week.
//!
//! Invariants:
//! * The windows partition the same ranges as the fixed-width plan, each with its own checkpoint (a window
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
//!   window's first page, sent on as data (unless the day's budget stops the stream before its window).
//! * A probe never fails a plan: the first window whose probe failed ends the probing, and its slice asks
//!   again in its turn (and fails there, after the STATEs of the windows before it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::OnceCell;

use super::listings::key;
use super::pager::Pager;
use super::plan::order::{self, Lane};
use super::plan::{spans, window_slices, Slice, Span};
use super::Engine;
use crate::client::{ApiRequest, GongClient};
use crate::error::Result;
use crate::gong::endpoints::Endpoint;
use crate::gong::page::Page;
use crate::state::Checkpoint;
use crate::streams::{Plan, StreamDef};

/// How many default windows the widest probed window spans.
pub const WIDEN_UP_TO: i32 = 32;

/// The widest probed window: [`WIDEN_UP_TO`] default windows, at most 366 days (the widest `window_days`
/// allows), never narrower than the default.
pub fn widest(step: Duration) -> Duration {
    (step * WIDEN_UP_TO).min(Duration::days(366)).max(step)
}

/// The budget left below which the history's old end is not probed ahead (see `history_lane`): a few
/// requests per lane, wasted when the budget stops the stream before its turn.
pub const OLD_END_BUDGET: u64 = 500;

/// The last boundary of the span's grid of default windows (`from + k * step`) before `t`.
fn grid_below(span: &Span, t: DateTime<Utc>) -> DateTime<Utc> {
    let step = span.step.num_seconds().max(1);
    let k = ((t - span.from).num_seconds() - 1).max(0) / step;
    span.from + Duration::seconds(k * step)
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
    /// widths, in reading order (`plan/order.rs`: what is new, then the history newest first); `None` for
    /// other plans. A typed plan (the logs' `logType`) widens each value's windows on its own answers: a
    /// log type without entries costs a handful of requests whatever the other types hold.
    pub(super) async fn adaptive_slices(
        &self,
        def: &'static StreamDef,
        saved: Option<&Checkpoint>,
    ) -> Option<Vec<Slice>> {
        if !def.plan.windowed() {
            return None;
        }
        let spans = spans(def, &self.config, self.now, saved)?;
        let recent = match &spans.recent {
            Some(span) => order::forward(self.adaptive_lanes(def, span, false).await, span.from),
            None => Vec::new(),
        };
        let history = match &spans.history {
            Some(span) => self.adaptive_lanes(def, span, true).await,
            None => Vec::new(),
        };
        Some(order::arrange(
            recent,
            history,
            spans.history.as_ref(),
            saved,
            self.now,
        ))
    }

    /// The lanes of `span` (of the history, read newest first, or of the recent range): one per value of
    /// a typed plan, else one.
    async fn adaptive_lanes(
        &self,
        def: &'static StreamDef,
        span: &Span,
        history: bool,
    ) -> Vec<Vec<Lane>> {
        let values = match def.plan {
            Plan::TypedWindows { values, .. } => (0..values.len()).map(Some).collect(),
            _ => vec![None],
        };
        let mut lanes = Vec::with_capacity(values.len());
        for value in values {
            lanes.push(match history {
                true => self.history_lane(def, span, value).await,
                false => self.adaptive_lane(def, span, value, true).await,
            });
        }
        lanes
    }

    /// The windows of one lane of the history, which is read newest first: probed from the top down
    /// while every answer is whole, twice as wide each time (on the grid of default windows from the
    /// start, so streams sharing a listing keep the same windows), so the first probe is the first window
    /// written. Below the first window with more pages, the rest is laid out from the start up, probed
    /// there too (empty years before a company's first call cost a handful of requests) when the budget
    /// left is at least [`OLD_END_BUDGET`]: those probes are sent on only when the read gets down to them,
    /// so a sync the budget stops would pay for them again on every run.
    async fn history_lane(
        &self,
        def: &'static StreamDef,
        span: &Span,
        value: Option<usize>,
    ) -> Vec<Lane> {
        let cap = widest(span.step);
        let mut lane = Vec::new();
        let (mut t, mut width) = (span.end, span.step);
        while t > span.from {
            let lo = (grid_below(span, t) - (width - span.step)).max(span.from);
            let mut window = self.window_of(def, lo, t, value);
            let whole = self.probe_window(def, &mut window).await;
            lane.extend(window.into_iter().map(|slice| (lo, t, slice)));
            t = lo;
            if !whole {
                break;
            }
            width = (width * 2).min(cap);
        }
        if t > span.from {
            let rest = Span { end: t, ..*span };
            let probe = self.quota.remaining() >= OLD_END_BUDGET;
            lane.extend(self.adaptive_lane(def, &rest, value, probe).await);
        }
        lane
    }

    /// The windows of one lane (of the typed plan's value `value`, or of the whole plan) from the span's
    /// start up, each with its end: probed (when `probe`) while every answer is whole, twice as wide each
    /// time, then of the default width.
    async fn adaptive_lane(
        &self,
        def: &'static StreamDef,
        span: &Span,
        value: Option<usize>,
        probe: bool,
    ) -> Vec<Lane> {
        let cap = widest(span.step);
        let mut lane = Vec::new();
        let (mut t, mut width, mut probing) = (span.from, span.step, probe);
        while t < span.end {
            let to = (t + if probing { width } else { span.step }).min(span.end);
            let mut window = self.window_of(def, t, to, value);
            if probing {
                probing = self.probe_window(def, &mut window).await;
                width = (width * 2).min(cap);
            }
            lane.extend(window.into_iter().map(|slice| (t, to, slice)));
            t = to;
        }
        lane
    }

    /// The slices of the window `from`..`to`: all of them, or the one of a typed plan's value.
    fn window_of(
        &self,
        def: &'static StreamDef,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        value: Option<usize>,
    ) -> Vec<Slice> {
        let window = window_slices(def, &self.config, self.now, from, to);
        match value {
            Some(value) => window.into_iter().skip(value).take(1).collect(),
            None => window,
        }
    }

    /// Reads the first page of each request of a window into its slice; whether every one of them is
    /// the window's whole answer (so the next window may be wider).
    async fn probe_window(&self, def: &'static StreamDef, window: &mut [Slice]) -> bool {
        self.ask_for_rider(def, window);
        let mut complete = true;
        for slice in window {
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
                // The slice asks again when its turn comes, and fails there, after the STATEs of the
                // windows before it.
                Err(_) => complete = false,
            }
        }
        complete
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

    #[test]
    fn the_history_is_windowed_down_on_the_grid_of_default_windows() {
        let day = |n: i64| DateTime::<Utc>::from_timestamp(0, 0).unwrap() + Duration::days(n);
        let span = Span {
            from: day(0),
            end: day(23),
            step: Duration::days(7),
        };
        assert_eq!(grid_below(&span, day(23)), day(21));
        assert_eq!(grid_below(&span, day(21)), day(14));
        assert_eq!(grid_below(&span, day(21) + Duration::seconds(1)), day(21));
        assert_eq!(grid_below(&span, day(3)), day(0));
    }
}
