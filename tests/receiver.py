"""A real HTTP receiver for webhook tests: on loopback, it keeps every request, checks its
signature with the webhook's secret, and answers as told."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signed_correctly: bool


@dataclass
class Receiver:
    url: str
    secret: str = ""
    status: int = 204
    requests: list[Received] = field(default_factory=list)
    connections: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.receiver.connections += 1
        return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(self.headers.get("X-Pipeline-Signature", ""), expected)
        receiver.requests.append(Received(self.path, dict(self.headers.items()), body, signed))
        self.send_response(receiver.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()
