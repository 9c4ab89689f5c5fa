//! Who may fetch the next page, and where it waits: the engine's flow control.
//!
//! The engine writes one stream at a time, but starts slices of the next streams ahead of it so that
//! latency never idles Gong's request budget. Slices are numbered in output order; the *front* is every
//! slice of the stream being written (numbers up to [`Gate::set_front`]'s). Two limits keep this safe:
//!
//! * **Requests**: at most `max_concurrent_requests` at once, over every slice. Waiting slices are
//!   served oldest first, so the stream being written goes first and its oldest windows before its
//!   newest. A lane is held only while its request is sent and read (never while waiting for the
//!   writer), so lanes always come back.
//! * **Memory**: a slice behind the front reserves room in a pool of `pool_bytes` before each request,
//!   as much as its stream's pages have been taking lately ([`PageSize`]), and keeps the room until the
//!   page is written. The reservation is corrected to the page's real size when it arrives, so the pool
//!   overshoots by at most one estimate's error per lane. A reservation larger than the whole pool takes
//!   all of it rather than waiting forever. The front never waits for the pool: the writer takes its pages
//!   as they come. The front reads its pages as they arrive, in parts (`pager::Pager::next_part`), and at
//!   most [`FRONT_QUEUE_BYTES`] of them wait for the writer ([`Gate::front_room`]); a front request that
//!   finds the queue full stops reading its body, so the rest of its page waits in the network, not here.
//!
//! Why no deadlock: the front needs nothing that slices behind it hold, the writer only waits for the
//! front, and every slice becomes part of the front in turn.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// Bytes of the front's records that may wait for the writer (besides those being written). One part
/// always fits, however large, so the front always moves.
pub const FRONT_QUEUE_BYTES: usize = 2 << 20;

pub struct Gate {
    inner: Mutex<Inner>,
    changed: Notify,
    /// Requests at once.
    lanes: usize,
    pool_kib: usize,
    front_queue_kib: usize,
}

#[derive(Default)]
struct Inner {
    /// The highest sequence number of the stream being written.
    front: u64,
    fetching: usize,
    used_kib: usize,
    /// KiB of front parts waiting for the writer.
    front_queued_kib: usize,
    waiting: BTreeSet<u64>,
}

/// A stream's recent page size: what a request of it reserves before its page arrives.
pub struct PageSize(AtomicUsize);

impl PageSize {
    /// Before the first page: small, so a stream's first requests are not held back by a guess.
    pub fn new() -> PageSize {
        PageSize(AtomicUsize::new(16 << 10))
    }

    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    /// A moving average that follows growth fast: a stream whose pages jump from kilobytes to megabytes
    /// must not reserve kilobytes for long.
    pub fn observe(&self, bytes: usize) {
        let old = self.get();
        let new = if bytes > old {
            (old + bytes) / 2
        } else {
            (old * 3 + bytes) / 4
        };
        self.0.store(new.max(1024), Ordering::Relaxed);
    }
}

impl Default for PageSize {
    fn default() -> Self {
        PageSize::new()
    }
}

/// Permission to send one request (and, behind the front, room reserved for its page). Dropped
/// unused, it gives both back; [`Ticket::into_room`] turns it into the page's place.
pub struct Ticket {
    gate: Arc<Gate>,
    /// Taken behind the front: `kib` of the pool are reserved.
    behind: bool,
    kib: usize,
    /// Still holds its lane.
    lane: bool,
}

/// A fetched page's place in the pool (or the front lane); given back when the page is written.
pub struct Room {
    gate: Arc<Gate>,
    kib: usize,
    front: bool,
}

/// Removes a waiter's mark however its wait ends (granted, or its task aborted).
struct Waiting<'a> {
    gate: &'a Gate,
    seq: u64,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let removed = self.gate.lock().waiting.remove(&self.seq);
        if removed {
            // The next waiter in line may be free to go now.
            self.gate.changed.notify_waiters();
        }
    }
}

impl Gate {
    /// At most `max_concurrent_requests` at once; `pool_bytes` bounds pages behind the front.
    pub fn new(max_concurrent_requests: usize, pool_bytes: usize) -> Arc<Gate> {
        Arc::new(Gate {
            inner: Mutex::new(Inner::default()),
            changed: Notify::new(),
            lanes: max_concurrent_requests.max(1),
            pool_kib: (pool_bytes / 1024).max(1),
            front_queue_kib: FRONT_QUEUE_BYTES / 1024,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn kib(&self, bytes: usize) -> usize {
        (bytes / 1024).clamp(1, self.pool_kib)
    }

    /// Slices up to `seq` belong to the stream being written (never moves back).
    pub fn set_front(&self, seq: u64) {
        let mut inner = self.lock();
        inner.front = inner.front.max(seq);
        drop(inner);
        self.changed.notify_waiters();
    }

    /// Waits until slice `seq` may send a request whose page is expected to be about `estimate` bytes.
    pub async fn fetch(self: &Arc<Self>, seq: u64, estimate: usize) -> Ticket {
        let kib = self.kib(estimate);
        let _mark = Waiting { gate: self, seq };
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut inner = self.lock();
                let front = seq <= inner.front;
                let first = inner.waiting.first().is_none_or(|&w| w >= seq);
                // The front's pages never wait in the pool, so it reserves none.
                let fits = front || inner.used_kib + kib <= self.pool_kib;
                if first && fits && inner.fetching < self.lanes {
                    inner.fetching += 1;
                    let kib = if front { 0 } else { kib };
                    inner.used_kib += kib;
                    return Ticket {
                        gate: self.clone(),
                        behind: !front,
                        kib,
                        lane: true,
                    };
                }
                inner.waiting.insert(seq);
            }
            notified.await;
        }
    }

    /// Waits for a place in the queue of front parts for `bytes` of records. The first part in an empty
    /// queue always gets one.
    pub async fn front_room(self: &Arc<Self>, bytes: usize) -> Room {
        let kib = (bytes / 1024).max(1);
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut inner = self.lock();
                let queued = inner.front_queued_kib;
                if queued == 0 || queued + kib <= self.front_queue_kib {
                    inner.front_queued_kib += kib;
                    return Room {
                        gate: self.clone(),
                        kib,
                        front: true,
                    };
                }
            }
            notified.await;
        }
    }

    #[cfg(test)]
    fn snapshot(&self) -> (usize, usize, usize) {
        let inner = self.lock();
        (inner.fetching, inner.used_kib, inner.front_queued_kib)
    }
}

impl Ticket {
    /// Taken behind the front: its page is read whole into the pool.
    pub fn is_behind(&self) -> bool {
        self.behind
    }

    /// The fetched page of `bytes` takes its place: behind the front, the reservation becomes the
    /// page's real size at once; the front's page waits for a place in the front queue.
    pub async fn into_room(mut self, bytes: usize) -> Room {
        let gate = self.gate.clone();
        let kib = gate.kib(bytes);
        // The lane goes back first: waiting for the writer must not hold a request lane.
        {
            let mut inner = gate.lock();
            inner.fetching -= 1;
            if self.behind {
                inner.used_kib = (inner.used_kib + kib).saturating_sub(self.kib);
            }
        }
        self.lane = false;
        gate.changed.notify_waiters();
        if self.behind {
            self.behind = false;
            self.kib = 0;
            return Room {
                gate,
                kib,
                front: false,
            };
        }
        gate.front_room(bytes).await
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.lane || self.behind {
            {
                let mut inner = self.gate.lock();
                if self.lane {
                    inner.fetching -= 1;
                }
                if self.behind {
                    inner.used_kib -= self.kib;
                }
            }
            self.gate.changed.notify_waiters();
        }
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        {
            let mut inner = self.gate.lock();
            if self.front {
                inner.front_queued_kib -= self.kib;
            } else {
                inner.used_kib -= self.kib;
            }
        }
        self.gate.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const KIB: usize = 1024;

    async fn pending<T>(f: impl std::future::Future<Output = T>) -> bool {
        tokio::time::timeout(Duration::from_millis(50), f)
            .await
            .is_err()
    }

    #[tokio::test]
    async fn at_most_max_concurrent_requests_at_once_and_the_front_is_next() {
        let gate = Gate::new(3, 1 << 20);
        let a = gate.fetch(1, KIB).await;
        let _b = gate.fetch(2, KIB).await;
        let _c = gate.fetch(3, KIB).await;
        assert_eq!(gate.snapshot(), (3, 3, 0));
        let g = gate.clone();
        let later = tokio::spawn(async move { g.fetch(4, KIB).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let g = gate.clone();
        let front = tokio::spawn(async move { g.fetch(0, KIB).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!later.is_finished() && !front.is_finished());
        // A lane comes back when its page has arrived, before the page is written.
        let _page = a.into_room(KIB).await;
        let front = front.await.unwrap();
        assert!(!later.is_finished(), "the front goes first");
        drop(front);
        later.await.unwrap();
    }

    #[tokio::test]
    async fn the_oldest_waiting_slice_goes_first() {
        let gate = Gate::new(1, 1 << 20);
        let held = gate.fetch(1, KIB).await;
        let g = gate.clone();
        let late = tokio::spawn(async move { g.fetch(9, KIB).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let g = gate.clone();
        let early = tokio::spawn(async move { g.fetch(5, KIB).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held);
        let early = early.await.unwrap();
        assert!(!late.is_finished(), "slice 9 must wait for slice 5");
        drop(early);
        late.await.unwrap();
    }

    #[tokio::test]
    async fn requests_behind_the_front_reserve_pool_room_until_their_page_is_written() {
        let gate = Gate::new(4, 64 * KIB);
        let a = gate.fetch(1, 40 * KIB).await;
        assert!(pending(gate.fetch(2, 40 * KIB)).await, "over the pool");
        // The page came in smaller than reserved: the rest of the reservation is free at once.
        let page = a.into_room(10 * KIB).await;
        assert_eq!(gate.snapshot(), (0, 10, 0));
        let b = gate.fetch(2, 40 * KIB).await;
        // Larger than reserved: the pool overshoots by the difference and the next slice waits.
        let big = b.into_room(60 * KIB).await;
        assert_eq!(gate.snapshot().1, 70);
        assert!(pending(gate.fetch(3, KIB)).await);
        drop(page);
        drop(big);
        assert_eq!(gate.snapshot(), (0, 0, 0));
        // An estimate larger than the whole pool takes all of it instead of waiting forever.
        let huge = gate.fetch(3, 10 << 20).await;
        assert_eq!(gate.snapshot().1, 64);
        drop(huge);
        assert_eq!(gate.snapshot(), (0, 0, 0));
    }

    #[tokio::test]
    async fn the_front_bypasses_a_full_pool_but_queues_at_most_front_queue_bytes() {
        let gate = Gate::new(4, 4 * KIB);
        let _full = gate.fetch(7, 4 * KIB).await;
        // A part larger than the whole queue goes when the queue is empty.
        let huge = gate.fetch(0, 8 << 20).await.into_room(8 << 20).await;
        assert_eq!(gate.snapshot(), (1, 4, 8 << 10)); // `_full`'s lane and pool room
        assert!(pending(gate.front_room(KIB)).await, "front queue full");
        drop(huge);
        let mut parts = Vec::new();
        for _ in 0..FRONT_QUEUE_BYTES / (256 * KIB) {
            parts.push(gate.front_room(256 * KIB).await);
        }
        let ticket = gate.fetch(0, KIB).await;
        assert!(pending(ticket.into_room(KIB)).await, "front queue full");
        parts.pop();
        let _next = gate.fetch(0, KIB).await.into_room(KIB).await;
        // Parts hold no lane: only `_full`'s is taken.
        assert_eq!(gate.snapshot().0, 1);
    }

    #[tokio::test]
    async fn a_waiter_that_becomes_the_front_stops_waiting() {
        let gate = Gate::new(2, 4 * KIB);
        let _full = gate.fetch(3, 4 * KIB).await;
        let g = gate.clone();
        let waiter = tokio::spawn(async move { g.fetch(2, 4 * KIB).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        gate.set_front(2);
        let ticket = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the new front must not wait")
            .unwrap();
        assert!(!ticket.behind);
    }

    #[tokio::test]
    async fn an_aborted_waiter_does_not_block_those_behind_it() {
        let gate = Gate::new(1, 1 << 20);
        let held = gate.fetch(1, KIB).await;
        let g = gate.clone();
        let first = tokio::spawn(async move { g.fetch(2, KIB).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        let _ = first.await;
        drop(held);
        let _t = tokio::time::timeout(Duration::from_secs(5), gate.fetch(3, KIB))
            .await
            .expect("slice 3 must not wait for an aborted slice 2");
    }

    #[test]
    fn page_size_follows_growth_fast_and_shrinks_slowly() {
        let size = PageSize::new();
        size.observe(4 << 20);
        assert!(size.get() >= 2 << 20);
        size.observe(4 << 20);
        assert!(size.get() >= 3 << 20);
        size.observe(0);
        assert!(size.get() >= 2 << 20);
    }
}
