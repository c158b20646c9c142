"""The 校验结果 sheet: jixiao's own sheet that lists the findings of 校验.

The template ships it empty (``NOT_YET``); 校验 refills it and 清除标记 restores it.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from jixiao.core.findings import Finding, Severity, summary_line
from jixiao.core.layout import RESULTS_SHEET
from jixiao.formats.package import NS_MAIN, REL_BASE, Package, sheet_parts

NOT_YET = "尚未校验：填好各表后点击「校验」。"
HEADINGS = ("级别", "代码", "工作表", "单元格", "说明")

COLUMNS = ((1, 8), (2, 7), (3, 14), (4, 9), (5, 100))


def results_sheet_xml(
    findings: list[Finding] | None, sheet_pr: str = "", dxf_ids: dict[Severity, int] | None = None
) -> str:
    """Our 校验结果 sheet; ``None`` gives the empty one the template ships."""

    def cell(ref: str, text: object) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(text))}</t></is></c>'

    rows = [f'<row r="1">{cell("A1", RESULTS_SHEET)}</row>']
    line = NOT_YET if findings is None else summary_line(findings)
    rows.append(f'<row r="2">{cell("A2", line)}</row>')
    rows.append(
        '<row r="3">'
        + "".join(cell(f"{'ABCDE'[i]}3", h) for i, h in enumerate(HEADINGS))
        + "</row>"
    )
    links = []
    for k, f in enumerate(findings or [], 4):
        values = (str(f.severity), f.code, f.sheet, f.cell, f.message)
        rows.append(
            f'<row r="{k}">'
            + "".join(cell(f"{'ABCDE'[i]}{k}", v) for i, v in enumerate(values))
            + "</row>"
        )
        if f.cell:
            location = "'" + f.sheet.replace("'", "''") + "'!" + f.cell
            links.append(
                f'<hyperlink ref="D{k}" location="{escape(location, {chr(34): "&quot;"})}" display="{f.cell}"/>'
            )
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in COLUMNS)
    cf = ""
    if findings and dxf_ids:
        last = 3 + len(findings)
        for priority, severity in enumerate((Severity.ERROR, Severity.WARNING, Severity.INFO), 1):
            cf += (
                f'<conditionalFormatting sqref="A4:E{last}"><cfRule type="expression" dxfId="{dxf_ids[severity]}" '
                f'priority="{priority}"><formula>$A4="{severity}"</formula></cfRule></conditionalFormatting>'
            )
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{REL_BASE}">{sheet_pr or FIT_WIDTH}'
        f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData>{cf}{hyperlinks}"
        '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToHeight="0"/></worksheet>'
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


def is_results_sheet(pkg: Package, xml: str) -> bool:
    """Our 校验结果 sheet, also after another tool rewrote it (shared strings)."""
    return cell_text(pkg, xml, "A1") == RESULTS_SHEET and cell_text(pkg, xml, "A3") == HEADINGS[0]


def cell_text(pkg: Package, xml: str, ref: str) -> str | None:
    m = re.search(rf'<c r="{ref}"([^>]*)>(.*?)</c>', xml, re.S)
    if m is None:
        return None
    if 't="s"' in m.group(1):
        index = re.search(r"<v>(\d+)</v>", m.group(2))
        if index is None or "xl/sharedStrings.xml" not in pkg.data:
            return None
        items = re.findall(r"<si>(.*?)</si>", pkg.text("xl/sharedStrings.xml"), re.S)
        k = int(index.group(1))
        return (
            "".join(re.findall(r"<t(?:\s[^>]*)?>(.*?)</t>", items[k], re.S))
            if k < len(items)
            else None
        )
    return "".join(re.findall(r"<t(?:\s[^>]*)?>(.*?)</t>", m.group(2), re.S)) or None
