#!/usr/bin/env python3
"""Regenerates the reference verdicts of Validata's custom checks used by Socle's tests.

Produced with validata-table 0.12.5 (validata_core), frformat 0.4.1, python-stdnum 1.20,
opening-hours-py 0.6.18, frictionless 5.21.0, Python 3.11.

Usage (from any directory, in a venv outside the repository):
    python3 -m venv /work/venv-peers-checks
    /work/venv-peers-checks/bin/pip install validata-table==0.12.5
    /work/venv-peers-checks/bin/python crates/tableschema/src/custom/testdata/regenerate.py

Writes, next to this script:
- opening_hours.jsonl: one {"input": ..., "verdict": "valid" | "invalid" | "panic"} per line,
  the verdict of `opening_hours.validate` (the function Validata's opening-hours-value calls).
  "panic" means the library panicked (PanicException): Validata's whole validation crashes.
- checks.json: scenarios (schema fields, one custom check, header, rows) with the custom-check
  errors Validata reports for each row, and the fields that failed their type check (the Rust
  interface passes None for those cells).
"""

import json
import random
from pathlib import Path

import opening_hours
from validata_core import validate

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------- opening_hours

HANDWRITTEN_OPENING_HOURS = [
    "", " ", "true", "false", "oui", "24/7", "24/7 ", " 24/7", "24/7 closed", "24/7; PH off",
    "Mo-Fr 10:00-18:00; Sa-Su 10:00-12:00", "Mo-Fr 10:00-12:00; ", "Mo-Fr 10:00-12:00;",
    "Mo-Fr 10:00-18:00 ; Sa 10:00-12:00", "Mo-Fr 10:00-18:00;Sa 10:00-12:00",
    "10:00-16:00/30", "10:00-16:00/01:30", "10:00", "10:00+", "10:00-12:00+", "Mo[-1]",
    "Mo[1]", "Mo[1,3]", "Mo[1-2]", "Mo[1] +2 days", "Mo[1] -1 day", "Mo[6]", "Mo[0]",
    "easter", "easter-12", "easter -2 days-easter +2 days", "easter +1 day", "2024 easter",
    "24:30-25:00", "48:59", "00:00-48:59", "00:00-49:00", "00:00-24:60", "Mo 9:00-10:00",
    "Mo 09:00-10:00", "mo 10:00-12:00", "Lu-Ve 09:00-12:00", "lundi 9h-12h", "9h-12h",
    "09h00-12h00", "off", "closed", "open", "unknown", "\"comment\"", "\"\"", "\"unterminated",
    "Mo-Fr", "Mo", "Mo-Su", "Su-Mo", "2020", "2020-2021", "2020-2021/2", "2020-2021/70000",
    "2020-2021/65535", "2020-2021/65536", "2020+", "1899", "1900", "9999", "week 01-53/300",
    "week01-53/300", "week01-53/255", "week01-53/256", "week01", "week 01", "week53", "week54",
    "week01,05-07", "Jan 1-5", "Jan01-05", "Jan 01-Feb 03", "Jan 32", "Jan 31", "Feb 30",
    "Jan", "Jan-Mar", "Jan-Mar 10:00-12:00", "2020 Jan-Mar", "2020Jan 1", "2020 Jan 1",
    "2020 Jan 1-Mar 3", "Dec 25: closed", "Dec 25 closed", "Dec 25:closed", "Dec 25+",
    "Dec 25 +Mo", "Dec 25 -Su", "Dec 25 +Mo +1 day", "Dec 25 +1 day", "Dec 24-26",
    "Dec 24 - 26", "Dec 24 -26", "Mo-Fr 08:00-12:00, 14:00-18:00",
    "Mo-Fr 08:00-12:00,14:00-18:00", "Mo-Fr 08:00-12:00 , 14:00-18:00", "PH off",
    "Mo-Fr 10:00-20:00; PH off", "sunrise-sunset", "(sunrise+01:00)-18:00",
    "(sunrise-00:30)-(sunset+00:30)", "(sunrise+1:00)-18:00", "dawn-dusk", "sunrise",
    "Mo  10:00-12:00", "Mo,We 10:00-12:00", "Mo,PH 10:00-12:00", "PH,Mo 10:00-12:00",
    "PH Mo", "SH Mo-Fr 10:00-12:00", "PH +1 day", "PH -2 days", "PH +0 day", "SH",
    "Mo 10:00-12:00 || \"sur rdv\"", "Mo 10:00-12:00||\"sur rdv\"", "Mo 10:00-12:00 ||\"x\"",
    "Mo-Su 00:00-24:00", "Mo-Su 24:00-24:00", "10:00-12:00 open \"x\"",
    "10:00-12:00 \"x\"", "Mo-Fr 09:00-12:00 \"sauf jours fériés\"", "\"sur rendez-vous\":",
    "\"x\": Mo 10:00-12:00", "Mo-Fr 09:00–12:00", "Mo–Fr 09:00-12:00", "Mo-Fr 09:00-12:00; Sa",
    "Mo-Fr 09:00-12:00 ; Sa off", "Mo-Fr 09:00-12:00 off", "Mo 10:00-12:00 closed \"x\"",
    "Mo 10:00-12:00 closed\"x\"", "Mo 10:00-12:00; Mo 14:00-16:00, Tu 10:00-11:00",
    "Jan 1 +1 day", "PH +99999999999999999999 days", "PH +9223372036854775807 days",
    "PH +9223372036854775808 days", "PH +18446744073709551616 days", "Mo[1] +01 day",
    "Mo 10:00-12:00\n", "\tMo 10:00-12:00", "Mo 10:00-12:00 ", "Mo 10:00-12:00  ",
    "Mo 10:00-12:00,", "Mo,", "Mo-", "10:00-", "10:00-12", "10-12", "10:00 - 12:00",
    "Mo-Fr 9:00-17:00", "Mo-Fr 09:00-17:00 h", "Sa 08:00-12:00 Su 10:00-11:00",
    "Mo-Sa 08:00-20:00; Su,PH off", "Mo-Sa 08:00-20:00; Su, PH off",
    "Jan-Dec Mo-Fr 08:00-12:00", "Apr-Oct: Mo-Fr 08:00-19:00", "week 1-53/2 Fr 10:00-12:00",
    "week01-53/2 Fr 10:00-12:00", "2024-2025 Jan-Mar: Mo 10:00-12:00",
    "Mo-Fr 08:00-12:00; Mo-Fr 13:00-17:00", "Mo-Fr 00:00-24:00", "Mo-Fr 22:00-06:00",
    "Mo-Fr 22:00-30:00", "Mo-Fr 22:00-30:00/00:15", "Mo-Fr 10:00-12:00/00:00",
    "Mo 07:00-09:00/02:00", "Fr 24:00", "Mo 12:00-14:00 , Tu 10:00-11:00",
    "Mo 12:00-14:00,Tu 10:00-11:00", "Mo 12:00-14:00, Tu 10:00-11:00", "24/7 \"always\"",
    "24/7 off", "24/7open", "Mo-Fr 08:00-18:00; \"fermé en août\"", "; Mo", "Mo ;",
    "MO-FR 08:00-18:00", "Mo-Fr 08.00-18.00", "Mo-Fr 0800-1800", "Mo-Fr 8-18",
    "Mo-Fr 08:00-18:00,", "Tu-Th 10:00-12:00,14:00-16:00", "Su[1,-1]", "Su[-1]",
    "2024 Jan 1-2024 Dec 31", "2024 Dec 1-2025 Jan 31", "Jan 1-Dec 31 +", "Jan 1+",
    "Jan 1 +Mo+", "Jan 1 - Jan 3", "Jan 1 -Jan 3", "easter-Apr 30", "easter -Apr 30",
    "Jan 1-easter", "2024easter", "2024 easter +1 day", "Dec 25 -1 day-Dec 26 +1 day",
    "Mo[1-5]", "Mo[5-1]", "We[1,2,3,4,5]", "PH,SH off", "SH,PH off", "PH SH off",
    "Mo 10:00-12:00 unknown \"x\"", "unknown \"x\"", "closed \"x\"", "off\"x\"",
    "00:00-00:00", "23:59-00:01", "24:00-48:00", "24:01-25:00", "25:00-26:00",
    "sunset-sunrise", "(sunset+01:00)-(sunrise-01:00)", "(dusk-10:00)-dawn",
    "(sunrise+24:00)-18:00", "(sunrise+24:59)-18:00", "(sunrise+25:00)-18:00",
    "sunrise-(sunset-00:30)", "(sunrise)-18:00", "sunrise+-18:00", "sunrise-sunset+",
    "Mo,Tu,We,Th,Fr,Sa,Su 10:00-11:00", "Mo-Fr,Su 10:00-11:00", "PH,Mo-Fr 10:00-11:00",
    "Mo-Fr,PH 10:00-11:00", "Mo-Fr, PH 10:00-11:00", "week 05", "week05 Mo",
    "week05: Mo", "week05:Mo", "2020: Mo", "2020:Mo", "2020 Mo", "2020  Mo",
    "\"a\";\"b\"", "\"a\"; \"b\"", "\"a\" || \"b\"", "é", "Mo 10:00-12:00 ; é",
]

ALPHABET = [
    "Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "PH", "SH", "-", ",", " ", "; ", ";", ", ",
    " || ", ":", "08:00", "12:00", "14:00", "18:00", "24:00", "26:00", "9:00", "Jan", "Dec",
    "2024", "week", "01", "1", "5", "31", "+", "/", "[", "]", "off", "closed", "open",
    "\"x\"", "sunrise", "(", ")", "easter", "day", "days", "24/7", "00:30",
]

STRUCTURED = [
    lambda r: f"{r.choice(['Mo', 'Tu', 'Sa', 'Su'])}-{r.choice(['Fr', 'Sa', 'Su', 'Mo'])} "
    f"{r.choice(['08', '8', '09', '23', '24', '25'])}:{r.choice(['00', '30', '60', '5'])}-"
    f"{r.choice(['12', '18', '24', '30', '48', '49'])}:{r.choice(['00', '59', '60'])}",
    lambda r: r.choice(["Jan", "Feb", "Dec"]) + r.choice(["", " "]) + r.choice(["1", "01", "31", "32", "0"])
    + r.choice(["", "-", " - ", "-Mar 2", "-5", "+", " +Mo", " -1 day"]),
    lambda r: r.choice(["PH", "SH", "Mo", "PH,Mo", "Mo,PH", "PH Mo"]) + r.choice(["", " off", " 10:00-12:00", " +1 day", "[1]", "[-1]"]),
    lambda r: r.choice(["2020", "1999", "1899", "2024-2025", "2020+", "2020-2030/3"]) + r.choice(["", " ", ":", ": "])
    + r.choice(["", "Jan", "Mo", "week01", "10:00-11:00"]),
]


def generated_opening_hours(count: int) -> list:
    rng = random.Random(20241128)
    cases = []
    for i in range(count):
        if i % 2 == 0:
            parts = [rng.choice(STRUCTURED)(rng) for _ in range(rng.randint(1, 3))]
            sep = rng.choice(["; ", ", ", " || ", ";", " "])
            cases.append(sep.join(parts))
        else:
            cases.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 7))))
    rng = random.Random(7)
    cases += [grammar_walk(rng) for _ in range(1700)]
    return cases


def grammar_walk(rng: random.Random) -> str:
    """A random expression drawn from (a loose version of) the grammar, sometimes mutated."""
    def pick(*options):
        return rng.choice(options)

    def hour():
        if rng.random() < 0.85:
            return pick("00", "07", "08", "09", "12", "14", "18", "19", "20", "23", "24")
        return pick("25", "9", "30", "48")

    def time():
        if rng.random() < 0.15:
            return pick("sunrise", "sunset", "dawn", "dusk", "(sunrise+01:00)", "(sunset-00:30)")
        minutes = pick("00", "15", "30", "59") if rng.random() < 0.9 else pick("60", "5")
        return hour() + ":" + minutes

    def timespan():
        if rng.random() < 0.1:
            return time() + pick("", "+")
        span = time() + "-" + time()
        return span + pick("", "", "", "", "", "+", "/00:30", "/30", "/01:00")

    def weekday():
        days = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
        day = rng.choice(days)
        roll = rng.random()
        if roll < 0.3:
            return day + "-" + rng.choice(days)
        if roll < 0.4:
            return day + "[" + pick("1", "2", "5", "1-2", "-1", "1,3", "6") + "]" + pick("", " +1 day", " -2 days")
        return day

    def weekdays():
        seq = ",".join(weekday() for _ in range(rng.randint(1, 3)))
        roll = rng.random()
        if roll < 0.15:
            return "PH" + pick("", " +1 day", ",SH") + pick("", "," + seq)
        if roll < 0.25:
            return seq + ",PH"
        return seq

    def monthday():
        month = pick("Jan", "Feb", "Mar", "Apr", "Dec")
        roll = rng.random()
        if roll < 0.3:
            return month + pick("", "-Jun", "-Dec")
        date = pick("", "2024 ", "2024") + month + pick(" ", "") + pick("1", "01", "15", "31", "32")
        return date + pick("", "-" + pick("5", "20", "Jun 30", "Dec 31"), "+", " +Mo", " -1 day", "-easter")

    def selector():
        parts = []
        if rng.random() < 0.15:
            parts.append(pick("2024", "2024-2026", "2024+", "2020-2030/2") + " ")
        if rng.random() < 0.2:
            parts.append(monthday() + pick(" ", ": ", ":"))
        if rng.random() < 0.1:
            parts.append("week" + pick("01", "1", "01-10", "01-53/2", "05,07") + pick(" ", ":"))
        roll = rng.random()
        if roll < 0.6:
            parts.append(weekdays() + " " + ",".join(timespan() for _ in range(rng.randint(1, 2))))
        elif roll < 0.75:
            parts.append(weekdays())
        else:
            parts.append(",".join(timespan() for _ in range(rng.randint(1, 2))))
        text = "".join(parts)
        if rng.random() < 0.15:
            text += pick(" off", " closed", " open", " unknown", ' "sur rdv"', ' off "x"')
        return text

    text = selector()
    for _ in range(rng.randint(0, 2)):
        text += pick("; ", ", ", " || ", ";", " ; ") + selector()
    if rng.random() < 0.2 and text:
        position = rng.randrange(len(text))
        mutation = pick("delete", "insert", "replace")
        char = pick(" ", "-", ":", ",", ";", "0", "1", "M", "h")
        if mutation == "delete":
            text = text[:position] + text[position + 1:]
        elif mutation == "insert":
            text = text[:position] + char + text[position:]
        else:
            text = text[:position] + char + text[position + 1:]
    return text


def opening_hours_verdict(text: str) -> str:
    try:
        return "valid" if opening_hours.validate(text) else "invalid"
    except BaseException:  # pyo3's PanicException derives from BaseException
        return "panic"


def write_opening_hours():
    seen = set()
    with open(HERE / "opening_hours.jsonl", "w", encoding="utf-8") as out:
        for text in HANDWRITTEN_OPENING_HOURS + generated_opening_hours(300):
            if text in seen:
                continue
            seen.add(text)
            line = {"input": text, "verdict": opening_hours_verdict(text)}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- other checks

def luhn_complete(prefix: str) -> str:
    """Appends the digit that makes `prefix` pass the Luhn check."""
    for d in "0123456789":
        digits = [int(c) for c in reversed(prefix + d)]
        total = sum(digits[0::2]) + sum(sum(divmod(2 * x, 10)) for x in digits[1::2])
        if total % 10 == 0:
            return prefix + d
    raise AssertionError


def la_poste(suffix4: str, good: bool) -> str:
    """A La Poste SIRET (SIREN 356000000) whose digit sum is (or is not) a multiple of 5."""
    for d in "0123456789":
        number = "356000000" + suffix4 + d
        if (sum(map(int, number)) % 5 == 0) == good:
            return number
    raise AssertionError


SIRETS = [
    "73282932000074", "73282932000079", "35600000000048", "35600000000049",
    la_poste("0001", True), la_poste("0001", False), la_poste("1234", True), la_poste("9876", False),
    luhn_complete("4040833040001"), luhn_complete("1234567890123"), "732829320", "7328293200007",
    "732829320000741", "732 829 320 00074", "732.829.320.00074", " 73282932000074 ",
    "\t73282932000074", "73282932000074\n", "7328293200007A", "ABCDEFGHIJKLMN", "00000000000000",
    "７３２８２９３２０００７４", "732\u00a0829\u00a0320\u00a000074", "732-829-320-00074",
    "73282932000082",  # Luhn-valid SIRET, SIREN part also valid? (kept for the record)
    luhn_complete("1111111110000"), "+73282932000074", "",
]

SIRENS = [
    "732829320", "732829321", "356000000", "404833048", "404833047", "000000000", "73282932",
    "7328293200", "73282932000074", "732 829 320", "732.829.320", " 732829320", "73282932O",
    "552008443", "552 008 443", "５５２００８４４３",
]

NOMENCLATURES = [
    "Urbanisme/Permis de construire", "Urbanisme/", "urbanisme/x", "URBANISME/X", "Urbanisme",
    "Urbanismex", "Urbanisme /x", "Urbanisme/ x", " Urbanisme/x", "Urbanisme/x/ y",
    "Libertés publiques et pouvoirs de police/x", "Libertes publiques et pouvoirs de police/x",
    "LIBERTÉS PUBLIQUES ET POUVOIRS DE POLICE/x", "Domaines de compétences par thèmes/x",
    "Domaines de competences par themes/x", "Autres domaines de compétences/7.1",
    "Finances locales/Subventions", "Finances  locales/x", "Commande publique/Marchés",
    "Fonction publique/x", "Institutions et vie politique/x", "Domaine et patrimoine/x",
    "Domaine patrimoine/x", "Autre/x", "/x", "Finances locales\\x", "Finances locales／x",
]

YEARS = ["2017/2018", "2017", "2017/2017", "2018/2017", "17/18", "2017-2018", "2017 / 2018",
         "20172018", " 2017", "2017/2018/2019", "abcd", "0000/0001", "9999", "2017/2018\n",
         "2017\n", "2017/2018 "]


def scenario(name, fields, check, header, rows):
    return {"name": name, "fields": fields, "check": check, "header": header, "rows": rows}


def string_fields(*names):
    return [{"name": n, "type": "string"} for n in names]


def integer_fields(*names):
    return [{"name": n, "type": "integer"} for n in names]


def scenarios():
    votes = ["VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION"]
    out = [
        scenario("siret", string_fields("siret"),
                 {"name": "french-siret-value", "params": {"column": "siret"}},
                 ["siret"], [[s] for s in SIRETS]),
        scenario("siren", string_fields("siren"),
                 {"name": "french-siren-value", "params": {"column": "siren"}},
                 ["siren"], [[s] for s in SIRENS]),
        scenario("nomenclature", string_fields("matiere"),
                 {"name": "nomenclature-actes-value", "params": {"column": "matiere"}},
                 ["matiere"], [[s] for s in NOMENCLATURES]),
        scenario("year-interval-year-only", string_fields("annee"),
                 {"name": "year-interval-value", "params": {"column": "annee", "allow-year-only": "yes"}},
                 ["annee"], [[s] for s in YEARS]),
        scenario("year-interval-strict", string_fields("annee"),
                 {"name": "year-interval-value", "params": {"column": "annee"}},
                 ["annee"], [[s] for s in YEARS]),
        scenario("opening-hours", string_fields("horaires"),
                 {"name": "opening-hours-value", "params": {"column": "horaires"}},
                 ["horaires"], [[s] for s in ["24/7", "true", "Mo-Fr 08:00-12:00", "Mo 9h-12h", "", " ", "10:00"]]),
        scenario("compare-integers", integer_fields("a", "b"),
                 {"name": "compare-columns-value", "params": {"column": "a", "op": ">=", "column2": "b"}},
                 ["a", "b"], [["10", "9"], ["9", "10"], ["10", "10"], ["", "3"], ["3", ""], ["x", "3"],
                              ["-5", "-4"], [" 7 ", "7"], ["100000000000000000000", "99999999999999999999"]]),
        scenario("compare-integers-lt", integer_fields("a", "b"),
                 {"name": "compare-columns-value", "params": {"column": "a", "op": "<", "column2": "b"}},
                 ["a", "b"], [["1", "2"], ["2", "2"], ["3", "2"]]),
        scenario("compare-integers-eq", integer_fields("a", "b"),
                 {"name": "compare-columns-value", "params": {"column": "a", "op": "==", "column2": "b"}},
                 ["a", "b"], [["1", "1"], ["1", "2"]]),
        scenario("compare-numbers", [{"name": "a", "type": "number"}, {"name": "b", "type": "number"}],
                 {"name": "compare-columns-value", "params": {"column": "a", "op": "<=", "column2": "b"}},
                 ["a", "b"], [["1.5", "1.50"], ["1.5", "1.4"], ["10", "9.99"], ["-0.5", "0"], ["1e3", "999"]]),
        scenario("compare-dates", [{"name": "PREF_DATE", "type": "date"}, {"name": "DELIB_DATE", "type": "date"}],
                 {"name": "compare-columns-value", "params": {"column": "PREF_DATE", "op": ">=", "column2": "DELIB_DATE"}},
                 ["PREF_DATE", "DELIB_DATE"],
                 [["2024-01-10", "2024-01-09"], ["2024-01-09", "2024-01-10"], ["2024-01-10", "2024-01-10"],
                  ["2024-1-10", "2024-01-09"], ["2024-2-1", "2024-10-01"], ["", "2024-01-01"],
                  ["2024-13-01", "2024-01-01"], ["10/01/2024", "2024-01-01"]]),
        scenario("compare-strings", string_fields("a", "b"),
                 {"name": "compare-columns-value", "params": {"column": "a", "op": ">", "column2": "b"}},
                 ["a", "b"], [["b", "a"], ["a", "b"], ["B", "a"], ["10", "9"], ["9", "10"], ["abc", "abd"],
                              ["é", "z"]]),
        scenario("sum", integer_fields(*votes[1:]),
                 {"name": "sum-columns-value", "params": {"column": "VOTE_REEL", "columns": ["VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION"]}},
                 votes[1:], [["10", "5", "3", "2"], ["10", "5", "3", "1"], ["0", "0", "0", "0"], ["10", "", "3", "2"],
                             ["", "5", "3", "2"], ["10", "x", "3", "2"], ["-1", "-1", "0", "0"], [" 10", "10 ", "0", "0"]]),
        scenario("sum-numbers", [{"name": n, "type": "number"} for n in ["t", "x", "y"]],
                 {"name": "sum-columns-value", "params": {"column": "t", "columns": ["x", "y"]}},
                 ["t", "x", "y"], [["0.3", "0.1", "0.2"], ["1", "0.5", "0.5"], ["1.0", "0.5", "0.4"], ["1e1", "5", "5"]]),
        scenario("cohesive", integer_fields(*votes),
                 {"name": "cohesive-columns-value", "params": {"column": "VOTE_EFFECTIF", "othercolumns": votes[1:]}},
                 votes, [["1", "1", "1", "0", "0"], ["", "", "", "", ""], ["1", "", "", "", ""], ["", "1", "", "", ""],
                         ["1", "1", "1", "1", ""], ["x", "1", "1", "1", "1"], ["x", "", "", "", ""]]),
        scenario("cohesive-strings", string_fields("BUDGET_ANNEE", "BUDGET_NOM"),
                 {"name": "cohesive-columns-value", "params": {"column": "BUDGET_ANNEE", "othercolumns": ["BUDGET_NOM"]}},
                 ["BUDGET_ANNEE", "BUDGET_NOM"], [["2024", "Principal"], ["", ""], ["2024", ""], ["", "Principal"], [" ", "x"]]),
        scenario("cohesive-missing-column", string_fields("BUDGET_ANNEE", "BUDGET_NOM", "autre"),
                 {"name": "cohesive-columns-value", "params": {"column": "BUDGET_ANNEE", "othercolumns": ["BUDGET_NOM"]}},
                 ["BUDGET_ANNEE", "autre"], [["2024", "a"], ["", "b"], ["2025", "c"]]),
        scenario("cohesive-all-columns-missing", string_fields("BUDGET_ANNEE", "BUDGET_NOM", "autre"),
                 {"name": "cohesive-columns-value", "params": {"column": "BUDGET_ANNEE", "othercolumns": ["BUDGET_NOM"]}},
                 ["autre"], [["a"], ["b"]]),
        scenario("one-of-required", string_fields("idBeneficiaire", "rnaBeneficiaire", "autre"),
                 {"name": "one-of-required", "params": {"column1": "idBeneficiaire", "column2": "rnaBeneficiaire"}},
                 ["idBeneficiaire", "rnaBeneficiaire", "autre"],
                 [["73282932000074", "", "a"], ["", "W123456789", "b"], ["73282932000074", "W123456789", "c"],
                  ["", "", "d"], [" ", "", "e"]]),
        scenario("one-of-required-one-missing", string_fields("idBeneficiaire", "rnaBeneficiaire", "autre"),
                 {"name": "one-of-required", "params": {"column1": "idBeneficiaire", "column2": "rnaBeneficiaire"}},
                 ["idBeneficiaire", "autre"], [["73282932000074", "a"], ["", "b"]]),
        scenario("one-of-required-both-missing", string_fields("idBeneficiaire", "rnaBeneficiaire", "autre"),
                 {"name": "one-of-required", "params": {"column1": "idBeneficiaire", "column2": "rnaBeneficiaire"}},
                 ["autre"], [["a"], ["b"]]),
    ]
    return out


CUSTOM_TYPES = {
    "one-of-required", "cohesive-columns-value", "compare-columns-value", "year-interval-value",
    "opening-hours-value", "nomenclature-actes", "french-siret-value", "french-siren-value",
    "custom-check-error", "sum-columns-value", "check-error",
}


def run_scenario(sc):
    schema = {"fields": sc["fields"], "custom_checks": [sc["check"]]}
    # A leading column keeps rows with only empty cells from being "blank rows"
    # (Socle's validator decides separately what to do with blank rows).
    table = [sc["header"] + ["_n"]] + [row + [str(i)] for i, row in enumerate(sc["rows"])]
    schema["fields"] = sc["fields"] + [{"name": "_n", "type": "string"}]
    try:
        report = validate(table, schema).to_dict()
    except BaseException as e:  # noqa: B902 - record crashes (e.g. a Rust panic) as such
        return {"crash": type(e).__name__ + ": " + str(e)[:200]}
    rows = [{"type_errors": [], "errors": []} for _ in sc["rows"]]
    header_errors = []
    for err in report["errors"]:
        row_number = err.get("rowNumber")
        entry = {"type": err["type"], "field": err.get("fieldName"), "message": err["message"]}
        if err["type"] == "type-error":
            rows[row_number - 2]["type_errors"].append(err["fieldName"])
        elif err["type"] in CUSTOM_TYPES:
            if row_number is None or row_number < 2:
                header_errors.append(entry)
            else:
                rows[row_number - 2]["errors"].append(entry)
    return {"header_errors": header_errors, "rows": rows, "warnings": report.get("warnings", [])}


def write_checks():
    result = []
    for sc in scenarios():
        sc = dict(sc)
        sc["validata"] = run_scenario(sc)
        result.append(sc)
    with open(HERE / "checks.json", "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False, indent=1)
        out.write("\n")


if __name__ == "__main__":
    write_opening_hours()
    write_checks()
