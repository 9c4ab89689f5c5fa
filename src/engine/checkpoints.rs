//! Checkpoints: when a slice and every slice before it are written, the stream's STATE moves to the last
//! of their checkpoints; a stream's end (complete or failed) writes its final STATE and status.
//! Invariant: a STATE never claims a record that was not written, and a saved cursor never moves back.

use serde_json::{json, Value};

use super::{Engine, ReadOutcome, Run};
use crate::error::Error;
use crate::protocol::{Message, StreamStatus};

impl Engine {
    /// Slice `seq` is read whole. When it closes the oldest open slices, their last checkpoint is the
    /// stream's new STATE: every record before it is written.
    pub(super) fn close_slice(&self, run: &mut Run, seq: u64) {
        let Some(&(first, _, _)) = run.open.front() else {
            return;
        };
        if let Some(slot) = run.open.get_mut((seq - first) as usize) {
            slot.2 = true;
        }
        let mut checkpointed = false;
        while let Some(&(closed, checkpoint, true)) = run.open.front() {
            run.open.pop_front();
            if run.resume.tracks(run.incremental) {
                // A full refresh or an unfinished snapshot checkpoints its position (`resume.rs`).
                run.resume.closed(closed);
                checkpointed = true;
            }
            if let (true, Some(cp)) = (run.incremental, checkpoint) {
                // Never move a saved cursor backwards (a state from the future stays put); at the same
                // cursor, the history's edge only moves down (`plan/order.rs`).
                if run
                    .last_checkpoint
                    .as_ref()
                    .is_none_or(|c| c.cursor <= cp.cursor)
                {
                    run.last_checkpoint = Some(cp);
                }
                // A snapshot's checkpoint is its last slice: read whole, it keeps no position.
                run.resume.finished();
                checkpointed = true;
            }
        }
        if let Some(state) = run.saved_state().filter(|_| checkpointed) {
            self.emit_state(run.sel.def.name, state, run.since_state);
            run.since_state = 0;
            run.states_emitted += 1;
        }
    }

    /// A stream read to its end: its final STATE and COMPLETE. A stream read whole by its cadence
    /// records the read (`quota.rs`), and the read's last stream writes the whole ledger: both need a
    /// final STATE even without records since the last.
    pub(super) fn finish(&self, run: &mut Run) {
        let name = run.sel.def.name;
        let fresh = matches!(run.due, super::quota::Due::Now { hours } if hours > 0);
        if fresh {
            self.quota.read_whole(name);
        }
        if let (true, Some(hold)) = (fresh, &run.hold) {
            if matches!(run.sel.def.cadence, crate::streams::Cadence::Snapshot(_)) {
                let requests = run.tally.load(std::sync::atomic::Ordering::Relaxed);
                self.quota.costs.learn(name, requests, hold.due_slices);
            }
            (self.quota.costs).read_whole(name, hold.need, hold.all_slices);
        }
        if !run.incremental {
            self.emit_state(
                name,
                json!({"__ab_no_cursor_state_message": true}),
                run.since_state,
            );
        } else {
            // Calls Gong deleted, then the STATE that may carry the new deletion memory (`deletes.rs`).
            let carrier = self.write_deletions(run);
            if run.since_state > 0 || run.states_emitted == 0 || fresh || run.last || carrier {
                let state = match &run.last_checkpoint {
                    Some(cp) => cp.to_state(run.date_only),
                    None => json!({}),
                };
                self.emit_state_with(name, state, run.since_state, true);
            }
        }
        self.status(name, StreamStatus::Complete);
    }

    /// A stream that cannot go on. Records already written are not lost: their count goes into a final
    /// state of the last checkpoint, so the platform's counts match; the other streams carry on.
    pub(super) fn fail(&self, run: &mut Run, e: Error, outcome: &mut ReadOutcome) {
        if super::quota::defers(&e) {
            // The day's budget or Gong's quota: deferred, not failed (`quota.rs`); its deletion records
            // are written before its kept state.
            return self.defer(run, &e, outcome);
        }
        // Deletion records not written: the memory must not move on.
        if let Some(pending) = &self.deletions {
            pending.target_failed(run.sel.def.name);
        }
        let name = run.sel.def.name;
        run.failed = true;
        if run.since_state > 0 || run.states_emitted == 0 || run.last {
            if let (true, Some(state)) = (run.incremental, run.saved_state()) {
                self.emit_state(name, state, run.since_state);
            }
        }
        self.emit(&Message::Error {
            message: format!("Stream `{name}` failed: {}", e.message),
            internal_message: e.internal.clone(),
            failure_type: e.failure_type(),
            stream: Some(name.to_string()),
        });
        self.status(name, StreamStatus::Incomplete);
        outcome.records += run.total;
        outcome.failures.push((name.to_string(), e));
    }

    /// Writes a STATE: the engine's `state` of the stream, with the ledger and the stream's last whole
    /// read added (`quota.rs`).
    pub(super) fn emit_state(&self, stream: &str, state: Value, count: u64) {
        self.emit_state_with(stream, state, count, false);
    }

    /// A STATE; the deletion carrier's carries the deletion memory, the new one only in its `last`.
    pub(super) fn emit_state_with(&self, stream: &str, mut state: Value, count: u64, last: bool) {
        if let Some(pending) = &self.deletions {
            pending.carry(stream, &mut state, last);
        }
        let state = self
            .quota
            .decorate(stream, state, self.client.requests_sent());
        self.emit(&Message::StreamState {
            stream: stream.to_string(),
            state,
            record_count: count,
        });
    }
}
