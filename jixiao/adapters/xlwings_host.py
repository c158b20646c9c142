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
