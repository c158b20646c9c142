"""W — 完整性: required fields, indicator coverage, explanations."""

from __future__ import annotations

from collections.abc import Iterator

from jixiao.core.assess import (
    IndicatorReading,
    fmt_num,
    fmt_pct,
    has_place,
    is_placeholder_row,
    is_unfilled,
    shown,
)
from jixiao.core.compute import EPS, SCORE_TOLERANCE
from jixiao.core.findings import Severity
from jixiao.core.form import SelfEvalForm, is_blank, number
from jixiao.core.layout import BASIC, PROJECT, WHOLE
from jixiao.core.memo import memo
from jixiao.core.standards import (
    REQUIRED_LEVEL1,
    is_instruction_text,
    parent_of,
)
from jixiao.rules.base import (
    Context,
    Hit,
    budget_reading,
    check,
    framework,
    indicator_readings,
    scored,
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
        # The national project form names the unit as 实施单位: that names it too.
        names = (key, "实施单位") if key == "单位名称" else (key,)
        if all(is_blank(ctx.form.data.get(k)) for k in names):
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
    reading = budget_reading(ctx)
    for label, raw in (("全年预算数", b.full_year), ("全年执行数", b.executed)):
        if label == "全年预算数" and reading.on_initial:
            continue  # the form measures execution on its 年初预算数 (no 全年预算数 column)
        if is_blank(raw):
            if has_place(ctx.form, f"预算执行.{label}"):
                yield Hit(f"预算执行.{label}", {"label": label})
        elif number(raw) is None:
            yield Hit(
                f"预算执行.{label}",
                {"label": label, "raw": shown(raw)},
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
    if is_blank(self_eval(ctx).budget.initial) and has_place(ctx.form, "预算执行.年初预算数"):
        yield Hit("预算执行.年初预算数")


@check(
    "W04",
    Severity.ERROR,
    "缺少绩效指标",
    "缺少{missing}：自评表应有产出指标、效益指标、满意度指标三类一级指标，请补充{missing}。",
    forms=SELF_EVAL,
    national=True,
)
def indicator_coverage(ctx: Context) -> Iterator[Hit]:
    filled = self_eval(ctx).filled_indicators
    if not filled:
        yield Hit(
            "绩效指标",
            template="没有填写任何绩效指标：请按年度目标填写产出指标、效益指标和满意度指标及其分值、得分。",
        )
        return
    present = {r.labels.block for r in indicator_readings(ctx)}
    missing = [level1 for level1 in REQUIRED_LEVEL1 if level1 not in present]
    if missing:
        # One finding: the blocks are missing from one table.
        yield Hit("绩效指标", {"missing": "、".join(f"“{m}”" for m in missing)})


_ROW_FIELDS = (
    ("三级指标", "name"),
    ("指标值", "target"),
    ("实际完成值", "actual"),
    ("分值", "points"),
    ("得分", "score"),
)
_SCORE_FIELDS = ("points", "score")
# The cells W05 asks for: (without scores?, without target/actual?) -> (label, attribute).
_ASKED = {
    (no_scores, no_values): tuple(
        (label, attr)
        for label, attr in _ROW_FIELDS
        if not (no_scores and attr in _SCORE_FIELDS)
        and not (no_values and attr in ("target", "actual"))
    )
    for no_scores in (False, True)
    for no_values in (False, True)
}


@check(
    "W05",
    Severity.ERROR,
    "指标行不完整",
    "第 {n} 个指标{name}{problems}：请补充。",
    forms=SELF_EVAL,
)
def indicator_rows(ctx: Context) -> Iterator[Hit]:
    """One finding per row, at its first incomplete cell, naming everything it lacks.

    Only cells the form has are asked for (a form without a 分值 column is not told to fill
    one in every row), and 分值/得分 only where the form scores at all."""
    form = self_eval(ctx)
    with_scores = scored(form)
    other = framework(form) is not None
    readings = indicator_readings(ctx)
    # Another framework may weigh its blocks, not each indicator: a 分值 column empty in every
    # indicator row (a standard workbook filled from such a form) is not its to fill.
    points_asked = not other or any(
        not is_unfilled(r.indicator.points) for r in readings if r.labels.block is not None
    )
    for r in readings:
        labels, values = r.labels, r.values
        if (
            r.points is not None
            and r.score is not None
            and not labels.name_unfilled
            and not values.target_cell.unfilled
            and not values.actual_cell.unfilled
        ):
            continue  # every cell filled, the scores numbers: nothing to ask for
        hit = incomplete_row(ctx, form, r, with_scores, other, points_asked)
        if hit is not None:
            yield hit


def incomplete_row(
    ctx: Context,
    form: SelfEvalForm,
    r: IndicatorReading,
    with_scores: bool,
    other: bool,
    points_asked: bool,
) -> Hit | None:
    """W05's finding for a row that lacks a cell or has a score that is not a number."""
    ind, labels = r.indicator, r.labels
    if labels.placeholder_name and is_placeholder_row(ind):
        return None  # the template's unused row (指标2：, ……), not an indicator
    asked = _ASKED[
        not with_scores or labels.part,  # a 其中 row is scored with the row above it
        other and labels.block is None,  # a criterion of the framework's own (项目决策 …)
    ]
    missing: list[tuple[str, str]] = []  # (label, field path)
    not_numbers: list[tuple[str, str, object]] = []
    for label, attr in asked:
        if attr in _SCORE_FIELDS and getattr(r, attr) is not None:
            continue  # a number: filled
        raw = getattr(ind, attr)
        if is_unfilled(raw):
            path = f"绩效指标[{ind.index}].{label}"
            if has_place(form, path) and (points_asked or attr != "points"):
                missing.append((label, path))
        elif attr in _SCORE_FIELDS:  # not a number (checked above)
            not_numbers.append((label, f"绩效指标[{ind.index}].{label}", raw))
    if not missing and not not_numbers:
        return None
    problems = []
    if missing:
        problems.append("缺少" + "、".join(f"“{label}”" for label, _ in missing))
    for label, _, raw in not_numbers:
        problems.append(f"“{label}”填的是“{shown(raw)}”，不是数字")
    paths = [p for _, p in missing] + [p for _, p, _ in not_numbers]
    first = min(paths, key=lambda p: _column_order(ctx, p))
    template = None
    if not missing:
        template = "第 {n} 个指标{name}{problems}：请只填数字。"
    return Hit(
        first,
        {"n": ind.index, "name": labels.named, "problems": "，".join(problems)},
        value=not_numbers[0][2] if not_numbers and not missing else None,
        template=template,
    )


def _column_order(ctx: Context, path: str) -> tuple[int, int]:
    _sheet, address, row, col = ctx.place(path)
    return (row, col) if address else (0, 0)  # a field without a cell first


@check(
    "W06",
    Severity.ERROR,
    "指标层级不对应",
    "第 {n} 个指标{name}的{label}为空：请从下拉列表选择。",
    forms=SELF_EVAL,
    national=True,
)
def indicator_levels(ctx: Context) -> Iterator[Hit]:
    """One finding per row (as W05): both levels left empty are one gap of the row, at its
    一级 cell."""
    for r in indicator_readings(ctx):
        ind, labels = r.indicator, r.labels
        if labels.placeholder_name and is_placeholder_row(ind):
            continue
        if labels.level1_blank or labels.level2_blank:
            blank = [
                label
                for label, empty in (
                    ("一级指标", labels.level1_blank),
                    ("二级指标", labels.level2_blank),
                )
                if empty
            ]
            yield Hit(
                f"绩效指标[{ind.index}].{blank[0]}",
                {"n": ind.index, "name": labels.named, "label": "、".join(f"“{b}”" for b in blank)},
            )
            continue
        l1, l2 = labels.level1_standard, labels.level2_standard
        if l1 is None or l2 is None:
            continue  # a non-standard name is Q01's to report
        parents = parent_of(l2)
        if l1 not in parents:
            yield Hit(
                f"绩效指标[{ind.index}].二级指标",
                {
                    "n": ind.index,
                    "name": labels.named,
                    "l1": shown(ind.level1),
                    "l2": shown(ind.level2),
                    "proper": "或".join(parents),
                },
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
    """Only where the form has a place for the reason: a reason column, or the Sichuan
    form's 原因 cell of the budget row (the national form has none for the budget)."""
    form = self_eval(ctx)
    threshold = ctx.profile.deviation_threshold
    for r in indicator_readings(ctx):
        ind = r.indicator
        deducted = r.points is not None and r.score is not None and r.score < r.points - EPS
        deviated = r.deviation is not None and abs(r.deviation) > threshold + EPS
        if not (deducted or deviated) or not _unexplained(ind.reason):
            continue
        if has_place(form, f"绩效指标[{ind.index}].偏差原因"):
            why = []
            if deducted:
                why.append(f"得分 {fmt_num(r.score)} 低于分值 {fmt_num(r.points)}")
            if deviated:
                why.append(f"偏差率 {fmt_pct(r.deviation)} 超过 {fmt_pct(threshold)}")
            yield Hit(
                f"绩效指标[{ind.index}].偏差原因",
                {"n": ind.index, "name": r.labels.named, "why": "，".join(why)},
            )
    hit = budget_unexplained(ctx, form)
    if hit is not None:
        yield hit


def budget_unexplained(ctx: Context, form: SelfEvalForm) -> Hit | None:
    """W07's finding for the budget row: executed short, or scored below what the rate earns."""
    budget = budget_reading(ctx)
    limit = ctx.profile.reason_required_below
    if not _unexplained(form.budget.reason) or not has_place(form, "预算执行.原因"):
        return None
    why, advice = [], []
    if budget.rate is not None and budget.rate < limit - EPS:
        why.append(f"执行率 {fmt_pct(budget.rate)} 低于 {fmt_pct(limit)}")
        advice.append("预算未执行完毕的原因和改进措施")
    # Points deducted beyond what the execution rate costs (100% executed, scored 9 of 10).
    score, earned = number(form.budget.score), budget.score
    if score is not None and earned is not None and score < earned - SCORE_TOLERANCE - EPS:
        why.append(
            f"执行率 {fmt_pct(budget.rate)} 应得 {fmt_num(earned)} 分却只得 {fmt_num(score)} 分"
        )
        advice.append("扣分的理由")
    if not why:
        return None
    return Hit(
        "预算执行.原因",
        {"why": "，".join(why), "advice": "和".join(advice)},
        value=round(budget.rate, 4) if budget.rate is not None else None,
        template="{why}，但未说明原因：请说明{advice}。",
    )


def _unexplained(reason: object) -> bool:
    if type(reason) is str:
        return _UNEXPLAINED[reason]
    return _no_reason(reason)


def _no_reason(reason: object) -> bool:
    return is_blank(reason) or str(reason).strip() in ("无", "—", "/", "-", "没有")


_UNEXPLAINED = memo(_no_reason)


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
        path = f"年度总体目标.{label}"
        if is_blank(raw):
            if has_place(ctx.form, path):
                yield Hit(path, {"label": label})
        elif is_instruction_text(str(raw)):
            yield Hit(
                path,
                {"label": label, "raw": shown(raw)},
                value=raw,
                template="年度总体目标的“{label}”仍是表样中的填写说明（“{raw}”）：请改为本单位的实际内容。",
            )
