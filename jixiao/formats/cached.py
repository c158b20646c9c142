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

from jixiao.core.layout import column_letter
from jixiao.formats.cells import (
    ErrorValue,
    RowsPastLimit,
    cache_part_values,
    package_strings,
    read_cells,
)
from jixiao.formats.grid import row_limit
from jixiao.formats.package import Package, asks_recalculation, sheet_parts
from jixiao.formats.sheet_xml import MalformedPart, decode_part
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
    # (sheet, rows, limit) when a sheet holds more rows than may be read: nothing was written
    too_long: tuple[str, int, int] | None = None


def _evaluator() -> ModuleType:
    """jixiao.formats.formula, loaded when a file's cached values are computed: a file
    with its own (``stale`` false) is marked without the 25 ms its import takes."""
    return importlib.import_module("jixiao.formats.formula")


class SheetTooLong(ValueError):
    """A sheet holds values past the rows jixiao reads (:func:`row_limit`)."""

    def __init__(self, sheet: str, rows: int, limit: int) -> None:
        super().__init__(f"{sheet}: {rows} rows, {limit} may be read")
        self.sheet, self.rows, self.limit = sheet, rows, limit


def read_formula_book(pkg: Package) -> tuple[Workbook, dict[str, str]]:
    """The package's cells, formulas and defined names for the evaluator, and the sheet
    parts by sheet name. Raises SheetTooLong, having read no further, at a sheet with
    values past the rows jixiao reads (JIXIAO_MAX_ROWS): formulas may refer to any row,
    so what they give cannot be computed from part of a sheet."""
    parts = sheet_parts(pkg)
    strings = package_strings(pkg)
    cells: dict[tuple[str, int, int], Any] = {}
    formulas: dict[tuple[str, int, int], str] = {}
    limit = row_limit()
    for sheet, part in parts.items():
        if part not in pkg.data:
            continue
        try:
            contents = read_cells(pkg, part, strings, limit)
        except RowsPastLimit as e:
            raise SheetTooLong(sheet, e.rows, e.limit) from None
        for (row, col), content in contents.items():
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


# A formula cell whose <v> is empty or absent, in a part as decode_part gives it (the
# main namespace without a prefix): group 1, the cell's attributes; 2, its <v>.
_NO_VALUE = re.compile(
    r"""<c((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*>\s*"""
    r"(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f\s*>)\s*(<v\s*>\s*</v\s*>|<v\s*/>)?\s*</c\s*>"
)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# t="str" however it is spelled (quotes, spaces), and not another attribute ending in t.
_TEXT = re.compile(r"""(?<![\w:.-])t\s*=\s*(["'])str\1""")


def stale(pkg: Package) -> bool:
    """Whether the file's cached values cannot be trusted: it asks to be recalculated on
    load, or a formula cell has no cached value. An empty ``<v>`` in a text cell
    (``t="str"``) is a value: the empty text that Excel, LibreOffice and jixiao write for
    a formula giving ""; openpyxl leaves an empty ``<v>`` without a type."""
    return asks_recalculation(pkg) or lacks_values(pkg)


def lacks_values(pkg: Package) -> bool:
    """Whether a formula cell of a worksheet has no cached value (see :func:`stale`),
    whatever prefix or encoding the sheet is written in."""
    for part in sheet_parts(pkg).values():
        data = pkg.data.get(part)
        if not data or (b"<f" not in data and b"f\x00" not in data):
            continue  # no formula (in UTF-16, "f" is followed or preceded by a zero byte)
        try:
            text = decode_part(data)
        except MalformedPart:
            continue  # not read as a sheet either
        if "<!--" in text:
            text = _COMMENT.sub("", text)  # a cell in a comment is no cell
        for attributes, value in _NO_VALUE.findall(text):
            if not value or not _TEXT.search(attributes):
                return True
    return False


def write_cached_values(pkg: Package, functions: ModuleType) -> CachedReport:
    """Set every formula cell's cached value to what the evaluator computes, in place;
    ``functions`` (jixiao.udfs) are the worksheet functions, by the names in its __all__.

    A workbook with a sheet longer than the rows jixiao reads is left as it is (the
    report's ``too_long`` says which): reading and computing are bounded like reading."""
    try:
        book, parts = read_formula_book(pkg)
    except SheetTooLong as e:
        return CachedReport(0, 0, (e.sheet, e.rows, e.limit))
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
        by_sheet.setdefault(sheet, {})[f"{column_letter(col)}{row}"] = value
    written = 0
    for sheet, values in by_sheet.items():
        # In the part's bytes as they are: any prefix or encoding, other bytes kept.
        data, n = cache_part_values(pkg.data[parts[sheet]], values)
        if n:
            pkg.put(parts[sheet], data)
            written += n
    return CachedReport(written, kept)


__all__ = [
    "CachedReport",
    "SheetTooLong",
    "asks_recalculation",
    "lacks_values",
    "read_formula_book",
    "stale",
    "write_cached_values",
]
