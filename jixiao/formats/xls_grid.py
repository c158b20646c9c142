"""An Excel 97-2003 workbook (.xls, BIFF8) as a grid of cells for the readers, with xlrd.

xlrd gives each cell's value (for a formula cell: the result Excel last saved), the
cell's number format, merged ranges, hidden sheets and defined names, but never the
formula text: the grid is read by value, like a live workbook (``formulas=None``,
``with_formulas=False``), so Q08 (a template formula typed over) cannot run on it.

Values come out as :func:`jixiao.formats.xlsx_grid.read_grid` gives them: numbers as
``int`` when integral, else ``float``; text; booleans; dates as ``datetime`` (a time
alone as ``time``, an elapsed-time format such as ``[h]:mm`` as ``timedelta``, with
openpyxl's own conversion so both sources agree); error values as their Excel text
("#DIV/0!") with the position in ``errors``. Empty and blank (formatted only) cells are
absent. At most :func:`~jixiao.formats.grid.row_limit` rows and
:data:`~jixiao.formats.grid.MAX_COLS` columns of each sheet are read (a note says when
rows holding values were left out).

Nothing but :class:`jixiao.core.errors.InputError` leaves :func:`read_xls_grid`: a file
that is not an .xls (text, a web page, an .xlsx or a Word file renamed .xls), a damaged
one or one with an open password gets one Chinese message naming the file.
"""

from __future__ import annotations

import contextlib
import stat
from pathlib import Path
from typing import Any

import xlrd
from openpyxl.styles.numbers import is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel
from xlrd.compdoc import CompDoc, CompDocError
from xlrd.formula import oREF

from jixiao.core.errors import InputError
from jixiao.formats.grid import MAX_COLS, BookGrid, Bounds, SheetGrid, row_limit, truncated_note
from jixiao.formats.xlsx_file import MAX_FILE_BYTES, check_package

__all__ = ["read_xls_grid"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# BOF records of BIFF2-BIFF8 streams stored without an OLE container (Excel 2.x-4.x files).
_BARE_BIFF = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")
_MB = 1024 * 1024

_RESAVE = "请在 Excel 或 WPS 中打开，另存为 Excel 工作簿（.xlsx）后再用"
_REPAIR = (
    "请在 Excel 或 WPS 中打开（Excel 会提示修复），另存为 .xlsx 后再试；"
    "打不开时请向填报人索取原文件"
)
_PASSWORD = (
    "工作簿设置了打开密码（已加密），jixiao 无法读取：请在 Excel 或 WPS 中输入密码打开，"
    "取消密码（Excel：文件→信息→保护工作簿→用密码进行加密，清空密码；"
    "WPS：文件→文档加密→密码加密，清空密码）并保存后再试"
)


class _Discard:
    """xlrd writes warnings to its logfile (stdout by default): they must not reach the user."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def read_xls_grid(path: Path, source: str | None = None) -> BookGrid:
    """Every worksheet of the .xls file at ``path`` (``source`` names it in messages).

    Read by value: xlrd does not give formulas, so every sheet has ``formulas=None`` and
    the book ``with_formulas=False``.
    """
    path = Path(path)
    shown = source or str(path)
    data = _read(path, shown)
    if not (data.startswith(_OLE_MAGIC) or data[:2] in _BARE_BIFF):
        raise _not_xls(path, shown)
    current: list[str] = []  # the sheet being read, for the message if it is damaged
    try:
        if data.startswith(_OLE_MAGIC):
            _check_short_stream_chain(data)
        book = xlrd.open_workbook(
            file_contents=data,
            formatting_info=True,  # merges and number formats
            on_demand=True,  # sheets are parsed one at a time, then unloaded
            ragged_rows=True,
            logfile=_Discard(),
            ignore_workbook_corruption=True,  # what Excel itself opens without a word
        )
    except MemoryError:
        raise InputError(_TOO_MUCH, file=shown) from None
    except Exception as e:  # never anything but InputError
        raise InputError(_explain(e, data, path.suffix.lower()), file=shown) from None
    try:
        return _book_grid(book, shown, current)
    except MemoryError:
        raise InputError(_TOO_MUCH, file=shown) from None
    except Exception as e:
        where = f"工作表“{current[-1]}”" if current else None
        raise InputError(_explain(e, data, path.suffix.lower()), file=shown, where=where) from None
    finally:
        with contextlib.suppress(Exception):
            book.release_resources()


_TOO_MUCH = "工作簿内容过多，内存不足以读取：请删除多余的工作表、图片和空白行列后另存为 .xlsx 再试"


# ---- the workbook -------------------------------------------------------------------------


def _book_grid(book: Any, shown: str, current: list[str]) -> BookGrid:
    grid = BookGrid(shown, with_formulas=False)
    epoch = MAC_EPOCH if book.datemode == 1 else WINDOWS_EPOCH
    formats = {key: fmt.format_str for key, fmt in book.format_map.items()}
    limit = row_limit()
    for index, title in enumerate(book.sheet_names()):
        current.append(title)
        sheet = book.sheet_by_index(index)
        grid.sheets.append(_sheet_grid(sheet, book, formats, epoch, limit))
        if (rows := _last_row(sheet)) > limit:
            grid.notes.append(truncated_note(title, rows, limit))
        book.unload_sheet(index)
    current.clear()
    titles = [s.title for s in grid.sheets]
    for name in book.name_obj_list:
        if name.builtin or name.macro or name.name.startswith(("_xlnm.", "_xlfn.")):
            # Print_Area, _FilterDatabase … (also as LibreOffice writes them, "_xlnm.…"),
            # and the placeholders of newer functions (_xlfn.IFERROR): openpyxl does not
            # list these among a workbook's names either.
            continue
        target = _name_target(name, titles)
        scope = name.scope
        if scope == -1:
            grid.names[name.name] = target
        elif 0 <= scope < len(grid.sheets):
            sheet_grid = grid.sheets[scope]
            on_sheet = target is not None and target[0] == sheet_grid.title
            sheet_grid.names[name.name] = target[1] if on_sheet and target else None
    return grid


def _last_row(sheet: Any) -> int:
    """The last row holding a value (1-based; 0 for none)."""
    empty = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
    for r in range(sheet.nrows - 1, -1, -1):
        if any(t not in empty for t in sheet.row_types(r)):
            return r + 1
    return 0


def _sheet_grid(
    sheet: Any, book: Any, formats: dict[int, str], epoch: Any, limit: int
) -> SheetGrid:
    grid = SheetGrid(sheet.name, formulas=None, visible=sheet.visibility == 0)
    for r in range(min(sheet.nrows, limit)):
        for c in range(min(sheet.row_len(r), MAX_COLS)):
            ctype = sheet.cell_type(r, c)
            if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            raw = sheet.cell_value(r, c)
            fmt = _format(sheet, book, formats, r, c)
            pos = (r + 1, c + 1)
            if ctype == xlrd.XL_CELL_TEXT:
                if raw == "":
                    continue  # a formula that shows nothing
                value: Any = raw
            elif ctype == xlrd.XL_CELL_NUMBER:
                value = _number(raw)
            elif ctype == xlrd.XL_CELL_DATE:
                value = _date(raw, fmt, epoch)
            elif ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(raw)
            elif ctype == xlrd.XL_CELL_ERROR:
                # Codes outside Excel's seven cannot be in a valid file.
                value = xlrd.error_text_from_code.get(raw, "#N/A")
                grid.errors.add(pos)
            else:
                value = str(raw)
            grid.values[pos] = value
            if fmt and fmt != "General":
                grid.number_formats[pos] = fmt
    for rlo, rhi, clo, chi in sheet.merged_cells:  # 0-based, the high ends exclusive
        grid.merges.append((clo + 1, rlo + 1, chi, rhi))
    return grid


def _format(sheet: Any, book: Any, formats: dict[int, str], r: int, c: int) -> str | None:
    try:
        xf = book.xf_list[sheet.cell_xf_index(r, c)]
    except (IndexError, AttributeError):
        return None
    return formats.get(xf.format_key)


def _number(raw: float) -> int | float:
    return int(raw) if float(raw).is_integer() else float(raw)


def _date(raw: float, fmt: str | None, epoch: Any) -> Any:
    """The date Excel shows for a serial number; the number itself when it is none."""
    try:
        return from_excel(raw, epoch, timedelta=bool(fmt) and is_timedelta_format(fmt))
    except (OverflowError, ValueError, TypeError):
        return _number(raw)


def _name_target(name: Any, titles: list[str]) -> tuple[str, Bounds] | None:
    """(sheet, bounds) of the first single-sheet area a name refers to; None for anything
    else (a constant, a formula, a relative reference, #REF! after deleted cells)."""
    result = name.result
    if result is None or result.kind != oREF:
        return None
    for ref in result.value or ():
        shtxlo, shtxhi, rlo, rhi, clo, chi = ref.coords
        if 0 <= shtxlo == shtxhi - 1 < len(titles) and rlo < rhi and clo < chi:
            return titles[shtxlo], (clo + 1, rlo + 1, chi, rhi)
    return None


def _check_short_stream_chain(data: bytes) -> None:
    """Refuse a workbook stream whose short-sector chain loops back on itself.

    xlrd 2.0 follows the chain of a stream under 4096 bytes (kept in the "short" sectors)
    without checking for a loop: a damaged file then makes it allocate memory until the
    machine gives out. Excel pads the workbook stream to 4096 bytes, so only damaged or
    hand-made files have such a stream; its chain is walked here, at most once per entry.
    """
    doc = CompDoc(data, logfile=_Discard(), ignore_workbook_corruption=True)
    table = doc.SSAT
    for entry in doc.dirlist:
        if entry.name not in ("Workbook", "Book") or entry.tot_size >= doc.min_size_std_stream:
            continue
        sid, steps = entry.first_SID, 0
        while sid >= 0:
            steps += 1
            if steps > len(table) or sid >= len(table):
                raise CompDocError(f"{entry.name} 数据流的扇区链断开或循环")
            sid = table[sid]


# ---- what the file is when xlrd cannot read it --------------------------------------------


def _read(path: Path, shown: str) -> bytes:
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(
            "文件不存在：请检查文件名和文件夹是否正确（.xls 工作簿）", file=shown
        ) from None
    except PermissionError:
        raise InputError(_LOCKED, file=shown) from None
    except (OSError, ValueError) as e:
        raise InputError(f"无法访问该文件（{_short(e)}）：请检查路径是否正确", file=shown) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("这是一个文件夹，不是工作簿文件：请指定其中的 .xls 文件", file=shown)
    if not stat.S_ISREG(st.st_mode):
        raise InputError("这不是普通文件（可能是设备或管道）：请指定 .xls 工作簿文件", file=shown)
    if st.st_size == 0:
        raise InputError(
            "文件是空的（0 字节），可能保存或复制时中断了：请重新保存，或向填报人索取原文件",
            file=shown,
        )
    if st.st_size > MAX_FILE_BYTES:
        raise InputError(_too_large(st.st_size), file=shown)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise InputError(_LOCKED, file=shown) from None
    except OSError as e:
        raise InputError(
            f"无法读取该文件（{_short(e)}）：请把文件复制到本机后再试", file=shown
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(_too_large(len(data)), file=shown)
    if not data:
        raise InputError("文件是空的（0 字节）：请重新保存，或向填报人索取原文件", file=shown)
    return data


_LOCKED = (
    "没有读取该文件的权限，或文件正被其他程序占用（例如在 Excel 或 WPS 中打开着）："
    "请关闭该文件后再试"
)


def _too_large(size: int) -> str:
    return (
        f"文件有 {size / _MB:.1f} MB，超过 jixiao 能读取的上限（{MAX_FILE_BYTES // _MB} MB），"
        "一份自评表通常不到 1 MB：请删除多余的工作表、图片和空白行列后另存为 .xlsx 再试"
    )


def _not_xls(path: Path, shown: str) -> InputError:
    """Not an OLE file: the .xlsx checks say what it is (text, a web page, a Word file …)."""
    try:
        check_package(path)
    except InputError as e:
        return InputError(e.detail, file=shown, where=e.where)
    return InputError(
        f"这是 Excel 2007 及以后的工作簿（.xlsx 或 .xlsm 格式），只是扩展名为 "
        f"{path.suffix or '（无）'}：请把扩展名改为 .xlsx 后再用",
        file=shown,
    )


def _ole_has(data: bytes, *streams: str) -> bool:
    """Whether the OLE directory names one of ``streams`` (directory names are UTF-16LE)."""
    return any(s.encode("utf-16-le") in data for s in streams)


def _explain(e: Exception, data: bytes, suffix: str = ".xls") -> str:
    text = str(e)
    if "encrypted" in text.lower() or _ole_has(data, "EncryptionInfo", "EncryptedPackage"):
        return _PASSWORD
    if "Can't find workbook" in text:
        if _ole_has(data, "WordDocument"):
            return (
                "这是旧版 Word 文档（.doc），不是 Excel 工作簿：请指定自评表的 .xls 或 .xlsx 文件"
            )
        if _ole_has(data, "PowerPoint Document"):
            return "这是旧版 PowerPoint 演示文稿（.ppt），不是 Excel 工作簿：请指定自评表的 .xls 或 .xlsx 文件"
        if suffix == ".et":
            return "这是 WPS 表格自己格式的文件（.et），jixiao 读不了：请在 WPS 中打开，另存为 Excel 工作簿（.xlsx）后再用"
        return "这是旧版 Office 格式的文件，但里面没有工作簿（可能已损坏）：" + _RESAVE
    return f"文件已损坏或不完整，无法读取：{_REPAIR}"


def _short(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 80 else text[:77] + "…"
