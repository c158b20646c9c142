"""The headless host: 校验 marks written into an .xlsx/.xlsm package, and taken out again.

openpyxl rewrites every part it saves and drops what it does not know, so this host
edits the package directly and copies every other part byte for byte. What 校验 writes
(marks, notes, the 校验结果 sheet) and the record of it are in jixiao.hosts.package_marks;
清除标记, which undoes exactly what the record names, in jixiao.hosts.package_undo. This
module reads the file once for both (the forms and the package from the same bytes) and
writes the copy.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from jixiao.app.marks import run_now
from jixiao.core.errors import InputError
from jixiao.core.findings import Finding
from jixiao.formats.files import FileKind, file_kind
from jixiao.formats.grid import ROWS_SETTING
from jixiao.formats.package import (
    REPAIR,
    Package,
    asks_recalculation,
    check_xml_parts,
)
from jixiao.formats.xlsx_file import open_package_data, refuse_doctype
from jixiao.formats.xlsx_grid import read_zip_grid
from jixiao.hosts.package_marks import mark_package
from jixiao.hosts.package_undo import clear_marks
from jixiao.readers.workbook import BookContents, read_forms, read_workbook_file


class PackageHost:
    """The headless host: marks written into the package in memory, saved by ``save``."""

    def __init__(
        self, src: Path, functions: ModuleType | Callable[[], ModuleType] | None = None
    ) -> None:
        self.src = Path(src)
        self.source = str(src)
        # jixiao.udfs, or what loads it: stale cached values are computed on save. The
        # command line gives the loader, since the module loads xlwings (and pandas).
        self.functions = functions
        self._pkg: Package | None = None
        # What ``read`` left for the package: the file's bytes, its zip, the parts unpacked
        # and the sheets' text as decoded.
        self._read: tuple[bytes, zipfile.ZipFile, dict[str, bytes], dict[str, str]] | None = None
        # Whether a formula cell read may lack its cached value (None: not read here).
        self._uncached: bool | None = None
        # A sheet read only in part (sheet, rows, rows read): no cached values are computed.
        self._too_long: tuple[str, int, int] | None = None
        # What the user should know about the copy ``save`` wrote.
        self.notes: list[str] = []

    @property
    def pkg(self) -> Package:
        # Made on first use, of the bytes ``read`` read and the parts it unpacked: the
        # reader's clearer messages about a damaged file come first. A part that could
        # not be written back, or that 清除标记 would refuse, is refused here.
        if self._pkg is None:
            if self._read is None:
                pkg = Package.read(self.src, self.source)
                read: set[str] = set()
            else:
                data, zf, unpacked, texts = self._read
                self._read = None
                try:
                    pkg = Package.from_zip(data, zf, unpacked, texts, shown=self.source)
                except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
                    raise InputError(f"文件的 zip 结构已损坏：{REPAIR}", file=self.source) from None
                read = set(unpacked)
            check_xml_parts(pkg, self.source, skip=read)
            # Before any edit: one that re-serialised a part could drop its DOCTYPE and
            # hide it; validate and clear refuse it alike.
            refuse_doctype(pkg.data, self.src, self.source)
            for part in ("[Content_Types].xml", "xl/workbook.xml"):
                if part not in pkg.data:
                    raise InputError(f"工作簿缺少 {part} 部分：{REPAIR}", file=self.source)
            self._pkg = pkg
        return self._pkg

    def read(self) -> BookContents:
        """Every form of the workbook. The file is read once: the package that takes the
        marks is made of the same bytes (and the parts the grid reader unpacked)."""
        if self._pkg is not None or file_kind(self.src) is not FileKind.XLSX:
            return read_workbook_file(self.src, self.source)
        data, zf = open_package_data(self.src, self.source)
        unpacked: dict[str, bytes] = {}
        texts: dict[str, str] = {}
        grid = read_zip_grid(zf, self.source, unpacked, texts)
        self._read = (data, zf, unpacked, texts)
        self._uncached = grid.uncached
        self._too_long = grid.cut[0] if grid.cut else None
        return read_forms(grid)

    async def clear_marks(self) -> None:
        clear_marks(self.pkg)

    async def write_marks(
        self, findings: list[Finding], skipped: Sequence[tuple[str, str]] = ()
    ) -> None:
        pkg = self.pkg
        clear_marks(pkg)
        mark_package(pkg, findings, self.source, skipped)

    def save(self, dst: Path) -> None:
        # Cached values a program saved are its own results and stay; a file that asks to
        # be recalculated, or lacks them, gets ours so that viewers show the numbers.
        self.notes = []
        if self.functions is not None and self._stale():
            too_long = self._too_long
            if too_long is None:  # bounded as reading is: a long sheet is not computed
                functions = self.functions
                if not isinstance(functions, ModuleType):
                    functions = functions()
                # Loaded here: a file with its cached values (what Excel saves) needs
                # neither this module nor the cell reader it brings (jixiao.formats.cells).
                from jixiao.formats.cached import write_cached_values  # noqa: PLC0415

                too_long = write_cached_values(self.pkg, functions).too_long
            if too_long is not None:
                self.notes.append(uncomputed_note(*too_long))
        self.pkg.write(Path(dst), copy=True)

    def _stale(self) -> bool:
        """jixiao.formats.cached.stale; the sheets are not searched again when reading
        them found a cached value in every formula cell."""
        pkg = self.pkg
        if asks_recalculation(pkg):
            return True
        if self._uncached is False:
            return False
        from jixiao.formats.cached import lacks_values  # noqa: PLC0415  (as in save)

        return lacks_values(pkg)


def uncomputed_note(sheet: str, rows: int, limit: int) -> str:
    """Why a copy of a file without cached values got none of jixiao's either."""
    return (
        f"工作表“{sheet}”有 {rows} 行，超过每张表最多读取的 {limit} 行，所以没有为副本计算公式的结果"
        f"（缓存值）：副本中公式的结果与原文件相同，在 Excel 或 WPS 中打开时会重新计算；"
        f"需要时可用环境变量 {ROWS_SETTING} 调高行数上限"
    )


def annotate(src: Path, dst: Path, findings: list[Finding]) -> None:
    """Write findings into a copy of the workbook (dst may equal src for --in-place)."""
    host = PackageHost(src)
    run_now(host.write_marks(findings))
    host.save(dst)


def clear(src: Path, dst: Path) -> None:
    host = PackageHost(src)
    run_now(host.clear_marks())
    host.save(dst)
