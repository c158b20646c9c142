"""The real forms give exactly what a careful reviewer finds (shared/examples/README.md)."""

from __future__ import annotations

import pytest
from support import EXAMPLES, codes_at, findings_for, load_example

from jixiao.core import compute
from jixiao.core.interchange import read_form
from jixiao.core.profile import load_profile
from jixiao.rules.engine import check_set

# Each entry transcribes the README's list for that form, as (code, field).
EXPECTED = {
    "shifeng-2020-whole.json": {
        # budget + indicators = 110; the form's total row says 100
        ("S04", "总分.分值"),
        # block weights 75/20/5 instead of 50/30/10, at each block's heading (一级 cell)
        ("S08", "绩效指标[1].一级指标"),
        ("S08", "绩效指标[9].一级指标"),
        ("S08", "绩效指标[13].一级指标"),
        # total 97 leaves out the 10 budget points: 107
        ("S05", "总分.得分"),
        # 联络帮扶 3次/3次 scored 8; 满意度 95%/95% scored 4 — the second unexplained
        ("S10", "绩效指标[4].得分"),
        ("S10", "绩效指标[13].得分"),
        ("W07", "绩效指标[13].偏差原因"),
        # 不断提高 / 持续高质量发展
        ("Q02", "绩效指标[6].指标值"),
        ("Q02", "绩效指标[10].指标值"),
        ("Q02", "绩效指标[11].指标值"),
        ("Q02", "绩效指标[12].指标值"),
    },
    "shifeng-2020-project.json": {
        ("W03", "预算执行.年初预算数"),
        ("S10", "绩效指标[9].得分"),  # 满意度 98% target, 100% actual, 9/10
        # qualitative targets that repeat the indicator name
        ("Q02", "绩效指标[5].指标值"),
        ("Q02", "绩效指标[6].指标值"),
        ("Q02", "绩效指标[7].指标值"),
        ("Q02", "绩效指标[8].指标值"),
    },
    "zhaohua-2024-p1.json": {
        ("D02", "预算执行.全年预算数"),  # (22 − 12) / 12 = +83%
        ("Q07", "绩效指标[8].实际完成值"),  # 成本 ≤12万元 reported as 12, 22 spent
        ("Q04", "绩效指标[5].度量单位"),  # 吸引新企业落户 in 人
        ("Q04", "绩效指标[6].度量单位"),  # 解决就业人数 in 平方米/人
    },
    "zhaohua-2024-p4.json": {
        ("W04", "绩效指标"),  # no indicators at all
        ("W08", "年度总体目标.预期目标"),  # empty
        ("W08", "年度总体目标.实际完成情况"),  # still the form's instruction text
        ("S07", "预算执行.资金来源[财政资金].全年执行数"),  # sources 0 vs total 10
        ("D02", "预算执行.全年预算数"),  # 年初 0: rate undefined, reported as such
    },
}


def test_every_example_is_covered():
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_gives_exactly_the_reviewers_findings(name):
    assert codes_at(findings_for(load_example(name))) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_finding_names_sheet_cell_and_a_chinese_message(name):
    for f in findings_for(load_example(name)):
        assert f.sheet in ("整体支出表", "项目支出表")
        assert f.cell and f.cell[0].isalpha() and f.cell[-1].isdigit()
        assert "：" in f.message and any("\u4e00" <= c <= "\u9fff" for c in f.message)


def test_shifeng_whole_budget_adjustment_is_below_threshold():
    form = load_example("shifeng-2020-whole.json")
    b = form["预算执行"]
    rate = compute.budget_adjustment_rate(b["年初预算数"], b["全年预算数"])
    assert compute.round_half_up(rate * 100, 2) == 27.95
    assert not {c for c, _ in codes_at(findings_for(form))} & {"D02", "S01", "S02", "S07", "S06"}


def test_shifeng_whole_messages_carry_the_figures():
    found = {f.code: f for f in findings_for(load_example("shifeng-2020-whole.json"))}
    assert "110" in found["S04"].message
    assert "97" in found["S05"].message and "107" in found["S05"].message
    assert found["S05"].value == 97 and found["S05"].expected == 107


def test_cost_indicator_under_output_is_accepted():
    # the older national layout files 成本指标 under 产出指标: no W06, no Q01
    found = findings_for(load_example("shifeng-2020-whole.json"))
    assert not [f for f in found if f.code in ("W06", "Q01")]


def test_undefined_adjustment_rate_is_reported_not_crashed():
    (d02,) = [f for f in findings_for(load_example("zhaohua-2024-p4.json")) if f.code == "D02"]
    assert "无法计算" in d02.message and "10" in d02.message
    assert d02.value is None


def test_example_cells_point_at_the_template_cells():
    found = {(f.code, f.field): f.cell for f in findings_for(load_example("zhaohua-2024-p1.json"))}
    # Sichuan layout: 度量单位 is column F, 实际完成值 column G; indicators start on row 16
    assert found[("Q04", "绩效指标[6].度量单位")] == "F21"
    assert found[("Q07", "绩效指标[8].实际完成值")] == "G23"


@pytest.mark.parametrize(
    "names",
    [
        ("shifeng-2020-whole.json", "shifeng-2020-project.json"),
        ("zhaohua-2024-p1.json", "zhaohua-2024-p4.json"),
    ],
)
def test_one_units_forms_checked_as_a_set_add_no_false_cross_findings(names):
    forms = [read_form(EXAMPLES / n) for n in names]
    results = check_set(forms, load_profile())
    for name, found in zip(names, results, strict=True):
        assert codes_at(found) == EXPECTED[name]
