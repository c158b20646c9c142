"""``jixiao check`` (forms: JSON, workbooks, Word documents) and ``jixiao checks`` (the
catalogue).

``check`` only reads: it lists each file's findings and never writes a file (``validate``
writes the marked copy). JSON forms load no workbook library; a workbook or a Word
document brings in its readers (jixiao.cli.books) when the first such file comes up.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from jixiao.app.summary import form_object
from jixiao.cli.common import EXIT_INPUT, EXIT_OK, exit_code, json_text
from jixiao.cli.textui import findings_table
from jixiao.core.errors import InputError
from jixiao.core.findings import Finding, summary_line
from jixiao.core.form import Form
from jixiao.core.interchange import read_form
from jixiao.core.profile import Profile, choose_profile, load_profile
from jixiao.formats.magic import is_book_file
from jixiao.rules import REGISTRY
from jixiao.rules.engine import check_form, check_set, not_applied


@dataclass
class _Book:
    """A workbook or Word document given to check: its kind, its forms, its report."""

    path: Path
    kind: Any  # jixiao.formats.files.FileKind
    contents: Any  # jixiao.readers.workbook.BookContents
    report: Any = None  # jixiao.app.validate.BookReport


def _books() -> ModuleType:
    """jixiao.cli.books, loaded when the first workbook or document comes up."""
    return importlib.import_module("jixiao.cli.books")


def check(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)  # a wrong --profile is said before any file is read
    items: list[Form | _Book] = []
    unreadable = False
    for name in args.forms:
        try:
            if is_book_file(Path(name)):
                items.append(_Book(Path(name), *_books().read_book(Path(name))))
            else:
                items.append(read_form(name))
        except InputError as e:
            print(f"错误：{e}", file=sys.stderr)
            unreadable = True
    if args.set:
        results, profile = _check_set(items, args.profile)
    else:
        results = _check_each(items, profile, args.profile)
    if args.json:
        objects = [
            _json_object(item, found, profile) for item, found in zip(items, results, strict=True)
        ]
        payload: Any = objects[0] if len(args.forms) == 1 and objects else objects
        print(json_text(payload))
    else:
        for k, (item, found) in enumerate(zip(items, results, strict=True)):
            if k:
                print()
            if isinstance(item, _Book):
                _books().print_book(item.path, item.kind, item.report)
                continue
            print(f"【{item.source}】{item.form_type}　{_title(item)}")
            for note in not_applied(item):
                print(f"（{note}）")
            print(findings_table(found))
            print(summary_line(found))
    if unreadable:
        return EXIT_INPUT
    return exit_code([f for found in results for f in found])


def _check_each(
    items: list[Form | _Book], profile: Profile, explicit: str | None
) -> list[list[Finding]]:
    """Each file on its own. A workbook uses --profile when given, else the profile its
    设置 sheet names, else the default; a JSON form --profile or the default."""
    results = []
    for item in items:
        if isinstance(item, _Book):
            item.report = _books().check_contents(item.path, item.kind, item.contents, explicit)
            results.append(item.report.findings)
        else:
            results.append(check_form(item, profile))
    return results


def _check_set(
    items: list[Form | _Book], explicit: str | None
) -> tuple[list[list[Finding]], Profile]:
    """All the files' forms as one unit's set, with one profile: --profile, else the one
    the workbooks' 设置 sheets name when they agree, else the default (returned too)."""
    named = {item.contents.profile for item in items if isinstance(item, _Book)} - {None}
    if len(named) > 1 and explicit is None:
        print(
            f"注意：各工作簿「设置」表的地区配置不同（{'、'.join(sorted(named))}），"
            "按默认配置检查这一套表；可用 --profile 指定",
            file=sys.stderr,
        )
    choice = choose_profile(explicit, named.pop() if len(named) == 1 else None)
    forms = [
        f for item in items for f in (item.contents.forms if isinstance(item, _Book) else [item])
    ]
    found = iter(check_set(forms, choice.profile))
    results = []
    for item in items:
        if not isinstance(item, _Book):
            results.append(next(found))
            continue
        by_form = [next(found) for _form in item.contents.forms]
        item.report = _books().check_contents(
            item.path, item.kind, item.contents, choice.profile, profile_source=choice.source
        )
        item.report.by_form = by_form
        item.report.findings = _books().located([f for g in by_form for f in g], item.kind)
        results.append(item.report.findings)
    return results, choice.profile


def _json_object(item: Form | _Book, found: list[Finding], profile: Profile) -> Any:
    """A file's ``--json`` object; ``forms`` holds each form's summary line (as the
    reviewer's summary of ``jixiao review`` lists it)."""
    if isinstance(item, _Book):
        return _books().book_object(item.path, item.kind, item.report)
    return form_object(item, found, profile)


def list_checks(args: argparse.Namespace) -> int:
    families = "WSDQX"
    for chk in sorted(REGISTRY, key=lambda c: (families.index(c.family), c.code)):
        print(f"{chk.code}  {chk.severity}  {chk.title}")
    return EXIT_OK


def _title(form: Form) -> str:
    parts = [
        str(form.data.get(k))
        for k in ("单位名称", "项目名称", "年度")
        if form.data.get(k) not in (None, "")
    ]
    return " ".join(parts)
