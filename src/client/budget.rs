//! The client-side request budget: requests are spaced inside the configured rate, at most the daily
//! number are sent, a 429 holds every request (Gong's limit is per company), and repeated 429s lower the
//! rate (Gong's real limit may be below the configured one).
//!
//! Invariants: the interval between slots only grows (down to [`MIN_RATE`] requests per second), and a
//! waiting request leaves the queue however its wait ends.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, Reason, Result};

tokio::task_local! {
    /// The budget's priority of the requests a task sends: lower goes first. The sync engine runs each
    /// slice with its sequence number, so the slice the writer waits for gets the next slot; requests
    /// outside any slice (parent lists, `check`, `execute`) have 0.
    pub static PRIORITY: u64;

    /// Where the API requests a task sends are tallied: the sync engine runs each stream's planning and
    /// slices with the stream's counter, so a request (a retry too) counts against the stream that sent
    /// it, and a shared page against the stream that asked for it first. Gong sends no quota headers,
    /// so these counts are all a sync knows of what it spent.
    pub static TALLY: Arc<AtomicU64>;

    /// What of the day's budget the requests a task sends may spend (see [`Spend`]); outside any
    /// scope, [`Spend::All`].
    pub static SPEND: Spend;
}

/// What of the day's budget a task's requests may spend. The sync engine decides it per slice (and per
/// stream's planning) so that the budget goes, in order, to new calls, then to the open periods and
/// snapshots due in this sync, then to history: a long backfill never takes what the next syncs' new
/// calls need (the reserve) nor what this sync's due snapshots need (their holds).
#[derive(Debug, Clone, Default)]
pub enum Spend {
    /// The whole budget: new calls and what is read from them, and every request outside a sync.
    #[default]
    All,
    /// All but the reserve ([`RateBudget::reserve`]): the planning of the streams not read on every
    /// sync, and the deletion sweep.
    KeepReserve,
    /// A due open period or snapshot: all but the reserve; each request granted draws one from its
    /// hold ([`RateBudget::hold`]), so history may use what it does not need.
    Held(Arc<AtomicU64>),
    /// History (older than the recent week, of any stream): all but the reserve and what the holds of
    /// the due periods and snapshots still keep.
    History,
}

/// Client-side request budget: requests are spaced at most `per_second` apart, and at most `per_day` are
/// sent by this process, so Gong's 429 is rare rather than the pacing mechanism. A 429 pushes the next
/// slot of every request back by its `Retry-After`. When requests wait for slots, the one with the lowest
/// [`PRIORITY`] (then the earliest) goes first.
#[derive(Debug)]
pub struct RateBudget {
    /// Requests this process may send: `requests_per_day`, less what the ledger says the last 24 hours
    /// spent (`ledger.rs`, set by the sync through [`RateBudget::limit`]).
    per_day: AtomicU64,
    /// The last requests of `per_day` only [`Spend::All`] requests may use.
    reserve: AtomicU64,
    /// The requests the holds of due periods and snapshots keep from [`Spend::History`].
    held: AtomicU64,
    /// The most the holds together keep from history ([`RateBudget::cap_holds`]).
    hold_cap: AtomicU64,
    state: Mutex<BudgetState>,
    changed: tokio::sync::Notify,
}

#[derive(Debug)]
struct BudgetState {
    /// Time between slots: `1 / requests_per_second`, longer after repeated 429s.
    interval: Duration,
    /// When the rate was last lowered: one burst of 429s lowers it once.
    slowed_at: Option<Instant>,
    next_slot: Instant,
    used: u64,
    arrivals: u64,
    /// (priority, arrival) of every request waiting for a slot.
    waiting: std::collections::BTreeSet<(u64, u64)>,
}

/// Lateness of a timer wake-up that still counts as on time: keeps slots on their grid instead of
/// drifting by the timer's slack on every request.
const SLOT_SLACK: Duration = Duration::from_millis(5);

/// A slot this close is taken at once: tokio's timer ticks in milliseconds, so sleeping for less would
/// cost a whole tick per request (1,000 pages paid a second for it at high budgets). The average rate is
/// unchanged; a request goes at most this much early.
const SLOT_EARLY: Duration = Duration::from_millis(1);

impl RateBudget {
    /// `per_second` is bounded to [[`MIN_RATE`], 1e9] here too, so no value can overflow a duration.
    pub fn new(per_second: f64, per_day: u64) -> Self {
        let per_second = if per_second.is_finite() {
            per_second.clamp(MIN_RATE, 1e9)
        } else {
            MIN_RATE
        };
        RateBudget {
            per_day: per_day.into(),
            reserve: 0.into(),
            held: 0.into(),
            hold_cap: u64::MAX.into(),
            state: Mutex::new(BudgetState {
                interval: Duration::from_secs_f64(1.0 / per_second),
                slowed_at: None,
                next_slot: Instant::now(),
                used: 0,
                arrivals: 0,
                waiting: Default::default(),
            }),
            changed: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for this request's slot. Fails when the day's budget is spent.
    pub async fn acquire(&self) -> Result<()> {
        let priority = PRIORITY.try_with(|p| *p).unwrap_or(0);
        let key = {
            let mut st = self.lock();
            if st.used >= self.limit_now() {
                return Err(self.spent());
            }
            st.arrivals += 1;
            let key = (priority, st.arrivals);
            st.waiting.insert(key);
            key
        };
        // Leaves the queue however the wait ends (granted, or the request's task aborted).
        struct InLine<'a>(&'a RateBudget, (u64, u64));
        impl Drop for InLine<'_> {
            fn drop(&mut self) {
                if self.0.lock().waiting.remove(&self.1) {
                    self.0.changed.notify_waiters();
                }
            }
        }
        let _in_line = InLine(self, key);
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let slot = {
                let mut st = self.lock();
                let now = Instant::now();
                if st.waiting.first() == Some(&key) && now + SLOT_EARLY >= st.next_slot {
                    // Counted when granted, not on arrival: the last requests of the day go to the
                    // highest priority waiting, not to whoever asked first.
                    if st.used >= self.limit_now() {
                        return Err(self.spent());
                    }
                    st.used += 1;
                    self.draw_hold();
                    let slot = if now <= st.next_slot + SLOT_SLACK {
                        st.next_slot
                    } else {
                        now
                    };
                    st.next_slot = slot + st.interval;
                    return Ok(());
                }
                (st.waiting.first() == Some(&key)).then_some(st.next_slot)
            };
            match slot {
                Some(at) => {
                    tokio::select! {
                        _ = &mut notified => {}
                        _ = tokio::time::sleep_until(at) => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// The limit of the calling task's requests (see [`Spend`]).
    fn limit_now(&self) -> u64 {
        self.per_day.load(Relaxed).saturating_sub(self.kept_from())
    }

    /// What the calling task's requests leave to others: the reserve, and for history the holds too.
    fn kept_from(&self) -> u64 {
        let reserve = self.reserve.load(Relaxed);
        SPEND
            .try_with(|s| match s {
                Spend::All => 0,
                Spend::KeepReserve | Spend::Held(_) => reserve,
                Spend::History => reserve.saturating_add(self.held_now()),
            })
            .unwrap_or(0)
    }

    /// What the holds keep from history now: their sum, at most the cap.
    fn held_now(&self) -> u64 {
        self.held.load(Relaxed).min(self.hold_cap.load(Relaxed))
    }

    /// Lets the holds together keep at most `n` requests from history, so history always gets the rest.
    pub fn cap_holds(&self, n: u64) {
        self.hold_cap.store(n, Relaxed);
    }

    /// Keeps the last `n` requests of the limit for [`Spend::All`] requests.
    pub fn reserve(&self, n: u64) {
        self.reserve.store(n, Relaxed);
    }

    /// Keeps `n` requests from history for a due period or snapshot: the hold its [`Spend::Held`]
    /// requests draw on, until they have drawn `n` or [`RateBudget::release`] gives the rest back.
    pub fn hold(&self, n: u64) -> Arc<AtomicU64> {
        self.held.fetch_add(n, Relaxed);
        self.changed.notify_waiters();
        Arc::new(AtomicU64::new(n))
    }

    /// Gives back what a hold did not draw (its stream is read, failed or deferred).
    pub fn release(&self, hold: &AtomicU64) {
        let rest = hold.swap(0, Relaxed);
        self.lower_held(rest);
    }

    /// A granted request of a [`Spend::Held`] task draws one from its hold.
    fn draw_hold(&self) {
        let _ = SPEND.try_with(|s| {
            if let Spend::Held(hold) = s {
                if hold
                    .fetch_update(Relaxed, Relaxed, |n| n.checked_sub(1))
                    .is_ok()
                {
                    self.lower_held(1);
                }
            }
        });
    }

    fn lower_held(&self, n: u64) {
        let _ = self
            .held
            .fetch_update(Relaxed, Relaxed, |h| Some(h.saturating_sub(n)));
    }

    fn spent(&self) -> Error {
        let reserve = self.reserve.load(Relaxed);
        let kept = SPEND
            .try_with(|s| match s {
                Spend::All => String::new(),
                Spend::KeepReserve | Spend::Held(_) => {
                    format!(", less {reserve} kept for new calls")
                }
                Spend::History => format!(
                    ", less {reserve} kept for new calls and {} for the periods and snapshots due in this sync",
                    self.held_now()
                ),
            })
            .unwrap_or_default();
        Error::transient(format!(
            "The request budget of this sync ({} requests: requests_per_day less what the last 24 hours spent{kept}) is spent. Progress is saved; the next sync goes on once the budget frees up.",
            self.limit_now()
        ))
        .with_reason(Reason::BudgetSpent)
    }

    /// Lowers the number of requests this process may send to `most` (never raises it): the sync sets
    /// what its ledger leaves of the day's budget, or closes the budget when Gong's quota is spent.
    pub fn limit(&self, most: u64) {
        self.per_day.fetch_min(most, Relaxed);
        self.changed.notify_waiters();
    }

    /// Pushes every future slot back until `until` (after a 429).
    pub fn pause_until(&self, until: Instant) {
        let mut st = self.lock();
        if st.next_slot < until {
            st.next_slot = until;
        }
        drop(st);
        self.changed.notify_waiters();
    }

    pub fn used(&self) -> u64 {
        self.lock().used
    }

    /// The current rate, in requests per second.
    pub fn rate(&self) -> f64 {
        1.0 / self.lock().interval.as_secs_f64()
    }

    /// Gong answered 429 although the budget paced requests: its real limit is below the configured
    /// rate, so lower the rate by [`SLOWDOWN`] (once per [`SLOWDOWN_EVERY`], so the 429s of one burst
    /// count once). Returns the new rate when it changed.
    pub fn slow_down(&self) -> Option<f64> {
        let mut st = self.lock();
        let now = Instant::now();
        if st
            .slowed_at
            .is_some_and(|at| now.duration_since(at) < SLOWDOWN_EVERY)
        {
            return None;
        }
        let longest = Duration::from_secs_f64(1.0 / MIN_RATE);
        let longer = st.interval.mul_f64(1.0 / SLOWDOWN).min(longest);
        if longer <= st.interval {
            return None;
        }
        st.interval = longer;
        st.slowed_at = Some(now);
        Some(1.0 / longer.as_secs_f64())
    }
}

/// The lowest rate the budget slows down to, in requests per second.
pub const MIN_RATE: f64 = 0.05;
/// Each slowdown multiplies the rate by this.
const SLOWDOWN: f64 = 0.5;
/// At most one slowdown this often.
const SLOWDOWN_EVERY: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn budget_spaces_requests_and_caps_the_day() {
        let budget = RateBudget::new(2.0, 3);
        let start = Instant::now();
        budget.acquire().await.unwrap();
        budget.acquire().await.unwrap();
        budget.acquire().await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_millis(1000));
        let e = budget.acquire().await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transient);
        assert_eq!(budget.used(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn the_reserve_is_left_to_requests_that_do_not_keep_it() {
        let budget = RateBudget::new(100.0, 10);
        budget.reserve(3);
        for _ in 0..7 {
            SPEND
                .scope(Spend::KeepReserve, budget.acquire())
                .await
                .unwrap();
        }
        let e = SPEND
            .scope(Spend::KeepReserve, budget.acquire())
            .await
            .unwrap_err();
        assert_eq!(e.reason, Reason::BudgetSpent);
        for _ in 0..3 {
            budget.acquire().await.unwrap();
        }
        assert!(budget.acquire().await.is_err());
        assert_eq!(budget.used(), 10);
    }

    #[tokio::test(start_paused = true)]
    async fn history_leaves_what_the_due_snapshots_hold() {
        let budget = RateBudget::new(100.0, 20);
        budget.reserve(2);
        let hold = budget.hold(5);
        let history = || SPEND.scope(Spend::History, budget.acquire());
        for _ in 0..13 {
            history().await.unwrap();
        }
        let e = history().await.unwrap_err();
        assert_eq!(e.reason, Reason::BudgetSpent);
        assert!(
            e.message.contains("5 for the periods and snapshots"),
            "{}",
            e.message
        );
        // The snapshot draws on its hold; what it leaves of it goes back to history once released.
        for _ in 0..3 {
            SPEND
                .scope(Spend::Held(hold.clone()), budget.acquire())
                .await
                .unwrap();
        }
        assert_eq!(hold.load(Relaxed), 2);
        assert!(history().await.is_err(), "still held: 2");
        budget.release(&hold);
        history().await.unwrap();
        history().await.unwrap();
        assert!(history().await.is_err(), "the reserve is left");
        budget.acquire().await.unwrap();
        budget.acquire().await.unwrap();
        assert_eq!(budget.used(), 20);
    }

    #[tokio::test(start_paused = true)]
    async fn holds_keep_at_most_their_cap_from_history() {
        let budget = RateBudget::new(100.0, 20);
        let _hold = budget.hold(15);
        budget.cap_holds(6);
        for _ in 0..14 {
            SPEND.scope(Spend::History, budget.acquire()).await.unwrap();
        }
        let e = SPEND
            .scope(Spend::History, budget.acquire())
            .await
            .unwrap_err();
        assert!(e.message.contains("6 for the periods"), "{}", e.message);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_requests_go_by_priority_then_arrival() {
        let budget = Arc::new(RateBudget::new(1.0, 100));
        budget.acquire().await.unwrap(); // the next slot is a second away
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, priority) in [("late-a", 9), ("front", 1), ("late-b", 9), ("next", 2)] {
            let (budget, order) = (budget.clone(), order.clone());
            tasks.push(tokio::spawn(PRIORITY.scope(priority, async move {
                budget.acquire().await.unwrap();
                order.lock().unwrap().push(name);
            })));
            tokio::task::yield_now().await;
        }
        let start = Instant::now();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            *order.lock().unwrap(),
            vec!["front", "next", "late-a", "late-b"]
        );
        // Still one a second.
        assert_eq!(Instant::now() - start, Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn an_abandoned_wait_frees_the_queue() {
        let budget = Arc::new(RateBudget::new(1.0, 100));
        budget.acquire().await.unwrap();
        let b = budget.clone();
        let first = tokio::spawn(PRIORITY.scope(1, async move { b.acquire().await }));
        tokio::task::yield_now().await;
        first.abort();
        let _ = first.await;
        tokio::time::timeout(Duration::from_secs(2), PRIORITY.scope(5, budget.acquire()))
            .await
            .expect("an aborted request must not hold the line")
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_every_request() {
        let budget = RateBudget::new(10.0, 100);
        let start = Instant::now();
        budget.pause_until(start + Duration::from_secs(5));
        budget.acquire().await.unwrap();
        assert!(Instant::now() - start >= Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_429s_lower_the_rate_once_per_burst() {
        let budget = RateBudget::new(8.0, 1000);
        assert_eq!(budget.slow_down(), Some(4.0));
        assert_eq!(budget.slow_down(), None, "the same burst");
        tokio::time::advance(Duration::from_millis(1100)).await;
        assert_eq!(budget.slow_down(), Some(2.0));
        for _ in 0..20 {
            tokio::time::advance(Duration::from_millis(1100)).await;
            budget.slow_down();
        }
        assert!((budget.rate() - MIN_RATE).abs() < 1e-9, "{}", budget.rate());
    }

    #[test]
    fn absurd_rates_do_not_panic() {
        for rate in [1e-20, 0.0, -1.0, f64::NAN, f64::INFINITY, 1e300] {
            let b = RateBudget::new(rate, 1);
            assert!(b.rate() >= MIN_RATE && b.rate().is_finite(), "{rate}");
        }
    }
}
