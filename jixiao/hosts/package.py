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
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from jixiao.app.marks import MARKER, SheetMarks, plan, rows_of, run_now
from jixiao.core.errors import InputError
from jixiao.core.findings import Finding, Severity
from jixiao.core.layout import RESULTS_SHEET, RESULTS_SHEET_FALLBACK, split_address
from jixiao.formats.files import FileKind, file_kind
from jixiao.formats.grid import ROWS_SETTING
from jixiao.formats.package import (
    CT_COMMENTS,
    CT_SHEET,
    NS_MAIN,
    REL_BASE,
    VML_DEFAULT,
    Package,
    add_content_type,
    add_relationship,
    asks_recalculation,
    insert_before_first,
    override,
    relationships,
    remove_content_type,
    remove_relationships,
    sheet_parts,
    sheet_rows,
)
from jixiao.formats.sheet_xml import escape, unescape
from jixiao.formats.xlsx_file import open_package_data
from jixiao.formats.xlsx_grid import read_zip_grid
from jixiao.readers.workbook import BookContents, read_forms, read_workbook_file
from jixiao.templates.results import (
    FILL,
    FONT,
    HEADER_FILL,
    NOT_YET,
    Styles,
    is_results_values,
    report,
    results_sheet_xml,
    sheet_pr,
)

AUTHOR = "jixiao 校验"


NOTE_ALT = "jixiao"  # ASCII: VML parts are edited as bytes, whatever their encoding


RESULTS_PART = "xl/worksheets/jixiao_results.xml"


REL_PREFIX = "rIdJixiao"


# Fill and font of each severity (templates.results): 错误 red, 警告 orange, 提示 blue.
DXF = {
    s: f'<dxf><font><color rgb="FF{FONT[s]}"/></font><fill><patternFill><bgColor rgb="FF{FILL[s]}"/>'
    "</patternFill></fill></dxf>"
    for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
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

    def __init__(
        self, src: Path, functions: ModuleType | Callable[[], ModuleType] | None = None
    ) -> None:
        self.src = Path(src)
        self.source = str(src)
        # jixiao.udfs, or what loads it: stale cached values are computed on save. The
        # command line gives the loader, since the module loads xlwings (and pandas).
        self.functions = functions
        self._pkg: Package | None = None
        # What ``read`` left for the package: the file's bytes, its zip, the parts unpacked
        # and the sheets' text as decoded.
        self._read: tuple[bytes, zipfile.ZipFile, dict[str, bytes], dict[str, str]] | None = None
        # Whether a formula cell read may lack its cached value (None: not read here).
        self._uncached: bool | None = None
        # A sheet read only in part (sheet, rows, rows read): no cached values are computed.
        self._too_long: tuple[str, int, int] | None = None
        # What the user should know about the copy ``save`` wrote.
        self.notes: list[str] = []

    @property
    def pkg(self) -> Package:
        # Made on first use, of the bytes ``read`` read and the parts it unpacked: the
        # reader's clearer messages about a damaged file come first.
        if self._pkg is None:
            if self._read is None:
                self._pkg = Package.read(self.src)
            else:
                data, zf, unpacked, texts = self._read
                self._read = None
                try:
                    self._pkg = Package.from_zip(data, zf, unpacked, texts)
                except (zipfile.BadZipFile, OSError, EOFError) as e:
                    raise InputError(f"无法读取工作簿（{e}）", file=self.source) from None
        return self._pkg

    def read(self) -> BookContents:
        """Every form of the workbook. The file is read once: the package that takes the
        marks is made of the same bytes (and the parts the grid reader unpacked)."""
        if self._pkg is not None or file_kind(self.src) is not FileKind.XLSX:
            return read_workbook_file(self.src, self.source)
        data, zf = open_package_data(self.src, self.source)
        unpacked: dict[str, bytes] = {}
        texts: dict[str, str] = {}
        grid = read_zip_grid(zf, self.source, unpacked, texts)
        self._read = (data, zf, unpacked, texts)
        self._uncached = grid.uncached
        self._too_long = grid.cut[0] if grid.cut else None
        return read_forms(grid)

    async def clear_marks(self) -> None:
        _clear(self.pkg)

    async def write_marks(self, findings: list[Finding]) -> None:
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
        # Cached values a program saved are its own results and stay; a file that asks to
        # be recalculated, or lacks them, gets ours so that viewers show the numbers.
        self.notes = []
        if self.functions is not None and self._stale():
            too_long = self._too_long
            if too_long is None:  # bounded as reading is: a long sheet is not computed
                functions = self.functions
                if not isinstance(functions, ModuleType):
                    functions = functions()
                # Loaded here: a file with its cached values (what Excel saves) needs
                # neither this module nor the cell reader it brings (jixiao.formats.cells).
                from jixiao.formats.cached import write_cached_values  # noqa: PLC0415

                too_long = write_cached_values(self.pkg, functions).too_long
            if too_long is not None:
                self.notes.append(uncomputed_note(*too_long))
        self.pkg.write(Path(dst), copy=True)

    def _stale(self) -> bool:
        """jixiao.formats.cached.stale; the sheets are not searched again when reading
        them found a cached value in every formula cell."""
        pkg = self.pkg
        if asks_recalculation(pkg):
            return True
        if self._uncached is False:
            return False
        from jixiao.formats.cached import lacks_values  # noqa: PLC0415  (as in save)

        return lacks_values(pkg)


def uncomputed_note(sheet: str, rows: int, limit: int) -> str:
    """Why a copy of a file without cached values got none of jixiao's either."""
    return (
        f"工作表“{sheet}”有 {rows} 行，超过每张表最多读取的 {limit} 行，所以没有为副本计算公式的结果"
        f"（缓存值）：副本中公式的结果与原文件相同，在 Excel 或 WPS 中打开时会重新计算；"
        f"需要时可用环境变量 {ROWS_SETTING} 调高行数上限"
    )


def annotate(src: Path, dst: Path, findings: list[Finding]) -> None:
    """Write findings into a copy of the workbook (dst may equal src for --in-place)."""
    host = PackageHost(src)
    run_now(host.write_marks(findings))
    host.save(dst)


def clear(src: Path, dst: Path) -> None:
    host = PackageHost(src)
    run_now(host.clear_marks())
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
    # The record of what 校验 added: the rows of our 校验结果 sheet, as notes by sheet and cell.
    notes = {sheet: marks.notes for sheet, marks in plan(_recorded_rows(pkg, parts)).items()}
    for name, part in parts.items():
        if part == RESULTS_PART or part not in pkg.data:
            continue
        xml = pkg.text(part)
        cleaned = _clear_rules(xml)
        removed: set[str] = set()
        for _, rel_type, target in relationships(pkg, part):
            if rel_type.endswith("/comments"):
                removed = _clear_comments(pkg, target, notes.get(name, {}))
        for _, rel_type, target in relationships(pkg, part):
            if rel_type.endswith("/vmlDrawing") and target in pkg.data:
                _clear_shapes(pkg, target, removed)
        for rid, _, target in relationships(pkg, part):
            if rid.startswith(REL_PREFIX):
                if target.endswith(".xml") and target in pkg.data and _comment_count(pkg, target):
                    continue  # our comments part now holds a note someone else wrote: keep it
                pkg.remove(target)
                cleaned = cleaned.replace(_legacy_drawing(rid), "")
                remove_content_type(pkg, override(target, CT_COMMENTS))
        if cleaned != xml:
            pkg.put(part, cleaned)
        remove_relationships(pkg, part, REL_PREFIX)
    _clear_results(pkg, parts)
    _remove_dxfs(pkg)
    _remove_styles(pkg)
    if not any(n.endswith(".vml") for n in pkg.names):
        remove_content_type(pkg, VML_DEFAULT)


def _recorded_rows(pkg: Package, parts: dict[str, str]) -> list[tuple[str, str, str, str, str]]:
    """The finding rows of every 校验结果 sheet of ours in the package."""
    rows = []
    for name, part in parts.items():
        if name in (RESULTS_SHEET, RESULTS_SHEET_FALLBACK) and part in pkg.data:
            values = sheet_rows(pkg, part)
            if is_results_values(values):
                rows += rows_of(values)
    return rows


# Elements found as text with any namespace prefix; their text compared after XML unescaping
# (other writers spell 校验 as &#26657;&#39564;), so untouched bytes stay as they were.
_CF_BLOCK = re.compile(
    r"<(\w+:)?conditionalFormatting\b[^>]*>.*?</(?:\w+:)?conditionalFormatting>", re.S
)
_FORMULA = re.compile(r"<(?:\w+:)?formula>(.*?)</(?:\w+:)?formula>", re.S)
_COMMENT = re.compile(r"<(?:\w+:)?comment\b([^>]*)>(.*?)</(?:\w+:)?comment>", re.S)
_TEXT = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)


def _clear_rules(xml: str) -> str:
    """The sheet without our conditional formats. They follow the cells (schema order),
    so only the text after ``sheetData`` is searched: the cells are most of a sheet."""
    at = max(xml.rfind("sheetData"), 0)
    if xml.find("conditionalFormatting", at) < 0:
        return xml
    ours = [m.span() for m in _CF_BLOCK.finditer(xml, at) if _is_our_rule(m.group(0))]
    if not ours:
        return xml  # the same text, not a copy: nothing to put back
    kept, pos = [], 0
    for start, end in ours:
        kept.append(xml[pos:start])
        pos = end
    kept.append(xml[pos:])
    return "".join(kept)


def _attr(attrs: str, name: str) -> str | None:
    m = re.search(rf'\b{name}="([^"]*)"', attrs)
    return m.group(1) if m else None


def _is_our_rule(block: str) -> bool:
    """A conditionalFormatting block whose every rule is our mark (MARKER)."""
    formulas = [unescape(f).strip() for f in _FORMULA.findall(block)]
    return bool(formulas) and all(f == MARKER for f in formulas)


def _comment_count(pkg: Package, part: str) -> int:
    return len(_COMMENT.findall(pkg.text(part)))


def _clear_comments(pkg: Package, part: str, ours: dict[str, str]) -> set[str]:
    """Remove the notes 校验 wrote: at a cell of the record, still reading exactly as
    written. A note a user wrote there, or ours after a user changed it, stays.
    Returns the cells whose note went."""
    if part not in pkg.data:
        return set()
    text = pkg.text(part)
    removed: set[str] = set()

    def drop(m: re.Match[str]) -> str:
        cell, body = _attr(m.group(1), "ref"), m.group(2)
        shown = unescape("".join(_TEXT.findall(body)))
        if cell in ours and shown.replace("\r\n", "\n") == ours[cell]:
            removed.add(cell)
            return ""
        return m.group(0)

    cleaned = _COMMENT.sub(drop, text)
    authors = re.findall(r"<author>(.*?)</author>", cleaned)
    used = {_attr(a, "authorId") for a, _ in _COMMENT.findall(cleaned)}
    used = {int(a) for a in used if a and a.isdigit()}
    last = len(authors) - 1
    if authors and authors[last] == escape(AUTHOR) and last not in used:
        cleaned = cleaned.replace(f"<author>{escape(AUTHOR)}</author></authors>", "</authors>")
    if cleaned != text:
        pkg.put(part, cleaned)
    return removed


def _clear_shapes(pkg: Package, part: str, cells: set[str]) -> None:
    """Remove the VML shapes of removed notes: our own block, and the shapes Excel wrote for
    notes 校验 added in Excel (found by their row and column). VML is edited as bytes."""
    vml = pkg.data[part]
    cleaned = re.sub(rb"<!--jixiao-->.*?<!--/jixiao-->", b"", vml, flags=re.S)
    for cell in cells:
        row, col = split_address(cell)
        shape = (
            rb"<v:shape\b(?:(?!</v:shape>).)*?<x:ClientData ObjectType=\"Note\">(?:(?!</v:shape>).)*?"
            + f"<x:Row>{row - 1}</x:Row>\\s*<x:Column>{col - 1}</x:Column>".encode()
            + rb".*?</v:shape>"
        )
        cleaned = re.sub(shape, b"", cleaned, flags=re.S)
    if cleaned != vml:
        pkg.put(part, cleaned)


# The 校验结果 sheet as it was before 校验, kept inside ours so 清除标记 can put it back.
ORIGINAL = re.compile(r"<!--jixiao-original:([A-Za-z0-9+/=]*)-->")


def _write_results(
    pkg: Package, parts: dict[str, str], findings: list[Finding], dxf_ids: dict[Severity, int]
) -> None:
    styles = _add_styles(pkg)
    part = parts.get(RESULTS_SHEET)
    if part is not None and part != RESULTS_PART and is_results_values(sheet_rows(pkg, part)):
        before = pkg.text(part)
        xml = results_sheet_xml(report(findings), sheet_pr(before), styles, dxf_ids)
        if before != results_sheet_xml(None, sheet_pr(before)):
            keep = base64.b64encode(before.encode("utf-8")).decode("ascii")
            xml = xml.replace("</worksheet>", f"<!--jixiao-original:{keep}--></worksheet>")
        pkg.put(part, xml)
        return
    name = RESULTS_SHEET if part is None else RESULTS_SHEET_FALLBACK
    pkg.put(RESULTS_PART, results_sheet_xml(report(findings, created=True), "", styles, dxf_ids))
    rid = add_relationship(pkg, "xl/workbook.xml", "worksheet", RESULTS_PART, REL_PREFIX)
    wb = pkg.text("xl/workbook.xml")
    ids = [int(i) for i in re.findall(r'<sheet\b[^>]*sheetId="(\d+)"', wb)]
    snippet = _sheet_entry(name, max(ids, default=0) + 1, rid)
    pkg.put("xl/workbook.xml", wb.replace("</sheets>", snippet + "</sheets>", 1))
    add_content_type(pkg, override(RESULTS_PART, CT_SHEET))


def _sheet_entry(name: str, sheet_id: object, rid: str, *, pattern: bool = False) -> str:
    """Our sheet's entry in workbook.xml; it declares its own r: prefix, since a workbook
    written by another program may bind relationships to another prefix or per element."""
    ns = re.escape(REL_BASE) if pattern else REL_BASE
    return f'<sheet xmlns:r="{ns}" name="{name}" sheetId="{sheet_id}" r:id="{rid}"/>'


def _clear_results(pkg: Package, parts: dict[str, str]) -> None:
    for name, part in parts.items():
        if part == RESULTS_PART:
            wb = pkg.text("xl/workbook.xml")
            wb = re.sub(_sheet_entry(r'[^"]*', r"\d+", rf"{REL_PREFIX}\d+", pattern=True), "", wb)
            pkg.put("xl/workbook.xml", wb)
            pkg.remove(RESULTS_PART)
            remove_relationships(pkg, "xl/workbook.xml", REL_PREFIX)
            remove_content_type(pkg, override(RESULTS_PART, CT_SHEET))
        elif name == RESULTS_SHEET and part in pkg.data:
            values = sheet_rows(pkg, part)
            if not is_results_values(values):
                continue
            xml = pkg.text(part)
            kept = ORIGINAL.search(xml)
            if kept:
                pkg.put(part, base64.b64decode(kept.group(1)))
            elif len(values) > 3 or (values[1][:1] != [NOT_YET] if len(values) > 1 else True):
                pkg.put(part, results_sheet_xml(None, sheet_pr(xml)))  # results from another run
            # else: still the empty sheet, as the template or another tool wrote it


# ---- the 校验结果 sheet's cell styles, appended to styles.xml and taken out again ---------

_FONTS = (
    '<font><b/><sz val="14"/><name val="黑体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><u/><sz val="10"/><color rgb="FF0563C1"/><name val="宋体"/><family val="3"/>'
    '<charset val="134"/></font>'
)
_FILLS = (
    f'<fill><patternFill patternType="solid"><fgColor rgb="FF{HEADER_FILL}"/><bgColor indexed="64"/>'
    "</patternFill></fill>"
)
_THIN = '<{0} style="thin"><color rgb="FFBFBFBF"/></{0}>'
_BORDERS = (
    "<border>"
    + "".join(_THIN.format(s) for s in ("left", "right", "top", "bottom"))
    + "<diagonal/></border>"
)


def _xfs(font: int, fill: int, border: int) -> str:
    """title, summary, header, body, wrap, link — in the order of templates.results.Styles."""
    top = '<alignment vertical="top"/>'
    return (
        f'<xf numFmtId="0" fontId="{font}" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        f'<xf numFmtId="0" fontId="{font + 1}" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        f'<xf numFmtId="0" fontId="{font + 1}" fillId="{fill}" borderId="{border}" xfId="0" '
        'applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">'
        '<alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
        f'<xf numFmtId="0" fontId="{font + 2}" fillId="0" borderId="{border}" xfId="0" applyFont="1" '
        f'applyBorder="1" applyAlignment="1">{top}</xf>'
        f'<xf numFmtId="0" fontId="{font + 2}" fillId="0" borderId="{border}" xfId="0" applyFont="1" '
        'applyBorder="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
        f'<xf numFmtId="0" fontId="{font + 3}" fillId="0" borderId="{border}" xfId="0" applyFont="1" '
        f'applyBorder="1" applyAlignment="1">{top}</xf>'
    )


_LISTS = (
    ("fonts", _FONTS, 4),
    ("fills", _FILLS, 1),
    ("borders", _BORDERS, 1),
    ("cellXfs", None, 6),
)


def _list(styles: str, tag: str) -> re.Match[str] | None:
    return re.search(rf'<{tag}\b([^>]*?)count="(\d+)"([^>]*)>(.*?)</{tag}>', styles, re.S)


def _add_styles(pkg: Package) -> Styles | None:
    """Append the sheet's fonts, fill, border and six cell styles; None when styles.xml
    lacks one of the lists (the sheet is then written plain)."""
    if "xl/styles.xml" not in pkg.data:
        return None
    styles = pkg.text("xl/styles.xml")
    found = {tag: _list(styles, tag) for tag, _, _ in _LISTS}
    if any(m is None for m in found.values()):
        return None
    first = {tag: int(m.group(2)) for tag, m in found.items() if m is not None}
    xfs = _xfs(first["fonts"], first["fills"], first["borders"])
    for tag, block, n in _LISTS:
        m = _list(styles, tag)
        assert m is not None
        inner = m.group(4) + (block or xfs)
        new = f'<{tag}{m.group(1)}count="{int(m.group(2)) + n}"{m.group(3)}>{inner}</{tag}>'
        styles = styles[: m.start()] + new + styles[m.end() :]
    pkg.put("xl/styles.xml", styles)
    x = first["cellXfs"]
    return Styles(title=x, summary=x + 1, header=x + 2, body=x + 3, wrap=x + 4, link=x + 5)


def _remove_styles(pkg: Package) -> None:
    """Take our styles out again where they are still the last of each list."""
    if "xl/styles.xml" not in pkg.data:
        return
    styles = pkg.text("xl/styles.xml")
    found = {tag: _list(styles, tag) for tag, _, _ in _LISTS}
    if any(m is None for m in found.values()):
        return
    fonts, fills, borders = (int(found[t].group(2)) for t in ("fonts", "fills", "borders"))  # type: ignore[union-attr]
    ours = {
        "fonts": _FONTS,
        "fills": _FILLS,
        "borders": _BORDERS,
        "cellXfs": _xfs(fonts - 4, fills - 1, borders - 1),
    }
    if not all(found[t].group(4).endswith(ours[t]) for t in ours):  # type: ignore[union-attr]
        return  # something was added after ours: leave the unused styles rather than renumber
    for tag, _block, n in _LISTS:
        m = _list(styles, tag)
        assert m is not None
        inner = m.group(4)[: -len(ours[tag])]
        new = f'<{tag}{m.group(1)}count="{int(m.group(2)) - n}"{m.group(3)}>{inner}</{tag}>'
        styles = styles[: m.start()] + new + styles[m.end() :]
    pkg.put("xl/styles.xml", styles)
