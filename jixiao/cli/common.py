"""What every command shares: exit codes, the JSON report, where a workbook command writes."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from jixiao.core.errors import InputError
from jixiao.core.findings import Finding, Severity, summary

EXIT_OK, EXIT_ERRORS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def exit_code(findings: list[Finding]) -> int:
    """1 when any finding is an 错误, else 0."""
    return EXIT_ERRORS if any(f.severity is Severity.ERROR for f in findings) else EXIT_OK


def report_object(source: str, found: list[Finding]) -> dict[str, Any]:
    return {"file": source, "findings": [f.to_dict() for f in found], "summary": summary(found)}


def json_text(obj: Any) -> str:
    """``obj`` as the JSON a command prints: always valid JSON. A number no JSON can hold
    (infinity, NaN: a value some reader let through) is written as its text, never as the
    bare ``Infinity``/``NaN`` that JSON readers refuse."""
    try:
        return json.dumps(obj, ensure_ascii=False, indent=1, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(obj), ensure_ascii=False, indent=1, allow_nan=False)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def output_path(args: argparse.Namespace, tag: str) -> Path:
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
