//! Deletion records at the end of an incremental stream that deletions reach (`deletions/`): written
//! after the stream's last records and before its final STATE, so that STATE (the one that may carry the
//! new deletion memory) never claims a deletion that was not written.

use super::{Engine, Run};
use crate::protocol::now_millis;

impl Engine {
    /// Writes the stream's deletion records (counted in its STATE and totals); returns whether the
    /// stream carries the deletion memory, whose final STATE must then be written.
    pub(super) fn write_deletions(&self, run: &mut Run) -> bool {
        let Some(pending) = &self.deletions else {
            return false;
        };
        let name = run.sel.def.name;
        let records = pending.records(run.sel.def);
        if !records.is_empty() {
            let emitted_at = now_millis();
            let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
            for raw in &records {
                if out.record(name, raw, &[], emitted_at).is_err() {
                    // stdout closed: the read ends; the memory is not saved (its STATE cannot be written).
                    return false;
                }
            }
            run.since_state += records.len() as u64;
            run.total += records.len() as u64;
        }
        pending.carrier() == name
    }
}
