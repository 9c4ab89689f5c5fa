//! Record of the `call_transcripts` stream: Gong's `CallTranscript` (POST /v2/calls/transcript).
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A list with one entry per call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallTranscript {
    /// Gong's unique numeric identifier for the call (up to 20 digits).
    pub call_id: String,
    /// List of monologues.
    pub transcript: Option<Vec<Monologue>>,
}

/// List of monologues.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Monologue {
    /// Unique ID of the speaker. Cross-reference this with the 'speakerId' field of objects in the
    /// 'parties' array returned from endpoint '/v2/calls/extensive' to identify the participant.
    pub speaker_id: Option<String>,
    /// The name of the topic.
    pub topic: Option<String>,
    /// A list of sentences spoken in the monologue.
    pub sentences: Option<Vec<Sentence>>,
}

/// A list of sentences spoken in the monologue.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sentence {
    /// The starting time of the sentence, in milliseconds from the start of the call.
    pub start: Option<i64>,
    /// The end time of the sentence, in milliseconds from the start of the call.
    pub end: Option<i64>,
    /// The sentence.
    pub text: Option<String>,
}
