"""The VBA project (``vbaProject.bin``) embedded in the standard ``.xlsm`` workbooks.

Everything in the project comes from source text at build time:

- ``ThisWorkbook``: generated here. Its ``Workbook_Open`` registers each worksheet
  function's description and argument descriptions for Excel's function wizard through
  ``Application.MacroOptions``, which is what xlwings' "Import Functions"
  (``xlwings.udfs.import_udfs``) does from Python.
- one empty document module per sheet code name given to :func:`build_vba_project`.
- ``Jixiao``: the button macros, from ``macros/jixiao.bas`` (every ``macros/*.bas`` and
  ``*.cls`` is embedded).
- ``xlwings_udfs``: the UDF wrappers for the worksheet-function module the caller gives
  (``jixiao.udfs``, the module xlwings.conf names), written by xlwings' own
  ``generate_vba_wrapper``, read from the installed xlwings and run on the decorator
  metadata of ``udfs/functions.py`` (on Linux ``xw.func``/``xw.arg`` are no-ops, so the
  decorators are evaluated again here with xlwings' real ``xlfunc``/``xlarg``).
- ``xlwings`` and ``Dictionary``: the two modules that ``xlwings quickstart --standalone``
  embeds (``quickstart_standalone.xlsm``; ``xlwings release`` imports the same two files),
  read from the installed xlwings package, so the workbook needs no xlwings add-in.

The embedded VBA is tied to the installed xlwings version: ``xlwings.bas`` declares its
functions in ``xlwings64-<version>.dll`` / ``xlwings32-<version>.dll``, which only the same
pip version of xlwings installs. UDFs (``XLPy.CallUDF``) therefore need exactly
:data:`XLWINGS_VERSION` on the user's machine; ``RunPython`` (the buttons) starts
``python -c`` and is less strict. Record :data:`XLWINGS_VERSION` with each build.

Chinese text (descriptions, message boxes) is written into the modules as ``ChrW()``
calls, so every module is plain ASCII and does not depend on the project's code page
(1252 here) matching the Windows that opens it.

The binary is written by pyOpenVBA: it adds our modules to the VBA project of an empty
workbook that Excel itself authored, as Excel adds a project to a workbook that had none,
and writes the dir, PROJECT and PROJECTwm streams. The ``_VBA_PROJECT`` stream is then
replaced by the version-independent form MS-OVBA 2.3.4.1 prescribes for writers
(version 0xFFFF, no performance cache), so every Excel compiles the modules from their
source: no module carries compiled p-code.

Honesty note: nothing built here has been opened in real Excel. The verification
available on Linux is parsing the result back (oletools' olevba, pyOpenVBA) and checking
modules, sources, button macros and UDF signatures; see ``tests/test_vba.py``.
"""

from __future__ import annotations
import __future__

import ast
import datetime as dt
import inspect
import io
import re
import tempfile
import textwrap
import types
import typing
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import xlwings
from pyopenvba import ExcelFile, VBAModuleKind
from pyopenvba.cfb import CFB
from xlwings.utils import VBAWriter

__all__ = [
    "BUTTON_MACROS",
    "STANDALONE_MODULES",
    "UDF_WRAPPER_MODULE",
    "WORKBOOK_CODE_NAME",
    "XLWINGS_VERSION",
    "Module",
    "UdfArg",
    "UdfInfo",
    "build_vba_project",
    "macro_modules",
    "this_workbook_source",
    "udf_infos",
    "udf_wrapper_source",
    "vba_ascii",
    "vba_modules",
    "vba_text",
    "xlwings_standalone_modules",
]

#: Button caption → the public Sub in ``macros/jixiao.bas`` it runs.
BUTTON_MACROS: dict[str, str] = {
    "校验": "JixiaoValidate",
    "清除标记": "JixiaoClearMarks",
    "新增项目": "JixiaoAddProject",
}
#: The module name xlwings' "Import Functions" gives the wrappers.
UDF_WRAPPER_MODULE = "xlwings_udfs"
#: The workbook's code name; XlsxWriter's default for ``set_vba_name()``.
WORKBOOK_CODE_NAME = "ThisWorkbook"
#: The xlwings version whose VBA (and DLL name) is embedded.
XLWINGS_VERSION: str = xlwings.__version__
#: Modules of ``quickstart_standalone.xlsm``, as (module name, file in the xlwings package).
STANDALONE_MODULES: tuple[tuple[str, str], ...] = (
    ("xlwings", "xlwings.bas"),
    ("Dictionary", "addin/Dictionary.cls"),
)

# VB_Base of Excel's document modules ([MS-OVBA] 2.3.4.3; the Excel type library's
# Workbook and Worksheet interfaces), as Excel writes them.
_WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
_WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
_CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"  # a plain class module
# [MS-OVBA] 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF ("MUST be 0xFFFF on write"),
# Reserved2 0x00, Reserved3 (ignored), no PerformanceCache.
_VBA_PROJECT_STREAM = b"\xcc\x61\xff\xff\x00\x00\x00"
_MAX_LINE = 1023  # the VBA editor's limit for one physical line
_CHUNK = 20  # characters of Chinese text per VBA statement in ThisWorkbook
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}\Z")
_VB_NAME = re.compile(r'^Attribute VB_Name = "([^"]+)"', re.MULTILINE)

ModuleKind = Literal["document", "standard", "class"]


@dataclass(frozen=True)
class Module:
    """One VBA module as it is stored: attribute header and body, CRLF, ASCII."""

    name: str
    kind: ModuleKind
    source: str


@dataclass(frozen=True)
class UdfArg:
    name: str
    doc: str
    optional: bool


@dataclass(frozen=True)
class UdfInfo:
    """What xlwings registers for one worksheet function."""

    name: str
    description: str
    category: str | int
    args: tuple[UdfArg, ...]


# ---------------------------------------------------------------------------
# Chinese text as ASCII VBA
# ---------------------------------------------------------------------------

_CONTROL_NAMES = {"\r": "vbCr", "\n": "vbLf", "\t": "vbTab"}


def vba_text(text: str) -> str:
    """A VBA expression whose value is ``text``, written in ASCII only.

    Printable ASCII stays a quoted literal; other characters become ``ChrW(&HXXXX&)``
    (the ``&`` suffix makes the number a Long, so no sign games above &H7FFF), and
    line breaks ``vbLf``/``vbCr``.
    """
    pieces: list[str] = []
    run = ""
    for ch in text:
        if " " <= ch <= "~":
            run += ch
            continue
        if run:
            pieces.append('"' + run.replace('"', '""') + '"')
            run = ""
        if ch in _CONTROL_NAMES:
            pieces.append(_CONTROL_NAMES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            pieces.append(f"Chr({ord(ch)})")
        elif ord(ch) > 0xFFFF:
            raise ValueError(f"VBA strings cannot hold {ch!r} (outside the BMP)")
        else:
            pieces.append(f"ChrW(&H{ord(ch):04X}&)")
    if run or not pieces:
        pieces.append('"' + run.replace('"', '""') + '"')
    return pieces[0] if len(pieces) == 1 else "(" + " & ".join(pieces) + ")"


_NO_EXPRESSION = re.compile(
    r"^\s*(#|Attribute\b|((Public|Private|Global)\s+)?Const\b"
    r"|((Public|Private|Friend|Static)\s+)*(Sub|Function|Property|Declare)\b)",
    re.IGNORECASE,
)


def _ascii_line(line: str, where: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == '"':
            j, text = i + 1, ""
            while True:
                if j >= len(line):
                    raise ValueError(f"{where}: unterminated string literal")
                if line[j] == '"':
                    if line.startswith('""', j):
                        text += '"'
                        j += 2
                        continue
                    break
                text += line[j]
                j += 1
            literal = line[i : j + 1]
            if not literal.isascii():
                if _NO_EXPRESSION.match(line):
                    raise ValueError(
                        f"{where}: non-ASCII text must sit in an expression, not in a "
                        "Const, a directive, a declaration or an Optional default"
                    )
                literal = vba_text(text)
            out.append(literal)
            i = j + 1
        elif ch == "'" or (line[i:].upper().startswith("REM ") and not "".join(out).strip()):
            if not line[i:].isascii():
                raise ValueError(f"{where}: comments must be ASCII (English)")
            out.append(line[i:])
            break
        elif not ch.isascii():
            raise ValueError(f"{where}: non-ASCII character {ch!r} outside a string")
        else:
            out.append(ch)
            i += 1
    result = "".join(out)
    if len(result) > _MAX_LINE:
        raise ValueError(f"{where}: line longer than {_MAX_LINE} characters once in ASCII")
    return result


def vba_ascii(source: str, where: str = "<vba>") -> str:
    """``source`` with every string literal that holds non-ASCII text spelt with ChrW."""
    lines = _crlf(source).split("\r\n")
    return "\r\n".join(
        line if line.isascii() else _ascii_line(line, f"{where}:{number}")
        for number, line in enumerate(lines, 1)
    )


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


# ---------------------------------------------------------------------------
# xlwings' own UDF logic, run on the decorators of the UDF module
# ---------------------------------------------------------------------------

_XLWINGS_FUNCTIONS = (
    "func_sig",
    "get_category",
    "get_async_mode",
    "check_bool",
    "extract_type_and_annotations",
    "xlfunc",
    "xlsub",
    "xlret",
    "xlarg",
    "generate_vba_wrapper",
)


@dataclass(frozen=True)
class _XlwingsUdfs:
    functions: dict[str, Callable[..., Any]]
    header: tuple[str, ...]  # the lines import_udfs writes before the wrappers


@cache
def _xlwings_udfs() -> _XlwingsUdfs:
    """The pure functions of ``xlwings/udfs.py``, which cannot be imported off Windows.

    ``xlwings.udfs`` imports pywin32 at the top, so its decorator and wrapper logic is
    compiled here from the installed source file, with the few names it uses supplied.
    """
    path = Path(xlwings.__file__).with_name("udfs.py")
    tree = ast.parse(path.read_text("utf-8"), str(path))
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    missing = [name for name in (*_XLWINGS_FUNCTIONS, "import_udfs") if name not in defs]
    if missing:
        raise RuntimeError(f"xlwings {XLWINGS_VERSION}: {path} lacks {missing}")
    module = ast.Module(body=[defs[name] for name in _XLWINGS_FUNCTIONS], type_ignores=[])
    namespace: dict[str, Any] = {
        "__name__": "xlwings.udfs",
        "inspect": inspect,
        "dt": dt,
        "Annotated": typing.Annotated,
        "Any": Any,
        "Callable": Callable,
        "TypeVar": typing.TypeVar,
        "_F": typing.TypeVar("_F"),
        "get_args": typing.get_args,
        "get_origin": typing.get_origin,
        "get_type_hints": typing.get_type_hints,
        "VBAWriter": VBAWriter,
    }
    # xlwings' module has "from __future__ import annotations"; keep annotations lazy.
    flags = __future__.annotations.compiler_flag
    exec(compile(module, str(path), "exec", flags=flags, dont_inherit=True), namespace)
    header = tuple(
        stmt.value.args[0].value
        for stmt in defs["import_udfs"].body
        if isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and ast.unparse(stmt.value.func) == "vba.writeln"
        and len(stmt.value.args) == 1
        and isinstance(stmt.value.args[0], ast.Constant)
    )
    if not header or not header[0].startswith("Attribute VB_Name"):
        raise RuntimeError(f"xlwings {XLWINGS_VERSION}: import_udfs writes no module header")
    return _XlwingsUdfs({name: namespace[name] for name in _XLWINGS_FUNCTIONS}, header)


def _redecorated(f: types.FunctionType) -> types.FunctionType | None:
    """A copy of ``f`` with its xlwings decorators applied as on Windows, else None."""
    logic = _xlwings_udfs().functions
    shims: dict[Any, Callable[..., Any]] = {
        xlwings.func: logic["xlfunc"],
        xlwings.sub: logic["xlsub"],
        xlwings.ret: logic["xlret"],
        xlwings.arg: logic["xlarg"],
    }
    shim_module = types.SimpleNamespace(
        func=logic["xlfunc"], sub=logic["xlsub"], ret=logic["xlret"], arg=logic["xlarg"]
    )
    namespace: dict[str, Any] = {}
    for name, value in f.__globals__.items():
        if value is xlwings:
            namespace[name] = shim_module
        elif callable(value) and any(value is k for k in shims):
            namespace[name] = shims[value]
        else:
            namespace[name] = value
    filename = inspect.getsourcefile(f) or "<udf>"
    node = ast.parse(textwrap.dedent(inspect.getsource(f))).body[0]
    if not isinstance(node, ast.FunctionDef):
        raise TypeError(f"{f.__qualname__}: a UDF must be a plain def")

    def evaluate(expr: ast.expr) -> Any:
        return eval(compile(ast.Expression(expr), filename, "eval"), namespace)

    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    copy.__kwdefaults__ = f.__kwdefaults__
    copy.__annotations__ = dict(f.__annotations__)
    copy.__doc__ = f.__doc__
    copy.__qualname__ = f.__qualname__
    copy.__module__ = f.__module__
    for decorator in reversed(node.decorator_list):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if any(evaluate(target) is shim for shim in shims.values()):
            copy = evaluate(decorator)(copy)
    return copy if hasattr(copy, "__xlfunc__") else None


def _udf_stand_in(real: types.ModuleType) -> types.ModuleType:
    """The UDF module as xlwings sees it on Windows: its functions carry ``__xlfunc__``."""
    stand_in = types.ModuleType(real.__name__)
    for attr in dir(real):
        value = getattr(real, attr)
        if isinstance(value, types.FunctionType):
            decorated = _redecorated(value)
            if decorated is not None:
                setattr(stand_in, attr, decorated)
    return stand_in


def _xlfuncs(functions: types.ModuleType) -> Iterator[dict[str, Any]]:
    module = _udf_stand_in(functions)
    for attr in dir(module):  # the order import_udfs walks
        value = getattr(module, attr)
        if hasattr(value, "__xlfunc__"):
            yield value.__xlfunc__


def udf_infos(functions: types.ModuleType) -> list[UdfInfo]:
    """Name, description, category and argument docs, as ``import_udfs`` passes them on."""
    infos = []
    for xlfunc in _xlfuncs(functions):
        args = tuple(
            UdfArg(a["name"], a["doc"][:255], "optional" in a)
            for a in xlfunc["args"]
            if not a["vba"]
        )
        infos.append(UdfInfo(xlfunc["name"], xlfunc["ret"]["doc"][:255], xlfunc["category"], args))
    return infos


class _Book:
    """The one thing generate_vba_wrapper asks of the workbook: its file name."""

    Name = "jixiao.xlsm"  # not an add-in (.xlam), so the wrappers pass ThisWorkbook


def udf_wrapper_source(functions: types.ModuleType) -> str:
    """The ``xlwings_udfs`` module, as xlwings' "Import Functions" writes it."""
    logic = _xlwings_udfs()
    out = io.StringIO()
    vba = VBAWriter(out)
    for line in logic.header:
        vba.writeln(line)
    if not logic.header[0].endswith(f'"{UDF_WRAPPER_MODULE}"'):
        raise RuntimeError(f"xlwings {XLWINGS_VERSION} names the UDF module {logic.header[0]}")
    logic.functions["generate_vba_wrapper"](
        functions.__name__, _udf_stand_in(functions), out, _Book()
    )
    return _crlf(out.getvalue())


# ---------------------------------------------------------------------------
# The modules
# ---------------------------------------------------------------------------


def _document_header(name: str, base: str) -> str:
    return (
        f'Attribute VB_Name = "{name}"\r\n'
        f'Attribute VB_Base = "{base}"\r\n'
        "Attribute VB_GlobalNameSpace = False\r\n"
        "Attribute VB_Creatable = False\r\n"
        "Attribute VB_PredeclaredId = True\r\n"
        "Attribute VB_Exposed = True\r\n"
        "Attribute VB_TemplateDerived = False\r\n"
        "Attribute VB_Customizable = True\r\n"
    )


def _vba_category(category: str | int) -> str:
    return str(category) if isinstance(category, int) else vba_text(category)


def _assign(var: str, text: str) -> list[str]:
    """Statements that leave ``text`` in ``var``, each line short enough for VBA."""
    chunks = [text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]
    first, *rest = chunks
    return [f"{var} = {vba_text(first)}"] + [f"{var} = {var} & {vba_text(c)}" for c in rest]


def this_workbook_source(functions: types.ModuleType) -> str:
    """``ThisWorkbook``: on open, describe each UDF to Excel's function wizard."""
    body = [
        "Option Explicit",
        "",
        f"' Generated by jixiao.templates.vba from {functions.__name__}; changes are lost on rebuild.",
        "' Workbook_Open registers what xlwings' Import Functions registers with",
        "' Application.MacroOptions: each function's description, category and argument",
        "' descriptions for the function wizard. Chinese text is spelt with ChrW.",
        "",
        "Private Sub Workbook_Open()",
        "    Dim wasSaved As Boolean",
        "    Dim d As String",
        "    Dim c As Variant",
        "    Dim a As Variant",
        "    On Error Resume Next",
        "    wasSaved = ThisWorkbook.Saved",
    ]
    for info in udf_infos(functions):
        body.append(f"    ' {info.name}")
        body += [f"    {s}" for s in _assign("d", info.description)]
        if isinstance(info.category, int):
            body.append(f"    c = {info.category}")
        else:
            body += [f"    {s}" for s in _assign("c", info.category)]
        if info.args:
            body.append(f"    ReDim a(0 To {len(info.args) - 1})")
            for i, arg in enumerate(info.args):
                body += [f"    {s}" for s in _assign(f"a({i})", arg.doc)]
        else:
            body.append("    a = Empty")
        body.append(f'    JxDescribe "{info.name}", d, c, a')
    body += [
        "    ' MacroOptions marks the workbook changed; opening it should not.",
        "    ThisWorkbook.Saved = wasSaved",
        "End Sub",
        "",
        "Private Sub JxDescribe(ByVal FunctionName As String, ByVal Description As String, _",
        "                       ByVal Category As Variant, ByVal ArgumentDescriptions As Variant)",
        "    Dim macroName As String",
        "    On Error Resume Next",
        '    macroName = "\'" & Replace(ThisWorkbook.Name, "\'", "\'\'") & "\'!" & FunctionName',
        "    If Val(Application.Version) >= 14 And IsArray(ArgumentDescriptions) Then",
        "        Application.MacroOptions Macro:=macroName, Description:=Description, _",
        "            Category:=Category, ArgumentDescriptions:=ArgumentDescriptions",
        "    Else",
        "        Application.MacroOptions Macro:=macroName, Description:=Description, _",
        "            Category:=Category",
        "    End If",
        "End Sub",
        "",
    ]
    text = "\r\n".join(body)
    return _document_header(WORKBOOK_CODE_NAME, _WORKBOOK_BASE) + vba_ascii(text, "ThisWorkbook")


def _class_stream_form(text: str) -> str:
    """A ``.cls`` export as the module stream holds it: no VERSION block, a VB_Base line."""
    text = re.sub(r"\AVERSION [^\r\n]* CLASS\r\nBEGIN\r\n.*?\r\nEND\r\n", "", text, flags=re.S)
    if not re.search(r"^Attribute VB_Base = ", text, re.M):
        text = _VB_NAME.sub(
            lambda m: f'{m.group(0)}\r\nAttribute VB_Base = "{_CLASS_BASE}"', text, 1
        )
    return text


def macro_modules() -> list[Module]:
    """``macros/*.bas`` (standard) and ``macros/*.cls`` (class), sorted by file name."""
    folder = resources.files("jixiao.macros")
    modules = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        suffix = Path(entry.name).suffix.lower()
        if suffix not in (".bas", ".cls"):
            continue
        text = _crlf(entry.read_text("utf-8"))
        found = _VB_NAME.search(text)
        if found is None:
            raise ValueError(f"macros/{entry.name} has no Attribute VB_Name line")
        text = vba_ascii(text, f"macros/{entry.name}")
        if suffix == ".bas":
            modules.append(Module(found.group(1), "standard", text))
        else:
            modules.append(Module(found.group(1), "class", _class_stream_form(text)))
    return modules


def xlwings_standalone_modules() -> list[Module]:
    """The VBA that ``quickstart --standalone`` embeds, from the installed xlwings."""
    root = Path(xlwings.__file__).parent
    modules = []
    for name, file in STANDALONE_MODULES:
        text = _crlf((root / file).read_text("utf-8"))
        found = _VB_NAME.search(text)
        if found is None or found.group(1) != name:
            raise RuntimeError(f"xlwings {XLWINGS_VERSION}: {file} is not module {name}")
        if file.endswith(".cls"):
            modules.append(Module(name, "class", _class_stream_form(text)))
        else:
            modules.append(Module(name, "standard", text))
    declared = re.search(
        r'^Public Const XLWINGS_VERSION As String = "([^"]+)"', modules[0].source, re.M
    )
    if declared is None or declared.group(1) != XLWINGS_VERSION:
        raise RuntimeError(f"xlwings.bas does not declare version {XLWINGS_VERSION}")
    return modules


def _check_code_names(sheet_code_names: Sequence[str], taken: set[str]) -> None:
    seen = {n.casefold() for n in taken}
    for name in sheet_code_names:
        if not _IDENTIFIER.match(name):
            raise ValueError(
                f"sheet code name {name!r}: VBA needs an ASCII letter, then letters, digits "
                "or _, at most 31 characters"
            )
        if name.casefold() in seen:
            raise ValueError(f"sheet code name {name!r} is taken by another module")
        seen.add(name.casefold())


def vba_modules(sheet_code_names: Sequence[str], functions: types.ModuleType) -> list[Module]:
    """Every module of the project, in the order it is declared."""
    code_modules = [
        *macro_modules(),
        Module(UDF_WRAPPER_MODULE, "standard", udf_wrapper_source(functions)),
        *xlwings_standalone_modules(),
    ]
    names = [m.name.casefold() for m in code_modules]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate module names: {[m.name for m in code_modules]}")
    _check_code_names(sheet_code_names, {WORKBOOK_CODE_NAME, *(m.name for m in code_modules)})
    documents = [Module(WORKBOOK_CODE_NAME, "document", this_workbook_source(functions))]
    documents += [
        Module(name, "document", _document_header(name, _WORKSHEET_BASE))
        for name in sheet_code_names
    ]
    modules = documents + code_modules
    for m in modules:
        if not m.source.isascii():
            raise ValueError(f"module {m.name} is not ASCII")
    return modules


# ---------------------------------------------------------------------------
# The binary
# ---------------------------------------------------------------------------

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _empty_package(sheet_code_names: Sequence[str]) -> bytes:
    """A bare workbook package whose sheets carry the code names; no VBA project yet."""
    sheets = list(enumerate(sheet_code_names, 1))
    content_types = (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i, _ in sheets
        )
        + "</Types>"
    )
    root_rels = (
        f'{_XML}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<workbookPr codeName="{WORKBOOK_CODE_NAME}"/><sheets>'
        + "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in sheets)
        + "</sheets></workbook>"
    )
    workbook_rels = (
        f'{_XML}<Relationships xmlns="{_PKG_REL}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i, _ in sheets
        )
        + "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", root_rels)
        package.writestr("xl/workbook.xml", workbook)
        package.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, name in sheets:
            package.writestr(
                f"xl/worksheets/sheet{i}.xml",
                f'{_XML}<worksheet xmlns="{_MAIN}"><sheetPr codeName="{name}"/>'
                "<sheetData/></worksheet>",
            )
    return buffer.getvalue()


def build_vba_project(sheet_code_names: Sequence[str], functions: types.ModuleType) -> bytes:
    """The ``vbaProject.bin`` for a workbook whose sheets have these code names.

    Give XlsxWriter the same names::

        workbook.set_vba_name(WORKBOOK_CODE_NAME)
        sheet.set_vba_name("Sheet1")  # one per name, any order
        project = build_vba_project(["Sheet1"], jixiao.udfs)
        workbook.add_vba_project(io.BytesIO(project), is_stream=True)

    (XlsxWriter reads a stream with ``getvalue()``, so pass a ``BytesIO``, not bytes.)
    The output depends only on the inputs and the installed xlwings and pyOpenVBA: the
    project GUID and storage times come from pyOpenVBA's fixed Excel-made template.
    """
    modules = vba_modules(sheet_code_names, functions)
    with tempfile.TemporaryDirectory(prefix="jixiao-vba-") as tmp:
        base = Path(tmp) / "base.xlsm"
        built = Path(tmp) / "built.xlsm"
        base.write_bytes(_empty_package(sheet_code_names))
        with ExcelFile(base) as book:
            project = book.add_vba_project()
            present = {name.casefold() for name in project.module_names()}
            expected = {m.name.casefold() for m in modules if m.kind == "document"}
            if present != expected:
                raise RuntimeError(f"pyOpenVBA made document modules {sorted(present)}")
            for m in modules:
                if m.kind == "document":
                    # Rewritten even when empty, so no module keeps the template's p-code.
                    book.set_module(m.name, m.source)
                elif m.kind == "standard":
                    project.add_module(m.name, m.source, kind=VBAModuleKind.standard)
                else:
                    project.add_module(m.name, m.source, kind=VBAModuleKind.other)
            book.save(built)
        with zipfile.ZipFile(built) as package:
            cfb = CFB.from_bytes(package.read("xl/vbaProject.bin"))
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", _VBA_PROJECT_STREAM)
    return cfb.to_bytes()
