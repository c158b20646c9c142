"""Every form in a workbook: template sheets by their names, other sheets by their headings.

The workbook is read from a file (inside Excel, from a copy of the live workbook saved for
the purpose): an .xlsx/.xlsm from its XML, an .xls with xlrd, or the tables of a Word
document, each table a sheet "表1", "表2" … — whatever the file is, not what it is called
(jixiao.formats.files). Template sheets also report what their computed cells
hold (formula, cached result, error value) for the checks that only a workbook needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
from jixiao.core.profile import BUILTIN
from jixiao.core.values import EXCEL_ERRORS
from jixiao.formats.files import FileKind, read_book_grid
from jixiao.formats.grid import BookGrid, SheetGrid
from jixiao.readers.template import read_sheet

SKIPPED_SHEETS = frozenset({SETTINGS_SHEET, CONF_SHEET, RESULTS_SHEET, RESULTS_SHEET_FALLBACK})


def is_template_sheet(ws: SheetGrid) -> bool:
    return any(name.startswith("jxf_") for name in ws.names)


class NoForm(InputError):
    """No form to check in the workbook (a template not filled in, another workbook).
    ``missing``: sheets the workbook lists that the file lacks (the form may have been
    one). 清除标记 still takes such a file when none is missing."""

    def __init__(
        self, message: str, *, file: str | None = None, missing: list[str] | None = None
    ) -> None:
        super().__init__(message, file=file)
        self.missing = missing or []


@dataclass
class BookContents:
    forms: list[Form]
    skipped: list[tuple[str, str]]  # (sheet, why)
    profile: str | None  # the profile the workbook's 设置 sheet names, if any
    with_formulas: bool = True  # False: read by value only, so Q08 could not run
    # The regional profile a paper form's own print names, and why ("sichuan", "表中有四川省的
    # 报表编号 510000_0013zp"): used when neither the run nor the 设置 sheet names one.
    profile_hint: tuple[str, str] | None = None
    # How the file was read, for the user ("工作表“数据”有 200000 行，只读取了前 2000 行").
    notes: list[str] = field(default_factory=list)


# The 设置 sheet's cell that names the workbook's profile (templates.builder writes it).
PROFILE_NAME = "jx_profile"
# The 设置 sheet's cell that names another evaluation framework the workbook's self-evaluation
# forms follow (`jixiao import` writes what the paper reader recognised on the original).
FRAMEWORK_NAME = "jx_framework"


def read_workbook_file(path: Path, source: str | None = None) -> BookContents:
    """Every form in the file at ``path`` (``source`` names it in messages): a workbook
    (.xlsx/.xlsm/.xls) or a Word document (.docx), told apart by their bytes."""
    kind, book = read_book_grid(path, source)
    if kind is FileKind.DOCX and not book.sheets:
        raise InputError(NO_TABLES, file=book.source)
    return read_forms(book)


# A Word document without tables: the form is a picture, an attachment or plain text.
NO_TABLES = (
    "Word 文档中没有表格：jixiao 读取文档中以表格填写的自评表（插入→表格）；自评表若是图片、"
    "扫描件或附件，请向填报人索取 Excel 工作簿或以表格填写的 Word 文档"
)


def read_forms(book: BookGrid) -> BookContents:
    """Every form in the workbook, with its cells and what they hold."""
    source = book.source
    sheets = [ws for ws in book if ws.title not in SKIPPED_SHEETS and ws.visible]
    found: list[Form | tuple[str, str]] = []
    hint: tuple[str, str] | None = None
    other_framework = settings_framework(book)
    for ws in sheets:
        try:
            if is_template_sheet(ws):
                data, lay, moved = read_sheet(book, ws, source)
                validate_schema(data, source)
                form = build_form(data, source, lay.layout)
                form.sheet_layout = lay
                form.cells.update(lay.cells)
                form.cells.update(moved)
                form.cell_states = _cell_states(ws, form)
                if isinstance(form, SelfEvalForm):
                    form.framework = other_framework
                read = [form]
            else:
                read, unread, hint = _read_paper(ws, source, hint)
                found.extend(unread)
        except InputError as e:
            found.append((ws.title, e.detail))
            continue
        found.extend((ws.title, "尚未填写") if is_blank_form(f) else f for f in read)
    forms = [f for f in found if isinstance(f, Form)]
    skipped = [f for f in found if isinstance(f, tuple)]
    if not forms:
        looked = "、".join(f"“{n}”" for n in SHEET_NAMES.values())
        listed = (
            f"工作簿中的工作表：{'、'.join(book.sheet_names)}"
            if book.sheets
            else "工作簿中没有可读取的工作表"
        )
        why = "；".join(f"“{s}”：{w}" for s, w in skipped) or listed
        why = "；".join([why, *book.notes])  # a form past the rows read is not found
        raise NoForm(
            f"找不到可以校验的自评表：没有 {looked} 等 jixiao 模板的表，也没有按纸质表样排列的表格（{why}）",
            file=source,
            missing=list(book.missing),
        )
    return BookContents(
        forms, skipped, settings_profile(book), book.with_formulas, hint, list(book.notes)
    )


def _read_paper(
    ws: SheetGrid, source: str, hint: tuple[str, str] | None
) -> tuple[list[Form], list[tuple[str, str]], tuple[str, str] | None]:
    """The forms on a sheet in a paper form's layout (several may be printed one after
    another), the forms on it that could not be read (sheet, why: said, not left unchecked
    in silence), and the profile hint so far. The paper readers are loaded with the first
    such sheet: a workbook of template sheets (what jixiao's users send) is read without
    them (about 10 ms of imports per process)."""
    from jixiao.readers.paper import profile_hint, read_paper_form  # noqa: PLC0415  (above)
    from jixiao.readers.paper_basic import looks_like_basic_table, read_paper_basic  # noqa: PLC0415
    from jixiao.readers.paper_split import form_parts  # noqa: PLC0415

    if looks_like_basic_table(ws):
        return [read_paper_basic(ws, source)], [], hint
    forms: list[Form] = []
    unread: list[tuple[str, str]] = []
    first_error: InputError | None = None
    for part in form_parts(ws):
        try:
            forms.append(read_paper_form(part, source))
        except InputError as e:
            first_error = first_error or e
            top = min((r for r, _c in part.values), default=1)
            why = e.detail.replace("这张工作表不像", "不像")  # the sheet has other forms
            unread.append((ws.title, f"第 {top} 行起的一张表：{why}"))
    if not forms and first_error is not None:
        raise first_error
    return forms, unread, hint or profile_hint(ws)


def settings_profile(book: BookGrid) -> str | None:
    """The profile named in the workbook's 设置 sheet (jx_profile), as typed there."""
    value = book.name_value(PROFILE_NAME)
    return str(value).strip() if value not in (None, "") else None


def settings_framework(book: BookGrid) -> str | None:
    """The other evaluation framework named in the workbook's 设置 sheet (jx_framework), if
    any: blank for the national one — as is what names the national one there (a clerk may
    type "全国统一格式" or a profile's name into the cell)."""
    value = book.name_value(FRAMEWORK_NAME)
    text = str(value).strip() if value is not None else ""
    if text.lower() in BUILTIN or any(word in text for word in _NATIONAL_WORDS):
        return None
    return text or None


# Words that name the national framework (财预〔2020〕10号), not another one.
_NATIONAL_WORDS = ("全国", "统一格式", "财预〔2020〕10号", "财预[2020]10号")


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


def _cell_states(ws: SheetGrid, form: Form) -> dict[str, CellState]:
    """What the computed cells hold (formula or typed value) and which cells show errors.

    Read by value only (a live workbook without a file), a computed cell's shown value
    stands as typed: Q08 then compares what it shows with what the formula gives.
    """
    states: dict[str, CellState] = {}
    # Cell by cell (not ws.values): a sheet read from the XML converts only these cells.
    for path, cell in form.cells.items():
        row, col = cell.row, cell.col
        computed = _COMPUTED.get(path)
        if computed is None:
            computed = _COMPUTED[path] = is_computed(path)
        error = None
        if ws.has_error(row, col):
            shown = str(ws.value(row, col))
            error = shown if shown in EXCEL_ERRORS else None
        if computed or error:
            value = ws.value(row, col)
            states[path] = CellState(ws.formula(row, col), value, error, template_formula=computed)
    return states


# Whether a field path is computed, by path: the paths repeat on every sheet of a workbook.
_COMPUTED: dict[str, bool] = {}
