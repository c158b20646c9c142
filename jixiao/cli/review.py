"""``jixiao review``: a finance bureau's batch — folders, zips, files — checked on every core,
summarised in one workbook (and CSV, JSON) that says which forms are wrong and where.

Nothing is written until every file is done: the outputs go to temporary files beside
their targets and are renamed into place at the end, so Ctrl-C (or a crash) never leaves a
half-written summary. Results are kept in a cache as they arrive; a re-run takes them from
there and checks only the files that are new or changed.

Memory stays flat however many files: each result goes to a temporary file as it arrives
(:class:`~jixiao.app.review_run.ResultFile`), and the outputs are written from there, one
file's result at a time, in the files' name order.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import importlib
import os
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from jixiao import __version__
from jixiao.app.inbox import Inbox, collect, natural_key
from jixiao.app.review import UNREADABLE, Item
from jixiao.app.review_cache import ReviewCache, default_cache_dir
from jixiao.app.review_run import (
    Interrupted,
    ResultFile,
    RunStats,
    default_jobs,
    run_review,
    start_early,
)
from jixiao.cli.common import EXIT_ERRORS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK
from jixiao.core.errors import InputError
from jixiao.core.profile import load_profile

if TYPE_CHECKING:  # loaded when needed: see review()
    from jixiao.app.review_book import SummaryBook, TableBuilder, Tables

EXIT_INTERRUPTED = 130
T = TypeVar("T")
_BOOK = "jixiao.app.review_book"  # loaded when needed: see review()


def review(args: argparse.Namespace) -> int:
    started = time.monotonic()
    targets = _targets(args)
    profile = load_profile(args.profile) if args.profile is not None else None
    jobs = args.jobs if args.jobs is not None else default_jobs()
    if jobs < 1:
        raise InputError("-j/--jobs 应为正整数（同时运行的进程数）")
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    cache_dir = _usable(cache_dir)
    start_early()  # the workers' server loads the readers while the files are found
    inbox = collect(args.paths, exclude=[*targets.values(), *([cache_dir] if cache_dir else [])])
    if not inbox.items and not inbox.broken:
        raise InputError(
            "没有找到自评表文件：review 检查文件夹（含子文件夹）和 .zip 压缩包中的工作簿"
            "（.xlsx/.xlsm/.xls）、Word 文档（.docx）和 JSON 表单"
        )
    cache = ReviewCache(cache_dir, profile)
    # The summary's libraries (pandas, XlsxWriter: a second or so to load) load while the
    # workers check the files, not before.
    loading = threading.Thread(target=importlib.import_module, args=(_BOOK,), daemon=True)
    loading.start()
    meta = {"jixiao": __version__, "profile": args.profile}
    with (
        _result_file(len(inbox.items)) as results,
        _Feed(_InOrder(inbox, results), loading, targets, meta) as feed,
    ):

        def finished(cached: bool) -> None:
            step(cached)
            feed.pump()  # what has arrived, in name order, to the tables and the workbook

        try:
            with _progress(len(inbox.items)) as step:
                stats = run_review(
                    inbox.items, profile, jobs=jobs, cache=cache, results=results, progress=finished
                )
        except Interrupted as stop:  # the progress bar is gone: say what was kept
            _say_interrupted(stop.stats, cache)
            return EXIT_INTERRUPTED
        loading.join()
        if sys.stderr.isatty():
            print("正在写出汇总……", file=sys.stderr, flush=True)
        try:
            tables, written = _write(targets, feed, meta)
        except KeyboardInterrupt:
            _say_interrupted(stats, cache, writing=True)
            return EXIT_INTERRUPTED
    _say_done(inbox, stats, tables, written, time.monotonic() - started, jobs, cache)
    return _exit_code(tables)


# ---- outputs ------------------------------------------------------------------------------------


def _targets(args: argparse.Namespace) -> dict[str, Path]:
    """Where the run writes: "xlsx", "json", and one entry per CSV table ("csv:汇总.csv")."""
    out: dict[str, Path] = {}
    if args.output is not None:
        if args.output.suffix.lower() != ".xlsx":
            raise InputError("汇总工作簿的扩展名应为 .xlsx", file=str(args.output))
        out["xlsx"] = args.output
    if args.json_out is not None:
        out["json"] = args.json_out
    if args.csv is not None:
        from jixiao.app.review_book import CSV_FILES  # noqa: PLC0415  (see review())

        if args.csv.exists() and not args.csv.is_dir():
            raise InputError("--csv 应给出一个文件夹（写入其中的 汇总.csv 等）", file=str(args.csv))
        for name in CSV_FILES:
            out[f"csv:{name}"] = args.csv / name
    if not out:
        raise InputError("请指定输出：-o 汇总.xlsx（汇总工作簿），和/或 --csv 文件夹、--json 文件")
    for key, path in out.items():
        folder = path.parent
        if key.startswith("csv:"):
            continue
        if not folder.is_dir():
            raise InputError("所在文件夹不存在", file=str(path))
    return out


def _write(
    targets: dict[str, Path], feed: _Feed, meta: dict[str, Any]
) -> tuple[Tables, list[Path]]:
    """Write every output to a temporary file beside its target, then rename them all into
    place; on any failure or interrupt, remove the temporary files and keep the old outputs.
    The summary workbook is written already but for its small sheets (see :class:`_Feed`);
    the JSON and CSV outputs read the results from disk again (a pass takes a fraction of a
    millisecond a file): no output needs them all in memory."""
    from jixiao.app.review_book import write_csv, write_json  # noqa: PLC0415  (see review())

    temps: dict[str, Path] = {}
    try:
        if any(k.startswith("csv:") for k in targets):
            next(p for k, p in targets.items() if k.startswith("csv:")).parent.mkdir(
                parents=True, exist_ok=True
            )
        temps = {key: _temp_beside(path) for key, path in targets.items()}
        tables = feed.tables()
        if feed.book is not None:
            feed.book.finish(tables)
        if "json" in targets:
            write_json(temps["json"], feed.batch.results(), meta, tables.totals)
        csv = {k.split(":", 1)[1]: p for k, p in temps.items() if k.startswith("csv:")}
        if csv:
            write_csv(csv, tables)
        for key, path in targets.items():
            try:
                os.replace(temps[key], path)
            except PermissionError:
                raise InputError(
                    "无法写入：文件可能正在 Excel 或 WPS 中打开，请关闭后重新运行", file=str(path)
                ) from None
        return tables, list(targets.values())
    finally:
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                tmp.unlink()


class _Feed:
    """The results in name order as they arrive, to the summary's tables and workbook while
    the run goes on: the workbook's largest sheet, 问题明细, is written by the time the last
    file is checked, rather than after it. (It starts once the summary's libraries are
    loaded — in a thread, while the first files are checked —; a result waits for those
    before it in name order; the first ones are read twice, see SummaryBook.) The workbook goes to its temporary name beside the target; nothing
    is there before it is finished, and on Ctrl-C or an error what it wrote so far (in
    TMPDIR) is removed."""

    def __init__(
        self,
        batch: _InOrder,
        loading: threading.Thread,
        targets: dict[str, Path],
        meta: dict[str, Any],
    ) -> None:
        self.batch, self._loading, self._targets, self._meta = batch, loading, targets, meta
        self.book: SummaryBook | None = None
        self._builder: TableBuilder | None = None
        self._next = 0  # the place in name order of the first result not fed yet

    def pump(self) -> None:
        """Feed every result that has arrived, up to the first one (in name order) still
        missing."""
        if self._builder is None:
            if self._loading.is_alive():
                return
            self._start()
        assert self._builder is not None
        batch, order = self.batch, self.batch.order
        book = self.book
        while self._next < len(order) and batch.arrived(order[self._next]):
            k = order[self._next]
            result = batch.result(k)
            self._builder.add(result, batch.item(k))
            if book is not None:
                if book.laid_out:
                    book.add(result)
                elif book.measure(result):
                    self._lay_out(self._next + 1)
            self._next += 1

    def tables(self) -> Tables:
        """The tables, once every result has arrived."""
        self.pump()
        assert self._builder is not None and self._next == len(self.batch.order)
        if self.book is not None and not self.book.laid_out:
            self._lay_out(self._next)
        return self._builder.tables(self.batch.results())

    def _lay_out(self, measured: int) -> None:
        """问题明细 laid out from the first ``measured`` results: they are written now (read
        from disk again), every later one as it comes."""
        assert self.book is not None
        self.book.lay_out()
        for place in range(measured):
            self.book.add(self.batch.result(self.batch.order[place]))

    def _start(self) -> None:
        from jixiao.app.review_book import SummaryBook, TableBuilder  # noqa: PLC0415  (see review())

        self._builder = TableBuilder()
        if "xlsx" in self._targets:
            target = self._targets["xlsx"]
            link_base = target.resolve().parent
            self.book = SummaryBook(_temp_beside(target), link_base, self._meta)

    def __enter__(self) -> _Feed:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.book is not None:
            self.book.abort()  # finished already, or nothing of it is kept


def _temp_beside(path: Path) -> Path:
    """A hidden temporary name in the target's folder (a rename there is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


# ---- results -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _result_file(size: int) -> Iterator[ResultFile]:
    try:
        results = ResultFile(size)
    except OSError as e:
        raise InputError(
            f"无法创建临时文件（{e.strerror or e}）：请检查临时文件夹（TMPDIR）是否可写、磁盘是否已满"
        ) from None
    with results:
        yield results


class _InOrder:
    """Every file of the batch in name order: the checked ones (their results read from
    the result file, one at a time) and the ones that could not even be opened (a damaged
    zip, a missing path). Each call of :meth:`results` is a new pass over them."""

    def __init__(self, inbox: Inbox, results: ResultFile) -> None:
        self.inbox, self._results = inbox, results
        # Both lists are sorted by name already (collect): merged rather than sorted again,
        # so no sort key of every name is held at once. On a tie the checked file comes
        # first, as a stable sort of the two lists one after the other puts it.
        # The order: k >= 0 the k-th item, k < 0 the (~k)-th broken one; 8 bytes a file.
        checked = ((k, item.name) for k, item in enumerate(inbox.items))
        broken = ((~k, item.name) for k, (item, _) in enumerate(inbox.broken))
        merged = heapq.merge(checked, broken, key=lambda pair: natural_key(pair[1]))
        self.order = array("q", (k for k, _ in merged))

    def results(self) -> _Pass[dict[str, Any]]:
        return _Pass(lambda: (self.result(k) for k in self.order))

    def items(self) -> _Pass[Item | None]:
        return _Pass(lambda: (self.item(k) for k in self.order))

    def arrived(self, k: int) -> bool:
        """Whether the result of ``k`` (a place in :attr:`order`'s terms) is there yet."""
        return k < 0 or k in self._results

    def result(self, k: int) -> dict[str, Any]:
        if k >= 0:
            return self._results[k]
        item, reason = self.inbox.broken[~k]
        return {
            "file": item.name,
            "status": UNREADABLE,
            "message": f"文件 {item.name}：{reason}",
            "reason": reason,
        }

    def item(self, k: int) -> Item | None:
        if k >= 0:
            return self.inbox.items[k]
        item = self.inbox.broken[~k][0]
        return item if item.path else None


class _Pass(Generic[T]):
    """A collection read anew on each iteration (what build_tables and the writers need
    of the results), from a function that starts a pass."""

    def __init__(self, start: Callable[[], Iterator[T]]) -> None:
        self._start = start

    def __iter__(self) -> Iterator[T]:
        return self._start()


def _exit_code(tables: Tables) -> int:
    """3 when jixiao failed on a file, else 2 when a file could not be read, else 1 when a
    form has an 错误, else 0 (as ``jixiao check``)."""
    if tables.failed:
        return EXIT_INTERNAL
    if tables.totals["未能读取"]:
        return EXIT_INPUT
    return EXIT_ERRORS if tables.errors else EXIT_OK


# ---- what the console shows ------------------------------------------------------------------------


def _usable(folder: Path | None) -> Path | None:
    """The cache folder, created if need be; None (with a note) where it cannot be."""
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        print(
            f"注意：缓存文件夹 {folder} 无法写入（{e.strerror or e}），本次不使用缓存",
            file=sys.stderr,
        )
        return None
    return folder


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[bool], None]]:
    """A progress bar (count, rate, time left) on a terminal; elsewhere a plain line now
    and then on stderr (every tenth of the batch, at most every few seconds)."""
    if sys.stderr.isatty() and total:
        with _rich_progress(total) as step:
            yield step
        return
    started = time.monotonic()
    state = {"done": 0, "shown": 0, "at": started}

    def step(cached: bool) -> None:
        state["done"] += 1
        done, now = state["done"], time.monotonic()
        tenth = done * 10 // max(total, 1)
        if done < total and (
            (tenth > state["shown"] and now - state["at"] >= 3) or now - state["at"] >= 60
        ):
            state["shown"], state["at"] = tenth, now
            rate = done / max(now - started, 1e-9)
            left = (total - done) / rate if rate else 0
            print(
                f"进度：{done}/{total}（{done * 100 // total}%），每秒 {rate:.1f} 个，"
                f"预计还需 {_duration(left)}",
                file=sys.stderr,
                flush=True,
            )

    yield step


@contextlib.contextmanager
def _rich_progress(total: int) -> Iterator[Callable[[bool], None]]:
    columns = (
        TextColumn("审核"),
        BarColumn(),
        MofNCompleteColumn(),
        _Rate(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("审核", total=total)
        yield lambda cached: bar.advance(task)


class _Rate(ProgressColumn):
    """Files per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"每秒 {speed:.1f} 个")


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{max(seconds, 0):.1f} 秒"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} 分 {s} 秒"
    hours, m = divmod(minutes, 60)
    return f"{hours} 小时 {m} 分"


def _say_interrupted(stats: RunStats, cache: ReviewCache, *, writing: bool = False) -> None:
    finished = f"已完成 {stats.done}/{stats.total} 个文件"
    if writing:
        finished = f"全部 {stats.total} 个文件已完成，正在写出汇总时被中断"
    if cache.enabled:
        kept = stats.from_cache + stats.stored
        again = (
            f"其中 {kept} 个的结果在缓存中（{cache.folder}）；再次运行同一命令，"
            "这些文件直接取自缓存，只检查其余的文件"
        )
    else:
        again = "未使用缓存（--no-cache），再次运行将重新检查全部文件"
    print(f"已中断：{finished}，{again}。没有写出任何汇总文件。", file=sys.stderr)


def _say_done(
    inbox: Inbox,
    stats: RunStats,
    tables: Tables,
    written: list[Path],
    seconds: float,
    jobs: int,
    cache: ReviewCache,
) -> None:
    t = tables.totals
    cached = f"（其中 {stats.from_cache} 个取自缓存）" if cache.enabled else "（未使用缓存）"
    bad = t["表数"] - t["可以提交"]
    failed = tables.failed
    inside = f"（其中 jixiao 内部错误 {failed} 个，见「未能读取」）" if failed else ""
    print(
        f"审核了 {t['文件数']} 个文件{cached}，共 {t['表数']} 张表："
        f"可以提交 {t['可以提交']} 张，存在错误 {bad} 张；未能读取 {t['未能读取']} 个文件{inside}。"
    )
    problems = "，".join(f"{k} {v} 条" for k, v in t["问题"].items())
    print(f"问题：{problems}。")
    if t["未校验的工作表"]:
        tables_written = any(p.suffix.lower() in (".xlsx", ".csv") for p in written)
        where = "「未校验的工作表」表" if tables_written else " JSON 中各文件的 skipped"
        print(
            f"另有 {t['未校验的工作表']} 张工作表没有校验（说明页、空白表或读不出的表），"
            f"原因见{where}。"
        )
    if inbox.other:
        kinds = "、".join(f"{k} {n} 个" for k, n in sorted(inbox.other.items()))
        print(f"另有 {sum(inbox.other.values())} 个其他文件不是自评表，未处理（{kinds}）。")
    if inbox.debris:
        print(f"跳过隐藏文件、~$ 锁定文件和 __MACOSX 共 {inbox.debris} 个。")
    print(f"已写出：{'、'.join(str(p) for p in written)}")
    per = f"，每秒 {stats.checked / seconds:.1f} 个" if stats.checked and seconds > 0 else ""
    print(f"用时 {_duration(seconds)}（{jobs} 个进程{per}）。")
