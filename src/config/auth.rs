//! Authentication: which of the config's credential forms is given, checked into one [`Auth`].
//!
//! Accepted forms: `credentials` with `auth_type` `access_key` or `oauth2.0` (an access token, or client
//! id, client secret and refresh token), and the legacy top-level `access_key`/`access_key_secret` or
//! `access_token`. Every credential given must be non-empty.
//!
//! With a refresh token, the config's access token is used while it is valid: until its
//! `token_expiry_date` (less a minute), or until Gong refuses it when the date is absent or unreadable.
//! An expired one is dropped here, so the first request refreshes at once instead of failing first.

use chrono::{DateTime, Utc};
use url::Url;

use super::raw::{RawConfig, RawCredentials, Secret};
use crate::error::{Error, Result};

/// Validated authentication.
#[derive(Debug, Clone)]
pub enum Auth {
    /// HTTP Basic with access key and secret.
    Basic { access_key: Secret, secret: Secret },
    /// A bearer token the user refreshes.
    Bearer { token: Secret },
    /// OAuth with refresh: the client refreshes the token itself.
    OAuthRefresh {
        client_id: Secret,
        client_secret: Secret,
        refresh_token: Secret,
        access_token: Option<Secret>,
        token_url: Url,
    },
}

fn nonempty(field: &str, secret: &Secret) -> Result<()> {
    if secret.expose().trim().is_empty() {
        Err(Error::config(format!(
            "credentials.{field} is empty; paste the value from Gong."
        )))
    } else {
        Ok(())
    }
}

/// An access token is taken for expired this long before its expiry date (a request takes time).
const EXPIRY_MARGIN_SECS: i64 = 60;

/// Whether an access token with this expiry date is still worth sending at `now`.
fn still_valid(expiry: Option<&str>, now: DateTime<Utc>) -> bool {
    match expiry.map(|e| DateTime::parse_from_rfc3339(e.trim())) {
        Some(Ok(at)) => {
            at.with_timezone(&Utc) - chrono::Duration::seconds(EXPIRY_MARGIN_SECS) > now
        }
        // No date, or one that does not parse: let Gong decide (a 401 refreshes).
        _ => true,
    }
}

pub fn validate_auth(raw: &RawConfig, token_url: Url, now: DateTime<Utc>) -> Result<Auth> {
    match (&raw.credentials, &raw.access_key, &raw.access_key_secret, &raw.access_token) {
        (Some(RawCredentials::AccessKey { access_key, access_key_secret }), _, _, _)
        | (None, Some(access_key), Some(access_key_secret), _) => {
            nonempty("access_key", access_key)?;
            nonempty("access_key_secret", access_key_secret)?;
            if access_key.expose().contains(':') {
                return Err(Error::config(
                    "credentials.access_key contains ':', which HTTP Basic cannot carry; check that key and secret are not swapped or pasted together.",
                ));
            }
            Ok(Auth::Basic {
                access_key: access_key.clone(),
                secret: access_key_secret.clone(),
            })
        }
        (
            Some(RawCredentials::OAuth {
                client_id,
                client_secret,
                refresh_token,
                access_token,
                token_expiry_date,
            }),
            _,
            _,
            _,
        ) => {
            let access_token = access_token.clone().filter(|t| !t.expose().trim().is_empty());
            let current = access_token
                .clone()
                .filter(|_| still_valid(token_expiry_date.as_deref(), now));
            if let (Some(expired), None) = (&access_token, &current) {
                // Not sent, but still a credential: never in an error text.
                crate::error::register_secret(expired.expose());
            }
            match (client_id, client_secret, refresh_token) {
                (Some(id), Some(secret), Some(refresh)) => {
                    nonempty("client_id", id)?;
                    nonempty("client_secret", secret)?;
                    nonempty("refresh_token", refresh)?;
                    Ok(Auth::OAuthRefresh {
                        client_id: id.clone(),
                        client_secret: secret.clone(),
                        refresh_token: refresh.clone(),
                        access_token: current,
                        token_url,
                    })
                }
                (None, None, None) => match access_token {
                    Some(token) => Ok(Auth::Bearer { token }),
                    None => Err(Error::config(
                        "OAuth credentials need an access_token, or client_id, client_secret and refresh_token.",
                    )),
                },
                _ => Err(Error::config(
                    "OAuth refresh needs all three of client_id, client_secret and refresh_token; one is missing.",
                )),
            }
        }
        (None, None, None, Some(token)) => {
            nonempty("access_token", token)?;
            Ok(Auth::Bearer { token: token.clone() })
        }
        (None, Some(_), None, _) => Err(Error::config("access_key is given but access_key_secret is missing.")),
        (None, None, Some(_), _) => Err(Error::config("access_key_secret is given but access_key is missing.")),
        (None, None, None, None) => Err(Error::config(
            "The config has no `credentials`; give an access key and secret, or an OAuth access token.",
        )),
    }
}
