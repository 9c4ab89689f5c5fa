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
//! The parts: `plan.rs` turns a stream into slices, `producer.rs` fetches a slice (with `pager.rs`, which
//! follows one request chain, `shared.rs`, the parent lists fetched once, and `listings.rs` with
//! `riders.rs`, the windows several streams need, fetched once), `link.rs` carries its pages
//! to the writer through `gate.rs`, and `writer.rs` and `checkpoints.rs` write records and STATEs. This
//! file holds the read loop that ties them together.

pub mod checkpoints;
pub mod costs;
pub mod gate;
pub mod link;
pub mod listings;
pub mod pager;
pub mod per_day;
pub mod plan;
mod private;
pub mod producer;
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
use crate::state::{checkpoint_for, Checkpoint, Selected};
use crate::streams::Lift;

use gate::{Gate, PageSize};
use link::{Event, SliceLink};
pub use pager::{Pager, Part, PART_BYTES, STREAM_ABOVE};
pub use plan::Slice;
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

/// One selected stream's progress through the read.
struct Run<'s> {
    sel: &'s Selected,
    incremental: bool,
    date_only: bool,
    last_checkpoint: Option<Checkpoint>,
    since_state: u64,
    total: u64,
    estimate: u64,
    states_emitted: u32,
    running: bool,
    failed: bool,
    files: Option<Arc<crate::media::FileStaging>>,
    /// call_media's size probes (one per stream and read: the HEAD verdict and in-flight bound).
    probes: Arc<crate::media_probe::Probes>,
    /// Keys written so far, for a stream whose slices overlap (`StreamDef::unique`).
    seen: Option<std::collections::HashSet<String>>,
    page_size: Arc<PageSize>,
    /// Where the stream's slices send their pages; read once the stream is the one being written.
    tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
    /// Started slices not yet checkpointed, in order: (seq, checkpoint, done).
    open: VecDeque<(u64, Option<DateTime<Utc>>, bool)>,
    tasks: Vec<tokio::task::AbortHandle>,
    /// Every slice of the plan has been started (or the plan failed: `plan_error`).
    planned: bool,
    plan_error: Option<Error>,
    /// API requests sent for this stream (see `costs.rs`).
    tally: Arc<AtomicU64>,
    /// The windows the stream fetches for other streams, and those it takes from them (`listings.rs`).
    sharing: listings::Sharing,
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
}

impl Engine {
    pub fn new(client: Arc<GongClient>, config: Arc<Config>, out: SharedOutput) -> Self {
        Engine {
            client,
            config,
            out,
            now: Utc::now(),
            shared: Arc::new(SharedLists::default()),
            listings: Arc::new(listings::Listings::default()),
            carried: Arc::new(listings::Carried::default()),
            refused: Arc::new(AtomicBool::new(false)),
            probes: windows::Probes::default(),
            needs: std::sync::OnceLock::new(),
            rides: std::sync::OnceLock::new(),
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
        // A stream taking its windows from another is read after it.
        let selected = listings::provider_first(selected);
        let _ = self.rides.set(listings::rides(&selected));
        let mut runs: Vec<Run> = selected
            .iter()
            .map(|&sel| {
                let (tx, rx) = mpsc::unbounded_channel();
                Run {
                    sel,
                    incremental: sel.sync_mode == SyncMode::Incremental,
                    date_only: sel.def.plan.dates_only(),
                    last_checkpoint: None,
                    since_state: 0,
                    total: 0,
                    estimate: 0,
                    states_emitted: 0,
                    running: false,
                    failed: false,
                    // Airbyte file transfer: the catalog asks for the files of a stream of file records.
                    files: (sel.include_files && sel.def.lift == Lift::CallMedia)
                        .then(|| Arc::new(crate::media::FileStaging::from_env(concurrency))),
                    probes: Arc::new(crate::media_probe::Probes::new(
                        self.config.call_media_probe,
                    )),
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
                }
            })
            .collect();
        let mut plans = self.plan_all(&mut runs, states).await;
        share(&mut runs, &mut plans);
        self.probes.clear();
        let costs = self.log_plan(&runs, &plans);

        let running = Arc::new(AtomicUsize::new(0));
        let n = runs.len();
        // The stream being written, and the next stream whose slices are being started.
        let mut current = 0;
        let mut next_plan = 0;
        let mut slices: Option<std::vec::IntoIter<Slice>> = None;
        let mut seq = 0u64;
        let mut began = false;
        let mut outcome = ReadOutcome::default();
        while current < n {
            // Start slices: all of the stream being written, and later ones while few enough run.
            while next_plan < n {
                let i = next_plan;
                if slices.is_none() {
                    let Some(plan) = plans[i].take() else {
                        next_plan += 1;
                        continue;
                    };
                    match plan {
                        Ok(planned) => slices = Some(planned.into_iter()),
                        Err(e) => runs[i].plan_error = Some(e),
                    }
                }
                let ahead = i != current && running.load(Ordering::Relaxed) >= LOOKAHEAD_SLICES;
                if ahead {
                    break;
                }
                match slices.as_mut().and_then(Iterator::next) {
                    Some(slice) => {
                        let checkpoint = slice.checkpoint;
                        let task = self.start(&runs[i], slice, seq, &gate, &running);
                        runs[i].open.push_back((seq, checkpoint, false));
                        runs[i].tasks.push(task);
                        if i == current {
                            gate.set_front(seq);
                        }
                        seq += 1;
                    }
                    None => {
                        runs[i].planned = true;
                        slices = None;
                        next_plan += 1;
                    }
                }
            }

            let run = &mut runs[current];
            if !began {
                began = true;
                self.status(run.sel.def.name, StreamStatus::Started);
                // Slices of this stream started ahead may now use the front's lane.
                if let Some(&(last, _, _)) = run.open.back() {
                    gate.set_front(last);
                }
            }
            if let Some(e) = run.plan_error.take() {
                self.fail(run, e, &mut outcome);
                current += 1;
                began = false;
                continue;
            }
            if run.open.is_empty() {
                if run.planned {
                    self.finish(run);
                    outcome.records += run.total;
                    current += 1;
                    began = false;
                }
                // Otherwise the loop above starts the stream's next slice.
                continue;
            }
            let result = match run.rx.recv().await {
                Some(Event::Page(buffered)) => self.write_page(run, &buffered),
                Some(Event::Done(done, Ok(()))) => {
                    self.close_slice(run, done);
                    Ok(())
                }
                Some(Event::Done(_, Err(e))) => Err(e),
                None => Err(Error::system(format!(
                    "The readers of stream `{}` stopped without finishing.",
                    run.sel.def.name
                ))),
            };
            if let Err(e) = result {
                // The stream's other slices stop now; the other streams go on.
                for task in run.tasks.drain(..) {
                    task.abort();
                }
                run.open.clear();
                // Pages already sent hold room in the gate: drop them, or the next stream waits forever.
                run.rx.close();
                while run.rx.try_recv().is_ok() {}
                if next_plan == current {
                    slices = None;
                    next_plan += 1;
                }
                self.fail(run, e, &mut outcome);
                current += 1;
                began = false;
            }
            if crate::protocol::stdout_closed() {
                break;
            }
        }
        for run in &mut runs {
            for task in run.tasks.drain(..) {
                task.abort();
            }
        }
        self.log(
            LogLevel::Info,
            costs::end_line(&costs, self.client.requests_sent()),
        );
        self.log(
            LogLevel::Info,
            format!(
                "Read {} records from {} streams with {} requests ({} retried, {} rate-limited, {} pages resumed after breaking off).",
                outcome.records,
                selected.len(),
                self.client.requests_sent(),
                self.client.stats.retries.load(Ordering::Relaxed),
                self.client.stats.rate_limited.load(Ordering::Relaxed),
                self.client.stats.resumed_pages.load(Ordering::Relaxed)
            ),
        );
        outcome
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
        let key = listings::key(&slice.request);
        let tap = (run.sharing.ids.get(&key)).map(|&n| self.listings.open(key.clone(), n));
        let carry = match (run.sharing.pages.get(&key), run.sharing.ride) {
            (Some(&n), Some(ride)) => Some((self.carried.open(key, n), ride)),
            _ => None,
        };
        let ctx = Producer {
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
        };
        let done = run.tx.clone();
        let name = run.sel.def.name;
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
        tokio::spawn(crate::client::PRIORITY.scope(seq, task)).abort_handle()
    }

    /// Plans every selected stream at once (plans that need a parent list fetch it concurrently), each
    /// with its stream's request tally, and waits for all: the cost of the sync is known before it
    /// starts. Streams taking ids from another selected stream's listing are planned once the others are.
    async fn plan_all(
        self: &Arc<Self>,
        runs: &mut [Run<'_>],
        states: &HashMap<String, Value>,
    ) -> Vec<Option<Result<Vec<Slice>>>> {
        // A stream taking its windows from another selected stream is planned after it: its windows'
        // first pages are then the provider's (`windows.rs`), which pays for them.
        let order: Vec<&Selected> = runs.iter().map(|r| r.sel).collect();
        let follows: Vec<bool> = (0..runs.len())
            .map(|i| listings::provider_of(&order, i).is_some())
            .collect();
        let mut plans: Vec<Option<Result<Vec<Slice>>>> = runs.iter().map(|_| None).collect();
        for phase in [false, true] {
            let mut handles = Vec::new();
            for (i, run) in runs.iter_mut().enumerate() {
                if follows[i] != phase {
                    continue;
                }
                let def = run.sel.def;
                let saved = if run.incremental {
                    checkpoint_for(def.name, states.get(def.name))
                } else {
                    Ok(None)
                };
                if let Ok(saved) = &saved {
                    run.last_checkpoint = saved.clone();
                }
                let engine = self.clone();
                let task = async move {
                    let saved = saved?;
                    engine.plan(def, saved.as_ref()).await
                };
                let task = crate::client::TALLY.scope(run.tally.clone(), task);
                handles.push((i, def.name, tokio::spawn(task)));
            }
            for (i, name, handle) in handles {
                plans[i] = Some(handle.await.unwrap_or_else(|join| {
                    Err(Error::system(format!(
                        "Planning stream `{name}` crashed: {join}"
                    )))
                }));
            }
        }
        plans
    }

    /// Logs the planned requests (see `costs.rs`) and returns the rows the end's line reads.
    fn log_plan(&self, runs: &[Run<'_>], plans: &[Option<Result<Vec<Slice>>>]) -> costs::Costs {
        let estimates: Vec<Option<plan::cost::Estimate>> = runs
            .iter()
            .zip(plans)
            .map(|(run, plan)| match plan {
                // A rider's windows taken from its provider cost it nothing, probed or not.
                Some(Ok(slices)) if run.sel.def.rides.is_some() => {
                    let own: Vec<Slice> = slices
                        .iter()
                        .filter(|s| !run.sharing.takes.contains(&listings::key(&s.request)))
                        .cloned()
                        .collect();
                    let known = self.known(&own, &listings::Sharing::default());
                    Some(run.sel.def.plan.estimate(&own, known))
                }
                Some(Ok(slices)) => {
                    let known = self.known(slices, &run.sharing);
                    Some(run.sel.def.plan.estimate(slices, known))
                }
                _ => None,
            })
            .collect();
        let rows = cost_rows(runs, &estimates);
        for (level, line) in costs::plan_lines(&rows, self.config.requests_per_day) {
            self.log(level, line);
        }
        costs::Costs {
            planned: costs::planned_total(&rows),
            rows,
        }
    }

    /// What the estimate of a stream's slices needs to know beyond them.
    fn known(&self, slices: &[Slice], sharing: &listings::Sharing) -> plan::cost::Known {
        plan::cost::Known {
            list_fetched: slices
                .iter()
                .any(|s| s.shared && self.shared.fetched(&s.request)),
            taken: slices
                .iter()
                .filter(|s| s.first.is_none() && sharing.takes.contains(&listings::key(&s.request)))
                .count(),
            users: self
                .shared
                .records(&crate::gong::endpoints::USERS.request()),
        }
    }
}

/// Plans which windows the runs fetch for each other (`listings.rs`), and makes the requests of windows
/// a rider takes ask for its field too (`riders.rs`).
fn share(runs: &mut [Run<'_>], plans: &mut [Option<Result<Vec<Slice>>>]) {
    let order: Vec<&Selected> = runs.iter().map(|r| r.sel).collect();
    let views: Vec<Option<&[Slice]>> = plans
        .iter()
        .map(|p| p.as_ref()?.as_ref().ok().map(Vec::as_slice))
        .collect();
    let sharing = listings::plan(&order, &views);
    for ((run, sharing), plan) in runs.iter_mut().zip(sharing).zip(plans.iter_mut()) {
        run.sharing = sharing;
        let (Some(ride), Some(Ok(slices))) = (run.sharing.ride, plan.as_mut()) else {
            continue;
        };
        for slice in slices {
            let key = listings::key(&slice.request);
            if run.sharing.pages.contains_key(&key)
                && riders::ask_for(&mut slice.request, ride.exposed)
            {
                slice.extra = Some(ride.exposed);
            }
        }
    }
}

/// The cost rows of the runs: their tallies and, when given, their estimates.
fn cost_rows(
    runs: &[Run<'_>],
    estimates: &[Option<plan::cost::Estimate>],
) -> Vec<costs::StreamCost> {
    runs.iter()
        .enumerate()
        .map(|(i, run)| costs::StreamCost {
            name: run.sel.def.name,
            estimate: estimates.get(i).copied().flatten(),
            tally: run.tally.clone(),
        })
        .collect()
}
