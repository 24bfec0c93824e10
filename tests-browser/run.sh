#!/usr/bin/env bash
# Browser tests of the portal: starts `socle serve` on a fresh demo data directory and runs every
# `*.test.mjs` here with Node's test runner, driving Debian's chromium through playwright-core
# (no browser download) and checking accessibility with axe-core.
#
#     bash tests-browser/run.sh            # uses target/debug/socle (built if missing)
#
# Environment:
#   SOCLE      the socle binary (default: target/debug/socle, brought up to date with `cargo build -p socle`)
#   CHROMIUM   the browser (default: /usr/bin/chromium; `apt-get install -y chromium`)
# Screenshots of every page land in artifacts/screenshots/ (git-ignored), for CI artefacts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
socle="${SOCLE:-}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$CHROMIUM" ]]; then
    echo "ERREUR : navigateur introuvable ($CHROMIUM). Installer chromium : apt-get install -y chromium" >&2
    exit 1
fi
command -v node > /dev/null || { echo "ERREUR : node introuvable (Node.js 18 ou plus)" >&2; exit 1; }
(cd "$here" && [[ -d node_modules/playwright-core && -d node_modules/axe-core ]] \
    || npm ci --no-audit --no-fund --silent)
if [[ -z "$socle" ]]; then
    (cd "$repo" && cargo build --locked -q -p socle)
    socle="${CARGO_TARGET_DIR:-$repo/target}/debug/socle"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$socle" --data "$work/data" demo > "$work/demo.log" 2>&1 || { cat "$work/demo.log" >&2; exit 1; }
port=$((20000 + RANDOM % 20000))
SOCLE_LOG=warn "$socle" --data "$work/data" serve --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server_pid=$!
export SOCLE_URL="http://127.0.0.1:$port"
# The wizard's test adds its own account with the command line, next to the running server.
export SOCLE_BIN="$socle" SOCLE_DEMO_DATA="$work/data"
for _ in $(seq 1 150); do
    curl -sf -o /dev/null "$SOCLE_URL/readyz" && break
    kill -0 "$server_pid" 2> /dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.2
done
export SCREENSHOTS="$repo/artifacts/screenshots"
mkdir -p "$SCREENSHOTS"
cd "$here"
node --test --test-concurrency=1 ./*.test.mjs || { echo "--- journal du serveur" >&2; tail -50 "$work/serve.log" >&2; exit 1; }
