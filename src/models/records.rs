//! The record of each stream: Gong's object for that stream, flattened, plus the top-level fields the
//! connector adds (see docs/ARCHITECTURE.md, "Streams").
//!
//! Why fields are added: PyAirbyte and Airbyte destinations reject nested primary keys and cursors, so
//! where a stream's key or cursor is not at the top level of Gong's object (or not in it at all, like the
//! period a stats record covers), the connector copies the identifying value to the top level. Each
//! record's doc comment becomes its schema's top-level description and names those fields.
//!
//! One value the connector changes: a Gong id sent as a JSON number (the scorecard endpoints do) is
//! passed on as a string with the same digits (`gong::ids`); the two scorecard streams say so.

use super::calls::{CallBasicData, CallData};
use super::coaching::CoachingMetricsData;
use super::crm::{CrmIntegration, CrmSchemaField};
use super::flows::Flow;
use super::library::{LibraryCall, LibraryFolder};
use super::permissions::{PermissionProfile, UserSimpleMetadata};
use super::scorecards::AnsweredScorecard;
use super::settings::{KeywordTracker, Scorecard};
use super::stats::{InteractionStats, UserDayActivity, UserDayByDayActivity};
use super::transcripts::CallTranscript;
use super::types::{Date, DateTime, Id};
use super::users::{UserMetadata, WorkspaceMetadata};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `users` stream: one Gong user (Gong's `UserMetadata`, GET /v2/users) exactly as Gong sends it. The
/// connector adds no fields: the primary key `id` is already at the top level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct UsersRecord {
    /// The user.
    #[serde(flatten)]
    pub user: UserMetadata,
}

/// `calls` stream: one call (Gong's `CallBasicData`, GET /v2/calls) exactly as Gong sends it. The
/// connector adds no fields: the primary key `id` and the cursor `started` are already at the top level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct CallsRecord {
    /// The call.
    #[serde(flatten)]
    pub call: CallBasicData<String>,
}

/// `calls_extensive` stream: one call with its extensive data (Gong's `CallData`, POST
/// /v2/calls/extensive: metaData, context, parties, content, interaction, collaboration, media). The
/// connector adds two top-level fields, `id` and `started`, copied from `metaData.id` and
/// `metaData.started`: PyAirbyte and Airbyte destinations reject nested primary keys and cursors, so the
/// identifying values are copied to the top level. Primary key `id`, cursor `started`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct CallsExtensiveRecord {
    /// Added by the connector: Gong's unique numeric identifier for the call (up to 20 digits), copied
    /// from `metaData.id`.
    pub id: String,
    /// Added by the connector: the date and time when the call was recorded in the ISO-8601 format,
    /// copied from `metaData.started`.
    pub started: Option<DateTime>,
    /// The call.
    #[serde(flatten)]
    pub call: CallData,
}

/// `workspaces` stream: one workspace (Gong's `WorkspaceMetadata`, GET /v2/workspaces) exactly as Gong
/// sends it. The connector adds no fields: the primary key `id` is already at the top level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct WorkspacesRecord {
    /// The workspace.
    #[serde(flatten)]
    pub workspace: WorkspaceMetadata,
}

/// `call_transcripts` stream: the transcript of one call (Gong's `CallTranscript`, POST
/// /v2/calls/transcript). The connector adds one top-level field, `callStarted`, the call's
/// `metaData.started`: a transcript carries no time of its own, and PyAirbyte and Airbyte destinations
/// need the cursor at the top level of the record. Primary key `callId`, cursor `callStarted`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallTranscriptsRecord {
    /// Added by the connector: the date and time when the call was recorded in the ISO-8601 format (the
    /// call's `metaData.started`).
    pub call_started: Option<DateTime>,
    /// The transcript.
    #[serde(flatten)]
    pub transcript: CallTranscript,
}

/// `stats_activity_aggregate` stream: one user's aggregated activity over one day. The connector asks
/// POST /v2/stats/activity/aggregate-by-period with `aggregationPeriod: DAY` for windows of
/// `stats_window_days`; the answer lists, per user, one item per day. Each day with activity becomes a
/// record: Gong's user object (`userId`, `userEmailAddress`) with the day's item, unchanged, under
/// `userAggregateActivityStats` (where POST /v2/stats/activity/aggregate puts a one-day aggregate: the
/// same numbers, plus the item's own `fromDate`/`toDate` date-times), and two top-level fields added,
/// `fromDate` and `toDate`, the day (`toDate` is exclusive, the next day): the primary key needs the day
/// at the top level, where PyAirbyte and Airbyte destinations look for it. A day without activity is not a
/// record (a one-day request does not list the user). Primary key (`userId`, `fromDate`), cursor
/// `fromDate`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsActivityAggregateRecord {
    /// Added by the connector: the day (inclusive), in the company's time zone.
    pub from_date: Date,
    /// Added by the connector: the day after (exclusive), in the company's time zone.
    pub to_date: Option<Date>,
    /// The user's activity that day.
    #[serde(flatten)]
    pub activity: UserDayActivity,
}

/// `stats_activity_day_by_day` stream: one user's daily activity for one day (Gong's
/// `UserDayByDayActivity`, POST /v2/stats/activity/day-by-day). The connector asks for windows of
/// `stats_window_days`; the answer lists each user's days, and each day with activity becomes a record:
/// Gong's user object with `userDailyActivityStats` holding only that day's item, unchanged (as a one-day
/// request answers), and two top-level fields added, `fromDate` and `toDate`, the day (`toDate` is
/// exclusive, the next day): the day sits only inside the nested item, and PyAirbyte and Airbyte
/// destinations reject nested primary keys, so it is copied to the top level. A day without activity is
/// not a record (a one-day request does not list the user). Primary key (`userId`, `fromDate`), cursor
/// `fromDate`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsActivityDayByDayRecord {
    /// Added by the connector: the day (inclusive), in the company's time zone.
    pub from_date: Date,
    /// Added by the connector: the day after (exclusive), in the company's time zone.
    pub to_date: Option<Date>,
    /// The user's activity.
    #[serde(flatten)]
    pub activity: UserDayByDayActivity,
}

/// `stats_interaction` stream: one user's interaction statistics over one period (Gong's
/// `InteractionStats`, POST /v2/stats/interaction, which gives totals over the range asked). The
/// connector asks one closed calendar period per request chain, of the config's
/// `stats_interaction_period` (`day`, `week` from Monday, or `month`; the first period starts at
/// `start_date`), and adds two top-level fields, `fromDate` and `toDate`, the period (`toDate` is
/// exclusive): Gong's object does not say which period it covers, the period is part of the primary key,
/// and PyAirbyte and Airbyte destinations reject nested primary keys, so it is added at the top level.
/// Primary key (`userId`, `fromDate`, `toDate`), cursor `fromDate`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsInteractionRecord {
    /// Added by the connector: the first day of the period (inclusive), in the company's time zone.
    pub from_date: Date,
    /// Added by the connector: the day after the period (exclusive), in the company's time zone.
    pub to_date: Date,
    /// The user's interaction statistics.
    #[serde(flatten)]
    pub stats: InteractionStats,
}

/// `settings_scorecards` stream: one scorecard definition (Gong's `Scorecard`, GET
/// /v2/settings/scorecards) as Gong sends it, except that its ids (`scorecardId`, `workspaceId`,
/// `updaterUserId`, `questionId`, `questionRevisionId`, answer options' `id`), which Gong sends as JSON
/// numbers, are strings with the same digits. The connector adds no fields: the primary key
/// `scorecardId` is already at the top level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SettingsScorecardsRecord {
    /// The scorecard.
    #[serde(flatten)]
    pub scorecard: Scorecard,
}

/// `settings_trackers` stream: one keyword tracker definition (Gong's `KeywordTracker`, GET
/// /v2/settings/trackers) exactly as Gong sends it. The connector adds no fields: the primary key
/// `trackerId` is already at the top level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct SettingsTrackersRecord {
    /// The tracker.
    #[serde(flatten)]
    pub tracker: KeywordTracker,
}

/// `library_folders` stream: one call library folder (Gong's `LibraryFolder`, GET
/// /v2/library/folders?workspaceId=). The connector adds one top-level field, `workspaceId`, the
/// workspace it requested the folders of: Gong's object does not carry it, so without it a folder
/// cannot be attributed to its workspace; like every identifying value the connector adds, it sits at the
/// top level, as PyAirbyte and Airbyte destinations reject nested keys. Primary key `id`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LibraryFoldersRecord {
    /// Added by the connector: Gong's unique numeric identifier for the workspace the folder belongs to
    /// (up to 20 digits).
    pub workspace_id: Option<String>,
    /// The folder.
    #[serde(flatten)]
    pub folder: LibraryFolder,
}

/// `library_folder_content` stream: one call in one library folder (Gong's `LibraryCall`, GET
/// /v2/library/folder-content?folderId=). The connector adds two top-level fields, `folderId` and
/// `folderName`, the folder's `id` and `name` from the response around the calls: a call can be in
/// several folders, so the folder is part of the primary key, and PyAirbyte and Airbyte destinations
/// require primary keys at the top level. Primary key (`folderId`, `id`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LibraryFolderContentRecord {
    /// Added by the connector: Gong's unique numeric identifier for the library folder (up to 20
    /// digits).
    pub folder_id: String,
    /// Added by the connector: display name of the folder.
    pub folder_name: Option<String>,
    /// The call in the folder.
    #[serde(flatten)]
    pub call: LibraryCall,
}

/// `coaching` stream: one manager's coaching data for one calendar month (Gong's
/// `CoachingMetricsData`, GET /v2/coaching). The connector adds four top-level fields, `workspaceId`,
/// `managerId`, `from` and `to`, the request's parameters: Gong's object does not say which workspace
/// and period it covers, the manager id sits only inside the nested `manager`, and PyAirbyte and Airbyte
/// destinations reject nested primary keys, so the identifying values are copied to the top level.
/// Primary key (`workspaceId`, `managerId`, `from`), cursor `from`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoachingRecord {
    /// Added by the connector: Gong's unique numeric identifier for the workspace (up to 20 digits).
    pub workspace_id: String,
    /// Added by the connector: Gong's unique numeric identifier for the manager (up to 20 digits).
    pub manager_id: String,
    /// Added by the connector: the start of the period (inclusive) in the ISO-8601 format.
    pub from: DateTime,
    /// Added by the connector: the end of the period (exclusive) in the ISO-8601 format.
    pub to: Option<DateTime>,
    /// The manager's coaching data.
    #[serde(flatten)]
    pub coaching: CoachingMetricsData,
}

/// `stats_activity_scorecards` stream: one answered scorecard (Gong's `AnsweredScorecard`, POST
/// /v2/stats/activity/scorecards) as Gong sends it, except that its ids (`answeredScorecardId`,
/// `scorecardId`, `callId`, `reviewedUserId`, `reviewerUserId`, answers' `questionId` and
/// `questionRevisionId`), which Gong sends as JSON numbers, are strings with the same digits. The connector
/// adds no fields: the primary key `answeredScorecardId` and the cursor `reviewTime` are already at the top
/// level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatsActivityScorecardsRecord {
    /// The answered scorecard.
    #[serde(flatten)]
    pub scorecard: AnsweredScorecard,
}

pub use super::media::CallMedia as CallMediaRecord;

/// `permission_profiles` stream: one permission profile of one workspace (Gong's
/// `PermissionProfileDTO`, GET /v2/all-permission-profiles?workspaceId=). The connector adds one
/// top-level field, `workspaceId`, the workspace it requested the profiles of: Gong's object does not
/// carry it, and a profile belongs to one workspace; like every value the connector adds, it sits at the
/// top level, as PyAirbyte and Airbyte destinations reject nested keys. Primary key `id`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionProfilesRecord {
    /// Added by the connector: Gong's unique numeric identifier for the workspace the profile belongs
    /// to (up to 20 digits).
    pub workspace_id: Option<String>,
    /// The profile.
    #[serde(flatten)]
    pub profile: PermissionProfile,
}

/// `permission_profile_users` stream: one user whose access one permission profile controls (Gong's
/// `UserSimpleMetadata`, GET /v2/permission-profile/users?profileId=). The connector adds one top-level
/// field, `profileId`, the profile it requested the users of: Gong's object does not carry it, and a
/// user has a profile in each workspace, so the profile is part of the primary key, and PyAirbyte and
/// Airbyte destinations require primary keys at the top level. Primary key (`profileId`, `id`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionProfileUsersRecord {
    /// Added by the connector: unique numeric identifier of the permission profile (up to 20 digits).
    pub profile_id: String,
    /// The user.
    #[serde(flatten)]
    pub user: UserSimpleMetadata,
}

/// `flows` stream: one Engage flow (Gong's `PublicApiFlow`, GET /v2/flows?flowOwnerEmail=) exactly as
/// Gong sends it. The connector asks for every user's flows and writes each flow once (company flows
/// come back for every user, shared flows for each user they are shared with): it adds no fields, and
/// the primary key `id` is already at the top level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct FlowsRecord {
    /// The flow.
    #[serde(flatten)]
    pub flow: Flow,
}

/// `crm_integrations` stream: one generic CRM integration (Gong's `GenericCrmIntegration`, GET
/// /v2/crm/integrations) exactly as Gong sends it. The connector adds no fields: the primary key
/// `integrationId` is already at the top level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CrmIntegrationsRecord {
    /// The integration.
    #[serde(flatten)]
    pub integration: CrmIntegration,
}

/// `crm_entity_schema` stream: one field of the schema uploaded for one object type of one CRM
/// integration (Gong's `GenericSchemaFieldRequest`, an item of `objectTypeToSelectedFields` of GET
/// /v2/crm/entity-schema?integrationId=&objectType=). The connector requests one object type per
/// request and adds two top-level fields, `integrationId` and `objectType`, the request's parameters:
/// Gong's object carries neither, and a field's unique name is unique only within its object type of
/// its integration, so both are part of the primary key, which PyAirbyte and Airbyte destinations
/// require at the top level. Primary key (`integrationId`, `objectType`, `uniqueName`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrmEntitySchemaRecord {
    /// Added by the connector: the ID of the integration, as `crm_integrations` has it.
    pub integration_id: Id,
    /// Added by the connector: the object type of the field (`ACCOUNT`, `CONTACT`, `DEAL` or `LEAD`).
    pub object_type: String,
    /// The field.
    #[serde(flatten)]
    pub field: CrmSchemaField,
}
