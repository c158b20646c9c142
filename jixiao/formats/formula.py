"""Evaluate a workbook's formulas without a spreadsheet program.

jixiao writes workbooks whose computed cells are formulas; a file written by us has no
cached results until a spreadsheet program recalculates it. This module computes them, so
the cached value <v> of every formula cell can be written with the file.

It evaluates the functions our templates use (see ``FUNCTIONS``) with the semantics of an
Excel array formula -- every formula is evaluated as if entered with Ctrl+Shift+Enter,
which is also how LibreOffice evaluates these formulas: array constants and ranges given
to element-wise functions produce arrays, and the aggregate and lookup functions consume
them. A formula whose result is an array shows its top-left element.

Where Excel and LibreOffice disagree we follow LibreOffice, the program the tests compare
with, unless noted:

* Text to number (``--"12"``, ``0+A1``, arithmetic on text): LibreOffice's number
  recognition for the en-US locale: plain numbers with optional thousands separators and
  exponent, a leading or trailing sign, ``$``, ``(5)``, a percent sign, times (``12:30``,
  ``10AM``), ISO dates (``2020-12-31``) and US dates (``12/31``, ``1/2/2020``). Excel
  recognises dates of its own locale. ``--"TRUE"`` is #VALUE! (as in Excel). Not copied:
  LibreOffice's Julian calendar before 1582 and a few malformed forms ("95.1/E0").
* LOOKUP in approximate mode skips error values and runs LibreOffice's binary search on
  what remains: for sorted data and for the idioms ``LOOKUP(9.9E+307, numbers_and_errors)``
  (last number) and ``LOOKUP(2, 1/condition, result)`` (last TRUE) this is Excel's answer.
* ASC converts U+FF01-U+FF5E and the ideographic space U+3000 to half-width (Excel;
  LibreOffice keeps U+3000), and like LibreOffice CJK punctuation (、。「」・ー) and katakana.
* A formula whose result is a reference to an empty cell (``=A1``, ``IF(x,A1)``,
  ``INDEX(range,n)`` on an empty cell) has LibreOffice's "empty result": written as 0, it
  compares equal to "" and to 0, is not ISNUMBER, reads as "0" in text and counts as a
  number. In Excel it is the number 0 (so ``=B1=""`` differs).
* Text comparison is case-insensitive; ``<`` and ``>`` on text compare lower-cased code
  points (both programs use a locale collation; they agree on ASCII and CJK ideographs).
* ``=`` on numbers and the results of ``+`` and ``-`` use LibreOffice's rounding
  (rtl::math::approxEqual, approxAdd, approxSub): 0.1+0.2=0.3 is TRUE and 0.3-0.1-0.2 is 0.
* Booleans are their own type, as in Excel: ``ISNUMBER(TRUE)`` is FALSE and ``TRUE=1`` is
  FALSE (LibreOffice treats booleans as numbers).
* MATCH with match type 0 honours the wildcards ``*``, ``?`` and ``~`` in text, in ranges
  and arrays alike (LibreOffice: ranges only).
* FIND("", text) is 1 (Excel); INDEX out of range is #REF! (LibreOffice: #VALUE! for
  arrays); 0^0 is #NUM! (Excel; LibreOffice: 1); number-to-text writes ``1E+20`` (Excel).

Errors are values of ``Error``. A formula cell that is part of a reference cycle -- it
depends, through the references it contains, on its own value -- is ``#VALUE!`` and is
not evaluated; cells that merely read a cycle see that error. An unknown function is
#NAME?; a user function that raises is #VALUE!. A formula that cannot be parsed is #NAME?.

Positions are 1-based: (sheet, row, column) with row 1 and column 1 for A1.
"""

from __future__ import annotations

import bisect
import datetime
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = [
    "FUNCTIONS",
    "Error",
    "FormulaSyntaxError",
    "Workbook",
    "evaluate_all",
    "parse",
    "text_to_number",
]

# ---- values ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Error:
    """An Excel error value such as #N/A."""

    code: str

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"Error({self.code!r})"


VALUE = Error("#VALUE!")
NA = Error("#N/A")
DIV0 = Error("#DIV/0!")
REF = Error("#REF!")
NAME = Error("#NAME?")
NUM = Error("#NUM!")
NULL = Error("#NULL!")
ERRORS = {e.code: e for e in (VALUE, NA, DIV0, REF, NAME, NUM, NULL, Error("#GETTING_DATA"))}

MAX_ROW = 1_048_576
MAX_COL = 16_384
DBL_MAX = 1.7976931348623157e308
E48 = 1.0 / (16777216.0 * 16777216.0)  # 2**-48, LibreOffice's approxEqual tolerance


class Array:
    """A 2-D array of scalar values (rows of equal length)."""

    __slots__ = ("ncols", "nrows", "rows")

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows
        self.nrows = len(rows)
        self.ncols = len(rows[0]) if rows else 0

    def __repr__(self) -> str:
        return f"Array({self.rows!r})"

    def flat(self) -> Iterator[Any]:
        for row in self.rows:
            yield from row

    def top_left(self) -> Any:
        return self.rows[0][0] if self.nrows and self.ncols else VALUE


class Ref:
    """A reference to a rectangle of cells on one sheet."""

    __slots__ = ("c1", "c2", "r1", "r2", "sheet")

    def __init__(self, sheet: str, r1: int, c1: int, r2: int, c2: int) -> None:
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2

    @property
    def single(self) -> bool:
        return self.r1 == self.r2 and self.c1 == self.c2

    @property
    def key(self) -> tuple[str, int, int, int, int]:
        return (self.sheet, self.r1, self.c1, self.r2, self.c2)

    def __repr__(self) -> str:
        return f"Ref({self.sheet!r}, {self.r1}, {self.c1}, {self.r2}, {self.c2})"


class _EmptyResult:
    """The result of a formula that is a reference to an empty cell, as LibreOffice keeps
    it: it shows as 0 and counts as the number 0, but compares equal to "" (and to 0) and
    is not ISNUMBER. Excel would hold the number 0."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "EMPTY_RESULT"


EMPTY_RESULT = _EmptyResult()


def _approx_equal(a: float, b: float) -> bool:
    if a == b:
        return True
    if a == 0.0 or b == 0.0:
        return False
    d = abs(a - b)
    if not math.isfinite(d):
        return False
    return d < abs(a) * E48 and d < abs(b) * E48


def _approx_add(a: float, b: float) -> float:
    if ((a < 0.0 < b) or (b < 0.0 < a)) and _approx_equal(a, -b):
        return 0.0
    return a + b


def _approx_sub(a: float, b: float) -> float:
    if ((a < 0.0 and b < 0.0) or (a > 0.0 and b > 0.0)) and _approx_equal(a, b):
        return 0.0
    return a - b


def _finite(x: float) -> float | Error:
    return x if math.isfinite(x) else NUM


# ---- text to number --------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+\.?)?", re.ASCII)
_TIME = re.compile(
    r"(\d+)(?::(\d*)(?:\.(\d*))?(?::(\d*(?:\.\d*)?))?)?[:.]?\s*([aApP][mM])?", re.ASCII
)
_ISO_DATE = re.compile(r"(\d+)-(\d{1,2})-(\d{1,2})(?:[ T](.+))?", re.ASCII)
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d+))?(?: +(.+))?", re.ASCII)
_DIGITS = frozenset("0123456789")
_EPOCH = datetime.date(1899, 12, 30).toordinal()


def text_to_number(text: str) -> float | None:
    """The number a text stands for when a formula uses it as a number, or None.

    LibreOffice's recognition (en-US): " 12 ", "1,000.5", "1.5E3", "50%", "-3", "3-",
    "$5", "(5)", times "12:30", "10AM", dates "2020-12-31", "12/31", "1/2/2020".
    """
    s = text.strip(" ")
    if not s:
        return None
    negative = False
    if s[0] == "(" and s[-1] == ")":
        negative, s = True, s[1:-1].strip(" ")
    sign = ""
    for _ in range(2):
        if s[:1] in ("+", "-") and not sign:
            sign, s = s[0], s[1:]
        elif s[:1] == "$":
            s = s[1:]
    percent = s.endswith("%")
    if percent:
        s = s[:-1].rstrip(" ")
    if len(s) > 2 and s[-1] == ":" and s[-2] in "+-" and all(ch in _DIGITS for ch in s[:-2]):
        s = s[:-2] + ":0" + s[-2]  # "4-:" is minus four hours
    trailing = s[-1:] in ("+", "-") and len(s) > 1
    if trailing:
        if sign:
            return None
        sign, s = s[-1], s[:-1]
    if sign == "-":
        negative = not negative
    if not s:
        return None
    if _PLAIN_NUMBER.fullmatch(s) and any(ch in _DIGITS for ch in s.split("e")[0].split("E")[0]):
        exponent = "e" in s or "E" in s
        if percent and exponent:
            return None
        mantissa = s.replace(",", "")
        if mantissa.endswith(".") and exponent:
            if "." in mantissa[:-1]:
                return None
            mantissa = mantissa[:-1]
        try:
            x = float(mantissa)
        except ValueError:
            return None
        if math.isinf(x):
            x = DBL_MAX
        if percent:
            x /= 100.0
        return -x if negative else x
    if percent or "$" in text:
        return None
    if trailing:  # "10:30-": a trailing sign only after a time's last digit
        x = _time_fraction(s) if s[-1] in _DIGITS else None
    else:
        x = _date_or_time(s)
    if x is None:
        return None
    return -x if negative else x


def _date_or_time(s: str) -> float | None:
    m = _ISO_DATE.fullmatch(s)
    if m:
        y_text = m.group(1)
        if len(y_text) == 1 or (len(y_text) == 2 and int(y_text) <= 12):
            return None
        return _date_serial(y_text, int(m.group(2)), int(m.group(3)), m.group(4))
    m = _US_DATE.fullmatch(s)
    if m:
        y_text = m.group(3) or str(datetime.date.today().year)
        return _date_serial(y_text, int(m.group(1)), int(m.group(2)), m.group(4))
    return _time_fraction(s)


def _date_serial(y_text: str, month: int, day: int, time: str | None) -> float | None:
    year = int(y_text)
    if len(y_text) <= 2:
        year += 2000 if year < 30 else 1900
    try:
        days = datetime.date(year, month, day).toordinal() - _EPOCH
    except ValueError:
        return None
    if time is None or not time.strip(" "):
        return float(days)
    fraction = _time_fraction(time.strip(" "))
    return None if fraction is None else days + fraction


def _time_fraction(s: str) -> float | None:
    m = _TIME.fullmatch(s)
    if not m or "::" in s or ":." in s or ".." in s:
        return None
    h_text, m_text, frac, s_text, ampm = m.groups()
    if m_text is None and ampm is None:
        return None  # a bare number is not a time
    hours = float(int(h_text) % 65536)  # LibreOffice keeps 16 bits of the hours
    minutes = float(m_text) if m_text else 0.0
    seconds = float(s_text) if s_text else 0.0
    if frac:
        if s_text is not None:
            return None
        # "1:2.5" is minutes:seconds.fraction
        hours, minutes, seconds = 0.0, hours, float(f"{m_text or 0}.{frac or 0}")
    if ampm:
        if hours > 12:
            return None
        if ampm.lower() == "pm":
            hours = hours if hours == 12 else hours + 12
        elif hours == 12:
            hours = 0.0
    if hours != 0 and minutes >= 60:
        return None
    if (hours != 0 or minutes != 0) and seconds >= 60:
        return None
    return (hours * 3600 + minutes * 60 + seconds) / 86400


# ---- coercion -------------------------------------------------------------------------


def to_number(v: Any) -> float | Error:
    cls = v.__class__
    if cls is float:
        return v
    if cls is int:
        return float(v)
    if v is None or v is EMPTY_RESULT:
        return 0.0
    if cls is bool:
        return 1.0 if v else 0.0
    if cls is str:
        x = text_to_number(v)
        return VALUE if x is None else x
    if cls is Error:
        return v
    return VALUE


def number_text(x: float) -> str:
    """A number as Excel's General format writes it in text (up to 15 significant digits)."""
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    exponent = math.floor(math.log10(abs(x)))
    if -10 < exponent < 15:
        text = f"{x:.{max(0, 14 - exponent)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    mantissa, _, exp = f"{x:.14E}".partition("E")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}E{exp[0]}{int(exp[1:])}"


def to_text(v: Any) -> str | Error:
    cls = v.__class__
    if cls is str:
        return v
    if v is None:
        return ""
    if cls is bool:
        return "TRUE" if v else "FALSE"
    if cls is float or cls is int:
        return number_text(float(v))
    if cls is Error:
        return v
    if v is EMPTY_RESULT:
        return "0"
    return VALUE


def to_bool(v: Any) -> bool | Error:
    cls = v.__class__
    if cls is bool:
        return v
    if cls is float or cls is int:
        return v != 0
    if v is None or v is EMPTY_RESULT:
        return False
    if cls is str:
        u = v.upper()
        if u == "TRUE":
            return True
        if u == "FALSE":
            return False
        return VALUE
    if cls is Error:
        return v
    return VALUE


def _type_rank(v: Any) -> int:
    cls = v.__class__
    if cls is str:
        return 1
    if cls is bool:
        return 2
    return 0


def compare(a: Any, b: Any) -> int | Error:
    """-1, 0 or 1 as Excel orders two values: numbers < text < logicals; empty is 0, "" or
    FALSE as the other side needs; text case-insensitive."""
    if a.__class__ is Error:
        return a
    if b.__class__ is Error:
        return b
    if a is EMPTY_RESULT:
        a = None
    if b is EMPTY_RESULT:
        b = None
    if a is None:
        if b is None:
            return 0
        a = "" if b.__class__ is str else (False if b.__class__ is bool else 0.0)
    elif b is None:
        b = "" if a.__class__ is str else (False if a.__class__ is bool else 0.0)
    ra, rb = _type_rank(a), _type_rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 1:
        la, lb = a.lower(), b.lower()
        return 0 if la == lb else (-1 if la < lb else 1)
    if ra == 0:
        if _approx_equal(a, b):
            return 0
        return -1 if a < b else 1
    return 0 if a == b else (-1 if a < b else 1)


# ---- syntax -----------------------------------------------------------------------------


class FormulaSyntaxError(ValueError):
    """A formula we cannot read."""


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any  # float, str, bool or Error


@dataclass(frozen=True, slots=True)
class ArrayLiteral:
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, slots=True)
class Reference:
    """A cell or a range as written: rows and columns 1-based, with their $ flags."""

    sheet: str | None
    r1: int
    c1: int
    r2: int
    c2: int
    r1_abs: bool = False
    c1_abs: bool = False
    r2_abs: bool = False
    c2_abs: bool = False


@dataclass(frozen=True, slots=True)
class NameRef:
    sheet: str | None
    name: str


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-", "+" or "%"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # upper case, without _xlfn.
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Missing:
    """An omitted argument, as in IF(A1,,1)."""


Node = Literal | ArrayLiteral | Reference | NameRef | Unary | Binary | Call | Missing

_SHEET = r"(?:'(?:[^']|'')+'|[^\W\d][\w.]*)!"
_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
    |(?P<str>"(?:[^"]|"")*")
    |(?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA))
    |(?P<ref>(?P<sheet>{_SHEET})?
        (?P<body>{_CELL}(?::{_CELL})?|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?\d+:\$?\d+)
        (?![\w.(!]))
    |(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<name>(?P<nsheet>{_SHEET})?[^\W\d][\w.]*)
    |(?P<op><>|<=|>=|[-+*/^&=<>%(),;{{}}])
    """,
    re.VERBOSE,
)
_PART = re.compile(r"(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?")


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _sheet_name(prefix: str | None) -> str | None:
    if not prefix:
        return None
    s = prefix[:-1]
    if s.startswith("'"):
        s = s[1:-1].replace("''", "'")
    return s


def _reference(sheet: str | None, body: str) -> Reference | None:
    parts = body.split(":")
    cells = []
    for p in parts:
        m = _PART.fullmatch(p)
        if not m:
            return None
        col_abs, letters, row_abs, digits = m.groups()
        if letters and digits is None and row_abs:
            return None
        cells.append(
            (col_abs == "$", letters, row_abs == "$" or (not letters and col_abs == "$"), digits)
        )
    if len(cells) == 1:
        ca, letters, ra, digits = cells[0]
        if not letters or not digits:
            return None
        c, r = column_number(letters), int(digits)
        if c > MAX_COL or not 1 <= r <= MAX_ROW:
            return None
        return Reference(sheet, r, c, r, c, ra, ca, ra, ca)
    (ca1, l1, ra1, d1), (ca2, l2, ra2, d2) = cells
    if l1 and l2 and d1 and d2:
        r1, c1, r2, c2 = int(d1), column_number(l1), int(d2), column_number(l2)
    elif l1 and l2 and not d1 and not d2:  # A:B
        r1, c1, r2, c2 = 1, column_number(l1), MAX_ROW, column_number(l2)
        ra1 = ra2 = True
    elif d1 and d2 and not l1 and not l2:  # 1:3
        r1, c1, r2, c2 = int(d1), 1, int(d2), MAX_COL
        ca1 = ca2 = True
    else:
        return None
    if max(c1, c2) > MAX_COL or min(r1, r2) < 1 or max(r1, r2) > MAX_ROW:
        return None
    if r1 > r2:
        r1, r2, ra1, ra2 = r2, r1, ra2, ra1
    if c1 > c2:
        c1, c2, ca1, ca2 = c2, c1, ca2, ca1
    return Reference(sheet, r1, c1, r2, c2, ra1, ca1, ra2, ca2)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaSyntaxError(f"cannot read {text[pos : pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind == "str":
            out.append(("lit", m.group()[1:-1].replace('""', '"')))
        elif kind == "err":
            out.append(("lit", ERRORS[m.group().upper()]))
        elif kind in ("ref", "body", "sheet"):
            ref = _reference(_sheet_name(m.group("sheet")), m.group("body"))
            if ref is None:
                out.append(("name", (_sheet_name(m.group("sheet")), m.group("body"))))
            else:
                out.append(("ref", ref))
        elif kind == "num":
            out.append(("lit", float(m.group())))
        elif kind in ("name", "nsheet"):
            sheet = _sheet_name(m.group("nsheet"))
            word = m.group()[len(m.group("nsheet") or "") :]
            out.append(("name", (sheet, word)))
        else:
            out.append(("op", m.group()))
    out.append(("end", None))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, Any]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, op: str) -> None:
        kind, value = self.take()
        if kind != "op" or value != op:
            raise FormulaSyntaxError(f"expected {op!r}, found {value!r}")

    def at(self, *ops: str) -> bool:
        kind, value = self.peek()
        return kind == "op" and value in ops

    def formula(self) -> Node:
        node = self.comparison()
        if self.peek()[0] != "end":
            raise FormulaSyntaxError(f"unexpected {self.peek()[1]!r}")
        return node

    def comparison(self) -> Node:
        node = self.concat()
        while self.at("=", "<>", "<", ">", "<=", ">="):
            op = self.take()[1]
            node = Binary(op, node, self.concat())
        return node

    def concat(self) -> Node:
        node = self.additive()
        while self.at("&"):
            self.take()
            node = Binary("&", node, self.additive())
        return node

    def additive(self) -> Node:
        node = self.term()
        while self.at("+", "-"):
            op = self.take()[1]
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.power()
        while self.at("*", "/"):
            op = self.take()[1]
            node = Binary(op, node, self.power())
        return node

    def power(self) -> Node:
        node = self.unary()
        while self.at("^"):
            self.take()
            node = Binary("^", node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("-", "+"):
            op = self.take()[1]
            return Unary(op, self.unary())
        node = self.primary()
        while self.at("%"):
            self.take()
            node = Unary("%", node)
        return node

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "lit":
            return Literal(value)
        if kind == "ref":
            return value
        if kind == "name":
            sheet, word = value
            if self.at("(") and sheet is None:
                self.take()
                return self.call(word)
            upper = word.upper()
            if sheet is None and upper in ("TRUE", "FALSE"):
                return Literal(upper == "TRUE")
            return NameRef(sheet, word)
        if kind == "op" and value == "(":
            node = self.comparison()
            self.expect(")")
            return node
        if kind == "op" and value == "{":
            return self.array()
        raise FormulaSyntaxError(f"unexpected {value!r}")

    def call(self, word: str) -> Node:
        name = word.upper()
        for prefix in ("_XLFN.", "_XLWS."):
            name = name.removeprefix(prefix)
        args: list[Node] = []
        if self.at(")"):
            self.take()
            return Call(name, ())
        while True:
            if self.at(",", ")"):
                args.append(Missing())
            else:
                args.append(self.comparison())
            if self.at(","):
                self.take()
                continue
            self.expect(")")
            return Call(name, tuple(args))

    def array(self) -> Node:
        rows: list[list[Any]] = [[]]
        while True:
            sign = 1.0
            while self.at("-", "+"):
                if self.take()[1] == "-":
                    sign = -sign
            kind, value = self.take()
            if kind == "lit":
                if sign != 1.0:
                    if value.__class__ is not float:
                        raise FormulaSyntaxError("a sign before a non-number in an array")
                    value = -value
                rows[-1].append(value)
            elif kind == "name" and value[0] is None and value[1].upper() in ("TRUE", "FALSE"):
                rows[-1].append(value[1].upper() == "TRUE")
            else:
                raise FormulaSyntaxError(f"unexpected {value!r} in an array constant")
            if self.at(","):
                self.take()
            elif self.at(";"):
                self.take()
                rows.append([])
            else:
                self.expect("}")
                break
        if len({len(r) for r in rows}) != 1:
            raise FormulaSyntaxError("array constant rows differ in length")
        return ArrayLiteral(tuple(tuple(r) for r in rows))


@lru_cache(maxsize=8192)
def parse(text: str) -> Node:
    """The syntax tree of a formula (without the leading "="). Raises FormulaSyntaxError."""
    return _Parser(text.removeprefix("=")).formula()


# A1 references outside string literals and quoted sheet names, for the R1C1 cache key.
_KEY = re.compile(
    r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|(?<![\w.$])(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![\w.(!])"
)


def _r1c1_key(text: str, row: int, col: int) -> str:
    """The formula with relative references written as offsets from (row, col): formulas
    that differ only by being copied down share one key, and one compiled function."""

    def sub(m: re.Match[str]) -> str:
        letters = m.group(2)
        if letters is None:
            return m.group()
        c = column_number(letters)
        r = int(m.group(4))
        cs = f"C{c}" if m.group(1) else f"C[{c - col}]"
        rs = f"R{r}" if m.group(3) else f"R[{r - row}]"
        return f"\x00{rs}{cs}"

    return _KEY.sub(sub, text)


# ---- compiling ---------------------------------------------------------------------------

Fn = Callable[["_Evaluator"], Any]
_RETURNS_REFERENCE = frozenset({"INDEX"})


@dataclass
class _Compiled:
    fn: Fn
    refs: list[tuple[Any, ...]] = field(default_factory=list)  # reference templates
    names: set[tuple[str | None, str]] = field(default_factory=set)


@dataclass(frozen=True)
class Function:
    """A worksheet function: ``impl(ev, args)`` with args evaluated per ``modes``.

    modes: one letter per parameter (the last repeats): "v" a value (a reference becomes its
    value or an array), "r" a reference kept as such, "l" lazy (the argument's function).
    """

    impl: Callable[..., Any]
    modes: str


class _Compiler:
    def __init__(self, book: _Evaluator) -> None:
        self.book = book

    def compile(self, node: Node, row: int, col: int, *, ref: bool = False) -> _Compiled:
        out = _Compiled(fn=lambda ev: VALUE)
        out.fn = self.node(node, row, col, out, ref=ref)
        return out

    def node(self, node: Node, row: int, col: int, out: _Compiled, *, ref: bool) -> Fn:
        cls = node.__class__
        if cls is Literal:
            value = node.value
            return lambda ev: value
        if cls is Missing:
            return lambda ev: None
        if cls is ArrayLiteral:
            array = Array([list(r) for r in node.rows])
            return lambda ev: array
        if cls is Reference:
            return self.reference(node, row, col, out, ref=ref)
        if cls is NameRef:
            return self.name(node, out, ref=ref)
        if cls is Unary:
            return self.unary(node, row, col, out)
        if cls is Binary:
            return self.binary(node, row, col, out)
        if cls is Call:
            fn = self.call(node, row, col, out)
            if node.name in _RETURNS_REFERENCE and not ref:
                return lambda ev: ev.deref(fn(ev))
            return fn
        raise FormulaSyntaxError(f"unknown node {node!r}")

    def reference(self, node: Reference, row: int, col: int, out: _Compiled, *, ref: bool) -> Fn:
        sheet = self.book.canonical_sheet(node.sheet) if node.sheet else None
        spec = (
            sheet,
            node.r1 if node.r1_abs else node.r1 - row,
            node.r1_abs,
            node.c1 if node.c1_abs else node.c1 - col,
            node.c1_abs,
            node.r2 if node.r2_abs else node.r2 - row,
            node.r2_abs,
            node.c2 if node.c2_abs else node.c2 - col,
            node.c2_abs,
        )
        out.refs.append(spec)
        single = node.r1 == node.r2 and node.c1 == node.c2
        if single and not ref:
            _, dr, ra, dc, ca = spec[:5]
            if sheet is None:
                if ra and ca:
                    return lambda ev: ev.cell_value(ev.sheet, dr, dc)
                if ra:
                    return lambda ev: ev.cell_value(ev.sheet, dr, ev.col + dc)
                if ca:
                    return lambda ev: ev.cell_value(ev.sheet, ev.row + dr, dc)
                return lambda ev: ev.cell_value(ev.sheet, ev.row + dr, ev.col + dc)
            return lambda ev: ev.cell_value(
                sheet, dr if ra else ev.row + dr, dc if ca else ev.col + dc
            )
        if ref:
            return lambda ev: ev.make_ref(spec)
        return lambda ev: ev.deref(ev.make_ref(spec))

    def name(self, node: NameRef, out: _Compiled, *, ref: bool) -> Fn:
        sheet = self.book.canonical_sheet(node.sheet) if node.sheet else None
        key = (sheet, node.name)
        out.names.add(key)
        if ref:
            return lambda ev: ev.name_value(key)
        return lambda ev: ev.deref(ev.name_value(key))

    def unary(self, node: Unary, row: int, col: int, out: _Compiled) -> Fn:
        operand = self.node(node.operand, row, col, out, ref=False)
        if node.op == "+":
            return operand
        if node.op == "-":
            return lambda ev: _lift1(_negate, operand(ev))
        return lambda ev: _lift1(_percent, operand(ev))

    def binary(self, node: Binary, row: int, col: int, out: _Compiled) -> Fn:
        left = self.node(node.left, row, col, out, ref=False)
        right = self.node(node.right, row, col, out, ref=False)
        op = _BINARY[node.op]

        def binary(ev: _Evaluator) -> Any:
            a, b = left(ev), right(ev)
            if a.__class__ is Array or b.__class__ is Array:
                return _broadcast(op, (a, b))
            return op(a, b)

        return binary

    def call(self, node: Call, row: int, col: int, out: _Compiled) -> Fn:
        spec = FUNCTIONS.get(node.name)
        if spec is None:
            udf = self.book.functions.get(node.name)
            if udf is None:
                return lambda ev: NAME
            args = [self.node(a, row, col, out, ref=True) for a in node.args]
            return lambda ev: _call_udf(ev, udf, [a(ev) for a in args])
        modes = spec.modes
        fns: list[Fn] = []
        kinds: list[str] = []
        for i, a in enumerate(node.args):
            mode = modes[min(i, len(modes) - 1)] if modes else "v"
            kinds.append(mode)
            fns.append(self.node(a, row, col, out, ref=mode == "r"))
        impl = spec.impl
        if all(k != "l" for k in kinds):
            if len(fns) == 1:
                f0 = fns[0]
                return lambda ev: impl(ev, (f0(ev),))
            if len(fns) == 2:
                f0, f1 = fns
                return lambda ev: impl(ev, (f0(ev), f1(ev)))
            return lambda ev: impl(ev, tuple(f(ev) for f in fns))
        lazy = tuple(fns)
        return lambda ev: impl(ev, lazy)


# ---- operators ---------------------------------------------------------------------------


def _lift1(f: Callable[[Any], Any], x: Any) -> Any:
    if x.__class__ is Array:
        return Array([[f(v) for v in row] for row in x.rows])
    return f(x)


def _broadcast(f: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Apply f element by element: a single row repeats down, a single column across, a
    scalar everywhere; positions outside a smaller array are #N/A."""
    arrays = [a for a in args if a.__class__ is Array]
    if not arrays:
        return f(*args)
    nrows = max(a.nrows for a in arrays)
    ncols = max(a.ncols for a in arrays)
    getters = []
    for a in args:
        if a.__class__ is not Array:
            getters.append(lambda i, j, v=a: v)
            continue

        def get(i: int, j: int, a: Array = a) -> Any:
            ii = 0 if a.nrows == 1 else i
            jj = 0 if a.ncols == 1 else j
            if ii >= a.nrows or jj >= a.ncols:
                return NA
            return a.rows[ii][jj]

        getters.append(get)
    return Array([[f(*(g(i, j) for g in getters)) for j in range(ncols)] for i in range(nrows)])


def _negate(v: Any) -> Any:
    x = to_number(v)
    return x if x.__class__ is Error else -x


def _percent(v: Any) -> Any:
    x = to_number(v)
    return x if x.__class__ is Error else x / 100.0


def _arith(op: Callable[[float, float], float | Error]) -> Callable[[Any, Any], Any]:
    def f(a: Any, b: Any) -> Any:
        if a.__class__ is not float:
            a = to_number(a)
            if a.__class__ is Error:
                return a
        if b.__class__ is not float:
            b = to_number(b)
            if b.__class__ is Error:
                return b
        return op(a, b)

    return f


def _div(a: float, b: float) -> float | Error:
    if b == 0:
        return DIV0
    return _finite(a / b)


def _pow(a: float, b: float) -> float | Error:
    if a == 0 and b == 0:
        return NUM
    if a == 0 and b < 0:
        return DIV0
    try:
        x = a**b
    except (OverflowError, ZeroDivisionError):
        return NUM
    if isinstance(x, complex):
        return NUM
    return _finite(x)


def _concat(a: Any, b: Any) -> Any:
    ta = to_text(a)
    if ta.__class__ is Error:
        return ta
    tb = to_text(b)
    if tb.__class__ is Error:
        return tb
    return ta + tb


def _comparison(test: Callable[[int], bool]) -> Callable[[Any, Any], Any]:
    def f(a: Any, b: Any) -> Any:
        c = compare(a, b)
        return c if c.__class__ is Error else test(c)

    return f


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": _arith(lambda a, b: _finite(_approx_add(a, b))),
    "-": _arith(lambda a, b: _finite(_approx_sub(a, b))),
    "*": _arith(lambda a, b: _finite(a * b)),
    "/": _arith(_div),
    "^": _arith(_pow),
    "&": _concat,
    "=": _comparison(lambda c: c == 0),
    "<>": _comparison(lambda c: c != 0),
    "<": _comparison(lambda c: c < 0),
    ">": _comparison(lambda c: c > 0),
    "<=": _comparison(lambda c: c <= 0),
    ">=": _comparison(lambda c: c >= 0),
}


# ---- functions ---------------------------------------------------------------------------


def _elementwise(f: Callable[..., Any], modes: str = "v") -> Function:
    """A function of scalars, applied element by element to array arguments."""

    def impl(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
        for a in args:
            if a.__class__ is Array:
                return _broadcast(f, args)
        return f(*args)

    return Function(impl, modes)


def _int_arg(v: Any) -> int | Error:
    x = to_number(v)
    if x.__class__ is Error:
        return x
    return int(x)  # truncates toward zero, as Excel does for these arguments


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _units(s: str) -> str:
    """The text as UTF-16 code units (Excel counts these): astral characters become pairs."""
    if not _ASTRAL.search(s):
        return s
    out = []
    for ch in s:
        o = ord(ch)
        if o > 0xFFFF:
            o -= 0x10000
            out.append(chr(0xD800 + (o >> 10)))
            out.append(chr(0xDC00 + (o & 0x3FF)))
        else:
            out.append(ch)
    return "".join(out)


def _from_units(s: str) -> str:
    if not any("\ud800" <= ch <= "\udfff" for ch in s):
        return s
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _fn_isnumber(v: Any) -> bool:
    return v.__class__ is float or v.__class__ is int


def _fn_not(v: Any) -> Any:
    b = to_bool(v)
    return b if b.__class__ is Error else not b


def _fn_abs(v: Any) -> Any:
    x = to_number(v)
    return x if x.__class__ is Error else abs(x)


_KATAKANA = "ァアィイゥウェエォオカキクケコサシスセソタチッツテトナニヌネノハヒフヘホマミムメモャヤュユョヨラリルレロワヲン"
_KATAKANA_HALF = "ｧｱｨｲｩｳｪｴｫｵｶｷｸｹｺｻｼｽｾｿﾀﾁｯﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓｬﾔｭﾕｮﾖﾗﾘﾙﾚﾛﾜｦﾝ"


def _asc_table() -> dict[int, str]:
    """ASC's half-width forms: full-width ASCII, the ideographic space (Excel), and as
    LibreOffice converts them, CJK punctuation and katakana (voiced marks split off)."""
    table = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
    table[0x3000] = " "
    table.update(
        {ord(k): v for k, v in zip("―‘’”、。「」゛゜・ー￥", "ｰ`'\"､｡｢｣ﾞﾟ･ｰ\\", strict=True)}
    )
    half = dict(zip(_KATAKANA, _KATAKANA_HALF, strict=True))
    for ch, h in half.items():
        table[ord(ch)] = h
    marks = {"\u3099": "ﾞ", "\u309a": "ﾟ"}
    for c in range(0x30A1, 0x30FB):
        parts = unicodedata.normalize("NFD", chr(c))
        if len(parts) == 2 and parts[1] in marks:
            table[c] = half.get(parts[0], parts[0]) + marks[parts[1]]
    return table


_ASC_TABLE = _asc_table()


def _fn_asc(v: Any) -> Any:
    t = to_text(v)
    return t if t.__class__ is Error else t.translate(_ASC_TABLE)


def _fn_trim(v: Any) -> Any:
    t = to_text(v)
    if t.__class__ is Error:
        return t
    return " ".join(p for p in t.split(" ") if p)


def _fn_len(v: Any) -> Any:
    t = to_text(v)
    return t if t.__class__ is Error else float(len(_units(t)))


def _fn_left(v: Any, n: Any = 1.0) -> Any:
    t = to_text(v)
    if t.__class__ is Error:
        return t
    k = _int_arg(n)
    if k.__class__ is Error:
        return k
    if k < 0:
        return VALUE
    return _from_units(_units(t)[:k])


def _fn_right(v: Any, n: Any = 1.0) -> Any:
    t = to_text(v)
    if t.__class__ is Error:
        return t
    k = _int_arg(n)
    if k.__class__ is Error:
        return k
    if k < 0:
        return VALUE
    if k == 0:
        return ""
    return _from_units(_units(t)[-k:])


def _fn_mid(v: Any, start: Any, n: Any) -> Any:
    t = to_text(v)
    if t.__class__ is Error:
        return t
    s = _int_arg(start)
    if s.__class__ is Error:
        return s
    k = _int_arg(n)
    if k.__class__ is Error:
        return k
    if s < 1 or k < 0:
        return VALUE
    return _from_units(_units(t)[s - 1 : s - 1 + k])


def _fn_find(needle: Any, hay: Any, start: Any = 1.0) -> Any:
    f = to_text(needle)
    if f.__class__ is Error:
        return f
    h = to_text(hay)
    if h.__class__ is Error:
        return h
    s = _int_arg(start)
    if s.__class__ is Error:
        return s
    h = _units(h)
    if s < 1 or s > len(h) + (0 if f else 1):
        return VALUE
    i = h.find(_units(f), s - 1)
    return VALUE if i < 0 else float(i + 1)


def _fn_substitute(text: Any, old: Any, new: Any, instance: Any = None) -> Any:
    t, o, n = to_text(text), to_text(old), to_text(new)
    for x in (t, o, n):
        if x.__class__ is Error:
            return x
    if instance is None:
        return t if not o else t.replace(o, n)
    k = _int_arg(instance)
    if k.__class__ is Error:
        return k
    if k < 1:
        return VALUE
    if not o:
        return t
    i = -1
    for _ in range(k):
        i = t.find(o, i + 1)
        if i < 0:
            return t
    return t[:i] + n + t[i + len(o) :]


def _fn_if(ev: _Evaluator, args: tuple[Fn, ...]) -> Any:
    if not 1 <= len(args) <= 3:
        return VALUE
    cond = args[0](ev)
    if cond.__class__ is Array:
        yes = args[1](ev) if len(args) > 1 else True
        no = args[2](ev) if len(args) > 2 else False

        def pick(c: Any, y: Any, n: Any) -> Any:
            b = to_bool(c)
            if b.__class__ is Error:
                return b
            return y if b else n

        return _broadcast(pick, (cond, yes, no))
    b = to_bool(cond)
    if b.__class__ is Error:
        return b
    if b:
        return args[1](ev) if len(args) > 1 else True
    return args[2](ev) if len(args) > 2 else False


def _fn_iferror(ev: _Evaluator, args: tuple[Fn, ...]) -> Any:
    if len(args) != 2:
        return VALUE
    v = args[0](ev)
    if v.__class__ is Array:
        alt = args[1](ev)
        return _broadcast(lambda x, y: y if x.__class__ is Error else x, (v, alt))
    if v.__class__ is Error:
        return args[1](ev)
    return v


def _items(ev: _Evaluator, arg: Any) -> tuple[bool, Iterator[Any]]:
    """(is_direct, values): a reference or an array yields its elements; a scalar itself."""
    if arg.__class__ is Ref:
        return False, ev.range_values(arg).flat()
    if arg.__class__ is Array:
        return False, arg.flat()
    return True, iter((arg,))


def _numbers(ev: _Evaluator, args: tuple[Any, ...]) -> list[float] | Error:
    """The numbers SUM, MIN and MAX use: in ranges and arrays only numbers; a value given
    directly as a number, logical or number text; any error is the result."""
    out: list[float] = []
    for a in args:
        direct, values = _items(ev, a)
        for v in values:
            cls = v.__class__
            if cls is float or cls is int:
                out.append(float(v))
            elif cls is Error:
                return v
            elif v is EMPTY_RESULT:
                out.append(0.0)
            elif direct and v is not None:
                x = to_number(v)
                if x.__class__ is Error:
                    return x
                out.append(x)
    return out


def _fn_sum(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    xs = _numbers(ev, args)
    return xs if xs.__class__ is Error else _finite(math.fsum(xs))


def _fn_min(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    xs = _numbers(ev, args)
    return xs if xs.__class__ is Error else (min(xs) if xs else 0.0)


def _fn_max(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    xs = _numbers(ev, args)
    return xs if xs.__class__ is Error else (max(xs) if xs else 0.0)


def _fn_count(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    n = 0
    for a in args:
        direct, values = _items(ev, a)
        for v in values:
            cls = v.__class__
            if cls is float or cls is int or v is EMPTY_RESULT:
                n += 1
            elif direct and (cls is bool or (cls is str and text_to_number(v) is not None)):
                n += 1
    return float(n)


def _logical(ev: _Evaluator, args: tuple[Any, ...], combine: Callable[[list[bool]], bool]) -> Any:
    seen: list[bool] = []
    for a in args:
        direct, values = _items(ev, a)
        for v in values:
            cls = v.__class__
            if cls is bool:
                seen.append(v)
            elif cls is float or cls is int:
                seen.append(v != 0)
            elif v is EMPTY_RESULT:
                seen.append(False)
            elif cls is Error:
                return v
            elif direct and cls is str:
                b = to_bool(v)
                if b.__class__ is Error:
                    return b
                seen.append(b)
    if not seen:
        return VALUE
    return combine(seen)


def _fn_and(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    return _logical(ev, args, all)


def _fn_or(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    return _logical(ev, args, any)


def _fn_n(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    if len(args) != 1:
        return VALUE
    v = args[0]
    if v.__class__ is Ref:
        v = ev.cell_value(v.sheet, v.r1, v.c1)
    elif v.__class__ is Array:
        v = v.top_left()
    cls = v.__class__
    if cls is float or cls is int:
        return float(v)
    if cls is bool:
        return 1.0 if v else 0.0
    if cls is Error:
        return v
    return 0.0


def _fn_row(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    if not args or args[0] is None:
        return float(ev.row)
    r = args[0]
    if r.__class__ is not Ref:
        return VALUE
    if r.r1 == r.r2:
        return float(r.r1)
    return Array([[float(i)] for i in range(r.r1, r.r2 + 1)])


def _fn_index(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    if not 2 <= len(args) <= 3:
        return VALUE
    src = args[0]
    if src.__class__ is Ref:
        nrows, ncols = src.r2 - src.r1 + 1, src.c2 - src.c1 + 1
    elif src.__class__ is Array:
        nrows, ncols = src.nrows, src.ncols
    elif src.__class__ is Error:
        return src
    else:
        src = Array([[src]])
        nrows = ncols = 1
    row = _int_arg(args[1] if args[1] is not None else 0.0)
    if row.__class__ is Error:
        return row
    col_arg = args[2] if len(args) > 2 else None
    if col_arg is None:
        col: int | Error = 0
        if nrows == 1 and ncols > 1:  # one row: the number picks the column
            row, col = 0, row
        elif len(args) < 3 and ncols == 1:
            col = 1
    else:
        col = _int_arg(col_arg)
    if col.__class__ is Error:
        return col
    if row < 0 or col < 0:
        return VALUE
    if row > nrows or col > ncols:
        return REF
    r1, r2 = (1, nrows) if row == 0 else (row, row)
    c1, c2 = (1, ncols) if col == 0 else (col, col)
    if src.__class__ is Ref:
        return Ref(src.sheet, src.r1 + r1 - 1, src.c1 + c1 - 1, src.r1 + r2 - 1, src.c1 + c2 - 1)
    if r1 == r2 and c1 == c2:
        return src.rows[r1 - 1][c1 - 1]
    return Array([src.rows[i][c1 - 1 : c2] for i in range(r1 - 1, r2)])


def _vector(ev: _Evaluator, src: Any) -> tuple[list[Any], bool] | Error:
    """The values of a lookup range or array and whether it is vertical."""
    if src.__class__ is Ref:
        array = ev.range_values(src)
    elif src.__class__ is Array:
        array = src
    elif src.__class__ is Error:
        return src
    else:
        return [src], True
    vertical = array.nrows >= array.ncols
    if vertical:
        return [row[0] for row in array.rows], True
    return list(array.rows[0]), False


def _lookup_value(v: Any) -> Any:
    if v.__class__ is Array:
        v = v.top_left()
    return "" if v is None or v is EMPTY_RESULT else v


def _query_compare(v: Any, q: Any) -> int:
    """LibreOffice's lcl_CompareMatrix2Query: -1, 0, 1 of an element against the query."""
    if v is None or v is EMPTY_RESULT:
        return -1
    by_text = q.__class__ is str
    if v.__class__ is not str:
        if by_text:
            return -1
        x, y = float(v), float(q)
        if x == y:
            return 0
        return -1 if x < y else 1
    if not by_text:
        return 1
    a, b = v.lower(), q.lower()
    return 0 if a == b else (-1 if a < b else 1)


def _sorted_search(values: list[Any], q: Any, ascending: bool = True) -> int | None:
    """MATCH's search in non-exact mode (LibreOffice's binary search, data assumed sorted):
    the index of the last element <= q (>= q when descending), else None."""
    n = len(values)
    if n == 0:
        return None
    first, last, hit = 0, n - 1, 0
    while last - first > 0:
        length = last - first
        mid = first + length // 2
        c = _query_compare(values[mid], q)
        if c == 0:
            step = 1 if ascending else -1
            while 0 <= mid + step < n and _query_compare(values[mid + step], q) == 0:
                mid += step
            return mid
        if length == 1:
            if c < 0:
                hit = last if ascending else first
            else:
                hit = first if ascending else last
            break
        if (c < 0) == ascending:
            first = mid
        else:
            last = mid
    if hit == n - 1:
        c = _query_compare(values[hit], q)
        if (ascending and c <= 0) or (not ascending and c >= 0):
            return hit
    if hit > 0:
        return hit - 1
    return None


def _lookup_search(values: list[Any], q: Any) -> int | None:
    """LOOKUP's search: LibreOffice's binary search with error values left out."""
    index = [i for i, v in enumerate(values) if v.__class__ is not Error]
    kept = [values[i] for i in index]
    n = len(kept)
    if n == 0:
        return None
    first, last = 0, n - 1
    delta, found = -1, False
    while last - first > 0:
        length = last - first
        mid = first + length // 2
        c = _query_compare(kept[mid], q)
        if c == 0:
            while mid < n - 1 and _query_compare(kept[mid + 1], q) == 0:
                mid += 1
            delta, found = mid, True
            break
        if length == 1:
            delta = last - 1 if c < 0 else first - 1
            found = delta >= 0
            break
        if c < 0:
            first = mid
        else:
            last = mid
    if n == 1:
        delta = 0
        found = _query_compare(kept[0], q) <= 0
    elif delta == n - 2:
        if _query_compare(kept[delta + 1], q) <= 0:
            delta, found = delta + 1, True
    elif delta > 0:
        found = True
    if not found:
        return None
    v = kept[delta]
    if (q.__class__ is str) != (v.__class__ is str):
        return None  # a number found for a text query or the reverse: #N/A, as Excel
    return index[delta]


def _fn_lookup(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    if not 2 <= len(args) <= 3:
        return VALUE
    q = _lookup_value(ev.deref(args[0]))
    if q.__class__ is Error:
        return q
    if q.__class__ is bool:
        q = 1.0 if q else 0.0
    src = args[1]
    if src.__class__ is Ref:
        array = ev.range_values(src)
    elif src.__class__ is Array:
        array = src
    elif src.__class__ is Error:
        return src
    else:
        array = Array([[src]])
    vertical = array.nrows >= array.ncols
    keys = [row[0] for row in array.rows] if vertical else list(array.rows[0])
    i = _lookup_search(keys, q)
    if i is None:
        return NA
    if len(args) < 3:
        return array.rows[i][-1] if vertical else array.rows[-1][i]
    res = args[2]
    if res.__class__ is Ref:
        if res.r2 > res.r1:
            return ev.cell_value(res.sheet, res.r1 + i, res.c1)
        return ev.cell_value(res.sheet, res.r1, res.c1 + i)
    if res.__class__ is Array:
        items = [row[0] for row in res.rows] if res.ncols == 1 else list(res.rows[0])
        if res.nrows > 1 and res.ncols > 1:
            return VALUE
        return items[i] if i < len(items) else NA
    return res if i == 0 else NA


_WILD = re.compile(r"~[*?~]|[*?]")


@lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> re.Pattern[str] | None:
    """The regex for an Excel wildcard pattern, or None if the text has no wildcard."""
    if not any(ch in pattern for ch in "*?~"):
        return None
    parts = []
    pos = 0
    for m in _WILD.finditer(pattern):
        parts.append(re.escape(pattern[pos : m.start()]))
        token = m.group()
        parts.append(re.escape(token[1]) if token[0] == "~" else (".*" if token == "*" else "."))
        pos = m.end()
    parts.append(re.escape(pattern[pos:]))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _fn_match(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
    if not 2 <= len(args) <= 3:
        return VALUE
    q = args[0]
    if q.__class__ is Array:
        return _broadcast(lambda x: _fn_match(ev, (x, *args[1:])), (q,))
    q = _lookup_value(q)
    if q.__class__ is Error:
        return q
    kind = to_number(args[2]) if len(args) > 2 and args[2] is not None else 1.0
    if kind.__class__ is Error:
        return kind
    vec = _vector(ev, args[1])
    if vec.__class__ is Error:
        return vec
    values, _ = vec
    if kind == 0:
        return _exact_match(ev, args[1], values, q)
    if q.__class__ is bool:
        q = 1.0 if q else 0.0
    i = _sorted_search(values, q, ascending=kind > 0)
    return NA if i is None else float(i + 1)


def _exact_match(ev: _Evaluator, src: Any, values: list[Any], q: Any) -> Any:
    if q.__class__ is str:
        pattern = _wildcard(q)
        if pattern is not None:
            for i, v in enumerate(values):
                if v.__class__ is str and pattern.fullmatch(v):
                    return float(i + 1)
            return NA
        index = ev.text_index(src, values) if src.__class__ is Ref else None
        key = q.lower()
        if index is not None:
            i = index.get(key)
            return NA if i is None else float(i + 1)
        for i, v in enumerate(values):
            if v.__class__ is str and v.lower() == key:
                return float(i + 1)
        return NA
    if q.__class__ is bool:
        for i, v in enumerate(values):
            if v.__class__ is bool and v == q:
                return float(i + 1)
        return NA
    x = float(q)
    for i, v in enumerate(values):
        if (v.__class__ is float or v.__class__ is int) and _approx_equal(float(v), x):
            return float(i + 1)
    return NA


FUNCTIONS: dict[str, Function] = {
    "IF": Function(_fn_if, "l"),
    "IFERROR": Function(_fn_iferror, "l"),
    "AND": Function(_fn_and, "r"),
    "OR": Function(_fn_or, "r"),
    "NOT": _elementwise(_fn_not),
    "ISNUMBER": _elementwise(_fn_isnumber),
    "ASC": _elementwise(_fn_asc),
    "SUBSTITUTE": _elementwise(_fn_substitute),
    "TRIM": _elementwise(_fn_trim),
    "FIND": _elementwise(_fn_find),
    "MID": _elementwise(_fn_mid),
    "LEFT": _elementwise(_fn_left),
    "RIGHT": _elementwise(_fn_right),
    "LEN": _elementwise(_fn_len),
    "ABS": _elementwise(_fn_abs),
    "MIN": Function(_fn_min, "r"),
    "MAX": Function(_fn_max, "r"),
    "SUM": Function(_fn_sum, "r"),
    "COUNT": Function(_fn_count, "r"),
    "N": Function(_fn_n, "r"),
    "ROW": Function(_fn_row, "r"),
    "INDEX": Function(_fn_index, "rv"),
    "MATCH": Function(_fn_match, "vrv"),
    "LOOKUP": Function(_fn_lookup, "vrr"),
    "TRUE": Function(lambda ev, args: True if not args else VALUE, "v"),
    "FALSE": Function(lambda ev, args: False if not args else VALUE, "v"),
}


_ARITY = {
    "NOT": (1, 1), "ISNUMBER": (1, 1), "ASC": (1, 1), "TRIM": (1, 1), "LEN": (1, 1),
    "ABS": (1, 1), "SUBSTITUTE": (3, 4), "FIND": (2, 3), "MID": (3, 3), "LEFT": (1, 2),
    "RIGHT": (1, 2), "MIN": (1, 255), "MAX": (1, 255), "SUM": (1, 255), "COUNT": (1, 255),
    "AND": (1, 255), "OR": (1, 255), "ROW": (0, 1),
}  # fmt: skip


def _checked(name: str, spec: Function) -> Function:
    low, high = _ARITY[name]
    impl = spec.impl

    def checked(ev: _Evaluator, args: tuple[Any, ...]) -> Any:
        if not low <= len(args) <= high:
            return VALUE
        return impl(ev, args)

    return Function(checked, spec.modes)


for _name in _ARITY:
    FUNCTIONS[_name] = _checked(_name, FUNCTIONS[_name])


# ---- user functions ------------------------------------------------------------------


def _udf_value(v: Any) -> Any:
    """A value as xlwings hands it to Python: errors (and empty results) become None."""
    return None if v.__class__ is Error or v is EMPTY_RESULT else v


def _call_udf(ev: _Evaluator, fn: Callable[..., Any], args: list[Any]) -> Any:
    passed = []
    for a in args:
        if a.__class__ is Ref:
            if a.single:
                passed.append(_udf_value(ev.cell_value(a.sheet, a.r1, a.c1)))
            else:
                passed.append([[_udf_value(v) for v in row] for row in ev.range_values(a).rows])
        elif a.__class__ is Array:
            passed.append([[_udf_value(v) for v in row] for row in a.rows])
        else:
            passed.append(_udf_value(a))
    while passed and args[len(passed) - 1] is None:
        passed.pop()  # omitted trailing arguments are not passed
    try:
        result = fn(*passed)
    except Exception:
        return VALUE
    return _from_python(result)


def _from_python(v: Any) -> Any:
    """A user function's result in the evaluator's types."""
    if v is None or isinstance(v, str | bool | Error):
        return v
    if isinstance(v, int | float):
        return _finite(float(v))
    if isinstance(v, datetime.date):
        return _serial(v)
    if isinstance(v, list | tuple):
        if not v:
            return VALUE
        if all(isinstance(r, list | tuple) for r in v):
            rows = [list(r) for r in v]
        else:
            rows = [list(v)]
        if len({len(r) for r in rows}) != 1 or not rows[0]:
            return VALUE
        return Array(
            [[VALUE if isinstance(x, list | tuple) else _from_python(x) for x in r] for r in rows]
        )
    try:
        return _finite(float(v))
    except (TypeError, ValueError):
        return VALUE


def _serial(v: datetime.date | datetime.datetime) -> float:
    days = float(v.toordinal() - _EPOCH)
    if isinstance(v, datetime.datetime):
        days += (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    return days


def _cell(v: Any) -> Any:
    """A stored cell value in the evaluator's types."""
    cls = v.__class__
    if v is None or cls is float or cls is str or cls is bool or cls is Error:
        return v
    if cls is int:
        return float(v)
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, str):
        # A str subclass holding an error code is an error value (as
        # jixiao.formats.cells.ErrorValue); any other text is text.
        return ERRORS.get(str(v), str(v))
    if isinstance(v, datetime.datetime | datetime.date):
        return _serial(v)
    if isinstance(v, datetime.time):
        return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    if isinstance(v, int | float):
        return float(v)
    return str(v)


# ---- the workbook and the evaluation ----------------------------------------------------


@dataclass
class Workbook:
    """What the evaluator reads. Positions are (sheet, row, column), 1-based."""

    # Typed values: float/int, str, bool, None, Error (or a str subclass holding an error
    # code, as jixiao.formats.cells reads one), dates; formula cells absent or stale.
    cells: dict[tuple[str, int, int], Any]
    formulas: dict[tuple[str, int, int], str]  # formula text without "="
    names: dict[str, str] = field(default_factory=dict)  # workbook-level defined names
    sheet_names: dict[tuple[str, str], str] = field(default_factory=dict)  # sheet-scoped


CellKey = tuple[str, int, int]


class _Evaluator:
    def __init__(self, book: Workbook, functions: Mapping[str, Callable[..., Any]]) -> None:
        self.book = book
        self.functions = {k.upper(): v for k, v in functions.items()}
        self.values: dict[CellKey, Any] = {k: _cell(v) for k, v in book.cells.items()}
        self.sheet = ""
        self.row = 1
        self.col = 1
        sheets = {k[0] for k in book.cells} | {k[0] for k in book.formulas}
        sheets |= {s for s, _ in book.sheet_names}
        self.sheets = {s.lower(): s for s in sorted(sheets)}
        self.book_names = {k.lower(): v for k, v in book.names.items()}
        self.local_names = {(s, n.lower()): v for (s, n), v in book.sheet_names.items()}
        self.extent: dict[str, tuple[int, int]] = {}
        for s, r, c in list(book.cells) + list(book.formulas):
            mr, mc = self.extent.get(s, (0, 0))
            self.extent[s] = (max(mr, r), max(mc, c))
        self.formula_rows: dict[tuple[str, int], list[int]] = {}
        for s, r, c in book.formulas:
            self.formula_rows.setdefault((s, c), []).append(r)
        for rows in self.formula_rows.values():
            rows.sort()
        self.compiler = _Compiler(self)
        self.by_text: dict[tuple[str, int, int], _Compiled] = {}
        self.by_key: dict[str, _Compiled] = {}
        self.names_cache: dict[tuple[str, tuple[str | None, str]], _Compiled | None] = {}
        self.range_cache: dict[tuple[str, int, int, int, int], Array] = {}
        self.index_cache: dict[tuple[str, int, int, int, int], dict[str, int]] = {}
        self.in_range_cache: dict[tuple[str, int, int, int, int], list[CellKey]] = {}

    # -- names and sheets

    def canonical_sheet(self, name: str) -> str:
        return self.sheets.get(name.lower(), name)

    def compiled_name(self, key: tuple[str | None, str], sheet: str) -> _Compiled | None:
        ck = (sheet, key)
        if ck in self.names_cache:
            return self.names_cache[ck]
        qualifier, name = key
        low = name.lower()
        if qualifier is not None:
            text = self.local_names.get((qualifier, low)) or self.book_names.get(low)
        else:
            text = self.local_names.get((sheet, low))
            if text is None:
                text = self.book_names.get(low)
        compiled: _Compiled | None = None
        if text is not None:
            self.names_cache[ck] = None  # a name defined through itself is #NAME?
            try:
                compiled = self.compiler.compile(parse(text), 1, 1, ref=True)
            except (FormulaSyntaxError, RecursionError):
                compiled = None
        self.names_cache[ck] = compiled
        return compiled

    def name_value(self, key: tuple[str | None, str]) -> Any:
        compiled = self.compiled_name(key, self.sheet)
        if compiled is None:
            return NAME
        return compiled.fn(self)

    # -- cells and ranges

    def cell_value(self, sheet: str, row: int, col: int) -> Any:
        if row < 1 or col < 1:
            return REF
        return self.values.get((sheet, row, col))

    def make_ref(self, spec: tuple[Any, ...]) -> Ref | Error:
        sheet, r1, ra1, c1, ca1, r2, ra2, c2, ca2 = spec
        if not ra1:
            r1 += self.row
        if not ca1:
            c1 += self.col
        if not ra2:
            r2 += self.row
        if not ca2:
            c2 += self.col
        if r1 < 1 or c1 < 1 or r2 > MAX_ROW or c2 > MAX_COL:
            return REF
        return Ref(sheet or self.sheet, r1, c1, r2, c2)

    def deref(self, v: Any) -> Any:
        if v.__class__ is not Ref:
            return v
        if v.r1 == v.r2 and v.c1 == v.c2:
            return self.values.get((v.sheet, v.r1, v.c1))
        return self.range_values(v)

    def range_values(self, ref: Ref) -> Array:
        key = (ref.sheet, ref.r1, ref.c1, ref.r2, ref.c2)
        array = self.range_cache.get(key)
        if array is None:
            sheet, r1, c1, r2, c2 = key
            max_row, max_col = self.extent.get(sheet, (r1, c1))
            if r2 - r1 > 10_000:  # whole columns: the used rows only
                r2 = max(r1, min(r2, max_row))
            if c2 - c1 > 1_000:
                c2 = max(c1, min(c2, max_col))
            get = self.values.get
            array = Array(
                [[get((sheet, r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
            )
            self.range_cache[key] = array
        return array

    def text_index(self, ref: Ref, values: list[Any]) -> dict[str, int]:
        """First position of each text (lower-cased) in a lookup range."""
        key = ref.key
        index = self.index_cache.get(key)
        if index is None:
            index = {}
            for i, v in enumerate(values):
                if v.__class__ is str:
                    index.setdefault(v.lower(), i)
            self.index_cache[key] = index
        return index

    # -- formulas

    def compiled(self, key: CellKey) -> _Compiled | Error:
        text = self.book.formulas[key]
        _, row, col = key
        exact = (text, row, col)
        compiled = self.by_text.get(exact)
        if compiled is None:
            r1c1 = _r1c1_key(text, row, col)
            compiled = self.by_key.get(r1c1)
            if compiled is None:
                try:
                    compiled = self.compiler.compile(parse(text), row, col)
                except (FormulaSyntaxError, RecursionError):
                    compiled = _Compiled(fn=lambda ev: NAME)
                self.by_key[r1c1] = compiled
            self.by_text[exact] = compiled
        return compiled

    def dependencies(self, key: CellKey) -> list[CellKey]:
        compiled = self.compiled(key)
        sheet, row, col = key
        deps: list[CellKey] = []
        seen_names: set[tuple[str | None, str]] = set()
        pending: list[_Compiled] = [compiled]
        while pending:
            c = pending.pop()
            for spec in c.refs:
                s, r1, ra1, c1, ca1, r2, ra2, c2, ca2 = spec
                s = s or sheet
                r1 = r1 if ra1 else row + r1
                r2 = r2 if ra2 else row + r2
                c1 = c1 if ca1 else col + c1
                c2 = c2 if ca2 else col + c2
                deps.extend(self.formulas_in(s, r1, c1, r2, c2))
            for name in c.names:
                if name in seen_names:
                    continue
                seen_names.add(name)
                target = self.compiled_name(name, sheet)
                if target is not None:
                    pending.append(target)
        return deps

    def formulas_in(self, sheet: str, r1: int, c1: int, r2: int, c2: int) -> list[CellKey]:
        if r1 == r2 and c1 == c2:
            k = (sheet, r1, c1)
            return [k] if k in self.book.formulas else []
        rk = (sheet, r1, c1, r2, c2)
        found = self.in_range_cache.get(rk)
        if found is None:
            found = []
            max_col = self.extent.get(sheet, (0, 0))[1]
            for c in range(max(1, c1), min(c2, max_col) + 1):
                rows = self.formula_rows.get((sheet, c))
                if not rows:
                    continue
                lo = bisect.bisect_left(rows, r1)
                hi = bisect.bisect_right(rows, r2)
                found.extend((sheet, r, c) for r in rows[lo:hi])
            self.in_range_cache[rk] = found
        return found

    def evaluate(self, key: CellKey) -> Any:
        compiled = self.compiled(key)
        self.sheet, self.row, self.col = key
        try:
            v = compiled.fn(self)
        except RecursionError:
            v = VALUE
        if v.__class__ is Ref:
            v = self.values.get((v.sheet, v.r1, v.c1))
        if v.__class__ is Array:
            v = v.top_left()
        if v is None:
            return EMPTY_RESULT
        return v

    def run(self) -> dict[CellKey, Any]:
        """Evaluate every formula cell, dependencies first (Tarjan's algorithm, iterative:
        strongly connected components come out in dependency order)."""
        formulas = self.book.formulas
        deps: dict[CellKey, list[CellKey]] = {}

        def dependencies(key: CellKey) -> list[CellKey]:
            found = deps.get(key)
            if found is None:
                found = deps[key] = self.dependencies(key)
            return found

        index: dict[CellKey, int] = {}
        low: dict[CellKey, int] = {}
        on_stack: set[CellKey] = set()
        stack: list[CellKey] = []
        counter = 0
        for root in formulas:
            if root in index:
                continue
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack.add(root)
            work = [(root, iter(dependencies(root)))]
            while work:
                node, it = work[-1]
                advanced = False
                for w in it:
                    if w not in index:
                        index[w] = low[w] = counter
                        counter += 1
                        stack.append(w)
                        on_stack.add(w)
                        work.append((w, iter(dependencies(w))))
                        advanced = True
                        break
                    if w in on_stack and index[w] < low[node]:
                        low[node] = index[w]
                if advanced:
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    if len(component) > 1 or node in deps[node]:
                        for w in component:
                            self.values[w] = VALUE
                    else:
                        self.values[node] = self.evaluate(node)
        out = {}
        for k in formulas:
            v = self.values[k]
            out[k] = 0.0 if v is EMPTY_RESULT else v
        return out


def evaluate_all(
    book: Workbook, functions: Mapping[str, Callable[..., Any]] | None = None
) -> dict[CellKey, Any]:
    """The value of every formula cell of ``book``.

    A formula that reads another formula cell sees that cell's computed value. Results are
    float, str ("" for an empty text), bool or Error; a formula whose result is an empty
    cell is 0. ``functions`` are the user (worksheet) functions by name, called with the
    values Excel hands a UDF: a scalar for a single cell (None when empty or an error), a
    list of rows for a range; omitted arguments are not passed. A function that is not in
    ``functions`` is #NAME?; one that raises is #VALUE!. A formula cell on a reference cycle
    is #VALUE!.
    """
    return _Evaluator(book, functions or {}).run()
