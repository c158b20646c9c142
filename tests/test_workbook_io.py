"""Filling standard workbooks from JSON forms and reading them back (jixiao.readers.template).

Until the template builder's files are used here, a minimal stand-in template is built
with XlsxWriter: the layout's cells, a formula in every computed cell, the indicator
header row, 经费 labels, data validation, conditional formats, defined names
(layout.field_names), sheet protection, a custom property and a VBA project.
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
import xlwings
from openpyxl.utils.cell import get_column_letter, range_boundaries
from support import EXAMPLE_FILES, load_example

from jixiao.core.errors import InputError
from jixiao.core.form import detect_layout
from jixiao.core.interchange import SCHEMA, form_from_data
from jixiao.core.layout import (
    BASIC,
    BASIC_ROWS,
    INDICATOR_COLUMNS,
    INDICATOR_ROWS,
    NATIONAL,
    PROJECT,
    SHEET_NAMES,
    SICHUAN,
    SOURCE_ROWS,
    WHOLE,
    field_names,
    sheet_layout,
)
from jixiao.formats.xlsx_grid import sheet_grid
from jixiao.readers.record import META_PREFIX
from jixiao.readers.template import (
    locate_fields,
    read_workbook,
    read_workbook_form,
)
from jixiao.templates.fill import fill_workbook

# ---- the stand-in template ---------------------------------------------------------------


@pytest.fixture(scope="session")
def vba_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """xlwings ships a standalone .xlsm; its VBA project serves as the template's."""
    xlsm = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    out = tmp_path_factory.mktemp("vba") / "vbaProject.bin"
    out.write_bytes(zipfile.ZipFile(xlsm).read("xl/vbaProject.bin"))
    return out


def _formulas(form_type: str, layout: str) -> dict[str, str]:
    """Field path -> formula of every computed cell."""
    lay = sheet_layout(form_type, layout)

    def a(path: str) -> str:
        return lay.cells[path].address

    if form_type == BASIC:
        out = {"人员.控制率": f'=IFERROR({a("人员.实际在职人数")}/{a("人员.编制数")},"")'}
        for k in range(1, 4):
            b = f"楼堂馆所[{k}]"
            out[f"{b}.规模控制率"] = f'=IFERROR({a(b + ".实际规模")}/{a(b + ".批复规模")},"")'
            out[f"{b}.投资概算控制率"] = f'=IFERROR({a(b + ".实际投资")}/{a(b + ".预算投资")},"")'
        return out
    first, last = "绩效指标[1]", f"绩效指标[{INDICATOR_ROWS}]"
    points = f"{a(first + '.分值')}:{a(last + '.分值')}"
    scores = f"{a(first + '.得分')}:{a(last + '.得分')}"
    total = a("总分.得分")
    return {
        "预算执行.执行率": f'=IFERROR({a("预算执行.全年执行数")}/{a("预算执行.全年预算数")},"")',
        "预算执行.得分": f'=IFERROR(MIN({a("预算执行.分值")},{a("预算执行.分值")}*{a("预算执行.执行率")}),"")',
        "总分.分值": f"={a('预算执行.分值')}+SUM({points})",
        "总分.得分": f"=N({a('预算执行.得分')})+SUM({scores})",
        "等级": f'=IF({total}="","",IF({total}>=90,"优",IF({total}>=80,"良",IF({total}>=60,"中","差"))))',
    }


def build_template(
    path: Path,
    form_type: str,
    layout: str = NATIONAL,
    *,
    vba: Path | None = None,
    sheets: tuple[str, ...] = (),
    inserted: tuple[int, int] | None = None,
) -> Path:
    """A stand-in template; ``inserted=(row, n)`` shifts rows >= row down by n, as if a
    user had inserted n rows there (defined names move with them, as in Excel)."""
    lay = sheet_layout(form_type, layout)

    def shift(row: int) -> int:
        return row + inserted[1] if inserted and row >= inserted[0] else row

    wb = xlsxwriter.Workbook(str(path))
    unlocked = wb.add_format({"locked": False})
    red = wb.add_format({"bg_color": "#FFC7CE"})
    wb.set_custom_property("模板版本", "stand-in 1")
    formulas = _formulas(form_type, layout)
    for name in sheets or (lay.sheet,):
        ws = wb.add_worksheet(name)
        ws.write(0, 0, form_type)  # the title row
        for field, cell in lay.cells.items():
            r, c = shift(cell.row) - 1, cell.col - 1
            if field in formulas:
                # (after an insertion the references are off: no test evaluates them)
                ws.write_formula(r, c, formulas[field], None, "")
            elif field.startswith("基础数据.") and field.count(".") == 1:
                ws.write(r, c, "　其中：" + field.split(".", 1)[1])  # 经费 row labels
            else:
                ws.write_blank(r, c, None, unlocked)
        if form_type != BASIC:
            header = shift(lay.rows["指标表头"]) - 1
            for i, title in enumerate(INDICATOR_COLUMNS[layout]):
                ws.write(
                    header, i, "年度指标值" if title == "指标值" and layout == NATIONAL else title
                )
            first = shift(lay.rows["绩效指标"]) - 1
            last = shift(lay.rows["绩效指标"] + INDICATOR_ROWS - 1) - 1
            ws.data_validation(
                first, 0, last, 0, {"validate": "list", "source": ["产出指标", "效益指标"]}
            )
            rate = lay.cells["预算执行.执行率"]
            ws.conditional_format(
                rate.row - 1,
                rate.col - 1,
                rate.row - 1,
                rate.col - 1,
                {"type": "cell", "criteria": "<", "value": 0.9, "format": red},
            )
        else:
            staff = lay.cells["人员.编制数"]
            ws.data_validation(
                staff.row - 1,
                staff.col - 1,
                staff.row - 1,
                staff.col - 1,
                {"validate": "integer", "criteria": ">=", "value": 0},
            )
            ws.conditional_format("B7:D23", {"type": "formula", "criteria": "=B7<0", "format": red})
        for dname, ref in field_names(lay).items():
            ws_ref = _shift_ref(ref, shift, inserted)
            wb.define_name(f"'{name}'!{dname}", f"='{name}'!{ws_ref}")
        ws.protect("", {"insert_rows": True, "delete_rows": True})
    wb.define_name("jx_threshold", "=0.2")
    if vba is not None:
        wb.add_vba_project(str(vba))
    wb.close()
    return path


def _shift_ref(ref: str, shift: Any, inserted: tuple[int, int] | None) -> str:

    c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
    top = shift(r1)
    # A range that spans the insertion point grows; one below it moves.
    bottom = r2 + (inserted[1] if inserted and r2 >= inserted[0] else 0)
    a = f"${get_column_letter(c1)}${top}"
    b = f"${get_column_letter(c2)}${bottom}"
    return a if (c1, r1) == (c2, r2) else f"{a}:{b}"


def _template_for(
    tmp_path: Path, data: dict[str, Any], vba_bin: Path, layout: str | None = None
) -> Path:
    form_type = data["表类型"]
    layout = layout or (NATIONAL if form_type == BASIC else detect_layout(data))
    return build_template(tmp_path / "template.xlsm", form_type, layout, vba=vba_bin)


def _text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _round_trip(
    tmp_path: Path, data: dict[str, Any], vba_bin: Path, layout: str | None = None
) -> dict[str, Any]:
    template = _template_for(tmp_path, data, vba_bin, layout)
    out = tmp_path / "filled.xlsm"
    fill_workbook(form_from_data(copy.deepcopy(data), "form.json"), template, out)
    return read_workbook_form(out)


def _canonical_order(data: Any, schema: str) -> bool:
    """Whether the keys follow interchange.SCHEMA, recursively (the examples must)."""
    children = {"预算执行": "预算执行", "资金来源": "资金来源", "年度总体目标": "年度总体目标",
                "绩效指标": "绩效指标", "总分": "总分", "人员": "人员", "经费": "经费",
                "楼堂馆所": "楼堂馆所"}  # fmt: skip
    keys = list(data)
    known = [k for k in SCHEMA[schema] if k in data]
    if keys[: len(known)] != known:
        return False
    for k, v in data.items():
        items = v if isinstance(v, list) else [v]
        for item in items:
            if k in children and isinstance(item, dict) and not _canonical_order(item, children[k]):
                return False
    return True


# ---- the main test: every real form round-trips exactly ------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_examples_round_trip(tmp_path: Path, path: Path, vba_bin: Path) -> None:
    data = load_example(path.name)
    assert _canonical_order(data, "自评表")
    back = _round_trip(tmp_path, data, vba_bin)
    assert back == data
    assert _text(back) == _text(data)  # key order and int/float types too


def test_examples_are_all_here() -> None:
    assert len(EXAMPLE_FILES) == 4


def test_p4_empty_text_and_empty_list_survive(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("zhaohua-2024-p4.json")
    template = _template_for(tmp_path, data, vba_bin)
    out = tmp_path / "p4.xlsm"
    fill_workbook(form_from_data(copy.deepcopy(data), "p4.json"), template, out)
    lay = sheet_layout(PROJECT, SICHUAN)
    ws = openpyxl.load_workbook(out)[lay.sheet]
    goal = lay.cells["年度总体目标.预期目标"]
    assert ws.cell(goal.row, goal.col).value is None  # "" is an empty cell on the sheet
    back = read_workbook_form(out)
    assert back["年度总体目标"]["预期目标"] == ""
    assert back["绩效指标"] == []


def test_floats_with_integral_values_stay_floats(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("zhaohua-2024-p1.json")
    back = _round_trip(tmp_path, data, vba_bin)
    budget = back["预算执行"]
    assert type(budget["年初预算数"]) is float and type(budget["分值"]) is int
    assert type(budget["执行率"]) is float
    assert type(budget["资金来源"][1]["年初预算数"]) is int


# ---- forms that exercise every kind of field ------------------------------------------------

WHOLE_FULL: dict[str, Any] = {
    "表类型": WHOLE,
    "单位名称": "某区工商业联合会",
    "年度": 2023,
    "主管部门": "某区委统战部",
    "实施单位": "某区工商业联合会",
    "财务负责人": "张某",
    "项目名称": "（整体）",
    "预算执行": {
        "年初预算数": 0.1 + 0.2,
        "全年预算数": 161.4,
        "全年执行数": 161.4,
        "分值": 10,
        "原因": "national 版式没有原因列",
        "资金来源": [
            {"名称": "当年财政拨款", "年初预算数": 126.14, "全年预算数": 160.44},
            {},
            {"名称": "其中：其他资金", "全年预算数": 0.96},
        ],
        "按收入性质": [{"名称": "一般公共预算", "全年预算数": 161.4}],
        "按支出性质": [
            {"名称": "项目支出", "全年预算数": 61.4, "全年执行数": None},
            {"名称": "基本支出", "年初预算数": 100.0},
        ],
    },
    "年度总体目标": {},
    "绩效指标": [
        {
            "一级指标": "产出指标",
            "二级指标": "数量指标",
            "三级指标": "走访",
            "指标值": "=100%",
            "实际完成值": "#N/A",
            "分值": 10.0,
            "得分": True,
            "偏差原因": "第一行\r\n第二行",
        },
        {"三级指标": ""},
        {"一级指标": "满意度指标", "指标值": "≥95%", "分值": 5, "得分": 4.5},
    ],
    "总分": {"分值": 100},
    "等级": "",
    "执行进度": {"6月": 0.4, "9月": 0.675, "11": 0.825},
    "项目实施内容及过程概述": "……",
    "评价结论": "良",
    "填表人": "李某",
    "填报日期": "2024-03-01",
    "联系电话": 12345678901234567,
}

BASIC_FULL: dict[str, Any] = {
    "表类型": BASIC,
    "单位名称": "某区工商业联合会",
    "年度": 2023,
    "财务负责人": "张某",
    "人员": {"编制数": 4, "实际在职人数": 3, "控制率": 0.75},
    "经费": [
        {"名称": "公用经费", "上年决算数": 20.87, "本年预算数": 6.82, "本年决算数": 36.04},
        {"名称": "三公经费", "上年决算数": 0, "本年预算数": 0.5, "本年决算数": 0},
        {"名称": "公务接待", "上级": "三公经费", "上年决算数": 0, "本年预算数": 0.5},
        {"名称": "办公费", "上年决算数": 2.86, "本年预算数": 1.5, "本年决算数": 2.64},
        {"名称": "公车购置", "上级": "三公经费", "本年决算数": 1.0},
        {"名称": "政府采购金额", "上级": None},
        {"名称": "出国经费"},
    ],
    "楼堂馆所": [
        {"名称": "办公楼维修", "批复规模": 0, "实际规模": 0, "预算投资": 0, "实际投资": 0}
    ],
    "厉行节约保障措施": "严格执行中央八项规定。",
    "填表人": "李某",
}


@pytest.mark.parametrize(
    ("data", "layout"),
    [(WHOLE_FULL, NATIONAL), (BASIC_FULL, NATIONAL)],
    ids=["whole-national", "basic"],
)
def test_every_kind_of_field_round_trips(
    tmp_path: Path, data: dict[str, Any], layout: str, vba_bin: Path
) -> None:
    form_from_data(copy.deepcopy(data))  # a valid form
    back = _round_trip(tmp_path, data, vba_bin, layout)
    assert _text(back) == _text(data)


def test_whole_form_on_sichuan_template(tmp_path: Path, vba_bin: Path) -> None:
    data = copy.deepcopy(WHOLE_FULL)
    template = build_template(tmp_path / "t.xlsm", WHOLE, SICHUAN, vba=vba_bin)
    out = tmp_path / "o.xlsm"
    fill_workbook(form_from_data(copy.deepcopy(data)), template, out)
    back = read_workbook_form(out)
    assert _text(back) == _text(data)
    # The Sichuan sheet has a reason column: 原因 is in its cell, not in the record.
    lay = sheet_layout(WHOLE, SICHUAN)
    reason = lay.cells["预算执行.原因"]
    assert (
        openpyxl.load_workbook(out)[lay.sheet].cell(reason.row, reason.col).value
        == (data["预算执行"]["原因"])
    )


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path, vba_bin: Path) -> None:
    _round_trip(tmp_path, WHOLE_FULL, vba_bin, NATIONAL)
    lay = sheet_layout(WHOLE, NATIONAL)
    ws = openpyxl.load_workbook(tmp_path / "filled.xlsm")[lay.sheet]
    cell = lay.cells["绩效指标[1].指标值"]
    assert ws.cell(cell.row, cell.col).value == "=100%"
    assert ws.cell(cell.row, cell.col).data_type == "s"


def test_extras_are_kept_in_custom_properties(tmp_path: Path, vba_bin: Path) -> None:
    _round_trip(tmp_path, WHOLE_FULL, vba_bin, NATIONAL)
    wb = openpyxl.load_workbook(tmp_path / "filled.xlsm")
    names = [n for n in wb.custom_doc_props.names if n.startswith(f"{META_PREFIX}:整体支出表:")]
    assert names and all(len(wb.custom_doc_props[n].value) <= 255 for n in names)
    record = json.loads("".join(wb.custom_doc_props[n].value for n in names))
    assert record["extras"]["财务负责人"] == "张某"
    assert record["extras"]["预算执行"]["原因"] == "national 版式没有原因列"
    assert "模板版本" in wb.custom_doc_props.names  # the template's own property survives


# ---- absent fields, template parts ---------------------------------------------------------


def test_absent_fields_keep_the_template_formulas(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("zhaohua-2024-p1.json")
    for key in ("执行率", "得分"):
        del data["预算执行"][key]
    del data["总分"]
    template = _template_for(tmp_path, data, vba_bin)
    out = tmp_path / "o.xlsm"
    fill_workbook(form_from_data(copy.deepcopy(data)), template, out)
    lay = sheet_layout(PROJECT, SICHUAN)
    ws = openpyxl.load_workbook(out, keep_vba=True)[lay.sheet]
    formulas = _formulas(PROJECT, SICHUAN)
    for path in ("预算执行.执行率", "预算执行.得分", "总分.分值", "总分.得分", "等级"):
        cell = lay.cells[path]
        assert ws.cell(cell.row, cell.col).value == formulas[path], path
    back = read_workbook_form(out)
    assert "执行率" not in back["预算执行"] and "得分" not in back["预算执行"]
    assert "总分" not in back and "等级" not in back
    assert _text(back) == _text(data)


def test_typed_value_in_a_computed_cell_is_read(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("shifeng-2020-project.json")
    back = _round_trip(tmp_path, data, vba_bin)
    assert back["等级"] == "优" and back["总分"] == {"分值": 100, "得分": 98}


def test_template_parts_survive_a_fill(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("shifeng-2020-whole.json")
    template = _template_for(tmp_path, data, vba_bin)
    out = tmp_path / "o.xlsm"
    fill_workbook(form_from_data(data), template, out)
    assert "xl/vbaProject.bin" in zipfile.ZipFile(out).namelist()
    content_types = zipfile.ZipFile(out).read("[Content_Types].xml").decode()
    assert "macroEnabled" in content_types
    before = openpyxl.load_workbook(template, keep_vba=True)
    after = openpyxl.load_workbook(out, keep_vba=True)
    assert after.vba_archive is not None
    sheet = SHEET_NAMES[WHOLE]
    b, a = before[sheet], after[sheet]

    def validations(ws: Any) -> list[tuple[str, str, str | None]]:
        return [(dv.type, str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation]

    assert validations(a) == validations(b) and validations(a)

    def formats(ws: Any) -> list[tuple[str, list[str | None]]]:
        return [(str(cf.sqref), [r.operator for r in cf.rules]) for cf in ws.conditional_formatting]

    assert formats(a) == formats(b) and formats(a)
    assert set(a.defined_names) == set(b.defined_names) == set(field_names(sheet_layout(WHOLE)))
    assert {n: d.attr_text for n, d in a.defined_names.items()} == {
        n: d.attr_text for n, d in b.defined_names.items()
    }
    assert "jx_threshold" in after.defined_names
    assert a.protection.sheet and a.protection.insertRows == b.protection.insertRows


def test_xlsx_template_without_vba(tmp_path: Path) -> None:
    data = load_example("shifeng-2020-project.json")
    template = build_template(tmp_path / "t.xlsx", PROJECT, NATIONAL)
    out = tmp_path / "o.xlsx"
    fill_workbook(form_from_data(copy.deepcopy(data)), template, out)
    assert _text(read_workbook_form(out)) == _text(data)
    with pytest.raises(InputError, match=r"\.xlsx"):
        fill_workbook(form_from_data(data), template, tmp_path / "o.xlsm")


# ---- errors ----------------------------------------------------------------------------------


def test_too_many_indicators(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("shifeng-2020-project.json")
    data["绩效指标"] = (data["绩效指标"] * 4)[: INDICATOR_ROWS + 1]
    template = _template_for(tmp_path, data, vba_bin)
    with pytest.raises(InputError) as e:
        fill_workbook(form_from_data(data, "many.json"), template, tmp_path / "o.xlsm")
    message = str(e.value)
    assert f"只有 {INDICATOR_ROWS} 行" in message and f"{INDICATOR_ROWS + 1} 条绩效指标" in message
    assert "many.json" in message
    assert not (tmp_path / "o.xlsm").exists()


def test_too_many_sources(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("zhaohua-2024-p1.json")
    data["预算执行"]["资金来源"] *= 2
    template = _template_for(tmp_path, data, vba_bin)
    with pytest.raises(InputError, match=f"只有 {SOURCE_ROWS} 行，表单有 6 个资金来源"):
        fill_workbook(form_from_data(data), template, tmp_path / "o.xlsm")


def test_too_many_buildings(tmp_path: Path, vba_bin: Path) -> None:
    data = copy.deepcopy(BASIC_FULL)
    data["楼堂馆所"] *= 4
    template = _template_for(tmp_path, data, vba_bin)
    with pytest.raises(InputError, match="只有 3 行，表单有 4 项楼堂馆所"):
        fill_workbook(form_from_data(data), template, tmp_path / "o.xlsm")


def test_unknown_expense_row(tmp_path: Path, vba_bin: Path) -> None:
    data = copy.deepcopy(BASIC_FULL)
    data["经费"].insert(2, {"名称": "培训费", "本年决算数": 1})
    template = _template_for(tmp_path, data, vba_bin)
    with pytest.raises(InputError) as e:
        fill_workbook(form_from_data(data, "basic.json"), template, tmp_path / "o.xlsm")
    message = str(e.value)
    assert "basic.json" in message and "第 3 行" in message and "培训费" in message


def test_duplicate_expense_row(tmp_path: Path, vba_bin: Path) -> None:
    data = copy.deepcopy(BASIC_FULL)
    data["经费"].append({"名称": "公用经费", "本年决算数": 1})
    template = _template_for(tmp_path, data, vba_bin)
    with pytest.raises(InputError, match="重名"):
        fill_workbook(form_from_data(data), template, tmp_path / "o.xlsm")


def test_sichuan_form_on_national_template(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("zhaohua-2024-p1.json")
    template = build_template(tmp_path / "t.xlsm", PROJECT, NATIONAL, vba=vba_bin)
    with pytest.raises(InputError, match="四川版式"):
        fill_workbook(form_from_data(data), template, tmp_path / "o.xlsm")


def test_form_into_a_sheet_of_another_type(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("shifeng-2020-project.json")
    template = build_template(tmp_path / "t.xlsm", WHOLE, NATIONAL, vba=vba_bin)
    with pytest.raises(InputError, match="整体支出表"):
        fill_workbook(form_from_data(data), template, tmp_path / "o.xlsm", sheet="整体支出表")


def test_template_without_the_sheet(tmp_path: Path, vba_bin: Path) -> None:
    template = build_template(tmp_path / "t.xlsm", WHOLE, NATIONAL, vba=vba_bin)
    data = load_example("shifeng-2020-project.json")
    with pytest.raises(InputError) as e:
        fill_workbook(form_from_data(data), template, tmp_path / "o.xlsm")
    assert "项目支出表" in str(e.value) and "t.xlsm" in str(e.value)


def test_reading_a_workbook_without_the_sheet(tmp_path: Path, vba_bin: Path) -> None:
    path = build_template(tmp_path / "t.xlsm", WHOLE, NATIONAL, vba=vba_bin)
    with pytest.raises(InputError) as e:
        read_workbook_form(path, form_type=PROJECT)
    assert "项目支出表" in str(e.value) and str(path) in str(e.value)
    with pytest.raises(InputError, match="项目7"):
        read_workbook_form(path, sheet="项目7")
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    with pytest.raises(InputError) as e:
        read_workbook_form(plain)
    assert "plain.xlsx" in str(e.value) and "项目支出表" in str(e.value)


def test_reading_files_that_are_not_workbooks(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="不存在"):
        read_workbook_form(tmp_path / "none.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip")
    with pytest.raises(InputError, match=r"bad\.xlsx.*不是 Excel 工作簿"):
        read_workbook_form(bad)
    with pytest.raises(InputError, match=r"\.xls"):
        read_workbook_form(tmp_path / "old.xls")


# ---- workbooks filled by hand, unit workbooks, moved rows ---------------------------------


def test_hand_filled_sheet_without_a_record(tmp_path: Path, vba_bin: Path) -> None:
    """Only the sheet decides: Sichuan from its header, empty rows skipped, formulas absent."""
    path = build_template(tmp_path / "t.xlsm", PROJECT, SICHUAN, vba=vba_bin)
    lay = sheet_layout(PROJECT, SICHUAN)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[lay.sheet]

    def put(field: str, value: Any) -> None:
        cell = lay.cells[field]
        ws.cell(cell.row, cell.col).value = value

    put("单位名称", "某单位")
    put("预算执行.全年预算数", 22)
    put("预算执行.资金来源[1].名称", "其中：财政资金")
    put("预算执行.资金来源[1].全年预算数", 22)
    put("预算执行.资金来源[2].名称", "单位资金")  # a label without figures: not a source
    put("绩效指标[3].三级指标", "联席企业数量")
    put("绩效指标[3].指标性质", "≥")
    put("总分.得分", 90)
    wb.save(path)
    back = read_workbook_form(path)
    assert _text(back) == _text(
        {
            "表类型": PROJECT,
            "单位名称": "某单位",
            "预算执行": {
                "全年预算数": 22,
                "资金来源": [{"名称": "财政资金", "全年预算数": 22}],
            },
            "绩效指标": [{"三级指标": "联席企业数量", "指标性质": "≥"}],
            "总分": {"得分": 90},
        }
    )
    form = read_workbook(path)
    assert form.layout == SICHUAN
    third = lay.cells["绩效指标[3].三级指标"]
    assert form.locate("绩效指标[1].三级指标") == third  # the row it sits in on the sheet


def test_hand_filled_sheet_shows_an_empty_indicator_block(tmp_path: Path, vba_bin: Path) -> None:
    path = build_template(tmp_path / "t.xlsm", PROJECT, NATIONAL, vba=vba_bin)
    assert read_workbook_form(path) == {"表类型": PROJECT, "绩效指标": []}


def test_hand_filled_basic_rows_get_their_standard_parent(tmp_path: Path, vba_bin: Path) -> None:
    path = build_template(tmp_path / "t.xlsm", BASIC, vba=vba_bin)
    lay = sheet_layout(BASIC)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[lay.sheet]
    for name, value in (("三公经费", 1.5), ("公车运行维护", 1.0)):
        cell = lay.cells[f"基础数据.{name}.本年决算数"]
        ws.cell(cell.row, cell.col).value = value
    wb.save(path)
    assert read_workbook_form(path)["经费"] == [
        {"名称": "三公经费", "本年决算数": 1.5},
        {"名称": "公车运行维护", "上级": "公务用车购置和维护经费", "本年决算数": 1.0},
    ]


def test_a_later_edit_wins_over_the_fill_record(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("zhaohua-2024-p4.json")
    template = _template_for(tmp_path, data, vba_bin)
    out = tmp_path / "o.xlsm"
    fill_workbook(form_from_data(copy.deepcopy(data)), template, out)
    lay = sheet_layout(PROJECT, SICHUAN)
    wb = openpyxl.load_workbook(out, keep_vba=True)
    ws = wb[lay.sheet]
    for field, value in (("预算执行.全年预算数", 11), ("年度总体目标.预期目标", "举办推介会")):
        cell = lay.cells[field]
        ws.cell(cell.row, cell.col).value = value
    wb.save(out)
    back = read_workbook_form(out)
    assert back["预算执行"]["全年预算数"] == 11 and type(back["预算执行"]["全年预算数"]) is int
    assert back["年度总体目标"]["预期目标"] == "举办推介会"


def test_unit_workbook_with_several_project_sheets(tmp_path: Path, vba_bin: Path) -> None:
    p1, p4 = load_example("zhaohua-2024-p1.json"), load_example("zhaohua-2024-p4.json")
    unit = build_template(
        tmp_path / "unit.xlsm", PROJECT, SICHUAN, vba=vba_bin, sheets=("项目1", "项目2")
    )
    fill_workbook(form_from_data(copy.deepcopy(p1)), unit, unit, sheet="项目1")
    fill_workbook(form_from_data(copy.deepcopy(p4)), unit, unit, sheet="项目2")
    with pytest.raises(InputError, match="指定"):
        read_workbook_form(unit)  # two form sheets, none standard by name
    assert _text(read_workbook_form(unit, sheet="项目1")) == _text(p1)
    assert _text(read_workbook_form(unit, sheet="项目2")) == _text(p4)
    form = read_workbook(unit, sheet="项目2")
    assert form.locate("预算执行.全年预算数").sheet == "项目2"
    assert "xl/vbaProject.bin" in zipfile.ZipFile(unit).namelist()


def test_refill_keeps_the_earlier_record(tmp_path: Path, vba_bin: Path) -> None:
    data = load_example("zhaohua-2024-p4.json")
    template = _template_for(tmp_path, data, vba_bin)
    out = tmp_path / "o.xlsm"
    fill_workbook(form_from_data(copy.deepcopy(data)), template, out)
    extra = {"表类型": PROJECT, "财务负责人": "王某", "等级": "优"}
    fill_workbook(form_from_data(extra), out, out)
    back = read_workbook_form(out)
    expected = copy.deepcopy(data)
    expected["等级"] = "优"
    expected = {**{k: v for k, v in expected.items() if k in ("表类型", "单位名称", "年度")},
                "财务负责人": "王某",
                **{k: v for k, v in expected.items() if k not in ("表类型", "单位名称", "年度")}}  # fmt: skip
    assert _text(back) == _text(expected)


def test_inserted_rows_move_the_fields(tmp_path: Path, vba_bin: Path) -> None:
    """A user inserted 2 rows inside the indicator block: defined names say where fields are."""
    data = load_example("shifeng-2020-whole.json")
    lay = sheet_layout(WHOLE, NATIONAL)
    at = lay.rows["绩效指标"] + 5
    template = build_template(tmp_path / "t.xlsm", WHOLE, NATIONAL, vba=vba_bin, inserted=(at, 2))
    wb = openpyxl.load_workbook(template)
    cells = locate_fields(sheet_grid(wb[lay.sheet]), lay)
    assert cells["绩效指标[32].三级指标"].row == lay.rows["绩效指标"] + 31
    assert cells["总分.得分"].row == lay.cells["总分.得分"].row + 2
    assert cells["单位名称"] == lay.cells["单位名称"]
    out = tmp_path / "o.xlsm"
    fill_workbook(form_from_data(copy.deepcopy(data)), template, out)
    ws = openpyxl.load_workbook(out)[lay.sheet]
    total = lay.cells["总分.得分"]
    assert ws.cell(total.row + 2, total.col).value == 97
    assert _text(read_workbook_form(out)) == _text(data)


def test_basic_rows_are_found_by_their_labels(tmp_path: Path, vba_bin: Path) -> None:
    lay = sheet_layout(BASIC)
    at = lay.cells["基础数据.公用经费"].row
    template = build_template(tmp_path / "t.xlsm", BASIC, vba=vba_bin, inserted=(at, 1))
    ws = openpyxl.load_workbook(template)[lay.sheet]
    cells = locate_fields(sheet_grid(ws), lay)
    assert cells["基础数据.三公经费.本年决算数"] == lay.cells["基础数据.三公经费.本年决算数"]
    assert cells["基础数据.公用经费.本年决算数"].row == at + 1
    assert cells["基础数据.年末结转结余"].row == lay.cells["基础数据.年末结转结余"].row + 1
    out = tmp_path / "o.xlsm"
    fill_workbook(form_from_data(copy.deepcopy(BASIC_FULL)), template, out)
    assert _text(read_workbook_form(out)) == _text(BASIC_FULL)


def test_layout_cells_do_not_collide() -> None:
    """No two fields share a cell; anchors (findings' places) are kept apart from fields."""
    for form_type in (WHOLE, PROJECT):
        for layout in (NATIONAL, SICHUAN):
            lay = sheet_layout(form_type, layout)
            cells = lay.cells
            assert len({(c.row, c.col) for c in cells.values()}) == len(cells)
            assert ("预算执行.原因" in cells) == (layout == SICHUAN)
            assert ("预算执行.原因" in lay.anchors) == (layout == NATIONAL)
            assert lay.anchors["绩效指标"] == cells["绩效指标[1].三级指标"]
            assert not set(lay.anchors) & set(cells)
    assert len(sheet_layout(BASIC).cells) == len(BASIC_ROWS) * 4 + 2 + 3 + 21 + 1


def test_null_lists_round_trip(tmp_path: Path, vba_bin: Path) -> None:
    data = {
        "表类型": PROJECT,
        "单位名称": "某单位",
        "预算执行": {"资金来源": None},
        "绩效指标": None,
    }
    assert _text(_round_trip(tmp_path, data, vba_bin, NATIONAL)) == _text(data)


def test_date_formatted_cells(tmp_path: Path, vba_bin: Path) -> None:
    """A number in a date-formatted cell reads as a date; the fill record keeps the number."""
    template = build_template(tmp_path / "t.xlsm", PROJECT, NATIONAL, vba=vba_bin)
    lay = sheet_layout(PROJECT, NATIONAL)
    cell = lay.cells["填报日期"]
    wb = openpyxl.load_workbook(template, keep_vba=True)
    wb[lay.sheet].cell(cell.row, cell.col).number_format = "yyyy-mm-dd"
    wb.save(template)
    data = {"表类型": PROJECT, "绩效指标": [], "填报日期": 45352}
    out = tmp_path / "o.xlsm"
    fill_workbook(form_from_data(copy.deepcopy(data)), template, out)
    assert _text(read_workbook_form(out)) == _text(data)
    wb = openpyxl.load_workbook(out, keep_vba=True)
    wb[lay.sheet].cell(cell.row, cell.col).value = 45353  # typed later in Excel
    wb.save(out)
    assert read_workbook_form(out)["填报日期"] == "2024-03-02"


def test_a_number_no_cell_can_hold_is_refused_naming_the_field(
    tmp_path: Path, vba_bin: Path
) -> None:
    data = load_example("shifeng-2020-project.json")
    template = _template_for(tmp_path, data, vba_bin)
    data["预算执行"]["全年预算数"] = 10**400  # as read from a paper form's cell of 401 digits
    with pytest.raises(InputError) as e:
        fill_workbook(form_from_data(data, "paper.xlsx"), template, tmp_path / "o.xlsm")
    message = str(e.value)
    assert "paper.xlsx" in message and "全年预算数" in message and "超出" in message
    assert not (tmp_path / "o.xlsm").exists()
    data["预算执行"]["全年预算数"] = 10**300  # within range: written as a number
    fill_workbook(form_from_data(data, "paper.xlsx"), template, tmp_path / "o.xlsm")
