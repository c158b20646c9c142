"""Cached values in files jixiao saves: ours where the file has none, a program's own kept."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl

import jixiao.udfs
from jixiao.formats.cached import lacks_values, stale, write_cached_values
from jixiao.formats.cells import cache_values, read_cells
from jixiao.formats.package import Package
from jixiao.hosts.package import PackageHost


def workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"], ws["A2"] = 3, 4
    ws["B1"] = "=A1+A2"
    ws["B2"] = "=VLOOKUP(A1,A1:A2,1,FALSE)"  # a function the evaluator does not know
    ws["B3"] = "=B2*2"
    ws["B4"] = "=JX_EXEC_RATE(A1,A2)"
    wb.save(path)
    return path


def cached(path: Path) -> dict[str, str | None]:
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    return {
        ref: (v.group(1) if (v := re.search(r"<v>([^<]*)</v>", body)) else None)
        for ref, body in re.findall(r'<c r="([A-Z]+\d+)"[^>]*>(.*?)</c>', xml)
        if "<f>" in body
    }


def with_caches(path: Path, values: dict[str, str], full_calc: bool) -> None:
    """The file as a spreadsheet program saves it: every formula with its result."""
    pkg = Package.read(path)
    xml = pkg.text("xl/worksheets/sheet1.xml")
    for ref, value in values.items():
        xml = re.sub(
            rf'(<c r="{ref}"[^>]*>)(<f>.*?</f>)(<v>[^<]*</v>|<v\s*/>)?',
            rf"\1\2<v>{value}</v>",
            xml,
        )
    pkg.put("xl/worksheets/sheet1.xml", xml)
    book = pkg.text("xl/workbook.xml")
    book = re.sub(r"<calcPr\b[^>]*/>", "", book)
    if full_calc:
        book = book.replace("</workbook>", '<calcPr fullCalcOnLoad="1"/></workbook>')
    pkg.put("xl/workbook.xml", book)
    pkg.write(path)


def test_a_file_without_cached_values_gets_the_computed_ones(tmp_path):
    book = workbook(tmp_path / "a.xlsx")
    pkg = Package.read(book)
    assert stale(pkg)
    report = write_cached_values(pkg, jixiao.udfs)
    pkg.write(tmp_path / "b.xlsx")
    values = cached(tmp_path / "b.xlsx")
    assert values["B1"] == "7" and values["B4"] == "0.75"  # JX_EXEC_RATE: the Python function
    # an unknown function (and what reads it) is left as the file had it, never #NAME?
    assert not values["B2"] and not values["B3"]
    assert (report.cells, report.kept) == (2, 2)


def test_a_programs_own_results_stay(tmp_path):
    book = workbook(tmp_path / "a.xlsx")
    # as Excel saves it: a result for every formula, no request to recalculate
    with_caches(book, {"B1": "7", "B2": "3", "B3": "6", "B4": "0.75"}, full_calc=False)
    assert not stale(Package.read(book))
    before = book.read_bytes()
    PackageHost(book, functions=jixiao.udfs).save(tmp_path / "out.xlsx")
    assert (tmp_path / "out.xlsx").read_bytes() == before


def test_a_file_that_asks_to_be_recalculated_gets_fresh_values(tmp_path):
    book = workbook(tmp_path / "a.xlsx")
    # stale results (the inputs changed after the last calculation), recalculation on load
    with_caches(book, {"B1": "1", "B2": "3", "B3": "6", "B4": "0.1"}, full_calc=True)
    PackageHost(book, functions=jixiao.udfs).save(tmp_path / "out.xlsx")
    values = cached(tmp_path / "out.xlsx")
    assert values == {"B1": "7", "B2": "3", "B3": "6", "B4": "0.75"}
    assert openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["表"]["B1"].value == 7


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_sheet(path: Path, sheet_data: str, root: str = f'<worksheet xmlns="{MAIN}">') -> Package:
    """The openpyxl workbook at ``path`` with its sheet's cells replaced."""
    pkg = Package.read(workbook(path))
    end = "</" + root[1:].split()[0] + ">"
    pkg.put("xl/worksheets/sheet1.xml", f"{root}{sheet_data}{end}".encode())
    return pkg


def test_cells_in_any_spelling_get_their_values_and_nothing_else_changes(tmp_path):
    """Cached values are written into the cells as an XML parser finds them: a comment
    between cells (holding text that looks like a cell), a row that declares the
    namespace again, a cell without ``r`` (the next column), a stale ``t`` spelled with
    single quotes, an empty ``<v/>``; every other byte of the sheet stays."""
    cells = (
        '<sheetData><row r="1"><c r="A1"><v>3</v></c>'
        '<!-- <c r="B1"><f>A1</f></c> -->'
        "<c r = 'B1' t = 'str'\n><f>A1+A2</f><v></v></c></row>"
        f'<row xmlns="{MAIN}" r="2"><c r="A2"><v>4</v></c><c><f>1/0</f><v/></c></row>'
        "</sheetData>"
    )
    pkg = with_sheet(tmp_path / "a.xlsx", cells)
    assert lacks_values(pkg)
    write_cached_values(pkg, jixiao.udfs)
    xml = pkg.data["xl/worksheets/sheet1.xml"].decode()
    assert xml == (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>3</v></c>'
        '<!-- <c r="B1"><f>A1</f></c> -->'
        "<c r = 'B1'\n><f>A1+A2</f><v>7</v></c></row>"
        f'<row xmlns="{MAIN}" r="2"><c r="A2"><v>4</v></c><c t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        "</row></sheetData></worksheet>"
    )
    assert not lacks_values(pkg)


def test_the_namespace_is_followed_where_a_row_binds_it_to_another_prefix():
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData><y:row xmlns:y="{MAIN}" r="1">'
        '<y:c r="A1"><y:f>1+1</y:f></y:c><c r="B1"><f>1</f></c></y:row>'
        '<row xmlns="urn:other" r="2"><c r="A2"><f>1</f></c></row></sheetData></worksheet>'
    )
    xml, n = cache_values(sheet, {"A1": 2, "B1": "x", "A2": 1})
    assert n == 2
    assert (
        '<y:c r="A1"><y:f>1+1</y:f><y:v>2</y:v></y:c><c r="B1" t="str"><f>1</f><v>x</v></c>' in xml
    )
    assert '<c r="A2"><f>1</f></c>' in xml  # not SpreadsheetML: left alone


def test_a_prefixed_sheet_is_seen_to_lack_values_and_gets_them(tmp_path):
    """<x:c>, <x:f>: the cells lack their values (stale) and get them, under x:."""
    root = f'<x:worksheet xmlns:x="{MAIN}">'
    cells = (
        '<x:sheetData><x:row r="1"><x:c r="A1"><x:v>3</x:v></x:c><x:c r="B1"><x:f>A1*2</x:f>'
        "</x:c></x:row></x:sheetData>"
    )
    pkg = with_sheet(tmp_path / "a.xlsx", cells, root)
    assert stale(pkg)
    assert write_cached_values(pkg, jixiao.udfs).cells == 1
    assert b'<x:c r="B1"><x:f>A1*2</x:f><x:v>6</x:v></x:c>' in pkg.data["xl/worksheets/sheet1.xml"]
    assert not lacks_values(pkg)


def test_a_number_no_cell_can_hold_is_read_as_its_text_when_computing() -> None:
    """The values validate computes formulas from: <v>1E+309</v> is the text as written
    (as the sheet reader gives it, so a check quotes it), never infinity."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        f'<worksheet xmlns="{ns}"><sheetData><row r="1"><c r="A1"><v>1E+309</v></c>'
        '<c r="B1"><v>-1e400</v></c><c r="C1"><v>12.5</v></c></row></sheetData></worksheet>'
    )
    pkg = Package(["s.xml"], {"s.xml": sheet.encode()}, {})
    cells = {pos: c.value for pos, c in read_cells(pkg, "s.xml", []).items()}
    assert cells == {(1, 1): "1E+309", (1, 2): "-1e400", (1, 3): 12.5}
