//! Records of the `permission_profiles` and `permission_profile_users` streams: Gong's
//! `PermissionProfileDTO` (GET /v2/all-permission-profiles, GET /v2/permission-profile) and
//! `UserSimpleMetadata` (GET /v2/permission-profile/users).
//!
//! Field names, types and descriptions follow Gong's OpenAPI document (`gong-openapi.json`). The spec's
//! seven `*AccessWithPermissionLevel` objects and the three forecast objects have the same two fields,
//! so they share [`AccessLevel`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An access permission: its scope and, for `managers-team`, whose teams.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessLevel {
    /// Permission access scope. Known values: `all`, `managers-team`, `report-to-them`, `own`, `none`.
    pub permission_level: Option<String>,
    /// List of user IDs to populate the managers-team permission level
    ///
    /// You can retrieve the user ids by using the “Users” API.
    pub team_lead_ids: Option<Vec<String>>,
}

/// Library folder access permission.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LibraryFolderAccess {
    /// Library folder permission level - mandatory value. Known values: `none`, `all`,
    /// `specific-folders`.
    pub permission_level: Option<String>,
    /// List of library folder Ids, if set, "permissionLevel" must not be "none".
    pub library_folder_ids: Option<Vec<String>>,
    /// A user with this profile can manage public folder, if set, "permissionLevel" must not be "none".
    pub manage_public_folder: Option<bool>,
    /// A user with this profile can manage streams, if set, "permissionLevel" must not be "none".
    pub manage_streams: Option<bool>,
    /// A user with this profile can add calls to folders, archive calls, if set, "permissionLevel" must
    /// not be "none".
    pub manage_folder_calls: Option<bool>,
    /// A user with this profile can share folders and streams from Your Library with other team
    /// members, if set, "permissionLevel" must not be "none".
    pub share_folders_and_streams: Option<bool>,
}

/// All forecast permissions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForecastPermissions {
    /// User can view forecast submissions.
    pub forecast_access: Option<AccessLevel>,
    /// User can edit forecasts submissions.
    pub forecast_edit_submissions: Option<AccessLevel>,
    /// User can edit forecast Targets.
    pub forecast_edit_targets: Option<AccessLevel>,
}

/// Permission profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionProfile {
    /// Unique numeric identifier of the permission profile (up to 20 digits).
    pub id: String,
    /// Permission profile name.
    pub name: Option<String>,
    /// Permission profile description.
    pub description: Option<String>,
    /// Calls access permission.
    pub calls_access: Option<AccessLevel>,
    /// Library folder access permission.
    pub library_folder_access: Option<LibraryFolderAccess>,
    /// Deals access permission.
    pub deals_access: Option<AccessLevel>,
    /// All forecast permissions.
    pub forecast_permissions: Option<ForecastPermissions>,
    /// Coaching access permission.
    pub coaching_access: Option<AccessLevel>,
    /// Insights access permission.
    pub insights_access: Option<AccessLevel>,
    /// Usage access permission.
    pub usage_access: Option<AccessLevel>,
    /// Emails access permission.
    pub emails_access: Option<AccessLevel>,
    /// User can score calls.
    pub score_calls: Option<bool>,
    /// User can download call media.
    pub download_call_media: Option<bool>,
    /// User can share calls with customers.
    pub share_calls_with_customers: Option<bool>,
    /// User can manually schedule and upload calls.
    pub manually_schedule_and_upload_calls: Option<bool>,
    /// User can set their own calls as private.
    pub private_calls: Option<bool>,
    /// User can delete calls.
    pub delete_calls: Option<bool>,
    /// User can trim calls.
    pub trim_calls: Option<bool>,
    /// User can listen in calls.
    pub listen_in_calls: Option<bool>,
    /// User can delete emails.
    pub delete_emails: Option<bool>,
    /// User can view and search calls.
    pub calls_and_search: Option<bool>,
    /// User can view library pages.
    pub library: Option<bool>,
    /// User can view deals pages.
    pub deals: Option<bool>,
    /// User can create/edit/delete deals boards.
    pub create_edit_and_delete_deals_boards: Option<bool>,
    /// User can perform inline editing of deals.
    pub deals_inline_editing: Option<bool>,
    /// User can view account pages.
    pub account: Option<bool>,
    /// User can view coaching pages.
    pub coaching: Option<bool>,
    /// User can view usage pages.
    pub usage: Option<bool>,
    /// User can view team stats page.
    pub team_stats: Option<bool>,
    /// User can view initiatives page.
    pub initiatives: Option<bool>,
    /// User can view market page.
    pub market: Option<bool>,
    /// User can view activity pages.
    pub activity: Option<bool>,
    /// User can view forecast pages.
    pub forecast: Option<bool>,
    /// User can manage forecast boards and upload targets.
    pub forecast_manage: Option<bool>,
    /// User can manage company email templates.
    pub engage_manage_company_templates: Option<bool>,
    /// User can manage company sequences.
    pub engage_manage_company_sequences: Option<bool>,
    /// User can snooze flow in to dos for others
    pub engage_snooze_flow_to_dos_for_others: Option<bool>,
    /// User can manage general business settings.
    pub manage_general_business_settings: Option<bool>,
    /// User can manage scorecards.
    pub manage_scorecards: Option<bool>,
    /// User can export calls and coaching metrics data to CSV.
    #[serde(rename = "exportCallsAndCoachingDataToCSV")]
    pub export_calls_and_coaching_data_to_csv: Option<bool>,
    /// User can perform inline editing of crm data.
    pub crm_data_inline_editing: Option<bool>,
    /// User can perform import of crm data.
    pub crm_data_import: Option<bool>,
    /// User can view dashboards page.
    pub view_revenue_analytics: Option<bool>,
    /// User can manage revenue analytics.
    pub manage_revenue_analytics: Option<bool>,
}

/// A user attached to the permission profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSimpleMetadata {
    /// Gong's unique numeric identifier for the user (up to 20 digits).
    pub id: String,
    /// The full name of the Gong user.
    pub full_name: Option<String>,
    /// The email address of the Gong user.
    pub email_address: Option<String>,
}
