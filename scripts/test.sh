#!/usr/bin/env bash
# The project's test suite: the one command README.md gives and .ci/run runs.
# Installs what it needs itself (Rust components, Python test tools in a private venv).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo --version

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
