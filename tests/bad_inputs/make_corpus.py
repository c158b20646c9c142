"""Generate the corpus of bad inputs in this folder, and expectations.json beside it.

    python tests/bad_inputs/make_corpus.py

Two kinds of file:

- file-level: what users hand over instead of a workbook (empty, truncated, corrupt,
  a legacy .xls, an encrypted workbook, CSV/HTML/ODS/DOCX renamed .xlsx, a zip bomb,
  malformed XML inside a valid zip ...). ``open_workbook`` must refuse each with one
  Chinese message, and ``jixiao validate`` must exit 2 — except for a real .xls (also
  one renamed .xlsx), which ``validate`` reads by what it is (jixiao.formats.files).
- content-level: real templates filled from examples/ with ``jixiao import``,
  then damaged with openpyxl the way users damage them (a renamed or deleted sheet,
  deleted rows, merged input cells, text or an error value in a number cell, a formula
  typed over). They open; ``jixiao validate`` must read them and point at the cell.

``EXPECTATIONS`` below is the table the tests read (through expectations.json); each entry:

- ``what``: the case in words;
- ``open``: a fragment of ``open_workbook``'s message, or null when the file opens;
- ``exit``: the exit codes ``jixiao validate`` may return;
- ``stderr``: fragments its message must hold when it exits 2 (the file name always);
- ``findings`` / ``absent``: findings (code, sheet, cell) ``validate --json`` must / must
  not report.

Cases that are made at test time instead (too large, or not a file): a 50 MB workbook,
a missing file, a folder, a file locked by another program. Tools used here only: real
.xls/.ods come from LibreOffice Calc (``soffice``; this machine has no Writer, so the
.docx is written by hand), the encrypted workbooks from msoffcrypto-tool. Without them
the committed files are kept as they are.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from msoffcrypto.format.ooxml import OOXMLFile

from jixiao.cli import main as jixiao_main
from jixiao.core.interchange import read_form
from jixiao.hosts.libreoffice import soffice_path
from jixiao.templates.fill import fill_workbook

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXAMPLES = REPO / "examples"
SHEET = "项目支出表"

# ---- the expectations ------------------------------------------------------------------

UNREADABLE = [2]
READABLE = [0, 1]
ANY = [0, 1, 2]


def _bad(what: str, fragment: str, *stderr: str) -> dict[str, Any]:
    """A file-level case: open_workbook says ``fragment``; validate exits 2 saying it too."""
    return {
        "kind": "file",
        "what": what,
        "open": fragment,
        "exit": UNREADABLE,
        "stderr": [fragment, *stderr],
        "findings": [],
        "absent": [],
    }


def _other_format(what: str, fragment: str) -> dict[str, Any]:
    """A file-level case that ``validate`` reads all the same (a real .xls, whatever its
    name): open_workbook says ``fragment``; validate finds the form and exits 0 or 1."""
    return {**_bad(what, fragment), "exit": READABLE, "stderr": []}


def _content(
    what: str,
    exit: list[int],
    stderr: tuple[str, ...] = (),
    findings: tuple[tuple[str, str, str], ...] = (),
    absent: tuple[tuple[str, str, str], ...] = (),
) -> dict[str, Any]:
    def rows(items: tuple[tuple[str, str, str], ...]) -> list[dict[str, str]]:
        return [{"code": c, "sheet": s, "cell": a} for c, s, a in items]

    return {
        "kind": "content",
        "what": what,
        "open": None,
        "exit": exit,
        "stderr": list(stderr),
        "findings": rows(findings),
        "absent": rows(absent),
    }


EXPECTATIONS: dict[str, dict[str, Any]] = {
    # -- empty, truncated, corrupt, unrecognisable
    "empty.xlsx": _bad("0 bytes", "空的"),
    "empty.xlsm": _bad("0 bytes, macro extension", "空的"),
    "truncated-header.xlsm": _bad("first 30 bytes of a filled workbook", "损坏"),
    "truncated-10pct.xlsm": _bad("first 10% of a filled workbook", "损坏"),
    "truncated-50pct.xlsm": _bad("first half of a filled workbook", "损坏"),
    "truncated-90pct.xlsm": _bad("first 90% of a filled workbook", "损坏"),
    "truncated-tail.xlsm": _bad("a filled workbook less its last 10 bytes", "损坏"),
    "项目支出表-截断.xlsx": _bad("first 60%, Chinese file name", "损坏"),
    "corrupt-bytes.xlsm": _bad(
        "a filled workbook with 64 bytes of the sheet's compressed data overwritten",
        "已损坏",
        "项目支出表",
    ),
    "random-bytes.xlsx": _bad("4 KB of random bytes", "无法识别"),
    "random-bytes-pk.xlsx": _bad("a zip signature, then random bytes", "损坏"),
    "pdf-renamed.xlsx": _bad("a PDF renamed .xlsx", "PDF"),
    "~$项目支出绩效自评表.xlsm": _bad(
        "the owner (lock) file Excel leaves beside a workbook", "锁定文件"
    ),
    # -- legacy and encrypted OLE files
    "legacy.xls": _other_format("a real Excel 97-2003 workbook (LibreOffice)", "另存为 .xlsx"),
    "legacy-renamed.xlsx": _other_format("the .xls renamed .xlsx", "另存为 .xlsx"),
    "legacy-renamed.xlsm": _other_format("the .xls renamed .xlsm", "另存为 .xlsx"),
    "legacy-truncated.xls": _bad("the first 4 KB of the .xls (OLE header, no streams)", "另存为"),
    "encrypted.xlsx": _bad("password-protected workbook (msoffcrypto-tool, 1234)", "取消密码"),
    "encrypted.xlsm": _bad("password-protected filled .xlsm (msoffcrypto-tool, 1234)", "取消密码"),
    # -- text renamed
    "csv-utf8.xlsx": _bad("UTF-8 CSV of the form renamed .xlsx", "CSV"),
    "csv-utf8-bom.xlsm": _bad("UTF-8 CSV with BOM renamed .xlsm", "CSV"),
    "csv-gbk.xlsx": _bad("GBK CSV (what Chinese Excel saves) renamed .xlsx", "CSV"),
    "text-utf16-tab.xlsx": _bad("Excel's 'Unicode text' (UTF-16, tabs) renamed .xlsx", "文本"),
    "html-export.xls": _bad("an HTML table saved as .xls (a common 'export to Excel')", "网页"),
    "html-renamed.xlsx": _bad("the HTML table renamed .xlsx", "网页"),
    "spreadsheetml-2003.xls": _bad("Excel 2003 XML spreadsheet named .xls", "2003 XML"),
    # -- zips that are not workbooks
    "ods-renamed.xlsx": _bad("a real OpenDocument spreadsheet renamed .xlsx", "OpenDocument 表格"),
    "real.ods": _bad("a real OpenDocument spreadsheet", "另存为 Excel 工作簿"),
    "docx-renamed.xlsx": _bad("a minimal valid Word .docx renamed .xlsx", "Word 文档"),
    "zip-not-workbook.xlsx": _bad("a zip of a text file and a CSV", "压缩包"),
    "xlsb-skeleton.xlsx": _bad("a zip laid out like .xlsb (xl/workbook.bin)", ".xlsb"),
    "zip-bomb.xlsx": _bad(
        "a valid workbook whose sheet unpacks to 120 MB of blanks (about 120 KB packed)",
        "解压后",
    ),
    # -- valid zip, broken parts
    "bad-xml-sheet.xlsm": _bad("the form sheet's XML cut off half-way", "部分已损坏", "项目支出表"),
    "bad-xml-workbook.xlsm": _bad("xl/workbook.xml malformed", "部分已损坏", "工作簿结构"),
    "bad-xml-styles.xlsx": _bad("xl/styles.xml malformed", "部分已损坏", "样式"),
    "missing-workbook-rels.xlsm": _bad("xl/_rels/workbook.xml.rels removed", "缺少"),
    "missing-content-types.xlsx": _bad("[Content_Types].xml removed", "缺少", "Content_Types"),
    # -- content: the workbook opens, the form is damaged
    "sheet-renamed.xlsm": _content(
        "项目支出表 renamed Sheet1: validate finds the form by its title, or exits 2 naming "
        "the sheets it looked for",
        ANY,
        stderr=(SHEET,),
    ),
    "sheet-deleted.xlsm": _content(
        "项目支出表 deleted (设置 left): no form sheet remains, exit 2 naming the sheets looked for",
        UNREADABLE,
        stderr=(SHEET,),
    ),
    "unit-sheet-deleted.xlsm": _content(
        "unit workbook (部门绩效自评工作簿) with 整体支出表 deleted: the other sheets still validate",
        READABLE,
    ),
    "rows-deleted.xlsm": _content(
        "two indicator rows deleted with openpyxl (names and merges not moved)", ANY
    ),
    "merged-inputs.xlsm": _content("C7:E7 (年初/全年预算数/全年执行数) merged", ANY),
    "text-in-executed.xlsm": _content(
        "全年执行数 E7 holds the text 二十二万 (Sichuan layout)",
        [1],
        findings=(("W02", SHEET, "E7"),),
    ),
    "fullwidth-digits.xlsm": _content(
        "全年执行数 E7 holds full-width ２２: read as the number 22",
        READABLE,
        absent=(("W02", SHEET, "E7"),),
    ),
    "error-div0.xlsm": _content(
        "执行率 G7 holds the error value #DIV/0!: Q09 only, not also Q08",
        [1],
        findings=(("Q09", SHEET, "G7"),),
        absent=(("Q08", SHEET, "G7"),),
    ),
    "error-na-indicator.xlsm": _content(
        "an indicator 得分 G17 holds the error value #N/A", [1], findings=(("Q09", SHEET, "G17"),)
    ),
    "formula-overwritten.xlsm": _content(
        "执行率 G7 had the template formula; a typed 0.95 replaces it: S01 names the right rate, "
        "not also Q08",
        READABLE,
        findings=(("S01", SHEET, "G7"),),
        absent=(("Q08", SHEET, "G7"),),
    ),
    "formulas-intact.xlsm": _content(
        "control for the case above: same fill, G7 still a formula",
        READABLE,
        absent=(("Q08", SHEET, "G7"),),
    ),
}

# ---- helpers -----------------------------------------------------------------------------


def _run_import(example: str, out: Path, edit: Callable[[dict], None] | None = None) -> Path:

    src = EXAMPLES / example
    with tempfile.TemporaryDirectory() as tmp:
        if edit is not None:
            data = json.loads(src.read_text("utf-8"))
            edit(data)
            src = Path(tmp) / example
            src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        out.unlink(missing_ok=True)
        with contextlib.redirect_stdout(io.StringIO()):
            code = jixiao_main(["import", str(src), "-o", str(out)])
    if code != 0:
        raise SystemExit(f"jixiao import {example} failed ({code})")
    return out


def _edit(base: Path, out: Path, change: Callable[[openpyxl.Workbook], None]) -> None:
    wb = openpyxl.load_workbook(base, keep_vba=out.suffix == ".xlsm")
    try:
        change(wb)
        wb.save(out)
    finally:
        if wb.vba_archive is not None:
            wb.vba_archive.close()


def _rezip(
    base: Path,
    out: Path,
    replace: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> None:
    replace = replace or {}
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            dst.writestr(info, replace.get(info.filename, src.read(info)))


def _as_xlsx(base: Path, out: Path) -> None:
    wb = openpyxl.load_workbook(base)
    wb.save(out)


def _soffice(sources: list[Path], fmt: str, outdir: Path) -> None:

    exe = soffice_path()
    if exe is None:
        raise FileNotFoundError("soffice")
    with tempfile.TemporaryDirectory(prefix="jixiao-corpus-lo-") as profile:
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                fmt,
                "--outdir",
                str(outdir),
                *map(str, sources),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )


def _encrypt(plain: Path, out: Path) -> None:

    with plain.open("rb") as f:
        buf = io.BytesIO()
        OOXMLFile(f).encrypt("1234", buf)
    out.write_bytes(buf.getvalue())


def _csv_rows(base: Path) -> list[list[str]]:
    wb = openpyxl.load_workbook(base)
    ws = wb[SHEET]
    rows = []
    for row in ws.iter_rows(min_row=1, max_row=25, max_col=8, values_only=True):
        rows.append(["" if v is None or str(v).startswith("=") else str(v) for v in row])
    return rows


def _csv(rows: list[list[str]], sep: str = ",") -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if any(c in v for c in f'{sep}"\n') else v

    return "".join(sep.join(cell(v.replace('"', '""')) for v in r) + "\r\n" for r in rows)


def _html(rows: list[list[str]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>\n" for r in rows)
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">\n'
        '<head><meta charset="utf-8"><title>项目支出绩效自评表</title></head>\n'
        f"<body><table border=1>\n{body}</table></body></html>\n"
    )


def _spreadsheetml(rows: list[list[str]]) -> str:
    cells = "".join(
        "<Row>" + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in r) + "</Row>"
        for r in rows
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
        f'<Worksheet ss:Name="{SHEET}"><Table>{cells}</Table></Worksheet>\n</Workbook>\n'
    )


def _docx(text: str) -> bytes:
    """A minimal valid WordprocessingML package (LibreOffice here has no Writer)."""
    pkg = "http://schemas.openxmlformats.org/package/2006"
    doc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    main = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{pkg}/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}/relationships">'
            f'<Relationship Id="rId1" Type="{doc}" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{main}"><w:body>'
            f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buf.getvalue()


_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n163\n%%EOF\n"
)


def _lock_file(user: str = "zhangsan") -> bytes:
    """Excel's owner file: 165 bytes, the user name in ANSI then in UTF-16."""
    name = user.encode("ascii")
    wide = user.encode("utf-16-le")
    data = bytes([len(name)]) + name.ljust(53, b" ") + bytes([len(user), 0]) + wide
    return data.ljust(165, b" ")


def _zip_bomb(out: Path) -> None:
    """A valid one-sheet workbook whose sheet XML is 120 MB of blanks between two tags."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    plain = io.BytesIO()
    wb.save(plain)
    pad = b" " * (120 * 1024 * 1024)
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + pad + b'<row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    )
    with (
        zipfile.ZipFile(plain) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for info in src.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info)
            dst.writestr(info.filename, data)


def _corrupt_member(base: Path, out: Path, member: str) -> None:
    data = bytearray(base.read_bytes())
    with zipfile.ZipFile(base) as zf:
        info = zf.getinfo(member)
    # local header: 30 bytes + name + extra, then the compressed data
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    rng = random.Random(7)
    data[middle : middle + 64] = bytes(rng.randrange(256) for _ in range(64))
    out.write_bytes(bytes(data))


# ---- the corpus ----------------------------------------------------------------------------


def build(dest: Path = HERE) -> list[str]:
    """Write every corpus file into ``dest``; returns the names it could not make."""
    skipped: list[str] = []
    rng = random.Random(20240501)
    with tempfile.TemporaryDirectory(prefix="jixiao-corpus-") as tmp_name:
        tmp = Path(tmp_name)
        project = _run_import("shifeng-2020-project.json", tmp / "project.xlsm")
        sichuan = _run_import("zhaohua-2024-p1.json", tmp / "sichuan.xlsm")
        whole_form = EXAMPLES / "shifeng-2020-whole.json"

        def drop_computed(data: dict) -> None:
            for key in ("执行率", "得分"):
                data["预算执行"].pop(key, None)

        formulas = _run_import("shifeng-2020-project.json", tmp / "formulas.xlsm", drop_computed)
        project_bytes = project.read_bytes()
        plain = tmp / "plain.xlsx"
        _as_xlsx(project, plain)

        def put(name: str, data: bytes | str, encoding: str = "utf-8") -> None:
            raw = data.encode(encoding) if isinstance(data, str) else data
            (dest / name).write_bytes(raw)

        # -- empty, truncated, corrupt, unrecognisable
        put("empty.xlsx", b"")
        put("empty.xlsm", b"")
        put("truncated-header.xlsm", project_bytes[:30])
        for pct in (10, 50, 90):
            put(f"truncated-{pct}pct.xlsm", project_bytes[: len(project_bytes) * pct // 100])
        put("truncated-tail.xlsm", project_bytes[:-10])
        plain_bytes = plain.read_bytes()
        put("项目支出表-截断.xlsx", plain_bytes[: len(plain_bytes) * 60 // 100])
        _corrupt_member(project, dest / "corrupt-bytes.xlsm", "xl/worksheets/sheet1.xml")
        put("random-bytes.xlsx", rng.randbytes(4096))
        put("random-bytes-pk.xlsx", b"PK\x03\x04" + rng.randbytes(4092))
        put("pdf-renamed.xlsx", _PDF)
        put("~$项目支出绩效自评表.xlsm", _lock_file())

        # -- text renamed
        rows = _csv_rows(project)
        put("csv-utf8.xlsx", _csv(rows))
        put("csv-utf8-bom.xlsm", "\ufeff" + _csv(rows))
        put("csv-gbk.xlsx", _csv(rows), "gbk")
        put("text-utf16-tab.xlsx", "\ufeff" + _csv(rows, "\t"), "utf-16-le")
        put("html-export.xls", _html(rows))
        put("html-renamed.xlsx", _html(rows))
        put("spreadsheetml-2003.xls", _spreadsheetml(rows))

        # -- zips that are not workbooks
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("说明.txt", "自评表见附件。\n".encode())
            z.writestr("项目支出表.csv", _csv(rows).encode("gbk"))
        put("zip-not-workbook.xlsx", buf.getvalue())
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                'package/2006/content-types"><Override PartName="/xl/workbook.bin" '
                'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
                "</Types>",
            )
            z.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01\x00")
        put("xlsb-skeleton.xlsx", buf.getvalue())
        put("docx-renamed.xlsx", _docx("关于报送项目支出绩效自评表的说明：自评表另附。"))
        _zip_bomb(dest / "zip-bomb.xlsx")

        # -- valid zip, broken parts
        with zipfile.ZipFile(project) as z:
            sheet_xml = z.read("xl/worksheets/sheet1.xml")
            book_xml = z.read("xl/workbook.xml")
        with zipfile.ZipFile(plain) as z:
            styles_xml = z.read("xl/styles.xml")
        _rezip(
            project,
            dest / "bad-xml-sheet.xlsm",
            {"xl/worksheets/sheet1.xml": sheet_xml[: len(sheet_xml) // 2]},
        )
        _rezip(
            project,
            dest / "bad-xml-workbook.xlsm",
            {"xl/workbook.xml": book_xml.replace(b"<sheets>", b"<sheets><sheet name=", 1)},
        )
        _rezip(plain, dest / "bad-xml-styles.xlsx", {"xl/styles.xml": styles_xml[:-40] + b"<</"})
        _rezip(project, dest / "missing-workbook-rels.xlsm", drop=("xl/_rels/workbook.xml.rels",))
        _rezip(plain, dest / "missing-content-types.xlsx", drop=("[Content_Types].xml",))

        # -- legacy .xls and .ods made by LibreOffice Calc
        try:
            lo = tmp / "lo"
            lo.mkdir()
            _soffice([plain], "xls", lo)
            _soffice([plain], "ods", lo)
            shutil.copyfile(lo / "plain.xls", dest / "legacy.xls")
            shutil.copyfile(lo / "plain.xls", dest / "legacy-renamed.xlsx")
            shutil.copyfile(lo / "plain.xls", dest / "legacy-renamed.xlsm")
            shutil.copyfile(lo / "plain.ods", dest / "real.ods")
            shutil.copyfile(lo / "plain.ods", dest / "ods-renamed.xlsx")
            put("legacy-truncated.xls", (lo / "plain.xls").read_bytes()[:4096])
        except (OSError, subprocess.SubprocessError) as e:
            print(f"LibreOffice unavailable ({e}): keeping the committed .xls/.ods files")
            skipped += [
                "legacy.xls", "legacy-renamed.xlsx", "legacy-renamed.xlsm", "real.ods",
                "ods-renamed.xlsx", "legacy-truncated.xls",
            ]  # fmt: skip

        # -- encrypted
        try:
            small = tmp / "small.xlsx"
            wb = openpyxl.Workbook()
            wb.active.title = SHEET
            wb.active["A1"] = "项目支出绩效自评表"
            wb.save(small)
            _encrypt(small, dest / "encrypted.xlsx")
            _encrypt(project, dest / "encrypted.xlsm")
        except ImportError:
            print("msoffcrypto-tool not installed: keeping the committed encrypted files")
            skipped += ["encrypted.xlsx", "encrypted.xlsm"]

        # -- content: filled templates, damaged with openpyxl
        def rename(wb: openpyxl.Workbook) -> None:
            wb[SHEET].title = "Sheet1"

        def delete(wb: openpyxl.Workbook) -> None:
            del wb[SHEET]

        def delete_rows(wb: openpyxl.Workbook) -> None:
            wb[SHEET].delete_rows(17, 2)  # indicators are rows 16-45

        def merge(wb: openpyxl.Workbook) -> None:
            wb[SHEET].merge_cells("C7:E7")

        def setter(cell: str, value: Any) -> Callable[[openpyxl.Workbook], None]:
            def change(wb: openpyxl.Workbook) -> None:
                wb[SHEET][cell] = value
                if isinstance(value, str) and value.startswith("#"):
                    assert wb[SHEET][cell].data_type == "e", cell

            return change

        def untouched(wb: openpyxl.Workbook) -> None:
            assert wb[SHEET]["G7"].data_type == "f", "G7 should keep the template formula"

        _edit(project, dest / "sheet-renamed.xlsm", rename)
        _edit(project, dest / "sheet-deleted.xlsm", delete)
        _edit(project, dest / "rows-deleted.xlsm", delete_rows)
        _edit(project, dest / "merged-inputs.xlsm", merge)
        _edit(sichuan, dest / "text-in-executed.xlsm", setter("E7", "二十二万"))
        _edit(sichuan, dest / "fullwidth-digits.xlsm", setter("E7", "２２"))
        _edit(project, dest / "error-div0.xlsm", setter("G7", "#DIV/0!"))
        _edit(project, dest / "error-na-indicator.xlsm", setter("G17", "#N/A"))
        _edit(formulas, dest / "formula-overwritten.xlsm", setter("G7", 0.95))
        _edit(formulas, dest / "formulas-intact.xlsm", untouched)
        _unit_workbook(tmp, dest / "unit-sheet-deleted.xlsm", whole_form)

    (dest / "expectations.json").write_text(
        json.dumps(EXPECTATIONS, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    return skipped


def _unit_workbook(tmp: Path, out: Path, whole_form: Path) -> None:
    """部门绩效自评工作簿 with two project sheets filled, then 整体支出表 deleted."""

    unit = tmp / "unit.xlsm"
    with contextlib.redirect_stdout(io.StringIO()):
        code = jixiao_main(
            ["new", "--type", "单位", "--unit", "石峰区工商业联合会", "--year", "2020",
             "--projects", "2", "-o", str(unit)]
        )  # fmt: skip
    if code != 0:
        raise SystemExit("jixiao new --type 单位 failed")
    fill_workbook(read_form(whole_form), unit, unit)
    fill_workbook(read_form(EXAMPLES / "shifeng-2020-project.json"), unit, unit, sheet="项目1")
    _edit(unit, out, lambda wb: wb.remove(wb["整体支出表"]))


def main() -> int:
    skipped = build()
    made = sorted(p.name for p in HERE.iterdir() if p.name in EXPECTATIONS)
    missing = sorted(set(EXPECTATIONS) - set(made))
    big = [p.name for p in HERE.iterdir() if p.is_file() and p.stat().st_size > 200 * 1024]
    print(f"{len(made)} corpus files in {HERE}")
    if skipped:
        print("not regenerated:", ", ".join(skipped))
    if missing or big:
        print("missing:", missing, "over 200 KB:", big, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
