//! Downloads of the MCP server, confined to the directory given at start (`--download-dir`).
//!
//! Invariants: a download writes only inside that directory. A caller's path is relative, made of plain
//! names (no `..`, no root, no drive), and its parent, once created and resolved through any symlinks,
//! must still be inside the directory; an existing symlink at the target is refused. Bytes go to
//! `NAME.part` first and are renamed to `NAME` only when the download is whole, so a failure never
//! touches an existing `NAME` (the `.part` stays, and `resume: true` continues it): see
//! [`crate::download_file`], which `execute` shares.

use std::path::{Component, Path, PathBuf};

use crate::api::Entity;
use crate::error::{Error, Result};
use crate::models::media::MediaKind;

/// The directory downloads are confined to (resolved once, at start).
#[derive(Debug, Clone)]
pub struct DownloadDir {
    root: PathBuf,
}

impl DownloadDir {
    /// Creates the directory if needed and resolves it.
    pub fn new(dir: &Path) -> Result<DownloadDir> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::config(format!(
                "Could not create the download directory {}: {e}",
                dir.display()
            ))
        })?;
        let root = dir.canonicalize().map_err(|e| {
            Error::config(format!(
                "Could not resolve the download directory {}: {e}",
                dir.display()
            ))
        })?;
        Ok(DownloadDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file a relative `path` names inside the directory; its missing folders are created. No
    /// part of the path may be a symlink, so nothing outside the directory is created or written.
    pub fn resolve(&self, path: &str) -> Result<PathBuf> {
        let relative = Path::new(path);
        let plain = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if path.is_empty() || relative.is_absolute() || !plain {
            return Err(Error::config(format!(
                "`path` must be a relative path inside the download directory, without `..` (got {path:?})."
            )));
        }
        let parts: Vec<&std::ffi::OsStr> = relative
            .components()
            .filter_map(|c| match c {
                Component::Normal(name) => Some(name),
                _ => None,
            })
            .collect();
        let Some((name, folders)) = parts.split_last() else {
            return Err(Error::config(format!("`path` {path:?} names no file.")));
        };
        let mut dir = self.root.clone();
        for folder in folders {
            dir.push(folder);
            match std::fs::symlink_metadata(&dir) {
                Ok(m) if m.is_dir() => {}
                Ok(m) if m.file_type().is_symlink() => return Err(symlink(path)),
                Ok(_) => {
                    return Err(Error::config(format!(
                        "`path` {path:?}: {} is a file, not a folder.",
                        dir.display()
                    )))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir(&dir).map_err(|e| {
                        Error::config(format!("Could not create the folder for {path:?}: {e}"))
                    })?;
                }
                Err(e) => return Err(Error::config(format!("Could not read {path:?}: {e}"))),
            }
        }
        let target = dir.join(name);
        if is_symlink(&target) || is_symlink(&part_of(&target)) {
            return Err(symlink(path));
        }
        Ok(target)
    }
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

fn symlink(path: &str) -> Error {
    Error::config(format!(
        "`path` {path:?} goes through a symlink; downloads write only to plain files and folders inside the download directory."
    ))
}

pub use crate::download_file::part_of;

/// The file name a download gets when the caller names none: `CALLID-audio.mp3`, `CALLID-video.mp4`.
pub fn default_name(call_id: &str, entity: Entity) -> String {
    match entity.media_kind() {
        Some(MediaKind::Video) => format!("{call_id}-video.mp4"),
        _ => format!("{call_id}-audio.mp3"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DownloadDir::new(tmp.path()).unwrap();
        let ok = dir.resolve("calls/1.mp3").unwrap();
        assert!(ok.starts_with(dir.root()));
        assert!(ok.ends_with("calls/1.mp3"));
        for bad in ["", "/etc/passwd", "../x.mp3", "a/../../x.mp3", "a/.."] {
            let e = dir.resolve(bad).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::Config, "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_directory_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let dir = DownloadDir::new(tmp.path()).unwrap();
        std::os::unix::fs::symlink(outside.path(), tmp.path().join("out")).unwrap();
        assert!(dir.resolve("out/x.mp3").is_err());
        assert!(dir.resolve("out/new/x.mp3").is_err());
        assert!(!outside.path().join("new").exists());
        std::os::unix::fs::symlink(outside.path().join("f"), tmp.path().join("f.mp3")).unwrap();
        assert!(dir.resolve("f.mp3").is_err());
    }
}
