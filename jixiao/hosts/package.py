"""The headless host: 校验 marks written into an .xlsx/.xlsm package, and taken out again.

openpyxl rewrites every part it saves and drops what it does not know, so this host
edits the package directly: it inserts fixed, recognisable snippets into the few parts
a mark needs and copies every other part byte for byte.

- A mark is a conditional format on the cell (a formula that is always true, our own
  fill): the user's fills, fonts and borders are never touched.
- A note is a legacy comment by the author ``jixiao 校验`` with its VML shape.
- The 校验结果 sheet is jixiao's own; it is added (or, in our template, refilled).

``clear`` removes exactly these snippets, so validate → clear gives back the same parts.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

from jixiao.app.marks import MARKER, SheetMarks, note_is_ours, plan
from jixiao.core.findings import Finding, Severity
from jixiao.core.layout import RESULTS_SHEET, RESULTS_SHEET_FALLBACK, split_address
from jixiao.formats.package import (
    CT_COMMENTS,
    CT_SHEET,
    NS_MAIN,
    REL_BASE,
    VML_DEFAULT,
    Package,
    add_content_type,
    add_relationship,
    insert_before_first,
    override,
    relationships,
    remove_content_type,
    remove_relationships,
    sheet_parts,
    unescape,
)
from jixiao.templates.results import (
    NOT_YET,
    cell_text,
    is_results_sheet,
    results_sheet_xml,
    sheet_pr,
)

AUTHOR = "jixiao 校验"


NOTE_ALT = "jixiao"  # ASCII: VML parts are edited as bytes, whatever their encoding


RESULTS_PART = "xl/worksheets/jixiao_results.xml"


REL_PREFIX = "rIdJixiao"


# Fill and font of each severity: 错误 red, 警告 orange, 提示 blue.
DXF = {
    Severity.ERROR: '<dxf><font><color rgb="FF9C0006"/></font><fill><patternFill><bgColor rgb="FFFFC7CE"/></patternFill></fill></dxf>',
    Severity.WARNING: '<dxf><font><color rgb="FF833C0B"/></font><fill><patternFill><bgColor rgb="FFFFD966"/></patternFill></fill></dxf>',
    Severity.INFO: '<dxf><font><color rgb="FF1F4E79"/></font><fill><patternFill><bgColor rgb="FFBDD7EE"/></patternFill></fill></dxf>',
}


OUR_DXFS = "".join(DXF[s] for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))


# Elements that follow <conditionalFormatting> / <legacyDrawing> in a worksheet (schema order).
AFTER_CF = (
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
)  # fmt: skip


AFTER_LEGACY = (
    "legacyDrawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)


# Our VML elements declare their own prefixes: a drawing part rewritten by another tool
# (openpyxl writes ns0:, ns1: …) may not declare v:, o:, x: at its root.
VML_NS = (
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel"'
)


NOTE_SHAPETYPE = (
    f'<v:shapetype {VML_NS} id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


MAX_NOTES_PER_SHEET = 400


class PackageHost:
    """The headless host: marks written into the package in memory, saved by ``save``."""

    def __init__(self, src: Path) -> None:
        self.src = Path(src)
        self.source = str(src)
        self._pkg: Package | None = None

    @property
    def pkg(self) -> Package:
        # Read on first use: the reader's clearer messages about a damaged file come first.
        if self._pkg is None:
            self._pkg = Package.read(self.src)
        return self._pkg

    def save_copy(self, path: str) -> None:
        shutil.copyfile(self.src, path)

    def clear_marks(self) -> None:
        _clear(self.pkg)

    def write_marks(self, findings: list[Finding]) -> None:
        pkg = self.pkg
        _clear(pkg)
        parts = sheet_parts(pkg)
        dxf_ids = _add_dxfs(pkg)
        for sheet, marks in plan(findings).items():
            part = parts.get(sheet)
            if part is not None:
                _mark_sheet(pkg, part, marks, dxf_ids)
        _write_results(pkg, parts, findings, dxf_ids)

    def save(self, dst: Path) -> None:
        self.pkg.write(Path(dst))


def annotate(src: Path, dst: Path, findings: list[Finding]) -> None:
    """Write findings into a copy of the workbook (dst may equal src for --in-place)."""
    host = PackageHost(src)
    host.write_marks(findings)
    host.save(dst)


def clear(src: Path, dst: Path) -> None:
    host = PackageHost(src)
    host.clear_marks()
    host.save(dst)


def _add_dxfs(pkg: Package) -> dict[Severity, int]:
    styles = pkg.text("xl/styles.xml")
    m = re.search(r'<dxfs count="(\d+)"\s*/>|<dxfs count="(\d+)">(.*?)</dxfs>', styles, re.S)
    if m is None:
        at = (
            styles.index("<tableStyles")
            if "<tableStyles" in styles
            else styles.rindex("</styleSheet>")
        )
        styles = styles[:at] + f'<dxfs count="3">{OUR_DXFS}</dxfs>' + styles[at:]
        first = 0
    else:
        first = int(m.group(1) or m.group(2))
        inner = m.group(3) or ""
        styles = (
            styles[: m.start()]
            + f'<dxfs count="{first + 3}">{inner}{OUR_DXFS}</dxfs>'
            + styles[m.end() :]
        )
    pkg.put("xl/styles.xml", styles)
    return {Severity.ERROR: first, Severity.WARNING: first + 1, Severity.INFO: first + 2}


def _remove_dxfs(pkg: Package) -> None:
    styles = pkg.text("xl/styles.xml")
    if OUR_DXFS not in styles:
        return
    m = re.search(r'<dxfs count="(\d+)">(.*?)</dxfs>', styles, re.S)
    if m is None or not m.group(2).endswith(OUR_DXFS):
        return  # others were added after ours: leave the unused styles rather than renumber theirs
    inner = m.group(2)[: -len(OUR_DXFS)]
    count = int(m.group(1)) - 3
    new = f'<dxfs count="{count}">{inner}</dxfs>' if inner or count else '<dxfs count="0"/>'
    if not inner and count == 0 and f'<dxfs count="3">{OUR_DXFS}</dxfs>' in styles:
        new = ""  # we created the element
    pkg.put("xl/styles.xml", styles[: m.start()] + new + styles[m.end() :])


def _cf_block(cells: list[str], dxf: int, priority: int) -> str:
    return (
        f'<conditionalFormatting sqref="{" ".join(cells)}"><cfRule type="expression" dxfId="{dxf}" '
        f'priority="{priority}"><formula>{escape(MARKER)}</formula></cfRule></conditionalFormatting>'
    )


def _mark_sheet(pkg: Package, part: str, marks: SheetMarks, dxf_ids: dict[Severity, int]) -> None:
    xml = pkg.text(part)
    priorities = [int(p) for p in re.findall(r'<cfRule\b[^>]*priority="(\d+)"', xml)]
    priority = max(priorities, default=0) + 1
    blocks = ""
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        cells = marks.cells.get(severity, [])
        if cells:
            blocks += _cf_block(cells, dxf_ids[severity], priority)
            priority += 1
    xml = insert_before_first(xml, AFTER_CF, blocks, "</worksheet>")
    pkg.put(part, xml)
    _add_notes(pkg, part, list(marks.notes.items()))


def _add_notes(pkg: Package, part: str, notes: list[tuple[str, str]]) -> None:
    rels = relationships(pkg, part)
    comments_part = next((t for _, ty, t in rels if ty.endswith("/comments")), None)
    vml_part = next((t for _, ty, t in rels if ty.endswith("/vmlDrawing")), None)
    if any(p is not None and p not in pkg.data for p in (comments_part, vml_part)):
        return  # the package points at a part it lacks: colour marks only, no notes
    taken: set[str] = set()
    if comments_part is not None:
        taken = set(re.findall(r'<comment ref="([A-Z]+\d+)"', pkg.text(comments_part)))
    notes = [n for n in notes if n[0] not in taken][
        :MAX_NOTES_PER_SHEET
    ]  # the user's own notes stay
    if not notes:
        return
    # Comments part: the user's own, or ours.
    if comments_part is None:
        k = 1
        while f"xl/comments_jixiao{k}.xml" in pkg.data:
            k += 1
        comments_part = f"xl/comments_jixiao{k}.xml"
        pkg.put(
            comments_part,
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{NS_MAIN}"><authors></authors><commentList></commentList></comments>',
        )
        add_relationship(pkg, part, "comments", comments_part, REL_PREFIX)
        add_content_type(pkg, override(comments_part, CT_COMMENTS))
    text = pkg.text(comments_part)
    authors = re.findall(r"<author>(.*?)</author>", text)
    if escape(AUTHOR) in authors:
        author_id = authors.index(escape(AUTHOR))
    else:
        author_id = len(authors)
        text = re.sub(r"<authors\s*/>", "<authors></authors>", text)
        text = text.replace("</authors>", f"<author>{escape(AUTHOR)}</author></authors>", 1)
    items = "".join(
        f'<comment ref="{cell}" authorId="{author_id}"><text><r><rPr><sz val="9"/><rFont val="宋体"/></rPr>'
        f'<t xml:space="preserve">{escape(note)}</t></r></text></comment>'
        for cell, note in notes
    )
    text = re.sub(r"<commentList\s*/>", "<commentList></commentList>", text)
    pkg.put(comments_part, text.replace("</commentList>", items + "</commentList>"))
    # VML shapes that show the notes: in the sheet's drawing (buttons live there too) or ours.
    if vml_part is None:
        k = 1
        while f"xl/drawings/vmlDrawing_jixiao{k}.vml" in pkg.data:
            k += 1
        vml_part = f"xl/drawings/vmlDrawing_jixiao{k}.vml"
        pkg.put(
            vml_part,
            '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            '<o:idmap v:ext="edit" data="60"/></o:shapelayout></xml>',
        )
        rid = add_relationship(pkg, part, "vmlDrawing", vml_part, REL_PREFIX)
        xml = pkg.text(part)
        pkg.put(
            part,
            insert_before_first(xml, AFTER_LEGACY, _legacy_drawing(rid), "</worksheet>"),
        )
        add_content_type(pkg, VML_DEFAULT)
    # VML may be in a legacy code page: edit it as bytes, inserting ASCII only.
    vml = pkg.data[vml_part]
    idmap = re.search(rb'<o:idmap v:ext="edit" data="(\d+)', vml)
    block = int(idmap.group(1)) if idmap else 60
    shapes = "" if b"_x0000_t202" in vml else NOTE_SHAPETYPE
    for k, (cell, _text) in enumerate(notes):
        row, col = split_address(cell)
        shapes += (
            f'<v:shape {VML_NS} id="_x0000_s{block * 1024 + 600 + k}" type="#_x0000_t202" alt="{NOTE_ALT}" '
            'style="position:absolute;margin-left:60pt;margin-top:2pt;width:260pt;height:110pt;'
            'z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            '<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note">'
            f"<x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{col}, 15, {row - 1}, 2, {col + 4}, 15, {row + 6}, 4</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column></x:ClientData></v:shape>"
        )
    at = vml.rindex(b"</xml>")
    pkg.put(vml_part, vml[:at] + f"<!--jixiao-->{shapes}<!--/jixiao-->".encode("ascii") + vml[at:])


def _legacy_drawing(rid: str) -> str:
    # Declares its own prefix: sheets written by other tools may not declare r: at the root.
    return f'<legacyDrawing xmlns:r="{REL_BASE}" r:id="{rid}"/>'


def _clear(pkg: Package) -> None:
    parts = sheet_parts(pkg)
    for part in parts.values():
        if part == RESULTS_PART:
            continue
        xml = pkg.text(part)
        cleaned = re.sub(
            r"<conditionalFormatting [^>]*>(?:(?!</conditionalFormatting>).)*?"
            + re.escape(escape(MARKER))
            + r".*?</conditionalFormatting>",
            "",
            xml,
            flags=re.S,
        )
        for _, rel_type, target in relationships(pkg, part):
            if rel_type.endswith("/comments"):
                _clear_comments(pkg, target)
            elif rel_type.endswith("/vmlDrawing") and target in pkg.data:
                vml = pkg.data[target]
                cleaned_vml = re.sub(rb"<!--jixiao-->.*?<!--/jixiao-->", b"", vml, flags=re.S)
                if cleaned_vml != vml:
                    pkg.put(target, cleaned_vml)
        for rid, _, target in relationships(pkg, part):
            if rid.startswith(REL_PREFIX):
                pkg.remove(target)
                cleaned = cleaned.replace(_legacy_drawing(rid), "")
                remove_content_type(pkg, override(target, CT_COMMENTS))
        if cleaned != xml:
            pkg.put(part, cleaned)
        remove_relationships(pkg, part, REL_PREFIX)
    _clear_results(pkg, parts)
    _remove_dxfs(pkg)
    if not any(n.endswith(".vml") for n in pkg.names):
        remove_content_type(pkg, VML_DEFAULT)


def _clear_comments(pkg: Package, part: str) -> None:
    """Our notes: by our author, or — written by the Excel host under the user's name —
    by their "【级别 代码】" opening (marks.note_is_ours)."""
    if part not in pkg.data:
        return
    text = pkg.text(part)
    authors = re.findall(r"<author>(.*?)</author>", text)
    ours = authors.index(escape(AUTHOR)) if escape(AUTHOR) in authors else None

    def drop(m: re.Match[str]) -> str:
        shown = "".join(re.findall(r"<t(?:\s[^>]*)?>(.*?)</t>", m.group(0), re.S))
        mine = m.group(1) == str(ours) or note_is_ours(unescape(shown))
        return "" if mine else m.group(0)

    cleaned = re.sub(
        r'<comment ref="[A-Z]+\d+" authorId="(\d+)"[^>]*>.*?</comment>', drop, text, flags=re.S
    )
    if ours is not None and ours == len(authors) - 1:
        cleaned = cleaned.replace(f"<author>{escape(AUTHOR)}</author></authors>", "</authors>")
    if cleaned != text:
        pkg.put(part, cleaned)


# The 校验结果 sheet as it was before 校验, kept inside ours so 清除标记 can put it back.
ORIGINAL = re.compile(r"<!--jixiao-original:([A-Za-z0-9+/=]*)-->")


def _write_results(
    pkg: Package, parts: dict[str, str], findings: list[Finding], dxf_ids: dict[Severity, int]
) -> None:
    part = parts.get(RESULTS_SHEET)
    if part is not None and part != RESULTS_PART and is_results_sheet(pkg, pkg.text(part)):
        before = pkg.text(part)
        xml = results_sheet_xml(findings, sheet_pr(before), dxf_ids)
        if before != results_sheet_xml(None, sheet_pr(before)):
            keep = base64.b64encode(before.encode("utf-8")).decode("ascii")
            xml = xml.replace("</worksheet>", f"<!--jixiao-original:{keep}--></worksheet>")
        pkg.put(part, xml)
        return
    name = RESULTS_SHEET if part is None else RESULTS_SHEET_FALLBACK
    pkg.put(RESULTS_PART, results_sheet_xml(findings, "", dxf_ids))
    rid = add_relationship(pkg, "xl/workbook.xml", "worksheet", RESULTS_PART, REL_PREFIX)
    wb = pkg.text("xl/workbook.xml")
    ids = [int(i) for i in re.findall(r'<sheet\b[^>]*sheetId="(\d+)"', wb)]
    snippet = f'<sheet name="{name}" sheetId="{max(ids, default=0) + 1}" r:id="{rid}"/>'
    pkg.put("xl/workbook.xml", wb.replace("</sheets>", snippet + "</sheets>", 1))
    add_content_type(pkg, override(RESULTS_PART, CT_SHEET))


def _clear_results(pkg: Package, parts: dict[str, str]) -> None:
    for name, part in parts.items():
        if part == RESULTS_PART:
            wb = pkg.text("xl/workbook.xml")
            wb = re.sub(rf'<sheet name="[^"]*" sheetId="\d+" r:id="{REL_PREFIX}\d+"/>', "", wb)
            pkg.put("xl/workbook.xml", wb)
            pkg.remove(RESULTS_PART)
            remove_relationships(pkg, "xl/workbook.xml", REL_PREFIX)
            remove_content_type(pkg, override(RESULTS_PART, CT_SHEET))
        elif name == RESULTS_SHEET and is_results_sheet(pkg, pkg.text(part)):
            xml = pkg.text(part)
            kept = ORIGINAL.search(xml)
            if kept:
                pkg.put(part, base64.b64decode(kept.group(1)))
            elif cell_text(pkg, xml, "A2") != NOT_YET or re.search(
                r'<row r="(?:[4-9]|\d{2,})"', xml
            ):
                pkg.put(part, results_sheet_xml(None, sheet_pr(xml)))  # results from another run
