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
