"""Benchmark writing cached values (jixiao.formats.cached) when jixiao writes a workbook.

Times, on the unit workbook (``jixiao new --type 单位 --projects N``, every project sheet
filled) and on the four examples imported one by one:

* ``write_cached_values`` alone (read the package, evaluate every formula, write <v>);
* ``fill_workbook`` of one project sheet into the unit workbook with and without
  ``functions`` (the import path), and ``jixiao new`` itself;
* references on the same file: python-calamine reading every sheet, openpyxl loading it.

    python bench/bench_cached.py [--projects N] [--repeat R]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

import jixiao.udfs
from jixiao.cli import main as cli
from jixiao.core.interchange import form_from_data
from jixiao.formats.cached import read_formula_book, write_cached_values
from jixiao.formats.formula import evaluate_all
from jixiao.formats.package import Package
from jixiao.templates.fill import fill_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
PROJECT = ROOT / "examples" / "shifeng-2020-project.json"
COMPUTED = ("执行率", "得分")


def clerks(path: Path) -> dict:
    data = json.loads(path.read_text("utf-8"))
    for key in COMPUTED:
        data.get("预算执行", {}).pop(key, None)
    data.pop("总分", None)
    data.pop("等级", None)
    return data


def timed(step: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def quiet(args: list[str]) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli(args) == 0, args


def calamine_read(path: Path) -> None:
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-cached-"))
    unit = tmp / "unit.xlsm"
    new_args = ["new", "--type", "单位", "--unit", "石峰区工商业联合会", "--year", "2020"]
    new_args += ["--projects", str(args.projects), "-o", str(unit)]
    quiet(new_args)
    form = form_from_data(clerks(PROJECT), PROJECT.name)
    for k in range(1, args.projects + 1):
        fill_workbook(form, unit, unit, sheet=f"项目{k}")
    pkg = Package.read(unit)
    book, _ = read_formula_book(pkg)
    functions = {n: getattr(jixiao.udfs, n) for n in jixiao.udfs.__all__}

    rows: list[tuple[str, float, float]] = []

    def add(label: str, step: Callable[[], object]) -> float:
        best, median = timed(step, args.repeat)
        rows.append((label, best, median))
        return best

    def cache_only() -> None:
        p = Package.read(unit)
        write_cached_values(p, jixiao.udfs)
        p.to_bytes()

    calamine = add("python-calamine 读全部工作表（参照）", lambda: calamine_read(unit))
    add("openpyxl.load_workbook（参照）", lambda: openpyxl.load_workbook(unit))
    add(
        "读文件包 + 取出单元格和公式 read_formula_book",
        lambda: read_formula_book(Package.read(unit)),
    )
    add("只计算公式 evaluate_all", lambda: evaluate_all(book, functions))
    cached = add("写缓存值全程 write_cached_values（读、算、写回、压缩）", cache_only)
    without = add(
        "fill_workbook 填一张项目表，不写缓存值",
        lambda: fill_workbook(form, unit, tmp / "a.xlsm", sheet="项目1"),
    )
    with_cache = add(
        "fill_workbook 填一张项目表，写缓存值（jixiao import 的做法）",
        lambda: fill_workbook(form, unit, tmp / "b.xlsm", sheet="项目1", functions=jixiao.udfs),
    )
    add("jixiao new（含缓存值）", lambda: quiet([*new_args[:-1], str(tmp / "n.xlsm"), "--force"]))
    small = []
    for example in EXAMPLES:
        src = tmp / example.name
        src.write_text(json.dumps(clerks(example), ensure_ascii=False), "utf-8")
        out = tmp / f"{example.stem}.xlsm"
        small.append(
            timed(
                lambda s=src, o=out: quiet(["import", str(s), "-o", str(o), "--force"]), args.repeat
            )[0]
        )

    formula_cells = len(book.formulas)
    print(
        f"机器：{platform.platform()}，{platform.python_implementation()} {platform.python_version()}，"
        f"{os.cpu_count()} 核"
    )
    print(
        f"单位工作簿：{args.projects} 张项目表，{unit.stat().st_size} 字节，{formula_cells} 个公式单元格"
    )
    print("| 步骤 | 最小 s | 中位 s |")
    print("|---|---:|---:|")
    for label, best, median in rows:
        print(f"| {label} | {best:.3f} | {median:.3f} |")
    print(f"写缓存值 / calamine 读同一文件 = {cached / calamine:.2f}")
    print(
        f"填写时写缓存值的额外开销 = {with_cache - without:.3f} s（{(with_cache / without - 1) * 100:.0f}%）"
    )
    print(f"jixiao import 单张示例表（含缓存值）：{', '.join(f'{t:.3f}' for t in small)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
