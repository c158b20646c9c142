"""Build the standard workbooks from the layout spec (jixiao.core.layout) with XlsxWriter.

Inputs are unlocked and tinted; computed cells are locked formulas (see formulas.py);
every input region has a sheet-level defined name; settings and lookup lists live on
the 设置 sheet under workbook-level names. The output is deterministic: the same code
and the same xlwings version give the same files (timestamps are fixed).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from jixiao import __version__
from jixiao.core.errors import InputError
from jixiao.core.fields import BY_PATH, members
from jixiao.core.form import Form, SelfEvalForm
from jixiao.core.layout import (
    BASIC,
    BASIC_ROWS,
    BASIC_VALUE_COLUMNS,
    BUILDING_ROWS,
    CONF_SHEET,
    FOOTER_FIELDS,
    HEADER_FIELDS,
    INDICATOR_COLUMNS,
    INDICATOR_ROWS,
    NATIONAL,
    PROGRESS_MONTHS,
    PROJECT,
    RESULTS_SHEET,
    SETTINGS_SHEET,
    SICHUAN,
    SOURCE_ROWS,
    WHOLE,
    column_index,
    column_letter,
    field_names,
    sheet_layout,
)
from jixiao.core.profile import BUILTIN, Profile, load_profile
from jixiao.core.standards import LEVEL2_OF
from jixiao.formats.cached import write_cached_values
from jixiao.formats.package import Package
from jixiao.readers.workbook import FRAMEWORK_NAME, PROFILE_NAME
from jixiao.templates import formulas as fx
from jixiao.templates.results import empty_results_sheet
from jixiao.templates.vba import BUTTON_MACROS, build_vba_project

BUILD_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
HIDDEN_FIRST_COL = 27  # AA: the native-reading helper block, hidden
FONT = "宋体"
TITLE_FONT = "黑体"

SOURCE_NAMES = {
    NATIONAL: ("当年财政拨款", "上年结转资金", "其他资金"),
    SICHUAN: ("财政资金", "财政专户管理资金", "单位资金"),
}
COLUMN_WIDTHS = {
    NATIONAL: (11, 14, 30, 14, 14, 7, 7, 30),
    SICHUAN: (10, 13, 26, 8, 10, 9, 10, 9, 7, 26),
}
TITLES = {
    WHOLE: "部门整体支出绩效自评表",
    PROJECT: "项目支出绩效自评表",
    BASIC: "部门整体支出绩效评价基础数据表",
}
NO_JIXIAO_NOTE = (
    "灰色格为自动计算。未安装 jixiao 时使用内置公式；点击「校验」做完整检查需要安装 jixiao。"
)


@dataclass(frozen=True)
class Template:
    file: str  # file name in xlsx_templates/
    title: str
    sheets: tuple[tuple[str, str, str], ...]  # (sheet name, form type, layout)
    unit_workbook: bool = False
    profile: str = "national"  # the profile its 设置 sheet names


TEMPLATES = (
    Template(
        "部门整体支出绩效自评表.xlsm", "部门整体支出绩效自评表", (("整体支出表", WHOLE, NATIONAL),)
    ),
    Template("项目支出绩效自评表.xlsm", "项目支出绩效自评表", (("项目支出表", PROJECT, NATIONAL),)),
    Template(
        "项目支出绩效自评表（四川式）.xlsm",
        "项目支出绩效自评表（四川式）",
        (("项目支出表", PROJECT, SICHUAN),),
        profile="sichuan",
    ),
    Template(
        "部门整体支出绩效评价基础数据表.xlsm",
        "部门整体支出绩效评价基础数据表",
        (("基础数据表", BASIC, NATIONAL),),
    ),
    Template(
        "部门绩效自评工作簿.xlsm",
        "部门绩效自评工作簿",
        (
            ("基础数据表", BASIC, NATIONAL),
            ("整体支出表", WHOLE, NATIONAL),
            ("项目1", PROJECT, NATIONAL),
        ),
        unit_workbook=True,
    ),
)


class Formats:
    """The cell styles, created once per workbook."""

    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "border": 1}
        self.title = wb.add_format(
            {
                "font_name": TITLE_FONT,
                "font_size": 16,
                "bold": True,
                "align": "center",
                "valign": "vcenter",
            }
        )
        self.label = wb.add_format(
            {**base, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True}
        )
        self.label_left = wb.add_format(
            {**base, "bold": True, "bg_color": "#DDEBF7", "text_wrap": True}
        )
        self.input = wb.add_format(
            {**base, "bg_color": "#FFF9E5", "locked": False, "text_wrap": True}
        )
        self.input_num = wb.add_format(
            {**base, "bg_color": "#FFF9E5", "locked": False, "num_format": "0.00"}
        )
        self.input_int = wb.add_format(
            {**base, "bg_color": "#FFF9E5", "locked": False, "num_format": "0"}
        )
        self.input_pct = wb.add_format(
            {**base, "bg_color": "#FFF9E5", "locked": False, "num_format": "0.00%"}
        )
        self.input_top = wb.add_format(
            {**base, "bg_color": "#FFF9E5", "locked": False, "text_wrap": True, "valign": "top"}
        )
        self.calc = wb.add_format({**base, "bg_color": "#EDEDED", "num_format": "0.00"})
        self.calc_pct = wb.add_format({**base, "bg_color": "#EDEDED", "num_format": "0.00%"})
        self.calc_text = wb.add_format({**base, "bg_color": "#EDEDED", "align": "center"})
        self.calc_num = wb.add_format({**base, "bg_color": "#EDEDED", "num_format": "0"})
        self.blank = wb.add_format({**base, "bg_color": "#F7F7F7"})
        self.note = wb.add_format(
            {
                "font_name": FONT,
                "font_size": 9,
                "font_color": "#7F7F7F",
                "text_wrap": True,
                "valign": "top",
            }
        )
        self.hidden = wb.add_format({"font_name": FONT, "font_size": 9})
        self.section = wb.add_format({"font_name": TITLE_FONT, "font_size": 11, "bold": True})
        # Flags (conditional formats): 错误 red, 警告 orange.
        self.flag_error = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.flag_warning = wb.add_format(
            {"bg_color": "#FCE4D6", "font_color": "#833C0B", "bold": True}
        )


def _a1(row: int, col: int, absolute: bool = False) -> str:
    letter = column_letter(col)
    return f"${letter}${row}" if absolute else f"{letter}{row}"


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


class Builder:
    def __init__(
        self,
        path: Path | io.BytesIO,
        *,
        functions: ModuleType | None,
        header: dict[str, Any] | None = None,
        profile: str = "national",
    ) -> None:
        self.wb = xlsxwriter.Workbook(
            path, {"strings_to_numbers": False, "strings_to_formulas": False}
        )
        self.wb.set_properties(
            {
                "title": "",
                "author": "jixiao",
                "company": "",
                "comments": f"由 jixiao {__version__} 生成",
                "created": BUILD_TIME,
            }
        )
        self.wb.set_calc_mode("auto")
        self.fmt = Formats(self.wb)
        # The worksheet functions (jixiao.udfs) whose VBA wrappers the workbook embeds;
        # None builds a workbook without VBA (no buttons, no wrappers).
        self.functions = functions
        self.profile = load_profile(profile)
        self.header = header or {}  # 单位名称, 年度 … written into every form sheet
        self.sheets: list[Worksheet] = []

    # ---- sheets ---------------------------------------------------------------------

    def add_sheet(self, name: str) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        self.sheets.append(ws)
        return ws

    def name(self, sheet: str | None, name: str, ref: str) -> None:
        scope = f"{_quoted(sheet)}!{name}" if sheet else name
        self.wb.define_name(
            scope, f"={_quoted(sheet or SETTINGS_SHEET)}!{ref}" if "!" not in ref else f"={ref}"
        )

    def protect(self, ws: Worksheet) -> None:
        ws.protect(
            "",
            {
                "insert_rows": True,
                "delete_rows": True,
                "format_rows": True,
                "format_columns": True,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )

    def print_setup(self, ws: Worksheet, last_row: int, width: int, landscape: bool = True) -> None:
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        ws.print_area(0, 0, last_row - 1, width - 1)
        ws.repeat_rows(0)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        ws.set_footer('&C&"宋体"第 &P 页，共 &N 页')

    def buttons(self, ws: Worksheet, col: int, labels: Iterable[str]) -> None:
        if self.functions is None:
            return
        for k, caption in enumerate(labels):
            ws.insert_button(
                0,
                col + 2 * k,
                {
                    "macro": BUTTON_MACROS[caption],
                    "caption": caption,
                    "width": 96,
                    "height": 30,
                    "x_offset": 4,
                    "y_offset": 4,
                },
            )

    # ---- 自评表 -----------------------------------------------------------------------

    def self_eval_sheet(
        self, sheet: str, form_type: str, layout: str, *, unit_workbook: bool
    ) -> None:
        ws = self.add_sheet(sheet)
        lay = sheet_layout(form_type, layout).with_sheet(sheet)
        f = self.fmt
        width = lay.width
        last = width - 1
        for col, w in enumerate(COLUMN_WIDTHS[layout]):
            ws.set_column(col, col, w)
        ws.set_column(width, width + 2, 10, f.calc)  # visible computed columns
        ws.set_column(HIDDEN_FIRST_COL - 1, HIDDEN_FIRST_COL + 40, 8, f.hidden, {"hidden": True})
        ws.set_row(0, 36)
        ws.merge_range(0, 0, 0, last, TITLES[form_type], f.title)

        for key in HEADER_FIELDS[form_type]:
            r = lay.rows[key] - 1
            ws.merge_range(r, 0, r, 1, BY_PATH[key].heading_for(layout), f.label)
            ws.merge_range(
                r, 2, r, last, self.header.get(key), f.input_int if key == "年度" else f.input
            )

        # Budget block
        r = lay.rows["预算表头"] - 1
        ws.merge_range(r, 0, r, 1, "资金情况（万元）", f.label)
        for col, heading in _headings("预算执行", form_type, layout):
            if col == lay.cells["预算执行.得分"].col + 1:  # Sichuan's reason spans two columns
                ws.merge_range(r, col - 1, r, col, heading, f.label)
            else:
                ws.write(r, col - 1, heading, f.label)
        row = lay.rows["预算合计"]
        ws.merge_range(row - 1, 0, row - 1, 1, "年度资金总额", f.label_left)
        for c in (3, 4, 5):
            ws.write_blank(row - 1, c - 1, None, f.input_num)
        ws.write_number(row - 1, 5, self.profile.budget_points, f.input_num)
        rate, score = _a1(row, 7), _a1(row, 8)
        ws.write_formula(row - 1, 6, fx.execution_rate(_a1(row, 5), _a1(row, 4)), f.calc_pct, "")
        ws.write_formula(row - 1, 7, fx.execution_score(_a1(row, 6), rate), f.calc, "")
        if layout == SICHUAN:
            ws.merge_range(row - 1, 8, row - 1, 9, None, f.input)
        src = lay.rows["资金来源"]
        for k in range(SOURCE_ROWS):
            rr = src + k - 1
            label = ("其中：" if k == 0 else "") + (SOURCE_NAMES[layout] + ("",) * SOURCE_ROWS)[k]
            ws.merge_range(rr, 0, rr, 1, label or None, f.input)
            for c in (2, 3, 4):
                ws.write_blank(rr, c, None, f.input_num)
            for c in range(5, 8):
                ws.write_blank(rr, c, None, f.blank)
            if layout == SICHUAN:
                ws.merge_range(rr, 8, rr, 9, None, f.blank)
        if form_type == WHOLE:
            nature = lay.rows["按支出性质"]
            for k, label in enumerate(("其中：基本支出", "项目支出")):
                rr = nature + k - 1
                ws.merge_range(rr, 0, rr, 1, label, f.label_left)
                for c in (2, 3, 4):
                    ws.write_blank(rr, c, None, f.input_num)
                for c in range(5, width):
                    ws.write_blank(rr, c, None, f.blank)

        # Goals
        r = lay.rows["目标表头"] - 1
        half = width // 2
        ws.merge_range(r, 0, r, half - 1, "年度总体目标：预期目标", f.label)
        ws.merge_range(r, half, r, last, "实际完成情况", f.label)
        r = lay.rows["年度总体目标"] - 1
        ws.set_row(r, 72)
        ws.merge_range(r, 0, r, half - 1, None, f.input_top)
        ws.merge_range(r, half, r, last, None, f.input_top)

        # Indicators
        cols = fx.indicator_columns(layout, width)
        hidden = fx.hidden_columns(HIDDEN_FIRST_COL)
        r = lay.rows["指标表头"] - 1
        ws.set_row(r, 30)
        for col, heading in _headings("绩效指标", form_type, layout):
            ws.write(r, col - 1, heading, f.label)
        for i, h in enumerate(("完成率", "偏差率", "参考得分")):
            ws.write(r, width + i, h, f.label)
        for name, letter in hidden.items():
            ws.write(r, _col(letter) - 1, fx.helper_title(name), f.hidden)
        first = lay.rows["绩效指标"]
        numeric = {INDICATOR_COLUMNS[layout].index(k) for k in ("分值", "得分")}
        for k in range(INDICATOR_ROWS):
            row = first + k
            ws.set_row(row - 1, 24)
            for i in range(width):
                ws.write_blank(row - 1, i, None, f.input_num if i in numeric else f.input)
            for letter, formula in fx.indicator_formulas(layout, cols, row, hidden).items():
                c = _col(letter) - 1
                style = (
                    f.calc_pct
                    if letter in (cols.completion, cols.deviation)
                    else (f.calc if c < HIDDEN_FIRST_COL - 1 else f.hidden)
                )
                ws.write_formula(row - 1, c, formula, style, "")
        last_ind = first + INDICATOR_ROWS - 1
        points_col = INDICATOR_COLUMNS[layout].index("分值") + 1
        # Dropdowns: 一级 from the standard list, 二级 depending on the 一级, 指标性质.
        ws.data_validation(first - 1, 0, last_ind - 1, 0, _list("=jx_l1_list"))
        ws.data_validation(
            first - 1,
            1,
            last_ind - 1,
            1,
            _list(f"=OFFSET(jx_l2_first,MATCH($A{first},jx_l1_list,0)-1,0,1,4)"),
        )
        if layout == SICHUAN:
            ws.data_validation(
                first - 1, 3, last_ind - 1, 3, _list(["≥", "≤", "＝", "＞", "＜", "定性"])
            )
        for c in (points_col, points_col + 1):
            ws.data_validation(
                first - 1, c - 1, last_ind - 1, c - 1,
                {"validate": "decimal", "criteria": ">=", "value": 0, "error_type": "warning",
                 "error_title": "jixiao", "error_message": "分值和得分应填写不小于 0 的数字。"},
            )  # fmt: skip

        # Totals, grade, footer
        r = lay.rows["总分"]
        ws.merge_range(r - 1, 0, r - 1, points_col - 2, "总分", f.label)
        budget_row = lay.rows["预算合计"]
        points_range = f"{_a1(first, points_col)}:{_a1(last_ind, points_col)}"
        score_range = f"{_a1(first, points_col + 1)}:{_a1(last_ind, points_col + 1)}"
        ws.write_formula(
            r - 1, points_col - 1, fx.total_points(_a1(budget_row, 6), points_range), f.calc, ""
        )
        ws.write_formula(
            r - 1, points_col, fx.total_score(_a1(budget_row, 8), score_range), f.calc, ""
        )
        for c in range(points_col + 1, width):
            ws.write_blank(r - 1, c, None, f.blank)
        g = lay.rows["等级"]
        ws.merge_range(g - 1, 0, g - 1, points_col - 1, _grade_label(self.profile), f.label)
        ws.write_formula(g - 1, points_col, fx.grade(_a1(r, points_col + 1)), f.calc_text, "")
        for c in range(points_col + 1, width):
            ws.write_blank(g - 1, c, None, f.blank)
        foot = lay.rows["页脚"]
        for name in FOOTER_FIELDS:
            cell = lay.cells[name]
            ws.write(foot - 1, cell.col - 2, name, f.label_left)
            ws.write_blank(foot - 1, cell.col - 1, None, f.input)

        # 执行进度 (cumulative execution at checkpoint months), below the printed form.
        p = lay.rows["执行进度"]
        ws.write(p - 1, 0, "预算执行进度（累计执行数 ÷ 全年预算数）", f.section)
        for k, month in enumerate(PROGRESS_MONTHS):
            ws.write(p + k, 1, f"{month}月", f.label)
            ws.write_blank(p + k, 2, None, f.input_pct)

        # Flags without Python: conditional formats, live as the user types.
        actual_col = INDICATOR_COLUMNS[layout].index("实际完成值") + 1
        dev = f"${cols.deviation}{first}"
        ws.conditional_format(
            first - 1, actual_col - 1, last_ind - 1, actual_col - 1,
            {"type": "formula", "criteria": f"=AND(ISNUMBER({dev}),ABS({dev})>jx_threshold)", "format": f.flag_warning},
        )  # fmt: skip
        ws.conditional_format(
            first - 1, _col(cols.deviation) - 1, last_ind - 1, _col(cols.deviation) - 1,
            {"type": "formula", "criteria": f"=AND(ISNUMBER({dev}),ABS({dev})>jx_threshold)", "format": f.flag_warning},
        )  # fmt: skip
        score_cell, points_cell = (
            f"${column_letter(points_col + 1)}{first}",
            f"${column_letter(points_col)}{first}",
        )
        ws.conditional_format(
            first - 1, points_col, last_ind - 1, points_col,
            {"type": "formula", "criteria": f"=AND(ISNUMBER({score_cell}),ISNUMBER({points_cell}),{score_cell}>{points_cell})",
             "format": f.flag_error},
        )  # fmt: skip
        ws.conditional_format(
            budget_row - 1, 6, budget_row - 1, 6,
            {"type": "formula", "criteria": f"=AND(ISNUMBER({rate}),OR({rate}<jx_exec_floor,{rate}>1))", "format": f.flag_error},
        )  # fmt: skip
        ws.conditional_format(
            budget_row - 1, 7, budget_row - 1, 7,
            {"type": "formula", "criteria": f"=AND(ISNUMBER({score}),ISNUMBER($F${budget_row}),{score}>$F${budget_row})",
             "format": f.flag_error},
        )  # fmt: skip
        if "预算执行.原因" in lay.cells:
            # Execution below the profile's floor needs a reason in the Sichuan reason cell.
            reason = lay.cells["预算执行.原因"]
            ws.conditional_format(
                reason.row - 1, reason.col - 1, reason.row - 1, reason.col,
                {"type": "formula", "criteria": f"=AND(ISNUMBER({rate}),{rate}<jx_reason_floor,LEN(TRIM(${reason.address.rstrip('0123456789')}${reason.row}))=0)",
                 "format": f.flag_warning},
            )  # fmt: skip

        for name, ref in field_names(lay).items():
            self.name(sheet, name, ref)
        ws.write(1, width, NO_JIXIAO_NOTE, f.note)
        labels = ["校验", "清除标记"] + (
            ["新增项目"] if unit_workbook and form_type != BASIC else []
        )
        self.buttons(ws, width + 4, labels)
        self.print_setup(ws, foot, width)
        self.protect(ws)

    # ---- 基础数据表 -------------------------------------------------------------------

    def basic_sheet(self, sheet: str, *, unit_workbook: bool) -> None:
        ws = self.add_sheet(sheet)
        lay = sheet_layout(BASIC).with_sheet(sheet)
        f = self.fmt
        widths = (26, 12, 12, 12, 12, 12, 14)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.set_row(0, 36)
        ws.merge_range(0, 0, 0, 6, TITLES[BASIC], f.title)
        for key in ("年度", "单位名称"):
            r = lay.rows[key] - 1
            ws.merge_range(r, 0, r, 1, BY_PATH[key].heading_for(NATIONAL), f.label)
            ws.merge_range(
                r, 2, r, 6, self.header.get(key), f.input_int if key == "年度" else f.input
            )
        r = lay.rows["人员表头"] - 1
        ws.write(r, 0, "财政供养人员情况", f.label)
        for col, heading in _headings("人员", BASIC, NATIONAL):
            ws.write(r, col - 1, heading, f.label)
        r = lay.rows["人员"]
        ws.write(r - 1, 0, "人数", f.label_left)
        ws.write_blank(r - 1, 1, None, f.input_int)
        ws.write_blank(r - 1, 2, None, f.input_int)
        ws.write_formula(r - 1, 3, fx.ratio(_a1(r, 3), _a1(r, 2), "JX_STAFF_RATE"), f.calc_pct, "")
        r = lay.rows["经费表头"] - 1
        ws.set_row(r, 30)
        for i, h in enumerate(
            ("经费控制情况（万元）", *BASIC_VALUE_COLUMNS, "控制率（决算÷预算）", "较上年变动率")
        ):
            ws.write(r, i, h, f.label)
        first = lay.rows["经费"]
        for k, (name, parent) in enumerate(BASIC_ROWS):
            row = first + k
            depth = 0
            p = parent
            while p:
                depth += 1
                p = dict(BASIC_ROWS)[p]
            label = (
                ("　" * depth)
                + ("其中：" if parent and parent not in ("三公经费", "项目支出") else "")
                + name
            )
            ws.write(row - 1, 0, label, f.label_left)
            for c in (1, 2, 3):
                ws.write_blank(row - 1, c, None, f.input_num)
            ws.write_formula(row - 1, 4, fx.ratio(_a1(row, 4), _a1(row, 3)), f.calc_pct, "")
            ws.write_formula(row - 1, 5, fx.change(_a1(row, 4), _a1(row, 2)), f.calc_pct, "")
        r = lay.rows["楼堂馆所表头"] - 1
        ws.set_row(r, 30)
        for col, heading in _headings("楼堂馆所", BASIC, NATIONAL):
            ws.write(r, col - 1, heading, f.label)
        first_b = lay.rows["楼堂馆所"]
        for k in range(BUILDING_ROWS):
            row = first_b + k
            ws.write_blank(row - 1, 0, None, f.input)
            for c in (1, 2, 4, 5):
                ws.write_blank(row - 1, c, None, f.input_num)
            ws.write_formula(row - 1, 3, fx.ratio(_a1(row, 3), _a1(row, 2)), f.calc_pct, "")
            ws.write_formula(row - 1, 6, fx.ratio(_a1(row, 6), _a1(row, 5)), f.calc_pct, "")
        r = lay.rows["厉行节约保障措施"] - 1
        ws.set_row(r, 60)
        ws.write(r, 0, "厉行节约保障措施", f.label)
        ws.merge_range(r, 1, r, 6, None, f.input_top)
        foot = r + 2
        # Flags: spending that strays from its budget by more than the threshold.
        last = first + len(BASIC_ROWS) - 1
        ws.conditional_format(
            first - 1, 3, last - 1, 3,
            {"type": "formula", "criteria": f"=AND(ISNUMBER($E{first}),ABS($E{first}-1)>jx_threshold)", "format": f.flag_warning},
        )  # fmt: skip
        ws.conditional_format(
            lay.rows["人员"] - 1, 3, lay.rows["人员"] - 1, 3,
            {"type": "formula", "criteria": f"=AND(ISNUMBER($D${lay.rows['人员']}),$D${lay.rows['人员']}>1)", "format": f.flag_warning},
        )  # fmt: skip
        for name, ref in field_names(lay).items():
            self.name(sheet, name, ref)
        ws.write(1, 7, NO_JIXIAO_NOTE, f.note)
        ws.set_column(7, 7, 24)
        self.buttons(ws, 8, ["校验", "清除标记"])
        self.print_setup(ws, foot, 7, landscape=False)
        self.protect(ws)

    # ---- 设置, 校验结果, xlwings.conf ------------------------------------------------

    def settings_sheet(self) -> None:
        """The workbook's profile (jx_profile) and what follows from it, and lookup lists.

        The clerk picks the profile; threshold, bands and grade bounds are looked up in the
        table of built-in profiles beside it, so the sheet, the worksheet functions and
        校验 all use the profile the workbook names.
        """
        ws = self.add_sheet(SETTINGS_SHEET)
        f = self.fmt
        profile = self.profile
        builtin = [load_profile(name) for name in BUILTIN]
        ws.set_column(0, 0, 36)
        ws.set_column(1, 8, 14)
        ws.set_column(3, 3, 26)  # the labels of the profile table
        ws.write(0, 0, "jixiao 设置", f.section)
        ws.write(1, 0, "选择地区配置（黄色格）；阈值、档次和等级随之取自右侧「各地区配置」表。")
        # (defined name, label, the setting of a profile, style)
        settings: list[tuple[str, str, Any, Any]] = [
            ("threshold", "偏差阈值", lambda p: p.deviation_threshold, f.calc_pct),
            ("reason_floor", "执行率低于此值须说明原因", lambda p: p.reason_required_below, f.calc_pct),
            ("band_full", "定性档次上限：达成", lambda p: p.bands["达成"][1], f.calc_pct),
            ("band_partial", "定性档次上限：部分达成", lambda p: p.bands["部分达成"][1], f.calc_pct),
            ("band_none", "定性档次上限：未达成", lambda p: p.bands["未达成"][1], f.calc_pct),
        ]  # fmt: skip
        grades = sorted(profile.grades.items(), key=lambda kv: kv[1])
        if any(sorted(p.grades) != sorted(profile.grades) for p in builtin):
            raise ValueError("built-in profiles must share their grade names")
        settings += [
            (f"grade_{k + 1}", f"等级下限：{g}", lambda p, g=g: p.grades[g], f.calc_num)
            for k, (g, _bound) in enumerate(grades)
        ]
        # The table of built-in profiles, right of the settings.
        top, left = 3, 3  # D4
        ws.write(top, left, "各地区配置", f.label)
        for i, p in enumerate(builtin):
            ws.write(top, left + 1 + i, p.key, f.label)
        self.name(
            None,
            "jx_cfg_names",
            f"{_a1(top + 1, left + 2, True)}:{_a1(top + 1, left + 1 + len(builtin), True)}",
        )
        table: dict[str, str] = {}
        for k, (key, label, value_of, style) in enumerate(settings):
            r = top + 1 + k
            ws.write(r, left, label, f.label_left)
            for i, p in enumerate(builtin):
                ws.write_number(r, left + 1 + i, value_of(p), style)
            table[key] = f"jx_cfg_{key}"
            self.name(
                None,
                table[key],
                f"{_a1(r + 1, left + 2, True)}:{_a1(r + 1, left + 1 + len(builtin), True)}",
            )

        def lookup(key: str) -> str:
            # Row and column both given: Gnumeric reads INDEX(one row, n) as row n.
            row = table[key]
            return f"=IFERROR(INDEX({row},1,MATCH(jx_profile,jx_cfg_names,0)),INDEX({row},1,1))"

        r = 3
        ws.write(r, 0, "地区配置（national/sichuan/hunan）", f.label_left)
        ws.write(r, 1, profile.key, f.input)
        ws.data_validation(r, 1, r, 1, {"validate": "list", "source": list(BUILTIN),
                                        "error_title": "jixiao", "error_message": "请从列表中选择地区配置。"})  # fmt: skip
        self.name(None, PROFILE_NAME, _a1(r + 1, 2, True))
        # The evaluation framework of a form of another framework, written by `jixiao import`
        # (a 20/80 or 决策/过程/产出/效益 form): 校验 then leaves out the national checks, as
        # for the original form. Above the profile table, as wide as it: two lines hold the
        # longest framework's name.
        ws.set_row(r - 1, 30)
        ws.write(r - 1, 0, "评价框架（导入其他评价框架的表时写入；全国统一格式留空）", f.label_left)
        ws.merge_range(r - 1, 1, r - 1, left + len(builtin), None, f.input)
        self.name(None, FRAMEWORK_NAME, _a1(r, 2, True))
        rows = [
            ("jx_threshold", "threshold"), ("jx_exec_floor", None), ("jx_reason_floor", "reason_floor"),
            ("jx_band_full", "band_full"), ("jx_band_partial", "band_partial"), ("jx_band_none", "band_none"),
        ]  # fmt: skip
        labels = {key: (label, value_of, style) for key, label, value_of, style in settings}
        for name, key in rows:
            r += 1
            if key is None:
                ws.write(r, 0, "执行率下限（1 − 偏差阈值）", f.label_left)
                ws.write_formula(
                    r, 1, "=1-jx_threshold", f.calc_pct, 1 - profile.deviation_threshold
                )
            else:
                label, value_of, style = labels[key]
                ws.write(r, 0, label, f.label_left)
                ws.write_formula(r, 1, lookup(key), style, value_of(profile))
            self.name(None, name, _a1(r + 1, 2, True))
        r += 2
        ws.write(r, 0, "等级", f.section)
        for k, (grade_name, bound) in enumerate(grades):
            ws.write(r + 1 + k, 0, grade_name, f.calc_text)
            ws.write_formula(r + 1 + k, 1, lookup(f"grade_{k + 1}"), f.calc_num, bound)
        self.name(
            None, "jx_grade_names", f"{_a1(r + 2, 1, True)}:{_a1(r + 1 + len(grades), 1, True)}"
        )
        self.name(
            None, "jx_grade_bounds", f"{_a1(r + 2, 2, True)}:{_a1(r + 1 + len(grades), 2, True)}"
        )
        printed = max(r + len(grades), top + len(settings))  # settings, grades, profile table
        r = r + len(grades) + 2
        ws.write(r, 0, "一级指标 → 二级指标", f.section)
        for k, (l1, l2s) in enumerate(LEVEL2_OF.items()):
            ws.write(r + 1 + k, 0, l1, f.label_left)
            for i, l2 in enumerate(l2s):
                ws.write(r + 1 + k, 1 + i, l2)
        self.name(
            None, "jx_l1_list", f"{_a1(r + 2, 1, True)}:{_a1(r + 1 + len(LEVEL2_OF), 1, True)}"
        )
        self.name(None, "jx_l2_first", _a1(r + 2, 2, True))
        r = r + len(LEVEL2_OF) + 2
        for table in fx.lookup_tables():
            ws.write(r, 0, table.title, f.section)
            for i, h in enumerate(table.headers):
                ws.write(r + 1, i, h, f.label)
            for k, values in enumerate(table.rows):
                for i, v in enumerate(values):
                    ws.write_string(r + 2 + k, i, v) if isinstance(v, str) else ws.write_number(
                        r + 2 + k, i, v
                    )
            for i in range(len(table.headers)):
                col = i + 1
                self.name(
                    None,
                    f"{table.name}_{col}",
                    f"{_a1(r + 3, col, True)}:{_a1(r + 2 + len(table.rows), col, True)}",
                )
            r += len(table.rows) + 3
        ws.print_area(0, 0, printed, left + len(builtin))  # not the lookup tables
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        self.protect(ws)

    def results_sheet(self) -> None:
        # Its content is the package writer's (close → _own_results_sheet), so that 校验
        # refills it and 清除标记 restores it; only the sheet's print settings are ours.
        ws = self.add_sheet(RESULTS_SHEET)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)

    def conf_sheet(self) -> None:
        ws = self.add_sheet(CONF_SHEET)
        ws.set_column(0, 1, 28)
        ws.write(0, 0, "UDF Modules")
        ws.write(0, 1, self.functions.__name__ if self.functions else "jixiao.udfs")
        ws.write(
            2, 0, "（xlwings 设置：使用其他 Python 时在上方添加 Interpreter_Win 一行，见 README）"
        )
        ws.hide()  # xlwings reads it hidden; users rarely need it (README says how to show it)

    def close(self) -> None:
        if self.functions is not None:
            self.wb.set_vba_name("ThisWorkbook")
            names = []
            for k, ws in enumerate(self.sheets, 1):
                ws.set_vba_name(f"Sheet{k}")
                names.append(f"Sheet{k}")
            project = build_vba_project(names, self.functions)
            self.wb.add_vba_project(io.BytesIO(project), is_stream=True)
        self.wb.close()
        if any(ws.name == RESULTS_SHEET for ws in self.sheets):
            self._rewrite(empty_results_sheet)
        if self.functions is not None:
            self._rewrite(self._with_cached_values)

    def _with_cached_values(self, data: bytes) -> bytes:
        # The file shows the computed cells' values before any program recalculates it.
        pkg = Package.from_bytes(data)
        write_cached_values(pkg, self.functions)  # type: ignore[arg-type]
        return pkg.to_bytes()

    def _rewrite(self, change: Callable[[bytes], bytes]) -> None:
        target = self.wb.filename
        if isinstance(target, io.BytesIO):
            data = change(target.getvalue())
            target.seek(0)
            target.truncate()
            target.write(data)
        else:
            Path(target).write_bytes(change(Path(target).read_bytes()))


def _col(letter: str) -> int:
    return column_index(letter)


def _grade_label(profile: Profile) -> str:
    """ "等级（优≥90，良≥80，中≥60，差<60）" from the profile's grade bands."""
    bands = sorted(profile.grades.items(), key=lambda kv: -kv[1])
    parts = [f"{g}≥{b:g}" for g, b in bands[:-1]] + [f"{bands[-1][0]}<{bands[-2][1]:g}"]
    return f"等级（{'，'.join(parts)}）"


def _headings(schema: str, form_type: str, layout: str) -> list[tuple[int, str]]:
    """(column, heading) of a table's fields on one template layout, from the field schema."""
    return sorted(
        (f.place.column(layout), f.heading_for(layout))  # type: ignore[union-attr, misc]
        for f in members(schema)
        if f.has_cell(form_type, layout)
    )


def _list(source: str | list[str]) -> dict[str, Any]:
    return {
        "validate": "list",
        "source": source,
        "error_type": "warning",
        "error_title": "jixiao",
        "error_message": "不是标准名称。可以保留，但「校验」会提示改用标准名称。",
    }


def template_for(form: Form) -> Template:
    """The standard template a form goes into."""
    if form.form_type == BASIC:
        file = "部门整体支出绩效评价基础数据表.xlsm"
    elif form.form_type == WHOLE:
        if isinstance(form, SelfEvalForm) and form.layout == SICHUAN:
            raise InputError(
                "这是四川式（指标性质/度量单位分列）的部门整体支出自评表，jixiao 暂无此模板；"
                "请改用全国式写法（指标值写成“≥18场次”）",
                file=form.source,
            )
        file = "部门整体支出绩效自评表.xlsm"
    elif isinstance(form, SelfEvalForm) and form.layout == SICHUAN:
        file = "项目支出绩效自评表（四川式）.xlsm"
    else:
        file = "项目支出绩效自评表.xlsm"
    return next(t for t in TEMPLATES if t.file == file)


def with_projects(template: Template, count: int) -> Template:
    """The unit workbook with ``count`` project sheets 项目1 … 项目N."""
    fixed = tuple(s for s in template.sheets if s[1] != PROJECT)
    projects = tuple((f"项目{k}", PROJECT, NATIONAL) for k in range(1, count + 1))
    return replace(template, sheets=fixed + projects)


def build(
    template: Template,
    out: Path | io.BytesIO,
    *,
    functions: ModuleType | None,
    header: dict[str, Any] | None = None,
) -> None:
    """Write ``template`` to ``out``; ``functions`` (jixiao.udfs) gives the VBA its wrappers."""
    b = Builder(out, functions=functions, header=header, profile=template.profile)
    for sheet, form_type, layout in template.sheets:
        if form_type == BASIC:
            b.basic_sheet(sheet, unit_workbook=template.unit_workbook)
        else:
            b.self_eval_sheet(sheet, form_type, layout, unit_workbook=template.unit_workbook)
    if template.unit_workbook:
        b.results_sheet()
    b.settings_sheet()
    b.conf_sheet()
    b.close()


def build_all(out_dir: Path, *, functions: ModuleType | None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for t in TEMPLATES:
        path = out_dir / t.file
        build(t, path, functions=functions)
        written.append(path)
    return written
