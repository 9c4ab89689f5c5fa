//! The endpoint table: the one description of each Gong API v2 endpoint the connector calls.
//!
//! An [`Endpoint`] says where it is (path, method), where its page cursor goes (a GET's query, a POST's
//! JSON body: Gong ignores a POST's query cursor and serves page 0 again), which response field holds
//! its records, which 404 texts mean "nothing matched" rather than failure, and the OAuth scope it
//! needs. Streams (`streams.rs`) add what a stream makes of an endpoint (keys, cursor, request shape,
//! schema); the entity/action interface (`api.rs`) and `check` use these entries directly.
//!
//! Each entry also lists the parameters a caller may give it ([`Param`], `gong/params.rs`): name, type,
//! where it goes, required or not, meaning and default. The parameters the sync planner fills (window
//! bounds, parents) are named constants here, which `streams.rs` names by `.name`.
//!
//! Invariant: no Gong API path is written anywhere else in `src/` (media URLs, which are presigned URLs
//! on another host, aside), and no parameter name of an endpoint either.

use serde_json::{json, Value};

use super::params::{body, filter, param, query, At, Fill, Param, ParamType as T, CURSOR, FILTER};
use super::request::ApiRequest;

/// How an endpoint is called; it decides where the page cursor and the filters go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Filters and the cursor in the query string.
    Get,
    /// Filters under `filter` and the cursor at the top level of the JSON body.
    Post,
}

/// One Gong endpoint.
#[derive(Debug)]
pub struct Endpoint {
    /// Path under the base URL; `{id}` stands for a record id (get endpoints).
    pub path: &'static str,
    pub method: Method,
    /// The response field holding the records (a list) or the record (a get); empty when the whole
    /// answer is the record.
    pub record_key: &'static str,
    /// Texts of this endpoint's 404 that mean "nothing matched", not failure.
    pub empty_404: &'static [&'static str],
    /// The OAuth scope a Bearer token needs for it.
    pub scope: &'static str,
    /// The record key holds a map of lists (object type → records), not a list: its pages are read
    /// whole and flattened (`gong/page.rs`), never split as they arrive.
    pub records_in_map: bool,
    /// The parameters a caller may give (`execute`, MCP), in the order they are documented.
    pub params: &'static [Param],
}

/// The query parameter (GET) or `filter` field (POST) that limits a request to one workspace.
pub const WORKSPACE_FILTER: &str = "workspaceId";

impl Endpoint {
    /// A request with no filters yet: a GET, or a POST with an empty body.
    pub fn request(&self) -> ApiRequest {
        match self.method {
            Method::Get => ApiRequest::get(self.path),
            Method::Post => ApiRequest::post(self.path, json!({})),
        }
    }

    /// The request for one record of a get endpoint (`{id}` in the path).
    pub fn request_for_id(&self, id: &str) -> ApiRequest {
        ApiRequest::get(self.path.replace("{id}", id))
    }

    /// Sets a filter where this endpoint takes it: the query of a GET, `body.filter` of a POST.
    pub fn filter(&self, mut request: ApiRequest, name: &str, value: Value) -> ApiRequest {
        match self.method {
            Method::Get => {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                request.query(name, text)
            }
            Method::Post => {
                let body = request.body.get_or_insert_with(|| json!({}));
                if !body.get("filter").is_some_and(Value::is_object) {
                    body["filter"] = json!({});
                }
                body["filter"][name] = value;
                request
            }
        }
    }

    /// Puts a page cursor where this endpoint reads it.
    pub fn set_cursor(&self, request: &mut ApiRequest, cursor: &str) {
        match self.method {
            Method::Get => request.query.push(("cursor".into(), cursor.to_string())),
            Method::Post => {
                let body = request.body.get_or_insert_with(|| json!({}));
                body["cursor"] = Value::String(cursor.to_string());
            }
        }
    }

    /// True when a 404 with this text means "no records" for this endpoint.
    pub fn is_empty_404(&self, text: &str) -> bool {
        self.empty_404.iter().any(|t| text.contains(t))
    }
}

const NO_CALLS: &[&str] = &["No calls found"];

const fn get(
    path: &'static str,
    record_key: &'static str,
    empty_404: &'static [&'static str],
    scope: &'static str,
) -> Endpoint {
    Endpoint {
        path,
        method: Method::Get,
        record_key,
        empty_404,
        scope,
        records_in_map: false,
        params: &[],
    }
}

const fn post(
    path: &'static str,
    record_key: &'static str,
    empty_404: &'static [&'static str],
    scope: &'static str,
) -> Endpoint {
    Endpoint {
        path,
        method: Method::Post,
        record_key,
        empty_404,
        scope,
        records_in_map: false,
        params: &[],
    }
}

// The parameters the endpoints share, and those the sync planner fills (named so `streams.rs` spells
// no parameter name).
const START: &str = "Start date-time in ISO 8601 format";
const END: &str = "End date-time in ISO 8601 format";
/// The start of a call window: a GET's query, and under `filter` of a POST.
pub const FROM_DATE_TIME: Param = query("fromDateTime", T::DateTime, START);
pub const TO_DATE_TIME: Param = query("toDateTime", T::DateTime, END);
const FILTER_FROM: Param = FROM_DATE_TIME.at_filter();
const FILTER_TO: Param = TO_DATE_TIME.at_filter();
/// The call ids of a POST's filter (id-batched streams, downloads).
pub const CALL_IDS: Param = filter(
    "callIds",
    T::StringList,
    "List of specific call IDs to retrieve",
);
const FILTER_WORKSPACE: Param = filter(WORKSPACE_FILTER, T::String, "Filter by workspace ID");
/// The stats endpoints' closed days (dates; `toDate` exclusive).
pub const FROM_DATE: Param =
    filter("fromDate", T::Date, "Start date (YYYY-MM-DD)").fill(Fill::ConfigStart);
pub const TO_DATE: Param = filter(
    "toDate",
    T::Date,
    "End date (YYYY-MM-DD, exclusive, at most the company's today); default: yesterday in UTC",
)
.fill(Fill::ClosedDaysEnd);
/// The period of `aggregate-by-period`'s items, at the top of its body (`DAY` for the sync).
pub const AGGREGATION_PERIOD: Param = body(
    "aggregationPeriod",
    T::OneOf(&["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"]),
    "Calendar period of each item",
);
pub const REVIEW_FROM: Param = filter(
    "reviewFromDate",
    T::Date,
    "Reviews from this date (YYYY-MM-DD)",
);
pub const REVIEW_TO: Param = filter(
    "reviewToDate",
    T::Date,
    "Reviews up to this date (YYYY-MM-DD)",
);
pub const FOLDER_ID: Param =
    query("folderId", T::String, "Folder ID to retrieve content from").required();
pub const COACHING_WORKSPACE: Param = query("workspace-id", T::String, "Workspace ID").required();
pub const COACHING_MANAGER: Param = query("manager-id", T::String, "Manager user ID").required();
pub const COACHING_FROM: Param = query("from", T::DateTime, START).required();
pub const COACHING_TO: Param = query("to", T::DateTime, END).required();
/// Gong's `logType` values (GET /v2/logs), in its spec's order.
pub const LOG_TYPES: &[&str] = &[
    "AccessLog",
    "UserActivityLog",
    "UserCallPlay",
    "ExternallySharedCallAccess",
    "ExternallySharedCallPlay",
];
pub const LOG_TYPE: Param = query(
    "logType",
    T::OneOf(LOG_TYPES),
    "Type of log entries (Gong's logType)",
)
.required();
pub const PROFILE_ID: Param = query(
    "profileId",
    T::String,
    "Permission profile ID (from permission_profiles_list) whose users to list",
)
.required();
pub const FLOW_OWNER: Param = query(
    "flowOwnerEmail",
    T::String,
    "Email address of the user (from users_list) whose flows to list",
)
.required();
pub const INTEGRATION_ID: Param = query(
    "integrationId",
    T::String,
    "CRM integration ID (from crm_integrations_list)",
)
.required();
/// The `objectType` values of crm/entity-schema (Gong's spec enum, case-sensitive).
pub const CRM_OBJECT_TYPES: &[&str] = &["ACCOUNT", "CONTACT", "DEAL", "LEAD"];
pub const OBJECT_TYPE: Param = query(
    "objectType",
    T::OneOf(CRM_OBJECT_TYPES),
    "CRM object type whose fields to list",
)
.required();
/// The record id in a per-record path (`/v2/users/{id}`).
const fn path_id(about: &'static str) -> Param {
    param("id", At::Path, T::String, about).required()
}
const fn workspace(about: &'static str) -> Param {
    query(WORKSPACE_FILTER, T::String, about)
}

/// An endpoint entry with its parameters.
const fn with(params: &'static [Param], endpoint: Endpoint) -> Endpoint {
    Endpoint { params, ..endpoint }
}

pub const USERS: Endpoint = with(&[CURSOR], get("/v2/users", "users", &[], "api:users:read"));
pub const USER: Endpoint = with(
    &[path_id("User ID")],
    get("/v2/users/{id}", "user", &[], "api:users:read"),
);
/// Users by filter: creation dates, ids, avatars (Gong requires the `filter` object; the connector
/// always sends one).
pub const USERS_EXTENSIVE: Endpoint = with(
    &[
        FILTER,
        filter(
            "createdFromDateTime",
            T::DateTime,
            "Only users created at or after this date-time (ISO 8601)",
        ),
        filter(
            "createdToDateTime",
            T::DateTime,
            "Only users created before this date-time (ISO 8601)",
        ),
        filter("userIds", T::StringList, "Only the users of these IDs"),
        filter(
            "includeAvatars",
            T::Boolean,
            "Include avatars: synthetic users standing for Gong employees (CSMs, support) in the company's instance",
        ),
        CURSOR,
    ],
    post("/v2/users/extensive", "users", &["No users found"], "api:users:read"),
);
pub const CALLS: Endpoint = with(
    &[
        FROM_DATE_TIME,
        TO_DATE_TIME,
        workspace("Only calls of this workspace ID"),
        CURSOR,
    ],
    get("/v2/calls", "calls", NO_CALLS, "api:calls:read:basic"),
);
pub const CALL: Endpoint = with(
    &[path_id("Call ID")],
    get("/v2/calls/{id}", "call", &[], "api:calls:read:basic"),
);
pub const CALLS_EXTENSIVE: Endpoint = with(
    super::content::EXTENSIVE,
    post(
        "/v2/calls/extensive",
        "calls",
        NO_CALLS,
        "api:calls:read:extensive",
    ),
);
pub const WORKSPACES: Endpoint = get("/v2/workspaces", "workspaces", &[], "api:workspaces:read");
pub const TRANSCRIPTS: Endpoint = with(
    &[
        FILTER,
        FILTER_FROM,
        FILTER_TO,
        CALL_IDS.about("List of specific call IDs to retrieve transcripts for"),
        FILTER_WORKSPACE,
        CURSOR,
    ],
    post(
        "/v2/calls/transcript",
        "callTranscripts",
        NO_CALLS,
        "api:calls:read:transcript",
    ),
);
const USER_IDS: Param = filter(
    "userIds",
    T::StringList,
    "List of user IDs to retrieve stats for",
);
const STATS: &[Param] = &[FILTER, FROM_DATE, TO_DATE, USER_IDS, CURSOR];
pub const STATS_AGGREGATE: Endpoint = with(
    STATS,
    post(
        "/v2/stats/activity/aggregate",
        "usersAggregateActivityStats",
        &[],
        "api:stats:user-actions",
    ),
);
/// Per user, one item per calendar period of the range (`aggregationPeriod`, a top-level body field).
pub const STATS_AGGREGATE_BY_PERIOD: Endpoint = with(
    &[FILTER, FROM_DATE, TO_DATE, AGGREGATION_PERIOD, CURSOR],
    post(
        "/v2/stats/activity/aggregate-by-period",
        "usersAggregateActivity",
        &[],
        "api:stats:user-actions",
    ),
);
/// Days `stats_activity_day_by_day list` reads without `filter.fromDate`: the last closed week.
pub const DAY_BY_DAY_DEFAULT_DAYS: i64 = 7;
pub const STATS_DAY_BY_DAY: Endpoint = with(
    &[
        FILTER,
        FROM_DATE
            .about("Start date (YYYY-MM-DD); default: 7 days before filter.toDate")
            .fill(Fill::DaysBeforeEnd(DAY_BY_DAY_DEFAULT_DAYS)),
        TO_DATE,
        USER_IDS,
        CURSOR,
    ],
    post(
        "/v2/stats/activity/day-by-day",
        "usersDetailedActivities",
        &[],
        "api:stats:user-actions:detailed",
    ),
);
pub const STATS_INTERACTION: Endpoint = with(
    STATS,
    post(
        "/v2/stats/interaction",
        "peopleInteractionStats",
        &["No stats found"],
        "api:stats:interaction",
    ),
);
pub const SETTINGS_SCORECARDS: Endpoint = with(
    &[workspace("Filter scorecards by workspace ID")],
    get(
        "/v2/settings/scorecards",
        "scorecards",
        &["Scorecards not found"],
        "api:settings:scorecards:read",
    ),
);
pub const SETTINGS_TRACKERS: Endpoint = with(
    &[workspace("Filter trackers by workspace ID")],
    get(
        "/v2/settings/trackers",
        "keywordTrackers",
        &[],
        "api:settings:trackers:read",
    ),
);
pub const LIBRARY_FOLDERS: Endpoint = with(
    &[workspace("Workspace ID to retrieve folders from").required()],
    get(
        "/v2/library/folders",
        "folders",
        &["No folders found"],
        "api:library:read",
    ),
);
pub const LIBRARY_FOLDER_CONTENT: Endpoint = with(
    &[FOLDER_ID, CURSOR],
    get(
        "/v2/library/folder-content",
        "calls",
        &["No folders found", "No calls found"],
        "api:library:read",
    ),
);
pub const COACHING: Endpoint = with(
    &[
        COACHING_WORKSPACE,
        COACHING_MANAGER,
        COACHING_FROM,
        COACHING_TO,
    ],
    get("/v2/coaching", "coachingData", &[], "api:coaching:read"),
);
/// `filter.fromDateTime`/`toDateTime`, `reviewerUserIds` and `callIds` are the seed's, not Gong's: the
/// connector translates or applies them (`api/scorecards.rs`).
pub const ANSWERED_SCORECARDS: Endpoint = with(
    &[
        FILTER,
        FILTER_FROM.kept(),
        FILTER_TO.kept(),
        filter(
            "callFromDate",
            T::Date,
            "Gong's name: calls from this date (YYYY-MM-DD; not with filter.fromDateTime)",
        ),
        filter(
            "callToDate",
            T::Date,
            "Gong's name: calls up to this date (YYYY-MM-DD; not with filter.toDateTime)",
        ),
        REVIEW_FROM,
        REVIEW_TO,
        filter(
            "scorecardIds",
            T::StringList,
            "List of scorecard IDs to filter by",
        ),
        filter(
            "reviewedUserIds",
            T::StringList,
            "List of reviewed user IDs to filter by",
        ),
        filter(
            "reviewerUserIds",
            T::StringList,
            "List of reviewer user IDs to filter by (applied to each page Gong returns)",
        )
        .kept(),
        CALL_IDS
            .about("List of call IDs to filter by (applied to each page Gong returns)")
            .kept(),
        CURSOR,
    ],
    post(
        "/v2/stats/activity/scorecards",
        "answeredScorecards",
        &["Answered scorecards not found"],
        "api:stats:scorecards",
    ),
);

// Audit logs, settings history, individual call access, manual CRM associations.
pub const LOGS: Endpoint = with(
    &[
        LOG_TYPE,
        FROM_DATE_TIME.required(),
        TO_DATE_TIME.about("End date-time in ISO 8601 format; default: up to the latest log entry"),
        CURSOR,
    ],
    get(
        "/v2/logs",
        "logEntries",
        &["No logs found"],
        "api:logs:read",
    ),
);
/// One user's settings history (not paginated); a user deleted since the user list was read is empty.
pub const USER_SETTINGS_HISTORY: Endpoint = with(
    &[path_id(
        "User ID (from users_list) whose settings history to list",
    )],
    get(
        "/v2/users/{id}/settings-history",
        "userSettingsHistory",
        &["User not found"],
        "api:users:read",
    ),
);
/// Users given individual access to the calls named in `filter.callIds` (not paginated).
pub const CALLS_USERS_ACCESS: Endpoint = with(
    &[
        FILTER,
        CALL_IDS
            .about("Call IDs whose individually granted user access to list")
            .required(),
    ],
    post(
        "/v2/calls/users-access",
        "callAccessList",
        NO_CALLS,
        "api:call-user-access:read",
    ),
);
/// Beta in Gong's spec.
pub const CALLS_MANUAL_CRM_ASSOCIATIONS: Endpoint = with(
    &[
        FROM_DATE_TIME.about("Only associations made from this date-time (ISO 8601); default: all"),
        CURSOR,
    ],
    get(
        "/v2/calls/manual-crm-associations",
        "associations",
        &[],
        "api:crm-calls:manual-association:read",
    ),
);

/// A workspace's permission profiles (not paginated). Gong's spec names no scope for it; the
/// permission-profile scope is the one its write endpoints use.
pub const PERMISSION_PROFILES: Endpoint = with(
    &[
        workspace("Workspace ID (from workspaces_list) whose permission profiles to list")
            .required(),
    ],
    get(
        "/v2/all-permission-profiles",
        "profiles",
        &[],
        "api:permission-profile:read",
    ),
);
/// One permission profile (`?profileId=`): what the list holds, so an `execute` get only.
pub const PERMISSION_PROFILE: Endpoint = with(
    &[PROFILE_ID.about("Permission profile ID (from permission_profiles_list)")],
    get(
        "/v2/permission-profile",
        "profile",
        &[],
        "api:permission-profile:read",
    ),
);
/// The users a permission profile controls (`?profileId=`, not paginated).
pub const PERMISSION_PROFILE_USERS: Endpoint = with(
    &[PROFILE_ID],
    get(
        "/v2/permission-profile/users",
        "users",
        &[],
        "api:users:read",
    ),
);
/// The Engage flows one user sees (`?flowOwnerEmail=`, required): company, personal and shared flows.
pub const FLOWS: Endpoint = with(
    &[
        FLOW_OWNER,
        workspace("Only flows of this workspace ID"),
        CURSOR,
    ],
    get("/v2/flows", "flows", &[], "api:flows:read"),
);
/// What Gong holds that references one email address: calls, email messages, meetings, CRM data and
/// engagement events. The whole answer is the record (`record_key` empty); not paginated.
pub const DATA_FOR_EMAIL_ADDRESS: Endpoint = with(
    &[query(
        "emailAddress",
        T::String,
        "The email address whose references in Gong to list",
    )
    .required()],
    get(
        "/v2/data-privacy/data-for-email-address",
        "",
        &[],
        "api:data-privacy:read",
    ),
);
/// What Gong holds that references one phone number (leads and contacts with it, their calls and
/// email messages). The whole answer is the record; not paginated.
pub const DATA_FOR_PHONE_NUMBER: Endpoint = with(
    &[query(
        "phoneNumber",
        T::String,
        "The phone number: + and the country code, then the number; other non-digits are ignored (e.g. +1 425 555 2671)",
    )
    .required()],
    get(
        "/v2/data-privacy/data-for-phone-number",
        "",
        &[],
        "api:data-privacy:read",
    ),
);
/// The company's generic CRM integrations (not paginated).
pub const CRM_INTEGRATIONS: Endpoint = get(
    "/v2/crm/integrations",
    "integrations",
    &[],
    "api:crm:integrations:read",
);
/// The fields uploaded for one object type of one integration (`?integrationId=&objectType=`). Its
/// record key holds a map of object type to fields, which the page parser flattens (`gong/page.rs`).
pub const CRM_ENTITY_SCHEMA: Endpoint = Endpoint {
    records_in_map: true,
    ..with(
        &[INTEGRATION_ID, OBJECT_TYPE],
        get(
            "/v2/crm/entity-schema",
            "objectTypeToSelectedFields",
            &[],
            "api:crm:schema",
        ),
    )
};

/// Every endpoint above, for tests and tooling that walk the table.
pub const ENDPOINTS: &[&Endpoint] = &[
    &USERS,
    &USER,
    &USERS_EXTENSIVE,
    &CALLS,
    &CALL,
    &CALLS_EXTENSIVE,
    &WORKSPACES,
    &TRANSCRIPTS,
    &STATS_AGGREGATE,
    &STATS_AGGREGATE_BY_PERIOD,
    &STATS_DAY_BY_DAY,
    &STATS_INTERACTION,
    &SETTINGS_SCORECARDS,
    &SETTINGS_TRACKERS,
    &LIBRARY_FOLDERS,
    &LIBRARY_FOLDER_CONTENT,
    &COACHING,
    &ANSWERED_SCORECARDS,
    &LOGS,
    &USER_SETTINGS_HISTORY,
    &CALLS_USERS_ACCESS,
    &CALLS_MANUAL_CRM_ASSOCIATIONS,
    &PERMISSION_PROFILES,
    &PERMISSION_PROFILE,
    &PERMISSION_PROFILE_USERS,
    &FLOWS,
    &CRM_INTEGRATIONS,
    &CRM_ENTITY_SCHEMA,
    &DATA_FOR_EMAIL_ADDRESS,
    &DATA_FOR_PHONE_NUMBER,
];

/// The scope the endpoint at `path` needs (`{id}` matching one path segment), for error messages.
pub fn scope_of(path: &str) -> Option<&'static str> {
    let matches = |template: &str| {
        let (a, b): (Vec<&str>, Vec<&str>) =
            (template.split('/').collect(), path.split('/').collect());
        a.len() == b.len() && a.iter().zip(&b).all(|(t, p)| t == p || *t == "{id}")
    };
    ENDPOINTS.iter().find(|e| matches(e.path)).map(|e| e.scope)
}

/// A workspace's library folders: a stream, and the parent list of `library_folder_content`.
pub fn folders_of(workspace: &str) -> ApiRequest {
    LIBRARY_FOLDERS.filter(
        LIBRARY_FOLDERS.request(),
        WORKSPACE_FILTER,
        json!(workspace),
    )
}

/// A workspace's permission profiles: a stream, and the parent list of `permission_profile_users`.
pub fn profiles_of(workspace: &str) -> ApiRequest {
    PERMISSION_PROFILES.filter(
        PERMISSION_PROFILES.request(),
        WORKSPACE_FILTER,
        json!(workspace),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_and_filters_go_where_the_method_says() {
        let mut get = CALLS.filter(CALLS.request(), "fromDateTime", json!("a"));
        CALLS.set_cursor(&mut get, "c");
        assert_eq!(
            get.query,
            [
                ("fromDateTime".into(), "a".into()),
                ("cursor".into(), "c".into())
            ]
        );
        assert!(get.body.is_none());
        let mut post = TRANSCRIPTS.filter(TRANSCRIPTS.request(), "callIds", json!(["1"]));
        TRANSCRIPTS.set_cursor(&mut post, "c");
        assert!(post.query.is_empty());
        assert_eq!(
            post.body.unwrap(),
            json!({"filter": {"callIds": ["1"]}, "cursor": "c"})
        );
    }

    #[test]
    fn paths_are_unique_per_method_and_under_v2() {
        for (i, a) in ENDPOINTS.iter().enumerate() {
            assert!(a.path.starts_with("/v2/"), "{}", a.path);
            assert!(a.scope.starts_with("api:"), "{}", a.path);
            for b in &ENDPOINTS[i + 1..] {
                assert!(a.path != b.path || a.method != b.method, "{} twice", a.path);
            }
        }
        assert_eq!(USER.request_for_id("42").path, "/v2/users/42");
        assert_eq!(scope_of("/v2/users/42"), Some("api:users:read"));
        assert_eq!(scope_of("/v2/flows"), Some("api:flows:read"));
        assert_eq!(scope_of("/v2/nothing"), None);
    }
}
