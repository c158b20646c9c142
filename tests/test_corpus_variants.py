"""Each real corpus form, changed the way forms change on their way to the bureau, gives the
same findings (tests/corpus/variants.py says what each change is and why it changes nothing).

Compared by code, severity, field and cell, the cell as the change moved it. Where the
change leaves every value as it was (the form moved, another sheet added, merges undone or
filled), the form must also read as exactly the same data. Where merges
are undone, a finding on an empty merged cell may name another of its cells (the field is
still compared); where a merged heading's text is filled into every cell, a finding may also
appear on a filled cell, for the same code as on the merge's first cell.

The changes made to the form itself (not to the saved workbook) are also made to the form as
a Word report (one table: its grid is the sheet's), with the same comparison.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from corpus import build
from corpus.variants import VARIANTS, Changed, Pos
from openpyxl.utils import coordinate_to_tuple

from jixiao.cli import main
from jixiao.core.interchange import dumps
from jixiao.readers.workbook import read_workbook_file

NAMES = [p.name for p in build.all_forms()]

Key = tuple[str, str, str, Pos | None]  # code, severity, field, cell


def check(form: dict[str, Any], path: Path, changed: Changed | None = None) -> dict[str, Any]:
    """``jixiao check --json`` of the form laid out as an .xlsx (changed afterwards by
    ``changed.post``)."""
    build.to_xlsx(form, path)
    if changed is not None and changed.post is not None:
        wb = openpyxl.load_workbook(path)
        changed.post(wb[form["sheet"]], wb)
        wb.save(path)
    return check_json(form, path)


def check_json(form: dict[str, Any], path: Path) -> dict[str, Any]:
    """``jixiao check --json`` of the file at ``path``, with the form's province's profile."""
    profile = "sichuan" if form.get("province") == "四川" else "national"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(["check", str(path), "--json", "--profile", profile])
    assert rc in (0, 1), f"{path.name}: exit {rc}"
    return json.loads(out.getvalue())


def keys(report: dict[str, Any], place: Any = lambda pos: pos) -> Counter[Key]:
    out: Counter[Key] = Counter()
    for f in report["findings"]:
        cell = str(f.get("cell") or "").split("!")[-1].replace("$", "")
        pos = place(coordinate_to_tuple(cell)) if re.fullmatch(r"[A-Z]+\d+", cell) else None
        out[(f["code"], f["severity"], f.get("field") or "", pos)] += 1
    return out


def read_data(path: Path) -> list[dict[str, Any]]:
    """The forms read from the file, as their JSON (no cells)."""
    return [json.loads(dumps(form)) for form in read_workbook_file(path).forms]


@dataclass
class Base:
    findings: Counter[Key]
    data: list[dict[str, Any]]


_BASE: dict[str, Base] = {}


@pytest.fixture
def base(name: str, tmp_path_factory) -> Base:
    if name not in _BASE:
        path = tmp_path_factory.mktemp("variants-base") / "原表.xlsx"
        found = keys(check(build.load(name), path))
        _BASE[name] = Base(found, read_data(path))
    return _BASE[name]


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("name", NAMES)
def test_a_changed_form_gives_the_same_findings(name, variant, base, tmp_path):
    changed = VARIANTS[variant](build.load(name))
    report = check(changed.form, tmp_path / "变体.xlsx", changed)
    if changed.same_data:
        assert read_data(tmp_path / "变体.xlsx") == base.data
    assert_same_findings(report, changed, base.findings)


# The changes made to the form itself (not to the saved workbook): a Word report's table,
# like an .xls sheet, is the form's rows and merges as they are, so each change is also a
# change of the report and of the .xls.
IN_FORM = [v for v in VARIANTS if VARIANTS[v](build.load(NAMES[0])).post is None]
# The original's findings in each other format, by format and form (checked once each).
_OTHER_BASE: dict[tuple[str, str], Counter[Key]] = {}


def assert_same_in(
    to_file: Callable[[dict[str, Any], Path], Path],
    suffix: str,
    name: str,
    variant: str,
    tmp_path_factory: Any,
    tmp_path: Path,
) -> None:
    """The change made to the form laid out by ``to_file`` gives the findings of the original
    laid out the same way."""
    if (suffix, name) not in _OTHER_BASE:
        original = tmp_path_factory.mktemp(f"{suffix}-base") / f"原表.{suffix}"
        found = check_json(build.load(name), to_file(build.load(name), original))
        _OTHER_BASE[(suffix, name)] = keys(found)
    changed = VARIANTS[variant](build.load(name))
    report = check_json(changed.form, to_file(changed.form, tmp_path / f"变体.{suffix}"))
    assert_same_findings(report, changed, _OTHER_BASE[(suffix, name)])


@pytest.mark.parametrize("variant", IN_FORM)
@pytest.mark.parametrize("name", NAMES)
def test_a_changed_xls_gives_the_same_findings(name, variant, tmp_path_factory, tmp_path):
    """The same changes in an Excel 97–2003 file (.xls, read through xlrd)."""
    assert_same_in(build.to_biff, "xls", name, variant, tmp_path_factory, tmp_path)


@pytest.mark.parametrize("variant", IN_FORM)
@pytest.mark.parametrize("name", NAMES)
def test_a_changed_word_report_gives_the_same_findings(name, variant, tmp_path_factory, tmp_path):
    """The same changes in a Word report: its cells are the table's grid (A1 as in a sheet)."""
    assert_same_in(build.to_docx, "docx", name, variant, tmp_path_factory, tmp_path)


def assert_same_findings(report: dict[str, Any], changed: Changed, found: Counter[Key]) -> None:
    """The findings of the changed form are those of the original (``found``), each in the
    cell the change moved it to; see the module's docstring for what may differ."""
    copies = changed.copies
    got = keys(report, lambda p: copies.get(p, p))
    on_copies = keys(report, lambda p: copies.get(p))  # those on a filled cell, at its anchor
    on_copies = Counter({k: n for k, n in on_copies.items() if k[3] is not None})
    want = Counter(
        {(c, s, f, changed.moved(p) if p else p): n for (c, s, f, p), n in found.items()}
    )
    if not changed.same_cells:  # the cell left out (None)
        got = Counter({(*k[:3], None): n for k, n in got.items()})
        want = Counter({(*k[:3], None): n for k, n in want.items()})
    missing = Counter(
        {k: n for k, n in (want - got).items() if (k[0], k[2]) not in changed.resolves}
    )
    # The same code on a filled cell as on its merge's first cell: the filled text is there
    # to be corrected too.
    at_anchor = {(c, s, p) for c, s, _f, p in want}
    extra = Counter(
        {
            k: n
            for k, n in (got - want).items()
            if not (on_copies[k] >= n and (k[0], k[1], k[3]) in at_anchor)
        }
    )
    assert not missing and not extra, f"lost {dict(missing)}; new {dict(extra)}"
