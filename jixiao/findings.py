"""Findings: what a check reports, and the table they collect into."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "错误"  # must be fixed before submission
    WARNING = "警告"  # must be fixed or explained
    INFO = "提示"  # for information

    @property
    def order(self) -> int:
        return (Severity.ERROR, Severity.WARNING, Severity.INFO).index(self)


SEVERITIES = tuple(Severity)
FIELDS = ("code", "severity", "sheet", "cell", "field", "message", "value", "expected")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    sheet: str
    cell: str
    field: str
    message: str
    value: Any = None
    expected: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The finding as rules.md lists it; value/expected only where they apply."""
        d = asdict(self)
        d["severity"] = str(self.severity)
        for key in ("value", "expected"):
            if d[key] is None:
                del d[key]
        return d


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {str(s): counts.get(s, 0) for s in SEVERITIES}


def verdict(findings: Iterable[Finding]) -> str:
    return "存在错误，不可提交" if summary(findings)[Severity.ERROR] else "可以提交"


def to_frame(findings: Iterable[Finding]):  # -> pandas.DataFrame
    """One row per finding, Chinese column headings, ready to become a sheet."""
    import pandas as pd

    rows = [
        {
            "严重程度": str(f.severity),
            "代码": f.code,
            "工作表": f.sheet,
            "单元格": f.cell,
            "字段": f.field,
            "说明": f.message,
            "填报值": f.value,
            "应为": f.expected,
        }
        for f in findings
    ]
    return pd.DataFrame(
        rows, columns=["严重程度", "代码", "工作表", "单元格", "字段", "说明", "填报值", "应为"]
    )
