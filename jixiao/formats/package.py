"""The OOXML package: its parts in order, byte for byte, and the few structures jixiao edits.

Relationships, content types and the sheet list are read and extended here; every part
that is not edited is written back exactly as it was read.
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from xml.parsers import expat

from lxml import etree

from jixiao.core.errors import InputError
from jixiao.formats.xml import parse, q

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


NS_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"


CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"


CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"


CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


# Level of the parts a copy rewrites (``Package.write(copy=True)``). On a marked unit
# workbook's sheets (6.5 MB of XML): level 1 55 ms and 1,110 KB, level 3 65 ms and 972 KB,
# zlib's default 6 154 ms and 793 KB. Parts left as they were keep their compressed bytes.
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
    # Members' elements as :func:`scan` found them, with the bytes scanned: workbook.xml
    # (hundreds of names) is wanted by clearing, marking and saving alike.
    scans: dict[str, tuple[bytes, list[Node]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def from_bytes(cls, data: bytes, shown: str | None = None) -> Package:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return cls.from_zip(data, z, shown=shown)

    @classmethod
    def from_zip(
        cls,
        data: bytes,
        z: zipfile.ZipFile,
        read: dict[str, bytes] | None = None,
        texts: dict[str, str] | None = None,
        shown: str | None = None,
    ) -> Package:
        """The package of the zip ``z`` over the file's bytes ``data``; ``read``: members
        already unpacked (by the grid reader), which are not unpacked again; ``texts``:
        some of those as UTF-8 text, exactly as ``text`` would decode them. A member
        that cannot be unpacked, or a name held twice, is an InputError naming it
        (``shown``: the file, for the message)."""
        read = read or {}
        infos: dict[str, zipfile.ZipInfo] = {}
        for info in z.infolist():
            if info.filename in infos:
                # A copy would keep only one of them, and readers disagree on which counts.
                raise InputError(
                    f"工作簿内部的 {info.filename} 部分出现了两次，无法确定使用哪一个：{REPAIR}",
                    file=shown,
                )
            infos[info.filename] = info
        parts = {n: read[n] if n in read else _unpack(z, infos[n], shown) for n in infos}
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
    def read(cls, path: Path, shown: str | None = None) -> Package:
        shown = str(path) if shown is None else shown
        try:
            data = Path(path).read_bytes()
        except OSError:
            raise InputError(
                "无法读取这个文件：请确认文件存在且没有被其他程序占用", file=shown
            ) from None
        try:
            return cls.from_bytes(data, shown)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):
            raise InputError(
                f"文件不是完好的 Excel 工作簿（zip 结构已损坏）：{REPAIR}", file=shown
            ) from None

    def text(self, name: str) -> str:
        """A member's text, decoded as its byte order mark or XML declaration says (UTF-8
        when neither does); :meth:`put` encodes text given back the same way. Raises
        UnicodeDecodeError when the bytes are not in that encoding, or it is unknown."""
        return _remembered(self.texts, name, self.data[name], decode_text)

    def scanned(self, name: str) -> list[Node]:
        """:func:`scan` of a member's bytes (ValueError as there), remembered until they
        change. The nodes are shared: callers only read them."""
        return _remembered(self.scans, name, self.data[name], scan)

    def put(self, name: str, text: str | bytes) -> None:
        data = encode_text(text, self.data.get(name, b"")) if isinstance(text, str) else text
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
            self.scans.pop(name, None)
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
        packed = self._compress_changed() if copy else {}
        with zipfile.ZipFile(target, "w") as z:
            for name in self.names:
                info = self.infos.get(name)
                if info is None:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                if copy and name not in self.edited and self._copy_member(z, info):
                    continue
                if name in packed:
                    _append_packed(z, info, self.data[name], packed[name])
                    continue
                level = FAST_LEVEL if copy else None
                z.writestr(
                    info, self.data[name], compress_type=info.compress_type, compresslevel=level
                )

    def _compress_changed(self) -> dict[str, tuple[int, bytes]]:
        """CRC and deflated bytes of every member a copy rewrites, at :data:`FAST_LEVEL`,
        shared with a second thread (zlib lets go of the GIL while it compresses: a
        marked workbook's sheets take half the time). A member missing from the result
        is compressed by ``writestr`` as before."""
        todo = [
            name
            for name in self.names
            if (name in self.edited or name not in self.infos)
            and self.infos.get(name, _DEFLATED_INFO).compress_type == zipfile.ZIP_DEFLATED
        ]
        todo.sort(key=lambda name: -len(self.data[name]))
        out: dict[str, tuple[int, bytes]] = {}

        def pack(names: list[str]) -> None:
            try:
                for name in names:
                    data = self.data[name]
                    z = zlib.compressobj(FAST_LEVEL, zlib.DEFLATED, -15)
                    out[name] = (zlib.crc32(data), z.compress(data) + z.flush())
            except MemoryError:  # the rest as before; a thread would print a traceback
                return

        if not todo:
            return out
        # Alternate by size, so that both threads get about half the bytes.
        other = threading.Thread(target=pack, args=(todo[1::2],), daemon=True)
        other.start()
        pack(todo[0::2])
        other.join()
        return out

    def _copy_member(self, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
        """Append ``info``'s member to ``z`` as compressed in the source; False when its
        bytes cannot be found there as expected (the member is then compressed afresh)."""
        start = info.header_offset
        head = self.source[start : start + _LOCAL_HEADER.size]
        if len(head) < _LOCAL_HEADER.size:
            return False
        fields = _LOCAL_HEADER.unpack(head)
        if fields[0] != _LOCAL_SIGNATURE or fields[4] != info.compress_type:
            return False
        name_at = start + _LOCAL_HEADER.size
        local_name = self.source[name_at : name_at + fields[-2]]
        if local_name not in (
            info.filename.encode("utf-8"),
            info.filename.encode("cp437", "replace"),
        ):
            return False  # the central directory points at another member's header
        begin = name_at + fields[-2] + fields[-1]  # after name and extra
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


_DECLARED = re.compile(
    rb"""^(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)"""
)


def _utf16(data: bytes) -> str | None:
    """The UTF-16 codec of a part that starts with a byte order mark or with "<"."""
    if data[:2] in (codecs.BOM_UTF16_LE, b"<\x00"):
        return "utf-16-le"
    if data[:2] in (codecs.BOM_UTF16_BE, b"\x00<"):
        return "utf-16-be"
    return None


def _declared(head: bytes) -> str:
    """The Python codec of the encoding an XML declaration names ("utf-8" when none)."""
    m = _DECLARED.match(head)
    if m is None:
        return "utf-8"
    try:
        return codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        raise UnicodeDecodeError("ascii", head, 0, len(head), "unknown declared encoding") from None


def decode_text(data: bytes) -> str:
    """A part's text. UTF-16 keeps its byte order mark (as U+FEFF), as UTF-8 does, so that
    :func:`encode_text` gives the same bytes back."""
    codec = _utf16(data)
    if codec is not None:
        return data.decode(codec)
    codec = _declared(data[:200])
    # A declaration read as ASCII: whatever it says, the bytes are not UTF-16.
    return data.decode("utf-8" if codec.startswith("utf-16") else codec)


def encode_text(text: str, before: bytes = b"") -> bytes:
    """Text as the bytes of a part: in the encoding its declaration names (UTF-16 in the
    byte order of the part's bytes ``before``, with a byte order mark), characters an
    8-bit code page lacks as character references."""
    head = text[:200].lstrip("\ufeff").encode("ascii", "replace")
    codec = _declared(head)
    if codec.startswith("utf-16") and not (before and _utf16(before) is None):
        order = (_utf16(before) if codec == "utf-16" else codec) or "utf-16-le"
        # The part's own byte order mark (kept in the text), or none where it had none.
        bare = before[:2] in (b"<\x00", b"\x00<") or text.startswith("\ufeff")
        return ("" if bare else "\ufeff").encode(order) + text.encode(order)
    if codec.startswith(("utf-8", "utf-16")):
        return text.encode("utf-8")
    return text.encode(codec, "xmlcharrefreplace")


REPAIR = (
    "请在 Excel 或 WPS 中打开（Excel 会提示修复），修复后另存为 .xlsx 或 .xlsm 再试；"
    "打不开时请向填报人索取原文件"
)


def _unpack(z: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str | None) -> bytes:
    """A member's bytes; what keeps them from being unpacked, said in Chinese."""
    try:
        return z.read(info)
    except NotImplementedError:
        why = "使用了不支持的压缩方式"
    except RuntimeError:  # encrypted
        why = "已加密"
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        why = "数据已损坏"
    raise InputError(f"工作簿内部的 {info.filename} 部分无法读取（{why}）：{REPAIR}", file=shown)


def check_xml_parts(pkg: Package, shown: str, skip: Iterable[str] = ()) -> None:
    """Refuse a package with an XML part (.xml, .rels, .vml) that is not well-formed, as
    ``jixiao clear`` would: a copy written from it could not be cleared. ``skip``: parts
    already parsed (the sheets the reader read)."""
    done = set(skip)
    for name in pkg.names:
        if name in done or not name.lower().endswith((".xml", ".rels", ".vml")):
            continue
        p = expat.ParserCreate()
        try:
            p.Parse(pkg.data[name], True)
        except expat.ExpatError as e:
            raise InputError(
                f"工作簿内部的 {name} 部分已损坏（XML 格式错误，第 {e.lineno} 行第 {e.offset + 1} 列）："
                f"{REPAIR}",
                file=shown,
            ) from None
        except ValueError:  # "multi-byte encodings are not supported" (GBK, Shift_JIS …)
            raise InputError(
                f"工作簿内部的 {name} 部分使用了 jixiao 无法读取的字符编码：{REPAIR}", file=shown
            ) from None


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


T = TypeVar("T")


def _remembered(
    store: dict[str, tuple[bytes, T]], name: str, data: bytes, make: Callable[[bytes], T]
) -> T:
    """``make(data)``, kept in ``store`` with the bytes it was made of and made again once
    the member's bytes are others (compared by identity: a put gives new bytes)."""
    known = store.get(name)
    if known is not None and known[0] is data:
        return known[1]
    made = make(data)
    store[name] = (data, made)
    return made


_DEFLATED_INFO = zipfile.ZipInfo("")
_DEFLATED_INFO.compress_type = zipfile.ZIP_DEFLATED


def _append_packed(
    z: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, packed: tuple[int, bytes]
) -> None:
    """Append a member already compressed (CRC, raw deflate bytes), as
    ``ZipFile.writestr`` records a member it wrote (Python 3.8–3.13)."""
    crc, raw = packed
    out = copy_info(info) if hasattr(info, "CRC") else info  # else a member jixiao adds
    out.compress_type = zipfile.ZIP_DEFLATED
    out.CRC, out.file_size, out.compress_size = crc, len(data), len(raw)
    assert z.fp is not None
    out.header_offset = z.fp.tell()
    z.fp.write(out.FileHeader(zip64=False))
    z.fp.write(raw)
    z.filelist.append(out)
    z.NameToInfo[out.filename] = out
    z.start_dir = z.fp.tell()


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
    """(Id, Type, target part) of a part's internal relationships, whatever prefix the
    rels part uses; none when it has none or cannot be read."""
    name = rels_name(part)
    if name not in pkg.data:
        return []
    try:
        root = parse(pkg.data[name])
    except etree.XMLSyntaxError:
        return []
    out = []
    # Also in no namespace, as the string search this replaces read them.
    for rel in root.iter(q("Relationship", NS_PKG_REL), "Relationship"):
        rid, kind, target = rel.get("Id"), rel.get("Type"), rel.get("Target")
        if rel.get("TargetMode") == "External" or not rid or not kind or target is None:
            continue
        out.append((rid, kind, resolve_target(part, target)))
    return out


def asks_recalculation(pkg: Package) -> bool:
    """Whether the workbook asks to be recalculated when it is opened (fullCalcOnLoad)."""
    data = pkg.data.get("xl/workbook.xml", b"")
    if b"fullCalcOnLoad" not in data:
        return False
    return any(
        n.attrs.get("fullCalcOnLoad") in ("1", "true")
        for n in pkg.scanned("xl/workbook.xml")
        if n.tag == "calcPr" and n.ns in (NS_MAIN, "")
    )


def sheet_parts(pkg: Package) -> dict[str, str]:
    """Sheet name -> worksheet part, whatever prefixes workbook.xml uses."""
    rels = {rid: target for rid, _, target in relationships(pkg, "xl/workbook.xml")}
    out = {}
    for n in pkg.scanned("xl/workbook.xml"):
        if n.tag == "sheet" and n.ns in (NS_MAIN, ""):
            rid = n.attrs.get(f"{REL_BASE} id")
            if rid in rels and "name" in n.attrs:
                out[n.attrs["name"]] = rels[rid]
    return out


def unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


# ---- XML located without a tree: elements with their byte offsets ----------------------
#
# A part jixiao edits is changed only where a mark goes in: elements are found by
# namespace and name (expat, whatever prefix or attribute order a writer chose), and
# snippets spliced in at their byte offsets, so the rest of the part stays byte for byte.


@dataclass
class Node:
    """An element of a scanned part: namespace, local name and byte offsets."""

    ns: str
    tag: str
    depth: int
    attrs: dict[str, str]  # prefixed attributes as "namespace local"
    start: int  # the "<" of its start tag
    open_end: int  # just after its start tag
    close: int = -1  # the "<" of its end tag (= open_end for an empty element)
    end: int = -1  # just after the element
    default_ns: str = ""  # the default namespace inside it

    @property
    def empty(self) -> bool:
        return self.close == self.open_end and self.end == self.open_end

    def is_(self, tag: str, ns: str = NS_MAIN) -> bool:
        return self.tag == tag and self.ns == ns


# A tag up to its ">": runs of other bytes and quoted values (which may hold ">").
_TAG = re.compile(rb"""[^"'>]*+(?:(?:"[^"]*+"|'[^']*+')[^"'>]*+)*+>""")


def tag_end(data: bytes, at: int) -> int:
    """The offset just after the tag starting at ``at`` (quoted ">" skipped)."""
    m = _TAG.match(data, at)
    if m is None:
        raise ValueError("unterminated tag")
    return m.end()


class _Stop(Exception):
    pass


class ScanError(ValueError):
    """A part that expat cannot read: not well-formed, or in an encoding it lacks."""


def scan(data: bytes, *, utf8: bool = False, first: bool = False) -> list[Node]:
    """The elements of an XML part, in document order, with their byte offsets; raises
    ValueError when the part is not well-formed. ``utf8``: the bytes are UTF-8 whatever
    their declaration says (a UTF-16 part transcoded, see :func:`to_utf8`); ``first``:
    stop after the root's start tag."""
    p = expat.ParserCreate("UTF-8" if utf8 else None, " ")
    nodes: list[Node] = []
    stack: list[Node] = []
    declared: list[str | None] = [None]

    def on_ns(prefix: str | None, uri: str | None) -> None:
        if prefix is None:
            declared[0] = uri or ""

    def on_start(name: str, attrs: dict[str, str]) -> None:
        at = p.CurrentByteIndex
        ns, _, tag = name.rpartition(" ")
        outer = stack[-1].default_ns if stack else ""
        node = Node(ns, tag, len(stack), attrs, at, tag_end(data, at))
        node.default_ns = outer if declared[0] is None else declared[0]
        declared[0] = None
        nodes.append(node)
        stack.append(node)
        if first:
            raise _Stop

    def on_end(name: str) -> None:
        at = p.CurrentByteIndex
        node = stack.pop()
        if data[node.open_end - 2 : node.open_end] == b"/>":
            node.close = node.end = node.open_end
        else:
            node.close, node.end = at, tag_end(data, at)

    p.StartNamespaceDeclHandler = on_ns
    p.StartElementHandler = on_start
    p.EndElementHandler = on_end
    try:
        p.Parse(data, True)
    except _Stop:
        pass
    except (expat.ExpatError, ValueError, IndexError) as e:
        raise ScanError("not well-formed XML") from e
    return nodes


def scan_sheet(data: bytes) -> list[Node]:
    """The root and the elements after the cells of a worksheet part, with offsets in
    ``data``. The cells (most of a sheet's bytes) are skipped: the root's start tag and
    what follows ``sheetData`` are scanned as one small document."""
    root = scan(data, first=True)[0]
    cut = data.rfind(b"sheetData")
    if cut > root.open_end:
        try:
            tail = tag_end(data, cut)
        except ValueError:
            return scan(data)
        try:
            nodes = scan(data[: root.open_end] + data[tail:])
        except ValueError:
            return scan(data)  # "sheetData" also in the text after the cells
        shift = tail - root.open_end
        for n in nodes[1:]:
            n.start, n.open_end, n.close, n.end = (
                n.start + shift,
                n.open_end + shift,
                n.close + shift,
                n.end + shift,
            )
        nodes[0].close += shift
        nodes[0].end += shift
        return nodes
    return scan(data)


def to_utf8(data: bytes) -> tuple[bytes, str | None]:
    """A part as UTF-8 bytes to edit, and how to give them back (None: as they are).
    UTF-16 parts are transcoded, losslessly both ways; parts in 8-bit code pages are
    edited as they are (the snippets inserted are ASCII)."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[2:].decode(codec, "surrogatepass").encode("utf-8", "surrogatepass"), (
                codec + "+bom"
            )
    for start, codec in ((b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be")):
        if data.startswith(start):
            return data.decode(codec, "surrogatepass").encode("utf-8", "surrogatepass"), codec
    return data, None


def from_utf8(data: bytes, codec: str | None) -> bytes:
    if codec is None:
        return data
    name, bom, _ = codec.partition("+")
    out = data.decode("utf-8", "surrogatepass").encode(name, "surrogatepass")
    return (
        (codecs.BOM_UTF16_LE if name.endswith("le") else codecs.BOM_UTF16_BE) + out if bom else out
    )


def root_of(nodes: list[Node]) -> Node:
    return nodes[0]


def children(nodes: list[Node], parent: Node) -> list[Node]:
    """The child elements of ``parent`` among the scanned ``nodes``."""
    return [n for n in nodes if n.depth == parent.depth + 1 and parent.start < n.start < parent.end]


def first_of(
    nodes: list[Node], parent: Node, tags: Iterable[str], ns: str = NS_MAIN
) -> Node | None:
    wanted = set(tags)
    return next((n for n in children(nodes, parent) if n.ns == ns and n.tag in wanted), None)


def has_default(pkg: Package, extension: str) -> bool:
    """Whether [Content_Types].xml has a Default for ``extension`` (any spelling)."""
    nodes = pkg.scanned("[Content_Types].xml")
    return any(
        n.is_("Default", NS_TYPES) and n.attrs.get("Extension", "").lower() == extension.lower()
        for n in nodes
    )


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
