//! The writer: a page's records go to stdout as RECORD messages, Gong's bytes plus the added fields, with
//! every id Gong sent as a number put in quotes ([`quote_ids`]; a record without one is not copied).

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
        if buffered.first {
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
        let n = self.write_batch(name, batch)?;
        run.since_state += n;
        run.total += n;
        Ok(())
    }

    pub(super) fn write_batch(&self, stream: &str, batch: &Batch) -> Result<u64> {
        let emitted_at = now_millis();
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        for i in 0..batch.page.len() {
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
        Ok(batch.page.len() as u64)
    }
}
