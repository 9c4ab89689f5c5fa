//! What the reads of a stream on a cadence cost, learned from the reads themselves and kept in the
//! stream's state, and what follows from it: how much its next read holds from history, and how far its
//! cadence stretches so that it fits the day's share.
//!
//! Two figures per stream, both written into each of its STATEs (`Quota::decorate`) and read back from
//! the states a sync is given:
//!
//! * [`PER_SLICE_KEY`]: a snapshot's requests per slice, from its last read (whole, or the part a budget
//!   stopped). The plan's estimate of a snapshot is a floor (`flows`: one request a user planned, two to
//!   three sent, as the company's flows come 100 a page), so its hold would be too small without it.
//! * [`READ_COST_KEY`]: the requests of the stream's last whole read of what was due (a snapshot whole, a
//!   period stream's open periods). A stream whose reads cost more than [`STREAM_SHARE_PERCENT`] of
//!   `requests_per_day` a day at its cadence is read less often: its hours stretch to what that share
//!   pays for ([`ReadCosts::stretch`]). An hours value the config sets (`stream_cadence_hours`) is kept.
//!
//! Invariants: a figure not ours (out of its bounds, not a number) is ignored, never an error: it only
//! steers the budget; a stream never read keeps its default cadence and its plan's estimate.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use crate::config::Config;

/// The key, in a snapshot stream's state, of the requests per slice its last read cost.
pub const PER_SLICE_KEY: &str = "requests_per_slice";

/// The key, in a cadenced stream's state, of the requests its last whole read of what was due cost.
pub const READ_COST_KEY: &str = "read_cost";

/// What a stream read on a cadence may cost a day on average, in percent of `requests_per_day`. 10%: a
/// company's every stream at its default cadence then fits the default share with room for the calls and
/// their history: at 5,000 users `flows` (about 15,000 requests a read) is read every 38 days rather than
/// weekly, `user_settings_history` (5,000) every 13 days, coaching's open month (1,000) every 60 hours;
/// at 1,000 users only `flows` (about 3,000) moves, from 7 to 8 days.
pub const STREAM_SHARE_PERCENT: u64 = 10;

/// The most requests per slice a state may claim: beyond it, the figure is not ours.
const MOST_PER_SLICE: f64 = 1000.0;

/// The longest a cadence stretches: a costly stream is still read every 90 days.
const MOST_HOURS: u64 = 90 * 24;

/// The learned costs of the streams of a sync, by stream name.
#[derive(Debug, Default)]
pub struct ReadCosts {
    per_slice: Mutex<HashMap<String, f64>>,
    read_cost: Mutex<HashMap<String, u64>>,
}

impl ReadCosts {
    /// The figures of the given states (selected streams or not).
    pub fn load(&self, states: &HashMap<String, Value>) {
        let per_slice = states.iter().filter_map(|(name, state)| {
            let n = state.get(PER_SLICE_KEY)?.as_f64()?;
            (1.0..=MOST_PER_SLICE)
                .contains(&n)
                .then(|| (name.clone(), n))
        });
        *lock(&self.per_slice) = per_slice.collect();
        let read_cost = states
            .iter()
            .filter_map(|(name, state)| Some((name.clone(), state.get(READ_COST_KEY)?.as_u64()?)));
        *lock(&self.read_cost) = read_cost.collect();
    }

    /// What a due stream's `slices` (planned at `estimate` requests) hold from history: the estimate,
    /// or what the stream's last read cost per slice when that is more.
    pub fn need(&self, stream: &str, slices: usize, estimate: u64) -> u64 {
        let learned = lock(&self.per_slice).get(stream).copied().unwrap_or(0.0);
        estimate.max((learned * slices as f64).ceil() as u64)
    }

    /// A snapshot stream's read in this sync cost `requests` for its `slices` (read whole, or in part
    /// when the budget stopped it): its next read holds that much per slice.
    pub fn learn(&self, stream: &str, requests: u64, slices: usize) {
        if slices == 0 {
            return;
        }
        let n = (requests as f64 / slices as f64).clamp(1.0, MOST_PER_SLICE);
        lock(&self.per_slice).insert(stream.to_string(), (n * 100.0).round() / 100.0);
    }

    /// `stream` was read whole in this sync: what was due held `need` requests for `slices` slices (those
    /// an earlier sync read included); its read cost is that, or its learned cost per slice when more.
    pub fn read_whole(&self, stream: &str, need: u64, slices: usize) {
        let cost = self.need(stream, slices, need);
        if cost > 0 {
            lock(&self.read_cost).insert(stream.to_string(), cost);
        }
    }

    /// `hours` (the stream's cadence, 0: every sync) stretched so that its last read's cost, once per
    /// cadence, stays within [`STREAM_SHARE_PERCENT`] of `requests_per_day` a day; kept as it is when
    /// the config sets it, the stream is read on every sync or was never read whole.
    pub fn stretch(&self, stream: &str, hours: u32, config: &Config) -> u32 {
        if hours == 0 || config.cadence_hours.contains_key(stream) {
            return hours;
        }
        let Some(cost) = lock(&self.read_cost).get(stream).copied() else {
            return hours;
        };
        let per_day = (config.requests_per_day * STREAM_SHARE_PERCENT / 100).max(1);
        let needed = cost.saturating_mul(24).div_ceil(per_day).min(MOST_HOURS);
        hours.max(needed as u32)
    }

    /// The last read's cost, for the LOG.
    pub fn cost(&self, stream: &str) -> Option<u64> {
        lock(&self.read_cost).get(stream).copied()
    }

    /// Adds the stream's figures to a STATE being written.
    pub fn decorate(&self, stream: &str, map: &mut Map<String, Value>) {
        if let Some(n) = lock(&self.per_slice).get(stream) {
            map.insert(PER_SLICE_KEY.into(), json!(n));
        }
        if let Some(n) = lock(&self.read_cost).get(stream) {
            map.insert(READ_COST_KEY.into(), json!(n));
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn config(extra: Value) -> Config {
        let mut v = json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"}});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap();
        Config::from_value(v, now.with_timezone(&Utc)).unwrap()
    }

    #[test]
    fn a_snapshot_holds_what_its_last_read_cost_per_slice() {
        let c = ReadCosts::default();
        assert_eq!(c.need("flows", 100, 100), 100, "never read: the estimate");
        c.learn("flows", 290, 100);
        assert_eq!(c.need("flows", 50, 50), 145);
        assert_eq!(
            c.need("flows", 50, 200),
            200,
            "the estimate when it is more"
        );
        let mut state = Map::new();
        c.decorate("flows", &mut state);
        assert_eq!(state[PER_SLICE_KEY], json!(2.9));
        // Read back from the state; a figure that is not ours is ignored.
        let c = ReadCosts::default();
        let bad = json!({ PER_SLICE_KEY: 1e9, READ_COST_KEY: "many" });
        c.load(&HashMap::from([
            ("flows".into(), Value::Object(state)),
            ("users".into(), bad),
        ]));
        assert_eq!(c.need("flows", 10, 0), 29);
        assert_eq!(c.need("users", 10, 3), 3);
        assert_eq!(c.cost("users"), None);
    }

    #[test]
    fn a_costly_read_stretches_its_cadence_to_its_share_of_the_day() {
        let cfg = config(json!({}));
        let c = ReadCosts::default();
        assert_eq!(c.stretch("flows", 168, &cfg), 168, "never read whole");
        // 15,000 requests at 400 a day (10% of 4,000): 38 days.
        c.learn("flows", 15_000, 5_000);
        c.read_whole("flows", 5_000, 5_000);
        assert_eq!(c.cost("flows"), Some(15_000));
        assert_eq!(c.stretch("flows", 168, &cfg), 900);
        // Cheap reads keep their cadence; every-sync streams are never stretched.
        c.read_whole("coaching", 200, 200);
        assert_eq!(c.stretch("coaching", 24, &cfg), 24);
        assert_eq!(c.stretch("calls", 0, &cfg), 0);
        // A cadence the config sets is kept; a larger share stretches less.
        let set = config(json!({"stream_cadence_hours": [{"stream": "flows", "hours": 24}]}));
        assert_eq!(c.stretch("flows", 24, &set), 24);
        let big = config(json!({"requests_per_day": 10_000}));
        assert_eq!(c.stretch("flows", 168, &big), 360);
        // At most 90 days.
        c.read_whole("flows", 10_000_000, 1);
        assert_eq!(c.stretch("flows", 168, &cfg), 2160);
    }
}
