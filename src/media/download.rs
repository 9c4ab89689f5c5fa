//! One recording streamed to a writer, for `execute`, the MCP server and file transfer. Downloads are
//! streamed chunk by chunk: memory stays flat whatever the file size. A body that breaks off is resumed
//! with a `Range` from the last byte written; a 403 "expired" fetches a fresh URL through
//! calls/extensive and carries on from the same offset. Every request goes through
//! [`super::host`] (no Gong credentials), its attempts through the client's retry driver.

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::client::{parse_retry_after, Attempt, Attempts, GongClient, Target};
use crate::error::{Error, Reason, Result};
use crate::models::media::MediaKind;

use super::host::{content_range, header_text, host_error, host_message, media_get};
use super::range::{ByteRange, Window};
use super::urls::media_url;

/// How many times an expired media URL is replaced by a fresh one in one download.
const MAX_RENEWALS: u32 = 3;

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
        first: true,
    };
    download.run(out).await
}

/// One download between its attempts: the URL (renewed when it expires), the window still to fetch,
/// and what was written so far. The state the retry driver's attempts share, so each step can be its
/// own method.
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
    /// No body has been received yet (the first one sets `info.first_byte`).
    first: bool,
}

impl Download<'_> {
    /// The attempts, through the client's retry driver, until every requested byte is written or the
    /// retry policy is spent.
    async fn run<W: AsyncWrite + Unpin + ?Sized>(mut self, out: &mut W) -> Result<DownloadInfo> {
        let client = self.client;
        let target = Target::media(self.what.clone(), &self.url);
        let mut attempts = Attempts::default();
        loop {
            client.before_attempt(&target, &mut attempts)?;
            let outcome = self.attempt(out).await;
            if let Some(info) = client.after_attempt(&target, &attempts, outcome).await? {
                return Ok(info);
            }
        }
    }

    /// One request for what is left of the window, and its answer.
    async fn attempt<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        out: &mut W,
    ) -> Result<Attempt<DownloadInfo>> {
        let header = self.win.header();
        if self.win.is_complete() {
            // A skip that already covers the whole requested range.
            self.info.already_complete = self.info.bytes_written == 0;
            return self.finish(out).await;
        }
        let response =
            match media_get(self.client, &self.url, header.as_deref(), &self.what).await? {
                Ok(response) => response,
                Err(failure) => return Ok(Attempt::Failed(failure, None)),
            };
        let status = response.status();
        if status == StatusCode::RANGE_NOT_SATISFIABLE {
            return self.outside_the_file(response.headers(), header, out).await;
        }
        if !status.is_success() {
            return self.after_refusal(response).await;
        }
        self.receive(response, out).await
    }

    /// The download is done: the writer flushed, what was written.
    async fn finish<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        out: &mut W,
    ) -> Result<Attempt<DownloadInfo>> {
        out.flush().await.map_err(write_error)?;
        Ok(Attempt::Done(std::mem::take(&mut self.info)))
    }

    /// A 416: a resume whose offset is the end of the file has nothing left to fetch; any other range
    /// outside the file is the caller's mistake.
    async fn outside_the_file<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        headers: &reqwest::header::HeaderMap,
        header: Option<String>,
        out: &mut W,
    ) -> Result<Attempt<DownloadInfo>> {
        let (_, total) = content_range(headers);
        if let (Some(total), Some(next)) = (total, self.win.next) {
            if self.skip > 0 && next == total {
                self.info.total_size = Some(total);
                self.info.first_byte = next;
                self.info.already_complete = true;
                return self.finish(out).await;
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

    /// Any other non-success answer: a fresh URL for a 403 (while renewals last), else the failure for
    /// the retry driver to decide on.
    async fn after_refusal(
        &mut self,
        response: reqwest::Response,
    ) -> Result<Attempt<DownloadInfo>> {
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
            return Ok(Attempt::Failed(error, None));
        };
        let text = host_message(&body);
        if status == StatusCode::FORBIDDEN && self.info.renewed_urls < MAX_RENEWALS {
            // Gong's media URLs expire after 8 hours (S3: 403 "Request has expired"); a fresh one
            // comes from calls/extensive. Any 403 is worth one fresh URL: the host gives no other hint.
            self.info.renewed_urls += 1;
            self.url = media_url(self.client, self.call_id, self.kind).await?;
            return Ok(Attempt::Again);
        }
        let error = host_error(
            status,
            &format!("the {} of call {}", self.kind.as_str(), self.call_id),
            &text,
        );
        Ok(Attempt::Failed(error, retry_after))
    }

    /// A 200 or 206: learns the file's size and type, places the body within the window, and streams
    /// it to `out`. A body that breaks off or comes up short is a failure: the next attempt resumes.
    async fn receive<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        response: reqwest::Response,
        out: &mut W,
    ) -> Result<Attempt<DownloadInfo>> {
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
            return self.finish(out).await;
        }
        // The body broke off: the next attempt carries on from the last byte written.
        self.info.resumed += 1;
        let error = Error::transient(format!(
            "The download of the {} of call {} kept breaking off ({} bytes written); run it again with --resume.",
            self.kind.as_str(),
            self.call_id,
            self.info.bytes_written
        ))
        .with_reason(Reason::Transport);
        Ok(Attempt::Failed(error, None))
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

fn write_error(e: std::io::Error) -> Error {
    Error::system(format!("Could not write the downloaded bytes: {e}"))
}
