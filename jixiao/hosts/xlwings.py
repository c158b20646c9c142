"""The live workbook in Excel, through xlwings: the thin host the button actions use.

Only Windows (and macOS) Excel can run this; on Linux xlwings cannot reach a workbook,
so the actions are tested against other hosts with the same methods.
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from jixiao.app.marks import MARKER, note_is_ours, plan, result_rows
from jixiao.core.findings import summary_line
from jixiao.core.layout import RESULTS_SHEET
from jixiao.templates.results import HEADINGS, NOT_YET


class XlwingsHost:
    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> XlwingsHost:
        return cls(xw.Book.caller())

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def copy_sheet(self, source: str, new_name: str, after: str) -> None:
        self.book.sheets[source].copy(after=self.book.sheets[after], name=new_name)

    def clear_cells(self, sheet: str, addresses: list[str]) -> None:
        ws = self.book.sheets[sheet]
        for address in addresses:
            ws.range(address).clear_contents()

    def unprotect(self, sheet: str) -> None:
        self.book.sheets[sheet].api.Unprotect()

    def protect(self, sheet: str) -> None:
        # The same permissions the template gives: rows may be inserted, deleted, resized.
        self.book.sheets[sheet].api.Protect(
            DrawingObjects=False, AllowInsertingRows=True, AllowDeletingRows=True,
            AllowFormattingRows=True, AllowFormattingColumns=True,
        )  # fmt: skip

    def activate(self, sheet: str) -> None:
        self.book.sheets[sheet].activate()

    def message(self, text: str, title: str = "jixiao") -> None:
        self.book.app.alert(text, title=title)


# ---- 校验 marks in the live workbook ------------------------------------------------
# The same marks as the headless host (jixiao.hosts.package.PackageHost): a
# conditional format whose formula is MARKER, a note "【级别 代码】…", the 校验结果 sheet.

XL_EXPRESSION = 2  # XlFormatConditionType.xlExpression
COLOURS = {
    "错误": (0xCEC7FF, 0x06009C),
    "警告": (0x66D9FF, 0x0B3C83),
    "提示": (0xEED7BD, 0x794E1F),
}  # BGR


class XlwingsMarks:
    """jixiao.app.marks.MarksHost for the live workbook."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.source = str(book.fullname)

    def save_copy(self, path: str) -> None:
        self.book.api.SaveCopyAs(path)

    def clear_marks(self) -> None:
        for ws in self.book.sheets:
            if ws.name == RESULTS_SHEET:
                continue

            def run(ws: Any) -> None:
                conditions = ws.api.UsedRange.FormatConditions
                for k in range(conditions.Count, 0, -1):
                    fc = conditions.Item(k)
                    if getattr(fc, "Formula1", "") == "=" + MARKER:
                        fc.Delete()
                for k in range(ws.api.Comments.Count, 0, -1):
                    c = ws.api.Comments.Item(k)
                    if note_is_ours(c.Text()):
                        c.Delete()

            self._unprotected(ws, run)
        self._results([], NOT_YET)

    def write_marks(self, findings: list[Any]) -> None:
        self.clear_marks()
        for sheet, marks in plan(findings).items():

            def run(ws: Any, marks: Any = marks) -> None:
                for severity, addresses in marks.cells.items():
                    back, fore = COLOURS[str(severity)]
                    for k in range(
                        0, len(addresses), 30
                    ):  # a Range address is at most 255 characters
                        fc = ws.range(",".join(addresses[k : k + 30])).api.FormatConditions.Add(
                            Type=XL_EXPRESSION, Formula1="=" + MARKER
                        )
                        fc.Interior.Color = back
                        fc.Font.Color = fore
                for address, text in marks.notes.items():
                    cell = ws.range(address).api
                    if cell.Comment is None:  # the user's own note stays
                        cell.AddComment(text)

            self._unprotected(self.book.sheets[sheet], run)
        self._results(result_rows(findings), summary_line(findings))

    def _unprotected(self, ws: Any, action: Any) -> None:
        was = bool(ws.api.ProtectContents)
        if was:
            ws.api.Unprotect()
        try:
            action(ws)
        finally:
            if was:
                XlwingsHost(self.book).protect(ws.name)

    def _results(self, rows: list[tuple[str, str, str, str, str]], summary: str) -> None:
        names = [s.name for s in self.book.sheets]
        if RESULTS_SHEET in names:
            ws = self.book.sheets[RESULTS_SHEET]
        else:
            ws = self.book.sheets.add(RESULTS_SHEET, after=self.book.sheets[-1])
        ws.range("A2:E10000").clear_contents()
        ws.range("A1").value = RESULTS_SHEET
        ws.range("A2").value = summary
        ws.range("A3").value = [list(HEADINGS)]
        if rows:
            ws.range("A4").value = [list(r) for r in rows]
            for k, (_, _, target, address, _) in enumerate(rows, 4):
                if address:
                    location = "'" + target.replace("'", "''") + "'!" + address
                    ws.api.Hyperlinks.Add(
                        Anchor=ws.range(f"D{k}").api,
                        Address="",
                        SubAddress=location,
                        TextToDisplay=address,
                    )
