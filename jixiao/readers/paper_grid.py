"""A paper-layout sheet as the readers look at it: shown values, merges, headings by row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jixiao.core.interchange import json_value
from jixiao.core.layout import Cell
from jixiao.formats.grid import SheetGrid
from jixiao.readers.labels import LabelTable, is_mark

# Paper forms are small; these bounds keep a sheet formatted down to row 1048576 cheap.
MAX_ROWS = 1000
MAX_COLS = 60

Pos = tuple[int, int]


def scalar(value: Any) -> Any:
    """A cell as a JSON scalar; None for empty and whitespace-only text."""
    if isinstance(value, str):
        if not value.strip():
            return None
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return json_value(value)


class PaperGrid:
    """Cell values by position, and where merged ranges put them."""

    def __init__(self, ws: SheetGrid) -> None:
        self.sheet = ws.title
        self.preamble = ws.preamble  # a Word table's title lines, printed above it
        self.max_row = min(ws.max_row, MAX_ROWS)
        self.max_col = min(ws.max_col, MAX_COLS)
        self.values: dict[Pos, Any] = {}
        self.formats: dict[Pos, str] = {}
        for pos, raw in ws.values.items():
            if pos[0] > self.max_row or pos[1] > self.max_col:
                continue
            value = scalar(raw)
            if value is not None:
                self.values[pos] = value
                self.formats[pos] = ws.number_formats.get(pos, "General")
        # The first row with a value: a form's top when it is one of several on a sheet.
        self.min_row = min((r for r, _c in self.values), default=1)
        self.anchor: dict[Pos, Pos] = {}  # covered cell of a merge -> its top-left
        self.span: dict[Pos, tuple[int, int, int, int]] = {}  # top-left -> r0, c0, r1, c1
        for c0, r0, c1, r1 in ws.merges:
            if r0 > self.max_row or c0 > self.max_col:
                continue
            self.span[(r0, c0)] = (r0, c0, r1, c1)
            for r in range(r0, min(r1, self.max_row) + 1):
                for c in range(c0, min(c1, self.max_col) + 1):
                    if (r, c) != (r0, c0):
                        self.anchor[(r, c)] = (r0, c0)
                        self.values.pop((r, c), None)  # what a merge hides is not shown

    def cell(self, pos: Pos) -> Cell:
        return Cell(self.sheet, pos[0], pos[1])

    def top_left(self, pos: Pos) -> Pos:
        return self.anchor.get(pos, pos)

    def covered_from_above(self, pos: Pos) -> bool:
        """Whether a merge that starts in an upper row covers this cell."""
        top = self.anchor.get(pos)
        return top is not None and top[0] < pos[0]

    def right_of(self, pos: Pos) -> int:
        """The first column right of a (possibly merged) cell."""
        return self.span.get(pos, (0, 0, 0, pos[1]))[3] + 1

    def below(self, pos: Pos) -> int:
        """The first row below a (possibly merged) cell."""
        return self.span.get(pos, (0, 0, pos[0], 0))[2] + 1

    def texts(self, row: int) -> Iterable[tuple[int, str]]:
        """(column, raw text) of the text cells of a row, left to right."""
        for c in range(1, self.max_col + 1):
            value = self.values.get((row, c))
            if isinstance(value, str):
                yield c, value

    def row_empty(self, row: int) -> bool:
        return not any((row, c) in self.values for c in range(1, self.max_col + 1))

    def row_labels(self, row: int, table: LabelTable) -> dict[str, int]:
        """Field -> column of the headings of ``table`` found in a row (first one wins)."""
        out: dict[str, int] = {}
        for c, text in self.texts(row):
            name = table.match(text)
            if name is not None and name not in out:
                out[name] = c
        return out

    def value(self, pos: Pos, as_shown: bool = False) -> Any:
        value = self.values.get(pos)
        if as_shown and isinstance(value, int | float) and not isinstance(value, bool):
            if "%" in self.formats.get(pos, ""):
                return f"{round(value * 100, 10):g}%"
        return value

    def filled(self, pos: Pos) -> bool:
        """Whether a cell holds something other than a placeholder mark ("/", "—")."""
        value = self.values.get(pos)
        return value is not None and not is_mark(value)
