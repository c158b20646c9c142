"""Every form in a workbook: template sheets by their names, other sheets by their headings.

The workbook is read from a file with openpyxl (inside Excel, from a copy of the live
workbook saved for the purpose). Template sheets also report what their computed cells
hold (formula, cached result, error value) for the checks that only a workbook needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core.errors import InputError
from jixiao.core.form import BasicDataForm, CellState, Form, SelfEvalForm, build_form, is_blank
from jixiao.core.interchange import validate as validate_schema
from jixiao.core.layout import (
    CONF_SHEET,
    RESULTS_SHEET,
    RESULTS_SHEET_FALLBACK,
    SETTINGS_SHEET,
    SHEET_NAMES,
    is_computed,
)
from jixiao.core.values import EXCEL_ERRORS
from jixiao.formats.xlsx_file import open_workbook
from jixiao.readers.paper import read_paper_form
from jixiao.readers.template import read_sheet

SKIPPED_SHEETS = frozenset({SETTINGS_SHEET, CONF_SHEET, RESULTS_SHEET, RESULTS_SHEET_FALLBACK})


def _open(path: Path, data_only: bool = False) -> Workbook:
    # data_only: the cached results of formulas (what Excel last showed).
    return open_workbook(path, keep_vba=False, data_only=data_only)


def is_template_sheet(ws: Worksheet) -> bool:
    return any(name.startswith("jxf_") for name in ws.defined_names)


@dataclass
class BookContents:
    forms: list[Form]
    skipped: list[tuple[str, str]]  # (sheet, why)
    profile: str | None  # the profile the workbook's 设置 sheet names, if any


# The 设置 sheet's cell that names the workbook's profile (templates.builder writes it).
PROFILE_NAME = "jx_profile"


def read_forms(path: Path, source: str | None = None) -> BookContents:
    """Every form in the workbook, with its cells and what they hold.

    ``source`` names the workbook in messages when ``path`` is a copy of it.
    """
    source = source or str(path)
    try:
        wb = _open(path)
    except InputError as e:
        raise InputError(e.detail, file=source, where=e.where) from None  # name the user's file
    sheets = [
        ws for ws in wb.worksheets if ws.title not in SKIPPED_SHEETS and ws.sheet_state == "visible"
    ]
    # Sheets laid out like the paper form count formulas by their results, and their reader
    # needs merged cells: a full load of the cached values, only when there are such sheets.
    full_cache = (
        _open(path, data_only=True) if any(not is_template_sheet(ws) for ws in sheets) else None
    )
    found: list[Form | tuple[str, str]] = []
    for ws in sheets:
        try:
            if is_template_sheet(ws):
                data, lay, moved = read_sheet(wb, ws, source)
                validate_schema(data, source)
                form = build_form(data, source, lay.layout)
                form.sheet_layout = lay
                form.cells.update(lay.cells)
                form.cells.update(moved)
            else:
                assert full_cache is not None
                form = read_paper_form(full_cache[ws.title], source)
        except InputError as e:
            found.append((ws.title, e.detail))
            continue
        found.append((ws.title, "尚未填写") if is_blank_form(form) else form)
    forms = [f for f in found if isinstance(f, Form)]
    skipped = [f for f in found if isinstance(f, tuple)]
    template_forms = [
        f for f in forms if f.sheet_layout and is_template_sheet(wb[f.sheet_layout.sheet])
    ]
    if template_forms:
        cached = _cached_results(
            path, full_cache, {wb[f.sheet_layout.sheet]: f for f in template_forms}
        )  # type: ignore[union-attr]
        for form in template_forms:
            ws = wb[form.sheet_layout.sheet]  # type: ignore[union-attr]
            form.cell_states = _cell_states(ws, cached.get(ws.title, {}), form)
    if not forms:
        looked = "、".join(f"“{n}”" for n in SHEET_NAMES.values())
        why = (
            "；".join(f"“{s}”：{w}" for s, w in skipped)
            or f"工作簿中的工作表：{'、'.join(wb.sheetnames)}"
        )
        raise InputError(
            f"找不到可以校验的自评表：没有 {looked} 等 jixiao 模板的表，也没有按纸质表样排列的表格（{why}）",
            file=source,
        )
    return BookContents(forms, skipped, settings_profile(wb))


def settings_profile(wb: Workbook) -> str | None:
    """The profile named in the workbook's 设置 sheet (jx_profile), as typed there."""
    defined = wb.defined_names.get(PROFILE_NAME)
    if defined is None:
        return None
    try:
        for title, ref in defined.destinations:
            if title in wb.sheetnames:
                value = wb[title][ref.replace("$", "").split(":")[0]].value
                return str(value).strip() if value not in (None, "") else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # a damaged name (#REF!) names no profile
    return None


def _cached_results(
    path: Path, full: Workbook | None, sheets: dict[Worksheet, Form]
) -> dict[str, dict[tuple[int, int], Any]]:
    """The results Excel last showed for the template sheets' formula cells."""
    wanted = {
        ws.title: {
            (c.row, c.col)
            for c in form.cells.values()
            if isinstance(ws.cell(c.row, c.col).value, str)
            and str(ws.cell(c.row, c.col).value).startswith("=")
        }
        for ws, form in sheets.items()
    }
    out: dict[str, dict[tuple[int, int], Any]] = {}
    if full is not None:
        for title, cells in wanted.items():
            out[title] = {rc: full[title].cell(*rc).value for rc in cells}
        return out
    # A streaming pass reads only what is needed: a second full load would double the time.
    values = open_workbook(path, keep_vba=False, read_only=True, data_only=True)
    try:
        for title, cells in wanted.items():
            if not cells:
                continue
            last = max(r for r, _ in cells)
            got: dict[tuple[int, int], Any] = {}
            for row in values[title].iter_rows(min_row=1, max_row=last):
                for cell in row:
                    rc = (getattr(cell, "row", None), getattr(cell, "column", None))
                    if rc in cells:
                        got[rc] = cell.value  # type: ignore[index]
            out[title] = got
    finally:
        values.close()
    return out


def is_blank_form(form: Form) -> bool:
    """Nothing entered yet but what `jixiao new` fills in (unit name, year, standard labels)."""
    if isinstance(form, SelfEvalForm):
        b = form.budget
        entries = (
            b.initial,
            b.full_year,
            b.executed,
            *form.goals.values(),
            form.data.get("项目名称"),
        )
        return not form.filled_indicators and all(is_blank(v) for v in entries)
    if isinstance(form, BasicDataForm):
        rows = [v for r in form.rows for k, v in r.items() if k not in ("名称", "上级")]
        return all(is_blank(v) for v in (*rows, *form.staff.values()))
    return False


def _cell_states(
    ws: Worksheet, cached: dict[tuple[int, int], Any], form: Form
) -> dict[str, CellState]:
    states: dict[str, CellState] = {}
    for path, cell in form.cells.items():
        c = ws.cell(cell.row, cell.col)
        raw: Any = c.value
        computed = is_computed(path)
        formula = raw if isinstance(raw, str) and raw.startswith("=") else None
        error = raw if c.data_type == "e" and raw in EXCEL_ERRORS else None
        shown = raw
        if formula is not None:
            shown = cached.get((cell.row, cell.col))
            if isinstance(shown, str) and shown in EXCEL_ERRORS:
                error = shown
        if computed or error:
            states[path] = CellState(formula, shown, error, template_formula=computed)
    return states
