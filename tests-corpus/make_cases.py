#!/usr/bin/env python3
"""Writes every case of the corpus under tests-corpus/cases/ (the source of truth is this file).

Run:  python3 tests-corpus/make_cases.py        (stdlib only; XLSX/ODS are written by hand with
zipfile at a fixed timestamp, so the output is byte-for-byte deterministic).

Each case is a folder `cases/<name>/` with:
  - case.json  {"purpose": one line, "schema": "<bundled name>" | "schema.json",
                "options": {encoding, delimiter, sheet} (only when a tool must be told),
                optional "referenceSchemaFix", "note", "provenance"}
  - schema.json (when the schema is not a bundled one)
  - data.csv | data.csv.gz | data.xlsx | data.ods
Then run regenerate.sh to refresh reference/.
"""

import gzip
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
SHARED = Path("/work/shared/schemas")

CASES_LIST = []


def case(name, purpose, rows=None, schema=None, *, raw=None, encoding="utf-8", delimiter=",",
         fmt="csv", options=None, **extra):
    """Registers a case. `rows` is a list of lists (first row = header) or `raw` bytes."""
    CASES_LIST.append(dict(name=name, purpose=purpose, rows=rows, schema=schema, raw=raw,
                           encoding=encoding, delimiter=delimiter, fmt=fmt,
                           options=options or {}, extra=extra))


def csv_bytes(rows, delimiter=",", encoding="utf-8", newline="\r\n"):
    """CSV with minimal quoting (as csv.writer does), encoded; 'utf-8-sig' and 'utf-16' add a BOM."""
    out = io.StringIO()
    import csv
    w = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode(encoding)


def siret_key_ok(digits13):
    """Completes 13 digits into a SIRET whose Luhn checksum is valid."""
    for last in "0123456789":
        s = digits13 + last
        if luhn_ok(s):
            return s
    raise AssertionError


def luhn_ok(s):
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def bad_key(siret):
    """Same SIRET with a wrong last digit (Luhn fails)."""
    last = (int(siret[-1]) + 1) % 10
    return siret[:-1] + str(last)


# ---------------------------------------------------------------- small schemas
def fields(*specs):
    return {"fields": list(specs)}


def f(name, type_="string", **kw):
    d = {"name": name, "type": type_}
    d.update(kw)
    return d


# ================================================================ types and formats
case("type-string-formats-ok", "string formats email, uri, uuid, binary: all valid",
     [["email", "uri", "uuid", "binary"],
      ["marie.dupont@mairie-rennes.fr", "https://data.rennes.fr/explore?q=budget", "65d5b6c7-102c-4440-ac3b-768f708edc0a", "SGVsbG8gd29ybGQ="],
      ["a@b.co", "http://example.org/", "00000000-0000-4000-8000-000000000000", "YQ=="]],
     fields(f("email", format="email"), f("uri", format="uri"), f("uuid", format="uuid"), f("binary", format="binary")))

case("type-string-formats-bad", "string formats email, uri, uuid, binary: one bad value per column",
     [["email", "uri", "uuid", "binary"],
      ["marie.dupont@", "https://data.rennes.fr/", "65d5b6c7-102c-4440-ac3b-768f708edc0a", "SGVsbG8="],
      ["a@b.co", "pas une uri", "65d5b6c7-102c-4440-ac3b-768f708edc0a", "SGVsbG8="],
      ["a@b.co", "https://x.fr", "65d5b6c7102c4440ac3b", "SGVsbG8="],
      ["a@b.co", "https://x.fr", "65d5b6c7-102c-4440-ac3b-768f708edc0a", "!!!pas du base64"]],
     fields(f("email", format="email"), f("uri", format="uri"), f("uuid", format="uuid"), f("binary", format="binary")))

case("type-number-ok", "number: plain, exponent, NaN/INF, decimalChar ',', groupChar ' ' and '.', bareNumber false",
     [["plain", "decimal_comma", "grouped", "bare", "dotted"],
      ["47800.20", "47800,20", "1 234 567,89", "12.5 %", "1.234.567,89"],
      ["-1e3", "0,45", "1 000", "€ 300", "12,5"],
      ["NaN", "-3,0", "12", "1.5", "1.000"],
      ["INF", "3", "999 999,1", "EUR12", "-0,5"]],
     fields(f("plain", "number"), f("decimal_comma", "number", decimalChar=","),
            f("grouped", "number", decimalChar=",", groupChar=" "), f("bare", "number", bareNumber=False),
            f("dotted", "number", decimalChar=",", groupChar=".")))

case("type-number-bad", "number: decimal comma without decimalChar, currency with default bareNumber, text",
     [["montant", "taux"],
      ["47800,20", "0.5"],
      ["1 000", "0.5"],
      ["12 €", "0.5"],
      ["douze", "0.5"],
      ["12.5", "0,5%"]],
     fields(f("montant", "number"), f("taux", "number", decimalChar=".")))

case("type-integer-ok", "integer: signs, leading zeros, bareNumber false",
     [["n", "bare"], ["0", "12 %"], ["-42", "€5"], ["+7", "7"], ["0042", "100"]],
     fields(f("n", "integer"), f("bare", "integer", bareNumber=False)))

case("type-integer-bad", "integer: decimals, spaces, text, exponent are type errors",
     [["n"], ["1.0"], ["1 000"], ["dix"], ["1e3"], ["12"], [" 3"]],
     fields(f("n", "integer")))

case("type-boolean-default", "boolean with default trueValues/falseValues; 'oui', 'yes' and 'vrai' are errors",
     [["b"], ["true"], ["True"], ["TRUE"], ["1"], ["false"], ["False"], ["FALSE"], ["0"], ["oui"], ["yes"], ["vrai"], ["t"]],
     fields(f("b", "boolean")))

case("type-boolean-custom", "boolean with trueValues [oui] falseValues [non]: 'true' becomes an error",
     [["notificationUE"], ["oui"], ["non"], ["true"], ["Oui"], ["false"]],
     fields(f("notificationUE", "boolean", trueValues=["oui"], falseValues=["non"])))

case("type-date-default", "date default format (ISO 8601 YYYY-MM-DD): valid and invalid",
     [["d"], ["2024-02-29"], ["2023-02-29"], ["29/02/2024"], ["2024-2-3"], ["2024-02-29T10:00:00"], ["20240229"], ["1999-12-31"]],
     fields(f("d", "date")),
     specAdjust={"add": [{"type": "type-error", "rowNumber": 5, "fieldNumber": 1, "fieldName": "d"}], "why": "'2024-2-3' is not YYYY-MM-DD (frictionless's strptime accepts unpadded month/day)"})

case("type-date-pattern", "date with strftime pattern %d/%m/%Y",
     [["d"], ["27/06/2017"], ["2017-06-27"], ["31/04/2017"], ["1/6/2017"], ["27/06/17"]],
     fields(f("d", "date", format="%d/%m/%Y")))

case("type-date-any", "date format 'any': several notations accepted, garbage rejected",
     [["d"], ["2017-06-27"], ["27 juin 2017"], ["June 27, 2017"], ["nimportequoi"]],
     fields(f("d", "date", format="any")))

case("type-time", "time default (HH:MM:SS) and pattern %H:%M",
     [["t", "hm"], ["10:30:00", "10:30"], ["25:00:00", "10:30"], ["10:30", "10h30"], ["23:59:59", "24:00"], ["10:30:00Z", "00:00"]],
     fields(f("t", "time"), f("hm", "time", format="%H:%M")))

case("type-datetime", "datetime default (ISO 8601 with T, Z or offset) and pattern %d/%m/%Y %H:%M",
     [["dt", "fr"],
      ["2023-01-30T10:27:50+01:00", "30/01/2023 10:27"],
      ["2023-01-30T10:27:50Z", "30/01/2023 10h27"],
      ["2023-01-30T10:27:50", "30/01/2023 10:27"],
      ["2023-01-30 10:27:50", "30/01/2023 10:27"],
      ["2023-01-30T10:27:50.123456+01:00", "30/01/2023 10:27"],
      ["2023-01-30", "30/01/2023 10:27"],
      ["2023-13-30T10:27:50Z", "30/01/2023 10:27"]],
     fields(f("dt", "datetime"), f("fr", "datetime", format="%d/%m/%Y %H:%M")),
     specAdjust={"add": [{"type": "type-error", "rowNumber": 5, "fieldNumber": 1, "fieldName": "dt"}], "why": "'2023-01-30 10:27:50' lacks the 'T' of the default format YYYY-MM-DDThh:mm:ss (frictionless accepts a space)"})

case("type-year-yearmonth", "year and yearmonth: valid and invalid",
     [["y", "ym"], ["2024", "2024-01"], ["24", "2024-13"], ["2024.0", "2024/01"], ["-0001", "2024-1"], ["1789", "1789-07"]],
     fields(f("y", "year"), f("ym", "yearmonth")),
     specAdjust={"add": [{"type": "type-error", "rowNumber": 5, "fieldNumber": 2, "fieldName": "ym"}], "why": "'2024-1' is not YYYY-MM (frictionless accepts an unpadded month)"})

case("type-duration", "duration (ISO 8601 P...): valid and invalid",
     [["d"], ["P1Y2M3DT4H5M6S"], ["PT30M"], ["P3D"], ["30 minutes"], ["1:30"], ["P"]],
     fields(f("d", "duration")))

case("type-geopoint-default", "geopoint default format 'lon, lat': valid, out of range and malformed",
     [["p"], ["2.3522, 48.8566"], ["2.3522,48.8566"], ["200, 48.8"], ["2.35, 95"], ["48.8566"], ["a, b"]],
     fields(f("p", "geopoint")))

case("type-geopoint-array", "geopoint array format '[lon, lat]'",
     [["p"], ["[2.3522, 48.8566]"], ["[2.3522,48.8566]"], ["[200, 48.8]"], ["2.3522, 48.8566"], ["[1]"]],
     fields(f("p", "geopoint", format="array")))

case("type-geopoint-object", "geopoint object format '{\"lon\": ..., \"lat\": ...}'",
     [["p"], ['{"lon": 2.3522, "lat": 48.8566}'], ['{"lat": 48.8566, "lon": 2.3522}'], ['{"lon": 2.35}'], ['{"lon": 2.35, "lat": 95}'], ["[2.35, 48.85]"]],
     fields(f("p", "geopoint", format="object")))

case("type-geojson", "geojson default format: valid Point/Feature, invalid geometry and not JSON",
     [["g"],
      ['{"type": "Point", "coordinates": [2.3522, 48.8566]}'],
      ['{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}, "properties": {}}'],
      ['{"type": "Pointe", "coordinates": [2.35, 48.85]}'],
      ['{"type": "Point"}'],
      ["pas du json"]],
     fields(f("g", "geojson")))

case("type-object-array", "object and array: JSON values of the right kind, wrong kind and invalid JSON",
     [["o", "a"], ['{"a": 1}', "[1, 2]"], ["[1]", '{"a": 1}'], ["{a: 1}", "[1,"], ["{}", "[]"], ['"texte"', '"texte"']],
     fields(f("o", "object"), f("a", "array")))

case("type-list", "list (Table Schema v2): delimiter and itemType integer",
     [["l", "li"], ["a,b,c", "1;2;3"], ["seul", "1"], ["", "1;x"], ["x,y", "1;;2"]],
     fields(f("l", "list"), f("li", "list", delimiter=";", itemType="integer")))

case("type-any", "any type: every cell is valid; required still applies",
     [["a", "b"], ["texte", "1"], ["12", ""], ["2024-01-01", "x"]],
     fields(f("a", "any"), f("b", "any", constraints={"required": True})))

# ================================================================ constraints
case("constraint-required", "required: empty cells in a required column, NA not a missing value by default",
     [["id", "nom"], ["1", "Rennes"], ["2", ""], ["", "Brest"], ["4", "NA"], ["5", " "]],
     fields(f("id", "integer", constraints={"required": True}), f("nom", constraints={"required": True})))

case("constraint-unique", "unique: duplicate values and several empty cells (nulls are not duplicates)",
     [["code", "nom"], ["A1", "x"], ["A2", "y"], ["A1", "z"], ["", "t"], ["", "u"], ["A1", "v"]],
     fields(f("code", constraints={"unique": True}), f("nom")))

case("constraint-length", "minLength/maxLength on strings (counted in characters, accents included)",
     [["code", "objet"], ["ABC", "court"], ["AB", "ok"], ["ABCDEF", "éééééééééé"], ["ABCD", "ééééééééééé"], ["ÉÉÉ", "x"]],
     fields(f("code", constraints={"minLength": 3, "maxLength": 4}), f("objet", constraints={"maxLength": 10})))

case("constraint-min-max", "minimum/maximum on number, integer and date",
     [["taux", "n", "d"], ["0.45", "5", "2020-01-01"], ["0", "0", "2019-12-31"], ["1.01", "11", "2031-01-01"], ["1", "10", "2030-12-31"], ["0.01", "1", "2020-01-01"]],
     fields(f("taux", "number", constraints={"minimum": 0.01, "maximum": 1}),
            f("n", "integer", constraints={"minimum": 1, "maximum": 10}),
            f("d", "date", constraints={"minimum": "2020-01-01", "maximum": "2030-12-31"})))

case("constraint-pattern", "pattern: the whole value must match (implicitly anchored), unicode classes",
     [["siret", "insee", "rna"], ["21350238800019", "35238", "W380475558"], ["2135023880001", "2A004", "W38047555"],
      ["213502388000190", "20000", "w380475558"], ["x21350238800019", "3523", "W380475558x"]],
     fields(f("siret", constraints={"pattern": "\\d{14}"}), f("insee", constraints={"pattern": "^([013-9]\\d|2[AB1-9])\\d{3}$"}),
            f("rna", constraints={"pattern": "W\\d{9}"})))

case("constraint-enum", "enum on strings (case and accents matter) and on integers",
     [["nature", "niveau"], ["aide en numéraire", "1"], ["aide en numeraire", "2"], ["Aide en nature", "3"], ["aide en nature", "4"], ["aide en numéraire;aide en nature", "1"]],
     fields(f("nature", constraints={"enum": ["aide en numéraire", "aide en nature", "aide en numéraire;aide en nature"]}),
            f("niveau", "integer", constraints={"enum": [1, 2, 3]})))

case("constraint-on-missing", "constraints other than required do not apply to missing values",
     [["id", "code", "n"], ["1", "", ""], ["2", "AB", "5"], ["3", "", ""]],
     fields(f("id"), f("code", constraints={"minLength": 2, "pattern": "[A-Z]+", "enum": ["AB"], "unique": True}),
            f("n", "integer", constraints={"minimum": 1, "unique": True})))

# ================================================================ missing values
case("missing-values-schema", "schema-level missingValues ['', 'NA', '-']: those cells are null, so required fails but type does not",
     [["id", "montant"], ["1", "NA"], ["NA", "12"], ["3", "-"], ["4", "n/a"], ["-", ""]],
     {"fields": [f("id", "integer", constraints={"required": True}), f("montant", "number")], "missingValues": ["", "NA", "-"]})

case("missing-values-empty-list", "missingValues [] : an empty cell is an empty string, not null (integer type error, required ok for string)",
     [["id", "nom"], ["1", ""], ["", "x"]],
     {"fields": [f("id", "integer"), f("nom", constraints={"required": True})], "missingValues": []})

case("missing-values-field", "field-level missingValues (Table Schema v2) override the schema-level list",
     [["a", "b"], ["NA", "NA"], ["-", "-"], ["", ""]],
     {"fields": [f("a", "integer", missingValues=["-"]), f("b", "integer")], "missingValues": ["", "NA"]})

# ================================================================ keys
case("primary-key-single", "single primaryKey: duplicate and null key values",
     [["id", "nom"], ["1", "a"], ["2", "b"], ["1", "c"], ["", "d"], ["3", "e"]],
     {"fields": [f("id", "integer"), f("nom")], "primaryKey": "id"})

case("primary-key-composite", "composite primaryKey [commune, annee]: only the full pair must be unique",
     [["commune", "annee", "valeur"], ["35238", "2020", "1"], ["35238", "2021", "2"], ["29019", "2020", "3"], ["35238", "2020", "4"], ["29019", "2021", "5"]],
     {"fields": [f("commune"), f("annee", "year"), f("valeur", "integer")], "primaryKey": ["commune", "annee"]})

case("primary-key-ok", "primaryKey given as a list of one field, all values distinct: valid",
     [["id", "parent"], ["1", ""], ["2", "1"], ["3", "1"]],
     {"fields": [f("id", "integer"), f("parent", "integer")], "primaryKey": ["id"]})

case("foreign-key-self", "foreignKey to the same table (resource ''): dangling references",
     [["id", "parent"], ["1", ""], ["2", "1"], ["3", "9"], ["4", "2"], ["5", "7"]],
     {"fields": [f("id", "integer"), f("parent", "integer")], "primaryKey": "id",
      "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}]})

case("foreign-key-self-ok", "foreignKey to the same table, every reference resolves (forward reference included): valid",
     [["id", "parent"], ["1", "3"], ["2", "1"], ["3", ""]],
     {"fields": [f("id", "integer"), f("parent", "integer")], "primaryKey": "id",
      "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}]})

case("foreign-key-composite", "composite foreignKey to the same table",
     [["code", "annee", "code_parent", "annee_parent"], ["A", "2020", "", ""], ["B", "2020", "A", "2020"], ["C", "2021", "A", "2021"], ["D", "2021", "B", "2020"]],
     {"fields": [f("code"), f("annee", "integer"), f("code_parent"), f("annee_parent", "integer")],
      "foreignKeys": [{"fields": ["code_parent", "annee_parent"], "reference": {"resource": "", "fields": ["code", "annee"]}}]})

# ================================================================ table-level errors
SIMPLE = fields(f("id", "integer"), f("nom"), f("montant", "number"))

case("table-valid", "a small valid file (baseline for the table-level cases)",
     [["id", "nom", "montant"], ["1", "Rennes", "10.5"], ["2", "Brest", "3"]], SIMPLE)

case("table-blank-header", "blank-header: a header cell is empty",
     [["id", "", "montant"], ["1", "Rennes", "10.5"]], SIMPLE)

case("table-blank-header-all", "a header row whose cells are all empty: Frictionless 5 reports blank-label per cell (blank-header needs a header with no cell at all)",
     [["", "", ""], ["1", "Rennes", "10.5"]], SIMPLE)

case("table-empty-file", "an empty file (0 bytes): the source cannot be read",
     None, SIMPLE, raw=b"")

case("table-duplicate-label", "duplicate-label: the same header twice",
     [["id", "nom", "nom"], ["1", "Rennes", "10.5"]], SIMPLE)

case("table-missing-label", "missing-label: the file has fewer columns than the schema",
     [["id", "nom"], ["1", "Rennes"], ["2", "Brest"]], SIMPLE)

case("table-extra-label", "extra-label: the file has one column more than the schema",
     [["id", "nom", "montant", "commentaire"], ["1", "Rennes", "10.5", "x"], ["2", "Brest", "3", "y"]], SIMPLE)

case("table-incorrect-label", "incorrect-label: columns in the wrong order / misnamed",
     [["id", "montant", "nom"], ["1", "10.5", "Rennes"]], SIMPLE)

case("table-label-case", "incorrect-label: header differs only by case",
     [["ID", "nom", "Montant"], ["1", "Rennes", "10.5"]], SIMPLE)

case("table-blank-row", "blank-row: a fully empty row (delimiters only) and an empty line in the middle",
     None, SIMPLE, raw=b"id,nom,montant\r\n1,Rennes,10.5\r\n,,\r\n2,Brest,3\r\n\r\n3,Caen,4\r\n")

case("table-extra-cell", "extra-cell: a row with more cells than the header",
     [["id", "nom", "montant"], ["1", "Rennes", "10.5", "en trop"], ["2", "Brest", "3"]], SIMPLE)

case("table-missing-cell", "missing-cell: rows with fewer cells than the header",
     [["id", "nom", "montant"], ["1", "Rennes"], ["2"], ["3", "Caen", "4"]], SIMPLE)

case("table-missing-cell-required", "missing-cell in a required column",
     [["id", "nom", "montant"], ["1", "Rennes"], ["2", "Brest", "3"]],
     fields(f("id", "integer"), f("nom"), f("montant", "number", constraints={"required": True})))

case("table-type-and-constraint", "type-error and constraint-error mixed on several rows and columns",
     [["id", "nom", "montant"], ["un", "", "10.5"], ["2", "B", "-1"], ["3", "Caen", "x"]],
     fields(f("id", "integer"), f("nom", constraints={"required": True, "minLength": 2}), f("montant", "number", constraints={"minimum": 0})))

case("table-quoted-newlines", "quoted cells with embedded newlines, delimiters and quotes: rowNumber counts records, not lines",
     None, SIMPLE,
     raw=b'id,nom,montant\r\n1,"Rennes\r\nM\xc3\xa9tropole",10.5\r\n2,"Brest, ""Ville""",x\r\n3,"a\nb\nc",y\r\n')

case("table-empty-body", "header only, no data rows: valid",
     [["id", "nom", "montant"]], SIMPLE)

case("table-lf-no-final-newline", "LF line endings and no final newline",
     None, SIMPLE, raw=b"id,nom,montant\n1,Rennes,10.5\n2,Brest,z")

case("table-whitespace-cells", "surrounding whitespace is kept: ' 12' is not an integer, ' x' not in enum",
     [["n", "e"], [" 12", "a"], ["12 ", " a"], ["12", "a"]],
     fields(f("n", "integer"), f("e", constraints={"enum": ["a"]})))

case("encoding-error", "encoding-error: file forced to UTF-8 but containing Windows-1252 bytes",
     None, SIMPLE, raw="id,nom,montant\r\n1,Rennes,10.5\r\n2,Saint-Brieuc Agglomération,3\r\n3,Caen,4\r\n".encode("cp1252"),
     options={"encoding": "utf-8"})

case("fields-match-equal", "schema fieldsMatch 'equal' (Table Schema v2): columns matched by name in any order",
     [["montant", "id", "nom"], ["10.5", "1", "Rennes"], ["x", "2", "Brest"]],
     {**SIMPLE, "fieldsMatch": "equal"})

case("fields-match-subset", "schema fieldsMatch 'subset': extra columns allowed, every schema field must be present",
     [["id", "commentaire", "montant"], ["1", "x", "10.5"]],
     {**SIMPLE, "fieldsMatch": "subset"})

case("fields-match-superset", "schema fieldsMatch 'superset': missing columns allowed, no extra column",
     [["nom", "id", "autre"], ["Rennes", "1", "x"]],
     {**SIMPLE, "fieldsMatch": "superset"})

case("fields-match-partial", "schema fieldsMatch 'partial': at least one schema field present",
     [["nom", "autre"], ["Rennes", "x"]],
     {**SIMPLE, "fieldsMatch": "partial"})

case("type-array-item", "array with arrayItem (Table Schema v2): item type and item constraints (enum, required)",
     [["tags", "nums"], ['["a", "b"]', "[1, 2]"], ['["a", "z"]', '[1, "x"]'], ["[]", "[]"], ['[""]', "[3]"]],
     fields(f("tags", "array", arrayItem={"type": "string", "constraints": {"enum": ["a", "b"]}}),
            f("nums", "array", arrayItem={"type": "integer", "constraints": {"required": True, "maximum": 2}})))

# ================================================================ encodings and delimiters
ENC_SCHEMA = fields(f("commune"), f("type", constraints={"enum": ["Aire de covoiturage", "Délaissé routier", "Supermarché", "Parking"]}),
                    f("places", "integer"))
ENC_ROWS = [["commune", "type", "places"],
            ["Saint-Étienne", "Délaissé routier", "12"],
            ["Périgueux", "Supermarché", "30"],
            ["Cœuvres-et-Valsery", "Aire de covoiturage", "8"],
            ["L'Haÿ-les-Roses", "Parking", "huit"]]
ENC_ROWS_LATIN1 = [[c.replace("œ", "oe").replace("Œ", "OE") for c in r] for r in ENC_ROWS]

case("encoding-utf8", "UTF-8 without BOM, accented enum values; one type error", ENC_ROWS, ENC_SCHEMA)
case("encoding-utf8-bom", "UTF-8 with BOM: the BOM is not part of the first label", ENC_ROWS, ENC_SCHEMA, encoding="utf-8-sig")
case("encoding-windows-1252", "Windows-1252 (œ is byte 0x9C): decoded correctly, enum values match", ENC_ROWS, ENC_SCHEMA, encoding="cp1252")
case("encoding-iso-8859-1", "ISO-8859-1 (no œ): decoded correctly, enum values match", ENC_ROWS_LATIN1, ENC_SCHEMA, encoding="latin-1")
case("encoding-utf16-le-bom", "UTF-16 little-endian with BOM", ENC_ROWS, ENC_SCHEMA, encoding="utf-16")
case("encoding-utf16-be-bom", "UTF-16 big-endian with BOM", None, ENC_SCHEMA,
     raw=b"\xfe\xff" + csv_bytes(ENC_ROWS, encoding="utf-16-be"))

DELIM_ROWS = [["id", "nom", "montant"], ["1", "Rennes, Métropole", "10.5"], ["2", "Brest; Ville", "3"], ["3", "Caen|x", "4,5"], ["4", "Tab\there", "y"]]
case("delimiter-comma", "comma delimiter; other delimiters inside quoted cells", DELIM_ROWS, SIMPLE, delimiter=",")
case("delimiter-semicolon", "semicolon delimiter (the usual French export)", DELIM_ROWS, SIMPLE, delimiter=";")
case("delimiter-tab", "tab delimiter", DELIM_ROWS, SIMPLE, delimiter="\t")
case("delimiter-pipe", "pipe delimiter", DELIM_ROWS, SIMPLE, delimiter="|")
case("delimiter-semicolon-cp1252", "semicolon delimiter + Windows-1252, as Excel 'CSV (séparateur: point-virgule)' writes",
     [["id", "nom", "montant"], ["1", "Collège Jules Ferry", "1250.5"], ["2", "Crèche « Les Lutins »", "x"]], SIMPLE,
     delimiter=";", encoding="cp1252")

# ================================================================ other formats
FMT_ROWS = [["id", "nom", "montant"], ["1", "Rennes", "10.5"], ["2", "Brest", "pas un nombre"], ["x", "Caen", "4"]]
case("format-csv-gz", "gzip-compressed CSV", FMT_ROWS, SIMPLE, fmt="csv.gz")
case("format-xlsx", "XLSX workbook (text cells, first sheet)", FMT_ROWS, SIMPLE, fmt="xlsx")
case("format-ods", "ODS workbook (text cells, first sheet)", FMT_ROWS, SIMPLE, fmt="ods")


# ================================================================ SCDL custom checks
def sub_row(**kw):
    base = dict(nomAttribuant="Région Bretagne", idAttribuant=siret_key_ok("2335000160004"),
                dateConvention="2017-06-27", referenceDecision="2017-03-103",
                nomBeneficiaire="Association Les Petits Débrouillards Bretagne", idBeneficiaire=siret_key_ok("3804755580005"),
                rnaBeneficiaire="W380475558", objet="Animations climat-énergie dans les lycées de la région",
                montant="47800.20", nature="aide en numéraire", conditionsVersement="échelonné",
                datesPeriodeVersement="2017-03-14/2018-03-14", idRAE="12345", notificationUE="non",
                pourcentageSubvention="0.45", dispositifAide="")
    base.update(kw)
    return base


def schema_rows(schema_name, dict_rows):
    names = [x["name"] for x in json.loads((SHARED / schema_name / "schema.json").read_text())["fields"]]
    return [names] + [[d.get(n, "") for n in names] for d in dict_rows]


SUB_OK = siret_key_ok("2335000160004")
case("subventions-valid", "scdl-subventions 2.1.1: three valid rows (one with RNA only, no SIRET)",
     schema_rows("scdl-subventions", [sub_row(), sub_row(idBeneficiaire="", rnaBeneficiaire="W751234567", montant="1500", nature="aide en nature", notificationUE="oui"),
                                      sub_row(rnaBeneficiaire="", montant="0.5", pourcentageSubvention="1")]),
     "scdl-subventions")

case("subventions-siret", "french-siret-value: bad Luhn keys, too short, La Poste SIRET (356000000..., Luhn-invalid but digit sum % 5 == 0), SIRET written with spaces",
     schema_rows("scdl-subventions", [sub_row(idAttribuant=bad_key(SUB_OK)), sub_row(idBeneficiaire=bad_key(siret_key_ok("3804755580005"))),
                                      sub_row(idBeneficiaire="35600000000048"), sub_row(idBeneficiaire="123"),
                                      sub_row(idBeneficiaire="35600000000001"), sub_row(idBeneficiaire="380 475 558 00058")]),
     "scdl-subventions")

case("subventions-one-of-required", "one-of-required: neither idBeneficiaire nor rnaBeneficiaire",
     schema_rows("scdl-subventions", [sub_row(idBeneficiaire="", rnaBeneficiaire=""), sub_row()]), "scdl-subventions")

case("subventions-typical-errors", "typical subventions errors: JJ/MM/AAAA date, decimal comma, out-of-enum nature, empty required, bad boolean, percentage > 1",
     schema_rows("scdl-subventions", [sub_row(dateConvention="27/06/2017"), sub_row(montant="47800,20"), sub_row(nature="subvention"),
                                      sub_row(nomBeneficiaire=""), sub_row(notificationUE="true"), sub_row(pourcentageSubvention="45"),
                                      sub_row(datesPeriodeVersement="2017-03-14 / 2018-03-14"), sub_row(idRAE="123456")]),
     "scdl-subventions")

case("subventions-semicolon-cp1252", "scdl-subventions as exported by Excel: ';' and Windows-1252, valid",
     schema_rows("scdl-subventions", [sub_row(), sub_row(nomAttribuant="Commune de Saint-Étienne", objet="Fête de l'été", nature="aide en nature;aide en numéraire")]),
     "scdl-subventions", delimiter=";", encoding="cp1252")

SUB_HEADER = schema_rows("scdl-subventions", [])[0]
SUB_SHUFFLED = [SUB_HEADER[i] for i in (1, 0, 2, 4, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)] + ["colonneEnPlus"]
case("subventions-reordered-extra-column", "scdl-subventions with columns reordered and an extra column (Validata matches by name)",
     [SUB_SHUFFLED] + [[sub_row().get(c, "zz") for c in SUB_SHUFFLED]], "scdl-subventions")

case("subventions-missing-required-column", "scdl-subventions without the required column nomAttribuant",
     [SUB_HEADER[1:]] + [[sub_row()[c] for c in SUB_HEADER[1:]]], "scdl-subventions")

case("subventions-missing-optional-columns", "scdl-subventions without its optional columns (referenceDecision, rnaBeneficiaire, idRAE, dispositifAide)",
     [[c for c in schema_rows("scdl-subventions", [])[0] if c not in ("referenceDecision", "rnaBeneficiaire", "idRAE", "dispositifAide")]]
     + [[sub_row()[c] for c in schema_rows("scdl-subventions", [])[0] if c not in ("referenceDecision", "rnaBeneficiaire", "idRAE", "dispositifAide")]],
     "scdl-subventions")


def delib_row(**kw):
    base = dict(COLL_NOM="Ville de Poitiers", COLL_SIRET=siret_key_ok("2186019460001"), DELIB_ID="1DL15494",
                DELIB_DATE="2017-10-15", DELIB_MATIERE_CODE="8.4",
                DELIB_MATIERE_NOM="Domaines de compétences par thèmes/aménagement du territoire",
                DELIB_OBJET="Adhésion à l'association nationale des élus de la montagne",
                BUDGET_ANNEE="2017/2018", BUDGET_NOM="Budget annexe déchets", PREF_ID="PREF038",
                PREF_DATE="2017-10-20", VOTE_EFFECTIF="43", VOTE_REEL="40", VOTE_POUR="25", VOTE_CONTRE="10",
                VOTE_ABSTENTION="5", DELIB_URL="https://data.maville.fr/deliberations/files/200417_1.pdf")
    base.update(kw)
    return base


case("deliberations-valid", "scdl-deliberations 2.1.5: valid rows (year only budget, no votes at all, accents-free nomenclature)",
     schema_rows("scdl-deliberations", [delib_row(), delib_row(DELIB_ID="2", BUDGET_ANNEE="2018"),
                                        delib_row(DELIB_ID="3", VOTE_EFFECTIF="", VOTE_REEL="", VOTE_POUR="", VOTE_CONTRE="", VOTE_ABSTENTION="", BUDGET_ANNEE="", BUDGET_NOM="",
                                                  DELIB_MATIERE_NOM="finances locales/subventions")]),
     "scdl-deliberations")

case("deliberations-compare-sum", "compare-columns-value (PREF_DATE >= DELIB_DATE, VOTE_REEL >= VOTE_POUR...) and sum-columns-value",
     schema_rows("scdl-deliberations", [delib_row(PREF_DATE="2017-10-01"), delib_row(VOTE_EFFECTIF="30"), delib_row(VOTE_POUR="26"),
                                        delib_row(VOTE_POUR="20"), delib_row(VOTE_REEL="45", VOTE_EFFECTIF="43")]),
     "scdl-deliberations")

case("deliberations-year-cohesive", "year-interval-value (equal years, reversed, bad format) and cohesive-columns-value (BUDGET_ANNEE without BUDGET_NOM, partial votes)",
     schema_rows("scdl-deliberations", [delib_row(BUDGET_ANNEE="2017/2017"), delib_row(BUDGET_ANNEE="2018/2017"), delib_row(BUDGET_ANNEE="2017/2019"),
                                        delib_row(BUDGET_NOM=""), delib_row(VOTE_ABSTENTION="", VOTE_POUR="30")]),
     "scdl-deliberations")

case("deliberations-nomenclature", "nomenclature-actes-value: missing slash, space around slash, unknown prefix, case/accents tolerated",
     schema_rows("scdl-deliberations", [delib_row(DELIB_MATIERE_NOM="Urbanisme"), delib_row(DELIB_MATIERE_NOM="Urbanisme / droit des sols"),
                                        delib_row(DELIB_MATIERE_NOM="Culture/musées"), delib_row(DELIB_MATIERE_NOM="COMMANDE PUBLIQUE/marchés"),
                                        delib_row(DELIB_MATIERE_NOM="Libertes publiques et pouvoirs de police/police")]),
     "scdl-deliberations")


def menu_row(**kw):
    base = dict(menuCollNom="Ville de Nantes", menuCollSiret=siret_key_ok("2144010930001"), menuEtablissementNom="Cuisine centrale",
                menuEtablissementSiret=siret_key_ok("2144010930012"), menuRestaurantNom="École Jean Moulin", menuRestaurantInsee="44109",
                menuRestaurantId="0440001A", menuRestaurantIdType="EN", menuRestaurantType="élémentaire", menuRestaurantConvive="enfants",
                menuDate="2024-09-02", menuRepasType="déjeuner", menuPlatType="plat principal", menuPlatNom="Blanquette de veau",
                menuPlatCode="", menuPlatSiqo='["label rouge"]', menuPlatLabel="", menuPlatPrecision="", menuPlatRegime="",
                menuPlatAllergene='["lait", "céréales contenant du gluten"]', menuPlatTexture="", menuPlatNutriscore="B", menuPlatPrix="3.5",
                menuPublicationDate="2024-08-20T09:00:00Z", menuModificationDate="", menuModificationInfo="")
    base.update(kw)
    return base


case("menus-valid", "scdl-menus-collectifs 1.2.3: valid rows including JSON arrays",
     schema_rows("scdl-menus-collectifs", [menu_row(), menu_row(menuPlatType="dessert", menuPlatNom="Yaourt nature", menuPlatSiqo="", menuPlatAllergene='["lait"]')]),
     "scdl-menus-collectifs")

case("menus-errors", "scdl-menus-collectifs: bad SIRET, bad INSEE, JJ/MM/AAAA date, array not JSON, bad datetime, enum",
     schema_rows("scdl-menus-collectifs", [menu_row(menuCollSiret=bad_key(siret_key_ok("2144010930001"))), menu_row(menuRestaurantInsee="4410"),
                                           menu_row(menuDate="02/09/2024"), menu_row(menuPlatAllergene="lait, gluten"),
                                           menu_row(menuPublicationDate="20/08/2024 09:00"), menu_row(menuRestaurantType="école"),
                                           menu_row(menuEtablissementSiret=bad_key(siret_key_ok("2144010930012")))]),
     "scdl-menus-collectifs")


def covoit_row(**kw):
    base = dict(id_local="23X01", nom_lieu="Gare SNCF de Dieppe", ad_lieu="2 Boulevard Georges Clemenceau", com_lieu="Dieppe",
                insee="76217", type="Parking", date_maj="2019-06-25", ouvert="true", source="217602176", Xlong="1.081183",
                Ylat="49.921823", nbre_pl="20", nbre_pmr="2", duree="", horaires="Mo-Fr 08:00-20:00", proprio="Ville de Dieppe",
                lumiere="true", comm="")
    base.update(kw)
    return base


case("covoiturage-opening-hours", "opening-hours-value (OSM syntax) and french-siren-value on lieux-covoiturage",
     schema_rows("lieux-covoiturage", [covoit_row(), covoit_row(horaires="24/7"), covoit_row(horaires="Lu-Ve 8h-20h"),
                                       covoit_row(horaires="true"), covoit_row(source="217602177"), covoit_row(horaires="Mo-Su 00:00-24:00; PH off"),
                                       covoit_row(source="", horaires="")]),
     "lieux-covoiturage")

# ================================================================ real example files
REAL = [
    ("real-irve-statique-valide", "irve-statique", "exemple-valide-statique.csv", "IRVE statique v2.3.1 official valid example"),
    ("real-irve-dynamique-valide", "irve-dynamique", "exemple-valide-dynamique.csv", "IRVE dynamique v2.3.1 official valid example"),
    ("real-covoiturage-exemple-valide", "lieux-covoiturage", "exemple-valide.csv",
     "TRAP: lieux-covoiturage 'exemple-valide.csv' is in fact invalid (horaires = 'true' is not OSM opening_hours)"),
    ("real-covoiturage-exemple-invalide", "lieux-covoiturage", "exemple-invalide.csv", "lieux-covoiturage official invalid example"),
    ("real-prenoms-valide", "scdl-prenoms", "prenoms-nouveaux-nes_exemple-valide.csv", "scdl-prenoms official valid example"),
    ("real-prenoms-invalide", "scdl-prenoms", "prenoms-nouveaux-nes_exemple-invalide.csv", "scdl-prenoms official invalid example"),
    ("real-marches-publics-valide", "scdl-marches-publics", "exemple_marche_public.csv",
     "TRAP: scdl-marches-publics 1.0 valid example; the schema's 'pattern:' typo key must be read past (reference made with the key removed)"),
    ("real-marches-publics-avec-erreurs", "scdl-marches-publics", "exemple_marche_public_avec_erreurs.csv",
     "TRAP: scdl-marches-publics 1.0 example with errors; the schema's 'pattern:' typo key must be read past (reference made with the key removed)"),
]


# ================================================================ writers
def xlsx_bytes(rows):
    """Minimal XLSX (inline strings, one sheet named Feuil1), fixed timestamps."""
    def col(i):
        s = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            s = chr(65 + r) + s
        return s
    sheet_rows = []
    for ri, r in enumerate(rows, 1):
        cells = "".join(f'<c r="{col(ci)}{ri}" t="inlineStr"><is><t>{escape(v)}</t></is></c>' for ci, v in enumerate(r) if v != "")
        sheet_rows.append(f'<row r="{ri}">{cells}</row>')
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + "".join(sheet_rows) + "</sheetData></worksheet>",
    }
    return zip_bytes(files)


def ods_bytes(rows):
    """Minimal ODS (string cells, one table named Feuille1), fixed timestamps; mimetype stored first."""
    trs = []
    for r in rows:
        cells = "".join((f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>' if v != "" else "<table:table-cell/>") for v in r)
        trs.append(f"<table:table-row>{cells}</table:table-row>")
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Feuille1">' + "".join(trs) +
               "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    return zip_bytes({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": content, "META-INF/manifest.xml": manifest},
                     stored_first="mimetype")


def zip_bytes(files, stored_first=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == stored_first else zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def write_case(c):
    d = CASES / c["name"]
    d.mkdir(parents=True, exist_ok=True)
    meta = {"purpose": c["purpose"]}
    if isinstance(c["schema"], str):
        meta["schema"] = c["schema"]
    else:
        meta["schema"] = "schema.json"
        (d / "schema.json").write_text(json.dumps(c["schema"], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if c["options"]:
        meta["options"] = c["options"]
    meta.update(c["extra"])
    if c["raw"] is not None:
        data, name = c["raw"], "data.csv"
    elif c["fmt"] == "xlsx":
        data, name = xlsx_bytes(c["rows"]), "data.xlsx"
    elif c["fmt"] == "ods":
        data, name = ods_bytes(c["rows"]), "data.ods"
    else:
        data = csv_bytes(c["rows"], c["delimiter"], c["encoding"])
        name = "data.csv"
        if c["fmt"] == "csv.gz":
            data, name = gzip.compress(data, mtime=0), "data.csv.gz"
    (d / name).write_bytes(data)
    (d / "case.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main():
    if CASES.exists():
        shutil.rmtree(CASES)
    for c in CASES_LIST:
        write_case(c)
    for name, schema, file, purpose in REAL:
        d = CASES / name
        d.mkdir(parents=True)
        shutil.copyfile(SHARED / schema / file, d / "data.csv")
        meta = {"purpose": purpose, "schema": schema,
                "provenance": f"/work/shared/schemas/{schema}/{file} (byte-for-byte copy; see shared/schemas/SOURCES.md)"}
        if schema == "scdl-marches-publics":
            meta["referenceSchemaFix"] = "drop-constraint-key:pattern:"
            meta["note"] = ("The schema has a constraint key 'pattern:' (typo). Frictionless rejects the whole schema "
                            "(field-error, see rawSchema); Socle reads past it with a warning and judges the rows. The reference "
                            "is frictionless run on a copy of the schema without that key.")
        if file == "exemple-valide.csv" and schema == "lieux-covoiturage":
            meta["note"] = ("Despite its name this official example is INVALID: horaires = 'true' is not OSM opening_hours "
                            "syntax (opening-hours-value). True verdict: invalid, as validata-table says.")
        (d / "case.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{len(CASES_LIST) + len(REAL)} cases written to {CASES}", file=sys.stderr)


if __name__ == "__main__":
    main()
