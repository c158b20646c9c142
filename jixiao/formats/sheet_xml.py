"""Worksheet and shared-string XML read fast, as text, with the rules of an XML parser.

A worksheet part is mostly ``<c>`` elements of one fixed shape; building an element tree
of it (openpyxl, lxml) costs far more than the cells are worth. Here a part is checked
for well-formedness by expat (C, no tree) and its cells are then picked out with regular
expressions over the decoded text, in document order, row by row:

- the main namespace may carry a prefix (``<x:c>``): such a part is rewritten without it;
- a part in another encoding than UTF-8, or with a DOCTYPE, is re-serialised by lxml
  (hardened: no entities, no network) into UTF-8 text first;
- text and attribute values are unescaped as an XML parser does (the five entities,
  character references, line ends normalised to ``\\n``);
- rows and cells without an ``r`` attribute take the position after the previous one,
  as Excel and openpyxl do;
- the rows after a limit are not read: :func:`scan_cells` stops at the first row past it
  and says how many rows the sheet has (the last row holding a value).

What a cell means (numbers, dates, shared formulas) is decided by the callers
(jixiao.formats.xlsx_grid, jixiao.formats.cached); this module only reads the XML.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Iterator
from dataclasses import dataclass

from jixiao.core.layout import column_letter

__all__ = [
    "COLUMNS",
    "MalformedPart",
    "Raw",
    "SheetScan",
    "attribute",
    "attributes",
    "check_well_formed",
    "column_number",
    "decode_part",
    "decoded_part",
    "escape",
    "inline_text",
    "odd_parts",
    "scan_cells",
    "shared_string_table",
    "unescape",
    "with_odd_parts",
]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class MalformedPart(ValueError):
    """A part that is not well-formed XML (the caller names it to the user)."""


# ---- text as an XML parser gives it ------------------------------------------------------

_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(m: re.Match[str]) -> str:
    name = m[1]
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


_UNESCAPED: dict[str, str] = {}  # formulas and labels repeat on every sheet of a workbook


def unescape(text: str) -> str:
    """Element text as a parser reports it: entities and character references replaced,
    literal line ends (CR LF, CR) normalised to LF."""
    if "&" not in text and "\r" not in text:
        return text
    done = _UNESCAPED.get(text)
    if done is None:
        done = text
        if "\r" in done:
            done = done.replace("\r\n", "\n").replace("\r", "\n")
        if "&" in done:
            done = _ENTITY.sub(_entity, done)
        if len(_UNESCAPED) < 200_000:
            _UNESCAPED[text] = done
    return done


def escape(text: str) -> str:
    """Text for XML element content: ``&``, ``<`` and ``>`` escaped, as
    ``xml.sax.saxutils.escape`` does (which loads ``urllib.request`` with it)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _unescape_attribute(text: str) -> str:
    """An attribute value as a parser reports it: literal whitespace becomes spaces."""
    if "\r" in text or "\n" in text or "\t" in text:
        text = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def attributes(text: str) -> dict[str, str]:
    """The attributes of a start tag's inside (``' r="A1" s="3"'``), unescaped."""
    return {
        m.group(1): _unescape_attribute(m.group(2) if m.group(2) is not None else m.group(3))
        for m in _ATTRIBUTE.finditer(text)
    }


def attribute(text: str, name: str) -> str | None:
    """One attribute of a start tag's inside, or None."""
    for m in _ATTRIBUTE.finditer(text):
        if m.group(1) == name:
            return _unescape_attribute(m.group(2) if m.group(2) is not None else m.group(3))
    return None


COLUMNS: dict[str, int] = {}  # column letters -> number, filled as they come


def column_number(letters: str) -> int:
    col = COLUMNS.get(letters)
    if col is None:
        col = 0
        for ch in letters.upper():
            col = col * 26 + ord(ch) - 64
        COLUMNS[letters] = col
    return col


# ---- the part as text ----------------------------------------------------------------------


def check_well_formed(data: bytes, final: bool = True) -> None:
    """Raise MalformedPart unless ``data`` is well-formed XML (expat; no tree is built).
    With ``final=False`` only what is there so far is checked (a prefix of a part)."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, final)
    except xml.parsers.expat.ExpatError as e:
        raise MalformedPart(f"XML 格式错误，第 {e.lineno} 行第 {e.offset + 1} 列") from None


_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)")
_ROOT = re.compile(r"<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)[\s/>]")


def decode_part(data: bytes) -> str:
    """The part as text in which the spreadsheet namespace has no prefix."""
    return decoded_part(data)[0]


def decoded_part(data: bytes) -> tuple[str, bool]:
    """:func:`decode_part`, and whether that is the bytes decoded as UTF-8 and nothing
    else (no prefix removed, not re-serialised)."""
    m = _DECLARATION.match(data[:200])
    encoding = m.group(1).decode("ascii", "replace").lower() if m else "utf-8"
    if encoding not in ("utf-8", "utf8") or b"<!DOCTYPE" in data[:4096]:
        return _without_prefix(_through_lxml(data)), False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _without_prefix(_through_lxml(data)), False
    plain = _without_prefix(text)
    return plain, plain is text


def _through_lxml(data: bytes) -> str:
    from lxml import etree  # noqa: PLC0415

    from jixiao.formats.xml import parse  # noqa: PLC0415  (rare: another encoding, a DOCTYPE)

    try:
        return str(etree.tostring(parse(data), encoding="unicode"))
    except etree.XMLSyntaxError as e:
        line, column = e.position
        raise MalformedPart(f"XML 格式错误，第 {line} 行第 {column} 列") from None


def _without_prefix(text: str) -> str:
    """``<x:worksheet xmlns:x="…main">…<x:c>`` → the same elements without ``x:``."""
    m = _ROOT.search(text)
    if m is None or m.group(1) is None:
        return text
    prefix = m.group(1)
    declared = re.search(rf"""xmlns:{re.escape(prefix)}\s*=\s*["']([^"']*)["']""", text)
    if declared is None or declared.group(1) != MAIN:
        return text
    return text.replace(f"<{prefix}:", "<").replace(f"</{prefix}:", "</")


# ---- strings -----------------------------------------------------------------------------------

_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.S)
_T = re.compile(r"<t(?:\s[^>]*)?(?:/>|>([^<]*)</t>)")


_INLINE: dict[str, str] = {}  # body -> text: labels repeat on every sheet of a workbook


def inline_text(body: str) -> str:
    """The text of an ``<is>`` or ``<si>`` body: its ``<t>`` runs, without the phonetic
    guide (``<rPh>``), as Excel shows the cell."""
    if body[:3] == "<t>" and body[-4:] == "</t>" and body.count("<") == 2:
        return unescape(body[3:-4])
    text = _INLINE.get(body)
    if text is None:
        runs = _PHONETIC.sub("", body) if "<rPh" in body else body
        text = "".join(unescape(t) for t in _T.findall(runs) if t)
        if len(_INLINE) < 100_000:
            _INLINE[body] = text
    return text


_SI = re.compile(
    r"<si(?:\s[^>]*)?>\s*<t(?:\s[^>]*)?>([^<]*)</t>\s*</si>"  # plain: one <t>
    r"|<si(?:\s[^>]*)?>(.*?)</si>"  # rich text
    r"|<si(?:\s[^>]*)?/>",
    re.S,
)


def shared_string_table(text: str) -> list[str]:
    """The shared strings (``xl/sharedStrings.xml``), by index, as openpyxl reads them
    (it also removes ``x005F_``, the escape of a literal ``_x…_``)."""
    out: list[str] = []
    for plain, rich in _SI.findall(text):
        value = unescape(plain) if plain else inline_text(rich) if rich else ""
        out.append(value.replace("x005F_", "") if "x005F_" in value else value)
    return out


# ---- cells ---------------------------------------------------------------------------------------


# One cell as Excel, LibreOffice, openpyxl and XlsxWriter write it: r first, then s and t.
# Groups: column letters, row digits, s, t, other attributes, "<f" (when there is a formula
# element), its attributes, its text, "<v>" (when there is a value element), its text, "<is"
# (when there is an inline string), its body, anything else inside the cell (an unusual
# shape: see odd_parts).
# Possessive quantifiers (``*+``, ``?+``): no part of the pattern could match what an
# earlier one took instead (their characters differ, and the lazy rest ends the cell), so
# giving nothing back is the same match, found about 10% faster.
_CELL = re.compile(
    r'<c r="([A-Z]{1,3}+)(\d++)"(?: s="(\d++)")?+(?: t="(\w++)")?+([^>/]*+)(?:/>|>'
    r"(?:(<f)([^>/]*+)(?:/>|>([^<]*+)</f>))?+"
    r"(?:(<v>)([^<]*+)</v>)?+"
    r"(?:(<is)>((?:<t>[^<]*</t>)?.*?)</is>)?"  # a plain <t> skipped at speed, then any rest
    r"(.*?)</c>)",
    re.S,
)
_CELL_START = re.compile(r"<c[\s/>]")
_ROW = re.compile(r"<row\b([^>]*?)(/?)>")
_ANY_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_REF = re.compile(r'<c r="[A-Z]{1,3}(\d+)"')
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_R_ATTR = re.compile(r"""\br\s*=\s*["']([^"']*)["']""")
_CONTENT = re.compile(r"<v[\s>]|<f[\s>/]|<is[\s>]")

# A cell as _CELL's groups give it (see there); every field is text, "" when absent.
Raw = tuple[str, str, str, str, str, str, str, str, str, str, str, str, str]


@dataclass
class SheetScan:
    cells: list[Raw]  # in document order; a cell's parts are raw text (not unescaped)
    rows: int  # when truncated: the last row holding a value (the sheet's size)
    truncated: bool  # rows past the limit hold values and were not read
    read_upto: int  # where reading stopped in the text (its end when nothing was cut)


def scan_cells(text: str, max_rows: int) -> SheetScan:
    """The cells of a worksheet part (from :func:`decode_part`) in rows 1..max_rows.

    The rows past ``max_rows`` are not read: the part is cut before the first of them
    (found by bisection over the cells' row numbers), and the rest is only searched for
    its last value, to say how large the sheet is. A cell's ``rest`` group, when it is
    not blank, holds parts in an unusual shape: read them with :func:`odd_parts`; its
    ``extra`` group, other attributes: read them with :func:`attributes`.
    """
    start = text.find("<sheetData")
    start = 0 if start < 0 else start
    end = text.find("</sheetData>", start)
    end = len(text) if end < 0 else end
    cut = _cut(text, start, end, max_rows)
    cells: list[Raw] = _CELL.findall(text, start, cut)
    # Each cell found is a "<c" in the text: when there are no more of those, none was
    # missed (counting "<c" is a third of a regex's time; rich text's <color>, <charset>
    # also start so, and then the cells' starts are counted exactly).
    found = len(cells)
    if (
        text.count("<c", start, cut) != found
        and len(_CELL_START.findall(text, start, cut)) != found
    ):
        # attributes in another order, cells or rows without r
        cells, cut = _general(text, start, end, max_rows)
    truncated = cut < end and _CONTENT.search(text, cut, end) is not None
    rows = _last_row(text, cut, end, max_rows + 1) if truncated else 0
    return SheetScan(cells, rows, truncated, cut if cut < end else len(text))


def _cut(text: str, start: int, end: int, max_rows: int) -> int:
    """Where the row of the first cell past ``max_rows`` starts (``end`` when none is):
    a bisection over the cells, whose rows only go up."""

    def row_at(at: int) -> int:
        m = _CELL_REF.match(text, at)
        return int(m.group(1)) if m else 0

    last = text.rfind('<c r="', start, end)
    if last < 0 or row_at(last) <= max_rows:
        return end
    lo, hi = start, last  # the cell at hi is past the limit; none before lo is
    while lo < hi:
        mid = (lo + hi) // 2
        at = text.find('<c r="', mid, hi)
        if at < 0:
            at = text.rfind('<c r="', lo, mid)
            if at < 0:
                break
        if row_at(at) > max_rows:
            hi = at
        else:
            lo = at + 1
    row = text.rfind("<row", start, hi)
    return row if row >= 0 else hi


def _general(text: str, start: int, end: int, max_rows: int) -> tuple[list[Raw], int]:
    """Row by row, with openpyxl's counters for rows and cells without ``r``; stops at
    the first row past ``max_rows`` (where, is returned)."""
    cells: list[Raw] = []
    pos, row_no = start, 0
    while True:
        m = _ROW.search(text, pos, end)
        if m is None:
            return cells, end
        r = _R_ATTR.search(m.group(1))
        row_no = _row_number(r.group(1)) if r else row_no + 1
        if row_no > max_rows:
            return cells, m.start()
        if m.group(2):  # <row …/>
            pos = m.end()
            continue
        close = text.find("</row>", m.end(), end)
        close = end if close < 0 else close
        pos = close + len("</row>")
        col = 0
        for c in _ANY_CELL.finditer(text, m.end(), close):
            attrs = attributes(c.group(1).rstrip("/"))
            ref = _REF.fullmatch(attrs.get("r", ""))
            if ref is not None:
                row, col = int(ref.group(2)), column_number(ref.group(1))
            else:
                row, col = row_no, col + 1
            if c.group(2) is None:
                continue
            fm, fa, ft, vm, v, im, ib = odd_parts(c.group(2))
            s, t = attrs.get("s", ""), attrs.get("t", "")
            cells.append((column_letter(col), str(row), s, t, "", fm, fa, ft, vm, v, im, ib, ""))


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return int(float(text))


def _last_row(text: str, start: int, end: int, at_least: int) -> int:
    """The row of the last cell with a value between ``start`` and ``end``."""
    last = max(text.rfind("<v>", start, end), text.rfind("<v ", start, end))
    last = max(last, text.rfind("<f", start, end), text.rfind("<is>", start, end))
    if last < 0:
        return at_least
    for tag in ("<c ", "<row"):
        at = text.rfind(tag, start, last)
        if at >= 0:
            r = _R_ATTR.search(text, at, text.find(">", at))
            if r is not None:
                ref = _REF.fullmatch(r.group(1))
                if ref is not None:
                    return max(at_least, int(ref.group(2)))
                if r.group(1).isdigit():
                    return max(at_least, int(r.group(1)))
    return at_least


_ODD_F = re.compile(r"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_ODD_V = re.compile(r"<v(?:\s[^>]*)?(?:/>|>(.*?)</v>)", re.S)
_ODD_IS = re.compile(r"<is(?:\s[^>]*)?(?:/>|>(.*?)</is>)", re.S)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def with_odd_parts(
    fm: str, fa: str, ft: str, vm: str, v: str, im: str, ib: str, rest: str
) -> tuple[str, str, str, str, str, str, str]:
    """A cell's parts completed from what its regular shape left over (``rest``)."""
    fm2, fa2, ft2, vm2, v2, im2, ib2 = odd_parts(rest)
    if not fm:
        fm, fa, ft = fm2, fa2, ft2
    if not im:
        im, ib = im2, ib2
    return fm, fa, ft, vm or vm2, v or v2, im, ib


def odd_parts(body: str) -> tuple[str, str, str, str, str, str, str]:
    """The parts of a cell body in an unusual shape (elements in another order, white
    space, CDATA, comments, an extension list), found one by one: ("<f", its attributes,
    its text, "<v>", its text, "<is", its body) as ``_CELL``'s groups give them."""
    if "<!--" in body:
        body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    if "<![CDATA[" in body:
        body = _CDATA.sub(lambda m: m.group(1).replace("&", "&amp;").replace("<", "&lt;"), body)
    f = _ODD_F.search(body)
    v = _ODD_V.search(body)
    inline = _ODD_IS.search(body)
    return (
        "<f" if f else "",
        (f.group(1) or "") if f else "",
        (f.group(2) or "") if f else "",
        "<v>" if v else "",
        (v.group(1) or "") if v else "",
        "<is" if inline else "",
        (inline.group(1) or "") if inline else "",
    )


def iter_merges(text: str) -> Iterator[str]:
    """The ``ref`` of every ``<mergeCell>``."""
    start = text.find("<mergeCells")
    if start < 0:
        return
    for m in re.finditer(r"<mergeCell\b([^>]*)", text[start:]):
        ref = attribute(m.group(1), "ref")
        if ref:
            yield ref
