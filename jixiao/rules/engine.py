"""Run the checks over one form or a unit's set of forms.

Three steps: run every check that applies to the form (its type; its assumptions — a form
without scores skips the score checks, a form of another framework the national ones),
then settle the findings so that each cause is reported once, then sort them in sheet
order.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from jixiao.core.findings import Finding
from jixiao.core.form import Form
from jixiao.core.profile import Profile, load_profile
from jixiao.rules import REGISTRY, Check, Context
from jixiao.rules.base import locate, scored


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
    profile = profile or load_profile()
    ctx = Context(form, profile, tuple(others), reference)
    checks = tuple(checks)
    found: list[Finding] = []
    for chk in checks:
        if not chk.applies(ctx):
            continue
        if timings is None:
            found.extend(chk.run(ctx))
        else:
            start = time.perf_counter()
            found.extend(chk.run(ctx))
            timings[chk.family] = timings.get(chk.family, 0.0) + time.perf_counter() - start
    return sorted(settle(found, checks), key=lambda f: _order(form, f))


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
    supersedes = {c.code: set(c.supersedes) for c in checks}
    by_place: dict[tuple[str, str], set[str]] = {}
    for f in found:
        by_place.setdefault(_place(f), set()).add(f.code)
    kept: list[Finding] = []
    seen: set[tuple[str, tuple[str, str]]] = set()
    for f in found:
        place = _place(f)
        if any(f.code in supersedes.get(other, ()) for other in by_place[place]):
            continue
        if (f.code, place) in seen:
            continue
        seen.add((f.code, place))
        kept.append(f)
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


def _order(form: Form, f: Finding) -> tuple:
    cell = locate(form, f.field)
    return (f.sheet, cell.row if cell else 10**6, cell.col if cell else 0, f.code)
