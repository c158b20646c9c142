"""The results of ``jixiao review`` kept between runs, so a re-run checks only what changed.

An entry is found by a key made of everything the result depends on: the file's content
(sha256 of its bytes), the name it is shown by (messages name the file; its extension
decides a reader), the profile asked for, and jixiao itself — its version and a hash of its
source files, so a changed rule never serves an old result. One small JSON file per entry
under the cache folder (default ``$XDG_CACHE_HOME/jixiao/review``, else
``~/.cache/jixiao/review``), written to a temporary file and renamed into place: an
interrupted run leaves whole entries or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from functools import cache
from pathlib import Path
from typing import Any

import jixiao
from jixiao.core.profile import Profile

__all__ = ["ReviewCache", "code_fingerprint", "default_cache_dir", "profile_fingerprint"]

FORMAT = 1  # the layout of an entry; bump when a result gains or loses a key


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jixiao" / "review"


@cache
def code_fingerprint() -> str:
    """jixiao's version and a hash of every source and profile file of the package."""
    root = Path(jixiao.__file__).resolve().parent
    digest = hashlib.sha256(jixiao.__version__.encode())
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def profile_fingerprint(profile: Profile | None) -> str:
    """The profile asked for: none (each workbook's own), or every setting of the given one
    (a profile file edited between runs is a new profile)."""
    return "" if profile is None else repr(profile)


class ReviewCache:
    """Results by key, in a folder. ``None`` as the folder: nothing kept (``--no-cache``)."""

    def __init__(self, folder: Path | None, profile: Profile | None) -> None:
        self.folder = folder
        self._salt = json.dumps(
            [FORMAT, code_fingerprint(), profile_fingerprint(profile)], ensure_ascii=False
        )

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def key(self, name: str, content_sha256: str) -> str:
        text = json.dumps([self._salt, name, content_sha256], ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result, or None (none stored, or an entry that cannot be read)."""
        if self.folder is None:
            return None
        try:
            data = json.loads(self._path(key).read_text("utf-8"))
        except (OSError, ValueError, RecursionError):  # a damaged or tampered entry
            return None
        return data if isinstance(data, dict) else None

    def put(self, key: str, result: dict[str, Any] | bytes) -> bool:
        """Store a result (a dict, or its JSON text as bytes); False when the folder cannot
        be written (the run goes on)."""
        if self.folder is None:
            return False
        target = self._path(key)
        # The name is chosen before the file exists, so a Ctrl-C at any point before the
        # rename finds it in the finally below (mkstemp could be interrupted after creating
        # the file but before returning its name).
        tmp = str(target.parent / f".tmp-{secrets.token_hex(8)}.json")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "xb") as f:
                if isinstance(result, bytes):
                    f.write(result)
                else:
                    f.write(json.dumps(result, ensure_ascii=False).encode("utf-8"))
            os.replace(tmp, target)
            return True
        except OSError:
            return False
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # gone after the rename; left only by a failed write
