"""Headings and row labels of paper forms, read the way a reviewer reads them.

A heading is compared after normalising what varies from form to form and says nothing
about the column: full/half width, spaces and line breaks ("年初\\n预算数"), notes in
brackets ("全年预算数(A)", "执行率(B/A)", "（万元）", "(%)"), circled numbers and the
formulas built from them ("小计 ④=①+②+③", "支出实现率(%) ⑥=⑤/④"), "单位：万元" and a
trailing colon. Each field's headings come from the field schema (jixiao.core.fields).

Row labels carry more: a block heading may declare its points ("产出指标(50分)", "产出\\n
指标\\n40 分", "(50分)" alone); a 三级 cell may be a placeholder of the blank template
("指标1：", "指标2", "……", "指标1：/") or a filled one that keeps the prefix ("指标1：完成
中型灌区节水改造项目数量", named by the text after it).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from jixiao.core.standards import normalize_label, split_points

__all__ = [
    "LabelTable",
    "compact",
    "heading_points",
    "indicator_name",
    "is_mark",
    "label",
    "with_points",
]

_SPACES = re.compile(r"\s+")
# Circled numbers (① … ⑳) and the formulas written with them: "④=①+②+③", "⑥=⑤/④".
# NFKC would turn them into plain digits, so they go before normalising.
_CIRCLED = "①-⑳"
_CIRCLED_FORMULA = re.compile(
    rf"[{_CIRCLED}]\s*[=＝]\s*[{_CIRCLED}](?:\s*[-+*/×÷－＋／]\s*[{_CIRCLED}])*"
)
_CIRCLED_ONE = re.compile(rf"[{_CIRCLED}]")
_NOTES = re.compile(r"\([^()]*\)|单位:?万元|\[[^\[\]]*\]")


def compact(value: Any) -> str:
    """NFKC text without any whitespace; "" for non-text."""
    if not isinstance(value, str):
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value))


def label(value: Any) -> str:
    """A heading as compared with the field tables: no spaces, notes, formulas or colon."""
    if not isinstance(value, str):
        return ""
    text = _CIRCLED_ONE.sub("", _CIRCLED_FORMULA.sub("", value))
    text = compact(text)
    prev = None
    while prev != text:  # nested notes: "(单位(万元))"
        prev, text = text, _NOTES.sub("", text)
    return text.rstrip(":")


def label_with_notes(value: Any) -> str:
    """A heading with its brackets kept ("政策(项目)名称"): some labels need them."""
    if not isinstance(value, str):
        return ""
    return compact(_CIRCLED_ONE.sub("", _CIRCLED_FORMULA.sub("", value))).rstrip(":")


class LabelTable:
    """Field key -> the headings that name it, compared after :func:`label`."""

    def __init__(self, table: dict[str, tuple[str, ...]], reason_key: str | None = None) -> None:
        self.keys = tuple(table)
        self._by_label: dict[str, str] = {}
        for key, options in table.items():
            for option in options:
                for form in (label(option), label_with_notes(option)):
                    self._by_label.setdefault(form, key)
        # Any short heading that mentions 原因 is the reason column.
        self.reason_key = reason_key

    def match(self, text: Any) -> str | None:
        """The field a heading names, or None."""
        for form in (label_with_notes(text), label(text)):
            if form and form in self._by_label:
                return self._by_label[form]
        lab = label(text)
        if self.reason_key and "原因" in lab and len(lab) <= 20:
            return self.reason_key
        return None

    def __contains__(self, text: object) -> bool:
        return self.match(text) is not None

    def labels(self) -> frozenset[str]:
        return frozenset(self._by_label)


# ---- block headings and their points --------------------------------------------------

# Points written without brackets at the end of a heading: "产出\n指标\n40 分", "时效指\n标6分".
_TRAILING_POINTS = re.compile(r"^(?P<name>.*?\D)?(?P<n>\d+(?:\.\d+)?)分$")
# Points after a name that ends in 指标, in brackets without 分 or with a bracket lost:
# "产出指标\n(50)", "效益指标\n30分)".
_BARE_POINTS = re.compile(r"^(?P<name>.+?指标)[(（]?(?P<n>\d+(?:\.\d+)?)分?[)）]?$")


def heading_points(value: Any) -> tuple[str, float | None]:
    """A 一级/二级 heading's name and the points it declares.

    "产出指标(50分)" → ("产出指标", 50); "(50分)" → ("", 50); "满意度指标\\n(10分)" →
    ("满意度指标", 10); "产出\\n指标\\n40 分" → ("产出指标", 40); "数量指标" → ("数量指标", None).
    """
    if not isinstance(value, str):
        return ("", None) if value is None else (str(value), None)
    name, points = split_points(value)
    if points is None:
        plain = normalize_label(value)
        m = _TRAILING_POINTS.match(plain) or _BARE_POINTS.match(plain)
        if m and m.group("name"):
            name, points = normalize_label(m.group("name")), float(m.group("n"))
    return name, points


def with_points(name: str, points: float | None) -> str:
    """A heading written back with its points, as the reader hands it on: "产出指标(50分)"."""
    return name if points is None else f"{name}({points:g}分)"


# ---- placeholders ------------------------------------------------------------------------

# What a cell holds when it says "nothing here" / "not applicable".
_MARKS = frozenset(
    {"/", "-", "—", "--", "——", "－", "―", "\\", "…", "……", "...", "......", "。。。"}
)
# The blank template's indicator rows: "指标1：", "指标2", "指标1:完成…", "指标 3、…".
_NUMBERED = re.compile(r"^指标\s*\d+\s*[:：.、．]?\s*")
_ELLIPSIS = re.compile(r"^[.。…·]+$")


def is_mark(value: Any) -> bool:
    """A placeholder mark: "/", "—", "-", "……" (an empty or not-applicable cell)."""
    if not isinstance(value, str):
        return False
    text = compact(value)
    return text in _MARKS or bool(_ELLIPSIS.fullmatch(text))


def indicator_name(value: Any) -> Any:
    """A 三级 cell's indicator name, or None for a placeholder.

    "指标1：完成中型灌区节水改造项目数量" → "完成中型灌区节水改造项目数量"; "指标1：", "指标2",
    "……", "指标1：/" → None. Any other value is returned as it is.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        return value
    if is_mark(value):
        return None
    m = _NUMBERED.match(value.strip())
    if m is None:
        return value
    rest = value.strip()[m.end() :].strip()
    if not rest or is_mark(rest):
        return None
    return rest
