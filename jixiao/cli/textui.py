"""Terminal output: Chinese text in aligned columns, and Chinese argparse messages."""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Sequence

from jixiao.core.findings import Finding

_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "expected one argument": "此选项需要一个值",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的值",
    "show program's version number and exit": "显示版本并退出",
}


def install_argparse_chinese() -> None:
    # argparse looks its strings up through gettext at call time; answer in Chinese.
    argparse._ = lambda s: _ARGPARSE_ZH.get(s, s)  # type: ignore[attr-defined]


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, cols: int) -> str:
    return text + " " * max(0, cols - width(text))


def findings_table(findings: Sequence[Finding]) -> str:
    if not findings:
        return "未发现问题。"
    rows = [(str(f.severity), f.code, f.place, f.message) for f in findings]
    head = ("级别", "代码", "位置", "说明")
    widths = [max(width(r[i]) for r in [*rows, head]) for i in range(3)]
    lines = ["  ".join(pad(head[i], widths[i]) for i in range(3)) + "  " + head[3]]
    lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 8)
    lines += ["  ".join(pad(r[i], widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    return "\n".join(lines)
