//! What the entity/action interface offers, described for machines: the MCP tools (name, description,
//! input JSON Schema) and the `execute --describe` document (entities, actions, parameters, record
//! schemas).
//!
//! Everything here is generated from the API's own tables ([`ENTITIES`], [`Entity::actions`],
//! [`params_of`]) and the record models (`models::stream_schema`), so a parameter the API accepts is a
//! parameter the schema lists, with the same type and the same "required". Only the prose (what an
//! entity returns, what a parameter means: the seed's descriptions) is written here.

use serde_json::{json, Map, Value};

use crate::api::{params_of, Action, Entity, Param, ParamType, ENTITIES};
use crate::streams::{Lift, Plan, StreamDef};

/// The argument of every MCP list tool that is ours, not the seed's.
pub const CONTINUATION: &str = "continuation_token";
/// The argument of the MCP download tools naming the file inside the download directory.
pub const PATH: &str = "path";

/// The MCP tool name of an entity's action: `users_list`, `call_audio_download`.
pub fn tool_name(entity: Entity, action: Action) -> String {
    format!("{}_{}", entity.name(), action.name())
}

/// The entity and action a tool name stands for.
pub fn parse_tool_name(name: &str) -> Option<(Entity, Action)> {
    ENTITIES.iter().find_map(|&entity| {
        entity
            .actions()
            .iter()
            .find(|&&action| tool_name(entity, action) == name)
            .map(|&action| (entity, action))
    })
}

/// What an entity's records are (the seed's one-line summaries).
pub fn summary(entity: Entity) -> &'static str {
    match entity {
        Entity::Users => "Users of the Gong account",
        Entity::Calls => "Calls (basic data: title, times, duration, parties' ids) in a date range",
        Entity::CallsExtensive => "Detailed call data: participants, interaction stats, content (topics, trackers, brief, outline, highlights), media URLs",
        Entity::CallAudio => "The audio recording of a call",
        Entity::CallVideo => "The video recording of a call",
        Entity::Workspaces => "The company's workspaces",
        Entity::CallTranscripts => "Transcripts of calls (speaker turns with sentences and their times), by date range or call ids",
        Entity::StatsActivityAggregate => "Aggregated activity metrics per user over a date range",
        Entity::StatsActivityDayByDay => "Daily activity metrics per user over a date range (without filter.fromDate: the 7 closed days before filter.toDate, by default the last 7 closed days)",
        Entity::StatsInteraction => "Interaction statistics per user (talk ratio, patience, …) from calls with Whisper on",
        Entity::SettingsScorecards => "Scorecard configurations (questions) of the company",
        Entity::SettingsTrackers => "Keyword tracker configurations of the company",
        Entity::LibraryFolders => "The call library's folder structure of a workspace",
        Entity::LibraryFolderContent => "The calls in a call library folder",
        Entity::Coaching => "Coaching metrics of a manager and their direct reports over a period",
        Entity::StatsActivityScorecards => "Answered scorecards (reviews of calls) for a date range (filter.fromDateTime/toDateTime are exact instants of the call's start)",
        Entity::Logs => "Audit log entries of one type (access, user activity, call plays, external sharing) from a date-time on",
        Entity::UserSettingsHistory => "The history of one user's settings: which setting changed, to what, when",
        Entity::CallUsersAccess => "Users given individual access to calls, for the calls named by id",
        Entity::CallsManualCrmAssociations => "Calls manually associated with CRM objects, newest associations last (beta in Gong's API)",
        Entity::PermissionProfiles => "Permission profiles of one workspace (what their users may see and do)",
        Entity::PermissionProfileUsers => "The users one permission profile applies to",
        Entity::Flows => "The Engage flows one user sees: company, personal and shared flows",
        Entity::CrmIntegrations => "The company's generic CRM integrations",
        Entity::CrmEntitySchema => "The fields uploaded for one object type of one generic CRM integration",
    }
}

/// The seed's description of a parameter (by entity where the seed words it differently).
pub fn param_description(entity: Entity, name: &str) -> &'static str {
    match (entity, name) {
        (Entity::Users, "id") => "User ID",
        (Entity::UserSettingsHistory, "id") => "User ID (from users_list) whose settings history to list",
        (Entity::PermissionProfiles, "workspaceId") => {
            "Workspace ID (from workspaces_list) whose permission profiles to list"
        }
        (Entity::Flows, "workspaceId") => "Only flows of this workspace ID",
        (Entity::PermissionProfiles, "profileId") => {
            "Permission profile ID (from permission_profiles_list)"
        }
        (_, "profileId") => "Permission profile ID (from permission_profiles_list) whose users to list",
        (_, "logType") => "Type of log entries (Gong's logType)",
        (_, "flowOwnerEmail") => "Email address of the user (from users_list) whose flows to list",
        (_, "integrationId") => "CRM integration ID (from crm_integrations_list)",
        (_, "objectType") => "CRM object type whose fields to list",
        (Entity::CallUsersAccess, "filter.callIds") => {
            "Call IDs whose individually granted user access to list"
        }
        (Entity::CallsManualCrmAssociations, "fromDateTime") => {
            "Only associations made from this date-time (ISO 8601); default: all"
        }
        (Entity::Logs, "toDateTime") => {
            "End date-time in ISO 8601 format; default: up to the latest log entry"
        }
        (_, "id") => "Call ID",
        (_, "cursor") => {
            "Gong's pagination cursor from a previous page (execute's `meta.pagination.cursor`)"
        }
        (Entity::CallAudio | Entity::CallVideo, "filter.callIds") => {
            "List containing the single call ID"
        }
        (Entity::CallTranscripts, "filter.callIds") => {
            "List of specific call IDs to retrieve transcripts for"
        }
        (Entity::StatsActivityScorecards, "filter.callIds") => {
            "List of call IDs to filter by (applied to each page Gong returns)"
        }
        (_, "filter.callIds") => "List of specific call IDs to retrieve",
        (_, "filter.fromDateTime") | (_, "fromDateTime") | (_, "from") => {
            "Start date-time in ISO 8601 format"
        }
        (_, "filter.toDateTime") | (_, "toDateTime") | (_, "to") => {
            "End date-time in ISO 8601 format"
        }
        (Entity::StatsActivityDayByDay, "filter.fromDate") => {
            "Start date (YYYY-MM-DD); default: 7 days before filter.toDate"
        }
        (_, "filter.fromDate") => "Start date (YYYY-MM-DD)",
        (_, "filter.toDate") => {
            "End date (YYYY-MM-DD, exclusive, at most the company's today); default: yesterday in UTC"
        }
        (_, "filter.callFromDate") => {
            "Gong's name: calls from this date (YYYY-MM-DD; not with filter.fromDateTime)"
        }
        (_, "filter.callToDate") => {
            "Gong's name: calls up to this date (YYYY-MM-DD; not with filter.toDateTime)"
        }
        (_, "filter.reviewFromDate") => "Reviews from this date (YYYY-MM-DD)",
        (_, "filter.reviewToDate") => "Reviews up to this date (YYYY-MM-DD)",
        (_, "filter.userIds") => "List of user IDs to retrieve stats for",
        (_, "filter.primaryUserIds") => "Only calls hosted by these user IDs",
        (_, "filter.scorecardIds") => "List of scorecard IDs to filter by",
        (_, "filter.reviewedUserIds") => "List of reviewed user IDs to filter by",
        (_, "filter.reviewerUserIds") => {
            "List of reviewer user IDs to filter by (applied to each page Gong returns)"
        }
        (_, "filter.workspaceId") => "Filter by workspace ID",
        (Entity::SettingsScorecards, "workspaceId") => "Filter scorecards by workspace ID",
        (Entity::SettingsTrackers, "workspaceId") => "Filter trackers by workspace ID",
        (Entity::LibraryFolders, "workspaceId") => "Workspace ID to retrieve folders from",
        (_, "workspaceId") => "Only calls of this workspace ID",
        (_, "folderId") => "Folder ID to retrieve content from",
        (_, "workspace-id") => "Workspace ID",
        (_, "manager-id") => "Manager user ID",
        (_, "filter") => "Filters",
        (Entity::CallAudio | Entity::CallVideo, "contentSelector.exposedFields.media") => {
            "Must be true (or left out) to get media URLs"
        }
        (_, "contentSelector") => "Select which content to include in the response",
        (_, "contentSelector.exposedFields") => "Specify which fields to include in the response",
        (_, "contentSelector.context") => "Context level for the data (CRM context)",
        (_, "contentSelector.contextTiming") => {
            "When the context is taken: now, or as it was at the time of the call"
        }
        (_, "range_header") => "Optional Range header for partial downloads (e.g. 'bytes=0-99')",
        (_, other) => exposed_field_description(other),
    }
}

fn exposed_field_description(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or(name) {
        "publicComments" => "Include public comments",
        "pointsOfInterest" => "Include points of interest (deprecated, use highlights)",
        "structure" => "Include call structure",
        "topics" => "Include topics discussed",
        "trackers" => "Include trackers",
        "trackerOccurrences" => "Include tracker occurrences",
        "brief" => "Include call brief",
        "outline" => "Include call outline",
        "highlights" => "Include call highlights",
        "callOutcome" => "Include call outcome",
        "keyPoints" => "Include key points",
        "personInteractionStats" => "Include person interaction statistics",
        "questions" => "Include questions asked",
        "speakers" => "Include speaker information",
        "video" => "Include video interaction data",
        "media" => "Include media URLs (audio/video)",
        "parties" => "Include participant information",
        _ => "",
    }
}

/// The JSON Schema of one parameter type (objects get their properties from the child parameters).
fn type_schema(ty: ParamType) -> Value {
    match ty {
        ParamType::String => json!({"type": "string", "minLength": 1}),
        ParamType::DateTime => json!({"type": "string", "format": "date-time"}),
        ParamType::Date => json!({"type": "string", "format": "date"}),
        ParamType::StringList => {
            json!({"type": "array", "items": {"type": "string", "minLength": 1}})
        }
        ParamType::Boolean => json!({"type": "boolean"}),
        ParamType::Object => {
            json!({"type": "object", "properties": {}, "additionalProperties": false})
        }
        ParamType::OneOf(values) => json!({"type": "string", "enum": values}),
        ParamType::ListOf(values) => {
            json!({"type": "array", "items": {"type": "string", "enum": values}})
        }
    }
}

/// The name of a parameter's type, for `--describe`.
fn type_name(ty: ParamType) -> &'static str {
    match ty {
        ParamType::String => "string",
        ParamType::DateTime => "date-time",
        ParamType::Date => "date",
        ParamType::StringList => "array<string>",
        ParamType::Boolean => "boolean",
        ParamType::Object => "object",
        ParamType::OneOf(_) => "enum",
        ParamType::ListOf(_) => "array<enum>",
    }
}

/// The input JSON Schema of an entity's action: the parameters of [`params_of`] as nested objects. A
/// required parameter makes its parents required too (as `validate` looks it up through them).
pub fn params_schema(entity: Entity, action: Action) -> Map<String, Value> {
    let mut root = json!({"type": "object", "properties": {}, "additionalProperties": false});
    for param in params_of(entity, action) {
        insert_param(&mut root, entity, param);
    }
    match root {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn insert_param(root: &mut Value, entity: Entity, param: &Param) {
    let parts: Vec<&str> = param.name.split('.').collect();
    let mut node = root;
    for (depth, part) in parts.iter().enumerate() {
        let last = depth + 1 == parts.len();
        if param.required {
            require(node, part);
        }
        let properties = &mut node["properties"];
        if properties.get(*part).is_none() {
            // A child named before its parent (not in our tables) still gets an object to live in.
            properties[*part] = type_schema(ParamType::Object);
        }
        if last {
            let mut schema = type_schema(param.ty);
            if param.ty == ParamType::Object {
                if let Some(children) = properties[*part].get("properties").cloned() {
                    schema["properties"] = children;
                }
            }
            let description = param_description(entity, param.name);
            if !description.is_empty() {
                schema["description"] = json!(description);
            }
            properties[*part] = schema;
            return;
        }
        node = &mut properties[*part];
    }
}

fn require(node: &mut Value, name: &str) {
    let required = node
        .as_object_mut()
        .map(|o| o.entry("required").or_insert_with(|| json!([])));
    if let Some(Value::Array(list)) = required {
        if !list.iter().any(|v| v == name) {
            list.push(json!(name));
        }
    }
}

/// The stream whose record schema describes an entity's records (downloads have none).
fn record_stream(entity: Entity) -> Option<&'static str> {
    match entity {
        Entity::CallAudio | Entity::CallVideo => None,
        other => Some(other.name()),
    }
}

/// Fields a sync adds to a stream's records (from its plan and lift), which Gong's records, and so
/// `execute`'s and the tools', lack.
fn added_by_sync(def: &StreamDef) -> Vec<&'static str> {
    let mut fields = match def.plan {
        Plan::PerWorkspace => vec!["workspaceId"],
        Plan::PerFolder { .. } => vec!["folderId", "folderName"],
        Plan::TypedWindows { param, .. } => vec![param],
        Plan::PerUser => vec!["userId"],
        Plan::PerParent { field, cross, .. } => field
            .into_iter()
            .chain(cross.map(|(name, _)| name))
            .collect(),
        _ => Vec::new(),
    };
    match def.lift {
        Lift::EntryHash => fields.push("entryId"),
        Lift::CallStarted => fields.push("callStarted"),
        _ => {}
    }
    fields
}

/// The JSON Schema of an entity's records: its stream's, less the fields only a sync adds (for issue
/// 17's entities; the seed's keep their stream's schema as it always was).
fn record_schema(entity: Entity) -> Value {
    let Some(stream) = record_stream(entity) else {
        return download_schema();
    };
    let mut schema = crate::models::stream_schema(stream).unwrap_or(Value::Null);
    let added = match crate::streams::find(stream) {
        Some(def) if !entity.is_seeds() => added_by_sync(def),
        _ => Vec::new(),
    };
    for field in added {
        if let Some(props) = schema["properties"].as_object_mut() {
            props.remove(field);
        }
        if let Some(required) = schema["required"].as_array_mut() {
            required.retain(|r| r != field);
        }
    }
    schema
}

/// What a download returns (the same fields as `execute`'s download summary).
fn download_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "callId": {"type": "string"},
            "kind": {"type": "string", "enum": ["audio", "video"]},
            "path": {"type": "string", "description": "Where the file was written"},
            "bytesWritten": {"type": "integer"},
            "fileSize": {"type": "integer"},
            "firstByte": {"type": "integer"},
            "totalSize": {"type": ["integer", "null"]},
            "contentType": {"type": ["string", "null"]},
            "renewedUrls": {"type": "integer"}
        }
    })
}

/// One entity for `execute --describe ENTITY`: actions with their parameters, and the record schema.
pub fn describe_entity(entity: Entity) -> Value {
    let actions: Vec<Value> = entity
        .actions()
        .iter()
        .map(|&action| {
            let parameters: Vec<Value> = params_of(entity, action)
                .iter()
                .map(|p| {
                    let mut v = json!({
                        "name": p.name,
                        "type": type_name(p.ty),
                        "required": p.required,
                        "description": param_description(entity, p.name),
                    });
                    if let ParamType::OneOf(values) | ParamType::ListOf(values) = p.ty {
                        v["values"] = json!(values);
                    }
                    v
                })
                .collect();
            json!({
                "name": action.name(),
                "description": action_summary(entity, action),
                "parameters": parameters,
                "input_schema": params_schema(entity, action),
            })
        })
        .collect();
    let schema = record_schema(entity);
    json!({
        "name": entity.name(),
        "description": summary(entity),
        "actions": actions,
        "record_schema": schema,
    })
}

/// Every entity, as `execute --describe` prints them.
pub fn describe_all() -> Value {
    let entities: Vec<Value> = ENTITIES.iter().map(|&e| describe_entity(e)).collect();
    json!({ "entities": entities })
}

/// One line on what an action does.
pub fn action_summary(entity: Entity, action: Action) -> String {
    match action {
        Action::List => format!("{}: one page of records.", summary(entity)),
        Action::Get => format!("{}: one record by id.", summary(entity)),
        Action::Download => format!("{}: streamed to a file.", summary(entity)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_tool_name_that_parses_back() {
        for &entity in ENTITIES {
            for &action in entity.actions() {
                let name = tool_name(entity, action);
                assert_eq!(parse_tool_name(&name), Some((entity, action)), "{name}");
            }
        }
        assert_eq!(parse_tool_name("users_download"), None);
        assert_eq!(parse_tool_name("nope"), None);
    }

    #[test]
    fn schema_nests_dotted_parameters_and_requires_parents() {
        let s = Value::Object(params_schema(Entity::CallAudio, Action::Download));
        assert_eq!(s["required"], json!(["filter"]));
        assert_eq!(s["properties"]["filter"]["required"], json!(["callIds"]));
        assert_eq!(
            s["properties"]["filter"]["properties"]["callIds"]["type"],
            "array"
        );
        assert_eq!(
            s["properties"]["range_header"],
            json!({"type": "string", "minLength": 1, "description": param_description(Entity::CallAudio, "range_header")})
        );
        let e = Value::Object(params_schema(Entity::CallsExtensive, Action::List));
        let context = &e["properties"]["contentSelector"]["properties"]["context"];
        assert_eq!(context["enum"], json!(["None", "Basic", "Extended"]));
        let media = &e["properties"]["contentSelector"]["properties"]["exposedFields"]
            ["properties"]["media"];
        assert_eq!(media["type"], "boolean");
        assert!(e.get("required").is_none());
    }

    #[test]
    fn every_parameter_is_in_the_schema_with_a_description() {
        for &entity in ENTITIES {
            for &action in entity.actions() {
                let schema = Value::Object(params_schema(entity, action));
                for p in params_of(entity, action) {
                    let mut node = &schema;
                    for part in p.name.split('.') {
                        node = &node["properties"][part];
                    }
                    assert!(node.is_object(), "{} {}", entity.name(), p.name);
                    if p.ty != ParamType::Object {
                        assert!(
                            !param_description(entity, p.name).is_empty(),
                            "{} {} has no description",
                            entity.name(),
                            p.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn describe_gives_record_schemas() {
        let all = describe_all();
        let entities = all["entities"].as_array().unwrap();
        assert_eq!(entities.len(), ENTITIES.len());
        let users = describe_entity(Entity::Users);
        assert_eq!(users["actions"][1]["name"], "get");
        assert_eq!(users["actions"][1]["parameters"][0]["required"], true);
        assert!(users["record_schema"]["properties"]["id"].is_object());
        // Issue 17's records are Gong's: the fields a sync adds are not in their schema.
        let logs = describe_entity(Entity::Logs);
        assert!(logs["record_schema"]["properties"]["eventTime"].is_object());
        assert!(logs["record_schema"]["properties"]["entryId"].is_null());
        assert!(logs["record_schema"]
            .get("required")
            .is_none_or(|r| r == &json!([])));
        let fields = describe_entity(Entity::CrmEntitySchema);
        assert_eq!(fields["record_schema"]["required"], json!(["uniqueName"]));
        let folder = describe_entity(Entity::LibraryFolderContent);
        assert!(folder["record_schema"]["properties"]["folderId"].is_object());
        let audio = describe_entity(Entity::CallAudio);
        assert!(audio["record_schema"]["properties"]["bytesWritten"].is_object());
    }
}
