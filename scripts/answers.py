#!/usr/bin/env python3
"""Captures what the entity/action interface and the sync answer on one sandbox, to compare two builds.

    scripts/answers.py --bin target/release/source-gong --sandbox target/release/gong-sandbox --out DIR

Writes into DIR, one JSON file per question:
  execute/<entity>_<action>[_n].json  the answer (stdout, exit code) of `execute` for every entity and action
  describe.json                       `execute --describe` (all entities)
  mcp.json                            the MCP server's tools/list and the answer of every list/get tool
  read/<stream>.json                  every stream's records of a full-refresh read, sorted by primary key,
                                      without emitted_at
Then `diff -r BEFORE AFTER` shows what changed. The sandbox runs with a fixed seed and anchor, so two runs
of the same build on the same day give the same files (cursors are masked: they carry a request time).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ANCHOR = "2026-12-01T00:00:00Z"
CURSOR = re.compile(r'"(cursor|continuation_token|urlExpiresAt)":\s*"[^"]*"')
HOST = re.compile(r'http://127\.0\.0\.1:\d+')
SIGNED = re.compile(r'expires=\d+(&|\\u0026)signature=[0-9a-f]+')


def mask(text):
    """Without what changes from run to run: cursors, the sandbox's port, media URLs' expiry."""
    text = CURSOR.sub(lambda m: '"%s":"<masked>"' % m.group(1), text)
    return SIGNED.sub("<signed>", HOST.sub("http://sandbox", text))


def start_sandbox(binary):
    proc = subprocess.Popen(
        [binary, "--seed", "7", "--anchor", ANCHOR, "--calls", "150", "--days", "30", "--users", "10"],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    return proc, line.strip().split()[-1]


def execute(args, config, entity, action, params, extra=()):
    out = subprocess.run(
        [args.bin, "execute", "--config", config, entity, action, json.dumps(params), *extra],
        capture_output=True, text=True, timeout=120)
    return out.returncode, out.stdout.strip()


def entity_questions(ids):
    """(entity, action, params) for every entity and action, parents from the ids found so far."""
    week = {"fromDateTime": "2026-11-20T00:00:00Z", "toDateTime": "2026-11-27T00:00:00Z"}
    return [
        ("users", "list", {}),
        ("users", "get", {"id": ids["user"]}),
        ("users", "get", {"id": "1"}),
        ("calls", "list", week),
        ("calls", "get", {"id": ids["call"]}),
        ("calls_extensive", "list", {"filter": week}),
        ("calls_extensive", "list", {"filter": {"callIds": [ids["call"]]},
                                     "contentSelector": {"exposedFields": {"parties": True}}}),
        ("workspaces", "list", {}),
        ("call_transcripts", "list", {"filter": {"callIds": [ids["call"]]}}),
        ("stats_activity_aggregate", "list", {"filter": {"fromDate": "2026-11-20", "toDate": "2026-11-27"}}),
        ("stats_activity_day_by_day", "list", {"filter": {"fromDate": "2026-11-20", "toDate": "2026-11-27"}}),
        ("stats_interaction", "list", {"filter": {"fromDate": "2026-11-20", "toDate": "2026-11-27"}}),
        ("settings_scorecards", "list", {}),
        ("settings_trackers", "list", {"workspaceId": ids["workspace"]}),
        ("library_folders", "list", {"workspaceId": ids["workspace"]}),
        ("library_folder_content", "list", {"folderId": ids["folder"]}),
        ("coaching", "list", {"workspace-id": ids["workspace"], "manager-id": ids["manager"],
                              "from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}),
        ("stats_activity_scorecards", "list", {"filter": {"fromDateTime": "2026-11-01T00:00:00Z",
                                                          "toDateTime": "2026-11-27T00:00:00Z"}}),
        ("stats_activity_scorecards", "list", {"filter": {"reviewerUserIds": [ids["user"]]}}),
        ("logs", "list", {"logType": "AccessLog", "fromDateTime": "2026-11-01T00:00:00Z"}),
        ("user_settings_history", "list", {"id": ids["user"]}),
        ("call_users_access", "list", {"filter": {"callIds": [ids["call"]]}}),
        ("calls_manual_crm_associations", "list", {}),
        ("permission_profiles", "list", {"workspaceId": ids["workspace"]}),
        ("permission_profiles", "get", {"profileId": ids["profile"]}),
        ("permission_profile_users", "list", {"profileId": ids["profile"]}),
        ("flows", "list", {"flowOwnerEmail": ids["email"]}),
        ("crm_integrations", "list", {}),
        ("crm_entity_schema", "list", {"integrationId": ids["integration"], "objectType": "DEAL"}),
        # Bad input: the error texts must stay.
        ("users", "list", {"cursr": "x"}),
        ("calls", "list", {"fromDateTime": "yesterday"}),
        ("coaching", "list", {}),
        ("calls", "get", {"id": "12a"}),
        ("stats_interaction", "list", {"filter": {"fromDate": "2026-11-27", "toDate": "2026-11-20"}}),
        ("flows", "list", {}),
    ]


def find_ids(args, config):
    first = lambda entity, params, key="id": json.loads(
        execute(args, config, entity, "list", params)[1])["data"][0][key]
    users = json.loads(execute(args, config, "users", "list", {})[1])["data"]
    ids = {"user": users[0]["id"], "email": users[0]["emailAddress"],
           "manager": next(u["managerId"] for u in users if u.get("managerId"))}
    ids["call"] = first("calls", {"fromDateTime": "2026-11-20T00:00:00Z"})
    ids["workspace"] = first("workspaces", {})
    ids["folder"] = first("library_folders", {"workspaceId": ids["workspace"]})
    ids["profile"] = first("permission_profiles", {"workspaceId": ids["workspace"]})
    ids["integration"] = first("crm_integrations", {}, "integrationId")
    return ids


def capture_execute(args, config, ids):
    os.makedirs(os.path.join(args.out, "execute"))
    seen = {}
    for entity, action, params in entity_questions(ids):
        n = seen[(entity, action)] = seen.get((entity, action), 0) + 1
        code, stdout = execute(args, config, entity, action, params)
        name = "%s_%s%s.json" % (entity, action, "" if n == 1 else "_%d" % n)
        with open(os.path.join(args.out, "execute", name), "w") as f:
            f.write("exit %d\n%s\n" % (code, mask(stdout)))
    describe = subprocess.run([args.bin, "execute", "--describe"], capture_output=True, text=True)
    with open(os.path.join(args.out, "describe.json"), "w") as f:
        json.dump(json.loads(describe.stdout), f, indent=1, sort_keys=True)


def capture_mcp(args, config, ids):
    proc = subprocess.Popen([args.bin, "mcp", "--config", config, "--max-result-chars", "4000"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    def ask(n, method, params):
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": n, "method": method, "params": params}) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())
    answers = [ask(0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                     "clientInfo": {"name": "answers", "version": "1"}})]
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
    answers.append(ask(1, "tools/list", {}))
    for n, (entity, action, params) in enumerate(entity_questions(ids), 2):
        answers.append(ask(n, "tools/call", {"name": "%s_%s" % (entity, action), "arguments": params}))
    proc.stdin.close()
    proc.wait(timeout=30)
    with open(os.path.join(args.out, "mcp.json"), "w") as f:
        for a in answers:
            f.write(mask(json.dumps(a, sort_keys=True)) + "\n")


def capture_read(args, config, tmp):
    discover = subprocess.run([args.bin, "discover", "--config", config], capture_output=True, text=True)
    catalog = next(json.loads(l)["catalog"] for l in discover.stdout.splitlines()
                   if json.loads(l).get("type") == "CATALOG")
    keys = {}
    configured = []
    for s in catalog["streams"]:
        keys[s["name"]] = [k[0] for k in s["source_defined_primary_key"]]
        configured.append({"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"})
    path = os.path.join(tmp, "catalog.json")
    with open(path, "w") as f:
        json.dump({"streams": configured}, f)
    read = subprocess.run([args.bin, "read", "--config", config, "--catalog", path],
                          capture_output=True, text=True, timeout=600)
    records = {}
    for line in read.stdout.splitlines():
        m = json.loads(line)
        if m.get("type") == "RECORD":
            records.setdefault(m["record"]["stream"], []).append(m["record"]["data"])
    os.makedirs(os.path.join(args.out, "read"))
    for stream, rows in records.items():
        rows.sort(key=lambda r: json.dumps([r.get(k) for k in keys[stream]]))
        with open(os.path.join(args.out, "read", stream + ".json"), "w") as f:
            for r in rows:
                f.write(mask(json.dumps(r, sort_keys=True)) + "\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--sandbox", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--skip-read", action="store_true")
    args = p.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    sandbox, url = start_sandbox(args.sandbox)
    tmp = tempfile.mkdtemp()
    try:
        config = os.path.join(tmp, "config.json")
        with open(config, "w") as f:
            json.dump({"credentials": {"auth_type": "access_key", "access_key": "sandbox-access-key",
                                       "access_key_secret": "sandbox-secret"},
                       "base_url": url, "start_date": "2026-10-15T00:00:00Z",
                       "end_date": "2026-11-28T00:00:00Z", "requests_per_second": 1000}, f)
        ids = find_ids(args, config)
        capture_execute(args, config, ids)
        capture_mcp(args, config, ids)
        if not args.skip_read:
            capture_read(args, config, tmp)
    finally:
        sandbox.terminate()
        sandbox.wait()
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
