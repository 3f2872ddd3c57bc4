"""Delivering one email: by SMTP in production, to a test mailbox file in development."""

from __future__ import annotations

import email.policy
import json
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

from pipeline.config import Settings
from pipeline.services.records.changelog import utcnow

log = logging.getLogger("pipeline.mail")
MAILBOX_FILE = "mailbox.jsonl"
# Lines up to RFC 5322's limit: a long List-Unsubscribe URL must stay one plain header value,
# not be folded into encoded words that mail clients cannot follow.
HEADER_POLICY = email.policy.default.clone(max_line_length=998)
SMTP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Email:
    """One plain-text email. `message_id` is fixed by the outbox, so a retry is the same email."""

    to: str
    subject: str
    body: str
    reply_to: str | None = None
    message_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # List-Unsubscribe and the like


class Mailer(Protocol):
    def send(self, email: Email) -> None: ...


def as_message(email: Email, sender: str) -> EmailMessage:
    """The email as MIME: plain text only; a header value with a line break is refused."""
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id or make_msgid(domain=sender.rpartition("@")[2].strip("> "))
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.body)
    return message


class SmtpMailer:
    """Sends through the mail server in the settings, one connection per message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, email: Email) -> None:
        s = self.settings
        message = as_message(email, s.mail_from)
        with self._connect() as smtp:
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_tls:
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
        if s.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        return smtp


class MailboxMailer:
    """Development and tests: each email is appended to a JSON Lines file (the log names only its subject).

    The file is the test mailbox: tests and people running the service locally read sign-in
    links and messages from it instead of from a real inbox.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / MAILBOX_FILE
        self._lock = threading.Lock()

    def send(self, email: Email) -> None:
        # Never the body: it may hold a one-time link, and a log is no place for a secret.
        log.info("email written to %s: %s", self.path, email.subject)
        headers = {"To": email.to, "Subject": email.subject}
        if email.reply_to:
            headers["Reply-To"] = email.reply_to
        if email.message_id:
            headers["Message-ID"] = email.message_id
        line = {
            "at": utcnow().isoformat(),
            "to": email.to,
            "subject": email.subject,
            "headers": {**headers, **email.headers},
            "body": email.body,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as mailbox:
            mailbox.write(json.dumps(line) + "\n")

    def messages(self) -> list[Email]:
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]
        return [_email_of(row) for row in rows]


def _email_of(row: dict[str, object]) -> Email:
    headers = dict(row.get("headers") or {})  # type: ignore[call-overload]
    own = {"To", "Subject", "Reply-To", "Message-ID"}
    return Email(
        to=str(row["to"]),
        subject=str(row["subject"]),
        body=str(row["body"]),
        reply_to=headers.get("Reply-To"),
        message_id=headers.get("Message-ID"),
        headers={k: v for k, v in headers.items() if k not in own},
    )


def make_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return MailboxMailer(settings.data_dir)
