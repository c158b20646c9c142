"""An .xlsx/.xlsm file as a grid of cells for the readers, read from its XML without openpyxl.

The grid is the one openpyxl's full load gives (``load_workbook`` for formulas, names,
merges and number formats, plus a ``data_only`` pass for the results of the formula cells),
in a tenth of the time and without loading openpyxl:

- values: shared, inline and rich strings (without phonetic guides), numbers (``int``
  when written without a point or exponent), booleans, error values, numbers under a
  date format as ``datetime``/``time``/``timedelta`` (1900 or 1904 date system), ISO
  dates (``t="d"``); a formula cell's value is its cached result;
- formulas as ``"=…"``, shared formulas moved to each cell (jixiao.formats.formula_text),
  array formulas by their text, data tables as ``"="``;
- number formats from ``cellXfs`` and the built-in ids; merged ranges, whose cells other
  than the top-left lose their contents as in Excel; defined names of the workbook and of
  each sheet (names that are not references read as None); sheet visibility; custom
  document properties;
- at most :func:`~jixiao.formats.grid.row_limit` rows and :data:`~jixiao.formats.grid.MAX_COLS`
  columns of each sheet. The rows after the limit are not parsed; when they hold values,
  :attr:`BookGrid.notes` says so ("工作表“数据”有 200000 行，只读取了前 2000 行").

A worksheet's cells become values when a reader asks for them (``value``, ``entry``,
``has_formula``, ``formula``, ``has_error``): the template reader looks at a few hundred
cells of a sheet whose hidden helper columns hold thousands. The whole sheet is converted
when its ``values``, ``formulas``, ``errors`` or ``number_formats`` are read, giving the
same grid (see ``_LazySheet``).

The file is checked first as :func:`jixiao.formats.xlsx_file.open_workbook` checks it
(the same Chinese messages name the user's file); every XML part read is checked for
well-formedness (expat), so a damaged part is named as before; a part that declares a
DOCTYPE is refused (:func:`jixiao.formats.xml.has_doctype`), its entities never resolved. A sheet the workbook lists
whose relationship or part is missing is skipped, as openpyxl skips it, and
:attr:`BookGrid.notes` names it: the other sheets' forms are still read.

:func:`sheet_grid` and :func:`custom_properties` make the same grid of a workbook that is
already open in openpyxl (jixiao import fills one); they load nothing themselves.
"""

from __future__ import annotations

import datetime
import functools
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jixiao.core.layout import column_letter
from jixiao.core.values import EXCEL_ERRORS
from jixiao.formats.formula_text import destinations, translate
from jixiao.formats.grid import (
    MAX_COLS,
    MAX_ROWS,
    BookGrid,
    Bounds,
    Pos,
    SheetGrid,
    bounds_of,
    row_limit,
    truncated_note,
)
from jixiao.formats.number_formats import (
    MAC_EPOCH,
    WINDOWS_EPOCH,
    CellStyle,
    cell_style,
    from_excel,
    from_iso8601,
)
from jixiao.formats.package import rels_name, resolve_target
from jixiao.formats.sheet_xml import (
    COLUMNS,
    Raw,
    attribute,
    attributes,
    check_well_formed,
    column_number,
    decode_part,
    decoded_part,
    inline_text,
    iter_merges,
    scan_cells,
    shared_string_table,
    unescape,
    with_odd_parts,
)
from jixiao.formats.xlsx_file import (
    doctype_error,
    load_error,
    open_package,
    registered_workbook,
    unsupported_member,
)
from jixiao.formats.xml import has_doctype, parse

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["MAX_COLS", "MAX_ROWS", "custom_properties", "read_grid", "read_zip_grid", "sheet_grid"]

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
NS_VT = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"

_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
_DEFAULT_STYLE = CellStyle()


def read_grid(path: Path, source: str | None = None) -> BookGrid:
    """Every worksheet of the file at ``path`` (``source`` names it in messages)."""
    source = source or str(path)
    return read_zip_grid(open_package(Path(path), source), source)


def read_zip_grid(
    zf: zipfile.ZipFile,
    source: str,
    unpacked: dict[str, bytes] | None = None,
    texts: dict[str, str] | None = None,
) -> BookGrid:
    """Every worksheet of a workbook zip that :func:`jixiao.formats.xlsx_file.open_package`
    opened; the parts read are put in ``unpacked`` when given (for a package made of the
    same file, which then does not unpack them again), and in ``texts`` the worksheets
    whose text is their bytes decoded as UTF-8 (see ``Package.from_zip``)."""
    try:
        return _Reader(zf, source, unpacked, texts).read()
    except Exception as e:  # a damaged or missing part: say which, never a traceback
        raise load_error(e, zf, source) from None


class _Reader:
    def __init__(
        self,
        zf: zipfile.ZipFile,
        source: str,
        unpacked: dict[str, bytes] | None = None,
        texts: dict[str, str] | None = None,
    ) -> None:
        self.zf = zf
        self.source = source
        self.names = set(zf.namelist())
        self.unpacked = {} if unpacked is None else unpacked
        self.texts = texts

    def part(self, name: str) -> bytes:
        data = self.unpacked.get(name)
        if data is None:
            try:
                data = self.unpacked[name] = self.zf.read(name)
            except NotImplementedError:  # a compression method zipfile lacks (99: AES)
                raise unsupported_member(self.zf, self.source, name) from None
            if has_doctype(data):  # entities are never resolved: the file is refused whole
                raise doctype_error(self.zf, self.source, name)
        return data

    def xml(self, part: str) -> Any:
        """A small part as an element tree (lxml; raises on malformed XML)."""
        return parse(self.part(part))

    def text(self, part: str) -> str:
        """A large part as text, after checking it is well-formed."""
        data = self.part(part)
        check_well_formed(data)
        return decode_part(data)

    def read(self) -> BookGrid:
        types = self.xml("[Content_Types].xml")
        workbook_part = _workbook_part(types)
        strings_part = _override(types, (_SHARED_STRINGS_TYPE,))
        if strings_part is not None:  # listed: openpyxl reads it (and fails when it is missing)
            self.strings = shared_string_table(self.text(strings_part))
        else:
            self.strings = []
        book_xml = self.xml(workbook_part)
        pr = _child(book_xml, "workbookPr")
        date1904 = pr is not None and _bool(pr.get("date1904")) is True
        self.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        rels = self._relationships(workbook_part)
        self.styles = self._styles()
        self._style_of: dict[str, CellStyle] = {}
        properties = self._custom_properties()
        for extra in ("docProps/core.xml",):  # parsed by openpyxl too: damaged, it fails
            if extra in self.names:
                check_well_formed(self.part(extra))
        book = BookGrid(self.source, properties=properties)
        loaded: list[SheetGrid | None] = []  # worksheets and chart sheets, as openpyxl counts
        limit = row_limit()
        sheets = _child(book_xml, "sheets")
        for sheet in _children(sheets, "sheet"):
            rid = sheet.get(f"{NS_REL}id") or ""
            rel = rels.get(rid)
            title = sheet.get("name")
            if not title:  # a name is required: Excel repairs the file, openpyxl refuses it
                raise LookupError("a sheet without a name")  # load_error says which
            if rel is None or rel[1] not in self.names:
                # openpyxl skips the sheet; the user is told (a form there is not found)
                book.notes.append(_missing_sheet(title, rid, rel, rels_name(workbook_part)))
                book.missing.append(title)
                continue
            kind, part = rel
            if "chartsheet" in kind:
                loaded.append(None)
                continue
            grid = self._sheet(title, part, limit, book)
            grid.visible = (sheet.get("state") or "visible") == "visible"
            loaded.append(grid)
            book.sheets.append(grid)
        self._names(book_xml, book, loaded)
        return book

    # ---- package structure ---------------------------------------------------------------

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id -> (type, target part) of a part's internal relationships."""
        out: dict[str, tuple[str, str]] = {}
        for rel in self.xml(rels_name(part)).iter(f"{NS_PKG_REL}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            if target:
                out[rel.get("Id") or ""] = (rel.get("Type") or "", resolve_target(part, target))
        return out

    def _styles(self) -> list[CellStyle]:
        if "xl/styles.xml" not in self.names:
            return [_DEFAULT_STYLE]
        root = self.xml("xl/styles.xml")
        custom: dict[int, str] = {}
        for fmt in root.iterfind(f"{NS}numFmts/{NS}numFmt"):
            try:
                custom[int(fmt.get("numFmtId") or "")] = fmt.get("formatCode") or ""
            except ValueError:
                continue
        xfs = root.find(f"{NS}cellXfs")
        if xfs is None or len(xfs) == 0:
            return [_DEFAULT_STYLE]
        made: dict[int, CellStyle] = {}
        styles = []
        for xf in xfs.iterfind(f"{NS}xf"):
            try:
                fmt_id = int(xf.get("numFmtId") or 0)
            except ValueError:
                fmt_id = 0
            if fmt_id not in made:
                made[fmt_id] = cell_style(fmt_id, custom)
            styles.append(made[fmt_id])
        return styles

    def _custom_properties(self) -> dict[str, str]:
        """Custom document properties as openpyxl reads them: name -> str(value or "")."""
        if "docProps/custom.xml" not in self.names:
            return {}
        out: dict[str, str] = {}
        for prop in self.xml("docProps/custom.xml").iter(f"{NS_CUSTOM}property"):
            name = prop.get("name")
            value: Any = None
            link = prop.get("linkTarget")
            known = False
            for child in prop:
                kind = str(child.tag).removeprefix(NS_VT)
                if kind in _PROPERTY_TYPES:
                    try:
                        value, known = _PROPERTY_TYPES[kind](child.text), True
                    except ValueError:  # "abc" as a number: openpyxl fails, we skip it
                        pass
                    break
            if link is not None:
                value, known = link, True
            if known and name is not None:
                out[name] = str(value or "")
        return out

    # ---- sheets ------------------------------------------------------------------------------

    def _sheet(self, title: str, part: str, limit: int, book: BookGrid) -> SheetGrid:
        data = self.part(part)
        text, plain = decoded_part(data)
        if plain and self.texts is not None:
            self.texts[part] = text
        scan = scan_cells(text, limit)
        if scan.truncated:  # only what was read must be well-formed
            check_well_formed(text[: scan.read_upto].encode("utf-8"), final=False)
            book.notes.append(truncated_note(title, scan.rows, limit))
            book.uncached = True  # the rows not read are not known to hold their results
            book.cut.append((title, scan.rows, limit))
        else:
            check_well_formed(data)
        for rel_part in self._sheet_parts(part):
            check_well_formed(self.part(rel_part))
        if _lacks_cached(scan.cells):
            book.uncached = True
        merges = self._merge_bounds(text)
        lazy = _LazySheet.make(title, self, scan.cells, merges, limit, text)
        if lazy is not None:
            return lazy
        grid = SheetGrid(title, formulas={})
        self._cells(grid, scan.cells, limit)
        grid.merges = merges
        _hide_merged(grid)
        return grid

    def _sheet_parts(self, part: str) -> list[str]:
        """The sheet's relationships and the XML parts they point at (comments, drawings,
        tables): openpyxl parses them, so a damaged one stops it."""
        rels = rels_name(part)
        if rels not in self.names:
            return []
        targets = [t for _k, t in self._relationships(part).values()]
        return [rels, *(t for t in targets if t.endswith(".xml") and t in self.names)]

    def _cells(self, grid: SheetGrid, cells: list[Any], limit: int) -> None:
        """Read the cells into ``grid``, each as :meth:`_one` reads it."""
        values, errors, formats = grid.values, grid.errors, grid.number_formats
        formulas: dict[Pos, str] = grid.formulas  # type: ignore[assignment]
        columns, one = COLUMNS, self._one
        shared: dict[str, tuple[str, int, int]] = {}  # si -> (formula, row, col) of its master
        for raw in cells:
            letters = raw[0]
            row = int(raw[1])
            col = columns.get(letters) or column_number(letters)
            got = one(raw, row, col, shared)  # past the limits too: a shared formula's master
            if got is None or row > limit or col > MAX_COLS:
                continue
            pos = (row, col)
            if pos in formulas or pos in values:  # a cell written twice: the last wins
                values.pop(pos, None)
                formulas.pop(pos, None)
                errors.discard(pos)
                formats.pop(pos, None)
            formula, value, error, fmt = got
            if formula is not None:
                formulas[pos] = formula
            if fmt is not None:
                formats[pos] = fmt
            if value is not None:
                values[pos] = value
            if error:
                errors.add(pos)

    def _style(self, s: str) -> CellStyle:
        """The style of a cell's ``s`` (openpyxl fails on an index past the styles)."""
        try:
            k = int(s) if s else 0
            style = self.styles[k] if 0 <= k < len(self.styles) else _DEFAULT_STYLE
        except ValueError:
            style = _DEFAULT_STYLE
        self._style_of[s] = style
        return style

    def _merge_bounds(self, text: str) -> list[Bounds]:
        """The sheet's merged ranges."""
        return [b for b in map(bounds_of, iter_merges(text)) if b is not None]

    def _one(
        self, raw: Raw, row: int, col: int, shared: dict[str, tuple[str, int, int]] | None = None
    ) -> _Cell | None:
        """What one cell holds: (formula, value, whether it shows an error, number format);
        None for an empty cell. A shared formula's text comes from its master cell, met
        earlier in ``shared`` (so a sheet with shared formulas is read whole, in order)."""
        _l, _d, s, t, extra, fm, fa, ft, vm, v, im, ib, rest = raw
        if rest and not rest.isspace():
            fm, fa, ft, vm, v, im, ib = with_odd_parts(fm, fa, ft, vm, v, im, ib, rest)
        if not (fm or v or im):
            return None
        if extra and not extra.isspace():
            attrs = attributes(extra)
            s, t = attrs.get("s", s), attrs.get("t", t)
        style = self._style_of.get(s) or self._style(s)
        fmt = style.number_format if style.number_format != "General" else None
        if fm:
            text = unescape(ft) if ft else ""
            formula = (
                _formula(fa, text, row, col, {} if shared is None else shared) if fa else "=" + text
            )
            if not v and not im:
                return formula, None, False, fmt
            if (t == "n" or not t) and not style.date and v.isdecimal() and len(v) < 16:
                return formula, int(v), False, fmt
            value = _value(t or "n", v, im, ib, style, self.strings, self.epoch)
            if value is None:
                return formula, None, False, fmt
            value = str(value) if isinstance(value, _Error) else value
            return formula, value, isinstance(value, str) and value in EXCEL_ERRORS, fmt
        value = _value(t or "n", v, im, ib, style, self.strings, self.epoch)
        if value is None:
            return None
        if isinstance(value, _Error):  # openpyxl: an error cell showing #VALUE!
            value, t = str(value), "e"
        return None, value, t == "e" and value in EXCEL_ERRORS, fmt

    # ---- defined names ----------------------------------------------------------------------

    def _names(self, book_xml: Any, book: BookGrid, loaded: list[SheetGrid | None]) -> None:
        """Workbook names into ``book.names``, sheet names into each sheet, as openpyxl
        assigns them; print areas, print titles and filter ranges are not names here."""
        local: dict[int, dict[str, str | None]] = {}
        for d in _children(_child(book_xml, "definedNames"), "definedName"):
            name, scope, value = d.get("name"), d.get("localSheetId"), d.text
            if name is None:
                continue
            if scope is None:
                if name in ("_xlnm.Print_Titles", "_xlnm.Print_Area", "_xlnm._FilterDatabase"):
                    continue
                book.names[name] = _book_target(value)
                continue
            try:
                local.setdefault(int(scope), {})[name] = value
            except ValueError:
                continue
        for index, names in local.items():
            try:
                grid = loaded[index]
            except IndexError:
                continue
            if grid is None:
                continue
            for name, value in names.items():
                if not _reserved(name):
                    grid.names[name] = _sheet_target(value, grid.title)


# ---- cells converted when asked for -------------------------------------------------------

# One cell as :meth:`_Reader._one` gives it: formula, value, shows an error, number format.
_Cell = tuple[str | None, Any, bool, str | None]
_LEADING_ZERO = re.compile(r'<c r="[A-Z]{1,3}0')
# A merged range larger than this makes its sheet read whole (hidden cells are listed).
_MAX_MERGED = 10_000


class _Whole:
    """A field of :class:`_LazySheet` made on first use, with the whole sheet converted.
    A non-data descriptor: once the instance holds the field, that is what is read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: _LazySheet | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        obj._convert_all()
        return obj.__dict__[self.name]


class _LazySheet(SheetGrid):
    """A worksheet read from the XML whose cells become values when asked for.

    Most cells of jixiao's templates are hidden helper columns that the template reader
    never looks at (a unit workbook: 36,000 cells, a few hundred read per sheet). The
    sheet keeps the scanner's raw cells by reference; :meth:`value`, :meth:`entry`,
    :meth:`has_formula`, :meth:`formula` and :meth:`has_error` convert one cell (as
    :meth:`_Reader._one` reads it) and remember it. Reading ``values``, ``formulas``,
    ``errors`` or ``number_formats`` (the paper readers, ``max_row``, comparing grids)
    converts the whole sheet at once with :meth:`_Reader._cells`, as an eager read does.
    """

    values = _Whole()  # type: ignore[assignment]
    formulas = _Whole()  # type: ignore[assignment]
    errors = _Whole()  # type: ignore[assignment]
    number_formats = _Whole()  # type: ignore[assignment]

    def __init__(
        self,
        title: str,
        reader: _Reader,
        cells: list[Raw],
        index: dict[str, Raw],
        merges: list[Bounds],
        hidden: set[Pos],
        limit: int,
    ) -> None:
        # Not SheetGrid.__init__: values, formulas, errors and number_formats are made
        # when first read (_Whole).
        self.title, self.merges, self.names, self.visible = title, merges, {}, True
        self._reader, self._raw, self._index = reader, cells, index
        self._hidden, self._limit = hidden, limit
        self._done: dict[Pos, _Cell | None] = {}
        self._lazy = True  # False once the whole sheet is converted

    @classmethod
    def make(
        cls,
        title: str,
        reader: _Reader,
        cells: list[Raw],
        merges: list[Bounds],
        limit: int,
        text: str,
    ) -> _LazySheet | None:
        """The sheet, or None when it must be read whole: shared formulas (a cell's text
        comes from its master), a cell written twice (the last one wins), row numbers
        with leading zeros, a very large merged range."""
        if "shared" in text or _LEADING_ZERO.search(text) is not None:
            return None
        index = {c[0] + c[1]: c for c in cells}  # by reference ("AB17")
        if len(index) != len(cells):
            return None
        hidden: set[Pos] = set()
        for c1, r1, c2, r2 in merges:
            if (c2 - c1 + 1) * (r2 - r1 + 1) > _MAX_MERGED:
                return None
            # Every cell but the top-left; a top-left inside another range is hidden by it.
            hidden.update(
                (r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1)
            )
        return cls(title, reader, cells, index, merges, hidden, limit)

    def _convert_all(self) -> None:
        self.values, self.formulas, self.errors, self.number_formats = {}, {}, set(), {}
        self._reader._cells(self, self._raw, self._limit)
        _hide_merged(self)
        self._lazy, self._raw, self._index, self._done = False, [], {}, {}

    def _cell(self, row: int, col: int) -> _Cell | None:
        pos = (row, col)
        got = self._done.get(pos, _UNSEEN)
        if got is not _UNSEEN:
            return got  # type: ignore[return-value]
        got = None
        if row <= self._limit and col <= MAX_COLS and pos not in self._hidden:
            letters = _LETTERS.get(col)
            if letters is None:
                letters = _LETTERS[col] = column_letter(col)
            raw = self._index.get(letters + str(row))
            if raw is not None:
                got = self._reader._one(raw, row, col)
        self._done[pos] = got
        return got

    def value(self, row: int, col: int) -> Any:
        if not self._lazy:
            return super().value(row, col)
        got = self._cell(row, col)
        return None if got is None else got[1]

    def entry(self, row: int, col: int) -> Any:
        if not self._lazy:
            return super().entry(row, col)
        got = self._cell(row, col)
        return None if got is None or got[0] is not None else got[1]

    def has_formula(self, row: int, col: int) -> bool:
        if not self._lazy:
            return super().has_formula(row, col)
        got = self._cell(row, col)
        return got is not None and got[0] is not None

    def formula(self, row: int, col: int) -> str | None:
        if not self._lazy:
            return super().formula(row, col)
        got = self._cell(row, col)
        return None if got is None else got[0]

    def has_error(self, row: int, col: int) -> bool:
        if not self._lazy:
            return super().has_error(row, col)
        got = self._cell(row, col)
        return got is not None and got[2]


_UNSEEN = object()
_LETTERS: dict[int, str] = {}  # column number -> letters


def _lacks_cached(cells: list[Raw]) -> bool:
    """Whether a formula cell lacks its cached result (no ``<v>``, an empty or blank one;
    see :attr:`BookGrid.uncached`), as :func:`jixiao.formats.cached.lacks_values` finds.

    A first pass picks, by the tuple's fields only, the cells in an unusual shape (other
    attributes, parts left over) and the usual ones lacking a result; the second pass
    looks at those in full. Most sheets have none: one quick pass."""
    suspects = [
        c
        for c in cells
        if c[4]
        or c[12]
        or (c[5] and not c[10] and (not c[8] or (c[3] != "str" and (not c[9] or c[9][0] <= " "))))
    ]
    for _l, _d, _s, t, extra, fm, fa, ft, vm, v, im, ib, rest in suspects:
        if rest and not rest.isspace():
            fm, fa, ft, vm, v, im, ib = with_odd_parts(fm, fa, ft, vm, v, im, ib, rest)
        if not fm or im:
            continue
        if extra and not extra.isspace():
            t = attributes(extra).get("t", t)
        if not vm or (t != "str" and (not v or v[0] <= " ")):
            return True
    return False


def _hide_merged(grid: SheetGrid) -> None:
    """The cells of each merged range but its top-left lose what they held."""
    for c1, r1, c2, r2 in grid.merges:
        if (c2 - c1 + 1) * (r2 - r1 + 1) <= len(grid.values) + len(grid.formulas or ()):
            hidden = [
                (r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1)
            ]
        else:
            cells = set(grid.values) | set(grid.formulas or ())
            hidden = [
                (r, c) for r, c in cells if r1 <= r <= r2 and c1 <= c <= c2 and (r, c) != (r1, c1)
            ]
        for pos in hidden:
            grid.values.pop(pos, None)
            grid.errors.discard(pos)
            grid.number_formats.pop(pos, None)
            if grid.formulas is not None:
                grid.formulas.pop(pos, None)


# ---- cell values ------------------------------------------------------------------------------


class _Error(str):
    """A number under a date format that is no date: openpyxl shows #VALUE!."""


# Beyond this many characters an integer's text may exceed a double (Excel's only number):
# it is checked against the double's range rather than made a Python int that a later
# float() cannot take (openpyxl would give that int; Excel shows such a cell as text).
_LONG_NUMBER = 300


def _number(text: str) -> int | float | str:
    """A number cell's ``<v>`` as a number; its text as written when it is none a cell can
    hold (infinite, NaN, beyond a double's range, not a number), so a check reports the
    text ("不是数字") rather than "inf"."""
    try:
        if "." in text or "E" in text or "e" in text:
            number = float(text)
            return number if number - number == 0.0 else text  # inf and NaN give NaN
        if len(text) > _LONG_NUMBER:
            float(int(text))  # OverflowError beyond a double; ValueError past 4,300 digits
        return int(text)
    except (ValueError, OverflowError):
        return text


def _value(
    t: str,
    v: str,
    im: str,
    ib: str,
    style: CellStyle,
    strings: list[str],
    epoch: datetime.datetime,
) -> Any:
    """A cell's value as openpyxl gives it (None for none)."""
    if t == "inlineStr":
        return inline_text(ib) if im else None
    if not v:
        return None
    if t == "n":
        number = _number(v)
        if style.date and not isinstance(number, str):
            try:
                return from_excel(number, epoch, timedelta=style.timedelta)
            except (OverflowError, ValueError):
                return _Error("#VALUE!")
        return number
    if t == "s":
        try:
            return strings[int(v)]
        except (ValueError, IndexError):
            return None
    if t == "b":
        try:
            return bool(int(v))
        except ValueError:
            return v.strip().lower() == "true"
    if t == "d":
        try:
            return from_iso8601(v)
        except ValueError:
            return unescape(v)
    return unescape(v)  # str, e, or a type openpyxl keeps as text


def _formula(
    attrs: str, text: str, row: int, col: int, shared: dict[str, tuple[str, int, int]]
) -> str:
    """A formula cell's text as openpyxl gives it (see jixiao.formats.formula_text)."""
    value = "=" + text
    if not attrs or ("shared" not in attrs and "dataTable" not in attrs):
        return value  # plain, or an array formula: its text
    kind = attribute(attrs, "t")
    if kind == "shared":
        si = attribute(attrs, "si") or ""
        master = shared.get(si)
        if master is not None:
            formula, r0, c0 = master
            return translate(formula, row - r0, col - c0)
        if value != "=":
            shared[si] = (value, row, col)
    elif kind == "dataTable":
        return "="
    return value


# ---- names ---------------------------------------------------------------------------------------

_RESERVED = (
    "Print_Area", "Print_Titles", "Criteria", "_FilterDatabase", "Extract", "Consolidate_Area",
    "Sheet_Title",
)  # fmt: skip


def _reserved(name: str) -> bool:
    return name.startswith("_xlnm.") and name[6:].startswith(_RESERVED)


# Memoised: a reviewer's workbooks share their templates' names (56 in ours), and reading
# a name's text is a tenth of reading a small workbook. Bounded: names are the file's text.
@functools.lru_cache(maxsize=4096)
def _sheet_target(value: str | None, title: str) -> Bounds | None:
    if value is None:
        return None
    for dest in destinations(value):
        if dest is None:
            return None
        if dest[0] == title:
            return bounds_of(dest[1])
    return None


@functools.lru_cache(maxsize=4096)
def _book_target(value: str | None) -> tuple[str, Bounds] | None:
    if value is None:
        return None
    for dest in destinations(value):
        if dest is None:
            return None
        bounds = bounds_of(dest[1])
        if bounds is not None:
            return dest[0], bounds  # type: ignore[return-value]  (None as openpyxl gives it)
    return None


# ---- package structure ------------------------------------------------------------------------


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(parent: Any, name: str) -> Any:
    """The first child named ``name`` in whatever namespace (openpyxl reads the workbook
    part by local names)."""
    return next(_children(parent, name), None)


def _children(parent: Any, name: str) -> Any:
    if parent is None:
        return iter(())
    return (e for e in parent if isinstance(e.tag, str) and _local(e.tag) == name)


def _override(types: Any, wanted: tuple[str, ...]) -> str | None:
    for kind in wanted:
        for o in types.iter(f"{NS_TYPES}Override"):
            if o.get("ContentType") == kind and o.get("PartName"):
                return str(o.get("PartName"))[1:]
    return None


def _workbook_part(types: Any) -> str:
    part = registered_workbook(types)
    if part is None:
        raise LookupError("no workbook part")  # load_error says what is missing where
    return part


def _missing_sheet(title: str, rid: str, rel: tuple[str, str] | None, rels: str) -> str:
    """What the user is told of a sheet the workbook lists but the file lacks."""
    if rel is None:
        which = f"（{rid}）" if rid else ""
        why = f"工作簿关系清单（{rels}）中找不到这张表的关系{which}"
    else:
        why = f"工作簿内部缺少这张表的内容部分（{rel[1]}）"
    return f"工作表“{title}”未能读取：{why}，文件不完整，请在 Excel 或 WPS 中打开修复后另存"


def _text(text: str | None) -> str | None:
    return text


def _int(text: str | None) -> int | None:
    return int(text) if text is not None else None


def _float(text: str | None) -> float | None:
    return float(text) if text is not None else None


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    return False if text in ("false", "f", "0") else bool(text)


def _filetime(text: str | None) -> Any:
    return from_iso8601(text) if text else None


_PROPERTY_TYPES = {
    "lpwstr": _text,
    "i4": _int,
    "r8": _float,
    "filetime": _filetime,
    "bool": _bool,
}


# ---- a workbook already open in openpyxl ---------------------------------------------------


def sheet_grid(ws: Worksheet) -> SheetGrid:
    """One openpyxl worksheet (loaded with its formulas) as a grid; formula cells show no
    result (openpyxl keeps none)."""
    from openpyxl.cell.cell import MergedCell  # noqa: PLC0415  (the caller has openpyxl loaded)
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula  # noqa: PLC0415

    grid = SheetGrid(ws.title, formulas={}, visible=ws.sheet_state == "visible")
    assert grid.formulas is not None
    rows, cols = min(ws.max_row, MAX_ROWS), min(ws.max_column, MAX_COLS)
    for row in ws.iter_rows(min_row=1, max_row=rows, max_col=cols):
        for cell in row:
            if isinstance(cell, MergedCell):
                continue
            value = cell.value
            pos = (cell.row, cell.column)
            if value is None:
                continue
            if cell.number_format and cell.number_format != "General":
                grid.number_formats[pos] = cell.number_format
            if isinstance(value, ArrayFormula | DataTableFormula):
                grid.formulas[pos] = str(getattr(value, "text", "") or "=")
                continue
            if cell.data_type == "f":
                grid.formulas[pos] = str(value)
                continue
            if cell.data_type == "e" and str(value) in EXCEL_ERRORS:
                grid.errors.add(pos)
            grid.values[pos] = plain(value)
    for rng in ws.merged_cells.ranges:
        grid.merges.append((rng.min_col, rng.min_row, rng.max_col, rng.max_row))
    for name, defined in ws.defined_names.items():
        grid.names[name] = _openpyxl_bounds(defined, ws.title)
    return grid


def plain(value: Any) -> Any:
    """Cell values as Python scalars (dates stay dates: the readers decide how to show them)."""
    if isinstance(
        value,
        datetime.datetime
        | datetime.date
        | datetime.time
        | datetime.timedelta
        | str
        | int
        | float
        | bool,
    ):
        if isinstance(value, float) and value - value != 0.0:  # inf, NaN: no cell number
            return str(value)  # openpyxl read "1E309" so; the text is what a check reports
        return value
    return str(value)


def _openpyxl_bounds(defined: Any, title: str) -> Bounds | None:
    try:
        for sheet, ref in defined.destinations:
            if sheet == title:
                return bounds_of(ref)
    except (ValueError, TypeError, AttributeError):
        return None  # #REF! after the cells were deleted
    return None


def custom_properties(wb: Workbook) -> dict[str, str]:
    """Custom document properties of a workbook open in openpyxl, name -> text (the
    fill record lives there)."""
    props = getattr(wb, "custom_doc_props", None)
    if props is None:
        return {}
    return {p.name: str(p.value or "") for p in props.props}
