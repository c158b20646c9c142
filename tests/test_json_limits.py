"""JSON a user gives is read within stated limits (nesting depth, number size): beyond them
`check`, `import`, `review` and --profile say so in Chinese, naming the file and the place,
and exit 2, never 内部错误 (issue 13, items 1–3 and 12)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import EXAMPLES

from jixiao.app.review_cache import ReviewCache
from jixiao.cli.main import main
from jixiao.core import json_input
from jixiao.core.assess import EMPTY_SHOWN, HUGE_SHOWN, shown
from jixiao.core.form import amount_value, number, rate_value
from jixiao.readers.record import load_record

EXAMPLE = EXAMPLES / "shifeng-2020-project.json"
# The line of the example's first amount, the 全年预算数 of 预算执行 (line 7).
AMOUNT = '"全年预算数": 10,'
# "inf" / "nan" as a program prints them, not inside a word.
NON_FINITE = re.compile(r"(?<![A-Za-z])(inf|nan|infinity)(?![A-Za-z])", re.IGNORECASE)


def with_amount(tmp_path: Path, literal: str, name: str = "form.json") -> Path:
    """The example with its first amount written as ``literal`` (line 7, column 12)."""
    text = EXAMPLE.read_text("utf-8")
    assert text.count(AMOUNT) >= 1 and text.splitlines()[6].strip() == AMOUNT
    path = tmp_path / name
    path.write_text(text.replace(AMOUNT, f'"全年预算数": {literal},', 1), "utf-8")
    return path


def refused(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """Run the command; it must exit 2 with one Chinese message and no traceback."""
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert rc == 2, out + err
    assert "内部错误" not in err and "Traceback" not in err and "Error" not in err, err
    return err


# ---- nesting depth -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column"),
    [("[" * 1000 + "]" * 1000, 65), ('{"a":' * 5000 + "1" + "}" * 5000, 5 * 64 + 1)],
    ids=["1000-arrays", "5000-objects"],
)
def test_deep_nesting_is_refused_at_the_limit_with_its_place(capsys, tmp_path, text, column):
    path = tmp_path / "deep.json"
    path.write_text(text, "utf-8")
    err = refused(capsys, "check", path)
    assert str(path) in err and f"第 1 行第 {column} 列" in err and "64 层" in err


def test_the_depth_limit_is_exact_and_brackets_in_text_do_not_count():
    assert json_input.parse("[" * 64 + "]" * 64) is not None
    with pytest.raises(json_input.JsonProblem, match="64 层"):
        json_input.parse("[" * 65 + "]" * 65)
    # 200 levels inside strings, with escaped quotes: text, not nesting.
    text = json.dumps({"备注": "[" * 200 + '\\"' + "{" * 200, "k": ["]" * 300]})
    assert json_input.parse(text)["k"] == ["]" * 300]
    # Strings that close what they seem to open do not hide real depth either.
    sneaky = '["]",' * 70 + "1" + "]" * 70
    with pytest.raises(json_input.JsonProblem, match="64 层"):
        json_input.parse(sneaky)


def test_a_form_with_brackets_and_long_digit_runs_in_its_text_still_passes(capsys, tmp_path):
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data["年度总体目标"]["实际完成情况"] = "[" * 100 + "1" * 60 + "Excel 2016"
    path = tmp_path / "text.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    assert main(["check", str(path)]) in (0, 1)
    assert main(["check", str(EXAMPLE)]) in (0, 1)  # a real form, 4 levels deep
    assert "错误：文件" not in capsys.readouterr().err


# ---- number size -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "said"),
    [
        ("9" * 4301, "有 4301 位"),
        ("9" * 400, "有 400 位"),
        ("-" + "9" * 400, "有 400 位"),
        ("0." + "9" * 400, "有 401 位"),
        ("1E309", "“1E309”太大"),
        ("1e400", "“1e400”太大"),
        ("-1.5e+0309", "太大"),
    ],
)
def test_numbers_beyond_the_limit_are_refused_with_their_place(capsys, tmp_path, literal, said):
    path = with_amount(tmp_path, literal)
    err = refused(capsys, "check", path)
    assert str(path) in err and "第 7 行第 12 列" in err and said in err
    assert "40 位" in err or "1e308" in err  # the limit is stated
    assert not NON_FINITE.search(err)


@pytest.mark.parametrize("literal", ["9" * 40, "1e308", "-9.99e307", "1e-400"])
def test_numbers_within_the_limit_are_read_and_never_shown_as_inf(capsys, tmp_path, literal):
    path = with_amount(tmp_path, literal)
    rc = main(["check", str(path)])
    out, err = capsys.readouterr()
    assert rc in (0, 1), err
    assert not NON_FINITE.search(out + err)


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN"])
def test_non_finite_literals_are_refused_with_their_place(capsys, tmp_path, literal):
    path = with_amount(tmp_path, literal)
    err = refused(capsys, "check", path)
    assert str(path) in err and "第 7 行第 12 列" in err and literal in err


def test_import_refuses_the_same_json(capsys, tmp_path):
    path = with_amount(tmp_path, "1E309")
    err = refused(capsys, "import", path, "-o", tmp_path / "out.xlsm")
    assert str(path) in err and "第 7 行第 12 列" in err
    assert not (tmp_path / "out.xlsm").exists()


@pytest.mark.parametrize(
    "value",
    [
        10**400, -(10**400), 2**1100, float("inf"), float("-inf"), float("nan"),
        "9" * 5000, "9" * 400 + "万元", "1e400", "inf", "nan", True, None, [1],
    ],
)  # fmt: skip
def test_number_readers_never_raise_and_never_give_a_non_finite_figure(value):
    for read in (number, amount_value, rate_value):
        assert read(value) is None


def test_number_still_reads_what_a_form_holds():
    assert number(12) == 12.0 and number(12.5) == 12.5 and number("12.5") == 12.5
    assert number(10**14) == 1e14 and number(10**15) is None


def test_text_of_hundreds_of_digits_is_not_shown_as_inf(capsys, tmp_path):
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data["预算执行"]["执行率"] = "9" * 400 + "%"
    data["绩效指标"][0]["实际完成值"] = "9" * 400 + "个"
    path = tmp_path / "text-digits.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    rc = main(["check", str(path), "--json"])
    out, err = capsys.readouterr()
    assert rc in (0, 1), err
    assert not NON_FINITE.search(out)


# ---- the other JSON a user gives ---------------------------------------------------------------


PROFILE = (
    '{"名称": "自定义", "偏差阈值": 0.2, "执行率说明下限": 0.95,'
    '"权重": {"预算执行": 20, "产出指标": 40, "效益指标": 30, "满意度指标": 10},'
    '"执行进度": {"6": 0.5},'
    '"定性档次": {"达成": [0.9, 1], "部分达成": [0.7, 0.9], "未达成": [0, 0.7]},'
    '"等级": {"优": VALUE, "差": 0}}'
)


@pytest.mark.parametrize(
    ("value", "said"),
    [("95", None), ("9" * 4301, "40 位"), ("1e400", "1e308"), ("Infinity", "Infinity"),
     ("[" * 1000 + "]" * 1000, "64 层")],
)  # fmt: skip
def test_a_json_profile_is_held_to_the_same_limits(capsys, tmp_path, value, said):
    profile = tmp_path / "p.json"
    profile.write_text(PROFILE.replace("VALUE", value), "utf-8")
    if said is None:
        assert main(["check", str(EXAMPLE), "--profile", str(profile)]) in (0, 1)
        return
    err = refused(capsys, "check", EXAMPLE, "--profile", profile)
    assert str(profile) in err and "第 1 行第" in err and said in err


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('"继承" = "national"\n"偏差阈值" = ' + "[" * 2000 + "]" * 2000, "嵌套过深"),
        ('"继承" = "national"\n"偏差阈值" = ' + "9" * 4301, "数字位数过多"),
        ('"继承" = "national"\n"偏差阈值" = nan', "偏差阈值"),
        ('"继承" = "national"\n["等级"]\n"优" = inf', "等级.优"),
        ('"继承" = "national"\n"偏差阈值" = = 1', "第 2 行第 10 列"),
        ('"继承" = "national"\n"偏差阈值" = ', "文件末尾"),
    ],
)
def test_a_toml_profile_is_refused_not_crashed_on(capsys, tmp_path, text, said):
    profile = tmp_path / "p.toml"
    profile.write_text(text, "utf-8")
    err = refused(capsys, "check", EXAMPLE, "--profile", profile)
    assert str(profile) in err and said in err
    assert "line" not in err and not NON_FINITE.search(err.replace("inf 或 nan", ""))


@pytest.mark.parametrize(
    "text",
    ["[" * 5000, '{"version": 1, "a": ' + "9" * 5000 + "}", '{"version": 1, "a": 1e400}'],
)
def test_a_damaged_fill_record_is_ignored_like_any_other(text):
    # The record lives in a workbook's custom properties, which a user can edit.
    assert load_record({"jixiao:项目支出表:1": text}, "项目支出表") == {}
    good = '{"version": 1, "form_type": "项目支出绩效自评表"}'
    assert load_record({"jixiao:项目支出表:1": good}, "项目支出表")["version"] == 1


def test_review_lists_such_json_with_the_reason(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "deep.json").write_text("[" * 1000 + "]" * 1000, "utf-8")
    with_amount(inbox, "9" * 400, "big.json")
    (inbox / "good.json").write_bytes(EXAMPLE.read_bytes())
    result = tmp_path / "r.json"
    rc = main(
        ["review", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--json", str(result),
         "--no-cache", "-j", "1"]
    )  # fmt: skip
    assert rc in (0, 1, 2)
    files = {Path(f["file"]).name: f for f in json.loads(result.read_text("utf-8"))["files"]}
    assert files["good.json"]["status"] != files["deep.json"]["status"]
    assert (
        "64 层" in files["deep.json"]["reason"]
        and "第 1 行第 65 列" in files["deep.json"]["reason"]
    )
    assert (
        "40 位" in files["big.json"]["reason"] and "第 7 行第 12 列" in files["big.json"]["reason"]
    )
    assert "内部错误" not in json.dumps(files, ensure_ascii=False)


# ---- numbers beyond range in messages, and jixiao's own cache --------------------------------


def test_a_number_beyond_range_is_shown_as_such_never_as_inf_or_empty() -> None:
    for raw in (float("inf"), float("-inf"), 10**400, -(10**5000)):
        text = shown(raw)  # 10**5000: str() of it would raise
        assert text == HUGE_SHOWN and "inf" not in text and text != EMPTY_SHOWN
    assert shown(float("nan")) == EMPTY_SHOWN
    assert shown(10**39) == "1" + "0" * 39 and shown(-12) == "-12"


def test_a_message_quotes_a_long_cell_by_its_start_and_end(capsys, tmp_path) -> None:
    """400 digits typed as text into 全年执行数: W02 says so, quoting the start and the end
    of the cell, not all 400 digits; what real forms quote (a few words) stays whole."""
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data["预算执行"]["全年执行数"] = "1" + "9" * 398 + "2"
    path = tmp_path / "long-text.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    rc = main(["check", str(path), "--json"])
    out, err = capsys.readouterr()
    assert rc == 1, err
    (w02,) = [f for f in json.loads(out)["findings"] if f["code"] == "W02"]
    quoted = re.search("填的是“([^”]*)”", w02["message"]).group(1)
    assert quoted.startswith("1999") and quoted.endswith("9992") and "…" in quoted
    assert len(quoted) <= 60 and len(w02["message"]) < 120
    assert shown("偏差原因分析及改进措施") == "偏差原因分析及改进措施"
    assert shown("对照年度目标，说明相关任务目标的完成情况（100字以内）") == (
        "对照年度目标，说明相关任务目标的完成情况（100字以内）"
    )


def test_a_damaged_cache_entry_is_checked_again_not_a_crash(tmp_path: Path) -> None:
    cache = ReviewCache(tmp_path, None)
    key = cache.key("表.json", "0" * 64)
    assert cache.put(key, {"ok": 1}) and cache.get(key) == {"ok": 1}
    path = next(tmp_path.rglob(f"{key}.json"))
    path.write_text("[" * 100_000 + "]" * 100_000, "utf-8")  # json.loads: RecursionError
    assert cache.get(key) is None
