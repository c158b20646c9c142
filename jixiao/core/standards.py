"""Closed lists of the standard forms: indicator levels, their synonyms, instruction texts."""

from __future__ import annotations

import re
import unicodedata

from jixiao.core.memo import memo

OUTPUT, BENEFIT, SATISFACTION, COST = "产出指标", "效益指标", "满意度指标", "成本指标"

LEVEL2_OF: dict[str, tuple[str, ...]] = {
    OUTPUT: (
        "数量指标",
        "质量指标",
        "时效指标",
        "成本指标",
    ),  # 成本指标 here: older national layout
    BENEFIT: ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    SATISFACTION: ("服务对象满意度指标",),
    COST: ("经济成本指标", "社会成本指标", "生态环境成本指标"),
}
REQUIRED_LEVEL1 = (OUTPUT, BENEFIT, SATISFACTION)
# Which profile weight a 一级 block counts towards (成本 shares the 产出 weight).
WEIGHT_GROUP = {OUTPUT: OUTPUT, COST: OUTPUT, BENEFIT: BENEFIT, SATISFACTION: SATISFACTION}

LEVEL1_SYNONYMS = {
    "产出": OUTPUT, "效益": BENEFIT, "效果指标": BENEFIT, "满意度": SATISFACTION,
    "成本": COST, "满意指标": SATISFACTION,
}  # fmt: skip
LEVEL2_SYNONYMS = {
    "数量": "数量指标", "质量": "质量指标", "时效": "时效指标", "时效性指标": "时效指标",
    "经济效益": "经济效益指标", "社会效益": "社会效益指标", "生态效益": "生态效益指标",
    "可持续影响": "可持续影响指标", "可持续发展指标": "可持续影响指标",
    "满意度指标": "服务对象满意度指标", "满意度": "服务对象满意度指标",
    "服务对象满意度": "服务对象满意度指标", "群众满意度指标": "服务对象满意度指标",
    "经济成本": "经济成本指标", "社会成本": "社会成本指标", "生态环境成本": "生态环境成本指标",
    "生态成本指标": "生态环境成本指标", "成本": "成本指标",
}  # fmt: skip
ALL_LEVEL2 = frozenset(n for names in LEVEL2_OF.values() for n in names)
COST_LEVEL2 = frozenset({"成本指标", "经济成本指标", "社会成本指标", "生态环境成本指标"})


# A block's declared points inside its heading: "产出指标(50分)", "满意度指标\n（10分）".
_POINTS = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")
_SPACES = re.compile(r"\s+")

# Labels recur on every form: each distinct text is read once (jixiao.core.memo).


def normalize_label(text: str) -> str:
    """A label as a reader compares it: half-width, without spaces or line breaks, without
    a trailing colon ("经济效益\n指标" is "经济效益指标")."""
    return _LABELS[text]


def _normalize_label(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", folded).rstrip(":：")


_LABELS = memo(_normalize_label)


def split_points(text: str) -> tuple[str, float | None]:
    """A heading's name and the points it declares: "产出指标(50分)" -> ("产出指标", 50.0);
    "(50分)" -> ("", 50.0); "数量指标" -> ("数量指标", None)."""
    return _SPLIT[text]


def _split_points(text: str) -> tuple[str, float | None]:
    m = _POINTS.search(text)
    if m is None:
        return normalize_label(text), None
    return normalize_label(text[: m.start()] + text[m.end() :]), float(m.group(1))


_SPLIT = memo(_split_points)


def standard_level1(name: str) -> str | None:
    return _LEVEL1[name]


def _standard_level1(name: str) -> str | None:
    name = split_points(name)[0]
    return name if name in LEVEL2_OF else LEVEL1_SYNONYMS.get(name)


_LEVEL1 = memo(_standard_level1)


def standard_level2(name: str) -> str | None:
    return _LEVEL2[name]


def _standard_level2(name: str) -> str | None:
    name = split_points(name)[0]
    return name if name in ALL_LEVEL2 else LEVEL2_SYNONYMS.get(name)


_LEVEL2 = memo(_standard_level2)


def parent_of(level2: str) -> tuple[str, ...]:
    return _PARENTS[level2]


def _parent_of(level2: str) -> tuple[str, ...]:
    return tuple(l1 for l1, names in LEVEL2_OF.items() if level2 in names)


_PARENTS = memo(_parent_of)


# Text left over from the blank form's guidance ("对照年度目标，说明…（100字以内）").
# "根据…" opens real answers too ("根据要求购买…"): only "根据…填写/说明" is guidance.
_INSTRUCTION = re.compile(
    r"\d+\s*字以内|^请?(填写|简要|对照|说明)|^请?根据.{0,30}(填写|填报|说明)|^（?填写说明|此处填写"
)


def is_instruction_text(text: str) -> bool:
    return _INSTRUCTIONS[text]


def _is_instruction_text(text: str) -> bool:
    return bool(_INSTRUCTION.search(text.strip()))


_INSTRUCTIONS = memo(_is_instruction_text)


# Units an indicator's name calls for (Q04): (name pattern, fitting units, what it measures).
UNIT_FITS: tuple[tuple[re.Pattern[str], frozenset[str], str], ...] = (
    (re.compile(r"满意"), frozenset({"%"}), "满意度应以 % 计量"),
    (re.compile(r"人数|人员数量|人次"), frozenset({"人", "人次", "名", "位", "万人", "万人次"}),
     "人数应以 人、人次 或 名 计量"),
    (re.compile(r"企业.*(数量|个数|家数|户数)|企业数|落户"), frozenset({"家", "个", "户", "家次", "户次"}),
     "企业数应以 家、个 或 户 计量"),
    (re.compile(r"面积"), frozenset({"平方米", "万平方米", "亩", "千亩", "万亩", "公顷", "万公顷",
                                    "平方公里", "平方千米"}), "面积应以 平方米、亩 等计量"),
    # A rate (签约率 in 人) — but not a 数量指标 row, which counts things (5组 of 利用率 trials).
    (re.compile(r"率$"), frozenset({"%", "‰"}), "比率应以 % 计量"),
)  # fmt: skip
# Level-2 names whose rows count things: their names are not read as the unit they need.
COUNTING_LEVEL2 = frozenset({"数量指标"})
# Money units in 元; an amount typed with 万 or 亿 alone ("150万", 鄂州) is in 万元, 亿元: in a
# cell for money only the 元 was left out.
YUAN_PER = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}
MONEY_SHORT = {"万": "万元", "亿": "亿元"}
