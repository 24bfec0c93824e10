#!/usr/bin/env bash
# Read throughput with one vs two `socle serve` processes on one PostgreSQL database (and the
# same reads with one server on SQLite, for comparison), loopback only.
#
#     bash bench/servers.sh                        # 1,000,000 subventions rows
#     ROWS=100000 DURATION=5s bash bench/servers.sh
#
# Environment:
#   ROWS         rows of the published file (default 1000000; made by gen_scdl.py if absent)
#   PG_ADMIN     PostgreSQL URL of an existing database, used to create and drop a scratch
#                database (default postgres://postgres@127.0.0.1:5432/postgres)
#   STORAGE      folder for the data directories (default /dev/shm)
#   SOCLE        socle binary (default target/release/socle; built unless SKIP_BUILD=1)
#   DURATION, THREADS, CONNECTIONS   wrk settings (default 10s, 2, 32)
#
# Reads (each with `wrk --latency`):
#   catalogue   GET /api/v1/datasets (the catalogue listing)
#   dataset     GET /api/v1/datasets/subventions (one dataset with its resources)
#   original    GET /api/v1/versions/{id}/original of a small file (1,000 rows)
#   records     GET /api/v1/resources/1/records?limit=100 (a page of the big file)
# With two servers, two wrk processes run at once, each with half the threads and connections,
# one against each server; requests/s are added, p99 is the worse of the two.
# Needs wrk (`apt-get install -y wrk`), curl, psql and bc.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rows="${ROWS:-1000000}"
pg_admin="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
storage="${STORAGE:-/dev/shm}"
socle="${SOCLE:-$repo/target/release/socle}"
duration="${DURATION:-10s}"
threads="${THREADS:-2}"
connections="${CONNECTIONS:-32}"
file="$here/out/subventions-$rows.csv"
ports=(18091 18092 18093)

for tool in wrk curl psql bc; do
    command -v "$tool" > /dev/null || { echo "$tool manquant" >&2; exit 1; }
done
mkdir -p "$here/out"
[[ -s "$file" ]] || python3 "$here/gen_scdl.py" subventions -n "$rows" -o "$file"
[[ "${SKIP_BUILD:-0}" == 1 ]] || (cd "$repo" && cargo build --release -p socle >&2)

work="$(mktemp -d "$storage/socle-servers.XXXXXX")"
database="socle_bench_$$"
pg_url="${pg_admin%/*}/$database"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $database" > /dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
psql -q "$pg_admin" -c "CREATE DATABASE $database" > /dev/null

small="$work/petit.csv"
head -n 1001 "$file" > "$small"

loads=()
load() { # data_dir database_url(or empty) label → publishes the big file (timed) and the small one
    local args=(--data "$1")
    [[ -n "$2" ]] && args+=(--database-url "$2")
    "$socle" "${args[@]}" org add --siren 213401722 --name Montpellier --kind commune > /dev/null
    "$socle" "${args[@]}" dataset create subventions --title Subventions --org 213401722 > /dev/null
    local start end queryable
    start=$(date +%s%N)
    "$socle" "${args[@]}" publish "$file" --dataset subventions --schema scdl-subventions > "$work/publish.out" 2>&1 \
        || { cat "$work/publish.out" >&2; exit 1; }
    end=$(date +%s%N)
    # "Lignes interrogeables après 3,2 s." (printed by `socle publish`), then the index job.
    queryable=$(sed -n 's/^Lignes interrogeables après \([0-9]*\),\([0-9]*\) s\.$/\1.\2/p' "$work/publish.out")
    loads+=("$(LC_NUMERIC=C printf '%-12s lignes interrogeables %6s s, index prêts %6.1f s' "$3" "${queryable:-?}" \
        "$(echo "($end - $start) / 1000000000" | bc -l)")")
    "$socle" "${args[@]}" dataset create petit --title "Petit fichier" --org 213401722 > /dev/null
    "$socle" "${args[@]}" publish "$small" --dataset petit --schema scdl-subventions > /dev/null
}

start_server() { # data_dir database_url(or empty) port
    local args=(--data "$1")
    [[ -n "$2" ]] && args+=(--database-url "$2")
    SOCLE_RATE_LIMIT_PER_ADDRESS=0 SOCLE_RATE_LIMIT_PER_TOKEN=0 SOCLE_LOG=warn \
        "$socle" "${args[@]}" serve --listen "127.0.0.1:$3" > "$work/serve-$3.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$3/healthz" && return 0; sleep 0.2; done
    echo "pas de réponse du port $3" >&2; exit 1
}

stop_servers() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    pids=()
}

wrk_out() { # threads connections url → "requests/s p99_ms non2xx"
    local out rps p99 errors
    out="$(wrk -t"$1" -c"$2" -d"$duration" --timeout 60s --latency "$3")"
    rps="$(awk '/Requests\/sec/ {print $2}' <<< "$out")"
    p99="$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<< "$out")"
    errors="$(awk '/Non-2xx/ {print $NF}' <<< "$out")"
    echo "${rps:-0} ${p99:-0} ${errors:-0}"
}

# The path of each read (the small file's version is the newest version of the instance).
declare -A path
path[catalogue]="/api/v1/datasets"
path[dataset]="/api/v1/datasets/subventions"
path[records]="/api/v1/resources/1/records?limit=100"
reads=(catalogue dataset original records)

small_version() { # port → id of the small file's version
    curl -sf "http://127.0.0.1:$1/api/v1/datasets/petit" \
        | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["resources"][0]["live_version"])'
}

measure() { # label port... → one line per read
    local label="$1"; shift
    path[original]="/api/v1/versions/$(small_version "$1")/original"
    for name in "${reads[@]}"; do
        local n="$#"
        local t=$(( threads / n > 0 ? threads / n : 1 )) c=$(( connections / n ))
        local outs=() runs=()
        for port in "$@"; do
            outs+=("$work/wrk-$port.out")
            wrk_out "$t" "$c" "http://127.0.0.1:$port${path[$name]}" > "$work/wrk-$port.out" &
            runs+=($!)
        done
        wait "${runs[@]}"
        local rps=0 p99=0 errors=0
        for out in "${outs[@]}"; do
            read -r r p e < "$out"
            rps="$(echo "$rps + $r" | bc -l)"
            if (( $(echo "$p > $p99" | bc -l) )); then p99="$p"; fi
            errors=$(( errors + e ))
        done
        printf '%-22s %-10s %12.1f %10.1f %8s\n' "$label" "$name" "$rps" "$p99" "$errors"
    done
}

echo "== chargement PostgreSQL ($rows lignes)" >&2
load "$work/pg-data" "$pg_url" postgresql
echo "== chargement SQLite ($rows lignes)" >&2
load "$work/sqlite-data" "" sqlite
printf '\nchargement de %s lignes (socle publish, attend les index) :\n' "$rows"
printf '  %s\n' "${loads[@]}"

printf '\n%-22s %-10s %12s %10s %8s\n' configuration lecture "req/s" "p99 ms" non-2xx
start_server "$work/sqlite-data" "" "${ports[0]}"
measure "sqlite, 1 serveur" "${ports[0]}"
stop_servers
start_server "$work/pg-data" "$pg_url" "${ports[1]}"
measure "postgresql, 1 serveur" "${ports[1]}"
start_server "$work/pg-data" "$pg_url" "${ports[2]}"
measure "postgresql, 2 serveurs" "${ports[1]}" "${ports[2]}"
stop_servers
echo "(wrk -t$threads -c$connections -d$duration en tout ; à 2 serveurs, la moitié contre chacun)"
