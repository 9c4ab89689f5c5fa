//! Record of the `coaching` stream: Gong's `CoachingMetricsData` (GET /v2/coaching).
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A list, in which each item specifies one managers coaching data
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoachingMetricsData {
    /// The manager whose coaching data this item holds.
    pub manager: Option<CoachingUser>,
    /// The coaching metrics of each of the manager's direct reports.
    pub direct_reports_metrics: Option<Vec<CoachingRepData>>,
    /// Gong's unique numeric identifier for the user (up to 20 digits). Not in Gong's OpenAPI
    /// document; listed by the Airbyte agent connector's documentation of this record.
    pub user_id: Option<String>,
    /// The email address of the Gong user. Not in Gong's OpenAPI document; listed by the Airbyte
    /// agent connector's documentation of this record.
    pub user_email_address: Option<String>,
    /// The name of the Gong user. Not in Gong's OpenAPI document; listed by the Airbyte agent
    /// connector's documentation of this record.
    pub user_name: Option<String>,
    /// If the user is a manager. Not in Gong's OpenAPI document; listed by the Airbyte agent
    /// connector's documentation of this record.
    pub is_manager: Option<bool>,
    /// Coaching metrics of the user. Not in Gong's OpenAPI document; listed by the Airbyte agent
    /// connector's documentation of this record.
    pub coaching_metrics: Option<SeedCoachingMetrics>,
}

/// Gong's `CoachingUser` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoachingUser {
    /// Gong's unique numeric identifier for the user (up to 20 digits).
    pub id: Option<String>,
    /// The email address of the Gong user.
    pub email_address: Option<String>,
    /// The first name of the Gong user.
    pub first_name: Option<String>,
    /// The last name of the Gong user.
    pub last_name: Option<String>,
    /// The job title of the Gong user.
    pub title: Option<String>,
}

/// Gong's `CoachingRepData` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoachingRepData {
    /// The direct report these metrics are about.
    pub report: Option<CoachingUser>,
    /// The direct report's coaching metrics: each metric name maps to a list of strings (Gong's
    /// spec declares a map of arrays of unique strings).
    pub metrics: Option<BTreeMap<String, Vec<String>>>,
}

/// Coaching counters of one user, as the Airbyte agent connector's documentation describes them. Not in
/// Gong's OpenAPI document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeedCoachingMetrics {
    /// The number of calls the user listened to.
    pub calls_listened: Option<i64>,
    /// The number of calls the user attended.
    pub calls_attended: Option<i64>,
    /// The number of calls the user gave feedback on.
    pub calls_with_feedback: Option<i64>,
    /// The number of calls the user commented on.
    pub calls_with_comments: Option<i64>,
    /// The number of scorecards the user filled.
    pub scorecards_filled: Option<i64>,
}
