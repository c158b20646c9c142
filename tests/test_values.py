"""Tests for jixiao.core.values: the indicator value notation parser."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.core.values import (
    Kind,
    ParsedValue,
    magnitude,
    normalize_text,
    parse_operator,
    parse_value,
    rank_on,
    same_unit,
)

EXAMPLES_DIR = Path(__file__).parents[1] / "examples"
INTERNAL_ERROR = "解析出错"

# ---------------------------------------------------------------------------
# normalize_text
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１００％", "100%"),
        ("＞", ">"),
        ("＝", "="),
        ("＞＝８０", ">=80"),
        (" 52 家\u3000", "52家"),
        ("\t1\n次 ", "1次"),
        ("1,234.5", "1234.5"),
        ("1,234,567元", "1234567元"),
        ("１，２３４万元", "1234万元"),
        ("1,2", "1,2"),  # not a thousands separator
        ("ＡＢＣ", "ABC"),
        ("", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


# ---------------------------------------------------------------------------
# parse_operator
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[(w, "≥") for w in ["≥", "＞=", "＞＝", ">=", "大于等于", "不低于", "不少于", "至少"]],
        *[(w, "≤") for w in ["≤", "<=", "＜＝", "小于等于", "不高于", "不超过", "不多于"]],
        *[(w, "=") for w in ["=", "＝", "等于"]],
        *[(w, ">") for w in [">", "＞", "大于"]],
        *[(w, "<") for w in ["<", "＜", "小于"]],
        (" ≥ ", "≥"),
        ("定性", "定性"),
        ("定量", "定量"),
        ("", None),
        ("优", None),
        ("其他", None),
        (None, None),
        (3, None),
    ],
)
def test_parse_operator(raw: object, expected: str | None) -> None:
    assert parse_operator(raw) == expected


# ---------------------------------------------------------------------------
# parse_value: table of cases
# ---------------------------------------------------------------------------


def number(n: float, unit: str = "", op: str | None = None, **extra: object) -> dict:
    return {"kind": Kind.NUMBER, "number": n, "unit": unit, "op": op, **extra}


def date(y: int, m: int | None = None, d: int | None = None, op: str | None = None) -> dict:
    return {"kind": Kind.DATE, "date": (y, m, d), "op": op}


def level(word: str, scale: str, rank: int) -> dict:
    return {"kind": Kind.LEVEL, "level": word, "scale": scale, "rank": rank}


TEXT = {"kind": Kind.TEXT}
EMPTY = {"kind": Kind.EMPTY}

CASES: dict[str, dict] = {
    # numbers with units
    "52家": number(52, "家"),
    "1次": number(1, "次"),
    "2次": number(2, "次"),
    "3次": number(3, "次"),
    "2个": number(2, "个"),
    "161.4万元": number(161.4, "万元"),
    "5万元/个": number(5, "万元/个"),
    "18场次": number(18, "场次"),
    "1,234.5万元": number(1234.5, "万元"),
    " 52 家 ": number(52, "家"),
    "0.5%": number(0.5, "%"),
    # approximations
    "292万余元": number(292, "万元", approx=True),
    "300余人": number(300, "人", approx=True),
    "10多个": number(10, "个", approx=True),
    "50人左右": number(50, "人", approx=True),
    "约50人": number(50, "人", approx=True),
    # operators as signs
    "≥1": number(1, "", "≥", op_symbolic=True),
    "≥50个": number(50, "个", "≥", op_symbolic=True),
    "≤90万元": number(90, "万元", "≤", op_symbolic=True),
    "≤12月": number(12, "月", "≤", op_symbolic=True),
    "＞＝80%": number(80, "%", "≥", op_symbolic=True),
    ">=80%": number(80, "%", "≥", op_symbolic=True),
    "<=3天": number(3, "天", "≤", op_symbolic=True),
    "＝100%": number(100, "%", "=", op_symbolic=True),
    ">5家": number(5, "家", ">", op_symbolic=True),
    "＜2次": number(2, "次", "<", op_symbolic=True),
    # operators as words
    "不低于90%": number(90, "%", "≥", op_symbolic=False),
    "不少于5家": number(5, "家", "≥", op_symbolic=False),
    "至少3次": number(3, "次", "≥", op_symbolic=False),
    "大于等于80家": number(80, "家", "≥", op_symbolic=False),
    "5家以上": number(5, "家", "≥", op_symbolic=False),
    "5家及以上": number(5, "家", "≥", op_symbolic=False),
    "10万元以内": number(10, "万元", "≤", op_symbolic=False),
    "10万元以下": number(10, "万元", "≤", op_symbolic=False),
    "3天内": number(3, "天", "≤", op_symbolic=False),
    "30日之内": number(30, "日", "≤", op_symbolic=False),
    "6个月前": number(6, "个月", "≤", op_symbolic=False),
    "6个月之前": number(6, "个月", "≤", op_symbolic=False),
    "≥50个以上": number(50, "个", "≥", op_symbolic=True),
    # a bare month is a duration, not a date
    "12月": number(12, "月"),
    # Chinese numerals
    "一年以内": number(1, "年", "≤", op_symbolic=False),
    "十二个月": number(12, "个月"),
    "两次": number(2, "次"),
    "一百零五人": number(105, "人"),
    "三千万元": number(3000, "万元"),
    # percentages
    "98%": number(98, "%"),
    "100%": number(100, "%"),
    "95%": number(95, "%"),
    "95.5%": number(95.5, "%"),
    "１００％": number(100, "%"),
    "100百分比": number(100, "%"),
    "百分之九十五": number(95, "%"),
    "百分之百": number(100, "%"),
    "不低于百分之九十": number(90, "%", "≥"),
    # dates
    "2020年12月31日": date(2020, 12, 31),
    "2020年12月前": date(2020, 12, None, "≤"),
    "2020年12月底前": date(2020, 12, None, "≤"),
    "2020年底前": date(2020, 12, None, "≤"),
    "2020年底前完成": date(2020, 12, None, "≤"),
    "2020年12月31日前": date(2020, 12, 31, "≤"),
    "2020年": date(2020),
    "2020年12月": date(2020, 12),
    "2020-12-31": date(2020, 12, 31),
    "2020/12/31": date(2020, 12, 31),
    "2020.12": date(2020, 12),
    "2020-12前": date(2020, 12, None, "≤"),
    "≤2020年12月": date(2020, 12, None, "≤"),
    "二〇二〇年底前": date(2020, 12, None, "≤"),
    # qualitative levels: exact words
    "好": level("好", "好差", 4),
    "较好": level("较好", "好差", 3),
    "一般": level("一般", "好差", 2),
    "差": level("差", "好差", 1),
    "较差": level("较差", "好差", 1),
    "优": level("优", "优良", 4),
    "优秀": level("优", "优良", 4),
    "优等": level("优", "优良", 4),
    "良": level("良", "优良", 3),
    "良好": level("良", "优良", 3),
    "中": level("中", "优良", 2),
    "中等": level("中", "优良", 2),
    "合格": level("中", "优良", 2),
    "不合格": level("差", "优良", 1),
    "及时": level("及时", "及时", 2),
    "不及时": level("不及时", "及时", 1),
    "达标": level("达标", "达标", 2),
    "达到": level("达标", "达标", 2),
    "未达标": level("未达标", "达标", 1),
    "未达到": level("未达标", "达标", 1),
    "完成": level("完成", "完成", 2),
    "已完成": level("完成", "完成", 2),
    "全部完成": level("完成", "完成", 2),
    "按时完成": level("完成", "完成", 2),
    "圆满完成": level("完成", "完成", 2),
    "已圆满完成": level("完成", "完成", 2),
    "完成目标": level("完成", "完成", 2),
    "未完成": level("未完成", "完成", 1),
    "达成预期指标": level("达成", "达成", 3),
    "达成预期目标": level("达成", "达成", 3),
    "达成": level("达成", "达成", 3),
    "达到预期": level("达成", "达成", 3),
    "部分达成": level("部分达成", "达成", 2),
    "未达成": level("未达成", "达成", 1),
    "是": level("是", "是否", 2),
    "否": level("否", "是否", 1),
    "有效": level("有效", "有效", 2),
    "显著": level("有效", "有效", 2),
    "明显": level("有效", "有效", 2),
    "无效": level("无效", "有效", 1),
    # qualitative levels: keywords inside longer text
    "及时拨付": level("及时", "及时", 2),
    "按时完成各项任务": level("完成", "完成", 2),
    "未按时完成": level("未完成", "完成", 1),
    "不及时拨付": level("不及时", "及时", 1),
    "未能及时拨付": level("不及时", "及时", 1),
    "各项指标均达标": level("达标", "达标", 2),
    "部分达标": level("未达标", "达标", 1),
    "基本完成": level("部分完成", "完成", 1),
    "验收合格": level("中", "优良", 2),
    "验收不合格": level("差", "优良", 1),
    # text that names no measurable target
    "不断提高": TEXT,
    "持续高质量发展": TEXT,
    "引导地方扶持中小企业": TEXT,
    "优化中小企业发展环境": TEXT,
    "优化营商环境": TEXT,
    "促进经济发展": TEXT,
    "活动场次": TEXT,
    "提升": TEXT,
    "十分满意": TEXT,
    "四届五次执委会议": TEXT,
    "完成3次培训": TEXT,
    "不优秀": TEXT,
    "12月31日": TEXT,
    "≥": TEXT,
    "3-5家": TEXT,
    # a quantity per something (补助标准): the unit is per the thing
    "每亩300元": number(300, "元/亩"),
    "每亩补助300元": number(300, "元/亩"),
    "每亩不低于300元": number(300, "元/亩", "≥"),
    "人均500元": number(500, "元/人"),
    "户均2000元": number(2000, "元/户"),
    "每人每月800元": number(800, "元/人/月"),
    "每季度≥1次": number(1, "次/季度", "≥"),
    "每平方米50元": number(50, "元/平方米"),
    "每亩300": number(300, ""),
    "每年": TEXT,
    "人均增收500元以上": TEXT,
    "每㎡50元": number(50, "元/平方米"),  # not 250 per m (NFKC makes ㎡ "m2")
    "≥200㎡": number(200, "平方米", "≥"),
    "每立方米不超过3元": number(3, "元/立方米", "≤"),
    # blanks and placeholders
    "": EMPTY,
    "   ": EMPTY,
    "\u3000": EMPTY,
    "—": EMPTY,
    "——": EMPTY,
    "-": EMPTY,
    "－": EMPTY,
    "/": EMPTY,
    "／": EMPTY,
    "*": EMPTY,
    "无": EMPTY,
    "空": EMPTY,
}


def assert_matches(value: ParsedValue, expected: dict) -> None:
    for field, want in expected.items():
        got = getattr(value, field)
        if field == "number":
            assert got is not None and math.isclose(got, want), (field, value)
        else:
            assert got == want, (field, value)
    if value.kind is Kind.TEXT:
        assert value.problem and INTERNAL_ERROR not in value.problem
    else:
        assert value.problem is None, value


@pytest.mark.parametrize(("raw", "expected"), CASES.items(), ids=list(CASES))
def test_parse_value_cases(raw: str, expected: dict) -> None:
    value = parse_value(raw)
    assert value.raw == raw
    assert_matches(value, expected)


def test_text_problem_message_names_the_input() -> None:
    assert parse_value("不断提高").problem == "未能识别为数值、日期或定性等级：'不断提高'"


def test_operator_word_is_not_symbolic() -> None:
    assert parse_value("≥50个").op_symbolic is True
    assert parse_value("50个以上").op_symbolic is False
    assert parse_value("2020年12月前").op_symbolic is False


def test_contradicting_operators_are_reported() -> None:
    value = parse_value("≥5家以下")
    assert value.kind is Kind.TEXT
    assert value.problem is not None and "矛盾" in value.problem


def test_invalid_calendar_date_is_reported() -> None:
    value = parse_value("2020年2月30日")
    assert value.kind is Kind.TEXT
    assert value.problem == "日期无效：'2020年2月30日'"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("#DIV/0!", "#DIV/0!"),
        ("#VALUE!", "#VALUE!"),
        ("#REF!", "#REF!"),
        ("#NAME?", "#NAME?"),
        ("#N/A", "#N/A"),
        ("#NUM!", "#NUM!"),
        ("#NULL!", "#NULL!"),
        ("＃ＤＩＶ／０！", "#DIV/0!"),
        ("＃Ｎ／Ａ", "#N/A"),
        (" #n/a ", "#N/A"),
    ],
)
def test_excel_errors(raw: str, shown: str) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.ERROR
    assert value.problem == f"Excel 错误值 {shown}"


# ---------------------------------------------------------------------------
# parse_value: typed cells and the Sichuan columns
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(80, 80.0), (12, 12.0), (0.95, 0.95), (-3, -3.0), (Decimal("161.40"), 161.4)],
)
def test_numeric_cells(raw: object, expected: float) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.NUMBER
    assert value.number == expected
    assert value.unit == "" and value.op is None


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), float("-inf"), 10**400])
def test_unusable_numbers_are_text_with_problem(raw: float) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.TEXT
    assert value.problem and INTERNAL_ERROR not in value.problem


@pytest.mark.parametrize("raw", [True, False])
def test_booleans_are_not_numbers(raw: bool) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.TEXT
    assert value.number is None and value.problem


@pytest.mark.parametrize("raw", [object(), b"52", [1], {"a": 1}, (2020, 12)])
def test_other_objects_are_text(raw: object) -> None:
    value = parse_value(raw)
    assert value.kind is Kind.TEXT
    assert value.problem and "不支持的值类型" in value.problem


def test_date_cells() -> None:
    assert parse_value(dt.date(2020, 12, 31)).date == (2020, 12, 31)
    value = parse_value(dt.datetime(2024, 6, 30, 0, 0), op="≤")
    assert value.kind is Kind.DATE
    assert value.date == (2024, 6, 30)
    assert value.op == "≤"


def test_none_is_empty() -> None:
    assert parse_value(None).kind is Kind.EMPTY
    assert parse_value(None, op="≥", unit="家").kind is Kind.EMPTY


@pytest.mark.parametrize(
    ("raw", "op", "unit", "expected"),
    [
        (80, "≥", "家", number(80, "家", "≥", op_symbolic=True)),
        ("18", "≥", "场次", number(18, "场次", "≥")),
        (12, "≤", "万元", number(12, "万元", "≤")),
        (90, "≥", "%", number(90, "%", "≥")),
        (90, "≥", "百分比", number(90, "%", "≥")),
        ("95", None, "％", number(95, "%")),
        (600, "≥", "平方米/人", number(600, "平方米/人", "≥")),
        (5, "不少于", "家", number(5, "家", "≥", op_symbolic=False)),
        (3, "定量", "次", number(3, "次", None)),
        # the cell's own operator and unit win over the columns
        ("≤3个", "≥", "家", number(3, "个", "≤")),
        ("2020年12月", "≤", None, date(2020, 12, None, "≤")),
        ("好", "定性", None, level("好", "好差", 4)),
        ("优", "定性", "", level("优", "优良", 4)),
        ("不断提高", "定性", None, TEXT),
        (None, "定性", None, EMPTY),
        # pandas hands over NaN for blank op/unit columns
        (80, float("nan"), float("nan"), number(80, "", None)),
    ],
)
def test_sichuan_columns(raw: object, op: object, unit: object, expected: dict) -> None:
    assert_matches(parse_value(raw, op=op, unit=unit), expected)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# The real forms in shared/examples
# ---------------------------------------------------------------------------


def example_rows() -> list[tuple[str, dict]]:
    rows = []
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        form = json.loads(path.read_text(encoding="utf-8"))
        for i, row in enumerate(form.get("绩效指标", [])):
            rows.append((f"{path.stem}[{i}]", row))
    return rows


EXAMPLE_ROWS = example_rows()

# Every 指标值 / 实际完成值 written as text in the examples, with what it must give.
EXAMPLE_TEXT_CASES: dict[str, dict] = {
    "2个": number(2, "个"),
    "及时拨付": level("及时", "及时", 2),
    "2020年12月31日": date(2020, 12, 31),
    "已圆满完成": level("完成", "完成", 2),
    "5万元/个": number(5, "万元/个"),
    "引导地方扶持中小企业": TEXT,
    "优化中小企业发展环境": TEXT,
    "优化营商环境": TEXT,
    "促进经济发展": TEXT,
    "98%": number(98, "%"),
    "100%": number(100, "%"),
    "52家": number(52, "家"),
    "1次": number(1, "次"),
    "2次": number(2, "次"),
    "3次": number(3, "次"),
    "优": level("优", "优良", 4),
    "不断提高": TEXT,
    "2020年12月前": date(2020, 12, None, "≤"),
    "161.4万元": number(161.4, "万元"),
    "292万余元": number(292, "万元", approx=True),
    "持续高质量发展": TEXT,
    "95%": number(95, "%"),
    "好": level("好", "好差", 4),
}


def test_examples_are_present() -> None:
    assert EXAMPLES_DIR.is_dir(), EXAMPLES_DIR
    assert len(EXAMPLE_ROWS) >= 20


@pytest.mark.parametrize(("where", "row"), EXAMPLE_ROWS, ids=[w for w, _ in EXAMPLE_ROWS])
def test_example_values(where: str, row: dict) -> None:
    op, unit = row.get("指标性质"), row.get("度量单位")
    for field in ("指标值", "实际完成值"):
        raw = row.get(field)
        value = parse_value(raw, op=op, unit=unit)
        assert value.raw == raw
        if isinstance(raw, str):
            assert raw in EXAMPLE_TEXT_CASES, f"{where} {field}: add {raw!r} to the table"
            assert_matches(parse_value(raw), EXAMPLE_TEXT_CASES[raw])
        if parse_operator(op) == "定性":
            assert value.kind in (Kind.LEVEL, Kind.TEXT), (where, value)
        elif isinstance(raw, int | float):
            # Sichuan layout: a bare number takes the columns' operator and unit
            assert value.kind is Kind.NUMBER
            assert value.number == raw
            assert value.op == parse_operator(op)
            assert same_unit(value.unit, unit or "") and value.unit


def test_example_sichuan_rows_read_fully() -> None:
    rows = [row for where, row in EXAMPLE_ROWS if where.startswith("zhaohua-2024-p1")]
    target = parse_value(rows[0]["指标值"], op=rows[0]["指标性质"], unit=rows[0]["度量单位"])
    assert (target.kind, target.op, target.number, target.unit) == (Kind.NUMBER, "≥", 80, "家")
    cost = rows[-1]
    value = parse_value(cost["指标值"], op=cost["指标性质"], unit=cost["度量单位"])
    assert (value.op, value.number, value.unit) == ("≤", 12, "万元")


# ---------------------------------------------------------------------------
# same_unit, magnitude, rank_on
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("%", "百分比", True),
        ("％", "%", True),
        ("个月", "月", True),
        ("平方米", "㎡", True),
        ("m2", "平米", True),
        ("平方米/人", "㎡/人", True),
        ("天", "日", True),
        ("家", "家", True),
        ("元", "万元", False),
        ("家", "人", False),
        ("%", "个百分点", False),
        ("万元/个", "万元", False),
        ("", "家", True),
        ("万元", "", True),
        ("", "", True),
    ],
)
def test_same_unit(a: str, b: str, expected: bool) -> None:
    assert same_unit(a, b) is expected
    assert same_unit(b, a) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("52家", 52.0),
        ("≤90万元", 90.0),
        (0.95, 0.95),
        ("2020年12月31日", 20201231.0),
        ("2020年12月前", 20201231.0),
        ("2020年底前", 20201231.0),
        ("2020年", 20201231.0),
        ("2020-06", 20200631.0),
        ("优", None),
        ("不断提高", None),
        ("", None),
        ("#N/A", None),
    ],
)
def test_magnitude(raw: object, expected: float | None) -> None:
    assert magnitude(parse_value(raw)) == expected


def test_magnitude_orders_deadlines() -> None:
    deadline = magnitude(parse_value("2020年12月前"))
    assert deadline is not None
    assert magnitude(parse_value("2020年12月31日")) <= deadline  # type: ignore[operator]
    assert magnitude(parse_value("2021年1月5日")) > deadline  # type: ignore[operator]
    assert magnitude(parse_value("2020年11月")) < deadline  # type: ignore[operator]


def test_rank_on_places_shared_words_on_either_scale() -> None:
    poor = parse_value("差")
    assert rank_on(poor, "好差") == 1
    assert rank_on(poor, "优良") == 1
    assert rank_on(parse_value("优秀"), "优良") == 4
    assert rank_on(parse_value("优"), "好差") is None
    assert rank_on(parse_value("52家"), "优良") is None


def test_levels_rank_in_order() -> None:
    ranks = [parse_value(w).rank for w in ["优", "良", "中", "差"]]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == 4
    assert parse_value("完成").rank > parse_value("未完成").rank  # type: ignore[operator]
    assert parse_value("达成").rank > parse_value("部分达成").rank  # type: ignore[operator]
    assert parse_value("部分达成").rank > parse_value("未达成").rank  # type: ignore[operator]


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

ANY_CELL = st.one_of(st.text(), st.floats(), st.integers(), st.none(), st.booleans())


@given(raw=ANY_CELL, op=st.one_of(st.none(), st.text()), unit=st.one_of(st.none(), st.text()))
def test_parse_value_never_raises(raw: object, op: str | None, unit: str | None) -> None:
    value = parse_value(raw, op=op, unit=unit)
    assert isinstance(value, ParsedValue)
    assert isinstance(value.kind, Kind)
    # parse_value remembers what it has read (jixiao.core.memo): an equal cell gets the same
    # immutable reading, whose raw is the cell's value (equal, of its type), not the object.
    assert type(value.raw) is type(raw)
    assert value.raw == raw or (isinstance(raw, float) and math.isnan(raw))
    # the fallback for unexpected exceptions must never be reached
    assert value.problem is None or INTERNAL_ERROR not in value.problem
    if value.kind in (Kind.TEXT, Kind.ERROR):
        assert value.problem


@given(st.text(alphabet="0123456789.,%≥≤=<>-/年月日万元余多以上内前一二十百家次"))
def test_parse_value_never_raises_on_notation_like_text(raw: str) -> None:
    value = parse_value(raw)
    assert value.problem is None or INTERNAL_ERROR not in value.problem


def to_full_width(text: str) -> str:
    """ASCII → full-width forms (what a Chinese IME types)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


SIGNS = st.sampled_from(["", "≥", "≤", "=", ">", "<", ">=", "<="])
UNITS = st.sampled_from(["", "家", "次", "万元", "%", "个", "人", "m2", "万元/个", "个月"])
NUMBER_TEXT = st.builds(
    lambda whole, frac: f"{whole}.{frac}" if frac is not None else str(whole),
    st.integers(min_value=0, max_value=10**9),
    st.one_of(st.none(), st.integers(min_value=0, max_value=999)),
)


@given(sign=SIGNS, num=NUMBER_TEXT, unit=UNITS, spaces=st.booleans())
def test_full_width_equals_half_width(sign: str, num: str, unit: str, spaces: bool) -> None:
    half = f"{sign}{num}{unit}"
    full = to_full_width(half)
    if spaces:
        full = "\u3000" + full.replace(to_full_width(num), " " + to_full_width(num) + " ")
    a, b = parse_value(half), parse_value(full)
    assert (a.kind, a.op, a.op_symbolic, a.number, a.unit, a.date) == (
        b.kind,
        b.op,
        b.op_symbolic,
        b.number,
        b.unit,
        b.date,
    )


@given(
    op=st.sampled_from(["≥", "≤", "=", ">", "<"]),
    num=NUMBER_TEXT,
    unit=st.sampled_from(["家", "次", "万元", "%", "个", "人"]),
)
def test_round_trip(op: str, num: str, unit: str) -> None:
    value = parse_value(f"{op}{num}{unit}")
    assert value.kind is Kind.NUMBER
    assert value.op == op and value.op_symbolic
    assert value.number is not None and math.isclose(value.number, float(num))
    assert value.unit == unit
    assert not value.approx


@given(num=NUMBER_TEXT, unit=st.sampled_from(["家", "次", "万元", "%", "个", "人"]))
def test_round_trip_with_columns(num: str, unit: str) -> None:
    value = parse_value(num, op="≥", unit=unit)
    assert (value.kind, value.op, value.unit) == (Kind.NUMBER, "≥", unit)
    assert value.number is not None and math.isclose(value.number, float(num))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_finite_floats_are_numbers(x: float) -> None:
    value = parse_value(x)
    assert value.kind is Kind.NUMBER
    assert value.number == x
    assert magnitude(value) == x


@pytest.mark.parametrize(
    ("raw", "valid"),
    [("2020年2月29日", True), ("2021年2月29日", False), ("2100年2月29日", False), ("2000年2月29日", True),
     ("2020年4月31日", False), ("2020年12月31日", True)],
)  # fmt: skip
def test_a_day_is_checked_against_its_month_and_leap_years(raw, valid) -> None:
    value = parse_value(raw)
    assert (value.kind is Kind.DATE) is valid
    assert (value.problem == f"日期无效：'{raw}'") is not valid
