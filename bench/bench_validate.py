"""Benchmark headless workbook validation (``jixiao validate``): whole process and its steps.

Builds (not timed) a unit workbook with N project sheets — ``jixiao new --type 单位`` —
and fills 整体支出表, 基础数据表 and every 项目N sheet from the real examples (each project
varied: name, budget, indicator values, 9–30 indicator rows). Then times:

Whole process (subprocess, R runs each, the commands alternating so that all see the same
load; median and min of the wall time):
  (A) jixiao validate --json FILE -o OUT          the command a user runs, on the workbook as
                                                  built: its formula cells hold no cached
                                                  values (fill_workbook without functions),
                                                  so validate computes them for the copy
  (A2) the same on the workbook as Excel would save it: every formula cell with its value,
       no request to recalculate (made here with write_cached_values and fullCalcOnLoad
       removed), so validate only reads, checks and marks
  (B) python3 -c "python-calamine reads every cell of every sheet"   the reference
  (C) jixiao --help                               start-up alone
and the ratios (A)/(B), (A2)/(B), the goal of issue 12 being ≤ 3.

In process (time.perf_counter, R runs each, min and median):
  (a) python-calamine, every sheet's cells       reference
  (b) openpyxl.load_workbook(path)                how jixiao read files before
  (c) jixiao.formats.xlsx_grid.read_grid(path)    the grid (read from the XML)
  (d) jixiao.readers.workbook.read_forms(grid)    the forms out of the grid
  (e) jixiao.app.validate.check_book(contents)    the checks
  (f) jixiao.hosts.package.annotate(path, out, findings)   writing the marks
  (g) write_cached_values on the package          what validate adds to a file that asks to
                                                  be recalculated (jixiao's own files do)
  (h) jixiao.cli.main(["validate", path, "-o", out, "--json"])      the whole command
  (i) jixiao.hosts.package.clear(out, out2)

It also says which of the heavy libraries a validate process loads, for (A) and (A2): on a
file with its cached values, neither xlwings, pandas nor numpy (jixiao.udfs is loaded only
to compute missing values). The subprocesses run without PYTHONDONTWRITEBYTECODE, so that
they use compiled modules as an installed jixiao does.

Run from the repository root:  python bench/bench_validate.py [--projects N] [--repeat R]
--cprofile prints the top functions of one in-process validate (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import cProfile
import io
import json
import os
import platform
import posixpath
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

import jixiao.udfs
from jixiao.app.validate import check_book, validate_workbook
from jixiao.cli import main as cli_main
from jixiao.core.findings import Finding
from jixiao.core.form import SelfEvalForm
from jixiao.core.interchange import form_from_data
from jixiao.formats.cached import write_cached_values
from jixiao.formats.package import Package
from jixiao.formats.xlsx_grid import read_grid
from jixiao.hosts import package as package_marks
from jixiao.readers.workbook import read_forms
from jixiao.templates.fill import fill_workbook

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
UNIT, YEAR = "石峰区工商业联合会", 2020
MAX_ROWS = 30


# ---- building the workbook (not timed) ------------------------------------------------


def basic_table() -> dict[str, Any]:
    """A filled 部门整体支出绩效评价基础数据表 (forms.md section 2; tests/test_checks.py)."""
    return {
        "表类型": "部门整体支出绩效评价基础数据表", "单位名称": UNIT, "年度": YEAR,
        "人员": {"编制数": 12, "实际在职人数": 11, "控制率": 11 / 12},
        "经费": [
            {"名称": "三公经费", "上年决算数": 1.2, "本年预算数": 1.5, "本年决算数": 1.1},
            {"名称": "公务用车购置和维护经费", "上级": "三公经费", "上年决算数": 0.8, "本年预算数": 1.0, "本年决算数": 0.7},
            {"名称": "出国经费", "上级": "三公经费", "上年决算数": 0, "本年预算数": 0, "本年决算数": 0},
            {"名称": "公务接待", "上级": "三公经费", "上年决算数": 0.4, "本年预算数": 0.5, "本年决算数": 0.4},
            {"名称": "公用经费", "上年决算数": 20.87, "本年预算数": 21.5, "本年决算数": 22.04},
            {"名称": "办公费", "上级": "公用经费", "上年决算数": 2.86, "本年预算数": 3.0, "本年决算数": 2.64},
        ],
        "楼堂馆所": [{"名称": "无", "批复规模": 0, "实际规模": 0, "预算投资": 0, "实际投资": 0}],
        "厉行节约保障措施": "严格执行中央八项规定，压减一般性支出",
    }  # fmt: skip


def _points(n: int, total: int = 90) -> list[int]:
    """n whole-number weights adding up to total."""
    base, extra = divmod(total, n)
    return [base + (1 if k < extra else 0) for k in range(n)]


def project_data(seed: dict[str, Any], i: int, n_projects: int) -> dict[str, Any]:
    """Project i (1-based): the Shifeng example with its own name, budget and 9–30 rows."""
    data = copy.deepcopy(seed)
    data["项目名称"] = f"{seed['项目名称']}（第{i}批）"
    budget = data["预算执行"]
    full = 10.0 + 2.5 * i
    executed = full if i % 4 else round(full * 0.92, 2)  # every 4th project under-spent
    rate = executed / full
    budget.update(全年预算数=full, 全年执行数=executed, 执行率=rate, 得分=round(10 * rate, 2))
    budget["资金来源"] = [{"名称": "当年财政拨款", "全年预算数": full, "全年执行数": executed}]

    rows = seed["绩效指标"]
    span = max(1, n_projects - 1)
    n_rows = min(MAX_ROWS, len(rows) + (MAX_ROWS - len(rows)) * (i - 1) // span)
    indicators = []
    for k in range(n_rows):
        row = copy.deepcopy(rows[k % len(rows)])
        rep = k // len(rows)
        if rep:
            row["三级指标"] = f"{row['三级指标']}（{rep + 1}）"
        if row["三级指标"].startswith("拨付协会发展经费"):
            want = 2 + (i + k) % 3
            got = want if (i + k) % 5 else want - 1  # some shortfalls
            row["指标值"], row["实际完成值"] = f"{want}个", f"{got}个"
        elif row["三级指标"].startswith("协会经费"):
            row["指标值"] = row["实际完成值"] = f"{5 + i % 3}万元/个"
        elif row["三级指标"].startswith("协会"):
            row["指标值"] = f"{95 + i % 4}%"
        indicators.append(row)
    for row, pts in zip(indicators, _points(n_rows), strict=True):
        row["分值"] = pts
        row["得分"] = pts if "偏差原因" not in row else pts - 1
    data["绩效指标"] = indicators
    score = budget["得分"] + sum(r["得分"] for r in indicators)
    data["总分"] = {"分值": 100, "得分": round(score, 2)}
    data["等级"] = "优" if score >= 90 else "良"
    return data


def restore_lost_parts(pristine: Path, path: Path) -> list[str]:
    """Put back the parts a fill lost, copied from the workbook as ``jixiao new`` wrote it.

    openpyxl 3.1 (writer/excel.py, ``_merge_vba``) keeps a .xlsm's VML drawings only if they
    match ``vmlDrawing\\d\\.vml``, one digit: saving a unit workbook with keep_vba drops
    vmlDrawing10.vml and up (the 校验/清除标记/新增项目 buttons of the 10th sheet on) but keeps
    the sheets' relationships to them. package_marks then fails with KeyError on them.
    Returns the names put back.
    """
    with zipfile.ZipFile(path) as z:
        have = {i.filename: z.read(i) for i in z.infolist()}
        infos = z.infolist()
    targets = set()
    for name, data in have.items():
        if name.endswith(".rels"):
            for t in re.findall(rb'Target="([^"]+)"', data):
                base = posixpath.dirname(posixpath.dirname(name))
                target = t.decode()
                full = (
                    target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
                )
                targets.add(posixpath.normpath(full))
    with zipfile.ZipFile(pristine) as z:
        lost = [n for n in z.namelist() if n in targets and n not in have]
        extra = {n: z.read(n) for n in lost}
    if lost:
        tmp = path.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for info in infos:
                z.writestr(info, have[info.filename])
            for name, data in extra.items():
                z.writestr(name, data)
        os.replace(tmp, path)
    return lost


def build_workbook(path: Path, n_projects: int) -> tuple[int, list[str]]:
    """The filled unit workbook at path: its indicator rows and the parts put back."""
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet):
        argv = ["new", "--type", "单位", "--unit", UNIT, "--year", str(YEAR)]
        rc = cli_main([*argv, "--projects", str(n_projects), "-o", str(path)])
    if rc != 0:
        sys.exit(f"jixiao new failed ({rc})")
    pristine = path.with_name("new_" + path.name)
    pristine.write_bytes(path.read_bytes())
    whole = json.loads((EXAMPLES / "shifeng-2020-whole.json").read_text(encoding="utf-8"))
    seed = json.loads((EXAMPLES / "shifeng-2020-project.json").read_text(encoding="utf-8"))
    sheets: list[tuple[str, dict[str, Any]]] = [
        ("整体支出表", whole),
        ("基础数据表", basic_table()),
    ]
    sheets += [(f"项目{i}", project_data(seed, i, n_projects)) for i in range(1, n_projects + 1)]
    rows = 0
    for sheet, data in sheets:
        form = form_from_data(data, f"{sheet}.json")
        if isinstance(form, SelfEvalForm):
            rows += len(data["绩效指标"])
        fill_workbook(form, path, path, sheet=sheet)
    lost = restore_lost_parts(pristine, path)
    pristine.unlink()
    if lost:  # fill_workbook restores these itself since the fix; seeing any is a regression
        raise SystemExit(f"fill_workbook lost parts again: {', '.join(lost)}")
    return rows, lost


# ---- timing -----------------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def quiet_validate(path: Path, out: Path) -> None:
    with open(os.devnull, "w", encoding="utf-8") as null, contextlib.redirect_stdout(null):
        rc = cli_main(["validate", str(path), "-o", str(out), "--json"])
    if rc not in (0, 1):  # 1: findings of severity 错误
        sys.exit(f"jixiao validate failed ({rc})")


CALAMINE = (
    "import sys, python_calamine as pc\n"
    "wb = pc.CalamineWorkbook.from_path(sys.argv[1])\n"
    "n = sum(len(r) for name in wb.sheet_names for r in wb.get_sheet_by_name(name).to_python())\n"
)
JIXIAO = [sys.executable, "-m", "jixiao"]
LOADED = (
    "import sys, contextlib, io\n"
    "from jixiao.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    main(['validate', sys.argv[1], '-o', sys.argv[2], '--json'])\n"
    "heavy = ('openpyxl', 'pandas', 'numpy', 'xlwings', 'python_calamine', 'lxml', 'docx',\n"
    "         'asyncio', 'jixiao.udfs', 'jixiao.formats.formula')\n"
    "print(' '.join(m for m in heavy if m in sys.modules))\n"
)
# The commands run as an installed jixiao runs: from compiled modules (pip writes them on
# install). PYTHONDONTWRITEBYTECODE, if the environment sets it, would make every run
# compile the modules it imports afresh; the warm-up round writes them instead.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def calamine_read(path: Path) -> int:
    import python_calamine  # noqa: PLC0415  (a reference only)

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    return sum(len(r) for name in wb.sheet_names for r in wb.get_sheet_by_name(name).to_python())


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=ENV
    )
    elapsed = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "?"
    return f"{one:.2f}/{five:.2f}"


def as_excel_saves(path: Path, saved: Path) -> None:
    """The workbook with every formula cell's value cached and no fullCalcOnLoad."""
    pkg = Package.read(path)
    write_cached_values(pkg, jixiao.udfs)
    book = pkg.text("xl/workbook.xml")
    pkg.put("xl/workbook.xml", re.sub(r'\s+fullCalcOnLoad="[^"]*"', "", book))
    pkg.write(saved)


def whole_process(path: Path, saved: Path, out: Path, repeat: int) -> dict[str, list[float]]:
    """(A), (A2), (B), (C) alternating, ``repeat`` times each (one warm-up round first)."""
    commands = {
        "(A)": [*JIXIAO, "validate", str(path), "-o", str(out), "--json"],
        "(A2)": [*JIXIAO, "validate", str(saved), "-o", str(out), "--json"],
        "(B)": [sys.executable, "-c", CALAMINE, str(path)],
        "(C)": [*JIXIAO, "--help"],
    }
    for cmd in commands.values():
        wall(cmd)
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(repeat):
        for key, cmd in commands.items():
            times[key].append(wall(cmd))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=20, help="项目表数（默认 20）")
    parser.add_argument("--repeat", type=int, default=7, help="每项重复次数（默认 7）")
    parser.add_argument(
        "--cprofile", action="store_true", help="再剖析一次进程内的 validate（cProfile）"
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # openpyxl: data validation extensions it drops

    print(
        f"机器：{platform.system()} {platform.release()} {platform.machine()}，"
        f"{platform.python_implementation()} {platform.python_version()}，"
        f"CPU {cpu_model()}，{os.cpu_count()} 核（每个进程单线程）；开始时负载 {load()}"
    )
    with tempfile.TemporaryDirectory(prefix="bench_validate_") as tmp:
        path = Path(tmp, "unit.xlsm")
        out, out2 = Path(tmp, "unit_校验.xlsm"), Path(tmp, "unit_已清除.xlsm")
        t0 = time.perf_counter()
        rows, lost = build_workbook(path, args.projects)
        build_s = time.perf_counter() - t0
        if lost:
            print(
                f"注意：fill_workbook（openpyxl keep_vba 保存）丢失了 {len(lost)} 个部件"
                f"（{lost[0]} 等），已从新建的工作簿原样补回"
            )

        grid = read_grid(path)
        contents = read_forms(grid)
        report = validate_workbook(path)
        findings: list[Finding] = report.findings
        package_marks.annotate(path, out, findings)
        by_sev: dict[str, int] = {}
        for f in findings:
            by_sev[str(f.severity)] = by_sev.get(str(f.severity), 0) + 1
        formulas = sum(len(s.formulas or ()) for s in grid.sheets)
        print(
            f"工作簿：{path.stat().st_size} 字节，{len(grid.sheets)} 张工作表"
            f"（{args.projects} 张项目表），{formulas} 个公式单元格；校验 {len(report.forms)} 张表，"
            f"{rows} 个指标行，{len(findings)} 条问题"
            f"（{'、'.join(f'{k} {v}' for k, v in sorted(by_sev.items()))}）；"
            f"带标记的副本 {out.stat().st_size} 字节"
        )
        print(f"建表（不计时）：{build_s:.1f} s；每项重复 {args.repeat} 次\n")

        saved = Path(tmp, "unit_excel.xlsm")
        as_excel_saves(path, saved)
        for key, src in (("(A)", path), ("(A2)", saved)):
            loaded = subprocess.run(
                [sys.executable, "-c", LOADED, str(src), str(out2)],
                capture_output=True, text=True, check=False, env=ENV,
            )  # fmt: skip
            print(f"{key} validate 进程载入的重型库：{loaded.stdout.strip() or '（无）'}")
        print()
        print("整个进程（子进程，交替运行）")
        times = whole_process(path, saved, out, args.repeat)
        names = {
            "(A)": "jixiao validate --json FILE（无缓存值）",
            "(A2)": "jixiao validate --json FILE（有缓存值）",
            "(B)": "python-calamine 读全部单元格",
            "(C)": "jixiao --help（启动）",
        }
        print(f"{'命令':<40}{'最小 s':>10}{'中位 s':>10}")
        for key, label in names.items():
            t = times[key]
            print(f"{key:<5}{label:<35}{min(t):>10.3f}{statistics.median(t):>10.3f}")
        b = times["(B)"]
        for key in ("(A)", "(A2)"):
            a = times[key]
            print(
                f"{key}/(B)：中位数之比 {statistics.median(a) / statistics.median(b):.2f}，"
                f"最小值之比 {min(a) / min(b):.2f}（目标 ≤ 3）"
            )
        print(f"结束时负载 {load()}\n")

        def cached_values() -> None:
            pkg = Package.read(path)
            write_cached_values(pkg, jixiao.udfs)

        cases: list[tuple[str, Callable[[], Any]]] = [
            ("(a) python-calamine 读全部单元格", lambda: calamine_read(path)),
            ("(b) openpyxl.load_workbook", lambda: openpyxl.load_workbook(path)),
            ("(c) read_grid（读表格）", lambda: read_grid(path)),
            ("(d) read_forms（读出表单）", lambda: read_forms(grid)),
            ("(e) check_book（校验）", lambda: check_book(contents, None, str(path))),
            ("(f) package_marks.annotate", lambda: package_marks.annotate(path, out, findings)),
            ("(g) write_cached_values", cached_values),
            ("(h) jixiao validate --json", lambda: quiet_validate(path, out)),
            ("(i) package_marks.clear", lambda: package_marks.clear(out, out2)),
        ]
        results: dict[str, tuple[float, float]] = {}
        print("进程内")
        print(f"{'步骤':<34}{'最小 s':>10}{'中位 s':>10}")
        for name, fn in cases:
            t = timed(fn, args.repeat)
            results[name[:3]] = (min(t), statistics.median(t))
            print(f"{name:<36}{min(t):>10.3f}{statistics.median(t):>10.3f}")
        print(
            f"\n(c)/(a) 读表格与 calamine 之比：{results['(c)'][0] / results['(a)'][0]:.1f}（最小值）；"
            f"(b)/(c) openpyxl 与 read_grid 之比：{results['(b)'][0] / results['(c)'][0]:.1f}"
            f"；结束时负载 {load()}"
        )

        if args.cprofile:
            prof = cProfile.Profile()
            prof.enable()
            quiet_validate(path, out)
            prof.disable()
            print("\ncProfile：进程内 validate 一次（按累计时间，前 30 项）")
            pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
