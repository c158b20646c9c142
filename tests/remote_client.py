"""A simulated Office.js client for xlwings' remote engine, for tests.

xlwings' remote engine (``xw.Book(json=payload)``) does not touch a workbook: it reads the
payload that the Office.js client (xlwings Lite inside Excel) sent, and records every change
as an action in ``book.json()["actions"]``, which the client then applies in Excel. On Linux
there is no client, so this module plays its part against an in-memory workbook:

``ClientBook``
    The workbook as Excel holds it: cell values, notes with their text, conditional-format
    rules, hyperlinks, formatting set by actions, sheets (order, visibility), defined names.
    ``from_file`` reads it from an .xlsx/.xlsm the way Excel would show it after opening;
    ``payload`` builds the JSON the client sends; ``apply`` applies recorded actions.

``ClientBook.serving_reads(book)``
    xlwings Lite also answers on-demand reads (``await rng.get_conditional_formats()``,
    ``await note.get_text()``). They refuse to run unless ``sys.platform == "emscripten"``
    and talk to the client through Pyodide's ``js`` module. While the context is active,
    only that transport is replaced, so the engine's own code runs unchanged:

    * ``xlwings.pro._xlremote.sys`` (that module's view of ``sys``, nothing else) reports
      ``platform == "emscripten"``;
    * ``sys.modules`` holds a fake ``js`` module whose ``js.xlwings`` answers the client calls
      from this state, and a fake ``pyodide`` / ``pyodide.ffi`` (``to_js``, ``JsNull``).
      ``to_js`` JSON-round-trips its argument, like crossing into JavaScript.

    The engine's ``client_read`` flushes queued actions before each read by calling
    ``Book.flush()``, which hands them to ``js.xlwings.runActions`` and replaces the queue
    with an empty list. The fake ``runActions`` applies them to this state, so a read sees
    the script's earlier writes and the final ``apply`` only gets what was queued after the
    last flush. (``flush`` assigns a new list to ``book.json()["actions"]``: take it after
    the script, a list fetched before a flush still holds the flushed actions.) Reads are
    answered from this ClientBook whichever remote Book asks. Everything is undone on exit.

    Client reads answered: ``runActions``, ``getRangeData`` (key ``conditional_formats``
    only), ``getNoteText``, ``getNoteAuthor``, ``getBookData`` (the current payload, so
    ``await book.load()`` works). Any other read raises ``AssertionError``.

What ``apply`` simulates, and what it does not, is documented on ``ClientBook.apply``.

Licence: the remote engine is xlwings PRO code and only registers when a licence key is set
before xlwings is imported. Other test modules (and conftest, through ``jixiao.udfs``) import
xlwings first, so importing this module sets ``XLWINGS_LICENSE_KEY=noncommercial`` if it is
unset, imports ``xlwings.pro._xlremote`` (the licence check in ``xlwings.pro`` runs again then
and passes) and registers its engine as ``xw.engines["remote"]`` if xlwings' own import could
not. The key stays set for the rest of the process.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import importlib
import inspect
import json
import os
import re
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import xlwings as xw
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet
from xlwings.main import Engine

LICENSE_KEY = "noncommercial"


def remote_engine_module() -> types.ModuleType:
    """``xlwings.pro._xlremote``, with its engine registered as ``xw.engines["remote"]``."""

    os.environ.setdefault("XLWINGS_LICENSE_KEY", LICENSE_KEY)
    module = importlib.import_module("xlwings.pro._xlremote")
    if "remote" not in xw.engines.engines_by_name:
        xw.engines.add(Engine(impl=module.engine))
    return module


_xlremote = remote_engine_module()

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
# A formatting action on more cells than this is recorded under the range's address
# instead of cell by cell (whole columns, whole rows).
CELL_LIMIT = 10_000
# What Excel does with the value of a date cell: days since 1899-12-30.
EXCEL_EPOCH = dt.datetime(1899, 12, 30)

RANGE_KEY = re.compile(r"[A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?")

Rect = tuple[int, int, int, int]  # first row, first column, last row, last column (1-based)


class ClientError(Exception):
    """An action Excel itself would refuse (Office.js would throw, the batch fails)."""


# ---- addresses ------------------------------------------------------------------------


def a1(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


def rect_of(address: str) -> Rect:
    """The rectangle of an A1 address ("$B$2", "A1:C3", "A:A", "3:3", "Sheet!A1")."""

    text = address.rsplit("!", 1)[-1].replace("$", "").upper()
    min_col, min_row, max_col, max_row = range_boundaries(text)
    return (min_row or 1, min_col or 1, max_row or MAX_ROWS, max_col or MAX_COLUMNS)


def address_of(rect: Rect) -> str:
    """ "B2" for one cell, "A1:C3" otherwise (no $)."""

    r1, c1, r2, c2 = rect
    return a1(r1, c1) if (r1, c1) == (r2, c2) else f"{a1(r1, c1)}:{a1(r2, c2)}"


def cell_key(address: str) -> str:
    """A single cell's key: "$b$12" -> "B12"."""

    r1, c1, r2, c2 = rect_of(address)
    if (r1, c1) != (r2, c2):
        raise AssertionError(f"not a single cell: {address!r}")
    return a1(r1, c1)


def intersects(a: Rect, b: Rect) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def inside(cell: tuple[int, int], rect: Rect) -> bool:
    return rect[0] <= cell[0] <= rect[2] and rect[1] <= cell[1] <= rect[3]


def action_rect(action: dict[str, Any]) -> Rect:
    row, column = action["start_row"] + 1, action["start_column"] + 1
    return (row, column, row + action["row_count"] - 1, column + action["column_count"] - 1)


def sheet_prefix(name: str) -> str:
    """A sheet name as formulas write it: quoted when it holds more than letters/digits/_."""

    if re.fullmatch(r"[^\W\d][\w.]*", name):
        return name
    return "'" + name.replace("'", "''") + "'"


SINGLE_RANGE = re.compile(
    r"=(?:'((?:[^']|'')+)'|([^'!\[\]():,=+*/^&<>\"%{}\s-]+))!"
    r"(\$?[A-Za-z]{1,3}\$?[1-9][0-9]*(?::\$?[A-Za-z]{1,3}\$?[1-9][0-9]*)?"
    r"|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?[1-9][0-9]*:\$?[1-9][0-9]*)"
)


def split_reference(refers_to: str) -> tuple[str, str] | None:
    """("指标", "B2:B4") for "=指标!$B$2:$B$4"; None unless it is one range on one sheet."""

    match = SINGLE_RANGE.fullmatch(refers_to)
    if match is None:
        return None
    sheet = (match[1] or match[2]).replace("''", "'")
    return sheet, match[3].replace("$", "").upper()


# ---- values and colours -------------------------------------------------------------

NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
DATE = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?Z?)?"
)


def js_number(number: float) -> int | float:
    """A number as it arrives from Office.js: JSON from JavaScript writes integral numbers
    below 1e21 without a fraction, so Python reads them as int (2.0 -> 2)."""

    if number.is_integer() and abs(number) < 1e21:
        return int(Decimal(repr(number)))  # the shortest digits, as JavaScript prints them
    return number


def typed_number(text: str) -> int | float:
    """A number typed as text: Excel keeps 15 significant digits."""

    return js_number(float(f"{float(text):.15g}"))


def typed_value(value: Any, number_format: str | None = None) -> Any:
    """What a cell holds after Office.js ``range.values = [[value]]``: Excel parses strings
    the way it parses typing. None means empty.

    Simulated: "" / None -> empty; a leading apostrophe keeps the rest as text; "TRUE"/"FALSE";
    plain decimal numbers (15 significant digits, so "001" -> 1) and percentages; ISO dates
    and date-times ("2024-05-01", "2024-05-01 13:45:00", "2024/5/1"); a text number format
    ("@") keeps strings as they are. A string starting with "=" is a formula: it is kept as
    its text, not evaluated. Locale-dependent input (thousands separators, local date
    orders, times of day, currencies) and "+"/"-"-prefixed formulas are not simulated.
    """

    if value is None or value == "":
        return None
    if isinstance(value, bool | int | float):
        return js_number(value) if isinstance(value, float) else value
    if not isinstance(value, str):
        raise AssertionError(f"unexpected value in an action: {value!r}")
    if number_format == "@":
        return value
    if value.startswith("'"):
        return value[1:] or None
    if value.startswith("="):
        return value
    text = value.strip()
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    if NUMBER.fullmatch(text):
        return typed_number(text)
    if text.endswith("%") and NUMBER.fullmatch(text[:-1].strip()):
        return js_number(typed_number(text[:-1].strip()) / 100)
    match = DATE.fullmatch(text)
    if match:
        parts = [int(part) if part else 0 for part in match.groups()]
        try:
            return dt.datetime(*parts)
        except ValueError:
            return value
    return value


def cell_from_openpyxl(value: Any) -> Any:
    """A cell value as openpyxl (data_only) gives it -> as the Office.js client sends it."""

    if value is None or value == "":
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time):
        # A time-of-day cell has category "Time": the client sends it as a date on 1899-12-30.
        return dt.datetime.combine(EXCEL_EPOCH.date(), value.replace(tzinfo=None))
    if isinstance(value, dt.timedelta):
        return EXCEL_EPOCH + value
    return str(value)


def payload_value(value: Any) -> Any:
    """A state value -> the JSON the client sends: "" for empty, dates as ISO strings + Z."""

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond // 1000:03d}Z"
    return value


def hex_color(value: Any) -> str | None:
    """ "#RRGGBB" upper-case, from "#ffc7ce", "FFC7CE", "FFFFC7CE" (ARGB)."""

    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        return "#{:02X}{:02X}{:02X}".format(*value)
    text = str(value).lstrip("#").upper()
    return "#" + text[-6:]


def openpyxl_color(color: Any) -> str | None:
    """An openpyxl Color as "#RRGGBB"; None for theme colours (the theme is not read)."""

    if color is None:
        return None
    if color.type == "rgb" and isinstance(color.rgb, str):
        return hex_color(color.rgb)
    if color.type == "indexed" and isinstance(color.indexed, int):
        if 0 <= color.indexed < len(COLOR_INDEX):
            return hex_color(COLOR_INDEX[color.indexed])
    return None


# ---- conditional formats ------------------------------------------------------------

# openpyxl's cfRule types -> Office.js Excel.ConditionalFormatType
RULE_TYPES = {
    "expression": "Custom",
    "cellIs": "CellValue",
    "colorScale": "ColorScale",
    "dataBar": "DataBar",
    "iconSet": "IconSet",
    "containsText": "ContainsText",
    "notContainsText": "ContainsText",
    "beginsWith": "ContainsText",
    "endsWith": "ContainsText",
    "top10": "TopBottom",
}
# openpyxl's cellIs operators -> Office.js Excel.ConditionalCellValueOperator
OPERATORS = {
    "between": "Between",
    "notBetween": "NotBetween",
    "equal": "EqualTo",
    "notEqual": "NotEqualTo",
    "greaterThan": "GreaterThan",
    "lessThan": "LessThan",
    "greaterThanOrEqual": "GreaterThanOrEqual",
    "lessThanOrEqual": "LessThanOrEqual",
}
COLOR_KEYS = ("fill_color", "font_color")


@dataclass
class Rule:
    """One conditional-format rule as Excel holds it."""

    ranges: list[str]  # A1 rectangles without $, e.g. ["D17", "E20:E22"]
    type: str  # the engine's entry type: "Custom", "CellValue", ...
    formula: str | None = None  # Custom: "=…"
    fill_color: str | None = None  # "#RRGGBB"
    font_color: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # stop_if_true, operator, formula1 …

    def rects(self) -> list[Rect]:
        return [rect_of(address) for address in self.ranges]

    def entry(self) -> dict[str, Any]:
        """The rule in the shape of the engine's addConditionalFormat argument."""

        entry: dict[str, Any] = {"type": self.type, **copy.deepcopy(self.extra)}
        entry["fill_color"] = self.fill_color
        entry["font_color"] = self.font_color
        if self.type == "Custom" or self.formula is not None:
            entry["formula"] = self.formula
        return entry

    @classmethod
    def from_entry(cls, ranges: list[str], entry: dict[str, Any]) -> Rule:
        extra = copy.deepcopy(entry)
        return cls(
            ranges=[address_of(rect_of(address)) for address in ranges],
            type=extra.pop("type"),
            formula=extra.pop("formula", None),
            fill_color=hex_color(extra.pop("fill_color", None)),
            font_color=hex_color(extra.pop("font_color", None)),
            extra=extra,
        )

    def matches(self, snapshot: dict[str, Any]) -> bool:
        """Whether this rule is the one a deleteConditionalFormat snapshot describes."""

        entry = self.entry()
        for key, expected in snapshot.items():
            actual = entry.get(key)
            if key in COLOR_KEYS:
                expected, actual = hex_color(expected), hex_color(actual)
            elif key == "thresholds" and actual is not None:
                actual = [None if item is None else str(item) for item in actual]
            if isinstance(actual, tuple):
                actual = list(actual)
            if expected != actual:
                return False
        return True


def rule_from_openpyxl(ranges: list[str], rule: Any) -> Rule:
    kind = RULE_TYPES.get(rule.type, "PresetCriteria")
    extra: dict[str, Any] = {"stop_if_true": bool(rule.stopIfTrue)}
    formulas = list(rule.formula or [])
    formula = None
    if kind == "Custom":
        formula = "=" + formulas[0] if formulas else None
    elif kind == "CellValue":
        extra["operator"] = OPERATORS.get(rule.operator, rule.operator)
        extra["formula1"] = formulas[0] if formulas else None
        extra["formula2"] = formulas[1] if len(formulas) > 1 else None
    elif formulas or rule.text:
        extra["file_rule"] = {"type": rule.type, "formula": formulas, "text": rule.text}
    fill_color = font_color = None
    dxf = rule.dxf
    if dxf is not None:
        if dxf.fill is not None:
            # A dxf's solid fill is its bgColor; openpyxl's default colour is 00000000.
            background = getattr(dxf.fill, "bgColor", None)
            foreground = getattr(dxf.fill, "fgColor", None)
            if background is not None and background.rgb != "00000000":
                fill_color = openpyxl_color(background)
            else:
                fill_color = openpyxl_color(foreground)
        if dxf.font is not None:
            font_color = openpyxl_color(dxf.font.color)
            extra["font_bold"] = dxf.font.b
            extra["font_italic"] = dxf.font.i
    extra.setdefault("font_bold", None)
    extra.setdefault("font_italic", None)
    return Rule(ranges, kind, formula, fill_color, font_color, extra)


# ---- the workbook -------------------------------------------------------------------


@dataclass
class ClientSheet:
    name: str
    # (row, column) 1-based -> str/int/float/bool/datetime; errors as "#DIV/0!"; empty absent
    values: dict[tuple[int, int], Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # "B12" -> note text
    rules: list[Rule] = field(default_factory=list)  # highest priority first
    hyperlinks: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # Formatting set by actions. Keys: a cell ("B2"), a range address when an action covered
    # more than CELL_LIMIT cells, "column B", "row 3", or "sheet" (freeze panes, autofilter,
    # merged areas, autofit, very-hidden).
    formats: dict[str, dict[str, Any]] = field(default_factory=dict)
    visible: bool = True
    note_authors: dict[str, str] = field(default_factory=dict)

    def extent(self) -> tuple[int, int]:
        """The last used row and column (at least 1, 1)."""

        rows = [row for row, _ in self.values] or [1]
        columns = [column for _, column in self.values] or [1]
        return max(rows), max(columns)

    def value(self, address: str) -> Any:
        r1, c1, _, _ = rect_of(address)
        return self.values.get((r1, c1))

    def rules_at(self, rect: Rect) -> list[Rule]:
        """The rules intersecting rect, highest priority first (Office.js Range.conditionalFormats)."""

        return [rule for rule in self.rules if any(intersects(rect, r) for r in rule.rects())]

    def state(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "visible": self.visible,
            "values": {a1(*cell): self.values[cell] for cell in sorted(self.values)},
            "notes": {key: self.notes[key] for key in sorted(self.notes, key=rect_of)},
            "rules": [asdict(rule) for rule in self.rules],
            "hyperlinks": {
                key: list(self.hyperlinks[key]) for key in sorted(self.hyperlinks, key=rect_of)
            },
            "formats": {key: dict(sorted(v.items())) for key, v in sorted(self.formats.items())},
        }


@dataclass
class ClientBook:
    name: str
    sheets: list[ClientSheet]
    names: list[dict[str, Any]] = field(default_factory=list)  # as the payload carries them
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (prompt, title)
    active_sheet: int = 0
    selection: str = "A1"
    user: str = "jixiao tests"  # the author Excel gives notes that actions add
    # Every batch runActions received while serving reads (applied at flush time), in order.
    flushed: list[dict[str, Any]] = field(default_factory=list)

    # ---- reading a file -----------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path) -> ClientBook:
        """What Excel shows after opening the file: cached results of formulas, typed
        values, notes, conditional formats (formula, dxf fill/font colour), hyperlinks,
        defined names (workbook and sheet scope), worksheet order and visibility.
        Chartsheets are skipped, like Office.js' worksheet collection does. Cell formatting
        from the file is not read (``formats`` only records what actions set)."""

        path = Path(path)
        wb = openpyxl.load_workbook(path, data_only=True)
        sheets = [sheet_from_openpyxl(ws) for ws in wb.worksheets]
        active = wb.active
        active_sheet = wb.worksheets.index(active) if active in wb.worksheets else 0
        book = cls(name=path.name, sheets=sheets, active_sheet=active_sheet)
        selection = getattr(active, "active_cell", None) if active in wb.worksheets else None
        book.selection = selection or "A1"
        for defined in wb.defined_names.values():
            book.add_name(defined.name, "=" + defined.attr_text, None, hidden=defined.hidden)
        for ws in wb.worksheets:
            for defined in ws.defined_names.values():
                book.add_name(defined.name, "=" + defined.attr_text, ws.title, defined.hidden)
        return book

    # ---- what the client sends ----------------------------------------------------

    def payload(self, name: str | None = None) -> dict[str, Any]:
        """The JSON an Office.js client sends; a fresh deep copy every call."""

        sheets = []
        for sheet in self.sheets:
            rows, columns = sheet.extent()
            values = [
                [payload_value(sheet.values.get((row, column))) for column in range(1, columns + 1)]
                for row in range(1, rows + 1)
            ]
            notes = [
                {"address": "$" + "$".join(split_a1(key))} for key in sorted_cells(sheet.notes)
            ]
            sheets.append(
                {
                    "name": sheet.name,
                    "values": values,
                    "pictures": [],
                    "tables": [],
                    "notes": notes,
                    "notes_supported": True,
                    "visibility": self.visibility(sheet),
                }
            )
        return copy.deepcopy(
            {
                "client": "Office.js",
                "version": xw.__version__,
                "book": {
                    "name": name if name is not None else self.name,
                    "active_sheet_index": self.active_sheet,
                    "selection": self.selection,
                },
                "names": self.names,
                "sheets": sheets,
            }
        )

    def open(self) -> Any:
        """``xw.Book(json=self.payload())``."""

        return xw.Book(json=self.payload())

    @staticmethod
    def visibility(sheet: ClientSheet) -> str:
        if sheet.visible:
            return "Visible"
        return sheet.formats.get("sheet", {}).get("visibility", "Hidden")

    # ---- running a script -----------------------------------------------------------

    def run(self, script: Callable[..., Any], *args: Any) -> list[dict[str, Any]]:
        """Open the payload, run ``script(book, *args)`` (awaited in a fresh event loop if
        it returns a coroutine) while serving reads, apply what it left queued, close the
        book. Returns every action of the run in order: the batches flushed by reads, then
        the final queue. If the script raises, the queue is discarded (as in Lite) and what
        was flushed stays applied."""

        book = self.open()
        start = len(self.flushed)
        try:
            with self.serving_reads(book):
                result = script(book, *args)
                if inspect.iscoroutine(result):
                    asyncio.run(result)
            actions = book.json()["actions"]
            self.apply(actions)
        finally:
            book.close()
        return self.flushed[start:] + actions

    @contextmanager
    def serving_reads(self, book: Any) -> Iterator[None]:
        """Answer the engine's client reads for ``book`` from this state (see the module
        docstring for exactly what is replaced)."""

        if not isinstance(book.impl, _xlremote.Book):
            raise AssertionError("serving_reads needs a book opened with xw.Book(json=...)")
        js = types.ModuleType("js")
        js.Object = types.SimpleNamespace(fromEntries=dict)  # type: ignore[attr-defined]
        js.xlwings = ClientReads(self)  # type: ignore[attr-defined]
        pyodide = types.ModuleType("pyodide")
        ffi = types.ModuleType("pyodide.ffi")
        ffi.to_js = to_js  # type: ignore[attr-defined]
        ffi.JsNull = JsNull  # type: ignore[attr-defined]
        ffi.JsProxy = JsProxy  # type: ignore[attr-defined]
        pyodide.ffi = ffi  # type: ignore[attr-defined]
        with ExitStack() as stack:
            stack.enter_context(mock.patch.object(_xlremote, "sys", EmscriptenSys()))
            stack.enter_context(
                modules_installed({"js": js, "pyodide": pyodide, "pyodide.ffi": ffi})
            )
            yield

    # ---- the snapshot -----------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """A plain, comparable snapshot of the workbook: sheets in order (name, visibility,
        values by A1 address, notes, rules, hyperlinks, formats) and defined names. Alerts,
        the active sheet, the selection and note authors are UI/metadata and left out."""

        return copy.deepcopy(
            {"sheets": [sheet.state() for sheet in self.sheets], "names": self.names}
        )

    # ---- sheets and names ---------------------------------------------------------------

    def sheet(self, name: str) -> ClientSheet:
        for sheet in self.sheets:
            if sheet.name.casefold() == name.casefold():
                return sheet
        raise KeyError(name)

    def sheet_index(self, name: str) -> int | None:
        for index, sheet in enumerate(self.sheets):
            if sheet.name.casefold() == name.casefold():
                return index
        return None

    def add_name(self, name: str, refers_to: str, scope: str | None, hidden: bool = False) -> None:
        """A defined name in the payload's shape. Excel's reserved names (_xlnm.*) are left
        out; a name that is not one range gets sheet_index/address None and keeps refers_to."""

        if name.startswith("_xlnm."):
            return
        for entry in self.names:
            same_scope = (entry["scope_sheet_name"] or "").casefold() == (scope or "").casefold()
            if entry["name"].casefold() == name.casefold() and same_scope:
                raise ClientError(f"the name {name!r} already exists in that scope")
        entry: dict[str, Any] = {
            "name": name,
            "refers_to": refers_to,
            "sheet_index": None,
            "address": None,
            "book_scope": scope is None,
            "scope_sheet_name": scope,
            "scope_sheet_index": None,
        }
        if hidden:
            entry["visible"] = False
        self.names.append(entry)
        self.reindex_names()

    def reindex_names(self) -> None:
        """Derive sheet_index/address/scope_sheet_index from refers_to and the scope name."""

        for entry in self.names:
            reference = split_reference(entry["refers_to"])
            index = None if reference is None else self.sheet_index(reference[0])
            entry["sheet_index"] = index
            entry["address"] = None if index is None or reference is None else reference[1]
            if not entry["book_scope"]:
                entry["scope_sheet_index"] = self.sheet_index(entry["scope_sheet_name"])

    def restructure(self, change: Callable[[], None]) -> None:
        """Run a change to the sheet list, keeping the active sheet and the names' indices."""

        active = self.sheets[self.active_sheet] if self.sheets else None
        change()
        if active in self.sheets:
            self.active_sheet = self.sheets.index(active)
        else:
            self.active_sheet = min(self.active_sheet, len(self.sheets) - 1)
        self.reindex_names()

    # ---- applying actions ---------------------------------------------------------------

    def apply(self, actions: list[dict[str, Any]]) -> None:
        """Apply recorded actions to the state, as the Office.js client would in Excel.

        Positions are 0-based. Each action is handled by the method ``do_<func>``; an action
        without one raises AssertionError naming it. What Excel would refuse raises
        ClientError (adding a note where there is one, changing or deleting a missing note,
        duplicate sheet or name, hiding the last visible sheet).

        Not simulated: formula evaluation (formula cells keep their text; cached results
        from the file are not recalculated); number formats from the file (a number written
        into a date-formatted cell stays a number); merged-cell and table semantics beyond
        what is listed on each handler. Unverified against real Excel (no Excel here):
        ``rangeClear`` keeps notes and conditional formats; ``clearConditionalFormats``
        removes every rule that intersects the range (whole rules, also their cells outside
        the range); ``addSheet`` does not activate the new sheet (the public Office.js client
        only sets its position, although the engine moves its own active_sheet_index).
        """

        for action in actions:
            handler = getattr(self, "do_" + str(action.get("func")), None)
            if handler is None:
                raise AssertionError(
                    f"the simulated client does not know the action {action.get('func')!r}: "
                    f"{json.dumps(action, ensure_ascii=False, default=str)}"
                )
            handler(action)

    def target(self, action: dict[str, Any]) -> ClientSheet:
        position = action["sheet_position"]
        if position is None or not 0 <= position < len(self.sheets):
            raise AssertionError(f"no sheet at position {position}: {action}")
        return self.sheets[position]

    def set_formats(self, sheet: ClientSheet, keys: list[str], changes: dict[str, Any]) -> None:
        for key in keys:
            entry = sheet.formats.setdefault(key, {})
            for name, value in changes.items():
                if value is None:
                    entry.pop(name, None)
                else:
                    entry[name] = value
            if not entry:
                del sheet.formats[key]

    def clear_cells(self, sheet: ClientSheet, rect: Rect, *, values: bool, formats: bool) -> None:
        if values:
            for cell in [cell for cell in sheet.values if inside(cell, rect)]:
                del sheet.values[cell]
        if formats:
            for key in list(sheet.formats):
                if RANGE_KEY.fullmatch(key):
                    r1, c1, r2, c2 = rect_of(key)
                    if inside((r1, c1), rect) and inside((r2, c2), rect):
                        del sheet.formats[key]

    # values ---------------------------------------------------------------------------

    def do_setValues(self, action: dict[str, Any]) -> None:
        sheet = self.target(action)
        r1, c1, r2, c2 = action_rect(action)
        rows = action["values"]
        if len(rows) != r2 - r1 + 1 or any(len(row) != c2 - c1 + 1 for row in rows):
            raise AssertionError(f"values do not match the range: {action}")
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                cell = (r1 + i, c1 + j)
                number_format = sheet.formats.get(a1(*cell), {}).get("number_format")
                parsed = typed_value(value, number_format)
                if parsed is None:
                    sheet.values.pop(cell, None)
                else:
                    sheet.values[cell] = parsed

    def do_setFormula(self, action: dict[str, Any]) -> None:
        """The formula text becomes the cell's value (formulas are not evaluated)."""

        self.do_setValues(action)

    def do_rangeClearContents(self, action: dict[str, Any]) -> None:
        self.clear_cells(self.target(action), action_rect(action), values=True, formats=False)

    def do_sheetClearContents(self, action: dict[str, Any]) -> None:
        self.target(action).values.clear()

    def do_rangeClearFormats(self, action: dict[str, Any]) -> None:
        self.clear_cells(self.target(action), action_rect(action), values=False, formats=True)

    def do_rangeClear(self, action: dict[str, Any]) -> None:
        """Values, cell formats and hyperlinks (Excel.ClearApplyTo.all)."""

        sheet, rect = self.target(action), action_rect(action)
        self.clear_cells(sheet, rect, values=True, formats=True)
        for key in [key for key in sheet.hyperlinks if inside(rect_of(key)[:2], rect)]:
            del sheet.hyperlinks[key]

    # notes ----------------------------------------------------------------------------

    def note_cell(self, action: dict[str, Any]) -> str:
        key = cell_key(action["args"][0])
        if key != address_of(action_rect(action)):
            raise AssertionError(f"the note address and the range differ: {action}")
        return key

    def do_addNote(self, action: dict[str, Any]) -> None:
        sheet, key = self.target(action), self.note_cell(action)
        if key in sheet.notes:
            raise ClientError(f"{sheet.name}!{key} already has a note")
        sheet.notes[key] = action["args"][1]
        sheet.note_authors[key] = self.user

    def do_setNoteText(self, action: dict[str, Any]) -> None:
        sheet, key = self.target(action), self.note_cell(action)
        if key not in sheet.notes:
            raise ClientError(f"{sheet.name}!{key} has no note")
        sheet.notes[key] = action["args"][1]

    def do_deleteNote(self, action: dict[str, Any]) -> None:
        sheet, key = self.target(action), self.note_cell(action)
        if key not in sheet.notes:
            raise ClientError(f"{sheet.name}!{key} has no note")
        del sheet.notes[key]
        sheet.note_authors.pop(key, None)

    # conditional formats --------------------------------------------------------------

    def do_addConditionalFormat(self, action: dict[str, Any]) -> None:
        """A new rule goes on top: priority 1, first in the list."""

        rule = Rule.from_entry([address_of(action_rect(action))], action["args"][0])
        self.target(action).rules.insert(0, rule)

    def rule_at(self, action: dict[str, Any]) -> Rule:
        """The rule a [index, snapshot, …] action names: the index is its position among the
        rules intersecting the range; the rule there must match the snapshot."""

        sheet, rect = self.target(action), action_rect(action)
        index, snapshot = action["args"][0], action["args"][1]
        rules = sheet.rules_at(rect)
        if not 0 <= index < len(rules) or not rules[index].matches(snapshot):
            matching = [i for i, rule in enumerate(rules) if rule.matches(snapshot)]
            raise AssertionError(
                f"{action['func']} on {sheet.name}!{address_of(rect)}: rule {index} of "
                f"{len(rules)} is not {snapshot}; matching positions: {matching}"
            )
        return rules[index]

    def do_deleteConditionalFormat(self, action: dict[str, Any]) -> None:
        """Deletes the whole rule (all its ranges), as ConditionalFormat.delete() does."""

        rule = self.rule_at(action)
        self.target(action).rules.remove(rule)

    def do_setConditionalFormat(self, action: dict[str, Any]) -> None:
        rule = self.rule_at(action)
        changes = action["args"][2]
        entry = {**rule.entry(), **changes}
        updated = Rule.from_entry(rule.ranges, entry)
        rule.formula, rule.fill_color, rule.font_color = (
            updated.formula,
            updated.fill_color,
            updated.font_color,
        )
        rule.extra = updated.extra

    def do_clearConditionalFormats(self, action: dict[str, Any]) -> None:
        sheet = self.target(action)
        doomed = sheet.rules_at(action_rect(action))
        sheet.rules = [rule for rule in sheet.rules if rule not in doomed]

    # hyperlinks -----------------------------------------------------------------------

    def do_addHyperlink(self, action: dict[str, Any]) -> None:
        """Office.js range.hyperlink = {address, textToDisplay, screenTip}: every cell gets
        the link and the top-left cell shows textToDisplay."""

        sheet, rect = self.target(action), action_rect(action)
        address, text, tip = (str(arg) if arg is not None else "" for arg in action["args"])
        for row in range(rect[0], rect[2] + 1):
            for column in range(rect[1], rect[3] + 1):
                sheet.hyperlinks[a1(row, column)] = (address, text, tip)
        if text:
            sheet.values[rect[:2]] = text

    # sheets ---------------------------------------------------------------------------

    def do_addSheet(self, action: dict[str, Any]) -> None:
        position, name = action["args"]
        if name is None:
            number = 1
            while self.sheet_index(f"Sheet{number}") is not None:
                number += 1
            name = f"Sheet{number}"
        if self.sheet_index(name) is not None:
            raise ClientError(f"a sheet named {name!r} already exists")
        self.restructure(lambda: self.sheets.insert(position, ClientSheet(name)))

    def do_sheetDelete(self, action: dict[str, Any]) -> None:
        """Names scoped to the sheet go; names referring to it become #REF!."""

        sheet = self.target(action)
        if sum(s.visible for s in self.sheets if s is not sheet) == 0:
            raise ClientError("a workbook must keep at least one visible sheet")
        self.names = [
            e for e in self.names if e["book_scope"] or e["scope_sheet_name"] != sheet.name
        ]
        for entry in self.names:
            reference = split_reference(entry["refers_to"])
            if reference and reference[0].casefold() == sheet.name.casefold():
                entry["refers_to"] = "=#REF!" + entry["refers_to"].rsplit("!", 1)[1]
        self.restructure(lambda: self.sheets.remove(sheet))

    def do_setSheetName(self, action: dict[str, Any]) -> None:
        """Renames the sheet and rewrites the names that refer to it."""

        sheet, new = self.target(action), str(action["args"][0])
        other = self.sheet_index(new)
        if other is not None and self.sheets[other] is not sheet:
            raise ClientError(f"a sheet named {new!r} already exists")
        old = sheet.name
        for entry in self.names:
            entry["refers_to"] = rename_in_formula(entry["refers_to"], old, new)
            if entry["scope_sheet_name"] == old:
                entry["scope_sheet_name"] = new
        sheet.name = new
        self.reindex_names()

    def do_setSheetPosition(self, action: dict[str, Any]) -> None:
        sheet, position = self.target(action), action["args"][0]

        def move() -> None:
            self.sheets.remove(sheet)
            self.sheets.insert(position, sheet)

        self.restructure(move)

    def do_copySheet(self, action: dict[str, Any]) -> None:
        """Worksheet.copy(Before/After, target) + rename. The copy takes the values, notes,
        rules, hyperlinks and formats; names scoped to the source are copied to it, and so
        are workbook names that refer to the source (Excel makes them local to the copy)."""

        source = self.target(action)
        where, target_index, name = action["args"]
        if self.sheet_index(name) is not None:
            raise ClientError(f"a sheet named {name!r} already exists")
        duplicate = copy.deepcopy(source)
        duplicate.name = name
        duplicate.visible = True
        duplicate.formats.get("sheet", {}).pop("visibility", None)
        position = target_index if where == "Before" else target_index + 1
        self.restructure(lambda: self.sheets.insert(position, duplicate))
        for entry in list(self.names):
            reference = split_reference(entry["refers_to"])
            refers_to_source = bool(reference) and reference[0] == source.name
            scoped_to_source = not entry["book_scope"] and entry["scope_sheet_name"] == source.name
            if scoped_to_source or (entry["book_scope"] and refers_to_source):
                refers_to = rename_in_formula(entry["refers_to"], source.name, name)
                self.add_name(entry["name"], refers_to, name, not entry.get("visible", True))

    def do_activateSheet(self, action: dict[str, Any]) -> None:
        index = action["args"][0]
        if not 0 <= index < len(self.sheets):
            raise AssertionError(f"no sheet at position {index}: {action}")
        self.active_sheet = index

    def do_setSheetVisibility(self, action: dict[str, Any]) -> None:
        sheet, visibility = self.target(action), action["args"][0]
        if visibility not in ("Visible", "Hidden", "VeryHidden"):
            raise AssertionError(f"unknown visibility: {action}")
        if visibility != "Visible" and sum(s.visible for s in self.sheets if s is not sheet) == 0:
            raise ClientError("a workbook must keep at least one visible sheet")
        sheet.visible = visibility == "Visible"
        self.set_formats(
            sheet, ["sheet"], {"visibility": "VeryHidden" if visibility == "VeryHidden" else None}
        )
        if not sheet.visible and self.sheets[self.active_sheet] is sheet:
            self.active_sheet = next(i for i, s in enumerate(self.sheets) if s.visible)

    def do_rangeSelect(self, action: dict[str, Any]) -> None:
        self.active_sheet = action["sheet_position"]
        self.selection = address_of(action_rect(action))

    def do_namesAdd(self, action: dict[str, Any]) -> None:
        name, refers_to = action["args"]
        scope = None if action["sheet_position"] is None else self.target(action).name
        self.add_name(str(name), str(refers_to), scope)

    def do_nameDelete(self, action: dict[str, Any]) -> None:
        _, _, name, _, book_scope, scope_index = action["args"]
        scope = None if book_scope else self.sheets[scope_index].name
        for entry in self.names:
            if entry["name"] == name and entry["scope_sheet_name"] == scope:
                self.names.remove(entry)
                return
        raise ClientError(f"no defined name {name!r} in that scope")

    # app --------------------------------------------------------------------------------

    def do_alert(self, action: dict[str, Any]) -> None:
        self.alerts.append((str(action["args"][0]), str(action["args"][1])))

    def do_setScreenUpdating(self, action: dict[str, Any]) -> None:
        """No state: screen updating does not change the workbook."""

    # formatting -------------------------------------------------------------------------

    def cell_keys(self, action: dict[str, Any]) -> list[str]:
        rect = action_rect(action)
        r1, c1, r2, c2 = rect
        if (r2 - r1 + 1) * (c2 - c1 + 1) > CELL_LIMIT:
            return [address_of(rect)]
        return [a1(row, column) for row in range(r1, r2 + 1) for column in range(c1, c2 + 1)]

    def column_keys(self, action: dict[str, Any]) -> list[str]:
        _, c1, _, c2 = action_rect(action)
        return [f"column {get_column_letter(column)}" for column in range(c1, c2 + 1)]

    def row_keys(self, action: dict[str, Any]) -> list[str]:
        r1, _, r2, _ = action_rect(action)
        if r2 - r1 + 1 > CELL_LIMIT:
            return [f"rows {r1}:{r2}"]
        return [f"row {row}" for row in range(r1, r2 + 1)]

    def do_setFontProperty(self, action: dict[str, Any]) -> None:
        name, value = action["args"]
        value = hex_color(value) if name == "color" else value
        self.set_formats(self.target(action), self.cell_keys(action), {f"font.{name}": value})

    def do_setRangeColor(self, action: dict[str, Any]) -> None:
        color = hex_color(action["args"][0])
        self.set_formats(self.target(action), self.cell_keys(action), {"fill": color})

    def do_setWrapText(self, action: dict[str, Any]) -> None:
        self.set_formats(
            self.target(action), self.cell_keys(action), {"wrap_text": action["args"][0]}
        )

    def do_setNumberFormat(self, action: dict[str, Any]) -> None:
        self.set_formats(
            self.target(action), self.cell_keys(action), {"number_format": action["args"][0]}
        )

    def do_setHorizontalAlignment(self, action: dict[str, Any]) -> None:
        self.set_formats(
            self.target(action),
            self.cell_keys(action),
            {"horizontal_alignment": action["args"][0]},
        )

    def do_setVerticalAlignment(self, action: dict[str, Any]) -> None:
        self.set_formats(
            self.target(action), self.cell_keys(action), {"vertical_alignment": action["args"][0]}
        )

    def do_setBorderProperty(self, action: dict[str, Any]) -> None:
        """Recorded per cell side: edges on the outer cells, inside lines as the right/bottom
        side of the inner cells, diagonals on every cell."""

        side, attribute, value = action["args"]
        sheet, rect = self.target(action), action_rect(action)
        r1, c1, r2, c2 = rect
        if (r2 - r1 + 1) * (c2 - c1 + 1) > CELL_LIMIT:
            self.set_formats(sheet, [address_of(rect)], {f"border.{side}.{attribute}": value})
            return
        cells = {
            "edge_top": [(r1, c) for c in range(c1, c2 + 1)],
            "edge_bottom": [(r2, c) for c in range(c1, c2 + 1)],
            "edge_left": [(r, c1) for r in range(r1, r2 + 1)],
            "edge_right": [(r, c2) for r in range(r1, r2 + 1)],
            "inside_vertical": [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2)],
            "inside_horizontal": [(r, c) for r in range(r1, r2) for c in range(c1, c2 + 1)],
        }
        cell_side = {
            "edge_top": "top",
            "edge_bottom": "bottom",
            "edge_left": "left",
            "edge_right": "right",
            "inside_vertical": "right",
            "inside_horizontal": "bottom",
        }
        every = [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
        keys = [a1(*cell) for cell in cells.get(side, every)]
        name = f"border.{cell_side.get(side, side)}.{attribute}"
        self.set_formats(sheet, keys, {name: "none" if value is None else value})

    def do_setColumnWidth(self, action: dict[str, Any]) -> None:
        self.set_formats(
            self.target(action), self.column_keys(action), {"width": action["args"][0]}
        )

    def do_setRowHeight(self, action: dict[str, Any]) -> None:
        self.set_formats(self.target(action), self.row_keys(action), {"height": action["args"][0]})

    def do_setAutofit(self, action: dict[str, Any]) -> None:
        """Excel picks the size; recorded as "autofit"."""

        if action["args"][0] == "columns":
            self.set_formats(self.target(action), self.column_keys(action), {"width": "autofit"})
        else:
            self.set_formats(self.target(action), self.row_keys(action), {"height": "autofit"})

    def do_setSheetAutofit(self, action: dict[str, Any]) -> None:
        self.set_formats(self.target(action), ["sheet"], {f"autofit {action['args'][0]}": True})

    def do_freezePaneAtRange(self, action: dict[str, Any]) -> None:
        self.set_formats(self.target(action), ["sheet"], {"freeze": str(action["args"][0])})

    def do_freezePaneUnfreeze(self, action: dict[str, Any]) -> None:
        self.set_formats(self.target(action), ["sheet"], {"freeze": None})

    def do_applyAutoFilterRange(self, action: dict[str, Any]) -> None:
        """One autofilter per sheet: a different range replaces it. Criteria by field."""

        sheet, address = self.target(action), address_of(action_rect(action))
        column, criteria = action["args"]
        current = sheet.formats.get("sheet", {}).get("autofilter")
        if current is None or current["range"] != address:
            current = {"range": address, "criteria": {}}
        current["criteria"][str(column)] = criteria
        self.set_formats(sheet, ["sheet"], {"autofilter": current})

    def do_clearAutoFilterRange(self, action: dict[str, Any]) -> None:
        """Clears one field's criteria (all of them for None); the filter stays."""

        sheet = self.target(action)
        current = sheet.formats.get("sheet", {}).get("autofilter")
        if current is None:
            return
        column = action["args"][0]
        if column is None:
            current["criteria"].clear()
        else:
            current["criteria"].pop(str(column), None)

    def do_rangeMerge(self, action: dict[str, Any]) -> None:
        """Merged areas under formats["sheet"]["merged"]; only the top-left value stays."""

        sheet = self.target(action)
        r1, c1, r2, c2 = action_rect(action)
        areas = (
            [(r, c1, r, c2) for r in range(r1, r2 + 1)] if action["args"][0] else [(r1, c1, r2, c2)]
        )
        merged = set(sheet.formats.get("sheet", {}).get("merged", []))
        for area in areas:
            for cell in [cell for cell in sheet.values if inside(cell, area)]:
                if cell != area[:2]:
                    del sheet.values[cell]
            merged = {m for m in merged if not intersects(rect_of(m), area)}
            merged.add(address_of(area))
        self.set_formats(sheet, ["sheet"], {"merged": sorted(merged, key=rect_of)})

    def do_rangeUnmerge(self, action: dict[str, Any]) -> None:
        sheet, rect = self.target(action), action_rect(action)
        merged = sheet.formats.get("sheet", {}).get("merged", [])
        kept = [m for m in merged if not intersects(rect_of(m), rect)]
        self.set_formats(sheet, ["sheet"], {"merged": kept or None})


def sheet_from_openpyxl(ws: Worksheet) -> ClientSheet:
    sheet = ClientSheet(ws.title, visible=ws.sheet_state == "visible")
    if ws.sheet_state == "veryHidden":
        sheet.formats["sheet"] = {"visibility": "VeryHidden"}
    for (row, column), cell in sorted(ws._cells.items()):
        value = cell_from_openpyxl(cell.value)
        if value is not None:
            sheet.values[(row, column)] = value
        key = a1(row, column)
        comment = getattr(cell, "comment", None)
        if comment is not None:
            sheet.notes[key] = comment.text
            sheet.note_authors[key] = comment.author or ""
        link = getattr(cell, "hyperlink", None)
        if link is not None:
            if link.target:
                address = link.target + (f"#{link.location}" if link.location else "")
            else:
                address = f"#{link.location}" if link.location else ""
            shown = link.display or ("" if value is None else str(cell.value))
            sheet.hyperlinks[key] = (address, shown, link.tooltip or "")
    prioritised = []
    for formatting in ws.conditional_formatting:
        # openpyxl keeps a rule's ranges as a set: sorted by position here.
        ranges = sorted(
            (address_of(rect_of(r.coord)) for r in formatting.sqref.ranges), key=rect_of
        )
        for rule in formatting.rules:
            prioritised.append((rule.priority or 0, rule_from_openpyxl(ranges, rule)))
    sheet.rules = [rule for _, rule in sorted(prioritised, key=lambda item: item[0])]
    return sheet


def split_a1(key: str) -> tuple[str, str]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", key)
    if match is None:
        raise AssertionError(f"not a cell: {key!r}")
    return match[1], match[2]


def sorted_cells(keys: Any) -> list[str]:
    return sorted(keys, key=rect_of)


def rename_in_formula(formula: str, old: str, new: str) -> str:
    """Rewrite references to sheet ``old`` ("old!", "'old'!") as references to ``new``."""

    pattern = re.compile(
        r"(?<![\w.'])(?:'" + re.escape(old.replace("'", "''")) + r"'|" + re.escape(old) + r")!",
        re.IGNORECASE,
    )
    return pattern.sub(lambda _: sheet_prefix(new) + "!", formula)


# ---- the fake transport --------------------------------------------------------------


class JsNull:
    """Stands in for pyodide.ffi.JsNull (never produced: the fake returns None)."""


class JsProxy:
    """What a client read returns: the engine calls ``.to_py()`` on it."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def to_py(self) -> Any:
        return copy.deepcopy(self.data)


def to_js(value: Any, **_options: Any) -> Any:
    """pyodide.ffi.to_js: the value as JavaScript would receive it (a JSON round trip)."""

    return json.loads(json.dumps(value))


class EmscriptenSys(types.ModuleType):
    """``sys`` as ``xlwings.pro._xlremote`` sees it in xlwings Lite."""

    def __init__(self) -> None:
        super().__init__("sys")
        self.platform = "emscripten"

    def __getattr__(self, name: str) -> Any:
        return getattr(sys, name)


@contextmanager
def modules_installed(modules: dict[str, types.ModuleType]) -> Iterator[None]:
    """Put modules into sys.modules, then restore exactly those keys (and nothing else)."""

    missing = object()
    previous = {name: sys.modules.get(name, missing) for name in modules}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, module in previous.items():
            if module is missing:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module  # type: ignore[assignment]


class ClientReads:
    """``js.xlwings``: the client calls the engine makes, answered from a ClientBook."""

    def __init__(self, book: ClientBook) -> None:
        self.book = book

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise AssertionError(f"the simulated client does not answer the read {name!r}")

    async def runActions(self, data: dict[str, Any]) -> None:
        actions = data["actions"]
        self.book.apply(actions)
        self.book.flushed.extend(actions)

    async def getRangeData(self, sheet_name: str, address: str, keys: list[str]) -> JsProxy:
        sheet = self.book.sheet(sheet_name)
        result: dict[str, Any] = {}
        for key in keys:
            if key != "conditional_formats":
                raise AssertionError(f"the simulated client does not answer getRangeData {key!r}")
            result[key] = [rule.entry() for rule in sheet.rules_at(rect_of(address))]
        return JsProxy(result)

    async def getNoteText(self, sheet_name: str, address: str) -> str | None:
        return self.book.sheet(sheet_name).notes.get(cell_key(address))

    async def getNoteAuthor(self, sheet_name: str, address: str) -> str | None:
        sheet = self.book.sheet(sheet_name)
        key = cell_key(address)
        return sheet.note_authors.get(key, "") if key in sheet.notes else None

    async def getBookData(self, options: Any = None) -> JsProxy:
        return JsProxy(self.book.payload())
