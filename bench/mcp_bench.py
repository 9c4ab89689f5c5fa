#!/usr/bin/env python3
"""CPU per tool call: `source-gong mcp` (one long-running server) against one `source-gong execute`
process per call, on the same sandbox data and the same calls.

    python3 bench/mcp_bench.py [--calls N] [--no-build] [--seed-python PYTHON]

The server is driven with plain JSON-RPC lines over its stdin/stdout (no client library, so the
client's own cost is not counted). Its CPU is its rusage (user + system) at exit: a first server is
started, initialized and closed (its start-up), a second one serves every call; the CPU per call is
the second's minus the first's, divided by the calls. Each `execute` is a fresh process: its CPU
is the children's rusage (user + system) around it, start-up included, as an agent calling a CLI pays.

With --seed-python (a Python >= 3.13 with `airbyte-agent-gong` installed), the seed's package is
measured too. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target/release/source-gong"
SANDBOX = ROOT / "target/release/gong-sandbox"


def start_sandbox() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [str(SANDBOX), "--port", "0", "--calls", "300", "--users", "25", "--days", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    line = proc.stdout.readline()
    url = re.search(r"listening on (http://\S+)", line).group(1).rstrip("/")
    return proc, url


def workload(users: list[str]) -> list[tuple[str, str, dict]]:
    """The calls measured: small lists and gets, the kind an agent makes."""
    calls = [("users", "list", {}), ("workspaces", "list", {}), ("settings_trackers", "list", {})]
    calls += [("users", "get", {"id": u}) for u in users[:5]]
    return calls


class Server:
    def __init__(self, config: Path) -> None:
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [str(BIN), "mcp", "--config", str(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.next_id = 0
        self.request("initialize", {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"},
        })
        self.notify("notifications/initialized")
        self.startup_wall = time.monotonic() - t0

    def notify(self, method: str) -> None:
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": method}) + "\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer or answer.get("result", {}).get("isError"):
            raise RuntimeError(f"{method} failed: {str(answer)[:300]}")
        return answer["result"]

    def close(self) -> float:
        """Ends the server; returns its whole CPU time (rusage, microsecond resolution)."""
        self.proc.stdin.close()
        _, _, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = 0
        return usage.ru_utime + usage.ru_stime


def run_execute(config: Path, entity: str, action: str, params: dict) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [str(BIN), "execute", "--config", str(config), entity, action, json.dumps(params)],
        capture_output=True, text=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout[:300])
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


SEED_SCRIPT = r"""
import asyncio, json, resource, sys, time
t0 = time.monotonic(); r0 = resource.getrusage(resource.RUSAGE_SELF)
from airbyte_agent_gong import GongConnector
from airbyte_agent_gong.connector_model import GongConnectorModel
from airbyte_agent_gong.models import GongAccessKeyAuthenticationAuthConfig
cfg = json.loads(sys.argv[1]); calls = json.loads(sys.argv[2]); rounds = int(sys.argv[3])
GongConnectorModel.base_url = cfg["base_url"]  # the sandbox instead of api.gong.io
async def main():
    connector = GongConnector(auth_config=GongAccessKeyAuthenticationAuthConfig(
        access_key=cfg["access_key"], access_key_secret=cfg["access_key_secret"]))
    await connector.execute("users", "list", {})  # warm: the first call builds the HTTP client
    r1 = resource.getrusage(resource.RUSAGE_SELF); t1 = time.monotonic()
    for _ in range(rounds):
        for entity, action, params in calls:
            await connector.execute(entity, action, params)
    r2 = resource.getrusage(resource.RUSAGE_SELF); t2 = time.monotonic()
    cpu = lambda a, b: (b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime)
    print(json.dumps({"startup_cpu": cpu(r0, r1), "startup_wall": t1 - t0,
                      "cpu": cpu(r1, r2), "wall": t2 - t1}))
asyncio.run(main())
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=25, help="times the workload is repeated")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--seed-python", help="a Python >= 3.13 with airbyte-agent-gong installed")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--workspace", "--bins", "--quiet"],
                       cwd=ROOT, check=True)
    sandbox, url = start_sandbox()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "config.json"
            config.write_text(json.dumps({
                "credentials": {"auth_type": "access_key", "access_key": "sandbox-access-key",
                                "access_key_secret": "sandbox-secret"},
                "base_url": url, "requests_per_second": 1000,
            }))
            users = json.loads(subprocess.run(
                [str(BIN), "execute", "--config", str(config), "users", "list"],
                capture_output=True, text=True, check=True).stdout)["data"]
            calls = workload([u["id"] for u in users])
            total = len(calls) * args.rounds
            rows = []

            # Start-up alone: spawn, initialize, exit.
            idle = Server(config)
            startup_wall = idle.startup_wall
            startup_cpu = idle.close()
            server = Server(config)
            t0 = time.monotonic()
            for _ in range(args.rounds):
                for entity, action, params in calls:
                    server.request("tools/call", {"name": f"{entity}_{action}", "arguments": params})
            t1 = time.monotonic()
            busy_cpu = server.close()
            rows.append(("`source-gong mcp` (one server)", (busy_cpu - startup_cpu) / total,
                         (t1 - t0) / total, startup_cpu, startup_wall))

            cpu, t0 = [], time.monotonic()
            for _ in range(args.rounds):
                for entity, action, params in calls:
                    cpu.append(run_execute(config, entity, action, params))
            t1 = time.monotonic()
            rows.append(("`source-gong execute` (a process per call)", statistics.mean(cpu),
                         (t1 - t0) / total, None, None))

            if args.seed_python:
                seed_cfg = {"access_key": "sandbox-access-key", "access_key_secret": "sandbox-secret",
                            "base_url": url}
                out = subprocess.run(
                    [args.seed_python, "-c", SEED_SCRIPT, json.dumps(seed_cfg), json.dumps(calls),
                     str(args.rounds)], capture_output=True, text=True,
                    env={**os.environ, "AIRBYTE_TELEMETRY_MODE": "disabled", "DO_NOT_TRACK": "1"})
                if out.returncode != 0:
                    print(f"seed package failed: {out.stderr[-1500:]}", file=sys.stderr)
                else:
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    rows.append(("seed `airbyte-agent-gong` (one process; start-up includes one warm call)", r["cpu"] / total,
                                 r["wall"] / total, r["startup_cpu"], r["startup_wall"]))
    finally:
        sandbox.terminate()
        sandbox.wait()

    print(f"{len(calls)} calls ({', '.join(sorted({f'{e} {a}' for e, a, _ in calls}))}) "
          f"x {args.rounds} rounds = {total} calls against the sandbox\n")
    print("| mode | CPU per call | wall per call | start-up CPU | start-up wall |")
    print("|---|---|---|---|---|")
    ms = lambda v: "–" if v is None else f"{v * 1000:.1f} ms"
    for name, cpu, wall, scpu, swall in rows:
        print(f"| {name} | {ms(cpu)} | {ms(wall)} | {ms(scpu)} | {ms(swall)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
