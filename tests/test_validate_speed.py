"""What ``jixiao validate`` loads (issue 12): only what the file in hand needs.

A workbook as Excel saves it holds every formula's cached value: validate reads, checks and
marks it without the worksheet functions (jixiao.udfs loads xlwings, and with it pandas and
numpy), the formula evaluator, python-docx or asyncio. A workbook that lacks cached values
gets them computed, and only then are the worksheet functions loaded.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from xml.sax.saxutils import escape as sax_escape

import pytest

import jixiao.udfs
from jixiao.app.marks import run_now
from jixiao.cli.main import main
from jixiao.formats.cached import stale, write_cached_values
from jixiao.formats.package import Package
from jixiao.formats.sheet_xml import escape
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
    assert {"jixiao.udfs", "jixiao.formats.formula"} <= set(modules)
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


@pytest.mark.parametrize(
    ("cell", "is_stale"),
    [
        ('<c r="B1" s="2" t="str"><f>IF(A1&gt;1,"x","")</f><v></v></c>', False),
        ('<c r="B1" t="str"><f>""</f><v/></c>', False),
        ('<c r="B1" t="str"><f>""</f> <v> </v> </c>', False),
        ('<c r="B1"><f>A1*2</f><v>2</v></c>', False),
        ('<c r="B1"><f>A1*2</f><v></v></c>', True),
        ('<c r="B1" t="str"><f>A1</f></c>', True),  # no <v> at all
        ('<c r="B1" t="n"><f t="shared" si="0"/><v/></c>', True),
        ('<c r="B1" xt="str"><f>A1</f><v></v></c>', True),  # t="str" must be the attribute
    ],
)
def test_which_cached_values_are_missing(cell: str, is_stale: bool) -> None:
    assert stale(_package(cell)) is is_stale
