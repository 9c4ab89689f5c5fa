//! A recording download of the entity/action interface (`call_audio`, `call_video`): the seed's
//! parameters (one call id, the media selector, an optional `range_header`) checked and turned into
//! what `media::download` needs.

use chrono::Utc;
use serde_json::Value;

use super::checks;
use super::entities::{Action, Entity};
use super::validate::{lookup, lookup_str, validate};
use crate::error::{Error, Result};
use crate::gong::content::{MEDIA, RANGE};
use crate::gong::endpoints::CALL_IDS;
use crate::media::ByteRange;

/// Extras of a download beyond the seed's parameters.
#[derive(Debug, Clone, Default)]
pub struct DownloadOptions {
    /// Bytes already held (a partial file being resumed): fetching starts that far into the range.
    pub skip: u64,
    /// A media URL obtained earlier (e.g. from calls_extensive or the call_media stream); renewed
    /// through calls/extensive if it has expired.
    pub url: Option<String>,
}

/// The call id and range of a download request, validated.
pub fn download_target(entity: Entity, params: &Value) -> Result<(String, Option<ByteRange>)> {
    let params = &checks::without_nulls(params);
    validate(entity, Action::Download, params)?;
    checks::check(entity, Action::Download, params, Utc::now())?;
    let what = format!("{} download", entity.name());
    let ids_path = CALL_IDS.path();
    let ids = lookup(params, &ids_path)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if ids.len() != 1 {
        return Err(Error::config(format!(
            "{what}: `{ids_path}` must hold exactly one call id (it holds {}).",
            ids.len()
        )));
    }
    if lookup(params, MEDIA.name) == Some(&Value::Bool(false)) {
        return Err(Error::config(format!(
            "{what}: `{}` must be true (or left out): media URLs are what a download needs.",
            MEDIA.name
        )));
    }
    let call_id = ids[0].as_str().unwrap_or_default().to_string();
    let range = lookup_str(params, RANGE.name)
        .map(ByteRange::parse)
        .transpose()?;
    Ok((call_id, range))
}
