//! The sync engine: reads the selected streams and writes their records, STATEs and statuses.
//!
//! The engine reads each selected stream as an ordered list of [`Slice`]s (see `state.rs` for the
//! checkpoint model). Streams are written one after another; inside the stream being written (the
//! *front*) every slice fetches at once and records are written as they arrive, a page in parts of about
//! [`PART_BYTES`] while its body is still on the wire ([`Pager::next_part`], `splitter.rs`). Every stream
//! is planned at once and up to [`LOOKAHEAD_SLICES`] slices of the next streams fetch ahead, whole pages.
//! `gate.rs` bounds the requests in flight (`max_concurrent_requests`, oldest slice first), the bytes
//! fetched ahead ([`BUFFER_BUDGET_BYTES`]) and the front's parts waiting for the writer. A STATE follows
//! a slice only once it and every slice before it are written, so a STATE never claims data that was not
//! emitted.
//!
//! The parts: `planning.rs` plans every stream before the first record and logs what it will cost (with
//! `plan.rs`, which turns a stream into slices, and `costs.rs`), `producer.rs` fetches a slice (with
//! `pager.rs`, which follows one request chain, `shared.rs`, the parent lists fetched once, and
//! `listings.rs` with `riders.rs`, the windows several streams need, fetched once), `link.rs` carries its
//! pages to the writer through `gate.rs`, and `writer.rs` and `checkpoints.rs` write records and STATEs.
//! This file holds the read loop that ties them together: plan, start slices, write one stream at a
//! time, log the end.

pub mod checkpoints;
pub mod costs;
mod deletes;
pub mod gate;
mod history;
pub mod link;
pub mod listings;
pub mod pager;
pub mod per_day;
pub mod plan;
mod planning;
mod private;
pub mod producer;
pub mod quota;
pub mod read_costs;
mod resume;
pub mod riders;
pub mod shared;
pub mod splitter;
pub mod windows;
pub mod writer;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::client::GongClient;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::protocol::{LogLevel, Message, Output, StreamStatus, SyncMode};
use crate::state::{Checkpoint, Selected};
use crate::streams::Lift;

use gate::{Gate, PageSize};
use link::{Event, SliceLink};
pub use pager::{Pager, Part, PART_BYTES, STREAM_ABOVE};
pub use plan::Slice;
use planning::Planned;
use producer::Producer;
use shared::{Needs, SharedLists};

/// The one place protocol output goes during a read; shared with the client for CONTROL messages.
pub type SharedOutput = Arc<Mutex<Output>>;

/// Bytes of fetched pages of the next streams that may wait while the current one is written (see
/// `gate.rs`); transcript pages run to megabytes, so this is a byte bound, not a page count. It is what
/// keeps the budget busy across stream boundaries at 3 requests/s and 0.3-1.5 s latency (bench/RESULTS.md).
pub const BUFFER_BUDGET_BYTES: usize = 16 << 20;

/// Running slices (of every stream) above which no slice of a later stream is started; the stream being
/// written starts all of its own. A waiting slice costs a task; the gate decides which may fetch.
pub const LOOKAHEAD_SLICES: usize = 64;

/// Outcome of a read: which streams failed.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    pub failures: Vec<(String, Error)>,
    pub records: u64,
}

/// The held deferral of `run` (see `Engine::write_next`), once no slice before it is open.
fn release(run: &mut Run<'_>) -> Result<()> {
    let front = run.open.front().map(|&(seq, _, _)| seq);
    match &run.held {
        Some((seq, _)) if front.is_none_or(|f| f >= *seq) => match run.held.take() {
            Some((_, e)) => Err(e),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// One selected stream's progress through the read.
struct Run<'s> {
    sel: &'s Selected,
    incremental: bool,
    date_only: bool,
    last_checkpoint: Option<Checkpoint>,
    /// The checkpoint the read started from (the saved state's).
    saved: Option<Checkpoint>,
    since_state: u64,
    total: u64,
    estimate: u64,
    states_emitted: u32,
    running: bool,
    failed: bool,
    files: Option<Arc<crate::media::FileStaging>>,
    /// call_media's size probes (one per stream and read: the HEAD verdict and in-flight bound).
    probes: Arc<crate::media::probe::Probes>,
    /// Keys written so far, for a stream whose slices overlap (`StreamDef::unique`).
    seen: Option<std::collections::HashSet<String>>,
    page_size: Arc<PageSize>,
    /// Where the stream's slices send their pages; read once the stream is the one being written.
    tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
    /// Started slices not yet checkpointed, in order: (seq, checkpoint, done).
    open: VecDeque<(u64, Option<Checkpoint>, bool)>,
    tasks: Vec<tokio::task::AbortHandle>,
    /// Every slice of the plan has been started (or the plan failed: `plan_error`).
    planned: bool,
    plan_error: Option<Error>,
    /// API requests sent for this stream (see `costs.rs`).
    tally: Arc<AtomicU64>,
    /// The windows the stream fetches for other streams, and those it takes from them (`listings.rs`).
    sharing: listings::Sharing,
    /// A full-refresh or snapshot stream's written slices, for its resume STATE (`resume.rs`).
    resume: resume::Resume,
    /// A slice the budget stopped while slices before it were still open: the stream is deferred once
    /// they are written (see `write_next`).
    held: Option<(u64, Error)>,
    /// Whether the stream is read in this sync (`quota.rs`: its cadence).
    due: quota::Due,
    /// The last stream of the read: its final STATE carries the read's whole ledger.
    last: bool,
    /// What a due period or snapshot keeps from history until it is read (`quota.rs`).
    hold: Option<Hold>,
}

/// A due period's or snapshot's hold on the budget, and what it was for.
struct Hold {
    /// The requests it still keeps from history (drawn by its slices' requests).
    left: Arc<AtomicU64>,
    /// The requests held: what its due slices were planned to cost (`read_costs.rs`).
    need: u64,
    /// Its slices newer than history, and with them those an earlier sync read of an unfinished
    /// snapshot.
    due_slices: usize,
    all_slices: usize,
}

impl<'s> Run<'s> {
    /// A selected stream before its plan: nothing written, nothing started.
    fn new(sel: &'s Selected, concurrency: usize, call_media_probe: bool) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Run {
            sel,
            incremental: sel.sync_mode == SyncMode::Incremental,
            date_only: sel.def.plan.dates_only(),
            last_checkpoint: None,
            saved: None,
            since_state: 0,
            total: 0,
            estimate: 0,
            states_emitted: 0,
            running: false,
            failed: false,
            // Airbyte file transfer: the catalog asks for the files of a stream of file records.
            files: (sel.include_files && sel.def.lift == Lift::CallMedia)
                .then(|| Arc::new(crate::media::FileStaging::from_env(concurrency))),
            probes: Arc::new(crate::media::probe::Probes::new(call_media_probe)),
            seen: sel.def.unique.then(Default::default),
            page_size: Arc::new(PageSize::new()),
            tx,
            rx,
            open: VecDeque::new(),
            tasks: Vec::new(),
            planned: false,
            plan_error: None,
            tally: Arc::new(AtomicU64::new(0)),
            sharing: listings::Sharing::default(),
            resume: resume::Resume::default(),
            held: None,
            due: quota::Due::Now { hours: 0 },
            last: false,
            hold: None,
        }
    }

    /// Stops the stream's slices after it failed.
    fn stop(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
        self.open.clear();
        // Pages already sent hold room in the gate: drop them, or the next stream waits forever.
        self.rx.close();
        while self.rx.try_recv().is_ok() {}
    }
}

/// Where the read loop stands: the stream being written, and the next stream whose slices are being
/// started with the rest of its plan.
#[derive(Default)]
struct Schedule {
    /// The stream being written.
    current: usize,
    /// The stream whose slices are being started (the current one or a later one).
    next_plan: usize,
    /// The slices of `next_plan` not started yet.
    slices: Option<std::vec::IntoIter<Slice>>,
    /// The number of the next slice started: slices are numbered in output order (`gate.rs`).
    seq: u64,
    /// The stream being written has had its STARTED status.
    began: bool,
}

impl Schedule {
    /// The stream being written is done with (finished or failed): the next one is written.
    fn next_stream(&mut self) {
        self.current += 1;
        self.began = false;
    }
}

/// Decrements the count of running slices however a producer ends (finished, failed or aborted).
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

pub struct Engine {
    pub client: Arc<GongClient>,
    pub config: Arc<Config>,
    pub out: SharedOutput,
    pub now: DateTime<Utc>,
    shared: Arc<SharedLists>,
    listings: Arc<listings::Listings>,
    carried: Arc<listings::Carried>,
    /// Gong refused a rider's field (HTTP 403): providers read their windows without it.
    refused: Arc<AtomicBool>,
    probes: windows::Probes,
    needs: std::sync::OnceLock<Needs>,
    /// Per provider stream, the field a selected rider of its pages needs (`listings::rides`).
    rides: std::sync::OnceLock<HashMap<&'static str, &'static str>>,
    /// What this sync's deletion sweep found (`deletions/`, written by `deletes.rs`).
    pub deletions: Option<Arc<crate::deletions::Pending>>,
    /// The day's budget (the ledger) and the streams' cadences (`quota.rs`).
    quota: quota::Quota,
}

impl Engine {
    pub fn new(client: Arc<GongClient>, config: Arc<Config>, out: SharedOutput) -> Self {
        let now = crate::clock::now();
        Engine {
            quota: quota::Quota::new(&config, now),
            client,
            config,
            out,
            now,
            shared: Arc::new(SharedLists::default()),
            listings: Arc::new(listings::Listings::default()),
            carried: Arc::new(listings::Carried::default()),
            refused: Arc::new(AtomicBool::new(false)),
            probes: windows::Probes::default(),
            needs: std::sync::OnceLock::new(),
            rides: std::sync::OnceLock::new(),
            deletions: None,
        }
    }

    fn emit(&self, message: &Message) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.emit(message);
    }

    fn log(&self, level: LogLevel, message: String) {
        self.emit(&Message::Log { level, message });
    }

    fn status(&self, stream: &str, status: StreamStatus) {
        self.emit(&Message::StreamStatus {
            stream: stream.to_string(),
            status,
            reasons: Vec::new(),
        });
    }

    /// Reads every selected stream; a failing stream does not stop the others.
    ///
    /// Streams are written one after another. Inside the stream being written every slice fetches at
    /// once, and pages are written as they arrive, whatever their slice; a STATE follows when the oldest
    /// open slices are all done, with the checkpoint of the last of them, so a STATE never claims a record
    /// that was not written. Slices of the next streams (while fewer than [`LOOKAHEAD_SLICES`] run) fetch
    /// ahead into the gate's pool, so a stream boundary never idles the request budget.
    pub async fn read(
        self: &Arc<Self>,
        selected: &[Selected],
        states: &HashMap<String, Value>,
    ) -> ReadOutcome {
        let _ = self.needs.set(Needs::of(selected, &self.config));
        let concurrency = self.config.max_concurrent_requests.max(1);
        let gate = Gate::new(concurrency, BUFFER_BUDGET_BYTES);
        // New calls first, then periods, then snapshots (`quota.rs`); a stream taking its windows from
        // another is read after it.
        let ordered = quota::by_priority(selected);
        let selected = listings::provider_first(&ordered);
        let _ = self.rides.set(listings::rides(&selected));
        let mut runs: Vec<Run> = selected
            .iter()
            .map(|&sel| Run::new(sel, concurrency, self.config.call_media_probe))
            .collect();
        self.budget(&mut runs, states);
        let (plans, costs) = self.prepare(&mut runs, states).await;
        self.log_history(&runs);
        let outcome = self.drive(&mut runs, plans, &gate).await;
        self.log_end(&costs, &outcome, selected.len());
        outcome
    }

    /// Writes the runs one after another until every one has finished or failed (or stdout closed),
    /// starting their slices as the lookahead allows; then stops every slice still running.
    async fn drive(
        &self,
        runs: &mut [Run<'_>],
        mut plans: Vec<Planned>,
        gate: &Arc<Gate>,
    ) -> ReadOutcome {
        let running = Arc::new(AtomicUsize::new(0));
        let mut at = Schedule::default();
        let mut outcome = ReadOutcome::default();
        while at.current < runs.len() {
            self.start_slices(runs, &mut plans, &mut at, gate, &running);
            let waited = self.turn(runs, &mut at, gate, &mut outcome).await;
            if waited && crate::protocol::stdout_closed() {
                break;
            }
        }
        for run in runs.iter_mut() {
            for task in run.tasks.drain(..) {
                task.abort();
            }
        }
        outcome
    }

    /// Starts slices: all of the stream being written, and later ones while fewer than
    /// [`LOOKAHEAD_SLICES`] run. A plan that failed is left on its run for [`Engine::turn`] to report.
    fn start_slices(
        &self,
        runs: &mut [Run<'_>],
        plans: &mut [Planned],
        at: &mut Schedule,
        gate: &Arc<Gate>,
        running: &Arc<AtomicUsize>,
    ) {
        while at.next_plan < runs.len() {
            let i = at.next_plan;
            if at.slices.is_none() {
                let Some(plan) = plans[i].take() else {
                    at.next_plan += 1;
                    continue;
                };
                match plan {
                    Ok(planned) => at.slices = Some(planned.into_iter()),
                    Err(e) => runs[i].plan_error = Some(e),
                }
            }
            let ahead = i != at.current && running.load(Ordering::Relaxed) >= LOOKAHEAD_SLICES;
            if ahead {
                break;
            }
            match at.slices.as_mut().and_then(Iterator::next) {
                Some(slice) => {
                    let checkpoint = slice.checkpoint;
                    if runs[i].resume.tracks(runs[i].incremental) {
                        runs[i].resume.started(at.seq, &slice);
                    }
                    let task = self.start(&runs[i], slice, at.seq, gate, running);
                    runs[i].open.push_back((at.seq, checkpoint, false));
                    runs[i].tasks.push(task);
                    if i == at.current {
                        gate.set_front(at.seq);
                    }
                    at.seq += 1;
                }
                None => {
                    runs[i].planned = true;
                    at.slices = None;
                    at.next_plan += 1;
                }
            }
        }
    }

    /// One step of writing the stream being written: its STARTED status on its first step, then its
    /// plan's failure, its end, or its next event (a page, or a slice's end and the STATE it completes).
    /// Returns whether it waited for an event: a step that only moved on needs no look at stdout.
    async fn turn(
        &self,
        runs: &mut [Run<'_>],
        at: &mut Schedule,
        gate: &Gate,
        outcome: &mut ReadOutcome,
    ) -> bool {
        let run = &mut runs[at.current];
        if !at.began {
            at.began = true;
            self.status(run.sel.def.name, StreamStatus::Started);
            // Slices of this stream started ahead may now use the front's lane.
            if let Some(&(last, _, _)) = run.open.back() {
                gate.set_front(last);
            }
        }
        if let Some(e) = run.plan_error.take() {
            self.fail(run, e, outcome);
            self.leave(run, at);
            return false;
        }
        if run.open.is_empty() {
            if run.planned {
                self.finish(run);
                outcome.records += run.total;
                self.leave(run, at);
            }
            // Otherwise `start_slices` starts the stream's next slice.
            return false;
        }
        if let Err(e) = self.write_next(run).await {
            // The stream's other slices stop now; the other streams go on.
            run.stop();
            if at.next_plan == at.current {
                at.slices = None;
                at.next_plan += 1;
            }
            self.fail(run, e, outcome);
            self.leave(run, at);
        }
        true
    }

    /// The stream being written is done with (finished, failed or deferred): what it held from history
    /// goes back to the budget, and the next stream is written.
    fn leave(&self, run: &mut Run<'_>, at: &mut Schedule) {
        if let Some(hold) = run.hold.take() {
            self.client.release_hold(&hold.left);
        }
        at.next_stream();
    }

    /// Writes the stream's next event: a page, or a slice's end (and any STATE it completes). A slice the
    /// day's budget stopped (history keeps the reserve, so it may stop before newer slices are done)
    /// defers the stream only once the slices before it are written, so their STATEs are not lost.
    async fn write_next(&self, run: &mut Run<'_>) -> Result<()> {
        match run.rx.recv().await {
            Some(Event::Page(buffered)) => self.write_page(run, &buffered),
            Some(Event::Done(done, Ok(()))) => {
                self.close_slice(run, done);
                release(run)
            }
            Some(Event::Done(done, Err(e))) if quota::defers(&e) => {
                if run.held.as_ref().is_none_or(|(seq, _)| done < *seq) {
                    run.held = Some((done, e));
                }
                release(run)
            }
            Some(Event::Done(_, Err(e))) => Err(e),
            None => Err(Error::system(format!(
                "The readers of stream `{}` stopped without finishing.",
                run.sel.def.name
            ))),
        }
    }

    /// The end's LOG lines: requests per stream against the plan, then the read's totals.
    fn log_end(&self, costs: &costs::Costs, outcome: &ReadOutcome, streams: usize) {
        self.log(
            LogLevel::Info,
            costs::end_line(costs, self.client.requests_sent()),
        );
        self.log(
            LogLevel::Info,
            format!(
                "Read {} records from {} streams with {} requests ({} retried, {} rate-limited, {} pages resumed after breaking off).",
                outcome.records,
                streams,
                self.client.requests_sent(),
                self.client.stats.retries.load(Ordering::Relaxed),
                self.client.stats.rate_limited.load(Ordering::Relaxed),
                self.client.stats.resumed_pages.load(Ordering::Relaxed)
            ),
        );
    }

    /// Spawns the producer of one slice; it reports to the stream's channel, and its end (even a panic)
    /// as [`Event::Done`].
    fn start(
        &self,
        run: &Run,
        slice: Slice,
        seq: u64,
        gate: &Arc<Gate>,
        running: &Arc<AtomicUsize>,
    ) -> tokio::task::AbortHandle {
        use futures_util::FutureExt;
        let link = SliceLink {
            seq,
            gate: gate.clone(),
            tx: run.tx.clone(),
            page_size: run.page_size.clone(),
            sent_first: AtomicBool::new(false),
        };
        let ctx = self.producer(run, &slice);
        let done = run.tx.clone();
        let name = run.sel.def.name;
        let history = slice.history;
        running.fetch_add(1, Ordering::Relaxed);
        let guard = Running(running.clone());
        let task = async move {
            let _running = guard;
            let result = std::panic::AssertUnwindSafe(ctx.produce(slice, link))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    Err(Error::system(format!(
                        "A reader task of stream `{name}` crashed."
                    )))
                });
            let _ = done.send(Event::Done(seq, result));
        };
        // The budget serves the slice the writer needs first (see `client::PRIORITY`); its requests
        // count against its stream (`client::TALLY`).
        let task = crate::client::TALLY.scope(run.tally.clone(), task);
        let task = crate::client::SPEND.scope(quota::slice_spend(run, history), task);
        tokio::spawn(crate::client::PRIORITY.scope(seq, task)).abort_handle()
    }

    /// The producer of one slice of `run`, with the engine's shared lists; when the slice reads a window
    /// other streams take (`listings.rs`), the window's tap is opened here, before the slice runs.
    fn producer(&self, run: &Run, slice: &Slice) -> Producer {
        let key = listings::key(&slice.request);
        let tap = (run.sharing.ids.get(&key)).map(|&n| self.listings.open(key.clone(), n));
        let carry = match (run.sharing.pages.get(&key), run.sharing.ride) {
            (Some(&n), Some(ride)) => Some((self.carried.open(key, n), ride)),
            _ => None,
        };
        Producer {
            client: self.client.clone(),
            shared: self.shared.clone(),
            listings: self.listings.clone(),
            carried: self.carried.clone(),
            tap: std::sync::Mutex::new(tap),
            carry: std::sync::Mutex::new(carry),
            refused: self.refused.clone(),
            sent: AtomicBool::new(false),
            def: run.sel.def,
            files: run.files.clone(),
            probes: run.probes.clone(),
            exclude_private: self.config.exclude_private_calls,
            days: Default::default(),
        }
    }
}
