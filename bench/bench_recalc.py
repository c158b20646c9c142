"""Benchmark headless recalculation (jixiao.app.recalc.recalculate) in LibreOffice.

Measures a cold run (engine started per call), a warm run (one engine reused), a batch
of small workbooks through one engine, and a few of them cold for comparison; then
times the phases of one warm recalculation to show where the time goes.

    python bench/bench_recalc.py [--projects N] [--batch K] [--fill F]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jixiao.udfs
from jixiao.app.recalc import recalculate
from jixiao.cli import main as cli
from jixiao.core.interchange import form_from_data
from jixiao.formats.cells import cache_values
from jixiao.formats.package import Package, sheet_parts
from jixiao.formats.xlsx_file import check_package
from jixiao.hosts.libreoffice import Engine
from jixiao.templates.fill import fill_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
PROJECT = ROOT / "examples" / "shifeng-2020-project.json"
GOAL = 0.3  # seconds per workbook, warm
JX_CELL = re.compile(r"<f\b[^>]*>[^<]*\bJX_", re.S)  # formula cells calling a UDF


def strip(data: dict) -> dict:
    """Drop the computed fields so the template formulas compute them."""
    data = json.loads(json.dumps(data))
    for key in ("总分", "等级"):
        data.pop(key, None)
    for key in ("执行率", "得分"):
        data.get("预算执行", {}).pop(key, None)
    return data


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def quiet_cli(args: list[str]) -> None:
    with open(os.devnull, "w") as null:
        old, sys.stdout = sys.stdout, null
        try:
            code = cli(args)
        finally:
            sys.stdout = old
    if code not in (0, None):
        raise SystemExit(f"jixiao {' '.join(args)} -> exit {code}")


def build_unit(tmp: Path, projects: int, fill: int) -> tuple[Path, float]:
    unit = tmp / "unit.xlsm"
    quiet_cli(["new", "--type", "单位", "--unit", "石峰区工商业联合会", "--year", "2020",
               "--projects", str(projects), "-o", str(unit)])  # fmt: skip
    data = strip(json.loads(PROJECT.read_text(encoding="utf-8")))
    t0 = time.perf_counter()
    for n in range(1, fill + 1):
        fill_workbook(form_from_data(data, PROJECT.name), unit, unit, sheet=f"项目{n}")
    return unit, time.perf_counter() - t0


def build_small(tmp: Path, k: int) -> list[Path]:
    sources = []
    for ex in EXAMPLES:
        src = tmp / f"src-{ex.name}"
        data = strip(json.loads(ex.read_text(encoding="utf-8")))
        src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        sources.append(src)
    paths = []
    for i in range(k):
        path = tmp / f"small-{i:03d}.xlsm"
        quiet_cli(["import", str(sources[i % len(sources)]), "-o", str(path)])
        paths.append(path)
    return paths


def timed(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - t0, result


def phases(path: Path, out: Path, engine: Engine, serve: bool = True) -> dict[str, float]:
    """recalculate() step by step, each step timed (same calls, same order).

    With ``serve=False`` the JX_ functions are not made available (they give #NAME?):
    only to see what calculateAll costs without the Basic -> Python bridge.
    """
    t: dict[str, float] = {}
    clock = time.perf_counter
    t0 = clock()
    check_package(path)
    if serve:
        engine.serve_functions(jixiao.udfs)
    t["check + serve"] = clock() - t0
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmp:
        copy = Path(tmp) / f"recalc{path.suffix}"
        t0 = clock()
        shutil.copyfile(path, copy)
        doc = engine.open(copy, macros=True)
        t["open (load in LO)"] = clock() - t0
        t0 = clock()
        doc.recalculate()
        t["calculateAll"] = clock() - t0
        t0 = clock()
        results = doc.formula_results()
        t["formula_results"] = clock() - t0
        t0 = clock()
        doc.close()
        t["close doc"] = clock() - t0
    t0 = clock()
    pkg = Package.read(path)
    parts = sheet_parts(pkg)
    for sheet, values in results.items():
        part = parts.get(sheet)
        if part is not None:
            xml, n = cache_values(pkg.text(part), values)
            if n:
                pkg.put(part, xml)
    pkg.write(out)
    t["write back"] = clock() - t0
    t["formula cells"] = sum(len(v) for v in results.values())
    t["JX_ cells"] = sum(len(JX_CELL.findall(pkg.text(part))) for part in parts.values())
    return t


def recalculate_cold(path: Path, out: Path) -> object:
    with Engine() as engine:
        engine.serve_functions(jixiao.udfs)
        return recalculate(path, out, engine)


def show_phases(label: str, runs: list[dict[str, float]]) -> None:
    print(f"  phases, {label} (median of {len(runs)}):")
    keys = [k for k in runs[0] if not k.endswith("cells")]
    total = sum(statistics.median(r[k] for r in runs) for k in keys)
    for k in keys:
        m = statistics.median(r[k] for r in runs)
        print(f"    {k:<20} {m * 1000:8.1f} ms  {m / total:6.1%}")
    print(
        f"    {'total':<20} {total * 1000:8.1f} ms   ({int(runs[0]['formula cells'])} formula cells, "
        f"{int(runs[0]['JX_ cells'])} calling JX_)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=20, help="project sheets in the unit workbook")
    ap.add_argument("--batch", type=int, default=100, help="small workbooks in the batch")
    ap.add_argument("--fill", type=int, default=None, help="project sheets to fill (default all)")
    ap.add_argument("--cold-small", type=int, default=5, help="small workbooks run cold")
    args = ap.parse_args()
    fill = args.projects if args.fill is None else min(args.fill, args.projects)

    print(f"machine: {platform.platform()}; Python {platform.python_version()} "
          f"({platform.python_implementation()}); CPU {cpu_model()}; {os.cpu_count()} cores")  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-recalc-"))
    try:
        t0 = time.perf_counter()
        unit, fill_s = build_unit(tmp, args.projects, fill)
        small = build_small(tmp, args.batch)
        print(f"setup (not timed below): unit workbook {args.projects} project sheets, "
              f"{fill} filled ({fill_s:.1f} s filling), {unit.stat().st_size // 1024} KiB; "
              f"{len(small)} small workbooks; {time.perf_counter() - t0:.1f} s")  # fmt: skip
        out = tmp / "out.xlsm"

        print("\n(1) cold: a fresh Engine per run, as `jixiao recalc` starts one")
        cold = []
        for i in range(3):
            s, rep = timed(recalculate_cold, unit, out)
            cold.append(s)
            print(f"  run {i + 1}: {s:.3f} s  ({rep.cells} cells, {rep.sheets} sheets)")
        print(f"  median {statistics.median(cold):.3f} s")

        print("\n(2) warm: one Engine, recalculate(unit, out, engine)")
        start, engine = timed(Engine)
        with engine:
            serve, _ = timed(engine.serve_functions, jixiao.udfs)
            print(f"  Engine() start {start:.3f} s; serve_functions {serve:.3f} s")
            warm = []
            for i in range(3):
                s, rep = timed(recalculate, unit, out, engine)
                warm.append(s)
                print(f"  run {i + 1}: {s:.3f} s  ({rep.cells} cells, {rep.sheets} sheets)")
            warm_unit = statistics.median(warm)
            print(f"  median {warm_unit:.3f} s")

            print(f"\n(3) batch: {len(small)} small workbooks through the same engine")
            batch = []
            cells = 0
            t0 = time.perf_counter()
            for path in small:
                s, rep = timed(recalculate, path, tmp / f"out-{path.name}", engine)
                batch.append(s)
                cells += rep.cells
            total = time.perf_counter() - t0
            print(f"  total {total:.3f} s; per workbook mean {statistics.mean(batch):.3f} s, "
                  f"median {statistics.median(batch):.3f} s, min {min(batch):.3f} s, "
                  f"max {max(batch):.3f} s; {cells} cells written")  # fmt: skip

            tenth = max(1, len(batch) // 10)
            print(f"  first {tenth} mean {statistics.mean(batch[:tenth]):.3f} s, "
                  f"last {tenth} mean {statistics.mean(batch[-tenth:]):.3f} s; by example: " + ", ".join(
                      f"{ex.stem} {statistics.median(batch[i::len(EXAMPLES)]):.3f} s"
                      for i, ex in enumerate(EXAMPLES) if batch[i::len(EXAMPLES)]))  # fmt: skip
            print("\nphase timing (warm engine):")
            show_phases("unit workbook", [phases(unit, out, engine) for _ in range(3)])
            show_phases("small workbooks", [phases(p, out, engine) for p in small[:8]])

        # The same phases with JX_ functions not served (#NAME?): the cost of the UDF bridge.
        with Engine() as bare:
            print("\nphase timing, engine WITHOUT serve_functions (JX_ cells give #NAME?):")
            show_phases("unit workbook", [phases(unit, out, bare, serve=False) for _ in range(3)])
            show_phases("small workbooks", [phases(p, out, bare, serve=False) for p in small[:8]])

        n = min(args.cold_small, len(small))
        print(f"\n(4) cold: {n} of the small workbooks, engine=None each")
        cold_small = [timed(recalculate, p, tmp / f"cold-{p.name}")[0] for p in small[:n]]
        print(f"  {', '.join(f'{s:.3f}' for s in cold_small)} s; "
              f"mean {statistics.mean(cold_small):.3f} s, median {statistics.median(cold_small):.3f} s; "
              f"extrapolated to {len(small)}: {statistics.mean(cold_small) * len(small):.1f} s "
              f"(warm batch {total:.1f} s)")  # fmt: skip

        small_med = statistics.median(batch)
        print(f"\ngoal: warm < {GOAL} s per workbook")
        print(
            f"  small workbooks: median {small_med:.3f} s -> {'met' if small_med < GOAL else 'NOT met'}"
        )
        print(f"  {args.projects}-project unit workbook: median {warm_unit:.3f} s -> "
              f"{'met' if warm_unit < GOAL else 'NOT met'}")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
