"""Sheets laid out like the real paper forms (built by hand, not from our templates).

Each sheet is filled with one of the real examples' data and read back by
``jixiao.readers.paper``: the data must validate, the rule engine must find
exactly what it finds in the example's JSON, and the cell map must point at the
hand-made sheet's own cells.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from support import codes_at, findings_for, load_example

from jixiao.cli import main
from jixiao.core.errors import InputError
from jixiao.core.findings import Severity
from jixiao.core.form import MISSING, SelfEvalForm, amount_value
from jixiao.core.interchange import SCHEMA, form_from_data
from jixiao.core.layout import PROJECT, SICHUAN, WHOLE, Cell
from jixiao.core.profile import load_profile
from jixiao.formats.xlsx_grid import sheet_grid
from jixiao.readers.paper import (
    find_form_sheets,
    profile_hint,
    read_paper_form,
    read_paper_sheet,
)
from jixiao.readers.paper_split import form_parts
from jixiao.rules.engine import check_form


@dataclass(frozen=True)
class Variant:
    """How a hand-made sheet differs from the plainest paper form."""

    layout: str = "national"  # or "sichuan": 指标性质/指标值/度量单位 in their own columns
    row0: int = 1  # where the form starts
    col0: int = 1
    merge_levels: bool = False  # 一级/二级 merged over their rows, value in the top cell only
    spaced: bool = False  # "年 度 指 标 值", "实际\n完成值", full-width spaces
    wan: bool = False  # "（万元）" in the budget headings, a "单位：万元" line
    year: str = (
        "cell"  # "cell": a 年度 cell; "title": "…自评表（2020年度）"; "line": "（2020年度）"
    )
    goals: str = "side"  # "side": 预期目标 | 实际完成情况 side by side; "stacked"
    alt_labels: bool = False  # 目标值/实际值/权重（分值）/自评得分/调整后预算数/实际支出/合计
    unit_label: str = "预算单位名称"  # or 单位名称, 部门名称, 主管部门 (with 实施单位)
    skeleton: int = 0  # rows of printed 一级/二级 left unfilled, and blank rows, after the data
    percent_cells: bool = False  # "95%" typed into a percent-formatted cell (0.95)


class PaperSheet:
    """Writes a form the way the paper forms look, recording where each field went."""

    def __init__(self, ws: Worksheet, data: dict[str, Any], v: Variant) -> None:
        self.ws = ws
        self.data = data
        self.v = v
        self.cells: dict[str, Cell] = {}
        self.row = v.row0
        sichuan = v.layout == "sichuan"
        self.width = 11 if sichuan else 9  # block label column + indicator columns

    # -- helpers

    def col(self, k: int) -> int:
        return self.v.col0 + k

    def label(self, text: str) -> str:
        if not self.v.spaced:
            return text
        if len(text) <= 5:
            return " ".join(text)  # 年 度 指 标 值
        half = len(text) // 2
        return f"{text[:half]}\n{text[half:]}"  # 实际完\n成值

    def put(self, row: int, k: int, value: Any, path: str | None = None, fmt: str = "") -> None:
        cell = self.ws.cell(row, self.col(k))
        if value is not None and value != "":
            cell.value = value
            if fmt:
                cell.number_format = fmt
        if path is not None:
            self.cells[path] = Cell(self.ws.title, row, self.col(k))

    def merge(self, r0: int, k0: int, r1: int, k1: int) -> None:
        if (r0, k0) != (r1, k1):
            self.ws.merge_cells(
                start_row=r0, start_column=self.col(k0), end_row=r1, end_column=self.col(k1)
            )

    # -- blocks

    def build(self) -> dict[str, Cell]:
        self.title()
        self.header()
        self.budget()
        self.goals()
        self.indicators()
        self.footer()
        return self.cells

    def title(self) -> None:
        d, v = self.data, self.v
        name = d["表类型"]
        if v.year == "title":
            self.put(self.row, 0, f"{name}（{d['年度']}年度）", "年度")
        else:
            self.put(self.row, 0, name)
        self.merge(self.row, 0, self.row, self.width - 1)
        self.row += 1
        if v.year == "line":
            self.put(self.row, 0, f"（{d['年度']}年度）", "年度")
            self.merge(self.row, 0, self.row, self.width - 1)
            self.row += 1
        if v.wan:
            self.put(self.row, self.width - 2, "单位：万元")
            self.row += 1

    def header(self) -> None:
        d, v = self.data, self.v
        if v.unit_label == "主管部门":
            self.put(self.row, 0, "主管部门")
            self.put(self.row, 1, d["单位名称"], "单位名称")
            self.merge(self.row, 1, self.row, 3)
            self.put(self.row, 4, "实施单位")
            self.put(self.row, 5, d["单位名称"], "实施单位")
            self.merge(self.row, 5, self.row, self.width - 1)
        else:
            self.put(self.row, 0, self.label(v.unit_label) + "：")
            self.put(self.row, 1, d["单位名称"], "单位名称")
            self.merge(self.row, 1, self.row, 4)
            if v.year == "cell":
                self.put(self.row, 5, "年度")
                self.put(self.row, 6, d["年度"], "年度")
        self.row += 1
        if "项目名称" in d:
            self.put(self.row, 0, self.label("项目名称"))
            self.put(self.row, 1, d["项目名称"], "项目名称")
            self.merge(self.row, 1, self.row, self.width - 1)
            self.row += 1

    def budget(self) -> None:
        v = self.v
        b = self.data["预算执行"]
        alt = v.alt_labels
        heads = {
            "年初预算数": "年初预算数",
            "全年预算数": "调整后预算数" if alt else "全年预算数",
            "全年执行数": "实际支出" if alt else "全年执行数",
            "分值": "权重" if alt else "分值",
            "执行率": "执行率",
            "得分": "自评得分" if alt else "得分",
        }
        first = self.row
        block = "项目资金\n（万元）" if "项目名称" in self.data else "资金情况（万元）"
        self.put(self.row, 0, block)
        for k, (key, text) in enumerate(heads.items(), 3):
            shown = self.label(text)
            if v.wan and key in ("年初预算数", "全年预算数", "全年执行数"):
                shown += "（万元）"
            self.put(self.row, k, shown)
        self.row += 1
        self.put(self.row, 1, "合计" if alt else "年度资金总额：", "预算执行")
        self.merge(self.row, 1, self.row, 2)
        for k, key in enumerate(heads, 3):
            fmt = "0.00%" if key == "执行率" else ""
            self.put(self.row, k, b.get(key), f"预算执行.{key}", fmt)
        self.row += 1
        for n, src in enumerate(b.get("资金来源", [])):
            name = src["名称"]
            self.put(self.row, 1, f"其中：{name}" if n == 0 else name, f"预算执行.资金来源[{name}]")
            self.merge(self.row, 1, self.row, 2)
            for k, key in enumerate(("年初预算数", "全年预算数", "全年执行数"), 3):
                self.put(self.row, k, src.get(key), f"预算执行.资金来源[{name}].{key}")
            if v.layout == "national":
                for k in (6, 7, 8):
                    self.put(self.row, k, "—")
            self.row += 1
        self.merge(first, 0, self.row - 1, 0)

    def goals(self) -> None:
        g = self.data.get("年度总体目标", {})
        first = self.row
        self.put(self.row, 0, self.label("年度总体目标"), "年度总体目标")
        mid = 5
        if self.v.goals == "side":
            self.put(self.row, 1, self.label("预期目标"))
            self.merge(self.row, 1, self.row, mid - 1)
            self.put(self.row, mid, self.label("实际完成情况"))
            self.merge(self.row, mid, self.row, self.width - 1)
            self.row += 1
            self.put(self.row, 1, g.get("预期目标"), "年度总体目标.预期目标")
            self.merge(self.row, 1, self.row, mid - 1)
            self.put(self.row, mid, g.get("实际完成情况"), "年度总体目标.实际完成情况")
            self.merge(self.row, mid, self.row, self.width - 1)
        else:
            for n, key in enumerate(("预期目标", "实际完成情况")):
                self.put(self.row, 1, self.label(key))
                self.put(self.row, 2, g.get(key), f"年度总体目标.{key}")
                self.merge(self.row, 2, self.row, self.width - 1)
                if n == 0:
                    self.row += 1
        self.merge(first, 0, self.row, 0)
        self.row += 1

    def indicator_columns(self) -> list[tuple[str, str]]:
        alt = self.v.alt_labels
        if self.v.layout == "sichuan":
            return [
                ("一级指标", "一级指标"),
                ("二级指标", "二级指标"),
                ("三级指标", "三级指标"),
                ("指标性质", "指标性质"),
                ("指标值", "年度指标值" if alt else "指标值"),
                ("度量单位", "度量单位"),
                ("实际完成值", "实际完成值" if alt else "完成值"),
                ("分值", "分值" if alt else "权重"),
                ("得分", "自评得分" if alt else "得分"),
                ("偏差原因", "偏差原因" if alt else "未完成原因分析"),
            ]
        return [
            ("一级指标", "一级指标"),
            ("二级指标", "二级指标"),
            ("三级指标", "三级指标"),
            ("指标值", "目标值" if alt else "年度指标值"),
            ("实际完成值", "实际值" if alt else "实际完成值"),
            ("分值", "权重（分值）" if alt else "分值"),
            ("得分", "自评得分" if alt else "得分"),
            ("偏差原因", "偏差原因" if alt else "偏差原因分析及改进措施"),
        ]

    def indicators(self) -> None:
        v = self.v
        cols = self.indicator_columns()
        first = self.row
        self.put(self.row, 0, self.label("绩效指标"))
        for k, (_key, text) in enumerate(cols, 1):
            self.put(self.row, k, self.label(text))
        self.row += 1
        items = self.data.get("绩效指标", [])
        start = self.row
        for n, item in enumerate(items, 1):
            for k, (key, _text) in enumerate(cols, 1):
                value = item.get(key)
                fmt = ""
                if v.percent_cells and isinstance(value, str) and value.endswith("%"):
                    value, fmt = float(value[:-1]) / 100, "0%"
                if v.merge_levels and key in ("一级指标", "二级指标") and n > 1:
                    prev = items[n - 2]
                    same = prev.get("一级指标") == item.get("一级指标")
                    if same and (key == "一级指标" or prev.get(key) == value):
                        # Inside a merge: the value sits in the merge's top cell.
                        top = self.cells[f"绩效指标[{n - 1}].{key}"]
                        self.cells[f"绩效指标[{n}].{key}"] = top
                        continue
                self.put(self.row, k, value, f"绩效指标[{n}].{key}", fmt)
            self.row += 1
        if v.merge_levels:
            for key, k in (("一级指标", 1), ("二级指标", 2)):
                spans: dict[Cell, list[int]] = {}
                for n in range(1, len(items) + 1):
                    spans.setdefault(self.cells[f"绩效指标[{n}].{key}"], []).append(start + n - 1)
                for rows in spans.values():
                    self.merge(rows[0], k, rows[-1], k)
        # The printed skeleton nobody filled in, then blank rows.
        skeleton = [
            ("产出指标", "数量指标"),
            ("产出指标", "质量指标"),
            ("效益指标", "社会效益指标"),
        ]
        for level1, level2 in skeleton[: v.skeleton]:
            self.put(self.row, 1, level1)
            self.put(self.row, 2, level2)
            self.row += 1
        self.row += 2 if v.skeleton else 0
        self.merge(first, 0, self.row - 1, 0)

    def footer(self) -> None:
        cols = [key for key, _text in self.indicator_columns()]
        total = self.data.get("总分", {})
        self.put(self.row, 0, self.label("总分"), "总分")
        self.merge(self.row, 0, self.row, cols.index("分值"))
        self.put(self.row, cols.index("分值") + 1, total.get("分值"), "总分.分值")
        self.put(self.row, cols.index("得分") + 1, total.get("得分"), "总分.得分")
        self.row += 1
        if "等级" in self.data:
            self.put(self.row, 0, self.label("等级"))
            self.put(self.row, 1, self.data["等级"], "等级")
            self.row += 1


def build(
    tmp_path: Path, name: str, v: Variant, sheet: str = "自评表"
) -> tuple[Worksheet, dict[str, Any], dict[str, Cell]]:
    """Write the example as a paper-layout sheet, save, and load it back as a user's file."""
    data = load_example(name)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    expected = PaperSheet(ws, data, v).build()
    path = tmp_path / f"{Path(name).stem}.xlsx"
    wb.save(path)
    return openpyxl.load_workbook(path)[sheet], data, expected


def plain(obj: Any) -> Any:
    """Compare as a clerk reads: 12.0 is 12, an empty text cell is an empty cell."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items() if v != ""}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    if isinstance(obj, float) and obj.is_integer():
        return int(obj)
    return obj


CASES = [
    ("shifeng-2020-whole.json", Variant()),
    (
        "shifeng-2020-whole.json",
        Variant(
            row0=5, col0=2, merge_levels=True, spaced=True, wan=True, year="title",
            percent_cells=True, unit_label="部门名称",
        ),
    ),
    (
        "shifeng-2020-project.json",
        Variant(unit_label="主管部门", alt_labels=True, goals="stacked", year="line"),
    ),
    (
        "shifeng-2020-project.json",
        Variant(layout="sichuan", merge_levels=True, row0=3, col0=3, skeleton=2, wan=True),
    ),
    ("zhaohua-2024-p1.json", Variant(layout="sichuan", unit_label="单位名称")),
    (
        "zhaohua-2024-p1.json",
        Variant(
            layout="sichuan", row0=5, col0=2, merge_levels=True, spaced=True, wan=True,
            year="title", alt_labels=True, skeleton=3, goals="stacked",
        ),
    ),
    ("zhaohua-2024-p4.json", Variant(layout="sichuan", skeleton=3, goals="stacked")),
    ("zhaohua-2024-p4.json", Variant(layout="sichuan", row0=5, col0=2, spaced=True, year="line")),
]  # fmt: skip
IDS = [f"{name.removesuffix('.json')}-{k}" for k, (name, _v) in enumerate(CASES)]


@pytest.mark.parametrize(("name", "variant"), CASES, ids=IDS)
def test_paper_sheet_reads_like_its_json(tmp_path: Path, name: str, variant: Variant) -> None:
    ws, example, expected_cells = build(tmp_path, name, variant)
    data, cells = read_paper_sheet(ws, "单位.xlsx")

    form_from_data(copy.deepcopy(data), "单位.xlsx")  # validates
    want = plain(example)
    if variant.unit_label == "主管部门":
        want = {**want, "实施单位": want["单位名称"]}
        want = {k: want[k] for k in SCHEMA["自评表"] if k in want}
    assert plain(data) == want
    assert list(data) == [k for k in SCHEMA["自评表"] if k in data]  # canonical order

    # The core requirement: same findings as the JSON, by code and field.
    for profile in ("national", "sichuan"):
        assert codes_at(findings_for(data, profile)) == codes_at(findings_for(example, profile))

    # The cell map points at the sheet's own cells.
    for path, cell in expected_cells.items():
        assert cells.get(path) == cell, path


def test_findings_point_at_the_users_cells(tmp_path: Path) -> None:
    v = Variant(layout="sichuan", row0=5, col0=2, merge_levels=True, spaced=True)
    ws, _example, expected = build(tmp_path, "zhaohua-2024-p4.json", v, sheet="昭化项目4")
    form = read_paper_form(ws, "昭化.xlsx")
    found = {(f.code, f.field): (f.sheet, f.cell) for f in check_form(form, load_profile())}
    s07 = found[("S07", "预算执行.资金来源[财政资金].全年执行数")]
    assert s07 == ("昭化项目4", expected["预算执行.资金来源[财政资金].全年执行数"].address)
    assert found[("W08", "年度总体目标.预期目标")][1] == expected["年度总体目标.预期目标"].address
    assert found[("D02", "预算执行.全年预算数")][1] == expected["预算执行.全年预算数"].address
    assert all(sheet == "昭化项目4" and cell for sheet, cell in found.values())


def test_cell_map_spot_checks(tmp_path: Path) -> None:
    v = Variant(row0=5, col0=2, merge_levels=True, spaced=True, wan=True, year="title")
    ws, _example, _expected = build(tmp_path, "shifeng-2020-whole.json", v)
    data, cells = read_paper_sheet(ws, "石峰.xlsx")
    # B5 title, row 6 "单位：万元", B7/C7 单位名称, budget header row 8, total row 9.
    assert cells["年度"].address == "B5" and data["年度"] == 2020
    assert cells["单位名称"].address == "C7"
    assert cells["预算执行.全年执行数"].address == "G9"
    assert cells["预算执行.资金来源[当年财政拨款].全年预算数"].address == "F10"
    # Goals labels row 13, values row 14; indicator header row 15, first indicator row 16.
    assert cells["年度总体目标.实际完成情况"].address == "G14"
    assert cells["绩效指标[1].三级指标"].address == "E16"
    # Indicator 3 sits in a merged 产出指标/数量指标 block: its 一级 is read from C16.
    assert cells["绩效指标[3].一级指标"].address == "C16"
    assert data["绩效指标"][2]["一级指标"] == "产出指标"
    assert cells["绩效指标[3].实际完成值"].address == "G18"
    assert cells["绩效指标[产出指标].分值"].address == "H16"
    assert cells["总分.得分"].address == "I29"
    assert cells["等级"].address == "C30" and data["等级"] == "优"


def test_no_form_raises_naming_the_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws["A1"] = "填表说明"
    ws["A2"] = "请按财政局要求填写各表。"
    with pytest.raises(InputError) as err:
        read_paper_sheet(ws, "石峰.xlsx")
    message = str(err.value)
    assert "说明" in message and "石峰.xlsx" in message
    assert "找不到绩效指标表头" in message and "三级指标" in message


def test_find_form_sheets(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "封面"
    notes["A1"] = "石峰区工商业联合会 2020年度绩效自评材料"
    for sheet, name, layout in (
        ("整体", "shifeng-2020-whole.json", "national"),
        ("项目1", "zhaohua-2024-p1.json", "sichuan"),
    ):
        PaperSheet(wb.create_sheet(sheet), load_example(name), Variant(layout=layout)).build()
    wb.create_sheet("空白")
    assert find_form_sheets(wb) == [("整体", WHOLE), ("项目1", PROJECT)]


def test_form_type_without_title_and_split_by_nature() -> None:
    """No title: 项目名称 decides; 按支出性质 rows become the split by nature."""
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [
        ["部门名称", "某区工商联", None, "年度", "2023年"],
        [None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", None, 50, 60, 60, 10, 1, 10],
        ["其中：财政拨款", None, 50, 60, 60],
        ["按支出性质：", None],
        ["基本支出", None, 40, 45, 45],
        ["项目支出", None, 10, 15, 15],
        [],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "召开会议", "≥4次", "5次", 90, 90],
        [],
        ["总分", None, None, None, None, 100, 100],
    ]
    for row in rows:
        ws.append(row)
    data, cells = read_paper_sheet(ws, "x.xlsx")
    assert data["表类型"] == WHOLE
    assert data["年度"] == "2023年"  # as typed
    assert data["预算执行"]["资金来源"] == [
        {"名称": "财政拨款", "年初预算数": 50, "全年预算数": 60, "全年执行数": 60}
    ]
    assert [s["名称"] for s in data["预算执行"]["按支出性质"]] == ["基本支出", "项目支出"]
    assert cells["预算执行.按支出性质[项目支出].全年执行数"].address == "E7"
    assert data["总分"] == {"分值": 100, "得分": 100}
    form_from_data(data)

    ws.insert_rows(1)
    ws["A1"] = "项目名称："
    ws["B1"] = "商会建设"
    data, _cells = read_paper_sheet(ws, "x.xlsx")
    assert data["表类型"] == PROJECT and data["项目名称"] == "商会建设"


def test_two_row_header_and_inline_labels() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "项目支出绩效自评表"
    ws["A2"] = "单位名称：某区工商联"
    ws["D2"] = "年度：2024"
    ws.append([])
    # Two-row header: 年度指标值 spans 指标性质/指标值/度量单位; the rest merged down.
    ws.append(["一级指标", "二级指标", "三级指标", "年度指标值", None, None, "实际完成值", "权重"])
    ws.append([None, None, None, "指标性质", "指标值", "度量单位", None, None, None])
    ws["I4"] = "得分"
    ws.merge_cells("D4:F4")
    for col in "ABCGHI":
        ws.merge_cells(f"{col}4:{col}5")
    ws.append(["产出指标", "数量指标", "培训企业", "≥", 20, "家", 25, 100, 100])
    data, cells = read_paper_sheet(ws, "x.xlsx")
    assert data["单位名称"] == "某区工商联" and cells["单位名称"].address == "A2"
    assert data["年度"] == 2024
    ind = data["绩效指标"][0]
    assert ind["指标性质"] == "≥" and ind["指标值"] == 20 and ind["度量单位"] == "家"
    assert ind["实际完成值"] == 25 and ind["得分"] == 100
    assert get_column_letter(cells["绩效指标[1].指标值"].col) == "E"
    form = read_paper_form(ws, "x.xlsx")
    assert isinstance(form, SelfEvalForm) and form.layout == SICHUAN


# ---- forms as units really hold them (forms.md §4) ------------------------------------------


def sheet(rows: list[list[Any]], merges: tuple[str, ...] = (), title: str = "自评表") -> Worksheet:
    """A sheet laid out cell by cell, as a real form is (rows from column A)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is not None:
                ws.cell(r, c, value)
    for ref in merges:
        ws.merge_cells(ref)
    return ws


HEAD = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]  # fmt: skip
BUDGET_HEAD = [None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
TOTAL_ROW = [None, "年度资金总额：", 10, 10, 10, 10, 1, 10]


def project(
    indicators: list[list[Any]], merges: tuple[str, ...] = (), total: Any = 100
) -> Worksheet:
    """A national project form: header, budget block, goals, then ``indicators`` from row 8
    (columns shifted by one: column A holds the block labels)."""
    rows: list[list[Any]] = [
        ["项目支出绩效自评表（2023年度）"],
        ["项目名称", "商会建设"],
        ["主管部门", "某区工商联"],
        ["项目资金（万元）", *BUDGET_HEAD[1:]],
        TOTAL_ROW,
        ["年度总体目标", "预期目标", None, None, "实际完成情况"],
        [None, "走访企业", None, None, "走访了企业"],
        ["绩效指标", *HEAD],
        *[[None, *row] for row in indicators],
        ["总分", None, None, None, None, None, 100, total],
    ]
    return sheet(rows, merges)


def test_placeholder_rows_are_empty_rows() -> None:
    """指标1：/指标2：/……/指标1 and rows of "/" are the blank template's rows, not indicators;
    a filled row keeps the prefix and is named by the text after it."""
    ws = project(
        [
            ["产出指标", "数量指标", "指标1：完成中型灌区节水改造项目数量", "≥1个", "1个", 50, 50],
            [None, None, "指标2："],
            [None, None, "……"],
            [None, "质量指标", "指标1"],
            [None, None, "指标1：/", "/", "/"],
            ["效益指标", "社会效益指标", "指标1:保护群众财产", "好", "好", 30, 30],
            [None, "生态效益指标", "受益面积", "/", "/", "/", "/"],
            ["满意度指标", "服务对象满意度指标", "指标1 群众满意度", "≥90%", "95%", 10, 10],
            [None, None, "指标2"],
        ]
    )
    data, cells = read_paper_sheet(ws, "x.xlsx")
    names = [i["三级指标"] for i in data["绩效指标"]]
    assert names == ["完成中型灌区节水改造项目数量", "保护群众财产", "群众满意度"]
    assert cells["绩效指标[3].实际完成值"].address == "F16"
    form = read_paper_form(ws, "x.xlsx")
    assert not [f for f in check_form(form, load_profile()) if f.code in ("W05", "W06")]


def test_block_headings_declare_their_points() -> None:
    """(50分) alone, 满意度指标 + line break + (10分), 产出/指标/(60分) stacked: the first row of
    a block carries the heading with its points, the rows below the plain name."""
    ws = project(
        [
            ["（50分）", "数量指标", "培训企业", "≥20家", "25家", 25, 25],
            [None, "质量指标", "培训合格率", "≥90%", "95%", 25, 25],
            ["效益\n指标\n（30分）", "社会效益指标", "带动就业", "≥10人", "12人", 30, 30],
            ["满意度指标\n（10分）", "服务对象满意度指标", "企业满意度", "≥90%", "95%", 10, 10],
        ],
        merges=("B9:B10",),
    )
    data, cells = read_paper_sheet(ws, "x.xlsx")
    level1 = [i["一级指标"] for i in data["绩效指标"]]
    assert level1 == ["产出指标(50分)", "产出指标", "效益指标(30分)", "满意度指标(10分)"]
    # Findings about the block's weight point at the heading the user sees.
    assert cells["绩效指标[1].一级指标"].address == "B9"
    assert cells["绩效指标[2].一级指标"].address == "B9"
    form = read_paper_form(ws, "x.xlsx")
    assert isinstance(form, SelfEvalForm)
    assert [i.declared_points for i in form.indicators] == [50, None, 30, 10]

    # Points in brackets without 分 ("(50)"), or with a bracket lost ("30分)"), as real forms
    # print them (零陵区林业局 2021): the standard name, not a Q01 nor a missing block.
    bare = project(
        [
            ["产出指标\n(50)", "数量指标", "培训企业", "≥20家", "25家", 50, 50],
            ["效益指标\n30分)", "社会效益指标", "带动就业", "≥10人", "12人", 30, 30],
            ["满意度指标（10）", "服务对象满意度指标", "企业满意度", "≥90%", "95%", 10, 10],
        ]
    )
    data, _ = read_paper_sheet(bare, "x.xlsx")
    assert [i["一级指标"] for i in data["绩效指标"]] == [
        "产出指标(50分)",
        "效益指标(30分)",
        "满意度指标(10分)",
    ]
    codes = {f.code for f in check_form(read_paper_form(bare, "x.xlsx"), load_profile())}
    assert not codes & {"Q01", "W04", "W06"}

    stacked = project(
        [
            ["产出", "数量指标", "培训企业", "≥20家", "25家", 30, 30],
            ["指标", "质量指标", "培训合格率", "≥90%", "95%", 20, 20],
            ["（60分）", "时效指标", "按时完成", "及时", "及时", 10, 10],
            [None, "成本指标", "培训成本", "≤2万元", "2万元", 0.5, 0.5],
        ]
    )
    data, cells = read_paper_sheet(stacked, "x.xlsx")
    assert [i["一级指标"] for i in data["绩效指标"]] == ["产出指标(60分)", *["产出指标"] * 3]
    assert cells["绩效指标[4].一级指标"].address == "B9"


def test_same_as_above_and_levels_implied_by_their_names() -> None:
    """Blank 一级/二级 cells below filled ones mean the value above, merged or not; a lost
    一级 label is implied by the 二级 names."""
    ws = project(
        [
            ["产出指标", "数量指标", "走访企业", "≥50家", "52家", 20, 20],
            [None, None, "走访商会", "≥5家", "5家", 20, 20],
            [None, "时效指标", "按时完成", "及时", "及时", 10, 10],
            [None, "社会效益指标", "带动就业", "≥10人", "12人", 30, 30],
            [None, "服务对象\n满意度指标", "企业满意度", "≥90%", "95%", 10, 10],
        ]
    )
    data, cells = read_paper_sheet(ws, "x.xlsx")
    rows = [(i["一级指标"], i["二级指标"]) for i in data["绩效指标"]]
    assert rows[:3] == [
        ("产出指标", "数量指标"),
        ("产出指标", "数量指标"),
        ("产出指标", "时效指标"),
    ]
    # A blank 一级 next to a 二级 of another block was left out, not repeated.
    assert rows[3:] == [("效益指标", "社会效益指标"), ("满意度指标", "服务对象满意度指标")]
    assert cells["绩效指标[2].二级指标"].address == "C9"

    lost = project(
        [
            [None, "数量指标", "走访企业", "≥50家", "52家", 50, 50],
            [None, "社会效益指标", "带动就业", "≥10人", "12人", 30, 30],
        ]
    )
    data, _cells = read_paper_sheet(lost, "x.xlsx")
    assert [i["一级指标"] for i in data["绩效指标"]] == ["产出指标", "效益指标"]


def test_breakdown_rows_are_parts_of_the_indicator_above() -> None:
    """Rows "其中…" without points of their own break down the row above: not indicators."""
    ws = project(
        [
            ["产出指标", "数量指标", "★补助种植面积", "29.5亩", "29.5亩", 50, 50],
            [None, None, "其中桃树种植面积", "1.5亩", "1.5亩"],
            [None, None, "其中露天蔬菜", "28亩", "28亩"],
        ]
    )
    data, _cells = read_paper_sheet(ws, "x.xlsx")
    assert [i["三级指标"] for i in data["绩效指标"]] == ["★补助种植面积"]


SICHUAN_ROWS: list[list[Any]] = [
    ["报表编号:510000_0013zp"],
    ["部门预算项目支出绩效自评表(2023年度)"],
    ["项目名称", "51000021R000000019951-工资性支出"],
    ["主管部门", "青神县发展和改革局本级", None, None, None, "实施单位 (盖章)", "青神县发展和改革局"],
    ["预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"],
    [None, "总额", 238.93, 251.89, 251.89, "100.00%", 10, None, "1.预算执行率=预算执行数/调整后预算数…"],
    [None, "其中:财政资金", 238.93, 251.89, 251.89, "100.00%", "/", "/"],
    [None, "财政专户管理资金", 0, 0, 0, "0.00%", "/", "/"],
    [None, "单位资金", 0, 0, 0, "0.00%", "/", "/"],
    [None, "其他资金", None, None, None, None, "/", "/"],
    ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析"],
    [None, "产出指标", "数量指标", "发放覆盖率", "=", 100, "%", 100, 60, 60],
    [None, "效益指标", "社会效益指标", "足额保障率", "=", 100, "%", 100, 30, 30],
    ["合计", None, None, None, None, None, None, None, 100, 100],
]  # fmt: skip


def test_sichuan_budget_block_and_its_profile() -> None:
    ws = sheet(SICHUAN_ROWS, ("I6:K10", "A5:A10"))
    data, cells = read_paper_sheet(ws, "x.xlsx")
    budget = data["预算执行"]
    assert (budget["年初预算数"], budget["全年预算数"], budget["全年执行数"]) == (
        238.93,
        251.89,
        251.89,
    )
    assert budget["分值"] == 10 and "得分" not in budget
    assert cells["预算执行.得分"].address == "H6"  # empty: a finding says what is due there
    assert cells["预算执行.原因"].address == "I6"
    sources = [s["名称"] for s in budget["资金来源"]]
    assert sources == ["财政资金", "财政专户管理资金", "单位资金"]  # 其他资金: only "/"
    assert data["年度"] == 2023 and data["单位名称"] == "青神县发展和改革局本级"
    assert cells["绩效指标"].address == "A11"  # the block's title "绩效指标(90分)"
    form = read_paper_form(ws, "x.xlsx")
    assert isinstance(form, SelfEvalForm) and form.layout == SICHUAN and form.framework is None
    assert profile_hint(ws) == ("sichuan", "表中有四川省的报表编号 510000_0013zp")
    ws["A1"] = None
    assert profile_hint(ws) == ("sichuan", "表题“部门预算项目支出绩效自评表”是四川省的表样")


def test_forms_without_scores_get_no_score_keys() -> None:
    """A 绩效目标自评表 (Hunan county 专项资金): no 分值, 得分 or 总分 anywhere."""
    rows: list[list[Any]] = [
        ["2020年度县级专项资金绩效目标自评表"],
        ["专项资金名称", "县级储备粮"],
        ["县级主管部门", "衡山县商务和粮食局", None, "实施单位", "粮食调控股"],
        ["项目资金(万元)", None, None, "全年预算数(A)", "全年执行数(B)", "执行率(B/A)"],
        [None, "年度资金总额", None, 194.9, 194.9, "100%"],
        ["年度\n总体\n目标", "年初设定目标", None, None, "全年实际完成情况"],
        [None, "保持地方粮食储备", None, None, "储备规模达标"],
        ["绩\n效\n指\n标", "一级\n指标", "二级\n指标", "三级指标", "年度指标\n值", "全年\n完成值", "未完成原因和\n改进措施"],
        [None, "产\n出\n指\n标", "数量\n指标", "库存数量真实率", "100%", "100%"],
        [None, None, "质量\n指标", "管理制度执行率", "100%", "100%"],
        [None, "效益\n指标", "经济\n效益\n指标", "利息费用保障率", "100%", "无", "没有轮换"],
        [None, "满意\n度指\n标", "服务\n对象\n满意\n度指\n标", "市民满意度", "≥90%", "100%"],
    ]  # fmt: skip
    ws = sheet(rows, ("B9:B10",))
    data, _cells = read_paper_sheet(ws, "x.xlsx")
    assert data["项目名称"] == "县级储备粮" and data["单位名称"] == "衡山县商务和粮食局"
    assert "总分" not in data and set(data["预算执行"]) == {"全年预算数", "全年执行数", "执行率"}
    assert all("分值" not in i and "得分" not in i for i in data["绩效指标"])
    assert [i["一级指标"] for i in data["绩效指标"]] == ["产出指标", "产出指标", "效益指标", "满意度指标"]  # fmt: skip
    form = read_paper_form(ws, "x.xlsx")
    assert isinstance(form, SelfEvalForm) and not form.scored


def test_heading_variants_amounts_as_text_and_unit_fallbacks() -> None:
    rows: list[list[Any]] = [
        ["项目支出绩效自评表(2016年度)"],
        ["项目名称", "道路保洁"],
        ["主管部门及代码", None, None, None, "实施单位:", "某街道城市运行服务中心"],
        ["项目资金(万元)", None, "年初预算数(A)", "全年执行数(B)", "分值(10分)", "执行率(B/A)", "得分"],
        [None, "年度资金总额:", "310.2万元", "154.74万元", 10, "50%", 5],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "年初指标值", "调整指标值", "年终完成值", "指标得分", "未完成原因分析"],
        [None, "产出指标(50分)", "数量指标", "完成保洁道路", 50, "≥20条", "≥22条", "22条", 50],
        [None, "效益指标(30分)", "社会效益指标", "环境改善", 30, "好", None, "好", 30],
        [None, "满意度指标(10分)", "服务对象满意度指标", "居民满意度", 10, "≥90%", None, "95%", 10],
    ]  # fmt: skip
    ws = sheet(rows, ("A3:D3",))
    data, cells = read_paper_sheet(ws, "x.xlsx")
    # 主管部门 left empty: the unit is the 实施单位
    assert data["单位名称"] == "某街道城市运行服务中心"
    budget = data["预算执行"]
    # No 全年预算数 column: execution is measured against 年初预算数(A), typed as text.
    assert budget["全年预算数"] == budget["年初预算数"] == 310.2
    assert budget["全年执行数"] == 154.74
    assert cells["预算执行.全年预算数"].address == "C5"
    first = data["绩效指标"][0]
    assert (first["分值"], first["指标值"], first["实际完成值"], first["得分"]) == (50, "≥22条", "22条", 50)  # fmt: skip
    assert cells["绩效指标[1].指标值"].address == "G7"  # the adjusted target holds
    assert data["绩效指标"][1]["指标值"] == "好"  # not adjusted: the 年初 value stands
    assert cells["绩效指标[2].指标值"].address == "F8"
    found = {f.code for f in check_form(read_paper_form(ws, "x.xlsx"), load_profile())}
    assert {"S01", "S02"} <= found and not {"W01", "W02", "W05"} & found


def test_circled_formulas_in_headings_and_subtotal_rows() -> None:
    """The Fujian 资金结构 block: 小计 ④=①+②+③, 支出实现率 ⑥=⑤/④; 合计 is the total and the
    subtotals are its sources; the budget is not scored (another framework)."""
    rows: list[list[Any]] = [
        ["部门整体支出绩效自评表"],
        ["(2018年度)"],
        ["部门(单位)名称", "某研究室"],
        ["资金结构\n(万元)", None, "年初部门预算安排金额", "历年结余结转", "年中调整金额③", "小计\n④ = ①+② +③", "年度拨付金额", "支出实现率(%)\n⑥=⑤/④"],
        [None, "财政资金小计", 100, 20, 0, 120, 111, "93%"],
        [None, "①中央及省级财政资金"],
        [None, "②市级财政资金", 100, 20, 0, 120, 111, "93%"],
        [None, "其他资金小计"],
        [None, "合 计", 100, 20, 0, 120, 111, "93%"],
        ["年度绩效指标", "一级\n指标", "二级\n指标", "三级指标", "绩效目标值", "实际完成值", "指标分值", "得分"],
        [None, "产出\n指标\n(60分)", "数量\n指标", "按月发放工资", "12次", "12次", 60, 60],
    ]  # fmt: skip
    ws = sheet(rows)
    data, cells = read_paper_sheet(ws, "x.xlsx")
    budget = data["预算执行"]
    assert (budget["年初预算数"], budget["全年预算数"], budget["全年执行数"]) == (100, 120, 111)
    assert cells["预算执行.执行率"].address == "H9"
    assert budget["资金来源"] == [
        {"名称": "财政资金小计", "年初预算数": 100, "全年预算数": 120, "全年执行数": 111}
    ]
    form = read_paper_form(ws, "x.xlsx")
    assert isinstance(form, SelfEvalForm) and form.framework
    assert "预算执行不计分" in form.framework


# The Ningxia form (银川, 决策/管理/产出/效益): its heading rows, then its unscored budget
# block and its indicator header.
NINGXIA_TOP: list[list[Any]] = [
    ["银川市本级部门项目支出绩效自评表(2021年)"],
    ["项目名称", "初中公用经费"],
    ["主管部门", "银川市教育局"],
]
NINGXIA_BUDGET: list[list[Any]] = [
    ["项目资金(万元)", None, "年初预算数", "调整预算数(A)", "全年执行数(B)", "执行率(B/A)"],
    [None, "年度资金总额", 64.8, 64.8, 64.8, "100%"],
    ["一级指标", "二级指标", "三级指标", "参考分值", "指标值(A)", "全年实际值(B)", "得分", "未完成原因分析及改进措施"],
]  # fmt: skip


def test_other_framework_is_named_and_its_budget_score_row_read() -> None:
    """决策/管理/产出/效益 (Ningxia): the framework is named once; the 预算执行率 row under
    项目管理 scores the budget, whose own block has no score."""
    rows: list[list[Any]] = [
        *NINGXIA_TOP,
        ["自评得分", 98],
        *NINGXIA_BUDGET,
        ["项目决策(10分)", "项目立项", "相关性", 10, "—", "按标准管理", 10],
        ["项目管理(25分)", "投入管理", "预算执行率", 10, "—", "100%", 9],
        [None, "财务管理", "财务管理制度有效性", 15, "—", "制度健全", 15],
        ["项目产出(30分)", "数量指标(10分)", "保障人数", 30, "2370人", "2370人", 30],
        ["项目效益(35分)", "社会效益指标", "办学条件", 35, "改善", "改善", 33],
    ]  # fmt: skip
    ws = sheet(rows)
    form = read_paper_form(ws, "x.xlsx")
    assert isinstance(form, SelfEvalForm)
    assert form.framework == (
        "决策、管理、产出、效益四类指标的评价框架"
        "（项目决策10分、项目管理25分、项目产出30分、项目效益35分）"
    )
    assert form.data["预算执行"]["分值"] == 10 and form.data["预算执行"]["得分"] == 9
    assert form.locate("预算执行.得分").address == "G9"
    assert form.locate("预算执行.原因").address == "H9"
    assert "预算执行率" not in [i.name for i in form.indicators]
    assert form.data["总分"] == {"得分": 98} and form.locate("总分.得分").address == "B4"
    assert [i.level2 for i in form.indicators][2] == "数量指标(10分)"


def test_a_budget_score_row_inside_its_block_leaves_no_points_to_miss() -> None:
    """预算执行率 below another row of 项目管理(25分): taken out as the budget's score, the
    rows left (15 points) are not held to the heading's 25 — no S08 about 项目管理."""
    rows: list[list[Any]] = [
        *NINGXIA_TOP,
        *NINGXIA_BUDGET,
        ["项目决策(10分)", "项目立项", "相关性", 10, "—", "按标准管理", 10],
        ["项目管理(25分)", "财务管理", "财务管理制度有效性", 15, "—", "制度健全", 15],
        [None, "投入管理", "预算执行率", 10, "—", "100%", 9],
        ["项目产出(30分)", "数量指标", "保障人数", 30, "2370人", "2370人", 30],
        ["项目效益(35分)", "社会效益指标", "办学条件", 35, "改善", "改善", 33],
    ]  # fmt: skip
    form = read_paper_form(sheet(rows), "x.xlsx")
    assert isinstance(form, SelfEvalForm)
    assert form.data["预算执行"]["分值"] == 10 and form.data["预算执行"]["得分"] == 9
    assert [i.level1 for i in form.indicators] == [
        "项目决策(10分)",
        "项目管理",
        "项目产出(30分)",
        "项目效益(35分)",
    ]
    findings = check_form(form, load_profile("national"))
    assert not [f for f in findings if f.code == "S08" and "项目管理" in f.message]
    # the other blocks are still held to their headings
    rows[-2][3] = rows[-2][6] = 25
    form = read_paper_form(sheet(rows), "x.xlsx")
    s08 = [f for f in check_form(form, load_profile("national")) if f.code == "S08"]
    assert [f.cell for f in s08] == ["A10"] and "项目产出标明 30 分" in s08[0].message


def test_the_budget_ends_where_another_blocks_headings_stand_under_its_amounts() -> None:
    """The transfer-payment form's 资金管理情况 block right below the budget ("资金管理情况 |
    情况说明 | 存在问题和改进措施"): its rows were read as fund sources whose 全年预算数 was
    "情况说明", "合理分配…"."""
    rows: list[list[Any]] = [
        ["就业补助资金绩效自评表"],
        ["(2024年度)"],
        ["转移支付(项目)名称", "就业补助资金"],
        ["地方主管部门", "淮南市人力资源和社会保障局"],
        ["资金投入情况\n(万元)", None, "全年预算数(A)", "全年执行数(B)", "预算执行率(B/A×100%)"],
        [None, "年度资金总额:", 808.1, 692.98, "86%"],
        [None, "其中:中央财政资金", 808.1, 692.98, "86%"],
        [None, "地方财政资金", "—", "/", None],
        [None, "其他资金", None, None, None],
        ["资金管理情况", None, "情况说明", None, "存在问题和改进措施"],
        [None, "分配科学性", "合理分配,优先保障工资社保。", None, None],
        [None, "下达及时性", None, None, None],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度目标指标值", "全年实际完成值"],
        [None, "产出指标", "数量指标", "城镇新增就业人数", "≥2800人", "2989人"],
    ]  # fmt: skip
    form = read_paper_form(sheet(rows), "x.xlsx")
    assert isinstance(form, SelfEvalForm)
    assert [s.get("名称") for s in form.data["预算执行"]["资金来源"]] == ["中央财政资金"]
    assert form.data["预算执行"]["全年预算数"] == 808.1
    # an amount W02 will question ("0万") is still an amount: its row stays in the block
    rows[7] = [None, "地方财政资金", "0万", "0万", None]
    form = read_paper_form(sheet(rows), "x.xlsx")
    assert isinstance(form, SelfEvalForm)
    names = [s.get("名称") for s in form.data["预算执行"]["资金来源"]]
    assert names == ["中央财政资金", "地方财政资金"]


@pytest.mark.parametrize("merged", [True, False])
def test_the_transfer_payment_forms_goals(merged: bool) -> None:
    """The MOF transfer-payment form: "总体目标完成情况 | 总体目标 | 全年实际完成情况", the
    goals below. The first cell is the block's title; "总体目标" heads the expected goal.
    (The actual goal used to be read as "绩效指标", the title of the block below.)"""
    rows: list[list[Any]] = [
        ["中央对地方转移支付区域绩效自评表"],
        ["(2022年度)"],
        ["转移支付(项目)名称", "就业补助资金"],
        ["地方主管部门", "巴彦淖尔市临河区财政局"],
        ["总体目标完成情况", "总体目标", None, "全年实际完成情况"],
        [None, "确保完成年度城镇新增就业目标任务。", None, "全区城镇新增就业2989人。"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度目标指标值", "全年实际完成值"],
        [None, "产出指标", "数量指标", "城镇新增就业人数", "≥2800人", "2989人"],
    ]  # fmt: skip
    merges = ("A5:A6", "B5:C5", "D5:F5", "B6:C6", "D6:F6", "A7:A8") if merged else ()
    form = read_paper_form(sheet(rows, merges), "x.xlsx")
    assert isinstance(form, SelfEvalForm)
    assert form.data["年度总体目标"] == {
        "预期目标": "确保完成年度城镇新增就业目标任务。",
        "实际完成情况": "全区城镇新增就业2989人。",
    }
    assert form.locate("年度总体目标.实际完成情况").address == "D6"
    assert form.locate("年度总体目标").address == "A5"


# A road-maintenance project's budget block and first indicator, shared by the forms below.
ROAD: list[list[Any]] = [
    ["项目资金(万元)", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    [None, "年度资金总额", 100, 100, 100, 10, "100%", 10],
    ["绩效指标", *HEAD],
    [None, "产出指标", "数量指标", "养护里程", "≥50公里", "52公里", 50, 50, None],
]  # fmt: skip


def test_labels_of_other_provinces_forms() -> None:
    """河南's title 项目支出绩效自评情况表, 项目单位 (海南), 自评等次 with 优秀 (广东 says 等次;
    优秀 is 优): read, no S06 at a total of 95; two such forms on a sheet are two forms."""
    form_rows: list[list[Any]] = [
        ["项目支出绩效自评情况表"],
        ["(2023年度)"],
        ["项目名称", "农村公路养护", None, "项目单位", "某县交通运输局"],
        *ROAD,
        [None, "效益指标", "社会效益指标", "通行条件", "改善", "改善", 30, 27, "部分路段未完工"],
        [None, "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 8, "个别投诉"],
        ["总分", None, None, None, None, None, 100, 95, None],
        ["自评等次", "优秀"],
    ]  # fmt: skip
    form = read_paper_form(sheet(form_rows), "x.xlsx")
    assert isinstance(form, SelfEvalForm)
    assert form.data["单位名称"] == "某县交通运输局" and form.data["等级"] == "优秀"
    assert form.form_type == PROJECT
    assert not [f for f in check_form(form, load_profile("national")) if f.code == "S06"]
    two = sheet([*form_rows, [], *form_rows])
    assert [min(r for r, _c in p.values) for p in form_parts(sheet_grid(two))] == [1, 13]


@pytest.mark.parametrize("merged", [True, False])
def test_the_goals_title_words_again_head_the_actual_goal(merged: bool) -> None:
    """贵州 (绥阳): "年度总体目标 | 年初设定目标 | 年度总体目标完成情况", the goals below; 宁夏
    (银川): the same label on the next row, its cell left empty. The actual goal was not
    read at all (no W08 for the empty one)."""
    rows: list[list[Any]] = [
        ["部门整体支出绩效自评表"],
        ["单位名称", "绥阳县太白镇人民政府"],
        ["年度总体目标", "年初设定目标", None, "年度总体目标完成情况"],
        [None, "完成上级政府交办的各项工作。", None, "较好地完成本年工作任务。"],
        ["绩效指标", *HEAD],
        [None, "产出指标", "数量指标", "完成工作任务", "≥10项", "12项", 50, 50],
    ]  # fmt: skip
    merges = ("A3:A4", "B3:C3", "B4:C4", "D3:E3", "D4:E4") if merged else ()
    form = read_paper_form(sheet(rows, merges), "x.xlsx")
    assert isinstance(form, SelfEvalForm)
    assert form.data["年度总体目标"] == {
        "预期目标": "完成上级政府交办的各项工作。",
        "实际完成情况": "较好地完成本年工作任务。",
    }
    stacked: list[list[Any]] = [
        *rows[:2],
        ["年度总体目标", "年初设定目标", "保障学校正常工作运行"],
        [None, "年度总体目标完成情况", None],
        *rows[4:],
    ]
    merges = ("A3:A4", "C3:E3", "C4:E4") if merged else ()
    form = read_paper_form(sheet(stacked, merges), "x.xlsx")
    w08 = [f for f in check_form(form, load_profile("national")) if f.code == "W08"]
    assert [(f.field, f.cell) for f in w08] == [("年度总体目标.实际完成情况", "C4")]


@pytest.mark.parametrize(
    "total",
    [
        "总分",
        "总得分",
        "合计得分",
        "自评总分",
        "自评得分",
        "综合得分",
        "得分合计",
        "分数合计",
        "合计",
    ],
)
def test_the_total_row_under_its_names(total: str) -> None:
    """The total row ends the indicators and is 总分 whatever it is called (a 总得分 or 自评得分
    row was read as one more indicator: W05 with no 三级指标, S04 on 分值 200)."""
    rows: list[list[Any]] = [
        ["项目支出绩效自评表(2023年度)"],
        ["项目名称", "农村公路养护", None, "主管部门", "某县交通运输局"],
        *ROAD,
        [None, "效益指标", "社会效益指标", "通行条件", "改善", "改善", 30, 30, None],
        [None, "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 10, None],
        [total, None, None, None, None, None, 100, 100, None],
    ]  # fmt: skip
    form = read_paper_form(sheet(rows), "x.xlsx")
    assert isinstance(form, SelfEvalForm)
    assert len(form.indicators) == 3
    assert form.data["总分"] == {"分值": 100, "得分": 100}
    assert form.locate("总分.得分").address == "H9"
    assert not [f for f in check_form(form, load_profile("national")) if f.severity == "错误"]


def test_a_form_cut_off_after_its_budget_block_is_read() -> None:
    rows: list[list[Any]] = [
        ["人大代表之家建设项目绩效目标自评表"],
        ["(2023年度)"],
        ["政策(项目)名称", "人大代表之家建设"],
        ["项目主管部门", "梓潼县人大常委会办公室", None, "资金使用单位", "梓潼县人大常委会办公室"],
        ["项目资金", None, "全年预算数", "全年执行数", "预算执行率"],
        [None, "年度资金总额:", 40, 40, "100%"],
        [None, "其中:中央、省补助"],
        [None, "县级财政资金", 40, 40, "100%"],
    ]  # fmt: skip
    ws = sheet(rows)
    data, _cells = read_paper_sheet(ws, "x.xlsx")
    assert data["项目名称"] == "人大代表之家建设" and data["年度"] == 2023
    assert data["预算执行"]["资金来源"] == [{"名称": "县级财政资金", "全年预算数": 40, "全年执行数": 40}]  # fmt: skip
    assert find_form_sheets(ws.parent) == [("自评表", PROJECT)]


def test_validate_recognises_a_sichuan_form_and_says_why(tmp_path: Path, capsys) -> None:
    """Without --profile, a form printed with Sichuan's report number is checked with the
    sichuan profile, and the output says which profile and why; --profile still wins."""
    ws = sheet(SICHUAN_ROWS, ("I6:K10", "A5:A10"))
    book = tmp_path / "四川.xlsx"
    ws.parent.save(book)
    capsys.readouterr()
    assert main(["validate", str(book), "-o", str(tmp_path / "a.xlsx"), "--json"]) in (0, 1)
    profile = json.loads(capsys.readouterr().out)["profile"]
    assert profile == {"name": "sichuan", "source": "表中有四川省的报表编号 510000_0013zp"}
    main(["validate", str(book), "-o", str(tmp_path / "b.xlsx")])
    assert "地区配置：四川（表中有四川省的报表编号 510000_0013zp）" in capsys.readouterr().out
    main(["validate", str(book), "-o", str(tmp_path / "c.xlsx"), "--json", "--profile", "national"])  # fmt: skip
    assert json.loads(capsys.readouterr().out)["profile"]["name"] == "national"


def test_scored_criteria_above_the_indicators_count_towards_the_total() -> None:
    """The Hubei 决策/管理/绩效 form scores 项目决策 and 项目管理 in a table of criteria above
    its indicators (and prints the points of 一级/二级 without brackets): the total adds up."""
    rows: list[list[Any]] = [
        ["广水市财政预算支出项目绩效目标自评表"],
        ["填报日期:2022 年 8 月 10 日", None, None, None, "自评总分: 42"],
        ["项目名称", "乡村道路建设养护项目", None, None, "项目主管单位", "广水市交通运输局"],
        ["项目资金", "来源", "本级\n(万元)", "合计\n(万元)", "执行数\n(万元)", "执行率"],
        [None, None, 309, 309, 309, "100%"],
        ["项目权重", "评价内容", "分值", "自评分", "复核分", "评价标准及依据"],
        ["项目决策\n2 分", "决策依据", 2, 2],
        ["项目管理\n13 分", "财务制度", 9, 9],
        [None, "组织机构", 4, 4],
        [None, "一级\n指标", "二级\n指标", "指标名称\n(三级指标)", "年初指\n标值", "年终完\n成值", "自评\n分"],
        ["项目\n绩效\n85 分", "产出\n指标\n40 分", "数量指\n标\n15 分", "养护里程", "300 公里", "300 公里", 15],
        [None, None, "质量指\n标\n12 分", "验收合格率", "100%", "100%", 12],
    ]  # fmt: skip
    ws = sheet(rows, ("A8:A9", "A11:A12", "B11:B12"))
    form = read_paper_form(ws, "x.xlsx")
    assert isinstance(form, SelfEvalForm) and form.framework is not None
    assert "项目决策2分" in form.framework and "项目绩效85分" in form.framework
    assert form.data["年度"] == 2021  # filed in 2022: the 2021 self-evaluation
    assert form.data["预算执行"] == {"全年预算数": 309, "全年执行数": 309, "执行率": "100%"}
    levels = [(i.level1, i.level2, i.name) for i in form.indicators]
    assert levels[:2] == [
        ("产出指标(40分)", "数量指标(15分)", "养护里程"),
        ("产出指标", "质量指标(12分)", "验收合格率"),
    ]
    assert levels[2:] == [
        ("项目决策(2分)", MISSING, "决策依据"),
        ("项目管理(13分)", MISSING, "财务制度"),
        ("项目管理", MISSING, "组织机构"),
    ]
    assert form.data["总分"] == {"得分": 42}
    assert "S05" not in {f.code for f in check_form(form, load_profile())}


def test_amounts_typed_with_their_unit() -> None:
    assert amount_value("620.82万元") == 620.82
    assert amount_value("１２万元") == 12  # full width
    assert amount_value("3000元") == 0.3  # in a column of 万元
    assert amount_value("620.82万元", "元") == 6208200
    assert amount_value(88.16) == 88.16 and amount_value("约600万元") is None
    # 万 without 元 (鄂州: "150万", "125.25万"): the cell is money
    assert amount_value("125.25万") == 125.25 and amount_value("150万", "元") == 1500000
    assert amount_value("0.5亿") == 5000


def test_a_block_printed_with_only_its_labels_is_a_block_the_form_lacks() -> None:
    """满意度指标 | 服务对象满意度指标 | 指标1： and nothing else: no satisfaction indicator (W04),
    not a silent placeholder."""
    ws = project(
        [
            ["产出指标", "数量指标", "走访企业", "≥50家", "52家", 50, 50],
            ["效益指标", "社会效益指标", "带动就业", "≥10人", "12人", 40, 40],
            ["满意度指标", "服务对象满意度指标", "指标1："],
            [None, None, "指标2："],
        ]
    )
    data, _cells = read_paper_sheet(ws, "x.xlsx")
    assert [i["一级指标"] for i in data["绩效指标"]] == ["产出指标", "效益指标"]
    found = check_form(read_paper_form(ws, "x.xlsx"), load_profile())
    assert [(f.code, f.cell) for f in found if f.code == "W04"] == [("W04", "A8")]


def test_the_amounts_unit_note_is_no_field_value() -> None:
    """济南市历城区's header: "主管部门(盖章):" across the row, left empty, and "单位:万元" at
    its end; the 主管部门 filled in the next row names the unit. The note of the amounts'
    unit is never a unit name."""
    rows = [
        ["区级部门预算项目支出绩效自评表"],
        ["( 2019 年度)"],
        ["主管部门(盖章):", None, None, None, None, None, None, "单位:万元"],
        ["项目名称", "商品和服务支出", None, None, "主管部门", "济南市历城区文化和旅游局"],
        ["项目资金（万元）", *BUDGET_HEAD[1:]],
        TOTAL_ROW,
        ["绩效指标", *HEAD],
        [None, "产出指标", "数量指标", "全年免费开放", "100%", "100%", 50, 50],
    ]
    data, cells = read_paper_sheet(sheet(rows, ("A3:G3",)), "x.xlsx")
    assert data["单位名称"] == "济南市历城区文化和旅游局"
    assert cells["单位名称"].address == "F4"


@pytest.mark.parametrize("heading", ["一级预算单位名称", "区级预算单位名称", "县级预算单位名称："])
def test_a_unit_named_by_its_level(heading: str) -> None:
    """零陵区林业局's 部门整体 form: the unit's name under its budget level's label."""
    rows = [
        ["部门整体支出绩效自评表"],
        ["(2021年度)"],
        [heading, "零陵区林业局"],
        ["项目资金（万元）", *BUDGET_HEAD[1:]],
        TOTAL_ROW,
        ["绩效指标", *HEAD],
        [None, "产出指标", "数量指标", "造林面积", "1.2万亩", "1.2万亩", 50, 50],
    ]
    data, cells = read_paper_sheet(sheet(rows), "x.xlsx")
    assert data["单位名称"] == "零陵区林业局" and cells["单位名称"].address == "B3"


# The rest of the road form: a 效益 and a 满意度 indicator at full marks, then the total.
ROAD_END: list[list[Any]] = [
    [None, "效益指标", "社会效益指标", "通行条件", "改善", "改善", 30, 30],
    [None, "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 10],
    ["总分", None, None, None, None, None, 100, 100],
]  # fmt: skip


def assert_road_form_read(form: Any) -> None:
    """Its three indicators read, and no 错误 on it."""
    assert [i["三级指标"] for i in form.data["绩效指标"]] == ["养护里程", "通行条件", "群众满意度"]
    assert not [f for f in check_form(form, load_profile()) if f.severity is Severity.ERROR]


def test_the_indicator_blocks_own_total_under_its_header_is_no_indicator() -> None:
    """保山 (市能源局): the row right under the indicator header holds only the block's
    分值/得分 (90 | 90). It was read as an indicator lacking everything (W05, W06 错误).
    A template row "指标1：" with only its scores filled still is one (W05)."""
    rows: list[list[Any]] = [
        ["项目支出绩效自评表（2023年度）"],
        ["项目名称", "能源安全检查"],
        ["主管部门", "某市能源局"],
        *ROAD[:3],
        [None, None, None, None, None, None, 90, 90],
        *ROAD[3:],
        *ROAD_END,
    ]  # fmt: skip
    assert_road_form_read(read_paper_form(sheet(rows), "x.xlsx"))
    rows[7] = [None, "产出指标", "数量指标", "指标1：", None, None, 50, 50]
    form = read_paper_form(sheet(rows), "x.xlsx")
    assert [f.code for f in check_form(form, load_profile()) if f.cell == "D8"] == ["W05"]


def test_a_unit_named_by_budget_department_or_unit() -> None:
    """衡山 (贯塘乡): "预算部门、单位名称 | 某某人民政府" names the unit — it was W01 错误."""
    rows: list[list[Any]] = [
        ["2023年度部门整体支出绩效自评表"],
        ["预算部门、单位名称", "衡山县某乡人民政府"],
        *ROAD,
    ]
    form = read_paper_form(sheet(rows), "x.xlsx")
    assert form.data["单位名称"] == "衡山县某乡人民政府"
    assert not [f for f in check_form(form, load_profile()) if f.code == "W01"]


def test_the_header_again_over_a_second_block_is_no_indicator() -> None:
    """黄冈 (水土保持监测): 年度绩效目标1 (40分) and 年度绩效目标2 (40分), each under its own
    copy of the header. The second header was read as an indicator whose 得分 is “得分”
    (W05 错误); the rows under it are the form's indicators like those above it."""
    head = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    rows: list[list[Any]] = [
        ["项目支出绩效自评表（2023年度）"],
        ["项目名称", "农村公路养护", None, "项目单位", "某县交通运输局"],
        *ROAD[:2],
        ["年度绩效目标1", *head],
        ROAD[3],
        ["年度绩效目标2", *head],
        *ROAD_END,
    ]  # fmt: skip
    assert_road_form_read(read_paper_form(sheet(rows), "x.xlsx"))
    # headed 自评得分, which on a row of its own is a total's label: the header still goes on
    rows[4][-1] = rows[6][-1] = "自评得分"
    assert_road_form_read(read_paper_form(sheet(rows), "x.xlsx"))
