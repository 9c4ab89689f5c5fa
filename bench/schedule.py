#!/usr/bin/env python3
"""A connection on a schedule: every stream, default config, synced hourly for simulated days.

    python3 bench/schedule.py --scenario schedule-midsize   # 1,000 users, 100 managers, 25,000 calls a year
    python3 bench/schedule.py --scenario schedule-large     # 5,000 users, 500 managers, 125,000 calls a year
    python3 bench/schedule.py --scenario schedule-smoke     # 60 users, 2 days x 3 runs: the machinery, seconds
    python3 bench/schedule.py --scenario schedule-large --hourly-days 1,2   # the other days: one run each

One sandbox holds the company (generated once, anchored at today 00:00Z, calls over the 365 days before the
first simulated day and over the simulated days themselves). Its clock (`POST /sandbox/clock`) starts at the
first simulated day's 00:00Z and moves one hour before each run: a call appears once Gong has processed it
(its end + 30 min to 4 h), stats days close, reviews and log events happen, so data arrives as it would.
Each run is `source-gong read` with:

* every stream of `discover`, incremental where supported (what a new connection selects by default);
* the default config except `start_date` = the first simulated day - 365 days (the connector's own default
  on the first run, written out so later runs keep it, as a saved config does) and `requests_per_second`
  1,000 (pace only: the sandbox has no per-second limit; the daily budget `requests_per_day` keeps its
  default and counts requests whatever their pace);
* the connector's time = the clock: `SOURCE_GONG_NOW` (the connector's test clock) by default;
  `--connector-time faketime` adds libfaketime (package `faketime`), for measuring an older connector that
  does not read the variable (an `end_date` = the clock is not enough for such a connector: it takes the
  closed stats days from its real clock, includes the clock's own day, and Gong refuses a stats `toDate`
  after today);
* the state the platform would pass: the last STATE of each stream over every earlier run.

Per simulated day it prints runs, API requests (the sandbox's counters, reset before each run), their share of
Gong's 10,000 a day, and the largest run; per stream, when its history was complete (distinct primary keys
emitted so far >= the sandbox's `/sandbox/dataset/counts` at the run's clock); and the freshness of calls and
transcripts: for each call processed during the day, the time from its processing to the run that first
emitted its record (`GET /sandbox/dataset/calls` gives each call's processing time).

Days not in `--hourly-days` get a single run at 23:00 (as if the connection ran once that day); their row says
so and is not a day's cost of the hourly schedule. Exit 1 if a run fails, if a record names a call not yet
processed at the run's clock, or (with `--require-complete`, the smoke's default) if the history is not
complete by the last run. Results: target/bench/schedule-NAME.json and markdown on stdout.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import company  # noqa: E402  (bench/company.py: the sandbox wrapper, discover catalog)

ROOT = Path(__file__).resolve().parent.parent
# libfaketime (Debian/Ubuntu package `faketime`), set by main() unless --connector-time env.
FAKETIME: str | None = None
FAKETIME_PATHS = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                  "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1"]
QUOTA = 10_000
LONG = 8192  # record lines longer than this get their key by regex once checked (History.stub)
CHECKED = 20  # long records per stream parsed in full to check the regex
YEAR = 365

# calls per year as the issue states them; the dataset spans the year before day 1 plus the simulated days.
SCENARIOS = {
    "schedule-midsize": {"users": 1000, "managers": 100, "workspaces": 2, "calls_per_year": 25_000,
                         "days": 7, "runs_per_day": 24, "require_complete": False},
    "schedule-large": {"users": 5000, "managers": 500, "workspaces": 2, "calls_per_year": 125_000,
                       "days": 7, "runs_per_day": 24, "require_complete": False},
    "schedule-smoke": {"users": 60, "managers": 6, "workspaces": 2, "calls_per_year": 1_500,
                       "days": 2, "runs_per_day": 3, "require_complete": True},
}
# Streams whose records are keyed by call: freshness and the "no call from the future" check.
CALL_STREAMS = ("calls", "call_transcripts")
# /sandbox/dataset/counts key per stream, where the count is the stream's distinct records.
COUNT_KEYS = {
    "users": "users", "workspaces": "workspaces", "calls": "calls", "calls_extensive": "calls_extensive",
    "call_transcripts": "call_transcripts", "settings_scorecards": "settings_scorecards",
    "settings_trackers": "settings_trackers", "library_folders": "library_folders",
    "library_folder_content": "library_folder_content", "stats_activity_scorecards": "stats_activity_scorecards",
    "user_settings_history": "user_settings_history", "call_users_access": "call_users_access",
    "calls_manual_crm_associations": "calls_manual_crm_associations", "permission_profiles": "permission_profiles",
    "permission_profile_users": "permission_profile_users", "flows": "flows", "crm_integrations": "crm_integrations",
    "logs": "logs",  # an object: events per log type
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_ts(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def post_json(sb: company.CompanySandbox, path: str, body: dict):
    req = urllib.request.Request(sb.url + path, method="POST", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def dig(v, path: list[str]):
    for p in path:
        v = v.get(p) if isinstance(v, dict) else None
    return v


class History:
    """What the destination holds: distinct primary keys per stream, and when each call was first emitted."""

    def __init__(self, streams: list[dict]):
        self.pk = {s["stream"]["name"]: s["stream"].get("source_defined_primary_key") or [] for s in streams}
        self.keys: dict[str, set] = defaultdict(set)
        self.first_seen: dict[str, dict[str, dt.datetime]] = {s: {} for s in CALL_STREAMS}
        self.checked: Counter = Counter()
        self.slow: set[str] = set()
        self.by_regex: Counter = Counter()

    def add(self, stream: str, data: dict, clock: dt.datetime) -> str | None:
        """Adds a record; returns its call id for the call-keyed streams."""
        pk = self.pk.get(stream) or []
        key = json.dumps([dig(data, p) for p in pk]) if pk else json.dumps(data, sort_keys=True)
        self.keys[stream].add(key)
        if stream in CALL_STREAMS:
            cid = str(dig(data, pk[0]) if pk else data.get("id"))
            self.first_seen[stream].setdefault(cid, clock)
            return cid
        return None

    def stub(self, stream: str, line: bytes, checking: bool = False) -> dict | None:
        """For a long record line, the record's single-field primary key found by a regex near the start
        of `data`, as a dict with just that path (parsing 10,000 pages of extensive calls and transcripts in
        this process would take longer than the sync); None when not found or not checked yet. The first
        `CHECKED` long records of each stream are parsed too and must agree, else the stream is parsed."""
        pk = self.pk.get(stream) or []
        if len(pk) != 1 or stream in self.slow or (self.checked[stream] < CHECKED and not checking):
            return None
        head = line[line.find(b'"data":'):][:4096]
        m = re.search(rb'"%s":\s*(?:"([^"]*)"|(-?\d+))' % re.escape(pk[0][-1].encode()), head)
        if not m:
            return None
        v = (m.group(1) if m.group(1) is not None else m.group(2)).decode()
        out: dict = {}
        node = out
        for p in pk[0][:-1]:
            node = node.setdefault(p, {})
        node[pk[0][-1]] = v if m.group(1) is not None else int(v)
        self.by_regex[stream] += not checking
        return out

    def check(self, stream: str, line: bytes, data: dict):
        """Counts a long record parsed in full; the regex must have found the same key."""
        pk = self.pk.get(stream) or []
        if len(pk) != 1 or stream in self.slow or self.checked[stream] >= CHECKED:
            return
        self.checked[stream] += 1
        s = self.stub(stream, line, checking=True)
        if s is None or dig(s, pk[0]) != dig(data, pk[0]):
            self.slow.add(stream)
            log(f"{stream}: key not found by the regex, every record parsed")


def read(binary: Path, cfg: Path, streams: list[dict], state: dict, clock: dt.datetime, work: Path,
         tag: str, sb: company.CompanySandbox, hist: History, processed: dict) -> dict:
    """One scheduled run: records into `hist`, STATEs into `state`, the sandbox's request counters."""
    cat = work / "catalog.json"
    cat.write_text(json.dumps({"streams": streams}))
    cmd = [str(binary), "read", "--config", str(cfg), "--catalog", str(cat)]
    if state:
        sp = work / "state-in.json"
        sp.write_text(json.dumps(list(state.values())))
        cmd += ["--state", str(sp)]
    env = dict(os.environ, SOURCE_GONG_NOW=iso(clock))
    if FAKETIME:
        # libfaketime: the connector's real-time clock reads the simulated time (monotonic time, its
        # timers and timeouts, stays real).
        offset = round((clock - dt.datetime.now(dt.timezone.utc)).total_seconds())
        env.update(LD_PRELOAD=FAKETIME, FAKETIME=f"{offset:+d}", FAKETIME_DONT_FAKE_MONOTONIC="1")
    sb.admin("/sandbox/reset-stats", "POST")
    records, errors, future = Counter(), [], []
    t0 = time.monotonic()
    with open(work / f"stderr-{tag}.log", "wb") as err, open(work / f"log-{tag}.txt", "w") as log:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, bufsize=1 << 20)
        for line in p.stdout:
            head = line[:80]
            if b'"RECORD"' in head:
                i = head.find(b'"stream":"')
                stream = head[i + 10: head.index(b'"', i + 10)].decode()
                data = hist.stub(stream, line) if len(line) > LONG else None
                if data is None:
                    data = json.loads(line)["record"]["data"]
                    if len(line) > LONG:
                        hist.check(stream, line, data)
                records[stream] += 1
                cid = hist.add(stream, data, clock)
                if cid is not None and processed.get(cid, clock) > clock:
                    future.append(f"{stream} {cid}")
            elif b'"STATE"' in head:
                s = json.loads(line)["state"]
                state[s["stream"]["stream_descriptor"]["name"]] = s
            elif b'"LOG"' in head:
                print(json.loads(line)["log"]["message"], file=log)
            elif b'"TRACE"' in head and b'"ERROR"' in head:
                errors.append(json.loads(line)["trace"]["error"]["message"][:300])
        rc = p.wait()
    stats = sb.admin("/sandbox/stats")
    return {"tag": tag, "clock": iso(clock), "rc": rc, "wall": round(time.monotonic() - t0, 1),
            "records": dict(records), "errors": errors, "future_records": future[:20],
            "requests": stats["api_requests"], "by_path": stats["by_path"], "by_status": stats["by_status"]}


def config(sb: company.CompanySandbox, start: dt.datetime, path: Path) -> Path:
    cfg = {"credentials": {"auth_type": "access_key", "access_key": company.ACCESS_KEY,
                           "access_key_secret": company.SECRET},
           "base_url": sb.url, "start_date": iso(start), "requests_per_second": 1000}
    path.write_text(json.dumps(cfg))
    return path


def completeness(hist: History, counts: dict) -> dict[str, tuple[int, int]]:
    """(distinct emitted, dataset count) per stream that has a count."""
    out = {}
    for stream, key in COUNT_KEYS.items():
        n = counts.get(key)
        n = sum(n.values()) if isinstance(n, dict) else n
        if stream in hist.pk and isinstance(n, int):
            out[stream] = (len(hist.keys.get(stream, ())), n)
    return out


def freshness(hist: History, processed: dict, lo: dt.datetime, hi: dt.datetime) -> dict:
    """For calls processed in (lo, hi]: hours from processing to first emission, per call-keyed stream."""
    due = [cid for cid, t in processed.items() if lo < t <= hi]
    out = {"processed": len(due)}
    for s in CALL_STREAMS:
        seen = hist.first_seen[s]
        hours = sorted((seen[c] - processed[c]).total_seconds() / 3600 for c in due if c in seen)
        out[s] = {"emitted": len(hours), "not_yet": len(due) - len(hours),
                  "median_h": round(statistics.median(hours), 2) if hours else None,
                  "p90_h": round(hours[int(0.9 * (len(hours) - 1))], 2) if hours else None,
                  "max_h": round(hours[-1], 2) if hours else None}
    return out


def schedule(a, size: dict) -> tuple[list[dict], dict, list[str]]:
    """Runs the schedule; returns (per-run results, summary, failures)."""
    work = ROOT / "target" / "bench" / a.scenario
    work.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    anchor = dt.datetime(now.year, now.month, now.day, tzinfo=dt.timezone.utc)
    first = anchor - dt.timedelta(days=size["days"])
    start = first - dt.timedelta(days=YEAR)
    span = YEAR + size["days"]
    dataset = dict(size, calls=round(size["calls_per_year"] * span / YEAR), days=span)
    sb = company.CompanySandbox(a.bin / "gong-sandbox", work, dataset, anchor)
    failures: list[str] = []
    runs: list[dict] = []
    try:
        post_json(sb, "/sandbox/clock", {"now": iso(first)})
        processed = {c["id"]: parse_ts(c["processed"]) for c in sb.admin("/sandbox/dataset/calls")["calls"]}
        binary = a.bin / "source-gong"
        cfg = config(sb, start, work / "config.json")
        streams = company.catalog(binary, cfg, work)
        hist, state = History(streams), {}
        step = dt.timedelta(hours=24 / size["runs_per_day"])
        for d in range(1, size["days"] + 1):
            day0 = first + dt.timedelta(days=d - 1)
            hourly = a.hourly_days is None or d in a.hourly_days
            clocks = [day0 + i * step for i in range(size["runs_per_day"])] if hourly else [day0 + dt.timedelta(hours=23)]
            for i, clock in enumerate(clocks):
                if a.max_runs and len(runs) >= a.max_runs:
                    break
                post_json(sb, "/sandbox/clock", {"now": iso(clock)})
                counts = sb.admin("/sandbox/dataset/counts")
                r = read(binary, cfg, streams, state, clock, work, f"d{d}-{i:02}", sb, hist, processed)
                r.update(day=d, hourly=hourly, complete=completeness(hist, counts))
                runs.append(r)
                log(f"[{a.scenario}] day {d} {clock:%H:%M} rc {r['rc']} requests {r['requests']:,} "
                    f"wall {r['wall']} s")
                if r["rc"] != 0:
                    failures.append(f"day {d} {clock:%H:%M}: exit code {r['rc']}: {r['errors'][:2]}")
                if r["future_records"]:
                    failures.append(f"day {d} {clock:%H:%M}: records of calls not processed yet: "
                                    f"{r['future_records'][:3]}")
        summary = {"scenario": a.scenario, "dataset": dataset, "anchor": iso(anchor), "first_day": iso(first),
                   "start_date": iso(start), "connector_time": "faketime" if FAKETIME else "SOURCE_GONG_NOW",
                   "streams": len(streams),
                   "freshness": {d: freshness(hist, processed, first + dt.timedelta(days=d - 1),
                                              first + dt.timedelta(days=d)) for d in sorted({r["day"] for r in runs})},
                   "keys_by_regex": dict(hist.by_regex), "keys_parsed_in_full": sorted(hist.slow),
                   "last_week_on_day1": last_week(hist, processed, [r for r in runs if r["day"] == 1][-1])}
    finally:
        sb.stop()
    return runs, summary, failures


def last_week(hist: History, processed: dict, run: dict) -> dict:
    """Calls started in the 7 days before day 1's last run and processed by it: how many lack a record."""
    clock = parse_ts(run["clock"])
    due = [c for c, t in processed.items() if t <= clock and t > clock - dt.timedelta(days=7)]
    return {s: {"due": len(due), "missing": sum(1 for c in due if hist.first_seen[s].get(c, clock + dt.timedelta(1)) > clock)}
            for s in CALL_STREAMS}


def report(a, runs: list[dict], summary: dict, rev: str) -> list[str]:
    ds = summary["dataset"]
    md = [f"## Schedule: `{a.scenario}`, working tree `{rev}`, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
          "",
          f"{ds['users']:,} users, {ds['managers']} managers, {ds['workspaces']} workspaces, {ds['calls']:,} calls "
          f"over {ds['days']} days (≈ {ds['calls_per_year']:,} a year) ending at the anchor {summary['anchor']}; "
          f"day 1 = {summary['first_day']}; {summary['streams']} streams (every stream of discover, incremental "
          f"where supported); start_date {summary['start_date']}, requests_per_second 1,000, the rest default; "
          f"the connector's time = the clock ({summary['connector_time']}).", "",
          "| simulated day | runs | API requests | share of 10,000 | largest run | failed runs | "
          "history complete (streams with a count) |", "|---|---|---:|---:|---:|---:|---|"]
    for d in sorted({r["day"] for r in runs}):
        rs = [r for r in runs if r["day"] == d]
        req = sum(r["requests"] for r in rs)
        last = rs[-1]["complete"]
        done = sum(1 for e, c in last.values() if e >= c)
        per_day = a.runs_per_day
        if not rs[0]["hourly"]:
            kind = "1 (23:00 only, not the day's scheduled cost)"
        elif len(rs) < per_day:
            kind = f"first {len(rs)} of {per_day} (--max-runs: a lower bound of the day)"
        else:
            kind = f"{len(rs)} (every {24 / per_day:g} h)"
        md.append(f"| {d} | {kind} | {req:,} | {req / QUOTA:.0%} | {max(r['requests'] for r in rs):,} | "
                  f"{sum(1 for r in rs if r['rc'] != 0)} | {done} of {len(last)} |")
    md += ["", "History per stream: the first run after which the distinct records emitted reached the sandbox's "
           "count at that run's clock (`–`: not by the last run; emitted / count at the last run).", "",
           "| stream | complete at | emitted / count (last run) |", "|---|---|---:|"]
    for s in sorted(runs[-1]["complete"]):
        at = next((f"day {r['day']} {r['clock'][11:16]}" for r in runs if r["complete"][s][0] >= r["complete"][s][1]),
                  "–")
        e, c = runs[-1]["complete"][s]
        md.append(f"| {s} | {at} | {e:,} / {c:,} |")
    md += ["", "Freshness: calls processed during each day, hours from processing to the run that first emitted "
           "the record (median / p90 / max), and how many had no record by the last run.", "",
           "| day | calls processed | calls: median / p90 / max h | not emitted | call_transcripts: median / p90 / "
           "max h | not emitted |", "|---|---:|---|---:|---|---:|"]
    for d, f in summary["freshness"].items():
        c, t = f["calls"], f["call_transcripts"]
        md.append(f"| {d} | {f['processed']:,} | {c['median_h']} / {c['p90_h']} / {c['max_h']} | {c['not_yet']:,} | "
                  f"{t['median_h']} / {t['p90_h']} / {t['max_h']} | {t['not_yet']:,} |")
    lw = summary["last_week_on_day1"]
    md += ["", "Day 1's last run, calls processed in the 7 days before it: " + "; ".join(
        f"{s} {v['due'] - v['missing']:,} of {v['due']:,} emitted" for s, v in lw.items()) + "."]
    by_path = Counter()
    for r in runs:
        by_path.update({k: v for k, v in r["by_path"].items() if "/v2/" in k})
    md += ["", "Requests by path over every run:", "", "| path | requests |", "|---|---:|"]
    md += [f"| {k} | {v:,} |" for k, v in sorted(by_path.items())]
    md += ["", f"Wall: {sum(r['wall'] for r in runs):,.0f} s of connector runs."]
    return md


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", choices=sorted(SCENARIOS), required=True)
    ap.add_argument("--hourly-days", help="comma-separated simulated days run hourly (default: every day); "
                    "the others get one run at 23:00")
    ap.add_argument("--days", type=int, help="simulated days (default: the scenario's)")
    ap.add_argument("--connector-time", choices=["faketime", "env"], default="env",
                    help="how the connector learns the simulated time: the SOURCE_GONG_NOW variable (default), "
                    "or also libfaketime (an older connector that does not read it; needs the `faketime` package)")
    ap.add_argument("--require-complete", action="store_true", help="exit 1 unless the history is complete by "
                    "the last run (the smoke's default)")
    ap.add_argument("--max-runs", type=int, help="stop after this many runs (the last day is then partial)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--out", help="results JSON (default target/bench/SCENARIO.json)")
    a = ap.parse_args()
    size = dict(SCENARIOS[a.scenario])
    if a.days:
        size["days"] = a.days
    a.runs_per_day = size["runs_per_day"]
    a.hourly_days = {int(x) for x in a.hourly_days.split(",")} if a.hourly_days else None
    global FAKETIME
    if a.connector_time == "faketime":
        FAKETIME = next((p for p in FAKETIME_PATHS if Path(p).exists()), None)
        if FAKETIME is None:
            log("libfaketime not found (apt-get install faketime), or pass --connector-time env")
            return 2
    if not a.no_build:
        log("cargo build --release --workspace --bins")
        subprocess.run(["cargo", "build", "--release", "--quiet", "--workspace", "--bins"],
                       cwd=ROOT, check=True)
    # copied, so that another build of target/release during the run cannot change what is measured
    a.bin = ROOT / "target" / "bench" / f"{a.scenario}-bin"
    a.bin.mkdir(parents=True, exist_ok=True)
    for b in ("source-gong", "gong-sandbox"):
        shutil.copy2(ROOT / "target" / "release" / b, a.bin / b)
    rev = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                         text=True).stdout.strip()
    runs, summary, failures = schedule(a, size)
    last = runs[-1]["complete"]
    # A stream's history is complete once some run's records reached the count at that run's clock; later
    # data of a stream on a daily cadence waits for its next read, so the last run is not the test.
    never = [s for s in last if not any(e >= c for e, c in (r["complete"].get(s, (0, 1)) for r in runs))]
    if (a.require_complete or size["require_complete"]) and never:
        failures.append("history never complete: " + ", ".join(
            f"{s} {last[s][0]}/{last[s][1]}" for s in sorted(never)))
    out = Path(a.out or ROOT / "target" / "bench" / f"{a.scenario}.json")
    out.write_text(json.dumps({"revision": rev, "summary": summary, "runs": runs, "failures": failures},
                              indent=1, default=str))
    md = report(a, runs, summary, rev)
    if failures:
        md += ["", "### FAILURES", *[f"- {f}" for f in failures]]
    print("\n".join(md))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
