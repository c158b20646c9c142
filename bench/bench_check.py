"""Benchmark the rule engine: generate self-evaluation forms, build them, check them.

Forms are derived from the real examples in examples/*.json by deterministic random
perturbation (random.Random(seed)). Generation is not timed: all dicts are built first,
then (a) form_from_data and (b) check_form are timed separately with time.perf_counter.

Run from the repository root:  python bench/bench_check.py [--forms N] [--seed S] [--profile P]
--preparse times indicator-value parsing as its own phase (it is otherwise lazy and is
charged to the first check that reads the values, an S check).
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import json
import os
import platform
import pstats
import random
import re
import statistics
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jixiao.core.findings import Finding
from jixiao.core.form import Form
from jixiao.core.interchange import form_from_data
from jixiao.core.profile import Profile, load_profile
from jixiao.rules import engine
from jixiao.rules.engine import check_form

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WHOLE, PROJECT, BASIC = (
    "部门整体支出绩效自评表",
    "项目支出绩效自评表",
    "部门整体支出绩效评价基础数据表",
)
FAMILIES = ("W", "S", "D", "Q", "X")
FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")

# Operator spellings for the national text cell: (prefix, suffix).
NATIONAL_OPS = {
    "≥": [("≥", ""), ("＞＝", ""), (">=", ""), ("不低于", ""), ("", "以上"), ("", "")],
    "≤": [("≤", ""), ("<=", ""), ("不超过", ""), ("", "以内"), ("＜＝", "")],
    "=": [("", ""), ("＝", "")],
}
SICHUAN_OPS = {"≥": ["≥", "＞＝", ">=", "≥"], "≤": ["≤", "<=", "≤"], "=": ["＝", "=", "定量"]}
LEVEL_PAIRS = [  # (target, plausible actuals)
    ("优", ["优", "优", "良", "中"]),
    ("好", ["好", "好", "较好", "一般"]),
    ("及时", ["及时", "及时", "不及时", "按时完成"]),
    ("达标", ["达标", "达标", "未达标"]),
    ("达成预期指标", ["达成预期指标", "基本达成", "未达成"]),
    ("是", ["是", "否"]),
    ("及时拨付", ["及时拨付", "已圆满完成"]),
]
VAGUE = ["不断提高", "持续高质量发展", "优化营商环境", "引导地方扶持中小企业", "有所提升"]
DATES = [("2020年12月前", "2020年12月前"), ("2024年底前", "2024年11月"), ("≤12月", "12月"),
         ("2020年12月31日", "已圆满完成"), ("一年以内", "11个月")]  # fmt: skip
PLACEHOLDERS = ["", "—", "/", "*", "无", " "]
WEIGHT_OF = {"效益指标": 30, "效益": 30, "效果指标": 30, "满意度指标": 10, "满意度": 10}
LEVEL1_VARIANTS = {"产出指标": ["产出"], "效益指标": ["效益", "效果指标"], "满意度指标": ["满意度"]}
LEVEL2_VARIANTS = {
    "数量指标": ["数量"],
    "时效指标": ["时效性指标"],
    "服务对象满意度指标": ["满意度"],
}
EXTRA_ROWS = [  # forms.md examples, to widen the seed pool
    ("产出指标", "数量指标", "开展宣传推介会场次", "≥", 18.0, "场次"),
    ("产出指标", "质量指标", "培训合格率", "≥", 95.0, "%"),
    ("效益指标", "社会效益指标", "服务企业人数", "≥", 300.0, "人次"),
    ("成本指标", "经济成本指标", "项目总成本", "≤", 22.0, "万元"),
]
BASIC_ROWS = [  # (name, parent) as in forms.md section 2
    ("三公经费", None), ("公务用车购置和维护经费", "三公经费"), ("出国经费", "三公经费"),
    ("公务接待", "三公经费"), ("项目支出", None), ("业务工作经费", "项目支出"),
    ("运行维护经费", "项目支出"), ("专项资金", "项目支出"), ("公用经费", None), ("办公费", "公用经费"),
    ("水费、电费、差旅费", "公用经费"), ("会议费、培训费", "公用经费"), ("政府采购金额", None),
    ("部门基本支出预算调整", None),
]  # fmt: skip


@dataclass(frozen=True)
class RowSeed:
    """An indicator row reduced to its parts, whichever layout it came from."""

    level1: str
    level2: str
    name: str
    op: str  # "≥" "≤" "=" or "" for non-numeric
    number: float | None  # None: qualitative / vague / date
    unit: str
    text: str = ""  # non-numeric target as written


_QUANTITY = re.compile(r"^(≥|≤|>=|<=|＞＝|＜＝|>|<|=|＝)?(\d+(?:\.\d+)?)(.*)$")


def seed_row(row: dict[str, Any]) -> RowSeed:
    base = (
        str(row.get("一级指标", "")),
        str(row.get("二级指标", "")),
        str(row.get("三级指标", "")),
    )
    target = row.get("指标值")
    if "指标性质" in row:  # Sichuan layout
        op = str(row.get("指标性质") or "")
        if isinstance(target, int | float):
            return RowSeed(
                *base,
                op if op in ("≥", "≤") else "=",
                float(target),
                str(row.get("度量单位") or ""),
            )
        return RowSeed(*base, "", None, "", str(target))
    m = _QUANTITY.match(str(target))
    if m and not m.group(3).startswith(("年", "万余")):  # dates and 292万余元 stay text
        op = {"≥": "≥", ">=": "≥", "≤": "≤", "<=": "≤"}.get(m.group(1) or "", "=")
        return RowSeed(*base, op, float(m.group(2)), m.group(3))
    return RowSeed(*base, "", None, "", str(target))


def load_seeds() -> tuple[list[dict[str, Any]], list[RowSeed]]:
    forms = [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    if not forms:
        sys.exit(f"no seed forms in {EXAMPLES}")
    rows = [seed_row(r) for f in forms for r in f.get("绩效指标") or []]
    rows += [RowSeed(*r) for r in EXTRA_ROWS]
    return forms, rows


class Generator:
    """Deterministic perturbation of the seed forms into interchange dicts."""

    def __init__(self, seed: int, forms: list[dict[str, Any]], rows: list[RowSeed]) -> None:
        self.r = random.Random(seed)
        self.forms = [f for f in forms if f.get("表类型") in (WHOLE, PROJECT)]
        self.rows = rows

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def num_text(self, x: float, full_width: bool = False) -> str:
        s = str(int(x)) if x == int(x) else f"{x:.2f}".rstrip("0")
        if x >= 1000 and x == int(x) and self.chance(0.3):
            s = f"{int(x):,}"  # thousands separator
        return s.translate(FULL_WIDTH) if full_width else s

    def amount(self, x: float) -> Any:
        """A money cell: mostly a number, sometimes text, full-width or blank."""
        x = round(x, 2)
        roll = self.r.random()
        if roll < 0.03:
            return self.r.choice([None, "", "—"])
        if roll < 0.06:
            return self.num_text(x, full_width=self.chance(0.5))  # Excel text-number
        if roll < 0.07:
            return f"{self.num_text(x)}万"  # not a number: W02
        return x

    def one(self) -> dict[str, Any]:
        roll = self.r.random()
        if roll < 0.15:
            return self.basic()
        seed = copy.deepcopy(self.r.choice(self.forms))
        if self.chance(0.3):  # whole <-> project, to get both types from every seed
            seed["表类型"] = WHOLE if seed["表类型"] == PROJECT else PROJECT
        return self.self_eval(seed, sichuan=roll < 0.55)

    # -- self-evaluation forms ------------------------------------------------

    def self_eval(self, d: dict[str, Any], sichuan: bool) -> dict[str, Any]:
        r = self.r
        if d["表类型"] == WHOLE:
            d.pop("项目名称", None)
        elif "项目名称" not in d:
            d["项目名称"] = "工商企业联席经费"
        for key in ("单位名称", "年度", "项目名称"):
            if key in d and self.chance(0.03):  # W01: blank or missing
                if self.chance(0.5):
                    del d[key]
                else:
                    d[key] = r.choice([None, ""])
        self.budget(d, sichuan)
        goals = d.setdefault("年度总体目标", {})
        for key in ("预期目标", "实际完成情况"):
            if self.chance(0.05):
                goals[key] = r.choice(["", "对照年度目标，说明相关任务目标的完成情况（100字以内）"])
        n = r.randint(1, 30)
        d["绩效指标"] = [self.indicator(r.choice(self.rows), sichuan) for _ in range(n)]
        self.points(d["绩效指标"])
        self.totals(d)
        if self.chance(0.2):  # in-year progress at the profile's checkpoints
            d["执行进度"] = {f"{m}月": round(r.uniform(0.2, 1.0), 3) for m in (6, 9, 11)}
        return d

    def budget(self, d: dict[str, Any], sichuan: bool) -> None:
        r = self.r
        full = round(r.uniform(2, 300), 2)
        initial = round(full * r.choice([1, 1, 0.8, 0.5, r.uniform(0.3, 1.6)]), 2)
        if self.chance(0.05):
            initial = 0.0
        rate = r.choice([1.0, 1.0, r.uniform(0.9, 1.0), r.uniform(0.3, 1.0), r.uniform(1.0, 1.2)])
        executed = round(full * rate, 2)
        true_rate = executed / full
        shown_rate: Any = round(true_rate, 4)
        roll = r.random()
        if roll < 0.1:
            shown_rate = round(executed / initial, 4) if initial else 1.0  # wrong denominator
        elif roll < 0.2:
            shown_rate = f"{true_rate * 100:.2f}%"
        elif roll < 0.25:
            shown_rate = round(true_rate * 100, 2)  # percent typed as a number
        score = round(10 * min(true_rate, 1.0), 2)
        b: dict[str, Any] = {
            "年初预算数": self.amount(initial), "全年预算数": self.amount(full),
            "全年执行数": self.amount(executed), "分值": 10, "执行率": shown_rate,
            "得分": score if self.chance(0.85) else round(score + r.choice([-2, 1, 3]), 2),
        }  # fmt: skip
        if self.chance(0.08):
            del b["年初预算数"]
        names = (
            ["财政资金", "财政专户管理资金", "单位资金"]
            if sichuan
            else ["当年财政拨款", "上年结转资金", "其他资金"]
        )
        split = r.uniform(0.5, 1.0)
        sources = []
        for k, name in enumerate(names):
            share = split if k == 0 else (1 - split if k == 2 else 0.0)
            row = {"名称": name, "年初预算数": round(initial * share, 2), "全年预算数": round(full * share, 2),
                   "全年执行数": round(executed * share, 2)}  # fmt: skip
            if self.chance(0.15):  # a source row left unfilled or off
                row[r.choice(["年初预算数", "全年预算数", "全年执行数"])] = r.choice(
                    [0, None, round(r.uniform(0, 50), 2)]
                )
            sources.append(row)
        b["资金来源"] = sources
        if sichuan and (true_rate < 0.9 or self.chance(0.3)):
            b["原因"] = r.choice(["", "无", "部分项目延期支付", "受疫情影响"])
        if d["表类型"] == WHOLE:
            basic_share = r.uniform(0.4, 0.9)
            be = round(executed * basic_share, 2)
            pe = round(executed - be + (0 if self.chance(0.8) else r.uniform(-5, 5)), 2)
            b["按支出性质"] = [
                {"名称": "基本支出", "全年执行数": be},
                {"名称": "项目支出", "全年执行数": pe},
            ]
        d["预算执行"] = b

    def indicator(self, s: RowSeed, sichuan: bool) -> dict[str, Any]:
        r = self.r
        l1, l2 = s.level1, s.level2
        if self.chance(0.08):
            l1 = r.choice([*LEVEL1_VARIANTS.get(l1, [l1]), "其他指标"])
        if self.chance(0.06):
            l2 = r.choice([*LEVEL2_VARIANTS.get(l2, [l2]), "社会效益指标", "数量指标"])
        row: dict[str, Any] = {"一级指标": l1, "二级指标": l2, "三级指标": s.name}
        if s.number is None:
            self.qualitative(row, s, sichuan)
        else:
            self.quantitative(row, s, sichuan)
        if self.chance(0.06):  # one field dropped or blanked: W05/W06
            key = r.choice(
                ["一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分"]
            )
            row[key] = r.choice(PLACEHOLDERS[:2])
        return row

    def quantitative(self, row: dict[str, Any], s: RowSeed, sichuan: bool) -> None:
        r = self.r
        assert s.number is not None
        integral = s.unit not in ("%", "万元") and s.number == int(s.number)
        target = s.number * r.choice([1, 1, 0.5, 2, r.uniform(0.2, 5)])
        if s.unit == "%":
            target = min(target, 100.0) if self.chance(0.95) else target  # >100%: Q05
        target = max(1, round(target)) if integral else round(target, 2)
        factor = r.choice(
            [1, 1, 1, r.uniform(0.3, 1.0), r.uniform(1.0, 1.6), r.uniform(0.95, 1.05)]
        )
        actual = round(target * factor) if integral else round(target * factor, 2)
        unit = s.unit
        actual_unit = (
            unit if self.chance(0.95) else r.choice(["个", "次", "万元", "%", "元"])
        )  # Q04
        fw = self.chance(0.1)
        if sichuan:
            op = r.choice(SICHUAN_OPS[s.op or "="])
            row["指标性质"] = op if self.chance(0.97) else self.num_text(target)  # Q03: shifted
            row["指标值"] = target if self.chance(0.8) else self.num_text(target, fw)
            row["度量单位"] = unit
            row["实际完成值"] = (
                actual
                if self.chance(0.8)
                else self.num_text(actual, fw) + (actual_unit if actual_unit != unit else "")
            )
        else:
            pre, suf = r.choice(NATIONAL_OPS[s.op or "="])
            approx = "余" if unit.startswith("万") and self.chance(0.1) else ""
            row["指标值"] = f"{pre}{self.num_text(target, fw)}{approx}{unit}{suf}"
            if self.chance(0.04):  # target written into 完成值 too: Q03
                row["实际完成值"] = f"≥{self.num_text(actual, fw)}{actual_unit}"
            else:
                row["实际完成值"] = f"{self.num_text(actual, fw)}{actual_unit}"
        row["_met"] = (actual >= target) if s.op != "≤" else (actual <= target)

    def qualitative(self, row: dict[str, Any], s: RowSeed, sichuan: bool) -> None:
        r = self.r
        roll = r.random()
        if roll < 0.5:
            target, actuals = r.choice(LEVEL_PAIRS)
            actual = r.choice(actuals)
        elif roll < 0.75:
            target = actual = r.choice(VAGUE) if self.chance(0.6) else s.text  # Q02
        else:
            target, actual = r.choice(DATES)
        if self.chance(0.03):
            actual = r.choice(PLACEHOLDERS)
        if sichuan:
            row["指标性质"] = "定性"
        row["指标值"], row["实际完成值"] = target, actual
        row["_met"] = target == actual

    def split(self, total: int, n: int) -> list[int]:
        """``total`` in ``n`` positive integer parts (at least 1 each)."""
        total = max(total, n)
        cuts = sorted(self.r.sample(range(1, total), n - 1)) if n > 1 else []
        return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]

    def points(self, rows: list[dict[str, Any]]) -> None:
        """分值 by the profile's weights (mostly), 得分 near 分值, reasons where scores drop."""
        r = self.r
        parts = [0] * len(rows)
        if self.chance(0.7):  # 产出 50 (incl. 成本) / 效益 30 / 满意度 10
            groups: dict[int, list[int]] = {}
            for k, row in enumerate(rows):
                groups.setdefault(WEIGHT_OF.get(str(row.get("一级指标")), 50), []).append(k)
            for weight, idx in groups.items():
                for k, pts in zip(idx, self.split(weight, len(idx)), strict=True):
                    parts[k] = pts
        else:
            parts = self.split(r.choice([80, 85, 90, 95, 100]), len(rows))
        for row, pts in zip(rows, parts, strict=True):
            met = row.pop("_met")
            score: Any = pts if met or self.chance(0.3) else round(pts * r.uniform(0.4, 0.95), 1)
            if self.chance(0.03):
                score = pts + r.choice([1, 5])  # S03
            elif self.chance(0.01):
                score = -1
            elif self.chance(0.01):
                score = "满分"
            row.setdefault("分值", pts)
            row.setdefault("得分", score)
            if row["得分"] != row["分值"] or self.chance(0.2):
                row["偏差原因"] = r.choice(
                    ["", "无", "受疫情影响，活动次数减少", "与企业之间的联系有待加强"]
                )

    def totals(self, d: dict[str, Any]) -> None:
        r = self.r
        scores = [x for x in (i.get("得分") for i in d["绩效指标"]) if isinstance(x, int | float)]
        b = d["预算执行"]["得分"]
        total = round(sum(scores) + (b if isinstance(b, int | float) else 0), 2)
        if self.chance(0.15):
            total = round(total + r.choice([-3, -1, 2, 5]), 2)
        d["总分"] = {"分值": 100, "得分": total}
        grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
        d["等级"] = grade if self.chance(0.9) else r.choice(["优", "良", "中", "差"])

    # -- 基础数据表 ------------------------------------------------------------

    def basic(self) -> dict[str, Any]:
        r = self.r
        seed = self.r.choice(self.forms)
        authorised = r.randint(3, 15)
        actual = authorised - r.randint(0, 2) if self.chance(0.9) else authorised + r.randint(1, 3)
        rate: Any = round(actual / authorised, 4)
        if self.chance(0.15):
            rate = r.choice([f"{rate * 100:.2f}%", round(rate * 100, 2), 1.0, round(rate + 0.1, 4)])
        values: dict[str, list[float]] = {}
        for name, parent in BASIC_ROWS:
            if parent is None:  # [上年决算, 本年预算, 本年决算], mostly close to budget
                budget = r.uniform(0, 60)
                final = budget * r.choice([1, r.uniform(0.85, 1.1), r.uniform(0.3, 1.8)])
                values[name] = [
                    round(budget * r.uniform(0.6, 1.4), 2),
                    round(budget, 2),
                    round(final, 2),
                ]
        for parent in ("三公经费", "项目支出", "公用经费"):
            kids = [n for n, p in BASIC_ROWS if p == parent]
            for k, name in enumerate(kids):
                shares = [r.uniform(0, 1 / len(kids)) for _ in range(3)]
                values[name] = [
                    round(v * s, 2) for v, s in zip(values[parent], shares, strict=True)
                ]
                if parent == "三公经费" and k == len(kids) - 1 and self.chance(0.7):
                    done = [sum(values[n][c] for n in kids[:-1]) for c in range(3)]  # parts add up
                    values[name] = [round(values[parent][c] - done[c], 2) for c in range(3)]
                if self.chance(0.04):
                    values[name][2] = round(values[parent][2] * 1.5 + 1, 2)  # 其中 above parent
        cols = ("上年决算数", "本年预算数", "本年决算数")
        rows = [
            {"名称": name, **({"上级": parent} if parent else {}),
             **{c: self.amount(v) for c, v in zip(cols, values[name], strict=True)}}
            for name, parent in BASIC_ROWS
            if not self.chance(0.05)  # a row left out
        ]  # fmt: skip
        buildings = []
        for k in range(r.choice([0, 0, 1, 2])):
            plan, done = r.uniform(100, 2000), r.uniform(80, 2100)
            inv, spent = r.uniform(50, 500), r.uniform(40, 520)
            buildings.append({
                "名称": f"办公用房{k + 1}", "批复规模": round(plan), "实际规模": round(done),
                "规模控制率": round(done / plan, 4) if self.chance(0.85) else f"{done / plan * 100:.1f}%",
                "预算投资": round(inv, 2), "实际投资": round(spent, 2),
                "投资概算控制率": round(spent / inv, 4) if self.chance(0.85) else round(inv / spent, 4),
            })  # fmt: skip
        d: dict[str, Any] = {
            "表类型": BASIC, "单位名称": seed.get("单位名称", ""), "年度": seed.get("年度", 2024),
            "人员": {"编制数": authorised, "实际在职人数": actual, "控制率": rate},
            "经费": rows, "楼堂馆所": buildings,
            "厉行节约保障措施": r.choice(["严格执行中央八项规定精神", "", "建立公务接待审批制度"]),
        }  # fmt: skip
        if self.chance(0.03):
            d["单位名称"] = ""
        return d


def machine() -> list[str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"machine   : {platform.platform()} ({platform.machine()})",
        f"python    : {platform.python_implementation()} {platform.python_version()}",
        f"cpu       : {cpu or platform.processor() or 'unknown'}, {os.cpu_count()} cores ({usable} usable)",
    ]


def clear_caches() -> None:
    """Forget whatever the engine remembers between forms (parsed indicator texts …), so
    every timed pass starts cold, as a fresh ``jixiao check`` process would."""
    clear = getattr(engine, "clear_caches", None)  # absent in engines without caches
    if clear is not None:
        clear()


def build(
    datas: list[dict[str, Any]], errors: list[tuple[str, int, str]]
) -> list[tuple[int, Form]]:
    """Fresh form objects (nothing parsed yet); failures are kept, not fatal."""
    forms: list[tuple[int, Form]] = []
    for k, data in enumerate(datas):
        try:
            forms.append((k, form_from_data(data, source=f"bench-{k}")))
        except Exception:
            errors.append(("form_from_data", k, traceback.format_exc()))
    return forms


def check_all(
    forms: list[tuple[int, Form]],
    profile: Profile,
    errors: list[tuple[str, int, str]],
    timings: dict[str, float] | None = None,
) -> list[list[Finding]]:
    """check_form over every form, as a user calls it: findings with their messages."""
    out: list[list[Finding]] = []
    for k, form in forms:
        try:
            out.append(check_form(form, profile, timings=timings))
        except Exception:
            errors.append(("check_form", k, traceback.format_exc()))
            out.append([])
    return out


def dump(path: Path, forms: list[tuple[int, Form]], results: list[list[Finding]]) -> None:
    """Every finding, one JSON line each, with the index of its form: to compare engines."""
    with path.open("w", encoding="utf-8") as out:
        for (k, _), found in zip(forms, results, strict=True):
            for f in found:
                out.write(json.dumps({"form": k, **f.to_dict()}, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=10_000, help="number of forms (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--profile", default="national", help="profile name or file (default national)")
    ap.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="timed passes over the corpus, each on freshly built forms with the engine's "
        "caches cleared; min and median are reported (default 5)",
    )
    ap.add_argument(
        "--preparse",
        action="store_true",
        help="in the per-family pass, parse indicator values in a separate timed phase first "
        "(otherwise the first check that reads them pays for it)",
    )
    ap.add_argument("--dump", type=Path, help="write every finding as a JSON line to this file")
    ap.add_argument(
        "--cprofile", action="store_true", help="profile one more check pass (cProfile, top 40)"
    )
    args = ap.parse_args(argv)

    profile = load_profile(args.profile)
    seeds, rows = load_seeds()
    gen = Generator(args.seed, seeds, rows)
    t0 = time.perf_counter()
    datas = [gen.one() for _ in range(args.forms)]
    t_gen = time.perf_counter() - t0
    errors: list[tuple[str, int, str]] = []

    # Timed passes: (a) form_from_data, (b) check_form, each pass starting cold.
    t_builds: list[float] = []
    t_checks: list[float] = []
    forms: list[tuple[int, Form]] = []
    results: list[list[Finding]] = []
    for rep in range(max(args.repeat, 1)):
        clear_caches()
        t0 = time.perf_counter()
        forms = build(datas, errors if rep == 0 else [])
        t_builds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        results = check_all(forms, profile, errors if rep == 0 else [])
        t_checks.append(time.perf_counter() - t0)

    # One more pass with per-family timings (the timer calls add a little to it).
    clear_caches()
    family_forms = build(datas, [])
    t_parse = 0.0
    if args.preparse:
        t0 = time.perf_counter()
        for _, form in family_forms:
            for ind in getattr(form, "indicators", ()):
                _ = (ind.target_value, ind.actual_value)
        t_parse = time.perf_counter() - t0
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    check_all(family_forms, profile, [], timings)
    t_family = time.perf_counter() - t0

    findings = [f for found in results for f in found]
    n = len(datas)
    types = Counter(d["表类型"] for d in datas)
    sichuan = sum(1 for _, f in forms if getattr(f, "layout", "") == "sichuan")
    n_ind = sum(len(d.get("绩效指标") or []) for d in datas)
    by_family = Counter(f.code[0] for f in findings)
    by_code = Counter(f.code for f in findings)
    chars = sum(len(f.message) for f in findings)
    print("\n".join(machine()))
    print(f"profile   : {profile.name} ({args.profile}), seed {args.seed}")
    print(
        f"forms     : {n} ({types[WHOLE]} 整体, {types[PROJECT]} 项目, {types[BASIC]} 基础数据表; "
        f"{sichuan} Sichuan layout), {n_ind} indicator rows"
    )
    print(
        f"findings  : {len(findings)} ({len(findings) / max(len(forms), 1):.1f} per form; "
        f"messages rendered: {chars:,} characters)"
    )
    print(f"generate  : {t_gen:8.3f} s   (not counted below)")
    print(f"passes    : {len(t_checks)} (fresh forms, caches cleared before each)")

    def line(name: str, secs: list[float], what: str, count: int) -> None:
        lo, med = min(secs), statistics.median(secs)
        print(
            f"{name:<10}: min {lo:7.3f} s  median {med:7.3f} s   {what:<16}"
            f"{count / lo:>9,.0f} forms/s (min)  {count / med:>9,.0f} forms/s (median)"
        )

    line("build", t_builds, "form_from_data,", n)
    line("check", t_checks, "check_form,", len(forms))
    ends = [b + c for b, c in zip(t_builds, t_checks, strict=True)]
    line("end-to-end", ends, "build + check,", n)
    print()
    print(f"per-family pass: {t_family:.3f} s check_form with timings (+ timer overhead)")
    if args.preparse:
        print(f"  parse     : {t_parse:8.3f} s   indicator values (parse_value), before check_form")
    print(f"{'family':<8}{'seconds':>10}{'share':>9}{'findings':>10}")
    for fam in FAMILIES:
        sec = timings.get(fam, 0.0)
        print(f"{fam:<8}{sec:>10.3f}{sec / t_family:>9.1%}{by_family.get(fam, 0):>10}")
    rest = t_family - sum(timings.values())
    print(
        f"{'other':<8}{rest:>10.3f}{rest / t_family:>9.1%}{'':>10}"
        "   (dispatch, settling and sorting findings)"
    )
    print(f"{'total':<8}{t_family:>10.3f}{1:>9.1%}{len(findings):>10}")
    print()
    print("findings by check: " + ", ".join(f"{c} {by_code[c]}" for c in sorted(by_code)))
    if args.dump:
        dump(args.dump, forms, results)
        print(f"findings written to {args.dump}")
    if args.cprofile:
        clear_caches()
        prof_forms = build(datas, [])
        prof = cProfile.Profile()
        prof.enable()
        check_all(prof_forms, profile, [])
        prof.disable()
        print()
        pstats.Stats(prof).sort_stats("tottime").print_stats(40)
    if errors:
        print(f"\nERRORS: {len(errors)} form(s) raised; first one:", file=sys.stderr)
        stage, k, tb = errors[0]
        print(f"[{stage}] form #{k}:", file=sys.stderr)
        print(json.dumps(datas[k], ensure_ascii=False), file=sys.stderr)
        print(tb, file=sys.stderr)
        print(
            "by stage and exception:",
            Counter((s, t.strip().splitlines()[-1]) for s, _, t in errors),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
