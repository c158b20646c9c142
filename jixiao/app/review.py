"""One file of a batch, as ``jixiao review`` checks it: a pure function of the file.

:func:`review_file` (a file on disk) and :func:`review_bytes` (a file's bytes, e.g. a member
of a zip) take the file and a profile and return a JSON-able dict; nothing else goes in,
nothing is written but a temporary copy that is removed again. A Dask or Ray user can map
them over files just as ``jixiao review`` maps them over its worker processes:

    from jixiao.app.review import review_file
    results = [review_file(p) for p in paths]

The dict is the file's ``jixiao validate --json`` / ``jixiao check --json`` object (the
findings, ``summary``, ``forms`` …) with ``status`` ``"ok"``; a file that cannot be read is
``{"file", "status": "unreadable", "message", "reason"}`` with the Chinese message
``validate`` gives (``message`` names the file, ``reason`` does not); a failure of jixiao
itself is ``status`` ``"internal"`` with a short Chinese reason, never a traceback.

Only the readers and the rule engine are loaded here: no pandas, no XlsxWriter.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from jixiao.app.report import book_object
from jixiao.app.summary import form_object
from jixiao.app.validate import check_book
from jixiao.core.errors import InputError
from jixiao.core.interchange import read_form
from jixiao.core.profile import Profile, load_profile
from jixiao.formats.files import FileKind, read_book_grid
from jixiao.formats.magic import is_book_file
from jixiao.readers.workbook import NO_TABLES, read_forms
from jixiao.rules.engine import check_form

__all__ = [
    "MAX_MEMBER_BYTES",
    "Item",
    "read_item",
    "remove_temporary_copies",
    "review_bytes",
    "review_file",
    "review_item",
    "review_item_record",
    "sha256_of",
]

OK, UNREADABLE, INTERNAL = "ok", "unreadable", "internal"

# The largest file any reader accepts (a Word report with photographs, 50 MB): a larger
# member of a zip is refused without unpacking it.
MAX_MEMBER_BYTES = 50 * 1024 * 1024
_MB = 1024 * 1024


@dataclass(frozen=True, order=True, slots=True)
class Item:
    """A file of the batch: ``name`` shows it (and names it in messages), ``path`` is the
    file on disk or the zip it is in, ``members`` the member names inside that zip (more
    than one for a zip inside a zip), raw as the zip stores them. (Slots: a batch holds one
    per file.)"""

    name: str
    path: str
    members: tuple[str, ...] = ()

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()


def review_file(
    path: str | Path, name: str | None = None, profile: str | Path | Profile | None = None
) -> dict[str, Any]:
    """Check the file at ``path`` as ``jixiao validate --json`` does (``name`` shows it;
    default: the path). ``profile``: as ``--profile`` (None: each workbook's 设置 sheet,
    else the default)."""
    path = Path(path)
    name = str(path) if name is None else name
    # As JSON has it: what a worker returns, the cache keeps and --json writes are alike.
    return json.loads(_file_json(path, name, profile)[1])


def review_bytes(
    data: bytes, name: str, profile: str | Path | Profile | None = None
) -> dict[str, Any]:
    """Check a file given as its bytes (``name``: how it is shown; its extension counts as
    a file's does). The readers read files: the bytes go to a temporary copy with the same
    name, removed afterwards."""
    return json.loads(_bytes_json(data, name, profile)[1])


def review_item(item: Item, profile: str | Path | Profile | None = None) -> dict[str, Any]:
    """A worker's job: read the item (a file, or a member of a zip) and review it."""
    return json.loads(_item_json(item, None, profile)[1])


def review_item_record(
    item: Item, data: bytes | None, profile: str | Path | Profile | None = None
) -> tuple[str, bytes]:
    """:func:`review_item` as a worker of ``jixiao review`` sends it back: its ``status`` and
    the result as a :func:`record` (a zip member comes as ``data``, the bytes the main
    process unpacked already). Never parsed in the worker, never pickled as a dict: a few
    KB of compressed JSON cross the pipe and go to disk as they are."""
    status, text = _item_json(item, data, profile)
    return status, _compressed(text)


def record(result: dict[str, Any]) -> bytes:
    """A result as the results of a run are stored: compact ASCII JSON (a name with a lone
    surrogate — an undecodable zip member name — is stored as it is; compression takes back
    what the \\u escapes of Chinese text add), compressed."""
    return _compressed(_dumps(result))


def from_record(data: bytes) -> dict[str, Any]:
    """The result a :func:`record` holds."""
    return json.loads(zlib.decompress(data))


def _compressed(text: str) -> bytes:
    return zlib.compress(text.encode("ascii"), 1)


def _dumps(result: dict[str, Any]) -> str:
    return json.dumps(result, separators=(",", ":"), default=str)


# Each returns the result as JSON text (see record()), with its status.


def _file_json(path: Path, name: str, profile: str | Path | Profile | None) -> tuple[str, str]:
    try:
        return OK, _dumps(_reviewed(path, name, profile))
    except InputError as e:
        return UNREADABLE, _dumps(unreadable(name, e))
    except Exception as e:  # one file must not stop a batch, nor show a traceback
        return INTERNAL, _dumps(internal(name, e))


def _bytes_json(data: bytes, name: str, profile: str | Path | Profile | None) -> tuple[str, str]:
    try:
        folder = tempfile.mkdtemp(prefix="jixiao-review-")
    except OSError as e:
        return INTERNAL, _dumps(internal(name, e))
    _COPIES.add(folder)
    try:
        copy = Path(folder) / _safe_name(name)
        copy.write_bytes(data)
        return _file_json(copy, name, profile)
    except OSError as e:
        return INTERNAL, _dumps(internal(name, e))
    finally:
        _remove_copy(folder)


# The temporary folders of the copies being checked in this process: a worker stopped in the
# middle of a file (Ctrl-C stops them all) removes them before it exits.
_COPIES: set[str] = set()


def remove_temporary_copies() -> None:
    """Remove the temporary copies still being checked (see :func:`review_bytes`)."""
    for folder in list(_COPIES):
        _remove_copy(folder)


def _remove_copy(folder: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    _COPIES.discard(folder)


def _item_json(
    item: Item, data: bytes | None, profile: str | Path | Profile | None
) -> tuple[str, str]:
    if data is not None:
        return _bytes_json(data, item.name, profile)
    if not item.members:
        return _file_json(Path(item.path), item.name, profile)
    try:
        data = read_item(item)
    except InputError as e:
        return UNREADABLE, _dumps(unreadable(item.name, e))
    except Exception as e:
        return INTERNAL, _dumps(internal(item.name, e))
    return _bytes_json(data, item.name, profile)


def read_item(item: Item) -> bytes:
    """The item's bytes: the file, or its member of the zip (of the zip …)."""
    if not item.members:
        try:
            return Path(item.path).read_bytes()
        except OSError as e:
            raise InputError(f"无法读取（{e.strerror or e}）", file=item.name) from None
    try:
        outer: Any = item.path
        for k, member in enumerate(item.members):
            with zipfile.ZipFile(outer) as zf:
                info = zf.getinfo(member)
                if info.file_size > MAX_MEMBER_BYTES:
                    raise InputError(
                        f"压缩包中的这个文件解压后有 {info.file_size / _MB:.1f} MB，超过 jixiao 能读取的"
                        f"上限（{MAX_MEMBER_BYTES // _MB} MB）：请确认是不是自评表，或解压后单独检查",
                        file=item.name,
                    )
                data = zf.read(info)
            if k + 1 < len(item.members):
                outer = io.BytesIO(data)
        return data
    except RuntimeError as e:  # zipfile: an encrypted member
        if "encrypted" in str(e) or "password" in str(e):
            raise InputError(
                "压缩包中的这个文件设了密码，无法解压：请向报送单位索取不加密的压缩包或文件",
                file=item.name,
            ) from None
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, KeyError):
        raise InputError(
            "压缩包已损坏或不完整，这个文件无法解压：请重新下载，或请报送单位重新打包发送",
            file=item.name,
        ) from None


def sha256_of(item: Item) -> tuple[str, bytes | None]:
    """The item's content hash, and for a zip member its bytes (unpacked once, for the
    worker too). Raises InputError when it cannot be read."""
    if item.members:
        data = read_item(item)
        return hashlib.sha256(data).hexdigest(), data
    digest = hashlib.sha256()
    try:
        with open(item.path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError as e:
        raise InputError(f"无法读取（{e.strerror or e}）", file=item.name) from None
    return digest.hexdigest(), None


def unreadable(name: str, e: InputError) -> dict[str, Any]:
    """A file that cannot be read: the message ``validate`` gives (``message``, naming the
    file) and the same without the file's name (``reason``, for a list of files)."""
    reason = "：".join(p for p in (e.where, e.detail) if p)
    return {"file": name, "status": UNREADABLE, "message": str(e), "reason": reason}


def internal(name: str, e: BaseException) -> dict[str, Any]:
    """jixiao itself failed on this file: said in one line, the batch goes on."""
    what = f"{type(e).__name__}: {e}".strip().rstrip(":")
    reason = f"jixiao 内部错误（{what}）：请把这个文件和这条信息发给开发者"
    return {"file": name, "status": INTERNAL, "message": f"文件 {name}：{reason}", "reason": reason}


def _reviewed(path: Path, name: str, profile: str | Path | Profile | None) -> dict[str, Any]:
    if is_book_file(path):
        kind, book = read_book_grid(path, name)  # as read_workbook_file: the kind sniffed once
        if kind is FileKind.DOCX and not book.sheets:
            raise InputError(NO_TABLES, file=book.source)
        contents = read_forms(book)
        report = check_book(contents, profile, name, profile_source="命令行 --profile")
        obj = book_object(name, kind, report)
    else:
        try:
            form = read_form(path)
        except InputError as e:  # named as the batch shows it, not by a temporary copy
            raise InputError(e.detail, file=name, where=e.where) from None
        chosen = profile if isinstance(profile, Profile) else load_profile(profile)
        obj = form_object(form, check_form(form, chosen), chosen)
        obj["file"] = name
        obj["format"] = "json"
    obj["status"] = OK
    return obj


_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')


def _safe_name(name: str) -> str:
    """A file name for the temporary copy: the item's own last part (its extension and a
    ``~$`` prefix count for the readers), without characters a file system refuses."""
    base = _UNSAFE.sub("_", PurePosixPath(name.replace("\\", "/")).name).strip() or "file"
    if len(base.encode("utf-8")) > 200:
        suffix = PurePosixPath(base).suffix[:16]
        base = "file" + suffix
    return base
