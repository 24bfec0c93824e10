#!/usr/bin/env bash
# Records API benchmark: Socle's `/api/v1/resources/{id}/records` and `/exports/csv` side by
# side with Datasette's table JSON and CSV on the same 1,000,000-row subventions file, same
# questions, same machine, loopback only.
#
#     bash bench/records.sh                       # 1,000,000 rows, storage on /dev/shm
#     ROWS=100000 DURATION=5s bash bench/records.sh
#
# Environment:
#   ROWS      rows of the generated file (default 1000000; made by gen_scdl.py if absent)
#   STORAGE   folder for both databases (default /dev/shm, as bench/load.sh)
#   VENV      venv with datasette and sqlite-utils (default /work/venv-datasette; created
#             with `python3 -m venv` and `pip install datasette sqlite-utils` if absent)
#   SOCLE     socle binary (default target/release/socle; built unless SKIP_BUILD=1)
#   DURATION, THREADS, CONNECTIONS   wrk settings (default 10s, 2, 32)
#
# Questions (page size 100 on both sides; Datasette's own defaults otherwise, except that facet
# suggestions are off and CSV streaming has no size cap):
#   indexed     equality filter on an indexed column (`nomAttribuant`; Socle indexes every
#               scalar column, the Datasette table gets an index on this column)
#   unindexed   substring filter no index can serve (`objet` contains "sentiers"); wrk repeats
#               one URL, so from its second request on Socle reads the filter's count from the
#               counts it keeps per version: the next line measures the first request
#   cold LIKE   the same filter with 12 other words, one request each, one at a time (nothing
#               kept answers them): median and worst latency
#   facet       counts of `nature` values over the whole table, with the first page
#   deep-page   the page after row 900,000 by keyset: Socle's `cursor` (obtained once with
#               `offset`), Datasette's `_next=900000`
#   export      the whole table as CSV through a filter every row passes (`montant >= 0`),
#               one request at a time: MB/s
# Needs wrk (`apt-get install -y wrk`), curl and bc.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rows="${ROWS:-1000000}"
storage="${STORAGE:-/dev/shm}"
venv="${VENV:-/work/venv-datasette}"
socle="${SOCLE:-$repo/target/release/socle}"
duration="${DURATION:-10s}"
threads="${THREADS:-2}"
connections="${CONNECTIONS:-32}"
file="$here/out/subventions-$rows.csv"
socle_port=18081
datasette_port=18082

command -v wrk > /dev/null || { echo "wrk manquant : apt-get install -y wrk" >&2; exit 1; }
mkdir -p "$here/out"
[[ -s "$file" ]] || python3 "$here/gen_scdl.py" subventions -n "$rows" -o "$file"
[[ "${SKIP_BUILD:-0}" == 1 ]] || (cd "$repo" && cargo build --release -p socle >&2)
if [[ ! -x "$venv/bin/datasette" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q datasette sqlite-utils
fi

work="$(mktemp -d "$storage/socle-records.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "== chargement ($rows lignes)" >&2
data="$work/socle-data"
"$socle" --data "$data" org add --siren 213401722 --name Montpellier --kind commune > /dev/null
"$socle" --data "$data" dataset create subventions --title Subventions --org 213401722 > /dev/null
"$socle" --data "$data" publish "$file" --dataset subventions --schema scdl-subventions > "$work/publish.out" 2>&1 \
    || { cat "$work/publish.out" >&2; exit 1; }
db="$work/datasette.db"
# sqlite-utils 4 detects types by default and dropped `--detect-types`.
detect=(); "$venv/bin/sqlite-utils" insert --help | grep -q -- '--detect-types' && detect=(--detect-types)
"$venv/bin/sqlite-utils" insert "$db" subventions "$file" --csv "${detect[@]}" > /dev/null
"$venv/bin/sqlite-utils" create-index "$db" subventions nomAttribuant > /dev/null

echo "== serveurs" >&2
SOCLE_RATE_LIMIT_PER_ADDRESS=0 SOCLE_RATE_LIMIT_PER_TOKEN=0 SOCLE_LOG=warn \
    "$socle" --data "$data" serve --listen "127.0.0.1:$socle_port" > "$work/socle.log" 2>&1 &
pids+=($!)
"$venv/bin/datasette" serve "$db" --host 127.0.0.1 --port "$datasette_port" \
    --setting suggest_facets off --setting max_csv_mb 0 > "$work/datasette.log" 2>&1 &
pids+=($!)
wait_for() { # url
    for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
    echo "pas de réponse de $1" >&2; exit 1
}
wait_for "http://127.0.0.1:$socle_port/healthz"
wait_for "http://127.0.0.1:$datasette_port/-/versions.json"

socle_base="http://127.0.0.1:$socle_port/api/v1/resources/1"
ds_base="http://127.0.0.1:$datasette_port/datasette/subventions"
attribuant="$(curl -sf "$socle_base/records?limit=1&select=nomAttribuant&total_count=false" | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["nomAttribuant"])')"
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
cursor="$(curl -sf "$socle_base/records?offset=899999&limit=1&total_count=false" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_cursor"])')"

declare -A socle_url datasette_url
socle_url[indexed]="$socle_base/records?where=$(enc "nomAttribuant = \"$attribuant\"")"
datasette_url[indexed]="$ds_base.json?nomAttribuant=$(enc "$attribuant")"
socle_url[unindexed]="$socle_base/records?where=$(enc 'objet LIKE "%sentiers%"')"
datasette_url[unindexed]="$ds_base.json?objet__contains=sentiers"
socle_url[facet]="$socle_base/records?facet=nature"
datasette_url[facet]="$ds_base.json?_facet=nature"
socle_url[deep-page]="$socle_base/records?cursor=$cursor"
datasette_url[deep-page]="$ds_base.json?_next=900000"

# Sanity: both sides answer each question with 200 and rows.
for question in indexed unindexed facet deep-page; do
    for url in "${socle_url[$question]}" "${datasette_url[$question]}"; do
        curl -sf -o /dev/null "$url" || { echo "échec : $url" >&2; exit 1; }
    done
done

# Waits until neither server uses CPU any more (for half a second). A server that fell behind
# keeps answering the requests wrk left in flight after it stopped (Datasette, after a question
# it answers in seconds, for several seconds more): measuring the next question then would
# charge that work to whichever server is measured next.
wait_idle() {
    local pid before after
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 240); do
            before="$(cpu_ticks "$pid")"; sleep 0.5; after="$(cpu_ticks "$pid")"
            [[ "$before" == "$after" ]] && break
        done
    done
}
cpu_ticks() { # pid → utime + stime of the process, in clock ticks
    awk '{print $14 + $15}' "/proc/$1/stat" 2> /dev/null || echo 0
}

run_wrk() { # url → "requests/s p99_ms non2xx"
    local out
    wait_idle
    # A long timeout: a slow answer must count as slow, not vanish as a socket timeout.
    out="$(wrk -t"$threads" -c"$connections" -d"$duration" --timeout 60s --latency "$1")"
    local rps p99 errors
    rps="$(awk '/Requests\/sec/ {print $2}' <<< "$out")"
    p99="$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<< "$out")"
    errors="$(awk '/Non-2xx/ {print $NF}' <<< "$out")"
    echo "$rps ${p99:-0} ${errors:-0}"
}

export_speed() { # url → "MB/s seconds bytes": best of two runs
    local best="0 0 0"
    for _ in 1 2; do
        wait_idle
        read -r size seconds < <(curl -sf -o /dev/null -w '%{size_download} %{time_total}\n' "$1")
        local mbs
        mbs="$(echo "$size / 1000000 / $seconds" | bc -l)"
        if (( $(echo "$mbs > ${best%% *}" | bc -l) )); then best="$mbs $seconds $size"; fi
    done
    echo "$best"
}

echo "== mesures (wrk -t$threads -c$connections -d$duration)" >&2
printf '\n%-11s %12s %10s %14s %10s %10s %10s\n' question "socle req/s" "p99 ms" "datasette r/s" "p99 ms" "req/s ×" "p99 ×"
for question in indexed unindexed facet deep-page; do
    read -r s_rps s_p99 s_err <<< "$(run_wrk "${socle_url[$question]}")"
    read -r d_rps d_p99 d_err <<< "$(run_wrk "${datasette_url[$question]}")"
    ratio() { if (( $(echo "$2 > 0" | bc -l) )); then echo "$1 / $2" | bc -l; else echo 0; fi; }
    printf '%-11s %12.1f %10.1f %14.1f %10.1f %10.2f %10.2f' "$question" "$s_rps" "$s_p99" "$d_rps" "$d_p99" \
        "$(ratio "$s_rps" "$d_rps")" "$(ratio "$d_p99" "$s_p99")"
    [[ "$s_err$d_err" == 00 ]] && echo || echo "   (non-2xx : socle $s_err, datasette $d_err)"
done

# Cold unindexed questions: the same substring filter with a new word each time, one request
# at a time, so that nothing an earlier request kept (Socle keeps the count of a filter per
# version) answers it: what a first visitor of a filter waits for.
cold_words=(saison matériel local scolaire quartier vacances animateur environnement collecte championnat artistes randonnée)
cold_latency() { # url prefix (the word is appended, URL-encoded) → "median_ms worst_ms"
    local times=() word
    wait_idle
    for word in "${cold_words[@]}"; do
        times+=("$(curl -sf -o /dev/null -w '%{time_total}\n' "$1$(enc "$2$word$3")")")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 * 1000 } END { printf "%.1f %.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR] }'
}
read -r s_cold s_cold_worst <<< "$(cold_latency "$socle_base/records?where=" 'objet LIKE "%' '%"')"
read -r d_cold d_cold_worst <<< "$(cold_latency "$ds_base.json?objet__contains=" '' '')"
printf '\n%-11s %12s %10s %14s %10s\n' "cold LIKE" "socle ms" "worst ms" "datasette ms" "worst ms"
printf '%-11s %12.1f %10.1f %14.1f %10.1f\n' "${#cold_words[@]} mots" "$s_cold" "$s_cold_worst" "$d_cold" "$d_cold_worst"

read -r s_mbs s_sec s_size <<< "$(export_speed "$socle_base/exports/csv?where=$(enc 'montant >= 0')")"
read -r d_mbs d_sec d_size <<< "$(export_speed "$ds_base.csv?montant__gte=0&_stream=on&_size=max")"
printf '\n%-11s %12s %10s %14s %10s %10s\n' export "socle MB/s" "s" "datasette MB/s" "s" "MB/s ×"
printf '%-11s %12.1f %10.2f %14.1f %10.2f %10.2f\n' csv "$s_mbs" "$s_sec" "$d_mbs" "$d_sec" "$(echo "$s_mbs / $d_mbs" | bc -l)"
printf '(octets : socle %s, datasette %s)\n' "$s_size" "$d_size"
echo "(× : Socle / Datasette pour req/s et MB/s, Datasette / Socle pour p99 : plus grand = Socle meilleur)"
