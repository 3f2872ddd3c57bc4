"""How `pipeline serve` shares its port among several workers.

With one listening socket shared by every worker, the worker that wakes first accepts every
connection waiting, so a burst of new connections can all land on one worker while the other
idles. Instead each worker is handed its own listening socket on the same address
(`SO_REUSEPORT`), and the kernel spreads new connections over the sockets by a hash of each
connection's addresses.

The sockets are made in the serving process and handed down: a worker that stops and is
started again takes over the same socket, so the connections waiting in it are not lost.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

# Connections the kernel keeps waiting per socket before refusing (uvicorn's default too).
BACKLOG = 2048


def can_share_port() -> bool:
    """Whether the kernel spreads connections over sockets sharing a port (Linux does)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def address_family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on (host, port) that other sockets of this user may share."""
    sock = socket.socket(address_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


@contextmanager
def listening_sockets(host: str, port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` sockets listening on one port (port 0: the one the first was given), closed on exit."""
    with ExitStack() as stack:
        first = stack.enter_context(listening_socket(host, port))
        chosen = first.getsockname()[1]
        others = [stack.enter_context(listening_socket(host, chosen)) for _ in range(count - 1)]
        yield [first, *others]
