"""Run the checks over one form or a unit's set of forms."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from jixiao.core.findings import Finding
from jixiao.core.form import Form
from jixiao.core.profile import Profile, load_profile
from jixiao.rules import REGISTRY, Check, Context


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
    found: list[Finding] = []
    for chk in checks:
        if form.form_type not in chk.applies_to or (chk.across and reference is None):
            continue
        if timings is None:
            found.extend(chk.run(ctx))
        else:
            start = time.perf_counter()
            found.extend(chk.run(ctx))
            timings[chk.family] = timings.get(chk.family, 0.0) + time.perf_counter() - start
    return sorted(found, key=lambda f: _order(form, f))


def check_set(forms: Sequence[Form], profile: Profile | None = None) -> list[list[Finding]]:
    """Check forms as one unit's set: every form, plus the X checks across them."""
    profile = profile or load_profile()
    reference = forms[0] if forms else None
    return [
        check_form(f, profile, others=[o for o in forms if o is not f], reference=reference)
        for f in forms
    ]


def _order(form: Form, f: Finding) -> tuple:
    cell = form.locate(f.field)
    return (f.sheet, cell.row if cell else 10**6, cell.col if cell else 0, f.code)
