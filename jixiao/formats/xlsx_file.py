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
4. the zip: damaged or truncated, encrypted members, more than :data:`MAX_UNPACKED_BYTES`
   once unpacked or more than :data:`MAX_MEMBERS` members (a zip bomb);
5. then openpyxl, reading from memory: malformed XML is traced to the part (and sheet)
   it is in, a missing part is named, anything else becomes a short generic message.

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
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from jixiao.core.errors import InputError

if TYPE_CHECKING:  # openpyxl is loaded when a workbook is opened with it, not before
    from openpyxl.workbook.workbook import Workbook

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_UNPACKED_BYTES",
    "PICTURE_HINT",
    "check_package",
    "load_error",
    "open_package",
    "open_package_data",
    "open_workbook",
    "picture_kind",
    "save_workbook",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest file accepted (20 MB). A filled self-evaluation workbook is under 200 KB."""
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""Largest total of the zip's members once unpacked (100 MB): beyond it, a zip bomb."""
MAX_MEMBERS = 5000
"""Most members a workbook zip may have."""

_MB = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MACRO_SUFFIXES = (".xlsm", ".xltm")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
_RESAVE = "请在 Excel 或 WPS 中打开，另存为 Excel 工作簿（.xlsx 或 .xlsm）后再用"
_REPAIR = (
    "请在 Excel 或 WPS 中打开（Excel 会提示修复），修复后另存为 .xlsx 或 .xlsm 再试；"
    "打不开时请向填报人索取原文件"
)
_MISSING_ITEM = re.compile(r"There is no item named '([^']+)' in the archive")
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
            return _load(data, read_only=read_only, keep_vba=keep_vba, data_only=data_only)
    except MemoryError:
        raise _fail(shown, f"工作簿内容过多，内存不足以读取：{_TRIM_HINT}") from None
    except Exception as e:  # never anything but InputError
        raise _explain_load_error(e, zf, shown) from None


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
    or missing part is named (and the sheet it holds), malformed XML traced to its part."""
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
    except Exception as e:
        raise _fail(
            shown,
            f"文件不完整或已损坏（{_short(e)}），可能下载或复制时中断了：请重新下载或向填报人"
            "索取原文件；若 Excel 或 WPS 能打开它，请另存为 .xlsx 或 .xlsm 后再试",
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
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES or len(infos) > MAX_MEMBERS:
        size = (
            f"约 {unpacked / _MB:.0f} MB"
            if unpacked > MAX_UNPACKED_BYTES
            else f"{len(infos)} 个部分"
        )
        raise _fail(
            shown,
            f"工作簿解压后{size}，超过 jixiao 能处理的上限（{MAX_UNPACKED_BYTES // _MB} MB、"
            f"{MAX_MEMBERS} 个部分），可能已损坏或是恶意构造的文件：请在 Excel 或 WPS 中打开检查，"
            "删除多余的工作表、图片和空白行列后另存再试",
        )
    if "[Content_Types].xml" not in names:
        raise _fail(shown, _missing_part_message("[Content_Types].xml", zf))


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
        return _fail(shown, f"无法读取工作簿（{type(e).__name__}: {_short(e)}）：{_REPAIR}")


def _explain(e: Exception, zf: zipfile.ZipFile, shown: str) -> InputError:
    if isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError)):
        part = _first_unreadable_member(zf) or _member_named_in(str(e), zf)
        if part is not None:
            desc, where = _describe_part(part, zf)
            return _fail(shown, f"工作簿内部的{desc}部分已损坏（数据校验失败）：{_REPAIR}", where)
        return _fail(shown, f"文件已损坏（{_short(e)}）：{_REPAIR}")
    broken = _broken_parts(zf)
    if broken:
        return _broken_error(broken, zf, shown)
    if isinstance(e, KeyError):
        m = _MISSING_ITEM.search(str(e))
        if m:
            return _fail(shown, _missing_part_message(m.group(1), zf))
    return _fail(
        shown,
        f"无法读取工作簿：内部结构有误或使用了不支持的格式（{type(e).__name__}: {_short(e)}）："
        f"{_REPAIR}",
    )


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
    desc, _where = _describe_part(part, zf)
    return f"工作簿内部缺少{desc}部分，文件不完整：{_REPAIR}"


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
    except Exception as e:
        return _short(e)
    return None


def _first_unreadable_member(zf: zipfile.ZipFile) -> str | None:
    for info in zf.infolist():
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
