//! Byte ranges of a download: the `Range` a caller asks for ([`ByteRange`], parsed from its header
//! text), and the window a download still has to fetch as bytes arrive ([`Window`]: resume offsets,
//! suffix ranges resolved against the file's size, ends clamped to it).

use crate::error::{Error, Result};

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

/// Where a download starts and ends, resolved once the file's size is known.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    /// Absolute offset of the next byte to write (None until a `Last(n)` range is resolved).
    pub(super) next: Option<u64>,
    /// Exclusive end, when known.
    pub(super) end: Option<u64>,
    suffix: Option<u64>,
}

impl Window {
    /// The window of `range` (the whole file when there is none), less the `skip` bytes at its start
    /// that a partial file already holds.
    pub(super) fn new(range: Option<ByteRange>, skip: u64) -> Window {
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
    pub(super) fn header(&self) -> Option<String> {
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
    pub(super) fn is_complete(&self) -> bool {
        matches!((self.next, self.end), (Some(next), Some(end)) if next >= end)
    }

    /// Resolves a suffix range against the file's real size, and clamps the end to that size (HTTP
    /// semantics: a range that runs past the end of the file is clamped to the file, so the bytes after
    /// the last one are never asked for).
    pub(super) fn fit_to(&mut self, total_size: Option<u64>) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
