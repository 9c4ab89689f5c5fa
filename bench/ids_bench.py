#!/usr/bin/env python3
"""Cost of quoting ids (issue 15): CPU of `source-gong read` per stream with two binaries (before and after
the change), and the quoting scan's throughput on the same records.

    python3 bench/ids_bench.py --before target/ids-before/source-gong [--calls 20000] [--rounds 3]

Starts `gong-sandbox --calls N --days D`, reads each stream of STREAMS alone with each binary `--rounds`
times, alternating binaries so both see the same machine load, and reports the median CPU (user+sys from
GNU time) and record count. The before binary's records (Gong's bytes, ids as numbers) are written one a
line to target/bench/ids/<stream>.jsonl and timed by `cargo run --release --example ids_throughput`.
Output: markdown on stdout, figures in target/bench/ids/results.json.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import run as bench  # noqa: E402  (the sandbox and measured-process helpers of bench/run.py)

STREAMS = ["stats_activity_scorecards", "settings_scorecards", "calls_extensive", "call_transcripts"]
OUT = bench.ROOT / "target/bench/ids"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, required=True, help="source-gong built without the quoting")
    ap.add_argument("--after", type=Path, default=bench.ROOT / "target/release/source-gong")
    ap.add_argument("--sandbox", type=Path, default=bench.ROOT / "target/release/gong-sandbox")
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--streams", default=",".join(STREAMS),
                    help="comma-separated streams to read (default: the scorecard and call streams above)")
    ap.add_argument("--no-scan", action="store_true", help="skip the ids_throughput example (a cargo build)")
    args = ap.parse_args()
    streams = args.streams.split(",")
    OUT.mkdir(parents=True, exist_ok=True)
    # Copies, so that a build of target/release during the run cannot change what is measured.
    bench.RELEASE = OUT / "bin"
    bench.RELEASE.mkdir(exist_ok=True)
    for name, path in (("before", args.before), ("after", args.after), ("gong-sandbox", args.sandbox)):
        shutil.copy2(path, bench.RELEASE / name)
    args.before, args.after = bench.RELEASE / "before", bench.RELEASE / "after"
    anchor = bench.midnight(bench.dt.datetime.now(bench.dt.timezone.utc).date())
    sb = bench.Sandbox(["--calls", str(args.calls), "--days", str(args.days), "--anchor", anchor.isoformat()], "ids")
    results = {}
    try:
        start = anchor - bench.dt.timedelta(days=args.days + 1)
        config = bench.rust_config(sb, start, OUT / "config.json", True)
        for stream in streams:
            cpu = {"before": [], "after": []}
            counts = {}
            for r in range(args.rounds):
                for name, binary in (("before", args.before), ("after", args.after)):
                    keep = name == "before" and r == 0
                    run = measured(binary, config, stream, keep)
                    if run.rc != 0 or run.errors:
                        raise SystemExit(f"{name} {stream}: exit {run.rc} {run.errors[:1]}")
                    cpu[name].append(run.cpu)
                    counts[name] = run.counts[stream] if keep else run.counts["*"]
                    if keep:
                        with open(OUT / f"{stream}.jsonl", "w") as f:
                            for rec in run.records[stream]:
                                f.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n")
            results[stream] = {"records": counts, "cpu_before": cpu["before"], "cpu_after": cpu["after"],
                               "median_before": statistics.median(cpu["before"]),
                               "median_after": statistics.median(cpu["after"])}
    finally:
        sb.stop()
    scan = subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "ids_throughput", "--",
                           *[str(OUT / f"{s}.jsonl") for s in streams]],
                          cwd=bench.ROOT, capture_output=True, text=True, check=True) if not args.no_scan else None
    for line in (scan.stdout.splitlines() if scan else []):
        row = json.loads(line)
        results[Path(row["file"]).stem]["scan"] = row
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(f"{args.calls} calls over {args.days} days, {args.rounds} rounds, median CPU s (user+sys)\n")
    print("| stream | records | CPU before | CPU after | scan MB/s | records quoted | scan s per sync |")
    print("|---|---|---|---|---|---|---|")
    for stream, r in results.items():
        s = r.get("scan", {})
        print(f"| {stream} | {r['records']['after']} | {r['median_before']:.3f} | {r['median_after']:.3f} | "
              f"{s.get('mb_per_s', 0):,.0f} | {s.get('copied', 0)} of {s.get('records', 0)} | "
              f"{s.get('seconds_per_pass', 0):.4f} |")


def measured(binary: Path, config: Path, stream: str, keep: bool) -> bench.Run:
    cat = bench.rust_catalog([stream], OUT / "catalog.json")
    cmd = [str(binary), "read", "--config", str(config), "--catalog", str(cat)]
    return bench.Run(cmd, None, {stream} if keep else set(), False, OUT / f"{stream}.err").go()


if __name__ == "__main__":
    main()
