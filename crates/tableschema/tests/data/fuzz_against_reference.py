"""Differential fuzzing against frictionless: random schemas (types, formats, constraints,
unique, primaryKey, same-table foreignKeys, fieldsMatch) and random CSV files, validated by
frictionless and by `cargo run -p tableschema --example validate`; prints any disagreement.

    cargo build -p tableschema --example validate
    /work/venv-peers/bin/python fuzz_against_reference.py <seed> <cases>

Works in /tmp/fl. Known, deliberate differences are left out of the generated values
(`2024-3-5` dates, `format: any`, a space after a delimiter, which frictionless's dialect
sniffing may swallow): see the `differs_from_frictionless_*` tests.
"""
import json, random, sys, os, csv, io, subprocess
from frictionless import Resource, Schema
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
random.seed(seed)
os.makedirs('/tmp/fl', exist_ok=True)
os.chdir('/tmp/fl')
VALUES = ["", "", "0", "1", "2", "3", "01", "1.5", "x", "y", "2024-03-05", "2024-02-30", "true", "false", "NaN", "10:00:00", "2024", "2024-01", "P1D", "a@b.fr", "https://x.fr", "[1]", "{}", "1,2", "-1", "7", "2.3, 48.8", "[2.3, 48.8]", "{\"lon\": 1, \"lat\": 2}", "[\"x\", \"z\"]", "[1, 2, 3]", "2024-03-05T10:00:00", "2024-03-05T10:00:00Z", "1 000,5", "12,5", "€ 12", "1e400", "-0", "+1", "a;b", "1;2", "{\"type\": \"Point\", \"coordinates\": [1, 2]}", "24:00:00", "10:00:00.5+02:00", "P1Y2M", "0000", "9999-12-31"]
TYPES = [("integer", None), ("number", None), ("string", None), ("date", None), ("boolean", None), ("year", None), ("time", None), ("any", None), ("string", "email"), ("yearmonth", None), ("duration", None), ("geopoint", None), ("geopoint", "array"), ("geopoint", "object"), ("array", None), ("object", None), ("datetime", None), ("list", None), ("geojson", None), ("number", "fr"), ("number", "nb"), ("integer", "nb"), ("date", "%d/%m/%Y")]
failures = 0
for case in range(int(sys.argv[2]) if len(sys.argv) > 2 else 30):
    n = random.randint(1, 5)
    fields = []
    for i in range(n):
        t, fmt = random.choice(TYPES)
        f = {"name": "f%d" % i, "type": t}
        if fmt == "fr": f.update({"decimalChar": ",", "groupChar": " "})
        elif fmt == "nb": f["bareNumber"] = False
        elif fmt: f["format"] = fmt
        if t == "list" and random.random() < 0.5: f.update({"itemType": "integer", "delimiter": ";"})
        if t == "array" and random.random() < 0.5: f["arrayItem"] = {"type": "string", "constraints": {"enum": ["x", "y"]}}
        c = {}
        if random.random() < 0.3: c["required"] = True
        if random.random() < 0.25: c["unique"] = True
        if t in ("integer", "number") and random.random() < 0.3: c["minimum"] = 1
        if t in ("date", "datetime") and random.random() < 0.3: c["minimum"] = "2024-01-01" if t == "date" else "2024-01-01T00:00:00"
        if t in ("array", "list", "object", "string") and random.random() < 0.3: c[random.choice(["minLength", "maxLength"])] = 2
        if t == "string" and random.random() < 0.3: c["pattern"] = "[a-z0-9]"
        if t == "string" and random.random() < 0.2: c["enum"] = ["x", "y", "1"]
        if c: f["constraints"] = c
        fields.append(f)
    desc = {"fields": fields}
    if random.random() < 0.4: desc["primaryKey"] = random.sample([f["name"] for f in fields], random.randint(1, min(2, n)))
    if random.random() < 0.3 and n >= 2:
        a, b = random.sample(range(n), 2)
        desc["foreignKeys"] = [{"fields": fields[a]["name"], "reference": {"resource": "", "fields": fields[b]["name"]}}]
    mode = random.choice([None, None, "exact", "equal", "subset", "superset", "partial"])
    if mode: desc["fieldsMatch"] = mode
    labels = [f["name"] for f in fields]
    if random.random() < 0.5:
        r = random.random()
        if r < 0.3: random.shuffle(labels)
        elif r < 0.5 and len(labels) > 1: labels.pop(random.randrange(len(labels)))
        elif r < 0.7: labels.insert(random.randrange(len(labels) + 1), "extra")
        elif r < 0.85: labels[random.randrange(len(labels))] = random.choice(["", "F0", "zz"])
        else: labels.append(labels[0])
    if mode and mode != "exact" and len(set(labels)) != len(labels):
        labels = list(dict.fromkeys(labels))
    out = io.StringIO(); w = csv.writer(out, lineterminator='\n')
    w.writerow(labels)
    for _ in range(random.randint(0, 25)):
        k = len(labels)
        if random.random() < 0.1: k = random.randint(0, k + 2)
        w.writerow([random.choice(VALUES) for _ in range(k)])
    open('fz2.csv', 'w').write(out.getvalue())
    json.dump(desc, open('fz2-schema.json', 'w'))
    try:
        rep = Resource(path='fz2.csv', schema=Schema.from_descriptor(desc)).validate(limit_errors=1000000)
    except Exception as e:
        continue
    if not rep.tasks:
        continue
    t = rep.tasks[0]
    if any(e.type in ("schema-error", "field-error", "general-error", "source-error") for e in t.errors):
        continue
    a = [[e.type, getattr(e, 'row_number', None), getattr(e, 'field_number', None)] for e in t.errors]
    res = subprocess.run(['/work/main/target/debug/examples/validate', 'fz2-schema.json', 'fz2.csv'], capture_output=True, text=True)
    b = [json.loads(l)[:3] for l in res.stdout.splitlines()]
    if a != b:
        failures += 1
        print("DIFF case", case, json.dumps(desc)[:600])
        print("  csv:", repr(out.getvalue()[:400]))
        first = next(i for i in range(max(len(a), len(b))) if i >= len(a) or i >= len(b) or a[i] != b[i])
        print("  frictionless:", a[max(0, first-2):first+5])
        print("  socle:       ", b[max(0, first-2):first+5])
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        x = (a + [None])[first] or b[first]
        if x and x[1]: print("  row", x[1], rows[x[1]-1] if x[1]-1 < len(rows) else None)
        if res.stderr.strip(): print("  stderr:", res.stderr[-300:])
        if failures > 3: break
print("failures", failures)
