"""The JSON interchange format: read, clear schema errors, write back unchanged."""

from __future__ import annotations

import json

import pytest
from support import EXAMPLE_FILES, findings_for

from jixiao.core.errors import InputError
from jixiao.core.interchange import dumps, form_from_data, read_form, write_form


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_written_back_unchanged(path, tmp_path):
    form = read_form(path)
    out = tmp_path / path.name
    write_form(form, out)
    assert json.loads(out.read_text("utf-8")) == json.loads(path.read_text("utf-8"))
    # same text too: key order, 12.0 vs 12, Chinese left readable
    assert out.read_text("utf-8").strip() == path.read_text("utf-8").strip()


def test_types_as_the_form_holds_them(example):
    data = example("zhaohua-2024-p1.json")
    form = form_from_data(data)
    assert form.budget.full_year == 22.0 and isinstance(form.budget.full_year, float)
    assert form.indicators[0].target == 80 and isinstance(form.indicators[0].target, int)
    assert '"全年预算数": 22.0' in dumps(form)


@pytest.mark.parametrize(
    ("change", "where", "said"),
    [
        (lambda d: d.pop("表类型"), "表类型", "缺少“表类型”"),
        (lambda d: d.update(表类型="项目绩效表"), "表类型", "不是已知的表类型"),
        (lambda d: d.update(绩效指标={"一级指标": "产出指标"}), "绩效指标", "应为数组"),
        (lambda d: d["绩效指标"].append("产出指标"), "绩效指标[10]", "应为对象"),
        (
            lambda d: d["绩效指标"][2].update(实际完成数="2个"),
            "绩效指标[3].实际完成数",
            "是否应为“实际完成值”",
        ),
        (
            lambda d: d["预算执行"].update(资金来源="财政拨款10万元"),
            "预算执行.资金来源",
            "应为数组",
        ),
        (lambda d: d["绩效指标"][0].update(分值=[20]), "绩效指标[1].分值", "应为数字或文字"),
    ],
)
def test_schema_problem_names_the_key_and_what_was_expected(example, change, where, said):
    data = example("shifeng-2020-project.json")
    change(data)
    with pytest.raises(InputError) as err:
        form_from_data(data, "p.json")
    message = str(err.value)
    assert "p.json" in message and where in message and said in message


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b'{"\xe8\xa1\xa8": 1,}', "JSON 格式错误"),
        ("{'表类型': 1}".encode(), "键名应使用英文双引号"),
        ('{"表类型": "项目支出绩效自评表"'.encode("gbk"), "不是 UTF-8"),
        (b"PK\x03\x04rest-of-a-zip", "Excel 工作簿"),
        (b"", "JSON 格式错误"),
        (b"[1, 2]", "应为 JSON 对象"),
    ],
)
def test_unreadable_files_get_one_chinese_message(tmp_path, content, said):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_form(path)
    assert said in str(err.value) and "bad.json" in str(err.value)


def test_json_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "f.json"
    path.write_text('{\n "表类型": "项目支出绩效自评表"\n "年度": 2024\n}', "utf-8")
    with pytest.raises(InputError, match="第 3 行第 2 列"):
        read_form(path)


@pytest.mark.parametrize("literal", ["Infinity", "NaN", "-Infinity"])
def test_non_finite_json_numbers_are_refused(tmp_path, literal):
    path = tmp_path / "inf.json"
    path.write_text(
        '{"表类型": "项目支出绩效自评表", "预算执行": {"执行率": ' + literal + "}}", "utf-8"
    )
    with pytest.raises(InputError, match=literal):
        read_form(path)


@pytest.mark.parametrize("huge", [1e308, 1e20])
def test_absurd_amounts_are_reported_not_crashed(example, huge):
    # found by fuzzing the benchmark: S01 used to overflow while rounding
    data = example("zhaohua-2024-p1.json")
    data["预算执行"]["执行率"] = huge
    data["预算执行"]["全年预算数"] = huge
    assert "W02" in {f.code for f in findings_for(data)}  # not a usable figure


def test_denormal_budget_gives_no_rate(example):
    data = example("zhaohua-2024-p1.json")
    data["预算执行"]["全年预算数"] = 1e-320
    assert not {"S01", "D03"} & {f.code for f in findings_for(data)}
