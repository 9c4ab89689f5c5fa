//! Record of the `stats_activity_scorecards` stream: Gong's `AnsweredScorecard`
//! (POST /v2/stats/activity/scorecards).
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use super::types::{DateTime, Id};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A list, in which each item contains one answered scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnsweredScorecard {
    /// The identifier of the answer of the scorecard.
    pub answered_scorecard_id: Id,
    /// The identifier of the scorecard.
    pub scorecard_id: Option<Id>,
    /// Scorecard name.
    pub scorecard_name: Option<String>,
    /// Gong's unique numeric identifier for the call (up to 20 digits).
    pub call_id: Option<Id>,
    /// The date and time when the call was recorded in the ISO-8601 format, for example:
    /// '2024-01-17T16:20:05-03:00' or '2016-02-16T03:57:04.834+05:30' or
    /// '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub call_start_time: Option<DateTime>,
    /// The user Id of the team member being reviewed, who hosted the call.
    pub reviewed_user_id: Option<Id>,
    /// The user Id of the team member who answered the scorecard for the call.
    pub reviewer_user_id: Option<Id>,
    /// The date and time when the review was completed and published in the ISO-8601 format, for
    /// example: '2024-01-17T16:20:05-03:00' or '2016-02-16T03:57:04.834+05:30' or
    /// '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub review_time: Option<DateTime>,
    /// Who can see the answered scorecard. Known values: 'PUBLIC', 'PRIVATE', 'OPT_IN_USERS'. Typed
    /// as a plain string: Gong adds values over time.
    pub visibility_type: Option<String>,
    /// The answers in the answered scorecard.
    pub answers: Option<Vec<Answer>>,
    /// How the scorecard was reviewed (for example manual or automatic). Not in Gong's OpenAPI
    /// document; listed by the Airbyte agent connector's documentation of this record.
    pub review_method: Option<String>,
    /// The user Id of the team member who last edited the answered scorecard. Not in Gong's OpenAPI
    /// document; listed by the Airbyte agent connector's documentation of this record.
    pub editor_user_id: Option<Id>,
    /// The date and time when the scorecard was answered in the ISO-8601 format. Not in Gong's
    /// OpenAPI document; listed by the Airbyte agent connector's documentation of this record.
    pub answered_date_time: Option<DateTime>,
    /// Visibility of the answered scorecard. Not in Gong's OpenAPI document; listed by the Airbyte
    /// agent connector's documentation of this record.
    pub visibility: Option<String>,
    /// The overall score of the answered scorecard. Not in Gong's OpenAPI document; listed by the
    /// Airbyte agent connector's documentation of this record.
    pub overall_score: Option<f64>,
}

/// The answers in the answered scorecard.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// The identifier of the question.
    pub question_id: Option<Id>,
    /// The identifier of the revision version of the question.
    pub question_revision_id: Option<Id>,
    /// If the question is the main overall question or not.
    pub is_overall: Option<bool>,
    /// Score between 1 to 50, if answered. Null otherwise.
    pub score: Option<i32>,
    /// The answer's text, if answered. Null otherwise.
    pub answer_text: Option<String>,
    /// If the question is irrelevant for the call.
    pub not_applicable: Option<bool>,
    /// The identifier of the options selected. Null otherwise
    pub selected_options: Option<Vec<String>>,
    /// The answer, if answered. Null otherwise. Not in Gong's OpenAPI document; listed by the
    /// Airbyte agent connector's documentation of this record.
    pub answer: Option<String>,
}
