"""Run fuzz cases through ``jixiao.cli.main.main`` in process and check the properties.

From the repository's root:

    python3 -m tests.fuzz.run --seed 13 --cases 5000        # a long run (make fuzz)
    python3 -m tests.fuzz.run --seed 13 --case 417 --keep /tmp/c417   # one case, files kept

Properties of every case (issue 13):

- exit        every command exits 0, 1 or 2, within the time guard;
- internal    no output says "Traceback" or "内部错误";
- input       the input file's bytes are unchanged;
- names-file  an exit-2 message names the user's file (its path or name);
- raw-text    no exit-2 message is raw exception text (KeyError: …, list index out of range);
- cell        an exit-2 message about a cell names the cell;
- sheet       an exit-2 message about a worksheet's part names the sheet (工作表“…”);
- json-out    ``check --json`` and ``export`` print JSON when they succeed;
- inf         no output shows a number as "inf" or "nan";
- xxe         the token in a local file that entities point at never appears in any output;
- copy        validate of an .xlsx/.xlsm that succeeds writes the copy, and clear accepts it;
- roundtrip   validate → clear, and clear of the input, give back every zip member byte for
              byte or canonical-XML equal (C14N; or the same element names, attributes and
              text by namespace URI, whatever the prefixes); in sheets, cached values of
              formula cells may differ (validate computes them for a file without them);
- package     after clear, [Content_Types].xml and every .rels have no entry and the zip no
              member that the input did not have.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from jixiao.cli.main import main as jixiao_main

from .generate import NS_MAIN, Case, Sources, build_sources, make_case

DEFAULT_SEED = 13
TIME_GUARD = 30.0  # seconds one command may take before the case fails as a hang
EXCERPT = 400

XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
)
RAW_EXCEPTION = re.compile(
    r"\b[A-Z][A-Za-z]*(?:Error|Exception|Warning)\b|list index out of range|substring not found"
    r"|subsection not found|could not read worksheets|File contains no valid workbook part"
    r"|object has no attribute|codec can't|\[Errno|NoneType|not supported|invalid literal"
    r"|Exceeds the limit|too large to convert|KeyError|Bad magic|is not a zip file|There is no item"
)
# a worksheet's own part (not its .rels): a message naming it should name the sheet as well
SHEET_PART = re.compile(r"xl/worksheets/[^/\s（）()]+\.xml(?!\.rels)")
CELL_REF = re.compile(r"(?<![A-Za-z])\$?[A-Z]{1,3}\$?[1-9][0-9]{0,6}(?![0-9])")
NON_FINITE = re.compile(r"(?<![A-Za-z])(?:-?inf|nan)(?![A-Za-z])")


def _not_json(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


class CaseTimeout(BaseException):
    """Raised by the time guard; a BaseException so jixiao's catch-all does not turn it into 3."""


@dataclass
class Failure:
    prop: str
    case: Case
    command: str
    exit: int | None
    detail: str

    def describe(self) -> str:
        c = self.case
        return (
            f"[{self.prop}] case {c.index} seed {c.seed} family {c.family} base {c.base}\n"
            f"  mutation: {c.mutation}\n  command: {self.command} → exit {self.exit}\n"
            f"  {self.detail[:EXCERPT]}\n"
            f"  reproduce: python3 -m tests.fuzz.run --seed {c.seed} --case {c.index} --keep /tmp/fuzz-{c.index}"
        )


@dataclass
class Outcome:
    case: Case
    failures: list[Failure] = field(default_factory=list)
    exits: list[int] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    log: list[str] = field(default_factory=list)


# ---- running one command -----------------------------------------------------------------------


def _alarm(_sig: int, _frame: object) -> None:
    raise CaseTimeout


def run_cli(argv: list[str], guard: float = TIME_GUARD) -> tuple[int | None, str, str, float]:
    """(exit code or None on timeout, stdout, stderr, seconds) of one jixiao command line."""
    out_b, err_b = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_b, encoding="utf-8", errors="backslashreplace", write_through=True)
    err = io.TextIOWrapper(err_b, encoding="utf-8", errors="backslashreplace", write_through=True)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, guard)
    start = time.perf_counter()
    code: int | None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = jixiao_main(argv)
            except SystemExit as e:  # argparse
                code = e.code if isinstance(e.code, int) else 2
    except CaseTimeout:
        code = None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    seconds = time.perf_counter() - start
    out.flush()
    err.flush()
    return (
        code,
        out_b.getvalue().decode("utf-8", "replace"),
        err_b.getvalue().decode("utf-8", "replace"),
        seconds,
    )


def run_quiet(argv: list[str]) -> tuple[int, str, str]:
    code, out, err, _ = run_cli(argv, guard=120)
    return code if code is not None else -1, out, err


# ---- comparing packages --------------------------------------------------------------------------


def members_of(data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {i.filename: z.read(i) for i in z.infolist()}
    except Exception:  # any damage: the comparison is not possible, not a finding
        return None


def _c14n(body: bytes) -> bytes | None:
    try:
        return etree.tostring(etree.fromstring(body, XML_PARSER), method="c14n")
    except Exception:
        return None


def _tree(body: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(body, XML_PARSER)
    except Exception:
        return None


def _signature(root: etree._Element) -> list[tuple[object, ...]]:
    """The tree by namespace URI and local name, whatever the prefixes (what C14N 2.0 with
    prefixes rewritten compares): element names, attributes, text."""
    return [
        (str(e.tag), tuple(sorted(e.attrib.items())), e.text or "", e.tail or "")
        for e in root.iter()
    ]


def _without_cached_values(root: etree._Element) -> etree._Element:
    """The sheet with the cached values of its formula cells taken out: the type and every
    child but the formula (a damaged cached value too, such as an unknown <V>)."""
    for f in list(root.iter(f"{{{NS_MAIN}}}f")):
        cell = f.getparent()
        cell.attrib.pop("t", None)
        for child in list(cell):
            if child is not f:
                cell.remove(child)
    return root


def same_part(name: str, a: bytes, b: bytes) -> bool:
    """Byte for byte, or canonical-XML equal (C14N; or the same names, attributes and text
    under other prefixes). A sheet may also differ in the cached values of its formula
    cells: validate computes them for a file saved without them (or asking for
    recalculation) so that viewers show numbers, and clear keeps them on purpose."""
    if a == b:
        return True
    ca, cb = _c14n(a), _c14n(b)
    if ca is not None and ca == cb:
        return True
    ta, tb = _tree(a), _tree(b)
    if ta is None or tb is None:
        return False
    if _signature(ta) == _signature(tb):
        return True
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return _signature(_without_cached_values(ta)) == _signature(_without_cached_values(tb))
    return False


def _entries(body: bytes) -> set[tuple[str, ...]]:
    """Content-type and relationship entries of a part, by namespace-aware local names."""
    try:
        root = etree.fromstring(body, XML_PARSER)
    except Exception:
        return set()
    out: set[tuple[str, ...]] = set()
    for e in root:
        if not isinstance(e.tag, str):
            continue
        attrs = tuple(sorted((etree.QName(k).localname, v) for k, v in e.attrib.items()))
        out.add((etree.QName(e).localname, *(f"{k}={v}" for k, v in attrs)))
    return out


def compare_packages(original: bytes, cleared: bytes) -> list[tuple[str, str]]:
    """(property, detail) for each way ``cleared`` is not ``original`` given back."""
    a, b = members_of(original), members_of(cleared)
    if a is None:
        return []  # Python cannot read the input: nothing to compare against
    if b is None:
        return [("roundtrip", "the cleared copy is not a readable zip")]
    problems: list[tuple[str, str]] = []
    extra = sorted(set(b) - set(a))
    if extra:
        problems.append(("package", f"members clear left behind: {extra[:5]}"))
    lost = sorted(set(a) - set(b))
    if lost:
        problems.append(("roundtrip", f"members lost: {lost[:5]}"))
    for name in sorted(set(a) & set(b)):
        if name == "[Content_Types].xml" or name.endswith(".rels"):
            new = _entries(b[name]) - _entries(a[name])
            if new:
                problems.append(("package", f"{name} keeps entries: {sorted(new)[:3]}"))
                continue
        if not same_part(name, a[name], b[name]):
            problems.append(
                ("roundtrip", f"{name} differs ({len(a[name])} → {len(b[name])} bytes)")
            )
    return problems


# ---- one case ------------------------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def outputs_hold(token: str, paths: list[Path], texts: list[str]) -> str | None:
    needle = token.encode()
    for t in texts:
        if token in t:
            return "printed"
    for p in paths:
        if not p.exists():
            continue
        data = p.read_bytes()
        if needle in data:
            return p.name
        for name, body in (members_of(data) or {}).items():
            if needle in body or needle in body.decode("utf-16", "ignore").encode():
                return f"{p.name}!{name}"
    return None


class CaseRun:
    def __init__(self, case: Case, work: Path, sources: Sources, guard: float) -> None:
        self.case, self.work, self.sources, self.guard = case, work, sources, guard
        self.outcome = Outcome(case)
        self.texts: list[str] = []
        self.written: list[Path] = []

    def fail(self, prop: str, command: str, code: int | None, detail: str) -> None:
        self.outcome.failures.append(Failure(prop, self.case, command, code, detail))

    def cmd(self, argv: list[str], file: Path) -> tuple[int | None, str, str]:
        code, out, err, seconds = run_cli(argv, self.guard)
        line = "jixiao " + " ".join(argv)
        self.outcome.log.append(f"{line} → {code} ({seconds:.2f}s)\n{err.strip()[:EXCERPT]}")
        if seconds > self.outcome.slowest[0]:
            self.outcome.slowest = (seconds, line)
        self.texts += [out, err]
        both = out + err
        if code is None:
            self.fail("exit", line, code, f"no answer within {self.guard:.0f}s (time guard)")
            return code, out, err
        self.outcome.exits.append(code)
        if "Traceback" in both or "内部错误" in both:
            self.fail("internal", line, code, err.strip() or out.strip())
        elif code not in (0, 1, 2):
            self.fail("exit", line, code, err.strip() or out.strip())
        shown = NON_FINITE.search(both)
        if shown:
            start = both.rfind("\n", 0, shown.start()) + 1  # the line that shows it
            self.fail("inf", line, code, both[start : shown.end() + 80])
        if code == 2:
            message = err.strip()
            if str(file) not in message and file.name not in message:
                self.fail("names-file", line, code, message)
            raw = RAW_EXCEPTION.search(message)
            if raw:
                self.fail("raw-text", line, code, message)
            if "单元格" in message and not CELL_REF.search(message.replace(str(file), "")):
                self.fail("cell", line, code, message)
            if SHEET_PART.search(message) and "工作表“" not in message:
                self.fail("sheet", line, code, message)
        return code, out, err

    def run(self) -> Outcome:
        case = self.case
        rng = random.Random(f"{case.seed}:{case.index}:commands")
        src = self.work / f"用户-{case.index}{case.suffix}"
        src.write_bytes(case.data)
        before = _sha(src)
        if case.kind == "json":
            self.json_case(src, rng)
        else:
            self.workbook_case(src, rng)
        if _sha(src) != before:
            self.fail("input", "all", None, f"{src.name} changed by the commands")
        if "entit" in case.mutation or "DTD" in case.mutation:
            where = outputs_hold(self.sources.token, self.written, self.texts)
            if where:
                self.fail("xxe", "all", None, f"the entity's file was read: token in {where}")
        return self.outcome

    def json_case(self, src: Path, rng: random.Random) -> None:
        code, out, _ = self.cmd(["check", "--json", str(src)], src)
        self._json_out(code, out, f"jixiao check --json {src}")
        if rng.random() < 0.3:
            self.cmd(["check", str(src)], src)
        if rng.random() < 0.25:
            dest = self.work / f"导入-{self.case.index}.xlsm"
            self.written.append(dest)
            self.cmd(["import", str(src), "-o", str(dest), "--force"], src)

    def _json_out(self, code: int | None, out: str, line: str) -> None:
        if code in (0, 1):
            try:  # strict JSON: Infinity and NaN are not JSON
                json.loads(out, parse_constant=_not_json)
            except ValueError as e:
                self.fail("json-out", line, code, f"stdout is not JSON ({e}): {out[:200]!r}")

    def workbook_case(self, src: Path, rng: random.Random) -> None:
        case = self.case
        package = case.suffix.lower() in (".xlsx", ".xlsm")
        copy = self.work / f"校验-{case.index}{case.suffix}"
        argv = ["validate", str(src)]
        if package:
            argv += ["-o", str(copy)]
            self.written.append(copy)
        if rng.random() < 0.3:
            argv.append("--json")
        code, _, _ = self.cmd(argv, src)
        if package and code in (0, 1):
            if not copy.exists() and "xl/workbook.xml" in (members_of(case.data) or {}):
                self.fail("copy", " ".join(argv), code, "validate succeeded but wrote no copy")
            elif copy.exists():
                self.clear_and_compare(copy, case.data, "validate → clear")
        # validate → clear always; the other commands on a share of the cases (time)
        if rng.random() < 0.5:
            code, out, _ = self.cmd(["check", "--json", str(src)], src)
            self._json_out(code, out, f"jixiao check --json {src}")
        if rng.random() < 0.35:
            code, out, _ = self.cmd(["export", str(src)], src)
            if code == 0:
                self._json_out(code, out, f"jixiao export {src}")
        if package and (case.family == "user" or rng.random() < 0.25):
            self.clear_and_compare(src, case.data, "clear")
        if rng.random() < 0.05:
            dest = self.work / f"导入-{case.index}.xlsm"
            self.written.append(dest)
            self.cmd(["import", str(src), "-o", str(dest), "--force"], src)

    def clear_and_compare(self, path: Path, original: bytes, what: str) -> None:
        cleared = self.work / f"清除-{self.case.index}-{len(self.written)}{path.suffix}"
        self.written.append(cleared)
        argv = ["clear", str(path), "-o", str(cleared)]
        code, _, err = self.cmd(argv, path)
        line = "jixiao " + " ".join(argv)
        if what == "validate → clear" and code != 0:
            self.fail("copy", line, code, f"clear refuses the copy validate wrote: {err.strip()}")
            return
        if code != 0 or self.case.marked:
            return
        if not cleared.exists():
            self.fail("copy", line, code, "clear succeeded but wrote no copy")
            return
        for prop, detail in compare_packages(original, cleared.read_bytes()):
            self.fail(prop, line, code, f"{what}: {detail}")


# ---- many cases ----------------------------------------------------------------------------------


@dataclass
class Totals:
    cases: int = 0
    commands: int = 0
    exits: Counter[int] = field(default_factory=Counter)
    families: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    seconds: float = 0.0

    def add(self, o: Outcome) -> None:
        self.cases += 1
        self.commands += len(o.exits)
        self.exits.update(o.exits)
        self.families[o.case.family] += 1
        self.failures += o.failures
        if o.slowest[0] > self.slowest[0]:
            self.slowest = (o.slowest[0], f"case {o.case.index}: {o.slowest[1]}")

    def by_property(self) -> Counter[str]:
        return Counter(f.prop for f in self.failures)

    def report(self) -> str:
        peak = peak_memory_mb()
        lines = [
            f"cases: {self.cases} ({', '.join(f'{k} {v}' for k, v in sorted(self.families.items()))})",
            f"commands: {self.commands}",
            f"exit codes: {dict(sorted(self.exits.items()))}",
            f"slowest: {self.slowest[0]:.2f}s ({self.slowest[1]})",
            f"wall time: {self.seconds:.1f}s",
            f"peak memory (maxrss): {peak:.0f} MB",
            f"failures by property: {dict(sorted(self.by_property().items())) or 'none'}",
            f"cases failing: {len({f.case.index for f in self.failures})}",
        ]
        return "\n".join(lines)


def peak_memory_mb() -> float:
    """The largest resident set of this process and of any worker it waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024


@contextlib.contextmanager
def sources_in(folder: Path | None = None) -> Iterator[tuple[Sources, Path]]:
    """The bases, built in a fresh temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="jixiao-fuzz-") as tmp:
        root = Path(folder or tmp)
        yield build_sources(root / "bases", run_quiet), root


def run_cases(
    sources: Sources,
    root: Path,
    seed: int,
    indices: range | list[int],
    guard: float = TIME_GUARD,
    keep: Path | None = None,
    progress: bool = False,
    every: bool = False,
) -> tuple[Totals, list[Outcome]]:
    """Run the cases; outcomes returned are those with failures (every one with ``every``)."""
    totals, outcomes = Totals(), []
    start = time.perf_counter()
    for n, index in enumerate(indices):
        outcome = run_one(sources, root, seed, index, guard, keep)
        totals.add(outcome)
        if outcome.failures or every:
            outcomes.append(outcome)
        if progress and (n + 1) % 500 == 0:
            _progress(n + 1, start, totals)
    totals.seconds = time.perf_counter() - start
    return totals, outcomes


def run_one(
    sources: Sources, root: Path, seed: int, index: int, guard: float, keep: Path | None = None
) -> Outcome:
    try:
        case = make_case(sources, seed, index)
    except Exception as e:  # a bug of the generator: reported, and the run goes on
        case = Case(seed, index, "generator", f"{type(e).__name__}: {e}", "-", "", b"", "none")
        outcome = Outcome(case)
        outcome.failures.append(Failure("generator", case, "make_case", None, case.mutation))
        return outcome
    work = keep or root / f"case-{index}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        return CaseRun(case, work, sources, guard).run()
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _progress(done: int, start: float, totals: Totals) -> None:
    print(
        f"… {done} cases, {time.perf_counter() - start:.0f}s, {len(totals.failures)} failures",
        file=sys.stderr,
        flush=True,
    )


# A forked worker's view of the run (set before the pool forks, so never pickled).
_SHARED: dict[str, object] = {}


def _work(index: int) -> Outcome:
    o = run_one(
        _SHARED["sources"],
        _SHARED["root"],
        _SHARED["seed"],
        index,
        _SHARED["guard"],  # type: ignore[arg-type]
    )
    o.case = dataclasses.replace(o.case, data=b"")  # the case is rebuilt from (seed, index)
    for f in o.failures:
        f.case = o.case
    return o


def run_parallel(
    sources: Sources,
    root: Path,
    seed: int,
    indices: range | list[int],
    jobs: int,
    guard: float = TIME_GUARD,
    progress: bool = False,
) -> tuple[Totals, list[Outcome]]:
    """The same as run_cases, in ``jobs`` forked processes (each runs jixiao in process)."""
    if jobs <= 1:
        return run_cases(sources, root, seed, indices, guard, progress=progress)
    _SHARED.update(sources=sources, root=root, seed=seed, guard=guard)
    totals, outcomes = Totals(), []
    start = time.perf_counter()
    pending = set(indices)
    with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=400) as pool:
        results = pool.imap_unordered(_work, indices)  # chunks of 1: next() takes a timeout
        while pending:
            try:
                # a worker killed by a crash (or the OOM killer) never answers: no hang
                outcome = results.next(timeout=guard * 8 + 60)
            except StopIteration:
                break
            except multiprocessing.TimeoutError:
                for index in sorted(pending):
                    lost = Outcome(Case(seed, index, "lost", "no result", "-", "", b"", "none"))
                    lost.failures.append(
                        Failure("exit", lost.case, "worker", None, "worker died or hung")
                    )
                    totals.add(lost)
                break
            pending.discard(outcome.case.index)
            totals.add(outcome)
            if outcome.failures:
                outcomes.append(outcome)
            if progress and len(totals.families) and totals.cases % 500 == 0:
                _progress(totals.cases, start, totals)
    totals.seconds = time.perf_counter() - start
    outcomes.sort(key=lambda o: o.case.index)
    totals.failures.sort(key=lambda f: f.case.index)
    return totals, outcomes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python3 -m tests.fuzz.run", description=__doc__.split("\n")[0]
    )
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--cases", type=int, default=5000, help="how many cases (from --start)")
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--case", type=int, action="append", help="run only this case (repeatable)")
    p.add_argument("--keep", type=Path, help="keep the case's files in this folder (with --case)")
    p.add_argument("--guard", type=float, default=TIME_GUARD, help="seconds per command")
    p.add_argument("--show", type=int, default=30, help="failures to print in full")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    args = p.parse_args(argv)
    indices = args.case or range(args.start, args.start + args.cases)
    with sources_in() as (sources, root):
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        if args.case:
            totals, outcomes = run_cases(
                sources, root, args.seed, indices, args.guard, args.keep, every=True
            )
        else:
            totals, outcomes = run_parallel(
                sources, root, args.seed, indices, args.jobs, args.guard, progress=True
            )
    if args.case:
        for o in outcomes:
            print(f"case {o.case.label}")
            print("\n".join(o.log))
    for f in totals.failures[: args.show]:
        print(f.describe())
    print(f"seed {args.seed}")
    print(totals.report())
    return 1 if totals.failures else 0


if __name__ == "__main__":
    sys.exit(main())
