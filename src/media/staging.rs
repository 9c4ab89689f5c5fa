//! File transfer: one recording downloaded into the staging directory as
//! `call_media/{callId}/{kind}.{ext}`. A file transfer that fails leaves nothing in the staging
//! directory: its `.part` file is removed, whether the download failed or was cancelled.

use std::path::{Path, PathBuf};

use crate::client::GongClient;
use crate::error::{Error, Result};
use crate::models::media::MediaKind;

use super::download::{download, DownloadInfo};

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

/// Downloads one recording into the staging directory (`call_media/{callId}/{kind}.{ext}`).
pub(super) async fn stage_file(
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
    crate::atomic::commit(partial, &path).await.map_err(|e| {
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
    use chrono::Utc;
    use serde_json::json;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use crate::error::Reason;

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
}
