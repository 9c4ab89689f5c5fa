//! The entity/action table: every entity of the `execute` command and the MCP tools, as rows of data.
//!
//! A row names what its actions read: the stream whose endpoint a list reads ([`Lists::Stream`]: records
//! and their schema are the stream's, less the fields only a sync adds), or an endpoint of its own
//! ([`Lists::Endpoint`]) with its record model; the endpoint a get reads one record from ([`GetOne`]);
//! the recording a download fetches. Parameters are the endpoint entries' (`gong/endpoints.rs`), so
//! nothing here names one. Prose (summary, hint) is the only thing written per row, and the few real
//! special cases are hooks ([`Special`]; the stats' default dates are their parameters' default rules).
//!
//! A stream without a row is an entity too (its summary the model's description), so a new paginated
//! endpoint becomes a stream, an `execute` entity and an MCP tool with its endpoint entry, its model and
//! its stream row. `call_media` is not: its records are the connector's, built from calls/extensive.
//!
//! Invariant: this is the only file that matches on an entity; everything else reads a row.

use std::sync::OnceLock;

use serde_json::Value;

use crate::gong::content;
use crate::gong::endpoints::{self as ep, Endpoint};
use crate::gong::params::Param;
use crate::models::media::MediaKind;
use crate::models::privacy::{EmailAddressReferences, PhoneNumberReferences};
use crate::models::records::UsersRecord;
use crate::models::schema_for;
use crate::streams::{self, Lift, StreamDef};

/// The actions of the entity/action interface.
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

/// What an entity's list reads.
#[derive(Debug, Clone, Copy)]
pub enum Lists {
    /// Nothing: the entity has no list.
    No,
    /// The endpoint of the stream of this name; the records are that stream's.
    Stream(&'static str),
    /// An endpoint that is no stream, and the model of its records.
    Endpoint(&'static Endpoint, fn() -> Value),
}

/// An entity's get: the endpoint answering one record (its first parameter names the record), and the
/// record's name in messages.
#[derive(Debug, Clone, Copy)]
pub struct GetOne {
    pub endpoint: &'static Endpoint,
    pub noun: &'static str,
    /// The record's JSON Schema when the entity has no list to take it from.
    pub schema: Option<fn() -> Value>,
}

/// An entity's special case beyond its endpoint's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    None,
    /// The seed's exact call instants and its reviewer and call filters, which Gong's answered-scorecards
    /// endpoint lacks: translated to Gong's dates and applied to each page (`api/scorecards.rs`).
    ScorecardFilters,
}

/// One row of the table.
#[derive(Debug)]
pub struct EntityDef {
    pub name: &'static str,
    pub lists: Lists,
    pub get: Option<GetOne>,
    pub download: Option<MediaKind>,
    /// What its records are (one line).
    pub summary: &'static str,
    /// What an agent must know to call it well.
    pub hint: Option<&'static str>,
    pub special: Special,
}

/// A row listing its stream's records.
const fn stream(
    name: &'static str,
    summary: &'static str,
    hint: Option<&'static str>,
) -> EntityDef {
    EntityDef {
        name,
        lists: Lists::Stream(name),
        get: None,
        download: None,
        summary,
        hint,
        special: Special::None,
    }
}

const fn with_get(def: EntityDef, endpoint: &'static Endpoint, noun: &'static str) -> EntityDef {
    EntityDef {
        get: Some(GetOne {
            endpoint,
            noun,
            schema: None,
        }),
        ..def
    }
}

const fn recording(name: &'static str, kind: MediaKind, summary: &'static str) -> EntityDef {
    EntityDef {
        lists: Lists::No,
        download: Some(kind),
        ..stream(name, summary, None)
    }
}

const STATS_HINT: Option<&str> =
    Some("filter.fromDate/toDate are days (YYYY-MM-DD); Gong refuses a toDate after the company's today.");

/// A row answering one question about one person (a get by email address or phone number).
const fn lookup(
    name: &'static str,
    endpoint: &'static Endpoint,
    schema: fn() -> Value,
    summary: &'static str,
    hint: &'static str,
) -> EntityDef {
    EntityDef {
        lists: Lists::No,
        get: Some(GetOne {
            endpoint,
            noun: "The references to",
            schema: Some(schema),
        }),
        ..stream(name, summary, Some(hint))
    }
}

/// The rows, in the seed's order (then Gong's further read endpoints).
pub const ROWS: &[EntityDef] = &[
    with_get(stream("users", "Users of the Gong account", None), &ep::USER, "User"),
    with_get(
        stream(
            "calls",
            "Calls (basic data: title, times, duration, parties' ids) in a date range",
            Some("Without dates Gong returns calls of every date; give fromDateTime/toDateTime."),
        ),
        &ep::CALL,
        "Call",
    ),
    stream(
        "calls_extensive",
        "Detailed call data: participants, interaction stats, content (topics, trackers, brief, outline, highlights), media URLs",
        Some("contentSelector.exposedFields picks the parts (parties, content, interaction, collaboration, media); without it only metaData comes back. Large: prefer filter.callIds or short date ranges."),
    ),
    recording("call_audio", MediaKind::Audio, "The audio recording of a call"),
    recording("call_video", MediaKind::Video, "The video recording of a call"),
    stream("workspaces", "The company's workspaces", None),
    stream(
        "call_transcripts",
        "Transcripts of calls (speaker turns with sentences and their times), by date range or call ids",
        Some("Transcripts are large: prefer filter.callIds (from calls_list) over date ranges."),
    ),
    stream(
        "stats_activity_aggregate",
        "Aggregated activity metrics per user over a date range",
        STATS_HINT,
    ),
    stream(
        "stats_activity_day_by_day",
        "Daily activity metrics per user over a date range (without filter.fromDate: the 7 closed days before filter.toDate, by default the last 7 closed days)",
        STATS_HINT,
    ),
    stream(
        "stats_interaction",
        "Interaction statistics per user (talk ratio, patience, …) from calls with Whisper on",
        STATS_HINT,
    ),
    stream(
        "settings_scorecards",
        "Scorecard configurations (questions) of the company",
        None,
    ),
    stream(
        "settings_trackers",
        "Keyword tracker configurations of the company",
        None,
    ),
    stream(
        "library_folders",
        "The call library's folder structure of a workspace",
        Some("workspaceId comes from workspaces_list."),
    ),
    stream(
        "library_folder_content",
        "The calls in a call library folder",
        Some("folderId comes from library_folders_list."),
    ),
    stream(
        "coaching",
        "Coaching metrics of a manager and their direct reports over a period",
        Some("workspace-id from workspaces_list, manager-id a user id of a manager (users_list)."),
    ),
    EntityDef {
        special: Special::ScorecardFilters,
        ..stream(
            "stats_activity_scorecards",
            "Answered scorecards (reviews of calls) for a date range (filter.fromDateTime/toDateTime are exact instants of the call's start)",
            Some("filter.reviewerUserIds and filter.callIds are applied to each Gong page, so an answer may hold fewer records than Gong's page while more remain."),
        )
    },
    stream(
        "logs",
        "Audit log entries of one type (access, user activity, call plays, external sharing) from a date-time on",
        Some("Requires logType and fromDateTime; Gong keeps access logs for a short time only."),
    ),
    stream(
        "user_settings_history",
        "The history of one user's settings: which setting changed, to what, when",
        Some("Requires id, a user id from users_list; an unknown user is a not_found error."),
    ),
    stream(
        "call_users_access",
        "Users given individual access to calls, for the calls named by id",
        Some("Requires filter.callIds (from calls_list)."),
    ),
    stream(
        "calls_manual_crm_associations",
        "Calls manually associated with CRM objects, newest associations last (beta in Gong's API)",
        Some("Beta in Gong's API: its answers may change."),
    ),
    with_get(
        stream(
            "permission_profiles",
            "Permission profiles of one workspace (what their users may see and do)",
            Some("list requires workspaceId (from workspaces_list); get requires profileId (from this list)."),
        ),
        &ep::PERMISSION_PROFILE,
        "Permission profile",
    ),
    stream(
        "permission_profile_users",
        "The users one permission profile applies to",
        Some("Requires profileId (from permission_profiles_list)."),
    ),
    stream(
        "flows",
        "The Engage flows one user sees: company, personal and shared flows",
        Some("Requires flowOwnerEmail, a user's emailAddress from users_list; company flows come back for every owner."),
    ),
    stream(
        "crm_integrations",
        "The company's generic CRM integrations",
        None,
    ),
    stream(
        "crm_entity_schema",
        "The fields uploaded for one object type of one generic CRM integration",
        Some("Requires integrationId (from crm_integrations_list) and objectType."),
    ),
    EntityDef {
        lists: Lists::Endpoint(&ep::USERS_EXTENSIVE, schema_for::<UsersRecord>),
        ..stream(
            "users_extensive",
            "Users of the Gong account by filter: creation dates, user ids, avatars",
            Some("Prefer users_list to read every user; this one filters by filter.createdFromDateTime/createdToDateTime and filter.userIds."),
        )
    },
    lookup(
        "data_for_email_address",
        &ep::DATA_FOR_EMAIL_ADDRESS,
        schema_for::<EmailAddressReferences>,
        "Everything Gong holds that references one email address: calls, email messages, meetings, CRM data, engagement events (data privacy)",
        "Requires emailAddress. Needs the api:data-privacy:read scope.",
    ),
    lookup(
        "data_for_phone_number",
        &ep::DATA_FOR_PHONE_NUMBER,
        schema_for::<PhoneNumberReferences>,
        "Everything Gong holds that references one phone number: the leads and contacts with it, their calls and email messages (data privacy)",
        "Requires phoneNumber, starting with + and the country code. Needs the api:data-privacy:read scope.",
    ),
];

/// A handle on one row; cheap to copy, compared by name.
#[derive(Clone, Copy)]
pub struct Entity(&'static EntityDef);

impl PartialEq for Entity {
    fn eq(&self, other: &Entity) -> bool {
        self.0.name == other.0.name
    }
}
impl Eq for Entity {}

impl std::fmt::Debug for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Entity({})", self.0.name)
    }
}

/// Every entity: the rows, then the streams that have none (see the module doc).
pub fn all() -> &'static [Entity] {
    static ALL: OnceLock<Vec<Entity>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<Entity> = ROWS.iter().map(Entity).collect();
        for def in streams::STREAMS {
            let has_row = ROWS
                .iter()
                .any(|r| matches!(r.lists, Lists::Stream(s) if s == def.name));
            if !has_row && def.lift != Lift::CallMedia {
                all.push(Entity(Box::leak(Box::new(of_stream(def)))));
            }
        }
        all
    })
}

/// The row of a stream that has none: its records' model describes it.
fn of_stream(def: &'static StreamDef) -> EntityDef {
    let described = (def.schema)()["description"]
        .as_str()
        .map(|s| s.trim_end_matches('.').to_string())
        .unwrap_or_else(|| def.name.replace('_', " "));
    stream(def.name, Box::leak(described.into_boxed_str()), None)
}

impl Entity {
    pub fn parse(name: &str) -> Option<Entity> {
        all().iter().copied().find(|e| e.name() == name)
    }

    pub fn name(self) -> &'static str {
        self.0.name
    }

    pub fn def(self) -> &'static EntityDef {
        self.0
    }

    /// The actions it offers: list, get, download, in that order, where the row has them.
    pub fn actions(self) -> &'static [Action] {
        match (
            !matches!(self.0.lists, Lists::No),
            self.0.get.is_some(),
            self.0.download.is_some(),
        ) {
            (true, true, _) => &[Action::List, Action::Get],
            (true, false, _) => &[Action::List],
            (false, true, _) => &[Action::Get],
            (false, false, true) => &[Action::Download],
            (false, false, false) => &[],
        }
    }

    /// The stream whose records its list returns.
    pub fn stream(self) -> Option<&'static StreamDef> {
        match self.0.lists {
            Lists::Stream(name) => streams::find(name),
            _ => None,
        }
    }

    /// The endpoint its list reads.
    pub fn list_endpoint(self) -> Option<&'static Endpoint> {
        match self.0.lists {
            Lists::Stream(_) => self.stream().map(|s| s.endpoint),
            Lists::Endpoint(endpoint, _) => Some(endpoint),
            Lists::No => None,
        }
    }

    /// The parameters of one of its actions (none for an action it lacks).
    pub fn params(self, action: Action) -> &'static [Param] {
        match action {
            Action::List => self.list_endpoint().map_or(&[], |e| e.params),
            Action::Get => self.0.get.map_or(&[], |g| g.endpoint.params),
            Action::Download => match self.0.download {
                Some(_) => content::DOWNLOAD,
                None => &[],
            },
        }
    }

    /// The parameter naming the record of a get (`id`, or Gong's `profileId`).
    pub fn get_param(self) -> &'static str {
        self.params(Action::Get).first().map_or("id", |p| p.name)
    }

    pub fn media_kind(self) -> Option<MediaKind> {
        self.0.download
    }

    pub fn special(self) -> Special {
        self.0.special
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stream_but_call_media_is_an_entity_and_names_are_unique() {
        let names: Vec<&str> = all().iter().map(|e| e.name()).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        for def in streams::STREAMS {
            let entity = Entity::parse(def.name);
            assert_eq!(
                entity.is_some(),
                def.lift != Lift::CallMedia,
                "{}",
                def.name
            );
        }
        for row in ROWS {
            if let Lists::Stream(name) = row.lists {
                assert!(streams::find(name).is_some(), "{name} names no stream");
            }
            assert!(
                !Entity(row).actions().is_empty(),
                "{} has no action",
                row.name
            );
        }
    }

    #[test]
    fn a_stream_without_a_row_is_described_by_its_model() {
        let def = streams::find("workspaces").unwrap();
        let row = of_stream(def);
        assert_eq!(row.name, "workspaces");
        assert!(!row.summary.is_empty());
        assert!(matches!(row.lists, Lists::Stream("workspaces")));
    }
}
