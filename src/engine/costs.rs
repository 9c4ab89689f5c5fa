//! Requests as a cost of the sync: the LOG lines that say, before the first record, what each selected
//! stream plans to spend and its share of `requests_per_day` (a WARN when the plan exceeds it), and at
//! the end what each stream spent against its estimate.
//!
//! Counts come from the client's per-task tally (`client::TALLY`): the engine runs each stream's
//! planning and slices with the stream's own counter, so a parent list or a shared page counts against
//! the stream that asked for it first, and retries count where they happen. Gong sends no quota headers,
//! so the company's remaining quota is unknown: the budget compared against is the configured one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::plan::cost::Estimate;
use crate::protocol::LogLevel;

/// One stream's planned and spent requests.
#[derive(Debug, Clone)]
pub struct StreamCost {
    pub name: &'static str,
    /// `None` when the stream could not be planned.
    pub estimate: Option<Estimate>,
    /// Requests sent on the stream's behalf (planning included); read at the end.
    pub tally: Arc<AtomicU64>,
}

/// The cost rows of a sync and its planned total (taken before the read).
#[derive(Debug, Clone)]
pub struct Costs {
    pub rows: Vec<StreamCost>,
    pub planned: Estimate,
}

/// Requests already sent by planning (parent lists), by the streams that asked for them.
fn spent(costs: &[StreamCost]) -> u64 {
    costs.iter().map(|c| c.tally.load(Ordering::Relaxed)).sum()
}

/// The planned total: what planning already spent plus every stream's estimate.
pub fn planned_total(costs: &[StreamCost]) -> Estimate {
    let planned = costs.iter().filter_map(|c| c.estimate).fold(
        Estimate {
            requests: 0,
            exact: true,
            about: false,
        },
        Estimate::plus,
    );
    Estimate {
        requests: planned.requests + spent(costs),
        exact: planned.exact,
        about: planned.about,
    }
}

/// The LOG lines before the read: per stream and in total, with the share of the daily budget; a WARN
/// line when the plan exceeds what the ledger `left` of it (`quota.rs`).
pub fn plan_lines(costs: &[StreamCost], per_day: u64, left: u64) -> Vec<(LogLevel, String)> {
    let per_stream: Vec<String> = costs
        .iter()
        .map(|c| {
            let planning = c.tally.load(Ordering::Relaxed);
            let estimate = match c.estimate {
                Some(e) => e.to_string(),
                None => "unplanned".into(),
            };
            match planning {
                0 => format!("{} {estimate}", c.name),
                n => format!("{} {estimate} (+{n} spent planning)", c.name),
            }
        })
        .collect();
    let total = planned_total(costs);
    let share = percent(total.requests, per_day);
    let mut lines = vec![(
        LogLevel::Info,
        format!(
            "Planned API requests: {total} in total, {share} of requests_per_day ({per_day}); per stream: {}. \
             Windowed streams are estimated at one request per window (≥: a window with more than 100 records \
             costs a page per 100), windows whose first page planning read at what that page says, activity \
             stats at ceil(users / 100) pages per window when the users are known (~); Gong sends no quota \
             headers, so the company's remaining quota is unknown.",
            per_stream.join(", ")
        ),
    )];
    if total.requests > left {
        lines.push((
            LogLevel::Warn,
            format!(
                "This sync plans {total} API requests, more than the budget of {per_day} requests per day \
                 (requests_per_day) leaves ({left} after the last 24 hours): the streams it cannot finish \
                 are deferred with their progress saved, and a later sync resumes there."
            ),
        ));
    }
    lines
}

/// The LOG line after the read: requests per stream, in total, and against the total `planned` before.
pub fn end_line(costs: &Costs, sent: u64) -> String {
    let planned = costs.planned;
    let per_stream: Vec<String> = costs
        .rows
        .iter()
        .map(|c| {
            let spent = c.tally.load(Ordering::Relaxed);
            match c.estimate {
                Some(e) => format!("{} {spent} (planned {e})", c.name),
                None => format!("{} {spent}", c.name),
            }
        })
        .collect();
    let ratio = match planned.requests {
        0 => "-".to_string(),
        n => format!("{:.2}", sent as f64 / n as f64),
    };
    format!(
        "API requests per stream: {}. Total {sent}, {ratio} times the planned {planned}.",
        per_stream.join(", ")
    )
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.0}%", part as f64 * 100.0 / whole as f64)
}
