#!/bin/bash
# Requests and records of the `logs` stream alone, on a sandbox company: how much empty log types cost.
# usage: bench/logs_requests.sh CONNECTOR_BIN SANDBOX_BIN DAYS_BACK USERS DATASET_DAYS CALLS
# e.g.   bench/logs_requests.sh target/release/source-gong target/release/gong-sandbox 365 40 365 1000
# Prints the GET /v2/logs requests, the sandbox's answers by status, and the records read.
set -euo pipefail
BIN=$1; SANDBOX=$2; BACK=$3; USERS=${4:-40}; DAYS=${5:-60}; CALLS=${6:-600}
D=$(mktemp -d)
"$SANDBOX" --port 0 --users "$USERS" --days "$DAYS" --calls "$CALLS" > "$D/sb.log" 2>&1 &
SB=$!
trap 'kill $SB; rm -rf "$D"' EXIT
sleep 1
URL=$(grep -o 'http://[0-9.:]*' "$D/sb.log" | head -1)
START=$(date -u -d "-$BACK days" +%Y-%m-%dT00:00:00Z)
cat > "$D/config.json" <<J
{"credentials":{"auth_type":"access_key","access_key":"sandbox-access-key","access_key_secret":"sandbox-secret"},
 "base_url":"$URL","start_date":"$START","requests_per_second":1000,"max_concurrent_requests":4}
J
"$BIN" discover --config "$D/config.json" | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m["type"] == "CATALOG":
        s = [x for x in m["catalog"]["streams"] if x["name"] == "logs"][0]
        print(json.dumps({"streams": [{"stream": s, "sync_mode": "incremental", "destination_sync_mode": "append"}]}))
' > "$D/catalog.json"
curl -s -X POST "$URL/sandbox/reset-stats" > /dev/null
"$BIN" read --config "$D/config.json" --catalog "$D/catalog.json" > "$D/out.jsonl"
RECORDS=$(grep -c '"type":"RECORD"' "$D/out.jsonl" || true)
STATES=$(grep -c '"type":"STATE"' "$D/out.jsonl" || true)
curl -s "$URL/sandbox/stats" | python3 -c "
import json, sys
s = json.load(sys.stdin)
print('GET /v2/logs', s['by_path'].get('GET /v2/logs'), 'answers by status', s['by_status'], 'records $RECORDS', 'states $STATES')"
