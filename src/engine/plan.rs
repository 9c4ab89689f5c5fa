//! The planner: turns one stream, the config, the saved checkpoint and the parent lists (workspaces,
//! managers, folders) into the ordered slices of this sync (windows, days, months, one per workspace or
//! folder…), each with the checkpoint it completes.
//!
//! [`slices`] is a pure function of those inputs; the request shapes (filter names, partitions, content
//! selector, workspace filter) come from the stream table, never from a stream's name. [`Engine::plan`]
//! fetches the parent lists a stream needs and calls it.
//!
//! This file holds the slice and parent types, [`slices`] (a dispatch on the plan kind), the range a
//! windowed plan covers ([`span`]) and the request helpers every kind shares. Each kind's slices are one
//! function: per parent list in `plan/partitions.rs`, per time range in `plan/ranges.rs`, with the
//! calendar arithmetic (periods, months) in `plan/calendar.rs`; `plan/cost.rs` says what a plan costs.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::windows::Probed;
use super::Engine;
use crate::client::ApiRequest;
use crate::config::Config;
use crate::error::Result;
use crate::gong::endpoints::WORKSPACE_FILTER;
use crate::gong::values::{closed_days_end, midnight};
use crate::state::Checkpoint;
use crate::streams::{Bounds, Plan, StreamDef};

/// A part of a stream read as one request chain (or, for transcripts, one window's batches).
#[derive(Debug, Clone)]
pub struct Slice {
    pub request: ApiRequest,
    /// Pre-serialised `"key":value` pairs added to every record of the slice.
    pub added: String,
    /// Emit STATE with this checkpoint once the slice is written.
    pub checkpoint: Option<Checkpoint>,
    /// History older than the recent days ([`backfill::RECENT`]): its requests leave the share's reserve
    /// for the new calls of the day's later syncs (`quota.rs`).
    pub history: bool,
    /// Read through `SharedLists`: another selected stream needs the same list as its parent.
    pub shared: bool,
    /// A field of the content selector the request asks for only for a rider (`streams::Ride`), removed
    /// from this stream's records (set by the engine, `riders.rs`).
    pub extra: Option<&'static str>,
    /// The first page of `request`, already read by the planner (`windows.rs`): the slice sends it and
    /// follows its cursor.
    pub first: Option<Arc<Probed>>,
}

impl Slice {
    /// A slice of `request` as the plan builds it, completing everything before `cursor`: not shared,
    /// no rider's field, no page read yet, not history.
    pub fn new(request: ApiRequest, added: String, cursor: Option<DateTime<Utc>>) -> Slice {
        Slice {
            request,
            added,
            checkpoint: cursor.map(Checkpoint::at),
            history: false,
            shared: false,
            extra: None,
            first: None,
        }
    }
}

/// The parent lists a plan is built from (see `streams::Parent`); only those the stream needs are set.
#[derive(Debug, Clone, Default)]
pub struct Parents {
    /// Workspace ids: the configured one, or all of the company's.
    pub workspaces: Vec<String>,
    /// Ids of users who manage someone, sorted.
    pub managers: Vec<String>,
    /// Ids of every user, in Gong's order.
    pub users: Vec<String>,
    /// Every workspace's library folders, in workspace order: id and name (as Gong sent it).
    pub folders: Vec<(String, Value)>,
    /// The items of a `Plan::PerParent` stream's parent list, as Gong sent them (ids, emails).
    pub items: Vec<Value>,
}

impl Engine {
    /// The ordered slices of a stream for this sync, after fetching the parent lists it needs.
    pub async fn plan(
        &self,
        def: &'static StreamDef,
        saved: Option<&Checkpoint>,
    ) -> Result<Vec<Slice>> {
        let parents = if reads_parents(def, &self.config, self.now, saved) {
            let mut parents = self.parents(def.plan.parents()).await?;
            if let Plan::PerParent { parent, .. } = def.plan {
                parents.items = self.parent_items(parent, &parents).await?;
            }
            parents
        } else {
            Parents::default()
        };
        let mut slices = match self.adaptive_slices(def, saved).await {
            Some(slices) => slices,
            None => slices(def, &self.config, self.now, saved, &parents),
        };
        let needs = self.needs.get().copied().unwrap_or_default();
        let shared = def.lists.is_some_and(|list| needs.has(list));
        for slice in &mut slices {
            slice.shared = shared;
        }
        Ok(slices)
    }
}

/// Whether the plan of `def` uses its parent lists this sync (coaching needs none without a month to read).
pub fn reads_parents(
    def: &StreamDef,
    cfg: &Config,
    now: DateTime<Utc>,
    saved: Option<&Checkpoint>,
) -> bool {
    match def.plan {
        Plan::CoachingMonths { .. } => spans(def, cfg, now, saved)
            .is_some_and(|spans| spans.recent.is_some() || spans.history.is_some()),
        plan => !plan.parents().is_empty(),
    }
}

/// The ordered slices of `def` for a sync at `now` (`shared` is left false): one function per plan kind,
/// in `plan/partitions.rs` (per parent list) and `plan/ranges.rs` (per time range).
pub fn slices(
    def: &StreamDef,
    cfg: &Config,
    now: DateTime<Utc>,
    saved: Option<&Checkpoint>,
    parents: &Parents,
) -> Vec<Slice> {
    let from = from_saved(cfg, saved);
    let end = cfg.end_or(now);
    match def.plan {
        Plan::Single => partitions::single(def, cfg),
        Plan::PerWorkspace => partitions::per_workspace(def, &parents.workspaces),
        Plan::PerFolder { param } => partitions::per_folder(def, param, &parents.folders),
        Plan::PerUser => partitions::per_user(def, &parents.users),
        Plan::CoachingMonths {
            workspace,
            manager,
            period,
        } => in_order(def, cfg, now, saved, |span| {
            let months = months(span.from, span.end);
            partitions::coaching_months(def, workspace, manager, period, &months, parents)
        }),
        Plan::PerParent {
            param,
            field,
            cross,
            ..
        } => partitions::per_parent(def, cfg, param, field, cross, &parents.items),
        Plan::Since { from: filter } => ranges::since(def, filter, from, end),
        Plan::Periods { period } => in_order(def, cfg, now, saved, |span| {
            ranges::periods(def, cfg, period, span.from, span.end)
        }),
        Plan::DayRanges { period, body, .. } => in_order(def, cfg, now, saved, |span| {
            ranges::day_ranges(def, cfg, period, body, span.from, span.end)
        }),
        Plan::CallWindows { .. }
        | Plan::CallIdBatches { .. }
        | Plan::TypedWindows { .. }
        | Plan::ReviewWindows { .. } => {
            let spans = spans(def, cfg, now, saved).unwrap_or_default();
            let recent = spans
                .recent
                .map(|span| order::forward(ranges::fixed_lanes(def, cfg, now, &span), span.from));
            let history = spans
                .history
                .map(|span| ranges::fixed_lanes(def, cfg, now, &span));
            let (recent, history) = (recent.unwrap_or_default(), history.unwrap_or_default());
            order::arrange(recent, history, spans.history.as_ref(), saved, now)
        }
    }
}

/// The slices of a period plan (stats days and periods, coaching months) in reading order
/// (`plan/order.rs`): the periods of the recent range, then those of the history newest first, each
/// range's periods laid out by `periods`.
fn in_order(
    def: &StreamDef,
    cfg: &Config,
    now: DateTime<Utc>,
    saved: Option<&Checkpoint>,
    periods: impl Fn(&Span) -> Vec<order::Lane>,
) -> Vec<Slice> {
    let spans = spans(def, cfg, now, saved).unwrap_or_default();
    let recent = spans.recent.map(|span| periods(&span)).unwrap_or_default();
    let history = spans.history.map(|span| periods(&span)).unwrap_or_default();
    let span = spans.history.filter(|_| !history.is_empty());
    let recent = recent.into_iter().map(|(_, _, slice)| slice).collect();
    order::arrange(recent, vec![history], span.as_ref(), saved, now)
}

/// A range of a windowed or period plan and its default window width (windowed plans only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub step: Duration,
}

/// The ranges a windowed plan reads in this sync (see `plan/order.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spans {
    /// What is new: from the saved cursor less the lookback to the end, oldest first; `None` without a
    /// state (or with one from the future).
    pub recent: Option<Span>,
    /// History not read yet: from the start to the saved backfill edge (to the end without a state),
    /// newest first; `None` once the history is complete.
    pub history: Option<Span>,
}

/// The ranges of a windowed or period plan for a sync at `now`; `None` for other plans.
pub fn spans(
    def: &StreamDef,
    cfg: &Config,
    now: DateTime<Utc>,
    saved: Option<&Checkpoint>,
) -> Option<Spans> {
    let end = cfg.end_or(now);
    let day = |t: DateTime<Utc>| midnight(t.date_naive());
    let (start, top, step) = match def.plan {
        Plan::CallWindows { .. } | Plan::CallIdBatches { .. } | Plan::TypedWindows { .. } => {
            (cfg.start, end, cfg.window)
        }
        // Review dates: whole days, up to the end's day included.
        Plan::ReviewWindows { widths, .. } => (
            day(cfg.start),
            day(end) + Duration::days(1),
            Duration::days(cfg.window.num_days().max(1) * widths),
        ),
        // Closed days only; coaching's months up to today, the current one open.
        Plan::Periods { .. } | Plan::DayRanges { .. } => {
            (day(cfg.start), closed_days_end(now, end), Duration::days(1))
        }
        Plan::CoachingMonths { .. } => {
            (month_start(cfg.start), day(now).min(end), Duration::days(1))
        }
        _ => return None,
    };
    let span =
        |from: DateTime<Utc>, end: DateTime<Utc>| (from < end).then_some(Span { from, end, step });
    let recent_from = |cp: &Checkpoint| match def.plan {
        // Coaching re-reads the month of its cursor (an open month's start), without a lookback.
        Plan::CoachingMonths { .. } => month_start(cp.cursor.max(cfg.start)),
        Plan::CallWindows { .. } | Plan::CallIdBatches { .. } | Plan::TypedWindows { .. } => {
            (cp.cursor - lookback(cfg, cp, now)).max(cfg.start)
        }
        _ => day(from_saved(cfg, Some(cp))),
    };
    let recent = saved.and_then(|cp| span(recent_from(cp), top));
    let history = match saved {
        None => span(start, top),
        Some(cp) => cp.backfill.and_then(|edge| span(start, edge.min(top))),
    };
    Some(Spans { recent, history })
}

/// How far before the cursor a sync of the call windows re-reads: `lookback_days` on the first sync of a
/// UTC day (the cursor is from an earlier day), [`SAME_DAY_LOOKBACK`] (at most `lookback_days`) on the
/// day's later syncs. Gong processes most calls within hours; an hourly schedule then re-reads hours,
/// not days, on 23 of its 24 syncs, and the day's first sync still picks up what Gong processed late.
fn lookback(cfg: &Config, cp: &Checkpoint, now: DateTime<Utc>) -> Duration {
    if cp.cursor.date_naive() < now.date_naive() {
        cfg.lookback
    } else {
        cfg.lookback.min(SAME_DAY_LOOKBACK)
    }
}

/// What the later syncs of a day re-read before the cursor (see [`lookback`]).
pub const SAME_DAY_LOOKBACK: Duration = Duration::hours(6);

/// Where a sync starts: `start_date`, or the saved cursor less the lookback.
fn from_saved(cfg: &Config, saved: Option<&Checkpoint>) -> DateTime<Utc> {
    match saved {
        Some(cp) => (cp.cursor - cfg.lookback).max(cfg.start),
        None => cfg.start,
    }
}

/// `request` limited to `from`..`to`, written by `format` (`fmt_date` or `fmt_dt`, as the filters take
/// them), in the filters named by `bounds` (of the endpoint the stream's windows are requested from): the
/// one place a plan writes its range into a request.
fn bounded(
    request: ApiRequest,
    def: &StreamDef,
    bounds: Bounds,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    format: fn(DateTime<Utc>) -> String,
) -> ApiRequest {
    let ep = def.window_endpoint();
    let request = ep.filter(request, bounds.from, json!(format(from)));
    ep.filter(request, bounds.to, json!(format(to)))
}

/// `request` with the configured workspace filter, when the stream takes one.
fn with_workspace(def: &StreamDef, cfg: &Config, request: ApiRequest) -> ApiRequest {
    match (&cfg.workspace_id, def.workspace_filter) {
        (Some(ws), true) => {
            let ep = def.window_endpoint();
            ep.filter(request, WORKSPACE_FILTER, json!(ws))
        }
        _ => request,
    }
}

mod calendar;
pub mod cost;
pub mod order;
mod partitions;
mod ranges;

use calendar::{month_start, months};
pub use ranges::window_slices;

#[cfg(test)]
mod tests;
