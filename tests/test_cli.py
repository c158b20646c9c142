"""`jixiao check` as a user runs it: table or JSON, exit codes, Chinese messages, no tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from support import EXAMPLES

from jixiao.cli import main

WHOLE = str(EXAMPLES / "shifeng-2020-whole.json")
P1 = str(EXAMPLES / "zhaohua-2024-p1.json")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("jixiao")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "jixiao", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_table_output_and_exit_1_when_errors():
    r = run("check", WHOLE)
    assert r.returncode == 1
    assert "S05" in r.stdout and "整体支出表!G47" in r.stdout
    assert (
        r.stdout.strip().splitlines()[-1]
        == "共 12 条（错误 2，警告 8，提示 2）：存在错误，不可提交"
    )


def test_exit_0_when_only_warnings(capsys):
    assert main(["check", P1]) == 0
    assert "可以提交" in capsys.readouterr().out


def test_json_output_shape(capsys):
    assert main(["check", P1, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"file", "findings", "summary", "forms"}
    assert out["summary"] == {"错误": 0, "警告": 4, "提示": 0}
    for f in out["findings"]:
        assert {"code", "severity", "sheet", "cell", "field", "message"} <= set(f)
        assert set(f) <= {
            "code",
            "severity",
            "sheet",
            "cell",
            "field",
            "message",
            "value",
            "expected",
        }


def test_json_for_several_files_is_a_list(capsys):
    main(["check", WHOLE, P1, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert [o["file"] for o in out] == [WHOLE, P1]


def test_profile_option_changes_the_result(tmp_path, capsys):
    form = json.loads((EXAMPLES / "zhaohua-2024-p1.json").read_text("utf-8"))
    form["预算执行"].update(全年执行数=20.5, 执行率=20.5 / 22, 得分=round(205 / 22, 2))
    form["预算执行"]["资金来源"][0]["全年执行数"] = 20.5
    form["总分"]["得分"] = 90 + round(205 / 22, 2)
    path = tmp_path / "f.json"
    path.write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    main(["check", str(path), "--json"])
    national = {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    main(["check", str(path), "--json", "--profile", "sichuan"])
    sichuan = {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert (
        "W07" in national and "W07" not in sichuan
    )  # 93% needs a reason nationally, not in Sichuan


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("check", "missing.json"), "文件 missing.json"),
        (("check", WHOLE, "--profile", "nowhere"), "找不到配置"),
        (("check",), "缺少必需的参数"),
        (("frobnicate",), "无效的选项"),
    ],
)
def test_bad_input_exit_2_with_chinese_message_and_no_traceback(args, said):
    r = run(*args)
    assert r.returncode == 2
    assert said in r.stderr and "Traceback" not in r.stderr + r.stdout


def test_one_unreadable_file_does_not_hide_the_others(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{", "utf-8")
    r = run("check", str(bad), P1)
    assert r.returncode == 2
    assert "bad.json" in r.stderr and "D02" in r.stdout


def test_set_option_runs_cross_checks(tmp_path, capsys):
    other = json.loads((EXAMPLES / "zhaohua-2024-p4.json").read_text("utf-8"))
    other["年度"] = 2023
    path = tmp_path / "p4.json"
    path.write_text(json.dumps(other, ensure_ascii=False), "utf-8")
    main(["check", P1, str(path), "--set", "--json"])
    second = json.loads(capsys.readouterr().out)[1]
    assert any(f["code"] == "X02" and f["field"] == "年度" for f in second["findings"])
