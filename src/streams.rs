//! Every stream, described as data. Adding an endpoint is a new entry here (and its model in
//! `models/`); the pager and the sync engine in `sync.rs` do the rest.

use crate::protocol::{CatalogStream, SyncMode};

/// How a stream's requests are laid out: the partitions and time slices it is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// One (paginated) request chain.
    Single,
    /// One request chain per workspace (`?workspaceId=`); records get `workspaceId`.
    PerWorkspace,
    /// One request chain per library folder of every workspace; records get `folderId`, `folderName`.
    PerFolder,
    /// Call-start windows (`fromDateTime` inclusive, `toDateTime` exclusive) of `window_days`.
    CallWindows,
    /// Call windows; the window's calls are listed, then fetched by id in batches of 100.
    CallIdBatches,
    /// One closed UTC day per request (`filter.fromDate`/`toDate`); records get `fromDate`, `toDate`.
    Days,
    /// Review-date windows (`filter.reviewFromDate`/`reviewToDate`).
    ReviewWindows,
    /// Workspace × manager × calendar month; records get `workspaceId`, `managerId`, `from`, `to`.
    CoachingMonths,
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
    /// (call_media, see `media.rs`); with file transfer, each recording is downloaded too.
    CallMedia,
}

#[derive(Debug)]
pub struct StreamDef {
    pub name: &'static str,
    pub path: &'static str,
    /// POST endpoints take filters and the page cursor in the JSON body.
    pub post: bool,
    /// The response field holding the records.
    pub record_key: &'static str,
    /// Top-level fields; the connector guarantees them (see [`Lift`] and [`Plan`]).
    pub primary_key: &'static [&'static str],
    /// The record field that orders the stream, for incremental streams.
    pub cursor: Option<&'static str>,
    pub plan: Plan,
    pub lift: Lift,
    /// Texts of this endpoint's 404 that mean "nothing matched", not failure.
    pub empty_404: &'static [&'static str],
}

impl StreamDef {
    pub fn incremental(&self) -> bool {
        self.cursor.is_some()
    }

    /// The catalog entry `discover` prints.
    pub fn catalog_entry(&self) -> CatalogStream {
        let mut modes = vec![SyncMode::FullRefresh];
        if self.incremental() {
            modes.push(SyncMode::Incremental);
        }
        CatalogStream {
            name: self.name.to_string(),
            json_schema: crate::models::stream_schema(self.name)
                .unwrap_or_else(|| serde_json::json!({"type": "object"})),
            supported_sync_modes: modes,
            source_defined_cursor: self.cursor.map(|_| true),
            default_cursor_field: self.cursor.map(|c| vec![c.to_string()]).unwrap_or_default(),
            source_defined_primary_key: self
                .primary_key
                .iter()
                .map(|k| vec![k.to_string()])
                .collect(),
            // Incremental streams checkpoint after every window, so an interrupted sync resumes there.
            is_resumable: self.incremental(),
            is_file_based: (self.lift == Lift::CallMedia).then_some(true),
        }
    }
}

const NO_CALLS: &[&str] = &["No calls found"];

pub const STREAMS: &[StreamDef] = &[
    StreamDef {
        name: "users",
        path: "/v2/users",
        post: false,
        record_key: "users",
        primary_key: &["id"],
        cursor: None,
        plan: Plan::Single,
        lift: Lift::None,
        empty_404: &[],
    },
    StreamDef {
        name: "calls",
        path: "/v2/calls",
        post: false,
        record_key: "calls",
        primary_key: &["id"],
        cursor: Some("started"),
        plan: Plan::CallWindows,
        lift: Lift::None,
        empty_404: NO_CALLS,
    },
    StreamDef {
        name: "calls_extensive",
        path: "/v2/calls/extensive",
        post: true,
        record_key: "calls",
        primary_key: &["id"],
        cursor: Some("started"),
        plan: Plan::CallWindows,
        lift: Lift::MetaData,
        empty_404: NO_CALLS,
    },
    StreamDef {
        name: "workspaces",
        path: "/v2/workspaces",
        post: false,
        record_key: "workspaces",
        primary_key: &["id"],
        cursor: None,
        plan: Plan::Single,
        lift: Lift::None,
        empty_404: &[],
    },
    StreamDef {
        name: "call_transcripts",
        path: "/v2/calls/transcript",
        post: true,
        record_key: "callTranscripts",
        primary_key: &["callId"],
        cursor: Some("callStarted"),
        plan: Plan::CallIdBatches,
        lift: Lift::CallStarted,
        empty_404: NO_CALLS,
    },
    StreamDef {
        name: "stats_activity_aggregate",
        path: "/v2/stats/activity/aggregate",
        post: true,
        record_key: "usersAggregateActivityStats",
        primary_key: &["userId", "fromDate"],
        cursor: Some("fromDate"),
        plan: Plan::Days,
        lift: Lift::None,
        empty_404: &[],
    },
    StreamDef {
        name: "stats_activity_day_by_day",
        path: "/v2/stats/activity/day-by-day",
        post: true,
        record_key: "usersDetailedActivities",
        primary_key: &["userId", "fromDate"],
        cursor: Some("fromDate"),
        plan: Plan::Days,
        lift: Lift::None,
        empty_404: &[],
    },
    StreamDef {
        name: "stats_interaction",
        path: "/v2/stats/interaction",
        post: true,
        record_key: "peopleInteractionStats",
        primary_key: &["userId", "fromDate"],
        cursor: Some("fromDate"),
        plan: Plan::Days,
        lift: Lift::None,
        empty_404: &["No stats found"],
    },
    StreamDef {
        name: "settings_scorecards",
        path: "/v2/settings/scorecards",
        post: false,
        record_key: "scorecards",
        primary_key: &["scorecardId"],
        cursor: None,
        plan: Plan::Single,
        lift: Lift::None,
        empty_404: &["Scorecards not found"],
    },
    StreamDef {
        name: "settings_trackers",
        path: "/v2/settings/trackers",
        post: false,
        record_key: "keywordTrackers",
        primary_key: &["trackerId"],
        cursor: None,
        plan: Plan::Single,
        lift: Lift::None,
        empty_404: &[],
    },
    StreamDef {
        name: "library_folders",
        path: "/v2/library/folders",
        post: false,
        record_key: "folders",
        primary_key: &["id"],
        cursor: None,
        plan: Plan::PerWorkspace,
        lift: Lift::None,
        empty_404: &["No folders found"],
    },
    StreamDef {
        name: "library_folder_content",
        path: "/v2/library/folder-content",
        post: false,
        record_key: "calls",
        primary_key: &["folderId", "id"],
        cursor: None,
        plan: Plan::PerFolder,
        lift: Lift::None,
        empty_404: &["No folders found", "No calls found"],
    },
    StreamDef {
        name: "coaching",
        path: "/v2/coaching",
        post: false,
        record_key: "coachingData",
        primary_key: &["workspaceId", "managerId", "from"],
        cursor: Some("from"),
        plan: Plan::CoachingMonths,
        lift: Lift::None,
        empty_404: &[],
    },
    StreamDef {
        name: "stats_activity_scorecards",
        path: "/v2/stats/activity/scorecards",
        post: true,
        record_key: "answeredScorecards",
        primary_key: &["answeredScorecardId"],
        cursor: Some("reviewTime"),
        plan: Plan::ReviewWindows,
        lift: Lift::None,
        empty_404: &["Answered scorecards not found"],
    },
    StreamDef {
        name: "call_media",
        path: "/v2/calls/extensive",
        post: true,
        record_key: "calls",
        primary_key: &["callId", "kind"],
        cursor: Some("started"),
        plan: Plan::CallWindows,
        lift: Lift::CallMedia,
        empty_404: NO_CALLS,
    },
];

pub fn find(name: &str) -> Option<&'static StreamDef> {
    STREAMS.iter().find(|s| s.name == name)
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
        assert_eq!(names.len(), 15);
        assert!(STREAMS.iter().all(|s| s.path.starts_with("/v2/")));
    }

    #[test]
    fn keys_are_top_level() {
        for s in STREAMS {
            assert!(!s.primary_key.is_empty(), "{}", s.name);
            assert!(s.primary_key.iter().all(|k| !k.contains('.')), "{}", s.name);
        }
    }
}
