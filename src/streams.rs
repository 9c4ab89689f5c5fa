//! The stream table: every stream the connector offers, as data. A stream is a Gong endpoint (from the
//! endpoint table, `gong/endpoints.rs`) plus what the connector makes of it: its keys and cursor, the
//! shape of its requests (the filters its windows or periods go in, its partitions and the parent lists
//! they come from, its content selector, whether it takes the workspace filter), the fields it lifts to
//! a record's top level, and its schema (the model in `models/`).
//!
//! Adding a paginated endpoint is one endpoint entry, one stream entry and its model; the planner
//! (`engine/plan.rs`), the engine and `discover` read everything else from here and never match a
//! stream's name. The schema is a required field, so a stream without a model does not compile.

use serde_json::Value;

use crate::gong::endpoints::{self as ep, Endpoint};
use crate::models::audit::*;
use crate::models::records::*;
use crate::models::schema_for;
use crate::protocol::{CatalogStream, SyncMode};

/// Names of the two filters that bound a window or a period (`from` inclusive, `to` exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub from: &'static str,
    pub to: &'static str,
}

/// Call-start windows of calls/list and calls/extensive.
pub const CALL_WINDOW: Bounds = Bounds {
    from: ep::FROM_DATE_TIME.name,
    to: ep::TO_DATE_TIME.name,
};

/// How a stream's requests are laid out: the partitions and time slices it is read in, and the names of
/// the request fields they fill.
#[derive(Debug, Clone, Copy)]
pub enum Plan {
    /// One (paginated) request chain.
    Single,
    /// One request chain per workspace (the workspace in the [`ep::WORKSPACE_FILTER`]); records get
    /// `workspaceId`.
    PerWorkspace,
    /// One request chain per library folder of every workspace (`param` = the folder id); records get
    /// `folderId`, `folderName`.
    PerFolder { param: &'static str },
    /// Call-start windows of `window_days`, bounded by `window`.
    CallWindows { window: Bounds },
    /// Call windows of `listing`; each listing page's calls are then fetched by id from the stream's
    /// endpoint, in batches of 100 (`ids` = the filter naming them). Records get `callStarted`.
    CallIdBatches {
        listing: &'static Endpoint,
        window: Bounds,
        ids: &'static str,
    },
    /// One closed calendar period per request chain (dates), of the config's `stats_interaction_period`
    /// (day, Monday-to-Sunday week, month); records get `fromDate`, `toDate` (exclusive).
    Periods { period: Bounds },
    /// Closed days in windows of `stats_window_days` (dates), each window one request chain on `source`
    /// with `body` set at the top level of the request; the answer lists each user's days and every day
    /// becomes a record (see [`PerDay`]). Records get `fromDate`, `toDate` (the next day).
    DayRanges {
        source: &'static Endpoint,
        period: Bounds,
        body: Option<(&'static str, &'static str)>,
        split: PerDay,
    },
    /// Review-date windows of `widths` × `window_days` (dates): answered scorecards are dense enough
    /// that a call window's width would cost a partly filled page per window.
    ReviewWindows { window: Bounds, widths: i64 },
    /// Workspace × manager × calendar month (date-times); records get `workspaceId`, `managerId`, `from`,
    /// `to`.
    CoachingMonths {
        workspace: &'static str,
        manager: &'static str,
        period: Bounds,
    },
    /// Windows of `window_days` (date-times, bounded by `window`), each read once per value of `param`
    /// (a filter Gong requires, such as the logs' `logType`); records get `param` with its value. The
    /// checkpoint follows a window's last value.
    TypedWindows {
        param: &'static str,
        values: &'static [&'static str],
        window: Bounds,
    },
    /// One request per user (every user of the company), the user id in the endpoint's `{id}`; records
    /// get `userId`.
    PerUser,
    /// One request chain of everything since the start (or the saved cursor less the lookback), the
    /// start in the filter `from`; the endpoint has no end filter.
    Since { from: &'static str },
    /// One request chain per item of a `parent` list (its id, or a user's email; see
    /// [`Parent::items`]) in the filter `param`, and with `cross` per item × each value of a second
    /// filter. Records get `field` = the item (when set) and the cross filter's name = its value.
    PerParent {
        parent: Parent,
        param: &'static str,
        field: Option<&'static str>,
        cross: Option<(&'static str, &'static [&'static str])>,
    },
}

/// How a range answer's user object becomes one record per day: `items` (the user's list of days) is
/// replaced by the day's item under `into` (`[item]` when `wrap`), the user's other fields stay as Gong
/// sent them. A day whose item holds no activity (every field but its dates is 0, empty or null) is not a
/// record: a one-day request does not list a user without activity that day (docs/gong.md, "Days
/// without activity").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerDay {
    pub items: &'static str,
    pub into: &'static str,
    pub wrap: bool,
}

/// A list other streams' plans are built from, fetched once per sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    /// The company's workspaces (unless the config names one).
    Workspaces,
    /// Every user: managers are the users someone reports to.
    Users,
    /// Every workspace's library folders.
    Folders,
    /// Every workspace's permission profiles.
    Profiles,
    /// The company's generic CRM integrations.
    CrmIntegrations,
}

impl Parent {
    /// The endpoint the list is read from.
    pub fn endpoint(self) -> &'static Endpoint {
        match self {
            Parent::Workspaces => &ep::WORKSPACES,
            Parent::Users => &ep::USERS,
            Parent::Folders => &ep::LIBRARY_FOLDERS,
            Parent::Profiles => &ep::PERMISSION_PROFILES,
            Parent::CrmIntegrations => &ep::CRM_INTEGRATIONS,
        }
    }

    /// The lists fetched to build this one, itself last.
    pub fn chain(self) -> &'static [Parent] {
        match self {
            Parent::Workspaces => &[Parent::Workspaces],
            Parent::Users => &[Parent::Users],
            Parent::Folders => &[Parent::Workspaces, Parent::Folders],
            Parent::Profiles => &[Parent::Workspaces, Parent::Profiles],
            Parent::CrmIntegrations => &[Parent::CrmIntegrations],
        }
    }
}

impl Plan {
    /// A plan of time windows (call windows, id batches, typed and review windows): sized adaptively
    /// (`engine/windows.rs`), laid out by `engine/plan/order.rs`.
    pub fn windowed(&self) -> bool {
        matches!(
            self,
            Plan::CallWindows { .. }
                | Plan::CallIdBatches { .. }
                | Plan::TypedWindows { .. }
                | Plan::ReviewWindows { .. }
        )
    }

    /// The parent lists this plan's slices come from.
    pub fn parents(&self) -> &'static [Parent] {
        match self {
            Plan::PerWorkspace => &[Parent::Workspaces],
            Plan::PerFolder { .. } => &[Parent::Workspaces, Parent::Folders],
            Plan::CoachingMonths { .. } => &[Parent::Workspaces, Parent::Users],
            Plan::PerUser => &[Parent::Users],

            Plan::PerParent { parent, .. } => parent.chain(),
            _ => &[],
        }
    }

    /// The stream's cursor is a date (its state is written `YYYY-MM-DD`).
    pub fn dates_only(&self) -> bool {
        matches!(
            self,
            Plan::Periods { .. } | Plan::DayRanges { .. } | Plan::ReviewWindows { .. }
        )
    }
}

/// The `contentSelector` a stream sends with its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    None,
    /// The config's `calls_extensive_content`.
    Configured,
    /// Media URLs only (`media::content_selector`).
    MediaOnly,
}

/// A stream whose records can be built from the pages of another selected stream (the *provider*): one
/// read in the same windows of the same endpoint with the configured `contentSelector`
/// ([`Content::Configured`]). The provider's request then also asks for `exposedFields.<exposed>`, and
/// hands this stream each page's `keep` fields; its own records keep only what its config selects
/// (`engine/riders.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ride {
    pub exposed: &'static str,
    /// The top-level fields of each provider record this stream's records are built from.
    pub keep: &'static [&'static str],
}

/// Fields the connector copies to a record's top level from inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lift {
    None,
    /// `id` and `started` from `metaData` (calls_extensive).
    MetaData,
    /// `callStarted`: the start time of the record's call (call_transcripts).
    CallStarted,
    /// The connector builds the records: one per call and media kind, from calls/extensive's media URLs
    /// (call_media, see `media/records.rs`); with file transfer, each recording is downloaded too.
    CallMedia,
    /// `entryId`: a hash of the record as Gong sent it, for records without an id (logs).
    EntryHash,
}

/// How a call Gong deleted reaches a stream (`deletions/`, with `propagate_deletes`, incremental syncs
/// only): not at all, as one record per call (the key's first field holds the call id), or one per call
/// and each value of the key's next field (call_media's `kind`). Such a stream's schema declares
/// [`DELETED_AT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletes {
    Never,
    PerCall,
    PerCallAnd(&'static [&'static str]),
}

/// The column that marks a deletion record (Airbyte's CDC convention: append + dedup destinations delete
/// the row of a key whose winning record has it set).
pub const DELETED_AT: &str = "_ab_cdc_deleted_at";

/// How often a stream is worth reading: Gong's quota is per day, and re-reading data that cannot have
/// changed on every hourly run spent it eight times over. Applies to incremental syncs: a stream that is
/// not due emits nothing and keeps its state; a full-refresh stream is always read (its destination table
/// would otherwise be replaced by nothing). `stream_cadence_hours` overrides the hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Every run: new calls and what is read from them arrive all the time.
    EveryRun,
    /// At most once per `hours`: streams of periods (days, weeks, months) or windows where new data
    /// arrives slowly or an open period is re-read until it closes.
    Hours(u32),
    /// A snapshot without change times, read whole at most once per `hours`. Records get
    /// [`SNAPSHOT_FIELD`] (the instant of the read, the same for the whole snapshot) as cursor, so an
    /// incremental (append + dedup) sync keeps the latest copy of each record while nothing is read.
    Snapshot(u32),
}

impl Cadence {
    /// The default hours between reads (0: every run).
    pub fn hours(self) -> u32 {
        match self {
            Cadence::EveryRun => 0,
            Cadence::Hours(h) | Cadence::Snapshot(h) => h,
        }
    }
}

/// The names of the top-level fields a sync adds to Gong's records, each spelled once: the planner
/// (`engine/plan/`) and the producer (`engine/producer.rs`) write them, [`StreamDef::added_fields`] lists
/// them per stream (so `discover`'s schema, `execute --describe` and the records agree). Fields named by a
/// plan variant (a period's bounds, a typed window's or a parent's filter) are read from the variant.
pub mod added {
    /// The workspace of a `PerWorkspace` slice or a coaching slice.
    pub const WORKSPACE_ID: &str = "workspaceId";
    /// The library folder of a `PerFolder` slice: its id and its name as Gong sent it.
    pub const FOLDER_ID: &str = "folderId";
    pub const FOLDER_NAME: &str = "folderName";
    /// The user of a `PerUser` slice.
    pub const USER_ID: &str = "userId";
    /// The manager of a coaching slice.
    pub const MANAGER_ID: &str = "managerId";
    /// `Lift::MetaData`: the call's `metaData.id` and `metaData.started`.
    pub const ID: &str = "id";
    pub const STARTED: &str = "started";
    /// `Lift::CallStarted`: the start of the record's call.
    pub const CALL_STARTED: &str = "callStarted";
    /// `Lift::EntryHash`: a hash of the record's bytes.
    pub const ENTRY_ID: &str = "entryId";
}

/// The cursor field the connector adds to the records of [`Cadence::Snapshot`] streams.
pub const SNAPSHOT_FIELD: &str = "snapshotAt";

#[derive(Debug)]
pub struct StreamDef {
    pub name: &'static str,
    pub endpoint: &'static Endpoint,
    /// Top-level fields; the connector guarantees them (see [`Lift`] and [`Plan`]).
    pub primary_key: &'static [&'static str],
    /// The record field that orders the stream, for incremental streams.
    pub cursor: Option<&'static str>,
    pub plan: Plan,
    pub content: Content,
    /// Requests carry the configured `workspace_id` (when there is one) as [`ep::WORKSPACE_FILTER`].
    pub workspace_filter: bool,
    /// This stream *is* a parent list: when another selected stream needs it, both read the same pages.
    pub lists: Option<Parent>,
    pub lift: Lift,
    /// The JSON Schema of the stream's records, from its model.
    pub schema: fn() -> Value,
    /// Where a call's `isPrivate` lies (a JSON pointer) in the records read from Gong: the stream's own,
    /// or its listing's for id-batched streams. With `exclude_private_calls`, calls marked private are
    /// dropped there. `None`: the stream does not hold calls.
    pub private_flag: Option<&'static str>,

    /// A record whose primary key was already written this sync is dropped: the stream's slices
    /// overlap (a company flow comes back for every user). The writer keeps the keys seen.
    pub unique: bool,
    /// The stream can be read from another selected stream's pages (see [`Ride`]).
    pub rides: Option<Ride>,
    /// Calls Gong deleted reach this stream as deletion records (see [`Deletes`]).
    pub deletes: Deletes,
    /// How often the stream is read in incremental syncs (see [`Cadence`]).
    pub cadence: Cadence,
}

impl StreamDef {
    /// The endpoint a window of this stream is requested from (a listing, for id-batched streams).
    pub fn window_endpoint(&self) -> &'static Endpoint {
        match self.plan {
            Plan::CallIdBatches { listing, .. } => listing,
            Plan::DayRanges { source, .. } => source,
            _ => self.endpoint,
        }
    }

    /// The endpoints a sync of this stream may call: its own, its window listing, its parent lists'.
    pub fn endpoints(&self) -> Vec<&'static Endpoint> {
        let mut all = vec![self.endpoint, self.window_endpoint()];
        all.extend(self.plan.parents().iter().map(|p| p.endpoint()));
        all.dedup_by(|a, b| std::ptr::eq(*a, *b));
        all
    }

    pub fn incremental(&self) -> bool {
        self.cursor.is_some()
    }

    /// A full refresh of the stream resumes after its written slices (`engine/resume.rs`): every plan
    /// of more than one request chain.
    pub fn resumable(&self) -> bool {
        !matches!(self.plan, Plan::Single)
    }

    /// The JSON Schema of the stream's records: its model's, with [`DELETED_AT`] where deletions reach it.
    pub fn json_schema(&self) -> Value {
        let mut schema = (self.schema)();
        if let (Cadence::Snapshot(_), Some(props)) = (
            self.cadence,
            schema.get_mut("properties").and_then(Value::as_object_mut),
        ) {
            props.insert(
                SNAPSHOT_FIELD.to_string(),
                serde_json::json!({
                    "description": "Added by the connector: when this snapshot of the stream was read \
                        (UTC, the same for every record of one read). The stream's cursor: Gong gives these \
                        objects no change time, so the stream is read whole at most once per its cadence.",
                    "type": ["string", "null"],
                    "format": "date-time"
                }),
            );
            let mut entries: Vec<(String, Value)> = std::mem::take(props).into_iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.cmp(b));
            props.extend(entries);
        }
        if self.deletes != Deletes::Never {
            if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                props.insert(
                    DELETED_AT.into(),
                    serde_json::json!({
                        "description": "Added by the connector: when the connector found that Gong deleted this call (a data-privacy erasure or the retention purge); set only on deletion records, which carry the key and cursor alone.",
                        "type": ["null", "string"],
                        "format": "date-time"
                    }),
                );
            }
        }
        schema
    }

    /// The top-level fields a sync adds to Gong's records (from the plan's partitions and periods and the
    /// lift), which a list of the entity/action interface, reading Gong's records, does not have. The
    /// planner (`engine/plan/`) and the producer write them; `discover`'s schema has them, the record
    /// schema `execute --describe` gives has not (`api/catalog.rs`). Names come from [`added`] or the
    /// plan variant. [`SNAPSHOT_FIELD`] and [`DELETED_AT`] are not listed: they are no part of the
    /// model, only of [`StreamDef::json_schema`].
    pub fn added_fields(&self) -> Vec<&'static str> {
        let mut fields = match self.plan {
            Plan::PerWorkspace => vec![added::WORKSPACE_ID],
            Plan::PerFolder { .. } => vec![added::FOLDER_ID, added::FOLDER_NAME],
            Plan::Periods { period } | Plan::DayRanges { period, .. } => {
                vec![period.from, period.to]
            }
            Plan::CoachingMonths { period, .. } => {
                vec![
                    added::WORKSPACE_ID,
                    added::MANAGER_ID,
                    period.from,
                    period.to,
                ]
            }
            Plan::TypedWindows { param, .. } => vec![param],
            Plan::PerUser => vec![added::USER_ID],
            Plan::PerParent { field, cross, .. } => field
                .into_iter()
                .chain(cross.map(|(name, _)| name))
                .collect(),
            Plan::Single
            | Plan::CallWindows { .. }
            | Plan::CallIdBatches { .. }
            | Plan::ReviewWindows { .. }
            | Plan::Since { .. } => Vec::new(),
        };
        match self.lift {
            Lift::MetaData => fields.extend([added::ID, added::STARTED]),
            Lift::CallStarted => fields.push(added::CALL_STARTED),
            Lift::EntryHash => fields.push(added::ENTRY_ID),
            Lift::None | Lift::CallMedia => {}
        }
        fields
    }

    /// The catalog entry `discover` prints.
    pub fn catalog_entry(&self) -> CatalogStream {
        let mut modes = vec![SyncMode::FullRefresh];
        if self.incremental() {
            modes.push(SyncMode::Incremental);
        }
        CatalogStream {
            name: self.name.to_string(),
            json_schema: self.json_schema(),
            supported_sync_modes: modes,
            // A resumable full-refresh stream has a synthetic cursor (its resume position), so the
            // protocol asks for `source_defined_cursor` on it too.
            source_defined_cursor: (self.incremental() || self.resumable()).then_some(true),
            default_cursor_field: self.cursor.map(|c| vec![c.to_string()]).unwrap_or_default(),
            source_defined_primary_key: self
                .primary_key
                .iter()
                .map(|k| vec![k.to_string()])
                .collect(),
            // Incremental streams checkpoint after every window, full-refresh streams after every slice
            // (`engine/resume.rs`), so an interrupted sync resumes there.
            is_resumable: self.incremental() || self.resumable(),
            is_file_based: (self.lift == Lift::CallMedia).then_some(true),
        }
    }
}

/// A stream entry with the defaults most streams share (full refresh, one request chain).
const fn stream(
    name: &'static str,
    endpoint: &'static Endpoint,
    primary_key: &'static [&'static str],
    schema: fn() -> Value,
) -> StreamDef {
    StreamDef {
        name,
        endpoint,
        primary_key,
        cursor: None,
        plan: Plan::Single,
        content: Content::None,
        workspace_filter: false,
        lists: None,
        lift: Lift::None,
        schema,
        private_flag: None,

        unique: false,
        rides: None,
        deletes: Deletes::Never,
        cadence: Cadence::EveryRun,
    }
}

/// A snapshot stream (see [`Cadence::Snapshot`]): read at most every `hours`, its records stamped with
/// the read's instant, its cursor.
const fn snapshot(hours: u32, def: StreamDef) -> StreamDef {
    StreamDef {
        cursor: Some(SNAPSHOT_FIELD),
        cadence: Cadence::Snapshot(hours),
        ..def
    }
}

/// Call listings and calls/extensive: where a call says it is private.
const TOP_PRIVATE: Option<&str> = Some("/isPrivate");
const META_PRIVATE: Option<&str> = Some("/metaData/isPrivate");

/// Gong's `logType` values (GET /v2/logs), in its spec's order.
pub const LOG_TYPES: &[&str] = ep::LOG_TYPES;

/// The date filters of the stats endpoints.
const STATS_DATES: Bounds = Bounds {
    from: ep::FROM_DATE.name,
    to: ep::TO_DATE.name,
};

/// A stream read by call id for the calls of each call window (listed by GET /v2/calls, 100 ids per
/// request), keyed by `callId`, with the call's start lifted as its cursor `callStarted`.
const fn by_call_ids(
    name: &'static str,
    endpoint: &'static Endpoint,
    schema: fn() -> Value,
) -> StreamDef {
    StreamDef {
        cursor: Some(added::CALL_STARTED),
        plan: Plan::CallIdBatches {
            listing: &ep::CALLS,
            window: CALL_WINDOW,
            ids: ep::CALL_IDS.name,
        },
        workspace_filter: true,
        lift: Lift::CallStarted,
        private_flag: TOP_PRIVATE,
        deletes: Deletes::PerCall,
        ..stream(name, endpoint, &["callId"], schema)
    }
}

pub const STREAMS: &[StreamDef] = &[
    snapshot(
        24,
        StreamDef {
            lists: Some(Parent::Users),
            ..stream("users", &ep::USERS, &["id"], schema_for::<UsersRecord>)
        },
    ),
    StreamDef {
        cursor: Some("started"),
        plan: Plan::CallWindows {
            window: CALL_WINDOW,
        },
        workspace_filter: true,
        private_flag: TOP_PRIVATE,
        deletes: Deletes::PerCall,
        ..stream("calls", &ep::CALLS, &["id"], schema_for::<CallsRecord>)
    },
    StreamDef {
        cursor: Some(added::STARTED),
        plan: Plan::CallWindows {
            window: CALL_WINDOW,
        },
        content: Content::Configured,
        workspace_filter: true,
        lift: Lift::MetaData,
        private_flag: META_PRIVATE,
        deletes: Deletes::PerCall,
        ..stream(
            "calls_extensive",
            &ep::CALLS_EXTENSIVE,
            &[added::ID],
            schema_for::<CallsExtensiveRecord>,
        )
    },
    snapshot(
        24,
        StreamDef {
            lists: Some(Parent::Workspaces),
            ..stream(
                "workspaces",
                &ep::WORKSPACES,
                &["id"],
                schema_for::<WorkspacesRecord>,
            )
        },
    ),
    by_call_ids(
        "call_transcripts",
        &ep::TRANSCRIPTS,
        schema_for::<CallTranscriptsRecord>,
    ),
    StreamDef {
        cadence: Cadence::Hours(24),
        cursor: Some(STATS_DATES.from),
        plan: Plan::DayRanges {
            source: &ep::STATS_AGGREGATE_BY_PERIOD,
            period: STATS_DATES,
            body: Some((ep::AGGREGATION_PERIOD.name, "DAY")),
            split: PerDay {
                items: "userAggregateActivity",
                into: "userAggregateActivityStats",
                wrap: false,
            },
        },
        ..stream(
            "stats_activity_aggregate",
            &ep::STATS_AGGREGATE,
            &["userId", STATS_DATES.from],
            schema_for::<StatsActivityAggregateRecord>,
        )
    },
    StreamDef {
        cadence: Cadence::Hours(24),
        cursor: Some(STATS_DATES.from),
        plan: Plan::DayRanges {
            source: &ep::STATS_DAY_BY_DAY,
            period: STATS_DATES,
            body: None,
            split: PerDay {
                items: "userDailyActivityStats",
                into: "userDailyActivityStats",
                wrap: true,
            },
        },
        ..stream(
            "stats_activity_day_by_day",
            &ep::STATS_DAY_BY_DAY,
            &["userId", STATS_DATES.from],
            schema_for::<StatsActivityDayByDayRecord>,
        )
    },
    StreamDef {
        cadence: Cadence::Hours(24),
        cursor: Some(STATS_DATES.from),
        plan: Plan::Periods {
            period: STATS_DATES,
        },
        ..stream(
            "stats_interaction",
            &ep::STATS_INTERACTION,
            &["userId", STATS_DATES.from, STATS_DATES.to],
            schema_for::<StatsInteractionRecord>,
        )
    },
    snapshot(
        24,
        stream(
            "settings_scorecards",
            &ep::SETTINGS_SCORECARDS,
            &["scorecardId"],
            schema_for::<SettingsScorecardsRecord>,
        ),
    ),
    snapshot(
        24,
        StreamDef {
            workspace_filter: true,
            ..stream(
                "settings_trackers",
                &ep::SETTINGS_TRACKERS,
                &["trackerId"],
                schema_for::<SettingsTrackersRecord>,
            )
        },
    ),
    snapshot(
        24,
        StreamDef {
            plan: Plan::PerWorkspace,
            lists: Some(Parent::Folders),
            ..stream(
                "library_folders",
                &ep::LIBRARY_FOLDERS,
                &["id"],
                schema_for::<LibraryFoldersRecord>,
            )
        },
    ),
    snapshot(
        24,
        StreamDef {
            plan: Plan::PerFolder {
                param: ep::FOLDER_ID.name,
            },
            ..stream(
                "library_folder_content",
                &ep::LIBRARY_FOLDER_CONTENT,
                &[added::FOLDER_ID, "id"],
                schema_for::<LibraryFolderContentRecord>,
            )
        },
    ),
    StreamDef {
        cadence: Cadence::Hours(24),
        cursor: Some(ep::COACHING_FROM.name),
        plan: Plan::CoachingMonths {
            workspace: ep::COACHING_WORKSPACE.name,
            manager: ep::COACHING_MANAGER.name,
            period: Bounds {
                from: ep::COACHING_FROM.name,
                to: ep::COACHING_TO.name,
            },
        },
        ..stream(
            "coaching",
            &ep::COACHING,
            &[
                added::WORKSPACE_ID,
                added::MANAGER_ID,
                ep::COACHING_FROM.name,
            ],
            schema_for::<CoachingRecord>,
        )
    },
    StreamDef {
        cadence: Cadence::Hours(24),
        cursor: Some("reviewTime"),
        plan: Plan::ReviewWindows {
            window: Bounds {
                from: ep::REVIEW_FROM.name,
                to: ep::REVIEW_TO.name,
            },
            // 28 days by default: 88 requests against a minimum of 83 on the mid-size company, where
            // 7-day windows cost 104 (bench/RESULTS.md, "Adaptive windows").
            widths: 4,
        },
        ..stream(
            "stats_activity_scorecards",
            &ep::ANSWERED_SCORECARDS,
            &["answeredScorecardId"],
            schema_for::<StatsActivityScorecardsRecord>,
        )
    },
    StreamDef {
        cursor: Some("started"),
        plan: Plan::CallWindows {
            window: CALL_WINDOW,
        },
        content: Content::MediaOnly,
        workspace_filter: true,
        lift: Lift::CallMedia,
        rides: Some(Ride {
            exposed: "media",
            keep: &["metaData", "media"],
        }),
        private_flag: META_PRIVATE,
        deletes: Deletes::PerCallAnd(&["audio", "video"]),
        ..stream(
            "call_media",
            &ep::CALLS_EXTENSIVE,
            &["callId", "kind"],
            schema_for::<CallMediaRecord>,
        )
    },
    // Audit logs, settings history, individual call access, manual CRM associations.
    StreamDef {
        cadence: Cadence::Hours(24),
        cursor: Some("eventTime"),
        plan: Plan::TypedWindows {
            param: ep::LOG_TYPE.name,
            values: LOG_TYPES,
            window: CALL_WINDOW,
        },
        lift: Lift::EntryHash,
        ..stream(
            "logs",
            &ep::LOGS,
            &[ep::LOG_TYPE.name, added::ENTRY_ID],
            schema_for::<LogsRecord>,
        )
    },
    snapshot(
        168,
        StreamDef {
            plan: Plan::PerUser,
            ..stream(
                "user_settings_history",
                &ep::USER_SETTINGS_HISTORY,
                &[added::USER_ID, "setting", "time"],
                schema_for::<UserSettingsHistoryRecord>,
            )
        },
    ),
    by_call_ids(
        "call_users_access",
        &ep::CALLS_USERS_ACCESS,
        schema_for::<CallUsersAccessRecord>,
    ),
    StreamDef {
        cadence: Cadence::Hours(24),
        cursor: Some("created"),
        plan: Plan::Since {
            from: ep::FROM_DATE_TIME.name,
        },
        ..stream(
            "calls_manual_crm_associations",
            &ep::CALLS_MANUAL_CRM_ASSOCIATIONS,
            &["callId", "created"],
            schema_for::<CallsManualCrmAssociationsRecord>,
        )
    },
    // Permission profiles, Engage flows, the generic CRM integration.
    snapshot(
        24,
        StreamDef {
            plan: Plan::PerWorkspace,
            lists: Some(Parent::Profiles),
            ..stream(
                "permission_profiles",
                &ep::PERMISSION_PROFILES,
                &["id"],
                schema_for::<PermissionProfilesRecord>,
            )
        },
    ),
    snapshot(
        24,
        StreamDef {
            plan: Plan::PerParent {
                parent: Parent::Profiles,
                param: ep::PROFILE_ID.name,
                field: Some(ep::PROFILE_ID.name),
                cross: None,
            },
            ..stream(
                "permission_profile_users",
                &ep::PERMISSION_PROFILE_USERS,
                &[ep::PROFILE_ID.name, "id"],
                schema_for::<PermissionProfileUsersRecord>,
            )
        },
    ),
    snapshot(
        168,
        StreamDef {
            plan: Plan::PerParent {
                parent: Parent::Users,
                param: ep::FLOW_OWNER.name,
                field: None,
                cross: None,
            },
            workspace_filter: true,
            unique: true,
            ..stream("flows", &ep::FLOWS, &["id"], schema_for::<FlowsRecord>)
        },
    ),
    snapshot(
        24,
        StreamDef {
            lists: Some(Parent::CrmIntegrations),
            ..stream(
                "crm_integrations",
                &ep::CRM_INTEGRATIONS,
                &["integrationId"],
                schema_for::<CrmIntegrationsRecord>,
            )
        },
    ),
    snapshot(
        168,
        StreamDef {
            plan: Plan::PerParent {
                parent: Parent::CrmIntegrations,
                param: ep::INTEGRATION_ID.name,
                field: Some(ep::INTEGRATION_ID.name),
                cross: Some((ep::OBJECT_TYPE.name, ep::CRM_OBJECT_TYPES)),
            },
            ..stream(
                "crm_entity_schema",
                &ep::CRM_ENTITY_SCHEMA,
                &[ep::INTEGRATION_ID.name, ep::OBJECT_TYPE.name, "uniqueName"],
                schema_for::<CrmEntitySchemaRecord>,
            )
        },
    ),
];

pub fn find(name: &str) -> Option<&'static StreamDef> {
    STREAMS.iter().find(|s| s.name == name)
}

/// Every stream's name, in catalog order.
pub fn stream_names() -> Vec<&'static str> {
    STREAMS.iter().map(|s| s.name).collect()
}

/// The draft-07 JSON Schema of the records of `stream` as `discover` gives it (its model's, with the fields
/// the connector adds), or `None` for an unknown name.
pub fn stream_schema(stream: &str) -> Option<Value> {
    find(stream).map(|def| def.json_schema())
}

/// Every stream `stream_cadence_hours` names is a stream of this connector (a config error otherwise).
/// The config layer checks the values; the names are the stream table's.
pub fn check_cadence_names(config: &crate::config::Config) -> crate::error::Result<()> {
    for name in config.cadence_hours.keys() {
        if find(name).is_none() {
            return Err(crate::error::Error::config(format!(
                "stream_cadence_hours names `{name}`, which is not a stream of this connector; streams: {}.",
                stream_names().join(", ")
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_seeds_and_unique() {
        let names: Vec<_> = STREAMS.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert_eq!(names.len(), 24);
        assert!(STREAMS.iter().all(|s| s.endpoint.path.starts_with("/v2/")));
    }

    #[test]
    fn keys_are_top_level() {
        for s in STREAMS {
            assert!(!s.primary_key.is_empty(), "{}", s.name);
            assert!(s.primary_key.iter().all(|k| !k.contains('.')), "{}", s.name);
        }
    }

    #[test]
    fn cadence_overrides_name_streams_of_this_connector() {
        let config = |names: serde_json::Value| {
            crate::config::Config::from_value(
                serde_json::json!({
                    "credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                    "start_date": "2025-06-01",
                    "stream_cadence_hours": names,
                }),
                chrono::Utc::now(),
            )
            .unwrap()
        };
        assert!(check_cadence_names(&config(
            serde_json::json!([{"stream": "flows", "hours": 24}])
        ))
        .is_ok());
        let e = check_cadence_names(&config(
            serde_json::json!([{"stream": "flow", "hours": 24}]),
        ))
        .unwrap_err();
        assert!(e.message.contains("`flow`, which is not a stream"), "{e}");
        assert_eq!(e.failure_type(), crate::protocol::FailureType::ConfigError);
    }
}
