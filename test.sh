#!/usr/bin/env bash
# The whole test suite: the README's second command. `.ci/run` runs exactly this.
# Formatting and lints first (cheap, and a failure there says exactly what to fix), then every
# crate's tests, including the binary's end-to-end tests and the reference-corpus comparison,
# then the portal in a real browser (Debian's chromium + Node.js; see tests-browser/run.sh).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
bash tests-browser/run.sh
