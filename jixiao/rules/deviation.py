"""D — 偏差: results, budgets and spending that stray beyond the profile's threshold."""

from __future__ import annotations

from collections.abc import Iterator

from jixiao.core import compute
from jixiao.core.assess import fmt_num, fmt_pct
from jixiao.core.compute import EPS
from jixiao.core.findings import Severity
from jixiao.core.form import number, rate_value
from jixiao.core.layout import BASIC, PROJECT, WHOLE
from jixiao.rules.base import (
    Context,
    Hit,
    basic,
    budget_reading,
    check,
    indicator_readings,
    self_eval,
)

SELF_EVAL = (WHOLE, PROJECT)


@check(
    "D01",
    Severity.WARNING,
    "指标完成值偏差过大",
    "第 {n} 个指标{name}完成值 {actual} 较指标值 {target} 偏差 {deviation}，超过 {threshold}：{advice}",
    forms=SELF_EVAL,
)
def indicator_deviation(ctx: Context) -> Iterator[Hit]:
    threshold = ctx.profile.deviation_threshold
    bound = threshold + EPS
    for r in indicator_readings(ctx):
        dev = r.deviation
        if dev is None or -bound <= dev <= bound:
            continue
        ind = r.indicator
        lower_is_better = r.direction in ("≤", "<")
        short = (dev > 0) if lower_is_better else (dev < 0)
        advice = (
            "目标未完成，请在偏差原因栏说明原因和改进措施。"
            if short
            else "完成值远超目标，目标可能定得过低，请说明原因，并在下年度合理设定目标。"
        )
        yield Hit(
            f"绩效指标[{ind.index}].实际完成值",
            {
                "n": ind.index,
                "name": r.labels.named,
                "actual": r.values.actual_cell.shown,
                "target": r.values.target_cell.shown,
                "deviation": fmt_pct(dev),
                "threshold": fmt_pct(threshold),
                "advice": advice,
            },
            value=round(dev, 4),
            expected=f"±{fmt_pct(threshold)} 以内",
        )


@check(
    "D02",
    Severity.WARNING,
    "预算调整幅度过大",
    "预算调整率 {rate}（年初预算 {initial} 万元 → 全年预算 {full} 万元）超过 {threshold}：请说明预算调整的原因。",
    forms=SELF_EVAL,
)
def budget_adjustment(ctx: Context) -> Iterator[Hit]:
    b = budget_reading(ctx)
    threshold = ctx.profile.deviation_threshold
    if b.initial is None or b.full_year is None:
        return  # W02/W03 report the blank
    if b.initial != 0 and (b.adjustment is None or abs(b.adjustment) <= threshold + EPS):
        return
    params = {
        "initial": fmt_num(b.initial),
        "full": fmt_num(b.full_year),
        "threshold": fmt_pct(threshold),
    }
    if b.initial == 0:
        if b.full_year != 0:
            yield Hit(
                "预算执行.全年预算数",
                params,
                value=None,
                expected=f"±{fmt_pct(threshold)} 以内",
                template="年初预算数为 0，全年预算 {full} 万元全部是年中追加，预算调整率无法计算："
                "请说明预算调整的原因。",
            )
        return
    rate = b.adjustment
    if rate is not None and abs(rate) > threshold + EPS:
        yield Hit(
            "预算执行.全年预算数",
            {**params, "rate": fmt_pct(rate)},
            value=round(rate, 4),
            expected=f"±{fmt_pct(threshold)} 以内",
        )


@check(
    "D03",
    Severity.WARNING,
    "执行率过低（警告）或超过 100%（错误）",
    "执行率 {rate} 低于 {floor}：预算执行明显偏慢，请说明原因和改进措施。",
    forms=SELF_EVAL,
)
def execution_level(ctx: Context) -> Iterator[Hit]:
    b = budget_reading(ctx)
    floor = 1 - ctx.profile.deviation_threshold
    if b.rate is None or floor - EPS <= b.rate <= 1 + EPS:
        return
    params = {
        "rate": fmt_pct(b.rate),
        "floor": fmt_pct(floor),
        "executed": fmt_num(b.executed),
        "budget": fmt_num(b.full_year),
    }
    if b.rate > 1 + EPS:
        yield Hit(
            "预算执行.全年执行数",
            params,
            value=round(b.rate, 4),
            expected="≤100%",
            severity=Severity.ERROR,
            template="执行率 {rate} 超过 100%：全年执行数 {executed} 万元大于全年预算数 {budget} 万元，"
            "属于超预算支出，请核实金额。",
        )
    elif b.rate < floor - EPS:
        yield Hit("预算执行.执行率", params, value=round(b.rate, 4), expected=f"≥{fmt_pct(floor)}")


# Rows that record an adjustment or a balance, not spending measured against its budget:
# their 决算 differing from their 预算 is what they report, not a deviation to explain.
NOT_SPENDING = ("预算调整", "结转结余", "结余结转")


@check(
    "D04",
    Severity.WARNING,
    "决算与预算偏差过大",
    "“{row}”本年决算数 {final} 万元较本年预算数 {budget} 万元偏差 {deviation}，超过 {threshold}：请说明原因。",
    forms=(BASIC,),
)
def basic_row_deviation(ctx: Context) -> Iterator[Hit]:
    threshold = ctx.profile.deviation_threshold
    for row in basic(ctx).rows:
        budget, final = number(row.get("本年预算数")), number(row.get("本年决算数"))
        if budget is None or final is None:
            continue
        if budget == 0:
            if final == 0:
                continue
            dev = None
        else:
            dev = compute.change_rate(final, budget)
            if dev is None or abs(dev) <= threshold + EPS:
                continue
        name = str(row.get("名称", ""))
        if any(word in name for word in NOT_SPENDING):
            continue
        params = {
            "row": name,
            "final": fmt_num(final),
            "budget": fmt_num(budget),
            "threshold": fmt_pct(threshold),
        }
        if dev is None:
            yield Hit(
                f"基础数据.{name}.本年决算数",
                params,
                value=final,
                template="“{row}”本年没有预算，却有决算 {final} 万元：请说明无预算支出的原因。",
            )
        else:
            yield Hit(
                f"基础数据.{name}.本年决算数",
                {**params, "deviation": fmt_pct(dev)},
                value=round(dev, 4),
                expected=f"±{fmt_pct(threshold)} 以内",
            )


@check(
    "D05",
    Severity.WARNING,
    "执行进度滞后",
    "{month}月底累计执行进度 {actual}，低于 {target} 的进度目标：请说明执行偏慢的原因。",
    forms=SELF_EVAL,
)
def progress(ctx: Context) -> Iterator[Hit]:
    shown = self_eval(ctx).progress
    for month, target in ctx.profile.checkpoints.items():
        actual = rate_value(shown.get(month))
        if actual is not None and actual < target - EPS:
            yield Hit(
                f"执行进度[{month}月]",
                {"month": month, "actual": fmt_pct(actual), "target": fmt_pct(target)},
                value=round(actual, 4),
                expected=target,
            )


@check(
    "D06",
    Severity.INFO,
    "三公经费增长或超编",
    "三公经费比上年增长 {rate}（{basis}口径：本年 {this} 万元，上年决算 {last} 万元）：请说明增长原因。",
    forms=(BASIC,),
)
def growth(ctx: Context) -> Iterator[Hit]:
    form = basic(ctx)
    row = form.row("三公经费")
    if row:
        last = number(row.get("上年决算数"))
        this, basis, column = number(row.get("本年决算数")), "决算", "本年决算数"
        if this is None:
            this, basis, column = number(row.get("本年预算数")), "预算", "本年预算数"
        rate = compute.three_public_change_rate(this, last)
        if rate is not None and rate > EPS:
            yield Hit(
                f"基础数据.三公经费.{column}",
                {
                    "rate": fmt_pct(rate),
                    "basis": basis,
                    "this": fmt_num(this),
                    "last": fmt_num(last),
                },
                value=round(rate, 4),
                expected="≤0",
            )
    staff = form.staff
    authorised, actual = number(staff.get("编制数")), number(staff.get("实际在职人数"))
    rate = compute.staff_control_rate(actual, authorised)
    if rate is not None and rate > 1 + EPS:
        yield Hit(
            "人员.实际在职人数",
            {"actual": fmt_num(actual), "authorised": fmt_num(authorised), "rate": fmt_pct(rate)},
            value=round(rate, 4),
            expected="≤100%",
            template="实际在职人数 {actual} 超过编制数 {authorised}（在职人员控制率 {rate}）：请说明超编原因。",
        )
