"""The package as a whole: every module imports, codes are unique, `check` stays light.

An ImportError inside a function once disabled the 校验 button while every test stayed
green; imports now sit at the top of each module (ruff PLC0415), and this test imports
every module, the Excel host and the button entry points included.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import jixiao
import jixiao.macros
import jixiao.udfs
import jixiao.xlsx_templates
from jixiao.rules import REGISTRY

REPO = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    names = []
    for package in (jixiao, jixiao.udfs, jixiao.macros, jixiao.xlsx_templates):
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            names.append(info.name)
    return sorted(set(names))


MODULES = _modules()


def test_the_walk_finds_the_layers_and_the_entry_points() -> None:
    for expected in (
        "jixiao.core.fields",
        "jixiao.rules.engine",
        "jixiao.formats.package",
        "jixiao.readers.paper",
        "jixiao.templates.builder",
        "jixiao.app.marks",
        "jixiao.hosts.xlwings",
        "jixiao.cli.main",
        "jixiao.udfs.functions",
        "jixiao.macros.buttons",
    ):
        assert expected in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_every_module_imports(name: str) -> None:
    # In a fresh interpreter, so one module's imports cannot hide another's missing one.
    command = ["-m", "jixiao", "--help"] if name == "jixiao.__main__" else ["-c", f"import {name}"]
    done = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr


def test_every_check_has_its_own_code() -> None:
    codes = [c.code for c in REGISTRY]
    assert len(codes) == len(set(codes)) == 38


def test_checks_lists_every_check_once() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jixiao", "checks"], capture_output=True, text=True, check=True
    )
    listed = [line.split()[0] for line in done.stdout.splitlines()]
    assert listed == sorted(set(listed), key=listed.index)  # no repeats
    assert set(listed) == {c.code for c in REGISTRY}
    assert "S11" in listed and "S12" in listed  # the basic table's own arithmetic checks


def test_check_and_checks_load_no_workbook_library(tmp_path: Path) -> None:
    form = tmp_path / "f.json"
    form.write_text(
        (REPO / "examples" / "shifeng-2020-project.json").read_text("utf-8"), encoding="utf-8"
    )
    script = (
        "import sys, json\n"
        "from jixiao.cli.main import main\n"
        f"main(['check', {str(form)!r}, '--json'])\n"
        "main(['checks'])\n"
        "heavy = ['openpyxl', 'xlsxwriter', 'xlwings', 'pandas', 'pyopenvba', 'xlrd', 'docx']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert json.loads(done.stdout.splitlines()[-1]) == []
