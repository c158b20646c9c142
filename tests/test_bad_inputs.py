"""Whatever users hand over: open_workbook and `jixiao validate` on the bad-inputs corpus.

The corpus (tests/bad_inputs, made by make_corpus.py) and what is expected of each file
are in tests/bad_inputs/expectations.json. File-level cases must be refused by
``open_workbook`` with one Chinese message naming the file; content-level cases open,
and ``jixiao validate`` must read them and point at the damaged cell. Cases made here
rather than committed: a 50 MB workbook, a missing file, a folder, a locked file.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import random
import re
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from jixiao.cli import main
from jixiao.core.errors import InputError
from jixiao.formats.xlsx_file import MAX_FILE_BYTES, MAX_UNPACKED_BYTES, open_workbook

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
EXPECTATIONS: dict[str, dict[str, Any]] = json.loads(
    (CORPUS / "expectations.json").read_text("utf-8")
)
FILE_CASES = sorted(n for n, e in EXPECTATIONS.items() if e["kind"] == "file")
CONTENT_CASES = sorted(n for n, e in EXPECTATIONS.items() if e["kind"] == "content")
NOT_CORPUS = {"make_corpus.py", "expectations.json", "__pycache__"}
MB = 1024 * 1024

# ASCII words a Chinese message may use outside brackets (product and format names).
ALLOWED_WORDS = {
    "Excel", "Office", "OpenDocument", "LibreOffice", "PowerPoint", "Word", "jixiao", "HTML",
    "xlsx", "xlsm", "xlsb", "xltx", "xltm", "docx", "pptx", "validate", "json", "JSON",
}  # fmt: skip


def assert_one_chinese_message(message: str, path: Path) -> None:
    """Names the file, is Chinese, carries English only as a detail in brackets."""
    assert path.name in message, message
    assert "Traceback" not in message and "内部错误" not in message, message
    text = message.replace(str(path), "").replace(path.name, "")
    text = re.sub(r"“[^”]*”", "", text)  # names from the file: sheets, defined names
    while True:  # drop bracketed details, innermost first
        stripped = re.sub(r"（[^（）]*）|\([^()]*\)", "", text)
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"\S*/\S*", "", text)  # part names such as xl/worksheets/sheet1.xml
    words = set(re.findall(r"[A-Za-z][A-Za-z_]{3,}", text)) - ALLOWED_WORDS
    assert not words, f"English outside brackets {words}: {message}"
    assert re.search(r"[\u4e00-\u9fff]", text), message


def refused(path: Path, **kwargs: Any) -> str:
    with pytest.raises(InputError) as info:
        wb = open_workbook(path, **kwargs)
        _close(wb)
    message = str(info.value)
    assert_one_chinese_message(message, path)
    return message


def _close(wb: openpyxl.Workbook) -> None:
    if wb.vba_archive is not None:
        wb.vba_archive.close()


# ---- the corpus itself ------------------------------------------------------------------


def test_corpus_matches_expectations() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name not in NOT_CORPUS}
    assert files == set(EXPECTATIONS), files ^ set(EXPECTATIONS)
    assert len(files) >= 30
    for name in files:
        size = (CORPUS / name).stat().st_size
        assert size < 200 * 1024, f"{name} is {size} bytes"
    for name, e in EXPECTATIONS.items():
        assert e["kind"] in ("file", "content"), name
        assert (e["open"] is None) == (e["kind"] == "content"), name
        assert set(e["exit"]) <= {0, 1, 2}, name


# ---- open_workbook ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILE_CASES)
def test_open_workbook_refuses(name: str) -> None:
    path = CORPUS / name
    before = path.read_bytes()
    start = time.perf_counter()
    message = refused(path)
    assert time.perf_counter() - start < 5
    assert EXPECTATIONS[name]["open"] in message
    assert path.read_bytes() == before


@pytest.mark.parametrize("name", CONTENT_CASES)
def test_open_workbook_opens_damaged_forms(name: str) -> None:
    path = CORPUS / name
    before = path.read_bytes()
    wb = open_workbook(path)
    try:
        assert isinstance(wb, openpyxl.Workbook)
        assert wb.vba_archive is not None  # .xlsm keeps its macros by default
    finally:
        _close(wb)
    assert path.read_bytes() == before


def test_keep_vba_follows_the_extension(tmp_path: Path) -> None:
    src = CORPUS / "formulas-intact.xlsm"
    wb = open_workbook(src, keep_vba=False)
    assert wb.vba_archive is None
    renamed = tmp_path / "宏工作簿.xlsx"
    shutil.copyfile(src, renamed)
    wb = open_workbook(renamed)
    assert wb.vba_archive is None
    wb = open_workbook(renamed, keep_vba=True)
    assert wb.vba_archive is not None
    _close(wb)


def test_content_decides_not_the_extension(tmp_path: Path) -> None:
    """A real workbook named .xls (or .csv) opens; openpyxl alone would refuse the name."""
    for suffix in (".xls", ".csv", ""):
        path = tmp_path / f"form{suffix}"
        shutil.copyfile(CORPUS / "formulas-intact.xlsm", path)
        wb = open_workbook(path)
        assert "项目支出表" in wb.sheetnames
        assert wb.vba_archive is None


def test_read_only(tmp_path: Path) -> None:
    wb = open_workbook(CORPUS / "formulas-intact.xlsm", read_only=True)
    try:
        assert wb.read_only
        assert wb["项目支出表"]["A1"].value == "项目支出绩效自评表"
    finally:
        wb.close()
        _close(wb)
    # sheets parse lazily in read-only mode: a broken sheet must still be caught here
    message = refused(CORPUS / "bad-xml-sheet.xlsm", read_only=True)
    assert "项目支出表" in message and "部分已损坏" in message


def test_missing_file(tmp_path: Path) -> None:
    message = refused(tmp_path / "自评表.xlsx")
    assert "不存在" in message
    (tmp_path / "自评表.xlsm").write_bytes(b"")
    message = refused(tmp_path / "自评表.xlsx")
    assert "不存在" in message and "自评表.xlsm" in message
    assert "文件夹" in refused(tmp_path / "没有这个文件夹" / "自评表.xlsx")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "看起来像工作簿.xlsx"
    folder.mkdir()
    assert "文件夹" in refused(folder)


def make_50mb(tmp_path: Path) -> Path:
    """A real filled workbook padded with a 50 MB stored member (written in well under 1 s)."""
    big = tmp_path / "五十兆.xlsm"
    shutil.copyfile(CORPUS / "formulas-intact.xlsm", big)
    with zipfile.ZipFile(big, "a", zipfile.ZIP_STORED) as z:
        z.writestr("xl/media/image1.png", b"\0" * (50 * MB))
    assert big.stat().st_size > 50 * MB
    return big


def test_50mb_file_is_refused_at_once(tmp_path: Path) -> None:
    big = make_50mb(tmp_path)
    start = time.perf_counter()
    message = refused(big)
    assert time.perf_counter() - start < 1
    assert f"{MAX_FILE_BYTES // MB} MB" in message and "超过" in message


def test_zip_bomb_is_refused_at_once() -> None:
    start = time.perf_counter()
    message = refused(CORPUS / "zip-bomb.xlsx")
    assert time.perf_counter() - start < 2
    assert f"{MAX_UNPACKED_BYTES // MB} MB" in message


@contextlib.contextmanager
def locked(path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Opening ``path`` fails as on Windows while Excel holds the file."""
    real_open = io.open
    target = os.path.realpath(path)

    def guarded(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, os.PathLike)) and os.path.realpath(file) == target:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(io, "open", guarded)
        m.setattr(builtins, "open", guarded)
        yield


def test_locked_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "正在编辑.xlsm"
    shutil.copyfile(CORPUS / "formulas-intact.xlsm", path)
    with locked(path, monkeypatch):
        message = refused(path)
    assert "文件正被其他程序打开" in message


def _small_workbook() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出表"
    ws["A1"] = "项目支出绩效自评表"
    ws["E7"] = 22
    ws["G7"] = "=E7/D7"
    ws.merge_cells("A1:H1")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_mangled_workbooks_raise_only_input_error(tmp_path: Path) -> None:
    """Random truncation, byte flips and XML edits: a Workbook or an InputError, nothing else."""
    rng = random.Random(1)
    good = _small_workbook()
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    path = tmp_path / "mangled.xlsx"
    for k in range(120):
        if k % 3 == 0:
            data = good[: rng.randrange(1, len(good))]
        elif k % 3 == 1:
            data = bytearray(good)
            for _ in range(rng.randrange(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data)
        else:
            buf = io.BytesIO()
            victim = rng.randrange(len(members))
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for j, (info, raw) in enumerate(members):
                    if j == victim and raw:
                        cut = bytearray(raw)
                        pos = rng.randrange(len(cut))
                        cut[pos : pos + rng.randrange(1, 20)] = rng.choice(
                            [b"", b"<", b"&", b'"x"', b"\xff\xfe", b"</x>", b"-1"]
                        )
                        raw = bytes(cut)
                    z.writestr(info, raw)
            data = buf.getvalue()
        path.write_bytes(data)
        try:
            _close(open_workbook(path))
        except InputError as e:
            assert_one_chinese_message(str(e), path)


# ---- jixiao validate ------------------------------------------------------------------------


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(args)
    except SystemExit as e:  # argparse refusing the arguments
        code = e.code if isinstance(e.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def findings_in(payload: Any) -> list[dict[str, Any]]:
    """Every finding object anywhere in validate's JSON output."""
    found: list[dict[str, Any]] = []
    if isinstance(payload, dict):
        if "code" in payload and "cell" in payload:
            found.append(payload)
        for value in payload.values():
            found += findings_in(value)
    elif isinstance(payload, list):
        for value in payload:
            found += findings_in(value)
    return found


def _matches(finding: dict[str, Any], want: dict[str, str]) -> bool:
    cell = str(finding.get("cell", "")).replace("$", "").split("!")[-1]
    sheet = finding.get("sheet") or want["sheet"]
    return finding.get("code") == want["code"] and cell == want["cell"] and sheet == want["sheet"]


def validate_twice(
    src: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[bool, int, str, str]]:
    """`validate` plain and with --json; the input's bytes and mtime never change."""
    before, mtime = src.read_bytes(), src.stat().st_mtime_ns
    for k, as_json in enumerate((False, True)):
        out = tmp_path / f"结果{k}{src.suffix}"  # validate wants the input's extension
        args = ["validate", str(src), "-o", str(out), *(["--json"] if as_json else [])]
        code, stdout, stderr = run_cli(args, capsys)
        assert src.read_bytes() == before, "validate modified its input"
        assert src.stat().st_mtime_ns == mtime, "validate touched its input"
        assert code != 3 and "Traceback" not in stderr and "内部错误" not in stderr, stderr
        yield as_json, code, stdout, stderr


@pytest.mark.parametrize("name", FILE_CASES + CONTENT_CASES)
def test_validate_on_corpus(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    e = EXPECTATIONS[name]
    src = tmp_path / "输入" / name
    src.parent.mkdir()
    shutil.copyfile(CORPUS / name, src)
    for as_json, code, stdout, stderr in validate_twice(src, tmp_path, capsys):
        assert code in e["exit"], f"exit {code}, expected {e['exit']}: {stderr}"
        if code == 2:
            message = stderr.strip()
            assert message, "exit 2 with nothing on stderr"
            assert_one_chinese_message(message, src)
            for fragment in e["stderr"]:
                assert fragment in message, f"{fragment!r} not in {message}"
            continue
        if not as_json:
            continue
        found = findings_in(json.loads(stdout))
        for want in e["findings"]:
            assert any(_matches(f, want) for f in found), f"no {want} in {found}"
        for unwanted in e["absent"]:
            assert not any(_matches(f, unwanted) for f in found), f"{unwanted} reported"


@pytest.mark.parametrize("case", ["missing", "folder", "50mb", "locked"])
def test_validate_on_what_is_not_a_file(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fragment = {
        "missing": "不存在",
        "folder": "文件夹",
        "50mb": "超过",
        "locked": "正被其他程序打开",
    }
    if case == "missing":
        src = tmp_path / "没有的文件.xlsm"
    elif case == "folder":
        src = tmp_path / "文件夹.xlsm"
        src.mkdir()
    elif case == "50mb":
        src = make_50mb(tmp_path)
    else:
        src = tmp_path / "正在编辑.xlsm"
        shutil.copyfile(CORPUS / "formulas-intact.xlsm", src)
    with contextlib.ExitStack() as stack:
        if case == "locked":
            stack.enter_context(locked(src, monkeypatch))
        start = time.perf_counter()
        code, _stdout, stderr = run_cli(
            ["validate", str(src), "-o", str(tmp_path / f"结果{src.suffix}")], capsys
        )
        elapsed = time.perf_counter() - start
    assert code == 2, stderr
    assert_one_chinese_message(stderr.strip(), src)
    assert fragment[case] in stderr
    if case == "50mb":
        assert elapsed < 5


@pytest.mark.parametrize("name", ["legacy-truncated.xls", "real.ods", "html-export.xls"])
def test_validate_names_the_unreadable_input_first(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / name
    shutil.copyfile(CORPUS / name, src)
    code, _stdout, stderr = run_cli(
        ["validate", str(src), "-o", str(tmp_path / "out.xlsm")], capsys
    )
    assert code == 2
    assert_one_chinese_message(stderr.strip(), src)
    assert EXPECTATIONS[name]["open"] in stderr
