//! Records of the `stats_activity_aggregate`, `stats_activity_day_by_day` and `stats_interaction` streams:
//! Gong's `UserActivity` (one-day form), `UserDayByDayActivity` and `InteractionStats`.
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use super::types::DateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A list, in which each item specifies one user's activities.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserActivity {
    /// Gong's unique numeric identifier for the user (up to 20 digits).
    pub user_id: String,
    /// The email address of the Gong user.
    pub user_email_address: Option<String>,
    /// Aggregated activity for a user within a time period
    pub user_aggregate_activity_stats: Option<AggregateActivity>,
}

/// One user's aggregated activity over one day, as the `stats_activity_aggregate` stream reads it from
/// POST /v2/stats/activity/aggregate-by-period (`aggregationPeriod: DAY`): Gong's
/// `UserAggregateByPeriodActivities` with its list of days replaced by one day's item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDayActivity {
    /// Gong's unique numeric identifier for the user (up to 20 digits).
    pub user_id: String,
    /// The email address of the Gong user.
    pub user_email_address: Option<String>,
    /// Aggregated activity for a user within a time period: here the record's day, Gong's
    /// `AggregateActivityWithDates` item of that day, unchanged (the numbers POST
    /// /v2/stats/activity/aggregate gives for that day, plus the day's bounds Gong writes in the item).
    pub user_aggregate_activity_stats: Option<AggregateActivityWithDates>,
}

/// Gong's `AggregateActivityWithDates`: the aggregated activity of one period and the period's bounds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AggregateActivityWithDates {
    /// The numbers.
    #[serde(flatten)]
    pub activity: AggregateActivity,
    /// The start of the period, or the request filter's fromDate for the first period in the range, in
    /// the ISO-8601 format, for example: '2024-01-17T16:20:05-03:00' or '2016-02-16T03:57:04.834+05:30'
    /// or '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub from_date: Option<DateTime>,
    /// The end of the period, or the request filter's toDate for the last period in the range,  in the
    /// ISO-8601 format, for example: '2024-01-17T16:20:05-03:00' or '2016-02-16T03:57:04.834+05:30' or
    /// '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub to_date: Option<DateTime>,
}

/// A list, in which each item contains one user's activity.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDayByDayActivity {
    /// Gong's unique numeric identifier for the user (up to 20 digits).
    pub user_id: String,
    /// The email address of the Gong user.
    pub user_email_address: Option<String>,
    /// Array of daily activity records, one for every day in the date range.
    pub user_daily_activity_stats: Option<Vec<DailyActivityWithDates>>,
}

/// A list of interaction statistics. Applicable values: 'Longest Monologue', 'Longest Customer
/// Story', 'Interactivity', 'Patience', 'Question Rate'.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionStats {
    /// Gong's unique numeric identifier for the user (up to 20 digits).
    pub user_id: String,
    /// The email address of the Gong user.
    pub user_email_address: Option<String>,
    /// The user's interaction statistics (for example Talk Ratio, Longest Monologue, Patience), one
    /// item per statistic.
    pub person_interaction_stats: Option<Vec<InteractionStat>>,
}

/// Aggregated activity for a user within a time period
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AggregateActivity {
    /// The number of recorded calls this user hosted.
    pub calls_as_host: Option<i32>,
    /// The number of recorded calls the user gave feedback on.
    pub calls_gave_feedback: Option<i32>,
    /// The number of recorded calls the user requested feedback on.
    pub calls_requested_feedback: Option<i32>,
    /// The number of recorded calls the user received feedback on.
    pub calls_received_feedback: Option<i32>,
    /// The number of the user's own calls the user listened to.
    pub own_calls_listened_to: Option<i32>,
    /// The number of other users' calls the user listened to.
    pub others_calls_listened_to: Option<i32>,
    /// The number of calls the user shared with others inside the company.
    pub calls_shared_internally: Option<i32>,
    /// The number of calls the user shared with others outside the company.
    pub calls_shared_externally: Option<i32>,
    /// The number of scorecards the user completed.
    pub calls_scorecards_filled: Option<i32>,
    /// The number of calls in which someone filled a scorecard on the user's calls.
    pub calls_scorecards_received: Option<i32>,
    /// The number of calls in which this user is participant (not host).
    pub calls_attended: Option<i32>,
    /// The number of calls in which a user gave at least one comment.
    pub calls_comments_given: Option<i32>,
    /// The number of calls in which a user received at least one comment on the users calls.
    pub calls_comments_received: Option<i32>,
    /// The number of calls in which someone pressed the "Mark as reviewed".
    pub calls_marked_as_feedback_given: Option<i32>,
    /// The number of calls in which someone pressed the “Mark as reviewed” on the users calls.
    pub calls_marked_as_feedback_received: Option<i32>,
}

/// User daily activity
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyActivityWithDates {
    /// List of IDs of calls in which this user is the host.
    pub calls_as_host: Option<Vec<String>>,
    /// List of IDs of calls where the user gave feedback.
    pub calls_gave_feedback: Option<Vec<String>>,
    /// List of IDs of calls where the user requested feedback.
    pub calls_requested_feedback: Option<Vec<String>>,
    /// List of IDs of calls where the user received feedback.
    pub calls_received_feedback: Option<Vec<String>>,
    /// List of IDs of the user's own calls, that the user listened to.
    pub own_calls_listened_to: Option<Vec<String>>,
    /// List of IDs of calls, not belonging to this user, that the user listened to.
    pub others_calls_listened_to: Option<Vec<String>>,
    /// List of IDs of calls the user shared with other users inside the company.
    pub calls_shared_internally: Option<Vec<String>>,
    /// List of IDs of calls the user shared with people outside the company.
    pub calls_shared_externally: Option<Vec<String>>,
    /// List of IDs of calls in which this user is participant (not host)
    pub calls_attended: Option<Vec<String>>,
    /// List of IDs of calls in which a user gave at least one comment.
    pub calls_comments_given: Option<Vec<String>>,
    /// List of IDs of calls in which a user received at least one comment on the users calls.
    pub calls_comments_received: Option<Vec<String>>,
    /// List of IDs of calls in which someone pressed the "Mark as reviewed".
    pub calls_marked_as_feedback_given: Option<Vec<String>>,
    /// List of IDs of calls in which someone pressed the "Mark as reviewed" on the users calls.
    pub calls_marked_as_feedback_received: Option<Vec<String>>,
    /// List of IDs of calls in which the user filled scorecards.
    pub calls_scorecards_filled: Option<Vec<String>>,
    /// List of IDs of calls in which someone filled a scorecard on the users calls.
    pub calls_scorecards_received: Option<Vec<String>>,
    /// The start of the day in the ISO-8601 format, for example: '2024-01-17T16:20:05-03:00' or
    /// '2016-02-16T03:57:04.834+05:30' or '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub from_date: Option<DateTime>,
    /// The end of the day in the ISO-8601 format, for example: '2024-01-17T16:20:05-03:00' or
    /// '2016-02-16T03:57:04.834+05:30' or '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub to_date: Option<DateTime>,
}

/// Gong's `InteractionStat` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionStat {
    /// Stat name
    pub name: Option<String>,
    /// Stat measurement (Can be either a double or integer)
    pub value: Option<f64>,
}
