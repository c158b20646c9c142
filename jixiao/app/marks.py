"""The one 校验 path, for any host that can read the workbook and write marks into it.

Hosts: jixiao.hosts.package.PackageHost (headless: the .xlsx/.xlsm package on disk) and
jixiao.hosts.xlwings.LiveBook (the open workbook: Excel on Windows or macOS through
xlwings, xlwings Lite, or xlwings' remote engine in tests).

What 校验 adds, and how 清除标记 finds exactly that again:

- a colour mark on each cell with a finding: a conditional format whose formula is
  ``MARKER`` (an always-true expression), so the user's own cell formats are never
  touched;
- a note on each such cell that has no note yet, holding the cell's messages;
- the 校验结果 sheet, which lists every finding (级别, 代码, 工作表, 单元格, 说明).

清除标记 removes what the record of 校验 names, never what merely looks like ours (a
note by the author "jixiao 校验", a text starting "【错误 S05】"). The headless host keeps
an exact record of its edits inside the 校验结果 sheet it writes and undoes exactly them;
where that record is gone (the file was saved by Excel since, or an earlier version wrote
it) the rows of our 校验结果 sheet are the record: a rule with the MARKER formula goes only
where every cell it covers is a cell those rows list for its sheet, and each cell's note
text is rebuilt from them and a note removed only where it still reads exactly so. A file
without our 校验结果 sheet holds nothing of ours. A note or rule a user wrote (even with
our formula, elsewhere than on a listed cell), or ours after a user edited it, stays.

MARKER keeps the text every version wrote, so that files marked before stay clearable
(also by the Excel button, which finds its rules by this formula).
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from jixiao.app.validate import BookReport, check_book
from jixiao.core.findings import Finding, Severity
from jixiao.core.profile import Profile
from jixiao.readers.workbook import BookContents

MARKER = '"jixiao 校验标记"<>""'  # the always-true formula that identifies our colour marks
RESULT_COLUMNS = 5  # 级别, 代码, 工作表, 单元格, 说明

T = TypeVar("T")


class MarksHost(Protocol):
    source: str  # the workbook's name, for messages

    def read(self) -> BookContents:
        """Every form of the workbook as it is now."""

    async def clear_marks(self) -> None:
        """Remove exactly what write_marks added; the user's own notes and formats stay."""

    async def write_marks(
        self, findings: list[Finding], skipped: Sequence[tuple[str, str]] = ()
    ) -> None:
        """Replace the previous marks with these findings: colours, notes, 校验结果 (which
        also names the sheets not checked, ``skipped``: (sheet, why))."""


@dataclass
class SheetMarks:
    """What one sheet gets: cells by severity colour, and one note per cell."""

    cells: dict[Severity, list[str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


Row = tuple[str, str, str, str, str]  # 级别, 代码, 工作表, 单元格, 说明


def result_rows(findings: Iterable[Finding]) -> list[Row]:
    """The 校验结果 rows of these findings, in their order."""
    return [(str(f.severity), f.code, f.sheet, f.cell, f.message) for f in findings]


def plan(findings: Iterable[Finding] | Iterable[Row]) -> dict[str, SheetMarks]:
    """One note per cell with all its messages, coloured by the most severe.

    Takes findings, or the rows of a 校验结果 sheet (to find again what 校验 added).
    """
    rows = [r if isinstance(r, tuple) else result_rows([r])[0] for r in findings]
    by_cell: dict[tuple[str, str], list[tuple[Severity, str, str]]] = {}
    for severity, code, sheet, cell, message in rows:
        if sheet and cell and severity in Severity.__members__.values():
            by_cell.setdefault((sheet, cell), []).append((Severity(severity), code, message))
    out: dict[str, SheetMarks] = {}
    for (sheet, cell), found in by_cell.items():
        found.sort(key=lambda f: (f[0].order, f[1]))
        marks = out.setdefault(sheet, SheetMarks())
        marks.cells.setdefault(found[0][0], []).append(cell)
        marks.notes[cell] = "\n".join(f"【{s} {code}】{message}" for s, code, message in found)
    return out


def rows_of(values: Sequence[Sequence[object]]) -> list[Row]:
    """The finding rows of a 校验结果 sheet's values (its first three rows are headings)."""
    rows: list[Row] = []
    for line in list(values)[3:]:
        cells = ["" if v is None else str(v) for v in list(line)[:RESULT_COLUMNS]]
        cells += [""] * (RESULT_COLUMNS - len(cells))
        if any(cells):
            rows.append(tuple(cells))  # type: ignore[arg-type]
    return rows


async def validate(
    host: MarksHost, profile: str | Path | Profile | None = None, *, profile_source: str = "按钮"
) -> BookReport:
    """校验: check the workbook as it is, then mark the findings in it.

    The profile: ``profile`` when given, else the one the workbook's 设置 sheet names.
    """
    report = check_book(host.read(), profile, host.source, profile_source=profile_source)
    await host.write_marks(report.findings, report.skipped)
    return report


async def clear(host: MarksHost) -> None:
    """清除标记."""
    await host.clear_marks()


def run_now(step: Coroutine[Any, Any, T]) -> T:
    """Run the steps of a host that never waits (the headless PackageHost) to the end,
    without an event loop. ``asyncio.run`` would load asyncio (40 ms) and, ending in the
    main thread, turn the whole result into text (Python 3.11's ``signal`` formats the
    SIGINT handler it restores, the finished task in it). A step that waits is refused."""
    try:
        step.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    step.close()
    raise RuntimeError("run_now: this host waits for something; run its steps with asyncio.run")
