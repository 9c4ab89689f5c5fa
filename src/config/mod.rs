//! Configuration: the raw form users write (its JSON Schema is the `spec`), and the validated [`Config`]
//! that everything downstream uses. Validation happens once, here, with messages that name the field and
//! say what to do; nothing downstream re-checks.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use url::Url;

use crate::error::{Error, Result};

pub const DEFAULT_BASE_URL: &str = "https://api.gong.io";
pub const DEFAULT_TOKEN_URL: &str = "https://app.gong.io/oauth2/generate-customer-token";
pub const DOCUMENTATION_URL: &str = "https://docs.airbyte.com/integrations/sources/gong";

/// A credential. It cannot be printed: `Debug` and `Display` show `***`, so no log line, error message or
/// panic can leak it. Read it with [`Secret::expose`] where it is sent, and nowhere else.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl JsonSchema for Secret {
    fn schema_name() -> String {
        "Secret".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut schema = SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            ..Default::default()
        };
        schema
            .extensions
            .insert("airbyte_secret".into(), json!(true));
        Schema::Object(schema)
    }
}

/// How to authenticate to Gong.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "auth_type", deny_unknown_fields)]
#[schemars(title = "Authentication")]
pub enum RawCredentials {
    /// Access key and secret from Gong's Company Settings → Ecosystem → API page (HTTP Basic).
    #[serde(rename = "access_key")]
    #[schemars(title = "Access key")]
    AccessKey {
        /// The access key shown on Gong's API page.
        #[schemars(title = "Access key")]
        access_key: Secret,
        /// The access key secret shown once, when the key was created.
        #[schemars(title = "Access key secret")]
        access_key_secret: Secret,
    },
    /// OAuth 2.0: either an access token you refresh yourself, or a client id, client secret and
    /// refresh token with which the connector refreshes the token itself (Gong's refresh tokens are
    /// single-use; each new one is saved back through the platform).
    #[serde(rename = "oauth2.0")]
    #[schemars(title = "OAuth 2.0")]
    OAuth {
        /// OAuth client id of your Gong integration (needed to refresh tokens).
        #[serde(default)]
        #[schemars(title = "Client ID")]
        client_id: Option<Secret>,
        /// OAuth client secret of your Gong integration (needed to refresh tokens).
        #[serde(default)]
        #[schemars(title = "Client secret")]
        client_secret: Option<Secret>,
        /// Refresh token from the OAuth consent flow. Single-use: the connector saves each new one.
        #[serde(default)]
        #[schemars(title = "Refresh token")]
        refresh_token: Option<Secret>,
        /// A current access token. Optional when client id, secret and refresh token are given.
        #[serde(default)]
        #[schemars(title = "Access token")]
        access_token: Option<Secret>,
        /// When the access token expires (RFC 3339). Written by the connector after a refresh.
        #[serde(default)]
        #[schemars(title = "Token expiry date")]
        token_expiry_date: Option<String>,
    },
}

/// Which parts of each call `calls_extensive` asks Gong for (its `contentSelector`). Every part is on by
/// default; turn one off if your key lacks its scope or you do not need it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Extensive call content")]
pub struct RawExtensiveContent {
    /// CRM context attached to calls: `None`, `Basic` (ids) or `Extended` (ids and fields).
    #[serde(default = "default_context")]
    #[schemars(title = "CRM context", default = "default_context")]
    pub context: String,
    /// Parties: participants with names, emails, titles and speaker ids.
    #[serde(default = "yes")]
    #[schemars(title = "Parties", default = "yes")]
    pub parties: bool,
    /// Content: structure, topics, trackers and their occurrences, points of interest, brief, outline,
    /// highlights, call outcome and key points.
    #[serde(default = "yes")]
    #[schemars(title = "Content", default = "yes")]
    pub content: bool,
    /// Interaction: speakers' talk time, interaction stats, video statistics and questions.
    #[serde(default = "yes")]
    #[schemars(title = "Interaction", default = "yes")]
    pub interaction: bool,
    /// Collaboration: public comments on calls.
    #[serde(default = "yes")]
    #[schemars(title = "Collaboration", default = "yes")]
    pub collaboration: bool,
    /// Media: audio and video download URLs (valid for 8 hours). Needs the `api:calls:read:media-url` scope.
    #[serde(default = "yes")]
    #[schemars(title = "Media URLs", default = "yes")]
    pub media: bool,
}

impl Default for RawExtensiveContent {
    fn default() -> Self {
        RawExtensiveContent {
            context: default_context(),
            parties: true,
            content: true,
            interaction: true,
            collaboration: true,
            media: true,
        }
    }
}

fn default_context() -> String {
    "Extended".into()
}
fn yes() -> bool {
    true
}

/// Gong source configuration.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Gong Spec")]
pub struct RawConfig {
    /// How to authenticate to Gong.
    #[serde(default)]
    pub credentials: Option<RawCredentials>,
    /// Your Gong API base URL. Gong shows it on Company Settings → Ecosystem → API; many tenants have their
    /// own host such as `https://us-12345.api.gong.io`. Plain `http` is allowed only for loopback addresses
    /// (a local sandbox).
    #[serde(default)]
    #[schemars(
        title = "API base URL",
        default = "default_base_url",
        example = "example_base_url"
    )]
    pub base_url: Option<String>,
    /// Replicate data from this date-time on (UTC, `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD`). Defaults to one
    /// year before the sync. Applies to calls, transcripts, stats, coaching and answered scorecards.
    #[serde(default)]
    #[schemars(title = "Start date", example = "example_start_date")]
    pub start_date: Option<String>,
    /// Replicate data up to this date-time (exclusive). Leave empty to sync up to now.
    #[serde(default)]
    #[schemars(title = "End date", example = "example_end_date")]
    pub end_date: Option<String>,
    /// Only sync this workspace (calls, transcripts, extensive calls, trackers, library and coaching).
    /// Leave empty for all workspaces.
    #[serde(default)]
    #[schemars(title = "Workspace ID")]
    pub workspace_id: Option<String>,
    /// Days re-read before the saved cursor on every incremental sync. Gong processes calls after they
    /// happen: transcripts, extensive content and scorecards can appear hours later, and a sync that only
    /// reads forward would miss them. 3 days covers Gong's processing delays with margin.
    #[serde(default)]
    #[schemars(
        title = "Lookback window (days)",
        default = "default_lookback_days",
        range(min = 0, max = 60)
    )]
    pub lookback_days: Option<u32>,
    /// Size of the time windows a sync reads calls in. A STATE checkpoint follows each window, so smaller
    /// windows lose less on interruption; larger ones need fewer requests for sparse data.
    #[serde(default)]
    #[schemars(
        title = "Window size (days)",
        default = "default_window_days",
        range(min = 1, max = 366)
    )]
    pub window_days: Option<u32>,
    /// Which parts of calls `calls_extensive` fetches.
    #[serde(default)]
    #[schemars(title = "Extensive call content")]
    pub calls_extensive_content: Option<RawExtensiveContent>,
    /// Requests per second the connector allows itself. Gong allows 3 per second per company; keep this at
    /// or below your company's limit so Gong's 429 stays rare. (Values up to 100,000 are for local
    /// simulators such as the bundled sandbox.)
    #[serde(default)]
    #[schemars(
        title = "Requests per second",
        default = "default_rps",
        range(min = 0.01, max = 100000)
    )]
    pub requests_per_second: Option<f64>,
    /// Requests per day the connector allows itself in one sync (Gong allows 10,000 per day per company).
    #[serde(default)]
    #[schemars(title = "Requests per day", default = "default_rpd", range(min = 1))]
    pub requests_per_day: Option<u64>,
    /// Longest wait (seconds) for a rate limit to clear. If Gong asks for a longer wait (its daily quota
    /// is spent), the sync saves its progress and stops with a transient error that says when to retry.
    #[serde(default)]
    #[schemars(
        title = "Longest rate-limit wait (seconds)",
        default = "default_max_wait",
        range(min = 0)
    )]
    pub max_rate_limit_wait_seconds: Option<u64>,
    /// Requests in flight at once. Independent windows and partitions are fetched concurrently inside the
    /// request budget, so Gong's response time does not idle the budget.
    #[serde(default)]
    #[schemars(
        title = "Concurrent requests",
        default = "default_concurrency",
        range(min = 1, max = 32)
    )]
    pub max_concurrent_requests: Option<usize>,
    /// Seconds to wait for Gong, for an answer to begin and then for each piece of its body, before the
    /// request is abandoned and retried.
    #[serde(default)]
    #[schemars(
        title = "Request timeout (seconds)",
        default = "default_timeout",
        range(min = 1, max = 600)
    )]
    pub request_timeout_seconds: Option<u64>,
    /// OAuth token endpoint. Only change it for testing.
    #[serde(default)]
    #[schemars(title = "OAuth token URL", default = "default_token_url")]
    pub oauth_token_url: Option<String>,
    /// Legacy form: access key at the top level (as older Gong connectors and the seed accept).
    #[serde(default)]
    #[schemars(skip)]
    pub access_key: Option<Secret>,
    /// Legacy form: access key secret at the top level.
    #[serde(default)]
    #[schemars(skip)]
    pub access_key_secret: Option<Secret>,
    /// Legacy form: OAuth access token at the top level.
    #[serde(default)]
    #[schemars(skip)]
    pub access_token: Option<Secret>,
    /// Hidden, for tests: the first retry backoff in milliseconds (default 500; doubles per attempt).
    #[serde(default)]
    #[schemars(skip)]
    pub retry_backoff_base_ms: Option<u64>,
}

fn default_base_url() -> &'static str {
    DEFAULT_BASE_URL
}
fn example_base_url() -> &'static str {
    "https://us-12345.api.gong.io"
}
fn example_start_date() -> &'static str {
    "2024-01-01T00:00:00Z"
}
fn example_end_date() -> &'static str {
    "2025-01-01T00:00:00Z"
}
fn default_lookback_days() -> u32 {
    3
}
fn default_window_days() -> u32 {
    7
}
fn default_rps() -> f64 {
    3.0
}
fn default_rpd() -> u64 {
    10_000
}
fn default_max_wait() -> u64 {
    600
}
fn default_concurrency() -> usize {
    4
}
fn default_timeout() -> u64 {
    60
}
fn default_token_url() -> &'static str {
    DEFAULT_TOKEN_URL
}

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

/// Validated `calls_extensive` content selector.
#[derive(Debug, Clone)]
pub struct ExtensiveContent {
    pub context: String,
    pub parties: bool,
    pub content: bool,
    pub interaction: bool,
    pub collaboration: bool,
    pub media: bool,
}

impl ExtensiveContent {
    /// Gong's `contentSelector` for this selection.
    pub fn content_selector(&self) -> Value {
        let content = self.content;
        let interaction = self.interaction;
        json!({
            "context": self.context,
            "contextTiming": ["Now", "TimeOfCall"],
            "exposedFields": {
                "parties": self.parties,
                "content": {
                    "structure": content, "topics": content, "trackers": content,
                    "trackerOccurrences": content, "pointsOfInterest": content, "brief": content,
                    "outline": content, "highlights": content, "callOutcome": content, "keyPoints": content
                },
                "interaction": {
                    "speakers": interaction, "video": interaction,
                    "personInteractionStats": interaction, "questions": interaction
                },
                "collaboration": {"publicComments": self.collaboration},
                "media": self.media
            }
        })
    }
}

/// The validated configuration. Built once by [`Config::parse`]; everything downstream trusts it.
/// Its `Debug` leaves out `original`, which holds the credentials as plain JSON.
#[derive(Clone)]
pub struct Config {
    pub auth: Auth,
    /// Base URL without a trailing slash, e.g. `https://api.gong.io`.
    pub base_url: Url,
    pub start: DateTime<Utc>,
    /// Exclusive end; `None` means "now" at the time of each request plan.
    pub end: Option<DateTime<Utc>>,
    pub workspace_id: Option<String>,
    pub lookback: chrono::Duration,
    pub window: chrono::Duration,
    pub extensive: ExtensiveContent,
    pub requests_per_second: f64,
    pub requests_per_day: u64,
    pub max_rate_limit_wait: Duration,
    pub max_concurrent_requests: usize,
    pub request_timeout: Duration,
    /// First retry backoff (hidden `retry_backoff_base_ms`).
    pub retry_base_backoff: Duration,
    /// The config as given, to write back with a rotated refresh token (CONTROL message).
    pub original: Value,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("auth", &self.auth)
            .field("base_url", &self.base_url.as_str())
            .field("start", &self.start)
            .field("end", &self.end)
            .field("workspace_id", &self.workspace_id)
            .field("lookback", &self.lookback)
            .field("window", &self.window)
            .field("extensive", &self.extensive)
            .field("requests_per_second", &self.requests_per_second)
            .field("requests_per_day", &self.requests_per_day)
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("request_timeout", &self.request_timeout)
            .field("retry_base_backoff", &self.retry_base_backoff)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Parses and validates the JSON text of a config file.
    pub fn parse(text: &str) -> Result<Config> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("The config file is not valid JSON ({e}).")))?;
        Config::from_value(value, Utc::now())
    }

    /// Validates a config object; `now` anchors the default start date.
    pub fn from_value(value: Value, now: DateTime<Utc>) -> Result<Config> {
        if !value.is_object() {
            return Err(Error::config("The config must be a JSON object."));
        }
        let raw: RawConfig = serde_path_to_error::deserialize(&value).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            let inner = inner.split(" at line").next().unwrap_or(&inner).to_string();
            if path == "." {
                Error::config(format!("Invalid config: {inner}."))
            } else {
                Error::config(format!("Invalid config field `{path}`: {inner}."))
            }
        })?;
        let token_url = parse_url(
            "oauth_token_url",
            raw.oauth_token_url.as_deref().unwrap_or(DEFAULT_TOKEN_URL),
        )?;
        let auth = validate_auth(&raw, token_url)?;
        let base_url = parse_url(
            "base_url",
            raw.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
        )?;

        let start = match raw.start_date.as_deref() {
            Some(s) => parse_datetime("start_date", s)?,
            None => now - chrono::Duration::days(365),
        };
        let end = match raw.end_date.as_deref() {
            Some(s) => Some(parse_datetime("end_date", s)?),
            None => None,
        };
        if start > now {
            return Err(Error::config(format!(
                "start_date {} is in the future; set it to a past date.",
                start.to_rfc3339()
            )));
        }
        if let Some(end) = end {
            if end <= start {
                return Err(Error::config(format!(
                    "end_date {} is not after start_date {}; set end_date later or remove it.",
                    end.to_rfc3339(),
                    start.to_rfc3339()
                )));
            }
        }
        let workspace_id = match raw.workspace_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(w) if w.chars().all(|c| c.is_ascii_digit()) => Some(w.to_string()),
            Some(w) => {
                return Err(Error::config(format!(
                    "workspace_id `{w}` is not a Gong workspace id (digits only); copy it from GET /v2/workspaces or leave it empty."
                )))
            }
        };
        let lookback_days = raw.lookback_days.unwrap_or(default_lookback_days());
        if lookback_days > 60 {
            return Err(Error::config("lookback_days must be between 0 and 60."));
        }
        let window_days = raw.window_days.unwrap_or(default_window_days());
        if !(1..=366).contains(&window_days) {
            return Err(Error::config("window_days must be between 1 and 366."));
        }
        let extensive = raw.calls_extensive_content.clone().unwrap_or_default();
        if !["None", "Basic", "Extended"].contains(&extensive.context.as_str()) {
            return Err(Error::config(format!(
                "calls_extensive_content.context must be None, Basic or Extended, not `{}`.",
                extensive.context
            )));
        }
        let rps = raw.requests_per_second.unwrap_or(default_rps());
        if !(rps.is_finite() && rps > 0.0 && rps <= 100_000.0) {
            return Err(Error::config(
                "requests_per_second must be a number above 0 and at most 100000 (Gong allows 3).",
            ));
        }
        let rpd = raw.requests_per_day.unwrap_or(default_rpd());
        if rpd == 0 {
            return Err(Error::config(
                "requests_per_day must be at least 1 (Gong allows 10,000).",
            ));
        }
        let concurrency = raw.max_concurrent_requests.unwrap_or(default_concurrency());
        if !(1..=32).contains(&concurrency) {
            return Err(Error::config(
                "max_concurrent_requests must be between 1 and 32.",
            ));
        }
        let timeout = raw.request_timeout_seconds.unwrap_or(default_timeout());
        if !(1..=600).contains(&timeout) {
            return Err(Error::config(
                "request_timeout_seconds must be between 1 and 600.",
            ));
        }
        let retry_base_ms = raw.retry_backoff_base_ms.unwrap_or(500);
        if !(1..=60_000).contains(&retry_base_ms) {
            return Err(Error::config(
                "retry_backoff_base_ms must be between 1 and 60000.",
            ));
        }
        Ok(Config {
            auth,
            base_url,
            start,
            end,
            workspace_id,
            lookback: chrono::Duration::days(lookback_days as i64),
            window: chrono::Duration::days(window_days as i64),
            extensive: ExtensiveContent {
                context: extensive.context,
                parties: extensive.parties,
                content: extensive.content,
                interaction: extensive.interaction,
                collaboration: extensive.collaboration,
                media: extensive.media,
            },
            requests_per_second: rps,
            requests_per_day: rpd,
            max_rate_limit_wait: Duration::from_secs(
                raw.max_rate_limit_wait_seconds
                    .unwrap_or(default_max_wait()),
            ),
            max_concurrent_requests: concurrency,
            request_timeout: Duration::from_secs(timeout),
            retry_base_backoff: Duration::from_millis(retry_base_ms),
            original: value,
        })
    }

    /// The end of the data to sync: `end_date`, or now.
    pub fn end_or(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.end {
            Some(end) if end < now => end,
            _ => now,
        }
    }
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

fn validate_auth(raw: &RawConfig, token_url: Url) -> Result<Auth> {
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
                ..
            }),
            _,
            _,
            _,
        ) => {
            let access_token = access_token.clone().filter(|t| !t.expose().trim().is_empty());
            match (client_id, client_secret, refresh_token) {
                (Some(id), Some(secret), Some(refresh)) => {
                    nonempty("client_id", id)?;
                    nonempty("client_secret", secret)?;
                    nonempty("refresh_token", refresh)?;
                    Ok(Auth::OAuthRefresh {
                        client_id: id.clone(),
                        client_secret: secret.clone(),
                        refresh_token: refresh.clone(),
                        access_token,
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

/// True for hosts that never leave this machine.
fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn parse_url(field: &str, text: &str) -> Result<Url> {
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

/// The `connectionSpecification` of `spec`: the JSON Schema of [`RawConfig`] with the keys Airbyte's UI
/// reads (`order` from declaration order, `const` discriminators for the credentials choice).
pub fn connection_specification() -> Value {
    let settings = schemars::gen::SchemaSettings::draft07().with(|s| {
        s.inline_subschemas = true;
        s.option_nullable = false;
        s.option_add_null_type = false;
    });
    let schema = settings
        .into_generator()
        .into_root_schema_for::<RawConfig>();
    let mut value = serde_json::to_value(schema).unwrap_or(Value::Null);
    decorate(&mut value);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("required".into(), json!(["credentials"]));
        obj.insert("additionalProperties".into(), json!(true));
        obj.remove("definitions");
    }
    value
}

/// Adds `order` to every object's properties and turns one-value `enum`s into `const` (Airbyte's UI
/// renders a `oneOf` whose branches carry a `const` discriminator as a choice).
fn decorate(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                for (i, (_, prop)) in props.iter_mut().enumerate() {
                    if let Value::Object(p) = prop {
                        p.insert("order".into(), json!(i));
                    }
                }
            }
            let single = match map.get("enum") {
                Some(Value::Array(values)) if values.len() == 1 => Some(values[0].clone()),
                _ => None,
            };
            if let Some(only) = single {
                map.remove("enum");
                map.insert("const".into(), only.clone());
                map.insert("default".into(), only);
            }
            for (_, v) in map.iter_mut() {
                decorate(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(decorate),
        _ => {}
    }
}

/// The whole SPEC payload.
pub fn spec() -> Value {
    json!({
        "documentationUrl": DOCUMENTATION_URL,
        "connectionSpecification": connection_specification(),
        "supportsIncremental": true,
        "supported_destination_sync_modes": ["overwrite", "append", "append_dedup"],
        "advanced_auth": {
            "auth_flow_type": "oauth2.0",
            "predicate_key": ["credentials", "auth_type"],
            "predicate_value": "oauth2.0",
            "oauth_config_specification": {
                "complete_oauth_output_specification": {
                    "type": "object",
                    "properties": {
                        "access_token": {"type": "string", "path_in_connector_config": ["credentials", "access_token"]},
                        "refresh_token": {"type": "string", "path_in_connector_config": ["credentials", "refresh_token"]},
                        "token_expiry_date": {"type": "string", "format": "date-time", "path_in_connector_config": ["credentials", "token_expiry_date"]}
                    }
                },
                "complete_oauth_server_input_specification": {
                    "type": "object",
                    "properties": {"client_id": {"type": "string"}, "client_secret": {"type": "string"}}
                },
                "complete_oauth_server_output_specification": {
                    "type": "object",
                    "properties": {
                        "client_id": {"type": "string", "path_in_connector_config": ["credentials", "client_id"]},
                        "client_secret": {"type": "string", "path_in_connector_config": ["credentials", "client_secret"]}
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
    }

    fn parse(v: Value) -> Result<Config> {
        Config::from_value(v, now())
    }

    fn basic() -> Value {
        json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"}})
    }

    #[test]
    fn defaults_apply() {
        let c = parse(basic()).unwrap();
        assert_eq!(c.base_url.as_str(), "https://api.gong.io/");
        assert_eq!(c.start, now() - chrono::Duration::days(365));
        assert_eq!(c.requests_per_second, 3.0);
        assert_eq!(c.requests_per_day, 10_000);
        assert_eq!(c.lookback, chrono::Duration::days(3));
        assert!(c.extensive.media);
        assert!(matches!(c.auth, Auth::Basic { .. }));
    }

    #[test]
    fn tenant_host_and_v2_suffix() {
        let mut v = basic();
        v["base_url"] = json!("https://us-12345.api.gong.io/v2/");
        let c = parse(v).unwrap();
        assert_eq!(c.base_url.as_str(), "https://us-12345.api.gong.io/");
    }

    #[test]
    fn plain_http_only_for_loopback() {
        let mut v = basic();
        v["base_url"] = json!("http://127.0.0.1:8080");
        assert!(parse(v.clone()).is_ok());
        v["base_url"] = json!("http://localhost:1");
        assert!(parse(v.clone()).is_ok());
        v["base_url"] = json!("http://api.gong.io");
        let e = parse(v).unwrap_err();
        assert!(e.message.contains("https"), "{e}");
    }

    #[test]
    fn errors_name_the_field() {
        let mut v = basic();
        v["start_date"] = json!("yesterday");
        assert!(parse(v).unwrap_err().message.contains("start_date"));
        let mut v = basic();
        v["lookback_days"] = json!("three");
        let e = parse(v).unwrap_err();
        assert!(e.message.contains("lookback_days"), "{e}");
        let mut v = basic();
        v["surprise"] = json!(1);
        let e = parse(v).unwrap_err();
        assert!(e.message.contains("surprise"), "{e}");
        let e = parse(json!({})).unwrap_err();
        assert!(e.message.contains("credentials"), "{e}");
        let e = parse(json!({"credentials": {"auth_type": "access_key", "access_key": "", "access_key_secret": "s"}}))
            .unwrap_err();
        assert!(e.message.contains("access_key is empty"), "{e}");
    }

    #[test]
    fn start_after_end_is_rejected() {
        let mut v = basic();
        v["start_date"] = json!("2025-01-02");
        v["end_date"] = json!("2025-01-01T00:00:00Z");
        assert!(parse(v).unwrap_err().message.contains("end_date"));
    }

    #[test]
    fn oauth_forms() {
        let c =
            parse(json!({"credentials": {"auth_type": "oauth2.0", "access_token": "t"}})).unwrap();
        assert!(matches!(c.auth, Auth::Bearer { .. }));
        let c = parse(json!({"credentials": {"auth_type": "oauth2.0", "client_id": "i", "client_secret": "s", "refresh_token": "r"}}))
            .unwrap();
        assert!(matches!(c.auth, Auth::OAuthRefresh { .. }));
        let e =
            parse(json!({"credentials": {"auth_type": "oauth2.0", "client_id": "i"}})).unwrap_err();
        assert!(e.message.contains("refresh"), "{e}");
        let c = parse(json!({"access_key": "k", "access_key_secret": "s"})).unwrap();
        assert!(matches!(c.auth, Auth::Basic { .. }));
    }

    #[test]
    fn secrets_never_format() {
        let c = parse(json!({"credentials": {"auth_type": "access_key", "access_key": "KEY123", "access_key_secret": "SECRET456"}}))
            .unwrap();
        let debug = format!("{:?}", c.auth);
        assert!(
            !debug.contains("KEY123") && !debug.contains("SECRET456"),
            "{debug}"
        );
    }

    #[test]
    fn spec_has_airbyte_ui_keys() {
        let spec = connection_specification();
        let creds = &spec["properties"]["credentials"];
        let branches = creds["oneOf"].as_array().expect("oneOf");
        assert_eq!(branches.len(), 2);
        assert_eq!(
            branches[0]["properties"]["auth_type"]["const"],
            "access_key"
        );
        assert_eq!(
            branches[0]["properties"]["access_key_secret"]["airbyte_secret"],
            true
        );
        assert_eq!(spec["properties"]["base_url"]["order"], 1);
        assert!(spec["properties"].get("access_key").is_none());
    }
}
