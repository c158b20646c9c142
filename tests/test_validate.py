"""校验 in the workbook, headless: findings in the cells and on 校验结果, nothing lost, exact clear."""

from __future__ import annotations

import json
import re as _re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from support import (
    EXAMPLE_FILES,
    EXAMPLES,
    close,
    computed_cells,
    findings_for,
    load_example,
    new_unit_workbook,
    parts,
    same_but_cached_values,
)
from test_examples import EXPECTED
from test_paper_layout import CASES, build

from jixiao.app.marks import MARKER
from jixiao.cli import main
from jixiao.core.interchange import form_from_data, read_form
from jixiao.templates.fill import fill_workbook

# Parts a validate run may change; everything else must stay byte for byte.
MAY_CHANGE = (
    "xl/worksheets/sheet", "xl/worksheets/_rels/", "xl/styles.xml", "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels", "xl/drawings/vmlDrawing", "[Content_Types].xml",
    "xl/comments_jixiao", "xl/worksheets/jixiao_results.xml",
)  # fmt: skip


def imported(example: Path, tmp_path: Path) -> Path:
    book = tmp_path / "book.xlsm"
    assert main(["import", str(example), "-o", str(book)]) == 0
    return book


def run_json(args: list[str], capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.name)
def test_validated_workbook_shows_the_examples_findings_in_the_right_cells(
    example, tmp_path, capsys
):
    book = imported(example, tmp_path)
    before = book.read_bytes()
    out = tmp_path / "marked.xlsm"
    code, report = run_json(["validate", str(book), "-o", str(out)], capsys)
    assert book.read_bytes() == before  # the input is never changed without --in-place
    found = {(f["code"], f["field"]): f for f in report["findings"]}
    expected = set(EXPECTED[example.name])
    # shifeng-2020-whole: the submitted totals (100, 97) replaced the template's formulas
    # (110, 107); S04 and S05 name the right figures there, so no Q08 beside them
    assert set(found) == expected
    # the same cells as the JSON findings, which name our template's cells
    json_cells = {(f.code, f.field): f.cell for f in findings_for(load_example(example.name))}
    for key, cell in json_cells.items():
        assert found[key]["cell"] == cell
    assert code == (1 if any(f["severity"] == "错误" for f in report["findings"]) else 0)

    wb = openpyxl.load_workbook(out, keep_vba=True)
    results = wb["校验结果"]
    rows = [[c.value for c in r] for r in results.iter_rows(min_row=4, max_col=5)]
    assert len(rows) == len(report["findings"])
    assert {(r[1], r[2], r[3]) for r in rows} == {
        (f["code"], f["sheet"], f["cell"]) for f in report["findings"]
    }
    counts = report["summary"]
    assert results["A2"].value.startswith(
        f"共 {len(rows)} 条（错误 {counts['错误']}，警告 {counts['警告']}，提示 {counts['提示']}）"
    )
    assert results["A2"].value.endswith("存在错误，不可提交" if counts["错误"] else "可以提交")
    link = results["D4"].hyperlink
    assert link.location == f"'{rows[0][2]}'!{rows[0][3]}"
    for f in report["findings"]:
        note = wb[f["sheet"]][f["cell"]].comment
        assert note is not None and note.author == "jixiao 校验" and f["message"] in note.text


def test_marks_carry_the_severity_colour(tmp_path, capsys):
    book = imported(EXAMPLES / "shifeng-2020-whole.json", tmp_path)
    out = tmp_path / "marked.xlsm"
    main(["validate", str(book), "-o", str(out)])
    ws = openpyxl.load_workbook(out, keep_vba=True)["整体支出表"]
    ours = {
        str(cf.sqref): r
        for cf in ws.conditional_formatting
        for r in cf.rules
        if r.formula == [MARKER]
    }
    by_cell = {cell: rule for sq, rule in ours.items() for cell in sq.split()}
    fills = {cell: rule.dxf.fill.bgColor.rgb for cell, rule in by_cell.items()}
    assert fills["G47"] == "FFFFC7CE"  # 错误: red
    assert fills["D22"] == "FFFFD966"  # 警告 Q02: orange
    assert fills["G20"] == "FFBDD7EE"  # 提示 S10: blue


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.name)
def test_clear_gives_back_every_part_as_before(example, tmp_path):
    book = imported(example, tmp_path)
    marked, cleared = tmp_path / "marked.xlsm", tmp_path / "cleared.xlsm"
    main(["validate", str(book), "-o", str(marked)])
    original, after = parts(book), parts(marked)
    changed = [n for n in after if original.get(n) != after[n]]
    assert changed and all(n.startswith(MAY_CHANGE) for n in changed), changed
    # VBA, buttons' drawing shapes, names, validation, formats, protection live in parts
    # validate does not touch, or in parts whose other content stays (checked by the clear below)
    assert after["xl/vbaProject.bin"] == original["xl/vbaProject.bin"]
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    assert parts(cleared) == original


def test_validate_again_replaces_the_previous_result(tmp_path):
    book = imported(EXAMPLES / "zhaohua-2024-p1.json", tmp_path)
    once, twice = tmp_path / "once.xlsm", tmp_path / "twice.xlsm"
    main(["validate", str(book), "-o", str(once)])
    main(["validate", str(once), "-o", str(twice)])
    assert parts(twice) == parts(once)


def test_in_place_writes_the_input_and_clear_in_place_restores_it(tmp_path):
    book = imported(EXAMPLES / "zhaohua-2024-p4.json", tmp_path)
    original = parts(book)
    main(["validate", str(book), "--in-place"])
    assert parts(book) != original
    main(["clear", str(book), "--in-place"])
    assert parts(book) == original


def test_the_users_own_notes_and_fills_stay(tmp_path):
    book = imported(EXAMPLES / "shifeng-2020-whole.json", tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb["整体支出表"]
    ws["G47"].comment = openpyxl.comments.Comment(
        "总分已请示领导", "张会计"
    )  # a cell jixiao will flag
    ws["C3"].comment = openpyxl.comments.Comment("单位全称", "张会计")
    ws["C3"].fill = openpyxl.styles.PatternFill("solid", fgColor="FF00B050")
    wb.save(book)
    original = parts(book)
    marked, cleared = tmp_path / "m.xlsm", tmp_path / "c.xlsm"
    main(["validate", str(book), "-o", str(marked)])
    ws = openpyxl.load_workbook(marked, keep_vba=True)["整体支出表"]
    assert ws["G47"].comment.text == "总分已请示领导" and ws["G47"].comment.author == "张会计"
    assert ws["C3"].comment.text == "单位全称" and ws["C3"].fill.fgColor.rgb == "FF00B050"
    assert ws["G20"].comment.author == "jixiao 校验"
    main(["clear", str(marked), "-o", str(cleared)])
    # openpyxl dropped the cached values; 校验 wrote the computed ones, and they stay
    assert same_but_cached_values(parts(cleared), original)
    assert parts(cleared) != original
    form = read_form(EXAMPLES / "shifeng-2020-whole.json")
    shown = openpyxl.load_workbook(cleared, data_only=True)["整体支出表"]
    formulas = openpyxl.load_workbook(cleared)["整体支出表"]
    expected = {a: v for a, v in computed_cells(form).items() if formulas[a].data_type == "f"}
    assert len(expected) > 20  # the clerk's own 总分 (a value) is left out
    assert all(close(shown[a].value, v) for a, v in expected.items())


def test_unit_workbook_checks_across_its_sheets(tmp_path, capsys):

    book = tmp_path / "unit.xlsm"
    new_unit_workbook(book, 2)
    whole, project = (
        load_example("shifeng-2020-whole.json"),
        load_example("shifeng-2020-project.json"),
    )
    other_year = dict(project, 年度=2019)  # one sheet says another year
    fill_workbook(form_from_data(whole, "w"), book, book, sheet="整体支出表")
    fill_workbook(form_from_data(project, "p"), book, book, sheet="项目1")
    fill_workbook(form_from_data(other_year, "p2"), book, book, sheet="项目2")
    code, report = run_json(["validate", str(book), "-o", str(tmp_path / "o.xlsm")], capsys)
    on = {(f["sheet"], f["code"], f["field"]) for f in report["findings"]}
    assert code == 1  # the whole form's 总分 is an 错误
    assert ("项目2", "X02", "年度") in on and ("项目1", "X02", "年度") not in on
    # each sheet also gets its own form's findings
    assert {(c, f) for s, c, f in on if s == "项目1"} == EXPECTED["shifeng-2020-project.json"]
    assert ("整体支出表", "S05", "总分.得分") in on
    # the basic data table was left blank: skipped and said so, not a page of W01…W08
    assert report["skipped"] == [{"sheet": "基础数据表", "reason": "尚未填写"}]
    assert not any(s == "基础数据表" for s, _, _ in on)


def test_default_output_name_and_no_overwrite_of_the_input(tmp_path, capsys):
    book = imported(EXAMPLES / "zhaohua-2024-p1.json", tmp_path)
    assert main(["validate", str(book)]) == 0
    assert (tmp_path / "book_校验.xlsm").exists()
    assert main(["validate", str(book), "-o", str(book)]) == 2
    assert "--in-place" in capsys.readouterr().err


# ---- workbooks not made from our templates -----------------------------------------------


@pytest.mark.parametrize("case", range(8), ids=lambda k: f"case{k}")
def test_hand_made_paper_layout_workbook_validates_like_its_json(case, tmp_path, capsys):

    name, variant = CASES[case]
    _, _, cells = build(tmp_path, name, variant)  # saved as tmp_path/<example>.xlsx
    book = tmp_path / f"{Path(name).stem}.xlsx"
    original = parts(book)
    out = tmp_path / "marked.xlsx"
    _, report = run_json(["validate", str(book), "-o", str(out)], capsys)
    found = {(f["code"], f["field"]) for f in report["findings"]}
    assert found == EXPECTED[name]
    for f in report["findings"]:
        assert f["sheet"] == "自评表"  # the user's sheet, not our template's
        if f["field"] in cells:
            assert f["cell"] == cells[f["field"]].address
    main(["clear", str(out), "-o", str(tmp_path / "cleared.xlsx")])
    assert parts(tmp_path / "cleared.xlsx") == original


def test_unit_workbook_with_many_projects_keeps_every_button_through_fill_and_validate(
    tmp_path, capsys
):
    # openpyxl keeps only vmlDrawing<one digit>.vml on a keep_vba save: sheets 10+ lost their buttons

    book = tmp_path / "unit.xlsm"
    new_unit_workbook(book, 12)
    before = {n for n in parts(book) if n.endswith(".vml")}
    fill_workbook(read_form(EXAMPLES / "shifeng-2020-project.json"), book, book, sheet="项目12")
    assert {n for n in parts(book) if n.endswith(".vml")} == before
    marked, cleared = tmp_path / "m.xlsm", tmp_path / "c.xlsm"
    assert main(["validate", str(book), "-o", str(marked)]) in (0, 1)
    # the workbook's own 校验结果 sheet is filled, not a second one added
    results = openpyxl.load_workbook(marked)
    assert results.sheetnames.count("校验结果") == 1 and "jixiao校验结果" not in results.sheetnames
    assert results["校验结果"]["A2"].value.startswith("共 ")
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    # fill_workbook without functions left no cached values; 校验's computed ones stay
    assert same_but_cached_values(parts(cleared), parts(book))


def test_error_shown_by_an_intact_formula_is_reported(tmp_path, capsys):
    # Excel saves each formula's last result; a 执行率 formula showing #DIV/0! is a Q09

    data = load_example("zhaohua-2024-p1.json")
    del data["预算执行"]["执行率"]  # leave the template's formula in G7
    src = tmp_path / "f.json"
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    book = tmp_path / "book.xlsm"
    main(["import", str(src), "-o", str(book)])
    members = parts(book)
    sheet = "xl/worksheets/sheet1.xml"
    xml = members[sheet].decode("utf-8")
    xml, n = _re.subn(
        r'<c r="G7"([^>]*)><f>(.*?)</f>(<v>.*?</v>|<v\s*/>)?</c>',
        r'<c r="G7"\1 t="e"><f>\2</f><v>#DIV/0!</v></c>',
        xml,
    )
    assert n == 1
    members[sheet] = xml.encode("utf-8")
    with zipfile.ZipFile(book, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    _, report = run_json(["validate", str(book), "-o", str(tmp_path / "o.xlsm")], capsys)
    q09 = [f for f in report["findings"] if f["code"] == "Q09"]
    assert [(f["cell"], f["value"]) for f in q09] == [("G7", "#DIV/0!")]
    assert not [f for f in report["findings"] if f["code"] == "Q08"]  # the formula is still there


def test_a_drawing_part_in_another_encoding_comes_back_byte_for_byte(tmp_path):
    # VML written by older tools may be in a legacy code page: it must not be re-encoded
    book = imported(EXAMPLES / "shifeng-2020-whole.json", tmp_path)
    members = parts(book)
    vml = "xl/drawings/vmlDrawing1.vml"
    body = members[vml].replace(b"</xml>", b"<!-- caf\xe9 --></xml>")
    members[vml] = b'<?xml version="1.0" encoding="windows-1252"?>\n' + body
    with zipfile.ZipFile(book, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    marked, cleared = tmp_path / "m.xlsm", tmp_path / "c.xlsm"
    main(["validate", str(book), "-o", str(marked)])
    assert b"<!-- caf\xe9 -->" in parts(marked)[vml]  # the user's bytes are still there
    main(["clear", str(marked), "-o", str(cleared)])
    assert parts(cleared) == members


def test_results_sheet_prints_one_page_wide_as_long_as_needed(tmp_path):
    standalone = imported(EXAMPLES / "shifeng-2020-whole.json", tmp_path)  # 校验结果 added
    unit = tmp_path / "unit.xlsm"
    new_unit_workbook(unit, 1)  # the template's own 校验结果, refilled

    fill_workbook(read_form(EXAMPLES / "shifeng-2020-project.json"), unit, unit, sheet="项目1")
    for book in (standalone, unit):
        out = tmp_path / f"{book.stem}_o.xlsm"
        main(["validate", str(book), "-o", str(out)])
        ws = openpyxl.load_workbook(out)["校验结果"]
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0


def test_clear_removes_what_the_record_lists_whoever_wrote_it_and_nothing_else(tmp_path):
    """清除标记 finds our notes by the 校验结果 record, not by author or by how they start:
    notes 校验 wrote in Excel (under the user's name) go; a user's note that merely looks
    like ours ("【错误 S05】…") stays."""
    book = imported(EXAMPLES / "shifeng-2020-whole.json", tmp_path)
    marked = tmp_path / "v.xlsm"
    main(["validate", str(book), "-o", str(marked)])
    mine = "【错误 S05】总分我已和财政局核对过，先这样报"
    wb = openpyxl.load_workbook(marked, keep_vba=True)
    ws = wb["整体支出表"]
    ours = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    assert ours  # 校验 wrote notes
    wb.close()
    # As Excel would save it: our notes under the Excel user's name; and a user's own note.
    data = parts(marked)
    comments = next(n for n in data if n.startswith("xl/comments") and b"jixiao" in data[n])
    data[comments] = data[comments].replace("jixiao 校验".encode(), "张会计".encode())
    with zipfile.ZipFile(marked, "w") as z:
        for name, blob in data.items():
            z.writestr(name, blob)
    wb = openpyxl.load_workbook(marked, keep_vba=True)
    wb["整体支出表"]["A2"].comment = openpyxl.comments.Comment(mine, "张会计")
    wb.save(marked)
    cleared = tmp_path / "c.xlsm"
    assert main(["clear", str(marked), "-o", str(cleared)]) == 0
    ws = openpyxl.load_workbook(cleared, keep_vba=True)["整体支出表"]
    left = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    assert left == {"A2": mine}
