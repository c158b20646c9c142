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

review and calamine runs alternate (review, read, review, read …) so both see the same load
from whatever else the machine runs; the 1-minute load average before and after each size is
printed. Besides: the time of writing the summary workbook alone (from the results of one
untimed run; a run writes most of it — 问题明细 — while the files are checked, so only the
small sheets are left after the last file), and the pure per-file function
(``review_file``) serially in one process — milliseconds per file, i.e. what one core does
for Dask, Ray or a worker.

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

# The pure per-file function, serially in one process (what a worker, or a Dask/Ray task,
# spends on a file): milliseconds per file over the first files, after a few warm-up ones.
PER_FILE = """
import sys, time
from pathlib import Path
from jixiao.app.review import review_file
files = sorted(Path(sys.argv[1]).rglob("*.xlsm"))[: int(sys.argv[2])]
for path in files[:5]:
    review_file(path)
start = time.perf_counter()
for path in files:
    review_file(path)
print((time.perf_counter() - start) / len(files) * 1000)
"""

# Writing the summary workbook from a run's results (the --json output), timed alone.
WRITE = """
import json, sys, time
from pathlib import Path
from jixiao.app.inbox import collect
from jixiao.app.review_book import build_tables, write_xlsx
results = json.loads(Path(sys.argv[1]).read_text("utf-8"))["files"]
items = {i.name: i for i in collect([sys.argv[2]]).items}
start = time.perf_counter()
tables = build_tables(results, [items.get(r["file"]) for r in results])
write_xlsx(Path(sys.argv[3]), tables, Path(sys.argv[3]).parent, {})
print(time.perf_counter() - start)
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
    cpu_ticks: dict[int, int] = field(default_factory=dict)  # pid -> utime + stime, last seen

    @property
    def cpu_seconds(self) -> float:
        """CPU time of the process and its descendants (user + system): what the run costs
        whatever else the machine is doing."""
        return sum(self.cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")

    @property
    def main_cpu_seconds(self) -> float:
        """CPU time of the main process alone (finding the files, collecting the results,
        writing the summary)."""
        ticks = sum(t for pid, t in self.cpu_ticks.items() if self.roles.get(pid) == "main")
        return ticks / os.sysconf("SC_CLK_TCK")


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


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
    cpu: dict[int, int] = {}
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
                ticks = _ticks(pid)
                if ticks is not None:
                    cpu[pid] = max(cpu.get(pid, 0), ticks)
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
    seconds = time.perf_counter() - start
    return Watched(seconds, proc.returncode, stdout, stderr, peak, roles, cpu)


def review(folder: Path, out: Path, jobs: int) -> Watched:
    command = [sys.executable, "-m", "jixiao", "review", str(folder), "-o", str(out)]
    run = watch([*command, "--no-cache", "-j", str(jobs)])
    if run.returncode not in (0, 1, 2):
        raise SystemExit(f"jixiao review failed ({run.returncode}): {run.stderr[-2000:]}")
    return run


def per_file_ms(folder: Path, n: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", PER_FILE, str(folder), str(n)],
        capture_output=True, text=True, cwd=REPO, check=True,
    )  # fmt: skip
    return float(done.stdout.strip())


def write_seconds(folder: Path, scratch: Path) -> float:
    """The summary workbook of ``folder`` written from its results (checked once, untimed)."""
    results = scratch / "results.json"
    subprocess.run(
        [sys.executable, "-m", "jixiao", "review", str(folder), "--json", str(results),
         "--no-cache"],
        capture_output=True, cwd=REPO,
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", WRITE, str(results), str(folder), str(scratch / "write.xlsx")],
        capture_output=True, text=True, cwd=REPO, check=True,
    )  # fmt: skip
    return float(done.stdout.strip())


def calamine(folder: Path) -> Watched:
    run = watch([sys.executable, "-c", CALAMINE_READ, str(folder)])
    if run.returncode != 0:
        raise SystemExit(f"python-calamine read failed: {run.stderr[-2000:]}")
    return run


# ---- the report --------------------------------------------------------------------------------


def mb(kb: int) -> str:
    return f"{kb / 1024:.1f} MB"


def growth(peaks: dict[int, int]) -> str:
    """How the main process's peak grows with N: KB per file, from the smallest N to the
    largest (flat: the results are not held in memory; what is left per file is its name,
    where its result is on disk, and its forms' 汇总 rows)."""
    low, high = min(peaks), max(peaks)
    if low == high:
        return ""
    per_file = (peaks[high] - peaks[low]) / (high - low)
    return (
        f"主进程峰值随文件数的增长：N={low}→{high} 每个文件 {per_file:.2f} KB"
        f"（{mb(peaks[low])} → {mb(peaks[high])}）"
    )


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
            f"{'主进程峰值':>10} {'工作进程峰值':>12} {'工作进程数':>10} {'写汇总秒':>8} {'负载':>10}"
        )
        print(header)
        main_peaks: dict[int, int] = {}
        for n in sizes:
            where = subset(folder, files, n)
            before = os.getloadavg()[0]
            reviews, reads = [], []
            for _ in range(args.repeat):  # alternately, so both see the same load
                reviews.append(review(where, folder / f"out-{n}.xlsx", args.jobs))
                reads.append(calamine(where))
            after = os.getloadavg()[0]
            r = statistics.median(w.seconds for w in reviews)
            c = statistics.median(w.seconds for w in reads)
            r_cpu = statistics.median(w.cpu_seconds for w in reviews)
            r_main = statistics.median(w.main_cpu_seconds for w in reviews)
            c_cpu = statistics.median(w.cpu_seconds for w in reads)
            ratios = sorted(a.seconds / b.seconds for a, b in zip(reviews, reads, strict=True))
            main_peak = max(
                kb for w in reviews for pid, kb in w.peak_kb.items() if w.roles.get(pid) == "main"
            )
            main_peaks[n] = main_peak
            workers = [
                kb for w in reviews for pid, kb in w.peak_kb.items() if w.roles.get(pid) == "worker"
            ]
            per_run = max(
                sum(1 for pid in w.peak_kb if w.roles.get(pid) == "worker") for w in reviews
            )
            write = write_seconds(where, folder)
            print(
                f"{n:>6} {r:>10.2f} {c:>12.2f} {r / c:>6.2f} {n / r / args.jobs:>9.1f} "
                f"{mb(main_peak):>10} {mb(max(workers, default=0)):>12} {per_run:>10} "
                f"{write:>8.2f} {before:>4.1f}→{after:<4.1f}"
            )
            print(
                f"       每次运行的倍数：{', '.join(f'{x:.2f}' for x in ratios)}；review 各次 "
                f"{', '.join(f'{w.seconds:.1f}' for w in reviews)} 秒，calamine 各次 "
                f"{', '.join(f'{w.seconds:.1f}' for w in reads)} 秒"
            )
            print(
                f"       CPU 时间（全部进程，用户+系统，中位数）：review {r_cpu:.1f} 秒（其中主进程 "
                f"{r_main:.1f} 秒），calamine "
                f"{c_cpu:.1f} 秒，之比 {r_cpu / c_cpu:.2f}；review 在 {args.jobs} 个空闲核上约需 "
                f"{r_cpu / args.jobs:.1f} 秒（CPU 时间 ÷ 核数），即 calamine CPU 时间的 "
                f"{r_cpu / args.jobs / c_cpu:.2f} 倍"
            )
        print()
        if line := growth(main_peaks):
            print(line)
        ms = per_file_ms(folder / "all", min(200, max(sizes)))
        print(
            f"单个文件（review_file，一个进程内串行，{min(200, max(sizes))} 个文件）：每个 {ms:.1f} 毫秒，"
            f"即每核每秒 {1000 / ms:.0f} 个"
        )
        print()
        print(
            "review：整个进程（启动、找文件、检查、写汇总工作簿），--no-cache；calamine：同一批文件"
            "逐个读出全部单元格（一个进程，不做检查），与 review 交替运行；倍数 = review ÷ calamine（中位数）。"
            "峰值为 /proc 中的 VmHWM，每 20 毫秒采样一次。写汇总秒：由这批结果写出汇总工作簿（单独计时）。"
            "负载：这一规模测量前后的 1 分钟平均负载。"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
