"""The computations of rules.md as Excel worksheet functions.

Excel hands a UDF numbers (float), text, None for an empty cell (and, by xlwings'
default, for an error value), booleans, and lists for ranges. Every function accepts
all of these and answers "" (a blank cell) where the rule's result is blank.

xlwings reads a function's type hints as converters (desktop and Lite alike), so every
hint here is one it has a converter for: ``Any`` (a number or a text), ``str``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import xlwings as xw

from jixiao.core import compute
from jixiao.core.assess import IndicatorReading
from jixiao.core.errors import InputError
from jixiao.core.form import Indicator, number
from jixiao.core.profile import Profile, load_profile
from jixiao.core.values import Kind, parse_value

BLANK = ""
CATEGORY = "jixiao 绩效自评"


def _n(x: Any) -> float | None:
    """A cell as a number: numbers, text numbers ("12", "１２"), and "98%" as 0.98."""
    n = number(x)
    if n is not None:
        return n
    if isinstance(x, str):
        v = parse_value(x)
        if v.kind is Kind.NUMBER and v.number is not None and v.op is None:
            return v.number / 100 if v.unit == "%" else v.number
    return None


def _out(x: float | None) -> Any:
    return BLANK if x is None else x


def _text(x: Any) -> str:
    return "" if x is None else str(x)


@lru_cache(maxsize=16)
def _profile(name: str) -> Profile:
    return load_profile(name or "national")


def _profile_or_message(name: str) -> Profile | str:
    """The profile, or the Chinese reason it cannot be loaded (shown in the cell)."""
    try:
        return _profile(name)
    except InputError as e:
        return f"配置错误：{e}"


def _reading(
    target: Any, actual: Any, op: Any, unit: Any, points: Any = None, profile: Profile | None = None
) -> IndicatorReading:
    ind = Indicator(
        index=1,
        op=_text(op) or None,
        target=target,
        unit=_text(unit) or None,
        actual=actual,
        points=points,
    )
    return IndicatorReading(ind, profile or _profile(""))


def _flatten(values: Any) -> list[Any]:
    if isinstance(values, list | tuple):
        return [x for v in values for x in _flatten(v)]
    return [values]


@xw.func(category=CATEGORY)
@xw.arg("executed", doc="全年执行数（万元）")
@xw.arg("budget", doc="全年预算数（万元），即调整后预算数，不是年初预算数")
def JX_EXEC_RATE(executed: Any, budget: Any) -> Any:
    """执行率 = 全年执行数 ÷ 全年预算数；预算数为空或 0 时返回空白。"""
    return _out(compute.execution_rate(_n(executed), _n(budget)))


@xw.func(category=CATEGORY)
@xw.arg("points", doc="预算执行的分值（通常为 10）")
@xw.arg("rate", doc="执行率（如 0.95 或 95%）")
def JX_EXEC_SCORE(points: Any, rate: Any) -> Any:
    """执行率得分 = 分值 × min(执行率, 100%)。"""
    return _out(compute.execution_score(_n(points), _n(rate)))


@xw.func(category=CATEGORY)
@xw.arg("target", doc="年度指标值，如“≥18场次”，或四川表的指标值数字")
@xw.arg("actual", doc="实际完成值，如“6场次”或数字")
@xw.arg("op", doc="可选：指标性质（≥、≤、＝、定性），四川表使用")
@xw.arg("unit", doc="可选：度量单位，四川表使用")
def JX_COMPLETION_RATE(target: Any, actual: Any, op: Any = None, unit: Any = None) -> Any:
    """完成率：≥、＞、＝ 为 完成值÷指标值；≤、＜ 为 指标值÷完成值（未超出即 100%）。无法计算时返回空白。"""
    return _out(_reading(target, actual, op, unit).completion)


@xw.func(category=CATEGORY)
@xw.arg("target", doc="年度指标值，如“≥18场次”，或四川表的指标值数字")
@xw.arg("actual", doc="实际完成值")
@xw.arg("op", doc="可选：指标性质（≥、≤、＝），四川表使用")
@xw.arg("unit", doc="可选：度量单位，四川表使用")
def JX_DEVIATION_RATE(target: Any, actual: Any, op: Any = None, unit: Any = None) -> Any:
    """偏差率 = (完成值 − 指标值) ÷ 指标值，带正负号。无法计算时返回空白。"""
    return _out(_reading(target, actual, op, unit).deviation)


@xw.func(category=CATEGORY)
@xw.arg("points", doc="该指标的分值")
@xw.arg("target", doc="年度指标值")
@xw.arg("actual", doc="实际完成值")
@xw.arg("op", doc="可选：指标性质（≥、≤、＝、定性），四川表使用")
@xw.arg("unit", doc="可选：度量单位，四川表使用")
@xw.arg("profile", doc="可选：地区配置 national、sichuan、hunan 或配置文件路径")
def JX_REF_SCORE(
    points: Any, target: Any, actual: Any, op: Any = None, unit: Any = None, profile: Any = None
) -> Any:
    """参考得分：定量指标 = 分值 × min(完成率, 100%)；定性指标按达成档次取档次上限。"""
    settings = _profile_or_message(_text(profile))
    if isinstance(settings, str):
        return settings
    return _out(_reading(target, actual, op, unit, _n(points), settings).reference_score)


@xw.func(category=CATEGORY)
@xw.arg("exec_score", doc="预算执行得分（执行率得分）")
@xw.arg("indicator_scores", doc="各绩效指标得分所在的区域，空单元格不计")
def JX_TOTAL_SCORE(exec_score: Any, indicator_scores: Any) -> Any:
    """总分 = 执行率得分 + 各指标得分之和；两者都没有时返回空白。"""
    execution = _n(exec_score)
    scores = [_n(x) for x in _flatten(indicator_scores)]
    if execution is None and all(s is None for s in scores):
        return BLANK  # nothing scored yet: no total (and no grade) to show
    return _out(compute.total_score(execution, scores))


@xw.func(category=CATEGORY)
@xw.arg("total", doc="总分")
@xw.arg("profile", doc="可选：地区配置 national、sichuan、hunan 或配置文件路径")
def JX_GRADE(total: Any, profile: Any = None) -> str:
    """等级：优（≥90）、良（≥80）、中（≥60）、差（<60），档次取自地区配置。"""
    settings = _profile_or_message(_text(profile))
    if isinstance(settings, str):
        return settings
    return compute.grade(_n(total), settings.grades) or BLANK


@xw.func(category=CATEGORY)
@xw.arg("initial", doc="年初预算数")
@xw.arg("full_year", doc="全年预算数（调整后预算数）")
def JX_ADJUST_RATE(initial: Any, full_year: Any) -> Any:
    """预算调整率 = (全年预算数 − 年初预算数) ÷ 年初预算数；年初预算数为空或 0 时返回空白。"""
    return _out(compute.budget_adjustment_rate(_n(initial), _n(full_year)))


@xw.func(category=CATEGORY)
@xw.arg("actual_staff", doc="本年实际在职人数")
@xw.arg("authorised", doc="编制数")
def JX_STAFF_RATE(actual_staff: Any, authorised: Any) -> Any:
    """在职人员控制率 = 实际在职人数 ÷ 编制数。"""
    return _out(compute.staff_control_rate(_n(actual_staff), _n(authorised)))


@xw.func(category=CATEGORY)
@xw.arg("this_year", doc="本年数（决算口径用本年决算数，预算口径用本年预算数）")
@xw.arg("last_year", doc="上年决算数")
def JX_CHANGE_RATE(this_year: Any, last_year: Any) -> Any:
    """变动率（如三公经费变动率）= (本年 − 上年) ÷ 上年；上年为空或 0 时返回空白。"""
    return _out(compute.three_public_change_rate(_n(this_year), _n(last_year)))


@xw.func(category=CATEGORY)
@xw.arg("carryover", doc="年末结转结余")
@xw.arg("budget", doc="全年预算数")
def JX_CARRYOVER_RATE(carryover: Any, budget: Any) -> Any:
    """结转结余率 = 年末结转结余 ÷ 全年预算数。"""
    return _out(compute.carryover_rate(_n(carryover), _n(budget)))


@xw.func(category=CATEGORY)
@xw.arg("final", doc="决算数")
@xw.arg("initial", doc="年初预算数")
def JX_FINAL_DIFF_RATE(final: Any, initial: Any) -> Any:
    """预决算差异率 = (决算数 − 年初预算数) ÷ 年初预算数。"""
    return _out(compute.final_vs_budget_rate(_n(final), _n(initial)))


@xw.func(category=CATEGORY)
@xw.arg("actual", doc="实际数（实际支出、实际规模、实际投资）")
@xw.arg("planned", doc="预算数（预算、批复规模、预算投资）")
def JX_CONTROL_RATE(actual: Any, planned: Any) -> Any:
    """控制率 = 实际 ÷ 预算：公用经费、三公经费、政府采购执行率、规模控制率、投资概算控制率。"""
    return _out(compute.control_rate(_n(actual), _n(planned)))


@xw.func(category=CATEGORY)
@xw.arg("target", doc="年度指标值")
@xw.arg("actual", doc="实际完成值")
@xw.arg("op", doc="可选：指标性质（四川表）")
@xw.arg("unit", doc="可选：度量单位（四川表）")
@xw.arg("threshold", doc="可选：偏差阈值；不填时用地区配置的阈值（全国通用为 30%）")
@xw.arg("profile", doc="可选：地区配置 national、sichuan、hunan 或配置文件路径")
def JX_DEVIATION_FLAG(
    target: Any,
    actual: Any,
    op: Any = None,
    unit: Any = None,
    threshold: Any = None,
    profile: Any = None,
) -> str:
    """偏差超过阈值时返回提示文字（如“偏差 -66.67%，超过 30%”），否则返回空白。"""
    settings = _profile_or_message(_text(profile))
    if isinstance(settings, str):
        return settings
    limit = _n(threshold)
    limit = settings.deviation_threshold if limit is None else limit
    dev = _reading(target, actual, op, unit, profile=settings).deviation
    if dev is None or abs(dev) <= limit + 1e-9:
        return BLANK
    pct = compute.round_half_up(dev * 100, 2)
    return f"偏差 {pct:.2f}%，超过 {compute.round_half_up(limit * 100, 2):g}%"


@xw.func(category=CATEGORY)
@xw.arg("value", doc="指标值或完成值，如“≥18场次”“292万余元”“98%”")
def JX_NUMBER(value: Any) -> Any:
    """取出指标写法中的数字：“≥18场次”→18，“98%”→98；读不出数字时返回空白。"""
    v = parse_value(value)
    return _out(v.number if v.kind is Kind.NUMBER else None)
