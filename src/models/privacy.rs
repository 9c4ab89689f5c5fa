//! What `GET /v2/data-privacy/data-for-email-address` and `…/data-for-phone-number` answer: the
//! elements of a company's Gong that reference one person (Gong's `EmailAddressReferences` and
//! `PhoneNumberReferences`). These are `execute` entities and MCP tools, not streams: each answers one
//! question about one address or number.
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`); the
//! external-system links inside a call reference and the CRM objects of `customerData` are kept as Gong
//! sends them (any JSON).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Details of a call referencing the email address or phone number.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallReference {
    /// Gong's unique numeric identifier for the call (up to 20 digits).
    pub id: Option<String>,
    /// Call status, e.g. `COMPLETED`.
    pub status: Option<String>,
    /// A list of links to external systems such as CRM, Telephony System, Case Management, etc.
    pub external_systems: Option<Vec<Value>>,
}

/// A related email message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailMessage {
    /// The sender's email address.
    pub from: Option<String>,
    /// Gong's unique 32 character identifier for the email message.
    pub id: Option<String>,
    /// The date and time the email message was sent in the ISO-8601 format.
    pub sent_time: Option<String>,
    /// The mailbox from which the email was retrieved.
    pub mailbox: Option<String>,
    /// Hash code of the email message.
    pub message_hash: Option<String>,
}

/// A related meeting.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Meeting {
    /// Gong's unique identifier for the meeting.
    pub id: Option<String>,
}

/// Links to data an external system (CRM, telephony, case management) holds about the person.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerData {
    /// External system name. Known values: `Salesforce`, `HubSpot`, `MicrosoftDynamic`, `Generic`.
    pub system: Option<String>,
    /// List of objects in the external system.
    pub objects: Option<Vec<Value>>,
}

/// A customer's engagement event (such as viewing an externally shared call).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerEngagement {
    /// Event type. Known values: `contentShared`, `contentViewed`, `customEvent`,
    /// `digitalInteraction`.
    pub event_type: Option<String>,
    /// The date and time the event occurred.
    pub timestamp: Option<Value>,
    /// Event content id.
    pub content_id: Option<String>,
    /// Event content url.
    pub content_url: Option<String>,
    /// Event reporting system.
    pub reporting_system: Option<String>,
    /// Event name.
    pub event_name: Option<String>,
    /// Source event id.
    pub source_event_id: Option<String>,
}

/// Everything Gong holds that references one email address: calls and email messages that reference
/// it, meetings, and the leads or contacts with it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailAddressReferences {
    /// A Gong request reference Id, generated for this request.
    pub request_id: Option<String>,
    /// Related email messages.
    pub emails: Option<Vec<EmailMessage>>,
    /// Related calls.
    pub calls: Option<Vec<CallReference>>,
    /// Related meetings.
    pub meetings: Option<Vec<Meeting>>,
    /// Links to data from external systems that reference the email address and that Gong stores.
    pub customer_data: Option<Vec<CustomerData>>,
    /// The customer's engagement (such as viewing an externally shared call).
    pub customer_engagement: Option<Vec<CustomerEngagement>>,
}

/// Everything Gong holds that references one phone number: the leads and contacts with it, their
/// calls and email messages.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumberReferences {
    /// A Gong request reference Id, generated for this request.
    pub request_id: Option<String>,
    /// Related email messages.
    pub emails: Option<Vec<EmailMessage>>,
    /// Related calls.
    pub calls: Option<Vec<CallReference>>,
    /// Related meetings.
    pub meetings: Option<Vec<Meeting>>,
    /// Links to data from external systems that reference the phone number and that Gong stores.
    pub customer_data: Option<Vec<CustomerData>>,
    /// The supplied phone number.
    pub supplied_phone_number: Option<String>,
    /// Matching phone numbers found.
    pub matching_phone_numbers: Option<Vec<String>>,
    /// Related email addresses.
    pub email_addresses: Option<Vec<String>>,
}
