"""The budget block of a paper-layout form (资金情况 / 项目资金 / 预算执行情况).

How it is found and read:

- The header is a row with at least two amount headings (年初预算数, 全年预算数 or one of its
  names — 调整后预算数, 调整预算数(A), 预算数(A), 小计 ④=①+②+③, 合计 —, 全年执行数 or
  执行数, 预算执行数, 实际支出, 年度拨付金额), nearest above the indicator header (or the
  first one on a sheet without indicators).
- Its rows follow until a row that starts another block, an empty row, or a row with no
  amounts whose label is not a fund's. Each row's label is the rightmost text left of the
  amounts.
- The total row: 年度资金总额(:), 年度财政资金总额, 资金总额, 总额, 合计, 总计; failing
  those a subtotal (财政资金小计); failing that the first row without a label (a block of
  one row under its header). All its columns are read.
- The other rows are fund sources ("其中：", numbering and circled numbers dropped), or,
  under an 按收入性质/按支出性质 marker or when named 基本支出/项目支出, the split by nature.
  Where subtotal rows (财政资金小计, 其他资金小计) stand among them, they are the sources
  and the rows under them their parts. Source rows holding only a name are skipped.
- Amounts typed as text with their unit ("620.82万元") are read as numbers in the block's
  unit (万元 unless the headings say 元).
- A form without a 全年预算数 column measures execution against 年初预算数 (the Beijing
  form: 年初预算数(A) | 全年执行数(B) | 执行率(B/A)): that column is both.
- Points the block's heading declares ("预算执行情况(20分)", "分值(10分)") stand for a
  分值 column the form does not have.
- The block's heading repeated down its column (a merge undone and filled) labels no row.
- A row with words where the amounts go ("资金管理情况 | 情况说明 | 存在问题") is another
  block's header: the budget rows end there.
- Budget columns across (来源 | 中央 | 省 | 本级 | 其他 | 合计 | 执行数 | 执行率) are read as
  the total row only (its amounts are no row label, also where they are text, as in Word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jixiao.core.fields import labels
from jixiao.core.form import amount_value
from jixiao.core.layout import Cell
from jixiao.readers.labels import LabelTable, compact, heading_points, is_mark, label
from jixiao.readers.paper_grid import PaperGrid, Pos

BUDGET_LABELS = LabelTable(labels("预算执行"), reason_key="原因")
AMOUNTS = ("年初预算数", "全年预算数", "全年执行数")
SCORE_KEYS = ("分值", "得分")

_GRAND_TOTAL = ("年度资金总额", "资金总额", "总额", "合计", "总计", "年度资金合计", "资金合计")
_NATURE_MARKERS = {"按收入性质": "按收入性质", "按支出性质": "按支出性质"}
_BY_INCOME = frozenset({"一般公共预算", "一般公共预算拨款", "政府性基金", "纳入专户管理的非税收入"})
_BY_SPENDING = frozenset({"基本支出", "项目支出"})
# Numbering in front of a fund's name: "其中：", "1.", "(2)", "二、", "①".
_PREFIX = re.compile(r"^(?:其中:?)?(?:\(?\d+[).、]|[一二三四五六七八九十]+[、.])?")
_CIRCLED = re.compile(r"^[①-⑳]")
# What the label of a fund row (or a printed, unfilled one) looks like.
_FUND_LIKE = re.compile(
    r"资金|拨款|补助|结转|结余|预算|收入|支出|其中|性质|小计|合计|总额|总计|^[①-⑳]|^[.。…]+$"
)
# A heading that says the amounts are in 元, not 万元.
_IN_YUAN = re.compile(r"[(（]元[)）]|单位[:：]?元(?!/)|金额[(（]元")


@dataclass
class BudgetBlock:
    header: int  # the header row
    columns: dict[str, int]  # field -> column
    data: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, Cell] = field(default_factory=dict)
    aliases: dict[str, Cell] = field(default_factory=dict)  # positional paths
    rows: set[int] = field(default_factory=set)  # header and rows of the block
    heading: Pos | None = None  # the block's own label ("预算执行情况(10分)")
    declared_points: float | None = None  # the points its headings declare
    unit: str = "万元"
    unmapped: int = 0  # headings of columns our forms do not have (历年结余结转 …)

    @property
    def scores(self) -> bool:
        """Whether the block has a 分值 or 得分 column of its own."""
        return any(k in self.columns for k in SCORE_KEYS)


def find_budget_header(g: PaperGrid, before: int | None) -> tuple[int, dict[str, int]] | None:
    """(row, field -> column) of the budget header nearest above row ``before`` (else the
    first below it; the first on the sheet when ``before`` is None)."""
    best: tuple[int, dict[str, int]] | None = None
    for r in range(1, g.max_row + 1):
        if r == before:
            continue
        cols = g.row_labels(r, BUDGET_LABELS)
        if not _heads_budget(cols):
            continue
        if before is None:
            return r, cols
        if r < before:
            best = (r, cols)  # the last one above wins
        elif best is None:
            return r, cols
    return best


def is_budget_header_row(g: PaperGrid, row: int) -> bool:
    """Whether ``row`` heads a budget block (two amount headings or more)."""
    return _heads_budget(g.row_labels(row, BUDGET_LABELS))


def _heads_budget(columns: dict[str, int]) -> bool:
    return len(set(AMOUNTS) & columns.keys()) >= 2


def read_budget(
    g: PaperGrid, header: int, columns: dict[str, int], stop: int | None, ends: Any
) -> BudgetBlock:
    """Read the block under ``header`` up to row ``stop`` (exclusive) or a row ``ends(row)``."""
    columns = dict(columns)
    if "全年预算数" not in columns and {"年初预算数", "全年执行数"} <= columns.keys():
        columns["全年预算数"] = columns["年初预算数"]
    block = BudgetBlock(header, columns)
    block.rows.add(header)
    first_value = min(columns.values())
    _read_heading(g, block, first_value)

    rows: list[tuple[int, Pos | None, str, dict[str, Pos]]] = []
    row = header + 1
    while row <= g.max_row and row != stop:
        label_pos = _row_label(g, row, first_value)
        if label_pos is not None and _is_heading_again(g, block, label_pos):
            label_pos = None
        raw = g.values.get(label_pos) if label_pos else None
        lab = label(raw)
        values = {k: (row, c) for k, c in columns.items() if (row, c) in g.values}
        if ends(row) or (not lab and not values):
            break
        if not values and not (_FUND_LIKE.search(compact(raw)) or _FUND_LIKE.search(str(raw))):
            break  # a row of another block ("项目年度目标")
        amounts = [g.values[pos] for k, pos in values.items() if k in AMOUNTS]
        if amounts and not any(_amount_like(v) for v in amounts):
            break  # words under the amounts: another block's headings (资金管理情况 | 情况说明)
        rows.append((row, label_pos, lab, values))
        block.rows.add(row)
        row += 1

    total = _total_row(rows)
    if total is not None:
        _read_total(g, block, *total)
    _read_sources(g, block, [r for r in rows if total is None or r[0] != total[0]])
    return block


def _read_heading(g: PaperGrid, block: BudgetBlock, first_value: int) -> None:
    """The block's label left of its headings, its unit and the points it declares."""
    header = block.header
    texts = [(c, t) for c, t in g.texts(header)]
    left = [(c, t) for c, t in texts if c < first_value]
    if left:
        block.heading = (header, left[0][0])
    if any(_IN_YUAN.search(compact(t)) for _c, t in texts):
        block.unit = "元"
    block.unmapped = sum(1 for c, t in texts if c >= first_value and BUDGET_LABELS.match(t) is None)
    for c, text in [*left, *((c, t) for c, t in texts if c == block.columns.get("分值"))]:
        points = heading_points(text)[1]
        if points is not None:
            block.declared_points = points
            if block.heading is None:
                block.heading = (header, c)
            break


def _amount_like(value: Any) -> bool:
    """A budget cell's content: a number, an amount as text — also one W02 will question
    ("808.10万", "约12万元") — or a mark for none ("—", "/", "无"); not words without a digit."""
    if not isinstance(value, str):
        return True
    text = compact(value)
    return (
        not text or any(ch.isdigit() for ch in text) or is_mark(text) or text in ("无", "空", "*")
    )


def _is_heading_again(g: PaperGrid, block: BudgetBlock, pos: Pos) -> bool:
    """The block's heading repeated in its column below (a merge undone with its text
    filled into every cell, as WPS's 取消合并并填充 does): no row's label."""
    heading = block.heading
    return (
        heading is not None and pos[1] == heading[1] and g.values.get(pos) == g.values.get(heading)
    )


def _row_label(g: PaperGrid, row: int, before: int) -> Pos | None:
    """The rightmost text cell of a row left of column ``before`` that is not an amount:
    a Word table holds the amounts of the columns across (中央 | 省 | 本级) as text too."""
    for c in range(before - 1, 0, -1):
        value = g.values.get((row, c))
        if isinstance(value, str) and not _AMOUNT_TEXT.fullmatch(compact(value)):
            return (row, c)
    return None


_AMOUNT_TEXT = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[千万亿]?元)?")


Row = tuple[int, Pos | None, str, dict[str, Pos]]


def _total_row(rows: list[Row]) -> Row | None:
    for row in rows:
        if row[2] in _GRAND_TOTAL or "资金总额" in row[2]:
            return row
    for row in rows:
        if row[2].endswith("小计"):
            return row
    for row in rows:
        if not row[2] and row[3]:
            return row
    return None


def _amount(g: PaperGrid, pos: Pos, unit: str) -> Any:
    """A budget cell's value; amounts typed with their unit ("620.82万元") as numbers."""
    value = g.value(pos)
    if isinstance(value, str):
        parsed = amount_value(value, unit)
        if parsed is not None:
            return parsed
    return value


def _read_total(g: PaperGrid, block: BudgetBlock, row: int, label_pos: Pos | None, *_: Any) -> None:
    anchor = label_pos or (row, min(block.columns.values()))
    block.cells["预算执行"] = g.cell(anchor)
    for key, c in block.columns.items():
        pos = (row, c)
        block.cells[f"预算执行.{key}"] = g.cell(pos)
        value = _amount(g, pos, block.unit) if key in AMOUNTS else g.value(pos)
        if value is not None:
            block.data[key] = value
    if "分值" not in block.columns and block.declared_points is not None and block.heading:
        block.data["分值"] = block.declared_points
        block.cells["预算执行.分值"] = g.cell(block.heading)


def _read_sources(g: PaperGrid, block: BudgetBlock, rows: list[Row]) -> None:
    if all(label_pos is None for _r, label_pos, _l, _v in rows):
        return  # amounts across (来源 | 中央 | 省 | 本级 | 合计): no rows of sources
    if any(lab.endswith("小计") for _r, _p, lab, _v in rows):
        rows = [r for r in rows if r[2].endswith("小计")]  # the rest are their parts
    groups: dict[str, list[dict[str, Any]]] = {"资金来源": [], "按收入性质": [], "按支出性质": []}
    group: str | None = None
    for row, label_pos, lab, values in rows:
        marker = next((grp for m, grp in _NATURE_MARKERS.items() if m in lab), None)
        if marker is not None:
            group = marker  # "按支出性质：" heads the rows below it
            continue
        if not lab or label_pos is None:
            continue
        name = _source_name(g.values.get(label_pos))
        target = group or (
            "按支出性质"
            if name in _BY_SPENDING
            else "按收入性质"
            if name in _BY_INCOME
            else "资金来源"
        )
        item: dict[str, Any] = {"名称": name}
        for key in AMOUNTS:
            if key in values and g.filled(values[key]):
                item[key] = _amount(g, values[key], block.unit)
        if len(item) == 1:
            continue  # a printed name with nothing filled in (or "—": none)
        groups[target].append(item)
        k = len(groups[target])
        prefix = f"预算执行.{target}[{name}]"
        block.cells[prefix] = g.cell(label_pos)
        for key in AMOUNTS:
            if key in block.columns:
                pos = (row, block.columns[key])
                block.cells[f"{prefix}.{key}"] = g.cell(pos)
                block.aliases[f"预算执行.{target}[{k}].{key}"] = g.cell(pos)
        block.aliases[f"预算执行.{target}[{k}]"] = g.cell(label_pos)
        if k == 1:
            block.cells.setdefault(f"预算执行.{target}", g.cell(label_pos))
    for key, items in groups.items():
        if items:
            block.data[key] = items


def _source_name(raw: Any) -> str:
    text = raw if isinstance(raw, str) else ""
    text = compact(_CIRCLED.sub("", text.strip()))
    return _PREFIX.sub("", text).strip(":")
