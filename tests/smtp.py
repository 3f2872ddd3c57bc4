"""A real SMTP server on loopback for the tests, and the environment of a mailer process
that delivers to it."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from pipeline.config import Settings
from tests.live import free_port


class MailServer:
    """An SMTP server on loopback that keeps what it accepts, and answers as told."""

    def __init__(self) -> None:
        self.accepted: list[Message] = []
        self.answer = "250 OK"
        self.hold_number: int | None = None  # the nth email is held until its client goes away
        self.held = threading.Event()
        self._seen = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self._seen += 1
        if self._seen == self.hold_number:
            self.held.set()
            await asyncio.Event().wait()  # cancelled when the client's connection is lost
        if self.answer.startswith("250"):
            self.accepted.append(message_from_bytes(envelope.content))
        return self.answer

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.accepted]


@pytest.fixture
def mail_server() -> Iterator[tuple[MailServer, int]]:
    server = MailServer()
    port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield server, port
    finally:
        controller.stop()


def mailer_env(settings: Settings, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PIPELINE_DATABASE_URL": settings.resolved_database_url,
        "PIPELINE_DATA_DIR": str(settings.data_dir),
        "PIPELINE_LOG_LEVEL": "WARNING",
        "PIPELINE_SMTP_HOST": "127.0.0.1",
        "PIPELINE_SMTP_PORT": str(port),
        "PIPELINE_SMTP_STARTTLS": "false",
        "PIPELINE_MAIL_FROM": "Pipeline <pipeline@pipeline.example>",
        "PIPELINE_MAIL_CLAIM_SECONDS": "0",  # the restarted mailer may take over at once
    }
