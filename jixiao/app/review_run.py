"""Check a batch of files on every core: a process pool, the cache, and Ctrl-C.

The main process walks the batch in order: it hashes each file, takes a stored result from
the cache where there is one, and hands the rest to worker processes
(:func:`jixiao.app.review.review_item_record` — a pure function of the file, its result
sent back compressed). At most a few files
per worker are in flight, so memory stays flat however large the batch; each worker is
replaced after :data:`TASKS_PER_WORKER` files, so whatever a worker accumulates (memoised
texts, fragmented heaps) is returned to the system. Results are stored in the cache the
moment they arrive: an interrupted run keeps everything finished so far. For the outputs
they go to a :class:`ResultFile` on disk, not into a list: the main process holds no
file's result once it has arrived, so its memory stays flat too.

A worker that dies outright (killed for memory, a crash in a C library) breaks the pool;
the files it may have been working on are then run one by one in a fresh worker each, so
the one that kills its worker is listed as an internal error and the rest go on.

Ctrl-C: the workers ignore SIGINT (the terminal sends it to the whole process group); the
main process stops them at once and raises :class:`Interrupted` with what was finished.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.util
import os
import signal
import tempfile
import threading
import time
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures import process as pool_process
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from jixiao.app.review import (
    INTERNAL,
    OK,
    UNREADABLE,
    Item,
    from_record,
    record,
    remove_temporary_copies,
    review_item_record,
    sha256_of,
)
from jixiao.app.review import internal as internal_result
from jixiao.app.review import unreadable as unreadable_result
from jixiao.app.review_cache import ReviewCache
from jixiao.core.errors import InputError
from jixiao.core.profile import Profile

__all__ = ["Interrupted", "ResultFile", "RunStats", "default_jobs", "run_review", "start_early"]

TASKS_PER_WORKER = 200  # files a worker checks before a fresh one takes its place
IN_FLIGHT_PER_WORKER = 4  # files queued per worker: enough to keep it busy, no more

Progress = Callable[[bool], None]  # called once per finished file; True: from the cache


class ResultFile:
    """Every file's result of a run, kept on disk until the outputs are written from it,
    so that the main process holds none of them: a large batch's results run to hundreds
    of megabytes as Python objects.

    Each result is a record: compact JSON, compressed (a few KB become about one), appended
    to an anonymous temporary file (in TMPDIR) that the system removes when it is closed or
    the process ends, however it ends — Ctrl-C and crashes included. In memory: where each
    record is, 16 bytes a file. Records are read back one at a time, by index, as often as
    the outputs need them; a result read back equals the result stored (results are JSON
    already)."""

    def __init__(self, size: int) -> None:
        self._file = tempfile.TemporaryFile(prefix="jixiao-review-")
        self._start = array("q", [-1]) * size  # where each record starts; -1: none yet
        self._length = array("q", [0]) * size

    def __len__(self) -> int:
        return len(self._start)

    def __contains__(self, index: object) -> bool:
        """Whether the result of item ``index`` is stored."""
        return isinstance(index, int) and 0 <= index < len(self._start) and self._start[index] >= 0

    def put(self, index: int, result: dict[str, Any]) -> None:
        self.put_record(index, record(result))

    def put_record(self, index: int, data: bytes) -> None:
        """Store a result as a :func:`~jixiao.app.review.record` (as a worker sends it)."""
        self._file.seek(0, os.SEEK_END)
        self._start[index] = self._file.tell()
        self._length[index] = len(data)
        self._file.write(data)

    def __getitem__(self, index: int) -> dict[str, Any]:
        start = self._start[index]
        if start < 0:
            raise LookupError(f"no result stored for item {index}")
        self._file.seek(start)
        return from_record(self._file.read(self._length[index]))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The results in the order of the items (each read when it is reached)."""
        return (self[k] for k in range(len(self)))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ResultFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


@dataclass
class RunStats:
    total: int = 0
    from_cache: int = 0  # results taken from the cache
    checked: int = 0  # files checked in this run
    stored: int = 0  # results of this run stored in the cache

    @property
    def done(self) -> int:
        return self.from_cache + self.checked


class Interrupted(Exception):
    """Ctrl-C: the workers are stopped; ``stats`` says what was finished and kept."""

    def __init__(self, stats: RunStats) -> None:
        super().__init__("interrupted")
        self.stats = stats


def default_jobs() -> int:
    return os.cpu_count() or 1


def start_early() -> None:
    """Start the server the workers are forked from (where there is one, see
    :func:`_context`) now rather than at the first file: it loads jixiao's readers while the
    main process is still finding the files."""
    _start_server()


def _start_server() -> None:
    """Start the fork server unless it is running, with its standard error (and so its
    workers') on the null device: Python 3.11's server dies with a traceback there when a
    pool being torn down drops a connection it opened (EOFError in its loop; the next
    pool starts a new server). Workers send every failure back as a result, and a worker
    that dies is reported by the main process, so nothing a user needs is written there."""
    if _context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver  # noqa: PLC0415  (POSIX only)

    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)  # inherited by the server when it starts here
        forkserver.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def run_review(
    items: Sequence[Item],
    profile: Profile | None,
    *,
    jobs: int | None = None,
    cache: ReviewCache,
    results: ResultFile,
    progress: Progress | None = None,
) -> RunStats:
    """Check every item; its result goes to ``results`` under its index in ``items``."""
    stats = RunStats(total=len(items))
    jobs = max(1, jobs or default_jobs())
    runner = _Runner(items, profile, jobs, cache, results, stats, progress)
    try:
        runner.run()
    except KeyboardInterrupt:
        # The process ends now: a pool thread that was writing to a worker when its pipe
        # closed would print a traceback (multiprocessing stays quiet once it is exiting).
        multiprocessing.util._exiting = True  # type: ignore[attr-defined]
        runner.stop()
        # Set, it also skips multiprocessing's own clean-up at exit: its finalizers run now
        # (they remove the fork server's socket folder from TMPDIR).
        multiprocessing.util._run_finalizers()  # type: ignore[attr-defined]
        raise Interrupted(stats) from None
    finally:
        runner.stop()
    return stats


# ---- the worker side -------------------------------------------------------------------------


def _start_worker() -> None:
    # Ctrl-C reaches every process of the terminal's group: the main process decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The main process stops its workers with SIGTERM (Ctrl-C, a broken pool): one in the
    # middle of a zip member leaves no copy of it in the temporary folder.
    signal.signal(signal.SIGTERM, _stopped)
    # What the worker starts with (jixiao's modules, loaded once in the server it is forked
    # from) lives as long as the worker: the garbage collector need not go through it again
    # and again (about 1% of a file's time), nor touch its pages shared with the server.
    gc.freeze()


def _stopped(signum: int, frame: object) -> None:
    remove_temporary_copies()
    os._exit(128 + signum)  # as the signal's default would end it, minus the leftovers


def _job(item: Item, data: bytes | None, profile: Profile | None) -> tuple[str, bytes]:
    """A worker's task: the file's status and its result as a record (compressed JSON, a
    few KB: no dict to pickle here and unpickle there). A zip member comes as the bytes the
    main process unpacked (and hashed) already; a file is read by the worker."""
    return review_item_record(item, data, profile)


# ---- the main side ---------------------------------------------------------------------------


@dataclass
class _Job:
    index: int
    item: Item
    key: str
    data: bytes | None


class _Runner:
    def __init__(
        self,
        items: Sequence[Item],
        profile: Profile | None,
        jobs: int,
        cache: ReviewCache,
        results: ResultFile,
        stats: RunStats,
        progress: Progress | None,
    ) -> None:
        self.items, self.profile, self.jobs = items, profile, jobs
        self.cache, self.results, self.stats, self.progress = cache, results, stats, progress
        self.pool: ProcessPoolExecutor | None = None
        self.running: dict[Future[tuple[str, bytes]], _Job] = {}

    def run(self) -> None:
        window = self.jobs * IN_FLIGHT_PER_WORKER
        pending = self._jobs()
        for job in pending:
            self._submit(job)
            while len(self.running) >= window:
                self._collect()
        while self.running:
            self._collect()

    def _jobs(self) -> Iterator[_Job]:
        """The items still to check, in order; the others are answered here (from the cache,
        or unreadable before any checking)."""
        for index, item in enumerate(self.items):
            if not self.cache.enabled:  # no key needed: the worker reads the file itself
                yield _Job(index, item, "", None)
                continue
            try:
                digest, data = sha256_of(item)
            except InputError as e:
                self._finish(index, unreadable_result(item.name, e), cached=False)
                continue
            except Exception as e:  # the batch goes on
                self._finish(index, internal_result(item.name, e), cached=False)
                continue
            key = self.cache.key(item.name, digest)
            stored = self.cache.get(key)
            if stored is not None and stored.get("file") == item.name:
                self._finish(index, stored, cached=True)
                continue
            yield _Job(index, item, key, data)

    def _submit(self, job: _Job) -> None:
        while True:
            if self.pool is None:
                self.pool = self._new_pool(self.jobs)
            try:
                future = self.pool.submit(_job, job.item, job.data, self.profile)
            except (BrokenProcessPool, OSError):
                # A worker died since the last look: sort that out first. OSError ("handle is
                # closed"): CPython's executor can close its wake-up pipe before it marks
                # itself broken, and submit then fails on the pipe instead.
                self._recover([])
                continue
            self.running[future] = job
            return

    def _collect(self) -> None:
        done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
        broken: list[_Job] = []
        for future in done:
            job = self.running.pop(future)
            try:
                status, data = future.result()
            except BrokenProcessPool:
                broken.append(job)
                continue
            self._done(job, status, data)
        if broken:
            self._recover(broken)

    def _recover(self, broken: list[_Job]) -> None:
        """The pool broke: every file in flight is a suspect. Check each alone in a fresh
        worker; the one whose worker dies again is reported, the others are checked."""
        suspects = broken + list(self.running.values())
        self.running.clear()
        self._kill(self.pool)
        self.pool = None
        for job in sorted(suspects, key=lambda j: j.index):
            alone = self._new_pool(1)
            try:
                status, data = self._submit_alone(alone, job).result()
            except BrokenProcessPool:
                died = {
                    "file": job.item.name,
                    "status": INTERNAL,
                    "message": f"文件 {job.item.name}：{_DIED}",
                    "reason": _DIED,
                }
                status, data = INTERNAL, record(died)
            finally:
                self._kill(alone)
            self._done(job, status, data)

    def _submit_alone(self, alone: ProcessPoolExecutor, job: _Job) -> Future[tuple[str, bytes]]:
        # Python 3.11's fork server dies when a pool that is being torn down opened a
        # connection to it and closed it unused (EOFError in its loop); a connection made
        # while it exits is refused. ensure_running() starts a new one once it is gone.
        for attempt in range(_RETRIES):
            try:
                return alone.submit(_job, job.item, job.data, self.profile)
            except (ConnectionError, EOFError):
                if attempt == _RETRIES - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def _done(self, job: _Job, status: str, data: bytes) -> None:
        if (
            status in (OK, UNREADABLE)
            and self.cache.enabled
            and self.cache.put(job.key, zlib.decompress(data))
        ):
            self.stats.stored += 1
        self.results.put_record(job.index, data)
        self._counted(cached=False)

    def _finish(self, index: int, result: dict[str, Any], *, cached: bool) -> None:
        self.results.put(index, result)
        self._counted(cached=cached)

    def _counted(self, *, cached: bool) -> None:
        if cached:
            self.stats.from_cache += 1
        else:
            self.stats.checked += 1
        if self.progress is not None:
            self.progress(cached)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        _start_server()  # a new one, quiet, if the last one died
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_context(),
            initializer=_start_worker,
            max_tasks_per_child=TASKS_PER_WORKER,
        )

    def stop(self) -> None:
        """Stop the workers now (nothing waits for the files in flight)."""
        self.running.clear()
        self._kill(self.pool)
        self.pool = None

    @staticmethod
    def _kill(pool: ProcessPoolExecutor | None) -> None:
        if pool is None:
            return
        _quiet_pool_threads()
        # The executor has no public way to stop its workers before Python 3.14
        # (terminate_workers); its process table is the one handle there is.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            if process.is_alive():
                process.terminate()
        with contextlib.suppress(OSError):  # a broken pool's wake-up pipe may be closed
            pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)


_HOOK_BEFORE: list[Callable[[threading.ExceptHookArgs], object]] = []


def _quiet_pool_threads() -> None:
    """From now on a pool's manager thread that trips over a pipe while we stop its workers
    says nothing. Python 3.11's ``terminate_broken`` closes the call queue's reader that the
    shutdown may have closed already (EBADF, about one Ctrl-C in six here): nothing is lost,
    but its traceback would reach the terminal. Other threads' errors are shown as before."""
    if threading.excepthook is not _pool_thread_hook:
        _HOOK_BEFORE[:] = [threading.excepthook]
        threading.excepthook = _pool_thread_hook


def _pool_thread_hook(args: threading.ExceptHookArgs) -> None:
    manager = getattr(pool_process, "_ExecutorManagerThread", ())
    if isinstance(args.thread, manager) and issubclass(args.exc_type, OSError):
        return
    _HOOK_BEFORE[0](args)


_RETRIES = 5

_DIED = (
    "检查这个文件时工作进程意外退出（可能是内存不足或文件使读取程序崩溃）：请单独用 "
    "jixiao validate 检查它，或把文件发给开发者"
)


def _context() -> multiprocessing.context.BaseContext:
    """Forkserver where there is one (Linux, macOS): each worker is forked from a server
    that has jixiao's readers loaded already, so starting or replacing a worker costs
    milliseconds; elsewhere (Windows) spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # The reader of .xlsx/.xlsm files is loaded when the first one comes up (formats.files):
        # loaded here instead, every worker has it from the start.
        ctx.set_forkserver_preload([__name__, "jixiao.formats.xlsx_grid"])
        return ctx
    return multiprocessing.get_context("spawn")
