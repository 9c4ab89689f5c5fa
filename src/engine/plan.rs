//! The planner: turns one stream, the config and the saved checkpoint into the ordered slices of this
//! sync (windows, days, months, one per workspace or folder…), each with the checkpoint it completes.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde_json::{json, Value};

use super::Engine;
use crate::client::ApiRequest;
use crate::error::Result;
use crate::gong::values::{fmt_date, fmt_dt, id_string, json_str};
use crate::state::Checkpoint;
use crate::streams::{Lift, Plan, StreamDef};

/// A part of a stream read as one request chain (or, for transcripts, one window's batches).
#[derive(Debug, Clone)]
pub struct Slice {
    pub request: ApiRequest,
    /// Pre-serialised `"key":value` pairs added to every record of the slice.
    pub added: String,
    /// Emit STATE with this cursor once the slice is written.
    pub checkpoint: Option<DateTime<Utc>>,
    /// Read through [`SharedLists`]: another selected stream needs the same list as its parent.
    pub shared: bool,
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    midnight(NaiveDate::from_ymd_opt(t.year(), t.month(), 1).unwrap_or(t.date_naive()))
}

fn next_month(t: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    midnight(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(t.date_naive()))
}

impl Engine {
    /// Workspace ids: the configured one, or all of the company's.
    pub(super) async fn workspace_ids(&self) -> Result<Vec<String>> {
        if let Some(id) = &self.config.workspace_id {
            return Ok(vec![id.clone()]);
        }
        let values = self
            .shared
            .values(
                &self.client,
                &ApiRequest::get("/v2/workspaces"),
                "workspaces",
                &[],
            )
            .await?;
        Ok(values
            .iter()
            .filter_map(|w| id_string(w.get("id")))
            .collect())
    }

    pub(super) async fn users(&self) -> Result<Vec<Value>> {
        self.shared
            .values(&self.client, &ApiRequest::get("/v2/users"), "users", &[])
            .await
    }

    /// The ordered slices of a stream for this sync.
    pub async fn plan(
        &self,
        def: &'static StreamDef,
        saved: Option<&Checkpoint>,
    ) -> Result<Vec<Slice>> {
        let cfg = &self.config;
        let end = cfg.end_or(self.now);
        let from_saved = |lookback: Duration| match saved {
            Some(cp) => (cp.cursor - lookback).max(cfg.start),
            None => cfg.start,
        };
        let mut slices = Vec::new();
        let base = || {
            if def.post {
                ApiRequest::post(def.path, json!({}))
            } else {
                ApiRequest::get(def.path)
            }
        };
        match def.plan {
            Plan::Single => {
                let mut req = base();
                if def.name == "settings_trackers" {
                    if let Some(ws) = &cfg.workspace_id {
                        req = req.query("workspaceId", ws.clone());
                    }
                }
                slices.push(Slice {
                    request: req,
                    added: String::new(),
                    checkpoint: None,
                    shared: false,
                });
            }
            Plan::PerWorkspace => {
                for ws in self.workspace_ids().await? {
                    slices.push(Slice {
                        request: base().query("workspaceId", ws.clone()),
                        added: format!("\"workspaceId\":{}", json_str(&ws)),
                        checkpoint: None,
                        shared: false,
                    });
                }
            }
            Plan::PerFolder => {
                for ws in self.workspace_ids().await? {
                    let folders = self
                        .shared
                        .values(
                            &self.client,
                            &folders_request(&ws),
                            "folders",
                            &["No folders found"],
                        )
                        .await?;
                    for folder in folders {
                        let Some(id) = id_string(folder.get("id")) else {
                            continue;
                        };
                        let name = folder.get("name").cloned().unwrap_or(Value::Null);
                        slices.push(Slice {
                            request: base().query("folderId", id.clone()),
                            added: format!(
                                "\"folderId\":{},\"folderName\":{}",
                                json_str(&id),
                                name
                            ),
                            checkpoint: None,
                            shared: false,
                        });
                    }
                }
            }
            Plan::CallWindows | Plan::CallIdBatches => {
                let mut t = from_saved(cfg.lookback);
                while t < end {
                    let w_end = (t + cfg.window).min(end);
                    let request = if def.post && def.plan == Plan::CallWindows {
                        let mut filter =
                            json!({"fromDateTime": fmt_dt(t), "toDateTime": fmt_dt(w_end)});
                        if let Some(ws) = &cfg.workspace_id {
                            filter["workspaceId"] = json!(ws);
                        }
                        let mut body = json!({ "filter": filter });
                        if def.name == "calls_extensive" {
                            body["contentSelector"] = cfg.extensive.content_selector();
                        } else if def.lift == Lift::CallMedia {
                            body["contentSelector"] = crate::media::content_selector();
                        }
                        ApiRequest::post(def.path, body)
                    } else {
                        // calls, and the call listing of id-batched streams.
                        let mut req = ApiRequest::get("/v2/calls")
                            .query("fromDateTime", fmt_dt(t))
                            .query("toDateTime", fmt_dt(w_end));
                        if let Some(ws) = &cfg.workspace_id {
                            req = req.query("workspaceId", ws.clone());
                        }
                        req
                    };
                    slices.push(Slice {
                        request,
                        added: String::new(),
                        checkpoint: Some(w_end),
                        shared: false,
                    });
                    t = w_end;
                }
            }
            Plan::Days => {
                // Stats take dates in the company's time zone and refuse a toDate after its today; the
                // day before today in UTC is closed in every time zone.
                let last_to = midnight(self.now.date_naive()) - Duration::days(1);
                let last_to = last_to.min(
                    midnight(end.date_naive())
                        + if end.time() > NaiveTime::MIN {
                            Duration::days(1)
                        } else {
                            Duration::zero()
                        },
                );
                let mut day = midnight(from_saved(cfg.lookback).date_naive());
                while day + Duration::days(1) <= last_to {
                    let next = day + Duration::days(1);
                    slices.push(Slice {
                        request: ApiRequest::post(
                            def.path,
                            json!({"filter": {"fromDate": fmt_date(day), "toDate": fmt_date(next)}}),
                        ),
                        added: format!("\"fromDate\":\"{}\",\"toDate\":\"{}\"", fmt_date(day), fmt_date(next)),
                        checkpoint: Some(next),
                        shared: false,
                    });
                    day = next;
                }
            }
            Plan::ReviewWindows => {
                let today = midnight(self.now.date_naive());
                let end_day = midnight(end.date_naive()) + Duration::days(1);
                let mut day = midnight(from_saved(cfg.lookback).date_naive());
                let step = Duration::days(cfg.window.num_days().max(1));
                while day < end_day {
                    let next = (day + step).min(end_day);
                    slices.push(Slice {
                        request: ApiRequest::post(
                            def.path,
                            json!({"filter": {"reviewFromDate": fmt_date(day), "reviewToDate": fmt_date(next)}}),
                        ),
                        added: String::new(),
                        // Today is not over: the next sync reads it again.
                        checkpoint: Some(next.min(today).max(day)),
                        shared: false,
                    });
                    day = next;
                }
            }
            Plan::CoachingMonths => {
                let today = midnight(self.now.date_naive());
                let stop = today.min(end);
                // Months are re-read whole: the current month stays open until it ends.
                let mut month =
                    month_start(saved.map(|c| c.cursor.max(cfg.start)).unwrap_or(cfg.start));
                let workspaces = if month < stop {
                    self.workspace_ids().await?
                } else {
                    Vec::new()
                };
                let managers = if month < stop {
                    self.manager_ids().await?
                } else {
                    Vec::new()
                };
                while month < stop {
                    let to = next_month(month).min(stop);
                    let closed = to == next_month(month);
                    let pairs: Vec<(&String, &String)> = workspaces
                        .iter()
                        .flat_map(|w| managers.iter().map(move |m| (w, m)))
                        .collect();
                    let count = pairs.len();
                    for (i, (ws, manager)) in pairs.into_iter().enumerate() {
                        let last = i + 1 == count;
                        slices.push(Slice {
                            request: ApiRequest::get(def.path)
                                .query("workspace-id", ws.clone())
                                .query("manager-id", manager.clone())
                                .query("from", fmt_dt(month))
                                .query("to", fmt_dt(to)),
                            added: format!(
                                "\"workspaceId\":{},\"managerId\":{},\"from\":\"{}\",\"to\":\"{}\"",
                                json_str(ws),
                                json_str(manager),
                                fmt_dt(month),
                                fmt_dt(to)
                            ),
                            checkpoint: last.then_some(if closed { to } else { month }),
                            shared: false,
                        });
                    }
                    month = next_month(month);
                }
            }
        }
        let needs = self.needs.get().copied().unwrap_or_default();
        let shared = match def.name {
            "users" => needs.users,
            "workspaces" => needs.workspaces,
            "library_folders" => needs.folders,
            _ => false,
        };
        for slice in &mut slices {
            slice.shared = shared;
        }
        Ok(slices)
    }

    /// Users who manage someone: the coaching endpoint's managers.
    pub(super) async fn manager_ids(&self) -> Result<Vec<String>> {
        let users = self.users().await?;
        let mut ids: Vec<String> = users
            .iter()
            .filter_map(|u| id_string(u.get("managerId")))
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }
}

/// A workspace's library folders: a stream, and the parent of `library_folder_content`.
fn folders_request(workspace: &str) -> ApiRequest {
    ApiRequest::get("/v2/library/folders").query("workspaceId", workspace.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn months() {
        let t = Utc.with_ymd_and_hms(2024, 12, 15, 3, 0, 0).unwrap();
        assert_eq!(fmt_dt(month_start(t)), "2024-12-01T00:00:00Z");
        assert_eq!(fmt_dt(next_month(t)), "2025-01-01T00:00:00Z");
    }
}
