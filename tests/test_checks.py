"""Each check fires on a real form altered the way clerks get it wrong, and only then."""

from __future__ import annotations

from typing import Any

import pytest
from support import codes_at, findings_for

from jixiao.core.findings import Severity
from jixiao.core.interchange import form_from_data
from jixiao.core.profile import load_profile
from jixiao.rules.engine import check_set

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
    messages = " ".join(f.message for f in found)
    assert len(found) == 2 and "项目支出表" in messages and "基础数据表" in messages
    # within the whole form 150.4 + 11 = 161.4 agrees with its total
    assert all("基本支出与项目支出" not in f.message for f in found)
