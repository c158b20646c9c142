"""A check is a small named object: code, severity, message template, and a rule.

Besides its rule a check declares what it assumes, so the engine can leave it out where
that does not hold and settle overlapping findings:

- ``scores``: it compares 分值/得分/总分 — not for forms without scores (绩效目标自评表);
- ``national``: it assumes the national framework (产出/效益/满意度 blocks, 10/50/30/10
  weights, the standard names) — not for forms of another framework (决策/过程/产出/效益 …);
- ``supersedes``: codes whose finding on the same cell says less about the same cause (S05
  names the right total; Q08 only says a formula was overwritten) and is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from string import Formatter
from typing import Any

from jixiao.core.assess import BudgetReading, IndicatorReading, readings, shown
from jixiao.core.findings import Finding, Severity
from jixiao.core.form import (
    MISSING,
    BasicDataForm,
    Form,
    Indicator,
    SelfEvalForm,
    is_blank,
    named_item,
)
from jixiao.core.layout import Cell, is_shared, shared_layout
from jixiao.core.memo import memo
from jixiao.core.profile import Profile


@dataclass(frozen=True, slots=True)
class Hit:
    """One place where a rule fails; the check turns it into a Finding."""

    field: str
    params: dict[str, Any] = field(default_factory=dict)
    value: Any = None
    expected: Any = None
    severity: Severity | None = None  # for checks whose severity depends on the case
    template: str | None = None  # a variant wording of the same check

    def __init__(
        self,
        field: str,
        params: dict[str, Any] | None = None,
        value: Any = None,
        expected: Any = None,
        severity: Severity | None = None,
        template: str | None = None,
    ) -> None:
        # The slots' own setters: rules make hits by the hundred thousand in a batch, and
        # the frozen dataclass's object.__setattr__ per field costs twice as much.
        s = _HIT_SETTERS
        s[0](self, field)
        s[1](self, {} if params is None else params)
        s[2](self, value)
        s[3](self, expected)
        s[4](self, severity)
        s[5](self, template)


_HIT_SETTERS = tuple(Hit.__dict__[f.name].__set__ for f in fields(Hit))


# Where a finding points: (sheet, A1 address or "" without a cell, row, column); row and
# column order findings in sheet order, a finding without a cell last.
Place = tuple[str, str, int, int]
NOWHERE_ROW = 10**6


@dataclass
class Context:
    """What a rule may look at: the form, the profile, and the unit's other forms."""

    form: Form
    profile: Profile
    others: tuple[Form, ...] = ()  # the unit's other forms, when checked as one set
    reference: Form | None = None  # the set's first form: unit name and year to agree with
    cache: dict[str, Any] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # A form on one of the template layouts, with no cells of its own, puts every
        # field where every such form puts it: those places are remembered across forms.
        lay = self.form.sheet_layout
        shared = lay is not None and not self.form.cells and is_shared(lay)
        self._layout_key = id(lay) if shared else None

    def place(self, path: str) -> Place:
        """Where a finding about ``path`` points (see ``locate``)."""
        if self._layout_key is not None:
            shared = _SHARED_PLACES[(self._layout_key, path)]
            if shared is not None:
                return shared
        found = self.places.get(path)
        if found is None:
            found = self.places[path] = place_of(self.form, path)
        return found

    def cell(self, path: str) -> Cell | None:
        """The form's own cell for the field at ``path`` (``Form.locate``), if it has one."""
        if self._layout_key is not None and named_item(path) is None:
            return _SHARED_CELLS[(self._layout_key, path)]
        return self.form.locate(path)


Rule = Callable[[Context], Iterable[Hit]]


def self_eval(ctx: Context) -> SelfEvalForm:
    assert isinstance(ctx.form, SelfEvalForm)
    return ctx.form


def basic(ctx: Context) -> BasicDataForm:
    assert isinstance(ctx.form, BasicDataForm)
    return ctx.form


def named(ind: Indicator) -> str:
    """“（三级指标名）” for messages, or nothing when the row has no name."""
    return f"（{shown(ind.name)}）" if not is_blank(ind.name) else ""


def scored(form: Form) -> bool:
    """Whether the form scores (a basic data table has no scores to skip)."""
    return not isinstance(form, SelfEvalForm) or form.scored


def framework(form: Form) -> str | None:
    """The other evaluation framework a form follows, if a reader recognised one."""
    return form.framework if isinstance(form, SelfEvalForm) else None


def left_empty(form: Form, path: str) -> bool:
    """The form shows an empty cell at ``path`` that the clerk was to fill: a cell of the
    sheet (not a JSON form, where an absent computed field is left to the template's
    formula), and not a template cell that its formula computes."""
    if path not in form.cells:
        return False
    state = form.cell_states.get(path)
    return not (state is not None and state.template_formula)


def locate(form: Form, path: str) -> Cell | None:
    """The cell a finding about ``path`` points at: the field's own cell, else the nearest
    enclosing item or block (绩效指标[3] → 绩效指标), else the form's first cell."""
    cell = form.locate(path)
    while cell is None and ("." in path or "[" in path):
        path = path.rsplit(".", 1)[0] if "." in path else path.split("[", 1)[0]
        cell = form.locate(path)
    return cell or _first_cell(form)


def place_of(form: Form, path: str) -> Place:
    """``locate`` as a Place."""
    cell = locate(form, path)
    if cell is None:
        return (_sheet_of(form), "", NOWHERE_ROW, 0)
    return (cell.sheet, cell.address, cell.row, cell.col)


def _shared_place(key: tuple[int, str]) -> Place | None:
    # A form without cells of its own puts a field where its layout alone says; but an item
    # named rather than numbered (资金来源[财政资金]) sits where the form's data puts it: None.
    if named_item(key[1]) is not None:
        return None
    lay = shared_layout(key[0])
    return place_of(Form(lay.form_type, {}, "", lay), key[1])


# Where a field of a template layout is, for every form without cells of its own on that
# layout (None: where the form's data puts it): (id of the layout, path) -> Place.
_SHARED_PLACES = memo(_shared_place)


def _shared_cell(key: tuple[int, str]) -> Cell | None:
    return shared_layout(key[0]).locate(key[1])


_SHARED_CELLS = memo(_shared_cell)


def _first_cell(form: Form) -> Cell | None:
    """The form's top-left cell: its title row on a template, else the topmost cell known."""
    lay = form.sheet_layout
    if lay is None:
        return None
    if "标题" in lay.rows:
        return Cell(lay.sheet, lay.rows["标题"], 1)
    known = [*lay.cells.values(), *lay.anchors.values(), *form.cells.values()]
    return min(known, key=lambda c: (c.row, c.col)) if known else Cell(lay.sheet, 1, 1)


def indicator_readings(ctx: Context) -> list[IndicatorReading]:
    """The filled indicators as the rules read them, computed once per form."""
    found: list[IndicatorReading] | None = ctx.cache.get("readings")
    if found is None:
        assert isinstance(ctx.form, SelfEvalForm)
        found = ctx.cache["readings"] = readings(ctx.form, ctx.profile)
    return found


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
    scores: bool = False  # compares scores: not for forms without any
    national: bool = False  # assumes the national framework: not for other frameworks
    supersedes: tuple[str, ...] = ()  # codes it replaces on the same cell

    @property
    def family(self) -> str:
        return self.code[0]

    def applies(self, ctx: Context) -> bool:
        """Whether the check runs on this form (its type, its set, its assumptions)."""
        form = ctx.form
        return (
            form.form_type in self.applies_to
            and not (self.across and ctx.reference is None)
            and not (self.scores and not scored(form))
            and not (self.national and framework(form))
        )

    def run(self, ctx: Context) -> Iterator[Finding]:
        for hit in self.rule(ctx):
            yield to_finding(self, hit, ctx.place(hit.field))


def to_finding(chk: Check, hit: Hit, place: Place) -> Finding:
    """A hit of ``chk`` as the Finding users read: located, with its message written."""
    return Finding(
        chk.code,
        hit.severity or chk.severity,
        place[0],
        place[1],
        hit.field,
        render(hit.template or chk.template, hit.params),
        plain(hit.value),
        plain(hit.expected),
    )


def render(template: str, params: dict[str, Any]) -> str:
    """``template.format_map(params)``: a message with its fields filled in."""
    printf = _PRINTF[template]
    return template.format_map(params) if printf is None else printf % params


def _printf_template(template: str) -> str | None:
    # The same template for the % operator ("{n}" → "%(n)s", "%" → "%%"), which fills in
    # a message with Chinese text in two thirds of format_map's time; None for a template
    # with a format spec or conversion, which only format_map reads.
    out = []
    for literal, name, spec, conversion in Formatter().parse(template):
        out.append(literal.replace("%", "%%"))
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            return None
        out.append(f"%({name})s")  # str() of a value is what format() gives here
    return "".join(out)


# Each template for the % operator (None: format_map only), as render() fills it in.
_PRINTF = memo(_printf_template, maxsize=4096)


def _sheet_of(form: Form) -> str:
    return form.sheet_layout.sheet if form.sheet_layout else ""


def plain(x: Any) -> Any:
    """A value as a finding reports it: an absent field as None, a float to six places."""
    if x is None:
        return None
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
    scores: bool = False,
    national: bool = False,
    supersedes: tuple[str, ...] = (),
) -> Callable[[Rule], Rule]:
    """Register a rule as a check."""

    def register(rule: Rule) -> Rule:
        if any(c.code == code for c in REGISTRY):
            raise ValueError(f"two checks share the code {code}: each rule needs its own")
        REGISTRY.append(
            Check(
                code, severity, title, template, rule, forms, across, scores, national, supersedes
            )
        )
        return rule

    return register
