"""Read self-evaluation forms from workbooks laid out like the paper forms, not our templates.

Many units fill last year's workbook or the finance bureau's own sheet instead of
jixiao's template. Such a sheet has no defined names and no fixed positions, so this
reader finds the form by its header labels, the way a person reads it:

- Labels are compared after NFKC (full-width → half-width), with all whitespace and
  line breaks removed ("年 度 指 标 值", "实际\\n完成值"), parenthesised notes dropped
  ("全年预算数（万元）", "权重（分值）") along with "单位：万元" and a trailing colon. Each
  field accepts the common variants (年度指标值/指标值/目标值, 实际完成值/完成值/实际值,
  分值/权重, 得分/自评得分, any heading with 原因 for the reason column, …).
- The indicator header is the first row holding 三级指标 and 指标值 or 实际完成值 (labels
  in the row just above or below fill columns the row leaves empty: two-row headers).
  It decides the layout: Sichuan when 指标性质 or 度量单位 is a column, else national.
  Without it the sheet is not a form: ``InputError`` names the file and the sheet.
- Indicator rows run from below the header to the first 总分/合计/等级/填表人/注 row, or
  to a run of three fully empty rows. Empty rows are skipped, and so are rows holding
  only 一级/二级 (the skeleton that many forms print in advance). A merged 一级/二级 cell
  applies to every row it spans; an unmerged blank one stays blank (no fill-down).
- The budget header is the row with at least two of 年初预算数, 全年预算数 (调整后预算数,
  预算数), 全年执行数 (执行数, 实际支出), nearest above the indicator header. Its rows
  follow until an empty row or another block; each row's label is the rightmost text
  left of the amounts. The row labelled 年度资金总额/资金总额/合计 is the total (all
  columns); others are fund sources ("其中：" and numbering dropped), or, under an
  按收入性质/按支出性质 marker or when named 基本支出/项目支出, the split by nature.
  Source rows holding only a name are skipped (forms print the names in advance).
- 年度总体目标: the 预期目标 and 实际完成情况 labels. On one row (side by side) each value
  is in the cell below its label; on different rows (stacked) it is to the right.
- Header and footer fields (单位名称, 年度, 项目名称, 项目负责人, 填表人, 等级, …): the label
  cell, and the value either after a colon in the same cell ("单位名称：某某") or in the
  first non-empty cell to its right, stopping at the next label. 单位名称 also accepts
  预算单位名称/部门名称/填报单位, and 主管部门 when no such label exists. 年度 also comes
  from the title ("（2024年度）") or a standalone year line above the blocks.
- The form type: 部门整体 or 项目支出 in the title, else 项目名称 on the sheet means a
  project form.
- 总分: the row labelled 总分 (or 合计/总计 below the indicators), read in the indicator
  header's 分值/得分 columns, or from the first two numbers right of the label.

Values come as typed: text stays text ("≥18场次", "95%"), numbers stay numbers. Empty
cells, whitespace-only text and formulas are absent (load the workbook with
``data_only=True`` to read formulas' cached results). Numbers shown as percentages in
the indicator value columns become the text the clerk sees ("95%"); dates become ISO
text. The returned cell map includes the cells of located fields even when empty, so
a finding about a blank still points at the cell to fill in.

Limits: one form per sheet (the first indicator header wins); headers split over more
than two rows, indicator values in merged cells spanning several rows (other than
一级/二级), and budget blocks whose columns are not labelled are not understood; the
basic data table (基础数据表) is not read here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core.errors import InputError
from jixiao.core.fields import SELF_EVAL_OBJECT, field_of, labels
from jixiao.core.form import Form, build_form
from jixiao.core.interchange import SCHEMA, canonical, json_value, validate
from jixiao.core.layout import (
    NATIONAL,
    PROJECT,
    SICHUAN,
    WHOLE,
    Cell,
    SheetLayout,
    anchors_for,
)
from jixiao.formats.grid import BookGrid, SheetGrid
from jixiao.formats.xlsx_grid import sheet_grid

__all__ = ["find_form_sheets", "read_paper_form", "read_paper_sheet"]

# Paper forms are small; these bounds keep a sheet formatted down to row 1048576 cheap.
MAX_ROWS = 1000
MAX_COLS = 60
EMPTY_RUN = 3  # this many fully empty rows end the indicator block

Pos = tuple[int, int]

# ---- label tables (compared after _label(): NFKC, no spaces, no notes, no colon) ----
# From the field schema: each field's key, template headings and the variants met on
# real forms. 原因 / 偏差原因 also take any heading that mentions 原因 (see _match).

INDICATOR_LABELS = labels("绩效指标")
BUDGET_LABELS = labels("预算执行")
FIELD_LABELS = labels(SELF_EVAL_OBJECT)
GOAL_LABELS = labels("年度总体目标")
_AMOUNTS = ("年初预算数", "全年预算数", "全年执行数")
_SOURCE_COLUMNS = _AMOUNTS

_GOALS_TITLE = ("年度总体目标", "总体目标", "年度目标", "年度绩效目标", "绩效目标")
_TOTAL_ROW = (
    "年度资金总额",
    "资金总额",
    "合计",
    "总计",
    "年度资金合计",
    "资金合计",
    "年度预算资金总额",
)
_NATURE_MARKERS = {"按收入性质": "按收入性质", "按支出性质": "按支出性质"}
_BY_INCOME = frozenset({"一般公共预算", "一般公共预算拨款", "政府性基金", "纳入专户管理的非税收入"})
_BY_SPENDING = frozenset({"基本支出", "项目支出"})

_SPACES = re.compile(r"\s+")
_NOTES = re.compile(r"\([^()]*\)|单位:?万元|\[[^\[\]]*\]")
_PREFIX = re.compile(r"^(?:其中:?)?(?:\(?\d+[).、]|[一二三四五六七八九十]+[、.])?")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_YEAR_LINE = re.compile(r"^\(?((?:19|20)\d{2})年?度?\)?$")
_TITLE_WORDS = ("自评表", "评价表", "绩效自评", "绩效评价")


def _compact(value: Any) -> str:
    """NFKC text without any whitespace; "" for non-text."""
    if not isinstance(value, str):
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value))


def _label(value: Any) -> str:
    """A heading as compared with the tables: no spaces, notes in brackets, unit note, colon."""
    text = _compact(value)
    prev = None
    while prev != text:  # nested notes: "(单位(万元))"
        prev, text = text, _NOTES.sub("", text)
    return text.rstrip(":")


def _match(label: str, table: dict[str, tuple[str, ...]]) -> str | None:
    if not label:
        return None
    for name, options in table.items():
        if label in options:
            return name
    if "偏差原因" in table or "原因" in table:
        if "原因" in label and len(label) <= 20:
            return "偏差原因" if "偏差原因" in table else "原因"
    return None


_ALL_LABELS = frozenset(
    x
    for table in (INDICATOR_LABELS, BUDGET_LABELS, FIELD_LABELS, GOAL_LABELS)
    for options in table.values()
    for x in options
) | frozenset(_GOALS_TITLE) | {"总分"}  # fmt: skip


def _is_label(value: Any) -> bool:
    lab = _label(value)
    if not lab:
        return False
    if lab in _ALL_LABELS:
        return True
    head = lab.split(":", 1)[0]
    return ":" in lab and head in _ALL_LABELS


# ---- the sheet as a grid of anchors ------------------------------------------------------


class _Grid:
    """Cell values by position, and where merged ranges put them."""

    def __init__(self, ws: SheetGrid) -> None:
        self.sheet = ws.title
        self.max_row = min(ws.max_row, MAX_ROWS)
        self.max_col = min(ws.max_col, MAX_COLS)
        self.values: dict[Pos, Any] = {}
        self.formats: dict[Pos, str] = {}
        for pos, raw in ws.values.items():
            if pos[0] > self.max_row or pos[1] > self.max_col:
                continue
            value = _scalar(raw)
            if value is not None:
                self.values[pos] = value
                self.formats[pos] = ws.number_formats.get(pos, "General")
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

    def row_labels(self, row: int, table: dict[str, tuple[str, ...]]) -> dict[str, int]:
        """Field -> column of the headings of ``table`` found in a row (first one wins)."""
        out: dict[str, int] = {}
        for c, text in self.texts(row):
            name = _match(_label(text), table)
            if name is not None and name not in out:
                out[name] = c
        return out

    def value(self, pos: Pos, as_shown: bool = False) -> Any:
        value = self.values.get(pos)
        if as_shown and isinstance(value, int | float) and not isinstance(value, bool):
            if "%" in self.formats.get(pos, ""):
                return f"{round(value * 100, 10):g}%"
        return value

    def right_value(self, label: Pos) -> tuple[Any, Pos]:
        """The value right of a label, stopping at the next label; else the first cell there."""
        row = label[0]
        first = self.right_of(label)
        for c in range(first, self.max_col + 1):
            pos = (row, c)
            if pos in self.anchor:
                continue
            value = self.values.get(pos)
            if value is None:
                continue
            if _is_label(value):
                break
            return value, pos
        return None, self.top_left((row, min(first, self.max_col + 1)))


def _scalar(value: Any) -> Any:
    """A cell as a JSON scalar; None for empty and whitespace-only text."""
    if isinstance(value, str):
        if not value.strip():
            return None
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return json_value(value)


# ---- the reader --------------------------------------------------------------------------


@dataclass
class _Found:
    data: dict[str, Any]
    cells: dict[str, Cell]
    layout: str
    aliases: dict[str, Cell] = field(default_factory=dict)  # positional paths for SheetLayout


class _Reader:
    def __init__(self, ws: SheetGrid, source: str) -> None:
        self.ws = ws
        self.source = source
        self.g = _Grid(ws)
        self.data: dict[str, Any] = {}
        self.cells: dict[str, Cell] = {}
        self.aliases: dict[str, Cell] = {}
        self.skip_rows: set[int] = set()  # block headers and rows: no header labels there

    def fail(self, message: str) -> InputError:
        return InputError(message, file=self.source or None, where=f"工作表“{self.ws.title}”")

    def put(self, path: str, pos: Pos, value: Any = None) -> None:
        self.cells[path] = self.g.cell(pos)
        if value is not None:
            keys = path.split(".")
            obj = self.data
            for key in keys[:-1]:
                obj = obj.setdefault(key, {})
            obj[keys[-1]] = value

    # -- the whole sheet

    def read(self) -> _Found:
        header = find_indicator_header(self.g)
        if header is None:
            title = self.title_text()
            hint = "；这张表是基础数据表，请用基础数据表的读取方式" if "基础数据表" in title else ""
            raise self.fail(
                "找不到绩效指标表头（三级指标、年度指标值、实际完成值……），"
                f"这张工作表不像绩效自评表{hint}"
            )
        first, last, columns = header
        layout = SICHUAN if {"指标性质", "度量单位"} & columns.keys() else NATIONAL
        self.skip_rows.update(range(first, last + 1))
        end = self.read_indicators(last, columns)
        self.skip_rows.update(range(last + 1, end))
        self.read_budget(first)
        self.read_goals()
        self.read_total(last, end, columns)
        self.read_fields()
        self.data = {"表类型": self.form_type(), **self.data}
        return _Found(canonical(self.data, "自评表"), self.cells, layout, self.aliases)

    def title_text(self) -> str:
        for r in range(1, min(self.g.max_row, 10) + 1):
            for _c, text in self.g.texts(r):
                if any(w in _compact(text) for w in _TITLE_WORDS):
                    return _compact(text)
        return ""

    def form_type(self) -> str:
        title = self.title_text()
        if "部门整体" in title or "整体支出" in title:
            return WHOLE
        if "项目" in title:
            return PROJECT
        return PROJECT if "项目名称" in self.data or "项目名称" in self.cells else WHOLE

    # -- indicators

    def read_indicators(self, header_last: int, columns: dict[str, int]) -> int:
        """Read the indicator rows; return the row where the block ends (exclusive)."""
        items: list[dict[str, Any]] = []
        empty = 0
        row = header_last + 1
        name_col = columns.get("三级指标", min(columns.values()))
        while row <= self.g.max_row:
            if _ends_indicators(self.g, row):
                break
            covered = any(
                (row, c) in self.g.anchor and self.g.anchor[(row, c)][0] < row
                for c in (columns.get("一级指标"), columns.get("二级指标"))
                if c is not None
            )
            if self.g.row_empty(row) and not covered:
                empty += 1
                if empty >= EMPTY_RUN:
                    break
                row += 1
                continue
            empty = 0
            item: dict[str, Any] = {}
            where: dict[str, Pos] = {}
            for name in INDICATOR_LABELS:
                c = columns.get(name)
                if c is None:
                    continue
                pos = (row, c)
                if name in ("一级指标", "二级指标"):
                    pos = self.g.top_left(pos)
                where[name] = pos
                value = self.g.value(pos, as_shown=name in ("指标值", "实际完成值"))
                if value is not None:
                    item[name] = value
            row += 1
            if not any(k not in ("一级指标", "二级指标") for k in item):
                continue  # empty, or the printed skeleton of 一级/二级 only
            items.append(item)
            k = len(items)
            for name, pos in where.items():
                self.put(f"绩效指标[{k}].{name}", pos)
            self.cells[f"绩效指标[{k}]"] = self.g.cell(where.get("三级指标", (row - 1, name_col)))
            level1 = item.get("一级指标")
            if isinstance(level1, str) and not level1.isdigit():
                for name, pos in where.items():
                    self.cells.setdefault(f"绩效指标[{level1}].{name}", self.g.cell(pos))
        self.data["绩效指标"] = items
        first_row = (header_last + 1, name_col)
        self.cells["绩效指标"] = self.cells.get("绩效指标[1].三级指标", self.g.cell(first_row))
        return row

    # -- budget

    def read_budget(self, indicator_header: int) -> None:
        found = find_budget_header(self.g, indicator_header)
        if found is None:
            return
        header, columns = found
        self.skip_rows.add(header)
        first_value = min(columns.values())
        budget: dict[str, Any] = {}
        groups: dict[str, list[dict[str, Any]]] = {
            "资金来源": [],
            "按收入性质": [],
            "按支出性质": [],
        }
        group: str | None = None
        total_seen = False
        row = header + 1
        while row <= self.g.max_row and row != indicator_header:
            label_pos = self.row_label(row, first_value)
            raw = self.g.values.get(label_pos) if label_pos else None
            values = {name: (row, c) for name, c in columns.items() if (row, c) in self.g.values}
            lab = _label(raw)
            if _blocks_budget(self.g, row) or (not lab and not values):
                break
            self.skip_rows.add(row)
            row += 1
            marker = next((g for m, g in _NATURE_MARKERS.items() if m in lab), None)
            if marker is not None:
                group = marker  # "按支出性质：" heads the rows below it
                continue
            if not lab:
                continue
            name = _source_name(raw)
            if not total_seen and (lab in _TOTAL_ROW or "资金总额" in lab):
                total_seen = True
                self.cells["预算执行"] = self.g.cell(label_pos)
                for key, c in columns.items():
                    pos = (row - 1, c)
                    self.put(f"预算执行.{key}", pos)
                    value = self.g.value(pos)
                    if value is not None:
                        budget[key] = value
                continue
            target = group or (
                "按支出性质"
                if name in _BY_SPENDING
                else "按收入性质"
                if name in _BY_INCOME
                else "资金来源"
            )
            item: dict[str, Any] = {"名称": name}
            for key in _SOURCE_COLUMNS:
                if key in values:
                    item[key] = self.g.value(values[key])
            if len(item) == 1:
                continue  # a printed name with nothing filled in
            groups[target].append(item)
            k = len(groups[target])
            prefix = f"预算执行.{target}[{name}]"
            self.cells[prefix] = self.g.cell(label_pos)
            for key in _SOURCE_COLUMNS:
                if key in columns:
                    self.put(f"{prefix}.{key}", (row - 1, columns[key]))
                    self.aliases[f"预算执行.{target}[{k}].{key}"] = self.g.cell(
                        (row - 1, columns[key])
                    )
            self.aliases[f"预算执行.{target}[{k}]"] = self.g.cell(label_pos)
            if k == 1:
                self.cells.setdefault(f"预算执行.{target}", self.g.cell(label_pos))
        for key, items in groups.items():
            if items:
                budget[key] = items
        if budget or total_seen:
            self.data["预算执行"] = budget

    def row_label(self, row: int, before: int) -> Pos | None:
        """The rightmost text cell of a row left of column ``before``."""
        for c in range(before - 1, 0, -1):
            if isinstance(self.g.values.get((row, c)), str):
                return (row, c)
        return None

    # -- goals

    def read_goals(self) -> None:
        found: dict[str, Pos] = {}
        title: Pos | None = None
        for (r, c), value in sorted(self.g.values.items()):
            if r in self.skip_rows or not isinstance(value, str):
                continue
            lab = _label(value)
            name = _match(lab, GOAL_LABELS)
            if name is not None and name not in found:
                found[name] = (r, c)
            elif title is None and lab in _GOALS_TITLE:
                title = (r, c)
        if not found:
            return
        self.data["年度总体目标"] = {}
        if title is not None:
            self.cells["年度总体目标"] = self.g.cell(title)
        rows = {pos[0] for pos in found.values()}
        side_by_side = len(found) == 2 and len(rows) == 1
        for name in GOAL_LABELS:
            if name not in found:
                continue
            label = found[name]
            self.skip_rows.add(label[0])
            if side_by_side:
                value, pos = self.below_value(label)
            else:
                value, pos = self.g.right_value(label)
                if value is None:
                    below, below_pos = self.below_value(label)
                    if below is not None:
                        value, pos = below, below_pos
            self.put(f"年度总体目标.{name}", pos, value)
            if value is not None:
                self.skip_rows.add(pos[0])
        if "年度总体目标" not in self.cells:
            first = min(found.values())
            self.cells["年度总体目标"] = self.g.cell(first)

    def below_value(self, label: Pos) -> tuple[Any, Pos]:
        pos = self.g.top_left((self.g.below(label), label[1]))
        value = self.g.values.get(pos)
        if value is not None and _is_label(value):
            return None, pos
        return value, pos

    # -- footer

    def read_total(self, header_last: int, end: int, columns: dict[str, int]) -> None:
        rows = range(max(end, header_last + 1), self.g.max_row + 1)
        label: Pos | None = None
        for wanted in (("总分", "总得分", "合计得分"), ("合计", "总计")):
            for r in rows:
                for c, text in self.g.texts(r):
                    lab = _label(text)
                    if lab in wanted or (wanted[0] == "总分" and lab.startswith("总分")):
                        label = (r, c)
                        break
                if label:
                    break
            if label:
                break
        if label is None:
            return
        self.cells["总分"] = self.g.cell(label)
        row = label[0]
        spots = {k: (row, columns[k]) for k in ("分值", "得分") if k in columns}
        if not any(pos in self.g.values for pos in spots.values()):
            numbers = [
                (row, c)
                for c in range(self.g.right_of(label), self.g.max_col + 1)
                if isinstance(self.g.values.get((row, c)), int | float)
            ]
            if len(numbers) >= 2:
                spots = {"分值": numbers[0], "得分": numbers[1]}
        total: dict[str, Any] = {}
        for key, pos in spots.items():
            self.cells[f"总分.{key}"] = self.g.cell(pos)
            if (value := self.g.value(pos)) is not None:
                total[key] = value
        if total:
            self.data["总分"] = total

    # -- header and footer fields

    def read_fields(self) -> None:
        found: dict[str, tuple[Any, Pos]] = {}
        for (r, c), value in sorted(self.g.values.items()):
            if r in self.skip_rows or not isinstance(value, str):
                continue
            lab = _label(value)
            name = _match(lab, FIELD_LABELS)
            inline: Any = None
            if name is None and ":" in lab:
                name = _match(_label(lab.split(":", 1)[0]), FIELD_LABELS)
                raw = re.split("[:：]", value, maxsplit=1)[-1].strip()
                inline = raw or None
            if name is None or name in found:
                continue
            if inline is not None:
                if name == "年度" and re.fullmatch(r"\d{4}", _compact(inline)):
                    inline = int(_compact(inline))
                found[name] = (inline, (r, c))
            else:
                found[name] = self.g.right_value((r, c))
        if "单位名称" not in found and "主管部门" in found:
            found["单位名称"] = found.pop("主管部门")
        if "年度" not in found:
            year = self.year_from_title()
            if year is not None:
                found["年度"] = year
        for name in SCHEMA["自评表"]:
            if name in found:
                value, pos = found[name]
                self.put(name, pos, value)

    def year_from_title(self) -> tuple[int, Pos] | None:
        """The year in the title ("（2024年度）") or in a line of its own above the blocks."""
        top = min(self.skip_rows, default=self.g.max_row)
        candidates: list[tuple[int, Pos]] = []
        for r in range(1, top):
            for c, text in self.g.texts(r):
                compact = _compact(text)
                m = _YEAR_LINE.fullmatch(compact)
                if m:
                    candidates.append((int(m.group(1)), (r, c)))
                elif any(w in compact for w in _TITLE_WORDS) and (
                    m := _YEAR_IN_TEXT.search(compact)
                ):
                    return int(m.group(1)), (r, c)
        return candidates[0] if candidates else None


# ---- block finders -----------------------------------------------------------------------


def find_indicator_header(g: _Grid) -> tuple[int, int, dict[str, int]] | None:
    """(first row, last row, field -> column) of the indicator header, or None."""
    for r in range(1, g.max_row + 1):
        cols = g.row_labels(r, INDICATOR_LABELS)
        if "三级指标" not in cols or not {"指标值", "实际完成值"} & cols.keys():
            continue
        first = last = r
        # Headings anchored in the row above (merged down over this row) fill empty columns.
        if r > 1:
            for name, c in g.row_labels(r - 1, INDICATOR_LABELS).items():
                if name not in cols and c not in cols.values() and (r, c) not in g.values:
                    cols[name] = c
                    first = r - 1
        # Sub-headings in the row below replace a heading merged across their columns
        # ("年度指标值" over 指标性质 | 指标值 | 度量单位) and fill empty columns.
        below = g.row_labels(r + 1, INDICATOR_LABELS)
        spans = {name: g.span.get((r, c), (r, c, r, c)) for name, c in cols.items()}
        for name, c in below.items():
            over = [n for n, sp in spans.items() if sp[1] <= c <= sp[3] and sp[3] > sp[1]]
            if over:
                for n in over:
                    if cols.get(n) is not None and n not in below:
                        del cols[n]
                cols[name] = c
                last = r + 1
            elif name not in cols and (r, c) not in g.values and (r, c) not in g.anchor:
                cols[name] = c
                last = r + 1
        return first, last, dict(sorted(cols.items(), key=lambda kv: kv[1]))
    return None


def find_budget_header(g: _Grid, indicator_header: int) -> tuple[int, dict[str, int]] | None:
    """(row, field -> column) of the budget header nearest above the indicators."""
    best: tuple[int, dict[str, int]] | None = None
    for r in range(1, g.max_row + 1):
        if r == indicator_header:
            continue
        cols = g.row_labels(r, BUDGET_LABELS)
        if len(set(_AMOUNTS) & cols.keys()) < 2:
            continue
        if r < indicator_header:
            best = (r, cols)  # the last one above wins
        elif best is None:
            return r, cols
    return best


_END_WORDS = ("合计", "总计", "等级", "评价等级", "自评等级", "填表人", "填报人", "填报日期")


def _ends_indicators(g: _Grid, row: int) -> bool:
    for _c, text in g.texts(row):
        lab = _label(text)
        head = lab.split(":", 1)[0]
        if lab.startswith("总分") or head in _END_WORDS or lab in _GOALS_TITLE:
            return True
        if lab.startswith(("注:", "说明:", "备注")) or lab in ("注", "说明"):
            return True
    return False


def _blocks_budget(g: _Grid, row: int) -> bool:
    """A row that starts another block (goals or indicators) ends the budget rows."""
    for _c, text in g.texts(row):
        lab = _label(text)
        if lab in _GOALS_TITLE or lab in ("绩效指标", "一级指标", "三级指标"):
            return True
        if _match(lab, GOAL_LABELS) is not None:
            return True
    return False


def _source_name(raw: Any) -> str:
    text = _compact(raw)
    return _PREFIX.sub("", text).strip(":")


# ---- public API --------------------------------------------------------------------------


def read_paper_sheet(
    ws: SheetGrid | Worksheet, source: str = ""
) -> tuple[dict[str, Any], dict[str, Cell]]:
    """Read a self-evaluation form laid out like the paper forms.

    Returns the interchange-format dict (keys in ``interchange.SCHEMA`` order, values as
    typed, absent where a cell is empty) and a map from field paths ("预算执行.全年执行数",
    "预算执行.资金来源[财政资金].全年执行数", "绩效指标[3].实际完成值", "总分.得分", …) to the
    cell where each was read. Raises ``InputError`` when the sheet holds no such form.
    """
    found = _Reader(_as_grid(ws), source).read()
    return found.data, found.cells


def read_paper_form(ws: SheetGrid | Worksheet, source: str = "") -> Form:
    """The form on a paper-layout sheet, with findings pointing at the sheet's own cells."""
    ws = _as_grid(ws)
    found = _Reader(ws, source).read()
    validate(found.data, source)
    form = build_form(found.data, source, layout=found.layout)
    # Fields hold values; the rest (blocks, rows, labels) are places findings point at.
    cells = {p: c for p, c in found.cells.items() if _is_field(p)}
    anchors = {p: c for p, c in found.cells.items() if not _is_field(p)}
    anchors.update(anchors_for(cells, found.layout))
    form.cells = cells
    form.sheet_layout = SheetLayout(
        form.form_type, found.layout, ws.title, cells={**found.aliases, **cells}, anchors=anchors
    )
    return form


def _as_grid(ws: SheetGrid | Worksheet) -> SheetGrid:
    """A sheet as shown: an openpyxl worksheet (loaded with data_only for formula results)
    is taken as its cells' values."""
    return ws if isinstance(ws, SheetGrid) else sheet_grid(ws)


def _is_field(path: str) -> bool:
    f = field_of(path)
    return f is not None and f.kind == "value"


def find_form_sheets(wb: Workbook | BookGrid) -> list[tuple[str, str]]:
    """(sheet name, form type) of every worksheet holding a self-evaluation form.

    The basic data table (基础数据表) is not reported: this reader does not read it.
    """
    out: list[tuple[str, str]] = []
    sheets = wb.sheets if isinstance(wb, BookGrid) else [sheet_grid(ws) for ws in wb.worksheets]
    for ws in sheets:
        reader = _Reader(ws, "")
        if find_indicator_header(reader.g) is None:
            continue
        try:
            data = reader.read().data
        except InputError:
            continue
        out.append((ws.title, data["表类型"]))
    return out
