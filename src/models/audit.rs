//! Records of the audit and access streams: `logs` (GET /v2/logs),
//! `user_settings_history` (GET /v2/users/{id}/settings-history), `call_users_access`
//! (POST /v2/calls/users-access) and `calls_manual_crm_associations` (GET
//! /v2/calls/manual-crm-associations, beta in Gong's spec).
//!
//! Each is Gong's object as sent, flattened, plus the top-level fields the connector adds (named in the
//! record's doc comment, which becomes the schema's description). Field names, types and descriptions
//! follow Gong's OpenAPI document; ids are strings, as Gong sends them.

use schemars::gen::SchemaGenerator;
use schemars::schema::{Metadata, Schema, SchemaObject};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use serde_json::Value;

use super::types::DateTime;

/// One audit log entry (Gong's `logEntry`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// Gong's unique numeric identifier for the user (up to 20 digits), if available.
    pub user_id: Option<String>,
    /// The email address of the user, if available.
    pub user_email_address: Option<String>,
    /// The full name of the user, if available.
    pub user_full_name: Option<String>,
    /// Gong's unique numeric identifier for the impersonating user (up to 20 digits), if available.
    pub impersonator_user_id: Option<String>,
    /// The email address of the impersonating user, if available.
    pub impersonator_email_address: Option<String>,
    /// The full name of the impersonating user, if available.
    pub impersonator_full_name: Option<String>,
    /// Gong's unique numeric identifier for the impersonating user's company id (up to 20 digits), if
    /// available.
    pub impersonator_company_id: Option<String>,
    /// The time in the ISO-8601 format (e.g., '2018-02-18T02:30:00-07:00' or '2018-02-18T08:00:00Z',
    /// where Z stands for UTC); when log was created.
    pub event_time: Option<DateTime>,
    /// The list of log fields and associated values. This element will be populated dynamically by the
    /// log record, depending on the type of log.
    pub log_record: Option<BTreeMap<String, LogField>>,
}

/// One field of a log entry's `logRecord`. Gong's spec declares each value an object, but the fields
/// depend on the log type and carry plain values too (an IP address, seconds played), so any JSON value
/// is accepted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LogField(pub Value);

impl JsonSchema for LogField {
    fn is_referenceable() -> bool {
        false
    }

    fn schema_name() -> String {
        "LogField".to_owned()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "The list of log fields and associated values. This element will be populated \
                     dynamically by the log record, depending on the type of log."
                        .into(),
                ),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

/// `logs` stream: one audit log entry of one log type (Gong's `logEntry`, GET /v2/logs). Gong's entries
/// have no id and do not say their type, so the connector adds two top-level fields: `logType`, the
/// type requested (`AccessLog`, `UserActivityLog`, `UserCallPlay`, `ExternallySharedCallAccess` or
/// `ExternallySharedCallPlay`), and `entryId`, a hash of the entry as Gong sent it (16 hex digits;
/// identical entries are the same event): PyAirbyte and Airbyte destinations need a primary key at the
/// top level of the record. Primary key (`logType`, `entryId`), cursor `eventTime`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogsRecord {
    /// Added by the connector: the `logType` the entry was requested with.
    pub log_type: String,
    /// Added by the connector: FNV-1a 64-bit hash of the entry's JSON text as Gong sent it, in hex.
    pub entry_id: String,
    /// The entry.
    #[serde(flatten)]
    pub entry: LogEntry,
}

/// One change of a user capability (Gong's `UserSettingsHistory`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSettingsHistory {
    /// The user capability that was changed. Known values: `webConferencesRecorded`,
    /// `preventWebConferenceRecording`, `emailsImported`, `preventEmailImport`, `active`,
    /// `nonRecordedMeetingsImported`, `gongConnectEnabled`, `callsImported`, `interviewsRecorded`,
    /// `preventInterviewRecording`.
    pub setting: String,
    /// The new value that was set.
    pub value: Option<bool>,
    /// The date and time the action was set, in the ISO-8601 format (e.g., '2018-02-18T02:30:00-07:00' or
    /// '2018-02-18T08:00:00Z', where Z stands for UTC).
    pub time: DateTime,
}

/// `user_settings_history` stream: one change of one user's capability (Gong's `UserSettingsHistory`,
/// GET /v2/users/{id}/settings-history, one request per user). Gong's object does not name the user, so
/// the connector adds one top-level field, `userId`, the user whose history it is: PyAirbyte and Airbyte
/// destinations need the whole primary key at the top level. Primary key (`userId`, `setting`, `time`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSettingsHistoryRecord {
    /// Added by the connector: Gong's unique numeric identifier of the user (up to 20 digits).
    pub user_id: String,
    /// The change.
    #[serde(flatten)]
    pub change: UserSettingsHistory,
}

/// A user with individual access to a call (Gong's `UserAccessDetails`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserAccessDetails {
    /// Gong's unique numeric user ID.
    pub user_id: Option<String>,
}

/// A call and the users with individual access to it (Gong's `CallAccessDetails`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallAccessDetails {
    /// Gong's unique numeric call ID.
    pub call_id: String,
    /// A list of users having access.
    pub users: Option<Vec<UserAccessDetails>>,
}

/// `call_users_access` stream: one call and the users given individual access to it (Gong's
/// `CallAccessDetails`, POST /v2/calls/users-access). Calls nobody was given access to have no record.
/// The connector adds one top-level field, `callStarted`, the call's `started` from the call listing: the
/// access list carries no time of its own, and PyAirbyte and Airbyte destinations need the cursor at the
/// top level of the record. Primary key `callId`, cursor `callStarted`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallUsersAccessRecord {
    /// Added by the connector: the date and time when the call was recorded in the ISO-8601 format (the
    /// call's `started`).
    pub call_started: Option<DateTime>,
    /// The call's access list.
    #[serde(flatten)]
    pub access: CallAccessDetails,
}

/// A CRM object associated with a call (Gong's `AssociationObject`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssociationObject {
    /// CRM account Id.
    pub account_crm_id: Option<String>,
    /// CRM deal Id, if deal/opportunity was associated.
    pub deal_crm_id: Option<String>,
}

/// One manual association of a call with CRM objects (Gong's `ManualAssociationsBasicData`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManualAssociationsBasicData {
    /// Gong's unique numeric identifier for the call (up to 20 digits).
    pub call_id: String,
    /// The user Id who performed the association.
    pub user_id: Option<String>,
    /// The association date.
    pub created: DateTime,
    /// List of all association objects.
    pub associated_crm_objects: Option<Vec<AssociationObject>>,
}

/// `calls_manual_crm_associations` stream: one manual association of a call with a CRM account and deal
/// (Gong's `ManualAssociationsBasicData`, GET /v2/calls/manual-crm-associations, beta in Gong's spec),
/// exactly as Gong sends it: the connector adds no fields. A call re-associated later appears once per
/// association: the primary key is (`callId`, `created`), the cursor `created`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct CallsManualCrmAssociationsRecord {
    /// The association.
    #[serde(flatten)]
    pub association: ManualAssociationsBasicData,
}
