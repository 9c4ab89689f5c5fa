//! Adaptive windows: a start date years before a company's first call must not cost a request per empty
//! window. The planner reads the first page of each window itself while history comes back empty or
//! small, widening as it goes, and the slices it plans carry those pages, so no page is fetched twice.
//!
//! The rule ([`Engine::adaptive_slices`]): windows are laid out from the stream's start (`start_date`, or
//! the saved cursor less the lookback) as today, but while probing, the planner asks for each window's
//! first page. When it is the window's whole answer (empty, or one page without a cursor) the next
//! window is twice as wide, up to [`widest`]; the first window whose answer has more pages ends the
//! probing, and every window after it has the default width (`window_days`) and fetches at once, as
//! before. Three empty years at 7-day windows cost 9 requests instead of 157. A typed plan (one request
//! per log type) runs the rule per value, each its own lane of windows, merged by [`merge_lanes`]: a log
//! type without entries widens while the others have a page a week.
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

use chrono::{DateTime, Duration, Utc};
use tokio::sync::OnceCell;

use super::listings::key;
use super::pager::Pager;
use super::plan::{span, window_slices, Slice, Span};
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
    /// widths; `None` for other plans. A typed plan (the logs' `logType`) widens each value's windows on
    /// its own answers ([`merge_lanes`]): a log type without entries costs a handful of requests whatever
    /// the other types hold.
    pub(super) async fn adaptive_slices(
        &self,
        def: &'static StreamDef,
        saved: Option<&Checkpoint>,
    ) -> Option<Vec<Slice>> {
        let span = span(def, &self.config, self.now, saved)?;
        let Plan::TypedWindows { values, .. } = def.plan else {
            let lane = self.adaptive_lane(def, &span, None).await;
            return Some(lane.into_iter().map(|(_, _, slice)| slice).collect());
        };
        let mut lanes = Vec::with_capacity(values.len());
        for value in 0..values.len() {
            lanes.push(self.adaptive_lane(def, &span, Some(value)).await);
        }
        Some(merge_lanes(lanes, span.from))
    }

    /// The windows of one lane (of the typed plan's value `value`, or of the whole plan), each with its
    /// end: probed while every answer is whole, twice as wide each time, then of the default width.
    async fn adaptive_lane(
        &self,
        def: &'static StreamDef,
        span: &Span,
        value: Option<usize>,
    ) -> Vec<Lane> {
        let cap = widest(span.step);
        let mut lane = Vec::new();
        let (mut t, mut width, mut probing) = (span.from, span.step, true);
        while t < span.end {
            let to = (t + if probing { width } else { span.step }).min(span.end);
            let mut window = window_slices(def, &self.config, self.now, t, to);
            if let Some(value) = value {
                window = window.into_iter().skip(value).take(1).collect();
            }
            if probing {
                probing = self.probe_window(def, &mut window).await;
                width = (width * 2).min(cap);
            }
            lane.extend(window.into_iter().map(|slice| (t, to, slice)));
            t = to;
        }
        lane
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

/// A window of a lane: its start, its end, its slice.
type Lane = (DateTime<Utc>, DateTime<Utc>, Slice);

/// The lanes of a typed plan as one list of slices, by window start (then value, as the plan lists
/// them), so a wide window of a value without entries (already read whole by the planner) is written
/// first and holds no checkpoint back. A slice carries a checkpoint only where every lane is read up to
/// it (the least end read so far over the lanes), so a STATE never claims a window of a value not yet
/// read. With lanes of equal windows this is the fixed plan's order, the last value of each window
/// carrying its end.
fn merge_lanes(lanes: Vec<Vec<Lane>>, from: DateTime<Utc>) -> Vec<Slice> {
    let mut read = vec![from; lanes.len()];
    let mut all: Vec<(DateTime<Utc>, usize, DateTime<Utc>, Slice)> = lanes
        .into_iter()
        .enumerate()
        .flat_map(|(i, lane)| {
            lane.into_iter()
                .map(move |(start, end, s)| (start, i, end, s))
        })
        .collect();
    all.sort_by_key(|(start, lane, _, _)| (*start, *lane));
    let mut last = from;
    all.into_iter()
        .map(|(_, lane, end, mut slice)| {
            read[lane] = end;
            let covered = read.iter().copied().min().unwrap_or(end);
            slice.checkpoint = (covered > last).then_some(covered);
            last = last.max(covered);
            slice
        })
        .collect()
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

    fn day(n: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(0, 0).unwrap() + Duration::days(n)
    }

    /// A lane's windows from the given day boundaries, each slice named by its lane and start.
    fn lane(name: &str, bounds: &[i64]) -> Vec<Lane> {
        bounds
            .windows(2)
            .map(|w| {
                let request = ApiRequest::get(format!("/{name}/{}", w[0]));
                (
                    day(w[0]),
                    day(w[1]),
                    Slice::new(request, String::new(), None),
                )
            })
            .collect()
    }

    fn merged(lanes: Vec<Vec<Lane>>) -> Vec<(String, Option<i64>)> {
        merge_lanes(lanes, day(0))
            .into_iter()
            .map(|s| {
                (
                    s.request.path,
                    s.checkpoint.map(|c| (c - day(0)).num_days()),
                )
            })
            .collect()
    }

    #[test]
    fn equal_lanes_merge_into_the_fixed_plans_order_and_checkpoints() {
        let got = merged(vec![lane("a", &[0, 7, 14]), lane("b", &[0, 7, 14])]);
        let want = [
            ("/a/0", None),
            ("/b/0", Some(7)),
            ("/a/7", None),
            ("/b/7", Some(14)),
        ];
        let want: Vec<(String, Option<i64>)> =
            want.iter().map(|(p, c)| (p.to_string(), *c)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_wide_empty_lane_is_written_first_and_holds_no_checkpoint_back() {
        // Lane a widened (no entries): one window over the whole range; lane b has 7-day windows.
        let got = merged(vec![lane("a", &[0, 21]), lane("b", &[0, 7, 14, 21])]);
        let want = [
            ("/a/0", None),
            ("/b/0", Some(7)),
            ("/b/7", Some(14)),
            ("/b/14", Some(21)),
        ];
        let want: Vec<(String, Option<i64>)> =
            want.iter().map(|(p, c)| (p.to_string(), *c)).collect();
        assert_eq!(got, want);
        // Checkpoints never claim more than every lane has read.
        let got = merged(vec![lane("a", &[0, 3, 21]), lane("b", &[0, 14, 21])]);
        let want = [
            ("/a/0", None),
            ("/b/0", Some(3)),
            ("/a/3", Some(14)),
            ("/b/14", Some(21)),
        ];
        let want: Vec<(String, Option<i64>)> =
            want.iter().map(|(p, c)| (p.to_string(), *c)).collect();
        assert_eq!(got, want);
    }
}
