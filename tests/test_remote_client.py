"""The simulated Office.js client (tests/remote_client.py) against xlwings' real remote engine."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import os
import subprocess
import sys
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from remote_client import ClientBook, ClientError, ClientSheet, Rule, _xlremote

TESTS = Path(__file__).resolve().parent
MARK = '=ISNUMBER(SEARCH("jixiao",$A$1))'


def custom(ranges: list[str], formula: str, fill: str, font: str | None = None) -> Rule:
    extra = {"stop_if_true": False, "font_bold": None, "font_italic": None}
    return Rule(ranges, "Custom", formula, fill, font, extra)


def small_book() -> ClientBook:
    """数据: a header, two rows, a user note and a jixiao note, a user rule and a jixiao rule."""

    data = ClientSheet(
        "数据",
        values={(1, 1): "名称", (1, 2): "值", (2, 1): "甲", (2, 2): 1, (3, 1): "乙", (3, 2): 2},
        notes={"A2": "用户自己的批注", "B3": "【错误 S05】总分错"},
        rules=[
            custom(["B2:B3"], MARK, "#FFC7CE", "#9C0006"),
            custom(["A2:A3", "D5"], '=$A2=""', "#FFEB9C"),
        ],
    )
    return ClientBook("t.xlsx", [data, ClientSheet("Sheet 1")])


# ---- from_file -> payload -> engine --------------------------------------------------


def with_cached_value(path: Path, sheet_xml: str, formula: str, value: str) -> None:
    """Give a formula cell the cached result Excel would have stored (openpyxl writes <v></v>)."""

    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts[sheet_xml].decode()
    old = f"<f>{formula}</f><v></v>"
    assert old in xml
    parts[sheet_xml] = xml.replace(old, f"<f>{formula}</f><v>{value}</v>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


@pytest.fixture
def workbook_file(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "指标"
    ws["A1"], ws["B1"], ws["C1"] = "指标", "得分", "日期"
    ws["A2"], ws["B2"], ws["C2"] = "安全生产", 95, dt.datetime(2024, 3, 1)
    ws["A3"], ws["B3"] = "质量", 2.5
    ws["A4"], ws["B4"] = "合计", "=B2+B3"
    ws["B3"].comment = Comment("请核对", "审核人")
    ws["A5"] = "说明"
    ws["A5"].hyperlink = "https://example.org/说明"
    ws.conditional_formatting.add(
        "B2:B4 D5",
        FormulaRule(
            formula=["ISBLANK($B2)"],
            fill=PatternFill(bgColor="FFC7CE"),
            font=Font(color="9C0006"),
        ),
    )
    ws.conditional_formatting.add(
        "B2:B4",
        CellIsRule(operator="greaterThan", formula=["90"], fill=PatternFill(bgColor="FFEB9C")),
    )
    wb.defined_names["得分区"] = DefinedName("得分区", attr_text="指标!$B$2:$B$4")
    wb.defined_names["税率"] = DefinedName("税率", attr_text="0.13")
    second = wb.create_sheet("Sheet 2")
    second["A1"] = "本表由校验生成"
    second.defined_names["局部"] = DefinedName("局部", attr_text="'Sheet 2'!$A$1")
    hidden = wb.create_sheet("隐藏")
    hidden["A1"] = "设置"
    hidden.sheet_state = "hidden"
    path = tmp_path / "考核表.xlsx"
    wb.save(path)
    with_cached_value(path, "xl/worksheets/sheet1.xml", "B2+B3", "97.5")
    return path


def test_from_file_reads_what_excel_shows(workbook_file: Path) -> None:
    book = ClientBook.from_file(workbook_file)

    assert book.name == "考核表.xlsx"
    assert [(s.name, s.visible) for s in book.sheets] == [
        ("指标", True),
        ("Sheet 2", True),
        ("隐藏", False),
    ]
    sheet = book.sheets[0]
    assert sheet.value("A2") == "安全生产" and sheet.value("B2") == 95
    assert sheet.value("C2") == dt.datetime(2024, 3, 1)
    assert sheet.value("B4") == 97.5  # the cached result, not the formula
    assert sheet.notes == {"B3": "请核对"}
    assert sheet.hyperlinks == {"A5": ("https://example.org/说明", "说明", "")}
    assert [(r.ranges, r.type, r.formula, r.fill_color, r.font_color) for r in sheet.rules] == [
        (["B2:B4", "D5"], "Custom", "=ISBLANK($B2)", "#FFC7CE", "#9C0006"),
        (["B2:B4"], "CellValue", None, "#FFEB9C", None),
    ]
    assert sheet.rules[1].extra["operator"] == "GreaterThan"
    assert sheet.rules[1].extra["formula1"] == "90"
    assert [(n["name"], n["book_scope"], n["sheet_index"], n["address"]) for n in book.names] == [
        ("得分区", True, 0, "B2:B4"),
        ("税率", True, None, None),
        ("局部", False, 1, "A1"),
    ]
    assert book.names[2]["scope_sheet_index"] == 1
    assert book.sheets[2].value("A1") == "设置"


def test_the_engine_reads_the_payload_as_excel_showed_it(workbook_file: Path) -> None:
    client = ClientBook.from_file(workbook_file)
    payload = client.payload()

    # rectangular from A1, "" for empty cells, dates as the client's ISO strings
    assert payload["sheets"][0]["values"][2] == ["质量", 2.5, ""]
    assert payload["sheets"][0]["values"][1][2] == "2024-03-01T00:00:00.000Z"
    assert {len(row) for row in payload["sheets"][0]["values"]} == {3}
    assert payload["sheets"][0]["notes"] == [{"address": "$B$3"}]

    book = xw.Book(json=payload)
    try:
        sheet = book.sheets["指标"]
        assert sheet["A1:C5"].value == [
            ["指标", "得分", "日期"],
            ["安全生产", 95, dt.datetime(2024, 3, 1)],
            ["质量", 2.5, None],
            ["合计", 97.5, None],
            ["说明", None, None],
        ]
        assert [(n.name, n.refers_to) for n in book.names] == [
            ("得分区", "=指标!$B$2:$B$4"),
            ("税率", "=0.13"),
            ("'Sheet 2'!局部", "='Sheet 2'!$A$1"),
        ]
        assert book.names["得分区"].refers_to_range.address == "$B$2:$B$4"
        assert [n.name for n in book.sheets["Sheet 2"].names] == ["'Sheet 2'!局部"]
        assert [note.impl.range.address for note in sheet.notes] == ["$B$3"]
        assert sheet["B3"].note is not None and sheet["B2"].note is None
        assert [s.visible for s in book.sheets] == [True, True, False]
        assert book.sheets["隐藏"]["A1"].value == "设置"
    finally:
        book.close()


def test_payload_is_a_fresh_copy_every_call() -> None:
    client = small_book()
    book = client.open()
    book.sheets.add("结果")  # the engine grows the payload's sheet list in place
    book.sheets[0]["C1"].add_note("新")  # and its notes list
    book.close()
    assert [s["name"] for s in client.payload()["sheets"]] == ["数据", "Sheet 1"]
    assert client.payload()["sheets"][0]["notes"] == [{"address": "$A$2"}, {"address": "$B$3"}]


# ---- round trips through the engine's actions ----------------------------------------


def test_sync_script_changes_exactly_what_it_recorded() -> None:
    client = small_book()
    before = client.state()

    def script(book: Any) -> None:
        sheet = book.sheets["数据"]
        sheet["C2"].add_note("校验: 缺数据")
        sheet["A2"].note.delete()
        sheet["C2:C3"].conditional_formats.add_custom(
            '=$C2=""', fill_color="#ffc7ce", font_color=(156, 0, 6)
        )
        sheet["D1"].add_hyperlink("#'Sheet 1'!A1", "去 Sheet 1", "跳转")
        result = book.sheets.add("校验结果", after=book.sheets[-1])
        result["A1"].value = [["问题", "位置"], ["缺数据", "数据!C2"]]
        result["A1:B1"].font.bold = True
        result["A1"].column_width = 20
        sheet["A3:B3"].clear_contents()
        book.app.alert("校验完成", title="校验")

    actions = client.run(script)

    assert [a["func"] for a in actions] == [
        "addNote",
        "deleteNote",
        "addConditionalFormat",
        "addHyperlink",
        "addSheet",
        "setValues",
        "setFontProperty",
        "setColumnWidth",
        "rangeClearContents",
        "alert",
    ]
    expected = copy.deepcopy(before)
    data = expected["sheets"][0]
    data["notes"] = {"B3": "【错误 S05】总分错", "C2": "校验: 缺数据"}
    del data["values"]["A3"], data["values"]["B3"]
    data["values"]["D1"] = "去 Sheet 1"  # Office.js shows textToDisplay in the cell
    data["hyperlinks"] = {"D1": ["#'Sheet 1'!A1", "去 Sheet 1", "跳转"]}
    new_rule = custom(["C2:C3"], '=$C2=""', "#FFC7CE", "#9C0006")
    data["rules"].insert(0, asdict(new_rule))
    expected["sheets"].append(
        {
            "name": "校验结果",
            "visible": True,
            "values": {"A1": "问题", "B1": "位置", "A2": "缺数据", "B2": "数据!C2"},
            "notes": {},
            "rules": [],
            "hyperlinks": {},
            "formats": {
                "A1": {"font.bold": True},
                "B1": {"font.bold": True},
                "column A": {"width": 20},
            },
        }
    )
    assert client.state() == expected
    assert client.alerts == [("校验完成", "校验")]


def test_async_script_reads_rules_and_notes_and_deletes_only_its_own() -> None:
    client = small_book()
    client.sheets[0].notes["A3"] = "【提示 S10】达标却扣分"
    seen: dict[str, Any] = {}

    async def clear_marks(book: Any) -> None:
        sheet = book.sheets["数据"]
        rules = await sheet["A1:D5"].get_conditional_formats()
        seen["rules"] = [(r.type, r.formula, r.fill_color, r.font_color) for r in rules]
        for rule in rules:
            if rule.formula == MARK:
                rule.delete()
        seen["notes"] = {}
        for note in list(sheet.notes):
            text = await note.get_text()
            seen["notes"][note.impl.range.address] = text
            if text.startswith("【"):
                note.delete()
        seen["author"] = await sheet["A2"].note.get_author()

    actions = client.run(clear_marks)

    assert seen["rules"] == [
        ("custom", MARK, (255, 199, 206), (156, 0, 6)),
        ("custom", '=$A2=""', (255, 235, 156), None),
    ]
    assert seen["notes"] == {
        "$A$2": "用户自己的批注",
        "$A$3": "【提示 S10】达标却扣分",
        "$B$3": "【错误 S05】总分错",
    }
    assert seen["author"] == ""
    assert [(a["func"], a["args"][0]) for a in actions] == [
        ("deleteConditionalFormat", 0),
        ("deleteNote", "$A$3"),
        ("deleteNote", "$B$3"),
    ]
    sheet = client.sheets[0]
    assert sheet.notes == {"A2": "用户自己的批注"}
    assert [rule.formula for rule in sheet.rules] == ['=$A2=""']


def test_a_read_sees_the_writes_queued_before_it_and_they_apply_once() -> None:
    client = small_book()
    seen: dict[str, Any] = {}

    async def script(book: Any) -> None:
        sheet = book.sheets["数据"]
        sheet["C1"].add_note("新的")
        sheet["C1:C3"].conditional_formats.add_custom("=$C1>0", fill_color="#00FF00")
        sheet["A4"].value = "写入"
        seen["queued"] = len(book.json()["actions"])
        seen["text"] = await sheet["C1"].note.get_text()  # flushes the queue first
        seen["queue after read"] = len(book.json()["actions"])
        rules = await sheet["C2"].get_conditional_formats()
        seen["rules"] = [rule.formula for rule in rules]
        seen["sync value"] = sheet["A4"].value  # the payload snapshot: not refreshed
        await book.load(values=True)  # Lite's way to refresh it
        seen["loaded value"] = sheet["A4"].value
        sheet["C1"].note.text = "改写"

    actions = client.run(script)

    assert seen == {
        "queued": 3,
        "text": "新的",
        "queue after read": 0,
        "rules": ["=$C1>0"],
        "sync value": None,
        "loaded value": "写入",
    }
    # every action once, in order; addNote applied twice would have raised
    assert [a["func"] for a in actions] == [
        "addNote",
        "addConditionalFormat",
        "setValues",
        "setNoteText",
    ]
    assert [a["func"] for a in client.flushed] == ["addNote", "addConditionalFormat", "setValues"]
    sheet = client.sheets[0]
    assert sheet.notes["C1"] == "改写"
    assert sheet.value("A4") == "写入"
    assert sheet.rules[0].ranges == ["C1:C3"]


def test_explicit_flush_applies_the_queue() -> None:
    client = small_book()

    async def script(book: Any) -> None:
        book.sheets[0]["A6"].value = 6
        await book.flush()
        assert book.json()["actions"] == []
        assert client.sheets[0].value("A6") == 6

    assert [a["func"] for a in client.run(script)] == ["setValues"]


def test_a_failing_script_keeps_what_was_flushed_and_drops_the_queue() -> None:
    client = small_book()

    async def script(book: Any) -> None:
        book.sheets[0]["A6"].value = "flushed"
        await book.flush()
        book.sheets[0]["A7"].value = "queued"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        client.run(script)
    assert client.sheets[0].value("A6") == "flushed"
    assert client.sheets[0].value("A7") is None


def test_deleting_one_of_two_identical_rules_names_the_first() -> None:
    # The engine finds a rule's index with list.index(), i.e. by equality: of two rules with
    # the same entry, deleting the second sends index 0, and the client deletes the first.
    client = small_book()
    sheet = client.sheets[0]
    sheet.rules = [custom(["A1"], "=1", "#FF0000"), custom(["B1"], "=1", "#FF0000")]

    async def script(book: Any) -> None:
        rules = await book.sheets[0]["A1:B1"].get_conditional_formats()
        list(rules)[1].delete()

    actions = client.run(script)
    assert actions[0]["args"][0] == 0
    assert [rule.ranges for rule in sheet.rules] == [["B1"]]


def test_pending_rules_of_separate_collections_get_stale_indices() -> None:
    # Each Range.conditional_formats is a new collection; a rule added through one and
    # deleted later is indexed in that collection only, so its index is 0 while Excel has
    # another new rule on top: the snapshot check catches it.
    client = small_book()

    def script(book: Any) -> None:
        first = book.sheets[0]["A1"].conditional_formats.add_custom("=1", fill_color="#FF0000")
        book.sheets[0]["A1"].conditional_formats.add_custom("=2", fill_color="#00FF00")
        first.delete()

    with pytest.raises(AssertionError, match="deleteConditionalFormat"):
        client.run(script)


def test_clear_conditional_formats_removes_the_rules_that_intersect() -> None:
    client = small_book()
    client.run(lambda book: book.sheets[0]["D5"].conditional_formats.clear())
    assert [rule.formula for rule in client.sheets[0].rules] == [MARK]


# ---- the client's own rules ------------------------------------------------------------


def test_values_are_parsed_the_way_excel_parses_typing() -> None:
    client = small_book()

    def script(book: Any) -> None:
        sheet = book.sheets[0]
        sheet["F1"].value = [["001", "'001", "12.50", "50%", "TRUE", "=SUM(B2:B3)"]]
        sheet["F2"].value = [[dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 13, 45), None]]
        sheet["F3"].value = "110101199001011234"
        sheet["F4"].number_format = "@"
        sheet["F4"].value = "001"

    client.run(script)
    sheet = client.sheets[0]
    row1 = [sheet.value(f"{c}1") for c in "FGHIJK"]
    assert row1 == [1, "001", 12.5, 0.5, True, "=SUM(B2:B3)"]
    assert [sheet.value("F2"), sheet.value("G2"), sheet.value("H2")] == [
        dt.datetime(2024, 5, 1),
        dt.datetime(2024, 5, 1, 13, 45),
        None,
    ]
    assert sheet.value("F3") == 110101199001011000  # Excel keeps 15 significant digits
    assert sheet.value("F4") == "001"


def test_unknown_action_raises_naming_it() -> None:
    client = small_book()
    with pytest.raises(AssertionError, match="'rangeToPng'"):
        client.apply([{"func": "rangeToPng", "args": [None], "sheet_position": 0}])
    with pytest.raises(AssertionError, match="'calculate'"):
        client.run(lambda book: book.app.calculate())


def test_a_note_can_only_be_added_where_there_is_none() -> None:
    client = small_book()
    add = {
        "func": "addNote",
        "args": ["$A$2", "再一次"],
        "values": None,
        "sheet_position": 0,
        "start_row": 1,
        "start_column": 0,
        "row_count": 1,
        "column_count": 1,
    }
    with pytest.raises(ClientError, match="already has a note"):
        client.apply([add])
    delete = {**add, "func": "deleteNote", "args": ["$C$9"], "start_row": 8, "start_column": 2}
    with pytest.raises(ClientError, match="has no note"):
        client.apply([delete])


def test_sheet_structure_and_names_follow_the_sheets() -> None:
    client = small_book()
    client.add_name("结果区", "=数据!$A$1:$B$3", None)

    def script(book: Any) -> None:
        book.sheets["数据"].name = "数据 2"
        book.sheets["数据 2"].copy(after=book.sheets["Sheet 1"])
        book.sheets["Sheet 1"].visible = False
        book.sheets[0].names.add("局部", "='数据 2'!$C$1")

    client.run(script)
    assert [(s.name, s.visible) for s in client.sheets] == [
        ("数据 2", True),
        ("Sheet 1", False),
        ("数据 2 (2)", True),
    ]
    assert client.sheets[2].notes == client.sheets[0].notes
    names = [
        (n["name"], n["refers_to"], n["scope_sheet_name"], n["sheet_index"]) for n in client.names
    ]
    assert names == [
        ("结果区", "='数据 2'!$A$1:$B$3", None, 0),
        ("结果区", "='数据 2 (2)'!$A$1:$B$3", "数据 2 (2)", 2),
        ("局部", "='数据 2'!$C$1", "数据 2", 0),
    ]
    book = client.open()
    try:
        assert [s.visible for s in book.sheets] == [True, False, True]
        assert book.names["结果区"].refers_to_range.address == "$A$1:$B$3"
    finally:
        book.close()


def test_serving_reads_leaves_nothing_behind() -> None:
    client = small_book()
    book = client.open()
    try:
        with client.serving_reads(book):
            assert "js" in sys.modules and _xlremote.sys.platform == "emscripten"
        assert "js" not in sys.modules and "pyodide.ffi" not in sys.modules
        assert _xlremote.sys is sys
        with pytest.raises(NotImplementedError, match="only supported in xlwings Lite"):
            asyncio.run(book.sheets[0]["A2"].note.get_text())
    finally:
        book.close()


def test_remote_engine_works_when_xlwings_was_imported_without_a_key() -> None:
    # conftest imports xlwings (through jixiao.udfs) before this module sets the key.
    code = (
        "import xlwings as xw\n"
        "assert 'remote' not in [e.name for e in xw.engines]\n"
        "import remote_client\n"
        "book = remote_client.ClientBook('t.xlsx', [remote_client.ClientSheet('S', {(1, 1): 5})])\n"
        "assert book.open().sheets[0]['A1'].value == 5\n"
        "assert book.run(lambda b: b.sheets[0]['A2'].add_note('n'))[0]['func'] == 'addNote'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
