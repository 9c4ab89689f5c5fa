//! The typed Gong API: the entity/action interface (list, get, download) of `execute` and the MCP
//! server, as Rust.
//!
//! ```no_run
//! # async fn demo(config: source_gong::config::Config) -> source_gong::error::Result<()> {
//! use serde_json::json;
//! let gong = source_gong::api::Gong::new(config)?;
//! let page = gong.users().list(&json!({})).await?;          // one page, Gong's records (ids as strings)
//! let next = gong.users().list(&json!({"cursor": page.pagination.cursor})).await?;
//! let user = gong.users().get("234599484848423").await?;
//! let mut file = tokio::fs::File::create("call.mp3").await.unwrap();
//! gong.call_audio()
//!     .download(&json!({"filter": {"callIds": ["7782342274025937895"]}}), &mut file)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! One job per file: the table of entities and their actions ([`entities`]), parameter validation
//! ([`validate`]) and the checks beyond types ([`checks`]), request building from the endpoint entries'
//! parameters ([`request`]), a page's answer ([`page`]), downloads ([`download`]), the answered-scorecards
//! special case ([`scorecards`]), the machine description of it all ([`catalog`]), and here the client
//! that runs an action.
//!
//! Every request goes through the one [`GongClient`] (auth, request budget, retries). Parameters are
//! checked against the endpoint entry's list before anything is sent: an unknown name, a wrong type, a
//! missing required parameter or a malformed date is a config error that names the parameter. Errors
//! that mean "no such record" carry HTTP status 404 ([`is_not_found`]). Records are Gong's bytes, except
//! that every id Gong sent as a number is a string with the same digits ([`crate::gong::ids`]), as in the
//! sync's records.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::io::AsyncWrite;

use crate::client::{ApiRequest, GongClient, Reply};
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::gong::ids::quote_ids;
use crate::media::{self, DownloadInfo};

pub mod catalog;
mod checks;
pub mod download;
pub mod entities;
pub mod page;
pub mod request;
mod scorecards;
pub mod validate;

pub use download::{download_target, DownloadOptions};
pub use entities::{Action, Entity};
pub use page::{ListPage, Pagination};
pub use validate::validate;

/// Every entity, in the table's order.
pub fn entities() -> &'static [Entity] {
    entities::all()
}

/// True when the error means "no such record" (a get of an unknown id, a call without media).
pub fn is_not_found(e: &Error) -> bool {
    *e.reason() == crate::error::Reason::NotFound
}

/// The answer of a failed action, `{"error": {"kind", "message"}}`, and the exit code of `execute`
/// (2: the caller's to fix; 1: anything else). The MCP server sends the same object as a tool error.
pub fn error_answer(e: &Error) -> (Value, u8) {
    let (kind, code) = if is_not_found(e) {
        ("not_found", 1)
    } else {
        match e.kind {
            ErrorKind::Config => ("config_error", 2),
            ErrorKind::Transient => ("transient_error", 1),
            ErrorKind::System => ("system_error", 1),
        }
    };
    (json!({"error": {"kind": kind, "message": e.message}}), code)
}

fn unsupported(entity: Entity, action: Action) -> Error {
    let actions: Vec<&str> = entity.actions().iter().map(|a| a.name()).collect();
    Error::config(format!(
        "Entity `{}` has no action `{}`; its actions: {}.",
        entity.name(),
        action.name(),
        actions.join(", ")
    ))
}

/// The typed Gong API. Cheap to clone.
#[derive(Clone)]
pub struct Gong {
    client: Arc<GongClient>,
    config: Arc<Config>,
}

/// One entity of a [`Gong`]: its actions.
pub struct EntityApi<'a> {
    gong: &'a Gong,
    entity: Entity,
}

impl Gong {
    pub fn new(config: Config) -> Result<Gong> {
        let client = Arc::new(GongClient::new(&config)?);
        Ok(Gong {
            client,
            config: Arc::new(config),
        })
    }

    /// Shares a client (and its budget) with other users, e.g. a sync.
    pub fn with_client(client: Arc<GongClient>, config: Arc<Config>) -> Gong {
        Gong { client, config }
    }

    pub fn client(&self) -> &Arc<GongClient> {
        &self.client
    }

    /// An entity by name (`users`, `call_audio`, …).
    pub fn entity(&self, name: &str) -> Result<EntityApi<'_>> {
        let entity = Entity::parse(name)
            .ok_or_else(|| Error::config(format!("Unknown entity `{name}`.")))?;
        Ok(EntityApi { gong: self, entity })
    }

    /// One of the entities named by the methods below (`tests::the_named_entities_exist`).
    fn named(&self, name: &str) -> EntityApi<'_> {
        let entity = Entity::parse(name).unwrap_or_else(|| entities::all()[0]);
        EntityApi { gong: self, entity }
    }

    pub fn users(&self) -> EntityApi<'_> {
        self.named("users")
    }
    pub fn calls(&self) -> EntityApi<'_> {
        self.named("calls")
    }
    pub fn calls_extensive(&self) -> EntityApi<'_> {
        self.named("calls_extensive")
    }
    pub fn call_audio(&self) -> EntityApi<'_> {
        self.named("call_audio")
    }
    pub fn call_video(&self) -> EntityApi<'_> {
        self.named("call_video")
    }
    pub fn coaching(&self) -> EntityApi<'_> {
        self.named("coaching")
    }

    /// Any entity's list: one page.
    pub async fn list(&self, entity: Entity, params: &Value) -> Result<ListPage> {
        if !entity.actions().contains(&Action::List) {
            return Err(unsupported(entity, Action::List));
        }
        EntityApi { gong: self, entity }.list(params).await
    }

    /// Any entity's get: `params` names the record (`id`, `profileId`, an email address).
    pub async fn get(&self, entity: Entity, params: &Value) -> Result<Box<RawValue>> {
        let params = &checks::without_nulls(params);
        validate(entity, Action::Get, params)?;
        if !entity.actions().contains(&Action::Get) {
            return Err(unsupported(entity, Action::Get));
        }
        let id = validate::lookup_str(params, entity.get_param()).unwrap_or_default();
        EntityApi { gong: self, entity }.get(id).await
    }

    /// Any entity's download.
    pub async fn download<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        entity: Entity,
        params: &Value,
        options: &DownloadOptions,
        out: &mut W,
    ) -> Result<DownloadInfo> {
        EntityApi { gong: self, entity }
            .download_with(params, options, out)
            .await
    }

    /// The request a list sends, after validation (also used by tests and `--dry-run`-like tooling).
    pub fn list_request(&self, entity: Entity, params: &Value) -> Result<ApiRequest> {
        let params = &checks::without_nulls(params);
        let now = Utc::now();
        validate(entity, Action::List, params)?;
        checks::check(entity, Action::List, params, now)?;
        request::list_request(entity, params, &self.config, now)
    }
}

impl EntityApi<'_> {
    /// One page. `params.cursor` (from the previous page's `pagination.cursor`) fetches the next.
    /// Where the connector filters Gong's pages (`stats_activity_scorecards`), a page with no match is
    /// followed by the next until one has matches or the data ends.
    pub async fn list(&self, params: &Value) -> Result<ListPage> {
        let mut params = checks::without_nulls(params);
        let here = match self.entity.special() {
            entities::Special::ScorecardFilters => scorecards::HereFilter::of(&params),
            entities::Special::None => None,
        };
        loop {
            let mut page = self.gong_page(&params).await.map_err(checks::callers)?;
            let Some(filter) = &here else {
                return Ok(page);
            };
            page.data = filter.apply(page.data);
            page.pagination.current_page_size = page.data.len() as u64;
            page.note = Some(filter.note());
            match page.pagination.cursor.clone() {
                Some(cursor) if page.data.is_empty() => params["cursor"] = json!(cursor),
                _ => return Ok(page),
            }
        }
    }

    async fn gong_page(&self, params: &Value) -> Result<ListPage> {
        let entity = self.entity;
        let request = self.gong.list_request(entity, params)?;
        let endpoint = entity
            .list_endpoint()
            .ok_or_else(|| unsupported(entity, Action::List))?;
        page::read_page(&self.gong.client, endpoint, &request, entity.name()).await
    }

    /// One record, as Gong sends it. An unknown id is a 404 error ([`is_not_found`]).
    pub async fn get(&self, id: &str) -> Result<Box<RawValue>> {
        self.get_one(id).await.map_err(checks::callers)
    }

    async fn get_one(&self, id: &str) -> Result<Box<RawValue>> {
        let entity = self.entity;
        let get = entity
            .def()
            .get
            .ok_or_else(|| unsupported(entity, Action::Get))?;
        let name = entity.get_param();
        if checks::is_id_param(name) && !checks::is_gong_id(id) {
            let what = format!("{} get", entity.name());
            return Err(checks::get_id_error(&what, name, id));
        }
        let request = request::get_request(&get, id)?;
        let key = get.endpoint.record_key;
        let reply = self
            .gong
            .client
            .send_parsed(&request, |body| {
                if key.is_empty() {
                    return RawValue::from_string(String::from_utf8_lossy(body).into_owned())
                        .map(Some)
                        .map_err(|e| e.to_string());
                }
                let mut one: HashMap<String, Box<RawValue>> =
                    serde_json::from_slice(body).map_err(|e| e.to_string())?;
                Ok(one.remove(key).filter(|r| r.get() != "null"))
            })
            .await?;
        let noun = get.noun;
        match reply {
            Reply::Ok(Some(record)) => match quote_ids(record.get()) {
                Cow::Borrowed(_) => Ok(record),
                Cow::Owned(text) => RawValue::from_string(text)
                    .map_err(|e| Error::system(format!("Gong sent a malformed record: {e}"))),
            },
            Reply::Ok(None) => Err(Error::system(format!(
                "Gong's answer for {noun} {id} has no `{key}`."
            ))),
            Reply::NotFound(text) => Err(Error::system(format!(
                "{noun} {id} was not found (Gong said: {text})."
            ))
            .with_status(404)),
        }
    }

    /// Streams the recording to `out`, with the seed's parameters
    /// (`filter.callIds` = [one id], optional `range_header`).
    pub async fn download<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        params: &Value,
        out: &mut W,
    ) -> Result<DownloadInfo> {
        self.download_with(params, &DownloadOptions::default(), out)
            .await
    }

    /// As [`EntityApi::download`], resuming after `options.skip` bytes or starting from a known URL.
    pub async fn download_with<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        params: &Value,
        options: &DownloadOptions,
        out: &mut W,
    ) -> Result<DownloadInfo> {
        let kind = self
            .entity
            .media_kind()
            .ok_or_else(|| unsupported(self.entity, Action::Download))?;
        let (call_id, range) = download_target(self.entity, params)?;
        media::download(
            &self.gong.client,
            &call_id,
            kind,
            options.url.clone(),
            range,
            options.skip,
            out,
        )
        .await
        .map_err(checks::callers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_entities_exist() {
        let config = Config::from_value(
            json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                   "start_date": "2024-01-01"}),
            Utc::now(),
        )
        .unwrap();
        let gong = Gong::new(config).unwrap();
        let named = [
            gong.users(),
            gong.calls(),
            gong.calls_extensive(),
            gong.call_audio(),
            gong.call_video(),
            gong.coaching(),
        ];
        let names: Vec<&str> = named.iter().map(|e| e.entity.name()).collect();
        assert_eq!(
            names,
            [
                "users",
                "calls",
                "calls_extensive",
                "call_audio",
                "call_video",
                "coaching"
            ]
        );
        assert!(gong.entity("nope").is_err());
    }
}
