"""Regenerates cases.json from cases.src.json with frictionless's verdicts.

Run with the frictionless venv: /work/venv-peers/bin/python expect_frictionless.py
Each case gets "expected": [[type, rowNumber, fieldNumber], ...] and the frictionless version.
"""
import json, os, tempfile
import frictionless
from frictionless import Resource, Schema

here = os.path.dirname(os.path.abspath(__file__))
cases = json.load(open(os.path.join(here, "cases.src.json"), encoding="utf-8"))
work = tempfile.mkdtemp()
os.chdir(work)
for case in cases:
    with open("t.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write(case["csv"])
    resource = Resource(path="t.csv", schema=Schema.from_descriptor(case["schema"]))
    report = resource.validate(limit_errors=10000)
    errors = report.tasks[0].errors if report.tasks else report.errors
    case["expected"] = [[e.type, getattr(e, "row_number", None), getattr(e, "field_number", None)] for e in errors]
    case["expected_rows"] = report.tasks[0].stats.get("rows") if report.tasks else None
json.dump({"frictionless": frictionless.__version__ if hasattr(frictionless, "__version__") else "5.21.0", "cases": cases},
          open(os.path.join(here, "cases.json"), "w", encoding="utf-8"), ensure_ascii=False, indent=1)
