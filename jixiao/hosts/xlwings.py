"""The open workbook as a host of 校验, through xlwings' own high-level API.

One host for every engine xlwings implements that API on: Excel on Windows (COM), Excel
on macOS (AppleScript), and its Office.js engine (xlwings Lite; xlwings' remote engine,
which the tests drive). Marks are conditional formats (``add_custom``) and notes
(``add_note``); the 校验结果 sheet is written with ``sheets.add``, values, fonts, fills,
column widths, ``freeze_panes``, an autofilter and ``add_hyperlink``.

Where the engine cannot read something synchronously (Office.js: a note's text, the
conditional formats of a range) the host awaits xlwings' on-demand reads
(``note.get_text()``, ``range.get_conditional_formats()``); so 校验 and 清除标记 are
coroutines, run with ``asyncio.run`` by the desktop buttons and awaited by xlwings Lite.

``.api`` (the engine's own objects) is used only where xlwings has no high-level form, and
only in desktop Excel on Windows: saving a copy of the workbook (``SaveCopyAs``) so the
headless reader sees formulas and merges, and lifting a sheet's protection while marks
are written (its ``Allow…`` flags are read first and given back). Elsewhere the workbook
is read by its values and defined names, and a protected sheet that refuses a mark is
said in Chinese instead of failing.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlwings as xw

from jixiao.app.marks import MARKER, plan, rows_of
from jixiao.core.errors import InputError
from jixiao.core.findings import Finding, Severity
from jixiao.core.layout import RESULTS_SHEET, RESULTS_SHEET_FALLBACK
from jixiao.core.values import EXCEL_ERRORS
from jixiao.formats.grid import BookGrid, SheetGrid, bounds_of
from jixiao.readers.workbook import BookContents, read_forms, read_workbook_file
from jixiao.templates.results import (
    CREATED_CELL,
    CREATED_NOTE,
    FILL,
    FONT,
    HEADER_FILL,
    HEADER_ROW,
    HEADINGS,
    Report,
    is_results_values,
    location,
    report,
    was_created,
)

# Excel's sheet protection options (Worksheet.Protect), read back from the sheet before
# lifting it and given back afterwards; the first three are properties of the sheet, the
# Allow… ones of its Protection object.
SHEET_FLAGS = {
    "DrawingObjects": "ProtectDrawingObjects",
    "Contents": "ProtectContents",
    "Scenarios": "ProtectScenarios",
}
ALLOW_FLAGS = (
    "AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows",
    "AllowInsertingColumns", "AllowInsertingRows", "AllowInsertingHyperlinks",
    "AllowDeletingColumns", "AllowDeletingRows", "AllowSorting", "AllowFiltering",
    "AllowUsingPivotTables",
)  # fmt: skip
# The template's own protection (templates.builder.protect), given to a new project sheet.
TEMPLATE_PROTECTION = {
    "DrawingObjects": False, "Contents": True, "Scenarios": True,
    "AllowFormattingColumns": True, "AllowFormattingRows": True,
    "AllowInsertingRows": True, "AllowDeletingRows": True,
}  # fmt: skip


# Said when Excel cannot save the copy 校验 reads (disk full, a path Excel refuses).
COPY_FAILED = (
    "Excel 未能把工作簿另存一份临时副本供校验读取：请先保存工作簿（文件 → 保存），"
    "确认磁盘有剩余空间后再点「校验」"
)


def _hex(rgb: str) -> str:
    return "#" + rgb


def as_user_book(e: InputError, copy: Path, source: str) -> InputError:
    """The message about the temporary copy 校验 read, naming the user's workbook instead:
    the file, and any mention of the copy (its path, its folder, its name) in the text."""
    names = (str(copy), str(copy.parent), copy.name)

    def mine(text: str | None) -> str | None:
        if text is None:
            return None
        for name in names:
            text = text.replace(name, source)
        return text

    return InputError(mine(e.detail) or "", file=source, where=mine(e.where))


@dataclass
class LiveBook:
    """jixiao.app.marks.MarksHost (and the 新增项目 host) for an open xlwings Book."""

    book: Any  # xlwings.Book
    problems: list[str] = field(default_factory=list)  # what could not be done, in Chinese

    @property
    def source(self) -> str:
        try:
            return str(self.book.fullname)
        except Exception:  # the remote engine knows only the name
            return str(self.book.name)

    @property
    def desktop_windows(self) -> bool:
        """Excel on Windows, where ``.api`` is COM and SaveCopyAs exists."""
        return sys.platform == "win32" and _engine(self.book) == "excel"

    # ---- reading -------------------------------------------------------------------------

    def read(self) -> BookContents:
        if self.desktop_windows:
            with tempfile.TemporaryDirectory(prefix="jixiao-") as tmp:
                copy = Path(tmp) / ("校验副本" + (Path(self.book.name).suffix or ".xlsm"))
                try:
                    self.book.api.SaveCopyAs(str(copy))
                except Exception:  # Excel's own error names the copy, not the user's book
                    raise InputError(COPY_FAILED, file=self.source) from None
                if not copy.is_file():
                    raise InputError(COPY_FAILED, file=self.source)
                try:
                    return read_workbook_file(copy, self.source)
                except InputError as e:
                    raise as_user_book(e, copy, self.source) from None
        return read_forms(book_grid(self.book))

    # ---- 校验 and 清除标记 -------------------------------------------------------------------

    async def write_marks(
        self, findings: list[Finding], skipped: Sequence[tuple[str, str]] = ()
    ) -> None:
        results, created = await self._remove_marks()
        for sheet, marks in plan(findings).items():
            if sheet not in self.sheet_names():
                continue
            ws = self.book.sheets[sheet]

            def mark(ws: Any = ws, marks: Any = marks) -> None:
                for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
                    for cell in marks.cells.get(severity, []):
                        ws[cell].conditional_formats.add_custom(
                            "=" + MARKER, fill_color=_hex(FILL[severity]),
                            font_color=_hex(FONT[severity]),
                        )  # fmt: skip
                for cell, text in marks.notes.items():
                    if _note(ws, cell) is None:  # a cell with the user's own note keeps it
                        ws[cell].add_note(text)

            self._on_sheet(ws, mark)
        rep = report(findings, created=created or results is None, skipped=skipped)
        self._write_report(rep, results)

    async def clear_marks(self) -> None:
        results, created = await self._remove_marks()
        if results is None:
            return
        if created:
            results.delete()
        else:
            self._write_report(report(None), results)  # the template's sheet, empty again

    async def _remove_marks(self) -> tuple[Any | None, bool]:
        """Remove the colour marks and notes 校验 added; the 校验结果 sheet (ours) and
        whether 校验 had added it."""
        results = self._results_sheet()
        values = _values(results) if results is not None else []
        recorded = plan(rows_of(values)) if values else {}
        for ws in self.book.sheets:
            if results is not None and ws.name == results.name:
                continue
            ours = recorded.get(ws.name)
            # A rule with our formula is ours only where our 校验结果 lists this sheet: a user's
            # own rule written the same way on any other sheet stays (issue 13, item 15).
            mine = (
                [r for r in await _rules(ws.used_range) if _formula(r) == "=" + MARKER]
                if ours is not None
                else []
            )
            notes: list[Any] = []
            if ours is not None:
                for cell, text in ours.notes.items():
                    note = _note(ws, cell)
                    if note is not None and _same_text(await _note_text(note), text):
                        notes.append(note)
            if not mine and not notes:
                continue

            def remove(ws: Any, mine: list[Any] = mine, notes: list[Any] = notes) -> None:
                for rule in mine:
                    rule.delete()
                for note in notes:
                    note.delete()

            self._on_sheet(ws, remove)
        return results, was_created(values)

    # ---- the 校验结果 sheet ------------------------------------------------------------------

    def _results_sheet(self) -> Any | None:
        for name in (RESULTS_SHEET, RESULTS_SHEET_FALLBACK):
            if name in self.sheet_names():
                ws = self.book.sheets[name]
                if is_results_values(_values(ws)):
                    return ws
        return None

    def _write_report(self, rep: Report, ws: Any | None) -> None:
        if ws is None:
            name = (
                RESULTS_SHEET if RESULTS_SHEET not in self.sheet_names() else RESULTS_SHEET_FALLBACK
            )
            ws = self.book.sheets.add(name, after=self.book.sheets[len(self.book.sheets) - 1])
            rep.created = True
        else:
            ws.used_range.clear()
        ws["A1"].value = RESULTS_SHEET
        if rep.created:
            ws[CREATED_CELL].value = CREATED_NOTE
        ws["A2"].value = rep.summary
        ws[f"A{HEADER_ROW}"].value = [list(HEADINGS)]
        if rep.rows:
            ws[f"A{HEADER_ROW + 1}"].value = [list(r) for r in rep.rows]
        _try(lambda: _style(ws, rep))
        for k, row in enumerate(rep.rows, HEADER_ROW + 1):
            if row[3]:
                ws[f"D{k}"].add_hyperlink(
                    "#" + location(row[2], row[3]), text_to_display=row[3],
                    screen_tip=f"跳到 {row[2]}!{row[3]}",
                )  # fmt: skip

    # ---- sheets, protection, messages ----------------------------------------------------

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _on_sheet(self, ws: Any, action: Any) -> None:
        """Run ``action(ws)``; on desktop Excel for Windows a protected sheet is unprotected
        for it and protected again with the same options. Elsewhere a sheet that refuses is
        said in Chinese (see ``problems``)."""
        if self.desktop_windows:
            flags = protection(ws.api)
            if flags is not None:
                try:
                    ws.api.Unprotect()
                except Exception:
                    self.problems.append(
                        f"工作表“{ws.name}”设了保护密码，未能写入标记：请先撤销工作表保护（审阅 → 撤销工作表保护）再点「校验」"
                    )
                    return
                try:
                    action(ws)
                finally:
                    ws.api.Protect(**flags)
                return
        try:
            action(ws)
        except Exception:
            self.problems.append(
                f"工作表“{ws.name}”未能写入标记：若该表受保护，请先撤销工作表保护再点「校验」"
            )

    def copy_sheet(self, source: str, new_name: str, after: str) -> None:
        self.book.sheets[source].copy(after=self.book.sheets[after], name=new_name)

    def clear_cells(self, sheet: str, addresses: list[str]) -> None:
        ws = self.book.sheets[sheet]
        for address in addresses:
            ws[address].clear_contents()

    def unprotect(self, sheet: str) -> None:
        if self.desktop_windows and protection(self.book.sheets[sheet].api) is not None:
            self.book.sheets[sheet].api.Unprotect()

    def protect(self, sheet: str) -> None:
        if self.desktop_windows:
            self.book.sheets[sheet].api.Protect(**TEMPLATE_PROTECTION)
        else:
            self.problems.append(
                f"新工作表“{sheet}”没有设置工作表保护（此版本的 Excel 不能由 jixiao 设置保护）："
                "如需保护公式，请在「审阅」中点「保护工作表」"
            )

    def activate(self, sheet: str) -> None:
        self.book.sheets[sheet].activate()

    def message(self, text: str, title: str = "jixiao 绩效自评") -> None:
        self.book.app.alert(text, title=title)


# ---- Excel's object model, where xlwings has no high-level form ---------------------------


def protection(sheet_api: Any) -> dict[str, bool] | None:
    """The options a protected sheet was protected with (Worksheet.Protect's arguments),
    or None when the sheet is not protected."""
    if not sheet_api.ProtectContents:
        return None
    flags = {arg: bool(getattr(sheet_api, prop)) for arg, prop in SHEET_FLAGS.items()}
    allow = sheet_api.Protection
    flags.update({name: bool(getattr(allow, name)) for name in ALLOW_FLAGS})
    return flags


def _engine(book: Any) -> str:
    try:
        return str(book.app.engine.name)
    except Exception:
        return ""


# ---- reading a Book by its values -----------------------------------------------------------


def book_grid(book: Any) -> BookGrid:
    """The workbook as its values and defined names (no file: xlwings Lite, macOS Excel)."""
    grid = BookGrid(str(book.name), with_formulas=False)
    for ws in book.sheets:
        sheet = SheetGrid(ws.name, formulas=None, visible=_visible(ws))
        for r, row in enumerate(_values(ws, errors=True), 1):
            for c, value in enumerate(row, 1):
                if value is None or value == "":
                    continue
                if isinstance(value, str) and value in EXCEL_ERRORS:
                    sheet.errors.add((r, c))
                sheet.values[(r, c)] = _number(value)
        grid.sheets.append(sheet)
    for name in book.names:
        target = _name_target(name)
        if target is None:
            continue
        scope, sheet_name, bounds = target
        if scope is None:
            grid.names[name.name] = (sheet_name, bounds)
        elif scope in grid:
            grid[scope].names[name.name.split("!", 1)[-1]] = bounds
    return grid


def _name_target(name: Any) -> tuple[str | None, str, Any] | None:
    """(scope sheet or None for the workbook, target sheet, bounds) of a defined name."""
    try:
        rng = name.refers_to_range
        bounds = bounds_of(rng.address)
    except Exception:  # a constant, several areas or #REF!: no cells to read
        return None
    if bounds is None:
        return None
    label = str(name.name)
    scope = label.split("!", 1)[0].strip("'").replace("''", "'") if "!" in label else None
    return scope, rng.sheet.name, bounds


def _values(ws: Any, errors: bool = False) -> list[list[Any]]:
    """A sheet's values from A1 to the end of its used range, row by row."""
    rng = ws.used_range
    last = rng.last_cell
    block = ws.range((1, 1), (last.row, last.column)).options(ndim=2, err_to_str=errors)
    return [list(row) for row in block.value or []]


def _visible(ws: Any) -> bool:
    try:
        return bool(ws.visible)
    except Exception:
        return True


def _number(value: Any) -> Any:
    """Excel hands every number over as a float: 12.0 is the 12 the clerk typed."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _note(ws: Any, cell: str) -> Any | None:
    """The note on a cell, or None."""
    try:
        return ws[cell].note
    except NotImplementedError:
        return None  # an engine without notes (Excel API before 1.18)


async def _rules(rng: Any) -> list[Any]:
    """The conditional formats on a range: read at once on the desktop, on demand in Lite."""
    try:
        return list(rng.conditional_formats)
    except NotImplementedError:
        return list(await rng.get_conditional_formats())


def _formula(rule: Any) -> str:
    try:
        return str(rule.formula or "")
    except Exception:  # a rule type without a formula (data bars, colour scales)
        return ""


async def _note_text(note: Any) -> str:
    try:
        return str(note.text or "")
    except NotImplementedError:
        return str(await note.get_text() or "")


def _same_text(shown: str, ours: str) -> bool:
    return shown.replace("\r\n", "\n").replace("\r", "\n") == ours


def _style(ws: Any, rep: Report) -> None:
    """The report's looks: title and summary, header row, severity colours, widths, wrap,
    frozen header and an autofilter."""
    ws["A1"].font.bold = True
    ws["A1"].font.size = 14
    ws["A2"].font.bold = True
    header = ws[f"A{HEADER_ROW}:E{HEADER_ROW}"]
    header.font.bold = True
    header.color = _hex(HEADER_FILL)
    for k, width in enumerate(rep.widths):
        ws[f"{'ABCDE'[k]}1"].column_width = width
    if rep.rows:
        ws[f"E{HEADER_ROW + 1}:E{rep.last_row}"].wrap_text = True
        for k, (row, height) in enumerate(zip(rep.rows, rep.row_heights(), strict=True), 4):
            severity = Severity(row[0])
            line = ws[f"A{k}:E{k}"]
            line.color = _hex(FILL[severity])
            line.font.color = _hex(FONT[severity])
            line.row_height = height
        ws.freeze_panes.freeze_at(f"1:{HEADER_ROW}")
        severities = sorted({r[0] for r in rep.rows})
        ws[f"A{HEADER_ROW}:E{rep.last_row}"].autofilter.apply_values(1, severities)


def _try(step: Any) -> None:
    """Looks are not worth failing for: an engine without one of them shows the plain sheet."""
    try:
        step()
    except (NotImplementedError, AttributeError):
        pass


def caller() -> Any:
    """The workbook whose button was clicked (xlwings' RunPython)."""
    try:
        return xw.Book.caller()
    except Exception:
        raise InputError("找不到调用按钮的工作簿：请从工作簿中的按钮运行") from None
