"""Deletion sweep (issue 25): requests per day and the memory's size in the state.

    python3 bench/deletions.py [--release target/release] [--only 25000x1,25000x3,...]

For each company (1,000 users, 100 managers, 2 workspaces; 25,000 or 100,000 calls a year; 1 or 3 years of
history, the sandbox's calls spread evenly over them), with the connector's default config (lookback 3
days, `deletion_sweep_days` 7, `propagate_deletes` on) except an unlimited request rate, `calls` selected
incrementally (the sweep lists the same weeks whichever call-keyed streams are selected):

1. the first sync (no state): the sweep lists every week once, building its memory;
2. "a day later, a week after that": the first sync's STATE with the memory's last-sweep time moved back
   one day and every week's listing day moved back seven days (the sandbox's clock cannot move; only the
   dates the cadence reads are moved), so the sweep lists the recent weeks and the seventh of the history
   due that day: the cost of a day's first sync;
3. a sync right after 2, from its STATE: the recent weeks only: the cost of each further sync that day.

Requests are the connector's own count in its LOG line "Deletion sweep: N weeks listed with X requests";
requests a day = (2) for a daily schedule, (2) + 23 x (3) for an hourly one. The state size is the bytes of
the `calls` stream's final stream_state after sync 1 (compact JSON), and of its `deletions` memory alone.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import tempfile
from pathlib import Path

from company import ACCESS_KEY, SECRET, CompanySandbox, iso

SWEEP = re.compile(r"Deletion sweep: (\d+) weeks listed with (\d+) requests; (\d+) calls")


def sync(binary: Path, cfg: Path, catalog: Path, state: list | None, work: Path, tag: str) -> dict:
    cmd = [str(binary), "read", "--config", str(cfg), "--catalog", str(catalog)]
    if state is not None:
        path = work / f"state-{tag}.json"
        path.write_text(json.dumps(state))
        cmd += ["--state", str(path)]
    states, sweep = {}, None
    with open(work / f"stderr-{tag}.log", "wb") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, bufsize=1 << 20)
        for line in p.stdout:
            head = line[:80]
            if b'"STATE"' in head:
                s = json.loads(line)["state"]
                states[s["stream"]["stream_descriptor"]["name"]] = s
            elif b'"LOG"' in head and b"Deletion sweep:" in line:
                m = SWEEP.search(json.loads(line)["log"]["message"])
                sweep = {"weeks": int(m[1]), "requests": int(m[2]), "deleted": int(m[3])}
        rc = p.wait()
    if rc != 0 or sweep is None:
        raise SystemExit(f"{tag}: exit {rc}, sweep line {sweep}; see {work}/stderr-{tag}.log")
    return {"states": states, "sweep": sweep}


def shifted(states: dict) -> list:
    """The STATEs with the memory's dates moved: last sweep a day back, each week's listing 7 days back."""
    out = json.loads(json.dumps(list(states.values())))
    for s in out:
        memory = s["stream"]["stream_state"].get("deletions")
        if not memory:
            continue
        at = dt.datetime.fromisoformat(memory["at"].replace("Z", "+00:00")) - dt.timedelta(days=1)
        memory["at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        for week in memory["weeks"]:
            week[1] = (dt.date.fromisoformat(week[1]) - dt.timedelta(days=7)).isoformat()
    return out


def scenario(release: Path, per_year: int, years: int, work: Path) -> dict:
    anchor = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    size = {"users": 1000, "managers": 100, "workspaces": 2, "calls": per_year * years,
            "days": 365 * years}
    sb = CompanySandbox(release / "gong-sandbox", work, size, anchor)
    try:
        cfg = work / "config.json"
        cfg.write_text(json.dumps({
            "credentials": {"auth_type": "access_key", "access_key": ACCESS_KEY, "access_key_secret": SECRET},
            "base_url": sb.url, "start_date": iso(anchor - dt.timedelta(days=365 * years)),
            "requests_per_second": 100_000, "requests_per_day": 100_000_000}))
        discovered = subprocess.run([str(release / "source-gong"), "discover", "--config", str(cfg)],
                                    capture_output=True, check=True).stdout.splitlines()
        streams = next(json.loads(l) for l in discovered if b'"CATALOG"' in l)["catalog"]["streams"]
        calls = next(s for s in streams if s["name"] == "calls")
        catalog = work / "catalog.json"
        catalog.write_text(json.dumps({"streams": [{"stream": calls, "sync_mode": "incremental",
                                                    "destination_sync_mode": "append_dedup"}]}))
        binary = release / "source-gong"
        first = sync(binary, cfg, catalog, None, work, "first")
        state = first["states"]["calls"]["stream"]["stream_state"]
        day = sync(binary, cfg, catalog, shifted(first["states"]), work, "day")
        again = sync(binary, cfg, catalog, list(day["states"].values()), work, "again")
        return {
            "calls": per_year * years, "per_year": per_year, "years": years,
            "first": first["sweep"], "day": day["sweep"], "again": again["sweep"],
            "daily": day["sweep"]["requests"],
            "hourly": day["sweep"]["requests"] + 23 * again["sweep"]["requests"],
            "state_bytes": len(json.dumps(state, separators=(",", ":"))),
            "memory_bytes": len(json.dumps(state.get("deletions"), separators=(",", ":"))),
        }
    finally:
        sb.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--release", default="target/release")
    ap.add_argument("--only", default="25000x1,25000x3,100000x1,100000x3")
    a = ap.parse_args()
    rows = []
    for item in a.only.split(","):
        per_year, years = (int(x) for x in item.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            r = scenario(Path(a.release).resolve(), per_year, years, Path(tmp))
        print(json.dumps(r), flush=True)
        rows.append(r)
    print("\n| calls a year | years | calls | first sync: weeks / requests | a day's first sync | each "
          "further sync | requests a day, daily / hourly | state of `calls` | of which memory | bytes a call |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['per_year']:,} | {r['years']} | {r['calls']:,} | {r['first']['weeks']} / "
              f"{r['first']['requests']:,} | {r['day']['requests']} ({r['day']['weeks']} weeks) | "
              f"{r['again']['requests']} ({r['again']['weeks']} weeks) | {r['daily']} / {r['hourly']:,} | "
              f"{r['state_bytes']:,} B | {r['memory_bytes']:,} B | {r['memory_bytes'] / r['calls']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
