#!/usr/bin/env bash
# The project's test suite: the one command README.md gives and .ci/run runs.
# Installs what it needs itself (Rust components, Python test tools in a private venv).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo --version

step "system tools the tests use (openssl serves a self-signed certificate in tests/transport.rs)"
if ! command -v openssl >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "build (release binaries used by the integration tests and benchmarks)"
cargo build --workspace --release --quiet

step "unit and integration tests"
cargo test --workspace --release 2>&1 | tee target/cargo-test.log
grep -q "test result: ok" target/cargo-test.log
if grep -q "test result: FAILED" target/cargo-test.log; then exit 1; fi

step "benchmark smoke (5,000 calls; fails if the connector fails or misses records, never on timing)"; python3 bench/run.py --quick --no-build > target/bench-quick.md
step "schedule smoke (60 users, 2 simulated days on the sandbox clock; fails on a failed run, a record of a call not yet processed, or an incomplete history)"; python3 bench/schedule.py --scenario schedule-smoke --no-build > target/schedule-smoke.md

# ---- Docker image, Airbyte's standard tests, PyAirbyte (issue 4) ---------------------------------
step "docker: engine reachable"
if ! docker info >/dev/null 2>&1; then
    echo "the Docker engine is not reachable; the image tests need it" >&2
    exit 1
fi

step "docker: build source-gong-rs/source-gong:dev and gong-sandbox:dev (nothing is pulled)"
./scripts/docker-build.sh

step "container tests (testcontainers: spec, check, discover, read of every stream, the platform's sh -c form)"
cargo test --release --test container -- --test-threads 1

step "OAuth refresh tests"
cargo test --release --test oauth

step "python: airbyte-cdk[dev]==7.39.1 and PyAirbyte in target/airbyte-venv"
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    for candidate in python3.11 python3.12 python3.10 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] < (3, 14)))' 2>/dev/null; then
            PYTHON=$candidate
            break
        fi
    done
fi
if [ -z "$PYTHON" ]; then
    sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
    PYTHON=python3
fi
if ! "$PYTHON" -m venv --help >/dev/null 2>&1; then
    sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
VENV=target/airbyte-venv
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "airbyte-cdk[dev]==7.39.1" airbyte pytest
export AIRBYTE_OFFLINE_MODE=1 DO_NOT_TRACK=1
PYTEST=(../"$VENV"/bin/pytest -p no:cacheprovider -q -rfE)

step "metadata.yaml against Airbyte's metadata schema; spec snapshot"
(cd integration_tests && "${PYTEST[@]}" test_metadata.py)

step "conformance: CAT's rules for certified connectors on spec, discover and a read of every stream"
(cd integration_tests && "${PYTEST[@]}" test_conformance.py)

step "airbyte-cdk standard source tests on the binary"
(cd integration_tests && "${PYTEST[@]}" test_standard_suite.py -m "not image_tests")

# The spec backward-compatibility test compares with the spec published under the same
# dockerRepository on connectors.airbyte.com: a network call outside this machine, about Airbyte's
# own (different) source-gong. It is deselected here.
step "airbyte-cdk standard source tests on the image"
(cd integration_tests && "${PYTEST[@]}" test_standard_suite.py -m image_tests \
    --connector-image source-gong-rs/source-gong:dev --read-from-streams=all \
    --deselect test_standard_suite.py::TestSourceGong::test_docker_image_spec_backward_compatibility)

step "PyAirbyte: every stream into DuckDB, counts, second read from the saved state"
(cd integration_tests && "${PYTEST[@]}" test_pyairbyte.py)

step "MCP: source-gong mcp driven by the official Python MCP SDK (every tool, errors, paging, downloads, OAuth)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "mcp==1.30.0"
(cd integration_tests && "${PYTEST[@]}" test_mcp.py)
