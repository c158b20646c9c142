"""What the form's figures mean: recomputed rates and a reading of each indicator.

Checks compare the form against these; worksheet functions expose the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from jixiao.core import compute
from jixiao.core.compute import EPS
from jixiao.core.form import Indicator, SelfEvalForm, number
from jixiao.core.profile import Profile
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


@dataclass(frozen=True)
class BudgetReading:
    form: SelfEvalForm
    profile: Profile

    @property
    def initial(self) -> float | None:
        return number(self.form.budget.initial)

    @property
    def full_year(self) -> float | None:
        return number(self.form.budget.full_year)

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


def readings(form: SelfEvalForm, profile: Profile) -> list[IndicatorReading]:
    return [IndicatorReading(i, profile) for i in form.filled_indicators]


def fmt_pct(x: float | None) -> str:
    return "—" if x is None else f"{compute.round_half_up(x * 100, 2):.2f}%"


def fmt_num(x: float | None) -> str:
    if x is None:
        return "—"
    r = compute.round_half_up(x, 2)
    return f"{r:.2f}".rstrip("0").rstrip(".") if r != int(r) else str(int(r))
