"""``jixiao check`` (JSON forms) and ``jixiao checks`` (the catalogue). No workbook library."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from jixiao.cli.common import EXIT_INPUT, EXIT_OK, exit_code, report_object
from jixiao.cli.textui import findings_table
from jixiao.core.errors import InputError
from jixiao.core.findings import summary_line
from jixiao.core.form import Form
from jixiao.core.interchange import read_form
from jixiao.core.profile import load_profile
from jixiao.rules import REGISTRY
from jixiao.rules.engine import check_form, check_set


def check(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    forms: list[Form] = []
    unreadable = False
    for path in args.forms:
        try:
            forms.append(read_form(path))
        except InputError as e:
            print(f"错误：{e}", file=sys.stderr)
            unreadable = True
    if args.set:
        results = check_set(forms, profile)
    else:
        results = [check_form(f, profile) for f in forms]
    reports = list(zip(forms, results, strict=True))
    if args.json:
        objects = [report_object(f.source, found) for f, found in reports]
        payload: Any = objects[0] if len(args.forms) == 1 and objects else objects
        print(json.dumps(payload, ensure_ascii=False, indent=1))
    else:
        for k, (f, found) in enumerate(reports):
            if k:
                print()
            print(f"【{f.source}】{f.form_type}　{_title(f)}")
            print(findings_table(found))
            print(summary_line(found))
    if unreadable:
        return EXIT_INPUT
    return exit_code([x for _, found in reports for x in found])


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
