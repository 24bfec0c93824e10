#!/usr/bin/env bash
# Regenerates the reference verdicts of the validator corpus (tests-corpus/reference/*.json).
#
# How to run (from anywhere; needs Python >= 3.12, as validata-table 0.13 requires it):
#     bash tests-corpus/regenerate.sh            # create/refresh the venv, rewrite every reference
#     bash tests-corpus/regenerate.sh --cases    # also rewrite cases/ from make_cases.py first
# Environment: VENV (default /work/venv-peers, outside the repository, never committed),
#              PYTHON (default: the first python3.12/3.13 found, pyenv versions included).
#
# Deterministic: every Python package is pinned (requirements-peers.txt, a full `pip freeze` whose
# top-level pins are frictionless==5.21.0 and validata-table==0.13.0), the output has no timings,
# keys are sorted and errors are kept in report order. Two runs give byte-identical files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${VENV:-/work/venv-peers}"

find_python() {
    if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; return; fi
    for candidate in python3.12 python3.13 "$HOME"/.pyenv/versions/3.12*/bin/python3 "$HOME"/.pyenv/versions/3.13*/bin/python3; do
        # pyenv shims exist for versions that are not selected: check the interpreter really runs.
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            command -v "$candidate"; return
        fi
    done
    echo "error: Python >= 3.12 not found (set PYTHON=/path/to/python3.12)" >&2
    exit 2
}

if [[ ! -x "$venv/bin/python" ]]; then
    "$(find_python)" -m venv "$venv"
fi
if ! cmp -s "$here/requirements-peers.txt" "$venv/.socle-requirements" 2>/dev/null; then
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet -r "$here/requirements-peers.txt"
    cp "$here/requirements-peers.txt" "$venv/.socle-requirements"
fi

if [[ "${1:-}" == "--cases" ]]; then
    "$venv/bin/python" "$here/make_cases.py"
fi
"$venv/bin/python" "$here/regenerate.py"
