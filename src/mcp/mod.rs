//! `source-gong mcp`: the entity/action interface as a Model Context Protocol server on stdio, for AI
//! agents. Built on `rmcp`, the official Rust MCP SDK.
//!
//! ```text
//! source-gong mcp --config config.json [--download-dir DIR] [--max-result-chars N]
//! ```
//!
//! One tool per entity and action (`users_list`, `users_get`, `call_audio_download`, …), generated from
//! the API's tables (`api::catalog`). Invariants:
//! * stdout carries JSON-RPC only (rmcp writes it); anything for people goes to stderr;
//! * a tool answers with JSON structured content (`{"data", "meta"}`), or with a tool error
//!   (`isError: true`) holding `{"error": {"kind", "message"}}`, the kinds and messages of `execute`;
//! * a list answer holds at most `--max-result-chars` characters of records, whole, plus a
//!   continuation token when more remain ([`pages`]); one tool call sends at most one Gong request
//!   (downloads: one, plus the media host);
//! * downloads write only inside `--download-dir` ([`files`]);
//! * every request line is answered: one over [`lines::MAX_REQUEST_BYTES`] gets a JSON-RPC error, and an
//!   error's message is at most `--max-result-chars` characters;
//! * a rotated OAuth refresh token is written back to the config file at once (`client::rotation`, the
//!   rule of every command): there is no Airbyte platform to hand a CONTROL message to.

pub mod files;
pub mod lines;
pub mod pages;
pub mod tools;

use std::path::PathBuf;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{json, Map, Value};

use crate::api::{Action, Entity, Gong};
use crate::config::Config;
use crate::error::{Error, Result};
use files::DownloadDir;
use pages::Continuation;

/// Default size limit of a list answer, in characters of record JSON.
pub const DEFAULT_MAX_RESULT_CHARS: usize = 100_000;

/// The `mcp` command's arguments (see `main.rs`).
#[derive(Debug, Clone)]
pub struct McpArgs {
    pub config: PathBuf,
    pub download_dir: Option<PathBuf>,
    pub max_result_chars: usize,
}

/// The server: one Gong client shared by every tool call.
pub struct GongServer {
    gong: Gong,
    tools: Vec<Tool>,
    downloads: Option<DownloadDir>,
    max_chars: usize,
}

/// Runs the server until the client closes stdin; returns the exit code.
pub async fn serve(args: McpArgs) -> u8 {
    let server = match GongServer::from_args(&args) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("source-gong mcp: {}", e.message);
            return if e.kind == crate::error::ErrorKind::Config {
                2
            } else {
                1
            };
        }
    };
    let stdio = lines::guarded_stdio(lines::MAX_REQUEST_BYTES);
    let running = match server.serve((stdio.read, stdio.write)).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("source-gong mcp: the MCP session did not start: {e}");
            return 1;
        }
    };
    let code = match running.waiting().await {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("source-gong mcp: the MCP session ended with an error: {e}");
            1
        }
    };
    // The last answers are still on their way to stdout.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stdio.done).await;
    code
}

impl GongServer {
    fn from_args(args: &McpArgs) -> Result<GongServer> {
        let text = std::fs::read_to_string(&args.config).map_err(|e| {
            Error::config(format!(
                "Could not read the config file {}: {e}",
                args.config.display()
            ))
        })?;
        // Someone waits on every tool call: the fail-fast retry profile, as in `execute`.
        let config = Config::parse(&text)?;
        let client =
            crate::client::GongClient::with_profile(&config, crate::client::Profile::FailFast)?;
        let gong = Gong::with_client(Arc::new(client), Arc::new(config));
        gong.client()
            .set_config_sink(crate::client::rotation::config_sink(
                Some(&args.config),
                None,
            ));
        let downloads = args
            .download_dir
            .as_deref()
            .map(DownloadDir::new)
            .transpose()?;
        if args.max_result_chars == 0 {
            return Err(Error::config("--max-result-chars must be at least 1."));
        }
        Ok(GongServer {
            gong,
            tools: tools::all(args.max_result_chars, downloads.is_some()),
            downloads,
            max_chars: args.max_result_chars,
        })
    }

    /// One tool call: the answer's JSON, or the error `execute` would print.
    async fn call(&self, name: &str, args: Map<String, Value>) -> Result<Value> {
        let (entity, action) = tools::parse_tool_name(name).ok_or_else(|| {
            Error::config(format!(
                "Unknown tool `{name}`; the tools are listed by tools/list."
            ))
        })?;
        match action {
            Action::List => self.list(entity, args).await,
            Action::Get => {
                let record = self.gong.get(entity, &Value::Object(args)).await?;
                let mut answer = json!({ "data": parse_record(&record)? });
                if record.get().chars().count() > self.max_chars {
                    answer["meta"] = json!({"note": "This record alone is over the size limit."});
                }
                Ok(answer)
            }
            Action::Download => self.download(entity, args).await,
        }
    }

    async fn list(&self, entity: Entity, mut args: Map<String, Value>) -> Result<Value> {
        let at = match args.remove(tools::CONTINUATION) {
            None | Some(Value::Null) => {
                let cursor = match args.remove("cursor") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(c)) => Some(c),
                    Some(_) => return Err(Error::config("`cursor` must be a string.")),
                };
                Continuation {
                    params: Value::Object(args),
                    cursor,
                    offset: 0,
                }
            }
            Some(Value::String(token)) => {
                let at = Continuation::decode(&token)?;
                if !args.is_empty() && Value::Object(args) != at.params {
                    return Err(Error::config(
                        "`continuation_token` carries the parameters of the first call: pass it alone.",
                    ));
                }
                at
            }
            Some(_) => return Err(Error::config("`continuation_token` must be a string.")),
        };
        let page = self.gong.list(entity, &at.page_params()).await?;
        let cut = pages::cut(&page.data, at.offset, self.max_chars);
        let next = pages::next(
            &at,
            &cut,
            page.data.len(),
            page.pagination.cursor.as_deref(),
        );
        let data = page.data[cut.start..cut.end]
            .iter()
            .map(|r| parse_record(r))
            .collect::<Result<Vec<Value>>>()?;
        let p = &page.pagination;
        let mut meta = json!({
            "pagination": {
                "totalRecords": p.total_records,
                "currentPageSize": p.current_page_size,
                "currentPageNumber": p.current_page_number,
            },
            "offsetInPage": cut.start,
            "returned": data.len(),
            "chars": cut.chars,
        });
        if let Some(next) = &next {
            meta["continuation_token"] = json!(next.encode());
        }
        if let Some(note) = &page.note {
            // Filters the connector applied to Gong's page (execute's `meta.note`).
            meta["filterNote"] = json!(note);
        }
        if cut.oversized {
            meta["note"] = json!(format!(
                "One record over the size limit of {} characters: it comes alone.",
                self.max_chars
            ));
        } else if cut.end < page.data.len() {
            meta["note"] = json!(format!(
                "Cut at the size limit of {} characters; the continuation token fetches this Gong page again (one request) and goes on from record {}.",
                self.max_chars, cut.end
            ));
        }
        Ok(json!({ "data": data, "meta": meta }))
    }

    async fn download(&self, entity: Entity, mut args: Map<String, Value>) -> Result<Value> {
        let Some(dir) = &self.downloads else {
            return Err(Error::config(
                "Downloads are off: this server was started without --download-dir. Restart it with `source-gong mcp --config FILE --download-dir DIR` to let it write recordings into DIR.",
            ));
        };
        let path = match args.remove(tools::PATH) {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) => Some(p),
            Some(_) => return Err(Error::config("`path` must be a string.")),
        };
        let resume = match args.remove("resume") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => b,
            Some(_) => return Err(Error::config("`resume` must be true or false.")),
        };
        let params = Value::Object(args);
        // Validate before anything is created on disk.
        let (call_id, _) = crate::api::download_target(entity, &params)?;
        let name = path.unwrap_or_else(|| files::default_name(&call_id, entity));
        let target = dir.resolve(&name)?;
        let data =
            crate::download_file::download(&self.gong, entity, &params, &target, resume, None)
                .await?;
        Ok(json!({ "data": data }))
    }
}

/// The error with its message cut to `max_chars` characters (the last one `…`), as every answer is.
fn cut_message(mut e: Error, max_chars: usize) -> Error {
    if e.message.chars().count() > max_chars {
        let mut cut: String = e
            .message
            .chars()
            .take(max_chars.saturating_sub(1))
            .collect();
        cut.push('…');
        e.message = cut;
    }
    e
}

fn parse_record(record: &serde_json::value::RawValue) -> Result<Value> {
    serde_json::from_str(record.get())
        .map_err(|e| Error::system(format!("Gong sent a malformed record: {e}")))
}

impl ServerHandler for GongServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "source-gong",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(tools::INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let result = match self.call(&request.name, args).await {
            Ok(value) => CallToolResult::structured(value),
            Err(e) => {
                let e = cut_message(e, self.max_chars);
                CallToolResult::structured_error(crate::api::error_answer(&e).0)
            }
        };
        Ok(result.into())
    }
}
