//! What a stream's plan will cost in API requests, known before any of its slices is fetched.
//!
//! Gong sends no quota headers: the company's remaining quota is unknown, so the only cost a sync can
//! plan against is its own estimate and the configured `requests_per_day`. [`Plan::estimate`] (its
//! `unprobed_cost`) is the one place a plan variant says what it costs; a new variant adds its arm there.
//!
//! How each shape is estimated: per-partition plans (one request per workspace, folder, or workspace ×
//! manager × month, on endpoints Gong does not paginate) cost exactly their slices, and their partitions
//! come from parent lists fetched before the estimate. Windowed plans (call windows, days, review
//! windows) cost one request per window and request chain: a floor, since a window with more than 100
//! records costs a page per 100 and the records per window are unknown until read. Id-batched plans add
//! one batch request per window unless their ids come from a listing another stream reads anyway. A
//! list read through the shared lists costs nothing more once a stream that asked before has fetched it.
//! Activity stats windows cost about ceil(users / 100) pages each when the users list is already fetched
//! (by a plan that needs it, such as coaching's): `~`, since a window lists only the users active in it.
//! A window whose first page the planner already read (`engine/windows.rs`) costs nothing more when that
//! page was its whole answer (its request is in the planning tally), else at least one more page.

use super::Slice;
use crate::streams::Plan;

/// A stream's planned request count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Estimate {
    pub requests: u64,
    /// `requests` is exact (per-partition plans, already fetched lists); otherwise it is a floor, or an
    /// estimate when `about`.
    pub exact: bool,
    /// An estimate that may be above or below (stats windows costed from the users count).
    pub about: bool,
}

impl Estimate {
    /// `requests`, exact or a floor: every estimate but the users-costed stats windows' (`about`).
    fn counted(requests: u64, exact: bool) -> Estimate {
        Estimate {
            requests,
            exact,
            about: false,
        }
    }

    pub fn plus(self, other: Estimate) -> Estimate {
        Estimate {
            requests: self.requests + other.requests,
            exact: self.exact && other.exact,
            about: self.about || other.about,
        }
    }
}

impl std::fmt::Display for Estimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = match (self.exact, self.about) {
            (true, _) => "",
            (false, true) => "~",
            (false, false) => "≥",
        };
        write!(f, "{sign}{}", self.requests)
    }
}

/// What the planner knows of a stream's slices beyond the slices themselves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known {
    /// The stream reads a shared list whose pages are already fetched (by a stream that asked first).
    pub list_fetched: bool,
    /// Slices not probed by the planner whose window (listing ids or pages) another selected stream
    /// fetches (`engine/listings.rs`).
    pub taken: usize,
    /// The company's users, when another stream's plan has already fetched the list.
    pub users: Option<u64>,
}

impl Plan {
    /// The requests the slices of this plan will send.
    pub fn estimate(&self, slices: &[Slice], known: Known) -> Estimate {
        let shared_list = slices.iter().any(|s| s.shared);
        if shared_list && known.list_fetched {
            return Estimate::counted(0, true);
        }
        // Windows whose first page the planner read (`windows.rs`) are costed from it.
        let (probed, unprobed): (Vec<&Slice>, Vec<&Slice>) =
            slices.iter().partition(|s| s.first.is_some());
        let rest = self.unprobed_cost(unprobed.len() as u64, known);
        let batches = matches!(self, Plan::CallIdBatches { .. });
        probed
            .iter()
            .fold(rest, |sum, slice| sum.plus(probed_cost(slice, batches)))
    }

    /// What `n` slices of this plan that the planner did not probe will send: the one place a plan
    /// kind says what it costs.
    fn unprobed_cost(&self, n: u64, known: Known) -> Estimate {
        let taken = (known.taken as u64).min(n);
        match self {
            // One request chain: at least one page.
            Plan::Single | Plan::PerParent { .. } => Estimate::counted(n, false),
            // Library folders and their content, coaching: one unpaginated request per partition.
            Plan::PerWorkspace
            | Plan::PerFolder { .. }
            | Plan::PerUser
            | Plan::CoachingMonths { .. } => Estimate::counted(n, true),
            // A window's answer lists the users active in it, 100 a page: with the company's users
            // known, about ceil(users / 100) pages (fewer in a window where some were idle).
            Plan::DayRanges { .. } if n > 0 && known.users.is_some() => Estimate {
                requests: n * known.users.unwrap_or(0).div_ceil(100).max(1),
                exact: false,
                about: true,
            },
            // A window a provider fetches costs nothing here.
            Plan::CallWindows { .. } => Estimate::counted(n - taken, n == 0),
            Plan::Periods { .. }
            | Plan::DayRanges { .. }
            | Plan::ReviewWindows { .. }
            | Plan::TypedWindows { .. }
            | Plan::Since { .. } => Estimate::counted(n, n == 0),
            // A listing page per window (unless shared) and a batch of records per listing page.
            Plan::CallIdBatches { .. } => Estimate::counted(2 * n - taken, n == 0),
        }
    }
}

/// What a slice whose first page the planner read still costs: nothing when that page was its whole
/// answer, else at least one more request (the next page, or its calls' batch when another stream lists
/// the window); an id-batched stream adds a batch for the first listing page's calls.
fn probed_cost(slice: &Slice, batches: bool) -> Estimate {
    let Some(first) = &slice.first else {
        return Estimate::default();
    };
    let more = u64::from(!first.complete());
    let batch = u64::from(batches && !first.page.records.is_empty());
    // A batch may come back in more pages; private calls may leave a listing page without a batch.
    Estimate::counted(more + batch, more + batch == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ApiRequest;
    use crate::streams::find;

    fn slices(n: usize, shared: bool) -> Vec<Slice> {
        (0..n)
            .map(|_| Slice {
                shared,
                ..Slice::new(ApiRequest::get("/v2/x"), String::new(), None)
            })
            .collect()
    }

    #[test]
    fn partitions_are_exact_and_windows_are_floors() {
        let coaching = find("coaching").unwrap().plan;
        let e = coaching.estimate(&slices(26, false), Known::default());
        assert_eq!((e.requests, e.exact), (26, true));
        assert_eq!(e.to_string(), "26");
        let calls = find("calls").unwrap().plan;
        let e = calls.estimate(&slices(53, false), Known::default());
        assert_eq!((e.requests, e.exact), (53, false));
        assert_eq!(e.to_string(), "≥53");
        assert_eq!(
            e.plus(Estimate {
                requests: 1,
                exact: true,
                about: false,
            })
            .requests,
            54
        );
    }

    #[test]
    fn id_batches_list_once_when_the_listing_is_shared() {
        let transcripts = find("call_transcripts").unwrap().plan;
        let alone = transcripts.estimate(&slices(10, false), Known::default());
        let shared = transcripts.estimate(
            &slices(10, false),
            Known {
                taken: 10,
                ..Known::default()
            },
        );
        assert_eq!((alone.requests, shared.requests), (20, 10));
    }

    #[test]
    fn a_rider_costs_only_the_windows_it_fetches_itself() {
        let media = find("call_media").unwrap().plan;
        let known = |taken| Known {
            taken,
            ..Known::default()
        };
        assert_eq!(media.estimate(&slices(10, false), known(0)).requests, 10);
        assert_eq!(media.estimate(&slices(10, false), known(7)).requests, 3);
        assert_eq!(media.estimate(&slices(10, false), known(10)).requests, 0);
    }

    #[test]
    fn windows_the_planner_probed_cost_what_their_first_page_says() {
        use crate::engine::windows::Probed;
        use std::sync::Arc;
        let probed = |records: usize, cursor: Option<&str>| {
            let mut slice = slices(1, false).remove(0);
            let body = format!("[{}]", vec!["{}"; records].join(","));
            let ranges = (0..records).map(|i| 1 + 3 * i..3 + 3 * i).collect();
            slice.first = Some(Arc::new(Probed {
                page: crate::gong::page::Page {
                    body: body.into(),
                    records: ranges,
                    total_records: Some(records as u64),
                },
                cursor: cursor.map(String::from),
            }));
            slice
        };
        let calls = find("calls").unwrap().plan;
        let mut all = vec![probed(0, None), probed(0, None), probed(3, None)];
        let e = calls.estimate(&all, Known::default());
        assert_eq!((e.requests, e.exact), (0, true), "three whole answers");
        all.push(probed(100, Some("c")));
        all.extend(slices(2, false));
        let e = calls.estimate(&all, Known::default());
        assert_eq!(
            (e.requests, e.exact),
            (3, false),
            "a next page, two windows"
        );
        // Transcripts: a batch for each probed listing page with calls.
        let transcripts = find("call_transcripts").unwrap().plan;
        let e = transcripts.estimate(&all[..4], Known::default());
        assert_eq!((e.requests, e.exact), (3, false));
    }

    #[test]
    fn stats_windows_cost_a_page_per_100_users_when_the_users_are_known() {
        let dbd = find("stats_activity_day_by_day").unwrap().plan;
        let e = dbd.estimate(&slices(4, false), Known::default());
        assert_eq!(e.to_string(), "≥4");
        let known = Known {
            users: Some(1000),
            ..Known::default()
        };
        let e = dbd.estimate(&slices(4, false), known);
        assert_eq!((e.requests, e.exact, e.about), (40, false, true));
        assert_eq!(e.to_string(), "~40");
        assert_eq!(dbd.estimate(&slices(0, false), known).requests, 0);
    }

    #[test]
    fn a_list_fetched_by_an_earlier_stream_costs_nothing() {
        let users = find("users").unwrap().plan;
        let known = Known {
            list_fetched: true,
            ..Known::default()
        };
        let e = users.estimate(&slices(1, true), known);
        assert_eq!((e.requests, e.exact), (0, true));
        // Not shared: the flag does not apply.
        assert_eq!(users.estimate(&slices(1, false), known).requests, 1);
    }
}
