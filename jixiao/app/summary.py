"""One line per form, as a reviewer lists a batch: who, which year, the budget, the
执行率 and 总分 as the form reports them and as they should be, the grade, the findings.

The same function feeds ``jixiao validate --json`` / ``jixiao check --json`` (their
``forms`` array) and ``jixiao review`` (its 汇总 sheet), so the two can be compared line
by line. The recomputed figures are the rule engine's own (the S01, S05 and S06 checks),
not a second implementation. Light: the rule engine and core only, no workbook library
(``jixiao check`` on JSON forms uses it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jixiao.core import compute
from jixiao.core.findings import Finding, Severity, summary
from jixiao.core.form import Form, SelfEvalForm, is_blank, number, rate_value
from jixiao.core.profile import Profile
from jixiao.rules.arithmetic import recomputed_total
from jixiao.rules.base import Context, budget_reading, scored
from jixiao.rules.engine import not_applied

YUAN_PER_WAN = 10_000

__all__ = ["form_object", "form_summary", "reported"]


def form_object(form: Form, findings: list[Finding], profile: Profile) -> dict[str, Any]:
    """The ``--json`` object of a JSON form: ``file``, ``findings``, ``summary``, what was not
    checked (if anything) and ``forms`` (its one :func:`form_summary` line)."""
    obj: dict[str, Any] = {
        "file": form.source,
        "findings": [f.to_dict() for f in findings],
        "summary": summary(findings),
    }
    if said := not_applied(form):
        obj["not_checked"] = said
    obj["forms"] = [form_summary(form, profile, findings)]
    return obj


def form_summary(form: Form, profile: Profile, findings: Iterable[Finding]) -> dict[str, Any]:
    """The form's line (JSON-able): ``sheet``, 表类型, 单位名称, 年度, 项目名称, 全年预算数,
    全年执行数, 执行率/总分/等级 each as {"填报": …, "复算": …}, ``summary`` (counts by
    severity) and 可以提交 (no 错误).

    全年预算数 is the budget the 执行率 is measured against (a form without that column:
    its 年初预算数, as the S01 check takes it), so 执行率（复算）= 全年执行数 / 全年预算数 on
    the line itself. A basic data table has no 执行率, 总分 or 等级: they are ``None``; so are
    the recomputed 总分 and 等级 of a form without scores or without indicators (the S05 and
    S06 checks do not apply there either)."""
    counts = summary(findings)
    line: dict[str, Any] = {
        "sheet": form.sheet_layout.sheet if form.sheet_layout else "",
        "表类型": form.form_type,
        "单位名称": reported(form.unit_name),
        "年度": reported(form.year),
        "项目名称": reported(form.data.get("项目名称")),
        "全年预算数": None,
        "全年执行数": None,
        "执行率": {"填报": None, "复算": None},
        "总分": {"填报": None, "复算": None},
        "等级": {"填报": None, "复算": None},
        "summary": counts,
        "可以提交": counts[str(Severity.ERROR)] == 0,
    }
    if not isinstance(form, SelfEvalForm):
        return line
    ctx = Context(form, profile)
    budget = budget_reading(ctx)
    # Amounts in 万元 on every line, so a batch's totals add like with like: a paper form
    # whose budget headings say 元 is converted (its 执行率 is the same either way).
    scale = YUAN_PER_WAN if form.sheet_layout and form.sheet_layout.money_unit == "元" else 1
    line["全年预算数"] = _in_wan(budget.full_year, scale)
    line["全年执行数"] = _in_wan(budget.executed, scale)
    typed_rate = form.budget.rate
    line["执行率"] = {
        "填报": _or_text(rate_value(typed_rate), typed_rate),
        "复算": budget.rate,
    }
    if scored(form):
        total = recomputed_total(ctx) if form.filled_indicators else None
        if total is not None:
            total = round(total, 4)  # a sum of typed scores: 51.8, not 51.79999999999
        line["总分"] = {"填报": _or_text(number(form.total_score), form.total_score), "复算": total}
        line["等级"] = {
            "填报": reported(form.grade),
            "复算": compute.grade(total, profile.grades) if total is not None else None,
        }
    return line


def _in_wan(amount: float | None, scale: int) -> float | None:
    return amount if amount is None or scale == 1 else amount / scale


def reported(raw: Any) -> Any:
    """A header value as the form shows it, JSON-able: blank is ``None``, text is trimmed,
    a number stays a number (a whole float as an int: the year 2020.0 is 2020)."""
    if is_blank(raw):
        return None
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return int(raw)
    if isinstance(raw, int | float):
        return raw
    return str(raw)


def _or_text(value: float | None, raw: Any) -> Any:
    """A figure as read, or — where the cell holds something that is no figure ("约百分之九十")
    — its text, so the reviewer sees what was typed; blank is ``None``."""
    if value is not None:
        return value
    return None if is_blank(raw) else str(raw).strip()
