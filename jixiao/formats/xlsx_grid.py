"""A workbook file (or an openpyxl worksheet) as a grid of cells for the readers.

The file is loaded once with its formulas (for names, merges, formats and the formulas
themselves); the results Excel last showed for the formula cells come from a second,
streaming pass over the cached values, which reads only those cells.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import MergedCell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core.errors import InputError
from jixiao.core.values import EXCEL_ERRORS
from jixiao.formats.grid import BookGrid, Bounds, Pos, SheetGrid, bounds_of
from jixiao.formats.xlsx_file import open_workbook

__all__ = ["MAX_COLS", "MAX_ROWS", "custom_properties", "read_grid", "sheet_grid"]

# A form fits in a few hundred rows; a sheet formatted down to row 1048576 must not cost
# a million reads. Cells beyond these bounds are not read.
MAX_ROWS = 2000
MAX_COLS = 80


def read_grid(path: Path, source: str | None = None) -> BookGrid:
    """Every worksheet of the file at ``path`` (``source`` names it in messages)."""
    source = source or str(path)
    try:
        wb = open_workbook(path, keep_vba=False)
    except InputError as e:
        raise InputError(e.detail, file=source, where=e.where) from None  # name the user's file
    book = BookGrid(source, properties=custom_properties(wb), names=_book_names(wb))
    wanted: dict[str, set[Pos]] = {}
    for ws in wb.worksheets:
        grid = sheet_grid(ws)
        book.sheets.append(grid)
        if grid.formulas:
            wanted[ws.title] = set(grid.formulas)
    if wanted:
        _cached_results(path, book, wanted)
    return book


def sheet_grid(ws: Worksheet) -> SheetGrid:
    """One openpyxl worksheet (loaded with its formulas) as a grid; formula cells show no
    result until the cached values are filled in."""
    grid = SheetGrid(ws.title, formulas={}, visible=ws.sheet_state == "visible")
    assert grid.formulas is not None
    rows, cols = min(ws.max_row, MAX_ROWS), min(ws.max_column, MAX_COLS)
    for row in ws.iter_rows(min_row=1, max_row=rows, max_col=cols):
        for cell in row:
            if isinstance(cell, MergedCell):
                continue
            value = cell.value
            pos = (cell.row, cell.column)
            if value is None:
                continue
            if cell.number_format and cell.number_format != "General":
                grid.number_formats[pos] = cell.number_format
            if isinstance(value, ArrayFormula | DataTableFormula):
                grid.formulas[pos] = str(getattr(value, "text", "") or "=")
                continue
            if cell.data_type == "f":
                grid.formulas[pos] = str(value)
                continue
            if cell.data_type == "e" and str(value) in EXCEL_ERRORS:
                grid.errors.add(pos)
            grid.values[pos] = _plain(value)
    for rng in ws.merged_cells.ranges:
        grid.merges.append((rng.min_col, rng.min_row, rng.max_col, rng.max_row))
    for name, defined in ws.defined_names.items():
        grid.names[name] = _bounds(defined, ws.title)
    return grid


def _plain(value: Any) -> Any:
    """Cell values as Python scalars (dates stay dates: the readers decide how to show them)."""
    if isinstance(value, datetime | date | time | timedelta | str | int | float | bool):
        return value
    return str(value)


def _bounds(defined: Any, title: str) -> Bounds | None:
    try:
        for sheet, ref in defined.destinations:
            if sheet == title:
                return bounds_of(ref)
    except (ValueError, TypeError, AttributeError):
        return None  # #REF! after the cells were deleted
    return None


def _book_names(wb: Workbook) -> dict[str, tuple[str, Bounds] | None]:
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


def custom_properties(wb: Workbook) -> dict[str, str]:
    """Custom document properties, name -> text (the fill record lives there)."""
    props = getattr(wb, "custom_doc_props", None)
    if props is None:
        return {}
    return {p.name: str(p.value or "") for p in props.props}


def _cached_results(path: Path, book: BookGrid, wanted: dict[str, set[Pos]]) -> None:
    """Fill in what Excel last showed for the formula cells (a streaming pass, those cells only)."""
    values = open_workbook(path, keep_vba=False, read_only=True, data_only=True)
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
                    value = _plain(cell.value)
                    grid.values[pos] = value  # type: ignore[index]
                    if isinstance(value, str) and value in EXCEL_ERRORS:
                        grid.errors.add(pos)  # type: ignore[arg-type]
    finally:
        values.close()
