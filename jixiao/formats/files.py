"""Which reader a file needs, by what it is rather than by what it is called.

Forms arrive as Excel 2007+ workbooks (.xlsx/.xlsm), Excel 97-2003 workbooks (.xls) and
tables inside Word reports (.docx), and files are renamed on the way: a report saved as
"自评表.xls", an .xls renamed .xlsx. :func:`file_kind` looks at the bytes:

- an OLE compound file (the container of the old Office formats) whose top-level
  streams hold a workbook ("Workbook", "Book") is an .xls; one with "WordDocument" is an
  old Word (or WPS) document, which the Word reader refuses with its own message;
- an Excel 2-4 stream stored without a container is an .xls too;
- a zip whose main part is a Word document (``word/document.xml``) is a .docx; any other
  zip goes to the workbook reader, which reads an .xlsx/.xlsm and says what else it is
  (.ods, .pptx, .xlsb, a plain archive);
- anything else, or a file that cannot be read at all, goes to the reader its extension
  names (.doc/.docx/.docm/.wps to the Word reader, .xls/.et to the .xls reader), whose
  message says what the file is (a web page, a PDF, a picture, text …) and what to do.

:func:`read_book_grid` then reads the file with that reader. Nothing but
:class:`jixiao.core.errors.InputError` leaves it, one Chinese message naming the file.

The readers of .xls (xlrd) and Word documents (python-docx) are loaded when such a file
comes up (``READERS``), so whatever imports the workbook readers — the buttons, xlwings
Lite in the browser — needs neither library until it meets one of those files.
"""

from __future__ import annotations

import importlib
import zipfile
from enum import StrEnum
from pathlib import Path
from typing import Any

from jixiao.formats.grid import BookGrid
from jixiao.formats.magic import BARE_BIFF, OLE_MAGIC, ZIP_MAGICS

__all__ = ["FileKind", "file_kind", "read_book_grid"]


class FileKind(StrEnum):
    """The reader a file needs; the value is the format's usual extension, without the dot."""

    XLSX = "xlsx"  # Excel 2007 and later, .xlsx/.xlsm (openpyxl)
    XLS = "xls"  # Excel 97-2003 (xlrd)
    DOCX = "docx"  # tables of a Word document (python-docx)

    @property
    def description(self) -> str:
        """How messages name the kind: "Excel 97-2003 工作簿（.xls）"."""
        return _DESCRIPTIONS[self]

    @property
    def suffixes(self) -> tuple[str, ...]:
        """The extensions files of this kind have when they are not renamed."""
        return _SUFFIXES[self]

    @property
    def annotates(self) -> bool:
        """Whether ``jixiao validate`` can write its marks into a copy of such a file."""
        return self is FileKind.XLSX


_SUFFIXES = {
    FileKind.XLSX: (".xlsx", ".xlsm", ".xltx", ".xltm"),
    FileKind.XLS: (".xls", ".xlt", ".et"),
    FileKind.DOCX: (".docx", ".docm", ".dotx", ".dotm"),
}
_DESCRIPTIONS = {
    FileKind.XLSX: "Excel 工作簿（.xlsx/.xlsm）",
    FileKind.XLS: "Excel 97-2003 工作簿（.xls）",
    FileKind.DOCX: "Word 文档（.docx）",
}

_WORD_SUFFIXES = (".doc", ".docx", ".docm", ".dotx", ".dotm", ".dot", ".wps")
_XLS_SUFFIXES = (".xls", ".xlt", ".et")
_WORKBOOK_STREAMS = ("Workbook", "Book")
_WORD_STREAMS = ("WordDocument",)
_ENCRYPTED_STREAMS = ("EncryptionInfo", "EncryptedPackage")


def file_kind(path: Path) -> FileKind:
    """Which reader the file at ``path`` needs (see the module's docstring)."""
    path = Path(path)
    by_name = _by_suffix(path)
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except (OSError, ValueError):
        return by_name  # missing, a folder, locked: that reader says so
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path, by_name)
    if head.startswith(ZIP_MAGICS):
        return _zip_kind(path, by_name)
    if head[:2] in BARE_BIFF:
        return FileKind.XLS
    return by_name


# Kind -> (module, function(path, source) -> BookGrid), loaded when a file of the kind comes up.
READERS: dict[FileKind, tuple[str, str]] = {
    FileKind.XLSX: ("jixiao.formats.xlsx_grid", "read_grid"),
    FileKind.XLS: ("jixiao.formats.xls_grid", "read_xls_grid"),
    FileKind.DOCX: ("jixiao.formats.docx_grid", "read_docx_grid"),
}

# The most a sniff reads of an old Office file: the largest file a reader takes
# (jixiao.formats.docx_grid.MAX_DOCX_BYTES, 50 MB); the readers refuse larger ones.
_MAX_READ = 50 * 1024 * 1024


def read_book_grid(path: Path, source: str | None = None) -> tuple[FileKind, BookGrid]:
    """The file's kind and its sheets (a Word document's tables as sheets "表1", "表2" …)."""
    kind = file_kind(path)
    module, function = READERS[kind]
    read = getattr(importlib.import_module(module), function)
    return kind, read(path, source)


def _by_suffix(path: Path) -> FileKind:
    suffix = path.suffix.lower()
    if suffix in _WORD_SUFFIXES:
        return FileKind.DOCX
    if suffix in _XLS_SUFFIXES:
        return FileKind.XLS
    return FileKind.XLSX


def _ole_kind(path: Path, by_name: FileKind) -> FileKind:
    """An old Office file: a workbook is an .xls; a Word document goes to the Word reader
    (which refuses a .doc with its own message); an encrypted Office 2007+ file to the
    reader its extension names (each has its own message about the password)."""
    try:
        with path.open("rb") as f:
            data = f.read(_MAX_READ + 1)
    except (OSError, ValueError):
        return by_name
    streams = _top_streams(data)
    if any(s in streams for s in _ENCRYPTED_STREAMS):
        return FileKind.DOCX if by_name is FileKind.DOCX else FileKind.XLSX
    if any(s in streams for s in _WORD_STREAMS):
        return FileKind.DOCX
    if any(s in streams for s in _WORKBOOK_STREAMS):
        return FileKind.XLS
    # Damaged, or some other Office file (.ppt): the .xls reader explains, unless the
    # name says Word.
    return FileKind.DOCX if by_name is FileKind.DOCX else FileKind.XLS


def _top_streams(data: bytes) -> set[str]:
    """Names of the compound file's top-level entries. An embedded object (a chart in a
    .doc, a document in a workbook) sits in a storage of its own and does not count. When
    the directory cannot be parsed, every name found in it (UTF-16LE) stands in."""
    try:
        compdoc: Any = importlib.import_module("xlrd.compdoc")  # xlrd: only for an OLE file
        doc = compdoc.CompDoc(data, logfile=_Discard(), ignore_workbook_corruption=True)
        return {d.name for d in doc.dirlist if d.parent == 0}
    except Exception:
        names = (*_WORKBOOK_STREAMS, *_WORD_STREAMS, *_ENCRYPTED_STREAMS)
        return {name for name in names if name.encode("utf-16-le") in data}


def _zip_kind(path: Path, by_name: FileKind) -> FileKind:
    """A zip: a Word document if its main part is one; a damaged zip by its name."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            try:
                rels = zf.read("_rels/.rels") if "_rels/.rels" in names else b""
            except Exception:  # damaged (zlib.error, Bad CRC), method 99: the reader says so
                rels = b""
    except Exception:  # not a zip after all, truncated: the reader its name picks says so
        return FileKind.DOCX if by_name is FileKind.DOCX else FileKind.XLSX
    if "word/document.xml" in names:
        return FileKind.DOCX
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return FileKind.XLSX
    if b"officeDocument" in rels and b'Target="word/' in rels.replace(b'Target="/', b'Target="'):
        return FileKind.DOCX
    return FileKind.XLSX


class _Discard:
    """xlrd's compound-file reader writes warnings to a log file: none must reach the user."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
