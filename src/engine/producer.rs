//! The producer of one slice: fetches its pages (through the pager or the shared lists, or listing calls
//! and fetching them by id in batches), adds the fields the stream lifts out of each record, and sends
//! the pages to the writer in order.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::link::{Batch, SliceLink};
use super::listings::{listed, Listed, Listings, Tap};
use super::pager::Pager;
use super::plan::Slice;
use super::private::drop_private;
use super::shared::SharedLists;
use crate::client::GongClient;
use crate::error::{Error, Result};
use crate::gong::endpoints::Endpoint;
use crate::gong::ids::quote_raw_id;
use crate::gong::page::{leading_field, Page, PAGE_SIZE};
use crate::gong::values::{id_string, json_str};
use crate::streams::{Lift, Plan, StreamDef};

/// What a slice's producer task needs.
pub(super) struct Producer {
    pub(super) client: Arc<GongClient>,
    pub(super) shared: Arc<SharedLists>,
    pub(super) listings: Arc<Listings>,
    /// Set when another selected stream takes its ids from this slice's pages (`listings.rs`).
    pub(super) tap: std::sync::Mutex<Option<Tap>>,
    pub(super) def: &'static StreamDef,
    pub(super) files: Option<Arc<crate::media::FileStaging>>,
    /// call_media's size probes of this read (`media_probe.rs`).
    pub(super) probes: Arc<crate::media_probe::Probes>,
    /// `exclude_private_calls`: drop the calls the stream's `private_flag` marks private.
    pub(super) exclude_private: bool,
}

impl Producer {
    /// Fetches one slice and sends its records, in order, to the writer.
    pub(super) async fn produce(self, slice: Slice, link: SliceLink) -> Result<()> {
        let def = self.def;
        if let Plan::CallIdBatches { listing, ids, .. } = def.plan {
            return self.produce_by_ids(listing, ids, &slice, &link).await;
        }
        if slice.shared {
            let pages = self
                .shared
                .pages(&self.client, def.endpoint, &slice.request)
                .await?;
            for page in pages.iter() {
                let mut page = page.clone();
                self.drop_private(&mut page)?;
                let batch = records_of(def, page, &slice.added, None)?;
                if link.send(batch, link.lane().await).await.is_err() {
                    break;
                }
            }
            return Ok(());
        }
        let mut pager = Pager::new(&self.client, def.window_endpoint(), slice.request.clone());
        let whole = self.follow(&mut pager, &slice, &link, None).await?;
        let tap = self.tap.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let (true, Some(tap)) = (whole, tap) {
            tap.publish();
        }
        Ok(())
    }

    /// Sends every page of `pager` to the writer. A page the writer is waiting for (the front's) is
    /// handed over in parts as its body arrives; a page fetched ahead of the writer is read whole into the
    /// gate's pool. `Ok(false)` when the writer stopped reading this slice (its stream failed).
    async fn follow(
        &self,
        pager: &mut Pager<'_>,
        slice: &Slice,
        link: &SliceLink,
        started: Option<&HashMap<String, String>>,
    ) -> Result<bool> {
        let def = self.def;
        loop {
            // The lane is held until the page is read, also while its parts wait for the writer.
            let ticket = link.lane().await;
            // Media pages download every record's files before the page goes on: whole.
            let whole = ticket.is_behind() || def.lift == Lift::CallMedia;
            loop {
                let Some(mut part) = pager.next_part(whole).await? else {
                    return Ok(true);
                };
                self.drop_private(&mut part.page)?;
                let batch = if def.lift == Lift::CallMedia {
                    let (page, refs) = crate::media::media_page(
                        &self.client,
                        &part.page,
                        self.files.as_deref(),
                        &self.probes,
                    )
                    .await?;
                    Batch {
                        page,
                        lifted: Vec::new(),
                        refs,
                    }
                } else {
                    if let Some(tap) = self.tap.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
                        tap.keep(&part.page)?;
                    }
                    records_of(def, part.page, &slice.added, started)?
                };
                if whole {
                    if link.send(batch, ticket).await.is_err() {
                        return Ok(false);
                    }
                    break;
                }
                if part.last {
                    link.page_size.observe(part.page_bytes);
                }
                if link.send_part(batch).await.is_err() {
                    return Ok(false);
                }
                if part.last {
                    break;
                }
            }
        }
    }

    /// Drops the private calls of a page of the stream's own records, when the config asks for it
    /// (id-batched streams drop them from their listing instead: their records do not say).
    fn drop_private(&self, page: &mut Page) -> Result<()> {
        match self.def.private_flag {
            Some(flag)
                if self.exclude_private
                    && std::ptr::eq(self.def.window_endpoint(), self.def.endpoint) =>
            {
                drop_private(page, flag, self.def.endpoint.path)
            }
            _ => Ok(()),
        }
    }

    /// Lists the window's calls and fetches the stream's records for each listing page's calls (Gong
    /// lists 100 a page, the most a batch may name) before listing on: what is held is one page of ids,
    /// however many calls the window has. When another selected stream reads the same listing, its
    /// pages' ids are taken instead (`listings.rs`); if that stream's window failed, the window is listed
    /// here.
    async fn produce_by_ids(
        &self,
        listing: &'static Endpoint,
        ids_filter: &str,
        slice: &Slice,
        link: &SliceLink,
    ) -> Result<()> {
        if let Some(window) = self.listings.take(&slice.request).await {
            for page in window.iter() {
                if !self.fetch_by_ids(ids_filter, page, slice, link).await? {
                    break;
                }
            }
            return Ok(());
        }
        let mut calls = Pager::new(&self.client, listing, slice.request.clone());
        loop {
            let listed_page = {
                // Listing pages are small whatever the stream's pages are, and dropped here.
                let _lane = link.gate.fetch(link.seq, 64 << 10).await;
                calls.next_page().await?
            };
            let Some(page) = listed_page else {
                return Ok(());
            };
            let mut page = page;
            if let Some(flag) = self.def.private_flag.filter(|_| self.exclude_private) {
                drop_private(&mut page, flag, listing.path)?;
            }
            let ids = listed(&page, listing.path)?;
            drop(page);
            if !self.fetch_by_ids(ids_filter, &ids, slice, link).await? {
                return Ok(());
            }
        }
    }

    /// Fetches the stream's records of one listing page's calls. `Ok(false)` when the writer stopped
    /// reading this slice.
    async fn fetch_by_ids(
        &self,
        ids_filter: &str,
        listed: &Listed,
        slice: &Slice,
        link: &SliceLink,
    ) -> Result<bool> {
        let def = self.def;
        let started: HashMap<String, String> = listed.iter().cloned().collect();
        let ids: Vec<&String> = listed.iter().map(|(id, _)| id).collect();
        for chunk in ids.chunks(PAGE_SIZE) {
            let request = def
                .endpoint
                .filter(def.endpoint.request(), ids_filter, json!(chunk));
            let mut pager = Pager::new(&self.client, def.endpoint, request);
            if !self.follow(&mut pager, slice, link, Some(&started)).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

#[derive(Deserialize)]
pub(super) struct MetaOnly<'a> {
    #[serde(rename = "metaData", borrow)]
    pub(super) meta: Option<MetaIds<'a>>,
}

#[derive(Deserialize)]
pub(super) struct MetaIds<'a> {
    #[serde(borrow)]
    pub(super) id: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(super) started: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(super) struct CallIdOnly<'a> {
    #[serde(rename = "callId", borrow)]
    pub(super) call_id: Option<&'a RawValue>,
}

/// A page's records as the stream writes them: a range answer split into one record per day
/// (`per_day.rs`), and per record the fields added at its top level.
fn records_of(
    def: &StreamDef,
    page: Page,
    fixed: &str,
    started: Option<&HashMap<String, String>>,
) -> Result<Batch> {
    let page = match def.plan {
        Plan::DayRanges { source, split, .. } => super::per_day::split(&page, split, source.path)?,
        _ => page,
    };
    let lifted = lift(def, &page, fixed, started)?;
    Ok(Batch::lifted(page, lifted))
}

/// Per record, the pre-serialised fields added at its top level: the slice's fixed fields plus any
/// lifted from inside the record.
pub(super) fn lift(
    def: &StreamDef,
    page: &Page,
    fixed: &str,
    started: Option<&HashMap<String, String>>,
) -> Result<Vec<String>> {
    match def.lift {
        Lift::None if fixed.is_empty() => Ok(Vec::new()),
        Lift::None => Ok(vec![fixed.to_string(); page.len()]),
        // Records built whole by `media::media_page`.
        Lift::CallMedia => Ok(Vec::new()),
        Lift::EntryHash => Ok((0..page.len())
            .map(|i| {
                let hash = fnv1a64(page.record(i).as_bytes());
                join_fields(fixed, &format!("\"entryId\":\"{hash:016x}\""))
            })
            .collect()),
        Lift::MetaData => (0..page.len())
            .map(|i| {
                let record = page.record(i);
                let malformed = |e: serde_json::Error| {
                    Error::system(format!(
                        "A record of {} is malformed: {e}",
                        def.endpoint.path
                    ))
                };
                let meta = match leading_field(record, "metaData") {
                    Some(raw) => serde_json::from_str::<Option<MetaIds>>(raw).map_err(malformed)?,
                    None => {
                        serde_json::from_str::<MetaOnly>(record)
                            .map_err(malformed)?
                            .meta
                    }
                };
                let meta = meta.ok_or_else(|| {
                    Error::system(format!(
                        "A record of {} has no metaData, so it has no id.",
                        def.endpoint.path
                    ))
                })?;
                let id = meta.id.filter(|r| r.get() != "null").ok_or_else(|| {
                    Error::system(format!(
                        "A record of {} has no metaData.id.",
                        def.endpoint.path
                    ))
                })?;
                let started = meta.started.map(RawValue::get).unwrap_or("null");
                Ok(join_fields(
                    fixed,
                    &format!("\"id\":{},\"started\":{}", quote_raw_id(id.get()), started),
                ))
            })
            .collect(),
        Lift::CallStarted => (0..page.len())
            .map(|i| {
                let record = page.record(i);
                let raw_id = match leading_field(record, "callId") {
                    Some(raw) => Some(raw),
                    None => serde_json::from_str::<CallIdOnly>(record)
                        .map_err(|e| {
                            Error::system(format!(
                                "A record of {} is malformed: {e}",
                                def.endpoint.path
                            ))
                        })?
                        .call_id
                        .map(RawValue::get),
                };
                let id = raw_id
                    .and_then(|r| serde_json::from_str::<Value>(r).ok())
                    .and_then(|v| id_string(Some(&v)));
                let value = id
                    .and_then(|id| started.and_then(|m| m.get(&id)))
                    .filter(|s| !s.is_empty())
                    .map(|s| json_str(s))
                    .unwrap_or_else(|| "null".into());
                Ok(join_fields(fixed, &format!("\"callStarted\":{value}")))
            })
            .collect(),
    }
}

/// FNV-1a, 64 bits: a stable hash (the same on every platform and version) of a record's bytes.
pub(super) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub(super) fn join_fields(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a},{b}"),
    }
}
