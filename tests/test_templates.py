"""The standard workbooks: built from the layout spec, open and calculate in LibreOffice."""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import openpyxl
import pytest
from support import EXAMPLES

import jixiao.udfs as udfs
from jixiao.core.layout import NATIONAL, PROJECT, SICHUAN, sheet_layout
from jixiao.templates.builder import TEMPLATES, build
from jixiao.templates.formulas import indicator_columns

BY_FILE = {t.file: t for t in TEMPLATES}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every template built fresh (without the VBA part, which LibreOffice ignores)."""
    out = tmp_path_factory.mktemp("templates")
    paths = {}
    for t in TEMPLATES:
        path = out / t.file.replace(".xlsm", ".xlsx")
        build(t, path, functions=None)
        paths[t.file] = path
    return paths


def errors_after_recalc(doc) -> list[tuple[str, str, int]]:
    found = []
    for name in doc.sheet_names:
        sheet = doc.doc.Sheets.getByName(name)
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.getRangeAddress()
        for r in range(end.EndRow + 1):
            for c in range(end.EndColumn + 1):
                cell = sheet.getCellByPosition(c, r)
                if cell.getError():
                    found.append((name, cell.AbsoluteName, cell.getError()))
    return found


@pytest.mark.parametrize("file", sorted(BY_FILE))
def test_template_opens_calculates_and_prints_in_libreoffice(built, libreoffice, tmp_path, file):
    with libreoffice.open(built[file]) as doc:
        doc.recalculate()
        assert errors_after_recalc(doc) == []
        pdf = tmp_path / "t.pdf"
        doc.export_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_defined_names_never_shadow_a_worksheet_function(built):
    # LibreOffice reads "jx_grade(" as a name when one by that name exists
    functions = {n.lower() for n in udfs.__all__}
    wb = openpyxl.load_workbook(built["部门绩效自评工作簿.xlsm"])
    names = set(wb.defined_names) | {n for ws in wb.worksheets for n in ws.defined_names}
    assert names and not {n.lower() for n in names} & functions


COMPUTED = re.compile(r"预算执行\.(执行率|得分)$|总分\.|^等级$|人员\.控制率|控制率$")
LABELS = re.compile(r"^基础数据\.[^.]+$|^绩效指标$")  # row labels and the block anchor


@pytest.mark.parametrize("file", sorted(BY_FILE))
def test_inputs_unlocked_computed_locked_and_sheets_protected(built, file):
    wb = openpyxl.load_workbook(built[file])
    for sheet, form_type, layout in BY_FILE[file].sheets:
        ws = wb[sheet]
        assert (
            ws.protection.sheet and ws.protection.insertRows is False
        )  # False: users may insert rows
        lay = sheet_layout(form_type, layout)
        for path, cell in lay.cells.items():
            if LABELS.search(path) or (layout == NATIONAL and path == "预算执行.原因"):
                continue
            c = ws.cell(cell.row, cell.col)
            if COMPUTED.search(path):
                assert str(c.value).startswith("=") and c.protection.locked, (sheet, path)
            else:
                assert not c.protection.locked, (sheet, path, c.coordinate)


def test_every_input_region_has_a_defined_name(built):
    wb = openpyxl.load_workbook(built["项目支出绩效自评表（四川式）.xlsm"])
    ws = wb["项目支出表"]
    lay = sheet_layout(PROJECT, SICHUAN)
    names = {n: d.attr_text for n, d in ws.defined_names.items()}
    first, last = lay.rows["绩效指标"], lay.rows["绩效指标"] + 29
    assert names["jxf_indicators"] == f"'项目支出表'!$A${first}:$J${last}"  # 30 rows
    assert names["jxf_budget_executed"] == f"'项目支出表'!$E${lay.rows['预算合计']}"
    for required in (
        "jxf_unit",
        "jxf_year",
        "jxf_project",
        "jxf_sources",
        "jxf_goal_expected",
        "jxf_goal_actual",
        "jxf_budget_reason",
    ):
        assert required in names


def test_dropdowns_print_setup_and_threshold_cell(built):
    wb = openpyxl.load_workbook(built["项目支出绩效自评表（四川式）.xlsm"])
    ws = wb["项目支出表"]
    sources = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "jx_l1_list" in sources
    assert any(
        s and s.startswith("OFFSET(jx_l2_first,MATCH($A16") for s in sources
    )  # 二级 depends on 一级
    assert '"≥,≤,＝,＞,＜,定性"' in sources
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$1"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    settings = wb["设置"]

    def cell(name: str):
        ref = wb.defined_names[name].attr_text
        assert ref.startswith("'设置'!")
        return settings[ref.split("!")[1].replace("$", "").split(":")[0]]

    # The threshold cell looks the workbook's profile up in the table of built-in profiles.
    assert cell("jx_profile").value == "sichuan"  # the 四川式 template names its profile
    assert "jx_cfg_threshold" in cell("jx_threshold").value
    assert "jx_profile" in cell("jx_threshold").value
    names = [
        c.value
        for c in settings[
            wb.defined_names["jx_cfg_names"].attr_text.split("!")[1].replace("$", "")
        ][0]
    ]
    values = [
        c.value
        for c in settings[
            wb.defined_names["jx_cfg_reason_floor"].attr_text.split("!")[1].replace("$", "")
        ][0]
    ]
    assert dict(zip(names, values, strict=True)) == {"national": 1, "sichuan": 0.9, "hunan": 1}
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert any(
        "jx_threshold" in f for r in rules for f in r.formula
    )  # not a constant in the formula


# ---- the native fallback equals the worksheet functions --------------------------------


def notation_rows() -> tuple[list[tuple], list[tuple]]:
    national, sichuan = [], []
    for path in sorted(EXAMPLES.glob("*.json")):
        for i in json.loads(path.read_text("utf-8"))["绩效指标"]:
            if "指标性质" in i:
                sichuan.append(
                    (i["指标性质"], i["指标值"], i.get("度量单位"), i["实际完成值"], i["分值"])
                )
            else:
                national.append((None, i["指标值"], None, i["实际完成值"], i["分值"]))
    # Notation clerks write that the examples do not show.
    national += [
        (None, t, None, a, p)
        for t, a, p in [
            ("≥18场次", "6场次", 20), ("≤12万元", "15万元", 10), ("95%", "１００％", 10), ("≥90%", "85%", 10),
            ("292万余元", "300万元", 5), ("2020年12月前", "已完成", 10), ("好", "较好", 10), ("优", "差", 10),
            ("中", "差", 10), ("不断提高", "不断提高", 5), ("一年以内", "1年", 5), ("52家", "52个", 10),
            ("1,234人", "1,000人", 10), ("50个以上", "60个", 10), ("≤1年", "2年", 10), ("＞＝８０家", "70家", 10),
            ("2020-12-31", "2020-12-31", 5), ("及时", "不及时", 10), ("达标", "未按时完成", 10),
        ]
    ]  # fmt: skip
    sichuan += [
        ("≥", 18, "场次", 6, 20), ("≤", 12, "万元", 15, 10), ("定性", "好", None, "一般", 10),
        ("≥", 90, "%", "85%", 10), ("＝", 1, "年", 1, 5), ("≥", "80", "家", "70", 10), ("定性", "达标", None, "未达标", 10),
    ]  # fmt: skip
    return national, sichuan


@pytest.mark.parametrize("layout", [NATIONAL, SICHUAN])
def test_native_fallback_gives_the_worksheet_functions_values(built, libreoffice, tmp_path, layout):
    rows = notation_rows()[0 if layout == NATIONAL else 1]
    file = "项目支出绩效自评表.xlsm" if layout == NATIONAL else "项目支出绩效自评表（四川式）.xlsm"
    lay = sheet_layout(PROJECT, layout)
    cols = indicator_columns(layout, lay.width)
    first = lay.rows["绩效指标"]
    mismatches = []
    for start in range(0, len(rows), 30):  # the template holds 30 indicator rows
        chunk = rows[start : start + 30]
        wb = openpyxl.load_workbook(built[file])
        ws = wb["项目支出表"]
        for k, (op, target, unit, actual, points) in enumerate(chunk):
            r = first + k
            if layout == NATIONAL:
                ws[f"D{r}"], ws[f"E{r}"], ws[f"F{r}"] = target, actual, points
            else:
                ws[f"D{r}"], ws[f"E{r}"], ws[f"F{r}"], ws[f"G{r}"], ws[f"H{r}"] = (
                    op,
                    target,
                    unit,
                    actual,
                    points,
                )
        path = tmp_path / f"filled{start}.xlsx"
        wb.save(path)
        with libreoffice.open(path) as doc:
            doc.recalculate()
            for k, (op, target, unit, actual, points) in enumerate(chunk):
                r = first + k
                expected = (
                    udfs.JX_COMPLETION_RATE(target, actual, op, unit),
                    udfs.JX_DEVIATION_RATE(target, actual, op, unit),
                    udfs.JX_REF_SCORE(points, target, actual, op, unit),
                )
                cells = (cols.completion, cols.deviation, cols.reference)
                shown = tuple(doc.cell("项目支出表", f"{c}{r}").value for c in cells)
                for e, s in zip(expected, shown, strict=True):
                    s = "" if s is None else s
                    same = (e == "" and s == "") or (
                        e != "" and s != "" and math.isclose(e, s, abs_tol=1e-9)
                    )
                    if not same:
                        mismatches.append((target, actual, e, s))
    # The native reading never shows a value the worksheet function would not; it leaves
    # blank only what it cannot read safely: Chinese numerals, negated phrases, ISO dates.
    wrong = [m for m in mismatches if m[3] != ""]
    blank = {(t, a) for t, a, _, s in mismatches if s == ""}
    assert len(rows) > 10 and wrong == []
    assert blank <= {("一年以内", "1年"), ("达标", "未按时完成"), ("2020-12-31", "2020-12-31")}


def test_templates_build_to_bytes_deterministically():
    a, b = io.BytesIO(), io.BytesIO()
    build(BY_FILE["项目支出绩效自评表.xlsm"], a, functions=None)
    build(BY_FILE["项目支出绩效自评表.xlsm"], b, functions=None)
    assert a.getvalue() == b.getvalue()
