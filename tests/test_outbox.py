"""The mail outbox: queued in the transaction of its cause, delivered through a real SMTP
server, retried with backoff on an injected clock, set aside when dead, and delivered exactly
once when the mailer is killed with SIGKILL in the middle of a batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlmodel import select

from pipeline.config import Settings
from pipeline.services.context import Registry
from pipeline.services.mail.outbox import counts, deliver_due, queue
from pipeline.services.mail.transports import Email, SmtpMailer
from pipeline.storage.mail import OutboxMessage
from tests.smtp import MailServer, mailer_env

ROOT = Path(__file__).resolve().parent.parent
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def smtp_registry(registry: Registry, mail_server: tuple[MailServer, int]) -> Registry:
    _, port = mail_server
    registry.settings = msgspec.structs.replace(
        registry.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        mail_from="Pipeline <pipeline@pipeline.example>",
        mail_attempts=3,
    )
    registry.mailer = SmtpMailer(registry.settings)
    return registry


def _queue(registry: Registry, number: int, *, now: datetime = NOON, **fields: Any) -> str:
    email = Email(
        to=f"contact{number}@hackney.gov.uk",
        subject=f"Message {number}",
        body=f"Body {number}",
        reply_to="jo@camden.gov.uk",
        **fields,
    )
    with registry.writing() as session:
        return queue(
            session, email, key=f"test:{number}", purpose="contact", now=now, domain="pipeline.example"
        )


def test_an_email_is_queued_only_if_its_cause_commits_and_only_once_per_key(registry: Registry) -> None:
    def failing_change() -> None:
        with registry.writing() as session:
            queue(
                session, Email("a@hackney.gov.uk", "S", "B"), key="k", purpose="contact", now=NOON, domain="x"
            )
            raise RuntimeError("the change that caused it failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert counts(registry)["pending"] == 0
    first = _queue(registry, 1)
    assert _queue(registry, 1) == first
    assert counts(registry)["pending"] == 1
    assert first.startswith("<")
    assert first.endswith("@pipeline.example>")


def test_the_outbox_delivers_through_smtp_with_its_fixed_message_id(
    smtp_registry: Registry, mail_server: tuple[MailServer, int]
) -> None:
    server, _ = mail_server
    message_id = _queue(smtp_registry, 1, headers={"List-Unsubscribe": "<https://pipeline.example/u/x>"})
    done = deliver_due(smtp_registry, smtp_registry.mailer, NOON)
    assert (done.sent, done.failed, done.dead) == (1, 0, 0)
    [message] = server.accepted
    assert message["Message-ID"] == message_id
    assert message["To"] == "contact1@hackney.gov.uk"
    assert message["Reply-To"] == "jo@camden.gov.uk"
    assert message["From"] == "Pipeline <pipeline@pipeline.example>"
    assert message["List-Unsubscribe"] == "<https://pipeline.example/u/x>"
    assert message.get_content_type() == "text/plain"
    assert deliver_due(smtp_registry, smtp_registry.mailer, NOON + timedelta(hours=1)).sent == 0
    assert counts(smtp_registry)["sent"] == 1


def test_a_refused_email_is_tried_again_later_each_wait_twice_as_long_then_set_aside(
    smtp_registry: Registry, mail_server: tuple[MailServer, int]
) -> None:
    server, _ = mail_server
    server.answer = "451 try again later"
    _queue(smtp_registry, 1)
    mailer = smtp_registry.mailer
    assert deliver_due(smtp_registry, mailer, NOON).failed == 1
    assert deliver_due(smtp_registry, mailer, NOON + timedelta(seconds=59)).failed == 0  # not due yet
    assert deliver_due(smtp_registry, mailer, NOON + timedelta(minutes=1)).failed == 1
    assert deliver_due(smtp_registry, mailer, NOON + timedelta(minutes=2)).failed == 0  # waits 2 now
    assert deliver_due(smtp_registry, mailer, NOON + timedelta(minutes=3)).dead == 1  # the third attempt
    assert counts(smtp_registry)["dead"] == 1
    with smtp_registry.reading() as session:
        row = session.exec(select(OutboxMessage)).one()
    assert (row.attempts, row.last_error) == (3, "mail server answered 451")
    assert server.accepted == []


def test_a_permanent_refusal_or_a_broken_header_is_dead_at_once(
    smtp_registry: Registry, mail_server: tuple[MailServer, int]
) -> None:
    server, _ = mail_server
    server.answer = "550 no such mailbox"
    _queue(smtp_registry, 1)
    assert deliver_due(smtp_registry, smtp_registry.mailer, NOON).dead == 1
    server.answer = "250 OK"
    _queue(smtp_registry, 2, headers={"X-Injected": "a\r\nBcc: everyone@example.com"})
    assert deliver_due(smtp_registry, smtp_registry.mailer, NOON).dead == 1
    assert server.accepted == []


@pytest.mark.slow
def test_a_mailer_killed_mid_batch_delivers_every_email_exactly_once_after_restart(
    registry: Registry, settings: Settings, mail_server: tuple[MailServer, int]
) -> None:
    server, port = mail_server
    past = datetime.now(UTC) - timedelta(minutes=1)  # the mailer runs on the real clock
    queued = [_queue(registry, number, now=past) for number in range(1, 7)]
    server.hold_number = 3  # the third email reaches the server, which has not answered yet
    command = [sys.executable, "-m", "pipeline.cli", "mail", "send", "--follow"]
    mailer = subprocess.Popen(command, env=mailer_env(settings, port), cwd=ROOT)
    try:
        reached = server.held.wait(timeout=60)
    finally:
        os.kill(mailer.pid, signal.SIGKILL)
        mailer.wait(timeout=30)
    assert reached, "the mailer did not reach the third email"
    assert len(server.accepted) == 2
    again = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "mail", "send"],
        env=mailer_env(settings, port),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Sent 4" in again.stdout
    assert sorted(server.message_ids()) == sorted(queued)  # every one, once
    assert counts(registry) == {"pending": 0, "sending": 0, "sent": 6, "dead": 0}


@pytest.mark.slow
def test_pipeline_serve_runs_the_mailer_on_the_demo_data(tmp_path: Path) -> None:
    """Done means: a Camden token messages a Hackney project; the served mailer delivers it to
    the contact added at the command line, in the development mailbox, with Camden's Reply-To."""
    import json
    import time

    import httpx

    from tests.live import live_server

    with live_server(tmp_path) as server:
        server.run("contacts", "add", "--council", "E09000012", "someone@hackney.gov.uk")
        made = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                "tokens",
                "create",
                "--council",
                "E09000007",
                "--expires",
                "1d",
            ],
            env=server.env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        token = made.stdout.strip().splitlines()[-1]
        listed = httpx.get(
            f"{server.url}/api/v1/projects", params={"council": "E09000012", "limit": 50}
        ).json()
        records = (httpx.get(f"{server.url}/api/v1/projects/{item['id']}").json() for item in listed["items"])
        slug = next(r["slug"] for r in records if r["lead_council"]["slug"] == "hackney")
        body = {"subject": "Working together", "body": "Could we talk?", "reply_to": "jo@camden.gov.uk"}
        sent = httpx.post(
            f"{server.url}/api/v1/projects/{slug}/messages",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert sent.status_code == 202, sent.text
        mailbox = tmp_path / "mailbox.jsonl"
        deadline = time.monotonic() + 60  # the mailer process polls every two seconds
        delivered: list[dict[str, Any]] = []
        while not delivered and time.monotonic() < deadline:
            lines = mailbox.read_text().splitlines() if mailbox.exists() else []
            delivered = [m for m in map(json.loads, lines) if m["to"] == "someone@hackney.gov.uk"]
            time.sleep(0.2)
        assert delivered, "the mailer did not deliver the message"
        assert delivered[0]["headers"]["Reply-To"] == "jo@camden.gov.uk"
        assert delivered[0]["headers"]["Message-ID"].startswith("<")
