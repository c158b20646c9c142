"""`jixiao review` as a finance bureau's reviewer runs it on what arrives: folders of
submissions, zips with GBK names, broken files, renamed files, lock files.

The batch (built once for the module, ≈ 230 files): the real examples and variants of them
as JSON (amounts, scores, totals, grades changed, reasons removed), the same imported into
standard workbooks (.xlsm, and .xlsx without the macros) and copied under many names, every
file of tests/bad_inputs (damaged, renamed, encrypted, CSV, PDF …, and readable ones),
paper-layout forms as .xlsx and Word reports, a zip with GBK member names and folders, a
truncated zip, and files that are no forms at all.

What the reviewer relies on, checked against `jixiao check --json` / `validate --json`
of the same files: one row per form with the same counts, rates, totals and grade; every
finding; the unreadable files with the message validate gives; the sheets not checked
with validate's reason; the same output whatever
order the files are found in; the cache (a re-run takes everything from it, --no-cache
nothing, a changed file is checked again); Ctrl-C leaves no summary and no temporary file,
and the re-run finishes from the cache with the same summary.
"""

from __future__ import annotations

import contextlib
import copy
import glob
import io
import json
import math
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from corpus import build
from support import EXAMPLES

import jixiao.app.review as per_file
import jixiao.app.review_book as review_book
import jixiao.app.review_run as review_run
from jixiao.app.inbox import natural_key
from jixiao.app.review import review_bytes, review_file
from jixiao.cli.main import main
from jixiao.rules import REGISTRY

BAD = Path(__file__).resolve().parent / "bad_inputs"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
TOTAL_LABEL = "合计（筛选后的行）"
# Paper-layout forms of the corpus, as a workbook and as a Word report.
PAPER = ["10-yunnan-2022-yongde-yingyang.json", "08-sichuan-2022-zhongjiang-shuibiaochi.json"]


# ---- running the command ---------------------------------------------------------------------


@dataclass
class Run:
    rc: int
    out: str
    err: str


def jixiao(*args: str | Path) -> Run:
    """The command in this process (stdout and stderr captured)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    return Run(rc, out.getvalue(), err.getvalue())


def command(*args: str | Path) -> list[str]:
    """The command as a user runs it, in its own process."""
    return [sys.executable, "-m", "jixiao", *map(str, args)]


def from_cache(run: Run) -> int:
    found = re.search(r"其中 (\d+) 个取自缓存", run.out)
    assert found, run.out
    return int(found.group(1))


# ---- the batch -------------------------------------------------------------------------------


def variant(data: dict[str, Any], kind: int, k: int) -> dict[str, Any]:
    """A form as units get it wrong: changed amounts, scores, totals or grades, or reasons
    removed (``k`` makes each variant's figures its own)."""
    data = copy.deepcopy(data)
    budget = data.get("预算执行", {})
    rows = [r for r in data.get("绩效指标", []) if isinstance(r, dict)]
    if kind == 0 and isinstance(budget.get("全年执行数"), int | float):
        budget["全年执行数"] = round(budget["全年执行数"] * (0.5 + (k % 9) / 10), 2)
    elif kind == 1 and rows:
        row = rows[k % len(rows)]
        if isinstance(row.get("得分"), int | float):
            row["得分"] = max(0, row["得分"] - 1 - k % 3)
    elif kind == 2:
        for row in rows:
            row.pop("偏差原因", None)
        budget.pop("原因", None)
    elif kind == 3 and isinstance(data.get("总分"), dict):
        data["总分"]["得分"] = 70 + k % 30
    else:
        data["等级"] = ["优", "良", "中", "差"][k % 4]
    data["单位名称"] = f"{data.get('单位名称', '')}（{k % 7}）"  # a few units
    return data


def as_xlsx(xlsm: bytes) -> bytes:
    """The workbook as a plain .xlsx: the same package without its VBA project."""
    src = zipfile.ZipFile(io.BytesIO(xlsm))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/vbaProject.bin":
                continue
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                text = data.decode("utf-8")
                text = text.replace(
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                )
                text = re.sub(r"<(Default|Override)[^>]*vbaProject[^>]*/>", "", text)
                data = text.encode("utf-8")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = re.sub(rb"<Relationship[^>]*vbaProject[^>]*/>", b"", data)
            dst.writestr(info, data)
    return out.getvalue()


class GbkName(zipfile.ZipInfo):
    """A member named in GBK without the UTF-8 flag, as a Chinese Windows zips it."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile's own name
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def gbk_zip(path: Path | io.BytesIO, members: list[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = GbkName(name, date_time=(2024, 3, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


@dataclass
class Batch:
    root: Path
    files: list[Path] = field(default_factory=list)  # forms and would-be forms, not in a zip
    members: dict[str, bytes] = field(default_factory=dict)  # zip member's shown name -> bytes
    zips: list[Path] = field(default_factory=list)
    broken_zip: Path | None = None
    ignored: int = 0  # files that are no forms (.txt, .md)
    debris: int = 0  # ~$ lock files, hidden files, __MACOSX


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Standard workbooks imported once: the four examples and a variant of each."""
    folder = tmp_path_factory.mktemp("imported")
    out: dict[str, bytes] = {}
    for k, src in enumerate(EXAMPLE_FILES):
        data = json.loads(src.read_text("utf-8"))
        for tag, form in (("", data), ("_改", variant(data, k, k + 3))):
            json_path = folder / f"{src.stem}{tag}.json"
            json_path.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
            target = folder / f"{src.stem}{tag}.xlsm"
            assert jixiao("import", json_path, "-o", target).rc == 0
            out[f"{src.stem}{tag}"] = target.read_bytes()
    return out


def make_batch(
    root: Path, workbooks: dict[str, bytes], *, small: bool = False, seed: int = 0
) -> Batch:
    """The batch under ``root``; ``small``: a few dozen files, the zip's members in an
    order of their own (``seed``)."""
    batch = Batch(root)
    root.mkdir(parents=True)
    examples = [json.loads(p.read_text("utf-8")) for p in EXAMPLE_FILES]
    books = sorted(workbooks.items())

    def put(rel: str, data: bytes) -> Path:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        batch.files.append(path)
        return path

    units = 8 if small else 40
    for u in range(1, units + 1):
        unit = f"单位{u:03d}"
        for j in range(3 if not small else 2):
            k = u * 3 + j
            form = variant(examples[k % 4], (k // 4) % 5, k)
            put(f"{unit}/自评表{j + 1}.json", json.dumps(form, ensure_ascii=False).encode())
        stem, data = books[u % len(books)]
        if u % 4 == 0:
            put(f"{unit}/{stem}.xlsx", as_xlsx(data))
        else:
            put(f"{unit}/{stem}.xlsm", data)
        if not small and u % 5 == 0:
            put(f"{unit}/补报/{stem}_补报.xlsm", data)
    for j, src in enumerate(EXAMPLE_FILES):
        put(f"示例/{src.name}", src.read_bytes())
        if j < 2 or not small:
            put(f"示例/第{j + 2}批/{src.name}", src.read_bytes())

    # What arrives broken: every file of tests/bad_inputs (the ~$ lock file is debris).
    wanted = sorted(p for p in BAD.iterdir() if p.suffix != ".py" and p.name != "expectations.json")
    for p in wanted[:12] if small else wanted:
        if p.name.startswith("~$"):
            (root / "坏文件" / p.name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(p, root / "坏文件" / p.name)
            batch.debris += 1
        else:
            put(f"坏文件/{p.name}", p.read_bytes())
    put("坏文件/文本改名.xlsx", "这不是工作簿，只是一段文字。\n".encode())
    put("坏文件/空文件.xlsm", b"")

    # Paper-layout forms as a workbook and as a Word report.
    if not small:
        paper = root / "纸质表样"
        paper.mkdir()
        for name in PAPER:
            form = build.load(name)
            batch.files.append(build.to_xlsx(form, paper / f"{Path(name).stem}.xlsx"))
            batch.files.append(build.to_docx(form, paper / f"{Path(name).stem}.docx"))
        batch.files.append(with_sheets_not_checked(build.load(PAPER[0]), paper / "带说明页.xlsx"))

    # The zip as mailed: GBK names, folders inside, macOS and Office debris.
    members: list[tuple[str, bytes]] = []
    for j in range(4 if small else 10):
        form = variant(examples[j % 4], j % 5, 100 + j)
        members.append((f"收件/单位C{j // 3}/项目{j + 1}.json", json.dumps(form).encode()))
    for j, (stem, data) in enumerate(books[: 2 if small else 6]):
        members.append((f"收件/单位D/{stem}（第{j + 1}份）.xlsm", data))
    members.append(("收件/单位D/损坏的表.xlsm", books[0][1][:5000]))
    debris = [
        ("__MACOSX/收件/._项目1.json", b"\0\5\26\7"),
        ("收件/单位D/~$锁定.xlsx", b"lock"),
    ]
    ignored = [("收件/说明.txt", "请查收".encode("gbk"))]
    archive = root / "报送" / "2024年自评表.zip"
    archive.parent.mkdir(parents=True)
    entries = members + debris + ignored
    if small:
        random.Random(seed).shuffle(entries)
    gbk_zip(archive, entries)
    batch.zips.append(archive)
    for name, data in members:
        batch.members[f"{archive}/{name}"] = data
    batch.debris += len(debris)
    batch.ignored += len(ignored)

    whole = io.BytesIO()
    gbk_zip(whole, members[:3])
    batch.broken_zip = root / "报送" / "截断的压缩包.zip"
    batch.broken_zip.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])

    for rel, text in (("说明.txt", "收件说明"), ("单位001/备注.md", "# 备注")):
        (root / rel).write_text(text, encoding="utf-8")
        batch.ignored += 1
    (root / ".DS_Store").write_bytes(b"\0")
    batch.debris += 1
    return batch


def with_sheets_not_checked(form: dict[str, Any], path: Path) -> Path:
    """A form as a workbook with sheets that hold no form to check: an instructions sheet
    in front, and below the form a second title with nothing a form has under it."""
    build.to_xlsx(form, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    top = ws.max_row + 3
    ws.cell(top, 1, "项目支出绩效自评表")
    ws.cell(top + 1, 1, "本项目因故未实施，不填报。")
    cover = wb.create_sheet("填报说明", 0)
    cover["A1"] = "填报说明"
    cover["A2"] = "1. 请按要求填写本表。"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, workbooks: dict[str, bytes]) -> Batch:
    built = make_batch(tmp_path_factory.mktemp("bureau") / "收件箱", workbooks)
    assert len(built.files) + len(built.members) + 1 >= 200
    return built


# ---- what check --json / validate --json say about the same files ----------------------------


@dataclass
class Expected:
    objects: dict[str, dict[str, Any]]  # shown name -> check --json object
    refused: dict[str, str]  # shown name -> the reason a reader gives (validate's message)


@pytest.fixture(scope="module")
def expected(batch: Batch, tmp_path_factory: pytest.TempPathFactory) -> Expected:
    """`jixiao check --json` of every file of the batch, in one run; the zip's members
    through copies of them (their messages name the copy: only the reason is compared)."""
    copies = tmp_path_factory.mktemp("members")
    copy_of: dict[str, str] = {}
    for k, (name, data) in enumerate(sorted(batch.members.items())):
        path = copies / f"{k:03d}{Path(name).suffix}"
        path.write_bytes(data)
        copy_of[str(path)] = name
    paths = [str(p) for p in batch.files] + list(copy_of)
    run = jixiao("check", *paths, "--json")
    objects = {copy_of.get(o["file"], o["file"]): o for o in json.loads(run.out)}
    refused: dict[str, str] = {}
    for line in run.err.splitlines():
        found = re.match(r"错误：文件 (.+?)(，|：)(.*)$", line)
        assert found, line
        name = copy_of.get(found.group(1), found.group(1))
        refused[name] = found.group(3)
    assert len(objects) + len(refused) == len(paths)
    return Expected(objects, refused)


# ---- the first run and its outputs -----------------------------------------------------------


@dataclass
class Outputs:
    run: Run
    folder: Path
    xlsx: Path
    json: Path
    csv: Path
    cache: Path


@pytest.fixture(scope="module")
def first(batch: Batch, tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    folder = tmp_path_factory.mktemp("reviewer")
    out = Outputs(
        Run(0, "", ""),
        folder,
        folder / "汇总.xlsx",
        folder / "汇总.json",
        folder / "csv",
        folder / "cache",
    )
    out.run = jixiao(
        "review", batch.root, "-o", out.xlsx, "--json", out.json, "--csv", out.csv,
        "--cache-dir", out.cache,
    )  # fmt: skip
    return out


def sheet_rows(path: Path, sheet: str = "汇总") -> list[dict[str, Any]]:
    """A table sheet read back as a reviewer's program reads it (stored values)."""
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    out = []
    for row in rows[1:]:
        if row[0] in (None, TOTAL_LABEL):
            break
        out.append(dict(zip(header, row, strict=True)))
    return out


def links(path: Path) -> list[str]:
    """Where each 汇总 row's 文件 cell links to."""
    ws = openpyxl.load_workbook(path)["汇总"]
    out = []
    for (cell,) in ws.iter_rows(min_row=2, max_col=1):
        if cell.value in (None, TOTAL_LABEL):
            break
        found = re.match(r'=HYPERLINK\("((?:[^"]|"")*)",', str(cell.value))
        assert found, cell.value
        out.append(found.group(1).replace('""', '"'))
    return out


def natural(name: str) -> list[Any]:
    return [
        (0, int(p)) if re.fullmatch(r"\d+", p) else (1, p.casefold())
        for p in re.split(r"(\d+)", name)
        if p
    ]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    return (a if a != "" else None) == (b if b != "" else None)


def expected_row(name: str, form: dict[str, Any]) -> dict[str, Any]:
    """The 汇总 row a form's summary line of `check --json` calls for."""
    return {
        "文件": name,
        "工作表": form["sheet"],
        "单位": form["单位名称"],
        "年度": form["年度"],
        "表类型": form["表类型"],
        "项目名称": form["项目名称"],
        "全年预算数": form["全年预算数"],
        "全年执行数": form["全年执行数"],
        "执行率（填报）": form["执行率"]["填报"],
        "执行率（复算）": form["执行率"]["复算"],
        "总分（填报）": form["总分"]["填报"],
        "总分（复算）": form["总分"]["复算"],
        "等级（填报）": form["等级"]["填报"],
        "等级（复算）": form["等级"]["复算"],
        "错误数": form["summary"]["错误"],
        "警告数": form["summary"]["警告"],
        "提示数": form["summary"]["提示"],
        "可以提交": "是" if form["可以提交"] else "否",
    }


# ---- the summary against check --json ----------------------------------------------------------


def test_the_run_lists_every_file_and_says_what_it_did(first: Outputs, batch: Batch) -> None:
    assert first.run.rc == 2, first.run.err  # some files could not be read
    files = len(batch.files) + len(batch.members) + 1  # + the truncated zip
    assert f"审核了 {files} 个文件（其中 0 个取自缓存）" in first.run.out
    assert f"另有 {batch.ignored} 个其他文件不是自评表，未处理" in first.run.out
    assert f"跳过隐藏文件、~$ 锁定文件和 __MACOSX 共 {batch.debris} 个" in first.run.out
    assert "Traceback" not in first.run.err


def test_every_row_is_what_check_json_says_of_the_file(
    first: Outputs, batch: Batch, expected: Expected
) -> None:
    rows = sheet_rows(first.xlsx)
    names = sorted(expected.objects, key=natural)
    wanted = [expected_row(n, f) for n in names for f in expected.objects[n]["forms"]]
    assert len(rows) == len(wanted) > 150
    for got, want in zip(rows, wanted, strict=True):
        bad = {k: (got[k], want[k]) for k in want if not same(got[k], want[k])}
        assert not bad, (want["文件"], bad)
    # The recomputed 执行率 is 全年执行数 / 全年预算数 (rules.md), on the row itself.
    for row in rows:
        budget, executed = row["全年预算数"], row["全年执行数"]
        if isinstance(budget, float | int) and budget and isinstance(executed, float | int):
            assert math.isclose(row["执行率（复算）"], row["全年执行数"] / row["全年预算数"])
    # Each row links to its file (a zip member to its zip), relative to the summary.
    for row, link in zip(rows, links(first.xlsx), strict=True):
        name = row["文件"]
        target = next((str(z) for z in batch.zips if name.startswith(f"{z}/")), name)
        assert (first.folder / link).resolve() == Path(target).resolve()


def test_a_zips_gbk_member_names_are_read_as_sent(first: Outputs, batch: Batch) -> None:
    shown = {row["文件"] for row in sheet_rows(first.xlsx)}
    shown |= {row["文件"] for row in sheet_rows(first.xlsx, "未能读取")}
    archive = batch.zips[0]
    assert f"{archive}/收件/单位C0/项目1.json" in shown
    assert f"{archive}/收件/单位D/损坏的表.xlsm" in shown
    assert set(batch.members) <= shown
    assert not any("MACOSX" in n or "~$" in n or "说明.txt" in n for n in shown)


def test_validate_json_carries_the_same_forms(batch: Batch, expected: Expected, tmp_path) -> None:
    readable = [p for p in batch.files if str(p) in expected.objects]
    books = [p for p in readable if p.suffix in (".xlsm", ".xlsx")][:2]
    books += [p for p in readable if p.suffix in (".docx", ".xls")][:2]
    assert {p.suffix for p in books} >= {".xlsm", ".docx"}
    for path in books:
        options = ["-o", tmp_path / f"marked{path.suffix}"] if path.suffix != ".docx" else []
        if path.suffix == ".xls":
            options = []
        obj = json.loads(jixiao("validate", path, "--json", *options).out)
        assert obj["forms"] == expected.objects[str(path)]["forms"]
        assert obj["summary"] == expected.objects[str(path)]["summary"]


def test_the_totals_row_adds_up_the_forms(first: Outputs) -> None:
    rows = sheet_rows(first.xlsx)
    ws = openpyxl.load_workbook(first.xlsx, data_only=True)["汇总"]
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == TOTAL_LABEL)
    header = [c.value for c in ws[1]]
    got = dict(zip(header, total, strict=True))
    assert got["工作表"] == len(rows)
    for column in ("全年预算数", "全年执行数", "错误数", "警告数", "提示数"):
        assert math.isclose(got[column], sum(r[column] or 0 for r in rows))
    assert got["可以提交"] == sum(r["可以提交"] == "是" for r in rows)
    assert math.isclose(got["执行率（复算）"], got["全年执行数"] / got["全年预算数"])
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")


def test_every_finding_is_listed(first: Outputs, expected: Expected) -> None:
    rows = sheet_rows(first.xlsx, "问题明细")
    wanted = [
        (name, f["sheet"], f.get("location") or f["cell"], f["code"], f["severity"], f["field"],
         f["message"])
        for name in sorted(expected.objects, key=natural)
        for f in expected.objects[name]["findings"]
    ]  # fmt: skip
    got = [
        tuple(r[k] or "" for k in ("文件", "工作表", "单元格/位置", "代码", "级别", "字段", "说明"))
        for r in rows
    ]
    assert got == wanted
    assert any(" 第" in place and "行第" in place for _, _, place, *_ in got)  # a Word report


def test_unreadable_files_are_listed_with_validates_message(
    first: Outputs, batch: Batch, expected: Expected
) -> None:
    rows = sheet_rows(first.xlsx, "未能读取")
    listed = {r["文件"]: r["原因"] for r in rows}
    assert set(listed) == set(expected.refused) | {str(batch.broken_zip)}
    for name, why in expected.refused.items():
        assert listed[name] == why
    assert "压缩包已损坏" in listed[str(batch.broken_zip)]
    # The JSON output carries validate's whole message, naming the file.
    results = {r["file"]: r for r in json.loads(first.json.read_text("utf-8"))["files"]}
    for path in [p for p in batch.files if str(p) in expected.refused][:6]:
        run = jixiao("validate", path)
        assert run.rc == 2
        assert run.err.strip() == f"错误：{results[str(path)]['message']}"
        assert "Traceback" not in run.err


def test_sheets_not_checked_are_listed_with_the_reason(
    first: Outputs, batch: Batch, expected: Expected
) -> None:
    """A sheet that holds no form checked — an instructions sheet, a second form that could
    not be read — is on no 汇总 row: it is listed with validate's reason, never left out in
    silence."""
    wanted = [
        (name, s["sheet"], s["reason"])
        for name in sorted(expected.objects, key=natural)
        for s in expected.objects[name].get("skipped", [])
    ]
    rows = sheet_rows(first.xlsx, "未校验的工作表")
    assert [(r["文件"], r["工作表"], r["原因"]) for r in rows] == wanted
    shown = str(batch.root / "纸质表样" / "带说明页.xlsx")
    mine = [(sheet, why) for name, sheet, why in wanted if name == shown]
    sheet = build.load(PAPER[0])["sheet"]
    assert [name for name, _ in mine] == ["填报说明", sheet]
    assert "不像绩效自评表" in mine[0][1]
    assert re.match(r"第 \d+ 行起的一张表：找不到绩效指标表头", mine[1][1])
    # The file's form is on 汇总 all the same, and the sheet links to its file.
    assert [r["工作表"] for r in sheet_rows(first.xlsx) if r["文件"] == shown] == [sheet]
    ws = openpyxl.load_workbook(first.xlsx)["未校验的工作表"]
    k = next(k for k, (name, *_) in enumerate(wanted) if name == shown)
    target = re.match(r'=HYPERLINK\("([^"]*)",', str(ws.cell(k + 2, 1).value)).group(1)
    assert (first.folder / target).resolve() == Path(shown).resolve()
    # 汇总 says so below its table, and so do the terminal, the CSV file and the JSON totals.
    note = f"另有 {len(wanted)} 张工作表没有校验（说明页、空白表或读不出的表），原因见「未校验的工作表」表。"
    summary = openpyxl.load_workbook(first.xlsx)["汇总"]
    assert note in [c.value for (c,) in summary.iter_rows(max_col=1)]
    assert f"另有 {len(wanted)} 张工作表没有校验" in first.run.out
    lines = (first.csv / "未校验的工作表.csv").read_text("utf-8-sig").splitlines()
    assert lines[0] == "文件,工作表,原因" and len(lines) == len(wanted) + 1
    assert json.loads(first.json.read_text("utf-8"))["totals"]["未校验的工作表"] == len(wanted)


def test_with_only_json_out_the_terminal_points_to_skipped(tmp_path: Path) -> None:
    with_sheets_not_checked(build.load(PAPER[0]), tmp_path / "收件" / "带说明页.xlsx")
    out = tmp_path / "汇总.json"
    run = jixiao("review", tmp_path / "收件", "--json", out, "--no-cache")
    said = "另有 2 张工作表没有校验（说明页、空白表或读不出的表），原因见 JSON 中各文件的 skipped。"
    assert said in run.out
    (result,) = json.loads(out.read_text("utf-8"))["files"]
    assert [s["sheet"] for s in result["skipped"]] == ["填报说明", build.load(PAPER[0])["sheet"]]


def test_rule_statistics_count_the_findings_by_rule_and_unit(
    first: Outputs, expected: Expected
) -> None:
    wb = openpyxl.load_workbook(first.xlsx, data_only=True)
    ws = wb["规则统计"]
    values = list(ws.iter_rows(min_row=3, values_only=True))
    by_rule = {r[0]: r[1:6] for r in values if r[0]}
    counts = Counter(f["code"] for o in expected.objects.values() for f in o["findings"])
    catalogue = {c.code: c for c in REGISTRY}
    # Each table ends in a 合计 row: the findings of every rule, and of every unit, add up
    # to the findings of the batch.
    assert by_rule.pop("合计")[2] == sum(counts.values())
    assert {code: row[2] for code, row in by_rule.items()} == dict(counts)
    for code, (title, severity, *_rest) in by_rule.items():
        assert (title, severity) == (catalogue[code].title, str(catalogue[code].severity))
    units = Counter(
        form["单位名称"] or "（未填单位名称）"
        for o in expected.objects.values()
        for form in o["forms"]
    )
    by_unit = {r[7]: r[8:13] for r in values if r[7]}
    unit_total = by_unit.pop("合计")
    assert {unit: row[0] for unit, row in by_unit.items()} == dict(units)
    forms = [f for o in expected.objects.values() for f in o["forms"]]
    assert list(unit_total) == [
        len(forms),
        sum(f["可以提交"] for f in forms),
        *(sum(f["summary"][s] for f in forms) for s in ("错误", "警告", "提示")),
    ]
    assert list(unit_total[2:]) == [sum(r[k] for r in by_unit.values()) for k in (2, 3, 4)]


def test_the_workbook_has_native_charts(first: Outputs) -> None:
    with zipfile.ZipFile(first.xlsx) as zf:
        charts = [zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/charts/")]
        sheets = zf.read("xl/workbook.xml").decode("utf-8")
    kinds = {re.search(r"<c:(barChart|scatterChart)>", c).group(1) for c in charts}
    assert kinds == {"barChart", "scatterChart"} and len(charts) == 3
    assert any('<c:barDir val="col"/>' in c for c in charts)  # the 执行率 columns
    assert any("执行率分布" in c for c in charts) and any("总分（复算）" in c for c in charts)
    for name in ("汇总", "问题明细", "规则统计", "未能读取", "未校验的工作表", "图表", "图表数据"):
        assert f'name="{name}"' in sheets


def test_csv_and_json_hold_the_same_tables(first: Outputs) -> None:
    rows = sheet_rows(first.xlsx)
    raw = (first.csv / "汇总.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel and WPS read the Chinese right
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["文件", "工作表", "单位"]
    assert len(lines) == len(rows) + 1
    assert {p.name for p in first.csv.iterdir()} == {
        "汇总.csv", "问题明细.csv", "规则统计_按规则.csv", "规则统计_按单位.csv", "未能读取.csv",
        "未校验的工作表.csv",
    }  # fmt: skip
    doc = json.loads(first.json.read_text("utf-8"))
    forms = [f for r in doc["files"] if r["status"] == "ok" for f in r["forms"]]
    assert len(forms) == len(rows) == doc["totals"]["表数"]
    assert doc["totals"]["可以提交"] == sum(r["可以提交"] == "是" for r in rows)


# ---- the cache ---------------------------------------------------------------------------------


def test_a_rerun_takes_every_file_from_the_cache(first: Outputs, batch: Batch) -> None:
    again = first.folder / "again.xlsx"
    run = jixiao("review", batch.root, "-o", again, "--cache-dir", first.cache)
    checked = len(batch.files) + len(batch.members)  # the truncated zip never gets that far
    assert from_cache(run) == checked
    assert sheet_rows(again) == sheet_rows(first.xlsx)
    assert sheet_rows(again, "问题明细") == sheet_rows(first.xlsx, "问题明细")


def test_no_cache_checks_again_and_a_changed_file_is_checked_again(
    first: Outputs, batch: Batch, tmp_path: Path
) -> None:
    # A small batch of its own, with its own cache: the module's batch stays as it is.
    folder = tmp_path / "收件"
    shutil.copytree(batch.root / "单位001", folder / "单位001")
    shutil.copytree(batch.root / "示例", folder / "示例")
    cache = tmp_path / "cache"
    out = tmp_path / "汇总.xlsx"
    first_run = jixiao("review", folder, "-o", out, "--cache-dir", cache)
    files = len([p for p in folder.rglob("*") if p.suffix in (".json", ".xlsm", ".xlsx")])
    assert from_cache(first_run) == 0
    # The cache is what a re-run uses: an entry altered by hand shows in its result …
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == files
    for entry in entries:
        result = json.loads(entry.read_text("utf-8"))
        if result["file"].endswith("示例/shifeng-2020-whole.json"):
            result["forms"][0]["summary"]["错误"] = 99
            entry.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    cached = jixiao("review", folder, "-o", out, "--cache-dir", cache)
    assert from_cache(cached) == files
    whole = next(r for r in sheet_rows(out) if r["文件"].endswith("示例/shifeng-2020-whole.json"))
    assert whole["错误数"] == 99
    # … and --no-cache neither reads it nor is fooled by it.
    fresh = jixiao("review", folder, "-o", out, "--cache-dir", cache, "--no-cache")
    assert "（未使用缓存）" in fresh.out
    whole = next(r for r in sheet_rows(out) if r["文件"].endswith("示例/shifeng-2020-whole.json"))
    assert whole["错误数"] == 2
    # A file whose content changed is checked again; the others come from the cache.
    changed = folder / "单位001" / "自评表1.json"
    data = json.loads(changed.read_text("utf-8"))
    data["预算执行"]["全年执行数"] = 1
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    after = jixiao("review", folder, "-o", out, "--cache-dir", cache)
    assert from_cache(after) == files - 1
    row = next(r for r in sheet_rows(out) if r["文件"] == str(changed))
    assert row["全年执行数"] == 1


# ---- order, processes, Ctrl-C ------------------------------------------------------------------


def test_the_output_does_not_depend_on_the_order_files_are_found_in(
    workbooks: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same batch twice: the second time the zip holds its members in another order and
    the folders list their files in another order (as another disk or copy tool would).
    The summary is the same, byte for byte in JSON and cell for cell in the workbook."""
    real_walk = os.walk

    def shuffled_walk(top: Any, *args: Any, **kwargs: Any) -> Any:
        shuffle = random.Random(7).shuffle
        for folder, dirs, files in real_walk(top, *args, **kwargs):
            shuffle(dirs)
            shuffle(files)
            yield folder, dirs, files

    outputs = []
    for k, parent in enumerate((tmp_path / "a", tmp_path / "b")):
        staged = make_batch(parent / "收件", workbooks, small=True, seed=k)
        monkeypatch.chdir(parent)
        if k:
            monkeypatch.setattr(os, "walk", shuffled_walk)
        run = jixiao("review", "收件", "-o", "汇总.xlsx", "--json", "汇总.json", "--no-cache")
        assert run.rc == 2, run.err
        with zipfile.ZipFile(staged.zips[0]) as zf:
            outputs.append((parent, zf.namelist()))
    (a, a_members), (b, b_members) = outputs
    assert a_members != b_members and sorted(a_members) == sorted(b_members)
    assert (a / "汇总.json").read_text("utf-8") == (b / "汇总.json").read_text("utf-8")
    for sheet in ("汇总", "问题明细", "规则统计", "未能读取", "图表数据"):
        left = list(openpyxl.load_workbook(a / "汇总.xlsx")[sheet].iter_rows(values_only=True))
        right = list(openpyxl.load_workbook(b / "汇总.xlsx")[sheet].iter_rows(values_only=True))
        assert left == right, sheet


def wait_for(predicate: Any, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_ctrl_c_leaves_nothing_half_written_and_the_rerun_finishes_from_the_cache(
    first: Outputs, batch: Batch, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    out = first.folder / "中断后.xlsx"
    temp = tmp_path / "tmp"
    temp.mkdir()
    entries = lambda: glob.glob(str(cache / "*" / "*.json"))  # noqa: E731
    proc = subprocess.Popen(
        command("review", batch.root, "-o", out, "--json", tmp_path / "r.json", "--cache-dir",
                cache, "-j", "1"),
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )  # fmt: skip
    try:
        wait_for(lambda: len(entries()) >= 5 or proc.poll() is not None)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    kept = len(entries())
    assert 5 <= kept < len(batch.files)
    assert re.search(rf"已中断：已完成 \d+/{len(batch.files) + len(batch.members)} 个文件", stderr)
    assert "没有写出任何汇总文件" in stderr and "Traceback" not in stderr
    assert not out.exists() and not (tmp_path / "r.json").exists()
    leftovers = [p.name for d in (first.folder, tmp_path) for p in d.iterdir() if ".tmp" in p.name]
    assert leftovers == []
    assert not list(cache.rglob(".tmp-*"))
    assert list(temp.iterdir()) == []  # nor the workers' server's, nor a member's copy
    # Running the same command again finishes the rest, taking the finished files from the
    # cache, and gives what an uninterrupted run gives.
    done = subprocess.run(
        command("review", batch.root, "-o", out, "--json", tmp_path / "r.json", "--cache-dir",
                cache),
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    failed = [
        (r["file"], r["reason"])
        for r in json.loads((tmp_path / "r.json").read_text("utf-8"))["files"]
        if r["status"] == "internal"
    ]
    assert done.returncode == first.run.rc, (done.stderr, failed)
    assert kept <= int(re.search(r"其中 (\d+) 个取自缓存", done.stdout).group(1)) < len(batch.files)
    assert sheet_rows(out) == sheet_rows(first.xlsx)
    assert sheet_rows(out, "问题明细") == sheet_rows(first.xlsx, "问题明细")
    assert links(out) == links(first.xlsx)


def test_stopping_the_pool_prints_no_traceback_of_its_manager_thread(monkeypatch):
    """Ctrl-C stops the workers under the pool's manager thread, which on Python 3.11 may
    then close a pipe twice (EBADF) and print a traceback under "已中断" (one run in six).
    Once the runner has stopped a pool, that thread's OSError is quiet; any other thread's
    error, or another error of that thread, is still shown."""
    shown = []
    monkeypatch.setattr(threading, "excepthook", lambda args: shown.append(args.exc_type))
    with ProcessPoolExecutor(1) as pool:
        pool.submit(int, "1").result()
        manager = pool._executor_manager_thread
        review_run._Runner._kill(pool)

    def hook(thread, error):
        threading.excepthook(threading.ExceptHookArgs((type(error), error, None, thread)))

    hook(manager, OSError(9, "Bad file descriptor"))
    assert shown == []
    hook(manager, ValueError("other"))
    hook(threading.Thread(), OSError(9, "Bad file descriptor"))
    assert shown == [ValueError, OSError]


def test_a_run_leaves_nothing_in_the_temporary_folder(
    workbooks: dict[str, bytes], tmp_path: Path
) -> None:
    """The results wait for the outputs in a temporary file (memory stays flat however
    many files), and a zip member is checked through a temporary copy: after the run the
    temporary folder is as empty as before."""
    folder = tmp_path / "收件"
    folder.mkdir()
    stem, data = sorted(workbooks.items())[0]
    (folder / f"{stem}.xlsm").write_bytes(data)
    gbk_zip(
        folder / "报送.zip",
        [("单位A/表.xlsm", data), ("单位A/表.json", EXAMPLE_FILES[0].read_bytes())],
    )
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = subprocess.run(
        command("review", folder, "-o", tmp_path / "汇总.xlsx", "--json", tmp_path / "r.json",
                "--csv", tmp_path / "csv", "--no-cache", "-j", "2"),
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "TMPDIR": str(temp)},
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    assert len(json.loads((tmp_path / "r.json").read_text("utf-8"))["files"]) == 3
    assert list(temp.iterdir()) == []


def test_a_batch_without_any_form_still_adds_up(tmp_path: Path) -> None:
    """Nothing readable: the totals are plain zeros, no formula summing a range of no rows
    (it would be the totals cell itself, which Excel reports as a circular reference)."""
    (tmp_path / "收件箱").mkdir()
    (tmp_path / "收件箱" / "空.xlsx").write_bytes(b"")
    out = tmp_path / "汇总.xlsx"
    run = jixiao("review", tmp_path / "收件箱", "-o", out, "--no-cache")
    assert run.rc == 2, run.err
    wb = openpyxl.load_workbook(out)
    total = [c.value for c in wb["汇总"][2]]
    assert total[0] == TOTAL_LABEL and total[1] == 0
    assert total[6:8] == [0, 0] and total[14:18] == [0, 0, 0, 0]
    rules = [c.value for c in wb["规则统计"][3]]
    assert rules == ["合计", None, None, 0, None, None, None, "合计", 0, 0, 0, 0, 0]
    assert not any(isinstance(v, str) and v.startswith("=") for v in total + rules)
    assert [r["文件"] for r in sheet_rows(out, "未能读取")] == [
        str(tmp_path / "收件箱" / "空.xlsx")
    ]


# ---- the per-file function ---------------------------------------------------------------------


def test_review_file_is_a_pure_function_of_the_file(batch: Batch, expected: Expected) -> None:
    book = next(p for p in batch.files if p.suffix == ".xlsm")
    first_result = review_file(book)
    assert json.loads(json.dumps(first_result, ensure_ascii=False)) == first_result
    assert review_file(book) == first_result
    assert review_bytes(book.read_bytes(), str(book)) == first_result
    assert first_result["forms"] == expected.objects[str(book)]["forms"]
    assert first_result["findings"] == expected.objects[str(book)]["findings"]


def test_a_failure_inside_jixiao_is_listed_for_that_file(
    batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(per_file, "check_book", broken)
    book = next(p for p in batch.files if p.suffix == ".xlsm")
    result = review_file(book)
    assert result["status"] == "internal"
    assert result["reason"].startswith("jixiao 内部错误（ZeroDivisionError: division by zero）")


CRASH_HOOK = """
import os
import jixiao.app.review_run as run
checked = run.review_item_record
def dies_on_one_file(item, data, profile=None):
    if item.name.endswith("会死机的表.xlsm"):
        os._exit(1)  # as a worker killed for memory, or a crash inside a C library
    return checked(item, data, profile)
run.review_item_record = dies_on_one_file
"""


def test_a_worker_that_dies_costs_only_its_own_file(
    workbooks: dict[str, bytes], tmp_path: Path
) -> None:
    folder = tmp_path / "收件"
    folder.mkdir()
    data = sorted(workbooks.items())[0][1]
    names = [f"表{k}.xlsm" for k in range(8)] + ["会死机的表.xlsm"]
    for name in names:
        (folder / name).write_bytes(data)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASH_HOOK, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        command("review", folder, "-o", tmp_path / "汇总.xlsx", "--json", tmp_path / "r.json",
                "--no-cache", "-j", "2"),
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": path},
    )  # fmt: skip
    assert done.returncode == 3, done.stderr  # jixiao failed on a file
    assert "jixiao 内部错误 1 个" in done.stdout and "Traceback" not in done.stderr
    results = {
        Path(r["file"]).name: r for r in json.loads((tmp_path / "r.json").read_text())["files"]
    }
    assert results.pop("会死机的表.xlsm")["status"] == "internal"
    assert {r["status"] for r in results.values()} == {"ok"} and len(results) == 8
    listed = sheet_rows(tmp_path / "汇总.xlsx", "未能读取")
    assert [Path(r["文件"]).name for r in listed] == ["会死机的表.xlsm"]
    assert "工作进程意外退出" in listed[0]["原因"]


def test_the_worker_path_loads_no_pandas_or_xlsxwriter() -> None:
    script = (
        "import sys, jixiao.app.review_run\n"
        "print([m for m in ('pandas', 'xlsxwriter', 'rich') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_amounts_of_a_form_in_yuan_are_summed_in_wan(tmp_path) -> None:
    """A paper form whose budget headings say 元 (永德县, 387,664.62 元) sits in the batch as
    38.766462 万元: the 汇总 totals add like with like, the 执行率 is unchanged."""
    form = build.load("10-yunnan-2022-yongde-yingyang")
    (tmp_path / "inbox").mkdir()
    in_yuan = build.to_xlsx(form, tmp_path / "inbox" / "永德.xlsx")
    obj = json.loads(jixiao("check", in_yuan, "--json").out)
    (line,) = obj["forms"]
    assert math.isclose(line["全年预算数"], 38.766462)
    assert math.isclose(line["全年执行数"], 38.766462)
    assert line["执行率"]["复算"] == 1.0
    run = jixiao("review", in_yuan.parent, "-o", tmp_path / "汇总.xlsx", "--no-cache")
    assert run.rc in (0, 1), run.err
    (row,) = sheet_rows(tmp_path / "汇总.xlsx")
    assert math.isclose(row["全年预算数"], 38.766462)


def test_names_sort_with_their_numbers_as_numbers() -> None:
    """The compact sort key orders names as the plain one (a tuple of parts: runs of digits
    by value, the rest case-folded) does, ties included."""
    alphabet = ["a", "B", "b", "单", "位", "/", "\\", "0", "1", "2", "9", "00", "10", "007",
                "٣", "²", "-", " ", ".xlsm", "ß", "SS"]  # fmt: skip
    rng = random.Random(12)
    for _ in range(100):
        names = ["".join(rng.choices(alphabet, k=rng.randint(0, 8))) for _ in range(60)]
        plain = [natural(n.replace("\\", "/")) for n in names]
        compact = [natural_key(n) for n in names]
        for i in range(len(names)):
            for j in range(len(names)):
                assert (plain[i] < plain[j]) == (compact[i] < compact[j]), (names[i], names[j])
                assert (plain[i] == plain[j]) == (compact[i] == compact[j]), (names[i], names[j])
    assert sorted(["单位10", "单位2", "单位1/表3", "单位01/表10"], key=natural_key) == [
        "单位1/表3",
        "单位01/表10",
        "单位2",
        "单位10",
    ]


def test_the_findings_sheet_written_as_results_arrive_is_the_one_written_at_once(
    first: Outputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """问题明细 is written while the files are checked, its first rows held back until the
    columns can be laid out from them: with only a few rows held back (so most are written
    as they come) the sheet holds the same rows as the run's."""
    results = json.loads(first.json.read_text("utf-8"))["files"]
    monkeypatch.setattr(review_book, "LAYOUT_ROWS", 3)
    tables = review_book.build_tables(results, [None] * len(results))
    review_book.write_xlsx(tmp_path / "汇总.xlsx", tables, tmp_path, {})
    again = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["问题明细"]
    before = openpyxl.load_workbook(first.xlsx)["问题明细"]
    assert list(again.values) == list(before.values)
    assert again.auto_filter.ref == before.auto_filter.ref


DROPPED_CONNECTION = """
import socket, sys, time
from multiprocessing import forkserver
from jixiao.app.review_run import start_early
start_early()
server = forkserver._forkserver  # CPython's: the address and pid of the running server
# What a pool being torn down can do: open a connection and close it unused.
with socket.socket(socket.AF_UNIX) as s:
    s.connect(server._forkserver_address)
time.sleep(1.0)
print("ok")
"""


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no fork server here"
)
def test_the_workers_server_never_prints_a_traceback_for_the_user(tmp_path: Path) -> None:
    """Python 3.11's fork server dies with a traceback when a connection is dropped unused
    (review then starts a new one); what it writes must not reach the reviewer's screen."""
    done = subprocess.run(
        [sys.executable, "-c", DROPPED_CONNECTION],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert "Traceback" not in done.stderr and "EOFError" not in done.stderr


STOPPED_WORKER = """
import sys, time
import jixiao.app.review as review
import jixiao.app.review_run as run
def slow(path, name, profile):
    print(path, flush=True)
    time.sleep(120)
review._file_json = slow  # a large member: the worker is still on it when it is stopped
run._start_worker()
review.review_bytes(open(sys.argv[1], "rb").read(), "单位A/表.xlsm")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name == "nt", reason="POSIX signals")
def test_a_worker_stopped_in_the_middle_of_a_zip_member_leaves_no_copy_of_it(
    workbooks: dict[str, bytes], tmp_path: Path
) -> None:
    """Ctrl-C: the main process stops its workers (SIGTERM). A worker that was checking a
    member of a zip (through a temporary copy) removes the copy before it exits."""
    book = tmp_path / "表.xlsm"
    book.write_bytes(sorted(workbooks.items())[0][1])
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", STOPPED_WORKER, str(book)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )  # fmt: skip
    try:
        copy = Path(proc.stdout.readline().strip())
        assert copy.is_file() and copy.read_bytes() == book.read_bytes()
        assert copy.parent.parent == temp
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in stderr, stderr
    assert list(temp.iterdir()) == []


class _RefusingPool:
    """A pool whose first submits meet a fork server that is exiting (Python 3.11)."""

    def __init__(self, refusals: int) -> None:
        self.refusals, self.calls = refusals, 0

    def submit(self, fn: Any, *args: Any) -> str:
        self.calls += 1
        if self.calls <= self.refusals:
            raise ConnectionRefusedError(111, "Connection refused")
        return "submitted"


def test_a_file_checked_alone_waits_for_the_workers_server_to_come_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a worker died, each suspect file is checked alone; while the fork server is
    being replaced, the submit is tried again (up to five times), then the error stands."""
    waits: list[float] = []
    monkeypatch.setattr(review_run.time, "sleep", waits.append)
    runner = review_run._Runner([], None, 1, None, None, review_run.RunStats(total=0), None)  # type: ignore[arg-type]
    job = review_run._Job(0, per_file.Item("表.xlsm", "表.xlsm"), "", None)
    pool = _RefusingPool(refusals=2)
    assert runner._submit_alone(pool, job) == "submitted"  # type: ignore[arg-type]
    assert pool.calls == 3 and waits == [0.2, 0.4]
    with pytest.raises(ConnectionRefusedError):
        runner._submit_alone(_RefusingPool(refusals=5), job)  # type: ignore[arg-type]


def test_a_recomputed_total_shows_as_the_scores_add_up(tmp_path: Path) -> None:
    """总分（复算） adds typed scores: 10 + 20.1 + 10.7 + … is 98.9 in the 汇总, not the
    98.89999999999999 of binary floating point."""
    data = json.loads((EXAMPLES / "shifeng-2020-project.json").read_text("utf-8"))
    for row, score in zip(data["绩效指标"], (20.1, 10.7, 10, 10, 10, 10, 5, 4, 9.1), strict=True):
        row["得分"] = score
    path = tmp_path / "小数.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    (form,) = json.loads(jixiao("check", path, "--json").out)["forms"]
    assert form["总分"]["复算"] == 98.9 and repr(form["总分"]["复算"]) == "98.9"
