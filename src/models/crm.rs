//! Records of the `crm_integrations` and `crm_entity_schema` streams: Gong's `GenericCrmIntegration`
//! (GET /v2/crm/integrations) and `GenericSchemaFieldRequest` (GET /v2/crm/entity-schema, the items of
//! `objectTypeToSelectedFields`).
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`).

use super::types::{DateTime, Id};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A generic CRM integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrmIntegration {
    /// The ID of the integration.<br><b>Note:</b> Parse the integrationId as Long or BigInt. Parsing
    /// the integrationId as an Integer truncates the integrationId to trailing zeros and returns an
    /// incorrect ID.
    pub integration_id: Id,
    /// Email address of the person responsible for the integration
    pub owner_email: Option<String>,
    /// The name of the integration
    pub name: Option<String>,
}

/// One field of a CRM object type's schema.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrmSchemaField {
    /// The unique name of the field in the CRM system
    pub unique_name: String,
    /// The label to use in the UI for this field
    pub label: Option<String>,
    /// The field type (case-sensitive). Must be one of the types listed above. Known values: `DATE`, `DATETIME`, `NUMBER`, `PERCENT`,
    /// `CURRENCY`, `ID`, `URL`, `STRING`, `BOOLEAN`, `PHONENUMBER`, `EMAILADDRESS`, `PICKLIST`,
    /// `REFERENCE`, `STRINGARRAY`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The date and time the schema was last modified. <br>Valid format: ISO-8601 format without
    /// milliseconds e.g., "2020-12-17T13:45:01Z"
    pub last_modified: Option<DateTime>,
    /// When true, deletes the field from the schema and its value is removed from all objects. Use with
    /// caution
    pub is_deleted: Option<bool>,
    /// The object type this field refers to. Required for field of type REFERENCE. Must be one of
    /// "ACCOUNT", "CONTACT", "DEAL", "LEAD" or "USER"
    pub reference_to: Option<String>,
    /// The list of values for the field. Required for PICKLIST fields
    pub ordered_value_list: Option<Vec<String>>,
}
