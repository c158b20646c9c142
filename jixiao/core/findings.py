"""Findings: what a check reports, and the table they collect into."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from jixiao.core.memo import builder


class Severity(StrEnum):
    ERROR = "错误"  # must be fixed before submission
    WARNING = "警告"  # must be fixed or explained
    INFO = "提示"  # for information

    @property
    def order(self) -> int:
        return (Severity.ERROR, Severity.WARNING, Severity.INFO).index(self)


SEVERITIES = tuple(Severity)


# Slots: a batch keeps findings by the hundred thousand, and each without a __dict__ is
# half the objects for the garbage collector to walk.
@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    sheet: str
    cell: str
    field: str
    message: str
    value: Any = None
    expected: Any = None
    # Where the user finds the cell, when the file does not name cells 工作表!A1: in a
    # Word document "表3 第5行第4列" (sheet "表3", cell "D5"). Empty: ``sheet!cell``.
    location: str = ""

    def __init__(
        self,
        code: str,
        severity: Severity,
        sheet: str,
        cell: str,
        field: str,
        message: str,
        value: Any = None,
        expected: Any = None,
        location: str = "",
    ) -> None:
        # The slots' own setters: a batch makes findings by the hundred thousand, and the
        # frozen dataclass's object.__setattr__ per field costs twice as much.
        s = _SETTERS
        s[0](self, code)
        s[1](self, severity)
        s[2](self, sheet)
        s[3](self, cell)
        s[4](self, field)
        s[5](self, message)
        s[6](self, value)
        s[7](self, expected)
        s[8](self, location)

    @property
    def place(self) -> str:
        """The location as shown to the user: "整体支出表!G47", "表3 第5行第4列", or the sheet."""
        if self.location:
            return self.location
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def to_dict(self) -> dict[str, Any]:
        """The finding as rules.md lists it; value/expected/location only where they apply."""
        value, expected = self.value, self.expected
        if type(value) not in _PLAIN or type(expected) not in _PLAIN:
            d = asdict(self)  # a value that holds containers: copied as asdict copies them
        else:  # the usual case, without asdict's recursive copy (a tenth of review's time)
            d = {
                "code": self.code, "severity": self.severity, "sheet": self.sheet,
                "cell": self.cell, "field": self.field, "message": self.message,
                "value": value, "expected": expected, "location": self.location,
            }  # fmt: skip
        d["severity"] = str(self.severity)
        for key in ("value", "expected"):
            if d[key] is None:
                del d[key]
        if not d["location"]:
            del d["location"]
        return d


# Values to_dict passes on as they are (asdict would return them unchanged too).
_PLAIN = frozenset({str, int, float, bool, type(None)})


_SETTERS = tuple(Finding.__dict__[f.name].__set__ for f in fields(Finding))
# Finding(code, severity, sheet, cell, field, message, value, expected, location) in about
# half its time (memo.builder): the engine makes every finding of a batch.
new_finding: Callable[..., Finding] = builder(Finding)


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {str(s): counts.get(s, 0) for s in SEVERITIES}


def verdict(findings: Iterable[Finding]) -> str:
    return "存在错误，不可提交" if summary(findings)[Severity.ERROR] else "可以提交"


def summary_line(findings: Sequence[Finding]) -> str:
    """ "共 12 条（错误 2，警告 8，提示 2）：存在错误，不可提交"."""
    counts = "，".join(f"{k} {v}" for k, v in summary(findings).items())
    return f"共 {len(findings)} 条（{counts}）：{verdict(findings)}"
