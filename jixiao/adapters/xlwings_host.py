"""The live workbook in Excel, through xlwings: the thin host the button actions use.

Only Windows (and macOS) Excel can run this; on Linux xlwings cannot reach a workbook,
so the actions are tested against other hosts with the same methods.
"""

from __future__ import annotations

from typing import Any


class XlwingsHost:
    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> XlwingsHost:
        import xlwings as xw

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
# The same marks as the headless writer (jixiao.adapters.package_marks): a conditional
# format whose formula is MARKER, a note whose text starts "【级别 代码】", the 校验结果 sheet.

XL_EXPRESSION = 2  # XlFormatConditionType.xlExpression
COLOURS = {
    "错误": (0xCEC7FF, 0x06009C),
    "警告": (0x66D9FF, 0x0B3C83),
    "提示": (0xEED7BD, 0x794E1F),
}  # BGR


class XlwingsMarks:
    """Marks on the live workbook; methods mirror what macros.actions asks of a host."""

    def __init__(self, book: Any) -> None:
        self.book = book

    def save_copy(self, path: str) -> None:
        self.book.api.SaveCopyAs(path)

    def form_sheets(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _with_unprotected(self, sheet: str, action: Any) -> None:
        ws = self.book.sheets[sheet]
        was = bool(ws.api.ProtectContents)
        if was:
            ws.api.Unprotect()
        try:
            action(ws)
        finally:
            if was:
                XlwingsHost(self.book).protect(sheet)

    def clear(self, sheet: str, marker: str, note_pattern: Any) -> None:
        def run(ws: Any) -> None:
            used = ws.api.UsedRange
            conditions = used.FormatConditions
            for k in range(conditions.Count, 0, -1):
                fc = conditions.Item(k)
                if getattr(fc, "Formula1", "") == "=" + marker:
                    fc.Delete()
            for k in range(ws.api.Comments.Count, 0, -1):
                c = ws.api.Comments.Item(k)
                if note_pattern.match(c.Text()):
                    c.Delete()

        self._with_unprotected(sheet, run)

    def mark(
        self, sheet: str, cells: dict[str, list[str]], notes: dict[str, str], marker: str
    ) -> None:
        def run(ws: Any) -> None:
            for severity, addresses in cells.items():
                back, fore = COLOURS[severity]
                for k in range(0, len(addresses), 30):  # a Range address is at most 255 characters
                    fc = ws.range(",".join(addresses[k : k + 30])).api.FormatConditions.Add(
                        Type=XL_EXPRESSION, Formula1="=" + marker
                    )
                    fc.Interior.Color = back
                    fc.Font.Color = fore
            for address, text in notes.items():
                cell = ws.range(address).api
                if cell.Comment is None:  # the user's own note stays
                    cell.AddComment(text)

        self._with_unprotected(sheet, run)

    def write_results(
        self, rows: list[tuple[str, str, str, str, str]], summary: str, sheet: str
    ) -> None:
        names = [s.name for s in self.book.sheets]
        ws = (
            self.book.sheets[sheet]
            if sheet in names
            else self.book.sheets.add(sheet, after=self.book.sheets[-1])
        )
        ws.range("A2:E10000").clear_contents()
        ws.range("A1").value = "校验结果"
        ws.range("A2").value = summary
        ws.range("A3").value = [["级别", "代码", "工作表", "单元格", "说明"]]
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
