#!/usr/bin/env python3
"""CPU per record of two (or more) source-gong binaries against ONE sandbox (issue 24: the refactors' CPU
within 10 % of 1.0.0's, and the id scan's cost that 1.0.0 added taken back off).

    python3 bench/cpu_compare.py --before /tmp/eq-before-target/release/source-gong
    python3 bench/cpu_compare.py --before OLD --after NEW --also 131a6a3=OLDER --rounds 3 \\
        --streams users,calls,calls_extensive,stats_activity_scorecards,call_transcripts,all

Starts one `gong-sandbox` with the midsize company of bench/company.py by default (1,000 users, 100
managers, 2 workspaces, 25,000 calls over 365 days, `--rate-limit 0`, anchored at today 00:00Z) and one
config for every binary (`start_date` = the first call's day - 1, `end_date` = anchor - 2 days, no rate or
daily limit), then reads each stream alone with each binary, `--rounds` times, the binaries alternating
(their order flipped every round) so that they see the same machine load. `all` is one read of every
stream all the binaries discover, full refresh (what a first sync of the default selection does).

CPU is user+sys of the connector process from `os.wait4` (microseconds, not GNU time's 10 ms: the small
streams need it; peak RSS is not reported, see bench/README.md for why wait4's RSS is not clean). Records
are counted on stdout, not parsed; API requests come from the sandbox's counters, reset before each run.
Exit 1 if a run fails or two binaries emit different record counts.
Output: markdown on stdout, every run in target/bench/cpu/results.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import run as bench  # noqa: E402  (the sandbox and measured-process helpers of bench/run.py)
from company import SCENARIOS  # noqa: E402

OUT = bench.ROOT / "target/bench/cpu"
STREAMS = "users,calls,calls_extensive,stats_activity_scorecards,call_transcripts,all"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, help="e.g. the 1.0.0 binary (commit 5468760)")
    ap.add_argument("--after", type=Path, default=bench.ROOT / "target/release/source-gong")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=PATH", help="a third binary")
    ap.add_argument("--sandbox", type=Path, default=bench.ROOT / "target/release/gong-sandbox")
    ap.add_argument("--scenario", default="midsize", choices=sorted(SCENARIOS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--streams", default=STREAMS, help=f"comma separated (default {STREAMS})")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    bench.WORK = OUT
    bench.TIME = None  # CPU from os.wait4, at microsecond resolution
    # Copies, so that a build of target/release during the run cannot change what is measured.
    bench.RELEASE = OUT / "bin"
    bench.RELEASE.mkdir(exist_ok=True)
    bins = {"before": a.before, "after": a.after, **dict(x.split("=", 1) for x in a.also)}
    for name, path in [*bins.items(), ("gong-sandbox", a.sandbox)]:
        shutil.copy2(path, bench.RELEASE / name)
    bins = {name: bench.RELEASE / name for name in bins}

    size = SCENARIOS[a.scenario]
    anchor = bench.midnight(dt.datetime.now(dt.timezone.utc).date())
    sb = bench.Sandbox(["--rate-limit", "0", "--anchor", anchor.isoformat(),
                        *[x for k in ("users", "managers", "workspaces", "calls", "days")
                          for x in (f"--{k}", str(size[k]))]], "cpu")
    results: dict[str, dict] = {}
    failed = False
    try:
        start = anchor - dt.timedelta(days=size["days"] + 1)
        config = bench.rust_config(sb, start, OUT / "config.json", True)
        cfg = json.loads(config.read_text())
        cfg["end_date"] = (anchor - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        config.write_text(json.dumps(cfg))
        common = None
        for path in bins.values():
            out = subprocess.run([str(path), "discover", "--config", str(config)], capture_output=True,
                                 text=True, check=True).stdout
            names = {s["name"] for line in out.splitlines() if '"CATALOG"' in line
                     for s in json.loads(line)["catalog"]["streams"]}
            common = names if common is None else common & names
        for stream in a.streams.split(","):
            streams = sorted(common) if stream == "all" else [stream]
            cat = bench.rust_catalog(streams, OUT / f"catalog-{stream}.json")
            r = results[stream] = {"streams": len(streams), "cpu": {n: [] for n in bins},
                                   "records": {n: [] for n in bins}, "requests": {n: [] for n in bins},
                                   "load": []}
            for rnd in range(a.rounds):
                order = list(bins) if rnd % 2 == 0 else list(reversed(bins))
                for name in order:
                    r["load"].append(bench.loadavg())
                    sb.reset()
                    run = bench.Run([str(bins[name]), "read", "--config", str(config), "--catalog", str(cat)],
                                    None, set(), False, OUT / f"{stream}-{name}.err").go()
                    if run.rc != 0 or run.errors:
                        print(f"{name} {stream}: exit {run.rc} {run.errors[:1]}", file=sys.stderr)
                        failed = True
                    r["cpu"][name].append(run.cpu)
                    r["records"][name].append(run.counts["*"])
                    r["requests"][name].append(sb.stats()["api_requests"])
                    bench.log(f"{stream} {name} round {rnd}: {run.counts['*']} records, "
                              f"{r['requests'][name][-1]} requests, {run.cpu:.3f} s CPU, "
                              f"{run.wall:.1f} s wall, load {r['load'][-1]}")
            if len({n for v in r["records"].values() for n in v}) != 1:
                print(f"{stream}: record counts differ {r['records']}", file=sys.stderr)
                failed = True
    finally:
        sb.stop()
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    report(results, list(bins), a)
    return 1 if failed else 0


def report(results: dict, names: list[str], a) -> None:
    size = SCENARIOS[a.scenario]
    print(f"Sandbox: {a.scenario} ({size['users']} users, {size['calls']} calls over {size['days']} days), "
          f"{a.rounds} rounds, binaries alternating. CPU = user+sys of the connector (os.wait4).\n")
    others = [n for n in names if n != "before"]
    head = "| stream | records | " + " | ".join(f"CPU {n} (s, per run)" for n in names) + " | " + \
        " | ".join(f"µs/record {n} (median)" for n in names) + " | " + \
        " | ".join(f"{n}/before" for n in others) + " | requests " + " / ".join(names) + \
        " | load (1-min) |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for stream, r in results.items():
        recs = {n: r["records"][n][0] for n in names}  # each binary's own count, if they differ
        med = {n: statistics.median(r["cpu"][n]) for n in names}
        label = f"all ({r['streams']} streams)" if stream == "all" else stream
        loads = [float(x.split()[0]) for x in r["load"]]
        counts = " / ".join(f"{c:,}" for c in dict.fromkeys(recs.values()))
        print(f"| {label} | {counts} | "
              + " | ".join(" / ".join(f"{c:.3f}" for c in r["cpu"][n]) for n in names) + " | "
              + " | ".join(f"{med[n] / max(recs[n], 1) * 1e6:.1f}" for n in names) + " | "
              + " | ".join(f"{med[n] / recs[n] / (med['before'] / recs['before']):.2f}"
                           if med["before"] and recs[n] and recs["before"] else "–" for n in others)
              + " | " + " / ".join(str(r["requests"][n][0]) for n in names)
              + f" | {min(loads):.1f}–{max(loads):.1f} |")


if __name__ == "__main__":
    sys.exit(main())
