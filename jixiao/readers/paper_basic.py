"""Read the 部门整体支出绩效评价基础数据表 from a sheet laid out like the paper form.

Units send the basic data table on the finance bureau's own sheet, on last year's
workbook, or as the 附表 of a Word report: no defined names, no fixed positions. This
reader finds it the way a reviewer reads it, by its headings and row labels:

- Labels are compared after NFKC (full-width → half-width), without whitespace and line
  breaks, without notes in brackets ("(万元)", "（㎡）", "（2018年完工项目）"), quotes
  ("“三公”经费") and a trailing colon. Each heading accepts the variants of the field
  schema (jixiao.core.fields).
- 人员: the row holding 编制数 (核定编制数 …) and, beside it, 实际在职人数 ("2018年实际
  在职人数", 本年实际在职人数, 在职人数, 实有人数) and 控制率; each value is in the cell
  below its heading (the row under a header merged down over it), or to its right when
  the headings run down a column.
- 经费: the header row with at least two amount headings, one of them a 决算: 上年决算数 |
  本年预算数 | 本年决算数, also "2017年决算数 | 2018年预算数 | 2018年决算数" (the earlier
  year's 决算 is last year's). Its rows run down to the 楼堂馆所 header, 厉行节约保障措施,
  a note or the footer, or three empty rows. A row's label is the rightmost text left of
  the amounts. Amounts are read as the clerk typed them; text that is a number with a
  stray full stop, thousands separators or "万元" ("7.50.", "1,234.5", "12万元") is that
  number, and "—", "/", "无" are empty.
- 上级 (the parent row) comes from the table's outline, as a reviewer reads it: the known
  top rows (三公经费, 项目支出, 公用经费, 政府采购金额, …预算调整, 年末结转结余) stand alone;
  a numbered row ("1、", "1.", "（1）", "①") belongs to the nearest row above of a higher
  numbering level; "其中：" opens a list of parts of the row above, and unnumbered rows
  right after it continue that list; rows indented with spaces belong to the nearest row
  above indented less. Flat tables fall back on what the 三公经费 rows are (公务用车…,
  出国…, 公务接待 are its parts; 公车购置, 公车运行维护 those of 公务用车…). Names are kept
  as the form prints them, without their numbering; 三公经费, 项目支出 and 公用经费 get
  their standard names (the checks look them up). Rows with nothing filled in are left
  out, except the parents of filled rows.
- 楼堂馆所: the header row with 批复规模, 实际规模, 预算投资 … (two at least); one item per
  filled row below it, named by the text in the heading's column.
- 单位名称 (填报单位, 预算单位名称, 部门名称 …), 年度, 厉行节约保障措施 and the footer:
  the label, and the value after its colon or in the next cell to its right ("单位：万元"
  is not a value). 年度 also comes from the title ("（2018年度）") or the year of the
  本年 headings ("2018年预算数").

The result is interchange JSON (forms.md) and a map from field paths (``人员.编制数``,
``基础数据.公用经费.本年决算数``, ``楼堂馆所[1].实际投资``, ``单位名称`` …) to the cells the
user sees, so that findings point at the sheet's own cells; cells showing an error value
(#DIV/0!) are reported to Q09 instead of being read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jixiao.core.errors import InputError
from jixiao.core.fields import BASIC, BASIC_OBJECT, labels
from jixiao.core.form import BasicDataForm, CellState, build_form
from jixiao.core.interchange import canonical, json_value, validate
from jixiao.core.layout import NATIONAL, Cell, SheetLayout
from jixiao.core.values import EXCEL_ERRORS, normalize_text
from jixiao.formats.grid import Pos, SheetGrid

__all__ = ["looks_like_basic_table", "read_paper_basic", "read_paper_basic_sheet"]

# A basic data table is one page; these bounds keep a sheet formatted far down cheap.
MAX_ROWS = 500
MAX_COLS = 40
EMPTY_RUN = 3  # this many empty rows end a block
TITLE_ROWS = 10

# ---- label tables (compared after _label()) ---------------------------------------------

STAFF_LABELS = labels("人员")
BUILDING_LABELS = {k: v for k, v in labels("楼堂馆所").items() if k != "名称"}
FIELD_LABELS = {k: v for k, v in labels(BASIC_OBJECT).items() if k != "厉行节约保障措施"}
MEASURES = "厉行节约保障措施"
MEASURES_LABELS = labels(BASIC_OBJECT)[MEASURES]
RATE_KEYS = frozenset({"控制率", "规模控制率", "投资概算控制率"})

_SPACES = re.compile(r"\s+")
_NOTES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|(?:金额)?单位:?(?:万元|元|㎡|m2|人)")
_QUOTES = re.compile("[“”‘’\"'「」『』]")
_YEAR = re.compile(r"^((?:19|20)\d{2})年度?")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_ONLY = re.compile(r"^\(?((?:19|20)\d{2})年?度?\)?$")
_UNIT_NOTE = re.compile(r"^(?:金额)?单位:")
_PLACEHOLDERS = frozenset(
    {"", "-", "--", "—", "——", "–", "/", "//", "\\", "无", "*", "…", "……", "..."}
)
_NUMBER_TEXT = re.compile(r"[-+]?\d+(?:\.\d+)?")
_END_WORDS = ("注", "说明", "备注", "填表人", "填报人", "填报日期", "填表日期", "单位负责人",
              "财务负责人", "审核人", "联系电话")  # fmt: skip

# Numbering in front of a row label, with its outline level (smaller is higher), in the
# order of Chinese official documents: 一、 （一） 1. （1） ①.
_NUMBERING: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^[一二三四五六七八九十]+[、.．]"), 1),
    (re.compile(r"^[(（][一二三四五六七八九十]+[)）]"), 2),
    (re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))"), 3),
    (re.compile(r"^[(（]\d{1,2}[)）]"), 4),
    (re.compile(r"^[①-⑳]"), 5),
)
_QIZHONG = re.compile(r"^其中[:：]?")


def _compact(value: Any) -> str:
    """NFKC text without any whitespace; "" for non-text."""
    if not isinstance(value, str):
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value))


def _label(value: Any) -> str:
    """A heading or row label as compared: no spaces, notes, quotes or trailing colon."""
    text = _QUOTES.sub("", _compact(value))
    prev = None
    while prev != text:  # nested notes: "(单位(万元))"
        prev, text = text, _NOTES.sub("", text)
    return text.strip(":")


def _without_year(label: str) -> tuple[str, int | None]:
    """ "2018年实际在职人数" → ("实际在职人数", 2018)."""
    m = _YEAR.match(label)
    return (label[m.end() :], int(m.group(1))) if m else (label, None)


def _match(label: str, table: dict[str, tuple[str, ...]]) -> str | None:
    """The key whose headings include ``label`` (also after a leading year or 本年/年末)."""
    if not label:
        return None
    plain, _year = _without_year(label)
    for candidate in (label, plain, re.sub(r"^(?:本年度?|年末|当年)", "", plain)):
        for key, options in table.items():
            if candidate in options:
                return key
    return None


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and _compact(value) in _PLACEHOLDERS


def _amount(value: Any) -> Any:
    """An amount (or a count) as the JSON holds it: numbers as typed; text that is a number
    ("7.50.", "1,234.5", "12万元", "１２") as that number; placeholders as absent."""
    if value is None or _is_placeholder(value):
        return None
    if not isinstance(value, str):
        return value
    text = normalize_text(value)  # NFKC, no spaces, no thousands separators
    text = re.sub(r"(?:万元|万|人|名|㎡|m2|平方米)$", "", text).rstrip(".。")
    if _NUMBER_TEXT.fullmatch(text):
        return float(text) if "." in text else int(text)
    return value.strip()


def _rate(value: Any) -> Any:
    """A rate as typed (0.951, "95.10%"); placeholders as absent."""
    if value is None or _is_placeholder(value):
        return None
    return value.strip() if isinstance(value, str) else value


# ---- the sheet ---------------------------------------------------------------------------


class _Grid:
    """Cell values by position, with merged ranges: what a covered cell shows is its anchor's."""

    def __init__(self, ws: SheetGrid) -> None:
        self.sheet = ws.title
        self.preamble = ws.preamble  # a Word table's title lines, printed above it
        self.max_row = min(ws.max_row, MAX_ROWS)
        self.max_col = min(ws.max_col, MAX_COLS)
        self.values: dict[Pos, Any] = {}
        self.errors: dict[Pos, str] = {}
        for pos, raw in ws.values.items():
            if pos[0] > self.max_row or pos[1] > self.max_col:
                continue
            if pos in ws.errors and str(raw) in EXCEL_ERRORS:
                self.errors[pos] = str(raw)
                continue
            value = _scalar(raw)
            if value is not None:
                self.values[pos] = value
        self.anchor: dict[Pos, Pos] = {}  # covered cell of a merge -> its top-left
        self.span: dict[Pos, tuple[int, int, int, int]] = {}  # top-left -> r0, c0, r1, c1
        for c0, r0, c1, r1 in ws.merges:
            if r0 > self.max_row or c0 > self.max_col:
                continue
            self.span[(r0, c0)] = (r0, c0, r1, c1)
            for r in range(r0, min(r1, self.max_row) + 1):
                for c in range(c0, min(c1, self.max_col) + 1):
                    if (r, c) != (r0, c0):
                        self.anchor[(r, c)] = (r0, c0)
                        self.values.pop((r, c), None)  # what a merge hides is not shown
                        self.errors.pop((r, c), None)

    def cell(self, pos: Pos) -> Cell:
        return Cell(self.sheet, pos[0], pos[1])

    def top_left(self, pos: Pos) -> Pos:
        return self.anchor.get(pos, pos)

    def right_of(self, pos: Pos) -> int:
        return self.span.get(pos, (0, 0, 0, pos[1]))[3] + 1

    def below(self, pos: Pos) -> int:
        return self.span.get(pos, (0, 0, pos[0], 0))[2] + 1

    def texts(self, row: int) -> Iterator[tuple[int, str]]:
        for c in range(1, self.max_col + 1):
            value = self.values.get((row, c))
            if isinstance(value, str):
                yield c, value

    def row_empty(self, row: int) -> bool:
        return not any(
            (row, c) in self.values or (row, c) in self.errors for c in range(1, self.max_col + 1)
        )

    def covered_from_above(self, pos: Pos) -> bool:
        """A cell under the top row of a vertical merge (its text belongs to a row above)."""
        anchor = self.anchor.get(pos)
        return anchor is not None and anchor[0] < pos[0]


def _scalar(value: Any) -> Any:
    """A cell as a JSON scalar; None for empty and whitespace-only text."""
    if isinstance(value, str):
        if not value.strip():
            return None
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return json_value(value)


# ---- block finders -------------------------------------------------------------------------


@dataclass
class _Amounts:
    """The 经费 header: its row, the label column and key -> column of the amounts."""

    row: int
    label_col: int
    columns: dict[str, int]
    year: int | None  # the year of the 本年 headings ("2018年预算数")
    year_pos: Pos | None


def _amount_heading(label: str) -> tuple[str, int | None, str | None] | None:
    """ "2017年决算数" → ("决算", 2017, None); "上年决算数" → ("决算", None, "上年")."""
    if len(label) > 16:
        return None  # a sentence (a note), not a column heading
    rest, year = _without_year(label)
    rel = None
    m = re.match(r"^(上年度|上一年度|上年|本年度|本年|当年)", rest)
    if m:
        rel = "上年" if m.group(1).startswith("上") else "本年"
        rest = rest[m.end() :]
    if not rest or any(w in rest for w in ("投资", "调整", "规模", "率", "人数", "编制")):
        return None
    if "决算" in rest or rest in ("执行数", "实际支出数", "实际支出", "支出数", "实际数"):
        return "决算", year, rel
    if "预算" in rest:
        return "预算", year, rel
    return None


def _find_amounts(g: _Grid) -> _Amounts | None:
    for r in range(1, g.max_row + 1):
        found = [(c, h) for c, text in g.texts(r) if (h := _amount_heading(_label(text)))]
        if len(found) < 2 or not any(h[0] == "决算" for _c, h in found):
            continue
        columns, year = _assign(found)
        if len(columns) < 2:
            continue
        first = min(columns.values())
        label_col = next((c for c, _t in g.texts(r) if c < first), 1)
        year_pos = None
        if year is not None:
            year_pos = next(
                ((r, c) for c, h in found if h[1] == year and c in columns.values()), None
            )
        return _Amounts(r, label_col, columns, year, year_pos)
    return None


def _assign(
    found: list[tuple[int, tuple[str, int | None, str | None]]],
) -> tuple[dict[str, int], int | None]:
    """Key -> column for the amount headings of one row, and the year they call 本年."""
    years = [h[1] for _c, h in found if h[1] is not None]
    this_year = max(years) if years else None
    out: dict[str, int] = {}
    budgets = [(c, h) for c, h in found if h[0] == "预算" and h[2] != "上年"]
    budgets = [(c, h) for c, h in budgets if h[1] is None or h[1] == this_year] or budgets
    if budgets:
        out["本年预算数"] = budgets[0][0]
    loose: list[int] = []
    for c, (kind, year, rel) in found:
        if kind != "决算":
            continue
        if rel == "上年" or (year is not None and this_year is not None and year < this_year):
            out.setdefault("上年决算数", c)
        elif rel == "本年" or (year is not None and year == this_year):
            out.setdefault("本年决算数", c)
        else:
            loose.append(c)
    if len(loose) >= 2 and "上年决算数" not in out and "本年决算数" not in out:
        out["上年决算数"], out["本年决算数"] = loose[0], loose[1]
    else:
        for c in loose:
            key = "本年决算数" if "本年决算数" not in out else "上年决算数"
            out.setdefault(key, c)
    return out, this_year


def _staff_labels(g: _Grid, row: int) -> dict[str, Pos]:
    out: dict[str, Pos] = {}
    for c, text in g.texts(row):
        key = _match(_label(text), STAFF_LABELS)
        if key is not None and key not in out:
            out[key] = (row, c)
    return out


def _find_staff(g: _Grid) -> dict[str, Pos] | None:
    """Key -> heading cell of the staff headings: the row holding 编制数, or (headings that
    run down a column) the rows just below it."""
    for r in range(1, g.max_row + 1):
        found = _staff_labels(g, r)
        if "编制数" not in found:
            continue
        if len(found) == 1:
            for below in range(r + 1, min(r + 3, g.max_row) + 1):
                for key, pos in _staff_labels(g, below).items():
                    found.setdefault(key, pos)
        return found
    return None


def _find_buildings(g: _Grid, start: int) -> tuple[int, dict[str, int], int | None] | None:
    """(row, key -> column, the 名称 column) of the 楼堂馆所 header at or below ``start``."""
    for r in range(start, g.max_row + 1):
        cols: dict[str, int] = {}
        name_col: int | None = None
        for c, text in g.texts(r):
            lab = _label(text)
            key = _match(lab, BUILDING_LABELS)
            if key is not None and key not in cols:
                cols[key] = c
            elif name_col is None and ("楼堂馆所" in _QUOTES.sub("", _compact(text)) or lab in (
                "名称", "项目名称", "楼堂馆所名称")):  # fmt: skip
                name_col = c
        if len(cols) >= 2:
            return r, cols, name_col
    return None


def _has_indicator_header(g: _Grid) -> bool:
    """A self-evaluation form's indicator header: 三级指标 beside 指标值 / 实际完成值."""
    names = labels("绩效指标")
    for r in range(1, g.max_row + 1):
        found = {_match(_label(t), names) for _c, t in g.texts(r)}
        if "三级指标" in found and found & {"指标值", "实际完成值"}:
            return True
    return False


def _title(g: _Grid) -> tuple[str, Pos] | None:
    for r in range(1, min(g.max_row, TITLE_ROWS) + 1):
        for c, text in g.texts(r):
            compact = _compact(text)
            if "基础数据" in compact or (compact.endswith("表") and "绩效" in compact):
                return compact, (r, c)
    return None


# ---- rows of the 经费 block and their outline ------------------------------------------------


@dataclass
class _Row:
    name: str
    label: Pos
    cells: dict[str, Pos]  # key -> value cell (present or not)
    values: dict[str, Any]
    indent: int  # leading whitespace (a full-width space counts 2)
    rank: int | None  # numbering level; 0 for a top row without numbering
    qizhong: bool  # "其中：" in front
    top: bool  # one of the known top rows
    parent: int | None = None  # index of the parent row
    in_list: bool = False  # a part listed after "其中："
    list_indent: int = 0


def _indent(raw: str) -> int:
    width = 0
    for ch in raw:
        if ch == "\u3000":
            width += 2
        elif ch == "\t":
            width += 4
        elif ch.isspace():
            width += 1
        else:
            break
    return width


def _split_label(raw: str) -> tuple[str, int | None, bool]:
    """A row label's name, its numbering level (None when unnumbered) and whether it says 其中."""
    text = _QUOTES.sub("", _SPACES.sub("", raw))
    qizhong = False
    rank: int | None = None
    changed = True
    while changed:
        changed = False
        m = _QIZHONG.match(text)
        if m:
            qizhong, text, changed = True, text[m.end() :], True
        for pattern, level in _NUMBERING:
            m = pattern.match(text)
            if m:
                rank = level if rank is None else rank
                text, changed = text[m.end() :], True
                break
    name = _label(text)
    return name, rank, qizhong


# Top rows of the table (forms.md §2); 三公经费, 项目支出 and 公用经费 by their standard names.
_STANDARD_TOPS = {
    "三公经费": ("三公经费", "三公经费合计", "三公经费支出", "三公经费小计", "三公经费总额"),
    "项目支出": ("项目支出", "项目支出合计", "项目支出小计"),
    "公用经费": ("公用经费", "公用经费合计", "公用经费支出", "公用经费小计", "日常公用经费"),
}


def _top_name(name: str) -> str | None:
    """The row's name if it is one of the table's top rows, else None."""
    for standard, options in _STANDARD_TOPS.items():
        if name in options:
            return standard
    if name.startswith("政府采购") or "预算调整" in name or ("结转" in name and "结余" in name):
        return name
    if name in ("基本支出", "人员经费", "部门整体支出", "部门支出合计", "支出合计"):
        return name
    return None


def _is_car_total(name: str) -> bool:
    """公务用车购置和维护经费, 公务用车购置及运行维护费, 公务用车费 …"""
    if not ("公务用车" in name or "公车" in name):
        return False
    both = "购置" in name and ("维护" in name or "运行" in name)
    return both or name in ("公务用车费", "公务用车经费", "公车经费", "公务用车支出")


def _is_car_part(name: str) -> bool:
    return ("公务用车" in name or "公车" in name) and not _is_car_total(name)


def _is_three_public_part(name: str) -> bool:
    return _is_car_total(name) or "出国" in name or "接待" in name


def _outline(rows: list[_Row]) -> None:
    """Set each row's parent from numbering, 其中 lists, indentation and known names."""
    margin = min((row.indent for row in rows), default=0)
    for row in rows:
        row.indent -= margin  # a table indented as a whole is not indented
    for i, row in enumerate(rows):
        prev = rows[i - 1] if i else None
        if row.top and not row.qizhong:
            row.parent = None
            if row.rank is None:
                row.rank = 0
            continue
        if row.qizhong:
            if prev is not None and prev.in_list and row.indent <= prev.list_indent:
                row.parent, row.list_indent = prev.parent, prev.list_indent
            else:
                row.parent, row.list_indent = (i - 1 if prev is not None else None), row.indent
            row.in_list = True
            continue
        if row.rank is not None:
            row.parent = next(
                (
                    j
                    for j in range(i - 1, -1, -1)
                    if (r := rows[j].rank) is not None and r < row.rank
                ),
                None,
            )
            continue
        if prev is not None and prev.in_list and row.indent >= prev.list_indent:
            row.parent, row.in_list, row.list_indent = prev.parent, True, prev.list_indent
            continue
        if row.indent > 0:
            row.parent = next(
                (j for j in range(i - 1, -1, -1) if rows[j].indent < row.indent), None
            )
        else:
            row.parent = _known_parent(rows, i)
        if row.parent is None:
            row.rank = 0


def _known_parent(rows: list[_Row], i: int) -> int | None:
    """In a flat table, the parts of 三公经费 by their names."""
    name = rows[i].name
    group = next((j for j in range(i - 1, -1, -1) if rows[j].parent is None), None)
    if group is None or rows[group].name != "三公经费":
        return None
    if _is_car_part(name):
        car = next((j for j in range(i - 1, group, -1) if _is_car_total(rows[j].name)), None)
        return car if car is not None else group
    return group if _is_three_public_part(name) else None


# ---- the reader ----------------------------------------------------------------------------


@dataclass
class _Found:
    data: dict[str, Any]
    cells: dict[str, Cell]
    anchors: dict[str, Cell] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # path -> error value shown


class _Reader:
    def __init__(self, ws: SheetGrid, source: str) -> None:
        self.ws = ws
        self.source = source
        self.g = _Grid(ws)
        self.data: dict[str, Any] = {}
        self.cells: dict[str, Cell] = {}
        self.anchors: dict[str, Cell] = {}
        self.errors: dict[str, str] = {}
        self.block_rows: set[int] = set()  # rows of the tables: no header labels there

    def fail(self, message: str) -> InputError:
        return InputError(message, file=self.source or None, where=f"工作表“{self.ws.title}”")

    def put(self, path: str, pos: Pos | None, value: Any = None) -> None:
        """Record a field's cell (None: read from a line above a Word table), and its value
        when it has one."""
        if pos is not None:
            self.cells[path] = self.g.cell(pos)
            if pos in self.g.errors:
                self.errors[path] = self.g.errors[pos]
        if value is None:
            return
        keys = path.split(".")
        obj = self.data
        for key in keys[:-1]:
            obj = obj.setdefault(key, {})
        obj[keys[-1]] = value

    def read(self) -> _Found:
        amounts = _find_amounts(self.g)
        staff = _find_staff(self.g)
        if amounts is None and staff is None:
            raise self.fail(
                "找不到基础数据表的表头（编制数、实际在职人数，或上年决算数、本年预算数、本年决算数……），"
                "这张工作表不像部门整体支出绩效评价基础数据表"
            )
        if staff is not None:
            self.read_staff(staff)
        if amounts is not None:
            self.read_expenses(amounts)
        self.read_buildings(amounts.row if amounts else 1)
        self.read_fields(amounts)
        self.data = {"表类型": BASIC, **self.data}
        return _Found(canonical(self.data, BASIC_OBJECT), self.cells, self.anchors, self.errors)

    # -- 人员

    def read_staff(self, headings: dict[str, Pos]) -> None:
        first = headings["编制数"]
        self.anchors["人员"] = self.g.cell(self.g.top_left((first[0], 1)))
        across = len({pos[0] for pos in headings.values()}) == 1 and len(headings) > 1
        for key, label in headings.items():
            self.block_rows.add(label[0])
            pos, value = self.staff_value(label, across)
            read = _rate(value) if key in RATE_KEYS else _amount(value)
            self.put(f"人员.{key}", pos, read)
            self.block_rows.add(pos[0])

    def staff_value(self, label: Pos, across: bool) -> tuple[Pos, Any]:
        """The value under a heading of a row of headings; right of one that runs down a column."""
        right = (label[0], self.g.right_of(label))
        if not across and right in self.g.values:
            return right, self.g.values[right]
        below = self.g.top_left((self.g.below(label), label[1]))
        value = self.g.values.get(below)
        if value is not None and not _match(_label(value), STAFF_LABELS):
            return below, value
        return (below, None) if across else (right, None)

    # -- 经费

    def read_expenses(self, head: _Amounts) -> None:
        """Read the 经费 rows, down to the end of their block."""
        self.block_rows.add(head.row)
        self.anchors["经费"] = self.g.cell((head.row, head.label_col))
        first_value = min(head.columns.values())
        rows: list[_Row] = []
        empty = 0
        r = head.row + 1
        while r <= self.g.max_row:
            if self.ends_block(r) or _find_staff_row(self.g, r):
                break
            if self.g.row_empty(r):
                empty += 1
                if empty >= EMPTY_RUN:
                    break
                r += 1
                continue
            empty = 0
            self.block_rows.add(r)
            label = self.row_label(r, first_value)
            r += 1
            if label is None:
                continue  # values without a label: no row a reviewer could name
            raw = self.g.values[label]
            name, rank, qizhong = _split_label(raw)
            if not name or set(name) <= set(".。…、"):
                continue  # "3、……": a printed placeholder row
            top = _top_name(name)
            cells = {key: (label[0], c) for key, c in head.columns.items()}
            values = {key: _amount(self.g.values.get(pos)) for key, pos in cells.items()}
            rows.append(
                _Row(
                    top or name,
                    label,
                    cells,
                    {k: v for k, v in values.items() if v is not None},
                    _indent(raw),
                    rank,
                    qizhong,
                    top is not None,
                )
            )
        _outline(rows)
        self.put_rows(rows)

    def row_label(self, row: int, before: int) -> Pos | None:
        """The rightmost text cell of a row left of column ``before``."""
        for c in range(before - 1, 0, -1):
            pos = (row, c)
            if self.g.covered_from_above(pos):
                return None
            if isinstance(self.g.values.get(pos), str):
                return pos
        return None

    def ends_block(self, row: int) -> bool:
        for _c, text in self.g.texts(row):
            lab = _label(text)
            head = lab.split(":", 1)[0]
            if head in _END_WORDS or lab.startswith(("注:", "说明:", "备注")):
                return True
            if _match(head, {MEASURES: MEASURES_LABELS}) or head.startswith("厉行节约"):
                return True
            if _match(lab, BUILDING_LABELS) or "楼堂馆所" in lab:
                return True
        return False

    def put_rows(self, rows: list[_Row]) -> None:
        keep = set()
        for i, row in enumerate(rows):
            if row.values or any(self.g.errors.get(p) for p in row.cells.values()):
                j: int | None = i
                while j is not None and j not in keep:
                    keep.add(j)
                    j = rows[j].parent
        names: dict[int, str] = {}
        items: list[dict[str, Any]] = []
        for i, row in enumerate(rows):
            if i not in keep:
                continue
            parent = names.get(row.parent) if row.parent is not None else None
            name = row.name
            if name in names.values():  # the same label twice: name it by its parent
                name = f"{row.name}（{parent}）" if parent else row.name
                k = 2
                while name in names.values():
                    name, k = f"{row.name}（{k}）", k + 1
            names[i] = name
            item: dict[str, Any] = {"名称": name}
            if parent:
                item["上级"] = parent
            item.update(row.values)
            items.append(item)
            self.cells[f"基础数据.{name}"] = self.g.cell(row.label)
            for key, pos in row.cells.items():
                self.put(f"基础数据.{name}.{key}", pos)
        if items:
            self.data["经费"] = items

    # -- 楼堂馆所

    def read_buildings(self, start: int) -> None:
        found = _find_buildings(self.g, start)
        if found is None:
            return
        head, cols, name_col = found
        self.block_rows.add(head)
        self.anchors["楼堂馆所"] = self.g.cell((head, name_col or min(cols.values())))
        if name_col is None:
            first = min(cols.values())
            name_col = first - 1 if first > 1 else None
        items: list[dict[str, Any]] = []
        empty = 0
        r = head + 1
        while r <= self.g.max_row:
            if self.ends_building(r):
                break
            if self.g.row_empty(r):
                empty += 1
                if empty >= EMPTY_RUN - 1:
                    break
                r += 1
                continue
            empty = 0
            self.block_rows.add(r)
            item: dict[str, Any] = {}
            spots: dict[str, Pos] = {}
            if name_col is not None and not self.g.covered_from_above((r, name_col)):
                spots["名称"] = (r, name_col)
                name = self.g.values.get((r, name_col))
                if isinstance(name, str) and name.strip():
                    item["名称"] = name.strip()
            for key, c in cols.items():
                spots[key] = (r, c)
                raw = self.g.values.get((r, c))
                value = _rate(raw) if key in RATE_KEYS else _amount(raw)
                if value is not None:
                    item[key] = value
            r += 1
            has_errors = any(p in self.g.errors for p in spots.values())
            if len(item) == (1 if "名称" in item else 0) and not has_errors:
                if "名称" not in item or _is_placeholder(item["名称"]):
                    continue  # nothing built: an empty row, or "无"
            items.append(item)
            k = len(items)
            self.cells[f"楼堂馆所[{k}]"] = self.g.cell(spots.get("名称", min(spots.values())))
            for key, pos in spots.items():
                self.put(f"楼堂馆所[{k}].{key}", pos)
        if items:
            self.data["楼堂馆所"] = items

    def ends_building(self, row: int) -> bool:
        for _c, text in self.g.texts(row):
            lab = _label(text)
            head = lab.split(":", 1)[0]
            if head in _END_WORDS or lab.startswith(("注:", "说明:", "备注")):
                return True
            if head.startswith("厉行节约") or _match(head, {MEASURES: MEASURES_LABELS}):
                return True
        return False

    # -- header, 厉行节约保障措施, footer

    def read_fields(self, amounts: _Amounts | None) -> None:
        found: dict[str, tuple[Any, Pos | None]] = {}
        table = {**FIELD_LABELS, MEASURES: MEASURES_LABELS}
        for (r, c), value in sorted(self.g.values.items()):
            if not isinstance(value, str):
                continue
            lab = _label(value)
            name = _match(lab, table)
            colon = name is None and ":" in lab
            if colon:
                name = _match(lab.split(":", 1)[0], table)
            if name is None and lab.startswith("厉行节约"):
                name = MEASURES
            if name is None or name in found or (r in self.block_rows and name != MEASURES):
                continue
            if name == MEASURES:
                found[name] = self.measures_value((r, c))
            elif colon:
                inline = re.split("[:：]", value, maxsplit=1)[-1].strip()
                found[name] = (
                    (inline, (r, c)) if inline else self.right_value((r, c), empty_at_label=True)
                )
            else:
                found[name] = self.right_value((r, c))
        for text in self.g.preamble:  # "填报单位：某某" above a Word table
            lab = _label(text)
            name = _match(lab.split(":", 1)[0], FIELD_LABELS) if ":" in lab else None
            inline = re.split("[:：]", text, maxsplit=1)[-1].strip() if name else ""
            if name and inline and (name not in found or found[name][0] is None):
                found[name] = (inline, found[name][1] if name in found else None)
        if "年度" not in found or found["年度"][0] is None:
            year = self.year_from_title() or (
                (amounts.year, amounts.year_pos) if amounts and amounts.year_pos else None
            )
            if year is not None:
                found["年度"] = year
        year_value = found.get("年度", (None, None))[0]
        if isinstance(year_value, str) and (m := _YEAR_ONLY.match(_compact(year_value))):
            found["年度"] = (int(m.group(1)), found["年度"][1])
        for name, (value, pos) in found.items():
            self.put(name, pos, _scalar(value) if isinstance(value, str) else value)
        title = _title(self.g)
        if title is not None:
            for name in ("单位名称", "年度"):
                self.anchors.setdefault(name, self.g.cell(title[1]))

    def right_value(self, label: Pos, empty_at_label: bool = False) -> tuple[Any, Pos]:
        """The value right of a label, stopping at the next label or a "单位：万元" note.

        Without one: the empty cell right of the label, or (``empty_at_label``, a label that
        ends in a colon) the label itself — where the clerk writes the value.
        """
        row = label[0]
        first = self.g.right_of(label)
        for c in range(first, self.g.max_col + 1):
            pos = (row, c)
            if pos in self.g.anchor:
                continue
            value = self.g.values.get(pos)
            if value is None:
                continue
            if isinstance(value, str) and (
                self.is_label(value) or _UNIT_NOTE.match(_compact(value))
            ):
                break
            return value, pos
        right = (row, first)
        if empty_at_label or first > self.g.max_col or right in self.g.values:
            return None, label
        return None, self.g.top_left(right)

    def measures_value(self, label: Pos) -> tuple[Any, Pos]:
        text = self.g.values.get(label)
        if isinstance(text, str) and re.search("[:：]", text):
            inline = re.split("[:：]", text, maxsplit=1)[-1].strip()
            if inline:
                return inline, label
        value, pos = self.right_value(label)
        if value is None:
            below = self.g.top_left((self.g.below(label), label[1]))
            if below in self.g.values and not self.is_label(self.g.values[below]):
                return self.g.values[below], below
        return value, pos

    @staticmethod
    def is_label(value: Any) -> bool:
        lab = _label(value)
        head = lab.split(":", 1)[0]
        table = {**FIELD_LABELS, MEASURES: MEASURES_LABELS}
        return bool(lab) and (_match(lab, table) is not None or _match(head, table) is not None)

    def year_from_title(self) -> tuple[int, Pos | None] | None:
        top = min(self.block_rows, default=self.g.max_row + 1)
        lines = [
            (text, (r, c))
            for r in range(1, min(top, TITLE_ROWS + 1))
            for c, text in self.g.texts(r)
        ]
        for text, pos in [*lines, *((t, None) for t in self.g.preamble)]:
            compact = _compact(text)
            m = _YEAR_ONLY.match(compact)
            if m:
                return int(m.group(1)), pos
            if ("基础数据" in compact or "绩效" in compact) and (
                m := _YEAR_IN_TITLE.search(compact)
            ):
                return int(m.group(1)), pos
        return None


def _find_staff_row(g: _Grid, row: int) -> bool:
    return any(_match(_label(t), STAFF_LABELS) == "编制数" for _c, t in g.texts(row))


# ---- public API --------------------------------------------------------------------------


def looks_like_basic_table(ws: SheetGrid) -> bool:
    """Whether a sheet holds a basic data table: its title says so, or (no indicator
    table on it) a 经费 header over rows such as 三公经费 and 公用经费, or the 编制数 /
    实际在职人数 headings."""
    g = _Grid(ws)
    title = _title(g)
    if title is not None and "基础数据" in title[0]:
        return True
    if any("基础数据" in _compact(text) for text in g.preamble):
        return True  # its title above a Word table
    if _has_indicator_header(g):
        return False
    staff = _find_staff(g)
    if staff is not None and "实际在职人数" in staff:
        return True
    amounts = _find_amounts(g)
    if amounts is None:
        return False
    known = 0
    for r in range(amounts.row + 1, min(amounts.row + 30, g.max_row) + 1):
        for _c, text in g.texts(r):
            name = _split_label(text)[0]
            if _top_name(name) or _is_three_public_part(name):
                known += 1
                break
    return known >= 2


def read_paper_basic_sheet(
    ws: SheetGrid, source: str = ""
) -> tuple[dict[str, Any], dict[str, Cell]]:
    """The basic data table on a paper-layout sheet: interchange JSON (keys in the order of
    forms.md, values as typed, absent where a cell is empty) and field path -> cell."""
    found = _Reader(ws, source).read()
    return found.data, found.cells


def read_paper_basic(ws: SheetGrid, source: str = "") -> BasicDataForm:
    """The basic data table on a paper-layout sheet, with findings pointing at its cells.

    Raises ``InputError`` (naming the file and the sheet) when the sheet holds no such table.
    """
    found = _Reader(ws, source).read()
    validate(found.data, source)
    form = build_form(found.data, source)
    assert isinstance(form, BasicDataForm)
    form.cells = dict(found.cells)
    form.sheet_layout = SheetLayout(
        BASIC, NATIONAL, ws.title, cells=dict(found.cells), anchors=dict(found.anchors)
    )
    form.cell_states = {path: CellState(error=error) for path, error in found.errors.items()}
    return form
