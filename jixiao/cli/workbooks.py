"""``jixiao new``, ``import`` and ``export``: the standard workbooks and JSON forms."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

import jixiao.udfs
from jixiao.cli.common import EXIT_OK
from jixiao.cli.main import TYPE_ALIASES
from jixiao.core.errors import InputError
from jixiao.core.interchange import dumps, form_from_data, read_form
from jixiao.readers.template import read_workbook_form
from jixiao.templates.builder import TEMPLATES, build, template_for, with_projects
from jixiao.templates.fill import fill_workbook


def new(args: argparse.Namespace) -> int:
    _writable(args.output, args.force)
    if not 1 <= args.projects <= 100:
        raise InputError(f"--projects 应在 1–100 之间，实际为 {args.projects}")
    template = next(t for t in TEMPLATES if t.file == TYPE_ALIASES[args.type])
    if template.unit_workbook:
        template = with_projects(template, args.projects)
    build(
        template,
        args.output,
        functions=jixiao.udfs,
        header={"单位名称": args.unit, "年度": args.year},
    )
    print(f"已新建 {args.output}（{template.title}，{args.unit} {args.year} 年度）")
    return EXIT_OK


def import_form(args: argparse.Namespace) -> int:
    form = read_form(args.form)
    _writable(args.output, args.force)
    template = template_for(form)
    with resources.as_file(
        resources.files("jixiao.xlsx_templates").joinpath(template.file)
    ) as path:
        fill_workbook(form, path, args.output, functions=jixiao.udfs)
    print(f"已写入 {args.output}（{form.form_type}）")
    return EXIT_OK


def export(args: argparse.Namespace) -> int:
    data = read_workbook_form(args.workbook, sheet=args.sheet)
    text = dumps(form_from_data(data, str(args.workbook)))
    if args.output is None:
        print(text)
    else:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"已导出 {args.output}")
    return EXIT_OK


def _writable(path: Path, force: bool) -> None:
    if path.suffix.lower() != ".xlsm":
        raise InputError("输出文件应以 .xlsm 结尾（工作簿带有「校验」等按钮的宏）", file=str(path))
    if path.exists() and not force:
        raise InputError(
            "文件已存在，为免覆盖您的内容没有写入；如确需覆盖请加 --force", file=str(path)
        )
    if not path.parent.exists():
        raise InputError("所在文件夹不存在", file=str(path))
