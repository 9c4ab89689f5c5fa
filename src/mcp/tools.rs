//! The MCP tools: one per entity and action, with a description an agent can act on (what comes back,
//! what it costs in Gong requests, how paging works) and the input schema of [`catalog::params_schema`]
//! plus the server's own arguments (`continuation_token` for lists; `path` and `resume` for downloads).

use std::sync::Arc;

use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{json, Map, Value};

use crate::api::{catalog, entities, Action, Entity};

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
    entities().iter().find_map(|&entity| {
        entity
            .actions()
            .iter()
            .find(|&&action| tool_name(entity, action) == name)
            .map(|&action| (entity, action))
    })
}

/// What the server tells a client about itself at `initialize`.
pub const INSTRUCTIONS: &str = "Read-only access to a Gong account (API v2): users, calls, transcripts, \
stats, scorecards, trackers, the call library, coaching, call recordings, audit logs, settings history, \
call access, permission profiles, Engage flows and CRM integrations. Each tool is one entity's \
list, get or download. Each call costs Gong API requests (Gong allows about 3 per second and 10,000 per \
day per company): prefer filters (dates, ids) to reading everything. Lists return whole records up to a \
size limit; follow meta.continuation_token for more. Errors are tool errors with \
{\"error\": {\"kind\", \"message\"}}: config_error = fix the arguments; not_found = no such record; \
transient_error = retry later; system_error = unexpected.";

/// Every tool, in the seed's entity order.
pub fn all(max_chars: usize, downloads_on: bool) -> Vec<Tool> {
    entities()
        .iter()
        .flat_map(|&entity| {
            entity
                .actions()
                .iter()
                .map(move |&action| tool(entity, action, max_chars, downloads_on))
        })
        .collect()
}

fn tool(entity: Entity, action: Action, max_chars: usize, downloads_on: bool) -> Tool {
    let mut schema = catalog::params_schema(entity, action);
    let properties = schema
        .entry("properties")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut properties: Map<String, Value> = properties;
    match action {
        Action::List => {
            properties.insert(
                CONTINUATION.into(),
                json!({
                    "type": "string",
                    "description": "From a previous answer's meta.continuation_token: the next records. Pass it alone (it carries the first call's parameters)."
                }),
            );
        }
        Action::Download => {
            properties.insert(
                PATH.into(),
                json!({
                    "type": "string",
                    "description": "File to write, relative to the server's download directory (no `..`). Default: CALLID-audio.mp3 / CALLID-video.mp4."
                }),
            );
            properties.insert(
                "resume".into(),
                json!({
                    "type": "boolean",
                    "description": "Continue the PATH.part file a failed download left, from its length."
                }),
            );
        }
        Action::Get => {}
    }
    schema.insert("properties".into(), Value::Object(properties));
    let mut tool = Tool::new(
        tool_name(entity, action),
        description(entity, action, max_chars, downloads_on),
        Arc::new(schema),
    );
    let mut hints = ToolAnnotations::with_title(format!(
        "{} {}",
        entity.name().replace('_', " "),
        action.name()
    ));
    hints.read_only_hint = Some(action != Action::Download);
    hints.destructive_hint = Some(false);
    hints.open_world_hint = Some(true);
    tool.annotations = Some(hints);
    tool
}

/// The description: what the tool returns, what it costs, how to page, and the entity's quirks.
fn description(entity: Entity, action: Action, max_chars: usize, downloads_on: bool) -> String {
    let summary = catalog::summary(entity);
    let name = entity.name();
    let body = match action {
        Action::List => format!(
            "{summary}. Returns {{\"data\": [records], \"meta\": {{\"pagination\": {{\"totalRecords\", …}}, \
\"continuation_token\"?, \"note\"?}}}}: whole records as Gong sends them, at most {max_chars} characters \
of JSON per answer (a single larger record comes alone, with a note). When meta.continuation_token is \
present, more records remain: call {name}_list again with only {{\"continuation_token\": …}}. Cost: one \
Gong API request per call; a token that resumes inside a Gong page fetches that page again (one more \
request). Record fields: `source-gong execute --describe {name}`."
        ),
        Action::Get => format!(
            "{summary}: one record by id. Returns {{\"data\": record}}. An unknown id is a tool error \
of kind not_found. Cost: one Gong API request."
        ),
        Action::Download if downloads_on => format!(
            "{summary}. Streams the recording of the one call in filter.callIds into a file inside the \
server's download directory (`path`, relative) and returns its metadata {{\"data\": {{\"callId\", \"kind\", \
\"path\", \"bytesWritten\", \"fileSize\", \"firstByte\", \"totalSize\", \"contentType\", \"renewedUrls\"}}}}, \
not the bytes. range_header (e.g. \"bytes=0-1048575\") fetches part of it. The file appears only when \
whole; a failed download leaves PATH.part, which resume: true continues. Cost: one Gong API request (the \
media URL); the bytes come from Gong's media host, outside the request budget. A call without this \
recording is a tool error of kind not_found."
        ),
        Action::Download => format!(
            "{summary}. DISABLED: this server was started without --download-dir; restart it with \
`source-gong mcp --config FILE --download-dir DIR` to let it write recordings into DIR. Calling it now \
returns a config_error saying so."
        ),
    };
    match entity.def().hint {
        Some(hint) => format!("{body} {hint}"),
        None => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_tool_name_that_parses_back() {
        for &entity in entities() {
            for &action in entity.actions() {
                let name = tool_name(entity, action);
                assert_eq!(parse_tool_name(&name), Some((entity, action)), "{name}");
            }
        }
        assert_eq!(parse_tool_name("users_download"), None);
        assert_eq!(parse_tool_name("nope"), None);
    }

    #[test]
    fn one_tool_per_action_with_the_servers_own_arguments() {
        let tools = all(1000, true);
        let count: usize = entities().iter().map(|e| e.actions().len()).sum();
        assert_eq!(tools.len(), count);
        let users = tools.iter().find(|t| t.name == "users_list").unwrap();
        assert!(users.input_schema["properties"][CONTINUATION].is_object());
        assert!(users
            .description
            .as_deref()
            .unwrap()
            .contains("1000 characters"));
        let audio = tools
            .iter()
            .find(|t| t.name == "call_audio_download")
            .unwrap();
        assert!(audio.input_schema["properties"][PATH].is_object());
        assert_eq!(audio.input_schema["required"], json!(["filter"]));
        let off = all(1000, false);
        let audio = off
            .iter()
            .find(|t| t.name == "call_audio_download")
            .unwrap();
        assert!(audio
            .description
            .as_deref()
            .unwrap()
            .contains("--download-dir"));
    }
}
