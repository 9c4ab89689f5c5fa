#!/usr/bin/env python3
"""call_media alone, first sync, on a company scenario: wall time and requests with the recordings'
size probes on and off (`call_media_probe`), and optionally with another binary (e.g. the build before
a change), all against one sandbox.

    python3 bench/media_probes.py                                  # midsize; probes on, then off
    python3 bench/media_probes.py --before /tmp/source-gong-old    # adds a run of that binary (probes on)
    python3 bench/media_probes.py --repeat 2 --scenario smoke
    python3 bench/media_probes.py --media-latency-ms 20-60 --media-refuse-head   # an S3-like media host

`--media-latency-ms` delays each media-host answer (an object store's first-byte latency; the sandbox
answers /media/* at once otherwise); `--media-refuse-head` makes it answer HEAD with 403 as S3 does for a
URL presigned for GET. Each run resets the sandbox's counters, then reads call_media (incremental, no state) with the bench's
unthrottled config (bench/company.py) and end_date = the anchor - 2 days, as the scenario's first sync.
Prints one markdown row per run: wall seconds, records, API requests (`/v2/*`), media-host requests by
method (`/media/*`: the probes), the load average. Exit code 1 when a run fails or a run's record count
differs from the first run's.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import company  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"


class MediaSandbox(company.CompanySandbox):
    """The scenario's sandbox with the media host's latency and HEAD policy."""

    def __init__(self, binary: Path, work: Path, size: dict, anchor: dt.datetime, extra: list[str]):
        args = [str(binary), "--port", "0", "--rate-limit", "0", "--anchor", company.iso(anchor), *extra]
        for k in ("users", "managers", "workspaces", "calls", "days"):
            args += [f"--{k}", str(size[k])]
        self.err = open(work / "sandbox-media.err", "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise SystemExit(f"gong-sandbox did not start: {line!r}")
        self.url = line.removeprefix("listening on ")
        self.auth = "Basic " + base64.b64encode(f"{company.ACCESS_KEY}:{company.SECRET}".encode()).decode()


def media_stream(binary: Path, cfg: Path, work: Path) -> list[dict]:
    return [s for s in company.catalog(binary, cfg, work) if s["stream"]["name"] == "call_media"]


def one_run(binary: Path, sb: company.CompanySandbox, anchor: dt.datetime, probe: bool | None,
            work: Path, tag: str) -> dict:
    cfg = company.config(sb, anchor - dt.timedelta(days=2), work / f"config-{tag}.json")
    if probe is not None:
        c = json.loads(cfg.read_text())
        c["call_media_probe"] = probe
        cfg.write_text(json.dumps(c))
    r = company.read(binary, cfg, media_stream(binary, cfg, work), None, work, tag, sb)
    media = {k: v for k, v in r["by_path"].items() if "/media/" in k}
    api = sum(v for k, v in r["by_path"].items() if "/v2/" in k)
    return {"tag": tag, "rc": r["rc"], "errors": r["errors"][:2], "wall": r["wall"],
            "records": r["records"].get("call_media", 0), "api": api, "media": media,
            "load": os.getloadavg()[0]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="midsize", choices=sorted(company.SCENARIOS))
    ap.add_argument("--before", help="another source-gong binary to time too (probes as it does them)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--media-latency-ms", default="0", help="N or MIN-MAX before each media-host answer")
    ap.add_argument("--media-refuse-head", action="store_true", help="the media host answers HEAD with 403")
    ap.add_argument("--work", default=str(ROOT / "target" / "bench" / "media-probes"))
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    anchor = dt.datetime(now.year, now.month, now.day, tzinfo=dt.timezone.utc)
    extra = ["--media-latency-ms", a.media_latency_ms] + (["--media-refuse-head"] if a.media_refuse_head else [])
    sb = MediaSandbox(RELEASE / "gong-sandbox", work, company.SCENARIOS[a.scenario], anchor, extra)
    runs = []
    try:
        plan = []
        for i in range(a.repeat):
            if a.before:
                plan.append((Path(a.before), None, f"before-{i}"))
            plan += [(RELEASE / "source-gong", True, f"probe-on-{i}"), (RELEASE / "source-gong", False, f"probe-off-{i}")]
        for binary, probe, tag in plan:
            company.log(f"[media-probes] {tag}")
            runs.append(one_run(binary, sb, anchor, probe, work, tag))
    finally:
        sb.stop()
    print(f"call_media alone, first sync, `{a.scenario}` company (anchor {anchor:%Y-%m-%d}), media host: "
          f"latency {a.media_latency_ms} ms, HEAD {'refused' if a.media_refuse_head else 'answered'}\n")
    print("| run | wall s | records | API requests | media-host requests | load avg (1 min) |")
    print("|---|---:|---:|---:|---|---:|")
    for r in runs:
        media = ", ".join(f"{k} {v:,}" for k, v in sorted(r["media"].items())) or "0"
        print(f"| {r['tag']} | {r['wall']:.1f} | {r['records']:,} | {r['api']:,} | {media} | {r['load']:.1f} |")
    (work / "results.json").write_text(json.dumps(runs, indent=1))
    bad = [r for r in runs if r["rc"] != 0 or r["records"] != runs[0]["records"]]
    for r in bad:
        print(f"FAILED {r['tag']}: rc {r['rc']}, {r['records']} records, {r['errors']}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
