//! Records of the `users` and `workspaces` streams: Gong's `UserMetadata` (GET /v2/users) and
//! `WorkspaceMetadata` (GET /v2/workspaces).
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use super::types::DateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// User's metadata.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserMetadata {
    /// Gong's unique numeric identifier for the user (up to 20 digits).
    pub id: String,
    /// The email address of the Gong user.
    pub email_address: Option<String>,
    /// Creation time in the ISO-8601 format (e.g., '2018-02-18T02:30:00-07:00' or
    /// '2018-02-18T08:00:00Z', where Z stands for UTC);of the Gong user.
    pub created: Option<DateTime>,
    /// True if the user is active, false if not.
    pub active: Option<bool>,
    /// List of email address aliases of the Gong user.
    pub email_aliases: Option<Vec<String>>,
    /// The trusted authentication email assigned to the Gong user
    pub trusted_email_address: Option<String>,
    /// The first name of the Gong user.
    pub first_name: Option<String>,
    /// The last name of the Gong user.
    pub last_name: Option<String>,
    /// The job title of the Gong user.
    pub title: Option<String>,
    /// The phone number of the Gong user.
    pub phone_number: Option<String>,
    /// The extension number of the Gong user.
    pub extension: Option<String>,
    /// The list of personal meeting URLs of the Gong user.
    pub personal_meeting_urls: Option<Vec<String>>,
    /// The user's settings in the Gong system.
    pub settings: Option<UserSettings>,
    /// The manager ID of the Gong user.
    pub manager_id: Option<String>,
    /// The Gong recording consent meeting link
    pub meeting_consent_page_url: Option<String>,
    /// Languages spoken during calls by the Gong user
    pub spoken_languages: Option<Vec<SpokenLanguage>>,
}

/// A list, in which each item provides a workspace metadata.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceMetadata {
    /// Gong's unique numeric identifier for the workspace (up to 20 digits).
    pub id: String,
    /// The name of the workspace.
    pub name: Option<String>,
    /// The description of the workspace.
    pub description: Option<String>,
    /// Gong's unique numeric identifier for the workspace (up to 20 digits). Not in Gong's OpenAPI
    /// document; listed by the Airbyte agent connector's documentation of this record.
    pub workspace_id: Option<String>,
}

/// The user's settings in the Gong system.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSettings {
    /// True if the team member is set to be recorded by Gong, false if not.
    pub web_conferences_recorded: Option<bool>,
    /// If true, invitation of this user to a web conference will prevent its recording (even if
    /// other users invited are set to record).
    pub prevent_web_conference_recording: Option<bool>,
    /// True if the team member is set to import telephony calls from by Gong, false if not.
    pub telephony_calls_imported: Option<bool>,
    /// True if the team member is set to import emails by Gong, false if not.
    pub emails_imported: Option<bool>,
    /// True if the team member is set to prevent import of emails by Gong, false if not.
    pub prevent_email_import: Option<bool>,
    /// True if the team member is set to import non recorded meetings by Gong, false if not.
    pub non_recorded_meetings_imported: Option<bool>,
    /// True if the team member has Gong Connect enabled, false if not.
    pub gong_connect_enabled: Option<bool>,
}

/// Languages spoken during calls by the Gong user
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpokenLanguage {
    /// Language spoken by the user encoded according to the BCP-47 standard.
    pub language: Option<String>,
    /// Indicates the primary language (one per user). The language will be assumed when the system
    /// cannot identify the language of a call, e.g., due to poor quality or the call being too
    /// short.
    pub primary: Option<bool>,
}
