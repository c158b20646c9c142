"""The cells of a worksheet part: what they hold (values, formulas) and their cached results.

Read with the fast scanner (jixiao.formats.sheet_xml: any prefix, shared or inline
strings, every row); cached results are written into the part as text, so every byte
outside the formula cells stays as it was. A block of cells sharing one formula
(``t="shared"``) gives each cell its own formula, moved as Excel moves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jixiao.formats.formula_text import translate
from jixiao.formats.package import Package
from jixiao.formats.sheet_xml import (
    COLUMNS,
    attribute,
    attributes,
    column_number,
    decode_part,
    escape,
    inline_text,
    scan_cells,
    shared_string_table,
    unescape,
    with_odd_parts,
)

Pos = tuple[int, int]
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_ALL_ROWS = 1_048_576


class ErrorValue(str):
    """An Excel error value (#DIV/0!, #N/A …) as a cell holds or shows it."""


@dataclass(frozen=True)
class CellContent:
    value: Any  # typed value, or a formula's cached result (None when there is none)
    formula: str | None = None  # formula text without "="
    array: bool = False  # an array formula (t="array")


def position(ref: str) -> Pos | None:
    m = _REF.fullmatch(ref)
    if m is None:
        return None
    return int(m.group(2)), column_number(m.group(1))


def package_strings(pkg: Package) -> list[str]:
    """The workbook's shared strings, by index."""
    if "xl/sharedStrings.xml" not in pkg.data:
        return []
    return shared_string_table(decode_part(pkg.data["xl/sharedStrings.xml"]))


class RowsPastLimit(ValueError):
    """A worksheet holds values past the rows that may be read (see :func:`read_cells`)."""

    def __init__(self, part: str, rows: int, limit: int) -> None:
        super().__init__(f"{part}: {rows} rows, {limit} may be read")
        self.part, self.rows, self.limit = part, rows, limit


def read_cells(
    pkg: Package, part: str, strings: list[str] | None = None, max_rows: int = _ALL_ROWS
) -> dict[Pos, CellContent]:
    """Every cell of a worksheet part with a value or a formula; raises RowsPastLimit,
    having read no further, when rows past ``max_rows`` hold values."""
    strings = package_strings(pkg) if strings is None else strings
    out: dict[Pos, CellContent] = {}
    shared: dict[str, tuple[str, int, int]] = {}  # si -> ("=formula", row, col) of the master
    columns = COLUMNS
    scan = scan_cells(decode_part(pkg.data[part]), max_rows)
    if scan.truncated:
        raise RowsPastLimit(part, scan.rows, max_rows)
    for letters, digits, _s, t, extra, fm, fa, ft, vm, v, im, ib, rest in scan.cells:
        if rest and not rest.isspace():
            fm, fa, ft, vm, v, im, ib = with_odd_parts(fm, fa, ft, vm, v, im, ib, rest)
        if extra and not extra.isspace():
            t = attributes(extra).get("t", t)
        row, col = int(digits), columns.get(letters) or column_number(letters)
        formula = array = None
        if fm:
            formula, array = _formula(fa, ft, row, col, shared)
        value = _value(t or "n", v, im, ib, strings)
        if value is None and formula is None:
            continue
        out[(row, col)] = CellContent(value, formula, bool(array))
    return out


def _formula(
    attrs: str, raw: str, row: int, col: int, shared: dict[str, tuple[str, int, int]]
) -> tuple[str | None, bool]:
    text = unescape(raw) if raw else ""
    kind = attribute(attrs, "t") if attrs else None
    if kind == "shared":
        si = attribute(attrs, "si") or ""
        if si in shared:
            formula, r0, c0 = shared[si]
            moved = translate(formula, row - r0, col - c0)
            return (moved[1:] or None), False
        if text.strip():
            shared[si] = ("=" + text, row, col)
    if not text.strip():
        return None, False
    return text, kind == "array"


def _value(kind: str, v: str, im: str, ib: str, strings: list[str]) -> Any:
    if kind == "inlineStr":
        return inline_text(ib) if im else None
    if not v:
        return None
    if kind == "s":
        return strings[int(v)] if v.isdigit() and int(v) < len(strings) else None
    if kind == "str":
        return unescape(v)
    if kind == "b":
        return v == "1"
    if kind == "e":
        return ErrorValue(unescape(v))
    try:
        number = float(v)
    except ValueError:
        return None
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


_CELL = re.compile(r'<c r="([A-Z]+\d+)"([^>]*?)(/>|>(.*?)</c>)', re.S)
_FORMULA = re.compile(r"<f\b[^>]*/>|<f\b[^>]*>.*?</f>", re.S)
_TYPE = re.compile(r'\s+t="[^"]*"')


def cache_values(xml: str, values: dict[str, Any]) -> tuple[str, int]:
    """The sheet XML with each formula cell's cached value set to ``values[address]``:
    a number, a text ("" for an empty result), a bool, or an error (ErrorValue, or a
    one-element tuple as LibreOffice's results give it)."""
    count = 0

    def replace(m: re.Match[str]) -> str:
        nonlocal count
        ref, attrs, body = m.group(1), m.group(2), m.group(4)
        if body is None or ref not in values:
            return m.group(0)
        formula = _FORMULA.search(body)
        if formula is None:
            return m.group(0)
        value = values[ref]
        if 't="' in attrs:
            attrs = _TYPE.sub("", attrs)
        if isinstance(value, tuple):
            value = ErrorValue(value[0])
        if isinstance(value, ErrorValue):
            kind, text = ' t="e"', escape(str(value))
        elif isinstance(value, bool):
            kind, text = ' t="b"', "1" if value else "0"
        elif isinstance(value, str):
            kind, text = ' t="str"', escape(value)
        elif value is None:
            kind, text = ' t="str"', ""
        else:
            kind, text = "", repr(float(value)).removesuffix(".0")
        count += 1
        return f'<c r="{ref}"{attrs}{kind}>{formula.group(0)}<v>{text}</v></c>'

    return _CELL.sub(replace, xml), count
