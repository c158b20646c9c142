"""X — 表间: figures that appear in two tables of one unit must agree."""

from __future__ import annotations

from collections.abc import Iterator

from jixiao.core.assess import fmt_num, shown
from jixiao.core.compute import AMOUNT_TOLERANCE
from jixiao.core.findings import Severity
from jixiao.core.form import BasicDataForm, SelfEvalForm, is_blank, number
from jixiao.core.layout import BASIC, PROJECT, SHEET_NAMES, WHOLE
from jixiao.rules.base import Context, Hit, check


def _sheet(form: object) -> str:
    lay = getattr(form, "sheet_layout", None)
    return lay.sheet if lay else ""


def _nature(form: SelfEvalForm, name: str) -> float | None:
    for row in form.budget.by_nature:
        if row.name == name:
            return number(row.executed)
    return None


@check(
    "X01",
    Severity.ERROR,
    "表间数据不一致",
    "{a_label} {a} 万元与{b_label} {b} 万元不一致（相差 {diff} 万元）{also}："
    "同一数字在两张表中应相同，请核对。",
    forms=(WHOLE,),
)
def whole_form_figures(ctx: Context) -> Iterator[Hit]:
    """Within the whole-department form, and against the unit's other forms. Disagreements
    about one figure are one finding at its cell, naming every table it disagrees with."""
    form = ctx.form
    assert isinstance(form, SelfEvalForm)
    found: dict[str, list[tuple[str, float, str, float]]] = {}
    executed = number(form.budget.executed)
    basic_exec, project_exec = _nature(form, "基本支出"), _nature(form, "项目支出")
    if executed is not None and basic_exec is not None and project_exec is not None:
        both = basic_exec + project_exec
        if abs(both - executed) > AMOUNT_TOLERANCE:
            found.setdefault("预算执行.按支出性质[基本支出].全年执行数", []).append(
                ("基本支出与项目支出执行数之和", both, "年度资金总额的全年执行数", executed)
            )
    if project_exec is not None:
        at = "预算执行.按支出性质[项目支出].全年执行数"
        label = "整体支出表的项目支出执行数"
        projects = [f for f in ctx.others if isinstance(f, SelfEvalForm) and f.form_type == PROJECT]
        if projects:
            total = sum(number(p.budget.executed) or 0.0 for p in projects)
            if abs(total - project_exec) > AMOUNT_TOLERANCE:
                other = f"{len(projects)} 张项目支出表的全年执行数合计"
                found.setdefault(at, []).append((label, project_exec, other, total))
        for basic in (f for f in ctx.others if isinstance(f, BasicDataForm)):
            row = basic.row("项目支出")
            final = number(row.get("本年决算数")) if row else None
            if final is not None and abs(final - project_exec) > AMOUNT_TOLERANCE:
                other = f"{SHEET_NAMES[BASIC]}的项目支出本年决算数"
                found.setdefault(at, []).append((label, project_exec, other, final))
    for field, pairs in found.items():
        yield _hit(field, pairs)


def _hit(field: str, pairs: list[tuple[str, float, str, float]]) -> Hit:
    a_label, a, b_label, b = pairs[0]
    also = "".join(
        f"；也与{other} {fmt_num(value)} 万元不一致（相差 {fmt_num(abs(a - value))} 万元）"
        for _, _, other, value in pairs[1:]
    )
    return Hit(
        field,
        {
            "a_label": a_label,
            "a": fmt_num(a),
            "b_label": b_label,
            "b": fmt_num(b),
            "diff": fmt_num(abs(a - b)),
            "also": also,
        },
        value=round(a, 6),
        expected=round(b, 6),
    )


@check(
    "X02",
    Severity.WARNING,
    "各表单位或年度不一致",
    "本表的{label}为“{mine}”，与{other}的“{theirs}”不一致：同一单位同一年度的各表应一致，请核对。",
    forms=(WHOLE, PROJECT, BASIC),
    across=True,
)
def same_unit_and_year(ctx: Context) -> Iterator[Hit]:
    reference = ctx.reference
    if reference is None or reference is ctx.form:
        return
    for label, mine, theirs in (
        ("单位名称", ctx.form.unit_name, reference.unit_name),
        ("年度", ctx.form.year, reference.year),
    ):
        if is_blank(mine) or is_blank(theirs):
            continue
        if str(mine).strip() != str(theirs).strip():
            other = reference.source or _sheet(reference)
            yield Hit(
                label,
                {"label": label, "mine": shown(mine), "theirs": shown(theirs), "other": other},
                value=mine,
                expected=theirs,
            )
