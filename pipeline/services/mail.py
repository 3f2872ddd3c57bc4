"""Sending email: by SMTP in production, to a test mailbox file in development."""

from __future__ import annotations

import json
import logging
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from pipeline.config import Settings
from pipeline.services.records.changelog import utcnow

log = logging.getLogger("pipeline.mail")
MAILBOX_FILE = "mailbox.jsonl"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    def send(self, email: Email) -> None: ...


class SmtpMailer:
    """Sends through the mail server in the settings, one connection per message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, email: Email) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"] = s.mail_from
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.body)
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(message)


class MailboxMailer:
    """Development and tests: each email is appended to a JSON Lines file (the log names only its subject).

    The file is the test mailbox: tests and people running the service locally read sign-in
    links from it instead of from a real inbox.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / MAILBOX_FILE
        self._lock = threading.Lock()

    def send(self, email: Email) -> None:
        # Never the body: it may hold a one-time link, and a log is no place for a secret.
        log.info("email written to %s: %s", self.path, email.subject)
        line = json.dumps(
            {"at": utcnow().isoformat(), "to": email.to, "subject": email.subject, "body": email.body}
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as mailbox:
            mailbox.write(line + "\n")

    def messages(self) -> list[Email]:
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]
        return [Email(r["to"], r["subject"], r["body"]) for r in rows]


def make_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return MailboxMailer(settings.data_dir)
