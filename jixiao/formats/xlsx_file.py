"""Open whatever file a user hands over as an openpyxl workbook, or say in Chinese why not.

:func:`open_workbook` raises nothing but :class:`jixiao.core.errors.InputError`: one message
naming the file, what it actually is and what to do. Before openpyxl sees a byte it
checks, in this order:

1. the path: missing, a folder, not a regular file (a pipe would block a read), not
   readable (``PermissionError``: on Windows, the file is open in Excel or WPS);
2. the size: empty, or more than :data:`MAX_FILE_BYTES` (checked with ``stat`` before
   reading, so a 50 MB file is refused at once);
3. the content, by its first bytes, whatever the extension: an OLE compound file is a
   legacy .xls, a password-protected (encrypted) workbook or another Office file; text is
   a CSV, a web page or Excel 2003 XML; a zip is an .ods, a .docx, an .xlsb or some other
   archive unless it holds a workbook; anything else cannot be recognised;
4. the zip: damaged or truncated, encrypted members, more than :data:`MAX_MEMBERS`
   members, more than :data:`MAX_UNPACKED_BYTES` once unpacked, or one member of more
   than :data:`MAX_PART_BYTES` (a zip bomb); the sizes are those the zip declares, which
   bound what unpacking gives (``zipfile`` stops at the declared size); a member name held
   twice (readers disagree on which counts);
5. then openpyxl, reading from memory: malformed XML is traced to the part (and sheet)
   it is in, a missing part is named, a member stored with a compression method zipfile
   does not know (99: AES encryption) is named, a package whose structure does not hold
   together (no workbook part registered, a sheet without its relationship or its part,
   a relationship without an Id) is said in Chinese (:func:`load_error`); nothing else
   than a short generic message, never an exception's own text.

The file is read once into memory and never written. A workbook opened with
``read_only=True`` parses its sheets lazily, so every XML part is checked for
well-formedness here first.
"""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
import re
import stat
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from jixiao.core.errors import InputError
from jixiao.formats.package import REPAIR, rels_name, resolve_target
from jixiao.formats.xml import has_doctype, parse, serialize

if TYPE_CHECKING:  # openpyxl is loaded when a workbook is opened with it, not before
    from openpyxl.workbook.workbook import Workbook

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_PART_BYTES",
    "MAX_UNPACKED_BYTES",
    "PICTURE_HINT",
    "check_package",
    "doctype_error",
    "load_error",
    "open_package",
    "open_package_data",
    "open_workbook",
    "picture_kind",
    "refuse_doctype",
    "save_workbook",
    "unsupported_member",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest file accepted (20 MB). A filled self-evaluation workbook is under 200 KB."""
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""Largest total of the zip's members once unpacked (100 MB): beyond it, a zip bomb."""
MAX_PART_BYTES = 80 * 1024 * 1024
"""Largest single member once unpacked (80 MB): a sheet formatted down to Excel's last
row (1,048,576 rows) stays under it; the reader holds a part whole while it reads it."""
MAX_MEMBERS = 5000
"""Most members a workbook zip may have (each sheet brings two to four)."""

_MB = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MACRO_SUFFIXES = (".xlsm", ".xltm")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
_RESAVE = "请在 Excel 或 WPS 中打开，另存为 Excel 工作簿（.xlsx 或 .xlsm）后再用"
_REPAIR = REPAIR  # the advice for a damaged package, as formats.package gives it
_MISSING_ITEM = re.compile(r"There is no item named '([^']+)' in the archive")
# Compression methods zipfile unpacks; Office writes only the first two. Others (99: AES
# encryption by a zip tool) raise NotImplementedError when the member is read.
_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
_NS_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
WORKBOOK_TYPES = tuple(
    f"application/vnd.{kind}.main+xml"
    for kind in (
        "ms-excel.template.macroEnabled",
        "openxmlformats-officedocument.spreadsheetml.template",
        "ms-excel.sheet.macroEnabled",
        "openxmlformats-officedocument.spreadsheetml.sheet",
    )
)
_STYLES_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
_PART_NAMES = {
    "[Content_Types].xml": "内容类型清单",
    "_rels/.rels": "文件关系清单",
    "xl/workbook.xml": "工作簿结构",
    "xl/_rels/workbook.xml.rels": "工作簿关系清单",
    "xl/styles.xml": "样式",
    "xl/sharedStrings.xml": "共享文字",
    "xl/theme/theme1.xml": "主题",
    "docProps/core.xml": "文档属性",
    "docProps/app.xml": "文档属性",
    "docProps/custom.xml": "自定义文档属性",
}
_FIRST_PARTS = tuple(_PART_NAMES)
# Said where a command needs an .xlsx/.xlsm but is handed an .xls or a Word document.
_READS_OTHERS = "jixiao validate、check 和 import 可以直接读取 .xls 和 Word 文档中的表格"
_TRIM_HINT = "请删除多余的工作表、图片和空白行列后另存再试"


def open_workbook(
    path: Path,
    *,
    keep_vba: bool | None = None,
    read_only: bool = False,
    data_only: bool = False,
) -> Workbook:
    """Load ``path`` with openpyxl; any problem becomes one Chinese :class:`InputError`.

    ``keep_vba`` defaults to True for .xlsm and .xltm files; ``read_only`` and
    ``data_only`` (formulas' cached results instead of the formulas) are openpyxl's.
    The content decides what the file is, not the extension: a real workbook named .xls
    still opens, an .xls renamed .xlsx is refused as an .xls.
    """
    path = Path(path)
    shown = str(path)
    suffix = path.suffix.lower()
    if keep_vba is None:
        keep_vba = suffix in _MACRO_SUFFIXES
    data = _read(path, shown)
    kind = _sniff(data)
    if kind == "ole":
        raise _fail(shown, _ole_message(data, suffix))
    if kind != "zip":
        raise _fail(shown, _other_message(data, path))
    zf = _open_zip(data, shown)
    _check_package(zf, shown, suffix)
    if read_only:
        _raise_broken_part(zf, shown)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it drops (data validation lists, slicers):
            # nothing a user can act on.
            warnings.simplefilter("ignore")
            try:
                return _load(data, read_only=read_only, keep_vba=keep_vba, data_only=data_only)
            except Exception:
                repaired = _without_odd_print_names(zf)
                if repaired is None:
                    raise
                # Excel drops a print range that is no reference; openpyxl fails on it
                return _load(repaired, read_only=read_only, keep_vba=keep_vba, data_only=data_only)
    except MemoryError:
        raise _fail(shown, f"工作簿内容过多，内存不足以读取：{_TRIM_HINT}") from None
    except Exception as e:  # never anything but InputError
        raise _explain_load_error(e, zf, shown) from None


def _without_odd_print_names(zf: zipfile.ZipFile) -> bytes | None:
    """The package with its print titles and print areas that are not references (a bare
    name, "=OtherName") taken out of the workbook part, as Excel drops them when it opens
    the file; None when it has none. Made in memory only when openpyxl failed."""
    from openpyxl.worksheet.print_settings import PrintArea, PrintTitles  # noqa: PLC0415

    readers = {
        "_xlnm.Print_Titles": PrintTitles.from_string,
        "_xlnm.Print_Area": PrintArea.from_string,
    }
    try:
        book = registered_workbook(parse(zf.read("[Content_Types].xml"))) or "xl/workbook.xml"
        root = parse(zf.read(book))
    except Exception:
        return None
    odd = []
    for d in (e for e in root.iter() if _local(e.tag) == "definedName"):
        read = readers.get(d.get("name") or "")
        if read is None or d.get("localSheetId") is None:
            continue
        try:
            read(d.text or "")
        except Exception:
            odd.append(d)
    if not odd:
        return None
    for d in odd:
        d.getparent().remove(d)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zf.infolist():
            z.writestr(info, serialize(root) if info.filename == book else zf.read(info))
    return out.getvalue()


def check_package(path: Path) -> None:
    """The file-level checks of open_workbook, without parsing any sheet: fast."""
    open_package(path)


def open_package(path: Path, shown: str | None = None) -> zipfile.ZipFile:
    """The workbook's zip, in memory, after the file-level checks of open_workbook (1–4
    above); ``shown`` names the file in messages (default: the path). What goes wrong
    reading its parts afterwards is said by :func:`load_error`."""
    return open_package_data(path, shown)[1]


def open_package_data(path: Path, shown: str | None = None) -> tuple[bytes, zipfile.ZipFile]:
    """The file's bytes and its zip over them, as :func:`open_package` checks them."""
    path = Path(path)
    shown = str(path) if shown is None else shown
    data = _read(path, shown)
    kind = _sniff(data)
    if kind == "ole":
        raise _fail(shown, _ole_message(data, path.suffix.lower()))
    if kind != "zip":
        raise _fail(shown, _other_message(data, path))
    zf = _open_zip(data, shown)
    _check_package(zf, shown, path.suffix.lower())
    return data, zf


def load_error(e: BaseException, zf: zipfile.ZipFile, shown: str) -> InputError:
    """The Chinese message for an error met while reading the parts of ``zf``: a damaged
    or missing part is named (and the sheet it holds), malformed XML traced to its part,
    a structure that does not hold together said (see the module's docstring, 5)."""
    if isinstance(e, InputError):
        return e
    if isinstance(e, MemoryError):
        return _fail(shown, f"工作簿内容过多，内存不足以读取：{_TRIM_HINT}")
    return _explain_load_error(e if isinstance(e, Exception) else Exception(e), zf, shown)


def _load(data: bytes, *, read_only: bool, keep_vba: bool, data_only: bool) -> Workbook:
    """openpyxl's load_workbook, closing the VBA copy it made when the load fails."""
    from openpyxl.reader.excel import ExcelReader  # noqa: PLC0415  (see the imports)

    reader = ExcelReader(io.BytesIO(data), read_only, keep_vba, data_only)
    try:
        reader.read()
    except BaseException:
        parser = getattr(reader, "parser", None)
        for wb in (getattr(reader, "wb", None), getattr(parser, "wb", None)):
            vba = getattr(wb, "vba_archive", None)
            if vba is not None:
                with contextlib.suppress(Exception):
                    vba.close()
        raise
    return reader.wb


def doctype_error(zf: zipfile.ZipFile, shown: str, name: str) -> InputError:
    """The message for a part that declares a DOCTYPE, naming it and the sheet it holds."""
    desc, where = _describe_part(name, zf)
    return _fail(
        shown,
        f"工作簿内部的{desc}部分含有文档类型声明（DOCTYPE，可能是外部实体攻击），Excel 保存的文件"
        "从不含有它，jixiao 不读取也不修改这样的文件：请在 Excel 或 WPS 中打开，另存为 "
        ".xlsx 或 .xlsm 后再试；来历不明的文件请向填报人核实",
        where,
    )


def refuse_doctype(parts: dict[str, bytes], path: Path, shown: str) -> None:
    """Refuse a package one of whose XML parts declares a DOCTYPE (see :func:`has_doctype`:
    the prolog alone is read). ``parts``: the members' bytes; ``path``: the file, whose
    zip names the sheet in the message."""
    for name, data in parts.items():
        if name.lower().endswith((".xml", ".rels", ".vml")) and has_doctype(data):
            try:
                with zipfile.ZipFile(path) as zf:
                    raise doctype_error(zf, shown, name)
            except (OSError, zipfile.BadZipFile):
                raise _fail(
                    shown,
                    f"工作簿内部的 {name} 部分含有文档类型声明（DOCTYPE，可能是外部实体攻击），"
                    f"jixiao 不读取也不修改这样的文件：{_REPAIR}",
                ) from None


def unsupported_member(zf: zipfile.ZipFile, shown: str, name: str) -> InputError:
    """The message for a member stored with a compression method zipfile cannot unpack
    (99: encrypted with AES by a zip tool), naming it and the sheet it holds."""
    desc, where = _describe_part(name, zf)
    return _fail(
        shown,
        f"工作簿内部的{desc}部分（压缩包成员）使用了不支持的压缩方式（可能被压缩软件加密），"
        "jixiao 无法读取：请在 Excel 或 WPS 中打开，另存为 .xlsx 或 .xlsm 后再试；"
        "打不开时请向填报人索取原文件",
        where,
    )


def _fail(shown: str, message: str, where: str | None = None) -> InputError:
    return InputError(message, file=shown, where=where)


# ---- the path and its bytes ------------------------------------------------------------


def _read(path: Path, shown: str) -> bytes:
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise _fail(shown, _missing_message(path)) from None
    except PermissionError:
        raise _fail(shown, _locked_message()) from None
    except (OSError, ValueError) as e:
        raise _fail(shown, f"无法访问该文件（{_os_detail(e)}）：请检查路径是否正确") from None
    if stat.S_ISDIR(st.st_mode):
        raise _fail(shown, "这是一个文件夹，不是工作簿文件：请指定文件夹里的 .xlsx 或 .xlsm 文件")
    if not stat.S_ISREG(st.st_mode):
        raise _fail(shown, "这不是普通文件（可能是设备或管道）：请指定 .xlsx 或 .xlsm 工作簿文件")
    if st.st_size == 0:
        raise _fail(
            shown,
            "文件是空的（0 字节），可能保存或复制时中断了：请重新保存，或向填报人索取原文件",
        )
    if st.st_size > MAX_FILE_BYTES:
        raise _fail(shown, _too_large_message(st.st_size))
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise _fail(shown, _locked_message()) from None
    except IsADirectoryError:
        raise _fail(
            shown, "这是一个文件夹，不是工作簿文件：请指定文件夹里的 .xlsx 或 .xlsm 文件"
        ) from None
    except OSError as e:
        raise _fail(shown, f"无法读取该文件（{_os_detail(e)}）：请把文件复制到本机后再试") from None
    if len(data) > MAX_FILE_BYTES:  # it grew after the stat
        raise _fail(shown, _too_large_message(len(data)))
    if not data:
        raise _fail(
            shown, "文件是空的（0 字节），可能保存或复制时中断了：请重新保存，或向填报人索取原文件"
        )
    return data


def _missing_message(path: Path) -> str:
    hint = "请检查路径和文件名（包括扩展名）是否正确"
    try:
        if not path.parent.is_dir():
            return f"文件不存在（所在文件夹 {path.parent} 也不存在）：{hint}"
        stem = path.stem.lower()
        near = sorted(
            p.name
            for p in path.parent.iterdir()
            if p.stem.lower() == stem and p.suffix.lower() in (*_WORKBOOK_SUFFIXES, ".xls")
        )
    except (OSError, ValueError):
        near = []
    if near:
        return f"文件不存在；同一文件夹中有 {'、'.join(near[:3])}，是否指它？{hint}"
    return f"文件不存在：{hint}"


def _locked_message() -> str:
    return (
        "文件正被其他程序打开（或没有读取权限），无法读取：请先在 Excel 或 WPS 中关闭该文件，"
        "或把它复制一份后再试"
    )


def _too_large_message(size: int) -> str:
    return (
        f"文件有 {size / _MB:.1f} MB，超过 jixiao 能处理的上限 {MAX_FILE_BYTES // _MB} MB："
        "自评表工作簿通常不到 1 MB，请确认选对了文件，或删除多余的工作表、图片后另存再试"
    )


def _os_detail(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return _short(e)


def _short(e: BaseException, limit: int = 80) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- what the bytes are ----------------------------------------------------------------


def _sniff(data: bytes) -> str:
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(_ZIP_MAGICS):
        return "zip"
    return "other"


def _renamed(suffix: str) -> str:
    """ "，只是把扩展名改成了 .xlsx" when the extension claims a workbook (goes in brackets)."""
    return f"，只是把扩展名改成了 {suffix}" if suffix in _WORKBOOK_SUFFIXES else ""


def _bracketed(note: str) -> str:
    return f"（{note[1:]}）" if note else ""


def _ole_streams(data: bytes) -> set[str] | None:
    """Top-level stream names of an OLE compound file, None when it cannot be parsed."""
    try:
        # Optional (it comes with oletools): without it the byte search below stands in.
        import olefile  # noqa: PLC0415
    except ImportError:
        return None
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except Exception:
        return None


def _ole_message(data: bytes, suffix: str) -> str:
    streams = _ole_streams(data)
    if streams is None:
        # olefile missing or the file is damaged: directory entries are UTF-16LE names.
        streams = {
            name
            for name in (
                "EncryptionInfo", "EncryptedPackage", "Workbook", "Book", "WordDocument",
                "PowerPoint Document",
            )
            if name.encode("utf-16-le") in data
        }  # fmt: skip
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return (
            "工作簿设置了打开密码（已加密），jixiao 无法读取：请在 Excel 或 WPS 中输入密码打开，"
            "取消密码（Excel：文件→信息→保护工作簿→用密码进行加密，清空密码；"
            "WPS：文件→文档加密→密码加密，清空密码）并保存后再试"
        )
    if "Workbook" in streams or "Book" in streams:
        return (
            f"这是旧版 Excel 97-2003 工作簿（.xls 格式{_renamed(suffix)}），这里需要 .xlsx 或 "
            ".xlsm 工作簿：请在 Excel 或 WPS 中打开，另存为 .xlsx 或 .xlsm 后再用"
            f"（{_READS_OTHERS}）"
        )
    if "WordDocument" in streams:
        return "这是旧版 Word 文档（.doc），不是 Excel 工作簿：请指定自评表的 .xlsx 或 .xlsm 文件"
    if "PowerPoint Document" in streams:
        return "这是旧版 PowerPoint 演示文稿（.ppt），不是 Excel 工作簿：请指定自评表的 .xlsx 或 .xlsm 文件"
    return "这是旧版 Office 格式的文件，但不是可读取的工作簿（可能已损坏）：" + _RESAVE


def _other_message(data: bytes, path: Path) -> str:
    suffix = path.suffix.lower()
    head = data[:8192]
    if path.name.startswith("~$") and len(data) < 4096:
        return (
            "这是 Excel 或 WPS 打开工作簿时生成的临时锁定文件（文件名以 ~$ 开头），不是工作簿："
            "请指定同一文件夹中不带 ~$ 的原文件"
        )
    if head.startswith(b"%PDF-"):
        return (
            "这是 PDF 文件，不是 Excel 工作簿：jixiao 读不了 PDF 里的表格，请向填报人索取"
            "原始的 Excel 工作簿或 Word 文档（.xlsx、.xls、.docx）"
        )
    picture = picture_kind(head)
    if picture is not None:
        return f"这是{picture}图片（扫描件或照片），不是 Excel 工作簿：{PICTURE_HINT}"
    text = _as_text(head)
    if text is not None:
        low = text.lstrip().lower()
        if "urn:schemas-microsoft-com:office:spreadsheet" in low:
            return f"这是 Excel 2003 XML 表格{_bracketed(_renamed(suffix))}，不是 .xlsx 工作簿：{_RESAVE}"
        if "<html" in low[:2048] or low.startswith(("<!doctype html", "<table")):
            return (
                f"这是网页（HTML）文件{_bracketed(_renamed(suffix))}，不是 Excel 工作簿"
                f"（一些系统导出的“Excel”其实是网页）：{_RESAVE}"
            )
        if "mime-version:" in low[:1024] and "multipart/related" in low:
            return f"这是单个网页文件（.mht）{_bracketed(_renamed(suffix))}，不是 Excel 工作簿：{_RESAVE}"
        if low.startswith("<?xml") or low.startswith("<"):
            return f"这是 XML 文本文件{_bracketed(_renamed(suffix))}，不是 Excel 工作簿：{_RESAVE}"
        kind = " CSV 文本" if ("," in text or "\t" in text) else "文本"
        return f"这是{kind}文件{_bracketed(_renamed(suffix))}，不是 Excel 工作簿：{_RESAVE}"
    if path.name.startswith("~$"):
        return (
            "这是 Excel 或 WPS 打开工作簿时生成的临时锁定文件（文件名以 ~$ 开头），不是工作簿："
            "请指定同一文件夹中不带 ~$ 的原文件"
        )
    return (
        "文件内容无法识别，不是 Excel 工作簿（也可能已损坏）：请确认选对了文件；"
        "若 Excel 或 WPS 能打开它，请另存为 .xlsx 或 .xlsm 后再试"
    )


PICTURE_HINT = (
    "jixiao 读不了图片里的表格，请向填报人索取原始的 Excel 工作簿或 Word 文档"
    "（.xlsx、.xls、.docx），或照图片在标准工作簿中填写"
)

_PICTURES = (
    (b"\x89PNG\r\n\x1a\n", " PNG "),
    (b"\xff\xd8\xff", " JPEG "),
    (b"GIF87a", " GIF "),
    (b"GIF89a", " GIF "),
    (b"II*\x00", " TIFF "),
    (b"MM\x00*", " TIFF "),
)


def picture_kind(head: bytes) -> str | None:
    """ " PNG ", " JPEG " … when the bytes start like a picture (a scanned or photographed
    form), with the spaces a Chinese sentence puts around the name; None otherwise."""
    for magic, name in _PICTURES:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return " WebP "
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return " HEIC "
    if head[:2] == b"BM" and len(head) > 14 and head[6:10] == b"\x00\x00\x00\x00":
        return " BMP "
    return None


def _as_text(head: bytes) -> str | None:
    """The head decoded, if it reads as text in a usual encoding."""
    encodings: tuple[str, ...]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif head.startswith(b"\xef\xbb\xbf"):
        head, encodings = head[3:], ("utf-8",)
    else:
        if b"\x00" in head:
            return None
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        for cut in range(4):  # the head may end inside a character
            chunk = head[: len(head) - cut] if cut else head
            try:
                text = chunk.decode(encoding)
            except UnicodeDecodeError:
                continue
            controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
            if text and controls <= len(text) // 100 and "\x00" not in text:
                return text
            return None
    return None


# ---- the zip ----------------------------------------------------------------------------


def _open_zip(data: bytes, shown: str) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        zf.infolist()
    except Exception:
        raise _fail(
            shown,
            "文件不完整或已损坏（压缩包的目录读不出来），可能下载或复制时中断了：请重新下载或向"
            "填报人索取原文件；若 Excel 或 WPS 能打开它，请另存为 .xlsx 或 .xlsm 后再试",
        ) from None
    return zf


def _check_package(zf: zipfile.ZipFile, shown: str, suffix: str) -> None:
    infos = zf.infolist()
    names = {i.filename for i in infos}
    if "mimetype" in names:
        try:
            with zf.open("mimetype") as f:
                mimetype = f.read(200).decode("ascii", "replace").strip()
        except Exception:
            mimetype = ""
        if mimetype.startswith("application/vnd.oasis.opendocument.spreadsheet"):
            raise _fail(
                shown,
                f"这是 OpenDocument 表格（.ods 格式{_renamed(suffix)}），不是 Excel 工作簿："
                "请在 WPS 或 LibreOffice 中打开，另存为 Excel 工作簿（.xlsx）后再用",
            )
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            raise _fail(
                shown,
                "这是 OpenDocument 文档（如 .odt），不是 Excel 工作簿：请指定自评表的 .xlsx 或 "
                ".xlsm 文件",
            )
    if "word/document.xml" in names:
        raise _fail(
            shown,
            f"这是 Word 文档（.docx{_renamed(suffix)}），不是 Excel 工作簿：请指定自评表的 .xlsx "
            f"或 .xlsm 文件（{_READS_OTHERS}）",
        )
    if "ppt/presentation.xml" in names:
        raise _fail(
            shown,
            "这是 PowerPoint 演示文稿（.pptx），不是 Excel 工作簿：请指定自评表的 .xlsx 或 .xlsm 文件",
        )
    if "xl/workbook.bin" in names:
        raise _fail(
            shown,
            "这是 Excel 二进制工作簿（.xlsb 格式），jixiao 只能读取 .xlsx 和 .xlsm："
            "请在 Excel 中另存为 .xlsx 或 .xlsm 后再用",
        )
    if not any(_is_workbook_part(n) for n in names):
        raise _fail(
            shown,
            "这是一个压缩包（zip），但里面不是 Excel 工作簿：若自评表在压缩包里，请先解压，"
            "再指定其中的 .xlsx 或 .xlsm 文件",
        )
    if any(i.flag_bits & 0x1 for i in infos):
        raise _fail(
            shown,
            "工作簿的内容被压缩软件加了密码，jixiao 无法读取：请解压后用 Excel 或 WPS 另存为 "
            ".xlsx 或 .xlsm 再试",
        )
    _check_sizes(zf, infos, shown)
    if len(names) < len(infos):  # a name held twice: readers disagree on which one counts
        seen: set[str] = set()
        twice = next(i.filename for i in infos if i.filename in seen or seen.add(i.filename))
        desc, where = _describe_part(twice, zf)
        raise _fail(
            shown, f"工作簿内部的{desc}部分出现了两次，无法确定使用哪一个：{_REPAIR}", where
        )
    if "[Content_Types].xml" not in names:
        raise _fail(shown, _missing_part_message("[Content_Types].xml", zf))


_BOMB = "可能已损坏或是恶意构造的文件（压缩炸弹）：请在 Excel 或 WPS 中打开检查，" + _TRIM_HINT


def _check_sizes(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], shown: str) -> None:
    """The limits on what the zip unpacks to: members, their total, the largest one."""
    if len(infos) > MAX_MEMBERS:
        raise _fail(
            shown,
            f"工作簿的压缩包中有 {len(infos)} 个部分，超过 jixiao 能处理的上限 {MAX_MEMBERS} 个，"
            + _BOMB,
        )
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise _fail(
            shown,
            f"工作簿解压后约 {unpacked / _MB:.0f} MB，超过 jixiao 能处理的上限 "
            f"{MAX_UNPACKED_BYTES // _MB} MB，" + _BOMB,
        )
    largest = max(infos, key=lambda i: i.file_size, default=None)
    if largest is not None and largest.file_size > MAX_PART_BYTES:
        desc, where = _describe_part(largest.filename, zf)
        raise _fail(
            shown,
            f"工作簿内部的{desc}部分解压后约 {largest.file_size / _MB:.0f} MB，超过 jixiao 对"
            f"单个部分的上限 {MAX_PART_BYTES // _MB} MB，" + _BOMB,
            where,
        )


def _is_workbook_part(name: str) -> bool:
    p = PurePosixPath(name)
    return (
        p.suffix.lower() == ".xml"
        and p.name.lower().startswith("workbook")
        and "_rels" not in p.parts
        and (len(p.parts) == 1 or p.parts[0].lower() == "xl")
    )


# ---- openpyxl's errors ------------------------------------------------------------------


def _explain_load_error(e: Exception, zf: zipfile.ZipFile, shown: str) -> InputError:
    try:
        return _explain(e, zf, shown)
    except Exception:  # the zip itself misbehaves: say so without the details
        return _fail(shown, f"无法读取工作簿，文件可能已损坏：{_REPAIR}")


def _explain(e: Exception, zf: zipfile.ZipFile, shown: str) -> InputError:
    if isinstance(e, NotImplementedError):  # what zipfile says of a method it cannot unpack
        odd = _unsupported_members(zf)
        if odd:
            return unsupported_member(zf, shown, odd[0])
    if isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError)):
        part = _first_unreadable_member(zf) or _member_named_in(str(e), zf)
        if part is not None:
            desc, where = _describe_part(part, zf)
            return _fail(shown, f"工作簿内部的{desc}部分已损坏（数据校验失败）：{_REPAIR}", where)
        return _fail(shown, f"文件已损坏（压缩数据校验失败）：{_REPAIR}")
    broken = _broken_parts(zf)
    if broken:
        return _broken_error(broken, zf, shown)
    if isinstance(e, KeyError):
        m = _MISSING_ITEM.search(str(e))
        if m:
            return _fail(shown, _missing_part_message(m.group(1), zf))
    problem = _structure_problem(zf)
    if problem is not None:
        message, where = problem
        return _fail(shown, f"{message}：{_REPAIR}", where)
    return _fail(shown, f"无法读取工作簿：内部结构有误或使用了不支持的格式：{_REPAIR}")


def _unsupported_members(zf: zipfile.ZipFile) -> list[str]:
    """Members zipfile cannot unpack, the XML parts (which the readers need) first."""
    odd = [i.filename for i in zf.infolist() if i.compress_type not in _METHODS]
    return sorted(odd, key=lambda n: not n.lower().endswith((".xml", ".rels")))


def _structure_problem(zf: zipfile.ZipFile) -> tuple[str, str | None] | None:
    """What does not hold together in the package's structure, as (message, sheet): the
    workbook part not registered or missing, a sheet without its relationship or part,
    a relationship without an Id or a target, a sheet-scoped name without a valid sheet
    number, a sheet's own relationship that is missing. None when all of it holds."""
    names = set(zf.namelist())
    try:
        types = parse(zf.read("[Content_Types].xml"))
    except Exception:  # missing or damaged: said before this is asked
        return None
    book = registered_workbook(types)
    if book is None:
        return (
            "工作簿内部的内容类型清单（[Content_Types].xml）中没有登记工作簿主体部分"
            "（如 xl/workbook.xml），文件不完整",
            None,
        )
    if book not in names:
        return _missing_part(book, zf), None
    book_rels = rels_name(book)
    if book_rels not in names:
        return _missing_part(book_rels, zf), None
    try:
        book_xml = parse(zf.read(book))
        rels_xml = parse(zf.read(book_rels))
    except Exception:
        return None
    rels, problem = _targets(rels_xml, book, f"工作簿关系清单（{book_rels}）")
    if problem is not None:
        return problem, None
    sheets = [e for e in book_xml.iter() if _local(e.tag) == "sheet"]
    if not sheets:
        return f"工作簿结构（{book}）中没有列出任何工作表，文件不完整", None
    for k, sheet in enumerate(sheets, 1):
        title = sheet.get("name")
        if not title:
            return f"工作簿结构（{book}）中第 {k} 张工作表没有名称，文件不完整", None
        where = f"工作表“{title}”"
        rid = sheet.get(f"{_NS_REL}id")
        if not rid or rid not in rels:
            shown_id = f"（{rid}）" if rid else ""
            return (
                f"工作簿关系清单（{book_rels}）中找不到这张表的关系{shown_id}，文件不完整",
                where,
            )
        part = rels[rid][1]
        if part not in names:
            return f"工作簿内部缺少这张表的内容部分（{part}），文件不完整", where
    for d in (e for e in book_xml.iter() if _local(e.tag) == "definedName"):
        scope = d.get("localSheetId")
        if scope is not None and not (scope.strip().isdigit() and int(scope) < len(sheets)):
            return (
                f"工作簿结构（{book}）中名称“{d.get('name') or ''}”所属工作表的编号"
                f"（localSheetId=“{scope}”）无效，文件不完整",
                None,
            )
    for kind, part in rels.values():
        if kind == _STYLES_TYPE and part not in names:
            return _missing_part(part, zf), None
    return _sheet_structure_problem(zf, names, sheets, rels)


def _sheet_structure_problem(
    zf: zipfile.ZipFile, names: set[str], sheets: list[Any], rels: dict[str, tuple[str, str]]
) -> tuple[str, str | None] | None:
    """A sheet's relationships: an r:id its XML names that its relationships lack, a
    relationship without an Id or a target."""
    for sheet in sheets:
        where = f"工作表“{sheet.get('name')}”"
        part = rels[sheet.get(f"{_NS_REL}id")][1]
        sheet_rels = rels_name(part)
        own: dict[str, tuple[str, str]] = {}
        if sheet_rels in names:
            try:
                own, problem = _targets(
                    parse(zf.read(sheet_rels)), part, f"这张表的关系清单（{sheet_rels}）"
                )
            except Exception:
                return None
            if problem is not None:
                return problem, where
        try:
            text = zf.read(part)
        except Exception:
            return None
        for rid in dict.fromkeys(_RID.findall(text)):
            if rid.decode("utf-8", "replace") not in own:
                return (
                    f"这张表引用的关系 {rid.decode('utf-8', 'replace')} 在它的关系清单"
                    f"（{sheet_rels}）中找不到，文件不完整",
                    where,
                )
    return None


_RID = re.compile(rb'\br:id="([^"]*)"')


def _targets(rels_xml: Any, part: str, what: str) -> tuple[dict[str, tuple[str, str]], str | None]:
    """Id -> (type, target part) of the internal relationships of ``part``, or a problem."""
    out: dict[str, tuple[str, str]] = {}
    for rel in rels_xml.iter(f"{_NS_PKG_REL}Relationship"):
        rid, target = rel.get("Id"), rel.get("Target")
        if not rid or target is None:
            return out, f"{what}中有一条关系缺少编号（Id）或目标（Target），文件不完整"
        if rel.get("TargetMode") != "External":
            out[rid] = (rel.get("Type") or "", resolve_target(part, target))
    return out, None


def registered_workbook(types: Any) -> str | None:
    """The workbook part [Content_Types].xml registers, as openpyxl finds it."""
    for kind in WORKBOOK_TYPES:
        for o in types.iter(f"{_NS_TYPES}Override"):
            if o.get("ContentType") == kind and o.get("PartName"):
                return str(o.get("PartName"))[1:]
    defaults = {d.get("ContentType") for d in types.iter(f"{_NS_TYPES}Default")}
    return "xl/workbook.xml" if defaults & set(WORKBOOK_TYPES) else None


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _raise_broken_part(zf: zipfile.ZipFile, shown: str) -> None:
    try:
        broken = _broken_parts(zf)
    except Exception as e:
        raise _explain_load_error(e, zf, shown) from None
    if broken:
        raise _broken_error(broken, zf, shown)


def _broken_error(broken: list[tuple[str, str]], zf: zipfile.ZipFile, shown: str) -> InputError:
    part, detail = broken[0]
    desc, where = _describe_part(part, zf)
    more = f"；另有 {len(broken) - 1} 个部分也已损坏" if len(broken) > 1 else ""
    return _fail(shown, f"工作簿内部的{desc}部分已损坏（{detail}{more}）：{_REPAIR}", where)


def _missing_part_message(part: str, zf: zipfile.ZipFile) -> str:
    return f"{_missing_part(part, zf)}：{_REPAIR}"


def _missing_part(part: str, zf: zipfile.ZipFile) -> str:
    desc, _where = _describe_part(part, zf)
    return f"工作簿内部缺少{desc}部分，文件不完整"


def _broken_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """XML parts that are not well-formed, the likeliest culprits first, with a detail."""
    names = [i.filename for i in zf.infolist() if not i.is_dir()]
    xml = [n for n in names if n.lower().endswith((".xml", ".rels", ".vml"))]
    order = {n: k for k, n in enumerate(_FIRST_PARTS)}
    xml.sort(key=lambda n: (order.get(n, len(order)), n))
    broken = []
    for name in xml:
        detail = _xml_error(zf, name)
        if detail is not None:
            broken.append((name, detail))
    return broken


def _xml_error(zf: zipfile.ZipFile, name: str) -> str | None:
    parser = ElementTree.XMLParser()
    try:
        with zf.open(name) as f:
            while chunk := f.read(1 << 20):
                parser.feed(chunk)
        parser.close()
    except ElementTree.ParseError as e:
        return f"XML 格式错误，第 {e.position[0]} 行第 {e.position[1] + 1} 列"
    except NotImplementedError:
        return "使用了不支持的压缩方式，可能被压缩软件加密"
    except Exception:  # Bad CRC, a damaged deflate stream
        return "数据校验失败"
    return None


# Read first: when the workbook's own structure is damaged too, that is what to repair,
# and the sheet a damaged sheet part belongs to cannot be named without it.
_STRUCTURE = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _first_unreadable_member(zf: zipfile.ZipFile) -> str | None:
    infos = zf.infolist()
    first = [i for name in _STRUCTURE for i in infos if i.filename == name]
    for info in first + [i for i in infos if i.filename not in _STRUCTURE]:
        try:
            with zf.open(info) as f:
                while f.read(1 << 20):
                    pass
        except Exception:
            return info.filename
    return None


def _member_named_in(text: str, zf: zipfile.ZipFile) -> str | None:
    for name in zf.namelist():
        if f"'{name}'" in text:
            return name
    return None


def _describe_part(part: str, zf: zipfile.ZipFile) -> tuple[str, str | None]:
    """("样式（xl/styles.xml）", None) or (" xl/worksheets/sheet1.xml ", "工作表“x”")."""
    if part in _PART_NAMES:
        return f"{_PART_NAMES[part]}（{part}）", None
    sheet = _sheet_names(zf).get(part)
    if sheet is not None:  # the sheet goes before the message: "文件 a.xlsx，工作表“x”：…"
        return f" {part} ", f"工作表“{sheet}”"
    return f" {part} ", None


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from xl/workbook.xml and its relationships."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    ns_pkg = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        return {}
    targets = {}
    for rel in rels.iter(f"{ns_pkg}Relationship"):
        target = rel.get("Target") or ""
        full = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = os.path.normpath(full).replace(os.sep, "/")
    names = {}
    for sheet in book.iter(f"{ns_main}sheet"):
        part = targets.get(sheet.get(f"{ns_rel}id"))
        if part:
            names[part] = sheet.get("name") or "?"
    return names


def save_workbook(
    wb: Workbook,
    out: Path,
    source: Path | None = None,
    functions: ModuleType | None = None,
) -> None:
    """Save through a temporary file, so a failed save leaves ``out`` as it was; with
    ``functions`` (jixiao.udfs) the formula cells get their computed values cached."""
    if not out.parent.is_dir():
        raise InputError("输出文件夹不存在", file=str(out))
    fd, tmp = tempfile.mkstemp(prefix=".jixiao-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        if source is not None:
            _restore_dropped_parts(source, Path(tmp))
        if functions is not None:
            from jixiao.formats.cached import write_cached_values  # noqa: PLC0415
            from jixiao.formats.package import Package  # noqa: PLC0415

            pkg = Package.read(Path(tmp))
            write_cached_values(pkg, functions)
            pkg.write(Path(tmp))
        # mkstemp makes the file private (0600): give it the mode a new file gets, or keep the old one's.
        mode = out.stat().st_mode & 0o777 if out.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except OSError as e:
        raise InputError(
            f"无法写入（{e.strerror}）：若该文件正在 Excel 中打开，请先关闭", file=str(out)
        ) from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _restore_dropped_parts(source: Path, saved: Path) -> None:
    """Put back parts openpyxl dropped although the saved package still points at them.

    openpyxl 3.1 keeps only VML drawings named vmlDrawing<one digit>.vml when it saves
    with keep_vba, so the buttons of the tenth sheet on would vanish.
    """
    with zipfile.ZipFile(source) as z:
        original = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(saved) as z:
        present = set(z.namelist())
        targets: set[str] = set()
        for name in present:
            if not name.endswith(".rels"):
                continue
            folder = posixpath.dirname(posixpath.dirname(name))
            for target, mode in re.findall(
                r'Target="([^"]+)"(?:\s+TargetMode="(\w+)")?', z.read(name).decode("utf-8")
            ):
                if mode != "External":
                    targets.add(
                        target.lstrip("/")
                        if target.startswith("/")
                        else posixpath.normpath(posixpath.join(folder, target))
                    )
    missing = sorted(t for t in targets if t not in present and t in original)
    if missing:
        with zipfile.ZipFile(saved, "a", zipfile.ZIP_DEFLATED) as z:
            for name in missing:
                z.writestr(name, original[name])
