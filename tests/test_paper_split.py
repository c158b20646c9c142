"""Several forms printed one after another on one sheet (forms.md §4), as a department sends
all its project forms: each is read and checked as it is alone, at the sheet's own cells."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from corpus import build
from openpyxl.utils import range_boundaries

from jixiao.cli.main import main
from jixiao.formats.xlsx_grid import sheet_grid
from jixiao.readers.paper_split import form_parts

LINXIANG = "11-yunnan-2023-linxiang-shourongsuo.json"  # national, 4 错误
LANGFANG = "05-hebei-2019-langfang-nuantong.json"  # national, S01 and S02
GAP = 2  # empty rows between two forms


def stacked(path: Path, names: list[str], between: list[Any] | None = None) -> list[int]:
    """The corpus forms one below another on one sheet; the row offset of each."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目自评"
    offsets, row = [], 0
    for k, name in enumerate(names):
        form = build.load(name)
        if k and between is not None:
            ws.cell(row + 1, 1, between[k - 1])
            row += 1
        offsets.append(row)
        for r, values in enumerate(form["rows"], 1):
            for c, value in enumerate(values, 1):
                if value is not None:
                    ws.cell(row + r, c, value)
        for ref in form.get("merges", []):
            c0, r0, c1, r1 = range_boundaries(ref)
            ws.merge_cells(start_row=r0 + row, start_column=c0, end_row=r1 + row, end_column=c1)
        row += len(form["rows"]) + GAP
    wb.save(path)
    return offsets


def check_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["check", str(path), "--json"]) in (0, 1)
    return json.loads(capsys.readouterr().out)


def moved(cell: str, rows: int) -> str:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", cell).groups()
    return f"{letters}{int(digits) + rows}"


def stacked_and_alone(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    names: list[str],
    between: list[Any] | None = None,
) -> tuple[dict[str, Any], list[tuple[dict[str, Any], int]]]:
    """``check --json`` of the forms stacked on one sheet, and of each form alone with the
    row offset it has on the stacked sheet."""
    offsets = stacked(tmp_path / "两张.xlsx", names, between)
    both = check_json(tmp_path / "两张.xlsx", capsys)
    alone = []
    for name, offset in zip(names, offsets, strict=True):
        single = tmp_path / f"{name[:2]}.xlsx"
        stacked(single, [name])
        alone.append((check_json(single, capsys), offset))
    return both, alone


def findings(report: dict[str, Any], rows: int = 0) -> list[tuple[str, str, str]]:
    return sorted(
        (f["code"], moved(f["cell"], rows), f["message"])
        for f in report["findings"]
        if not f["code"].startswith("X")  # between the forms of one workbook: see below
    )


@pytest.mark.parametrize("between", [None, ["附件2"]], ids=["plain", "attachment-line"])
def test_each_form_on_a_sheet_is_checked_as_it_is_alone(tmp_path, capsys, between) -> None:
    both, alone = stacked_and_alone(tmp_path, capsys, [LINXIANG, LANGFANG], between)
    assert [f["项目名称"] for f in both["forms"]] == [a["forms"][0]["项目名称"] for a, _ in alone]
    assert [f["单位名称"] for f in both["forms"]] == [a["forms"][0]["单位名称"] for a, _ in alone]
    assert findings(both) == sorted(x for a, k in alone for x in findings(a, k))
    # Two units on one sheet: the workbook's forms disagree on unit and year (X02).
    assert {f["code"] for f in both["findings"] if f["code"].startswith("X")} == {"X02"}


# Real forms cut off by their page: after the budget block (人大代表之家), before the
# indicators (上饶 司法), and a 部门整体 form second on the sheet (重庆).
CUT_OFF = [
    ("09-sichuan-2023-zitong-rendazhijia.json", "10-yunnan-2022-yongde-yingyang.json"),
    ("20-hubei-2021-xiangyang-dongjin.json", "21-jiangxi-2021-shangrao-sifa.json"),
    ("22-shanxi-2021-jishan-gongwei.json", "24-chongqing-2021-kexuecheng-rongmeiti.json"),
]


@pytest.mark.parametrize("names", CUT_OFF, ids=lambda n: f"{n[0][:2]}+{n[1][:2]}")
def test_a_form_without_indicators_is_a_form_of_its_own(tmp_path, capsys, names) -> None:
    """A form cut off after its budget block still ends where the next title starts, and a
    form with no indicator header of its own is read as the second one on a sheet — as
    each is read alone, of its own type."""
    both, alone = stacked_and_alone(tmp_path, capsys, list(names))
    assert both["skipped"] == []
    assert [f["表类型"] for f in both["forms"]] == [a["forms"][0]["表类型"] for a, _ in alone]
    assert [f["项目名称"] for f in both["forms"]] == [a["forms"][0]["项目名称"] for a, _ in alone]
    assert findings(both) == sorted(x for a, k in alone for x in findings(a, k))


def test_a_form_on_the_sheet_that_cannot_be_read_is_said(tmp_path, capsys) -> None:
    """A second title with nothing a form has below it: listed as skipped, with its row."""
    path = tmp_path / "两张.xlsx"
    stacked(path, [LINXIANG])
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    top = ws.max_row + 3
    ws.cell(top, 1, "项目支出绩效自评表")
    ws.cell(top + 1, 1, "本项目因故未实施，不填报。")
    wb.save(path)
    report = check_json(path, capsys)
    assert len(report["forms"]) == 1
    assert [s["sheet"] for s in report["skipped"]] == ["项目自评"]
    reason = report["skipped"][0]["reason"]
    assert reason.startswith(f"第 {top} 行起的一张表：找不到绩效指标表头")
    assert "这张工作表" not in reason  # the sheet's other form was read
    capsys.readouterr()
    assert main(["check", str(path)]) == 1
    assert f"跳过工作表“项目自评”：第 {top} 行起的一张表" in capsys.readouterr().out


def test_a_sheet_with_one_form_is_one_part(tmp_path) -> None:
    """A title on top, "自评表" in a note below the indicators: still one form."""
    path = tmp_path / "一张.xlsx"
    stacked(path, [LINXIANG])
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.cell(ws.max_row + 2, 1, "注：本自评表由项目单位填写")
    ws.cell(ws.max_row + 1, 1, "项目支出绩效自评表填报说明：得分按完成比例计")
    grid = sheet_grid(ws)
    assert form_parts(grid) == [grid]


def test_the_summary_lists_every_form_of_the_sheet(tmp_path, capsys) -> None:
    (tmp_path / "收件").mkdir()
    stacked(tmp_path / "收件" / "两张.xlsx", [LINXIANG, LANGFANG])
    capsys.readouterr()
    rc = main(["review", str(tmp_path / "收件"), "-o", str(tmp_path / "汇总.xlsx"), "--no-cache"])
    assert rc == 1, capsys.readouterr()
    rows = list(openpyxl.load_workbook(tmp_path / "汇总.xlsx")["汇总"].iter_rows(values_only=True))
    lines = [dict(zip(rows[0], r, strict=True)) for r in rows[1:3]]
    assert [r["单位"] for r in lines] == ["临沧市临翔区林业和草原局", "廊坊市发改委"]
    assert [r["工作表"] for r in lines] == ["项目自评", "项目自评"]
    assert [r["全年预算数"] for r in lines] == [32.4, 43.2]
