"""Shared fixtures: the real submitted forms in ../shared/examples."""

from __future__ import annotations

import copy

import pytest
from support import load_example


@pytest.fixture
def example():
    """A fresh, mutable copy of a real form, by file name."""
    return lambda name: copy.deepcopy(load_example(name))
