"""The computations of rules.md, as pure functions of plain numbers.

Every function returns ``None`` where the rule says the result is blank or undefined
(a zero or missing denominator), so callers never see ZeroDivisionError.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping

# Tolerances of the checks (rules.md), defined once.
RATE_PLACES = 4  # rates are compared at 0.01%: four decimals of the ratio
SCORE_TOLERANCE = 0.01  # 得分, 总分: the form's two decimals
AMOUNT_TOLERANCE = 0.005  # 万元 amounts that must agree or add up: half the last printed decimal
POINTS_TOLERANCE = 1e-6  # 分值 sums: whole or half points
EPS = 1e-9  # binary noise when a value is compared with a bound


def _num(x: object) -> float | None:
    if type(x) is float:  # the common case first
        return x if math.isfinite(x) else None
    if isinstance(x, bool) or x is None or not isinstance(x, _REAL):
        return None
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None  # NaN and infinities are not figures


_REAL = (int, float)


def ratio(numerator: object, denominator: object) -> float | None:
    """numerator / denominator; blank when either is blank or the denominator is 0."""
    n, d = _num(numerator), _num(denominator)
    if n is None or d is None or d == 0:
        return None
    r = n / d
    return r if math.isfinite(r) else None  # a denormal denominator is as good as 0


def change_rate(new: object, base: object) -> float | None:
    """(new − base) / base, signed; blank when base is blank or 0."""
    n, b = _num(new), _num(base)
    if n is None or b is None or b == 0:
        return None
    r = (n - b) / b
    return r if math.isfinite(r) else None


def execution_rate(executed: object, budget: object) -> float | None:
    """执行率 = 全年执行数 / 全年预算数 (not 年初预算数)."""
    return ratio(executed, budget)


def execution_score(points: object, rate: object) -> float | None:
    """执行率得分 = 分值 × min(执行率, 1)."""
    p, r = _num(points), _num(rate)
    if p is None or r is None:
        return None
    return p * min(max(r, 0.0), 1.0)


def completion_rate(op: str | None, target: object, actual: object) -> float | None:
    """完成率: actual/target for ≥ > = ; target/actual for ≤ < (full when actual ≤ target)."""
    t, a = _num(target), _num(actual)
    if t is None or a is None:
        return None
    if op in ("≤", "<"):
        if a <= t:
            return 1.0
        return t / a if a != 0 else None
    if t == 0:
        # "at least 0" is met by anything non-negative
        return 1.0 if a >= 0 else None
    return a / t


def deviation_rate(target: object, actual: object) -> float | None:
    """偏差率 = (完成值 − 指标值) / 指标值, signed."""
    return change_rate(actual, target)


def reference_score(points: object, rate: object) -> float | None:
    """参考得分 of a quantitative indicator = 分值 × min(完成率, 1)."""
    return execution_score(points, rate)


def qualitative_reference_score(
    points: object, band: str, bands: Mapping[str, tuple[float, float]]
) -> float | None:
    """参考得分 of a qualitative indicator: the top of the band the result falls in."""
    p = _num(points)
    if p is None or band not in bands:
        return None
    return p * bands[band][1]


def total_score(execution: object, indicator_scores: Iterable[object]) -> float | None:
    """总分 = 执行率得分 + Σ 指标得分 (blank scores count as 0)."""
    e = _num(execution)
    total = e if e is not None else 0.0
    for s in indicator_scores:
        v = _num(s)
        if v is not None:
            total += v
    return total


def grade(total: object, bands: Mapping[str, float]) -> str | None:
    """等级 from grade bands {name: lower bound}, highest bound first wins."""
    t = _num(total)
    if t is None:
        return None
    for name, lower in sorted(bands.items(), key=lambda kv: -kv[1]):
        if t >= lower - EPS:
            return name
    return None


# Grades as forms also write them (财预〔2020〕10号 names them 优/良/中/差).
_GRADE_WORDS = {"优秀": "优", "良好": "良", "中等": "中", "一般": "中", "较差": "差"}


def same_grade(typed: object, expected: str, bands: Mapping[str, float]) -> bool:
    """Whether a typed 等级 names the band ``expected``: "优秀" is 优, "良好" 良, "中等" and
    "一般" 中, "较差" 差 — unless the profile has a band of that very name."""
    text = "".join(unicodedata.normalize("NFKC", str(typed)).split())
    if text not in bands:
        text = _GRADE_WORDS.get(text, text)
    return text == expected


def budget_adjustment_rate(initial: object, full_year: object) -> float | None:
    """预算调整率 = (全年预算数 − 年初预算数) / 年初预算数."""
    return change_rate(full_year, initial)


def staff_control_rate(actual_staff: object, authorised: object) -> float | None:
    """在职人员控制率 = 实际在职人数 / 编制数."""
    return ratio(actual_staff, authorised)


def three_public_change_rate(this_year: object, last_year: object) -> float | None:
    """三公经费变动率 = (本年 − 上年) / 上年; the caller names the basis used."""
    return change_rate(this_year, last_year)


def carryover_rate(carryover: object, full_year_budget: object) -> float | None:
    """结转结余率 = 年末结转结余 / 全年预算数."""
    return ratio(carryover, full_year_budget)


def final_vs_budget_rate(final: object, initial_budget: object) -> float | None:
    """预决算差异率 = (决算数 − 年初预算数) / 年初预算数."""
    return change_rate(final, initial_budget)


def control_rate(actual: object, planned: object) -> float | None:
    """控制率 family (公用经费, 三公经费, 政府采购, 规模, 投资概算) = 实际 / 预算."""
    return ratio(actual, planned)


def same_at(a: float, b: float, places: int) -> bool:
    """Equal when both are rounded to ``places`` decimals (half away from zero)."""
    scale = 10**places
    x, y = a * scale, b * scale
    if not (math.isfinite(x) and math.isfinite(y)):
        return x == y
    return _round_half_up(x) == _round_half_up(y)


def _round_half_up(x: float) -> int:
    # Rounding as clerks and Excel do: 0.5 goes away from zero; the nudge absorbs
    # binary noise such as 18.749999999 that should print as 18.75.
    sign = -1 if x < 0 else 1
    return sign * math.floor(abs(x) + 0.5 + EPS)


def round_half_up(x: float, places: int = 2) -> float:
    scale = 10**places
    if not math.isfinite(x * scale):
        return x
    return _round_half_up(x * scale) / scale
