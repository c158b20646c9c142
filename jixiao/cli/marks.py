"""``jixiao validate`` and ``jixiao clear``: 校验 marks in a workbook file, headless."""

from __future__ import annotations

import argparse
import asyncio
import json

import jixiao.udfs
from jixiao.app import marks
from jixiao.cli.common import EXIT_OK, exit_code, output_path, report_object
from jixiao.cli.textui import findings_table
from jixiao.core.findings import summary_line
from jixiao.core.profile import load_profile
from jixiao.formats.xlsx_file import check_package, open_workbook
from jixiao.hosts.package import PackageHost


def validate(args: argparse.Namespace) -> int:
    if args.profile is not None:
        load_profile(args.profile)  # a wrong --profile is said before the workbook is read
    check_package(args.workbook)  # what is wrong with the input comes first
    host = PackageHost(args.workbook, functions=jixiao.udfs)
    report = asyncio.run(marks.validate(host, args.profile, profile_source="命令行 --profile"))
    out = output_path(args, "校验")
    host.save(out)
    if args.json:
        obj = report_object(str(args.workbook), report.findings)
        obj["output"] = str(out)
        obj["skipped"] = [{"sheet": sheet, "reason": why} for sheet, why in report.skipped]
        obj["profile"] = {"name": report.profile.profile.key, "source": report.profile.source}
        print(json.dumps(obj, ensure_ascii=False, indent=1))
    else:
        names = "、".join(sorted({f.sheet_layout.sheet for f in report.forms if f.sheet_layout}))
        print(f"【{args.workbook}】校验了 {len(report.forms)} 张表（{names}）")
        print(f"地区配置：{report.profile.description}")
        for note in report.not_checked:
            print(f"（{note}）")
        for sheet, why in report.skipped:
            print(f"（跳过工作表“{sheet}”：{why}）")
        print(findings_table(report.findings))
        print(summary_line(report.findings))
        print(f"已写出带标记的工作簿：{out}")
    return exit_code(report.findings)


def clear(args: argparse.Namespace) -> int:
    open_workbook(args.workbook, read_only=True).close()  # refuse anything we could not write back
    host = PackageHost(args.workbook)
    out = output_path(args, "已清除")
    asyncio.run(marks.clear(host))
    host.save(out)
    print(f"已清除校验标记：{out}")
    return EXIT_OK
