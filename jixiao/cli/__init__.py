"""The command line: ``jixiao check``, ``validate`` and friends."""

from jixiao.cli.main import main

__all__ = ["main"]
