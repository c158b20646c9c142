"""Indicator value notation: turn what clerks type into comparable values.

Contract (other modules rely on it): ``parse_value`` never raises; what it cannot
read comes back as ``Kind.TEXT`` with a Chinese ``problem`` instead of a guess.

Public API
----------
- ``normalize_text(s)``: NFKC, no whitespace, no thousands separators.
- ``parse_operator(raw)``: the Sichuan 指标性质 column → "≥" "≤" "=" ">" "<" "定性" "定量" or None.
- ``parse_value(raw, op=None, unit=None)``: one cell → ``ParsedValue``.
- ``same_unit(a, b)``: whether two units name the same thing ("" matches anything).
- ``magnitude(v)``: a float to compare values of the same kind (numbers, deadlines).
- ``rank_on(v, scale)``: the rank of a level on a given scale (差 is on two scales).
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from enum import StrEnum

from jixiao.core.memo import builder, memo


class Kind(StrEnum):
    EMPTY = "空"  # blank or placeholder (—, /, *, 无)
    NUMBER = "数值"  # a number, maybe with operator and unit
    DATE = "日期"  # a calendar date or month (2020年12月前, 2020年12月31日)
    LEVEL = "定性"  # a recognised qualitative level (优, 好, 及时, 达标, 是 ...)
    TEXT = "文字"  # text that names no measurable target (不断提高)
    ERROR = "错误值"  # an Excel error value (#DIV/0!, #N/A ...)


@dataclass(frozen=True, slots=True)
class ParsedValue:
    raw: object
    kind: Kind
    op: str | None = None  # one of "≥", "≤", "=", ">", "<"
    op_symbolic: bool = False  # written as a sign (≥, >=, ＞) rather than a word (以上, 前)
    number: float | None = None
    unit: str = ""  # normalised unit; "%" for percentages
    approx: bool = False  # 余 / 多 / 左右: "more than" or "about"
    level: str | None = None  # normalised qualitative level
    scale: str | None = None  # which ordered scale the level belongs to
    rank: int | None = None  # position on that scale, higher is better
    date: tuple[int, int | None, int | None] | None = None  # (year, month, day)
    problem: str | None = None  # Chinese: why it could not be read

    def __init__(
        self,
        raw: object,
        kind: Kind,
        op: str | None = None,
        op_symbolic: bool = False,
        number: float | None = None,
        unit: str = "",
        approx: bool = False,
        level: str | None = None,
        scale: str | None = None,
        rank: int | None = None,
        date: tuple[int, int | None, int | None] | None = None,
        problem: str | None = None,
    ) -> None:
        # The slots' own setters, as in Finding: a batch reads thousands of distinct
        # values, and the frozen dataclass's object.__setattr__ per field costs twice that.
        s = _VALUE_SETTERS
        s[0](self, raw)
        s[1](self, kind)
        s[2](self, op)
        s[3](self, op_symbolic)
        s[4](self, number)
        s[5](self, unit)
        s[6](self, approx)
        s[7](self, level)
        s[8](self, scale)
        s[9](self, rank)
        s[10](self, date)
        s[11](self, problem)


_VALUE_SETTERS = tuple(ParsedValue.__dict__[f.name].__set__ for f in fields(ParsedValue))
_make_value: Callable[..., ParsedValue] = builder(ParsedValue)


def number_value(
    raw: object, op: str | None, op_symbolic: bool, number: float, unit: str, approx: bool
) -> ParsedValue:
    """``ParsedValue(raw, Kind.NUMBER, op, op_symbolic, number, unit, approx)`` in less than
    half its time (``memo.builder``): a batch reads thousands of numbers it has not seen
    before."""
    return _make_value(
        raw, Kind.NUMBER, op, op_symbolic, number, unit, approx, None, None, None, None, None
    )


# ---------------------------------------------------------------------------
# Word tables
# ---------------------------------------------------------------------------

OPERATORS: frozenset[str] = frozenset({"≥", "≤", "=", ">", "<"})
QUALITATIVE = "定性"
QUANTITATIVE = "定量"

# Operators written as signs (after NFKC, so ＞＝ has become >=). Longest first when matching.
SIGN_OPERATORS: dict[str, str] = {
    ">=": "≥",
    "=>": "≥",
    "≥=": "≥",
    "≥": "≥",
    "≧": "≥",
    "⩾": "≥",
    "≮": "≥",
    "<=": "≤",
    "=<": "≤",
    "≤=": "≤",
    "≤": "≤",
    "≦": "≤",
    "⩽": "≤",
    "≯": "≤",
    "==": "=",
    "=": "=",
    ">": ">",
    "<": "<",
}

# Operator words written before the number (不低于90%).
WORD_OPERATORS_BEFORE: dict[str, str] = {
    "大于等于": "≥",
    "大于或等于": "≥",
    "不低于": "≥",
    "不少于": "≥",
    "不小于": "≥",
    "不早于": "≥",
    "至少": "≥",
    "小于等于": "≤",
    "小于或等于": "≤",
    "不高于": "≤",
    "不超过": "≤",
    "不多于": "≤",
    "不大于": "≤",
    "不晚于": "≤",
    "不迟于": "≤",
    "至多": "≤",
    "最多": "≤",
    "等于": "=",
    "大于": ">",
    "高于": ">",
    "超过": ">",
    "多于": ">",
    "小于": "<",
    "低于": "<",
    "少于": "<",
    "不到": "<",
}

# Operator words written after the number and unit (50家以上, 一年以内, 2020年12月前).
WORD_OPERATORS_AFTER: dict[str, str] = {
    "及以上": "≥",
    "以上": "≥",
    "及以下": "≤",
    "以下": "≤",
    "以内": "≤",
    "之内": "≤",
    "内": "≤",
    "之前": "≤",
    "以前": "≤",
    "前": "≤",
}

# Words after a date that make it a deadline; 底/末 ("end of") are handled separately.
DATE_DEADLINE_WORDS: tuple[str, ...] = ("之前", "以前", "以内", "之内", "为止", "前", "内", "止")
# Words after a deadline that just say what happens by then (2020年底前完成).
DATE_DONE_WORDS: tuple[str, ...] = ("全部完成", "完成", "完工", "办结", "结束")

# Placeholders that mean "nothing written".
PLACEHOLDER_WORDS: frozenset[str] = frozenset({"无", "空", "暂无", "不适用"})
PLACEHOLDER_RE = re.compile(r"^[-—–―‐─/\\*]+$")

EXCEL_ERRORS: frozenset[str] = frozenset(
    {
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#N/A",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)

# Approximation marks: 余/多 right after the number (or after 万/千/百/亿), 左右 at the end.
APPROX_MARKS: tuple[str, ...] = ("余", "多")
APPROX_PREFIXES: tuple[str, ...] = ("大约", "大概", "约")
APPROX_SUFFIX = "左右"
MAGNITUDE_PREFIXES = "万千百亿"

PERCENT_UNITS: frozenset[str] = frozenset({"%", "％", "百分比", "百分率"})
AREA_UNITS: frozenset[str] = frozenset({"平方米", "㎡", "m2", "m²", "平米", "平方"})
VOLUME_UNITS: frozenset[str] = frozenset({"立方米", "m3", "m³", "方"})
# Units that compare equal although written differently (see same_unit).
UNIT_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(PERCENT_UNITS, "%"),
    **dict.fromkeys(AREA_UNITS, "平方米"),
    **dict.fromkeys(VOLUME_UNITS, "立方米"),
    "个月": "月",
    "月": "月",
    "天": "日",
    "日": "日",
}
# Written units canonicalised in ParsedValue.unit (the others are kept as written).
UNIT_CANONICAL: dict[str, str] = {
    **dict.fromkeys(PERCENT_UNITS, "%"),
    **dict.fromkeys(AREA_UNITS, "平方米"),
    **dict.fromkeys(("立方米", "m3", "m³"), "立方米"),
}

# Units that are fine after a Chinese numeral (一年, 十二个月); other words after a
# Chinese numeral (一流, 十分满意) are ordinary text.
COMMON_UNITS: frozenset[str] = frozenset(
    {
        "年",
        "个月",
        "月",
        "周",
        "天",
        "日",
        "个工作日",
        "工作日",
        "小时",
        "分钟",
        "次",
        "个",
        "家",
        "人",
        "人次",
        "名",
        "位",
        "场",
        "场次",
        "项",
        "件",
        "户",
        "所",
        "批",
        "期",
        "篇",
        "本",
        "套",
        "台",
        "辆",
        "届",
        "轮",
        "座",
        "条",
        "处",
        "间",
        "部",
        "册",
        "份",
        "张",
        "元",
        "万元",
        "亿元",
        "个百分点",
        "%",
    }
)
# Units that contain a numeral character but are still units.
NUMERAL_UNITS: frozenset[str] = frozenset(
    {"个百分点", "百分点", "千米", "千克", "千瓦", "千瓦时", "千元", "百万元", "十万元", "千万元"}
)
ASCII_UNITS: frozenset[str] = frozenset(
    {
        "m",
        "m2",
        "m3",
        "km",
        "km2",
        "cm",
        "mm",
        "kg",
        "g",
        "t",
        "kw",
        "kwh",
        "mw",
        "h",
        "min",
        "l",
        "ml",
        "kb",
        "mb",
        "gb",
        "tb",
        "mbps",
        "gbps",
        "°c",
        "‰",
    }
)

CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_MULTIPLIERS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_MULTIPLIERS)

# Ordered qualitative scales: scale name → (canonical level, rank, words meaning it).
# Higher rank is better. Words shared by two scales (差) belong to the first one listed;
# ``rank_on`` places them on the other.
LEVEL_SCALES: dict[str, tuple[tuple[str, int, tuple[str, ...]], ...]] = {
    "好差": (
        ("好", 4, ("好",)),
        ("较好", 3, ("较好", "比较好")),
        ("一般", 2, ("一般",)),
        ("差", 1, ("差",)),
        ("较差", 1, ("较差", "比较差")),
    ),
    "优良": (
        ("优", 4, ("优", "优秀")),
        ("良", 3, ("良", "良好")),
        ("中", 2, ("中", "中等", "合格")),
        ("差", 1, ("差", "不合格")),
    ),
    "及时": (
        ("及时", 2, ("及时", "按时", "准时")),
        ("不及时", 1, ("不及时", "未及时", "延迟", "滞后")),
    ),
    "达标": (
        ("达标", 2, ("达标", "已达标", "达到")),
        ("未达标", 1, ("未达标", "不达标", "未达到")),
    ),
    "完成": (
        (
            "完成",
            2,
            (
                "完成",
                "已完成",
                "全部完成",
                "按时完成",
                "按期完成",
                "圆满完成",
                "已圆满完成",
                "已全部完成",
                "完成目标",
            ),
        ),
        ("部分完成", 1, ("部分完成", "基本完成")),
        ("未完成", 1, ("未完成", "没有完成", "尚未完成")),
    ),
    "达成": (
        ("达成", 3, ("达成", "已达成", "达成预期", "达成预期指标", "达成预期目标", "达到预期")),
        ("部分达成", 2, ("部分达成", "基本达成", "部分达成预期", "基本达成预期")),
        ("未达成", 1, ("未达成", "未达成预期", "未达到预期")),
    ),
    "是否": (
        ("是", 2, ("是",)),
        ("否", 1, ("否",)),
    ),
    "有效": (
        ("有效", 2, ("有效", "显著", "明显")),
        ("无效", 1, ("无效",)),
    ),
}

# Keywords searched inside longer text (及时拨付, 按时完成各项任务). Only multi-character
# words: single characters (好 优 中 差 是) match only when they are the whole text.
LEVEL_KEYWORDS: tuple[str, ...] = (
    "不及时",
    "未达标",
    "未完成",
    "未达成",
    "不合格",
    "及时",
    "达标",
    "完成",
    "达成",
    "合格",
    "优秀",
    "良好",
)
# What a keyword becomes when negated (未按时完成) or only partly true (基本达成).
NEGATED_KEYWORDS: dict[str, str] = {
    "及时": "不及时",
    "达标": "未达标",
    "完成": "未完成",
    "达成": "未达成",
    "合格": "不合格",
}
PARTIAL_KEYWORDS: dict[str, str] = {"完成": "部分完成", "达成": "部分达成", "达标": "未达标"}
NEGATION_BEFORE_RE = re.compile(
    r"(?:未|不|没有?|尚未|无法|不能|未能)(?:按时|按期|如期|全部|全面|圆满|及时)?$"
)
PARTIAL_BEFORE_RE = re.compile(r"(?:部分|部份|基本|大部分|大部)$")
LEVEL_SUFFIXES: tuple[str, ...] = ("等级", "等", "级")

# ---------------------------------------------------------------------------
# Regular expressions
# ---------------------------------------------------------------------------

WHITESPACE_RE = re.compile(r"\s+")
THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
TRAILING_PUNCT = "。.;；,，、"
ARABIC_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)")
CN_NUMBER_RE = re.compile(rf"[{CN_NUMERAL_CHARS}]{{1,8}}|半")
DECIMAL_RE = re.compile(r"^[+-]?\d+\.\d+$")
ASCII_DIGIT_RE = re.compile(r"[0-9]")
CJK_UNIT_RE = re.compile(r"^[\u4e00-\u9fff]{1,5}$")
CN_DATE_RE = re.compile(
    r"^(?P<y>\d{4}|[〇零一二三四五六七八九]{4})年度?"
    r"(?:(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月份?(?:(?P<d>\d{1,2})[日号])?)?"
    r"(?P<end>底|末)?(?P<rest>.*)$"
)
ISO_DATE_RE = re.compile(
    r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?(?P<end>底|末)?(?P<rest>.*)$"
)
MIN_YEAR, MAX_YEAR = 1900, 2199
MAX_SHOWN = 40  # characters of the input quoted in a problem message

# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------


def normalize_text(s: str) -> str:
    """NFKC (full-width → half-width), drop all whitespace and thousands separators.

    ``"１，２３４．５　万元"`` → ``"1234.5万元"``. Only a comma followed by exactly three
    digits counts as a thousands separator, so ``"1,2"`` keeps its comma.
    """
    return _NORMALIZED[s]


def _normalize_text(s: str) -> str:
    # NFKC makes ㎡ "m2": "每㎡50元" would read "每m250元" (250 per m).
    text = unicodedata.normalize("NFKC", s.replace("㎡", "平方米").replace("㎥", "立方米"))
    text = WHITESPACE_RE.sub("", text)
    return THOUSANDS_RE.sub("", text)


_NORMALIZED = memo(_normalize_text)


def _shown(raw: object) -> str:
    """The input as quoted in a problem message (trimmed, shortened)."""
    text = raw.strip() if isinstance(raw, str) else repr(raw)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def _operator_info(raw: object) -> tuple[str, bool] | None:
    """(operator, written as a sign?) for an operator cell or word, else None."""
    if not isinstance(raw, str):
        return None
    text = normalize_text(raw)
    if text in SIGN_OPERATORS:
        return SIGN_OPERATORS[text], True
    if text in WORD_OPERATORS_BEFORE:
        return WORD_OPERATORS_BEFORE[text], False
    return None


def parse_operator(raw: object) -> str | None:
    """Read the Sichuan 指标性质 column.

    Returns one of "≥" "≤" "=" ">" "<", or "定性"/"定量" (not operators: they say whether a
    qualitative or quantitative value is expected), or None for anything else.
    """
    if type(raw) is str:
        return _OPERATORS[raw]
    return _parse_operator(raw)


def _parse_operator(raw: object) -> str | None:
    info = _operator_info(raw)
    if info is not None:
        return info[0]
    if isinstance(raw, str) and normalize_text(raw) in (QUALITATIVE, QUANTITATIVE):
        return normalize_text(raw)
    return None


_OPERATORS = memo(_parse_operator)


def _unit_parts(unit: str) -> list[str]:
    return unit.split("/")


def normalize_unit(unit: object) -> str:
    """Normalised unit text: NFKC, percent words → "%", area → "平方米" (per "/" part)."""
    if not isinstance(unit, str):
        return ""
    return _UNITS[unit]


def _normalize_unit(unit: str) -> str:
    text = normalize_text(unit)
    return "/".join(UNIT_CANONICAL.get(part, part) for part in _unit_parts(text))


_UNITS = memo(_normalize_unit)


def _unit_key(unit: str) -> str:
    return _UNIT_KEYS[unit]


def _compute_unit_key(unit: str) -> str:
    parts = _unit_parts(normalize_unit(unit))
    return "/".join(UNIT_SYNONYMS.get(p, UNIT_SYNONYMS.get(p.lower(), p.lower())) for p in parts)


_UNIT_KEYS = memo(_compute_unit_key)


def same_unit(a: str, b: str) -> bool:
    """Whether two units name the same thing.

    Synonyms are one unit: "%"/"％"/"百分比"; "个月"/"月"; "天"/"日";
    "平方米"/"㎡"/"m2"/"平米"; "立方米"/"m3". Different magnitudes differ ("元" ≠ "万元").
    An empty unit matches any unit: a value written without a unit (a Sichuan 完成值 cell
    holding a bare number) takes the unit of its column, so it cannot contradict it.
    """
    return _SAME_UNIT[(a or "", b or "")]


def _same_unit(pair: tuple[str, str]) -> bool:
    key_a, key_b = _unit_key(pair[0]), _unit_key(pair[1])
    return not key_a or not key_b or key_a == key_b


_SAME_UNIT = memo(_same_unit)


def _is_unit(unit: str) -> bool:
    """Whether text after a number looks like a unit (家, 万元/个), not more words."""
    parts = _unit_parts(unit)
    if len(parts) > 2:
        return False
    return all(_is_unit_part(part) for part in parts)


def _is_unit_part(part: str) -> bool:
    if part in COMMON_UNITS or part in NUMERAL_UNITS or part in UNIT_CANONICAL:
        return True
    if part.lower() in ASCII_UNITS:
        return True
    if CJK_UNIT_RE.match(part):
        return not any(ch in CN_NUMERAL_CHARS for ch in part)
    return False


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def _cn_to_number(text: str) -> float | None:
    """Chinese numerals → number: 十二 → 12, 一百零五 → 105, 二〇二〇 → 2020, 半 → 0.5."""
    if text == "半":
        return 0.5
    if not any(ch in CN_MULTIPLIERS for ch in text):
        if len(text) > 1 and text[0] in "零〇":
            return None
        return float(int("".join(str(CN_DIGITS[ch]) for ch in text)))
    total, current = 0, None
    for ch in text:
        if ch in CN_DIGITS:
            if current is not None and current != 0:
                return None  # two digits in a row (一二十)
            current = CN_DIGITS[ch]
        else:
            total += (1 if current is None else current) * CN_MULTIPLIERS[ch]
            current = None
    return float(total + (current or 0))


# Longest first, so ">=" wins over ">"; sorted once, not on every call.
_SIGNS_LONGEST_FIRST = tuple(sorted(SIGN_OPERATORS, key=len, reverse=True))
_WORDS_BEFORE_LONGEST_FIRST = tuple(sorted(WORD_OPERATORS_BEFORE, key=len, reverse=True))
_WORDS_AFTER_LONGEST_FIRST = tuple(sorted(WORD_OPERATORS_AFTER, key=len, reverse=True))


def _take_prefix_operator(text: str) -> tuple[str | None, bool, str]:
    """Split a leading operator off: (op, symbolic, rest)."""
    if text.startswith(_SIGNS_LONGEST_FIRST):
        for sign in _SIGNS_LONGEST_FIRST:
            if text.startswith(sign):
                return SIGN_OPERATORS[sign], True, text[len(sign) :]
    if text.startswith(_WORDS_BEFORE_LONGEST_FIRST):
        for word in _WORDS_BEFORE_LONGEST_FIRST:
            if text.startswith(word):
                return WORD_OPERATORS_BEFORE[word], False, text[len(word) :]
    return None, False, text


def _take_suffix_operator(text: str, table: dict[str, str]) -> tuple[str | None, str]:
    """Split a trailing operator word off: (op, rest)."""
    words = (
        _WORDS_AFTER_LONGEST_FIRST
        if table is WORD_OPERATORS_AFTER
        else sorted(table, key=len, reverse=True)
    )
    if not text.endswith(tuple(words)):
        return None, text  # the common case, in one call
    for word in words:
        if text.endswith(word):
            return table[word], text[: -len(word)]
    return None, text


_DIRECTIONS = {"≥": 1, ">": 1, "≤": -1, "<": -1}


def _direction(op: str | None) -> int:
    return _DIRECTIONS.get(op or "", 0)


def _merge_operators(
    prefix: str | None, symbolic: bool, suffix: str | None
) -> tuple[str | None, bool] | None:
    """Combine "≥50个以上": the leading operator wins; None if they point opposite ways."""
    if prefix is None:
        return suffix, False
    if suffix is not None and _direction(prefix) * _direction(suffix) < 0:
        return None
    return prefix, symbolic


def _take_number(text: str) -> tuple[float, bool, str] | None:
    """Split the leading number off: (number, written in Chinese numerals?, rest)."""
    match = ARABIC_NUMBER_RE.match(text)
    if match:
        number = float(match.group())
        # 309+ digits are infinity to float: no figure, so no quantity (never "inf" shown)
        return (number, False, text[match.end() :]) if math.isfinite(number) else None
    match = CN_NUMBER_RE.match(text)
    if match:
        number = _cn_to_number(match.group())
        if number is not None:
            return number, True, text[match.end() :]
    return None


def _strip_prefix(text: str, words: tuple[str, ...]) -> tuple[bool, str]:
    """Remove the first of ``words`` (list longer words first) that starts ``text``."""
    if not text.startswith(words):
        return False, text  # the common case, in one call
    for word in words:
        if text.startswith(word):
            return True, text[len(word) :]
    return False, text


def _take_approx(rest: str) -> tuple[bool, str]:
    """Remove 余/多 after the number or after 万/千/百/亿 (292万余元 → 万元)."""
    for mark in APPROX_MARKS:
        if rest.startswith(mark):
            return True, rest[1:]
        if len(rest) >= 2 and rest[0] in MAGNITUDE_PREFIXES and rest[1] == mark:
            return True, rest[0] + rest[2:]
    return False, rest


def _parse_quantity(raw: object, text: str) -> ParsedValue | None:
    """≥50个, 292万余元, 一年以内, 百分之九十五, 98% …; None if not a quantity."""
    prefix_op, symbolic, body = _take_prefix_operator(text)
    about, body = _strip_prefix(body, APPROX_PREFIXES)
    percent_words = body.startswith("百分之")
    if percent_words:
        body = body[len("百分之") :]
    taken = _take_number(body)
    if taken is None:
        return None
    number, chinese, rest = taken
    approx = about or rest.endswith(APPROX_SUFFIX)
    if rest.endswith(APPROX_SUFFIX):
        rest = rest[: -len(APPROX_SUFFIX)]
    suffix_op, rest = _take_suffix_operator(rest, WORD_OPERATORS_AFTER)
    marked, rest = _take_approx(rest)
    unit = normalize_unit(rest)
    if percent_words:
        if unit:
            return None
        unit = "%"
    if unit and not _is_unit(unit):
        return None
    if chinese and not percent_words and unit not in COMMON_UNITS:
        return None
    merged = _merge_operators(prefix_op, symbolic, suffix_op)
    if merged is None:
        return _text(raw, f"运算符前后矛盾：'{_shown(raw)}'")
    op, op_symbolic = merged
    return ParsedValue(
        raw=raw,
        kind=Kind.NUMBER,
        op=op,
        op_symbolic=op_symbolic,
        number=number,
        unit=unit,
        approx=approx or marked,
    )


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


def _date_number(text: str | None) -> int | None:
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    value = _cn_to_number(text)
    return None if value is None else int(value)


def _deadline_op(rest: str) -> tuple[bool, str | None]:
    """Read what follows a date: (understood?, "≤" for 前/以内/底前…)."""
    for word in DATE_DONE_WORDS:
        if rest.endswith(word):
            rest = rest[: -len(word)]
            break
    if not rest:
        return True, None
    if rest in DATE_DEADLINE_WORDS:
        return True, "≤"
    return False, None


def _valid_date(year: int, month: int | None, day: int | None) -> bool:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return False
    if month is None:
        return day is None
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    try:  # not calendar.monthrange: the calendar module loads locale, 6 ms at start-up
        _dt.date(year, month, day)
    except (ValueError, OverflowError):  # a day of 40 digits
        return False
    return True


def _parse_date(raw: object, text: str) -> ParsedValue | None:
    """2020年12月31日, 2020年12月前, 2020年底前, 2020-12-31, 2020.12 …; None if no date."""
    prefix_op, symbolic, body = _take_prefix_operator(text)
    match = CN_DATE_RE.match(body) or ISO_DATE_RE.match(body)
    if match is None:
        return None
    understood, suffix_op = _deadline_op(match.group("rest"))
    if not understood:
        return None
    year = _date_number(match.group("y"))
    month = _date_number(match.group("m"))
    day = _date_number(match.group("d"))
    if year is None or (match.group("m") and month is None):
        return None
    if match.group("end") and month is None:
        month = 12  # 2020年底: the end of December
    if match.group("end") and day is not None:
        return None  # 2020年12月31日底
    if not _valid_date(year, month, day):
        if MIN_YEAR <= year <= MAX_YEAR and match.re is CN_DATE_RE:
            return _text(raw, f"日期无效：'{_shown(raw)}'")
        return None
    merged = _merge_operators(prefix_op, symbolic, suffix_op)
    if merged is None:
        return _text(raw, f"运算符前后矛盾：'{_shown(raw)}'")
    op, op_symbolic = merged
    return ParsedValue(
        raw=raw, kind=Kind.DATE, op=op, op_symbolic=op_symbolic, date=(year, month, day)
    )


# ---------------------------------------------------------------------------
# Qualitative levels
# ---------------------------------------------------------------------------


def _build_level_index() -> dict[str, tuple[str, str, int]]:
    """word → (scale, canonical level, rank); the first scale listing a word wins."""
    index: dict[str, tuple[str, str, int]] = {}
    for scale, levels in LEVEL_SCALES.items():
        for canonical, rank, words in levels:
            for word in words:
                index.setdefault(word, (scale, canonical, rank))
    return index


LEVEL_INDEX: dict[str, tuple[str, str, int]] = _build_level_index()


def _level(raw: object, word: str) -> ParsedValue | None:
    found = LEVEL_INDEX.get(word)
    if found is None:
        return None
    scale, canonical, rank = found
    return ParsedValue(raw=raw, kind=Kind.LEVEL, level=canonical, scale=scale, rank=rank)


def _exact_level(raw: object, text: str) -> ParsedValue | None:
    """The whole text is a level word, maybe with 等/级/等级 after it (优等)."""
    found = _level(raw, text)
    if found is not None:
        return found
    for suffix in LEVEL_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            found = _level(raw, text[: -len(suffix)])
            if found is not None:
                return found
    return None


def _keyword_word(text: str, keyword: str, at: int) -> str | None:
    """The level word a keyword found at ``at`` stands for, given what precedes it."""
    before = text[:at]
    if keyword in NEGATED_KEYWORDS and NEGATION_BEFORE_RE.search(before):
        return NEGATED_KEYWORDS[keyword]
    if NEGATION_BEFORE_RE.search(before):
        return None  # 不优秀: no level on the scale says that
    if keyword in PARTIAL_KEYWORDS and PARTIAL_BEFORE_RE.search(before):
        return PARTIAL_KEYWORDS[keyword]
    return keyword


def _keyword_level(raw: object, text: str) -> ParsedValue | None:
    """A level keyword inside longer text (及时拨付, 未按时完成); the earliest one wins."""
    if ASCII_DIGIT_RE.search(text):
        return None  # 完成3次培训 is a quantity written as a sentence, not a level
    hits = [(text.find(k), -len(k), k) for k in LEVEL_KEYWORDS if k in text]
    for at, _, keyword in sorted(hits):
        word = _keyword_word(text, keyword, at)
        if word is not None:
            return _level(raw, word)
    return None


# ---------------------------------------------------------------------------
# parse_value
# ---------------------------------------------------------------------------


def _text(raw: object, problem: str) -> ParsedValue:
    return ParsedValue(raw=raw, kind=Kind.TEXT, problem=problem)


def _excel_error(text: str) -> str | None:
    upper = text.upper()
    return upper if upper in EXCEL_ERRORS else None


def _parse_string(raw: str, column_unit: str = "") -> ParsedValue:
    """Read a text cell. ``column_unit`` is the 度量单位 column: with one, a plain decimal
    such as "2020.12" is a number in that unit rather than the month 2020年12月."""
    # Not through normalize_text's memo: whoever reads a cell remembers the reading, so
    # the text is normalised once anyway, and a batch's thousands of distinct results
    # would only fill the memo.
    text = _normalize_text(raw)
    if not text or text in PLACEHOLDER_WORDS or PLACEHOLDER_RE.match(text):
        return ParsedValue(raw=raw, kind=Kind.EMPTY)
    error = _excel_error(text)
    if error is not None:
        return ParsedValue(raw=raw, kind=Kind.ERROR, problem=f"Excel 错误值 {error}")
    text = text.rstrip(TRAILING_PUNCT)
    if not text:
        return ParsedValue(raw=raw, kind=Kind.EMPTY)
    quick = _number_in_words(raw, text)
    if quick is not None:
        return quick
    return _read_text(raw, text, column_unit)


def _read_text(raw: str, text: str, column_unit: str = "") -> ParsedValue:
    """Read normalised, non-empty text: a date, a quantity, a level, or text."""
    readers = (_parse_date, _parse_quantity, _per_quantity, _exact_level, _keyword_level)
    if column_unit and DECIMAL_RE.match(text):
        readers = (_parse_quantity,)
    for reader in readers:
        found = reader(raw, text)
        if found is not None:
            return found
    return _text(raw, f"未能识别为数值、日期或定性等级：'{_shown(raw)}'")


# A rate per something, as 补助标准 are written: "每亩300元", "人均500元", "每人每月800元",
# "每季度≥1次". The thing follows 每 (one to three Chinese characters; ㎡ is 平方米 by then) or
# precedes 均; after it comes a quantity (an operator, 不低于…, 约, a digit) or another 每.
_PER = re.compile(r"(?:平均)?每(?P<per>[\u4e00-\u9fff]{1,3}?)(?P<rest>(?:每|不|约|[≥≤<>=≧≦]|\d).*)")
_PER_FILLER = re.compile(r"(?:补助|补贴|标准|投入|支出|发放|成本|费用)$")
_AVERAGE = re.compile(r"(?P<per>[人户亩])均(?P<rest>(?:每|不|约|[≥≤<>=≧≦]|\d).*)")


def _per_quantity(raw: object, text: str) -> ParsedValue | None:
    """Read "每亩300元" as 300 元/亩: the quantity after the thing, its unit per the thing."""
    m = _PER.fullmatch(text) or _AVERAGE.fullmatch(text)
    if m is None:
        return None
    inner = _read_text(m["rest"], m["rest"])
    if inner.kind is not Kind.NUMBER or inner.number is None:
        return None
    per = _PER_FILLER.sub("", m["per"]) or m["per"]  # "每亩补助300元": per 亩
    # "每人每月800元": 元 per 人 per 月, the outer thing first
    base, *inner_per = inner.unit.split("/")
    unit = normalize_unit("/".join([base, per, *inner_per])) if inner.unit else ""
    return number_value(raw, inner.op, inner.op_symbolic, inner.number, unit, inner.approx)


# "≥95.5%", "12家以上", "不超过3.5万元": an operator (or nothing) before one number and
# digit-free words after it. Such text reads the same whatever the number, unless the number
# may start a date (2020年, 2020.12, 2020-12): each distinct (before, after) is read once
# and the number put in (a batch holds thousands of distinct results like "93.21%").
_ONE_NUMBER = re.compile(r"(\D*?)([+-]?\d+(?:\.\d+)?)(\D*)")
_OPERATOR_PREFIXES = frozenset({"", *SIGN_OPERATORS, *WORD_OPERATORS_BEFORE, *APPROX_PREFIXES})


def _number_in_words(raw: str, text: str) -> ParsedValue | None:
    """``text`` read as ``_read_text`` reads it when it is such a quantity, else None."""
    match = _ONE_NUMBER.fullmatch(text)
    if match is None:
        return None
    before, digits, after = match.groups()
    if before not in _OPERATOR_PREFIXES:
        return None
    if len(digits.lstrip("+-").split(".", 1)[0]) == 4 and (
        "." in digits or after.startswith(("年", "-", "/", "."))
    ):
        return None  # may be a date
    shape = _QUANTITY_SHAPES[(before, after)]
    if shape is None:
        return None
    number = float(digits)
    if not math.isfinite(number):
        return None  # read by _read_text, which says it is no figure (see _take_number)
    op, op_symbolic, unit, approx = shape
    return number_value(raw, op, op_symbolic, number, unit, approx)


def _quantity_shape(key: tuple[str, str]) -> tuple[str | None, bool, str, bool] | None:
    # Read with the number 1 in it; None where that is not a plain quantity.
    found = _read_text(key[0] + "1" + key[1], key[0] + "1" + key[1])
    if found.kind is not Kind.NUMBER or found.number != 1.0 or found.problem is not None:
        return None
    return found.op, found.op_symbolic, found.unit, found.approx


_QUANTITY_SHAPES = memo(_quantity_shape)


def _parse_number(raw: object) -> ParsedValue:
    try:
        number = float(raw)  # type: ignore[arg-type]
    except (OverflowError, ValueError, TypeError):
        return _text(raw, f"数值无法读取：{_shown(raw)}")
    if not math.isfinite(number):
        return _text(raw, f"数值无效（非数字或无穷大）：{_shown(raw)}")
    return ParsedValue(raw=raw, kind=Kind.NUMBER, number=number)


def _parse_any(raw: object, column_unit: str = "") -> ParsedValue:
    """Dispatch on the cell's Python type (what openpyxl/pandas hand over)."""
    if type(raw) is float or type(raw) is int:
        return _parse_number(raw)  # the common cases, before the costlier checks below
    if type(raw) is str:
        return _parse_string(raw, column_unit)
    if raw is None:
        return ParsedValue(raw=raw, kind=Kind.EMPTY)
    if isinstance(raw, bool):
        return _text(raw, f"逻辑值不是指标值：{'TRUE' if raw else 'FALSE'}")
    if isinstance(raw, numbers.Real | Decimal):
        return _parse_number(raw)
    if isinstance(raw, _dt.date):
        return ParsedValue(raw=raw, kind=Kind.DATE, date=(raw.year, raw.month, raw.day))
    if isinstance(raw, str):
        return _parse_string(raw, column_unit)
    return _text(raw, f"不支持的值类型 {type(raw).__name__}")


def _apply_columns(value: ParsedValue, op: object, unit: object) -> ParsedValue:
    """Fill operator and unit from the Sichuan columns when the cell carries none."""
    info = _operator_info(op)
    if value.kind is Kind.NUMBER and (info is not None or unit is not None):
        # A number (which has no level, date or problem: see number_value's callers) is
        # made anew with the columns' operator and unit: what replace() below gives.
        if info is None or value.op is not None:
            op_, op_symbolic = value.op, value.op_symbolic
        else:
            op_, op_symbolic = info
        column_unit = normalize_unit(unit)
        unit_ = column_unit if column_unit and not value.unit else value.unit
        if op_ is value.op and unit_ is value.unit:
            return value
        return number_value(value.raw, op_, op_symbolic, value.number, unit_, value.approx)
    changes: dict[str, object] = {}
    if info is not None and value.op is None and value.kind in (Kind.NUMBER, Kind.DATE, Kind.LEVEL):
        changes["op"], changes["op_symbolic"] = info
    column_unit = normalize_unit(unit)
    if column_unit and value.kind == Kind.NUMBER and not value.unit:
        changes["unit"] = column_unit
    return replace(value, **changes) if changes else value  # type: ignore[arg-type]


def parse_value(raw: object, *, op: str | None = None, unit: str | None = None) -> ParsedValue:
    """Read one indicator value cell. Never raises.

    ``op`` and ``unit`` are the Sichuan layout's 指标性质 and 度量单位 columns; they apply
    when the cell itself carries no operator or unit. ``op`` may be "定性"/"定量", which are
    not operators and are ignored here.
    """
    kind = type(raw)
    if (
        (kind is str or kind is int or (kind is float and raw != 0) or raw is None)
        and (op is None or type(op) is str)
        and (unit is None or type(unit) is str)
    ):
        # The type is part of the key: 1, 1.0 and "1" read differently. A float 0 is not
        # remembered: -0.0 == 0.0, and the value keeps the sign it was given.
        return _PARSED[(kind, raw, op, unit)]
    return _parse_value(raw, op, unit)


def parse_value_once(raw: object, *, op: str | None = None, unit: str | None = None) -> ParsedValue:
    """``parse_value`` without remembering the result: for a caller that remembers what it
    makes of it (the reading of a whole cell), so that a value seen once is not kept twice."""
    return _parse_value(raw, op, unit)


def _parse_value(raw: object, op: object, unit: object) -> ParsedValue:
    kind = type(raw)
    if (kind is float and math.isfinite(raw)) or kind is int:  # type: ignore[arg-type]
        try:
            number = float(raw)  # type: ignore[arg-type]
        except OverflowError:
            pass  # read below, where the problem is said
        else:
            # A number with the Sichuan columns: what _apply_columns(_parse_number(raw), …)
            # gives, made in one step (the commonest cell of all).
            info = _operator_info(op)
            if info is None:
                return number_value(raw, None, False, number, normalize_unit(unit), False)
            return number_value(raw, info[0], info[1], number, normalize_unit(unit), False)
    try:
        return _apply_columns(_parse_any(raw, normalize_unit(unit)), op, unit)
    except Exception as exc:  # the contract: report, never raise
        return _text(raw, f"解析出错（{type(exc).__name__}）")


def _parse_key(key: tuple[type, object, str | None, str | None]) -> ParsedValue:
    return _parse_value(key[1], key[2], key[3])


_PARSED = memo(_parse_key)


# ---------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------


def magnitude(v: ParsedValue) -> float | None:
    """A float to compare two values of the same kind, or None.

    NUMBER → the number. DATE → year*10000 + month*100 + day, a missing month counting as
    12 and a missing day as 31, so a deadline "2020年12月前" means the end of December 2020.
    """
    if v.kind == Kind.NUMBER:
        return v.number
    if v.kind == Kind.DATE and v.date is not None:
        year, month, day = v.date
        return float(year * 10000 + (month or 12) * 100 + (day or 31))
    return None


def rank_on(v: ParsedValue, scale: str) -> int | None:
    """The rank of a LEVEL value on ``scale`` (差 is on both 好差 and 优良), else None."""
    if v.kind != Kind.LEVEL or v.level is None:
        return None
    for canonical, rank, words in LEVEL_SCALES.get(scale, ()):
        if v.level == canonical or v.level in words:
            return rank
    return None


def top_rank(scale: str | None) -> int | None:
    """The best rank on a scale: a level there means the target is fully met."""
    levels = LEVEL_SCALES.get(scale or "")
    return max(rank for _, rank, _ in levels) if levels else None
