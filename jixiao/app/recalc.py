"""Recalculate a workbook in LibreOffice and keep its results as the file's cached values.

LibreOffice computes every formula, our worksheet functions served by the same Python
functions Excel calls. Its own saved file would lose fonts, freeze panes, VBA and more,
so only the results travel: each formula cell's cached value <v> in the original
package is replaced; every other byte of every part stays.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from jixiao.formats.cells import cache_values
from jixiao.formats.package import Package, sheet_parts
from jixiao.formats.xlsx_file import check_package

Result = float | str | tuple[str]


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
        xml, n = cache_values(pkg.text(part), values)
        if n:
            pkg.put(part, xml)
            written += n
    pkg.write(out)
    return RecalcReport(str(path), written, len(results))
