"""Button actions, driven through a stand-in for the live Excel workbook."""

from __future__ import annotations

import asyncio
import json

import openpyxl
from support import EXAMPLES

from jixiao.app.marks import plan, result_rows
from jixiao.app.validate import validate_workbook
from jixiao.cli import main
from jixiao.core.findings import Finding, Severity
from jixiao.core.interchange import read_form
from jixiao.core.layout import NATIONAL, PROJECT, sheet_layout
from jixiao.macros import actions
from jixiao.readers.workbook import read_workbook_file


class FakeHost:
    """Records what an action asks Excel to do; cells live in an openpyxl workbook."""

    def __init__(self, wb: openpyxl.Workbook) -> None:
        self.wb = wb
        self.calls: list[tuple] = []
        self.protected: set[str] = set(wb.sheetnames)

    def sheet_names(self):
        return self.wb.sheetnames

    def copy_sheet(self, source, new_name, after):
        ws = self.wb.copy_worksheet(self.wb[source])
        ws.title = new_name
        self.protected.add(new_name)
        self.calls.append(("copy", source, new_name, after))

    def clear_cells(self, sheet, addresses):
        assert sheet not in self.protected, "cleared a protected sheet"
        for a in addresses:
            self.wb[sheet][a].value = None

    def unprotect(self, sheet):
        self.protected.discard(sheet)

    def protect(self, sheet):
        self.protected.add(sheet)

    def activate(self, sheet):
        self.calls.append(("activate", sheet))

    def message(self, text, title="jixiao"):
        self.calls.append(("message", text))


def filled_project_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.active.title = "整体支出表"
    ws = wb.create_sheet("项目1")
    form = read_form(EXAMPLES / "shifeng-2020-project.json")
    lay = sheet_layout(PROJECT, NATIONAL)
    ws[lay.cells["项目名称"].address] = form.data["项目名称"]
    ws[lay.cells["预算执行.全年预算数"].address] = 10
    ws[lay.cells["预算执行.分值"].address] = 10
    ws[lay.cells["预算执行.资金来源[1].名称"].address] = "当年财政拨款"
    ws[lay.cells["预算执行.执行率"].address] = '=IFERROR(E7/D7,"")'
    ws[lay.cells["绩效指标[2].实际完成值"].address] = "及时拨付"
    return wb


def test_add_project_copies_the_last_project_sheet_emptied():
    wb = filled_project_workbook()
    host = FakeHost(wb)
    assert actions.add_project(host) == "项目2"
    new = wb["项目2"]
    lay = sheet_layout(PROJECT, NATIONAL)
    assert new[lay.cells["项目名称"].address].value is None
    assert new[lay.cells["绩效指标[2].实际完成值"].address].value is None
    assert new[lay.cells["预算执行.全年预算数"].address].value is None
    # the form's own parts stay: standard source names, the budget points, the formulas
    assert new[lay.cells["预算执行.资金来源[1].名称"].address].value == "当年财政拨款"
    assert new[lay.cells["预算执行.分值"].address].value == 10
    assert str(new[lay.cells["预算执行.执行率"].address].value).startswith("=")
    assert "项目2" in host.protected and ("activate", "项目2") in host.calls
    # the sheet it copied is untouched
    assert wb["项目1"][lay.cells["项目名称"].address].value == "非公有制中小微企业发展项目"


def test_add_project_numbers_after_the_highest():
    wb = filled_project_workbook()
    wb.create_sheet("项目3")
    assert actions.add_project(FakeHost(wb)) == "项目4"


def test_add_project_without_project_sheets_says_why():
    wb = openpyxl.Workbook()
    host = FakeHost(wb)
    assert actions.add_project(host) == ""
    assert host.calls[0][0] == "message" and "项目1" in host.calls[0][1]


# ---- 校验 / 清除标记 in the live workbook, through a stand-in for xlwings ----------------


class FakeExcel:
    """The live workbook as the 校验 path sees it: something to read, calls to record."""

    def __init__(self, book):
        self.book = book
        self.source = str(book)
        self.calls: list[tuple] = []

    def read(self):
        self.calls.append(("read",))
        return read_workbook_file(self.book, self.source)

    async def clear_marks(self):
        self.calls.append(("clear_marks",))

    async def write_marks(self, findings, skipped=()):
        self.calls.append(("write_marks", findings, skipped))


def test_validate_action_marks_what_the_headless_validate_finds(tmp_path):

    book = tmp_path / "b.xlsm"
    main(["import", str(EXAMPLES / "shifeng-2020-whole.json"), "-o", str(book)])
    excel = FakeExcel(book)
    findings = asyncio.run(actions.validate(excel)).findings
    # the live workbook is read as it is, then marked with what was found
    assert [c[0] for c in excel.calls] == ["read", "write_marks"]
    assert excel.calls[1][1] == findings == validate_workbook(book).findings


def test_marks_plan_one_note_per_cell_coloured_by_the_worst():

    found = [
        Finding("S10", Severity.INFO, "表", "G20", "f", "达标却扣分"),
        Finding("S05", Severity.ERROR, "表", "G47", "f", "总分错"),
        Finding("Q08", Severity.ERROR, "表", "G47", "f", "公式被改写"),
        Finding("W04", Severity.ERROR, "表", "", "f", "没有单元格的问题不标"),
    ]
    marks = plan(found)["表"]
    assert marks.cells == {Severity.INFO: ["G20"], Severity.ERROR: ["G47"]}
    assert marks.notes["G47"] == "【错误 Q08】公式被改写\n【错误 S05】总分错"
    # The 校验结果 rows are the record 清除标记 reads: they plan the same notes again.
    assert plan(result_rows(found))["表"] == marks


def test_clear_action_clears_the_host(tmp_path):

    book = tmp_path / "b.xlsm"
    main(["import", str(EXAMPLES / "zhaohua-2024-p1.json"), "-o", str(book)])
    excel = FakeExcel(book)
    asyncio.run(actions.clear_marks(excel))
    assert excel.calls == [("clear_marks",)]


# ---- one profile path: the workbook's 设置 sheet names it ------------------------------


def _sichuan_form_at_95_percent(tmp_path):
    """A Sichuan project executed at 95% with no reason: explained enough for Sichuan (90%),
    not for the national profile (100%)."""
    data = json.loads((EXAMPLES / "zhaohua-2024-p1.json").read_text("utf-8"))
    data["预算执行"]["全年执行数"] = 20.9
    data["预算执行"].pop("执行率", None)
    data["预算执行"].pop("得分", None)
    data["预算执行"].pop("原因", None)
    form = tmp_path / "p1.json"
    form.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    book = tmp_path / "p1.xlsm"
    assert main(["import", str(form), "-o", str(book)]) == 0
    return book


def _budget_reason(findings):
    return [f for f in findings if f.code == "W07" and f.field == "预算执行.原因"]


def test_validate_and_the_button_use_the_profile_the_workbook_names(tmp_path, capsys):
    book = _sichuan_form_at_95_percent(tmp_path)  # into the 四川式 template: 设置 says sichuan
    capsys.readouterr()
    main(["validate", str(book), "-o", str(tmp_path / "v.xlsm"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["profile"] == {"name": "sichuan", "source": "工作簿「设置」表"}
    assert not [
        f for f in report["findings"] if f["code"] == "W07" and f["field"] == "预算执行.原因"
    ]
    # The button's path reads the same 设置 sheet and finds the same.
    button = asyncio.run(actions.validate(FakeExcel(book))).findings
    assert [f.to_dict() for f in button] == report["findings"]
    # An explicit choice wins over the workbook's.
    national = validate_workbook(book, "national")
    assert national.profile.source == "命令行 --profile"
    assert _budget_reason(national.findings)
    assert _budget_reason(asyncio.run(actions.validate(FakeExcel(book), "national")).findings)


def test_validate_says_which_profile_it_used(tmp_path, capsys):
    book = _sichuan_form_at_95_percent(tmp_path)
    capsys.readouterr()
    main(["validate", str(book), "-o", str(tmp_path / "v.xlsm")])
    assert "地区配置：四川（工作簿「设置」表）" in capsys.readouterr().out


def test_a_profile_the_settings_sheet_cannot_name_is_said_in_chinese(tmp_path, capsys):
    book = _sichuan_form_at_95_percent(tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["设置"]["B4"] = "广东"
    wb.save(book)
    capsys.readouterr()
    assert main(["validate", str(book), "-o", str(tmp_path / "v.xlsm")]) == 2
    err = capsys.readouterr().err
    assert "「设置」表的地区配置“广东”无法识别" in err and str(book) in err
