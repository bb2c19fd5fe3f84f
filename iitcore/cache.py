"""Exactly keyed caches shared across states, phases and programs, with hit counters.

Every cache here is keyed by everything its value depends on, so a hit
returns what a recomputation would return: caches change only the time a
result takes, never the result. ``caching(False)`` turns them all off (to
check exactly that); ``cache_info()`` reports hits and misses per cache.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Callable, Hashable, Iterator, TypeVar

import numpy as np

V = TypeVar("V")

_ENABLED = True
_REGISTRY: dict[str, "KeyedCache"] = {}
_MEMOS: dict[str, Any] = {}  # functools.lru_cache functions (memos of one object's results; always on)


class KeyedCache:
    """A bounded least-recently-used map from exact keys to computed values, counting hits (thread-safe)."""

    def __init__(self, name: str, maxsize: int):
        self.name, self.maxsize = name, maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        _REGISTRY[name] = self

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value for ``key``, computing (and storing) it on a miss."""
        if not _ENABLED:
            return compute()
        with self._lock:
            if key in self._data:
                self.hits += 1
                self._data.move_to_end(key)
                return self._data[key]
            self.misses += 1
        value = compute()
        with self._lock:
            self._data[key] = value
            if len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0


def register_memo(name: str, memo: Any) -> None:
    """Report and clear an ``functools.lru_cache`` function with the caches (``caching`` leaves it on)."""
    _MEMOS[name] = memo


def _info(hits: int, misses: int, size: int) -> dict[str, float]:
    return {"hits": hits, "misses": misses, "hit_rate": hits / max(hits + misses, 1), "size": size}


def cache_info() -> dict[str, dict[str, float]]:
    """Hits, misses, hit rate and current size of every cache, by name."""
    info = {name: _info(c.hits, c.misses, len(c._data)) for name, c in _REGISTRY.items()}
    for name, memo in _MEMOS.items():
        i = memo.cache_info()
        info[name] = _info(i.hits, i.misses, i.currsize)
    return info


def clear_caches() -> None:
    """Empty every cache and memo and reset their counters."""
    for c in _REGISTRY.values():
        c.clear()
    for memo in _MEMOS.values():
        memo.cache_clear()


@contextmanager
def caching(enabled: bool) -> Iterator[None]:
    """Turn every cache on or off inside the block (off: every value is recomputed)."""
    global _ENABLED
    before, _ENABLED = _ENABLED, enabled
    try:
        yield
    finally:
        _ENABLED = before


_WIRING: "weakref.WeakKeyDictionary[Any, bytes]" = weakref.WeakKeyDictionary()


def wiring_key(substrate: Any) -> bytes:
    """Digest of a substrate's inputs and tables (its labels and states play no part).

    Two substrates with the same key have the same units, inputs and
    tables, so anything computed from those alone can be shared. The
    digest is remembered per substrate object.
    """
    key = _WIRING.get(substrate)
    if key is None:
        h = hashlib.blake2b(digest_size=20)
        for ins, table in zip(substrate.inputs, substrate.tables):
            h.update(np.asarray(ins, dtype=np.int64).tobytes())
            h.update(b"|")
            h.update(np.ascontiguousarray(table, dtype=float).tobytes())
            h.update(b";")
        key = h.digest()
        _WIRING[substrate] = key
    return key
