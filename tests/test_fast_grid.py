"""The fast workbook reader (jixiao.formats.xlsx_grid) gives the grid openpyxl gives.

``validate``, ``check`` and ``import`` read .xlsx/.xlsm files from their XML, without
openpyxl, ten times faster. The readers must not see any difference: for every workbook
the tests have — the templates, the bad-inputs corpus, the real published forms laid out
as workbooks, files written by ``jixiao new`` and ``import``, by LibreOffice and Gnumeric,
and hand-written packages with what Excel writes and our generators do not (shared
formulas, rich text, dates in both date systems, names of every kind, namespace
prefixes, cells without addresses) — the grid equals the one openpyxl gives
(tests/openpyxl_grid.py, how jixiao read files before), field by field. A file that cannot
be read gets the same Chinese message as before. A sheet of 200,000 rows is read in
bounded time, and the user is told how much of it was read.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from corpus import build
from openpyxl_grid import openpyxl_grid

import jixiao.udfs
from jixiao.cli import main
from jixiao.core.errors import InputError
from jixiao.formats.cached import lacks_values, stale, write_cached_values
from jixiao.formats.files import read_book_grid
from jixiao.formats.grid import MAX_COLS, BookGrid
from jixiao.formats.package import Package
from jixiao.formats.xlsx_file import open_workbook
from jixiao.formats.xlsx_grid import _LazySheet, read_grid
from jixiao.hosts.libreoffice import soffice_path
from jixiao.readers.workbook import read_forms, read_workbook_file

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "xlsx_templates").glob("*.xls[xm]"))
BAD_INPUTS = sorted((ROOT / "tests" / "bad_inputs").glob("*.xls[xm]"))
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


# ---- comparing grids --------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def differences(want: BookGrid, got: BookGrid) -> list[str]:
    """Every field in which two grids differ (values also by type: 1 is not 1.0 nor True)."""
    out = []
    if want.names != got.names:
        out.append(f"workbook names: {set(want.names.items()) ^ set(got.names.items())}")
    if want.properties != got.properties:
        out.append(f"properties: {set(want.properties.items()) ^ set(got.properties.items())}")
    if want.with_formulas != got.with_formulas:
        out.append("with_formulas")
    if want.sheet_names != got.sheet_names:
        return [*out, f"sheets: {want.sheet_names} != {got.sheet_names}"]
    for a, b in zip(want, got, strict=True):
        for name in ("formulas", "number_formats", "names", "errors", "visible"):
            x, y = getattr(a, name), getattr(b, name)
            if x != y:
                if isinstance(x, dict) and isinstance(y, dict):
                    keys = {k for k in x.keys() | y.keys() if x.get(k) != y.get(k)}
                    shown = {k: (x.get(k), y.get(k)) for k in sorted(keys)[:5]}
                    out.append(f"{a.title} {name}: {len(keys)} differ, e.g. {shown}")
                else:
                    out.append(f"{a.title} {name}: {x!r} != {y!r}")
        if sorted(a.merges) != sorted(b.merges):
            out.append(f"{a.title} merges: {sorted(set(a.merges) ^ set(b.merges))[:5]}")
        keys = {
            k
            for k in a.values.keys() | b.values.keys()
            if not _same(a.values.get(k), b.values.get(k))
        }
        if keys:
            shown = {k: (a.values.get(k), b.values.get(k)) for k in sorted(keys)[:5]}
            out.append(f"{a.title} values: {len(keys)} differ, e.g. {shown}")
    return out


def assert_same_grid(path: Path) -> BookGrid:
    want = openpyxl_grid(path)
    got = read_grid(path)
    assert not differences(want, got), f"{path.name}: {differences(want, got)}"
    assert_same_cells(path, got)
    return got


def _asked(ws: Any, pos: tuple[int, int]) -> tuple[Any, ...]:
    """Everything a reader can ask of one cell."""
    return (
        ws.value(*pos),
        ws.entry(*pos),
        ws.has_formula(*pos),
        ws.formula(*pos),
        ws.has_error(*pos),
    )


def assert_same_cells(path: Path, whole: BookGrid) -> None:
    """A sheet asked cell by cell (read_grid converts only the cells asked for) answers
    as the whole sheet does: every cell with contents, the cells merged away, empty cells
    around them and columns past MAX_COLS."""
    fresh = read_grid(path)
    for lazy, ws in zip(fresh, whole, strict=True):
        positions = set(ws.values) | set(ws.formulas or ()) | set(ws.errors)
        for c1, r1, c2, r2 in ws.merges:
            positions |= {
                (r, c) for r in range(r1, min(r2, r1 + 20) + 1) for c in range(c1, c2 + 1)
            }
        positions |= {(r + 1, c + 1) for r, c in list(positions)} | {(1, 1), (3, MAX_COLS + 1)}
        asked = {pos: _asked(lazy, pos) for pos in sorted(positions)}  # before the whole sheet
        assert "values" not in vars(lazy) or not isinstance(lazy, _LazySheet)
        for pos, got in asked.items():
            want = _asked(ws, pos)
            same = all(_same(x, y) for x, y in zip(want, got, strict=True))
            assert same, f"{path.name} {lazy.title} {pos}: {got} != {want}"
    assert not differences(whole, fresh), f"{path.name}: converted whole afterwards"


# ---- the files the tests have -----------------------------------------------------------


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates(path: Path) -> None:
    book = assert_same_grid(path)
    assert book.sheets and any(s.formulas for s in book.sheets)


def _opens(path: Path) -> bool:
    try:
        open_workbook(path, keep_vba=False)
    except InputError:
        return False
    return True


OPENING = [p for p in BAD_INPUTS if _opens(p)]
REFUSED = [p for p in BAD_INPUTS if p not in OPENING]


@pytest.mark.parametrize("path", OPENING, ids=lambda p: p.name)
def test_bad_inputs_that_open(path: Path) -> None:
    assert_same_grid(path)


@pytest.mark.parametrize("path", REFUSED, ids=lambda p: p.name)
def test_bad_inputs_get_the_same_message(path: Path) -> None:
    """What openpyxl's path said about a broken file, the fast reader says too."""
    if path.name == "zip-bomb.xlsx":
        with pytest.raises(InputError, match="解压后"):
            read_grid(path)
        return
    with pytest.raises(InputError) as before:
        open_workbook(path, keep_vba=False)
    with pytest.raises(InputError) as now:
        read_grid(path)
    assert str(now.value) == str(before.value)


def test_the_source_names_the_file_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsm"
    path.write_bytes((ROOT / "tests" / "bad_inputs" / "bad-xml-sheet.xlsm").read_bytes())
    with pytest.raises(InputError) as info:
        read_grid(path, "收到的表.xlsm")
    assert str(info.value).startswith("文件 收到的表.xlsm，工作表“项目支出表”：")
    assert "部分已损坏" in str(info.value)


def test_mangled_workbooks_raise_only_input_error(tmp_path: Path) -> None:
    """Truncations, byte flips and XML edits of a filled form: a grid or one InputError."""
    rng = random.Random(12)
    good = (ROOT / "tests" / "bad_inputs" / "formulas-intact.xlsm").read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    path = tmp_path / "mangled.xlsm"
    for k in range(90):
        if k % 3 == 0:
            data = good[: rng.randrange(1, len(good))]
        elif k % 3 == 1:
            flipped = bytearray(good)
            for _ in range(rng.randrange(1, 8)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            data = bytes(flipped)
        else:
            buf = io.BytesIO()
            victim = rng.randrange(len(members))
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for j, (info, raw) in enumerate(members):
                    if j == victim and raw:
                        cut = bytearray(raw)
                        pos = rng.randrange(len(cut))
                        cut[pos : pos + rng.randrange(1, 20)] = rng.choice(
                            [b"", b"<", b"&", b'"x"', b"\xff\xfe", b"</x>", b"-1", b"<c/>"]
                        )
                        raw = bytes(cut)
                    z.writestr(info, raw)
            data = buf.getvalue()
        path.write_bytes(data)
        try:
            read_grid(path)
        except InputError as e:
            assert path.name in str(e) and "Traceback" not in str(e)


@pytest.fixture(scope="module")
def corpus_books(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("corpus")
    return [build.to_xlsx(build.load(p.name), out / f"{p.stem}.xlsx") for p in build.all_forms()]


def test_published_forms(corpus_books: list[Path]) -> None:
    assert len(corpus_books) >= 20
    for path in corpus_books:
        assert_same_grid(path)


def _run(args: list[str]) -> None:
    code = main(args)
    assert code in (0, 1), args


def test_files_jixiao_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Workbooks written by ``jixiao new`` and ``jixiao import`` (cached values included)."""
    unit = tmp_path / "单位.xlsm"
    _run(["new", "--type", "单位", "--unit", "某单位", "--year", "2024", "--projects", "2", "-o", str(unit)])  # fmt: skip
    paths = [unit]
    for example in EXAMPLES:
        out = tmp_path / f"{example.stem}.xlsm"
        _run(["import", str(example), "-o", str(out)])
        paths.append(out)
    capsys.readouterr()
    for path in paths:
        book = assert_same_grid(path)
        formulas = [s for s in book.sheets if s.formulas]
        assert formulas and any(pos in s.values for s in formulas for pos in s.formulas)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory, corpus_books: list[Path]) -> list[Path]:
    """Workbooks written by LibreOffice (from a template, a real form and an .xls) and by
    Gnumeric, which writes its XML indented."""
    exe = soffice_path()
    if exe is None:
        pytest.fail("LibreOffice 未安装：make test 会安装它（libreoffice-calc-nogui）")
    out = tmp_path_factory.mktemp("converted")
    sources = [
        ROOT / "xlsx_templates" / "部门绩效自评工作簿.xlsm",
        ROOT / "tests" / "bad_inputs" / "formulas-intact.xlsm",
        ROOT / "tests" / "bad_inputs" / "legacy.xls",
        corpus_books[0],
    ]
    with tempfile.TemporaryDirectory(prefix="jixiao-test-lo-") as profile:
        subprocess.run(
            [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", "xlsx", "--outdir", str(out), *map(str, sources)],
            check=True, capture_output=True, timeout=300, env=build._soffice_env(),
        )  # fmt: skip
    made = sorted(out.glob("*.xlsx"))
    assert len(made) == len(sources)
    gnumeric = out / "gnumeric.xlsx"
    subprocess.run(
        ["ssconvert", str(ROOT / "xlsx_templates" / "项目支出绩效自评表.xlsm"), str(gnumeric)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return [*made, gnumeric]


def test_files_other_programs_write(converted: list[Path]) -> None:
    for path in converted:
        assert_same_grid(path)


# ---- what Excel writes and the generators above do not ------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def package(
    sheets: list[tuple[str, str, str]],
    *,
    strings: str = "",
    styles: str = "",
    names: str = "",
    custom: str = "",
    date1904: bool = False,
    prefix: str = "",
) -> bytes:
    """An .xlsx package: sheets as (name, state, sheetData and what follows it)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    parts: dict[str, str] = {}
    overrides = [
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>',
        f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>',
    ]
    rels = [f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>']
    entries = []
    for k, (name, state, body) in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{k}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<{p}worksheet {xmlns} xmlns:r="{REL}">{body}</{p}worksheet>'
        )
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{CT}.worksheet+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{k}" Type="{REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
        )
        shown = f' state="{state}"' if state else ""
        entries.append(f'<{p}sheet name="{name}" sheetId="{k}"{shown} r:id="rId{k}"/>')
    if strings:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{strings}</sst>'
        overrides.append(
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rIdT" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    pr = f'<{p}workbookPr date1904="1"/>' if date1904 else ""
    names = names.replace("<definedName", f"<{p}definedName").replace(
        "</definedName", f"</{p}definedName"
    )
    defined = f"<{p}definedNames>{names}</{p}definedNames>" if names else ""
    parts["xl/workbook.xml"] = (
        f'<{p}workbook {xmlns} xmlns:r="{REL}">{pr}<{p}sheets>{"".join(entries)}</{p}sheets>'
        f"{defined}</{p}workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>'
    )
    parts["xl/styles.xml"] = f'<styleSheet xmlns="{MAIN}">{styles or STYLES}</styleSheet>'
    root_rels = [f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>']
    if custom:
        parts["docProps/custom.xml"] = (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f"{custom}</Properties>"
        )
        root_rels.append(
            f'<Relationship Id="rId2" Type="{REL}/custom-properties" Target="docProps/custom.xml"/>'
        )
        overrides.append(
            '<Override PartName="/docProps/custom.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
        )
    parts["_rels/.rels"] = f'<Relationships xmlns="{PKG}">{"".join(root_rels)}</Relationships>'
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{''.join(overrides)}</Types>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in (
            "[Content_Types].xml",
            "_rels/.rels",
            *sorted(set(parts) - {"[Content_Types].xml", "_rels/.rels"}),
        ):
            z.writestr(name, parts[name])
    return buf.getvalue()


STYLES = (
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="165" formatCode="0.0%"/><numFmt numFmtId="166" formatCode="mm-dd-yy"/></numFmts>'
    '<cellXfs count="10"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="20"/>'
    '<xf numFmtId="46"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="10"/>'
    '<xf numFmtId="31"/><xf numFmtId="166"/><xf numFmtId="49"/></cellXfs>'
)

STRINGS = (
    "<si><t>部门整体支出</t></si>"
    '<si><r><rPr><b/></rPr><t xml:space="preserve">加粗 </t></r><r><t>与常规</t></r>'
    '<rPh sb="0" eb="1"><t>ぶもん</t></rPh><phoneticPr fontId="1"/></si>'
    "<si><t>a &amp; b &lt;c&gt; &#x4E2D;&#25991;</t></si>"
    "<si><t>_x005F_x000D_ 与 _x000D_</t></si>"
    "<si><t/></si>"
    "<si><t>第一行\r\n第二行</t></si>"
)

VALUES = """<sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>
<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><r><t>内联</t></r><r><rPr><i/></rPr><t>富文本</t></r></is></c>
<c r="B2" t="str"><v>文字&#10;换行</v></c><c r="C2" t="b"><v>1</v></c><c r="D2" t="b"><v>0</v></c>
<c r="E2" t="e"><v>#N/A</v></c><c r="F2" t="e"><v>#DIV/0!</v></c><c r="G2" t="inlineStr"><is/></c></row>
<row r="3"><c r="A3"><v>42</v></c><c r="B3"><v>42.0</v></c><c r="C3"><v>1E3</v></c>
<c r="D3"><v>-0.25</v></c><c r="E3" s="5"><v>0.953</v></c><c r="F3" s="6"><v>1</v></c>
<c r="G3" s="7"><v>12</v></c><c r="H3" s="9"><v>7</v></c><c r="I3"><v></v></c><c r="J3" s="1"/></row>
<row r="4"><c r="A4" s="1"><v>44196</v></c><c r="B4" s="4"><v>44196.5</v></c><c r="C4" s="2"><v>0.75</v></c>
<c r="D4" s="3"><v>1.5</v></c><c r="E4" s="1"><v>59</v></c><c r="F4" s="1"><v>61</v></c>
<c r="G4" s="1"><v>1E+20</v></c><c r="H4" t="d"><v>2020-12-31T08:30:00</v></c>
<c r="I4" t="d"><v>2021-01-02</v></c><c r="J4" s="8"><v>0</v></c></row>
<row r="5"><c r="A5"><f>SUM(A3:C3)</f><v>1084</v></c>
<c r="B5" t="str"><f>A1&amp;"、"&amp;B1</f><v>部门整体支出、加粗 与常规</v></c>
<c r="C5" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D5" t="b"><f>A3&gt;1</f><v>1</v></c>
<c r="E5"><f>A3/0</f></c><c r="F5" t="str"><f>"#N/A"</f><v>#N/A</v></c>
<c r="G5" s="1"><f>A4+1</f><v>44197</v></c><c r="H5"><f/></c>
<c r="I5" t="str"><f>IF(A3&gt;1,"是","否")</f><v>是</v></c><c r="J5" t="str"><f>""</f><v></v></c></row>
<row r="6"><c r="A6"><f t="shared" ref="A6:C8" si="0">A3+$B$3*B3</f><v>1806</v></c>
<c r="B6"><f t="shared" si="0"/><v>1</v></c><c r="C6"><f t="shared" si="0"/><v>2</v></c>
<c r="D6"><f t="shared" ref="D6:D7" si="1">SUM(A$3:A3)   +  Sheet2!A1&amp;"A1 B2"</f><v>3</v></c>
<c r="E6"><f t="array" ref="E6">SUM(A3:C3*2)</f><v>2168</v></c>
<c r="F6"><f t="array" ref="F6:F7">A3:A4*2</f><v>84</v></c>
<c r="G6"><f t="dataTable" ref="G6:G7" dt2D="0" dtr="0" r1="A3"/><v>5</v></c>
<c r="H6" t="str"><f t="shared" ref="H6:H7" si="2">A1</f><v>x</v></c></row>
<row r="7"><c r="A7"><f t="shared" si="0"/><v>4</v></c><c r="B7"><f t="shared" si="0"/><v>5</v></c>
<c r="D7"><f t="shared" si="1"/><v>6</v></c><c r="F7"><v>88392</v></c><c r="H7" t="str"><f t="shared" si="2">A1</f><v>y</v></c>
<c r="I7"><f t="shared" si="9"/><v>7</v></c></row>
<row r="8"><c r="A8"><f t="shared" si="0"/><v>8</v></c><c r="C8"><f t="shared" si="0"/><v>9</v></c></row>
<row r="10"><c r="A10"><v>1</v></c><c r="B10"><v>2</v></c><c r="C10" t="s"><v>0</v></c><c r="D10"><f>A10</f><v>1</v></c></row>
<row r="11"><c r="B11"><v>3</v></c><c r="C11"><f>B11</f><v>3</v></c></row>
<row r="12"><c r="A12"><v>12</v></c><c r="CB12"><v>80</v></c><c r="CC12"><v>81</v></c></row>
</sheetData>
<mergeCells count="3"><mergeCell ref="A10:B11"/><mergeCell ref="C10:D11"/><mergeCell ref="J20:K21"/></mergeCells>"""

ODD = """<x:sheetData>
<x:row r="1"><x:c s="0" r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="str" s="0"><x:f>"甲"&amp;"乙"</x:f><x:v>甲乙</x:v></x:c></x:row>
<x:row r="2">
  <x:c r="A2">
    <x:v>2</x:v>
  </x:c>
  <x:c r="B2" t="inlineStr">
    <x:is>
      <x:t>缩进的</x:t>
    </x:is>
  </x:c>
  <x:c r="C2"><x:v><![CDATA[3.5]]></x:v><!-- 注释 --></x:c>
</x:row>
<x:row><x:c><x:v>5</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c><x:c r="E3"><x:v>6</x:v></x:c><x:c><x:v>7</x:v></x:c></x:row>
<x:row r="5"><x:c><x:v>8</x:v></x:c></x:row>
<x:row/>
<x:row><x:c r="B7"><x:f>A5*2</x:f><x:v>16</x:v></x:c></x:row>
</x:sheetData>"""

NAMES = (
    '<definedName name="jx_profile">Values!$A$1</definedName>'
    '<definedName name="jx_block">Values!$A$6:$C$8</definedName>'
    "<definedName name=\"quoted\">'Odd sheet'!$B$2</definedName>"
    '<definedName name="two_areas">Values!$A$1,Values!$C$3:$D$4</definedName>'
    '<definedName name="threshold">0.3</definedName>'
    '<definedName name="text_constant">"文字"</definedName>'
    '<definedName name="dynamic">OFFSET(Values!$A$1,0,0,COUNTA(Values!$A:$A),1)</definedName>'
    '<definedName name="other_name">jx_profile</definedName>'
    '<definedName name="deleted">#REF!</definedName>'
    '<definedName name="deleted_cell">Values!#REF!</definedName>'
    '<definedName name="whole_column">Values!$A:$A</definedName>'
    '<definedName name="empty"></definedName>'
    '<definedName name="_xlnm.Print_Area" localSheetId="0">Values!$A$1:$J$12</definedName>'
    '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">Values!$A$1:$C$3</definedName>'
    '<definedName name="_xlnm.Print_Titles">Values!$1:$2</definedName>'
    '<definedName name="jxf_local" localSheetId="0">Values!$B$3</definedName>'
    '<definedName name="jxf_local" localSheetId="1">Values!$B$3</definedName>'
    '<definedName name="jxf_odd" localSheetId="1">\'Odd sheet\'!$A$2:$B$3</definedName>'
    '<definedName name="jxf_constant" localSheetId="1">42</definedName>'
    '<definedName name="jxf_nowhere" localSheetId="7">Values!$A$1</definedName>'
    '<definedName name="jxf_hidden" localSheetId="2">Hidden!$A$1</definedName>'
)

CUSTOM = (
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="jixiao:项目1:1">'
    '<vt:lpwstr>{"version":1,"a":"空格\\u0020与&amp;"}</vt:lpwstr></property>'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="count"><vt:i4>3</vt:i4></property>'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="zero"><vt:i4>0</vt:i4></property>'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="ratio"><vt:r8>0.5</vt:r8></property>'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="6" name="yes"><vt:bool>true</vt:bool></property>'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="7" name="no"><vt:bool>false</vt:bool></property>'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="8" name="when"><vt:filetime>2024-01-02T03:04:05Z</vt:filetime></property>'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="9" name="blank"><vt:lpwstr/></property>'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="10" name="other"><vt:lpstr>x</vt:lpstr></property>'
)

SHEETS = [
    ("Values", "", VALUES),
    ("Odd sheet", "", ""),  # filled below: the sheet body with the x: prefix
    ("Hidden", "hidden", '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'),
    ("Very hidden", "veryHidden", "<sheetData/>"),
]


def _crafted(tmp_path: Path, name: str, **kw: Any) -> Path:
    path = tmp_path / name
    path.write_bytes(package(**kw))
    return path


@pytest.mark.parametrize("date1904", [False, True], ids=["1900", "1904"])
def test_what_excel_writes(tmp_path: Path, date1904: bool) -> None:
    """Shared/rich/inline strings, every value type, dates, shared/array/data-table
    formulas and their cached results, merges, bounds, names, properties, states."""
    sheets = [SHEETS[0], ("Odd sheet", "", ""), *SHEETS[2:]]
    path = _crafted(tmp_path, "excel.xlsx", sheets=sheets, strings=STRINGS, names=NAMES,
                    custom=CUSTOM, date1904=date1904)  # fmt: skip
    book = assert_same_grid(path)
    values = book["Values"]
    # what the readers rely on, spelled out
    assert values.value(1, 2) == "加粗 与常规"  # rich text, no phonetic guide
    assert values.value(3, 1) == 42 and isinstance(values.value(3, 2), float)
    epoch = datetime.datetime(1904, 1, 1) if date1904 else datetime.datetime(1899, 12, 30)
    assert values.value(4, 1) == epoch + datetime.timedelta(days=44196)
    assert values.formulas is not None
    assert values.formulas[(7, 2)] == "=B4+$B$3*C4"  # a shared formula moved to B7
    assert values.formulas[(6, 5)] == "=SUM(A3:C3*2)" and values.formulas[(6, 7)] == "="
    assert (12, 81) not in values.values and values.value(12, 80) == 80  # MAX_COLS
    assert (10, 2) not in values.values and values.value(10, 1) == 1  # merged away
    assert (5, 3) in values.errors and values.value(5, 3) == "#DIV/0!"
    assert book.names["jx_profile"] == ("Values", (1, 1, 1, 1))
    assert book.names["threshold"] is None and book.names["dynamic"] is None
    assert values.named("jxf_local") == (2, 3, 2, 3) and "_xlnm.Print_Area" not in values.names
    assert book.properties["jixiao:项目1:1"].endswith('与&"}')
    assert [s.visible for s in book.sheets] == [True, True, False, False]


def test_prefixed_and_unusual_xml(tmp_path: Path) -> None:
    """A main namespace with a prefix (x:), indented cells, CDATA, comments, attributes in
    another order, rows and cells without addresses."""
    sheets = [("Values", "", "<x:sheetData/>"), ("Odd sheet", "", ODD)]
    path = _crafted(tmp_path, "odd.xlsx", sheets=sheets, strings=STRINGS, names=NAMES, prefix="x")
    book = assert_same_grid(path)
    odd = book["Odd sheet"]
    assert odd.value(2, 3) == 3.5 and odd.value(3, 1) == 5 and odd.value(3, 6) == 7
    assert odd.value(5, 1) == 8 and odd.formulas == {(1, 2): '="甲"&"乙"', (7, 2): "=A5*2"}


def test_names_that_are_not_references_never_fail(tmp_path: Path) -> None:
    """Names whose text the tokenizer cannot read, or that point at no sheet, are None."""
    names = (
        '<definedName name="unclosed">"abc</definedName>'
        '<definedName name="bracket">Table1[[#This Row]</definedName>'
        '<definedName name="no_sheet">$A$1</definedName>'
        '<definedName name="ok">Values!$A$1</definedName>'
        '<definedName name="jxf_unclosed" localSheetId="0">\'Values!$A$1</definedName>'
    )
    path = _crafted(tmp_path, "names.xlsx", sheets=[SHEETS[0]], strings=STRINGS, names=names)
    book = read_grid(path)
    assert book.names == {"unclosed": None, "bracket": None, "no_sheet": None,
                          "ok": ("Values", (1, 1, 1, 1))}  # fmt: skip
    assert book["Values"].names == {"jxf_unclosed": None}


# ---- a sheet of 200,000 rows ----------------------------------------------------------------


def _big_workbook(path: Path, rows: int) -> Path:
    """A form sheet and a sheet of ``rows`` numbered rows, written as raw XML (fast)."""
    form = (ROOT / "tests" / "bad_inputs" / "formulas-intact.xlsm").read_bytes()
    with zipfile.ZipFile(io.BytesIO(form)) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    data_rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>明细{r}</t></is></c></row>'
        for r in range(1, rows + 1)
    )
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>{data_rows}</sheetData></worksheet>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, raw in members:
            if info.filename == "xl/workbook.xml":
                raw = raw.replace(
                    b"</sheets>",
                    '<sheet name="数据" sheetId="99" r:id="rIdBig"/></sheets>'.encode(),
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                raw = raw.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdBig" Type="{REL}/worksheet" '
                    'Target="worksheets/big.xml"/></Relationships>'.encode(),
                )
            elif info.filename == "[Content_Types].xml":
                raw = raw.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/worksheets/big.xml" ContentType="{CT}.worksheet+xml"/>'
                    "</Types>".encode(),
                )
            out.writestr(info, raw)
        out.writestr("xl/worksheets/big.xml", sheet)
    return path


@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _big_workbook(tmp_path_factory.mktemp("big") / "二十万行.xlsm", 200_000)


def test_a_sheet_of_200000_rows_is_read_in_bounded_time(big_book: Path) -> None:
    start = time.perf_counter()
    contents = read_workbook_file(big_book)
    elapsed = time.perf_counter() - start
    assert elapsed < 5, elapsed
    assert [f.sheet_layout.sheet for f in contents.forms if f.sheet_layout] == ["项目支出表"]
    note = "工作表“数据”有 200000 行，只读取了前 2000 行"
    assert any(n.startswith(note) for n in contents.notes), contents.notes
    grid = read_grid(big_book)["数据"]
    assert grid.max_row == 2000 and grid.value(2000, 2) == "明细2000"


def test_the_row_limit_is_a_setting(big_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIXIAO_MAX_ROWS", "50000")
    book = read_grid(big_book)
    assert book["数据"].max_row == 50000
    assert book.notes[0].startswith("工作表“数据”有 200000 行，只读取了前 50000 行")
    monkeypatch.setenv("JIXIAO_MAX_ROWS", "很多")
    with pytest.raises(InputError, match="JIXIAO_MAX_ROWS"):
        read_grid(big_book)


def test_validate_of_a_sheet_of_200000_rows_is_bounded(
    big_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The copy of a file without cached values gets none computed when a sheet is longer
    than the rows read: computing them would read every row (7 s, 400 MB before)."""
    pkg = Package.read(big_book)
    assert stale(pkg)  # so validate would compute the cached values for its copy
    out = tmp_path / "副本.xlsm"
    start = time.perf_counter()
    code = main(["validate", str(big_book), "-o", str(out), "--json"])
    elapsed = time.perf_counter() - start
    assert code in (0, 1) and elapsed < 5, elapsed
    obj = json.loads(capsys.readouterr().out)
    assert any(
        n.startswith("工作表“数据”有 200000 行，只读取了前 2000 行") for n in obj["not_checked"]
    )
    (note,) = obj["output_notes"]
    assert (
        note.startswith("工作表“数据”有 200000 行，超过每张表最多读取的 2000 行")
        and "JIXIAO_MAX_ROWS" in note
    )
    # the copy: marked, its formulas as the file had them (no cached value computed)
    with zipfile.ZipFile(big_book) as a, zipfile.ZipFile(out) as b:
        sheets = [n for n in a.namelist() if n.startswith("xl/worksheets/sheet")]
        formulas = [n for n in sheets if b"<f>" in a.read(n)]
        assert formulas and all(_cached(b.read(n)) == _cached(a.read(n)) for n in formulas)
        assert b.read("xl/worksheets/big.xml") == a.read("xl/worksheets/big.xml")
    # the same bound wherever cached values are written
    report = write_cached_values(pkg, jixiao.udfs)
    assert (report.cells, report.too_long) == (0, ("数据", 200000, 2000))


def test_validate_computes_a_long_sheet_within_a_raised_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = _big_workbook(tmp_path / "三千行.xlsm", 3000)
    out = tmp_path / "副本.xlsm"
    main(["validate", str(book), "-o", str(out), "--json"])
    assert "output_notes" in json.loads(capsys.readouterr().out)
    monkeypatch.setenv("JIXIAO_MAX_ROWS", "3000")
    main(["validate", str(book), "-o", str(out), "--json"])
    obj = json.loads(capsys.readouterr().out)
    assert "output_notes" not in obj and "not_checked" not in obj
    assert not lacks_values(Package.read(out))  # every formula got its result


def _cached(sheet: bytes) -> list[bytes]:
    """The <v> of every formula cell, in order."""
    return re.findall(rb"<f>[^<]*</f>(<v>[^<]*</v>)?", sheet)


def test_a_small_sheet_gets_no_note(tmp_path: Path) -> None:
    """Formatting far below the last value (empty styled cells) is not "more rows"."""
    rows = '<row r="1"><c r="A1"><v>1</v></c></row>' + "".join(
        f'<row r="{r}"><c r="A{r}" s="1"/></row>' for r in range(2, 5000)
    )
    path = _crafted(
        tmp_path, "styled.xlsx", sheets=[("Values", "", f"<sheetData>{rows}</sheetData>")]
    )
    book = read_grid(path)
    assert book.notes == [] and book["Values"].values == {(1, 1): 1}


# ---- what the path loads ----------------------------------------------------------------------


def test_reading_a_workbook_loads_no_openpyxl() -> None:
    """validate/check/review read .xlsx/.xlsm without openpyxl (nor pandas)."""
    code = (
        "import sys\n"
        "from jixiao.readers.workbook import read_workbook_file\n"
        f"read_workbook_file({str(ROOT / 'tests' / 'bad_inputs' / 'formulas-intact.xlsm')!r})\n"
        "print(sorted(m for m in ('openpyxl', 'pandas') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


# ---- the cached values a copy gets --------------------------------------------------------


def test_shared_formulas_are_computed_cell_by_cell(tmp_path: Path) -> None:
    """A block of cells sharing one formula gets each cell's own result in the copy."""
    body = (
        '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">'
        'A1*2</f><v></v></c></row><row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/>'
        '<v></v></c></row><row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/></c>'
        "</row></sheetData>"
    )
    path = _crafted(tmp_path, "shared.xlsx", sheets=[("Values", "", body)])
    pkg = Package.read(path)
    assert stale(pkg)  # no cached values
    write_cached_values(pkg, jixiao.udfs)
    pkg.write(path)
    grid = read_grid(path)["Values"]
    assert grid.formulas == {(1, 2): "=A1*2", (2, 2): "=A2*2", (3, 2): "=A3*2"}
    assert [grid.value(r, 2) for r in (1, 2, 3)] == [2, 4, 6]
    assert not stale(Package.read(path))


def test_an_empty_text_result_is_a_cached_value(tmp_path: Path) -> None:
    """Excel, LibreOffice and jixiao write a formula giving "" as t="str" with an empty
    <v>: such a file keeps its own values; openpyxl's empty <v> (no type) is no value."""

    def sheet(cell: str) -> list[tuple[str, str, str]]:
        return [
            ("Values", "", f'<sheetData><row r="1"><c r="A1"><v>1</v></c>{cell}</row></sheetData>')
        ]

    kept = _crafted(
        tmp_path,
        "kept.xlsx",
        sheets=sheet('<c r="B1" t="str"><f>IF(A1&gt;1,"x","")</f><v></v></c>'),
    )
    assert not stale(Package.read(kept))
    lost = _crafted(tmp_path, "lost.xlsx", sheets=sheet('<c r="B1"><f>A1*2</f><v></v></c>'))
    assert stale(Package.read(lost))
    shared = _crafted(
        tmp_path, "dep.xlsx", sheets=sheet('<c r="B1"><f t="shared" si="0"/><v></v></c>')
    )
    assert stale(Package.read(shared))


def test_an_xls_sheet_is_bounded_by_the_same_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIXIAO_MAX_ROWS", "5")
    kind, book = read_book_grid(ROOT / "tests" / "bad_inputs" / "legacy.xls")
    assert kind.value == "xls" and book["项目支出表"].max_row == 5
    assert book.notes[0].startswith("工作表“项目支出表”有 62 行，只读取了前 5 行")


def test_reading_the_forms_converts_only_the_cells_they_use() -> None:
    """The template reader asks for its cells one by one: the sheets stay unconverted
    (in jixiao's templates hidden helper columns are most of the cells), and what it reads
    is what the whole sheets give."""
    for name in ("formulas-intact.xlsm", "error-div0.xlsm", "merged-inputs.xlsm"):
        path = ROOT / "tests" / "bad_inputs" / name
        grid = read_grid(path)
        contents = read_forms(grid)
        lazy = [ws for ws in grid if isinstance(ws, _LazySheet)]
        assert contents.forms and len(lazy) == len(grid.sheets), name
        assert all("values" not in vars(ws) for ws in lazy), name
        asked = sum(len(ws._done) for ws in lazy)
        cells = sum(len(set(ws.values) | set(ws.formulas or ())) for ws in lazy)  # converts
        assert 0 < asked < cells / 2, name
        again = read_forms(grid)  # from the converted sheets
        assert again == contents, name
