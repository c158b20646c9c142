"""校验 a workbook: read every form, run every check (and the X checks across its forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.errors import InputError
from jixiao.core.findings import Finding
from jixiao.core.form import Form
from jixiao.core.profile import BUILTIN, Profile, ProfileChoice, choose_profile
from jixiao.readers.workbook import read_forms
from jixiao.rules.engine import check_form, check_set


@dataclass
class BookReport:
    source: str
    forms: list[Form]
    findings: list[Finding]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why)
    profile: ProfileChoice = field(default_factory=lambda: choose_profile(None))


def validate_workbook(
    path: Path,
    profile: str | Path | Profile | None = None,
    source: str | None = None,
    *,
    profile_source: str = "命令行 --profile",
) -> BookReport:
    """Read every form and check it with the run's profile: ``profile`` when given, else
    the one the workbook's 设置 sheet names, else the default."""
    source = source or str(path)
    book = read_forms(path, source)
    try:
        choice = choose_profile(profile, book.profile, explicit_source=profile_source)
    except InputError as e:
        if profile is not None:
            raise
        raise InputError(
            f"「设置」表的地区配置“{book.profile}”无法识别：请选择 {'、'.join(BUILTIN)}"
            f"（{e.detail}）",
            file=source,
        ) from None
    forms, chosen = book.forms, choice.profile
    results = check_set(forms, chosen) if len(forms) > 1 else [check_form(forms[0], chosen)]
    findings = [f for found in results for f in found]
    return BookReport(source, forms, findings, book.skipped, choice)
