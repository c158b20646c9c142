"""Run the checks over one form or a unit's set of forms.

Three steps: run every check that applies to the form (its type; its assumptions — a form
without scores skips the score checks, a form of another framework the national ones),
then settle the findings so that each cause is reported once, then sort them in sheet
order.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from jixiao.core import memo
from jixiao.core.findings import Finding, new_finding
from jixiao.core.form import Form
from jixiao.core.gcpause import without_cycle_collection
from jixiao.core.profile import Profile, load_profile
from jixiao.rules import REGISTRY, Check, Context
from jixiao.rules.base import framework, plain, render, scored


def check_form(
    form: Form,
    profile: Profile | None = None,
    *,
    others: Sequence[Form] = (),
    reference: Form | None = None,
    timings: dict[str, float] | None = None,
    checks: Iterable[Check] = REGISTRY,
) -> list[Finding]:
    """All findings for one form, in sheet order. ``timings`` accumulates seconds per family."""
    # Checking makes no reference cycles — everything it makes is freed as it is dropped
    # (tests/test_engine_loop.py) — so the collector has nothing to find here; left on, it
    # would walk the whole batch of forms and findings again and again (about a twelfth of
    # the time of a batch).
    return without_cycle_collection(_check_form, form, profile, others, reference, timings, checks)


def _check_form(
    form: Form,
    profile: Profile | None,
    others: Sequence[Form],
    reference: Form | None,
    timings: dict[str, float] | None,
    checks: Iterable[Check],
) -> list[Finding]:
    profile = profile or load_profile()
    ctx = Context(form, profile, tuple(others), reference)
    plan = _plan(ctx, tuple(checks))
    place = ctx.place
    found: list[Finding] = []
    order: list[tuple[str, int, int, str]] = []  # sheet, row, column, code
    # A code is reported once per cell (settle()): a hit of a code already reported where
    # it points is not made into a finding at all.
    seen: set[tuple[str, str, str]] = set()
    add, add_order, add_seen = found.append, order.append, seen.add
    for chk in plan.run:
        start = time.perf_counter() if timings is not None else 0.0
        code, severity, template = chk.code, chk.severity, chk.template
        for hit in chk.rule(ctx):
            # to_finding(), inlined: this loop makes every finding of a batch.
            field = hit.field
            sheet, cell, row, col = place(field)
            at = (code, sheet, cell or field)
            if at in seen:
                continue
            add_seen(at)
            add(
                new_finding(
                    code,
                    hit.severity or severity,
                    sheet,
                    cell,
                    field,
                    render(hit.template or template, hit.params),
                    plain(hit.value),
                    plain(hit.expected),
                    "",
                )
            )
            add_order((sheet, row, col, code))
        if timings is not None:
            timings[chk.family] = timings.get(chk.family, 0.0) + time.perf_counter() - start
    # settle() on what is left: already one finding per code and cell, so only a finding
    # that another check's finding on the same cell supersedes is dropped (the same ones
    # settle() drops: dropping duplicates first leaves each cell the same codes).
    superseded = plan.superseded
    if any(f.code in superseded for f in found):
        kept = _settled(found, [_place(f) for f in found], plan)
    else:
        kept = list(range(len(found)))
    kept.sort(key=order.__getitem__)  # stable: equal places keep the order found
    return [found[k] for k in kept]


@dataclass(frozen=True)
class _Plan:
    """The checks that run on one kind of form, and how their findings settle."""

    run: tuple[Check, ...]
    supersedes: dict[str, frozenset[str]]  # code -> the codes it replaces on the same cell
    superseded: frozenset[str]  # every code some check replaces


def _make_plan(ctx: Context, checks: tuple[Check, ...]) -> _Plan:
    supersedes = {c.code: frozenset(c.supersedes) for c in checks}
    return _Plan(
        tuple(c for c in checks if c.applies(ctx)),
        supersedes,
        frozenset().union(*supersedes.values()),
    )


# Which checks apply depends only on the kind of form (Check.applies): its type, whether it
# is checked within a set, whether it scores, whether it follows another framework. The
# plan for each kind is made once for the registered checks.
_last_checks: list[tuple[Check, ...]] = [()]


def _plan(ctx: Context, checks: tuple[Check, ...]) -> _Plan:
    if checks != _last_checks[0]:  # compares by identity first: cheap when unchanged
        if not all(type(c) is Check for c in checks):
            return _make_plan(ctx, checks)  # a subclass may decide otherwise
        _PLANS.clear()
        _last_checks[0] = checks
    form = ctx.form
    kind = (form.form_type, ctx.reference is None, scored(form), bool(framework(form)))
    plan = _PLANS.get(kind)
    if plan is None:
        plan = _make_plan(ctx, checks)
        if len(_PLANS) >= 64:
            _PLANS.clear()
        _PLANS[kind] = plan
    return plan


_PLANS: dict[tuple[str, bool, bool, bool], _Plan] = {}


def clear_caches() -> None:
    """Forget every text the engine has read (parsed indicator values, labels, units …)
    and every place it has located, so the next form is read from scratch. The memos are
    bounded, so a long run needs no clearing; benchmarks and tests clear them to start
    cold."""
    memo.clear_all()
    _PLANS.clear()


def check_set(forms: Sequence[Form], profile: Profile | None = None) -> list[list[Finding]]:
    """Check forms as one unit's set: every form, plus the X checks across them."""
    profile = profile or load_profile()
    reference = forms[0] if forms else None
    return [
        check_form(f, profile, others=[o for o in forms if o is not f], reference=reference)
        for f in forms
    ]


def settle(found: Sequence[Finding], checks: Iterable[Check] = REGISTRY) -> list[Finding]:
    """One finding per cause: a finding that another check's finding on the same cell
    supersedes (its ``supersedes``) is dropped, and a code is reported once per cell (a
    merged heading over twelve rows is one cell: one finding)."""
    supersedes = {c.code: frozenset(c.supersedes) for c in checks}
    plan = _Plan((), supersedes, frozenset().union(*supersedes.values()))
    return [found[k] for k in _settled(found, [_place(f) for f in found], plan)]


def _settled(found: Sequence[Finding], places: list[tuple[str, str]], plan: _Plan) -> list[int]:
    """The indices of the findings ``settle`` keeps, in order."""
    kept: list[int] = []
    seen: set[tuple[str, tuple[str, str]]] = set()
    if any(f.code in plan.superseded for f in found):
        by_place: dict[tuple[str, str], set[str]] = {}
        for f, place in zip(found, places, strict=True):
            by_place.setdefault(place, set()).add(f.code)
        supersedes = plan.supersedes
        for k, (f, place) in enumerate(zip(found, places, strict=True)):
            if any(f.code in supersedes.get(other, ()) for other in by_place[place]):
                continue
            if (f.code, place) not in seen:
                seen.add((f.code, place))
                kept.append(k)
        return kept
    for k, (f, place) in enumerate(zip(found, places, strict=True)):
        if (f.code, place) not in seen:
            seen.add((f.code, place))
            kept.append(k)
    return kept


def not_applied(form: Form) -> list[str]:
    """What was left unchecked on this form and why, said once (not a finding per row)."""
    if not scored(form):
        # A workbook's sheet by its name; a JSON form is just "本表".
        sheet = form.sheet_layout.sheet if form.sheet_layout and form.cells else ""
        where = f"工作表“{sheet}”" if sheet else "本表"
        titles = "、".join(
            f"{c.code} {c.title}" for c in REGISTRY if c.scores and form.form_type in c.applies_to
        )
        return [
            f"{where}没有分值、得分和总分（绩效目标自评表），未做评分检查：{titles}；"
            "指标行也不要求填写分值和得分"
        ]
    return []


def _place(f: Finding) -> tuple[str, str]:
    """Where a finding points: its cell, or its field where it has no cell."""
    return (f.sheet, f.cell) if f.cell else (f.sheet, f.field)
