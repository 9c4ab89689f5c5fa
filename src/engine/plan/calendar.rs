//! Calendar arithmetic of the planner: the periods interaction stats are read in (days, weeks from
//! Monday, months) and the months coaching reads. Pure functions of dates; every boundary is a UTC
//! midnight.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::config::StatsPeriod;
use crate::gong::values::midnight;

/// The calendar months coaching reads from `from`'s month up to `stop` (today, or the configured end):
/// (start, end, whether the month is over), the last one cut at `stop`.
pub(super) fn months(
    from: DateTime<Utc>,
    stop: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, bool)> {
    let mut month = month_start(from);
    let mut months = Vec::new();
    while month < stop {
        let to = next_month(month).min(stop);
        months.push((month, to, to == next_month(month)));
        month = next_month(month);
    }
    months
}

/// The first day of the calendar period holding `d` (weeks start on Monday, as Gong's do).
pub(super) fn period_start(kind: StatsPeriod, d: NaiveDate) -> NaiveDate {
    match kind {
        StatsPeriod::Day => d,
        StatsPeriod::Week => d - Duration::days(d.weekday().num_days_from_monday().into()),
        StatsPeriod::Month => d.with_day(1).unwrap_or(d),
    }
}

/// The first day after the calendar period holding `d` (its exclusive end).
pub(super) fn period_end(kind: StatsPeriod, d: NaiveDate) -> NaiveDate {
    match kind {
        StatsPeriod::Day => d + Duration::days(1),
        StatsPeriod::Week => period_start(kind, d) + Duration::days(7),
        StatsPeriod::Month => next_month(midnight(d)).date_naive(),
    }
}

pub(super) fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    midnight(NaiveDate::from_ymd_opt(t.year(), t.month(), 1).unwrap_or(t.date_naive()))
}

pub(super) fn next_month(t: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    midnight(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(t.date_naive()))
}
