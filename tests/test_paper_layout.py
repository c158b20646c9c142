"""Sheets laid out like the real paper forms (built by hand, not from our templates).

Each sheet is filled with one of the real examples' data and read back by
``jixiao.readers.paper``: the data must validate, the rule engine must find
exactly what it finds in the example's JSON, and the cell map must point at the
hand-made sheet's own cells.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from support import codes_at, findings_for, load_example

from jixiao.core.errors import InputError
from jixiao.core.form import SelfEvalForm
from jixiao.core.interchange import SCHEMA, form_from_data
from jixiao.core.layout import PROJECT, SICHUAN, WHOLE, Cell
from jixiao.core.profile import load_profile
from jixiao.readers.paper import find_form_sheets, read_paper_form, read_paper_sheet
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
