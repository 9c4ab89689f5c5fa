#!/usr/bin/env python3
"""Benchmark of source-gong against the local Gong sandbox (issue 6).

    python3 bench/run.py                      # everything at 100,000 calls (about 15-25 min on 2 cores)
    python3 bench/run.py --quick              # CI smoke: 5,000 calls, Rust connector only, fails only on errors
    python3 bench/run.py --only streams,python --calls 20000

Scenarios (--only, comma separated; default all):
  streams      `source-gong read` per stream, unthrottled: records, requests vs minimum, wall, CPU, RSS
  python       Airbyte's Python connector airbyte-source-gong==0.1.17 on the shared streams, same data
  bare         a bare loop (threads + http.client) fetching the same pages as calls / calls_extensive /
               call_transcripts, with the connector's concurrency: the physical limit
  ratelimited  sandbox at 3 req/s with 300-1500 ms latency, connector at its default budget (3/s)
  scaling      the per-stream runs again at --scaling-calls (default calls/10): peak RSS flat?

CPU seconds (user+sys) and peak RSS are the connector process's own (os.wait4 rusage), so they do not
include the sandbox or this script. Wall times include the sandbox's work on the shared cores: read them
with the load average printed next to them. The script exits 1 only when a connector run fails or
returns a record count different from the sandbox's dataset counts; never because of timing.
Results: target/bench/results.json and a markdown summary on stdout.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import company  # noqa: E402  (bench/company.py: the company scenarios of issue 13)

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench"
# The binaries are copied here after the build, so that another build of target/release during the
# run (the working tree is shared) cannot change what is being measured.
RELEASE = WORK / "bin"
VENV = ROOT / "target" / "bench-venv"
PY_CONNECTOR = "airbyte-source-gong==0.1.17"
ACCESS_KEY, SECRET = "sandbox-access-key", "sandbox-secret"
PAGE = 100
WINDOW_DAYS = 7  # connector default window_days
CONCURRENCY = 4  # connector default max_concurrent_requests
RUN_TIMEOUT = 3600  # seconds per connector run; --timeout
TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None  # GNU time, for clean rusage

# Streams read one per run; the rest share one run.
SEPARATE = ["users", "calls", "calls_extensive", "call_transcripts", "settings_scorecards",
            "stats_activity_scorecards"]
REST = ["workspaces", "stats_activity_aggregate", "stats_activity_day_by_day", "stats_interaction",
        "settings_trackers", "library_folders", "library_folder_content", "coaching"]
# Streams whose output is only counted (too big to parse in this process while the connector runs).
COUNT_ONLY = {"calls_extensive", "call_transcripts"}
# Rust stream -> Python connector stream (the streams both have).
SHARED = {"users": "users", "calls": "calls", "settings_scorecards": "scorecards",
          "stats_activity_scorecards": "answeredScorecards"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ceil_pages(n: int) -> int:
    """Pages one request chain needs: an empty partition still costs its (404 or empty) request."""
    return max(1, math.ceil(n / PAGE))


def parse_ts(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------------------------------------- sandbox
class Sandbox:
    def __init__(self, args: list[str], name: str):
        WORK.mkdir(parents=True, exist_ok=True)
        self.err = open(WORK / f"sandbox-{name}.err", "w")
        self.proc = subprocess.Popen([str(RELEASE / "gong-sandbox"), "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise SystemExit(f"gong-sandbox did not start: {line!r}")
        self.url = line.removeprefix("listening on ")
        self.host, port = self.url.removeprefix("http://").split(":")
        self.port = int(port)

    def admin(self, path: str, method: str = "GET"):
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def reset(self):
        self.admin("/sandbox/reset-stats", "POST")

    def stats(self) -> dict:
        return self.admin("/sandbox/stats")

    def cpu(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.err.close()


# ------------------------------------------------------------------------------------ measured process
class Run:
    """One connector process: stdout consumed here, rusage of the child from wait4."""

    def __init__(self, cmd: list[str], env: dict | None, parse_streams: set[str], python_format: bool,
                 stderr_path: Path):
        self.cmd, self.env, self.parse_streams = cmd, env, parse_streams
        self.python_format = python_format
        self.stderr_path = stderr_path
        self.counts: Counter = Counter()
        self.records: dict[str, list[dict]] = defaultdict(list)  # parsed records (parse_streams only)
        self.errors: list[str] = []

    def go(self) -> "Run":
        marker = b'"type": "RECORD"' if self.python_format else b'{"type":"RECORD"'
        err_marker = b'"type": "ERROR"' if self.python_format else b'"type":"ERROR"'
        # Peak RSS: Linux carries the parent's high-water mark into a child across fork+exec (the
        # mm replaced at exec hands its hiwater to signal->maxrss), so a child of this Python process
        # would report at least this process's RSS. /usr/bin/time, a small C process, forks the
        # connector instead and reports its own child's rusage.
        timefile = self.stderr_path.with_suffix(".time")
        cmd = self.cmd
        if TIME:
            cmd = [TIME, "-o", str(timefile), "-f", "%U %S %M", *self.cmd]
        with open(self.stderr_path, "wb") as err:
            t0 = time.monotonic()
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=self.env, bufsize=1 << 20,
                                 start_new_session=True)
            self.timed_out = False

            def kill():  # a hung connector (deadlock, lost wake-up) fails the run instead of hanging it
                self.timed_out = True
                try:
                    os.killpg(p.pid, 9)
                except ProcessLookupError:
                    pass
            watchdog = threading.Timer(RUN_TIMEOUT, kill)
            watchdog.start()
            if self.parse_streams:
                for line in p.stdout:
                    if line.startswith(marker) or (self.python_format and marker in line[:40]):
                        m = json.loads(line)
                        rec = m["record"]
                        self.counts[rec["stream"]] += 1
                        if rec["stream"] in self.parse_streams:
                            self.records[rec["stream"]].append(rec["data"])
                    elif err_marker in line:
                        self.errors.append(json.loads(line)["trace"]["error"]["message"][:500])
            else:
                # Count only: search 1 MiB chunks for the record marker (no per-line work).
                tail = b""
                n = 0
                while True:
                    chunk = p.stdout.read(1 << 20)
                    if not chunk:
                        break
                    buf = tail + chunk
                    n += buf.count(marker)
                    if err_marker in buf:
                        i = buf.find(err_marker)
                        self.errors.append(buf[max(0, i - 50): i + 400].decode("utf-8", "replace"))
                    keep = len(marker) - 1
                    tail = buf[-keep:]
                    # do not double count a marker inside the kept tail
                    n -= tail.count(marker)
                self.counts["*"] = n
            _, status, ru = os.wait4(p.pid, 0)
            self.wall = time.monotonic() - t0
            watchdog.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        self.rc = p.returncode
        self.user, self.sys, self.rss_mb = ru.ru_utime, ru.ru_stime, ru.ru_maxrss / 1024
        if self.timed_out:
            self.rc = p.returncode = 124
            self.errors.append(f"killed after {RUN_TIMEOUT} s (hung?)")
        if TIME and not self.timed_out:
            line = timefile.read_text().strip().splitlines()[-1].split()
            self.user, self.sys, self.rss_mb = float(line[0]), float(line[1]), int(line[2]) / 1024
            if self.rc != 0 and "exit status" in timefile.read_text():
                pass  # /usr/bin/time passes the child's exit code through
        self.cpu = self.user + self.sys
        return self


# ------------------------------------------------------------------------------------------- connector
def rust_config(sb: Sandbox, start: dt.datetime, path: Path, unthrottled: bool) -> Path:
    cfg = {"credentials": {"auth_type": "access_key", "access_key": ACCESS_KEY, "access_key_secret": SECRET},
           "base_url": sb.url, "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if unthrottled:
        cfg.update(requests_per_second=100_000, requests_per_day=100_000_000)
    path.write_text(json.dumps(cfg))
    return path


def rust_catalog(streams: list[str], path: Path) -> Path:
    path.write_text(json.dumps({"streams": [
        {"stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
         "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for s in streams]}))
    return path


def rust_read(sb: Sandbox, cfg: Path, streams: list[str], tag: str, keep_records: bool = True) -> dict:
    """keep_records=False only counts records (no per-line JSON parsing), so a slow reader never throttles
    the connector's wall time: the bare-loop comparison uses it."""
    cat = rust_catalog(streams, WORK / f"catalog-{tag}.json")
    parse = set(streams) - COUNT_ONLY if keep_records else set()
    sb.reset()
    cpu0, la = sb.cpu(), loadavg()
    run = Run([str(RELEASE / "source-gong"), "read", "--config", str(cfg), "--catalog", str(cat)],
              None, parse, False, WORK / f"stderr-{tag}.log").go()
    st = sb.stats()
    counts = dict(run.counts)
    if "*" in counts:  # count-only run of one stream
        counts = {streams[0]: counts.pop("*")}
    return {"tag": tag, "streams": streams, "rc": run.rc, "errors": run.errors, "counts": counts,
            "records": sum(counts.values()), "requests": st["api_requests"], "by_path": st["by_path"],
            "by_status": st["by_status"], "too_many_requests": st.get("too_many_requests", 0),
            "wall": run.wall, "cpu": run.cpu, "user": run.user, "sys": run.sys, "rss_mb": run.rss_mb,
            "sandbox_cpu": sb.cpu() - cpu0, "load_before": la, "load_after": loadavg(),
            "_records": run.records}


# -------------------------------------------------------------------------------------- minimum pages
class Minimum:
    """Minimum requests the API needs for the data, with the connector's partitioning (windows of
    window_days from start_date, one UTC day per stats request, workspace x manager x month for
    coaching, review-date windows for answered scorecards, one chain per workspace / folder)."""

    def __init__(self, start: dt.datetime, now: dt.datetime, counts: dict, calls: list[dict]):
        self.start, self.now, self.ds = start, now, counts
        self.windows = []
        t = start
        while t < now:
            self.windows.append((t, min(t + dt.timedelta(days=WINDOW_DAYS), now)))
            t = self.windows[-1][1]
        per = Counter()
        for c in calls:
            s = parse_ts(c["started"])
            per[int((s - start).total_seconds() // (WINDOW_DAYS * 86400))] += 1
        self.per_window = [per[i] for i in range(len(self.windows))]
        self.call_ids_by_window: list[list[str]] = [[] for _ in self.windows]
        for c in calls:
            i = int((parse_ts(c["started"]) - start).total_seconds() // (WINDOW_DAYS * 86400))
            if 0 <= i < len(self.windows):
                self.call_ids_by_window[i].append(str(c["id"]))

    def calls(self) -> int:
        return sum(ceil_pages(n) for n in self.per_window)

    def by_ids(self) -> int:  # listing per window + batches of 100 ids
        return self.calls() + sum(math.ceil(n / PAGE) for n in self.per_window)

    def days(self, records: list[dict]) -> int:
        per = Counter(r["fromDate"] for r in records)
        last_to = midnight(self.now.date()) - dt.timedelta(days=1)
        day, total = midnight(self.start.date()), 0
        while day + dt.timedelta(days=1) <= last_to:
            total += ceil_pages(per[day.strftime("%Y-%m-%d")])
            day += dt.timedelta(days=1)
        return total

    def review_windows(self, records: list[dict]) -> int:
        end_day = midnight(self.now.date()) + dt.timedelta(days=1)
        day = midnight(self.start.date())
        bounds = []
        while day < end_day:
            bounds.append((day, min(day + dt.timedelta(days=WINDOW_DAYS), end_day)))
            day = bounds[-1][1]
        per = Counter()
        for r in records:
            t = parse_ts(r["reviewTime"]).astimezone(dt.timezone.utc)
            for i, (a, b) in enumerate(bounds):
                if a <= t < b:
                    per[i] += 1
                    break
        return sum(ceil_pages(per[i]) for i in range(len(bounds)))

    def coaching(self, records: list[dict]) -> int:
        months, m = 0, dt.datetime(self.start.year, self.start.month, 1, tzinfo=dt.timezone.utc)
        today = midnight(self.now.date())
        while m < today:
            months += 1
            m = dt.datetime(m.year + (m.month == 12), m.month % 12 + 1, 1, tzinfo=dt.timezone.utc)
        per = Counter((r["workspaceId"], r["managerId"], r["from"]) for r in records)
        partitions = months * self.ds["workspaces"] * self.ds["managers"]
        extra = sum(ceil_pages(n) - 1 for n in per.values())
        return partitions + extra

    def stream(self, name: str, recs: dict[str, list[dict]], counts: dict) -> int:
        n = counts.get(name, 0)
        if name in ("users", "workspaces", "settings_scorecards", "settings_trackers"):
            return ceil_pages(n)
        if name in ("calls", "calls_extensive"):
            return self.calls()
        if name == "call_transcripts":
            return self.by_ids()
        if name.startswith("stats_activity_a") or name in ("stats_activity_day_by_day", "stats_interaction"):
            return self.days(recs[name])
        if name == "stats_activity_scorecards":
            return self.review_windows(recs[name])
        if name == "coaching":
            return self.coaching(recs[name])
        if name == "library_folders":
            per = Counter(r["workspaceId"] for r in recs[name])
            return sum(ceil_pages(per[w]) for w in per) + (self.ds["workspaces"] - len(per))
        if name == "library_folder_content":
            per = Counter(r["folderId"] for r in recs[name])
            return sum(ceil_pages(v) for v in per.values()) + (self.ds["library_folders"] - len(per))
        raise KeyError(name)

    def parents(self, streams: list[str]) -> int:
        """Parent lists a run needs that no selected stream already fetches."""
        need = 0
        wants_ws = any(s in streams for s in ("library_folders", "library_folder_content", "coaching"))
        if wants_ws and "workspaces" not in streams:
            need += 1
        if "library_folder_content" in streams and "library_folders" not in streams:
            need += self.ds["workspaces"]
        if "coaching" in streams and "users" not in streams:
            need += ceil_pages(self.ds["users"])
        return need


# ------------------------------------------------------------------------------------------- python
def python_candidates():
    """python3.10 / python3.9 on PATH, then pyenv's installs (its shims fail for versions not selected)."""
    for name in ("python3.10", "python3.9"):
        if shutil.which(name):
            yield shutil.which(name)
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for version in ("3.10", "3.9"):
        yield from sorted(str(p) for p in root.glob(f"versions/{version}.*/bin/python{version}"))


def runs(interp: str) -> bool:
    return subprocess.run([interp, "--version"], capture_output=True).returncode == 0


def python_env() -> Path:
    py = VENV / "bin" / "python"
    ok = py.exists() and subprocess.run([str(py), "-c", "import source_gong"], capture_output=True).returncode == 0
    if not ok:
        # airbyte-cdk 0.80.0 (pinned by the connector) does not import on Python 3.11+ (a dataclass with a
        # mutable default), and the package requires <3.12: build the venv with a 3.9/3.10 interpreter.
        interp = next((p for p in python_candidates() if runs(p)), None)
        if not interp:
            raise RuntimeError("the Python connector needs python3.10 or python3.9 (airbyte-cdk 0.80.0)")
        log(f"creating {VENV} with {interp} and installing {PY_CONNECTOR}")
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([interp, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", PY_CONNECTOR], check=True)
    return py


def python_package(sb: Sandbox) -> Path:
    """A temporary copy of source_gong whose manifest points at the sandbox."""
    py = python_env()
    src = Path(subprocess.run([str(py), "-c", "import source_gong,os;print(os.path.dirname(source_gong.__file__))"],
                              capture_output=True, text=True, check=True).stdout.strip())
    dst_root = WORK / "python-connector"
    shutil.rmtree(dst_root, ignore_errors=True)
    shutil.copytree(src, dst_root / "source_gong", ignore=shutil.ignore_patterns("__pycache__"))
    manifest = dst_root / "source_gong" / "manifest.yaml"
    text = manifest.read_text()
    assert "url_base: https://api.gong.io/v2/" in text
    text = text.replace("url_base: https://api.gong.io/v2/", f"url_base: {sb.url}/v2/")
    # Gong's OpenAPI document says callFromDate is YYYY-MM-DD; the manifest sends the whole start_date
    # (YYYY-MM-DDTHH:MM:SSZ, the pattern its spec requires), which the sandbox refuses with 400. Send its
    # date part so the answered-scorecards stream can be compared at all.
    old = """filter: '{"callFromDate": "{{ config["start_date"] }}"}'"""
    assert old in text, "answeredScorecards filter changed"
    text = text.replace(old, """filter: '{"callFromDate": "{{ config["start_date"][:10] }}"}'""")
    manifest.write_text(text)
    return dst_root


def python_read(sb: Sandbox, pkg_root: Path, start: dt.datetime, stream: str) -> dict:
    cfg = WORK / "python-config.json"
    cfg.write_text(json.dumps({"access_key": ACCESS_KEY, "access_key_secret": SECRET,
                               "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ")}))
    cat = rust_catalog([stream], WORK / f"python-catalog-{stream}.json")
    env = dict(os.environ, PYTHONPATH=str(pkg_root))
    sb.reset()
    cpu0, la = sb.cpu(), loadavg()
    run = Run([str(VENV / "bin" / "python"), "-c", "from source_gong.run import run; run()", "read",
               "--config", str(cfg), "--catalog", str(cat)], env, set(), True,
              WORK / f"stderr-python-{stream}.log").go()
    st = sb.stats()
    return {"stream": stream, "rc": run.rc, "errors": run.errors, "records": run.counts["*"],
            "requests": st["api_requests"], "by_status": st["by_status"], "wall": run.wall, "cpu": run.cpu,
            "rss_mb": run.rss_mb, "sandbox_cpu": sb.cpu() - cpu0, "load_before": la}


# ---------------------------------------------------------------------------------------- bare loop
def bare_chains(stream: str, mini: Minimum) -> list[tuple[str, str, dict | None]]:
    """The connector's request chains for a stream: (method, path with query, body)."""
    def q(t):
        return t.strftime("%Y-%m-%dT%H:%M:%SZ").replace(":", "%3A")
    chains = []
    for i, (a, b) in enumerate(mini.windows):
        if stream == "calls" or stream == "call_transcripts":
            chains.append(("GET", f"/v2/calls?fromDateTime={q(a)}&toDateTime={q(b)}", None))
        if stream == "calls_extensive":
            chains.append(("POST", "/v2/calls/extensive", {
                "filter": {"fromDateTime": a.strftime("%Y-%m-%dT%H:%M:%SZ"), "toDateTime": b.strftime("%Y-%m-%dT%H:%M:%SZ")},
                "contentSelector": {"context": "Extended", "contextTiming": ["Now", "TimeOfCall"],
                                    "exposedFields": {"parties": True, "media": True,
                                                      "content": {k: True for k in (
                                                          "structure", "topics", "trackers", "trackerOccurrences",
                                                          "pointsOfInterest", "brief", "outline", "highlights",
                                                          "callOutcome", "keyPoints")},
                                                      "interaction": {k: True for k in (
                                                          "speakers", "video", "personInteractionStats",
                                                          "questions")},
                                                      "collaboration": {"publicComments": True}}}}))
        if stream == "call_transcripts":
            ids = mini.call_ids_by_window[i]
            for j in range(0, len(ids), PAGE):
                chains.append(("POST", "/v2/calls/transcript", {"filter": {"callIds": ids[j:j + PAGE]}}))
    return chains


def bare_loop(sb: Sandbox, chains: list, threads: int) -> dict:
    """Fetch every chain's pages (following cursors) with `threads` keep-alive connections."""
    import base64
    auth = "Basic " + base64.b64encode(f"{ACCESS_KEY}:{SECRET}".encode()).decode()
    work: queue.Queue = queue.Queue()
    for c in chains:
        work.put(c)
    stats = {"pages": 0, "bytes": 0, "errors": 0}
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(sb.host, sb.port, timeout=120)
        while True:
            try:
                method, path, body = work.get_nowait()
            except queue.Empty:
                break
            cursor = None
            while True:
                p, b = path, body
                if cursor:
                    if method == "GET":
                        p = f"{path}&cursor={cursor}"
                    else:
                        b = dict(body, cursor=cursor)
                data = json.dumps(b).encode() if b is not None else None
                headers = {"Authorization": auth}
                if data is not None:
                    headers["Content-Type"] = "application/json"
                conn.request(method, p, body=data, headers=headers)
                r = conn.getresponse()
                payload = r.read()
                with lock:
                    stats["pages"] += 1
                    stats["bytes"] += len(payload)
                    stats["errors"] += r.status not in (200, 404)
                i = payload.find(b'"cursor":"', 0, 2000)
                if r.status != 200 or i < 0:
                    break
                j = payload.index(b'"', i + 10)
                cursor = payload[i + 10:j].decode()
        conn.close()

    sb.reset()
    cpu0, la = sb.cpu(), loadavg()
    r0 = os.times()
    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.monotonic() - t0
    r1 = os.times()
    st = sb.stats()
    return {"wall": wall, "cpu": (r1.user - r0.user) + (r1.system - r0.system), "requests": st["api_requests"],
            "pages": stats["pages"], "mbytes": stats["bytes"] / 1e6, "errors": stats["errors"],
            "sandbox_cpu": sb.cpu() - cpu0, "load_before": la}


# -------------------------------------------------------------------------------------------- report
def ratio(a, b, d=0, suffix="×"):
    """a / b formatted, or n/a when b is below the 10 ms resolution of the CPU figures."""
    return f"{a / b:,.{d}f}{suffix}" if b > 0 else "n/a"


def fmt(x, d=1):
    return f"{x:,.{d}f}" if isinstance(x, float) else f"{x:,}"


def streams_table(runs: list[dict], mini: Minimum | None, ds: dict) -> tuple[str, dict]:
    rows = ["| run | stream | records | requests | min pages | wall s | CPU s | peak RSS MB | records/CPU-s |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    tot = Counter()
    for r in runs:
        recs = r["_records"]
        mins = {s: mini.stream(s, recs, r["counts"]) for s in r["streams"]} if mini else {}
        min_total = sum(mins.values()) + (mini.parents(r["streams"]) if mini else 0)
        r["min_pages"] = min_total
        r["min_by_stream"] = mins
        label = r["streams"][0] if len(r["streams"]) == 1 else "rest (one run)"
        rows.append(f"| {r['tag']} | {label} | {fmt(r['records'])} | {fmt(r['requests'])} | {fmt(min_total)} | "
                    f"{r['wall']:.2f} | {r['cpu']:.2f} | {r['rss_mb']:.1f} | "
                    f"{fmt(r['records'] / r['cpu'], 0) if r['cpu'] else 'n/a (< 10 ms)'} |")
        if len(r["streams"]) > 1:
            for s in r["streams"]:
                req = sum(v for k, v in r["by_path"].items() if k.endswith(" " + stream_path(s)))
                rows.append(f"| | &nbsp;&nbsp;{s} | {fmt(r['counts'].get(s, 0))} | {fmt(req)}* | {fmt(mins.get(s, 0))} | | | | |")
        for k in ("records", "requests", "wall", "cpu"):
            tot[k] += r[k]
        tot["min"] += min_total
        tot["rss"] = max(tot["rss"], r["rss_mb"])
    rows.append(f"| **total** | | **{fmt(tot['records'])}** | **{fmt(tot['requests'])}** | **{fmt(tot['min'])}** | "
                f"**{tot['wall']:.2f}** | **{tot['cpu']:.2f}** | **{tot['rss']:.1f}** (max) | "
                f"**{fmt(tot['records'] / tot['cpu'] if tot['cpu'] else 0.0, 0)}** |")
    return "\n".join(rows), dict(tot)


def stream_path(s: str) -> str:
    return {"workspaces": "/v2/workspaces", "stats_activity_aggregate": "/v2/stats/activity/aggregate",
            "stats_activity_day_by_day": "/v2/stats/activity/day-by-day", "stats_interaction": "/v2/stats/interaction",
            "settings_trackers": "/v2/settings/trackers", "library_folders": "/v2/library/folders",
            "library_folder_content": "/v2/library/folder-content", "coaching": "/v2/coaching"}.get(s, "?")


def check_counts(runs: list[dict], ds: dict) -> list[str]:
    problems = []
    for r in runs:
        if r["rc"] != 0:
            problems.append(f"{r['tag']} {r['streams']}: exit code {r['rc']}: {r['errors'][:2]}")
        for s, n in r["counts"].items():
            if s in ds and ds[s] != n:
                problems.append(f"{s}: {n} records, the sandbox has {ds[s]}")
    return problems


def run_streams(sb: Sandbox, start: dt.datetime, tag: str) -> tuple[list[dict], dict]:
    cfg = rust_config(sb, start, WORK / f"config-{tag}.json", unthrottled=True)
    runs = []
    for s in SEPARATE:
        log(f"[{tag}] source-gong read {s} (load {loadavg()})")
        runs.append(rust_read(sb, cfg, [s], f"{tag}"))
    log(f"[{tag}] source-gong read rest: {', '.join(REST)}")
    runs.append(rust_read(sb, cfg, REST, f"{tag}"))
    return runs, cfg


def run_company(a, rev: str) -> int:
    """--scenario: one company's request economy (bench/company.py)."""
    t0 = time.monotonic()
    md, res, failures = company.run_scenario(a.scenario, RELEASE, WORK, per_stream=not a.no_per_stream)
    res.update(revision=rev, failures=failures, wall=time.monotonic() - t0)
    Path(a.out).write_text(json.dumps(res, indent=1, default=str))
    report = [f"## Request economy: `{a.scenario}` company, working tree `{rev}`, "
              f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC", "", *md]
    if failures:
        report += ["", "### FAILURES", *[f"- {f}" for f in failures]]
    print("\n".join(report))
    return 1 if failures else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--users", type=int, default=25)
    ap.add_argument("--quick", action="store_true", help="5,000 calls over 60 days, streams + bare only")
    ap.add_argument("--only", default="streams,python,bare,ratelimited,scaling")
    ap.add_argument("--scaling-calls", type=int, default=0, help="default calls/10")
    ap.add_argument("--rl-calls", type=int, default=3000)
    ap.add_argument("--rl-days", type=int, default=30)
    ap.add_argument("--scenario", choices=sorted(company.SCENARIOS),
                    help="a company's first sync and next day's incremental: requests per stream vs minimum "
                    "(bench/company.py); runs only that")
    ap.add_argument("--no-per-stream", action="store_true",
                    help="with --scenario: only the sync of every stream, not each stream alone")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--timeout", type=int, help="seconds per connector run before it counts as hung "
                    "(default 3600, 300 with --quick)")
    ap.add_argument("--work", help="working directory (default target/bench, target/bench-quick with --quick)")
    ap.add_argument("--out", help="results JSON (default WORK/results.json)")
    a = ap.parse_args()
    global WORK, RELEASE, RUN_TIMEOUT
    RUN_TIMEOUT = a.timeout or (300 if a.quick else 3600)
    if a.work:
        WORK = Path(a.work).resolve()
    elif a.quick:  # so that a CI smoke run never touches a full run's binaries or results
        WORK = ROOT / "target" / "bench-quick"
    RELEASE = WORK / "bin"
    if a.out is None:
        a.out = str(WORK / (f"company-{a.scenario}.json" if a.scenario else "results.json"))
    if a.quick:
        a.calls, a.days = 5000, 60
        if a.only == ap.get_default("only"):
            a.only = "streams,bare"
    only = set(a.only.split(","))
    WORK.mkdir(parents=True, exist_ok=True)
    if not a.no_build:
        log("cargo build --release --workspace --bins")
        subprocess.run(["cargo", "build", "--release", "--workspace", "--bins", "--quiet"], cwd=ROOT, check=True)
    RELEASE.mkdir(parents=True, exist_ok=True)
    for b in ("source-gong", "gong-sandbox"):
        shutil.copy2(ROOT / "target" / "release" / b, RELEASE / b)
    rev = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                         text=True).stdout.strip()
    if a.scenario:
        return run_company(a, rev)

    anchor = midnight(dt.datetime.now(dt.timezone.utc).date())
    results: dict = {"revision": rev, "calls": a.calls, "days": a.days, "users": a.users, "anchor": anchor.isoformat(),
                     "nproc": os.cpu_count(), "started_load": loadavg()}
    report: list[str] = [f"# source-gong benchmark: {a.calls:,} calls over {a.days} days, {a.users} users",
                         f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, working tree `{rev}` "
                         f"(binaries copied at the start of the run), {os.cpu_count()} cores, "
                         f"load average at start {loadavg()}"]
    failures: list[str] = []
    shown = [0]

    def checkpoint():
        """Save what we have (a later phase may fail) and echo the new report lines to stderr."""
        results["failures"] = failures
        Path(a.out).write_text(json.dumps(results, indent=1, default=str))
        log("\n".join(report[shown[0]:]))
        shown[0] = len(report)

    def dataset(calls: int, days: int, extra: list[str] = (), name: str = "main"):
        sb = Sandbox(["--calls", str(calls), "--days", str(days), "--users", str(a.users),
                      "--anchor", anchor.strftime("%Y-%m-%dT%H:%M:%SZ"), *extra], name)
        ds = sb.admin("/sandbox/dataset/counts")
        first = parse_ts(ds["first_call_started"]).astimezone(dt.timezone.utc)
        start = midnight(first.date()) - dt.timedelta(days=1)
        return sb, ds, start

    main_runs = None
    if only & {"streams", "python", "bare"}:
        sb, ds, start = dataset(a.calls, a.days)
        try:
            runs, cfg = run_streams(sb, start, "main") if "streams" in only or "bare" in only else ([], None)
            calls_recs = next((r["_records"]["calls"] for r in runs if r["streams"] == ["calls"]), [])
            mini = Minimum(start, dt.datetime.now(dt.timezone.utc), ds, calls_recs) if runs else None
            if runs:
                table, tot = streams_table(runs, mini, ds)
                report += ["", "## Rust connector, per stream (unthrottled: requests_per_second 100,000)", "",
                           f"start_date {start:%Y-%m-%d}; min pages = ceil(records/100) per partition "
                           "(an empty partition costs 1), with the connector's partitions. "
                           "* requests by path in the shared run.", "", table]
                failures += check_counts(runs, ds)
                main_runs = runs
                results["streams"] = [{k: v for k, v in r.items() if k != "_records"} for r in runs]
                results["streams_total"] = tot
                checkpoint()
            if "python" in only:
                pkg = python_package(sb)
                rows = ["| stream (Rust / Python) | records R / P | requests R / P | CPU s R / P | "
                        "CPU µs per record R / P | CPU ratio P/R per record | peak RSS MB R / P | RSS ratio P/R |",
                        "|---|---:|---:|---:|---:|---:|---:|---:|"]
                pres = []
                tr, tp = Counter(), Counter()
                for rs, ps in SHARED.items():
                    log(f"[python] {ps} (load {loadavg()})")
                    p = python_read(sb, pkg, start, ps)
                    pres.append(p)
                    r = next((x for x in (main_runs or []) if x["streams"] == [rs]), None)
                    if p["rc"] != 0:
                        rows.append(f"| {rs} / {ps} | failed: {p['errors'][:1]} | | | | | | |")
                        continue
                    if r is None:
                        continue
                    ur = r["cpu"] / max(r["records"], 1) * 1e6
                    up = p["cpu"] / max(p["records"], 1) * 1e6
                    rows.append(f"| {rs} / {ps} | {fmt(r['records'])} / {fmt(p['records'])} | "
                                f"{fmt(r['requests'])} / {fmt(p['requests'])} | {r['cpu']:.2f} / {p['cpu']:.2f} | "
                                f"{ur:,.0f} / {up:,.0f} | **{ratio(up, ur)}** | {r['rss_mb']:.1f} / {p['rss_mb']:.1f} | "
                                f"**{ratio(p['rss_mb'], r['rss_mb'], 1)}** |")
                    for k in ("records", "cpu"):
                        tr[k] += r[k]
                        tp[k] += p[k]
                    tr["rss"] = max(tr["rss"], r["rss_mb"])
                    tp["rss"] = max(tp["rss"], p["rss_mb"])
                if tr["records"] and tp["records"]:
                    ur, up = tr["cpu"] / tr["records"] * 1e6, tp["cpu"] / tp["records"] * 1e6
                    rows.append(f"| **shared streams** | {fmt(tr['records'])} / {fmt(tp['records'])} | | "
                                f"{tr['cpu']:.2f} / {tp['cpu']:.2f} | {ur:,.0f} / {up:,.0f} | **{ratio(up, ur)}** | "
                                f"{tr['rss']:.1f} / {tp['rss']:.1f} | **{ratio(tp['rss'], tr['rss'], 1)}** |")
                report += ["", f"## Versus Airbyte's Python connector ({PY_CONNECTOR}, Python 3.10, same sandbox)",
                           "", "Its manifest's url_base points at the sandbox, and callFromDate gets the date part "
                           "of start_date (see bench/README.md).", "", "\n".join(rows)]
                results["python"] = pres
                checkpoint()
            if "bare" in only and mini:
                rows = ["| stream | connector wall s | bare loop wall s | ratio | requests connector / bare | "
                        "connector CPU s | bare loop CPU s (Python) | sandbox CPU s connector / bare | load |",
                        "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
                bres = []
                for s in ("calls", "calls_extensive", "call_transcripts"):
                    log(f"[bare] {s} (load {loadavg()})")
                    b = bare_loop(sb, bare_chains(s, mini), CONCURRENCY)
                    r = next(x for x in main_runs if x["streams"] == [s])
                    # the connector again right after the bare loop, so both see the same machine load
                    r2 = rust_read(sb, cfg, [s], "bare-pair", keep_records=False)
                    b["stream"], b["connector_wall"], b["connector_cpu"] = s, r2["wall"], r2["cpu"]
                    b["connector_requests"], b["connector_sandbox_cpu"] = r2["requests"], r2["sandbox_cpu"]
                    bres.append(b)
                    rows.append(f"| {s} | {r2['wall']:.2f} | {b['wall']:.2f} | **{ratio(r2['wall'], b['wall'], 2)}** | "
                                f"{r2['requests']} / {b['requests']} | {r2['cpu']:.2f} | {b['cpu']:.2f} | "
                                f"{r2['sandbox_cpu']:.1f} / {b['sandbox_cpu']:.1f} | {b['load_before']} |")
                    if r2["rc"] != 0:
                        failures.append(f"bare-pair {s}: exit code {r2['rc']}")
                report += ["", f"## Unthrottled: connector vs a bare loop ({CONCURRENCY} keep-alive connections, "
                               "same request chains, bodies read and dropped)", "", "\n".join(rows)]
                results["bare"] = bres
                checkpoint()
        finally:
            sb.stop()

    if "scaling" in only and main_runs:
        n = a.scaling_calls or a.calls // 10
        sb, ds, start = dataset(n, a.days, name="scaling")
        try:
            runs, _ = run_streams(sb, start, "scaling")
            failures += check_counts(runs, ds)
        finally:
            sb.stop()
        rows = [f"| run | peak RSS MB at {n:,} calls | peak RSS MB at {a.calls:,} calls | CPU s small / large |",
                "|---|---:|---:|---:|"]
        for small, big in zip(runs, main_runs):
            label = small["streams"][0] if len(small["streams"]) == 1 else "rest (one run)"
            rows.append(f"| {label} | {small['rss_mb']:.1f} | {big['rss_mb']:.1f} | {small['cpu']:.2f} / {big['cpu']:.2f} |")
        report += ["", "## Scaling: peak RSS when the data grows 10×", "", "\n".join(rows)]
        results["scaling"] = [{k: v for k, v in r.items() if k != "_records"} for r in runs]
        checkpoint()

    if "ratelimited" in only:
        sb, ds, start = dataset(a.rl_calls, a.rl_days, ["--rate-limit", "3", "--latency-ms", "300-1500"], "ratelimited")
        try:
            cfg = rust_config(sb, start, WORK / "config-ratelimited.json", unthrottled=False)
            streams = SEPARATE + REST
            log(f"[ratelimited] every stream at the default budget (load {loadavg()})")
            r = rust_read(sb, cfg, streams, "ratelimited")
            failures += check_counts([r], ds)
        finally:
            sb.stop()
        ideal = r["requests"] / 3
        s429 = r["by_status"].get("429", 0)
        report += ["", "## Rate-limited: sandbox --rate-limit 3 --latency-ms 300-1500, connector at its default 3/s",
                   "", f"{a.rl_calls:,} calls over {a.rl_days} days, every stream in one read.", "",
                   "| records | requests | wall s | requests ÷ 3 s | wall / (requests ÷ 3) | 429s | CPU s | peak RSS MB | load |",
                   "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
                   f"| {fmt(r['records'])} | {fmt(r['requests'])} | {r['wall']:.1f} | {ideal:.1f} | "
                   f"**{ratio(r['wall'], ideal, 3, '')}** | **{s429}** | {r['cpu']:.2f} | {r['rss_mb']:.1f} | {r['load_before']} |"]
        results["ratelimited"] = {k: v for k, v in r.items() if k != "_records"}
        checkpoint()

    report += ["", f"load average at the end: {loadavg()}"]
    if failures:
        report += ["", "## FAILURES", *[f"- {f}" for f in failures]]
    results["failures"] = failures
    Path(a.out).write_text(json.dumps(results, indent=1, default=str))
    print("\n".join(report))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
