//! Call recordings, two jobs: downloading one recording (`execute`, the MCP server, file transfer) and
//! building the records of the `call_media` stream. One module per step:
//!
//! - `urls`: media URLs from POST /v2/calls/extensive, and what a presigned URL says (expiry) or may
//!   show in a message (no query).
//! - `host`: one request to the media host (no Gong credentials) and reading its answer.
//! - `range`: byte ranges, and the window of a download still to fetch.
//! - `download`: one recording streamed to a writer (Range, resume, expired-URL renewal).
//! - `staging`: file transfer: one recording downloaded into the staging directory.
//! - `records`: a page of calls/extensive turned into `call_media` records.
//! - `probe`: the size and content type of those records' recordings (a HEAD per URL, or none).
//!
//! Invariants: Gong credentials never go to the media host; media requests are outside Gong's request
//! budget but under the client's one retry policy; a download's memory stays flat whatever the file
//! size; a file transfer that fails leaves nothing in the staging directory.
//!
//! Callers use the re-exports below (`crate::media::download`, `crate::media::media_page`, …), not the
//! modules.

mod download;
mod host;
pub mod probe;
mod range;
mod records;
mod staging;
mod urls;

use crate::models::media::MediaKind;

pub use download::{download, DownloadInfo};
pub(crate) use host::{content_range, header_text, host_error, media_send};
pub use range::ByteRange;
pub use records::media_page;
pub use staging::FileStaging;
pub use urls::{content_selector, media_url, redact_url, url_expiry};

impl MediaKind {
    /// The kind's name in records, file names (`call_media/{callId}/{kind}.{ext}`) and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }
}
