//! The catalog's JSON Schemas (`src/models`, checked in as `schemas/<stream>.json`).
//!
//! * the checked-in files are exactly what the models generate;
//! * every property of Gong's OpenAPI response object for a stream is in its schema, with a compatible
//!   type, a date-time format where Gong says date-time, and Gong's description;
//! * every field the seed document (the Airbyte agent connector's reference) lists is in the schema;
//! * the schemas are self-contained draft-07, lenient (nullable, optional, open) except for primary keys,
//!   and accept realistic records while rejecting records without their primary key.
//!
//! Gong's OpenAPI document is copied verbatim to `tests/fixtures/gong-openapi.json`.

use serde_json::{json, Value};
use source_gong::gong::ids::{is_id_key, quote_ids};
use source_gong::models::{audit, records};
use source_gong::streams::{stream_names, stream_schema};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const REGENERATE: &str = "UPDATE_SCHEMAS=1 cargo test --test schemas";

/// (stream, primary key) as in docs/ARCHITECTURE.md.
const PRIMARY_KEYS: &[(&str, &[&str])] = &[
    ("users", &["id"]),
    ("calls", &["id"]),
    ("calls_extensive", &["id"]),
    ("workspaces", &["id"]),
    ("call_transcripts", &["callId"]),
    ("stats_activity_aggregate", &["userId", "fromDate"]),
    ("stats_activity_day_by_day", &["userId", "fromDate"]),
    ("stats_interaction", &["userId", "fromDate", "toDate"]),
    ("settings_scorecards", &["scorecardId"]),
    ("settings_trackers", &["trackerId"]),
    ("library_folders", &["id"]),
    ("library_folder_content", &["folderId", "id"]),
    ("coaching", &["workspaceId", "managerId", "from"]),
    ("stats_activity_scorecards", &["answeredScorecardId"]),
    ("call_media", &["callId", "kind"]),
    ("logs", &["logType", "entryId"]),
    ("user_settings_history", &["userId", "setting", "time"]),
    ("call_users_access", &["callId"]),
    ("calls_manual_crm_associations", &["callId", "created"]),
    ("permission_profiles", &["id"]),
    ("permission_profile_users", &["profileId", "id"]),
    ("flows", &["id"]),
    ("crm_integrations", &["integrationId"]),
    (
        "crm_entity_schema",
        &["integrationId", "objectType", "uniqueName"],
    ),
];

/// (stream, cursor field, format) as in docs/ARCHITECTURE.md.
const CURSORS: &[(&str, &str, &str)] = &[
    ("calls", "started", "date-time"),
    ("calls_extensive", "started", "date-time"),
    ("call_transcripts", "callStarted", "date-time"),
    ("stats_activity_aggregate", "fromDate", "date"),
    ("stats_activity_day_by_day", "fromDate", "date"),
    ("stats_interaction", "fromDate", "date"),
    ("coaching", "from", "date-time"),
    ("stats_activity_scorecards", "reviewTime", "date-time"),
    ("call_media", "started", "date-time"),
    ("logs", "eventTime", "date-time"),
    ("call_users_access", "callStarted", "date-time"),
    ("calls_manual_crm_associations", "created", "date-time"),
];

/// A stream and the top-level fields the connector adds to its records, each with its format if any.
type AddedFields = (
    &'static str,
    &'static [(&'static str, Option<&'static str>)],
);

/// The fields the connector adds, as in docs/ARCHITECTURE.md.
const ADDED_FIELDS: &[AddedFields] = &[
    (
        "calls_extensive",
        &[("id", None), ("started", Some("date-time"))],
    ),
    ("call_transcripts", &[("callStarted", Some("date-time"))]),
    (
        "stats_activity_aggregate",
        &[("fromDate", Some("date")), ("toDate", Some("date"))],
    ),
    (
        "stats_activity_day_by_day",
        &[("fromDate", Some("date")), ("toDate", Some("date"))],
    ),
    (
        "stats_interaction",
        &[("fromDate", Some("date")), ("toDate", Some("date"))],
    ),
    ("library_folders", &[("workspaceId", None)]),
    (
        "library_folder_content",
        &[("folderId", None), ("folderName", None)],
    ),
    (
        "coaching",
        &[
            ("workspaceId", None),
            ("managerId", None),
            ("from", Some("date-time")),
            ("to", Some("date-time")),
        ],
    ),
    ("permission_profiles", &[("workspaceId", None)]),
    ("permission_profile_users", &[("profileId", None)]),
    (
        "crm_entity_schema",
        &[("integrationId", None), ("objectType", None)],
    ),
    (
        "call_media",
        &[
            ("callId", None),
            ("kind", None),
            ("url", None),
            ("started", Some("date-time")),
            ("workspaceId", None),
            ("primaryUserId", None),
            ("contentType", None),
            ("sizeBytes", None),
            ("urlExpiresAt", Some("date-time")),
        ],
    ),
    ("logs", &[("logType", None), ("entryId", None)]),
    ("user_settings_history", &[("userId", None)]),
    ("call_users_access", &[("callStarted", Some("date-time"))]),
];

/// (stream, request path, method, key of the records' array in the response) in Gong's spec.
/// `call_media` is the connector's own record and has no Gong object.
const SPEC_OBJECTS: &[(&str, &str, &str, &str)] = &[
    ("users", "/v2/users", "get", "users"),
    ("calls", "/v2/calls", "get", "calls"),
    ("calls_extensive", "/v2/calls/extensive", "post", "calls"),
    ("workspaces", "/v2/workspaces", "get", "workspaces"),
    (
        "call_transcripts",
        "/v2/calls/transcript",
        "post",
        "callTranscripts",
    ),
    (
        "stats_activity_aggregate",
        "/v2/stats/activity/aggregate",
        "post",
        "usersAggregateActivityStats",
    ),
    (
        "stats_activity_day_by_day",
        "/v2/stats/activity/day-by-day",
        "post",
        "usersDetailedActivities",
    ),
    (
        "stats_interaction",
        "/v2/stats/interaction",
        "post",
        "peopleInteractionStats",
    ),
    (
        "settings_scorecards",
        "/v2/settings/scorecards",
        "get",
        "scorecards",
    ),
    (
        "settings_trackers",
        "/v2/settings/trackers",
        "get",
        "keywordTrackers",
    ),
    ("library_folders", "/v2/library/folders", "get", "folders"),
    (
        "library_folder_content",
        "/v2/library/folder-content",
        "get",
        "calls",
    ),
    ("coaching", "/v2/coaching", "get", "coachingData"),
    (
        "stats_activity_scorecards",
        "/v2/stats/activity/scorecards",
        "post",
        "answeredScorecards",
    ),
    ("logs", "/v2/logs", "get", "logEntries"),
    (
        "user_settings_history",
        "/v2/users/{id}/settings-history",
        "get",
        "userSettingsHistory",
    ),
    (
        "call_users_access",
        "/v2/calls/users-access",
        "post",
        "callAccessList",
    ),
    (
        "calls_manual_crm_associations",
        "/v2/calls/manual-crm-associations",
        "get",
        "associations",
    ),
    (
        "permission_profiles",
        "/v2/all-permission-profiles",
        "get",
        "profiles",
    ),
    (
        "permission_profile_users",
        "/v2/permission-profile/users",
        "get",
        "users",
    ),
    ("flows", "/v2/flows", "get", "flows"),
    (
        "crm_integrations",
        "/v2/crm/integrations",
        "get",
        "integrations",
    ),
    // The records are the items of every list in the map `objectTypeToSelectedFields`.
    (
        "crm_entity_schema",
        "/v2/crm/entity-schema",
        "get",
        "objectTypeToSelectedFields/additionalProperties",
    ),
];

/// Streams the seed document does not list (they come from Gong's spec, issue 17).
const NOT_IN_SEED: &[&str] = &[
    "call_media",
    "permission_profiles",
    "permission_profile_users",
    "flows",
    "crm_integrations",
    "crm_entity_schema",
];

/// Every record field the seed document (`shared/seeds/000_890c749540f42b29.txt`, the Airbyte agent
/// connector's reference) lists per stream, in its own path notation. Some are not in Gong's spec.
const SEED_FIELDS: &[(&str, &[&str])] = &[
    (
        "users",
        &[
            "id",
            "emailAddress",
            "created",
            "active",
            "emailAliases",
            "trustedEmailAddress",
            "firstName",
            "lastName",
            "title",
            "phoneNumber",
            "extension",
            "personalMeetingUrls",
            "settings",
            "managerId",
            "meetingConsentPageUrl",
            "spokenLanguages",
        ],
    ),
    (
        "calls",
        &[
            "id",
            "url",
            "title",
            "scheduled",
            "started",
            "duration",
            "primaryUserId",
            "direction",
            "system",
            "scope",
            "media",
            "language",
            "workspaceId",
            "sdrDisposition",
            "clientUniqueId",
            "customData",
            "purpose",
            "meetingUrl",
            "isPrivate",
            "calendarEventId",
        ],
    ),
    (
        "calls_extensive",
        &[
            "metaData",
            "parties",
            "interaction",
            "collaboration",
            "content",
            "media",
        ],
    ),
    ("workspaces", &["id", "workspaceId", "name", "description"]),
    ("call_transcripts", &["callId", "transcript"]),
    (
        "stats_activity_aggregate",
        &[
            "userId",
            "userEmailAddress",
            "userAggregateActivityStats",
            "userAggregateActivityStats.callsAsHost",
            "userAggregateActivityStats.callsGaveFeedback",
            "userAggregateActivityStats.callsRequestedFeedback",
            "userAggregateActivityStats.callsReceivedFeedback",
            "userAggregateActivityStats.ownCallsListenedTo",
            "userAggregateActivityStats.othersCallsListenedTo",
            "userAggregateActivityStats.callsSharedInternally",
            "userAggregateActivityStats.callsSharedExternally",
            "userAggregateActivityStats.callsScorecardsFilled",
            "userAggregateActivityStats.callsScorecardsReceived",
            "userAggregateActivityStats.callsAttended",
            "userAggregateActivityStats.callsCommentsGiven",
            "userAggregateActivityStats.callsCommentsReceived",
            "userAggregateActivityStats.callsMarkedAsFeedbackGiven",
            "userAggregateActivityStats.callsMarkedAsFeedbackReceived",
        ],
    ),
    (
        "stats_activity_day_by_day",
        &[
            "userId",
            "userEmailAddress",
            "userDailyActivityStats",
            "userDailyActivityStats[].callsAsHost",
            "userDailyActivityStats[].callsGaveFeedback",
            "userDailyActivityStats[].callsRequestedFeedback",
            "userDailyActivityStats[].callsReceivedFeedback",
            "userDailyActivityStats[].ownCallsListenedTo",
            "userDailyActivityStats[].othersCallsListenedTo",
            "userDailyActivityStats[].callsSharedInternally",
            "userDailyActivityStats[].callsSharedExternally",
            "userDailyActivityStats[].callsAttended",
            "userDailyActivityStats[].callsCommentsGiven",
            "userDailyActivityStats[].callsCommentsReceived",
            "userDailyActivityStats[].callsMarkedAsFeedbackGiven",
            "userDailyActivityStats[].callsMarkedAsFeedbackReceived",
            "userDailyActivityStats[].callsScorecardsFilled",
            "userDailyActivityStats[].callsScorecardsReceived",
            "userDailyActivityStats[].fromDate",
            "userDailyActivityStats[].toDate",
        ],
    ),
    (
        "stats_interaction",
        &[
            "userId",
            "userEmailAddress",
            "personInteractionStats",
            "personInteractionStats[].name",
            "personInteractionStats[].value",
        ],
    ),
    (
        "settings_scorecards",
        &[
            "scorecardId",
            "scorecardName",
            "workspaceId",
            "enabled",
            "updaterUserId",
            "created",
            "updated",
            "reviewMethod",
            "questions",
            "questions[].questionId",
            "questions[].questionRevisionId",
            "questions[].questionText",
            "questions[].questionType",
            "questions[].isRequired",
            "questions[].isOverall",
            "questions[].updaterUserId",
            "questions[].answerGuide",
            "questions[].minRange",
            "questions[].maxRange",
            "questions[].created",
            "questions[].updated",
            "questions[].answerOptions",
        ],
    ),
    (
        "settings_trackers",
        &[
            "trackerId",
            "trackerName",
            "workspaceId",
            "languageKeywords",
            "affiliation",
            "partOfQuestion",
            "saidAt",
            "saidAtInterval",
            "saidAtUnit",
            "saidInTopics",
            "filterQuery",
            "created",
            "creatorUserId",
            "updated",
            "updaterUserId",
        ],
    ),
    (
        "library_folders",
        &["id", "name", "parentFolderId", "createdBy", "updated"],
    ),
    (
        "library_folder_content",
        &[
            "callId",
            "title",
            "started",
            "duration",
            "primaryUserId",
            "url",
        ],
    ),
    (
        "coaching",
        &[
            "userId",
            "userEmailAddress",
            "userName",
            "isManager",
            "coachingMetrics",
            "coachingMetrics.callsListened",
            "coachingMetrics.callsAttended",
            "coachingMetrics.callsWithFeedback",
            "coachingMetrics.callsWithComments",
            "coachingMetrics.scorecardsFilled",
        ],
    ),
    (
        "stats_activity_scorecards",
        &[
            "answeredScorecardId",
            "scorecardId",
            "scorecardName",
            "callId",
            "callStartTime",
            "reviewedUserId",
            "reviewerUserId",
            "reviewMethod",
            "editorUserId",
            "answeredDateTime",
            "reviewTime",
            "visibilityType",
            "answers",
            "answers[].questionId",
            "answers[].questionRevisionId",
            "answers[].isOverall",
            "answers[].answer",
            "answers[].answerText",
            "answers[].score",
            "answers[].notApplicable",
            "answers[].selectedOptions",
            "overallScore",
            "visibility",
        ],
    ),
    // Issue 17: streams the seed does not have (their fields are checked against Gong's spec above).
    ("logs", &[]),
    ("user_settings_history", &[]),
    ("call_users_access", &[]),
    ("calls_manual_crm_associations", &[]),
];

fn generated(stream: &str) -> Value {
    stream_schema(stream).unwrap_or_else(|| panic!("no schema for stream {stream}"))
}

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

fn render(schema: &Value) -> String {
    serde_json::to_string_pretty(schema).expect("schema serializes") + "\n"
}

fn lookup<'a>(table: &'a [(&str, &'a [&'a str])], stream: &str) -> &'a [&'a str] {
    table
        .iter()
        .find(|(name, _)| *name == stream)
        .map(|(_, fields)| *fields)
        .unwrap_or_else(|| panic!("stream {stream} missing from a test table"))
}

fn gong_spec() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gong-openapi.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("Gong's OpenAPI document is JSON")
}

/// Follows a local `$ref` of Gong's spec.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("local $ref");
            resolve(
                spec,
                spec.pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling {reference}")),
            )
        }
        None => schema,
    }
}

/// The JSON types a schema of ours allows; `None` when it allows any value.
fn types_of(schema: &Value) -> Option<BTreeSet<String>> {
    match schema.get("type")? {
        Value::String(kind) => Some(BTreeSet::from([kind.clone()])),
        Value::Array(kinds) => Some(
            kinds
                .iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect(),
        ),
        other => panic!("unexpected type {other}"),
    }
}

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Our schema at a path in the seed's notation (`a.b`, `a[].b`).
fn at_path<'a>(schema: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = schema;
    for part in path.split('.') {
        let (name, arrays) = match part.find("[]") {
            Some(at) => (&part[..at], part[at..].matches("[]").count()),
            None => (part, 0),
        };
        node = node.get("properties")?.get(name)?;
        for _ in 0..arrays {
            node = node.get("items")?;
        }
    }
    Some(node)
}

/// Walks Gong's schema and ours side by side, recording every mismatch. Returns how many spec nodes it
/// checked.
fn compare(
    spec: &Value,
    gong: &Value,
    ours: &Value,
    path: &str,
    problems: &mut Vec<String>,
) -> usize {
    let gong = resolve(spec, gong);
    let mut checked = 1;
    if let Some(kind) = gong.get("type").and_then(Value::as_str) {
        if let Some(allowed) = types_of(ours) {
            // Ids Gong types as integers are strings in the catalog (`gong::ids`).
            let id = path
                .rsplit('.')
                .next()
                .is_some_and(|name| is_id_key(name.trim_end_matches("[]")));
            let compatible = allowed.contains(kind)
                || (kind == "integer" && allowed.contains("number"))
                || (kind == "integer" && id && allowed.contains("string"));
            if !compatible {
                problems.push(format!("{path}: Gong says {kind}, ours allows {allowed:?}"));
            }
        }
    }
    if gong.get("format").and_then(Value::as_str) == Some("date-time")
        && ours.get("format").and_then(Value::as_str) != Some("date-time")
    {
        problems.push(format!(
            "{path}: Gong says format date-time, ours says {:?}",
            ours.get("format")
        ));
    }
    if let Some(properties) = gong.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let child = format!("{path}.{name}");
            let Some(ours_property) = ours.pointer(&format!("/properties/{name}")) else {
                problems.push(format!("{child}: missing"));
                continue;
            };
            // Gong's description of the field: the property's own, else the referenced object's.
            let described =
                raw_description(property).or_else(|| raw_description(resolve(spec, property)));
            if let Some(description) = described {
                let ours_description = ours_property
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if !normalize(ours_description).contains(&normalize(description)) {
                    problems.push(format!(
                        "{child}: description {ours_description:?} does not carry Gong's {description:?}"
                    ));
                }
            }
            checked += compare(spec, property, ours_property, &child, problems);
        }
    }
    if let Some(items) = gong.get("items") {
        match ours.get("items") {
            Some(ours_items) => {
                checked += compare(spec, items, ours_items, &format!("{path}[]"), problems)
            }
            None => problems.push(format!("{path}[]: Gong declares items, ours does not")),
        }
    }
    if let Some(values) = gong.get("additionalProperties").filter(|v| v.is_object()) {
        match ours.get("additionalProperties").filter(|v| v.is_object()) {
            Some(ours_values) => {
                checked += compare(spec, values, ours_values, &format!("{path}{{*}}"), problems)
            }
            None => problems.push(format!(
                "{path}{{*}}: Gong declares map values, ours does not"
            )),
        }
    }
    checked
}

fn raw_description(schema: &Value) -> Option<&str> {
    schema
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
}

/// Calls `visit(path, schema)` for every schema node under `schema` (properties, items, map values).
fn walk(schema: &Value, path: &str, visit: &mut dyn FnMut(&str, &Value)) {
    visit(path, schema);
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            walk(property, &format!("{path}.{name}"), visit);
        }
    }
    if let Some(items) = schema.get("items") {
        walk(items, &format!("{path}[]"), visit);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        walk(values, &format!("{path}{{*}}"), visit);
    }
}

/// Every JSON key anywhere in a document, to look for `$ref` and friends.
fn keys_anywhere(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                found.insert(key.clone());
                keys_anywhere(child, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys_anywhere(item, found)),
        _ => {}
    }
}

#[test]
fn checked_in_schemas_match_the_models() {
    let update = std::env::var("UPDATE_SCHEMAS").is_ok_and(|v| v == "1");
    let dir = schemas_dir();
    if update {
        std::fs::create_dir_all(&dir).expect("create schemas/");
    }
    let mut stale = Vec::new();
    for stream in &stream_names() {
        let path = dir.join(format!("{stream}.json"));
        let expected = render(&generated(stream));
        let actual = std::fs::read_to_string(&path).ok();
        if actual.as_deref() == Some(expected.as_str()) {
            continue;
        }
        if update {
            std::fs::write(&path, expected).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        } else {
            stale.push(path.display().to_string());
        }
    }
    let known: BTreeSet<String> = stream_names().iter().map(|s| format!("{s}.json")).collect();
    for entry in std::fs::read_dir(&dir).expect("read schemas/") {
        let entry = entry.expect("schemas/ entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if !known.contains(&name) {
            if update {
                std::fs::remove_file(entry.path()).expect("remove a schema of no stream");
            } else {
                stale.push(format!("{} (no such stream)", entry.path().display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/ differs from what src/models generates: {stale:#?}\n\
         Regenerate with `{REGENERATE}`, review the diff, and commit schemas/."
    );
}

#[test]
fn every_stream_has_a_schema_and_every_table_covers_every_stream() {
    assert_eq!(stream_names().len(), 24);
    assert_eq!(
        stream_names().iter().collect::<BTreeSet<_>>().len(),
        stream_names().len()
    );
    assert!(stream_schema("no_such_stream").is_none());
    for stream in &stream_names() {
        generated(stream);
        lookup(PRIMARY_KEYS, stream);
        assert!(sample(stream).is_object());
        if !NOT_IN_SEED.contains(stream) {
            lookup(SEED_FIELDS, stream);
        }
        if *stream != "call_media" {
            assert!(
                SPEC_OBJECTS.iter().any(|(name, ..)| name == stream),
                "{stream}"
            );
        }
    }
}

#[test]
fn every_property_of_gongs_spec_is_modelled_with_a_compatible_type_and_its_description() {
    let spec = gong_spec();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (stream, path, method, key) in SPEC_OBJECTS {
        let response = spec
            .pointer(&format!(
                "/paths/{}/{method}/responses/200/content/application~1json/schema",
                path.replace('~', "~0").replace('/', "~1")
            ))
            .unwrap_or_else(|| panic!("{method} {path}: no 200 JSON response in Gong's spec"));
        let records = resolve(&spec, response)
            .pointer(&format!("/properties/{key}/items"))
            .unwrap_or_else(|| panic!("{method} {path}: no array `{key}` in the response"));
        checked += compare(&spec, records, &generated(stream), stream, &mut problems);
    }
    assert!(
        problems.is_empty(),
        "schemas disagree with Gong's spec:\n{}",
        problems.join("\n")
    );
    assert!(
        checked > 300,
        "only {checked} spec nodes checked: is the walk broken?"
    );
}

#[test]
fn every_field_the_seed_lists_is_modelled() {
    let mut missing = Vec::new();
    for (stream, fields) in SEED_FIELDS {
        let schema = generated(stream);
        for field in *fields {
            if at_path(&schema, field).is_none() {
                missing.push(format!("{stream}: {field}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "fields the seed lists but the schemas lack: {missing:#?}"
    );
}

#[test]
fn schemas_are_self_contained_valid_draft_07() {
    for stream in &stream_names() {
        let schema = generated(stream);
        assert_eq!(
            schema["$schema"], "http://json-schema.org/draft-07/schema#",
            "{stream}"
        );
        let mut keys = BTreeSet::new();
        keys_anywhere(&schema, &mut keys);
        for forbidden in ["$ref", "definitions", "$defs"] {
            assert!(
                !keys.contains(forbidden),
                "{stream}: schema has `{forbidden}`, must be inlined"
            );
        }
        if let Err(error) = jsonschema::draft7::meta::validate(&schema) {
            panic!("{stream}: not a valid draft-07 schema: {error}");
        }
        jsonschema::draft7::new(&schema)
            .unwrap_or_else(|e| panic!("{stream}: does not compile: {e}"));
    }
}

#[test]
fn objects_allow_additional_properties_everywhere() {
    for stream in &stream_names() {
        walk(&generated(stream), stream, &mut |path, node| {
            let is_object = types_of(node).is_some_and(|types| types.contains("object"));
            if is_object {
                assert_ne!(
                    node.get("additionalProperties"),
                    Some(&Value::Bool(false)),
                    "{path}"
                );
                assert!(
                    node.get("additionalProperties").is_some(),
                    "{path}: additionalProperties unset"
                );
            }
        });
    }
}

/// Airbyte defines `date`, `date-time` and `time`; schemars' own formats (`int64`, `double`, …) are
/// not Airbyte's and must not reach the catalog.
#[test]
fn formats_are_only_the_ones_airbyte_defines() {
    for stream in &stream_names() {
        walk(&generated(stream), stream, &mut |path, node| {
            if let Some(format) = node.get("format") {
                assert!(
                    ["date", "date-time", "time"].contains(&format.as_str().unwrap_or("")),
                    "{path}: format {format}"
                );
            }
        });
    }
}

#[test]
fn only_primary_keys_are_required_and_non_null() {
    for stream in &stream_names() {
        let schema = generated(stream);
        let keys: BTreeSet<&str> = lookup(PRIMARY_KEYS, stream).iter().copied().collect();
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .unwrap_or_else(|| panic!("{stream}: no `required`"))
            .iter()
            .map(|v| v.as_str().expect("required names are strings"))
            .collect();
        assert_eq!(
            required, keys,
            "{stream}: required fields must be exactly the primary key"
        );
        for key in &keys {
            let types = types_of(&schema["properties"][key])
                .unwrap_or_else(|| panic!("{stream}.{key}: untyped"));
            assert!(
                !types.contains("null"),
                "{stream}.{key}: primary key must not be nullable"
            );
        }
        walk(&schema, stream, &mut |path, node| {
            if path != *stream {
                assert!(
                    node.get("required").is_none(),
                    "{path}: nested objects must not require fields"
                );
            }
            if let Some(properties) = node.get("properties").and_then(Value::as_object) {
                for (name, property) in properties {
                    if path == *stream && keys.contains(name.as_str()) {
                        continue;
                    }
                    if let Some(types) = types_of(property) {
                        assert!(
                            types.contains("null"),
                            "{path}.{name}: must be nullable, is {types:?}"
                        );
                    }
                }
            }
        });
    }
}

#[test]
fn cursor_fields_are_top_level_dates() {
    for (stream, cursor, format) in CURSORS {
        let schema = generated(stream);
        let field = &schema["properties"][cursor];
        assert_eq!(field["format"], *format, "{stream}.{cursor}");
        assert!(
            types_of(field).is_some_and(|t| t.contains("string")),
            "{stream}.{cursor}"
        );
    }
}

#[test]
fn added_fields_are_top_level_and_explained_in_the_description() {
    for stream in &stream_names() {
        let schema = generated(stream);
        let description = schema["description"]
            .as_str()
            .unwrap_or_else(|| panic!("{stream}: no description"));
        assert!(
            description.contains(&format!("`{stream}` stream")),
            "{stream}: {description}"
        );
        match ADDED_FIELDS.iter().find(|(name, _)| name == stream) {
            Some((_, fields)) => {
                assert!(
                    description.contains("PyAirbyte") && description.contains("top level"),
                    "{stream}: the description must say why fields are added: {description}"
                );
                for (field, format) in *fields {
                    let property = &schema["properties"][field];
                    assert!(
                        property.is_object(),
                        "{stream}: added field {field} missing"
                    );
                    assert_eq!(
                        property.get("format").and_then(Value::as_str),
                        *format,
                        "{stream}.{field}"
                    );
                    if *stream != "call_media" {
                        assert!(
                            description.contains(&format!("`{field}`")),
                            "{stream}: {field} not named"
                        );
                    }
                }
                if *stream == "call_media" {
                    assert!(
                        description.contains("whole record is added by the connector"),
                        "{description}"
                    );
                }
            }
            None => assert!(
                description.contains("adds no fields"),
                "{stream}: {description}"
            ),
        }
    }
}

#[test]
fn gong_enums_are_open_strings_with_their_values_described() {
    let schema = generated("calls");
    let direction = &schema["properties"]["direction"];
    assert!(direction.get("enum").is_none());
    assert!(direction["description"]
        .as_str()
        .unwrap()
        .contains("'Conference'"));
    for stream in stream_names().iter().filter(|s| **s != "call_media") {
        let mut keys = BTreeSet::new();
        keys_anywhere(&schema_of_without_descriptions(stream), &mut keys);
        assert!(
            !keys.contains("enum") && !keys.contains("oneOf"),
            "{stream}: closed enum"
        );
    }
    let media = generated("call_media");
    assert_eq!(
        media["properties"]["kind"]["enum"],
        json!(["audio", "video"])
    );
}

fn schema_of_without_descriptions(stream: &str) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("description");
                if let Some(Value::Object(properties)) = map.get_mut("properties") {
                    properties.values_mut().for_each(strip);
                }
                for key in ["items", "additionalProperties"] {
                    if let Some(child) = map.get_mut(key) {
                        strip(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut schema = generated(stream);
    strip(&mut schema);
    schema
}

fn validator(stream: &str) -> jsonschema::Validator {
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&generated(stream))
        .unwrap_or_else(|e| panic!("{stream}: {e}"))
}

fn validation_errors(validator: &jsonschema::Validator, record: &Value) -> Vec<String> {
    validator
        .iter_errors(record)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn realistic_records_are_accepted() {
    for stream in &stream_names() {
        let errors = validation_errors(&validator(stream), &sample(stream));
        assert!(errors.is_empty(), "{stream}: sample rejected: {errors:#?}");
    }
}

#[test]
fn records_without_a_primary_key_field_are_rejected() {
    for stream in &stream_names() {
        let validator = validator(stream);
        for key in lookup(PRIMARY_KEYS, stream) {
            let mut missing = sample(stream);
            missing
                .as_object_mut()
                .unwrap()
                .remove(*key)
                .expect("the sample has every key");
            assert!(
                !validator.is_valid(&missing),
                "{stream}: accepted a record without {key}"
            );
            let mut null = sample(stream);
            null[*key] = Value::Null;
            assert!(
                !validator.is_valid(&null),
                "{stream}: accepted a record with {key} null"
            );
        }
    }
}

#[test]
fn unknown_fields_nulls_new_enum_values_and_string_ids_are_accepted() {
    let mut call = sample("calls_extensive");
    call["brandNewField"] = json!({"anything": [1, 2]});
    call["metaData"]["direction"] = json!("Sideways");
    call["metaData"]["anotherNewField"] = json!(true);
    call["parties"][0]["title"] = Value::Null;
    call["content"] = Value::Null;
    let errors = validation_errors(&validator("calls_extensive"), &call);
    assert!(errors.is_empty(), "{errors:#?}");

    let minimal = json!({"id": "7782342274025937895"});
    assert!(validator("calls").is_valid(&minimal));

    let scorecard = sample("stats_activity_scorecards");
    assert_eq!(
        scorecard["answeredScorecardId"],
        json!("8238162939427262040")
    );
    assert_eq!(scorecard["answers"][0]["questionId"], json!("1000001"));
    let errors = validation_errors(&validator("stats_activity_scorecards"), &scorecard);
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The id rule (`gong::ids::is_id_key`) against every property of Gong's OpenAPI document: of the
/// properties Gong types as integers (or arrays of integers), exactly these are object ids and get quoted;
/// `mediaChannelId` (an audio channel, 0 or 1) is the one integer named like an id that is not.
#[test]
fn the_id_rule_picks_exactly_gongs_integer_ids() {
    let spec = gong_spec();
    let mut integer_ids = BTreeSet::new();
    let mut integer_others = BTreeSet::new();
    for (object, schema) in spec["components"]["schemas"].as_object().unwrap() {
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for (name, property) in properties {
            let item = property.get("items").unwrap_or(property);
            if item.get("type").and_then(Value::as_str) != Some("integer") {
                continue;
            }
            let entry = format!("{object}.{name}");
            if is_id_key(name) {
                integer_ids.insert(entry);
            } else {
                integer_others.insert(entry);
            }
        }
    }
    let expected: BTreeSet<String> = [
        "AnsweredScorecard.answeredScorecardId",
        "AnsweredScorecard.callId",
        "AnsweredScorecard.reviewedUserId",
        "AnsweredScorecard.reviewerUserId",
        "AnsweredScorecard.scorecardId",
        "Answer.questionId",
        "Answer.questionRevisionId",
        "GenericCrmIntegration.integrationId",
        "Question.questionId",
        "Question.questionRevisionId",
        "QuestionOption.id",
        "RegisterGenericCrmResponse.integrationId",
        "Scorecard.scorecardId",
        "Scorecard.updaterUserId",
        "Scorecard.workspaceId",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(integer_ids, expected);
    assert!(integer_others.contains("CallParticipant.mediaChannelId"));
    assert!(!integer_others
        .iter()
        .any(|p| p.ends_with("Id") && !p.ends_with(".mediaChannelId")));
}

/// Every id is a string in the catalog: Gong's scorecard records, with their ids as JSON numbers, do not
/// validate until the connector has quoted them, and every property of every schema that is an id
/// (`gong::ids::is_id_key`) is typed string, or an array of strings.
#[test]
fn ids_are_strings_everywhere() {
    for stream in ["settings_scorecards", "stats_activity_scorecards"] {
        let validator = validator(stream);
        let gong = gong_sample(stream);
        assert!(
            !validator.is_valid(&gong),
            "{stream}: a numeric id validated"
        );
        let errors = validation_errors(&validator, &sample(stream));
        assert!(errors.is_empty(), "{stream}: {errors:#?}");
    }
    let mut ids = 0;
    for stream in &stream_names() {
        walk(&generated(stream), stream, &mut |path, schema| {
            let name = path.rsplit('.').next().unwrap_or(path);
            if !is_id_key(name.trim_end_matches("[]")) || schema.get("type").is_none() {
                return;
            }
            ids += 1;
            let kinds = types_of(schema).unwrap_or_default();
            let items = schema
                .pointer("/items/type")
                .map(|_| types_of(&schema["items"]).unwrap_or_default());
            let string_like = match items {
                Some(items) => items.iter().all(|k| k == "string" || k == "null"),
                None => kinds.iter().all(|k| k == "string" || k == "null"),
            };
            assert!(string_like, "{path}: an id typed {kinds:?}");
        });
    }
    assert!(ids > 60, "only {ids} id properties found");
}

#[test]
fn wrong_types_and_malformed_dates_are_rejected() {
    let mut call = sample("calls");
    call["started"] = json!("yesterday");
    assert!(!validator("calls").is_valid(&call));
    let mut call = sample("calls");
    call["duration"] = json!("long");
    assert!(!validator("calls").is_valid(&call));
    let mut stats = sample("stats_interaction");
    stats["fromDate"] = json!("2024-06-03T00:00:00Z");
    assert!(!validator("stats_interaction").is_valid(&stats));
    let mut media = sample("call_media");
    media["kind"] = json!("transcript");
    assert!(!validator("call_media").is_valid(&media));
}

#[test]
fn realistic_records_deserialize_into_the_models() {
    fn check<T: serde::de::DeserializeOwned>(stream: &str) {
        if let Err(error) = serde_json::from_value::<T>(sample(stream)) {
            panic!("{stream}: {error}");
        }
    }
    check::<records::UsersRecord>("users");
    check::<records::CallsRecord>("calls");
    check::<records::CallsExtensiveRecord>("calls_extensive");
    check::<records::WorkspacesRecord>("workspaces");
    check::<records::CallTranscriptsRecord>("call_transcripts");
    check::<records::StatsActivityAggregateRecord>("stats_activity_aggregate");
    check::<records::StatsActivityDayByDayRecord>("stats_activity_day_by_day");
    check::<records::StatsInteractionRecord>("stats_interaction");
    check::<records::SettingsScorecardsRecord>("settings_scorecards");
    check::<records::SettingsTrackersRecord>("settings_trackers");
    check::<records::LibraryFoldersRecord>("library_folders");
    check::<records::LibraryFolderContentRecord>("library_folder_content");
    check::<records::CoachingRecord>("coaching");
    check::<records::StatsActivityScorecardsRecord>("stats_activity_scorecards");
    check::<records::CallMediaRecord>("call_media");
    check::<audit::LogsRecord>("logs");
    check::<audit::UserSettingsHistoryRecord>("user_settings_history");
    check::<audit::CallUsersAccessRecord>("call_users_access");
    check::<audit::CallsManualCrmAssociationsRecord>("calls_manual_crm_associations");
}

/// A realistic record of each stream as the connector emits it: Gong's record ([`gong_sample`]) with
/// the ids Gong sends as numbers quoted, by the function the sync, `execute` and MCP use.
fn sample(stream: &str) -> Value {
    let gong = gong_sample(stream).to_string();
    serde_json::from_str(&quote_ids(&gong)).unwrap()
}

/// A realistic record of each stream as Gong sends it, shaped like Gong's documented examples.
fn gong_sample(stream: &str) -> Value {
    let call_meta = json!({
        "id": "7782342274025937895",
        "url": "https://app.gong.io/call?id=7782342274025937895",
        "title": "Acme / Initech: pricing review",
        "scheduled": "2024-06-03T15:00:00Z",
        "started": "2024-06-03T15:01:12.531-07:00",
        "duration": 1834,
        "primaryUserId": "234599484848423",
        "direction": "Conference",
        "system": "Zoom",
        "scope": "External",
        "media": "Video",
        "language": "eng",
        "workspaceId": "623457276584334",
        "sdrDisposition": null,
        "clientUniqueId": null,
        "customData": null,
        "purpose": "Pricing",
        "meetingUrl": "https://acme.zoom.us/j/98765432100",
        "isPrivate": false,
        "calendarEventId": "7e3bd0ac-7b2f-4a1d-8c54-2f5f0b6a1c09"
    });
    match stream {
        "users" => json!({
            "id": "234599484848423",
            "emailAddress": "ada@acme.example",
            "created": "2021-02-18T02:30:00-07:00",
            "active": true,
            "emailAliases": ["ada.lovelace@acme.example"],
            "trustedEmailAddress": "ada@acme.example",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "title": "Account Executive",
            "phoneNumber": "+1 555 0100",
            "extension": null,
            "personalMeetingUrls": ["https://acme.zoom.us/j/1234567890"],
            "settings": {
                "webConferencesRecorded": true,
                "preventWebConferenceRecording": false,
                "telephonyCallsImported": false,
                "emailsImported": true,
                "preventEmailImport": false,
                "nonRecordedMeetingsImported": true,
                "gongConnectEnabled": true
            },
            "managerId": "563515258458745",
            "meetingConsentPageUrl": "https://join.gong.io/acme/ada.lovelace?tkn=MoNpS9tMNt8",
            "spokenLanguages": [{"language": "en-US", "primary": true}]
        }),
        "calls" => call_meta,
        "calls_extensive" => json!({
            "id": "7782342274025937895",
            "started": "2024-06-03T15:01:12.531-07:00",
            "metaData": call_meta,
            "context": [{
                "system": "Salesforce",
                "objects": [{
                    "objectType": "Opportunity",
                    "objectId": "0013601230sV7grAAC",
                    "fields": [{"name": "Amount", "value": 12000}, {"name": "StageName", "value": "Negotiation"}],
                    "timing": "TimeOfCall"
                }]
            }],
            "parties": [{
                "id": "56825452554556",
                "emailAddress": "ada@acme.example",
                "name": "Ada Lovelace",
                "title": "Account Executive",
                "userId": "234599484848423",
                "speakerId": "6432345678555530067",
                "context": [{
                    "system": "Salesforce",
                    "objects": [{
                        "objectType": "Contact",
                        "objectId": "0031Q00002XyzAbCDE",
                        "fields": [{"name": "Title", "value": "VP Sales"}],
                        "timing": "Now"
                    }]
                }],
                "affiliation": "Internal",
                "phoneNumber": null,
                "methods": ["Invitee", "Attendee"]
            }],
            "content": {
                "structure": [{"name": "Pricing", "duration": 412}],
                "trackers": [{
                    "id": "56825452554556",
                    "name": "Competitors",
                    "count": 2,
                    "type": "KEYWORD",
                    "occurrences": [{"startTime": 32.56, "speakerId": "6432345678555530067"}],
                    "phrases": [{
                        "count": 1,
                        "occurrences": [{"startTime": 32.56, "speakerId": "6432345678555530067"}],
                        "phrase": "Globex"
                    }]
                }],
                "topics": [{"name": "Pricing", "duration": 412}],
                "pointsOfInterest": {"actionItems": [{
                    "snippetStartTime": 1201.5,
                    "snippetEndTime": 1210.0,
                    "speakerID": "6432345678555530067",
                    "snippet": "I'll send the revised quote tomorrow."
                }]},
                "brief": "Initech wants a multi-year discount.",
                "outline": [{
                    "section": "Pricing",
                    "startTime": 120.0,
                    "duration": 412.0,
                    "items": [{"text": "Multi-year discount", "startTime": 130.5}]
                }],
                "highlights": [{"title": "Next steps", "items": [{"text": "Send quote", "startTimes": [1201.5]}]}],
                "callOutcome": {"id": "4", "category": "Positive", "name": "Next meeting scheduled"},
                "keyPoints": [{"text": "Budget approved for Q3"}]
            },
            "interaction": {
                "speakers": [{"id": "56825452554556", "userId": "234599484848423", "talkTime": 845.2}],
                "interactionStats": [{"name": "Talk Ratio", "value": 0.46}, {"name": "Patience", "value": 1}],
                "video": [{"name": "Presentation", "duration": 300.5}],
                "questions": {"companyCount": 7, "nonCompanyCount": 4}
            },
            "collaboration": {"publicComments": [{
                "id": "6843152929075440037",
                "audioStartTime": 26.0,
                "audioEndTime": 36.0,
                "commenterUserId": "563515258458745",
                "comment": "Great question @[Ada Lovelace](234599484848423)",
                "posted": "2024-06-03T18:20:05Z",
                "inReplyTo": null,
                "duringCall": false
            }]},
            "media": {
                "audioUrl": "https://gong-media.s3.amazonaws.com/audio/7782342274025937895.mp3?X-Amz-Expires=28800",
                "videoUrl": "https://gong-media.s3.amazonaws.com/video/7782342274025937895.mp4?X-Amz-Expires=28800"
            }
        }),
        "workspaces" => json!({
            "id": "623457276584334",
            "name": "North America Sales",
            "description": "All sales teams in the US and Canada"
        }),
        "call_transcripts" => json!({
            "callId": "7782342274025937895",
            "callStarted": "2024-06-03T15:01:12.531-07:00",
            "transcript": [{
                "speakerId": "6432345678555530067",
                "topic": "Pricing",
                "sentences": [{"start": 460230, "end": 462343, "text": "Let's talk about the multi-year option."}]
            }]
        }),
        "stats_activity_aggregate" => json!({
            "userId": "234599484848423",
            "userEmailAddress": "ada@acme.example",
            "fromDate": "2024-06-03",
            "toDate": "2024-06-04",
            "userAggregateActivityStats": {
                "callsAsHost": 4, "callsGaveFeedback": 1, "callsRequestedFeedback": 0,
                "callsReceivedFeedback": 2, "ownCallsListenedTo": 3, "othersCallsListenedTo": 5,
                "callsSharedInternally": 1, "callsSharedExternally": 0, "callsScorecardsFilled": 2,
                "callsScorecardsReceived": 1, "callsAttended": 6, "callsCommentsGiven": 2,
                "callsCommentsReceived": 1, "callsMarkedAsFeedbackGiven": 0, "callsMarkedAsFeedbackReceived": 1
            }
        }),
        "stats_activity_day_by_day" => json!({
            "userId": "234599484848423",
            "userEmailAddress": "ada@acme.example",
            "fromDate": "2024-06-03",
            "toDate": "2024-06-04",
            "userDailyActivityStats": [{
                "callsAsHost": ["7782342274025937895"],
                "callsGaveFeedback": [],
                "callsRequestedFeedback": [],
                "callsReceivedFeedback": ["7782342274025937895"],
                "ownCallsListenedTo": [],
                "othersCallsListenedTo": ["2873468263486238649"],
                "callsSharedInternally": [],
                "callsSharedExternally": [],
                "callsAttended": ["2873468263486238649"],
                "callsCommentsGiven": [],
                "callsCommentsReceived": ["7782342274025937895"],
                "callsMarkedAsFeedbackGiven": [],
                "callsMarkedAsFeedbackReceived": [],
                "callsScorecardsFilled": [],
                "callsScorecardsReceived": ["7782342274025937895"],
                "fromDate": "2024-06-03T00:00:00-07:00",
                "toDate": "2024-06-04T00:00:00-07:00"
            }]
        }),
        "stats_interaction" => json!({
            "userId": "234599484848423",
            "userEmailAddress": "ada@acme.example",
            "fromDate": "2024-06-03",
            "toDate": "2024-06-04",
            "personInteractionStats": [
                {"name": "Longest Monologue", "value": 124},
                {"name": "Talk Ratio", "value": 0.46}
            ]
        }),
        "settings_scorecards" => json!({
            "scorecardId": 6203010829876932000_u64,
            "scorecardName": "Discovery call",
            "workspaceId": 623457276584334_u64,
            "enabled": true,
            "updaterUserId": 234599484848423_u64,
            "created": "2023-01-17T16:20:05-03:00",
            "updated": "2024-02-16T03:57:04.834+05:30",
            "reviewMethod": "MANUAL",
            "questions": [{
                "questionId": 1000001,
                "questionRevisionId": 1000002,
                "questionText": "Did the rep confirm the budget?",
                "isOverall": false,
                "questionType": "SINGLE_CHOICE",
                "answerGuide": "Yes only if an amount was named",
                "minRange": null,
                "maxRange": null,
                "answerOptions": [{"id": 1, "text": "Yes"}, {"id": 2, "text": "No"}],
                "isRequired": true,
                "updaterUserId": "234599484848423",
                "created": "2023-01-17T16:20:05-03:00",
                "updated": "2024-02-16T03:57:04.834+05:30"
            }]
        }),
        "settings_trackers" => json!({
            "trackerId": "7395874390871304566",
            "trackerName": "Competitors",
            "workspaceId": "623457276584334",
            "languageKeywords": [{"language": "eng", "keywords": ["Globex", "Initrode"], "includeRelatedForms": false}],
            "affiliation": "NonCompany",
            "partOfQuestion": false,
            "saidAt": "Anytime",
            "saidAtInterval": null,
            "saidAtUnit": null,
            "saidInTopics": ["Pricing"],
            "saidInCallParts": [],
            "filterQuery": "{\"type\":\"And\",\"filters\":[{\"type\":\"CallDirection\",\"terms\":[\"OUTBOUND\"]}]}",
            "created": "2022-11-20T21:30:07.233692Z",
            "creatorUserId": null,
            "updated": "2024-01-17T16:20:05-03:00",
            "updaterUserId": "234599484848423"
        }),
        "library_folders" => json!({
            "id": "3843152912968920037",
            "name": "Best discovery calls",
            "parentFolderId": null,
            "createdBy": "234599484848423",
            "updated": "2020-03-14T05:30:00-08:00",
            "workspaceId": "623457276584334"
        }),
        "library_folder_content" => json!({
            "folderId": "3843152912968920037",
            "folderName": "Best discovery calls",
            "id": "7782342274025937895",
            "title": "Acme / Initech: pricing review",
            "note": "Great objection handling at 12:00",
            "addedBy": "563515258458745",
            "created": "2020-01-12T14:30:00-08:00",
            "url": "https://app.gong.io/call?id=7782342274025937895",
            "snippet": {"fromSec": 305, "toSec": 900}
        }),
        "coaching" => json!({
            "workspaceId": "623457276584334",
            "managerId": "563515258458745",
            "from": "2024-05-01T00:00:00Z",
            "to": "2024-06-01T00:00:00Z",
            "manager": {
                "id": "563515258458745",
                "emailAddress": "grace@acme.example",
                "firstName": "Grace",
                "lastName": "Hopper",
                "title": "Sales Manager"
            },
            "directReportsMetrics": [{
                "report": {
                    "id": "234599484848423",
                    "emailAddress": "ada@acme.example",
                    "firstName": "Ada",
                    "lastName": "Lovelace",
                    "title": "Account Executive"
                },
                "metrics": {
                    "callsListened": ["7782342274025937895"],
                    "callsWithFeedback": ["7782342274025937895", "2873468263486238649"]
                }
            }]
        }),
        "stats_activity_scorecards" => json!({
            "answeredScorecardId": 8238162939427262040_u64,
            "scorecardId": 6203010829876932000_u64,
            "scorecardName": "Discovery call",
            "callId": "7782342274025937895",
            "callStartTime": "2024-06-03T15:01:12.531-07:00",
            "reviewedUserId": 234599484848423_u64,
            "reviewerUserId": 563515258458745_u64,
            "reviewTime": "2024-06-04T09:12:44Z",
            "visibilityType": "PUBLIC",
            "reviewMethod": "MANUAL",
            "editorUserId": null,
            "answeredDateTime": "2024-06-04T09:10:02Z",
            "visibility": "PUBLIC",
            "overallScore": 3.5,
            "answers": [{
                "questionId": 1000001,
                "questionRevisionId": 1000002,
                "isOverall": false,
                "score": 4,
                "answerText": "Yes",
                "answer": "Yes",
                "notApplicable": false,
                "selectedOptions": ["1"]
            }]
        }),
        "call_media" => json!({
            "callId": "7782342274025937895",
            "kind": "audio",
            "url": "https://gong-media.s3.amazonaws.com/audio/7782342274025937895.mp3?X-Amz-Expires=28800",
            "started": "2024-06-03T15:01:12.531-07:00",
            "workspaceId": "623457276584334",
            "primaryUserId": "234599484848423",
            "contentType": "audio/mpeg",
            "sizeBytes": 14680064,
            "urlExpiresAt": "2024-06-05T17:00:00Z"
        }),
        "logs" => json!({
            "logType": "UserCallPlay",
            "entryId": "9f86d081884c7d65",
            "userId": "234599484848423",
            "userEmailAddress": "jane@example.com",
            "userFullName": "Jane Doe",
            "impersonatorUserId": null,
            "eventTime": "2024-06-04T09:12:44Z",
            "logRecord": {"callId": "7782342274025937895", "playedSeconds": 312}
        }),
        "user_settings_history" => json!({
            "userId": "234599484848423",
            "setting": "webConferencesRecorded",
            "value": true,
            "time": "2023-11-02T10:00:00Z"
        }),
        "call_users_access" => json!({
            "callStarted": "2024-06-03T15:01:12.531-07:00",
            "callId": "7782342274025937895",
            "users": [{"userId": "234599484848423"}]
        }),
        "calls_manual_crm_associations" => json!({
            "callId": "7782342274025937895",
            "userId": "234599484848423",
            "created": "2024-06-04T11:00:00Z",
            "associatedCrmObjects": [{"accountCrmId": "0013000001ABCDE", "dealCrmId": null}]
        }),
        "permission_profiles" => json!({
            "workspaceId": "623457276584334",
            "id": "5218806251837440781",
            "name": "Manager",
            "description": "Managers of the sales team",
            "callsAccess": {"permissionLevel": "managers-team", "teamLeadIds": ["234599484848423"]},
            "libraryFolderAccess": {"permissionLevel": "specific-folders", "libraryFolderIds": ["3843152912968920037"],
                "managePublicFolder": false, "manageStreams": true, "manageFolderCalls": true, "shareFoldersAndStreams": true},
            "dealsAccess": {"permissionLevel": "report-to-them", "teamLeadIds": []},
            "forecastPermissions": {"forecastAccess": {"permissionLevel": "all", "teamLeadIds": []},
                "forecastEditSubmissions": {"permissionLevel": "own", "teamLeadIds": []},
                "forecastEditTargets": {"permissionLevel": "none", "teamLeadIds": []}},
            "coachingAccess": {"permissionLevel": "report-to-them", "teamLeadIds": []},
            "insightsAccess": {"permissionLevel": "all", "teamLeadIds": []},
            "usageAccess": {"permissionLevel": "managers-team", "teamLeadIds": ["234599484848423"]},
            "emailsAccess": {"permissionLevel": "own", "teamLeadIds": []},
            "scoreCalls": true, "downloadCallMedia": false, "exportCallsAndCoachingDataToCSV": true,
            "manageRevenueAnalytics": false
        }),
        "permission_profile_users" => json!({
            "profileId": "5218806251837440781",
            "id": "234599484848423",
            "fullName": "Dana Whitfield",
            "emailAddress": "dana@example.com"
        }),
        "flows" => json!({
            "id": "8723445656134533",
            "name": "Inbound lead follow-up",
            "folderId": "1234567890123456",
            "folderName": "Company flows",
            "visibility": "Company",
            "creationDate": "2024-02-18T08:00:00Z",
            "exclusive": false
        }),
        "crm_integrations" => json!({
            "integrationId": 6286478263646_u64,
            "ownerEmail": "admin@example.com",
            "name": "Generic CRM"
        }),
        "crm_entity_schema" => json!({
            "integrationId": 6286478263646_u64,
            "objectType": "DEAL",
            "uniqueName": "stage",
            "label": "Stage",
            "type": "PICKLIST",
            "lastModified": "2020-12-17T13:45:01Z",
            "isDeleted": false,
            "referenceTo": null,
            "orderedValueList": ["Discovery", "Closed Won"]
        }),
        other => panic!("no sample for {other}"),
    }
}
