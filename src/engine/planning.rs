//! The read's first phase: every selected stream planned at once, the windows the streams share decided,
//! and what the read will cost logged, all before the first record is written.
//!
//! Planning runs each stream's `Engine::plan` (`plan.rs`) with the stream's request tally, so what a
//! parent list or an adaptive window's first page costs counts against the stream that asked first
//! (`costs.rs`). A stream taking its windows from another selected stream is planned after it
//! (`listings.rs`, `windows.rs`), and the provider's requests of the windows a rider takes ask for the
//! rider's field too (`riders.rs`). Invariant: the cost LOG is complete before the read starts a slice,
//! so it states what the sync will spend, not what it spent so far.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::{costs, listings, plan, quota, riders, Engine, Run, Slice};
use crate::error::{Error, Result};
use crate::state::{checkpoint_for, Selected};

/// A run's planned slices or why it could not be planned; `None` once the read has taken the plan to
/// start its slices.
pub(super) type Planned = Option<Result<Vec<Slice>>>;

impl Engine {
    /// Plans every selected stream, decides which windows they fetch for each other, and logs what the
    /// read plans to spend; returns the plans and the cost rows the end's LOG line reads.
    pub(super) async fn prepare(
        self: &Arc<Self>,
        runs: &mut [Run<'_>],
        states: &HashMap<String, Value>,
    ) -> (Vec<Planned>, costs::Costs) {
        let mut plans = self.plan_all(runs, states).await;
        self.skip_written(runs, &mut plans, states);
        share(runs, &mut plans);
        self.probes.clear();
        let costs = self.log_plan(runs, &plans);
        self.hold_due(runs, &plans);
        (plans, costs)
    }

    /// Plans every selected stream at once (plans that need a parent list fetch it concurrently), each
    /// with its stream's request tally, and waits for all: the cost of the sync is known before it
    /// starts. Streams taking ids from another selected stream's listing are planned once the others are.
    async fn plan_all(
        self: &Arc<Self>,
        runs: &mut [Run<'_>],
        states: &HashMap<String, Value>,
    ) -> Vec<Planned> {
        // A stream taking its windows from another selected stream is planned after it: its windows'
        // first pages are then the provider's (`windows.rs`), which pays for them.
        let order: Vec<&Selected> = runs.iter().map(|r| r.sel).collect();
        let follows: Vec<bool> = (0..runs.len())
            .map(|i| listings::provider_of(&order, i).is_some())
            .collect();
        let mut plans: Vec<Planned> = runs.iter().map(|_| None).collect();
        for phase in [false, true] {
            let mut handles = Vec::new();
            for (i, run) in runs.iter_mut().enumerate() {
                if follows[i] != phase {
                    continue;
                }
                let def = run.sel.def;
                let saved = if run.incremental {
                    checkpoint_for(def.name, states.get(def.name))
                } else {
                    Ok(None)
                };
                if let Ok(saved) = &saved {
                    run.last_checkpoint = *saved;
                    run.saved = *saved;
                }
                // Not due by its cadence: nothing to read, its state is kept (`quota.rs`).
                if let (quota::Due::Until { .. }, Ok(_)) = (run.due, &saved) {
                    plans[i] = Some(Ok(Vec::new()));
                    continue;
                }
                let engine = self.clone();
                let task = async move {
                    let saved = saved?;
                    engine.plan(def, saved.as_ref()).await
                };
                let task = crate::client::TALLY.scope(run.tally.clone(), task);
                let task = crate::client::SPEND.scope(quota::planning_spend(def), task);
                handles.push((i, def.name, tokio::spawn(task)));
            }
            for (i, name, handle) in handles {
                plans[i] = Some(handle.await.unwrap_or_else(|join| {
                    Err(Error::system(format!(
                        "Planning stream `{name}` crashed: {join}"
                    )))
                }));
            }
        }
        plans
    }

    /// Logs the planned requests (see `costs.rs`) and returns the rows the end's line reads.
    fn log_plan(&self, runs: &[Run<'_>], plans: &[Planned]) -> costs::Costs {
        let estimates: Vec<Option<plan::cost::Estimate>> = runs
            .iter()
            .zip(plans)
            .map(|(run, plan)| match plan {
                // A rider's windows taken from its provider cost it nothing, probed or not.
                Some(Ok(slices)) if run.sel.def.rides.is_some() => {
                    let own: Vec<Slice> = slices
                        .iter()
                        .filter(|s| !run.sharing.takes.contains(&listings::key(&s.request)))
                        .cloned()
                        .collect();
                    let known = self.known(&own, &listings::Sharing::default());
                    Some(run.sel.def.plan.estimate(&own, known))
                }
                Some(Ok(slices)) => {
                    let known = self.known(slices, &run.sharing);
                    Some(run.sel.def.plan.estimate(slices, known))
                }
                _ => None,
            })
            .collect();
        let rows = cost_rows(runs, &estimates);
        for (level, line) in
            costs::plan_lines(&rows, self.config.requests_per_day, self.quota.remaining())
        {
            self.log(level, line);
        }
        costs::Costs {
            planned: costs::planned_total(&rows),
            rows,
        }
    }

    /// Holds, for each due period or snapshot stream, what its slices newer than history will cost:
    /// history, of every stream and read earlier, leaves that much to them (`client::Spend`), so the
    /// budget goes to new calls, then due periods and snapshots, then history.
    fn hold_due(&self, runs: &mut [Run<'_>], plans: &[Planned]) {
        self.client
            .cap_holds(self.beyond_reserve() * quota::HOLD_PERCENT / 100);
        for (run, plan) in runs.iter_mut().zip(plans) {
            let Some(Ok(slices)) = plan else { continue };
            if !quota::keeps_reserve(run.sel.def) {
                continue;
            }
            let due: Vec<Slice> = slices.iter().filter(|s| !s.history).cloned().collect();
            if due.is_empty() {
                continue;
            }
            let estimate = (run.sel.def.plan)
                .estimate(&due, self.known(&due, &run.sharing))
                .requests;
            let need = (self.quota.costs).need(run.sel.def.name, due.len(), estimate);
            run.hold = Some(super::Hold {
                left: self.client.hold_requests(need),
                need,
                due_slices: due.len(),
                all_slices: due.len() + run.resume.skipped(),
            });
        }
    }

    /// What the estimate of a stream's slices needs to know beyond them.
    fn known(&self, slices: &[Slice], sharing: &listings::Sharing) -> plan::cost::Known {
        plan::cost::Known {
            list_fetched: slices
                .iter()
                .any(|s| s.shared && self.shared.fetched(&s.request)),
            taken: slices
                .iter()
                .filter(|s| s.first.is_none() && sharing.takes.contains(&listings::key(&s.request)))
                .count(),
            users: self
                .shared
                .records(&crate::gong::endpoints::USERS.request()),
        }
    }
}

/// Plans which windows the runs fetch for each other (`listings.rs`), and makes the requests of windows
/// a rider takes ask for its field too (`riders.rs`).
fn share(runs: &mut [Run<'_>], plans: &mut [Planned]) {
    let order: Vec<&Selected> = runs.iter().map(|r| r.sel).collect();
    let views: Vec<Option<&[Slice]>> = plans
        .iter()
        .map(|p| p.as_ref()?.as_ref().ok().map(Vec::as_slice))
        .collect();
    let sharing = listings::plan(&order, &views);
    for ((run, sharing), plan) in runs.iter_mut().zip(sharing).zip(plans.iter_mut()) {
        run.sharing = sharing;
        let (Some(ride), Some(Ok(slices))) = (run.sharing.ride, plan.as_mut()) else {
            continue;
        };
        for slice in slices {
            let key = listings::key(&slice.request);
            if run.sharing.pages.contains_key(&key)
                && riders::ask_for(&mut slice.request, ride.exposed)
            {
                slice.extra = Some(ride.exposed);
            }
        }
    }
}

/// The cost rows of the runs: their tallies and, when given, their estimates.
fn cost_rows(
    runs: &[Run<'_>],
    estimates: &[Option<plan::cost::Estimate>],
) -> Vec<costs::StreamCost> {
    runs.iter()
        .enumerate()
        .map(|(i, run)| costs::StreamCost {
            name: run.sel.def.name,
            estimate: estimates.get(i).copied().flatten(),
            tally: run.tally.clone(),
        })
        .collect()
}
