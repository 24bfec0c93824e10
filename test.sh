#!/usr/bin/env bash
# The whole test suite: the README's second command. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")"
cargo test --workspace --locked
