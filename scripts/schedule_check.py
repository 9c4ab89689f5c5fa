"""Quick schedule check (issue 23): mid-size company (1,000 users, 100 managers, 25,000 calls over a year),
every stream incremental, default config, runs at 09:00-12:00 on day 1 and 09:00-10:00 on days 2-5 with
SOURCE_GONG_NOW; prints requests per run and per day and the deferred streams.

Run: cargo build --release && python3 scripts/schedule_check.py. The sandbox's own clock does not move with
SOURCE_GONG_NOW, so from the third simulated day the stats streams fail on a toDate after the sandbox's today
(a sandbox artifact; the schedule benchmark in bench/ moves both clocks)."""
import json, subprocess, sys, time, datetime as dt, re, os
from pathlib import Path
W = Path(__file__).resolve().parent.parent / "target" / "release"
import tempfile
D = Path(tempfile.mkdtemp(prefix="schedule-check-"))
anchor = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
sb = subprocess.Popen([str(W / "gong-sandbox"), "--port", "0", "--users", "1000", "--managers", "100",
                       "--calls", "25000", "--days", "365", "--anchor", anchor.isoformat().replace("+00:00", "Z")],
                      stdout=subprocess.PIPE, text=True)
line = sb.stdout.readline()
m = re.search(r"http://[0-9.:]+", line)
base = m.group(0)
cfg = {"credentials": {"auth_type": "access_key", "access_key": "sandbox-access-key", "access_key_secret": "sandbox-secret"},
       "base_url": base, "requests_per_second": 1000}
(D / "config.json").write_text(json.dumps(cfg))
out = subprocess.run([str(W / "source-gong"), "discover", "--config", str(D / "config.json")], capture_output=True, text=True).stdout
cat = json.loads([l for l in out.splitlines() if '"CATALOG"' in l][0])["catalog"]["streams"]
conf = {"streams": [{"stream": s, "sync_mode": "incremental", "destination_sync_mode": "append_dedup",
                     "cursor_field": s.get("default_cursor_field", []), "primary_key": s["source_defined_primary_key"]} for s in cat]}
(D / "catalog.json").write_text(json.dumps(conf))
states = {}
schedule = [(1, h) for h in (9, 10, 11, 12)] + [(d, h) for d in (2, 3, 4, 5) for h in (9, 10)]
per_day = {}
for day, hour in schedule:
    now = anchor + dt.timedelta(days=day - 1, hours=hour)
    (D / "state.json").write_text(json.dumps(list(states.values())))
    env = dict(os.environ, SOURCE_GONG_NOW=now.isoformat().replace("+00:00", "Z"))
    t = time.time()
    p = subprocess.run([str(W / "source-gong"), "read", "--config", str(D / "config.json"), "--catalog", str(D / "catalog.json"),
                        "--state", str(D / "state.json")], capture_output=True, text=True, env=env)
    el = time.time() - t
    reqs, deferred, recs, errors = 0, set(), {}, 0
    for l in p.stdout.splitlines():
        msg = json.loads(l)
        if msg["type"] == "STATE":
            states[msg["state"]["stream"]["stream_descriptor"]["name"]] = msg["state"]
        elif msg["type"] == "RECORD":
            recs[msg["record"]["stream"]] = recs.get(msg["record"]["stream"], 0) + 1
        elif msg["type"] == "LOG":
            mm = re.match(r"Read \d+ records from \d+ streams with (\d+) requests", msg["log"]["message"])
            if mm: reqs = int(mm.group(1))
        elif msg["type"] == "TRACE" and msg["trace"]["type"] == "STREAM_STATUS" and msg["trace"]["stream_status"].get("reasons"):
            deferred.add(msg["trace"]["stream_status"]["stream_descriptor"]["name"])
        elif msg["type"] == "TRACE" and msg["trace"]["type"] == "ERROR":
            errors += 1
    per_day[day] = per_day.get(day, 0) + reqs
    print(f"day {day} {hour:02d}:00  exit {p.returncode}  requests {reqs:5d}  records {sum(recs.values()):6d}  errors {errors}  {el:5.1f}s  deferred: {','.join(sorted(deferred)) or '-'}", flush=True)
print("requests per day:", per_day)
for l in p.stdout.splitlines():
    m=json.loads(l)
    if m["type"]=="TRACE" and m["trace"]["type"]=="ERROR": print(m["trace"]["error"]["message"][:400])
sb.terminate()
