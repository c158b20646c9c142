"""Cached values in files jixiao saves: ours where the file has none, a program's own kept."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl

import jixiao.udfs
from jixiao.formats.cached import stale, write_cached_values
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
