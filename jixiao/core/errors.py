"""Errors that reach the user as one Chinese message and exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """Input that cannot be read at all. ``str()`` is the full Chinese message."""

    def __init__(self, message: str, *, file: str | None = None, where: str | None = None):
        self.file = file
        self.where = where
        self.detail = message
        parts = [p for p in (f"文件 {file}" if file else None, where) if p]
        super().__init__(("：".join(["，".join(parts), message])) if parts else message)
