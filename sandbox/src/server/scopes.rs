//! The one table of OAuth scopes: which scope a Bearer token needs for each `/v2/` route (from each
//! operation's description in Gong's spec). Requests with HTTP Basic (access key) need none.
//!
//! The spec names no scope for the two permission-profile reads; the sandbox assumes
//! `api:permission-profile:read` for them, so a denied scope can be tested there too. Media URLs in
//! `calls/extensive` also need `api:calls:read:media-url`, checked by that handler as it depends on
//! the content selector, not on the route.

/// (route template as routed, scope). A route missing here needs no scope.
const SCOPES: &[(&str, &str)] = &[
    ("/v2/users", "api:users:read"),
    ("/v2/users/{id}", "api:users:read"),
    ("/v2/users/extensive", "api:users:read"),
    ("/v2/users/{id}/settings-history", "api:users:read"),
    ("/v2/calls", "api:calls:read:basic"),
    ("/v2/calls/{id}", "api:calls:read:basic"),
    ("/v2/calls/extensive", "api:calls:read:extensive"),
    ("/v2/calls/transcript", "api:calls:read:transcript"),
    ("/v2/calls/users-access", "api:call-user-access:read"),
    (
        "/v2/calls/manual-crm-associations",
        "api:crm-calls:manual-association:read",
    ),
    ("/v2/workspaces", "api:workspaces:read"),
    ("/v2/stats/interaction", "api:stats:interaction"),
    ("/v2/stats/activity/scorecards", "api:stats:scorecards"),
    ("/v2/stats/activity/aggregate", "api:stats:user-actions"),
    (
        "/v2/stats/activity/aggregate-by-period",
        "api:stats:user-actions",
    ),
    (
        "/v2/stats/activity/day-by-day",
        "api:stats:user-actions:detailed",
    ),
    ("/v2/settings/trackers", "api:settings:trackers:read"),
    ("/v2/settings/scorecards", "api:settings:scorecards:read"),
    ("/v2/library/folders", "api:library:read"),
    ("/v2/library/folder-content", "api:library:read"),
    ("/v2/coaching", "api:coaching:read"),
    ("/v2/logs", "api:logs:read"),
    ("/v2/all-permission-profiles", "api:permission-profile:read"),
    ("/v2/permission-profile", "api:permission-profile:read"),
    ("/v2/permission-profile/users", "api:users:read"),
    ("/v2/flows", "api:flows:read"),
    ("/v2/crm/integrations", "api:crm:integrations:read"),
    ("/v2/crm/entity-schema", "api:crm:schema"),
    (
        "/v2/data-privacy/data-for-email-address",
        "api:data-privacy:read",
    ),
    (
        "/v2/data-privacy/data-for-phone-number",
        "api:data-privacy:read",
    ),
    (
        "/v2/data-privacy/erase-data-for-email-address",
        "api:data-privacy:delete",
    ),
    (
        "/v2/data-privacy/erase-data-for-phone-number",
        "api:data-privacy:delete",
    ),
];

/// The scope a Bearer token needs for `route` (the matched route template, e.g. `/v2/users/{id}`).
pub(super) fn scope_of(route: &str) -> Option<&'static str> {
    SCOPES.iter().find(|(r, _)| *r == route).map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::SCOPES;
    use crate::ALL_SCOPES;

    #[test]
    fn every_scope_is_one_the_token_endpoint_grants() {
        for (route, scope) in SCOPES {
            assert!(ALL_SCOPES.contains(scope), "{route}: unknown scope {scope}");
        }
    }
}
