"""Where each field of a form sits on the standard sheets.

One spec serves three purposes: findings on a JSON form point at the cell the field
occupies on our template; the template builder lays sheets out from it; the
workbook reader finds fields by the defined names derived from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

WHOLE = "部门整体支出绩效自评表"
PROJECT = "项目支出绩效自评表"
BASIC = "部门整体支出绩效评价基础数据表"
FORM_TYPES = (WHOLE, PROJECT, BASIC)

SHEET_NAMES = {WHOLE: "整体支出表", PROJECT: "项目支出表", BASIC: "基础数据表"}
# jixiao's own sheets: settings and lookup lists, xlwings' config, the findings of 校验.
SETTINGS_SHEET = "设置"
CONF_SHEET = "xlwings.conf"
RESULTS_SHEET = "校验结果"
RESULTS_SHEET_FALLBACK = "jixiao校验结果"  # when the user has a sheet of their own named 校验结果

NATIONAL = "national"
SICHUAN = "sichuan"

INDICATOR_ROWS = 30
SOURCE_ROWS = 5
PROGRESS_MONTHS = tuple(range(1, 13))

# Indicator columns per layout, in sheet order.
INDICATOR_COLUMNS = {
    NATIONAL: ("一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分", "偏差原因"),
    SICHUAN: (
        "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位",
        "实际完成值", "分值", "得分", "偏差原因",
    ),
}  # fmt: skip
BUDGET_COLUMNS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")

HEADER_FIELDS = {
    WHOLE: ("年度", "单位名称", "主管部门"),
    PROJECT: ("年度", "单位名称", "项目名称", "项目负责人"),
}
FOOTER_FIELDS = ("填表人", "填报日期", "联系电话")
FOOTER_COLUMNS = {NATIONAL: (2, 5, 8), SICHUAN: (2, 5, 10)}  # value cells, in wide columns

# 基础数据表 rows (section 2 of forms.md): (name, parent, sums_to_parent)
BASIC_ROWS: tuple[tuple[str, str | None], ...] = (
    ("三公经费", None),
    ("公务用车购置和维护经费", "三公经费"),
    ("公车购置", "公务用车购置和维护经费"),
    ("公车运行维护", "公务用车购置和维护经费"),
    ("出国经费", "三公经费"),
    ("公务接待", "三公经费"),
    ("项目支出", None),
    ("业务工作经费", "项目支出"),
    ("运行维护经费", "项目支出"),
    ("专项资金", "项目支出"),
    ("公用经费", None),
    ("办公费", "公用经费"),
    ("水费、电费、差旅费", "公用经费"),
    ("会议费、培训费", "公用经费"),
    ("政府采购金额", None),
    ("部门基本支出预算调整", None),
    ("年末结转结余", None),
)
# Parents whose rows must add up exactly ("="); other parents only bound their 其中 rows.
SUM_PARENTS = frozenset({"三公经费"})
BASIC_VALUE_COLUMNS = ("上年决算数", "本年预算数", "本年决算数")
BUILDING_COLUMNS = (
    "名称",
    "批复规模",
    "实际规模",
    "规模控制率",
    "预算投资",
    "实际投资",
    "投资概算控制率",
)
BUILDING_ROWS = 3


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 1, AA → 27."""
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def split_address(address: str) -> tuple[int, int]:
    """ "B12" → (12, 2) (row, column); "$B$12" alike."""
    m = _ADDRESS.fullmatch(address)
    if m is None:
        raise ValueError(f"not a cell address: {address!r}")
    return int(m.group(2)), column_index(m.group(1))


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    col: int

    @property
    def address(self) -> str:
        return f"{column_letter(self.col)}{self.row}"


@dataclass
class SheetLayout:
    """Field path -> cell, plus the row numbers of each block (for the template builder)."""

    form_type: str
    layout: str
    sheet: str
    cells: dict[str, Cell] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    width: int = 8

    def put(self, path: str, row: int, col: int) -> None:
        self.cells[path] = Cell(self.sheet, row, col)

    def locate(self, path: str) -> Cell | None:
        """The cell of a field path; list items by index or name fall back sensibly."""
        if path in self.cells:
            return self.cells[path]
        # 资金来源[财政资金].x is addressed by position on the sheet; callers resolve names.
        m = re.fullmatch(r"(.*)\[[^\]]+\](\..*)?", path)
        if m:
            return self.cells.get(m.group(1))
        head = path.rsplit(".", 1)[0]
        return self.cells.get(head) if head != path else None


def _self_eval(form_type: str, layout: str, sheet: str | None = None) -> SheetLayout:
    cols = INDICATOR_COLUMNS[layout]
    width = len(cols)
    lay = SheetLayout(form_type, layout, sheet or SHEET_NAMES[form_type], width=width)
    row = 2  # row 1 holds the title
    for name in HEADER_FIELDS[form_type]:
        lay.put(name, row, 3)
        lay.rows[name] = row
        row += 1
    lay.rows["预算表头"] = row
    row += 1
    lay.rows["预算合计"] = row
    for i, name in enumerate(BUDGET_COLUMNS):
        lay.put(f"预算执行.{name}", row, 3 + i)
    # The national form has no reason column for the budget row: point at its 执行率.
    lay.put("预算执行.原因", row, 9 if layout == SICHUAN else 7)
    row += 1
    lay.rows["资金来源"] = row
    for k in range(SOURCE_ROWS):
        lay.put(f"预算执行.资金来源[{k + 1}].名称", row + k, 1)
        for i, name in enumerate(BUDGET_COLUMNS[:3]):
            lay.put(f"预算执行.资金来源[{k + 1}].{name}", row + k, 3 + i)
    row += SOURCE_ROWS
    if form_type == WHOLE:
        for group, names in (("按支出性质", ("基本支出", "项目支出")),):
            lay.rows[group] = row
            for k, name in enumerate(names):
                for i, col in enumerate(BUDGET_COLUMNS[:3]):
                    lay.put(f"预算执行.{group}[{name}].{col}", row + k, 3 + i)
            row += len(names)
    lay.rows["目标表头"] = row
    row += 1
    half = width // 2
    lay.put("年度总体目标.预期目标", row, 1)
    lay.put("年度总体目标.实际完成情况", row, half + 1)
    lay.rows["年度总体目标"] = row
    row += 1
    lay.rows["指标表头"] = row
    row += 1
    lay.rows["绩效指标"] = row
    lay.put("绩效指标", row, 3)  # the block as a whole: its first 三级指标 cell
    for k in range(INDICATOR_ROWS):
        for i, name in enumerate(cols):
            lay.put(f"绩效指标[{k + 1}].{name}", row + k, 1 + i)
    row += INDICATOR_ROWS
    points_col = cols.index("分值") + 1
    lay.rows["总分"] = row
    lay.put("总分.分值", row, points_col)
    lay.put("总分.得分", row, points_col + 1)
    row += 1
    lay.rows["等级"] = row
    lay.put("等级", row, points_col + 1)
    row += 1
    lay.rows["页脚"] = row
    for name, col in zip(FOOTER_FIELDS, FOOTER_COLUMNS[layout], strict=True):
        lay.put(name, row, col)  # the label sits in the column before
    row += 2
    lay.rows["执行进度"] = row
    for k, month in enumerate(PROGRESS_MONTHS):
        lay.put(f"执行进度[{month}月]", row + 1 + k, 3)
    return lay


def _basic(sheet: str | None = None) -> SheetLayout:
    lay = SheetLayout(BASIC, NATIONAL, sheet or SHEET_NAMES[BASIC], width=7)
    row = 2
    for name in ("年度", "单位名称"):
        lay.put(name, row, 3)
        lay.rows[name] = row
        row += 1
    lay.rows["人员表头"] = row
    row += 1
    lay.rows["人员"] = row
    for i, name in enumerate(("编制数", "实际在职人数", "控制率")):
        lay.put(f"人员.{name}", row, 2 + i)
    row += 1
    lay.rows["经费表头"] = row
    row += 1
    lay.rows["经费"] = row
    for k, (name, _parent) in enumerate(BASIC_ROWS):
        lay.put(f"基础数据.{name}", row + k, 1)
        for i, col in enumerate(BASIC_VALUE_COLUMNS):
            lay.put(f"基础数据.{name}.{col}", row + k, 2 + i)
    row += len(BASIC_ROWS)
    lay.rows["楼堂馆所表头"] = row
    row += 1
    lay.rows["楼堂馆所"] = row
    for k in range(BUILDING_ROWS):
        for i, col in enumerate(BUILDING_COLUMNS):
            lay.put(f"楼堂馆所[{k + 1}].{col}", row + k, 1 + i)
    row += BUILDING_ROWS
    lay.rows["厉行节约保障措施"] = row
    lay.put("厉行节约保障措施", row, 2)
    return lay


@cache
def sheet_layout(form_type: str, layout: str = NATIONAL) -> SheetLayout:
    if form_type == BASIC:
        return _basic()
    return _self_eval(form_type, layout)


# Defined names (ASCII, sheet-level) of each input region, so readers find fields by
# name and survive inserted rows. Field path -> name for single cells. The jxf_ prefix
# keeps them apart from the JX_ worksheet functions: spreadsheet names are
# case-insensitive, and LibreOffice reads "jx_grade(" as a name when one exists.
CELL_NAMES = {
    "年度": "jxf_year",
    "单位名称": "jxf_unit",
    "项目名称": "jxf_project",
    "项目负责人": "jxf_project_lead",
    "主管部门": "jxf_department",
    "预算执行.年初预算数": "jxf_budget_initial",
    "预算执行.全年预算数": "jxf_budget_full",
    "预算执行.全年执行数": "jxf_budget_executed",
    "预算执行.分值": "jxf_budget_points",
    "预算执行.执行率": "jxf_budget_rate",
    "预算执行.得分": "jxf_budget_score",
    "年度总体目标.预期目标": "jxf_goal_expected",
    "年度总体目标.实际完成情况": "jxf_goal_actual",
    "总分.分值": "jxf_total_points",
    "总分.得分": "jxf_total_score",
    "等级": "jxf_grade",
    "填表人": "jxf_filler",
    "填报日期": "jxf_fill_date",
    "联系电话": "jxf_phone",
    "厉行节约保障措施": "jxf_measures",
}


def _abs(cell: Cell) -> str:
    return f"${column_letter(cell.col)}${cell.row}"


def field_names(lay: SheetLayout) -> dict[str, str]:
    """Defined name -> absolute range on the layout's sheet (no sheet prefix)."""
    names = {name: _abs(lay.cells[path]) for path, name in CELL_NAMES.items() if path in lay.cells}
    if lay.layout == SICHUAN and lay.form_type != BASIC:
        names["jxf_budget_reason"] = _abs(lay.cells["预算执行.原因"])

    def block(first_row: int, rows: int, first_col: int, last_col: int) -> str:
        a = Cell(lay.sheet, first_row, first_col)
        b = Cell(lay.sheet, first_row + rows - 1, last_col)
        return f"{_abs(a)}:{_abs(b)}"

    if lay.form_type == BASIC:
        names["jxf_staff"] = block(lay.rows["人员"], 1, 2, 4)
        names["jxf_expenses"] = block(lay.rows["经费"], len(BASIC_ROWS), 1, 4)
        names["jxf_buildings"] = block(
            lay.rows["楼堂馆所"], BUILDING_ROWS, 1, len(BUILDING_COLUMNS)
        )
        return names
    names["jxf_sources"] = block(lay.rows["资金来源"], SOURCE_ROWS, 1, 5)
    if "按支出性质" in lay.rows:
        names["jxf_nature"] = block(lay.rows["按支出性质"], 2, 1, 5)
    names["jxf_indicators"] = block(lay.rows["绩效指标"], INDICATOR_ROWS, 1, lay.width)
    names["jxf_progress"] = block(lay.rows["执行进度"] + 1, len(PROGRESS_MONTHS), 2, 3)
    return names


# Fields our templates compute with a formula (the rest are the clerk's entries).
COMPUTED_FIELD = re.compile(
    r"^预算执行\.(执行率|得分)$|^总分\.(分值|得分)$|^等级$|^人员\.控制率$|^楼堂馆所\[\d+\]\.\w*控制率$"
)


def is_computed(path: str) -> bool:
    return bool(COMPUTED_FIELD.match(path))
