"""S — 计算: the form's own arithmetic, redone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from jixiao.core import compute
from jixiao.core.assess import fmt_num, fmt_pct
from jixiao.core.compute import (
    AMOUNT_TOLERANCE,
    EPS,
    POINTS_TOLERANCE,
    RATE_PLACES,
    SCORE_TOLERANCE,
)
from jixiao.core.findings import Severity
from jixiao.core.form import SelfEvalForm, is_blank, number, rate_value
from jixiao.core.layout import PROJECT, WHOLE
from jixiao.core.standards import WEIGHT_GROUP, standard_level1
from jixiao.rules.base import (
    Context,
    Hit,
    budget_reading,
    check,
    indicator_readings,
    named,
    self_eval,
)

SELF_EVAL = (WHOLE, PROJECT)


@check(
    "S01",
    Severity.ERROR,
    "执行率计算错误",
    "执行率填报为 {form_rate}，按 全年执行数 {executed} ÷ 全年预算数 {budget} 应为 {rate}："
    "请改正（执行率以全年预算数为分母，不是年初预算数）。",
    forms=SELF_EVAL,
)
def execution_rate(ctx: Context) -> Iterator[Hit]:
    b = budget_reading(ctx)
    shown = self_eval(ctx).budget.rate
    if b.rate is None or is_blank(shown):
        return
    form_rate = rate_value(shown)
    if form_rate is None or not compute.same_at(form_rate, b.rate, RATE_PLACES):
        yield Hit(
            "预算执行.执行率",
            {
                "form_rate": fmt_pct(form_rate) if form_rate is not None else f"“{shown}”",
                "executed": fmt_num(b.executed),
                "budget": fmt_num(b.full_year),
                "rate": fmt_pct(b.rate),
            },
            value=shown,
            expected=round(b.rate, 4),
        )


@check(
    "S02",
    Severity.ERROR,
    "执行率得分计算错误",
    "预算执行得分填报为 {score}，按 分值 {points} × 执行率 {rate}（最高按 100% 计）应为 {expected}：请改正。",
    forms=SELF_EVAL,
)
def execution_score(ctx: Context) -> Iterator[Hit]:
    b = budget_reading(ctx)
    score = number(self_eval(ctx).budget.score)
    if b.score is None or score is None:
        return
    if abs(score - b.score) > SCORE_TOLERANCE + EPS:
        yield Hit(
            "预算执行.得分",
            {
                "score": fmt_num(score),
                "points": fmt_num(b.points),
                "rate": fmt_pct(b.rate),
                "expected": fmt_num(b.score),
            },
            value=score,
            expected=round(b.score, 2),
        )


@check(
    "S03",
    Severity.ERROR,
    "得分或分值超出范围",
    "{what}的得分 {score} 高于分值 {points}：得分不能超过分值，请改正。",
    forms=SELF_EVAL,
)
def score_range(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    rows = [("预算执行", "预算执行", form.budget.points, form.budget.score)]
    rows += [
        (f"第 {i.index} 个指标", f"绩效指标[{i.index}]", i.points, i.score)
        for i in form.filled_indicators
    ]
    for what, path, raw_points, raw_score in rows:
        points, score = number(raw_points), number(raw_score)
        params = {"what": what, "points": fmt_num(points), "score": fmt_num(score)}
        if points is not None and points <= 0:
            yield Hit(
                f"{path}.分值",
                params,
                value=points,
                template="{what}的分值为 {points}：分值应大于 0，请改正或删去该行。",
            )
        if score is not None and score < 0:
            yield Hit(
                f"{path}.得分",
                params,
                value=score,
                template="{what}的得分 {score} 为负数：请改正。",
            )
        elif score is not None and points is not None and score > points + EPS:
            yield Hit(f"{path}.得分", params, value=score, expected=points)


def _indicator_points(form: SelfEvalForm) -> float:
    return sum(number(i.points) or 0.0 for i in form.filled_indicators)


@check(
    "S04",
    Severity.ERROR,
    "分值合计不为 100",
    "预算执行分值 {budget} 与各指标分值合计 {indicators} 之和为 {sum}，不等于 100{extra}："
    "请调整各指标分值，使总分值为 100。",
    forms=SELF_EVAL,
)
def points_total(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    if not form.filled_indicators:
        return  # W04 reports the missing indicators; the sum means nothing yet
    budget_points = budget_reading(ctx).points or 0.0
    total = budget_points + _indicator_points(form)
    shown = number(form.total_points)
    off_100 = abs(total - 100) > POINTS_TOLERANCE
    off_shown = shown is not None and abs(shown - total) > POINTS_TOLERANCE
    if not (off_100 or off_shown):
        return
    extra = f"；总分栏的分值填报为 {fmt_num(shown)}" if off_shown else ""
    template = None
    if not off_100:
        template = "预算执行分值 {budget} 与各指标分值合计 {indicators} 之和为 {sum}，总分栏却填报为 {shown}：请改正总分栏的分值。"
    yield Hit(
        "总分.分值",
        {
            "budget": fmt_num(budget_points),
            "indicators": fmt_num(_indicator_points(form)),
            "sum": fmt_num(total),
            "extra": extra,
            "shown": fmt_num(shown),
        },
        value=shown,
        expected=100,
        template=template,
    )


def recomputed_total(ctx: Context) -> float | None:
    form = self_eval(ctx)
    execution = budget_reading(ctx).score
    return compute.total_score(execution, (i.score for i in form.filled_indicators))


@check(
    "S05",
    Severity.ERROR,
    "总分计算错误",
    "总分填报为 {shown}，按 预算执行得分 {execution} + 指标得分合计 {indicators} 应为 {expected}：请改正总分。",
    forms=SELF_EVAL,
)
def total_score(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    shown = number(form.total_score)
    if shown is None or not form.filled_indicators:
        return
    execution = budget_reading(ctx).score or 0.0
    expected = recomputed_total(ctx)
    if expected is not None and abs(shown - expected) > SCORE_TOLERANCE + EPS:
        yield Hit(
            "总分.得分",
            {
                "shown": fmt_num(shown),
                "execution": fmt_num(execution),
                "indicators": fmt_num(expected - execution),
                "expected": fmt_num(expected),
            },
            value=shown,
            expected=round(expected, 2),
        )


@check(
    "S06",
    Severity.ERROR,
    "等级与总分不符",
    "等级填报为“{shown}”，按重新计算的总分 {total} 应为“{expected}”（{bands}）：请改正等级。",
    forms=SELF_EVAL,
)
def grade(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    if is_blank(form.grade) or not form.filled_indicators:
        return
    total = recomputed_total(ctx)
    expected = compute.grade(total, ctx.profile.grades)
    if expected is not None and str(form.grade).strip() != expected:
        bands = "，".join(f"{k}≥{v:g}" for k, v in ctx.profile.grades.items() if v > 0)
        yield Hit(
            "等级",
            {"shown": form.grade, "total": fmt_num(total), "expected": expected, "bands": bands},
            value=form.grade,
            expected=expected,
        )


@check(
    "S07",
    Severity.ERROR,
    "资金来源合计不符",
    "各资金来源的“{column}”合计 {sum}，与年度资金总额的 {total} 不一致（相差 {diff}）："
    "请核对各资金来源行。",
    forms=SELF_EVAL,
)
def fund_sources(ctx: Context) -> Iterator[Hit]:
    b = self_eval(ctx).budget
    if not b.sources:
        return
    for column, attr in (
        ("年初预算数", "initial"),
        ("全年预算数", "full_year"),
        ("全年执行数", "executed"),
    ):
        values = [getattr(s, attr) for s in b.sources]
        if all(is_blank(v) for v in values):
            continue  # the column was not split by source
        total = number(getattr(b, attr))
        if total is None:
            continue
        parts = sum(number(v) or 0.0 for v in values)
        if abs(parts - total) > AMOUNT_TOLERANCE:
            # Point at the first source that carries money: usually the one left unfilled.
            first = b.sources[0]
            yield Hit(
                f"预算执行.资金来源[{first.name or first.position}].{column}",
                {
                    "column": column,
                    "sum": fmt_num(parts),
                    "total": fmt_num(total),
                    "diff": fmt_num(abs(parts - total)),
                },
                value=round(parts, 6),
                expected=total,
            )


@check(
    "S08",
    Severity.WARNING,
    "指标权重与规定不符",
    "{level1}分值合计为 {actual}，与{basis}规定的 {expected} 分不一致：请按规定权重调整各指标分值，或说明理由。",
    forms=SELF_EVAL,
)
def weights(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    sums: dict[str, float] = defaultdict(float)
    for ind in form.filled_indicators:
        level1 = standard_level1(str(ind.level1))
        group = WEIGHT_GROUP.get(level1 or "")
        if group:
            sums[group] += number(ind.points) or 0.0
    if not sums:
        return
    for group, expected in ctx.profile.weights.items():
        if group == "预算执行" or group not in sums:
            continue  # a missing block is W04's to report
        actual = sums[group]
        if abs(actual - expected) > POINTS_TOLERANCE:
            label = f"{group}（含成本指标）" if group == "产出指标" and _has_cost(form) else group
            yield Hit(
                f"绩效指标[{group}].分值",
                {
                    "level1": label,
                    "actual": fmt_num(actual),
                    "expected": fmt_num(expected),
                    "basis": f"{ctx.profile.name}配置",
                },
                value=actual,
                expected=expected,
            )


def _has_cost(form: SelfEvalForm) -> bool:
    return any(standard_level1(str(i.level1)) == "成本指标" for i in form.filled_indicators)


@check(
    "S09",
    Severity.WARNING,
    "得分高于参考得分",
    "第 {n} 个指标{name}完成率 {completion}（指标值 {target}，完成值 {actual}），参考得分为 {reference}，"
    "填报得分 {score} 偏高：请按完成情况评分，或说明加分理由。",
    forms=SELF_EVAL,
)
def generous_scores(ctx: Context) -> Iterator[Hit]:
    for r in indicator_readings(ctx):
        if not r.quantitative or r.reference_score is None or r.score is None:
            continue
        if r.score > r.reference_score + SCORE_TOLERANCE + EPS:
            ind = r.indicator
            yield Hit(
                f"绩效指标[{ind.index}].得分",
                {
                    "n": ind.index,
                    "name": named(ind),
                    "completion": fmt_pct(r.completion),
                    "target": _shown(ind.target, ind.op, ind.unit),
                    "actual": _shown(ind.actual, None, ind.unit),
                    "reference": fmt_num(r.reference_score),
                    "score": fmt_num(r.score),
                },
                value=r.score,
                expected=round(r.reference_score, 2),
            )


@check(
    "S10",
    Severity.INFO,
    "达标却扣分",
    "第 {n} 个指标{name}已达到目标（指标值 {target}，完成值 {actual}），却扣了 {lost} 分："
    "请说明扣分理由，或给满分。",
    forms=SELF_EVAL,
)
def deducted_though_met(ctx: Context) -> Iterator[Hit]:
    for r in indicator_readings(ctx):
        if r.met and r.points is not None and r.score is not None and r.score < r.points - EPS:
            ind = r.indicator
            yield Hit(
                f"绩效指标[{ind.index}].得分",
                {
                    "n": ind.index,
                    "name": named(ind),
                    "target": _shown(ind.target, ind.op, ind.unit),
                    "actual": _shown(ind.actual, None, ind.unit),
                    "lost": fmt_num(r.points - r.score),
                },
                value=r.score,
                expected=r.points,
            )


def _shown(value: object, op: object, unit: object) -> str:
    """A value as the clerk wrote it, with the Sichuan columns put back together."""
    parts = [
        str(x) for x in (op, value, unit) if not is_blank(x) and str(x) not in ("定性", "定量")
    ]
    return "".join(parts) or "（空）"
