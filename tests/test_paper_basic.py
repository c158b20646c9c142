"""The 部门整体支出绩效评价基础数据表 on a sheet of the unit's own (jixiao.readers.paper_basic).

Units send the basic data table on the finance bureau's sheet or last year's workbook, not
on our template. What a user relies on:

- the real published Hunan form (corpus form 15) reads into the JSON a reviewer reads off
  it, and ``jixiao validate`` reports the reviewer's findings in the form's own cells;
- a table laid out by hand in the national layout (forms.md §2: years in the headings,
  "1、" / "其中：" rows, placeholder rows, "—") or on our template without its names reads
  back as the JSON it was laid out from;
- labels as clerks type them (spaces, line breaks, full-width, "“三公”经费", "(万元)") and
  amounts as they type them ("7.50.", "6.82.", "0.5万元") read as a reviewer reads them;
- the parent rows (上级) come from the table's outline: numbering, 其中 lists, indentation;
- findings (S11, S12, D04, Q09, W01) name the cells the user sees;
- `jixiao validate` reads such a sheet in any workbook and no longer turns it away.

Only one real published basic data table was found in the stored sources (form 15); the
other layouts here are the national layout of forms.md §2 and our own template, laid out
by hand.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from corpus import build
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from test_checks import basic_table

from jixiao.cli import main
from jixiao.core.errors import InputError
from jixiao.core.layout import BASIC, Cell
from jixiao.core.profile import load_profile
from jixiao.formats.docx_grid import read_docx_grid
from jixiao.formats.grid import BookGrid, SheetGrid
from jixiao.formats.xlsx_grid import read_grid
from jixiao.readers.paper_basic import (
    looks_like_basic_table,
    read_paper_basic,
    read_paper_basic_sheet,
)
from jixiao.readers.workbook import read_forms
from jixiao.rules.engine import check_form

HUNAN = "15-buxiang-2018-jichushuju.json"


def sheet(rows: list[list[Any]], merges: tuple[str, ...] = (), title: str = "Sheet1") -> SheetGrid:
    """A sheet as a grid, rows from column A; "#DIV/0!" and the like show as error values."""
    ws = SheetGrid(title)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is None:
                continue
            ws.values[(r, c)] = value
            if value in ("#DIV/0!", "#VALUE!", "#REF!"):
                ws.errors.add((r, c))
    for ref in merges:
        ws.merges.append(range_boundaries(ref))
    return ws


def workbook(
    tmp_path: Path, rows: list[list[Any]], merges: tuple[str, ...] = (), name: str = "基础数据"
) -> Path:
    """The rows as an .xlsx a clerk would send (no names, no formulas)."""
    form = {"sheet": name, "rows": rows, "merges": list(merges)}
    return build.to_xlsx(form, tmp_path / f"{name}.xlsx")


def validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    rc = main(["validate", str(path), "-o", str(path.with_name("校验.xlsx")), "--json"])
    return rc, json.loads(capsys.readouterr().out)


def at(findings: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(f["code"], f["cell"]) for f in findings}


# ---- the real Hunan form (corpus form 15) ----------------------------------------------------

HUNAN_JSON = {
    "表类型": BASIC,
    "年度": 2018,  # from the headings "2018年实际在职人数", "2018年预算数"
    "人员": {"编制数": 143, "实际在职人数": 136, "控制率": "95.10%"},
    "经费": [
        {"名称": "三公经费", "上年决算数": 29.08, "本年预算数": 63.46, "本年决算数": 44.29},
        {"名称": "公务用车购置和维护经费", "上级": "三公经费", "上年决算数": 11.86, "本年预算数": 41.46, "本年决算数": 39.3},
        {"名称": "公车购置", "上级": "公务用车购置和维护经费", "本年预算数": 29.46, "本年决算数": 29.46},
        {"名称": "公车运行维护", "上级": "公务用车购置和维护经费", "上年决算数": 11.86, "本年预算数": 12, "本年决算数": 9.84},
        {"名称": "公务接待", "上级": "三公经费", "上年决算数": 17.22, "本年预算数": 22, "本年决算数": 4.99},
        {"名称": "项目支出"},  # printed empty; its filled 专项 rows are its parts
        {"名称": "业务工作专项", "上级": "项目支出", "上年决算数": 938.8, "本年预算数": 320, "本年决算数": 689.16},
        {"名称": "公用经费"},
        {"名称": "办公经费", "上级": "公用经费", "上年决算数": 14.44, "本年预算数": 10, "本年决算数": 0.68},
        # "7.50." as printed, with a stray full stop
        {"名称": "水费、电费、差旅费", "上级": "公用经费", "上年决算数": 17.92, "本年预算数": 7.5, "本年决算数": 25.36},
        {"名称": "会议费、培训费", "上级": "公用经费", "上年决算数": 0, "本年预算数": 0.8, "本年决算数": 0},
        {"名称": "政府采购金额", "上年决算数": 16.14, "本年预算数": 30.66, "本年决算数": 30.66},
        {"名称": "部门整体支出预算调整", "本年预算数": 1922.76, "本年决算数": 2690.62},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def hunan_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.to_xlsx(build.load(HUNAN), tmp_path_factory.mktemp("hunan") / "15.xlsx")


def test_the_hunan_form_reads_into_the_json_a_reviewer_reads(hunan_book):
    ws = read_grid(hunan_book).sheets[0]
    assert looks_like_basic_table(ws)
    data, cells = read_paper_basic_sheet(ws, str(hunan_book))
    assert data == HUNAN_JSON
    # Each figure is found in the cell the form prints it in.
    assert cells["人员.编制数"] == Cell("Sheet1", 5, 2)
    assert cells["基础数据.水费、电费、差旅费.本年预算数"] == Cell("Sheet1", 18, 3)
    assert cells["基础数据.部门整体支出预算调整.本年决算数"] == Cell("Sheet1", 21, 4)
    assert cells["年度"] == Cell("Sheet1", 6, 3)  # the "2018年预算数" heading
    assert cells["单位名称"] == Cell("Sheet1", 3, 1)  # "填报单位:", left blank


def test_a_word_tables_heading_lines_name_the_unit(tmp_path):
    """The basic data table in a Word report with its title and "填报单位：…" printed above
    the table: read as the basic table, the unit from that line."""
    form = copy.deepcopy(build.load(HUNAN))
    form["rows"][2] = ["填报单位：某县发展和改革局", None, None, None]
    form["merges"] = [m for m in form["merges"] if m != "A3:C3"]
    document = build.to_docx(form, tmp_path / "基础数据表.docx", headings_above=True)
    read = read_forms(read_docx_grid(document)).forms
    assert [f.form_type for f in read] == [BASIC]
    assert read[0].data["单位名称"] == "某县发展和改革局"


def test_validate_gives_the_reviewers_findings_on_the_hunan_form(hunan_book, capsys):
    rc, report = validate(hunan_book, capsys)
    findings = report["findings"]
    expected = {(e["code"], e["cell"]) for e in build.load(HUNAN)["expected"]}
    assert expected <= at(findings)  # D04 ×6 (incl. "7.50." read as 7.50), D06 on 三公经费
    assert {f["sheet"] for f in findings} == {"Sheet1"}
    assert not report.get("skipped")
    # The parts of 三公经费 add up in every column: no S11. The printed 95.10% is right: no S12.
    assert not {f["code"] for f in findings} & {"S11", "S12", "Q09"}
    # The one 错误: 填报单位 is blank on the sheet, and W01 points at that label.
    errors = [(f["code"], f["cell"], f["field"]) for f in findings if f["severity"] == "错误"]
    assert errors == [("W01", "A3", "单位名称")]
    assert rc == 1


# ---- laid out by hand from the JSON of test_checks.basic_table() -----------------------------

NATIONAL_ROWS: list[list[Any]] = [
    ["部门整体支出绩效评价基础数据表", None, None, None, None, None, None],
    ["填报单位：某区工商联", None, None, None, None, "单位：万元", None],
    ["财政供养人员情况", "编制数", None, "2023年实际在职人数", None, "控制率", None],
    [None, 4, None, 3, None, 0.75, None],
    ["经费控制情况", "2022年决算数", None, "2023年预算数", None, "2023年决算数", None],
    ["三公经费", 0, None, 0.5, None, 0, None],
    ["  1、公务用车购置和维护经费", None, None, None, None, None, None],
    ["      其中：公车购置", None, None, None, None, None, None],
    ["            公车运行维护", None, None, None, None, None, None],
    ["  2、出国经费", None, None, None, None, None, None],
    ["  3、公务接待", 0, None, 0.5, None, 0, None],
    ["项目支出：", None, None, None, None, None, None],
    ["  1、业务工作专项", None, None, None, None, None, None],
    ["  2、运行维护专项", None, None, None, None, None, None],
    ["  3、……", None, None, None, None, None, None],
    ["公用经费", 20.87, None, 6.82, None, 36.04, None],
    ["  其中：办公费", 2.86, None, 1.5, None, 2.64, None],
    ["        水费、电费、差旅费", None, None, None, None, None, None],
    ["        会议费、培训费", None, None, None, None, None, None],
    ["政府采购金额", "—", None, None, None, None, None],
    ["部门基本支出预算调整", "—", None, None, None, "—", None],
    ["楼堂馆所控制情况（2023年完工项目）", "批复规模（㎡）", "实际规模（㎡）", "规模控制率",
     "预算投资（万元）", "实际投资（万元）", "投资概算控制率"],
    ["无", 0, 0, None, 0, 0, None],
    ["厉行节约保障措施", "严格执行中央八项规定", None, None, None, None, None],
    ["说明：“项目支出”需要填报除基本支出以外的所有项目情况，包括公共财政预算和政府性基金预算；"
     "“公用经费”填报基本支出中的一般商品和服务支出。", None, None, None, None, None, None],
]  # fmt: skip
NATIONAL_MERGES = (
    "A1:G1", "A2:E2", "F2:G2", "A3:A4", "B3:C3", "D3:E3", "F3:G3", "B4:C4", "D4:E4", "F4:G4",
    *(f"{c1}{r}:{c2}{r}" for r in range(5, 22) for c1, c2 in (("B", "C"), ("D", "E"), ("F", "G"))),
    "B24:G24", "A25:G25",
)  # fmt: skip


def test_the_national_layout_laid_out_by_hand_reads_back_as_its_json(tmp_path):
    book = workbook(tmp_path, NATIONAL_ROWS, NATIONAL_MERGES)
    ws = read_grid(book).sheets[0]
    assert looks_like_basic_table(ws)
    data, cells = read_paper_basic_sheet(ws)
    assert data == basic_table()
    assert cells["基础数据.公用经费.本年决算数"] == Cell(
        "基础数据", 16, 6
    )  # F16 of B:C | D:E | F:G
    assert cells["人员.控制率"] == Cell("基础数据", 4, 6)
    assert cells["楼堂馆所[1].实际投资"] == Cell("基础数据", 23, 6)


def test_our_template_without_its_names_reads_back_as_its_json(tmp_path):
    """A filled 基础数据表 copied into another workbook loses its defined names: the paper
    reader reads it like any other sheet (indentation with full-width spaces, "其中：")."""
    source = tmp_path / "b.json"
    source.write_text(json.dumps(basic_table(), ensure_ascii=False), "utf-8")
    assert main(["import", str(source), "-o", str(tmp_path / "b.xlsm")]) == 0
    ws = read_grid(tmp_path / "b.xlsm")["基础数据表"]
    ws.names.clear()
    assert looks_like_basic_table(ws)
    assert read_paper_basic_sheet(ws)[0] == basic_table()


# ---- labels and amounts as clerks type them ---------------------------------------------------

TYPED_ROWS: list[list[Any]] = [
    ["部 门 整 体 支 出 绩 效 评 价\n基 础 数 据 表（2023年度）", None, None, None],
    ["预算单位名称：", "某区工商联", None, "金额单位：万元"],
    ["财政供养\n人员情况", "编 制 数", "本年实际\n在职人数", "在职人员\n控制率"],
    ["人数", "４", "3人", "75.00%"],
    ["经费控制情况（万元）", "上年\n决算数", "本年\n预算数", "本年\n决算数"],
    ["“三公”经费", "0.00", "0.50", "0"],
    ["其中：公务接待费", 0, "0.5万元", "—"],
    ["公用经费（合计）", "20.87", "6.82.", "36.04"],
    ["其中：办公费", "2.86", "1.50", "2,64"],
]


def test_labels_and_amounts_as_clerks_type_them():
    data, _cells = read_paper_basic_sheet(sheet(TYPED_ROWS))
    assert data["单位名称"] == "某区工商联" and data["年度"] == 2023
    assert data["人员"] == {"编制数": 4, "实际在职人数": 3, "控制率": "75.00%"}
    assert data["经费"] == [
        {"名称": "三公经费", "上年决算数": 0.0, "本年预算数": 0.5, "本年决算数": 0},
        {"名称": "公务接待费", "上级": "三公经费", "上年决算数": 0, "本年预算数": 0.5},
        {"名称": "公用经费", "上年决算数": 20.87, "本年预算数": 6.82, "本年决算数": 36.04},
        # "2,64": a comma is not a thousands separator here, so the text stays as typed
        {"名称": "办公费", "上级": "公用经费", "上年决算数": 2.86, "本年预算数": 1.5, "本年决算数": "2,64"},
    ]  # fmt: skip


# ---- the outline: 上级 from numbering, 其中 lists, indentation, known names --------------------


def _parents(rows: list[list[Any]]) -> dict[str, str | None]:
    head = [["经费控制情况", "上年决算数", "本年预算数", "本年决算数"]]
    data, _cells = read_paper_basic_sheet(sheet(head + rows))
    return {r["名称"]: r.get("上级") for r in data["经费"]}


def test_parents_from_chinese_and_bracketed_numbering():
    rows = [
        ["一、三公经费", 3, 3, 3],
        ["（一）公务用车购置及运行维护费", 2, 2, 2],
        ["1.公务用车购置", 1, 1, 1],
        ["2.公务用车运行维护费", 1, 1, 1],
        ["（二）因公出国（境）费", 0, 0, 0],
        ["（三）公务接待费", 1, 1, 1],
        ["二、公用经费", 9, 9, 9],
        ["①办公费", 2, 2, 2],
        ["②差旅费", 3, 3, 3],
        ["三、政府采购金额", 5, 5, 5],
    ]
    assert _parents(rows) == {
        "三公经费": None,
        "公务用车购置及运行维护费": "三公经费",
        "公务用车购置": "公务用车购置及运行维护费",
        "公务用车运行维护费": "公务用车购置及运行维护费",
        "因公出国费": "三公经费",  # "（境）" is a note
        "公务接待费": "三公经费",
        "公用经费": None,
        "办公费": "公用经费",
        "差旅费": "公用经费",
        "政府采购金额": None,
    }


def test_parents_from_indentation():
    rows = [
        ["三公经费", 3, 3, 3],
        ["\u3000公务用车购置和维护经费", 2, 2, 2],
        ["\u3000\u3000其中：公车购置", 1, 1, 1],
        ["\u3000\u3000其中：公车运行维护", 1, 1, 1],
        ["\u3000公务接待", 1, 1, 1],
        ["项目支出", 50, 50, 50],
        ["\u3000业务工作经费", 50, 50, 50],
        ["年末结转结余", 1, 1, 1],
    ]
    assert _parents(rows) == {
        "三公经费": None,
        "公务用车购置和维护经费": "三公经费",
        "公车购置": "公务用车购置和维护经费",
        "公车运行维护": "公务用车购置和维护经费",
        "公务接待": "三公经费",
        "项目支出": None,
        "业务工作经费": "项目支出",
        "年末结转结余": None,
    }


def test_parents_of_a_flat_table_from_what_the_rows_are():
    rows = [
        ["三公经费合计", 3, 3, 3],
        ["公务用车购置及运行费", 2, 2, 2],
        ["公务用车购置费", 1, 1, 1],
        ["公务用车运行维护费", 1, 1, 1],
        ["因公出国(境)费", 0, 0, 0],
        ["公务接待费", 1, 1, 1],
        ["政府采购金额", 5, 5, 5],
    ]
    assert _parents(rows) == {
        "三公经费": None,  # its standard name: the checks look it up
        "公务用车购置及运行费": "三公经费",
        "公务用车购置费": "公务用车购置及运行费",
        "公务用车运行维护费": "公务用车购置及运行费",
        "因公出国费": "三公经费",
        "公务接待费": "三公经费",
        "政府采购金额": None,
    }


def test_a_label_printed_twice_is_named_by_its_parent():
    rows = [
        ["项目支出", 9, 9, 9],
        ["1、其他", 4, 4, 4],
        ["公用经费", 9, 9, 9],
        ["其中：其他", 1, 1, 1],
    ]
    assert _parents(rows) == {
        "项目支出": None,
        "其他": "项目支出",
        "公用经费": None,
        "其他（公用经费）": "公用经费",
    }


def test_staff_headings_down_a_column():
    rows = [
        ["财政供养人员情况", None],
        ["编制数", 12],
        ["实际在职人数", 13],
        ["控制率", "108.33%"],
        ["经费控制情况", "上年决算数", "本年预算数", "本年决算数"],
        ["三公经费", 1, 1, 1],
    ]
    data, cells = read_paper_basic_sheet(sheet(rows))
    assert data["人员"] == {"编制数": 12, "实际在职人数": 13, "控制率": "108.33%"}
    assert cells["人员.实际在职人数"] == Cell("Sheet1", 3, 2)


# ---- findings name the user's cells ---------------------------------------------------------


def test_findings_point_at_the_cells_of_a_table_anywhere_on_the_sheet():
    """The table starts at C4 (its rows 4–13); it prints a wrong 控制率, a 三公经费 that its
    parts do not add up to, a part above its parent, a #DIV/0! and a 决算 far from its 预算."""
    table = [
        ["部门整体支出绩效评价基础数据表", None, None, None],
        ["单位名称：某区工商联", None, None, "2023年度"],
        ["财政供养人员情况", "编制数", "实际在职人数", "控制率"],
        [None, 4, 3, "100%"],
        ["经费控制情况", "上年决算数", "本年预算数", "本年决算数"],
        ["三公经费", 0, 0.8, 0],
        ["其中：公务接待", 0, 0.5, 0],
        ["公用经费", 20.87, 6.82, 36.04],
        ["其中：办公费", 2.86, 1.5, 40],
        ["会议费、培训费", 1, "#DIV/0!", 1],
    ]
    rows = [[None] * 6 for _ in range(3)] + [[None, None, *row] for row in table]
    form = read_paper_basic(sheet(rows, ("C6:C7",)), "x.xlsx")
    found = {(f.code, f.field): f.cell for f in check_form(form, load_profile())}
    assert found[("S12", "人员.控制率")] == "F7"  # 3 ÷ 4 is 75%, not 100%
    assert found[("S11", "基础数据.三公经费.本年预算数")] == "E9"  # 0.8 ≠ 0.5
    assert found[("S11", "基础数据.办公费.本年决算数")] == "F12"  # 40 > 36.04
    assert found[("Q09", "基础数据.会议费、培训费.本年预算数")] == "E13"
    assert found[("D04", "基础数据.公用经费.本年决算数")] == "F11"
    assert form.sheet_layout is not None and form.sheet_layout.sheet == "Sheet1"
    assert not [f for f in check_form(form, load_profile()) if f.code == "W01"]


def test_validate_marks_the_users_cells_in_the_written_copy(tmp_path, capsys):
    rows = copy.deepcopy(NATIONAL_ROWS)
    rows[5][3] = 0.8  # 三公经费 本年预算数 0.8, its only part 公务接待 0.5
    book = workbook(tmp_path, rows, NATIONAL_MERGES)
    rc, report = validate(book, capsys)
    s11 = [f for f in report["findings"] if f["code"] == "S11"]
    assert [(f["sheet"], f["cell"]) for f in s11] == [("基础数据", "D6")]
    assert rc == 1
    marked = load_workbook(report["output"])["基础数据"]
    assert marked["D6"].comment is not None and "三公经费" in marked["D6"].comment.text


# ---- where the reader applies -----------------------------------------------------------------


def test_a_basic_table_beside_other_sheets_is_read_and_the_others_are_left_alone():
    book = BookGrid(
        "x.xlsx", [sheet(NATIONAL_ROWS, NATIONAL_MERGES, "附表1"), sheet([["备注"]], (), "说明")]
    )
    contents = read_forms(book)
    assert [f.form_type for f in contents.forms] == [BASIC]
    assert contents.forms[0].data == basic_table()
    assert [s for s, _why in contents.skipped] == ["说明"]


def test_a_printed_blank_table_is_not_yet_filled_in():
    rows = [
        [v if not isinstance(v, int | float) or isinstance(v, bool) else None for v in row]
        for row in NATIONAL_ROWS
    ]
    rows[1][0] = "填报单位："
    rows[22][0] = None
    rows[23][1] = None
    contents = read_forms(
        BookGrid("x.xlsx", [sheet(rows, NATIONAL_MERGES, "附表1"), sheet(TYPED_ROWS)])
    )
    assert ("附表1", "尚未填写") in contents.skipped


def test_a_sheet_titled_basic_table_without_its_headings_says_what_was_looked_for():
    ws = sheet([["部门整体支出绩效评价基础数据表"], ["（另见附件）"]], title="附表")
    assert looks_like_basic_table(ws)
    with pytest.raises(InputError) as e:
        read_paper_basic(ws, "x.xlsx")
    assert "x.xlsx" in str(e.value) and "附表" in str(e.value) and "编制数" in str(e.value)


SELF_EVAL_FORMS = [
    p.name
    for p in build.all_forms()
    if build.load(p.name)["form_type"] != "部门整体支出绩效评价基础数据表"
]


@pytest.mark.parametrize("name", SELF_EVAL_FORMS)
def test_self_evaluation_forms_are_not_taken_for_basic_tables(name, tmp_path):
    form = build.load(name)
    ws = read_grid(build.to_xlsx(form, tmp_path / "f.xlsx")).sheets[0]
    assert not looks_like_basic_table(ws)
