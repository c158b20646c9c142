"""The field schema: every field of every form, declared once.

A field record says what the field is called in the JSON (its semantic path), how
messages name it, the heading our templates print over it, the headings met on real
forms (for the paper-layout reader), its defined name, where it sits on each template
layout, and whether the template computes it. Everything else is derived from here:

- the JSON schema and its canonical key order (jixiao.core.interchange),
- the cell of each field on each template (jixiao.core.layout),
- the template's headings and defined names (jixiao.templates.builder),
- the paper-layout reader's label tables (jixiao.readers.paper),
- the set of computed cells (Q08, the template's formulas).

Paths: ``预算执行.全年执行数``; ``[]`` marks a list item (``绩效指标[].实际完成值``), which a
form addresses by position (``绩效指标[3].实际完成值``) or by name
(``预算执行.资金来源[财政资金].全年执行数``).

Anchors are not fields: they name a place findings point at (``绩效指标``, the block as a
whole, at its first 三级指标 cell; the national form's ``预算执行.原因``, which has no cell
of its own and borrows the 执行率 cell).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

WHOLE = "部门整体支出绩效自评表"
PROJECT = "项目支出绩效自评表"
BASIC = "部门整体支出绩效评价基础数据表"
FORM_TYPES = (WHOLE, PROJECT, BASIC)
SELF_EVAL = frozenset({WHOLE, PROJECT})
ALL_FORMS = frozenset(FORM_TYPES)

NATIONAL = "national"
SICHUAN = "sichuan"
LAYOUTS = (NATIONAL, SICHUAN)

# The JSON objects, by the schema name interchange uses for them.
SELF_EVAL_OBJECT = "自评表"
BASIC_OBJECT = "基础数据表"


@dataclass(frozen=True)
class Place:
    """Where a field sits on a template: its block and column (per layout where they differ).

    Rows come from the block (jixiao.core.layout lays the blocks out); ``order`` ranks the
    fields of a block that runs down the sheet (the header: 年度 above 单位名称).
    """

    block: str
    col: int | Mapping[str, int]
    order: int = 0

    def column(self, layout: str) -> int | None:
        if isinstance(self.col, int):
            return self.col
        return self.col.get(layout)


@dataclass(frozen=True)
class Field:
    path: str
    label: str  # how messages name it
    forms: frozenset[str]  # form types whose JSON may hold it
    place: Place | None = None  # None: no cell on any template (kept in the fill record)
    on: frozenset[str] | None = None  # form types whose template has the cell (default: forms)
    heading: str | Mapping[str, str] | None = None  # the template's heading, per layout
    variants: tuple[str, ...] = ()  # headings met on real forms, compared after normalising
    name: str | None = None  # the defined name of its cell on template sheets
    computed: bool = False  # the template computes it with a formula
    kind: str = "value"  # value | object | list | map (执行进度: month -> value)
    schema: str | None = None  # the schema of an object's or a list's items

    @property
    def key(self) -> str:
        """The JSON key: the path's last part, without the item marker."""
        return self.path.rsplit(".", 1)[-1].removesuffix("[]")

    @property
    def parent(self) -> str:
        """The path of the object or list item that holds it ("" at the top)."""
        return self.path.rsplit(".", 1)[0] if "." in self.path else ""

    def has_cell(self, form_type: str, layout: str) -> bool:
        if self.place is None or form_type not in (self.on or self.forms):
            return False
        return self.place.column(layout) is not None

    def heading_for(self, layout: str) -> str:
        if isinstance(self.heading, Mapping):
            return self.heading[layout]
        return self.heading or self.key

    @property
    def labels(self) -> tuple[str, ...]:
        """Every heading a reader accepts: the template's own ones first, then the variants."""
        own = self.heading.values() if isinstance(self.heading, Mapping) else [self.heading]
        return tuple(dict.fromkeys([self.key, *(h for h in own if h), *self.variants]))


@dataclass(frozen=True)
class Anchor:
    """A place findings point at that is not a field of its own."""

    path: str
    at: str  # the field path whose cell it uses
    layouts: frozenset[str] = frozenset(LAYOUTS)


def _f(path: str, label: str | None = None, forms: Iterable[str] = SELF_EVAL, **kw) -> Field:
    return Field(path, label or path.rsplit(".", 1)[-1].removesuffix("[]"), frozenset(forms), **kw)


def _cols(**by_layout: int) -> dict[str, int]:
    return {NATIONAL: by_layout["national"], SICHUAN: by_layout["sichuan"]}


# Headings shared by the budget row and the indicator rows.
POINTS_VARIANTS = ("分值", "权重", "指标分值", "权重分值", "分数", "标准分值")
SCORE_VARIANTS = ("得分", "自评得分", "实际得分", "评分", "自评分")
# Headings of the indicator table only ("参考分值" is the Ningxia form's, "指标权重(分)" and
# "指标得分(分)" the Chongqing form's).
INDICATOR_POINTS_VARIANTS = (*POINTS_VARIANTS, "参考分值", "指标权重")
INDICATOR_SCORE_VARIANTS = (*SCORE_VARIANTS, "指标得分")
# The 分值 / 得分 columns of the indicator table (and of 总分, 等级 below them).
_POINTS_COL = _cols(national=6, sichuan=8)
_SCORE_COL = _cols(national=7, sichuan=9)

FIELDS: tuple[Field, ...] = (
    # ---- header -------------------------------------------------------------------
    _f("表类型", forms=ALL_FORMS),
    _f(
        "单位名称", forms=ALL_FORMS, place=Place("表头", 3, order=1), heading="预算单位名称",
        variants=("预算单位名称", "单位名称", "部门名称", "填报单位", "预算单位", "部门单位名称",
                  "部门预算单位名称", "预算部门名称", "预算部门", "部门", "预算部门单位",
                  "预算部门、单位名称", "部门、单位名称"),
        name="jxf_unit",
    ),
    _f(
        "年度", forms=ALL_FORMS, place=Place("表头", 3, order=0),
        variants=("年度", "预算年度", "评价年度", "所属年度", "自评年度"), name="jxf_year",
    ),
    _f(
        "主管部门", forms=ALL_FORMS, place=Place("表头", 3, order=2), on=frozenset({WHOLE}),
        variants=("主管部门", "主管单位", "主管部门名称", "主管部门及代码", "项目主管部门",
                  "项目主管单位", "县级主管部门", "市级主管部门", "地方主管部门"),
        name="jxf_department",
    ),
    _f(
        "实施单位", forms=ALL_FORMS,
        variants=("实施单位", "项目实施单位", "实施单位名称", "资金使用单位", "项目执行单位",
                  "项目单位"),
    ),
    _f(
        "项目负责人", forms=ALL_FORMS, place=Place("表头", 3, order=3), on=frozenset({PROJECT}),
        variants=("项目负责人", "项目负责人及电话", "负责人及电话"), name="jxf_project_lead",
    ),
    _f("财务负责人", forms=ALL_FORMS, variants=("财务负责人",)),
    _f(
        "项目名称", place=Place("表头", 3, order=2), on=frozenset({PROJECT}),
        variants=("项目名称", "专项资金名称", "政策(项目)名称", "项目(政策)名称", "政策名称",
                  "转移支付(项目)名称", "转移支付名称"),
        name="jxf_project",
    ),
    _f("项目编码", variants=("项目编码", "项目代码")),
    # ---- budget block (1a) --------------------------------------------------------------
    _f("预算执行", "预算执行", kind="object", schema="预算执行"),
    _f(
        "预算执行.年初预算数", place=Place("预算合计", 3),
        variants=("年初预算数", "年初预算", "年初数", "年初预算金额", "年初预算资金",
                  "年初部门预算安排金额", "年初预算安排金额"),
        name="jxf_budget_initial",
    ),
    _f(
        "预算执行.全年预算数", place=Place("预算合计", 4),
        variants=("全年预算数", "调整后预算数", "预算数", "全年预算", "调整后全年预算数",
                  "调整预算数", "全年预算金额", "调整后预算", "全年预算资金",
                  # the Fujian 资金结构 block: 小计 ④ = 年初安排 ① + 结转 ② + 调整 ③; a budget
                  # split into source columns (中央 | 省 | 本级 | 其他 | 合计 | 执行数)
                  "小计", "合计"),
        name="jxf_budget_full",
    ),
    _f(
        "预算执行.全年执行数", place=Place("预算合计", 5),
        variants=("全年执行数", "执行数", "实际支出", "实际支出数", "全年实际支出",
                  "全年实际支出数", "实际执行数", "全年实际执行数", "全年执行金额", "全年执行",
                  "预算执行数", "年度拨付金额", "拨付金额"),
        name="jxf_budget_executed",
    ),
    _f(
        "预算执行.分值", "预算执行分值", place=Place("预算合计", 6), heading="分值",
        variants=(*POINTS_VARIANTS, "执行率权重"), name="jxf_budget_points",
    ),
    _f(
        "预算执行.执行率", "执行率", place=Place("预算合计", 7), computed=True,
        variants=("执行率", "预算执行率", "资金执行率", "全年执行率", "支出实现率"),
        name="jxf_budget_rate",
    ),
    _f(
        "预算执行.得分", "预算执行得分", place=Place("预算合计", 8), heading="得分",
        computed=True, variants=(*SCORE_VARIANTS, "执行率得分"), name="jxf_budget_score",
    ),
    # The Sichuan form's reason column for the budget row; any heading with 原因 (see readers).
    _f(
        "预算执行.原因", "执行率偏低的原因", place=Place("预算合计", {SICHUAN: 9}),
        heading="执行率偏低的原因", name="jxf_budget_reason",
    ),
    _f("预算执行.资金来源[]", "资金来源", kind="list", schema="资金来源"),
    _f("预算执行.按收入性质[]", "按收入性质", kind="list", schema="资金来源"),
    _f("预算执行.按支出性质[]", "按支出性质", kind="list", schema="资金来源"),
    # Fund-source rows (资金来源, 按收入性质, 按支出性质 items).
    _f("资金来源[].名称", "名称", place=Place("资金来源", 1)),
    _f("资金来源[].年初预算数", place=Place("资金来源", 3)),
    _f("资金来源[].全年预算数", place=Place("资金来源", 4)),
    _f("资金来源[].全年执行数", place=Place("资金来源", 5)),
    # ---- goals (1b) ---------------------------------------------------------------------
    _f("年度总体目标", kind="object", schema="年度总体目标"),
    _f(
        "年度总体目标.预期目标", place=Place("年度总体目标", 1),
        variants=("预期目标", "年度预期目标", "预期总体目标", "全年预期目标", "年初预期目标",
                  "年初设定目标", "项目年度目标", "年初绩效目标", "全年(调整)绩效目标",
                  "调整后绩效目标"),
        name="jxf_goal_expected",
    ),
    _f(
        "年度总体目标.实际完成情况", place=Place("年度总体目标", _cols(national=5, sichuan=6)),
        variants=("实际完成情况", "实际完成目标", "全年实际完成情况", "年度目标完成情况",
                  "总体目标完成情况", "实际完成", "目标完成情况", "年度总体目标完成情况综述",
                  "目标实际完成情况", "全年目标实际完成情况"),
        name="jxf_goal_actual",
    ),
    # ---- indicators (1c) ----------------------------------------------------------------
    _f("绩效指标[]", "绩效指标", kind="list", schema="绩效指标"),
    _f("绩效指标[].一级指标", place=Place("绩效指标", 1), variants=("一级指标",)),
    _f("绩效指标[].二级指标", place=Place("绩效指标", 2), variants=("二级指标",)),
    _f(
        "绩效指标[].三级指标", place=Place("绩效指标", 3),
        variants=("三级指标", "三级指标名称", "指标名称", "指标内容"),
    ),
    _f("绩效指标[].指标性质", place=Place("绩效指标", {SICHUAN: 4}), variants=("指标性质",)),
    _f(
        "绩效指标[].指标值", place=Place("绩效指标", _cols(national=4, sichuan=5)),
        heading={NATIONAL: "年度指标值", SICHUAN: "指标值"},
        variants=("年度指标值", "指标值", "目标值", "年度目标值", "全年指标值", "预期指标值",
                  "年度绩效指标值", "预期值", "全年目标值", "年初目标值", "年初指标值",
                  "绩效目标值", "调整指标值", "调整后指标值"),
    ),
    _f(
        "绩效指标[].度量单位", place=Place("绩效指标", {SICHUAN: 6}),
        variants=("度量单位", "计量单位"),
    ),
    _f(
        "绩效指标[].实际完成值", place=Place("绩效指标", _cols(national=5, sichuan=7)),
        heading={NATIONAL: "实际完成值", SICHUAN: "完成值"},
        variants=("实际完成值", "完成值", "实际值", "全年实际完成值", "全年实际值",
                  "实际完成指标值", "年度实际完成值", "全年完成值", "年终完成值"),
    ),
    _f(
        "绩效指标[].分值", place=Place("绩效指标", _POINTS_COL),
        heading={NATIONAL: "分值", SICHUAN: "权重（分值）"}, variants=INDICATOR_POINTS_VARIANTS,
    ),
    _f(
        "绩效指标[].得分", place=Place("绩效指标", _SCORE_COL),
        variants=INDICATOR_SCORE_VARIANTS,
    ),
    # Any heading that mentions 原因 (see readers).
    _f(
        "绩效指标[].偏差原因", place=Place("绩效指标", _cols(national=8, sichuan=10)),
        heading={NATIONAL: "偏差原因分析及改进措施", SICHUAN: "未完成原因分析"},
    ),
    # ---- totals -------------------------------------------------------------------------
    _f("总分", kind="object", schema="总分"),
    _f(
        "总分.分值", "总分的分值", place=Place("总分", _POINTS_COL), heading="分值",
        computed=True, name="jxf_total_points",
    ),
    _f(
        "总分.得分", "总分", place=Place("总分", _SCORE_COL), heading="得分", computed=True,
        name="jxf_total_score",
        # as a header field of its own ("自评得分 | 98", "自评总分：95"), not a column heading
        variants=("总分", "自评总分", "自评得分", "自评总得分", "综合得分", "总得分"),
    ),
    _f(
        "等级", place=Place("等级", _SCORE_COL), computed=True, name="jxf_grade",
        variants=("等级", "评价等级", "自评等级", "绩效等级", "自评结果等级", "等次", "评价等次",
                  "自评等次", "绩效等次"),
    ),
    # 执行进度: month -> cumulative execution ratio ({"6月": 0.386}).
    _f("执行进度", "执行进度", kind="map", place=Place("执行进度", 3)),
    # Sichuan text blocks.
    _f(
        "项目实施内容及过程概述",
        variants=("项目实施内容及过程概述", "项目实施内容及过程", "实施内容及过程概述"),
    ),
    _f("评价结论", variants=("评价结论", "自评结论")),
    _f("存在问题", variants=("存在问题", "存在的问题")),
    _f("改进措施", variants=("改进措施", "改进意见", "整改措施")),
    # ---- 基础数据表 (section 2) -----------------------------------------------------------
    _f("人员", forms=(BASIC,), kind="object", schema="人员"),
    _f(
        "人员.编制数", forms=(BASIC,), place=Place("人员", 2),
        variants=("编制数", "核定编制数", "编制人数", "人员编制数", "编制"),
    ),
    _f(
        "人员.实际在职人数", forms=(BASIC,), place=Place("人员", 3), heading="本年实际在职人数",
        variants=("实际在职人数", "在职人数", "实有人数", "年末实际在职人数", "实际在职人员数"),
    ),
    _f(
        "人员.控制率", "在职人员控制率", forms=(BASIC,), place=Place("人员", 4),
        heading="在职人员控制率", computed=True, variants=("控制率", "人员控制率"),
    ),
    _f("经费[]", "经费", forms=(BASIC,), kind="list", schema="经费"),
    _f("经费[].名称", "名称", forms=(BASIC,), place=Place("经费", 1)),
    _f("经费[].上级", "上级", forms=(BASIC,)),  # from the row's place in the table
    # The paper reader tells these apart by 预算/决算 and year (readers.paper_basic).
    _f("经费[].上年决算数", forms=(BASIC,), place=Place("经费", 2)),
    _f("经费[].本年预算数", forms=(BASIC,), place=Place("经费", 3)),
    _f("经费[].本年决算数", forms=(BASIC,), place=Place("经费", 4)),
    _f("楼堂馆所[]", "楼堂馆所", forms=(BASIC,), kind="list", schema="楼堂馆所"),
    _f("楼堂馆所[].名称", forms=(BASIC,), place=Place("楼堂馆所", 1), heading="楼堂馆所（名称）"),
    _f("楼堂馆所[].批复规模", forms=(BASIC,), place=Place("楼堂馆所", 2), heading="批复规模（㎡）"),
    _f("楼堂馆所[].实际规模", forms=(BASIC,), place=Place("楼堂馆所", 3), heading="实际规模（㎡）"),
    _f(
        "楼堂馆所[].规模控制率", forms=(BASIC,), place=Place("楼堂馆所", 4), computed=True,
        variants=("规模控制率", "面积控制率"),
    ),
    _f(
        "楼堂馆所[].预算投资", forms=(BASIC,), place=Place("楼堂馆所", 5),
        heading="预算投资（万元）",
    ),
    _f(
        "楼堂馆所[].实际投资", forms=(BASIC,), place=Place("楼堂馆所", 6),
        heading="实际投资（万元）",
    ),
    _f(
        "楼堂馆所[].投资概算控制率", forms=(BASIC,), place=Place("楼堂馆所", 7), computed=True,
        variants=("投资概算控制率", "概算控制率", "投资控制率"),
    ),
    _f(
        "厉行节约保障措施", forms=(BASIC,), place=Place("厉行节约保障措施", 2),
        name="jxf_measures", variants=("厉行节约措施", "厉行节约保障措施情况"),
    ),
    # ---- footer -------------------------------------------------------------------------
    _f(
        "填表人", forms=ALL_FORMS, place=Place("页脚", _cols(national=2, sichuan=2)),
        on=SELF_EVAL, variants=("填表人", "填报人"), name="jxf_filler",
    ),
    _f(
        "填报日期", forms=ALL_FORMS, place=Place("页脚", _cols(national=5, sichuan=5)),
        on=SELF_EVAL, variants=("填报日期", "填表日期"), name="jxf_fill_date",
    ),
    _f(
        "联系电话", forms=ALL_FORMS, place=Place("页脚", _cols(national=8, sichuan=10)),
        on=SELF_EVAL, variants=("联系电话", "电话"), name="jxf_phone",
    ),
)  # fmt: skip

ANCHORS: tuple[Anchor, ...] = (
    Anchor("绩效指标", at="绩效指标[1].三级指标"),
    # The national form has no reason column for the budget row: point at its 执行率.
    Anchor("预算执行.原因", at="预算执行.执行率", layouts=frozenset({NATIONAL})),
)


@dataclass(frozen=True)
class Block:
    """A region of rows on the templates that holds list items (or the whole list)."""

    path: str  # the list it holds ("预算执行.资金来源")
    schema: str  # the schema of its items
    name: str  # the region's defined name
    forms: frozenset[str]
    rows: int | tuple[str, ...] = 0  # how many rows, or its fixed rows by item name
    columns: tuple[int, int] = (1, 1)  # first and last column of the named region


INDICATOR_ROWS = 30
SOURCE_ROWS = 5
BUILDING_ROWS = 3
PROGRESS_MONTHS = tuple(range(1, 13))

# 基础数据表 rows (forms.md section 2), each with its parent row.
BASIC_ROWS: tuple[tuple[str, str | None], ...] = (
    ("三公经费", None),
    ("公务用车购置和维护经费", "三公经费"),
    ("公车购置", "公务用车购置和维护经费"),
    ("公车运行维护", "公务用车购置和维护经费"),
    ("出国经费", "三公经费"),
    ("公务接待", "三公经费"),
    ("项目支出", None),
    ("业务工作经费", "项目支出"),
    ("运行维护经费", "项目支出"),
    ("专项资金", "项目支出"),
    ("公用经费", None),
    ("办公费", "公用经费"),
    ("水费、电费、差旅费", "公用经费"),
    ("会议费、培训费", "公用经费"),
    ("政府采购金额", None),
    ("部门基本支出预算调整", None),
    ("年末结转结余", None),
)
# Parents whose rows must add up exactly ("="); other parents only bound their 其中 rows.
SUM_PARENTS = frozenset({"三公经费"})
# 按支出性质 rows on the whole-department template.
NATURE_ROWS = ("基本支出", "项目支出")

BLOCKS: tuple[Block, ...] = (
    Block("预算执行.资金来源", "资金来源", "jxf_sources", SELF_EVAL, SOURCE_ROWS, (1, 5)),
    Block("预算执行.按支出性质", "资金来源", "jxf_nature", frozenset({WHOLE}), NATURE_ROWS, (1, 5)),
    Block("绩效指标", "绩效指标", "jxf_indicators", SELF_EVAL, INDICATOR_ROWS, (1, 0)),
    Block("执行进度", "执行进度", "jxf_progress", SELF_EVAL, len(PROGRESS_MONTHS), (2, 3)),
    Block("人员", "人员", "jxf_staff", frozenset({BASIC}), 1, (2, 4)),
    Block("经费", "经费", "jxf_expenses", frozenset({BASIC}), tuple(n for n, _ in BASIC_ROWS), (1, 4)),
    Block("楼堂馆所", "楼堂馆所", "jxf_buildings", frozenset({BASIC}), BUILDING_ROWS, (1, 7)),
)  # fmt: skip


# ---- derived views ------------------------------------------------------------------------

BY_PATH: dict[str, Field] = {f.path: f for f in FIELDS}
_ITEM_INDEX = re.compile(r"\[[^\]]*\]")


# 基础数据表 rows are addressed by name, as rules.md spells them: 基础数据.公用经费.本年决算数.
BASIC_ROW_PREFIX = "基础数据."


@lru_cache(maxsize=8192)  # the same paths come up on every sheet of a workbook
def field_of(path: str) -> Field | None:
    """The field a concrete path addresses (``绩效指标[3].得分`` → ``绩效指标[].得分``)."""
    if path.startswith(BASIC_ROW_PREFIX):
        column = path[len(BASIC_ROW_PREFIX) :].partition(".")[2]
        return BY_PATH.get(f"经费[].{column or '名称'}")
    generic = _ITEM_INDEX.sub("[]", path)
    found = BY_PATH.get(generic)
    if found is not None:
        return found
    # Items of a list are declared under their schema (资金来源[].名称 serves all three lists).
    head, _, tail = generic.rpartition("[].")
    if head:
        owner = BY_PATH.get(head + "[]")
        if owner is not None and owner.schema:
            return BY_PATH.get(f"{owner.schema}[].{tail}")
    return None


def is_computed(path: str) -> bool:
    """Whether our templates compute this field with a formula."""
    f = field_of(path)
    return f is not None and f.computed


def label(path: str) -> str:
    """How messages name the field at ``path`` (the path itself when it is not a field)."""
    f = field_of(path)
    return f.label if f is not None else path


_ITEM = re.compile(r"^(?P<list>[^\[]+)\[(?P<k>[^\]]+)\]\.")
_COUNTERS = {"绩效指标": "个指标", "预算执行.资金来源": "个资金来源", "楼堂馆所": "项楼堂馆所"}


def describe(path: str) -> str:
    """The field at ``path`` as a message names it: "第 3 个指标的实际完成值", "执行率"."""
    name = label(path)
    if path.startswith(BASIC_ROW_PREFIX):
        row = path[len(BASIC_ROW_PREFIX) :].split(".", 1)[0]
        return f"“{row}”的{name}" if name != "名称" else f"“{row}”行"
    m = _ITEM.match(path)
    if m is None:
        return name
    item = m.group("k")
    if item.isdigit():
        counter = _COUNTERS.get(m.group("list"), "行")
        return f"第 {item} {counter}的{name}"
    return f"“{item}”的{name}"


def members(schema: str, form_type: str | None = None) -> tuple[Field, ...]:
    """The fields of one JSON object, in canonical order.

    ``schema`` is 自评表 / 基础数据表 for the top level, else an object's or list item's
    schema name (预算执行, 资金来源, 绩效指标 …).
    """
    return _members(schema, form_type)


@cache
def _members(schema: str, form_type: str | None) -> tuple[Field, ...]:
    if schema in (SELF_EVAL_OBJECT, BASIC_OBJECT):
        forms = SELF_EVAL if schema == SELF_EVAL_OBJECT else frozenset({BASIC})
        return tuple(
            f
            for f in FIELDS
            if not f.parent and f.forms & forms and (form_type is None or form_type in f.forms)
        )
    owner = next((f for f in FIELDS if f.kind == "object" and f.path == schema), None)
    prefix = f"{schema}." if owner is not None else f"{schema}[]."
    return tuple(
        f for f in FIELDS if f.path.startswith(prefix) and "." not in f.path[len(prefix) :]
    )


def keys(schema: str) -> tuple[str, ...]:
    """The JSON keys of one object, in canonical order."""
    return tuple(f.key for f in members(schema))


def child_schema(key: str) -> str | None:
    """The schema of the object or items under ``key`` (any level), if it has one."""
    return _child_schemas().get(key)


@cache
def _child_schemas() -> dict[str, str]:
    """Key -> schema, of the first field with that key that has one."""
    out: dict[str, str] = {}
    for f in FIELDS:
        if f.schema:
            out.setdefault(f.key, f.schema)
    return out


def labels(schema: str, form_type: str | None = None) -> dict[str, tuple[str, ...]]:
    """Key -> every heading a reader accepts for it, for the value fields of one object."""
    return {
        f.key: f.labels
        for f in members(schema, form_type)
        if f.kind == "value" and f.key != "表类型"
    }


def fields_on(form_type: str, layout: str) -> tuple[Field, ...]:
    """The fields with a cell on one template layout."""
    return tuple(f for f in FIELDS if f.has_cell(form_type, layout))


def block(path: str) -> Block:
    return next(b for b in BLOCKS if b.path == path)
