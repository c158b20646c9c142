"""Grid sources beyond .xlsx: Excel 97-2003 workbooks (xlrd) and the tables of Word reports.

The .xls files are made here the way users get them: an .xlsx written with openpyxl and
saved as .xls by LibreOffice (each conversion with a private profile, so runs in parallel
do not collide). The Word documents are built with python-docx, the layouts python-docx
cannot make (rows that skip grid columns, content controls, tracked changes, symbols,
text boxes) by editing its XML.
"""

from __future__ import annotations

import copy
import os
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from openpyxl.workbook.defined_name import DefinedName

from jixiao.core.errors import InputError
from jixiao.formats.docx_grid import read_docx_grid, word_address
from jixiao.formats.grid import BookGrid
from jixiao.formats.xls_grid import read_xls_grid
from jixiao.formats.xlsx_grid import MAX_COLS, read_grid
from jixiao.hosts.libreoffice import soffice_path
from jixiao.readers.workbook import read_forms

CORPUS = Path(__file__).parent / "bad_inputs"
SHEET = "项目支出表"


# ---- .xls ---------------------------------------------------------------------------------


def _to_xls(sources: list[Path], outdir: Path) -> None:
    exe = soffice_path()
    if exe is None:
        pytest.fail("LibreOffice 未安装：make test 会安装它（libreoffice-calc-nogui）")
    with tempfile.TemporaryDirectory(prefix="jixiao-test-lo-") as profile:
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "xls",
                "--outdir",
                str(outdir),
                *map(str, sources),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    for source in sources:
        assert (outdir / f"{source.stem}.xls").is_file(), f"LibreOffice did not convert {source}"


def _form_xlsx(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = "项目支出绩效自评表"
    ws.merge_cells("A1:H1")
    ws["A2"], ws["B2"] = "项目名称", "非公有制中小微企业发展项目"
    ws["A3"], ws["B3"], ws["C3"], ws["D3"] = "全年预算数", 88.16, 12, 0.95
    ws["D3"].number_format = "0%"
    ws["E3"] = datetime(2020, 12, 31)
    ws["E3"].number_format = "yyyy-mm-dd"
    ws["F3"] = True
    ws["G3"] = "=1/0"
    ws["H3"] = "≥95%"
    ws["A5"] = "产出指标"
    ws.merge_cells("A5:A8")
    for row, name in enumerate(["数量指标", "质量指标", "时效指标", "成本指标"], 5):
        ws.cell(row, 2, name)
    ws["B9"] = "  两端有空格  "
    ws.cell(10, MAX_COLS + 5, "超出读取范围")
    ws.defined_names["jxf_local"] = DefinedName("jxf_local", attr_text=f"'{SHEET}'!$B$3")
    settings = wb.create_sheet("设置")
    settings["A1"] = "national"
    settings.sheet_state = "hidden"
    wb.defined_names["jx_profile"] = DefinedName("jx_profile", attr_text="'设置'!$A$1")
    wb.defined_names["jxf_indicators"] = DefinedName(
        "jxf_indicators", attr_text=f"'{SHEET}'!$A$5:$H$8"
    )
    wb.save(path)


@pytest.fixture(scope="module")
def xls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The form as .xlsx and as .xls, and a one-cell .xls (its workbook stream is small)."""
    folder = tmp_path_factory.mktemp("xls")
    form, tiny = folder / "form.xlsx", folder / "tiny.xlsx"
    _form_xlsx(form)
    wb = openpyxl.Workbook()
    wb.active["A1"] = "小"
    wb.save(tiny)
    _to_xls([form, tiny], folder)
    return {"xlsx": form, "xls": folder / "form.xls", "tiny": folder / "tiny.xls"}


@pytest.fixture(scope="module")
def xls_book(xls_files: dict[str, Path]) -> BookGrid:
    return read_xls_grid(xls_files["xls"])


def test_xls_values_keep_their_types(xls_book: BookGrid) -> None:
    ws = xls_book[SHEET]
    assert ws.values[(1, 1)] == "项目支出绩效自评表"
    assert ws.values[(2, 2)] == "非公有制中小微企业发展项目"
    assert ws.values[(3, 2)] == 88.16 and isinstance(ws.values[(3, 2)], float)
    assert ws.values[(3, 3)] == 12 and type(ws.values[(3, 3)]) is int
    assert ws.values[(3, 4)] == 0.95
    assert ws.values[(3, 5)] == datetime(2020, 12, 31)
    assert ws.values[(3, 6)] is True
    assert ws.values[(3, 8)] == "≥95%"
    assert ws.values[(9, 2)] == "  两端有空格  "  # as typed: the readers normalise
    assert (4, 1) not in ws.values  # empty cells are absent
    assert (2, 1) in ws.values and (1, 2) not in ws.values  # nor what a merge covers


def test_xls_error_values(xls_book: BookGrid) -> None:
    ws = xls_book[SHEET]
    assert ws.values[(3, 7)] == "#DIV/0!"
    assert ws.errors == {(3, 7)}


def test_xls_is_read_by_value(xls_book: BookGrid) -> None:
    assert xls_book.with_formulas is False
    assert all(ws.formulas is None for ws in xls_book)
    assert xls_book[SHEET].entry(3, 7) == "#DIV/0!"  # no formula text to hide it behind


def test_xls_number_formats(xls_book: BookGrid) -> None:
    formats = xls_book[SHEET].number_formats
    assert formats[(3, 4)] == "0%"
    assert "yyyy" in formats[(3, 5)]  # LibreOffice writes yyyy\-mm\-dd
    assert (1, 1) not in formats  # General is not recorded


def test_xls_merges(xls_book: BookGrid) -> None:
    # (min_col, min_row, max_col, max_row): A1:H1 and A5:A8
    assert sorted(xls_book[SHEET].merges) == [(1, 1, 8, 1), (1, 5, 1, 8)]


def test_xls_hidden_sheet_and_names(xls_book: BookGrid) -> None:
    assert xls_book.sheet_names == [SHEET, "设置"]
    assert xls_book[SHEET].visible is True
    assert xls_book["设置"].visible is False
    assert xls_book.names == {
        "jx_profile": ("设置", (1, 1, 1, 1)),
        "jxf_indicators": (SHEET, (1, 5, 8, 8)),
    }
    assert xls_book.name_value("jx_profile") == "national"
    assert xls_book[SHEET].names == {"jxf_local": (2, 3, 2, 3)}
    assert xls_book["设置"].names == {}


def test_xls_reads_no_further_than_an_xlsx(xls_book: BookGrid) -> None:
    assert xls_book[SHEET].max_col <= MAX_COLS
    assert "超出读取范围" not in xls_book[SHEET].values.values()


def test_xls_reads_as_the_same_workbook_saved_as_xlsx(
    xls_files: dict[str, Path], xls_book: BookGrid
) -> None:
    """Everything but formulas comes out of the .xls as out of the .xlsx it was saved from."""
    original = read_grid(xls_files["xlsx"])
    assert xls_book.sheet_names == original.sheet_names
    assert xls_book.names == original.names
    for old, new in zip(original, xls_book, strict=True):
        typed = {p: v for p, v in old.values.items() if not old.has_formula(*p)}
        shown = {p: v for p, v in new.values.items() if p not in (old.formulas or {})}
        assert shown == typed
        assert sorted(new.merges) == sorted(old.merges)
        assert new.visible == old.visible
        assert new.names == old.names
        assert {p: f for p, f in new.number_formats.items() if f == "0%"} == {
            p: f for p, f in old.number_formats.items() if f == "0%"
        }


def test_xls_source_names_the_file_in_messages(xls_files: dict[str, Path]) -> None:
    assert read_xls_grid(xls_files["xls"], source="石峰区.xls").source == "石峰区.xls"


def test_a_template_workbook_saved_as_xls_reads_as_a_form() -> None:
    """jixiao's names survive the .xls format: the template reader finds every field."""
    contents = read_forms(read_xls_grid(CORPUS / "legacy.xls"))
    (form,) = contents.forms
    assert form.data["项目名称"] == "非公有制中小微企业发展项目"
    assert form.data["预算执行"]["全年执行数"] == 10
    assert len(form.data["绩效指标"]) == 9
    assert contents.profile == "national"
    assert contents.with_formulas is False


def _loop_short_sector_chain(data: bytes) -> bytes:
    """The .xls with its workbook stream's first short sector pointing back at itself."""
    out = bytearray(data)
    sector = 1 << struct.unpack_from("<H", data, 30)[0]
    dir_sid, ssat_sid = struct.unpack_from("<i", data, 48)[0], struct.unpack_from("<i", data, 60)[0]
    entries = data[512 + dir_sid * sector : 512 + (dir_sid + 1) * sector]
    for k in range(0, len(entries), 128):
        entry = entries[k : k + 128]
        name = entry[: struct.unpack_from("<H", entry, 64)[0]].decode("utf-16-le").rstrip("\0")
        if name == "Workbook":
            first, size = struct.unpack_from("<iI", entry, 116)
            assert size < 4096, "the workbook stream must live in short sectors"
            struct.pack_into("<i", out, 512 + ssat_sid * sector + 4 * first, first)
            return bytes(out)
    raise AssertionError("no Workbook stream in the first directory sector")


def test_xls_with_a_looping_sector_chain_is_refused_at_once(
    xls_files: dict[str, Path], tmp_path: Path
) -> None:
    """xlrd itself would follow the loop until memory runs out: run in a child process
    with a memory cap, so a regression fails this test instead of the machine."""
    bad = tmp_path / "循环.xls"
    bad.write_bytes(_loop_short_sector_chain(xls_files["tiny"].read_bytes()))
    script = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from pathlib import Path
        from jixiao.core.errors import InputError
        from jixiao.formats.xls_grid import read_xls_grid
        try:
            read_xls_grid(Path({str(bad)!r}))
        except InputError as e:
            print(e)
    """)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert time.monotonic() - start < 30
    assert done.returncode == 0, done.stderr
    assert "循环.xls" in done.stdout and "损坏" in done.stdout
    assert "内存" not in done.stdout  # refused by the check, not after running out of memory


# ---- .docx --------------------------------------------------------------------------------


def _report(path: Path) -> None:
    d = docx.Document()
    d.add_heading("石峰区工商业联合会2020年项目支出绩效自评报告", level=1)
    d.add_paragraph("一、项目基本情况")
    t = d.add_table(rows=7, cols=5)
    t.cell(0, 0).merge(t.cell(0, 4)).text = "项目支出绩效自评表"
    for col, text in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"]):
        t.cell(1, col).text = text
    t.cell(2, 0).merge(t.cell(4, 0)).text = "产出指标"
    rows = [
        ("数量指标", "培训场次", "≥18场次", "20"),
        ("质量指标", "合格率", "100%", "88.16"),
        ("时效指标", "完成时限", "2020年12月31日", ""),
    ]
    for row, values in enumerate(rows, 2):
        for col, text in enumerate(values, 1):
            t.cell(row, col).text = text
    note = t.cell(5, 1).merge(t.cell(5, 4))
    t.cell(5, 0).text = "偏差原因"
    note.text = "第一段，行尾有空格  "
    note.add_paragraph("第二段")
    note.add_paragraph("")
    inner = t.cell(6, 4).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "嵌套表"
    t.cell(6, 0).text = "备注"
    d.add_paragraph("二、单位信息")
    t2 = d.add_table(rows=2, cols=2)
    t2.cell(0, 0).text, t2.cell(0, 1).text = "单位名称", "石峰区工商业联合会"
    t2.cell(1, 0).text, t2.cell(1, 1).text = "年度", "2020"
    d.save(str(path))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> BookGrid:
    path = tmp_path_factory.mktemp("docx") / "自评报告.docx"
    _report(path)
    return read_docx_grid(path)


def test_docx_every_table_is_a_sheet_in_document_order(report: BookGrid) -> None:
    assert report.sheet_names == ["表1", "表2", "表3"]
    assert report["表2"].values == {(1, 1): "嵌套表"}  # nested in 表1's last row
    assert report["表3"].values == {
        (1, 1): "单位名称",
        (1, 2): "石峰区工商业联合会",
        (2, 1): "年度",
        (2, 2): "2020",
    }
    assert report.with_formulas is False and report.names == {}
    for ws in report:
        assert ws.formulas is None and ws.number_formats == {} and ws.visible


def test_docx_cells_and_merges(report: BookGrid) -> None:
    ws = report["表1"]
    assert ws.values[(1, 1)] == "项目支出绩效自评表"
    assert ws.values[(2, 5)] == "实际完成值"
    assert ws.values[(3, 1)] == "产出指标"
    assert ws.values[(3, 4)] == "≥18场次"
    assert ws.values[(4, 4)] == "100%"
    assert ws.values[(4, 5)] == "88.16"  # text, exactly as typed
    assert (5, 5) not in ws.values and (4, 1) not in ws.values
    assert ws.values[(6, 2)] == "第一段，行尾有空格\n第二段"
    assert ws.values[(7, 1)] == "备注"
    assert "嵌套表" not in ws.values.values()  # the nested table is a table of its own
    assert sorted(ws.merges) == [(1, 1, 5, 1), (1, 3, 1, 5), (2, 6, 5, 6)]
    assert "石峰区工商业联合会2020年项目支出绩效自评报告" not in ws.values.values()


def test_word_address() -> None:
    assert word_address(5, 4) == "第5行第4列"
    assert word_address(1, 1) == "第1行第1列"


def _body_xml(path: Path, tables_xml: str) -> None:
    """A document whose body is ``tables_xml`` (WordprocessingML, w: prefix)."""
    d = docx.Document()
    body = d.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    vml = 'xmlns:v="urn:schemas-microsoft-com:vml"'
    wrapper = parse_xml(f"<w:body {nsdecls('w')} {vml}>{tables_xml}</w:body>")
    for k, child in enumerate(wrapper):
        body.insert(k, copy.deepcopy(child))
    d.save(str(path))


def _tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t xml:space='preserve'>{text}</w:t></w:r></w:p></w:tc>"


def test_docx_rows_that_skip_grid_columns_and_irregular_grids(tmp_path: Path) -> None:
    """A row can start after some grid columns (w:gridBefore) and cells can span columns
    that other rows split: the grid is the table's, not each row's count of cells."""
    two, three = "<w:gridSpan w:val='2'/>", "<w:gridSpan w:val='3'/>"
    xml = (
        "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
        f"<w:tr>{_tc('a')}{_tc('b', two)}{_tc('c')}</w:tr>"
        f"<w:tr><w:trPr><w:gridBefore w:val='1'/></w:trPr>{_tc('d')}{_tc('e')}{_tc('f')}</w:tr>"
        f"<w:tr>{_tc('g', three)}{_tc('h')}</w:tr>"
        "</w:tbl>"
    )
    path = tmp_path / "grid.docx"
    _body_xml(path, xml)
    ws = read_docx_grid(path)["表1"]
    assert ws.values == {
        (1, 1): "a", (1, 2): "b", (1, 4): "c",
        (2, 2): "d", (2, 3): "e", (2, 4): "f",
        (3, 1): "g", (3, 4): "h",
    }  # fmt: skip
    assert sorted(ws.merges) == [(1, 3, 3, 3), (2, 1, 3, 1)]


def test_docx_vertical_and_old_horizontal_merges(tmp_path: Path) -> None:
    restart, cont, cont2 = (
        "<w:vMerge w:val='restart'/>",
        "<w:vMerge/>",
        "<w:vMerge w:val='continue'/>",
    )
    h_restart, h_cont = "<w:hMerge w:val='restart'/>", "<w:hMerge/>"
    xml = (
        "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
        f"<w:tr>{_tc('产出指标', restart)}{_tc('x', h_restart)}{_tc('', h_cont)}</w:tr>"
        f"<w:tr>{_tc('', cont)}{_tc('数量指标')}{_tc('y')}</w:tr>"
        f"<w:tr>{_tc('', cont2)}{_tc('质量指标')}{_tc('z')}</w:tr>"
        "</w:tbl>"
    )
    path = tmp_path / "merge.docx"
    _body_xml(path, xml)
    ws = read_docx_grid(path)["表1"]
    assert ws.values[(1, 1)] == "产出指标" and (2, 1) not in ws.values
    assert sorted(ws.merges) == [(1, 1, 1, 3), (2, 1, 3, 1)]


def test_docx_a_tables_heading_lines_are_its_preamble(tmp_path: Path) -> None:
    """The short paragraphs right above a table (since the table or the prose before it)
    are its preamble: a Word report prints the form's title and year there."""

    def p(text: str) -> str:
        return f"<w:p><w:r><w:t xml:space='preserve'>{text}</w:t></w:r></w:p>"

    table = f"<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr>{_tc('项目名称')}</w:tr></w:tbl>"
    prose = "本单位按要求开展了绩效自评，" * 20  # a paragraph of the report, 280 characters
    xml = (
        p("某某局2023年度部门整体支出绩效自评报告")
        + p(prose)
        + p("附件1")
        + p("  项目支出绩效自评表  ")
        + p("")
        + p("（2023年度）")
        + table
        + p("附件2")
        + "<w:sdt><w:sdtContent>" + p("部门整体支出绩效自评表") + "</w:sdtContent></w:sdt>"
        + table
        + table
    )  # fmt: skip
    path = tmp_path / "report.docx"
    _body_xml(path, xml)
    book = read_docx_grid(path)
    assert book["表1"].preamble == ("附件1", "项目支出绩效自评表", "（2023年度）")
    assert book["表2"].preamble == ("附件2", "部门整体支出绩效自评表")
    assert book["表3"].preamble == ()


def test_docx_text_as_word_shows_it(tmp_path: Path) -> None:
    """Content controls, tracked changes, field codes, hidden text, symbols, tabs and
    line breaks, text boxes."""
    run = "<w:r><w:t xml:space='preserve'>{}</w:t></w:r>"
    sdt_cell = (
        "<w:sdt><w:sdtContent><w:tc><w:p>"
        + run.format("控件中的")
        + "<w:sdt><w:sdtContent>"
        + run.format("文字")
        + "</w:sdtContent></w:sdt></w:p></w:tc></w:sdtContent></w:sdt>"
    )
    tracked = (
        "<w:tc><w:p>"
        + run.format("完成")
        + "<w:del w:id='1' w:author='a'><w:r><w:delText>90</w:delText></w:r></w:del>"
        + "<w:ins w:id='2' w:author='a'>"
        + run.format("95")
        + "</w:ins>"
        + run.format("%")
        + "</w:p></w:tc>"
    )
    field = (
        "<w:tc><w:p><w:r><w:fldChar w:fldCharType='begin'/></w:r>"
        "<w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType='separate'/></w:r>"
        + run.format("3")
        + "<w:r><w:fldChar w:fldCharType='end'/></w:r>"
        + "<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r></w:p></w:tc>"
    )
    symbols = (
        "<w:tc><w:p><w:r><w:sym w:font='Symbol' w:char='F0B3'/></w:r>"
        + run.format("95%")
        + "<w:r><w:tab/><w:t>是</w:t><w:sym w:font='Wingdings' w:char='F0FC'/><w:br/><w:t>第二行</w:t></w:r>"
        + "</w:p></w:tc>"
    )
    textbox = (
        "<w:tc><w:p>"
        + run.format("框外")
        + "<w:r><w:pict><v:shape><v:textbox><w:txbxContent><w:p>"
        + run.format("框内文字")
        + "</w:p><w:tbl><w:tr><w:tc><w:p>"
        + run.format("框内表格")
        + "</w:p></w:tc></w:tr></w:tbl></w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
        + "</w:p></w:tc>"
    )
    xml = (
        "<w:tbl><w:tblGrid>"
        + "<w:gridCol/>" * 5
        + "</w:tblGrid><w:sdt><w:sdtContent><w:tr>"
        + sdt_cell
        + tracked
        + field
        + symbols
        + textbox
        + "</w:tr></w:sdtContent></w:sdt></w:tbl>"
    )
    path = tmp_path / "text.docx"
    _body_xml(path, xml)
    book = read_docx_grid(path)
    assert book.sheet_names == ["表1"]  # the table in the text box is not read
    assert book["表1"].values == {
        (1, 1): "控件中的文字",
        (1, 2): "完成95%",
        (1, 3): "3",
        (1, 4): "≥95%\t是√\n第二行",
        (1, 5): "框外",
    }


def test_macro_enabled_document_reads_too(tmp_path: Path) -> None:
    """A .docm (python-docx itself refuses its content type) is a Word document all the same."""
    good = tmp_path / "r.docx"
    _report(good)
    types = (
        zipfile.ZipFile(good)
        .read("[Content_Types].xml")
        .replace(b"wordprocessingml.document.main+xml", b"PLACEHOLDER")
    )
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.PLACEHOLDER",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    docm = _with_member(good, tmp_path / "宏.docm", "[Content_Types].xml", types)
    assert read_docx_grid(docm).sheet_names == ["表1", "表2", "表3"]


def test_docx_source_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "r.docx"
    _report(path)
    assert read_docx_grid(path, source="报告.docx").source == "报告.docx"


# ---- files that are not what they claim ----------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _with_member(source: Path, target: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as z:
        for member in src.namelist():
            z.writestr(member, data if member == name else src.read(member))
    return target


def _bad(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("文本.xls", lambda p: _bad(p, "文本.xls", "项目,金额\n培训,12\n".encode()), ["文本"]),
        ("空.xls", lambda p: _bad(p, "空.xls", b""), ["空"]),
        (
            "网页.xls",
            lambda p: _bad(p, "网页.xls", b"<html><table><tr><td>1</td></tr></table></html>"),
            ["网页"],
        ),
        (
            "新格式.xls",
            lambda p: _bad(p, "新格式.xls", (CORPUS / "formulas-intact.xlsm").read_bytes()),
            [".xlsx", "扩展名"],
        ),
        (
            "截断.xls",
            lambda p: _bad(p, "截断.xls", (CORPUS / "legacy-truncated.xls").read_bytes()),
            ["损坏"],
        ),
        (
            "加密.xls",
            lambda p: _bad(p, "加密.xls", (CORPUS / "encrypted.xlsx").read_bytes()),
            ["密码"],
        ),
        ("文档.xls", lambda p: _zip(p / "文档.xls", {"word/document.xml": b"<w/>"}), ["Word"]),
    ],
)
def test_bad_xls_inputs(tmp_path: Path, name: str, make, words: list[str]) -> None:
    path = make(tmp_path)
    with pytest.raises(InputError) as caught:
        read_xls_grid(path)
    message = str(caught.value)
    assert name in message and caught.value.file == str(path)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        (
            "压缩包.docx",
            lambda p: _zip(p / "压缩包.docx", {"报告.txt": "自评报告".encode()}),
            ["word/document.xml"],
        ),
        ("空.docx", lambda p: _bad(p, "空.docx", b""), ["空"]),
        (
            "工作簿.docx",
            lambda p: _bad(p, "工作簿.docx", (CORPUS / "formulas-intact.xlsm").read_bytes()),
            ["Excel"],
        ),
        (
            "旧工作簿.docx",
            lambda p: _bad(p, "旧工作簿.docx", (CORPUS / "legacy.xls").read_bytes()),
            [".xls"],
        ),
        (
            "加密.docx",
            lambda p: _bad(p, "加密.docx", (CORPUS / "encrypted.xlsx").read_bytes()),
            ["密码"],
        ),
        ("文本.docx", lambda p: _bad(p, "文本.docx", "自评报告\n".encode()), ["文本"]),
        ("富文本.docx", lambda p: _bad(p, "富文本.docx", b"{\\rtf1\\ansi hello}"), ["RTF"]),
        ("PDF.docx", lambda p: _bad(p, "PDF.docx", b"%PDF-1.7\n..."), ["PDF"]),
    ],
)
def test_bad_docx_inputs(tmp_path: Path, name: str, make, words: list[str]) -> None:
    path = make(tmp_path)
    with pytest.raises(InputError) as caught:
        read_docx_grid(path)
    message = str(caught.value)
    assert name in message and caught.value.file == str(path)
    for word in words:
        assert word in message


def test_damaged_docx_parts_are_named(tmp_path: Path) -> None:
    good = tmp_path / "好.docx"
    _report(good)
    document = zipfile.ZipFile(good).read("word/document.xml")
    broken = _with_member(good, tmp_path / "坏.docx", "word/document.xml", document[:-40])
    with pytest.raises(InputError, match=r"word/document\.xml.*已损坏") as caught:
        read_docx_grid(broken)
    assert "坏.docx" in str(caught.value)
    truncated = _bad(tmp_path, "截断.docx", good.read_bytes()[:3000])
    with pytest.raises(InputError, match=r"截断\.docx.*损坏"):
        read_docx_grid(truncated)


def test_missing_files_and_folders(tmp_path: Path) -> None:
    for reader in (read_xls_grid, read_docx_grid):
        with pytest.raises(InputError, match="不存在"):
            reader(tmp_path / "没有.xls")
        with pytest.raises(InputError, match="文件夹"):
            reader(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = _bad(tmp_path, "锁定.xls", b"x")
    path.chmod(0)
    with pytest.raises(InputError, match="权限"):
        read_xls_grid(path)
