#!/usr/bin/env python3
"""Behaviour unchanged, shown: the connector before the entity/action refactors (1.0.0, commit 5468760)
and now, against ONE sandbox, compared record by record and answer by answer.

    python3 bench/equivalence.py                       # builds 5468760 in /tmp/eq-before (several minutes)
    python3 bench/equivalence.py --before /tmp/eq-before-target/release/source-gong

What is compared:
  read     `read` of every stream both binaries discover, full refresh, the same config: per stream the
           records sorted by primary key, `emitted_at` aside (it is in the envelope, not in the data) and
           the fields the newer binary adds on purpose set aside (SET_ASIDE, each with its reason).
  execute  every entity and action both binaries offer (`--describe` aside: its corrected schemas are
           the point of the change): list with no parameters, list with explicit ones, the second page,
           get of the first id, a download, and a few refusals (a missing required parameter, an
           unknown id). Answers are compared as JSON; pagination cursors are set aside (the sandbox signs
           them with their expiry second), each binary follows its own.

The sandbox is the current one (target/release/gong-sandbox), a small company with a fixed anchor, so
both binaries read the same data. The script prints a markdown table and writes
target/bench/equivalence.json; it exits 1 when a stream or an answer differs in a way not listed in
EXPECTED (with its reason).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench"
BEFORE_COMMIT = "5468760"
BEFORE_TREE = Path("/tmp/eq-before")
BEFORE_TARGET = Path("/tmp/eq-before-target")
ANCHOR = "2026-11-01T00:00:00Z"
START, END = "2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z"

# Fields of the newer binary's records that 1.0.0 did not write, set aside on purpose (field -> reason).
SET_ASIDE = {
    "snapshotAt": "snapshot streams' cursor (the quota work: a snapshot stream is read at most once per "
                  "cadence and stamped with the read's instant); 1.0.0 had no cursor on these streams",
    "_ab_cdc_deleted_at": "deletion records' column (the deletes work); set only on deletion records, "
                          "which a full refresh without state does not write",
}

# A media URL the sandbox signs carries the instant of the request that returned it (`expires` = the
# sandbox's wall clock + the URL lifetime, and its signature); the two reads run seconds apart, so these
# differ whatever the connector does. They are set aside in every string, with call_media's
# `urlExpiresAt` (the same instant, read from the URL).
SIGNED_URL = re.compile(r"expires=\d+&signature=[0-9a-f]+")
SIGNED_AT = {"urlExpiresAt": "call_media: the media URL's expiry, the sandbox's signing instant"}

# Differences found and explained (key -> reason); a key is "read:<stream>" or "execute:<case>".
EXPECTED: dict[str, str] = {
    "execute:unknown entity": "the error lists the entities, and the newer binary has three more "
                              "(users_extensive, data_for_email_address, data_for_phone_number)",
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------- binaries
def build_before() -> Path:
    """The 1.0.0 binary, built in its own worktree and target dir (CARGO_BUILD_JOBS=1)."""
    binary = BEFORE_TARGET / "release" / "source-gong"
    if binary.exists():
        return binary
    if not BEFORE_TREE.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(BEFORE_TREE), BEFORE_COMMIT],
                       cwd=ROOT, check=True)
    env = dict(os.environ, CARGO_BUILD_JOBS="1")
    log(f"building {BEFORE_COMMIT} in {BEFORE_TREE} (several minutes)")
    subprocess.run(["cargo", "build", "--release", "--bin", "source-gong", "--target-dir",
                    str(BEFORE_TARGET)], cwd=BEFORE_TREE, env=env, check=True)
    return binary


class Sandbox:
    def __init__(self, binary: Path, users: int, calls: int):
        WORK.mkdir(parents=True, exist_ok=True)
        self.err = open(WORK / "equivalence-sandbox.err", "w")
        self.proc = subprocess.Popen(
            [str(binary), "--port", "0", "--users", str(users), "--calls", str(calls), "--days", "60",
             "--anchor", ANCHOR], stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise SystemExit(f"gong-sandbox did not start: {line!r}")
        self.url = line.removeprefix("listening on ")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Connector:
    def __init__(self, name: str, binary: Path, config: Path):
        self.name, self.binary, self.config = name, binary, config

    def run(self, args: list[str], timeout: int = 1800) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.binary), *args], capture_output=True, text=True,
                              timeout=timeout)

    def discover(self) -> dict[str, dict]:
        out = self.run(["discover", "--config", str(self.config)])
        for line in out.stdout.splitlines():
            msg = json.loads(line)
            if msg.get("type") == "CATALOG":
                return {s["name"]: s for s in msg["catalog"]["streams"]}
        raise SystemExit(f"{self.name}: discover gave no catalog: {out.stderr[-2000:]}")

    def read(self, catalog: Path) -> tuple[int, dict[str, list[dict]], list[str]]:
        """Exit code, records per stream, error TRACEs; the process's CPU seconds go to `self.cpu`."""
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = self.run(["read", "--config", str(self.config), "--catalog", str(catalog)])
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = done.ru_utime + done.ru_stime - usage.ru_utime - usage.ru_stime
        records: dict[str, list[dict]] = {}
        errors = []
        for line in out.stdout.splitlines():
            msg = json.loads(line)
            if msg.get("type") == "RECORD":
                records.setdefault(msg["record"]["stream"], []).append(msg["record"]["data"])
            elif msg.get("type") == "TRACE" and msg["trace"].get("type") == "ERROR":
                errors.append(msg["trace"]["error"].get("message", ""))
        return out.returncode, records, errors

    def execute(self, entity: str, action: str, params: dict, output: Path | None = None) -> dict:
        args = ["execute", "--config", str(self.config)]
        if output is not None:
            args += ["--output", str(output)]
        out = self.run([*args, entity, action, json.dumps(params)], timeout=300)
        try:
            answer = json.loads(out.stdout)
        except json.JSONDecodeError:
            answer = {"unparsed stdout": out.stdout[-500:]}
        return {"exit": out.returncode, "answer": answer}


# ------------------------------------------------------------------------------------------ the reads
def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def unsigned(value):
    """`value` with the signing instant of every media URL in it set aside."""
    if isinstance(value, str):
        return SIGNED_URL.sub("expires=<signed at>&signature=<set aside>", value)
    if isinstance(value, list):
        return [unsigned(v) for v in value]
    if isinstance(value, dict):
        return {k: unsigned(v) for k, v in value.items()}
    return value


def normalised(stream: str, records: list[dict], key: list[list[str]]) -> list[str]:
    def pk(record):
        return [canonical(record.get(path[0])) for path in key]

    kept = [{k: unsigned(v) for k, v in r.items() if k not in SET_ASIDE and k not in SIGNED_AT}
            for r in records]
    kept.sort(key=lambda r: (pk(r), canonical(r)))
    return [canonical(r) for r in kept]


def catalog_of(streams: list[dict], mode: str) -> dict:
    entries = []
    for stream in streams:
        entry = {"stream": stream, "sync_mode": mode, "destination_sync_mode": "overwrite"}
        if mode == "incremental":
            entry["destination_sync_mode"] = "append_dedup"
            entry["cursor_field"] = stream.get("default_cursor_field") or []
            entry["primary_key"] = stream.get("source_defined_primary_key") or []
        entries.append(entry)
    return {"streams": entries}


def compare_reads(before: Connector, after: Connector, mode: str) -> list[dict]:
    """One read of every stream both binaries have (incremental: those both read incrementally), no
    state, in `mode`; a row per stream and one for the exit codes and error TRACEs."""
    cat_before, cat_after = before.discover(), after.discover()
    common = [name for name in cat_after if name in cat_before]
    if mode == "incremental":
        common = [n for n in common if all("incremental" in c[n]["supported_sync_modes"]
                                           for c in (cat_before, cat_after))]
    path = WORK / f"equivalence-catalog-{mode}.json"
    path.write_text(json.dumps(catalog_of([cat_after[n] for n in common], mode)))
    results = {}
    for c in (before, after):
        log(f"read: {c.name}, {mode} ({len(common)} streams)")
        results[c.name] = c.read(path)
    rows = []
    cpu = [before.cpu, after.cpu]
    for name in common:
        key = cat_after[name].get("source_defined_primary_key") or []
        key_before = cat_before[name].get("source_defined_primary_key") or []
        raw_b = results[after.name][1].get(name, [])
        a = normalised(name, results[before.name][1].get(name, []), key)
        b = normalised(name, raw_b, key)
        aside = {f: sum(1 for r in raw_b if f in r) for f in [*SET_ASIDE, *SIGNED_AT]}
        diff = sum(1 for x, y in zip(a, b) if x != y) + abs(len(a) - len(b))
        first = next(((x, y) for x, y in zip(a, b) if x != y), None)
        rows.append({"stream": name, "mode": mode, "before": len(a), "after": len(b),
                     "equal": a == b and key == key_before, "differing": diff,
                     "same_key": key == key_before,
                     "set_aside": {f: n for f, n in aside.items() if n},
                     "first_difference": first and [json.loads(first[0]), json.loads(first[1])]})
    (code_b, _, errors_b), (code_a, _, errors_a) = results[before.name], results[after.name]
    rows.append({"stream": "(exit code, error TRACEs)", "mode": mode,
                 "before": f"{code_b}, {len(errors_b)}", "after": f"{code_a}, {len(errors_a)}",
                 "equal": code_a == code_b == 0 and not errors_a and not errors_b,
                 "errors": [errors_b[:3], errors_a[:3]]})
    rows.append({"stream": "(CPU seconds of the read, user+sys)", "mode": mode,
                 "before": f"{cpu[0]:.2f}", "after": f"{cpu[1]:.2f}", "equal": None})
    only_after = [n for n in cat_after if n not in cat_before]
    if only_after:
        log(f"streams only the newer binary has (not compared): {', '.join(only_after)}")
    return rows


# --------------------------------------------------------------------------------------- the execute
def first(answer: dict, field: str):
    data = answer.get("answer", {}).get("data")
    if isinstance(data, list) and data:
        return data[0].get(field)
    return None


def cases(after: Connector) -> list[tuple[str, str, str, dict]]:
    """(case name, entity, action, params): ids come from the sandbox through the newer binary."""
    ex = after.execute
    users = ex("users", "list", {})
    user_id, email = first(users, "id"), first(users, "emailAddress")
    workspace = first(ex("workspaces", "list", {}), "id")
    calls = ex("calls", "list", {"fromDateTime": START})
    call_id = first(calls, "id")
    folder = first(ex("library_folders", "list", {"workspaceId": workspace}), "id")
    profile = first(ex("permission_profiles", "list", {"workspaceId": workspace}), "id")
    integration = first(ex("crm_integrations", "list", {}), "integrationId")
    manager = next((u.get("managerId") for u in users["answer"].get("data", []) if u.get("managerId")),
                   user_id)
    month = {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
    window = {"fromDateTime": START, "toDateTime": END}
    days = {"filter": {"fromDate": "2026-10-01", "toDate": "2026-10-08"}}
    return [
        ("users list", "users", "list", {}),
        ("users get", "users", "get", {"id": user_id}),
        ("users get unknown", "users", "get", {"id": "1"}),
        ("calls list default", "calls", "list", {}),
        ("calls list window", "calls", "list", window),
        ("calls list workspace", "calls", "list", {**window, "workspaceId": workspace}),
        ("calls get", "calls", "get", {"id": call_id}),
        ("calls get unknown", "calls", "get", {"id": "1"}),
        ("calls_extensive list", "calls_extensive", "list", {"filter": window}),
        ("calls_extensive list content", "calls_extensive", "list",
         {"filter": {"callIds": [call_id]}, "contentSelector": {
             "exposedFields": {"parties": True, "content": {"topics": True, "trackers": True}}}}),
        ("call_audio download", "call_audio", "download", {"filter": {"callIds": [call_id]}}),
        ("call_video download", "call_video", "download", {"filter": {"callIds": [call_id]}}),
        ("call_audio download missing", "call_audio", "download", {}),
        ("workspaces list", "workspaces", "list", {}),
        ("call_transcripts list", "call_transcripts", "list", {"filter": {"callIds": [call_id]}}),
        ("call_transcripts list window", "call_transcripts", "list", {"filter": window}),
        ("stats_activity_aggregate list", "stats_activity_aggregate", "list", days),
        ("stats_activity_aggregate default", "stats_activity_aggregate", "list", {}),
        ("stats_activity_day_by_day list", "stats_activity_day_by_day", "list", days),
        ("stats_interaction list", "stats_interaction", "list", days),
        ("settings_scorecards list", "settings_scorecards", "list", {}),
        ("settings_trackers list", "settings_trackers", "list", {}),
        ("library_folders list", "library_folders", "list", {"workspaceId": workspace}),
        ("library_folders missing", "library_folders", "list", {}),
        ("library_folder_content list", "library_folder_content", "list", {"folderId": folder}),
        ("coaching list", "coaching", "list",
         {"workspace-id": workspace, "manager-id": manager, **month}),
        ("stats_activity_scorecards list", "stats_activity_scorecards", "list", {"filter": window}),
        ("logs list", "logs", "list", {"logType": "AccessLog", "fromDateTime": "2026-10-25T00:00:00Z"}),
        ("logs bad type", "logs", "list", {"logType": "NoSuchLog", "fromDateTime": START}),
        ("user_settings_history list", "user_settings_history", "list", {"id": user_id}),
        ("call_users_access list", "call_users_access", "list", {"filter": {"callIds": [call_id]}}),
        ("calls_manual_crm_associations list", "calls_manual_crm_associations", "list",
         {"fromDateTime": START}),
        ("permission_profiles list", "permission_profiles", "list", {"workspaceId": workspace}),
        ("permission_profiles get", "permission_profiles", "get", {"profileId": profile}),
        ("permission_profile_users list", "permission_profile_users", "list", {"profileId": profile}),
        ("flows list", "flows", "list", {"flowOwnerEmail": email}),
        ("crm_integrations list", "crm_integrations", "list", {}),
        ("crm_entity_schema list", "crm_entity_schema", "list",
         {"integrationId": integration, "objectType": "ACCOUNT"}),
        ("unknown parameter", "users", "list", {"nosuch": 1}),
        ("unknown entity", "nosuch", "list", {}),
    ]


def without_cursor(answer):
    """The answer with its pagination cursor set aside, and the cursor."""
    answer = json.loads(json.dumps(answer))
    pagination = (answer.get("answer", {}).get("meta") or {}).get("pagination") or {}
    cursor = pagination.pop("cursor", None)
    if cursor is not None:
        pagination["cursor"] = "<set aside>"
    return answer, cursor


def download_digest(answer: dict, path: Path) -> dict:
    """A download's answer with its path (each binary writes its own file) replaced by the file's hash."""
    data = answer.get("answer", {}).get("data")
    if isinstance(data, dict) and "path" in data:
        data["path"] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return answer


def compare_execute(before: Connector, after: Connector, entities: set[str]) -> list[dict]:
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="equivalence-"))
    for case, entity, action, params in cases(after):
        if entity not in entities and entity != "nosuch":
            continue
        answers, cursors = [], []
        for c in (before, after):
            output = tmp / f"{c.name}-{case.replace(' ', '_')}" if action == "download" else None
            answer = c.execute(entity, action, params, output)
            if output is not None:
                answer = download_digest(answer, output)
            answer, cursor = without_cursor(answer)
            answers.append(answer)
            cursors.append(cursor)
        rows.append(row(case, answers))
        if all(cursors):
            # The second page, each binary with its own cursor.
            pages = []
            for c, cursor in zip((before, after), cursors):
                key = "cursor"
                page_params = dict(params, **{key: cursor})
                pages.append(without_cursor(c.execute(entity, action, page_params))[0])
            rows.append(row(f"{case} (page 2)", pages))
    return rows


def size(x: dict):
    """What an answer holds, for the table: its records, "error", or 1 (one object)."""
    answer = x.get("answer")
    if not isinstance(answer, dict):
        return "text" if answer is not None else "–"
    if isinstance(answer.get("data"), list):
        return len(answer["data"])
    return "error" if "error" in answer or x.get("isError") or x.get("rpc_error") else 1


def row(case: str, answers: list[dict]) -> dict:
    a, b = answers
    equal = canonical(a) == canonical(b)
    return {"case": case, "before": size(a), "after": size(b), "equal": equal,
            "first_difference": None if equal else [a, b]}


# ------------------------------------------------------------------------------------------- the MCP
class McpSession:
    """One `mcp` server on stdio (JSON-RPC, one message a line), spoken to without an SDK."""

    def __init__(self, c: Connector, downloads: Path):
        downloads.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [str(c.binary), "mcp", "--config", str(c.config), "--download-dir", str(downloads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.downloads, self.next_id = downloads, 0
        self.initialized = self.request("initialize", {
            "protocolVersion": "2025-03-26", "capabilities": {},
            "clientInfo": {"name": "equivalence", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: dict):
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict | None = None) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                   **({"params": params} if params is not None else {})})
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return {"error": "the server closed stdout"}
            message = json.loads(line)
            if message.get("id") == self.next_id:
                return message

    def call(self, tool: str, arguments: dict) -> dict:
        """A tool's answer: its text parsed as JSON (when it is), `isError`, or the JSON-RPC error."""
        answer = self.request("tools/call", {"name": tool, "arguments": arguments})
        if "result" not in answer:
            return {"rpc_error": answer.get("error")}
        result = answer["result"]
        text = "".join(c.get("text", "") for c in result.get("content", []))
        try:
            body = json.loads(text)
        except json.JSONDecodeError:
            body = text
        if isinstance(body, dict) and isinstance(body.get("data"), dict) and "path" in body["data"]:
            file = self.downloads / body["data"]["path"]
            body["data"]["path"] = hashlib.sha256(file.read_bytes()).hexdigest() \
                if file.exists() else None
        return {"isError": result.get("isError"), "answer": body}

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def without_token(answer: dict) -> tuple[dict, str | None]:
    """The answer with its continuation token (base64 of the Gong cursor) set aside, and the token."""
    answer = json.loads(json.dumps(answer))
    meta = (answer.get("answer") or {}).get("meta") if isinstance(answer.get("answer"), dict) else None
    token = meta.pop("continuation_token", None) if isinstance(meta, dict) else None
    if token is not None:
        meta["continuation_token"] = "<set aside>"
    return answer, token


def compare_mcp(before: Connector, after: Connector) -> list[dict]:
    tmp = Path(tempfile.mkdtemp(prefix="equivalence-mcp-"))
    sessions = [McpSession(c, tmp / c.name) for c in (before, after)]
    rows = []
    try:
        init = [s.initialized.get("result", {}) for s in sessions]
        rows.append(row("initialize", [{"answer": {k: v for k, v in i.items() if k != "instructions"}}
                                       for i in init]))
        rows.append(row("initialize: instructions", [{"answer": i.get("instructions")} for i in init]))
        listed = [{t["name"]: t for t in s.request("tools/list")["result"]["tools"]} for s in sessions]
        common = [name for name in listed[1] if name in listed[0]]
        for name in common:
            rows.append(row(f"tools/list: {name}", [{"answer": t[name]} for t in listed]))
        for case, entity, action, params in cases(after):
            tool = f"{entity}_{action}"
            if tool not in common and entity != "nosuch":
                continue
            args = dict(params, path=f"{case.replace(' ', '_')}.bin") if action == "download" \
                else params
            answers, tokens = zip(*(without_token(s.call(tool, args)) for s in sessions))
            rows.append(row(f"{tool}: {case}", list(answers)))
            if all(tokens):
                pages = [without_token(s.call(tool, {"continuation_token": t}))[0]
                         for s, t in zip(sessions, tokens)]
                rows.append(row(f"{tool}: {case} (continued)", pages))
    finally:
        for s in sessions:
            s.close()
    return rows


# -------------------------------------------------------------------------------------------- report
def verdict(kind: str, r: dict) -> str:
    if r["equal"] is None:
        return "–"
    if r["equal"]:
        return "yes"
    reason = EXPECTED.get(f"{kind}:{r.get('stream', r.get('case'))}")
    return f"no (expected: {reason})" if reason else "**NO**"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--before", type=Path, help="the 1.0.0 binary (default: build 5468760)")
    ap.add_argument("--after", type=Path, default=ROOT / "target" / "release" / "source-gong")
    ap.add_argument("--sandbox", type=Path, default=ROOT / "target" / "release" / "gong-sandbox")
    ap.add_argument("--users", type=int, default=60)
    ap.add_argument("--calls", type=int, default=3000)
    ap.add_argument("--only", default="read,execute,mcp")
    args = ap.parse_args()
    before_bin = args.before or build_before()
    sandbox = Sandbox(args.sandbox, args.users, args.calls)
    try:
        config = WORK / "equivalence-config.json"
        config.write_text(json.dumps({
            "credentials": {"auth_type": "access_key", "access_key": "sandbox-access-key",
                            "access_key_secret": "sandbox-secret"},
            "base_url": sandbox.url, "start_date": START, "end_date": END,
            "requests_per_second": 1000, "requests_per_day": 1_000_000,
            "max_concurrent_requests": 4}))
        before = Connector("before", before_bin, config)
        after = Connector("after", args.after, config)
        report = {"sandbox": {"users": args.users, "calls": args.calls, "anchor": ANCHOR}}
        failed = False
        if "read" in args.only:
            report["read"] = [*compare_reads(before, after, "full_refresh"),
                              *compare_reads(before, after, "incremental")]
            print("| stream | sync mode | records before | records after | equal | set aside |")
            print("|---|---|---:|---:|---|---|")
            for r in report["read"]:
                aside = ", ".join(f"{f} on {n}" for f, n in r.get("set_aside", {}).items())
                print(f"| {r['stream']} | {r['mode']} | {r['before']} | {r['after']} | "
                      f"{verdict('read', r)} | {aside} |")
                failed |= verdict("read", r) == "**NO**"
        if "execute" in args.only:
            described = [json.loads(c.run(["execute", "--describe"]).stdout)["entities"]
                         for c in (before, after)]
            entities = {e["name"] for e in described[0]} & {e["name"] for e in described[1]}
            report["execute"] = compare_execute(before, after, entities)
            print("\n| execute case | records before | records after | equal |\n|---|---:|---:|---|")
            for r in report["execute"]:
                print(f"| {r['case']} | {r['before']} | {r['after']} | {verdict('execute', r)} |")
                failed |= verdict("execute", r) == "**NO**"
        if "mcp" in args.only:
            report["mcp"] = compare_mcp(before, after)
            print("\n| MCP request | answer before | answer after | equal |\n|---|---:|---:|---|")
            for r in report["mcp"]:
                print(f"| {r['case']} | {r['before']} | {r['after']} | {verdict('mcp', r)} |")
                failed |= verdict("mcp", r) == "**NO**"
        (WORK / "equivalence.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
        log(f"details: {WORK / 'equivalence.json'}")
        return 1 if failed else 0
    finally:
        sandbox.stop()


if __name__ == "__main__":
    sys.exit(main())
