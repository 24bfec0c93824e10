#!/usr/bin/env bash
# Load benchmark: publishing a 1,000,000-row SCDL file into Socle's queryable store vs
# `sqlite-utils insert --csv` (type detection on) on the same file and the same storage, plus
# `socle validate` on that file to compare loading with validating.
#
#     bash bench/load.sh                 # 1,000,000 subventions rows, storage on /dev/shm (tmpfs)
#     ROWS=100000 STORAGE=/tmp bash bench/load.sh
#     RUNS=5 PEER_SECONDS=148.7 SKIP_BUILD=1 bash bench/load.sh   # re-time Socle only
#
# Socle's publication has two moments, both timed: "rows queryable" (the version is live and its
# rows answer queries; `socle publish` prints when) and "indexes ready" (the per-column indexes
# and the full-text index, built by the background job that `socle publish` runs before it
# returns; the process's wall time). The RSS column is the kernel's peak for the whole
# publication (load and index job); the line after the table splits it into allocated memory
# (RssAnon) and mapped file pages (RssFile + RssShmem), sampled every 50 ms.
#
# Environment:
#   ROWS          rows of the generated file (default 1000000; made by gen_scdl.py if absent)
#   STORAGE       folder where the databases are written (default /dev/shm: tmpfs, as the issue measured)
#   RUNS          Socle runs (publish and validate; default 3): best and median are printed
#   VENV          venv with sqlite-utils (default /work/venv-peers; `pip install sqlite-utils`)
#   PEER_SECONDS  reuse this sqlite-utils time instead of running it (it takes minutes)
#   SOCLE         socle binary (default target/release/socle; built unless SKIP_BUILD=1)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rows="${ROWS:-1000000}"
storage="${STORAGE:-/dev/shm}"
runs="${RUNS:-3}"
venv="${VENV:-/work/venv-peers}"
socle="${SOCLE:-$repo/target/release/socle}"
file="$here/out/subventions-$rows.csv"
mkdir -p "$here/out"
[[ -s "$file" ]] || python3 "$here/gen_scdl.py" subventions -n "$rows" -o "$file"
[[ "${SKIP_BUILD:-0}" == 1 ]] || (cd "$repo" && cargo build --release -p socle >&2)
work="$(mktemp -d "$storage/socle-load.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# label, command...: runs the command under /usr/bin/time, prints "seconds rss_kb"; the peaks
# of its allocated and mapped memory (sampled) go to "$work/$label.rss".
measure() {
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/$label.out" 2>&1 &
    local timer=$!
    sample_rss "$timer" > "$work/$label.rss"
    wait "$timer" || true
    cat "$work/time"
}

# timer_pid: while the command /usr/bin/time runs lives, reads its /proc/<pid>/status every
# 50 ms; prints the peaks in kB of RssAnon (allocated memory) and of RssFile + RssShmem (mapped
# file pages: the binary, and database pages if the database were mapped). The kernel's peak
# RSS (%M) is their sum at its worst moment. The loop starts no process while it samples (it
# waits with `read -t` on a pipe that never speaks, not with `sleep`): a publication keeps both
# cores busy, and twenty `sleep` processes a second took their share of them.
sample_rss() {
    local timer="$1" pid="" anon=0 mapped=0 key value unit a f s idle
    exec {idle}<> <(:)
    while [[ -z "$pid" && -e "/proc/$timer" ]]; do
        # The file ends without a newline: `read` fails at its end but still sets `pid`.
        { read -r pid _ || true; } < "/proc/$timer/task/$timer/children" 2>/dev/null
        [[ -n "$pid" ]] || read -r -t 0.01 -u "$idle" _ || true
    done
    while [[ -n "$pid" && -r "/proc/$pid/status" ]]; do
        a=0; f=0; s=0
        while read -r key value unit; do
            case "$key" in
                RssAnon:) a=$value ;;
                RssFile:) f=$value ;;
                RssShmem:) s=$value ;;
            esac
        done < "/proc/$pid/status" 2> /dev/null || true
        (( a > anon )) && anon=$a
        (( f + s > mapped )) && mapped=$((f + s))
        read -r -t 0.05 -u "$idle" _ || true
    done
    exec {idle}<&-
    echo "$anon $mapped"
}

# "Lignes interrogeables après 3,2 s." -> 3.2
queryable_seconds() {
    sed -n 's/^Lignes interrogeables après \([0-9]*\),\([0-9]*\) s\.$/\1.\2/p' "$1"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
best() { sort -g | head -1; }

publish_queryable=(); publish_ready=(); publish_rss=(); publish_anon=(); publish_mapped=(); validate_1=(); validate_all=()
for run in $(seq "$runs"); do
    data="$work/socle-data-$run"
    "$socle" --data "$data" org add --siren 213401722 --name Montpellier --kind commune > /dev/null
    "$socle" --data "$data" dataset create subventions --title Subventions --org 213401722 > /dev/null
    read -r seconds rss <<< "$(measure socle-publish "$socle" --data "$data" publish "$file" --dataset subventions --schema scdl-subventions)"
    grep -q "publiée" "$work/socle-publish.out" || { echo "socle publish did not publish:" >&2; tail -5 "$work/socle-publish.out" >&2; exit 1; }
    publish_ready+=("$seconds"); publish_rss+=("$rss")
    read -r anon mapped < "$work/socle-publish.rss"
    publish_anon+=("$anon"); publish_mapped+=("$mapped")
    publish_queryable+=("$(queryable_seconds "$work/socle-publish.out")")
    rm -rf "$data"
    read -r seconds rss <<< "$(measure socle-validate-1 "$socle" validate "$file" --schema scdl-subventions --threads 1 --format json)"
    validate_1+=("$seconds")
    read -r seconds rss <<< "$(measure socle-validate "$socle" validate "$file" --schema scdl-subventions --format json)"
    validate_all+=("$seconds")
    echo "run $run: rows queryable ${publish_queryable[-1]} s, indexes ready ${publish_ready[-1]} s, peak RSS $((publish_rss[-1] / 1024)) MB (RssAnon $((publish_anon[-1] / 1024)) MB, RssFile+RssShmem $((publish_mapped[-1] / 1024)) MB), validate ${validate_1[-1]} s (1 thread) / ${validate_all[-1]} s" >&2
done

if [[ -n "${PEER_SECONDS:-}" ]]; then
    utils="$PEER_SECONDS"; utils_rss=0
else
    [[ -x "$venv/bin/sqlite-utils" ]] || "$venv/bin/pip" install -q sqlite-utils
    # sqlite-utils 3.36+ detects types by default and dropped the `--detect-types` flag (older
    # versions need it): both spellings are tried.
    if "$venv/bin/sqlite-utils" insert --help | grep -q -- '--detect-types'; then detect=(--detect-types); else detect=(); fi
    read -r utils utils_rss <<< "$(measure sqlite-utils "$venv/bin/sqlite-utils" insert "$work/sqlite-utils.db" subventions "$file" --csv "${detect[@]}")"
fi

row() { # label, best, median, rss_kb
    printf '%-32s %9.2f %9.2f %12.0f %12.0f %10.1f\n' "$1" "$2" "$3" "$(echo "$rows / $2" | bc -l)" "$(echo "$rows / $3" | bc -l)" "$(echo "$4 / 1024" | bc -l)"
}
q_best=$(printf '%s\n' "${publish_queryable[@]}" | best); q_median=$(printf '%s\n' "${publish_queryable[@]}" | median)
r_best=$(printf '%s\n' "${publish_ready[@]}" | best); r_median=$(printf '%s\n' "${publish_ready[@]}" | median)
v1_best=$(printf '%s\n' "${validate_1[@]}" | best); v1_median=$(printf '%s\n' "${validate_1[@]}" | median)
va_best=$(printf '%s\n' "${validate_all[@]}" | best); va_median=$(printf '%s\n' "${validate_all[@]}" | median)
rss=$(printf '%s\n' "${publish_rss[@]}" | sort -g | tail -1)
anon=$(printf '%s\n' "${publish_anon[@]}" | sort -g | tail -1)
mapped=$(printf '%s\n' "${publish_mapped[@]}" | sort -g | tail -1)

printf '\n%s rows, %s runs, storage %s\n' "$rows" "$runs" "$storage"
printf '%-32s %9s %9s %12s %12s %10s\n' what best_s median_s best_rows/s median_rows/s "RSS MB"
row "socle publish: rows queryable" "$q_best" "$q_median" "$rss"
row "socle publish: indexes ready" "$r_best" "$r_median" "$rss"
row "socle validate --threads 1" "$v1_best" "$v1_median" 0
row "socle validate (all threads)" "$va_best" "$va_median" 0
row "sqlite-utils insert --csv" "$utils" "$utils" "$utils_rss"
printf '\nsocle publish, highest of the runs: peak RSS %.1f MB, of which at most %.1f MB allocated (RssAnon) and %.1f MB mapped (RssFile + RssShmem), sampled every 50 ms\n' \
    "$(echo "$rss / 1024" | bc -l)" "$(echo "$anon / 1024" | bc -l)" "$(echo "$mapped / 1024" | bc -l)"
ratio() { printf '%.1f' "$(echo "$1 / $2" | bc -l)"; }
printf '\nvs sqlite-utils (rows/s, best / median): rows queryable %sx / %sx, indexes ready %sx / %sx\n' \
    "$(ratio "$utils" "$q_best")" "$(ratio "$utils" "$q_median")" "$(ratio "$utils" "$r_best")" "$(ratio "$utils" "$r_median")"
printf 'vs socle validate --threads 1 (time, median / median): rows queryable %sx, indexes ready %sx\n' \
    "$(ratio "$q_median" "$v1_median")" "$(ratio "$r_median" "$v1_median")"
printf 'vs socle validate, all threads (time, median / median): rows queryable %sx, indexes ready %sx\n' \
    "$(ratio "$q_median" "$va_median")" "$(ratio "$r_median" "$va_median")"
