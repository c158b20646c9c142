"""Bounded memos of pure functions, a lock-free cached attribute, and quick construction of
frozen classes with slots (``builder``).

A batch of forms repeats the same texts thousands of times (``≥95%``, ``产出指标``,
``满意度指标``): reading each distinct text once makes checking a batch several times
faster. Every memo here is bounded (emptied when full, so a long run cannot grow without
limit) and registered, so ``clear_all()`` — ``jixiao.rules.engine.clear_caches()`` —
forgets everything at once.

Only pure functions of hashable, immutable inputs are memoised, and their results are
immutable (strings, numbers, tuples, frozen dataclasses), so a remembered answer can be
handed to every caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any, Generic, TypeVar, overload

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

DEFAULT_SIZE = 50_000
_MEMOS: list[Memo[Any, Any]] = []


class Memo(dict[K, V], Generic[K, V]):
    """``memo[key]`` is ``fn(key)``, computed on the first request only (a memo without
    ``fn`` holds what ``remember`` stores).

    A dict, so a hit costs one C-level lookup; a miss calls ``fn`` (``__missing__``). When
    ``maxsize`` entries are held the memo starts over, which bounds its memory without the
    bookkeeping of an LRU list.
    """

    __slots__ = ("fn", "maxsize", "name")

    def __init__(self, fn: Callable[[K], V] | None, name: str, maxsize: int = DEFAULT_SIZE) -> None:
        super().__init__()
        self.fn = fn
        self.name = name
        self.maxsize = maxsize
        _MEMOS.append(self)

    def __missing__(self, key: K) -> V:
        fn = self.fn
        if fn is None:
            raise KeyError(key)  # a memo filled only by remember()
        value = fn(key)
        # remember(), inlined: a batch misses tens of thousands of times
        if len(self) >= self.maxsize:
            self.clear()
        self[key] = value
        return value

    def remember(self, key: K, value: V) -> V:
        """Store a value computed elsewhere (for keys ``fn`` cannot compute from)."""
        if len(self) >= self.maxsize:
            self.clear()
        self[key] = value
        return value

    def __repr__(self) -> str:
        return f"Memo({self.name}, {len(self)}/{self.maxsize})"


def memo(fn: Callable[[K], V], maxsize: int = DEFAULT_SIZE) -> Memo[K, V]:
    """A registered memo of ``fn`` (named after it)."""
    return Memo(fn, f"{fn.__module__}.{fn.__qualname__}", maxsize)


def memos() -> tuple[Memo[Any, Any], ...]:
    """Every memo registered so far (for tests and diagnostics)."""
    return tuple(_MEMOS)


def clear_all() -> None:
    """Forget every remembered result."""
    for m in _MEMOS:
        m.clear()


class cached(Generic[T]):
    """``functools.cached_property`` without its lock (CPython 3.11 takes an RLock on
    every first access, which costs more than most of the values cached here).

    The value is stored in the instance's ``__dict__`` under the attribute's own name, so
    later reads never reach this descriptor. Works on frozen dataclasses, as
    cached_property does."""

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | cached[T]:
        if instance is None:
            return self
        value = self.fn(instance)
        instance.__dict__[self.name] = value
        return value


def unfrozen(cls: type) -> type:
    """A plain class with the slots of ``cls``, a frozen dataclass with slots.

    An instance of it is filled in with ordinary attribute stores — two to three times
    faster than the frozen class's ``__init__``, which must go around its own
    ``__setattr__`` field by field — and then made a ``cls`` with ``obj.__class__ = cls``
    (allowed: the two classes have one layout). The result is an ordinary ``cls``: equal,
    hashed, pickled and frozen as any other. Whoever fills one in must store every field."""
    slots = cls.__dict__.get("__slots__")
    if not isinstance(slots, tuple) or not slots:
        raise TypeError(f"{cls.__name__} has no slots to copy")
    return type(f"Unfrozen{cls.__name__}", (), {"__slots__": slots})


def builder(cls: type, names: Sequence[str] | None = None) -> Callable[..., Any]:
    """A function ``make(*values)`` giving a ``cls`` with ``names`` (default: the dataclass's
    fields, in order) set to ``values`` — each field stored on an :func:`unfrozen` instance,
    then the class switched. Written out once per class (as dataclasses writes ``__init__``),
    so every field is stored and none can be forgotten when one is added."""
    names = [f.name for f in fields(cls)] if names is None else list(names)
    if sorted(names) != sorted(cls.__dict__.get("__slots__") or ()):
        raise TypeError(f"{cls.__name__}: {names} are not its slots")
    params = ", ".join(names)
    stores = "".join(f"    o.{name} = {name}\n" for name in names)
    source = (
        f"def make({params}):\n    o = Unfrozen()\n{stores}    o.__class__ = cls\n    return o\n"
    )
    scope: dict[str, Any] = {"Unfrozen": unfrozen(cls), "cls": cls}
    exec(source, scope)  # generated from the class's own field names only
    make: Callable[..., Any] = scope["make"]
    make.__qualname__ = make.__name__ = f"make_{cls.__name__}"
    return make
