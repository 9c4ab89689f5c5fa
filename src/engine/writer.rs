//! The writer: a page's records go to stdout as RECORD messages, Gong's bytes plus the added fields, with
//! every id Gong sent as a number put in quotes ([`quote_ids`]; a record without one is not copied).
//! For a stream whose slices overlap (`StreamDef::unique`), a record whose primary key was written
//! before in this sync is dropped; the keys written are kept in the stream's `Run`.

use std::collections::HashSet;

use super::link::{Batch, Buffered};
use super::{Engine, Run};
use crate::error::{Error, Result};
use crate::gong::ids::quote_ids;
use crate::protocol::{now_millis, Message, StreamStatus};

impl Engine {
    /// Writes one page's records.
    pub(super) fn write_page(&self, run: &mut Run, buffered: &Buffered) -> Result<()> {
        let name = run.sel.def.name;
        let batch = &buffered.batch;
        // Overlapping slices' totals would count a record once per slice it comes back in.
        if buffered.first && run.seen.is_none() {
            if let Some(t) = batch.page.total_records {
                run.estimate += t;
                self.emit(&Message::Estimate {
                    stream: name.to_string(),
                    row_estimate: run.estimate.max(run.total + t),
                });
            }
        }
        if !run.running && !batch.page.is_empty() {
            run.running = true;
            self.status(name, StreamStatus::Running);
        }
        let n = self.write_batch(name, batch, run.seen.as_mut())?;
        run.since_state += n;
        run.total += n;
        Ok(())
    }

    /// Writes a batch's records, skipping those whose key is in `seen` (when given) and adding the
    /// others' keys to it; returns how many were written.
    pub(super) fn write_batch(
        &self,
        stream: &str,
        batch: &Batch,
        mut seen: Option<&mut HashSet<String>>,
    ) -> Result<u64> {
        let emitted_at = now_millis();
        let mut written = 0;
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        for i in 0..batch.page.len() {
            if let Some(seen) = seen.as_deref_mut() {
                let key = record_key(stream, batch.page.record(i))?;
                if !seen.insert(key) {
                    continue;
                }
            }
            written += 1;
            let lifted = batch.lifted.get(i).map(String::as_str).unwrap_or("");
            let added: &[&str] = if lifted.is_empty() {
                &[]
            } else {
                std::slice::from_ref(&lifted)
            };
            let extra = batch.refs.get(i).map(String::as_str).unwrap_or("");
            let raw = quote_ids(batch.page.record(i));
            if let Err(e) = out.record_with(stream, &raw, added, emitted_at, extra) {
                return Err(Error::system(format!("Could not write to stdout: {e}")));
            }
        }
        Ok(written)
    }
}

/// The primary key of a record of `stream` (Gong's fields; a unique stream adds none), as text.
fn record_key(stream: &str, raw: &str) -> Result<String> {
    let malformed = || Error::system(format!("A record of stream `{stream}` is malformed."));
    let keys = crate::streams::find(stream).map_or(&[][..], |def| def.primary_key);
    let record: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(raw).map_err(|_| malformed())?;
    let parts: Vec<String> = keys
        .iter()
        .map(|k| record.get(*k).map(|v| v.to_string()).unwrap_or_default())
        .collect();
    Ok(parts.join("\u{1f}"))
}
