"""A workbook as the readers see it: each sheet's cells, names and merges, whatever the source.

Sources: a file read with openpyxl (jixiao.formats.xlsx_grid), or a live workbook read
through xlwings (jixiao.hosts.xlwings), where only values and defined names are known.
The readers (jixiao.readers) work on this and never on a library's objects, so a form
reads the same from a file, from Excel and from xlwings Lite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# (min_col, min_row, max_col, max_row), 1-based, as openpyxl's range_boundaries gives them.
Bounds = tuple[int, int, int, int]
Pos = tuple[int, int]  # (row, col), 1-based

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
