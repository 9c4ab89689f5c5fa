//! The connector's one clock: the current instant every plan, default date and the request ledger read.
//!
//! `SOURCE_GONG_NOW` (an RFC 3339 date-time, e.g. `2026-03-02T09:00:00Z`) fixes the current instant for
//! tests and benchmarks that simulate a schedule of syncs: with it set, the connector plans, fills its
//! default dates and keeps its request ledger as if it ran at that instant. It is not a setting for
//! production: leave it unset and the clock is the system's.
//!
//! Invariant: an invalid value is a `config_error` before anything is read or sent ([`try_now`], called
//! by config parsing); afterwards [`now`] cannot fail. Timing that must follow real time (retry waits,
//! OAuth token expiry, media URL expiry) does not read this clock.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// The environment variable that fixes the connector's current instant.
pub const NOW_VAR: &str = "SOURCE_GONG_NOW";

/// The instant `SOURCE_GONG_NOW` names, `None` when it is unset or empty.
fn fixed() -> Result<Option<DateTime<Utc>>> {
    let Ok(text) = std::env::var(NOW_VAR) else {
        return Ok(None);
    };
    parse(&text)
}

/// `text` as a fixed instant (RFC 3339), `None` when empty.
pub fn parse(text: &str) -> Result<Option<DateTime<Utc>>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| {
            Error::config(format!(
                "{NOW_VAR} `{text}` is not an RFC 3339 date-time (e.g. 2026-03-02T09:00:00Z); it fixes the \
                 connector's clock for tests and benchmarks. Unset it to use the system clock."
            ))
        })
}

/// The current instant: `SOURCE_GONG_NOW` when set, else the system clock; a config error when the
/// variable is set to something that is not a date-time.
pub fn try_now() -> Result<DateTime<Utc>> {
    Ok(fixed()?.unwrap_or_else(Utc::now))
}

/// The current instant (see [`try_now`]); an invalid `SOURCE_GONG_NOW`, already reported by config
/// parsing, falls back to the system clock here.
pub fn now() -> DateTime<Utc> {
    try_now().unwrap_or_else(|_| Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_rejects_the_rest() {
        let t = parse("2026-03-02T09:30:00Z").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-02T09:30:00+00:00");
        let t = parse("2026-03-02T10:30:00+01:00").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-02T09:30:00+00:00");
        assert_eq!(parse("  ").unwrap(), None);
        for bad in ["2026-03-02", "yesterday", "2026-13-01T00:00:00Z"] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::Config, "{bad}");
            assert!(e.message.contains(NOW_VAR), "{e}");
        }
    }
}
