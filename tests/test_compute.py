"""The computations of rules.md, including the two published errors they must reproduce."""

from __future__ import annotations

import math

from hypothesis import assume, given
from hypothesis import strategies as st

from jixiao.core import compute
from jixiao.core.form import rate_value
from jixiao.core.profile import load_profile

amounts = st.floats(min_value=0.01, max_value=1e6, allow_nan=False)
anything = st.one_of(st.none(), st.text(max_size=5), st.floats(), st.integers(), st.booleans())


def test_published_execution_rate_error():
    # 1.87 / 10.00 is 18.70%, not the 18.75% printed
    rate = compute.execution_rate(1.87, 10.00)
    assert compute.round_half_up(rate * 100, 2) == 18.70
    assert not compute.same_at(rate, 0.1875, 4)


def test_published_deviation_error():
    # (1.84 − 2.30) / 2.30 is −20%, not the −25% printed
    dev = compute.deviation_rate(2.30, 1.84)
    assert compute.round_half_up(dev * 100, 2) == -20.0


def test_execution_rate_uses_full_year_budget_and_blanks_on_zero():
    assert compute.execution_rate(22, 22) == 1.0
    assert compute.execution_rate(22, 0) is None
    assert compute.execution_rate(22, None) is None


def test_execution_score_caps_at_points():
    assert compute.execution_score(10, 1.2) == 10
    assert math.isclose(compute.execution_score(10, 0.187), 1.87)


def test_completion_rate_by_direction():
    assert math.isclose(compute.completion_rate("≥", 18, 6), 1 / 3)
    assert compute.completion_rate("≤", 12, 10) == 1.0  # full when under the cap
    assert math.isclose(compute.completion_rate("≤", 12, 24), 0.5)


def test_grade_bands_of_the_national_profile():
    bands = load_profile().grades
    assert [compute.grade(x, bands) for x in (100, 90, 89.99, 80, 60, 59.9)] == [
        "优",
        "优",
        "良",
        "良",
        "中",
        "差",
    ]


def test_basic_table_ratios():
    assert compute.staff_control_rate(3, 4) == 0.75
    assert math.isclose(compute.three_public_change_rate(0.3, 0.2), 0.5)
    assert math.isclose(compute.carryover_rate(2, 20), 0.1)
    assert math.isclose(compute.final_vs_budget_rate(22, 12), 10 / 12)
    assert compute.control_rate(36.04, 0) is None


@given(anything, anything)
def test_rates_never_raise_on_what_a_cell_can_hold(a, b):
    for fn in (
        compute.execution_rate,
        compute.deviation_rate,
        compute.budget_adjustment_rate,
        compute.control_rate,
    ):
        r = fn(a, b)
        assert r is None or isinstance(r, float)


@given(amounts, amounts)
def test_deviation_is_antisymmetric_in_sign(target, actual):
    # above the target by x is a positive deviation, below it a negative one
    dev = compute.deviation_rate(target, actual)
    assert (dev > 0) == (actual > target) and (dev < 0) == (actual < target)


@given(amounts, amounts)
def test_lower_is_better_mirrors_higher_is_better(cap, spent):
    # ≤ cap with spent > cap scores like ≥ spent reached only cap
    assume(spent > cap)
    assert math.isclose(
        compute.completion_rate("≤", cap, spent), compute.completion_rate("≥", spent, cap)
    )


@given(amounts, amounts, st.floats(min_value=0, max_value=100))
def test_scores_stay_within_points(a, b, points):
    for op in ("≥", "≤", "=", ">", "<"):
        rate = compute.completion_rate(op, a, b)
        score = compute.reference_score(points, rate)
        assert 0 <= score <= points + 1e-9


@given(amounts, amounts)
def test_execution_rate_times_budget_gives_back_execution(executed, budget):
    assert math.isclose(compute.execution_rate(executed, budget) * budget, executed, rel_tol=1e-9)


def test_a_rate_typed_as_text_reads_as_the_same_number_typed():
    """A Word table holds every cell as text: "20" in the 执行率 cell is 20%, as the number
    20 in a workbook cell is (no real rate is ten-fold), not 2000%."""
    for typed, text, rate in ((20, "20", 0.2), (100, "100", 1.0), (0.95, "0.95", 0.95),
                              (18.7, "18.7", 0.187), (1, "1", 1.0)):  # fmt: skip
        assert math.isclose(rate_value(typed), rate) and math.isclose(rate_value(text), rate)
    assert math.isclose(rate_value("20%"), 0.2) and math.isclose(rate_value("102.59%"), 1.0259)
    assert rate_value("不详") is None
