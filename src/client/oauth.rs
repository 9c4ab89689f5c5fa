//! OAuth refresh: trades the single-use refresh token for an access token, and hands the rotated
//! config to the config sink (a CONTROL message, or the config file for `execute`).
//!
//! Invariants:
//! - the rotated refresh token is persisted exactly once per refresh, before anything that can fail
//!   after Gong answered (the old token is spent the moment Gong answers);
//! - every number from the token endpoint is bounded before it becomes a time (`expires_in` of 9.2e18
//!   is a year, not a panic);
//! - one refresh at a time, and only for the token Gong rejected (several requests in flight get the
//!   same 401, and only the first may spend the refresh token).

use std::sync::atomic::Ordering;

use chrono::Utc;
use serde_json::{json, Value};
use url::Url;

use super::{error_chain, is_loopback, GongClient, OAuthState};
use crate::config::{Auth, Secret};
use crate::error::{register_secret, Error, Reason, Result};

/// Token lifetimes are bounded to this many seconds (a year).
const MAX_EXPIRES_IN: i64 = 365 * 86400;
/// Gong's documented access-token lifetime, used when the answer does not say.
const DEFAULT_EXPIRES_IN: i64 = 3600;

/// The parts of a token answer, read without failing.
struct TokenAnswer {
    access: String,
    refresh: String,
    expires_in: i64,
    base_url: Option<Url>,
}

impl TokenAnswer {
    fn read(token: &Value) -> TokenAnswer {
        let text = |k: &str| {
            token
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        // Any JSON number (or none): bounded to [0, a year] before it becomes a duration.
        let expires_in = token
            .get("expires_in")
            .and_then(Value::as_f64)
            .filter(|s| s.is_finite())
            .map_or(DEFAULT_EXPIRES_IN, |s| {
                s.clamp(0.0, MAX_EXPIRES_IN as f64) as i64
            });
        let base_url = token
            .get("api_base_url_for_customer")
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok())
            .filter(|u| u.scheme() == "https" || u.host_str().is_some_and(is_loopback));
        TokenAnswer {
            access: text("access_token"),
            refresh: text("refresh_token"),
            expires_in,
            base_url,
        }
    }
}

impl GongClient {
    /// In OAuth refresh mode, makes sure there is an access token before the first request.
    pub(super) async fn ensure_token(&self) -> Result<()> {
        if matches!(self.auth, Auth::OAuthRefresh { .. })
            && self
                .bearer
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_none()
        {
            self.refresh_token(None).await?;
        }
        Ok(())
    }

    /// Trades the refresh token for a new access token. `rejected` is the generation of a token Gong
    /// refused: refresh unless a newer one exists already.
    pub(super) async fn refresh_token(&self, rejected: Option<u64>) -> Result<()> {
        let Auth::OAuthRefresh {
            client_id,
            client_secret,
            token_url,
            ..
        } = &self.auth
        else {
            return Ok(());
        };
        let mut guard = self.oauth.lock().await;
        let Some(state) = guard.as_mut() else {
            return Ok(());
        };
        if !self.is_stale(rejected) {
            return Ok(());
        }
        let client = (client_id, client_secret, token_url);
        let token = self.request_token(client, &state.refresh_token).await?;
        self.install(state, TokenAnswer::read(&token))
    }

    /// Whether the token is still to be refreshed: another task may have refreshed while this one waited
    /// for the lock, or after this one's token was sent.
    fn is_stale(&self, rejected: Option<u64>) -> bool {
        let has_token = self
            .bearer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        let generation = self.token_generation.load(Ordering::SeqCst);
        match rejected {
            Some(used) => used == generation,
            None => !has_token,
        }
    }

    /// One request to the token endpoint: Gong's answer as JSON, or a typed error (a refusal is a config
    /// error, a server error transient); no error text holds the refresh token.
    async fn request_token(
        &self,
        (client_id, client_secret, token_url): (&Secret, &Secret, &Url),
        refresh: &Secret,
    ) -> Result<Value> {
        let response = self
            .http
            .post(token_url.clone())
            .timeout(self.policy.request_timeout)
            .basic_auth(client_id.expose(), Some(client_secret.expose()))
            .query(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.expose()),
            ])
            .send()
            .await
            .map_err(|e| {
                // Not the URL: its query carries the refresh token.
                Error::transient(format!(
                    "Could not reach Gong's OAuth token endpoint {token_url}."
                ))
                .with_reason(Reason::Transport)
                .with_internal(error_chain(&e.without_url()))
            })?;
        let status = response.status();
        let body = response.bytes().await.unwrap_or_default();
        if !status.is_success() {
            let message = format!(
                "Gong refused to refresh the OAuth token (HTTP {}). The refresh token may be used or revoked: re-authenticate the source.",
                status.as_u16()
            );
            let error = if status.is_server_error() {
                Error::transient(message).with_reason(Reason::Server)
            } else {
                Error::config(message).with_reason(Reason::Unauthorized)
            };
            return Err(error.with_status(status.as_u16()));
        }
        serde_json::from_slice(&body).map_err(|_| {
            Error::system("Gong's OAuth token endpoint sent a response that is not JSON.")
                .with_reason(Reason::BadBody)
        })
    }

    /// Takes a token answer: the rotated refresh token persisted first (once), then the access token and
    /// the customer's base URL put in use, then the next token generation.
    fn install(&self, state: &mut OAuthState, answer: TokenAnswer) -> Result<()> {
        register_secret(&answer.access);
        register_secret(&answer.refresh);
        // Persist first, once: the old refresh token is spent, and nothing below may lose the new one.
        if !answer.refresh.is_empty() {
            state.refresh_token = Secret::new(answer.refresh.as_str());
        }
        self.persist(&answer, &state.refresh_token);
        if answer.access.is_empty() {
            return Err(
                Error::system("Gong's OAuth token response has no access_token.")
                    .with_reason(Reason::BadBody),
            );
        }
        state.access_token = Some(Secret::new(answer.access.as_str()));
        state.base_url = answer.base_url.clone();
        if let Some(base) = answer.base_url {
            *self.base_url.lock().unwrap_or_else(|p| p.into_inner()) = base;
        }
        *self.bearer.lock().unwrap_or_else(|p| p.into_inner()) = Some(Secret::new(answer.access));
        // After the token: a request never claims a newer generation than the token it carries.
        self.token_generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Hands the config with the rotated tokens to the config sink. Cannot fail.
    fn persist(&self, answer: &TokenAnswer, refresh: &Secret) {
        let expiry = Utc::now() + chrono::Duration::seconds(answer.expires_in);
        let mut config = self.original_config.clone();
        if let Some(creds) = config.get_mut("credentials").and_then(Value::as_object_mut) {
            if !answer.access.is_empty() {
                creds.insert("access_token".into(), json!(answer.access));
                creds.insert(
                    "token_expiry_date".into(),
                    json!(expiry.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                );
            }
            creds.insert("refresh_token".into(), json!(refresh.expose()));
        }
        if let Some(base) = &answer.base_url {
            config["base_url"] = json!(base.as_str().trim_end_matches('/'));
        }
        let sink = self
            .config_sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(sink) = sink {
            sink(config);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_token_lifetimes_are_bounded() {
        for (v, want) in [
            (json!(9.2e18), MAX_EXPIRES_IN),
            (json!(9_200_000_000_000_000_000u64), MAX_EXPIRES_IN),
            (json!(-5), 0),
            (json!("soon"), DEFAULT_EXPIRES_IN),
            (json!(86400), 86400),
        ] {
            let a = TokenAnswer::read(&json!({"access_token": "a", "expires_in": v}));
            assert_eq!(a.expires_in, want, "{v}");
            // The conversion that used to panic.
            let _ = Utc::now() + chrono::Duration::seconds(a.expires_in);
        }
    }
}
