"""What 校验 writes into an .xlsx/.xlsm package, each edit recorded for 清除标记.

Snippets are spliced into the few parts a mark needs, at elements found by namespace and
name (any prefix, attribute order or encoding a writer chose):

- A mark is a conditional format on the cell (a formula that is always true, our own
  fill): the user's fills, fonts and borders are never touched.
- A note is a legacy comment by the author ``jixiao 校验`` with its VML shape.
- The 校验结果 sheet is jixiao's own; it is added (or, in our template, refilled), with
  its cell styles appended to styles.xml.

Every splice and every part added is recorded (:meth:`Edits.record`) inside the 校验结果
sheet; jixiao.hosts.package_undo takes out exactly what the record names.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
from collections.abc import Callable, Sequence
from typing import Any

from jixiao.app.marks import MARKER, SheetMarks, plan
from jixiao.core.errors import InputError
from jixiao.core.findings import Finding, Severity
from jixiao.core.layout import RESULTS_SHEET, RESULTS_SHEET_FALLBACK, split_address
from jixiao.formats.package import (
    CT_COMMENTS,
    CT_SHEET,
    CT_VML,
    NS_MAIN,
    NS_PKG_REL,
    NS_TYPES,
    REL_BASE,
    REPAIR,
    Node,
    Package,
    ScanError,
    children,
    first_of,
    from_utf8,
    has_default,
    relationships,
    rels_name,
    scan,
    scan_sheet,
    sheet_parts,
    sheet_rows,
    to_utf8,
)
from jixiao.formats.sheet_xml import escape
from jixiao.formats.xml import parse, q
from jixiao.templates.results import (
    FILL,
    FONT,
    HEADER_FILL,
    Report,
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


RECORD = re.compile(rb"<!--jixiao-record:([A-Za-z0-9+/=]*)-->")


def mark_package(
    pkg: Package, findings: list[Finding], source: str, skipped: Sequence[tuple[str, str]] = ()
) -> None:
    """校验's marks, notes and 校验结果 sheet spliced into the package (marks of an earlier
    校验 already taken out), with the record of every edit."""
    ed = Edits(pkg)
    parts = sheet_parts(pkg)
    try:
        dxf_ids = _add_dxfs(ed)
        for sheet, marks in plan(findings).items():
            part = parts.get(sheet)
            if part is not None and part in pkg.data:
                _mark_sheet(ed, part, marks, dxf_ids)
        _write_results(ed, parts, report(findings, skipped=skipped), dxf_ids)
        ed.add_types()  # written with the record; here when there is none
    except ScanError:
        # Parts are well-formed (checked when the package was read): an encoding
        # expat cannot read is left. Said, rather than a copy written half-marked.
        raise InputError(
            f"工作簿内部的样式、工作簿结构或内容类型清单使用了 jixiao 无法编辑的字符编码，"
            f"无法写入校验标记：{REPAIR}",
            file=source,
        ) from None


# ---- the edits 校验 makes, recorded so that 清除标记 undoes exactly them ----------------


class Edits:
    """Snippets spliced into the package's parts, each recorded with its place counted
    from the end of the part (cached values written later change only the cells, which
    come before every mark), and the parts 校验 created, with their first bytes."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        # part -> [position, old bytes, new bytes, owner]: owner, a part 校验 created that
        # the snippet points at (kept when the user wrote into that part since).
        self.splices: dict[str, list[list[Any]]] = {}
        self.added: dict[str, str] = {}  # part -> sha256 of its bytes as created
        # Content-type entries for parts 校验 adds (snippet, owner), written together by
        # :meth:`add_types`: one scan of [Content_Types].xml rather than one per sheet.
        # Keyed by the entry (a part name in lower case, or ".vml"), so one is asked for once.
        self.types: dict[str, tuple[str, str | None]] = {}

    def work(self, part: str) -> tuple[bytes, str | None]:
        return to_utf8(self.pkg.data[part])

    def nodes(self, part: str, *, sheet: bool = False) -> list[Node]:
        """The part's elements with their offsets in :meth:`work`'s bytes (ValueError:
        not XML that expat reads, e.g. in a multi-byte legacy code page)."""
        work, codec = self.work(part)
        if codec is not None:
            return scan(work, utf8=True)
        return scan_sheet(work) if sheet else self.pkg.scanned(part)

    def splice(
        self, part: str, at: int, old_len: int, new: bytes, owner: str | None = None
    ) -> None:
        work, codec = self.work(part)
        old = work[at : at + old_len]
        delta = len(new) - old_len
        entries = self.splices.setdefault(part, [])
        for entry in entries:
            if entry[0] >= at + old_len:
                entry[0] += delta
        entries.append([at, old, new, owner])
        self.pkg.put(part, from_utf8(work[:at] + new + work[at + old_len :], codec))

    def add_part(self, part: str, data: bytes) -> None:
        self.pkg.put(part, data)
        self.added[part] = digest(data)

    def add_types(self) -> None:
        """The content-type entries :func:`_add_content_type` collected, each a splice of
        its own (an owner's goes when that part is removed), after the last child."""
        name, pending, self.types = "[Content_Types].xml", list(self.types.values()), {}
        if not pending:
            return
        nodes = self.nodes(name)
        root = nodes[0]
        if root.empty:  # <Types/>: opened by the first, the others after it
            snippet, owner = pending.pop(0)
            _append(self, name, nodes, root, snippet, 0, owner=owner)
            root = self.nodes(name)[0]
        at = root.close
        for snippet, owner in pending:
            data = snippet.encode("utf-8")
            self.splice(name, at, 0, data, owner)
            at += len(data)

    def record(self, replaced: dict[str, bytes]) -> str:
        """The record as an XML comment, for the 校验结果 sheet (the content types still
        to write go in first)."""
        self.add_types()
        splices = {}
        for part, entries in self.splices.items():
            size = len(self.work(part)[0])
            splices[part] = [
                [size - at, _b64(old), _b64(new), owner] for at, old, new, owner in entries
            ]
        record = {
            "v": 1,
            "splices": splices,
            "added": self.added,
            "replaced": {part: _b64(data) for part, data in replaced.items()},
        }
        text = base64.b64encode(json.dumps(record, ensure_ascii=True).encode("ascii"))
        return f"<!--jixiao-record:{text.decode('ascii')}-->"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _xmlns(parent: Node, ns: str) -> str:
    """The declaration a snippet's top element needs to be in ``ns`` under ``parent``:
    none where ``ns`` is already the default namespace there (Excel's own files)."""
    return "" if parent.default_ns == ns else f' xmlns="{ns}"'


def _qname(work: bytes, node: Node) -> bytes:
    m = re.match(rb"<([^\s/>]+)", work[node.start : node.open_end])
    assert m is not None
    return m.group(1)


_COUNT = re.compile(rb"""(\scount\s*=\s*)(["'])\d*\2""")


def _append(
    ed: Edits,
    part: str,
    nodes: list[Node],
    parent: Node,
    inner: str,
    added: int,
    *,
    owner: str | None = None,
) -> None:
    """``inner`` appended to ``parent``'s children, its count attribute (if any) set to
    the children it then has (``children`` more); an empty element ``<x/>`` is opened."""
    work, _ = ed.work(part)
    data = inner.encode("utf-8")
    start = work[parent.start : parent.open_end]
    counted = _COUNT.search(start) is not None
    total = _COUNT.sub(_counter(len(children(nodes, parent)) + added), start, count=1)
    if parent.empty:
        new = total[:-2].rstrip() + b">" + data + b"</" + _qname(work, parent) + b">"
        ed.splice(part, parent.start, parent.end - parent.start, new, owner)
        return
    ed.splice(part, parent.close, 0, data, owner)
    if counted and total != start:
        ed.splice(part, parent.start, len(start), total, owner)


def _counter(n: int) -> Callable[[re.Match[bytes]], bytes]:
    return lambda m: m.group(1) + m.group(2) + str(n).encode() + m.group(2)


def _children(nodes: list[Node], parent: Node, tag: str, ns: str = NS_MAIN) -> list[Node]:
    return [n for n in children(nodes, parent) if n.is_(tag, ns)]


def _add_dxfs(ed: Edits) -> dict[Severity, int] | None:
    """Our three mark styles appended to the workbook's dxfs; their ids (None: the
    package has no styles part to hold them, and cells get notes only)."""
    part = "xl/styles.xml"
    if part not in ed.pkg.data:
        return None
    nodes = ed.nodes(part)
    root = nodes[0]
    if not root.is_("styleSheet"):
        return None
    dxfs = first_of(nodes, root, ["dxfs"])
    if dxfs is None:
        follower = first_of(nodes, root, ["tableStyles", "colors", "extLst"])
        snippet = f'<dxfs{_xmlns(root, NS_MAIN)} count="3">{OUR_DXFS}</dxfs>'
        ed.splice(part, follower.start if follower else root.close, 0, snippet.encode("utf-8"))
        first = 0
    else:
        first = len(_children(nodes, dxfs, "dxf"))
        inner = (
            OUR_DXFS
            if dxfs.default_ns == NS_MAIN
            else OUR_DXFS.replace("<dxf>", f'<dxf xmlns="{NS_MAIN}">')
        )
        _append(ed, part, nodes, dxfs, inner, 3)
    return {Severity.ERROR: first, Severity.WARNING: first + 1, Severity.INFO: first + 2}


def _cf_block(cells: list[str], dxf: int, priority: int, xmlns: str) -> str:
    return (
        f'<conditionalFormatting{xmlns} sqref="{" ".join(cells)}"><cfRule type="expression" dxfId="{dxf}" '
        f'priority="{priority}"><formula>{escape(MARKER)}</formula></cfRule></conditionalFormatting>'
    )


def _sheet_nodes(ed: Edits, part: str) -> list[Node] | None:
    try:
        nodes = ed.nodes(part, sheet=True)
    except ValueError:
        return None
    return nodes if nodes and nodes[0].is_("worksheet") else None


def _mark_sheet(
    ed: Edits, part: str, marks: SheetMarks, dxf_ids: dict[Severity, int] | None
) -> None:
    nodes = _sheet_nodes(ed, part)
    if nodes is None:
        return  # not a worksheet jixiao can place marks in
    if dxf_ids is not None:
        root = nodes[0]
        priorities = [
            int(n.attrs["priority"])
            for n in nodes
            if n.tag == "cfRule" and n.attrs.get("priority", "").isdigit()
        ]
        priority = max(priorities, default=0) + 1
        blocks = ""
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
            cells = marks.cells.get(severity, [])
            if cells:
                blocks += _cf_block(cells, dxf_ids[severity], priority, _xmlns(root, NS_MAIN))
                priority += 1
        follower = first_of(nodes, root, AFTER_CF)
        ed.splice(part, follower.start if follower else root.close, 0, blocks.encode("utf-8"))
    _add_notes(ed, part, list(marks.notes.items()))


def _add_relationship(
    ed: Edits, part: str, rel_type: str, target_part: str, owner: str | None
) -> str:
    """A relationship from ``part`` with a fresh Id; its Id."""
    name = rels_name(part)
    if name not in ed.pkg.data:
        ed.add_part(
            name,
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + f'<Relationships xmlns="{NS_PKG_REL}"></Relationships>'.encode("ascii"),
        )
    nodes = ed.nodes(name)
    root = nodes[0]
    used = {n.attrs.get("Id") for n in nodes}
    k = 1
    while f"{REL_PREFIX}{k}" in used:
        k += 1
    rid = f"{REL_PREFIX}{k}"
    target = posixpath.relpath(target_part, posixpath.dirname(part))
    snippet = f'<Relationship{_xmlns(root, NS_PKG_REL)} Id="{rid}" Type="{REL_BASE}/{rel_type}" Target="{target}"/>'
    _append(ed, name, nodes, root, snippet, 0, owner=owner)
    return rid


def _add_content_type(
    ed: Edits, owner: str | None, *, part: str = "", content_type: str = "", vml: bool = False
) -> None:
    """An Override for ``part``, or the Default for .vml, unless the package has one;
    collected in ``ed.types`` (see :meth:`Edits.add_types`)."""
    nodes = ed.nodes("[Content_Types].xml")  # as read: the entries collected come after
    x = _xmlns(nodes[0], NS_TYPES)
    key = ".vml" if vml else f"/{part}".lower()
    if key in ed.types:
        return
    if vml:
        if has_default(ed.pkg, "vml"):
            return
        snippet = f'<Default{x} Extension="vml" ContentType="{CT_VML}"/>'
    else:
        if any(
            n.is_("Override", NS_TYPES) and n.attrs.get("PartName", "").lower() == key
            for n in nodes
        ):
            return
        snippet = f'<Override{x} PartName="/{part}" ContentType="{content_type}"/>'
    ed.types[key] = (snippet, owner)


_VML_O = "urn:schemas-microsoft-com:office:office"


def _add_notes(ed: Edits, part: str, notes: list[tuple[str, str]]) -> None:
    pkg = ed.pkg
    rels = relationships(pkg, part)
    comments_part = next((t for _, ty, t in rels if ty.endswith("/comments")), None)
    vml_part = next((t for _, ty, t in rels if ty.endswith("/vmlDrawing")), None)
    if any(p is not None and p not in pkg.data for p in (comments_part, vml_part)):
        return  # the package points at a part it lacks: colour marks only, no notes
    comment_nodes: list[Node] = []
    if comments_part is not None:
        try:
            comment_nodes = ed.nodes(comments_part)
        except ValueError:
            return
        if (
            not comment_nodes[0].is_("comments")
            or first_of(comment_nodes, comment_nodes[0], ["commentList"]) is None
        ):
            return
    if vml_part is None:
        nodes = _sheet_nodes(ed, part)
        if nodes is not None and first_of(nodes, nodes[0], ["legacyDrawing"]) is not None:
            return  # the sheet names a drawing its relationships lack: colour marks only
    vml_nodes: list[Node] = []
    if vml_part is not None:
        try:
            vml_nodes = ed.nodes(vml_part)
        except ValueError:
            return  # a drawing in an encoding jixiao cannot edit: colour marks only
    taken = {n.attrs.get("ref") for n in comment_nodes if n.is_("comment")}
    # the user's own notes stay
    notes = [n for n in notes if n[0] not in taken][:MAX_NOTES_PER_SHEET]
    if not notes:
        return
    # Comments part: the user's own, or ours.
    if comments_part is None:
        comments_part = _free_name(pkg, "xl/comments_jixiao{}.xml")
        ed.add_part(
            comments_part,
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + f'<comments xmlns="{NS_MAIN}"><authors></authors><commentList></commentList></comments>'.encode(
                "ascii"
            ),
        )
        _add_relationship(ed, part, "comments", comments_part, comments_part)
        _add_content_type(ed, comments_part, part=comments_part, content_type=CT_COMMENTS)
        comment_nodes = ed.nodes(comments_part)
    croot = comment_nodes[0]
    authors = first_of(comment_nodes, croot, ["authors"])
    names = []
    if authors is not None:
        tree = parse(pkg.data[comments_part])
        names = ["".join(a.itertext()) for a in tree.iter(q("author"))]
    if AUTHOR in names:
        author_id = names.index(AUTHOR)
    else:
        author_id = len(names)
        if authors is None:  # schema: authors comes first
            ed.splice(
                comments_part,
                croot.open_end,
                0,
                f"<authors{_xmlns(croot, NS_MAIN)}><author>{escape(AUTHOR)}</author></authors>".encode(),
            )
        else:
            _append(
                ed,
                comments_part,
                comment_nodes,
                authors,
                f"<author{_xmlns(authors, NS_MAIN)}>{escape(AUTHOR)}</author>",
                0,
            )
        comment_nodes = ed.nodes(comments_part)
    listing = first_of(comment_nodes, comment_nodes[0], ["commentList"])
    assert listing is not None
    x = _xmlns(listing, NS_MAIN)
    items = "".join(
        f'<comment{x} ref="{cell}" authorId="{author_id}"><text><r><rPr><sz val="9"/><rFont val="宋体"/></rPr>'
        f'<t xml:space="preserve">{escape(note)}</t></r></text></comment>'
        for cell, note in notes
    )
    _append(ed, comments_part, comment_nodes, listing, items, 0)
    # VML shapes that show the notes: in the sheet's drawing (buttons live there too) or ours.
    if vml_part is None:
        vml_part = _free_name(pkg, "xl/drawings/vmlDrawing_jixiao{}.vml")
        ed.add_part(
            vml_part,
            b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            b'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            b'<o:idmap v:ext="edit" data="60"/></o:shapelayout></xml>',
        )
        rid = _add_relationship(ed, part, "vmlDrawing", vml_part, vml_part)
        nodes = _sheet_nodes(ed, part)
        if nodes is not None:
            follower = first_of(nodes, nodes[0], AFTER_LEGACY)
            at = follower.start if follower else nodes[0].close
            ed.splice(
                part,
                at,
                0,
                legacy_drawing(rid, _xmlns(nodes[0], NS_MAIN)).encode("ascii"),
                vml_part,
            )
        _add_content_type(ed, vml_part, vml=True)
        vml_nodes = ed.nodes(vml_part)
    idmap = next((n for n in vml_nodes if n.tag == "idmap" and n.ns == _VML_O), None)
    data = (idmap.attrs.get("data", "") if idmap else "").split(",")[0].strip()
    block = int(data) if data.isdigit() else 60
    has_type = any(n.attrs.get("id") == "_x0000_t202" for n in vml_nodes)
    shapes = "" if has_type else NOTE_SHAPETYPE
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
    ed.splice(
        vml_part, vml_nodes[0].close, 0, f"<!--jixiao-->{shapes}<!--/jixiao-->".encode("ascii")
    )


def _free_name(pkg: Package, pattern: str) -> str:
    """The first of ``pattern`` numbered 1, 2, … that the package has no part of."""
    k = 1
    while pattern.format(k) in pkg.data:
        k += 1
    return pattern.format(k)


def legacy_drawing(rid: str, xmlns: str = "") -> str:
    # Declares its own prefix: sheets written by other tools may not declare r: at the root.
    return f'<legacyDrawing{xmlns} xmlns:r="{REL_BASE}" r:id="{rid}"/>'


# The 校验结果 sheet as it was before 校验, kept inside ours so 清除标记 can put it back.
ORIGINAL = re.compile(r"<!--jixiao-original:([A-Za-z0-9+/=]*)-->")


def _write_results(
    ed: Edits, parts: dict[str, str], rep: Report, dxf_ids: dict[Severity, int] | None
) -> None:
    """Our 校验结果 sheet, refilled or added; the record of every edit goes inside it."""
    pkg = ed.pkg
    styles = _add_styles(ed)
    part = parts.get(RESULTS_SHEET)
    if (
        part is not None
        and part != RESULTS_PART
        and part in pkg.data
        and is_results_values(sheet_rows(pkg, part))
    ):
        before = pkg.data[part]
        xml = results_sheet_xml(rep, sheet_pr(before.decode("utf-8", "replace")), styles, dxf_ids)
        xml = xml.replace("</worksheet>", ed.record({part: before}) + "</worksheet>")
        pkg.put(part, xml)
        return
    name = RESULTS_SHEET if part is None else RESULTS_SHEET_FALLBACK
    nodes = ed.nodes("xl/workbook.xml")
    sheets = first_of(nodes, nodes[0], ["sheets"])
    if sheets is None or sheets.empty:
        return  # no sheet list to add ours to (the reader found sheets: not seen in practice)
    rid = _add_relationship(ed, "xl/workbook.xml", "worksheet", RESULTS_PART, None)
    nodes = ed.nodes("xl/workbook.xml")
    sheets = first_of(nodes, nodes[0], ["sheets"])
    assert sheets is not None
    ids = [
        int(n.attrs["sheetId"])
        for n in _children(nodes, sheets, "sheet")
        if n.attrs.get("sheetId", "").isdigit()
    ]
    snippet = sheet_entry(name, max(ids, default=0) + 1, rid, _xmlns(sheets, NS_MAIN))
    _append(ed, "xl/workbook.xml", nodes, sheets, snippet, 0)
    _add_content_type(ed, None, part=RESULTS_PART, content_type=CT_SHEET)
    rep.created = True
    xml = results_sheet_xml(rep, "", styles, dxf_ids)
    pkg.put(RESULTS_PART, xml.replace("</worksheet>", ed.record({}) + "</worksheet>"))


def sheet_entry(
    name: str, sheet_id: object, rid: str, xmlns: str = "", *, pattern: bool = False
) -> str:
    """Our sheet's entry in workbook.xml; it declares its own r: prefix, since a workbook
    written by another program may bind relationships to another prefix or per element."""
    ns = re.escape(REL_BASE) if pattern else REL_BASE
    return f'<sheet{xmlns} xmlns:r="{ns}" name="{name}" sheetId="{sheet_id}" r:id="{rid}"/>'


# ---- the 校验结果 sheet's cell styles, appended to styles.xml and taken out again ---------

FONTS = (
    '<font><b/><sz val="14"/><name val="黑体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><u/><sz val="10"/><color rgb="FF0563C1"/><name val="宋体"/><family val="3"/>'
    '<charset val="134"/></font>'
)
FILLS = (
    f'<fill><patternFill patternType="solid"><fgColor rgb="FF{HEADER_FILL}"/><bgColor indexed="64"/>'
    "</patternFill></fill>"
)
_THIN = '<{0} style="thin"><color rgb="FFBFBFBF"/></{0}>'
BORDERS = (
    "<border>"
    + "".join(_THIN.format(s) for s in ("left", "right", "top", "bottom"))
    + "<diagonal/></border>"
)


def style_xfs(font: int, fill: int, border: int) -> str:
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


STYLE_LISTS = (
    ("fonts", FONTS, 4),
    ("fills", FILLS, 1),
    ("borders", BORDERS, 1),
    ("cellXfs", None, 6),
)


_ITEM = {"fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf"}


def _add_styles(ed: Edits) -> Styles | None:
    """Append the sheet's fonts, fill, border and six cell styles; None when styles.xml
    lacks one of the lists (the sheet is then written plain)."""
    part = "xl/styles.xml"
    if part not in ed.pkg.data:
        return None
    nodes = ed.nodes(part)
    lists = {tag: first_of(nodes, nodes[0], [tag]) for tag, _, _ in STYLE_LISTS}
    if any(n is None or n.empty for n in lists.values()):
        return None
    first = {tag: len(_children(nodes, n, _ITEM[tag])) for tag, n in lists.items() if n is not None}
    xfs = style_xfs(first["fonts"], first["fills"], first["borders"])
    # From the last list to the first: the places found above stay where they are.
    for tag, block, n in sorted(STYLE_LISTS, key=lambda t: -lists[t[0]].start):  # type: ignore[union-attr]
        node = lists[tag]
        assert node is not None
        inner = block or xfs
        if node.default_ns != NS_MAIN:
            item = _ITEM[tag]
            inner = re.sub(rf"<{item}([ >/])", rf'<{item} xmlns="{NS_MAIN}"\1', inner)
        _append(ed, part, nodes, node, inner, n)
    x = first["cellXfs"]
    return Styles(title=x, summary=x + 1, header=x + 2, body=x + 3, wrap=x + 4, link=x + 5)
