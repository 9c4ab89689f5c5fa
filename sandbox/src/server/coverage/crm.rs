//! The generic CRM integration: `GET /v2/crm/integrations` (the company's integration: Gong allows
//! one at a time) and `GET /v2/crm/entity-schema?integrationId=&objectType=` (the fields uploaded for
//! one object type). Both parameters of the schema request are required (the spec marks `objectType`
//! required although its text says omitting it returns every type; the sandbox holds clients to the
//! stricter reading); a non-numeric or unknown integration, or an object type outside the spec's
//! case-sensitive enum, is a 400.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::{json, Map, Value};

use super::{bad, ok, required, HResult, St};
use crate::data::{fmt_dt, Dataset};
use crate::rng::h2;

/// Integrations the company has.
pub(super) const INTEGRATIONS: usize = 1;

/// The spec's `objectType` enum.
const OBJECT_TYPES: [&str; 4] = ["ACCOUNT", "CONTACT", "DEAL", "LEAD"];

/// (uniqueName, label, type, referenceTo or picklist values).
type Field = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// The schema uploaded for each object type; a REFERENCE field's list holds the type it refers to.
fn fields(object_type: &str) -> &'static [Field] {
    match object_type {
        "ACCOUNT" => &[
            ("name", "Account Name", "STRING", &[]),
            ("website", "Website", "URL", &[]),
            (
                "industry",
                "Industry",
                "PICKLIST",
                &["Software", "Manufacturing", "Santé", "金融"],
            ),
            ("annualRevenue", "Annual Revenue", "CURRENCY", &[]),
            ("employees", "Employees", "NUMBER", &[]),
            (
                "parentAccountId",
                "Parent Account",
                "REFERENCE",
                &["ACCOUNT"],
            ),
            ("createdAt", "Created", "DATETIME", &[]),
            ("isCustomer", "Customer?", "BOOLEAN", &[]),
            ("legacyTier", "Legacy Tier", "STRING", &[]),
        ],
        "CONTACT" => &[
            ("firstName", "First Name", "STRING", &[]),
            ("lastName", "Last Name", "STRING", &[]),
            ("email", "Email", "EMAILADDRESS", &[]),
            ("phone", "Phone", "PHONENUMBER", &[]),
            ("accountId", "Account", "REFERENCE", &["ACCOUNT"]),
            ("languages", "Languages", "STRINGARRAY", &[]),
        ],
        "DEAL" => &[
            ("name", "Deal Name", "STRING", &[]),
            ("amount", "Amount", "CURRENCY", &[]),
            (
                "stage",
                "Stage",
                "PICKLIST",
                &[
                    "Discovery",
                    "Demo",
                    "Negotiation/Review",
                    "Closed Won",
                    "Closed Lost",
                ],
            ),
            ("closeDate", "Close Date", "DATE", &[]),
            ("probability", "Probability", "PERCENT", &[]),
            ("accountId", "Account", "REFERENCE", &["ACCOUNT"]),
            ("ownerId", "Owner", "ID", &[]),
        ],
        _ => &[
            ("firstName", "First Name", "STRING", &[]),
            ("lastName", "Last Name", "STRING", &[]),
            ("email", "Email", "EMAILADDRESS", &[]),
            ("company", "Company", "STRING", &[]),
            (
                "status",
                "Lead Status",
                "PICKLIST",
                &["New", "Working", "Nurturing", "Disqualified"],
            ),
            (
                "convertedContactId",
                "Converted Contact",
                "REFERENCE",
                &["CONTACT"],
            ),
        ],
    }
}

/// The integration's id (an int64, as the spec types it).
fn integration_id(ds: &Dataset) -> u64 {
    1_000_000_000_000_000 + h2(ds.seed, 0xC4) % 8_000_000_000_000_000_000
}

/// A `GenericSchemaFieldRequest`: every third field has a modification time, the account's legacy
/// field is deleted.
fn field_json(ds: &Dataset, k: usize, &(name, label, kind, extra): &Field) -> Value {
    let modified =
        (k % 3 == 1).then(|| fmt_dt(ds.anchor.timestamp() - 86_400 * (10 + k as i64), 0));
    json!({
        "uniqueName": name,
        "label": label,
        "type": kind,
        "lastModified": modified,
        "isDeleted": name == "legacyTier",
        "referenceTo": (kind == "REFERENCE").then(|| extra[0]),
        "orderedValueList": (kind == "PICKLIST").then_some(extra),
    })
}

/// Fields per object type.
pub(super) fn counts() -> Value {
    let m: Map<String, Value> = OBJECT_TYPES
        .iter()
        .map(|t| (t.to_string(), json!(fields(t).len())))
        .collect();
    Value::Object(m)
}

/// `GET /v2/crm/integrations`.
pub(super) async fn integrations(State(st): St) -> HResult {
    let ds = st.dataset.read().unwrap();
    let list = json!([{
        "integrationId": integration_id(&ds),
        "ownerEmail": ds.users[0]["emailAddress"],
        "name": "Sandbox CRM — generic integration",
    }]);
    Ok(ok(
        &st,
        Map::from_iter([("integrations".to_string(), list)]),
    ))
}

/// `GET /v2/crm/entity-schema?integrationId=&objectType=`.
pub(super) async fn entity_schema(
    State(st): St,
    Query(q): Query<HashMap<String, String>>,
) -> HResult {
    let id = required(&st, &q, "integrationId")?;
    let id: u64 = id
        .parse()
        .map_err(|_| bad(&st, "Bad request: integrationId must be an integer"))?;
    let object_type = required(&st, &q, "objectType")?;
    if !OBJECT_TYPES.contains(&object_type) {
        return Err(bad(
            &st,
            format!(
                "Bad request: objectType must be one of {}",
                OBJECT_TYPES.join(", ")
            ),
        ));
    }
    let ds = st.dataset.read().unwrap();
    if id != integration_id(&ds) {
        return Err(bad(&st, format!("Bad request: integration {id} not found")));
    }
    let list: Vec<Value> = fields(object_type)
        .iter()
        .enumerate()
        .map(|(k, f)| field_json(&ds, k, f))
        .collect();
    let by_type = json!({ object_type: list });
    Ok(ok(
        &st,
        Map::from_iter([("objectTypeToSelectedFields".to_string(), by_type)]),
    ))
}
