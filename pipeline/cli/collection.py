"""The cyclic garbage collector, told to look less often during a bulk job.

An import holds every row it stages (ORM objects, their inputs and outputs) until its one
commit, and makes millions of short-lived objects besides. With CPython's default threshold
(a collection of the young generation every 700 allocations), the collector walks the growing
heap over and over without finding anything to free: 8.9 s of a 40.5 s import of 49,935
projects, measured with `gc.callbacks` (docs/performance.md). Nearly all the import's garbage is
freed by reference counting the moment it is dropped, so collecting rarely costs almost no memory
(the same import's peak grew by under 1 MB).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BULK_YOUNG_THRESHOLD = 100_000  # allocations between collections of the youngest generation


@contextmanager
def collecting_rarely(young: int = BULK_YOUNG_THRESHOLD) -> Iterator[None]:
    """Within the block, collect the youngest generation every `young` allocations; then as before.

    For a command's own process only: the threshold is the interpreter's, shared by its threads.
    """
    before = gc.get_threshold()
    gc.set_threshold(young, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
