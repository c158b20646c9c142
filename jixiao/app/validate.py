"""校验 a workbook: read every form, run every check (and the X checks across its forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.errors import InputError
from jixiao.core.findings import Finding
from jixiao.core.form import Form
from jixiao.core.profile import BUILTIN, Profile, ProfileChoice, choose_profile
from jixiao.readers.workbook import BookContents, read_workbook_file
from jixiao.rules.engine import check_form, check_set, not_applied

# Said where a workbook was read by its values only (no file: xlwings Lite, macOS Excel).
WITHOUT_FORMULAS = (
    "本次按单元格显示的值读取（没有可读公式的文件）：Q08 只比较计算格显示的数与公式应得的数，"
    "分不出是公式还是手填的数"
)


@dataclass
class BookReport:
    source: str
    forms: list[Form]
    findings: list[Finding]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why)
    profile: ProfileChoice = field(default_factory=lambda: choose_profile(None))
    not_checked: list[str] = field(default_factory=list)  # checks that could not run, and why
    # The findings of each form, in the order of ``forms`` (``findings`` is their concatenation).
    by_form: list[list[Finding]] = field(default_factory=list)


def validate_workbook(
    path: Path,
    profile: str | Path | Profile | None = None,
    source: str | None = None,
    *,
    profile_source: str = "命令行 --profile",
) -> BookReport:
    """Read every form of the file and check it (see :func:`check_book`)."""
    source = source or str(path)
    return check_book(
        read_workbook_file(path, source), profile, source, profile_source=profile_source
    )


def check_book(
    book: BookContents,
    profile: str | Path | Profile | None,
    source: str,
    *,
    profile_source: str = "命令行 --profile",
) -> BookReport:
    """Check every form with the run's profile: ``profile`` when given, else the one the
    workbook's 设置 sheet names, else the one a form's own print names (a region's report
    number or title), else the default."""
    try:
        choice = choose_profile(
            profile, book.profile, explicit_source=profile_source, hint=book.profile_hint
        )
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
    not_checked = [] if book.with_formulas else [WITHOUT_FORMULAS]
    not_checked += book.notes  # rows past the limit were not read ("只读取了前 2000 行")
    not_checked += [note for form in forms for note in not_applied(form)]
    return BookReport(source, forms, findings, book.skipped, choice, not_checked, results)
