"""Fill a standard workbook from a JSON form (openpyxl).

``fill_workbook`` edits a template in place with openpyxl: styles, data validation,
conditional formats, defined names, sheet protection and, for ``.xlsm`` (loaded with
``keep_vba``), the VBA project and its buttons survive. Every field present in the JSON
is written into its cell as the JSON holds it; absent fields leave the template's cell
(and its formula) untouched. What a cell cannot hold goes into the fill record
(jixiao.readers.record), so reading the sheet back gives the same JSON.
"""

from __future__ import annotations

import math
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.compat import safe_string
from openpyxl.styles.numbers import is_date_format, is_timedelta_format
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import IllegalCharacterError, InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core.errors import InputError
from jixiao.core.form import Form, SelfEvalForm
from jixiao.core.interchange import json_value, kind_name
from jixiao.core.layout import (
    BASIC,
    BASIC_ROWS,
    BUILDING_COLUMNS,
    FORM_TYPES,
    INDICATOR_COLUMNS,
    NATIONAL,
    SHEET_NAMES,
    SICHUAN,
    WHOLE,
    Cell,
    SheetLayout,
    sheet_layout,
)
from jixiao.formats.xlsx_file import save_workbook
from jixiao.formats.xlsx_grid import custom_properties, sheet_grid
from jixiao.readers.record import RECORD_VERSION, load_record, store_record
from jixiao.readers.template import (
    SHEET_TYPES,
    SOURCE_COLUMNS,
    capacity,
    check_suffix,
    locate_fields,
    merge_into,
    named_items,
    normalize_value,
    same_value,
    set_in,
    sheet_layout_kind,
    title_type,
)
from jixiao.readers.workbook import FRAMEWORK_NAME

__all__ = ["fill_workbook"]

_MAX_TEXT = 32767  # Excel's limit for one cell


_SCALARS = (str, int, float, bool, type(None))


_BLOCKS = {
    # path -> (Chinese block name, counter word) for messages
    "绩效指标": ("绩效指标", "条绩效指标"),
    "预算执行.资金来源": ("资金来源", "个资金来源"),
    "楼堂馆所": ("楼堂馆所", "项楼堂馆所"),
}


# The largest number a cell holds (a double); beyond it openpyxl cannot even write the value.
_MAX_CELL_NUMBER = sys.float_info.max


def fill_workbook(
    form: Form,
    template: Path,
    out: Path,
    sheet: str | None = None,
    functions: ModuleType | None = None,
) -> None:
    """Write every field present in ``form.data`` into a copy of ``template`` saved as ``out``.

    ``sheet`` names the sheet to fill (a unit workbook holds several project sheets);
    by default the layout's standard sheet name. ``out`` may be the template itself.
    With ``functions`` (jixiao.udfs) every formula cell carries its computed value.
    """
    template, out = Path(template), Path(out)
    macro = check_suffix(template, "模板")
    if check_suffix(out, "输出文件", must_exist=False) != macro:
        want = ".xlsm" if macro else ".xlsx"
        raise InputError(
            f"输出文件应与模板同为 {want} 工作簿（启用宏的工作簿必须以 .xlsm 结尾）", file=str(out)
        )
    form_type = form.form_type
    if form_type not in FORM_TYPES:
        raise InputError(f"未知的表类型“{form_type}”", file=form.source or None)
    wb = _open_template(template, keep_vba=macro)
    try:
        _fill(wb, form, template, out, sheet, functions)
    finally:
        # keep_vba holds a copy of the package in an open ZipFile: close it on every path.
        if wb.vba_archive is not None:
            wb.vba_archive.close()


def _fill(
    wb: Workbook,
    form: Form,
    template: Path,
    out: Path,
    sheet: str | None,
    functions: ModuleType | None,
) -> None:
    form_type = form.form_type
    name = sheet or SHEET_NAMES[form_type]
    if name not in wb.sheetnames or not isinstance(wb[name], Worksheet):
        raise InputError(
            f"找不到工作表“{name}”；工作簿中的工作表：{'、'.join(wb.sheetnames)}",
            file=str(template),
        )
    ws = wb[name]
    grid = sheet_grid(ws)
    shown = SHEET_TYPES.get(name) or title_type(grid)
    if shown is not None and shown != form_type:
        raise InputError(
            f"工作表“{name}”是{shown}，不能填入{form_type}：请指定对应的工作表", file=str(template)
        )
    layout = NATIONAL
    if form_type != BASIC:
        layout = sheet_layout_kind(grid, form_type) or getattr(form, "layout", NATIONAL)
    lay = sheet_layout(form_type, layout)
    filler = _Filler(ws, locate_fields(grid, lay), lay, form.source)
    filler.fill(form.data)
    if isinstance(form, SelfEvalForm) and form.framework:
        _put_framework(wb, form.framework)
    store_record(wb, name, filler.record(load_record(custom_properties(wb), name)))
    save_workbook(wb, out, template, functions)


def _put_framework(wb: Workbook, framework: str) -> None:
    """The form's other evaluation framework in the 设置 sheet (jx_framework): checks of the
    filled workbook leave out the national checks, as checks of the original did."""
    # every template of ours has the name (tests/test_import_framework.py)
    for title, ref in wb.defined_names[FRAMEWORK_NAME].destinations:
        wb[title][ref.replace("$", "")] = framework


def _open_template(path: Path, keep_vba: bool) -> Workbook:
    try:
        return load_workbook(path, keep_vba=keep_vba)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as e:
        raise InputError(f"无法作为 Excel 工作簿打开（{e}）", file=str(path)) from None


class _Filler:
    """Writes one form's data into a located sheet, collecting what cells cannot hold."""

    def __init__(
        self, ws: Worksheet, cells: dict[str, Cell], lay: SheetLayout, source: str
    ) -> None:
        self.ws = ws
        self.lay = lay
        self.source = source
        self.cells = cells  # where each field is on this sheet (readers.template.locate_fields)
        self.hints: dict[str, list[Any]] = {}
        self.written: set[str] = set()
        self.extras: dict[str, Any] = {}
        self.objects: list[str] = []
        self.lists: dict[str, int | None] = {}
        self.order: dict[str, list[str]] = {}
        self.parents: dict[str, list[Any]] = {}

    def fail(self, where: str, message: str) -> InputError:
        return InputError(message, file=self.source or None, where=f"键 {where}" if where else None)

    # -- the two kinds of sheet

    def fill(self, data: dict[str, Any]) -> None:
        if self.lay.form_type == BASIC:
            self._basic(data)
        else:
            self._self_eval(data)

    def _self_eval(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            if key == "表类型":
                continue
            if key == "预算执行" and isinstance(value, dict):
                self._budget(value)
            elif key == "绩效指标":
                self._rows("绩效指标", value, INDICATOR_COLUMNS[self.lay.layout])
            elif key == "执行进度" and isinstance(value, dict):
                self.objects.append(key)
                for month, v in value.items():
                    self._field((key, str(month)), v, f"执行进度[{month}]")
            elif key in ("年度总体目标", "总分") and isinstance(value, dict):
                self._object(key, value)
            else:
                self._field((key,), value)

    def _budget(self, budget: dict[str, Any]) -> None:
        self.objects.append("预算执行")
        for key, value in budget.items():
            if key == "资金来源":
                self._rows("预算执行.资金来源", value, SOURCE_COLUMNS)
            elif key == "按支出性质" and self.lay.form_type == WHOLE:
                names = named_items(self.cells, "预算执行.按支出性质")
                self._named_rows(
                    "预算执行.按支出性质",
                    value,
                    {n: f"预算执行.按支出性质[{n}]" for n in names},
                    "按支出性质",
                )
            else:
                self._field(("预算执行", key), value)

    def _basic(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            if key == "表类型":
                continue
            if key == "人员" and isinstance(value, dict):
                self._object(key, value)
            elif key == "经费":
                rows = {name: f"基础数据.{name}" for name, _parent in BASIC_ROWS}
                self._named_rows("经费", value, rows, "基础数据表", parents=dict(BASIC_ROWS))
            elif key == "楼堂馆所":
                self._rows("楼堂馆所", value, BUILDING_COLUMNS)
            else:
                self._field((key,), value)

    # -- building blocks

    def _object(self, key: str, value: dict[str, Any]) -> None:
        self.objects.append(key)
        for sub, v in value.items():
            self._field((key, sub), v)

    def _field(self, keys: tuple[str, ...], value: Any, path: str | None = None) -> None:
        """A value with its own cell, or an extra when the layout has none."""
        path = path or ".".join(keys)
        if path not in self.cells:
            set_in(self.extras, keys, value)
            return
        self._put(path, value)

    def _put(self, path: str, value: Any) -> None:
        if not isinstance(value, _SCALARS):
            raise self.fail(path, f"应为数字或文字，实际为{kind_name(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(path, "数字必须是普通数字（不能是 NaN 或无穷大）")
        if type(value) is int and not -_MAX_CELL_NUMBER <= value <= _MAX_CELL_NUMBER:
            # A paper form's cell of hundreds of digits: no cell can hold it as a number.
            raise self.fail(path, "数字超出 Excel 单元格能保存的范围（约 ±1E+308），请改为实际金额")
        if isinstance(value, str) and len(value) > _MAX_TEXT:
            raise self.fail(path, f"文字超过 Excel 单元格 {_MAX_TEXT} 个字符的上限")
        ref = self.cells[path]
        cell = self.ws.cell(ref.row, ref.col)
        if isinstance(cell, MergedCell):
            raise self.fail(
                path,
                f"模板的单元格 {cell.coordinate} 位于合并区域内部，无法写入：模板与标准表样不一致",
            )
        if value is None or value == "":
            cell.value = None
        elif isinstance(value, str):
            try:
                cell.value = value
            except IllegalCharacterError:
                raise self.fail(path, "含有 Excel 不能保存的控制字符，请删去") from None
            cell.data_type = "s"  # text such as "=100%" or "#N/A" stays text
        else:
            cell.value = value
        self.written.add(path)
        read = _as_read(value, cell.number_format)
        # An empty cell reads as "absent": null needs its hint like "" does.
        if value is None or not same_value(normalize_value(path, read), value):
            self.hints[path] = [value, read]

    def _rows(self, path: str, items: Any, columns: tuple[str, ...]) -> None:
        """A positional block: item k goes into row k of the block."""
        if items is None:
            self.lists[path] = None
            return
        if not isinstance(items, list):
            raise self.fail(path, f"应为数组 […]，实际为{kind_name(items)}")
        block, counter = _BLOCKS[path]
        rows = capacity(self.cells, path)
        if len(items) > rows:
            raise self.fail(
                path,
                f"模板的{block}区只有 {rows} 行，表单有 {len(items)} {counter}："
                f"请删减到 {rows} 条以内，或在工作表的{block}区插入行后再填写",
            )
        self.lists[path] = len(items)
        for k, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise self.fail(f"{path}[{k}]", f"应为对象 {{…}}，实际为{kind_name(item)}")
            for col, value in item.items():
                cell_path = f"{path}[{k}].{col}"
                if cell_path not in self.cells:
                    raise self.fail(cell_path, self._no_column(block, col, columns))
                self._put(cell_path, value)

    def _no_column(self, block: str, col: str, columns: tuple[str, ...]) -> str:
        if (
            block == "绩效指标"
            and self.lay.layout == NATIONAL
            and col in INDICATOR_COLUMNS[SICHUAN]
        ):
            return f"模板是全国版式，绩效指标区没有“{col}”列（四川版式才有）：请改用四川版式的模板"
        return f"模板的{block}区没有“{col}”列；可用的列：{'、'.join(columns)}"

    def _named_rows(
        self,
        path: str,
        items: Any,
        rows: dict[str, str],
        table: str,
        parents: dict[str, str | None] | None = None,
    ) -> None:
        """A block of fixed rows, one per standard name: items go to the row of their 名称."""
        if items is None:
            self.lists[path] = None
            return
        if not isinstance(items, list):
            raise self.fail(path, f"应为数组 […]，实际为{kind_name(items)}")
        self.lists[path] = len(items)
        order: list[str] = []
        for k, item in enumerate(items, 1):
            where = f"{path}[{k}]"
            if not isinstance(item, dict):
                raise self.fail(where, f"应为对象 {{…}}，实际为{kind_name(item)}")
            name = item.get("名称")
            if name not in rows:
                shown = f"名称“{name}”" if "名称" in item else "缺少“名称”，"
                raise self.fail(
                    where,
                    f"第 {k} 行{shown}不是{table}的标准行，模板中没有对应的行；"
                    f"标准行为：{'、'.join(rows)}",
                )
            if name in order:
                raise self.fail(where, f"第 {k} 行“{name}”与前面的行重名：每个标准行只能填一次")
            order.append(name)
            for col, value in item.items():
                if col == "名称":
                    continue
                if col == "上级" and parents is not None:
                    # The reader gives each row its standard parent; record any other.
                    if parents[name] is None or not same_value(value, parents[name]):
                        self.parents[name] = [True, value]
                    continue
                cell_path = f"{rows[name]}.{col}"
                if cell_path not in self.cells:
                    raise self.fail(f"{where}.{col}", f"模板中“{name}”行没有“{col}”列")
                self._put(cell_path, value)
            if parents is not None and "上级" not in item and parents[name] is not None:
                self.parents[name] = [False, None]
        self.order[path] = order

    # -- the record kept in the workbook

    def record(self, old: dict[str, Any]) -> dict[str, Any]:
        """This fill's record, merged over an earlier fill of the same sheet."""
        if old.get("form_type") != self.lay.form_type:
            old = {}
        hints = {p: h for p, h in old.get("cells", {}).items() if p not in self.written}
        hints.update(self.hints)
        extras = old.get("extras", {})
        merge_into(extras, self.extras, override=True)
        order = {**old.get("order", {}), **self.order}
        renamed = set(self.order.get("经费", ()))
        parents = {n: p for n, p in old.get("parents", {}).items() if n not in renamed}
        parents.update(self.parents)
        return {
            "version": RECORD_VERSION,
            "form_type": self.lay.form_type,
            "layout": self.lay.layout,
            "extras": extras,
            "cells": hints,
            "objects": list(dict.fromkeys([*old.get("objects", []), *self.objects])),
            "lists": {**old.get("lists", {}), **self.lists},
            "order": order,
            "parents": parents,
        }


def _as_read(value: Any, number_format: str) -> Any:
    """What reading the cell gives after openpyxl wrote ``value`` (mirrors its writer and reader)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, bool):
        return value
    text = safe_string(value)  # "%.16g"
    number: int | float = float(text) if any(ch in text for ch in ".eE") else int(text)
    if is_date_format(number_format):
        try:
            return json_value(from_excel(number, timedelta=is_timedelta_format(number_format)))
        except (OverflowError, ValueError):
            return "#VALUE!"
    return number
