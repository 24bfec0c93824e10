#!/usr/bin/env bash
# Validation benchmark: Socle vs frictionless-py on the same generated SCDL files, plus the
# "just read the CSV with the csv crate" baseline. Prints one table (wall time, throughput,
# peak RSS, error count) and the throughput ratios socle/frictionless (1 thread and all threads).
#
#     bash bench/validate.sh                   # 1,000,000 rows per file (frictionless: ~30 s per file)
#     ROWS=100000 bash bench/validate.sh       # quicker run while developing
#
# Environment:
#   ROWS        rows per generated file (default 1000000)
#   ERRORS      error rate of the "-err" variant (default 0.01)
#   DATASETS    which generated files (default "subventions subventions-err menus")
#   VENV        venv holding frictionless (default /work/venv-peers; made by tests-corpus/regenerate.sh)
#   SKIP_BUILD  set to 1 to use the existing target/release binaries without running cargo
#   SKIP_FRICTIONLESS set to 1 to time Socle and the baseline only (the last frictionless
#               measurements of the same ROWS are kept in the table)
#   SOCLE       path of the socle binary (default target/release/socle)
# Files go to bench/out/ (git-ignored) and are generated only when absent. Measurements use
# /usr/bin/time -v (apt-get install -y time). Raw outputs: bench/out/results/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$here/out"
results="$out/results"
rows="${ROWS:-1000000}"
errors="${ERRORS:-0.01}"
datasets="${DATASETS:-subventions subventions-err menus}"
venv="${VENV:-/work/venv-peers}"
schemas=/work/shared/schemas
mkdir -p "$out" "$results"

if [[ ! -x /usr/bin/time ]]; then
    echo "error: /usr/bin/time missing: apt-get install -y time" >&2
    exit 2
fi

# ---------------------------------------------------------------- input files
file_of() { echo "$out/$1-$rows.csv"; }
schema_of() { case "$1" in subventions*) echo scdl-subventions ;; menus*) echo scdl-menus-collectifs ;; esac; }
for ds in $datasets; do
    f="$(file_of "$ds")"
    if [[ ! -s "$f" ]]; then
        case "$ds" in
            *-err) args=("${ds%-err}" --errors "$errors") ;;
            *) args=("$ds") ;;
        esac
        echo "generating $f" >&2
        python3 "$here/gen_scdl.py" "${args[@]}" -n "$rows" -o "$f.tmp"
        mv "$f.tmp" "$f"
    fi
done

# ---------------------------------------------------------------- binaries
socle="${SOCLE:-$repo/target/release/socle}"
baseline="$repo/target/release/csv-baseline"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    (cd "$repo" && cargo build --release --manifest-path bench/csv-baseline/Cargo.toml --target-dir target) >&2
    (cd "$repo" && cargo build --release -p socle) >&2 || echo "warning: cargo build --release -p socle failed" >&2
fi
have_socle=1
if [[ ! -x "$socle" ]]; then
    echo "SKIP socle: $socle is missing (build it with: cargo build --release -p socle)" >&2
    have_socle=0
elif ! "$socle" validate --help >/dev/null 2>&1; then
    echo "SKIP socle: this socle binary has no working 'validate' command yet" >&2
    have_socle=0
fi
have_frictionless=1
if [[ "${SKIP_FRICTIONLESS:-0}" == 1 ]]; then
    have_frictionless=0
elif [[ ! -x "$venv/bin/frictionless" ]]; then
    echo "SKIP frictionless: $venv/bin/frictionless missing (run tests-corpus/regenerate.sh to create the venv)" >&2
    have_frictionless=0
fi

# ---------------------------------------------------------------- runs
# measure TOOL DATASET OUTPUT_JSON -- command...: runs once under /usr/bin/time -v, records a TSV line.
tsv="$results/runs-$rows.tsv"
if [[ $have_frictionless == 0 && -s "$tsv" ]]; then
    # Keep the last frictionless measurements of this size, so that the ratios still print.
    grep '^frictionless'$'\t' "$tsv" > "$tsv.keep" || true
    mv "$tsv.keep" "$tsv"
else
    : > "$tsv"
fi
measure() {
    local tool="$1" ds="$2" output="$3"
    shift 4
    local timefile="$results/$tool-$ds-$rows.time"
    echo "running $tool on $ds ..." >&2
    local status=0 start end
    # Wall time in nanoseconds around the run (/usr/bin/time only has centiseconds); peak RSS from time -v.
    start=$(date +%s%N)
    /usr/bin/time -v -o "$timefile" "$@" > "$output" 2> "$results/$tool-$ds-$rows.stderr" || status=$?
    end=$(date +%s%N)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$ds" "$(file_of "$ds")" "$output" "$timefile" "$status" "$((end - start))" >> "$tsv"
}

for ds in $datasets; do
    f="$(file_of "$ds")"
    schema="$(schema_of "$ds")"
    if [[ -x "$baseline" ]]; then
        measure csv-baseline "$ds" "$results/csv-baseline-$ds-$rows.json" -- "$baseline" "$f"
    fi
    if [[ $have_socle == 1 ]]; then
        measure socle-1t "$ds" "$results/socle-1t-$ds-$rows.json" -- "$socle" validate "$f" --schema "$schema" --format json --threads 1
        measure socle "$ds" "$results/socle-$ds-$rows.json" -- "$socle" validate "$f" --schema "$schema" --format json
    fi
    if [[ $have_frictionless == 1 ]]; then
        # Relative paths + --trusted: frictionless refuses absolute paths otherwise. No error cap,
        # so that it reads the whole file as Socle does.
        measure frictionless "$ds" "$results/frictionless-$ds-$rows.json" -- \
            bash -c 'cd "$1" && exec "$2" validate --schema "$3" "$4" --json --trusted --limit-errors 1000000000' _ \
            "$out" "$venv/bin/frictionless" "$schemas/$schema/schema.json" "$(basename "$f")"
    fi
done

python3 "$here/report.py" "$tsv" "$rows"
