"""Regenerates the small binary fixtures of this folder.

Run with a Python that has openpyxl and odfpy:
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install openpyxl odfpy
    /tmp/venv/bin/python make_fixtures.py
"""
import datetime
import gzip

import openpyxl
from openpyxl.styles import Font
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableRow, TableCell
from odf.text import P


def write_text(name, text, encoding):
    with open(name, "wb") as f:
        f.write(text.encode(encoding))


# --- CSV in several encodings -------------------------------------------
FRENCH = "nom;montant;note\nÉcole élémentaire;12 €;cœur\nCafé;3,5 €;œuvre\n"
write_text("cp1252.csv", FRENCH, "cp1252")
write_text("latin9.csv", FRENCH, "iso-8859-15")
LATIN1 = "nom;ville\nÉcole élémentaire;Orléans\nCafé;Besançon\n"
write_text("latin1.csv", LATIN1, "latin-1")
write_text("utf16le_bom.csv", "\ufeff" + FRENCH, "utf-16-le")
write_text("utf8_bom.csv", "\ufeff" + FRENCH, "utf-8")
with open("utf8.csv.gz", "wb") as f:
    f.write(gzip.compress(FRENCH.encode("utf-8"), mtime=0))

# --- XLSX ------------------------------------------------------------------
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Données"
ws.append(["id", "nom", "date", "montant", "actif", "horodatage", "vide"])
ws.append([1, "École", datetime.date(2024, 1, 15), 3.0, True,
           datetime.datetime(2024, 1, 15, 10, 30, 0), None])
ws.append([2, "Café", datetime.date(1999, 12, 31), 2.5, False,
           datetime.datetime(2000, 2, 29, 23, 59, 59), None])
ws.append([3, None, None, 0.1, None, None, None])
# A styled but empty cell far below: the sheet's used range grows, leaving
# trailing empty rows that readers must drop.
ws["A8"].font = Font(bold=True)
other = wb.create_sheet("Autre feuille")
other.append(["code", "libellé"])
other.append(["A1", "premier"])
wb.save("simple.xlsx")

# --- ODS -------------------------------------------------------------------
def ods_cell(value):
    if value is None:
        return TableCell()
    if isinstance(value, bool):
        cell = TableCell(valuetype="boolean", booleanvalue="true" if value else "false")
        cell.addElement(P(text="VRAI" if value else "FAUX"))
        return cell
    if isinstance(value, datetime.datetime):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.strftime("%d/%m/%Y %H:%M:%S")))
        return cell
    if isinstance(value, datetime.date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.strftime("%d/%m/%Y")))
        return cell
    if isinstance(value, (int, float)):
        cell = TableCell(valuetype="float", value=str(value))
        cell.addElement(P(text=str(value).replace(".", ",")))
        return cell
    cell = TableCell(valuetype="string")
    cell.addElement(P(text=value))
    return cell


def ods_sheet(name, rows):
    table = Table(name=name)
    for values in rows:
        row = TableRow()
        for value in values:
            row.addElement(ods_cell(value))
        table.addElement(row)
    return table


doc = OpenDocumentSpreadsheet()
doc.spreadsheet.addElement(ods_sheet("Données", [
    ["id", "nom", "date", "montant", "actif", "horodatage", "vide"],
    [1, "École", datetime.date(2024, 1, 15), 3.0, True,
     datetime.datetime(2024, 1, 15, 10, 30, 0), None],
    [2, "Café", datetime.date(1999, 12, 31), 2.5, False,
     datetime.datetime(2000, 2, 29, 23, 59, 59), None],
    [3, None, None, 0.1, None, None, None],
    [None], [None],
]))
doc.spreadsheet.addElement(ods_sheet("Autre feuille", [["code", "libellé"], ["A1", "premier"]]))
doc.save("simple.ods")
