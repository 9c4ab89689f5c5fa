//! The Airbyte commands. Each writes protocol messages through one [`Output`] and returns the process
//! exit code: 0 on success, 1 when anything failed (after an error TRACE that says what and why).

use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::client::{GongClient, Profile, Reply};
use crate::config::Config;
use crate::engine::{Engine, SharedOutput};
use crate::error::{Error, ErrorKind, Result};
use crate::gong::endpoints::WORKSPACES;
use crate::gong::values::id_string;
use crate::protocol::{ConnectionStatus, LogLevel, Message, Output};
use crate::readable::Readable;
use crate::state::{parse_catalog, parse_state, state_warnings};
use crate::streams::STREAMS;

fn read_file(what: &str, path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        Error::config(format!(
            "Could not read the {what} file {}: {e}",
            path.display()
        ))
    })
}

/// Reads and validates the config; each unknown field it holds is logged as a warning on `out`.
fn load_config(path: &Path, out: &mut Output) -> Result<Config> {
    let config = Config::parse(&read_file("config", path)?)?;
    crate::streams::check_cadence_names(&config)?;
    for warning in &config.warnings {
        let _ = out.emit(&Message::Log {
            level: LogLevel::Warn,
            message: warning.clone(),
        });
    }
    Ok(config)
}

fn emit_error(out: &mut Output, e: &Error) {
    let _ = out.emit(&Message::Error {
        message: e.message.clone(),
        internal_message: e.internal.clone(),
        failure_type: e.failure_type(),
        stream: None,
    });
}

pub fn spec() -> u8 {
    let mut out = Output::stdout();
    match out.emit(&Message::Spec(crate::config::spec())) {
        Ok(()) => 0,
        Err(_) => u8::from(!crate::protocol::stdout_closed()),
    }
}

pub fn discover(config: &Path) -> u8 {
    let mut out = Output::stdout();
    if let Err(e) = load_config(config, &mut out) {
        emit_error(&mut out, &e);
        return 1;
    }
    let streams = STREAMS.iter().map(|s| s.catalog_entry()).collect();
    match out.emit(&Message::Catalog(streams)) {
        Ok(()) => 0,
        Err(_) => u8::from(!crate::protocol::stdout_closed()),
    }
}

/// `check`: one real request. FAILED with an actionable message on any problem; the exit code is 0
/// whenever the status was reported, as the platform expects.
pub async fn check(config: &Path) -> u8 {
    let out: SharedOutput = Arc::new(Mutex::new(Output::stdout()));
    let loaded = load_config(config, &mut out.lock().unwrap_or_else(|p| p.into_inner()));
    let result = match loaded {
        Ok(cfg) => check_connection(&cfg, config, &out).await,
        Err(e) => Err(e),
    };
    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
    let message = match result {
        Ok(readable) => {
            let summary = readable.summary();
            let _ = out.emit(&Message::Log {
                level: LogLevel::Info,
                message: summary.clone(),
            });
            Message::ConnectionStatus {
                status: ConnectionStatus::Succeeded,
                message: Some(summary),
            }
        }
        Err(e) => Message::ConnectionStatus {
            status: ConnectionStatus::Failed,
            message: Some(e.message),
        },
    };
    match out.emit(&message) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// Lists workspaces: cheap, needs only read access, and proves host, credentials and the workspace filter.
/// Then probes which streams the credentials can read (`readable.rs`: one request per scope).
/// A rotated OAuth config goes to `out` (CONTROL) and back to `config_file`, like every command's.
pub async fn check_connection(
    cfg: &Config,
    config_file: &Path,
    out: &SharedOutput,
) -> Result<Readable> {
    let client = GongClient::with_profile(cfg, Profile::FailFast)?;
    client.set_output(out.clone(), Some(config_file));
    let result = match check_workspaces(cfg, &client).await {
        Ok(()) => Ok(crate::readable::probe(&client).await),
        Err(e) => Err(e),
    };
    if client.oauth_refreshes() > 0 {
        let _ = out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .emit(&Message::Log {
                level: LogLevel::Warn,
                message: spent_refresh_token_note(config_file),
            });
    }
    result
}

/// What a `check` that had to refresh the OAuth token tells the user.
fn spent_refresh_token_note(config_file: &Path) -> String {
    format!(
        "check refreshed the OAuth access token: the config has no access_token, or its token_expiry_date has passed. \
         Gong's refresh tokens are single-use: the new one is in the CONTROL message above and written back to {} (unless a warning above says otherwise). \
         When the Airbyte platform checks a source it is creating, it keeps the config as entered, whose refresh token is now spent: \
         enter the access token and its token_expiry_date together with the refresh token, or re-authenticate the source once it exists.",
        config_file.display()
    )
}

async fn check_workspaces(cfg: &Config, client: &GongClient) -> Result<()> {
    let reply = client.send(&WORKSPACES.request()).await?;
    let body = match reply {
        Reply::Ok(body) => body,
        Reply::NotFound(text) => {
            return Err(Error::config(format!(
                "{} answered 404 for {} ({text}); is base_url Gong's API host (e.g. https://api.gong.io or https://us-12345.api.gong.io)?",
                client.base_url(),
                WORKSPACES.path
            )))
        }
    };
    let value: Value = serde_json::from_slice(&body).map_err(|_| {
        Error::config(format!(
            "{} did not answer like Gong's API (the response is not JSON); check base_url.",
            client.base_url()
        ))
    })?;
    if let Some(ws) = &cfg.workspace_id {
        let known = value
            .get(WORKSPACES.record_key)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .any(|w| id_string(w.get("id")).as_deref() == Some(ws.as_str()))
            })
            .unwrap_or(false);
        if !known {
            return Err(Error::config(format!(
                "workspace_id {ws} is not one of this company's workspaces; copy an id from Gong or leave it empty."
            )));
        }
    }
    Ok(())
}

/// The deletion sweep before the read (`deletions/`), and the WARN for audit logs Gong has forgotten;
/// their LOG lines go out first. The sweep is held to the day's budget (the ledger) like the read, and
/// leaves the reserve for new calls alone: it runs only when the budget covers it beyond that reserve.
async fn sweep_deletions(
    engine: &Engine,
    selected: &[crate::state::Selected],
    states: &std::collections::HashMap<String, Value>,
    out: &SharedOutput,
) -> Option<Arc<crate::deletions::Pending>> {
    let order = crate::engine::listings::provider_first(selected);
    let mut logs: crate::deletions::Logs =
        crate::deletions::forgotten::warnings(selected, states, engine.now)
            .into_iter()
            .map(|w| (LogLevel::Warn, w))
            .collect();
    engine.limit_to_budget(states);
    let sweep = crate::deletions::prepare(
        &engine.client,
        &engine.config,
        &order,
        states,
        engine.now,
        engine.beyond_reserve(),
        &mut logs,
    );
    let pending = crate::client::SPEND
        .scope(crate::client::Spend::KeepReserve, sweep)
        .await;
    let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
    for (level, message) in logs {
        let _ = o.emit(&Message::Log { level, message });
    }
    pending.map(Arc::new)
}

pub async fn read(config: &Path, catalog: &Path, state: Option<&Path>) -> u8 {
    let out: SharedOutput = Arc::new(Mutex::new(Output::stdout()));
    let fail = |e: &Error| {
        let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
        emit_error(&mut o, e);
        1
    };
    let prepared = (|| -> Result<_> {
        let cfg = load_config(config, &mut out.lock().unwrap_or_else(|p| p.into_inner()))?;
        let selected = parse_catalog(&read_file("catalog", catalog)?)?;
        let states = match state {
            Some(path) => {
                let text = read_file("state", path)?;
                let states = parse_state(&text)?;
                let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
                for message in state_warnings(&text, &states, &selected) {
                    let _ = o.emit(&Message::Log {
                        level: LogLevel::Warn,
                        message,
                    });
                }
                states
            }
            None => Default::default(),
        };
        Ok((cfg, selected, states))
    })();
    let (cfg, selected, states) = match prepared {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let client = match GongClient::new(&cfg) {
        Ok(c) => Arc::new(c),
        Err(e) => return fail(&e),
    };
    client.set_output(out.clone(), Some(config));
    let mut engine = Engine::new(client.clone(), Arc::new(cfg), out.clone());
    engine.deletions = sweep_deletions(&engine, &selected, &states, &out).await;
    let engine = Arc::new(engine);
    let outcome = engine.read(&selected, &states).await;
    let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
    let _ = o.flush();
    if crate::protocol::stdout_closed() {
        return 0;
    }
    if outcome.failures.is_empty() {
        0
    } else {
        let kinds: Vec<ErrorKind> = outcome.failures.iter().map(|(_, e)| e.kind).collect();
        let names: Vec<&str> = outcome.failures.iter().map(|(n, _)| n.as_str()).collect();
        let kind = if kinds.contains(&ErrorKind::Config) {
            ErrorKind::Config
        } else if kinds.iter().all(|k| *k == ErrorKind::Transient) {
            ErrorKind::Transient
        } else {
            ErrorKind::System
        };
        emit_error(
            &mut o,
            &Error {
                kind,
                message: format!(
                    "{} of {} streams failed: {}. The other streams synced; see the errors above.",
                    names.len(),
                    selected.len(),
                    names.join(", ")
                ),
                internal: None,
                status: None,
                reason: Default::default(),
            },
        );
        1
    }
}
