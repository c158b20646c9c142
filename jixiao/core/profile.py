"""Regional settings (rules.md "Profiles"): built-in TOML files or a user's own file."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jixiao.core import json_input
from jixiao.core.errors import InputError

BUILTIN = ("national", "sichuan", "hunan")
DEFAULT = "national"
# The built-in profiles by the names a clerk may type into the 设置 sheet.
ALIASES = {"全国": "national", "全国通用": "national", "四川": "sichuan", "湖南": "hunan"}
WEIGHT_KEYS = ("预算执行", "产出指标", "效益指标", "满意度指标")
BAND_KEYS = ("达成", "部分达成", "未达成")


@dataclass(frozen=True)
class Profile:
    name: str  # as users read it (全国通用, 四川)
    deviation_threshold: float
    reason_required_below: float  # 执行率 below this needs a written reason
    weights: dict[str, float]
    checkpoints: dict[int, float]  # month -> cumulative execution target
    bands: dict[str, tuple[float, float]]  # qualitative bands, share of 分值
    grades: dict[str, float]  # grade -> lower bound of 总分
    key: str = DEFAULT  # how it was asked for: a built-in name or a file path

    @property
    def budget_points(self) -> float:
        return self.weights["预算执行"]


def load_profile(spec: str | Path | None = None) -> Profile:
    """A built-in name (national/sichuan/hunan, or 全国/四川/湖南) or a .toml/.json path."""
    name = str(spec).strip() if spec is not None else DEFAULT
    name = ALIASES.get(name, name) or DEFAULT
    if name in BUILTIN:
        return _builtin(name)
    return _load(name)


@cache
def _builtin(name: str) -> Profile:
    # A built-in profile is package data: parsed once per process, not once per file of a
    # batch (about a millisecond each, 5% of a file in jixiao review). Nothing changes a
    # Profile after it is built.
    return _load(name)


def _load(name: str) -> Profile:
    return replace(_build(_load_raw(name, seen=()), name), key=name)


@dataclass(frozen=True)
class ProfileChoice:
    """The profile a run uses, and where it came from (said in the output)."""

    profile: Profile
    source: str  # 命令行 --profile / 按钮 / 工作簿「设置」表 / why the form names it / 默认

    @property
    def description(self) -> str:
        return f"{self.profile.name}（{self.source}）"


def choose_profile(
    explicit: str | Path | Profile | None,
    workbook: str | None = None,
    *,
    explicit_source: str = "命令行 --profile",
    hint: tuple[str, str] | None = None,
) -> ProfileChoice:
    """The run's profile: the explicit choice, else the workbook's 设置 sheet, else what the
    form's own print says (``hint``: a built-in profile and why, e.g. ("sichuan", "表中有四川
    省的报表编号 510000_0013zp")), else the default."""
    if isinstance(explicit, Profile):
        return ProfileChoice(explicit, explicit_source)
    if explicit is not None and str(explicit).strip():
        return ProfileChoice(load_profile(explicit), explicit_source)
    if workbook is not None and workbook.strip():
        return ProfileChoice(load_profile(workbook), "工作簿「设置」表")
    if hint is not None:
        return ProfileChoice(load_profile(hint[0]), hint[1])
    return ProfileChoice(load_profile(), "默认")


def _load_raw(spec: str, seen: tuple[str, ...]) -> dict[str, Any]:
    if spec in seen:
        raise InputError(f"配置文件循环继承：{' → '.join((*seen, spec))}")
    if spec in BUILTIN:
        text = resources.files("jixiao.core.profiles").joinpath(f"{spec}.toml").read_text("utf-8")
        data = tomllib.loads(text)
        origin = spec
    else:
        path = Path(spec)
        try:
            exists = path.is_file()
        except (OSError, ValueError):  # a name too long or with NUL characters is no file
            exists = False
        if not exists:
            raise InputError(
                f"找不到配置“{spec}”：请使用 {'、'.join(BUILTIN)} 之一，或给出 .toml/.json 配置文件的路径"
            )
        data = _read_file(path)
        origin = str(path)
    parent = data.pop("继承", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise InputError("“继承”应为配置名称或文件路径", file=origin)
    if parent not in BUILTIN and spec not in BUILTIN:
        parent = str(Path(spec).parent / parent)
    base = _load_raw(parent, (*seen, spec))
    return _merge(base, data)


def _read_file(path: Path) -> dict[str, Any]:
    name = str(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise InputError("配置文件不是 UTF-8 编码的文本", file=name) from None
    except OSError as e:
        raise InputError(f"无法读取配置文件（{e.strerror or '读取失败'}）", file=name) from None
    if path.suffix.lower() == ".json":
        try:
            data = json_input.parse(text)
        except json_input.JsonProblem as e:
            raise InputError(f"配置文件格式错误：{e.message}", file=name) from None
    else:
        data = _parse_toml(text, name)
    if not isinstance(data, dict):
        raise InputError("配置文件应为键值表", file=name)
    return data


def _parse_toml(text: str, name: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        at = _TOML_PLACE.search(str(e))
        where = f"第 {at.group(1)} 行第 {at.group(2)} 列：" if at else ""
        if "end of document" in str(e):
            where = "文件末尾："
        raise InputError(f"配置文件格式错误：{where}不符合 TOML 格式", file=name) from None
    except (RecursionError, ValueError):  # tomllib: nesting ~1,000 deep, an int of 4,301+ digits
        raise InputError(
            "配置文件格式错误：嵌套过深或数字位数过多，超出 jixiao 能读取的上限", file=name
        ) from None
    bad = _non_finite(data, "")
    if bad:  # TOML allows inf and nan; JSON profiles refuse them (json_input)
        raise InputError(f"配置项“{bad}”应为普通数字，不能是 inf 或 nan", file=name)
    return data


_TOML_PLACE = re.compile(r"line (\d+), column (\d+)")


def _non_finite(value: Any, key: str) -> str | None:
    """The key of the first inf or nan in a parsed profile, or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else key
    if isinstance(value, dict):
        pairs: Any = value.items()
    elif isinstance(value, list):
        pairs = enumerate(value, 1)
    else:
        return None
    for k, v in pairs:
        bad = _non_finite(v, f"{key}.{k}" if key else str(k))
        if bad:
            return bad
    return None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _build(raw: dict[str, Any], origin: str) -> Profile:
    def fail(key: str, what: str) -> InputError:
        return InputError(f"配置项“{key}”{what}", file=origin)

    def number(key: str, value: Any, lo: float = 0.0, hi: float = float("inf")) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(key, f"应为数字，实际为 {value!r}")
        if not lo <= value <= hi:
            raise fail(key, f"应在 {lo}–{hi} 之间，实际为 {value}")
        return float(value)

    def table(key: str) -> dict[str, Any]:
        value = raw.get(key)
        if not isinstance(value, dict):
            raise fail(key, "缺失或不是一个表")
        return value

    known = {"名称", "偏差阈值", "执行率说明下限", "权重", "执行进度", "定性档次", "等级"}
    for key in raw:
        if key not in known:
            raise fail(key, f"无法识别；可用的配置项：{'、'.join(sorted(known))}")

    weights_raw = table("权重")
    weights = {}
    for k in WEIGHT_KEYS:
        if k not in weights_raw:
            raise fail(f"权重.{k}", "缺失")
        weights[k] = number(f"权重.{k}", weights_raw[k], 0, 100)
    checkpoints = {}
    for month, target in table("执行进度").items():
        if not str(month).isdigit() or not 1 <= int(month) <= 12:
            raise fail(f"执行进度.{month}", "的月份应为 1–12")
        checkpoints[int(month)] = number(f"执行进度.{month}", target, 0, 1)
    bands = {}
    for k in BAND_KEYS:
        v = table("定性档次").get(k)
        if not (isinstance(v, list) and len(v) == 2):
            raise fail(f"定性档次.{k}", "应为 [下限, 上限] 两个比例")
        lo, hi = (number(f"定性档次.{k}", x, 0, 1) for x in v)
        bands[k] = (lo, hi)
    grades = {str(k): number(f"等级.{k}", v, 0, 1000) for k, v in table("等级").items()}
    if not grades:
        raise fail("等级", "不能为空")
    return Profile(
        name=str(raw.get("名称", origin)),
        deviation_threshold=number("偏差阈值", raw.get("偏差阈值"), 0, 10),
        reason_required_below=number("执行率说明下限", raw.get("执行率说明下限"), 0, 10),
        weights=weights,
        checkpoints=dict(sorted(checkpoints.items())),
        bands=bands,
        grades=grades,
    )
