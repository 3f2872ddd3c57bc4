"""A server process gives the memory it frees back to the system.

glibc's allocator serves a large block (from 128 kB at first) from a mapping of its own and
unmaps it when it is freed. But each time such a block is freed it raises that threshold to
the block's size, up to 32 MB, so that later large blocks (a search's score and document
arrays, a page's text) come from the heap instead. There, a block freed below one still in
use cannot be given back, and a worker serving many requests side by side keeps the
high-water mark of all of them. Fixing the threshold keeps large blocks mapped, so each is
returned as soon as it is freed.

Smaller blocks come from the heap, whose free pages glibc keeps until asked: a worker asks
once a second. Both were measured under load at 100,000 records (docs/performance.md).
Other C libraries are left as they are.
"""

from __future__ import annotations

import ctypes
import platform
import threading
import time
from functools import cache
from typing import Any

M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
LARGE_BLOCK_BYTES = 128 * 1024  # glibc's own starting threshold
TRIM_SECONDS = 1.0
TRIM_THREAD = "memory trim"


@cache
def _glibc() -> Any:
    """The process's C library if it is glibc, else None (found once: `libc_ver` reads the
    interpreter's executable file)."""
    if platform.libc_ver()[0] != "glibc":
        return None
    return ctypes.CDLL(None)  # the C library this process already runs on


def keep_large_blocks_mapped(threshold: int = LARGE_BLOCK_BYTES) -> bool:
    """Serve blocks of `threshold` bytes and more from mappings of their own, for good; True if
    the C library took the setting."""
    libc = _glibc()
    return libc is not None and bool(libc.mallopt(M_MMAP_THRESHOLD, threshold))


def give_back_free_pages() -> bool:
    """Return the heap's wholly free pages to the system; True if any were returned."""
    libc = _glibc()
    return libc is not None and bool(libc.malloc_trim(0))


def trim_in_background(seconds: float = TRIM_SECONDS) -> threading.Thread | None:
    """A daemon thread that gives free pages back every `seconds`, for as long as the process
    runs; None where the C library is not glibc."""
    if _glibc() is None:
        return None
    thread = threading.Thread(target=_trim_forever, args=(seconds,), name=TRIM_THREAD, daemon=True)
    thread.start()
    return thread


def _trim_forever(seconds: float) -> None:
    while True:
        time.sleep(seconds)
        give_back_free_pages()


def return_freed_memory() -> None:
    """What every server worker does when it starts: both of the above."""
    keep_large_blocks_mapped()
    trim_in_background()
