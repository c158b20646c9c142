"""The committed workbooks in xlsx_templates/ are exactly what the build script makes."""

from __future__ import annotations

import io
import re
import zipfile
from importlib import resources

import pytest
from oletools.olevba import VBA_Parser

import jixiao.udfs as udfs
from jixiao.templates.builder import TEMPLATES, build
from jixiao.templates.vba import BUTTON_MACROS

COMMITTED = resources.files("jixiao.xlsx_templates")
# Only the document timestamps may legitimately differ between two builds.
TIMESTAMPS = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: TIMESTAMPS.sub(b"", z.read(n)) for n in z.namelist()}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.file)
def test_committed_template_equals_a_fresh_build(template):
    committed = COMMITTED.joinpath(template.file).read_bytes()
    fresh = io.BytesIO()
    build(template, fresh, functions=udfs)
    old, new = parts(committed), parts(fresh.getvalue())
    assert sorted(old) == sorted(new)
    differing = [name for name in old if old[name] != new[name]]
    assert differing == [], "重新运行 python xlsx_templates/build.py 并提交结果"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.file)
def test_every_button_runs_a_macro_that_exists(template, tmp_path):
    path = tmp_path / template.file
    path.write_bytes(COMMITTED.joinpath(template.file).read_bytes())
    with zipfile.ZipFile(path) as z:
        vml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".vml")).decode("utf-8")
    bound = set(re.findall(r"\[0\]!(\w+)", vml))
    expected = (
        set(BUTTON_MACROS.values())
        if template.unit_workbook
        else {"JixiaoValidate", "JixiaoClearMarks"}
    )
    assert bound == expected
    assert vml.count("[0]!JixiaoValidate") == len(
        template.sheets
    )  # a 校验 button on every form sheet
    parser = VBA_Parser(str(path))
    try:
        code = "\n".join(src for _, _, _, src in parser.extract_macros())
    finally:
        parser.close()
    for macro in bound:
        assert re.search(rf"^Public Sub {macro}\(\)", code, re.M), macro
    assert "jixiao.macros.buttons" in code and "RunPython" in code
