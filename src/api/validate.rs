//! A caller's parameters against an action's parameter list (the endpoint entry's, `gong/params.rs`):
//! every name known, every value of its type, every required one present. Errors name the parameter and
//! say what it must be. Also the dotted look-ups every other file of `api/` reads parameters with.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::entities::{Action, Entity};
use crate::error::{Error, Result};
use crate::gong::params::{Param, ParamType as T};

pub(crate) fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

fn type_fits(ty: T, v: &Value) -> bool {
    let texts = |ok: &dyn Fn(&str) -> bool| {
        v.as_array()
            .is_some_and(|a| a.iter().all(|x| x.as_str().is_some_and(ok)))
    };
    match ty {
        T::String => v.as_str().is_some_and(|s| !s.is_empty()),
        T::DateTime => v.as_str().is_some_and(|s| parse_datetime(s).is_some()),
        T::Date => v.as_str().is_some_and(|s| parse_date(s).is_some()),
        T::StringList => texts(&|s| !s.is_empty()),
        T::Boolean => v.is_boolean(),
        T::Object => v.is_object(),
        T::OneOf(options) => v.as_str().is_some_and(|s| options.contains(&s)),
        T::ListOf(options) => texts(&|s| options.contains(&s)),
    }
}

fn check_type(what: &str, name: &str, ty: T, v: &Value) -> Result<()> {
    if type_fits(ty, v) {
        return Ok(());
    }
    let why = match ty {
        T::DateTime | T::Date if v.is_string() => "is not a valid date",
        T::String if v.as_str() == Some("") => "is empty",
        _ => "has the wrong type",
    };
    Err(Error::config(format!(
        "{what}: parameter `{name}` {why} (got {}); it must be {}.",
        short(v),
        ty.describe()
    )))
}

/// A value for an error message: at most 60 characters.
pub(crate) fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// Checks `params` against the entity's parameters: every name known, every value of its type, every
/// required one present. `null` or a missing `params` is `{}`.
pub fn validate(entity: Entity, action: Action, params: &Value) -> Result<()> {
    let what = format!("{} {}", entity.name(), action.name());
    let spec: Vec<(String, &Param)> = entity
        .params(action)
        .iter()
        .map(|p| (p.path(), p))
        .collect();
    let empty = Map::new();
    let obj = match params {
        Value::Null => &empty,
        Value::Object(o) => o,
        other => {
            return Err(Error::config(format!(
                "{what}: params must be a JSON object, not {}.",
                short(other)
            )))
        }
    };
    walk(&what, &spec, "", obj)?;
    for (path, param) in spec.iter().filter(|(_, p)| p.required) {
        if lookup(params, path).is_none() {
            return Err(Error::config(format!(
                "{what}: parameter `{path}` is required ({}).",
                param.ty.describe()
            )));
        }
    }
    Ok(())
}

fn walk(
    what: &str,
    spec: &[(String, &Param)],
    prefix: &str,
    obj: &Map<String, Value>,
) -> Result<()> {
    for (key, value) in obj {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let Some((_, param)) = spec.iter().find(|(path, _)| *path == name) else {
            return Err(unknown(what, spec, prefix, &name));
        };
        check_type(what, &name, param.ty, value)?;
        if let Value::Object(inner) = value {
            walk(what, spec, &name, inner)?;
        }
    }
    Ok(())
}

/// An unknown parameter, with the names known beside it.
fn unknown(what: &str, spec: &[(String, &Param)], prefix: &str, name: &str) -> Error {
    let siblings: Vec<&str> = spec
        .iter()
        .map(|(path, _)| path.as_str())
        .filter(|path| match path.rsplit_once('.') {
            Some((parent, _)) => parent == prefix,
            None => prefix.is_empty(),
        })
        .collect();
    Error::config(if siblings.is_empty() {
        format!("{what}: unknown parameter `{name}`; this action takes no parameters here.")
    } else {
        format!(
            "{what}: unknown parameter `{name}`; known here: {}.",
            siblings.join(", ")
        )
    })
}

/// The value at a dotted path of `params`, when present and not null.
pub fn lookup<'a>(params: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = params;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    (!v.is_null()).then_some(v)
}

pub fn lookup_str<'a>(params: &'a Value, path: &str) -> Option<&'a str> {
    lookup(params, path).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn e(name: &str) -> Entity {
        Entity::parse(name).unwrap()
    }

    #[test]
    fn validation_names_the_parameter() {
        let err = |n, a, v: Value| validate(e(n), a, &v).unwrap_err().message;
        assert!(
            err("users", Action::List, json!({"cursr": "x"})).contains("unknown parameter `cursr`")
        );
        assert!(
            err("calls", Action::List, json!({"fromDateTime": "yesterday"}))
                .contains("not a valid date")
        );
        assert!(err("calls", Action::Get, json!({})).contains("`id` is required"));
        assert!(err(
            "coaching",
            Action::List,
            json!({"workspace-id": "1", "manager-id": "2", "from": "2025-01-01T00:00:00Z"})
        )
        .contains("`to` is required"));
        assert!(err(
            "calls_extensive",
            Action::List,
            json!({"filter": {"callIds": "1"}})
        )
        .contains("wrong type"));
        assert!(err(
            "calls_extensive",
            Action::List,
            json!({"contentSelector": {"exposedFields": {"media": true, "sound": true}}})
        )
        .contains("contentSelector.exposedFields.sound"));
        assert!(err(
            "stats_interaction",
            Action::List,
            json!({"filter": {"fromDate": "2025-13-01"}})
        )
        .contains("not a valid date"));
        assert!(err("users", Action::List, json!([1])).contains("must be a JSON object"));
        validate(e("calls_extensive"), Action::List, &json!({"filter": {}, "contentSelector": {"context": "Extended", "contextTiming": ["Now"], "exposedFields": {"parties": true, "content": {"brief": true}}}})).unwrap();
        validate(e("workspaces"), Action::List, &Value::Null).unwrap();
    }

    #[test]
    fn parents_are_required_where_gong_requires_them() {
        for (name, a, param) in [
            ("flows", Action::List, "flowOwnerEmail"),
            ("permission_profile_users", Action::List, "profileId"),
            ("permission_profiles", Action::List, "workspaceId"),
            ("permission_profiles", Action::Get, "profileId"),
            ("user_settings_history", Action::List, "id"),
            ("crm_entity_schema", Action::List, "integrationId"),
        ] {
            let message = validate(e(name), a, &json!({})).unwrap_err().message;
            assert!(
                message.contains(&format!("`{param}` is required")),
                "{message}"
            );
        }
    }
}
