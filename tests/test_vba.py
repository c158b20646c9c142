"""The embedded VBA project, read back the way Linux can: olevba, olefile, pyOpenVBA.

Nothing here runs Excel or VBA. These tests parse the built vbaProject.bin and the
.xlsm XlsxWriter makes with it, and check what Excel would rely on: every module is
there with its source, the buttons name public Subs, the UDF wrappers take exactly the
Python functions' parameters, and Workbook_Open describes every function. Whether Excel
compiles and runs it was not observed.
"""

from __future__ import annotations

import ast
import inspect
import io
import os
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import olefile
import pytest
import xlsxwriter
import xlwings
from hypothesis import given
from hypothesis import strategies as st
from pyopenvba.cfb import CFB
from pyopenvba.vba import parse_vba_project

import jixiao.macros.buttons as buttons
import jixiao.udfs as udfs
from jixiao.templates import vba

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # oletools 0.60 uses pyparsing's deprecated names
    from oletools.olevba import VBA_Parser

SHEETS = ["Sheet1", "Sheet2"]
UDF_SOURCE = Path(inspect.getfile(udfs)).with_name("functions.py")
BAS_FILE = Path(__file__).resolve().parents[1] / "macros" / "jixiao.bas"
PYTHON_CALLS = {
    "JixiaoValidate": "validate",
    "JixiaoClearMarks": "clear_marks",
    "JixiaoAddProject": "add_project",
}
# [MS-VBAL] 3.3.5.2 reserved identifiers (and type names): none may name a parameter.
VBA_RESERVED = set(
    """abs addressof and any array as attribute boolean byref byte byval call case cbool
    cbyte ccur cdate cdbl cdec cint circle clng clnglng clngptr close const csng cstr
    currency cvar cverr date debug decimal declare defbool defbyte defcur defdate defdbl
    defdec defint deflng deflnglng deflngptr defobj defsng defstr defvar dim do doevents
    double each else elseif empty end endif enum eqv erase error event exit false fix for
    friend function get global gosub goto if imp implements in input inputb int integer is
    lbound len lenb let like lock long longlong longptr loop lset me mod new next not
    nothing null on open option optional or paramarray preserve print private pset public
    put raiseevent redim rem resume return rset scale seek select set sgn shared single
    spc static stop string sub tab then to true type typeof ubound unlock until variant
    wend while with withevents write xor""".split()
)


# ---------------------------------------------------------------------------
# Helpers independent of jixiao.templates.vba
# ---------------------------------------------------------------------------

TOKEN = re.compile(
    r'\s*(?:"(?P<str>(?:[^"]|"")*)"|ChrW\(&H(?P<chrw>[0-9A-F]{4})&\)|Chr\((?P<chr>\d+)\)'
    r"|(?P<vb>vbLf|vbCr|vbTab)|(?P<var>[a-z]\w*(?:\(\d+\))?)|(?P<int>\d+)|(?P<op>[&()]))"
)
VB_CONSTANTS = {"vbLf": "\n", "vbCr": "\r", "vbTab": "\t"}


def evaluate(expr: str, env: dict[str, object] | None = None) -> object:
    """A VBA expression made only of string pieces joined by &, as the build writes them."""
    env = env or {}
    pieces: list[object] = []
    pos = 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        assert m and m.end() > pos, f"cannot read {expr[pos:]!r}"
        pos = m.end()
        if m["str"] is not None:
            pieces.append(m["str"].replace('""', '"'))
        elif m["chrw"]:
            pieces.append(chr(int(m["chrw"], 16)))
        elif m["chr"]:
            pieces.append(chr(int(m["chr"])))
        elif m["vb"]:
            pieces.append(VB_CONSTANTS[m["vb"]])
        elif m["var"]:
            pieces.append(env[m["var"]])
        elif m["int"]:
            pieces.append(int(m["int"]))
    if len(pieces) == 1:
        return pieces[0]
    return "".join(str(p) for p in pieces)


PIECE = r'"(?:[^"]|"")*"|ChrW\(&H[0-9A-F]{4}&\)'
SPELT = re.compile(rf"\((?:{PIECE})(?: & (?:{PIECE}))+\)|ChrW\(&H[0-9A-F]{{4}}&\)")


def unspell(source: str) -> str:
    """Source with ChrW spellings turned back into plain string literals."""

    def literal(m: re.Match[str]) -> str:
        text = evaluate(m.group(0))
        return '"' + str(text).replace('"', '""') + '"'

    return SPELT.sub(literal, source)


def code_lines(source: str) -> list[str]:
    """Lines without Attribute lines, line endings normalised, trailing blanks dropped."""
    text = source.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return [line for line in text.split("\n") if not line.startswith("Attribute ")]


def olevba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name: code for (_, _, name, code) in parser.extract_macros()}
    finally:
        parser.close()


def procedure(source: str, header: str) -> str:
    """The text of one procedure, from its header line to its End line."""
    start = source.index(header)
    end = source.index("\nEnd ", start)
    return source[start:end]


def expected_registrations() -> list[tuple[str, str, object, list[str]]]:
    """What xlwings' import_udfs would register, read from the UDF source by AST."""
    found = []
    exported = set(dir(udfs))
    for node in ast.parse(UDF_SOURCE.read_text("utf-8")).body:
        if not isinstance(node, ast.FunctionDef) or node.name not in exported:
            continue
        calls = [d for d in node.decorator_list if isinstance(d, ast.Call)]
        func = [d for d in calls if ast.unparse(d.func) == "xw.func"]
        if not func:
            continue
        category: object = "xlwings"
        for kw in func[0].keywords:
            if kw.arg == "category":
                value = kw.value
                category = (
                    getattr(udfs.functions, value.id)
                    if isinstance(value, ast.Name)
                    else ast.literal_eval(value)
                )
        docs = {
            d.args[0].value: next(k.value.value for k in d.keywords if k.arg == "doc")
            for d in calls
            if ast.unparse(d.func) == "xw.arg"
        }
        params = [a.arg for a in node.args.args]
        arg_docs = [docs.get(p, f"Positional argument {i + 1}")[:255] for i, p in enumerate(params)]
        description = getattr(udfs, node.name).__doc__[:255]
        found.append((node.name, description, category, arg_docs))
    return sorted(found)


def run_workbook_open(source: str) -> list[tuple[str, object, object, object]]:
    """Step through the generated Workbook_Open; answer the JxDescribe calls it makes."""
    body = procedure(source, "Private Sub Workbook_Open()").split("\n")[1:]
    env: dict[str, object] = {}
    calls = []
    for raw in body:
        line = raw.strip()
        if not line or line.startswith("'") or line.startswith("Dim "):
            continue
        if line in ("On Error Resume Next", "wasSaved = ThisWorkbook.Saved"):
            continue
        if line == "ThisWorkbook.Saved = wasSaved":
            continue
        if m := re.fullmatch(r"ReDim a\(0 To (\d+)\)", line):
            for i in range(int(m[1]) + 1):
                env[f"a({i})"] = None
            env["a"] = int(m[1]) + 1
            continue
        if line == "a = Empty":
            env["a"] = 0
            continue
        if m := re.fullmatch(r'JxDescribe "(\w+)", d, c, a', line):
            args = [env[f"a({i})"] for i in range(int(env["a"]))]  # type: ignore[call-overload]
            calls.append((m[1], env["d"], env["c"], args))
            continue
        m = re.fullmatch(r"(\w+(?:\(\d+\))?) = (.+)", line)
        assert m, f"unexpected statement in Workbook_Open: {line}"
        env[m[1]] = evaluate(m[2], env)
    return calls


# ---------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project() -> bytes:
    return vba.build_vba_project(SHEETS, udfs)


@pytest.fixture(scope="module")
def workbook(project: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An .xlsm as the template builder makes one: XlsxWriter, the bin, three buttons."""
    path = tmp_path_factory.mktemp("vba") / "book.xlsm"
    book = xlsxwriter.Workbook(str(path))
    book.set_vba_name(vba.WORKBOOK_CODE_NAME)
    sheets = [book.add_worksheet(title) for title in ("自评表", "说明")]
    for sheet, code_name in zip(sheets, SHEETS, strict=True):
        sheet.set_vba_name(code_name)
    book.add_vba_project(io.BytesIO(project), is_stream=True)
    for row, (caption, macro) in enumerate(vba.BUTTON_MACROS.items()):
        sheets[0].insert_button(row * 3, 6, {"macro": macro, "caption": caption})
    sheets[0].write_formula("A1", "=JX_EXEC_RATE(90,100)")
    book.close()
    return path


@pytest.fixture(scope="module")
def extracted(workbook: Path) -> dict[str, str]:
    return olevba_modules(workbook)


@pytest.fixture(scope="module")
def modules() -> dict[str, vba.Module]:
    return {m.name: m for m in vba.vba_modules(SHEETS, udfs)}


def test_olevba_lists_every_module_with_its_kind(extracted: dict[str, str]) -> None:
    assert sorted(extracted) == sorted(
        [
            "ThisWorkbook.cls",
            "Sheet1.cls",
            "Sheet2.cls",
            "Jixiao.bas",
            "xlwings_udfs.bas",
            "xlwings.bas",
            "Dictionary.cls",
        ]
    )


def test_every_source_round_trips_through_the_bin(
    extracted: dict[str, str], modules: dict[str, vba.Module]
) -> None:
    assert len(modules) == len(extracted)
    for name, module in modules.items():
        suffix = ".bas" if module.kind == "standard" else ".cls"
        assert code_lines(extracted[name + suffix]) == code_lines(module.source), name
    assert "Public Sub JixiaoValidate()" in extracted["Jixiao.bas"]
    assert "Private Sub Workbook_Open()" in extracted["ThisWorkbook.cls"]


def test_project_stream_declares_documents_modules_and_class(project: bytes) -> None:
    ole = olefile.OleFileIO(io.BytesIO(project))
    text = ole.openstream("PROJECT").read().decode("ascii")
    declared = [line for line in text.split("\r\n") if re.match(r"(Document|Module|Class)=", line)]
    assert declared == [
        "Document=ThisWorkbook/&H00000000",
        "Document=Sheet1/&H00000000",
        "Document=Sheet2/&H00000000",
        "Module=Jixiao",
        "Module=xlwings_udfs",
        "Module=xlwings",
        "Class=Dictionary",
    ]
    # Version-independent _VBA_PROJECT ([MS-OVBA] 2.3.4.1): Excel must compile from source.
    assert ole.openstream("VBA/_VBA_PROJECT").read() == b"\xcc\x61\xff\xff\x00\x00\x00"
    assert not [s for s in ole.listdir() if s[-1].startswith("__SRP_")]


def test_no_module_carries_compiled_code(project: bytes) -> None:

    parsed = parse_vba_project(CFB.from_bytes(project))
    assert {m.name: m.text_offset for m in parsed.modules} == {
        name: 0
        for name in [
            "ThisWorkbook",
            *SHEETS,
            "Jixiao",
            "xlwings_udfs",
            "xlwings",
            "Dictionary",
        ]
    }
    assert parsed.code_page == 1252


def test_every_module_is_ascii_and_fits_vba_lines(modules: dict[str, vba.Module]) -> None:
    for module in modules.values():
        assert module.source.isascii(), module.name
        assert "\n" not in module.source.replace("\r\n", ""), module.name
        assert max(len(line) for line in module.source.split("\r\n")) <= 1023, module.name


def test_build_is_deterministic(project: bytes) -> None:
    assert vba.build_vba_project(SHEETS, udfs) == project
    assert vba.build_vba_project(["Sheet1"], udfs) != project
    # Another process, another hash seed: the committed templates must not churn.
    script = (
        "import sys, jixiao.udfs; from jixiao.templates import vba; "
        "sys.stdout.buffer.write(vba.build_vba_project(['Sheet1', 'Sheet2'], jixiao.udfs))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, env=env
    ).stdout
    assert other == project


# ---------------------------------------------------------------------------
# Buttons
# ---------------------------------------------------------------------------


def test_buttons_call_public_subs_of_the_project(workbook: Path, extracted: dict[str, str]) -> None:
    with zipfile.ZipFile(workbook) as package:
        vml = "".join(
            package.read(n).decode("utf-8")
            for n in package.namelist()
            if n.startswith("xl/drawings/vmlDrawing")
        )
    assert sorted(re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)) == sorted(
        vba.BUTTON_MACROS.values()
    )
    for caption in vba.BUTTON_MACROS:
        assert caption in vml
    standard = "\n".join(code for name, code in extracted.items() if name.endswith(".bas"))
    for macro in vba.BUTTON_MACROS.values():
        # A button runs a parameterless Sub of a standard module, found by name.
        assert len(re.findall(rf"^Public Sub {macro}\(\)\r?$", standard, re.M)) == 1, macro
        assert len(re.findall(rf"\b{macro}\b", standard)) == 1, f"{macro} is ambiguous"


def test_buttons_run_fixed_python_modules(modules: dict[str, vba.Module]) -> None:
    source = unspell(modules["Jixiao"].source)
    assert set(PYTHON_CALLS) == set(vba.BUTTON_MACROS.values())
    for caption, macro in vba.BUTTON_MACROS.items():
        body = procedure(source, f"Public Sub {macro}()")
        command = f"import jixiao.macros.buttons as b; b.{PYTHON_CALLS[macro]}()"
        assert f'JixiaoRun "{command}", "{caption}"' in body
    assert "ThisWorkbook.Name" not in source  # never a module named after the file
    assert "result = RunPython(PythonCommand)" in source
    assert re.search(r"^Public Function RunPython\(", modules["xlwings"].source, re.M)


def test_missing_python_gets_a_chinese_message(modules: dict[str, vba.Module]) -> None:
    help_text = procedure(unspell(modules["Jixiao"].source), "Private Sub JixiaoInstallHelp(")
    assert "pip install ." in help_text
    assert "No module named 'jixiao'" in help_text
    assert re.search(r"[\u4e00-\u9fff]", help_text)
    assert 'MsgBox msg, vbExclamation, "jixiao 绩效自评"' in help_text
    runner = procedure(modules["Jixiao"].source, "Private Sub JixiaoRun(")
    assert "On Error GoTo Failed" in runner
    assert "If result = -1 Then JixiaoInstallHelp" in runner


def test_embedded_button_module_reads_as_its_source_file(modules: dict[str, vba.Module]) -> None:
    original = BAS_FILE.read_text("utf-8").replace("\r\n", "\n").rstrip("\n").split("\n")
    assert code_lines(unspell(modules["Jixiao"].source)) == [
        line for line in original if not line.startswith("Attribute ")
    ]


def test_python_side_of_the_buttons() -> None:

    for name in PYTHON_CALLS.values():
        assert callable(getattr(buttons, name)), name


# ---------------------------------------------------------------------------
# Worksheet functions
# ---------------------------------------------------------------------------


def wrappers(source: str) -> dict[str, list[str]]:
    return {
        m[1]: [p.strip() for p in m[2].split(",")] if m[2] else []
        for m in re.finditer(r"^Function (\w+)\((.*)\)\r?$", source, re.M)
    }


def test_every_udf_has_a_wrapper_with_its_exact_parameters(extracted: dict[str, str]) -> None:
    found = wrappers(extracted["xlwings_udfs.bas"])
    assert sorted(found) == sorted(udfs.__all__)
    for name, params in found.items():
        signature = inspect.signature(getattr(udfs, name))
        expected = [
            ("Optional " if p.default is not inspect.Parameter.empty else "") + p.name
            for p in signature.parameters.values()
        ]
        assert params == expected, name
        names = [p.removeprefix("Optional ") for p in params]
        call = f'XLPy.CallUDF("jixiao.udfs", "{name}", Array({", ".join(names)})'
        assert extracted["xlwings_udfs.bas"].count(call) == 2, name


def test_udf_parameters_are_legal_vba_names() -> None:
    for name in udfs.__all__:
        params = list(inspect.signature(getattr(udfs, name)).parameters)
        folded = [p.casefold() for p in params]
        assert not VBA_RESERVED & set(folded), name
        assert len(set(folded)) == len(folded), name
        assert name.casefold() not in folded and "failed" not in folded, name
        assert all(re.fullmatch(r"[A-Za-z]\w{0,254}", p) for p in params), name


def test_wrapper_text_is_what_xlwings_writes(modules: dict[str, vba.Module]) -> None:
    # Transcribed from xlwings 0.37.8 import_udfs/generate_vba_wrapper for one function
    # with an optional parameter; the build runs the installed xlwings' own code.
    expected = (
        'Attribute VB_Name = "xlwings_udfs"\r\n'
        "'Autogenerated code by xlwings - changes will be lost with next import!\r\n"
        '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel\r\n'
    )
    grade = (
        "Function JX_GRADE(total, Optional profile)\r\n"
        '    #If App = "Microsoft Excel" Then\r\n'
        "        If TypeOf Application.Caller Is Range Then On Error GoTo failed\r\n"
        '        JX_GRADE = XLPy.CallUDF("jixiao.udfs", "JX_GRADE", Array(total, profile), '
        "ThisWorkbook, Application.Caller)\r\n"
        "        Exit Function\r\n"
        "    #Else\r\n"
        '        JX_GRADE = XLPy.CallUDF("jixiao.udfs", "JX_GRADE", Array(total, profile))\r\n'
        "        Exit Function\r\n"
        "    #End If\r\n"
        "failed:\r\n"
        "    JX_GRADE = Err.Description\r\n"
        "End Function\r\n"
    )
    source = modules["xlwings_udfs"].source
    assert source.startswith(expected)
    assert grade in source
    # import_udfs walks dir(module): wrappers in name order.
    assert list(wrappers(source)) == sorted(udfs.__all__)


def test_workbook_open_describes_every_function(modules: dict[str, vba.Module]) -> None:
    calls = run_workbook_open(modules["ThisWorkbook"].source)
    assert sorted(calls) == expected_registrations()
    assert {c[2] for c in calls} == {"jixiao 绩效自评"}
    assert len(calls) == len(udfs.__all__)


def test_workbook_open_is_guarded_and_uses_macro_options(modules: dict[str, vba.Module]) -> None:
    source = modules["ThisWorkbook"].source
    opening = procedure(source, "Private Sub Workbook_Open()")
    assert opening.index("On Error Resume Next") < opening.index("JxDescribe")
    describe = procedure(source, "Private Sub JxDescribe(")
    assert describe.index("On Error Resume Next") < describe.index("Application.MacroOptions")
    assert "ArgumentDescriptions:=ArgumentDescriptions" in describe
    assert "Category:=Category" in describe
    assert "ThisWorkbook.Saved = wasSaved" in opening


# ---------------------------------------------------------------------------
# Standalone xlwings
# ---------------------------------------------------------------------------


def test_standalone_modules_are_those_of_quickstart_standalone(
    modules: dict[str, vba.Module],
) -> None:
    shipped = olevba_modules(Path(xlwings.__file__).with_name("quickstart_standalone.xlsm"))
    documents = {"ThisWorkbook.cls", "Sheet1.cls", "Sheet2.cls", "Module1.bas"}
    assert sorted(set(shipped) - documents) == ["Dictionary.cls", "xlwings.bas"]
    for name, _ in vba.STANDALONE_MODULES:
        suffix = ".cls" if modules[name].kind == "class" else ".bas"
        # The VBA editor re-cases identifiers it knows (Err → err); nothing else differs.
        ours = [line.casefold() for line in code_lines(modules[name].source)]
        theirs = [line.casefold() for line in code_lines(shipped[name + suffix])]
        assert ours == theirs, name


def test_embedded_xlwings_is_the_installed_version(modules: dict[str, vba.Module]) -> None:
    assert vba.XLWINGS_VERSION == xlwings.__version__
    source = modules["xlwings"].source
    assert f'Lib "xlwings64-{vba.XLWINGS_VERSION}.dll"' in source
    assert f'Public Const XLWINGS_VERSION As String = "{vba.XLWINGS_VERSION}"' in source


# ---------------------------------------------------------------------------
# Inputs and the ASCII spelling
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "names",
    [["Jixiao"], ["ThisWorkbook"], ["1Sheet"], ["表一"], ["Sheet1", "sheet1"], ["x" * 32]],
)
def test_bad_code_names_are_refused(names: list[str]) -> None:
    with pytest.raises(ValueError):
        vba.build_vba_project(names, udfs)


@given(st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))))
def test_vba_text_spells_any_text_in_ascii(text: str) -> None:
    expression = vba.vba_text(text)
    assert expression.isascii()
    assert evaluate(expression) == text


@pytest.mark.parametrize(
    "line",
    [
        'Const TITLE = "校验"',
        "x = 1 ' 中文注释",
        'Public Sub Go(Optional s As String = "中")',
        '#Const LABEL = "中"',
        "中 = 1",
    ],
)
def test_chinese_outside_expressions_is_refused(line: str) -> None:
    with pytest.raises(ValueError):
        vba.vba_ascii(line)


def test_string_literals_are_respelt_exactly() -> None:
    line = 'MsgBox "说 ""好"" 吧" & x, vbOKOnly, "标题"'
    spelt = vba.vba_ascii(line)
    assert spelt.isascii()
    assert unspell(spelt) == line
