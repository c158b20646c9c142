"""Test helpers: the real submitted forms in examples/ (the repository's own copy)."""

from __future__ import annotations

import copy
import json
import math
import zipfile
from pathlib import Path
from typing import Any

from jixiao.cli import main
from jixiao.core import compute
from jixiao.core.assess import BudgetReading
from jixiao.core.findings import Finding
from jixiao.core.interchange import form_from_data
from jixiao.core.profile import load_profile
from jixiao.rules.arithmetic import recomputed_total
from jixiao.rules.base import Context
from jixiao.rules.engine import check_form

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
