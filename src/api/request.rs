//! The Gong request of an entity's list or get, built from the caller's (validated) parameters and the
//! endpoint's parameter list: each parameter goes where its entry says (`At`: the query, the path's
//! `{id}`, under `filter`, at the top of the body, the cursor's place), a parameter left out gets its
//! default rule (`Fill`), and a parameter the connector reads itself (`sent: false`) is not sent.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::entities::{Action, Entity, GetOne, Special};
use super::scorecards;
use super::validate::{lookup, lookup_str, parse_date};
use crate::client::ApiRequest;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::gong::endpoints::Method;
use crate::gong::params::{At, Fill, Param};
use crate::gong::values::{closed_days_end, fmt_date, midnight};

/// The request of one page of an entity's list.
pub fn list_request(
    entity: Entity,
    params: &Value,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<ApiRequest> {
    let endpoint = entity
        .list_endpoint()
        .ok_or_else(|| super::unsupported(entity, Action::List))?;
    let spec = entity.params(Action::List);
    let in_path = spec
        .iter()
        .find(|p| p.at == At::Path)
        .and_then(|p| lookup_str(params, p.name));
    let mut request = match endpoint.method {
        Method::Get => {
            let first = match in_path {
                Some(id) => endpoint.request_for_id(id),
                None => endpoint.request(),
            };
            spec.iter()
                .filter(|p| p.at == At::Query && p.sent)
                .fold(first, |req, p| match lookup_str(params, p.name) {
                    Some(v) => req.query(p.name, v),
                    None => req,
                })
        }
        Method::Post => {
            ApiRequest::post(endpoint.path, post_body(entity, spec, params, config, now)?)
        }
    };
    if let Some(cursor) = lookup_str(params, "cursor") {
        endpoint.set_cursor(&mut request, cursor);
    }
    Ok(request)
}

/// The JSON body of a POST list: the caller's `filter` and other top-level body parameters as given,
/// with the defaults of the parameters left out.
fn post_body(
    entity: Entity,
    spec: &[Param],
    params: &Value,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Value> {
    if entity.special() == Special::ScorecardFilters {
        return Ok(json!({ "filter": scorecards::gong_filter(params)? }));
    }
    let mut body =
        json!({ "filter": lookup(params, "filter").cloned().unwrap_or_else(|| json!({})) });
    for p in spec
        .iter()
        .filter(|p| p.at == At::Body && !p.name.contains('.'))
    {
        if let (Some(v), true) = (lookup(params, p.name), p.name != "filter") {
            body[p.name] = v.clone();
        }
    }
    let end = end_of(spec, params, config, now);
    for p in spec.iter().filter(|p| p.fill != Fill::Nothing) {
        if lookup(params, &p.path()).is_some() || p.at != At::Filter {
            continue;
        }
        let day = match p.fill {
            Fill::ConfigStart => config.start,
            Fill::DaysBeforeEnd(days) => end - Duration::days(days),
            Fill::ClosedDaysEnd | Fill::Nothing => end,
        };
        body["filter"][p.name] = json!(fmt_date(day));
    }
    Ok(body)
}

/// The end of the range the defaults are relative to: the caller's end date, or the end of the closed
/// days the sync would read (`closed_days_end`: the config's end_date, never past yesterday).
fn end_of(spec: &[Param], params: &Value, config: &Config, now: DateTime<Utc>) -> DateTime<Utc> {
    spec.iter()
        .find(|p| p.fill == Fill::ClosedDaysEnd)
        .and_then(|p| lookup_str(params, &p.path()))
        .and_then(parse_date)
        .map(midnight)
        .unwrap_or_else(|| closed_days_end(now, config.end_or(now)))
}

/// The request of a get: the record's id where the endpoint's first parameter goes.
pub fn get_request(get: &GetOne, id: &str) -> Result<ApiRequest> {
    let endpoint = get.endpoint;
    let param = endpoint
        .params
        .first()
        .ok_or_else(|| Error::system("A get endpoint without its parameter."))?;
    Ok(match param.at {
        At::Path => endpoint.request_for_id(id),
        _ => endpoint.filter(endpoint.request(), param.name, json!(id)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::entities::Entity;

    fn e(name: &str) -> Entity {
        Entity::parse(name).unwrap()
    }

    fn config() -> Config {
        Config::from_value(
            json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                   "start_date": "2024-01-01"}),
            Utc::now(),
        )
        .unwrap()
    }

    #[test]
    fn requests_follow_gongs_spec() {
        let cfg = config();
        let now = Utc::now();
        let r = list_request(
            e("stats_activity_scorecards"),
            &json!({"filter": {"fromDateTime": "2025-01-01T00:00:00Z", "toDateTime": "2025-01-05T12:00:00Z", "reviewerUserIds": ["1"]}, "cursor": "c"}),
            &cfg,
            now,
        )
        .unwrap();
        assert_eq!(
            r.body.unwrap(),
            json!({"filter": {"callFromDate": "2024-12-31", "callToDate": "2025-01-07"}, "cursor": "c"})
        );
        let r = list_request(
            e("coaching"),
            &json!({"workspace-id": "1", "manager-id": "2", "from": "a", "to": "b"}),
            &cfg,
            now,
        )
        .unwrap();
        let names: Vec<&str> = r.query.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["workspace-id", "manager-id", "from", "to"]);
        let r = list_request(e("stats_interaction"), &json!({}), &cfg, now).unwrap();
        assert_eq!(r.body.as_ref().unwrap()["filter"]["fromDate"], "2024-01-01");
        let r = list_request(e("users"), &json!({"cursor": "abc"}), &cfg, now).unwrap();
        assert_eq!(r.query, vec![("cursor".to_string(), "abc".to_string())]);
        let r = list_request(
            e("calls_extensive"),
            &json!({"filter": {"callIds": ["1"]}, "contentSelector": {"exposedFields": {"media": true}}}),
            &cfg,
            now,
        )
        .unwrap();
        assert_eq!(
            r.body.unwrap(),
            json!({"filter": {"callIds": ["1"]}, "contentSelector": {"exposedFields": {"media": true}}})
        );
    }

    #[test]
    fn parents_go_where_gong_reads_them() {
        let (cfg, now) = (config(), Utc::now());
        let list = |name, p: Value| list_request(e(name), &p, &cfg, now).unwrap();
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let r = list("user_settings_history", json!({"id": "42"}));
        assert_eq!(
            (r.path.as_str(), r.query.len()),
            ("/v2/users/42/settings-history", 0)
        );
        let r = list(
            "crm_entity_schema",
            json!({"integrationId": "7", "objectType": "DEAL"}),
        );
        assert_eq!(
            r.query,
            [pair("integrationId", "7"), pair("objectType", "DEAL")]
        );
        let r = list("flows", json!({"flowOwnerEmail": "a@b.c", "cursor": "c"}));
        assert_eq!(
            r.query,
            [pair("flowOwnerEmail", "a@b.c"), pair("cursor", "c")]
        );
        let r = list("call_users_access", json!({"filter": {"callIds": ["1"]}}));
        assert_eq!(r.body.unwrap(), json!({"filter": {"callIds": ["1"]}}));
        let get = e("permission_profiles").def().get.unwrap();
        assert_eq!(get.endpoint.record_key, "profile");
        let r = get_request(&get, "9").unwrap();
        assert_eq!(
            (r.path.as_str(), r.query),
            ("/v2/permission-profile", vec![pair("profileId", "9")])
        );
        let r = get_request(&e("users").def().get.unwrap(), "9").unwrap();
        assert_eq!(r.path, "/v2/users/9");
    }

    #[test]
    fn stats_default_to_the_syncs_closed_days() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let cfg = |end: &str| {
            Config::from_value(
                json!({"credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
                       "start_date": "2026-10-01", "end_date": end}),
                now,
            )
            .unwrap()
        };
        let to = |end: &str| {
            let r = list_request(e("stats_interaction"), &json!({}), &cfg(end), now).unwrap();
            r.body.unwrap()["filter"]["toDate"].clone()
        };
        // An end_date after midnight includes its day, as in the sync's plan.
        assert_eq!(to("2026-11-02T15:30:00Z"), "2026-11-03");
        assert_eq!(to("2026-11-02T00:00:00Z"), "2026-11-02");
        // Never past yesterday (the day before yesterday is the last closed day).
        assert_eq!(to("2026-11-30T10:00:00Z"), "2026-11-29");
        let day_by_day = list_request(
            e("stats_activity_day_by_day"),
            &json!({"filter": {"toDate": "2026-11-10"}}),
            &cfg("2026-11-30"),
            now,
        )
        .unwrap();
        assert_eq!(
            day_by_day.body.unwrap()["filter"],
            json!({"toDate": "2026-11-10", "fromDate": "2026-11-03"})
        );
        let r = list_request(e("workspaces"), &json!({}), &cfg("2026-11-02"), now).unwrap();
        assert_eq!((r.path.as_str(), r.query.len()), ("/v2/workspaces", 0));
        let r = list_request(
            e("call_transcripts"),
            &json!({"cursor": "c"}),
            &cfg("2026-11-02"),
            now,
        )
        .unwrap();
        assert_eq!(r.body.unwrap(), json!({"filter": {}, "cursor": "c"}));
    }
}
