"""Command line: ``jixiao check`` and friends. Exit 0 clean, 1 errors found, 2 unreadable input."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
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
        help="把 JSON 表单填入标准工作簿",
        description="把 JSON 表单填入对应的标准工作簿。",
    )
    imp.add_argument("form", type=Path, metavar="FORM.json", help="表单文件（JSON 交换格式）")
    imp.add_argument(
        "-o", "--output", required=True, type=Path, metavar="FILE", help="输出工作簿（.xlsm）"
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
        "校验工作簿：问题写入单元格批注和「校验结果」表。",
    )
    val.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    val.add_argument("--profile", default="national", metavar="P", help="地区配置，同 check")
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
    return parser


def _workbook_command(
    sub: Any, name: str, tag: str, help_text: str, description: str
) -> argparse.ArgumentParser:
    """A command that reads a workbook and writes a copy (or the file itself with --in-place)."""
    cmd = sub.add_parser(name, help=help_text, description=description)
    cmd.add_argument("workbook", type=Path, metavar="FILE", help="工作簿（.xlsx/.xlsm）")
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
        if args.command == "check":
            return _check(args)
        if args.command == "checks":
            return _list_checks()
        if args.command == "new":
            return _new(args)
        if args.command == "import":
            return _import(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "clear":
            return _clear(args)
        if args.command == "recalc":
            return _recalc(args)
        if args.command == "export":
            return _export(args)
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
        objects = [_report_object(f.source, found) for f, found in reports]
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


def _writable(path: Path, force: bool) -> None:
    if path.suffix.lower() != ".xlsm":
        raise InputError("输出文件应以 .xlsm 结尾（工作簿带有「校验」等按钮的宏）", file=str(path))
    if path.exists() and not force:
        raise InputError(
            "文件已存在，为免覆盖您的内容没有写入；如确需覆盖请加 --force", file=str(path)
        )
    if not path.parent.exists():
        raise InputError("所在文件夹不存在", file=str(path))


def _new(args: argparse.Namespace) -> int:
    from .workbook.builder import TEMPLATES, build, with_projects

    _writable(args.output, args.force)
    if not 1 <= args.projects <= 100:
        raise InputError(f"--projects 应在 1–100 之间，实际为 {args.projects}")
    template = next(t for t in TEMPLATES if t.file == TYPE_ALIASES[args.type])
    if template.unit_workbook:
        template = with_projects(template, args.projects)
    build(template, args.output, header={"单位名称": args.unit, "年度": args.year})
    print(f"已新建 {args.output}（{template.title}，{args.unit} {args.year} 年度）")
    return EXIT_OK


def template_for(form: Form) -> str:
    """The committed template a form goes into."""
    from .form import SelfEvalForm
    from .layout import BASIC, SICHUAN, WHOLE

    if form.form_type == BASIC:
        return "部门整体支出绩效评价基础数据表.xlsm"
    if form.form_type == WHOLE:
        if isinstance(form, SelfEvalForm) and form.layout == SICHUAN:
            raise InputError(
                "这是四川式（指标性质/度量单位分列）的部门整体支出自评表，jixiao 暂无此模板；"
                "请改用全国式写法（指标值写成“≥18场次”）",
                file=form.source,
            )
        return "部门整体支出绩效自评表.xlsm"
    if isinstance(form, SelfEvalForm) and form.layout == SICHUAN:
        return "项目支出绩效自评表（四川式）.xlsm"
    return "项目支出绩效自评表.xlsm"


def _import(args: argparse.Namespace) -> int:
    from importlib import resources

    from .adapters.openpyxl_forms import fill_workbook

    form = read_form(args.form)
    _writable(args.output, args.force)
    with resources.as_file(
        resources.files("jixiao.xlsx_templates").joinpath(template_for(form))
    ) as template:
        fill_workbook(form, template, args.output)
    print(f"已写入 {args.output}（{form.form_type}）")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from .adapters.openpyxl_forms import read_workbook_form
    from .interchange import dumps, form_from_data

    data = read_workbook_form(args.workbook, sheet=args.sheet)
    text = dumps(form_from_data(data, str(args.workbook)))
    if args.output is None:
        print(text)
    else:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"已导出 {args.output}")
    return EXIT_OK


def _output(args: argparse.Namespace, tag: str) -> Path:
    """Where a headless run writes: a new file unless --in-place; never over the input."""
    src: Path = args.workbook
    if args.in_place:
        if args.output is not None:
            raise InputError("--in-place 与 -o 不能同时使用")
        return src
    out = args.output or src.with_name(f"{src.stem}_{tag}{src.suffix}")
    if out.resolve() == src.resolve():
        raise InputError("输出文件与原文件相同；要直接写入原文件请用 --in-place", file=str(out))
    if out.suffix.lower() != src.suffix.lower():
        raise InputError(f"输出文件的扩展名应与原文件相同（{src.suffix}）", file=str(out))
    if not out.parent.exists():
        raise InputError("所在文件夹不存在", file=str(out))
    return out


def _validate(args: argparse.Namespace) -> int:
    from .adapters.package_marks import PackageHost
    from .adapters.xlsx_file import check_package
    from .workbook import marks

    profile = load_profile(args.profile)
    check_package(args.workbook)  # what is wrong with the input comes first
    host = PackageHost(args.workbook)
    report = marks.validate(host, profile)
    out = _output(args, "校验")
    host.save(out)
    if args.json:
        obj = _report_object(str(args.workbook), report.findings)
        obj["output"] = str(out)
        obj["skipped"] = [{"sheet": sheet, "reason": why} for sheet, why in report.skipped]
        print(json.dumps(obj, ensure_ascii=False, indent=1))
    else:
        names = "、".join(sorted({f.sheet_layout.sheet for f in report.forms if f.sheet_layout}))
        print(f"【{args.workbook}】校验了 {len(report.forms)} 张表（{names}）")
        for sheet, why in report.skipped:
            print(f"（跳过工作表“{sheet}”：{why}）")
        print(findings_table(report.findings))
        print(summary_line(report.findings))
        print(f"已写出带标记的工作簿：{out}")
    has_error = any(x.severity is Severity.ERROR for x in report.findings)
    return EXIT_ERRORS if has_error else EXIT_OK


def _clear(args: argparse.Namespace) -> int:
    from .adapters.package_marks import PackageHost
    from .adapters.xlsx_file import open_workbook
    from .workbook import marks

    open_workbook(args.workbook, read_only=True).close()  # refuse anything we could not write back
    host = PackageHost(args.workbook)
    out = _output(args, "已清除")
    marks.clear(host)
    host.save(out)
    print(f"已清除校验标记：{out}")
    return EXIT_OK


def _recalc(args: argparse.Namespace) -> int:
    from .adapters.xlsx_file import check_package
    from .workbook.recalc import recalculate

    check_package(args.workbook)
    out = _output(args, "重算")
    report = recalculate(args.workbook, out)
    print(f"已重算 {report.cells} 个公式单元格（{report.sheets} 张工作表），结果已存入：{out}")
    return EXIT_OK


def _report_object(source: str, found: list[Finding]) -> dict[str, Any]:
    return {"file": source, "findings": [f.to_dict() for f in found], "summary": summary(found)}


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


if __name__ == "__main__":
    sys.exit(main())
