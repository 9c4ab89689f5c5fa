//! The planner on its own: parent lists, config and checkpoint in, slices out.

use chrono::{Datelike, NaiveDate, TimeZone};

use super::calendar::{month_start, next_month};
use super::*;
use crate::gong::values::fmt_dt;
use crate::streams::{find, STREAMS};

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn config(extra: Value) -> Config {
    let mut value = json!({
        "credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"},
        "start_date": "2026-10-01T00:00:00Z",
        "lookback_days": 2,
        "window_days": 7
    });
    for (k, v) in extra.as_object().unwrap() {
        value[k] = v.clone();
    }
    Config::from_value(value, at(2026, 11, 30, 12)).unwrap()
}

fn plan(stream: &str, cfg: &Config, saved: Option<DateTime<Utc>>, parents: &Parents) -> Vec<Slice> {
    let saved = saved.map(Checkpoint::at);
    slices(
        find(stream).unwrap(),
        cfg,
        at(2026, 11, 30, 12),
        saved.as_ref(),
        parents,
    )
}

#[test]
fn call_windows_resume_with_lookback_and_carry_the_workspace_filter() {
    let cfg = config(json!({"end_date": "2026-11-01T00:00:00Z", "workspace_id": "77"}));
    let slices = plan(
        "calls",
        &cfg,
        Some(at(2026, 10, 20, 0)),
        &Parents::default(),
    );
    let first = &slices[0].request;
    assert_eq!(first.path, "/v2/calls");
    assert_eq!(
        first.query,
        [
            ("fromDateTime".into(), "2026-10-18T00:00:00Z".into()),
            ("toDateTime".into(), "2026-10-25T00:00:00Z".into()),
            ("workspaceId".into(), "77".into()),
        ]
    );
    let checkpoints: Vec<_> = slices
        .iter()
        .map(|s| s.checkpoint.unwrap().cursor)
        .collect();
    assert_eq!(checkpoints, [at(2026, 10, 25, 0), at(2026, 11, 1, 0)]);

    // Without a state the history is read newest first (`plan/order.rs`).
    let extensive = plan("calls_extensive", &cfg, None, &Parents::default());
    let body = extensive[0].request.body.as_ref().unwrap();
    assert_eq!(body["filter"]["workspaceId"], "77");
    assert_eq!(body["filter"]["fromDateTime"], "2026-10-29T00:00:00Z");
    let oldest = extensive.last().unwrap().request.body.as_ref().unwrap();
    assert_eq!(oldest["filter"]["fromDateTime"], "2026-10-01T00:00:00Z");
    assert!(body["contentSelector"].is_object());
    let media = plan("call_media", &cfg, None, &Parents::default());
    assert_eq!(
        media[0].request.body.as_ref().unwrap()["contentSelector"],
        json!({"exposedFields": {"media": true}})
    );
}

#[test]
fn a_state_with_history_left_reads_what_is_new_then_goes_on_down() {
    // 2026-10-15 .. 2026-11-20 read; now 2026-11-30 12:00, lookback 2 days.
    let cfg = config(json!({}));
    let saved = Checkpoint {
        cursor: at(2026, 11, 20, 0),
        backfill: Some(at(2026, 10, 15, 0)),
    };
    let def = find("calls").unwrap();
    let slices = slices(
        def,
        &cfg,
        at(2026, 11, 30, 12),
        Some(&saved),
        &Parents::default(),
    );
    let from = |s: &Slice| s.request.query[0].1.clone();
    let froms: Vec<String> = slices.iter().map(from).collect();
    assert_eq!(
        froms,
        [
            "2026-11-18T00:00:00Z",
            "2026-11-25T00:00:00Z",
            "2026-10-08T00:00:00Z",
            "2026-10-01T00:00:00Z"
        ]
    );
    let cps: Vec<Checkpoint> = slices.iter().map(|s| s.checkpoint.unwrap()).collect();
    let edge = Some(at(2026, 10, 15, 0));
    let top = at(2026, 11, 30, 12);
    assert_eq!(
        cps[0],
        Checkpoint {
            cursor: at(2026, 11, 25, 0),
            backfill: edge
        }
    );
    assert_eq!(
        cps[1],
        Checkpoint {
            cursor: top,
            backfill: edge
        }
    );
    assert_eq!(
        cps[2],
        Checkpoint {
            cursor: top,
            backfill: Some(at(2026, 10, 8, 0))
        }
    );
    assert_eq!(cps[3], Checkpoint::at(top));
    // The new week spends the reserve; history older than a week leaves it.
    let history: Vec<bool> = slices.iter().map(|s| s.history).collect();
    assert_eq!(history, [false, false, true, true]);
}

#[test]
fn the_days_first_sync_re_reads_the_lookback_and_its_later_syncs_hours() {
    let cfg = config(json!({}));
    let def = find("calls").unwrap();
    let first_from = |cursor, now| {
        let saved = Checkpoint::at(cursor);
        let slices = slices(def, &cfg, now, Some(&saved), &Parents::default());
        slices[0].request.query[0].1.clone()
    };
    // Cursor yesterday: lookback_days (2).
    assert_eq!(
        first_from(at(2026, 11, 29, 23), at(2026, 11, 30, 0)),
        "2026-11-27T23:00:00Z"
    );
    // Cursor today: six hours.
    assert_eq!(
        first_from(at(2026, 11, 30, 11), at(2026, 11, 30, 12)),
        "2026-11-30T05:00:00Z"
    );
}

#[test]
fn id_batched_streams_plan_windows_of_their_listing() {
    let cfg = config(json!({"end_date": "2026-10-10T00:00:00Z"}));
    let slices = plan("call_transcripts", &cfg, None, &Parents::default());
    assert_eq!(slices.len(), 2);
    assert_eq!(slices[0].request.path, "/v2/calls");
    assert!(slices[0].request.body.is_none());
}

#[test]
fn days_stop_at_closed_days_and_include_a_partial_end_day() {
    // end_date at 15:30 on Nov 2: Nov 2 is read whole.
    let cfg =
        config(json!({"end_date": "2026-11-02T15:30:00Z", "stats_interaction_period": "day"}));
    let slices = plan(
        "stats_interaction",
        &cfg,
        Some(at(2026, 11, 1, 0)),
        &Parents::default(),
    );
    let days: Vec<_> = slices
        .iter()
        .map(|s| s.request.body.as_ref().unwrap()["filter"].clone())
        .collect();
    assert_eq!(
        days,
        [
            json!({"fromDate": "2026-10-30", "toDate": "2026-10-31"}),
            json!({"fromDate": "2026-10-31", "toDate": "2026-11-01"}),
            json!({"fromDate": "2026-11-01", "toDate": "2026-11-02"}),
            json!({"fromDate": "2026-11-02", "toDate": "2026-11-03"}),
        ]
    );
    assert_eq!(
        slices[0].added,
        r#""fromDate":"2026-10-30","toDate":"2026-10-31""#
    );
    // Without an end, the last day read is the day before yesterday.
    let open = plan(
        "stats_interaction",
        &config(json!({"stats_interaction_period": "day"})),
        None,
        &Parents::default(),
    );
    assert_eq!(
        open.last().unwrap().checkpoint.map(|c| c.cursor),
        Some(at(2026, 11, 29, 0))
    );
    assert_eq!(
        closed_days_end(at(2026, 11, 30, 12), at(2026, 11, 2, 15)),
        at(2026, 11, 3, 0)
    );
}

#[test]
fn coaching_is_workspaces_by_managers_by_month_and_checkpoints_closed_months() {
    let cfg = config(json!({}));
    let parents = Parents {
        workspaces: vec!["w1".into(), "w2".into()],
        managers: vec!["m1".into(), "m2".into(), "m3".into()],
        folders: Vec::new(),
        users: Vec::new(),

        items: Vec::new(),
    };
    let slices = plan("coaching", &cfg, None, &parents);
    assert_eq!(slices.len(), 2 * 3 * 2, "October and November so far");
    let names: Vec<&str> = slices[0]
        .request
        .query
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(names, ["workspace-id", "manager-id", "from", "to"]);
    let checkpoints: Vec<_> = slices
        .iter()
        .filter_map(|s| s.checkpoint.map(|c| c.cursor))
        .collect();
    // Newest first: November (still open, so the cursor stays at its start), then October.
    assert_eq!(checkpoints, [at(2026, 11, 1, 0), at(2026, 11, 1, 0)]);
    assert_eq!(slices[5].request.query[3].1, "2026-11-30T00:00:00Z");
    assert_eq!(slices[11].request.query[2].1, "2026-10-01T00:00:00Z");
    let edges: Vec<_> = slices
        .iter()
        .filter_map(|s| s.checkpoint)
        .map(|c| c.backfill)
        .collect();
    assert_eq!(edges, [Some(at(2026, 11, 1, 0)), None]);
    assert!(reads_parents(
        find("coaching").unwrap(),
        &cfg,
        at(2026, 11, 30, 12),
        None
    ));
}

#[test]
fn partitions_come_from_the_parent_lists() {
    let cfg = config(json!({}));
    let parents = Parents {
        workspaces: vec!["w1".into(), "w2".into()],
        managers: Vec::new(),
        folders: vec![
            ("f1".into(), json!("Best calls")),
            ("f2".into(), Value::Null),
        ],
        users: vec!["u1".into(), "u2".into()],

        items: Vec::new(),
    };
    let folders = plan("library_folders", &cfg, None, &parents);
    assert_eq!(folders.len(), 2);
    assert_eq!(
        folders[1].request.query,
        [("workspaceId".into(), "w2".into())]
    );
    assert_eq!(folders[1].added, r#""workspaceId":"w2""#);
    let content = plan("library_folder_content", &cfg, None, &parents);
    assert_eq!(content[0].request.query, [("folderId".into(), "f1".into())]);
    assert_eq!(
        content[0].added,
        r#""folderId":"f1","folderName":"Best calls""#
    );
    assert_eq!(content[1].added, r#""folderId":"f2","folderName":null"#);
    assert!(plan("library_folders", &cfg, None, &Parents::default()).is_empty());
    let history = plan("user_settings_history", &cfg, None, &parents);
    assert_eq!(history.len(), 2, "one request per user");
    assert_eq!(history[1].request.path, "/v2/users/u2/settings-history");
    assert_eq!(history[1].added, r#""userId":"u2""#);
    assert!(history.iter().all(|s| s.checkpoint.is_none()));
}

#[test]
fn logs_read_every_type_per_window_and_checkpoint_after_the_last() {
    let cfg = config(json!({"end_date": "2026-10-15T00:00:00Z"}));
    let slices = plan("logs", &cfg, None, &Parents::default());
    let types = crate::streams::LOG_TYPES;
    assert_eq!(slices.len(), 2 * types.len(), "two 7-day windows");
    assert_eq!(slices[0].added, r#""logType":"AccessLog""#);
    assert_eq!(
        slices[0].request.query,
        [
            ("logType".into(), "AccessLog".into()),
            ("fromDateTime".into(), "2026-10-08T00:00:00Z".into()),
            ("toDateTime".into(), "2026-10-15T00:00:00Z".into())
        ]
    );
    // Newest first: both windows claim the read's top, the history's edge moving down to the start.
    let checkpoints: Vec<_> = slices.iter().filter_map(|s| s.checkpoint).collect();
    let edges: Vec<_> = checkpoints.iter().map(|c| c.backfill).collect();
    assert!(checkpoints.iter().all(|c| c.cursor == at(2026, 10, 15, 0)));
    assert_eq!(edges, [Some(at(2026, 10, 8, 0)), None]);
    assert!(slices[types.len() - 1].checkpoint.is_some());
}

#[test]
fn since_streams_read_from_the_cursor_less_the_lookback_to_now() {
    let cfg = config(json!({}));
    let saved = Some(at(2026, 11, 20, 0));
    let slices = plan(
        "calls_manual_crm_associations",
        &cfg,
        saved,
        &Parents::default(),
    );
    assert_eq!(slices.len(), 1);
    assert_eq!(
        slices[0].request.query,
        [("fromDateTime".into(), "2026-11-18T00:00:00Z".into())]
    );
    assert_eq!(
        slices[0].checkpoint.map(|c| c.cursor),
        Some(at(2026, 11, 30, 12))
    );
}

#[test]
fn every_stream_plans_requests_to_its_own_endpoints() {
    let cfg = config(json!({"workspace_id": "77"}));
    let parents = Parents {
        workspaces: vec!["77".into()],
        managers: vec!["m".into()],
        folders: vec![("f".into(), json!("F"))],
        users: vec!["u".into()],

        items: vec![json!("i")],
    };
    for def in STREAMS {
        let slices = plan(def.name, &cfg, None, &parents);
        assert!(!slices.is_empty(), "{}", def.name);
        for slice in &slices {
            assert_eq!(
                slice.request.path,
                def.window_endpoint().path.replace("{id}", "u"),
                "{}",
                def.name
            );
            assert_eq!(
                slice.checkpoint.is_some(),
                def.incremental() && slice.checkpoint.is_some()
            );
        }
        // A snapshot's checkpoint is the read's instant, set by the engine (`quota::stamp`).
        let snapshot = matches!(def.cadence, crate::streams::Cadence::Snapshot(_));
        if def.incremental() && !snapshot {
            assert!(
                slices.iter().any(|s| s.checkpoint.is_some()),
                "{}",
                def.name
            );
        }
    }
}

#[test]
fn months_roll_over_the_year() {
    let t = at(2024, 12, 15, 3);
    assert_eq!(fmt_dt(month_start(t)), "2024-12-01T00:00:00Z");
    assert_eq!(fmt_dt(next_month(t)), "2025-01-01T00:00:00Z");
}

/// (filter.fromDate, filter.toDate) of each slice.
fn ranges(slices: &[Slice]) -> Vec<(String, String)> {
    slices
        .iter()
        .map(|s| {
            let f = &s.request.body.as_ref().unwrap()["filter"];
            (
                f["fromDate"].as_str().unwrap().into(),
                f["toDate"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn activity_streams_ask_ranges_of_stats_window_days_up_to_closed_days() {
    // start 2026-10-01, now 2026-11-30 12:00: closed days end on 2026-11-29.
    let cfg = config(json!({"stats_window_days": 31}));
    for stream in ["stats_activity_aggregate", "stats_activity_day_by_day"] {
        let slices = plan(stream, &cfg, None, &Parents::default());
        // Newest first, each range claiming the read's top and moving the history's edge down.
        assert_eq!(
            ranges(&slices),
            pairs(&[("2026-11-01", "2026-11-29"), ("2026-10-01", "2026-11-01")]),
            "{stream}"
        );
        let checkpoints: Vec<_> = slices.iter().map(|s| s.checkpoint.unwrap()).collect();
        let top = at(2026, 11, 29, 0);
        let edge = Some(at(2026, 11, 1, 0));
        assert_eq!(
            checkpoints,
            [
                Checkpoint {
                    cursor: top,
                    backfill: edge
                },
                Checkpoint::at(top)
            ]
        );
        assert!(
            slices.iter().all(|s| s.added.is_empty()),
            "days come from the answer"
        );
    }
    let agg = plan("stats_activity_aggregate", &cfg, None, &Parents::default());
    assert_eq!(
        agg[0].request.path,
        "/v2/stats/activity/aggregate-by-period"
    );
    assert_eq!(
        agg[0].request.body.as_ref().unwrap()["aggregationPeriod"],
        "DAY"
    );
    let dbd = plan("stats_activity_day_by_day", &cfg, None, &Parents::default());
    assert_eq!(dbd[0].request.path, "/v2/stats/activity/day-by-day");
    assert!(dbd[0]
        .request
        .body
        .as_ref()
        .unwrap()
        .get("aggregationPeriod")
        .is_none());
    // The default window is 366 days: the whole range in one request chain.
    let one = plan(
        "stats_activity_day_by_day",
        &config(json!({})),
        None,
        &Parents::default(),
    );
    assert_eq!(ranges(&one), pairs(&[("2026-10-01", "2026-11-29")]));
}

#[test]
fn activity_ranges_resume_at_the_cursor_minus_lookback_and_the_next_day_is_one_request() {
    let cfg = config(json!({}));
    // The first sync read up to 2026-11-28; the next day reads the lookback's 2 days and the new one.
    let next = plan(
        "stats_activity_aggregate",
        &cfg,
        Some(at(2026, 11, 28, 0)),
        &Parents::default(),
    );
    assert_eq!(ranges(&next), pairs(&[("2026-11-26", "2026-11-29")]));
    assert_eq!(
        next[0].checkpoint.map(|c| c.cursor),
        Some(at(2026, 11, 29, 0))
    );
    // A cursor at the last closed day: only the lookback is read again.
    let same = plan(
        "stats_activity_aggregate",
        &cfg,
        Some(at(2026, 11, 29, 0)),
        &Parents::default(),
    );
    assert_eq!(ranges(&same), pairs(&[("2026-11-27", "2026-11-29")]));
    let none = plan(
        "stats_activity_aggregate",
        &config(json!({"lookback_days": 0})),
        Some(at(2026, 11, 29, 0)),
        &Parents::default(),
    );
    assert!(none.is_empty());
}

#[test]
fn interaction_periods_are_closed_calendar_days_weeks_or_months() {
    // start Thursday 2026-10-01; closed days end on 2026-11-29 (a Sunday's end is Monday 11-30).
    // Without a state the periods come newest first: reversed here, to read them in calendar order.
    let oldest_first = |slices: Vec<Slice>| slices.into_iter().rev().collect::<Vec<_>>();
    let week = oldest_first(plan(
        "stats_interaction",
        &config(json!({})),
        None,
        &Parents::default(),
    ));
    let w = ranges(&week);
    assert_eq!(
        w[0],
        ("2026-10-01".into(), "2026-10-05".into()),
        "first week from the start"
    );
    assert_eq!(w[1], ("2026-10-05".into(), "2026-10-12".into()));
    // The week of Nov 23 ends on Nov 30, after the last closed day: not read yet.
    assert_eq!(
        w.last().unwrap(),
        &("2026-11-16".into(), "2026-11-23".into())
    );
    assert_eq!(w.len(), 8);
    assert_eq!(
        week[1].added,
        r#""fromDate":"2026-10-05","toDate":"2026-10-12""#
    );
    assert_eq!(
        week.last().unwrap().checkpoint.map(|c| c.cursor),
        Some(at(2026, 11, 23, 0))
    );
    for (from, to) in &w[1..] {
        let (f, t): (NaiveDate, NaiveDate) = (from.parse().unwrap(), to.parse().unwrap());
        assert_eq!(f.weekday(), chrono::Weekday::Mon);
        assert_eq!((t - f).num_days(), 7);
    }
    let month = plan(
        "stats_interaction",
        &config(json!({"stats_interaction_period": "month"})),
        None,
        &Parents::default(),
    );
    assert_eq!(ranges(&month), pairs(&[("2026-10-01", "2026-11-01")]));
    let day = plan(
        "stats_interaction",
        &config(json!({"stats_interaction_period": "day"})),
        None,
        &Parents::default(),
    );
    assert_eq!(day.len(), 59);
    assert_eq!(ranges(&day)[58], ("2026-10-01".into(), "2026-10-02".into()));
    // Resuming mid-week with lookback re-reads the whole week the lookback falls in, same keys.
    let resumed = plan(
        "stats_interaction",
        &config(json!({})),
        Some(at(2026, 11, 16, 0)),
        &Parents::default(),
    );
    assert_eq!(
        ranges(&resumed),
        pairs(&[("2026-11-09", "2026-11-16"), ("2026-11-16", "2026-11-23")])
    );
    // A start date mid-period keeps its first, shorter period on resume.
    let early = plan(
        "stats_interaction",
        &config(json!({})),
        Some(at(2026, 10, 2, 0)),
        &Parents::default(),
    );
    assert_eq!(ranges(&early)[0], w[0]);
}

#[test]
fn a_bad_interaction_period_or_stats_window_is_a_config_error() {
    let base = json!({
        "credentials": {"auth_type": "access_key", "access_key": "k", "access_key_secret": "s"}
    });
    for (field, value) in [
        ("stats_interaction_period", json!("fortnight")),
        ("stats_interaction_period", json!("WEEK")),
        ("stats_interaction_period", json!(7)),
        ("stats_window_days", json!(0)),
        ("stats_window_days", json!(367)),
    ] {
        let mut v = base.clone();
        v[field] = value.clone();
        let e = Config::from_value(v, at(2026, 11, 30, 12)).unwrap_err();
        assert_eq!(
            e.failure_type(),
            crate::protocol::FailureType::ConfigError,
            "{field} {value}"
        );
        assert!(e.message.contains(field), "{field}: {e}");
    }
}

#[test]
fn per_parent_plans_cross_each_item_with_the_cross_filter() {
    let cfg = config(json!({}));
    let parents = Parents {
        items: vec![json!(123), json!(456)],
        ..Parents::default()
    };
    let slices = plan("crm_entity_schema", &cfg, None, &parents);
    assert_eq!(slices.len(), 2 * 4);
    assert_eq!(
        slices[1].request.query,
        [
            ("integrationId".to_string(), "123".to_string()),
            ("objectType".to_string(), "CONTACT".to_string())
        ]
    );
    assert_eq!(
        slices[1].added,
        r#""integrationId":"123","objectType":"CONTACT""#
    );
    let flows = plan(
        "flows",
        &cfg,
        None,
        &Parents {
            items: vec![json!("a@x.com")],
            ..Parents::default()
        },
    );
    assert_eq!(flows.len(), 1);
    assert!(flows[0].added.is_empty());
}
