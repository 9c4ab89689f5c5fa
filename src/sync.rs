//! The generic pager and sync engine.
//!
//! [`Pager`] follows Gong's pagination rules for any endpoint: the cursor goes in the query of a GET and in
//! the JSON body of a POST (Gong ignores a POST's query cursor and serves page 0 again), the chain stops
//! when a page has no `records.cursor`, and an endpoint's "no data" 404 is an empty result.
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

use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::{mpsc, OnceCell};

use crate::client::{ApiRequest, Attempts, Body, BodyFailure, GongClient, Reply};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::gate::{Gate, PageSize, Room, Ticket};
use crate::protocol::{now_millis, LogLevel, Message, Output, StreamStatus, SyncMode};
use crate::splitter::PageSplitter;
use crate::state::{checkpoint_for, Checkpoint, Selected};
use crate::streams::{Lift, Plan, StreamDef};

/// The one place protocol output goes during a read; shared with the client for CONTROL messages.
pub type SharedOutput = Arc<Mutex<Output>>;

/// Gong's page size; batches of call ids follow it.
pub const PAGE_SIZE: usize = 100;

/// One page of records, kept as the bytes Gong sent.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub body: Bytes,
    /// Byte ranges of each record inside `body`.
    pub records: Vec<Range<usize>>,
    pub total_records: Option<u64>,
}

impl Page {
    pub fn record(&self, i: usize) -> &str {
        let bytes = &self.body[self.records[i].clone()];
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: every range is the span of a `&str` (a RawValue's text) that serde_json parsed out
        // of `body` and checked to be UTF-8 (`parse_page`), and `body` is immutable. Checking again
        // here cost a tenth of the connector's CPU.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Records parsed as values, for parent lists (workspaces, users, folders).
    pub fn values(&self) -> Vec<Value> {
        (0..self.len())
            .filter_map(|i| serde_json::from_str(self.record(i)).ok())
            .collect()
    }
}

#[derive(Deserialize)]
struct Records {
    #[serde(rename = "totalRecords")]
    total_records: Option<u64>,
    cursor: Option<String>,
}

/// Splits a page into record byte ranges without building the records.
/// A page split into record ranges, with `records.totalRecords` and `records.cursor`.
pub type ParsedPage = (Vec<Range<usize>>, Option<u64>, Option<String>);

pub fn parse_page(body: &[u8], record_key: &str) -> std::result::Result<ParsedPage, String> {
    // One pass over the body: the record array is split into raw spans as it is read, `records` is
    // parsed, and every other field is skipped without building it.
    let mut de = serde_json::Deserializer::from_slice(body);
    let (items, records) = PageSeed { record_key }
        .deserialize(&mut de)
        .and_then(|parsed| de.end().map(|()| parsed))
        .map_err(|e| format!("the body is not a JSON object with `{record_key}`: {e}"))?;
    let (total, cursor) = match records {
        Some(r) => (r.total_records, r.cursor.filter(|c| !c.is_empty())),
        None => (None, None),
    };
    let base = body.as_ptr() as usize;
    let ranges = items
        .iter()
        .map(|item| {
            let start = item.get().as_ptr() as usize - base;
            start..start + item.get().len()
        })
        .collect();
    Ok((ranges, total, cursor))
}

/// Reads a page's top level in one pass: the records under `record_key` as raw spans, and `records`.
struct PageSeed<'k> {
    record_key: &'k str,
}

type PageParts<'de> = (Vec<&'de RawValue>, Option<Records>);

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = PageParts<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = PageParts<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        let mut records = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.record_key {
                items = map
                    .next_value::<Option<Vec<&'de RawValue>>>()?
                    .unwrap_or_default();
            } else if key == "records" {
                records = map.next_value::<Option<Records>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok((items, records))
    }
}

/// The raw value of `key` when it is the record's first field, as Gong writes `callId` and
/// `metaData`; `None` otherwise (the caller then parses the whole record). Reads only that value.
fn leading_field<'a>(record: &'a str, key: &str) -> Option<&'a str> {
    let rest = record.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest
        .strip_prefix('"')?
        .strip_prefix(key)?
        .strip_prefix('"')?;
    let rest = rest.trim_start().strip_prefix(':')?;
    let mut de = serde_json::Deserializer::from_str(rest);
    <&RawValue>::deserialize(&mut de).ok().map(RawValue::get)
}

/// Bytes of complete records a streamed page (one over [`STREAM_ABOVE`]) collects before it hands them
/// on: a transcript page of 1-8 MiB goes in 4-32 parts and never sits whole in memory.
pub const PART_BYTES: usize = 256 << 10;

/// Records of a page handed out by [`Pager::next_part`].
pub struct Part {
    /// The records, with `total_records` on the first part of the page that knows it.
    pub page: Page,
    /// This part ends its page.
    pub last: bool,
    /// The page's size in bytes so far (all of it on the last part).
    pub page_bytes: usize,
}

/// Pages up to this size are read whole and split in one pass (`parse_page`); larger ones are read as
/// they arrive, in parts (`PageSplitter`, which costs a second, structural pass over the bytes).
pub const STREAM_ABOVE: usize = 1 << 20;

/// How a page's body is being read.
enum Reading {
    /// Into one buffer, split when it is whole.
    Whole(Vec<u8>),
    /// As it arrives: records go out while the rest is on the wire.
    Split(PageSplitter),
}

impl Reading {
    fn new(record_key: &str, content_length: Option<u64>, whole: bool) -> Reading {
        match content_length.map(|n| n.min(256 << 20) as usize) {
            Some(n) if whole || n <= STREAM_ABOVE => Reading::Whole(Vec::with_capacity(n)),
            None if whole => Reading::Whole(Vec::new()),
            n => Reading::Split(PageSplitter::with_capacity(
                record_key,
                n.unwrap_or(usize::MAX).min(PART_BYTES + (64 << 10)),
            )),
        }
    }

    fn push(&mut self, chunk: &[u8]) -> std::result::Result<(), String> {
        match self {
            Reading::Whole(buf) => {
                buf.extend_from_slice(chunk);
                Ok(())
            }
            Reading::Split(splitter) => splitter.push(chunk),
        }
    }

    /// Bytes of whole records that could go out before the page ends.
    fn ready_bytes(&self) -> usize {
        match self {
            Reading::Whole(_) => 0,
            Reading::Split(splitter) => splitter.ready_bytes(),
        }
    }

    /// The records complete so far, with the page's total if it is known yet.
    fn take(&mut self) -> Page {
        match self {
            Reading::Whole(_) => Page::default(),
            Reading::Split(splitter) => {
                let part = splitter.take();
                Page {
                    body: part.body,
                    records: part.records,
                    total_records: splitter.total_records(),
                }
            }
        }
    }

    /// The body has ended: the remaining records (with the page's total) and the next cursor.
    fn finish(&mut self, record_key: &str) -> std::result::Result<(Page, Option<String>), String> {
        match self {
            Reading::Whole(buf) => {
                let (records, total_records, cursor) = parse_page(buf, record_key)?;
                let body = Bytes::from(std::mem::take(buf));
                let page = Page {
                    body,
                    records,
                    total_records,
                };
                Ok((page, cursor))
            }
            Reading::Split(splitter) => {
                splitter.finish()?;
                let cursor = splitter.cursor();
                Ok((self.take(), cursor))
            }
        }
    }
}

/// A page being read.
struct OpenPage {
    request: ApiRequest,
    body: Body,
    attempts: Attempts,
    /// Read whole, whatever its size (a page fetched ahead of the writer).
    whole: bool,
    reading: Reading,
    /// Records of this page handed out already; a retried page drops as many first.
    delivered: Vec<RecordMark>,
    /// Records of the current answer looked at so far: those below `delivered.len()` are dropped.
    seen: usize,
    total_sent: bool,
    bytes: usize,
    /// Fetched only to reach the cursor after it: a restarted chain's page the caller already has.
    discard: bool,
}

/// What a handed-out record looked like, so a retried page is known to be the same page.
#[derive(PartialEq, Eq, Clone, Copy)]
struct RecordMark {
    len: usize,
    head: u64,
}

impl RecordMark {
    fn of(record: &[u8]) -> RecordMark {
        // The first bytes hold the record's id (`callId`, `id`, `metaData.id`); with the length that is
        // enough to tell a different record, at no cost on megabyte pages.
        let head = &record[..record.len().min(128)];
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for &b in head {
            hash = (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        RecordMark {
            len: record.len(),
            head: hash,
        }
    }
}

/// Follows one endpoint's pages for one set of inputs.
pub struct Pager<'a> {
    client: &'a GongClient,
    request: ApiRequest,
    post: bool,
    record_key: &'a str,
    empty_404: &'a [&'a str],
    cursor: Option<String>,
    done: bool,
    open: Option<OpenPage>,
    /// Restarts since the chain last made progress.
    restarts: u32,
    /// Pages handed to the caller so far.
    delivered: u32,
    /// Pages of a restarted chain to fetch again and drop: the caller already has them.
    skip: u32,
}

impl<'a> Pager<'a> {
    pub fn new(
        client: &'a GongClient,
        request: ApiRequest,
        record_key: &'a str,
        empty_404: &'a [&'a str],
    ) -> Self {
        let post = request.method == reqwest::Method::POST;
        Pager {
            client,
            request,
            post,
            record_key,
            empty_404,
            cursor: None,
            done: false,
            open: None,
            restarts: 0,
            delivered: 0,
            skip: 0,
        }
    }

    fn page_request(&self) -> ApiRequest {
        let mut req = self.request.clone();
        if let Some(cursor) = &self.cursor {
            if self.post {
                let body = req.body.get_or_insert_with(|| json!({}));
                body["cursor"] = Value::String(cursor.clone());
            } else {
                req.query.push(("cursor".into(), cursor.clone()));
            }
        }
        req
    }

    /// The next page whole, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Page>> {
        Ok(self.next_part(true).await?.map(|part| part.page))
    }

    /// The next records of the chain as they arrive, or `None` after the last page. With `whole`, a part
    /// is a whole page; otherwise a page comes in parts of about [`PART_BYTES`] as its body is read (the
    /// last one may have no records), so a page never has to be in memory at once.
    ///
    /// A body that breaks off is asked for again and the records already handed out are dropped from the
    /// new answer (checked to be the same records). A cursor Gong no longer accepts (they expire)
    /// restarts the chain from page 0, up to three times without progress; the pages already handed out
    /// are fetched again and dropped. So no record is handed out twice.
    pub async fn next_part(&mut self, whole: bool) -> Result<Option<Part>> {
        loop {
            let Some(open) = self.open.as_mut() else {
                if self.done {
                    return Ok(None);
                }
                self.open_page(whole).await?;
                continue;
            };
            let failure = match open.body.chunk(self.client, &open.request).await {
                Ok(Some(chunk)) => match open.reading.push(&chunk) {
                    Ok(()) => {
                        open.bytes += chunk.len();
                        if open.discard || open.reading.ready_bytes() < PART_BYTES {
                            continue;
                        }
                        let taken = open.reading.take();
                        if let Some(part) = Self::part(open, taken, false)? {
                            return Ok(Some(part));
                        }
                        continue;
                    }
                    Err(why) => BodyFailure::Unreadable(why),
                },
                Ok(None) => match open.reading.finish(self.record_key) {
                    Ok((taken, cursor)) => {
                        let part = Self::part(open, taken, true)?;
                        let discard = open.discard;
                        self.open = None;
                        self.done = cursor.is_none();
                        self.cursor = cursor;
                        if discard {
                            self.skip -= 1;
                            continue;
                        }
                        self.delivered += 1;
                        self.restarts = 0;
                        return Ok(part);
                    }
                    Err(why) => BodyFailure::Unreadable(why),
                },
                Err(e) => BodyFailure::Broke(e),
            };
            // Ask again for the same page; the records already handed out are dropped from the answer.
            self.client
                .after_bad_body(&open.request, &open.attempts, failure)
                .await?;
            if !open.delivered.is_empty() {
                self.client
                    .stats
                    .resumed_pages
                    .fetch_add(1, Ordering::Relaxed);
            }
            let body = match self.client.open(&open.request, &mut open.attempts).await? {
                Reply::Ok(body) => body,
                Reply::NotFound(text) => {
                    return Err(Error::system(format!(
                        "{} answered 404 when asked again for a page it had begun to send: {text}",
                        open.request.describe()
                    ))
                    .with_status(404))
                }
            };
            open.reading = Reading::new(self.record_key, body.content_length(), open.whole);
            open.body = body;
            open.seen = 0;
            open.bytes = 0;
        }
    }

    /// Sends the request for the next page; on success its body is read by `next_part`.
    async fn open_page(&mut self, whole: bool) -> Result<()> {
        loop {
            let request = self.page_request();
            let mut attempts = Attempts::default();
            match self.client.open(&request, &mut attempts).await {
                Ok(Reply::Ok(body)) => {
                    self.open = Some(OpenPage {
                        request,
                        attempts,
                        whole,
                        reading: Reading::new(self.record_key, body.content_length(), whole),
                        body,
                        delivered: Vec::new(),
                        seen: 0,
                        total_sent: false,
                        bytes: 0,
                        discard: self.skip > 0,
                    });
                    return Ok(());
                }
                Ok(Reply::NotFound(text)) => {
                    if self.empty_404.iter().any(|t| text.contains(t)) {
                        self.done = true;
                        return Ok(());
                    }
                    return Err(Error::system(format!(
                        "{} answered 404: {text}",
                        self.request.describe()
                    ))
                    .with_status(404));
                }
                Err(e)
                    if e.status == Some(400)
                        && self.cursor.is_some()
                        && self.restarts < 3
                        && e.message.to_lowercase().contains("cursor") =>
                {
                    self.restarts += 1;
                    self.cursor = None;
                    self.skip = self.delivered;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes the records the splitter has complete, minus those a retried page must drop. `None` when
    /// nothing is left to hand out and the page goes on.
    fn part(open: &mut OpenPage, taken: Page, last: bool) -> Result<Option<Part>> {
        if open.discard {
            return Ok(last.then(|| Part {
                page: Page::default(),
                last,
                page_bytes: open.bytes,
            }));
        }
        let mut records = taken.records;
        // A page asked for again: its first records were handed out from the broken answer.
        let mut drop = 0;
        while open.seen < open.delivered.len() && drop < records.len() {
            let mark = RecordMark::of(&taken.body[records[drop].clone()]);
            if mark != open.delivered[open.seen] {
                return Err(Error::system(format!(
                    "{} sent a different page when asked again after its answer broke off; run the sync again.",
                    open.request.describe()
                )));
            }
            open.seen += 1;
            drop += 1;
        }
        records.drain(..drop);
        if !last {
            // Only a page still being read can break off and be asked for again.
            for r in &records {
                open.delivered.push(RecordMark::of(&taken.body[r.clone()]));
            }
        }
        open.seen += records.len();
        if records.is_empty() && !last {
            return Ok(None);
        }
        let total_records = match taken.total_records {
            Some(t) if !open.total_sent => {
                open.total_sent = true;
                Some(t)
            }
            _ => None,
        };
        Ok(Some(Part {
            page: Page {
                body: taken.body,
                records,
                total_records,
            },
            last,
            page_bytes: open.bytes,
        }))
    }
}

/// A part of a stream read as one request chain (or, for transcripts, one window's batches).
#[derive(Debug, Clone)]
pub struct Slice {
    pub request: ApiRequest,
    /// Pre-serialised `"key":value` pairs added to every record of the slice.
    pub added: String,
    /// Emit STATE with this cursor once the slice is written.
    pub checkpoint: Option<DateTime<Utc>>,
    /// Read through [`SharedLists`]: another selected stream needs the same list as its parent.
    pub shared: bool,
}

/// What a slice producer hands the writer: a page and, per record, fields lifted out of it.
struct Batch {
    page: Page,
    lifted: Vec<String>,
    /// Per record, extra fields of the RECORD message itself (`file_reference`); empty for most streams.
    refs: Vec<String>,
}

impl Batch {
    /// A page and the fields lifted out of its records (no `file_reference`).
    fn lifted(page: Page, lifted: Vec<String>) -> Batch {
        Batch {
            page,
            lifted,
            refs: Vec::new(),
        }
    }
}

/// Bytes of fetched pages of the next streams that may wait while the current one is written (see
/// `gate.rs`); transcript pages run to megabytes, so this is a byte bound, not a page count. It is what
/// keeps the budget busy across stream boundaries at 3 requests/s and 0.3-1.5 s latency (bench/RESULTS.md).
pub const BUFFER_BUDGET_BYTES: usize = 16 << 20;

/// Running slices (of every stream) above which no slice of a later stream is started; the stream being
/// written starts all of its own. A waiting slice costs a task; the gate decides which may fetch.
pub const LOOKAHEAD_SLICES: usize = 64;

/// A page on its way to the writer, with its place in the gate's pool.
struct Buffered {
    batch: Batch,
    /// The slice's first page (its `totalRecords` feeds the stream's estimate).
    first: bool,
    _room: Room,
}

/// What a slice's producer tells its stream's writer.
enum Event {
    Page(Buffered),
    /// The slice is read to its end (or failed); sent after its last page.
    Done(u64, Result<()>),
}

/// A producer's side of the gate and of its stream's channel.
struct SliceLink {
    seq: u64,
    gate: Arc<Gate>,
    tx: mpsc::UnboundedSender<Event>,
    /// The stream's recent page size, shared by its slices.
    page_size: Arc<PageSize>,
    sent_first: AtomicBool,
}

impl SliceLink {
    /// Waits until the slice may send its next request.
    async fn lane(&self) -> Ticket {
        self.gate.fetch(self.seq, self.page_size.get()).await
    }

    /// Hands a whole page to the writer; `Err` when the writer has stopped reading the stream.
    async fn send(&self, batch: Batch, ticket: Ticket) -> std::result::Result<(), ()> {
        let bytes = batch.page.body.len();
        self.page_size.observe(bytes);
        let room = ticket.into_room(bytes).await;
        self.hand_over(batch, room)
    }

    /// Hands part of a page the front is reading to the writer, once the front queue has room for it.
    async fn send_part(&self, batch: Batch) -> std::result::Result<(), ()> {
        let room = self.gate.front_room(batch.page.body.len()).await;
        self.hand_over(batch, room)
    }

    fn hand_over(&self, batch: Batch, room: Room) -> std::result::Result<(), ()> {
        // Every page of a chain repeats the chain's total: the slice's estimate is its first.
        let first =
            batch.page.total_records.is_some() && !self.sent_first.swap(true, Ordering::Relaxed);
        self.tx
            .send(Event::Page(Buffered {
                batch,
                first,
                _room: room,
            }))
            .map_err(|_| ())
    }
}

/// Outcome of a read: which streams failed.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    pub failures: Vec<(String, Error)>,
    pub records: u64,
}

/// Parent lists that more than one selected stream needs, fetched once per sync (see [`SharedLists`]).
#[derive(Debug, Default, Clone, Copy)]
struct Needs {
    users: bool,
    workspaces: bool,
    folders: bool,
}

impl Needs {
    fn of(selected: &[Selected], config: &Config) -> Needs {
        let has = |name: &str| selected.iter().any(|s| s.def.name == name);
        Needs {
            users: has("coaching"),
            workspaces: config.workspace_id.is_none()
                && (has("library_folders") || has("library_folder_content") || has("coaching")),
            folders: has("library_folder_content"),
        }
    }
}

/// Small lists (users, workspaces, a workspace's folders) that are both a stream and the parent of
/// another: fetched once and kept as Gong's pages, so the stream emits exactly what its children used and
/// the sync sends no request twice.
#[derive(Default)]
pub struct SharedLists {
    lists: Mutex<HashMap<String, SharedList>>,
}

/// One list's pages, fetched by the first stream that asks.
type SharedList = Arc<OnceCell<Arc<Vec<Page>>>>;

impl SharedLists {
    async fn pages(
        &self,
        client: &GongClient,
        request: &ApiRequest,
        record_key: &str,
        empty_404: &[&str],
    ) -> Result<Arc<Vec<Page>>> {
        let key = format!("{} {} {:?}", request.method, request.path, request.query);
        let cell = self
            .lists
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_try_init(|| async {
            let mut pager = Pager::new(client, request.clone(), record_key, empty_404);
            let mut pages = Vec::new();
            while let Some(page) = pager.next_page().await? {
                pages.push(page);
            }
            Ok::<_, Error>(Arc::new(pages))
        })
        .await
        .cloned()
    }

    async fn values(
        &self,
        client: &GongClient,
        request: &ApiRequest,
        record_key: &str,
        empty_404: &[&str],
    ) -> Result<Vec<Value>> {
        let pages = self.pages(client, request, record_key, empty_404).await?;
        Ok(pages.iter().flat_map(Page::values).collect())
    }
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
}

type PlanHandle = tokio::task::JoinHandle<Result<Vec<Slice>>>;

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
    needs: std::sync::OnceLock<Needs>,
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

fn fmt_dt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn fmt_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    midnight(NaiveDate::from_ymd_opt(t.year(), t.month(), 1).unwrap_or(t.date_naive()))
}

fn next_month(t: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    midnight(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(t.date_naive()))
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "null".into())
}

impl Engine {
    pub fn new(client: Arc<GongClient>, config: Arc<Config>, out: SharedOutput) -> Self {
        Engine {
            client,
            config,
            out,
            now: Utc::now(),
            shared: Arc::new(SharedLists::default()),
            needs: std::sync::OnceLock::new(),
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
        let mut runs: Vec<Run> = selected
            .iter()
            .map(|sel| {
                let (tx, rx) = mpsc::unbounded_channel();
                Run {
                    sel,
                    incremental: sel.sync_mode == SyncMode::Incremental,
                    date_only: sel.def.plan == Plan::Days || sel.def.plan == Plan::ReviewWindows,
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
                    page_size: Arc::new(PageSize::new()),
                    tx,
                    rx,
                    open: VecDeque::new(),
                    tasks: Vec::new(),
                    planned: false,
                    plan_error: None,
                }
            })
            .collect();
        // Every stream is planned at once: plans that need a parent list fetch it while earlier streams
        // are read.
        let mut plans: Vec<Option<PlanHandle>> = Vec::new();
        for run in runs.iter_mut() {
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
            plans.push(Some(tokio::spawn(async move {
                let saved = saved?;
                engine.plan(def, saved.as_ref()).await
            })));
        }

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
                    if i != current && !plan.is_finished() {
                        plans[i] = Some(plan);
                        break;
                    }
                    match plan.await {
                        Ok(Ok(planned)) => slices = Some(planned.into_iter()),
                        Ok(Err(e)) => runs[i].plan_error = Some(e),
                        Err(join) => {
                            runs[i].plan_error = Some(Error::system(format!(
                                "Planning stream `{}` crashed: {join}",
                                runs[i].sel.def.name
                            )))
                        }
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
        for plan in plans.into_iter().flatten() {
            plan.abort();
        }
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
        let ctx = Producer {
            client: self.client.clone(),
            shared: self.shared.clone(),
            def: run.sel.def,
            files: run.files.clone(),
            concurrency: self.config.max_concurrent_requests.max(1),
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
        // The budget serves the slice the writer needs first (see `client::PRIORITY`).
        tokio::spawn(crate::client::PRIORITY.scope(seq, task)).abort_handle()
    }

    /// Writes one page's records.
    fn write_page(&self, run: &mut Run, buffered: &Buffered) -> Result<()> {
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

    /// Slice `seq` is read whole. When it closes the oldest open slices, their last checkpoint is the
    /// stream's new STATE: every record before it is written.
    fn close_slice(&self, run: &mut Run, seq: u64) {
        let Some(&(first, _, _)) = run.open.front() else {
            return;
        };
        if let Some(slot) = run.open.get_mut((seq - first) as usize) {
            slot.2 = true;
        }
        let mut checkpointed = false;
        while let Some(&(_, checkpoint, true)) = run.open.front() {
            run.open.pop_front();
            if let (true, Some(cursor)) = (run.incremental, checkpoint) {
                // Never move a saved cursor backwards (a state from the future stays put).
                if run
                    .last_checkpoint
                    .as_ref()
                    .is_none_or(|c| c.cursor <= cursor)
                {
                    run.last_checkpoint = Some(Checkpoint { cursor });
                }
                checkpointed = true;
            }
        }
        if let (true, Some(cp)) = (checkpointed, &run.last_checkpoint) {
            self.emit_state(
                run.sel.def.name,
                cp.to_state(run.date_only),
                run.since_state,
            );
            run.since_state = 0;
            run.states_emitted += 1;
        }
    }

    /// A stream read to its end: its final STATE and COMPLETE.
    fn finish(&self, run: &mut Run) {
        let name = run.sel.def.name;
        if !run.incremental {
            self.emit_state(
                name,
                json!({"__ab_no_cursor_state_message": true}),
                run.since_state,
            );
        } else if run.since_state > 0 || run.states_emitted == 0 {
            let state = match &run.last_checkpoint {
                Some(cp) => cp.to_state(run.date_only),
                None => json!({}),
            };
            self.emit_state(name, state, run.since_state);
        }
        self.status(name, StreamStatus::Complete);
    }

    /// A stream that cannot go on. Records already written are not lost: their count goes into a final
    /// state of the last checkpoint, so the platform's counts match; the other streams carry on.
    fn fail(&self, run: &mut Run, e: Error, outcome: &mut ReadOutcome) {
        let name = run.sel.def.name;
        run.failed = true;
        if run.since_state > 0 || run.states_emitted == 0 {
            if let (true, Some(cp)) = (run.incremental, &run.last_checkpoint) {
                self.emit_state(name, cp.to_state(run.date_only), run.since_state);
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
    fn emit_state(&self, stream: &str, state: Value, count: u64) {
        self.emit(&Message::StreamState {
            stream: stream.to_string(),
            state,
            record_count: count,
        });
    }

    fn write_batch(&self, stream: &str, batch: &Batch) -> Result<u64> {
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
            let raw = batch.page.record(i);
            if let Err(e) = out.record_with(stream, raw, added, emitted_at, extra) {
                return Err(Error::system(format!("Could not write to stdout: {e}")));
            }
        }
        Ok(batch.page.len() as u64)
    }

    /// Workspace ids: the configured one, or all of the company's.
    async fn workspace_ids(&self) -> Result<Vec<String>> {
        if let Some(id) = &self.config.workspace_id {
            return Ok(vec![id.clone()]);
        }
        let values = self
            .shared
            .values(
                &self.client,
                &ApiRequest::get("/v2/workspaces"),
                "workspaces",
                &[],
            )
            .await?;
        Ok(values
            .iter()
            .filter_map(|w| id_string(w.get("id")))
            .collect())
    }

    async fn users(&self) -> Result<Vec<Value>> {
        self.shared
            .values(&self.client, &ApiRequest::get("/v2/users"), "users", &[])
            .await
    }

    /// The ordered slices of a stream for this sync.
    pub async fn plan(
        &self,
        def: &'static StreamDef,
        saved: Option<&Checkpoint>,
    ) -> Result<Vec<Slice>> {
        let cfg = &self.config;
        let end = cfg.end_or(self.now);
        let from_saved = |lookback: Duration| match saved {
            Some(cp) => (cp.cursor - lookback).max(cfg.start),
            None => cfg.start,
        };
        let mut slices = Vec::new();
        let base = || {
            if def.post {
                ApiRequest::post(def.path, json!({}))
            } else {
                ApiRequest::get(def.path)
            }
        };
        match def.plan {
            Plan::Single => {
                let mut req = base();
                if def.name == "settings_trackers" {
                    if let Some(ws) = &cfg.workspace_id {
                        req = req.query("workspaceId", ws.clone());
                    }
                }
                slices.push(Slice {
                    request: req,
                    added: String::new(),
                    checkpoint: None,
                    shared: false,
                });
            }
            Plan::PerWorkspace => {
                for ws in self.workspace_ids().await? {
                    slices.push(Slice {
                        request: base().query("workspaceId", ws.clone()),
                        added: format!("\"workspaceId\":{}", json_str(&ws)),
                        checkpoint: None,
                        shared: false,
                    });
                }
            }
            Plan::PerFolder => {
                for ws in self.workspace_ids().await? {
                    let folders = self
                        .shared
                        .values(
                            &self.client,
                            &folders_request(&ws),
                            "folders",
                            &["No folders found"],
                        )
                        .await?;
                    for folder in folders {
                        let Some(id) = id_string(folder.get("id")) else {
                            continue;
                        };
                        let name = folder.get("name").cloned().unwrap_or(Value::Null);
                        slices.push(Slice {
                            request: base().query("folderId", id.clone()),
                            added: format!(
                                "\"folderId\":{},\"folderName\":{}",
                                json_str(&id),
                                name
                            ),
                            checkpoint: None,
                            shared: false,
                        });
                    }
                }
            }
            Plan::CallWindows | Plan::CallIdBatches => {
                let mut t = from_saved(cfg.lookback);
                while t < end {
                    let w_end = (t + cfg.window).min(end);
                    let request = if def.post && def.plan == Plan::CallWindows {
                        let mut filter =
                            json!({"fromDateTime": fmt_dt(t), "toDateTime": fmt_dt(w_end)});
                        if let Some(ws) = &cfg.workspace_id {
                            filter["workspaceId"] = json!(ws);
                        }
                        let mut body = json!({ "filter": filter });
                        if def.name == "calls_extensive" {
                            body["contentSelector"] = cfg.extensive.content_selector();
                        } else if def.lift == Lift::CallMedia {
                            body["contentSelector"] = crate::media::content_selector();
                        }
                        ApiRequest::post(def.path, body)
                    } else {
                        // calls, and the call listing of id-batched streams.
                        let mut req = ApiRequest::get("/v2/calls")
                            .query("fromDateTime", fmt_dt(t))
                            .query("toDateTime", fmt_dt(w_end));
                        if let Some(ws) = &cfg.workspace_id {
                            req = req.query("workspaceId", ws.clone());
                        }
                        req
                    };
                    slices.push(Slice {
                        request,
                        added: String::new(),
                        checkpoint: Some(w_end),
                        shared: false,
                    });
                    t = w_end;
                }
            }
            Plan::Days => {
                // Stats take dates in the company's time zone and refuse a toDate after its today; the
                // day before today in UTC is closed in every time zone.
                let last_to = midnight(self.now.date_naive()) - Duration::days(1);
                let last_to = last_to.min(
                    midnight(end.date_naive())
                        + if end.time() > NaiveTime::MIN {
                            Duration::days(1)
                        } else {
                            Duration::zero()
                        },
                );
                let mut day = midnight(from_saved(cfg.lookback).date_naive());
                while day + Duration::days(1) <= last_to {
                    let next = day + Duration::days(1);
                    slices.push(Slice {
                        request: ApiRequest::post(
                            def.path,
                            json!({"filter": {"fromDate": fmt_date(day), "toDate": fmt_date(next)}}),
                        ),
                        added: format!("\"fromDate\":\"{}\",\"toDate\":\"{}\"", fmt_date(day), fmt_date(next)),
                        checkpoint: Some(next),
                        shared: false,
                    });
                    day = next;
                }
            }
            Plan::ReviewWindows => {
                let today = midnight(self.now.date_naive());
                let end_day = midnight(end.date_naive()) + Duration::days(1);
                let mut day = midnight(from_saved(cfg.lookback).date_naive());
                let step = Duration::days(cfg.window.num_days().max(1));
                while day < end_day {
                    let next = (day + step).min(end_day);
                    slices.push(Slice {
                        request: ApiRequest::post(
                            def.path,
                            json!({"filter": {"reviewFromDate": fmt_date(day), "reviewToDate": fmt_date(next)}}),
                        ),
                        added: String::new(),
                        // Today is not over: the next sync reads it again.
                        checkpoint: Some(next.min(today).max(day)),
                        shared: false,
                    });
                    day = next;
                }
            }
            Plan::CoachingMonths => {
                let today = midnight(self.now.date_naive());
                let stop = today.min(end);
                // Months are re-read whole: the current month stays open until it ends.
                let mut month =
                    month_start(saved.map(|c| c.cursor.max(cfg.start)).unwrap_or(cfg.start));
                let workspaces = if month < stop {
                    self.workspace_ids().await?
                } else {
                    Vec::new()
                };
                let managers = if month < stop {
                    self.manager_ids().await?
                } else {
                    Vec::new()
                };
                while month < stop {
                    let to = next_month(month).min(stop);
                    let closed = to == next_month(month);
                    let pairs: Vec<(&String, &String)> = workspaces
                        .iter()
                        .flat_map(|w| managers.iter().map(move |m| (w, m)))
                        .collect();
                    let count = pairs.len();
                    for (i, (ws, manager)) in pairs.into_iter().enumerate() {
                        let last = i + 1 == count;
                        slices.push(Slice {
                            request: ApiRequest::get(def.path)
                                .query("workspace-id", ws.clone())
                                .query("manager-id", manager.clone())
                                .query("from", fmt_dt(month))
                                .query("to", fmt_dt(to)),
                            added: format!(
                                "\"workspaceId\":{},\"managerId\":{},\"from\":\"{}\",\"to\":\"{}\"",
                                json_str(ws),
                                json_str(manager),
                                fmt_dt(month),
                                fmt_dt(to)
                            ),
                            checkpoint: last.then_some(if closed { to } else { month }),
                            shared: false,
                        });
                    }
                    month = next_month(month);
                }
            }
        }
        let needs = self.needs.get().copied().unwrap_or_default();
        let shared = match def.name {
            "users" => needs.users,
            "workspaces" => needs.workspaces,
            "library_folders" => needs.folders,
            _ => false,
        };
        for slice in &mut slices {
            slice.shared = shared;
        }
        Ok(slices)
    }

    /// Users who manage someone: the coaching endpoint's managers.
    async fn manager_ids(&self) -> Result<Vec<String>> {
        let users = self.users().await?;
        let mut ids: Vec<String> = users
            .iter()
            .filter_map(|u| id_string(u.get("managerId")))
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }
}

/// A workspace's library folders: a stream, and the parent of `library_folder_content`.
fn folders_request(workspace: &str) -> ApiRequest {
    ApiRequest::get("/v2/library/folders").query("workspaceId", workspace.to_string())
}

/// Gong ids arrive as strings, sometimes as numbers.
fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a slice's producer task needs.
struct Producer {
    client: Arc<GongClient>,
    shared: Arc<SharedLists>,
    def: &'static StreamDef,
    files: Option<Arc<crate::media::FileStaging>>,
    concurrency: usize,
}

impl Producer {
    /// Fetches one slice and sends its records, in order, to the writer.
    async fn produce(self, slice: Slice, link: SliceLink) -> Result<()> {
        let def = self.def;
        if def.plan == Plan::CallIdBatches {
            return self.produce_by_ids(&slice, &link).await;
        }
        if slice.shared {
            let pages = self
                .shared
                .pages(&self.client, &slice.request, def.record_key, def.empty_404)
                .await?;
            for page in pages.iter() {
                let batch = Batch::lifted(page.clone(), lift(def, page, &slice.added, None)?);
                if link.send(batch, link.lane().await).await.is_err() {
                    break;
                }
            }
            return Ok(());
        }
        let mut pager = Pager::new(
            &self.client,
            slice.request.clone(),
            def.record_key,
            def.empty_404,
        );
        self.follow(&mut pager, &slice, &link, None).await?;
        Ok(())
    }

    /// Sends every page of `pager` to the writer. A page the writer is waiting for (the front's) is
    /// handed over in parts as its body arrives; a page fetched ahead of the writer is read whole into the
    /// gate's pool. `Ok(false)` when the writer stopped reading this slice (its stream failed).
    async fn follow(
        &self,
        pager: &mut Pager<'_>,
        slice: &Slice,
        link: &SliceLink,
        started: Option<&HashMap<String, String>>,
    ) -> Result<bool> {
        let def = self.def;
        loop {
            // The lane is held until the page is read, also while its parts wait for the writer.
            let ticket = link.lane().await;
            // Media pages download every record's files before the page goes on: whole.
            let whole = ticket.is_behind() || def.lift == Lift::CallMedia;
            loop {
                let Some(part) = pager.next_part(whole).await? else {
                    return Ok(true);
                };
                let batch = if def.lift == Lift::CallMedia {
                    let (page, refs) = crate::media::media_page(
                        &self.client,
                        &part.page,
                        self.files.as_deref(),
                        self.concurrency,
                    )
                    .await?;
                    Batch {
                        page,
                        lifted: Vec::new(),
                        refs,
                    }
                } else {
                    let lifted = lift(def, &part.page, &slice.added, started)?;
                    Batch::lifted(part.page, lifted)
                };
                if whole {
                    if link.send(batch, ticket).await.is_err() {
                        return Ok(false);
                    }
                    break;
                }
                if part.last {
                    link.page_size.observe(part.page_bytes);
                }
                if link.send_part(batch).await.is_err() {
                    return Ok(false);
                }
                if part.last {
                    break;
                }
            }
        }
    }

    /// Lists the window's calls and fetches the stream's records for each listing page's calls (Gong
    /// lists 100 a page, the most a batch may name) before listing on: what is held is one page of ids,
    /// however many calls the window has.
    async fn produce_by_ids(&self, slice: &Slice, link: &SliceLink) -> Result<()> {
        let (client, def) = (&*self.client, self.def);
        let mut calls = Pager::new(client, slice.request.clone(), "calls", &["No calls found"]);
        #[derive(Deserialize)]
        struct CallStart {
            id: Option<Value>,
            started: Option<String>,
        }
        loop {
            let listing = {
                // Listing pages are small whatever the stream's pages are, and dropped here.
                let _lane = link.gate.fetch(link.seq, 64 << 10).await;
                calls.next_page().await?
            };
            let Some(page) = listing else {
                return Ok(());
            };
            let mut started: HashMap<String, String> = HashMap::with_capacity(page.len());
            let mut ids: Vec<String> = Vec::with_capacity(page.len());
            for i in 0..page.len() {
                let call: CallStart = serde_json::from_str(page.record(i)).map_err(|e| {
                    Error::system(format!("A call in GET /v2/calls is malformed: {e}"))
                })?;
                if let Some(id) = id_string(call.id.as_ref()) {
                    started.insert(id.clone(), call.started.unwrap_or_default());
                    ids.push(id);
                }
            }
            drop(page);
            for chunk in ids.chunks(PAGE_SIZE) {
                let request = ApiRequest::post(def.path, json!({"filter": {"callIds": chunk}}));
                let mut pager = Pager::new(client, request, def.record_key, def.empty_404);
                if !self.follow(&mut pager, slice, link, Some(&started)).await? {
                    return Ok(());
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct MetaOnly<'a> {
    #[serde(rename = "metaData", borrow)]
    meta: Option<MetaIds<'a>>,
}

#[derive(Deserialize)]
struct MetaIds<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    started: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct CallIdOnly<'a> {
    #[serde(rename = "callId", borrow)]
    call_id: Option<&'a RawValue>,
}

/// Per record, the pre-serialised fields added at its top level: the slice's fixed fields plus any
/// lifted from inside the record.
fn lift(
    def: &StreamDef,
    page: &Page,
    fixed: &str,
    started: Option<&HashMap<String, String>>,
) -> Result<Vec<String>> {
    match def.lift {
        Lift::None if fixed.is_empty() => Ok(Vec::new()),
        Lift::None => Ok(vec![fixed.to_string(); page.len()]),
        // Records built whole by `media::media_page`.
        Lift::CallMedia => Ok(Vec::new()),
        Lift::MetaData => (0..page.len())
            .map(|i| {
                let record = page.record(i);
                let malformed = |e: serde_json::Error| {
                    Error::system(format!("A record of {} is malformed: {e}", def.path))
                };
                let meta = match leading_field(record, "metaData") {
                    Some(raw) => serde_json::from_str::<Option<MetaIds>>(raw).map_err(malformed)?,
                    None => {
                        serde_json::from_str::<MetaOnly>(record)
                            .map_err(malformed)?
                            .meta
                    }
                };
                let meta = meta.ok_or_else(|| {
                    Error::system(format!(
                        "A record of {} has no metaData, so it has no id.",
                        def.path
                    ))
                })?;
                let id = meta.id.filter(|r| r.get() != "null").ok_or_else(|| {
                    Error::system(format!("A record of {} has no metaData.id.", def.path))
                })?;
                let started = meta.started.map(RawValue::get).unwrap_or("null");
                Ok(join_fields(
                    fixed,
                    &format!("\"id\":{},\"started\":{}", id.get(), started),
                ))
            })
            .collect(),
        Lift::CallStarted => (0..page.len())
            .map(|i| {
                let record = page.record(i);
                let raw_id = match leading_field(record, "callId") {
                    Some(raw) => Some(raw),
                    None => serde_json::from_str::<CallIdOnly>(record)
                        .map_err(|e| {
                            Error::system(format!("A record of {} is malformed: {e}", def.path))
                        })?
                        .call_id
                        .map(RawValue::get),
                };
                let id = raw_id
                    .and_then(|r| serde_json::from_str::<Value>(r).ok())
                    .and_then(|v| id_string(Some(&v)));
                let value = id
                    .and_then(|id| started.and_then(|m| m.get(&id)))
                    .filter(|s| !s.is_empty())
                    .map(|s| json_str(s))
                    .unwrap_or_else(|| "null".into());
                Ok(join_fields(fixed, &format!("\"callStarted\":{value}")))
            })
            .collect(),
    }
}

fn join_fields(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a},{b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ranges_point_at_records() {
        let body = br#"{"requestId":"r","records":{"totalRecords":2,"currentPageSize":2,"currentPageNumber":0,"cursor":"abc"},"calls":[{"id":"1","x":[1,2]} , {"id":"2"}]}"#;
        let (ranges, total, cursor) = parse_page(body, "calls").unwrap();
        assert_eq!(total, Some(2));
        assert_eq!(cursor.as_deref(), Some("abc"));
        let texts: Vec<&str> = ranges
            .iter()
            .map(|r| std::str::from_utf8(&body[r.clone()]).unwrap())
            .collect();
        assert_eq!(texts, vec![r#"{"id":"1","x":[1,2]}"#, r#"{"id":"2"}"#]);
    }

    #[test]
    fn missing_or_null_records_are_empty_and_bad_bodies_are_errors() {
        let (r, _, c) =
            parse_page(br#"{"requestId":"r","workspaces":null}"#, "workspaces").unwrap();
        assert!(r.is_empty() && c.is_none());
        let (r, _, _) = parse_page(br#"{"requestId":"r"}"#, "users").unwrap();
        assert!(r.is_empty());
        assert!(parse_page(b"<html>", "users").is_err());
        assert!(parse_page(br#"{"users": 5}"#, "users").is_err());
        assert!(parse_page(br#"{"users": [{"id": 1}"#, "users").is_err());
    }

    #[test]
    fn months() {
        let t = Utc.with_ymd_and_hms(2024, 12, 15, 3, 0, 0).unwrap();
        assert_eq!(fmt_dt(month_start(t)), "2024-12-01T00:00:00Z");
        assert_eq!(fmt_dt(next_month(t)), "2025-01-01T00:00:00Z");
    }
}
