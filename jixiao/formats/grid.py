"""A workbook as the readers see it: each sheet's cells, names and merges, whatever the source.

Sources: an .xlsx/.xlsm file read from its XML (jixiao.formats.xlsx_grid), an .xls
(xls_grid), the tables of a Word document (docx_grid), or a live workbook read through
xlwings (jixiao.hosts.xlwings), where only values and defined names are known. The
readers (jixiao.readers) work on this and never on a library's objects, so a form reads
the same from a file, from Excel and from xlwings Lite.

How much of a sheet is read is bounded (:func:`row_limit`, :data:`MAX_COLS`): a sheet
formatted or filled down to row 1048576 must not cost a million reads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jixiao.core.errors import InputError

# (min_col, min_row, max_col, max_row), 1-based, as openpyxl's range_boundaries gives them.
Bounds = tuple[int, int, int, int]
Pos = tuple[int, int]  # (row, col), 1-based

# Rows and columns of a sheet that are read; cells beyond them are not. A form fits in a few
# hundred rows. The row limit is a setting: the environment variable JIXIAO_MAX_ROWS.
MAX_ROWS = 2000
MAX_COLS = 80
ROWS_SETTING = "JIXIAO_MAX_ROWS"


def row_limit() -> int:
    """How many rows of each sheet are read: JIXIAO_MAX_ROWS when set, else MAX_ROWS."""
    text = os.environ.get(ROWS_SETTING, "").strip()
    if not text:
        return MAX_ROWS
    if not text.isdigit() or int(text) < 1:
        raise InputError(
            f"环境变量 {ROWS_SETTING} 的值“{text}”无效：应为正整数（每张工作表最多读取的行数，"
            f"默认 {MAX_ROWS}）"
        )
    return int(text)


def truncated_note(title: str, rows: int, limit: int) -> str:
    """What the user is told about a sheet read only in part."""
    return (
        f"工作表“{title}”有 {rows} 行，只读取了前 {limit} 行"
        f"（每张表最多读取的行数可用环境变量 {ROWS_SETTING} 设置）"
    )


_RANGE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")


def column_index(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


def bounds_of(ref: str) -> Bounds | None:
    """ "$B$3:$E$7" → (2, 3, 5, 7); a single cell likewise; None for anything else."""
    m = _RANGE.match(ref.strip())
    if m is None:
        return None
    c1, r1 = column_index(m.group(1)), int(m.group(2))
    c2 = column_index(m.group(3)) if m.group(3) else c1
    r2 = int(m.group(4)) if m.group(4) else r1
    return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


@dataclass
class SheetGrid:
    """One worksheet: what each cell shows, and what the source knows beyond that."""

    title: str
    values: dict[Pos, Any] = field(default_factory=dict)  # typed values and formula results
    # Formula text by cell; None when the source cannot tell (a live workbook read by values).
    formulas: dict[Pos, str] | None = None
    errors: set[Pos] = field(default_factory=set)  # cells that hold or show an error value
    number_formats: dict[Pos, str] = field(default_factory=dict)
    merges: list[Bounds] = field(default_factory=list)
    names: dict[str, Bounds | None] = field(default_factory=dict)  # sheet-scoped defined names
    visible: bool = True
    # Lines printed right above the grid but outside it: a Word table's title, year and
    # "单位名称：…" paragraphs (a sheet has its title in its cells).
    preamble: tuple[str, ...] = ()

    @property
    def max_row(self) -> int:
        return max((r for r, _c in self.values), default=0)

    @property
    def max_col(self) -> int:
        return max((c for _r, c in self.values), default=0)

    def value(self, row: int, col: int) -> Any:
        return self.values.get((row, col))

    def entry(self, row: int, col: int) -> Any:
        """What a reader of the clerk's entries takes from a cell: None for a formula."""
        if self.formulas is not None and (row, col) in self.formulas:
            return None
        return self.values.get((row, col))

    def has_formula(self, row: int, col: int) -> bool:
        return self.formulas is not None and (row, col) in self.formulas

    def formula(self, row: int, col: int) -> str | None:
        """The cell's formula text; None without one, or when the source cannot tell."""
        return self.formulas.get((row, col)) if self.formulas is not None else None

    def has_error(self, row: int, col: int) -> bool:
        """Whether the cell holds or shows an error value."""
        return (row, col) in self.errors

    def named(self, name: str) -> Bounds | None:
        return self.names.get(name)


@dataclass
class BookGrid:
    """A workbook: its sheets in order, workbook-level names, custom document properties."""

    source: str
    sheets: list[SheetGrid] = field(default_factory=list)
    names: dict[str, tuple[str, Bounds] | None] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)  # custom document properties
    with_formulas: bool = True  # whether formulas are known (Q08 needs them)
    # What the user should know about how the file was read ("工作表“数据”有 200000 行，
    # 只读取了前 2000 行"): shown with the findings.
    notes: list[str] = field(default_factory=list)
    # Whether a formula cell read may lack its cached result, or rows were left unread
    # (an .xlsx/.xlsm): False means every formula cell holds one, so a copy needs none of
    # jixiao's (jixiao.formats.cached.stale need not look at the sheets again).
    uncached: bool = False
    # The sheets read only in part: (title, rows it has, rows read).
    cut: list[tuple[str, int, int]] = field(default_factory=list)
    # The sheets the workbook lists whose relationship or part the file lacks (skipped).
    missing: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[SheetGrid]:
        return iter(self.sheets)

    def __contains__(self, title: object) -> bool:
        return any(s.title == title for s in self.sheets)

    def __getitem__(self, title: str) -> SheetGrid:
        for s in self.sheets:
            if s.title == title:
                return s
        raise KeyError(title)

    @property
    def sheet_names(self) -> list[str]:
        return [s.title for s in self.sheets]

    def name_value(self, name: str) -> Any:
        """The value of the cell a workbook-level name points at (jx_profile), if any."""
        target = self.names.get(name)
        if target is None or target[0] not in self:
            return None
        sheet, (col, row, _c2, _r2) = target
        return self[sheet].value(row, col)
