//! The `source-gong` binary: parse arguments, run the command, exit with its code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Airbyte source connector for Gong (API v2).
#[derive(Parser)]
#[command(name = "source-gong", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the connector specification (the config form). Takes no input: the arguments other
    /// commands take, which Airbyte's test harnesses pass to every command, are accepted and ignored.
    Spec {
        #[arg(long, hide = true)]
        config: Option<PathBuf>,
        #[arg(long, hide = true)]
        catalog: Option<PathBuf>,
        #[arg(long, hide = true)]
        state: Option<PathBuf>,
    },
    /// Check that the config can connect to Gong.
    Check {
        /// The config JSON file (credentials, base_url, dates; `source-gong spec` lists every field).
        /// A rotated OAuth refresh token is written back to it.
        #[arg(long)]
        config: PathBuf,
    },
    /// Print the catalog of streams.
    Discover {
        /// The config JSON file (checked; discover sends no request to Gong).
        #[arg(long)]
        config: PathBuf,
    },
    /// Read the configured streams.
    Read {
        /// The config JSON file (credentials, base_url, dates; `source-gong spec` lists every field).
        /// A rotated OAuth refresh token is written back to it.
        #[arg(long)]
        config: PathBuf,
        /// The configured catalog JSON file: `{"streams": [{"stream": {"name": "calls"}, "sync_mode":
        /// "incremental"}, ...]}` (a stream of `discover`, whole or by name; `full_refresh` or
        /// `incremental`).
        #[arg(long)]
        catalog: PathBuf,
        /// A state JSON file to resume incremental streams from: a JSON array of a previous read's STATE
        /// messages (or of their `state` objects; the last one per stream counts). A stream without
        /// state starts from `start_date`. See README, "Try it by hand".
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Run one action of the entity/action interface: list, get or download (see README).
    Execute {
        /// The config JSON file (as for `read`); a rotated OAuth refresh token is written back to it.
        #[arg(long, required_unless_present = "describe")]
        config: Option<PathBuf>,
        /// Print the entities, actions, parameters and record schemas as JSON (all, or ENTITY's).
        #[arg(long)]
        describe: bool,
        /// `{"entity", "action", "params"}` JSON file, `-` for stdin.
        #[arg(long)]
        request: Option<PathBuf>,
        /// Where a download goes, `-` for stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Resume a partial download: request from the output file's length and append.
        #[arg(long)]
        resume: bool,
        /// A media URL obtained earlier (renewed through calls/extensive when expired).
        #[arg(long)]
        media_url: Option<String>,
        /// Short form: ENTITY ACTION [PARAMS_JSON].
        entity: Option<String>,
        action: Option<String>,
        params: Option<String>,
    },
    /// Serve the entity/action interface to AI agents over MCP (stdio); see README.
    Mcp {
        /// The config JSON file (as for `read`); a rotated OAuth refresh token is written back to it.
        #[arg(long)]
        config: PathBuf,
        /// The only directory the download tools write into (downloads are off without it).
        #[arg(long)]
        download_dir: Option<PathBuf>,
        /// Largest list answer, in characters of record JSON (whole records; more via a token).
        #[arg(long, default_value_t = source_gong::mcp::DEFAULT_MAX_RESULT_CHARS)]
        max_result_chars: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tune_allocator();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("source-gong: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async move {
        match cli.command {
            Command::Spec { .. } => source_gong::commands::spec(),
            Command::Check { config } => source_gong::commands::check(&config).await,
            Command::Discover { config } => source_gong::commands::discover(&config),
            Command::Read {
                config,
                catalog,
                state,
            } => source_gong::commands::read(&config, &catalog, state.as_deref()).await,
            Command::Execute {
                describe: true,
                entity,
                ..
            } => source_gong::execute::describe(entity.as_deref()),
            Command::Execute {
                config,
                describe: _,
                request,
                output,
                resume,
                media_url,
                entity,
                action,
                params,
            } => {
                source_gong::execute::execute(source_gong::execute::ExecuteArgs {
                    config: config.unwrap_or_default(),
                    request,
                    entity,
                    action,
                    params,
                    output,
                    resume,
                    media_url,
                })
                .await
            }
            Command::Mcp {
                config,
                download_dir,
                max_result_chars,
            } => {
                source_gong::mcp::serve(source_gong::mcp::McpArgs {
                    config,
                    download_dir,
                    max_result_chars,
                })
                .await
            }
        }
    });
    // Don't wait for stray tasks (aborted readers) at shutdown.
    runtime.shutdown_background();
    ExitCode::from(code)
}

/// Page bodies of megabytes (transcript pages run to 8 MB) come and go all through a sync. glibc's
/// malloc raises its mmap threshold to the largest block freed, after which such bodies are carved from
/// the heap, and the heap keeps the worst mix of them as fragmentation: peak RSS then grows with the
/// size of the sync. With a fixed 1 MiB threshold every large body is mapped and unmapped whole, so RSS
/// follows what is alive (the engine bounds that).
///
/// Below that, the parts of streamed pages (~300 KiB buffers) are allocated and freed all the time. At
/// glibc's default trim threshold (128 KiB) each free gave the top of the heap back to the kernel and
/// the next allocation faulted it in again: 800,000 page faults and a quarter of the CPU of a transcript
/// sync. A 4 MiB threshold keeps that much in the heap; one arena for every thread keeps the freed
/// blocks of one thread usable by the others (the engine allocates per page, not per record, so the
/// arena's lock is not contended). Measured on call_transcripts at 100,000 calls: 800,000 → 70,000
/// faults, 9 → 6 CPU-s, peak RSS 23 → 24 MB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets malloc parameters; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
