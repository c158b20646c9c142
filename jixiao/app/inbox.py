"""What a finance bureau receives, as a list of files to check: folders (searched through),
zip archives as they arrive by mail (member names often in GBK without the zip's UTF-8
flag; folders inside; now and then a zip inside the zip) and single files.

Found: every kind ``jixiao validate`` reads — workbooks, Word reports, JSON forms — and
the files sent in their place (PDF, scans, .doc, .et …: ``validate`` says what they are and
what to ask for, so a reviewer sees them listed). Passed over: the debris of archiving and
editing — ``__MACOSX/``, hidden files, Office's ``~$`` lock files — and any other file
(a .txt, a database), counted by extension so the console can say what was left aside.

The order is the files' names (numbers in names compare as numbers: 项目2 before 项目10),
never the order a disk or a zip lists them in, so a batch gives the same summary however
its files were copied.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from jixiao.app.review import Item
from jixiao.formats.magic import BOOK_SUFFIXES

__all__ = ["Inbox", "collect", "member_name", "natural_key"]

# Files checked: what validate and check read, and what is sent in place of a form.
FORM_SUFFIXES = frozenset({".json", *BOOK_SUFFIXES})
ZIP_SUFFIX = ".zip"
MAX_ZIP_DEPTH = 3  # a zip inside a zip inside a zip, and no deeper

_UTF8_FLAG = 0x800


@dataclass
class Inbox:
    items: list[Item] = field(default_factory=list)
    # Files that could not be opened before any checking (a damaged zip, a missing path),
    # listed with the unreadable files: the item (its path: the zip) and why.
    broken: list[tuple[Item, str]] = field(default_factory=list)
    other: Counter[str] = field(default_factory=Counter)  # extension -> files passed over
    debris: int = 0  # hidden files, ~$ lock files, __MACOSX


def collect(paths: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> Inbox:
    """Every file to check under ``paths`` (folders, zips, files), sorted by name and
    without repeats. ``exclude``: files and folders never to take (the run's own outputs
    and cache, when they sit inside a folder being checked)."""
    inbox = Inbox()
    skip = {_real(p) for p in exclude}
    seen = _Seen(inbox.items)
    for given in paths:
        for item in _walk(Path(given), str(given), inbox, skip):
            if seen.first(item):
                inbox.items.append(item)
    inbox.items.sort(key=lambda i: natural_key(i.name))
    inbox.broken.sort(key=lambda b: natural_key(b[0].name))
    return inbox


class _Seen:
    """Which files the batch has already: a file reached twice (given twice, or a folder
    and a folder inside it) is taken once. What is kept is the hash of each file's real
    path (and its members in a zip) — a small int a file rather than the path itself; only
    when a hash comes again are the real paths compared, and from then on kept."""

    def __init__(self, items: list[Item]) -> None:
        self._items = items
        self._hashes: set[int] = set()
        self._exact: set[tuple[str, tuple[str, ...]]] | None = None

    def first(self, item: Item) -> bool:
        """True the first time a file comes (remember it), False when it came before."""
        key = (_real(item.path), item.members)
        digest = hash(key)
        if digest not in self._hashes and self._exact is None:
            self._hashes.add(digest)
            return True
        if self._exact is None:  # the first repeat: every file so far, exactly
            self._exact = {(_real(i.path), i.members) for i in self._items}
        if key in self._exact:
            return False
        self._exact.add(key)
        return True


_DIGITS = re.compile(r"\d+")


def natural_key(name: str) -> str:
    """Sort key of a name: runs of digits by their value, the rest as text (case folded).

    One string rather than a tuple of parts, about a quarter of the memory (a batch's keys
    are all held while it is sorted), in the same order: each run of digits is ``\\x01``,
    its length (as one character) and its digits without leading zeros — fewer digits, a
    smaller number; each run of text is ``\\x02``, the text and ``\\x00`` (a shorter text
    first, as no character of a name is below ``\\x00``) — a number before text where
    one name has a number and the other text."""
    name = name.replace("\\", "/")
    parts: list[str] = []
    at = 0
    for run in _DIGITS.finditer(name):
        if run.start() > at:
            parts.append(f"\x02{name[at : run.start()].casefold()}\x00")
        digits = run.group()
        if not digits.isascii():  # other scripts' digits (\d is any decimal digit)
            digits = "".join(str(unicodedata.decimal(c)) for c in digits)
        digits = digits.lstrip("0") or "0"
        parts.append(f"\x01{chr(0x20 + len(digits))}{digits}")
        at = run.end()
    if at < len(name):
        parts.append(f"\x02{name[at:].casefold()}\x00")
    return "".join(parts)


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its sender wrote it. Without the UTF-8 flag a zip stores names in
    the sender's code page — GBK on a Chinese Windows — which zipfile decodes as cp437;
    macOS writes UTF-8 and sets no flag. Undo cp437 and try UTF-8, then GBK."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def _walk(path: Path, shown: str, inbox: Inbox, skip: set[str]) -> Iterator[Item]:
    if _real(path) in skip:
        return
    if path.is_dir():
        yield from _folder(path, shown, inbox, skip)
    elif path.suffix.lower() == ZIP_SUFFIX and path.is_file():
        yield from _zip(str(path), shown, (), inbox, 1)
    elif path.exists():
        yield Item(shown, str(path))  # named on the command line: checked, whatever it is
    else:
        inbox.broken.append((Item(shown, ""), "文件或文件夹不存在"))


def _folder(root: Path, shown: str, inbox: Inbox, skip: set[str]) -> Iterator[Item]:
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        kept = []
        for d in dirs:
            if _debris(d) or _real(here / d) in skip:
                inbox.debris += _debris(d)
            else:
                kept.append(d)
        dirs[:] = sorted(kept)
        for f in sorted(files):
            path = here / f
            if _real(path) in skip:
                continue
            if _debris(f):
                inbox.debris += 1
                continue
            name = os.path.join(shown, os.path.relpath(path, root))
            suffix = path.suffix.lower()
            if suffix == ZIP_SUFFIX:
                yield from _zip(str(path), name, (), inbox, 1)
            elif suffix in FORM_SUFFIXES:
                where = str(path)
                yield Item(name, name if where == name else where)  # one string, not two
            else:
                inbox.other[suffix or "（无扩展名）"] += 1


def _zip(
    archive: str, shown: str, members: tuple[str, ...], inbox: Inbox, depth: int
) -> Iterator[Item]:
    """The forms in a zip (``members``: the way to it when it sits inside another zip)."""
    try:
        infos = _infos(archive, members)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError, RuntimeError):
        inbox.broken.append(
            (
                Item(shown, archive, members),
                "压缩包已损坏或不完整，无法打开：请重新下载，或请报送单位重新打包发送",
            )
        )
        return
    for info, name in infos:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if info.is_dir() or not parts:
            continue
        if any(_debris(p) for p in parts):
            inbox.debris += 1
            continue
        inner = f"{shown}/{'/'.join(parts)}"
        suffix = PurePosixPath(parts[-1]).suffix.lower()
        if suffix == ZIP_SUFFIX and depth < MAX_ZIP_DEPTH:
            yield from _zip(archive, inner, (*members, info.filename), inbox, depth + 1)
        elif suffix in FORM_SUFFIXES:
            yield Item(inner, archive, (*members, info.filename))
        else:
            inbox.other[suffix or "（无扩展名）"] += 1


def _infos(archive: str, members: tuple[str, ...]) -> list[tuple[zipfile.ZipInfo, str]]:
    if members:
        data = _read_nested(archive, members)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [(i, member_name(i)) for i in zf.infolist()]
    with zipfile.ZipFile(archive) as zf:
        return [(i, member_name(i)) for i in zf.infolist()]


def _read_nested(archive: str, members: tuple[str, ...]) -> bytes:
    outer: str | io.BytesIO = archive
    data = b""
    for member in members:
        with zipfile.ZipFile(outer) as zf:
            data = zf.read(member)
        outer = io.BytesIO(data)
    return data


def _debris(name: str) -> bool:
    """Hidden files and folders, Office lock files, macOS's resource forks in a zip."""
    return (
        name.startswith((".", "~$")) or name == "__MACOSX" or name in ("Thumbs.db", "desktop.ini")
    )


def _real(path: str | Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return str(path)
