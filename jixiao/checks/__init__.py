"""The catalogue of checks (rules.md "Checks"), one module per family."""

from . import arithmetic, basic_table, cells, completeness, cross, deviation, quality  # noqa: F401  (registers)
from .base import REGISTRY, Check, Context, Hit

__all__ = ["REGISTRY", "Check", "Context", "Hit"]
