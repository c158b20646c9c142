"""S — 计算: the form's own arithmetic, redone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jixiao.core import compute
from jixiao.core.assess import IndicatorReading, fmt_num, fmt_pct, has_place, shown
from jixiao.core.compute import (
    AMOUNT_TOLERANCE,
    EPS,
    POINTS_TOLERANCE,
    RATE_PLACES,
    SCORE_TOLERANCE,
)
from jixiao.core.findings import Severity
from jixiao.core.form import is_blank, number, rate_value
from jixiao.core.layout import PROJECT, WHOLE
from jixiao.core.standards import COST, OUTPUT, WEIGHT_GROUP
from jixiao.rules.base import (
    Context,
    Hit,
    budget_reading,
    check,
    framework,
    indicator_readings,
    left_empty,
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
    supersedes=("Q08",),
)
def execution_rate(ctx: Context) -> Iterator[Hit]:
    b = budget_reading(ctx)
    typed = self_eval(ctx).budget.rate
    if b.rate is None or is_blank(typed):
        return
    form_rate = rate_value(typed)
    if form_rate is None or not compute.same_at(form_rate, b.rate, RATE_PLACES):
        yield Hit(
            "预算执行.执行率",
            {
                "form_rate": fmt_pct(form_rate) if form_rate is not None else f"“{shown(typed)}”",
                "executed": fmt_num(b.executed),
                "budget": fmt_num(b.full_year),
                "rate": fmt_pct(b.rate),
            },
            value=typed,
            expected=round(b.rate, 4),
            template=None
            if not b.on_initial
            else "执行率填报为 {form_rate}，按 全年执行数 {executed} ÷ 年初预算数 {budget} 应为 {rate}"
            "（本表没有全年预算数栏，以年初预算数为分母）：请改正。",
        )


@check(
    "S02",
    Severity.ERROR,
    "执行率得分计算错误",
    "预算执行得分填报为 {score}，按 分值 {points} × 执行率 {rate}（最高按 100% 计）应为 {expected}：请改正。",
    forms=SELF_EVAL,
    scores=True,
    supersedes=("Q08",),
)
def execution_score(ctx: Context) -> Iterator[Hit]:
    b = budget_reading(ctx)
    form = self_eval(ctx)
    raw = form.budget.score
    score = number(raw)
    if b.score is None or b.points is None:
        return
    if framework(form) and number(form.budget.points) is None:
        return  # the profile's budget points are the national framework's: not this form's
    if score is not None and abs(score - b.score) <= SCORE_TOLERANCE + EPS:
        return
    params = {"points": fmt_num(b.points), "rate": fmt_pct(b.rate), "expected": fmt_num(b.score)}
    if score is None:
        if is_blank(raw) and left_empty(ctx.form, "预算执行.得分"):
            # A paper form's 得分 cell left empty where the execution earns a score.
            yield Hit(
                "预算执行.得分",
                params,
                expected=round(b.score, 2),
                template="预算执行得分为空，按 分值 {points} × 执行率 {rate}（最高按 100% 计）"
                "应为 {expected}：请填写。",
            )
        return
    if abs(score - b.score) <= SCORE_TOLERANCE + EPS:
        return
    standard = ctx.profile.budget_points
    due = compute.execution_score(standard, b.rate)
    if (
        framework(form) is None
        and due is not None
        and abs(score - due) <= SCORE_TOLERANCE + EPS
        and abs(b.points - standard) > POINTS_TOLERANCE
    ):
        # The 得分 is right for the profile's points: the 分值 is the typo (100 for 10).
        yield Hit(
            "预算执行.分值",
            {
                **params,
                "score": fmt_num(score),
                "standard": fmt_num(standard),
                "basis": f"{ctx.profile.name}配置",
            },
            value=b.points,
            expected=standard,
            template="预算执行分值填报为 {points}，{basis}规定为 {standard} 分（得分 {score} 正是 "
            "{standard} × 执行率 {rate}）：请把分值改为 {standard}。",
        )
        return
    yield Hit(
        "预算执行.得分",
        {**params, "score": fmt_num(score)},
        value=score,
        expected=round(b.score, 2),
    )


@check(
    "S03",
    Severity.ERROR,
    "得分或分值超出范围",
    "{what}的得分 {score} 高于分值 {points}：得分不能超过分值，请改正。",
    forms=SELF_EVAL,
    scores=True,
)
def score_range(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    budget = form.budget
    yield from _out_of_range("预算执行", "预算执行", number(budget.points), number(budget.score))
    for r in indicator_readings(ctx):
        if _in_range(r.points, r.score):
            continue
        k = r.indicator.index
        yield from _out_of_range(f"第 {k} 个指标", f"绩效指标[{k}]", r.points, r.score)


def _in_range(points: float | None, score: float | None) -> bool:
    if points is not None and points <= 0:
        return False
    if score is None:
        return True
    return score >= 0 and (points is None or score <= points + EPS)


def _out_of_range(what: str, path: str, points: float | None, score: float | None) -> Iterator[Hit]:
    if _in_range(points, score):
        return
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


def _indicator_points(ctx: Context) -> float:
    return sum(r.points or 0.0 for r in indicator_readings(ctx))


def budget_scored(ctx: Context) -> bool:
    """Whether the form scores the budget's execution in its budget block (a template does;
    some paper forms have no 分值/得分 there, e.g. Ningxia scores 预算执行率 as an indicator)."""
    return any(has_place(ctx.form, f"预算执行.{k}") for k in ("分值", "得分"))


@check(
    "S04",
    Severity.ERROR,
    "分值合计不为 100",
    "预算执行分值 {budget} 与各指标分值合计 {indicators} 之和为 {sum}，不等于 100{extra}："
    "请调整各指标分值，使总分值为 100。",
    forms=SELF_EVAL,
    scores=True,
    national=True,
    supersedes=("Q08",),
)
def points_total(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    if not form.filled_indicators:
        return  # W04 reports the missing indicators; the sum means nothing yet
    budget_points = (budget_reading(ctx).points or 0.0) if budget_scored(ctx) else 0.0
    indicator_points = _indicator_points(ctx)
    total = budget_points + indicator_points
    typed = number(form.total_points)
    off_100 = abs(total - 100) > POINTS_TOLERANCE
    off_shown = typed is not None and abs(typed - total) > POINTS_TOLERANCE
    if not (off_100 or off_shown):
        return
    extra = f"；总分栏的分值填报为 {fmt_num(typed)}" if off_shown else ""
    template = None
    if not off_100:
        template = "预算执行分值 {budget} 与各指标分值合计 {indicators} 之和为 {sum}，总分栏却填报为 {shown}：请改正总分栏的分值。"
    yield Hit(
        "总分.分值",
        {
            "budget": fmt_num(budget_points),
            "indicators": fmt_num(indicator_points),
            "sum": fmt_num(total),
            "extra": extra,
            "shown": fmt_num(typed),
        },
        value=typed,
        expected=100,
        template=template,
    )


def execution_part(ctx: Context) -> float | None:
    """The budget's share of the total, as the template's formula takes it: the 得分 the
    form shows for the budget (S02 reports it if wrong — one cause, one finding), else the
    recomputed execution score where the form scores the budget at all."""
    shown_score = number(self_eval(ctx).budget.score)
    if shown_score is not None:
        return shown_score
    return budget_reading(ctx).score if budget_scored(ctx) else 0.0


def recomputed_total(ctx: Context) -> float | None:
    """执行率得分 + Σ 指标得分, computed once per form (S05, S06 and Q08 compare with it)."""
    if "total" not in ctx.cache:
        # A score typed as text ("10", every cell of a Word table) counts as the reviewer
        # reads it.
        ctx.cache["total"] = compute.total_score(
            execution_part(ctx), (r.score for r in indicator_readings(ctx))
        )
    return ctx.cache["total"]


@check(
    "S05",
    Severity.ERROR,
    "总分计算错误",
    "总分填报为 {shown}，按 预算执行得分 {execution} + 指标得分合计 {indicators} 应为 {expected}：请改正总分。",
    forms=SELF_EVAL,
    scores=True,
    supersedes=("Q08",),
)
def total_score(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    typed = number(form.total_score)
    if typed is None or not form.filled_indicators:
        return
    execution = execution_part(ctx) or 0.0
    expected = recomputed_total(ctx)
    if expected is not None and abs(typed - expected) > SCORE_TOLERANCE + EPS:
        yield Hit(
            "总分.得分",
            {
                "shown": fmt_num(typed),
                "execution": fmt_num(execution),
                "indicators": fmt_num(expected - execution),
                "expected": fmt_num(expected),
            },
            value=typed,
            expected=round(expected, 2),
        )


@check(
    "S06",
    Severity.ERROR,
    "等级与总分不符",
    "等级填报为“{shown}”，按重新计算的总分 {total} 应为“{expected}”（{bands}）：请改正等级。",
    forms=SELF_EVAL,
    scores=True,
    supersedes=("Q08",),
)
def grade(ctx: Context) -> Iterator[Hit]:
    form = self_eval(ctx)
    if is_blank(form.grade) or not form.filled_indicators:
        return
    total = recomputed_total(ctx)
    expected = compute.grade(total, ctx.profile.grades)
    if expected is not None and not compute.same_grade(form.grade, expected, ctx.profile.grades):
        bands = "，".join(f"{k}≥{v:g}" for k, v in ctx.profile.grades.items() if v > 0)
        yield Hit(
            "等级",
            {
                "shown": shown(form.grade),
                "total": fmt_num(total),
                "expected": expected,
                "bands": bands,
            },
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
            # Point at the side left unfilled: the total row left at 0 under sources that
            # carry money, else the first source (sources at 0 under a total that has it).
            first = b.sources[0]
            at = f"预算执行.资金来源[{first.name or first.position}].{column}"
            if abs(total) <= AMOUNT_TOLERANCE:
                at = f"预算执行.{column}"
            yield Hit(
                at,
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
    scores=True,
)
def weights(ctx: Context) -> Iterator[Hit]:
    """一级 weights against the block's own heading ("产出指标(50分)") and the profile.

    One finding per block, at its heading (the 一级 cell of its first row), saying every
    way its rows' points disagree: with the points the heading declares, with the
    profile's weight. A form of another framework declares its own weights: only its
    headings are compared. A block with a row whose 分值 is missing is left to W05."""
    form = self_eval(ctx)
    national = framework(form) is None
    issues: dict[int, _Weights] = {}  # by the block's first row

    blocks = _blocks(indicator_readings(ctx))
    last = _last_block(blocks)
    for name, rows in blocks.items():
        declared = _declared(rows)
        if declared is None or not _complete(ctx, last, name):
            continue
        label = name
        if name == OUTPUT and COST in blocks and _declared(blocks[COST]) is None:
            # 成本指标 as its own block without a heading: 产出's heading covers it (the
            # weight 产出 50 includes 成本)
            rows = sorted([*rows, *blocks[COST]], key=_row_index)
            label = f"{OUTPUT}（含成本指标）"
        actual = _points_of(rows)
        if actual is not None and abs(actual - declared) > POINTS_TOLERANCE:
            issues[rows[0].indicator.index] = _Weights(label, actual, declared=declared)

    if national:
        groups: dict[str, list[IndicatorReading]] = {}
        for name, rows in blocks.items():
            group = WEIGHT_GROUP.get(name)
            if group in groups:  # 成本 with 产出: rows of two blocks, in form order
                groups[group] = sorted([*groups[group], *rows], key=_row_index)
            elif group:
                groups[group] = rows  # one block's rows are in form order
        for group, expected in ctx.profile.weights.items():
            rows = groups.get(group, [])
            if group == "预算执行" or not rows:
                continue  # a missing block is W04's to report
            actual = _points_of(rows)
            if actual is None:
                continue
            if abs(actual - expected) <= POINTS_TOLERANCE:
                continue
            label = f"{group}（含成本指标）" if group == OUTPUT and COST in blocks else group
            first = rows[0].indicator.index
            heading = issues.get(first)
            declared = heading.declared if heading else None
            issues[first] = _Weights(label, actual, declared, expected)

    for k, issue in sorted(issues.items()):
        yield issue.hit(f"绩效指标[{k}].一级指标", f"{ctx.profile.name}配置")


@dataclass(frozen=True)
class _Weights:
    """What is wrong with one block's points: they differ from its heading, the profile."""

    label: str
    actual: float
    declared: float | None = None  # the heading's points, where they differ from the rows
    expected: float | None = None  # the profile's weight, where it differs from the rows

    def hit(self, field: str, basis: str) -> Hit:
        params = {
            "level1": self.label,
            "actual": fmt_num(self.actual),
            "declared": fmt_num(self.declared),
            "expected": fmt_num(self.expected),
            "basis": basis,
        }
        if self.declared is None:
            return Hit(field, params, value=self.actual, expected=self.expected)
        if self.expected is None or abs(self.declared - self.expected) <= POINTS_TOLERANCE:
            template = (
                "{level1}标明 {declared} 分，但所列各指标分值合计为 {actual}："
                "请使各指标分值之和等于标明的分值，或改正标题中的分值。"
            )
            return Hit(field, params, value=self.actual, expected=self.declared, template=template)
        template = (
            "{level1}标明 {declared} 分，所列各指标分值合计却为 {actual}，{basis}规定为 {expected} 分："
            "请按规定权重调整各指标分值和标题中的分值。"
        )
        return Hit(field, params, value=self.actual, expected=self.expected, template=template)


def _row_index(r: IndicatorReading) -> int:
    return r.indicator.index


def _blocks(rows: list[IndicatorReading]) -> dict[str, list[IndicatorReading]]:
    """The rows of each 一级 block, in form order: the standard block, or on a form of
    another framework its own 一级 label."""
    out: dict[str, list[IndicatorReading]] = {}
    for r in rows:
        labels = r.labels
        name = labels.block
        if name is None and not labels.level1_blank:
            name = labels.level1_name or None
        if name:
            out.setdefault(name, []).append(r)
    return out


def _declared(rows: list[IndicatorReading]) -> float | None:
    """The points the block's heading declares (on its first row, as the reader puts it)."""
    return next((r.labels.declared for r in rows if r.labels.declared is not None), None)


def _points_of(rows: list[IndicatorReading]) -> float | None:
    """The block's points, or None when a row's 分值 is missing or not a number (W05's)."""
    points = [r.points for r in rows if r.points is not None]
    return sum(points) if rows and len(points) == len(rows) else None


def _last_block(blocks: dict[str, list[IndicatorReading]]) -> str | None:
    """The block whose rows end last on the form (None: no blocks)."""
    return max(blocks, key=lambda n: blocks[n][-1].indicator.index) if blocks else None


def _complete(ctx: Context, last: str | None, name: str) -> bool:
    """A block is known to be whole when another block follows it (``last``: the block that
    ends last, ``_last_block``) or the form has its 总分 row: the last block of a page cut
    off short is not compared with its heading."""
    return name != last or has_place(ctx.form, "总分.分值") or has_place(ctx.form, "总分.得分")


@check(
    "S09",
    Severity.WARNING,
    "得分高于参考得分",
    "第 {n} 个指标{name}完成率 {completion}（指标值 {target}，完成值 {actual}），参考得分为 {reference}，"
    "填报得分 {score} 偏高：请按完成情况评分，或说明加分理由。",
    forms=SELF_EVAL,
    scores=True,
)
def generous_scores(ctx: Context) -> Iterator[Hit]:
    for r in indicator_readings(ctx):
        if r.score is None or not r.quantitative:
            continue
        reference = r.reference_score
        if reference is not None and r.score > reference + SCORE_TOLERANCE + EPS:
            ind = r.indicator
            yield Hit(
                f"绩效指标[{ind.index}].得分",
                {
                    "n": ind.index,
                    "name": r.labels.named,
                    "completion": fmt_pct(r.completion),
                    "target": r.values.target_cell.shown,
                    "actual": r.values.actual_cell.shown,
                    "reference": fmt_num(reference),
                    "score": fmt_num(r.score),
                },
                value=r.score,
                expected=round(reference, 2),
            )


@check(
    "S10",
    Severity.INFO,
    "达标却扣分",
    "第 {n} 个指标{name}已达到目标（指标值 {target}，完成值 {actual}），却扣了 {lost} 分："
    "请说明扣分理由，或给满分。",
    forms=SELF_EVAL,
    scores=True,
)
def deducted_though_met(ctx: Context) -> Iterator[Hit]:
    for r in indicator_readings(ctx):
        if r.met and r.points is not None and r.score is not None and r.score < r.points - EPS:
            ind = r.indicator
            yield Hit(
                f"绩效指标[{ind.index}].得分",
                {
                    "n": ind.index,
                    "name": r.labels.named,
                    "target": r.values.target_cell.shown,
                    "actual": r.values.actual_cell.shown,
                    "lost": fmt_num(r.points - r.score),
                },
                value=r.score,
                expected=r.points,
            )
