"""The engine's fast loop must find exactly what the plain algorithm finds.

``check_form`` makes a finding only for the first hit of a code on a cell and fills in
messages inline, reads the commonest rows without the general key (``IndicatorReading``),
and turns off the garbage collector while it works. These tests hold each of those to the general path on
many forms: the examples, variants of them with tricky cells (both layouts, both value
columns, names, scores, costs), and the real published forms of the corpus read from the
workbooks they are rebuilt as.
"""

from __future__ import annotations

import copy
import gc
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from corpus import build
from support import EXAMPLE_FILES, load_example

from jixiao.core.assess import IndicatorReading, label_reading, value_reading
from jixiao.core.findings import Finding
from jixiao.core.form import Form, SelfEvalForm
from jixiao.core.interchange import form_from_data
from jixiao.core.profile import Profile, load_profile
from jixiao.readers.workbook import read_workbook_file
from jixiao.rules.base import REGISTRY, Check, Context, indicator_readings, to_finding
from jixiao.rules.engine import check_form, check_set, clear_caches, settle

PROFILES = ["national", "sichuan", "hunan"]

TARGETS: list[Any] = [
    "≥95%", "＞＝９５％", "≤90万元", "95%", 95, 95.0, 0, "不低于18场次", "18家以上", "2020年12月前",
    "优", "好", "及时", "不断提高", "—", "", None, "≥1", "100%", "120%", "-5%", "1,234.5万元",
]  # fmt: skip
ACTUALS: list[Any] = [
    "96.5%", "93.21%", "≥17场次", "85万元", 80, 101.5, 0, -0.0, "良", "较好", "不及时", "已完成",
    "/", "", None, "≥1", "150%", "2020年11月", "3000元", 12.5, "12.5亿元",
]  # fmt: skip
OPS: list[Any] = ["≥", "＞＝", "≤", "=", "定性", "定量", "95", 12, None]
UNITS: list[Any] = ["%", "％", "家", "万元", "元", "场次", "个/万元", "", None]
LEVEL1: list[Any] = [
    "产出指标",
    "产出",
    "效益指标",
    "满意度指标(10分)",
    "(30分)",
    "成本指标",
    "",
    None,
]
LEVEL2: list[Any] = [
    "数量指标",
    "质量",
    "经济成本指标",
    "服务对象满意度指标",
    "满意度",
    "自定义",
    "",
]
NAMES: list[Any] = ["培训合格率", "满意度", "项目总成本", "其中：桃树", "指标1：", "……", "", 5]
SCORES: list[Any] = [0, 5, 5.5, 10, 12, -1, "5", "满分", None, "", 30]
REASONS: list[Any] = ["", "无", "/", "天气原因", None]


def _variants(seed: int, n: int) -> list[dict[str, Any]]:
    """Example forms with their rows' cells shuffled about, in both layouts."""
    rng = random.Random(seed)
    seeds = [load_example(p.name) for p in EXAMPLE_FILES]
    out = []
    for _ in range(n):
        data = copy.deepcopy(rng.choice(seeds))
        sichuan = rng.random() < 0.4
        for row in data.get("绩效指标") or []:
            if not isinstance(row, dict):
                continue
            row["指标值"] = rng.choice(TARGETS)
            row["实际完成值"] = rng.choice(ACTUALS)
            if sichuan:
                row["指标性质"] = rng.choice(OPS)
                row["度量单位"] = rng.choice(UNITS)
            if rng.random() < 0.3:
                row["一级指标"] = rng.choice(LEVEL1)
            if rng.random() < 0.3:
                row["二级指标"] = rng.choice(LEVEL2)
            if rng.random() < 0.3:
                row["三级指标"] = rng.choice(NAMES)
            for key in ("分值", "得分"):
                if rng.random() < 0.3:
                    row[key] = rng.choice(SCORES)
            if rng.random() < 0.5:
                row["偏差原因"] = rng.choice(REASONS)
            if rng.random() < 0.05:
                row.clear()
        out.append(data)
    return out


def _forms(datas: list[dict[str, Any]]) -> list[Form]:
    return [form_from_data(copy.deepcopy(d), "f.json") for d in datas]


def _corpus_forms(tmp: Path) -> list[Form]:
    forms: list[Form] = []
    for path in build.all_forms():
        xlsx = build.to_xlsx(build.load(path), tmp / f"{path.stem}.xlsx")
        forms.extend(read_workbook_file(xlsx, xlsx.name).forms)
    return forms


@pytest.fixture(scope="module")
def corpus_forms(tmp_path_factory: pytest.TempPathFactory) -> list[Form]:
    return _corpus_forms(tmp_path_factory.mktemp("corpus"))


def _straightforward(
    form: Form,
    profile: Profile,
    others: Sequence[Form] = (),
    reference: Form | None = None,
    checks: Sequence[Check] = REGISTRY,
) -> list[Finding]:
    """What check_form computes, written plainly: every hit made into a finding by
    to_finding, then settle() (one per code and cell, superseded codes dropped) and the
    stable sort by cell. The engine's loop skips and inlines; it must give the same."""
    ctx = Context(form, profile, tuple(others), reference)
    found: list[Finding] = []
    order: list[tuple[str, int, int, str]] = []
    for chk in (c for c in checks if c.applies(ctx)):
        for hit in chk.rule(ctx):
            place = ctx.place(hit.field)
            found.append(to_finding(chk, hit, place))
            order.append((place[0], place[2], place[3], chk.code))
    kept = settle(found)
    where = {id(f): k for k, f in enumerate(found)}
    return sorted(kept, key=lambda f: order[where[id(f)]])


@pytest.mark.parametrize("profile", PROFILES)
def test_check_form_finds_what_the_plain_algorithm_finds(profile: str) -> None:
    chosen = load_profile(profile)
    datas = [load_example(p.name) for p in EXAMPLE_FILES] + _variants(22, 300)
    clear_caches()
    fast = [check_form(f, chosen) for f in _forms(datas)]
    clear_caches()
    plain = [_straightforward(f, chosen) for f in _forms(datas)]
    assert fast == plain
    assert sum(map(len, fast)) > 3000  # the variants do find things
    timed: dict[str, float] = {}
    assert [check_form(f, chosen, timings=timed) for f in _forms(datas)] == plain
    assert set(timed) >= {"W", "S", "D", "Q"}


def test_a_subset_of_the_checks_runs_only_those() -> None:
    chosen = load_profile("national")
    datas = _variants(23, 60)
    for codes in (["S09"], ["Q01", "Q07", "W01"], ["S03", "W07", "D01", "Q05"]):
        subset = [c for c in REGISTRY if c.code in codes]
        for form, again in zip(_forms(datas), _forms(datas), strict=True):
            found = check_form(form, chosen, checks=subset)
            assert found == _straightforward(again, chosen, checks=subset)
            assert {f.code for f in found} <= set(codes)


def test_corpus_forms_find_what_the_plain_algorithm_finds(corpus_forms: list[Form]) -> None:
    assert any(f.cells for f in corpus_forms)  # forms with cells of their own, not a template's
    for profile in PROFILES:
        chosen = load_profile(profile)
        reference = corpus_forms[0]
        assert check_set(corpus_forms, chosen) == [
            _straightforward(
                f, chosen, others=[o for o in corpus_forms if o is not f], reference=reference
            )
            for f in corpus_forms
        ]


def test_rows_are_read_as_the_general_reading_reads_them() -> None:
    chosen = load_profile("national")
    for form in _forms(_variants(24, 200)):
        if not isinstance(form, SelfEvalForm):
            continue
        for ind in form.filled_indicators:
            r = IndicatorReading(ind, chosen)
            assert r.values == value_reading(ind), ind  # test_engine_speed: the computed one
            assert r.labels == label_reading(ind), ind


def test_the_garbage_collector_is_left_as_it_was() -> None:
    chosen = load_profile("national")
    forms = _forms(_variants(25, 40))
    assert gc.isenabled()
    check_form(forms[0], chosen)
    assert gc.isenabled()
    gc.disable()
    try:
        check_form(forms[1], chosen)
        assert not gc.isenabled()
    finally:
        gc.enable()
    # Why turning it off is safe: checking makes no reference cycles, so nothing is left
    # for the collector to find (the objects a check makes are freed as they are dropped).
    gc.collect()
    for form in forms:
        found = check_form(form, chosen)
        ctx = Context(form, chosen)
        if isinstance(form, SelfEvalForm):
            indicator_readings(ctx)
        del ctx, found
    assert gc.collect() == 0
