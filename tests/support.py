"""Test helpers: the real submitted forms in ../shared/examples."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from jixiao.engine import check_form
from jixiao.findings import Finding
from jixiao.interchange import form_from_data
from jixiao.profile import load_profile

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"
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
    import math

    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, abs_tol=1e-9)
