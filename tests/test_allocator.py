"""A server worker gives the memory it frees back to the system.

Each case runs in a process of its own, because the allocator's settings hold for a whole
process. A burst makes a hundred blocks with small long-lived blocks between them, then frees
the hundred: what is still held afterwards is what a worker would keep after many requests
side by side.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the settings are glibc's; other C libraries differ"
)

BURST = """
import sys
import threading
from pathlib import Path

from pipeline import allocator

def heap_mb():
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("RssAnon:")) / 1024

case, block_kb = sys.argv[1], int(sys.argv[2])
if case == "mapped":
    assert allocator.keep_large_blocks_mapped()
elif case == "worker":
    import pipeline.workers  # what `pipeline serve` runs in each worker
    assert any(t.name == allocator.TRIM_THREAD and t.daemon for t in threading.enumerate())
large = bytearray(16 * 2**20)  # freed, it raises glibc's threshold for large blocks
del large
before = heap_mb()
small, blocks = [], []
for _ in range(100 * 1024 // block_kb):
    blocks.append(bytearray(block_kb * 1024))
    small.append(bytes(1000))
del blocks
held = heap_mb() - before
if case == "trimmed":
    assert allocator.give_back_free_pages()
    held = heap_mb() - before
print(held)
"""


def held_after_burst(case: str, block_kb: int, env: dict[str, str]) -> float:
    """MB still held after 100 MB in blocks of `block_kb` were made and freed."""
    done = subprocess.run(
        [sys.executable, "-c", BURST, case, str(block_kb)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip())


@pytest.mark.parametrize("block_kb", [1024, 64])
def test_by_default_freed_blocks_stay_held(cli_env: dict[str, str], block_kb: int) -> None:
    """What the settings are for: glibc keeps the burst's 100 MB, in large blocks and small."""
    assert held_after_burst("default", block_kb, cli_env) > 80


def test_large_blocks_kept_mapped_go_back_when_freed(cli_env: dict[str, str]) -> None:
    assert held_after_burst("mapped", 1024, cli_env) < 5


def test_free_pages_of_small_blocks_go_back_when_asked(cli_env: dict[str, str]) -> None:
    assert held_after_burst("trimmed", 64, cli_env) < 10


def test_a_server_worker_keeps_large_blocks_mapped_and_trims(cli_env: dict[str, str]) -> None:
    """`pipeline.workers` fixes the threshold and starts the trimming thread (asserted inside)."""
    assert held_after_burst("worker", 1024, cli_env) < 5
