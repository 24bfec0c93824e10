#!/usr/bin/env python3
"""Rewrites tests-corpus/reference/<case>.json from the peer tools (run through regenerate.sh).

For every case both peers are run:
  - frictionless-py: `Resource(path=data, schema=..., encoding/dialect from case options).validate()`,
    the same as `frictionless validate --schema schema.json data.csv`;
  - validata-table: `validation_service.validate_resource(resource_service.from_file_content(...), schema)`,
    the API the Validata web service uses (ignore_header_case=False, the API default).
The reference tool is validata-table when the schema declares `custom_checks`, frictionless otherwise.
When the other tool's verdict differs on the errors it can see (standard Frictionless error types only),
it is recorded under "other" and listed in the generated part of disagreements.md.
Output is deterministic: no timings, sorted keys, errors kept in report order.
"""

import copy
import json
import sys
import warnings
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import frictionless
from frictionless import Dialect, Resource, Schema, formats

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
REFERENCE = HERE / "reference"
SHARED = Path("/work/shared/schemas")

FRICTIONLESS = f"frictionless {version('frictionless')}"
VALIDATA = f"validata-table {version('validata-table')}"


def standard_error_types():
    """Every error code Frictionless itself can emit (cell, row, label, header, table, file, metadata)."""
    seen, stack = set(), [frictionless.errors.Error]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if getattr(sub, "type", None):
                seen.add(sub.type)
    return seen


STANDARD = standard_error_types()


def load_schema(case_dir, meta):
    """Schema descriptor of a case: a file of the case, or a bundled name (shared/schemas/<name>/schema.json)."""
    ref = meta["schema"]
    path = case_dir / ref if ref.endswith(".json") else SHARED / ref / "schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def fix_schema(descriptor, fix):
    """Applies a case's `referenceSchemaFix` (only `drop-constraint-key:<key>` exists)."""
    kind, _, key = fix.partition(":")
    assert kind == "drop-constraint-key", fix
    for field in descriptor["fields"]:
        field.get("constraints", {}).pop(key, None)
    return descriptor


def data_file(case_dir):
    files = [p for p in case_dir.iterdir() if p.name.startswith("data.")]
    assert len(files) == 1, case_dir
    return files[0]


def norm(err_type, row, field_number, field_name):
    return {"type": err_type, "rowNumber": row, "fieldNumber": field_number, "fieldName": field_name}


def norm_frictionless_error(e):
    return norm(e.type, getattr(e, "row_number", None), getattr(e, "field_number", None), getattr(e, "field_name", None))


def run_frictionless(case_dir, meta, descriptor):
    opts = meta.get("options", {})
    try:
        schema = Schema.from_descriptor(copy.deepcopy(descriptor))
    except frictionless.FrictionlessException as exc:
        reasons = exc.reasons or [exc.error]
        errors = [norm_frictionless_error(e) for e in reasons]
        return {"tool": FRICTIONLESS, "valid": False, "errors": errors}
    kwargs = {}
    if "encoding" in opts:
        kwargs["encoding"] = opts["encoding"]
    if "delimiter" in opts:
        kwargs["dialect"] = Dialect(controls=[formats.CsvControl(delimiter=opts["delimiter"])])
    if "sheet" in opts:
        kwargs["dialect"] = Dialect(controls=[formats.ExcelControl(sheet=opts["sheet"])])
    resource = Resource(path=data_file(case_dir).name, basepath=str(case_dir), schema=schema, **kwargs)
    report = resource.validate()
    errors = [norm_frictionless_error(e) for e in report.errors]
    for task in report.tasks:
        errors += [norm_frictionless_error(e) for e in task.errors]
    out = {"tool": FRICTIONLESS, "valid": report.valid, "errors": errors}
    detected = {}
    if resource.encoding:
        detected["encoding"] = resource.encoding
    control = resource.dialect.get_control("csv") if resource.format == "csv" else None
    if control is not None and control.delimiter:
        detected["delimiter"] = control.delimiter
    if resource.format:
        detected["format"] = resource.format
    out["detected"] = detected
    return out


def use_exact_header_matching(exact):
    """validata-table always validates with Frictionless's `schema_sync` (columns matched by name,
    missing optional and extra columns tolerated). With `exact`, it validates as Frictionless does by
    default (Table Schema's positional matching), custom checks included."""
    from validata_core.domain import validation_features

    def consolidate(resource, schema, ignore_header_case):
        data = [resource.header()] + resource.rows()
        return frictionless.resources.TableResource(
            data, schema=schema, dialect=Dialect(header_case=not ignore_header_case),
            detector=frictionless.Detector(schema_sync=not exact))

    validation_features._FrictionlessValidation._consolidate_to_frless_resource = staticmethod(consolidate)


def run_validata(case_dir, meta, descriptor, exact=False):
    from validata_core import resource_service, validation_service

    use_exact_header_matching(exact)
    path = data_file(case_dir)
    try:
        resource = resource_service.from_file_content(path.name, path.read_bytes())
        report = validation_service.validate_resource(resource, copy.deepcopy(descriptor))
    except Exception as exc:  # validata raises TypedException for unreadable sources / formats
        etype = getattr(getattr(exc, "type", None), "value", None) or type(exc).__name__
        return {"tool": VALIDATA, "valid": False, "errors": [norm(etype, None, None, None)], "exception": str(exc)[:300]}
    d = report.to_dict()
    errors = [norm(e["type"], e.get("rowNumber"), e.get("fieldNumber"), e.get("fieldName")) for e in d["errors"]]
    return {"tool": VALIDATA, "valid": d["valid"], "errors": [name_custom_check(e, descriptor) for e in errors]}


def name_custom_check(error, descriptor):
    """validata-table 0.13 runs french-siret-value, french-siren-value and nomenclature-actes-value
    as deprecated aliases of its format checks, whose errors all have the type `custom-check-error`.
    Socle names an error after the check that raised it, as Validata did before: the check is the
    one the schema declares on that column. The raw spelling is kept as `validataType`."""
    if error["type"] != "custom-check-error":
        return error
    checks = [c["name"] for c in descriptor.get("custom_checks", [])
              if c.get("params", {}).get("column") == error["fieldName"]]
    if len(checks) != 1:
        return error
    return {**error, "type": checks[0], "validataType": "custom-check-error"}


def spec_verdict(case_dir, meta, descriptor, ref, has_custom):
    """The verdict the Table Schema specification asks for, when it differs from the reference tool's:
    - custom-check schemas: validata-table with exact (positional) header matching, the Table Schema
      default, instead of its name-based schema_sync;
    - a case's `specAdjust` ({"add": [...], "remove": [...], "why": ...}): errors a tool gets wrong
      against the specification (analysis in disagreements.md)."""
    base, source = None, None
    if has_custom:
        exact = run_validata(case_dir, meta, descriptor, exact=True)
        if exact["valid"] != ref["valid"] or multiset(exact["errors"]) != multiset(ref["errors"]):
            base, source = exact, f"{VALIDATA} with exact header matching (schema_sync off, the Table Schema default)"
    adjust = meta.get("specAdjust")
    if adjust:
        base = base or ref
        errors = list(base["errors"])
        for e in adjust.get("remove", []):
            errors.remove(norm(e["type"], e["rowNumber"], e["fieldNumber"], e["fieldName"]))
        errors += [norm(e["type"], e["rowNumber"], e["fieldNumber"], e["fieldName"]) for e in adjust.get("add", [])]
        base = {"valid": not errors, "errors": errors}
        source = (source or ref["tool"]) + " adjusted by hand: " + adjust["why"]
    if base is None:
        return None
    return {"source": source, "valid": base["valid"], "errors": base["errors"]}


def multiset(errors, only_standard=False):
    return Counter((e["type"], e["rowNumber"], e["fieldNumber"], e["fieldName"]) for e in errors
                   if not only_standard or e["type"] in STANDARD)


def build_reference(case_dir):
    meta = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
    descriptor = load_schema(case_dir, meta)
    raw_descriptor = json.loads(json.dumps(descriptor))
    if "referenceSchemaFix" in meta:
        descriptor = fix_schema(descriptor, meta["referenceSchemaFix"])
    has_custom = bool(descriptor.get("custom_checks"))
    fl = run_frictionless(case_dir, meta, descriptor)
    va = run_validata(case_dir, meta, descriptor)
    ref, other = (va, fl) if has_custom else (fl, va)
    out = {"case": case_dir.name, "purpose": meta["purpose"], "schema": meta["schema"], **ref}
    if "detected" in fl and ref is va:
        out["detected"] = fl["detected"]
    if "referenceSchemaFix" in meta:
        out["schemaFix"] = meta["referenceSchemaFix"]
        out["rawSchema"] = run_frictionless(case_dir, meta, raw_descriptor)
        out["rawSchema"].pop("detected", None)
    if "note" in meta:
        out["note"] = meta["note"]
    spec = spec_verdict(case_dir, meta, descriptor, ref, has_custom)
    if spec:
        out["specVerdict"] = spec
    # Compare what both tools can see: the custom-check errors exist only in validata, which
    # takes no encoding/delimiter option and reads no gzip (such cases are not comparable).
    if meta.get("options") or va.get("exception"):
        out["otherNotComparable"] = "validata-table cannot be given the same input (case options or unsupported format)"
        return out
    same = multiset(ref["errors"], True) == multiset(other["errors"], True)
    ref_custom = multiset(ref["errors"]) - multiset(ref["errors"], True)
    if not same or (ref is fl and not other["valid"] and fl["valid"]) or (ref is va and not ref_custom and ref["valid"] != other["valid"]):
        other = dict(other)
        other.pop("detected", None)
        out["other"] = other
    return out


def main():
    warnings.simplefilter("ignore")
    REFERENCE.mkdir(exist_ok=True)
    for old in REFERENCE.glob("*.json"):
        old.unlink()
    names = sorted(p.name for p in CASES.iterdir() if p.is_dir())
    disagreements = []
    for name in names:
        out = build_reference(CASES / name)
        use_exact_header_matching(False)
        (REFERENCE / f"{name}.json").write_text(json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if "other" in out:
            disagreements.append(out)
        print(f"{name}: {out['tool']} valid={out['valid']} errors={len(out['errors'])}" + ("  [peers disagree]" if "other" in out else ""), file=sys.stderr)
    write_generated_disagreements(disagreements)
    write_index(names)
    print(f"{len(names)} references written, {len(disagreements)} disagreements", file=sys.stderr)


def write_index(names):
    """cases-index.md: one line per case (purpose, reference tool, verdict), for people browsing the corpus."""
    lines = ["# Corpus index (generated by regenerate.py)", "",
             "| case | data | purpose | reference | valid | errors | spec verdict |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in names:
        ref = json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))
        spec = ref.get("specVerdict")
        spec_txt = f"valid={spec['valid']}, {len(spec['errors'])} errors" if spec else ""
        purpose = ref["purpose"].replace("|", "\\|")
        lines.append(f"| {name} | {data_file(CASES / name).name} | {purpose} | {ref['tool']} | {ref['valid']} | {len(ref['errors'])} | {spec_txt} |")
    (HERE / "cases-index.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def fmt_errors(errors):
    c = multiset(errors)
    return "; ".join(f"{t} r{r} f{fn} {fname!r}" + (f" ×{n}" if n > 1 else "") for (t, r, fn, fname), n in c.items()) or "(none)"


def write_generated_disagreements(items):
    lines = ["# Generated by regenerate.py: cases where frictionless and validata-table disagree",
             "", "When validata-table is the reference, its custom-check errors are left out of the comparison (frictionless cannot see them).",
             "Analysis: see disagreements.md.", ""]
    for out in items:
        ref, other = out, out["other"]
        # Custom-check errors exist only in validata: ignore them when validata is the reference.
        std = ref["tool"].startswith("validata")
        only_ref = multiset(ref["errors"], std) - multiset(other["errors"], std)
        only_other = multiset(other["errors"], std) - multiset(ref["errors"], std)
        lines.append(f"## {out['case']}")
        lines.append(f"- reference {ref['tool']}: valid={ref['valid']}, {len(ref['errors'])} errors")
        lines.append(f"- other {other['tool']}: valid={other['valid']}, {len(other['errors'])} errors")
        lines.append(f"- only in reference: {fmt_errors([dict(zip(('type','rowNumber','fieldNumber','fieldName'), k)) for k in only_ref.elements()])}")
        lines.append(f"- only in other: {fmt_errors([dict(zip(('type','rowNumber','fieldNumber','fieldName'), k)) for k in only_other.elements()])}")
        lines.append("")
    (HERE / "disagreements-generated.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
