"""Examples imported into their templates compute, in LibreOffice, what the rule engine computes."""

from __future__ import annotations

import json
import os
import re
import stat
from importlib import resources
from pathlib import Path

import openpyxl
import pytest
from support import (
    EXAMPLE_FILES,
    EXAMPLES,
    clerks_form,
    close,
    engine_figures,
    new_unit_workbook,
)

from jixiao.cli import main
from jixiao.core.assess import readings
from jixiao.core.interchange import form_from_data
from jixiao.core.layout import INDICATOR_COLUMNS, INDICATOR_ROWS
from jixiao.core.profile import load_profile
from jixiao.templates.builder import template_for
from jixiao.templates.fill import fill_workbook
from jixiao.templates.formulas import indicator_columns

TEMPLATES = resources.files("jixiao.xlsx_templates")


def imported(data: dict, tmp_path: Path, name: str = "form.xlsm") -> tuple[Path, object]:
    form = form_from_data(data, name)
    out = tmp_path / name
    with resources.as_file(TEMPLATES.joinpath(template_for(form).file)) as template:
        fill_workbook(form, template, out)
    return out, form


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_computes_in_libreoffice_what_the_engine_computes(path, tmp_path, libreoffice):
    data = clerks_form(json.loads(path.read_text("utf-8")))
    book, form = imported(data, tmp_path)
    profile = load_profile()
    lay = form.sheet_layout
    expected = engine_figures(form)
    cols = indicator_columns(form.layout, lay.width)
    with libreoffice.open(book) as doc:
        doc.recalculate()
        shown = {k: doc.cell(lay.sheet, lay.cells[k].address).value for k in expected}
        per_row = []
        for r in readings(form, profile):
            row = lay.rows["绩效指标"] + r.indicator.index - 1
            per_row.append(
                (
                    (doc.cell(lay.sheet, f"{cols.reference}{row}").value, r.reference_score),
                    (doc.cell(lay.sheet, f"{cols.deviation}{row}").value, r.deviation),
                )
            )
    for key, value in expected.items():
        assert close(shown[key], value), (key, shown[key], value)
    for pairs in per_row:
        for got, want in pairs:
            assert close(got, want), (got, want)
    assert expected["总分.得分"] is not None


def test_submitted_values_stay_as_the_form_holds_them(tmp_path, libreoffice):
    # shifeng's form says 97 where 107 is due: the workbook shows what was submitted
    data = json.loads((EXAMPLES / "shifeng-2020-whole.json").read_text("utf-8"))
    book, form = imported(data, tmp_path)
    with libreoffice.open(book) as doc:
        doc.recalculate()
        assert (
            doc.cell(form.sheet_layout.sheet, form.sheet_layout.cells["总分.得分"].address).value
            == 97
        )


def flagged_rows(book: Path, form, tmp_path: Path, libreoffice) -> set[int]:
    """Evaluate the deviation flag's own conditional-format formula on every indicator row."""
    lay = form.sheet_layout
    actual_col = openpyxl.utils.get_column_letter(
        INDICATOR_COLUMNS[form.layout].index("实际完成值") + 1
    )
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb[lay.sheet]
    first = lay.rows["绩效指标"]
    (rule,) = [
        r
        for cf in ws.conditional_formatting
        if str(cf.sqref) == f"{actual_col}{first}:{actual_col}{first + INDICATOR_ROWS - 1}"
        for r in cf.rules
    ]
    condition = rule.formula[0]
    for k in range(INDICATOR_ROWS):
        # the rule is written for the range's first row; relative rows move with each row
        row = first + k
        ws[f"CZ{row}"] = "=" + re.sub(rf"\$([A-Z]+){first}\b", rf"$\g<1>{row}", condition)
    probe = tmp_path / "probe.xlsm"
    wb.save(probe)
    with libreoffice.open(probe) as doc:
        doc.recalculate()
        return {
            k + 1 for k in range(INDICATOR_ROWS) if doc.cell(lay.sheet, f"CZ{first + k}").value == 1
        }


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_no_deviation_flag_on_the_examples(path, tmp_path, libreoffice):
    data = json.loads(path.read_text("utf-8"))
    book, form = imported(data, tmp_path)
    # none of the real forms has a result more than 30% off its target
    assert flagged_rows(book, form, tmp_path, libreoffice) == set()


def test_deviation_flags_mark_exactly_the_rows_beyond_30_percent(tmp_path, libreoffice):
    data = json.loads((EXAMPLES / "zhaohua-2024-p1.json").read_text("utf-8"))
    data["绩效指标"][0]["实际完成值"] = 50  # ≥80 家 → 50: −37.5%
    data["绩效指标"][3]["实际完成值"] = 9  # ≥5 家 → 9: +80%, target set too low
    data["绩效指标"][4]["实际完成值"] = 10  # ≥12 → 10: −16.7%, within 30%
    book, form = imported(data, tmp_path)
    assert flagged_rows(book, form, tmp_path, libreoffice) == {1, 4}
    national = json.loads((EXAMPLES / "shifeng-2020-whole.json").read_text("utf-8"))
    national["绩效指标"][1]["实际完成值"] = "3次"  # 1次 → 3次: +200%
    book, form = imported(national, tmp_path, "whole.xlsm")
    assert flagged_rows(book, form, tmp_path, libreoffice) == {2}


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_import_then_export_gives_back_the_same_json(path, tmp_path, capsys):
    book = tmp_path / "book.xlsm"
    back = tmp_path / "back.json"
    assert main(["import", str(path), "-o", str(book)]) == 0
    assert main(["export", str(book), "-o", str(back)]) == 0
    assert back.read_text("utf-8").strip() == path.read_text("utf-8").strip()


def test_import_refuses_to_overwrite(tmp_path, capsys):
    book = tmp_path / "book.xlsm"
    book.write_bytes(b"mine")
    assert main(["import", str(EXAMPLE_FILES[0]), "-o", str(book)]) == 2
    assert "已存在" in capsys.readouterr().err and book.read_bytes() == b"mine"


def test_new_unit_workbook_with_projects_opens_and_calculates(tmp_path, libreoffice, capsys):
    out = tmp_path / "单位.xlsm"
    new_unit_workbook(out, 3)
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert wb.sheetnames[:5] == ["基础数据表", "整体支出表", "项目1", "项目2", "项目3"]
    assert wb["项目3"]["C3"].value == "石峰区工商业联合会" and wb["基础数据表"]["C2"].value == 2020
    with libreoffice.open(out) as doc:
        doc.recalculate()
        assert doc.cell("项目2", "F46").value == 10  # 总分 分值 starts at the budget's 10 points


def test_new_rejects_a_non_macro_file_name(tmp_path, capsys):
    assert (
        main(
            [
                "new",
                "--type",
                "项目",
                "--unit",
                "x",
                "--year",
                "2024",
                "-o",
                str(tmp_path / "a.xlsx"),
            ]
        )
        == 2
    )
    assert ".xlsm" in capsys.readouterr().err


def test_written_workbooks_are_readable_by_others_like_any_new_file(tmp_path, capsys):

    mask = os.umask(0o022)
    try:
        book = tmp_path / "b.xlsm"
        main(["import", str(EXAMPLE_FILES[0]), "-o", str(book)])
        assert stat.S_IMODE(book.stat().st_mode) == 0o644
    finally:
        os.umask(mask)
