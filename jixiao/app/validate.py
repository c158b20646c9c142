"""校验 a workbook: read every form, run every check (and the X checks across its forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.findings import Finding
from jixiao.core.form import Form
from jixiao.core.profile import Profile, load_profile
from jixiao.readers.workbook import read_forms
from jixiao.rules.engine import check_form, check_set


@dataclass
class BookReport:
    source: str
    forms: list[Form]
    findings: list[Finding]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why)


def validate_workbook(
    path: Path, profile: Profile | None = None, source: str | None = None
) -> BookReport:
    profile = profile or load_profile()
    forms, skipped = read_forms(path, source)
    results = check_set(forms, profile) if len(forms) > 1 else [check_form(forms[0], profile)]
    findings = [f for found in results for f in found]
    return BookReport(source or str(path), forms, findings, skipped)
