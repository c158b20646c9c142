"""``jixiao validate`` and ``jixiao clear``: 校验 marks in a workbook file, headless.

``validate`` reads whatever the file is (jixiao.formats.files): an .xlsx/.xlsm gets its
marked copy; an .xls or a Word document cannot hold the marks, so its findings are listed
with the commands that give a marked standard workbook.
"""

from __future__ import annotations

import argparse
import importlib
from types import ModuleType

from jixiao.app import marks
from jixiao.app.validate import validate_workbook
from jixiao.cli.books import book_object, located, no_copy_lines, print_book
from jixiao.cli.common import EXIT_OK, exit_code, json_text, output_path
from jixiao.core.gcpause import without_cycle_collection
from jixiao.core.profile import load_profile
from jixiao.formats.files import FileKind, file_kind
from jixiao.formats.xlsx_file import check_package
from jixiao.hosts.package import PackageHost
from jixiao.readers.workbook import NoForm


def validate(args: argparse.Namespace) -> int:
    # Reading a workbook makes some 40,000 small objects that live to the end (core.gcpause).
    return without_cycle_collection(_validate, args)


def _validate(args: argparse.Namespace) -> int:
    if args.profile is not None:
        load_profile(args.profile)  # a wrong --profile is said before the workbook is read
    kind = file_kind(args.workbook)
    if not kind.annotates:
        return _validate_unmarked(args, kind)
    check_package(args.workbook)  # what is wrong with the input comes first
    host = PackageHost(args.workbook, functions=worksheet_functions)
    report = marks.run_now(marks.validate(host, args.profile, profile_source="命令行 --profile"))
    out = output_path(args, "校验")
    host.save(out)
    if args.json:
        obj = book_object(args.workbook, kind, report)
        obj["output"] = str(out)
        if host.notes:  # about the copy: a long sheet's formulas left without results
            obj["output_notes"] = host.notes
        print(json_text(obj))
    else:
        print_book(args.workbook, kind, report)
        print(f"已写出带标记的工作簿：{out}")
        for note in host.notes:
            print(f"（{note}）")
    return exit_code(report.findings)


def worksheet_functions() -> ModuleType:
    """jixiao.udfs, for the cached values of a file that lacks them or asks to be
    recalculated. Loaded only then (by name, like the commands in main.COMMANDS): it loads
    xlwings and with it pandas and numpy, which alone take longer than validating a
    file that Excel saved."""
    return importlib.import_module("jixiao.udfs")


def _validate_unmarked(args: argparse.Namespace, kind: FileKind) -> int:
    """An .xls or a Word document: the findings, and no copy (the input is never changed)."""
    report = validate_workbook(args.workbook, args.profile, profile_source="命令行 --profile")
    report.findings = located(report.findings, kind)
    ignored = "--in-place" if args.in_place else (f"-o {args.output}" if args.output else None)
    lines = no_copy_lines(args.workbook, kind, report, ignored)
    if args.json:
        obj = book_object(args.workbook, kind, report)
        obj["output"] = None
        obj["note"] = "\n".join(lines)
        print(json_text(obj))
    else:
        print_book(args.workbook, kind, report)
        print("\n".join(lines))
    return exit_code(report.findings)


def clear(args: argparse.Namespace) -> int:
    return without_cycle_collection(_clear, args)


def _clear(args: argparse.Namespace) -> int:
    # The input is checked exactly as validate checks it (the file, the reading of its
    # sheets, every part of the package), so that what validate accepts, and the copy it
    # writes, can be cleared, and what it refuses is refused with the same message.
    check_package(args.workbook)
    host = PackageHost(args.workbook)
    try:
        host.read()
    except NoForm as e:  # nothing to check (a blank template): still cleared, unless a
        if e.missing:  # sheet the form may be in is lost: refused, as validate refuses it
            raise
    out = output_path(args, "已清除")
    marks.run_now(marks.clear(host))
    host.save(out)
    print(f"已清除校验标记：{out}")
    return EXIT_OK
