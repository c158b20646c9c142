"""The cells of a worksheet part: what they hold (values, formulas) and their cached results.

Read namespace-aware with lxml (any prefix, shared or inline strings); cached results are
written into the part as text, so every byte outside the formula cells stays as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from jixiao.formats.package import Package, shared_strings
from jixiao.formats.xml import parse, q

Pos = tuple[int, int]
_REF = re.compile(r"([A-Z]{1,3})(\d+)")


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
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def read_cells(pkg: Package, part: str, strings: list[str] | None = None) -> dict[Pos, CellContent]:
    """Every cell of a worksheet part with a value or a formula."""
    strings = shared_strings(pkg) if strings is None else strings
    out: dict[Pos, CellContent] = {}
    for c in parse(pkg.data[part]).iter(q("c")):
        pos = position(c.get("r", ""))
        if pos is None:
            continue
        f = c.find(q("f"))
        formula = array = None
        if f is not None and (f.text or "").strip():
            formula, array = f.text, f.get("t") == "array"
        value = _value(c, strings)
        if value is None and formula is None:
            continue
        out[pos] = CellContent(value, formula, bool(array))
    return out


def _value(c: Any, strings: list[str]) -> Any:
    kind = c.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in c.iter(q("t")))
    v = c.find(q("v"))
    if v is None:
        return None
    text = v.text or ""
    if kind == "s":
        return strings[int(text)] if text.isdigit() and int(text) < len(strings) else None
    if kind == "str":
        return text
    if kind == "b":
        return text == "1"
    if kind == "e":
        return ErrorValue(text)
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


_CELL = re.compile(r'<c r="([A-Z]+\d+)"([^>]*?)(/>|>(.*?)</c>)', re.S)
_FORMULA = re.compile(r"<f\b[^>]*/>|<f\b[^>]*>.*?</f>", re.S)


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
        attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
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
