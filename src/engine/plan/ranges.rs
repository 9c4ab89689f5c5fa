//! The plans that split a stream by time: everything since the start (`Since`), closed calendar periods
//! (interaction stats), day ranges (activity stats), and the windows of a windowed plan (call windows, id
//! batches, typed and review windows) at their default width. Ranges are consecutive and cover the
//! stream's range once, in order; each slice carries the checkpoint its range completes (a typed window's
//! on its last request).

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::calendar::{period_end, period_start};
use super::order::Lane;
use super::partitions::pair;
use super::{bounded, with_workspace, Slice, Span};
use crate::client::ApiRequest;
use crate::config::Config;
use crate::gong::values::{fmt_date, fmt_dt, json_str, midnight};
use crate::streams::{Bounds, Content, Plan, StreamDef};

/// `Plan::Since`: one request from `from` on (in filter `filter`), checkpointed at `end`.
pub(super) fn since(
    def: &StreamDef,
    filter: &str,
    from: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<Slice> {
    let ep = def.endpoint;
    let req = ep.filter(ep.request(), filter, json!(fmt_dt(from)));
    vec![Slice::new(req, String::new(), Some(end))]
}

/// `Plan::Periods`: a slice per calendar period (`interaction_period`) from the one holding `from` (not
/// before `start_date`'s day) up to `last_to`, each keyed by its dates, with its range (`plan/order.rs`).
pub(super) fn periods(
    def: &StreamDef,
    cfg: &Config,
    period: Bounds,
    from: DateTime<Utc>,
    last_to: DateTime<Utc>,
) -> Vec<Lane> {
    let ep = def.endpoint;
    let kind = cfg.interaction_period;
    let first = period_start(kind, from.date_naive()).max(cfg.start.date_naive());
    let mut slices = Vec::new();
    let mut day = midnight(first);
    // Only periods that are over: a period read before its end would leave a record under
    // another key (its toDate) once the whole period is read.
    while midnight(period_end(kind, day.date_naive())) <= last_to {
        let next = midnight(period_end(kind, day.date_naive()));
        let req = bounded(ep.request(), def, period, (day, next), fmt_date);
        let keys = [
            pair(period.from, &json_str(&fmt_date(day))),
            pair(period.to, &json_str(&fmt_date(next))),
        ];
        slices.push((day, next, Slice::new(req, keys.join(","), Some(next))));
        day = next;
    }
    slices
}

/// `Plan::DayRanges`: ranges of `stats_window` days from `from`'s day up to `last_to`, on the stream's
/// window endpoint, in the `period` filters (and with the fixed `body` field, when there is one), each
/// with its range (`plan/order.rs`).
pub(super) fn day_ranges(
    def: &StreamDef,
    cfg: &Config,
    period: Bounds,
    body: Option<(&str, &str)>,
    from: DateTime<Utc>,
    last_to: DateTime<Utc>,
) -> Vec<Lane> {
    let step = Duration::days(cfg.stats_window.num_days().max(1));
    let source = def.window_endpoint();
    consecutive(midnight(from.date_naive()), last_to, step)
        .map(|(day, next)| {
            let mut req = bounded(source.request(), def, period, (day, next), fmt_date);
            if let (Some((name, value)), Some(b)) = (body, req.body.as_mut()) {
                b[name] = json!(value);
            }
            // Records carry their own day (`engine/per_day.rs`).
            (day, next, Slice::new(req, String::new(), Some(next)))
        })
        .collect()
}

/// The windows of `span` at the default width, as lanes (`plan/order.rs`): one lane, or one per value of
/// a typed plan.
pub(super) fn fixed_lanes(
    def: &StreamDef,
    cfg: &Config,
    now: DateTime<Utc>,
    span: &Span,
) -> Vec<Vec<Lane>> {
    let mut lanes: Vec<Vec<Lane>> = Vec::new();
    for (from, to) in consecutive(span.from, span.end, span.step) {
        let window = window_slices(def, cfg, now, from, to);
        let typed = matches!(def.plan, Plan::TypedWindows { .. });
        for (i, slice) in window.into_iter().enumerate() {
            let lane = if typed { i } else { 0 };
            if lanes.len() <= lane {
                lanes.resize_with(lane + 1, Vec::new);
            }
            lanes[lane].push((from, to, slice));
        }
    }
    lanes
}

/// The consecutive ranges `from`..`end`, each `step` wide but the last (cut at `end`): the walk that day
/// ranges and fixed windows share.
fn consecutive(
    from: DateTime<Utc>,
    end: DateTime<Utc>,
    step: Duration,
) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> {
    let mut t = from;
    std::iter::from_fn(move || {
        let range = (t, (t + step).min(end));
        t = range.1;
        (range.0 < end).then_some(range)
    })
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
            let req = window_request(def, cfg, window, (from, to));
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
                let req = bounded(req, def, window, (from, to), fmt_dt);
                let added = format!("{}:{}", json_str(param), json_str(value));
                let checkpoint = (i + 1 == values.len()).then_some(to);
                Slice::new(req, added, checkpoint)
            })
            .collect(),
        Plan::ReviewWindows { window, .. } => {
            let today = midnight(now.date_naive());
            let req = bounded(ep.request(), def, window, (from, to), fmt_date);
            // Today is not over: the next sync reads it again.
            let checkpoint = to.min(today).max(from);
            vec![Slice::new(req, String::new(), Some(checkpoint))]
        }
        _ => Vec::new(),
    }
}

/// A request of one call window: on the listing of an id-batched stream, else on the stream's endpoint
/// with its content selector.
fn window_request(
    def: &StreamDef,
    cfg: &Config,
    window: Bounds,
    range: (DateTime<Utc>, DateTime<Utc>),
) -> ApiRequest {
    let ep = def.window_endpoint();
    let req = with_workspace(def, cfg, bounded(ep.request(), def, window, range, fmt_dt));
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
