"""Recalculate a workbook in LibreOffice and keep its results as the file's cached values.

LibreOffice computes every formula, our worksheet functions served by the same Python
functions Excel calls. Its own saved file would lose fonts, freeze panes, VBA and more,
so only the results travel: each formula cell's cached value <v> in the original
package is replaced; every other byte of every part stays.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape

from jixiao.formats.package import Package, sheet_parts
from jixiao.formats.xlsx_file import check_package

Result = float | str | tuple[str]
CELL = re.compile(r'<c r="([A-Z]+\d+)"([^>]*?)(/>|>(.*?)</c>)', re.S)
FORMULA = re.compile(r"<f\b[^>]*/>|<f\b[^>]*>.*?</f>", re.S)


class Calculation(Protocol):
    def recalculate(self) -> None: ...
    def formula_results(self) -> dict[str, dict[str, Result]]: ...


class Calculator(Protocol):
    """A spreadsheet engine serving the JX functions (jixiao.hosts.libreoffice.Engine)."""

    def open(self, path: Path, *, macros: bool) -> AbstractContextManager[Calculation]: ...


@dataclass
class RecalcReport:
    source: str
    cells: int  # formula cells whose cached value was written
    sheets: int


def recalculate(path: Path, out: Path, engine: Calculator) -> RecalcReport:
    """Recalculate ``path`` and write it with fresh cached values to ``out`` (may be ``path``)."""
    path, out = Path(path), Path(out)
    check_package(path)
    with tempfile.TemporaryDirectory(prefix="jixiao-recalc-") as tmp:
        copy = Path(tmp) / f"recalc{path.suffix}"
        shutil.copyfile(path, copy)  # LibreOffice never touches the user's file
        with engine.open(copy, macros=True) as doc:
            doc.recalculate()
            results = doc.formula_results()
    pkg = Package.read(path)
    parts = sheet_parts(pkg)
    written = 0
    for sheet, values in results.items():
        part = parts.get(sheet)
        if part is None:
            continue
        xml, n = cache_results(pkg.text(part), values)
        if n:
            pkg.put(part, xml)
            written += n
    pkg.write(out)
    return RecalcReport(str(path), written, len(results))


def cache_results(xml: str, values: dict[str, Result]) -> tuple[str, int]:
    """The sheet XML with each formula cell's cached value set to its result."""
    count = 0

    def replace(m: re.Match[str]) -> str:
        nonlocal count
        ref, attrs, body = m.group(1), m.group(2), m.group(4)
        if body is None or ref not in values:
            return m.group(0)
        formula = FORMULA.search(body)
        if formula is None:
            return m.group(0)
        value = values[ref]
        attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
        if isinstance(value, tuple):
            kind, text = ' t="e"', escape(value[0])
        elif isinstance(value, str):
            kind, text = ' t="str"', escape(value)
        else:
            kind, text = "", repr(float(value)).removesuffix(".0")
        count += 1
        return f'<c r="{ref}"{attrs}{kind}>{formula.group(0)}<v>{text}</v></c>'

    return CELL.sub(replace, xml), count
