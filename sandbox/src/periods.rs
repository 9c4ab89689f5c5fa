//! Calendar periods of `POST /v2/stats/activity/aggregate-by-period` (`aggregationPeriod`).
//!
//! Invariants: [`split`] covers `[from, to)` exactly, with consecutive, non-empty periods; the first
//! starts at `from` and the last ends at `to` (Gong's items use the filter's dates for the first and
//! last period); every other boundary is a calendar boundary of the period: midnight of each day, of
//! Mondays (Gong: "First day of the week is Monday"), of the 1st of each month, of January, April, July
//! and October 1st, and of January 1st.

use chrono::{Datelike, Days, Months, NaiveDate};

/// `aggregationPeriod`, as Gong's spec enumerates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Period {
    /// The spec's names, in order.
    pub const NAMES: [&'static str; 5] = ["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"];

    /// Parses one of [`Period::NAMES`] (exact spelling, as an enum).
    pub fn parse(s: &str) -> Option<Period> {
        Some(match s {
            "DAY" => Period::Day,
            "WEEK" => Period::Week,
            "MONTH" => Period::Month,
            "QUARTER" => Period::Quarter,
            "YEAR" => Period::Year,
            _ => return None,
        })
    }

    /// The first calendar boundary of this period after `d`.
    fn next_start(self, d: NaiveDate) -> NaiveDate {
        let first_of_month = d.with_day(1).unwrap_or(d);
        match self {
            Period::Day => d + Days::new(1),
            Period::Week => d + Days::new(7 - u64::from(d.weekday().num_days_from_monday())),
            Period::Month => first_of_month + Months::new(1),
            Period::Quarter => {
                let back = d.month0() % 3;
                first_of_month - Months::new(back) + Months::new(3)
            }
            Period::Year => NaiveDate::from_ymd_opt(d.year() + 1, 1, 1).unwrap_or(d),
        }
    }
}

/// The periods of `[from, to)`, in order; empty when `from >= to`.
pub fn split(from: NaiveDate, to: NaiveDate, period: Period) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let end = period.next_start(start).min(to);
        out.push((start, end));
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn days_cover_the_range_one_by_one() {
        let p = split(d("2024-02-27"), d("2024-03-02"), Period::Day);
        assert_eq!(p.len(), 4);
        assert_eq!(p[2], (d("2024-02-29"), d("2024-03-01")));
    }

    #[test]
    fn weeks_start_on_monday_and_the_ends_follow_the_filter() {
        // 2024-01-03 is a Wednesday
        let p = split(d("2024-01-03"), d("2024-01-20"), Period::Week);
        assert_eq!(
            p,
            vec![
                (d("2024-01-03"), d("2024-01-08")),
                (d("2024-01-08"), d("2024-01-15")),
                (d("2024-01-15"), d("2024-01-20")),
            ]
        );
    }

    #[test]
    fn months_quarters_and_years_follow_the_calendar() {
        let m = split(d("2024-01-31"), d("2024-03-15"), Period::Month);
        assert_eq!(
            m,
            vec![
                (d("2024-01-31"), d("2024-02-01")),
                (d("2024-02-01"), d("2024-03-01")),
                (d("2024-03-01"), d("2024-03-15")),
            ]
        );
        let q = split(d("2024-05-10"), d("2025-01-02"), Period::Quarter);
        assert_eq!(
            q,
            vec![
                (d("2024-05-10"), d("2024-07-01")),
                (d("2024-07-01"), d("2024-10-01")),
                (d("2024-10-01"), d("2025-01-01")),
                (d("2025-01-01"), d("2025-01-02")),
            ]
        );
        let y = split(d("2023-12-31"), d("2024-01-02"), Period::Year);
        assert_eq!(y.len(), 2);
        assert!(split(d("2024-01-02"), d("2024-01-02"), Period::Year).is_empty());
    }

    #[test]
    fn only_the_spec_names_parse() {
        for n in Period::NAMES {
            assert!(Period::parse(n).is_some());
        }
        assert_eq!(Period::parse("day"), None);
        assert_eq!(Period::parse("FORTNIGHT"), None);
    }
}
