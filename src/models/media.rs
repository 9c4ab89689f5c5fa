//! Record of the `call_media` stream. Unlike every other stream this record is the connector's own, not a
//! Gong object: one record per call and media kind, built from the `media.audioUrl` / `media.videoUrl` and
//! `metaData` that POST /v2/calls/extensive returns with `contentSelector.exposedFields.media = true`.

use super::types::DateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which of a call's media files a `call_media` record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    // The call's audio recording (Gong's `media.audioUrl`). Plain comments: doc comments on variants
    // would turn the schema's `enum` into a `oneOf`.
    Audio,
    // The call's video recording (Gong's `media.videoUrl`).
    Video,
}

/// `call_media` stream: one record per call and media kind (audio or video). The whole record is added by
/// the connector (it is not a Gong object): it is built from the call's `metaData` and its
/// `media.audioUrl` / `media.videoUrl` returned by POST /v2/calls/extensive, and every identifying value
/// sits at the top level because PyAirbyte and Airbyte destinations reject nested primary keys. Primary
/// key (`callId`, `kind`), cursor `started`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallMedia {
    /// Gong's unique numeric identifier for the call (up to 20 digits), from `metaData.id`.
    pub call_id: String,
    /// Which media file of the call this record describes: 'audio' or 'video'.
    pub kind: MediaKind,
    /// The media URL Gong returned (`media.audioUrl` or `media.videoUrl`). Gong keeps it valid for 8
    /// hours; see `urlExpiresAt`.
    pub url: Option<String>,
    /// The date and time when the call was recorded in the ISO-8601 format, from `metaData.started`.
    pub started: Option<DateTime>,
    /// Gong's unique numeric identifier for the call's workspace (up to 20 digits), from
    /// `metaData.workspaceId`.
    pub workspace_id: Option<String>,
    /// The primary user ID of the team member who hosted the call, from `metaData.primaryUserId`.
    pub primary_user_id: Option<String>,
    /// The media's MIME type (for example audio/mpeg or video/mp4) as reported by the media host; with
    /// `call_media_probe` off, from the URL's file extension; null when unknown.
    pub content_type: Option<String>,
    /// The media file's size in bytes as reported by the media host; null when unknown or when
    /// `call_media_probe` is off (without file transfer).
    pub size_bytes: Option<i64>,
    /// When `url` stops working (Gong's media URLs are valid for 8 hours after the request); null when
    /// unknown.
    pub url_expires_at: Option<DateTime>,
}
