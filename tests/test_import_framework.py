"""A real form of another evaluation framework (20/80 scoring, 决策/过程/产出/效益 …),
imported into its standard workbook, is checked as the original was.

The paper reader recognises the framework on the original (Q10 says so, and the national
checks are left out). `jixiao import` writes it into the workbook's 设置 sheet
(jx_framework), where 校验 reads it: without it, the national checks fired on the imported
workbook — 16 错误 on a form that had none. Clearing that cell brings the national checks
back: the clerk decides.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from corpus import build

from jixiao.cli import main
from jixiao.readers.workbook import FRAMEWORK_NAME

# Findings that follow from the standard workbook's cells, not from the framework: it has a
# 年初预算数 cell (W03), goal cells (W08) and a reason cell in every indicator row (W07) that
# the original may lack, and no reason cell for the budget (W07) that the original may have.
TEMPLATE_CELLS = {"W03", "W07", "W08"}


def check_json(path: Path) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["check", str(path), "--json"])
    return json.loads(out.getvalue())


def other_framework(path: Path) -> str | None:
    """The Q10 message of the form at ``path``, if it is of another framework."""
    said = [f["message"] for f in check_json(path)["findings"] if f["code"] == "Q10"]
    return said[0] if said else None


def imported(name: str, folder: Path) -> tuple[Path, Path, str]:
    """The corpus form as its authors laid it out, imported into its standard workbook, and
    what import said."""
    paper = build.to_xlsx(build.load(name), folder / f"{name[:2]}.xlsx")
    book = folder / f"{name[:2]}.xlsm"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["import", str(paper), "-o", str(book)]) == 0
    return paper, book, out.getvalue()


OTHER = [
    p.name
    for p in build.all_forms()
    if build.load(p.name)["framework"] not in ("national", "sichuan", "hunan", "no-scores")
    and build.load(p.name)["form_type"] == "项目支出绩效自评表"
]


def findings(report: dict[str, Any], severities: tuple[str, ...]) -> Counter:
    return Counter(
        (f["code"], f["field"])
        for f in report["findings"]
        if f["severity"] in severities and f["code"] not in TEMPLATE_CELLS
    )


@pytest.mark.parametrize("name", OTHER, ids=lambda n: n[:2])
def test_an_imported_form_of_another_framework_is_checked_as_the_original(
    name: str, tmp_path: Path
) -> None:
    paper, book, _said = imported(name, tmp_path)
    before, after = check_json(paper), check_json(book)
    assert findings(after, ("错误",)) == findings(before, ("错误",))
    assert findings(after, ("警告", "提示")) == findings(before, ("警告", "提示"))
    # Where the reader sees no other framework (scored as the national one), none is written.
    framework = other_framework(paper)
    assert other_framework(book) == framework
    written = openpyxl.load_workbook(book)["设置"]["B3"].value
    if framework is None:
        assert written is None
    else:
        assert framework.startswith(f"本表是{written}，")


def test_the_framework_is_in_the_settings_sheet_and_the_clerk_can_clear_it(tmp_path: Path) -> None:
    """Cleared, the 设置 cell gives the national checks back: 分值 asked in every row."""
    _paper, book, said = imported("12-yunnan-2022-longyang-huafei.json", tmp_path)
    assert "原表是预算执行 20 分、绩效指标 80 分的评价框架：已写入「设置」表的评价框架格" in said
    wb = openpyxl.load_workbook(book, keep_vba=True)
    (title, ref), *_ = wb.defined_names[FRAMEWORK_NAME].destinations
    assert (title, ref) == ("设置", "$B$3")
    assert wb["设置"]["A3"].value.startswith("评价框架")
    assert wb["设置"]["B3"].value == "预算执行 20 分、绩效指标 80 分的评价框架"
    # Cleared, or naming the national framework as a clerk may: national checks again.
    for typed in (None, "全国统一格式", "national", " 财预〔2020〕10号 "):
        wb["设置"]["B3"] = typed
        cleared = tmp_path / "全国框架.xlsm"
        wb.save(cleared)
        report = check_json(cleared)
        codes = Counter(f["code"] for f in report["findings"] if f["severity"] == "错误")
        assert "Q10" not in {f["code"] for f in report["findings"]}, typed
        assert codes["W05"] >= 10 and codes["S04"] == 1, typed


def test_a_national_form_leaves_the_framework_blank(tmp_path: Path) -> None:
    _paper, book, said = imported("11-yunnan-2023-linxiang-shourongsuo.json", tmp_path)
    assert "评价框架" not in said and "没有分值" not in said
    assert openpyxl.load_workbook(book)["设置"]["B3"].value is None
    assert "Q10" not in {f["code"] for f in check_json(book)["findings"]}


@pytest.mark.parametrize(
    "template",
    sorted((Path(__file__).parents[1] / "xlsx_templates").glob("*.xlsm")),
    ids=lambda p: p.stem,
)
def test_every_template_has_the_framework_cell(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    (title, ref), *_ = wb.defined_names[FRAMEWORK_NAME].destinations
    assert (title, ref) == ("设置", "$B$3")
    assert wb["设置"]["B3"].value is None  # blank: the national framework


def test_import_says_when_the_original_has_no_scores(tmp_path: Path) -> None:
    """A form without 分值/得分/总分 (湖南's 绩效目标自评表) goes into a scored workbook: import
    says what the checks will then ask for, and they do ask it."""
    _paper, book, said = imported("14-hunan-2020-hengshan-chubeiliang.json", tmp_path)
    assert "注意：原表没有分值、得分和总分" in said
    codes = Counter(f["code"] for f in check_json(book)["findings"] if f["severity"] == "错误")
    assert codes["W05"] >= 10 and codes["S04"] == 1


def test_export_says_the_json_leaves_the_framework_out(tmp_path: Path) -> None:
    for name, warned in (
        ("12-yunnan-2022-longyang-huafei.json", True),
        ("11-yunnan-2023-linxiang-shourongsuo.json", False),
    ):
        _paper, book, _said = imported(name, tmp_path)
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            assert main(["export", str(book), "-o", str(tmp_path / "表.json")]) == 0
        note = "注意：工作簿「设置」表写明本表是预算执行 20 分、绩效指标 80 分的评价框架；JSON 表单没有这一项"
        assert (note in err.getvalue()) is warned, err.getvalue()
        assert (
            json.loads((tmp_path / "表.json").read_text("utf-8"))["表类型"] == "项目支出绩效自评表"
        )
