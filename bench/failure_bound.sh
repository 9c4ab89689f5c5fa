#!/bin/bash
# The failure bound at the config's own backoff (tests/failure_bound.rs checks it at 20 ms): a year of
# 7-day windows of calls, call_transcripts and call_users_access while GET /v2/calls answers three
# requests and then 500 on every one. Prints the requests to GET /v2/calls, all API requests, the exit
# code and the wall time of the sync.
# usage: bench/failure_bound.sh CONNECTOR_BIN SANDBOX_BIN [RETRY_BACKOFF_BASE_MS, default 500]
set -uo pipefail
BIN=$1; SANDBOX=$2; MS=${3:-500}
D=$(mktemp -d)
"$SANDBOX" --port 0 --users 20 --calls 400 --days 365 --workspaces 1 > "$D/sb.log" 2>&1 &
SB=$!
trap 'kill $SB; rm -rf "$D"' EXIT
sleep 1
URL=$(grep -o 'http://[0-9.:]*' "$D/sb.log" | head -1)
START=$(date -u -d "-366 days" +%Y-%m-%dT00:00:00Z)
cat > "$D/config.json" <<J
{"credentials":{"auth_type":"access_key","access_key":"sandbox-access-key","access_key_secret":"sandbox-secret"},
 "base_url":"$URL","start_date":"$START","requests_per_second":1000,"max_concurrent_requests":4,
 "window_days":7,"retry_backoff_base_ms":$MS}
J
"$BIN" discover --config "$D/config.json" | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m["type"] == "CATALOG":
        names = ("calls", "call_transcripts", "call_users_access")
        ss = [{"stream": x, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
              for x in m["catalog"]["streams"] if x["name"] in names]
        print(json.dumps({"streams": ss}))
' > "$D/catalog.json"
curl -s -X POST "$URL/sandbox/reset-stats" > /dev/null
curl -s -X POST "$URL/sandbox/faults" -H 'content-type: application/json' \
    -d '{"rate":1.0,"kinds":["500"],"paths":["/v2/calls"],"pass_first_n":3}' > /dev/null
S=$(date +%s.%N)
"$BIN" read --config "$D/config.json" --catalog "$D/catalog.json" > "$D/out.jsonl"
RC=$?
E=$(date +%s.%N)
curl -s "$URL/sandbox/stats" | python3 -c "
import json, sys
s = json.load(sys.stdin)
print('GET /v2/calls', s['by_path'].get('GET /v2/calls'), 'API requests', s['api_requests'],
      'exit', $RC, 'seconds %.1f' % ($E - $S))"
