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


# ---- 校验 / 清除标记 in the live workbook, through a stand-in for xlwings ----------------


class FakeExcel:
    """The live workbook as the 校验 action sees it: a file to copy, and calls to record."""

    def __init__(self, book):
        self.book = book
        self.calls: list[tuple] = []

    def save_copy(self, path):
        import shutil

        shutil.copyfile(self.book, path)
        self.calls.append(("save_copy",))

    def form_sheets(self):
        return openpyxl.load_workbook(self.book).sheetnames

    def clear(self, sheet, marker, note_pattern):
        self.calls.append(("clear", sheet))

    def mark(self, sheet, cells, notes, marker):
        self.calls.append(("mark", sheet, cells, notes))

    def write_results(self, rows, summary, sheet):
        self.calls.append(("results", sheet, rows, summary))


def test_validate_action_marks_what_the_headless_validate_finds(tmp_path):
    from jixiao.cli import main
    from jixiao.workbook.validate import validate_workbook

    book = tmp_path / "b.xlsm"
    main(["import", str(EXAMPLES / "shifeng-2020-whole.json"), "-o", str(book)])
    excel = FakeExcel(book)
    findings = actions.validate(excel)
    assert findings == validate_workbook(book).findings
    kinds = [c[0] for c in excel.calls]
    # the copy is checked first, old marks go before new ones, results come last
    assert (
        kinds[0] == "save_copy"
        and kinds.index("clear") < kinds.index("mark")
        and kinds[-1] == "results"
    )
    (mark,) = [c for c in excel.calls if c[0] == "mark"]
    _, sheet, cells, notes = mark
    assert sheet == "整体支出表" and "G47" in cells["错误"] and "G20" in cells["提示"]
    assert notes["G47"].startswith("【错误 ") and actions.NOTE_PATTERN.match(notes["G47"])
    _, name, rows, summary = excel.calls[-1]
    assert (
        name == "校验结果" and len(rows) == len(findings) and summary.endswith("存在错误，不可提交")
    )


def test_clear_action_resets_every_sheet_and_the_results(tmp_path):
    from jixiao.cli import main

    book = tmp_path / "b.xlsm"
    main(["import", str(EXAMPLES / "zhaohua-2024-p1.json"), "-o", str(book)])
    excel = FakeExcel(book)
    actions.clear_marks(excel)
    assert ("clear", "项目支出表") in excel.calls
    assert excel.calls[-1] == ("results", "校验结果", [], "尚未校验：填好各表后点击「校验」。")
