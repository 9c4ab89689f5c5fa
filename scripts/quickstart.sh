#!/usr/bin/env bash
# Quick start: build, start the local Gong sandbox, and run check, discover and a full sync of every
# stream against it. No credentials needed. Prints a line per step with its duration, a record count
# per stream, and commands to try by hand. The messages are in target/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/quickstart
mkdir -p "$work"

step_started=0
step() { step_started=$(date +%s%N); printf '==> %s\n' "$*"; }
took() { printf '    %s (%.1f s)\n' "$*" "$(( $(date +%s%N) - step_started ))e-9"; }

if [ -x target/release/source-gong ] && [ -x target/release/gong-sandbox ]; then
  step "Building the connector and the sandbox (release; cargo rebuilds what changed since the last build)"
else
  step "Building the connector and the sandbox (release). The first build compiles about 300 crates: 5-10 minutes on 2 cores, seconds afterwards. Cargo's progress follows."
fi
cargo build --release --workspace --bins
took "built target/release/source-gong and target/release/gong-sandbox"

step "Starting the sandbox (a local simulator of Gong's API)"
./target/release/gong-sandbox --port 0 > "$work/sandbox.out" 2> "$work/sandbox.err" &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$work/sandbox.out" 2>/dev/null && break; sleep 0.1; done
base_url=$(sed -n 's/^listening on //p' "$work/sandbox.out" | head -1)
[ -n "$base_url" ] || { echo "the sandbox did not start: $(cat "$work/sandbox.err")" >&2; exit 1; }
took "listening on $base_url"

start_date=$(date -u -d '90 days ago' +%Y-%m-%dT00:00:00Z)
cat > "$work/config.json" <<JSON
{"credentials": {"auth_type": "access_key", "access_key": "sandbox-access-key", "access_key_secret": "sandbox-secret"},
 "base_url": "$base_url", "start_date": "$start_date", "requests_per_second": 25}
JSON

step "check: do the credentials work, which streams can they read?"
./target/release/source-gong check --config "$work/config.json" > "$work/check.out"
took "$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    if m["type"] == "CONNECTION_STATUS": print(m["connectionStatus"]["status"] + ": " + m["connectionStatus"].get("message", "")[:100])' "$work/check.out")"

step "discover: the catalog of streams"
./target/release/source-gong discover --config "$work/config.json" > "$work/catalog.out"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
catalog = next(json.loads(l) for l in open(f"{work}/catalog.out") if '"CATALOG"' in l)["catalog"]
configured = {"streams": [{"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for s in catalog["streams"]]}
json.dump(configured, open(f"{work}/configured_catalog.json", "w"))
PY
took "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["streams"]), "streams, all selected in", sys.argv[1])' "$work/configured_catalog.json")"

step "read: a full sync of every stream, 90 days of the sandbox's company"
./target/release/source-gong read --config "$work/config.json" --catalog "$work/configured_catalog.json" > "$work/messages.jsonl"
took "messages in $work/messages.jsonl"
python3 - "$work" <<'PY'
import json, sys, collections
counts = collections.Counter(); errors = []
for line in open(f"{sys.argv[1]}/messages.jsonl"):
    m = json.loads(line)
    if m["type"] == "RECORD": counts[m["record"]["stream"]] += 1
    if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR": errors.append(m["trace"]["error"]["message"])
for stream, n in sorted(counts.items()): print(f"    {stream:28} {n:>8}")
print(f"    {'total':28} {sum(counts.values()):>8}")
if errors: print("errors:", *errors, sep="\n  "); sys.exit(1)
PY

echo
echo "The sandbox has stopped. To run the commands one at a time (README.md, \"Try it by hand\"):"
echo
# The README's block itself, so these steps are the ones tests/try_by_hand.rs runs.
sed -n '/tests\/try_by_hand.rs runs this block/,/^```$/p' README.md | sed '1,2d;$d'
