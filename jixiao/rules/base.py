"""A check is a small named object: code, severity, message template, and a rule."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jixiao.core.assess import BudgetReading, IndicatorReading, readings
from jixiao.core.findings import Finding, Severity
from jixiao.core.form import MISSING, BasicDataForm, Form, Indicator, SelfEvalForm, is_blank
from jixiao.core.profile import Profile


@dataclass(frozen=True)
class Hit:
    """One place where a rule fails; the check turns it into a Finding."""

    field: str
    params: dict[str, Any] = field(default_factory=dict)
    value: Any = None
    expected: Any = None
    severity: Severity | None = None  # for checks whose severity depends on the case
    template: str | None = None  # a variant wording of the same check


@dataclass
class Context:
    """What a rule may look at: the form, the profile, and the unit's other forms."""

    form: Form
    profile: Profile
    others: tuple[Form, ...] = ()  # the unit's other forms, when checked as one set
    reference: Form | None = None  # the set's first form: unit name and year to agree with
    cache: dict[str, Any] = field(default_factory=dict)


Rule = Callable[[Context], Iterable[Hit]]


def self_eval(ctx: Context) -> SelfEvalForm:
    assert isinstance(ctx.form, SelfEvalForm)
    return ctx.form


def basic(ctx: Context) -> BasicDataForm:
    assert isinstance(ctx.form, BasicDataForm)
    return ctx.form


def named(ind: Indicator) -> str:
    """“（三级指标名）” for messages, or nothing when the row has no name."""
    return f"（{ind.name}）" if not is_blank(ind.name) else ""


def indicator_readings(ctx: Context) -> list[IndicatorReading]:
    """The filled indicators as the rules read them, computed once per form."""
    if "readings" not in ctx.cache:
        assert isinstance(ctx.form, SelfEvalForm)
        ctx.cache["readings"] = readings(ctx.form, ctx.profile)
    return ctx.cache["readings"]


def budget_reading(ctx: Context) -> BudgetReading:
    """The budget block's recomputed rates, computed once per form."""
    if "budget" not in ctx.cache:
        assert isinstance(ctx.form, SelfEvalForm)
        ctx.cache["budget"] = BudgetReading(ctx.form, ctx.profile)
    return ctx.cache["budget"]


@dataclass(frozen=True)
class Check:
    code: str
    severity: Severity
    title: str
    template: str
    rule: Rule
    applies_to: tuple[str, ...]  # form types
    across: bool = False  # needs the unit's whole set of forms

    @property
    def family(self) -> str:
        return self.code[0]

    def run(self, ctx: Context) -> Iterator[Finding]:
        for hit in self.rule(ctx):
            cell = ctx.form.locate(hit.field)
            yield Finding(
                code=self.code,
                severity=hit.severity or self.severity,
                sheet=cell.sheet if cell else _sheet_of(ctx.form),
                cell=cell.address if cell else "",
                field=hit.field,
                message=(hit.template or self.template).format(**hit.params),
                value=_plain(hit.value),
                expected=_plain(hit.expected),
            )


def _sheet_of(form: Form) -> str:
    return form.sheet_layout.sheet if form.sheet_layout else ""


def _plain(x: Any) -> Any:
    if x is MISSING:
        return None  # an absent field has no value to report
    if isinstance(x, float):
        return round(x, 6)
    return x


REGISTRY: list[Check] = []


def check(
    code: str,
    severity: Severity,
    title: str,
    template: str,
    *,
    forms: tuple[str, ...],
    across: bool = False,
) -> Callable[[Rule], Rule]:
    """Register a rule as a check."""

    def register(rule: Rule) -> Rule:
        if any(c.code == code for c in REGISTRY):
            raise ValueError(f"two checks share the code {code}: each rule needs its own")
        REGISTRY.append(Check(code, severity, title, template, rule, forms, across))
        return rule

    return register
