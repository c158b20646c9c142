"""S11, S12 — 计算 on the 基础数据表: parent rows and the ratios the form prints.

The self-evaluation forms' S07 (fund sources add up) and S01 (the printed 执行率) have
their counterparts here under codes of their own, so a finding's code names its rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from jixiao.core import compute
from jixiao.core.assess import fmt_num, fmt_pct
from jixiao.core.compute import AMOUNT_TOLERANCE, RATE_PLACES
from jixiao.core.findings import Severity
from jixiao.core.form import is_blank, number, rate_value
from jixiao.core.layout import BASIC, BASIC_VALUE_COLUMNS, SUM_PARENTS
from jixiao.rules.base import Context, Hit, basic, check


@check(
    "S11",
    Severity.ERROR,
    "基础数据表分项合计不符",
    "“{parent}”的{column} {total} 万元，应等于各分项之和 {sum} 万元（{parts}）：请核对。",
    forms=(BASIC,),
)
def parent_rows(ctx: Context) -> Iterator[Hit]:
    form = basic(ctx)
    children: dict[str, list[dict]] = {}
    for row in form.rows:
        parent = row.get("上级")
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(row)
    for parent, rows in children.items():
        prow = form.row(parent)
        if prow is None:
            continue
        for column in BASIC_VALUE_COLUMNS:
            total = number(prow.get(column))
            values = [r.get(column) for r in rows]
            if total is None or all(is_blank(v) for v in values):
                continue
            field = f"基础数据.{parent}.{column}"
            if parent in SUM_PARENTS:
                parts = sum(number(v) or 0.0 for v in values)
                if abs(parts - total) > AMOUNT_TOLERANCE:
                    names = " + ".join(str(r.get("名称")) for r in rows)
                    yield Hit(
                        field,
                        {
                            "parent": parent,
                            "column": column,
                            "total": fmt_num(total),
                            "sum": fmt_num(parts),
                            "parts": names,
                        },
                        value=total,
                        expected=round(parts, 6),
                    )
                continue
            for r in rows:
                v = number(r.get(column))
                if v is not None and v > total + AMOUNT_TOLERANCE:
                    yield Hit(
                        f"基础数据.{r.get('名称')}.{column}",
                        {
                            "parent": parent,
                            "column": column,
                            "child": r.get("名称"),
                            "value": fmt_num(v),
                            "total": fmt_num(total),
                        },
                        value=v,
                        expected=f"≤{fmt_num(total)}",
                        template="其中项“{child}”的{column} {value} 万元超过了“{parent}”的 {total} 万元："
                        "其中项是总数的一部分，不能大于总数，请核对。",
                    )


@check(
    "S12",
    Severity.ERROR,
    "基础数据表比率计算错误",
    "{label}填报为 {shown}，按 {formula} 应为 {expected}：请改正。",
    forms=(BASIC,),
)
def printed_ratios(ctx: Context) -> Iterator[Hit]:
    form = basic(ctx)
    staff = form.staff
    cases = [
        (
            "人员.控制率",
            "在职人员控制率",
            staff.get("控制率"),
            compute.staff_control_rate(
                number(staff.get("实际在职人数")), number(staff.get("编制数"))
            ),
            f"实际在职人数 {fmt_num(number(staff.get('实际在职人数')))} ÷ 编制数 {fmt_num(number(staff.get('编制数')))}",
        )
    ]
    for k, b in enumerate(form.buildings, 1):
        name = b.get("名称") or f"第 {k} 项"
        cases.append(
            (
                f"楼堂馆所[{k}].规模控制率",
                f"“{name}”规模控制率",
                b.get("规模控制率"),
                compute.control_rate(number(b.get("实际规模")), number(b.get("批复规模"))),
                "实际规模 ÷ 批复规模",
            )
        )
        cases.append(
            (
                f"楼堂馆所[{k}].投资概算控制率",
                f"“{name}”投资概算控制率",
                b.get("投资概算控制率"),
                compute.control_rate(number(b.get("实际投资")), number(b.get("预算投资"))),
                "实际投资 ÷ 预算投资",
            )
        )
    for field, label, shown, expected, formula in cases:
        if is_blank(shown) or expected is None:
            continue
        value = rate_value(shown)
        if value is None or not compute.same_at(value, expected, RATE_PLACES):
            yield Hit(
                field,
                {
                    "label": label,
                    "shown": fmt_pct(value) if value is not None else f"“{shown}”",
                    "formula": formula,
                    "expected": fmt_pct(expected),
                },
                value=shown,
                expected=round(expected, 4),
            )
