"""The cells of a worksheet part: what they hold (values, formulas) and their cached results.

Read with the fast scanner (jixiao.formats.sheet_xml: any prefix, shared or inline
strings, every row); cached results are written into the part as text, so every byte
outside the formula cells stays as it was. A block of cells sharing one formula
(``t="shared"``) gives each cell its own formula, moved as Excel moves it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from jixiao.core.layout import column_letter
from jixiao.formats.formula_text import translate
from jixiao.formats.package import Package, from_utf8, to_utf8
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
    if not math.isfinite(number):  # <v>1E+309</v>: text, as the sheet reader gives it
        return unescape(v)
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def cache_values(xml: str, values: dict[str, Any]) -> tuple[str, int]:
    """The sheet XML with each formula cell's cached value set to ``values[address]``:
    a number, a text ("" for an empty result), a bool, or an error (ErrorValue, or a
    one-element tuple as LibreOffice's results give it). See :func:`cache_part_values`."""
    data, count = cache_part_values(xml.encode("utf-8"), values, utf8=True)
    return (data.decode("utf-8") if count else xml), count


# ---- cached results written into a part's bytes ------------------------------------------
#
# Cells are found as an XML parser finds them: in a well-formed part every "<" starts a
# tag, a comment, a CDATA section, a processing instruction or the DOCTYPE, and tags are
# read with their namespace declarations, so any prefix, quoting, spacing or attribute
# order works. Only a formula cell's ``t`` attribute and its <v> change.

_TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>"
    rb"|<(/?)([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.S,
)
_ATTRIBUTE = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*?encoding\s*=\s*["']([\w.-]+)""")
# Characters XML 1.0 does not allow, written as Excel escapes them (_xHHHH_).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass
class _Cell:
    """A ``<c>`` as read: its start tag, and where its f, v and is children are."""

    ref: str
    start: int
    open_end: int
    prefix: bytes  # the prefix of its name, with the colon (b"" when none)
    depth: int
    f_end: int = -1  # just after its <f> (-1: no formula)
    v: tuple[int, int, int, int] | None = None  # <v>: start, end of start tag, close, end
    inline: bool = False  # an <is> child


def cache_part_values(
    data: bytes, values: dict[str, Any], *, utf8: bool = False
) -> tuple[bytes, int]:
    """A worksheet part's bytes with each formula cell's cached value set to
    ``values[address]`` (see :func:`cache_values`), and how many cells got one: the
    cell's ``t`` attribute and its ``<v>`` changed in place, whatever prefix, quoting,
    spacing or attribute order the part uses, in the part's own encoding (UTF-16 stays
    UTF-16; an 8-bit code page gets character references). Every other byte stays.
    ``utf8``: the bytes are UTF-8 whatever their declaration says. ``(data, 0)`` when
    the part's encoding is not one whose bytes can be edited so."""
    work, codec = (data, None) if utf8 else to_utf8(data)
    ascii_only = False
    if codec is None and not utf8:
        m = _ENCODING.match(work[:200])
        declared = m.group(1).decode("ascii").lower().replace("_", "-") if m else "utf-8"
        if declared not in ("utf-8", "utf8", "utf-16", "utf16"):  # (UTF-16 read as ASCII)
            try:
                ascii_only = '<c r="A1"/>'.encode(declared) == b'<c r="A1"/>'
            except (LookupError, ValueError):
                ascii_only = False
            if not ascii_only:
                return data, 0
    edits: list[tuple[int, int, bytes]] = []
    count = 0
    cells = _formula_cells_plain(work, values)
    if cells is None:
        cells = _formula_cells(work, values)
    for cell in cells:
        edits += _cell_edits(work, cell, values[cell.ref], ascii_only)
        count += 1
    if not edits:
        return data, count  # every value as the part holds it already
    out = bytearray(work)
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out[start:end] = new
    return from_utf8(bytes(out), codec), count


_PLAIN_BREAKERS = (b"xmlns", b"<!--", b"<![CDATA[", b"<?", b"<!DOCTYPE", b"extLst")
_PATTERNS: dict[tuple[bytes, ...], tuple[re.Pattern[bytes], re.Pattern[bytes]]] = {}
_R = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _patterns(prefixes: tuple[bytes, ...]) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """A cell, and a cell's child f, v or is, under any of these prefixes (with colon)."""
    found = _PATTERNS.get(prefixes)
    if found is None:
        alt = b"|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
        attrs = rb"""((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*"""
        found = (
            re.compile(rb"<(" + alt + rb")c" + attrs + rb"(?:/>|>(.*?)</\1c\s*>)", re.S),
            re.compile(rb"<(?:" + alt + rb")(f|v|is)" + attrs + rb"(/?)>"),
        )
        _PATTERNS[prefixes] = found
    return found


def _formula_cells_plain(work: bytes, values: dict[str, Any]) -> list[_Cell] | None:
    """:func:`_formula_cells` for a part as spreadsheet programs write it, found with
    regular expressions alone: up to sheetData's end, namespaces declared on the root
    only and no comment, CDATA section, processing instruction or extension list, so
    that every ``<c`` under a prefix of the main namespace is a cell and its body ends
    at its end tag; every cell with an ``r``. None for any other part (read tag by tag
    instead)."""
    root = next((m for m in _TOKEN.finditer(work) if m.group(2) is not None), None)
    if root is None or root.group(1):
        return None
    # The cells end at sheetData's end tag: what follows (a legacyDrawing that declares
    # its r: prefix) has no cells.
    cut = work.rfind(b"sheetData")
    if cut < root.end():
        return []
    if any(0 <= work.find(b, root.end(), cut) for b in _PLAIN_BREAKERS):
        return None
    prefixes = tuple(
        a.group(1)[6:] + b":" if a.group(1) != b"xmlns" else b""
        for a in _ATTRIBUTE.finditer(root.group(3))
        if (a.group(1) == b"xmlns" or a.group(1).startswith(b"xmlns:")) and _text_of(a) == _MAIN
    )
    if not prefixes:
        return []
    cell_re, child_re = _patterns(prefixes)
    found: list[_Cell] = []
    for m in cell_re.finditer(work, root.end(), cut):
        r = _R.search(m.group(2))
        if r is None:
            return None  # positions counted as readers count them: tag by tag
        body = m.group(3)
        if not body or b"f" not in body:
            continue
        raw = r.group(1) if r.group(1) is not None else r.group(2)
        ref = (unescape(raw.decode("utf-8", "replace")) if b"&" in raw else raw.decode()).upper()
        if ref not in values:
            continue
        at = m.start(3)
        cell = _Cell(ref, m.start(), at, m.group(1), 0)
        for child in child_re.finditer(body):
            local, empty = child.group(1), bool(child.group(3))
            start, open_end = at + child.start(), at + child.end()
            if empty:
                end = close = open_end
            else:
                qname = work[start + 1 : open_end].split(None, 1)[0].rstrip(b">")
                close = work.find(b"</" + qname, open_end)
                end = work.find(b">", close) + 1
            if local == b"f" and cell.f_end < 0:
                cell.f_end = end
            elif local == b"v" and cell.v is None:
                cell.v = (start, open_end, close, end)
            elif local == b"is":
                cell.inline = True
        if cell.f_end >= 0 and not cell.inline:
            found.append(cell)
    return found


def _formula_cells(work: bytes, values: dict[str, Any]) -> list[_Cell]:
    """The formula cells of the part whose address ``values`` holds, in order."""
    found: list[_Cell] = []
    # Per open element, the namespaces outside it (prefix -> URI): a dict is shared
    # until an element declares one.
    scopes: list[dict[bytes, str]] = []
    ns: dict[bytes, str] = {b"": ""}
    cell: _Cell | None = None
    child: tuple[bytes, int, int] | None = None  # the cell's open child: name, start, open end
    row, col = 0, 0
    for m in _TOKEN.finditer(work):
        name = m.group(2)
        if name is None:
            continue  # a comment, CDATA, processing instruction or DOCTYPE
        if m.group(1):  # an end tag
            ns = scopes.pop()
            if cell is not None:
                depth = len(scopes)
                if depth == cell.depth + 1 and child is not None:
                    local, start, open_end = child
                    if local == b"f":
                        cell.f_end = m.end()
                    elif local == b"v":
                        cell.v = (start, open_end, m.start(), m.end())
                    child = None
                elif depth == cell.depth:
                    if cell.f_end >= 0 and not cell.inline and cell.ref in values:
                        found.append(cell)
                    cell = None
            continue
        attrs = m.group(3)
        outer = ns
        if b"xmlns" in attrs:
            ns = dict(ns)
            for a in _ATTRIBUTE.finditer(attrs):
                key = a.group(1)
                if key == b"xmlns" or key.startswith(b"xmlns:"):
                    ns[key[6:]] = _text_of(a)
        prefix, _, local = name.rpartition(b":")
        empty = bool(m.group(4))
        depth = len(scopes)
        if ns.get(prefix) == _MAIN:
            if cell is None:
                if local == b"row":
                    r = _attribute(attrs, b"r")
                    row = int(r) if r is not None and r.isdigit() else row + 1
                    col = 0
                elif local == b"c":
                    r = _attribute(attrs, b"r")
                    at = position(r.upper()) if r is not None else None
                    row, col = at if at is not None else (row, col + 1)
                    if not empty:
                        cell = _Cell(
                            f"{column_letter(col)}{row}", m.start(), m.end(), _prefix(name), depth
                        )
            elif depth == cell.depth + 1 and child is None:
                if local == b"f" and cell.f_end < 0:
                    if empty:
                        cell.f_end = m.end()
                    else:
                        child = (local, m.start(), m.end())
                elif local == b"v" and cell.v is None:
                    if empty:
                        cell.v = (m.start(), m.end(), m.end(), m.end())
                    else:
                        child = (local, m.start(), m.end())
                elif local == b"is":
                    cell.inline = True
        if empty:
            ns = outer
        else:
            scopes.append(outer)
    return found


def _prefix(name: bytes) -> bytes:
    return name[: name.rfind(b":") + 1]


def _text_of(m: re.Match[bytes]) -> str:
    raw = m.group(2) if m.group(2) is not None else m.group(3)
    return unescape(raw.decode("utf-8", "replace"))


def _attribute(attrs: bytes, name: bytes) -> str | None:
    for a in _ATTRIBUTE.finditer(attrs):
        if a.group(1) == name:
            return _text_of(a).strip()
    return None


def _cell_edits(
    work: bytes, cell: _Cell, value: Any, ascii_only: bool
) -> list[tuple[int, int, bytes]]:
    """The splices that give ``cell`` the cached ``value``: its type attribute (set,
    replaced or removed) and its <v> (its text replaced, or one added after <f>)."""
    if isinstance(value, tuple):
        value = ErrorValue(value[0])
    if isinstance(value, ErrorValue):
        kind, text = b"e", str(value)
    elif isinstance(value, bool):
        kind, text = b"b", "1" if value else "0"
    elif isinstance(value, str):
        kind, text = b"str", value
    elif value is None:
        kind, text = b"str", ""
    else:
        kind, text = b"", repr(float(value)).removesuffix(".0")
    text = escape(_NOT_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)).replace("\r", "&#13;")
    body = text.encode("ascii", "xmlcharrefreplace") if ascii_only else text.encode("utf-8")
    edits: list[tuple[int, int, bytes]] = []
    # The type: the start tag's own attributes, found as they are spelled.
    tag = work[cell.start : cell.open_end]
    head = re.match(rb"<[^\s/>]+", tag)
    assert head is not None
    last = head.end()
    typed = None
    for a in _ATTRIBUTE.finditer(tag, head.end()):
        last = a.end()
        if a.group(1) == b"t":
            typed = a
    had = _text_of(typed) if typed is not None else None
    if typed is not None and had in (kind.decode(), "n" if not kind else None):
        pass  # the type it has, however spelled (a number may say t="n")
    elif typed is not None:
        before = typed.start()
        while before > 0 and tag[before - 1 : before].isspace():
            before -= 1  # the white space that separates it goes with it
        if kind:
            edits.append(
                (cell.start + typed.start(), cell.start + typed.end(), b't="' + kind + b'"')
            )
        else:
            edits.append((cell.start + before, cell.start + typed.end(), b""))
    elif kind:
        edits.append((cell.start + last, cell.start + last, b' t="' + kind + b'"'))
    # The value.
    if cell.v is None:
        v = cell.prefix + b"v"
        edits.append((cell.f_end, cell.f_end, b"<" + v + b">" + body + b"</" + v + b">"))
        return edits
    start, open_end, close, end = cell.v
    if close == end:  # <v/>: opened, under the name it has
        name = work[start + 1 : end].split(b"/")[0].split()[0]
        edits.append((start, end, b"<" + name + b">" + body + b"</" + name + b">"))
    elif work[open_end:close] != body:
        edits.append((open_end, close, body))
    return edits
