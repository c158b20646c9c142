"""Shared fixtures: the real submitted forms in examples/."""

from __future__ import annotations

import copy

import pytest
from support import load_example

import jixiao.udfs
from jixiao.hosts.libreoffice import Engine, soffice_path


@pytest.fixture
def example():
    """A fresh, mutable copy of a real form, by file name."""
    return lambda name: copy.deepcopy(load_example(name))


@pytest.fixture(scope="session")
def libreoffice():
    """One headless LibreOffice for the whole test session (its own profile, killed at the end)."""

    if soffice_path() is None:
        pytest.fail("LibreOffice 未安装：make test 会安装它（libreoffice-calc-nogui python3-uno）")
    with Engine() as engine:
        yield engine


@pytest.fixture(scope="session")
def libreoffice_functions():
    """A second engine that serves the jixiao worksheet functions (JX_…) from Python.

    Kept apart from ``libreoffice``, where the functions are unknown, so the tests of the
    native fallback formulas really exercise the fallback.
    """

    if soffice_path() is None:
        pytest.fail("LibreOffice 未安装：make test 会安装它")
    with Engine() as engine:
        engine.serve_functions(jixiao.udfs)
        yield engine
