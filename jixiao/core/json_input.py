"""JSON a user gives (forms, profiles, a workbook's fill record), read within stated limits.

Python's json module fails on some input with errors that are not about the file: nesting
about a thousand deep exhausts the recursion limit, an integer of 4,301+ digits exceeds the
limit of int conversion, and ``1E309`` silently becomes infinity. ``parse`` refuses such
input first, with the line and column and the limit in Chinese:

- at most MAX_DEPTH levels of ``[ ]`` / ``{ }`` (a form needs four);
- a number has at most MAX_DIGITS digits before its exponent, and its size is at most
  MAX_MAGNITUDE;
- no ``NaN`` / ``Infinity`` / ``-Infinity`` (not JSON, though Python writes them).

A prescan of C loops over the bytes (see _suspect) finds candidates; the exact (slower)
token scan runs only when it does.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jixiao.core.errors import InputError

MAX_DEPTH = 64
MAX_DIGITS = 40
MAX_MAGNITUDE = 1e308


class JsonProblem(ValueError):
    """JSON that cannot be read: ``reason`` in Chinese, ``line``/``column`` from 1."""

    def __init__(self, reason: str, line: int, column: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column

    @property
    def message(self) -> str:
        return f"第 {self.line} 行第 {self.column} 列：{self.reason}"


def parse(text: str, raw: bytes | None = None) -> Any:
    """The JSON value of ``text``; raise JsonProblem (a ValueError) when it cannot be read.
    ``raw``: the UTF-8 bytes ``text`` was decoded from, when the caller has them (saves
    encoding a big file again)."""
    text = text.removeprefix("\ufeff")  # a BOM is no content (json refuses it)
    if _suspect(raw if raw is not None else text.encode("utf-8", "surrogatepass")):
        _check_tokens(text)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except _NonFinite as e:
        _check_tokens(text)  # finds and reports the constant, with its place
        raise JsonProblem(_non_finite(e.args[0]), 1, 1) from None  # the scan raised first
    except json.JSONDecodeError as e:
        raise JsonProblem(f"JSON 格式错误（{_json_reason(e.msg)}）", e.lineno, e.colno) from None


def load(text: str, file: str, raw: bytes | None = None) -> Any:
    """``parse``, with a problem raised as InputError naming ``file``."""
    try:
        return parse(text, raw)
    except JsonProblem as e:
        raise InputError(e.message, file=file) from None


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str) -> None:
    raise _NonFinite(name)


# The prescan works on the UTF-8 bytes with bytes.translate/replace/in (C loops; under a
# quarter of json.loads's time on a 4.5 MB form). It only answers "maybe beyond a limit":
# then the exact scan (_check_tokens) runs. Multi-byte UTF-8 never contains an ASCII byte.
#
# Kept: digits and "." as "0", e/E as "e", "," and ":" as " ", brackets and quotes; all else
# dropped (no number holds a space or a sign between its digits). A number of more than
# MAX_DIGITS digits leaves a run of MAX_DIGITS + 1 "0"; a value over MAX_MAGNITUDE with at
# most MAX_DIGITS digits has an exponent of three digits or more, "e000". Text in strings
# seldom looks like either, and then costs only the exact scan.
_SHAPE = bytes(
    ord("0") if chr(c) in "0123456789." else ord("e") if chr(c) in "eE"
    else ord(" ") if chr(c) in ",:" else c
    for c in range(256)
)  # fmt: skip
_NOT_SHAPE = bytes(c for c in range(256) if chr(c) not in '0123456789.eE,:[]{}"')
_LONG_NUMBER = b"0" * (MAX_DIGITS + 1)


def _suspect(raw: bytes) -> bool:
    if b"\\" in raw:  # escaped backslashes and quotes are string content
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    shape = raw.translate(_SHAPE, _NOT_SHAPE)
    if _LONG_NUMBER in shape or b"e000" in shape:
        return True
    # Dropping two adjacent quotes keeps every other byte inside or outside a string as it
    # was: strings without brackets vanish, and if no quote is left, no bracket was in one.
    brackets = shape.translate(None, b"0e ").replace(b'""', b"")
    if b'"' in brackets:
        parts = brackets.split(b'"')
        if len(parts) % 2 == 0:
            return True  # an unterminated string: where it starts is for the exact scan
        brackets = b"".join(parts[::2])
    if brackets.count(b"[") + brackets.count(b"{") <= MAX_DEPTH:
        return False
    # Each pass removes the innermost pairs, at most two levels ("{[]}"): empty within
    # MAX_DEPTH / 2 passes means no deeper than MAX_DEPTH.
    for _ in range(MAX_DEPTH // 2):
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if not brackets:
            return False
    return True


# A JSON string, or an unterminated one up to the end (the decoder stops there anyway).
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)'
_TOKENS = re.compile(_STRING + r"|[\[\]{}]|-?Infinity|NaN|-?[0-9][0-9.]*(?:[eE][-+]?[0-9]*)?", re.S)


def _check_tokens(text: str) -> None:
    """Raise JsonProblem at the first token beyond a limit, in file order."""
    depth = 0
    for m in _TOKENS.finditer(text):
        token = m.group()
        first = token[0]
        if first == '"':
            continue
        if first in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _problem(
                    text,
                    m.start(),
                    f"[ ] 或 {{ }} 嵌套超过 {MAX_DEPTH} 层（jixiao 能读取的上限）："
                    "正常的表单或配置文件不会嵌套这么深，请检查文件内容",
                )
        elif first in "]}":
            depth -= 1
        elif token.endswith(("Infinity", "NaN")):
            raise _problem(text, m.start(), _non_finite(token))
        else:
            mantissa = re.split("[eE]", token, maxsplit=1)[0]
            digits = sum(c.isdigit() for c in mantissa)
            if digits > MAX_DIGITS:
                raise _problem(
                    text,
                    m.start(),
                    f"数字“{_short(token)}”有 {digits} 位，超过 jixiao 能读取的上限"
                    f"（{MAX_DIGITS} 位）：请检查这个数字是否填错",
                )
            try:
                too_big = abs(float(token)) > MAX_MAGNITUDE
            except ValueError:  # not a JSON number: the decoder says where
                continue
            if too_big:
                raise _problem(
                    text,
                    m.start(),
                    f"数字“{_short(token)}”太大，超过 jixiao 能读取的上限"
                    "（绝对值不超过 1e308）：请检查这个数字是否填错",
                )


def _non_finite(name: str) -> str:
    return f"含有 {name}，JSON 中的数字必须是普通数字：请改为实际数值或删去该值"


def _short(token: str) -> str:
    return token if len(token) <= 24 else f"{token[:12]}…{token[-6:]}"


def _problem(text: str, offset: int, reason: str) -> JsonProblem:
    line = text.count("\n", 0, offset) + 1
    return JsonProblem(reason, line, offset - text.rfind("\n", 0, offset))


def _json_reason(msg: str) -> str:
    table = {
        "Expecting ',' delimiter": "缺少逗号",
        "Expecting ':' delimiter": "缺少冒号",
        "Expecting value": "此处应有一个值",
        "Expecting property name enclosed in double quotes": "键名应使用英文双引号",
        "Unterminated string starting at": "字符串缺少结尾引号",
        "Extra data": "JSON 结束后还有多余内容",
        "Invalid control character at": "字符串中含有控制字符",
        "Invalid \\escape": "字符串中的反斜杠 \\ 后不是有效的转义",
        "Invalid \\uXXXX escape": "字符串中的 \\u 转义无效",
        "Illegal trailing comma before end of object": "对象末尾多了逗号",
        "Illegal trailing comma before end of array": "数组末尾多了逗号",
    }
    return table.get(msg, "不符合 JSON 格式")
