"""Test helpers: the real submitted forms in examples/ (the repository's own copy)."""

from __future__ import annotations

import copy
import json
import math
import re
import zipfile
from pathlib import Path
from typing import Any

from jixiao.cli import main
from jixiao.core import compute
from jixiao.core.assess import BudgetReading, readings
from jixiao.core.findings import Finding
from jixiao.core.form import number
from jixiao.core.interchange import form_from_data
from jixiao.core.layout import BASIC, BASIC_ROWS, INDICATOR_ROWS
from jixiao.core.profile import load_profile
from jixiao.rules.arithmetic import recomputed_total
from jixiao.rules.base import Context
from jixiao.rules.engine import check_form
from jixiao.templates.formulas import indicator_columns

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


def load_example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


def findings_for(data: dict[str, Any], profile: str = "national") -> list[Finding]:
    return check_form(form_from_data(copy.deepcopy(data), "test.json"), load_profile(profile))


def codes_at(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.code, f.field) for f in findings}


def clerks_form(data: dict[str, Any]) -> dict[str, Any]:
    """The form without the cells the workbook computes (执行率, 得分, 总分, 等级)."""
    data = copy.deepcopy(data)
    for key in ("执行率", "得分"):
        data.get("预算执行", {}).pop(key, None)
    data.pop("总分", None)
    data.pop("等级", None)
    return data


def close(a: Any, b: Any) -> bool:
    """Equal as a sheet shows them: blanks alike, numbers to 1e-9."""

    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, abs_tol=1e-9)


def parts(path: Any) -> dict[str, bytes]:
    """Every part of a workbook package, by name."""

    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def without_cached_values(xml: bytes) -> bytes:
    """A sheet part with its formula cells' cached values (and their types) left out."""
    text = xml.decode("utf-8")
    text = re.sub(r'(<c r="[A-Z]+\d+"[^>]*?)\s+t="(?:str|e|n|b)"(>(?:<f))', r"\1\2", text)
    return re.sub(r"(</f>|<f[^>]*/>)(?:<v>.*?</v>|<v\s*/>)", r"\1", text).encode("utf-8")


def same_but_cached_values(a: dict[str, bytes], b: dict[str, bytes]) -> bool:
    """Two packages' parts are equal but for the formula cells' cached values."""
    if sorted(a) != sorted(b):
        return False
    return all(
        without_cached_values(a[n]) == without_cached_values(b[n])
        if n.startswith("xl/worksheets/sheet")
        else a[n] == b[n]
        for n in a
    )


def engine_figures(form: Any) -> dict[str, Any]:
    """What the rule engine computes for the form's computed cells."""

    profile = load_profile()
    budget = BudgetReading(form, profile)
    total = recomputed_total(Context(form, profile))
    return {
        "预算执行.执行率": budget.rate,
        "预算执行.得分": budget.score,
        "总分.得分": total,
        "等级": compute.grade(total, profile.grades),
    }


def new_unit_workbook(
    path: Any, projects: int, unit: str = "石峰区工商业联合会", year: int = 2020
) -> None:

    args = [
        "new",
        "--type",
        "单位",
        "--unit",
        unit,
        "--year",
        str(year),
        "--projects",
        str(projects),
    ]
    assert main([*args, "-o", str(path)]) == 0


def computed_cells(form: Any, sheet: str | None = None) -> dict[str, Any]:
    """What the rule engine computes for every computed cell of the form's template sheet,
    by A1 address ("" where the rule's result is blank): 执行率, 执行率得分, each indicator
    row's 完成率 / 偏差率 / 参考得分, 总分 (分值, 得分), 等级; on the basic data table the
    在职人员控制率, each row's 控制率 and 变动率, each building's two ratios."""
    profile = load_profile()
    lay = form.sheet_layout
    out: dict[str, Any] = {}

    def put(address: str, value: Any) -> None:
        out[address] = "" if value is None else value

    if form.form_type == BASIC:
        staff = form.staff
        put(
            lay.cells["人员.控制率"].address,
            compute.staff_control_rate(
                number(staff.get("实际在职人数")), number(staff.get("编制数"))
            ),
        )
        for name, _parent in BASIC_ROWS:
            row = lay.cells[f"基础数据.{name}"].row
            data = form.row(name) or {}
            last, budget, final = (
                number(data.get(k)) for k in ("上年决算数", "本年预算数", "本年决算数")
            )
            put(f"E{row}", compute.control_rate(final, budget))
            put(f"F{row}", compute.change_rate(final, last))
        for k in range(1, 4):
            b = form.buildings[k - 1] if k <= len(form.buildings) else {}
            for field, pair in (
                ("规模控制率", ("实际规模", "批复规模")),
                ("投资概算控制率", ("实际投资", "预算投资")),
            ):
                put(
                    lay.cells[f"楼堂馆所[{k}].{field}"].address,
                    compute.control_rate(number(b.get(pair[0])), number(b.get(pair[1]))),
                )
        return out
    budget = BudgetReading(form, profile)
    put(lay.cells["预算执行.执行率"].address, budget.rate)
    put(lay.cells["预算执行.得分"].address, budget.score)
    cols = indicator_columns(form.layout, lay.width)
    by_index = {r.indicator.index: r for r in readings(form, profile)}
    for k in range(1, INDICATOR_ROWS + 1):
        row = lay.rows["绩效指标"] + k - 1
        r = by_index.get(k)
        put(f"{cols.completion}{row}", r.completion if r else None)
        put(f"{cols.deviation}{row}", r.deviation if r else None)
        put(f"{cols.reference}{row}", r.reference_score if r else None)
    points = [number(i.points) for i in form.indicators]
    budget_points = number(form.budget.points)
    if budget_points is None and "分值" not in form.data.get("预算执行", {}):
        budget_points = profile.budget_points  # the template's own 10
    if budget_points is None and not any(p is not None for p in points):
        put(lay.cells["总分.分值"].address, None)
    else:
        put(lay.cells["总分.分值"].address, (budget_points or 0) + sum(p or 0 for p in points))
    scores = [number(i.score) for i in form.indicators]
    if budget.score is None and not any(s is not None for s in scores):
        total = None
    else:
        total = compute.total_score(budget.score, scores)
    put(lay.cells["总分.得分"].address, total)
    put(lay.cells["等级"].address, compute.grade(total, profile.grades))
    return out


def deviation_flags(form: Any) -> set[int]:
    """The indicator rows whose deviation is beyond the profile's threshold (D01)."""
    profile = load_profile()
    return {
        r.indicator.index
        for r in readings(form, profile)
        if r.deviation is not None and abs(r.deviation) > profile.deviation_threshold + 1e-9
    }
