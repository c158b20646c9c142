"""The catalogue of checks (rules.md "Checks"), one module per family, and the engine."""

# Importing the family modules registers their checks.
from jixiao.rules import (  # noqa: F401
    arithmetic,
    basic_table,
    cells,
    completeness,
    cross,
    deviation,
    quality,
)
from jixiao.rules.base import REGISTRY, Check, Context, Hit

__all__ = ["REGISTRY", "Check", "Context", "Hit"]
