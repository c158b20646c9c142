"""The reviewer's summary of a batch: an Excel workbook (pandas + XlsxWriter), the same
tables as CSV files (UTF-8 with BOM, for Excel and WPS), and JSON for the bureau's own
systems.

Sheets of the workbook:

- 汇总: one row per form — file (a link to it), sheet, unit, year, form type, project,
  budget and execution, 执行率 and 总分 as reported and as recomputed, the grade, the
  counts of findings, 可以提交 — in the order of the files' names (the order the folders
  hold them in, the same on every run), filterable, with a totals row that follows the
  filter;
- 问题明细: every finding, filterable;
- 规则统计: findings by rule (with the rule's name and severity) and by unit;
- 未能读取: the files that could not be read and why (only when there are any);
- 未校验的工作表: the sheets of the files read that hold no form checked — instructions,
  blank template sheets, a form that could not be read — and why, as ``validate`` says
  (only when there are any): a form left out of 汇总 is never left out in silence;
- 图表 (with its data on 图表数据): the spread of 执行率, findings by rule, and the
  reported 总分 against the recomputed one.

The only module of ``jixiao review`` that loads pandas and XlsxWriter.
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from jixiao.app.review import INTERNAL, OK, Item
from jixiao.core.findings import SEVERITIES
from jixiao.rules import REGISTRY

__all__ = [
    "SKIPPED",
    "SummaryBook",
    "TableBuilder",
    "Tables",
    "build_tables",
    "detail_rows",
    "file_link",
    "totals",
    "write_csv",
    "write_json",
    "write_xlsx",
]

SUMMARY, DETAILS, RULES, UNREADABLE, SKIPPED, CHARTS, CHART_DATA = (
    "汇总",
    "问题明细",
    "规则统计",
    "未能读取",
    "未校验的工作表",
    "图表",
    "图表数据",
)
SUMMARY_COLUMNS = (
    "文件", "工作表", "单位", "年度", "表类型", "项目名称", "全年预算数", "全年执行数",
    "执行率（填报）", "执行率（复算）", "总分（填报）", "总分（复算）", "等级（填报）",
    "等级（复算）", "错误数", "警告数", "提示数", "可以提交",
)  # fmt: skip
DETAIL_COLUMNS = ("文件", "工作表", "单元格/位置", "代码", "级别", "字段", "说明")
UNREADABLE_COLUMNS = ("文件", "原因")
SKIPPED_COLUMNS = ("文件", "工作表", "原因")
RULE_COLUMNS = ("代码", "规则名称", "级别", "问题数", "涉及表数", "涉及文件数")
UNIT_COLUMNS = ("单位", "表数", "可以提交", "错误数", "警告数", "提示数")
AMOUNTS = ("全年预算数", "全年执行数")
RATES = ("执行率（填报）", "执行率（复算）")
SCORES = ("总分（填报）", "总分（复算）")
COUNTS = ("错误数", "警告数", "提示数")
NO_UNIT = "（未填单位名称）"
LINE_HEIGHT = 13.5  # points per line of 10-point text
LAYOUT_ROWS = 5000  # a column is as wide as its widest entry among a table's first rows

# 执行率 bins of the chart: (label, lower bound inclusive, upper bound exclusive).
RATE_BINS = (
    ("低于60%", -math.inf, 0.6),
    ("60%–70%", 0.6, 0.7),
    ("70%–80%", 0.7, 0.8),
    ("80%–90%", 0.8, 0.9),
    ("90%–100%", 0.9, 1.0),
    ("100%", 1.0, 1.00005),
    ("高于100%", 1.00005, math.inf),
)


@dataclass
class Tables:
    """The summary's tables. 汇总, 规则统计, 未能读取, 未校验的工作表 are small (a row per
    form, rule, unit, unreadable file or sheet not checked) and held here; 问题明细 — every
    finding, hundreds of thousands in a large batch — is not: :meth:`details` reads it from
    the results again, one file at a time, so however large the batch, the findings never
    sit in memory all at once."""

    summary: pd.DataFrame  # 汇总, without its totals row
    rules: pd.DataFrame  # 规则统计, by rule
    units: pd.DataFrame  # 规则统计, by unit
    unreadable: pd.DataFrame  # 未能读取
    links: list[str]  # the file each 汇总 row links to (the zip for a zip member)
    unreadable_links: list[str]
    skipped: pd.DataFrame  # 未校验的工作表
    skipped_links: list[str]
    totals: dict[str, Any]  # see totals()
    failed: int  # files jixiao itself failed on (status "internal")
    errors: bool  # a form has an 错误
    detail_count: int  # rows of 问题明细
    results: Iterable[dict[str, Any]]  # the files' results, read again for 问题明细

    def details(self) -> Iterator[tuple[Any, ...]]:
        """The rows of 问题明细 (values in the order of DETAIL_COLUMNS), file by file."""
        for result in self.results:
            yield from detail_rows(result)


def build_tables(results: Iterable[dict[str, Any]], items: Iterable[Item | None]) -> Tables:
    """The tables of the summary, from the files' results (in their order) and where each
    file is (an item per result; None: no file to link).

    ``results`` is read twice — here, and again for 问题明细 when it is written — so it must
    be a collection (a list, or the results of a run kept on disk), not a one-off iterator.
    Only what the small tables need is kept from it."""
    builder = TableBuilder()
    for result, item in zip(results, items, strict=True):
        builder.add(result, item)
    return builder.tables(results)


class TableBuilder:
    """:func:`build_tables` a file at a time, as the results of a run arrive (in the files'
    order): the tables are ready as soon as the last file is added."""

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []  # tuples, not dicts: a third of the memory
        self._shared: dict[str, str] = {}  # one copy of each unit, sheet, grade … of the batch
        self._links: list[str] = []
        self._bad: list[tuple[str, Any]] = []
        self._bad_links: list[str] = []
        self._skipped: list[tuple[str, ...]] = []
        self._skipped_links: list[str] = []
        self._rules = _RuleCounts()
        self._figures = _Totals()
        self._detail_count = 0

    def add(self, result: dict[str, Any], item: Item | None) -> None:
        """The next file's result, and where the file is (None: no file to link)."""
        self._figures.add(result)
        name = result["file"]
        if item is not None and item.name == name:
            name = item.name  # the batch's copy of the name, not one more
        where = item.path if item is not None else ""
        if result.get("status") != OK:
            self._bad.append((name, result.get("reason") or result.get("message")))
            self._bad_links.append(where)
            return
        shared = self._shared
        for form in result.get("forms", []):
            values = _summary_values(name, form)
            self._rows.append(
                tuple(shared.setdefault(v, v) if type(v) is str else v for v in values)
            )
            self._links.append(where)
        for skipped in result.get("skipped", []):
            said = (name, skipped["sheet"], skipped["reason"])
            self._skipped.append(tuple(shared.setdefault(v, v) for v in said))
            self._skipped_links.append(where)
        findings = result.get("findings", [])
        self._rules.add(name, findings)
        self._detail_count += len(findings)

    def tables(self, results: Iterable[dict[str, Any]]) -> Tables:
        """The tables; ``results``: the files' results again, read for 问题明细 (CSV)."""
        summary = pd.DataFrame(self._rows, columns=list(SUMMARY_COLUMNS))
        self._rows = []
        return Tables(
            summary=summary,
            rules=self._rules.table(),
            units=_by_unit(summary),
            unreadable=pd.DataFrame(self._bad, columns=list(UNREADABLE_COLUMNS)),
            links=self._links,
            unreadable_links=self._bad_links,
            skipped=pd.DataFrame(self._skipped, columns=list(SKIPPED_COLUMNS)),
            skipped_links=self._skipped_links,
            totals=self._figures.as_dict(),
            failed=self._figures.failed,
            errors=self._figures.errors,
            detail_count=self._detail_count,
            results=results,
        )


def detail_rows(result: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """A file's rows of 问题明细: one per finding (none for a file that was not read)."""
    if result.get("status") != OK:
        return
    name = result["file"]
    for f in result.get("findings", []):
        yield (
            name,
            f.get("sheet", ""),
            f.get("location") or f.get("cell", ""),
            f["code"],
            f["severity"],
            f.get("field", ""),
            f["message"],
        )


def summary_row(name: str, form: dict[str, Any]) -> dict[str, Any]:
    """One 汇总 row from a file's name and a form's summary line (``forms`` of
    ``validate --json``)."""
    return dict(zip(SUMMARY_COLUMNS, _summary_values(name, form), strict=True))


def _summary_values(name: str, form: dict[str, Any]) -> tuple[Any, ...]:
    """The values of a 汇总 row, in the order of SUMMARY_COLUMNS."""
    counts = form.get("summary", {})
    return (
        name,
        form.get("sheet", ""),
        form.get("单位名称"),
        form.get("年度"),
        form.get("表类型"),
        form.get("项目名称"),
        form.get("全年预算数"),
        form.get("全年执行数"),
        form["执行率"]["填报"],
        form["执行率"]["复算"],
        form["总分"]["填报"],
        form["总分"]["复算"],
        form["等级"]["填报"],
        form["等级"]["复算"],
        counts.get("错误", 0),
        counts.get("警告", 0),
        counts.get("提示", 0),
        "是" if form.get("可以提交") else "否",
    )


def totals(results: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The batch in figures: files, forms, 可以提交, unreadable, findings by severity."""
    figures = _Totals()
    for result in results:
        figures.add(result)
    return figures.as_dict()


class _Totals:
    """:func:`totals`, added up a file at a time; besides, what the exit code says."""

    def __init__(self) -> None:
        self.files = self.ok = self.forms = self.submittable = self.failed = self.skipped = 0
        self.errors = False
        self.by_severity: Counter[str] = Counter()

    def add(self, result: dict[str, Any]) -> None:
        self.files += 1
        self.failed += result.get("status") == INTERNAL
        self.errors = self.errors or bool(result.get("summary", {}).get("错误", 0))
        if result.get("status") != OK:
            return
        self.ok += 1
        forms = result.get("forms", [])
        self.forms += len(forms)
        self.submittable += sum(1 for f in forms if f.get("可以提交"))
        self.skipped += len(result.get("skipped", []))
        self.by_severity.update(result.get("summary", {}))

    def as_dict(self) -> dict[str, Any]:
        return {
            "文件数": self.files,
            "已读取": self.ok,
            "未能读取": self.files - self.ok,
            "未校验的工作表": self.skipped,
            "表数": self.forms,
            "可以提交": self.submittable,
            "问题": {str(s): self.by_severity.get(str(s), 0) for s in SEVERITIES},
        }


class _RuleCounts:
    """Findings by rule, added up a file at a time: for each rule the findings, the forms
    (file and sheet) and the files it was found in. A file's name is its own in a batch
    (``collect`` takes each file once), so the forms and files are counted file by file
    rather than remembered for the whole batch; a name repeated right after itself is
    still counted once."""

    def __init__(self) -> None:
        self.findings: Counter[str] = Counter()
        self.forms: Counter[str] = Counter()
        self.files: Counter[str] = Counter()
        self._name: str | None = None
        self._sheets: defaultdict[str, set[str]] = defaultdict(set)  # this file's, by rule

    def add(self, name: str, findings: Iterable[dict[str, Any]]) -> None:
        if name != self._name:
            self._fold()
            self._name = name
        for f in findings:
            self.findings[f["code"]] += 1
            self._sheets[f["code"]].add(f.get("sheet", ""))

    def _fold(self) -> None:
        for code, sheets in self._sheets.items():
            self.forms[code] += len(sheets)
            self.files[code] += 1
        self._sheets.clear()

    def table(self) -> pd.DataFrame:
        self._fold()
        self._name = None
        catalogue = {c.code: c for c in REGISTRY}
        rows = []
        for code, n in sorted(self.findings.items(), key=lambda kv: (-kv[1], kv[0])):
            check = catalogue.get(code)
            rows.append(
                {
                    "代码": code,
                    "规则名称": check.title if check else "",
                    "级别": str(check.severity) if check else "",
                    "问题数": n,
                    "涉及表数": self.forms[code],
                    "涉及文件数": self.files[code],
                }
            )
        return pd.DataFrame(rows, columns=list(RULE_COLUMNS))


def _by_unit(summary: pd.DataFrame) -> pd.DataFrame:
    rows: dict[str, dict[str, Any]] = {}
    # Column by column, a form at a time (not a dict per form: that is all the forms again).
    columns = (summary["单位"], summary["可以提交"], *(summary[c] for c in COUNTS))
    for named, ok, *counts in zip(*columns, strict=True):
        unit = named if isinstance(named, str) and named else NO_UNIT
        row = rows.setdefault(unit, {"单位": unit, **dict.fromkeys(UNIT_COLUMNS[1:], 0)})
        row["表数"] += 1
        row["可以提交"] += ok == "是"
        for c, n in zip(COUNTS, counts, strict=True):
            row[c] += int(n)
    ordered = sorted(rows.values(), key=lambda r: (r["单位"] == NO_UNIT, r["单位"]))
    return pd.DataFrame(ordered, columns=list(UNIT_COLUMNS))


# ---- JSON and CSV ------------------------------------------------------------------------------


def write_json(
    path: Path,
    results: Iterable[dict[str, Any]],
    meta: dict[str, Any],
    batch_totals: dict[str, Any] | None = None,
) -> None:
    """``{"jixiao": …, "profile": …, "totals": …, "files": [each file's result]}``; each file's
    result is its ``validate --json`` object with ``status`` (ok / unreadable / internal).
    ``batch_totals``: :func:`totals` of the results, when known already.

    Written a file at a time, byte for byte as ``json.dump(doc, indent=1)`` writes the
    whole document: the results are never all in memory."""
    head = {**meta, "totals": totals(results) if batch_totals is None else batch_totals}
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(head, ensure_ascii=False, indent=1).removesuffix("\n}"))
        f.write(',\n "files": [')
        empty = True
        for result in results:
            f.write("\n" if empty else ",\n")
            empty = False
            # A file's object two levels in: each of its lines indented by two more spaces
            # (JSON text has no line break inside a string: splitting on lines is safe).
            text = json.dumps(result, ensure_ascii=False, indent=1)
            f.write("\n".join("  " + line for line in text.split("\n")))
        f.write("]\n}\n" if empty else "\n ]\n}\n")


CSV_FILES = {
    "汇总.csv": "summary",
    "问题明细.csv": "details",
    "规则统计_按规则.csv": "rules",
    "规则统计_按单位.csv": "units",
    "未能读取.csv": "unreadable",
    "未校验的工作表.csv": "skipped",
}
CSV_ROWS = 2000  # 问题明细 goes to its CSV file this many rows at a time


def write_csv(paths: dict[str, Path], tables: Tables) -> None:
    """Each table as a CSV file (``paths``: CSV file name → where to write it); UTF-8 with a
    BOM so that Excel and WPS open the Chinese text right. 执行率 are fractions (1 = 100%)."""
    for name, target in paths.items():
        with open(target, "w", encoding="utf-8-sig", newline="") as f:
            if CSV_FILES[name] == "details":
                # In slices, each written as pandas writes the whole table (its columns are
                # text: a slice's values are written alike); the first with the header.
                for k, rows in enumerate(_slices(tables.details(), CSV_ROWS)):
                    frame = pd.DataFrame(rows, columns=list(DETAIL_COLUMNS), dtype=object)
                    _to_csv(frame, f, header=k == 0)
            else:
                _to_csv(getattr(tables, CSV_FILES[name]), f)


def _to_csv(frame: pd.DataFrame, f: IO[str], header: bool = True) -> None:
    frame.to_csv(f, header=header, index=False, lineterminator="\r\n")


def _slices(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """``rows`` in lists of ``size``; at least one list (empty for no rows: the header
    is still written)."""
    it = iter(rows)
    first = True
    while (chunk := list(islice(it, size))) or first:
        first = False
        yield chunk


# ---- the workbook ------------------------------------------------------------------------------


def write_xlsx(path: Path, tables: Tables, link_base: Path, meta: dict[str, Any]) -> None:
    """The summary workbook at ``path``; links to the files are relative to ``link_base``
    (the folder the summary will be in). (A run writes it with :class:`SummaryBook` as the
    results arrive.)"""
    book = SummaryBook(path, link_base, meta)
    try:
        for result in tables.results:
            if book.measure(result):
                break
        book.lay_out()
        for result in tables.results:
            book.add(result)
        book.finish(tables)
    finally:
        book.abort()


class SummaryBook:
    """The summary workbook, written while the batch is being checked: 问题明细 — most of
    the workbook — a file's findings at a time as the results arrive (in the files' order),
    the small sheets at :meth:`finish`, when the tables are complete.

    Written row by row in XlsxWriter's constant-memory mode: a row goes to disk as soon as
    the next one begins, so however large the batch, its cells never sit in memory all at
    once. A column's width and format are therefore set before its first row: 问题明细 is
    laid out from its first :data:`LAYOUT_ROWS` rows (each column as wide as its widest entry
    there), so the first results are given twice — to :meth:`measure` until it says there
    are enough, then, after :meth:`lay_out`, to :meth:`add` like every later one (held
    back meanwhile they would cost memory; read again from disk they cost a little time).
    Nothing is at ``path`` before :meth:`finish`; :meth:`abort` (Ctrl-C, an error) removes
    the rows written so far."""

    def __init__(self, path: Path, link_base: Path, meta: dict[str, Any]) -> None:
        self.link_base = link_base
        self.book = Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_urls": False,  # links are written on purpose, below
                "strings_to_formulas": False,  # a clerk's "=…" is text, never a formula
                "strings_to_numbers": False,
                "nan_inf_to_errors": True,
            },
        )
        self._done = False
        try:
            self.book.set_properties(
                {"title": "绩效自评表审核汇总", "comments": meta.get("generator", "")}
            )
            self.styles = _Styles(self.book)
            self._summary = self.book.add_worksheet(SUMMARY)  # first, written at the end
            self._details = self.book.add_worksheet(DETAILS)
        except BaseException:
            self.abort()
            raise
        self._widest = _Widest(len(DETAIL_COLUMNS))
        self._measured = 0  # rows of 问题明细 measured
        self._table: _Table | None = None  # 问题明细 as laid out
        self._count = 0  # rows of 问题明细 written
        self._kept = 0  # see _drop_written_rows

    @property
    def laid_out(self) -> bool:
        return self._table is not None

    def measure(self, result: dict[str, Any]) -> bool:
        """The next file's result (in the files' order), before :meth:`lay_out`: its rows
        of 问题明细 measured. True once there are enough to lay the sheet out."""
        for row in detail_rows(result):
            self._widest.add(row)
            self._measured += 1
        return self._measured >= LAYOUT_ROWS

    def lay_out(self) -> None:
        """Set 问题明细's columns from the rows measured; from now on, :meth:`add`."""
        styles = self.styles
        self._table = _layout(
            styles,
            DETAIL_COLUMNS,
            self._widest.widest,
            caps={"文件": 36, "字段": 30, "说明": 80},
            formats={"代码": styles.center, "级别": styles.center},
        )
        _begin_table(self._details, styles, self._table)

    def add(self, result: dict[str, Any]) -> None:
        """The next file's result (in the files' order, from the first): its rows of
        问题明细 written."""
        assert self._table is not None, "lay_out() first"
        for row in detail_rows(result):
            self._count += 1
            self._kept = _table_row(self._details, self._table, self._count, row, self._kept)

    def finish(self, tables: Tables) -> None:
        """The other sheets, from the complete tables; the workbook is written to its path."""
        book, styles = self.book, self.styles
        try:
            _summary_sheet(self._summary, styles, tables, self.link_base)
            assert self._table is not None, "lay_out() and add() first"
            _filter(self._details, self._table, self._count)
            _rules_sheet(book, styles, tables)
            if len(tables.unreadable):
                _frame_sheet(
                    book.add_worksheet(UNREADABLE),
                    styles,
                    tables.unreadable,
                    caps={"文件": 50, "原因": 90},
                    links=(tables.unreadable_links, self.link_base),
                )
            if len(tables.skipped):
                _frame_sheet(
                    book.add_worksheet(SKIPPED),
                    styles,
                    tables.skipped,
                    caps={"文件": 50, "工作表": 20, "原因": 90},
                    links=(tables.skipped_links, self.link_base),
                )
            _charts(book, styles, tables)
            book.worksheets()[0].activate()
            self._done = True
            book.close()
        finally:
            _remove_row_files(book)

    def abort(self) -> None:
        """Stop without writing the workbook: its rows written so far (temporary files in
        TMPDIR) are removed. Nothing to do after :meth:`finish`."""
        if not self._done:
            self._done = True
            _remove_row_files(self.book)


def _remove_row_files(book: Workbook) -> None:
    """In constant-memory mode XlsxWriter keeps each sheet's rows in a temporary file (in
    TMPDIR) and removes it on closing the workbook — except the file of a sheet without
    cells (图表: charts only), which stays behind, empty, one per run. Removed here."""
    for sheet in book.worksheets():
        handle = getattr(sheet, "row_data_fh", None)
        if handle is not None:
            with contextlib.suppress(Exception):
                handle.close()
        name = getattr(sheet, "row_data_filename", None)
        if name:
            with contextlib.suppress(OSError):
                os.unlink(name)


class _Styles:
    def __init__(self, book: Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
        self.header = book.add_format(
            {**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
             "align": "center", "valign": "vcenter"}
        )  # fmt: skip
        self.text = book.add_format(base)
        self.center = book.add_format({**base, "align": "center"})
        self.wrap = book.add_format({**base, "text_wrap": True})
        self.amount = book.add_format({**base, "num_format": "#,##0.00"})
        self.rate = book.add_format({**base, "num_format": "0.00%"})
        self.score = book.add_format({**base, "num_format": "0.00"})
        self.count = book.add_format({**base, "num_format": "0"})
        link = {**base, "font_color": "#0563C1", "underline": 1}
        self.link = book.add_format(link)
        self.link_wrap = book.add_format({**link, "text_wrap": True})
        total = {**base, "bold": True, "top": 2, "bg_color": "#F2F2F2"}
        self.total = book.add_format(total)
        self.total_amount = book.add_format({**total, "num_format": "#,##0.00"})
        self.total_rate = book.add_format({**total, "num_format": "0.00%"})
        self.total_count = book.add_format({**total, "num_format": "0"})
        self.total_forms = book.add_format({**total, "num_format": '0" 张表"'})
        self.total_ok = book.add_format({**total, "num_format": '"是 "0" 张"'})
        self.note = book.add_format({**base, "italic": True, "font_color": "#7F7F7F"})
        self.error = book.add_format({"font_color": "#C00000"})
        self.title = book.add_format({**base, "bold": True, "font_size": 12})


def _column_formats(styles: _Styles) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(AMOUNTS, styles.amount)
    out.update(dict.fromkeys(RATES, styles.rate))
    out.update(dict.fromkeys(SCORES, styles.score))
    out.update(dict.fromkeys(COUNTS, styles.count))
    return out


@dataclass
class _Column:
    """How a column is shown: its width (in characters, a Chinese one counting two), its
    format, and whether its text wraps (it is wider than the column may be)."""

    width: int
    fmt: Any
    wraps: bool = False


@dataclass
class _Table:
    """A table's columns from ``start`` on, as laid out on its sheet."""

    names: list[str]
    columns: list[_Column]
    start: int = 0

    def lines(self, values: Sequence[Any]) -> int:
        """Lines the row's wrapped text takes."""
        return max(
            (_lines(values[k], c.width) for k, c in enumerate(self.columns) if c.wraps),
            default=1,
        )


def _frame_layout(
    styles: _Styles,
    frame: pd.DataFrame,
    caps: dict[str, int] | None = None,
    formats: dict[str, Any] | None = None,
    start: int = 0,
) -> _Table:
    """:func:`_layout` of a table held in memory."""
    names = list(frame.columns)
    widest = [_widest(frame[name], (formats or {}).get(name), styles) for name in names]
    return _layout(styles, names, widest, caps, formats, start)


def _layout(
    styles: _Styles,
    names: Sequence[str],
    widest: Sequence[float],
    caps: dict[str, int] | None = None,
    formats: dict[str, Any] | None = None,
    start: int = 0,
) -> _Table:
    """Each column as wide as its widest entry (``widest``, in the column's order) and its
    header (within its cap; 60 by default); text wider than its column wraps."""
    columns = []
    for name, entry in zip(names, widest, strict=True):
        fmt = (formats or {}).get(name)
        # The header on one line: a wrapped "执行率（填报）" would leave "）" on a line of its own.
        header = math.ceil(_display_width(name)) + 2
        width = max(6, min((caps or {}).get(name, 60), max(math.ceil(entry) + 2, header)))
        wraps = fmt is None and entry + 2 > width
        if fmt is None:
            fmt = styles.wrap if wraps else styles.text
        columns.append(_Column(width, fmt, wraps))
    return _Table(list(names), columns, start)


def _widest(values: pd.Series, fmt: Any, styles: _Styles) -> float:
    """The widest entry of a column as shown in its number format."""
    shown = _shown
    if fmt is styles.rate:
        shown = _shown_rate
    elif fmt in (styles.score, styles.amount):
        shown = _shown_amount
    return max((_display_width(shown(v)) for v in values.head(LAYOUT_ROWS)), default=0)


class _Widest:
    """:func:`_widest` of each column of a table read row by row (a table never held in
    memory: 问题明细), for columns of text (no number format)."""

    def __init__(self, columns: int) -> None:
        self.widest: list[float] = [0] * columns
        self._rows = 0

    def add(self, row: Sequence[Any]) -> None:
        if self._rows >= LAYOUT_ROWS:
            return
        self._rows += 1
        for k, value in enumerate(row):
            self.widest[k] = max(self.widest[k], _display_width(_shown(value)))


def _set_columns(sheet: Worksheet, table: _Table) -> None:
    for k, column in enumerate(table.columns, table.start):
        sheet.set_column(k, k, column.width, column.fmt)


def _frame_sheet(
    sheet: Worksheet,
    styles: _Styles,
    frame: pd.DataFrame,
    *,
    caps: dict[str, int] | None = None,
    formats: dict[str, Any] | None = None,
    links: tuple[list[str], Path] | None = None,
    freeze_columns: int = 0,
) -> None:
    """A table held in memory on ``sheet`` (see :func:`_begin_table`); ``links``: column A
    links to these files (see :func:`_link`). Each row goes to the sheet as it comes."""
    table = _frame_layout(styles, frame, caps, formats)
    _begin_table(sheet, styles, table, freeze_columns)
    _filter(sheet, table, len(frame))
    link_format = styles.link_wrap if table.columns[0].wraps else styles.link
    kept = 0  # rows before this one: their records in XlsxWriter are dropped
    for r, values in enumerate(frame.itertuples(index=False, name=None), 1):
        link = None if links is None else (links[0][r - 1], links[1], link_format)
        kept = _table_row(sheet, table, r, values, kept, link)


def _begin_table(sheet: Worksheet, styles: _Styles, table: _Table, freeze_columns: int = 0) -> None:
    """A table laid out as ``table`` on a sheet of its own: bold header, frozen, printed;
    columns as wide as their Chinese text (capped), number formats by column."""
    _set_columns(sheet, table)
    sheet.freeze_panes(1, freeze_columns)
    _printed(sheet)
    _header(sheet, styles, table.names)


def _filter(sheet: Worksheet, table: _Table, count: int) -> None:
    """The table (``count`` rows) filterable."""
    sheet.autofilter(0, 0, max(count, 1), len(table.names) - 1)


def _table_row(
    sheet: Worksheet,
    table: _Table,
    r: int,
    values: Sequence[Any],
    kept: int,
    link: tuple[str, Path, Any] | None = None,
) -> int:
    """Row ``r`` of a table: long text wraps, the row as high as its lines; ``link``: column
    A links to this file (target, base, format: see :func:`_link`). Returns the first row
    whose records XlsxWriter still keeps (see :func:`_drop_written_rows`)."""
    lines = table.lines(values)
    if lines > 1:
        sheet.set_row(r, LINE_HEIGHT * lines)
    start = 0
    if link is not None:
        _link(sheet, r, values[0], link[0], link[1], link[2])
        start = 1
    for k in range(start, len(values)):
        _cell(sheet, r, k, values[k])
    return _drop_written_rows(sheet, kept)


def _drop_written_rows(sheet: Worksheet, since: int) -> int:
    """Forget what XlsxWriter keeps of the rows already on disk, from row ``since`` on;
    returns the first row not on disk yet.

    In constant-memory mode XlsxWriter writes a row out when the next one begins, but keeps
    the height of every row given one (to place pictures, of which table sheets have none):
    a few hundred bytes a row, which the findings of a large batch add up to megabytes.
    Nothing reads them once the row is written, so the file is the same without them. (Its
    attributes, not its API: where a version of XlsxWriter has none of them, nothing is
    dropped and the memory grows as before.)"""
    written = getattr(sheet, "previous_row", since)  # every row before it is on disk
    if not getattr(sheet, "constant_memory", False) or written <= since:
        return since
    for name in ("row_info", "row_sizes"):
        records = getattr(sheet, name, None)
        if isinstance(records, dict):
            for row in range(since, written):
                records.pop(row, None)
    return written


def _cell(sheet: Worksheet, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """A value as what it is (text, number), in the column's format unless ``fmt``; blank
    and NaN leave the cell empty."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, numbers.Real):
        number = float(value)
        if not math.isnan(number):
            sheet.write_number(row, col, number, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _printed(sheet: Worksheet) -> None:
    """A4 landscape, one page wide, the header on every page, page numbers in the footer."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _header(
    sheet: Worksheet, styles: _Styles, columns: list[str], row: int = 0, start: int = 0
) -> None:
    sheet.set_row(row, 30)
    for k, column in enumerate(columns, start):
        sheet.write_string(row, k, column, styles.header)


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _shown_amount(value: Any) -> str:
    return _shown(float(value)) if _is_number(value) else _shown(value)


def _shown_rate(value: Any) -> str:
    return f"{float(value):.2%}" if _is_number(value) else _shown(value)


def _display_width(text: str, cjk: float = 2) -> float:
    """Width in column units: a Chinese character (10-point 宋体) is about two, as are
    full-width punctuation and the quotation marks “” of Chinese text — the characters GBK
    stores in two bytes (a character GBK lacks counts one)."""
    if text.isascii():
        return len(text)
    wide = len(text.encode("gbk", "replace")) - len(text)
    return len(text) + wide * (cjk - 1)


def _lines(value: Any, width: int) -> int:
    """Lines a text takes in a wrapping column ``width`` wide."""
    text = _shown(value)
    room = max(width - 1, 1)
    return sum(
        max(1, math.ceil(_display_width(part, cjk=1.85) / room)) for part in text.split("\n")
    )


def _summary_sheet(sheet: Worksheet, styles: _Styles, tables: Tables, link_base: Path) -> None:
    frame = tables.summary
    formats = _column_formats(styles)
    formats.update(
        dict.fromkeys(("年度", "等级（填报）", "等级（复算）", "可以提交"), styles.center)
    )
    _frame_sheet(
        sheet,
        styles,
        frame,
        caps={"文件": 36, "工作表": 14, "单位": 26, "表类型": 24, "项目名称": 30},
        formats=formats,
        links=(tables.links, link_base),
        freeze_columns=1,
    )
    sheet.conditional_format(
        1, SUMMARY_COLUMNS.index("可以提交"), max(len(frame), 1), SUMMARY_COLUMNS.index("可以提交"),
        {"type": "cell", "criteria": "==", "value": '"否"', "format": styles.error},
    )  # fmt: skip
    _totals_row(sheet, styles, frame)
    notes = []
    if len(tables.unreadable):
        notes.append(f"另有 {len(tables.unreadable)} 个文件未能读取，见「{UNREADABLE}」表。")
    if len(tables.skipped):
        notes.append(
            f"另有 {len(tables.skipped)} 张工作表没有校验（说明页、空白表或读不出的表），"
            f"原因见「{SKIPPED}」表。"
        )
    for k, note in enumerate(notes):
        sheet.write_string(len(frame) + 3 + k, 0, note, styles.note)


def _totals_row(sheet: Worksheet, styles: _Styles, frame: pd.DataFrame) -> None:
    """Below the table: totals of the rows the filter shows (SUBTOTAL), with the values of
    the whole table stored too for programs that do not recalculate."""
    n = len(frame)
    row = n + 1
    first, last = 2, n + 1  # 1-based rows of the data

    def col(name: str) -> str:
        k = SUMMARY_COLUMNS.index(name)
        return _letter(k)

    def rng(name: str) -> str:
        c = col(name)
        return f"{c}{first}:{c}{max(last, first)}"

    sheet.write_string(row, 0, "合计（筛选后的行）", styles.total)
    # No forms at all: the figures as they are (a formula over no rows would reference itself).
    put = _put_formula if n else _put_value
    put(sheet, row, 1, f"=SUBTOTAL(103,{rng('工作表')})", styles.total_forms, n)
    sums: dict[str, float] = {}
    for name in (*AMOUNTS, *COUNTS):
        values = pd.to_numeric(frame[name], errors="coerce")
        sums[name] = float(values.sum()) if n else 0.0
    budget, executed = col("全年预算数"), col("全年执行数")
    ok = col("可以提交")
    cells: dict[int, tuple[str, Any, Any]] = {
        SUMMARY_COLUMNS.index(name): (
            f"=SUBTOTAL(109,{rng(name)})",
            styles.total_amount if name in AMOUNTS else styles.total_count,
            sums[name],
        )
        for name in (*AMOUNTS, *COUNTS)
    }
    cells[SUMMARY_COLUMNS.index("执行率（复算）")] = (
        f'=IFERROR({executed}{row + 1}/{budget}{row + 1},"")',
        styles.total_rate,
        sums["全年执行数"] / sums["全年预算数"] if sums["全年预算数"] else "",
    )
    cells[SUMMARY_COLUMNS.index("可以提交")] = (
        f"=SUMPRODUCT(SUBTOTAL(103,OFFSET({ok}{first},ROW({rng('可以提交')})-ROW({ok}{first}),0)),"
        f'--({rng("可以提交")}="是"))',
        styles.total_ok,
        int((frame["可以提交"] == "是").sum()),
    )
    for k in range(2, len(SUMMARY_COLUMNS)):
        if k in cells:
            formula, fmt, value = cells[k]
            put(sheet, row, k, formula, fmt, value)
        else:
            sheet.write_blank(row, k, None, styles.total)
    sheet.write_string(
        row + 1,
        0,
        "执行率（复算）的合计 = 全年执行数合计 ÷ 全年预算数合计；基础数据表没有执行率和总分。",
        styles.note,
    )


def _put_formula(sheet: Worksheet, row: int, col: int, formula: str, fmt: Any, value: Any) -> None:
    sheet.write_formula(row, col, formula, fmt, value)


def _put_value(sheet: Worksheet, row: int, col: int, formula: str, fmt: Any, value: Any) -> None:
    if value == "":
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_number(row, col, value, fmt)


def _link(sheet: Worksheet, row: int, name: str, target: str, base: Path, fmt: Any) -> None:
    """The file's name as a link to it: a HYPERLINK formula with the path relative to the
    summary's folder (Excel, WPS and LibreOffice resolve it there, on Windows and
    elsewhere, so the folder can be moved as a whole); the name is the cell's stored value,
    which programs that read values see."""
    url = file_link(target, base) if target else None
    if url is None or len(url) > MAX_LINK:
        sheet.write_string(row, 0, name)
        return
    formula = f'=HYPERLINK("{_quoted(url)}","{_quoted(name)}")'
    sheet.write_formula(row, 0, formula, fmt, name)


MAX_LINK = 255  # the longest link_location HYPERLINK takes


def file_link(target: str, base: Path) -> str:
    """The path of ``target`` as seen from the folder ``base`` (``/`` between folders);
    absolute where there is no relative path (another drive on Windows)."""
    real = os.path.realpath(target)
    try:
        return os.path.relpath(real, os.path.realpath(base)).replace(os.sep, "/")
    except ValueError:
        return real


def _quoted(text: str) -> str:
    return text.replace('"', '""')


def _rules_sheet(book: Workbook, styles: _Styles, tables: Tables) -> None:
    """Findings by rule (columns A–F) and by unit (from column H), each with its header
    and a 合计 row (the findings add up to the 汇总's; 涉及表数 and 涉及文件数 do not add up
    across rules and are left out of it)."""
    sheet = book.add_worksheet(RULES)
    counts = dict.fromkeys(("问题数", "涉及表数", "涉及文件数", *UNIT_COLUMNS[1:]), styles.count)
    centered = {"代码": styles.center, "级别": styles.center}
    rules = _frame_layout(styles, tables.rules, {"规则名称": 36}, {**counts, **centered})
    gap = len(RULE_COLUMNS) + 1
    units = _frame_layout(styles, tables.units, {"单位": 30}, counts, start=gap)
    _set_columns(sheet, rules)
    sheet.set_column(gap - 1, gap - 1, 3)
    _set_columns(sheet, units)
    sheet.freeze_panes(2, 0)
    _printed(sheet)
    sheet.repeat_rows(0, 1)
    sheet.write_string(0, 0, "按规则", styles.title)
    sheet.write_string(0, gap, "按单位", styles.title)
    _header(sheet, styles, list(RULE_COLUMNS), row=1)
    _header(sheet, styles, list(UNIT_COLUMNS), row=1, start=gap)
    frames = (tables.rules, tables.units)
    rows = [list(frame.itertuples(index=False, name=None)) for frame in frames]
    for r in range(max(len(rows[0]), len(rows[1])) + 1):
        lines = 1
        for table, records in zip((rules, units), rows, strict=True):
            if r < len(records):
                lines = max(lines, table.lines(records[r]))
        if lines > 1:
            sheet.set_row(r + 2, LINE_HEIGHT * lines)
        for table, frame, records in zip((rules, units), frames, rows, strict=True):
            if r < len(records):
                for k, value in enumerate(records[r], table.start):
                    _cell(sheet, r + 2, k, value)
            elif r == len(records):
                _sum_row(sheet, styles, table, frame, r + 2)


def _sum_row(
    sheet: Worksheet, styles: _Styles, table: _Table, frame: pd.DataFrame, row: int
) -> None:
    """合计 under a table: the sum of each count that adds up (SUM, its value stored)."""
    additive = {"问题数", *UNIT_COLUMNS[1:]}
    first, last = 3, row  # 1-based rows of the data
    for k, name in enumerate(frame.columns):
        col = table.start + k
        if k == 0:
            sheet.write_string(row, col, "合计", styles.total)
        elif name in additive:
            total = int(pd.to_numeric(frame[name]).sum()) if len(frame) else 0
            formula = f"=SUM({_letter(col)}{first}:{_letter(col)}{last})"
            put = _put_formula if len(frame) else _put_value  # no rows: no range to sum
            put(sheet, row, col, formula, styles.total_count, total)
        else:
            sheet.write_blank(row, col, None, styles.total)


def _charts(book: Workbook, styles: _Styles, tables: Tables) -> None:
    """Three native charts on 图表, their figures on 图表数据."""
    charts: Worksheet = book.add_worksheet(CHARTS)
    data: Worksheet = book.add_worksheet(CHART_DATA)
    frame = tables.summary
    data.set_column(0, 0, 14)
    data.set_column(3, 3, 36)
    data.set_column(6, 10, 13)

    # 执行率 (recomputed) in bins.
    rates = [
        r for r in pd.to_numeric(frame["执行率（复算）"], errors="coerce") if not math.isnan(r)
    ]
    bins = [(label, sum(1 for r in rates if lo <= round(r, 4) < hi)) for label, lo, hi in RATE_BINS]
    # Findings by rule, the most frequent on top.
    rules = [
        (f"{rec['代码']} {rec['规则名称']}", rec["问题数"])
        for rec in reversed(tables.rules.to_dict("records"))
    ]
    # Reported 总分 against the recomputed one: off the diagonal, the total is wrong.
    pairs = [
        (float(a), float(b))
        for a, b in zip(frame["总分（复算）"], frame["总分（填报）"], strict=True)
        if _is_number(a) and _is_number(b)
    ]
    # Axes from a round ten below the lowest total to one above the highest (100 at least).
    values = [v for p in pairs for v in p]
    top = math.ceil(max([100.0, *values]) / 10) * 10
    low = min(math.floor(min(values, default=0.0) / 10) * 10 - 10, 60)
    low = max(low, 0) if min(values, default=0.0) >= 0 else low
    diagonal = [(low, low), (top, top)]

    # The figures, row by row: 执行率 bins (A:B), rules (D:E), totals (G:H), diagonal (J:K).
    groups = [(0, bins), (3, rules), (6, pairs), (9, diagonal)]
    heads = {0: "执行率区间", 1: "表数", 3: "规则", 4: "问题数", 6: "总分（复算）",
             7: "总分（填报）", 9: "填报 = 复算"}  # fmt: skip
    data.set_row(0, 30)
    for k, head in heads.items():
        data.write_string(0, k, head, styles.header)
    for r in range(1, max(len(g) for _, g in groups) + 1):
        for col, group in groups:
            if r <= len(group):
                a, b = group[r - 1]
                _cell(data, r, col, a)
                _cell(data, r, col + 1, b)

    column = book.add_chart({"type": "column"})
    column.add_series(
        {
            "name": "表数",
            "categories": [CHART_DATA, 1, 0, len(bins), 0],
            "values": [CHART_DATA, 1, 1, len(bins), 1],
            "fill": {"color": "#4472C4"},
            "data_labels": {"value": True},
            "gap": 60,
        }
    )
    _titles(column, "执行率分布（复算，按表计）", "执行率", "表数")
    column.set_legend({"none": True})
    column.set_size({"width": 720, "height": 360})
    charts.insert_chart(1, 1, column)

    bar = book.add_chart({"type": "bar"})
    bar.add_series(
        {
            "name": "问题数",
            "categories": [CHART_DATA, 1, 3, max(len(rules), 1), 3],
            "values": [CHART_DATA, 1, 4, max(len(rules), 1), 4],
            "fill": {"color": "#ED7D31"},
            "data_labels": {"value": True},
            "gap": 40,
        }
    )
    _titles(bar, "各规则的问题数", "问题数", None)
    bar.set_legend({"none": True})
    bar.set_size({"width": 720, "height": max(300, 26 * len(rules) + 90)})
    charts.insert_chart(20, 1, bar)

    scatter = book.add_chart({"type": "scatter"})
    scatter.add_series(
        {
            "name": "各表",
            "categories": [CHART_DATA, 1, 6, max(len(pairs), 1), 6],
            "values": [CHART_DATA, 1, 7, max(len(pairs), 1), 7],
            # Half transparent: where many forms share a point, it shows darker.
            "marker": {"type": "circle", "size": 7,
                       "fill": {"color": "#4472C4", "transparency": 60},
                       "border": {"color": "#2F5597", "transparency": 40}},
        }
    )  # fmt: skip
    scatter.add_series(
        {
            "name": "填报 = 复算",
            "categories": [CHART_DATA, 1, 9, 2, 9],
            "values": [CHART_DATA, 1, 10, 2, 10],
            "line": {"color": "#A5A5A5", "dash_type": "dash"},
            "marker": {"type": "none"},
        }
    )
    _titles(
        scatter, "总分：填报与复算（偏离对角线即总分有误；颜色越深，重合的表越多）", "总分（复算）",
        "总分（填报）",
    )  # fmt: skip
    scatter.set_x_axis({"name": "总分（复算）", "min": low, "max": top, **_AXIS_FONTS})
    scatter.set_y_axis({"name": "总分（填报）", "min": low, "max": top, **_AXIS_FONTS})
    scatter.set_legend({"position": "bottom", "font": _FONT})
    scatter.set_size({"width": 560, "height": 480})
    charts.insert_chart(1, 13, scatter)
    charts.set_paper(9)
    charts.set_landscape()
    charts.fit_to_pages(1, 0)


_FONT = {"name": "宋体", "size": 10}
_AXIS_FONTS = {"name_font": {**_FONT, "bold": False}, "num_font": _FONT}


def _titles(chart: Any, title: str, x: str | None, y: str | None) -> None:
    chart.set_title({"name": title, "name_font": {"name": "宋体", "size": 12, "bold": True}})
    if x is not None:
        chart.set_x_axis({"name": x, **_AXIS_FONTS})
    if y is not None:
        chart.set_y_axis({"name": y, **_AXIS_FONTS})
    else:
        chart.set_y_axis({"num_font": _FONT})


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _letter(k: int) -> str:
    """Column letter of a 0-based index."""
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out
