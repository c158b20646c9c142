"""Forms in files — workbooks (.xlsx/.xlsm/.xls) and Word documents (.docx) — as the
commands show them: ``check`` and ``validate`` list their findings, ``import`` picks one.

Every location is the one the user sees in the file: 工作表!单元格 in a workbook, and in a
Word document the table's number and the cell's row and column (``表3 第5行第4列``). The
findings keep their machine-readable ``sheet`` ("表3") and ``cell`` (the grid's A1, "D5");
``location`` carries the text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from jixiao.app.validate import WITHOUT_FORMULAS, BookReport, check_book
from jixiao.cli.common import report_object
from jixiao.cli.textui import findings_table
from jixiao.core.errors import InputError
from jixiao.core.findings import Finding, summary_line
from jixiao.core.form import Form
from jixiao.core.layout import split_address
from jixiao.core.profile import Profile
from jixiao.formats.docx_grid import word_address
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


def located(findings: list[Finding], kind: FileKind) -> list[Finding]:
    """The findings with the location a user of this kind of file looks for."""
    if kind is not FileKind.DOCX:
        return list(findings)
    return [replace(f, location=word_location(f.sheet, f.cell)) for f in findings]


def word_location(table: str, cell: str) -> str:
    """ "表3", "D5" → "表3 第5行第4列"; the table alone for a finding about the whole form."""
    if not cell:
        return table
    try:
        row, col = split_address(cell)
    except ValueError:
        return f"{table} {cell}"
    return f"{table} {word_address(row, col)}"


def sheet_label(kind: FileKind, sheet: str) -> str:
    """How a message names a sheet: 工作表“项目支出表”, or a Word table as 表3."""
    return sheet if kind is FileKind.DOCX else f"工作表“{sheet}”"


def in_words(kind: FileKind, text: str) -> str:
    """A reader's or a rule's note as a Word user reads it: 工作表“表3” is 表3."""
    if kind is not FileKind.DOCX:
        return text
    return re.sub(r"工作表“(表\d+)”", r"\1", text)


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


def notes(kind: FileKind, report: BookReport) -> list[str]:
    """What could not be checked. Read by value (an .xls, a Word table), Q08 matters only
    where a template sheet was read: a paper-layout table has no template formulas."""
    if kind is FileKind.XLSX or any(f.cell_states for f in report.forms):
        return list(report.not_checked)
    return [n for n in report.not_checked if n != WITHOUT_FORMULAS]


def book_object(path: Path, kind: FileKind, report: BookReport) -> dict[str, Any]:
    """The ``--json`` object of one file: the findings (with ``location`` in a Word
    document), its format, the sheets skipped, the profile used and what was not checked."""
    obj = report_object(str(path), report.findings)
    obj["format"] = kind.value
    obj["skipped"] = [
        {"sheet": sheet, "reason": in_words(kind, why)} for sheet, why in report.skipped
    ]
    obj["profile"] = {"name": report.profile.profile.key, "source": report.profile.source}
    if said := [in_words(kind, note) for note in notes(kind, report)]:
        obj["not_checked"] = said
    return obj


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
