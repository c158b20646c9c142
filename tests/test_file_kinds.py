"""The same form as an .xlsx, an old .xls and a table in a Word report (.docx).

What a clerk relies on: `jixiao check`, `validate` and `import` read each file by what it
is (not by its name), report the same problems in each, and point at them in the file's
own terms — 工作表!单元格 in a workbook, 表N 第r行第c列 in a Word document. `validate`
marks only .xlsx/.xlsm and says how to get a marked standard workbook from the others;
`import` takes a form from any of them as typed. What cannot be read (an old .doc, an
encrypted or damaged .xls, a PDF, a scanned page) gets one Chinese message, exit 2.

The forms: real published forms of the corpus (tests/corpus/forms, laid out cell by cell)
and the four real examples (examples/*.json, imported into their standard workbook and
laid out again from what its sheet shows — the template pasted into Word, say). Each is
built as .xlsx (tests/corpus/build.py), converted to .xls by LibreOffice and written as a
Word table.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from corpus import build
from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries
from support import EXAMPLES

from jixiao.cli import main
from jixiao.hosts.libreoffice import soffice_path

BAD = Path(__file__).resolve().parent / "bad_inputs"

# Real forms of several provinces and layouts (national, Sichuan, no scores, another
# framework, a 整体 form).
CORPUS = [
    "01-anhui-2022-chizhou-weituo.json",
    "05-hebei-2019-langfang-nuantong.json",
    "08-sichuan-2022-zhongjiang-shuibiaochi.json",
    "10-yunnan-2022-yongde-yingyang.json",
    "14-hunan-2020-hengshan-chubeiliang.json",
    "17-fujian-2018-ningde-fangzhi.json",
]
EXAMPLE_NAMES = [p.stem for p in sorted(EXAMPLES.glob("*.json"))]
SHEETS = {"项目支出绩效自评表": "项目支出表", "部门整体支出绩效自评表": "整体支出表"}

# ---- running the command line ----------------------------------------------------------------


@dataclass
class Run:
    rc: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def cli(*args: str | Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in args])
        except SystemExit as e:  # argparse refusing the arguments
            rc = e.code if isinstance(e.code, int) else 2
    return Run(rc, out.getvalue(), err.getvalue())


def assert_refused(run: Run, path: Path, *fragments: str) -> None:
    """Exit 2 with one Chinese message that names the file; no traceback, no internal error."""
    assert run.rc == 2, (run.rc, run.out, run.err)
    message = run.err.strip()
    assert message.startswith("错误：文件 ") and path.name in message, message
    assert len(message.splitlines()) == 1, message
    assert "Traceback" not in message and "内部错误" not in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message}"


# ---- the files -------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    form: dict[str, Any]  # rows and merges as tests/corpus/build.py lays them out
    xlsx: Path
    xls: Path
    docx: Path


def to_xls(sources: list[Path], outdir: Path) -> None:
    """All the workbooks saved as .xls by LibreOffice in one run (a private profile)."""
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
            env=build._soffice_env(),
        )


def shown_rows(workbook: Path, sheet: str) -> dict[str, Any]:
    """A sheet as the printed form shows it — the print area's visible rows and columns,
    the values shown (formulas' results), the merges — in tests/corpus/build.py's form."""
    ws = openpyxl.load_workbook(workbook, data_only=True)[sheet]
    first_col, first_row, last_col, last_row = range_boundaries(ws.print_area.split("!")[-1])
    hidden = set()
    for dim in ws.column_dimensions.values():
        if dim.hidden:
            hidden.update(range(dim.min, dim.max + 1))
    cols = [c for c in range(first_col, last_col + 1) if c not in hidden]
    rows = [r for r in range(first_row, last_row + 1) if not ws.row_dimensions[r].hidden]
    new_col = {c: k for k, c in enumerate(cols, 1)}
    new_row = {r: k for k, r in enumerate(rows, 1)}
    merges = []
    for rng in ws.merged_cells.ranges:
        if rng.min_col in new_col and rng.min_row in new_row:
            last_col = max(new_col[c] for c in range(rng.min_col, rng.max_col + 1) if c in new_col)
            last_row = max(new_row[r] for r in range(rng.min_row, rng.max_row + 1) if r in new_row)
            first = f"{get_column_letter(new_col[rng.min_col])}{new_row[rng.min_row]}"
            merges.append(f"{first}:{get_column_letter(last_col)}{last_row}")
    return {
        "sheet": sheet,
        "rows": [[ws.cell(r, c).value for c in cols] for r in rows],
        "merges": merges,
    }


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    folder = tmp_path_factory.mktemp("kinds")
    forms: dict[str, dict[str, Any]] = {}
    for name in CORPUS:
        forms[Path(name).stem] = build.load(name)
    for stem in EXAMPLE_NAMES:
        template = folder / f"{stem}_模板.xlsm"
        assert cli("import", EXAMPLES / f"{stem}.json", "-o", template).rc == 0
        data = json.loads((EXAMPLES / f"{stem}.json").read_text("utf-8"))
        forms[stem] = shown_rows(template, SHEETS[data["表类型"]])
    out: dict[str, Case] = {}
    for stem, form in forms.items():
        xlsx = build.to_xlsx(form, folder / f"{stem}.xlsx")
        document = build.to_docx(form, folder / f"{stem}.docx")
        out[stem] = Case(stem, form, xlsx, folder / f"{stem}.xls", document)
    to_xls([c.xlsx for c in out.values()], folder)
    return out


def params(names: list[str]) -> list[Any]:
    return [pytest.param(n) for n in names]


ALL = [Path(n).stem for n in CORPUS] + EXAMPLE_NAMES


def validate_json(path: Path, out_dir: Path) -> Run:
    run = cli("validate", path, "-o", out_dir / f"校验{path.suffix}", "--json")
    assert run.rc in (0, 1), (run.rc, run.err)
    return run


def word_place(table: str, cell: str) -> str:
    row, col = coordinate_to_tuple(cell)
    return f"{table} 第{row}行第{col}列"


def essentials(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (finding["code"], finding["severity"], finding["field"], finding["message"])


# ---- the same findings, each in its file's own terms ----------------------------------------


@pytest.mark.parametrize("name", params(ALL))
def test_the_same_form_gives_the_same_findings_in_every_format(
    name: str, cases: dict[str, Case], tmp_path: Path
) -> None:
    case = cases[name]
    book = validate_json(case.xlsx, tmp_path)
    old = validate_json(case.xls, tmp_path)
    word = validate_json(case.docx, tmp_path)
    assert book.rc == old.rc == word.rc
    assert [book.json["format"], old.json["format"], word.json["format"]] == ["xlsx", "xls", "docx"]
    found = book.json["findings"]
    assert found, "every form here has something to report"

    # .xls: the same findings, on the same sheet and cells
    assert old.json["findings"] == found

    # Word: the same findings; sheet "表1", the cell as the grid's A1, the place as Word shows it
    words = word.json["findings"]
    assert [essentials(f) for f in words] == [essentials(f) for f in found]
    for w, f in zip(words, found, strict=True):
        assert w["sheet"] == "表1" and w["cell"] == f["cell"]
        assert w["location"] == (word_place("表1", f["cell"]) if f["cell"] else "表1")
        assert "location" not in f  # a workbook's place is sheet!cell, as before


@pytest.mark.parametrize("name", ["01-anhui-2022-chizhou-weituo", "zhaohua-2024-p4"])
def test_the_table_shows_word_places_for_a_word_document(
    name: str, cases: dict[str, Case], tmp_path: Path
) -> None:
    case = cases[name]
    book = cli("validate", case.xlsx, "-o", tmp_path / "校验.xlsx", "--json").json["findings"]
    text = cli("validate", case.docx).out
    assert text.startswith(f"【{case.docx}】Word 文档（.docx），校验了 1 张表（表1）")
    rows = [line for line in text.splitlines() if re.match(r"^(错误|警告|提示)  ", line)]
    assert len(rows) == len(book)
    for line, f in zip(rows, book, strict=True):
        place = word_place("表1", f["cell"]) if f["cell"] else "表1"
        assert place in line, line
        assert f"{case.form['sheet']}!" not in line and "表1!" not in line
    assert re.search(r"共 \d+ 条（错误 \d+，警告 \d+，提示 \d+）", text)


# ---- validate: marks only in .xlsx/.xlsm --------------------------------------------------------


@pytest.mark.parametrize("kind", ["xls", "docx"])
def test_validate_lists_the_findings_and_says_how_to_get_a_marked_workbook(
    kind: str, cases: dict[str, Case], tmp_path: Path
) -> None:
    src = tmp_path / f"自评表.{kind}"
    shutil.copyfile(getattr(cases["zhaohua-2024-p4"], kind), src)
    before, mtime = src.read_bytes(), src.stat().st_mtime_ns
    asked = tmp_path / f"标记.{kind}"
    run = cli("validate", src, "-o", asked)
    assert run.rc == 1, run.err  # zhaohua-2024-p4 has errors
    assert not asked.exists() and sorted(p.name for p in tmp_path.iterdir()) == [src.name]
    assert src.read_bytes() == before and src.stat().st_mtime_ns == mtime
    assert "没有写出带标记的副本" in run.out and f"-o {asked}" in run.out
    commands = [line.strip() for line in run.out.splitlines() if line.startswith("  jixiao ")]
    target = tmp_path / "自评表_标准表.xlsm"
    assert commands == [f"jixiao import {src} -o {target}", f"jixiao validate {target}"]

    # the two commands do what the message says
    assert cli(*commands[0].split()[1:]).rc == 0
    marked = cli(*commands[1].split()[1:])
    assert marked.rc == run.rc and (tmp_path / "自评表_标准表_校验.xlsm").is_file()

    report = cli("validate", src, "--json").json
    assert report["output"] is None and "jixiao import" in report["note"]
    assert cli("validate", src, "--in-place").rc == 1 and src.read_bytes() == before


# ---- import: one form, values as typed ---------------------------------------------------------


def imported(src: Path, out: Path, *options: str) -> dict[str, Any]:
    run = cli("import", src, "-o", out, *options)
    assert run.rc == 0, run.err
    exported = cli("export", out)
    assert exported.rc == 0, exported.err
    return exported.json


@pytest.mark.parametrize("name", ALL)
def test_import_from_any_format_then_export_gives_the_values_as_typed(
    name: str, cases: dict[str, Case], tmp_path: Path
) -> None:
    case = cases[name]
    from_xlsx = imported(case.xlsx, tmp_path / "a.xlsm")
    assert imported(case.xls, tmp_path / "b.xlsm") == from_xlsx
    assert imported(case.docx, tmp_path / "c.xlsm") == from_xlsx
    if name in EXAMPLE_NAMES:
        typed = json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))
        budget = from_xlsx["预算执行"]
        for key in ("全年预算数", "全年执行数"):
            assert budget[key] == typed["预算执行"][key]
        rows = [
            (i.get("三级指标"), i.get("指标值"), i.get("实际完成值")) for i in typed["绩效指标"]
        ]
        back = [
            (i.get("三级指标"), i.get("指标值"), i.get("实际完成值")) for i in from_xlsx["绩效指标"]
        ]
        assert back == rows  # "≥18场次", "100%", "已完成" … exactly as typed


def test_a_word_tables_plain_numbers_become_numbers_the_rest_stays_text(
    cases: dict[str, Case], tmp_path: Path
) -> None:
    data = imported(cases["zhaohua-2024-p1"].docx, tmp_path / "p1.xlsm")
    typed = json.loads((EXAMPLES / "zhaohua-2024-p1.json").read_text("utf-8"))
    assert data["预算执行"]["全年预算数"] == 22  # the number, not the text "22"
    assert data["年度"] == typed["年度"]
    assert data["项目名称"] == typed["项目名称"]  # "51081124Y000011414822-工商企业联席经费"
    ws = openpyxl.load_workbook(tmp_path / "p1.xlsm")["项目支出表"]
    assert ws["D7"].data_type == "n" and ws["D7"].value == 22  # a number Excel can add up


# ---- a Word report with several tables ---------------------------------------------------------


def report_with_tables(path: Path, *tables: Path) -> Path:
    """A report: a paragraph, a small table that is not a form, then each document's table."""
    document = docx.Document()
    document.add_paragraph("石峰区2020年度绩效自评报告")
    contact = document.add_table(rows=2, cols=2)
    contact.cell(0, 0).text, contact.cell(0, 1).text = "联系人", "张三"
    contact.cell(1, 0).text, contact.cell(1, 1).text = "电话", "0731-1234567"
    body = document.element.body
    for source in tables:
        document.add_paragraph("附表")
        table = docx.Document(str(source)).tables[0]._tbl
        body.insert(len(body) - 1, copy.deepcopy(table))  # before the section properties
    document.save(str(path))
    return path


def test_a_report_names_each_forms_table_by_its_number(
    cases: dict[str, Case], tmp_path: Path
) -> None:
    a, b = cases["zhaohua-2024-p1"], cases["shifeng-2020-whole"]
    report = report_with_tables(tmp_path / "自评报告.docx", a.docx, b.docx)
    run = cli("validate", report, "--json")
    assert run.rc == 1
    found = run.json["findings"]
    assert {f["sheet"] for f in found} == {"表2", "表3"}
    assert all(
        f["location"].startswith(f["sheet"] + " 第") or f["location"] == f["sheet"] for f in found
    )
    assert [s["sheet"] for s in run.json["skipped"]] == ["表1"]  # the contact table
    text = cli("validate", report).out
    assert "校验了 2 张表（表2、表3）" in text and "（跳过表1：" in text
    assert "--sheet 表2 -o" in text and "--sheet 表3 -o" in text  # one import per form

    # import: which form, said by its table
    which = cli("import", report, "-o", tmp_path / "x.xlsm")
    assert_refused(
        which,
        report,
        "2 张自评表",
        "表2（项目支出绩效自评表）",
        "表3（部门整体支出绩效自评表）",
        "--sheet",
    )
    assert not (tmp_path / "x.xlsm").exists()
    whole = imported(b.docx, tmp_path / "whole.xlsm")
    assert imported(report, tmp_path / "t3.xlsm", "--sheet", "表3") == whole
    assert imported(report, tmp_path / "n3.xlsm", "--sheet", "3") == whole
    assert_refused(
        cli("import", report, "-o", tmp_path / "y.xlsm", "--sheet", "表1"),
        report,
        "表1没有可导入的自评表",
    )
    assert_refused(
        cli("import", report, "-o", tmp_path / "y.xlsm", "--sheet", "表9"),
        report,
        "找不到表格“表9”",
        "表2",
    )


# ---- files named for something else ---------------------------------------------------------------


def test_files_are_read_by_what_they_are_not_by_their_names(
    cases: dict[str, Case], tmp_path: Path
) -> None:
    case = cases["01-anhui-2022-chizhou-weituo"]
    expected = cli("validate", case.xlsx, "-o", tmp_path / "v.xlsx", "--json").json["findings"]
    for source, name, kind in [
        (case.docx, "报告.xls", "docx"),
        (case.docx, "报告.xlsx", "docx"),
        (case.xls, "旧表.xlsx", "xls"),
        (case.xls, "旧表.docx", "xls"),
    ]:
        renamed = tmp_path / name
        shutil.copyfile(source, renamed)
        run = cli("validate", renamed, "--json")
        assert run.rc in (0, 1) and run.json["format"] == kind, (name, run.err)
        assert [essentials(f) for f in run.json["findings"]] == [essentials(f) for f in expected]
        text = cli("validate", renamed).out
        assert f"扩展名是 {renamed.suffix}" in text, text


# ---- what cannot be read ----------------------------------------------------------------------------


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (version 3, 512-byte sectors) with ``streams`` at its
    top level — the container of the old .doc and .xls formats."""
    end, free, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
    datas = [d.ljust(max(4096, -(-len(d) // 512) * 512), b"\0") for d in streams.values()]
    dir_sectors = -(-(1 + len(streams)) * 128 // 512)
    fat = [0xFFFFFFFD]  # sector 0 is the FAT
    fat += [2 + k for k in range(dir_sectors - 1)] + [end]  # the directory from sector 1
    starts = []
    for data in datas:
        starts.append(len(fat))
        fat += [len(fat) + k + 1 for k in range(len(data) // 512 - 1)] + [end]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), kind, 1, nostream, right, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, 1, nostream, end, 0)
    for k, name in enumerate(names):
        right = k + 2 if k + 1 < len(names) else nostream
        directory += entry(name, 2, nostream, right, starts[k], len(streams[name]))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    return (
        header
        + struct.pack("<128I", *fat)
        + directory.ljust(dir_sectors * 512, b"\0")
        + b"".join(datas)
    )


def encrypted_xls(xls: bytes) -> bytes:
    """The .xls with an open password, as Excel marks it: a FILEPASS record among the
    workbook's first records (in place of WRITEACCESS, which LibreOffice writes)."""
    at = xls.find(b"\x5c\x00\x70\x00")  # WRITEACCESS, 112 bytes
    assert at > 0
    return xls[:at] + b"\x2f\x00" + xls[at + 2 :]


def damaged(data: bytes) -> bytes:
    """Bytes overwritten in the middle of the file (a bad disk, a broken download)."""
    middle = len(data) // 2
    return data[:middle] + b"\xff" * 4096 + data[middle + 4096 :]


UNREADABLE = {
    "自评报告.doc": (
        lambda c: compound_file({"WordDocument": b"\xec\xa5" + bytes(100)}),
        ["旧版 Word 文档", ".docx"],
    ),
    "自评报告.wps": (
        lambda c: compound_file({"WordDocument": b"\xec\xa5" + bytes(100)}),
        ["WPS", ".docx"],
    ),
    "报告改名.xls": (
        lambda c: compound_file({"WordDocument": b"\xec\xa5" + bytes(100)}),
        ["旧版 Word 文档"],
    ),
    "加密.xls": (lambda c: encrypted_xls(c.xls.read_bytes()), ["密码"]),
    "加密新格式.xls": (lambda c: (BAD / "encrypted.xlsx").read_bytes(), ["密码"]),
    "截断.xls": (lambda c: c.xls.read_bytes()[:5000], ["损坏"]),
    "损坏.xls": (lambda c: damaged(c.xls.read_bytes()), ["损坏"]),
    "截断.docx": (lambda c: c.docx.read_bytes()[:3000], ["损坏"]),
    "WPS表格.et": (lambda c: compound_file({"WpsContent": bytes(10)}), ["WPS", ".xlsx"]),
    "报告.pdf": (lambda c: b"%PDF-1.7\n1 0 obj\n", ["PDF"]),
    "扫描件.jpg": (lambda c: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), ["图片", "扫描件"]),
    "扫描件.png": (lambda c: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), ["图片"]),
    "网页.doc": (
        lambda c: "<html><body><table><tr><td>项目名称</td></tr></table></body></html>".encode(),
        ["网页", ".docx"],
    ),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_what_cannot_be_read_gets_one_chinese_message_and_exit_2(
    name: str, cases: dict[str, Case], tmp_path: Path
) -> None:
    make, fragments = UNREADABLE[name]
    src = tmp_path / name
    src.write_bytes(make(cases["01-anhui-2022-chizhou-weituo"]))
    before = src.read_bytes()
    assert_refused(cli("validate", src, "-o", tmp_path / f"out{src.suffix}"), src, *fragments)
    assert_refused(cli("check", src), src, *fragments)
    assert_refused(cli("import", src, "-o", tmp_path / "out.xlsm"), src, *fragments)
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


def test_a_word_document_without_tables(tmp_path: Path) -> None:
    src = tmp_path / "报告正文.docx"
    document = docx.Document()
    document.add_paragraph("2020年度部门整体支出绩效自评报告（自评表见附件）")
    document.save(str(src))
    assert_refused(cli("validate", src), src, "没有表格")


# ---- check: many files of any kind, nothing written ---------------------------------------------------


def test_check_reads_json_workbooks_and_word_documents_and_writes_nothing(
    cases: dict[str, Case], tmp_path: Path
) -> None:
    case = cases["zhaohua-2024-p4"]
    files = [EXAMPLES / "zhaohua-2024-p1.json", case.xlsx, case.xls, case.docx]
    for f in files[1:]:
        shutil.copyfile(f, tmp_path / f.name)
    files = [files[0], *(tmp_path / f.name for f in files[1:])]
    run = cli("check", *files, "--json")
    assert run.rc == 1  # p4 has errors
    reports = run.json
    assert [r["file"] for r in reports] == [str(f) for f in files]
    assert [r.get("format") for r in reports] == [None, "xlsx", "xls", "docx"]
    book = reports[1]["findings"]
    assert reports[2]["findings"] == book
    assert [essentials(f) for f in reports[3]["findings"]] == [essentials(f) for f in book]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in files[1:])

    text = cli("check", *files).out
    assert f"【{files[3]}】Word 文档（.docx），校验了 1 张表（表1）" in text
    assert "没有写出" not in text  # check never writes, so says nothing about copies

    # a workbook is checked with the profile its 设置 sheet names, as validate does
    template = case.xlsx.with_name("zhaohua-2024-p4_模板.xlsm")
    assert cli("check", template, "--json").json["profile"] == {
        "name": "sichuan",
        "source": "工作簿「设置」表",
    }
    assert cli("check", template, "--json", "--profile", "national").json["profile"] == {
        "name": "national",
        "source": "命令行 --profile",
    }

    # one unreadable file does not hide the others
    broken = tmp_path / "坏.xls"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    mixed = cli("check", case.docx, broken, "--json")
    assert mixed.rc == 2 and "坏.xls" in mixed.err
    assert [r["file"] for r in mixed.json] == [str(case.docx)]
