#!/usr/bin/env python3
"""Runs a socle binary over the corpus and compares with the references, by the rule of README.md
(expected = specVerdict if present, else the reference; same `valid`, same multiset of
(type, rowNumber, fieldNumber, fieldName)). A quick look for developers; the real gate is the Rust
test in crates/socle/tests.

    python3 tests-corpus/check_socle.py [SOCLE_BINARY] [CASE...]

Stdlib only. Exit status 0 when every case agrees.
"""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLAGS = {"encoding": "--encoding", "delimiter": "--delimiter", "sheet": "--sheet"}


def key(e):
    return (e.get("type"), e.get("rowNumber"), e.get("fieldNumber"), e.get("fieldName"))


def run(socle, case_dir):
    meta = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
    data = next(p for p in case_dir.iterdir() if p.name.startswith("data."))
    cmd = [socle, "validate", data.name, "--schema", meta["schema"], "--format", "json"]
    for opt, value in meta.get("options", {}).items():
        cmd += [FLAGS[opt], value]
    proc = subprocess.run(cmd, cwd=case_dir, capture_output=True, text=True)
    try:
        return json.loads(proc.stdout), proc.returncode
    except ValueError:
        return {"valid": None, "errors": [], "stderr": proc.stderr.strip()[:300]}, proc.returncode


def main():
    args = sys.argv[1:]
    socle = str(Path(args[0]).resolve()) if args else str(HERE.parent / "target/release/socle")
    only = set(args[1:])
    agree = disagree = 0
    for ref_path in sorted((HERE / "reference").glob("*.json")):
        name = ref_path.stem
        if only and name not in only:
            continue
        ref = json.loads(ref_path.read_text(encoding="utf-8"))
        expected = ref.get("specVerdict", ref)
        got, status = run(socle, HERE / "cases" / name)
        if [e["type"] for e in expected["errors"]] == ["source-error"]:
            # An unreadable source: Socle says so with exit status 2 (the command could not run).
            if status == 2:
                agree += 1
                continue
        want, have = Counter(map(key, expected["errors"])), Counter(map(key, got.get("errors", [])))
        if got.get("valid") == expected["valid"] and want == have:
            agree += 1
            continue
        disagree += 1
        print(f"DIFF {name}: valid expected={expected['valid']} socle={got.get('valid')} (exit {status})")
        if "stderr" in got:
            print(f"     socle: {got['stderr']}")
        for k, n in (want - have).items():
            print(f"     missing  {k}" + (f" x{n}" if n > 1 else ""))
        for k, n in (have - want).items():
            print(f"     extra    {k}" + (f" x{n}" if n > 1 else ""))
    print(f"{agree} passed, {disagree} failed")
    return 0 if disagree == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
