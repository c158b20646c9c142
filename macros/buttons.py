"""Entry points of the workbook buttons. The VBA calls them with this fixed path:

    RunPython "import jixiao.macros.buttons as b; b.validate()"

so a renamed workbook file keeps working. Each is a thin call into macros.actions
with the live workbook as host.
"""

from __future__ import annotations

from jixiao.core.errors import InputError
from jixiao.core.layout import RESULTS_SHEET
from jixiao.hosts.xlwings import XlwingsHost, XlwingsMarks
from jixiao.macros import actions


def validate() -> None:
    """校验: check every form sheet and write the findings into the cells."""
    host = XlwingsHost.caller()
    try:
        findings = actions.validate(XlwingsMarks(host.book))
    except InputError as e:
        host.message(str(e))
        return
    host.activate(RESULTS_SHEET)
    errors = sum(1 for f in findings if str(f.severity) == "错误")
    host.message(
        f"校验完成：{len(findings)} 条问题，其中错误 {errors} 条。详见「校验结果」表和各单元格的批注。"
    )


def clear_marks() -> None:
    """清除标记: remove exactly what 校验 added."""
    actions.clear_marks(XlwingsMarks(XlwingsHost.caller().book))


def add_project() -> None:
    """新增项目: add an empty project sheet after the last one."""
    actions.add_project(XlwingsHost.caller())
