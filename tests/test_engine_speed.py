"""What makes checking a batch fast must not change what it finds.

The engine remembers what it has read (jixiao.core.memo): parsed values, labels, units,
where fields sit on the template layouts. These tests hold the remembered answers to the
computed ones — for tricky cells, across forms, after memos fill up and start over — and
check that ``clear_caches()`` forgets everything.
"""

from __future__ import annotations

import copy
import math
import pickle
import random
from dataclasses import FrozenInstanceError, asdict, dataclass, replace
from string import Formatter
from typing import Any

import pytest
from support import EXAMPLE_FILES, load_example

from jixiao.core import memo, values
from jixiao.core.assess import (
    _fmt_num,
    _fmt_pct,
    _label_reading,
    _value_reading,
    fmt_num,
    fmt_pct,
    label_reading,
    shown_with_columns,
    value_reading,
)
from jixiao.core.findings import Finding, Severity
from jixiao.core.form import Indicator, number
from jixiao.core.interchange import form_from_data
from jixiao.core.profile import load_profile
from jixiao.core.standards import _split_points, split_points
from jixiao.rules.base import REGISTRY, Hit, render
from jixiao.rules.engine import check_form, clear_caches

# Cells that read differently although they compare equal or look alike.
TRICKY: list[Any] = [
    "≥95%", "＞＝９５％", ">=95%", "95%", "95", "95.0", 95, 95.0, "不低于95%", "95%以上",
    "１，２３４．５　万元", "1,234.5万元", "1,2", "292万余元", "约50家", "50家左右", "≥50个以上",
    "≤50个以上", "2020年12月前", "2020年底前", "2020.12", "2020年13月", "一年以内", "十二个月",
    "百分之九十五", "优", "良好", "及时拨付", "未按时完成", "基本完成", "不断提高", "—", "/", "无",
    "", " ", "#DIV/0!", "#n/a", 1, 1.0, True, False, 0, 0.0, -0.0, -1.5, 1e20, float("nan"),
    float("inf"), None, 10**400,
]  # fmt: skip
OPS: list[Any] = [None, "≥", "＞＝", "定性", "定量", "不超过", "95", 1]
UNITS: list[Any] = [None, "%", "％", "家", "万元", "个/万元", "", 1]


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same type all the way down (1 and 1.0 and True are not the same
    cell), NaN equal to NaN, and -0.0 not the same as 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if hasattr(a, "__dataclass_fields__"):
        return all(_same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.fixture(autouse=True)
def cold() -> None:
    clear_caches()


def test_remembered_values_read_as_the_parser_reads_them() -> None:
    for _ in range(2):  # the second round answers from the memo
        for raw in TRICKY:
            for op in OPS:
                for unit in UNITS:
                    if not isinstance(op, str | None) or not isinstance(unit, str | None):
                        continue  # parse_value's own signature
                    got = values.parse_value(raw, op=op, unit=unit)
                    assert _same(got, values._parse_value(raw, op, unit)), (raw, op, unit)
                    assert type(got.raw) is type(raw), (raw, got)


# Text around one number: the reader reads each distinct (before, after) once and puts the
# number in (values._number_in_words); dates, Chinese numerals and words must not slip in.
BEFORE = ["", "≥", ">=", "＞＝", "<", "==", "不低于", "不超过", "约", "大约", "至少", "二〇二〇年", "—",
          "x"]  # fmt: skip
AFTER = ["", "%", "％", "年", "年底前", "月", "个月", "-12", "/12", ".", "家以上", "万余元", "万元/个",
         "左右", "以内", "个以上以下", "前", "个百分点", "年12月前", "元", " 家", "天内完成", "abc", "。"]  # fmt: skip
NUMBERS = ["1", "95", "95.5", "2020", "2020.12", "1999.5", "-3", "+7", "0", "-0", "007", "12.",
           ".5"]  # fmt: skip


def test_numbers_in_words_read_as_the_full_reader_reads_them() -> None:
    cells = [b + n + a for b in BEFORE for a in AFTER for n in NUMBERS]
    for order in (cells, cells[::-1]):  # each (before, after) first met with other numbers
        clear_caches()
        for raw in order:
            for column_unit in ("", "%"):
                got = values._parse_string(raw, column_unit)
                text = values.normalize_text(raw).rstrip(values.TRAILING_PUNCT)
                if got.kind in (values.Kind.EMPTY, values.Kind.ERROR):
                    continue  # decided before the text is read
                assert _same(got, values._read_text(raw, text, column_unit)), (raw, column_unit)


def test_a_cell_is_quoted_as_written() -> None:
    rng = random.Random(7)
    for _ in range(500):
        target, op, unit = rng.choice(TRICKY), rng.choice(OPS), rng.choice(UNITS)
        ind = Indicator(1, op=op, target=target, unit=unit, actual=rng.choice(TRICKY))
        for _ in range(2):  # the second time from the memo, with its text kept
            cells = value_reading(ind)
            assert cells.target_cell.shown == shown_with_columns(target, op, unit)
            assert cells.actual_cell.shown == shown_with_columns(ind.actual, None, unit)
        copied = pickle.loads(pickle.dumps(cells))  # a reading crosses processes whole
        assert _same(copied, cells) and copy.deepcopy(cells) == cells
        assert copied.actual_cell.shown == cells.actual_cell.shown


def test_messages_are_filled_in_as_format_map_fills_them() -> None:
    params = {"n": 3, "x": 1.5, "y": None, "name": "（满意度）", "v": 0.125, "pct": "95%"}
    templates = [c.template for c in REGISTRY] + [
        "{x}% of {n}", "100%{name}", "{{n}} {n}", "{x:g} {n!r}", "{pct}%%", "no fields 50%",
    ]  # fmt: skip
    for template in templates:
        names = {n for _, n, _, _ in Formatter().parse(template) if n}
        filled = {k: params.get(k, f"“{k}”") for k in names}
        for _ in range(2):
            assert render(template, filled) == template.format_map(filled), template
    with pytest.raises(KeyError):
        render("{missing}", {})


def test_equal_cells_of_other_types_are_remembered_apart() -> None:
    assert values.parse_value(1.0).raw.__class__ is float
    assert values.parse_value(1).raw.__class__ is int
    assert values.parse_value(True).kind is values.Kind.TEXT  # True == 1, but no number
    assert values.parse_value("1").raw == "1"
    values.parse_value(0.0)
    negative_zero = values.parse_value(-0.0).number  # -0.0 == 0.0, yet keeps its sign
    assert negative_zero is not None and math.copysign(1, negative_zero) == -1


def test_row_readings_are_the_computed_ones() -> None:
    rng = random.Random(5)
    rows = [
        Indicator(
            k,
            level1=rng.choice(["产出指标", "产出\n指标(50分)", "(50分)", "效益", None, 0.0, -0.0]),
            level2=rng.choice(["数量指标", "数量", "满意度", "  ", None, "经济效益指标"]),
            name=rng.choice(["培训合格率", "指标1：", "其中桃树", "满意度", "……", None, 3]),
            op=rng.choice(OPS),
            target=rng.choice(TRICKY),
            unit=rng.choice(UNITS),
            actual=rng.choice(TRICKY),
        )
        for k in range(1, 3000)
    ]
    for _ in range(2):
        for ind in rows:
            assert _same(value_reading(ind), _value_reading(ind)), ind
            assert _same(label_reading(ind), _label_reading(ind)), ind


def test_remembered_labels_numbers_and_figures() -> None:
    for text in ["产出指标(50分)", "满意度指标\n（10分）", "(50分)", "数量指标：", "（5分）(5分)"]:
        assert split_points(text) == split_points(text) == _split_points(text)
    for raw in ["12", "１２", "1,234", "12万", " ", "-3.5", "1e3"]:
        assert number(raw) == number(raw)  # the memo's answer
    for x in [0.0, -0.0, 5, 5.0, True, 0.125, 18.745, 2 / 3, 1e16, -0.004999]:
        assert fmt_num(x) == _fmt_num(x) and fmt_pct(x) == _fmt_pct(x), x
        assert fmt_num(x) == fmt_num(float(x)) and fmt_pct(x) == fmt_pct(float(x)), x


def _variants(seed: int, n: int) -> list[dict[str, Any]]:
    """The example forms with their values, labels and scores shuffled about."""
    rng = random.Random(seed)
    seeds = [load_example(p.name) for p in EXAMPLE_FILES]
    out = []
    for _ in range(n):
        data = copy.deepcopy(rng.choice(seeds))
        for row in data.get("绩效指标") or []:
            for key in ("指标值", "实际完成值"):
                if rng.random() < 0.5:
                    row[key] = rng.choice(TRICKY[:-5])  # JSON holds no NaN, inf or huge ints
            if rng.random() < 0.2:
                row["一级指标"] = rng.choice(["产出", "效益指标", "满意度", "(30分)"])
            if rng.random() < 0.2:
                row["得分"] = rng.choice([0, 5, 5.5, "5", "满分", None])
            if rng.random() < 0.1:
                row.pop("三级指标", None)
        out.append(data)
    return out


def _findings(data: dict[str, Any], profile: str) -> list[dict[str, Any]]:
    form = form_from_data(copy.deepcopy(data), "f.json")
    return [f.to_dict() for f in check_form(form, load_profile(profile))]


@pytest.mark.parametrize("profile", ["national", "sichuan"])
def test_a_batch_finds_what_each_form_finds_alone(profile: str) -> None:
    forms = _variants(11, 60)
    alone = []
    for data in forms:
        clear_caches()  # as if each form were checked by a fresh process
        alone.append(_findings(data, profile))
    batch = [_findings(data, profile) for data in forms]
    again = [_findings(data, profile) for data in reversed(forms)][::-1]
    assert batch == alone
    assert again == alone


def test_memos_that_fill_up_start_over_and_answer_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    forms = _variants(12, 30)
    roomy = [_findings(data, "national") for data in forms]
    clear_caches()
    for m in memo.memos():
        monkeypatch.setattr(m, "maxsize", 3)
    cramped = [_findings(data, "national") for data in forms]
    assert cramped == roomy
    assert all(len(m) <= 3 for m in memo.memos())


def test_clear_caches_forgets_everything() -> None:
    for p in EXAMPLE_FILES:
        _findings(load_example(p.name), "national")
    filled = [m for m in memo.memos() if len(m)]
    assert len(filled) >= 10  # values, labels, units, places … were remembered
    clear_caches()
    assert [m for m in memo.memos() if len(m)] == []


def test_a_memo_computes_once_and_is_bounded() -> None:
    calls: list[int] = []

    def square(x: int) -> int:
        calls.append(x)
        return x * x

    m = memo.Memo(square, "test.square", maxsize=2)
    assert (m[3], m[3], m[4]) == (9, 9, 16) and calls == [3, 4]
    assert m[5] == 25 and len(m) <= 2  # full: started over
    assert m[3] == 9 and calls == [3, 4, 5, 3]
    assert m in memo.memos()
    memo.clear_all()
    assert len(m) == 0


def test_cached_attribute_is_computed_once_even_on_a_frozen_dataclass() -> None:
    @dataclass(frozen=True)
    class Row:
        x: int

        @memo.cached
        def doubled(self) -> list[int]:
            return [self.x * 2]

    row = Row(4)
    assert row.doubled == [8] and row.doubled is row.doubled


def test_findings_and_hits_are_still_frozen_dataclasses() -> None:
    f = Finding("S01", Severity.ERROR, "整体支出表", "G12", "预算执行.执行率", "…", 0.5)
    assert f == Finding("S01", Severity.ERROR, "整体支出表", "G12", "预算执行.执行率", "…", 0.5)
    assert hash(f) == hash(replace(f))
    assert asdict(f)["value"] == 0.5 and f.expected is None and f.location == ""
    assert pickle.loads(pickle.dumps(f)) == f
    with pytest.raises(FrozenInstanceError):
        f.code = "S02"  # type: ignore[misc]
    hit = Hit("总分.得分", value=3)
    assert hit.params == {} and hit.params is not Hit("x").params
    with pytest.raises(FrozenInstanceError):
        hit.field = "x"  # type: ignore[misc]


def test_a_form_on_a_changed_copy_of_a_template_layout_is_placed_on_its_own() -> None:
    data = load_example("shifeng-2020-project.json")
    data.pop("年度")
    first = [f for f in _findings(data, "national") if f["code"] == "W01"]
    assert first and first[0]["cell"] != "A1"  # the template's 年度 cell, now remembered
    form = form_from_data(copy.deepcopy(data), "p.json")
    form.sheet_layout = copy.deepcopy(form.sheet_layout)
    form.sheet_layout.cells.pop("年度")  # a sheet without that cell
    (w01,) = [f for f in check_form(form, load_profile()) if f.code == "W01"]
    assert w01.cell == "A1"  # the form's own layout, not the remembered template's
