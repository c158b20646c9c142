"""Entry points of the workbook buttons. The VBA calls them with this fixed path:

    RunPython "import jixiao.macros.buttons as b; b.validate()"

so a renamed workbook file keeps working. Each takes an optional xlwings ``Book`` (None:
the workbook whose button was clicked), so any engine's Book can be driven — Excel's, or
xlwings' remote engine in the tests — and is a thin call into ``macros.actions``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jixiao.core.errors import InputError
from jixiao.hosts.xlwings import LiveBook, caller
from jixiao.macros import actions


def validate(book: Any = None, profile: str | None = None) -> None:
    """校验: check every form sheet and write the findings into the cells."""
    host = LiveBook(book if book is not None else caller())
    try:
        report = asyncio.run(actions.validate(host, profile))
    except InputError as e:
        host.message(str(e))
        return
    host.message(actions.finished(report, host.problems))


def clear_marks(book: Any = None) -> None:
    """清除标记: remove exactly what 校验 added."""
    host = LiveBook(book if book is not None else caller())
    asyncio.run(actions.clear_marks(host))
    if host.problems:
        host.message("\n".join(host.problems))


def add_project(book: Any = None) -> None:
    """新增项目: add an empty project sheet after the last one."""
    host = LiveBook(book if book is not None else caller())
    actions.add_project(host)
    if host.problems:
        host.message("\n".join(host.problems))
