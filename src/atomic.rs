//! Files replaced atomically: the one way this crate puts a file in place (a rotated config, a finished
//! download, a staged recording).
//!
//! Invariants:
//! - a reader sees the old file or the new one whole, never a part: the bytes go to a file beside the
//!   target (same directory, so the same file system), which is flushed to disk (`fsync`) and then
//!   renamed over the target; the directory is synced after the rename so the rename itself survives a
//!   crash;
//! - a replaced file keeps its permissions; a new one written by [`replace`] is readable by its owner
//!   only (0600 on Unix: it may hold credentials);
//! - on failure the target is as it was and no temporary file is left behind.
//!
//! This module knows nothing of the rest of the crate.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Replaces `path` with `bytes` atomically (see the module doc).
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary_beside(path);
    let result = write_new(&tmp, path, bytes).and_then(|()| commit_blocking(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Puts `part`, a file already written in full (a download), in place of `target`: syncs it to disk,
/// renames it over `target` and syncs the directory. `part` must be in `target`'s directory.
pub async fn commit(part: &Path, target: &Path) -> std::io::Result<()> {
    let (part, target) = (part.to_path_buf(), target.to_path_buf());
    tokio::task::spawn_blocking(move || {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&part)?
            .sync_all()?;
        commit_blocking(&part, &target)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// `NAME.PID.tmp` beside `path`: one process never races another's temporary file.
fn temporary_beside(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.tmp", std::process::id()));
    PathBuf::from(name)
}

/// Writes `bytes` to the new file `tmp`, with `like`'s permissions when it exists, and syncs it.
fn write_new(tmp: &Path, like: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(tmp)?;
    if let Ok(meta) = std::fs::metadata(like) {
        file.set_permissions(meta.permissions())?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

/// Renames `from` over `to`, then syncs their directory so the new name is on disk.
fn commit_blocking(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::rename(from, to)?;
    sync_dir(to);
    Ok(())
}

/// Best effort: some file systems refuse to open or sync a directory; the rename is done either way.
fn sync_dir(file: &Path) {
    #[cfg(unix)]
    {
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = file;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replace_keeps_the_mode_of_the_file_it_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        replace(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o640);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_for_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.json");
        replace(&path, b"{}").unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_failed_replace_leaves_the_target_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty directory: the rename fails after the temporary file was written.
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), "x").unwrap();
        assert!(replace(&target, b"new").is_err());
        assert!(target.join("inside").exists());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[tokio::test]
    async fn commit_moves_a_written_part_file_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let (part, target) = (dir.path().join("a.mp3.part"), dir.path().join("a.mp3"));
        std::fs::write(&part, "bytes").unwrap();
        std::fs::write(&target, "older").unwrap();
        commit(&part, &target).await.unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "bytes");
        assert!(!part.exists());
    }
}
