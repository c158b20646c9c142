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
- 图表 (with its data on 图表数据): the spread of 执行率, findings by rule, and the
  reported 总分 against the recomputed one.

The only module of ``jixiao review`` that loads pandas and XlsxWriter.
"""

from __future__ import annotations

import json
import math
import os
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from jixiao.app.review import OK, Item
from jixiao.core.findings import SEVERITIES
from jixiao.rules import REGISTRY

__all__ = [
    "Tables",
    "build_tables",
    "file_link",
    "totals",
    "write_csv",
    "write_json",
    "write_xlsx",
]

SUMMARY, DETAILS, RULES, UNREADABLE, CHARTS, CHART_DATA = (
    "汇总",
    "问题明细",
    "规则统计",
    "未能读取",
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
RULE_COLUMNS = ("代码", "规则名称", "级别", "问题数", "涉及表数", "涉及文件数")
UNIT_COLUMNS = ("单位", "表数", "可以提交", "错误数", "警告数", "提示数")
AMOUNTS = ("全年预算数", "全年执行数")
RATES = ("执行率（填报）", "执行率（复算）")
SCORES = ("总分（填报）", "总分（复算）")
COUNTS = ("错误数", "警告数", "提示数")
NO_UNIT = "（未填单位名称）"
WRAP_WIDTH = 60  # a column this wide wraps its text
LINE_HEIGHT = 13.5  # points per line of 10-point text

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
    summary: pd.DataFrame  # 汇总, without its totals row
    details: pd.DataFrame  # 问题明细
    rules: pd.DataFrame  # 规则统计, by rule
    units: pd.DataFrame  # 规则统计, by unit
    unreadable: pd.DataFrame  # 未能读取
    links: list[str]  # the file each 汇总 row links to (the zip for a zip member)
    unreadable_links: list[str]


def build_tables(results: Sequence[dict[str, Any]], items: Sequence[Item | None]) -> Tables:
    """The tables of the summary, from the files' results (in their order) and where each
    file is (``items[k]`` for ``results[k]``; None: no file to link)."""
    rows: list[dict[str, Any]] = []
    links: list[str] = []
    details: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    bad_links: list[str] = []
    for result, item in zip(results, items, strict=True):
        name = result["file"]
        where = item.path if item is not None else ""
        if result.get("status") != OK:
            bad.append({"文件": name, "原因": result.get("reason") or result.get("message")})
            bad_links.append(where)
            continue
        for form in result.get("forms", []):
            rows.append(summary_row(name, form))
            links.append(where)
        for f in result.get("findings", []):
            details.append(
                {
                    "文件": name,
                    "工作表": f.get("sheet", ""),
                    "单元格/位置": f.get("location") or f.get("cell", ""),
                    "代码": f["code"],
                    "级别": f["severity"],
                    "字段": f.get("field", ""),
                    "说明": f["message"],
                }
            )
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    detail_frame = pd.DataFrame(details, columns=list(DETAIL_COLUMNS))
    return Tables(
        summary=summary,
        details=detail_frame,
        rules=_by_rule(results),
        units=_by_unit(summary),
        unreadable=pd.DataFrame(bad, columns=list(UNREADABLE_COLUMNS)),
        links=links,
        unreadable_links=bad_links,
    )


def summary_row(name: str, form: dict[str, Any]) -> dict[str, Any]:
    """One 汇总 row from a file's name and a form's summary line (``forms`` of
    ``validate --json``)."""
    counts = form.get("summary", {})
    return {
        "文件": name,
        "工作表": form.get("sheet", ""),
        "单位": form.get("单位名称"),
        "年度": form.get("年度"),
        "表类型": form.get("表类型"),
        "项目名称": form.get("项目名称"),
        "全年预算数": form.get("全年预算数"),
        "全年执行数": form.get("全年执行数"),
        "执行率（填报）": form["执行率"]["填报"],
        "执行率（复算）": form["执行率"]["复算"],
        "总分（填报）": form["总分"]["填报"],
        "总分（复算）": form["总分"]["复算"],
        "等级（填报）": form["等级"]["填报"],
        "等级（复算）": form["等级"]["复算"],
        "错误数": counts.get("错误", 0),
        "警告数": counts.get("警告", 0),
        "提示数": counts.get("提示", 0),
        "可以提交": "是" if form.get("可以提交") else "否",
    }


def totals(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The batch in figures: files, forms, 可以提交, unreadable, findings by severity."""
    ok = [r for r in results if r.get("status") == OK]
    forms = [f for r in ok for f in r.get("forms", [])]
    by_severity = Counter()
    for r in ok:
        by_severity.update(r.get("summary", {}))
    return {
        "文件数": len(results),
        "已读取": len(ok),
        "未能读取": len(results) - len(ok),
        "表数": len(forms),
        "可以提交": sum(1 for f in forms if f.get("可以提交")),
        "问题": {str(s): by_severity.get(str(s), 0) for s in SEVERITIES},
    }


def _by_rule(results: Sequence[dict[str, Any]]) -> pd.DataFrame:
    findings = Counter()
    forms: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    files: defaultdict[str, set[str]] = defaultdict(set)
    for r in results:
        if r.get("status") != OK:
            continue
        for f in r.get("findings", []):
            findings[f["code"]] += 1
            forms[f["code"]].add((r["file"], f.get("sheet", "")))
            files[f["code"]].add(r["file"])
    catalogue = {c.code: c for c in REGISTRY}
    rows = []
    for code, n in sorted(findings.items(), key=lambda kv: (-kv[1], kv[0])):
        check = catalogue.get(code)
        rows.append(
            {
                "代码": code,
                "规则名称": check.title if check else "",
                "级别": str(check.severity) if check else "",
                "问题数": n,
                "涉及表数": len(forms[code]),
                "涉及文件数": len(files[code]),
            }
        )
    return pd.DataFrame(rows, columns=list(RULE_COLUMNS))


def _by_unit(summary: pd.DataFrame) -> pd.DataFrame:
    rows: dict[str, dict[str, Any]] = {}
    for rec in summary.to_dict("records"):
        unit = rec["单位"] if isinstance(rec["单位"], str) and rec["单位"] else NO_UNIT
        row = rows.setdefault(unit, {"单位": unit, **dict.fromkeys(UNIT_COLUMNS[1:], 0)})
        row["表数"] += 1
        row["可以提交"] += rec["可以提交"] == "是"
        for c in COUNTS:
            row[c] += int(rec[c])
    ordered = sorted(rows.values(), key=lambda r: (r["单位"] == NO_UNIT, r["单位"]))
    return pd.DataFrame(ordered, columns=list(UNIT_COLUMNS))


# ---- JSON and CSV ------------------------------------------------------------------------------


def write_json(path: Path, results: Sequence[dict[str, Any]], meta: dict[str, Any]) -> None:
    """``{"jixiao": …, "profile": …, "totals": …, "files": [each file's result]}``; each file's
    result is its ``validate --json`` object with ``status`` (ok / unreadable / internal)."""
    doc = {**meta, "totals": totals(results), "files": list(results)}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")


CSV_FILES = {
    "汇总.csv": "summary",
    "问题明细.csv": "details",
    "规则统计_按规则.csv": "rules",
    "规则统计_按单位.csv": "units",
    "未能读取.csv": "unreadable",
}


def write_csv(paths: dict[str, Path], tables: Tables) -> None:
    """Each table as a CSV file (``paths``: CSV file name → where to write it); UTF-8 with a
    BOM so that Excel and WPS open the Chinese text right. 执行率 are fractions (1 = 100%)."""
    for name, target in paths.items():
        frame: pd.DataFrame = getattr(tables, CSV_FILES[name])
        frame.to_csv(target, index=False, encoding="utf-8-sig", lineterminator="\r\n")


# ---- the workbook ------------------------------------------------------------------------------


def write_xlsx(path: Path, tables: Tables, link_base: Path, meta: dict[str, Any]) -> None:
    """The summary workbook at ``path``; links to the files are relative to ``link_base``
    (the folder the summary will be in)."""
    with pd.ExcelWriter(
        path,
        engine="xlsxwriter",
        engine_kwargs={
            "options": {
                "strings_to_urls": False,  # links are written on purpose, below
                "strings_to_formulas": False,  # a clerk's "=…" is text, never a formula
                "strings_to_numbers": False,
                "nan_inf_to_errors": True,
            }
        },
    ) as writer:
        book: Workbook = writer.book
        book.set_properties({"title": "绩效自评表审核汇总", "comments": meta.get("generator", "")})
        styles = _Styles(book)
        _summary_sheet(writer, styles, tables, link_base)
        _table_sheet(
            writer,
            styles,
            DETAILS,
            tables.details,
            widths={"说明": 80, "字段": _width("字段", tables.details["字段"], cap=36)},
            formats={"代码": styles.center, "级别": styles.center},
        )
        _rules_sheet(writer, styles, tables)
        if len(tables.unreadable):
            sheet = _table_sheet(writer, styles, UNREADABLE, tables.unreadable, widths={"原因": 90})
            _link_column(
                sheet, styles, tables.unreadable["文件"], tables.unreadable_links, link_base
            )
        _charts(writer, styles, tables)
        book.worksheets()[0].activate()


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
        self.link = book.add_format({**base, "font_color": "#0563C1", "underline": 1})
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


def _table_sheet(
    writer: pd.ExcelWriter,
    styles: _Styles,
    name: str,
    frame: pd.DataFrame,
    *,
    widths: dict[str, int] | None = None,
    formats: dict[str, Any] | None = None,
) -> Worksheet:
    """A table on a sheet of its own: bold header, frozen, filterable; columns as wide as
    their Chinese text (capped), number formats by column; long text wraps, its row as
    high as its lines."""
    frame.to_excel(writer, sheet_name=name, index=False, header=False, startrow=1)
    sheet: Worksheet = writer.sheets[name]
    _header(sheet, styles, list(frame.columns))
    sheet.freeze_panes(1, 1 if name == SUMMARY else 0)
    sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    _printed(sheet)
    formats = formats or {}
    wrapped: dict[str, int] = {}
    for k, column in enumerate(frame.columns):
        width = (widths or {}).get(column) or _width(column, frame[column])
        fmt = formats.get(column)
        if fmt is None:
            fmt = styles.text
            if width >= WRAP_WIDTH:
                fmt, wrapped[column] = styles.wrap, width
        sheet.set_column(k, k, width, fmt)
    if wrapped:
        for k, rec in enumerate(frame[list(wrapped)].itertuples(index=False), 1):
            lines = max(
                math.ceil(_display_width(_shown(v), cjk=1.85) / wrapped[c])
                for c, v in zip(wrapped, rec, strict=True)
            )
            if lines > 1:
                sheet.set_row(k, LINE_HEIGHT * lines)
    return sheet


def _printed(sheet: Worksheet) -> None:
    """A4 landscape, one page wide, the header on every page, page numbers in the footer."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _header(sheet: Worksheet, styles: _Styles, columns: list[str], row: int = 0) -> None:
    for k, column in enumerate(columns):
        sheet.write_string(row, k, column, styles.header)
    sheet.set_row(row, 30)


def _width(column: str, values: pd.Series, cap: int = 60) -> int:
    """Characters of the widest entry (a Chinese character counts two), within limits."""
    texts = [column] + [_shown(v) for v in values.head(2000)]
    widest = max(_display_width(t) for t in texts)
    return max(6, min(cap, math.ceil(widest) + 2))


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _display_width(text: str, cjk: float = 2) -> float:
    """Width in column units: a Chinese character (10-point 宋体) is about two."""
    return sum(cjk if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _summary_sheet(
    writer: pd.ExcelWriter, styles: _Styles, tables: Tables, link_base: Path
) -> None:
    frame = tables.summary
    widths = {
        "文件": _width("文件", frame["文件"], cap=WRAP_WIDTH - 1),
        "单位": _width("单位", frame["单位"], cap=36),
        "项目名称": _width("项目名称", frame["项目名称"], cap=WRAP_WIDTH - 1),
    }
    formats = _column_formats(styles)
    formats.update(
        dict.fromkeys(("年度", "等级（填报）", "等级（复算）", "可以提交"), styles.center)
    )
    sheet = _table_sheet(writer, styles, SUMMARY, frame, widths=widths, formats=formats)
    _link_column(sheet, styles, frame["文件"], tables.links, link_base)
    sheet.conditional_format(
        1, SUMMARY_COLUMNS.index("可以提交"), max(len(frame), 1), SUMMARY_COLUMNS.index("可以提交"),
        {"type": "cell", "criteria": "==", "value": '"否"', "format": styles.error},
    )  # fmt: skip
    _totals_row(sheet, styles, frame)
    if len(tables.unreadable):
        sheet.write_string(
            len(frame) + 3,
            0,
            f"另有 {len(tables.unreadable)} 个文件未能读取，见「{UNREADABLE}」表。",
            styles.note,
        )


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
    for k in range(1, len(SUMMARY_COLUMNS)):
        sheet.write_blank(row, k, None, styles.total)
    sheet.write_formula(row, 1, f"=SUBTOTAL(103,{rng('工作表')})", styles.total_forms, n)
    sums: dict[str, float] = {}
    for name in (*AMOUNTS, *COUNTS):
        values = pd.to_numeric(frame[name], errors="coerce")
        sums[name] = float(values.sum()) if n else 0.0
        fmt = styles.total_amount if name in AMOUNTS else styles.total_count
        k = SUMMARY_COLUMNS.index(name)
        sheet.write_formula(row, k, f"=SUBTOTAL(109,{rng(name)})", fmt, sums[name])
    budget, executed = col("全年预算数"), col("全年执行数")
    rate = sums["全年执行数"] / sums["全年预算数"] if sums["全年预算数"] else ""
    sheet.write_formula(
        row,
        SUMMARY_COLUMNS.index("执行率（复算）"),
        f'=IFERROR({executed}{row + 1}/{budget}{row + 1},"")',
        styles.total_rate,
        rate,
    )
    ok = col("可以提交")
    yes = int((frame["可以提交"] == "是").sum())
    sheet.write_formula(
        row,
        SUMMARY_COLUMNS.index("可以提交"),
        f"=SUMPRODUCT(SUBTOTAL(103,OFFSET({ok}{first},ROW({rng('可以提交')})-ROW({ok}{first}),0)),"
        f'--({rng("可以提交")}="是"))',
        styles.total_ok,
        yes,
    )
    sheet.write_string(
        row + 1,
        0,
        "执行率（复算）的合计 = 全年执行数合计 ÷ 全年预算数合计；基础数据表没有执行率和总分。",
        styles.note,
    )


def _link_column(
    sheet: Worksheet, styles: _Styles, names: pd.Series, targets: list[str], base: Path
) -> None:
    """Each name in column A as a link to its file: a HYPERLINK formula with the path
    relative to the summary's folder (Excel, WPS and LibreOffice resolve it there, on
    Windows and elsewhere, so the folder can be moved as a whole); the name is the cell's
    stored value, which programs that read values see."""
    for k, (name, target) in enumerate(zip(names, targets, strict=True), 1):
        url = file_link(target, base) if target else None
        if url is None or len(url) > MAX_LINK:
            sheet.write_string(k, 0, name, styles.text)
            continue
        formula = f'=HYPERLINK("{_quoted(url)}","{_quoted(name)}")'
        sheet.write_formula(k, 0, formula, styles.link, name)


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


def _rules_sheet(writer: pd.ExcelWriter, styles: _Styles, tables: Tables) -> None:
    """Findings by rule (columns A–F) and by unit (from column H), each with its header."""
    tables.rules.to_excel(writer, sheet_name=RULES, index=False, header=False, startrow=2)
    sheet: Worksheet = writer.sheets[RULES]
    sheet.write_string(0, 0, "按规则", styles.title)
    _header(sheet, styles, list(RULE_COLUMNS), row=1)
    gap = len(RULE_COLUMNS) + 1
    tables.units.to_excel(
        writer, sheet_name=RULES, index=False, header=False, startrow=2, startcol=gap
    )
    sheet.write_string(0, gap, "按单位", styles.title)
    for k, column in enumerate(UNIT_COLUMNS):
        sheet.write_string(1, gap + k, column, styles.header)
    sheet.freeze_panes(2, 0)
    _printed(sheet)
    sheet.repeat_rows(0, 1)
    for k, column in enumerate(RULE_COLUMNS):
        width = _width(column, tables.rules[column], cap=30)
        sheet.set_column(k, k, width, styles.text)
    sheet.set_column(gap - 1, gap - 1, 3)
    for k, column in enumerate(UNIT_COLUMNS):
        width = _width(column, tables.units[column], cap=40)
        sheet.set_column(gap + k, gap + k, width, styles.text)


def _charts(writer: pd.ExcelWriter, styles: _Styles, tables: Tables) -> None:
    """Three native charts on 图表, their figures on 图表数据."""
    book: Workbook = writer.book
    charts: Worksheet = book.add_worksheet(CHARTS)
    data: Worksheet = book.add_worksheet(CHART_DATA)
    frame = tables.summary

    # 执行率 (recomputed) in bins.
    rates = [
        r for r in pd.to_numeric(frame["执行率（复算）"], errors="coerce") if not math.isnan(r)
    ]
    bins = [(label, sum(1 for r in rates if lo <= round(r, 4) < hi)) for label, lo, hi in RATE_BINS]
    _header(data, styles, ["执行率区间", "表数"])
    for k, (label, count) in enumerate(bins, 1):
        data.write_string(k, 0, label)
        data.write_number(k, 1, count)
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

    # Findings by rule, the most frequent on top.
    rules = tables.rules
    data.write_string(0, 3, "规则")
    data.write_string(0, 4, "问题数")
    data.set_row(0, 30)
    for k, rec in enumerate(reversed(rules.to_dict("records")), 1):
        data.write_string(k, 3, f"{rec['代码']} {rec['规则名称']}")
        data.write_number(k, 4, rec["问题数"])
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

    # Reported 总分 against the recomputed one: off the diagonal, the total is wrong.
    pairs = [
        (float(a), float(b))
        for a, b in zip(frame["总分（复算）"], frame["总分（填报）"], strict=True)
        if _is_number(a) and _is_number(b)
    ]
    data.write_string(0, 6, "总分（复算）")
    data.write_string(0, 7, "总分（填报）")
    for k, (a, b) in enumerate(pairs, 1):
        data.write_number(k, 6, a)
        data.write_number(k, 7, b)
    # Axes from a round ten below the lowest total to one above the highest (100 at least).
    values = [v for p in pairs for v in p]
    top = math.ceil(max([100.0, *values]) / 10) * 10
    low = min(math.floor(min(values, default=0.0) / 10) * 10 - 10, 60)
    low = max(low, 0) if min(values, default=0.0) >= 0 else low
    data.write_string(0, 9, "填报 = 复算")
    for k, v in enumerate((low, top), 1):
        data.write_number(k, 9, v)
        data.write_number(k, 10, v)
    scatter = book.add_chart({"type": "scatter"})
    scatter.add_series(
        {
            "name": "各表",
            "categories": [CHART_DATA, 1, 6, max(len(pairs), 1), 6],
            "values": [CHART_DATA, 1, 7, max(len(pairs), 1), 7],
            "marker": {"type": "circle", "size": 6, "fill": {"color": "#4472C4"},
                       "border": {"color": "#2F5597"}},
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
    _titles(scatter, "总分：填报与复算（偏离对角线即总分有误）", "总分（复算）", "总分（填报）")
    scatter.set_x_axis({"name": "总分（复算）", "min": low, "max": top, **_AXIS_FONTS})
    scatter.set_y_axis({"name": "总分（填报）", "min": low, "max": top, **_AXIS_FONTS})
    scatter.set_legend({"position": "bottom", "font": _FONT})
    scatter.set_size({"width": 560, "height": 480})
    charts.insert_chart(1, 13, scatter)
    charts.set_paper(9)
    charts.set_landscape()
    charts.fit_to_pages(1, 0)
    data.set_column(0, 0, 14)
    data.set_column(3, 3, 30)
    data.set_column(6, 10, 13)


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
