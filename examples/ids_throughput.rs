//! Throughput of the id quoting (`source_gong::gong::ids::quote_ids`) on real records: each argument is
//! a file of records, one JSON object a line (`bench/ids_bench.py` writes them from a sync's output).
//! Prints, per file, one JSON line: records, bytes, records copied (they had an id number), and the
//! speed in MB/s over `ROUNDS` passes (env, default 20) of `quote_ids` and of its structural scan alone
//! (`scan_ids`, what `quote_ids` ran on every record before its pre-check).
//!
//! ```text
//! cargo run --release --example ids_throughput -- target/bench/ids/stats_activity_scorecards.jsonl
//! ```

use std::time::Instant;

use std::borrow::Cow;

use source_gong::gong::ids::{quote_ids, scan_ids};

fn main() {
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    for path in std::env::args().skip(1) {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        let records: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        let bytes: usize = records.iter().map(|r| r.len()).sum();
        let copied = records
            .iter()
            .filter(|r| matches!(quote_ids(r), std::borrow::Cow::Owned(_)))
            .count();
        let (per_pass, out) = timed(&records, rounds, quote_ids);
        let (scan_per_pass, _) = timed(&records, rounds, scan_ids);
        println!(
            "{{\"file\":{:?},\"records\":{},\"bytes\":{},\"copied\":{},\"seconds_per_pass\":{:.6},\"mb_per_s\":{:.1},\"scan_only_mb_per_s\":{:.1},\"out_bytes\":{}}}",
            path,
            records.len(),
            bytes,
            copied,
            per_pass,
            bytes as f64 / per_pass / 1e6,
            bytes as f64 / scan_per_pass / 1e6,
            out
        );
    }
}

/// Seconds per pass of `quote` over the records, and the bytes one pass returns.
fn timed(records: &[&str], rounds: usize, quote: fn(&str) -> Cow<'_, str>) -> (f64, usize) {
    let start = Instant::now();
    let mut out = 0usize;
    for _ in 0..rounds {
        for r in records {
            out += quote(r).len();
        }
    }
    let per_pass = start.elapsed().as_secs_f64() / rounds as f64;
    (per_pass, out / rounds.max(1))
}
