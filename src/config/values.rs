//! URLs and date-times of the config: `base_url` and `oauth_token_url` (https, or plain http to loopback
//! only; no credentials, query or fragment), and the date-time parser shared with the state.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use url::Url;

use crate::error::{Error, Result};

/// True for hosts that never leave this machine.
fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

pub fn parse_url(field: &str, text: &str) -> Result<Url> {
    let text = text.trim();
    let mut url = Url::parse(text).map_err(|e| {
        Error::config(format!(
            "{field} `{text}` is not a URL ({e}); expected e.g. https://api.gong.io"
        ))
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(Error::config(format!(
                "{field} must use https (plain http is allowed only for loopback addresses such as a local sandbox)."
            )))
        }
        other => return Err(Error::config(format!("{field} has scheme `{other}`; use https."))),
    }
    if url.host().is_none() {
        return Err(Error::config(format!("{field} `{text}` has no host.")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!(
            "{field} must not contain credentials; put them in `credentials`."
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "{field} must not have a query or fragment."
        )));
    }
    if field == "base_url" {
        // Users paste the API root with or without `/v2`; paths are added per request.
        let path = url.path().trim_end_matches('/').to_string();
        let path = path.strip_suffix("/v2").unwrap_or(&path).to_string();
        url.set_path(&path);
    }
    Ok(url)
}

/// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 date-time.
pub fn parse_datetime(field: &str, text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Ok(dt.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    }
    Err(Error::config(format!(
        "{field} `{text}` is not a date; use YYYY-MM-DDTHH:MM:SSZ (e.g. 2024-01-01T00:00:00Z) or YYYY-MM-DD."
    )))
}
