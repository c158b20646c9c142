"""The OOXML package: its parts in order, byte for byte, and the few structures jixiao edits.

Relationships, content types and the sheet list are read and extended here; every part
that is not edited is written back exactly as it was read.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jixiao.core.errors import InputError
from jixiao.formats.xml import parse, q

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"


CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"


CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


@dataclass
class Package:
    """The members of a zip package, in order, with their bytes."""

    names: list[str]
    data: dict[str, bytes]
    infos: dict[str, zipfile.ZipInfo]

    @classmethod
    def from_bytes(cls, data: bytes) -> Package:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = {i.filename: i for i in z.infolist()}
            return cls(list(infos), {n: z.read(n) for n in infos}, infos)

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
        return self.data[name].decode("utf-8")

    def put(self, name: str, text: str | bytes) -> None:
        if name not in self.data:
            self.names.append(name)
        self.data[name] = text.encode("utf-8") if isinstance(text, str) else text

    def remove(self, name: str) -> None:
        if name in self.data:
            self.names.remove(name)
            del self.data[name]
            self.infos.pop(name, None)

    def write(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".jixiao-tmp")
        with open(tmp, "wb") as f:
            self._write_to(f)
        tmp.replace(path)

    def _write_to(self, target: Any) -> None:
        with zipfile.ZipFile(target, "w") as z:
            for name in self.names:
                info = self.infos.get(name)
                if info is None:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, self.data[name], compress_type=info.compress_type)


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
