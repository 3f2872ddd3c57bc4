"""Which process holds which TCP connection, read from /proc (Linux): for tests and benchmarks
of how `pipeline serve` spreads connections over its workers."""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROC = Path("/proc")
ESTABLISHED = "01"
# Children of `pipeline serve` that are not workers: the indexing process, the mailer, and
# multiprocessing's resource tracker.
NOT_WORKERS = (b"index", b"mail", b"resource_tracker")


def _arguments(pid: int) -> list[bytes]:
    return (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")


def _parent(pid: int) -> int:
    return int((PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])


def worker_pids(server: int) -> set[int]:
    """The server's child processes that answer requests."""
    found = set()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            if _parent(pid) == server and not any(
                part in argument for argument in _arguments(pid) for part in NOT_WORKERS
            ):
                found.add(pid)
        except (OSError, IndexError):
            continue  # ended meanwhile
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in (PROC / str(pid) / "fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def _established_inodes(port: int) -> set[int]:
    """Sockets of connections accepted on `port` (local port `port`), IPv4 and IPv6."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        for line in (PROC / "net" / table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == ESTABLISHED:
                inodes.add(int(fields[9]))
    return inodes


def connections_per_worker(server: int, port: int) -> dict[int, int]:
    """How many of the connections open to `port` each of the server's workers holds."""
    accepted = _established_inodes(port)
    return {pid: len(_socket_inodes(pid) & accepted) for pid in worker_pids(server)}


def open_at_once(port: int, count: int, path: str = "/api/v1/status") -> list[http.client.HTTPConnection]:
    """`count` connections opened in one burst, as a load generator starts, then each answered
    once and left open; the caller closes them."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(count)]
    for connection in connections:
        connection.connect()

    def answered(connection: http.client.HTTPConnection) -> http.client.HTTPConnection:
        connection.request("GET", path)
        connection.getresponse().read()
        return connection

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(answered, connections))
