//! Scalar types whose JSON Schema says more than their Rust representation.
//!
//! Records pass through the connector as Gong sent them, so these keep the original JSON value (a
//! date-time stays the exact string Gong sent) and only add the schema annotation.

use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn string_with_format(format: &str) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        format: Some(format.to_owned()),
        ..Default::default()
    }
    .into()
}

/// An ISO-8601 date-time as Gong sends it, e.g. `2018-02-18T02:30:00-07:00` or `2018-02-18T08:00:00Z`.
/// Schema: `{"type": "string", "format": "date-time"}` (`["string", "null"]` when optional).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateTime(pub String);

impl JsonSchema for DateTime {
    fn is_referenceable() -> bool {
        false
    }

    fn schema_name() -> String {
        "DateTime".to_owned()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_with_format("date-time")
    }
}

/// A calendar date, `YYYY-MM-DD`. Schema: `{"type": "string", "format": "date"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Date(pub String);

impl JsonSchema for Date {
    fn is_referenceable() -> bool {
        false
    }

    fn schema_name() -> String {
        "Date".to_owned()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_with_format("date")
    }
}

/// An identifier that Gong's spec types as an int64 integer (scorecard, question, answered-scorecard,
/// workspace and user ids of the scorecard endpoints) and sends as a JSON number, often above 2^53. The
/// connector passes it on as a string with Gong's exact digits, like every other Gong id
/// ([`crate::gong::ids`]). Schema: `{"type": "string"}` (`["null", "string"]` when optional).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(pub String);

impl JsonSchema for Id {
    fn is_referenceable() -> bool {
        false
    }

    fn schema_name() -> String {
        "Id".to_owned()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            ..Default::default()
        }
        .into()
    }
}
