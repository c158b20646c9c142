"""W — 完整性: required fields, indicator coverage, explanations."""

from __future__ import annotations

from collections.abc import Iterator

from jixiao.core.assess import fmt_pct
from jixiao.core.compute import EPS
from jixiao.core.findings import Severity
from jixiao.core.form import is_blank, number
from jixiao.core.layout import BASIC, PROJECT, WHOLE
from jixiao.core.standards import (
    REQUIRED_LEVEL1,
    is_instruction_text,
    parent_of,
    standard_level1,
    standard_level2,
)
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
ALL_FORMS = (WHOLE, PROJECT, BASIC)


@check(
    "W01", Severity.ERROR, "表头必填项为空", "表头“{label}”为空：请填写{label}。", forms=ALL_FORMS
)
def header_fields(ctx: Context) -> Iterator[Hit]:
    required = ["单位名称", "年度"]
    if ctx.form.form_type == PROJECT:
        required.append("项目名称")
    for key in required:
        if is_blank(ctx.form.data.get(key)):
            yield Hit(key, {"label": key})


@check(
    "W02",
    Severity.ERROR,
    "预算数或执行数缺失",
    "年度资金总额的“{label}”为空：请填写金额（万元）。",
    forms=SELF_EVAL,
)
def budget_totals(ctx: Context) -> Iterator[Hit]:
    b = self_eval(ctx).budget
    for label, raw in (("全年预算数", b.full_year), ("全年执行数", b.executed)):
        if is_blank(raw):
            yield Hit(f"预算执行.{label}", {"label": label})
        elif number(raw) is None:
            yield Hit(
                f"预算执行.{label}",
                {"label": label, "raw": raw},
                value=raw,
                template="年度资金总额的“{label}”填的是“{raw}”，不是数字：请只填数字（单位：万元）。",
            )


@check(
    "W03",
    Severity.WARNING,
    "年初预算数为空",
    "年度资金总额的“年初预算数”为空：请填写年初预算数（年初没有预算请填 0），否则无法计算预算调整率。",
    forms=SELF_EVAL,
)
def initial_budget(ctx: Context) -> Iterator[Hit]:
    if is_blank(self_eval(ctx).budget.initial):
        yield Hit("预算执行.年初预算数")


@check(
    "W04",
    Severity.ERROR,
    "缺少绩效指标",
    "缺少“{level1}”：自评表应有产出指标、效益指标、满意度指标三类一级指标，请补充{level1}。",
    forms=SELF_EVAL,
)
def indicator_coverage(ctx: Context) -> Iterator[Hit]:
    filled = self_eval(ctx).filled_indicators
    if not filled:
        yield Hit(
            "绩效指标",
            template="没有填写任何绩效指标：请按年度目标填写产出指标、效益指标和满意度指标及其分值、得分。",
        )
        return
    present = {standard_level1(str(i.level1)) for i in filled if not is_blank(i.level1)}
    for level1 in REQUIRED_LEVEL1:
        if level1 not in present:
            yield Hit("绩效指标", {"level1": level1})


_ROW_FIELDS = (
    ("三级指标", "name"),
    ("指标值", "target"),
    ("实际完成值", "actual"),
    ("分值", "points"),
    ("得分", "score"),
)


@check(
    "W05",
    Severity.ERROR,
    "指标行不完整",
    "第 {n} 个指标{name}缺少“{label}”：请补充。",
    forms=SELF_EVAL,
)
def indicator_rows(ctx: Context) -> Iterator[Hit]:
    for ind in self_eval(ctx).filled_indicators:
        for label, attr in _ROW_FIELDS:
            raw = getattr(ind, attr)
            params = {"n": ind.index, "name": named(ind), "label": label, "raw": raw}
            if is_blank(raw):
                yield Hit(f"绩效指标[{ind.index}].{label}", params)
            elif attr in ("points", "score") and number(raw) is None:
                yield Hit(
                    f"绩效指标[{ind.index}].{label}",
                    params,
                    value=raw,
                    template="第 {n} 个指标{name}的“{label}”填的是“{raw}”，不是数字：请只填数字。",
                )


@check(
    "W06",
    Severity.ERROR,
    "指标层级不对应",
    "第 {n} 个指标{name}的“{label}”为空：请从下拉列表选择。",
    forms=SELF_EVAL,
)
def indicator_levels(ctx: Context) -> Iterator[Hit]:
    for ind in self_eval(ctx).filled_indicators:
        params = {"n": ind.index, "name": named(ind)}
        for label, raw in (("一级指标", ind.level1), ("二级指标", ind.level2)):
            if is_blank(raw):
                yield Hit(f"绩效指标[{ind.index}].{label}", {**params, "label": label})
        if is_blank(ind.level1) or is_blank(ind.level2):
            continue
        l1, l2 = standard_level1(str(ind.level1)), standard_level2(str(ind.level2))
        if l1 is None or l2 is None:
            continue  # a non-standard name is Q01's to report
        parents = parent_of(l2)
        if l1 not in parents:
            yield Hit(
                f"绩效指标[{ind.index}].二级指标",
                {**params, "l1": ind.level1, "l2": ind.level2, "proper": "或".join(parents)},
                value=ind.level2,
                expected="或".join(parents),
                template="第 {n} 个指标{name}的二级指标“{l2}”不属于一级指标“{l1}”，"
                "应归入“{proper}”：请改选一级指标或二级指标。",
            )


@check(
    "W07",
    Severity.WARNING,
    "未说明偏差原因",
    "第 {n} 个指标{name}{why}，但未说明原因：请在“偏差原因分析及改进措施”栏说明原因和改进措施。",
    forms=SELF_EVAL,
)
def explanations(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    threshold = ctx.profile.deviation_threshold
    for r in indicator_readings(ctx):
        ind = r.indicator
        if not _unexplained(ind.reason):
            continue
        why = []
        if r.points is not None and r.score is not None and r.score < r.points - EPS:
            why.append(f"得分 {r.score:g} 低于分值 {r.points:g}")
        if r.deviation is not None and abs(r.deviation) > threshold + EPS:
            why.append(f"偏差率 {fmt_pct(r.deviation)} 超过 {fmt_pct(threshold)}")
        if why:
            yield Hit(
                f"绩效指标[{ind.index}].偏差原因",
                {"n": ind.index, "name": named(ind), "why": "，".join(why)},
            )
    budget = budget_reading(ctx)
    limit = ctx.profile.reason_required_below
    if budget.rate is not None and budget.rate < limit - EPS and _unexplained(form.budget.reason):
        yield Hit(
            "预算执行.原因",
            {"rate": fmt_pct(budget.rate), "limit": fmt_pct(limit)},
            value=round(budget.rate, 4),
            template="执行率 {rate} 低于 {limit}，但未说明原因：请说明预算未执行完毕的原因和改进措施。",
        )


def _unexplained(reason: object) -> bool:
    return is_blank(reason) or str(reason).strip() in ("无", "—", "/", "-", "没有")


@check(
    "W08",
    Severity.WARNING,
    "年度总体目标未填",
    "年度总体目标的“{label}”为空：请填写{label}。",
    forms=SELF_EVAL,
)
def goals(ctx: Context) -> Iterator[Hit]:
    g = self_eval(ctx).goals
    for label in ("预期目标", "实际完成情况"):
        raw = g.get(label)
        if is_blank(raw):
            yield Hit(f"年度总体目标.{label}", {"label": label})
        elif is_instruction_text(str(raw)):
            yield Hit(
                f"年度总体目标.{label}",
                {"label": label, "raw": raw},
                value=raw,
                template="年度总体目标的“{label}”仍是表样中的填写说明（“{raw}”）：请改为本单位的实际内容。",
            )
