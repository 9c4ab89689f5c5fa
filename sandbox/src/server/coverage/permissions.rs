//! Permission profiles: `GET /v2/all-permission-profiles?workspaceId=` (a workspace's profiles, in
//! alphabetical order of name), `GET /v2/permission-profile?profileId=` (one) and
//! `GET /v2/permission-profile/users?profileId=` (its users). None is paginated; the spec gives them
//! no 404, so an unknown workspace or profile is a 400.
//!
//! Every workspace has the profiles Admin, Manager, Read only and Sales rep; the first workspace also
//! has Enablement. Each user has one profile per workspace: the head of the company (user 0) Admin,
//! users with reports Manager, every 7th user Read only, every 11th Enablement (first workspace),
//! everyone else Sales rep.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::{json, Map, Value};

use super::{bad, full_name, ok, required, HResult, St};
use crate::data::Dataset;
use crate::rng::h3;

/// Profile names, alphabetical.
const KINDS: [&str; 5] = ["Admin", "Enablement", "Manager", "Read only", "Sales rep"];
const ADMIN: usize = 0;
const ENABLEMENT: usize = 1;
const MANAGER: usize = 2;
const READ_ONLY: usize = 3;
const REP: usize = 4;

/// The boolean capabilities of `PermissionProfileDTO`, in the spec's order.
const CAPABILITIES: [&str; 33] = [
    "scoreCalls",
    "downloadCallMedia",
    "shareCallsWithCustomers",
    "manuallyScheduleAndUploadCalls",
    "privateCalls",
    "deleteCalls",
    "trimCalls",
    "listenInCalls",
    "deleteEmails",
    "callsAndSearch",
    "library",
    "deals",
    "createEditAndDeleteDealsBoards",
    "dealsInlineEditing",
    "account",
    "coaching",
    "usage",
    "teamStats",
    "initiatives",
    "market",
    "activity",
    "forecast",
    "forecastManage",
    "engageManageCompanyTemplates",
    "engageManageCompanySequences",
    "engageSnoozeFlowToDosForOthers",
    "manageGeneralBusinessSettings",
    "manageScorecards",
    "exportCallsAndCoachingDataToCSV",
    "crmDataInlineEditing",
    "crmDataImport",
    "viewRevenueAnalytics",
    "manageRevenueAnalytics",
];

/// One permission profile.
#[derive(Clone, Copy, Debug)]
struct Profile {
    id: u64,
    workspace: usize,
    kind: usize,
}

/// Every profile, by workspace, then by name.
fn profiles(ds: &Dataset) -> Vec<Profile> {
    let mut out = Vec::new();
    for w in 0..ds.workspaces.len() {
        for kind in 0..KINDS.len() {
            if kind == ENABLEMENT && w > 0 {
                continue;
            }
            let h = h3(ds.seed ^ 0x9E0F, ds.workspace_ids[w], kind as u64);
            let id = 1_000_000_000_000_000 + h % 8_000_000_000_000_000_000;
            out.push(Profile {
                id,
                workspace: w,
                kind,
            });
        }
    }
    out
}

/// The profile kind of user `u` in workspace `w`.
fn kind_of(ds: &Dataset, w: usize, u: usize) -> usize {
    if u == 0 {
        ADMIN
    } else if ds.manager_of.contains(&Some(u)) {
        MANAGER
    } else if u % 7 == 6 {
        READ_ONLY
    } else if u % 11 == 10 && w == 0 {
        ENABLEMENT
    } else {
        REP
    }
}

/// Users (indices) the profile controls.
fn members(ds: &Dataset, p: &Profile) -> Vec<usize> {
    (0..ds.users.len())
        .filter(|&u| kind_of(ds, p.workspace, u) == p.kind)
        .collect()
}

/// A `*WithPermissionLevel` object; `managers-team` lists the company's managers as team leads.
fn access(ds: &Dataset, level: &str) -> Value {
    let leads: Vec<Value> = if level == "managers-team" {
        (0..ds.users.len())
            .filter(|&u| kind_of(ds, 0, u) == MANAGER)
            .map(|u| ds.users[u]["id"].clone())
            .collect()
    } else {
        vec![]
    };
    json!({"permissionLevel": level, "teamLeadIds": leads})
}

/// The `PermissionProfileDTO` of a profile.
fn profile_json(ds: &Dataset, p: &Profile) -> Value {
    // calls, deals, forecast view, forecast submissions, forecast targets, coaching, insights, usage, emails
    let levels: [&str; 9] = match p.kind {
        ADMIN => ["all"; 9],
        ENABLEMENT => [
            "all", "none", "none", "none", "none", "all", "all", "all", "none",
        ],
        MANAGER => [
            "managers-team",
            "report-to-them",
            "managers-team",
            "report-to-them",
            "own",
            "report-to-them",
            "all",
            "managers-team",
            "own",
        ],
        READ_ONLY => [
            "own", "none", "none", "none", "none", "none", "none", "none", "none",
        ],
        _ => ["own"; 9],
    };
    let folders: Vec<Value> = ds
        .folders
        .iter()
        .filter(|(w, _)| *w == p.workspace)
        .map(|(_, f)| f["id"].clone())
        .collect();
    let library = match p.kind {
        ADMIN | ENABLEMENT => json!({"permissionLevel": "all", "libraryFolderIds": [],
            "managePublicFolder": true, "manageStreams": true, "manageFolderCalls": true, "shareFoldersAndStreams": true}),
        READ_ONLY => json!({"permissionLevel": "none", "libraryFolderIds": [],
            "managePublicFolder": false, "manageStreams": false, "manageFolderCalls": false, "shareFoldersAndStreams": false}),
        _ => json!({"permissionLevel": "specific-folders", "libraryFolderIds": folders,
            "managePublicFolder": false, "manageStreams": p.kind == MANAGER, "manageFolderCalls": p.kind == MANAGER, "shareFoldersAndStreams": true}),
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id.to_string()));
    m.insert("name".into(), json!(KINDS[p.kind]));
    m.insert(
        "description".into(),
        json!(format!(
            "{} — {}",
            KINDS[p.kind],
            ds.workspaces[p.workspace]["name"].as_str().unwrap_or("")
        )),
    );
    m.insert("callsAccess".into(), access(ds, levels[0]));
    m.insert("libraryFolderAccess".into(), library);
    m.insert("dealsAccess".into(), access(ds, levels[1]));
    m.insert(
        "forecastPermissions".into(),
        json!({"forecastAccess": access(ds, levels[2]), "forecastEditSubmissions": access(ds, levels[3]),
               "forecastEditTargets": access(ds, levels[4])}),
    );
    m.insert("coachingAccess".into(), access(ds, levels[5]));
    m.insert("insightsAccess".into(), access(ds, levels[6]));
    m.insert("usageAccess".into(), access(ds, levels[7]));
    m.insert("emailsAccess".into(), access(ds, levels[8]));
    for (k, name) in CAPABILITIES.iter().enumerate() {
        let on = match p.kind {
            ADMIN => true,
            READ_ONLY => matches!(*name, "callsAndSearch" | "library" | "account"),
            _ => !h3(p.id, k as u64, 3).is_multiple_of(3),
        };
        m.insert(name.to_string(), json!(on));
    }
    Value::Object(m)
}

/// (profiles, profile-user memberships) over the dataset.
pub(super) fn counts(ds: &Dataset) -> (usize, usize) {
    let all = profiles(ds);
    let members = all.iter().map(|p| members(ds, p).len()).sum();
    (all.len(), members)
}

/// The profile named by the `profileId` parameter, or 400.
fn find(
    st: &super::AppState,
    ds: &Dataset,
    q: &HashMap<String, String>,
) -> Result<Profile, axum::response::Response> {
    let id = required(st, q, "profileId")?;
    profiles(ds)
        .into_iter()
        .find(|p| p.id.to_string() == id)
        .ok_or_else(|| {
            bad(
                st,
                format!("Bad request: permission profile {id} not found"),
            )
        })
}

/// `GET /v2/all-permission-profiles?workspaceId=`.
pub(super) async fn list(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ws = required(&st, &q, "workspaceId")?;
    let ds = st.dataset.read().unwrap();
    let w = ds
        .workspace_index(ws)
        .ok_or_else(|| bad(&st, format!("Bad request: workspace {ws} not found")))?;
    let list: Vec<Value> = profiles(&ds)
        .iter()
        .filter(|p| p.workspace == w)
        .map(|p| profile_json(&ds, p))
        .collect();
    Ok(ok(
        &st,
        Map::from_iter([("profiles".to_string(), Value::Array(list))]),
    ))
}

/// `GET /v2/permission-profile?profileId=`.
pub(super) async fn get_one(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let p = find(&st, &ds, &q)?;
    Ok(ok(
        &st,
        Map::from_iter([("profile".to_string(), profile_json(&ds, &p))]),
    ))
}

/// `GET /v2/permission-profile/users?profileId=`.
pub(super) async fn users(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let ds = st.dataset.read().unwrap();
    let p = find(&st, &ds, &q)?;
    let list: Vec<Value> = members(&ds, &p)
        .into_iter()
        .map(|u| {
            let user = &ds.users[u];
            json!({"id": user["id"], "fullName": full_name(user), "emailAddress": user["emailAddress"]})
        })
        .collect();
    Ok(ok(
        &st,
        Map::from_iter([("users".to_string(), Value::Array(list))]),
    ))
}
