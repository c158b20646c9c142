"""The first bytes of the file kinds jixiao meets, with no library behind them.

``jixiao check`` tells a JSON form from a workbook or a Word document with these, before
it loads any workbook library (jixiao.formats.files reads the file for real).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["BARE_BIFF", "BOOK_SUFFIXES", "OLE_MAGIC", "ZIP_MAGICS", "is_book_file"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of the old Office formats
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")  # .xlsx, .docx and other zips
# BOF records of BIFF2-BIFF8 streams stored without an OLE container (Excel 2.x-4.x files).
BARE_BIFF = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")

# Names of workbooks, documents and what is sent in their place (PDF, scanned pages), for
# a file whose bytes do not say: the workbook and document readers explain what it is (a
# web page saved as .xls, a picture …), where the JSON reader could only say "not JSON".
BOOK_SUFFIXES = frozenset(
    {
        ".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".xlsb", ".et", ".ods", ".csv",
        ".docx", ".docm", ".dotx", ".dotm", ".doc", ".dot", ".wps", ".odt", ".rtf", ".pdf",
        ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".heic",
    }
)  # fmt: skip


def is_book_file(path: Path) -> bool:
    """Whether the file is (or is named as) a workbook or a document rather than a JSON
    form: an Office container or zip by its first bytes, else by its extension."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except (OSError, ValueError):
        head = b""
    if head.startswith((OLE_MAGIC, *ZIP_MAGICS)) or head[:2] in BARE_BIFF:
        return True
    return path.suffix.lower() in BOOK_SUFFIXES
