"""The indicator block of a paper-layout form (绩效指标), read as a careful reviewer reads it.

- The header is the first row holding 三级指标 (or 指标名称) and 指标值 or 实际完成值 under
  any of their names; headings in the row just above or below fill columns the row leaves
  empty (two-row headers). Two columns for the target (年初指标值 | 调整指标值): the adjusted
  one holds where it is filled. A label left of the headings ("绩效指标(90分)") is the
  block's own title: findings about the block as a whole point at it.
- Rows run from below the header to the first 总分/合计/等级/填表人/注/说明 row, a title of
  another form, or a run of three fully empty rows.
- 一级/二级 "same as above": a cell merged over several rows, or a blank cell below a filled
  one, holds the value above it. The same text repeated down the cells below a heading (a
  merge undone and filled, WPS's 取消合并并填充) is that one heading, its points once; the
  block's title repeated so does not end the block. Where the 一级 label is lost ("(50分)"
  alone) or missing altogether, the 二级 names imply it (数量指标 → 产出指标).
- A heading's points ("产出指标(50分)", "产出\\n指标\\n40 分", "(50分)") are the block's:
  the first row of the block carries the heading with its points as its 一级指标
  ("产出指标(50分)"), the rows below the plain name; 二级 headings likewise.
- Not indicators: placeholder rows of the blank template ("指标1：", "指标2", "……",
  "指标1：/"), rows with "/" in every value cell (not applicable), rows named "其中…" without
  points of their own (the breakdown of the row above), rows holding only 一级/二级
  labels (a block with nothing else is a block the form lacks), and a row of only
  分值/得分 above every heading (the block's own total).
- A filled row keeps the template's prefix: "指标1：完成…" is named "完成…".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jixiao.core.fields import labels
from jixiao.core.layout import Cell
from jixiao.core.standards import normalize_label, parent_of, standard_level1, standard_level2
from jixiao.readers.labels import (
    LabelTable,
    compact,
    heading_points,
    indicator_name,
    label,
    with_points,
)
from jixiao.readers.paper_grid import PaperGrid, Pos

INDICATOR_LABELS = LabelTable(labels("绩效指标"), reason_key="偏差原因")
LEVELS = ("一级指标", "二级指标")
VALUES = ("指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分", "偏差原因")
SHOWN = ("指标值", "实际完成值")  # percent-formatted numbers read as the text shown ("95%")
EMPTY_RUN = 3  # this many fully empty rows end the block

# The block's own title, left of its headings.
BLOCK_TITLES = frozenset(
    {
        "绩效指标",
        "年度绩效指标",
        "年度绩效指标完成情况",
        "年度绩效目标",
        "绩效目标",
        "绩效指标完成情况",
    }
)


@dataclass
class IndicatorHeader:
    first: int
    last: int
    columns: dict[str, int]  # field -> column
    adjusted: dict[str, int] = field(default_factory=dict)  # 调整指标值: wins where filled
    title: Pos | None = None  # "绩效指标(90分)"
    title_points: float | None = None
    headings: dict[int, str] = field(default_factory=dict)  # column -> heading text


@dataclass
class IndicatorRow:
    row: int
    item: dict[str, Any]
    where: dict[str, Pos]  # field -> the cell it was read from (or is to be written to)


@dataclass
class IndicatorBlock:
    header: IndicatorHeader
    rows: list[IndicatorRow]
    end: int  # the first row after the block

    def cells(self, sheet: str) -> dict[str, Cell]:
        """Field path -> cell for every row, plus the rows by their 一级 name."""
        out: dict[str, Cell] = {}
        for k, r in enumerate(self.rows, 1):
            for name, pos in r.where.items():
                out[f"绩效指标[{k}].{name}"] = Cell(sheet, *pos)
            name_pos = r.where.get("三级指标", (r.row, min(self.header.columns.values())))
            out[f"绩效指标[{k}]"] = Cell(sheet, *name_pos)
            level1 = r.item.get("一级指标")
            if isinstance(level1, str) and not level1.isdigit():
                plain = heading_points(level1)[0]
                for key in dict.fromkeys((plain, level1)):
                    for name, pos in r.where.items():
                        out.setdefault(f"绩效指标[{key}].{name}", Cell(sheet, *pos))
        return out


def find_indicator_header(g: PaperGrid) -> IndicatorHeader | None:
    """The indicator header, or None."""
    for r in range(1, g.max_row + 1):
        cols, adjusted = _heading_columns(g, r)
        if "三级指标" not in cols or not {"指标值", "实际完成值"} & cols.keys():
            continue
        first = last = r
        # Headings anchored in the row above (merged down over this row) fill empty columns.
        if r > 1:
            for name, c in _heading_columns(g, r - 1)[0].items():
                if name not in cols and c not in cols.values() and (r, c) not in g.values:
                    cols[name] = c
                    first = r - 1
        # Sub-headings in the row below replace a heading merged across their columns
        # ("年度指标值" over 指标性质 | 指标值 | 度量单位) and fill empty columns.
        below = _heading_columns(g, r + 1)[0] if r < g.max_row else {}
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
        header = IndicatorHeader(first, last, dict(sorted(cols.items(), key=lambda kv: kv[1])))
        header.adjusted = {k: c for k, c in adjusted.items() if k in header.columns}
        for row in range(first, last + 1):
            for c, text in g.texts(row):
                header.headings.setdefault(c, text)
        _find_title(g, header)
        return header
    return None


def is_indicator_header_row(g: PaperGrid, row: int) -> bool:
    """Whether ``row`` heads an indicator table (三级指标 and a target or actual column)."""
    cols = _heading_columns(g, row)[0]
    return "三级指标" in cols and bool({"指标值", "实际完成值"} & cols.keys())


def _heading_columns(g: PaperGrid, row: int) -> tuple[dict[str, int], dict[str, int]]:
    """Field -> column of a row's headings, and the adjusted columns ("调整指标值") of a field
    that another column ("年初指标值") also names."""
    cols: dict[str, int] = {}
    adjusted: dict[str, int] = {}
    for c, text in g.texts(row):
        name = INDICATOR_LABELS.match(text)
        if name is None:
            continue
        if name not in cols:
            cols[name] = c
        elif "调整" in label(text):
            adjusted[name] = c
    return cols, adjusted


def _find_title(g: PaperGrid, header: IndicatorHeader) -> None:
    """The block's own title among the header rows ("绩效指标(90分)", "年度绩效指标完成情况"),
    else in the row just above them: a two-row header whose merged headings were undone and
    filled (WPS) is read from its lower row alone, and its title stands above it."""
    above = [header.first - 1] if header.first > 1 else []
    for row in [*range(header.first, header.last + 1), *above]:
        for c, text in g.texts(row):
            if INDICATOR_LABELS.match(text) is not None:
                continue  # a column's heading
            name, points = heading_points(text)
            if name in BLOCK_TITLES or (not name and points is not None):
                header.title, header.title_points = (row, c), points
                return


def read_indicators(
    g: PaperGrid, header: IndicatorHeader, ends: Callable[[int], bool]
) -> IndicatorBlock:
    """Read the rows under ``header`` until ``ends(row)`` or a run of empty rows."""
    cols = header.columns
    level_cols = {k: cols[k] for k in LEVELS if k in cols}
    scan = _Scan(g, level_cols)
    raw_rows: list[_Raw] = []
    empty = 0
    row = header.last + 1
    while row <= g.max_row:
        if is_indicator_header_row(g, row):
            # The header again over a second block of the same table (黄冈: 年度绩效目标1 (40分)
            # and 年度绩效目标2 (40分), each under its own header row): no indicator, and no
            # end either, though a heading like 自评得分 would end the block elsewhere.
            empty = 0
            row += 1
            continue
        if ends(row):
            break
        covered = any(g.covered_from_above((row, c)) for c in level_cols.values())
        if g.row_empty(row) and not covered:
            empty += 1
            if empty >= EMPTY_RUN:
                break
            row += 1
            continue
        empty = 0
        raw_rows.append(_read_row(g, header, scan, row))
        row += 1
    block = IndicatorBlock(header, [], row)
    block.rows = _keep(raw_rows)
    _name_blocks(block.rows, raw_rows)
    return block


# ---- one row ------------------------------------------------------------------------------


@dataclass
class _Level:
    """A 一级 or 二级 heading cell (or cells stacked one under another) and its rows."""

    pos: Pos
    raw: Any
    name: str = ""
    points: float | None = None
    rows: list[_Raw] = field(default_factory=list)
    parts: list[Pos] = field(default_factory=list)  # further cells of a stacked heading
    copies: list[Pos] = field(default_factory=list)  # cells below repeating it (a merge filled)

    @property
    def last(self) -> Pos:
        """The heading's last piece."""
        return self.parts[-1] if self.parts else self.pos

    def extend(self, pos: Pos, value: str) -> None:
        self.parts.append(pos)
        self.raw = f"{self.raw}\n{value}"
        self.name, self.points = heading_points(self.raw)


@dataclass
class _Raw:
    row: int
    item: dict[str, Any]
    where: dict[str, Pos]
    levels: dict[str, _Level | None]
    kind: str  # indicator | labels | skip


class _Scan:
    """The 一级/二级 heading in force, row by row ("same as above")."""

    def __init__(self, g: PaperGrid, level_cols: dict[str, int]) -> None:
        self.g = g
        self.cols = level_cols
        self.current: dict[str, _Level | None] = {k: None for k in LEVELS}

    def levels(self, row: int) -> dict[str, _Level | None]:
        new_level1 = False
        for key in LEVELS:
            c = self.cols.get(key)
            if c is None:
                continue
            pos = self.g.top_left((row, c))
            cur = self.current[key]
            if cur is not None and (cur.pos == pos or pos in cur.parts):
                continue  # inside the heading's merge
            value = self.g.values.get(pos)
            if cur is not None and self._repeats(cur, pos, value):
                cur.copies.append(pos)  # the same heading: a merge undone and its text filled
                continue
            if value is not None:
                if cur is not None and _continues(key, cur, pos, value, self.g.below(cur.last)):
                    cur.extend(pos, value)  # "产出" / "指标" / "(60分)" in stacked cells
                    continue
                name, points = heading_points(value)
                if not name and key == "一级指标":
                    name = self.label_left_of(pos)
                self.current[key] = _Level(pos, value, name, points)
                new_level1 = new_level1 or key == "一级指标"
            elif key == "二级指标" and new_level1:
                self.current[key] = None  # a new 一级 block does not inherit the 二级 above
            # else: a blank cell below a filled one means "same as above"
        return dict(self.current)

    def _repeats(self, cur: _Level, pos: Pos, value: Any) -> bool:
        """Whether a cell right below the heading in force repeats it, as WPS's 取消合并并填充
        leaves a merged heading: one block, its points declared once."""
        above = cur.copies[-1] if cur.copies else cur.last
        return (
            value is not None
            and pos[0] == self.g.below(above)
            and value == self.g.values.get(above)
        )

    def label_left_of(self, pos: Pos) -> str:
        """A 一级 name printed in the cell left of a heading that holds only its points."""
        if pos[1] <= 1:
            return ""
        value = self.g.values.get(self.g.top_left((pos[0], pos[1] - 1)))
        name = heading_points(value)[0] if isinstance(value, str) else ""
        return name if standard_level1(name) else ""


def _continues(key: str, cur: _Level, pos: Pos, value: Any, next_row: int) -> bool:
    """Whether a cell right below a heading's last piece (in ``next_row``) continues that
    heading: the points it lacks ("(60分)"), or the rest of a name ("产出" + "指标")."""
    if pos[0] != next_row or not isinstance(value, str) or not isinstance(cur.raw, str):
        return False
    name, points = heading_points(value)
    if not name:
        return points is not None and cur.points is None
    standard = standard_level1 if key == "一级指标" else standard_level2
    joined = heading_points(cur.raw + value)[0]
    return standard(name) is None and standard(joined) is not None


def _read_row(g: PaperGrid, header: IndicatorHeader, scan: _Scan, row: int) -> _Raw:
    cols = header.columns
    levels = scan.levels(row)
    item: dict[str, Any] = {}
    where: dict[str, Pos] = {}
    for key in ("三级指标", *VALUES):
        c = cols.get(key)
        if c is None:
            continue
        pos = (row, c)
        adj = header.adjusted.get(key)
        if adj is not None and g.filled((row, adj)):
            pos = (row, adj)
        where[key] = pos
        value = g.value(pos, as_shown=key in SHOWN)
        if value is not None:
            item[key] = value
    if _blank_under_another_block(g, row, cols.get("一级指标"), levels):
        levels = {**levels, "一级指标": None}  # its 二级 says which block: see _block_name
    for key in LEVELS:
        if key in cols:
            level = levels[key]
            own = (row, cols[key])
            where[key] = own if level is None or own in level.copies else level.pos
    kind = _kind(g, item, where, header)
    if kind == "indicator" and _block_total(item, levels):
        kind = "skip"
    return _Raw(row, item, where, levels, kind)


def _block_total(item: dict[str, Any], levels: dict[str, _Level | None]) -> bool:
    """A row of nothing but 分值/得分, above every 一级/二级 heading: the whole block's
    points and score printed under its header (保山: "90.00 | 90.00"), not an indicator.
    A template row named "指标1：" with only its scores filled stays one (W05)."""
    return (
        "三级指标" not in item
        and all(levels.get(key) is None for key in LEVELS)
        and set(item) <= {"分值", "得分"}
    )


def _blank_under_another_block(
    g: PaperGrid, row: int, col: int | None, levels: dict[str, _Level | None]
) -> bool:
    """A blank, unmerged 一级 cell means the 一级 above — unless the row's 二级 belongs to
    another block alone (社会效益指标 below 产出指标): then the 一级 was left out, not repeated."""
    level1, level2 = levels.get("一级指标"), levels.get("二级指标")
    if col is None or level1 is None or level2 is None or (row, col) in g.values:
        return False
    if (row, col) in g.anchor:
        return False  # merged: the heading says so explicitly
    own = standard_level1(level1.name) if level1.name else None
    parents = parent_of(standard_level2(level2.name) or "")
    return own is not None and len(parents) == 1 and own not in parents


def _kind(
    g: PaperGrid, item: dict[str, Any], where: dict[str, Pos], header: IndicatorHeader
) -> str:
    raw_name = item.get("三级指标")
    name = indicator_name(raw_name)
    if name is None:
        item.pop("三级指标", None)
    else:
        item["三级指标"] = name
    present = [k for k in VALUES if k in item]
    content = [k for k in present if g.filled(where[k])]
    if present and not content:
        return "skip"  # "/" in every value cell: not applicable
    if name is None and not content:
        return "labels"  # a placeholder, or the printed 一级/二级 only
    if (
        isinstance(name, str)
        and compact(name).startswith("其中")
        and "分值" in header.columns
        and "分值" not in content
    ):
        return "skip"  # the breakdown of the indicator above it
    return "indicator"


def _keep(rows: list[_Raw]) -> list[IndicatorRow]:
    """The indicator rows (and, for each heading, the rows it covers).

    A block printed with its labels and nothing filled has no indicator: the form lacks it
    (W04), rather than having an indicator that lacks everything."""
    for r in rows:
        for key in LEVELS:
            level = r.levels.get(key)
            if level is not None:
                level.rows.append(r)
    return [IndicatorRow(r.row, r.item, r.where) for r in rows if r.kind == "indicator"]


def _block_name(r: _Raw) -> str:
    """The standard 一级 name a row belongs to: its heading's, else its 二级's parent."""
    level1 = r.levels.get("一级指标")
    if level1 is not None and level1.name:
        return standard_level1(level1.name) or level1.name
    if level1 is not None:
        implied = _implied(level1.rows)
        if implied:
            return implied
    level2 = r.levels.get("二级指标")
    if level2 is not None and level2.name:
        parents = parent_of(standard_level2(level2.name) or "")
        if len(parents) == 1:
            return parents[0]
    return ""


def _implied(rows: list[_Raw]) -> str:
    """The 一级 that the 二级 names of a block's rows all belong to, or ""."""
    common: set[str] | None = None
    for r in rows:
        level2 = r.levels.get("二级指标")
        if level2 is None or not level2.name:
            continue
        parents = set(parent_of(standard_level2(level2.name) or ""))
        if not parents:
            return ""
        common = parents if common is None else common & parents
    if common and len(common) == 1:
        return next(iter(common))
    return ""


def _name_blocks(kept: list[IndicatorRow], rows: list[_Raw]) -> None:
    """Write each kept row's 一级/二级: the heading with its points on a block's first row."""
    by_row = {r.row: r for r in rows}
    started: set[Pos] = set()
    for ind in kept:
        raw = by_row[ind.row]
        for key in LEVELS:
            level = raw.levels.get(key)
            if level is None:
                if key == "一级指标":
                    implied = _block_name(raw)
                    if implied:
                        ind.item[key] = implied
                continue
            name = level.name
            if key == "一级指标" and not name:
                name = _implied(level.rows)
            if not name and level.points is None:
                ind.item[key] = (
                    level.raw if not isinstance(level.raw, str) else normalize_label(level.raw)
                )
                continue
            first = level.pos not in started
            started.add(level.pos)
            ind.item[key] = (
                with_points(name, level.points)
                if first
                else name or with_points(name, level.points)
            )
    # keep the item keys in the schema's order
    order = ("一级指标", "二级指标", "三级指标", *VALUES)
    for ind in kept:
        ind.item = {k: ind.item[k] for k in order if k in ind.item}


# ---- a framework's scored criteria above the indicators -----------------------------------

# The name column of a table of criteria ("项目权重 | 评价内容 | 分值 | 自评分 | 复核分 | …").
CRITERIA_NAMES = frozenset({"评价内容", "评价指标", "考核内容", "考核指标", "评价要点"})


def read_criteria(g: PaperGrid, rows: range, skip: set[int]) -> list[IndicatorRow]:
    """The scored criteria of another framework printed above the indicator table (项目决策,
    项目管理 | 评价内容 | 分值 | 自评分): they count towards the total like indicators, with
    their part ("项目管理(13分)") as 一级 and the criterion as 三级; they have no target."""
    for r in rows:
        if r in skip:
            continue
        cols: dict[str, int] = {}
        texts = list(g.texts(r))
        for c, text in texts:
            key = INDICATOR_LABELS.match(text)
            if key in ("分值", "得分"):
                cols.setdefault(key, c)
            elif label(text) in CRITERIA_NAMES:
                cols.setdefault("三级指标", c)
        if not {"三级指标", "分值", "得分"} <= cols.keys():
            continue
        first = min(c for c, _t in texts)
        if first < cols["三级指标"]:
            cols["一级指标"] = first
        return _criteria_rows(g, r, rows.stop, cols)
    return []


def _criteria_rows(
    g: PaperGrid, header: int, stop: int, cols: dict[str, int]
) -> list[IndicatorRow]:
    scan = _Scan(g, {k: c for k, c in cols.items() if k == "一级指标"})
    raw: list[_Raw] = []
    for row in range(header + 1, stop):
        item: dict[str, Any] = {}
        where: dict[str, Pos] = {}
        for key in ("三级指标", "分值", "得分"):
            pos = (row, cols[key])
            where[key] = pos
            if pos not in g.anchor and (value := g.value(pos)) is not None:
                item[key] = value
        if "三级指标" not in item:
            break  # a row across the table ("项目年度目标 1：…") ends it
        levels = scan.levels(row)
        level = levels.get("一级指标")
        if level is not None:
            where["一级指标"] = level.pos
        raw.append(_Raw(row, item, where, levels, "indicator"))
    kept = _keep(raw)
    _name_blocks(kept, raw)
    return kept
