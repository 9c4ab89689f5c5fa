//! HTTP layer: the router that puts Gong's API routes, the media host, the OAuth token endpoint and
//! the admin API behind one gate (counters, rate limits, faults, auth and scopes).
//!
//! One child module per job: `state` (what the server holds), `gate` and `fault_answers` (the
//! middleware), `scopes` (the one scope table), `reply`, `parse` and `paging` (what handlers share),
//! then the handlers by family: `users`, `calls`, `stats`, `settings`, `library`, `coaching`,
//! `coverage` (the other read endpoints of the spec), `media_host`, `oauth`, `admin` and
//! `admin_clock` (the sandbox clock).

// Handlers return `Result<Response, Response>`: the error IS the HTTP answer, boxing it gains nothing.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

mod admin;
mod admin_clock;
mod calls;
mod coaching;
mod coverage;
mod erase;
mod fault_answers;
mod gate;
mod library;
mod media_host;
mod oauth;
mod paging;
mod parse;
mod privacy;
mod reply;
mod scopes;
mod settings;
mod state;
mod stats;
mod users;

use admin::{
    admin_add_call, admin_counts, admin_expire_tokens, admin_faults, admin_get_faults,
    admin_reset_stats, admin_stats,
};
use admin_clock::{admin_calls, admin_get_clock, admin_set_clock};
use calls::{call, calls, calls_extensive, transcripts};
use coaching::coaching;
use gate::gate;
use library::{folder_content, folders};
use media_host::media;
use oauth::oauth_token;
use reply::error;
use settings::{settings_scorecards, trackers};
pub(crate) use state::AppState;
use state::St;
use stats::{
    answered_scorecards, stats_aggregate, stats_aggregate_by_period, stats_day_by_day,
    stats_interaction,
};
use users::{user, users, users_extensive, workspaces};

pub(crate) fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/v2/users", get(users))
        .route("/v2/users/{id}", get(user))
        .route("/v2/users/extensive", post(users_extensive))
        .route("/v2/calls", get(calls))
        .route("/v2/calls/{id}", get(call))
        .route("/v2/calls/extensive", post(calls_extensive))
        .route("/v2/calls/transcript", post(transcripts))
        .route("/v2/workspaces", get(workspaces))
        .route("/v2/stats/activity/aggregate", post(stats_aggregate))
        .route(
            "/v2/stats/activity/aggregate-by-period",
            post(stats_aggregate_by_period),
        )
        .route("/v2/stats/activity/day-by-day", post(stats_day_by_day))
        .route("/v2/stats/interaction", post(stats_interaction))
        .route("/v2/stats/activity/scorecards", post(answered_scorecards))
        .route("/v2/settings/scorecards", get(settings_scorecards))
        .route("/v2/settings/trackers", get(trackers))
        .route("/v2/library/folders", get(folders))
        .route("/v2/library/folder-content", get(folder_content))
        .route("/v2/coaching", get(coaching))
        .route("/media/{call_id}/{kind}", get(media))
        .route("/oauth2/generate-customer-token", post(oauth_token))
        .route(
            "/sandbox/health",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route("/sandbox/stats", get(admin_stats))
        .route("/sandbox/reset-stats", post(admin_reset_stats))
        .route("/sandbox/faults", post(admin_faults).get(admin_get_faults))
        .route("/sandbox/calls", post(admin_add_call))
        .route("/sandbox/clock", post(admin_set_clock).get(admin_get_clock))
        .route("/sandbox/dataset/calls", get(admin_calls))
        .route("/sandbox/dataset/counts", get(admin_counts))
        .route("/sandbox/expire-tokens", post(admin_expire_tokens))
        .route(
            "/v2/data-privacy/data-for-email-address",
            get(privacy::email_address),
        )
        .route(
            "/v2/data-privacy/data-for-phone-number",
            get(privacy::phone_number),
        )
        .merge(coverage::routes())
        .merge(erase::routes())
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), gate));
    api.with_state(state)
}

async fn fallback(State(st): St, method: Method, uri: Uri) -> Response {
    let status =
        if uri.path().starts_with("/v2/") && method != Method::GET && method != Method::POST {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::NOT_FOUND
        };
    error(
        &st,
        status,
        &format!("No such endpoint: {method} {}", uri.path()),
    )
}
