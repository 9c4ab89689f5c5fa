//! The planner: turns one stream, the config, the saved checkpoint and the parent lists (workspaces,
//! managers, folders) into the ordered slices of this sync (windows, days, months, one per workspace or
//! folder…), each with the checkpoint it completes.
//!
//! [`slices`] is a pure function of those inputs; the request shapes (filter names, partitions, content
//! selector, workspace filter) come from the stream table, never from a stream's name. [`Engine::plan`]
//! fetches the parent lists a stream needs and calls it.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use super::windows::Probed;
use super::Engine;
use crate::client::ApiRequest;
use crate::config::{Config, StatsPeriod};
use crate::error::Result;
use crate::gong::endpoints::WORKSPACE_FILTER;
use crate::gong::values::{closed_days_end, fmt_date, fmt_dt, json_str, midnight};
use crate::state::Checkpoint;
use crate::streams::{Bounds, Content, Plan, StreamDef};

/// A part of a stream read as one request chain (or, for transcripts, one window's batches).
#[derive(Debug, Clone)]
pub struct Slice {
    pub request: ApiRequest,
    /// Pre-serialised `"key":value` pairs added to every record of the slice.
    pub added: String,
    /// Emit STATE with this cursor once the slice is written.
    pub checkpoint: Option<DateTime<Utc>>,
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
    /// A slice of `request` as the plan builds it: not shared, no rider's field, no page read yet.
    pub fn new(request: ApiRequest, added: String, checkpoint: Option<DateTime<Utc>>) -> Slice {
        Slice {
            request,
            added,
            checkpoint,
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
        Plan::CoachingMonths { .. } => !months(cfg, now, saved).is_empty(),
        plan => !plan.parents().is_empty(),
    }
}

/// The ordered slices of `def` for a sync at `now` (`shared` is left false).
pub fn slices(
    def: &StreamDef,
    cfg: &Config,
    now: DateTime<Utc>,
    saved: Option<&Checkpoint>,
    parents: &Parents,
) -> Vec<Slice> {
    let end = cfg.end_or(now);
    let from_saved = from_saved(cfg, saved);
    let ep = def.endpoint;
    match def.plan {
        Plan::Single => {
            let req = with_workspace(def, cfg, ep.request());
            vec![Slice::new(req, String::new(), None)]
        }
        Plan::PerWorkspace => parents
            .workspaces
            .iter()
            .map(|ws| {
                let req = ep.filter(ep.request(), WORKSPACE_FILTER, json!(ws));
                Slice::new(req, format!("\"workspaceId\":{}", json_str(ws)), None)
            })
            .collect(),
        Plan::PerFolder { param } => parents
            .folders
            .iter()
            .map(|(id, name)| {
                let req = ep.filter(ep.request(), param, json!(id));
                let added = format!("\"folderId\":{},\"folderName\":{}", json_str(id), name);
                Slice::new(req, added, None)
            })
            .collect(),
        Plan::CallWindows { .. } | Plan::CallIdBatches { .. } | Plan::TypedWindows { .. } => {
            fixed_windows(def, cfg, now, saved)
        }
        Plan::PerUser => parents
            .users
            .iter()
            .map(|id| {
                let added = format!("\"userId\":{}", json_str(id));
                Slice::new(ep.request_for_id(id), added, None)
            })
            .collect(),
        Plan::Since { from } => {
            let req = ep.filter(ep.request(), from, json!(fmt_dt(from_saved)));
            vec![Slice::new(req, String::new(), Some(end))]
        }
        Plan::Periods { period } => {
            let last_to = closed_days_end(now, end);
            let kind = cfg.interaction_period;
            let first = period_start(kind, from_saved.date_naive()).max(cfg.start.date_naive());
            let mut slices = Vec::new();
            let mut day = midnight(first);
            // Only periods that are over: a period read before its end would leave a record under
            // another key (its toDate) once the whole period is read.
            while midnight(period_end(kind, day.date_naive())) <= last_to {
                let next = midnight(period_end(kind, day.date_naive()));
                let (from, to) = (fmt_date(day), fmt_date(next));
                let req = bounded(ep.request(), def, period, json!(from), json!(to));
                let added = format!("\"fromDate\":\"{from}\",\"toDate\":\"{to}\"");
                slices.push(Slice::new(req, added, Some(next)));
                day = next;
            }
            slices
        }
        Plan::DayRanges { period, body, .. } => {
            let last_to = closed_days_end(now, end);
            let step = Duration::days(cfg.stats_window.num_days().max(1));
            let source = def.window_endpoint();
            let mut slices = Vec::new();
            let mut day = midnight(from_saved.date_naive());
            while day < last_to {
                let next = (day + step).min(last_to);
                let from = json!(fmt_date(day));
                let mut req = bounded(source.request(), def, period, from, json!(fmt_date(next)));
                if let (Some((name, value)), Some(b)) = (body, req.body.as_mut()) {
                    b[name] = json!(value);
                }
                // Records carry their own day (`engine/per_day.rs`).
                slices.push(Slice::new(req, String::new(), Some(next)));
                day = next;
            }
            slices
        }
        Plan::ReviewWindows { .. } => fixed_windows(def, cfg, now, saved),
        Plan::CoachingMonths {
            workspace,
            manager,
            period,
        } => {
            let mut slices = Vec::new();
            for (month, to, closed) in months(cfg, now, saved) {
                let pairs: Vec<(&String, &String)> = parents
                    .workspaces
                    .iter()
                    .flat_map(|w| parents.managers.iter().map(move |m| (w, m)))
                    .collect();
                let count = pairs.len();
                for (i, (ws, mgr)) in pairs.into_iter().enumerate() {
                    let req = ep.filter(ep.request(), workspace, json!(ws));
                    let req = ep.filter(req, manager, json!(mgr));
                    let req = bounded(req, def, period, json!(fmt_dt(month)), json!(fmt_dt(to)));
                    let added = format!(
                        "\"workspaceId\":{},\"managerId\":{},\"from\":\"{}\",\"to\":\"{}\"",
                        json_str(ws),
                        json_str(mgr),
                        fmt_dt(month),
                        fmt_dt(to)
                    );
                    // Months are re-read whole: the current month stays open until it ends.
                    let checkpoint = (i + 1 == count).then_some(if closed { to } else { month });
                    slices.push(Slice::new(req, added, checkpoint));
                }
            }
            slices
        }
        Plan::PerParent {
            parent: _,
            param,
            field,
            cross,
        } => {
            let values: Vec<Option<&str>> = match cross {
                Some((_, values)) => values.iter().map(|v| Some(*v)).collect(),
                None => vec![None],
            };
            let mut slices = Vec::new();
            for item in &parents.items {
                for value in &values {
                    let req = ep.filter(ep.request(), param, item.clone());
                    // The added key is an id: a string with the item's digits, like every id.
                    let text = match item {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let mut added = match field {
                        Some(name) => format!("{}:{}", json_str(name), json_str(&text)),
                        None => String::new(),
                    };
                    let req = match (cross, value) {
                        (Some((name, _)), Some(v)) => {
                            if !added.is_empty() {
                                added.push(',');
                            }
                            added.push_str(&format!("{}:{}", json_str(name), json_str(v)));
                            ep.filter(req, name, json!(v))
                        }
                        _ => req,
                    };
                    slices.push(Slice::new(with_workspace(def, cfg, req), added, None));
                }
            }
            slices
        }
    }
}

/// The range a windowed plan (call windows, id batches, typed and review windows) covers and its
/// default window width; `None` for other plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub step: Duration,
}

pub fn span(
    def: &StreamDef,
    cfg: &Config,
    now: DateTime<Utc>,
    saved: Option<&Checkpoint>,
) -> Option<Span> {
    let end = cfg.end_or(now);
    let from = from_saved(cfg, saved);
    match def.plan {
        Plan::CallWindows { .. } | Plan::CallIdBatches { .. } | Plan::TypedWindows { .. } => {
            Some(Span {
                from,
                end,
                step: cfg.window,
            })
        }
        // Review dates: whole days, up to the end's day included.
        Plan::ReviewWindows { widths, .. } => Some(Span {
            from: midnight(from.date_naive()),
            end: midnight(end.date_naive()) + Duration::days(1),
            step: Duration::days(cfg.window.num_days().max(1) * widths),
        }),
        _ => None,
    }
}

/// Where a sync starts: `start_date`, or the saved cursor less the lookback.
fn from_saved(cfg: &Config, saved: Option<&Checkpoint>) -> DateTime<Utc> {
    match saved {
        Some(cp) => (cp.cursor - cfg.lookback).max(cfg.start),
        None => cfg.start,
    }
}

/// The slices of a windowed plan in windows of the default width.
fn fixed_windows(
    def: &StreamDef,
    cfg: &Config,
    now: DateTime<Utc>,
    saved: Option<&Checkpoint>,
) -> Vec<Slice> {
    let Some(span) = span(def, cfg, now, saved) else {
        return Vec::new();
    };
    let mut slices = Vec::new();
    let mut t = span.from;
    while t < span.end {
        let to = (t + span.step).min(span.end);
        slices.extend(window_slices(def, cfg, now, t, to));
        t = to;
    }
    slices
}

/// The slices of one window `from`..`to` of a windowed plan: one request (one per value of a typed
/// window's filter, the checkpoint on the last), with the window's checkpoint.
pub fn window_slices(
    def: &StreamDef,
    cfg: &Config,
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Slice> {
    let ep = def.endpoint;
    match def.plan {
        Plan::CallWindows { window } | Plan::CallIdBatches { window, .. } => {
            let req = window_request(def, cfg, window, fmt_dt(from), fmt_dt(to));
            vec![Slice::new(req, String::new(), Some(to))]
        }
        Plan::TypedWindows {
            param,
            values,
            window,
        } => values
            .iter()
            .enumerate()
            .map(|(i, value)| {
                let req = ep.filter(ep.request(), param, json!(value));
                let req = bounded(req, def, window, json!(fmt_dt(from)), json!(fmt_dt(to)));
                let added = format!("{}:{}", json_str(param), json_str(value));
                let checkpoint = (i + 1 == values.len()).then_some(to);
                Slice::new(req, added, checkpoint)
            })
            .collect(),
        Plan::ReviewWindows { window, .. } => {
            let today = midnight(now.date_naive());
            let req = bounded(
                ep.request(),
                def,
                window,
                json!(fmt_date(from)),
                json!(fmt_date(to)),
            );
            // Today is not over: the next sync reads it again.
            vec![Slice::new(
                req,
                String::new(),
                Some(to.min(today).max(from)),
            )]
        }
        _ => Vec::new(),
    }
}

/// The calendar months coaching reads: (start, end, whether the month is over), the current one up to
/// today (or the configured end), from the month of the saved cursor or of `start_date`.
fn months(
    cfg: &Config,
    now: DateTime<Utc>,
    saved: Option<&Checkpoint>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, bool)> {
    let stop = midnight(now.date_naive()).min(cfg.end_or(now));
    let mut month = month_start(saved.map(|c| c.cursor.max(cfg.start)).unwrap_or(cfg.start));
    let mut months = Vec::new();
    while month < stop {
        let to = next_month(month).min(stop);
        months.push((month, to, to == next_month(month)));
        month = next_month(month);
    }
    months
}

/// A request of one call window: on the listing of an id-batched stream, else on the stream's endpoint
/// with its content selector.
fn window_request(
    def: &StreamDef,
    cfg: &Config,
    window: Bounds,
    from: String,
    to: String,
) -> ApiRequest {
    let ep = def.window_endpoint();
    let req = ep.filter(ep.request(), window.from, json!(from));
    let req = with_workspace(def, cfg, ep.filter(req, window.to, json!(to)));
    if !std::ptr::eq(ep, def.endpoint) {
        return req;
    }
    let selector = match def.content {
        Content::None => return req,
        Content::Configured => cfg.extensive.content_selector(),
        Content::MediaOnly => crate::media::content_selector(),
    };
    let mut req = req;
    if let Some(body) = req.body.as_mut() {
        body["contentSelector"] = selector;
    }
    req
}

/// `request` limited to `from`..`to` in the filters named by `bounds` (of the endpoint the stream's
/// windows are requested from).
fn bounded(
    request: ApiRequest,
    def: &StreamDef,
    bounds: Bounds,
    from: Value,
    to: Value,
) -> ApiRequest {
    let ep = def.window_endpoint();
    ep.filter(ep.filter(request, bounds.from, from), bounds.to, to)
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

/// The first day of the calendar period holding `d` (weeks start on Monday, as Gong's do).
fn period_start(kind: StatsPeriod, d: NaiveDate) -> NaiveDate {
    match kind {
        StatsPeriod::Day => d,
        StatsPeriod::Week => d - Duration::days(d.weekday().num_days_from_monday().into()),
        StatsPeriod::Month => d.with_day(1).unwrap_or(d),
    }
}

/// The first day after the calendar period holding `d` (its exclusive end).
fn period_end(kind: StatsPeriod, d: NaiveDate) -> NaiveDate {
    match kind {
        StatsPeriod::Day => d + Duration::days(1),
        StatsPeriod::Week => period_start(kind, d) + Duration::days(7),
        StatsPeriod::Month => next_month(midnight(d)).date_naive(),
    }
}

fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    midnight(NaiveDate::from_ymd_opt(t.year(), t.month(), 1).unwrap_or(t.date_naive()))
}

fn next_month(t: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    midnight(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(t.date_naive()))
}

pub mod cost;

#[cfg(test)]
mod tests;
