"""The OOXML package: its parts in order, byte for byte, and the few structures jixiao edits.

Relationships, content types and the sheet list are read and extended here; every part
that is not edited is written back exactly as it was read.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.core.errors import InputError
from jixiao.formats.xml import parse, q

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"


CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"


CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


# Level of the parts a copy rewrites (``Package.write(copy=True)``): zlib's fastest
# "deflate_fast" level, about six times faster than the default 6 for a marked sheet, the
# part some 15% larger. Parts left as they were keep their compressed bytes.
FAST_LEVEL = 3

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DATA_DESCRIPTOR = 0x08


@dataclass
class Package:
    """The members of a zip package, in order, with their bytes."""

    names: list[str]
    data: dict[str, bytes]
    infos: dict[str, zipfile.ZipInfo]
    # The file the package was read from, and the members changed since: a copy written
    # with ``write(copy=True)`` takes the others' compressed bytes from it as they are.
    source: bytes = b""
    edited: set[str] = field(default_factory=set)
    # Members' text as decoded, with the bytes it was decoded from (text() decodes again
    # when a member's bytes are no longer those): a sheet is several megabytes of XML
    # that the reader, clearing old marks and marking each decode otherwise.
    texts: dict[str, tuple[bytes, str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_bytes(cls, data: bytes) -> Package:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return cls.from_zip(data, z)

    @classmethod
    def from_zip(
        cls,
        data: bytes,
        z: zipfile.ZipFile,
        read: dict[str, bytes] | None = None,
        texts: dict[str, str] | None = None,
    ) -> Package:
        """The package of the zip ``z`` over the file's bytes ``data``; ``read``: members
        already unpacked (by the grid reader), which are not unpacked again; ``texts``:
        some of those as UTF-8 text, exactly as ``text`` would decode them."""
        read = read or {}
        infos = {i.filename: i for i in z.infolist()}
        parts = {n: read[n] if n in read else z.read(n) for n in infos}
        pkg = cls(list(infos), parts, infos, data)
        for name, text in (texts or {}).items():
            if name in read:
                pkg.texts[name] = (read[name], text)
        return pkg

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._write_to(buffer)
        return buffer.getvalue()

    @classmethod
    def read(cls, path: Path) -> Package:
        try:
            return cls.from_bytes(Path(path).read_bytes())
        except (zipfile.BadZipFile, OSError) as e:
            raise InputError(f"无法读取工作簿（{e}）", file=str(path)) from None

    def text(self, name: str) -> str:
        data = self.data[name]
        known = self.texts.get(name)
        if known is not None and known[0] is data:
            return known[1]
        text = data.decode("utf-8")
        self.texts[name] = (data, text)
        return text

    def put(self, name: str, text: str | bytes) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        if name not in self.data:
            self.names.append(name)
        elif self.data[name] == data:
            return  # unchanged: a copy keeps its compressed bytes
        self.data[name] = data
        self.edited.add(name)
        if isinstance(text, str):
            self.texts[name] = (data, text)

    def remove(self, name: str) -> None:
        if name in self.data:
            self.names.remove(name)
            del self.data[name]
            self.texts.pop(name, None)
            self.infos.pop(name, None)
            self.edited.discard(name)

    def write(self, path: Path, *, copy: bool = False) -> None:
        """Write the package to ``path`` (through a temporary file beside it).

        ``copy``: a copy of the file read, as ``jixiao validate`` and ``clear`` write it:
        members not changed since are copied as compressed in the file, byte for byte,
        and the changed ones compressed at :data:`FAST_LEVEL`. Otherwise every member is
        compressed afresh at zlib's default level (the templates jixiao builds)."""
        tmp = path.with_name(path.name + ".jixiao-tmp")
        with open(tmp, "wb") as f:
            self._write_to(f, copy=copy)
        tmp.replace(path)

    def _write_to(self, target: Any, *, copy: bool = False) -> None:
        with zipfile.ZipFile(target, "w") as z:
            for name in self.names:
                info = self.infos.get(name)
                if info is None:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                if copy and name not in self.edited and self._copy_member(z, info):
                    continue
                level = FAST_LEVEL if copy else None
                z.writestr(
                    info, self.data[name], compress_type=info.compress_type, compresslevel=level
                )

    def _copy_member(self, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
        """Append ``info``'s member to ``z`` as compressed in the source; False when its
        bytes cannot be found there as expected (the member is then compressed afresh)."""
        start = info.header_offset
        head = self.source[start : start + _LOCAL_HEADER.size]
        if len(head) < _LOCAL_HEADER.size:
            return False
        fields = _LOCAL_HEADER.unpack(head)
        if fields[0] != _LOCAL_SIGNATURE:
            return False
        begin = start + _LOCAL_HEADER.size + fields[-2] + fields[-1]  # after name and extra
        raw = self.source[begin : begin + info.compress_size]
        if len(raw) != info.compress_size:
            return False
        out = copy_info(info)
        assert z.fp is not None
        out.header_offset = z.fp.tell()
        z.fp.write(out.FileHeader(zip64=False))
        z.fp.write(raw)
        # What ZipFile.writestr records of a member it wrote (Python 3.8–3.13).
        z.filelist.append(out)
        z.NameToInfo[out.filename] = out
        z.start_dir = z.fp.tell()
        return True


def copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A member's header for a copy: sizes and CRC in the header itself (no data
    descriptor after the data) and no ZIP64 field (a workbook is far below 4 GB)."""
    out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    for attr in (
        "compress_type", "comment", "create_system", "create_version", "extract_version",
        "reserved", "flag_bits", "volume", "internal_attr", "external_attr", "CRC",
        "compress_size", "file_size",
    ):  # fmt: skip
        setattr(out, attr, getattr(info, attr))
    out.flag_bits &= ~_DATA_DESCRIPTOR
    out.extra = _without_zip64(info.extra)
    return out


def _without_zip64(extra: bytes) -> bytes:
    """The extra field without its ZIP64 record (header id 1)."""
    out, at = b"", 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        if kind != 1:
            out += extra[at : at + 4 + size]
        at += 4 + size
    return out


def rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve_target(part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def relationships(pkg: Package, part: str) -> list[tuple[str, str, str]]:
    """(Id, Type, target part) of a part's relationships."""
    name = rels_name(part)
    if name not in pkg.data:
        return []
    out = []
    for m in re.finditer(r"<Relationship\b([^>]*)/>", pkg.text(name)):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if attrs.get("TargetMode") == "External":
            continue
        out.append((attrs["Id"], attrs["Type"], resolve_target(part, attrs["Target"])))
    return out


def asks_recalculation(pkg: Package) -> bool:
    """Whether the workbook asks to be recalculated when it is opened (fullCalcOnLoad)."""
    return bool(re.search(rb'<calcPr\b[^>]*fullCalcOnLoad="(1|true)"', pkg.data["xl/workbook.xml"]))


def sheet_parts(pkg: Package) -> dict[str, str]:
    """Sheet name -> worksheet part."""
    wb = pkg.text("xl/workbook.xml")
    rels = {rid: target for rid, _, target in relationships(pkg, "xl/workbook.xml")}
    out = {}
    for m in re.finditer(r"<sheet\b([^>]*)/>", wb):
        attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', m.group(1)))
        rid = attrs.get("r:id")
        if rid in rels:
            out[unescape(attrs["name"])] = rels[rid]
    return out


def unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def insert_before_first(xml: str, tags: Iterable[str], snippet: str, root_close: str) -> str:
    """``snippet`` inserted before the first of ``tags`` (else before ``root_close``); in a
    worksheet, looked for after the cells (an ``extLst`` may sit inside a cell)."""
    start = xml.find("</sheetData>")
    pattern = "|".join(re.escape(t) for t in tags)
    m = re.compile(rf"<(?:{pattern})[\s/>]").search(xml, max(start, 0)) if pattern else None
    at = m.start() if m else xml.rindex(root_close)
    return xml[:at] + snippet + xml[at:]


def add_relationship(pkg: Package, part: str, rel_type: str, target_part: str, prefix: str) -> str:
    """Add a relationship with a fresh Id starting ``prefix``; its Id."""
    name = rels_name(part)
    text = (
        pkg.text(name)
        if name in pkg.data
        else '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    )
    used = set(re.findall(r'Id="([^"]+)"', text))
    k = 1
    while f"{prefix}{k}" in used:
        k += 1
    rid = f"{prefix}{k}"
    target = posixpath.relpath(target_part, posixpath.dirname(part))
    snippet = f'<Relationship Id="{rid}" Type="{REL_BASE}/{rel_type}" Target="{target}"/>'
    pkg.put(name, text.replace("</Relationships>", snippet + "</Relationships>"))
    return rid


def remove_relationships(pkg: Package, part: str, prefix: str) -> None:
    """Remove the relationships whose Id starts ``prefix``; a rels part left empty goes."""
    name = rels_name(part)
    if name not in pkg.data:
        return
    text = re.sub(rf'<Relationship Id="{prefix}\d+"[^>]*/>', "", pkg.text(name))
    if re.fullmatch(r"<\?xml[^>]*\?>\s*<Relationships [^>]*></Relationships>", text):
        pkg.remove(name)  # we made this rels part
    else:
        pkg.put(name, text)


def add_content_type(pkg: Package, snippet: str) -> None:
    text = pkg.text("[Content_Types].xml")
    if snippet not in text:
        pkg.put("[Content_Types].xml", text.replace("</Types>", snippet + "</Types>"))


def remove_content_type(pkg: Package, snippet: str) -> None:
    text = pkg.text("[Content_Types].xml")
    if snippet in text:
        pkg.put("[Content_Types].xml", text.replace(snippet, ""))


def override(part: str, content_type: str) -> str:
    return f'<Override PartName="/{part}" ContentType="{content_type}"/>'


VML_DEFAULT = f'<Default Extension="vml" ContentType="{CT_VML}"/>'


def shared_strings(pkg: Package) -> list[str]:
    """The workbook's shared strings, by index ("" where a rich run has no text)."""
    if "xl/sharedStrings.xml" not in pkg.data:
        return []
    root = parse(pkg.data["xl/sharedStrings.xml"])
    return ["".join(si.itertext()) for si in root.findall(q("si"))]


def sheet_rows(pkg: Package, part: str) -> list[list[str]]:
    """The cells of a worksheet part as text, row by row from row 1 (for small sheets:
    our 校验结果). Shared strings, inline strings, numbers and booleans are read."""
    root = parse(pkg.data[part])
    strings: list[str] | None = None
    grid: dict[int, dict[int, str]] = {}
    for c in root.iter(q("c")):
        ref = c.get("r", "")
        m = re.fullmatch(r"([A-Z]{1,3})(\d+)", ref)
        if m is None:
            continue
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        row, kind = int(m.group(2)), c.get("t", "n")
        if kind == "inlineStr":
            text = "".join(t.text or "" for t in c.iter(q("t")))
        else:
            v = c.find(q("v"))
            text = v.text or "" if v is not None else ""
            if kind == "s" and text.isdigit():
                strings = shared_strings(pkg) if strings is None else strings
                k = int(text)
                text = strings[k] if k < len(strings) else ""
        grid.setdefault(row, {})[col] = text
    if not grid:
        return []
    width = max(max(cols) for cols in grid.values())
    return [
        [grid.get(r, {}).get(c, "") for c in range(1, width + 1)] for r in range(1, max(grid) + 1)
    ]
