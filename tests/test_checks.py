"""Each check fires on a real form altered the way clerks get it wrong, and only then."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from support import codes_at, findings_for, load_example

from jixiao.cli import main
from jixiao.core.findings import Severity
from jixiao.core.form import CellState
from jixiao.core.interchange import form_from_data
from jixiao.core.layout import Cell
from jixiao.core.profile import load_profile
from jixiao.rules import REGISTRY
from jixiao.rules.engine import check_form, check_set, not_applied

WHOLE = "shifeng-2020-whole.json"
PROJECT = "shifeng-2020-project.json"
SICHUAN = "zhaohua-2024-p1.json"


def codes(data: dict[str, Any], profile: str = "national") -> set[str]:
    return {f.code for f in findings_for(data, profile)}


def only(data: dict[str, Any], code: str, profile: str = "national"):
    hits = [f for f in findings_for(data, profile) if f.code == code]
    assert len(hits) == 1, hits
    return hits[0]


# ---- W: completeness ---------------------------------------------------------


@pytest.mark.parametrize("key", ["单位名称", "年度", "项目名称"])
def test_w01_required_header_field_empty(example, key):
    form = example(PROJECT)
    form[key] = ""
    f = only(form, "W01")
    assert f.field == key and f.severity is Severity.ERROR and key in f.message


def test_w01_project_name_not_required_on_whole_form(example):
    assert "W01" not in codes(example(WHOLE))


def test_w02_executed_is_text(example):
    form = example(SICHUAN)
    form["预算执行"]["全年执行数"] = "二十二万"
    f = only(form, "W02")
    assert f.field == "预算执行.全年执行数" and "二十二万" in f.message


def test_w02_budget_missing(example):
    form = example(SICHUAN)
    del form["预算执行"]["全年预算数"]
    assert only(form, "W02").field == "预算执行.全年预算数"


def test_w04_missing_satisfaction_block(example):
    form = example(SICHUAN)
    form["绩效指标"] = [i for i in form["绩效指标"] if i["一级指标"] != "满意度指标"]
    f = only(form, "W04")
    assert "满意度指标" in f.message


@pytest.mark.parametrize("key", ["三级指标", "指标值", "实际完成值", "分值", "得分"])
def test_w05_indicator_row_lacks_a_field(example, key):
    form = example(SICHUAN)
    form["绩效指标"][2][key] = ""
    assert ("W05", f"绩效指标[3].{key}") in codes_at(findings_for(form))


def test_w06_level2_under_wrong_level1(example):
    form = example(SICHUAN)
    form["绩效指标"][3]["二级指标"] = "数量指标"  # under 效益指标
    f = only(form, "W06")
    assert f.field == "绩效指标[4].二级指标" and "产出指标" in f.message


@pytest.mark.parametrize(
    ("blank", "field", "said"),
    [
        (("一级指标",), "一级指标", "的“一级指标”为空"),
        (("二级指标",), "二级指标", "的“二级指标”为空"),
        (("一级指标", "二级指标"), "一级指标", "的“一级指标”、“二级指标”为空"),
    ],
)
def test_w06_empty_levels_are_one_finding_per_row(example, blank, field, said):
    form = example(SICHUAN)
    for key in blank:
        form["绩效指标"][3][key] = ""
    f = only(form, "W06")
    assert f.field == f"绩效指标[4].{field}" and said in f.message


def test_w07_deducted_without_reason(example):
    form = example(SICHUAN)
    form["绩效指标"][0]["实际完成值"] = 70
    form["绩效指标"][0]["得分"] = 13
    f = only(form, "W07")  # "无" is no explanation
    assert f.field == "绩效指标[1].偏差原因" and "13" in f.message


def test_w07_low_execution_needs_a_reason_per_profile(example):
    form = example(SICHUAN)
    form["预算执行"].update(全年执行数=20.0, 执行率=20 / 22, 得分=round(10 * 20 / 22, 2))
    for s in form["预算执行"]["资金来源"][:1]:
        s["全年执行数"] = 20.0
    assert ("W07", "预算执行.原因") in codes_at(findings_for(form, "national"))
    # Sichuan only asks for a reason below 90%; 90.9% passes
    assert ("W07", "预算执行.原因") not in codes_at(findings_for(form, "sichuan"))


def test_w08_goal_missing(example):
    form = example(PROJECT)
    form["年度总体目标"]["实际完成情况"] = " "
    assert only(form, "W08").field == "年度总体目标.实际完成情况"


def test_w08_guidance_left_in_place_but_not_an_answer_that_starts_with_genju(example):
    form = example(PROJECT)
    form["年度总体目标"]["实际完成情况"] = "根据自评情况说明项目自评总分（200字以内）"
    assert only(form, "W08").field == "年度总体目标.实际完成情况"
    form["年度总体目标"]["实际完成情况"] = "根据要求购买安可设备 12 台，已全部到位"
    assert "W08" not in codes(form)


# ---- S: arithmetic ----------------------------------------------------------


def test_s01_printed_rate_rounded_wrong_is_caught():
    # The published error: 1.87 / 10.00 printed as 18.75%, correct is 18.70%.
    form = {
        "表类型": "项目支出绩效自评表", "单位名称": "某单位", "年度": 2023, "项目名称": "某项目",
        "预算执行": {"年初预算数": 10, "全年预算数": 10.0, "全年执行数": 1.87, "分值": 10,
                  "执行率": "18.75%", "得分": 1.87, "原因": "项目延期"},
    }  # fmt: skip
    f = only(form, "S01")
    assert "18.75%" in f.message and "18.70%" in f.message and f.expected == 0.187


def test_s01_rate_computed_on_initial_budget(example):
    form = example(SICHUAN)
    form["预算执行"]["执行率"] = 22 / 12  # executed / 年初 instead of / 全年
    assert only(form, "S01").expected == 1.0


def test_s02_budget_score(example):
    form = example(SICHUAN)
    form["预算执行"]["得分"] = 9
    f = only(form, "S02")
    assert f.value == 9 and f.expected == 10


def test_s03_score_above_points(example):
    form = example(SICHUAN)
    form["绩效指标"][1]["得分"] = 16
    assert ("S03", "绩效指标[2].得分") in codes_at(findings_for(form))


def test_s03_nonpositive_points(example):
    form = example(SICHUAN)
    form["绩效指标"][1]["分值"] = 0
    form["绩效指标"][1]["得分"] = 0
    assert ("S03", "绩效指标[2].分值") in codes_at(findings_for(form))


def test_s06_grade_not_matching_total(example):
    form = example(PROJECT)
    form["等级"] = "良"  # total 98
    f = only(form, "S06")
    assert f.expected == "优" and "98" in f.message


@pytest.mark.parametrize("grade", ["优", "优秀", " 优 秀 ", "优\n"])
def test_s06_a_grade_written_in_full_is_that_grade(example, grade):
    """Forms write 优秀/良好/中等 for 优/良/中 (a false 错误 before): no S06 at total 98."""
    form = example(PROJECT)
    form["等级"] = grade
    assert "S06" not in {c for c, _ in codes_at(findings_for(form))}


@pytest.mark.parametrize("grade", ["良好", "中等", "一般", "较差", "合格", "A"])
def test_s06_a_grade_in_full_that_is_not_the_totals(example, grade):
    form = example(PROJECT)
    form["等级"] = grade  # total 98
    f = only(form, "S06")
    assert f.expected == "优" and f"“{grade}”" in f.message


def test_s06_a_band_of_the_profile_is_its_own_name(example, tmp_path):
    """A profile whose bands include 一般 keeps it: 一般 is not read as 中 there."""
    profile = tmp_path / "general.toml"
    profile.write_text('"继承" = "national"\n["等级"]\n"优" = 90\n"一般" = 60\n"中" = 0\n', "utf-8")
    form = example(PROJECT)
    form["等级"] = "中"  # total 98: 优
    assert only(form, "S06", str(profile)).expected == "优"
    form["总分"]["得分"] = 70
    for i in form["绩效指标"]:
        i["得分"] = 0
    form["绩效指标"][0]["得分"] = 60
    form["等级"] = "一般"
    assert "S06" not in {c for c, _ in codes_at(findings_for(form, str(profile)))}
    form["等级"] = "中"
    assert only(form, "S06", str(profile)).expected == "一般"


def test_points_and_scores_typed_with_fen_are_numbers(example):
    """ "20分" is 20 points (a missing 得分 before: W05, and S05/S06 after it)."""
    form = example(PROJECT)
    base = codes_at(findings_for(form))
    form["绩效指标"][0]["分值"] = f"{form['绩效指标'][0]['分值']}分"
    form["绩效指标"][0]["得分"] = f"{form['绩效指标'][0]['得分']}分"
    form["预算执行"]["得分"] = f"{form['预算执行']['得分']}分"
    assert codes_at(findings_for(form)) == base
    form["总分"]["得分"] = "97分"  # recomputed 98: now checked, not skipped as text
    assert only(form, "S05").expected == 98


def test_s06_uses_profile_grade_bands(example, tmp_path):
    profile = tmp_path / "strict.toml"
    profile.write_text(
        '"继承" = "national"\n["等级"]\n"优" = 99\n"良" = 80\n"中" = 60\n"差" = 0\n', "utf-8"
    )
    assert only(example(PROJECT), "S06", str(profile)).expected == "良"


def test_s07_sources_do_not_add_up(example):
    form = example(SICHUAN)
    form["预算执行"]["资金来源"][2]["全年预算数"] = 1.5
    f = only(form, "S07")
    assert f.field == "预算执行.资金来源[财政资金].全年预算数" and "23.5" in f.message


def test_s09_generous_score_on_missed_target(example):
    # rules.md: 6 of ≥18 scored 18/20 where 6.67 is due
    form = example(SICHUAN)
    form["绩效指标"][0].update(
        三级指标="开展宣传推介会场次", 指标值=18, 度量单位="场次", 实际完成值=6, 分值=15, 得分=13.5
    )
    form["绩效指标"][0]["偏差原因"] = "部分商会作用发挥不好"
    f = only(form, "S09")
    assert f.expected == 5.0 and "33.33%" in f.message


def test_s09_not_for_met_targets(example):
    assert "S09" not in codes(example(SICHUAN))


# ---- D: deviation -----------------------------------------------------------


def test_d01_short_of_target(example):
    form = example(SICHUAN)
    form["绩效指标"][0].update(实际完成值=50, 得分=9.38, 偏差原因="企业参与不足")
    f = only(form, "D01")
    assert f.cell == "G16" and "-37.50%" in f.message and "未完成" in f.message


def test_d01_far_above_target_says_target_too_low(example):
    form = example(SICHUAN)
    form["绩效指标"][3]["实际完成值"] = 9  # ≥5 → 9: +80%
    f = only(form, "D01")
    assert "过低" in f.message


def test_d01_lower_is_better_reads_direction(example):
    form = example(SICHUAN)
    form["绩效指标"][2]["实际完成值"] = 2  # ≤1年 took 2 years: +100%, short of target
    form["绩效指标"][2].update(得分=5, 偏差原因="疫情影响")
    f = only(form, "D01")
    assert "未完成" in f.message


@pytest.mark.parametrize("actual", [0.92, 1, 0.9, "0.92", "1"])
def test_a_result_typed_as_a_fraction_of_a_percent_target(example, actual):
    """满意率 ≥90% (Sichuan columns: 90 | %) with 0.92 or 1 in a General cell (or as the
    text of a Word table): 92%, 100%, met — not 1% against 90% (D01 −98.9%, S09, W07
    before)."""
    form = example(SICHUAN)
    form["绩效指标"][6]["实际完成值"] = actual
    assert codes_at(findings_for(form)) == codes_at(findings_for(example(SICHUAN)))


def test_a_fraction_is_not_scaled_against_a_target_of_one_percent_or_less(example):
    form = example(SICHUAN)
    form["绩效指标"][6].update(指标性质="≤", 指标值=1, 实际完成值=0.5)  # 0.5% of at most 1%
    assert "-50.00%" in only(form, "D01").message  # read as 0.5%, not 50% (+4900%)


def test_d01_threshold_is_a_setting(example, tmp_path):
    form = example(SICHUAN)
    form["绩效指标"][0].update(实际完成值=60, 得分=11.25, 偏差原因="企业参与不足")  # -25%
    assert "D01" not in codes(form)
    profile = tmp_path / "p.json"
    profile.write_text('{"继承": "national", "偏差阈值": 0.2}', "utf-8")
    assert "D01" in codes(form, str(profile))


def test_d03_low_and_overspent(example):
    form = example(SICHUAN)
    b = form["预算执行"]
    b.update(全年执行数=11.0, 执行率=0.5, 得分=5, 原因="项目延期")
    b["资金来源"][0]["全年执行数"] = 11.0
    assert only(form, "D03").severity is Severity.WARNING
    b.update(全年执行数=24.0, 执行率=24 / 22, 得分=10)
    b["资金来源"][0]["全年执行数"] = 24.0
    over = only(form, "D03")
    assert over.severity is Severity.ERROR and "超预算" in over.message


def test_d05_progress_checkpoint(example):
    # the published report: 38.6%, 51.0%, 63.9% against 40%, 67.5%, 82.5%
    form = example(WHOLE)
    form["执行进度"] = {"6月": "38.6%", "9月": 0.51, "11月": 0.639, "12月": 1.0}
    fields = {f.field for f in findings_for(form) if f.code == "D05"}
    assert fields == {"执行进度[6月]", "执行进度[9月]", "执行进度[11月]"}


# ---- Q: form quality --------------------------------------------------------


def test_q01_nonstandard_level2_gets_the_standard_name(example):
    form = example(SICHUAN)
    form["绩效指标"][6]["二级指标"] = "满意度指标"
    f = only(form, "Q01")
    assert f.expected == "服务对象满意度指标"


def test_q03_actual_holds_a_target_expression(example):
    form = example(PROJECT)
    form["绩效指标"][0]["实际完成值"] = "≥1个"
    f = only(form, "Q03")
    assert f.field == "绩效指标[1].实际完成值"


def test_q03_sichuan_number_in_operator_column(example):
    form = example(SICHUAN)
    form["绩效指标"][0].update(指标性质=80, 指标值="家", 度量单位="")
    assert ("Q03", "绩效指标[1].指标性质") in codes_at(findings_for(form))


def test_q04_units_disagree_between_target_and_actual(example):
    form = example(WHOLE)
    form["绩效指标"][0]["实际完成值"] = "52个"
    assert ("Q04", "绩效指标[1].实际完成值") in codes_at(findings_for(form))


def test_q05_satisfaction_above_100(example):
    form = example(WHOLE)
    form["绩效指标"][12]["实际完成值"] = "101%"
    assert ("Q05", "绩效指标[13].实际完成值") in codes_at(findings_for(form))


def test_q06_all_full_marks_with_low_execution(example):
    form = example(SICHUAN)
    b = form["预算执行"]
    b.update(全年执行数=19.0, 执行率=19 / 22, 得分=round(190 / 22, 2), 原因="部分会议未召开")
    b["资金来源"][0]["全年执行数"] = 19.0
    form["总分"]["得分"] = 90 + round(190 / 22, 2)
    assert "Q06" in codes(form)


def test_q07_cost_above_total_spending(example):
    form = example(SICHUAN)
    form["绩效指标"][7].update(指标值=30, 实际完成值=25)
    assert "Q07" in codes(form)


def test_q07_a_cost_in_wan_without_yuan_is_money(example):
    """鄂州: 成本 “150万” reported while 全年执行数 is 125.25 — 万 alone is 万元 in a cost row,
    and an amount in 千元 is a tenth of a 万元."""
    form = example(SICHUAN)
    row = form["绩效指标"][7]
    for unit, value, flagged in (("万", 25, True), ("千元", 250, True), ("千元", 200, False)):
        row.update(指标值=value, 度量单位=unit, 实际完成值=value)
        assert ("Q07" in codes(form)) is flagged, (unit, value)


def test_q07_per_unit_cost_is_not_compared(example):
    assert "Q07" not in codes(example(PROJECT))  # 5万元/个


# ---- 基础数据表 (forms.md's real figures) ------------------------------------


def basic_table(**changes: Any) -> dict[str, Any]:
    data = {
        "表类型": "部门整体支出绩效评价基础数据表", "单位名称": "某区工商联", "年度": 2023,
        "人员": {"编制数": 4, "实际在职人数": 3, "控制率": 0.75},
        "经费": [
            {"名称": "三公经费", "上年决算数": 0, "本年预算数": 0.5, "本年决算数": 0},
            {"名称": "公务接待", "上级": "三公经费", "上年决算数": 0, "本年预算数": 0.5, "本年决算数": 0},
            {"名称": "公用经费", "上年决算数": 20.87, "本年预算数": 6.82, "本年决算数": 36.04},
            {"名称": "办公费", "上级": "公用经费", "上年决算数": 2.86, "本年预算数": 1.5, "本年决算数": 2.64},
        ],
        "楼堂馆所": [{"名称": "无", "批复规模": 0, "实际规模": 0, "预算投资": 0, "实际投资": 0}],
        "厉行节约保障措施": "严格执行中央八项规定",
    }  # fmt: skip
    data.update(changes)
    return data


def test_basic_table_real_figures():
    found = codes_at(findings_for(basic_table()))
    # 公用经费 6.82 → 36.04 (+428%), 办公费 1.5 → 2.64 (+76%), 三公经费 and 公务接待 0.5 → 0 (−100%)
    assert found == {
        ("D04", "基础数据.公用经费.本年决算数"),
        ("D04", "基础数据.办公费.本年决算数"),
        ("D04", "基础数据.三公经费.本年决算数"),
        ("D04", "基础数据.公务接待.本年决算数"),
    }


def test_budget_adjustment_and_balance_rows_are_not_deviations():
    # the row reports an adjustment (1922.76 → 2690.62): that is its content, not a deviation
    rows = [
        {
            "名称": "部门基本支出预算调整",
            "上年决算数": 0,
            "本年预算数": 1922.76,
            "本年决算数": 2690.62,
        },
        {"名称": "年末结转结余", "上年决算数": 5, "本年预算数": 1, "本年决算数": 9},
        {"名称": "政府采购金额", "上年决算数": 5, "本年预算数": 10, "本年决算数": 20},
    ]
    found = codes_at(findings_for(basic_table(经费=rows)))
    assert found == {("D04", "基础数据.政府采购金额.本年决算数")}


def test_basic_table_parent_sum_and_parts():
    data = basic_table()
    data["经费"][0]["本年预算数"] = 0.8  # 三公经费 ≠ its parts
    data["经费"][3]["本年决算数"] = 40  # 办公费 above 公用经费
    found = codes_at(findings_for(data))
    assert ("S11", "基础数据.三公经费.本年预算数") in found
    assert ("S11", "基础数据.办公费.本年决算数") in found


def test_basic_table_staff_rate_and_growth():
    data = basic_table(人员={"编制数": 4, "实际在职人数": 5, "控制率": 1.0})
    data["经费"][0].update(上年决算数=0.2, 本年决算数=0.3)
    data["经费"][1].update(上年决算数=0.2, 本年决算数=0.3)
    found = {f.code + ":" + f.field: f for f in findings_for(data)}
    assert "S12:人员.控制率" in found  # 5/4 printed as 100%
    assert "D06:人员.实际在职人数" in found
    growth = found["D06:基础数据.三公经费.本年决算数"]
    assert "决算口径" in growth.message and "50.00%" in growth.message


# ---- X: across one unit's forms ----------------------------------------------


def test_x02_unit_name_differs_in_a_set(example):
    a, b = example(WHOLE), example(PROJECT)
    b["单位名称"] = "石峰区工商联"
    results = check_set([form_from_data(a, "a.json"), form_from_data(b, "b.json")], load_profile())
    assert not [f for f in results[0] if f.code == "X02"]
    (x02,) = [f for f in results[1] if f.code == "X02"]
    assert x02.field == "单位名称" and "a.json" in x02.message


def test_x01_project_spending_disagrees_across_tables(example):
    whole, project = example(WHOLE), example(PROJECT)
    whole["预算执行"]["按支出性质"] = [
        {"名称": "基本支出", "全年执行数": 150.4},
        {"名称": "项目支出", "全年执行数": 11.0},
    ]
    basic = basic_table(单位名称=whole["单位名称"], 年度=2020)
    basic["经费"].append({"名称": "项目支出", "上年决算数": 9, "本年预算数": 10, "本年决算数": 10})
    forms = [form_from_data(d, n) for d, n in ((whole, "w"), (project, "p"), (basic, "b"))]
    found = [f for f in check_set(forms, load_profile())[0] if f.code == "X01"]
    # one figure, one cell: one finding that names both tables it disagrees with
    (x01,) = found
    assert x01.field == "预算执行.按支出性质[项目支出].全年执行数"
    assert "项目支出表" in x01.message and "基础数据表" in x01.message
    # within the whole form 150.4 + 11 = 161.4 agrees with its total
    assert "基本支出与项目支出" not in x01.message


# ---- one finding per cause ----------------------------------------------------


def run(form, profile: str = "national"):
    return check_form(form, load_profile(profile))


def test_total_typed_over_its_formula_is_one_finding_that_names_the_right_total(example):
    # make demo: the imported form's 总分 97 typed over the formula (which gives 107)
    form = form_from_data(example(WHOLE), "w.json")
    form.cell_states = {
        "总分.得分": CellState(None, 97, None, template_formula=True),
        "总分.分值": CellState(None, 100, None, template_formula=True),
    }
    found = run(form)
    at_total = [f for f in found if f.field.startswith("总分.")]
    assert sorted(f.code for f in at_total) == ["S04", "S05"]  # no Q08 beside them
    (s05,) = [f for f in at_total if f.code == "S05"]
    assert "107" in s05.message
    # where no S-check speaks for the cell, Q08 still says the formula was overwritten
    form.cell_states = {"预算执行.得分": CellState(None, 9.5, None, template_formula=True)}
    form.data["预算执行"].pop("得分")
    assert [f.code for f in run(form) if f.field == "预算执行.得分"] == ["Q08"]


def test_a_grade_typed_in_full_over_its_formula_is_no_finding(example):
    """The template's 等级 formula gives 优; the clerk typed 优秀 over it: the same grade."""
    form = form_from_data(example(PROJECT), "p.json")  # total 98
    form.data["等级"] = "优秀"
    form.cell_states = {"等级": CellState(None, "优秀", None, template_formula=True)}
    assert not [f for f in run(form) if f.field == "等级"]
    form.data["等级"] = "良好"
    form.cell_states = {"等级": CellState(None, "良好", None, template_formula=True)}
    assert [f.code for f in run(form) if f.field == "等级"] == ["S06"]


def test_a_row_missing_target_and_result_is_one_w05_naming_both(example):
    form = example(SICHUAN)
    form["绩效指标"][2].update(指标值="", 实际完成值=None)
    (w05,) = [f for f in findings_for(form) if f.code == "W05"]
    assert w05.field == "绩效指标[3].指标值"  # its first missing cell
    assert "“指标值”" in w05.message and "“实际完成值”" in w05.message


def test_a_merged_heading_gets_one_q01(example):
    data = example(WHOLE)
    for row in data["绩效指标"][:8]:
        row["一级指标"] = "产出"
    form = form_from_data(data, "w.json")
    heading = Cell("整体支出表", 17, 1)  # one merged cell over the block's rows
    for k in range(1, 9):
        form.cells[f"绩效指标[{k}].一级指标"] = heading
    (q01,) = [f for f in run(form) if f.code == "Q01"]
    assert q01.cell == "A17" and "1–8" in q01.message and q01.expected == "产出指标"


def test_line_breaks_and_points_in_a_heading_are_not_a_wrong_name(example):
    form = example(WHOLE)
    form["绩效指标"][0]["一级指标"] = "产\n出\n指\n标\n(50分)"
    form["绩效指标"][8]["二级指标"] = "经济效益\n指标"
    assert "Q01" not in codes(form)


def test_no_code_twice_on_one_cell():
    for name in ("shifeng-2020-whole.json", "shifeng-2020-project.json", SICHUAN):
        data = load_example(name)
        for row in data["绩效指标"]:
            row.update(一级指标="产出", 实际完成值="", 得分="十")
        found = findings_for(data)
        places = [(f.code, f.sheet, f.cell) for f in found]
        assert len(places) == len(set(places)), found


def test_every_check_declares_a_unique_code():
    codes_ = [c.code for c in REGISTRY]
    assert len(codes_) == len(set(codes_)) and "Q10" in codes_


# ---- S08: the block's own heading ---------------------------------------------


def test_s08_heading_declares_more_than_its_rows_add_to(example):
    form = example(SICHUAN)  # 产出 15+15+10 and its own 成本指标 block 10: 50
    form["绩效指标"][0]["一级指标"] = "产出指标(55分)"
    (s08,) = [f for f in findings_for(form) if f.code == "S08"]
    assert s08.field == "绩效指标[1].一级指标" and s08.cell == "A16"
    assert "55" in s08.message and "50" in s08.message
    assert s08.value == 50 and s08.expected == 55


def test_s08_heading_over_rows_adding_to_45(example):
    form = example(SICHUAN)
    form["绩效指标"][0].update(一级指标="产出指标(50分)", 分值=10, 得分=10)  # 10+15+10+10
    found = [f for f in findings_for(form) if f.code in ("S08", "S04")]
    s08 = [f for f in found if f.code == "S08"]
    assert [f.field for f in s08] == ["绩效指标[1].一级指标"]  # one finding at the heading
    assert "50" in s08[0].message and "45" in s08[0].message


def test_s08_heading_agreeing_with_rows_and_profile_is_fine(example):
    form = example(SICHUAN)
    form["绩效指标"][0]["一级指标"] = "产出指标(50分)"
    assert "S08" not in codes(form)


def test_s08_heading_agreeing_with_rows_but_not_the_profile(example):
    # a reviewer still reports the national weights: the heading only repeats the rows' sum
    form = example(SICHUAN)
    form["绩效指标"][0].update(一级指标="产出指标(60分)", 分值=25)
    s08 = only(form, "S08")
    assert s08.field == "绩效指标[1].一级指标" and s08.expected == 50 and "60" in s08.message


def test_s08_heading_from_json_through_the_cli(example, tmp_path, capsys):
    form = example(SICHUAN)
    form["绩效指标"][0]["一级指标"] = "产出指标(70分)"
    path = tmp_path / "f.json"
    path.write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    assert main(["check", str(path), "--json"]) == 0  # a 警告 does not block submission
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["code"], f["cell"]) for f in found if f["code"] == "S08"] == [("S08", "A16")]


# ---- forms without scores --------------------------------------------------------


def unscored(data: dict[str, Any]) -> dict[str, Any]:
    for row in data["绩效指标"]:
        row.pop("分值", None)
        row.pop("得分", None)
    for key in ("分值", "得分"):
        data["预算执行"].pop(key, None)
    data.pop("总分", None)
    data.pop("等级", None)
    return data


def test_a_form_without_scores_gets_no_score_findings_and_one_note(example):
    data = unscored(example(WHOLE))
    data["绩效指标"][0]["实际完成值"] = ""  # a real gap stays reported
    form = form_from_data(data, "w.json")
    assert not form.scored
    found = run(form)
    score_checks = {"S02", "S03", "S04", "S05", "S06", "S08", "S09", "S10", "Q06"}
    assert not {f.code for f in found} & score_checks
    (w05,) = [f for f in found if f.code == "W05"]
    assert "分值" not in w05.message and "实际完成值" in w05.message
    (note,) = not_applied(form)
    assert "没有分值、得分和总分" in note and "总分计算错误" in note


def test_the_note_is_part_of_the_output_of_check(example, tmp_path, capsys):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(unscored(example(PROJECT)), ensure_ascii=False), "utf-8")
    main(["check", str(path), "--json"])
    (note,) = json.loads(capsys.readouterr().out)["not_checked"]
    assert "S05 总分计算错误" in note
    main(["check", str(path)])
    assert capsys.readouterr().out.count("没有分值、得分和总分") == 1


def test_a_scored_form_has_no_note(example):
    assert not_applied(form_from_data(example(WHOLE), "w.json")) == []


# ---- forms of another framework -------------------------------------------------------


def test_a_framework_form_gets_one_q10_and_few_errors(example):
    data = example(WHOLE)
    blocks = {
        "产出指标": "项目产出(30分)",
        "效益指标": "项目效益(35分)",
        "满意度指标": "项目效益(35分)",
    }
    for row in data["绩效指标"]:
        row["一级指标"] = blocks[row["一级指标"]]
    form = form_from_data(data, "w.json")
    form.framework = "决策、管理、产出、效益四类指标的项目绩效评价表"
    found = run(form)
    (q10,) = [f for f in found if f.code == "Q10"]
    assert q10.severity is Severity.INFO and "决策、管理、产出、效益" in q10.message
    assert "W04" in q10.message and "S08" in q10.message
    assert q10.cell  # the form's title cell
    codes_ = {f.code for f in found}
    assert not codes_ & {"W04", "W06", "S04"}
    assert not [f for f in found if f.code == "Q01" and f.field.endswith("一级指标")]
    # the blocks' own headings are the weights now: 项目产出 rows add to 75, not 30
    s08 = [f for f in found if f.code == "S08"]
    assert [f.field for f in s08] == ["绩效指标[1].一级指标", "绩效指标[9].一级指标"]
    assert "30" in s08[0].message and "75" in s08[0].message
    assert "规定" not in s08[0].message  # not compared with the national weights
    # arithmetic that holds in any framework still runs: the total 97 is wrong
    assert "S05" in codes_
    assert len([f for f in found if f.severity is Severity.ERROR]) <= 3


def test_a_framework_form_keeps_its_standard_level2_names_checked(example):
    data = example(SICHUAN)
    data["绩效指标"][6]["二级指标"] = "满意度指标"
    form = form_from_data(data, "p.json")
    form.framework = "预算执行 20 分、年度绩效目标 80 分的自评表"
    assert [f.field for f in run(form) if f.code == "Q01"] == ["绩效指标[7].二级指标"]


# ---- W07 only where the reason has a place; other places ------------------------------------


def test_w07_budget_reason_only_where_the_form_has_a_reason_cell(example):
    form = example(WHOLE)  # national: no reason cell for the budget row
    b = form["预算执行"]
    b.update(全年执行数=120.0, 执行率=120 / 161.4, 得分=round(1200 / 161.4, 2))
    assert ("W07", "预算执行.原因") not in codes_at(findings_for(form))


def test_w01_the_implementing_unit_names_the_unit(example):
    form = example(PROJECT)
    form.pop("单位名称")
    form["实施单位"] = "株洲市石峰区工商业联合会"
    assert "W01" not in codes(form)


def test_s07_points_at_the_total_row_left_at_zero(example):
    form = example(SICHUAN)
    form["预算执行"].update(全年预算数=0)
    f = only(form, "S07")
    assert f.field == "预算执行.全年预算数"


def test_template_placeholder_rows_and_breakdown_rows_are_not_incomplete(example):
    form = example(SICHUAN)
    form["绩效指标"].insert(
        1, {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "指标2："}
    )
    form["绩效指标"].insert(2, {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "……"})
    form["绩效指标"].insert(
        3,
        {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "其中新增会员企业",
         "指标性质": "≥", "指标值": 20, "度量单位": "家", "实际完成值": 20},
    )  # fmt: skip
    assert not {"W05", "W06"} & codes(form)


def test_execution_on_the_initial_budget_where_the_form_has_no_full_year_column(example):
    data = example(PROJECT)
    data["预算执行"] = {
        "年初预算数": 310.2,
        "全年执行数": 154.74,
        "分值": 10,
        "执行率": "50%",
        "得分": 5,
    }
    form = form_from_data(data, "p.json")
    form.sheet_layout = copy.deepcopy(form.sheet_layout)  # the templates' layout is shared
    del form.sheet_layout.cells["预算执行.全年预算数"]  # a paper form without that column
    found = {f.code: f for f in run(form)}
    assert "W02" not in found
    assert "49.88%" in found["S01"].message and "年初预算数" in found["S01"].message
    assert found["S02"].expected == 4.99


# ---- messages and cells -------------------------------------------------------------


PLAIN = re.compile(r"(?<![A-Za-z])(MISSING|ABSENT|None|nan|NaN|inf|Infinity)(?![A-Za-z])")


def test_templates_show_no_internal_values():
    for chk in REGISTRY:
        assert "%%" not in chk.template and not PLAIN.search(chk.template), chk.code


def test_messages_show_what_the_clerk_typed_not_program_values(example):
    form = example(SICHUAN)
    form["绩效指标"][0].update(三级指标="招商\n推介", 实际完成值=float("nan"), 得分=None)
    form["绩效指标"][1].update(度量单位="%", 指标值="100%", 实际完成值="100%", 得分=13)
    form["绩效指标"][2].update(分值="十分")
    form["预算执行"]["执行率"] = "约一成"
    form["等级"] = None
    data = form_from_data(form, "p.json")
    data.cell_states = {"总分.得分": CellState(None, 96.00000001, None, template_formula=True)}
    found = run(data)
    assert found
    for f in found:
        assert not PLAIN.search(f.message), f.message
        assert "%%" not in f.message and "[" not in f.message and "\n" not in f.message, f.message


def test_every_finding_names_a_cell(example):
    data = example(PROJECT)
    data.pop("年度")
    data["预算执行"].pop("全年执行数")
    form = form_from_data(data, "p.json")
    form.sheet_layout = copy.deepcopy(form.sheet_layout)  # the templates' layout is shared
    form.sheet_layout.cells.pop("年度")  # a field the sheet has no cell for
    found = run(form)
    assert found and all(f.cell for f in found), [f for f in found if not f.cell]
    (w01,) = [f for f in found if f.code == "W01"]
    assert w01.cell == "A1"  # the form's title


# ---- what real forms taught ---------------------------------------------------------


def test_s02_points_typed_as_100_is_reported_at_the_points(example):
    # Jiangxi: budget 分值 typed 100, 得分 10 = 10 × 100%: the 分值 is the typo
    form = example(SICHUAN)
    form["预算执行"]["分值"] = 100
    f = only(form, "S02")
    assert f.field == "预算执行.分值" and f.value == 100 and f.expected == 10
    assert "100" in f.message and "改为 10" in f.message


def test_s02_empty_score_on_a_paper_form_where_a_score_is_due(example):
    data = example(SICHUAN)
    data["预算执行"].pop("得分")
    form = form_from_data(data, "p.json")
    assert "S02" not in {f.code for f in run(form)}  # a template computes it
    form.cells["预算执行.得分"] = Cell("项目支出表", 7, 8)  # a paper form's empty cell
    (s02,) = [f for f in run(form) if f.code == "S02"]
    assert s02.field == "预算执行.得分" and s02.expected == 10 and "为空" in s02.message


def test_q04_a_rate_measured_in_persons(example):
    form = example(SICHUAN)
    form["绩效指标"][1].update(  # under 质量指标
        三级指标="家庭医生签约率", 指标性质="≥", 指标值=24694, 度量单位="人", 实际完成值=24694
    )
    (f,) = [f for f in findings_for(form) if f.field == "绩效指标[2].度量单位"]
    assert f.code == "Q04" and "比率应以 %" in f.message
    # a 数量指标 row counts things, whatever its name ends with (5组 of 利用率 trials)
    form["绩效指标"][0].update(三级指标="肥料利用率", 度量单位="组")
    assert ("Q04", "绩效指标[1].度量单位") not in codes_at(findings_for(form))


def test_q04_an_area_in_any_unit_of_area(example):
    """万亩 (forestry), 公顷, 平方千米 … are areas: only a unit that is not one is reported."""
    form = example(SICHUAN)
    row = form["绩效指标"][1]
    row.update(三级指标="造林面积", 指标性质="≥", 指标值=1.2, 实际完成值=1.2)
    units = "万亩 亩 千亩 公顷 万公顷 平方米 万平方米 平方公里 平方千米".split()
    for unit in units:
        row["度量单位"] = unit
        assert ("Q04", "绩效指标[2].度量单位") not in codes_at(findings_for(form)), unit
    row["度量单位"] = "个"
    assert ("Q04", "绩效指标[2].度量单位") in codes_at(findings_for(form))


def test_w07_budget_points_deducted_beyond_the_rate(example):
    form = example(SICHUAN)
    form["预算执行"]["得分"] = 9  # 100% executed
    found = codes_at(findings_for(form))
    assert ("S02", "预算执行.得分") in found and ("W07", "预算执行.原因") in found


def test_q04_a_share_of_an_area_or_a_count_is_no_wrong_unit(example):
    """蔡甸 (森林防火): "森林火灾受害面积 小于0.9‰" is the share burnt, "改造面积 100%" the share
    done — not an area in the wrong unit; an area in 个 still is, and a 满意度 must be in %."""
    form = example(SICHUAN)
    row = form["绩效指标"][1]
    row.update(三级指标="森林火灾受害面积", 指标性质="≤", 指标值=0.9, 实际完成值=0.5)
    for unit in ("‰", "%"):
        row["度量单位"] = unit
        assert ("Q04", "绩效指标[2].度量单位") not in codes_at(findings_for(form)), unit
    row["度量单位"] = "个"
    assert ("Q04", "绩效指标[2].度量单位") in codes_at(findings_for(form))
    row.update(三级指标="群众满意度", 度量单位="‰")
    assert ("Q04", "绩效指标[2].度量单位") in codes_at(findings_for(form))
