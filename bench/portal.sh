#!/usr/bin/env bash
# Portal benchmark: server-side time of each public page on the demo data (`socle demo`),
# measured from outside over loopback as curl's time to first byte minus its time to the end
# of the request (connection set-up excluded): the handler, the store queries and the template.
# Target: under 50 ms per page.
#
#     bash bench/portal.sh                   # release build (built unless SKIP_BUILD=1)
#     SOCLE=target/debug/socle SKIP_BUILD=1 bash bench/portal.sh
#
# Environment:
#   SOCLE   socle binary (default target/release/socle)
#   RUNS    requests per page, after 3 warm-up requests (default 30); the median and the
#           slowest are printed
# Needs curl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
socle="${SOCLE:-$repo/target/release/socle}"
runs="${RUNS:-30}"
port=18083
base="http://127.0.0.1:$port"

[[ "${SKIP_BUILD:-0}" == 1 ]] || (cd "$repo" && cargo build --release -p socle >&2)
work="$(mktemp -d)"
pid=""
cleanup() {
    [[ -z "$pid" ]] || kill "$pid" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$socle" --data "$work/data" demo > /dev/null
SOCLE_RATE_LIMIT_PER_ADDRESS=0 SOCLE_LOG=warn "$socle" --data "$work/data" serve --listen "127.0.0.1:$port" &
pid=$!
for _ in $(seq 1 100); do
    curl -fs "$base/healthz" > /dev/null 2>&1 && break
    sleep 0.1
done

pages=(
    "/"
    "/datasets"
    "/datasets?q=subventions&theme=ECON&tri=titre"
    "/datasets/toulouse-subventions-2026"
    "/datasets/toulouse-subventions-2026?where=montant%20%3E%3D%205000&order_by=montant%20DESC&limit=100"
    "/datasets/toulouse-subventions-2026?groupe=nature&calcul=sum&valeur=montant"
    "/datasets/toulouse-equipements-publics"
    "/organisations"
    "/organisations/243100518"
    "/schemas"
    "/schemas/scdl-subventions"
    "/schemas/scdl-subventions/modele.xlsx"
    "/embed/datasets/toulouse-subventions-2026/table"
    "/embed/datasets/toulouse-subventions-2026/chart?groupe=nature"
)

printf '%-100s %10s %10s\n' "page" "médiane" "max"
over=0
for page in "${pages[@]}"; do
    status="$(curl -s -o /dev/null -w '%{http_code}' "$base$page")"
    if [[ "$status" != 200 ]]; then
        echo "$page : statut $status" >&2
        exit 1
    fi
    for _ in 1 2 3; do curl -s -o /dev/null "$base$page"; done
    times=()
    for _ in $(seq 1 "$runs"); do
        times+=("$(curl -s -o /dev/null -w '%{time_starttransfer} %{time_pretransfer}' "$base$page" \
            | awk '{ printf "%.2f", ($1 - $2) * 1000 }')")
    done
    sorted="$(printf '%s\n' "${times[@]}" | sort -g)"
    median="$(echo "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2)')"
    slowest="$(echo "$sorted" | tail -n 1)"
    printf '%-100s %8s ms %8s ms\n' "$page" "$median" "$slowest"
    if awk -v m="$median" 'BEGIN { exit !(m >= 50) }'; then over=$((over + 1)); fi
done
echo "pages dont la médiane dépasse 50 ms : $over sur ${#pages[@]} ($(basename "$socle"), $runs requêtes par page)"
