"""Request economy on a simulated company (issue 13): `python3 bench/run.py --scenario midsize|large`.

A company scenario starts `gong-sandbox` with the company's size (users, managers, workspaces, calls over
365 days, `--rate-limit 0`), then runs, with the connector's default config except an unlimited budget
(`requests_per_second` 100,000, `requests_per_day` 100,000,000, so that the figures are what a sync
*needs*, not what a budget allowed), every stream of `discover` (incremental where supported):

1. the full first sync, as if run yesterday: `end_date` = the anchor (today 00:00Z) - 2 days;
2. the next day's incremental sync from the first sync's final STATEs: `end_date` = anchor - 1 day.

Why end dates rather than moving the sandbox's anchor: the dataset is generated relative to its anchor,
so a new anchor would move every call (a different company, not the next day of the same one). With end
dates, both syncs see one dataset, and the second one sees exactly one more day: one more closed stats
day (the connector reads stats up to min(end_date, the day before yesterday)), one more day of calls, and
the coaching month re-read. Calls after `end_date` exist in the sandbox but no sync asks for them.

Each sync is run once with every stream (its total is the real cost, shared lists counted once) and once
per stream alone (requests per stream, exact: the sandbox's `/sandbox/stats` counters are reset before
each run). The per-stream runs include the parent lists a stream needs (workspaces, users, the calls
listing of transcripts), so their sum is higher than the combined run.

Minimum pages (what the data needs, computed from the sandbox's answers to the bench's own requests before
the runs, never from what the connector did), per stream at its granularity, with the widest range Gong
accepts (Gong documents no maximum range for calls, transcripts or stats):
* users: ceil(users/100); workspaces, settings_scorecards, settings_trackers: 1 each;
  library_folders: one per workspace (a folder carries no workspace id, so the request names it);
  library_folder_content: one per folder;
* calls, calls_extensive: ceil(calls in [start, end)/100), one range; call_transcripts: the same (the
  call ids and `callStarted` come from the calls pages); call_media: 0 (its URLs come with the extensive
  pages when they ask for media), ceil(calls/100) alone;
* stats_activity_aggregate: aggregate-by-period DAY over the whole range, and
  stats_activity_day_by_day: day-by-day over the whole range: ceil(users with activity in the range/100);
* stats_interaction: Gong returns range totals only, so one request chain per period of the stream's
  granularity: sum over periods of ceil(users with interaction stats in the period/100); printed for day,
  week and month (an empty period counts 0: it needs at most one request to find out);
* stats_activity_scorecards: ceil(answered scorecards reviewed in the range/100);
* coaching: workspaces x managers with reports x calendar months of the range (no paging).
The incremental sync's minimum uses the new range only (the day between the two end dates, the current
month for coaching); the lookback re-reads are the connector's choice, not the data's need.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import math
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

PAGE = 100
DAILY_QUOTA = 10_000
ACCESS_KEY, SECRET = "sandbox-access-key", "sandbox-secret"

SCENARIOS = {
    "midsize": {"users": 1000, "managers": 100, "workspaces": 2, "calls": 25_000, "days": 365},
    "large": {"users": 5000, "managers": 500, "workspaces": 2, "calls": 125_000, "days": 365},
    # a few seconds: checks the scenario machinery itself
    "smoke": {"users": 60, "managers": 6, "workspaces": 2, "calls": 1_500, "days": 365},
}

# The sandbox route each stream's own requests go to (for the combined run's by-path breakdown).
PATHS = {
    "users": "GET /v2/users", "workspaces": "GET /v2/workspaces", "calls": "GET /v2/calls",
    "calls_extensive": "POST /v2/calls/extensive", "call_transcripts": "POST /v2/calls/transcript",
    "call_media": "POST /v2/calls/extensive", "settings_scorecards": "GET /v2/settings/scorecards",
    "settings_trackers": "GET /v2/settings/trackers", "library_folders": "GET /v2/library/folders",
    "library_folder_content": "GET /v2/library/folder-content", "coaching": "GET /v2/coaching",
    "stats_activity_scorecards": "POST /v2/stats/activity/scorecards",
    "stats_activity_aggregate": "POST /v2/stats/activity/aggregate-by-period",
    "stats_activity_day_by_day": "POST /v2/stats/activity/day-by-day",
    "stats_interaction": "POST /v2/stats/interaction",
}


def log(*a):
    import sys
    print(*a, file=sys.stderr, flush=True)


def pages(n: int) -> int:
    return math.ceil(n / PAGE)


def day(t: dt.datetime) -> dt.date:
    return t.astimezone(dt.timezone.utc).date()


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------- sandbox
class CompanySandbox:
    def __init__(self, binary: Path, work: Path, size: dict, anchor: dt.datetime):
        args = [str(binary), "--port", "0", "--rate-limit", "0", "--anchor", iso(anchor)]
        for k in ("users", "managers", "workspaces", "calls", "days"):
            args += [f"--{k}", str(size[k])]
        self.err = open(work / "sandbox-company.err", "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise SystemExit(f"gong-sandbox did not start: {line!r}")
        self.url = line.removeprefix("listening on ")
        self.auth = "Basic " + base64.b64encode(f"{ACCESS_KEY}:{SECRET}".encode()).decode()

    def admin(self, path: str, method: str = "GET"):
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"null")

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, method=method, data=data,
                                     headers={"Authorization": self.auth, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def total(self, method: str, path: str, body: dict | None = None) -> int:
        """totalRecords of a request (0 for Gong's 404-as-empty)."""
        status, v = self.api(method, path, body)
        if status == 404:
            return 0
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status} {v}")
        return v["records"]["totalRecords"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.err.close()


# ---------------------------------------------------------------------------------------- minimum pages
def months(a: dt.date, b: dt.date) -> int:
    """Calendar months that intersect [a, b)."""
    if a >= b:
        return 0
    last = b - dt.timedelta(days=1)
    return (last.year - a.year) * 12 + last.month - a.month + 1


def periods(a: dt.date, b: dt.date, unit: str) -> list[tuple[dt.date, dt.date]]:
    out, t = [], a
    while t < b:
        if unit == "day":
            n = t + dt.timedelta(days=1)
        elif unit == "week":
            n = t + dt.timedelta(days=7 - t.weekday())
        else:
            n = dt.date(t.year + (t.month == 12), t.month % 12 + 1, 1)
        out.append((t, min(n, b)))
        t = out[-1][1]
    return out


def minimum(sb: CompanySandbox, counts: dict, start: dt.datetime, end: dt.datetime,
            stats_from: dt.date, stats_to: dt.date, coaching_from: dt.date) -> dict:
    """Minimum pages per stream for calls in [start, end), stats days in [stats_from, stats_to) and
    coaching months from coaching_from's month to end's day (see the module doc)."""
    calls = sb.total("GET", f"/v2/calls?fromDateTime={iso(start)}&toDateTime={iso(end)}")
    rng = {"fromDate": str(stats_from), "toDate": str(stats_to)}
    active = sb.total("POST", "/v2/stats/activity/aggregate-by-period",
                      {"filter": rng, "aggregationPeriod": "DAY"}) if stats_from < stats_to else 0
    interaction = {}
    for unit in ("day", "week", "month"):
        interaction[unit] = sum(pages(sb.total("POST", "/v2/stats/interaction",
                                               {"filter": {"fromDate": str(a), "toDate": str(b)}}))
                                for a, b in periods(stats_from, stats_to, unit))
    # for reference: the same streams in calendar-month windows (bounded pages, bounded checkpoints)
    monthly = sum(pages(sb.total("POST", "/v2/stats/activity/aggregate-by-period",
                                 {"filter": {"fromDate": str(a), "toDate": str(b)}, "aggregationPeriod": "DAY"}))
                  for a, b in periods(stats_from, stats_to, "month"))
    answered = sb.total("POST", "/v2/stats/activity/scorecards",
                        {"filter": {"reviewFromDate": str(day(start)), "reviewToDate": str(day(end))}})
    coaching = counts["workspaces"] * counts["managers"] * months(coaching_from, day(end))
    return {
        "users": pages(counts["users"]), "workspaces": 1, "settings_scorecards": 1, "settings_trackers": 1,
        "library_folders": counts["workspaces"], "library_folder_content": counts["library_folders"],
        "calls": pages(calls), "calls_extensive": pages(calls), "call_transcripts": pages(calls),
        "call_media": 0, "stats_activity_aggregate": pages(active), "stats_activity_day_by_day": pages(active),
        "stats_interaction": interaction["week"], "stats_activity_scorecards": pages(answered),
        "coaching": coaching,
        "_notes": {"calls": calls, "active_users": active, "answered": answered, "activity_monthly": monthly,
                   "interaction_by_period": interaction},
    }


# ------------------------------------------------------------------------------------------- connector
def catalog(binary: Path, config: Path, work: Path) -> list[dict]:
    """Every stream of `discover`, incremental where the stream supports it."""
    out = subprocess.run([str(binary), "discover", "--config", str(config)], capture_output=True, check=True)
    for line in out.stdout.splitlines():
        m = json.loads(line)
        if m.get("type") == "CATALOG":
            return [{"stream": s, "sync_mode": "incremental" if "incremental" in s["supported_sync_modes"]
                     else "full_refresh", "destination_sync_mode": "append"} for s in m["catalog"]["streams"]]
    raise RuntimeError("discover printed no catalog")


def read(binary: Path, config: Path, streams: list[dict], state: list | None, work: Path, tag: str,
         sb: CompanySandbox) -> dict:
    """One `read`: records per stream, final STATE per stream, sandbox request counters."""
    cat = work / f"catalog-{tag}.json"
    cat.write_text(json.dumps({"streams": streams}))
    cmd = [str(binary), "read", "--config", str(config), "--catalog", str(cat)]
    if state is not None:
        st = work / f"state-in-{tag}.json"
        st.write_text(json.dumps(state))
        cmd += ["--state", str(st)]
    sb.admin("/sandbox/reset-stats", "POST")
    records, states, errors = Counter(), {}, []
    t0 = time.monotonic()
    with open(work / f"stderr-{tag}.log", "wb") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, bufsize=1 << 20)
        for line in p.stdout:
            head = line[:120]
            if b'"RECORD"' in head:
                i = head.find(b'"stream":"')
                records[head[i + 10: head.index(b'"', i + 10)].decode()] += 1
            elif b'"STATE"' in head:
                s = json.loads(line)["state"]
                states[s["stream"]["stream_descriptor"]["name"]] = s
            elif b'"TRACE"' in head and b'"ERROR"' in head:
                errors.append(json.loads(line)["trace"]["error"]["message"][:300])
        rc = p.wait()
    stats = sb.admin("/sandbox/stats")
    return {"tag": tag, "rc": rc, "wall": time.monotonic() - t0, "records": dict(records), "errors": errors,
            "states": states, "requests": stats["api_requests"], "by_path": stats["by_path"],
            "by_status": stats["by_status"]}


def config(sb: CompanySandbox, end: dt.datetime, path: Path) -> Path:
    path.write_text(json.dumps({
        "credentials": {"auth_type": "access_key", "access_key": ACCESS_KEY, "access_key_secret": SECRET},
        "base_url": sb.url, "end_date": iso(end),
        "requests_per_second": 100_000, "requests_per_day": 100_000_000}))
    return path


# -------------------------------------------------------------------------------------------- scenario
def sync_pair(binary: Path, sb: CompanySandbox, streams: list[dict], work: Path, anchor: dt.datetime,
              only: str | None) -> tuple[dict, dict]:
    """The first sync (end = anchor - 2 d) and the next day's incremental from its STATEs."""
    tag = only or "all"
    chosen = [s for s in streams if only is None or s["stream"]["name"] == only]
    first = read(binary, config(sb, anchor - dt.timedelta(days=2), work / "config-first.json"), chosen,
                 None, work, f"first-{tag}", sb)
    state = list(first["states"].values())
    nxt = read(binary, config(sb, anchor - dt.timedelta(days=1), work / "config-next.json"), chosen,
               state, work, f"next-{tag}", sb)
    return first, nxt


def table(names: list[str], alone: dict, combined: tuple[dict, dict], mins: tuple[dict, dict]) -> list[str]:
    rows = ["| stream | records (first) | requests first sync | min pages | requests / min | "
            "requests next day | min pages next day |", "|---|---:|---:|---:|---:|---:|---:|"]
    tot = Counter()
    for n in names:
        f, x = alone[n]
        # Streams whose minimum company.py does not compute yet show 0 ("–" or "shared").
        mf, mx = mins[0].get(n, 0), mins[1].get(n, 0)
        ratio = f"{f['requests'] / mf:.2f}" if mf else ("–" if not f["requests"] else "shared")
        rows.append(f"| {n} | {f['records'].get(n, 0):,} | {f['requests']:,} | {mf:,} | {ratio} | "
                    f"{x['requests']:,} | {mx:,} |")
        tot["f"] += f["requests"]
        tot["x"] += x["requests"]
        tot["mf"] += mf
        tot["mx"] += mx
    rows.append(f"| sum of the per-stream runs | | {tot['f']:,} | {tot['mf']:,} | {tot['f'] / max(tot['mf'], 1):.2f} | "
                f"{tot['x']:,} | {tot['mx']:,} |")
    cf, cx = combined
    rows.append(f"| **one sync of every stream** | {sum(cf['records'].values()):,} | **{cf['requests']:,}** "
                f"({cf['requests'] / DAILY_QUOTA:.0%} of 10,000/day) | {tot['mf']:,} | "
                f"{cf['requests'] / max(tot['mf'], 1):.2f} | **{cx['requests']:,}** "
                f"({cx['requests'] / DAILY_QUOTA:.0%}) | {tot['mx']:,} |")
    return rows


def run_scenario(name: str, release: Path, work: Path, per_stream: bool = True) -> tuple[list[str], dict, list[str]]:
    """Runs one company scenario; returns (markdown lines, results, failures)."""
    size = SCENARIOS[name]
    work = work / f"company-{name}"
    work.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    anchor = dt.datetime(now.year, now.month, now.day, tzinfo=dt.timezone.utc)
    sb = CompanySandbox(release / "gong-sandbox", work, size, anchor)
    failures: list[str] = []
    try:
        counts = sb.admin("/sandbox/dataset/counts")
        binary = release / "source-gong"
        streams = catalog(binary, config(sb, anchor, work / "config-discover.json"), work)
        names = [s["stream"]["name"] for s in streams]
        # The connector's default start_date is one year before it runs; the stats days it reads end at
        # min(end_date, the day before yesterday).
        start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=365)
        e1, e2 = anchor - dt.timedelta(days=2), anchor - dt.timedelta(days=1)
        mins = (minimum(sb, counts, start, e1, day(start), day(e1), day(start)),
                minimum(sb, counts, e1, e2, day(e1), day(e2), day(e1).replace(day=1)))
        log(f"[{name}] first sync and next day, every stream")
        combined = sync_pair(binary, sb, streams, work, anchor, None)
        alone = {}
        if per_stream:
            for n in names:
                log(f"[{name}] first sync and next day, {n} alone")
                alone[n] = sync_pair(binary, sb, streams, work, anchor, n)
        for r in [*combined, *(x for pair in alone.values() for x in pair)]:
            if r["rc"] != 0:
                failures.append(f"{name} {r['tag']}: exit code {r['rc']}: {r['errors'][:2]}")
    finally:
        sb.stop()
    md = [f"### `{name}`: {size['users']:,} users, {counts['managers']} managers, {size['workspaces']} workspaces, "
          f"{size['calls']:,} calls over {size['days']} days",
          "",
          f"Anchor {anchor:%Y-%m-%d}; first sync end_date {e1:%Y-%m-%d}, next day's end_date {e2:%Y-%m-%d}; "
          f"start_date the connector's default (one year ago). Active users in the stats range: "
          f"{mins[0]['_notes']['active_users']:,}; calls in range: {mins[0]['_notes']['calls']:,}; "
          f"stats_interaction minimum by period: day {mins[0]['_notes']['interaction_by_period']['day']:,}, "
          f"week {mins[0]['_notes']['interaction_by_period']['week']:,}, "
          f"month {mins[0]['_notes']['interaction_by_period']['month']:,}. In calendar-month windows "
          f"(≤ 31 days) the activity streams' minimum is {mins[0]['_notes']['activity_monthly']:,} pages each.",
          ""]
    if alone:
        md += table(names, alone, combined, mins)
    else:
        need = [sum(v for k, v in m.items() if not k.startswith("_")) for m in mins]
        md.append(f"One sync of every stream: first sync **{combined[0]['requests']:,}** API requests "
                  f"({combined[0]['requests'] / DAILY_QUOTA:.0%} of 10,000/day; minimum pages {need[0]:,}), "
                  f"next day **{combined[1]['requests']:,}** (minimum {need[1]:,}). Minimum per stream: "
                  + ", ".join(f"{k} {v:,}" for k, v in mins[0].items() if not k.startswith("_")) + ".")
    md += ["", "Requests by path in the sync of every stream (first / next day; `/media/` requests are the "
           "recordings' size probes of call_media, not API requests):", "",
           "| path | first sync | next day |", "|---|---:|---:|"]
    for path in sorted(set(combined[0]["by_path"]) | set(combined[1]["by_path"])):
        if "/v2/" not in path and "/media/" not in path:
            continue  # the bench's own admin requests
        md.append(f"| {path} | {combined[0]['by_path'].get(path, 0):,} | {combined[1]['by_path'].get(path, 0):,} |")
    md += ["", f"Wall: first sync {combined[0]['wall']:.0f} s, next day {combined[1]['wall']:.0f} s "
           f"(unthrottled; at 3 requests/s the first sync would take {combined[0]['requests'] / 3 / 60:.0f} min)."]
    results = {"scenario": name, "size": size, "counts": counts, "anchor": anchor.isoformat(),
               "minimum": mins, "combined": [strip(r) for r in combined],
               "alone": {n: [strip(r) for r in pair] for n, pair in alone.items()}}
    return md, results, failures


def strip(r: dict) -> dict:
    return {k: v for k, v in r.items() if k != "states"}
