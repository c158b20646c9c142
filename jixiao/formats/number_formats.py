"""Number formats and dates as openpyxl reads them from a workbook's styles.

A cell's ``s`` attribute indexes ``cellXfs`` in ``xl/styles.xml``; the ``xf`` names a
number format by id: one of the workbook's own (``numFmts``) or a built-in one. A number
in a cell whose format shows a date (``yyyy-mm-dd``, ``h:mm``) is a date: openpyxl gives
it as a ``datetime`` (a ``time`` below 1, a ``timedelta`` for elapsed-time formats such
as ``[h]:mm``), counted from 1899-12-30, or from 1904-01-01 when the workbook uses the
1904 date system. The tables and rules here are openpyxl's (3.1), so that a grid read
without openpyxl equals one read with it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

__all__ = [
    "BUILTIN_FORMATS",
    "MAC_EPOCH",
    "WINDOWS_EPOCH",
    "CellStyle",
    "from_excel",
    "from_iso8601",
    "is_date_format",
    "is_timedelta_format",
]

BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
GENERAL = "General"

_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_PART = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)


def is_date_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    return _DATE_PART.search(_STRIP.sub("", fmt.split(";")[0])) is not None


def is_timedelta_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    return _TIMEDELTA.search(fmt.split(";")[0]) is not None


@dataclass(frozen=True)
class CellStyle:
    """What a cellXfs entry means for a cell's value: its number format's text and
    whether a number under it is a date (or an elapsed time)."""

    number_format: str = GENERAL
    date: bool = False
    timedelta: bool = False


def cell_style(num_fmt_id: int, custom: dict[int, str]) -> CellStyle:
    """The style of an ``xf`` with ``numFmtId``, given the workbook's own formats."""
    fmt = custom[num_fmt_id] if num_fmt_id in custom else BUILTIN_FORMATS.get(num_fmt_id)
    return CellStyle(
        fmt if fmt is not None else GENERAL, is_date_format(fmt), is_timedelta_format(fmt)
    )


# ---- dates ------------------------------------------------------------------------------------

WINDOWS_EPOCH = datetime.datetime(1899, 12, 30)
MAC_EPOCH = datetime.datetime(1904, 1, 1)
_SECONDS_PER_DAY = 86400


def from_excel(
    value: float, epoch: datetime.datetime = WINDOWS_EPOCH, timedelta: bool = False
) -> datetime.datetime | datetime.time | datetime.timedelta:
    """A serial number as a date, as openpyxl's ``from_excel`` gives it (raises
    OverflowError or ValueError for a number outside the dates Python knows)."""
    if timedelta:
        td = datetime.timedelta(days=value)
        if td.microseconds:
            td = datetime.timedelta(
                seconds=td.total_seconds() // 1, microseconds=round(td.microseconds, -3)
            )
        return td
    day, fraction = divmod(value, 1)
    diff = datetime.timedelta(milliseconds=round(fraction * _SECONDS_PER_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        mins, seconds = divmod(diff.seconds, 60)
        hours, mins = divmod(mins, 60)
        return datetime.time(hours, mins, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + datetime.timedelta(days=day) + diff


_ISO = re.compile(
    r"(?P<date>(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))?T?"
    r"(?P<time>(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<microsecond>\.\d{1,3})?)?)?Z?"
)
_DURATION = re.compile(r"PT((?P<hours>\d+)H)?((?P<minutes>\d+)M)?((?P<seconds>\d+(\.\d{1,3})?)S)?")


def from_iso8601(
    text: str,
) -> datetime.datetime | datetime.date | datetime.time | datetime.timedelta | None:
    """A ``t="d"`` cell's text as openpyxl's ``from_ISO8601`` reads it (ValueError when
    it is no date)."""
    if not text:
        return None
    m = _ISO.match(text)
    if m and any(m.groups()):
        parts: dict[str, int] = {}
        for key in ("year", "month", "day", "hour", "minute", "second"):
            parts[key] = int(m.group(key)) if m.group(key) else 0
        micro = int(float(m.group("microsecond")) * 1_000_000) if m.group("microsecond") else 0
        if not m.group("date"):
            return datetime.time(parts["hour"], parts["minute"], parts["second"], micro)
        if not m.group("time"):
            return datetime.date(parts["year"], parts["month"], parts["day"])
        return datetime.datetime(**parts, microsecond=micro)
    m = _DURATION.match(text)
    if m and any(m.groups()):
        return datetime.timedelta(
            **{k: float(v) for k, v in m.groupdict().items() if v and k != "seconds_frac"}
        )
    raise ValueError(f"Invalid datetime value {text}")
