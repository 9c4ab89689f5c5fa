//! Gong's stats endpoints: activity aggregate, aggregate by period and day by day, interaction
//! stats, and answered scorecards. Ranges are whole UTC days, `toDate` exclusive and never after today.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::paging::{post_page_offset, records, PAGE_SIZE};
use super::parse::{parse_body, parse_date, parse_dt, str_list};
use super::reply::{bad, not_found, ok, HResult};
use super::state::{AppState, St};
use super::users::created_in;
use crate::data::{fmt_dt, Activity, Dataset, ACTIVITY_FIELDS, INTERACTION_STATS};
use crate::periods::{self, Period};

pub(super) struct StatsFilter {
    from: NaiveDate,
    to: NaiveDate,
    users: BTreeSet<usize>,
}

pub(super) fn stats_filter(
    st: &AppState,
    ds: &Dataset,
    v: &Value,
) -> Result<StatsFilter, Response> {
    let f = v
        .get("filter")
        .filter(|f| f.is_object())
        .ok_or_else(|| bad(st, "Malformed request: 'filter' is required"))?;
    let from = parse_date(st, "fromDate", f.get("fromDate"))?
        .ok_or_else(|| bad(st, "Bad request: filter.fromDate is required"))?;
    let to = parse_date(st, "toDate", f.get("toDate"))?
        .ok_or_else(|| bad(st, "Bad request: filter.toDate is required"))?;
    let today = ds.today();
    if to > today {
        return Err(bad(
            st,
            format!("Bad request: toDate ({to}) must not be later than today ({today})"),
        ));
    }
    if from >= to {
        return Err(bad(st, "Bad request: fromDate must be earlier than toDate"));
    }
    let cfrom = parse_dt(
        st,
        "createdFromDateTime",
        f.get("createdFromDateTime").and_then(Value::as_str),
    )?;
    let cto = parse_dt(
        st,
        "createdToDateTime",
        f.get("createdToDateTime").and_then(Value::as_str),
    )?;
    let mut users: BTreeSet<usize> = (0..ds.users.len())
        .filter(|&u| created_in(&ds.users[u], cfrom, cto))
        .collect();
    if let Some(ids) = str_list(st, "filter.userIds", f.get("userIds"))? {
        let mut wanted = BTreeSet::new();
        for id in ids {
            wanted.insert(
                ds.user_index(&id)
                    .ok_or_else(|| not_found(st, "User not found"))?,
            );
        }
        users = users.intersection(&wanted).copied().collect();
    }
    Ok(StatsFilter { from, to, users })
}

pub(super) fn day_start(d: NaiveDate) -> String {
    fmt_dt(d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp(), 0)
}

pub(super) fn period_fields(m: &mut Map<String, Value>, f: &StatsFilter) {
    m.insert("timeZone".into(), json!("UTC"));
    m.insert("fromDateTime".into(), json!(day_start(f.from)));
    m.insert("toDateTime".into(), json!(day_start(f.to)));
}

pub(super) async fn stats_aggregate(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let ds = st.dataset.read().unwrap();
    let f = stats_filter(&st, &ds, &v)?;
    let act = ds.activity(f.from, f.to, &f.users);
    let (offset, fh) = post_page_offset(&st, "/v2/stats/activity/aggregate", &v)?;
    let page: Vec<Value> = act
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|(&u, days)| {
            let agg = activity_counts(days);
            json!({"userId": ds.users[u]["id"], "userEmailAddress": ds.users[u]["emailAddress"], "userAggregateActivityStats": agg})
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, act.len(), offset, page.len(), fh),
    );
    m.insert("usersAggregateActivityStats".into(), Value::Array(page));
    period_fields(&mut m, &f);
    Ok(ok(&st, m))
}

/// The number of calls in each activity list over `days` (an aggregate's numbers).
pub(super) fn activity_counts(days: &[Activity]) -> Map<String, Value> {
    let mut agg = Map::new();
    for k in ACTIVITY_FIELDS {
        let n: usize = days
            .iter()
            .map(|d| d.lists.get(k).map_or(0, Vec::len))
            .sum();
        agg.insert(k.to_string(), json!(n));
    }
    agg
}

/// Per active user, one item per calendar period of the range (zeros included), each the aggregate of
/// its days: for one day, the DAY item equals `stats/activity/aggregate` of that day.
pub(super) async fn stats_aggregate_by_period(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let period = match v.get("aggregationPeriod") {
        None | Some(Value::Null) => {
            return Err(bad(&st, "Bad request: aggregationPeriod is required"))
        }
        Some(p) => p.as_str().and_then(Period::parse).ok_or_else(|| {
            bad(
                &st,
                format!(
                    "Bad request: aggregationPeriod must be one of {}",
                    Period::NAMES.join(", ")
                ),
            )
        })?,
    };
    let ds = st.dataset.read().unwrap();
    let f = stats_filter(&st, &ds, &v)?;
    let act = ds.activity(f.from, f.to, &f.users);
    let spans = periods::split(f.from, f.to, period);
    let (offset, fh) = post_page_offset(&st, "/v2/stats/activity/aggregate-by-period", &v)?;
    let page: Vec<Value> = act
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|(&u, days)| {
            let items: Vec<Value> = spans
                .iter()
                .map(|&(a, b)| {
                    let first = (a - f.from).num_days() as usize;
                    let last = (b - f.from).num_days() as usize;
                    let mut m = activity_counts(&days[first..last]);
                    m.insert("fromDate".into(), json!(day_start(a)));
                    m.insert("toDate".into(), json!(day_start(b)));
                    Value::Object(m)
                })
                .collect();
            json!({"userId": ds.users[u]["id"], "userEmailAddress": ds.users[u]["emailAddress"], "userAggregateActivity": items})
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, act.len(), offset, page.len(), fh),
    );
    m.insert("usersAggregateActivity".into(), Value::Array(page));
    Ok(ok(&st, m))
}

pub(super) async fn stats_day_by_day(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let ds = st.dataset.read().unwrap();
    let f = stats_filter(&st, &ds, &v)?;
    let act = ds.activity(f.from, f.to, &f.users);
    let (offset, fh) = post_page_offset(&st, "/v2/stats/activity/day-by-day", &v)?;
    let page: Vec<Value> = act
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|(&u, days)| {
            let daily: Vec<Value> = days
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let mut m = Map::new();
                    for k in ACTIVITY_FIELDS {
                        m.insert(k.to_string(), json!(d.lists.get(k).cloned().unwrap_or_default()));
                    }
                    let day = f.from + chrono::Days::new(i as u64);
                    m.insert("fromDate".into(), json!(day_start(day)));
                    m.insert("toDate".into(), json!(day_start(day + chrono::Days::new(1))));
                    Value::Object(m)
                })
                .collect();
            json!({"userId": ds.users[u]["id"], "userEmailAddress": ds.users[u]["emailAddress"], "userDailyActivityStats": daily})
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, act.len(), offset, page.len(), fh),
    );
    m.insert("usersDetailedActivities".into(), Value::Array(page));
    Ok(ok(&st, m))
}

pub(super) async fn stats_interaction(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let ds = st.dataset.read().unwrap();
    let f = stats_filter(&st, &ds, &v)?;
    let stats = ds.interaction(f.from, f.to, &f.users);
    if stats.is_empty() {
        return Err(not_found(&st, "No stats found for the specified period"));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/stats/interaction", &v)?;
    let page: Vec<Value> = stats
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .map(|(&u, vals)| {
            let s: Vec<Value> = INTERACTION_STATS.iter().zip(vals).map(|(n, v)| json!({"name": n, "value": v})).collect();
            json!({"userId": ds.users[u]["id"], "userEmailAddress": ds.users[u]["emailAddress"], "personInteractionStats": s})
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "records".into(),
        records(&st, stats.len(), offset, page.len(), fh),
    );
    m.insert("peopleInteractionStats".into(), Value::Array(page));
    period_fields(&mut m, &f);
    Ok(ok(&st, m))
}

pub(super) fn date_ts(d: Option<NaiveDate>) -> Option<i64> {
    d.map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp())
}

pub(super) async fn answered_scorecards(State(st): St, body: Bytes) -> HResult {
    let v = parse_body(&st, &body)?;
    let f = v
        .get("filter")
        .filter(|f| f.is_object())
        .ok_or_else(|| bad(&st, "Malformed request: 'filter' is required"))?;
    let mut call_from = date_ts(parse_date(&st, "callFromDate", f.get("callFromDate"))?);
    let mut call_to = date_ts(parse_date(&st, "callToDate", f.get("callToDate"))?);
    // the seed document's names, mapped to call dates
    if call_from.is_none() {
        call_from = parse_dt(
            &st,
            "fromDateTime",
            f.get("fromDateTime").and_then(Value::as_str),
        )?;
    }
    if call_to.is_none() {
        call_to = parse_dt(
            &st,
            "toDateTime",
            f.get("toDateTime").and_then(Value::as_str),
        )?;
    }
    let rev_from = date_ts(parse_date(&st, "reviewFromDate", f.get("reviewFromDate"))?);
    let rev_to = date_ts(parse_date(&st, "reviewToDate", f.get("reviewToDate"))?);
    let reviewed = str_list(&st, "filter.reviewedUserIds", f.get("reviewedUserIds"))?;
    let cards = str_list(&st, "filter.scorecardIds", f.get("scorecardIds"))?;
    let ds = st.dataset.read().unwrap();
    let reviewed: Option<BTreeSet<usize>> =
        reviewed.map(|v| v.iter().filter_map(|s| ds.user_index(s)).collect());
    let cards: Option<BTreeSet<u64>> =
        cards.map(|v| v.iter().filter_map(|s| s.trim().parse().ok()).collect());
    let chosen: Vec<usize> = ds
        .call_range(call_from, call_to)
        .filter(|&i| {
            let c = &ds.calls[i];
            let Some((s, _, review)) = ds.answered_scorecard(c) else {
                return false;
            };
            rev_from.is_none_or(|t| review >= t)
                && rev_to.is_none_or(|t| review < t)
                && reviewed.as_ref().is_none_or(|r| r.contains(&c.host))
                && cards
                    .as_ref()
                    .is_none_or(|k| k.contains(&ds.scorecard_meta[s].id))
        })
        .collect();
    if chosen.is_empty() {
        return Err(not_found(&st, "Answered scorecards not found"));
    }
    let (offset, fh) = post_page_offset(&st, "/v2/stats/activity/scorecards", &v)?;
    let page: Vec<Value> = chosen
        .iter()
        .skip(offset)
        .take(PAGE_SIZE)
        .filter_map(|&i| ds.answered_scorecard_json(&ds.calls[i]))
        .collect();
    let rec = records(&st, chosen.len(), offset, page.len(), fh);
    let mut m = Map::new();
    m.insert("records".into(), rec);
    m.insert("answeredScorecards".into(), Value::Array(page));
    Ok(ok(&st, m))
}
