//! Records of the `settings_scorecards` and `settings_trackers` streams: Gong's `Scorecard`
//! (GET /v2/settings/scorecards) and `KeywordTracker` (GET /v2/settings/trackers).
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use super::types::{DateTime, Id};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A list, in which each item contains one scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scorecard {
    /// The identifier of the scorecard.
    pub scorecard_id: Id,
    /// Scorecard name.
    pub scorecard_name: Option<String>,
    /// Scorecard workspaceId.
    pub workspace_id: Option<Id>,
    /// If the scorecard is enabled or not.
    pub enabled: Option<bool>,
    /// The user Id of the team member that updated the scorecard.
    pub updater_user_id: Option<Id>,
    /// The date and time when the scorecard was created in the ISO-8601 format, for example:
    /// '2024-01-17T16:20:05-03:00' or '2016-02-16T03:57:04.834+05:30' or
    /// '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub created: Option<DateTime>,
    /// The date and time when the scorecard was updated in the ISO-8601 format, for example:
    /// '2024-01-17T16:20:05-03:00' or '2016-02-16T03:57:04.834+05:30' or
    /// '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub updated: Option<DateTime>,
    /// The questions in the scorecard.
    pub questions: Option<Vec<Question>>,
    /// How the scorecard is reviewed (for example manual or automatic). Not in Gong's OpenAPI
    /// document; listed by the Airbyte agent connector's documentation of this record.
    pub review_method: Option<String>,
}

/// The definition of a tracker.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeywordTracker {
    /// The unique identifier of the tracker.
    pub tracker_id: String,
    /// The name of the tracker.
    pub tracker_name: Option<String>,
    /// The id of the workspace the tracker is in.
    pub workspace_id: Option<String>,
    /// The words and phrases defined for the tracker. Each languagueKeywords object contains the
    /// words and phrases defined in the specified language.
    pub language_keywords: Option<Vec<TrackerLanguageKeyword>>,
    /// Sets whether to track the keywords when said by people affiliated to a specific company.
    /// Options are: "Anyone", "Company", "NonCompany".
    pub affiliation: Option<String>,
    /// When true, only looks for the keywords when they are part of a question.
    pub part_of_question: Option<bool>,
    /// Sets whether the words and phrases are tracked at the beginning, end or anytime in a call.
    /// Options are: "Anytime", "First", or "Last". For “First” and “Last” see the saidAtInterval
    /// and saidAtUnit fields to see how long to track the keywords for.
    pub said_at: Option<String>,
    /// Sets the period of time to check if the words or phrases came up in the call (according to
    /// the saidAt setting). This can be either minutes or percent depending on the value in the
    /// saidAtUnit parameter.
    pub said_at_interval: Option<i32>,
    /// Sets whether the time to look for keywords is in minutes or a percentage of the call
    /// duration (according to the saidAt setting).
    pub said_at_unit: Option<String>,
    /// Sets the topics in the call the tracker terms should be picked up in.
    pub said_in_topics: Option<Vec<String>>,
    /// Sets the parts of the call to look for the keyword trackers in.
    pub said_in_call_parts: Option<Vec<String>>,
    /// A filter that defines which calls to include when searching for the keyword tracker. The
    /// filter is in JSON and is in the URL of the search page. Example: a filter for all outbound
    /// calls { "type": "And", "filters": [ { "type": "CallDirection", "terms": ["OUTBOUND"] } ] }
    pub filter_query: Option<String>,
    /// Sets the date and time the tracker was created, in the ISO-8601 format, for example:
    /// '2024-01-17T16:20:05-03:00' or '2016-02-16T03:57:04.834+05:30' or
    /// '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub created: Option<DateTime>,
    /// The Id of the team member who created the tracker. Null when the tracker is built-in.
    pub creator_user_id: Option<String>,
    /// The date and time the tracker settings were last updated, in the ISO-8601 format, for
    /// example: '2024-01-17T16:20:05-03:00' or '2016-02-16T03:57:04.834+05:30' or
    /// '2020-11-20T21:30:07.233692Z', where Z stands for UTC.
    pub updated: Option<DateTime>,
    /// The Id of the team member who updated the tracker. Null when the tracker is built-in.
    pub updater_user_id: Option<String>,
}

/// The questions in the scorecard.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    /// The identifier for the question.
    pub question_id: Option<Id>,
    /// The identifier for the revision version of the question.
    pub question_revision_id: Option<Id>,
    /// The question's text.
    pub question_text: Option<String>,
    /// If the question is the main overall question.
    pub is_overall: Option<bool>,
    /// The type of question.
    pub question_type: Option<String>,
    /// The guide for answering the question.
    pub answer_guide: Option<String>,
    /// The minimum value that can be selected in the answer. Null for questions with no range.
    pub min_range: Option<i32>,
    /// The maximum value that can be selected in the answer. Null for questions with no range.
    pub max_range: Option<i32>,
    /// The answer options in case of multi-select or single-select type question. Null otherwise.
    pub answer_options: Option<Vec<QuestionOption>>,
    /// If answering the question is required. Not in Gong's OpenAPI document; listed by the Airbyte
    /// agent connector's documentation of this record.
    pub is_required: Option<bool>,
    /// The user Id of the team member that updated the question. Not in Gong's OpenAPI document;
    /// listed by the Airbyte agent connector's documentation of this record.
    pub updater_user_id: Option<Id>,
    /// The date and time when the question was created in the ISO-8601 format. Not in Gong's
    /// OpenAPI document; listed by the Airbyte agent connector's documentation of this record.
    pub created: Option<DateTime>,
    /// The date and time when the question was updated in the ISO-8601 format. Not in Gong's
    /// OpenAPI document; listed by the Airbyte agent connector's documentation of this record.
    pub updated: Option<DateTime>,
}

/// The tracker keywords definition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackerLanguageKeyword {
    /// The ISO 639-2/B language code for the language the keywords are in. When set to "mul" (ISO
    /// 639-2/B code for multiple languages), the keywords are relevant for all languages.
    pub language: Option<String>,
    /// A list of words and phrases in the specified language.
    pub keywords: Option<Vec<String>>,
    /// When true the tracker identifies words in different forms, for example, if the keyword is
    /// "organize", "organized" and "organizes" are also included.
    pub include_related_forms: Option<bool>,
}

/// The answer options in case of multi-select or single-select type question. Null otherwise.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionOption {
    /// The identifier of the option.
    pub id: Option<Id>,
    /// The option’s text.
    pub text: Option<String>,
}
