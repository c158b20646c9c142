"""Button actions, driven through a stand-in for the live Excel workbook."""

from __future__ import annotations

import openpyxl
from support import EXAMPLES

from jixiao.interchange import read_form
from jixiao.layout import NATIONAL, PROJECT, sheet_layout
from jixiao.macros import actions


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
