//! The `spec` payload: the JSON Schema of [`RawConfig`] (shape, titles and descriptions from the raw
//! types; bounds, defaults, patterns and examples from [`declared`]), in the form Airbyte's UI and its
//! acceptance rules want, plus the OAuth flow (`advanced_auth`).
//!
//! Invariants of the connection specification: draft-07; `additionalProperties: true` on every object;
//! a schema holding `oneOf` is `"type": "object"` and each option has a `const` discriminator; every
//! property has an `order`; no `format` Airbyte does not define; no `"default": null`.

use serde_json::{json, Map, Value};

use super::declared;
use super::raw::RawConfig;
use crate::models::airbyte_schema;

pub const DOCUMENTATION_URL: &str =
    "https://github.com/source-gong-rs/source-gong/blob/main/docs/gong.md";

/// The `connectionSpecification` of `spec`.
pub fn connection_specification() -> Value {
    let settings = schemars::gen::SchemaSettings::draft07().with(|s| {
        s.inline_subschemas = true;
        s.option_nullable = false;
        s.option_add_null_type = false;
    });
    let schema = settings
        .into_generator()
        .into_root_schema_for::<RawConfig>();
    let mut value = serde_json::to_value(schema).unwrap_or(Value::Null);
    if let Some(root) = value.as_object_mut() {
        root.remove("definitions");
        root.insert("required".into(), json!(["credentials"]));
        if let Some(Value::Object(properties)) = root.get_mut("properties") {
            apply_declarations(properties);
        }
    }
    airbyte_schema::for_each_schema(&mut value, &mut |object| {
        order_properties(object);
        const_discriminators(object);
        type_object_choices(object);
    });
    airbyte_schema::conform(&mut value);
    value
}

/// Writes each declared field's keywords (bounds, defaults, patterns, examples) into its property.
fn apply_declarations(properties: &mut Map<String, Value>) {
    for declared in declared::visible() {
        if let Some(Value::Object(property)) = properties.get_mut(declared.field()) {
            property.extend(declared.keywords());
        }
    }
    for (name, property) in properties.iter_mut() {
        if let (Some(Value::Object(extra)), Value::Object(p)) =
            (declared::plain_keywords(name), property)
        {
            p.extend(extra);
        }
    }
}

/// Numbers the properties in declaration order (Airbyte's UI shows them in `order`).
fn order_properties(object: &mut Map<String, Value>) {
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for (i, property) in properties.values_mut().enumerate() {
            if let Value::Object(p) = property {
                p.insert("order".into(), json!(i));
            }
        }
    }
}

/// A one-value `enum` (schemars' form of an enum tag) becomes `const`, with itself as default: Airbyte's
/// UI renders a `oneOf` whose options carry a `const` discriminator as a choice.
fn const_discriminators(object: &mut Map<String, Value>) {
    let only = match object.get("enum") {
        Some(Value::Array(values)) if values.len() == 1 => values[0].clone(),
        _ => return,
    };
    object.remove("enum");
    object.insert("const".into(), only.clone());
    object.insert("default".into(), only);
}

/// A schema whose `oneOf` options are all objects is itself `"type": "object"`.
fn type_object_choices(object: &mut Map<String, Value>) {
    let all_objects = match object.get("oneOf") {
        Some(Value::Array(options)) => options
            .iter()
            .all(|o| o.as_object().is_some_and(airbyte_schema::is_object_schema)),
        _ => false,
    };
    if all_objects {
        object.insert("type".into(), json!("object"));
    }
}

/// The whole SPEC payload.
pub fn spec() -> Value {
    json!({
        "documentationUrl": DOCUMENTATION_URL,
        "connectionSpecification": connection_specification(),
        "supportsIncremental": true,
        "supported_destination_sync_modes": ["overwrite", "append", "append_dedup"],
        "advanced_auth": {
            "auth_flow_type": "oauth2.0",
            "predicate_key": ["credentials", "auth_type"],
            "predicate_value": "oauth2.0",
            "oauth_config_specification": {
                "complete_oauth_output_specification": {
                    "type": "object",
                    "additionalProperties": true,
                    "properties": {
                        "access_token": {"type": "string", "path_in_connector_config": ["credentials", "access_token"]},
                        "refresh_token": {"type": "string", "path_in_connector_config": ["credentials", "refresh_token"]},
                        "token_expiry_date": {"type": "string", "format": "date-time", "path_in_connector_config": ["credentials", "token_expiry_date"]}
                    }
                },
                "complete_oauth_server_input_specification": {
                    "type": "object",
                    "additionalProperties": true,
                    "properties": {"client_id": {"type": "string"}, "client_secret": {"type": "string"}}
                },
                "complete_oauth_server_output_specification": {
                    "type": "object",
                    "additionalProperties": true,
                    "properties": {
                        "client_id": {"type": "string", "path_in_connector_config": ["credentials", "client_id"]},
                        "client_secret": {"type": "string", "path_in_connector_config": ["credentials", "client_secret"]}
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_schema(spec: &mut Value) -> Vec<Map<String, Value>> {
        let mut all = Vec::new();
        airbyte_schema::for_each_schema(spec, &mut |o| all.push(o.clone()));
        all
    }

    #[test]
    fn oauth_is_the_first_option_and_every_option_has_a_const_discriminator() {
        let spec = connection_specification();
        let creds = &spec["properties"]["credentials"];
        assert_eq!(creds["type"], "object");
        let options = creds["oneOf"].as_array().expect("oneOf");
        assert_eq!(options.len(), 2);
        assert_eq!(options[0]["properties"]["auth_type"]["const"], "oauth2.0");
        assert_eq!(options[1]["properties"]["auth_type"]["const"], "access_key");
        assert_eq!(
            options[1]["properties"]["access_key_secret"]["airbyte_secret"],
            true
        );
        assert_eq!(spec["properties"]["base_url"]["order"], 1);
        assert!(spec["properties"].get("access_key").is_none());
    }

    #[test]
    fn objects_are_open_and_no_default_is_null_and_no_foreign_format() {
        let mut spec = connection_specification();
        for schema in every_schema(&mut spec) {
            if airbyte_schema::is_object_schema(&schema) {
                assert_eq!(
                    schema.get("additionalProperties"),
                    Some(&json!(true)),
                    "{schema:?}"
                );
            }
            assert_ne!(schema.get("default"), Some(&Value::Null), "{schema:?}");
            assert!(schema.get("format").is_none(), "{schema:?}");
        }
    }

    #[test]
    fn every_declared_field_is_a_property_with_its_keywords() {
        let spec = connection_specification();
        for declared in declared::visible() {
            let property = &spec["properties"][declared.field()];
            assert!(
                property.is_object(),
                "{} is not in the spec",
                declared.field()
            );
            for (key, value) in declared.keywords() {
                assert_eq!(property[&key], value, "{}.{key}", declared.field());
            }
        }
        let context = &spec["properties"]["calls_extensive_content"]["properties"]["context"];
        assert_eq!(context["enum"], json!(["None", "Basic", "Extended"]));
        assert_eq!(context["default"], "Extended");
    }
}
