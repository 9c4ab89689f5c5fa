//! A recording downloaded to a file, for `execute --output FILE` and the MCP server's download tools.
//!
//! Invariant: a failed download never touches `FILE`. The bytes go to `FILE.part` beside it, which is
//! renamed over `FILE` only when the download is whole; a failure leaves `FILE.part` (and `FILE`, if it
//! existed, as it was). A resume continues `FILE.part` when there is one, else a partial `FILE` the caller
//! points at (only appended to, never truncated), else starts afresh.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::api::{download_target, DownloadOptions, Entity, Gong};
use crate::error::{Error, Result};
use crate::gong::content::RANGE;
use crate::models::media::MediaKind;

/// Where a download's bytes go until it is whole: `NAME.part`.
pub fn part_of(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

async fn len_of(path: &Path) -> Result<Option<u64>> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::config(format!(
            "Could not read {}: {e}",
            path.display()
        ))),
    }
}

/// The file the bytes are written to, how many it holds already, and whether to append.
async fn destination(target: &Path, resume: bool) -> Result<(PathBuf, u64, bool)> {
    let part = part_of(target);
    if !resume {
        return Ok((part, 0, false));
    }
    if let Some(len) = len_of(&part).await? {
        return Ok((part, len, true));
    }
    match len_of(target).await? {
        Some(len) => Ok((target.to_path_buf(), len, true)),
        None => Ok((part, 0, false)),
    }
}

/// Downloads `params`' recording to `target` (see the module doc) and returns the download summary.
/// `url` is a media URL obtained earlier, tried first.
pub async fn download(
    gong: &Gong,
    entity: Entity,
    params: &Value,
    target: &Path,
    resume: bool,
    url: Option<String>,
) -> Result<Value> {
    // Validate before creating any file.
    let (call_id, range) = download_target(entity, params)?;
    let (path, existing, append) = destination(target, resume).await?;
    let mut options = tokio::fs::OpenOptions::new();
    if append {
        options.append(true);
    } else {
        options.create(true).write(true).truncate(true);
    }
    let mut file = options.open(&path).await.map_err(|e| {
        Error::config(format!(
            "Could not open {} for writing: {e}",
            path.display()
        ))
    })?;
    let info = gong
        .download(
            entity,
            params,
            &DownloadOptions {
                skip: existing,
                url,
            },
            &mut file,
        )
        .await?;
    let written =
        |e: std::io::Error| Error::system(format!("Could not write {}: {e}", target.display()));
    if path != target {
        drop(file);
        // Synced, renamed over FILE, directory synced: the one way a file is put in place.
        crate::atomic::commit(&path, target)
            .await
            .map_err(written)?;
    } else {
        file.sync_all().await.map_err(written)?;
    }
    let kind = match entity.media_kind() {
        Some(MediaKind::Video) => "video",
        _ => "audio",
    };
    let range_header = range.is_some().then(|| &params[RANGE.name]);
    Ok(info.summary(&call_id, kind, target, existing, range_header, resume))
}
