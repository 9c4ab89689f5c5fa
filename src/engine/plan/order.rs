//! The order a windowed plan's windows are read in, and the checkpoint each completes: what is new
//! first, then the history newest first (the two-edge state of `state.rs`).
//!
//! A windowed stream (call windows, id batches, typed and review windows) or a period stream (stats days
//! and periods, coaching months) reads two ranges
//! (`plan::spans`): the *recent* range, from the saved cursor less the lookback to now, oldest first as
//! ever (each window's checkpoint moves the cursor and keeps the saved backfill edge), then the
//! *history*, from the backfill edge (or now, without a state) down to `start_date`, newest first: each
//! history window's checkpoint is `{cursor: the top of what is read, backfill: the window's start}`, and
//! the window reaching `start_date` drops the edge (the history is complete). So a company whose history
//! does not fit in a day's share has its recent weeks first, and a sync stopped by the budget goes on
//! where it stopped.
//!
//! Windows are laid out from the range's start as before (fixed or adaptive widths, `windows.rs`; periods
//! on their calendar), so two streams sharing a listing still plan the same windows; only the order is
//! reversed. A period's several slices (coaching: one per workspace and manager) stay together, the
//! checkpoint on the last.
//!
//! Invariants:
//! * In the order given, each checkpoint claims only windows at or before it: a STATE never claims a
//!   window not written, whatever slice the read stops at.
//! * A typed plan's lanes (one per value, each its own widths) are merged so that a checkpoint moves
//!   only where every lane is read: forward, the least end read; backward, the greatest start.
//! * History windows ending more than [`RECENT`] before now are marked `history`: they leave the share's
//!   reserve for the new calls of the day's later syncs (`quota.rs`); the recent week never does.

use chrono::{DateTime, Duration, Utc};

use super::{Slice, Span};
use crate::state::Checkpoint;

/// How far back data counts as recent: a new connection's first week is read within the reserve.
pub const RECENT: Duration = Duration::days(7);

/// A window of a lane: its start, its end, its slice.
pub type Lane = (DateTime<Utc>, DateTime<Utc>, Slice);

/// The slices of a windowed plan in reading order: the recent range's (`recent`, already in order with
/// their cursors), each keeping the saved backfill edge while history is left, then the history's lanes
/// (`history`, laid out over `history_span`) newest first.
pub fn arrange(
    recent: Vec<Slice>,
    history: Vec<Vec<Lane>>,
    history_span: Option<&Span>,
    saved: Option<&Checkpoint>,
    now: DateTime<Utc>,
) -> Vec<Slice> {
    let edge = history_span.and(saved.and_then(|c| c.backfill));
    let mut slices: Vec<Slice> = recent
        .into_iter()
        .map(|mut slice| {
            if let Some(cp) = slice.checkpoint.as_mut() {
                cp.backfill = edge;
            }
            slice
        })
        .collect();
    let Some(span) = history_span else {
        return slices;
    };
    let top = slices
        .iter()
        .filter_map(|s| s.checkpoint)
        .map(|c| c.cursor)
        .max()
        .or(saved.map(|c| c.cursor))
        .unwrap_or_else(|| own_top(&history, span));
    slices.extend(backward(history, span, top, now));
    slices
}

/// The cursor a first read's history claims: the newest window's own checkpoint (a review window's
/// today, which is not over, stays out), else the history's end.
fn own_top(history: &[Vec<Lane>], span: &Span) -> DateTime<Utc> {
    history
        .iter()
        .flatten()
        .filter_map(|(_, _, s)| s.checkpoint)
        .map(|c| c.cursor)
        .max()
        .unwrap_or(span.end)
}

/// The lanes of the recent range in reading order: one lane as planned (its own checkpoints), several
/// merged by window start (then value) with a checkpoint only where every lane is read up to it (the
/// least end read so far), so a wide window of a value without entries is written first and holds no
/// checkpoint back. With lanes of equal windows this is the fixed plan's order, the last value of each
/// window carrying its end.
pub fn forward(mut lanes: Vec<Vec<Lane>>, from: DateTime<Utc>) -> Vec<Slice> {
    if lanes.len() == 1 {
        return lanes.remove(0).into_iter().map(|(_, _, s)| s).collect();
    }
    let mut read = vec![from; lanes.len()];
    let mut all = flatten(lanes);
    all.sort_by_key(|(lane, (start, _, _))| (*start, *lane));
    let mut last = from;
    all.into_iter()
        .map(|(lane, (_, end, mut slice))| {
            read[lane] = end;
            let covered = read.iter().copied().min().unwrap_or(end);
            slice.checkpoint = (covered > last).then_some(Checkpoint::at(covered));
            last = last.max(covered);
            slice
        })
        .collect()
}

/// The history's lanes newest first: by window end (then value; a window of several slices, such as a
/// coaching month's managers, keeps its order), each lane read down to a window's start once the
/// window's last slice is read; a checkpoint `{top, edge}` where the edge (the greatest start over the
/// lanes) moves down, the edge dropped once it reaches the span's start.
fn backward(
    lanes: Vec<Vec<Lane>>,
    span: &Span,
    top: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Slice> {
    let mut down = vec![span.end; lanes.len()];
    let mut all = flatten(lanes);
    all.sort_by_key(|(lane, (_, end, _))| (std::cmp::Reverse(*end), *lane));
    let ends: Vec<bool> = (0..all.len())
        .map(|i| {
            let window = |j: usize| all.get(j).map(|(lane, (s, e, _))| (*lane, *s, *e));
            window(i + 1) != window(i)
        })
        .collect();
    let mut last = span.end;
    all.into_iter()
        .zip(ends)
        .map(|((lane, (start, end, mut slice)), window_read)| {
            slice.checkpoint = None;
            slice.history = end <= now - RECENT;
            if !window_read {
                return slice;
            }
            down[lane] = down[lane].min(start);
            let edge = down.iter().copied().max().unwrap_or(start);
            slice.checkpoint = (edge < last).then_some(Checkpoint {
                cursor: top,
                backfill: (edge > span.from).then_some(edge),
            });
            last = last.min(edge);
            slice
        })
        .collect()
}

/// Every window of every lane with its lane's number.
fn flatten(lanes: Vec<Vec<Lane>>) -> Vec<(usize, Lane)> {
    lanes
        .into_iter()
        .enumerate()
        .flat_map(|(i, lane)| lane.into_iter().map(move |w| (i, w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ApiRequest;

    fn day(n: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(0, 0).unwrap() + Duration::days(n)
    }

    /// A lane's windows from the given day boundaries, each slice named by its lane and start and
    /// carrying its end as its own checkpoint.
    fn lane(name: &str, bounds: &[i64]) -> Vec<Lane> {
        bounds
            .windows(2)
            .map(|w| {
                let request = ApiRequest::get(format!("/{name}/{}", w[0]));
                let slice = Slice::new(request, String::new(), Some(day(w[1])));
                (day(w[0]), day(w[1]), slice)
            })
            .collect()
    }

    fn merged(lanes: Vec<Vec<Lane>>) -> Vec<(String, Option<i64>)> {
        forward(lanes, day(0))
            .into_iter()
            .map(|s| {
                let cursor = s.checkpoint.map(|c| (c.cursor - day(0)).num_days());
                (s.request.path, cursor)
            })
            .collect()
    }

    fn named(want: &[(&str, Option<i64>)]) -> Vec<(String, Option<i64>)> {
        want.iter().map(|(p, c)| (p.to_string(), *c)).collect()
    }

    #[test]
    fn equal_lanes_merge_into_the_fixed_plans_order_and_checkpoints() {
        let got = merged(vec![lane("a", &[0, 7, 14]), lane("b", &[0, 7, 14])]);
        let want = [
            ("/a/0", None),
            ("/b/0", Some(7)),
            ("/a/7", None),
            ("/b/7", Some(14)),
        ];
        assert_eq!(got, named(&want));
    }

    #[test]
    fn a_wide_empty_lane_is_written_first_and_holds_no_checkpoint_back() {
        // Lane a widened (no entries): one window over the whole range; lane b has 7-day windows.
        let got = merged(vec![lane("a", &[0, 21]), lane("b", &[0, 7, 14, 21])]);
        let want = [
            ("/a/0", None),
            ("/b/0", Some(7)),
            ("/b/7", Some(14)),
            ("/b/14", Some(21)),
        ];
        assert_eq!(got, named(&want));
        // Checkpoints never claim more than every lane has read.
        let got = merged(vec![lane("a", &[0, 3, 21]), lane("b", &[0, 14, 21])]);
        let want = [
            ("/a/0", None),
            ("/b/0", Some(3)),
            ("/a/3", Some(14)),
            ("/b/14", Some(21)),
        ];
        assert_eq!(got, named(&want));
    }

    fn span(from: i64, end: i64) -> Span {
        Span {
            from: day(from),
            end: day(end),
            step: Duration::days(7),
        }
    }

    /// (path, cursor day, backfill day, history) of each slice.
    type Row = (String, Option<(i64, Option<i64>)>, bool);

    fn rows(slices: Vec<Slice>) -> Vec<Row> {
        let n = |t: DateTime<Utc>| (t - day(0)).num_days();
        slices
            .into_iter()
            .map(|s| {
                let cp = s.checkpoint.map(|c| (n(c.cursor), c.backfill.map(n)));
                (s.request.path, cp, s.history)
            })
            .collect()
    }

    fn row(path: &str, cp: Option<(i64, Option<i64>)>, history: bool) -> Row {
        (path.to_string(), cp, history)
    }

    #[test]
    fn a_first_read_goes_newest_first_and_drops_the_edge_at_the_start() {
        let history = vec![lane("a", &[0, 7, 14, 21])];
        let got = rows(arrange(
            Vec::new(),
            history,
            Some(&span(0, 21)),
            None,
            day(21),
        ));
        let want = [
            row("/a/14", Some((21, Some(14))), false),
            row("/a/7", Some((21, Some(7))), true),
            row("/a/0", Some((21, None)), true),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn new_data_comes_first_keeping_the_edge_then_the_history_goes_on_down() {
        // Saved: 14..30 read (cursor 30, backfill 14); now 40, lookback 3 days.
        let saved = Checkpoint {
            cursor: day(30),
            backfill: Some(day(14)),
        };
        let recent: Vec<Slice> = lane("r", &[27, 34, 40])
            .into_iter()
            .map(|(_, _, s)| s)
            .collect();
        let history = vec![lane("h", &[0, 7, 14])];
        let got = rows(arrange(
            recent,
            history,
            Some(&span(0, 14)),
            Some(&saved),
            day(40),
        ));
        let want = [
            row("/r/27", Some((34, Some(14))), false),
            row("/r/34", Some((40, Some(14))), false),
            row("/h/7", Some((40, Some(7))), true),
            row("/h/0", Some((40, None)), true),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn without_history_left_the_recent_range_is_the_one_edge_plan() {
        let saved = Checkpoint::at(day(30));
        let recent: Vec<Slice> = lane("r", &[27, 34])
            .into_iter()
            .map(|(_, _, s)| s)
            .collect();
        let got = rows(arrange(recent, Vec::new(), None, Some(&saved), day(34)));
        assert_eq!(got, [row("/r/27", Some((34, None)), false)]);
    }

    #[test]
    fn a_window_of_several_slices_is_checkpointed_on_its_last() {
        // Two slices per 7-day period (coaching: one per manager), no state.
        let both = |name: &str| -> Vec<Lane> {
            [0, 7]
                .into_iter()
                .flat_map(|d| {
                    ["x", "y"].map(|who| {
                        let request = ApiRequest::get(format!("/{name}/{d}/{who}"));
                        let slice = Slice::new(request, String::new(), Some(day(d + 7)));
                        (day(d), day(d + 7), slice)
                    })
                })
                .collect()
        };
        let got = rows(arrange(
            Vec::new(),
            vec![both("m")],
            Some(&span(0, 14)),
            None,
            day(14),
        ));
        let want = [
            row("/m/7/x", None, false),
            row("/m/7/y", Some((14, Some(7))), false),
            row("/m/0/x", None, true),
            row("/m/0/y", Some((14, None)), true),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn typed_lanes_go_down_where_every_lane_has_read() {
        // Lane a widened over the whole history (no entries), lane b in 7-day windows.
        let history = vec![lane("a", &[0, 21]), lane("b", &[0, 7, 14, 21])];
        let got = rows(arrange(
            Vec::new(),
            history,
            Some(&span(0, 21)),
            None,
            day(60),
        ));
        let want = [
            row("/a/0", None, true),
            row("/b/14", Some((21, Some(14))), true),
            row("/b/7", Some((21, Some(7))), true),
            row("/b/0", Some((21, None)), true),
        ];
        assert_eq!(got, want);
    }
}
