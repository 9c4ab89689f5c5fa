//! Parent lists (users, workspaces, a workspace's folders) fetched once per sync and shared by the
//! streams whose plans need them (`streams::Parent`), and by the stream that *is* that list.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::OnceCell;

use super::pager::Pager;
use super::plan::Parents;
use super::Engine;
use crate::client::{ApiRequest, GongClient};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::gong::endpoints::{self as ep, Endpoint};
use crate::gong::page::Page;
use crate::gong::values::id_string;
use crate::state::Selected;
use crate::streams::Parent;

/// Parent lists that more than one selected stream needs, fetched once per sync (see [`SharedLists`]).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Needs {
    users: bool,
    workspaces: bool,
    folders: bool,
    profiles: bool,
    crm_integrations: bool,
}

impl Needs {
    pub(super) fn of(selected: &[Selected], config: &Config) -> Needs {
        let needed = |p: Parent| selected.iter().any(|s| s.def.plan.parents().contains(&p));
        Needs {
            users: needed(Parent::Users),
            workspaces: config.workspace_id.is_none() && needed(Parent::Workspaces),
            folders: needed(Parent::Folders),
            profiles: needed(Parent::Profiles),
            crm_integrations: needed(Parent::CrmIntegrations),
        }
    }

    /// Some selected stream's plan is built from `list`.
    pub(super) fn has(&self, list: Parent) -> bool {
        match list {
            Parent::Users => self.users,
            Parent::Workspaces => self.workspaces,
            Parent::Folders => self.folders,
            Parent::Profiles => self.profiles,
            Parent::CrmIntegrations => self.crm_integrations,
        }
    }
}

/// Small lists (users, workspaces, a workspace's folders) that are both a stream and the parent of
/// another: fetched once and kept as Gong's pages, so the stream emits exactly what its children used and
/// the sync sends no request twice.
#[derive(Default)]
pub struct SharedLists {
    lists: Mutex<HashMap<String, SharedList>>,
}

/// One list's pages, fetched by the first stream that asks.
type SharedList = Arc<OnceCell<Arc<Vec<Page>>>>;

impl SharedLists {
    /// The list `request` asks for is already fetched (by a stream that asked first).
    pub(super) fn fetched(&self, request: &ApiRequest) -> bool {
        self.lists
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&list_key(request))
            .is_some_and(|cell| cell.initialized())
    }

    /// The records of the list `request` asks for, when a stream that asked first has fetched it.
    pub(super) fn records(&self, request: &ApiRequest) -> Option<u64> {
        let lists = self.lists.lock().unwrap_or_else(|p| p.into_inner());
        let pages = lists.get(&list_key(request))?.get()?;
        Some(pages.iter().map(|p| p.len() as u64).sum())
    }

    pub(super) async fn pages(
        &self,
        client: &GongClient,
        endpoint: &Endpoint,
        request: &ApiRequest,
    ) -> Result<Arc<Vec<Page>>> {
        let key = list_key(request);
        let cell = self
            .lists
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_try_init(|| async {
            let mut pager = Pager::new(client, endpoint, request.clone());
            let mut pages = Vec::new();
            while let Some(page) = pager.next_page().await? {
                pages.push(page);
            }
            Ok::<_, Error>(Arc::new(pages))
        })
        .await
        .cloned()
    }

    async fn values(
        &self,
        client: &GongClient,
        endpoint: &Endpoint,
        request: &ApiRequest,
    ) -> Result<Vec<Value>> {
        let pages = self.pages(client, endpoint, request).await?;
        Ok(pages.iter().flat_map(Page::values).collect())
    }
}

fn list_key(request: &ApiRequest) -> String {
    format!("{} {} {:?}", request.method, request.path, request.query)
}

impl Engine {
    /// Fetches the parent lists in `lists` (through the shared lists) for a stream's plan.
    pub(super) async fn parents(&self, lists: &[Parent]) -> Result<Parents> {
        let mut parents = Parents::default();
        if lists.contains(&Parent::Workspaces) {
            parents.workspaces = self.workspace_ids().await?;
        }
        if lists.contains(&Parent::Folders) {
            for ws in &parents.workspaces {
                let folders = self.list(&ep::LIBRARY_FOLDERS, &ep::folders_of(ws)).await?;
                for folder in folders {
                    if let Some(id) = id_string(folder.get("id")) {
                        let name = folder.get("name").cloned().unwrap_or(Value::Null);
                        parents.folders.push((id, name));
                    }
                }
            }
        }
        if lists.contains(&Parent::Users) {
            let users = self.list(&ep::USERS, &ep::USERS.request()).await?;
            parents.users = users
                .iter()
                .filter_map(|u| id_string(u.get("id")))
                .collect();
            parents.managers = manager_ids(&users);
        }
        Ok(parents)
    }

    /// The items a `Plan::PerParent` stream's slices are made of: each workspace's permission profile
    /// ids, each CRM integration's id (as Gong sent it, a number), every user's email (sorted, each
    /// once), or the workspace or folder ids of `built` (the lists already fetched).
    pub(super) async fn parent_items(&self, parent: Parent, built: &Parents) -> Result<Vec<Value>> {
        let ids = |list: Vec<Value>, key: &str| -> Vec<Value> {
            list.into_iter()
                .filter_map(|item| item.get(key).filter(|v| !v.is_null()).cloned())
                .collect()
        };
        Ok(match parent {
            Parent::Workspaces => built
                .workspaces
                .iter()
                .map(|w| Value::from(w.as_str()))
                .collect(),
            Parent::Folders => built
                .folders
                .iter()
                .map(|(id, _)| Value::from(id.as_str()))
                .collect(),
            Parent::Profiles => {
                let mut items = Vec::new();
                for ws in &built.workspaces {
                    let profiles = self
                        .list(&ep::PERMISSION_PROFILES, &ep::profiles_of(ws))
                        .await?;
                    items.extend(ids(profiles, "id"));
                }
                items
            }
            Parent::CrmIntegrations => {
                let request = ep::CRM_INTEGRATIONS.request();
                ids(
                    self.list(&ep::CRM_INTEGRATIONS, &request).await?,
                    "integrationId",
                )
            }
            Parent::Users => {
                let users = self.list(&ep::USERS, &ep::USERS.request()).await?;
                let mut emails: Vec<String> = users
                    .iter()
                    .filter_map(|u| u.get("emailAddress").and_then(Value::as_str))
                    .filter(|e| !e.trim().is_empty())
                    .map(str::to_string)
                    .collect();
                emails.sort_by_key(|e| e.to_ascii_lowercase());
                emails.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
                emails.into_iter().map(Value::from).collect()
            }
        })
    }

    async fn list(&self, endpoint: &Endpoint, request: &ApiRequest) -> Result<Vec<Value>> {
        self.shared.values(&self.client, endpoint, request).await
    }

    /// Workspace ids: the configured one, or all of the company's.
    async fn workspace_ids(&self) -> Result<Vec<String>> {
        if let Some(id) = &self.config.workspace_id {
            return Ok(vec![id.clone()]);
        }
        let workspaces = self
            .list(&ep::WORKSPACES, &ep::WORKSPACES.request())
            .await?;
        Ok(workspaces
            .iter()
            .filter_map(|w| id_string(w.get("id")))
            .collect())
    }
}

/// Users who manage someone: the coaching endpoint's managers.
fn manager_ids(users: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = users
        .iter()
        .filter_map(|u| id_string(u.get("managerId")))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
