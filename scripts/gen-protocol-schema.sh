#!/usr/bin/env bash
# Regenerates tests/fixtures/airbyte_message.schema.json from the protocol's own models on PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
python3 -m venv "$venv"
"$venv/bin/pip" install -q airbyte-protocol-models==0.18.0
"$venv/bin/python" - > tests/fixtures/airbyte_message.schema.json <<'PY'
import json
import airbyte_protocol.models as m
s = m.AirbyteMessage.schema()
s["$schema"] = "http://json-schema.org/draft-07/schema#"
s["description"] = "AirbyteMessage as declared by airbyte-protocol-models 0.18.0 (pydantic .schema()); regenerate with scripts/gen-protocol-schema.sh"
print(json.dumps(s, indent=1))
PY
rm -rf "$venv"
