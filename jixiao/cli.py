"""Command line: ``jixiao check`` and friends. Exit 0 clean, 1 errors found, 2 unreadable input."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from .checks import REGISTRY
from .engine import check_form, check_set
from .errors import InputError
from .findings import Finding, Severity, summary
from .form import Form
from .interchange import read_form
from .profile import BUILTIN, load_profile
from .textui import findings_table, install_argparse_chinese, summary_line

EXIT_OK, EXIT_ERRORS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    install_argparse_chinese()
    parser = argparse.ArgumentParser(
        prog="jixiao",
        description="预算绩效自评表工具包：校验自评表，计算执行率、得分，标记偏差。",
    )
    parser.add_argument(
        "--version", action="version", version=f"jixiao {__version__}", help="显示版本"
    )
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)

    chk = sub.add_parser(
        "check", help="校验 JSON 格式的自评表", description="校验一张或多张 JSON 格式的自评表。"
    )
    chk.add_argument("forms", nargs="+", metavar="FORM.json", help="表单文件（JSON 交换格式）")
    chk.add_argument(
        "--profile",
        default="national",
        metavar="P",
        help=f"地区配置：{'、'.join(BUILTIN)}，或自定义配置文件（.toml/.json）；默认 national",
    )
    chk.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    chk.add_argument(
        "--set",
        action="store_true",
        help="把这些表作为同一单位同一年度的一套表，另做表间校验（X01、X02）",
    )
    sub.add_parser(
        "checks", help="列出全部校验规则", description="列出全部校验规则的代码、级别和名称。"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "check":
            return _check(args)
        if args.command == "checks":
            return _list_checks()
        return EXIT_INPUT
    except InputError as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        # the reader (head, less) went away: nothing left to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as e:  # never a traceback for the user
        print(
            f"jixiao 内部错误：{type(e).__name__}: {e}。请把输入文件和这条信息发给开发者。",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _check(args: argparse.Namespace) -> int:
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
        objects = [_report_object(f, found) for f, found in reports]
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
    has_error = any(x.severity is Severity.ERROR for _, found in reports for x in found)
    return EXIT_ERRORS if has_error else EXIT_OK


def _list_checks() -> int:
    families = "WSDQX"
    listed: dict[str, str] = {}
    for chk in sorted(REGISTRY, key=lambda c: (families.index(c.family), c.code)):
        listed.setdefault(chk.code, f"{chk.code}  {chk.severity}  {chk.title}")
    print("\n".join(listed.values()))
    return EXIT_OK


def _title(form: Form) -> str:
    parts = [
        str(form.data.get(k))
        for k in ("单位名称", "项目名称", "年度")
        if form.data.get(k) not in (None, "")
    ]
    return " ".join(parts)


def _report_object(form: Form, found: list[Finding]) -> dict[str, Any]:
    return {
        "file": form.source,
        "findings": [f.to_dict() for f in found],
        "summary": summary(found),
    }


if __name__ == "__main__":
    sys.exit(main())
