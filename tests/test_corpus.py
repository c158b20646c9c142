"""Real published forms (tests/corpus/forms) as workbooks: does ``jixiao validate`` read them?

Each corpus file is a form transcribed cell by cell with the findings a careful reviewer
reports (``expected``). The form is laid out again as an .xlsx (tests/corpus/build.py) — a
sheet as its authors laid it out, no jixiao template — and validated:

a) every expected finding is reported, in the same cell (or, where the corpus gives no cell,
   with the same field);
b) no 错误 that the reviewer did not report (a false 错误 blocks a correct submission) —
   apart from those that follow from the holes of the transcription (HOLES: a page cut off,
   a value that could not be read), which a correct reader may report on the rebuilt sheet;
c) no message shows an internal placeholder or a Python value;
d) forms of other frameworks (20/80 scoring, 决策/管理/绩效 …) get at most 3 错误: jixiao
   may not know their scoring, but must not bury them in errors (holes aside);
e) the form's sheet is read, not skipped;
f) it is read as the type of form it is (项目支出 / 部门整体 / 基础数据表).

Every form is also sent as a Word table (.docx), and three as .xls: the same findings.

Run as a script for the baseline table (expected found / missing / false 错误 per form)::

    python tests/test_corpus.py            # the .xlsx of every form
    python tests/test_corpus.py --formats  # and .xls/.docx of the three
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from corpus import build
from openpyxl.utils import coordinate_to_tuple

from jixiao.cli import main

FORMS = build.all_forms()
NAMES = [p.name for p in FORMS]

# Frameworks whose scoring rules.md describes; the others get check (d).
KNOWN_FRAMEWORKS = {"national", "sichuan", "hunan", "no-scores"}
OTHER_NAMES = [p.name for p in FORMS if build.load(p.name)["framework"] not in KNOWN_FRAMEWORKS]
MAX_ERRORS_OTHER_FRAMEWORK = 3

# One national form, one Sichuan form and the basic data table, also as .xls and .docx.
FORMAT_NAMES = [
    "11-yunnan-2023-linxiang-shourongsuo.json",
    "06-sichuan-2023-qingshen-gongzi.json",
    "15-buxiang-2018-jichushuju.json",
]

# What a message must never show: internal placeholders, Python values, program structure.
PLAIN_WORDS = re.compile(r"(?<![A-Za-z])(MISSING|ABSENT|None|nan|NaN|inf|Infinity)(?![A-Za-z])")
PLAIN_SUBSTRINGS = ("[", "{", "Traceback")

# Findings that follow from the holes of a transcription — the stored page was cut off, or a
# value could not be read (each file's notes say which): the rebuilt sheet really lacks those
# cells, so a correct reader may report them, but the reviewer of the visible page could not
# list them in `expected`. They are neither required nor counted as false 错误 (nor in d).
# code -> the rows (1-based) of the hole, or how many such findings anywhere on the sheet
# (W04: one per 一级 block that the cut removed; S04–S06: the 总分 row is not on the page).
TOTALS_CUT = {"S04": 1, "S05": 1, "S06": 1}
HOLES: dict[str, dict[str, set[int] | int]] = {
    "01-anhui-2022-chizhou-weituo.json": {**TOTALS_CUT, "W04": 1, "W05": {24}},
    "02-anhui-2022-chizhou-cunji.json": {**TOTALS_CUT, "W04": 1},
    "04-anhui-2023-xiaoxian-tesezhongyang.json": {**TOTALS_CUT, "W04": 1},
    "05-hebei-2019-langfang-nuantong.json": {**TOTALS_CUT},
    # rows 1-7: the tail of the previous project (its header, budget and goals on the previous
    # page); row 8 on: the next form, cut off in its first indicator row. Two forms, each with
    # its 分值 total cut (S04 ×2).
    "07-sichuan-2023-daying-anke.json": {
        **TOTALS_CUT, "S04": 2, "W01": 2, "W02": 2, "W04": 4, "W05": {21},
    },
    "09-sichuan-2023-zitong-rendazhijia.json": {"W04": 3},
    "11-yunnan-2023-linxiang-shourongsuo.json": {**TOTALS_CUT, "W05": {18}},
    "12-yunnan-2022-longyang-huafei.json": {"W04": 1},
    "13-yunnan-2020-lijiang-weipian.json": {**TOTALS_CUT, "W05": {17}},
    # 填报单位 is blank in the stored preview (the unit could not be identified)
    "15-buxiang-2018-jichushuju.json": {"W01": 1},
    "16-ningxia-2021-yinchuan-gongyong.json": {"S04": 1, "S06": 1, "W04": 1, "W05": {34}},
    "17-fujian-2018-ningde-fangzhi.json": {**TOTALS_CUT, "W04": 2, "W05": {16}},
    "18-hubei-2021-guangshui-xiangcundaolu.json": {**TOTALS_CUT, "W04": 2, "W05": {18, 19}},
    "19-hubei-2019-guangshui-juyuwang.json": {**TOTALS_CUT, "W04": 2, "W05": {18, 19, 20}},
    "20-hubei-2021-xiangyang-dongjin.json": {**TOTALS_CUT, "W04": 1, "W05": {16}},
    "21-jiangxi-2021-shangrao-sifa.json": {"W04": 3},
    # 一级/二级 of the first block and the two budget amounts unreadable; 三级 of rows 15-16 lost
    "22-shanxi-2021-jishan-gongwei.json": {
        **TOTALS_CUT, "W02": 2, "W04": 3, "W05": {15, 16, 38}, "W06": set(range(13, 38)),
    },
    "23-beijing-2016-haidian-baojie.json": {**TOTALS_CUT, "W04": 2, "W05": {11}},
    # OCR gaps: the budget amounts, the unit's name, a few 指标值; cut off at row 28
    "24-chongqing-2021-kexuecheng-rongmeiti.json": {
        **TOTALS_CUT, "W01": 1, "W02": 2, "W05": {10, 16, 24, 25, 28},
    },
    # cut off after the first indicator row, whose 一级 label and values are on the next page
    "25-neimenggu-2022-linhe-jiuyebuzhu.json": {"W04": 1},
    # cut off at 生态效益
    "26-hunan-2021-lingling-linyeju.json": {**TOTALS_CUT, "W04": 1},
    # cut off inside the 社会效益 row (row 24)
    "27-shandong-2019-licheng-mianfeikaifang.json": {**TOTALS_CUT, "W04": 1, "W05": {24}},
    # cut off in the first 成本指标 row: 效益, 满意度 and 总分 are on the next page
    "28-anhui-2023-jinzhai-chagu.json": {**TOTALS_CUT, "W04": 1},
    # cut off at the indicator header: no indicator row is on the page
    "29-anhui-2024-tianjiaan-jiuye.json": {"W04": 1},
    # cut off in the 19th 数量指标 row (row 29), before its 得分
    "31-yunnan-2022-changning-shengzhu.json": {"W05": {29}},
    # cut off inside the indicator header: no indicator row is on the page
    "34-guizhou-2021-suiyang-taibaizhen.json": {"W04": 1},
    # cut off after the third indicator row; the year is only in the page around the table
    "39-yunnan-2023-baoshan-nengyuan.json": {**TOTALS_CUT, "W01": 1, "W04": 1},
    # the table has no unit row: the 决算 document it is attached to names the unit
    "41-hunan-2023-hengshan-guantang-jichushuju.json": {"W01": 1},
    # cut off inside 预期目标: no indicator row is on the page
    "42-hunan-2023-hengshan-guantang-zhengti.json": {"W04": 1},
    # cut off in the second indicator row
    "44-sichuan-2023-chaotian-quanminjianshen.json": {"W04": 1},
    # cut off at the 满意度 heading
    "46-hubei-2021-caidian-senlinfanghuo.json": {"W04": 1},
    # cut off in the first 社会效益 row: 满意度 and 总分 are on the next page
    "47-hubei-2021-ezhou-shiminzhongxin.json": {**TOTALS_CUT, "W04": 1},
    # cut off inside 资金管理情况: no goals and no indicator row are on the page
    "53-anhui-2023-xuancheng-dongwufangyi.json": {"W04": 1},
}  # fmt: skip

ERROR = "错误"


@dataclass
class Run:
    """One ``jixiao validate --json`` run."""

    rc: int
    report: dict[str, Any] | None
    stdout: str = ""
    stderr: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return self.rc in (0, 1) and self.report is not None

    def why_not(self) -> str:
        return f"exit {self.rc}: {self.stderr.strip() or self.stdout.strip()[:500]}"


def profile_for(form: dict[str, Any]) -> str:
    """The corpus' expectations use the Sichuan profile for Sichuan forms, national otherwise."""

    return "sichuan" if form.get("province") == "四川" else "national"


def validate_args(path: Path, out: Path, form: dict[str, Any]) -> list[str]:
    return ["validate", str(path), "-o", str(out), "--json", "--profile", profile_for(form)]


def make_run(rc: int, stdout: str, stderr: str) -> Run:
    report = None
    if rc in (0, 1):
        try:
            report = json.loads(stdout)
        except ValueError:
            report = None
    findings = list(report.get("findings", [])) if report else []
    return Run(rc, report, stdout, stderr, findings)


def call_main(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as e:  # argparse refusing the arguments
        return e.code if isinstance(e.code, int) else 2


# ---- comparing with the corpus ---------------------------------------------------------------


def on_sheet(form: dict[str, Any], finding: dict[str, Any]) -> bool:
    return finding.get("sheet") in (None, form["sheet"])


def matches(expected: dict[str, Any], finding: dict[str, Any], form: dict[str, Any]) -> bool:
    """Same code and cell; where the corpus gives no cell, same code and field."""

    if finding.get("code") != expected["code"] or not on_sheet(form, finding):
        return False
    if expected.get("cell"):
        return str(finding.get("cell", "")).replace("$", "") == expected["cell"]
    return finding.get("field") == expected.get("field")


def missing_expected(form: dict[str, Any], findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in form["expected"] if not any(matches(e, f, form) for f in findings)]


def row_of(finding: dict[str, Any]) -> int | None:
    cell = str(finding.get("cell") or "").replace("$", "")
    return coordinate_to_tuple(cell)[0] if re.fullmatch(r"[A-Z]+[0-9]+", cell) else None


def hole_findings(name: str, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 错误 that follow from a hole of the transcription (see HOLES)."""

    holes = HOLES.get(name, {})
    left = {code: n for code, n in holes.items() if isinstance(n, int)}
    found = []
    for f in findings:
        if f.get("severity") != ERROR or f.get("code") not in holes:
            continue
        where = holes[f["code"]]
        if isinstance(where, int):
            if left[f["code"]] > 0:
                left[f["code"]] -= 1
                found.append(f)
        elif row_of(f) in where:
            found.append(f)
    return found


def false_errors(
    name: str, form: dict[str, Any], findings: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Reported 错误 that the reviewer did not report (by code and cell), holes aside."""

    unexplained = [
        f
        for f in findings
        if f.get("severity") == ERROR and not any(matches(e, f, form) for e in form["expected"])
    ]
    holes = hole_findings(name, unexplained)
    return [f for f in unexplained if not any(f is h for h in holes)]


def unplain_messages(findings: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    bad = []
    for f in findings:
        message = str(f.get("message", ""))
        words = [m.group(1) for m in PLAIN_WORDS.finditer(message)]
        words += [s for s in PLAIN_SUBSTRINGS if s in message]
        if words:
            bad.append((f, "、".join(dict.fromkeys(words))))
    return bad


def at(finding: dict[str, Any]) -> str:
    return f"{finding.get('code')}@{finding.get('cell') or finding.get('field')}"


def docx_cell(a1: str) -> str:
    """A1 on the sheet → the docx table position as jixiao names it: "第R行第C列"."""

    row, col = coordinate_to_tuple(a1.replace("$", ""))
    return f"第{row}行第{col}列"


def keys(findings: list[dict[str, Any]], *, cells: str | None = None) -> Counter:
    """(code, field, cell) of each finding; for a .docx the cells as 第R行第C列."""

    out: Counter = Counter()
    for f in findings:
        cell = str(f.get("cell") or "").replace("$", "")
        if cells == "docx" and re.fullmatch(r"[A-Z]+[0-9]+", cell):
            cell = docx_cell(cell)
        out[(f.get("code"), f.get("field"), cell)] += 1
    return out


# ---- runs (one per form and format, shared by the tests) -------------------------------------

_RUNS: dict[tuple[str, str], Run] = {}


@pytest.fixture
def form(name: str) -> dict[str, Any]:
    return build.load(name)


@pytest.fixture
def xlsx_run(name: str, form, tmp_path_factory, capsys) -> Run:
    """The form built as .xlsx and validated (once per session)."""

    if (name, "xlsx") not in _RUNS:
        folder = tmp_path_factory.mktemp("corpus-xlsx")
        book = build.to_xlsx(form, folder / (Path(name).stem + ".xlsx"))
        capsys.readouterr()
        rc = call_main(validate_args(book, folder / "校验.xlsx", form))
        out, err = capsys.readouterr()
        _RUNS[name, "xlsx"] = make_run(rc, out, err)
    return _RUNS[name, "xlsx"]


def findings_of(run: Run) -> list[dict[str, Any]]:
    if not run.readable:
        pytest.fail(f"jixiao validate could not read the form: {run.why_not()}")
    return run.findings


# ---- the corpus checks -----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_expected_finding_is_reported(name, form, xlsx_run):
    findings = findings_of(xlsx_run)
    missing = missing_expected(form, findings)
    assert not missing, "not reported: " + "; ".join(
        f"{e['code']} {e['cell'] or e['field']} ({e['reason']})" for e in missing
    )


@pytest.mark.parametrize("name", NAMES)
def test_no_false_errors(name, form, xlsx_run):
    wrong = false_errors(name, form, findings_of(xlsx_run))
    assert not wrong, f"{len(wrong)} 错误 the reviewer did not report: " + "; ".join(
        f"{at(f)} {f.get('message')}" for f in wrong[:15]
    )


@pytest.mark.parametrize("name", NAMES)
def test_messages_show_no_internal_values(name, xlsx_run):
    bad = unplain_messages(findings_of(xlsx_run))
    assert not bad, "; ".join(f"{at(f)} shows {what}: {f.get('message')}" for f, what in bad[:10])


@pytest.mark.parametrize("name", OTHER_NAMES)
def test_forms_of_other_frameworks_get_few_errors(name, form, xlsx_run):
    findings = findings_of(xlsx_run)
    holes = hole_findings(name, findings)
    errors = [f for f in findings if f.get("severity") == ERROR and not any(f is h for h in holes)]
    assert len(errors) <= MAX_ERRORS_OTHER_FRAMEWORK, (
        f"{form['framework']} form: {len(errors)} 错误: " + ", ".join(at(f) for f in errors[:20])
    )


@pytest.mark.parametrize("name", NAMES)
def test_the_forms_sheet_is_read(name, form, xlsx_run):
    assert xlsx_run.readable, xlsx_run.why_not()
    skipped = {s["sheet"]: s["reason"] for s in xlsx_run.report.get("skipped", [])}
    assert form["sheet"] not in skipped, f"skipped: {skipped[form['sheet']]}"


FORM_TYPES = ("项目支出绩效自评表", "部门整体支出绩效自评表", "部门整体支出绩效评价基础数据表")


@pytest.mark.parametrize("name", [n for n in NAMES if build.load(n)["form_type"] in FORM_TYPES])
def test_the_form_is_read_as_its_type(name, form, xlsx_run):
    """f) what the 汇总 of a review lists as 表类型: a 转移支付 form is a project's."""
    assert xlsx_run.readable, xlsx_run.why_not()
    read = [f.get("表类型") for f in xlsx_run.report.get("forms", [])]
    assert form["form_type"] in read, read


# ---- the same form as .xls and .docx ---------------------------------------------------------


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_xls_gives_the_same_findings_as_xlsx(name, form, xlsx_run, tmp_path, capsys):
    findings_of(xlsx_run)
    book = build.to_xlsx(form, tmp_path / "form.xlsx")
    xls = build.to_xls(book, tmp_path / "xls")
    capsys.readouterr()
    rc = call_main(validate_args(xls, tmp_path / "校验.xls", form))
    run = make_run(rc, *capsys.readouterr())
    assert keys(findings_of(run)) == keys(xlsx_run.findings)


# Every form as an .xls written directly (as Excel 97–2003 saves it; no LibreOffice needed, so
# all of them): the same findings, cell for cell, and the same 汇总 line.
@pytest.mark.parametrize("name", NAMES)
def test_xls_written_directly_gives_the_same_findings_and_summary(
    name, form, xlsx_run, tmp_path, capsys
):
    findings_of(xlsx_run)
    xls = build.to_biff(form, tmp_path / "form.xls")
    capsys.readouterr()
    rc = call_main(validate_args(xls, tmp_path / "校验.xls", form))
    run = make_run(rc, *capsys.readouterr())
    assert keys(findings_of(run)) == keys(xlsx_run.findings)
    assert run.report.get("forms") == xlsx_run.report.get("forms")


# Every form as a Word table (no LibreOffice needed, so all of them): every cell is text there.
@pytest.mark.parametrize("name", NAMES)
def test_docx_gives_the_same_findings_and_summary_as_xlsx(name, form, xlsx_run, tmp_path, capsys):
    findings_of(xlsx_run)
    document = build.to_docx(form, tmp_path / "form.docx")
    capsys.readouterr()
    rc = call_main(validate_args(document, tmp_path / "校验.docx", form))
    run = make_run(rc, *capsys.readouterr())
    assert keys(findings_of(run), cells="docx") == keys(xlsx_run.findings, cells="docx")
    # and the same line in a review's 汇总 (unit, amounts, 执行率, 总分 …), but the sheet's name
    lines = [[{k: v for k, v in f.items() if k != "sheet"} for f in r.report.get("forms", [])]
             for r in (run, xlsx_run)]  # fmt: skip
    assert lines[0] == lines[1]


# A Word report prints the title, the year and "单位名称：…" above the table, as paragraphs.
@pytest.mark.parametrize("name", [n for n in NAMES if build.heading_lines(build.load(n))])
def test_docx_with_the_title_above_the_table_reads_the_same(name, form, xlsx_run, tmp_path, capsys):
    findings_of(xlsx_run)
    document = build.to_docx(form, tmp_path / "form.docx", headings_above=True)
    capsys.readouterr()
    rc = call_main(validate_args(document, tmp_path / "校验.docx", form))
    run = make_run(rc, *capsys.readouterr())

    def codes(findings: list[dict[str, Any]]) -> Counter:
        return Counter((f.get("code"), f.get("field"), f.get("severity")) for f in findings)

    assert codes(findings_of(run)) == codes(xlsx_run.findings)
    lines = [[{k: v for k, v in f.items() if k != "sheet"} for f in r.report.get("forms", [])]
             for r in (run, xlsx_run)]  # fmt: skip
    assert lines[0] == lines[1]


# ---- baseline table (python tests/test_corpus.py) --------------------------------------------


def run_quietly(args: list[str]) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = call_main(args)
    return make_run(rc, out.getvalue(), err.getvalue())


def baseline(formats: bool = False) -> str:
    lines = []
    totals = Counter()
    with tempfile.TemporaryDirectory(prefix="jixiao-corpus-") as tmp:
        folder = Path(tmp)
        for path in FORMS:
            form = build.load(path.name)
            book = build.to_xlsx(form, folder / (path.stem + ".xlsx"))
            run = run_quietly(validate_args(book, folder / (path.stem + "_校验.xlsx"), form))
            lines += describe(path.name, form, run, "xlsx", totals)
            if formats and path.name in FORMAT_NAMES:
                xls = build.to_xls(book, folder / "xls")
                other = run_quietly(validate_args(xls, folder / "xls" / "校验.xls", form))
                lines += describe(path.name, form, other, "xls", Counter(), xlsx=run)
                document = build.to_docx(form, folder / (path.stem + ".docx"))
                other = run_quietly(validate_args(document, folder / "校验.docx", form))
                lines += describe(path.name, form, other, "docx", Counter(), xlsx=run)
    head = (
        f"TOTAL expected {totals['expected']}: found {totals['found']}, "
        f"missing {totals['expected'] - totals['found']}; false 错误 {totals['false']}; "
        f"messages with placeholders {totals['unplain']}; unreadable/skipped {totals['unread']}"
    )
    return "\n".join([*lines, "", head])


def describe(
    name: str, form: dict[str, Any], run: Run, kind: str, totals: Counter, xlsx: Run | None = None
) -> list[str]:
    label = f"{name.removesuffix('.json')} [{kind}, {form['framework']}]"
    if not run.readable:
        totals["unread"] += 1
        totals["expected"] += len(form["expected"])
        return [f"{label}: UNREADABLE {run.why_not()}"]
    skipped = {s["sheet"]: s["reason"] for s in run.report.get("skipped", [])}
    findings = run.findings
    missing = missing_expected(form, findings)
    wrong = false_errors(name, form, findings)
    holes = hole_findings(
        name, [f for f in findings if not any(matches(e, f, form) for e in form["expected"])]
    )
    unplain = unplain_messages(findings)
    n_expected = len(form["expected"])
    totals["expected"] += n_expected
    totals["found"] += n_expected - len(missing)
    totals["false"] += len(wrong)
    totals["unplain"] += len(unplain)
    totals["unread"] += form["sheet"] in skipped
    summary = run.report.get("summary", {})
    out = [
        f"{label}: expected {n_expected - len(missing)}/{n_expected} found; "
        f"false 错误 {len(wrong)} (+{len(holes)} on holes); reported 错误/警告/提示 "
        f"{summary.get('错误', 0)}/{summary.get('警告', 0)}/{summary.get('提示', 0)}; "
        f"placeholder messages {len(unplain)}"
    ]
    if form["sheet"] in skipped:
        out.append(f"    SKIPPED: {skipped[form['sheet']]}")
    if missing:
        out.append(
            "    missing: " + ", ".join(f"{e['code']}@{e['cell'] or e['field']}" for e in missing)
        )
    if wrong:
        by_code = Counter(f["code"] for f in wrong)
        out.append(
            "    false 错误: "
            + ", ".join(f"{code}×{n}" for code, n in sorted(by_code.items()))
            + " — "
            + ", ".join(at(f) for f in wrong[:12])
            + (" …" if len(wrong) > 12 else "")
        )
    if unplain:
        out.append("    placeholders: " + ", ".join(f"{at(f)}({what})" for f, what in unplain[:8]))
    if xlsx is not None and xlsx.readable:
        cells = "docx" if kind == "docx" else None
        diff = keys(findings, cells=cells)
        diff.subtract(keys(xlsx.findings, cells=cells))
        off = {k: n for k, n in diff.items() if n}
        out.append(f"    differs from xlsx: {len(off)} keys" if off else "    same as xlsx")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Baseline: expected vs reported per corpus form")
    parser.add_argument("--formats", action="store_true", help="also the three .xls/.docx forms")
    print(baseline(parser.parse_args().formats))
    sys.exit(0)
