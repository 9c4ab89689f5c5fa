//! What the history read newest first (`plan/order.rs`) has left, in words: the LOG line before the read
//! (each windowed stream with history left: how far down it is read, how many days remain) and what a
//! stream the budget deferred adds to its LOG line (how far this sync got and, at its pace, how many more
//! days of the budget the history needs).
//!
//! Days are counted from the plan's own ranges (`plan::spans`), so the words say what the next sync will
//! read, never another computation of it.

use super::{plan, Engine, Run};
use crate::protocol::LogLevel;
use crate::state::Checkpoint;

impl Engine {
    /// The LOG line of the history left before the read; none when every stream's history is in.
    pub(super) fn log_history(&self, runs: &[Run<'_>]) {
        let parts: Vec<String> = runs
            .iter()
            .filter(|run| run.incremental && !matches!(run.due, super::quota::Due::Until { .. }))
            .filter_map(|run| {
                let days = self.history_days(run, run.saved.as_ref())?;
                let name = run.sel.def.name;
                Some(match run.saved.and_then(|cp| cp.backfill) {
                    None => format!("{name}: first read, {days:.0} days"),
                    Some(edge) => format!(
                        "{name}: read down to {}, {days:.0} days left",
                        edge.format("%Y-%m-%d")
                    ),
                })
            })
            .collect();
        if !parts.is_empty() {
            self.log(
                LogLevel::Info,
                format!(
                    "History to read, newest first down to start_date {}: {}.",
                    self.config.start.format("%Y-%m-%d"),
                    parts.join("; ")
                ),
            );
        }
    }

    /// What a deferred stream's history has left, as a sentence for its LOG line; empty when it has none.
    pub(super) fn history_note(&self, run: &Run) -> String {
        let Some(left) = self.history_days(run, run.last_checkpoint.as_ref()) else {
            return String::new();
        };
        let edge = match run.last_checkpoint.and_then(|cp| cp.backfill) {
            Some(edge) => format!("read down to {}", edge.format("%Y-%m-%d")),
            None => "none read yet".to_string(),
        };
        let before = self.history_days(run, run.saved.as_ref()).unwrap_or(left);
        let read = before - left;
        let pace = if read >= 1.0 {
            format!(
                " This sync read {read:.0} days of it; at that pace the rest needs about {:.0} more days of the budget.",
                (left / read).ceil()
            )
        } else {
            String::new()
        };
        format!(" History left: {left:.0} days ({edge}).{pace}")
    }

    /// Days of history below `cp` (all of it without one) that a windowed stream has still to read;
    /// `None` when its history is complete or it reads no windows.
    fn history_days(&self, run: &Run, cp: Option<&Checkpoint>) -> Option<f64> {
        let spans = plan::spans(run.sel.def, &self.config, self.now, cp)?;
        let history = spans.history?;
        Some((history.end - history.from).num_minutes() as f64 / 1440.0)
    }
}
