//! Resumable full refresh: a full-refresh stream checkpoints inside itself, and a read given that
//! checkpoint skips the slices it covers.
//!
//! A full-refresh stream's STATE after each run of written slices is `{"resume": {"slices": N, "last":
//! <digest of slice N's request>}}`: its first N slices are written. A read whose state holds it plans the
//! stream as usual and drops the first N slices when the N-th slice of the new plan is the same request
//! (same path, filters and body); otherwise (the plan changed: new users, new folders, other windows) it
//! reads the stream from the start, which repeats records and loses none. The final STATE of a finished
//! full refresh is the usual `{"__ab_no_cursor_state_message": true}`, so the next sync starts over.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::planning::Planned;
use super::{Engine, Run, Slice};
use crate::protocol::LogLevel;

/// The key of the position in a full-refresh stream's state.
pub const KEY: &str = "resume";

/// Where a full-refresh stream's written slices end.
#[derive(Debug, Default)]
pub(super) struct Resume {
    /// Slices written in order (those skipped on resume included).
    done: u64,
    /// Digest of the last of them.
    last: Option<String>,
    /// Digests of the started slices not yet written, by slice number.
    open: HashMap<u64, String>,
}

impl Resume {
    pub(super) fn started(&mut self, seq: u64, slice: &Slice) {
        self.open.insert(seq, digest(slice));
    }

    /// Slice `seq` is written, with every slice before it.
    pub(super) fn closed(&mut self, seq: u64) {
        self.done += 1;
        self.last = self.open.remove(&seq);
    }

    pub(super) fn state(&self) -> Value {
        json!({KEY: {"slices": self.done, "last": self.last}})
    }
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
    /// Drops, from each full-refresh plan whose saved state has a position, the slices written before
    /// (when the plan still has the same slice there); runs before `share`, so the streams that share
    /// windows plan around what is really read.
    pub(super) fn skip_written(
        &self,
        runs: &mut [Run<'_>],
        plans: &mut [Planned],
        states: &HashMap<String, Value>,
    ) {
        for (run, plan) in runs.iter_mut().zip(plans.iter_mut()) {
            let name = run.sel.def.name;
            let Some(saved) = (!run.incremental)
                .then(|| states.get(name).and_then(|s| s.get(KEY)))
                .flatten()
            else {
                continue;
            };
            let Some(Ok(slices)) = plan.as_mut() else {
                continue;
            };
            let n = saved.get("slices").and_then(Value::as_u64).unwrap_or(0) as usize;
            let last = saved.get("last").and_then(Value::as_str);
            let same = n > 0 && n <= slices.len() && last == Some(digest(&slices[n - 1]).as_str());
            if !same {
                self.log(LogLevel::Info, format!("Stream `{name}`: its saved full-refresh position ({n} slices) does not match today's plan; the stream is read from the start."));
                continue;
            }
            slices.drain(..n);
            run.resume.done = n as u64;
            run.resume.last = last.map(String::from);
            self.log(LogLevel::Info, format!("Stream `{name}`: resuming a full refresh after its first {n} slices, written by the interrupted read."));
        }
    }
}
