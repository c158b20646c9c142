"""Turn the corpus of real published forms (``forms/*.json``) into files a clerk would send.

Each JSON file is one form transcribed cell by cell (``rows`` from column A, ``merges`` in A1
notation). This module lays it out again as

- an ``.xlsx`` workbook (one sheet named ``form["sheet"]``, the values as transcribed, the merges,
  column widths — nothing else: no names, no formulas, no template), :func:`to_xlsx`;
- an ``.xls`` file converted from that workbook by LibreOffice, :func:`to_xls`;
- an ``.xls`` file written directly (BIFF8, as Excel 97–2003 writes it, by xlwt: fast enough
  to build hundreds in a test), :func:`to_biff`;
- a Word document with the form as one table, :func:`to_docx`.

The output is deterministic: the same form gives the same bytes (fixed document properties
and fixed timestamps inside the packages; the ``.xls`` is as deterministic as LibreOffice is).

As a script::

    python tests/corpus/build.py OUT_DIR [--xls] [--docx] [NAME ...]

builds every form (or the named ones) into OUT_DIR.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import docx
import xlwt
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, range_boundaries

FORMS = Path(__file__).resolve().parent / "forms"

# Every date written into a package: document properties and zip entry times.
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
AUTHOR = "jixiao corpus"

MIN_WIDTH = 6
MAX_WIDTH = 40


def all_forms() -> list[Path]:
    """The corpus files, in name order."""

    return sorted(FORMS.glob("*.json"))


def load(name: str | Path) -> dict[str, Any]:
    """One corpus form: by file name (with or without ``.json``) or by path."""

    path = Path(name)
    if not path.is_absolute() and not path.exists():
        path = FORMS / path.name
    if path.suffix != ".json":
        path = path.with_name(path.name + ".json")
    return json.loads(path.read_text("utf-8"))


def merge_bounds(form: dict[str, Any]) -> list[tuple[int, int, int, int]]:
    """The merges as (first row, first column, last row, last column), 1-based."""

    bounds = []
    for ref in form["merges"]:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        bounds.append((min_row, min_col, max_row, max_col))
    return bounds


def cell_text(value: Any) -> str:
    """A value as its text: ``88.16`` → "88.16", ``22`` → "22", text unchanged, empty → ""."""

    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number (as in the JSON)
    return str(value)


def _display_width(text: str) -> int:
    """Width of the longest line in character cells (CJK and full-width characters count 2)."""

    widest = 0
    for line in text.split("\n"):
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        widest = max(widest, width)
    return widest


def column_widths(form: dict[str, Any]) -> list[float]:
    """A readable width per column, from the values that sit in a single column."""

    ncols = max((len(row) for row in form["rows"]), default=0)
    spanned: set[tuple[int, int]] = set()
    for r1, c1, _r2, c2 in merge_bounds(form):
        if c2 > c1:  # text of a horizontal merge spreads over its columns: not one column's width
            spanned.add((r1, c1))
    widths = []
    for col in range(1, ncols + 1):
        widest = 0
        for row_no, row in enumerate(form["rows"], start=1):
            if col > len(row) or (row_no, col) in spanned:
                continue
            widest = max(widest, _display_width(cell_text(row[col - 1])))
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))))
    return widths


def to_xlsx(form: dict[str, Any], path: Path) -> Path:
    """The form as a workbook with one sheet, laid out as its authors laid it out."""

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = form["sheet"]
    for row_no, row in enumerate(form["rows"], start=1):
        for col_no, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(row=row_no, column=col_no, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # "=8个" is text on the form, not a formula
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="center")
    for ref in form["merges"]:
        ws.merge_cells(ref)
    for col_no, width in enumerate(column_widths(form), start=1):
        ws.column_dimensions[get_column_letter(col_no)].width = width

    props = wb.properties
    props.creator = AUTHOR
    props.lastModifiedBy = AUTHOR
    props.title = form["sheet"]
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_fixed_package(buffer.getvalue()))
    return path


def to_xls(xlsx: Path, out_dir: Path) -> Path:
    """The workbook converted to Excel 97–2003 (.xls) by headless LibreOffice."""

    xlsx = Path(xlsx).resolve()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed; make test installs it")
    with tempfile.TemporaryDirectory(prefix="jixiao-corpus-lo-") as profile:
        command = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xls",
            "--outdir",
            str(out_dir),
            str(xlsx),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=180, check=False, env=_soffice_env()
        )
    result = out_dir / (xlsx.stem + ".xls")
    if done.returncode != 0 or not result.exists():
        raise RuntimeError(
            f"LibreOffice could not convert {xlsx} (exit {done.returncode}): "
            f"{done.stdout.strip()} {done.stderr.strip()}"
        )
    return result


def to_biff(form: dict[str, Any], path: Path) -> Path:
    """The form as an Excel 97–2003 workbook (.xls) written directly: one sheet, the values
    as transcribed (text stays text: "=8个" is no formula), the merges, column widths."""

    path = Path(path)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(form["sheet"])
    rows = form["rows"]
    covered: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in merge_bounds(form):
        row = rows[r1 - 1]
        value = row[c1 - 1] if c1 <= len(row) else None
        ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, "" if value is None else value)
        covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for row_no, row in enumerate(rows, start=1):
        for col_no, value in enumerate(row, start=1):
            if value is not None and (row_no, col_no) not in covered:
                ws.write(row_no - 1, col_no - 1, value)
    for col_no, width in enumerate(column_widths(form)):
        ws.col(col_no).width = int(width * 256)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path


def heading_lines(form: dict[str, Any]) -> int:
    """How many of the form's first rows hold one text in column A only (附件, title, year,
    "单位名称：…"): the lines a Word report prints above its table."""

    n = 0
    for row in form["rows"]:
        filled = [v for v in row if v not in (None, "")]
        if len(filled) != 1 or row[0] in (None, ""):
            break
        n += 1
    return n


def to_docx(form: dict[str, Any], path: Path, *, headings_above: bool = False) -> Path:
    """The form as a Word document: a title, then one table with the form's rows and merges.

    ``headings_above``: the form's heading lines (:func:`heading_lines`) are paragraphs
    above the table, as Word reports print them, and the table starts below them."""

    path = Path(path)
    document = docx.Document()
    if headings_above:
        n = heading_lines(form)
        for row in form["rows"][:n]:
            document.add_paragraph(cell_text(row[0]))
        form = {**form, "rows": form["rows"][n:], "merges": _merges_below(form, n)}
    else:
        document.add_paragraph(form["sheet"])  # a heading that says nothing the table does not
    rows = form["rows"]
    ncols = max((len(row) for row in rows), default=0)

    table = document.add_table(rows=len(rows), cols=ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # python-docx's table.cell() walks the whole table each time: the grid's cells are taken
    # once (merges do not overlap, so each merge's corners are still their own cells).
    grid = table._cells
    for r1, c1, r2, c2 in merge_bounds(form):
        grid[(r1 - 1) * ncols + c1 - 1].merge(grid[(r2 - 1) * ncols + c2 - 1])
    grid = table._cells  # after the merges: a merged cell at each of its positions
    covered = {
        (r, c)
        for r1, c1, r2, c2 in merge_bounds(form)
        for r in range(r1, r2 + 1)
        for c in range(c1, c2 + 1)
        if (r, c) != (r1, c1)
    }
    for row_no, row in enumerate(rows, start=1):
        for col_no, value in enumerate(row, start=1):
            if value is None or (row_no, col_no) in covered:
                continue
            cell = grid[(row_no - 1) * ncols + col_no - 1]
            cell.text = cell_text(value)  # "\n" becomes a line break
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)

    props = document.core_properties
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.title = form["sheet"]
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_fixed_package(buffer.getvalue()))
    return path


def _merges_below(form: dict[str, Any], n: int) -> list[str]:
    """The merges of the rows after the first ``n``, moved up by ``n``."""

    out = []
    for r1, c1, r2, c2 in merge_bounds(form):
        if r1 > n:
            out.append(f"{get_column_letter(c1)}{r1 - n}:{get_column_letter(c2)}{r2 - n}")
    return out


def _soffice_env() -> dict[str, str]:
    """Our environment without our Python: LibreOffice's own Python must not find a virtual
    environment's or pyenv's interpreter on PATH or through PYTHON* variables."""

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    keep = [
        p
        for p in env.get("PATH", "").split(os.pathsep)
        if p
        and ".pyenv" not in p
        and "conda" not in p
        and not (Path(p).parent / "pyvenv.cfg").is_file()
    ]
    env["PATH"] = os.pathsep.join(keep) or "/usr/bin:/bin"
    return env


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_CREATED = re.compile(rb"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)")


def _fixed_package(data: bytes) -> bytes:
    """The same package with fixed zip entry times and fixed dates in docProps/core.xml.

    openpyxl stamps ``modified`` with the time of saving and both writers stamp zip entries
    with the current time; this makes a build repeatable byte for byte.
    """

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", blob)
                blob = _CREATED.sub(rb"\g<1>" + stamp + rb"\g<2>", blob)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, blob)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build the corpus forms as .xlsx (and .xls, .docx)"
    )
    parser.add_argument("out_dir", type=Path, help="output folder")
    parser.add_argument("names", nargs="*", help="corpus files (default: all)")
    parser.add_argument("--xls", action="store_true", help="also convert to .xls (LibreOffice)")
    parser.add_argument("--docx", action="store_true", help="also write a Word document")
    args = parser.parse_intermixed_args(argv)
    paths = [FORMS / Path(n).name for n in args.names] if args.names else all_forms()
    for path in paths:
        form = load(path)
        xlsx = to_xlsx(form, args.out_dir / (path.stem + ".xlsx"))
        made = [xlsx]
        if args.xls:
            made.append(to_xls(xlsx, args.out_dir))
        if args.docx:
            made.append(to_docx(form, args.out_dir / (path.stem + ".docx")))
        print("  ".join(str(p) for p in made))
    return 0


if __name__ == "__main__":
    sys.exit(main())
