"""Answers computed from the search index, kept until the index applies another change.

Searches, feeds and partner suggestions depend only on what the index holds, and the index
changes only by applying the change log. So an answer is good for exactly as long as the
index stays at the change it was computed at: every write invalidates everything at once,
and nothing is ever served stale. Each process keeps its own, bounded, least recently used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
# A search answer takes about 14 kB at 100,000 records: 512 of them about 7 MB a process,
# where 2,048 took about 28 MB. The load benchmarks repeat a few hundred distinct searches.
DEFAULT_SIZE = 512


class Answers:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._seq = -1
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def peek(self, seq: int, key: Hashable) -> Any:
        """The answer kept for `key` at index change `seq`, or None; never computes."""
        with self._lock:
            return self._items.get(key) if seq == self._seq else None

    def get(self, seq: int, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer for `key` at index change `seq`, computing it if it is not kept."""
        with self._lock:
            if seq > self._seq:
                self._items.clear()
                self._seq = seq
            elif seq == self._seq and key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                found: T = self._items[key]
                return found
        value = compute()
        with self._lock:
            self.misses += 1
            if seq == self._seq:
                self._items[key] = value
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return value
