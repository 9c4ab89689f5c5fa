//! `gong-sandbox` binary: runs the simulator until SIGTERM/SIGINT.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};

use clap::Parser;
use gong_sandbox::{FaultConfig, FaultKind, Sandbox, SandboxConfig};

/// A faithful local simulator of Gong's REST API v2.
#[derive(Parser, Debug)]
#[command(name = "gong-sandbox", version)]
struct Args {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind. Only loopback unless given explicitly (containers need 0.0.0.0).
    #[arg(long)]
    host: Option<IpAddr>,
    /// Dataset seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of users.
    #[arg(long, default_value_t = 25)]
    users: usize,
    /// Users with direct reports, the head of the company included (default: users / 6 + 1, at most 6).
    #[arg(long)]
    managers: Option<usize>,
    /// Number of workspaces.
    #[arg(long, default_value_t = 2)]
    workspaces: usize,
    /// Number of calls.
    #[arg(long, default_value_t = 600)]
    calls: usize,
    /// Calls are spread over this many days before the anchor.
    #[arg(long, default_value_t = 60)]
    days: u32,
    /// Anchor date-time (RFC 3339); default today 00:00 UTC.
    #[arg(long)]
    anchor: Option<String>,
    /// The sandbox clock (RFC 3339): data after it does not exist yet; `POST /sandbox/clock` moves it.
    /// Default: the real time, the whole dataset visible.
    #[arg(long)]
    now: Option<String>,
    /// Settings scorecards.
    #[arg(long, default_value_t = 4)]
    scorecards: usize,
    /// Keyword trackers.
    #[arg(long, default_value_t = 6)]
    trackers: usize,
    /// Library folders per workspace.
    #[arg(long, default_value_t = 5)]
    library_folders: usize,
    /// Requests per second (token bucket, burst = rate); 0 = unlimited.
    #[arg(long, default_value_t = 0.0)]
    rate_limit: f64,
    /// Requests per UTC day; 0 = unlimited.
    #[arg(long, default_value_t = 0)]
    daily_limit: u64,
    /// Latency per API request in ms: `N` or `MIN-MAX`.
    #[arg(long, default_value = "0")]
    latency_ms: String,
    /// Probability of an injected fault per API request.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Fault kinds (see README.md): 500,502,503,429,429-no-retry-after,reset,truncate,invalid-json,slow,
    /// expired-cursor,truncated-404,503-retry-after-3600,echo-auth,redirect-307,no-record-key,
    /// cursor-unchanged,cursor-cycle,empty-pages,non-object-records,oauth-absurd-expiry.
    #[arg(long, value_delimiter = ',')]
    faults: Vec<FaultKind>,
    /// Seed of the fault choice.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// Fail the first N API requests.
    #[arg(long, default_value_t = 0)]
    fail_first_n: u64,
    /// Delay of the `slow` fault, in ms.
    #[arg(long, default_value_t = 40_000)]
    slow_ms: u64,
    /// Access key (HTTP Basic user).
    #[arg(long, default_value = "sandbox-access-key")]
    access_key: String,
    /// Access key secret (HTTP Basic password).
    #[arg(long, default_value = "sandbox-secret")]
    access_key_secret: String,
    /// Static Bearer token(s) always accepted.
    #[arg(long, value_delimiter = ',', default_value = "sandbox-token")]
    bearer_token: Vec<String>,
    /// Scopes Bearer tokens lack (comma separated).
    #[arg(long, value_delimiter = ',')]
    denied_scopes: Vec<String>,
    /// Lifetime of media URLs in seconds.
    #[arg(long, default_value_t = 8 * 3600)]
    media_url_ttl_secs: u64,
    /// Delay before each media-host answer in ms: `N` or `MIN-MAX`.
    #[arg(long, default_value = "0")]
    media_latency_ms: String,
    /// The media host answers HEAD with 403 (as S3 for a URL presigned for GET).
    #[arg(long)]
    media_refuse_head: bool,
    /// Lifetime of cursors in seconds.
    #[arg(long, default_value_t = 3600)]
    cursor_ttl_secs: u64,
    /// Lifetime of OAuth access tokens in seconds.
    #[arg(long, default_value_t = 3600)]
    access_token_ttl_secs: u64,
    /// Transcript sentences per call `MIN-MAX` (about 1 call in 40 gets 2000-5000).
    #[arg(long, default_value = "20-300")]
    transcript_sentences: String,
}

fn parse_pair(s: &str) -> Result<(u64, u64), String> {
    let s = s.trim();
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: u64 = a
        .trim()
        .parse()
        .map_err(|_| format!("bad number in {s:?}"))?;
    let b: u64 = b
        .trim()
        .parse()
        .map_err(|_| format!("bad number in {s:?}"))?;
    Ok((a.min(b), a.max(b)))
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("gong-sandbox: {e}");
        std::process::exit(2);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let host = args.host.unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let latency = parse_pair(&args.latency_ms)?;
    let ts = parse_pair(&args.transcript_sentences)?;
    let mut cfg = SandboxConfig {
        seed: args.seed,
        users: args.users,
        managers: args.managers,
        workspaces: args.workspaces,
        calls: args.calls,
        days: args.days,
        scorecards: args.scorecards,
        trackers: args.trackers,
        library_folders: args.library_folders,
        access_key: args.access_key,
        access_key_secret: args.access_key_secret,
        bearer_tokens: args.bearer_token,
        denied_scopes: args.denied_scopes,
        rate_limit_per_sec: args.rate_limit,
        daily_limit: args.daily_limit,
        latency_ms: latency,
        faults: FaultConfig {
            rate: args.fault_rate,
            kinds: args.faults,
            seed: args.fault_seed,
            fail_first_n: args.fail_first_n,
            slow_ms: args.slow_ms,
            ..FaultConfig::default()
        },
        media_url_ttl_secs: args.media_url_ttl_secs,
        media_latency_ms: parse_pair(&args.media_latency_ms)?,
        media_refuse_head: args.media_refuse_head,
        cursor_ttl_secs: args.cursor_ttl_secs,
        access_token_ttl_secs: args.access_token_ttl_secs,
        transcript_sentences: (ts.0 as usize, ts.1 as usize),
        ..SandboxConfig::default()
    };
    if let Some(a) = args.anchor {
        cfg.anchor = chrono::DateTime::parse_from_rfc3339(&a)
            .map_err(|e| format!("--anchor {a:?}: {e}"))?
            .with_timezone(&chrono::Utc);
    }
    if let Some(n) = args.now {
        cfg.now = Some(
            chrono::DateTime::parse_from_rfc3339(&n)
                .map_err(|e| format!("--now {n:?}: {e}"))?
                .with_timezone(&chrono::Utc),
        );
    }
    let sandbox = Sandbox::start_on(cfg, SocketAddr::new(host, args.port))
        .await
        .map_err(|e| format!("cannot bind {host}:{}: {e}", args.port))?;
    // For 0.0.0.0 the base URL names 127.0.0.1, which is what a local client should use.
    let url = sandbox.base_url();
    // Handlers first: a client that reads the ready line may send SIGTERM at once.
    let signalled = shutdown_signal();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {url}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    signalled.await;
    drop(sandbox);
    std::process::exit(0);
}

/// SIGTERM or SIGINT, the handlers installed when this is called (not when it is awaited).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
        async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
