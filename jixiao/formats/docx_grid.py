"""The tables of a Word report (.docx) as grids of cells, so forms in them read like sheets.

Every table in the body of the document becomes one :class:`SheetGrid`, named "表1",
"表2", … in document order; a table nested in a table cell is a table of its own and
comes right after the table that holds it (its text is not part of the outer cell).
Tables in text boxes, headers, footers, footnotes and comments are not read.

A grid cell is a cell of the table's layout grid (``w:tblGrid``): a row starts at the
column after the ones it skips (``w:gridBefore``) and each cell takes as many columns as
its ``w:gridSpan``, so a cell spanning 3 grid columns takes 3 columns and is recorded as
a merge; cells merged down (``w:vMerge`` restart … continue) and the old horizontal
merges (``w:hMerge``) become merges too. The text sits in the top-left cell of a merge.

A cell's text is its paragraphs joined with "\\n" (tabs and line breaks as typed, text
deleted with tracked changes, field codes and hidden text left out, symbols inserted from
the Symbol and Wingdings fonts such as ≥ and √ as the characters they show), with
trailing whitespace stripped (of each line and of the whole). Everything stays text exactly as typed — "88.16", "100%",
"≥95%" — since a Word table holds nothing else; empty cells are absent. There are no
formulas (``formulas=None``, ``with_formulas=False``) and no number formats.

Addresses: a finding in a Word table is best named as a Word user sees it,
:func:`word_address` (``第5行第4列``, 1-based row and grid column).

Nothing but :class:`jixiao.core.errors.InputError` leaves :func:`read_docx_grid`.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from jixiao.core.errors import InputError
from jixiao.formats.grid import MAX_COLS, BookGrid, SheetGrid, row_limit
from jixiao.formats.xlsx_file import (
    MAX_MEMBERS,
    MAX_PART_BYTES,
    MAX_UNPACKED_BYTES,
    PICTURE_HINT,
    picture_kind,
)
from jixiao.formats.xml import parse

__all__ = ["MAX_DOCX_BYTES", "read_docx_grid", "word_address"]

MAX_DOCX_BYTES = 50 * 1024 * 1024
"""Largest .docx accepted (50 MB): a report with photographs is larger than a workbook."""

_MB = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MAIN_PART = "word/document.xml"
_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}
_MISSING_ITEM = re.compile(r"There is no item named '([^']+)' in the archive")
_OFFICE_DOCUMENT_REL = re.compile(
    rb'<Relationship\b[^>]*\bType="[^"]*/officeDocument"[^>]*\bTarget="/?([^"]+)"'
    rb'|<Relationship\b[^>]*\bTarget="/?([^"]+)"[^>]*\bType="[^"]*/officeDocument"'
)

_SAVE_AS = "请在 Word 或 WPS 中打开，另存为 Word 文档（.docx）后再用"
_REPAIR = (
    "请在 Word 或 WPS 中打开（Word 会提示修复），修复后另存为 .docx 再试；"
    "打不开时请向填报人索取原文件"
)
_PASSWORD = (
    "Word 文档设置了打开密码（已加密），jixiao 无法读取：请在 Word 或 WPS 中输入密码打开，"
    "取消密码（Word：文件→信息→保护文档→用密码进行加密，清空密码；"
    "WPS：文件→文档加密→密码加密，清空密码）并保存后再试"
)

# Symbols inserted from a symbol font are stored as w:sym (font, private-use code);
# the ones a form uses, as the characters they show.
_SYMBOLS = {
    "symbol": {
        0xB3: "≥", 0xA3: "≤", 0xB1: "±", 0xB4: "×", 0xB8: "÷", 0xB9: "≠", 0xB0: "°",
        0xBB: "≈", 0xAE: "→", 0xD6: "√", 0x3C: "<", 0x3E: ">", 0x3D: "=", 0x25: "%",
        0x2B: "+", 0x2D: "-",
    },
    "wingdings": {0xFC: "√", 0xFB: "×", 0xFE: "☑", 0xFD: "☒", 0xA8: "☐", 0x6F: "☐"},
    "wingdings 2": {0x50: "√", 0x4F: "×", 0x52: "☑", 0x54: "☒", 0xA3: "☐", 0x2A: "☐"},
}  # fmt: skip


def word_address(row: int, col: int) -> str:
    """A cell of a Word table as a Word user finds it: ``第5行第4列`` (1-based row and
    column of the table's layout grid)."""
    return f"第{row}行第{col}列"


def read_docx_grid(path: Path, source: str | None = None) -> BookGrid:
    """Every table of the Word document at ``path`` (``source`` names it in messages)."""
    path = Path(path)
    shown = source or str(path)
    data = _read(path, shown)
    kind = _sniff(data)
    if kind == "ole":
        raise InputError(_ole_message(data, path.suffix.lower()), file=shown)
    if kind != "zip":
        raise InputError(_other_message(data, path), file=shown)
    _check_zip(data, shown)
    body = _body(data, shown)
    try:
        return _book_grid(body, shown)
    except MemoryError:
        raise InputError(_TOO_MUCH, file=shown) from None
    except Exception:  # never anything but InputError
        raise InputError(f"无法读取文档中的表格：内部结构有误：{_REPAIR}", file=shown) from None


_TOO_MUCH = "文档内容过多，内存不足以读取：请删除多余的图片后另存为 .docx 再试"


# ---- the tables -------------------------------------------------------------------------


@dataclass
class _Span:
    """One cell of the table as laid out: its text and the grid cells it covers."""

    row: int
    col: int
    last_row: int
    last_col: int
    text: str


class _Ns:
    def __init__(self, w: str) -> None:
        self.w = w
        self.tbl, self.tr, self.tc = f"{{{w}}}tbl", f"{{{w}}}tr", f"{{{w}}}tc"
        self.p = f"{{{w}}}p"
        self.wrappers = {f"{{{w}}}sdt", f"{{{w}}}sdtContent", f"{{{w}}}customXml"}
        self.txbx = f"{{{w}}}txbxContent"

    def attr(self, el: Any, path: str) -> str | None:
        """The w:val of the element at ``path`` (e.g. "w:tcPr/w:gridSpan") under ``el``."""
        found = el.find(path.replace("w:", f"{{{self.w}}}"))
        if found is None:
            return None
        return found.get(f"{{{self.w}}}val", "")


def _book_grid(body: Any, shown: str) -> BookGrid:
    ns = _Ns(etree.QName(body).namespace or "")
    book = BookGrid(shown, with_formulas=False)
    tables = (t for t in body.iter(ns.tbl) if not any(a.tag == ns.txbx for a in t.iterancestors()))
    limit = row_limit()
    preambles = _preambles(body, ns)
    for number, tbl in enumerate(tables, 1):
        grid = _table_grid(tbl, f"表{number}", ns, limit)
        grid.preamble = preambles.get(tbl, ())
        book.sheets.append(grid)
    return book


_PREAMBLE_LINES = 6  # paragraphs kept above a table: its attachment line, title, year, unit …
_PREAMBLE_CHARS = 200  # longer paragraphs are the report's prose, not a form's heading


def _preambles(body: Any, ns: _Ns) -> dict[Any, tuple[str, ...]]:
    """The short paragraphs right above each table of the body (since the table or the
    prose before it): the form's title, "（2023年度）", "单位名称：某某" printed outside the
    table in Word."""
    out: dict[Any, tuple[str, ...]] = {}
    lines: list[str] = []
    for el in _blocks(body, ns):
        if el.tag == ns.tbl:
            out[el] = tuple(lines[-_PREAMBLE_LINES:])
            lines = []
            continue
        text = " ".join(_paragraph_text(el, ns).split())
        if len(text) > _PREAMBLE_CHARS:
            lines = []  # the report's prose: what came before it is no heading of the table
        elif text:
            lines.append(text)
    return out


def _blocks(parent: Any, ns: _Ns) -> Iterator[Any]:
    """The body's paragraphs and tables in document order (also inside content controls)."""
    for child in parent:
        if child.tag in (ns.p, ns.tbl):
            yield child
        elif child.tag in ns.wrappers:
            yield from _blocks(child, ns)


def _table_grid(tbl: Any, title: str, ns: _Ns, limit: int) -> SheetGrid:
    grid = SheetGrid(title, formulas=None, number_formats={})
    spans: list[_Span] = []
    above: dict[int, _Span] = {}  # grid column where a cell starts -> that cell, previous row
    for row, tr in enumerate(_children(tbl, ns.tr, ns), 1):
        if row > limit:
            break
        col = 1 + _count(ns.attr(tr, "w:trPr/w:gridBefore"), 0, least=0)
        here: dict[int, _Span] = {}
        previous: _Span | None = None
        for tc in _children(tr, ns.tc, ns):
            width = _count(ns.attr(tc, "w:tcPr/w:gridSpan"), 1, least=1)
            vmerge = ns.attr(tc, "w:tcPr/w:vMerge")
            hmerge = ns.attr(tc, "w:tcPr/w:hMerge")
            last = col + width - 1
            if hmerge is not None and hmerge != "restart" and previous is not None:
                previous.last_col = last  # an old-style horizontal merge: part of the cell before
            elif vmerge is not None and vmerge != "restart" and col in above:
                span = above[col]  # merged with the cell above: that cell reaches this row
                span.last_row = row
                span.last_col = max(span.last_col, last)
                here[col] = previous = span
            else:
                span = _Span(row, col, row, last, _cell_text(tc, ns))
                spans.append(span)
                here[col] = previous = span
            col = last + 1
        above = here
    for span in spans:
        if span.col > MAX_COLS:
            continue
        if span.text:
            grid.values[(span.row, span.col)] = span.text
        if span.last_row > span.row or span.last_col > span.col:
            grid.merges.append((span.col, span.row, span.last_col, span.last_row))
    return grid


def _children(parent: Any, tag: str, ns: _Ns) -> Iterator[Any]:
    """``parent``'s children with ``tag``, also those wrapped in content controls
    (w:sdt/w:sdtContent) and custom XML."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in ns.wrappers:
            yield from _children(child, tag, ns)


def _count(value: str | None, default: int, *, least: int) -> int:
    """A w:val count (gridSpan, gridBefore); ``default`` when missing or not a number,
    capped so that a damaged value cannot push cells beyond any table."""
    try:
        n = int(value) if value else default
    except ValueError:
        return default
    return min(max(n, least), MAX_COLS + 1)


def _cell_text(tc: Any, ns: _Ns) -> str:
    lines = [_paragraph_text(p, ns).rstrip() for p in _children(tc, ns.p, ns)]
    return "\n".join(lines).rstrip()


def _paragraph_text(p: Any, ns: _Ns) -> str:
    out: list[str] = []
    _walk(p, ns, out)
    return "".join(out)


# Subtrees with no text a reader sees: properties, deleted text (tracked changes), field
# codes, drawings and text boxes, ruby annotations, nested tables.
_SKIP = {
    "pPr", "rPr", "del", "moveFrom", "delText", "instrText", "delInstrText", "drawing",
    "pict", "object", "rt", "tbl", "txbxContent", "fldChar",
}  # fmt: skip
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_MATH = "http://schemas.openxmlformats.org/officeDocument/2006/math"


def _walk(el: Any, ns: _Ns, out: list[str]) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions
        q = etree.QName(tag)
        if q.namespace == _MC:
            continue  # mc:AlternateContent holds drawings (text boxes), not run text
        if q.namespace == _MATH:
            if q.localname == "t":
                out.append(child.text or "")
            else:
                _walk(child, ns, out)
            continue
        if q.namespace != ns.w:
            _walk(child, ns, out)  # e.g. a smart tag from another namespace
            continue
        name = q.localname
        if name in _SKIP:
            continue
        if name == "t":
            out.append(child.text or "")
        elif name in ("tab", "ptab"):
            out.append("\t")
        elif name in ("br", "cr"):
            out.append("\n")
        elif name == "noBreakHyphen":
            out.append("-")
        elif name == "sym":
            out.append(_symbol(child, ns))
        elif name == "r" and _hidden(child, ns):
            continue
        else:
            _walk(child, ns, out)


def _hidden(run: Any, ns: _Ns) -> bool:
    value = ns.attr(run, "w:rPr/w:vanish")
    return value is not None and value not in ("0", "false", "off")


def _symbol(sym: Any, ns: _Ns) -> str:
    font = (sym.get(f"{{{ns.w}}}font") or "").strip().lower()
    try:
        code = int(sym.get(f"{{{ns.w}}}char") or "", 16)
    except ValueError:
        return ""
    if code >= 0xF000:  # the private-use copy of the font's 8-bit code
        code -= 0xF000
    return _SYMBOLS.get(font, {}).get(code, "")


# ---- opening the file -------------------------------------------------------------------


def _body(data: bytes, shown: str) -> Any:
    """The w:body of the main document part, read with python-docx."""
    # python-docx is loaded with the first Word document: validate and review of
    # workbooks import this module (word_address) and need none of its 40 ms.
    from docx.package import Package  # noqa: PLC0415

    try:
        part = Package.open(io.BytesIO(data)).main_document_part
        if part.content_type not in _MAIN_TYPES:
            raise InputError(_not_word_message(part.content_type), file=shown)
        element = getattr(part, "element", None)  # .docm, .dotx: a part python-docx keeps as bytes
        root = element if element is not None else parse(part.blob)
    except InputError:
        raise
    except MemoryError:
        raise InputError(_TOO_MUCH, file=shown) from None
    except Exception as e:  # never anything but InputError
        raise InputError(_explain(e, data), file=shown) from None
    body = next((child for child in root if etree.QName(child).localname == "body"), None)
    if body is None:
        raise InputError(f"文档内部缺少正文部分（w:body），文件不完整：{_REPAIR}", file=shown)
    return body


def _explain(e: Exception, data: bytes) -> str:
    if isinstance(e, NotImplementedError):  # zipfile: a compression method it lacks (99: AES)
        return (
            "文档内部有部分（压缩包成员）使用了不支持的压缩方式（可能被压缩软件加密），"
            f"jixiao 无法读取：{_SAVE_AS}"
        )
    if isinstance(e, zipfile.BadZipFile | zlib.error | EOFError):
        return f"文件已损坏（压缩数据校验失败）：{_REPAIR}"
    broken = _broken_part(data) or _odd_relationships(data)
    if broken is not None:
        return broken
    if isinstance(e, KeyError):
        missing = _MISSING_ITEM.search(str(e))
        if missing:
            return f"文档内部缺少 {missing.group(1)} 部分，文件不完整：{_REPAIR}"
        if "relationship" in str(e):
            return f"文档内部的关系清单（_rels/.rels）缺失或不完整，找不到正文部分：{_REPAIR}"
        return f"文档内部缺少部分，文件不完整：{_REPAIR}"
    return f"无法读取 Word 文档：内部结构有误或使用了不支持的格式：{_REPAIR}"


_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationships"


def _odd_relationships(data: bytes) -> str | None:
    """A relationships part (``*.rels``) whose root is not a relationship list."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                if name.endswith(".rels") and parse(zf.read(name)).tag != _RELATIONSHIPS:
                    return f"文档内部的关系清单（{name}）不是有效的关系清单，文件不完整：{_REPAIR}"
    except Exception:
        return None
    return None


def _broken_part(data: bytes) -> str | None:
    """What is wrong with the first XML part that does not parse, if one does not."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = [n for n in zf.namelist() if n.lower().endswith((".xml", ".rels"))]
    except Exception:
        return None
    names.sort(key=lambda n: (n != _MAIN_PART, n))
    for name in names:
        try:
            parse(zf.read(name))
        except etree.XMLSyntaxError as bad:
            line, column = bad.position
            return f"文档内部的 {name} 部分已损坏（XML 格式错误，第 {line} 行第 {column} 列）：{_REPAIR}"
        except Exception:
            return f"文档内部的 {name} 部分已损坏（数据校验失败）：{_REPAIR}"
    return None


def _not_word_message(content_type: str) -> str:
    if "spreadsheetml" in content_type or "ms-excel" in content_type:
        return "这是 Excel 工作簿（.xlsx），不是 Word 文档：请把扩展名改为 .xlsx，按工作簿检查"
    if "presentationml" in content_type or "ms-powerpoint" in content_type:
        return "这是 PowerPoint 演示文稿（.pptx），不是 Word 文档：请指定自评报告的 .docx 文件"
    return f"这不是 Word 文档（主要部分的类型是 {content_type}）：请指定自评报告的 .docx 文件"


def _read(path: Path, shown: str) -> bytes:
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(
            "文件不存在：请检查文件名和文件夹是否正确（Word 文档 .docx）", file=shown
        ) from None
    except PermissionError:
        raise InputError(_LOCKED, file=shown) from None
    except (OSError, ValueError) as e:
        raise InputError(f"无法访问该文件（{_short(e)}）：请检查路径是否正确", file=shown) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("这是一个文件夹，不是 Word 文档：请指定其中的 .docx 文件", file=shown)
    if not stat.S_ISREG(st.st_mode):
        raise InputError("这不是普通文件（可能是设备或管道）：请指定 .docx 文件", file=shown)
    if st.st_size == 0:
        raise InputError(
            "文件是空的（0 字节），可能保存或复制时中断了：请重新保存，或向填报人索取原文件",
            file=shown,
        )
    if st.st_size > MAX_DOCX_BYTES:
        raise InputError(_too_large(st.st_size), file=shown)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_DOCX_BYTES + 1)
    except PermissionError:
        raise InputError(_LOCKED, file=shown) from None
    except OSError as e:
        raise InputError(
            f"无法读取该文件（{_short(e)}）：请把文件复制到本机后再试", file=shown
        ) from None
    if len(data) > MAX_DOCX_BYTES:
        raise InputError(_too_large(len(data)), file=shown)
    if not data:
        raise InputError("文件是空的（0 字节）：请重新保存，或向填报人索取原文件", file=shown)
    return data


_LOCKED = (
    "没有读取该文件的权限，或文件正被其他程序占用（例如在 Word 或 WPS 中打开着）："
    "请关闭该文件后再试"
)


def _too_large(size: int) -> str:
    return (
        f"文件有 {size / _MB:.1f} MB，超过 jixiao 能读取的上限（{MAX_DOCX_BYTES // _MB} MB）："
        "请删除或压缩文档中的图片（Word：图片格式→压缩图片）后另存再试"
    )


def _sniff(data: bytes) -> str:
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(_ZIP_MAGICS):
        return "zip"
    return "other"


def _ole_has(data: bytes, *streams: str) -> bool:
    return any(s.encode("utf-16-le") in data for s in streams)


def _ole_message(data: bytes, suffix: str) -> str:
    if _ole_has(data, "EncryptionInfo", "EncryptedPackage"):
        return _PASSWORD
    if _ole_has(data, "WordDocument"):
        if suffix == ".wps":
            return (
                "这是 WPS 文字的旧格式文档（.wps），jixiao 只能读取 .docx："
                "请在 WPS 中打开，另存为 Word 文档（.docx）后再用"
            )
        return f"这是旧版 Word 文档（.doc 格式），jixiao 只能读取 .docx：{_SAVE_AS}"
    if _ole_has(data, "Workbook", "Book"):
        return (
            "这是 Excel 97-2003 工作簿（.xls），不是 Word 文档：请把扩展名改为 .xls，按工作簿检查"
        )
    if _ole_has(data, "PowerPoint Document"):
        return "这是旧版 PowerPoint 演示文稿（.ppt），不是 Word 文档：请指定自评报告的 .docx 文件"
    return f"这是旧版 Office 格式的文件，但不是可读取的 Word 文档（可能已损坏）：{_SAVE_AS}"


def _other_message(data: bytes, path: Path) -> str:
    head = data[:8192]
    if path.name.startswith("~$") and len(data) < 4096:
        return (
            "这是 Word 或 WPS 打开文档时生成的临时锁定文件（文件名以 ~$ 开头），不是文档："
            "请指定同一文件夹中不带 ~$ 的原文件"
        )
    if head.startswith(b"%PDF-"):
        return (
            "这是 PDF 文件，不是 Word 文档：jixiao 读不了 PDF 里的表格，请向填报人索取"
            "原始的 Excel 工作簿或 Word 文档（.xlsx、.xls、.docx）"
        )
    picture = picture_kind(head)
    if picture is not None:
        return f"这是{picture}图片（扫描件或照片），不是 Word 文档：{PICTURE_HINT}"
    if head.lstrip().startswith(b"{\\rtf"):
        return f"这是 RTF 格式的文档，不是 .docx：{_SAVE_AS}"
    text = _as_text(head)
    if text is None:
        return (
            "文件内容无法识别，不是 Word 文档（也可能已损坏）：请确认选对了文件；"
            "若 Word 或 WPS 能打开它，请另存为 .docx 后再试"
        )
    low = text.lstrip().lower()
    if "schemas.microsoft.com/office/word/2003/wordml" in low or 'progid="word.document"' in low:
        return f"这是 Word 2003 XML 文档，不是 .docx：{_SAVE_AS}"
    if "<pkg:package" in low:
        return f"这是 Word XML 文档（单个 XML 文件），不是 .docx：{_SAVE_AS}"
    if "<html" in low[:4096] or low.startswith("<!doctype html"):
        return f"这是网页（HTML）文件，不是 Word 文档（一些系统导出的“Word”其实是网页）：{_SAVE_AS}"
    if "mime-version:" in low[:1024] and "multipart/related" in low:
        return f"这是单个网页文件（.mht），不是 Word 文档：{_SAVE_AS}"
    if low.startswith("<"):
        return f"这是 XML 文本文件，不是 Word 文档：{_SAVE_AS}"
    return f"这是文本文件，不是 Word 文档：{_SAVE_AS}"


def _as_text(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in head:
        return None
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        text = head.decode(encoding, errors="ignore")
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
        if text and controls <= len(text) // 100:
            return text
    return None


def _check_zip(data: bytes, shown: str) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception:
        raise InputError(
            "文件不完整或已损坏（压缩包的目录读不出来），可能下载或复制时中断了：请重新下载或向"
            "填报人索取原文件；若 Word 或 WPS 能打开它，请另存为 .docx 后再试",
            file=shown,
        ) from None
    names = {i.filename for i in infos}
    if len(names) < len(infos):  # a name held twice: readers disagree on which one counts
        seen: set[str] = set()
        twice = next(i.filename for i in infos if i.filename in seen or seen.add(i.filename))
        raise InputError(
            f"文档内部的 {twice} 部分出现了两次，无法确定使用哪一个：{_REPAIR}", file=shown
        )
    if not _has_main_part(zf, names):
        raise InputError(_not_docx_zip_message(zf, names), file=shown)
    if any(i.flag_bits & 0x1 for i in infos):
        raise InputError(
            "文档的内容被压缩软件加了密码，jixiao 无法读取：请先解压，再在 Word 或 WPS 中打开，"
            "另存为 .docx 后再用",
            file=shown,
        )
    unpacked = sum(i.file_size for i in infos)
    largest = max((i.file_size for i in infos), default=0)
    if unpacked > MAX_UNPACKED_BYTES or len(infos) > MAX_MEMBERS or largest > MAX_PART_BYTES:
        raise InputError(
            f"文档解压后超过 jixiao 能处理的上限（共 {MAX_UNPACKED_BYTES // _MB} MB、"
            f"单个部分 {MAX_PART_BYTES // _MB} MB、{MAX_MEMBERS} 个部分），可能已损坏或是恶意"
            "构造的文件：请在 Word 或 WPS 中打开检查，删除或压缩图片后另存再试",
            file=shown,
        )


def _has_main_part(zf: zipfile.ZipFile, names: set[str]) -> bool:
    """word/document.xml, or the part the package's relationships name as the document."""
    if _MAIN_PART in names:
        return True
    try:
        rels = zf.read("_rels/.rels")
    except Exception:
        return False
    for m in _OFFICE_DOCUMENT_REL.finditer(rels):
        target = (m.group(1) or m.group(2)).decode("utf-8", "replace")
        if target.startswith("word/") and target in names:
            return True
    return False


def _not_docx_zip_message(zf: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        try:
            mimetype = zf.read("mimetype")[:200].decode("ascii", "replace").strip()
        except Exception:
            mimetype = ""
        if mimetype.startswith("application/vnd.oasis.opendocument.text"):
            return f"这是 OpenDocument 文本（.odt 格式），不是 .docx：{_SAVE_AS}"
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            return "这是 OpenDocument 文件（如 .ods），不是 Word 文档：请指定自评报告的 .docx 文件"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "这是 Excel 工作簿（.xlsx 等），不是 Word 文档：请把扩展名改为 .xlsx，按工作簿检查"
    if "ppt/presentation.xml" in names:
        return "这是 PowerPoint 演示文稿（.pptx），不是 Word 文档：请指定自评报告的 .docx 文件"
    return (
        "这是一个压缩包（zip），但里面不是 Word 文档（没有 word/document.xml）："
        "若报告在压缩包里，请先解压，再指定其中的 .docx 文件"
    )


def _short(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 80 else text[:77] + "…"
