"""``jixiao recalc``: LibreOffice computes every formula, the JX functions served by Python."""

from __future__ import annotations

import argparse

import jixiao.udfs
from jixiao.app.recalc import recalculate
from jixiao.cli.common import EXIT_OK, output_path
from jixiao.formats.xlsx_file import check_package
from jixiao.hosts.libreoffice import Engine


def recalc(args: argparse.Namespace) -> int:
    check_package(args.workbook)
    out = output_path(args, "重算")
    with Engine() as engine:
        engine.serve_functions(jixiao.udfs)
        report = recalculate(args.workbook, out, engine)
    print(f"已重算 {report.cells} 个公式单元格（{report.sheets} 张工作表），结果已存入：{out}")
    return EXIT_OK
