"""Regional profiles: built-in ones, and a user's own file without touching code."""

from __future__ import annotations

import pytest
from support import findings_for

from jixiao.core.errors import InputError
from jixiao.core.profile import choose_profile, load_profile


def test_builtin_profiles_follow_rules_md():
    national, sichuan, hunan = (load_profile(n) for n in ("national", "sichuan", "hunan"))
    assert national.weights == {"预算执行": 10, "产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert (
        national.deviation_threshold
        == sichuan.deviation_threshold
        == hunan.deviation_threshold
        == 0.3
    )
    assert (
        national.reason_required_below,
        sichuan.reason_required_below,
        hunan.reason_required_below,
    ) == (1.0, 0.9, 1.0)
    assert national.checkpoints == {6: 0.40, 9: 0.675, 11: 0.825}
    assert national.bands == {"达成": (0.8, 1.0), "部分达成": (0.6, 0.8), "未达成": (0.0, 0.6)}
    assert national.grades == {"优": 90, "良": 80, "中": 60, "差": 0}


def test_user_profile_toml_changes_weights(tmp_path, example):
    path = tmp_path / "county.toml"
    path.write_text(
        '"继承" = "national"\n"名称" = "某县"\n["权重"]\n"预算执行" = 10\n"产出指标" = 75\n"效益指标" = 20\n"满意度指标" = 5\n',
        "utf-8",
    )
    assert load_profile(path).name == "某县"
    # shifeng's 75/20/5 split is right under this county's weights
    assert "S08" not in {
        f.code for f in findings_for(example("shifeng-2020-whole.json"), str(path))
    }


def test_a_users_profile_file_is_read_again_each_time_built_in_ones_once(tmp_path):
    # An Excel session keeps one Python process: a clerk who edits the county's file
    # between two clicks of 校验 gets the new weights; built-in ones are package data.
    path = tmp_path / "county.toml"
    path.write_text('"继承" = "national"\n"名称" = "某县"\n', "utf-8")
    assert load_profile(path).name == "某县"
    path.write_text('"继承" = "national"\n"名称" = "某县（修改后）"\n', "utf-8")
    assert load_profile(path).name == "某县（修改后）"
    assert load_profile("四川") is load_profile("sichuan")
    assert load_profile(None) is load_profile("national")
    assert load_profile("sichuan").key == "sichuan"


def test_user_profile_json_full(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(
        '{"名称": "自定义", "偏差阈值": 0.2, "执行率说明下限": 0.95,'
        '"权重": {"预算执行": 20, "产出指标": 40, "效益指标": 30, "满意度指标": 10},'
        '"执行进度": {"6": 0.5}, "定性档次": {"达成": [0.9, 1], "部分达成": [0.7, 0.9], "未达成": [0, 0.7]},'
        '"等级": {"优": 95, "差": 0}}',
        "utf-8",
    )
    p = load_profile(path)
    assert p.budget_points == 20 and p.checkpoints == {6: 0.5} and p.bands["部分达成"] == (0.7, 0.9)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('"继承" = "national"\n"偏差阈值" = "30%"\n', "偏差阈值"),
        ('"继承" = "national"\n"偏差率" = 0.3\n', "无法识别"),
        ('"偏差阈值" = 0.3\n"执行率说明下限" = 1\n["权重"]\n"预算执行" = 10\n', "权重.产出指标"),
        ('"继承" = "national"\n["执行进度"]\n13 = 0.9\n', "执行进度.13"),
        ("偏差阈值 = ", "格式错误"),
    ],
)
def test_bad_profile_says_which_setting(tmp_path, text, said):
    path = tmp_path / "bad.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError) as err:
        load_profile(path)
    assert said in str(err.value) and "bad.toml" in str(err.value)


def test_unknown_profile_name_lists_the_choices():
    with pytest.raises(InputError, match="national、sichuan、hunan"):
        load_profile("guangdong")


def test_the_profile_a_form_names_comes_after_the_run_and_the_workbook() -> None:
    """--profile > the workbook's 设置 sheet > what the form's print says > the default."""
    hint = ("sichuan", "表中有四川省的报表编号 510000_0013zp")
    chosen = choose_profile(None, None, hint=hint)
    assert (chosen.profile.key, chosen.source) == ("sichuan", hint[1])
    assert chosen.description == "四川（表中有四川省的报表编号 510000_0013zp）"
    assert choose_profile(None, "hunan", hint=hint).profile.key == "hunan"
    assert choose_profile("national", "hunan", hint=hint).profile.key == "national"
    assert choose_profile(None).source == "默认"
