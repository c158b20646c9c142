"""Where each field of a form sits on the standard sheets, derived from the field schema.

The templates stack their blocks down the sheet (``SELF_EVAL_BLOCKS``, ``BASIC_BLOCKS``);
each field's column comes from its record in jixiao.core.fields. One layout serves three
purposes: findings on a JSON form point at the cell the field occupies on our template;
the template builder lays sheets out from it; the workbook reader finds fields by the
defined names derived from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from jixiao.core.fields import (
    ANCHORS,
    BASIC,
    BASIC_ROWS,
    BLOCKS,
    BUILDING_ROWS,
    FORM_TYPES,
    INDICATOR_ROWS,
    NATIONAL,
    NATURE_ROWS,
    PROGRESS_MONTHS,
    PROJECT,
    SICHUAN,
    SOURCE_ROWS,
    SUM_PARENTS,
    WHOLE,
    Field,
    fields_on,
    is_computed,
    members,
)

__all__ = [
    "BASIC",
    "BASIC_ROWS",
    "BASIC_VALUE_COLUMNS",
    "BUDGET_COLUMNS",
    "BUILDING_COLUMNS",
    "BUILDING_ROWS",
    "CONF_SHEET",
    "FOOTER_FIELDS",
    "FORM_TYPES",
    "HEADER_FIELDS",
    "INDICATOR_COLUMNS",
    "INDICATOR_ROWS",
    "NATIONAL",
    "PROGRESS_MONTHS",
    "PROJECT",
    "RESULTS_SHEET",
    "RESULTS_SHEET_FALLBACK",
    "SETTINGS_SHEET",
    "SHEET_NAMES",
    "SICHUAN",
    "SOURCE_ROWS",
    "SUM_PARENTS",
    "WHOLE",
    "Cell",
    "SheetLayout",
    "anchors_for",
    "column_index",
    "column_letter",
    "field_names",
    "is_computed",
    "sheet_layout",
    "split_address",
]

SHEET_NAMES = {WHOLE: "整体支出表", PROJECT: "项目支出表", BASIC: "基础数据表"}
# jixiao's own sheets: settings and lookup lists, xlwings' config, the findings of 校验.
SETTINGS_SHEET = "设置"
CONF_SHEET = "xlwings.conf"
RESULTS_SHEET = "校验结果"
RESULTS_SHEET_FALLBACK = "jixiao校验结果"  # when the user has a sheet of their own named 校验结果


def _keys_in_columns(schema: str, form_type: str, layout: str) -> tuple[str, ...]:
    """The keys of a table's fields on one template layout, left to right."""
    cols = [
        (f.place.column(layout), f.key) for f in members(schema) if _placed(f, form_type, layout)
    ]
    return tuple(k for _c, k in sorted(cols))


def _placed(f: Field, form_type: str, layout: str) -> bool:
    return f.has_cell(form_type, layout)


# Column keys of the template's tables, derived from the schema (left to right).
INDICATOR_COLUMNS = {lay: _keys_in_columns("绩效指标", PROJECT, lay) for lay in (NATIONAL, SICHUAN)}
BUDGET_COLUMNS = tuple(
    k for k in _keys_in_columns("预算执行", PROJECT, NATIONAL)
)  # 年初预算数 … 得分: the columns every layout shares
BASIC_VALUE_COLUMNS = _keys_in_columns("经费", BASIC, NATIONAL)[1:]  # after 名称
BUILDING_COLUMNS = _keys_in_columns("楼堂馆所", BASIC, NATIONAL)


def _ordered(block: str, form_type: str) -> tuple[str, ...]:
    fs = [f for f in fields_on(form_type, NATIONAL) if f.place and f.place.block == block]
    return tuple(f.path for f in sorted(fs, key=lambda f: f.place.order if f.place else 0))


HEADER_FIELDS = {ft: _ordered("表头", ft) for ft in FORM_TYPES}
FOOTER_FIELDS = _ordered("页脚", PROJECT)


# ---- A1 addresses ---------------------------------------------------------------------------


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 1, AA → 27."""
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def split_address(address: str) -> tuple[int, int]:
    """ "B12" → (12, 2) (row, column); "$B$12" alike."""
    m = _ADDRESS.fullmatch(address)
    if m is None:
        raise ValueError(f"not a cell address: {address!r}")
    return int(m.group(2)), column_index(m.group(1))


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    col: int

    @property
    def address(self) -> str:
        return f"{column_letter(self.col)}{self.row}"


# ---- the layout of one template sheet -------------------------------------------------------


_ITEM_PATH = re.compile(r"(.*)\[[^\]]+\](\..*)?")


@dataclass
class SheetLayout:
    """Field path -> cell, anchors for findings, and the first row of each block."""

    form_type: str
    layout: str
    sheet: str
    cells: dict[str, Cell] = field(default_factory=dict)  # fields only
    anchors: dict[str, Cell] = field(default_factory=dict)  # places findings point at
    rows: dict[str, int] = field(default_factory=dict)
    width: int = 8
    money_unit: str = "万元"  # a paper form's budget block may be in 元 (its headings say so)

    def put(self, path: str, row: int, col: int) -> None:
        self.cells[path] = Cell(self.sheet, row, col)

    def locate(self, path: str) -> Cell | None:
        """The cell of a field path or anchor; list items by index or name fall back sensibly."""
        found = self.cells.get(path) or self.anchors.get(path)
        if found is not None:
            return found
        # 资金来源[财政资金].x is addressed by position on the sheet; callers resolve names.
        m = _ITEM_PATH.fullmatch(path)
        if m:
            return self.cells.get(m.group(1)) or self.anchors.get(m.group(1))
        head = path.rsplit(".", 1)[0]
        return (self.cells.get(head) or self.anchors.get(head)) if head != path else None

    def with_sheet(self, sheet: str) -> SheetLayout:
        """The same layout on a sheet of another name."""
        if sheet == self.sheet:
            return self
        return SheetLayout(
            self.form_type,
            self.layout,
            sheet,
            {k: Cell(sheet, c.row, c.col) for k, c in self.cells.items()},
            {k: Cell(sheet, c.row, c.col) for k, c in self.anchors.items()},
            dict(self.rows),
            self.width,
        )


# The blocks of each template from the top, with their heights in rows. Blocks with
# fields carry the fields' block names; the others are headings and spacing.
def _self_eval_blocks(form_type: str) -> tuple[tuple[str, int], ...]:
    blocks: list[tuple[str, int]] = [("标题", 1), ("表头", len(HEADER_FIELDS[form_type]))]
    blocks += [("预算表头", 1), ("预算合计", 1), ("资金来源", SOURCE_ROWS)]
    if form_type == WHOLE:
        blocks.append(("按支出性质", len(NATURE_ROWS)))
    blocks += [("目标表头", 1), ("年度总体目标", 1), ("指标表头", 1), ("绩效指标", INDICATOR_ROWS)]
    blocks += [("总分", 1), ("等级", 1), ("页脚", 2), ("执行进度", 1 + len(PROGRESS_MONTHS))]
    return tuple(blocks)


BASIC_BLOCKS = (
    ("标题", 1),
    ("表头", 2),
    ("人员表头", 1),
    ("人员", 1),
    ("经费表头", 1),
    ("经费", len(BASIC_ROWS)),
    ("楼堂馆所表头", 1),
    ("楼堂馆所", BUILDING_ROWS),
    ("厉行节约保障措施", 1),
)


def _rows(blocks: tuple[tuple[str, int], ...]) -> dict[str, int]:
    out, row = {}, 1
    for name, height in blocks:
        out[name] = row
        row += height
    return out


def _build(form_type: str, layout: str) -> SheetLayout:
    self_eval = form_type != BASIC
    width = len(INDICATOR_COLUMNS[layout]) if self_eval else len(BUILDING_COLUMNS)
    lay = SheetLayout(form_type, layout, SHEET_NAMES[form_type], width=width)
    lay.rows = _rows(_self_eval_blocks(form_type) if self_eval else BASIC_BLOCKS)
    header = HEADER_FIELDS[form_type]
    for f in fields_on(form_type, layout):
        place = f.place
        assert place is not None
        col = place.column(layout)
        assert col is not None
        block, row = place.block, lay.rows.get(place.block)
        if block == "表头":
            lay.put(f.path, lay.rows["表头"] + header.index(f.path), col)
            lay.rows[f.path] = lay.rows["表头"] + header.index(f.path)
        elif block == "资金来源":
            for k in range(SOURCE_ROWS):
                lay.put(f"预算执行.资金来源[{k + 1}].{f.key}", lay.rows["资金来源"] + k, col)
            if form_type == WHOLE and f.key != "名称":
                for k, name in enumerate(NATURE_ROWS):
                    lay.put(f"预算执行.按支出性质[{name}].{f.key}", lay.rows["按支出性质"] + k, col)
        elif block == "绩效指标":
            for k in range(INDICATOR_ROWS):
                lay.put(f"绩效指标[{k + 1}].{f.key}", lay.rows["绩效指标"] + k, col)
        elif block == "执行进度":
            for k, month in enumerate(PROGRESS_MONTHS):
                lay.put(f"执行进度[{month}月]", lay.rows["执行进度"] + 1 + k, col)
        elif block == "经费":
            for k, (name, _parent) in enumerate(BASIC_ROWS):
                suffix = "" if f.key == "名称" else f".{f.key}"
                lay.put(f"基础数据.{name}{suffix}", lay.rows["经费"] + k, col)
        elif block == "楼堂馆所":
            for k in range(BUILDING_ROWS):
                lay.put(f"楼堂馆所[{k + 1}].{f.key}", lay.rows["楼堂馆所"] + k, col)
        else:
            assert row is not None, f"{f.path}: block {block} is not on the {form_type} template"
            lay.put(f.path, row, col)
    lay.anchors = anchors_for(lay.cells, layout)
    return lay


def anchors_for(cells: dict[str, Cell], layout: str) -> dict[str, Cell]:
    """The anchors (jixiao.core.fields.ANCHORS) on the cells of one sheet."""
    return {a.path: cells[a.at] for a in ANCHORS if layout in a.layouts and a.at in cells}


@cache
def sheet_layout(form_type: str, layout: str = NATIONAL) -> SheetLayout:
    lay = _build(form_type, NATIONAL if form_type == BASIC else layout)
    _SHARED[id(lay)] = lay
    return lay


# The template layouts sheet_layout() hands out, by id (kept alive here, so an id is never
# reused). Every JSON form shares one of them, and nothing changes them after they are
# built: where a field of such a form sits can be remembered across forms.
_SHARED: dict[int, SheetLayout] = {}


def is_shared(lay: SheetLayout) -> bool:
    """Whether ``lay`` is one of the template layouts of ``sheet_layout()``."""
    return _SHARED.get(id(lay)) is lay


def shared_layout(key: int) -> SheetLayout:
    """The template layout whose id is ``key`` (see ``is_shared``)."""
    return _SHARED[key]


def _abs(cell: Cell) -> str:
    return f"${column_letter(cell.col)}${cell.row}"


def field_names(lay: SheetLayout) -> dict[str, str]:
    """Defined name -> absolute range on the layout's sheet (no sheet prefix).

    Each input region has a sheet-level name, so readers find fields by name and survive
    inserted rows. The jxf_ prefix keeps them apart from the JX_ worksheet functions:
    spreadsheet names are case-insensitive, and LibreOffice reads "jx_grade(" as a name
    when one exists.
    """
    names = {
        f.name: _abs(lay.cells[f.path])
        for f in fields_on(lay.form_type, lay.layout)
        if f.name and f.path in lay.cells
    }
    for b in BLOCKS:
        if lay.form_type not in b.forms:
            continue
        first = lay.rows[b.path.rsplit(".", 1)[-1]]
        if b.path == "执行进度":
            first += 1  # its heading line
        height = len(b.rows) if isinstance(b.rows, tuple) else b.rows
        last_col = b.columns[1] or lay.width
        a, z = Cell(lay.sheet, first, b.columns[0]), Cell(lay.sheet, first + height - 1, last_col)
        names[b.name] = f"{_abs(a)}:{_abs(z)}"
    return names
