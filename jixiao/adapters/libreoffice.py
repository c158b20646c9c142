"""A headless LibreOffice driven over UNO: open, recalculate, read cells, export PDF.

Each engine gets its own user profile and pipe name, so parallel runs and a crashed
earlier run (stale lock files, a half-written profile) never block it. Documents open
read-only and hidden: LibreOffice then writes no lock file next to the user's file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

INSTALL_HINT = (
    "未找到 LibreOffice。请先安装：sudo apt-get install libreoffice-calc-nogui python3-uno"
    "（Windows/macOS 请从 libreoffice.org 安装 LibreOffice）"
)
_UNO_PATHS = ("/usr/lib/python3/dist-packages", "/usr/lib/libreoffice/program")


def soffice_path() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    default = Path("/usr/lib/libreoffice/program/soffice")
    return str(default) if default.exists() else None


def import_uno() -> Any:
    """`import uno`: Debian installs it for its own Python; the same minor version loads it."""
    try:
        import uno  # type: ignore[import-not-found]
    except ImportError:
        for p in _UNO_PATHS:
            if p not in sys.path and Path(p).is_dir():
                sys.path.append(p)
        try:
            import uno  # type: ignore[import-not-found]
        except ImportError:
            raise InputError(
                f"无法加载 LibreOffice 的 Python 接口（uno）。{INSTALL_HINT}"
            ) from None
    return uno


@dataclass
class CellValue:
    value: float | str | None  # the number, the text, or None for an empty cell
    formula: str
    error: int  # 0, or LibreOffice's error code (e.g. 525 for #NAME?)


class Engine:
    """One running LibreOffice. Use as a context manager; it is killed on exit."""

    def __init__(self, timeout: float = 60.0) -> None:
        exe = soffice_path()
        if exe is None:
            raise InputError(INSTALL_HINT)
        self._uno = import_uno()
        self._profile = Path(tempfile.mkdtemp(prefix="jixiao-lo-"))
        self._pipe = f"jixiao_{uuid.uuid4().hex}"
        self._proc = subprocess.Popen(
            [
                exe,
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                "--nolockcheck",
                f"-env:UserInstallation={self._profile.as_uri()}",
                f"--accept=pipe,name={self._pipe};urp;StarOffice.ComponentContext",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.desktop = self._connect(timeout)

    def _connect(self, timeout: float) -> Any:
        uno = self._uno
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        url = f"uno:pipe,name={self._pipe};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                self.close()
                raise InputError(f"LibreOffice 启动失败（退出码 {self._proc.returncode}）")
            try:
                ctx = resolver.resolve(url)
                return ctx.ServiceManager.createInstanceWithContext(
                    "com.sun.star.frame.Desktop", ctx
                )
            except Exception:
                if time.monotonic() > deadline:
                    self.close()
                    raise InputError(f"LibreOffice 在 {timeout:.0f} 秒内没有响应") from None
                time.sleep(0.2)

    def _props(self, **kw: Any) -> tuple[Any, ...]:
        out = []
        for k, v in kw.items():
            p = self._uno.createUnoStruct("com.sun.star.beans.PropertyValue")
            p.Name, p.Value = k, v
            out.append(p)
        return tuple(out)

    def open(self, path: str | Path, *, read_only: bool = True) -> Document:
        url = Path(path).resolve().as_uri()
        doc = self.desktop.loadComponentFromURL(
            url, "_blank", 0, self._props(Hidden=True, ReadOnly=read_only, MacroExecutionMode=0)
        )
        if doc is None:
            raise InputError("LibreOffice 无法打开此文件", file=str(path))
        return Document(self, doc)

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                try:
                    self.desktop.terminate()
                except Exception:
                    pass
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self._proc.pid, 9)
                    self._proc.wait(timeout=10)
        finally:
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Document:
    def __init__(self, engine: Engine, doc: Any) -> None:
        self.engine = engine
        self.doc = doc

    def recalculate(self) -> None:
        self.doc.calculateAll()

    @property
    def sheet_names(self) -> list[str]:
        return list(self.doc.Sheets.ElementNames)

    def cell(self, sheet: str, address: str) -> CellValue:
        c = self.doc.Sheets.getByName(sheet).getCellRangeByName(address)
        kind = c.Type.value  # EMPTY, VALUE, TEXT, FORMULA
        error = c.getError()
        if kind == "EMPTY":
            value: float | str | None = None
        elif kind == "VALUE":
            value = c.getValue()
        elif kind == "TEXT":
            value = c.getString()
        else:
            # A formula: com.sun.star.sheet.FormulaResult VALUE=1, STRING=2, ERROR=4.
            value = c.getValue() if c.FormulaResultType2 == 1 else c.getString()
        return CellValue(value, c.getFormula(), error)

    def export_pdf(self, path: str | Path) -> None:
        self.doc.storeToURL(
            Path(path).resolve().as_uri(), self.engine._props(FilterName="calc_pdf_Export")
        )

    def close(self) -> None:
        self.doc.close(True)

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
