//! The fields a sync adds, as the records get them: every stream's first slice planned and one record of
//! it produced, its added top-level keys compared with `StreamDef::added_fields` (what `discover`'s schema
//! and `execute --describe` are built from).

use std::collections::{BTreeSet, HashMap};

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use super::lift;
use crate::config::Config;
use crate::engine::per_day::{self, Days};
use crate::engine::plan::{slices, Parents};
use crate::gong::page::Page;
use crate::streams::{Lift, Plan, StreamDef, STREAMS};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

fn config() -> Config {
    let value = json!({
        "credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
        "start_date": "2026-09-01T00:00:00Z",
        "stats_interaction_period": "day"
    });
    Config::from_value(value, now()).unwrap()
}

/// One item of every parent list.
fn parents() -> Parents {
    Parents {
        workspaces: vec!["11".into()],
        managers: vec!["22".into()],
        users: vec!["33".into()],
        folders: vec![("44".into(), json!("Deals"))],
        items: vec![json!("55")],
    }
}

fn page_of(record: &str) -> Page {
    Page {
        body: Bytes::from(record.to_string()),
        records: std::iter::once(0..record.len()).collect(),
        total_records: Some(1),
    }
}

fn keys(record: &str) -> BTreeSet<String> {
    let value: Value = serde_json::from_str(record).unwrap_or_else(|e| panic!("{record}: {e}"));
    value.as_object().unwrap().keys().cloned().collect()
}

/// A record as Gong sends it, with what every lift reads (`metaData`, `callId`); for a day-range stream
/// a user's range answer with one active day in the slice's range, made into the day's record.
fn produced(def: &StreamDef) -> (BTreeSet<String>, BTreeSet<String>) {
    let slice = slices(def, &config(), now(), None, &parents())
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{}: no slice planned", def.name));
    let (gong, page) = match def.plan {
        Plan::DayRanges { period, split, .. } => {
            let days = Days::of(&slice.request, period).expect("a range of days");
            let day = slice.request.body.as_ref().unwrap()["filter"][period.from].clone();
            let user = format!(
                r#"{{"userId":"33","{}":[{{"fromDate":"{}T00:00:00Z","n":1}}]}}"#,
                split.items,
                day.as_str().unwrap()
            );
            let mut days = days;
            let page = per_day::split(&page_of(&user), (period, split), "/p", &mut days).unwrap();
            let mut gong = keys(&user);
            gong.remove(split.items);
            gong.insert(split.into.to_string());
            (gong, page)
        }
        _ => {
            let record = r#"{"metaData":{"id":7,"started":"2026-10-01T00:00:00Z"},"callId":"7"}"#;
            (keys(record), page_of(record))
        }
    };
    assert_eq!(page.len(), 1, "{}", def.name);
    let started = HashMap::from([("7".to_string(), "2026-10-01T00:00:00Z".to_string())]);
    let lifted = lift(def, &page, &slice.added, Some(&started)).unwrap();
    let mut all = keys(page.record(0));
    if let Some(fields) = lifted.first() {
        all.extend(keys(&format!("{{{fields}}}")));
    }
    (gong, all)
}

#[test]
fn every_plan_kind_adds_exactly_the_streams_added_fields() {
    let mut kinds = BTreeSet::new();
    for def in STREAMS.iter().filter(|d| d.lift != Lift::CallMedia) {
        let (gong, record) = produced(def);
        let added: BTreeSet<String> = record.difference(&gong).cloned().collect();
        let declared: BTreeSet<String> = def.added_fields().iter().map(|f| f.to_string()).collect();
        assert_eq!(added, declared, "{}", def.name);
        kinds.insert(format!("{:?}", std::mem::discriminant(&def.plan)));
        kinds.insert(format!("{:?}", def.lift));
    }
    // Every plan kind and lift but call_media's is exercised (13 plan variants, 4 lifts).
    assert_eq!(kinds.len(), 13 + 4, "{kinds:?}");
}
