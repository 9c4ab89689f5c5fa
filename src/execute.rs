//! `source-gong execute`: the seed's entity/action interface on the command line.
//!
//! ```text
//! source-gong execute --config config.json --request request.json      # {"entity", "action", "params"}
//! source-gong execute --config config.json users get '{"id": "123"}'   # short form
//! source-gong execute --config config.json call_audio download '{"filter": {"callIds": ["123"]}}' --output call.mp3
//! ```
//!
//! stdout gets exactly one JSON object: `{"data": [...], "meta": {"pagination": {...}}}` for list,
//! `{"data": {...}}` for get, a download summary for a download to a file (a download to `-` writes only
//! the bytes), or `{"error": {"kind", "message"}}` with exit code 2 (bad request or config) or 1 (anything
//! else). Kinds: `config_error`, `not_found`, `transient_error`, `system_error`. No secret is ever printed:
//! messages name requests by method and path, and media URLs without their signed query.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use serde_json::{json, Value};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::api::{catalog, entities, error_answer, Action, DownloadOptions, Entity, Gong};
use crate::config::Config;
use crate::error::{Error, Result};

/// The `execute` command's arguments (see `main.rs`).
#[derive(Debug, Clone, Default)]
pub struct ExecuteArgs {
    pub config: PathBuf,
    /// `{"entity", "action", "params"}` file, `-` for stdin.
    pub request: Option<PathBuf>,
    /// Short form: entity, action and optional params JSON.
    pub entity: Option<String>,
    pub action: Option<String>,
    pub params: Option<String>,
    /// Where a download goes, `-` for stdout.
    pub output: Option<PathBuf>,
    /// Resume a partial download: fetch from the output file's length and append.
    pub resume: bool,
    /// A media URL obtained earlier, tried before asking Gong for a fresh one.
    pub media_url: Option<String>,
}

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub entity: Entity,
    pub action: Action,
    pub params: Value,
}

fn entity_names() -> String {
    entities()
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses and checks the request body (`params` is validated later, by the API).
pub fn parse_request(value: Value) -> Result<Request> {
    let Value::Object(obj) = value else {
        return Err(Error::config(
            "The request must be a JSON object {\"entity\": …, \"action\": …, \"params\": {…}}.",
        ));
    };
    if let Some(extra) = obj
        .keys()
        .find(|k| !["entity", "action", "params"].contains(&k.as_str()))
    {
        return Err(Error::config(format!(
            "The request has an unknown field `{extra}`; it takes entity, action and params."
        )));
    }
    let text = |name: &str| -> Result<String> {
        match obj.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) => Err(Error::config(format!("The request has no `{name}`."))),
            Some(_) => Err(Error::config(format!(
                "The request's `{name}` must be a string."
            ))),
        }
    };
    let entity_name = text("entity")?;
    let action_name = text("action")?;
    let entity = Entity::parse(&entity_name).ok_or_else(|| {
        Error::config(format!(
            "Unknown entity `{entity_name}`; entities: {}.",
            entity_names()
        ))
    })?;
    let action = Action::parse(&action_name)
        .filter(|a| entity.actions().contains(a))
        .ok_or_else(|| {
            let actions: Vec<&str> = entity.actions().iter().map(|a| a.name()).collect();
            Error::config(format!(
                "Entity `{entity_name}` has no action `{action_name}`; its actions: {}.",
                actions.join(", ")
            ))
        })?;
    let params = obj.get("params").cloned().unwrap_or(Value::Null);
    let params = match params {
        Value::Null => json!({}),
        Value::Object(_) => params,
        _ => {
            return Err(Error::config(
                "The request's `params` must be a JSON object.",
            ))
        }
    };
    Ok(Request {
        entity,
        action,
        params,
    })
}

fn read_text(what: &str, path: &Path) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Error::config(format!("Could not read the {what} from stdin: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| {
        Error::config(format!(
            "Could not read the {what} file {}: {e}",
            path.display()
        ))
    })
}

fn request_of(args: &ExecuteArgs) -> Result<Request> {
    let value =
        match (&args.request, &args.entity) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "Give either --request FILE or ENTITY ACTION [PARAMS], not both.",
                ))
            }
            (Some(path), None) => {
                let text = read_text("request", path)?;
                serde_json::from_str(&text)
                    .map_err(|e| Error::config(format!("The request is not valid JSON ({e}).")))?
            }
            (None, Some(entity)) => {
                let action = args.action.clone().ok_or_else(|| {
                    Error::config(format!(
                        "Give the action after the entity: {entity} list|get|download."
                    ))
                })?;
                let params = match &args.params {
                    None => json!({}),
                    Some(text) => serde_json::from_str(text).map_err(|e| {
                        Error::config(format!(
                            "PARAMS is not valid JSON ({e}): pass one JSON object."
                        ))
                    })?,
                };
                json!({"entity": entity, "action": action, "params": params})
            }
            (None, None) => return Err(Error::config(
                "Give a request: --request FILE (or - for stdin), or ENTITY ACTION [PARAMS_JSON].",
            )),
        };
    parse_request(value)
}

fn print_line(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// `execute --describe [ENTITY]`: prints the entities (or one), their actions, parameters and record
/// schemas as one JSON object (see `api::catalog`); returns the exit code.
pub fn describe(entity: Option<&str>) -> u8 {
    let value = match entity {
        None => catalog::describe_all(),
        Some(name) => match Entity::parse(name) {
            Some(entity) => catalog::describe_entity(entity),
            None => {
                let e = Error::config(format!(
                    "Unknown entity `{name}`; entities: {}.",
                    entity_names()
                ));
                let (value, code) = error_answer(&e);
                print_line(&value.to_string());
                return code;
            }
        },
    };
    print_line(&value.to_string());
    0
}

/// Runs the command; returns the exit code.
pub async fn execute(args: ExecuteArgs) -> u8 {
    let mut wrote_bytes_to_stdout = false;
    match run(&args, &mut wrote_bytes_to_stdout).await {
        Ok(Some(text)) => {
            print_line(&text);
            0
        }
        Ok(None) => 0,
        Err(e) => {
            let (value, code) = error_answer(&e);
            if wrote_bytes_to_stdout {
                // The bytes already on stdout are the (partial) recording: the error goes to stderr.
                eprintln!("{value}");
            } else {
                print_line(&value.to_string());
            }
            code
        }
    }
}

async fn run(args: &ExecuteArgs, wrote: &mut bool) -> Result<Option<String>> {
    let config = Config::parse(&read_text("config", &args.config)?)?;
    let request = request_of(args)?;
    if request.action != Action::Download && (args.output.is_some() || args.resume) {
        return Err(Error::config(
            "--output and --resume are for download actions only.",
        ));
    }
    let gong = Gong::with_client(
        std::sync::Arc::new(crate::client::GongClient::with_profile(
            &config,
            crate::client::Profile::FailFast,
        )?),
        std::sync::Arc::new(config),
    );
    // Gong's OAuth refresh tokens are single-use: a rotated one is written back to the config file
    // (`client::rotation`; this command's stdout is the answer only, so no CONTROL message).
    let file = (args.config.as_os_str() != "-").then_some(args.config.as_path());
    gong.client()
        .set_config_sink(crate::client::rotation::config_sink(file, None));
    match request.action {
        Action::List => {
            let page = gong.list(request.entity, &request.params).await?;
            Ok(Some(page.to_json_string()))
        }
        Action::Get => {
            let record = gong.get(request.entity, &request.params).await?;
            Ok(Some(format!("{{\"data\":{}}}", record.get())))
        }
        Action::Download => download(&gong, &request, args, wrote).await,
    }
}

/// Counts bytes on their way to a writer.
struct Counting<'a, W> {
    inner: W,
    count: &'a mut bool,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Counting<'_, W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            *this.count = true;
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn download(
    gong: &Gong,
    request: &Request,
    args: &ExecuteArgs,
    wrote: &mut bool,
) -> Result<Option<String>> {
    let output = args.output.as_ref().ok_or_else(|| {
        Error::config("A download needs --output FILE (or --output - for stdout).")
    })?;
    // Validate before touching the output file.
    crate::api::download_target(request.entity, &request.params)?;
    if output.as_os_str() == "-" {
        if args.resume {
            return Err(Error::config("--resume needs --output FILE, not stdout."));
        }
        let mut out = Counting {
            inner: tokio::io::stdout(),
            count: wrote,
        };
        let options = DownloadOptions {
            skip: 0,
            url: args.media_url.clone(),
        };
        gong.download(request.entity, &request.params, &options, &mut out)
            .await?;
        out.flush()
            .await
            .map_err(|e| Error::system(format!("Could not write to stdout: {e}")))?;
        return Ok(None);
    }
    // Through FILE.part, so a failed download never touches FILE (see `download_file`).
    let data = crate::download_file::download(
        gong,
        request.entity,
        &request.params,
        output,
        args.resume,
        args.media_url.clone(),
    )
    .await?;
    Ok(Some(json!({ "data": data }).to_string()))
}
