"""Cached results for a workbook's formula cells, computed without a spreadsheet program.

A program that shows a file without recalculating it (Excel's Protected View, previewers,
openpyxl with ``data_only=True``, pandas, calamine, a bureau's import script) shows the
cached value <v> of each formula cell. jixiao writes them from its own formula evaluator,
with the worksheet functions given by the caller (the same Python functions Excel calls),
and keeps ``fullCalcOnLoad`` so programs that recalculate still do.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from jixiao.formats.cells import ErrorValue, cache_values, package_strings, read_cells
from jixiao.formats.package import Package, sheet_parts
from jixiao.formats.xml import parse, q

if TYPE_CHECKING:
    from jixiao.formats.formula import Workbook

# An unknown function (#NAME?) means the evaluator cannot compute the cell: whatever the
# file holds for it is kept rather than replaced by an error Excel would not show.
_UNKNOWN = "#NAME?"


@dataclass(frozen=True)
class CachedReport:
    cells: int  # formula cells whose cached value was written
    kept: int  # formula cells left as they were (a function the evaluator does not know)


def _evaluator() -> ModuleType:
    """jixiao.formats.formula, loaded when a file's cached values are computed: a file
    with its own (``stale`` false) is marked without the 25 ms its import takes."""
    return importlib.import_module("jixiao.formats.formula")


def read_formula_book(pkg: Package) -> tuple[Workbook, dict[str, str]]:
    """The package's cells, formulas and defined names for the evaluator, and the sheet
    parts by sheet name."""
    parts = sheet_parts(pkg)
    strings = package_strings(pkg)
    cells: dict[tuple[str, int, int], Any] = {}
    formulas: dict[tuple[str, int, int], str] = {}
    for sheet, part in parts.items():
        if part not in pkg.data:
            continue
        for (row, col), content in read_cells(pkg, part, strings).items():
            if content.formula is not None:
                formulas[(sheet, row, col)] = content.formula
            elif content.value is not None:
                cells[(sheet, row, col)] = content.value
    names, local = _defined_names(pkg, list(parts))
    return _evaluator().Workbook(cells, formulas, names, local), parts


def _defined_names(
    pkg: Package, sheets: list[str]
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    names: dict[str, str] = {}
    local: dict[tuple[str, str], str] = {}
    for d in parse(pkg.data["xl/workbook.xml"]).iter(q("definedName")):
        name, text = d.get("name"), (d.text or "").strip()
        if not name or not text:
            continue
        scope = d.get("localSheetId")
        if scope is None:
            names[name] = text
        elif scope.isdigit() and int(scope) < len(sheets):
            local[(sheets[int(scope)], name)] = text
    return names, local


# A formula cell whose <v> is empty or absent (group 1: the cell's attributes, 2: its <v>).
_NO_VALUE = re.compile(
    rb"<c\b([^>]*)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)\s*(<v>\s*</v>|<v/>)?\s*</c>"
)


def stale(pkg: Package) -> bool:
    """Whether the file's cached values cannot be trusted: it asks to be recalculated on
    load, or a formula cell has no cached value. An empty ``<v>`` in a text cell
    (``t="str"``) is a value: the empty text that Excel, LibreOffice and jixiao write for
    a formula giving ""; openpyxl leaves an empty ``<v>`` without a type."""
    if re.search(rb'<calcPr\b[^>]*fullCalcOnLoad="(1|true)"', pkg.data["xl/workbook.xml"]):
        return True
    for part in sheet_parts(pkg).values():
        for attributes, value in _NO_VALUE.findall(pkg.data.get(part, b"")):
            if not value or b't="str"' not in attributes or not _TEXT.search(attributes):
                return True
    return False


_TEXT = re.compile(rb'\bt="str"')


def write_cached_values(pkg: Package, functions: ModuleType) -> CachedReport:
    """Set every formula cell's cached value to what the evaluator computes, in place;
    ``functions`` (jixiao.udfs) are the worksheet functions, by the names in its __all__."""
    book, parts = read_formula_book(pkg)
    formula = _evaluator()
    results = formula.evaluate_all(
        book, {name: getattr(functions, name) for name in functions.__all__}
    )
    by_sheet: dict[str, dict[str, Any]] = {}
    kept = 0
    for (sheet, row, col), value in results.items():
        if isinstance(value, formula.Error):
            if value.code == _UNKNOWN:
                kept += 1
                continue
            value = ErrorValue(value.code)
        by_sheet.setdefault(sheet, {})[_address(row, col)] = value
    written = 0
    for sheet, values in by_sheet.items():
        xml, n = cache_values(pkg.text(parts[sheet]), values)
        if n:
            pkg.put(parts[sheet], xml)
            written += n
    return CachedReport(written, kept)


def _address(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


__all__ = ["CachedReport", "read_formula_book", "stale", "write_cached_values"]
