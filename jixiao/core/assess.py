"""What the form's figures mean: recomputed rates and a reading of each indicator.

Checks compare the form against these; worksheet functions expose the same numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from jixiao.core import compute
from jixiao.core.compute import EPS
from jixiao.core.form import (
    MAX_AMOUNT,
    MISSING,
    Form,
    Indicator,
    SelfEvalForm,
    is_blank,
    number,
    read_actual,
    read_target,
)
from jixiao.core.layout import SheetLayout, is_shared, shared_layout
from jixiao.core.memo import builder, cached, memo
from jixiao.core.profile import Profile
from jixiao.core.standards import parent_of, split_points, standard_level1, standard_level2
from jixiao.core.values import (
    Kind,
    ParsedValue,
    magnitude,
    normalize_text,
    number_value,
    parse_operator,
    parse_value,
    rank_on,
    same_unit,
    top_rank,
)


class IndicatorReading:
    """One indicator row as the rules see it: its values read and compared, its labels read.

    Everything but the reference score is read on construction, from what the row holds:
    a batch repeats the same values and labels thousands of times, and each distinct
    combination is read once (``ValueReading``, ``LabelReading``)."""

    __slots__ = (
        "_reference",
        "actual",
        "band",
        "completion",
        "deviation",
        "direction",
        "indicator",
        "labels",
        "met",
        "points",
        "profile",
        "quantitative",
        "score",
        "target",
        "values",
    )

    def __init__(self, indicator: Indicator, profile: Profile) -> None:
        self.indicator = indicator
        self.profile = profile
        # value_reading() and label_reading(), their commonest case inlined (every row of
        # every form is read here): cells that are text or absent (MISSING) are the key as
        # they are, since no text equals a number, None or MISSING.
        target, op, unit, actual = indicator.target, indicator.op, indicator.unit, indicator.actual
        if (
            (type(target) is str or target is MISSING)
            and (type(op) is str or op is MISSING)
            and (type(unit) is str or unit is MISSING)
            and (type(actual) is str or actual is MISSING)
        ):
            v = _TEXT_PAIRS[(target, op, unit, actual)]
        else:
            v = value_reading(indicator)
        self.values = v
        level1, level2, name = indicator.level1, indicator.level2, indicator.name
        if type(level1) is str and type(level2) is str and type(name) is str:
            self.labels = _TEXT_LABELS[(level1, level2, name)]
        else:
            self.labels = label_reading(indicator)
        self.target = v.target
        self.actual = v.actual
        self.quantitative = v.quantitative
        self.direction = v.direction  # the comparison the target asks for ("=" if none)
        self.completion = v.completion
        self.deviation = v.deviation
        self.met = v.met  # did the result reach the target? None when that cannot be judged
        self.band = v.band  # qualitative band: 达成, 部分达成 or 未达成
        # number(), its commonest case (a whole number of points) inlined
        p = indicator.points
        self.points = float(p) if type(p) is int and -MAX_AMOUNT < p < MAX_AMOUNT else number(p)
        p = indicator.score
        self.score = float(p) if type(p) is int and -MAX_AMOUNT < p < MAX_AMOUNT else number(p)
        self._reference: tuple[float | None] | None = None

    @property
    def reference_score(self) -> float | None:
        """参考得分: 分值 × min(完成率, 1), or the top of the qualitative band."""
        if self._reference is None:
            if self.quantitative:
                ref = compute.reference_score(self.points, self.completion)
            elif self.band is None:
                ref = None
            else:
                ref = compute.qualitative_reference_score(
                    self.points, self.band, self.profile.bands
                )
            self._reference = (ref,)
        return self._reference[0]

    def __repr__(self) -> str:
        return f"IndicatorReading({self.indicator!r})"


@dataclass(frozen=True)
class CellReading:
    """One value cell read: its value, and the cell as a message quotes it."""

    __slots__ = ("_shown", "columns", "op_number", "unfilled", "value")
    value: ParsedValue
    unfilled: bool  # is_unfilled(): nothing entered
    op_number: bool  # the target's 指标性质 cell holds a number, not an operator
    columns: tuple[Any, Any, Any]  # the cell, 指标性质, 度量单位 as written

    @property
    def shown(self) -> str:
        """The cell as the clerk wrote it, with the Sichuan columns put back together:
        written out when a message first quotes it (most cells are never quoted)."""
        try:
            text: str | None = self._shown
        except AttributeError:  # made by the constructor or unpickled: not written out yet
            text = None
        if text is None:
            text = shown_with_columns(*self.columns)
            object.__setattr__(self, "_shown", text)
        return text

    # Pickling and copying, as a dataclass with slots=True does it (the written-out text
    # is not kept: it is written again when asked for).
    def __getstate__(self) -> tuple[Any, ...]:
        return (self.value, self.unfilled, self.op_number, self.columns)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(("value", "unfilled", "op_number", "columns"), state, strict=True):
            object.__setattr__(self, name, value)


@dataclass(frozen=True, slots=True)
class ValueReading:
    """What a row's 指标值 and 实际完成值 (with the Sichuan 指标性质 and 度量单位 columns)
    say, and how they compare: a pure function of those four cells."""

    target_cell: CellReading
    actual_cell: CellReading
    target: ParsedValue
    actual: ParsedValue
    quantitative: bool
    direction: str
    completion: float | None
    deviation: float | None
    met: bool | None
    band: str | None

    def __init__(
        self,
        target_cell: CellReading,
        actual_cell: CellReading,
        target: ParsedValue,
        actual: ParsedValue,
        quantitative: bool,
        direction: str,
        completion: float | None,
        deviation: float | None,
        met: bool | None,
        band: str | None,
    ) -> None:
        # The slots' own setters, as in Finding (a batch compares thousands of pairs).
        s = _PAIR_SETTERS
        s[0](self, target_cell)
        s[1](self, actual_cell)
        s[2](self, target)
        s[3](self, actual)
        s[4](self, quantitative)
        s[5](self, direction)
        s[6](self, completion)
        s[7](self, deviation)
        s[8](self, met)
        s[9](self, band)


_PAIR_SETTERS = tuple(ValueReading.__dict__[f.name].__set__ for f in fields(ValueReading))
# ValueReading(target_cell, …) and CellReading(value, unfilled, op_number, columns), quicker
# (memo.builder): every new pair of values makes three. A CellReading's quoted text
# (_shown) is None, to be written when first asked for.
_make_pair: Callable[..., ValueReading] = builder(ValueReading)
_make_cell: Callable[..., CellReading] = builder(
    CellReading, ("value", "unfilled", "op_number", "columns", "_shown")
)


def _read_values(target_cell: CellReading, actual_cell: CellReading) -> ValueReading:
    target, actual = target_cell.value, actual_cell.value
    if _fraction_of_percent(target, actual, actual_cell.columns[0]):
        number = actual.number * 100  # type: ignore[operator]  (checked there)
        actual = number_value(actual.raw, actual.op, actual.op_symbolic, number, "%", actual.approx)
    quantitative = (
        target.kind is Kind.NUMBER
        and actual.kind is Kind.NUMBER
        and target.number is not None
        and actual.number is not None
        and same_unit(target.unit, actual.unit)
    )
    direction = target.op or "="
    completion = deviation = None
    if quantitative:
        completion = compute.completion_rate(direction, target.number, actual.number)
        deviation = compute.deviation_rate(target.number, actual.number)
    met = _met(target, actual, quantitative, completion)
    return _make_pair(
        target_cell,
        actual_cell,
        target,
        actual,
        quantitative,
        direction,
        completion,
        deviation,
        met,
        _band(target, actual, met),
    )


def _fraction_of_percent(target: ParsedValue, actual: ParsedValue, raw: Any) -> bool:
    """A result typed as a plain number (a General cell: 0.98, 1; "0.98" in a Word table)
    against a percentage target above 1.5% ("≥95%", 100 with the column's %): the fraction
    of a percentage, as a formula or a clerk left it; compared as 98%, 100% (not as 1%
    against 100%)."""
    return (
        (type(raw) in (int, float) or (type(raw) is str and _PLAIN.fullmatch(raw.strip())))
        and target.kind is Kind.NUMBER
        and actual.kind is Kind.NUMBER
        and target.unit == "%"
        and actual.unit in ("", "%")
        and target.number is not None
        and target.number > 1.5
        and actual.number is not None
        and 0 < actual.number <= 1.5
    )


_PLAIN = re.compile(r"\d+(?:\.\d+)?")


def _met(
    t: ParsedValue, a: ParsedValue, quantitative: bool, completion: float | None
) -> bool | None:
    if t.kind in (Kind.EMPTY, Kind.ERROR, Kind.TEXT) or a.kind in (Kind.EMPTY, Kind.ERROR):
        return None
    if quantitative:
        return None if completion is None else completion >= 1 - EPS
    if normalize_text(str(t.raw)) == normalize_text(str(a.raw)):
        return True
    if t.kind is Kind.DATE:
        if a.kind is Kind.DATE:
            mt, ma = magnitude(t), magnitude(a)
            return None if mt is None or ma is None else ma <= mt
        return _positive(a)
    if t.kind is Kind.LEVEL:
        rank = _rank_against(t, a)
        if rank is not None and t.rank is not None:
            return rank >= t.rank
        return _positive(a)
    return None


def _band(t: ParsedValue, a: ParsedValue, met: bool | None) -> str | None:
    if met is None:
        return None
    if met:
        return "达成"
    rank = _rank_against(t, a) if t.kind is Kind.LEVEL else None
    if rank is not None and t.rank is not None and t.rank - rank == 1:
        return "部分达成"
    return "未达成"


def value_reading(ind: Indicator) -> ValueReading:
    """The row's values read. Each distinct target (with its columns) and each distinct
    result is read once, and each distinct combination of the four cells compared once."""
    # Types are part of the keys (1, 1.0, True and "1" read differently); a zero is not
    # remembered, since -0.0 == 0 and the value keeps the sign it was given.
    target, op, unit, actual = _cells(ind.target, ind.op, ind.unit, ind.actual)
    if 0 in (target, op, unit, actual):
        return _value_reading(ind)
    try:
        return _PAIRS[(type(target), target, type(op), op, type(unit), unit, type(actual), actual)]
    except TypeError:  # a value that cannot be a key (a list): read it each time
        return _value_reading(ind)


def _read_pair(key: tuple[Any, ...]) -> ValueReading:
    # (type, target, type, op, type, unit, type, actual): the target's key is the first six
    return _read_values(_TARGETS[key[:6]], _ACTUALS[(key[6], key[7], key[4], key[5])])


def _value_reading(ind: Indicator) -> ValueReading:
    return _read_values(_target_cell(ind), _actual_cell(ind))


def _target_cell(ind: Indicator) -> CellReading:
    return _read_target(ind.target, ind.op, ind.unit)


def _actual_cell(ind: Indicator) -> CellReading:
    return _read_actual(ind.actual, ind.unit)


def _read_target(target: Any, op: Any, unit: Any) -> CellReading:
    value = read_target(target, op, unit, remember=False)  # the cell is remembered here
    return _make_cell(
        value,
        # a number is entered (it has a digit: no ellipsis or blank reads as one)
        False if value.kind is Kind.NUMBER else is_unfilled(target),
        # Sichuan columns slid: a number under 指标性质 (Q03)
        not is_blank(op) and parse_operator(op) is None and parse_value(op).kind is Kind.NUMBER,
        (target, op, unit),
        None,
    )


def _read_actual(actual: Any, unit: Any) -> CellReading:
    value = read_actual(actual, unit, remember=False)  # the cell is remembered here
    unfilled = False if value.kind is Kind.NUMBER else is_unfilled(actual)
    return _make_cell(value, unfilled, False, (actual, None, unit), None)


def _target_of(key: tuple[Any, ...]) -> CellReading:
    return _read_target(key[1], key[3], key[5])


def _actual_of(key: tuple[Any, ...]) -> CellReading:
    return _read_actual(key[1], key[3])


_TARGETS = memo(_target_of)
_ACTUALS = memo(_actual_of)
_PAIRS = memo(_read_pair)


def _read_text_pair(key: tuple[Any, Any, Any, Any]) -> ValueReading:
    # The four cells as text or MISSING: _read_pair() of the typed key value_reading() makes
    # of them (a pair of text cells is remembered here only, not in _PAIRS too).
    target, op, unit, actual = _cells(*key)
    return _read_pair((type(target), target, type(op), op, type(unit), unit, type(actual), actual))


def _cells(target: Any, op: Any, unit: Any, actual: Any) -> tuple[Any, Any, Any, Any]:
    """The four value cells, an absent field read as an empty cell (None)."""
    return (
        None if target is MISSING else target,
        None if op is MISSING else op,
        None if unit is MISSING else unit,
        None if actual is MISSING else actual,
    )


_TEXT_PAIRS = memo(_read_text_pair)


def shown_with_columns(value: object, op: object, unit: object) -> str:
    """A value as the clerk wrote it, with the Sichuan columns put back together ("100%"
    with the unit column "%" stays "100%")."""
    if (op is None or op is MISSING) and (unit is None or unit is MISSING):
        # no Sichuan columns (every national form): the loop below, for the value alone
        if is_blank(value) or str(value).strip() in ("定性", "定量"):
            return shown(None)
        return shown(value) or shown(None)
    out = ""
    for x in (op, value, unit):
        if is_blank(x) or str(x).strip() in ("定性", "定量"):
            continue
        part = shown(x)
        if x is unit and out.endswith(part):
            continue
        out += part
    return out or shown(None)


@dataclass(frozen=True, slots=True)
class LabelReading:
    """What a row's 一级/二级/三级指标 cells say: a pure function of those three cells."""

    level1_blank: bool
    level2_blank: bool
    name_blank: bool
    block: str | None  # block_of(): the standard 一级 block the row belongs to
    heading_lost: bool  # heading_lost(): the 一级 cell holds only a heading's points
    declared: float | None  # the points the 一级 heading declares ("产出指标(50分)")
    level1_name: str | None  # the 一级 label without its points, None when blank
    level2_name: str | None  # the 二级 label without its points, None when blank
    level1_standard: str | None  # standard_level1() of the 一级 label, None when blank
    level2_standard: str | None  # standard_level2() of the 二级 label, None when blank
    name: str  # the 三级 name as a message shows it; "" when blank
    named: str  # “（三级指标名）” for messages, or "" when blank
    part: bool  # is_part_row(): a 其中 row, scored with the row above
    placeholder_name: bool  # placeholder_name(): the template's “指标1：” (or empty)
    name_unfilled: bool  # is_unfilled() of the 三级 name


def label_reading(ind: Indicator) -> LabelReading:
    """The row's labels read (remembered for each distinct combination of the three cells)."""
    level1, level2, name = ind.level1, ind.level2, ind.name
    if level1 is MISSING:  # an absent field reads as an empty cell
        level1 = None
    if level2 is MISSING:
        level2 = None
    if name is MISSING:
        name = None
    if 0 in (level1, level2, name):  # -0.0 == 0 but shows otherwise: not remembered
        return _label_reading(ind)
    try:
        return _LABELS[(type(level1), level1, type(level2), level2, type(name), name)]
    except TypeError:  # a label that cannot be a key: read it each time
        return _label_reading(ind)


def _label_reading(ind: Indicator) -> LabelReading:
    level1_blank, level2_blank = is_blank(ind.level1), is_blank(ind.level2)
    name_blank = is_blank(ind.name)
    name = "" if name_blank else shown(ind.name)
    return LabelReading(
        level1_blank,
        level2_blank,
        name_blank,
        block_of(ind),
        heading_lost(ind),
        ind.declared_points,
        None if level1_blank else split_points(str(ind.level1))[0],
        None if level2_blank else split_points(str(ind.level2))[0],
        None if level1_blank else standard_level1(str(ind.level1)),
        None if level2_blank else standard_level2(str(ind.level2)),
        name,
        f"（{name}）" if not name_blank else "",
        is_part_row(ind),
        placeholder_name(ind),
        is_unfilled(ind.name),
    )


def _label_reading_of(key: tuple[Any, ...]) -> LabelReading:
    return _label_reading(Indicator(0, level1=key[1], level2=key[3], name=key[5]))


_LABELS = memo(_label_reading_of)


def _read_text_labels(key: tuple[str, str, str]) -> LabelReading:
    # Three text cells: the typed key label_reading() makes of them.
    level1, level2, name = key
    return _LABELS[(str, level1, str, level2, str, name)]


_TEXT_LABELS = memo(_read_text_labels)


def _rank_against(target: ParsedValue, actual: ParsedValue) -> int | None:
    """The actual level's rank on the target's scale, if it has one there."""
    if actual.kind is not Kind.LEVEL:
        return None
    if actual.scale == target.scale:
        return actual.rank
    return rank_on(actual, target.scale) if target.scale else None


def _positive(v: ParsedValue) -> bool | None:
    """A completion statement (完成, 及时, 达标, 是) read as "done"; its negation as not."""
    if v.kind is not Kind.LEVEL or v.rank is None:
        return None
    return v.rank == top_rank(v.scale)


_ITEM_INDEX = re.compile(r"\[\d+\]")


def has_place(form: Form, path: str) -> bool:
    """Whether the form has a cell for the field at ``path``: a template (and a JSON form,
    laid out on one) has every field of its layout; a paper form only the columns and rows
    it prints. A check about an empty cell only fires where the form has that cell."""
    if path in form.cells:
        return True
    lay = form.sheet_layout
    if lay is None:
        return True  # no layout to ask: assume the standard form
    if is_shared(lay):
        return _SHARED_FIELDS[(id(lay), path)]
    return _on_layout(lay, path)


def _on_layout(lay: SheetLayout, path: str) -> bool:
    return path in lay.cells or _ITEM_INDEX.sub("[1]", path) in lay.cells


def _shared_field(key: tuple[int, str]) -> bool:
    return _on_layout(shared_layout(key[0]), key[1])


# The template layouts never change: whether they have a field is remembered.
_SHARED_FIELDS = memo(_shared_field)


@dataclass(frozen=True)
class BudgetReading:
    form: SelfEvalForm
    profile: Profile

    @cached
    def initial(self) -> float | None:
        return number(self.form.budget.initial)

    @cached
    def on_initial(self) -> bool:
        """The form has no 全年预算数 column and states its 执行率 on 年初预算数 (the older
        Beijing layout: 年初预算数(A) | 全年执行数(B) | 执行率(B/A))."""
        b = self.form.budget
        return (
            is_blank(b.full_year)
            and not has_place(self.form, "预算执行.全年预算数")
            and number(b.initial) is not None
        )

    @cached
    def full_year(self) -> float | None:
        """The budget the execution is measured against: 全年预算数, or on a form without
        that column its 年初预算数."""
        if self.on_initial:
            return number(self.form.budget.initial)
        return number(self.form.budget.full_year)

    @cached
    def basis(self) -> str:
        """How messages name that budget."""
        return "年初预算数" if self.on_initial else "全年预算数"

    @cached
    def executed(self) -> float | None:
        return number(self.form.budget.executed)

    @cached
    def points(self) -> float | None:
        p = number(self.form.budget.points)
        return p if p is not None else self.profile.budget_points

    @cached
    def rate(self) -> float | None:
        return compute.execution_rate(self.executed, self.full_year)

    @cached
    def score(self) -> float | None:
        return compute.execution_score(self.points, self.rate)

    @cached
    def adjustment(self) -> float | None:
        return compute.budget_adjustment_rate(self.initial, self.full_year)


def block_of(ind: Indicator) -> str | None:
    """The standard 一级 block a row belongs to: its 一级 label, or — where the label is lost
    and only the heading's points are left ("(50分)"), or the cell is empty — the block its
    二级 name belongs to (数量指标 → 产出指标)."""
    if not is_blank(ind.level1):
        name = split_points(str(ind.level1))[0]
        if name:
            return standard_level1(name)
    if is_blank(ind.level2):
        return None
    level2 = standard_level2(str(ind.level2))
    parents = parent_of(level2) if level2 else ()
    return parents[0] if len(parents) == 1 else None


def heading_lost(ind: Indicator) -> bool:
    """The 一级 cell holds only a heading's points ("(50分)"): the label itself is lost."""
    return not is_blank(ind.level1) and not split_points(str(ind.level1))[0]


# What a clerk leaves in a cell that was not filled: the template's ellipsis rows.
_UNFILLED = re.compile(r"[.。…·\s]*")


def is_unfilled(raw: Any) -> bool:
    """Empty, or only the template's “……”: nothing was entered. (A “/” or “—” is entered:
    it marks the cell as not applicable.)"""
    if type(raw) is str:
        return _UNFILLED_TEXT[raw]
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return is_blank(raw) or (isinstance(raw, str) and bool(_UNFILLED.fullmatch(raw)))


def _is_unfilled_text(raw: str) -> bool:
    return not raw.strip() or bool(_UNFILLED.fullmatch(raw))


_UNFILLED_TEXT = memo(_is_unfilled_text)


# The national template's unused rows: “指标1：”, “指标2”, “……” with nothing after them.
# Some mark the unused rows not applicable: “指标1：/” with “/” in every value cell.
_PLACEHOLDER_NAME = re.compile(r"(指标\s*\d+\s*[:：]?)?\s*[/／\-—–]*\s*")
_NOT_APPLICABLE = re.compile(r"\s*[/／\-—–]+\s*")


def is_placeholder_row(ind: Indicator) -> bool:
    """A row with nothing entered but its printed 一级/二级 labels and the template's
    placeholder name (or “/” throughout): an unused row of the form, not an indicator."""
    rest = (ind.target, ind.actual, ind.points, ind.score, ind.reason)
    return placeholder_name(ind) and all(
        is_unfilled(v) or (isinstance(v, str) and _NOT_APPLICABLE.fullmatch(v)) for v in rest
    )


def placeholder_name(ind: Indicator) -> bool:
    """The row's 三级 name is the template's placeholder (“指标1：”, “……”, “/”) or empty."""
    name = "" if is_blank(ind.name) else str(ind.name)
    return is_unfilled(ind.name) or bool(_PLACEHOLDER_NAME.fullmatch(name))


def is_part_row(ind: Indicator) -> bool:
    """A breakdown row (“其中桃树种植面积”) of the indicator above: scored with it."""
    return not is_blank(ind.name) and str(ind.name).strip().startswith("其中")


def readings(form: SelfEvalForm, profile: Profile) -> list[IndicatorReading]:
    return [IndicatorReading(i, profile) for i in form.filled_indicators]


def fmt_pct(x: float | None) -> str:
    return "—" if x is None else _PERCENTS[x]


def _fmt_pct(x: float) -> str:
    return f"{compute.round_half_up(x * 100, 2):.2f}%"


def fmt_num(x: float | None) -> str:
    return "—" if x is None else _NUMBERS[x]


def _fmt_num(x: float) -> str:
    r = compute.round_half_up(x, 2)
    return f"{r:.2f}".rstrip("0").rstrip(".") if r != int(r) else str(int(r))


# Messages show the same figures over and over (30.00%, 10, 100). Equal numbers show alike
# (5 and 5.0 are "5"; -0.0 and 0.0 are "0"), so any of them may stand for the others.
_PERCENTS = memo(_fmt_pct)
_NUMBERS = memo(_fmt_num)


EMPTY_SHOWN = "（空）"


# A number beyond any amount a form holds (and beyond what Python prints as an integer).
HUGE_SHOWN = "（超出范围的数）"
_HUGE_INT = 10**40


def shown(raw: Any) -> str:
    """A cell's value as a message shows it: as the clerk sees it, never a program's value
    (None, nan, a list's brackets) and without the line breaks of a wrapped label."""
    if raw is MISSING or raw is None:
        return EMPTY_SHOWN
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float):
        if not math.isfinite(raw):
            # A workbook cell of 1E+309 reads as infinity: say what it is, not "inf" or "（空）".
            return HUGE_SHOWN if raw == raw else EMPTY_SHOWN
        text = f"{round(raw, 6):.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text
    if isinstance(raw, int):
        # str() of an int of 4,301+ digits raises; no amount has more than a few dozen.
        return str(raw) if -_HUGE_INT < raw < _HUGE_INT else HUGE_SHOWN
    if isinstance(raw, list | tuple):
        return "、".join(shown(x) for x in raw) or EMPTY_SHOWN
    if isinstance(raw, dict):
        return "、".join(shown(x) for x in raw.values()) or EMPTY_SHOWN
    if type(raw) is str:
        return _SHOWN_TEXT[raw]
    return _shown_text(str(raw))


_LINE_BREAK = re.compile(r"[ \t\u3000]*[\r\n]+[ \t\u3000]*")
_SPACES = re.compile(r"\s+")


# A message quotes a cell, it does not reprint it: a paragraph pasted into an amount cell, or
# a number 400 digits long, is shown by its start and end (real quoted values are < 30).
_LONGEST_SHOWN = 60


def _shown_text(raw: str) -> str:
    text = _LINE_BREAK.sub("", raw)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > _LONGEST_SHOWN:
        return f"{text[:40]}…{text[-12:]}"
    return text or EMPTY_SHOWN


_SHOWN_TEXT = memo(_shown_text)
