//! `GET /v2/flows?flowOwnerEmail=&workspaceId=&cursor=`: the Engage flows one user sees, 100 a page:
//! every company flow, the user's personal flows, and the flows other users shared with the user.
//! `flowOwnerEmail` is required; an email that is no user's, or an unknown workspace, is a 400 (the
//! spec's only client error for it).
//!
//! Each workspace has 5 + users/10 company flows in two folders; each user owns 0–3 flows in the
//! first or second workspace, the first of them shared with one or two other users for one user in
//! three. So a company flow comes back for every owner, and a connector must dedupe by flow id.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::{json, Value};

use super::{bad, get_page, required, HResult, St};
use crate::data::{fmt_dt, Dataset};
use crate::rng::{h2, h3};

const VISIBILITY: [&str; 3] = ["Company", "Personal", "Shared"];
const COMPANY_NAMES: [&str; 7] = [
    "Inbound lead follow-up",
    "Outbound prospecting",
    "Event attendees",
    "Renewal outreach",
    "Re-engage closed lost",
    "Webinar no-shows — relance",
    "Trial nurture 🚀",
];

/// One flow.
#[derive(Clone, Debug)]
struct Flow {
    id: u64,
    seed: u64,
    workspace: usize,
    /// 0 Company, 1 Personal, 2 Shared.
    visibility: usize,
    /// The user whose personal or shared flow it is.
    owner: Option<usize>,
    /// Users it is shared with.
    shared_with: Vec<usize>,
    name: String,
}

/// Every flow of the company: company flows by workspace, then personal flows by owner.
fn all_flows(ds: &Dataset) -> Vec<Flow> {
    let base = ds.seed ^ 0xF10;
    let nws = ds.workspaces.len();
    let mut out = Vec::new();
    for w in 0..nws {
        for k in 0..5 + ds.users.len() / 10 {
            let seed = h3(base, ds.workspace_ids[w], k as u64);
            out.push(Flow {
                id: 1_000_000_000_000_000 + seed % 8_000_000_000_000_000_000,
                seed,
                workspace: w,
                visibility: 0,
                owner: None,
                shared_with: vec![],
                name: format!("{} #{}", COMPANY_NAMES[k % COMPANY_NAMES.len()], k + 1),
            });
        }
    }
    for u in 0..ds.users.len() {
        let h = h2(base, ds.user_ids[u]);
        for k in 0..h % 4 {
            let seed = h3(base, ds.user_ids[u], 100 + k);
            let shared = if k == 0 && (h >> 8).is_multiple_of(3) {
                shared_with(ds, u, seed)
            } else {
                vec![]
            };
            out.push(Flow {
                id: 1_000_000_000_000_000 + seed % 8_000_000_000_000_000_000,
                seed,
                workspace: ((h >> 16) % nws.min(2) as u64) as usize,
                visibility: if shared.is_empty() { 1 } else { 2 },
                owner: Some(u),
                shared_with: shared,
                name: format!(
                    "{} — {}",
                    ds.users[u]["firstName"].as_str().unwrap_or(""),
                    COMPANY_NAMES[(seed % 7) as usize]
                ),
            });
        }
    }
    out
}

/// One or two other users a shared flow goes to.
fn shared_with(ds: &Dataset, owner: usize, seed: u64) -> Vec<usize> {
    let mut v = Vec::new();
    for j in 0..1 + seed % 2 {
        let u = (h2(seed, j) % ds.users.len() as u64) as usize;
        if u != owner && !v.contains(&u) {
            v.push(u);
        }
    }
    v
}

/// Whether user `u` sees the flow.
fn visible_to(f: &Flow, u: usize) -> bool {
    f.visibility == 0 || f.owner == Some(u) || f.shared_with.contains(&u)
}

/// The `PublicApiFlow` of a flow.
fn flow_json(ds: &Dataset, f: &Flow) -> Value {
    let (folder_seed, folder_name) = match f.owner {
        None if f.seed.is_multiple_of(2) => (
            h2(ds.workspace_ids[f.workspace], 1),
            "Company flows".to_string(),
        ),
        None => (
            h2(ds.workspace_ids[f.workspace], 2),
            "Campagnes — Q4".to_string(),
        ),
        Some(u) => (h2(ds.user_ids[u], 3), "My flows".to_string()),
    };
    let created = ds.anchor.timestamp() - 86_400 * (30 + (f.seed >> 8) % 670) as i64;
    json!({
        "id": f.id.to_string(),
        "name": f.name,
        "folderId": (1_000_000_000_000_000 + folder_seed % 8_000_000_000_000_000_000).to_string(),
        "folderName": folder_name,
        "visibility": VISIBILITY[f.visibility],
        "creationDate": fmt_dt(created, 0),
        "exclusive": (f.seed >> 20).is_multiple_of(3),
    })
}

/// (distinct flows, sum over users of the flows each sees) over the dataset.
pub(super) fn counts(ds: &Dataset) -> (usize, usize) {
    // a company flow is seen by every user, any other by its owner and those it is shared with
    let all = all_flows(ds);
    let by_owner = all
        .iter()
        .map(|f| match f.owner {
            None => ds.users.len(),
            Some(_) => 1 + f.shared_with.len(),
        })
        .sum();
    (all.len(), by_owner)
}

/// `GET /v2/flows`.
pub(super) async fn list(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let email = required(&st, &q, "flowOwnerEmail")?;
    let ds = st.dataset.read().unwrap();
    let owner = ds
        .users
        .iter()
        .position(|u| {
            u["emailAddress"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
        .ok_or_else(|| {
            bad(
                &st,
                format!("Bad request: no user has the email address {email}"),
            )
        })?;
    let ws = match q
        .get("workspaceId")
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
    {
        Some(w) => Some(
            ds.workspace_index(w)
                .ok_or_else(|| bad(&st, format!("Bad request: workspace {w} not found")))?,
        ),
        None => None,
    };
    let seen: Vec<Flow> = all_flows(&ds)
        .into_iter()
        .filter(|f| visible_to(f, owner) && ws.is_none_or(|w| w == f.workspace))
        .collect();
    get_page(&st, "/v2/flows", &q, "flows", seen.len(), |a, b| {
        seen[a..b].iter().map(|f| flow_json(&ds, f)).collect()
    })
}
