//! Where a rotated OAuth config goes: the one rule for credentials that change, the same in every
//! command (`check`, `read`, `execute`, `mcp`; `spec` and `discover` send no request and never refresh).
//!
//! Gong's refresh tokens are single-use: the config holding the new one must not be lost. It goes
//! 1. in a CONTROL (CONNECTOR_CONFIG) message, when the command speaks the Airbyte protocol on stdout
//!    (the platform stores it), and
//! 2. back into the `--config` file, replaced atomically with its permissions kept ([`crate::atomic`]),
//!    so the next command run from the same file has it.
//!
//! A file that cannot be written is a WARN (a LOG message, or stderr for commands whose stdout is not
//! the Airbyte protocol), not a failure: the command goes on, and on the platform the CONTROL message
//! carries the token. Neither the warning nor anything else here prints a credential.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::ConfigSink;
use crate::protocol::{LogLevel, Message, Output};

/// Where rotated configs go: the protocol output (CONTROL) if any, and the config file if any.
pub fn config_sink(file: Option<&Path>, control: Option<Arc<Mutex<Output>>>) -> ConfigSink {
    let file: Option<PathBuf> = file.map(Path::to_path_buf);
    Arc::new(move |config: Value| {
        if let Some(out) = &control {
            let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
            let _ = o.emit(&Message::ConnectorConfig(config.clone()));
        }
        let warning = match &file {
            Some(path) => save(path, &config).err().map(|e| {
                let fallback = if control.is_some() {
                    "use the config of the CONTROL message above"
                } else {
                    "re-authenticate to get a new one"
                };
                format!(
                    "Could not write the rotated OAuth refresh token back to the config file {}: {e}. Gong's refresh tokens are single-use: the one in that file is spent; {fallback}.",
                    path.display()
                )
            }),
            None => Some(
                "The rotated OAuth refresh token could not be saved: the config was not read from a file. The refresh token given is now spent."
                    .to_string(),
            ),
        };
        if let Some(message) = warning {
            warn(control.as_ref(), message);
        }
    })
}

/// Writes `config` over the config file at `path`, atomically, keeping the file's permissions.
pub fn save(path: &Path, config: &Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(config).unwrap_or_default();
    crate::atomic::replace(path, text.as_bytes())
}

fn warn(control: Option<&Arc<Mutex<Output>>>, message: String) {
    match control {
        Some(out) => {
            let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
            let _ = o.emit(&Message::Log {
                level: LogLevel::Warn,
                message,
            });
        }
        None => eprintln!("source-gong: WARN {message}"),
    }
}
