//! How a slice's producer hands pages to its stream's writer: a [`Batch`] of records travels as an
//! [`Event`] on the stream's channel, holding its place in the gate's pool ([`Buffered`]) until written.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::gate::{Gate, PageSize, Room, Ticket};
use crate::error::Result;
use crate::gong::page::Page;

/// What a slice producer hands the writer: a page and, per record, fields lifted out of it.
pub(super) struct Batch {
    pub(super) page: Page,
    pub(super) lifted: Vec<String>,
    /// Per record, extra fields of the RECORD message itself (`file_reference`); empty for most streams.
    pub(super) refs: Vec<String>,
}

impl Batch {
    /// A page and the fields lifted out of its records (no `file_reference`).
    pub(super) fn lifted(page: Page, lifted: Vec<String>) -> Batch {
        Batch {
            page,
            lifted,
            refs: Vec::new(),
        }
    }
}

/// A page on its way to the writer, with its place in the gate's pool.
pub(super) struct Buffered {
    pub(super) batch: Batch,
    /// The slice's first page (its `totalRecords` feeds the stream's estimate).
    pub(super) first: bool,
    pub(super) _room: Room,
}

/// What a slice's producer tells its stream's writer.
pub(super) enum Event {
    Page(Buffered),
    /// The slice is read to its end (or failed); sent after its last page.
    Done(u64, Result<()>),
}

/// A producer's side of the gate and of its stream's channel.
pub(super) struct SliceLink {
    pub(super) seq: u64,
    pub(super) gate: Arc<Gate>,
    pub(super) tx: mpsc::UnboundedSender<Event>,
    /// The stream's recent page size, shared by its slices.
    pub(super) page_size: Arc<PageSize>,
    pub(super) sent_first: AtomicBool,
}

impl SliceLink {
    /// Waits until the slice may send its next request.
    pub(super) async fn lane(&self) -> Ticket {
        self.gate.fetch(self.seq, self.page_size.get()).await
    }

    /// Hands a whole page to the writer; `Err` when the writer has stopped reading the stream.
    pub(super) async fn send(&self, batch: Batch, ticket: Ticket) -> std::result::Result<(), ()> {
        let bytes = batch.page.body.len();
        self.page_size.observe(bytes);
        let room = ticket.into_room(bytes).await;
        self.hand_over(batch, room)
    }

    /// Hands part of a page the front is reading to the writer, once the front queue has room for it.
    pub(super) async fn send_part(&self, batch: Batch) -> std::result::Result<(), ()> {
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
