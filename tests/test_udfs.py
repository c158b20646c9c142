"""Worksheet functions: what Excel's function wizard sees, what Excel passes, what they compute."""

from __future__ import annotations

import ast
import inspect
import math
import typing
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import EXAMPLE_FILES
from xlwings.conversion import accessors

import jixiao.udfs as udfs
from jixiao.core.assess import BudgetReading, readings
from jixiao.core.interchange import read_form
from jixiao.core.profile import load_profile
from jixiao.rules.arithmetic import recomputed_total
from jixiao.rules.base import Context

SOURCE = Path(inspect.getfile(udfs)).with_name("functions.py")
UDFS = [getattr(udfs, name) for name in udfs.__all__]


def decorator_problems(source: str) -> list[str]:
    """What xlwings on Windows would reject or leave undocumented in a UDF module."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef):
            continue
        names = [ast.unparse(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list]
        if "xw.func" not in names:
            continue
        decorators = [d for d in node.decorator_list if isinstance(d, ast.Call)]
        params = [a.arg for a in node.args.args]
        documented = set()
        for d in decorators:
            if ast.unparse(d.func) == "xw.arg":
                arg = d.args[0].value
                if arg not in params:
                    problems.append(f"{node.name}: @xw.arg('{arg}') names no parameter")
                if not any(k.arg == "doc" for k in d.keywords):
                    problems.append(f"{node.name}: @xw.arg('{arg}') has no doc")
                documented.add(arg)
        problems += [
            f"{node.name}: parameter '{p}' has no @xw.arg doc"
            for p in params
            if p not in documented
        ]
        if not (node.name.isascii() and node.name.startswith("JX_")):
            problems.append(f"{node.name}: name must be ASCII with the JX_ prefix")
        doc = ast.get_docstring(node) or ""
        if not any("\u4e00" <= c <= "\u9fff" for c in doc):
            problems.append(f"{node.name}: needs a Chinese docstring for the function wizard")
    return problems


def test_every_decorator_argument_matches_the_signature():
    assert decorator_problems(SOURCE.read_text("utf-8")) == []


def test_the_decorator_check_catches_a_typo():
    bad = '''
@xw.func
@xw.arg("excuted", doc="全年执行数")
def JX_X(executed):
    """执行率"""
'''
    assert decorator_problems(bad) == [
        "JX_X: @xw.arg('excuted') names no parameter",
        "JX_X: parameter 'executed' has no @xw.arg doc",
    ]


def test_every_udf_is_exported_and_every_decorated_function_listed():
    decorated = {
        n.name
        for n in ast.walk(ast.parse(SOURCE.read_text("utf-8")))
        if isinstance(n, ast.FunctionDef)
        and any("xw.func" in ast.unparse(d) for d in n.decorator_list)
    }
    assert decorated == set(udfs.__all__)


excel_cell = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(
        ["", "#DIV/0!", "#N/A", "#VALUE!", "≥18场次", "１００％", "292万余元", "定性", "优"]
    ),
)


@pytest.mark.parametrize("fn", UDFS, ids=lambda f: f.__name__)
@given(data=st.data())
def test_udfs_accept_anything_a_cell_holds(fn, data):
    n = len(inspect.signature(fn).parameters)
    args = [
        data.draw(st.one_of(excel_cell, st.lists(st.lists(excel_cell, max_size=3), max_size=3)))
        for _ in range(n)
    ]
    result = fn(*args)
    assert result == "" or isinstance(result, str | float | int)


def test_blank_where_the_rule_says_blank():
    assert udfs.JX_EXEC_RATE(10, None) == ""
    assert udfs.JX_EXEC_RATE(10, 0) == ""
    assert udfs.JX_EXEC_RATE("#DIV/0!", 10) == ""
    assert udfs.JX_ADJUST_RATE(0, 10) == ""
    assert udfs.JX_DEVIATION_RATE("不断提高", "不断提高") == ""


def test_the_two_published_figures():
    assert math.isclose(udfs.JX_EXEC_RATE(1.87, 10.0), 0.187)
    assert math.isclose(udfs.JX_DEVIATION_RATE(2.30, 1.84), -0.2)


def test_both_layouts_give_the_same_reference_score():
    national = udfs.JX_REF_SCORE(20, "≥18场次", "6场次")
    sichuan = udfs.JX_REF_SCORE(20, 18, 6, "≥", "场次")
    assert math.isclose(national, sichuan) and math.isclose(national, 20 / 3)


def test_excel_text_forms_of_numbers():
    assert udfs.JX_EXEC_RATE("1.87", "１０") == pytest.approx(0.187)
    assert udfs.JX_EXEC_SCORE(10, "95%") == pytest.approx(9.5)
    assert udfs.JX_TOTAL_SCORE(10, [[8.0], [None], ["#N/A"], [9.5]]) == 27.5


def test_deviation_flag_text():
    assert udfs.JX_DEVIATION_FLAG("≥18场次", "6场次") == "偏差 -66.67%，超过 30%"
    assert udfs.JX_DEVIATION_FLAG("52家", "52家") == ""
    assert udfs.JX_DEVIATION_FLAG(100, 125, "≥", "人", 0.2) == "偏差 25.00%，超过 20%"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_udfs_agree_with_the_rule_engine_on_the_real_forms(path):
    form = read_form(path)
    profile = load_profile()
    b = form.budget
    assert udfs.JX_EXEC_RATE(b.executed, b.full_year) == BudgetReading(form, profile).rate
    rate = udfs.JX_EXEC_RATE(b.executed, b.full_year)
    exec_score = udfs.JX_EXEC_SCORE(b.points, rate)
    scores = []
    for r in readings(form, profile):
        i = r.indicator
        op = None if i.op is None or i.op == "" else i.op
        ref = udfs.JX_REF_SCORE(
            i.points, i.target, i.actual, op, i.unit if isinstance(i.unit, str) else None
        )
        assert (ref if ref != "" else None) == r.reference_score
        scores.append(i.score)
    total = udfs.JX_TOTAL_SCORE(exec_score, [[s] for s in scores])
    assert total == recomputed_total(Context(form, profile))
    assert udfs.JX_GRADE(total) in ("优", "良", "中", "差")


def test_every_type_hint_is_a_converter_xlwings_has():
    """xlwings (desktop and Lite) reads a UDF's type hints as converters: a hint it has no
    converter for (``float | str``) fails the call in Excel, after every test passed."""
    for name in udfs.__all__:
        hints = typing.get_type_hints(getattr(udfs, name))
        for arg, hint in hints.items():
            assert hint in accessors, f"{name}: {arg} is annotated {hint}, not an xlwings converter"


def test_an_empty_form_shows_no_total_and_no_grade():
    # A new workbook: nothing scored yet. 0 and 差 would be a false verdict.
    assert udfs.JX_TOTAL_SCORE("", [[None], [None]]) == ""
    assert udfs.JX_GRADE(udfs.JX_TOTAL_SCORE("", [[None]])) == ""
    assert udfs.JX_TOTAL_SCORE(None, [[0]]) == 0  # a score of 0 is a score
