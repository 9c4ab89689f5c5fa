//! Opaque signed pagination cursors.
//!
//! A cursor is `base64url("v1.<offset>.<filterHash>.<issuedUnix>.<mac>")`; the mac is a keyed hash
//! with a per-process secret, so tampered cursors and cursors from another process are refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::rng::{h3, hash_str};

/// Why a cursor was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorError {
    /// Not a cursor of this server, tampered with, or made for other request parameters.
    Invalid,
    /// Older than the cursor lifetime.
    Expired,
}

impl CursorError {
    /// Gong-style error text.
    pub fn message(&self) -> &'static str {
        match self {
            CursorError::Invalid => "invalid cursor",
            CursorError::Expired => "cursor has expired",
        }
    }
}

/// Signs and checks cursors.
#[derive(Debug, Clone)]
pub struct CursorCodec {
    secret: u64,
    ttl_secs: u64,
}

impl CursorCodec {
    /// A codec with the given secret and lifetime.
    pub fn new(secret: u64, ttl_secs: u64) -> CursorCodec {
        CursorCodec { secret, ttl_secs }
    }

    fn mac(&self, offset: u64, filter: u64, issued: i64) -> u64 {
        h3(
            self.secret ^ 0x005E_C2E7,
            h3(offset, filter, issued as u64),
            0xC0F5,
        )
    }

    /// Hash of the request parameters a cursor is bound to.
    pub fn filter_hash(endpoint: &str, canonical_filter: &str) -> u64 {
        hash_str(&format!("{endpoint}\u{0}{canonical_filter}"))
    }

    /// Encodes a cursor for the next page at `offset`.
    pub fn encode(&self, offset: u64, filter: u64, now_unix: i64) -> String {
        let mac = self.mac(offset, filter, now_unix);
        URL_SAFE_NO_PAD.encode(format!("v1.{offset}.{filter:x}.{now_unix}.{mac:x}"))
    }

    /// Decodes a cursor, returning the offset it points at.
    pub fn decode(&self, cursor: &str, filter: u64, now_unix: i64) -> Result<u64, CursorError> {
        let raw = URL_SAFE_NO_PAD
            .decode(cursor.trim().trim_end_matches('='))
            .map_err(|_| CursorError::Invalid)?;
        let text = String::from_utf8(raw).map_err(|_| CursorError::Invalid)?;
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() != 5 || parts[0] != "v1" {
            return Err(CursorError::Invalid);
        }
        let offset: u64 = parts[1].parse().map_err(|_| CursorError::Invalid)?;
        let fh = u64::from_str_radix(parts[2], 16).map_err(|_| CursorError::Invalid)?;
        let issued: i64 = parts[3].parse().map_err(|_| CursorError::Invalid)?;
        let mac = u64::from_str_radix(parts[4], 16).map_err(|_| CursorError::Invalid)?;
        if mac != self.mac(offset, fh, issued) || fh != filter {
            return Err(CursorError::Invalid);
        }
        if now_unix.saturating_sub(issued) > self.ttl_secs as i64 {
            return Err(CursorError::Expired);
        }
        Ok(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_tamper_filter_and_expiry() {
        let c = CursorCodec::new(7, 60);
        let f = CursorCodec::filter_hash("/v2/calls", "a");
        let cur = c.encode(200, f, 1000);
        assert_eq!(c.decode(&cur, f, 1010), Ok(200));
        assert_eq!(c.decode(&cur, f, 2000), Err(CursorError::Expired));
        let other = CursorCodec::filter_hash("/v2/calls", "b");
        assert_eq!(c.decode(&cur, other, 1010), Err(CursorError::Invalid));
        let forged = URL_SAFE_NO_PAD.encode(format!("v1.300.{f:x}.1000.1234"));
        assert_eq!(c.decode(&forged, f, 1010), Err(CursorError::Invalid));
        assert_eq!(c.decode("garbage!", f, 1010), Err(CursorError::Invalid));
        let c2 = CursorCodec::new(8, 60);
        assert_eq!(c2.decode(&cur, f, 1010), Err(CursorError::Invalid));
    }
}
