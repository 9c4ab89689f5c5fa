//! Call recordings: media URLs, streaming downloads (Range, resume, expired-URL renewal) and the records
//! of the `call_media` stream, with Airbyte file transfer (`file_reference`).
//!
//! Media URLs come from POST /v2/calls/extensive with `contentSelector.exposedFields.media = true`, which
//! goes through [`GongClient::send_parsed`] like every API request (budget, retries, auth). The URLs are
//! presigned (S3-style, valid 8 hours) on another host: they are fetched with the client's own
//! connection pool ([`GongClient::http`]) but **without** Gong credentials (a presigned URL needs none,
//! and credentials must never go to a third host), outside Gong's request budget (the media host is not
//! Gong's API), with the same classification ([`reason_of`]) and the client's one retry policy
//! ([`GongClient::policy`], [`GongClient::wait_after_failure`]): the config's request timeout and backoff,
//! bounded by total wait.
//!
//! A file transfer that fails leaves nothing in the staging directory: its `.part` file is removed.
//!
//! Downloads are streamed chunk by chunk to the writer: memory stays flat whatever the file size. A body
//! that breaks off is resumed with a `Range` from the last byte written; a 403 "expired" fetches a fresh
//! URL through calls/extensive and carries on from the same offset.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::client::{
    parse_retry_after, reason_of, verdict_of, ApiRequest, Attempts, GongClient, Reply, Verdict,
};
use crate::error::{Error, ErrorKind, Reason, Result};
use crate::gong::page::Page;
use crate::media_probe::{Probes, PROBE_CONCURRENCY};
use crate::models::media::{CallMedia, MediaKind};
use crate::models::types::DateTime as GongDateTime;

/// How many times an expired media URL is replaced by a fresh one in one download.
const MAX_RENEWALS: u32 = 3;

/// The `contentSelector` that asks Gong for media URLs only.
pub fn content_selector() -> Value {
    json!({"exposedFields": {"media": true}})
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }
}

/// The parts of a calls/extensive record the media code reads.
#[derive(Debug, Deserialize)]
struct ExtensiveCall {
    #[serde(rename = "metaData", default)]
    meta: Option<CallMeta>,
    #[serde(default)]
    media: Option<MediaUrls>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallMeta {
    id: Option<Value>,
    started: Option<String>,
    workspace_id: Option<Value>,
    primary_user_id: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MediaUrls {
    audio_url: Option<String>,
    video_url: Option<String>,
}

impl MediaUrls {
    fn get(&self, kind: MediaKind) -> Option<&str> {
        match kind {
            MediaKind::Audio => self.audio_url.as_deref(),
            MediaKind::Video => self.video_url.as_deref(),
        }
        .filter(|u| !u.is_empty())
    }
}

fn id_text(v: &Option<Value>) -> Option<String> {
    match v.as_ref()? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Asks Gong for a fresh media URL of one call (POST /v2/calls/extensive, media only).
pub async fn media_url(client: &GongClient, call_id: &str, kind: MediaKind) -> Result<String> {
    let req = ApiRequest::post(
        crate::gong::endpoints::CALLS_EXTENSIVE.path,
        json!({"filter": {"callIds": [call_id]}, "contentSelector": content_selector()}),
    );
    let reply = client
        .send_parsed(&req, |body| {
            #[derive(Deserialize)]
            struct Calls {
                #[serde(default)]
                calls: Vec<ExtensiveCall>,
            }
            serde_json::from_slice::<Calls>(body).map_err(|e| e.to_string())
        })
        .await?;
    let calls = match reply {
        Reply::Ok(c) => c.calls,
        Reply::NotFound(text) => {
            return Err(
                Error::system(format!("Call {call_id} was not found (Gong said: {text})."))
                    .with_status(404),
            )
        }
    };
    let call = calls
        .into_iter()
        .find(|c| c.meta.as_ref().and_then(|m| id_text(&m.id)).as_deref() == Some(call_id))
        .ok_or_else(|| Error::system(format!("Call {call_id} was not found.")).with_status(404))?;
    call.media
        .as_ref()
        .and_then(|m| m.get(kind))
        .map(str::to_string)
        .ok_or_else(|| {
            Error::system(format!(
                "Call {call_id} has no {} recording (Gong returned no media.{}Url).",
                kind.as_str(),
                kind.as_str()
            ))
            .with_status(404)
        })
}

/// A byte range of a download, as in an HTTP `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=start-` or `bytes=start-end` (end inclusive).
    From { start: u64, end: Option<u64> },
    /// `bytes=-n`: the last n bytes.
    Last(u64),
}

impl ByteRange {
    /// Parses `bytes=0-1023`, `bytes=100-`, `bytes=-500` (one range only).
    pub fn parse(text: &str) -> Result<ByteRange> {
        let bad = || {
            Error::config(format!(
                "range_header `{text}` is not a byte range; use e.g. \"bytes=0-1023\", \"bytes=1024-\" or \"bytes=-500\"."
            ))
        };
        let spec = text.trim().strip_prefix("bytes=").ok_or_else(bad)?.trim();
        if spec.contains(',') {
            return Err(Error::config(format!(
                "range_header `{text}` asks for several ranges; ask for one."
            )));
        }
        let (a, b) = spec.split_once('-').ok_or_else(bad)?;
        let (a, b) = (a.trim(), b.trim());
        if a.is_empty() {
            let n: u64 = b.parse().map_err(|_| bad())?;
            if n == 0 {
                return Err(bad());
            }
            return Ok(ByteRange::Last(n));
        }
        let start: u64 = a.parse().map_err(|_| bad())?;
        let end = if b.is_empty() {
            None
        } else {
            let e: u64 = b.parse().map_err(|_| bad())?;
            if e < start {
                return Err(bad());
            }
            Some(e)
        };
        Ok(ByteRange::From { start, end })
    }

    fn header(&self) -> String {
        match self {
            ByteRange::From {
                start,
                end: Some(e),
            } => format!("bytes={start}-{e}"),
            ByteRange::From { start, end: None } => format!("bytes={start}-"),
            ByteRange::Last(n) => format!("bytes=-{n}"),
        }
    }
}

/// What a download did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadInfo {
    /// Bytes written to the writer by this download.
    pub bytes_written: u64,
    /// The whole media file's size, when the host said it.
    pub total_size: Option<u64>,
    pub content_type: Option<String>,
    /// Offset of the first byte written, within the media file.
    pub first_byte: u64,
    /// How many times an expired URL was replaced.
    pub renewed_urls: u32,
    /// How many times a broken-off body was resumed.
    pub resumed: u32,
    /// The resume offset was already the end of the file: nothing was left to fetch.
    pub already_complete: bool,
}

impl DownloadInfo {
    /// The `data` a download to a file reports (`execute` and the MCP server): the file, the bytes this
    /// download wrote after the `existing` ones, the range asked for, and what a resume found.
    pub fn summary(
        &self,
        call_id: &str,
        kind: &str,
        path: &std::path::Path,
        existing: u64,
        range_header: Option<&Value>,
        resumed: bool,
    ) -> Value {
        let mut data = json!({
            "callId": call_id,
            "kind": kind,
            "path": path.to_string_lossy(),
            "bytesWritten": self.bytes_written,
            "fileSize": existing + self.bytes_written,
            "firstByte": self.first_byte,
            "totalSize": self.total_size,
            "contentType": self.content_type,
            "renewedUrls": self.renewed_urls,
        });
        if let Some(range) = range_header {
            data["rangeHeader"] = range.clone();
        }
        if resumed {
            data["resumedFrom"] = json!(existing);
            data["alreadyComplete"] = json!(self.already_complete);
        }
        data
    }
}

/// Parses `Content-Range: bytes a-b/total` (or `bytes */total`) into (start, total).
pub(crate) fn content_range(headers: &reqwest::header::HeaderMap) -> (Option<u64>, Option<u64>) {
    let Some(text) = headers.get(CONTENT_RANGE).and_then(|v| v.to_str().ok()) else {
        return (None, None);
    };
    let text = text.trim().trim_start_matches("bytes").trim();
    let (span, total) = text.split_once('/').unwrap_or((text, "*"));
    let start = span
        .split_once('-')
        .and_then(|(a, _)| a.trim().parse().ok());
    (start, total.trim().parse().ok())
}

pub(crate) fn header_text(
    headers: &reqwest::header::HeaderMap,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The media host's error text (S3 XML `<Message>`), short and without the URL.
fn host_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if let (Some(a), Some(b)) = (text.find("<Message>"), text.find("</Message>")) {
        if a + 9 <= b {
            return text[a + 9..b].to_string();
        }
    }
    text.chars().take(200).collect()
}

/// A URL for messages: scheme, host and path only (the query of a presigned URL is a credential).
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}",
            u.scheme(),
            u.host_str().unwrap_or("?"),
            u.path()
        ),
        Err(_) => "<media URL>".to_string(),
    }
}

/// Where a download starts and ends, resolved once the file's size is known.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// Absolute offset of the next byte to write (None until a `Last(n)` range is resolved).
    next: Option<u64>,
    /// Exclusive end, when known.
    end: Option<u64>,
    suffix: Option<u64>,
}

impl Window {
    /// The window of `range` (the whole file when there is none), less the `skip` bytes at its start
    /// that a partial file already holds.
    fn new(range: Option<ByteRange>, skip: u64) -> Window {
        match range {
            None => Window {
                next: Some(skip),
                end: None,
                suffix: None,
            },
            Some(ByteRange::From { start, end }) => Window {
                next: Some(start + skip),
                end: end.map(|e| e + 1),
                suffix: None,
            },
            Some(ByteRange::Last(n)) => Window {
                next: None,
                end: None,
                suffix: Some(n),
            },
        }
    }

    /// The `Range` header that asks for the bytes still missing: resolved suffix ranges and resumes
    /// become absolute ranges; the whole file from its first byte needs none.
    fn header(&self) -> Option<String> {
        match (self.next, self.suffix) {
            (None, Some(n)) => Some(ByteRange::Last(n).header()),
            (Some(0), _) if self.end.is_none() => None,
            (Some(next), _) => Some(
                ByteRange::From {
                    start: next,
                    end: self.end.map(|e| e.saturating_sub(1)),
                }
                .header(),
            ),
            (None, None) => None,
        }
    }

    /// Nothing is left to fetch: the next byte is at or past the known end.
    fn is_complete(&self) -> bool {
        matches!((self.next, self.end), (Some(next), Some(end)) if next >= end)
    }

    /// Resolves a suffix range against the file's real size, and clamps the end to that size (HTTP
    /// semantics: a range that runs past the end of the file is clamped to the file, so the bytes after
    /// the last one are never asked for).
    fn fit_to(&mut self, total_size: Option<u64>) -> Result<()> {
        if self.next.is_none() {
            // A suffix range, now resolved against the real size.
            let total = total_size.ok_or_else(|| {
                Error::system("The media host did not say the file's size for a suffix range.")
            })?;
            let n = self.suffix.unwrap_or(0).min(total);
            self.next = Some(total - n);
            self.end = Some(total);
        }
        if let Some(total) = total_size {
            self.end = Some(self.end.map_or(total, |e| e.min(total)));
        }
        Ok(())
    }
}

/// Streams one media file (or a range of it) of a call to `out`.
///
/// `known_url` is used first when given (e.g. a URL from an earlier calls/extensive list); otherwise a
/// fresh URL is fetched. `skip` bytes at the start of the requested range are not fetched again (resume
/// of a partial file). Returns what was written; the writer is flushed.
pub async fn download<W: AsyncWrite + Unpin + ?Sized>(
    client: &GongClient,
    call_id: &str,
    kind: MediaKind,
    known_url: Option<String>,
    range: Option<ByteRange>,
    skip: u64,
    out: &mut W,
) -> Result<DownloadInfo> {
    let what = format!("the download of the {} of call {call_id}", kind.as_str());
    let url = match known_url {
        Some(u) => u,
        None => media_url(client, call_id, kind).await?,
    };
    let download = Download {
        client,
        call_id,
        kind,
        what,
        url,
        win: Window::new(range, skip),
        skip,
        info: DownloadInfo::default(),
        attempts: Attempts::default(),
        first: true,
    };
    download.run(out).await
}

/// One download between its attempts: the URL (renewed when it expires), the window still to fetch,
/// and what was written so far. The state the retry loop carries, so each step can be its own method.
struct Download<'a> {
    client: &'a GongClient,
    call_id: &'a str,
    kind: MediaKind,
    /// "the download of the {kind} of call {id}", for the retry policy's messages.
    what: String,
    url: String,
    win: Window,
    /// Bytes at the start of the requested range that a partial file already holds.
    skip: u64,
    info: DownloadInfo,
    attempts: Attempts,
    /// No body has been received yet (the first one sets `info.first_byte`).
    first: bool,
}

/// How one received body ended.
#[derive(Debug, PartialEq, Eq)]
enum Body {
    /// Every requested byte is written.
    Whole,
    /// It broke off or came up short; the retry policy has waited and the next attempt resumes.
    BrokeOff,
}

impl Download<'_> {
    /// The request and retry loop: one attempt per turn, until every requested byte is written or the
    /// retry policy is spent.
    async fn run<W: AsyncWrite + Unpin + ?Sized>(mut self, out: &mut W) -> Result<DownloadInfo> {
        loop {
            self.attempts.start();
            let header = self.win.header();
            if self.win.is_complete() {
                // A skip that already covers the whole requested range.
                self.info.already_complete = self.info.bytes_written == 0;
                return finish(self.info, out).await;
            }
            let Some(response) = media_get(
                self.client,
                &self.url,
                header.as_deref(),
                &self.attempts,
                &self.what,
            )
            .await?
            else {
                continue;
            };
            let status = response.status();
            if status == StatusCode::RANGE_NOT_SATISFIABLE {
                return self.outside_the_file(response.headers(), header, out).await;
            }
            if !status.is_success() {
                self.after_refusal(response).await?;
                continue;
            }
            if self.receive(response, out).await? == Body::Whole {
                return finish(self.info, out).await;
            }
        }
    }

    /// A 416: a resume whose offset is the end of the file has nothing left to fetch; any other range
    /// outside the file is the caller's mistake.
    async fn outside_the_file<W: AsyncWrite + Unpin + ?Sized>(
        mut self,
        headers: &reqwest::header::HeaderMap,
        header: Option<String>,
        out: &mut W,
    ) -> Result<DownloadInfo> {
        let (_, total) = content_range(headers);
        if let (Some(total), Some(next)) = (total, self.win.next) {
            if self.skip > 0 && next == total {
                self.info.total_size = Some(total);
                self.info.first_byte = next;
                self.info.already_complete = true;
                return finish(self.info, out).await;
            }
        }
        Err(Error::config(format!(
            "The {} of call {} has {} bytes; the range {} is outside it.",
            self.kind.as_str(),
            self.call_id,
            total.map_or("an unknown number of".to_string(), |t| t.to_string()),
            header.unwrap_or_default()
        ))
        .with_status(416))
    }

    /// Any other non-success answer: a fresh URL for a 403 (while renewals last), the retry policy's
    /// wait for what it retries, else the error. `Ok` means: try again.
    async fn after_refusal(&mut self, response: reqwest::Response) -> Result<()> {
        let status = response.status();
        let retry_after = parse_retry_after(response.headers());
        let Ok(body) = response.bytes().await else {
            // An answer that broke off is a transport failure, whatever its status.
            let error = Error::transient(format!(
                "The media host's HTTP {} answer for {} broke off.",
                status.as_u16(),
                self.what
            ))
            .with_reason(Reason::Transport);
            return self
                .client
                .wait_after_failure(&self.what, &self.attempts, error, None)
                .await;
        };
        let text = host_message(&body);
        if status == StatusCode::FORBIDDEN && self.info.renewed_urls < MAX_RENEWALS {
            // Gong's media URLs expire after 8 hours (S3: 403 "Request has expired"); a fresh one
            // comes from calls/extensive. Any 403 is worth one fresh URL: the host gives no other hint.
            self.info.renewed_urls += 1;
            self.url = media_url(self.client, self.call_id, self.kind).await?;
            return Ok(());
        }
        let error = host_error(
            status,
            &format!("the {} of call {}", self.kind.as_str(), self.call_id),
            &text,
        );
        match verdict_of(error.reason(), retry_after) {
            Verdict::Retry(after) => {
                self.client
                    .wait_after_failure(&self.what, &self.attempts, error, after)
                    .await
            }
            _ => Err(error),
        }
    }

    /// A 200 or 206: learns the file's size and type, places the body within the window, and streams
    /// it to `out`. A body that breaks off or comes up short waits (retry policy) before the resume.
    async fn receive<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        response: reqwest::Response,
        out: &mut W,
    ) -> Result<Body> {
        let body_start = self.note_headers(response.status(), response.headers());
        self.win.fit_to(self.info.total_size)?;
        let next = self.win.next.unwrap_or(0);
        if self.first {
            self.info.first_byte = next;
            self.first = false;
        }
        if body_start > next {
            return Err(Error::system(format!(
                "The media host sent bytes from offset {body_start}, not {next}."
            )));
        }
        // Bytes of this body before `next` (a host that ignored Range) are read and dropped.
        let (pos, broke) = self
            .stream_body(response, next - body_start, next, out)
            .await?;
        self.win.next = Some(pos);
        let short = self.win.end.is_some_and(|e| pos < e);
        if !broke && !short {
            return Ok(Body::Whole);
        }
        // The body broke off: carry on from the last byte written.
        let error = Error::transient(format!(
            "The download of the {} of call {} kept breaking off ({} bytes written); run it again with --resume.",
            self.kind.as_str(),
            self.call_id,
            self.info.bytes_written
        ))
        .with_reason(Reason::Transport);
        self.client
            .wait_after_failure(&self.what, &self.attempts, error, None)
            .await?;
        self.info.resumed += 1;
        Ok(Body::BrokeOff)
    }

    /// Records the file's size and content type from a 200 or 206, and returns the offset within the
    /// file of the body's first byte.
    fn note_headers(&mut self, status: StatusCode, headers: &reqwest::header::HeaderMap) -> u64 {
        // 200 or 206: where does this body start, and how much of it is already written?
        let (range_start, range_total) = content_range(headers);
        let length = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let partial = status == StatusCode::PARTIAL_CONTENT;
        let total = if partial { range_total } else { length };
        if total.is_some() {
            self.info.total_size = total;
        }
        if self.info.content_type.is_none() {
            self.info.content_type = header_text(headers, CONTENT_TYPE);
        }
        if partial {
            range_start.unwrap_or(0)
        } else {
            0
        }
    }

    /// Streams one body chunk by chunk to `out`, its first byte at offset `pos`: drops the first
    /// `to_skip` bytes and anything past the window's end. Returns the offset after the last byte
    /// written and whether the body broke off (a chunk failed or outlasted the request timeout).
    async fn stream_body<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        mut response: reqwest::Response,
        mut to_skip: u64,
        mut pos: u64,
        out: &mut W,
    ) -> Result<(u64, bool)> {
        let timeout = self.client.policy().request_timeout;
        loop {
            let chunk = match tokio::time::timeout(timeout, response.chunk()).await {
                Ok(Ok(Some(c))) => c,
                Ok(Ok(None)) => return Ok((pos, false)),
                Ok(Err(_)) | Err(_) => return Ok((pos, true)),
            };
            let mut data: &[u8] = &chunk;
            if to_skip > 0 {
                let n = (to_skip as usize).min(data.len());
                data = &data[n..];
                to_skip -= n as u64;
            }
            if let Some(end) = self.win.end {
                let room = end.saturating_sub(pos) as usize;
                data = &data[..data.len().min(room)];
            }
            if !data.is_empty() {
                out.write_all(data).await.map_err(write_error)?;
                pos += data.len() as u64;
                self.info.bytes_written += data.len() as u64;
            }
            if self.win.end.is_some_and(|e| pos >= e) {
                return Ok((pos, false));
            }
        }
    }
}

/// Flushes the writer: a download returns only once its bytes are out of the writer's buffer.
async fn finish<W: AsyncWrite + Unpin + ?Sized>(
    info: DownloadInfo,
    out: &mut W,
) -> Result<DownloadInfo> {
    out.flush().await.map_err(write_error)?;
    Ok(info)
}

fn write_error(e: std::io::Error) -> Error {
    Error::system(format!("Could not write the downloaded bytes: {e}"))
}

/// One GET of a media URL (no Gong credentials): [`media_send`] with GET.
async fn media_get(
    client: &GongClient,
    url: &str,
    range: Option<&str>,
    attempts: &Attempts,
    what: &str,
) -> Result<Option<reqwest::Response>> {
    media_send(client, reqwest::Method::GET, url, range, attempts, what).await
}

/// One request to a media URL (no Gong credentials), within the client's request timeout. `Ok(None)`
/// when it failed in a way the retry policy retries (it waited already); the error when the policy is
/// spent.
pub(crate) async fn media_send(
    client: &GongClient,
    method: reqwest::Method,
    url: &str,
    range: Option<&str>,
    attempts: &Attempts,
    what: &str,
) -> Result<Option<reqwest::Response>> {
    let mut request = client.http().request(method, url);
    if let Some(h) = range {
        request = request.header(RANGE, h);
    }
    let timeout = client.policy().request_timeout;
    let error = match tokio::time::timeout(timeout, request.send()).await {
        Ok(Ok(r)) => return Ok(Some(r)),
        Ok(Err(e)) => send_failure(&e, url, what)?,
        Err(_) => Error::transient(format!(
            "The media host did not answer within {} s for {what}.",
            timeout.as_secs()
        ))
        .with_reason(Reason::Transport),
    };
    client
        .wait_after_failure(what, attempts, error, None)
        .await?;
    Ok(None)
}

/// The error of a request to a media URL that got no answer. `Err` when no retry can mend it (a
/// redirect to another host, a request that cannot be built); otherwise the transient error the retry
/// policy waits after: `Unreachable` when nothing answers there, `Transport` for any other failure.
fn send_failure(e: &reqwest::Error, url: &str, what: &str) -> Result<Error> {
    if e.is_builder() || e.is_redirect() {
        return Err(Error::system(format!(
            "Could not fetch {what} from {}: {}",
            redact_url(url),
            if e.is_redirect() {
                "the media host redirected to another host"
            } else {
                "the request could not be built"
            }
        )));
    }
    if crate::client::unreachable(e).is_some() {
        return Ok(Error::transient(format!(
            "Could not fetch {what} from {}: nothing answers there (the host refused the connection or its name does not resolve).",
            redact_url(url)
        ))
        .with_reason(Reason::Unreachable));
    }
    let failure = format!(
        "Could not fetch {what} from {}: {}",
        redact_url(url),
        if e.is_connect() {
            "could not connect"
        } else {
            "the connection failed"
        }
    );
    Ok(Error::transient(failure).with_reason(Reason::Transport))
}

/// The error for a media host's non-success answer about `what`, with its typed reason.
pub(crate) fn host_error(status: StatusCode, what: &str, text: &str) -> Error {
    let code = status.as_u16();
    let reason = reason_of(code, text);
    let message = match reason {
        Reason::NotFound => format!("The media host has nothing for {what} ({text})."),
        _ => format!("The media host answered HTTP {code} for {what}: {text}"),
    };
    let error = match verdict_of(&reason, None) {
        Verdict::Retry(_) => Error::transient(message),
        Verdict::Fail(ErrorKind::Config) => Error::config(message),
        _ => Error::system(message),
    };
    error.with_status(code).with_reason(reason)
}

/// When a presigned media URL stops working: S3 (`X-Amz-Date` + `X-Amz-Expires`), CloudFront or the
/// sandbox (`Expires`/`expires`, Unix seconds); otherwise Gong's documented 8 hours from now.
pub fn url_expiry(url: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    let fallback = now + chrono::Duration::hours(8);
    let Ok(parsed) = url::Url::parse(url) else {
        return fallback;
    };
    let mut amz_date = None;
    let mut amz_expires = None;
    for (k, v) in parsed.query_pairs() {
        match k.as_ref() {
            "X-Amz-Date" => {
                amz_date = chrono::NaiveDateTime::parse_from_str(&v, "%Y%m%dT%H%M%SZ").ok()
            }
            "X-Amz-Expires" => amz_expires = v.parse::<i64>().ok(),
            "Expires" | "expires" => {
                if let Some(t) = v
                    .parse::<i64>()
                    .ok()
                    .and_then(|s| Utc.timestamp_opt(s, 0).single())
                {
                    return t;
                }
            }
            _ => {}
        }
    }
    match (amz_date, amz_expires) {
        (Some(d), Some(s)) => Utc.from_utc_datetime(&d) + chrono::Duration::seconds(s),
        _ => fallback,
    }
}

/// Where file transfer puts downloaded recordings: `$AIRBYTE_STAGING_DIRECTORY`, else `/staging/files`
/// when it exists (the platform mounts it there), else `/tmp/airbyte-file-transfer` (as the Python CDK).
#[derive(Debug, Clone)]
pub struct FileStaging {
    pub dir: PathBuf,
    pub concurrency: usize,
}

impl FileStaging {
    pub fn from_env(concurrency: usize) -> FileStaging {
        let dir = match std::env::var_os("AIRBYTE_STAGING_DIRECTORY") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ if Path::new("/staging/files").is_dir() => PathBuf::from("/staging/files"),
            _ => PathBuf::from("/tmp/airbyte-file-transfer"),
        };
        FileStaging {
            dir,
            concurrency: concurrency.max(1),
        }
    }
}

fn extension(content_type: Option<&str>, kind: MediaKind) -> &'static str {
    match content_type.map(|c| c.split(';').next().unwrap_or("").trim()) {
        Some("audio/mpeg") | Some("audio/mp3") => "mp3",
        Some("audio/mp4") | Some("audio/x-m4a") => "m4a",
        Some("audio/wav") | Some("audio/x-wav") => "wav",
        Some("video/mp4") => "mp4",
        Some("video/webm") => "webm",
        _ => match kind {
            MediaKind::Audio => "mp3",
            MediaKind::Video => "mp4",
        },
    }
}

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
/// ([`crate::media_probe`]: a probe of the media host, or the URL alone when probes are off); with
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

/// Downloads one recording into the staging directory (`call_media/{callId}/{kind}.{ext}`).
async fn stage_file(
    client: &GongClient,
    staging: &FileStaging,
    call_id: &str,
    kind: MediaKind,
    url: &str,
) -> Result<(DownloadInfo, String, PathBuf)> {
    if !call_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::system(format!(
            "Call id {call_id:?} cannot name a file."
        )));
    }
    let dir = staging.dir.join("call_media").join(call_id);
    tokio::fs::create_dir_all(&dir).await.map_err(|e| {
        Error::system(format!(
            "Could not create the staging directory {}: {e}",
            dir.display()
        ))
    })?;
    let partial = dir.join(format!("{}.part", kind.as_str()));
    // A sync retries the whole file: a partial one must not stay behind, whether the transfer failed
    // or was cancelled (another file of the page failed).
    let guard = PartFile(partial.clone());
    let (info, relative, path) =
        fill_part_file(client, staging, call_id, kind, url, &partial).await?;
    std::mem::forget(guard);
    let path = std::path::absolute(&path).unwrap_or(path);
    Ok((info, relative, path))
}

/// Removes a `.part` file when dropped: forgotten once the file is in place.
struct PartFile(PathBuf);

impl Drop for PartFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Downloads one recording into `partial`, then moves it to its final name.
async fn fill_part_file(
    client: &GongClient,
    staging: &FileStaging,
    call_id: &str,
    kind: MediaKind,
    url: &str,
    partial: &Path,
) -> Result<(DownloadInfo, String, PathBuf)> {
    let mut file = tokio::fs::File::create(partial)
        .await
        .map_err(|e| Error::system(format!("Could not create {}: {e}", partial.display())))?;
    let info = download(
        client,
        call_id,
        kind,
        Some(url.to_string()),
        None,
        0,
        &mut file,
    )
    .await?;
    drop(file);
    let ext = extension(info.content_type.as_deref(), kind);
    let relative = format!("call_media/{call_id}/{}.{ext}", kind.as_str());
    let path = staging.dir.join(&relative);
    tokio::fs::rename(partial, &path).await.map_err(|e| {
        Error::system(format!(
            "Could not move {} into place: {e}",
            partial.display()
        ))
    })?;
    Ok((info, relative, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// A media host that promises 1000 bytes and sends 3 before closing, every time.
    async fn breaking_host() -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    let _ = sock
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: 1000\r\n\r\nabc")
                        .await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_failed_file_transfer_leaves_no_part_file() {
        let addr = breaking_host().await;
        let config = crate::config::Config::from_value(
            json!({
                "credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                "base_url": format!("http://{addr}"),
                "retry_backoff_base_ms": 1
            }),
            Utc::now(),
        )
        .unwrap();
        let client = GongClient::new(&config).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let staging = FileStaging {
            dir: dir.path().to_path_buf(),
            concurrency: 1,
        };
        let url = format!("http://{addr}/media/123/audio?signature=very-secret");
        let e = stage_file(&client, &staging, "123", MediaKind::Audio, &url)
            .await
            .unwrap_err();
        assert_eq!(e.reason(), &Reason::Transport, "{}", e.message);
        assert!(e.message.contains("gave up after"), "{}", e.message);
        assert!(!e.message.contains("very-secret"), "{}", e.message);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("call_media/123"))
            .unwrap()
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }

    #[test]
    fn ranges_parse() {
        assert_eq!(
            ByteRange::parse("bytes=0-1023").unwrap(),
            ByteRange::From {
                start: 0,
                end: Some(1023)
            }
        );
        assert_eq!(
            ByteRange::parse("bytes=10-").unwrap(),
            ByteRange::From {
                start: 10,
                end: None
            }
        );
        assert_eq!(ByteRange::parse("bytes=-5").unwrap(), ByteRange::Last(5));
        for bad in ["0-5", "bytes=5-1", "bytes=a-b", "bytes=-0", "bytes=0-1,3-4"] {
            assert!(ByteRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expiry_from_urls() {
        let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            url_expiry("https://h/m?expires=1704067260&signature=x", now),
            now + chrono::Duration::seconds(60)
        );
        assert_eq!(
            url_expiry(
                "https://s3/x?X-Amz-Date=20240101T000000Z&X-Amz-Expires=28800&X-Amz-Signature=s",
                now
            ),
            now + chrono::Duration::hours(8)
        );
        assert_eq!(
            url_expiry("https://h/m", now),
            now + chrono::Duration::hours(8)
        );
        assert_eq!(
            redact_url("https://h.example/m/1/audio?expires=1&signature=secret"),
            "https://h.example/m/1/audio"
        );
    }
}
