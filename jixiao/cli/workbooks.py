"""``jixiao new``, ``import`` and ``export``: the standard workbooks and JSON forms."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

import jixiao.udfs
from jixiao.cli.books import form_place, pick_form, read_book, sheet_label, typed_in_excel
from jixiao.cli.common import EXIT_OK
from jixiao.cli.main import TYPE_ALIASES
from jixiao.core.errors import InputError
from jixiao.core.form import SelfEvalForm
from jixiao.core.interchange import dumps, form_from_data, read_form
from jixiao.core.layout import BASIC
from jixiao.formats.files import FileKind
from jixiao.formats.magic import is_book_file
from jixiao.formats.xlsx_grid import read_grid
from jixiao.readers.template import read_workbook_form
from jixiao.readers.workbook import settings_framework
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
    """A JSON form, or one form of a workbook (.xlsx/.xlsm/.xls, template or paper layout)
    or of a Word document, written as typed into its standard workbook."""
    src: Path = args.form
    taken, where = "", None
    if is_book_file(src):
        kind, contents = read_book(src)
        form = pick_form(src, kind, contents, args.sheet)
        where = sheet_label(kind, form_place(form))
        taken = f"，取自{where}"
        if kind is FileKind.DOCX:  # a Word table holds text only: numbers as Excel makes them
            form.data = typed_in_excel(form.data)
    else:
        if args.sheet is not None:
            raise InputError("JSON 表单只有一张表，--sheet 只用于工作簿和 Word 文档", file=str(src))
        form = read_form(src)
    _writable(args.output, args.force)
    if args.output.exists() and args.output.resolve() == src.resolve():
        raise InputError("输出文件与要导入的文件相同：请另给一个文件名", file=str(args.output))
    template = template_for(form)
    with resources.as_file(
        resources.files("jixiao.xlsx_templates").joinpath(template.file)
    ) as path:
        try:
            fill_workbook(form, path, args.output, functions=jixiao.udfs)
        except InputError as e:
            if where is None or e.file != form.source:
                raise
            # the fill names the JSON key ("键 经费[7]"); the user knows the sheet or table
            raise InputError(
                f"无法填入标准工作簿：{e.detail}", file=str(src), where=where
            ) from None
    print(f"已写入 {args.output}（{form.form_type}{taken}）")
    if isinstance(form, SelfEvalForm) and form.framework:
        print(
            f"原表是{form.framework}：已写入「设置」表的评价框架格，校验时像校验原表一样，"
            "不做按全国统一格式设计的检查；要按统一格式校验，清空该格即可。"
        )
    if isinstance(form, SelfEvalForm) and not form.scored:
        print(
            "注意：原表没有分值、得分和总分（如绩效目标自评表）；标准工作簿是计分的全国统一格式，"
            "校验会要求每个指标填写分值、分值合计为 100。"
        )
    return EXIT_OK


def export(args: argparse.Namespace) -> int:
    data = read_workbook_form(args.workbook, sheet=args.sheet)
    text = dumps(form_from_data(data, str(args.workbook)))
    if data.get("表类型") != BASIC and (other := settings_framework(read_grid(args.workbook))):
        print(
            f"注意：工作簿「设置」表写明本表是{other}；JSON 表单没有这一项，"
            "导出的 JSON 再校验时按全国统一格式。",
            file=sys.stderr,
        )
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
