//! Records of the `library_folders` and `library_folder_content` streams: Gong's `LibraryFolder`
//! (GET /v2/library/folders) and `LibraryCall` (GET /v2/library/folder-content).
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use super::types::DateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Basic details such as sub-folders, title, etc.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LibraryFolder {
    /// Gong's unique numeric identifier for a library's folder (up to 20 digits).
    pub id: String,
    /// Display name of the folder.
    pub name: Option<String>,
    /// Gong's unique numeric identifier for library's parent folder (null for root folder).
    pub parent_folder_id: Option<String>,
    /// Gong's unique numeric identifier for the user who added the folder.
    pub created_by: Option<String>,
    /// Folder's last update time in the ISO-8601 format (e.g., '2020-03-14T05:30:00-08:00').
    pub updated: Option<DateTime>,
}

/// Basic details such as id, title, notes, etc.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LibraryCall {
    /// Gong's unique numeric identifier of a call (up to 20 digits).
    pub id: String,
    /// The title of the call.
    pub title: Option<String>,
    /// A note attached to the call in the folder. The note is optional.
    pub note: Option<String>,
    /// Gong's unique numeric identifier for the user who added the call to folder.
    pub added_by: Option<String>,
    /// The date and time when the call was added to folder in the ISO-8601 format (e.g.,
    /// '2020-01-12T14:30:00-08:00').
    pub created: Option<DateTime>,
    /// URL of the call.
    pub url: Option<String>,
    /// Snippet of call
    pub snippet: Option<Snippet>,
    /// Gong's unique numeric identifier of the call (up to 20 digits). Not in Gong's OpenAPI
    /// document; listed by the Airbyte agent connector's documentation of this record.
    pub call_id: Option<String>,
    /// The date and time when the call was recorded in the ISO-8601 format. Not in Gong's OpenAPI
    /// document; listed by the Airbyte agent connector's documentation of this record.
    pub started: Option<DateTime>,
    /// The duration of the call, in seconds. Not in Gong's OpenAPI document; listed by the Airbyte
    /// agent connector's documentation of this record.
    pub duration: Option<i64>,
    /// The primary user ID of the team member who hosted the call. Not in Gong's OpenAPI document;
    /// listed by the Airbyte agent connector's documentation of this record.
    pub primary_user_id: Option<String>,
}

/// Snippet of call
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Snippet {
    /// Call snippet start in seconds relative to the call start time. For example 305 is a snippet
    /// that starts after 5 minutes and 5 seconds after the beginning of the call.
    pub from_sec: Option<i32>,
    /// Call snippet end in seconds relative to the call start time. For example 900 means that this
    /// snippet ends after exactly 15 minutes after the beginning of the call.
    pub to_sec: Option<i32>,
}
