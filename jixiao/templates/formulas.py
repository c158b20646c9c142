"""Formulas of the computed cells.

Every computed cell calls the jixiao worksheet function and falls back to a native
formula where the function is missing (Excel without jixiao, WPS, LibreOffice):

    =IFERROR(0+JX_EXEC_RATE(E7,D7), <native>)

``0+`` turns both an error and the text an xlwings wrapper returns when Python fails
into #VALUE!, so the native formula answers instead. The native formulas read the
target notation ("≥18场次", "95%", "292万余元") in hidden helper columns, using lookup
tables on the 设置 sheet that are generated from jixiao.core.values — one vocabulary for
Python and the sheet. Where the native reading cannot be sure (Chinese numerals,
negated phrases, dates compared with dates) it leaves the cell blank rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.core import values
from jixiao.core.layout import PROJECT, column_letter, sheet_layout

DIGITS = "{0,1,2,3,4,5,6,7,8,9}"
LENGTHS = "{" + ",".join(str(i) for i in range(1, 16)) + "}"
# Characters that make Excel read "2020-12" or "1/2" as a date: not a plain number.
DATE_MARKS = '{"-","/",":","E","e"}'
# Chinese Excel (and LibreOffice in a Chinese locale) also reads "2020年12月31日",
# "12月31日" and "2020.12.31" as dates. The number scan reads a copy where these marks
# and any second "." are "#", so no prefix holding them is a number in any locale.
SCAN_MARKS = ("-", "/", ":", "E", "e", "年", "月", "日")


def _scan_text(txt: str) -> str:
    expr = f'SUBSTITUTE({txt},".","#",2)'
    for mark in SCAN_MARKS:
        expr = f'SUBSTITUTE({expr},"{mark}","#")'
    return expr


CN_NUMERALS = '{"一","二","三","四","五","六","七","八","九","十","百","千","两","〇","零"}'
NEGATIONS = '{"未","不","没","无","非","部分","基本"}'


def udf(call: str, native: str) -> str:
    """A numeric computed cell: the worksheet function, else the native formula."""
    return f"=IFERROR(0+{call},{native})"


# ---- lookup tables for the 设置 sheet -----------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str  # defined-name prefix
    title: str  # Chinese heading on the 设置 sheet
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


def lookup_tables() -> list[Table]:
    ops = [(k, v) for k, v in values.SIGN_OPERATORS.items()]
    ops += list(values.WORD_OPERATORS_BEFORE.items())
    ops += [(p, "") for p in values.APPROX_PREFIXES]
    # Shortest first: LOOKUP(2, 1/…) keeps the last match, so the longest suffix wins.
    suffixes = sorted(values.WORD_OPERATORS_AFTER.items(), key=lambda kv: len(kv[0]))
    units = sorted({**values.UNIT_CANONICAL, **values.UNIT_SYNONYMS}.items())
    levels = []
    for scale, entries in values.LEVEL_SCALES.items():
        top = max(rank for _, rank, _ in entries)
        for canonical, rank, words in entries:
            for word in dict.fromkeys((canonical, *words)):
                levels.append((f"{scale}|{word}", word, scale, canonical, rank, top))
    positives = [k for k in values.LEVEL_KEYWORDS if k not in values.NEGATED_KEYWORDS.values()]
    index = {row[1]: k + 1 for k, row in reversed(list(enumerate(levels)))}
    keywords = [(k, index[k]) for k in positives if k in index]
    return [
        Table("jx_op", "运算符写法", ("写法", "运算符"), tuple(ops)),
        Table("jx_sfx", "后置运算符", ("写法", "运算符"), tuple(suffixes)),
        Table("jx_unit", "计量单位同义词", ("写法", "统一为"), tuple(units)),
        Table(
            "jx_lv",
            "定性等级",
            ("键", "写法", "等级尺度", "标准等级", "名次", "最高名次"),
            tuple(levels),
        ),
        Table("jx_kw", "定性关键词", ("关键词", "等级行"), tuple(keywords)),
    ]


# ---- the native reading of one value cell --------------------------------------------


@dataclass(frozen=True)
class Side:
    """Hidden columns that read one value cell (指标值 or 完成值) of an indicator row."""

    prefix: str  # "t" (target) or "a" (actual)
    cell: str  # column letter of the value cell
    op_cell: str | None  # 指标性质 column (Sichuan)
    unit_cell: str | None  # 度量单位 column (Sichuan)


# What each hidden helper column computes, as its heading says (指标值· / 完成值· per side).
SIDE_TITLES = {
    "txt": "文字（去空格、千分位，% 记作“百分比”）", "pos": "第一个数字的位置", "len": "数字的长度",
    "num": "数字", "pre": "数字前的文字", "suf": "数字后的文字", "op1": "前置运算符",
    "sfx": "后置运算符（设置表中的行）", "unit": "单位", "op": "运算符", "ok": "是可读的数量",
    "isdate": "是年份日期", "n": "数值", "u": "单位（统一写法）", "o": "运算符（含指标性质列）",
    "lv": "定性等级（设置表中的行）",
}  # fmt: skip
ROW_TITLES = {
    "q": "可定量比较", "dir": "比较方向", "cmp": "完成率", "dev": "偏差率",
    "ltr": "完成值在目标尺度上的名次", "qual": "定性档次上限",
}  # fmt: skip


def helper_title(name: str) -> str:
    """The heading of a hidden helper column (t_txt → 指标值·文字…)."""
    if name in ROW_TITLES:
        return ROW_TITLES[name]
    side, key = name.split("_", 1)
    return ("指标值·" if side == "t" else "完成值·") + SIDE_TITLES[key]


SIDE_COLUMNS = (
    "txt", "pos", "len", "num", "pre", "suf", "op1", "sfx", "unit", "op", "ok",
    "isdate", "n", "u", "o", "lv",
)  # fmt: skip
ROW_COLUMNS = ("q", "dir", "cmp", "dev", "ltr", "qual")


def hidden_columns(first_col: int) -> dict[str, str]:
    """Column letters of the hidden helper block, by helper name (t_txt, a_num, q …)."""
    names = [f"t_{c}" for c in SIDE_COLUMNS] + [f"a_{c}" for c in SIDE_COLUMNS] + list(ROW_COLUMNS)
    return {name: column_letter(first_col + k) for k, name in enumerate(names)}


def side_formulas(side: Side, row: int, col: dict[str, str]) -> dict[str, str]:
    def c(name: str) -> str:
        return f"{col[side.prefix + '_' + name]}{row}"

    x = f"{side.cell}{row}"
    col_op = (
        f'IFERROR(INDEX(jx_op_2,MATCH(ASC(TRIM({side.op_cell}{row}&"")),jx_op_1,0)),"")'
        if side.op_cell
        else '""'
    )
    col_unit = _unit_norm(f'ASC(TRIM({side.unit_cell}{row}&""))') if side.unit_cell else '""'
    txt, pos, ln, num, pre, suf = c("txt"), c("pos"), c("len"), c("num"), c("pre"), c("suf")
    op1, sfx, unit, op, ok = c("op1"), c("sfx"), c("unit"), c("op"), c("ok")
    unit_text = _unit_norm(
        _strip_approx(f"LEFT({suf},LEN({suf})-IF({sfx}=0,0,LEN(INDEX(jx_sfx_1,{sfx}))))")
    )
    # IF, not AND: AND evaluates MID(…, 0, 1) too, which is an error.
    minus = f'IF({pos}>1,MID({txt},{pos}-1,1)="-",FALSE)'
    return {
        "txt": f'=IF(ISNUMBER({x}),"",IFERROR(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(ASC({x}&"")," ",""),",",""),"%","百分比"),""))',
        # Array formulas ({=…}) wherever a function is given an array: Gnumeric, like Excel
        # before dynamic arrays, takes the first element in an ordinary formula. Text
        # becomes a number by 1*…, which every program converts ("--" is not).
        "pos": f'{{=IF({txt}="","",MIN(FIND({DIGITS},{txt}&"0123456789")))}}',
        "len": f'{{=IF({pos}="","",IF({pos}>LEN({txt}),"",LOOKUP(9.9E+307,1*MID({_scan_text(txt)},{pos},{LENGTHS}),{LENGTHS})))}}',
        # A number followed by a date mark, or by "." and a digit, is part of a date or a range
        # ("3-5", "2020.12.31"); a closing "." ("7.50.") is punctuation.
        "num": f'{{=IF({ln}="","",IF(COUNT(FIND({DATE_MARKS},MID({txt},{pos},{ln}+1)))+(MID({txt},{pos}+{ln},1)=".")*COUNT(FIND({DIGITS},MID({txt},{pos}+{ln}+1,1)))>0,"",IFERROR(1*MID({txt},{pos},{ln})*IF({minus},-1,1),"")))}}',
        "pre": f'=IF({num}="","",LEFT({txt},{pos}-1-IF({minus},1,0)))',
        "suf": f'=IF({num}="","",MID({txt},{pos}+{ln},99))',
        "op1": f'=IF({num}="","",IF({pre}="","",IFERROR(INDEX(jx_op_2,MATCH({pre},jx_op_1,0)),"?")))',
        "sfx": f'{{=IF({num}="","",IFERROR(LOOKUP(2,1/(RIGHT({suf},LEN(jx_sfx_1))=jx_sfx_1),ROW(jx_sfx_1)-ROW(INDEX(jx_sfx_1,1))+1),0))}}',
        "unit": f'=IF({num}="","",{unit_text})',
        "op": f'=IF({num}="","",IF({op1}<>"",{op1},IF({sfx}>0,INDEX(jx_sfx_2,{sfx}),"")))',
        "ok": (
            f'{{=AND({num}<>"",{op}<>"?",NOT(AND(LEFT({unit},1)="年",{num}>=1900)),'
            f"COUNT(FIND({DIGITS},{unit}))=0,COUNT(FIND({CN_NUMERALS},{unit}))=0,LEN({unit})<=6)}}"
        ),
        "isdate": f'=AND({num}<>"",LEFT({unit},1)="年",{num}>=1900,{num}<=2199)',
        "n": f'=IF(ISNUMBER({x}),{x},IF({ok},{num},""))',
        "u": f'=IF(ISNUMBER({x}),{col_unit},IF({ok},IF({unit}="",{col_unit},{unit}),""))',
        "o": f'=IF(ISNUMBER({x}),{col_op},IF({ok},IF({op}="",{col_op},{op}),""))',
        "lv": (
            f'{{=IF({txt}="",0,IFERROR(MATCH({txt},jx_lv_2,0),IF(OR(COUNT(FIND({DIGITS},{txt}))>0,'
            f"COUNT(FIND({NEGATIONS},{txt}))>0),0,IFERROR(LOOKUP(2,1/ISNUMBER(FIND(jx_kw_1,{txt})),jx_kw_2),0))))}}"
        ),
    }


def _unit_norm(expr: str) -> str:
    return f"IFERROR(INDEX(jx_unit_2,MATCH({expr},jx_unit_1,0)),{expr})"


def _strip_approx(expr: str) -> str:
    return f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({expr},"左右",""),"余",""),"多","")'


@dataclass(frozen=True)
class IndicatorColumns:
    """Column letters of one layout's indicator block."""

    target: str
    actual: str
    points: str
    score: str
    op: str | None
    unit: str | None
    completion: str  # visible computed columns
    deviation: str
    reference: str


def indicator_columns(layout: str, width: int) -> IndicatorColumns:
    """The indicator block's columns on one layout (from the field schema), and the three
    computed columns right of it."""
    first = {k: c for k, c in _first_indicator_row(layout).items()}

    def letter(key: str) -> str | None:
        return column_letter(first[key]) if key in first else None

    return IndicatorColumns(
        target=letter("指标值") or "",
        actual=letter("实际完成值") or "",
        points=letter("分值") or "",
        score=letter("得分") or "",
        op=letter("指标性质"),
        unit=letter("度量单位"),
        completion=column_letter(width + 1),
        deviation=column_letter(width + 2),
        reference=column_letter(width + 3),
    )


def _first_indicator_row(layout: str) -> dict[str, int]:
    cells = sheet_layout(PROJECT, layout).cells
    return {
        path.split(".", 1)[1]: cell.col
        for path, cell in cells.items()
        if path.startswith("绩效指标[1].")
    }


def indicator_formulas(
    layout: str, cols: IndicatorColumns, row: int, hidden: dict[str, str]
) -> dict[str, str]:
    """Column letter -> formula for the computed and hidden cells of one indicator row."""
    out: dict[str, str] = {}
    for side in (
        Side("t", cols.target, cols.op, cols.unit),
        Side("a", cols.actual, None, cols.unit),
    ):
        for name, formula in side_formulas(side, row, hidden).items():
            out[hidden[f"{side.prefix}_{name}"]] = formula

    def h(name: str) -> str:
        return f"{hidden[name]}{row}"

    tn, an, tu, au = h("t_n"), h("a_n"), h("t_u"), h("a_u")
    d, cmp, q = h("dir"), h("cmp"), h("q")
    out[hidden["q"]] = f'=AND({tn}<>"",{an}<>"",OR({tu}="",{au}="",{tu}={au}))'
    out[hidden["dir"]] = f'=IF({h("t_o")}="","=",{h("t_o")})'
    out[hidden["cmp"]] = (
        f'=IF(NOT({q}),"",IF(OR({d}="≤",{d}="<"),IF({an}<={tn},1,IF({an}=0,"",{tn}/{an})),'
        f'IF({tn}=0,IF({an}>=0,1,""),{an}/{tn})))'
    )
    out[hidden["dev"]] = f'=IF(AND({q},{tn}<>0),({an}-{tn})/{tn},"")'
    # The actual's level on the target's own scale (差 sits on two scales), else 0.
    tl, al = h("t_lv"), h("a_lv")
    out[hidden["ltr"]] = (
        f'=IF(OR({tl}=0,{al}=0),0,IFERROR(INDEX(jx_lv_5,MATCH(INDEX(jx_lv_3,{tl})&"|"&INDEX(jx_lv_4,{al}),jx_lv_1,0)),0))'
    )
    full, partial, none = "jx_band_full", "jx_band_partial", "jx_band_none"
    positive = f"INDEX(jx_lv_5,{al})=INDEX(jx_lv_6,{al})"
    t_txt, a_txt, t_date, ltr = h("t_txt"), h("a_txt"), h("t_isdate"), h("ltr")
    met_text = f'AND({t_txt}<>"",{t_txt}={a_txt})'
    out[hidden["qual"]] = (
        f'=IF(OR({q},NOT(OR({tl}>0,{t_date}))),"",'
        f"IF({met_text},{full},"
        f"IF({ltr}>0,IF({ltr}>=INDEX(jx_lv_5,{tl}),{full},IF(INDEX(jx_lv_5,{tl})-{ltr}=1,{partial},{none})),"
        f'IF({al}>0,IF({positive},{full},{none}),""))))'
    )
    t, a, p = (f"{c}{row}" for c in (cols.target, cols.actual, cols.points))
    op_args = f",{cols.op}{row},{cols.unit}{row}" if cols.op else ',"",""'
    out[cols.completion] = udf(f"JX_COMPLETION_RATE({t},{a}{op_args})", cmp)
    out[cols.deviation] = udf(f"JX_DEVIATION_RATE({t},{a}{op_args})", h("dev"))
    qual = h("qual")
    native_ref = f'IF(NOT(ISNUMBER({p})),"",IF({q},IF({cmp}="","",{p}*MIN({cmp},1)),IF({qual}="","",{p}*{qual})))'

    out[cols.reference] = udf(f"JX_REF_SCORE({p},{t},{a}{op_args},jx_profile)", native_ref)
    return out


# ---- budget block, totals, grade ----------------------------------------------------


def execution_rate(executed: str, budget: str) -> str:
    return ratio(executed, budget, "JX_EXEC_RATE")


def execution_score(points: str, rate: str) -> str:
    native = (
        f'IF(OR(NOT(ISNUMBER({points})),NOT(ISNUMBER({rate}))),"",{points}*MIN(MAX({rate},0),1))'
    )
    return udf(f"JX_EXEC_SCORE({points},{rate})", native)


def total_points(budget_points: str, points_range: str) -> str:
    return f'=IF(AND(NOT(ISNUMBER({budget_points})),COUNT({points_range})=0),"",N({budget_points})+SUM({points_range}))'


def total_score(exec_score: str, score_range: str) -> str:
    native = f'IF(AND(NOT(ISNUMBER({exec_score})),COUNT({score_range})=0),"",N({exec_score})+SUM({score_range}))'
    return udf(f"JX_TOTAL_SCORE({exec_score},{score_range})", native)


def grade(total: str) -> str:
    native = f'IF(NOT(ISNUMBER({total})),"",LOOKUP({total},jx_grade_bounds,jx_grade_names))'
    call = f"JX_GRADE({total},jx_profile)"
    return f"=IFERROR(IF(ISNUMBER(MATCH({call},jx_grade_names,0)),{call},{native}),{native})"


def ratio(actual: str, planned: str, function: str = "JX_CONTROL_RATE") -> str:
    native = f'IF(OR(NOT(ISNUMBER({actual})),NOT(ISNUMBER({planned}))),"",IF({planned}=0,"",{actual}/{planned}))'
    return udf(f"{function}({actual},{planned})", native)


def change(this: str, last: str) -> str:
    native = f'IF(OR(NOT(ISNUMBER({this})),NOT(ISNUMBER({last}))),"",IF({last}=0,"",({this}-{last})/{last}))'
    return udf(f"JX_CHANGE_RATE({this},{last})", native)
