//! The records of the `call_media` stream: a page of calls/extensive (media only) turned into one
//! record per call and media kind that has a URL, with its size and content type from a probe
//! ([`super::probe`]) or, with file transfer, from its download ([`super::staging`]).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::client::GongClient;
use crate::error::{Error, Result};
use crate::gong::page::Page;
use crate::media::probe::{Probes, PROBE_CONCURRENCY};
use crate::models::media::{CallMedia, MediaKind};
use crate::models::types::DateTime as GongDateTime;

use super::staging::{stage_file, FileStaging};
use super::urls::{id_text, url_expiry, CallMeta, ExtensiveCall};

/// One call_media record before it is written.
struct Built {
    record: CallMedia,
    file_reference: Option<Value>,
}

/// One recording a page lists: a call and one media kind it has a URL for.
struct Recording {
    call_id: String,
    kind: MediaKind,
    url: String,
    meta: CallMeta,
}

/// Turns one page of calls/extensive (media only) into a page of `call_media` records: one per call and
/// media kind that has a URL. Without `files`, size and content type come from `probes`
/// ([`super::probe`]: a probe of the media host, or the URL alone when probes are off); with
/// `files` (file transfer), each recording is downloaded to the staging directory and its record gets a
/// `file_reference` (returned per record as a pre-serialised `"file_reference":{…}` fragment).
pub async fn media_page(
    client: &GongClient,
    calls: &Page,
    files: Option<&FileStaging>,
    probes: &Probes,
) -> Result<(Page, Vec<String>)> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    let now = Utc::now();
    let recordings = recordings(calls)?;
    // Probes bound themselves per read (`PROBE_CONCURRENCY`); without them nothing is awaited.
    let width = match files {
        Some(f) => f.concurrency,
        None => PROBE_CONCURRENCY,
    };
    let built: Vec<Built> = stream::iter(recordings)
        .map(|recording| build(client, recording, now, files, probes))
        .buffered(width)
        .try_collect()
        .await?;
    serialise(&built, files.is_some())
}

/// The recordings of a page of calls/extensive, in the page's order, audio before video.
fn recordings(calls: &Page) -> Result<Vec<Recording>> {
    let mut recordings = Vec::new();
    for i in 0..calls.len() {
        let call: ExtensiveCall = serde_json::from_str(calls.record(i)).map_err(|e| {
            Error::system(format!(
                "A call of POST /v2/calls/extensive is malformed: {e}"
            ))
        })?;
        let meta = call.meta.unwrap_or_default();
        let Some(call_id) = id_text(&meta.id) else {
            return Err(Error::system(
                "A call of POST /v2/calls/extensive has no metaData.id.",
            ));
        };
        let media = call.media.unwrap_or_default();
        for kind in [MediaKind::Audio, MediaKind::Video] {
            if let Some(url) = media.get(kind) {
                recordings.push(Recording {
                    call_id: call_id.clone(),
                    kind,
                    url: url.to_string(),
                    meta: meta.clone(),
                });
            }
        }
    }
    Ok(recordings)
}

/// The record of one recording. Its size and content type come from a probe, or, with file transfer,
/// from its download to the staging directory, which also gives it a `file_reference`.
async fn build(
    client: &GongClient,
    recording: Recording,
    now: DateTime<Utc>,
    files: Option<&FileStaging>,
    probes: &Probes,
) -> Result<Built> {
    let Recording {
        call_id,
        kind,
        url,
        meta,
    } = recording;
    let mut record = CallMedia {
        call_id: call_id.clone(),
        kind,
        url: Some(url.clone()),
        started: meta.started.clone().map(GongDateTime),
        workspace_id: id_text(&meta.workspace_id),
        primary_user_id: id_text(&meta.primary_user_id),
        content_type: None,
        size_bytes: None,
        url_expires_at: Some(GongDateTime(
            url_expiry(&url, now)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        )),
    };
    let file_reference = match files {
        None => {
            let (size, ct) = probes.size_and_type(client, &url).await;
            record.size_bytes = size.map(|s| s as i64);
            record.content_type = ct;
            None
        }
        Some(staging) => {
            let (info, relative, path) = stage_file(client, staging, &call_id, kind, &url).await?;
            record.size_bytes = info.total_size.map(|s| s as i64);
            record.content_type = info.content_type.clone();
            Some(json!({
                "staging_file_url": path.to_string_lossy(),
                "source_file_relative_path": relative,
                "file_size_bytes": info.bytes_written,
            }))
        }
    };
    Ok(Built {
        record,
        file_reference,
    })
}

/// The page of the built records (one body, one range per record) and their `file_reference`
/// fragments: with file transfer one per record, empty for a record without one; otherwise none.
fn serialise(built: &[Built], file_transfer: bool) -> Result<(Page, Vec<String>)> {
    let mut body = Vec::with_capacity(built.len() * 400);
    let mut ranges = Vec::with_capacity(built.len());
    let mut refs = Vec::new();
    for b in built {
        let start = body.len();
        serde_json::to_writer(&mut body, &b.record)
            .map_err(|e| Error::system(format!("Could not serialise a call_media record: {e}")))?;
        ranges.push(start..body.len());
        if let Some(r) = &b.file_reference {
            refs.push(format!("\"file_reference\":{r}"));
        } else if file_transfer {
            refs.push(String::new());
        }
    }
    Ok((
        Page {
            body: body.into(),
            records: ranges,
            total_records: None,
        },
        refs,
    ))
}
