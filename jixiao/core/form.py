"""The forms as typed views over their interchange data.

Values are kept exactly as the form holds them (a typed number, text, or absent), so
checks can tell "blank" from "0" from "12万", and the JSON can be written back unchanged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from jixiao.core.layout import (
    BASIC,
    NATIONAL,
    PROJECT,
    SICHUAN,
    WHOLE,
    Cell,
    SheetLayout,
    sheet_layout,
)
from jixiao.core.memo import cached, memo
from jixiao.core.standards import MONEY_SHORT, YUAN_PER, split_points
from jixiao.core.values import (
    Kind,
    ParsedValue,
    normalize_text,
    parse_operator,
    parse_value,
    parse_value_once,
)


class _Missing:
    """A key absent from the form (different from an empty cell)."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


# A number typed as text; points and scores are also typed with 分 ("20分"), as a form prints
# them: the same number (read as no number, "20分" was a missing 得分: W05).
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?分?")
MAX_AMOUNT = 1e15
_REAL = (int, float)  # for isinstance: `int | float` would be built anew on every call


def number(raw: Any) -> float | None:
    """A number cell's value: numbers, and text that is only a number (Excel text-numbers)."""
    kind = type(raw)
    if kind is float:
        # NaN, infinities and amounts beyond any budget are not figures a form can hold.
        return raw if -MAX_AMOUNT < raw < MAX_AMOUNT else None
    if kind is str:
        return _TEXT_NUMBERS[raw]
    if kind is int:
        # Compared before float(), which overflows on an int of 309+ digits.
        return float(raw) if -MAX_AMOUNT < raw < MAX_AMOUNT else None
    return _number(raw)


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool) or raw is None or raw is MISSING:
        return None
    if isinstance(raw, _REAL):  # subclasses (numpy.float64, IntEnum): compared first, as above
        return float(raw) if -MAX_AMOUNT < raw < MAX_AMOUNT else None
    if isinstance(raw, str) and (m := _PLAIN_NUMBER.fullmatch(normalize_text(raw))):
        value = float(m.group().removesuffix("分"))
    else:
        return None
    return value if math.isfinite(value) and abs(value) < MAX_AMOUNT else None


_TEXT_NUMBERS = memo(_number)


_AMOUNT_TEXT = re.compile(r"([-+]?\d+(?:\.\d+)?)(亿元|万元|千元|元|万|亿)")


def amount_value(raw: Any, unit: str = "万元") -> float | None:
    """An amount cell's value in ``unit`` (the column's): a number as typed, or text that is a
    number with its own money unit ("620.82万元" → 620.82 in a 万元 column; "3000元" → 0.3;
    "150万" → 150)."""
    value = number(raw)
    if value is not None or not isinstance(raw, str):
        return value
    m = _AMOUNT_TEXT.fullmatch(normalize_text(raw))
    if m is None:
        return None
    value, own = float(m.group(1)), MONEY_SHORT.get(m.group(2), m.group(2))
    if own != unit:
        value = round(value * YUAN_PER[own] / YUAN_PER.get(unit, 10_000), 6)
    return value if math.isfinite(value) and abs(value) < MAX_AMOUNT else None


def _present(raw: Any) -> Any:
    """A field's value as a cell shows it: an absent field is an empty cell."""
    return None if raw is MISSING else raw


def read_target(target: Any, op: Any, unit: Any, *, remember: bool = True) -> ParsedValue:
    """An indicator's 指标值 read with the Sichuan 指标性质 and 度量单位 columns (not
    remembered by ``parse_value`` when the caller remembers the reading itself)."""
    column_op = parse_operator(op) if not is_blank(op) else None
    read = parse_value if remember else parse_value_once
    return read(_present(target), op=column_op, unit=None if is_blank(unit) else str(unit))


def read_actual(actual: Any, unit: Any, *, remember: bool = True) -> ParsedValue:
    """An indicator's 实际完成值 read with the Sichuan 度量单位 column (see read_target)."""
    read = parse_value if remember else parse_value_once
    return read(_present(actual), unit=None if is_blank(unit) else str(unit))


def is_blank(raw: Any) -> bool:
    return raw is MISSING or raw is None or (isinstance(raw, str) and not raw.strip())


def rate_value(raw: Any) -> float | None:
    """A rate as the form shows it: 0.187, "18.70%", or 18.7 meaning percent."""
    if isinstance(raw, str):
        v = parse_value(raw)
        if v.kind is not Kind.NUMBER or v.number is None:
            return None
        if v.unit == "%":
            return v.number / 100
        if v.unit:
            return v.number
        n = v.number  # "20" as a Word table or a text cell holds it: as the number 20
    else:
        n = number(raw)
        if n is None:
            return None
    # No real rate is ten-fold; a number that large was typed as a percent.
    return n / 100 if abs(n) > 10 else n


@dataclass(frozen=True)
class CellState:
    """A cell of a workbook as found: its formula, the value it holds, an error value."""

    formula: str | None = None  # the formula text when the cell still holds one
    value: Any = None  # a typed value (when no formula), else the cached result if any
    error: str | None = None  # "#DIV/0!" … when the cell holds or shows an error
    template_formula: bool = False  # our template puts a formula here


@dataclass(frozen=True)
class FundRow:
    name: str
    initial: Any = MISSING  # 年初预算数
    full_year: Any = MISSING  # 全年预算数
    executed: Any = MISSING  # 全年执行数
    position: int = 0  # 1-based row within its block


@dataclass(frozen=True)
class Budget:
    initial: Any = MISSING
    full_year: Any = MISSING
    executed: Any = MISSING
    points: Any = MISSING
    rate: Any = MISSING
    score: Any = MISSING
    reason: Any = MISSING
    sources: tuple[FundRow, ...] = ()
    by_nature: tuple[FundRow, ...] = ()  # 按支出性质: 基本支出, 项目支出


@dataclass(frozen=True)
class Indicator:
    index: int  # 1-based, in form order
    level1: Any = MISSING
    level2: Any = MISSING
    name: Any = MISSING
    op: Any = MISSING  # 指标性质 (Sichuan layout)
    target: Any = MISSING
    unit: Any = MISSING  # 度量单位 (Sichuan layout)
    actual: Any = MISSING
    points: Any = MISSING
    score: Any = MISSING
    reason: Any = MISSING

    @property
    def column_op(self) -> str | None:
        return parse_operator(self.op) if not is_blank(self.op) else None

    @cached
    def target_value(self) -> ParsedValue:
        return read_target(self.target, self.op, self.unit)

    @cached
    def actual_value(self) -> ParsedValue:
        return read_actual(self.actual, self.unit)

    @property
    def declared_points(self) -> float | None:
        """The points the 一级指标 heading declares for its block ("产出指标(50分)")."""
        return None if is_blank(self.level1) else split_points(str(self.level1))[1]

    @property
    def is_empty(self) -> bool:
        for v in (
            self.level1,
            self.level2,
            self.name,
            self.op,
            self.target,
            self.unit,
            self.actual,
            self.points,
            self.score,
            self.reason,
        ):
            # is_blank(v), inlined: every form asks this of every row
            if v is not MISSING and v is not None and not (isinstance(v, str) and not v.strip()):
                return False
        return True


@dataclass
class Form:
    """Common part of every form: its type, header and where its fields sit."""

    form_type: str
    data: dict[str, Any]
    source: str = ""  # file name, for messages
    sheet_layout: SheetLayout | None = None
    # Cell overrides from a workbook reader: field path -> Cell.
    cells: dict[str, Cell] = field(default_factory=dict)
    # What a workbook reader saw in the cells the form uses (for Q08, Q09).
    cell_states: dict[str, CellState] = field(default_factory=dict)

    @property
    def unit_name(self) -> Any:
        return self.data.get("单位名称", MISSING)

    @property
    def year(self) -> Any:
        return self.data.get("年度", MISSING)

    def locate(self, path: str) -> Cell | None:
        if path in self.cells:
            return self.cells[path]
        return self.sheet_layout.locate(self._positional(path)) if self.sheet_layout else None

    def _positional(self, path: str) -> str:
        return path


_MONTH = re.compile(r"(\d{1,2})月?")


def _month(key: str) -> int | None:
    """The month a 执行进度 key names ("6月", "６", "12"), else None."""
    m = _MONTH.fullmatch(normalize_text(key))
    return int(m.group(1)) if m else None


_MONTHS = memo(_month)
_NAMED_SOURCE = re.compile(r"预算执行\.资金来源\[([^\]]+)\](.*)")
_NAMED_BLOCK = re.compile(r"绩效指标\[([^\]\d][^\]]*)\](.*)")
_NAMED_BUILDING = re.compile(r"楼堂馆所\[([^\]]+)\](.*)")


def named_item(path: str) -> tuple[str, str, str] | None:
    """(list, name, rest of the path) for a path that names a list item rather than
    numbering it ("预算执行.资金来源[财政资金].全年执行数", "绩效指标[产出指标].一级指标",
    "楼堂馆所[办公楼].规模控制率"): only such paths are placed by the form's own data
    (``Form._positional``); any other path sits where the form's layout puts it."""
    return _NAMED_ITEMS[path]


def _named_item(path: str) -> tuple[str, str, str] | None:
    m = _NAMED_SOURCE.match(path)
    if m and not m.group(1).isdigit():
        return "资金来源", m.group(1), m.group(2)
    m = _NAMED_BLOCK.match(path)
    if m:
        return "绩效指标", m.group(1), m.group(2)
    m = _NAMED_BUILDING.match(path)
    if m and not m.group(1).isdigit():
        return "楼堂馆所", m.group(1), m.group(2)
    return None


_NAMED_ITEMS = memo(_named_item)


@dataclass
class SelfEvalForm(Form):
    layout: str = NATIONAL
    budget: Budget = field(default_factory=Budget)
    indicators: tuple[Indicator, ...] = ()
    # Set by a reader for a form of another evaluation framework (决策/过程/产出/效益 …):
    # what it is, in Chinese, for the one finding that says which checks do not apply.
    framework: str | None = None

    @property
    def scored(self) -> bool:
        """Whether the form scores at all: some forms (绩效目标自评表) have no 分值, 得分 or
        总分 anywhere, and score checks do not apply to them."""
        if "总分" in self.data:
            return True  # most forms: the rows need not be looked at (asked of every form)
        keys = ("分值", "得分")
        rows = [i for i in self.data.get("绩效指标") or [] if isinstance(i, dict)]
        budget = self.data.get("预算执行")
        return (
            any(k in row for row in rows for k in keys)
            or (isinstance(budget, dict) and any(k in budget for k in keys))
            or not rows
        )

    @property
    def is_project(self) -> bool:
        return self.form_type == PROJECT

    @property
    def goals(self) -> dict[str, Any]:
        g = self.data.get("年度总体目标", {})
        return g if isinstance(g, dict) else {}

    @property
    def total_points(self) -> Any:
        return self._total().get("分值", MISSING)

    @property
    def total_score(self) -> Any:
        return self._total().get("得分", MISSING)

    @property
    def grade(self) -> Any:
        return self.data.get("等级", MISSING)

    @property
    def progress(self) -> dict[int, Any]:
        """执行进度: month -> cumulative execution ratio as the form holds it."""
        raw = self.data.get("执行进度", {})
        out: dict[int, Any] = {}
        for k, v in raw.items() if isinstance(raw, dict) else ():
            month = _MONTHS[k] if type(k) is str else _month(str(k))
            if month is not None:
                out[month] = v
        return out

    @cached
    def filled_indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if not i.is_empty)

    def _total(self) -> dict[str, Any]:
        t = self.data.get("总分", {})
        return t if isinstance(t, dict) else {}

    def _positional(self, path: str) -> str:
        # Named items (资金来源[财政资金], 绩效指标[产出指标]) -> their row on the sheet.
        item = named_item(path)
        if item is None:
            return path
        kind, name, rest = item
        if kind == "资金来源":
            for s in self.budget.sources:
                if s.name == name:
                    return f"预算执行.资金来源[{s.position}]{rest}"
        elif kind == "绩效指标":
            for i in self.indicators:
                if i.level1 == name:
                    return f"绩效指标[{i.index}]{rest}"
        return path


@dataclass
class BasicDataForm(Form):
    @property
    def staff(self) -> dict[str, Any]:
        s = self.data.get("人员", {})
        return s if isinstance(s, dict) else {}

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [r for r in self.data.get("经费", []) if isinstance(r, dict)]

    def row(self, name: str) -> dict[str, Any] | None:
        for r in self.rows:
            if r.get("名称") == name:
                return r
        return None

    @property
    def buildings(self) -> list[dict[str, Any]]:
        return [r for r in self.data.get("楼堂馆所", []) if isinstance(r, dict)]

    def _positional(self, path: str) -> str:
        item = named_item(path)
        if item is not None and item[0] == "楼堂馆所":
            for k, b in enumerate(self.buildings, 1):
                if b.get("名称") == item[1]:
                    return f"楼堂馆所[{k}]{item[2]}"
        return path


# Fund-source row names that only the Sichuan form uses.
_SICHUAN_SOURCES = frozenset({"财政资金", "财政专户管理资金", "单位资金"})


def detect_layout(data: dict[str, Any]) -> str:
    """Sichuan forms split operator and unit into their own columns.

    A form with no indicators yet still shows its origin in the budget block:
    a reason column, or Sichuan's own fund-source names.
    """
    for ind in data.get("绩效指标", []) or []:
        if isinstance(ind, dict) and ("指标性质" in ind or "度量单位" in ind):
            return SICHUAN
    budget = data.get("预算执行") or {}
    if "原因" in budget:
        return SICHUAN
    names = {s.get("名称") for s in budget.get("资金来源") or [] if isinstance(s, dict)}
    return SICHUAN if names & _SICHUAN_SOURCES else NATIONAL


def build_form(data: dict[str, Any], source: str = "", layout: str | None = None) -> Form:
    """A typed form over validated interchange data (see interchange.validate)."""
    form_type = data["表类型"]
    if form_type == BASIC:
        return BasicDataForm(BASIC, data, source, sheet_layout(BASIC))
    lay = layout or detect_layout(data)
    b = data.get("预算执行", {})

    def fund_rows(items: Any) -> tuple[FundRow, ...]:
        return tuple(
            FundRow(
                name=str(s.get("名称", "")),
                initial=s.get("年初预算数", MISSING),
                full_year=s.get("全年预算数", MISSING),
                executed=s.get("全年执行数", MISSING),
                position=k,
            )
            for k, s in enumerate(items or [], 1)
        )

    budget = Budget(
        initial=b.get("年初预算数", MISSING),
        full_year=b.get("全年预算数", MISSING),
        executed=b.get("全年执行数", MISSING),
        points=b.get("分值", MISSING),
        rate=b.get("执行率", MISSING),
        score=b.get("得分", MISSING),
        reason=b.get("原因", MISSING),
        sources=fund_rows(b.get("资金来源")),
        by_nature=fund_rows(b.get("按支出性质")),
    )
    indicators = tuple(
        Indicator(
            index=k,
            level1=i.get("一级指标", MISSING),
            level2=i.get("二级指标", MISSING),
            name=i.get("三级指标", MISSING),
            op=i.get("指标性质", MISSING),
            target=i.get("指标值", MISSING),
            unit=i.get("度量单位", MISSING),
            actual=i.get("实际完成值", MISSING),
            points=i.get("分值", MISSING),
            score=i.get("得分", MISSING),
            reason=i.get("偏差原因", MISSING),
        )
        for k, i in enumerate(data.get("绩效指标", []) or [], 1)
    )
    return SelfEvalForm(
        form_type,
        data,
        source,
        sheet_layout(form_type, lay),
        layout=lay,
        budget=budget,
        indicators=indicators,
    )


__all__ = [
    "BASIC",
    "MISSING",
    "PROJECT",
    "WHOLE",
    "BasicDataForm",
    "Budget",
    "Form",
    "FundRow",
    "Indicator",
    "SelfEvalForm",
    "amount_value",
    "build_form",
    "is_blank",
    "number",
    "rate_value",
]
