"""Workbook packages damaged inside (issue 13): read as Excel or openpyxl would, or refused
with one Chinese message naming the file, the part and the sheet — never 内部错误.

Each case is a real workbook (a filled one from the bad-input corpus, or a template as
Excel saved it) with one zip member changed, made here with zipfile. What every case
shares: the exit code, no internal error, no exception text, the input left as it was.
"""

from __future__ import annotations

import json
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_bad_inputs import assert_one_chinese_message

from jixiao.cli import main
from jixiao.cli.common import json_text
from jixiao.core.errors import InputError
from jixiao.formats.grid import MAX_ROWS
from jixiao.formats.xlsx_file import (
    MAX_MEMBERS,
    MAX_PART_BYTES,
    MAX_UNPACKED_BYTES,
    open_workbook,
)
from jixiao.formats.xml import has_doctype
from jixiao.hosts import xlwings as live
from jixiao.macros import buttons

REPO = Path(__file__).resolve().parents[1]
FILLED = REPO / "tests" / "bad_inputs" / "formulas-intact.xlsm"  # openpyxl's layout, filled
TEMPLATE = REPO / "xlsx_templates" / "项目支出绩效自评表.xlsm"  # as Excel saved it, empty
MB = 1024 * 1024
BOOK = "xl/workbook.xml"
BOOK_RELS = "xl/_rels/workbook.xml.rels"
TYPES = "[Content_Types].xml"
FORM_PART = "xl/worksheets/sheet1.xml"  # 项目支出表
SETTINGS_PART = "xl/worksheets/sheet2.xml"  # 设置

Change = Callable[[bytes], bytes]


def mutated(
    src: Path,
    dst: Path,
    change: dict[str, Change] | None = None,
    drop: tuple[str, ...] = (),
    method99: tuple[str, ...] = (),
    add: dict[str, bytes] | None = None,
) -> Path:
    """``src`` with members changed, dropped or added; ``method99`` members are marked as
    stored with compression method 99 (AES, as a zip tool encrypts them)."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            if info.filename in drop:
                continue
            data = z.read(info)
            if change and info.filename in change:
                data = change[info.filename](data)
            method = zipfile.ZIP_STORED if info.filename in method99 else zipfile.ZIP_DEFLATED
            out.writestr(info.filename, data, compress_type=method)
        for name, data in (add or {}).items():
            out.writestr(name, data)
    if method99:
        raw = bytearray(dst.read_bytes())
        with zipfile.ZipFile(dst) as z:
            for info in z.infolist():
                if info.filename in method99:
                    struct.pack_into("<H", raw, info.header_offset + 8, 99)  # local header
        pos = raw.find(b"PK\x01\x02")
        while pos >= 0:  # central directory
            size = struct.unpack_from("<H", raw, pos + 28)[0]
            if raw[pos + 46 : pos + 46 + size].decode("utf-8") in method99:
                struct.pack_into("<H", raw, pos + 10, 99)
            pos = raw.find(b"PK\x01\x02", pos + 46)
        dst.write_bytes(bytes(raw))
    return dst


def sub(pattern: str, replacement: str) -> Change:
    """A change of a part's text (one regular-expression substitution, which must apply)."""

    def change(data: bytes) -> bytes:
        text, n = re.subn(pattern, replacement, data.decode("utf-8"), count=1)
        assert n == 1, pattern
        return text.encode("utf-8")

    return change


def run(
    capsys: pytest.CaptureFixture[str], command: str, path: Path, *extra: str, out: Path
) -> tuple[int, str, str]:
    """``jixiao command path``: the exit code, stdout and stderr; the input unchanged.
    validate and clear write their copy into the folder ``out``, never into the repository
    (an input there, as FILLED is, must not get a copy beside it)."""
    assert REPO not in out.resolve().parents, out
    before = path.read_bytes()
    args = [command, str(path), *extra]
    if command in ("validate", "clear"):
        args += ["-o", str(out / f"{path.stem}_out{path.suffix}")]
    code = main(args)
    out, err = capsys.readouterr()
    assert path.read_bytes() == before
    assert "内部错误" not in out + err and "Traceback" not in err, err
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], command: str, path: Path, out: Path) -> str:
    """The command exits 2 with one Chinese message naming the file."""
    code, _out, err = run(capsys, command, path, out=out)
    assert code == 2, err
    message = err.removeprefix("错误：").strip()
    assert_one_chinese_message(message, path)
    return message


def read_findings(
    capsys: pytest.CaptureFixture[str], path: Path, out: Path
) -> tuple[int, list[Any]]:
    code, out_text, err = run(capsys, "validate", path, "--json", out=out)
    assert code in (0, 1), err
    return code, json.loads(out_text)["findings"]


def define(name: str, text: str, scope: str = "") -> Change:
    """workbook.xml with the defined name ``name`` set to ``text`` (added if missing)."""

    def change(data: bytes) -> bytes:
        xml = data.decode("utf-8")
        pattern = rf'(<definedName name="{re.escape(name)}"[^>]*>)[^<]*(</definedName>)'
        if re.search(pattern, xml):
            return re.sub(pattern, lambda m: m.group(1) + text + m.group(2), xml).encode()
        element = f'<definedName name="{name}"{scope}>{text}</definedName>'
        return xml.replace("<definedNames>", "<definedNames>" + element, 1).encode("utf-8")

    return change


# ---- 4: a defined name that is not a cell reference ------------------------------------------

BARE_NAMES = ["y", "=OtherName", "OtherName", "'设置'!", "设置!#REF!", "设置!$B$4:x"]


@pytest.mark.parametrize("text", BARE_NAMES)
@pytest.mark.parametrize(
    ("name", "scope"),
    [("x", ""), ("x", ' localSheetId="0"'), ("jx_profile", ""), ("jxf_budget_executed", "")],
)
def test_a_name_that_is_no_reference_points_at_no_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, scope: str, text: str
) -> None:
    """Read as openpyxl and Excel read it: the name targets no cell, so a field falls back
    to its place in the layout and the profile to the default — the same findings."""
    _code, expected = read_findings(capsys, FILLED, tmp_path)
    book = mutated(FILLED, tmp_path / "名称.xlsm", {BOOK: define(name, text, scope)})
    _code, found = read_findings(capsys, book, tmp_path)
    assert found == expected


@pytest.mark.parametrize("reserved", ["_xlnm.Print_Titles", "_xlnm.Print_Area"])
def test_a_print_range_that_is_no_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], reserved: str
) -> None:
    book = mutated(
        FILLED, tmp_path / "打印.xlsm", {BOOK: define(reserved, "y", ' localSheetId="0"')}
    )
    code, _message = validate_and_clear_agree(capsys, book, tmp_path)
    assert code in (0, 1)
    wb = open_workbook(book, read_only=True)  # openpyxl's load too
    assert wb.vba_archive is not None
    wb.vba_archive.close()
    wb.close()


# ---- 5: a member stored with a compression method zipfile lacks -----------------------------


@pytest.mark.parametrize(
    ("member", "where"),
    [(FORM_PART, "工作表“项目支出表”"), ("xl/styles.xml", "样式（xl/styles.xml）")],
)
@pytest.mark.parametrize("command", ["validate", "export"])
def test_an_encrypted_member_the_reader_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, member: str, where: str
) -> None:
    book = mutated(FILLED, tmp_path / "加密成员.xlsm", method99=(member,))
    message = refused(capsys, command, book, tmp_path)
    assert member in message and where in message
    assert "不支持的压缩方式" in message and "加密" in message


def test_an_encrypted_member_the_reader_does_not_need(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The forms do not live in docProps/app.xml: export reads them all the same."""
    book = mutated(FILLED, tmp_path / "加密属性.xlsm", method99=("docProps/app.xml",))
    code, out, _err = run(capsys, "export", book, out=tmp_path)
    assert code == 0 and json.loads(out)["项目名称"] == "非公有制中小微企业发展项目"


def test_validate_with_an_encrypted_member_nobody_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The forms are read (the macros are not needed for that); the copy is written or
    refused by the package writer, never with an internal error."""
    book = mutated(FILLED, tmp_path / "加密宏.xlsm", method99=("xl/vbaProject.bin",))
    code, _out, err = run(capsys, "validate", book, out=tmp_path)
    assert code in (0, 1) or "xl/vbaProject.bin" in err


def test_open_workbook_names_the_encrypted_member(tmp_path: Path) -> None:
    """The openpyxl path (open_workbook) names it too."""
    book = mutated(FILLED, tmp_path / "加密宏.xlsm", method99=("xl/vbaProject.bin",))
    with pytest.raises(InputError) as info:
        open_workbook(book, read_only=True)
    message = str(info.value)
    assert_one_chinese_message(message, book)
    assert "xl/vbaProject.bin" in message and "不支持的压缩方式" in message


# ---- 6: a sheet the workbook lists whose part is missing ------------------------------------


def test_a_missing_unrelated_sheet_still_checks_the_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """设置 lost: the form is checked, and the user is told which sheet could not be read."""
    book = mutated(FILLED, tmp_path / "缺设置.xlsm", drop=(SETTINGS_PART,))
    code, out, _err = run(capsys, "validate", book, out=tmp_path)
    assert code in (0, 1)
    note = next(line for line in out.splitlines() if "未能读取" in line)
    assert "工作表“设置”" in note and SETTINGS_PART in note
    assert "校验了 1 张表（项目支出表）" in out


def test_a_missing_form_sheet_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = mutated(FILLED, tmp_path / "缺表.xlsm", drop=(FORM_PART,))
    message = refused(capsys, "validate", book, tmp_path)
    assert "工作表“项目支出表”未能读取" in message and FORM_PART in message


# ---- 13: 校验 in Excel reads a copy; messages name the user's workbook ------------------------


class _Api:
    def __init__(self, write: Callable[[Path], None]) -> None:
        self.write = write

    def SaveCopyAs(self, Filename: str) -> None:  # Excel's names
        self.write(Path(Filename))


class _DesktopBook:
    """What LiveBook reads of desktop Excel's Book: its names, SaveCopyAs, an alert."""

    def __init__(self, write: Callable[[Path], None]) -> None:
        self.name = "自评表.xlsm"
        self.fullname = r"D:\单位\2024\自评表.xlsm"
        self.api = _Api(write)
        self.alerts: list[str] = []
        engine = type("Engine", (), {"name": "excel"})()
        alert = lambda text, title="": self.alerts.append(text)  # noqa: E731
        self.app = type("App", (), {"engine": engine, "alert": staticmethod(alert)})()


@pytest.fixture
def on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "sys", type("Sys", (), {"platform": "win32"}))


def _failing_save(copy: Path) -> None:
    raise OSError(f"Microsoft Excel cannot access the file '{copy}'")


@pytest.mark.usefixtures("on_windows")
def test_excel_failing_to_save_the_copy_names_the_workbook() -> None:
    book = _DesktopBook(_failing_save)
    buttons.validate(book)  # the button: the message in an alert, nothing raised
    (message,) = book.alerts
    assert message.startswith(f"文件 {book.fullname}：")
    assert "校验副本" not in message and "jixiao-" not in message and "Excel cannot" not in message


@pytest.mark.usefixtures("on_windows")
@pytest.mark.parametrize(
    "damage",
    [
        {"drop": (FORM_PART,)},
        {"change": {TYPES: sub(r'<Override PartName="/xl/workbook.xml"[^>]*/>', "")}},
        {"change": {"_rels/.rels": lambda data: data[: len(data) // 2]}},
        {"method99": (FORM_PART,)},
    ],
    ids=["form-sheet-missing", "no-workbook-type", "root-rels-cut", "encrypted-sheet"],
)
def test_a_damaged_copy_names_the_workbook(tmp_path: Path, damage: dict[str, Any]) -> None:
    def save(copy: Path) -> None:
        mutated(FILLED, copy, **damage)

    book = _DesktopBook(save)
    host = live.LiveBook(book)
    try:
        host.read()
    except InputError as e:
        message = str(e)
        assert e.file == book.fullname and message.startswith(f"文件 {book.fullname}")
        assert "校验副本" not in message and "jixiao-" not in message
    else:  # read as openpyxl reads it (a cut _rels/.rels is not needed to find the sheets)
        assert damage.get("change", {}).keys() == {"_rels/.rels"}


def test_a_message_about_the_copy_is_about_the_workbook(tmp_path: Path) -> None:
    copy = tmp_path / "jixiao-abc" / "校验副本.xlsm"
    said = InputError(f"文件不存在（所在文件夹 {copy.parent} 也不存在）", file=str(copy))
    mapped = live.as_user_book(said, copy, r"D:\自评表.xlsm")
    assert mapped.file == r"D:\自评表.xlsm"
    assert "jixiao-abc" not in str(mapped) and "校验副本" not in str(mapped)


# ---- 14: structure that does not hold together, said in Chinese -------------------------------

STRUCTURE = {
    "no-workbook-type": (
        {TYPES: sub(r'<Override PartName="/xl/workbook.xml"[^>]*/>', "")},
        ["内容类型清单", "[Content_Types].xml", "工作簿主体部分"],
    ),
    "sheet-relationship-missing": (
        {BOOK_RELS: sub(r'<Relationship [^>]*Id="rId1"[^>]*/>', "")},
        ["工作表“项目支出表”", "rId1", BOOK_RELS],
    ),
    "no-sheets": ({BOOK: sub(r"<sheets>.*</sheets>", "<sheets/>")}, ["没有可读取的工作表"]),
    "target-nowhere": (
        {BOOK_RELS: sub(r"worksheets/sheet1\.xml", "worksheets/nothere.xml")},
        ["工作表“项目支出表”", "xl/worksheets/nothere.xml"],
    ),
    "sheet-without-name": (
        {BOOK: sub(r'name="项目支出表" ', "")},
        ["xl/workbook.xml", "第 1 张工作表没有名称"],
    ),
}


@pytest.mark.parametrize("base", [FILLED, TEMPLATE], ids=["filled", "excel-template"])
@pytest.mark.parametrize("case", sorted(STRUCTURE))
def test_structure_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, base: Path
) -> None:
    change, said = STRUCTURE[case]
    book = mutated(base, tmp_path / f"{case}.xlsm", change)
    message = refused(capsys, "validate", book, tmp_path)
    for words in said:
        assert words in message, message


OPENPYXL_CASES = {
    "sheet-relationship-missing": (
        {BOOK_RELS: sub(r'<Relationship [^>]*Id="rId2"[^>]*/>', "")},
        ["工作表“设置”", "rId2", BOOK_RELS],
    ),
    "relationship-without-id": (
        {BOOK_RELS: sub(r' Id="rId2"', "")},
        [BOOK_RELS, "缺少编号"],
    ),
    "no-workbook-type": (
        {TYPES: sub(r'<Override PartName="/xl/workbook.xml"[^>]*/>', "")},
        ["[Content_Types].xml", "工作簿主体部分"],
    ),
    "scope-not-a-number": (
        {BOOK: sub(r'localSheetId="0"', 'localSheetId="x"')},
        ["localSheetId", "无效"],
    ),
    "styles-missing": ({}, ["样式（xl/styles.xml）", "缺少"]),
}


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "full"])
@pytest.mark.parametrize("case", sorted(OPENPYXL_CASES))
def test_openpyxl_failures_are_said_in_chinese(tmp_path: Path, case: str, read_only: bool) -> None:
    """open_workbook (the openpyxl load): openpyxl's own
    errors (KeyError: 'rId2', IndexError, "File contains no valid workbook part") are
    traced to what is wrong, in Chinese."""
    change, said = OPENPYXL_CASES[case]
    drop = ("xl/styles.xml",) if case == "styles-missing" else ()
    book = mutated(FILLED, tmp_path / f"{case}.xlsm", change, drop)
    try:
        wb = open_workbook(book, read_only=read_only)
    except InputError as e:
        message = str(e)
        assert_one_chinese_message(message, book)
        for words in said:
            assert words in message, message
    else:  # openpyxl reads past it in this mode (read-only does not look at every part)
        if wb.vba_archive is not None:
            wb.vba_archive.close()
        wb.close()
        assert read_only and case in ("styles-missing", "relationship-without-id"), case


# ---- limits ------------------------------------------------------------------------------------


def test_too_many_members(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with zipfile.ZipFile(FILLED) as z:
        have = len(z.infolist())
    extra = {f"customXml/item{k}.xml": b"" for k in range(MAX_MEMBERS + 1 - have)}
    book = mutated(FILLED, tmp_path / "部分太多.xlsm", add=extra)
    message = refused(capsys, "validate", book, tmp_path)
    assert f"{MAX_MEMBERS + 1} 个部分" in message and f"上限 {MAX_MEMBERS} 个" in message


def test_too_much_unpacked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, "validate", REPO / "tests" / "bad_inputs" / "zip-bomb.xlsx", tmp_path)
    assert "解压后" in message and f"上限 {MAX_UNPACKED_BYTES // MB} MB" in message


def test_one_part_too_large(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One sheet over the single-part limit (its total under the overall limit)."""
    size = MAX_PART_BYTES + MB
    assert size < MAX_UNPACKED_BYTES

    def padded(data: bytes) -> bytes:
        return data.replace(b"</worksheet>", b" " * size + b"</worksheet>")

    book = mutated(FILLED, tmp_path / "大表.xlsm", {SETTINGS_PART: padded})
    message = refused(capsys, "validate", book, tmp_path)
    assert "工作表“设置”" in message and SETTINGS_PART in message
    assert f"上限 {MAX_PART_BYTES // MB} MB" in message


def test_rows_past_the_limit_are_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    far = MAX_ROWS + 500
    row = f'<row r="{far}"><c r="A{far}" t="inlineStr"><is><t>远处</t></is></c></row>'
    book = mutated(
        FILLED, tmp_path / "长表.xlsm", {SETTINGS_PART: sub("</sheetData>", row + "</sheetData>")}
    )
    code, out, _err = run(capsys, "validate", book, out=tmp_path)
    assert code in (0, 1)
    assert f"工作表“设置”有 {far} 行，只读取了前 {MAX_ROWS} 行" in out


# ---- fuzz findings on the reading side: one message, never 内部错误 ------------------------------

EXCEPTION_TEXT = re.compile(r"[A-Za-z]*Error\b|Exception|zlib|Errno|Traceback|_lst\b")


def no_exception_text(message: str) -> None:
    assert not EXCEPTION_TEXT.search(message), message


def damaged_deflate(book: Path, member: str) -> Path:
    """``book`` with ``member``'s deflate stream made invalid (its first block of a
    reserved type): unpacking it raises zlib.error, not zipfile's Bad CRC."""
    raw = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as z:
        info = z.getinfo(member)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    raw[info.header_offset + 30 + name_len + extra_len] = 0x07  # BFINAL, BTYPE 3: invalid
    book.write_bytes(bytes(raw))
    with zipfile.ZipFile(book) as z, pytest.raises(zlib.error):
        z.read(member)
    return book


# G6: the reader needs the part (sheet, styles, document properties): every command names it.
@pytest.mark.parametrize(
    ("member", "where"),
    [
        (FORM_PART, "工作表“项目支出表”"),
        ("xl/styles.xml", "样式（xl/styles.xml）"),
        ("docProps/core.xml", "docProps/core.xml"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "check", "export", "clear"])
def test_a_damaged_deflate_stream_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, member: str, where: str
) -> None:
    book = damaged_deflate(mutated(FILLED, tmp_path / "损坏.xlsm"), member)
    message = refused(capsys, command, book, tmp_path)
    assert where in message and "数据校验失败" in message
    no_exception_text(message)
    assert not (tmp_path / f"{book.stem}_out{book.suffix}").exists()


# G6: _rels/.rels is read first of all, to tell a Word document from a workbook.
@pytest.mark.parametrize("command", ["validate", "check", "export", "clear"])
def test_a_damaged_package_relationships_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    book = damaged_deflate(mutated(FILLED, tmp_path / "损坏.xlsm"), "_rels/.rels")
    code, _out, err = run(capsys, command, book, out=tmp_path)
    if command in ("validate", "clear"):  # the copy would hold it: refused, named
        assert code == 2
        message = err.removeprefix("错误：").strip()
        assert_one_chinese_message(message, book)
        assert "_rels/.rels" in message
        no_exception_text(message)
    else:  # the forms are read without it
        assert code in (0, 1), err


NOT_NUMBERS = ["-1E309", "1e400", "NaN", "9" * 400, "9" * 5000]


def _refuse_constant(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def numbers_in_cells(text: str) -> Change:
    """sheet1.xml with 全年执行数 (E7) and the first indicator's 得分 (G16) holding ``text``
    as a number cell's ``<v>``."""

    def change(data: bytes) -> bytes:
        for cell, was in (("E7", "10"), ("G16", "20")):
            old = f'<c r="{cell}" s="20" t="n"><v>{was}</v>'.encode()
            assert old in data
            data = data.replace(old, f'<c r="{cell}" s="20" t="n"><v>{text}</v>'.encode())
        return data

    return change


# G8: a number no cell can hold (infinite, NaN, beyond a double) is the text written.
@pytest.mark.parametrize("text", NOT_NUMBERS, ids=lambda t: t[:8] + f"-{len(t)}")
def test_a_cell_number_out_of_range_is_reported_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    book = mutated(FILLED, tmp_path / "大数.xlsm", {FORM_PART: numbers_in_cells(text)})
    for command in ("check", "validate"):
        code, out, err = run(capsys, command, book, "--json", out=tmp_path)
        assert code == 1, err
        findings = json.loads(out, parse_constant=_refuse_constant)["findings"]
        by_cell = {f["cell"]: f for f in findings if f.get("cell") in ("E7", "G16")}
        assert by_cell["E7"]["code"] == "W02" and by_cell["E7"]["value"] == text
        # The message quotes a long one by its first 40 and last 12 characters (README).
        quoted = text if len(text) <= 60 else f"{text[:40]}…{text[-12:]}"
        assert f"“{quoted}”，不是数字" in by_cell["E7"]["message"]
        assert by_cell["G16"]["value"] == text
        assert "“inf”" not in out and "“-inf”" not in out  # parse_constant: no bare Infinity
    code, out, err = run(capsys, "export", book, out=tmp_path)
    assert code == 0, err
    form = json.loads(out, parse_constant=_refuse_constant)
    assert form["预算执行"]["全年执行数"] == text
    imported = tmp_path / "导入.xlsm"
    code, _out, err = run(capsys, "import", book, "-o", str(imported), out=tmp_path)
    assert code == 0, err
    code, out, err = run(capsys, "export", imported, out=tmp_path)  # written as the text
    assert json.loads(out, parse_constant=_refuse_constant)["预算执行"]["全年执行数"] == text


def test_json_reports_are_always_valid_json() -> None:
    """What --json prints: a number no JSON holds is its text, never a bare Infinity."""
    text = json_text({"值": [float("inf"), float("-inf"), float("nan"), 1.5]})
    assert json.loads(text, parse_constant=_refuse_constant) == {"值": ["inf", "-inf", "nan", 1.5]}
    assert json_text({"值": 1.5}) == json.dumps({"值": 1.5}, ensure_ascii=False, indent=1)


def validate_and_clear_agree(
    capsys: pytest.CaptureFixture[str], book: Path, out: Path
) -> tuple[int, str]:
    """G10: validate and clear take the same files. Both refuse with the same message, or
    clear takes the input and the copy validate wrote. (validate's code, what it said)."""
    code, said, err = run(capsys, "validate", book, out=out)
    cleared, _out, cleared_err = run(capsys, "clear", book, out=out)
    if code == 2:
        assert cleared == 2 and cleared_err == err
        message = err.removeprefix("错误：").strip()
        assert_one_chinese_message(message, book)
        no_exception_text(message)
        assert not (out / f"{book.stem}_out{book.suffix}").exists()
        return code, message
    assert code in (0, 1) and cleared == 0, cleared_err
    copy = out / f"{book.stem}_out{book.suffix}"
    again = out / "副本" / copy.name
    again.parent.mkdir()
    cleared, _out, cleared_err = run(capsys, "clear", copy, out=again.parent)
    assert cleared == 0, cleared_err
    return code, said


def with_doctype(doctype: str, reference: str = "") -> Change:
    """A part with ``doctype`` after its declaration, ``reference`` in its first text."""

    def change(data: bytes) -> bytes:
        text = data.decode("utf-8")
        end = text.index("?>") + 2 if text.startswith("<?xml") else 0
        text = text[:end] + doctype + text[end:]
        if reference:
            text = re.sub(
                r"(<(?:\w+:)?t(?: [^>]*)?>)", lambda m: m.group(1) + reference, text, count=1
            )
        return text.encode("utf-8")

    return change


def entities(token: Path) -> dict[str, tuple[str, str]]:
    return {
        "external": (f'<!DOCTYPE r [<!ENTITY x SYSTEM "{token.as_uri()}">]>', "&x;"),
        "expansion": (
            '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
            "&b;",
        ),
        "bare": ("<!DOCTYPE r>", ""),
    }


# G10: a DOCTYPE in any part, read by the reader or not: validate and clear both refuse it,
# naming the part (and its sheet); no entity is ever resolved.
@pytest.mark.parametrize("kind", ["external", "expansion", "bare"])
@pytest.mark.parametrize(
    ("member", "where"),
    [
        (FORM_PART, "工作表“项目支出表”"),
        ("xl/styles.xml", "xl/styles.xml"),
        ("docProps/core.xml", "docProps/core.xml"),
        ("xl/drawings/vmlDrawing1.vml", "xl/drawings/vmlDrawing1.vml"),
    ],
)
def test_a_doctype_is_refused_by_validate_and_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, member: str, where: str
) -> None:
    token = tmp_path / "secret.txt"
    token.write_text("TOKEN-THAT-MUST-NOT-LEAK", encoding="utf-8")
    doctype, reference = entities(token)[kind]
    book = mutated(FILLED, tmp_path / "实体.xlsm", {member: with_doctype(doctype, reference)})
    code, message = validate_and_clear_agree(capsys, book, tmp_path)
    assert code == 2 and "DOCTYPE" in message and where in message
    for command in ("check", "export"):  # read-only commands: refused too, or read as is
        code, out, err = run(capsys, command, book, out=tmp_path)
        assert code in (0, 1, 2) and "TOKEN-THAT" not in out + err
        assert code == 2 or member in ("xl/drawings/vmlDrawing1.vml",), (command, err)


def test_a_doctype_in_our_own_notes_part_of_a_validated_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checked = tmp_path / "已校验.xlsm"
    assert main(["validate", str(FILLED), "-o", str(checked)]) in (0, 1)
    capsys.readouterr()
    notes = "xl/comments_jixiao1.xml"
    with zipfile.ZipFile(checked) as z:
        assert notes in z.namelist()
    book = mutated(checked, tmp_path / "实体.xlsm", {notes: with_doctype("<!DOCTYPE r>")})
    code, message = validate_and_clear_agree(capsys, book, tmp_path)
    assert code == 2 and "DOCTYPE" in message and notes in message


# G10: a sheet the workbook lists without its relationship. The form sheet: both refuse.
# Another sheet (设置): validate checks the form and says the sheet was skipped; clear
# takes the file and the copy.
@pytest.mark.parametrize(("rid", "sheet"), [("rId1", "项目支出表"), ("rId2", "设置")])
def test_a_sheet_without_its_relationship(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rid: str, sheet: str
) -> None:
    change = {BOOK_RELS: sub(rf'<Relationship [^>]*Id="{rid}"[^>]*/>', "")}
    book = mutated(FILLED, tmp_path / "缺关系.xlsm", change)
    code, message = validate_and_clear_agree(capsys, book, tmp_path)
    assert f"工作表“{sheet}”" in message and rid in message
    assert (code == 2) == (sheet == "项目支出表")


# G11: a member held twice names its sheet, in every command.
@pytest.mark.parametrize("command", ["validate", "clear", "check", "export"])
def test_a_sheet_part_held_twice_names_the_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with zipfile.ZipFile(FILLED) as z:
        again = z.read(SETTINGS_PART)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile: "Duplicate name"
        book = mutated(FILLED, tmp_path / "重复.xlsm", add={SETTINGS_PART: again})
    message = refused(capsys, command, book, tmp_path)
    assert "工作表“设置”" in message and SETTINGS_PART in message and "出现了两次" in message


# G12: a Word document (renamed .xlsx) whose relationships part is held twice or is no list.
@pytest.mark.parametrize("damage", ["twice", "not-a-list"])
def test_a_word_document_with_odd_relationships(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    src = REPO / "tests" / "bad_inputs" / "docx-renamed.xlsx"
    if damage == "twice":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = mutated(src, tmp_path / "文档.xlsx", add={"_rels/.rels": b"<x/>"})
    else:
        book = mutated(src, tmp_path / "文档.xlsx", {"_rels/.rels": lambda _d: b"<x/>"})
    for command in ("validate", "check"):
        message = refused(capsys, command, book, tmp_path)
        no_exception_text(message)
        assert "_rels/.rels" in message
        assert ("出现了两次" if damage == "twice" else "不是有效的关系清单") in message


def test_clear_takes_a_template_with_no_form_to_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing filled in: validate has nothing to check (exit 2, said), yet the file is
    sound and clear gives it back as it was."""
    book = mutated(TEMPLATE, tmp_path / "空表.xlsm")
    code, _out, err = run(capsys, "validate", book, out=tmp_path)
    assert code == 2 and "找不到可以校验的自评表" in err
    code, _out, err = run(capsys, "clear", book, out=tmp_path)
    assert code == 0, err
    with zipfile.ZipFile(book) as before, zipfile.ZipFile(tmp_path / "空表_out.xlsm") as after:
        assert {n: before.read(n) for n in before.namelist()} == {
            n: after.read(n) for n in after.namelist()
        }


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "b">]><r/>', True),
        (b"\xef\xbb\xbf<!DOCTYPE r><r/>", True),
        # after a comment longer than the head read first: not a way around the check
        (b"<!--" + b"x" * 100_000 + b"--><!DOCTYPE r><r/>", True),
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r><r/>'.encode("utf-16"), True),
        ("<!DOCTYPE r><r/>".encode("utf-16-le"), True),
        # the same letters as content are no declaration
        (b"<r><t>&lt;!DOCTYPE r&gt;</t><![CDATA[<!DOCTYPE r>]]></r>", False),
        ('<?xml version="1.0" encoding="UTF-16"?><r>&lt;!DOCTYPE</r>'.encode("utf-16"), False),
        (b"", False),
    ],
)
def test_has_doctype(data: bytes, declared: bool) -> None:
    assert has_doctype(data) is declared


# H2 (fuzzer): the sheet's part and the workbook part both damaged: the workbook part, without
# which no sheet can be named, is what the message names.
@pytest.mark.parametrize("command", ["validate", "check", "clear"])
def test_a_damaged_workbook_part_is_named_before_a_damaged_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    book = mutated(FILLED, tmp_path / "损坏.xlsm")
    damaged_deflate(damaged_deflate(book, FORM_PART), "xl/workbook.xml")
    message = refused(capsys, command, book, tmp_path)
    assert "xl/workbook.xml" in message and FORM_PART not in message
    no_exception_text(message)
