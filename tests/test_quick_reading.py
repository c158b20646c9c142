"""The quick ways of making findings and readings make exactly what the plain ones make.

``check_form`` makes its findings, and reads the values it meets for the first time, by
shorter paths: frozen dataclasses filled in through ``memo.builder`` (``new_finding``,
``values.number_value``, the readings of ``core.assess``), the Sichuan columns applied to
a number without ``dataclasses.replace``, a cell read without ``parse_value``'s memo (its
reading is remembered whole), a number known to be entered without asking
``is_unfilled``, a value without Sichuan columns quoted without the loop over them. These
tests hold each to the plain constructor or reader, on many generated values.
"""

from __future__ import annotations

import copy
import math
import pickle
import random
from dataclasses import FrozenInstanceError, asdict, dataclass, fields, replace
from typing import Any

import pytest
from test_engine_speed import OPS, TRICKY, UNITS, _same

from jixiao.core import assess, values
from jixiao.core.assess import (
    CellReading,
    ValueReading,
    is_unfilled,
    shown_with_columns,
)
from jixiao.core.findings import Finding, Severity, new_finding
from jixiao.core.form import MISSING, read_actual, read_target
from jixiao.core.memo import builder, unfrozen
from jixiao.core.values import Kind, ParsedValue, number_value, parse_value, parse_value_once
from jixiao.rules.engine import clear_caches


@pytest.fixture(autouse=True)
def cold() -> None:
    clear_caches()


def _generated(seed: int, count: int) -> list[Any]:
    """Results as a batch has them: numbers with units, percentages, operators, spaces,
    full-width digits, words around them, and the tricky cells."""
    rng = random.Random(seed)
    out: list[Any] = list(TRICKY)
    for _ in range(count):
        number = rng.choice(
            [
                f"{rng.uniform(0, 200):.2f}",
                str(rng.randint(0, 5000)),
                f"{rng.uniform(-5, 5):.1f}",
                "2020",
                "2020.12",
            ]
        )
        before = rng.choice(["", "", "≥", "≤", ">=", "＞＝", "不低于", "约", "x", " "])
        after = rng.choice(["", "%", "％", "家", "万元", "人次", "个/万元", "年", "年底前", "余人",
                            "以上", " 家", "。", "个百分点", "元左右"])  # fmt: skip
        text = before + number + after
        if rng.random() < 0.1:
            text = text.translate(str.maketrans("0123456789.%", "０１２３４５６７８９．％"))
        out.append(text)
        out.append(rng.choice([float(number.replace(" ", "")), int(float(number))]))
    return out


def test_a_new_finding_is_an_ordinary_finding() -> None:
    for value, expected in ((None, None), (0.5, "≥95%"), ("96%", 1), (-0.0, 3)):
        args = (
            "S01",
            Severity.ERROR,
            "整体支出表",
            "G12",
            "预算执行.执行率",
            "…",
            value,
            expected,
            "",
        )
        made, plain = new_finding(*args), Finding(*args)
        assert type(made) is Finding and _same(made, plain) and made == plain
        assert hash(made) == hash(plain) and repr(made) == repr(plain)
        assert asdict(made) == asdict(plain) and made.to_dict() == plain.to_dict()
        assert pickle.loads(pickle.dumps(made)) == plain and copy.deepcopy(made) == plain
        assert replace(made, code="S02") == replace(plain, code="S02")
        with pytest.raises(FrozenInstanceError):
            made.code = "S02"  # type: ignore[misc]


def test_only_a_class_with_slots_is_unfrozen() -> None:
    @dataclass(frozen=True)
    class Plain:
        x: int

    with pytest.raises(TypeError):
        unfrozen(Plain)
    assert unfrozen(Finding).__slots__ == Finding.__slots__


def test_a_builder_stores_every_slot_or_is_refused() -> None:
    # A field added to a class cannot be left unset by its quick constructor.
    with pytest.raises(TypeError):
        builder(Finding, ("code", "severity"))
    with pytest.raises(TypeError):
        builder(assess.CellReading, ("value", "unfilled", "op_number", "columns"))
    cell = builder(assess.CellReading, ("value", "unfilled", "op_number", "columns", "_shown"))
    made = cell(parse_value("95%"), False, False, ("95%", None, None), None)
    assert type(made) is assess.CellReading and made.shown == "95%"


def test_a_number_value_is_the_constructed_one() -> None:
    for raw in ("95%", 95, 95.0, "约50家", -0.0):
        for op, symbolic in ((None, False), ("≥", True), ("≤", False)):
            for unit in ("", "%", "万元/个"):
                for approx in (False, True):
                    number = -0.0 if raw == -0.0 else 95.0
                    made = number_value(raw, op, symbolic, number, unit, approx)
                    plain = ParsedValue(raw, Kind.NUMBER, op, symbolic, number, unit, approx)
                    assert type(made) is ParsedValue and _same(made, plain)
                    assert hash(made) == hash(plain) and pickle.loads(pickle.dumps(made)) == plain


def _columns_as_replace_applies_them(value: ParsedValue, op: object, unit: object) -> ParsedValue:
    # values._apply_columns as it was written before its quick path for numbers
    changes: dict[str, object] = {}
    info = values._operator_info(op)
    if info is not None and value.op is None and value.kind in (Kind.NUMBER, Kind.DATE, Kind.LEVEL):
        changes["op"], changes["op_symbolic"] = info
    column_unit = values.normalize_unit(unit)
    if column_unit and value.kind == Kind.NUMBER and not value.unit:
        changes["unit"] = column_unit
    return replace(value, **changes) if changes else value  # type: ignore[arg-type]


def test_sichuan_columns_are_applied_as_replace_applies_them() -> None:
    for raw in _generated(11, 300):
        for op in [*OPS, "≤", "＜", "以上"]:
            for unit in [*UNITS, "元", "平方米"]:
                column_unit = values.normalize_unit(unit)
                read = values._parse_any(raw, column_unit)
                got = values._apply_columns(read, op, unit)
                assert _same(got, _columns_as_replace_applies_them(read, op, unit)), (raw, op, unit)


def test_a_value_read_once_is_read_as_parse_value_reads_it() -> None:
    for raw in _generated(12, 400):
        for op in OPS:
            for unit in UNITS:
                if not isinstance(op, str | None) or not isinstance(unit, str | None):
                    continue  # parse_value's own signature
                got = parse_value_once(raw, op=op, unit=unit)
                assert _same(got, parse_value(raw, op=op, unit=unit)), (raw, op, unit)


def _plain_cell(value: ParsedValue, raw: Any, op: Any, unit: Any, op_number: bool) -> CellReading:
    return CellReading(value, is_unfilled(raw), op_number, (raw, op, unit))


def test_cells_met_for_the_first_time_are_read_as_the_plain_reader_reads_them() -> None:
    cells = [*_generated(13, 300), MISSING, "……", " 。", "·"]
    for raw in cells:
        for op in [*OPS, MISSING]:
            for unit in [*UNITS, MISSING]:
                target = assess._read_target(raw, op, unit)
                op_number = target.op_number  # computed as before (not a quick path)
                plain = _plain_cell(read_target(raw, op, unit), raw, op, unit, op_number)
                assert type(target) is CellReading and _same(target, plain), (raw, op, unit)
                actual = assess._read_actual(raw, unit)
                plain = _plain_cell(read_actual(raw, unit), raw, None, unit, False)
                assert type(actual) is CellReading and _same(actual, plain), (raw, unit)
                assert actual.shown == shown_with_columns(raw, None, unit)
        pair = assess._read_values(
            assess._read_target(raw, "≥", None), assess._read_actual(raw, None)
        )
        names = [f.name for f in fields(ValueReading)]
        assert _same(pair, ValueReading(*(getattr(pair, n) for n in names)))
        if raw is not MISSING:  # (MISSING itself is not kept by pickling)
            assert _same(pickle.loads(pickle.dumps(pair)), pair)


def test_a_value_without_columns_is_quoted_as_with_empty_columns() -> None:
    for raw in [*_generated(14, 200), "定性", " 定量 ", "", "  ", 0, -0.0, math.nan, [1, "a"]]:
        for blank in (None, MISSING):
            assert shown_with_columns(raw, blank, blank) == shown_with_columns(raw, "", ""), raw


def _as_rules_md(f: Finding) -> dict[str, object]:
    """The finding as rules.md lists it, built the plain way (asdict, then trimmed)."""
    d = asdict(f)
    d["severity"] = str(f.severity)
    return {
        k: v
        for k, v in d.items()
        if not (k in ("value", "expected") and v is None) and not (k == "location" and not v)
    }


def test_to_dict_is_the_plain_dict_for_every_kind_of_value() -> None:
    values = (None, 0.5, -0.0, 3, True, "≥95%", "", [1, [2, "a"]], (1, 2), {"a": [1]})
    for value in values:
        for expected in values[:4] + values[-3:]:
            for location in ("", "表3 第5行第4列"):
                f = Finding(
                    "S01", Severity.WARNING, "表", "A1", "字段", "…", value, expected, location
                )
                d = f.to_dict()
                assert d == _as_rules_md(f) and list(d) == list(_as_rules_md(f))
                assert type(d["severity"]) is str
                for key in ("value", "expected"):  # a container is a copy, as asdict gives
                    if isinstance(getattr(f, key), list | dict):
                        assert d[key] is not getattr(f, key)
