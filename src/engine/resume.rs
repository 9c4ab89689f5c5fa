//! Resumable reads: a full-refresh stream, and a snapshot stream (`Cadence::Snapshot`: incremental on
//! the `snapshotAt` it adds), checkpoint inside themselves, and a read given that checkpoint skips the
//! slices it covers.
//!
//! Such a stream's STATE after each run of written slices holds `{"resume": {"slices": N, "last": <digest
//! of slice N's request>}}`: its first N slices are written. A snapshot's position also names the
//! snapshot being read (`"snapshot_at"`: the `snapshotAt` of its records), beside the stream's previous
//! complete cursor (the last snapshot read whole) and `read_at`, which stay as they were. A read whose
//! state holds a position plans the stream as usual and drops the first N slices when the N-th slice of
//! the new plan is the same request (same path, filters and body); otherwise (the plan changed: new
//! users, new folders, other windows) it reads the stream from the start, which repeats records and
//! loses none. A resumed snapshot stamps its records with the saved `snapshot_at`, so every record of one
//! snapshot carries one `snapshotAt` whatever the runs (and days) it took; a snapshot started over gets
//! the read's instant. An unfinished snapshot is always due (`quota.rs`), the budget stopping it keeps
//! its position (`Engine::defer`), and its last slice completes it: the cursor becomes its `snapshotAt`
//! and the position goes. The final STATE of a finished full refresh is the usual
//! `{"__ab_no_cursor_state_message": true}`, so the next sync starts over.
//!
//! Invariant: a position counts only slices written whole, with every slice before them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::planning::Planned;
use super::{quota, Engine, Run, Slice};
use crate::protocol::LogLevel;
use crate::streams::Cadence;

/// The key of the position in a resumable stream's state.
pub const KEY: &str = "resume";

/// The key, inside a snapshot's position, of the snapshot's instant.
const SNAPSHOT_AT: &str = "snapshot_at";

/// Where a resumable stream's written slices end.
#[derive(Debug, Default)]
pub(super) struct Resume {
    /// Slices written in order (those skipped on resume included).
    done: u64,
    /// Digest of the last of them.
    last: Option<String>,
    /// Digests of the started slices not yet written, by slice number.
    open: HashMap<u64, String>,
    /// A snapshot stream's snapshot being read (its records' `snapshotAt`), until it is read whole.
    snapshot: Option<DateTime<Utc>>,
    /// Slices written by this read (those skipped not counted).
    written: u64,
}

impl Resume {
    /// The position in a saved state (`state[KEY]`), if it holds one that counts a written slice.
    fn saved(state: Option<&Value>) -> Option<Resume> {
        let saved = state?.get(KEY)?;
        let done = saved
            .get("slices")
            .and_then(Value::as_u64)
            .filter(|&n| n > 0)?;
        Some(Resume {
            done,
            last: saved.get("last").and_then(Value::as_str).map(String::from),
            open: HashMap::new(),
            snapshot: saved
                .get(SNAPSHOT_AT)
                .and_then(Value::as_str)
                .and_then(parse_time),
            written: 0,
        })
    }

    /// Whether the stream checkpoints its position: a full refresh, or a snapshot not yet read whole.
    pub(super) fn tracks(&self, incremental: bool) -> bool {
        !incremental || self.snapshot.is_some()
    }

    pub(super) fn started(&mut self, seq: u64, slice: &Slice) {
        self.open.insert(seq, digest(slice));
    }

    /// Slice `seq` is written, with every slice before it.
    pub(super) fn closed(&mut self, seq: u64) {
        self.done += 1;
        self.written += 1;
        self.last = self.open.remove(&seq);
    }

    /// Slices an earlier read wrote, skipped by this one (0 once the snapshot is read whole).
    pub(super) fn skipped(&self) -> usize {
        (self.done - self.written) as usize
    }

    /// Slices written by this read, before the snapshot was read whole.
    pub(super) fn written(&self) -> u64 {
        self.written
    }

    /// The snapshot is read whole: its cursor says so, no position is kept.
    pub(super) fn finished(&mut self) {
        *self = Resume::default();
    }

    pub(super) fn state(&self) -> Value {
        let mut position = json!({"slices": self.done, "last": self.last});
        if let Some(at) = self.snapshot {
            position[SNAPSHOT_AT] = json!(fmt_time(at));
        }
        json!({KEY: position})
    }
}

impl Run<'_> {
    /// The stream's STATE as far as it is written: a full refresh's position (`None` before its first
    /// slice), an incremental stream's cursor, with an unfinished snapshot's position beside it.
    pub(super) fn saved_state(&self) -> Option<Value> {
        if !self.incremental {
            return (self.resume.done > 0).then(|| self.resume.state());
        }
        let cursor = self
            .last_checkpoint
            .as_ref()
            .map(|cp| cp.to_state(self.date_only));
        if self.resume.snapshot.is_none() || self.resume.done == 0 {
            return cursor;
        }
        let mut state = cursor.unwrap_or_else(|| json!({}));
        state[KEY] = self.resume.state()[KEY].take();
        Some(state)
    }
}

/// The instant of the unfinished snapshot in a stream's saved state, if any.
pub fn unfinished_snapshot(state: &Value) -> Option<DateTime<Utc>> {
    Resume::saved(Some(state))?.snapshot
}

/// FNV-1a of a slice's request (method, path, filters, body), 16 hex digits.
fn digest(slice: &Slice) -> String {
    let r = &slice.request;
    let text = format!(
        "{} {} {:?} {}",
        r.method,
        r.path,
        r.query,
        r.body.clone().unwrap_or_default()
    );
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

impl Engine {
    /// Drops, from each resumable plan whose saved state has a position, the slices written before
    /// (when the plan still has the same slice there), and stamps snapshots (`quota::stamp`) with the
    /// instant of the snapshot they read; runs before `share`, so the streams that share windows plan
    /// around what is really read. A plan that failed keeps the saved position for a later read.
    pub(super) fn skip_written(
        &self,
        runs: &mut [Run<'_>],
        plans: &mut [Planned],
        states: &HashMap<String, Value>,
    ) {
        for (run, plan) in runs.iter_mut().zip(plans.iter_mut()) {
            let def = run.sel.def;
            let snapshot = run.incremental && matches!(def.cadence, Cadence::Snapshot(_));
            // A full refresh resumes any position; a snapshot only one of a snapshot.
            let saved = Resume::saved(states.get(def.name)).and_then(|mut r| {
                if !run.incremental {
                    r.snapshot = None;
                    return Some(r);
                }
                (snapshot && r.snapshot.is_some()).then_some(r)
            });
            match plan.as_mut() {
                Some(Ok(slices)) => {
                    run.resume = self.skip(def.name, slices, saved, snapshot);
                    // A full refresh of a snapshot stream is stamped too: its records have the field.
                    quota::stamp(def, slices, run.resume.snapshot.unwrap_or(self.now));
                }
                _ => run.resume = saved.unwrap_or_default(),
            }
        }
    }

    /// The position a stream's read starts from: `saved`, its slices dropped from `slices`, when the
    /// plan has the same slice there (a snapshot also needs a slice left: its last completes it); else
    /// none (a snapshot starts a new one at the read's instant).
    fn skip(
        &self,
        name: &str,
        slices: &mut Vec<Slice>,
        saved: Option<Resume>,
        snapshot: bool,
    ) -> Resume {
        let fresh = Resume {
            snapshot: snapshot.then_some(self.now),
            ..Resume::default()
        };
        let Some(saved) = saved else { return fresh };
        let n = saved.done as usize;
        let room = if snapshot {
            slices.len().saturating_sub(1)
        } else {
            slices.len()
        };
        let what = match saved.snapshot {
            Some(at) => format!("its unfinished snapshot of {}", fmt_time(at)),
            None => "a full refresh".to_string(),
        };
        if n > room || saved.last.as_deref() != Some(digest(&slices[n - 1]).as_str()) {
            self.log(LogLevel::Info, format!("Stream `{name}`: the saved position of {what} ({n} slices) does not match today's plan; the stream is read from the start."));
            return fresh;
        }
        slices.drain(..n);
        self.log(LogLevel::Info, format!("Stream `{name}`: resuming {what} after its first {n} slices, written by an earlier read."));
        saved
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(email: &str) -> Slice {
        let req = crate::gong::endpoints::FLOWS
            .request()
            .query("flowOwnerEmail", email.to_string());
        Slice::new(req, String::new(), None)
    }

    #[test]
    fn a_snapshot_position_round_trips_with_its_instant_and_only_counts_written_slices() {
        let at = parse_time("2026-03-02T09:00:00Z").unwrap();
        let mut r = Resume {
            snapshot: Some(at),
            ..Resume::default()
        };
        assert!(r.tracks(true));
        r.started(0, &slice("a@x"));
        r.started(1, &slice("b@x"));
        // Nothing written yet: no position to save.
        assert!(Resume::saved(Some(&r.state())).is_none());
        r.closed(0);
        let saved = Resume::saved(Some(&r.state())).unwrap();
        assert_eq!(saved.done, 1);
        assert_eq!(saved.last, Some(digest(&slice("a@x"))));
        assert_eq!(saved.snapshot, Some(at));
        assert_eq!(unfinished_snapshot(&r.state()), Some(at));
        // Read whole: no position, and an incremental stream tracks none.
        r.finished();
        assert!(!r.tracks(true));
        assert!(r.tracks(false), "a full refresh always tracks its position");
        // A full refresh's position names no snapshot.
        let full = json!({KEY: {"slices": 3, "last": "x"}});
        assert_eq!(unfinished_snapshot(&full), None);
        assert_eq!(Resume::saved(Some(&full)).unwrap().done, 3);
    }
}
