"""The 校验结果 sheet: jixiao's own sheet that lists the findings of 校验, as a report.

One description serves every host: what the sheet says (title, summary, headings, one row
per finding), how wide its columns are (fitted to Chinese text) and how it looks (title
and summary styled, header row frozen with an autofilter, severity coloured, the 说明
column wrapping, each 单元格 a link to the cell, one A4 page wide). The headless host
writes it as sheet XML (``results_sheet_xml``); the live host through xlwings.

The template ships the sheet empty (``NOT_YET``); 校验 refills it and 清除标记 restores
it. A sheet that 校验 had to add says so in ``CREATED_NOTE`` (cell E1), so 清除标记 in
any host knows to delete it again.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from jixiao.core.findings import Finding, Severity, summary_line
from jixiao.core.layout import RESULTS_SHEET, column_letter
from jixiao.formats.package import NS_MAIN, REL_BASE, Package, sheet_parts, sheet_rows
from jixiao.formats.sheet_xml import escape

NOT_YET = "尚未校验：填好各表后点击「校验」。"
HEADINGS = ("级别", "代码", "工作表", "单元格", "说明")
CREATED_NOTE = "本表由「校验」添加，「清除标记」时删除"
CREATED_CELL = "E1"  # right of the title, above 说明
HEADER_ROW = 3  # rows 1-2: title and summary; findings from row 4
LINK_COLUMN = 4  # 单元格

# Colours (RGB hex) of each severity: the cell marks and the rows of this sheet.
FILL = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFD966", Severity.INFO: "BDD7EE"}
FONT = {Severity.ERROR: "9C0006", Severity.WARNING: "833C0B", Severity.INFO: "1F4E79"}
HEADER_FILL = "DDEBF7"

Row = tuple[str, str, str, str, str]
MIN_WIDTHS = (6.0, 6.0, 10.0, 8.0, 30.0)
MAX_WIDTHS = (8.0, 8.0, 24.0, 10.0, 70.0)
LINE_HEIGHT = 13.5  # points per line of 10-point 宋体


@dataclass
class Report:
    """What the sheet says: the summary line and one row per finding."""

    summary: str
    rows: list[Row] = field(default_factory=list)
    created: bool = False  # 校验 added the sheet (清除标记 deletes it)

    @property
    def widths(self) -> list[float]:
        """Column widths (Excel character units) fitted to the Chinese text they hold."""
        out = []
        for k in range(len(HEADINGS)):
            texts = [HEADINGS[k], *(r[k] for r in self.rows)]
            wanted = max(text_width(t) for t in texts) + 2
            out.append(min(max(wanted, MIN_WIDTHS[k]), MAX_WIDTHS[k]))
        return out

    @property
    def last_row(self) -> int:
        return HEADER_ROW + len(self.rows)

    def row_heights(self) -> list[float]:
        """Heights (points) of the finding rows, so the wrapped 说明 shows in full:
        programs do not all fit a row to wrapped text on their own."""
        width = self.widths[4] - 1
        return [LINE_HEIGHT * max(1, math.ceil(text_width(r[4]) / width)) + 3 for r in self.rows]


def report(
    findings: Sequence[Finding] | None,
    *,
    created: bool = False,
    skipped: Sequence[tuple[str, str]] = (),
) -> Report:
    """The report of a run (``None``: the empty sheet the template ships). ``skipped``: the
    sheets the run did not check, (sheet, why), said after the summary so that the sheet
    does not read as the whole workbook once the closing alert is gone."""
    if findings is None:
        return Report(NOT_YET, [], created)
    rows: list[Row] = [(str(f.severity), f.code, f.sheet, f.cell, f.message) for f in findings]
    return Report(summary_line(findings) + skipped_note(skipped), rows, created)


def skipped_note(skipped: Sequence[tuple[str, str]]) -> str:
    """ "。另有 1 张工作表没有校验：“项目3”（尚未填写）", or nothing."""
    if not skipped:
        return ""
    listed = "；".join(f"“{sheet}”（{why}）" for sheet, why in skipped)
    return f"。另有 {len(skipped)} 张工作表没有校验：{listed}"


def text_width(text: str) -> float:
    """Width in Excel's character units: a CJK character takes two, others one."""
    if not text:
        return 0.0
    text = str(text)
    width = _WIDTHS.get(text)
    if width is None:
        longest = max(text.split("\n"), key=len)
        # map over the cached _char_width: the loop runs in C (a results sheet measures
        # tens of thousands of characters, each column twice: widths and row heights).
        width = float(len(longest) if longest.isascii() else sum(map(_char_width, longest)))
        if len(_WIDTHS) < 100_000:
            _WIDTHS[text] = width
    return width


_WIDTHS: dict[str, float] = {}  # text -> width: codes, sheets, cells and messages repeat


@functools.cache
def _char_width(ch: str) -> int:
    # Cached per character: a results sheet measures tens of thousands of them.
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def location(sheet: str, cell: str) -> str:
    """ "'项目1'!D17": the in-workbook target of a link."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


# ---- as sheet XML (the headless host and the template) --------------------------------


@dataclass(frozen=True)
class Styles:
    """cellXfs indexes of the sheet's styles in the workbook's styles.xml."""

    title: int
    summary: int
    header: int
    body: int
    wrap: int
    link: int


def results_sheet_xml(
    rep: Report | None,
    sheet_pr: str = "",
    styles: Styles | None = None,
    dxf_ids: dict[Severity, int] | None = None,
) -> str:
    """Our 校验结果 sheet; ``None`` gives the empty one the template ships."""
    rep = rep or report(None)

    def cell(ref: str, text: object, style: int | None = None) -> str:
        s = f' s="{style}"' if style is not None else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(str(text))}</t></is></c>'

    st = styles
    title_row = cell("A1", RESULTS_SHEET, st and st.title)
    if rep.created:
        title_row += cell(CREATED_CELL, CREATED_NOTE)
    rows = [f'<row r="1">{title_row}</row>']
    rows.append(f'<row r="2">{cell("A2", rep.summary, st and st.summary)}</row>')
    rows.append(
        f'<row r="{HEADER_ROW}">'
        + "".join(
            cell(f"{column_letter(i + 1)}{HEADER_ROW}", h, st and st.header)
            for i, h in enumerate(HEADINGS)
        )
        + "</row>"
    )
    links = []
    heights = rep.row_heights()
    for k, values in enumerate(rep.rows, HEADER_ROW + 1):
        styles_of = [st and st.body, st and st.body, st and st.body, st and st.link, st and st.wrap]
        rows.append(
            f'<row r="{k}" ht="{heights[k - HEADER_ROW - 1]:g}" customHeight="1">'
            + "".join(
                cell(f"{column_letter(i + 1)}{k}", v, styles_of[i]) for i, v in enumerate(values)
            )
            + "</row>"
        )
        if values[3]:
            target = escape(location(values[2], values[3])).replace('"', "&quot;")
            links.append(
                f'<hyperlink ref="D{k}" location="{target}" display="{escape(values[3])}"/>'
            )
    widths = rep.widths if rep.rows else [8.0, 7.0, 14.0, 9.0, 100.0]
    cols = "".join(
        f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>' for c, w in enumerate(widths, 1)
    )
    views = ""
    auto_filter = ""
    if rep.rows:
        views = (
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="3" topLeftCell="A4" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A4" '
            'sqref="A4"/></sheetView></sheetViews>'
        )
        auto_filter = f'<autoFilter ref="A{HEADER_ROW}:E{rep.last_row}"/>'
    cf = ""
    if rep.rows and dxf_ids:
        for priority, severity in enumerate((Severity.ERROR, Severity.WARNING, Severity.INFO), 1):
            cf += (
                f'<conditionalFormatting sqref="A4:E{rep.last_row}"><cfRule type="expression" '
                f'dxfId="{dxf_ids[severity]}" priority="{priority}"><formula>$A4="{severity}"'
                "</formula></cfRule></conditionalFormatting>"
            )
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{REL_BASE}">{sheet_pr or FIT_WIDTH}{views}'
        f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData>{auto_filter}{cf}{hyperlinks}"
        '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        "</worksheet>"
    )


# A sheet we add prints one page wide, as many pages long as the findings need.
FIT_WIDTH = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'


def sheet_pr(xml: str) -> str:
    m = re.search(r"<sheetPr\b[^>]*/>|<sheetPr\b[^>]*>.*?</sheetPr>", xml, re.S)
    return m.group(0) if m else ""


def empty_results_sheet(data: bytes) -> bytes:
    """The template's 校验结果 sheet as this writer makes it, so 校验 refills it and
    清除标记 restores it byte for byte."""
    pkg = Package.from_bytes(data)
    part = sheet_parts(pkg).get(RESULTS_SHEET)
    if part is not None:
        pkg.put(part, results_sheet_xml(None, sheet_pr(pkg.text(part))))
    return pkg.to_bytes()


def is_results_values(values: Sequence[Sequence[object]]) -> bool:
    """Whether a sheet's cells are our 校验结果: the title in A1, the headings in row 3."""
    rows = [list(r) for r in values]
    if len(rows) < HEADER_ROW or not rows[0] or rows[0][0] != RESULTS_SHEET:
        return False
    return [str(v) for v in rows[HEADER_ROW - 1][: len(HEADINGS)]] == list(HEADINGS)


def was_created(values: Sequence[Sequence[object]]) -> bool:
    """Whether 校验 added this 校验结果 sheet (its F1 says so)."""
    first = list(values[0]) if values else []
    return len(first) >= 5 and first[4] == CREATED_NOTE


def is_results_sheet(pkg: Package, part: str) -> bool:
    """Our 校验结果 sheet in a package, also after another program rewrote it."""
    return is_results_values(sheet_rows(pkg, part))
