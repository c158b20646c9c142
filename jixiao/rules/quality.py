"""Q — 规范性: names, measurable targets, shifted columns, units, plausibility."""

from __future__ import annotations

import re
from collections.abc import Iterator

from jixiao.core.assess import (
    IndicatorReading,
    fmt_num,
    fmt_pct,
    shown,
)
from jixiao.core.compute import AMOUNT_TOLERANCE, EPS
from jixiao.core.findings import Severity
from jixiao.core.form import number
from jixiao.core.layout import PROJECT, SICHUAN, WHOLE
from jixiao.core.memo import memo
from jixiao.core.standards import (
    COST_LEVEL2,
    COUNTING_LEVEL2,
    LEVEL2_OF,
    MONEY_SHORT,
    UNIT_FITS,
    YUAN_PER,
    standard_level1,
    standard_level2,
)
from jixiao.core.values import Kind, ParsedValue, same_unit
from jixiao.rules.base import (
    REGISTRY,
    Context,
    Hit,
    budget_reading,
    check,
    framework,
    indicator_readings,
    self_eval,
)

SELF_EVAL = (WHOLE, PROJECT)


@check(
    "Q01",
    Severity.WARNING,
    "指标名称不规范",
    "第 {n} 个指标的{label}“{given}”不是标准名称，应为“{standard}”：请改用标准名称。",
    forms=SELF_EVAL,
)
def standard_names(ctx: Context) -> Iterator[Hit]:
    """One finding per name cell: a 一级 heading merged over twelve rows is one cell.

    Names are compared as a reviewer reads them: line breaks, spaces and the heading's
    points ("产出\n指标(50分)") are layout, not a different name; a heading that kept only
    its points ("(50分)") lost its label, and its rows are read by their 二级 names. On a
    form of another framework the 一级 names are its own; the 二级 names under a standard
    一级 block are still compared."""
    form = self_eval(ctx)
    other = framework(form) is not None
    found: dict[tuple[str, str], tuple[str, dict[str, object], list[int]]] = {}
    for r in indicator_readings(ctx):
        labels = r.labels
        level1 = labels.block
        given = labels.level1_name  # None: blank, W06 reports it
        if given is not None and not (other or labels.heading_lost):
            std = standard_level1(given)
            if std != given:
                _note(ctx, found, r, "一级指标", given, std, _LEVEL1_OPTIONS)
        given = labels.level2_name
        if given is not None and not (other and level1 is None):  # not the framework's own
            std = standard_level2(given)
            if std != given:
                options = LEVEL2_OF.get(level1 or "", _ALL_LEVEL2)
                _note(ctx, found, r, "二级指标", given, std, options)
    yield from name_hits(found)


def name_hits(
    found: dict[tuple[str, str], tuple[str, dict[str, object], list[int]]],
) -> Iterator[Hit]:
    """Q01's findings: one per name cell noted, naming the rows under it."""
    for field, params, rows in found.values():
        params = {**params, "n": _rows_text(rows)}
        if params["standard"] is None:
            yield Hit(
                field,
                params,
                value=params["given"],
                template="第 {n} 个指标的{label}“{given}”不是标准名称：请从 {options} 中选择。",
            )
        else:
            yield Hit(field, params, value=params["given"], expected=params["standard"])


def _note(
    ctx: Context,
    found: dict[tuple[str, str], tuple[str, dict[str, object], list[int]]],
    r: IndicatorReading,
    label: str,
    given: str,
    std: str | None,
    options: tuple[str, ...],
) -> None:
    """Count a non-standard name against its cell (a merged heading: one cell, many rows)."""
    field = f"绩效指标[{r.indicator.index}].{label}"
    cell = ctx.cell(field)
    key = (label, f"{cell.sheet}!{cell.address}" if cell else field)
    entry = found.get(key)
    if entry is None:
        params = {"label": label, "given": given, "standard": std, "options": "、".join(options)}
        entry = found[key] = (field, params, [])
    entry[2].append(r.indicator.index)


_LEVEL1_OPTIONS = tuple(LEVEL2_OF)
_ALL_LEVEL2 = tuple(n for names in LEVEL2_OF.values() for n in names)


def _rows_text(rows: list[int]) -> str:
    """ "3", "1–12" (a heading over consecutive rows), or "2、5"."""
    if len(rows) > 1 and rows == list(range(rows[0], rows[-1] + 1)):
        return f"{rows[0]}–{rows[-1]}"
    return "、".join(str(k) for k in rows)


def _shifted(r: IndicatorReading) -> bool:
    """完成值 holds a target expression (≥1): the columns slid by one."""
    return r.actual.kind is Kind.NUMBER and r.actual.op_symbolic


@check(
    "Q02",
    Severity.WARNING,
    "指标值无法衡量",
    "第 {n} 个指标{name}的指标值“{target}”无法衡量：请改为可量化的数值（如 ≥50家、≥95%）"
    "或明确的定性等级（如 好、达标、及时）。",
    forms=SELF_EVAL,
)
def measurable_targets(ctx: Context) -> Iterator[Hit]:
    for r in indicator_readings(ctx):
        if r.target.kind is Kind.TEXT and not _shifted(r):
            ind = r.indicator
            yield Hit(
                f"绩效指标[{ind.index}].指标值",
                {"n": ind.index, "name": r.labels.named, "target": shown(ind.target)},
                value=ind.target,
            )


@check(
    "Q03",
    Severity.ERROR,
    "列可能错位",
    "第 {n} 个指标{name}的实际完成值“{actual}”是目标的写法：列可能错位，"
    "请把目标填在“指标值”栏、实际结果填在“实际完成值”栏。",
    forms=SELF_EVAL,
)
def shifted_columns(ctx: Context) -> Iterator[Hit]:
    sichuan = self_eval(ctx).layout == SICHUAN
    for r in indicator_readings(ctx):
        ind = r.indicator
        if _shifted(r):
            yield Hit(f"绩效指标[{ind.index}].实际完成值", _shifted_params(r), value=ind.actual)
            continue
        # Sichuan columns: a number under 指标性质 and a unit under 指标值.
        if sichuan and r.values.target_cell.op_number:
            yield Hit(
                f"绩效指标[{ind.index}].指标性质",
                {**_shifted_params(r), "op": shown(ind.op)},
                value=ind.op,
                template="第 {n} 个指标{name}的“指标性质”栏填的是“{op}”：应为 ≥、≤、＝ 或 定性，"
                "列可能错位，请把数值填在“指标值”栏。",
            )


def _shifted_params(r: IndicatorReading) -> dict[str, object]:
    ind = r.indicator
    return {"n": ind.index, "name": r.labels.named, "actual": shown(ind.actual)}


def _unit_of(r: IndicatorReading) -> str:
    return r.target.unit or r.actual.unit


@check(
    "Q04",
    Severity.WARNING,
    "计量单位不当",
    "第 {n} 个指标{name}的指标值单位“{u1}”与完成值单位“{u2}”不一致：请统一计量单位。",
    forms=SELF_EVAL,
)
def units(ctx: Context) -> Iterator[Hit]:
    column = "度量单位" if self_eval(ctx).layout == SICHUAN else "指标值"
    for r in indicator_readings(ctx):
        t, a = r.target, r.actual
        if t.kind is not Kind.NUMBER:
            continue
        ind = r.indicator
        if a.kind is Kind.NUMBER and t.unit and a.unit and not same_unit(t.unit, a.unit):
            yield Hit(
                f"绩效指标[{ind.index}].实际完成值",
                {"n": ind.index, "name": r.labels.named, "u1": t.unit, "u2": a.unit},
                value=a.unit,
                expected=t.unit,
            )
            continue
        unit = t.unit or a.unit
        if not unit:
            continue
        fit = _UNIT_FIT[(r.labels.name, r.labels.level2_standard)]
        if fit is not None and not _FITS[(unit, fit[0])]:
            fitting, hint = fit
            yield Hit(
                f"绩效指标[{ind.index}].{column}",
                {"n": ind.index, "name": r.labels.named, "unit": unit, "hint": hint},
                value=unit,
                expected="、".join(sorted(fitting)),
                template="第 {n} 个指标{name}以“{unit}”计量不合适：{hint}，请改正度量单位。",
            )


def _unit_fit(key: tuple[str, str | None]) -> tuple[frozenset[str], str] | None:
    """The units an indicator's name (and standard 二级 name) calls for, and what it
    measures; None when nothing in particular (UNIT_FITS)."""
    name, level2 = key
    satisfaction = level2 == "服务对象满意度指标"
    for pattern, fitting, hint in UNIT_FITS:
        applies = bool(pattern.search(name)) or (satisfaction and "%" in fitting)
        if applies and "%" in fitting and level2 in COUNTING_LEVEL2:
            return None  # a 数量指标 row counts things, whatever its name ends with
        if applies:
            return fitting, hint
    return None


def _fits(key: tuple[str, frozenset[str]]) -> bool:
    unit, fitting = key
    if unit in _RATIOS and "%" not in fitting:
        # A share of what the name counts ("森林火灾受害面积 小于0.9‰", "改造面积 100%"):
        # the rate done or allowed, not the wrong unit for the thing itself.
        return True
    return any(same_unit(unit, u) for u in fitting)


_RATIOS = frozenset({"%", "‰"})


_UNIT_FIT = memo(_unit_fit)
_FITS = memo(_fits)


_BOUNDED_PERCENT = re.compile(
    r"满意|合格率|覆盖率|知晓率|达标率|准确率|正确率|及格率|普及率|参保率|到位率|入学率"
)


def _beyond_100(v: ParsedValue) -> bool:
    """A percentage below 0 or above 100."""
    return (
        v.kind is Kind.NUMBER
        and v.unit == "%"
        and v.number is not None
        and not 0 <= v.number <= 100
    )


def _bounded_name(name: object) -> bool:
    """The 三级 name is of a share that cannot pass 100% (满意度, 合格率 …)."""
    if type(name) is str:
        return _BOUNDED_NAMES[name]
    return _is_bounded(str(name))


def _is_bounded(name: str) -> bool:
    return bool(_BOUNDED_PERCENT.search(name))


_BOUNDED_NAMES = memo(_is_bounded)


@check(
    "Q05",
    Severity.WARNING,
    "百分比超出范围",
    "第 {n} 个指标{name}的{label} {value} 超出 0–100%：这一比例不可能超过 100% 或为负，请核实。",
    forms=SELF_EVAL,
)
def percent_range(ctx: Context) -> Iterator[Hit]:
    for r in indicator_readings(ctx):
        if not (_beyond_100(r.target) or _beyond_100(r.actual)):
            continue
        ind = r.indicator
        bounded = _bounded_name("" if r.labels.name_blank else ind.name) or (
            r.labels.level2_standard == "服务对象满意度指标"
        )
        if not bounded:
            continue
        for label, v in (("指标值", r.target), ("实际完成值", r.actual)):
            if _beyond_100(v):
                yield Hit(
                    f"绩效指标[{ind.index}].{label}",
                    {
                        "n": ind.index,
                        "name": r.labels.named,
                        "label": label,
                        "value": f"{v.number:g}%",
                    },
                    value=v.number,
                    expected="0–100%",
                )


@check(
    "Q06",
    Severity.INFO,
    "执行不足却全部满分",
    "执行率 {rate} 低于 {limit}，所有 {count} 个指标却都是满分：请核实评分是否客观。",
    forms=SELF_EVAL,
    scores=True,
)
def full_marks(ctx: Context) -> Iterator[Hit]:
    rate = budget_reading(ctx).rate
    limit = ctx.profile.reason_required_below
    rows = indicator_readings(ctx)
    if rate is None or rate >= limit - EPS or not rows:
        return
    if all(
        r.points is not None and r.score is not None and r.score >= r.points - EPS for r in rows
    ):
        yield Hit(
            "总分.得分",
            {"rate": fmt_pct(rate), "limit": fmt_pct(limit), "count": len(rows)},
            value=round(rate, 4),
        )


@check(
    "Q07",
    Severity.WARNING,
    "成本指标与预算执行不符",
    "第 {n} 个指标{name}是成本指标，完成值 {actual} 万元与预算执行不符（全年预算数 {budget} 万元，"
    "全年执行数 {executed} 万元）：{advice}",
    forms=SELF_EVAL,
)
def cost_vs_budget(ctx: Context) -> Iterator[Hit]:
    yield from cost_hits(ctx, [r for r in indicator_readings(ctx) if _money_cost(r)])


def cost_hits(ctx: Context, rows: list[IndicatorReading]) -> Iterator[Hit]:
    """Q07's findings for the form's cost indicators in money (``_money_cost`` rows)."""
    if not rows:
        return
    b = budget_reading(ctx)
    executed, full_year = _spent(ctx, "executed"), _spent(ctx, "full_year")
    if executed is None:
        return
    budget_figures = [x for x in (b.initial, full_year) if x is not None]
    for r in rows:
        ind = r.indicator
        labels = r.labels
        t, a = r.target, r.actual
        assert a.number is not None
        scale = YUAN_PER[_money_unit(r)] / YUAN_PER["万元"]
        actual = a.number * scale
        target = t.number * scale if t.kind is Kind.NUMBER and t.number is not None else None
        params = {
            "n": ind.index,
            "name": labels.named,
            "actual": fmt_num(actual),
            "budget": fmt_num(full_year),
            "executed": fmt_num(executed),
        }
        if actual > executed + AMOUNT_TOLERANCE:
            yield Hit(
                f"绩效指标[{ind.index}].实际完成值",
                {**params, "advice": "成本不可能超过全年执行数，请按实际支出填写。"},
                value=actual,
                expected=f"≤{fmt_num(executed)}",
            )
        elif (
            target is not None
            and any(abs(target - x) < AMOUNT_TOLERANCE for x in budget_figures)
            and abs(actual - executed) > AMOUNT_TOLERANCE
        ):
            yield Hit(
                f"绩效指标[{ind.index}].实际完成值",
                {
                    **params,
                    "advice": f"指标值 {fmt_num(target)} 万元即预算总额，完成值应为实际支出 "
                    f"{fmt_num(executed)} 万元；请按实际支出填写，超出目标的请说明原因。",
                },
                value=actual,
                expected=executed,
            )


def _money_unit(r: IndicatorReading) -> str:
    """The row's unit as a money unit: a bare 万/亿 in a cost row is 万元/亿元 ("150万")."""
    unit = _unit_of(r)
    return MONEY_SHORT.get(unit, unit)


def _money_cost(r: IndicatorReading) -> bool:
    """A cost indicator whose result is an amount of money (not a per-unit cost: 万元/个)."""
    labels, a = r.labels, r.actual
    is_cost = labels.level1_standard == "成本指标" or labels.level2_standard in COST_LEVEL2
    money = _money_unit(r) in YUAN_PER
    return is_cost and a.kind is Kind.NUMBER and a.number is not None and money


def _spent(ctx: Context, attr: str) -> float | None:
    """The budget's figure as the form's money shows it: the total row's, unless that row
    was left at 0 (or empty) while its fund sources carry the money — S07 reports the row,
    and the cost indicator is compared with what the sources say."""
    b = self_eval(ctx).budget
    total = number(getattr(b, attr))
    parts = [number(getattr(s, attr)) for s in b.sources]
    carried = sum(p for p in parts if p is not None)
    if (total is None or abs(total) <= AMOUNT_TOLERANCE) and carried > AMOUNT_TOLERANCE:
        return carried
    return total


@check(
    "Q10",
    Severity.INFO,
    "其他评价框架",
    "本表是{framework}，不是按财政部统一格式（{weights}）编制的自评表："
    "未做按统一格式设计的检查（{skipped}）；执行率与得分计算、指标偏差、偏差原因等照常检查。",
    forms=SELF_EVAL,
)
def other_framework(ctx: Context) -> Iterator[Hit]:
    """Once per form of another framework: what it is and which checks were left out."""
    name = framework(ctx.form)
    if not name:
        return
    skipped = [
        f"{c.code} {c.title}" for c in REGISTRY if c.national and ctx.form.form_type in c.applies_to
    ]
    skipped += ["S08 与规定权重的比较", "Q01 一级指标名称"]
    weights = "、".join(f"{k} {fmt_num(v)} 分" for k, v in ctx.profile.weights.items())
    yield Hit(
        "表类型",
        {"framework": shown(name), "weights": weights, "skipped": "、".join(sorted(skipped))},
    )
