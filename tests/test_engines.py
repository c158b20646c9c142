"""Right numbers in every program that opens a workbook jixiao wrote.

Each case is a workbook as jixiao writes it (``jixiao import`` / ``new`` / ``validate``).
The rule engine's value of every computed cell (执行率, 执行率得分, 完成率, 偏差率, 参考得分,
总分, 等级, the basic table's ratios) and the rows the deviation rule flags are compared
with what each program shows:

* readers that do not recalculate (openpyxl ``data_only``, pandas, python-calamine) see
  the cached values jixiao wrote;
* Gnumeric (``ssconvert --recalc``), LibreOffice without the JX functions (the native
  fallback formulas) and LibreOffice serving them recalculate;
* LibreOffice in a Chinese locale stands in for Chinese Excel, which reads texts such as
  "2020年12月31日" as dates when a formula turns text into a number.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas
import pytest
from python_calamine import CalamineWorkbook
from support import (
    EXAMPLE_FILES,
    EXAMPLES,
    clerks_form,
    close,
    computed_cells,
    new_unit_workbook,
)
from test_checks import basic_table

import jixiao.udfs
from jixiao.cli import main
from jixiao.core.errors import InputError
from jixiao.core.form import build_form
from jixiao.core.interchange import form_from_data
from jixiao.core.layout import BASIC, INDICATOR_ROWS
from jixiao.core.profile import load_profile
from jixiao.hosts.libreoffice import Engine, soffice_path
from jixiao.readers.template import read_workbook
from jixiao.templates.fill import fill_workbook
from jixiao.templates.formulas import indicator_columns

Values = dict[str, dict[str, Any]]  # sheet -> A1 address -> value as the program shows it


# ---- the cases: workbooks as jixiao writes them -----------------------------------------


def _write_json(tmp_path: Path, data: dict[str, Any], name: str) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def imported(tmp_path: Path, data: dict[str, Any], name: str = "form") -> Path:
    out = tmp_path / f"{name}.xlsm"
    assert main(["import", str(_write_json(tmp_path, data, name)), "-o", str(out)]) == 0
    return out


def deviating() -> dict[str, Any]:
    """A real form whose results miss their targets by more than 30% on two rows."""
    data = clerks_form(json.loads((EXAMPLES / "zhaohua-2024-p1.json").read_text("utf-8")))
    data["绩效指标"][0]["实际完成值"] = 50  # ≥80 家 → 50: −37.5%
    data["绩效指标"][3]["实际完成值"] = 9  # ≥5 家 → 9: +80%
    data["绩效指标"][4]["实际完成值"] = 10  # ≥12 → 10: −16.7%, within 30%
    return data


def unit_workbook(tmp_path: Path) -> Path:
    """``jixiao new`` with three projects; the basic table, the whole-spending form and one
    project then filled in."""
    book = tmp_path / "unit.xlsm"
    new_unit_workbook(book, 3)
    for example, sheet in (
        ("shifeng-2020-whole.json", "整体支出表"),
        ("zhaohua-2024-p4.json", "项目2"),  # no indicators; Sichuan fund names
    ):
        data = clerks_form(json.loads((EXAMPLES / example).read_text("utf-8")))
        fill_workbook(form_from_data(data, example), book, book, sheet=sheet, functions=jixiao.udfs)
    return book


def validated(tmp_path: Path) -> Path:
    """``jixiao validate`` of a workbook whose cached values a script dropped (openpyxl)."""
    data = clerks_form(json.loads((EXAMPLES / "shifeng-2020-project.json").read_text("utf-8")))
    book = imported(tmp_path, data)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb.save(book)
    out = tmp_path / "checked.xlsm"
    assert main(["validate", str(book), "-o", str(out)]) in (0, 1)
    return out


CASES: dict[str, Callable[[Path], Path]] = {
    **{
        f"import {p.stem}": (
            lambda tmp, p=p: imported(tmp, clerks_form(json.loads(p.read_text("utf-8"))))
        )
        for p in EXAMPLE_FILES
    },
    "import 偏差超过30%": lambda tmp: imported(tmp, deviating()),
    "import 基础数据表": lambda tmp: imported(tmp, basic_table()),
    "new 空白工作簿": lambda tmp: new_blank(tmp),
    "new+填写 单位工作簿": unit_workbook,
    "validate 无缓存值": validated,
}


def new_blank(tmp_path: Path) -> Path:
    book = tmp_path / "blank.xlsm"
    new_unit_workbook(book, 2)
    return book


@dataclass(frozen=True)
class Expected:
    cells: Values  # sheet -> address -> the rule engine's value ("" for blank)
    deviation: dict[str, list[str]]  # sheet -> the 偏差率 column's cells
    flagged: dict[str, set[str]]  # sheet -> 偏差率 cells the deviation rule flags
    threshold: tuple[str, str]  # (sheet, address) of jx_threshold


def expected(book: Path) -> Expected:
    """The rule engine's values for every form sheet, from the clerk's entries as read back."""
    cells: Values = {}
    deviation: dict[str, list[str]] = {}
    flagged: dict[str, set[str]] = {}
    limit = load_profile().deviation_threshold
    wb = openpyxl.load_workbook(book)
    for sheet in wb.sheetnames:
        try:
            read = read_workbook(book, sheet=sheet)
        except InputError:  # not a form sheet (设置, 校验结果 …)
            continue
        # the clerk's entries, on the sheet's own layout
        form = build_form(clerks_form(read.data), sheet, getattr(read, "layout", None))
        cells[sheet] = computed_cells(form)
        deviation[sheet], flagged[sheet] = [], set()
        if form.form_type != BASIC:
            col = indicator_columns(form.layout, form.sheet_layout.width).deviation
            first = form.sheet_layout.rows["绩效指标"]
            deviation[sheet] = [f"{col}{r}" for r in range(first, first + INDICATOR_ROWS)]
            for address in deviation[sheet]:
                v = cells[sheet][address]
                if isinstance(v, float) and abs(v) > limit + 1e-9:
                    flagged[sheet].add(address)
    assert cells, "no form sheet read"
    sheet, _, address = wb.defined_names["jx_threshold"].attr_text.partition("!")
    return Expected(cells, deviation, flagged, (sheet.strip("'"), address.replace("$", "")))


# ---- the programs ----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Blank alike for every reader: None, "" and NaN are ""; errors as their code."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, tuple):
        return value[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    return value


def by_openpyxl(path: Path) -> Values:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {
        ws.title: {c.coordinate: _plain(c.value) for row in ws.iter_rows() for c in row}
        for ws in wb.worksheets
    }


def by_pandas(path: Path) -> Values:
    frames = pandas.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
    out: Values = {}
    for sheet, frame in frames.items():
        # pandas starts at A1 with header=None; column labels are 0-based positions
        out[sheet] = {
            f"{openpyxl.utils.get_column_letter(c + 1)}{r + 1}": _plain(frame.iat[r, c])
            for r in range(frame.shape[0])
            for c in range(frame.shape[1])
        }
    return out


def by_calamine(path: Path) -> Values:
    book = CalamineWorkbook.from_path(str(path))
    out: Values = {}
    for sheet in book.sheet_names:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        out[sheet] = {
            f"{openpyxl.utils.get_column_letter(c + 1)}{r + 1}": _plain(v)
            for r, row in enumerate(rows)
            for c, v in enumerate(row)
        }
    return out


def by_gnumeric(path: Path, tmp_path: Path) -> Values:
    out = tmp_path / f"{path.stem}-gnumeric.xlsx"
    run = subprocess.run(
        ["ssconvert", "--recalc", str(path), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert run.returncode == 0 and out.exists(), run.stderr
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Workbook contains no default style")  # Gnumeric's styles
        return by_openpyxl(out)


def libreoffice_results(engine: Engine, path: Path, tmp_path: Path) -> Values:
    """Every formula cell's result after LibreOffice recalculated a copy of the file."""
    copy = tmp_path / f"{path.stem}-lo{path.suffix}"
    shutil.copyfile(path, copy)
    with engine.open(copy) as doc:
        doc.recalculate()
        results = doc.formula_results()
    return {s: {a: _plain(v) for a, v in cells.items()} for s, cells in results.items()}


def by_libreoffice(engine: Engine, path: Path, tmp_path: Path) -> Values:
    """What LibreOffice shows: formula results, and the other cells as the file holds them."""
    shown = _entries(path)
    for sheet, cells in libreoffice_results(engine, path, tmp_path).items():
        shown.setdefault(sheet, {}).update(cells)
    return shown


def _entries(path: Path) -> Values:
    """The cells that are not formulas, as the file holds them."""
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: {
            c.coordinate: _plain(c.value)
            for row in ws.iter_rows()
            for c in row
            if c.data_type != "f"
        }
        for ws in wb.worksheets
    }


def differences(shown: Values, want: Expected) -> list[tuple[str, str, Any, Any]]:
    out = []
    for sheet, cells in want.cells.items():
        for address, value in cells.items():
            got = shown.get(sheet, {}).get(address, "")
            if not close(got if not isinstance(got, bool) else float(got), value):
                out.append((sheet, address, got, value))
    return out


def flagged(shown: Values, want: Expected) -> dict[str, set[str]]:
    """The deviation rule's own condition, AND(ISNUMBER(J), ABS(J) > jx_threshold), on
    the values the program shows."""
    sheet, address = want.threshold
    limit = shown.get(sheet, {}).get(address)
    assert isinstance(limit, float), f"jx_threshold shows {limit!r}"
    return {
        s: {a for a in cells if isinstance(shown[s].get(a), float) and abs(shown[s][a]) > limit}
        for s, cells in want.deviation.items()
    }


_BUILT: dict[str, tuple[Path, Expected]] = {}


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(workbook, the rule engine's values) of one case, built once per session."""
    name = request.param
    if name not in _BUILT:
        book = CASES[name](tmp_path_factory.mktemp("case"))
        _BUILT[name] = (book, expected(book))
    return _BUILT[name]


@pytest.fixture(scope="module")
def libreoffice_chinese():
    """LibreOffice in the zh_CN locale: it reads "2020年12月31日", "12月31日", "3-5" and
    "2020.12.31" as dates when a formula turns text into a number, as Chinese Excel does."""
    if soffice_path() is None:
        pytest.fail("LibreOffice 未安装：make test 会安装它")
    saved = {k: os.environ.get(k) for k in ("LC_ALL", "LANG")}
    os.environ.update(LC_ALL="zh_CN.UTF-8", LANG="zh_CN.UTF-8")
    try:
        with Engine() as engine:
            yield engine
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def agree(shown: Values, want: Expected) -> None:
    assert differences(shown, want) == []
    assert flagged(shown, want) == want.flagged


def test_the_cases_hold_what_is_compared(tmp_path_factory):
    """Every case has forms with computed values; the deviation case has flagged rows."""
    for name in CASES:
        if name not in _BUILT:
            book = CASES[name](tmp_path_factory.mktemp("case"))
            _BUILT[name] = (book, expected(book))
    assert (
        sum(1 for v in _BUILT.values() for s in v[1].cells.values() for x in s.values() if x != "")
        > 150
    )
    assert sorted(len(f) for f in _BUILT["import 偏差超过30%"][1].flagged.values()) == [2]
    assert len(_BUILT["new+填写 单位工作簿"][1].cells) == 5  # 基础数据表, 整体支出表, 项目1–3


@pytest.mark.parametrize("reader", [by_openpyxl, by_pandas, by_calamine], ids=lambda f: f.__name__)
def test_readers_that_do_not_recalculate_see_the_engines_values(case, reader):
    book, want = case
    agree(reader(book), want)


def test_gnumeric_recalculates_the_engines_values(case, tmp_path):
    if shutil.which("ssconvert") is None:
        pytest.fail("Gnumeric 未安装：make test 会安装它（apt-get install gnumeric）")
    book, want = case
    agree(by_gnumeric(book, tmp_path), want)


def test_libreoffice_without_the_jx_functions_computes_the_engines_values(
    case, tmp_path, libreoffice
):
    book, want = case
    agree(by_libreoffice(libreoffice, book, tmp_path), want)


def test_libreoffice_serving_the_jx_functions_computes_the_engines_values(
    case, tmp_path, libreoffice_functions
):
    book, want = case
    agree(by_libreoffice(libreoffice_functions, book, tmp_path), want)


def test_a_chinese_locale_computes_the_engines_values(case, tmp_path, libreoffice_chinese):
    book, want = case
    agree(by_libreoffice(libreoffice_chinese, book, tmp_path), want)


def formula_cells(path: Path) -> set[tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    }


def test_every_cached_value_is_what_libreoffice_computes(case, tmp_path, libreoffice_functions):
    """Not only the visible cells: every formula cell, hidden helpers and 设置 included."""
    book, _ = case
    cached = by_openpyxl(book)
    results = libreoffice_results(libreoffice_functions, book, tmp_path)
    assert {(s, a) for s, cells in results.items() for a in cells} == formula_cells(book)
    wrong = [
        (sheet, address, cached[sheet].get(address, ""), value)
        for sheet, cells in results.items()
        for address, value in cells.items()
        if not _same(cached[sheet].get(address, ""), value)
    ]
    assert wrong == []


def test_every_cached_value_is_what_gnumeric_computes(case, tmp_path):
    """Gnumeric on every formula cell, the 设置 sheet's per-region lookups included."""
    book, _ = case
    cached, recalculated = by_openpyxl(book), by_gnumeric(book, tmp_path)
    cells = formula_cells(book)
    assert len(cells) > 40
    wrong = [
        (s, a, cached[s].get(a, ""), recalculated.get(s, {}).get(a, ""))
        for s, a in sorted(cells)
        if not _same(cached[s].get(a, ""), recalculated.get(s, {}).get(a, ""))
    ]
    assert wrong == []


def _same(mine: Any, theirs: Any) -> bool:
    if isinstance(mine, bool):
        mine = float(mine)  # LibreOffice's logicals are numbers
    if isinstance(mine, float) and isinstance(theirs, float):
        return math.isclose(mine, theirs, rel_tol=1e-12, abs_tol=1e-12)
    return mine == theirs
