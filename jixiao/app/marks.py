"""The one 校验 path, for any host that can copy the workbook and write marks into it.

Hosts: jixiao.hosts.package.PackageHost (headless, the .xlsx/.xlsm package) and
jixiao.hosts.xlwings.XlwingsMarks (the live workbook in Excel).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from jixiao.app.validate import BookReport, validate_workbook
from jixiao.core.findings import Finding, Severity
from jixiao.core.profile import Profile

MARKER = '"jixiao 校验标记"<>""'  # the always-true formula that identifies our colour marks


class MarksHost(Protocol):
    source: str  # the workbook's name, for messages

    def save_copy(self, path: str) -> None:
        """Save the workbook as it is now to ``path`` (an .xlsm)."""

    def clear_marks(self) -> None:
        """Remove exactly what write_marks added; the user's own notes and formats stay."""

    def write_marks(self, findings: list[Finding]) -> None:
        """Replace the previous marks with these findings: colours, notes, 校验结果."""


@dataclass
class SheetMarks:
    """What one sheet gets: cells by severity colour, and one note per cell."""

    cells: dict[Severity, list[str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def plan(findings: list[Finding]) -> dict[str, SheetMarks]:
    """One note per cell with all its messages, coloured by the most severe."""
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.sheet and f.cell:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    out: dict[str, SheetMarks] = {}
    for (sheet, cell), found in by_cell.items():
        found.sort(key=lambda f: (f.severity.order, f.code))
        marks = out.setdefault(sheet, SheetMarks())
        marks.cells.setdefault(found[0].severity, []).append(cell)
        marks.notes[cell] = "\n".join(f"【{f.severity} {f.code}】{f.message}" for f in found)
    return out


NOTE_TEXT = re.compile(r"^【(错误|警告|提示) [WSDQX]\d\d】")


def note_is_ours(text: str) -> bool:
    """Notes 校验 wrote start "【级别 代码】"; in Excel they carry the user's name as author."""
    return bool(NOTE_TEXT.match(text))


def result_rows(findings: list[Finding]) -> list[tuple[str, str, str, str, str]]:
    return [(str(f.severity), f.code, f.sheet, f.cell, f.message) for f in findings]


def validate(
    host: MarksHost, profile: str | Path | Profile | None = None, *, profile_source: str = "按钮"
) -> BookReport:
    """校验: check a copy of the workbook as it is, then mark the findings in it.

    The profile: ``profile`` when given, else the one the workbook's 设置 sheet names.
    """
    with tempfile.TemporaryDirectory(prefix="jixiao-") as tmp:
        copy = Path(tmp) / "校验副本.xlsm"
        host.save_copy(str(copy))
        report = validate_workbook(copy, profile, host.source, profile_source=profile_source)
    host.write_marks(report.findings)
    return report


def clear(host: MarksHost) -> None:
    """清除标记."""
    host.clear_marks()
