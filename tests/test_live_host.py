"""校验 and 清除标记 in the open workbook, through xlwings' real remote engine.

The button code (jixiao.macros.buttons with the live-workbook host jixiao.hosts.xlwings)
runs against ``xw.Book(json=payload)``, the engine of xlwings Server and xlwings Lite,
which records every change as an Office.js action. A simulated client
(tests/remote_client.py) builds the payload from a real workbook file, applies the
actions, and answers the engine's on-demand reads (note text, conditional formats). So
what is tested is our code through xlwings' own implementation of its API; only Excel
itself (the client applying the actions) is simulated.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from corpus import build
from remote_client import ClientBook, Rule
from support import EXAMPLE_FILES, EXAMPLES, new_unit_workbook
from test_paper_layout import PaperSheet, Variant

import jixiao.udfs
from jixiao.app.marks import MARKER
from jixiao.app.validate import WITHOUT_FORMULAS
from jixiao.cli import main
from jixiao.core.interchange import read_form
from jixiao.hosts import xlwings as live
from jixiao.macros import buttons
from jixiao.templates.fill import fill_workbook

REPO = Path(__file__).resolve().parents[1]
RESULTS = "校验结果"


# ---- the workbooks -----------------------------------------------------------------------


def imported(example: Path, tmp_path: Path) -> Path:
    book = tmp_path / f"{example.stem}.xlsm"
    assert main(["import", str(example), "-o", str(book)]) == 0
    return book


def unit_workbook(tmp_path: Path) -> Path:
    """部门绩效自评工作簿 with the whole-department form and two projects filled."""
    book = tmp_path / "unit.xlsm"
    new_unit_workbook(book, 2)
    fill_workbook(read_form(EXAMPLES / "shifeng-2020-whole.json"), book, book, sheet="整体支出表")
    fill_workbook(read_form(EXAMPLES / "shifeng-2020-project.json"), book, book, sheet="项目1")
    fill_workbook(read_form(EXAMPLES / "shifeng-2020-project.json"), book, book, sheet="项目2")
    return book


def paper_workbook(tmp_path: Path) -> Path:
    """A form laid out by hand like the paper form: no names, its own positions."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    data = json.loads((EXAMPLES / "zhaohua-2024-p1.json").read_text("utf-8"))
    PaperSheet(ws, data, Variant(layout="sichuan", row0=2, col0=2)).build()
    path = tmp_path / "paper.xlsx"
    wb.save(path)
    return path


def framework_workbook(tmp_path: Path) -> Path:
    """A real 20/80 form imported: its framework is in the 设置 sheet (jx_framework)."""
    paper = build.to_xlsx(build.load("12-yunnan-2022-longyang-huafei.json"), tmp_path / "p.xlsx")
    return imported(paper, tmp_path)


WORKBOOKS = [*(p.name for p in EXAMPLE_FILES), "unit", "paper", "framework"]


def workbook(kind: str, tmp_path: Path) -> Path:
    if kind == "unit":
        return unit_workbook(tmp_path)
    if kind == "paper":
        return paper_workbook(tmp_path)
    if kind == "framework":
        return framework_workbook(tmp_path)
    return imported(EXAMPLES / kind, tmp_path)


# ---- what a workbook shows of 校验 -------------------------------------------------------


def cells_of(rule: Rule) -> list[str]:
    out = []
    for r in rule.ranges:
        first, _, last = r.partition(":")
        if not last:
            out.append(first)
            continue
        book = openpyxl.Workbook().active
        out += [c.coordinate for row in book[first:last] for c in row]
    return out


def marks(book: ClientBook) -> dict[str, Any]:
    """Our colour marks (cell -> fill, font), all notes (cell -> text), the 校验结果 rows
    and its summary line."""
    colours, notes, rows, summary = {}, {}, [], None
    for sheet in book.sheets:
        if sheet.name == RESULTS:
            summary = sheet.values.get((2, 1))
            values = [
                [sheet.values.get((r, c)) for c in range(1, 6)]
                for r in range(4, sheet.extent()[0] + 1)
            ]
            rows = [tuple("" if v is None else str(v) for v in row) for row in values]
            continue
        for rule in sheet.rules:
            if (rule.formula or "").lstrip("=") == MARKER:
                for cell in cells_of(rule):
                    colours[(sheet.name, cell)] = (rule.fill_color, rule.font_color)
        notes.update({(sheet.name, cell): text for cell, text in sheet.notes.items()})
    return {"colours": colours, "notes": notes, "rows": rows, "summary": summary}


def headless(path: Path, tmp_path: Path) -> ClientBook:
    out = tmp_path / f"headless{path.suffix}"
    assert main(["validate", str(path), "-o", str(out)]) in (0, 1)
    return ClientBook.from_file(out)


def without_our_formats(state: dict[str, Any]) -> dict[str, Any]:
    """The state without the looks of our own 校验结果 sheet (widths, fonts, fills)."""
    for sheet in state["sheets"]:
        if sheet["name"] == RESULTS:
            sheet["formats"] = {}
    return state


# ---- parity with the headless host ----------------------------------------------------------


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_the_button_marks_what_the_headless_host_marks(kind, tmp_path, capsys):
    path = workbook(kind, tmp_path)
    expected = marks(headless(path, tmp_path))
    client = ClientBook.from_file(path)
    client.run(buttons.validate)
    got = marks(client)
    assert got == expected
    assert got["colours"] and got["notes"] and got["rows"]
    (prompt, title) = client.alerts[-1]
    assert prompt.startswith("校验完成：") and "地区配置：" in prompt and title


def test_the_results_sheet_names_the_sheets_not_checked(tmp_path):
    """The unit workbook's 基础数据表 is left blank: 校验结果 says so under its title, in
    both hosts, so that the sheet does not read as the whole workbook once the button's
    closing alert is gone."""
    path = workbook("unit", tmp_path)
    client = ClientBook.from_file(path)
    client.run(buttons.validate)
    said = "另有 1 张工作表没有校验：“基础数据表”（尚未填写）"
    assert said in marks(client)["summary"]
    assert said in marks(headless(path, tmp_path))["summary"]
    assert "（跳过工作表“基础数据表”：尚未填写）" in client.alerts[-1][0]
    # a workbook whose every sheet was checked says nothing of the kind
    client = ClientBook.from_file(workbook("paper", tmp_path))
    client.run(buttons.validate)
    assert "没有校验" not in marks(client)["summary"]


def test_the_button_follows_the_framework_in_the_settings_sheet(tmp_path):
    """The framework workbook gives the button what it gives the headless host (above): Q10,
    and no national W05 for the 分值 the form never had — 设置's framework read through
    xlwings' names."""
    client = ClientBook.from_file(workbook("framework", tmp_path))
    client.run(buttons.validate)
    codes = {row[1] for row in marks(client)["rows"]}
    assert "Q10" in codes and "W05" not in codes


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_clear_gives_the_workbook_back_as_it_was(kind, tmp_path):
    path = workbook(kind, tmp_path)
    client = ClientBook.from_file(path)
    before = without_our_formats(client.state())
    client.run(buttons.validate)
    assert client.state() != before
    client.run(buttons.clear_marks)
    assert without_our_formats(client.state()) == before


def test_validate_twice_adds_nothing_twice(tmp_path):
    client = ClientBook.from_file(imported(EXAMPLES / "shifeng-2020-whole.json", tmp_path))
    client.run(buttons.validate)
    once = client.state()
    ours = sum(1 for s in client.sheets for r in s.rules if (r.formula or "").lstrip("=") == MARKER)
    client.run(buttons.validate)
    assert client.state() == once
    assert ours == sum(
        1 for s in client.sheets for r in s.rules if (r.formula or "").lstrip("=") == MARKER
    )


def test_the_users_own_notes_and_rules_stay(tmp_path):
    client = ClientBook.from_file(imported(EXAMPLES / "shifeng-2020-whole.json", tmp_path))
    sheet = client.sheet("整体支出表")
    sheet.notes["A2"] = "单位全称待确认"  # no finding here
    sheet.notes["G47"] = "总分已请示领导"  # 校验 finds S05/Q08 here: the user's note stays
    sheet.notes["B2"] = "【错误 S05】这是我自己的提醒"  # looks like ours, is not in the record
    mine = Rule(["D17:D20"], "Custom", "=LEN($D17)>20", "#00FF00", None, {})
    sheet.rules.append(mine)
    before = client.state()
    client.run(buttons.validate)
    after = client.sheet("整体支出表")
    assert after.notes["G47"] == "总分已请示领导"
    assert after.notes["A2"] == "单位全称待确认" and after.notes["B2"].startswith(
        "【错误 S05】这是"
    )
    assert mine in after.rules
    assert ("整体支出表", "G47") in marks(client)["colours"]  # coloured, though not noted
    client.run(buttons.clear_marks)
    assert client.state() == before


# ---- xlwings Lite: main.py through the same engine ----------------------------------------


LITE_RUN = textwrap.dedent(
    """
    import asyncio, importlib.util, json, sys
    sys.path.insert(0, {tests!r})
    from remote_client import ClientBook
    import xlwings as xw
    from xlwings.pro.udfs_officejs import (
        custom_functions_call, custom_functions_meta, custom_scripts_call, custom_scripts_meta,
    )
    spec = importlib.util.spec_from_file_location("main", {main!r})
    main = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(main)
    client = ClientBook.from_file({book!r})
    book = client.open()
    with client.serving_reads(book):
        asyncio.run(custom_scripts_call(main, "validate", typehint_to_value={{xw.Book: book}}))
    client.apply(book.json()["actions"])
    results = client.sheet("校验结果")
    rows = [
        [results.values.get((r, c)) for c in range(1, 6)]
        for r in range(4, results.extent()[0] + 1)
    ]
    call = {{"func_name": "JX_EXEC_RATE", "args": [[[20.9]], [[22]]], "version": xw.__version__,
            "runtime": "1.4", "culture_info_name": "zh-CN", "date_format": "yyyy/m/d",
            "client": "Office.js"}}
    rate = asyncio.run(custom_functions_call(call, main))
    print(json.dumps({{
        "scripts": sorted((s["function_name"], s["name"]) for s in custom_scripts_meta(main)),
        "functions": sorted(f["name"] for f in custom_functions_meta(main)["functions"]),
        "rows": rows, "rate": rate, "alerts": client.alerts,
    }}, ensure_ascii=False, default=str))
    """
)


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.name)
def test_xlwings_lite_main_finds_what_validate_finds(example, tmp_path, capsys):
    book = imported(example, tmp_path)
    capsys.readouterr()
    main(["validate", str(book), "-o", str(tmp_path / "v.xlsm"), "--json"])
    expected = json.loads(capsys.readouterr().out)["findings"]
    script = LITE_RUN.format(
        tests=str(REPO / "tests"), main=str(REPO / "xlwings_lite" / "main.py"), book=str(book)
    )
    # XLWINGS_ON_SERVER: xlwings' decorators become the Lite ones (@script, @func register).
    env = {
        "XLWINGS_ON_SERVER": "true",
        "XLWINGS_LICENSE_KEY": "noncommercial",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    lite = json.loads(done.stdout.splitlines()[-1])
    assert lite["scripts"] == [["clear_marks", "清除标记"], ["validate", "校验"]]
    assert lite["functions"] == sorted(jixiao_udfs_names())
    rows = [[f["severity"], f["code"], f["sheet"], f["cell"], f["message"]] for f in expected]
    assert lite["rows"] == rows
    assert lite["rate"] == [[pytest.approx(0.95)]]  # a custom function answers a 2-D array
    assert lite["alerts"] and lite["alerts"][-1][0].startswith("校验完成")


def jixiao_udfs_names() -> list[str]:
    return list(jixiao.udfs.__all__)  # the module the Lite main.py re-exports


# ---- desktop Excel on Windows: the .api members, against Excel's object model ---------------


class Strict:
    """A stand-in for a COM object that has only the members Excel documents."""

    MEMBERS: frozenset[str] = frozenset()

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"Excel's {type(self).__name__} has no member {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.MEMBERS and not name.startswith("_"):
            raise AttributeError(f"Excel's {type(self).__name__} has no member {name!r}")
        object.__setattr__(self, name, value)


class Protection(Strict):
    """Excel.Protection: read-only Allow… properties."""

    MEMBERS = frozenset(live.ALLOW_FLAGS)

    def __init__(self, **flags: bool) -> None:
        for name in live.ALLOW_FLAGS:
            object.__setattr__(self, name, flags.get(name, False))


class Worksheet(Strict):
    """Excel.Worksheet: the protection members jixiao uses (and nothing else)."""

    MEMBERS = frozenset({"ProtectContents", "ProtectDrawingObjects", "ProtectScenarios"})

    def __init__(self, calls: list, name: str, protected: dict[str, bool] | None) -> None:
        object.__setattr__(self, "_calls", calls)
        object.__setattr__(self, "_name", name)
        self._protect(protected)

    def _protect(self, flags: dict[str, bool] | None) -> None:
        on = flags is not None
        flags = flags or {}
        object.__setattr__(self, "ProtectContents", on and flags.get("Contents", True))
        object.__setattr__(self, "ProtectDrawingObjects", on and flags.get("DrawingObjects", False))
        object.__setattr__(self, "ProtectScenarios", on and flags.get("Scenarios", False))
        object.__setattr__(
            self,
            "Protection",
            Protection(**{k: v for k, v in flags.items() if k.startswith("Allow")}),
        )

    def Unprotect(self, Password: str | None = None) -> None:
        self._calls.append((self._name, "Unprotect"))
        self._protect(None)

    def Protect(
        self,
        Password=None,
        DrawingObjects=None,
        Contents=None,
        Scenarios=None,
        UserInterfaceOnly=None,
        AllowFormattingCells=None,
        AllowFormattingColumns=None,
        AllowFormattingRows=None,
        AllowInsertingColumns=None,
        AllowInsertingRows=None,
        AllowInsertingHyperlinks=None,
        AllowDeletingColumns=None,
        AllowDeletingRows=None,
        AllowSorting=None,
        AllowFiltering=None,
        AllowUsingPivotTables=None,
    ) -> None:
        given = {
            k: v for k, v in locals().items() if k not in ("self", "Password") and v is not None
        }
        self._calls.append((self._name, "Protect", given))
        self._protect(given)


class Workbook(Strict):
    """Excel.Workbook: SaveCopyAs(Filename) writes the file as Excel holds it."""

    def __init__(self, calls: list, source: Path) -> None:
        object.__setattr__(self, "_calls", calls)
        object.__setattr__(self, "_source", source)

    def SaveCopyAs(self, Filename: str) -> None:
        self._calls.append(("book", "SaveCopyAs", Path(Filename).suffix))
        Path(Filename).write_bytes(self._source.read_bytes())


class DesktopSheet:
    """A remote-engine sheet whose .api is Excel's Worksheet object."""

    def __init__(self, sheet: Any, api: Worksheet) -> None:
        self._sheet, self.api = sheet, api

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sheet, name)

    def __getitem__(self, key: Any) -> Any:
        return self._sheet[key]


class DesktopSheets:
    def __init__(self, book: DesktopBook) -> None:
        self._book = book

    def _wrap(self, sheet: Any) -> Any:
        api = self._book.apis.setdefault(sheet.name, Worksheet(self._book.calls, sheet.name, None))
        return DesktopSheet(sheet, api)

    def __iter__(self):
        return (self._wrap(s) for s in self._book.remote.sheets)

    def __len__(self) -> int:
        return len(self._book.remote.sheets)

    def __getitem__(self, key: Any) -> Any:
        return self._wrap(self._book.remote.sheets[key])

    def add(self, *args: Any, **kwargs: Any) -> Any:
        if "after" in kwargs and isinstance(kwargs["after"], DesktopSheet):
            kwargs["after"] = kwargs["after"]._sheet
        return self._book.remote.sheets.add(*args, **kwargs)


class DesktopBook:
    """The remote engine's Book as desktop Excel on Windows shows it to jixiao: the same
    high-level API, plus .api objects of Excel's object model."""

    def __init__(self, remote: Any, source: Path, protected: dict[str, dict[str, bool]]) -> None:
        self.remote, self.calls = remote, []
        self.apis = {name: Worksheet(self.calls, name, flags) for name, flags in protected.items()}
        self.api = Workbook(self.calls, source)
        self.sheets = DesktopSheets(self)
        self.app = type(
            "App",
            (),
            {"engine": type("Engine", (), {"name": "excel"})(), "alert": remote.app.alert},
        )()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.remote, name)


def test_desktop_windows_saves_a_copy_and_gives_protection_back(tmp_path, monkeypatch):
    path = imported(EXAMPLES / "shifeng-2020-whole.json", tmp_path)
    flags = {"Contents": True, "DrawingObjects": False, "Scenarios": True,
             "AllowFormattingColumns": True, "AllowFormattingRows": True,
             "AllowInsertingRows": True, "AllowDeletingRows": True, "AllowSorting": True}  # fmt: skip
    monkeypatch.setattr(live, "sys", type("Sys", (), {"platform": "win32"}))
    client = ClientBook.from_file(path)
    seen: dict[str, Any] = {}

    def button(remote: Any) -> None:
        desktop = DesktopBook(remote, path, {"整体支出表": flags})
        buttons.validate(desktop)
        seen["calls"], seen["apis"] = desktop.calls, desktop.apis

    client.run(button)
    calls = seen["calls"]
    assert calls[0] == ("book", "SaveCopyAs", ".xlsm")  # read from a copy: formulas, merges
    sheet_calls = [c for c in calls if c[0] == "整体支出表"]
    assert [c[1] for c in sheet_calls] == ["Unprotect", "Protect"] * (len(sheet_calls) // 2)
    given_back = sheet_calls[-1][2]
    expected = {k: v for k, v in flags.items()}
    expected.update({k: False for k in live.ALLOW_FLAGS if k not in flags})
    assert given_back == expected  # every option as it was
    assert seen["apis"]["整体支出表"].ProtectContents
    # the copy was read with its formulas (no "read by values" note); the typed-over totals
    # are reported by the checks that name the right figures (S04, S05 supersede Q08)
    rows = marks(client)["rows"]
    assert {r[1] for r in rows} >= {"S04", "S05"}
    (prompt, _title) = client.alerts[-1]
    assert WITHOUT_FORMULAS not in prompt


def test_the_strict_stand_in_refuses_what_excel_does_not_have():
    ws = Worksheet([], "表", None)
    with pytest.raises(AttributeError):
        ws.ProtectFormatting  # noqa: B018
    with pytest.raises(TypeError):
        ws.Protect(AllowEditingCells=True)  # no such Protect argument in Excel
    with pytest.raises(AttributeError):
        Workbook([], Path("x")).SaveAs  # noqa: B018


# What xlwings Lite's Python (Pyodide) can install: pure-Python wheels from PyPI, and the
# packages Pyodide builds itself (pyodide/pyodide-recipes: packages/lxml/meta.yaml).
PYODIDE_BUILT = {"lxml"}
LITE_IMPORTS = textwrap.dedent(
    """
    import importlib.util, json, sys
    import xlwings, xlwings.pro.udfs_officejs  # xlwings Lite brings these itself
    before = set(sys.modules)
    spec = importlib.util.spec_from_file_location("main", {main!r})
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    tops = {{n.split(".")[0] for n in set(sys.modules) - before}}
    print(json.dumps(sorted(t for t in tops if t not in sys.stdlib_module_names and t[0] != "_")))
    """
)


def test_everything_the_lite_scripts_import_installs_in_pyodide():
    env = {
        "XLWINGS_ON_SERVER": "true",
        "XLWINGS_LICENSE_KEY": "noncommercial",
        "PATH": "/usr/bin:/bin",
    }
    script = LITE_IMPORTS.format(main=str(REPO / "xlwings_lite" / "main.py"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    # cython_runtime is the module Cython-compiled extensions (lxml) register for themselves.
    imported = set(json.loads(done.stdout.splitlines()[-1])) - {"cython_runtime"}
    assert "jixiao" in imported
    assert imported <= {"jixiao", "openpyxl", "et_xmlfile", "lxml"}  # nothing compiled but lxml
    for module in imported - PYODIDE_BUILT - {"jixiao"}:
        dist = importlib.metadata.distribution(module.replace("_", "-"))
        assert "Root-Is-Purelib: true" in (dist.read_text("WHEEL") or ""), module
    requirements = (REPO / "xlwings_lite" / "requirements.txt").read_text("utf-8").split()
    assert {"jixiao", "openpyxl", "lxml"} <= set(requirements)


def test_a_users_rule_written_like_ours_stays_where_no_finding_was_recorded(tmp_path):
    path = imported(EXAMPLES / "shifeng-2020-whole.json", tmp_path)
    client = ClientBook.from_file(path)
    before_sheets = [s.name for s in client.sheets]
    client.run(buttons.validate)
    flagged = {sheet for sheet, _cell in marks(client)["colours"]}
    client.run(buttons.clear_marks)
    quiet = next(n for n in before_sheets if n not in flagged and n != RESULTS)
    client = ClientBook.from_file(path)
    client.sheet(quiet).rules.append(Rule(["A2"], "Custom", "=" + MARKER, "#00FF00", None, {}))
    before = client.state()
    client.run(buttons.clear_marks)  # a workbook never checked: nothing of ours in it
    assert client.state() == before
    client.run(buttons.validate)
    client.run(buttons.clear_marks)
    assert client.state() == before
