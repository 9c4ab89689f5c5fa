//! Record of the `flows` stream: Gong's `PublicApiFlow` (GET /v2/flows).
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use super::types::DateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One Engage flow.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    /// The id of the flow
    pub id: String,
    /// The name of the flow
    pub name: Option<String>,
    /// The id of the folder this flow is under
    pub folder_id: Option<String>,
    /// The name of the folder this flow is under
    pub folder_name: Option<String>,
    /// The flow visibility type. Known values: `Company`, `Personal`, `Shared`.
    pub visibility: Option<String>,
    /// Creation time of the flow in ISO-8601 format (e.g., '2018-02-18T02:30:00-07:00' or
    /// '2018-02-18T08:00:00Z', where Z stands for UTC).
    pub creation_date: Option<DateTime>,
    /// indicates whether a prospect in this flow can be added to other flows
    pub exclusive: Option<bool>,
}
