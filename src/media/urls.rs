//! Where a recording is: its media URL, from POST /v2/calls/extensive with
//! `contentSelector.exposedFields.media = true`, which goes through [`GongClient::send_parsed`] like
//! every API request (budget, retries, auth); and what a presigned URL says: when it expires, and how it
//! may appear in a message (without its query, which is a credential).

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::client::{ApiRequest, GongClient, Reply};
use crate::error::{Error, Result};
use crate::models::media::MediaKind;

/// The `contentSelector` that asks Gong for media URLs only.
pub fn content_selector() -> Value {
    json!({"exposedFields": {"media": true}})
}

/// The parts of a calls/extensive record the media code reads.
#[derive(Debug, Deserialize)]
pub(super) struct ExtensiveCall {
    #[serde(rename = "metaData", default)]
    pub(super) meta: Option<CallMeta>,
    #[serde(default)]
    pub(super) media: Option<MediaUrls>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CallMeta {
    pub(super) id: Option<Value>,
    pub(super) started: Option<String>,
    pub(super) workspace_id: Option<Value>,
    pub(super) primary_user_id: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MediaUrls {
    audio_url: Option<String>,
    video_url: Option<String>,
}

impl MediaUrls {
    pub(super) fn get(&self, kind: MediaKind) -> Option<&str> {
        match kind {
            MediaKind::Audio => self.audio_url.as_deref(),
            MediaKind::Video => self.video_url.as_deref(),
        }
        .filter(|u| !u.is_empty())
    }
}

pub(super) fn id_text(v: &Option<Value>) -> Option<String> {
    match v.as_ref()? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Asks Gong for a fresh media URL of one call (POST /v2/calls/extensive, media only).
pub async fn media_url(client: &GongClient, call_id: &str, kind: MediaKind) -> Result<String> {
    let req = ApiRequest::post(
        crate::gong::endpoints::CALLS_EXTENSIVE.path,
        json!({"filter": {"callIds": [call_id]}, "contentSelector": content_selector()}),
    );
    let reply = client
        .send_parsed(&req, |body| {
            #[derive(Deserialize)]
            struct Calls {
                #[serde(default)]
                calls: Vec<ExtensiveCall>,
            }
            serde_json::from_slice::<Calls>(body).map_err(|e| e.to_string())
        })
        .await?;
    let calls = match reply {
        Reply::Ok(c) => c.calls,
        Reply::NotFound(text) => {
            return Err(
                Error::system(format!("Call {call_id} was not found (Gong said: {text})."))
                    .with_status(404),
            )
        }
    };
    let call = calls
        .into_iter()
        .find(|c| c.meta.as_ref().and_then(|m| id_text(&m.id)).as_deref() == Some(call_id))
        .ok_or_else(|| Error::system(format!("Call {call_id} was not found.")).with_status(404))?;
    call.media
        .as_ref()
        .and_then(|m| m.get(kind))
        .map(str::to_string)
        .ok_or_else(|| {
            Error::system(format!(
                "Call {call_id} has no {} recording (Gong returned no media.{}Url).",
                kind.as_str(),
                kind.as_str()
            ))
            .with_status(404)
        })
}

/// When a presigned media URL stops working: S3 (`X-Amz-Date` + `X-Amz-Expires`), CloudFront or the
/// sandbox (`Expires`/`expires`, Unix seconds); otherwise Gong's documented 8 hours from now.
pub fn url_expiry(url: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    let fallback = now + chrono::Duration::hours(8);
    let Ok(parsed) = url::Url::parse(url) else {
        return fallback;
    };
    let mut amz_date = None;
    let mut amz_expires = None;
    for (k, v) in parsed.query_pairs() {
        match k.as_ref() {
            "X-Amz-Date" => {
                amz_date = chrono::NaiveDateTime::parse_from_str(&v, "%Y%m%dT%H%M%SZ").ok()
            }
            "X-Amz-Expires" => amz_expires = v.parse::<i64>().ok(),
            "Expires" | "expires" => {
                if let Some(t) = v
                    .parse::<i64>()
                    .ok()
                    .and_then(|s| Utc.timestamp_opt(s, 0).single())
                {
                    return t;
                }
            }
            _ => {}
        }
    }
    match (amz_date, amz_expires) {
        (Some(d), Some(s)) => Utc.from_utc_datetime(&d) + chrono::Duration::seconds(s),
        _ => fallback,
    }
}

/// A URL for messages: scheme, host and path only (the query of a presigned URL is a credential).
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}",
            u.scheme(),
            u.host_str().unwrap_or("?"),
            u.path()
        ),
        Err(_) => "<media URL>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_from_urls() {
        let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            url_expiry("https://h/m?expires=1704067260&signature=x", now),
            now + chrono::Duration::seconds(60)
        );
        assert_eq!(
            url_expiry(
                "https://s3/x?X-Amz-Date=20240101T000000Z&X-Amz-Expires=28800&X-Amz-Signature=s",
                now
            ),
            now + chrono::Duration::hours(8)
        );
        assert_eq!(
            url_expiry("https://h/m", now),
            now + chrono::Duration::hours(8)
        );
        assert_eq!(
            redact_url("https://h.example/m/1/audio?expires=1&signature=secret"),
            "https://h.example/m/1/audio"
        );
    }
}
