"""The JSON interchange format of forms.md: read with clear schema errors, write back unchanged."""

from __future__ import annotations

import difflib
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from jixiao.core import json_input
from jixiao.core.errors import InputError
from jixiao.core.fields import (
    BASIC,
    BASIC_OBJECT,
    FIELDS,
    FORM_TYPES,
    PROJECT,
    SELF_EVAL_OBJECT,
    WHOLE,
    child_schema,
    keys,
)
from jixiao.core.form import Form, build_form

# Allowed keys per object, in canonical order (forms.md), from the field schema.
SCHEMA: dict[str, tuple[str, ...]] = {
    name: keys(name)
    for name in (
        SELF_EVAL_OBJECT, "预算执行", "资金来源", "年度总体目标", "绩效指标", "总分",
        BASIC_OBJECT, "人员", "经费", "楼堂馆所",
    )
}  # fmt: skip


def canonical(obj: dict[str, Any], schema: str) -> dict[str, Any]:
    """Keys in the order of forms.md (SCHEMA), nested objects likewise; unknown keys last."""
    known = SCHEMA.get(schema, ())
    out: dict[str, Any] = {}
    for key in [k for k in known if k in obj] + [k for k in obj if k not in known]:
        value = obj[key]
        child = child_schema(key)
        if child and isinstance(value, dict):
            value = canonical(value, child)
        elif child and isinstance(value, list):
            value = [canonical(v, child) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


def json_value(value: Any) -> Any:
    """A cell's value as the JSON holds it: dates and times as ISO text."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return value


_SCALAR = (str, int, float, bool, type(None))
# Keys whose values are objects or arrays, checked by validate() itself.
_CONTAINERS = frozenset(f.key for f in FIELDS if f.kind != "value")


def read_form(path: str | Path) -> Form:
    """Read one form from a JSON file; raise InputError with a Chinese message."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise InputError("文件不存在", file=name)
    if path.is_dir():
        raise InputError("这是一个文件夹，请给出 .json 表单文件", file=name)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"无法读取（{e.strerror}）", file=name) from None
    if raw[:4] == b"PK\x03\x04":
        raise InputError(
            "这是 Excel 工作簿而不是 JSON 表单，请用 jixiao validate 校验工作簿", file=name
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            "不是 UTF-8 编码的 JSON 文本（若是 GBK 编码，请另存为 UTF-8）", file=name
        ) from None
    data = json_input.load(text, name, raw)
    return form_from_data(data, source=name)


def form_from_data(data: Any, source: str = "") -> Form:
    validate(data, source)
    return build_form(data, source)


def dumps(form_or_data: Form | dict[str, Any]) -> str:
    """The form as JSON text; reading it back gives the same document."""
    data = form_or_data.data if isinstance(form_or_data, Form) else form_or_data
    return json.dumps(data, ensure_ascii=False, indent=1)


def write_form(form: Form | dict[str, Any], path: str | Path) -> None:
    Path(path).write_text(dumps(form) + "\n", encoding="utf-8")


def validate(data: Any, source: str = "") -> None:
    """Raise InputError on the first structural problem: which key, what was expected."""

    def fail(where: str, what: str) -> InputError:
        return InputError(what, file=source or None, where=f"键 {where}" if where else None)

    if not isinstance(data, dict):
        raise fail("", f"表单应为 JSON 对象 {{…}}，实际为{kind_name(data)}")
    form_type = data.get("表类型")
    if form_type is None:
        raise fail("表类型", f"缺少“表类型”，应为 {'、'.join(FORM_TYPES)} 之一")
    if form_type not in FORM_TYPES:
        hint = _suggest(str(form_type), FORM_TYPES)
        raise fail(
            "表类型", f"“{form_type}”不是已知的表类型，应为 {'、'.join(FORM_TYPES)} 之一{hint}"
        )
    top = BASIC_OBJECT if form_type == BASIC else SELF_EVAL_OBJECT
    _check_object(data, top, "", fail)
    if form_type in (WHOLE, PROJECT):
        _check_child(data, "预算执行", dict, fail, "")
        budget = data.get("预算执行", {})
        for key in ("资金来源", "按收入性质", "按支出性质"):
            _check_list_of_objects(budget, key, "资金来源", f"预算执行.{key}", fail)
        _check_child(data, "年度总体目标", dict, fail, "")
        _check_list_of_objects(data, "绩效指标", "绩效指标", "绩效指标", fail)
        _check_child(data, "总分", dict, fail, "")
        progress = data.get("执行进度", {})
        if not isinstance(progress, dict):
            raise fail("执行进度", f'应为对象，如 {{"6月": 0.4}}，实际为{kind_name(progress)}')
        for month, value in progress.items():
            if not isinstance(value, _SCALAR):
                raise fail(
                    f"执行进度.{month}", f'应为比例（如 0.4 或 "40%"），实际为{kind_name(value)}'
                )
    else:
        _check_child(data, "人员", dict, fail, "")
        _check_list_of_objects(data, "经费", "经费", "经费", fail)
        _check_list_of_objects(data, "楼堂馆所", "楼堂馆所", "楼堂馆所", fail)


def _check_object(obj: dict[str, Any], schema: str, path: str, fail: Any) -> None:
    allowed = SCHEMA[schema]
    for key, value in obj.items():
        where = f"{path}.{key}" if path else key
        if key not in allowed:
            raise fail(
                where,
                f"未知的键“{key}”{_suggest(key, allowed)}；此处可用的键：{'、'.join(allowed)}",
            )
        if key not in _CONTAINERS and not isinstance(value, _SCALAR):
            raise fail(where, f"应为数字或文字，实际为{kind_name(value)}")


def _check_child(parent: dict[str, Any], key: str, kind: type, fail: Any, path: str) -> None:
    if key not in parent:
        return
    value = parent[key]
    where = f"{path}.{key}" if path else key
    if not isinstance(value, kind):
        raise fail(where, f"应为对象 {{…}}，实际为{kind_name(value)}")
    _check_object(value, key, where, fail)


def _check_list_of_objects(
    parent: dict[str, Any], key: str, schema: str, where: str, fail: Any
) -> None:
    if key not in parent:
        return
    items = parent[key]
    if items is None:
        return
    if not isinstance(items, list):
        raise fail(where, f"应为数组 […]，实际为{kind_name(items)}")
    for k, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise fail(f"{where}[{k}]", f"应为对象 {{…}}，实际为{kind_name(item)}")
        _check_object(item, schema, f"{where}[{k}]", fail)


def kind_name(value: Any) -> str:
    return {
        dict: "对象", list: "数组", str: "文字", int: "数字", float: "数字", bool: "真假值",
        type(None): "空值 null",
    }.get(type(value), type(value).__name__)  # fmt: skip


def _suggest(word: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f"，是否应为“{close[0]}”？" if close else ""
