"""jixiao in xlwings Lite: 校验 and 清除标记 in Excel 365 (Windows, Mac, web) without macros.

Paste this file into xlwings Lite's main.py tab and the lines of requirements.txt into its
requirements.txt tab (README: 「在 Excel 365 中使用（xlwings Lite，无需宏）」). The scripts
call the same code as the workbook's buttons (jixiao.macros.actions over the live-workbook
host jixiao.hosts.xlwings.LiveBook); the worksheet functions are jixiao.udfs, the same
functions the desktop add-in registers.
"""

import xlwings as xw
from xlwings import script

from jixiao.hosts.xlwings import LiveBook
from jixiao.macros import actions
from jixiao.udfs import *  # noqa: F403  (the JX_ worksheet functions, registered by xlwings Lite)


@script(name="校验")
async def validate(book: xw.Book) -> None:
    """校验：检查各表，把问题标在单元格上，写入「校验结果」表。"""
    host = LiveBook(book)
    report = await actions.validate(host)
    host.message(actions.finished(report, host.problems))


@script(name="清除标记")
async def clear_marks(book: xw.Book) -> None:
    """清除标记：删除「校验」添加的标记、批注和「校验结果」表。"""
    host = LiveBook(book)
    await actions.clear_marks(host)
    if host.problems:
        host.message("\n".join(host.problems))
