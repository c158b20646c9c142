"""A file's check as the ``--json`` object of ``jixiao check``/``validate`` and as one file
of ``jixiao review``: the findings located in the user's terms, what was skipped, the
profile, what could not be checked, and one summary line per form.

Every location is the one the user sees in the file: 工作表!单元格 in a workbook, and in a
Word document the table's number and the cell's row and column (``表3 第5行第4列``). The
findings keep their machine-readable ``sheet`` ("表3") and ``cell`` (the grid's A1, "D5");
``location`` carries the text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from jixiao.app.summary import form_summary
from jixiao.app.validate import WITHOUT_FORMULAS, BookReport
from jixiao.core.findings import Finding, summary
from jixiao.core.layout import split_address
from jixiao.formats.docx_grid import word_address
from jixiao.formats.files import FileKind

__all__ = ["book_object", "in_words", "located", "notes", "word_location"]


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


def in_words(kind: FileKind, text: str) -> str:
    """A reader's or a rule's note as a Word user reads it: 工作表“表3” is 表3."""
    if kind is not FileKind.DOCX:
        return text
    return re.sub(r"工作表“(表\d+)”", r"\1", text)


def notes(kind: FileKind, report: BookReport) -> list[str]:
    """What could not be checked. Read by value (an .xls, a Word table), Q08 matters only
    where a template sheet was read: a paper-layout table has no template formulas."""
    if kind is FileKind.XLSX or any(f.cell_states for f in report.forms):
        return list(report.not_checked)
    return [n for n in report.not_checked if n != WITHOUT_FORMULAS]


def book_object(name: str, kind: FileKind, report: BookReport) -> dict[str, Any]:
    """The ``--json`` object of one file (``name`` as the user gave it): the findings (with
    ``location`` in a Word document), its format, the sheets skipped, the profile used,
    what was not checked, and ``forms``: one :func:`form_summary` line per form."""
    findings = located(report.findings, kind)
    obj: dict[str, Any] = {
        "file": name,
        "findings": [f.to_dict() for f in findings],
        "summary": summary(findings),
        "format": kind.value,
        "skipped": [
            {"sheet": sheet, "reason": in_words(kind, why)} for sheet, why in report.skipped
        ],
        "profile": {"name": report.profile.profile.key, "source": report.profile.source},
    }
    if said := [in_words(kind, note) for note in notes(kind, report)]:
        obj["not_checked"] = said
    obj["forms"] = [
        form_summary(form, report.profile.profile, found)
        for form, found in zip(report.forms, report.by_form, strict=True)
    ]
    return obj
