//! Models of every record the streams emit, and the catalog's JSON Schemas generated from them.
//!
//! Each stream's record is Gong's object for that stream (field names, types and descriptions from
//! Gong's OpenAPI document) plus the top-level fields the connector adds; see [`records`]. The schemas
//! are draft-07, self-contained (every subschema inlined: Airbyte destinations handle `$ref` poorly), and
//! deliberately lenient where Gong is:
//!
//! * every field is optional and nullable (Gong omits fields freely), except the stream's primary key
//!   fields, which the connector guarantees;
//! * additional properties are allowed everywhere, so a field Gong adds tomorrow never fails validation;
//! * Gong's enums are plain strings, with the known values listed in the description;
//! * date-times are `format: date-time`, dates `format: date`, and no other `format` is used (Airbyte
//!   defines no other);
//! * every Gong id is a string, also those Gong's spec types as integers and sends as numbers: the
//!   connector quotes them with their exact digits (`gong::ids`), so ids join across streams.
//!
//! `schemas/<stream>.json` holds the generated schemas; `tests/schemas.rs` keeps them in sync
//! (`UPDATE_SCHEMAS=1 cargo test --test schemas` rewrites them).

pub mod airbyte_schema;
pub mod audit;
pub mod calls;
pub mod coaching;
pub mod crm;
pub mod flows;
pub mod library;
pub mod media;
pub mod permissions;
pub mod records;
pub mod scorecards;
pub mod settings;
pub mod stats;
pub mod transcripts;
pub mod types;
pub mod users;

use schemars::gen::SchemaSettings;
use schemars::JsonSchema;
use serde_json::Value;

/// Every stream the connector offers, in catalog order.
pub const STREAM_NAMES: &[&str] = &[
    "users",
    "calls",
    "calls_extensive",
    "workspaces",
    "call_transcripts",
    "stats_activity_aggregate",
    "stats_activity_day_by_day",
    "stats_interaction",
    "settings_scorecards",
    "settings_trackers",
    "library_folders",
    "library_folder_content",
    "coaching",
    "stats_activity_scorecards",
    "call_media",
    "logs",
    "user_settings_history",
    "call_users_access",
    "calls_manual_crm_associations",
    "permission_profiles",
    "permission_profile_users",
    "flows",
    "crm_integrations",
    "crm_entity_schema",
];

/// The draft-07 JSON Schema of the records of `stream`, or `None` for an unknown stream name. Each
/// stream's model is named in its entry of the stream table (`streams.rs`).
pub fn stream_schema(stream: &str) -> Option<Value> {
    crate::streams::find(stream).map(|def| def.json_schema())
}

/// Generates `T`'s schema as self-contained draft-07, in the form Airbyte accepts
/// ([`airbyte_schema::conform`]: additional properties allowed on every object, no foreign formats).
pub fn schema_for<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft07()
        .with(|settings| settings.inline_subschemas = true)
        .into_generator();
    let root = generator.into_root_schema_for::<T>();
    let mut schema = serde_json::to_value(root).expect("a generated schema serializes to JSON");
    airbyte_schema::conform(&mut schema);
    sorted(schema)
}

/// Rebuilds every object with its keys, and every `required` list, in sorted order. With the
/// `preserve_order` features of serde_json and schemars (on or off depending on what the build unifies)
/// schemars emits fields in declaration order; sorting makes the schema, and `schemas/*.json`, the same
/// either way.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.cmp(b));
            let entries = entries
                .into_iter()
                .map(|(key, value)| match (key.as_str(), value) {
                    ("required", Value::Array(mut names)) => {
                        names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                        (key, Value::Array(names))
                    }
                    (_, value) => (key, sorted(value)),
                });
            Value::Object(entries.collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
