"""`pipeline serve` on a free loopback port, for the benchmarks that measure through HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from search_bench import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = [sys.executable, "-m", "pipeline.cli"]


def environment(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "PIPELINE_DATA_DIR": str(data_dir), "PIPELINE_LOG_LEVEL": "WARNING"}


@contextmanager
def served(data_dir: Path) -> Iterator[str]:
    """The base URL of a real server on `data_dir`, stopped on leaving."""
    port = free_port()
    server = subprocess.Popen(
        [*PIPELINE, "serve", "--port", str(port)],
        cwd=ROOT,
        env=environment(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def serving(data_dir: Path) -> Iterator[tuple[httpx.Client, str]]:
    """A client of the real server, and an admin token for the leave-one-out deletes."""
    made = subprocess.run(
        [*PIPELINE, "tokens", "create", "--admin", "--expires", "1d"],
        env=environment(data_dir),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    token = made.stdout.strip().splitlines()[-1]
    with served(data_dir) as base, httpx.Client(base_url=base, timeout=60) as http:
        yield http, token
