//! [`Pager`] follows Gong's pagination rules for one request chain of any endpoint: the cursor goes in
//! the query of a GET and in the JSON body of a POST (Gong ignores a POST's query cursor and serves page
//! 0 again), the chain stops when a page has no `records.cursor`, and an endpoint's "no data" 404 is an
//! empty result. A body that breaks off is asked for again and an expired cursor restarts the chain,
//! without ever handing a record out twice. A chain that does not progress (a cursor Gong sent before,
//! or empty pages each with a new cursor) fails within a few requests instead of looping on the quota.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::splitter::PageSplitter;
use crate::client::{ApiRequest, Attempts, Body, BodyFailure, GongClient, Reply};
use crate::error::{Error, Reason, Result};
use crate::gong::endpoints::Endpoint;
use crate::gong::page::{parse_page, Page};

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

/// Empty pages in a row, each with a new cursor, after which a chain is taken to be going nowhere.
pub const MAX_EMPTY_PAGES: u32 = 3;

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
    /// Where the cursor goes, the record key and the "no data" 404 texts.
    endpoint: &'a Endpoint,
    request: ApiRequest,
    record_key: &'a str,
    cursor: Option<String>,
    done: bool,
    open: Option<OpenPage>,
    /// Restarts since the chain last made progress.
    restarts: u32,
    /// Pages handed to the caller so far.
    delivered: u32,
    /// Pages of a restarted chain to fetch again and drop: the caller already has them.
    skip: u32,
    /// Cursors Gong sent in this chain (since its last restart): one sent again means a loop.
    cursors: HashSet<String>,
    /// Empty pages in a row that still had a next cursor.
    empty_run: u32,
}

impl<'a> Pager<'a> {
    /// A chain of `endpoint`'s pages; `request` (built for `endpoint`) holds the filters.
    pub fn new(client: &'a GongClient, endpoint: &'a Endpoint, request: ApiRequest) -> Self {
        Pager {
            client,
            endpoint,
            request,
            record_key: endpoint.record_key,
            cursor: None,
            done: false,
            open: None,
            restarts: 0,
            delivered: 0,
            skip: 0,
            cursors: HashSet::new(),
            empty_run: 0,
        }
    }

    /// A chain whose first page the caller already has (read by the planner, `windows.rs`): it goes on
    /// from `cursor`, or is over when there is none. A restarted chain fetches that page again and drops
    /// it, as any page already handed out.
    pub fn after(
        client: &'a GongClient,
        endpoint: &'a Endpoint,
        request: ApiRequest,
        cursor: Option<String>,
    ) -> Self {
        let mut pager = Pager::new(client, endpoint, request);
        pager.delivered = 1;
        pager.done = cursor.is_none();
        pager.cursors.extend(cursor.clone());
        pager.cursor = cursor;
        pager
    }

    /// The cursor of the page after those handed out; `None` when the chain is over (or not begun).
    pub fn next_cursor(&self) -> Option<String> {
        if self.done {
            return None;
        }
        self.cursor.clone()
    }

    /// Fails a chain that does not progress: `cursor` was sent before in this chain, or the page just
    /// read held no records and yet named a next page, [`MAX_EMPTY_PAGES`] times in a row.
    fn check_progress(&mut self, request: &ApiRequest, records: Option<usize>) -> Result<()> {
        let Some(cursor) = &self.cursor else {
            return Ok(());
        };
        let stuck = |why: String| {
            Err(Error::system(format!(
                "{} is not progressing: {why}; the stream stops here rather than read the same pages again.",
                request.describe()
            ))
            .with_reason(Reason::BadBody))
        };
        if !self.cursors.insert(cursor.clone()) {
            return stuck(format!(
                "Gong sent a cursor it had sent before in this chain, after {} pages",
                self.delivered
            ));
        }
        self.empty_run = if records == Some(0) {
            self.empty_run + 1
        } else {
            0
        };
        if self.empty_run >= MAX_EMPTY_PAGES {
            return stuck(format!(
                "{} empty pages in a row, each naming a next page",
                self.empty_run
            ));
        }
        Ok(())
    }

    fn page_request(&self) -> ApiRequest {
        let mut req = self.request.clone();
        if let Some(cursor) = &self.cursor {
            self.endpoint.set_cursor(&mut req, cursor);
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
                        let records = (!discard).then_some(open.seen);
                        let request = self.open.take().map(|o| o.request);
                        self.done = cursor.is_none();
                        self.cursor = cursor;
                        if let Some(request) = request {
                            self.check_progress(&request, records)?;
                        }
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
        let whole = whole || self.endpoint.records_in_map;
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
                    if self.endpoint.is_empty_404(&text) {
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
                    if *e.reason() == Reason::ExpiredCursor
                        && self.cursor.is_some()
                        && self.restarts < 3 =>
                {
                    self.restarts += 1;
                    self.cursor = None;
                    self.skip = self.delivered;
                    self.cursors.clear();
                    self.empty_run = 0;
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
