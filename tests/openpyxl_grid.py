"""The grid of an .xlsx/.xlsm file as openpyxl reads it: the test oracle of the fast reader.

This is how jixiao read workbooks before jixiao.formats.xlsx_grid read their XML itself:
a full openpyxl load with the formulas (names, merges, number formats, the formulas), then
a streaming ``data_only`` pass for the cached results of the formula cells. The
differential tests (test_fast_grid.py) compare the two field by field.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl

from jixiao.core.values import EXCEL_ERRORS
from jixiao.formats.grid import BookGrid, Bounds, Pos, bounds_of
from jixiao.formats.xlsx_grid import custom_properties, plain, sheet_grid


def openpyxl_grid(path: Path, source: str | None = None) -> BookGrid:
    """Every worksheet of the file, read with openpyxl."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path, keep_vba=False)
    book = BookGrid(source or str(path), properties=custom_properties(wb), names=_book_names(wb))
    wanted: dict[str, set[Pos]] = {}
    for ws in wb.worksheets:
        grid = sheet_grid(ws)
        book.sheets.append(grid)
        if grid.formulas:
            wanted[ws.title] = set(grid.formulas)
    if wanted:
        _cached_results(path, book, wanted)
    return book


def _book_names(wb: openpyxl.Workbook) -> dict[str, tuple[str, Bounds] | None]:
    out: dict[str, tuple[str, Bounds] | None] = {}
    for name, defined in wb.defined_names.items():
        target = None
        try:
            for sheet, ref in defined.destinations:
                bounds = bounds_of(ref)
                if bounds is not None:
                    target = (sheet, bounds)
                    break
        except (ValueError, TypeError, AttributeError):
            target = None
        out[name] = target
    return out


def _cached_results(path: Path, book: BookGrid, wanted: dict[str, set[Pos]]) -> None:
    """What Excel last showed for the formula cells (a streaming pass, those cells only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_vba=False)
    try:
        for title, cells in wanted.items():
            grid = book[title]
            last = max(r for r, _ in cells)
            last_col = max(c for _, c in cells)
            for row in values[title].iter_rows(min_row=1, max_row=last, max_col=last_col):
                for cell in row:
                    pos = (getattr(cell, "row", None), getattr(cell, "column", None))
                    if pos not in cells or cell.value is None:
                        continue
                    value = plain(cell.value)
                    grid.values[pos] = value  # type: ignore[index]
                    if isinstance(value, str) and value in EXCEL_ERRORS:
                        grid.errors.add(pos)  # type: ignore[arg-type]
    finally:
        values.close()
