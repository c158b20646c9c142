"""Q08, Q09 — what only a workbook shows: overwritten formulas and error values."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from jixiao.core import compute
from jixiao.core.assess import fmt_num, fmt_pct
from jixiao.core.assess import shown as text
from jixiao.core.compute import EPS, RATE_PLACES, SCORE_TOLERANCE
from jixiao.core.fields import describe
from jixiao.core.findings import Severity
from jixiao.core.form import BasicDataForm, SelfEvalForm, number, rate_value
from jixiao.core.layout import BASIC, PROJECT, WHOLE
from jixiao.rules.arithmetic import recomputed_total
from jixiao.rules.base import Context, Hit, budget_reading, check


def _formula_result(ctx: Context, path: str) -> tuple[object, str] | None:
    """What the template's formula gives for a computed cell, and how to show it."""
    form = ctx.form
    if isinstance(form, SelfEvalForm):
        b = budget_reading(ctx)
        if path == "预算执行.执行率":
            return (b.rate, fmt_pct(b.rate)) if b.rate is not None else None
        if path == "预算执行.得分":
            return (b.score, fmt_num(b.score)) if b.score is not None else None
        if not form.filled_indicators:
            return None  # W04: totals mean nothing until indicators exist
        if path == "总分.分值":
            total = (b.points or 0.0) + sum(number(i.points) or 0.0 for i in form.filled_indicators)
            return total, fmt_num(total)
        total = recomputed_total(ctx)
        if path == "总分.得分" and total is not None:
            return total, fmt_num(total)
        if path == "等级" and total is not None:
            g = compute.grade(total, ctx.profile.grades)
            return (g, g) if g else None
    if isinstance(form, BasicDataForm):
        staff = form.staff
        if path == "人员.控制率":
            r = compute.staff_control_rate(
                number(staff.get("实际在职人数")), number(staff.get("编制数"))
            )
            return (r, fmt_pct(r)) if r is not None else None
        m = re.fullmatch(r"楼堂馆所\[(\d+)\]\.(规模控制率|投资概算控制率)", path)
        if m:
            k = int(m.group(1))
            rows = form.buildings
            if k > len(rows):
                return None
            b = rows[k - 1]
            pair = (
                ("实际规模", "批复规模") if m.group(2) == "规模控制率" else ("实际投资", "预算投资")
            )
            r = compute.control_rate(number(b.get(pair[0])), number(b.get(pair[1])))
            return (r, fmt_pct(r)) if r is not None else None
    return None


def _differs(path: str, typed: object, expected: object, grades: Mapping[str, float]) -> bool:
    if isinstance(expected, str):  # 等级: "优秀" is 优
        return not compute.same_grade(typed, expected, grades)
    if path.endswith("率"):
        value = rate_value(typed)
        return value is None or not compute.same_at(value, float(expected), RATE_PLACES)  # type: ignore[arg-type]
    value = number(typed)
    return value is None or abs(value - float(expected)) > SCORE_TOLERANCE + EPS  # type: ignore[arg-type]


@check(
    "Q08",
    Severity.ERROR,
    "公式被改写",
    "“{label}”单元格原本是公式，现在填的是 {typed}，而公式应得 {expected}：请恢复公式（可从模板复制该单元格），"
    "或核实这个数。",
    forms=(WHOLE, PROJECT, BASIC),
)
def overwritten_formulas(ctx: Context) -> Iterator[Hit]:
    for path, state in ctx.form.cell_states.items():
        if not state.template_formula or state.formula is not None or state.value in (None, ""):
            continue
        if state.error:
            continue  # an error value is Q09's to report
        result = _formula_result(ctx, path)
        if result is None:
            continue
        expected, shown = result
        if _differs(path, state.value, expected, ctx.profile.grades):
            label = describe(path)
            yield Hit(
                path,
                {"label": label, "typed": text(state.value), "expected": shown},
                value=state.value,
                expected=expected,
            )


@check(
    "Q09",
    Severity.ERROR,
    "单元格显示错误值",
    "{where}显示错误值 {error}：{advice}",
    forms=(WHOLE, PROJECT, BASIC),
)
def error_values(ctx: Context) -> Iterator[Hit]:
    advice = {
        "#DIV/0!": "公式除以了 0 或空单元格，请检查分母（如全年预算数）是否已填写。",
        "#VALUE!": "公式用到的单元格里有文字，请改为数字。",
        "#REF!": "公式引用的单元格已被删除，请从模板恢复公式。",
        "#NAME?": "公式中有无法识别的名称，请从模板恢复公式。",
        "#N/A": "查找不到对应的值，请检查填写内容。",
    }
    for path, state in ctx.form.cell_states.items():
        if state.error:
            where = describe(path)
            yield Hit(
                path,
                {
                    "where": f"“{where}”",
                    "error": state.error,
                    "advice": advice.get(state.error, "请检查该单元格及其引用。"),
                },
                value=state.error,
            )
