"""Formula text as openpyxl gives it: shared formulas translated to each cell, and the
cells a defined name points at.

A block of cells that share one formula is stored once, in its first cell
(``<f t="shared" ref="G7:G30" si="0">E7/D7</f>``); the others only name the block
(``<f t="shared" si="0"/>``) and mean the same formula moved to their place (``E8/D8``).
openpyxl writes each of them out with the references moved (its ``Translator``); so does
:func:`translate`, with the same tokens, so that a grid read here equals one read with
openpyxl: relative references move, ``$``-fixed parts stay, text in quotes, sheet names
and names stay, and a run of spaces or line breaks shrinks to its first character (as
openpyxl's tokenizer keeps it).

A reference that would move off the sheet (above row 1, left of column A, past XFD)
becomes ``#REF!``, as in Excel; openpyxl refuses to load such a file. A formula the
tokenizer cannot read (an unclosed quote or bracket) is left as it is written.
"""

from __future__ import annotations

import re

from jixiao.core.layout import column_letter

__all__ = ["FormulaTextError", "destinations", "tokens", "translate"]


class FormulaTextError(ValueError):
    """A formula the tokenizer cannot read."""


_SCIENTIFIC = re.compile(r"^[1-9](\.[0-9]+)?[Ee]$")
_STRING = {
    '"': re.compile('"(?:[^"]*"")*[^"]*"(?!")'),
    "'": re.compile("'(?:[^']*'')*[^']*'(?!')"),
}
_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
_ENDERS = ",;}) +-*/^&=><%"
_WHITE = re.compile(r"[ \n]+")

# Token kinds: what translate and destinations need to tell apart.
RANGE, OTHER_OPERAND, SPACE, OTHER, OPEN_FUNC = "range", "operand", "space", "other", "func"


def _operand_kind(value: str) -> str:
    if value.startswith(('"', "#")) or value in ("TRUE", "FALSE"):
        return OTHER_OPERAND
    try:
        float(value)
    except ValueError:
        return RANGE
    return OTHER_OPERAND


def tokens(formula: str) -> list[tuple[str, str]]:
    """(text, kind) of each token of ``formula`` (which starts with "="), as openpyxl's
    Tokenizer splits it; a whitespace token is its first character only."""
    items: list[tuple[str, str]] = []
    stack: list[str] = []
    token: list[str] = []
    i, n = 1, len(formula)

    def save() -> None:
        if token:
            value = "".join(token)
            items.append((value, _operand_kind(value)))
            token.clear()

    def expect_empty(can_follow: str = "") -> None:
        if token and token[-1] not in can_follow:
            raise FormulaTextError(formula)

    while i < n:
        ch = formula[i]
        if ch in "+-" and token and _SCIENTIFIC.match("".join(token)):
            token.append(ch)
            i += 1
            continue
        if ch in _ENDERS:
            save()
        if ch in "\"'":
            expect_empty(":")
            m = _STRING[ch].match(formula, i)
            if m is None:
                raise FormulaTextError(formula)
            if ch == '"':
                items.append((m.group(), OTHER_OPERAND))
            else:
                token.append(m.group())
            i = m.end()
        elif ch == "[":
            depth = 0
            for j in range(i, n):
                depth += {"[": 1, "]": -1}.get(formula[j], 0)
                if depth == 0:
                    token.append(formula[i : j + 1])
                    i = j + 1
                    break
            else:
                raise FormulaTextError(formula)
        elif ch == "#":
            expect_empty("!")
            for err in _ERRORS:
                if formula.startswith(err, i):
                    value = "".join(token) + err
                    items.append((value, _operand_kind(value)))
                    token.clear()
                    i += len(err)
                    break
            else:
                raise FormulaTextError(formula)
        elif ch in " \n":
            items.append((ch, SPACE))
            m = _WHITE.match(formula, i)
            i = m.end() if m else i + 1
        elif ch in "+-*/^&=><%":
            two = formula[i : i + 2]
            if two in (">=", "<=", "<>"):
                items.append((two, OTHER))
                i += 2
            else:
                items.append((ch, OTHER))
                i += 1
        elif ch in "{(":
            if ch == "{":
                expect_empty()
                stack.append("}")
                items.append(("{", OTHER))
            elif token:
                value = "".join(token) + "("
                token.clear()
                stack.append(")")
                items.append((value, OPEN_FUNC))
            else:
                stack.append(")")
                items.append(("(", OTHER))
            i += 1
        elif ch in ")}":
            if not stack or stack.pop() != ch:
                raise FormulaTextError(formula)
            items.append((ch, OTHER))
            i += 1
        elif ch in ";,":
            items.append((ch, OTHER))
            i += 1
        else:
            token.append(ch)
            i += 1
    save()
    return items


# ---- shared formulas ---------------------------------------------------------------------

_ROW_RANGE = re.compile(r"(\$?[1-9][0-9]{0,6}):(\$?[1-9][0-9]{0,6})$")
_COL_RANGE = re.compile(r"(\$?[A-Za-z]{1,3}):(\$?[A-Za-z]{1,3})$")
_CELL_REF = re.compile(r"(\$?[A-Za-z]{1,3})(\$?[1-9][0-9]{0,6})$")
_MAX_COL = 18278  # ZZZ: the last column openpyxl can name
_REF_ERROR = "#REF!"


class _OffSheet(Exception):
    pass


def _column_number(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


def _move_row(text: str, delta: int) -> str:
    if text.startswith("$"):
        return text
    row = int(text) + delta
    if row <= 0:
        raise _OffSheet
    return str(row)


def _move_col(text: str, delta: int) -> str:
    if text.startswith("$"):
        return text
    col = _column_number(text) + delta
    if not 1 <= col <= _MAX_COL:
        raise _OffSheet
    return column_letter(col)


def _move_range(text: str, rows: int, cols: int) -> str:
    sheet = ""
    if "!" in text:
        sheet, text = text.rsplit("!", 1)
        sheet += "!"
    if m := _ROW_RANGE.match(text):
        return f"{sheet}{_move_row(m.group(1), rows)}:{_move_row(m.group(2), rows)}"
    if m := _COL_RANGE.match(text):
        return f"{sheet}{_move_col(m.group(1), cols)}:{_move_col(m.group(2), cols)}"
    if ":" in text:
        return sheet + ":".join(_move_range(piece, rows, cols) for piece in text.split(":"))
    if m := _CELL_REF.match(text):
        return f"{sheet}{_move_col(m.group(1), cols)}{_move_row(m.group(2), rows)}"
    return text  # a name: openpyxl drops the sheet ("Sheet1!x" → "x"; "Sheet1!#REF!" → "")


def translate(formula: str, rows: int, cols: int) -> str:
    """``formula`` ("=…") moved by ``rows`` and ``cols``, as openpyxl's Translator moves it."""
    try:
        items = tokens(formula)
    except FormulaTextError:
        return formula
    if not items:
        return ""
    out = ["="]
    for text, kind in items:
        if kind == RANGE:
            try:
                text = _move_range(text, rows, cols)
            except _OffSheet:
                text = _REF_ERROR
        out.append(text)
    return "".join(out)


# ---- defined names -------------------------------------------------------------------------

_SHEET_RANGE = re.compile(
    r"""(('(?P<quoted>([^']|'')*)')|(?P<notquoted>[^'^ ^!]*))!"""
    r"(?P<cells>[$]?(?P<min_col>[A-Za-z]{1,3})?[$]?(?P<min_row>\d+)?"
    r"(:[$]?(?P<max_col>[A-Za-z]{1,3})?[$]?(?P<max_row>\d+)?)?)(?=,?)"
)


def destinations(value: str) -> list[tuple[str | None, str] | None]:
    """(sheet, cells) of each reference a defined name's text holds, in order, as
    openpyxl's ``DefinedName.destinations`` yields them; a None where openpyxl would fail
    (a formula it cannot read, a reference without a sheet, another name) ends the list."""
    try:
        items = tokens("=" + value)
    except FormulaTextError:
        return [None]
    if not items or items[0][1] != RANGE:
        return []
    out: list[tuple[str | None, str] | None] = []
    for text, kind in items:
        if kind != RANGE:
            continue
        m = _SHEET_RANGE.match(text)
        if m is None:
            out.append(None)
            break
        out.append((m.group("notquoted") or m.group("quoted"), m.group("cells")))
    return out
