"""What ``jixiao validate`` loads (issue 12): only what the file in hand needs.

A workbook as Excel saves it holds every formula's cached value: validate reads, checks and
marks it without the worksheet functions (jixiao.udfs loads xlwings, and with it pandas and
numpy), the formula evaluator, python-docx or asyncio. A workbook that lacks cached values
gets them computed, and only then are the worksheet functions loaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import json
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.sax.saxutils import escape as sax_escape

import openpyxl
import pytest

import jixiao.udfs
from jixiao.app import marks
from jixiao.app.marks import run_now
from jixiao.cli.main import main
from jixiao.formats import cached
from jixiao.formats.cached import lacks_values, stale, write_cached_values
from jixiao.formats.package import Package
from jixiao.formats.sheet_xml import escape
from jixiao.formats.xlsx_grid import read_grid
from jixiao.hosts.package import PackageHost

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Loaded by validate only for a file that needs them (or never, for a workbook).
ON_DEMAND = (
    "xlwings",
    "pandas",
    "numpy",
    "openpyxl",
    "docx",
    "asyncio",
    "jixiao.udfs",
    "jixiao.formats.formula",
    "jixiao.formats.cached",  # writing cached values (and its cell reader)
    "jixiao.formats.cells",
)

LOADED = (
    "import json, sys, contextlib, io\n"
    "from jixiao.cli.main import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    rc = main(['validate', sys.argv[1], '-o', sys.argv[2], '--json'])\n"
    f"print(json.dumps([rc, [m for m in {ON_DEMAND!r} if m in sys.modules]]))\n"
)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A filled project workbook as jixiao writes it (asks to be recalculated) and the same
    as Excel saves it: every formula with its value, no fullCalcOnLoad."""
    tmp = tmp_path_factory.mktemp("speed")
    fresh, saved = tmp / "new.xlsm", tmp / "saved.xlsm"
    assert main(["import", str(EXAMPLES / "shifeng-2020-project.json"), "-o", str(fresh)]) == 0
    pkg = Package.read(fresh)
    pkg.put(
        "xl/workbook.xml", re.sub(r'\s+fullCalcOnLoad="[^"]*"', "", pkg.text("xl/workbook.xml"))
    )
    pkg.write(saved)
    assert stale(Package.read(fresh)) and not stale(Package.read(saved))
    return fresh, saved


def loaded_by_validate(src: Path, out: Path) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED, str(src), str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    rc, modules = json.loads(done.stdout.splitlines()[-1])
    return rc, modules


def test_a_workbook_with_its_cached_values_is_validated_without_the_heavy_libraries(
    books: tuple[Path, Path], tmp_path: Path
) -> None:
    _fresh, saved = books
    out = tmp_path / "out.xlsm"
    rc, modules = loaded_by_validate(saved, out)
    assert rc in (0, 1) and modules == []
    assert _notes(out) > 0  # marked as ever


def test_a_workbook_that_asks_to_be_recalculated_loads_the_worksheet_functions(
    books: tuple[Path, Path], tmp_path: Path
) -> None:
    fresh, _saved = books
    out = tmp_path / "out.xlsm"
    rc, modules = loaded_by_validate(fresh, out)
    assert rc in (0, 1)
    assert {"jixiao.udfs", "jixiao.formats.formula", "jixiao.formats.cached"} <= set(modules)
    # (xlwings itself may load asyncio, with its licence settings: not asked here)
    assert "docx" not in modules and "openpyxl" not in modules


def _notes(path: Path) -> int:
    """How many notes jixiao wrote into the file."""
    with zipfile.ZipFile(path) as z:
        return sum(
            z.read(n).decode("utf-8").count("【")
            for n in z.namelist()
            if n.startswith("xl/comments")
        )


# ---- the pieces -------------------------------------------------------------------------


def test_the_worksheet_functions_are_loaded_only_for_stale_cached_values(
    books: tuple[Path, Path], tmp_path: Path
) -> None:
    fresh, saved = books
    calls: list[int] = []

    def load() -> ModuleType:
        calls.append(1)
        return jixiao.udfs

    PackageHost(saved, functions=load).save(tmp_path / "a.xlsm")
    assert calls == []
    assert (tmp_path / "a.xlsm").read_bytes() == saved.read_bytes()  # nothing to change
    PackageHost(fresh, functions=load).save(tmp_path / "b.xlsm")
    assert calls == [1]
    # the same cached values as with the module itself
    PackageHost(fresh, functions=jixiao.udfs).save(tmp_path / "c.xlsm")
    assert _parts(tmp_path / "b.xlsm") == _parts(tmp_path / "c.xlsm")


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_write_cached_values_still_computes_every_formula(books: tuple[Path, Path]) -> None:
    fresh, _saved = books
    pkg = Package.read(fresh)
    report = write_cached_values(pkg, jixiao.udfs)
    assert report.cells > 1000 and report.kept == 0


def test_run_now_runs_a_host_that_never_waits() -> None:
    async def inner() -> int:
        return 2

    async def outer() -> int:
        return await inner() + 1

    assert run_now(outer()) == 3
    with pytest.raises(KeyError):
        run_now(_raises())


async def _raises() -> None:
    raise KeyError("x")


def test_run_now_refuses_a_step_that_waits() -> None:
    async def waits() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match=r"asyncio\.run"):
        run_now(waits())


@pytest.mark.parametrize("text", ["", "a<b>&c", "&amp;", "\"引号\" 'x'", "]]>", "\n\t"])
def test_escape_is_the_standard_library_one(text: str) -> None:
    assert escape(text) == sax_escape(text)


def _package(cell: str) -> Package:
    """A one-sheet package in memory whose sheet holds ``cell``."""
    book = (
        '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    )
    sheet = f'<worksheet><sheetData><row r="1">{cell}</row></sheetData></worksheet>'
    data = {
        "xl/workbook.xml": book.encode(),
        "xl/_rels/workbook.xml.rels": rels.encode(),
        "xl/worksheets/sheet1.xml": sheet.encode(),
    }
    return Package(list(data), data, {})


MISSING = [
    ('<c r="B1" s="2" t="str"><f>IF(A1&gt;1,"x","")</f><v></v></c>', False),
    ('<c r="B1" t="str"><f>""</f><v/></c>', False),
    ('<c r="B1" t="str"><f>""</f> <v> </v> </c>', False),
    ('<c r="B1"><f>A1*2</f><v>2</v></c>', False),
    ('<c r="B1"><f>A1*2</f><v></v></c>', True),
    ('<c r="B1" t="str"><f>A1</f></c>', True),  # no <v> at all
    ('<c r="B1" t="n"><f t="shared" si="0"/><v/></c>', True),
    ('<c r="B1" xt="str"><f>A1</f><v></v></c>', True),  # t="str" must be the attribute
    ('<c r="B1"><f>A1*2</f><v> </v></c>', True),
]


@pytest.mark.parametrize(("cell", "is_stale"), MISSING)
def test_which_cached_values_are_missing(cell: str, is_stale: bool) -> None:
    assert stale(_package(cell)) is is_stale


@pytest.mark.parametrize(("cell", "is_stale"), MISSING)
def test_the_grid_reader_finds_the_same_missing_values(
    cell: str, is_stale: bool, tmp_path: Path
) -> None:
    """validate does not search the sheets for missing values again when reading them
    found none: the reader must find exactly the cells ``stale`` finds."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(tmp_path / "a.xlsx")
    pkg = Package.read(tmp_path / "a.xlsx")
    part = "xl/worksheets/sheet1.xml"
    row = f'<sheetData><row r="1"><c r="A1"><v>1</v></c>{cell}</row></sheetData>'
    pkg.put(part, re.sub(r"<sheetData>.*</sheetData>|<sheetData/>", row, pkg.text(part)))
    pkg.write(tmp_path / "a.xlsx")
    assert lacks_values(Package.read(tmp_path / "a.xlsx")) is is_stale
    assert read_grid(tmp_path / "a.xlsx").uncached is is_stale


def test_a_workbook_read_with_every_cached_value_is_not_searched_again(
    books: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh, saved = books

    searched: list[Package] = []

    def search(pkg: Package) -> bool:
        searched.append(pkg)
        return lacks_values(pkg)

    # hosts.package loads the module (when needed) and takes the function from it then
    monkeypatch.setattr(cached, "lacks_values", search)
    host = PackageHost(saved, functions=jixiao.udfs)
    run_now(marks.validate(host))
    host.save(tmp_path / "out.xlsm")
    assert searched == [], "the sheets were searched again"
    monkeypatch.undo()
    assert not stale(Package.read(tmp_path / "out.xlsm"))


def _raw_members(path: Path) -> dict[str, bytes]:
    """Each member's bytes as stored (compressed) in the zip."""
    data = path.read_bytes()
    out = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            at = info.header_offset
            n, m = struct.unpack_from("<HH", data, at + 26)
            start = at + 30 + n + m
            out[info.filename] = data[start : start + info.compress_size]
    return out


def test_the_copy_keeps_the_members_it_does_not_change_as_stored(
    books: tuple[Path, Path], tmp_path: Path
) -> None:
    """Unchanged members are copied without unpacking and packing them again."""
    _fresh, saved = books
    out = tmp_path / "out.xlsm"
    assert main(["validate", str(saved), "-o", str(out), "--json"]) in (0, 1)
    before, after = _raw_members(saved), _raw_members(out)
    with zipfile.ZipFile(saved) as a, zipfile.ZipFile(out) as b:
        assert b.testzip() is None
        same = [n for n in a.namelist() if n in b.namelist() and a.read(n) == b.read(n)]
        changed = [n for n in a.namelist() if n not in same]
    assert "xl/vbaProject.bin" in same and "xl/styles.xml" in changed
    assert all(after[n] == before[n] for n in same)


def test_a_copy_of_a_zip_with_data_descriptors(tmp_path: Path) -> None:
    """Members stored with their sizes after the data (a zip written as a stream) are
    copied with the sizes in the header."""

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.chunks: list[bytes] = []

        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            self.chunks.append(bytes(b))
            return len(b)

    stream = Stream()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", "<a>" + "x" * 5000 + "</a>")
        z.writestr("b.xml", "<b/>")
    data = b"".join(stream.chunks)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert all(i.flag_bits & 0x08 for i in z.infolist())
    pkg = Package.from_bytes(data)
    pkg.put("b.xml", "<b>changed</b>")
    pkg.write(tmp_path / "c.zip", copy=True)
    with zipfile.ZipFile(tmp_path / "c.zip") as z:
        assert z.testzip() is None
        assert z.read("a.xml") == b"<a>" + b"x" * 5000 + b"</a>"
        assert z.read("b.xml") == b"<b>changed</b>"
        assert not any(i.flag_bits & 0x08 for i in z.infolist())


def test_a_package_decodes_a_member_again_only_when_its_bytes_change() -> None:
    """Package.text keeps what it decoded (a sheet is megabytes of XML, decoded by the
    reader and again by each step of marking), and never gives text of older bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.xml", "<a>甲</a>")
    pkg = Package.from_bytes(buffer.getvalue())
    first = pkg.text("a.xml")
    assert first == "<a>甲</a>" and pkg.text("a.xml") is first
    pkg.put("a.xml", "<a>乙</a>")
    assert pkg.text("a.xml") == "<a>乙</a>" and "a.xml" in pkg.edited
    pkg.data["a.xml"] = "<a>丙</a>".encode()  # bytes set directly: decoded afresh
    assert pkg.text("a.xml") == "<a>丙</a>"
    pkg.put("a.xml", "<a>丁</a>".encode())
    assert pkg.text("a.xml") == "<a>丁</a>"
    pkg.remove("a.xml")
    assert "a.xml" not in pkg.texts


def test_validate_reads_without_cycle_collection_and_restores_it(
    books: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector would only walk the cells read, again and again; it is paused for
    the command and left as it was."""
    seen: list[bool] = []
    read = PackageHost.read

    def reading(self: PackageHost) -> Any:
        seen.append(gc.isenabled())
        return read(self)

    monkeypatch.setattr(PackageHost, "read", reading)
    _fresh, saved = books
    assert gc.isenabled()
    with contextlib.redirect_stdout(io.StringIO()):
        main(["validate", str(saved), "-o", str(tmp_path / "out.xlsm"), "--json"])
    assert seen == [False] and gc.isenabled()
