"""Entry points of the workbook buttons. The VBA calls them with this fixed path:

    RunPython "import jixiao.macros.buttons as b; b.validate()"

so a renamed workbook file keeps working. Each is a thin call into macros.actions
with the live workbook as host.
"""

from __future__ import annotations

from jixiao.adapters.xlwings_host import XlwingsHost

from . import actions

NOT_YET = "本版本的 jixiao 还不能在 Excel 中{what}。请在命令行使用 jixiao check 校验导出的表单（见 README）。"


def validate() -> None:
    """校验: check every form sheet and write the findings into the cells."""
    XlwingsHost.caller().message(NOT_YET.format(what="校验工作簿"))


def clear_marks() -> None:
    """清除标记: remove exactly what 校验 added."""
    XlwingsHost.caller().message(NOT_YET.format(what="清除校验标记"))


def add_project() -> None:
    """新增项目: add an empty project sheet after the last one."""
    actions.add_project(XlwingsHost.caller())
