//! What the entity/action interface offers, described for machines: the input JSON Schema of each
//! action (the MCP tools' and `--describe`'s) and the `execute --describe` document (entities, actions,
//! parameters, record schemas).
//!
//! Everything here is generated from the entity table (`api/entities.rs`), the endpoint entries'
//! parameters (`gong/params.rs`, with their descriptions) and the record models, so a parameter the API
//! accepts is a parameter the schema lists, with the same type and the same "required". A record schema
//! is the model's less the fields only a sync adds (`StreamDef::added_fields`): what a list or get
//! returns is Gong's record.

use serde_json::{json, Map, Value};

use super::entities::{Action, Entity, Lists};
use crate::gong::params::{Param, ParamType};

/// What an entity's records are (one line).
pub fn summary(entity: Entity) -> &'static str {
    entity.def().summary
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

/// The input JSON Schema of an entity's action: its parameters as nested objects. A required parameter
/// makes its parents required too (as `validate` looks it up through them).
pub fn params_schema(entity: Entity, action: Action) -> Map<String, Value> {
    let mut root = json!({"type": "object", "properties": {}, "additionalProperties": false});
    for param in entity.params(action) {
        insert_param(&mut root, param);
    }
    match root {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn insert_param(root: &mut Value, param: &Param) {
    let path = param.path();
    let parts: Vec<&str> = path.split('.').collect();
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
            if !param.about.is_empty() {
                schema["description"] = json!(param.about);
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

/// The JSON Schema of an entity's records: its stream's less the fields only a sync adds, or its own
/// model's; a download's summary for a download.
fn record_schema(entity: Entity) -> Value {
    let own = match (entity.def().lists, entity.def().get) {
        (Lists::Endpoint(_, schema), _) => Some(schema),
        (_, Some(get)) => get.schema,
        _ => None,
    };
    if let Some(schema) = own {
        return schema();
    }
    let Some(def) = entity.stream() else {
        return download_schema();
    };
    let mut schema = (def.schema)();
    for field in def.added_fields() {
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
            let parameters: Vec<Value> = entity
                .params(action)
                .iter()
                .map(|p| {
                    let mut v = json!({
                        "name": p.path(),
                        "type": type_name(p.ty),
                        "required": p.required,
                        "description": p.about,
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
    let entities: Vec<Value> = super::entities()
        .iter()
        .map(|&e| describe_entity(e))
        .collect();
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

    fn entity(name: &str) -> Entity {
        Entity::parse(name).unwrap()
    }

    #[test]
    fn schema_nests_dotted_parameters_and_requires_parents() {
        let s = Value::Object(params_schema(entity("call_audio"), Action::Download));
        assert_eq!(s["required"], json!(["filter"]));
        assert_eq!(s["properties"]["filter"]["required"], json!(["callIds"]));
        assert_eq!(
            s["properties"]["filter"]["properties"]["callIds"]["type"],
            "array"
        );
        assert_eq!(
            s["properties"]["range_header"],
            json!({"type": "string", "minLength": 1, "description": crate::gong::content::RANGE.about})
        );
        let e = Value::Object(params_schema(entity("calls_extensive"), Action::List));
        let context = &e["properties"]["contentSelector"]["properties"]["context"];
        assert_eq!(context["enum"], json!(["None", "Basic", "Extended"]));
        let media = &e["properties"]["contentSelector"]["properties"]["exposedFields"]
            ["properties"]["media"];
        assert_eq!(media["type"], "boolean");
        assert!(e.get("required").is_none());
    }

    #[test]
    fn every_parameter_is_in_the_schema_with_a_description() {
        for &entity in super::super::entities() {
            for &action in entity.actions() {
                let schema = Value::Object(params_schema(entity, action));
                for p in entity.params(action) {
                    let mut node = &schema;
                    for part in p.path().split('.') {
                        node = &node["properties"][part];
                    }
                    assert!(node.is_object(), "{} {}", entity.name(), p.name);
                    if p.ty != ParamType::Object {
                        assert!(
                            !p.about.is_empty(),
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
    fn describe_gives_gongs_records_without_what_a_sync_adds() {
        let all = describe_all();
        let entities = all["entities"].as_array().unwrap();
        assert_eq!(entities.len(), super::super::entities().len());
        let users = describe_entity(entity("users"));
        assert_eq!(users["actions"][1]["name"], "get");
        assert_eq!(users["actions"][1]["parameters"][0]["required"], true);
        assert!(users["record_schema"]["properties"]["id"].is_object());
        let logs = describe_entity(entity("logs"));
        assert!(logs["record_schema"]["properties"]["eventTime"].is_object());
        assert!(logs["record_schema"]["properties"]["entryId"].is_null());
        assert!(logs["record_schema"]
            .get("required")
            .is_none_or(|r| r == &json!([])));
        let fields = describe_entity(entity("crm_entity_schema"));
        assert_eq!(fields["record_schema"]["required"], json!(["uniqueName"]));
        // calls/extensive's records carry `id` and `started` inside metaData only.
        let extensive = describe_entity(entity("calls_extensive"));
        assert!(extensive["record_schema"]["properties"]["id"].is_null());
        assert!(extensive["record_schema"]["properties"]["metaData"].is_object());
        let folder = describe_entity(entity("library_folder_content"));
        assert!(folder["record_schema"]["properties"]["folderId"].is_null());
        let audio = describe_entity(entity("call_audio"));
        assert!(audio["record_schema"]["properties"]["bytesWritten"].is_object());
    }
}
