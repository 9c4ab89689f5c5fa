//! The typed Gong API: the seed's entity/action interface (list, get, download over 16 entities) as Rust,
//! and the same for Gong's further read endpoints (issue 17: logs, settings history, call access, manual
//! CRM associations, permission profiles and their users, flows, CRM integrations and entity schemas).
//!
//! ```no_run
//! # async fn demo(config: source_gong::config::Config) -> source_gong::error::Result<()> {
//! use serde_json::json;
//! let gong = source_gong::api::Gong::new(config)?;
//! let page = gong.users().list(&json!({})).await?;          // one page, Gong's records (ids as strings)
//! let next = gong.users().list(&json!({"cursor": page.pagination.cursor})).await?;
//! let user = gong.users().get("234599484848423").await?;
//! let mut file = tokio::fs::File::create("call.mp3").await.unwrap();
//! gong.call_audio()
//!     .download(&json!({"filter": {"callIds": ["7782342274025937895"]}}), &mut file)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Every request goes through the one [`GongClient`] (auth, request budget, retries). Parameters are the
//! seed's, checked against [`params_of`] before anything is sent: an unknown name, a wrong type, a missing
//! required parameter or a malformed date is a config error that names the parameter. Where the seed and
//! Gong's API differ, what is sent is what Gong's API takes (see [`Entity::StatsActivityScorecards`]).
//! Errors that mean "no such record" carry HTTP status 404 ([`is_not_found`]).
//!
//! A list reads its stream's endpoint (`streams.rs`, hence the endpoint table): a GET takes the
//! parameters in its query (an `id` in a per-record path), a POST under `filter`; the cursor goes where
//! the endpoint reads it. Entities whose endpoint belongs to one parent (a workspace, a profile, a user,
//! a flow owner, an integration) require that parent as a parameter: nothing is listed for them.
//!
//! Records are Gong's bytes, except that every id Gong sent as a number is a string with the same digits
//! ([`crate::gong::ids`]), as in the sync's records.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use tokio::io::AsyncWrite;

use crate::client::{ApiRequest, GongClient, Reply};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::gong::endpoints::{self, Endpoint, Method};
use crate::gong::ids::quote_ids;
use crate::gong::page::parse_page;
use crate::gong::values::{closed_days_end, fmt_date};
use crate::media::{self, ByteRange, DownloadInfo};
use crate::models::media::MediaKind;
use crate::streams;

mod checks;
mod scorecards;

/// The seed's 16 entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Users,
    Calls,
    CallsExtensive,
    CallAudio,
    CallVideo,
    Workspaces,
    CallTranscripts,
    StatsActivityAggregate,
    StatsActivityDayByDay,
    StatsInteraction,
    SettingsScorecards,
    SettingsTrackers,
    LibraryFolders,
    LibraryFolderContent,
    Coaching,
    /// Answered scorecards. The seed's `filter.fromDateTime`/`toDateTime` are exact: Gong is sent the
    /// covering `callFromDate`/`callToDate` days and the records are kept inside the instants; Gong's own
    /// `callFromDate`, `callToDate`, `reviewFromDate`, `reviewToDate` are accepted too (not together with
    /// the seed's name for the same bound). The seed's `reviewerUserIds` and `callIds` are not filters of
    /// Gong's endpoint: they are applied to each page Gong returns (see `api::scorecards`).
    StatsActivityScorecards,
    // Issue 17: Gong's read endpoints beyond the seed (the streams of the same names).
    /// Audit log entries of one `logType` from `fromDateTime` (both required; paged).
    Logs,
    /// One user's settings history (the user `id` is required; not paged).
    UserSettingsHistory,
    /// Users given individual access to the calls of `filter.callIds` (required; not paged).
    CallUsersAccess,
    /// Calls manually associated with CRM objects, optionally since `fromDateTime` (paged; beta).
    CallsManualCrmAssociations,
    /// One workspace's permission profiles (`workspaceId` required); get: one by `profileId`.
    PermissionProfiles,
    /// The users of one permission profile (`profileId` required; not paged).
    PermissionProfileUsers,
    /// The Engage flows one user sees (`flowOwnerEmail` required; paged).
    Flows,
    /// The company's generic CRM integrations (not paged).
    CrmIntegrations,
    /// The fields of one object type of one CRM integration (`integrationId`, `objectType` required).
    CrmEntitySchema,
}

/// The seed's actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    List,
    Get,
    Download,
}

impl Action {
    pub fn parse(name: &str) -> Option<Action> {
        match name {
            "list" => Some(Action::List),
            "get" => Some(Action::Get),
            "download" => Some(Action::Download),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Action::List => "list",
            Action::Get => "get",
            Action::Download => "download",
        }
    }
}

pub const ENTITIES: &[Entity] = &[
    Entity::Users,
    Entity::Calls,
    Entity::CallsExtensive,
    Entity::CallAudio,
    Entity::CallVideo,
    Entity::Workspaces,
    Entity::CallTranscripts,
    Entity::StatsActivityAggregate,
    Entity::StatsActivityDayByDay,
    Entity::StatsInteraction,
    Entity::SettingsScorecards,
    Entity::SettingsTrackers,
    Entity::LibraryFolders,
    Entity::LibraryFolderContent,
    Entity::Coaching,
    Entity::StatsActivityScorecards,
    Entity::Logs,
    Entity::UserSettingsHistory,
    Entity::CallUsersAccess,
    Entity::CallsManualCrmAssociations,
    Entity::PermissionProfiles,
    Entity::PermissionProfileUsers,
    Entity::Flows,
    Entity::CrmIntegrations,
    Entity::CrmEntitySchema,
];

/// How many of [`ENTITIES`] are the seed's (the first ones); the rest are issue 17's.
pub const SEED_ENTITIES: usize = 16;

impl Entity {
    pub fn name(self) -> &'static str {
        match self {
            Entity::Users => "users",
            Entity::Calls => "calls",
            Entity::CallsExtensive => "calls_extensive",
            Entity::CallAudio => "call_audio",
            Entity::CallVideo => "call_video",
            Entity::Workspaces => "workspaces",
            Entity::CallTranscripts => "call_transcripts",
            Entity::StatsActivityAggregate => "stats_activity_aggregate",
            Entity::StatsActivityDayByDay => "stats_activity_day_by_day",
            Entity::StatsInteraction => "stats_interaction",
            Entity::SettingsScorecards => "settings_scorecards",
            Entity::SettingsTrackers => "settings_trackers",
            Entity::LibraryFolders => "library_folders",
            Entity::LibraryFolderContent => "library_folder_content",
            Entity::Coaching => "coaching",
            Entity::StatsActivityScorecards => "stats_activity_scorecards",
            Entity::Logs => "logs",
            Entity::UserSettingsHistory => "user_settings_history",
            Entity::CallUsersAccess => "call_users_access",
            Entity::CallsManualCrmAssociations => "calls_manual_crm_associations",
            Entity::PermissionProfiles => "permission_profiles",
            Entity::PermissionProfileUsers => "permission_profile_users",
            Entity::Flows => "flows",
            Entity::CrmIntegrations => "crm_integrations",
            Entity::CrmEntitySchema => "crm_entity_schema",
        }
    }

    pub fn parse(name: &str) -> Option<Entity> {
        ENTITIES.iter().copied().find(|e| e.name() == name)
    }

    /// One of the seed's 16 entities (not one of issue 17's).
    pub fn is_seeds(self) -> bool {
        ENTITIES[..SEED_ENTITIES].contains(&self)
    }

    /// The actions the seed gives this entity (and Gong's get of a permission profile).
    pub fn actions(self) -> &'static [Action] {
        match self {
            Entity::Users | Entity::Calls | Entity::PermissionProfiles => {
                &[Action::List, Action::Get]
            }
            Entity::CallAudio | Entity::CallVideo => &[Action::Download],
            _ => &[Action::List],
        }
    }

    fn media_kind(self) -> Option<MediaKind> {
        match self {
            Entity::CallAudio => Some(MediaKind::Audio),
            Entity::CallVideo => Some(MediaKind::Video),
            _ => None,
        }
    }
}

/// A parameter's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    /// ISO-8601 date-time, e.g. `2025-01-01T00:00:00Z`.
    DateTime,
    /// `YYYY-MM-DD`.
    Date,
    StringList,
    Boolean,
    Object,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A list of these strings.
    ListOf(&'static [&'static str]),
}

impl ParamType {
    fn describe(self) -> String {
        match self {
            ParamType::String => "a string".into(),
            ParamType::DateTime => "an ISO-8601 date-time such as \"2025-01-01T00:00:00Z\"".into(),
            ParamType::Date => "a date such as \"2025-01-01\" (YYYY-MM-DD)".into(),
            ParamType::StringList => "an array of strings".into(),
            ParamType::Boolean => "true or false".into(),
            ParamType::Object => "an object".into(),
            ParamType::OneOf(v) => format!("one of {v:?}"),
            ParamType::ListOf(v) => format!("an array of {v:?}"),
        }
    }
}

/// One parameter: its dotted path in `params`, type and whether it is required.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
}

const fn p(name: &'static str, ty: ParamType) -> Param {
    Param {
        name,
        ty,
        required: false,
    }
}

const fn req(name: &'static str, ty: ParamType) -> Param {
    Param {
        name,
        ty,
        required: true,
    }
}

use ParamType as T;

const CURSOR: Param = p("cursor", T::String);

const EXTENSIVE: &[Param] = &[
    p("filter", T::Object),
    p("filter.fromDateTime", T::DateTime),
    p("filter.toDateTime", T::DateTime),
    p("filter.callIds", T::StringList),
    p("filter.workspaceId", T::String),
    p("filter.primaryUserIds", T::StringList),
    p("contentSelector", T::Object),
    p(
        "contentSelector.context",
        T::OneOf(&["None", "Basic", "Extended"]),
    ),
    p(
        "contentSelector.contextTiming",
        T::ListOf(&["Now", "TimeOfCall"]),
    ),
    p("contentSelector.exposedFields", T::Object),
    p("contentSelector.exposedFields.collaboration", T::Object),
    p(
        "contentSelector.exposedFields.collaboration.publicComments",
        T::Boolean,
    ),
    p("contentSelector.exposedFields.content", T::Object),
    p(
        "contentSelector.exposedFields.content.pointsOfInterest",
        T::Boolean,
    ),
    p(
        "contentSelector.exposedFields.content.structure",
        T::Boolean,
    ),
    p("contentSelector.exposedFields.content.topics", T::Boolean),
    p("contentSelector.exposedFields.content.trackers", T::Boolean),
    p(
        "contentSelector.exposedFields.content.trackerOccurrences",
        T::Boolean,
    ),
    p("contentSelector.exposedFields.content.brief", T::Boolean),
    p("contentSelector.exposedFields.content.outline", T::Boolean),
    p(
        "contentSelector.exposedFields.content.highlights",
        T::Boolean,
    ),
    p(
        "contentSelector.exposedFields.content.callOutcome",
        T::Boolean,
    ),
    p(
        "contentSelector.exposedFields.content.keyPoints",
        T::Boolean,
    ),
    p("contentSelector.exposedFields.interaction", T::Object),
    p(
        "contentSelector.exposedFields.interaction.personInteractionStats",
        T::Boolean,
    ),
    p(
        "contentSelector.exposedFields.interaction.questions",
        T::Boolean,
    ),
    p(
        "contentSelector.exposedFields.interaction.speakers",
        T::Boolean,
    ),
    p(
        "contentSelector.exposedFields.interaction.video",
        T::Boolean,
    ),
    p("contentSelector.exposedFields.media", T::Boolean),
    p("contentSelector.exposedFields.parties", T::Boolean),
    CURSOR,
];

const DOWNLOAD: &[Param] = &[
    p("filter", T::Object),
    req("filter.callIds", T::StringList),
    p("contentSelector", T::Object),
    p("contentSelector.exposedFields", T::Object),
    p("contentSelector.exposedFields.media", T::Boolean),
    p("range_header", T::String),
];

const STATS: &[Param] = &[
    p("filter", T::Object),
    p("filter.fromDate", T::Date),
    p("filter.toDate", T::Date),
    p("filter.userIds", T::StringList),
    CURSOR,
];

const GET_ID: &[Param] = &[req("id", T::String)];
const USERS: &[Param] = &[CURSOR];
const CALLS: &[Param] = &[
    p("fromDateTime", T::DateTime),
    p("toDateTime", T::DateTime),
    p("workspaceId", T::String),
    CURSOR,
];
const TRANSCRIPTS: &[Param] = &[
    p("filter", T::Object),
    p("filter.fromDateTime", T::DateTime),
    p("filter.toDateTime", T::DateTime),
    p("filter.callIds", T::StringList),
    p("filter.workspaceId", T::String),
    CURSOR,
];
const WORKSPACE_FILTER: &[Param] = &[p("workspaceId", T::String)];
const WORKSPACE_REQUIRED: &[Param] = &[req("workspaceId", T::String)];
const FOLDER_CONTENT: &[Param] = &[req("folderId", T::String), CURSOR];
const COACHING: &[Param] = &[
    req("workspace-id", T::String),
    req("manager-id", T::String),
    req("from", T::DateTime),
    req("to", T::DateTime),
];
const ANSWERED_SCORECARDS: &[Param] = &[
    p("filter", T::Object),
    p("filter.fromDateTime", T::DateTime),
    p("filter.toDateTime", T::DateTime),
    p("filter.callFromDate", T::Date),
    p("filter.callToDate", T::Date),
    p("filter.reviewFromDate", T::Date),
    p("filter.reviewToDate", T::Date),
    p("filter.scorecardIds", T::StringList),
    p("filter.reviewedUserIds", T::StringList),
    p("filter.reviewerUserIds", T::StringList),
    p("filter.callIds", T::StringList),
    CURSOR,
];

// Issue 17's entities: Gong's parameter names (its OpenAPI document), required where Gong requires them.
const LOGS: &[Param] = &[
    req("logType", T::OneOf(streams::LOG_TYPES)),
    req("fromDateTime", T::DateTime),
    p("toDateTime", T::DateTime),
    CURSOR,
];
/// The user id goes in the path (`/v2/users/{id}/settings-history`).
const USER_ID: &[Param] = &[req("id", T::String)];
const CALL_IDS: &[Param] = &[p("filter", T::Object), req("filter.callIds", T::StringList)];
const MANUAL_CRM: &[Param] = &[p("fromDateTime", T::DateTime), CURSOR];
const PROFILE_ID: &[Param] = &[req("profileId", T::String)];
const FLOWS: &[Param] = &[
    req("flowOwnerEmail", T::String),
    p("workspaceId", T::String),
    CURSOR,
];
const CRM_SCHEMA: &[Param] = &[
    req("integrationId", T::String),
    req("objectType", T::OneOf(endpoints::CRM_OBJECT_TYPES)),
];

/// The parameters of an entity's action, as the seed documents them (plus the few Gong names noted).
pub fn params_of(entity: Entity, action: Action) -> &'static [Param] {
    match (entity, action) {
        (Entity::PermissionProfiles, Action::Get) => PROFILE_ID,
        (Entity::Users | Entity::Calls, Action::Get) => GET_ID,
        (Entity::Users, _) => USERS,
        (Entity::Calls, _) => CALLS,
        (Entity::CallsExtensive, _) => EXTENSIVE,
        (Entity::CallAudio | Entity::CallVideo, _) => DOWNLOAD,
        (Entity::Workspaces, _) => &[],
        (Entity::CallTranscripts, _) => TRANSCRIPTS,
        (
            Entity::StatsActivityAggregate
            | Entity::StatsActivityDayByDay
            | Entity::StatsInteraction,
            _,
        ) => STATS,
        (Entity::SettingsScorecards | Entity::SettingsTrackers, _) => WORKSPACE_FILTER,
        (Entity::LibraryFolders, _) => WORKSPACE_REQUIRED,
        (Entity::LibraryFolderContent, _) => FOLDER_CONTENT,
        (Entity::Coaching, _) => COACHING,
        (Entity::StatsActivityScorecards, _) => ANSWERED_SCORECARDS,
        (Entity::Logs, _) => LOGS,
        (Entity::UserSettingsHistory, _) => USER_ID,
        (Entity::CallUsersAccess, _) => CALL_IDS,
        (Entity::CallsManualCrmAssociations, _) => MANUAL_CRM,
        (Entity::PermissionProfiles, _) => WORKSPACE_REQUIRED,
        (Entity::PermissionProfileUsers, _) => PROFILE_ID,
        (Entity::Flows, _) => FLOWS,
        (Entity::CrmIntegrations, _) => &[],
        (Entity::CrmEntitySchema, _) => CRM_SCHEMA,
    }
}

fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

fn check_type(what: &str, name: &str, ty: ParamType, v: &Value) -> Result<()> {
    let ok = match ty {
        T::String => v.as_str().is_some_and(|s| !s.is_empty()),
        T::DateTime => v.as_str().is_some_and(|s| parse_datetime(s).is_some()),
        T::Date => v.as_str().is_some_and(|s| parse_date(s).is_some()),
        T::StringList => v
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.as_str().is_some_and(|s| !s.is_empty()))),
        T::Boolean => v.is_boolean(),
        T::Object => v.is_object(),
        T::OneOf(options) => v.as_str().is_some_and(|s| options.contains(&s)),
        T::ListOf(options) => v.as_array().is_some_and(|a| {
            a.iter()
                .all(|x| x.as_str().is_some_and(|s| options.contains(&s)))
        }),
    };
    if ok {
        return Ok(());
    }
    let why = match ty {
        T::DateTime | T::Date if v.is_string() => "is not a valid date",
        T::String if v.as_str() == Some("") => "is empty",
        _ => "has the wrong type",
    };
    Err(Error::config(format!(
        "{what}: parameter `{name}` {why} (got {}); it must be {}.",
        short(v),
        ty.describe()
    )))
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// Checks `params` against the entity's parameters: every name known, every value of its type, every
/// required one present. `null` or a missing `params` is `{}`.
pub fn validate(entity: Entity, action: Action, params: &Value) -> Result<()> {
    let what = format!("{} {}", entity.name(), action.name());
    let spec = params_of(entity, action);
    let empty = Map::new();
    let obj = match params {
        Value::Null => &empty,
        Value::Object(o) => o,
        other => {
            return Err(Error::config(format!(
                "{what}: params must be a JSON object, not {}.",
                short(other)
            )))
        }
    };
    fn walk(what: &str, spec: &[Param], prefix: &str, obj: &Map<String, Value>) -> Result<()> {
        for (key, value) in obj {
            let name = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            let Some(param) = spec.iter().find(|p| p.name == name) else {
                let siblings: Vec<&str> = spec
                    .iter()
                    .filter(|p| match p.name.rsplit_once('.') {
                        Some((parent, _)) => parent == prefix,
                        None => prefix.is_empty(),
                    })
                    .map(|p| p.name)
                    .collect();
                return Err(Error::config(if siblings.is_empty() {
                    format!(
                        "{what}: unknown parameter `{name}`; this action takes no parameters here."
                    )
                } else {
                    format!(
                        "{what}: unknown parameter `{name}`; known here: {}.",
                        siblings.join(", ")
                    )
                }));
            };
            check_type(what, &name, param.ty, value)?;
            if let Value::Object(inner) = value {
                walk(what, spec, &name, inner)?;
            }
        }
        Ok(())
    }
    walk(&what, spec, "", obj)?;
    for param in spec.iter().filter(|p| p.required) {
        if lookup(params, param.name).is_none() {
            return Err(Error::config(format!(
                "{what}: parameter `{}` is required ({}).",
                param.name,
                param.ty.describe()
            )));
        }
    }
    Ok(())
}

/// The value at a dotted path of `params`, when present and not null.
fn lookup<'a>(params: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = params;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    (!v.is_null()).then_some(v)
}

fn lookup_str<'a>(params: &'a Value, path: &str) -> Option<&'a str> {
    lookup(params, path).and_then(Value::as_str)
}

/// The `records` object of a Gong page, as the seed's `meta.pagination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub total_records: u64,
    pub current_page_size: u64,
    pub current_page_number: u64,
    /// Present when another page exists: pass it as `params.cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// One page of a list: Gong's records (byte for byte but for ids sent as numbers, quoted), and its pagination.
#[derive(Debug)]
pub struct ListPage {
    pub data: Vec<Box<RawValue>>,
    pub pagination: Pagination,
    /// Set when the connector filtered Gong's page (`meta.note`): what `totalRecords` counts.
    pub note: Option<String>,
}

impl ListPage {
    /// The seed's response: `{"data": [...], "meta": {"pagination": {...}}}`.
    pub fn to_json_string(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            data: &'a [Box<RawValue>],
            meta: Meta<'a>,
        }
        #[derive(Serialize)]
        struct Meta<'a> {
            pagination: &'a Pagination,
            #[serde(skip_serializing_if = "Option::is_none")]
            note: Option<&'a str>,
        }
        serde_json::to_string(&Out {
            data: &self.data,
            meta: Meta {
                pagination: &self.pagination,
                note: self.note.as_deref(),
            },
        })
        .unwrap_or_else(|_| "{}".into())
    }
}

/// True when the error means "no such record" (a get of an unknown id, a call without media).
pub fn is_not_found(e: &Error) -> bool {
    *e.reason() == crate::error::Reason::NotFound
}

/// The typed Gong API, one group per entity. Cheap to clone.
#[derive(Clone)]
pub struct Gong {
    client: Arc<GongClient>,
    config: Arc<Config>,
}

impl Gong {
    pub fn new(config: Config) -> Result<Gong> {
        let client = Arc::new(GongClient::new(&config)?);
        Ok(Gong {
            client,
            config: Arc::new(config),
        })
    }

    /// Shares a client (and its budget) with other users, e.g. a sync.
    pub fn with_client(client: Arc<GongClient>, config: Arc<Config>) -> Gong {
        Gong { client, config }
    }

    pub fn client(&self) -> &Arc<GongClient> {
        &self.client
    }

    fn list_api(&self, entity: Entity) -> ListApi<'_> {
        ListApi { gong: self, entity }
    }

    pub fn users(&self) -> ListGetApi<'_> {
        ListGetApi {
            list: self.list_api(Entity::Users),
        }
    }
    pub fn calls(&self) -> ListGetApi<'_> {
        ListGetApi {
            list: self.list_api(Entity::Calls),
        }
    }
    pub fn calls_extensive(&self) -> ListApi<'_> {
        self.list_api(Entity::CallsExtensive)
    }
    pub fn call_audio(&self) -> DownloadApi<'_> {
        DownloadApi {
            gong: self,
            kind: MediaKind::Audio,
        }
    }
    pub fn call_video(&self) -> DownloadApi<'_> {
        DownloadApi {
            gong: self,
            kind: MediaKind::Video,
        }
    }
    pub fn workspaces(&self) -> ListApi<'_> {
        self.list_api(Entity::Workspaces)
    }
    pub fn call_transcripts(&self) -> ListApi<'_> {
        self.list_api(Entity::CallTranscripts)
    }
    pub fn stats_activity_aggregate(&self) -> ListApi<'_> {
        self.list_api(Entity::StatsActivityAggregate)
    }
    pub fn stats_activity_day_by_day(&self) -> ListApi<'_> {
        self.list_api(Entity::StatsActivityDayByDay)
    }
    pub fn stats_interaction(&self) -> ListApi<'_> {
        self.list_api(Entity::StatsInteraction)
    }
    pub fn settings_scorecards(&self) -> ListApi<'_> {
        self.list_api(Entity::SettingsScorecards)
    }
    pub fn settings_trackers(&self) -> ListApi<'_> {
        self.list_api(Entity::SettingsTrackers)
    }
    pub fn library_folders(&self) -> ListApi<'_> {
        self.list_api(Entity::LibraryFolders)
    }
    pub fn library_folder_content(&self) -> ListApi<'_> {
        self.list_api(Entity::LibraryFolderContent)
    }
    pub fn coaching(&self) -> ListApi<'_> {
        self.list_api(Entity::Coaching)
    }
    pub fn stats_activity_scorecards(&self) -> ListApi<'_> {
        self.list_api(Entity::StatsActivityScorecards)
    }
    pub fn logs(&self) -> ListApi<'_> {
        self.list_api(Entity::Logs)
    }
    pub fn user_settings_history(&self) -> ListApi<'_> {
        self.list_api(Entity::UserSettingsHistory)
    }
    pub fn call_users_access(&self) -> ListApi<'_> {
        self.list_api(Entity::CallUsersAccess)
    }
    pub fn calls_manual_crm_associations(&self) -> ListApi<'_> {
        self.list_api(Entity::CallsManualCrmAssociations)
    }
    /// List by `workspaceId`; get by profile id.
    pub fn permission_profiles(&self) -> ListGetApi<'_> {
        ListGetApi {
            list: self.list_api(Entity::PermissionProfiles),
        }
    }
    pub fn permission_profile_users(&self) -> ListApi<'_> {
        self.list_api(Entity::PermissionProfileUsers)
    }
    pub fn flows(&self) -> ListApi<'_> {
        self.list_api(Entity::Flows)
    }
    pub fn crm_integrations(&self) -> ListApi<'_> {
        self.list_api(Entity::CrmIntegrations)
    }
    pub fn crm_entity_schema(&self) -> ListApi<'_> {
        self.list_api(Entity::CrmEntitySchema)
    }

    /// Any entity's list (for callers that pick the entity at run time, like `execute`).
    pub async fn list(&self, entity: Entity, params: &Value) -> Result<ListPage> {
        if !entity.actions().contains(&Action::List) {
            return Err(unsupported(entity, Action::List));
        }
        self.list_api(entity).list(params).await
    }

    /// Any entity's get.
    pub async fn get(&self, entity: Entity, params: &Value) -> Result<Box<RawValue>> {
        let params = &checks::without_nulls(params);
        validate(entity, Action::Get, params)?;
        let id = lookup_str(params, get_param(entity)).unwrap_or_default();
        match entity {
            Entity::Users | Entity::Calls | Entity::PermissionProfiles => {
                ListGetApi {
                    list: self.list_api(entity),
                }
                .get(id)
                .await
            }
            _ => Err(unsupported(entity, Action::Get)),
        }
    }

    /// Any entity's download.
    pub async fn download<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        entity: Entity,
        params: &Value,
        options: &DownloadOptions,
        out: &mut W,
    ) -> Result<DownloadInfo> {
        let kind = entity
            .media_kind()
            .ok_or_else(|| unsupported(entity, Action::Download))?;
        DownloadApi { gong: self, kind }
            .download_with(params, options, out)
            .await
    }

    /// The request a list sends, after validation (also used by tests and `--dry-run`-like tooling).
    pub fn list_request(&self, entity: Entity, params: &Value) -> Result<ApiRequest> {
        let params = &checks::without_nulls(params);
        let now = Utc::now();
        validate(entity, Action::List, params)?;
        checks::check(entity, Action::List, params, now)?;
        build_list_request(entity, params, &self.config, now)
    }
}

/// The parameter naming the record of an entity's get: Gong's `profileId` for a permission profile.
fn get_param(entity: Entity) -> &'static str {
    match entity {
        Entity::PermissionProfiles => "profileId",
        _ => "id",
    }
}

/// The endpoint, request and record noun of an entity's get (users, calls, permission profiles).
fn get_request(entity: Entity, id: &str) -> (&'static Endpoint, ApiRequest, &'static str) {
    match entity {
        Entity::Users => (&endpoints::USER, endpoints::USER.request_for_id(id), "User"),
        Entity::PermissionProfiles => {
            let ep = &endpoints::PERMISSION_PROFILE;
            let request = ep.filter(ep.request(), get_param(entity), json!(id));
            (ep, request, "Permission profile")
        }
        _ => (&endpoints::CALL, endpoints::CALL.request_for_id(id), "Call"),
    }
}

fn unsupported(entity: Entity, action: Action) -> Error {
    let actions: Vec<&str> = entity.actions().iter().map(|a| a.name()).collect();
    Error::config(format!(
        "Entity `{}` has no action `{}`; its actions: {}.",
        entity.name(),
        action.name(),
        actions.join(", ")
    ))
}

/// An entity with a list action.
pub struct ListApi<'a> {
    gong: &'a Gong,
    entity: Entity,
}

/// An entity with list and get.
pub struct ListGetApi<'a> {
    list: ListApi<'a>,
}

/// call_audio / call_video.
pub struct DownloadApi<'a> {
    gong: &'a Gong,
    kind: MediaKind,
}

/// Extras of a download beyond the seed's parameters.
#[derive(Debug, Clone, Default)]
pub struct DownloadOptions {
    /// Bytes already held (a partial file being resumed): fetching starts that far into the range.
    pub skip: u64,
    /// A media URL obtained earlier (e.g. from calls_extensive or the call_media stream); renewed
    /// through calls/extensive if it has expired.
    pub url: Option<String>,
}

impl ListApi<'_> {
    /// One page. `params.cursor` (from the previous page's `pagination.cursor`) fetches the next.
    /// Where the connector filters Gong's pages (see [`Entity::StatsActivityScorecards`]), a page with no
    /// match is followed by the next until one has matches or the data ends.
    pub async fn list(&self, params: &Value) -> Result<ListPage> {
        let mut params = checks::without_nulls(params);
        let here = match self.entity {
            Entity::StatsActivityScorecards => scorecards::HereFilter::of(&params),
            _ => None,
        };
        loop {
            let mut page = self.gong_page(&params).await.map_err(checks::callers)?;
            let Some(filter) = &here else {
                return Ok(page);
            };
            page.data = filter.apply(page.data);
            page.pagination.current_page_size = page.data.len() as u64;
            page.note = Some(filter.note());
            match page.pagination.cursor.clone() {
                Some(cursor) if page.data.is_empty() => params["cursor"] = json!(cursor),
                _ => return Ok(page),
            }
        }
    }

    /// One page as Gong sent it.
    async fn gong_page(&self, params: &Value) -> Result<ListPage> {
        let entity = self.entity;
        let request = self.gong.list_request(entity, params)?;
        let endpoint = list_endpoint(entity)?;
        let key = endpoint.record_key;
        let reply = self
            .gong
            .client
            .send_parsed(&request, |body| {
                parse_page(body, key).map(|parsed| (body.to_vec(), parsed))
            })
            .await?;
        let (body, ranges, total, cursor) = match reply {
            Reply::Ok((body, (ranges, total, cursor))) => (body, ranges, total, cursor),
            Reply::NotFound(text) => {
                // Asked for one record's list (a user's history), a 404 is that record missing.
                if endpoint.is_empty_404(&text) && !endpoint.path.contains("{id}") {
                    return Ok(ListPage {
                        data: Vec::new(),
                        pagination: Pagination::default(),
                        note: None,
                    });
                }
                return Err(Error::system(format!(
                    "{} list: Gong answered 404: {text}",
                    entity.name()
                ))
                .with_status(404));
            }
        };
        let mut data: Vec<Box<RawValue>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            let text = std::str::from_utf8(&body[r])
                .map_err(|_| Error::system("Gong sent a record that is not UTF-8."))?;
            data.push(
                RawValue::from_string(quote_ids(text).into_owned())
                    .map_err(|e| Error::system(format!("Gong sent a malformed record: {e}")))?,
            );
        }
        #[derive(Deserialize)]
        struct Top {
            records: Option<Records>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Records {
            current_page_size: Option<u64>,
            current_page_number: Option<u64>,
        }
        let records = serde_json::from_slice::<Top>(&body)
            .ok()
            .and_then(|t| t.records);
        let page_number = records
            .as_ref()
            .and_then(|r| r.current_page_number)
            .unwrap_or(0);
        let page_size = records
            .as_ref()
            .and_then(|r| r.current_page_size)
            .unwrap_or(data.len() as u64);
        Ok(ListPage {
            pagination: Pagination {
                total_records: total.unwrap_or(data.len() as u64),
                current_page_size: page_size,
                current_page_number: page_number,
                cursor,
            },
            data,
            note: None,
        })
    }
}

impl ListGetApi<'_> {
    pub async fn list(&self, params: &Value) -> Result<ListPage> {
        self.list.list(params).await
    }

    /// One record by id, as Gong sends it. An unknown id is a 404 error ([`is_not_found`]).
    pub async fn get(&self, id: &str) -> Result<Box<RawValue>> {
        self.get_one(id).await.map_err(checks::callers)
    }

    async fn get_one(&self, id: &str) -> Result<Box<RawValue>> {
        let entity = self.list.entity;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::config(format!(
                "{} get: `{}` must be a Gong id (digits), got {id:?}.",
                entity.name(),
                get_param(entity)
            )));
        }
        let (endpoint, request, noun) = get_request(entity, id);
        let key = endpoint.record_key;
        let reply = self
            .list
            .gong
            .client
            .send_parsed(&request, |body| {
                let mut one: HashMap<String, Box<RawValue>> =
                    serde_json::from_slice(body).map_err(|e| e.to_string())?;
                Ok(one.remove(key).filter(|r| r.get() != "null"))
            })
            .await?;
        match reply {
            Reply::Ok(Some(record)) => match quote_ids(record.get()) {
                Cow::Borrowed(_) => Ok(record),
                Cow::Owned(text) => RawValue::from_string(text)
                    .map_err(|e| Error::system(format!("Gong sent a malformed record: {e}"))),
            },
            Reply::Ok(None) => Err(Error::system(format!(
                "Gong's answer for {noun} {id} has no `{key}`."
            ))),
            Reply::NotFound(text) => Err(Error::system(format!(
                "{noun} {id} was not found (Gong said: {text})."
            ))
            .with_status(404)),
        }
    }
}

impl DownloadApi<'_> {
    /// Streams the recording to `out`, with the seed's parameters
    /// (`filter.callIds` = [one id], optional `range_header`).
    pub async fn download<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        params: &Value,
        out: &mut W,
    ) -> Result<DownloadInfo> {
        self.download_with(params, &DownloadOptions::default(), out)
            .await
    }

    /// As [`DownloadApi::download`], resuming after `options.skip` bytes or starting from a known URL.
    pub async fn download_with<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        params: &Value,
        options: &DownloadOptions,
        out: &mut W,
    ) -> Result<DownloadInfo> {
        let entity = match self.kind {
            MediaKind::Audio => Entity::CallAudio,
            MediaKind::Video => Entity::CallVideo,
        };
        let (call_id, range) = download_target(entity, params)?;
        media::download(
            &self.gong.client,
            &call_id,
            self.kind,
            options.url.clone(),
            range,
            options.skip,
            out,
        )
        .await
        .map_err(checks::callers)
    }
}

/// The call id and range of a download request, validated.
pub fn download_target(entity: Entity, params: &Value) -> Result<(String, Option<ByteRange>)> {
    let params = &checks::without_nulls(params);
    validate(entity, Action::Download, params)?;
    checks::check(entity, Action::Download, params, Utc::now())?;
    let what = format!("{} download", entity.name());
    let ids = lookup(params, "filter.callIds")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if ids.len() != 1 {
        return Err(Error::config(format!(
            "{what}: `filter.callIds` must hold exactly one call id (it holds {}).",
            ids.len()
        )));
    }
    if lookup(params, "contentSelector.exposedFields.media") == Some(&Value::Bool(false)) {
        return Err(Error::config(format!(
            "{what}: `contentSelector.exposedFields.media` must be true (or left out): media URLs are what a download needs."
        )));
    }
    let call_id = ids[0].as_str().unwrap_or_default().to_string();
    let range = lookup_str(params, "range_header")
        .map(ByteRange::parse)
        .transpose()?;
    Ok((call_id, range))
}

/// The endpoint an entity's list reads: its stream's, from the stream table.
fn list_endpoint(entity: Entity) -> Result<&'static Endpoint> {
    streams::find(entity.name())
        .map(|def| def.endpoint)
        .ok_or_else(|| unsupported(entity, Action::List))
}

fn build_list_request(
    entity: Entity,
    params: &Value,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<ApiRequest> {
    let endpoint = list_endpoint(entity)?;
    // A per-record endpoint (`{id}` in its path) takes the `id` parameter there, not in the query.
    let in_path = endpoint.path.contains("{id}");
    let first = match lookup_str(params, "id") {
        Some(id) if in_path => endpoint.request_for_id(id),
        _ => endpoint.request(),
    };
    let mut request = match endpoint.method {
        // GET endpoints take the seed's parameters as they are, in the query.
        Method::Get => params_of(entity, Action::List)
            .iter()
            .filter(|p| p.name != "cursor" && !(in_path && p.name == "id"))
            .fold(first, |req, p| match lookup_str(params, p.name) {
                Some(v) => req.query(p.name, v),
                None => req,
            }),
        Method::Post => ApiRequest::post(endpoint.path, post_body(entity, params, config, now)?),
    };
    if let Some(cursor) = lookup_str(params, "cursor") {
        endpoint.set_cursor(&mut request, cursor);
    }
    Ok(request)
}

/// Days `stats_activity_day_by_day list` reads without `filter.fromDate`: the last closed week.
pub const DAY_BY_DAY_DEFAULT_DAYS: i64 = 7;

/// The JSON body of a POST entity's list, in Gong's names (see [`Entity::StatsActivityScorecards`]).
fn post_body(entity: Entity, params: &Value, config: &Config, now: DateTime<Utc>) -> Result<Value> {
    let filter = || {
        lookup(params, "filter")
            .cloned()
            .unwrap_or_else(|| json!({}))
    };
    Ok(match entity {
        Entity::CallsExtensive => {
            let mut body = json!({ "filter": filter() });
            if let Some(cs) = lookup(params, "contentSelector") {
                body["contentSelector"] = cs.clone();
            }
            body
        }
        Entity::StatsActivityAggregate
        | Entity::StatsActivityDayByDay
        | Entity::StatsInteraction => {
            // Gong requires both dates; the seed makes them optional. Defaults: the end of the closed
            // days the sync would read (`closed_days_end`), and from the config's start_date, except
            // day by day (one record per user and day): the 7 days before `toDate`.
            let mut f = filter();
            let to = match lookup_str(params, "filter.toDate").and_then(parse_date) {
                Some(day) => crate::gong::values::midnight(day),
                None => closed_days_end(now, config.end_or(now)),
            };
            if lookup(params, "filter.fromDate").is_none() {
                let from = match entity {
                    Entity::StatsActivityDayByDay => to - Duration::days(DAY_BY_DAY_DEFAULT_DAYS),
                    _ => config.start,
                };
                f["fromDate"] = json!(fmt_date(from));
            }
            if lookup(params, "filter.toDate").is_none() {
                f["toDate"] = json!(fmt_date(to));
            }
            json!({ "filter": f })
        }
        Entity::StatsActivityScorecards => json!({ "filter": scorecards::gong_filter(params)? }),
        _ => json!({ "filter": filter() }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_value(
            json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                   "start_date": "2024-01-01"}),
            Utc::now(),
        )
        .unwrap()
    }

    #[test]
    fn every_entity_has_its_seed_name_and_actions() {
        assert_eq!(ENTITIES.len(), SEED_ENTITIES + 9);
        for e in ENTITIES {
            assert_eq!(Entity::parse(e.name()), Some(*e));
            for a in e.actions() {
                let _ = params_of(*e, *a);
            }
        }
    }

    #[test]
    fn validation_names_the_parameter() {
        let err = |e, a, v: Value| validate(e, a, &v).unwrap_err().message;
        assert!(err(Entity::Users, Action::List, json!({"cursr": "x"}))
            .contains("unknown parameter `cursr`"));
        assert!(err(
            Entity::Calls,
            Action::List,
            json!({"fromDateTime": "yesterday"})
        )
        .contains("not a valid date"));
        assert!(err(Entity::Calls, Action::Get, json!({})).contains("`id` is required"));
        assert!(err(
            Entity::Coaching,
            Action::List,
            json!({"workspace-id": "1", "manager-id": "2", "from": "2025-01-01T00:00:00Z"})
        )
        .contains("`to` is required"));
        assert!(err(
            Entity::CallsExtensive,
            Action::List,
            json!({"filter": {"callIds": "1"}})
        )
        .contains("wrong type"));
        assert!(err(
            Entity::CallsExtensive,
            Action::List,
            json!({"contentSelector": {"exposedFields": {"media": true, "sound": true}}})
        )
        .contains("contentSelector.exposedFields.sound"));
        assert!(err(
            Entity::StatsInteraction,
            Action::List,
            json!({"filter": {"fromDate": "2025-13-01"}})
        )
        .contains("not a valid date"));
        assert!(err(Entity::Users, Action::List, json!([1])).contains("must be a JSON object"));
        validate(Entity::CallsExtensive, Action::List, &json!({"filter": {}, "contentSelector": {"context": "Extended", "contextTiming": ["Now"], "exposedFields": {"parties": true, "content": {"brief": true}}}})).unwrap();
        validate(Entity::Workspaces, Action::List, &Value::Null).unwrap();
    }

    #[test]
    fn requests_follow_gongs_spec() {
        let cfg = config();
        let now = Utc::now();
        let r = build_list_request(
            Entity::StatsActivityScorecards,
            &json!({"filter": {"fromDateTime": "2025-01-01T00:00:00Z", "toDateTime": "2025-01-05T12:00:00Z", "reviewerUserIds": ["1"]}, "cursor": "c"}),
            &cfg,
            now,
        )
        .unwrap();
        assert_eq!(
            r.body.unwrap(),
            json!({"filter": {"callFromDate": "2024-12-31", "callToDate": "2025-01-07"}, "cursor": "c"})
        );
        let r = build_list_request(
            Entity::Coaching,
            &json!({"workspace-id": "1", "manager-id": "2", "from": "a", "to": "b"}),
            &cfg,
            now,
        )
        .unwrap();
        let names: Vec<&str> = r.query.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["workspace-id", "manager-id", "from", "to"]);
        let r = build_list_request(Entity::StatsInteraction, &json!({}), &cfg, now).unwrap();
        assert_eq!(r.body.as_ref().unwrap()["filter"]["fromDate"], "2024-01-01");
        let r = build_list_request(Entity::Users, &json!({"cursor": "abc"}), &cfg, now).unwrap();
        assert_eq!(r.query, vec![("cursor".to_string(), "abc".to_string())]);
    }

    #[test]
    fn issue_17_entities_put_their_parents_where_gong_reads_them() {
        let (cfg, now) = (config(), Utc::now());
        let list = |e, p: Value| build_list_request(e, &p, &cfg, now).unwrap();
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let r = list(Entity::UserSettingsHistory, json!({"id": "42"}));
        assert_eq!(
            (r.path.as_str(), r.query.len()),
            ("/v2/users/42/settings-history", 0)
        );
        let r = list(
            Entity::CrmEntitySchema,
            json!({"integrationId": "7", "objectType": "DEAL"}),
        );
        assert_eq!(
            r.query,
            [pair("integrationId", "7"), pair("objectType", "DEAL")]
        );
        let r = list(
            Entity::Flows,
            json!({"flowOwnerEmail": "a@b.c", "cursor": "c"}),
        );
        assert_eq!(
            r.query,
            [pair("flowOwnerEmail", "a@b.c"), pair("cursor", "c")]
        );
        let r = list(
            Entity::CallUsersAccess,
            json!({"filter": {"callIds": ["1"]}}),
        );
        assert_eq!(r.body.unwrap(), json!({"filter": {"callIds": ["1"]}}));
        let (ep, r, _) = get_request(Entity::PermissionProfiles, "9");
        assert_eq!(ep.record_key, "profile");
        assert_eq!(
            (r.path.as_str(), r.query),
            ("/v2/permission-profile", vec![pair("profileId", "9")])
        );
        for (e, a, name) in [
            (Entity::Flows, Action::List, "flowOwnerEmail"),
            (Entity::PermissionProfileUsers, Action::List, "profileId"),
            (Entity::PermissionProfiles, Action::List, "workspaceId"),
            (Entity::PermissionProfiles, Action::Get, "profileId"),
            (Entity::UserSettingsHistory, Action::List, "id"),
            (Entity::CrmEntitySchema, Action::List, "integrationId"),
        ] {
            let message = validate(e, a, &json!({})).unwrap_err().message;
            assert!(
                message.contains(&format!("`{name}` is required")),
                "{message}"
            );
        }
    }

    #[test]
    fn stats_default_to_the_syncs_closed_days() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let cfg = |end: &str| {
            Config::from_value(
                json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                       "start_date": "2026-10-01", "end_date": end}),
                now,
            )
            .unwrap()
        };
        let to = |end: &str| {
            let r =
                build_list_request(Entity::StatsInteraction, &json!({}), &cfg(end), now).unwrap();
            r.body.unwrap()["filter"]["toDate"].clone()
        };
        // An end_date after midnight includes its day, as in the sync's plan.
        assert_eq!(to("2026-11-02T15:30:00Z"), "2026-11-03");
        assert_eq!(to("2026-11-02T00:00:00Z"), "2026-11-02");
        // Never past yesterday (the day before yesterday is the last closed day).
        assert_eq!(to("2026-11-30T10:00:00Z"), "2026-11-29");
        let r =
            build_list_request(Entity::Workspaces, &json!({}), &cfg("2026-11-02"), now).unwrap();
        assert_eq!((r.path.as_str(), r.query.len()), ("/v2/workspaces", 0));
        let r = build_list_request(
            Entity::CallTranscripts,
            &json!({"cursor": "c"}),
            &cfg("2026-11-02"),
            now,
        )
        .unwrap();
        assert_eq!(r.body.unwrap(), json!({"filter": {}, "cursor": "c"}));
    }
}
