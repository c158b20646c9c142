"""The formula evaluator (jixiao.formats.formula) against hand-checked values and LibreOffice.

Semantic cases run as small workbooks; the same cases, the examples imported into their
templates and two workbooks of awkward indicator values are then compared, cell by cell,
with LibreOffice's results: with the JX functions served and without them (the native
fallback formulas).
"""

from __future__ import annotations

import datetime
import json
import math
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from support import EXAMPLE_FILES, EXAMPLES

import jixiao.udfs
from jixiao.cli import main
from jixiao.formats.formula import (
    Call,
    Error,
    Reference,
    Workbook,
    evaluate_all,
    parse,
    text_to_number,
)

UDFS = {name: getattr(jixiao.udfs, name) for name in jixiao.udfs.__all__}
VALUE, NA, DIV0, REF, NAME, NUM = (
    Error(c) for c in ("#VALUE!", "#N/A", "#DIV/0!", "#REF!", "#NAME?", "#NUM!")
)


# ---- helpers ---------------------------------------------------------------------------


def _pos(address: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", address)
    assert m, address
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def book(
    formulas: dict[str, str],
    cells: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    sheet_names: dict[tuple[str, str], str] | None = None,
    sheet: str = "S",
) -> Workbook:
    """A workbook of one sheet by A1 addresses (a "Sheet!A1" address names another sheet)."""

    def key(address: str) -> tuple[str, int, int]:
        s, _, a = address.rpartition("!")
        return (s or sheet, *_pos(a))

    return Workbook(
        cells={key(a): v for a, v in (cells or {}).items()},
        formulas={key(a): f for a, f in formulas.items()},
        names=names or {},
        sheet_names=sheet_names or {},
    )


def run(formulas: dict[str, str], cells: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    functions = kw.pop("functions", {})
    results = evaluate_all(book(formulas, cells, **kw), functions)
    out = {}
    for (s, r, c), v in results.items():
        address = f"{get_column_letter(c)}{r}"
        out[address if s == kw.get("sheet", "S") else f"{s}!{address}"] = v
    return out


def one(formula: str, cells: dict[str, Any] | None = None, **kw: Any) -> Any:
    return run({"Z1": formula}, cells, **kw)["Z1"]


def same(mine: Any, lo: Any) -> bool:
    """Our result equals LibreOffice's (errors as ("#N/A",), logicals as 1/0, numbers to a
    relative 1e-12)."""
    if isinstance(lo, tuple):
        return isinstance(mine, Error) and mine.code == lo[0]
    if isinstance(mine, bool):
        mine = 1.0 if mine else 0.0
    if isinstance(lo, str):
        return mine == lo
    if isinstance(mine, int | float) and not isinstance(mine, bool):
        return math.isclose(mine, lo, rel_tol=1e-12, abs_tol=1e-300)
    return False


def matches(expected: Any, got: Any) -> bool:
    if isinstance(expected, float) and isinstance(got, int | float) and not isinstance(got, bool):
        return math.isclose(expected, got, rel_tol=1e-12, abs_tol=1e-300)
    return type(expected) is type(got) and expected == got


def read_book(path: Path) -> Workbook:
    """Values, formulas (the sheet XML's <f>, array formulas too) and defined names."""
    wb = openpyxl.load_workbook(path)
    cells: dict[tuple[str, int, int], Any] = {}
    formulas: dict[tuple[str, int, int], str] = {}
    local: dict[tuple[str, str], str] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                key = (ws.title, c.row, c.column)
                if isinstance(c.value, ArrayFormula):
                    formulas[key] = (c.value.text or "").removeprefix("=")
                elif c.data_type == "f":
                    formulas[key] = str(c.value).removeprefix("=")
                elif c.data_type == "e":
                    cells[key] = Error(str(c.value))
                elif c.value is not None:
                    cells[key] = c.value
        for name, d in ws.defined_names.items():
            local[(ws.title, name)] = d.attr_text
    names = {name: d.attr_text for name, d in wb.defined_names.items()}
    return Workbook(cells, formulas, names, local)


_LOCALE_CHECKED: dict[int, bool] = {}


def require_c_locale(engine: Any, tmp_path: Path) -> None:
    """The evaluator reads text as a number the way LibreOffice does in the C or en-US
    locale. In a Chinese locale LibreOffice (as Chinese Excel) also takes "2020年12月31日"
    and "3-5" for dates, and the templates' native formulas read such values differently."""
    key = id(engine)
    if key not in _LOCALE_CHECKED:
        probe = {"A1": '1*"2020年12月31日"', "A2": '1*"1/2/2020"'}
        got = libreoffice_values(engine, tmp_path, {}, probe, "locale.xlsx")
        _LOCALE_CHECKED[key] = same(VALUE, got["A1"]) and same(43832.0, got["A2"])
    assert _LOCALE_CHECKED[key], (
        "LibreOffice runs in a locale that reads other texts as dates than the evaluator "
        "(which follows the C/en-US locale): run the tests with LC_ALL=C.UTF-8"
    )


def differences(path: Path, engine: Any, functions: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every formula cell whose value differs from LibreOffice's for the same file."""
    require_c_locale(engine, path.parent)
    workbook = read_book(path)
    mine = evaluate_all(workbook, functions)
    assert len(mine) > 1000  # the workbook's formulas were read
    with engine.open(path) as doc:
        doc.recalculate()
        lo = doc.formula_results()
    out = []
    for (s, r, c), v in mine.items():
        address = f"{get_column_letter(c)}{r}"
        theirs = lo.get(s, {}).get(address, "<no result>")
        if not same(v, theirs):
            out.append((s, address, workbook.formulas[(s, r, c)], v, theirs))
    return out


def libreoffice_values(
    engine: Any,
    tmp_path: Path,
    inputs: dict[str, Any],
    formulas: dict[str, str],
    name: str = "cases.xlsx",
) -> dict[str, Any]:
    """LibreOffice's results of single-cell array formulas on one sheet "S"."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for address, value in inputs.items():
        ws[address] = value
    for address, formula in formulas.items():
        ws[address] = ArrayFormula(address, "=" + formula)
    path = tmp_path / name
    wb.save(path)
    with engine.open(path) as doc:
        doc.recalculate()
        results = doc.formula_results()["S"]
    return {a: results.get(a, "<no result>") for a in formulas}


# ---- semantics --------------------------------------------------------------------------

# Input cells shared by the cases; A20:A22 stay empty.
INPUTS: dict[str, Any] = {
    "A1": 1,
    "A2": "x",
    "A3": 3,
    "A5": "5",
    "A7": "abc",
    "A8": "ABC",
    "A9": " 12 ",
    "A10": "50%",
    "A11": "1.5E3",
    "A12": "2020-12-31",
    "B30": 0,
    "B31": 60,
    "B32": 80,
    "B33": 90,
    "C30": "差",
    "C31": "中",
    "C32": "良",
    "C33": "优",
}
T, F = True, False
DIGITS = "{0,1,2,3,4,5,6,7,8,9}"
TO12 = "{1,2,3,4,5,6,7,8,9,10,11,12}"

# (formula, expected): Excel's value, which LibreOffice agrees with (checked below).
CASES: list[tuple[str, Any]] = [
    # empty cells, numbers in text, arithmetic
    ("A20+1", 1.0),
    ("1*A9", 12.0),
    ("--A5", 5.0),
    ("--A10", 0.5),
    ("--A11", 1500.0),
    ("0+A12", 44196.0),
    ('--"1,000.5"', 1000.5),
    ('--"$5"', 5.0),
    ('--"(5)"', -5.0),
    ('0+""', VALUE),
    ("--A7", VALUE),
    ('--"１２"', VALUE),
    ('--"12:30"', 0.5208333333333334),
    ('--"1/2/2020"', 43832.0),
    ('--"2020/12/31"', VALUE),
    ('--"3-5"', VALUE),
    ("-2^2", 4.0),
    ("2^-1", 0.5),
    ("5%", 0.05),
    ("50%*2", 1.0),
    ("1/0", DIV0),
    ("9.9E+307*10", NUM),
    ("0.1+0.2=0.3", T),
    ("0.3-0.1-0.2", 0.0),
    ("1+TRUE", 2.0),
    ('"1"+"2"', 3.0),
    ('ABS(-"3")', 3.0),
    # comparison
    ('A20=""', T),
    ("A20=0", T),
    ("A20=FALSE", T),
    ('"abc"=A20', F),
    ('""=0', F),
    ("A7=A8", T),
    ('"a"<"B"', T),
    ('"a">1', T),
    ('"10"<"9"', T),
    ("ISNUMBER(A20)", F),
    ("ISNUMBER(A5)", F),
    ("ISNUMBER(A3)", T),
    # text
    ('A20&"x"', "x"),
    ('1/3&""', "0.333333333333333"),
    ('2/3*100&""', "66.6666666666667"),
    ('-0.5&""', "-0.5"),
    ('FIND("b",A7)', 2.0),
    ('FIND("B",A7)', VALUE),
    ('FIND("a",A7,4)', VALUE),
    ("MID(A7,5,1)", ""),
    ("MID(A7,0,1)", VALUE),
    ("MID(A7,2,-1)", VALUE),
    ("MID(A7,1.9,1.9)", "a"),
    ("LEFT(A7,5)", "abc"),
    ("LEFT(A7)", "a"),
    ("LEFT(A7,-1)", VALUE),
    ("RIGHT(A7,0)", ""),
    ("RIGHT(A7,2)", "bc"),
    ("LEN(A20)", 0.0),
    ("LEN(123)", 3.0),
    ('TRIM("  a   b  ")', "a b"),
    ('ASC("ＡＢ１２，（）～％")', "AB12,()~%"),
    ('ASC("1、2。「」")', "1､2｡｢｣"),
    ('ASC("ガ")', "ｶﾞ"),
    ('SUBSTITUTE("aaa","a","b",2)', "aba"),
    ('SUBSTITUTE("a,b,c",",","")', "abc"),
    ('SUBSTITUTE("abc","","x")', "abc"),
    # arrays
    (f'MIN(FIND({DIGITS},"ab3c"&"0123456789"))', 3.0),
    ('COUNT(FIND({"a","z"},A7))', 1.0),
    ('MAX(FIND({"a","z"},A7))', VALUE),
    ("INDEX({1,2}+{10;20},2,2)", 22.0),
    ("INDEX(IF({FALSE,TRUE},{1,2},{3,4}),2)", 2.0),
    ("IF({TRUE,FALSE},1,2)", 1.0),
    ("INDEX(IFERROR(1/{1,0},7),2)", 7.0),
    ("ROW(A5:A7)", 5.0),
    ("INDEX(ROW(A5:A7),2)", 6.0),
    ('SUM(LEN({"a","bb"}))', 3.0),
    ("SUM(LEN(C30:C33))", 4.0),
    ("AND({TRUE,FALSE})", F),
    ("OR({0,0})", F),
    ('COUNT(1*MID("12a",1,{1,2,3}))', 2.0),
    # LOOKUP and its idioms
    ('LOOKUP(9.9E+307,1*MID("ab3.5kg",3,{1,2,3,4,5}),{1,2,3,4,5})', 3.0),
    (f'LOOKUP(9.9E+307,1*MID("2020-12-31前",1,{TO12}),{TO12})', 10.0),
    (f'LOOKUP(9.9E+307,1*MID("10:0-6岁",1,{TO12}),{TO12})', 5.0),
    ("LOOKUP(2,1/{0,0,1,0,0,0,0,0,1,0},{1,2,3,4,5,6,7,8,9,10})", 9.0),
    ("LOOKUP(2,1/{1,0,0,0,0,0,0,0,0,0},{1,2,3,4,5,6,7,8,9,10})", 1.0),
    ("LOOKUP(2,1/({1,0,1}=1),{10,20,30})", 30.0),
    ('LOOKUP(2,1/(RIGHT("3天以内",{1,2})={"内","以内"}),{1,2})', 2.0),
    ("LOOKUP(0,{1,2})", NA),
    ("LOOKUP(2,{1,2;3,4})", 2.0),
    ("LOOKUP(85,B30:B33,C30:C33)", "良"),
    ("LOOKUP(90,B30:B33,C30:C33)", "优"),
    ("LOOKUP(-1,B30:B33,C30:C33)", NA),
    ('LOOKUP("b",{"a","c"})', "a"),
    # MATCH, INDEX
    ('MATCH("ABC",A7:A8,0)', 1.0),
    ('MATCH("zz",A7:A8,0)', NA),
    ('MATCH(1,{"1",1},0)', 2.0),
    ('MATCH("a*",A7:A8,0)', 1.0),
    ('MATCH("a?",A7:A8,0)', NA),
    ('MATCH("",A20:A22,0)', NA),
    ("MATCH(85,B30:B33)", 3.0),
    ("MATCH(90,B30:B33,1)", 4.0),
    ("INDEX(C30:C33,2)", "中"),
    ("INDEX(B30:C30,2)", "差"),
    ('INDEX({1,2,3},"")', VALUE),
    ("INDEX({1,2,3},1.9)", 1.0),
    ("ROW(INDEX(B30:B33,3))", 32.0),
    ('INDEX(B30:B33,MATCH("良",C30:C33,0))-1', 79.0),
    # aggregates
    ("SUM(A1:A7)", 4.0),
    ("COUNT(A1:A7)", 2.0),
    ('COUNT(1,"2","a")', 2.0),
    ("SUM(A5)", 0.0),
    ("MIN(A2)", 0.0),
    ("MAX(B30:B33)", 90.0),
    ("MIN(B31:B33,70)", 60.0),
    ('N("5")', 0.0),
    ("N(A3)", 3.0),
    ("N(A20)", 0.0),
    ("N(TRUE)", 1.0),
    ("AND(A1,A3)", T),
    ("AND(A20)", VALUE),
    ("AND(A7,TRUE)", T),
    ("OR(A2)", VALUE),
    ('AND("a")', VALUE),
    ("NOT(A20)", T),
    ('NOT("a")', VALUE),
    ("NOT(2)", F),
    # IF, IFERROR
    ('IF(A20,"t","f")', "f"),
    ('IF("x","t","f")', VALUE),
    ('IF("true","t","f")', "t"),
    ("IF(0,1)", F),
    ('IFERROR(1/0,"e")', "e"),
    ('IFERROR(A20,"e")', 0.0),
    ("IF(1,A20)", 0.0),
]


@pytest.mark.parametrize(("formula", "expected"), CASES, ids=[c[0] for c in CASES])
def test_semantics(formula, expected):
    got = one(formula, INPUTS)
    assert matches(expected, got), (formula, got)


def test_semantics_agree_with_libreoffice(libreoffice, tmp_path):
    require_c_locale(libreoffice, tmp_path)
    formulas = {f"E{i + 1}": f for i, (f, _) in enumerate(CASES)}
    mine = run(formulas, INPUTS)
    theirs = libreoffice_values(libreoffice, tmp_path, INPUTS, formulas)
    bad = [(f, mine[a], theirs[a]) for a, f in formulas.items() if not same(mine[a], theirs[a])]
    assert bad == []


# A formula whose result is a reference to an empty cell: shown as 0, yet "" to readers
# (LibreOffice's empty result; Excel would hold the number 0).
EMPTY_RESULTS = {
    "E1": ("A20", 0.0),
    "E2": ('E1=""', T),
    "E3": ("E1=0", T),
    "E4": ("ISNUMBER(E1)", F),
    "E5": ('E1&"x"', "0x"),
    "E6": ("COUNT(E1)", 1.0),
    "E7": ("IF(TRUE,A20)", 0.0),
    "E8": ('E7=""', T),
    "E9": ("INDEX(A20:A21,1)", 0.0),
    "E10": ('IF(E9="","=",E9)', "="),
    "E11": ("E1+1", 1.0),
}


def test_empty_results():
    got = run({a: f for a, (f, _) in EMPTY_RESULTS.items()})
    assert {a: got[a] for a in EMPTY_RESULTS} == {a: e for a, (_, e) in EMPTY_RESULTS.items()}


def test_empty_results_agree_with_libreoffice(libreoffice, tmp_path):
    require_c_locale(libreoffice, tmp_path)
    formulas = {a: f for a, (f, _) in EMPTY_RESULTS.items()}
    mine = run(formulas)
    theirs = libreoffice_values(libreoffice, tmp_path, {}, formulas)
    assert [(a, mine[a], theirs[a]) for a in formulas if not same(mine[a], theirs[a])] == []


def test_excel_where_libreoffice_differs():
    # Excel's ASC also makes the ideographic space half-width (LibreOffice keeps it).
    assert one('ASC("　1　")') == " 1 "
    # FIND of "" finds the start (LibreOffice: #VALUE!); logicals are no numbers.
    assert one('FIND("","abc")') == 1.0
    assert one("ISNUMBER(TRUE)") is False
    assert one("TRUE=1") is False
    assert one("0^0") == NUM
    assert one('--"TRUE"') == VALUE
    assert one('1E+20&""') == "1E+20"
    assert one("INDEX({1,2,3},4)") == REF
    assert one('MATCH("a*",{"x","abc"},0)') == 2.0  # wildcards in arrays too


def test_text_to_number():
    assert text_to_number(" 12 ") == 12.0
    assert text_to_number("50%") == 0.5
    assert text_to_number("1.5E3") == 1500.0
    assert text_to_number("3-") == -3.0
    assert text_to_number("2020-12-31") == 44196.0
    assert text_to_number("10AM") == 10 / 24
    assert text_to_number("12/31") is not None  # this year's 31 December
    for text in ("", "abc", "1,00", "1-2", "12-31", "2020-13-01", "2/30", "1e", "5%%", "１２"):
        assert text_to_number(text) is None, text


def test_current_row_and_copied_formulas():
    cells = {f"A{r}": r * 10 for r in range(1, 6)}
    formulas = {f"B{r}": f"A{r}*2+ROW()" for r in range(1, 6)}
    formulas |= {f"C{r}": f'"A{r}"&A{r}' for r in range(1, 6)}  # text that looks like a cell
    got = run(formulas, cells)
    assert [got[f"B{r}"] for r in range(1, 6)] == [r * 20.0 + r for r in range(1, 6)]
    assert [got[f"C{r}"] for r in range(1, 6)] == [f"A{r}{r * 10}" for r in range(1, 6)]


def test_dependency_order_and_long_chains():
    formulas = {"A1": "1"} | {f"A{r}": f"A{r - 1}+1" for r in range(2, 5001)}
    formulas["B1"] = "SUM(A1:A5000)"
    got = run(dict(reversed(formulas.items())))
    assert got["A5000"] == 5000.0
    assert got["B1"] == 5000 * 5001 / 2


def test_cycles_are_value_errors():
    got = run(
        {"A1": "B1+1", "B1": "A1+1", "C1": "A1*2", "D1": "D1", "E1": "1+1", "F1": "SUM(F1:F2)"}
    )
    assert got == {"A1": VALUE, "B1": VALUE, "C1": VALUE, "D1": VALUE, "E1": 2.0, "F1": VALUE}


def test_sheets_and_names():
    cells = {"Other sheet!B2": 4, "A1": 0.5, "T!A1": 7}
    formulas = {
        "Z1": "'Other sheet'!B2*2",
        "Z2": "rate*10",  # sheet-level name on S
        "T!Z1": "rate*10",  # workbook-level name
        "Z3": "SUM(block)",
        "Z4": "nowhere",
        "Z5": "T!A1+1",
        "Z6": "'other SHEET'!B2",  # sheet names are case-insensitive
    }
    names = {"rate": "'Other sheet'!$B$2", "block": "'Other sheet'!$A$1:$C$3"}
    local = {("S", "rate"): "S!$A$1"}
    got = run(formulas, cells, names=names, sheet_names=local)
    assert got == {
        "Z1": 8.0,
        "Z2": 5.0,
        "T!Z1": 40.0,
        "Z3": 4.0,
        "Z4": NAME,
        "Z5": 8.0,
        "Z6": 4.0,
    }


def test_names_are_dependencies():
    got = run({"A1": "total*2", "B1": "C1+1"}, {"C1": 1}, names={"total": "S!$B$1"})
    assert got == {"A1": 4.0, "B1": 2.0}


def test_user_functions():
    calls = []

    def record(*args):
        calls.append(args)
        return 1.5

    def fail(*args):
        raise ValueError("no")

    cells = {"A1": 2, "B1": "t", "B2": 3, "C1": "#N/A"}
    formulas = {
        "Z1": 'JX_F(A1,A20,B1:C2,"s")',
        "Z2": "JX_F(A1,)",
        "Z3": "jx_fail(1)",
        "Z4": "JX_NONE(1)",
        "Z5": 'IFERROR(0+JX_NONE(1),"fallback")',
        "Z6": "JX_F(1/0)",
    }
    got = run(formulas, cells | {"C1": Error("#N/A")}, functions={"jx_f": record, "JX_FAIL": fail})
    assert got == {"Z1": 1.5, "Z2": 1.5, "Z3": VALUE, "Z4": NAME, "Z5": "fallback", "Z6": 1.5}
    assert calls == [(2.0, None, [["t", None], [3.0, None]], "s"), (2.0,), (None,)]


def test_user_function_results():
    functions = {
        "JX_TEXT": lambda: "",
        "JX_LIST": lambda: [[1, 2], [3, 4]],
        "JX_NAN": lambda: float("nan"),
        "JX_OBJ": lambda: object(),
        "JX_NONE": lambda: None,
    }
    got = run(
        {
            "Z1": "JX_TEXT()",
            "Z2": "JX_LIST()",
            "Z3": "SUM(JX_LIST())",
            "Z4": "JX_NAN()",
            "Z5": "JX_OBJ()",
            "Z6": "0+JX_TEXT()",
            "Z7": "JX_NONE()",
        },
        functions=functions,
    )
    assert got == {
        "Z1": "",
        "Z2": 1.0,
        "Z3": 10.0,
        "Z4": NUM,
        "Z5": VALUE,
        "Z6": VALUE,
        "Z7": 0.0,
    }


def test_unreadable_and_unknown():
    assert one("1+") == NAME
    assert one("FOO(1)") == NAME
    assert one('"unclosed') == NAME


def test_cell_values_of_other_types():
    class ErrorText(str):
        """A cell error as jixiao.formats.cells reads it."""

    cells = {"A1": datetime.date(2020, 12, 31), "A2": ErrorText("#N/A"), "A3": Error("#DIV/0!")}
    got = run({"B1": "A1+0", "B2": 'IFERROR(A2,"e")', "B3": "ISNUMBER(A3)", "B4": "A3"}, cells)
    assert got == {"B1": 44196.0, "B2": "e", "B3": False, "B4": DIV0}


def test_parse():
    tree = parse("SUM('My sheet'!$A$1:B2,1)")
    assert isinstance(tree, Call) and tree.name == "SUM"
    ref = tree.args[0]
    assert ref == Reference("My sheet", 1, 1, 2, 2, True, True, False, False)
    assert parse("SUM('My sheet'!$A$1:B2,1)") is tree  # cached by text
    assert parse("=_xlfn.IFERROR(1,2)").name == "IFERROR"


# ---- the examples and awkward values, cell by cell against LibreOffice -------------------


def imported(example: Path, tmp_path: Path) -> Path:
    out = tmp_path / f"{example.stem}.xlsm"
    assert main(["import", str(example), "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.name)
def test_examples_with_functions_match_libreoffice(example, tmp_path, libreoffice_functions):
    path = imported(example, tmp_path)
    assert differences(path, libreoffice_functions, UDFS) == []


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.name)
def test_examples_without_functions_match_libreoffice(example, tmp_path, libreoffice):
    path = imported(example, tmp_path)
    assert differences(path, libreoffice, {}) == []


# Indicator values as clerks write them (many from the published forms in tests/corpus),
# and values that try every branch of the native reading.
AWKWARD = [
    "≥6次", "100.00%", "≧60个", "≥100百分比", "14.8万元", "204.46平方米", "≤90万元",
    "指标10:0-6岁儿童眼保健操覆盖数", "1、肥料利用率", "完成年度目标。", "2020-12-31前",
    "12月底前", "≥95%", "９５％", "≤3万元", " ≥ 18 场次 ", "1,000人", "约100人", "100人左右",
    "100余人", "5A级", "3.5E2", "1e3", "10:00前", "1/2", "2020/12/31", "好", "较好",
    "基本完成", "未完成", "按时完成", "达到预期", "是", "否", "合格", "优秀", "满意度≥90%",
    "不低于95%", "不超过100万元", "100万元以内", "95%以上", "10及以下", "-5%", "1-2个",
    "两个", "2020年", "2020年12月", "12个月", "0", "0%", ".5", "5.", "１２３", "100 人",
    "*5", "?", "3-5天", "2020-2022年", "10AM", "3/4/5", ">=80%", "=>80%", "≤=5天",
    "不少于3次", "3次及以上", "大于或等于90%", "30日内", "30天之内", "100m2", "100㎡",
    "50方", "10%左右", "1:1", "2020.12", "TOP10", "3-", "(5)", "$5", "5元/人", "1万余人",
    "有效", "显著", "不及时", "部分达成", "未达成预期", "已完成", "一般", "良好", "不合格",
    "", 0, 1, 0.5, 95, 100, 0.95, -3, 2020, 12.345, 123456789,
]  # fmt: skip
OPERATORS = ["≥", "≤", "=", "定性", ">=", "<", ">", "大于等于", "不低于", "≦", "？", "", "＝", "约"]
UNITS = ["%", "百分比", "万元", "个", "m2", "㎡", "平方", "年", "月", "天", "", "人次", "％", 5]
POINTS = [10, 5, 0, 2.5, None, "10", ""]


def awkward_form(example: str, offset: int) -> dict[str, Any]:
    data = json.loads((EXAMPLES / example).read_text("utf-8"))
    sichuan = any("指标性质" in i for i in data["绩效指标"])
    rows = []
    n = len(AWKWARD)
    for i in range(30):
        k = offset * 30 + i
        row = {
            "一级指标": "产出指标",
            "二级指标": "数量指标",
            "三级指标": f"指标{i + 1}",
            "指标值": AWKWARD[k % n],
            "实际完成值": AWKWARD[(k * 7 + 3) % n] if k % 4 else AWKWARD[k % n],
            "分值": POINTS[k % len(POINTS)],
        }
        if sichuan:
            row["指标性质"] = OPERATORS[k % len(OPERATORS)]
            row["度量单位"] = UNITS[(k * 3) % len(UNITS)]
        rows.append({key: v for key, v in row.items() if v is not None})
    data["绩效指标"] = rows
    return data


AWKWARD_FORMS = [("shifeng-2020-project.json", 0), ("zhaohua-2024-p1.json", 1)]


def awkward_workbook(example: str, offset: int, tmp_path: Path) -> Path:
    form = tmp_path / f"awkward-{offset}.json"
    form.write_text(json.dumps(awkward_form(example, offset), ensure_ascii=False), "utf-8")
    return imported(form, tmp_path)


@pytest.mark.parametrize(("example", "offset"), AWKWARD_FORMS)
def test_awkward_values_with_functions_match_libreoffice(
    example, offset, tmp_path, libreoffice_functions
):
    path = awkward_workbook(example, offset, tmp_path)
    assert differences(path, libreoffice_functions, UDFS) == []


@pytest.mark.parametrize(("example", "offset"), AWKWARD_FORMS)
def test_awkward_values_without_functions_match_libreoffice(example, offset, tmp_path, libreoffice):
    path = awkward_workbook(example, offset, tmp_path)
    assert differences(path, libreoffice, {}) == []
