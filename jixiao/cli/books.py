"""Forms in files — workbooks (.xlsx/.xlsm/.xls) and Word documents (.docx) — as the
commands show them: ``check`` and ``validate`` list their findings, ``import`` picks one.

Every location is the one the user sees in the file (jixiao.app.report): 工作表!单元格 in
a workbook, in a Word document the table's number and the cell's row and column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jixiao.app import report as reported
from jixiao.app.report import in_words, located, notes
from jixiao.app.validate import BookReport, check_book
from jixiao.cli.textui import findings_table
from jixiao.core.errors import InputError
from jixiao.core.findings import summary_line
from jixiao.core.form import Form
from jixiao.core.profile import Profile
from jixiao.formats.files import FileKind, file_kind
from jixiao.readers.workbook import BookContents, read_workbook_file


def read_book(path: Path) -> tuple[FileKind, BookContents]:
    """Every form in the file, and what kind of file it really is."""
    return file_kind(path), read_workbook_file(path)


def check_contents(
    path: Path,
    kind: FileKind,
    contents: BookContents,
    profile: str | Path | Profile | None,
    *,
    profile_source: str = "命令行 --profile",
) -> BookReport:
    """Check the file's forms (the profile: explicit, else the workbook's 设置 sheet, else
    the default); the findings say where they are in the user's terms."""
    report = check_book(contents, profile, str(path), profile_source=profile_source)
    report.findings = located(report.findings, kind)
    return report


def sheet_label(kind: FileKind, sheet: str) -> str:
    """How a message names a sheet: 工作表“项目支出表”, or a Word table as 表3."""
    return sheet if kind is FileKind.DOCX else f"工作表“{sheet}”"


def form_place(form: Form) -> str:
    return form.sheet_layout.sheet if form.sheet_layout else ""


# ---- what the commands print ---------------------------------------------------------------


def print_book(path: Path, kind: FileKind, report: BookReport) -> None:
    """The header, the profile, what was skipped, the findings and the summary."""
    names = "、".join(dict.fromkeys(p for p in map(form_place, report.forms) if p))
    what = "" if kind is FileKind.XLSX else f"{kind.description}，"
    print(f"【{path}】{what}校验了 {len(report.forms)} 张表（{names}）")
    if path.suffix.lower() not in kind.suffixes:
        shown = path.suffix or "（无）"
        print(f"（文件的扩展名是 {shown}，内容却是 {kind.description}：已按其实际格式读取）")
    print(f"地区配置：{report.profile.description}")
    for note in notes(kind, report):
        print(f"（{in_words(kind, note)}）")
    for sheet, why in report.skipped:
        print(f"（跳过{sheet_label(kind, sheet)}：{in_words(kind, why)}）")
    print(findings_table(report.findings))
    print(summary_line(report.findings))


def book_object(path: Path, kind: FileKind, report: BookReport) -> dict[str, Any]:
    """The ``--json`` object of one file (jixiao.app.report.book_object), as
    ``jixiao review`` lists the file too."""
    return reported.book_object(str(path), kind, report)


def no_copy_lines(
    path: Path, kind: FileKind, report: BookReport, ignored: str | None = None
) -> list[str]:
    """Why ``validate`` wrote no marked copy of this file, and the two commands that give
    a marked standard workbook (one import per form when the file holds several)."""
    unwritten = f"（{ignored} 未写出，原文件没有改动）" if ignored else ""
    lines = [
        f"没有写出带标记的副本{unwritten}：标记只能写进 .xlsx/.xlsm 工作簿，"
        f"{kind.description}里写不进。要得到带标记的标准工作簿，先导入再校验："
    ]
    places = [form_place(f) for f in report.forms]
    for place in places:
        several = len(places) > 1 and place
        target = path.with_name(f"{path.stem}_{place if several else '标准表'}.xlsm")
        option = f" --sheet {_quoted(place)}" if several else ""
        lines.append(f"  jixiao import {_quoted(str(path))}{option} -o {_quoted(str(target))}")
        lines.append(f"  jixiao validate {_quoted(str(target))}")
    return lines


def _quoted(text: str) -> str:
    """A command-line argument as the user can paste it (double quotes where it has spaces)."""
    return f'"{text}"' if re.search(r"\s", text) else text


# ---- picking one form (import) -------------------------------------------------------------


def pick_form(path: Path, kind: FileKind, contents: BookContents, sheet: str | None) -> Form:
    """The form on ``sheet`` (a Word table as 表3 or 3), or the only form of the file."""
    forms = contents.forms
    if sheet is None:
        if len(forms) == 1:
            return forms[0]
        option = "表3" if kind is FileKind.DOCX else "项目1"
        raise InputError(
            f"文件中有 {len(forms)} 张自评表（{_listing(forms)}）：请用 --sheet 指定导入哪一张，"
            f"如 --sheet {form_place(forms[0]) or option}",
            file=str(path),
        )
    wanted = sheet.strip()
    if kind is FileKind.DOCX and re.fullmatch(r"\d+", wanted):
        wanted = f"表{int(wanted)}"
    for form in forms:
        if form_place(form) == wanted:
            return form
    skipped = dict(contents.skipped)
    if wanted in skipped:
        raise InputError(
            f"{sheet_label(kind, wanted)}没有可导入的自评表（{skipped[wanted]}）；"
            f"可导入的：{_listing(forms)}",
            file=str(path),
        )
    where = "表格" if kind is FileKind.DOCX else "工作表"
    raise InputError(f"找不到{where}“{sheet}”；文件中的自评表：{_listing(forms)}", file=str(path))


def _listing(forms: list[Form]) -> str:
    return "、".join(f"{form_place(f)}（{f.form_type}）" for f in forms)


# ---- a Word table's text as typed into Excel (import) ----------------------------------------

# A number as a clerk types it: no leading zero, no thousands separator, at most 15 digits
# (Excel keeps 15 significant digits).
_NUMERAL = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?")
# Fields whose digits are not an amount: typed into a text cell, they stay text.
_TEXT_KEYS = frozenset({"项目编码", "联系电话", "填报日期", "填表人", "单位名称", "项目名称"})


def typed_in_excel(value: Any, key: str = "") -> Any:
    """A Word table's values as a clerk would type them into the workbook: text that is a
    plain number ("32.4", "10", "2021") becomes that number, as Excel makes it; everything
    else ("≥18场次", "97.80%", "0532", a project code) stays text exactly as it is."""
    if isinstance(value, dict):
        return {k: typed_in_excel(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [typed_in_excel(v, key) for v in value]
    if isinstance(value, str) and key not in _TEXT_KEYS and _NUMERAL.fullmatch(value):
        number = float(value)
        return int(number) if number.is_integer() else number  # 10.00 is 10, as in a cell
    return value
