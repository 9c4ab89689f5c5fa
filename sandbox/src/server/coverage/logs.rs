//! `GET /v2/logs`: the audit log of one `logType` over a time range, 100 entries a page, ascending by
//! event time, 404 "No logs found for the specified period" when the range holds none.
//!
//! Logins and user activity happen on working hours of each day of the dataset, per active user; call
//! plays follow the calls the activity stats count as listened to (`ownCallsListenedTo`,
//! `othersCallsListenedTo`), and external access and plays follow the calls shared externally
//! (`callsSharedExternally`), so the log agrees with `/v2/stats/activity/*`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::{json, Value};

use super::{bad, full_name, get_page, parse_dt, required, HResult, Span, St};
use crate::data::{fmt_dt, CallRec, Dataset};
use crate::rng::{h2, h3, Rng};
use crate::text::COMPANIES;

/// The spec's `logType` enum, in its order.
pub const LOG_TYPES: [&str; 5] = [
    "AccessLog",
    "UserActivityLog",
    "UserCallPlay",
    "ExternallySharedCallAccess",
    "ExternallySharedCallPlay",
];

/// Call-derived events happen within this long after the call starts (calls last at most 3 hours).
const AFTER_CALL: i64 = 6 * 86_400;

/// One log entry, compactly: when, whose, and the seed its details come from.
#[derive(Clone, Copy, Debug)]
struct Event {
    time: i64,
    user: usize,
    seed: u64,
    call: Option<usize>,
}

/// Every event of type `kind` (an index into `LOG_TYPES`) with `from <= time < to`, in time order.
fn events(ds: &Dataset, span: Span, kind: usize, from: i64, to: i64) -> Vec<Event> {
    let mut out = unordered_events(ds, span, kind, from, to);
    out.sort_by_key(|e| (e.time, e.seed));
    out
}

/// The same events in no particular order (enough to count them).
fn unordered_events(ds: &Dataset, span: Span, kind: usize, from: i64, to: i64) -> Vec<Event> {
    let (from, to) = (from.max(span.start), to.min(span.until));
    if from >= to {
        vec![]
    } else if kind < 2 {
        daily_events(ds, span, kind, from, to)
    } else {
        call_events(ds, kind, from, to)
    }
}

/// Logins (kind 0) and settings/admin activity (kind 1): a few a day per active user, 08:00–18:00 UTC.
fn daily_events(ds: &Dataset, span: Span, kind: usize, from: i64, to: i64) -> Vec<Event> {
    let per_day: [u64; 5] = if kind == 0 {
        [0, 0, 1, 1, 2]
    } else {
        [0, 0, 0, 1, 2]
    };
    let mut out = Vec::new();
    for day in (from - span.start) / 86_400..=(to - 1 - span.start) / 86_400 {
        let day_start = span.start + day * 86_400;
        for u in 0..ds.users.len() {
            if ds.users[u]["active"] == false {
                continue;
            }
            let h = h3(
                ds.seed ^ 0x106,
                (kind as u64) << 32 | day as u64,
                ds.user_ids[u],
            );
            for k in 0..per_day[(h % 5) as usize] {
                let seed = h3(h, k, 1);
                let time = day_start + 8 * 3600 + (seed % (10 * 3600)) as i64;
                if (from..to).contains(&time) {
                    out.push(Event {
                        time,
                        user: u,
                        seed,
                        call: None,
                    });
                }
            }
        }
    }
    out
}

/// Plays of calls (kind 2), external accesses (kind 3) and external plays (kind 4).
fn call_events(ds: &Dataset, kind: usize, from: i64, to: i64) -> Vec<Event> {
    let mut out = Vec::new();
    for i in ds.call_range(Some(from - AFTER_CALL), Some(to)) {
        let c = &ds.calls[i];
        for (n, user) in call_actors(ds, c, kind).into_iter().enumerate() {
            let seed = h3(c.seed, 500 + kind as u64, n as u64);
            let time = c.started + i64::from(c.duration) + 600 + (seed % (4 * 86_400)) as i64;
            if (from..to).contains(&time) {
                out.push(Event {
                    time,
                    user,
                    seed,
                    call: Some(i),
                });
            }
        }
    }
    out
}

/// Who the call's events of `kind` belong to, one entry per event: the listeners for plays, the host
/// (who shared the call) for each external access or play.
fn call_actors(ds: &Dataset, c: &CallRec, kind: usize) -> Vec<usize> {
    let hh = h2(c.seed, 30);
    match kind {
        2 => {
            let mut v = Vec::new();
            if hh.is_multiple_of(4) {
                v.push(c.host);
            }
            if let Some(m) = ds.manager_of[c.host].filter(|_| hh.is_multiple_of(3)) {
                v.push(m);
            }
            v
        }
        _ if hh % 17 != 11 => vec![],
        3 => vec![c.host; 1 + (h2(c.seed, 510) % 2) as usize],
        _ => vec![c.host; (h2(c.seed, 520) % 3) as usize],
    }
}

/// The `logEntry` object of an event.
fn entry_json(ds: &Dataset, kind: usize, e: &Event) -> Value {
    let user = &ds.users[e.user];
    let impersonated = kind < 2 && e.seed.is_multiple_of(23);
    let avatar = ds.avatars.first().filter(|_| impersonated);
    json!({
        "userId": user["id"],
        "userEmailAddress": user["emailAddress"],
        "userFullName": full_name(user),
        "impersonatorUserId": avatar.map(|a| a["id"].clone()),
        "impersonatorEmailAddress": avatar.map(|a| a["emailAddress"].clone()),
        "impersonatorFullName": avatar.map(full_name),
        "impersonatorCompanyId": avatar.map(|_| (1_000_000_000_000_000 + h2(ds.seed, 0x60A9) % 8_000_000_000_000_000_000).to_string()),
        "eventTime": fmt_dt(e.time, 0),
        "logRecord": log_record(ds, kind, e),
    })
}

/// The type-specific fields of an event.
fn log_record(ds: &Dataset, kind: usize, e: &Event) -> Value {
    let mut r = Rng::new(e.seed);
    let ip = format!("203.0.113.{}", r.below(254) + 1);
    let Some(c) = e.call.map(|i| &ds.calls[i]) else {
        return if kind == 0 {
            json!({"accessType": "Login", "loginMethod": *r.pick(&["SSO", "Password", "Google"]),
                   "ipAddress": ip, "userAgent": *r.pick(&["Chrome/131.0", "Safari/18.1", "Gong Mobile/6.2"])})
        } else {
            let (action, entity) = *r.pick(&[
                ("UpdatedUserSettings", "User"),
                ("EditedTracker", "Tracker"),
                ("CreatedScorecard", "Scorecard"),
                ("ExportedCallsToCsv", "Call"),
                ("ChangedPermissionProfile", "PermissionProfile"),
            ]);
            json!({"action": action, "entityType": entity, "ipAddress": ip})
        };
    };
    let played = r.range(30, u64::from(c.duration).max(31));
    let mut external = || {
        let company = COMPANIES[(h2(c.seed, 7) % COMPANIES.len() as u64) as usize];
        format!(
            "guest{}@{}.example",
            r.below(90) + 10,
            crate::text::email_token(company)
        )
    };
    match kind {
        2 => json!({"callId": c.id_str(), "callTitle": ds.call_title(c), "playedSeconds": played}),
        3 => json!({"callId": c.id_str(), "accessedBy": external(), "ipAddress": ip}),
        _ => json!({"callId": c.id_str(), "playedBy": external(), "playedSeconds": played}),
    }
}

/// The number of events of each type over the whole dataset.
pub(super) fn counts(ds: &Dataset, span: Span) -> Value {
    let m: serde_json::Map<String, Value> = LOG_TYPES
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let n = unordered_events(ds, span, k, span.start, span.end).len();
            (name.to_string(), json!(n))
        })
        .collect();
    Value::Object(m)
}

/// `GET /v2/logs?logType=&fromDateTime=&toDateTime=&cursor=`.
pub(super) async fn list(State(st): St, Query(q): Query<HashMap<String, String>>) -> HResult {
    let name = required(&st, &q, "logType")?;
    let kind = LOG_TYPES.iter().position(|t| *t == name).ok_or_else(|| {
        bad(
            &st,
            format!(
                "Bad request: logType must be one of {}",
                LOG_TYPES.join(", ")
            ),
        )
    })?;
    let from = parse_dt(
        &st,
        "fromDateTime",
        Some(required(&st, &q, "fromDateTime")?),
    )?
    .unwrap_or(i64::MIN);
    let to =
        parse_dt(&st, "toDateTime", q.get("toDateTime").map(String::as_str))?.unwrap_or(i64::MAX);
    if from >= to {
        return Err(bad(
            &st,
            "Bad request: fromDateTime must be earlier than toDateTime",
        ));
    }
    let ds = st.dataset.read().unwrap();
    let found = events(&ds, Span::of(&ds, st.cfg.days), kind, from, to);
    if found.is_empty() {
        return Err(super::not_found(
            &st,
            "No logs found for the specified period",
        ));
    }
    get_page(&st, "/v2/logs", &q, "logEntries", found.len(), |a, b| {
        found[a..b]
            .iter()
            .map(|e| entry_json(&ds, kind, e))
            .collect()
    })
}
