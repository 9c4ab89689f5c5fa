//! The sweep: which weeks of the synced history to list again on this sync, listing them (`GET
//! /v2/calls`, the cheapest listing: 100 call ids a request), and the calls that are no longer there.
//!
//! Cadence ([`due`]): every sync lists the recent weeks (those since the previous sweep, and at least the
//! lookback's days); the older weeks are listed again once every `deletion_sweep_days`, about 1/N of them
//! a day whatever the schedule (a week's last listing day, kept in the memory, says whether it is due and
//! how many were listed today), the longest-unlisted first. A week never listed (a new connection, a state
//! from a previous version) is listed at once and only builds the memory: nothing was remembered of it,
//! so nothing is announced.
//!
//! Invariant: a call is announced deleted only when a complete listing of the week that held it no
//! longer holds it and no listed week of the memory holds it (a call whose listing time moved to another
//! week is not deleted). A week whose listing fails keeps its memory and announces nothing.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures_util::{stream, StreamExt};
use serde_json::Value;

use super::memory::{week_of, week_start, Memory, Week};
use crate::client::{ApiRequest, GongClient, Reply};
use crate::config::Config;
use crate::error::{Error, Reason, Result};
use crate::gong::endpoints::{self as ep, CALLS};
use crate::gong::values::{fmt_dt, id_string};

/// The weeks one sync lists: the recent ones, the history due today, and the weeks never listed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Due {
    pub weeks: Vec<NaiveDate>,
    pub recent: usize,
    pub history: usize,
    pub new: usize,
}

/// Which weeks of `[start, end)` to list now (see the module's cadence).
pub fn due(
    memory: &Memory,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    lookback: Duration,
    sweep_days: u32,
) -> Due {
    let today = end.date_naive();
    let edge = memory
        .at
        .map_or(end - lookback, |at| at.min(end - lookback));
    let edge = week_of(edge.max(start));
    let mut all = Vec::new();
    let mut monday = week_of(start);
    while week_start(monday) < end {
        all.push(monday);
        monday += Duration::days(7);
    }
    let mut due = Due::default();
    let mut history: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for &monday in &all {
        match memory.weeks.get(&monday) {
            _ if monday >= edge => due.recent += 1,
            None => due.new += 1,
            Some(week) => {
                history.push((week.swept, monday));
                continue;
            }
        }
        due.weeks.push(monday);
    }
    // About 1/N of the history a day: what today's earlier syncs listed counts against it.
    let listed_today = history.iter().filter(|(swept, _)| *swept == today).count();
    let allowance = match sweep_days {
        0 => history.len() + listed_today,
        n => history.len().div_ceil(n as usize),
    };
    let ready =
        |swept: NaiveDate| sweep_days == 0 || swept + Duration::days(sweep_days.into()) <= today;
    history.retain(|&(swept, _)| ready(swept));
    history.sort();
    for (_, monday) in history
        .into_iter()
        .take(allowance.saturating_sub(listed_today))
    {
        due.weeks.push(monday);
        due.history += 1;
    }
    due.weeks.sort();
    due
}

/// Weeks probed as one range at most, while they hold no call (see [`list_weeks`]).
const SPAN_WEEKS: usize = 32;

/// Lists the call ids of each week (at most `concurrency` listings at once). A week remembered with
/// calls is listed alone. The others (never listed, or empty when last listed) go in stretches of up to
/// [`SPAN_WEEKS`] consecutive weeks, probed as ranges that double while they hold no call, so empty
/// history costs a few requests, not one a week. A week whose listing failed is absent from the result,
/// with its error.
pub async fn list_weeks(
    client: &GongClient,
    cfg: &Config,
    weeks: &[NaiveDate],
    memory: &Memory,
    end: DateTime<Utc>,
) -> (BTreeMap<NaiveDate, Vec<u64>>, Vec<(NaiveDate, Error)>) {
    let known = |w: &NaiveDate| memory.weeks.get(w).is_some_and(|k| !k.ids.is_empty());
    let mut jobs: Vec<Vec<NaiveDate>> = weeks
        .iter()
        .filter(|w| known(w))
        .map(|&w| vec![w])
        .collect();
    for &w in weeks.iter().filter(|w| !known(w)) {
        match jobs.last_mut() {
            Some(run)
                if run.len() < SPAN_WEEKS
                    && !known(&run[0])
                    && run.last().is_some_and(|&l| l + Duration::days(7) == w) =>
            {
                run.push(w)
            }
            _ => jobs.push(vec![w]),
        }
    }
    let results: Vec<Vec<(NaiveDate, Result<Vec<u64>>)>> = stream::iter(jobs)
        .map(|run| async move { probe(client, cfg, &run, end).await })
        .buffer_unordered(cfg.max_concurrent_requests.max(1))
        .collect()
        .await;
    let (mut listed, mut failed) = (BTreeMap::new(), Vec::new());
    for (monday, result) in results.into_iter().flatten() {
        match result {
            Ok(ids) => {
                listed.insert(monday, ids);
            }
            Err(e) => failed.push((monday, e)),
        }
    }
    (listed, failed)
}

/// Lists consecutive weeks: one at a time, and after an empty one, ranges twice as wide while they come
/// back empty (a range holding calls is then listed week by week).
async fn probe(
    client: &GongClient,
    cfg: &Config,
    weeks: &[NaiveDate],
    end: DateTime<Utc>,
) -> Vec<(NaiveDate, Result<Vec<u64>>)> {
    let mut out = Vec::with_capacity(weeks.len());
    let (mut i, mut span) = (0, 1);
    while i < weeks.len() {
        let n = span.min(weeks.len() - i);
        let (from, to) = (weeks[i], weeks[i + n - 1] + Duration::days(7));
        if n == 1 {
            let result = list_range(client, cfg, from, to, end, true).await;
            span = if result.as_ref().is_ok_and(Vec::is_empty) {
                2
            } else {
                1
            };
            out.push((weeks[i], result));
            i += 1;
            continue;
        }
        match list_range(client, cfg, from, to, end, false).await {
            Ok(ids) if ids.is_empty() => {
                out.extend(weeks[i..i + n].iter().map(|&w| (w, Ok(Vec::new()))));
                i += n;
                span = (span * 2).min(SPAN_WEEKS);
            }
            Ok(_) => span = 1,
            Err(e) => {
                out.extend(weeks[i..i + n].iter().map(|&w| (w, Err(e.clone()))));
                i += n;
            }
        }
    }
    out
}

/// The ids of the calls Gong lists from Monday `from` to Monday `to` (within the synced history),
/// sorted, without repeats: every page, or with `whole` false the first page only (to learn whether
/// the range holds any call).
async fn list_range(
    client: &GongClient,
    cfg: &Config,
    from: NaiveDate,
    to: NaiveDate,
    end: DateTime<Utc>,
    whole: bool,
) -> Result<Vec<u64>> {
    let from = week_start(from).max(cfg.start);
    let to = week_start(to).min(end);
    let mut ids = Vec::new();
    if from >= to {
        return Ok(ids);
    }
    let mut request = CALLS
        .request()
        .query("fromDateTime", fmt_dt(from))
        .query("toDateTime", fmt_dt(to));
    if let Some(ws) = &cfg.workspace_id {
        request = request.query(ep::WORKSPACE_FILTER, ws.clone());
    }
    let mut cursors = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut empty_pages = 0;
    loop {
        let mut page: ApiRequest = request.clone();
        if let Some(c) = &cursor {
            CALLS.set_cursor(&mut page, c);
        }
        let body = match client.send(&page).await? {
            Reply::Ok(body) => body,
            Reply::NotFound(text) if CALLS.is_empty_404(&text) => break,
            Reply::NotFound(text) => {
                return Err(Error::transient(format!(
                    "{} answered 404 ({text}) while the deletion sweep listed calls.",
                    page.describe()
                )))
            }
        };
        let before = ids.len();
        cursor = read_page(&body, &mut ids)?;
        empty_pages = if ids.len() == before {
            empty_pages + 1
        } else {
            0
        };
        if empty_pages > 3 && cursor.is_some() {
            return Err(Error::system(
                "Gong sent empty pages naming a next page, again and again, while the deletion sweep listed calls.",
            )
            .with_reason(Reason::BadBody));
        }
        match &cursor {
            None => break,
            _ if !whole => break,
            Some(c) if !cursors.insert(c.clone()) => {
                return Err(Error::system(
                    "Gong sent a cursor twice while the deletion sweep listed calls.",
                )
                .with_reason(Reason::BadBody))
            }
            Some(_) => {}
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Adds a page's call ids to `ids`; returns the next page's cursor.
fn read_page(body: &[u8], ids: &mut Vec<u64>) -> Result<Option<String>> {
    let bad = |why: String| {
        Error::system(format!("A page of GET /v2/calls {why}.")).with_reason(Reason::BadBody)
    };
    let page: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("is not JSON ({e})")))?;
    // Gong answers an empty range with a 404; a page without its list is not "no calls" (taking it so
    // would announce every remembered call of the week deleted).
    let calls = (page.get(CALLS.record_key).and_then(Value::as_array))
        .ok_or_else(|| bad(format!("has no `{}` list", CALLS.record_key)))?;
    for call in calls {
        let id =
            id_string(call.get("id")).ok_or_else(|| bad("holds a call without an id".into()))?;
        let number = id
            .parse::<u64>()
            .map_err(|_| bad(format!("holds call id `{id}`, which is not a number")))?;
        ids.push(number);
    }
    Ok(page
        .get("records")
        .and_then(|r| r.get("cursor"))
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(String::from))
}

/// A call Gong no longer lists: its id, and an upper bound of its cursor (see [`cursor_bound`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub id: u64,
    pub cursor: DateTime<Utc>,
}

/// The cursor a deletion record carries: its week's end plus a day. Gong lists a web conference by its
/// scheduled time, so a call's `started` may fall a little after the week it was listed in; the
/// record's cursor must not be older than the row's, or the row wins the destination's dedup.
pub fn cursor_bound(monday: NaiveDate) -> DateTime<Utc> {
    week_start(monday) + Duration::days(8)
}

/// The memory after this sync's listings, and the calls they show deleted. Weeks before `start` leave
/// the memory (they are outside the synced history).
pub fn apply(
    old: &Memory,
    listed: BTreeMap<NaiveDate, Vec<u64>>,
    cfg: &Config,
    now: DateTime<Utc>,
) -> (Memory, Vec<Deleted>) {
    let today = now.date_naive();
    let mut new = old.clone();
    new.workspace = cfg.workspace_id.clone();
    new.at = Some(now);
    new.weeks.retain(|&monday, _| monday >= week_of(cfg.start));
    let mut gone = Vec::new();
    for (monday, ids) in listed {
        if let Some(before) = old.weeks.get(&monday) {
            let now_listed: HashSet<u64> = ids.iter().copied().collect();
            gone.extend(
                (before.ids.iter())
                    .filter(|id| !now_listed.contains(id))
                    .map(|&id| Deleted {
                        id,
                        cursor: cursor_bound(monday),
                    }),
            );
        }
        new.weeks.insert(monday, Week { swept: today, ids });
    }
    let remembered: HashSet<u64> = new
        .weeks
        .values()
        .flat_map(|w| w.ids.iter().copied())
        .collect();
    gone.retain(|d| !remembered.contains(&d.id));
    (new, gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn memory_of(weeks: &[(NaiveDate, NaiveDate)], at: &str) -> Memory {
        let mut m = Memory {
            at: Some(t(at)),
            ..Memory::default()
        };
        for &(monday, swept) in weeks {
            m.weeks.insert(
                monday,
                Week {
                    swept,
                    ids: vec![1],
                },
            );
        }
        m
    }

    #[test]
    fn first_sweep_lists_everything_then_a_seventh_a_day() {
        let start = t("2024-01-01T00:00:00Z");
        let now = t("2024-12-30T12:00:00Z");
        let first = due(&Memory::default(), start, now, Duration::days(3), 7);
        assert_eq!(first.weeks.len(), 53);
        // The recent weeks hold the lookback's days (2024-12-27 to 12-30): two weeks.
        assert_eq!((first.recent, first.new, first.history), (2, 51, 0));
        // Every week listed on day 0: on day 1 nothing of the history is due yet, on day 7 a seventh.
        let day0 = now.date_naive();
        let weeks: Vec<_> = first.weeks.iter().map(|&w| (w, day0)).collect();
        let m = memory_of(&weeks, "2024-12-30T12:00:00Z");
        let next = due(&m, start, now + Duration::days(1), Duration::days(3), 7);
        assert_eq!((next.recent, next.history, next.new), (2, 0, 0));
        let week_later = due(&m, start, now + Duration::days(7), Duration::days(3), 7);
        // The 52 weeks before the recent ones (2024-12-30 and 2025-01-06): ceil(52 / 7) of them.
        assert_eq!((week_later.recent, week_later.history), (2, 8));
        // A second sync the same day lists no more history: today's quota is spent.
        let mut m2 = m.clone();
        for w in &week_later.weeks {
            if let Some(week) = m2.weeks.get_mut(w) {
                week.swept = (now + Duration::days(7)).date_naive();
            }
        }
        let again = due(&m2, start, now + Duration::days(7), Duration::days(3), 7);
        assert_eq!(again.history, 0);
        // 0: every sync lists the whole history.
        assert_eq!(due(&m, start, now, Duration::days(3), 0).weeks.len(), 53);
    }

    #[test]
    fn a_page_without_its_list_is_an_error_not_an_empty_week() {
        let mut ids = Vec::new();
        let page = br#"{"records":{"cursor":"c"},"calls":[{"id":"7"},{"id":8}]}"#;
        assert_eq!(read_page(page, &mut ids).unwrap().as_deref(), Some("c"));
        assert_eq!(ids, [7, 8]);
        assert!(read_page(br#"{"records":{}}"#, &mut ids).is_err());
        assert!(read_page(br#"{"calls":[{"id":"x"}]}"#, &mut ids).is_err());
    }

    #[test]
    fn deleted_calls_are_those_no_longer_listed_anywhere() {
        let cfg = Config::from_value(
            serde_json::json!({"access_key": "a", "access_key_secret": "b", "start_date": "2024-01-01T00:00:00Z"}),
            t("2024-02-01T00:00:00Z"),
        )
        .unwrap();
        let w1 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let w2 = NaiveDate::from_ymd_opt(2024, 1, 8).unwrap();
        let mut old = Memory::default();
        old.weeks.insert(
            w1,
            Week {
                swept: w1,
                ids: vec![1, 2, 3],
            },
        );
        old.weeks.insert(
            w2,
            Week {
                swept: w1,
                ids: vec![4],
            },
        );
        // 2 is gone, 3 moved to the next week, 9 is new.
        let listed = BTreeMap::from([(w1, vec![1]), (w2, vec![3, 4, 9])]);
        let (new, gone) = apply(&old, listed, &cfg, t("2024-02-01T00:00:00Z"));
        assert_eq!(
            gone,
            vec![Deleted {
                id: 2,
                cursor: t("2024-01-09T00:00:00Z")
            }]
        );
        assert_eq!(new.calls(), 4);
        // A week not listed (failed) keeps its memory and announces nothing.
        let (same, none) = apply(&old, BTreeMap::new(), &cfg, t("2024-02-01T00:00:00Z"));
        assert!(none.is_empty() && same.weeks == old.weeks);
    }
}
