"""`pipeline serve --workers 2`: each worker has its own socket on the port, so connections
reach every worker; a killed worker is replaced on the same socket; none outlives the server."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.services.context import Registry
from tests.connections import connections_per_worker, open_at_once, worker_pids
from tests.live import free_port, serve_process

# The kernel places each connection by a hash of its addresses: 16 connections all reach one
# of two workers with probability 2 * 2**-16, once in about 33,000 runs.
CONNECTIONS = 16
WAIT_SECONDS = 60.0


def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {WAIT_SECONDS:.0f} s"
        time.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def spread(server: subprocess.Popen[bytes], port: int) -> dict[int, int]:
    connections = open_at_once(port, CONNECTIONS)
    try:
        return connections_per_worker(server.pid, port)
    finally:
        for connection in connections:
            connection.close()


def two_workers(registry: Registry, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    url = registry.settings.resolved_database_url
    return serve_process(url, data_dir, port, {"PIPELINE_WORKERS": "2"})


@pytest.mark.slow
def test_connections_reach_every_worker_and_a_killed_worker_is_replaced_on_its_socket(
    registry: Registry, tmp_path: Path
) -> None:
    port = free_port()
    server = two_workers(registry, tmp_path / "data", port)
    seen: set[int] = set()
    try:
        eventually(lambda: len(worker_pids(server.pid)) == 2, "two workers started")
        first = worker_pids(server.pid)
        seen |= first
        held = spread(server, port)
        assert set(held) == first
        assert sum(held.values()) == CONNECTIONS
        assert min(held.values()) >= 1, held

        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        eventually(lambda: len(worker_pids(server.pid) - {victim}) == 2, "the killed worker replaced")
        replaced = worker_pids(server.pid)
        seen |= replaced
        # The replacement answers on the socket the killed worker had: both still take connections.
        held = spread(server, port)
        assert set(held) == replaced
        assert min(held.values()) >= 1, held
    finally:
        server.send_signal(signal.SIGTERM)  # the server alone: it stops its workers
        server.wait(timeout=60)
    eventually(lambda: not any(alive(pid) for pid in seen), "every worker stopped with the server")


@pytest.mark.slow
def test_workers_stop_by_themselves_when_the_server_is_killed(registry: Registry, tmp_path: Path) -> None:
    server = two_workers(registry, tmp_path / "data", free_port())
    eventually(lambda: len(worker_pids(server.pid)) == 2, "two workers started")
    workers = worker_pids(server.pid)
    for pid in workers:  # each worker's C library keeps two heaps, not one per thread
        assert b"MALLOC_ARENA_MAX=2" in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    server.kill()
    server.wait(timeout=60)
    eventually(lambda: not any(alive(pid) for pid in workers), "the orphaned workers stopped")
