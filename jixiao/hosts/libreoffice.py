"""A headless LibreOffice driven over UNO: open, recalculate, read cells, export PDF.

Each engine gets its own user profile and pipe name, so parallel runs and a crashed
earlier run (stale lock files, a half-written profile) never block it. Documents open
read-only and hidden: LibreOffice then writes no lock file next to the user's file.
"""

from __future__ import annotations

import inspect
import os
import shutil
import site
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from jixiao.core.errors import InputError
from jixiao.core.layout import column_letter

INSTALL_HINT = (
    "未找到 LibreOffice。请先安装：sudo apt-get install libreoffice-calc-nogui python3-uno "
    "libreoffice-script-provider-python"
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
        # Lazy: Debian's uno module exists only where LibreOffice is installed.
        import uno  # type: ignore[import-not-found]  # noqa: PLC0415
    except ImportError:
        for p in _UNO_PATHS:
            if p not in sys.path and Path(p).is_dir():
                sys.path.append(p)
        try:
            import uno  # type: ignore[import-not-found]  # noqa: PLC0415
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


def _soffice_environment() -> dict[str, str]:
    """Our environment without our Python: soffice's own Python (Debian's) must not find
    another interpreter's prefix on PATH or through PYTHON* variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "PYENV", "VIRTUAL_ENV", "CONDA"))
    }
    parts = [
        p
        for p in env.get("PATH", "").split(os.pathsep)
        if p and ".pyenv" not in p and "conda" not in p and not _in_venv(p)
    ]
    prefix = str(Path(sys.executable).resolve().parent)
    env["PATH"] = os.pathsep.join(p for p in parts if p != prefix) or "/usr/bin:/bin"
    return env


def _in_venv(folder: str) -> bool:
    """A virtual environment's bin folder (its parent holds pyvenv.cfg)."""
    try:
        return (Path(folder).parent / "pyvenv.cfg").is_file()
    except OSError:
        return False


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
            env=_soffice_environment(),
        )
        self._serving = False
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
                self.context = ctx  # the remote component context
                return ctx.ServiceManager.createInstanceWithContext(
                    "com.sun.star.frame.Desktop", ctx
                )
            except Exception:
                if time.monotonic() > deadline:
                    self.close()
                    raise InputError(f"LibreOffice 在 {timeout:.0f} 秒内没有响应") from None
                time.sleep(0.2)

    def serve_functions(self, functions: ModuleType) -> None:
        """Make the jixiao worksheet functions (JX_…) callable from this engine's cells.

        A Basic function per UDF, in the engine's own Standard library, hands its
        arguments to a Python script in the engine's profile, which calls the same
        function of ``functions`` (jixiao.udfs) that Excel calls through xlwings.
        """
        if self._serving:
            return
        # Our .xlsm files carry xlwings' VBA wrappers with the same names (JX_…); loaded,
        # they would shadow these functions and fail without Excel. Do not load VBA.
        config = self.context.ServiceManager.createInstanceWithContext(
            "com.sun.star.configuration.ConfigurationProvider", self.context
        )
        vba = config.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationUpdateAccess",
            self._props(nodepath="/org.openoffice.Office.Calc/Filter/Import/VBA"),
        )
        vba.setPropertyValue("Load", False)
        vba.setPropertyValue("Executable", False)
        vba.commitChanges()
        scripts = self._profile / "user" / "Scripts" / "python"
        scripts.mkdir(parents=True, exist_ok=True)
        (scripts / "jixiao_lo.py").write_text(bridge_script(functions.__name__), encoding="utf-8")
        libraries = self.context.ServiceManager.createInstanceWithContext(
            "com.sun.star.script.ApplicationScriptLibraryContainer", self.context
        )
        if not libraries.hasByName("Standard"):
            libraries.createLibrary("Standard")
        libraries.loadLibrary("Standard")
        standard = libraries.getByName("Standard")
        if standard.hasByName("JixiaoFunctions"):
            standard.removeByName("JixiaoFunctions")
        standard.insertByName("JixiaoFunctions", basic_wrappers(functions))
        self._serving = True

    def _props(self, **kw: Any) -> tuple[Any, ...]:
        out = []
        for k, v in kw.items():
            p = self._uno.createUnoStruct("com.sun.star.beans.PropertyValue")
            p.Name, p.Value = k, v
            out.append(p)
        return tuple(out)

    def open(self, path: str | Path, *, read_only: bool = True, macros: bool = False) -> Document:
        url = Path(path).resolve().as_uri()
        doc = self.desktop.loadComponentFromURL(
            url,
            "_blank",
            0,
            self._props(Hidden=True, ReadOnly=read_only, MacroExecutionMode=4 if macros else 0),
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


# LibreOffice's error codes as Excel shows them.
ERROR_NAMES = {532: "#DIV/0!", 519: "#VALUE!", 502: "#VALUE!", 504: "#VALUE!", 524: "#REF!", 525: "#NAME?",
               32767: "#N/A", 503: "#NUM!", 509: "#NULL!"}  # fmt: skip


def _a1(row: int, col: int) -> str:
    return f"{column_letter(col + 1)}{row + 1}"


def basic_wrappers(functions: ModuleType) -> str:
    """LibreOffice Basic functions with the names and parameters of ``functions.__all__``.

    On any failure a function answers "" (blank): the cell's native formula then answers.
    """
    lines = [
        "Function JixiaoCall(name As String, args As Variant)",
        "    Dim factory, provider, script, outIndex(), outValues()",
        "    On Error GoTo Failed",
        '    factory = GetDefaultContext().getValueByName("/singletons/com.sun.star.script.provider.theMasterScriptProviderFactory")',
        '    provider = factory.createScriptProvider("")',
        '    script = provider.getScript("vnd.sun.star.script:jixiao_lo.py$call?language=Python&location=user")',
        "    JixiaoCall = script.invoke(Array(name, args), outIndex, outValues)",
        "    Exit Function",
        "Failed:",
        '    JixiaoCall = ""',
        "End Function",
    ]
    for name in functions.__all__:
        params = list(inspect.signature(getattr(functions, name)).parameters)
        lines.append(f"Function {name}({', '.join(f'Optional {p}' for p in params)})")
        for p in params:
            lines.append(f"    If IsMissing({p}) Then {p} = Empty")
        lines.append(f'    {name} = JixiaoCall("{name}", Array({", ".join(params)}))')
        lines.append("End Function")
    return "\n".join(lines) + "\n"


def bridge_script(module: str) -> str:
    """The Python script soffice runs: our interpreter's packages, then ``module``'s functions."""
    paths = [*site.getsitepackages(), site.getusersitepackages()]
    return (
        "import site\n"
        f"for _p in {paths!r}:\n"
        "    site.addsitedir(_p)\n\n\n"
        "def call(name, args):\n"
        f"    import {module}\n"
        f"    return getattr({module}, name)(*args)\n\n\n"
        "g_exportedScripts = (call,)\n"
    )


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

    def formula_results(self) -> dict[str, dict[str, float | str | tuple[str]]]:
        """Every formula cell's result by sheet and A1 address: a number, a text, or
        ("#DIV/0!",) for an error. A few calls per sheet rather than one per cell."""
        formula, error = 16, 4  # com.sun.star.sheet.CellFlags.FORMULA, FormulaResult.ERROR
        out: dict[str, dict[str, float | str | tuple[str]]] = {}
        for name in self.sheet_names:
            sheet = self.doc.Sheets.getByName(name)
            results: dict[str, float | str | tuple[str]] = {}
            ranges = sheet.queryContentCells(formula)
            for addr in ranges.getRangeAddresses():
                block = sheet.getCellRangeByPosition(
                    addr.StartColumn, addr.StartRow, addr.EndColumn, addr.EndRow
                )
                for r, row in enumerate(block.getDataArray()):
                    for c, value in enumerate(row):
                        results[_a1(addr.StartRow + r, addr.StartColumn + c)] = value
            errors = sheet.queryFormulaCells(error)
            for addr in errors.getRangeAddresses():
                for row in range(addr.StartRow, addr.EndRow + 1):
                    for col in range(addr.StartColumn, addr.EndColumn + 1):
                        code = sheet.getCellByPosition(col, row).getError()
                        results[_a1(row, col)] = (ERROR_NAMES.get(code, "#VALUE!"),)
            if results:
                out[name] = results
        return out

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
