"""Headless recalculation: LibreOffice computes every formula, ours served by Python."""

from __future__ import annotations

import json
import math
import os
import signal
from pathlib import Path

import openpyxl
import pytest
from support import (
    EXAMPLE_FILES,
    EXAMPLES,
    clerks_form,
    close,
    engine_figures,
    parts,
    without_cached_values,
)
from test_checks import basic_table

import jixiao.udfs
from jixiao.app.recalc import recalculate
from jixiao.cli import main
from jixiao.core.assess import readings
from jixiao.core.interchange import form_from_data
from jixiao.core.layout import NATIONAL, WHOLE, sheet_layout
from jixiao.core.profile import load_profile
from jixiao.hosts import libreoffice
from jixiao.hosts.libreoffice import Engine
from jixiao.templates.formulas import indicator_columns


def imported(data: dict, tmp_path: Path, name: str = "book.xlsm") -> Path:
    src = tmp_path / (name + ".json")
    src.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    book = tmp_path / name
    assert main(["import", str(src), "-o", str(book)]) == 0
    return book


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.name)
def test_recalculated_values_equal_the_rule_engine_cell_by_cell(
    example, tmp_path, libreoffice_functions
):
    data = clerks_form(json.loads(example.read_text("utf-8")))
    book = imported(data, tmp_path)
    out = tmp_path / "out.xlsm"
    report = recalculate(book, out, libreoffice_functions)
    assert report.cells > 100
    form = form_from_data(data, "f")
    profile = load_profile()
    lay = form.sheet_layout
    ws = openpyxl.load_workbook(out, data_only=True)[lay.sheet]
    expected = engine_figures(form)
    for field, value in expected.items():
        assert close(ws[lay.cells[field].address].value, value), field
    cols = indicator_columns(form.layout, lay.width)
    for r in readings(form, profile):
        row = lay.rows["绩效指标"] + r.indicator.index - 1
        assert close(ws[f"{cols.completion}{row}"].value, r.completion)
        assert close(ws[f"{cols.deviation}{row}"].value, r.deviation)
        assert close(ws[f"{cols.reference}{row}"].value, r.reference_score)


def test_basic_data_table_ratios(tmp_path, libreoffice_functions):
    data = basic_table()
    data["人员"].pop("控制率")
    book = imported(data, tmp_path)
    out = tmp_path / "out.xlsm"
    recalculate(book, out, libreoffice_functions)
    ws = openpyxl.load_workbook(out, data_only=True)["基础数据表"]
    assert ws["D5"].value == 0.75  # 3 of 4 staff
    rows = {ws.cell(r, 1).value.strip("　").removeprefix("其中："): r for r in range(7, 24)}
    assert math.isclose(ws[f"E{rows['公用经费']}"].value, 36.04 / 6.82)  # 控制率 决算 ÷ 预算
    assert math.isclose(ws[f"F{rows['公用经费']}"].value, (36.04 - 20.87) / 20.87)  # 较上年


def test_the_python_functions_answer_where_the_native_formula_cannot(
    tmp_path, libreoffice, libreoffice_functions
):
    # "一年以内" (Chinese numeral) is beyond the native reading: only jixiao.udfs reads it
    data = clerks_form(json.loads((EXAMPLES / "shifeng-2020-project.json").read_text("utf-8")))
    data["绩效指标"][2].update(指标值="一年以内", 实际完成值="1年")
    book = imported(data, tmp_path)
    out = tmp_path / "out.xlsm"
    recalculate(book, out, libreoffice_functions)
    ws = openpyxl.load_workbook(out, data_only=True)["项目支出表"]
    assert ws["I18"].value == 1 and ws["K18"].value == 10  # 完成率 100%, 参考得分 10
    # without jixiao the same cells stay blank (never a wrong value)
    with libreoffice.open(book) as doc:
        doc.recalculate()
        assert doc.cell("项目支出表", "K18").value == ""


def test_only_the_cached_values_change(tmp_path, libreoffice_functions):
    book = imported(clerks_form(json.loads(EXAMPLE_FILES[0].read_text("utf-8"))), tmp_path)
    out = tmp_path / "out.xlsm"
    recalculate(book, out, libreoffice_functions)
    before, after = parts(book), parts(out)
    assert sorted(before) == sorted(after)
    for name in before:
        if name.startswith("xl/worksheets/sheet"):
            assert without_cached_values(after[name]) == without_cached_values(before[name]), name
        else:
            assert after[name] == before[name], name  # VBA, styles, names, drawings …


def test_recalc_command_writes_a_copy_unless_in_place(tmp_path, capsys):
    book = imported(clerks_form(json.loads(EXAMPLE_FILES[1].read_text("utf-8"))), tmp_path)
    original = book.read_bytes()
    assert main(["recalc", str(book)]) == 0
    assert book.read_bytes() == original
    done = tmp_path / "book_重算.xlsm"
    total = sheet_layout(WHOLE, NATIONAL).cells["总分.得分"].address
    assert openpyxl.load_workbook(done, data_only=True)["整体支出表"][total].value == 107
    assert main(["recalc", str(book), "--in-place"]) == 0
    assert book.read_bytes() != original


def test_without_libreoffice_recalc_says_how_to_install_and_the_rest_works(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(libreoffice, "soffice_path", lambda: None)
    book = imported(clerks_form(json.loads(EXAMPLE_FILES[2].read_text("utf-8"))), tmp_path)
    assert main(["recalc", str(book)]) == 2
    assert "apt-get install libreoffice-calc-nogui" in capsys.readouterr().err
    assert main(["validate", str(book)]) in (0, 1)


def test_a_crashed_engine_or_a_stale_lock_does_not_hang(tmp_path):
    signal.alarm(120)  # a hang fails the test instead of the run
    try:
        book = imported(clerks_form(json.loads(EXAMPLE_FILES[3].read_text("utf-8"))), tmp_path)
        (tmp_path / f".~lock.{book.name}#").write_text("someone,else,host,01.01.2026 00:00,\n")
        engine = Engine()
        os.killpg(engine._proc.pid, signal.SIGKILL)  # the engine dies
        engine._proc.wait(timeout=30)
        with pytest.raises(Exception):  # noqa: B017  whatever UNO raises, it must raise, not hang
            recalculate(book, tmp_path / "x.xlsm", engine)
        engine.close()
        with Engine() as fresh:  # a fresh engine, despite the lock file
            fresh.serve_functions(jixiao.udfs)
            report = recalculate(book, tmp_path / "y.xlsm", fresh)
        assert report.cells > 0
    finally:
        signal.alarm(0)
