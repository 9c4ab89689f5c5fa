//! Deleted in Gong, deleted in the warehouse (`propagate_deletes`). Gong has no deletion feed: an erased
//! or purged call simply stops being listed. Before the streams are read, [`prepare`] lists the weeks of
//! the synced history that are due (`sweep.rs`) and compares them with the memory of what was listed
//! before (`memory.rs`), when the day's budget covers them beyond the reserve kept for new calls (else
//! the sweep waits for a later sync and the memory is carried as it was); the engine then writes, at the end of each incremental call-keyed stream, a
//! deletion record per call that disappeared (`records.rs`), and the new memory in the final STATE of
//! the last of those streams (the *carrier*).
//!
//! Invariants: the new memory is saved only after every target stream wrote its deletion records, so a
//! sync killed or failing anywhere before keeps the old memory and the next sync finds the same
//! deletions again (duplicates, never a loss); until then every STATE of the carrier carries the old
//! memory. Full-refresh streams get no deletion records: a deleted call is simply absent.
//! `forgotten.rs` warns of the audit logs Gong itself no longer holds.

pub mod forgotten;
pub mod memory;
pub mod records;
pub mod sweep;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::client::GongClient;
use crate::config::Config;
use crate::protocol::SyncMode;
use crate::state::{checkpoint_for, Selected};
use crate::streams::{Deletes, StreamDef};
use memory::Memory;
use sweep::Deleted;

/// What one sync's sweep found, for the engine to write.
#[derive(Debug)]
pub struct Pending {
    /// The stream whose STATE carries the memory: the last target in write order.
    carrier: &'static str,
    /// Incremental streams selected that deletions reach.
    targets: Vec<&'static str>,
    /// The memory as it was read (carried until the new one may be saved).
    old: Option<Value>,
    /// The memory after this sync's sweep (the old one when the sweep waits for a later sync).
    new: Option<Value>,
    deleted: Vec<Deleted>,
    found_at: DateTime<Utc>,
    /// A target failed: its deletion records may be missing, so the old memory stays.
    failed: AtomicBool,
}

impl Pending {
    pub fn carrier(&self) -> &'static str {
        self.carrier
    }

    /// Calls found deleted on this sync.
    pub fn deleted(&self) -> usize {
        self.deleted.len()
    }

    /// The deletion records of `def` (none unless it is a target).
    pub fn records(&self, def: &StreamDef) -> Vec<String> {
        if !self.targets.contains(&def.name) {
            return Vec::new();
        }
        records::records(def, &self.deleted, self.found_at)
    }

    /// A target stream failed: the new memory is not saved on this sync.
    pub fn target_failed(&self, stream: &str) {
        if self.targets.contains(&stream) {
            self.failed.store(true, Ordering::Relaxed);
        }
    }

    /// Adds the memory to a STATE of the carrier: the new one in its final STATE (`last`) when every
    /// target wrote its deletion records, the old one otherwise.
    pub fn carry(&self, stream: &str, state: &mut Value, last: bool) {
        if stream != self.carrier {
            return;
        }
        let fresh = last && !self.failed.load(Ordering::Relaxed);
        let memory = if fresh {
            self.new.as_ref()
        } else {
            self.old.as_ref()
        };
        if let (Some(map), Some(memory)) = (state.as_object_mut(), memory) {
            map.insert(memory::KEY.into(), memory.clone());
        }
    }
}

/// Log lines for the caller to write (the sweep runs before the engine and its output).
pub type Logs = Vec<(crate::protocol::LogLevel, String)>;

/// Runs this sync's sweep. `order` is the selected streams in the order the engine writes them; a
/// stream whose state the engine will refuse (it does not parse: the read fails on it before a request)
/// is left out. `share`: the requests the sweep may spend (what the day's budget leaves beyond the
/// reserve for new calls): a sweep estimated to cost more waits for a later sync and carries the memory
/// as it was. `None` when `propagate_deletes` is off or no incremental stream that deletions reach (with
/// a valid state) is selected.
pub async fn prepare(
    client: &GongClient,
    cfg: &Config,
    order: &[&Selected],
    states: &HashMap<String, Value>,
    now: DateTime<Utc>,
    share: u64,
    logs: &mut Logs,
) -> Option<Pending> {
    let targets: Vec<&'static str> = order
        .iter()
        .filter(|s| s.sync_mode == SyncMode::Incremental && s.def.deletes != Deletes::Never)
        .filter(|s| checkpoint_for(s.def.name, states.get(s.def.name)).is_ok())
        .map(|s| s.def.name)
        .collect();
    let carrier = *targets.last()?;
    if !cfg.propagate_deletes {
        return None;
    }
    let (old, old_value) = read_memory(&targets, states, cfg, logs);
    let end = cfg.end_or(now);
    let due = sweep::due(&old, cfg.start, end, cfg.lookback, cfg.deletion_sweep_days);
    let mut pending = Pending {
        carrier,
        targets,
        old: old_value.clone(),
        new: old_value,
        deleted: Vec::new(),
        found_at: now,
        failed: AtomicBool::new(false),
    };
    if let Some(line) = waits(&due, &old, share) {
        logs.push((crate::protocol::LogLevel::Info, line));
        return Some(pending);
    }
    let (new, deleted) = run(client, cfg, &due, &old, (end, now), &pending.targets, logs).await;
    pending.new = Some(new.to_value());
    pending.deleted = deleted;
    Some(pending)
}

/// The requests listing `due` costs at least: one per 100 calls remembered in a week, one per week
/// not remembered (new calls cost more; empty weeks are probed as ranges, fewer).
fn estimate(due: &sweep::Due, old: &Memory) -> u64 {
    let per_week = |w: &chrono::NaiveDate| match old.weeks.get(w) {
        Some(week) => week.ids.len().div_ceil(100).max(1),
        None => 1,
    };
    due.weeks.iter().map(per_week).sum::<usize>() as u64
}

/// The LOG line of a sweep that waits for a later sync: its estimate is over `share`.
fn waits(due: &sweep::Due, old: &Memory, share: u64) -> Option<String> {
    let cost = estimate(due, old);
    (cost > share).then(|| format!(
        "Deletion sweep (propagate_deletes) waits for a later sync: its {} weeks of calls cost about {cost} requests, and the day's budget leaves {share} beyond the reserve kept for new calls. Its weeks stay due and the memory is kept; a sync after the budget frees up (it is a daily cadence) lists them and announces the deletions then.",
        due.weeks.len()
    ))
}

/// Lists the due weeks and compares them with the memory: the new memory and the calls deleted.
async fn run(
    client: &GongClient,
    cfg: &Config,
    due: &sweep::Due,
    old: &Memory,
    (end, now): (DateTime<Utc>, DateTime<Utc>),
    targets: &[&str],
    logs: &mut Logs,
) -> (Memory, Vec<Deleted>) {
    use crate::protocol::LogLevel::{Info, Warn};
    let remembered: usize = (due.weeks.iter())
        .filter_map(|w| old.weeks.get(w))
        .map(|w| w.ids.len().div_ceil(100).max(1))
        .sum();
    logs.push((Info, format!(
        "Planned requests: deletion sweep (propagate_deletes) lists {} weeks of calls with GET /v2/calls, about {remembered} requests for the calls remembered in them (one per 100 calls of a week) and more for new calls: {} recent, {} of the history due today (all of it every {} days), {} never listed (they only build the memory; empty weeks are probed as ranges). The memory holds {} calls in {} weeks.",
        due.weeks.len(), due.recent, due.history, cfg.deletion_sweep_days, due.new, old.calls(), old.weeks.len()
    )));
    let sent = client.requests_sent();
    let (listed, failed) = sweep::list_weeks(client, cfg, &due.weeks, old, end).await;
    if let Some((monday, e)) = failed.first() {
        logs.push((Warn, format!(
            "The deletion sweep could not list {} of {} weeks (the week of {monday}: {}); their calls are checked on a later sync, and no deletion is announced for them now.",
            failed.len(), due.weeks.len(), e.message
        )));
    }
    let (new, deleted) = sweep::apply(old, listed, cfg, now);
    logs.push((Info, format!(
        "Deletion sweep: {} weeks listed with {} requests; {} calls synced before are no longer in Gong and are deleted in {}.",
        due.weeks.len() - failed.len(), client.requests_sent() - sent, deleted.len(), targets.join(", ")
    )));
    (new, deleted)
}

/// The freshest memory in the targets' states (the carrier may have changed with the catalog), and its
/// state form to carry; an empty memory when there is none, it cannot be read, or it was listed with
/// another workspace filter (each said in a WARN: those weeks are listed again without announcing).
fn read_memory(
    targets: &[&str],
    states: &HashMap<String, Value>,
    cfg: &Config,
    logs: &mut Logs,
) -> (Memory, Option<Value>) {
    use crate::protocol::LogLevel::Warn;
    let mut best: Option<(Memory, Value)> = None;
    for name in targets {
        let Some(value) = states.get(*name).and_then(|s| s.get(memory::KEY)) else {
            continue;
        };
        match Memory::from_value(value) {
            Ok((m, warnings)) => {
                for w in warnings {
                    logs.push((Warn, format!("The deletion memory in the state of `{name}`: {w}; that week is listed again without announcing deletions.")));
                }
                if best.as_ref().is_none_or(|(b, _)| m.at > b.at) {
                    best = Some((m, value.clone()));
                }
            }
            Err(why) => logs.push((Warn, format!("The deletion memory in the state of `{name}` is not readable ({why}); it is built again without announcing deletions."))),
        }
    }
    match best {
        Some((m, _)) if m.workspace != cfg.workspace_id => {
            logs.push((Warn, "workspace_id changed since the deletion memory was built: it is built again for the new workspace, without announcing deletions.".into()));
            (Memory::default(), None)
        }
        Some((m, v)) => (m, Some(v)),
        None => (Memory::default(), None),
    }
}
