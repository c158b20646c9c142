"""What the workbook buttons do, written against a small host interface.

The host is the open workbook (jixiao.hosts.xlwings.LiveBook) in Excel or xlwings Lite;
tests drive the same actions through xlwings' remote engine and through stand-in hosts.
"""

from __future__ import annotations

import re
from typing import Protocol

from jixiao.app import marks
from jixiao.app.marks import MarksHost
from jixiao.app.validate import BookReport
from jixiao.core.findings import Severity
from jixiao.core.layout import NATIONAL, PROJECT, RESULTS_SHEET, is_computed, sheet_layout

PROJECT_SHEET = re.compile(r"^项目(\d+)$")
# Cells a new project sheet keeps from the sheet it copies: the standard fund-source
# names and the budget block's points are part of the form, not the clerk's entries.
KEPT = re.compile(r"^预算执行\.资金来源\[\d+\]\.名称$|^预算执行\.分值$")


class Host(Protocol):
    def sheet_names(self) -> list[str]: ...
    def copy_sheet(self, source: str, new_name: str, after: str) -> None: ...
    def clear_cells(self, sheet: str, addresses: list[str]) -> None: ...
    def unprotect(self, sheet: str) -> None: ...
    def protect(self, sheet: str) -> None: ...
    def activate(self, sheet: str) -> None: ...
    def message(self, text: str, title: str = "jixiao") -> None: ...


def project_input_cells() -> list[str]:
    """The clerk's entries on a project sheet, which a new project starts without."""
    lay = sheet_layout(PROJECT, NATIONAL)
    return sorted(
        {
            c.address
            for path, c in lay.cells.items()
            if not (is_computed(path) or KEPT.search(path))
        },
        key=lambda a: (int(re.sub(r"\D", "", a)), a),
    )


def add_project(host: Host) -> str:
    """Copy the last 项目N sheet as 项目N+1, emptied of the clerk's entries."""
    names = host.sheet_names()
    projects = sorted(
        ((int(m.group(1)), n) for n in names if (m := PROJECT_SHEET.match(n))), key=lambda p: p[0]
    )
    if not projects:
        host.message(
            "本工作簿没有“项目1”这样的项目表，无法新增项目。请使用 jixiao 的部门绩效自评工作簿模板。"
        )
        return ""
    number, last = projects[-1]
    new = f"项目{number + 1}"
    while new in names:
        number += 1
        new = f"项目{number + 1}"
    host.copy_sheet(last, new, after=last)
    host.unprotect(new)
    try:
        host.clear_cells(new, project_input_cells())
    finally:
        host.protect(new)
    host.activate(new)
    return new


# ---- 校验 and 清除标记 -------------------------------------------------------------------
# The one path of jixiao.app.marks; the host is the live workbook (hosts.xlwings.LiveBook).


async def validate(host: MarksHost, profile: str | None = None) -> BookReport:
    """校验 with ``profile`` when given, else the profile the workbook's 设置 sheet names."""
    return await marks.validate(host, profile, profile_source="按钮")


async def clear_marks(host: MarksHost) -> None:
    await marks.clear(host)


def finished(report: BookReport, problems: list[str]) -> str:
    """What the clerk reads when 校验 is done."""
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    lines = [
        f"校验完成：{len(report.findings)} 条问题，其中错误 {errors} 条。"
        f"详见「{RESULTS_SHEET}」表和各单元格的批注。",
        f"地区配置：{report.profile.description}。",
        *(f"（跳过工作表“{sheet}”：{why}）" for sheet, why in report.skipped),
        *report.not_checked,
        *problems,
    ]
    return "\n".join(lines)
