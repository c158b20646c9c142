"""Read a sheet made from a standard template back into JSON, from any grid of its cells.

``fill_workbook`` edits a template in place with openpyxl: styles, data validation,
conditional formats, defined names, sheet protection and, for ``.xlsm`` (loaded with
``keep_vba``), the VBA project and its buttons survive. Every field present in the JSON
is written into its cell as the JSON holds it; absent fields leave the template's cell
(and its formula) untouched. ``read_workbook_form`` is the inverse: values become keys,
empty cells and formulas are absent, and the keys come in the order of forms.md.

Where fields sit: ``jixiao.core.layout``. The sheet's own defined names (``layout.field_names``,
written by the template builder) win over the layout's positions, so rows a user
inserted or deleted (the sheets allow it) move the fields with them; 经费 rows are
also found by their label in column A.

What a cell cannot hold is kept in the workbook's custom document properties: one
JSON record per sheet, split into chunks named ``jixiao:<sheet>:<n>`` of at most 255
characters (the most Excel's property dialog handles). Office, LibreOffice and openpyxl
keep custom properties on save; renaming the sheet orphans its record. The record holds:

- ``extras``: fields with no cell on the layout, returned exactly as they were:
  财务负责人, 实施单位, 项目编码, 主管部门 on project sheets, 项目名称/项目负责人 on the
  whole-department sheet, the Sichuan text blocks (项目实施内容及过程概述, 评价结论,
  存在问题, 改进措施), 预算执行.按收入性质, 按支出性质 on project sheets, the national
  layout's 预算执行.原因 (that layout has no reason column), 执行进度 keys other than
  "1月".."12月", and the footer (填表人, 填报日期, 联系电话) of the basic data table.
- ``cells``: values a cell cannot hold exactly, by field path, each with what the cell
  read as right after the fill: "" and null (an emptied cell otherwise reads as
  "absent"), floats with an integral value (openpyxl stores 12.0 as "12", which reads
  back as int 12), floats that openpyxl's "%.16g" rounds, text with "\\r", numbers in
  date-formatted cells. A hint applies only while the cell still reads exactly as
  recorded, so whatever a user types later wins.
- ``objects`` / ``lists``: the blocks the JSON had even when empty ("绩效指标": [],
  "年度总体目标": {}, "资金来源": null) and how many rows each list had, so a row that was
  in the JSON but has no values (or only a name) still comes back.
- ``order`` / ``parents``: 经费 (and 按支出性质) rows in JSON order, and each 经费 row's
  上级 where it differs from the standard parent of ``layout.BASIC_ROWS``.

Without a record (a workbook filled by hand in Excel) the sheet alone decides: empty
cells and formulas are absent, empty rows are skipped (a 资金来源 row with only its
name is empty: the template prints the standard names), 绩效指标 is always present on
self-evaluation sheets (the block is on the sheet, even when empty; W04 then reports
it), other empty blocks are absent, and 经费 rows get their standard 上级.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from jixiao.core.errors import InputError
from jixiao.core.form import Form, build_form
from jixiao.core.interchange import canonical, json_value, validate
from jixiao.core.layout import (
    BASIC,
    BASIC_ROWS,
    BASIC_VALUE_COLUMNS,
    BUDGET_COLUMNS,
    BUILDING_COLUMNS,
    FORM_TYPES,
    INDICATOR_COLUMNS,
    NATIONAL,
    PROGRESS_MONTHS,
    SHEET_NAMES,
    SICHUAN,
    WHOLE,
    Cell,
    SheetLayout,
    anchors_for,
    field_names,
    sheet_layout,
)
from jixiao.formats.grid import BookGrid, SheetGrid, bounds_of
from jixiao.formats.xlsx_grid import read_grid
from jixiao.readers.record import load_record, record_chunks

__all__ = [
    "locate_fields",
    "read_workbook",
    "read_workbook_form",
]

SHEET_TYPES = {name: form_type for form_type, name in SHEET_NAMES.items()}
SOURCE_COLUMNS = ("名称", *BUDGET_COLUMNS[:3])
LIST_ITEM = re.compile(r"^(?P<head>.+)\[(?P<k>\d+)\](?P<tail>\..+)$")
_SOURCE_NAME = re.compile(r"^预算执行\.资金来源\[\d+\]\.名称$")
_SOURCE_PREFIX = re.compile(r"^[\s\u3000]*其中[:：]")
_SPACES = re.compile(r"[\s\u3000]+")
_LABEL_PREFIX = re.compile(r"^(?:其中[:：])?(?:[（(]?\d+[)）.、．]?)?")


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


# ---- public API ------------------------------------------------------------------------


def read_workbook_form(
    path: Path,
    sheet: str | None = None,
    form_type: str | None = None,
    layout: str | None = None,
) -> dict[str, Any]:
    """Read one form sheet back into interchange JSON (keys in the order of forms.md).

    The form type comes from ``form_type``, else the sheet name, the fill record or the
    title in row 1; the indicator layout from ``layout``, else the indicator header row
    (a "指标性质" column means Sichuan), else the fill record.
    """
    return _read(Path(path), sheet, form_type, layout)[0]


def read_workbook(
    path: Path,
    sheet: str | None = None,
    form_type: str | None = None,
    layout: str | None = None,
) -> Form:
    """Like :func:`read_workbook_form`, as a typed form whose cells are the sheet's own."""
    path = Path(path)
    data, lay, cells = _read(path, sheet, form_type, layout)
    validate(data, str(path))
    form = build_form(data, str(path), lay.layout)
    form.sheet_layout = lay
    form.cells.update(cells)
    return form


def locate_fields(ws: SheetGrid, lay: SheetLayout) -> dict[str, Cell]:
    """Field path -> cell on this worksheet.

    The layout's positions, moved where the sheet's defined names (layout.field_names)
    say a block or cell moved; a block whose name grew gains rows, one that shrank
    loses them. 经费 rows are then matched by their label in column A.
    """
    title = ws.title
    base = dict(lay.cells)  # the usual case: the layout's own cells (frozen) serve as they are
    if not all(c.sheet == title for c in base.values()):
        base = {p: Cell(title, c.row, c.col) for p, c in base.items()}
    moved: dict[str, Cell | None] = {}
    for name, ref in field_names(lay).items():
        actual = ws.named(name)
        if actual is None:
            continue
        expected = bounds_of(ref)
        assert expected is not None
        if actual == expected:
            continue
        e_col, e_row, e_col2, e_row2 = expected
        a_col, a_row, _a_col2, a_row2 = (int(v) for v in actual)
        e_rows, a_rows = e_row2 - e_row + 1, a_row2 - a_row + 1
        dr, dc = a_row - e_row, a_col - e_col
        inside = [
            p for p, c in base.items() if e_row <= c.row <= e_row2 and e_col <= c.col <= e_col2
        ]
        for p in inside:
            c = base[p]
            keep = c.row - e_row < a_rows
            moved[p] = Cell(ws.title, c.row + dr, c.col + dc) if keep else None
        if a_rows > e_rows:
            # Rows inserted into a list block: more items, same columns.
            for p in inside:
                m = LIST_ITEM.match(p)
                if m and int(m["k"]) == e_rows and base[p].row == e_row2:
                    for k in range(e_rows + 1, a_rows + 1):
                        moved[f"{m['head']}[{k}]{m['tail']}"] = Cell(
                            ws.title, a_row + k - 1, base[p].col + dc
                        )
    for p, c in moved.items():
        if c is None:
            base.pop(p, None)
        else:
            base[p] = c
    if lay.form_type == BASIC:
        _match_basic_labels(ws, base)
    return base


# ---- writing ---------------------------------------------------------------------------


# ---- reading ---------------------------------------------------------------------------


def _read(
    path: Path, sheet: str | None, form_type: str | None, layout: str | None
) -> tuple[dict[str, Any], SheetLayout, dict[str, Cell]]:
    if form_type is not None and form_type not in FORM_TYPES:
        raise InputError(f"未知的表类型“{form_type}”，应为 {'、'.join(FORM_TYPES)} 之一")
    if layout is not None and layout not in (NATIONAL, SICHUAN):
        raise InputError(f"未知的版式“{layout}”，应为 {NATIONAL} 或 {SICHUAN}")
    check_suffix(path, "工作簿")
    book = read_grid(path)
    ws = _pick_sheet(book, path, sheet, form_type)
    return read_sheet(book, ws, str(path), form_type, layout)


def read_sheet(
    book: BookGrid,
    ws: SheetGrid,
    source: str,
    form_type: str | None = None,
    layout: str | None = None,
) -> tuple[dict[str, Any], SheetLayout, dict[str, Cell]]:
    """One template-made sheet of a loaded workbook: (data, layout, cells moved by the reader)."""
    meta = load_record(book.properties, ws.title)
    ftype = form_type or SHEET_TYPES.get(ws.title) or meta.get("form_type") or title_type(ws)
    if ftype not in FORM_TYPES:
        raise InputError(
            f"无法判断工作表“{ws.title}”是哪种表（{'、'.join(FORM_TYPES)}）：请指定表类型",
            file=source,
        )
    if meta.get("form_type") != ftype:
        meta = {}
    kind = NATIONAL
    if ftype != BASIC:
        kind = layout or sheet_layout_kind(ws, ftype) or meta.get("layout") or NATIONAL
    lay = sheet_layout(ftype, kind)
    reader = _Reader(ws, lay, meta)
    data = reader.read()
    return data, reader.sheet_layout(), reader.moved


class _Reader:
    def __init__(self, ws: SheetGrid, lay: SheetLayout, meta: dict[str, Any]) -> None:
        self.ws = ws
        self.lay = lay
        self.meta = meta
        self.cells = locate_fields(ws, lay)
        self.hints: dict[str, Any] = meta.get("cells", {})
        self.lists: dict[str, Any] = meta.get("lists", {})
        self.moved: dict[str, Cell] = {}  # list items renumbered after skipped rows
        self._capacity: dict[str, int] | None = None

    def capacity(self, path: str) -> int:
        """:func:`capacity` of every block at once: the cells are looked through once."""
        if self._capacity is None:
            self._capacity = capacities(self.cells)
        return self._capacity.get(path, 0)

    def get(self, path: str) -> Any:
        ref = self.cells.get(path)
        if ref is None:
            return ABSENT
        raw = json_value(self.ws.entry(ref.row, ref.col))
        hint = self.hints.get(path)
        if isinstance(hint, list) and len(hint) == 2 and same_value(raw, hint[1]):
            return hint[0]
        value = normalize_value(path, raw)
        return ABSENT if value is None else value

    def read(self) -> dict[str, Any]:
        form_type = self.lay.form_type
        out: dict[str, Any] = {"表类型": form_type}
        for path in self.cells:
            # Plain fields: top-level and one level down (预算执行.分值, 人员.编制数, …).
            if "[" in path or path.startswith("基础数据."):
                continue
            value = self.get(path)
            if value is not ABSENT:
                set_in(out, tuple(path.split(".")), value)
        if form_type == BASIC:
            rows = {name: f"基础数据.{name}" for name, _parent in BASIC_ROWS}
            self._named(out, "经费", rows, BASIC_VALUE_COLUMNS, dict(BASIC_ROWS))
            self._positional(out, "楼堂馆所", BUILDING_COLUMNS, ())
        else:
            self._positional(out, "预算执行.资金来源", SOURCE_COLUMNS, ("名称",))
            if form_type == WHOLE:
                names = named_items(self.cells, "预算执行.按支出性质")
                rows = {n: f"预算执行.按支出性质[{n}]" for n in names}
                self._named(out, "预算执行.按支出性质", rows, BUDGET_COLUMNS[:3], None)
            # The sheet always has the indicator block: without a record, show it even empty.
            self._positional(
                out, "绩效指标", INDICATOR_COLUMNS[self.lay.layout], (), always=not self.meta
            )
            for month in PROGRESS_MONTHS:
                value = self.get(f"执行进度[{month}月]")
                if value is not ABSENT:
                    set_in(out, ("执行进度", f"{month}月"), value)
        for path in self.meta.get("objects", []):
            keys = tuple(path.split("."))
            if get_in(out, keys) is ABSENT:
                set_in(out, keys, {})
        merge_into(out, self.meta.get("extras", {}), override=False)
        return canonical(out, "基础数据表" if form_type == BASIC else "自评表")

    def _positional(
        self,
        out: dict[str, Any],
        path: str,
        columns: tuple[str, ...],
        labels: tuple[str, ...],
        always: bool = False,
    ) -> None:
        """Rows of a positional block; a row with values only in ``labels`` is empty."""
        count = self.lists.get(path, ABSENT)
        items: list[dict[str, Any]] = []
        for k in range(1, self.capacity(path) + 1):
            item = {}
            for col in columns:
                value = self.get(f"{path}[{k}].{col}")
                if value is not ABSENT:
                    item[col] = value
            recorded = isinstance(count, int) and k <= count
            if recorded or any(col not in labels for col in item):
                items.append(item)
                self._renumber(path, len(items), k, columns)
        keys = tuple(path.split("."))
        if items:
            set_in(out, keys, items)
        elif count is not ABSENT:
            set_in(out, keys, None if count is None else [])
        elif always:
            set_in(out, keys, [])

    def _renumber(self, path: str, index: int, row: int, columns: tuple[str, ...]) -> None:
        """Item ``index`` of the JSON sits in sheet row ``row`` of its block."""
        if index == row:
            return
        for col in columns:
            ref = self.cells.get(f"{path}[{row}].{col}")
            if ref is not None:
                self.moved[f"{path}[{index}].{col}"] = ref
        first = self.cells.get(f"{path}[{row}].{columns[0]}")
        if first is not None:
            self.moved[f"{path}[{index}]"] = first

    def _named(
        self,
        out: dict[str, Any],
        path: str,
        rows: dict[str, str],
        columns: tuple[str, ...],
        parents: dict[str, str | None] | None,
    ) -> None:
        """A block of fixed rows: recorded rows in JSON order, then other rows with values."""
        count = self.lists.get(path, ABSENT)
        values: dict[str, dict[str, Any]] = {}
        for name, prefix in rows.items():
            values[name] = {}
            for col in columns:
                value = self.get(f"{prefix}.{col}")
                if value is not ABSENT:
                    values[name][col] = value
        order = [n for n in self.meta.get("order", {}).get(path, []) if n in rows]
        names = order + [n for n in rows if n not in order and values[n]]
        recorded_parents = self.meta.get("parents", {})
        items = []
        for name in names:
            item: dict[str, Any] = {"名称": name}
            if parents is not None:
                parent = recorded_parents.get(name)
                if isinstance(parent, list) and len(parent) == 2:
                    if parent[0]:
                        item["上级"] = parent[1]
                elif parents.get(name) is not None:
                    item["上级"] = parents[name]
            item.update(values[name])
            items.append(item)
        keys = tuple(path.split("."))
        if items:
            set_in(out, keys, items)
        elif count is not ABSENT:
            set_in(out, keys, None if count is None else [])

    def sheet_layout(self) -> SheetLayout:
        """The layout as found on this sheet: its name, moved cells, anchors on them."""
        cells = dict(self.cells)
        return replace(
            self.lay,
            sheet=self.ws.title,
            cells=cells,
            anchors=anchors_for(cells, self.lay.layout),
        )


# ---- cell values -----------------------------------------------------------------------


def normalize_value(path: str, value: Any) -> Any:
    """Reading a 资金来源 name drops the template's "其中：" (its first row prints "其中：财政资金")."""
    if isinstance(value, str) and _SOURCE_NAME.match(path):
        value = _SOURCE_PREFIX.sub("", value).strip() or None
    return value


def same_value(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


# ---- layout helpers --------------------------------------------------------------------


def capacities(cells: dict[str, Cell]) -> dict[str, int]:
    """How many rows each positional block has on the sheet, by its path."""
    out: dict[str, int] = {}
    for p in cells:
        item = _ITEMS.get(p, ABSENT)
        if item is ABSENT:
            m = LIST_ITEM.match(p) if "[" in p else None
            item = _ITEMS[p] = (m["head"], int(m["k"])) if m else None
        if item is not None and item[1] > out.get(item[0], 0):
            out[item[0]] = item[1]
    return out


# Path -> (block, row number) of a list item's path, None for others: paths repeat on every
# sheet of a workbook.
_ITEMS: dict[str, Any] = {}


def capacity(cells: dict[str, Cell], path: str) -> int:
    """How many rows a positional block has on the sheet."""
    prefix = f"{path}["
    ks = {
        int(m["k"])
        for p in cells
        if p.startswith(prefix) and (m := LIST_ITEM.match(p)) and m["head"] == path
    }
    return max(ks, default=0)


def named_items(cells: dict[str, Cell], path: str) -> list[str]:
    """The row names of a named block (按支出性质: 基本支出, 项目支出) in sheet order."""
    pattern = re.compile(re.escape(path) + r"\[([^\]]+)\]\.")
    return list(dict.fromkeys(m.group(1) for p in cells if (m := pattern.match(p))))


def _match_basic_labels(ws: SheetGrid, cells: dict[str, Cell]) -> None:
    """Move each 经费 row to the row whose column-A label names it (rows may be inserted)."""
    label_cells = [cells[f"基础数据.{n}"] for n, _p in BASIC_ROWS if f"基础数据.{n}" in cells]
    if not label_cells:
        return
    block = ws.named("jxf_expenses")
    if block is not None:
        first, last = block[1], block[3]
    else:
        first, last = min(c.row for c in label_cells), max(c.row for c in label_cells)
    col = label_cells[0].col
    found: dict[str, int] = {}
    for row in range(first, last + 1):
        label = ws.value(row, col)
        if isinstance(label, str):
            found.setdefault(_LABEL_PREFIX.sub("", _SPACES.sub("", label)), row)
    for name, _parent in BASIC_ROWS:
        row = found.get(name)
        if row is None:
            continue
        for path in [f"基础数据.{name}", *(f"基础数据.{name}.{c}" for c in BASIC_VALUE_COLUMNS)]:
            if path in cells:
                cells[path] = replace(cells[path], row=row)


def sheet_layout_kind(ws: SheetGrid, form_type: str) -> str | None:
    """Sichuan or national, from the indicator header row; None when the row is blank."""
    row = sheet_layout(form_type, NATIONAL).rows["指标表头"]
    header = ws.named("jxf_indicators")
    if header is not None:
        row = header[1] - 1
    texts = [v for c in range(1, 13) if isinstance(v := ws.value(row, c), str) and v.strip()]
    if not texts:
        return None
    return SICHUAN if any("指标性质" in t or "度量单位" in t for t in texts) else NATIONAL


def title_type(ws: SheetGrid) -> str | None:
    """The form type named in the title row."""
    for c in range(1, 13):
        value = ws.value(1, c)
        if isinstance(value, str):
            for form_type in FORM_TYPES:
                if form_type in value:
                    return form_type
    return None


# ---- files, sheets, the fill record ----------------------------------------------------


def check_suffix(path: Path, role: str, must_exist: bool = True) -> bool:
    """True for a macro-enabled workbook (.xlsm)."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputError(
            "这是旧版 .xls 工作簿：请在 Excel 中另存为 .xlsx 或 .xlsm 后再用", file=str(path)
        )
    if suffix not in (".xlsx", ".xlsm"):
        raise InputError(f"{role}应为 .xlsx 或 .xlsm 工作簿（扩展名为“{suffix}”）", file=str(path))
    if must_exist and not path.is_file():
        raise InputError(f"{role}不存在", file=str(path))
    return suffix == ".xlsm"


def get_sheet(book: BookGrid, name: str, path: Path) -> SheetGrid:
    if name not in book:
        raise InputError(
            f"找不到工作表“{name}”；工作簿中的工作表：{'、'.join(book.sheet_names)}", file=str(path)
        )
    return book[name]


def _pick_sheet(book: BookGrid, path: Path, sheet: str | None, form_type: str | None) -> SheetGrid:
    if sheet is not None:
        return get_sheet(book, sheet, path)
    if form_type is not None:
        return get_sheet(book, SHEET_NAMES[form_type], path)
    standard = [s for s in book.sheet_names if s in SHEET_TYPES]
    if not standard:
        # Sheets that a fill wrote (project sheets of a unit workbook).
        standard = [s for s in book.sheet_names if record_chunks(book.properties, s)]
    if len(standard) == 1:
        return get_sheet(book, standard[0], path)
    if not standard:
        raise InputError(
            f"找不到表单工作表（{'、'.join(SHEET_NAMES.values())}）；工作簿中的工作表："
            f"{'、'.join(book.sheet_names)}。请指定要读取的工作表",
            file=str(path),
        )
    raise InputError(
        f"工作簿中有多张表单工作表（{'、'.join(standard)}）：请指定要读取的工作表",
        file=str(path),
    )


# ---- nested dicts ----------------------------------------------------------------------


def set_in(obj: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    for key in keys[:-1]:
        child = obj.get(key)
        if not isinstance(child, dict):
            child = obj[key] = {}
        obj = child
    obj[keys[-1]] = value


def get_in(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(obj, dict) or key not in obj:
            return ABSENT
        obj = obj[key]
    return obj


def merge_into(base: dict[str, Any], extra: dict[str, Any], *, override: bool) -> None:
    """Deep-merge ``extra`` into ``base``; on a clash the cell's value wins unless ``override``."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_into(base[key], value, override=override)
        elif override or key not in base:
            base[key] = value
