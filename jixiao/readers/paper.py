"""Read self-evaluation forms from workbooks laid out like the paper forms, not our templates.

Many units fill last year's workbook or the finance bureau's own sheet instead of
jixiao's template. Such a sheet has no defined names and no fixed positions, so this
reader finds the form by its labels, the way a reviewer reads it (forms.md §4):

- Labels are compared after normalising (jixiao.readers.labels): full/half width, spaces
  and line breaks, notes in brackets ("(A)", "(B/A)", "(万元)", "(%)"), circled numbers and
  their formulas ("⑥=⑤/④"), a trailing colon. Each field accepts the headings the field
  schema lists for it (jixiao.core.fields).
- The indicator block (jixiao.readers.paper_indicators): placeholder rows are empty rows,
  "same as above" 一级/二级, headings that declare their points, the block's title.
  Its header decides the layout: Sichuan when 指标性质 or 度量单位 is a column.
- The budget block (jixiao.readers.paper_budget): its total row and fund sources under
  their many names, amounts typed with their unit, points declared in its heading. Where
  the block has no score and an indicator row named 预算执行率 scores it (the Ningxia form,
  under 项目管理), that row is the budget's 分值, 得分 and 原因.
- A sheet without an indicator block is still a form when it has a budget block and a
  self-evaluation title (a form cut off after its budget block).
- 年度总体目标: the 预期目标 and 实际完成情况 labels under their names (年初设定目标,
  年度总体目标完成情况综述 …). On one row (side by side) each value is in the cell below its
  label; on different rows (stacked) it is to the right. A label of the adjusted goal
  ("全年(调整)绩效目标") holds where its cell is filled. The MOF transfer-payment form's
  "总体目标完成情况 | 总体目标 | 全年实际完成情况": the first is the block's title.
- Header and footer fields (单位名称, 年度, 项目名称, 填表人, 等级, …): the label cell, and
  the value after a colon in the same cell ("单位名称：某某", several such pairs in one
  cell) or in the first non-empty cell to its right, stopping at the next label.
  单位名称 falls back on 主管部门, then on 实施单位, where the form has no filled unit name.
  年度 also comes from the title ("（2024年度）"), a standalone year line above the blocks,
  or — where the form prints no year at all — the year before its 填报日期 (a
  self-evaluation reports on the year before it is filed).
- 总分: the row labelled 总分 (or 合计/总计 below the indicators), read in the indicator
  header's 分值/得分 columns or from the first two numbers right of the label; else a
  header field "自评得分 | 98", "自评总分：95".
- The form type: 部门整体 or 项目 in the title, else 项目名称 on the sheet means a project.
- Forms without scores (绩效目标自评表: no 分值, 得分 or 总分 anywhere) get no such keys.
- A form of another evaluation framework (决策/过程/产出/效益 parts, a 20/80 split between
  budget and indicators, indicators without 一级/二级, a budget block of another design
  that is not scored) is read as far as it maps onto our fields and says so in
  ``SelfEvalForm.framework``. Its scored criteria printed in a table of their own above the
  indicators (项目决策/项目管理 | 评价内容 | 分值 | 自评分) count as indicator rows, numbered
  after the indicator table's rows, so that its total adds up.

Values come as typed: text stays text ("≥18场次", "95%"), numbers stay numbers. Empty
cells, whitespace-only text and formulas are absent (load the workbook with
``data_only=True`` to read formulas' cached results). Numbers shown as percentages in
the indicator value columns become the text the clerk sees ("95%"); dates become ISO
text. The returned cell map includes the cells of located fields even when empty, so
a finding about a blank still points at the cell to fill in; fields of columns the form
does not print have no cell.

Limits: one form per sheet (the first indicator header wins); headers split over more
than two rows and indicator values in merged cells spanning several rows (other than
一级/二级) are not understood; the basic data table (基础数据表) is not read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jixiao.core.errors import InputError
from jixiao.core.fields import BY_PATH, SELF_EVAL_OBJECT, field_of, labels
from jixiao.core.form import Form, SelfEvalForm, build_form
from jixiao.core.interchange import SCHEMA, canonical, validate
from jixiao.core.layout import NATIONAL, PROJECT, SICHUAN, WHOLE, Cell, SheetLayout, anchors_for
from jixiao.formats.grid import BookGrid, SheetGrid
from jixiao.formats.xlsx_grid import sheet_grid
from jixiao.readers.labels import LabelTable, compact, heading_points, label
from jixiao.readers.paper_budget import (
    BUDGET_LABELS,
    BudgetBlock,
    find_budget_header,
    read_budget,
)
from jixiao.readers.paper_grid import PaperGrid, Pos
from jixiao.readers.paper_indicators import (
    BLOCK_TITLES,
    CRITERIA_NAMES,
    INDICATOR_LABELS,
    IndicatorBlock,
    IndicatorHeader,
    find_indicator_header,
    read_criteria,
    read_indicators,
)

if TYPE_CHECKING:  # a workbook read from a file never loads openpyxl
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "find_form_sheets",
    "profile_hint",
    "read_paper_form",
    "read_paper_sheet",
]

FIELD_LABELS = LabelTable(labels(SELF_EVAL_OBJECT))
GOAL_LABELS = LabelTable(labels("年度总体目标"))
TOTAL_LABELS = LabelTable({"得分": BY_PATH["总分.得分"].variants})

_GOALS_TITLE = frozenset(
    {
        "年度总体目标", "总体目标", "年度目标", "年度绩效目标", "绩效目标",
        "年度总体目标完成情况", "当年绩效目标", "项目基本情况", "项目年度目标完成情况",
    }
)  # fmt: skip
_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_YEAR_LINE = re.compile(r"^\(?((?:19|20)\d{2})年?度?\)?$")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})")
_TITLE_WORDS = ("自评表", "评价表", "绩效自评", "绩效评价")
_FORM_TITLE = re.compile(r"(自评表|自评情况表|评价表)(\([^()]*\))?$")
_NUMBERING = re.compile(r"^(?:\d+|[一二三四五六七八九十]+)[.、．]")
_END_WORDS = ("合计", "总计", "等级", "评价等级", "自评等级", "填表人", "填报人", "填报日期")
# The total row's label, besides 总分…, 合计 and 总计: it ends the indicators and is read as 总分.
_TOTAL_WORDS = ("总得分", "合计得分", "自评总分", "自评总得分", "自评得分", "综合得分",
                "综合评分", "得分合计", "分数合计", "评价得分")  # fmt: skip
_END_BLOCKS = ("其他需要说明事项", "其他需要说明的事项", "其他说明事项", "评价结论", "存在问题")
# An indicator row that scores the budget, where the budget block itself has no score.
_BUDGET_SCORE_ROWS = frozenset({"预算执行率", "资金执行率", "预算资金执行率", "项目预算执行率"})

# Reference points of the national framework (财预〔2020〕10号): budget 10, indicators 90.
NATIONAL_BUDGET_POINTS = 10.0
NATIONAL_INDICATOR_POINTS = 90.0
# Parts of the 决策/过程/产出/效益 framework, as its headings name them.
_FRAMEWORK_PARTS = frozenset(
    {"项目决策", "决策", "项目管理", "项目过程", "过程", "管理", "项目产出", "项目效益",
     "项目绩效", "绩效"}
)  # fmt: skip
_COUNTS = {2: "两", 3: "三", 4: "四", 5: "五"}

# Report numbers of regional forms (报表编号:510000_0013zp): the region's profile.
_REPORT_NUMBER = re.compile(r"报表编号[:：]?\s*([0-9A-Za-z_\-]+)")
_REGION_CODES = {"51": ("sichuan", "四川省")}
_REGION_TITLES = {"部门预算项目支出绩效自评表": ("sichuan", "四川省")}


# Printed labels of fields jixiao does not read ("主管部门 | | 财政处室 | 某某科"): a value
# search stops at them as at any label, instead of taking one for the value of the label
# left of it when the value between is left empty (重庆市's 部门整体 form, unmerged).
_OTHER_LABELS = frozenset(
    {"财政处室", "主管处室", "业务主管处室", "业务处室", "预算处室", "部门联系人", "联系人",
     "单位负责人", "审核人", "负责人", "分管领导"}
)  # fmt: skip


def _all_labels() -> frozenset[str]:
    tables = (INDICATOR_LABELS, BUDGET_LABELS, FIELD_LABELS, GOAL_LABELS, TOTAL_LABELS)
    return frozenset(x for t in tables for x in t.labels()) | _GOALS_TITLE | _OTHER_LABELS


_ALL_LABELS = _all_labels()


def _is_label(value: Any) -> bool:
    if isinstance(value, str) and _AMOUNT_UNIT_NOTE.fullmatch(compact(value)):
        return True
    lab = label(value)
    if not lab:
        return False
    if lab in _ALL_LABELS:
        return True
    head = lab.split(":", 1)[0]
    return ":" in lab and head in _ALL_LABELS


# The note of the amounts' unit printed at a header row's end ("单位:万元", "金额单位：元"):
# not the value of the label left of it (济南市历城区: "主管部门(盖章): … 单位:万元").
_AMOUNT_UNIT_NOTE = re.compile(r"[(（]?(?:金额|资金|计量)?单位[:：]?(?:人民币)?[千万亿]?元[)）]?")


# ---- the reader --------------------------------------------------------------------------


# Who signs a form below its indicators (a row that starts with one is no indicator).
_SIGNERS = frozenset(
    {"审核人", "复核人", "单位负责人", "部门负责人", "主要负责人", "财务负责人", "项目负责人",
     "负责人", "联系人", "联系电话", "电话", "经办人", "制表人", "分管领导"}
)  # fmt: skip
_SIGNED = re.compile(r"(盖章|签字|签章)[)）]?$")


def _is_signature(text: str) -> bool:
    """A signature line's first cell: a signer ("审核人：张三") or a place to sign or stamp
    ("单位（盖章）", "项目负责人签字：") — not an indicator's name ("合同签字率")."""
    head = re.split("[:：]", compact(text), maxsplit=1)[0]
    return label(head) in _SIGNERS or _SIGNED.search(head) is not None


def _goal_roles(
    spots: list[tuple[Pos, str, str | None]],
) -> list[tuple[Pos, str, str | None]]:
    """Which goal each label on the goals' rows heads (None: the block's title).

    The MOF transfer-payment form prints "总体目标完成情况 | 总体目标 | 全年实际完成情况":
    the first cell is the block's title although its words elsewhere head the actual goal,
    and "总体目标", elsewhere a title, heads the expected goal. So on one row, a label of the
    actual goal named again to its right is the title, and a title word between the title
    and the actual goal's label heads the expected goal where no other label does.
    """
    rows: dict[int, list[tuple[Pos, str, str | None]]] = {}
    for spot in spots:
        rows.setdefault(spot[0][0], []).append(spot)
    out: list[tuple[Pos, str, str | None]] = []
    for row in rows.values():
        names = [name for _pos, _text, name in row]
        if names[0] == "实际完成情况" and "实际完成情况" in names[1:]:
            row[0] = (row[0][0], row[0][1], None)
            names[0] = None
        if names[0] is None and "预期目标" not in names and "实际完成情况" in names:
            for k in range(1, names.index("实际完成情况")):
                if names[k] is None:
                    row[k] = (row[k][0], row[k][1], "预期目标")
                    break
        out.extend(row)
    return out


@dataclass
class _Found:
    data: dict[str, Any]
    cells: dict[str, Cell]
    layout: str
    aliases: dict[str, Cell] = field(default_factory=dict)  # positional paths for SheetLayout
    framework: str | None = None
    money_unit: str = "万元"  # the budget block's, from its headings


class _Reader:
    def __init__(self, ws: SheetGrid, source: str) -> None:
        self.ws = ws
        self.source = source
        self.g = PaperGrid(ws)
        self.data: dict[str, Any] = {}
        self.cells: dict[str, Cell] = {}
        self.aliases: dict[str, Cell] = {}
        self.skip_rows: set[int] = set()  # block headers and rows: no header labels there
        self.budget: BudgetBlock | None = None
        self.indicators: IndicatorBlock | None = None

    def fail(self, message: str) -> InputError:
        return InputError(message, file=self.source or None, where=f"工作表“{self.ws.title}”")

    def put(self, path: str, pos: Pos | None, value: Any = None) -> None:
        """The value at ``path`` and its cell (None: read from a line above the table)."""
        if pos is not None:
            self.cells[path] = self.g.cell(pos)
        if value is not None:
            keys = path.split(".")
            obj = self.data
            for key in keys[:-1]:
                obj = obj.setdefault(key, {})
            obj[keys[-1]] = value

    # -- the whole sheet

    def is_form(self) -> bool:
        """An indicator block, or a budget block under a self-evaluation title."""
        if find_indicator_header(self.g) is not None:
            return True
        title = self.title_text()
        return (
            bool(title)
            and "基础数据表" not in title
            and find_budget_header(self.g, None) is not None
        )

    def read(self) -> _Found:
        header = find_indicator_header(self.g)
        if header is None and not self.is_form():
            raise self.fail(
                "找不到绩效指标表头（三级指标、年度指标值、实际完成值……），这张工作表不像绩效自评表"
            )
        layout = NATIONAL
        if header is not None:
            if {"指标性质", "度量单位"} & header.columns.keys():
                layout = SICHUAN
            self.skip_rows.update(range(header.first, header.last + 1))
            self.read_indicators(header)
        self.read_budget(header)
        self.budget_score_row()
        self.read_goals()
        end = self.indicators.end if self.indicators else self.g.max_row + 1
        self.read_total(header, end)
        self.read_fields()
        self.data = {"表类型": self.form_type(), **self.data}
        found = _Found(canonical(self.data, "自评表"), self.cells, layout, self.aliases)
        found.framework = self.framework(header)
        if self.budget is not None:
            found.money_unit = self.budget.unit
        return found

    def title_text(self) -> str:
        top = self.g.min_row  # the second form on a sheet starts far below row 1
        for r in range(top, min(self.g.max_row, top + 9) + 1):
            for _c, text in self.g.texts(r):
                if any(w in compact(text) for w in _TITLE_WORDS):
                    return compact(text)
        for text in reversed(self.g.preamble):  # a Word table's title, above it
            if any(w in compact(text) for w in _TITLE_WORDS):
                return compact(text)
        return ""

    def form_type(self) -> str:
        title = self.title_text()
        if "部门整体" in title or "整体支出" in title:
            return WHOLE
        if "项目" in title:
            return PROJECT
        return PROJECT if "项目名称" in self.data or "项目名称" in self.cells else WHOLE

    # -- indicators

    def read_indicators(self, header: IndicatorHeader) -> None:
        title = header.title
        repeated = (title[1], self.g.values.get(title)) if title is not None else None
        block = read_indicators(self.g, header, lambda row: self.ends_indicators(row, repeated))
        self.indicators = block
        # Numbered after the indicators: the criteria have only a name, 分值 and 得分, and
        # the indicator table's first row shows which columns the indicators have.
        criteria = read_criteria(self.g, range(1, header.first), self.skip_rows)
        if criteria:
            block.rows.extend(criteria)
            self.skip_rows.update(r.row for r in criteria)
        self.skip_rows.update(range(header.last + 1, block.end))
        self.data["绩效指标"] = [r.item for r in block.rows]
        self.cells.update(block.cells(self.g.sheet))
        first = (header.last + 1, header.columns.get("三级指标", min(header.columns.values())))
        anchor = header.title or (
            (block.rows[0].where.get("三级指标", first)) if block.rows else first
        )
        self.cells["绩效指标"] = self.g.cell(anchor)

    def ends_indicators(self, row: int, repeated: tuple[int, Any] | None = None) -> bool:
        """Whether ``row`` is past the indicators. ``repeated`` (column, text): the block's
        title, which a merge undone and filled (WPS's 取消合并并填充) repeats on every row."""
        texts = list(self.g.texts(row))
        filled = sum(1 for c in range(1, self.g.max_col + 1) if (row, c) in self.g.values)
        alone = len(texts) == 1 and filled == 1
        if texts and texts[0] != repeated and _is_signature(texts[0][1]):
            return True  # the signature line: "审核人：…", "单位（盖章）", "项目负责人签字："
        for c, text in texts:
            if (c, text) == repeated:
                continue
            lab = label(text)
            head = lab.split(":", 1)[0]
            if lab.startswith("总分") or lab in _TOTAL_WORDS or head in _END_WORDS:
                return True
            if lab in _GOALS_TITLE:
                return True
            if lab.startswith(("注:", "说明:", "备注", *_END_BLOCKS)) or lab in ("注", "说明"):
                return True
            if alone and _FORM_TITLE.search(lab):
                return True  # the title of the next form on the sheet, on a row of its own
        return False

    # -- budget

    def read_budget(self, header: IndicatorHeader | None) -> None:
        before = header.first if header is not None else None
        found = find_budget_header(self.g, before)
        if found is None:
            return
        row, columns = found
        stop = before if before is not None and before > row else None
        block = read_budget(self.g, row, columns, stop, self.blocks_budget)
        self.budget = block
        self.skip_rows.update(block.rows)
        self.cells.update(block.cells)
        self.aliases.update(block.aliases)
        if block.data or "预算执行" in block.cells:
            self.data["预算执行"] = block.data

    def blocks_budget(self, row: int) -> bool:
        """A row that starts another block (goals, indicators, another table's headings)
        ends the budget rows."""
        headings = 0
        for _c, text in self.g.texts(row):
            lab = label(text)
            if lab in _GOALS_TITLE or heading_points(lab)[0] in BLOCK_TITLES:
                return True
            if lab in ("一级指标", "三级指标") or GOAL_LABELS.match(text) is not None:
                return True
            if INDICATOR_LABELS.match(text) or lab in CRITERIA_NAMES:
                headings += 1
        return headings >= 2

    def budget_score_row(self) -> None:
        """The Ningxia form scores the budget as an indicator (预算执行率 under 项目管理)."""
        block, ind = self.budget, self.indicators
        if block is None or ind is None or block.scores or "分值" in block.data:
            return
        for k, r in enumerate(ind.rows):
            name = compact(r.item.get("三级指标"))
            if name not in _BUDGET_SCORE_ROWS or not {"分值", "得分"} & r.item.keys():
                continue
            budget = self.data.setdefault("预算执行", {})
            for key, to in (("分值", "分值"), ("得分", "得分"), ("偏差原因", "原因")):
                if key in r.where:
                    self.cells[f"预算执行.{to}"] = self.g.cell(r.where[key])
                    if key in r.item:
                        budget[to] = r.item[key]
            del ind.rows[k]
            # The points its heading declares ("项目管理(25分)") include the budget's, which
            # now count as the budget's: the rows left cannot be held to them.
            heading = heading_points(r.item.get("一级指标"))[0]
            for x in ind.rows:
                name, points = heading_points(x.item.get("一级指标"))
                if heading and name == heading and points is not None:
                    x.item["一级指标"] = name
            self.data["绩效指标"] = [x.item for x in ind.rows]
            for path in [p for p in self.cells if p.startswith("绩效指标[")]:
                del self.cells[path]
            self.cells.update(ind.cells(self.g.sheet))
            return

    # -- goals

    def read_goals(self) -> None:
        found: dict[str, Pos] = {}
        title: Pos | None = None
        spots: list[tuple[Pos, str, str | None]] = []  # position, label, goal it names
        for (r, c), value in sorted(self.g.values.items()):
            if r in self.skip_rows or not isinstance(value, str):
                continue
            lab = label(value)
            name = GOAL_LABELS.match(value)
            if name is not None or lab in _GOALS_TITLE:
                spots.append(((r, c), lab, name))
        others: list[tuple[Pos, str]] = []  # title words after the title
        for (r, c), lab, name in _goal_roles(spots):
            if name is not None:
                if name not in found:
                    found[name] = (r, c)
                elif "调整" in lab and found[name][0] == r:
                    # "年初绩效目标 | 全年(调整)绩效目标": the adjusted goal holds where filled
                    if self.below_value((r, c))[0] is not None:
                        found[name] = (r, c)
            elif title is None:
                title = (r, c)
            else:
                others.append(((r, c), lab))
        if title is not None and "实际完成情况" not in found:
            # "年度总体目标 | 年初设定目标 | 年度总体目标完成情况" (贵州, 宁夏): the title's words
            # again, on its rows or the row below the expected goal's, head the actual goal
            last = self.g.span.get(title, (*title, *title))[2]
            if "预期目标" in found:
                last = max(last, found["预期目标"][0] + 1)
            for pos, lab in others:
                if title[0] <= pos[0] <= last and "完成" in lab:
                    found["实际完成情况"] = pos
                    break
        if not found:
            return
        self.data["年度总体目标"] = {}
        if title is not None:
            self.cells["年度总体目标"] = self.g.cell(title)
        rows = {pos[0] for pos in found.values()}
        side_by_side = len(found) == 2 and len(rows) == 1
        for name in GOAL_LABELS.keys:
            if name not in found:
                continue
            label_pos = found[name]
            self.skip_rows.add(label_pos[0])
            if side_by_side:
                value, pos = self.below_value(label_pos)
            else:
                value, pos = self.right_value(label_pos)
                if value is None:
                    below, below_pos = self.below_value(label_pos)
                    if below is not None:
                        value, pos = below, below_pos
            self.put(f"年度总体目标.{name}", pos, value)
            if value is not None:
                self.skip_rows.add(pos[0])
        if "年度总体目标" not in self.cells:
            first = min(found.values())
            self.cells["年度总体目标"] = self.g.cell(first)

    def below_value(self, label_pos: Pos) -> tuple[Any, Pos]:
        pos = self.g.top_left((self.g.below(label_pos), label_pos[1]))
        value = self.g.values.get(pos)
        if value is not None and _is_label(value):
            return None, pos
        return value, pos

    def right_value(self, label_pos: Pos) -> tuple[Any, Pos]:
        """The value right of a label, stopping at the next label; else the first cell there."""
        g = self.g
        row = label_pos[0]
        first = g.right_of(label_pos)
        for c in range(first, g.max_col + 1):
            pos = (row, c)
            if pos in g.anchor:
                continue
            value = g.values.get(pos)
            if value is None:
                if c == first and pos in g.span:
                    return None, pos  # the label's own (merged) value cell, left empty
                continue
            if _is_label(value):
                break
            return value, pos
        return None, g.top_left((row, min(first, g.max_col + 1)))

    # -- footer

    def read_total(self, header: IndicatorHeader | None, end: int) -> None:
        start = max(end, header.last + 1) if header is not None else end
        rows = range(start, self.g.max_row + 1)
        label_pos: Pos | None = None
        for wanted in (("总分", *_TOTAL_WORDS), ("合计", "总计")):
            for r in rows:
                for c, text in self.g.texts(r):
                    lab = label(text)
                    if lab in wanted or (wanted[0] == "总分" and lab.startswith("总分")):
                        label_pos = (r, c)
                        break
                if label_pos:
                    break
            if label_pos:
                break
        if label_pos is None or header is None:
            return
        self.cells["总分"] = self.g.cell(label_pos)
        row = label_pos[0]
        columns = header.columns
        spots = {k: (row, columns[k]) for k in ("分值", "得分") if k in columns}
        if not any(pos in self.g.values for pos in spots.values()):
            numbers = [
                (row, c)
                for c in range(self.g.right_of(label_pos), self.g.max_col + 1)
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
        found: dict[str, tuple[Any, Pos | None]] = {}
        for (r, c), value in sorted(self.g.values.items()):
            if r in self.skip_rows or not isinstance(value, str):
                continue
            for name, inline in _field_labels(value):
                if name in found and found[name][0] is not None:
                    continue  # the first filled one (a label left empty may recur filled)
                if inline is not None:
                    found[name] = (_plain_number(inline, name), (r, c))
                else:
                    found[name] = self.right_value((r, c))
        for text in self.g.preamble:  # "单位名称：某某 填报日期：…" above a Word table
            for name, inline in _field_labels(text):
                if inline is not None and (name not in found or found[name][0] is None):
                    at = found[name][1] if name in found else None  # its empty cell, if any
                    found[name] = (_plain_number(inline, name), at)
        self.unit_name(found)
        if "年度" not in found or found["年度"][0] is None:
            year = self.year_from_title() or self.year_from_date(found)
            if year is not None:
                found["年度"] = year
        total = found.pop("自评总分", None)
        if total is not None and "总分" not in self.cells:
            value, pos = total
            self.put("总分.得分", pos, _plain_number(value, "总分") if value is not None else None)
            if pos is not None:
                self.cells.setdefault("总分", self.g.cell(pos))
        for name in SCHEMA["自评表"]:
            if name in found:
                value, pos = found[name]
                self.put(name, pos, value)

    def unit_name(self, found: dict[str, tuple[Any, Pos | None]]) -> None:
        """单位名称, else the 主管部门 (moved), else the 实施单位 (copied) — filled ones first."""
        if "单位名称" in found and found["单位名称"][0] is not None:
            return
        department = found.get("主管部门")
        if department is not None and department[0] is not None:
            found["单位名称"] = found.pop("主管部门")
        elif "实施单位" in found and found["实施单位"][0] is not None:
            found["单位名称"] = found["实施单位"]
        elif "单位名称" not in found and department is not None:
            found["单位名称"] = found.pop("主管部门")

    def year_from_title(self) -> tuple[int, Pos | None] | None:
        """The year in the title ("（2024年度）") or in a line of its own above the blocks."""
        top = min(self.skip_rows, default=self.g.max_row)
        candidates: list[tuple[int, Pos]] = []
        for r in range(1, top):
            for c, text in self.g.texts(r):
                if (found := _title_year(text)) is None:
                    continue
                year, own_line = found
                if not own_line:
                    return year, (r, c)
                candidates.append((year, (r, c)))
        if candidates:
            return candidates[0]
        for text in self.g.preamble:  # "（2023年度）" or the title above a Word table
            if (found := _title_year(text)) is not None:
                return found[0], None
        return None

    def year_from_date(
        self, found: dict[str, tuple[Any, Pos | None]]
    ) -> tuple[int, Pos | None] | None:
        """A form without a year reports on the year before the one it was filed in."""
        date = found.get("填报日期")
        if date is None or date[0] is None:
            return None
        m = _DATE.search(compact(str(date[0])))
        return (int(m.group(1)) - 1, date[1]) if m else None

    # -- framework

    def framework(self, header: IndicatorHeader | None) -> str | None:
        """What other evaluation framework the form follows, if any (in Chinese)."""
        parts = self.framework_parts()
        if len(parts) >= 2:
            short = [n.removeprefix("项目") for n, _p in parts]
            count = _COUNTS.get(len(parts), str(len(parts)))
            points = "、".join(f"{n}{p:g}分" for n, p in parts)
            kind = "类指标" if any(n in ("产出", "效益") for n in short) else "部分"
            return f"{'、'.join(short)}{count}{kind}的评价框架（{points}）"
        budget = self.budget
        budget_points = budget.declared_points if budget is not None else None
        indicator_points = header.title_points if header is not None else None
        if (budget_points is not None and budget_points != NATIONAL_BUDGET_POINTS) or (
            indicator_points is not None and indicator_points != NATIONAL_INDICATOR_POINTS
        ):
            split = []
            if budget_points is not None:
                split.append(f"预算执行 {budget_points:g} 分")
            if indicator_points is not None:
                split.append(f"绩效指标 {indicator_points:g} 分")
            return f"{'、'.join(split)}的评价框架"
        if header is not None and not {"一级指标", "二级指标"} & header.columns.keys():
            how = ""
            if any("得分系数" in label(t) for t in header.headings.values()):
                how = "（按得分系数×指标权重计分）"
            return f"指标不分一级、二级的评价框架{how}"
        scored = header is not None and {"分值", "得分"} & header.columns.keys()
        if (
            scored
            and budget is not None
            and not budget.scores
            and "分值" not in budget.data
            and budget.unmapped >= 2
        ):
            # a budget block of another design (资金结构: 历年结余结转 | 年中调整金额 | 结余 …)
            # that is not scored, over scored indicators
            return "预算执行不计分、只对绩效指标评分的评价框架"
        return None

    def framework_parts(self) -> list[tuple[str, float]]:
        """Headings of the 决策/过程/产出/效益 kind with their points, in sheet order."""
        out: list[tuple[str, float]] = []
        for (_r, _c), value in sorted(self.g.values.items()):
            if not isinstance(value, str):
                continue
            name, points = heading_points(value)
            if name in _FRAMEWORK_PARTS and points is not None and (name, points) not in out:
                out.append((name, points))
        return out


def _title_year(text: str) -> tuple[int, bool] | None:
    """The year a heading line gives, and whether the line is the year alone ("（2024年度）")
    rather than a title with it ("2024年度项目支出绩效自评表")."""
    text_c = compact(text)
    if m := _YEAR_LINE.fullmatch(text_c):
        return int(m.group(1)), True
    if any(w in text_c for w in _TITLE_WORDS) and (m := _YEAR_IN_TEXT.search(text_c)):
        return int(m.group(1)), False
    return None


def _field_labels(value: str) -> list[tuple[str, Any]]:
    """The fields a text cell labels: [(field, inline value or None)].

    "单位名称" → [("单位名称", None)]; "单位名称：某某" → [("单位名称", "某某")];
    "单位名称:某某 填报日期:2023年3月20日" → both; "自评总分: 95" → [("自评总分", "95")].
    """
    name = _match_field(value)
    if name is not None:
        return [(name, None)]
    out: list[tuple[str, Any]] = []
    # a new pair starts after a space — not at a note in brackets: "实施单位 (盖章)：某某"
    for part in re.split(r"[ \t\u3000]+(?=[^ \t\u3000:：(（][^ \t\u3000:：]*[:：])", value.strip()):
        m = re.match(r"([^:：]*)[:：](.*)", part, re.S)
        if m is None:
            continue
        found = _match_field(m.group(1))
        if found is not None:
            out.append((found, m.group(2).strip() or None))
    return out


def _match_field(text: str) -> str | None:
    """The header field a label names ("2.项目实施内容及过程概述" too), or 自评总分."""
    for candidate in (text, _NUMBERING.sub("", text.strip())):
        name = FIELD_LABELS.match(candidate)
        if name is not None:
            return name
        if TOTAL_LABELS.match(candidate) is not None:
            return "自评总分"
    # 一级/区级/县级预算单位名称: a unit's name by its level, however the level is written
    if label(text).endswith("预算单位名称") and len(label(text)) <= 10:
        return "单位名称"
    return None


def _plain_number(value: Any, name: str) -> Any:
    """A year or a total typed as text in a label's cell ("年度：2024", "自评总分: 95")."""
    if name in ("年度", "自评总分", "总分") and isinstance(value, str):
        text = compact(value)
        if re.fullmatch(r"\d+", text):
            return int(text)
        if re.fullmatch(r"\d+\.\d+", text):
            return float(text)
    return value


# ---- regions ------------------------------------------------------------------------------


def profile_hint(ws: SheetGrid | Worksheet) -> tuple[str, str] | None:
    """The regional profile a sheet's own print says it belongs to, and why (in Chinese):
    the report number of a region's form ("报表编号:510000_0013zp") or its title."""
    g = PaperGrid(_as_grid(ws))
    # the first rows, and a Word table's title lines above it
    lines = [*g.preamble, *(t for r in range(1, min(g.max_row, 12) + 1) for _c, t in g.texts(r))]
    for text in lines:
        m = _REPORT_NUMBER.search(compact(text))
        if m and m.group(1)[:2] in _REGION_CODES:
            profile, region = _REGION_CODES[m.group(1)[:2]]
            return profile, f"表中有{region}的报表编号 {m.group(1)}"
    for text in lines:
        title = re.sub(r"\(\d{4}年度?\)$", "", compact(text))
        if title in _REGION_TITLES:
            profile, region = _REGION_TITLES[title]
            return profile, f"表题“{title}”是{region}的表样"
    return None


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
    if isinstance(form, SelfEvalForm):
        form.framework = found.framework
    # Fields hold values; the rest (blocks, rows, labels) are places findings point at.
    cells = {p: c for p, c in found.cells.items() if _is_field(p)}
    anchors = {p: c for p, c in found.cells.items() if not _is_field(p)}
    anchors.update({k: v for k, v in anchors_for(cells, found.layout).items() if k not in anchors})
    form.cells = cells
    form.sheet_layout = SheetLayout(
        form.form_type, found.layout, ws.title, cells={**found.aliases, **cells}, anchors=anchors
    )
    form.sheet_layout.money_unit = found.money_unit
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
        if not reader.is_form():
            continue
        try:
            data = reader.read().data
        except InputError:
            continue
        out.append((ws.title, data["表类型"]))
    return out
