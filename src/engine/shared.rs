//! Parent lists (users, workspaces, a workspace's folders) fetched once per sync and shared by the
//! streams that need them, and by the stream that *is* that list.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::OnceCell;

use super::pager::Pager;
use crate::client::{ApiRequest, GongClient};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::gong::page::Page;
use crate::state::Selected;

/// Parent lists that more than one selected stream needs, fetched once per sync (see [`SharedLists`]).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Needs {
    pub(super) users: bool,
    pub(super) workspaces: bool,
    pub(super) folders: bool,
}

impl Needs {
    pub(super) fn of(selected: &[Selected], config: &Config) -> Needs {
        let has = |name: &str| selected.iter().any(|s| s.def.name == name);
        Needs {
            users: has("coaching"),
            workspaces: config.workspace_id.is_none()
                && (has("library_folders") || has("library_folder_content") || has("coaching")),
            folders: has("library_folder_content"),
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
pub(super) type SharedList = Arc<OnceCell<Arc<Vec<Page>>>>;

impl SharedLists {
    pub(super) async fn pages(
        &self,
        client: &GongClient,
        request: &ApiRequest,
        record_key: &str,
        empty_404: &[&str],
    ) -> Result<Arc<Vec<Page>>> {
        let key = format!("{} {} {:?}", request.method, request.path, request.query);
        let cell = self
            .lists
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_try_init(|| async {
            let mut pager = Pager::new(client, request.clone(), record_key, empty_404);
            let mut pages = Vec::new();
            while let Some(page) = pager.next_page().await? {
                pages.push(page);
            }
            Ok::<_, Error>(Arc::new(pages))
        })
        .await
        .cloned()
    }

    pub(super) async fn values(
        &self,
        client: &GongClient,
        request: &ApiRequest,
        record_key: &str,
        empty_404: &[&str],
    ) -> Result<Vec<Value>> {
        let pages = self.pages(client, request, record_key, empty_404).await?;
        Ok(pages.iter().flat_map(Page::values).collect())
    }
}
