//! The config as users write it: serde reads it, schemars derives the shape of the spec from it.
//!
//! Invariants:
//! * these types only describe shape, titles and descriptions; every bound, default, pattern and example
//!   of a field is declared in [`super::declared`] and nowhere here;
//! * unknown fields are accepted (no `deny_unknown_fields`): a config written for another version stays
//!   valid, and [`super::unknown`] names each unknown field in a warning;
//! * an optional field carries no `#[serde(default)]`, so its schema has no `"default": null`;
//! * a [`Secret`] never prints its value.

use std::fmt;

use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;

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

/// How to authenticate to Gong. OAuth comes first: it is the method the platform's `advanced_auth`
/// flow fills in, and Airbyte's UI shows the first option by default.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "auth_type")]
#[schemars(title = "Authentication")]
pub enum RawCredentials {
    /// OAuth 2.0: either an access token you refresh yourself, or a client id, client secret and
    /// refresh token with which the connector refreshes the token itself (Gong's refresh tokens are
    /// single-use; each new one is saved back through the platform).
    #[serde(rename = "oauth2.0")]
    #[schemars(title = "OAuth 2.0")]
    OAuth {
        /// OAuth client id of your Gong integration (needed to refresh tokens).
        #[schemars(title = "Client ID")]
        client_id: Option<Secret>,
        /// OAuth client secret of your Gong integration (needed to refresh tokens).
        #[schemars(title = "Client secret")]
        client_secret: Option<Secret>,
        /// Refresh token from the OAuth consent flow. Single-use: the connector saves each new one.
        #[schemars(title = "Refresh token")]
        refresh_token: Option<Secret>,
        /// A current access token. Optional when client id, secret and refresh token are given.
        #[schemars(title = "Access token")]
        access_token: Option<Secret>,
        /// When the access token expires (RFC 3339). Written by the connector after a refresh.
        #[schemars(title = "Token expiry date")]
        token_expiry_date: Option<String>,
    },
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
}

/// How much CRM context Gong attaches to each extensive call (its `contentSelector.context`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum CrmContext {
    None,
    Basic,
    #[default]
    Extended,
}

/// Which parts of each call `calls_extensive` asks Gong for (its `contentSelector`). Every part is on by
/// default; turn one off if your key lacks its scope or you do not need it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(title = "Extensive call content")]
pub struct RawExtensiveContent {
    /// CRM context attached to calls: `None`, `Basic` (ids) or `Extended` (ids and fields).
    #[serde(default)]
    #[schemars(title = "CRM context")]
    pub context: CrmContext,
    /// Parties: participants with names, emails, titles and speaker ids.
    #[serde(default = "yes")]
    #[schemars(title = "Parties")]
    pub parties: bool,
    /// Content: structure, topics, trackers and their occurrences, points of interest, brief, outline,
    /// highlights, call outcome and key points.
    #[serde(default = "yes")]
    #[schemars(title = "Content")]
    pub content: bool,
    /// Interaction: speakers' talk time, interaction stats, video statistics and questions.
    #[serde(default = "yes")]
    #[schemars(title = "Interaction")]
    pub interaction: bool,
    /// Collaboration: public comments on calls.
    #[serde(default = "yes")]
    #[schemars(title = "Collaboration")]
    pub collaboration: bool,
    /// Media: audio and video download URLs (valid for 8 hours). Needs the `api:calls:read:media-url` scope.
    #[serde(default = "yes")]
    #[schemars(title = "Media URLs")]
    pub media: bool,
}

impl Default for RawExtensiveContent {
    fn default() -> Self {
        RawExtensiveContent {
            context: CrmContext::default(),
            parties: true,
            content: true,
            interaction: true,
            collaboration: true,
            media: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// Top-level fields the connector reads but the spec does not show (older config forms and a test knob).
/// They are not reported as unknown.
pub const HIDDEN_FIELDS: &[&str] = &[
    "access_key",
    "access_key_secret",
    "access_token",
    "retry_backoff_base_ms",
];

/// Gong source configuration.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(title = "Gong Spec")]
pub struct RawConfig {
    /// How to authenticate to Gong.
    pub credentials: Option<RawCredentials>,
    /// Your Gong API base URL. Gong shows it on Company Settings → Ecosystem → API; many tenants have their
    /// own host such as `https://us-12345.api.gong.io`. Plain `http` is allowed only for loopback addresses
    /// (a local sandbox).
    #[schemars(title = "API base URL")]
    pub base_url: Option<String>,
    /// Replicate data from this date (UTC midnight) or UTC date-time on; Gong holds no data before 2015.
    /// Defaults to one year before the sync. Applies to calls, transcripts, stats, coaching and answered
    /// scorecards.
    #[schemars(title = "Start date")]
    pub start_date: Option<String>,
    /// Replicate data up to this date (UTC midnight) or UTC date-time, exclusive. Leave empty to sync up
    /// to now.
    #[schemars(title = "End date")]
    pub end_date: Option<String>,
    /// Only sync this workspace (calls, transcripts, extensive calls, trackers, library and coaching).
    /// Leave empty for all workspaces.
    #[schemars(title = "Workspace ID")]
    pub workspace_id: Option<String>,
    /// Days re-read before the saved cursor on every incremental sync. Gong processes calls after they
    /// happen: transcripts, extensive content and scorecards can appear hours later, and a sync that only
    /// reads forward would miss them. 3 days covers Gong's processing delays with margin.
    #[schemars(title = "Lookback window (days)")]
    pub lookback_days: Option<u32>,
    /// Size of the time windows a sync reads calls in. A STATE checkpoint follows each window, so smaller
    /// windows lose less on interruption; larger ones need fewer requests for sparse data. Windows that
    /// come back empty or in one page are followed by windows twice as wide (up to 32 windows, at most 366
    /// days), so history before the first call costs a few requests.
    #[schemars(title = "Window size (days)")]
    pub window_days: Option<u32>,
    /// Days of stats asked in one request by `stats_activity_aggregate` and `stats_activity_day_by_day`
    /// (Gong answers each user's days for a whole range). A request costs ceil(users active in the window
    /// / 100) pages whatever its length, so longer windows need fewer requests; a STATE checkpoint follows
    /// each window. The default, 366, reads the default year of history in one window (the fewest
    /// requests); memory does not grow with the window (pages are written as they arrive).
    #[schemars(title = "Stats window size (days)")]
    pub stats_window_days: Option<u32>,
    /// The period of each `stats_interaction` record: `day`, `week` (Monday to Sunday) or `month`. Gong
    /// gives interaction stats only as totals over the range asked, so each period is one request chain: a
    /// year costs 363 requests by day, about 52 × ceil(active users / 100) by week, about 12 × that by
    /// month. Only periods that are over are read. Records carry the period as `fromDate`/`toDate`.
    #[schemars(title = "Interaction stats period")]
    pub stats_interaction_period: Option<String>,
    /// Which parts of calls `calls_extensive` fetches.
    #[schemars(title = "Extensive call content")]
    pub calls_extensive_content: Option<RawExtensiveContent>,
    /// Requests per second the connector allows itself. Gong allows 3 per second per company; keep this at
    /// or below your company's limit so Gong's 429 stays rare. (Values up to 100,000 are for local
    /// simulators such as the bundled sandbox.)
    #[schemars(title = "Requests per second")]
    pub requests_per_second: Option<f64>,
    /// The connector's share of Gong's quota: requests it sends in any 24 hours, across every sync of
    /// the connection (Gong allows 10,000 per day per company, shared with Gong's own integrations such as
    /// the CRM sync). The default, 4,000, leaves 60% to them. Syncs remember what they spent in their
    /// state; a sync that finds the share spent reads nothing, says when it frees up, and succeeds.
    #[schemars(title = "Requests per day (share of Gong's quota)")]
    pub requests_per_day: Option<u64>,
    /// Hours between reads of a stream in incremental syncs, overriding its default cadence (0: every
    /// sync), e.g. `[{"stream": "flows", "hours": 24}]`. A stream not due emits nothing and keeps its state. Defaults: calls,
    /// calls_extensive, call_transcripts, call_media and call_users_access every sync; stats, coaching,
    /// answered scorecards, logs and manual CRM associations 24; snapshots without change times (users,
    /// workspaces, settings, library, permission profiles, CRM integrations) 24, and flows,
    /// user_settings_history and crm_entity_schema 168. Full-refresh streams are read on every sync.
    #[schemars(title = "Stream cadences")]
    pub stream_cadence_hours: Option<Vec<RawCadence>>,
    /// Longest wait (seconds) for a rate limit to clear. If Gong asks for a longer wait (its daily quota
    /// is spent), the sync saves its progress and stops with a transient error that says when to retry.
    #[schemars(title = "Longest rate-limit wait (seconds)")]
    pub max_rate_limit_wait_seconds: Option<u64>,
    /// Requests in flight at once. Independent windows and partitions are fetched concurrently inside the
    /// request budget, so Gong's response time does not idle the budget.
    #[schemars(title = "Concurrent requests")]
    pub max_concurrent_requests: Option<usize>,
    /// Seconds to wait for Gong, for an answer to begin and then for each piece of its body, before the
    /// request is abandoned and retried.
    #[schemars(title = "Request timeout (seconds)")]
    pub request_timeout_seconds: Option<u64>,
    /// Leave out calls marked private (Gong asks the OAuth apps it lists to do so): they are dropped from
    /// calls, calls_extensive, call_transcripts, call_media and call_users_access. Off by default.
    #[schemars(title = "Exclude private calls")]
    pub exclude_private_calls: Option<bool>,
    /// call_media: ask the media host for each recording's size and content type (one small request per
    /// recording to the media host, not a Gong API request). Off: no request goes to the media host,
    /// records carry sizeBytes null and contentType from the URL's file extension when it has one (else
    /// null). On by default. File transfer (include_files) always reports the downloaded size.
    #[schemars(title = "Probe recordings' size and type (call_media)")]
    pub call_media_probe: Option<bool>,
    /// Deleted in Gong, deleted in the warehouse: a call Gong no longer lists (a data-privacy erasure, the
    /// retention purge) gets a record with `_ab_cdc_deleted_at` set in calls, calls_extensive,
    /// call_transcripts, call_users_access and call_media (incremental syncs), which append + dedup
    /// destinations apply as a delete. Finding them costs a re-listing of the synced history's call ids
    /// (100 per request), spread over `deletion_sweep_days`. Off: every synced call stays. On by default.
    #[schemars(title = "Propagate deletions")]
    pub propagate_deletes: Option<bool>,
    /// Days over which the deletion sweep re-lists the whole synced history (about 1/N of it per day);
    /// the recent weeks are re-listed on every sync. 0: the whole history on every sync.
    #[schemars(title = "Deletion sweep period (days)")]
    pub deletion_sweep_days: Option<u32>,
    /// OAuth token endpoint. Only change it for testing.
    #[schemars(title = "OAuth token URL")]
    pub oauth_token_url: Option<String>,
    /// Legacy form: access key at the top level (as older Gong connectors and the seed accept).
    #[schemars(skip)]
    pub access_key: Option<Secret>,
    /// Legacy form: access key secret at the top level.
    #[schemars(skip)]
    pub access_key_secret: Option<Secret>,
    /// Legacy form: OAuth access token at the top level.
    #[schemars(skip)]
    pub access_token: Option<Secret>,
    /// Hidden, for tests: the first retry backoff in milliseconds (doubles per attempt).
    #[schemars(skip)]
    pub retry_backoff_base_ms: Option<u64>,
}

/// One stream's cadence override (`stream_cadence_hours`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct RawCadence {
    /// The stream's name.
    #[schemars(title = "Stream")]
    pub stream: String,
    /// Hours between reads (0: every sync).
    #[schemars(title = "Hours")]
    pub hours: u32,
}
