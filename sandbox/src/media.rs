//! Deterministic media bytes (pure functions of the call id and kind, generated lazily).

use crate::rng::{h2, hash_str};

/// Size of the large-download benchmark call's audio (40 MiB).
pub const LARGE_MEDIA_BYTES: u64 = 40 * 1024 * 1024;

/// Whether a call id is "the large media call" (its media is ~40 MB). The dataset picks exactly one
/// call id with this property; every other generated id avoids it.
pub fn is_large_media_id(call_id: &str) -> bool {
    hash_str(call_id) % 4096 == 7
}

fn media_seed(call_id: &str, kind: &str) -> u64 {
    h2(hash_str(call_id), hash_str(kind))
}

/// Length in bytes of the media file `kind` ("audio" or "video") of a call.
pub fn media_len(call_id: &str, kind: &str) -> u64 {
    if is_large_media_id(call_id) {
        return if kind == "video" {
            LARGE_MEDIA_BYTES + 1_234_567
        } else {
            LARGE_MEDIA_BYTES
        };
    }
    50_000 + media_seed(call_id, kind) % (3_000_000 - 50_000)
}

/// Content type of a media kind.
pub fn media_content_type(kind: &str) -> &'static str {
    if kind == "video" {
        "video/mp4"
    } else {
        "audio/mpeg"
    }
}

/// Fills `buf` with the bytes of the media file starting at `offset` (bytes past the end are not
/// written; returns how many were).
pub fn fill_media(call_id: &str, kind: &str, offset: u64, buf: &mut [u8]) -> usize {
    let len = media_len(call_id, kind);
    if offset >= len {
        return 0;
    }
    let n = ((len - offset) as usize).min(buf.len());
    let seed = media_seed(call_id, kind);
    let mut pos = offset;
    let mut i = 0;
    while i < n {
        let block = pos / 8;
        let word = h2(seed, block).to_le_bytes();
        let start = (pos % 8) as usize;
        let take = (8 - start).min(n - i);
        buf[i..i + take].copy_from_slice(&word[start..start + take]);
        i += take;
        pos += take as u64;
    }
    n
}

/// All bytes of a media file, lazily (for computing expected checksums in tests).
pub fn media_bytes(call_id: &str, kind: &str) -> impl Iterator<Item = u8> {
    let call_id = call_id.to_string();
    let kind = kind.to_string();
    let len = media_len(&call_id, &kind);
    let mut buf = vec![0u8; 64 * 1024];
    let mut offset = 0u64;
    let mut chunk: Vec<u8> = Vec::new();
    let mut idx = 0usize;
    std::iter::from_fn(move || {
        if idx >= chunk.len() {
            if offset >= len {
                return None;
            }
            let n = fill_media(&call_id, &kind, offset, &mut buf);
            offset += n as u64;
            chunk.clear();
            chunk.extend_from_slice(&buf[..n]);
            idx = 0;
        }
        idx += 1;
        Some(chunk[idx - 1])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_consistent() {
        let id = "7782342274025937895";
        let all: Vec<u8> = media_bytes(id, "audio").collect();
        assert_eq!(all.len() as u64, media_len(id, "audio"));
        let mut part = vec![0u8; 1000];
        let n = fill_media(id, "audio", 12345, &mut part);
        assert_eq!(n, 1000);
        assert_eq!(&part[..], &all[12345..13345]);
        assert!(media_len(id, "audio") >= 50_000 && media_len(id, "audio") < 3_000_000);
    }
}
