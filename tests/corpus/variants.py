"""The same real form as clerks also send it: changes that must not change a single finding.

Each corpus form (``forms/*.json``) is changed the way forms change between the finance
bureau's blank and the file that arrives — moved on the sheet, merges undone, merges undone
with their text filled into every cell (WPS's 取消合并并填充), percentages typed as numbers,
labels wrapped or spaced, another sheet in front … — and laid out again by
:func:`build.to_xlsx`. What the form says is unchanged, so a reader must give the same
findings, each in the cell the change moved it to.

A variant is a function of the form that returns a :class:`Changed`: the changed form, where
each original cell went (``moved``), what to do to the saved workbook afterwards
(``post``), and which cells now repeat a merged cell's text (``copies``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

Pos = tuple[int, int]


@dataclass
class Changed:
    form: dict[str, Any]
    moved: Callable[[Pos], Pos] = lambda pos: pos  # original cell -> where it is now
    post: Callable[[Worksheet, Workbook], None] | None = None  # on the saved workbook
    copies: dict[Pos, Pos] = field(default_factory=dict)  # filled cell -> its merge's anchor
    same_cells: bool = True  # False: a finding may point at another cell of the same field
    same_data: bool = False  # True: the form reads as exactly the same data (only cells moved)
    # (code, field) of findings the change may settle by adding what they ask for
    resolves: frozenset[tuple[str, str]] = frozenset()


def width(form: dict[str, Any]) -> int:
    return max(len(row) for row in form["rows"])


def shifted(form: dict[str, Any], rows: int, cols: int) -> dict[str, Any]:
    """The form with ``rows`` empty rows above and ``cols`` empty columns left of it."""
    g = copy.deepcopy(form)
    n = width(g) + cols
    g["rows"] = [[None] * n for _ in range(rows)] + [[None] * cols + r for r in g["rows"]]
    g["merges"] = [_moved_ref(ref, rows, cols) for ref in g["merges"]]
    return g


def _moved_ref(ref: str, rows: int, cols: int) -> str:
    c1, r1, c2, r2 = range_boundaries(ref)
    return f"{get_column_letter(c1 + cols)}{r1 + rows}:{get_column_letter(c2 + cols)}{r2 + rows}"


def _texts(form: dict[str, Any], change: Callable[[str], str]) -> dict[str, Any]:
    g = copy.deepcopy(form)
    for row in g["rows"]:
        for k, value in enumerate(row):
            if isinstance(value, str):
                row[k] = change(value)
    return g


def _numbers(form: dict[str, Any], change: Callable[[int | float], Any]) -> dict[str, Any]:
    g = copy.deepcopy(form)
    for row in g["rows"]:
        for k, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                row[k] = change(value)
    return g


def _number_text(value: int | float) -> str:
    return repr(value) if isinstance(value, float) else str(value)


# ---- where the form sits -----------------------------------------------------------------


def moved_down_and_right(form: dict[str, Any]) -> Changed:
    """Two empty rows above the form and an empty column left of it."""
    return Changed(shifted(form, 2, 1), lambda p: (p[0] + 2, p[1] + 1), same_data=True)


def attachment_line(form: dict[str, Any]) -> Changed:
    """A line "附件3" of its own above the title."""
    g = shifted(form, 1, 0)
    g["rows"][0][0] = "附件3"
    return Changed(g, lambda p: (p[0] + 1, p[1]), same_data=True)


def signature_lines(form: dict[str, Any]) -> Changed:
    """An empty row and the signature line below the form. Its date gives the year of a form
    that prints none (W01 年度 settled)."""
    g = copy.deepcopy(form)
    n = max(width(g), 5)
    line = ["填报人：张三", None, "联系电话：0816-1234567", None, "填报日期：2024年3月15日"]
    g["rows"] += [[None] * n, line + [None] * (n - len(line))]
    return Changed(g, resolves=frozenset({("W01", "年度")}))


def _line_below(form: dict[str, Any], line: list[Any]) -> Changed:
    g = copy.deepcopy(form)
    n = max(width(g), len(line))
    g["rows"].append(line + [None] * (n - len(line)))
    return Changed(g)


def checker_line_below(form: dict[str, Any]) -> Changed:
    """A line "审核人：张三 | 联系电话：…" right below the last row, no 填表人 in it."""
    return _line_below(form, ["审核人：张三", None, "联系电话：0816-1234567"])


def stamp_line_below(form: dict[str, Any]) -> Changed:
    """A line "单位（盖章）| … | 2024年3月15日" right below the last row."""
    return _line_below(form, ["单位（盖章）", None, None, "2024年3月15日"])


def sheet_named_sheet1(form: dict[str, Any]) -> Changed:
    g = copy.deepcopy(form)
    g["sheet"] = "Sheet1"
    return Changed(g, same_data=True)


def _cover(ws: Worksheet, wb: Workbook) -> None:
    cover = wb.create_sheet("填报说明", 0)
    cover["A1"] = "填报说明"
    cover["A2"] = "1. 请按要求填写本表。"
    cover["A3"] = "2. 金额单位：万元。"


def instructions_sheet_in_front(form: dict[str, Any]) -> Changed:
    return Changed(copy.deepcopy(form), post=_cover, same_data=True)


def _notes(ws: Worksheet, wb: Workbook) -> None:
    notes = wb.create_sheet("附表")
    notes["A1"] = "备注"
    notes["A2"] = "本表由财务科汇总。"


def notes_sheet_behind(form: dict[str, Any]) -> Changed:
    return Changed(copy.deepcopy(form), post=_notes, same_data=True)


def remarks_column(form: dict[str, Any]) -> Changed:
    """An empty 备注 column right of the indicator table."""
    g = copy.deepcopy(form)
    n = width(g) + 1
    for row in g["rows"]:
        row += [None] * (n - len(row))
    for row in g["rows"]:
        if any(isinstance(v, str) and "三级指标" in v.replace("\n", "") for v in row):
            row[-1] = "备注"
            break
    return Changed(g, same_data=True)


def empty_row_among_indicators(form: dict[str, Any]) -> Changed:
    """An empty row after the first indicator row."""
    g = copy.deepcopy(form)
    header = next(
        (
            k
            for k, row in enumerate(g["rows"])
            if any(isinstance(v, str) and "三级指标" in v.replace("\n", "") for v in row)
        ),
        None,
    )
    if header is None:
        return Changed(g)
    at = header + 3  # 1-based number of the inserted row
    g["rows"].insert(at - 1, [None] * width(g))
    merges = []
    for ref in g["merges"]:
        c1, r1, c2, r2 = range_boundaries(ref)
        r1, r2 = (r + 1 if r >= at else r for r in (r1, r2))
        merges.append(f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")
    g["merges"] = merges
    return Changed(g, lambda p: (p[0] + 1 if p[0] >= at else p[0], p[1]), same_data=True)


def _dressed(ws: Worksheet, wb: Workbook) -> None:
    thin = Side(style="thin")
    for row in ws.iter_rows():
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if isinstance(cell.value, str) and len(cell.value) <= 8:
                cell.font = Font(name="宋体", bold=True, size=10)
                cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for r in range(1, ws.max_row + 1):
        ws.row_dimensions[r].height = 24
    ws.freeze_panes = "A4"
    ws.print_title_rows = "1:3"
    ws.print_area = ws.dimensions
    ws.page_setup.orientation = "landscape"
    ws.auto_filter.ref = ws.dimensions
    ws["A1"].comment = Comment("请于3月31日前报送", "财政局")
    check = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    ws.add_data_validation(check)
    check.add(f"{get_column_letter(ws.max_column + 2)}1")


def dressed_for_printing(form: dict[str, Any]) -> Changed:
    """Borders, bold filled labels, row heights, frozen panes, print titles and area, a
    filter, a comment and a drop-down list: how a workbook saved from Excel looks."""
    return Changed(copy.deepcopy(form), post=_dressed, same_data=True)


_HEADER_LABELS = ("项目名称", "主管部门", "实施单位", "单位名称", "预算单位", "填报单位", "部门")


def labels_with_their_values(form: dict[str, Any]) -> Changed:
    """Header fields written label and value in one cell: "项目名称：某某", "实施单位 (盖章)：
    某某" (above the budget block; the value's own cell left empty). A finding on such a
    field may name the label's cell."""
    g = copy.deepcopy(form)
    ends = {(r1, c1): c2 for c1, r1, c2, _r2 in map(range_boundaries, g["merges"])}
    for r, row in enumerate(g["rows"], 1):
        if any(isinstance(v, str) and ("预算数" in v or "三级指标" in v) for v in row):
            break
        for c, value in enumerate(row):
            if not isinstance(value, str):
                continue
            head = re.sub(r"[\s(（].*$", "", value)
            after = ends.get((r, c + 1), c + 1)  # 0-based index of the cell after the label's
            following = row[after] if after < len(row) else None
            if head in _HEADER_LABELS and isinstance(following, str) and "：" not in following:
                row[c] = f"{value.rstrip(':：')}：{following}"
                row[after] = None
    return Changed(g, same_cells=False, same_data=True)


# ---- merges ------------------------------------------------------------------------------


def merges_undone(form: dict[str, Any]) -> Changed:
    """No merged cells: each value in its merge's top-left cell, the other cells empty. An
    empty merged value cell is now several cells; a finding on it may name another one."""
    g = copy.deepcopy(form)
    g["merges"] = []
    return Changed(g, same_cells=False, same_data=True)


def merges_filled(form: dict[str, Any]) -> Changed:
    """Every merge down a column that holds text undone, the text in each of its cells (WPS's
    取消合并并填充): headings, block titles, 一级/二级 names over their rows."""
    g = copy.deepcopy(form)
    kept, copies = [], {}
    for ref in g["merges"]:
        c1, r1, c2, r2 = range_boundaries(ref)
        top = g["rows"][r1 - 1]
        value = top[c1 - 1] if c1 <= len(top) else None
        if c1 != c2 or r2 == r1 or not isinstance(value, str):
            kept.append(ref)
            continue
        for r in range(r1 + 1, r2 + 1):
            row = g["rows"][r - 1]
            row += [None] * (c1 - len(row))
            row[c1 - 1] = value
            copies[(r, c1)] = (r1, c1)
    g["merges"] = kept
    return Changed(g, copies=copies, same_data=True)


# ---- how values and labels are typed -----------------------------------------------------

_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")


def _percent_numbers(ws: Worksheet, wb: Workbook) -> None:
    for row in ws.iter_rows():
        for cell in row:
            m = _PERCENT.match(cell.value.strip()) if isinstance(cell.value, str) else None
            if m:
                digits = m.group(1)
                places = len(digits.split(".")[1]) if "." in digits else 0
                cell.value = float(digits) / 100
                cell.number_format = "0%" if not places else "0." + "0" * places + "%"


def percentages_as_numbers(form: dict[str, Any]) -> Changed:
    """Percentages typed into percent-formatted cells: "97.80%" is the number 0.978."""
    return Changed(copy.deepcopy(form), post=_percent_numbers)


def numbers_as_text(form: dict[str, Any]) -> Changed:
    """Every number a text ("32.4"), as a cell formatted as text holds it."""
    return Changed(_numbers(form, _number_text))


def numbers_with_spaces(form: dict[str, Any]) -> Changed:
    return Changed(_numbers(form, lambda v: f" {_number_text(v)} "))


def thousands_separators(form: dict[str, Any]) -> Changed:
    return Changed(_numbers(form, lambda v: f"{v:,}" if abs(v) >= 1000 else v))


def _percent_text(change: Callable[[str], Any]) -> Callable[[str], Any]:
    def changed(text: str) -> Any:
        m = _PERCENT.match(text.strip())
        return change(m.group(1)) if m else text

    return changed


def percentages_trimmed(form: dict[str, Any]) -> Changed:
    """ "97.80%" written "97.8%", "100.00%" "100%"."""
    return Changed(
        _texts(
            form, _percent_text(lambda d: d.rstrip("0").rstrip(".") + "%" if "." in d else d + "%")
        )
    )


def percentages_as_fractions(form: dict[str, Any]) -> Changed:
    """Percentages as the plain numbers a General cell shows: "97.80%" is 0.978, "100%" 1.

    Not in a row that pairs the rate with a count ("灭火设备配备率 | 100% | 1000件", 蔡甸):
    there the % is all that says the 1 is a rate, so without it the row says something else
    (a target of 1 against 1000件), and other findings are right."""
    to_fraction = _percent_text(lambda d: round(float(d) / 100, 6))
    g = copy.deepcopy(form)
    for row in g["rows"]:
        if any(isinstance(v, str) and _COUNTED.match(v.strip()) for v in row):
            continue
        row[:] = [to_fraction(v) if isinstance(v, str) else v for v in row]
    return Changed(g)


_COUNTED = re.compile(r"^\d+(?:\.\d+)?\s*[\u4e00-\u9fff]+$")  # "1000件", "150万"


def percent_signs_full_width(form: dict[str, Any]) -> Changed:
    return Changed(_texts(form, lambda t: t.replace("%", "％")))


def operators_in_ascii(form: dict[str, Any]) -> Changed:
    """≥ and ≤ typed as >= and <=."""
    return Changed(_texts(form, lambda t: t.replace("≥", ">=").replace("≤", "<=")))


def _with_fen(form: dict[str, Any]) -> dict[str, Any]:
    g = copy.deepcopy(form)
    for k, row in enumerate(g["rows"]):
        if any(isinstance(v, str) and "三级指标" in v.replace("\n", "") for v in row):
            columns = [
                c
                for c, v in enumerate(row)
                if isinstance(v, str) and re.search("分值|得分|权重", v)
            ]
            for below in g["rows"][k + 1 :]:
                for c in columns:
                    v = below[c] if c < len(below) else None
                    if isinstance(v, int | float) and not isinstance(v, bool):
                        below[c] = f"{v:g}分"
            break
    return g


def scores_with_fen(form: dict[str, Any]) -> Changed:
    """The indicators' points and scores typed with 分: "20分"."""
    return Changed(_with_fen(form))


# Headings as other forms print them (each a name jixiao.core.fields lists for the field).
_OTHER_NAMES = {
    "年度资金总额": "资金总额", "年初预算数": "年初预算", "全年预算数": "调整后预算数",
    "全年执行数": "全年实际支出", "实际完成值": "全年实际值", "年度指标值": "年度目标值",
    "偏差原因分析及改进措施": "未完成原因分析及改进措施", "分值": "权重", "得分": "自评得分",
    "执行率": "预算执行率", "其中:当年财政拨款": "其中：财政拨款", "其中:本年财政拨款": "其中：财政拨款",
    "上年结转资金": "上年结转", "预期目标": "年初设定目标", "实际完成情况": "全年实际完成情况",
    "主管部门": "项目主管部门", "实施单位": "项目实施单位",
}  # fmt: skip


def labels_by_other_names(form: dict[str, Any]) -> Changed:
    """Headings under the other names forms give them: 调整后预算数, 全年实际值, 权重 …"""
    return Changed(_texts(form, lambda t: _OTHER_NAMES.get(t.replace("\n", ""), t)))


_LABEL_WORDS = ("指标", "预算", "执行", "单位", "完成", "分值", "得分")


def _wrapped(text: str) -> str:
    if re.fullmatch(r"[\u4e00-\u9fff()（）]{4,10}", text) and any(w in text for w in _LABEL_WORDS):
        return text[: len(text) // 2] + "\n" + text[len(text) // 2 :]
    return text


def labels_wrapped(form: dict[str, Any]) -> Changed:
    """Labels broken over two lines ("年度指\\n标值")."""
    return Changed(_texts(form, _wrapped))


_SPACED = ("分值", "得分", "年度", "执行率", "单位名称", "项目名称", "主管部门", "实施单位",
           "一级指标", "二级指标", "三级指标", "总分", "备注", "指标值")  # fmt: skip


def labels_spaced(form: dict[str, Any]) -> Changed:
    """Short labels spread out to fill their cells: "分\u3000值", "单 位 名 称"."""

    def spaced(text: str) -> str:
        if text not in _SPACED:
            return text
        return "\u3000".join(text) if len(text) <= 3 else " ".join(text)

    return Changed(_texts(form, spaced))


def trailing_spaces(form: dict[str, Any]) -> Changed:
    """A space after short texts without digits (labels, level names, 是/否)."""
    return Changed(
        _texts(form, lambda t: t + " " if len(t) <= 12 and not re.search(r"\d", t) else t)
    )


def full_width_punctuation(form: dict[str, Any]) -> Changed:
    return Changed(
        _texts(form, lambda t: t.replace(":", "：").replace("(", "（").replace(")", "）"))
    )


def half_width_punctuation(form: dict[str, Any]) -> Changed:
    return Changed(
        _texts(form, lambda t: t.replace("：", ":").replace("（", "(").replace("）", ")"))
    )


VARIANTS: dict[str, Callable[[dict[str, Any]], Changed]] = {
    f.__name__: f
    for f in (
        moved_down_and_right,
        attachment_line,
        signature_lines,
        checker_line_below,
        stamp_line_below,
        sheet_named_sheet1,
        instructions_sheet_in_front,
        notes_sheet_behind,
        remarks_column,
        empty_row_among_indicators,
        dressed_for_printing,
        labels_with_their_values,
        merges_undone,
        merges_filled,
        percentages_as_numbers,
        percentages_trimmed,
        percentages_as_fractions,
        percent_signs_full_width,
        operators_in_ascii,
        scores_with_fen,
        numbers_as_text,
        numbers_with_spaces,
        thousands_separators,
        labels_wrapped,
        labels_by_other_names,
        labels_spaced,
        trailing_spaces,
        full_width_punctuation,
        half_width_punctuation,
    )
}
