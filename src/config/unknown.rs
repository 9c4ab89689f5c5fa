//! Unknown config fields: accepted (the spec allows additional properties, so a config written for
//! another version stays valid), but each is named in a warning, since it is most likely a typo.
//!
//! The config is walked against the connection specification itself, so "known" means exactly "shown in
//! the spec" (plus the hidden top-level fields of [`super::raw::HIDDEN_FIELDS`]). In a `oneOf` the option
//! whose `const` discriminator matches the config is followed.

use serde_json::{Map, Value};

use super::raw::HIDDEN_FIELDS;

/// One warning per config field the spec does not declare, naming its path (`credentials.pasword`).
pub fn unknown_field_warnings(config: &Value, spec: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    walk(config, spec, "", &mut paths);
    paths
        .into_iter()
        .map(|path| {
            format!(
                "The config field `{path}` is not one this connector reads and is ignored; check its spelling."
            )
        })
        .collect()
}

fn walk(value: &Value, schema: &Value, path: &str, unknown: &mut Vec<String>) {
    let Some(object) = value.as_object() else {
        return;
    };
    let Some(schema) = chosen_option(schema, object) else {
        return;
    };
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return;
    };
    for (key, field) in object {
        let field_path = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match properties.get(key) {
            Some(field_schema) => walk(field, field_schema, &field_path, unknown),
            None if path.is_empty() && HIDDEN_FIELDS.contains(&key.as_str()) => {}
            None => unknown.push(field_path),
        }
    }
}

/// `schema` itself, or for a `oneOf` the option whose `const` properties all match `object`; `None`
/// when no option matches (the config is then rejected for its discriminator anyway).
fn chosen_option<'a>(schema: &'a Value, object: &Map<String, Value>) -> Option<&'a Value> {
    let Some(Value::Array(options)) = schema.get("oneOf") else {
        return Some(schema);
    };
    options.iter().find(|option| {
        let Some(Value::Object(properties)) = option.get("properties") else {
            return false;
        };
        properties
            .iter()
            .all(|(key, property)| match property.get("const") {
                Some(constant) => object.get(key) == Some(constant),
                None => true,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn warnings(config: Value) -> Vec<String> {
        unknown_field_warnings(&config, &super::super::spec::connection_specification())
    }

    #[test]
    fn names_each_unknown_field_by_its_path() {
        let w = warnings(json!({
            "credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s", "pasword": "x"},
            "strat_date": "2024-01-01",
            "calls_extensive_content": {"context": "Basic", "medai": false},
            "lookback_days": 3
        }));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("`credentials.pasword`"), "{w:?}");
        assert!(w[1].contains("`strat_date`"), "{w:?}");
        assert!(w[2].contains("`calls_extensive_content.medai`"), "{w:?}");
    }

    #[test]
    fn known_and_hidden_fields_and_the_other_oauth_fields_are_not_warned() {
        assert!(warnings(
            json!({"access_key": "k", "access_key_secret": "s", "retry_backoff_base_ms": 5})
        )
        .is_empty());
        let w = warnings(
            json!({"credentials": {"auth_type": "oauth2.0", "refresh_token": "r", "client_id": "i",
            "client_secret": "s", "access_token": "a", "token_expiry_date": "2026-01-01T00:00:00Z"}}),
        );
        assert!(w.is_empty(), "{w:?}");
        // An access-key field under OAuth is unknown there.
        let w = warnings(
            json!({"credentials": {"auth_type": "oauth2.0", "access_token": "a", "access_key": "k"}}),
        );
        assert_eq!(w.len(), 1, "{w:?}");
    }
}
