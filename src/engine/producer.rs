//! The producer of one slice: fetches its pages (through the pager or the shared lists, or listing calls
//! and fetching them by id in batches, or taking a window another stream fetched: `listings.rs`), adds
//! the fields the stream lifts out of each record (named in `streams::added`), and sends the pages to the
//! writer in order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::link::{Batch, SliceLink};
use super::listings::{listed, Carried, Listed, Listings, Tap};
use super::pager::Pager;
use super::per_day::Days;
use super::plan::Slice;
use super::private::drop_private;
use super::riders;
use super::shared::SharedLists;
use super::windows::Probed;
use crate::client::{ApiRequest, GongClient};
use crate::error::{Error, Reason, Result};
use crate::gong::endpoints::Endpoint;
use crate::gong::ids::quote_raw_id;
use crate::gong::page::{leading_field, Page, PAGE_SIZE};
use crate::gong::values::{id_string, json_str};
use crate::protocol::LogLevel;
use crate::streams::{added, Bounds, Lift, PerDay, Plan, Ride, StreamDef};

/// What a slice's producer task needs.
pub(super) struct Producer {
    pub(super) client: Arc<GongClient>,
    pub(super) shared: Arc<SharedLists>,
    pub(super) listings: Arc<Listings>,
    pub(super) carried: Arc<Carried>,
    /// Set when another selected stream takes its ids from this slice's listing (`listings.rs`).
    pub(super) tap: std::sync::Mutex<Option<Tap<Listed>>>,
    /// Set when a rider takes this slice's pages: its tap and the fields it keeps of each record.
    pub(super) carry: std::sync::Mutex<Option<(Tap<Page>, Ride)>>,
    /// Gong refused a rider's field to this sync's credentials (HTTP 403): providers stop asking for it.
    pub(super) refused: Arc<AtomicBool>,
    /// The slice has sent a page to the writer.
    pub(super) sent: AtomicBool,
    pub(super) def: &'static StreamDef,
    pub(super) files: Option<Arc<crate::media::FileStaging>>,
    /// call_media's size probes of this read (`media/probe.rs`).
    pub(super) probes: Arc<crate::media::probe::Probes>,
    /// `exclude_private_calls`: drop the calls the stream's `private_flag` marks private.
    pub(super) exclude_private: bool,
    /// A range answer's days (`Plan::DayRanges`): the range asked for and the (user, day) pairs given,
    /// set at the slice's first page (`per_day.rs`).
    pub(super) days: std::sync::Mutex<Option<Days>>,
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
        if def.rides.is_some() {
            if let Some(window) = self.carried.take(&slice.request).await {
                return self.write_carried(&window, &link).await;
            }
        }
        let whole = self.produce_window(&slice, &link).await?;
        let tap = self.tap.lock().unwrap_or_else(|p| p.into_inner()).take();
        let carry = self.carry.lock().unwrap_or_else(|p| p.into_inner()).take();
        // Taps of a window not read whole are dropped: their takers fetch the window themselves.
        if let (true, Some(tap)) = (whole, tap) {
            tap.publish();
        }
        if let (true, Some((tap, _))) = (whole, carry) {
            tap.publish();
        }
        Ok(())
    }

    /// Reads the slice's window from its own request. When that request also asks for a rider's field
    /// (`slice.extra`) and Gong refuses it (HTTP 403, a scope the credentials lack) before any page, the
    /// window is read again without it: the rider then fetches its own window and fails alone.
    async fn produce_window(&self, slice: &Slice, link: &SliceLink) -> Result<bool> {
        let first = slice.first.as_deref();
        let Some(field) = slice.extra else {
            return self
                .read_window(slice.request.clone(), slice, link, None, first)
                .await;
        };
        if !self.refused.load(Ordering::Relaxed) {
            match self
                .read_window(slice.request.clone(), slice, link, Some(field), first)
                .await
            {
                Err(e)
                    if matches!(e.reason, Reason::Forbidden { .. })
                        && !self.sent.load(Ordering::Relaxed) =>
                {
                    self.refused.store(true, Ordering::Relaxed);
                }
                other => return other,
            }
        }
        self.carry.lock().unwrap_or_else(|p| p.into_inner()).take();
        let plain = riders::without_field(&slice.request, field);
        self.read_window(plain, slice, link, None, None).await
    }

    /// Follows `request`'s pages to the writer, from `first` (its first page, read by the planner,
    /// `windows.rs`) when given; `strip`: the field to remove from the records.
    async fn read_window(
        &self,
        request: ApiRequest,
        slice: &Slice,
        link: &SliceLink,
        strip: Option<&str>,
        first: Option<&Probed>,
    ) -> Result<bool> {
        let endpoint = self.def.window_endpoint();
        let mut pager = match first {
            Some(first) => {
                if !self.send_first(first, slice, link, strip).await? {
                    return Ok(false);
                }
                Pager::after(&self.client, endpoint, request, first.cursor.clone())
            }
            None => Pager::new(&self.client, endpoint, request),
        };
        self.follow(&mut pager, slice, link, None, strip).await
    }

    /// Writes a window a provider read for this stream (a rider): its records built from each page.
    async fn write_carried(&self, window: &[Page], link: &SliceLink) -> Result<()> {
        for page in window {
            let ticket = link.lane().await;
            let mut page = page.clone();
            self.drop_private(&mut page)?;
            let batch = self.media_batch(&page).await?;
            if link.send(batch, ticket).await.is_err() {
                break;
            }
        }
        Ok(())
    }

    /// The call_media records of a page of calls/extensive (`media::media_page`).
    async fn media_batch(&self, page: &Page) -> Result<Batch> {
        let (page, refs) =
            crate::media::media_page(&self.client, page, self.files.as_deref(), &self.probes)
                .await?;
        Ok(Batch {
            page,
            lifted: Vec::new(),
            refs,
        })
    }

    /// Sends every page of `pager` to the writer. A page the writer is waiting for (the front's) is
    /// handed over in parts as its body arrives; a page fetched ahead of the writer is read whole into the
    /// gate's pool. A rider's tap keeps its fields of each page first; `strip` is a field the request
    /// asked for only for the rider. `Ok(false)` when the writer stopped reading this slice.
    async fn follow(
        &self,
        pager: &mut Pager<'_>,
        slice: &Slice,
        link: &SliceLink,
        started: Option<&HashMap<String, String>>,
        strip: Option<&str>,
    ) -> Result<bool> {
        let def = self.def;
        loop {
            // The lane is held until the page is read, also while its parts wait for the writer.
            let ticket = link.lane().await;
            // Media pages download every record's files before the page goes on: whole.
            let whole = ticket.is_behind() || def.lift == Lift::CallMedia;
            loop {
                let Some(part) = pager.next_part(whole).await? else {
                    return Ok(true);
                };
                let batch = self.batch(part.page, slice, started, strip).await?;
                self.sent.store(true, Ordering::Relaxed);
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

    /// Keeps a rider's fields of a page (before this stream drops anything: the rider applies its own
    /// rules to what it takes).
    fn keep_for_rider(&self, page: &Page) -> Result<()> {
        let mut carry = self.carry.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((tap, ride)) = carry.as_mut() {
            tap.keep(riders::compact(page, ride.keep, self.def.endpoint.path)?);
        }
        Ok(())
    }

    /// A page (or part of one) of the slice's own records as the writer takes it: a rider's fields kept,
    /// private calls dropped, `strip` (a field asked only for the rider) removed, media read, ids kept
    /// for a listing's tap, fields lifted.
    async fn batch(
        &self,
        mut page: Page,
        slice: &Slice,
        started: Option<&HashMap<String, String>>,
        strip: Option<&str>,
    ) -> Result<Batch> {
        let def = self.def;
        self.keep_for_rider(&page)?;
        self.drop_private(&mut page)?;
        if let Some(field) = strip {
            page = riders::strip(page, field, def.endpoint.path)?;
        }
        if def.lift == Lift::CallMedia {
            return self.media_batch(&page).await;
        }
        if let Some(tap) = self.tap.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            tap.keep(listed(&page, def.endpoint.path)?);
        }
        if let Plan::DayRanges {
            source,
            period,
            split,
            ..
        } = def.plan
        {
            page = self.split_days(page, &slice.request, source.path, (period, split))?;
        }
        records_of(def, page, &slice.added, started)
    }

    /// A range answer's page split into one record per user and day (`per_day.rs`), the items outside the
    /// slice's days or given twice dropped with a WARN.
    fn split_days(
        &self,
        page: Page,
        request: &ApiRequest,
        path: &str,
        (period, split): (Bounds, PerDay),
    ) -> Result<Page> {
        let mut days = self.days.lock().unwrap_or_else(|p| p.into_inner());
        if days.is_none() {
            *days = Days::of(request, period);
        }
        let Some(days) = days.as_mut() else {
            return Err(Error::system(format!(
                "The request to {path} names no range of days to check its answer against."
            )));
        };
        let before = days.dropped();
        let page = super::per_day::split(&page, (period, split), path, days)?;
        if days.dropped() > before {
            self.client.log(LogLevel::Warn, days.warning(path));
        }
        Ok(page)
    }

    /// Sends the slice's first page, read by the planner (`windows.rs`); an empty one sends nothing.
    /// `Ok(false)` when the writer stopped reading this slice.
    async fn send_first(
        &self,
        first: &Probed,
        slice: &Slice,
        link: &SliceLink,
        strip: Option<&str>,
    ) -> Result<bool> {
        if first.page.records.is_empty() {
            return Ok(true);
        }
        let batch = self.batch(first.page.clone(), slice, None, strip).await?;
        self.sent.store(true, Ordering::Relaxed);
        Ok(link.send(batch, link.lane().await).await.is_ok())
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
    /// here. A slice listing the window for other id-batched streams keeps its ids in its tap and
    /// publishes them once the listing is read to its end.
    async fn produce_by_ids(
        &self,
        listing: &'static Endpoint,
        ids_filter: &str,
        slice: &Slice,
        link: &SliceLink,
    ) -> Result<()> {
        // A slice that lists the window for other streams (its tap is open) does not wait for itself.
        let lists_for_others = self.tap.lock().unwrap_or_else(|p| p.into_inner()).is_some();
        let taken = match lists_for_others {
            true => None,
            false => self.listings.take(&slice.request).await,
        };
        if let Some(window) = taken {
            for page in window.iter() {
                if !self.fetch_by_ids(ids_filter, page, slice, link).await? {
                    break;
                }
            }
            return Ok(());
        }
        let mut calls = match &slice.first {
            Some(first) => {
                let page = first.page.clone();
                if !self
                    .fetch_listed(ids_filter, page, listing, slice, link)
                    .await?
                {
                    return Ok(());
                }
                let (request, cursor) = (slice.request.clone(), first.cursor.clone());
                Pager::after(&self.client, listing, request, cursor)
            }
            None => Pager::new(&self.client, listing, slice.request.clone()),
        };
        loop {
            let listed_page = {
                // Listing pages are small whatever the stream's pages are, and dropped here.
                let _lane = link.gate.fetch(link.seq, 64 << 10).await;
                calls.next_page().await?
            };
            let Some(page) = listed_page else {
                // The window is listed whole: the other id-batched streams may take it.
                if let Some(tap) = self.tap.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    tap.publish();
                }
                return Ok(());
            };
            if !self
                .fetch_listed(ids_filter, page, listing, slice, link)
                .await?
            {
                return Ok(());
            }
        }
    }

    /// Fetches the stream's records of one listing page's calls, the private ones dropped when the
    /// config asks. `Ok(false)` when the writer stopped reading this slice.
    async fn fetch_listed(
        &self,
        ids_filter: &str,
        mut page: Page,
        listing: &'static Endpoint,
        slice: &Slice,
        link: &SliceLink,
    ) -> Result<bool> {
        if let Some(flag) = self.def.private_flag.filter(|_| self.exclude_private) {
            drop_private(&mut page, flag, listing.path)?;
        }
        let ids = listed(&page, listing.path)?;
        drop(page);
        if let Some(tap) = self.tap.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            tap.keep(ids.clone());
        }
        self.fetch_by_ids(ids_filter, &ids, slice, link).await
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
            if !self
                .follow(&mut pager, slice, link, Some(&started), None)
                .await?
            {
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

/// A page's records as the stream writes them (a range answer already split into one record per day,
/// `Producer::split_days`): per record the fields added at its top level.
fn records_of(
    def: &StreamDef,
    page: Page,
    fixed: &str,
    started: Option<&HashMap<String, String>>,
) -> Result<Batch> {
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
                join_fields(fixed, &format!("\"{}\":\"{hash:016x}\"", added::ENTRY_ID))
            })
            .collect()),
        Lift::MetaData => (0..page.len())
            .map(|i| meta_data_fields(def, page.record(i), fixed))
            .collect(),
        Lift::CallStarted => (0..page.len())
            .map(|i| call_started_fields(def, page.record(i), fixed, started))
            .collect(),
    }
}

/// `Lift::MetaData`: a record's `metaData.id` (quoted) and `metaData.started`, after the fixed fields.
/// `metaData` is read alone when it is the record's first field (`leading_field`), the whole record
/// parsed otherwise; a record without an id is an error, as it could not be keyed.
fn meta_data_fields(def: &StreamDef, record: &str, fixed: &str) -> Result<String> {
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
        &format!(
            "\"{}\":{},\"{}\":{started}",
            added::ID,
            quote_raw_id(id.get()),
            added::STARTED
        ),
    ))
}

/// `Lift::CallStarted`: the `started` of the record's call (`callId`) from the slice's map, or null
/// when the call is unknown, after the fixed fields.
fn call_started_fields(
    def: &StreamDef,
    record: &str,
    fixed: &str,
    started: Option<&HashMap<String, String>>,
) -> Result<String> {
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
    let field = added::CALL_STARTED;
    Ok(join_fields(fixed, &format!("\"{field}\":{value}")))
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

#[cfg(test)]
mod tests;
