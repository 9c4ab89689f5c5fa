//! The day's budget and the cadences within a read (issue 23): what the ledger leaves of
//! `requests_per_day`, which streams are due, what goes into every STATE besides the cursor, and how a
//! stream the budget or Gong's quota defers ends.
//!
//! Every STATE carries the ledger (`ledger.rs`) as of its writing, and a stream read to its end carries
//! `read_at`, the instant of that read, which its cadence counts from ([`READ_AT_KEY`]; a sweep cadence
//! can keep its own time the same way). A snapshot whose state holds an unfinished snapshot
//! (`resume.rs`) is due whatever its cadence. The deletion sweep before the read is held to the same
//! budget ([`Engine::limit_to_budget`], [`Engine::beyond_reserve`]). A stream not due emits nothing but
//! its kept state; a stream
//! deferred by the budget (or a 429 whose wait is beyond `max_rate_limit_wait_seconds`) emits its last
//! honest STATE, a RUNNING status with one `RATE_LIMITED` reason (`quota_reset`: when the budget frees
//! up) and COMPLETE: no error, exit 0, so the platform does not retry in a loop and the next scheduled
//! sync goes on from the state. The last [`RESERVE_PERCENT`] of the budget is kept for the streams read
//! on every sync.
//!
//! The budget goes, in order, to new calls (and what is read from them), then to the open periods and
//! snapshots due in this sync, then to history (`client::Spend`). Streams are written one after another
//! and history is read with its own stream, so the order is kept by holds rather than by the order of
//! writing: before the first slice, each due period or snapshot holds what its slices newer than history
//! will cost (the plan's estimate, or for a snapshot what its last read cost per slice,
//! `read_costs.rs`); history of any stream may not spend what the holds still keep, and a stream's
//! hold goes back to the budget once it is read, failed or deferred.
//!
//! Invariants: a STATE's cursor is the engine's checkpoint, untouched here (a STATE never claims data
//! not written); the ledger's counts only grow; `read_at` moves only when a stream was read whole.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::client::Spend;
use crate::config::Config;
use crate::ledger::{self, Ledger};
use crate::protocol::{LogLevel, Message, RateLimited, RateLimitedReason, StreamStatus};
use crate::state::{Checkpoint, Selected};
use crate::streams::{Cadence, StreamDef, SNAPSHOT_FIELD};

use super::read_costs::ReadCosts;

use super::{Engine, ReadOutcome, Run, Slice};

/// The key of a stream's last whole read inside its state.
pub const READ_AT_KEY: &str = "read_at";

/// A stream whose cadence is this close to over is due: schedules drift by seconds to minutes, and a
/// daily stream read at 09:00:40 must be due at 09:00:10 the next day.
const SLACK: Duration = Duration::minutes(5);

/// Whether a stream is read in this sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Read: a full-refresh stream (always read).
    FullRefresh,
    /// Read: due by its cadence (every sync, never read, or its hours are over).
    Now { hours: u32 },
    /// Not read: its last whole read was at `read_at`; due again at `until`.
    Until { hours: u32, until: DateTime<Utc> },
}

/// The read's budget and cadence bookkeeping.
#[derive(Debug)]
pub struct Quota {
    per_day: u64,
    now: DateTime<Utc>,
    /// The ledger, and how many of the client's requests it already holds.
    ledger: Mutex<(Ledger, u64)>,
    /// The last whole read of each stream, from the states given and this read's completed streams.
    read_at: Mutex<HashMap<String, DateTime<Utc>>>,
    /// The snapshot streams whose state holds an unfinished snapshot, and its instant (`resume.rs`).
    unfinished: Mutex<HashMap<String, DateTime<Utc>>>,
    /// What the streams' last reads cost (`read_costs.rs`).
    pub costs: ReadCosts,
}

impl Quota {
    /// An empty ledger, no stream read before: a read [`Quota::load`]s its states.
    pub fn new(config: &Config, now: DateTime<Utc>) -> Quota {
        Quota {
            per_day: config.requests_per_day,
            now,
            ledger: Mutex::new((Ledger::default(), 0)),
            read_at: Mutex::new(HashMap::new()),
            unfinished: Mutex::new(HashMap::new()),
            costs: ReadCosts::default(),
        }
    }

    /// The ledger merged from every given state (selected streams or not), each stream's `read_at` and
    /// unfinished snapshot.
    pub fn load(&self, states: &HashMap<String, Value>) {
        let unfinished = states.iter().filter_map(|(name, state)| {
            Some((name.clone(), super::resume::unfinished_snapshot(state)?))
        });
        *self.unfinished.lock().unwrap_or_else(|p| p.into_inner()) = unfinished.collect();
        let read_at = states.iter().filter_map(|(name, state)| {
            let text = state.get(READ_AT_KEY)?.as_str()?;
            let at = DateTime::parse_from_rfc3339(text).ok()?;
            Some((name.clone(), at.with_timezone(&Utc)))
        });
        self.read_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(read_at);
        self.costs.load(states);
        *self.lock_ledger() = (Ledger::from_states(states), 0);
    }

    /// Requests sent in the last 24 hours before this read.
    pub fn spent(&self) -> u64 {
        self.lock_ledger().0.spent(crate::clock::now())
    }

    /// Requests this read may send.
    pub fn remaining(&self) -> u64 {
        self.lock_ledger()
            .0
            .remaining(self.per_day, crate::clock::now())
    }

    /// When the budget has room for `wanted` requests again (as the oldest counted hours leave the
    /// 24 hours).
    pub fn frees_at(&self, wanted: u64) -> DateTime<Utc> {
        self.lock_ledger()
            .0
            .frees_at(self.per_day, wanted, crate::clock::now())
    }

    fn lock_ledger(&self) -> std::sync::MutexGuard<'_, (Ledger, u64)> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `def` is read in this sync (`incremental`: its sync mode), from its cadence (or the
    /// config's `stream_cadence_hours`) and its last whole read; an unfinished snapshot is always due.
    pub fn due(&self, def: &StreamDef, incremental: bool, config: &Config) -> Due {
        if !incremental {
            return Due::FullRefresh;
        }
        let hours = self
            .costs
            .stretch(def.name, cadence_hours(def, config), config);
        if self.unfinished(def).is_some() {
            return Due::Now { hours };
        }
        let last = self
            .read_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(def.name)
            .copied();
        match last {
            Some(at) if hours > 0 => {
                let until = at + Duration::hours(hours.into());
                if self.now + SLACK < until {
                    Due::Until { hours, until }
                } else {
                    Due::Now { hours }
                }
            }
            _ => Due::Now { hours },
        }
    }

    /// The instant of `def`'s unfinished snapshot, when its state holds one.
    pub fn unfinished(&self, def: &StreamDef) -> Option<DateTime<Utc>> {
        if !matches!(def.cadence, Cadence::Snapshot(_)) {
            return None;
        }
        let unfinished = self.unfinished.lock().unwrap_or_else(|p| p.into_inner());
        unfinished.get(def.name).copied()
    }

    /// `def` was read whole in this sync: its next cadence counts from this read.
    pub fn read_whole(&self, stream: &str) {
        self.read_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(stream.to_string(), self.now);
    }

    /// Enters the requests the client sent since the last call (`sent`: its total) in the ledger.
    pub fn record(&self, sent: u64) {
        let mut guard = self.lock_ledger();
        let (ledger, recorded) = &mut *guard;
        ledger.add(crate::clock::now(), sent.saturating_sub(*recorded));
        *recorded = (*recorded).max(sent);
    }

    /// `state` as written: the engine's state of `stream` plus the ledger with every request the client
    /// has sent so far (`sent`), and the stream's last whole read.
    pub fn decorate(&self, stream: &str, mut state: Value, sent: u64) -> Value {
        let Value::Object(map) = &mut state else {
            return state;
        };
        let at = crate::clock::now();
        self.record(sent);
        map.insert(ledger::STATE_KEY.into(), self.lock_ledger().0.to_value(at));
        let read_at = self.read_at.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = read_at.get(stream) {
            map.insert(
                READ_AT_KEY.into(),
                json!(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            );
        }
        self.costs.decorate(stream, map);
        state
    }
}

/// The hours between reads of `def`: the config's override, else its cadence's.
pub fn cadence_hours(def: &StreamDef, config: &Config) -> u32 {
    config
        .cadence_hours
        .get(def.name)
        .copied()
        .unwrap_or_else(|| def.cadence.hours())
}

/// The LOG word for a stream's cadence.
fn cadence_word(def: &StreamDef, hours: u32) -> String {
    let kind = match def.cadence {
        Cadence::Snapshot(_) => "snapshot",
        _ => "read",
    };
    match hours {
        0 => "every sync".into(),
        h if h % 24 == 0 => format!("{kind} every {} days", h / 24),
        h => format!("{kind} every {h} h"),
    }
}

/// Whether an error means the day's budget or Gong's quota is spent: the stream is deferred, not failed.
pub fn defers(e: &crate::error::Error) -> bool {
    matches!(
        e.reason,
        crate::error::Reason::BudgetSpent | crate::error::Reason::QuotaSpent
    )
}

/// The share of `requests_per_day` only the streams read on every sync (new calls and what is read from
/// them) may spend: a backfill of history, periods or snapshots (and the deletion sweep) stops short of
/// it, so the syncs later in the day still read their new calls. 5%: on the mid-size company of the
/// schedule benchmark (bench/schedule.py, hourly) day 1's 23 syncs after the first spend 184 of its 200
/// and every new call of day 1 is fresh (the sweep no longer takes from it), and every stream's history
/// is in by day 4. 10% kept the same freshness but finished `flows` a day later (day 5) and split the
/// weekly `user_settings_history` snapshot over two days (it resumes, `resume.rs`): the backfill had 200
/// requests a day less.
pub const RESERVE_PERCENT: u64 = 5;

/// The most the due periods and snapshots together hold from history, in percent of what the sync may
/// spend beyond the reserve: history always gets the rest. Without it, a company whose snapshots outgrow
/// the share starves its history: on the 5,000-user company of the schedule benchmark the first reads of
/// the weekly snapshots (flows about 15,000 requests, settings history 5,000) and coaching's open month
/// (1,000 a day) held more than the whole share for a week, and the calls' history read nothing.
pub const HOLD_PERCENT: u64 = 50;

/// Whether `def`'s requests leave the reserve alone (see [`RESERVE_PERCENT`]).
pub fn keeps_reserve(def: &StreamDef) -> bool {
    def.cadence != Cadence::EveryRun
}

/// What a stream's planning may spend: the whole budget for the streams read on every sync, all but
/// the reserve for the others.
pub fn planning_spend(def: &StreamDef) -> Spend {
    match keeps_reserve(def) {
        true => Spend::KeepReserve,
        false => Spend::All,
    }
}

/// What a slice of `run` may spend: history leaves the reserve and what due periods and snapshots
/// hold; a due period's or snapshot's slice draws on its stream's hold.
pub(super) fn slice_spend(run: &Run<'_>, history: bool) -> Spend {
    match (&run.hold, history) {
        (_, true) => Spend::History,
        (Some(hold), false) => Spend::Held(hold.left.clone()),
        (None, false) => planning_spend(run.sel.def),
    }
}

/// The selected streams in the order they get the budget: new calls and what is read from them, then
/// periods and slow windows, then snapshots (a stable sort: the catalog's order within each). History,
/// read with each stream, comes after all of them: it may not spend what the due periods and snapshots
/// hold ([`slice_spend`], `planning.rs`).
pub fn by_priority(selected: &[Selected]) -> Vec<Selected> {
    let mut ordered = selected.to_vec();
    ordered.sort_by_key(|s| match s.def.cadence {
        Cadence::EveryRun => 0,
        Cadence::Hours(_) => 1,
        Cadence::Snapshot(_) => 2,
    });
    ordered
}

/// A snapshot stream's slices as read: every record stamped with the snapshot's instant `at` (its
/// cursor: the read's instant, or the one of the unfinished snapshot it resumes, `resume.rs`), and only
/// the last slice completing the checkpoint, so a cursor claims the snapshot once it is read whole.
pub fn stamp(def: &StreamDef, slices: &mut [Slice], at: DateTime<Utc>) {
    if !matches!(def.cadence, Cadence::Snapshot(_)) {
        return;
    }
    let field = format!("\"{SNAPSHOT_FIELD}\":\"{}\"", fmt_time(at));
    let last = slices.len().saturating_sub(1);
    for (i, slice) in slices.iter_mut().enumerate() {
        slice.added = if slice.added.is_empty() {
            field.clone()
        } else {
            format!("{},{field}", slice.added)
        };
        slice.checkpoint = (i == last).then_some(Checkpoint::at(at));
    }
}

impl Engine {
    /// Loads the ledger and cadences from the states, limits the client to what the day's budget
    /// leaves, decides which runs are due, and logs both.
    pub(super) fn budget(&self, runs: &mut [Run<'_>], states: &HashMap<String, Value>) {
        self.limit_to_budget(states);
        let count = runs.len();
        for (i, run) in runs.iter_mut().enumerate() {
            run.due = self.quota.due(run.sel.def, run.incremental, &self.config);
            run.last = i + 1 == count;
        }
        self.log_quota(runs);
    }

    /// Loads the ledger from the states and limits the client to what the day's budget leaves, keeping
    /// [`RESERVE_PERCENT`] of it for the streams read on every sync. Called before the deletion sweep
    /// (whose requests count against the same budget) and again by the read: requests already sent are
    /// entered in the ledger first, so none is allowed twice.
    pub fn limit_to_budget(&self, states: &HashMap<String, Value>) {
        self.quota.load(states);
        self.quota.record(self.client.requests_sent());
        self.client.limit_requests(self.quota.remaining());
        self.client.reserve_requests(self.reserve());
    }

    /// The requests of the day's budget only the streams read on every sync may spend.
    pub fn reserve(&self) -> u64 {
        self.config.requests_per_day * RESERVE_PERCENT / 100
    }

    /// What the budget leaves this sync beyond the reserve: what a daily task outside the streams read
    /// on every sync (the deletion sweep) may spend, after [`Engine::limit_to_budget`].
    pub fn beyond_reserve(&self) -> u64 {
        self.quota.remaining().saturating_sub(self.reserve())
    }

    /// The state a deferred stream keeps: its last checkpoint (or none yet), and the position of a full
    /// refresh or an unfinished snapshot (`resume.rs`), so the next sync goes on from there.
    pub(super) fn kept_state(&self, run: &Run) -> Value {
        run.saved_state().unwrap_or_else(|| match run.incremental {
            true => json!({}),
            false => json!({"__ab_no_cursor_state_message": true}),
        })
    }

    /// The LOG line of the day's budget before the read, and the per-stream cadence line.
    pub(super) fn log_quota(&self, runs: &[Run<'_>]) {
        let (spent, left) = (self.quota.spent(), self.quota.remaining());
        let mut line = format!(
            "Request budget: {spent} of requests_per_day ({}) spent in the last 24 hours, {left} left for this sync.",
            self.config.requests_per_day
        );
        if left == 0 {
            line.push_str(&format!(
                " The budget is spent: nothing is read; it frees up from {} (the next sync after that goes on from the saved state).",
                fmt_time(self.quota.frees_at(1))
            ));
        }
        self.log(LogLevel::Info, line);
        let per_stream: Vec<String> = runs
            .iter()
            .map(|run| {
                let def = run.sel.def;
                match run.due {
                    Due::FullRefresh => format!("{}: full refresh, read on every sync", def.name),
                    Due::Now { hours } => match self.quota.unfinished(def) {
                        Some(at) => format!(
                            "{}: due ({}; resuming its unfinished snapshot of {})",
                            def.name,
                            self.cadence_note(def, hours),
                            fmt_time(at)
                        ),
                        None => format!("{}: due ({})", def.name, self.cadence_note(def, hours)),
                    },
                    Due::Until { hours, until } => format!(
                        "{}: not due until {} ({}), state kept",
                        def.name,
                        fmt_time(until),
                        self.cadence_note(def, hours)
                    ),
                }
            })
            .collect();
        self.log(
            LogLevel::Info,
            format!("Streams this sync: {}.", per_stream.join("; ")),
        );
    }

    /// A stream's cadence in words, and why when its cost stretched it (`read_costs.rs`).
    fn cadence_note(&self, def: &StreamDef, hours: u32) -> String {
        let word = cadence_word(def, hours);
        let base = cadence_hours(def, &self.config);
        match self.quota.costs.cost(def.name) {
            Some(cost) if hours > base => format!(
                "{word}, not {}: its last read cost {cost} requests, over {}% of requests_per_day a day at that cadence",
                cadence_word(def, base),
                super::read_costs::STREAM_SHARE_PERCENT
            ),
            _ => word,
        }
    }

    /// A stream the budget or Gong's quota stopped: its last honest STATE (with the records written
    /// since), RUNNING with one RATE_LIMITED reason, COMPLETE. Not a failure: the sync exits 0.
    pub(super) fn defer(
        &self,
        run: &mut Run,
        why: &crate::error::Error,
        outcome: &mut ReadOutcome,
    ) {
        let name = run.sel.def.name;
        self.quota.record(self.client.requests_sent());
        // Gong's own quota, when a 429 said it is spent: its reset time and its words.
        let (reset, why) = match self.client.quota_spent() {
            Some((at, gong)) => (at, gong),
            // Stopped with part of the share left: by the reserve (or a hold), so what it waits for is
            // room beyond the reserve; else by the whole share.
            None => match self.quota.remaining() {
                0 => (self.quota.frees_at(1), why.clone()),
                _ => (self.quota.frees_at(self.reserve() + 1), why.clone()),
            },
        };
        // What the part read cost per slice: the unfinished snapshot's next read holds that much.
        let written = run.resume.written() as usize;
        if matches!(run.sel.def.cadence, Cadence::Snapshot(_)) && run.incremental && written >= 10 {
            let requests = run.tally.load(std::sync::atomic::Ordering::Relaxed);
            self.quota.costs.learn(name, requests, written);
        }
        // Its deletion records too (a deferred stream is not a failed one): the sweep's memory moves on,
        // or a company whose history takes days would list every week of calls again each day.
        let carrier = run.incremental && self.write_deletions(run);
        let state = self.kept_state(run);
        self.emit_state_with(name, state, run.since_state, carrier);
        run.since_state = 0;
        self.emit(&Message::StreamStatus {
            stream: name.to_string(),
            status: StreamStatus::Running,
            reasons: vec![RateLimitedReason {
                kind: "RATE_LIMITED",
                rate_limited: RateLimited {
                    quota_reset: reset.timestamp_millis(),
                },
            }],
        });
        self.log(
            LogLevel::Info,
            format!(
                "Stream `{name}` deferred ({} records read in this sync, progress saved); it goes on from its state after {}. {}{}",
                run.total,
                fmt_time(reset),
                why.message,
                self.history_note(run)
            ),
        );
        self.status(name, StreamStatus::Complete);
        outcome.records += run.total;
    }
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::streams::find;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn config() -> Config {
        let v = json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"}});
        Config::from_value(v, t("2026-03-02T09:00:00Z")).unwrap()
    }

    #[test]
    fn a_stream_is_due_once_its_hours_are_over_and_full_refresh_always() {
        let cfg = config();
        let now = t("2026-03-02T09:00:00Z");
        let q = Quota::new(&cfg, now);
        let flows = find("flows").unwrap();
        let calls = find("calls").unwrap();
        assert_eq!(q.due(flows, true, &cfg), Due::Now { hours: 168 });
        q.load(&HashMap::from([(
            "flows".to_string(),
            json!({"cursor": "x", READ_AT_KEY: "2026-03-01T09:00:00Z"}),
        )]));
        assert_eq!(
            q.due(flows, true, &cfg),
            Due::Until {
                hours: 168,
                until: t("2026-03-08T09:00:00Z")
            }
        );
        assert_eq!(q.due(flows, false, &cfg), Due::FullRefresh);
        assert_eq!(q.due(calls, true, &cfg), Due::Now { hours: 0 });
        // Read 23 h 57 min ago with a daily cadence: within the slack, due.
        let q = Quota::new(&cfg, now);
        q.load(&HashMap::from([(
            "coaching".to_string(),
            json!({READ_AT_KEY: "2026-03-01T09:03:00Z"}),
        )]));
        assert_eq!(
            q.due(find("coaching").unwrap(), true, &cfg),
            Due::Now { hours: 24 }
        );
    }

    #[test]
    fn a_snapshot_is_stamped_and_checkpointed_once_read_whole() {
        let def = find("user_settings_history").unwrap();
        let now = t("2026-03-02T09:00:00Z");
        let req = crate::gong::endpoints::USERS.request();
        let mut slices = vec![
            Slice::new(req.clone(), "\"userId\":\"1\"".into(), None),
            Slice::new(req, "\"userId\":\"2\"".into(), None),
        ];
        stamp(def, &mut slices, now);
        assert_eq!(
            slices[0].added,
            "\"userId\":\"1\",\"snapshotAt\":\"2026-03-02T09:00:00Z\""
        );
        assert_eq!(slices[0].checkpoint, None);
        assert_eq!(slices[1].checkpoint, Some(Checkpoint::at(now)));
        // Other streams are left alone.
        let mut calls = slices.clone();
        stamp(find("calls").unwrap(), &mut calls, now);
        assert_eq!(calls[1].added, slices[1].added);
    }

    #[test]
    fn streams_get_the_budget_calls_first_then_periods_then_snapshots() {
        let sel = |name| Selected {
            def: find(name).unwrap(),
            sync_mode: crate::protocol::SyncMode::Incremental,
            include_files: false,
        };
        let ordered = by_priority(&[
            sel("flows"),
            sel("coaching"),
            sel("users"),
            sel("call_transcripts"),
        ]);
        let names: Vec<&str> = ordered.iter().map(|s| s.def.name).collect();
        assert_eq!(names, ["call_transcripts", "coaching", "flows", "users"]);
    }
}
