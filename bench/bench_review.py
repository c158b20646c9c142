"""Benchmark ``jixiao review``: whole-process time on N single-form workbooks, next to a
serial python-calamine read of the same files, and the peak memory of the main process and
of each worker for several N (it should stay flat as N grows).

The workbooks: the examples in examples/*.json and a variant of each (other amounts and
scores), imported into standard workbooks once (``jixiao import``), then copied to N files
whose bytes all differ (each copy's zip comment names it), so no cache and no identical-file
shortcut can help; ``review`` runs with ``--no-cache`` anyway. Generation is not timed.

Measured, each the median of ``--repeat`` runs:

- ``jixiao review DIR -o out.xlsx --no-cache -j J`` as a user runs it (a new process: startup,
  finding the files, checking them on J workers, writing the summary workbook);
- a serial python-calamine read of every sheet of the same files in a new process (the
  fastest way a script reads the values of these workbooks, checking nothing): the ratio
  says what checking and summarising costs over reading alone;
- files per second per worker; the peak resident memory (VmHWM) of the main process and
  of each worker, sampled from /proc while the run lasts (Linux).

Run from the repository root:  python bench/bench_review.py [--sizes 250,500,1000] [--jobs 2]
[--repeat 3] [--keep DIR]. The lead records the numbers on an idle machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

CALAMINE_READ = """
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
cells = 0
for path in sorted(Path(sys.argv[1]).rglob("*.xlsm")):
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
print(cells)
"""


# ---- the workbooks -----------------------------------------------------------------------------


def variant(data: dict[str, Any], k: int) -> dict[str, Any]:
    """Another unit's form: other amounts, a lower score, its own name."""
    data = copy.deepcopy(data)
    budget = data.get("预算执行", {})
    if isinstance(budget.get("全年执行数"), int | float):
        budget["全年执行数"] = round(budget["全年执行数"] * 0.8, 2)
    for row in data.get("绩效指标", [])[:2]:
        if isinstance(row, dict) and isinstance(row.get("得分"), int | float):
            row["得分"] = max(0, row["得分"] - 1)
    data["单位名称"] = f"{data.get('单位名称', '')}（变体{k}）"
    return data


def seeds(folder: Path) -> list[Path]:
    """The examples and a variant of each, imported into standard workbooks."""
    out = []
    for k, src in enumerate(sorted(EXAMPLES.glob("*.json"))):
        data = json.loads(src.read_text("utf-8"))
        for tag, form in (("", data), ("_变体", variant(data, k))):
            form_path = folder / f"{src.stem}{tag}.json"
            form_path.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
            book = folder / f"{src.stem}{tag}.xlsm"
            done = subprocess.run(
                [sys.executable, "-m", "jixiao", "import", str(form_path), "-o", str(book)],
                capture_output=True,
                text=True,
                cwd=REPO,
            )
            if done.returncode != 0:
                raise SystemExit(f"jixiao import failed: {done.stderr}")
            out.append(book)
    return out


def generate(folder: Path, n: int) -> list[Path]:
    """N workbooks in unit folders of 20, every file's bytes its own."""
    seed_dir = folder / "seeds"
    seed_dir.mkdir(parents=True)
    books = seeds(seed_dir)
    files = []
    for k in range(n):
        target = folder / "all" / f"单位{k // 20 + 1:03d}" / f"自评表{k + 1:05d}.xlsm"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(books[k % len(books)], target)
        with zipfile.ZipFile(target, "a") as zf:
            zf.comment = f"copy {k + 1}".encode()
        files.append(target)
    return files


def subset(folder: Path, files: list[Path], n: int) -> Path:
    """The first N files in a folder of their own (hard links: no copying)."""
    out = folder / f"n{n}"
    for path in files[:n]:
        target = out / path.relative_to(folder / "all")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return out


# ---- running and watching a process ------------------------------------------------------------


@dataclass
class Watched:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_kb: dict[int, int] = field(default_factory=dict)  # pid -> VmHWM
    roles: dict[int, str] = field(default_factory=dict)  # pid -> main / server / worker


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _children(pid: int) -> list[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    out: list[int] = []
    for task in tasks:
        try:
            out += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except (OSError, ValueError):
            continue
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def watch(command: list[str], interval: float = 0.02) -> Watched:
    """Run ``command``, sampling the high-water mark of its memory and its descendants'."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak: dict[int, int] = {}
    roles: dict[int, str] = {proc.pid: "main"}
    can_watch = Path("/proc/self/status").exists()
    while proc.poll() is None:
        if can_watch:
            todo = [proc.pid]
            while todo:
                pid = todo.pop()
                hwm = _status(pid).get("VmHWM", "").split()
                if hwm:
                    peak[pid] = max(peak.get(pid, 0), int(hwm[0]))
                for child in _children(pid):
                    if child not in roles:
                        line = _cmdline(child)
                        if "resource_tracker" in line:
                            roles[child] = "tracker"
                        elif "forkserver" in line and roles.get(pid) == "main":
                            roles[child] = "server"
                        else:
                            roles[child] = "worker"
                    todo.append(child)
        time.sleep(interval)
    stdout, stderr = proc.communicate()
    return Watched(time.perf_counter() - start, proc.returncode, stdout, stderr, peak, roles)


def review(folder: Path, out: Path, jobs: int) -> Watched:
    command = [sys.executable, "-m", "jixiao", "review", str(folder), "-o", str(out)]
    run = watch([*command, "--no-cache", "-j", str(jobs)])
    if run.returncode not in (0, 1, 2):
        raise SystemExit(f"jixiao review failed ({run.returncode}): {run.stderr[-2000:]}")
    return run


def calamine(folder: Path) -> Watched:
    run = watch([sys.executable, "-c", CALAMINE_READ, str(folder)])
    if run.returncode != 0:
        raise SystemExit(f"python-calamine read failed: {run.stderr[-2000:]}")
    return run


# ---- the report --------------------------------------------------------------------------------


def mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="250,500,1000", help="numbers of files, e.g. 250,500,1000"
    )
    parser.add_argument("--jobs", type=int, default=2, help="review -j (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})

    folder = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-bench-review-"))
    try:
        t = time.perf_counter()
        files = generate(folder, max(sizes))
        print(f"生成 {len(files)} 个工作簿：{time.perf_counter() - t:.1f} 秒（不计入）")
        print(
            f"Python {platform.python_version()}，{platform.machine()}，CPU 核数 {os.cpu_count()}"
        )
        print()
        header = (
            f"{'N':>6} {'review 秒':>10} {'calamine 秒':>12} {'倍数':>6} {'个/秒/核':>9} "
            f"{'主进程峰值':>10} {'工作进程峰值':>12} {'工作进程数':>10}"
        )
        print(header)
        for n in sizes:
            where = subset(folder, files, n)
            reviews = [
                review(where, folder / f"out-{n}.xlsx", args.jobs) for _ in range(args.repeat)
            ]
            reads = [calamine(where) for _ in range(args.repeat)]
            r = statistics.median(w.seconds for w in reviews)
            c = statistics.median(w.seconds for w in reads)
            main_peak = max(
                kb for w in reviews for pid, kb in w.peak_kb.items() if w.roles.get(pid) == "main"
            )
            workers = [
                kb for w in reviews for pid, kb in w.peak_kb.items() if w.roles.get(pid) == "worker"
            ]
            per_run = max(
                sum(1 for pid in w.peak_kb if w.roles.get(pid) == "worker") for w in reviews
            )
            print(
                f"{n:>6} {r:>10.2f} {c:>12.2f} {r / c:>6.1f} {n / r / args.jobs:>9.1f} "
                f"{mb(main_peak):>10} {mb(max(workers, default=0)):>12} {per_run:>10}"
            )
        print()
        print(
            "review：整个进程（启动、找文件、检查、写汇总工作簿），--no-cache；calamine：同一批文件"
            "逐个读出全部单元格（一个进程，不做检查）。峰值为 /proc 中的 VmHWM，每 20 毫秒采样一次。"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
