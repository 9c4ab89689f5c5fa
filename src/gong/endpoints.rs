//! The endpoint table: the one description of each Gong API v2 endpoint the connector calls.
//!
//! An [`Endpoint`] says where it is (path, method), where its page cursor goes (a GET's query, a POST's
//! JSON body: Gong ignores a POST's query cursor and serves page 0 again), which response field holds
//! its records, which 404 texts mean "nothing matched" rather than failure, and the OAuth scope it
//! needs. Streams (`streams.rs`) add what a stream makes of an endpoint (keys, cursor, request shape,
//! schema); the entity/action interface (`api.rs`) and `check` use these entries directly.
//!
//! Invariant: no Gong API path is written anywhere else in `src/` (media URLs, which are presigned URLs
//! on another host, aside).

use serde_json::{json, Value};

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
    /// The response field holding the records (a list) or the record (a get).
    pub record_key: &'static str,
    /// Texts of this endpoint's 404 that mean "nothing matched", not failure.
    pub empty_404: &'static [&'static str],
    /// The OAuth scope a Bearer token needs for it.
    pub scope: &'static str,
    /// The record key holds a map of lists (object type → records), not a list: its pages are read
    /// whole and flattened (`gong/page.rs`), never split as they arrive.
    pub records_in_map: bool,
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
    }
}

pub const USERS: Endpoint = get("/v2/users", "users", &[], "api:users:read");
pub const USER: Endpoint = get("/v2/users/{id}", "user", &[], "api:users:read");
pub const CALLS: Endpoint = get("/v2/calls", "calls", NO_CALLS, "api:calls:read:basic");
pub const CALL: Endpoint = get("/v2/calls/{id}", "call", &[], "api:calls:read:basic");
pub const CALLS_EXTENSIVE: Endpoint = post(
    "/v2/calls/extensive",
    "calls",
    NO_CALLS,
    "api:calls:read:extensive",
);
pub const WORKSPACES: Endpoint = get("/v2/workspaces", "workspaces", &[], "api:workspaces:read");
pub const TRANSCRIPTS: Endpoint = post(
    "/v2/calls/transcript",
    "callTranscripts",
    NO_CALLS,
    "api:calls:read:transcript",
);
pub const STATS_AGGREGATE: Endpoint = post(
    "/v2/stats/activity/aggregate",
    "usersAggregateActivityStats",
    &[],
    "api:stats:user-actions",
);
/// Per user, one item per calendar period of the range (`aggregationPeriod`, a top-level body field).
pub const STATS_AGGREGATE_BY_PERIOD: Endpoint = post(
    "/v2/stats/activity/aggregate-by-period",
    "usersAggregateActivity",
    &[],
    "api:stats:user-actions",
);
pub const STATS_DAY_BY_DAY: Endpoint = post(
    "/v2/stats/activity/day-by-day",
    "usersDetailedActivities",
    &[],
    "api:stats:user-actions:detailed",
);
pub const STATS_INTERACTION: Endpoint = post(
    "/v2/stats/interaction",
    "peopleInteractionStats",
    &["No stats found"],
    "api:stats:interaction",
);
pub const SETTINGS_SCORECARDS: Endpoint = get(
    "/v2/settings/scorecards",
    "scorecards",
    &["Scorecards not found"],
    "api:settings:scorecards:read",
);
pub const SETTINGS_TRACKERS: Endpoint = get(
    "/v2/settings/trackers",
    "keywordTrackers",
    &[],
    "api:settings:trackers:read",
);
pub const LIBRARY_FOLDERS: Endpoint = get(
    "/v2/library/folders",
    "folders",
    &["No folders found"],
    "api:library:read",
);
pub const LIBRARY_FOLDER_CONTENT: Endpoint = get(
    "/v2/library/folder-content",
    "calls",
    &["No folders found", "No calls found"],
    "api:library:read",
);
pub const COACHING: Endpoint = get("/v2/coaching", "coachingData", &[], "api:coaching:read");
pub const ANSWERED_SCORECARDS: Endpoint = post(
    "/v2/stats/activity/scorecards",
    "answeredScorecards",
    &["Answered scorecards not found"],
    "api:stats:scorecards",
);

// Issue 17, part 1: audit logs, settings history, individual call access, manual CRM associations.
pub const LOGS: Endpoint = get(
    "/v2/logs",
    "logEntries",
    &["No logs found"],
    "api:logs:read",
);
/// One user's settings history (not paginated); a user deleted since the user list was read is empty.
pub const USER_SETTINGS_HISTORY: Endpoint = get(
    "/v2/users/{id}/settings-history",
    "userSettingsHistory",
    &["User not found"],
    "api:users:read",
);
/// Users given individual access to the calls named in `filter.callIds` (not paginated).
pub const CALLS_USERS_ACCESS: Endpoint = post(
    "/v2/calls/users-access",
    "callAccessList",
    NO_CALLS,
    "api:call-user-access:read",
);
/// Beta in Gong's spec.
pub const CALLS_MANUAL_CRM_ASSOCIATIONS: Endpoint = get(
    "/v2/calls/manual-crm-associations",
    "associations",
    &[],
    "api:crm-calls:manual-association:read",
);

/// A workspace's permission profiles (not paginated). Gong's spec names no scope for it; the
/// permission-profile scope is the one its write endpoints use.
pub const PERMISSION_PROFILES: Endpoint = get(
    "/v2/all-permission-profiles",
    "profiles",
    &[],
    "api:permission-profile:read",
);
/// One permission profile (`?profileId=`): what the list holds, so an `execute` get only.
pub const PERMISSION_PROFILE: Endpoint = get(
    "/v2/permission-profile",
    "profile",
    &[],
    "api:permission-profile:read",
);
/// The users a permission profile controls (`?profileId=`, not paginated).
pub const PERMISSION_PROFILE_USERS: Endpoint = get(
    "/v2/permission-profile/users",
    "users",
    &[],
    "api:users:read",
);
/// The Engage flows one user sees (`?flowOwnerEmail=`, required): company, personal and shared flows.
pub const FLOWS: Endpoint = get("/v2/flows", "flows", &[], "api:flows:read");
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
    ..get(
        "/v2/crm/entity-schema",
        "objectTypeToSelectedFields",
        &[],
        "api:crm:schema",
    )
};
/// The `objectType` values of crm/entity-schema (Gong's spec enum, case-sensitive).
pub const CRM_OBJECT_TYPES: &[&str] = &["ACCOUNT", "CONTACT", "DEAL", "LEAD"];

/// Every endpoint above, for tests and tooling that walk the table.
pub const ENDPOINTS: &[&Endpoint] = &[
    &USERS,
    &USER,
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
