//! Records of the `calls` and `calls_extensive` streams: Gong's `CallBasicData` (GET /v2/calls) and
//! `CallData` (POST /v2/calls/extensive) with everything nested in it.
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use super::types::DateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// call's metadata.
///
/// `I` is the type of `id`: `String` in the `calls` stream, where `id` is the primary key, and optional
/// inside a `calls_extensive` record's `metaData`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallBasicData<I = Option<String>> {
    /// Gong's unique numeric identifier for the call (up to 20 digits).
    pub id: I,
    /// The URL to the page in the Gong web application where the call is available.
    pub url: Option<String>,
    /// The title of the call.
    pub title: Option<String>,
    /// Scheduled date and time of the call in the ISO-8601 format (e.g.,
    /// '2018-02-18T02:30:00-07:00' or '2018-02-18T08:00:00Z', where Z stands for UTC).
    pub scheduled: Option<DateTime>,
    /// The date and time when the call was recorded in the ISO-8601 format (e.g.,
    /// '2018-02-18T02:30:00-07:00' or '2018-02-18T08:00:00Z', where Z stands for UTC).
    pub started: Option<DateTime>,
    /// The duration of the call, in seconds.
    pub duration: Option<i64>,
    /// The primary user ID of the team member who hosted the call.
    pub primary_user_id: Option<String>,
    /// Call direction. Known values: 'Inbound', 'Outbound', 'Conference', 'Unknown'. Typed as a
    /// plain string: Gong adds values over time.
    pub direction: Option<String>,
    /// The system with which the call was carried out (e.g., WebEx, ShoreTel, etc.).
    pub system: Option<String>,
    /// The scope of the call: 'internal' if all the participants are from the company, 'external'
    /// if some participants are not from the company, or 'unknown' if the scope is unknown. Known
    /// values: 'Internal', 'External', 'Unknown'. Typed as a plain string: Gong adds values over
    /// time.
    pub scope: Option<String>,
    /// Media type. Known values: 'Video', 'Audio'. Typed as a plain string: Gong adds values over
    /// time.
    pub media: Option<String>,
    /// The language codes (as defined by ISO-639-2B). E.g., eng, fre, spa, ger, and ita. Also used
    /// are und (unsupported language), and zxx (not enough speech content for identification).
    pub language: Option<String>,
    /// Gong's unique numeric identifier for the call's workspace (up to 20 digits).
    pub workspace_id: Option<String>,
    /// The SDR disposition of the call. This can be an automated value provided by the provider, or
    /// manually entered by the rep.
    pub sdr_disposition: Option<String>,
    /// The call's unique identifier in the origin recording system (typically a telephony recording
    /// system). The identifier is provided to Gong during the call creation via the Public API or
    /// through telephony systems integrations.
    pub client_unique_id: Option<String>,
    /// Metadata as was provided to Gong during the call creation via the Public API.
    pub custom_data: Option<String>,
    /// The purpose of the call.
    pub purpose: Option<String>,
    /// The meeting provider URL on which the web conference was recorded.
    pub meeting_url: Option<String>,
    /// If the call is private.
    pub is_private: Option<bool>,
    /// The Id of the meeting in Google or Outlook Calendar.
    pub calendar_event_id: Option<String>,
}

/// A list with one entry per call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallData {
    /// call's metadata.
    pub meta_data: Option<CallBasicData>,
    /// A list of the agenda of each part of the call.
    pub context: Option<Vec<CallContextDto>>,
    /// A list of the call's participants
    pub parties: Option<Vec<Party>>,
    /// Analysis of the interaction content.
    pub content: Option<ContentDto>,
    /// Metrics collected around the interaction during the call.
    pub interaction: Option<InteractionMeasuresDto>,
    /// Collaboration information added to the call
    pub collaboration: Option<CollaborationDto>,
    /// The media urls of the call.
    pub media: Option<MediaDto>,
}

/// Links to external systems such as CRM, Dialer, Case Management etc
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallContextDto {
    /// External system name. e.g. Salesforce. Known values: 'Salesforce', 'HubSpot',
    /// 'MicrosoftDynamic', 'Generic'. Typed as a plain string: Gong adds values over time.
    pub system: Option<String>,
    /// List of objects within the external system
    pub objects: Option<Vec<ExternalCallObject>>,
}

/// Gong's `Party` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// Unique ID of the participant in the call.
    pub id: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// The name of the participant.
    pub name: Option<String>,
    /// The job title of the participant
    pub title: Option<String>,
    /// The user ID of the participant within the Gong system, if the participant exists in the
    /// system.
    pub user_id: Option<String>,
    /// Unique ID of a participant that spoke in the call. References to this id will appear in the
    /// '/v2/calls/transcript' endpoint response.
    pub speaker_id: Option<String>,
    /// A list of links to external systems such as CRM, Dialer, Case Management, etc.
    pub context: Option<Vec<PartyContextDto>>,
    /// Whether the participant is from the company or not. Known values: 'Internal', 'External',
    /// 'Unknown'. Typed as a plain string: Gong adds values over time.
    pub affiliation: Option<String>,
    /// The phone number of the participant.
    pub phone_number: Option<String>,
    /// Whether the participant was invited to the meeting or only attended the call. Known values:
    /// 'Invitee', 'Attendee'. Typed as a plain string: Gong adds values over time.
    pub methods: Option<Vec<String>>,
}

/// Analysis of the interaction content.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentDto {
    /// A list of the agenda of each part of the call.
    pub structure: Option<Vec<StructureDto>>,
    /// The trackers (keyword and smart) that came up in the call. Returned when
    /// contentSelector.exposedFields.content.trackers = true.
    pub trackers: Option<Vec<TrackerDto>>,
    /// The topics discussed in the call and the time spent on each. Returned when
    /// contentSelector.exposedFields.content.topics = true.
    pub topics: Option<Vec<TopicDto>>,
    /// Points of interest of the call.
    pub points_of_interest: Option<PointsOfInterest>,
    /// The brief of the call. Returned when it is available and
    /// contentSelector.exposedFields.content.brief = true.
    pub brief: Option<String>,
    /// Outline of the call, divided into sections. Returned when it is available and
    /// contentSelector.exposedFields.content.outline = true.
    pub outline: Option<Vec<CallOutlineSection>>,
    /// List of highlights of the call. Returned when it is available and
    /// contentSelector.exposedFields.content.highlights = true.
    pub highlights: Option<Vec<CallHighlightsSection>>,
    /// The outcome of the call, as automatically set by Gong AI. Returned when it is available and
    /// contentSelector.exposedFields.content.callOutcome = true.
    pub call_outcome: Option<CallOutcome>,
    /// List of key points of the call. Returned when it is available and
    /// contentSelector.exposedFields.content.keyPoints = true.
    pub key_points: Option<Vec<CallKeyPoint>>,
}

/// Metrics collected around the interaction during the call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionMeasuresDto {
    /// A list of the talk duration per speaker.
    pub speakers: Option<Vec<UserSpeaker>>,
    /// A list of interaction statistics. Applicable values: 'Talk Ratio', 'Longest Monologue',
    /// 'Longest Customer Story', 'Interactivity', 'Patience'.
    pub interaction_stats: Option<Vec<InteractionStatsDto>>,
    /// A list of video statistics about what's presented and for how long.
    pub video: Option<Vec<VideoInteractionDto>>,
    /// Question counts of the call.
    pub questions: Option<Questions>,
}

/// Collaboration information added to the call
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollaborationDto {
    /// A list of public comments.
    pub public_comments: Option<Vec<CommentDto>>,
}

/// The media urls of the call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediaDto {
    /// If true and exist, add audio url of the call. The url will be available for 8 hours.
    pub audio_url: Option<String>,
    /// If true and exist, add video url of the call. The url will be available for 8 hours.
    pub video_url: Option<String>,
}

/// External Object
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExternalCallObject {
    /// Object Type. e.g Opportunity. Known values: 'Opportunity', 'Account'. Typed as a plain
    /// string: Gong adds values over time.
    pub object_type: Option<String>,
    /// Object ID
    pub object_id: Option<String>,
    /// External object data
    pub fields: Option<Vec<ContextField>>,
    /// Timing of object. Known values: 'Now', 'TimeOfCall'. Typed as a plain string: Gong adds
    /// values over time.
    pub timing: Option<String>,
}

/// Links to external systems such as CRM, Dialer, Case Management etc
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartyContextDto {
    /// External system name. e.g. Salesforce. Known values: 'Salesforce', 'HubSpot',
    /// 'MicrosoftDynamic', 'Generic'. Typed as a plain string: Gong adds values over time.
    pub system: Option<String>,
    /// List of objects within the external system
    pub objects: Option<Vec<ExternalPartyObject>>,
}

/// Agenda of the current part of the call
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StructureDto {
    /// The agenda name
    pub name: Option<String>,
    /// The duration of this part of the call
    pub duration: Option<i64>,
}

/// Gong's `TrackerDto` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackerDto {
    /// The unique ID of the Tracker.
    pub id: Option<String>,
    /// The name of the Tracker (e.g., Stores).
    pub name: Option<String>,
    /// The number of times words in this Tracker occurred in the call.
    pub count: Option<i32>,
    /// The type of the tracker - Keyword or Smart. Known values: 'KEYWORD', 'SMART'. Typed as a
    /// plain string: Gong adds values over time.
    pub r#type: Option<String>,
    /// Details when the smart or keyword tracker term came up in the call. The list does not
    /// specify each phrase defined in the tracker, rather it lists when any term relevant to the
    /// tracker was mentioned. Empty when keyword trackers are set to display each term in the
    /// tracker separately.
    pub occurrences: Option<Vec<TrackerOccurrence>>,
    /// Details when each specific phrase defined in the keyword tracker came up in the call. Smart
    /// trackers are not listed.
    pub phrases: Option<Vec<TrackerPhrase>>,
}

/// Gong's `TopicDto` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicDto {
    /// The name of the topic (e.g., Pricing).
    pub name: Option<String>,
    /// The total time, in seconds, spent on this topic within the call.
    pub duration: Option<i32>,
}

/// Points of interest of the call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PointsOfInterest {
    /// The action items Gong identified in the call.
    pub action_items: Option<Vec<PointOfInterest>>,
}

/// Gong's `CallOutlineSection` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallOutlineSection {
    /// The name of this section of the call.
    pub section: Option<String>,
    /// The starting time of this section, in seconds, from the start of the call.
    pub start_time: Option<f64>,
    /// The duration of this section, in seconds.
    pub duration: Option<f64>,
    /// List of items of this section.
    pub items: Option<Vec<CallOutlineItem>>,
}

/// Gong's `CallHighlightsSection` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallHighlightsSection {
    /// The title of the highlights section.
    pub title: Option<String>,
    /// List of highlight items of the call in this section.
    pub items: Option<Vec<CallHighlightsItem>>,
}

/// The outcome of the call, as automatically set by Gong AI. Returned when it is available and
/// contentSelector.exposedFields.content.callOutcome = true.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallOutcome {
    /// The ID of the call outcome, as automatically set by Gong AI
    pub id: Option<String>,
    /// The category of the call outcome, as automatically set by Gong AI
    pub category: Option<String>,
    /// The name of the call outcome, as automatically set by Gong AI
    pub name: Option<String>,
}

/// Gong's `CallKeyPoint` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallKeyPoint {
    /// The text of the key point.
    pub text: Option<String>,
}

/// Talking duration
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSpeaker {
    /// Unique ID of the participant in the call.
    pub id: Option<String>,
    /// User Id within the Gong system
    pub user_id: Option<String>,
    /// Talk duration in seconds
    pub talk_time: Option<f64>,
}

/// Interaction statistics
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionStatsDto {
    /// Stat name
    pub name: Option<String>,
    /// Stat measurement
    pub value: Option<f64>,
}

/// Video statistics
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VideoInteractionDto {
    /// Video segment type. Can have the values: 'Browser', 'Presentation', 'WebcamPrimaryUser',
    /// 'WebcamNonCompany', and 'Webcam'.
    ///
    /// <b>'Browser'</b>: When the video segment shows a web browser.
    ///
    /// <b>'Presentation'</b>: When the video segment shows a presentation (such as PowerPoint).
    ///
    /// <b>'WebcamPrimaryUser'</b>: When the video segment shows the webcam of the primary user.
    ///
    /// <b>'WebcamNonCompany'</b>: When the video segment shows webcam speakers that gong has
    /// identified as being non-company.
    ///
    /// <b>'Webcam'</b>: When the video segment shows any webcam.
    pub name: Option<String>,
    /// Total video segments duration in seconds.
    pub duration: Option<f32>,
}

/// Question counts of the call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Questions {
    /// The number of questions asked by company speakers.
    pub company_count: Option<i32>,
    /// The number of questions asked by non-company speakers.
    pub non_company_count: Option<i32>,
}

/// Gong's `CommentDto` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentDto {
    /// Unique identifier of the comment within the Gong's system.
    pub id: Option<String>,
    /// The number of seconds from the beginning of the call that the comment start refers to.
    pub audio_start_time: Option<f32>,
    /// The number of seconds from the beginning of the call that the comment ends refers to.
    pub audio_end_time: Option<f32>,
    /// Unique identifier of the user who wrote the comment.
    pub commenter_user_id: Option<String>,
    /// The comment itself. The comment may contains person tagging in this format @[user name](user
    /// Id)
    pub comment: Option<String>,
    /// The date and time in the ISO-8601 format (e.g., '2018-02-18T02:30:00-07:00' or
    /// '2018-02-18T08:00:00Z', where Z stands for UTC); in which the comment was posted.
    pub posted: Option<DateTime>,
    /// The unique identifier of the original comment in case the current comment is a reply to the
    /// original one.
    pub in_reply_to: Option<String>,
    /// True if the comment was written during the call, false if it was posted after the call.
    pub during_call: Option<bool>,
}

/// External object data
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContextField {
    /// Field name. For Account supported fields are: Name, Website, Industry and all the custom
    /// fields. For Opportunity supported fields are Name, LeadSource, Type, StageName, Probability,
    /// Amount, CloseDate and all the custom fields.
    pub name: Option<String>,
    /// Field value
    pub value: Option<serde_json::Value>,
}

/// External Object
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExternalPartyObject {
    /// Object Type. e.g. Lead. Known values: 'Contact', 'User', 'Lead'. Typed as a plain string:
    /// Gong adds values over time.
    pub object_type: Option<String>,
    /// Object ID
    pub object_id: Option<String>,
    /// Object fields
    pub fields: Option<Vec<PartyContextField>>,
    /// Timing of object. Known values: 'Now', 'TimeOfCall'. Typed as a plain string: Gong adds
    /// values over time.
    pub timing: Option<String>,
}

/// Gong's `occurrences` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackerOccurrence {
    /// The number of seconds from the beginning of the call when the tracker phrase was captured.
    pub start_time: Option<f64>,
    /// Unique ID of the speaker in the call who said the tracker term. Same as the speakerID in the
    /// "parties" field and in the transcript.
    pub speaker_id: Option<String>,
}

/// Gong's `trackerPhrases` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackerPhrase {
    /// The number of times this phrase was mentioned in the call.
    pub count: Option<i32>,
    /// Lists when each keyword tracker phrase was mentioned in the call.
    pub occurrences: Option<Vec<TrackerOccurrence>>,
    /// The specific phrase within the tracker (e.g., Walmart).
    pub phrase: Option<String>,
}

/// Gong's `PointOfInterest` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PointOfInterest {
    /// The number of seconds from the beginning of the call that the snippet start refers to.
    pub snippet_start_time: Option<f64>,
    /// The number of seconds from the beginning of the call that the snippet end refers to.
    pub snippet_end_time: Option<f64>,
    /// Unique ID of the participant in the call.
    #[serde(rename = "speakerID")]
    pub speaker_id: Option<String>,
    /// The snippet including the action.
    pub snippet: Option<String>,
}

/// Gong's `CallOutlineItem` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallOutlineItem {
    /// The text of this section item.
    pub text: Option<String>,
    /// The starting time of this section item, in seconds from the start of the call.
    pub start_time: Option<f64>,
}

/// Gong's `CallHighlightsItem` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallHighlightsItem {
    /// The text of the highlights section item.
    pub text: Option<String>,
    /// List of starting times of the highlights section item, in seconds from the start of the
    /// call.
    pub start_times: Option<Vec<f64>>,
}

/// External object data
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartyContextField {
    /// Field name. All custom fields are supported.
    pub name: Option<String>,
    /// Object value
    pub value: Option<serde_json::Value>,
}
