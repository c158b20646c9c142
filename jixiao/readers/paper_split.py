"""Several forms printed one after another on one sheet (forms.md §4): where each one is.

A department often sends all its project forms on one sheet, each with its own title, header,
budget block and indicators. A new form starts at a title row ("…自评表…", "部门预算项目支出
绩效自评表(2023年度)") that comes below an indicator header or a budget header of the form
before it (a form may be cut off after its budget block); an "附件2" line right above the
title goes with it. A sheet with one form (its title on top) is one part.
Each part keeps the sheet's row numbers, so findings point at the sheet's own cells.
"""

from __future__ import annotations

import re

from jixiao.formats.grid import SheetGrid
from jixiao.readers.labels import compact
from jixiao.readers.paper_budget import is_budget_header_row
from jixiao.readers.paper_grid import PaperGrid
from jixiao.readers.paper_indicators import is_indicator_header_row

__all__ = ["form_parts"]

_TITLE = re.compile(r"自评(?:情况)?表")  # 河南: 项目支出绩效自评情况表
_ATTACHMENT = re.compile(r"附件\d*[:：]?")
_LONGEST_TITLE = 50


def form_parts(ws: SheetGrid) -> list[SheetGrid]:
    """The sheet as one part per form on it (the sheet itself when it holds one)."""
    g = PaperGrid(ws)
    starts = [1]
    header_seen = False
    for row in range(1, g.max_row + 1):
        texts = [compact(t) for _c, t in g.texts(row)]
        if header_seen and _is_title(texts):
            above = [t for _c, t in g.texts(row - 1)] if row > 1 else []
            attached = len(above) == 1 and _ATTACHMENT.fullmatch(compact(above[0])) is not None
            starts.append(row - 1 if attached and row - 1 > starts[-1] else row)
            header_seen = False
        elif not header_seen and _is_header(g, row, texts):
            header_seen = True
    if len(starts) == 1:
        return [ws]
    ends = [s - 1 for s in starts[1:]] + [ws.max_row]
    return [_rows(ws, first, last) for first, last in zip(starts, ends, strict=True)]


def _is_header(g: PaperGrid, row: int, texts: list[str]) -> bool:
    """An indicator header or a budget header. Every name of the 三级 heading has 指标 in
    it, and a budget header's amounts 预算, 执行, 支出, 合计 or 拨付: other rows need no
    closer look."""
    if any("指标" in t for t in texts) and is_indicator_header_row(g, row):
        return True
    return any(any(w in t for w in _AMOUNT_WORDS) for t in texts) and is_budget_header_row(g, row)


_AMOUNT_WORDS = ("预算", "执行", "支出", "合计", "拨付")


def _is_title(texts: list[str]) -> bool:
    """A row's compacted texts: one or two, one of them a form's title ("…自评表…")."""
    return 0 < len(texts) <= 2 and any(
        _TITLE.search(t) and len(t) <= _LONGEST_TITLE and ":" not in t and "：" not in t
        for t in texts
    )


def _rows(ws: SheetGrid, first: int, last: int) -> SheetGrid:
    """The sheet's rows ``first``..``last`` (merges starting in them, cut at ``last``)."""

    def inside(pos: tuple[int, int]) -> bool:
        return first <= pos[0] <= last

    return SheetGrid(
        title=ws.title,
        values={p: v for p, v in ws.values.items() if inside(p)},
        formulas=None
        if ws.formulas is None
        else {p: f for p, f in ws.formulas.items() if inside(p)},
        errors={p for p in ws.errors if inside(p)},
        number_formats={p: f for p, f in ws.number_formats.items() if inside(p)},
        merges=[(c0, r0, c1, min(r1, last)) for c0, r0, c1, r1 in ws.merges if first <= r0 <= last],
        visible=ws.visible,
        preamble=ws.preamble if first == 1 else (),  # above the first form only
    )
