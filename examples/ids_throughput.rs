//! Throughput of the id quoting (`source_gong::gong::ids::quote_ids`) on real records: each argument is
//! a file of records, one JSON object a line (`bench/ids_bench.py` writes them from a sync's output).
//! Prints, per file, one JSON line: records, bytes, records copied (they had an id number), and the
//! scan's speed in MB/s over `ROUNDS` passes (env, default 20).
//!
//! ```text
//! cargo run --release --example ids_throughput -- target/bench/ids/stats_activity_scorecards.jsonl
//! ```

use std::time::Instant;

use source_gong::gong::ids::quote_ids;

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
        let start = Instant::now();
        let mut out = 0usize;
        for _ in 0..rounds {
            for r in &records {
                out += quote_ids(r).len();
            }
        }
        let seconds = start.elapsed().as_secs_f64();
        let per_pass = seconds / rounds as f64;
        println!(
            "{{\"file\":{:?},\"records\":{},\"bytes\":{},\"copied\":{},\"seconds_per_pass\":{:.6},\"mb_per_s\":{:.1},\"out_bytes\":{}}}",
            path,
            records.len(),
            bytes,
            copied,
            per_pass,
            bytes as f64 / per_pass / 1e6,
            out / rounds.max(1)
        );
    }
}
