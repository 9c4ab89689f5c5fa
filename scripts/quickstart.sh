#!/usr/bin/env bash
# Quick start: build, start the local Gong sandbox, and run a full sync of every stream against it.
# No credentials needed. Prints a per-stream record count at the end; the messages are in target/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --workspace --bins
work=target/quickstart
mkdir -p "$work"
./target/release/gong-sandbox --port 0 > "$work/sandbox.out" 2> "$work/sandbox.err" &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$work/sandbox.out" 2>/dev/null && break; sleep 0.1; done
base_url=$(sed -n 's/^listening on //p' "$work/sandbox.out" | head -1)
start_date=$(date -u -d '90 days ago' +%Y-%m-%dT00:00:00Z)
cat > "$work/config.json" <<JSON
{"credentials": {"auth_type": "access_key", "access_key": "sandbox-access-key", "access_key_secret": "sandbox-secret"},
 "base_url": "$base_url", "start_date": "$start_date", "requests_per_second": 25}
JSON
./target/release/source-gong check --config "$work/config.json"
./target/release/source-gong discover --config "$work/config.json" > "$work/catalog.out"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
catalog = next(json.loads(l) for l in open(f"{work}/catalog.out") if '"CATALOG"' in l)["catalog"]
configured = {"streams": [{"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for s in catalog["streams"]]}
json.dump(configured, open(f"{work}/configured_catalog.json", "w"))
PY
time ./target/release/source-gong read --config "$work/config.json" --catalog "$work/configured_catalog.json" > "$work/messages.jsonl"
python3 - "$work" <<'PY'
import json, sys, collections
counts = collections.Counter(); errors = []
for line in open(f"{sys.argv[1]}/messages.jsonl"):
    m = json.loads(line)
    if m["type"] == "RECORD": counts[m["record"]["stream"]] += 1
    if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR": errors.append(m["trace"]["error"]["message"])
for stream, n in sorted(counts.items()): print(f"{stream:28} {n:>8}")
print(f"{'total':28} {sum(counts.values()):>8}")
if errors: print("errors:", *errors, sep="\n  "); sys.exit(1)
PY
