//! Makes a schemars-generated JSON Schema one that Airbyte accepts, for the catalog's stream schemas and
//! the spec alike.
//!
//! * `format` keeps only the values Airbyte's type system defines (`date`, `date-time`, `time`); schemars'
//!   own (`int32`, `int64`, `uint32`, `uint`, `double`, `float`, …) are dropped: `"type": "integer"` or
//!   `"number"` already says what they said.
//! * every object schema allows additional properties: `false` (or nothing) becomes `true`, so a field
//!   Gong or a newer config adds never fails validation; a schema given for them (a map's values) stays.
//!
//! Only schema positions are visited, never the names inside `properties` (a Gong field may well be
//! called `format` or `items`).

use serde_json::{Map, Value};

/// The `format` values Airbyte defines.
const AIRBYTE_FORMATS: &[&str] = &["date", "date-time", "time"];

/// Applies the rules above to `schema` and every schema inside it.
pub fn conform(schema: &mut Value) {
    for_each_schema(schema, &mut |object| {
        let foreign = matches!(object.get("format"), Some(Value::String(f)) if !AIRBYTE_FORMATS.contains(&f.as_str()));
        if foreign {
            object.remove("format");
        }
        if is_object_schema(object) {
            match object.get("additionalProperties") {
                None | Some(Value::Bool(false)) => {
                    object.insert("additionalProperties".into(), Value::Bool(true));
                }
                Some(_) => {}
            }
        }
    });
}

/// Calls `visit` on `schema` and on every subschema below it (depth first, parents first).
pub fn for_each_schema(schema: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>)) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    visit(object);
    for key in ["properties", "definitions", "patternProperties"] {
        if let Some(Value::Object(named)) = object.get_mut(key) {
            named.values_mut().for_each(|s| for_each_schema(s, visit));
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        match object.get_mut(key) {
            Some(Value::Array(schemas)) => {
                schemas.iter_mut().for_each(|s| for_each_schema(s, visit))
            }
            Some(value) => for_each_schema(value, visit),
            None => {}
        }
    }
    for key in ["anyOf", "allOf", "oneOf"] {
        if let Some(Value::Array(schemas)) = object.get_mut(key) {
            schemas.iter_mut().for_each(|s| for_each_schema(s, visit));
        }
    }
}

/// True for a schema that describes objects.
pub fn is_object_schema(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "object",
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "object"),
        _ => schema.contains_key("properties"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_foreign_formats_and_opens_objects_but_not_property_names() {
        let mut schema = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "format": {"type": "integer", "format": "int64"},
                "when": {"type": ["string", "null"], "format": "date-time"},
                "ratio": {"type": "number", "format": "double"},
                "tags": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer", "format": "uint32"}}}},
                "map": {"type": "object", "additionalProperties": {"type": "integer", "format": "int32"}}
            }
        });
        conform(&mut schema);
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "additionalProperties": true,
                "properties": {
                    "format": {"type": "integer"},
                    "when": {"type": ["string", "null"], "format": "date-time"},
                    "ratio": {"type": "number"},
                    "tags": {"type": "array", "items": {"type": "object", "additionalProperties": true, "properties": {"n": {"type": "integer"}}}},
                    "map": {"type": "object", "additionalProperties": {"type": "integer"}}
                }
            })
        );
    }
}
