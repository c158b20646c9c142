"""What the form's figures mean: recomputed rates and a reading of each indicator.

Checks compare the form against these; worksheet functions expose the same numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jixiao.core import compute
from jixiao.core.compute import EPS
from jixiao.core.form import MISSING, Form, Indicator, SelfEvalForm, is_blank, number
from jixiao.core.profile import Profile
from jixiao.core.standards import parent_of, split_points, standard_level1, standard_level2
from jixiao.core.values import (
    Kind,
    ParsedValue,
    magnitude,
    normalize_text,
    rank_on,
    same_unit,
    top_rank,
)


@dataclass(frozen=True)
class IndicatorReading:
    """One indicator row as the rules see it."""

    indicator: Indicator
    profile: Profile

    @property
    def target(self) -> ParsedValue:
        return self.indicator.target_value

    @property
    def actual(self) -> ParsedValue:
        return self.indicator.actual_value

    @property
    def points(self) -> float | None:
        return number(self.indicator.points)

    @property
    def score(self) -> float | None:
        return number(self.indicator.score)

    @cached_property
    def quantitative(self) -> bool:
        t, a = self.target, self.actual
        return (
            t.kind is Kind.NUMBER
            and a.kind is Kind.NUMBER
            and t.number is not None
            and a.number is not None
            and same_unit(t.unit, a.unit)
        )

    @property
    def direction(self) -> str:
        """The comparison the target asks for; a bare number means "reach it"."""
        return self.target.op or "="

    @cached_property
    def completion(self) -> float | None:
        if not self.quantitative:
            return None
        return compute.completion_rate(self.direction, self.target.number, self.actual.number)

    @cached_property
    def deviation(self) -> float | None:
        if not self.quantitative:
            return None
        return compute.deviation_rate(self.target.number, self.actual.number)

    @cached_property
    def met(self) -> bool | None:
        """Did the result reach the target? None when that cannot be judged."""
        t, a = self.target, self.actual
        if t.kind in (Kind.EMPTY, Kind.ERROR, Kind.TEXT) or a.kind in (Kind.EMPTY, Kind.ERROR):
            return None
        if self.quantitative:
            c = self.completion
            return None if c is None else c >= 1 - EPS
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

    @cached_property
    def band(self) -> str | None:
        """Qualitative band: 达成, 部分达成 or 未达成."""
        if self.met is None:
            return None
        if self.met:
            return "达成"
        t, a = self.target, self.actual
        rank = _rank_against(t, a) if t.kind is Kind.LEVEL else None
        if rank is not None and t.rank is not None and t.rank - rank == 1:
            return "部分达成"
        return "未达成"

    @cached_property
    def reference_score(self) -> float | None:
        """参考得分: 分值 × min(完成率, 1), or the top of the qualitative band."""
        if self.quantitative:
            return compute.reference_score(self.points, self.completion)
        if self.band is None:
            return None
        return compute.qualitative_reference_score(self.points, self.band, self.profile.bands)


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
    return path in lay.cells or _ITEM_INDEX.sub("[1]", path) in lay.cells


@dataclass(frozen=True)
class BudgetReading:
    form: SelfEvalForm
    profile: Profile

    @property
    def initial(self) -> float | None:
        return number(self.form.budget.initial)

    @property
    def on_initial(self) -> bool:
        """The form has no 全年预算数 column and states its 执行率 on 年初预算数 (the older
        Beijing layout: 年初预算数(A) | 全年执行数(B) | 执行率(B/A))."""
        b = self.form.budget
        return (
            is_blank(b.full_year)
            and not has_place(self.form, "预算执行.全年预算数")
            and number(b.initial) is not None
        )

    @property
    def full_year(self) -> float | None:
        """The budget the execution is measured against: 全年预算数, or on a form without
        that column its 年初预算数."""
        if self.on_initial:
            return number(self.form.budget.initial)
        return number(self.form.budget.full_year)

    @property
    def basis(self) -> str:
        """How messages name that budget."""
        return "年初预算数" if self.on_initial else "全年预算数"

    @property
    def executed(self) -> float | None:
        return number(self.form.budget.executed)

    @property
    def points(self) -> float | None:
        p = number(self.form.budget.points)
        return p if p is not None else self.profile.budget_points

    @cached_property
    def rate(self) -> float | None:
        return compute.execution_rate(self.executed, self.full_year)

    @cached_property
    def score(self) -> float | None:
        return compute.execution_score(self.points, self.rate)

    @cached_property
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
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return is_blank(raw) or (isinstance(raw, str) and bool(_UNFILLED.fullmatch(raw)))


# The national template's unused rows: “指标1：”, “指标2”, “……” with nothing after them.
# Some mark the unused rows not applicable: “指标1：/” with “/” in every value cell.
_PLACEHOLDER_NAME = re.compile(r"(指标\s*\d+\s*[:：]?)?\s*[/／\-—–]*\s*")
_NOT_APPLICABLE = re.compile(r"\s*[/／\-—–]+\s*")


def is_placeholder_row(ind: Indicator) -> bool:
    """A row with nothing entered but its printed 一级/二级 labels and the template's
    placeholder name (or “/” throughout): an unused row of the form, not an indicator."""
    name = "" if is_blank(ind.name) else str(ind.name)
    placeholder = is_unfilled(ind.name) or bool(_PLACEHOLDER_NAME.fullmatch(name))
    rest = (ind.target, ind.actual, ind.points, ind.score, ind.reason)
    return placeholder and all(
        is_unfilled(v) or (isinstance(v, str) and _NOT_APPLICABLE.fullmatch(v)) for v in rest
    )


def is_part_row(ind: Indicator) -> bool:
    """A breakdown row (“其中桃树种植面积”) of the indicator above: scored with it."""
    return not is_blank(ind.name) and str(ind.name).strip().startswith("其中")


def readings(form: SelfEvalForm, profile: Profile) -> list[IndicatorReading]:
    return [IndicatorReading(i, profile) for i in form.filled_indicators]


def fmt_pct(x: float | None) -> str:
    return "—" if x is None else f"{compute.round_half_up(x * 100, 2):.2f}%"


def fmt_num(x: float | None) -> str:
    if x is None:
        return "—"
    r = compute.round_half_up(x, 2)
    return f"{r:.2f}".rstrip("0").rstrip(".") if r != int(r) else str(int(r))


EMPTY_SHOWN = "（空）"


def shown(raw: Any) -> str:
    """A cell's value as a message shows it: as the clerk sees it, never a program's value
    (None, nan, a list's brackets) and without the line breaks of a wrapped label."""
    if raw is MISSING or raw is None:
        return EMPTY_SHOWN
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return EMPTY_SHOWN
        text = f"{round(raw, 6):.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, list | tuple):
        return "、".join(shown(x) for x in raw) or EMPTY_SHOWN
    if isinstance(raw, dict):
        return "、".join(shown(x) for x in raw.values()) or EMPTY_SHOWN
    text = re.sub(r"[ \t\u3000]*[\r\n]+[ \t\u3000]*", "", str(raw))
    text = re.sub(r"\s+", " ", text).strip()
    return text or EMPTY_SHOWN
