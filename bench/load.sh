#!/usr/bin/env bash
# Load benchmark: publishing a 1,000,000-row SCDL file into Socle's queryable store vs
# `sqlite-utils insert --csv` (type detection on) on the same file and the same storage, plus
# `socle validate --threads 1` on that file to compare loading with validating.
#
#     bash bench/load.sh                 # 1,000,000 subventions rows, storage on /dev/shm (tmpfs)
#     ROWS=100000 STORAGE=/tmp bash bench/load.sh
#
# Environment:
#   ROWS      rows of the generated file (default 1000000; the file is made by gen_scdl.py if absent)
#   STORAGE   folder where both databases are written (default /dev/shm: tmpfs, as the issue measured)
#   VENV      venv with sqlite-utils (default /work/venv-peers; `pip install sqlite-utils`)
#   SOCLE     socle binary (default target/release/socle; built unless SKIP_BUILD=1)
# Prints one table: seconds, rows/s and peak RSS per tool, then the ratios.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rows="${ROWS:-1000000}"
storage="${STORAGE:-/dev/shm}"
venv="${VENV:-/work/venv-peers}"
socle="${SOCLE:-$repo/target/release/socle}"
file="$here/out/subventions-$rows.csv"
mkdir -p "$here/out"
[[ -s "$file" ]] || python3 "$here/gen_scdl.py" subventions -n "$rows" -o "$file"
[[ "${SKIP_BUILD:-0}" == 1 ]] || (cd "$repo" && cargo build --release -p socle >&2)
[[ -x "$venv/bin/sqlite-utils" ]] || "$venv/bin/pip" install -q sqlite-utils
work="$(mktemp -d "$storage/socle-load.XXXXXX")"
trap 'rm -rf "$work"' EXIT

measure() { # label, command...: prints "label seconds rss_kb"
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/$label.out" 2>&1 || true
    read -r seconds rss < "$work/time"
    echo "$label $seconds $rss"
}

data="$work/socle-data"
"$socle" --data "$data" org add --siren 213401722 --name Montpellier --kind commune > /dev/null
"$socle" --data "$data" dataset create subventions --title Subventions --org 213401722 > /dev/null
results=()
results+=("$(measure socle-publish "$socle" --data "$data" publish "$file" --dataset subventions --schema scdl-subventions)")
results+=("$(measure socle-validate-1-thread "$socle" validate "$file" --schema scdl-subventions --threads 1 --format json)")
# sqlite-utils 3.36+ detects types by default and dropped the `--detect-types` flag (older
# versions need it): both spellings are tried.
if "$venv/bin/sqlite-utils" insert --help | grep -q -- '--detect-types'; then detect=(--detect-types); else detect=(); fi
results+=("$(measure sqlite-utils "$venv/bin/sqlite-utils" insert "$work/sqlite-utils.db" subventions "$file" --csv "${detect[@]}")")
grep -q "publiée" "$work/socle-publish.out" || { echo "socle publish did not publish:" >&2; tail -5 "$work/socle-publish.out" >&2; }

printf '\n%-26s %10s %14s %12s\n' tool seconds rows/s "peak RSS MB"
for line in "${results[@]}"; do
    read -r label seconds rss <<< "$line"
    printf '%-26s %10.2f %14.0f %12.1f\n' "$label" "$seconds" "$(echo "$rows / $seconds" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
publish=$(echo "${results[0]}" | cut -d' ' -f2)
validate=$(echo "${results[1]}" | cut -d' ' -f2)
utils=$(echo "${results[2]}" | cut -d' ' -f2)
printf '\nsocle publish vs sqlite-utils: %.1fx the rows per second\n' "$(echo "$utils / $publish" | bc -l)"
printf 'socle publish / socle validate (1 thread): %.2fx the time\n' "$(echo "$publish / $validate" | bc -l)"
