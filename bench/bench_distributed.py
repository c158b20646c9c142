"""The per-file check mapped by Dask and by Ray, next to the standard library's process pool
and a plain serial loop: the README's snippets, run as written, on the workbooks
bench_review.py generates (the examples and their variants, every file's bytes its own).

For each engine: the wall time, files per second, and whether every result equals the serial
loop's (the same dicts, in the same order). Neither Dask nor Ray is a dependency of jixiao:
install them beside it to run this (``pip install "dask[bag]" ray``). Both engines start
their own workers; their start-up is inside the time, as a user would see it.

Run from the repository root:  python bench/bench_distributed.py [--files 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_review import generate

from jixiao.app.review import review_file

Results = list[dict[str, Any]]


def serial(paths: list[str], workers: int) -> Results:
    return [review_file(p) for p in paths]


def pool(paths: list[str], workers: int) -> Results:
    with ProcessPoolExecutor(workers) as executor:
        return list(executor.map(review_file, paths))


def dask_bag(paths: list[str], workers: int) -> Results:
    import dask  # noqa: PLC0415  (optional)
    import dask.bag as db  # noqa: PLC0415

    # The README's snippet; processes, as Dask's bag scheduler uses by default.
    with dask.config.set(scheduler="processes", num_workers=workers):
        return db.from_sequence(paths, npartitions=200).map(review_file).compute()


def ray_tasks(paths: list[str], workers: int) -> Results:
    import ray  # noqa: PLC0415  (optional)

    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        # The README's snippet: one remote function, one task per file.
        check = ray.remote(review_file)
        return ray.get([check.remote(p) for p in paths])
    finally:
        ray.shutdown()


ENGINES: dict[str, Callable[[list[str], int], Results]] = {
    "serial": serial,
    "ProcessPoolExecutor": pool,
    "dask.bag": dask_bag,
    "ray": ray_tasks,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {args.files} files, {args.workers} workers")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmp:
        paths = [str(p) for p in generate(Path(tmp), args.files)]
        expected: Results | None = None
        for name, engine in ENGINES.items():
            start = time.perf_counter()
            try:
                got = engine(paths, args.workers)
            except ImportError as e:
                print(f"{name:20} not installed ({e.name})")
                continue
            seconds = time.perf_counter() - start
            if expected is None:
                expected = got
            same = "same results as serial" if got == expected else "RESULTS DIFFER"
            forms = sum(len(r.get("forms", [])) for r in got)
            print(f"{name:20} {seconds:6.2f} s  {len(paths) / seconds:6.1f} files/s  "
                  f"{forms} forms  {same}")  # fmt: skip
            if got != expected:
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
