//! The plans that split a stream by its parent lists: one slice per workspace, library folder, user,
//! parent item (times each value of a crossed filter), or workspace × manager × month for coaching; and
//! the single slice of a stream that is not split. A slice's added keys name its partition where the
//! records do not (so records of different partitions stay apart); only coaching's slices carry a
//! checkpoint (its months).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::order::Lane;
use super::{bounded, with_workspace, Parents, Slice};
use crate::config::Config;
use crate::gong::endpoints::WORKSPACE_FILTER;
use crate::gong::values::{fmt_dt, json_str};
use crate::streams::{added, Bounds, StreamDef};

/// `Plan::Single`: the whole stream as one request chain.
pub(super) fn single(def: &StreamDef, cfg: &Config) -> Vec<Slice> {
    let req = with_workspace(def, cfg, def.endpoint.request());
    vec![Slice::new(req, String::new(), None)]
}

/// `Plan::PerWorkspace`: a slice per workspace, its records keyed by the workspace id.
pub(super) fn per_workspace(def: &StreamDef, workspaces: &[String]) -> Vec<Slice> {
    let ep = def.endpoint;
    workspaces
        .iter()
        .map(|ws| {
            let req = ep.filter(ep.request(), WORKSPACE_FILTER, json!(ws));
            Slice::new(req, pair(added::WORKSPACE_ID, &json_str(ws)), None)
        })
        .collect()
}

/// `Plan::PerFolder`: a slice per library folder (id in `param`), its records keyed by the folder's id
/// and name.
pub(super) fn per_folder(def: &StreamDef, param: &str, folders: &[(String, Value)]) -> Vec<Slice> {
    let ep = def.endpoint;
    folders
        .iter()
        .map(|(id, name)| {
            let req = ep.filter(ep.request(), param, json!(id));
            let keys = [
                pair(added::FOLDER_ID, &json_str(id)),
                pair(added::FOLDER_NAME, &name.to_string()),
            ];
            Slice::new(req, keys.join(","), None)
        })
        .collect()
}

/// `Plan::PerUser`: a request per user id, its records keyed by the user id.
pub(super) fn per_user(def: &StreamDef, users: &[String]) -> Vec<Slice> {
    let ep = def.endpoint;
    users
        .iter()
        .map(|id| {
            let keys = pair(added::USER_ID, &json_str(id));
            Slice::new(ep.request_for_id(id), keys, None)
        })
        .collect()
}

/// `Plan::CoachingMonths`: for each month, a slice per workspace × manager (in the filters `workspace`,
/// `manager` and `period`), each with its month's range (`plan/order.rs`); the month's last slice carries
/// its checkpoint.
pub(super) fn coaching_months(
    def: &StreamDef,
    workspace: &str,
    manager: &str,
    period: Bounds,
    months: &[(DateTime<Utc>, DateTime<Utc>, bool)],
    parents: &Parents,
) -> Vec<Lane> {
    let ep = def.endpoint;
    let pairs: Vec<(&String, &String)> = parents
        .workspaces
        .iter()
        .flat_map(|w| parents.managers.iter().map(move |m| (w, m)))
        .collect();
    let mut slices = Vec::new();
    for &(month, to, closed) in months {
        for (i, &(ws, mgr)) in pairs.iter().enumerate() {
            let req = ep.filter(ep.request(), workspace, json!(ws));
            let req = ep.filter(req, manager, json!(mgr));
            let req = bounded(req, def, period, (month, to), fmt_dt);
            let keys = [
                pair(added::WORKSPACE_ID, &json_str(ws)),
                pair(added::MANAGER_ID, &json_str(mgr)),
                pair(period.from, &json_str(&fmt_dt(month))),
                pair(period.to, &json_str(&fmt_dt(to))),
            ];
            // Months are re-read whole: the current month stays open until it ends.
            let checkpoint = (i + 1 == pairs.len()).then_some(if closed { to } else { month });
            slices.push((month, to, Slice::new(req, keys.join(","), checkpoint)));
        }
    }
    slices
}

/// `Plan::PerParent`: a slice per parent item (in filter `param`), times each value of the `cross`
/// filter when there is one; the added keys are the item under `field` and the crossed value.
pub(super) fn per_parent(
    def: &StreamDef,
    cfg: &Config,
    param: &str,
    field: Option<&str>,
    cross: Option<(&str, &[&str])>,
    items: &[Value],
) -> Vec<Slice> {
    let ep = def.endpoint;
    let values: Vec<Option<&str>> = match cross {
        Some((_, values)) => values.iter().map(|v| Some(*v)).collect(),
        None => vec![None],
    };
    let mut slices = Vec::new();
    for item in items {
        for value in &values {
            let req = ep.filter(ep.request(), param, item.clone());
            let mut keys: Vec<String> = field
                .map(|name| pair(name, &json_str(&id_text(item))))
                .into_iter()
                .collect();
            let req = match (cross, value) {
                (Some((name, _)), Some(v)) => {
                    keys.push(pair(name, &json_str(v)));
                    ep.filter(req, name, json!(v))
                }
                _ => req,
            };
            slices.push(Slice::new(
                with_workspace(def, cfg, req),
                keys.join(","),
                None,
            ));
        }
    }
    slices
}

/// One pre-serialised added field: `name` (from `streams::added` or the plan variant) and its JSON value.
pub(super) fn pair(name: &str, value: &str) -> String {
    format!("{}:{value}", json_str(name))
}

/// A parent item as the id its added key holds: a string with the item's digits, like every id.
fn id_text(item: &Value) -> String {
    match item {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
