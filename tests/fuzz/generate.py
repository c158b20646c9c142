"""Seeded mutation generator: the cases the fuzz runner feeds to ``jixiao``.

A case is fully determined by (seed, index): ``make_case(sources, seed, index)`` draws from
``random.Random(f"{seed}:{index}")`` only, so one failing case is rebuilt alone, without
generating the cases before it. The bases it mutates are built once per run (``Sources``)
in a temporary folder, never in the repository: the templates, the examples imported into
workbooks (.xlsm and an .xlsx made from them), the same re-saved by openpyxl, workbooks
carrying user content that imitates jixiao's own marks, and the bad-input corpus.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "xlsx_templates"
EXAMPLES = REPO / "examples"
CORPUS = REPO / "tests" / "bad_inputs"
NOT_CORPUS = {"make_corpus.py", "expectations.json"}

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
REL_SHEET = NS_REL + "/worksheet"

# jixiao's own marks, as a user could type them (issue 13, item 15).
JIXIAO_AUTHOR = "jixiao 校验"
JIXIAO_MARKER = '"jixiao 校验标记"<>""'
RESULTS_NAMES = ("校验结果", "jixiao校验结果")

# Parsing a part to mutate it: never resolve an entity, never touch the network.
SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
)


@dataclass(frozen=True)
class Base:
    name: str  # for messages: where the case came from
    suffix: str
    data: bytes
    kind: str  # "workbook" (a zip package), "json", "other"
    marked: bool = False  # carries real jixiao marks: validate → clear is not the identity
    findings: tuple[tuple[str, str, str], ...] = ()  # (sheet, cell, note text) jixiao writes


@dataclass
class Case:
    seed: int
    index: int
    family: str
    mutation: str
    base: str
    suffix: str
    data: bytes
    kind: str
    marked: bool = False
    commands: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"#{self.index} [{self.family}] {self.base}: {self.mutation}"


# ---- zip helpers ---------------------------------------------------------------------------


Members = list[tuple[str, bytes]]


def unzip(data: bytes) -> Members:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def rezip(members: Members, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are a mutation here
        with zipfile.ZipFile(buf, "w", method, compresslevel=1) as z:
            for name, body in members:
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = method
                z.writestr(info, body)
    return buf.getvalue()


def get(members: Members, name: str) -> bytes | None:
    for n, body in members:
        if n == name:
            return body
    return None


def put(members: Members, name: str, body: bytes) -> Members:
    out = [(n, body if n == name else b) for n, b in members]
    if not any(n == name for n, _ in members):
        out.append((name, body))
    return out


def xml_parts(members: Members) -> list[str]:
    return [n for n, b in members if n.endswith((".xml", ".rels", ".vml")) and b]


def sheet_parts(members: Members) -> list[str]:
    return [n for n, _ in members if n.startswith("xl/worksheets/") and n.endswith(".xml")]


def _central_entries(data: bytes) -> list[int]:
    """Offsets of the central-directory headers."""
    out, pos = [], 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        out.append(pos)
        pos += 4
    return out


# ---- zip-level mutations ---------------------------------------------------------------------


def z_truncate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    cut = rng.choice([rng.randrange(1, len(data)), len(data) - rng.randrange(1, 200), 22, 4])
    return f"truncate to {cut} of {len(data)} bytes", data[: max(cut, 0)]


def z_flip(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    b = bytearray(data)
    k = rng.choice([1, 2, 8, 64])
    where = [rng.randrange(len(b)) for _ in range(k)]
    for i in where:
        b[i] ^= 1 << rng.randrange(8)
    return f"flip {k} bits at {where[:4]}{'…' if k > 4 else ''}", bytes(b)


def z_drop(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    members = unzip(data)
    key = [
        n
        for n, _ in members
        if n in ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml")
        or n.startswith(("xl/_rels", "xl/worksheets", "xl/drawings", "xl/comments", "xl/shared"))
    ]
    name = rng.choice(key or [n for n, _ in members])
    return f"drop member {name}", rezip([(n, b) for n, b in members if n != name])


def z_duplicate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    members = unzip(data)
    name, body = rng.choice(members)
    other = rng.choice([body, b"", body[: len(body) // 2], b"<x/>"])
    return f"duplicate member {name} ({len(other)} bytes)", rezip([*members, (name, other)])


def z_method99(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    members = unzip(data)
    i = rng.randrange(len(members))
    name = members[i][0]
    raw = bytearray(rezip(members, zipfile.ZIP_STORED))
    # local header: method at +8; central header: method at +10
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo(name)
    struct.pack_into("<H", raw, info.header_offset + 8, 99)
    for pos in _central_entries(bytes(raw)):
        n = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46 : pos + 46 + n] == name.encode("utf-8"):
            struct.pack_into("<H", raw, pos + 10, 99)
    return f"compression method 99 on {name}", bytes(raw)


def z_huge_size(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    members = unzip(data)
    raw = bytearray(rezip(members))
    entries = _central_entries(bytes(raw))
    pos = rng.choice(entries)
    n = struct.unpack_from("<H", raw, pos + 28)[0]
    name = raw[pos + 46 : pos + 46 + n].decode("utf-8", "replace")
    size = rng.choice([0xFFFFFFF0, 2**31, 500 * 1024 * 1024, 0])
    struct.pack_into("<I", raw, pos + 24, size)
    return f"declared size {size} for {name}", bytes(raw)


def z_many(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    members = unzip(data)
    count = rng.choice([2000, 12000, 70000])
    extra = [(f"customXml/f{i}.xml", b"") for i in range(count)]
    return f"add {count} empty members", rezip(members + extra, zipfile.ZIP_STORED)


def z_bomb(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """A member that inflates to far more than any workbook (a few hundred KB packed)."""
    members = unzip(data)
    name = rng.choice(sheet_parts(members) or ["xl/worksheets/sheet1.xml"])
    size = rng.choice([120, 300]) * 1024 * 1024
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for n, b in members:
            if n != name:
                z.writestr(n, b)
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as w:
            chunk = b" " * (1024 * 1024)
            for _ in range(size // len(chunk)):
                w.write(chunk)
    return f"{name} inflates to {size >> 20} MB", buf.getvalue()


ZIP_MUTATIONS: dict[str, Callable[[random.Random, bytes], tuple[str, bytes]]] = {
    "truncate": z_truncate,
    "flip": z_flip,
    "drop": z_drop,
    "duplicate": z_duplicate,
    "method99": z_method99,
    "huge_size": z_huge_size,
    "many": z_many,
    "bomb": z_bomb,
}
ZIP_WEIGHTS = {"many": 0.3, "bomb": 0.15}  # slow to build or run; rarer


# ---- XML-level mutations ---------------------------------------------------------------------


def _pick_part(rng: random.Random, members: Members, prefer: tuple[str, ...] = ()) -> str:
    parts = xml_parts(members)
    preferred = [n for n in parts if n in prefer or n.endswith(prefer)] if prefer else []
    return rng.choice(preferred if preferred and rng.random() < 0.7 else parts)


KEY_PARTS = (
    "xl/workbook.xml",
    "[Content_Types].xml",
    "xl/_rels/workbook.xml.rels",
    "_rels/.rels",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
    ".vml",
    "sheet1.xml",
    "sheet1.xml.rels",
)


def x_drop_element(rng: random.Random, members: Members) -> tuple[str, Members]:
    name = _pick_part(rng, members, KEY_PARTS)
    root = etree.fromstring(get(members, name) or b"", SAFE_PARSER)
    elements = [e for e in root.iter() if e is not root and isinstance(e.tag, str)]
    # elements near the top matter most (sheets, sheetData, cellXfs …): favour them
    shallow = [e for e in elements if e.getparent() is root or e.getparent().getparent() is root]
    victim = rng.choice(shallow if shallow and rng.random() < 0.6 else elements)
    tag = etree.QName(victim).localname
    victim.getparent().remove(victim)
    return f"drop <{tag}> from {name}", put(members, name, etree.tostring(root))


def x_rename_element(rng: random.Random, members: Members) -> tuple[str, Members]:
    name = _pick_part(rng, members, KEY_PARTS)
    root = etree.fromstring(get(members, name) or b"", SAFE_PARSER)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    shallow = [e for e in elements if e is root or e.getparent() is root]
    victim = rng.choice(shallow if rng.random() < 0.5 else elements)
    q = etree.QName(victim)
    new = rng.choice(["zz" + q.localname, q.localname.upper(), "sheet", "c", "row"])
    namespace = rng.choice([q.namespace, q.namespace, "urn:fuzz", None])
    victim.tag = etree.QName(namespace, new).text if namespace else new
    return f"rename <{q.localname}> to <{new}> ({namespace}) in {name}", put(
        members, name, etree.tostring(root)
    )


_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.\-]*)(?=[\s/>])")


def prefix_part(body: bytes, prefix: str = "x") -> bytes | None:
    """Every element in the part's default namespace written as ``x:name`` instead."""
    m = re.search(rb'xmlns="([^"]*)"', body)
    if not m:
        return None
    p = prefix.encode()
    body = body.replace(m.group(0), b"xmlns:" + p + b'="' + m.group(1) + b'"', 1)
    return _TAG.sub(lambda t: b"<" + t.group(1) + p + b":" + t.group(2), body)


def _rels(members: Members) -> list[str]:
    return [n for n, _ in members if n.endswith(".rels")]


def x_prefix(rng: random.Random, members: Members) -> tuple[str, Members]:
    # SpreadsheetML as some non-Microsoft writers do it (x:), and the package parts too.
    spreadsheet = [
        n
        for n in xml_parts(members)
        if n.startswith("xl/") and not n.endswith((".rels", ".vml")) and "theme" not in n
    ]
    many = rng.random() < 0.3
    names = (
        spreadsheet
        if many
        else [rng.choice([*spreadsheet, "[Content_Types].xml", *_rels(members)])]
    )
    prefix = rng.choice(["x", "x", "main", "ns0"])
    changed = []
    for name in names:
        new = prefix_part(get(members, name) or b"", prefix)
        if new is not None:
            members = put(members, name, new)
            changed.append(name)
    what = "every spreadsheet part" if many else ", ".join(changed)
    return f"namespace prefix {prefix}: on {what}", members


def _declared_encoding_free(body: bytes) -> str:
    text = body.decode("utf-8")
    return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", text)


def x_utf16(rng: random.Random, members: Members) -> tuple[str, Members]:
    name = _pick_part(rng, members, KEY_PARTS)
    body = get(members, name) or b""
    try:
        text = _declared_encoding_free(body)
    except UnicodeDecodeError:
        return f"utf-16 skipped on {name} (not UTF-8)", members
    enc = rng.choice(["utf-16", "utf-16-le", "utf-16-be"])
    decl = '<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\r\n'
    out = (decl + text).encode(enc)
    if enc != "utf-16":  # BOM by hand, as Windows tools write it
        out = ("\ufeff" + decl + text).encode(enc)
    return f"{name} re-encoded as {enc} with declaration", put(members, name, out)


_START = re.compile(
    rb"<([A-Za-z_][\w.:\-]*)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))+)(\s*/?)>"
)
_ATTR = re.compile(rb"([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")


def x_respace(rng: random.Random, members: Members) -> tuple[str, Members]:
    name = _pick_part(rng, members, KEY_PARTS)
    seps = [b" ", b"\n\t", b"  ", b"\r\n  "]

    def one(m: re.Match[bytes]) -> bytes:
        attrs = _ATTR.findall(m.group(2))
        rng.shuffle(attrs)
        out = []
        for key, value in attrs:
            inner = value[1:-1]
            q = b"'" if b"'" not in inner and rng.random() < 0.5 else value[:1]
            eq = rng.choice([b"=", b" = ", b"=\n"])
            out.append(rng.choice(seps) + key + eq + q + inner + q)
        return (
            b"<"
            + m.group(1)
            + b"".join(out)
            + rng.choice([b"", b" ", b"\n"])
            + m.group(3).strip()
            + b">"
        )

    body = _START.sub(one, get(members, name) or b"")
    return f"attributes reordered and respaced in {name}", put(members, name, body)


def x_truncate(rng: random.Random, members: Members) -> tuple[str, Members]:
    name = _pick_part(rng, members, KEY_PARTS)
    body = get(members, name) or b""
    cut = rng.randrange(0, max(len(body), 1))
    return f"{name} truncated to {cut} of {len(body)} bytes", put(members, name, body[:cut])


def x_break_rel(rng: random.Random, members: Members) -> tuple[str, Members]:
    rels = [n for n, _ in members if n.endswith(".rels")]
    name = rng.choice(rels)
    body = (get(members, name) or b"").decode("utf-8", "replace")
    ids = re.findall(r'Id="([^"]*)"', body)
    targets = re.findall(r'Target="([^"]*)"', body)
    choice = rng.randrange(6)
    if choice == 0 and ids:
        old = rng.choice(ids)
        body = body.replace(f'Id="{old}"', f'Id="{old}x"', 1)
        what = f"Id {old} renamed"
    elif choice == 1 and ids:
        old = rng.choice(ids)
        body = body.replace(f'Id="{old}"', f'Id="{ids[0]}"', 1)
        what = f"Id {old} duplicated as {ids[0]}"
    elif choice == 2 and targets:
        old = rng.choice(targets)
        new = rng.choice(
            ["missing.xml", "/xl/worksheets/none.xml", "../../../../etc/passwd", "", "worksheets/"]
        )
        body = body.replace(f'Target="{old}"', f'Target="{new}"', 1)
        what = f"Target {old} -> {new!r}"
    elif choice == 3 and targets:
        old = rng.choice(targets)
        body = body.replace(
            f'Target="{old}"', 'Target="http://127.0.0.1:9/x.xml" TargetMode="External"', 1
        )
        what = f"Target {old} made external"
    elif choice == 4:
        body = body.replace("<Relationship ", '<Relationship Id="rIdZ" ', 1)
        what = "a second Id attribute"
    else:
        body = re.sub(r"<Relationship [^>]*/>", "", body, count=1)
        what = "first relationship removed"
    return f"{name}: {what}", put(members, name, body.encode("utf-8"))


def x_missing_sheet(rng: random.Random, members: Members) -> tuple[str, Members]:
    sheets = sheet_parts(members)
    name = rng.choice(sheets)
    return f"sheet part {name} missing", [(n, b) for n, b in members if n != name]


ODD_NAMES = [
    "jx_band_full",
    "设置",
    "'设置'!",
    "#REF!",
    "'设置'!#REF!",
    "'不存在'!$B$4",
    "设置!$B$4:$B",
    "=1+",
    "",
    "OFFSET('设置'!$A$1,0,0)",
    "'设置'!$B$4,'设置'!$B$5",
    "'设置'!$XFE$1048577",
    "[1]Sheet1!$A$1",
    "TRUE",
    "整体支出表!A1",
    "'" + "长" * 300 + "'!$A$1",
    "'设置'!$B$4 '设置'!$B$5",
    "\u0000",
]


def x_defined_names(rng: random.Random, members: Members) -> tuple[str, Members]:
    body = (get(members, "xl/workbook.xml") or b"").decode("utf-8", "replace")
    text = rng.choice(ODD_NAMES)
    esc = text.replace("&", "&amp;").replace("<", "&lt;").replace("\u0000", "&#0;")
    names = re.findall(r"<definedName [^>]*>[^<]*</definedName>", body)
    if names and rng.random() < 0.7:
        old = rng.choice(names)
        new = re.sub(r">[^<]*<", f">{esc}<", old)
        body = body.replace(old, new, 1)
        what = f"{old[:60]} -> {text[:40]!r}"
    else:
        name = rng.choice(["jx_profile", "_xlnm.Print_Area", "用户名称", "jx_threshold"])
        extra = f'<definedName name="{name}">{esc}</definedName>'
        if "<definedNames>" in body:
            body = body.replace("<definedNames>", "<definedNames>" + extra, 1)
        else:
            body = body.replace("</sheets>", f"</sheets><definedNames>{extra}</definedNames>", 1)
        what = f"added {name} = {text[:40]!r}"
    return f"defined name {what}", put(members, "xl/workbook.xml", body.encode("utf-8"))


def entity_payload(rng: random.Random, token_file: Path) -> tuple[str, str, str]:
    """(label, DOCTYPE, reference) for one XXE or entity-expansion payload."""
    url = token_file.as_uri()
    kinds = {
        "external entity": (f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{url}">]>', "&xxe;"),
        "external entity (path)": (f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{token_file}">]>', "&xxe;"),
        "parameter entity": (
            f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}"> %p;]>',
            "x",
        ),
        "external DTD": (f'<!DOCTYPE r SYSTEM "{url}">', "x"),
        "billion laughs": (
            '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            + "".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
            )
            + "]>",
            "&j;",
        ),
        "quadratic blowup": (f'<!DOCTYPE r [<!ENTITY q "{"x" * 50000}">]>', "&q;" * 2000),
        "network entity": ('<!DOCTYPE r [<!ENTITY n SYSTEM "http://127.0.0.1:9/x">]>', "&n;"),
    }
    label = rng.choice(sorted(kinds))
    return label, *kinds[label]


def insert_doctype(body: bytes, doctype: str, ref: str) -> bytes:
    text = body.decode("utf-8")
    decl = re.match(r"\s*<\?xml[^>]*\?>\s*", text)
    head, rest = (decl.group(0), text[decl.end() :]) if decl else ("", text)
    # the entity goes into the first text node (or an attribute-free spot after the root tag)
    t = re.search(r"<t(?: [^>]*)?>([^<]*)</t>", rest)
    if t:
        rest = rest[: t.start(1)] + ref + rest[t.start(1) :]
    else:
        v = re.search(r"<(?:v|definedName|dc:creator|dc:title)(?: [^>]*)?>", rest)
        if v:
            rest = rest[: v.end()] + ref + rest[v.end() :]
    return (head + doctype + rest).encode("utf-8")


# set by Sources: the file whose token must never appear in any output
TOKEN_FILE: list[Path] = []


def x_entities(rng: random.Random, members: Members) -> tuple[str, Members]:
    label, doctype, ref = entity_payload(rng, TOKEN_FILE[0])
    prefer = (
        "xl/sharedStrings.xml",
        "xl/workbook.xml",
        "sheet1.xml",
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/_rels/workbook.xml.rels",
        "docProps/core.xml",
        ".vml",
        "xl/styles.xml",
    )
    name = _pick_part(rng, members, prefer)
    body = get(members, name) or b""
    try:
        new = insert_doctype(body, doctype, ref)
    except UnicodeDecodeError:
        return f"{label} skipped on {name}", members
    return f"{label} in {name}", put(members, name, new)


XML_MUTATIONS: dict[str, Callable[[random.Random, Members], tuple[str, Members]]] = {
    "drop_element": x_drop_element,
    "rename_element": x_rename_element,
    "prefix": x_prefix,
    "utf16": x_utf16,
    "respace": x_respace,
    "truncate_part": x_truncate,
    "break_rel": x_break_rel,
    "missing_sheet": x_missing_sheet,
    "defined_names": x_defined_names,
    "entities": x_entities,
}
XML_WEIGHTS = {"prefix": 2.0, "entities": 2.0, "utf16": 1.5, "respace": 1.5}


# ---- cell values ---------------------------------------------------------------------------------

_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?)(/>|>(.*?)</c>)', re.S)

HUGE_NUMBERS = [
    b"1e308",
    b"1e400",
    b"-1E309",
    b"123456789012345678901234567890",
    b"9" * 400,
    b"NaN",
    b"INF",
    b"-0",
    b"1e-400",
    b"0x1F",
    b"1,234",
    b"",
    b" 12 ",
]
ERRORS = [b"#DIV/0!", b"#N/A", b"#VALUE!", b"#REF!", b"#NAME?", b"#NUM!", b"#NULL!", b"#SPILL!"]


def c_values(rng: random.Random, members: Members) -> tuple[str, Members]:
    sheets = sheet_parts(members)
    name = sheets[0] if rng.random() < 0.7 else rng.choice(sheets)
    body = get(members, name) or b""
    cells = list(_CELL.finditer(body))
    if not cells:
        return f"no cells in {name}", members
    # the form's own columns (A–L) rather than the helper columns far right
    visible = [m for m in cells if len(m.group(1).rstrip(b"0123456789")) == 1]
    k = rng.choice([1, 1, 3, 10])
    picked = rng.sample(visible or cells, min(k, len(visible or cells)))
    how = rng.choice(["huge", "text", "error", "bad_type", "bad_ref", "shared"])
    edits: list[tuple[int, int, bytes]] = []
    for m in picked:
        ref = m.group(1)
        style = re.sub(rb'\s*t="[^"]*"', b"", m.group(2))
        formula = re.search(rb"<f[^>]*>.*?</f>|<f[^>]*/>", m.group(4) or b"", re.S)
        f = formula.group(0) if formula and rng.random() < 0.5 else b""
        if how == "huge":
            new = (
                b'<c r="'
                + ref
                + b'"'
                + style
                + b">"
                + f
                + b"<v>"
                + rng.choice(HUGE_NUMBERS)
                + b"</v></c>"
            )
        elif how == "text":
            text = rng.choice(
                ["一百万", "12,345.6", "１２３", "1e5", "abc", "=SUM(A1)", " ", "100%"]
            )
            new = (
                b'<c r="' + ref + b'"' + style + b' t="inlineStr"><is><t>'
                + text.encode() + b"</t></is></c>"
            )  # fmt: skip
        elif how == "error":
            new = (
                b'<c r="'
                + ref
                + b'"'
                + style
                + b' t="e">'
                + f
                + b"<v>"
                + rng.choice(ERRORS)
                + b"</v></c>"
            )
        elif how == "bad_type":
            t, v = rng.choice(
                [(b"b", b"2"), (b"n", b"abc"), (b"s", b"99999"), (b"s", b"-1"), (b"d", b"notadate"),
                 (b"zz", b"1"), (b"s", b"")]
            )  # fmt: skip
            new = b'<c r="' + ref + b'"' + style + b' t="' + t + b'"><v>' + v + b"</v></c>"
        elif how == "bad_ref":
            r = rng.choice([b"XFE1", b"A1048577", b"A0", b"", b"a1", b"ZZZZ1", b"1A"])
            new = m.group(0).replace(b'r="' + ref + b'"', b'r="' + r + b'"', 1)
        else:  # a shared formula whose master is gone
            new = b'<c r="' + ref + b'"' + style + b'><f t="shared" si="999"/><v>1</v></c>'
        edits.append((m.start(), m.end(), new))
    for start, end, new in sorted(edits, reverse=True):
        body = body[:start] + new + body[end:]
    refs = b",".join(m.group(1) for m in picked).decode()
    return f"{how} values in {name}!{refs[:60]}", put(members, name, body)


# ---- user content that imitates jixiao's own marks ----------------------------------------------


def _add_sheet(members: Members, sheet_name: str, sheet_xml: bytes) -> Members:
    part = "xl/worksheets/sheet_user9.xml"
    wb = (get(members, "xl/workbook.xml") or b"").decode()
    rels = (get(members, "xl/_rels/workbook.xml.rels") or b"").decode()
    ct = (get(members, "[Content_Types].xml") or b"").decode()
    ids = [int(x) for x in re.findall(r'sheetId="(\d+)"', wb)] or [0]
    wb = wb.replace(
        "</sheets>",
        f'<sheet xmlns:r="{NS_REL}" name="{sheet_name}" sheetId="{max(ids) + 1}" r:id="rIdUser9"/>'
        "</sheets>",
        1,
    )
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdUser9" Type="{REL_SHEET}" Target="worksheets/sheet_user9.xml"/>'
        "</Relationships>",
    )
    ct = ct.replace("</Types>", f'<Override PartName="/{part}" ContentType="{CT_SHEET}"/></Types>')
    members = put(members, "xl/workbook.xml", wb.encode())
    members = put(members, "xl/_rels/workbook.xml.rels", rels.encode())
    members = put(members, "[Content_Types].xml", ct.encode())
    return put(members, part, sheet_xml)


def _inline_row(r: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{r}">{cells}</row>'


def u_results_sheet(rng: random.Random, members: Members, base: Base) -> tuple[str, Members]:
    sheet_name = rng.choice(RESULTS_NAMES)
    rows = [_inline_row(1, ["我的笔记", "", ""])]
    if rng.random() < 0.6:  # looks exactly like ours
        rows = [_inline_row(1, ["级别", "代码", "工作表", "单元格", "说明"])]
        for i, (sheet, cell, _) in enumerate(base.findings[:3]):
            rows.append(_inline_row(i + 2, ["警告", "S05", sheet, cell, "用户自己写的说明"]))
    xml = (
        f'<worksheet xmlns="{NS_MAIN}"><sheetData>{"".join(rows)}</sheetData></worksheet>'
    ).encode()
    return f"user's own sheet named {sheet_name}", _add_sheet(members, sheet_name, xml)


def u_marker_format(rng: random.Random, members: Members, base: Base) -> tuple[str, Members]:
    name = sheet_parts(members)[0]
    body = (get(members, name) or b"").decode()
    cell = base.findings[0][1] if base.findings and rng.random() < 0.7 else "C5"
    formula = rng.choice([JIXIAO_MARKER, JIXIAO_MARKER, "TRUE", "$C$5>0"])
    esc = (
        formula.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
    cf = (
        f'<conditionalFormatting sqref="{cell}"><cfRule type="expression" priority="1">'
        f"<formula>{esc}</formula></cfRule></conditionalFormatting>"
    )
    for anchor in ("<dataValidations", "<hyperlinks", "<printOptions", "<pageMargins"):
        if anchor in body:
            body = body.replace(anchor, cf + anchor, 1)
            break
    else:
        body = body.replace("</worksheet>", cf + "</worksheet>")
    return f"user's conditional format {formula!r} on {cell}", put(members, name, body.encode())


def u_note_text(rng: random.Random, members: Members, base: Base) -> tuple[str, Members]:
    """Bases built with notes carry the text NOTE_SLOT: fill in what the user wrote."""
    comments = [n for n, _ in members if "comments" in n and n.endswith(".xml")]
    if not comments:
        return "no note to edit", members
    name = comments[0]
    exact = base.findings[0][2] if base.findings else "【错误 S05】"
    text = rng.choice(
        [
            exact,
            "【错误 S05】" + "这是我自己记的",
            "【警告 W02】请核对",
            "我自己的批注",
            exact + "\n补充",
            "",
        ]
    )
    author = rng.choice([JIXIAO_AUTHOR, JIXIAO_AUTHOR, "用户", "jixiao", "jixiao 校验 "])
    body = (get(members, name) or b"").decode()
    esc = text.replace("&", "&amp;").replace("<", "&lt;")
    body = body.replace(NOTE_SLOT, esc).replace(AUTHOR_SLOT, author)
    return f"user's note by {author!r}: {text[:30]!r}", put(members, name, body.encode())


NOTE_SLOT = "NOTE-SLOT-9f3c"
AUTHOR_SLOT = "AUTHOR-SLOT-9f3c"

USER_MUTATIONS: dict[str, Callable[[random.Random, Members, Base], tuple[str, Members]]] = {
    "results_sheet": u_results_sheet,
    "marker_format": u_marker_format,
    "note": u_note_text,
}


# ---- JSON forms ----------------------------------------------------------------------------------

SLOT = "__FUZZ_SLOT__"


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _at(value: object, path: tuple) -> object:
    for p in path:
        value = value[p]  # type: ignore[index]
    return value


def _set(doc: object, path: tuple, new: object) -> object:
    if not path:
        return new
    _at(doc, path[:-1])[path[-1]] = new  # type: ignore[index]
    return doc


def j_mutate(rng: random.Random, text: str) -> tuple[str, bytes]:
    doc = json.loads(text)
    paths = _paths(doc)
    numeric = [p for p in paths if p and isinstance(_at(doc, p), (int, float))]
    kind = rng.choice(
        ["wrong_type", "deep", "huge_int", "non_finite", "string_number", "missing_key",
         "raw_text", "top_level", "encoding"]
    )  # fmt: skip
    raw: str | None = None
    if kind == "wrong_type":
        p = rng.choice(paths[1:])
        new = rng.choice([[], {}, None, True, "文本", 0, [1, 2], {"a": 1}, -1, 1.5])
        doc = _set(doc, p, new)
        what = f"{'/'.join(map(str, p))} = {new!r}"
    elif kind == "deep":
        depth = rng.choice([100, 900, 1000, 5000, 100_000])
        opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
        p = rng.choice(paths[1:]) if rng.random() < 0.7 else ()
        doc = _set(doc, p, SLOT)
        raw = opener * depth + "1" + closer * depth
        what = f"{depth} levels of {opener} at {'/'.join(map(str, p)) or 'top'}"
    elif kind == "huge_int":
        digits = rng.choice([20, 309, 400, 4300, 4301, 5000, 100_000])
        p = rng.choice(numeric or paths[1:])
        doc = _set(doc, p, SLOT)
        raw = "9" * digits if rng.random() < 0.8 else "-" + "1" * digits
        what = f"{digits}-digit integer at {'/'.join(map(str, p))}"
    elif kind == "non_finite":
        p = rng.choice(numeric or paths[1:])
        doc = _set(doc, p, SLOT)
        raw = rng.choice(["1e400", "1E309", "-1e400", "NaN", "Infinity", "-Infinity", "1e-400"])
        what = f"{raw} at {'/'.join(map(str, p))}"
    elif kind == "string_number":
        p = rng.choice(numeric or paths[1:])
        new = rng.choice(["12,345", "１２３", "abc", "1e5", "", "  ", "100%", "一百", "1e400"])
        doc = _set(doc, p, new)
        what = f"{'/'.join(map(str, p))} = {new!r}"
    elif kind == "missing_key":
        keyed = [p for p in paths if p and isinstance(p[-1], str)]
        p = rng.choice(keyed)
        del _at(doc, p[:-1])[p[-1]]  # type: ignore[attr-defined]
        what = f"key {'/'.join(map(str, p))} removed"
    elif kind == "raw_text":
        body = json.dumps(doc, ensure_ascii=False, indent=1)
        how = rng.choice(["truncate", "dup_key", "trailing", "bom", "nul"])
        if how == "truncate":
            body = body[: rng.randrange(len(body))]
        elif how == "dup_key":
            body = body.replace('"表类型"', '"表类型": "别的表", "表类型"', 1)
        elif how == "trailing":
            body = body + rng.choice([",", "]", " x", "\n{}"])
        elif how == "bom":
            body = "\ufeff" + body
        else:
            body = body.replace('"', '"\u0000', 1)
        return f"text: {how}", body.encode("utf-8")
    elif kind == "top_level":
        new = rng.choice([[], "表", 1, None, [doc], {"forms": [doc]}])
        return f"top level {type(new).__name__}", json.dumps(new, ensure_ascii=False).encode()
    else:
        enc = rng.choice(["utf-16", "gbk", "latin-1-bytes"])
        body = json.dumps(doc, ensure_ascii=False)
        if enc == "latin-1-bytes":
            return "invalid UTF-8 bytes", body.encode("utf-8")[
                :40
            ] + b"\xff\xfe\xc0" + body.encode()[40:]
        return f"encoded as {enc}", body.encode(enc, "replace")
    body = json.dumps(doc, ensure_ascii=False, indent=1)
    if raw is not None:
        body = body.replace(json.dumps(SLOT), raw, 1)
    return f"{kind}: {what}", body.encode("utf-8")


# ---- the bases -----------------------------------------------------------------------------------


def to_xlsx(data: bytes) -> bytes:
    """An .xlsm package made into a plain .xlsx: no VBA project, the workbook's content type."""
    members = unzip(data)
    members = [(n, b) for n, b in members if n != "xl/vbaProject.bin"]
    ct = (get(members, "[Content_Types].xml") or b"").decode()
    ct = ct.replace(CT_XLSM_MAIN, CT_XLSX_MAIN)
    ct = re.sub(r'<Default Extension="bin"[^>]*/>', "", ct)
    rels = (get(members, "xl/_rels/workbook.xml.rels") or b"").decode()
    rels = re.sub(r"<Relationship [^>]*vbaProject[^>]*/>", "", rels)
    members = put(members, "[Content_Types].xml", ct.encode())
    members = put(members, "xl/_rels/workbook.xml.rels", rels.encode())
    return rezip(members)


# ---- the damage issue 13 reported, made again on purpose ----------------------------------------


def _json_text(rng: random.Random, sources: Sources, raw: str) -> bytes:
    """An example form with one number replaced by ``raw`` (JSON text as written)."""
    _, text = rng.choice(sources.json)
    doc = json.loads(text)
    doc["预算执行"]["全年执行数"] = SLOT
    return json.dumps(doc, ensure_ascii=False).replace(json.dumps(SLOT), raw, 1).encode()


def _no_vml_with_openpyxl_default(members: Members) -> Members:
    """The form's sheet without its VML part, and the VML default spelled as openpyxl does."""
    members = [(n, b) for n, b in members if not n.endswith(".vml") and "sheet1.xml.rels" not in n]
    sheet = sheet_parts(members)[0]
    body = re.sub(rb"<legacyDrawing [^>]*/>", b"", get(members, sheet) or b"")
    ct = re.sub(
        rb'<Default Extension="vml"[^>]*/>', b"", get(members, "[Content_Types].xml") or b""
    )
    ct = ct.replace(
        b"<Default ",
        b'<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument'
        b'.vmlDrawing" /><Default ',
        1,
    )
    return put(put(members, sheet, body), "[Content_Types].xml", ct)


def _bare_defined_name(rng: random.Random, members: Members) -> Members:
    body = (get(members, "xl/workbook.xml") or b"").decode()
    text = rng.choice(["jx_band_full", "Sheet1", "设置", "TRUE", "jx_profile"])
    body = re.sub(
        r'(<definedName name="jx_profile"[^>]*>)[^<]*<', lambda m: m.group(1) + text + "<", body
    )
    return put(members, "xl/workbook.xml", body.encode())


def issue_case(rng: random.Random, sources: Sources) -> tuple[str, str, str, bytes, str]:
    """(item, base, suffix, data, kind): one of the reported kinds of damage, on a fresh base."""
    books = [b for b in sources.workbooks if b.name.startswith("import") and not b.marked]
    base = rng.choice(books)
    xlsx = [b for b in books if b.suffix == ".xlsx"]
    members = unzip(base.data)
    item = rng.choice(
        ["1", "1o", "2", "3", "4", "5", "6", "7", "8v", "8d", "9", "10", "11", "12", "13"]
    )
    if item == "1":
        return (
            "1: 1000 nested arrays",
            "examples",
            ".json",
            _json_text(rng, sources, "[" * 1000 + "]" * 1000),
            "json",
        )
    if item == "1o":
        deep = '{"a":' * 5000 + "1" + "}" * 5000
        return "1: 5000 nested objects", "examples", ".json", _json_text(rng, sources, deep), "json"
    if item == "2":
        return (
            "2: 4301-digit integer",
            "examples",
            ".json",
            _json_text(rng, sources, "7" * 4301),
            "json",
        )
    if item == "3":
        return (
            "3: 400-digit number",
            "examples",
            ".json",
            _json_text(rng, sources, "9" * 400),
            "json",
        )
    if item == "12":
        raw = rng.choice(["1E309", "1e400", "-1e400"])
        return f"12: {raw}", "examples", ".json", _json_text(rng, sources, raw), "json"
    if item == "4":
        members = _bare_defined_name(rng, members)
        what = "4: a defined name whose text is a bare name"
    elif item == "5":
        what, data = z_method99(rng, base.data)
        return "5: " + what, base.name, base.suffix, data, "workbook"
    elif item == "6":
        what, members = x_missing_sheet(rng, members)
        what = "6: " + what
    elif item == "7":
        what, members = "7: x: prefix on every SpreadsheetML part", members
        for name in [n for n in xml_parts(members) if n.startswith("xl/") and n.endswith(".xml")]:
            members = put(members, name, prefix_part(get(members, name) or b"") or b"")
    elif item == "8v":
        base = rng.choice([b for b in books if b".vml" in b.data])  # the name is stored plain
        members = unzip(base.data)
        vml = [n for n, _ in members if n.endswith(".vml")]
        body = _declared_encoding_free(get(members, vml[0]) or b"")
        decl = '<?xml version="1.0" encoding="UTF-16"?>'
        members = put(members, vml[0], (decl + body).encode("utf-16"))
        what = "8: VML part in UTF-16"
    elif item == "8d":
        name, body = rng.choice([(n, b) for n, b in members if n.endswith(".xml")])
        members = [*members, (name, body)]
        what = f"8: duplicated member {name}"
    elif item == "9":
        members = put(
            members, "xl/workbook.xml", prefix_part(get(members, "xl/workbook.xml") or b"") or b""
        )
        what = "9: prefixed workbook.xml"
    elif item == "10":
        base = rng.choice(xlsx)
        members = _no_vml_with_openpyxl_default(unzip(base.data))
        what = "10: VML default spelled as openpyxl does, no VML part on the form's sheet"
    elif item == "11":
        base = rng.choice(xlsx)
        members = unzip(base.data)
        body = get(members, "_rels/.rels") or b""
        members = put(members, "_rels/.rels", body[: rng.randrange(10, len(body) - 5)])
        what = "11: truncated _rels/.rels in an .xlsx"
    else:  # 13
        body = get(members, "_rels/.rels") or b""
        members = put(members, "_rels/.rels", body.replace(b"Relationship", b"Relation", 1))
        what = "13: damaged _rels/.rels in a jixiao workbook"
    return what, base.name, base.suffix, rezip(members), "workbook"


FAMILIES = ("corpus", "zip", "xml", "cells", "user", "json", "issue")
FAMILY_WEIGHTS = {
    "corpus": 0.6, "zip": 2.0, "xml": 3.0, "cells": 1.5, "user": 1.2, "json": 2.0, "issue": 1.0,
}  # fmt: skip


def _weighted(rng: random.Random, names: list[str], weights: dict[str, float]) -> str:
    return rng.choices(names, [weights.get(n, 1.0) for n in names])[0]


def make_case(sources: Sources, seed: int, index: int) -> Case:
    rng = random.Random(f"{seed}:{index}")
    family = _weighted(rng, list(FAMILIES), FAMILY_WEIGHTS)
    if family == "json":
        name, text = rng.choice(sources.json)
        mutation, data = j_mutate(rng, text)
        return Case(seed, index, family, mutation, name, ".json", data, "json")
    if family == "issue":
        mutation, name, suffix, data, kind = issue_case(rng, sources)
        return Case(seed, index, family, mutation, name, suffix, data, kind)
    if family == "corpus":
        base = rng.choice(sources.corpus)
        if base.kind == "workbook" and rng.random() < 0.6:
            m = _weighted(rng, list(ZIP_MUTATIONS), ZIP_WEIGHTS)
            if m not in ("many", "bomb"):
                try:
                    mutation, data = ZIP_MUTATIONS[m](rng, base.data)
                except (zipfile.BadZipFile, ValueError, KeyError, IndexError, EOFError):
                    mutation, data = "as is (unzip failed)", base.data
                return Case(seed, index, family, mutation, base.name, base.suffix, data, "workbook")
        return Case(seed, index, family, "as is", base.name, base.suffix, base.data, base.kind)
    if family == "user":
        base = rng.choice(sources.noted if rng.random() < 0.4 else sources.findings_books)
        options = ["note"] if base in sources.noted else ["results_sheet", "marker_format"]
        m = rng.choice(options)
        mutation, members = USER_MUTATIONS[m](rng, unzip(base.data), base)
        if base in sources.noted and rng.random() < 0.3:  # and a second one on top
            more, members = u_marker_format(rng, members, base)
            mutation += "; " + more
        return Case(
            seed, index, family, mutation, base.name, base.suffix, rezip(members), "workbook"
        )
    base = rng.choice(sources.workbooks)
    if family == "zip":
        m = _weighted(rng, list(ZIP_MUTATIONS), ZIP_WEIGHTS)
        mutation, data = ZIP_MUTATIONS[m](rng, base.data)
    elif family == "cells":
        mutation, members = c_values(rng, unzip(base.data))
        data = rezip(members)
    else:
        m = _weighted(rng, list(XML_MUTATIONS), XML_WEIGHTS)
        try:
            mutation, members = XML_MUTATIONS[m](rng, unzip(base.data))
        except etree.XMLSyntaxError:
            mutation, members = f"{m} skipped (part does not parse)", unzip(base.data)
        if rng.random() < 0.15:  # two kinds of damage at once
            m2 = _weighted(rng, list(XML_MUTATIONS), XML_WEIGHTS)
            with contextlib.suppress(etree.XMLSyntaxError, IndexError, ValueError):
                more, members = XML_MUTATIONS[m2](rng, members)
                mutation += "; " + more
        data = rezip(members)
    return Case(
        seed, index, family, mutation, base.name, base.suffix, data, "workbook", marked=base.marked
    )


# ---- building the bases (once per run) -----------------------------------------------------------


@dataclass
class Sources:
    workbooks: list[Base]
    findings_books: list[Base]  # imported examples with findings (for the imitation family)
    noted: list[Base]  # the same with a user note whose author and text are slots
    corpus: list[Base]
    json: list[tuple[str, str]]
    token: str
    token_file: Path


def stable(data: bytes) -> bytes:
    """A package jixiao or openpyxl just wrote, made the same on every run: fixed dates
    (zip entries, core properties) and content types in sorted order, so that a case
    (seed, index) is the same bytes whenever it is rebuilt."""
    members = unzip(data)
    core = get(members, "docProps/core.xml")
    if core is not None:
        core = re.sub(
            rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", core
        )
        members = put(members, "docProps/core.xml", core)
    ct = get(members, "[Content_Types].xml")
    if ct is not None:
        items = re.findall(rb"<(?:Default|Override)\b[^>]*/>", ct)
        first = re.search(rb"<(?:Default|Override)\b", ct)
        if items and first and ct.rstrip().endswith(b"</Types>"):
            ordered = sorted(i for i in items if i.startswith(b"<Default")) + sorted(
                i for i in items if i.startswith(b"<Override")
            )
            members = put(
                members,
                "[Content_Types].xml",
                ct[: first.start()] + b"".join(ordered) + b"</Types>",
            )
    return rezip(members)


def _finding_notes(report: dict) -> tuple[tuple[str, str, str], ...]:
    """(sheet, cell, the note text jixiao writes there), for cells with findings."""
    by_cell: dict[tuple[str, str], list[str]] = {}
    for f in report.get("findings", []):
        if f.get("sheet") and f.get("cell"):
            by_cell.setdefault((f["sheet"], f["cell"]), []).append(
                f"【{f['severity']} {f['code']}】{f['message']}"
            )
    return tuple((s, c, "\n".join(lines)) for (s, c), lines in by_cell.items())


def _with_note(path: Path, out: Path, sheet: str, cell: str) -> None:
    import openpyxl  # noqa: PLC0415  (only when building bases: slow to import)
    from openpyxl.comments import Comment  # noqa: PLC0415

    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb[sheet][cell].comment = Comment(NOTE_SLOT, AUTHOR_SLOT)
    wb.save(out)


def build_sources(work: Path, run: Callable[[list[str]], tuple[int, str, str]]) -> Sources:
    """The bases, built in ``work`` (a temporary folder). ``run`` runs one jixiao command line
    in process and returns (exit code, stdout, stderr)."""
    import secrets  # noqa: PLC0415

    import openpyxl  # noqa: PLC0415

    work.mkdir(parents=True, exist_ok=True)
    token = "FUZZ-TOKEN-" + secrets.token_hex(8)
    token_file = work / "secret-token.txt"
    token_file.write_text(token, "utf-8")
    TOKEN_FILE[:] = [token_file]

    workbooks: list[Base] = []
    for p in sorted(TEMPLATES.glob("*.xls[xm]")):
        workbooks.append(Base(f"xlsx_templates/{p.name}", p.suffix, p.read_bytes(), "workbook"))
    findings_books: list[Base] = []
    noted: list[Base] = []
    for p in sorted(EXAMPLES.glob("*.json")):
        out = work / f"{p.stem}.xlsm"
        code, _, err = run(["import", str(p), "-o", str(out), "--force"])
        if code != 0:
            raise RuntimeError(f"cannot import {p.name}: {err}")
        data = stable(out.read_bytes())
        out.write_bytes(data)
        code, stdout, _ = run(["check", "--json", str(out)])
        notes = _finding_notes(json.loads(stdout)) if code in (0, 1) and stdout else ()
        imported = Base(f"import {p.name}", ".xlsm", data, "workbook", findings=notes)
        workbooks += [
            imported,
            Base(f"import {p.name} as .xlsx", ".xlsx", to_xlsx(data), "workbook", findings=notes),
        ]
        if notes:
            findings_books.append(imported)
            sheet, cell, _ = notes[0]
            noted_path = work / f"{p.stem}-noted.xlsm"
            _with_note(out, noted_path, sheet, cell)
            noted.append(
                Base(
                    f"import {p.name} + user note on {cell}",
                    ".xlsm",
                    stable(noted_path.read_bytes()),
                    "workbook",
                    findings=notes,
                )
            )
    # another writer's spelling of the same package: openpyxl re-saves one as .xlsx
    first = work / f"{sorted(EXAMPLES.glob('*.json'))[0].stem}.xlsm"
    resaved = work / "resaved.xlsx"
    wb = openpyxl.load_workbook(first)
    wb.save(resaved)
    workbooks.append(
        Base("import + openpyxl re-save", ".xlsx", stable(resaved.read_bytes()), "workbook")
    )
    # a workbook 校验 already marked: clear must cope with its damaged marks too
    for b in findings_books[:1]:
        src, val = work / "to-mark.xlsm", work / "marked.xlsm"
        src.write_bytes(b.data)
        run(["validate", str(src), "-o", str(val)])
        if val.exists():
            workbooks.append(
                Base(
                    b.name + " (validated)",
                    ".xlsm",
                    stable(val.read_bytes()),
                    "workbook",
                    marked=True,
                )
            )

    corpus: list[Base] = []
    for p in sorted(CORPUS.iterdir()):
        if p.name in NOT_CORPUS or not p.is_file():
            continue
        data = p.read_bytes()
        kind = "workbook" if data[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(data)) else "other"
        corpus.append(Base(f"bad_inputs/{p.name}", p.suffix, data, kind))
    texts = [(f"examples/{p.name}", p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    return Sources(workbooks, findings_books, noted, corpus, texts, token, token_file)
