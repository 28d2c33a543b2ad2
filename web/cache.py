"""Answers kept until the warehouse changes: a read is served from memory while the warehouse's version token
(the DuckDB file's size and modification times) is the one it was computed under, so a dashboard under load does
not queue on the file's lock, and no answer outlives a commit."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

CAPACITY = 512


class VersionedCache:
    """Least-recently-used answers by key, each valid for the version it was computed under."""

    def __init__(self, version: Callable[[], Hashable | None], capacity: int = CAPACITY) -> None:
        self.version, self.capacity = version, capacity
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached answer for `key` if the warehouse has not changed since, else `compute()` (kept). Concurrent
        misses on one key compute once: the others wait for that answer instead of all opening the warehouse."""
        version = self.version()
        if version is None:
            return compute()
        hit = self._hit(key, version)
        if hit is not None:
            return hit[1]
        with self._lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            hit = self._hit(key, version)
            if hit is not None:
                return hit[1]
            value = compute()
            with self._lock:
                self._entries[key] = (version, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.capacity:
                    evicted, _ = self._entries.popitem(last=False)
                    self._flights.pop(evicted, None)
            return value

    def _hit(self, key: Hashable, version: Hashable) -> tuple[Hashable, Any] | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == version:
                self._entries.move_to_end(key)
                return hit
            return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._flights.clear()
