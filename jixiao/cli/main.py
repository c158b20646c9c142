"""Command line: ``jixiao check`` and friends. Exit 0 clean, 1 errors found, 2 unreadable input.

Each command lives in its own module, loaded when the command runs (``COMMANDS``), so
``jixiao check`` and ``jixiao --help`` never load a workbook library.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jixiao import __version__
from jixiao.cli.common import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK
from jixiao.cli.textui import install_argparse_chinese
from jixiao.core.errors import InputError
from jixiao.core.profile import BUILTIN

# Command -> (module, function taking the parsed arguments and returning the exit code).
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("jixiao.cli.check", "check"),
    "checks": ("jixiao.cli.check", "list_checks"),
    "new": ("jixiao.cli.workbooks", "new"),
    "import": ("jixiao.cli.workbooks", "import_form"),
    "export": ("jixiao.cli.workbooks", "export"),
    "validate": ("jixiao.cli.marks", "validate"),
    "clear": ("jixiao.cli.marks", "clear"),
    "recalc": ("jixiao.cli.recalc", "recalc"),
    "review": ("jixiao.cli.review", "review"),
}

# The files check, validate and import read.
FILE_KINDS = "JSON 表单、工作簿（.xlsx/.xlsm/.xls）或 Word 文档（.docx）"

# --type values: short names and the forms' own names.
TYPE_NAMES = ("整体", "项目", "项目-四川", "基础数据", "单位")
TYPE_ALIASES = {
    "整体": "部门整体支出绩效自评表.xlsm",
    "项目": "项目支出绩效自评表.xlsm",
    "项目-四川": "项目支出绩效自评表（四川式）.xlsm",
    "基础数据": "部门整体支出绩效评价基础数据表.xlsm",
    "单位": "部门绩效自评工作簿.xlsm",
    "whole": "部门整体支出绩效自评表.xlsm",
    "project": "项目支出绩效自评表.xlsm",
    "project-sichuan": "项目支出绩效自评表（四川式）.xlsm",
    "basic": "部门整体支出绩效评价基础数据表.xlsm",
    "unit": "部门绩效自评工作簿.xlsm",
}


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
        "check",
        help="校验自评表（JSON、工作簿、Word 文档），只列出问题",
        description="校验一个或多个文件中的自评表：JSON 表单、工作簿（.xlsx/.xlsm/.xls）、"
        "Word 文档（.docx）中的表格。只列出问题，不写任何文件（写带标记的副本用 validate）。",
    )
    chk.add_argument("forms", nargs="+", metavar="FILE", help=f"表单文件：{FILE_KINDS}")
    chk.add_argument(
        "--profile",
        metavar="P",
        help=f"地区配置：{'、'.join(BUILTIN)}，或自定义配置文件（.toml/.json）；"
        "不给出时工作簿用其「设置」表中的配置，其余用 national",
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

    new = sub.add_parser(
        "new", help="新建标准工作簿", description="新建一个标准工作簿，填好单位名称和年度。"
    )
    new.add_argument(
        "--type", required=True, choices=sorted(TYPE_ALIASES), metavar="类型",
        help=f"表的类型：{'、'.join(TYPE_NAMES)}",
    )  # fmt: skip
    new.add_argument("--unit", required=True, metavar="单位名称", help="预算单位名称")
    new.add_argument("--year", required=True, type=int, metavar="年度", help="年度，如 2024")
    new.add_argument(
        "--projects",
        type=int,
        default=1,
        metavar="N",
        help="部门绩效自评工作簿中的项目表数量，默认 1",
    )
    new.add_argument(
        "-o", "--output", required=True, type=Path, metavar="FILE", help="输出文件（.xlsm）"
    )
    new.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")

    imp = sub.add_parser(
        "import",
        help="把表单填入标准工作簿（JSON、工作簿、Word 文档）",
        description="把一张自评表填入对应的标准工作簿，填报的值原样写入。表单可以是 JSON、"
        "工作簿（.xlsx/.xlsm/.xls，jixiao 模板或纸质表样）或 Word 文档（.docx）中的表格。",
    )
    imp.add_argument("form", type=Path, metavar="FILE", help=f"表单文件：{FILE_KINDS}")
    imp.add_argument(
        "-o", "--output", required=True, type=Path, metavar="OUT", help="输出工作簿（.xlsm）"
    )
    imp.add_argument(
        "--sheet",
        metavar="名称",
        help="文件中有多张自评表时导入哪一张：工作表名（如 项目1），Word 文档写表格序号（如 表3）",
    )
    imp.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")

    exp = sub.add_parser(
        "export",
        help="把工作簿导出为 JSON 表单",
        description="读取工作簿中的一张表，导出为 JSON 表单。",
    )
    exp.add_argument("workbook", type=Path, metavar="FILE", help="工作簿（.xlsx/.xlsm）")
    exp.add_argument(
        "-o", "--output", type=Path, metavar="FORM.json", help="输出文件；不给出时打印到屏幕"
    )
    exp.add_argument("--sheet", metavar="工作表", help="工作簿中有多张表时，指定导出哪一张")

    val = _workbook_command(
        sub,
        "validate",
        "校验",
        "校验工作簿，把问题标在单元格上",
        "校验工作簿：问题写入单元格批注和「校验结果」表。.xls 和 Word 文档（.docx）"
        "只列出问题，不写副本（先用 import 导入标准工作簿即可得到带标记的副本）。",
        "工作簿（.xlsx/.xlsm/.xls）或 Word 文档（.docx）",
    )
    val.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    val.add_argument(
        "--profile",
        metavar="P",
        help="地区配置，同 check；不给出时用工作簿「设置」表中的地区配置，没有则用 national",
    )
    _workbook_command(
        sub,
        "clear",
        "已清除",
        "清除校验标记",
        "删除 jixiao 校验时添加的标记、批注和「校验结果」表。",
    )
    _workbook_command(
        sub,
        "recalc",
        "重算",
        "在 LibreOffice 中重算工作簿",
        "用 LibreOffice 重算全部公式（含 jixiao 函数），把结果存为文件中的缓存值。",
    )
    _review_command(sub)
    return parser


def _review_command(sub: Any) -> None:
    rev = sub.add_parser(
        "review",
        help="财政局批量审核：文件夹、压缩包中的全部自评表，写出汇总工作簿",
        description="检查文件夹（含子文件夹）、.zip 压缩包和文件中的全部自评表（工作簿、Word 文档、"
        "JSON 表单），多进程并行，写出汇总工作簿（汇总、问题明细、规则统计、未能读取、未校验的工作表、图表），"
        "可另存 CSV 和 JSON。读不了的文件列出原因，不会中断；结果存入缓存，再次运行只检查新的或改过的文件。",
    )
    rev.add_argument(
        "paths", nargs="+", metavar="PATH", help="文件夹、.zip 压缩包或文件（可以给多个）"
    )
    rev.add_argument(
        "-o", "--output", type=Path, metavar="汇总.xlsx", help="写出的汇总工作簿（.xlsx）"
    )
    rev.add_argument(
        "--csv", type=Path, metavar="DIR", help="另把各表写成 CSV 文件（UTF-8 带 BOM）放入此文件夹"
    )
    rev.add_argument(
        "--json", dest="json_out", type=Path, metavar="FILE", help="另把全部结果写成一个 JSON 文件"
    )
    rev.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help=f"同时运行的进程数，默认为 CPU 核数（本机 {os.cpu_count() or 1}）",
    )
    rev.add_argument(
        "--profile",
        metavar="P",
        help="地区配置，同 check；不给出时每个工作簿用其「设置」表中的配置，其余用 national",
    )
    rev.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="缓存文件夹，默认 $XDG_CACHE_HOME/jixiao/review 或 ~/.cache/jixiao/review",
    )
    rev.add_argument(
        "--no-cache", action="store_true", help="不使用缓存：全部重新检查，也不存入缓存"
    )


def _workbook_command(
    sub: Any,
    name: str,
    tag: str,
    help_text: str,
    description: str,
    file_help: str = "工作簿（.xlsx/.xlsm）",
) -> argparse.ArgumentParser:
    """A command that reads a workbook and writes a copy (or the file itself with --in-place)."""
    cmd = sub.add_parser(name, help=help_text, description=description)
    cmd.add_argument("workbook", type=Path, metavar="FILE", help=file_help)
    cmd.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUT",
        help=f"写出的副本；默认为“原文件名_{tag}”加原扩展名",
    )
    cmd.add_argument("--in-place", action="store_true", help="直接写入原文件（不另存副本）")
    return cmd


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        module, function = COMMANDS[args.command]
        return getattr(importlib.import_module(module), function)(args)
    except InputError as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        # the reader (head, less) went away: nothing left to say
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


if __name__ == "__main__":
    sys.exit(main())
