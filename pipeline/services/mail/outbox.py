"""The outbox: email queued in the transaction of its cause, delivered by the mailer process.

Queueing is idempotent by `key`. Delivery claims one email at a time in its own transaction
(committed before the mail server is contacted), sends it with its fixed Message-ID, and
records the outcome: sent; or, after a failure, another attempt later (twice the wait each
time) until the last, when the email is set aside as `dead`. An email whose mailer was killed
mid-delivery is claimed again once its claim has run out, and sent with the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, func, or_, select

from pipeline.services.context import Registry
from pipeline.services.mail.transports import Email, Mailer
from pipeline.storage.mail import OutboxMessage

log = logging.getLogger("pipeline.mail")
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
STATES = ("pending", "sending", "sent", "dead")


def queue(session: Session, email: Email, *, key: str, purpose: str, now: datetime, domain: str) -> str:
    """Add `email` to the outbox in `session`'s transaction, once per `key`; its Message-ID."""
    existing = session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).first()
    if existing is not None:
        return existing.message_id
    message_id = str(uuid.uuid4())
    row = OutboxMessage(
        id=message_id,
        key=key,
        message_id=f"<{message_id}@{domain}>",
        purpose=purpose,
        recipient=email.to,
        reply_to=email.reply_to,
        subject=email.subject,
        body=email.body,
        headers=dict(email.headers),
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    return row.message_id


def mail_domain(public_url: str) -> str:
    """The domain Message-IDs are made under: the service's own host name."""
    return urlsplit(public_url).hostname or "pipeline.localhost"


@dataclass
class Delivered:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def deliver_due(registry: Registry, mailer: Mailer, now: datetime, *, most: int = 100) -> Delivered:
    """Send every email due at `now` (at most `most`), one claim at a time."""
    outcome = Delivered()
    if not _anything_due(registry, now):  # the usual poll: no write lock taken for nothing
        return outcome
    for _ in range(most):
        claimed = _claim_next(registry, now)
        if claimed is None:
            break
        try:
            mailer.send(claimed)
        except (OSError, smtplib.SMTPException, ValueError) as error:
            dead = _failed(registry, claimed, now, error)
            outcome.dead += dead
            outcome.failed += not dead
        else:
            _sent(registry, claimed, now)
            outcome.sent += 1
    return outcome


def _due(now: datetime) -> Any:
    """Waiting and due, or claimed by a mailer whose claim has run out."""
    return or_(
        (col(OutboxMessage.state) == "pending") & (col(OutboxMessage.next_attempt_at) <= now),
        (col(OutboxMessage.state) == "sending") & (col(OutboxMessage.claimed_until) <= now),
    )


def _anything_due(registry: Registry, now: datetime) -> bool:
    with registry.reading() as session:
        return session.exec(select(OutboxMessage.id).where(_due(now)).limit(1)).first() is not None


def _claim_next(registry: Registry, now: datetime) -> Email | None:
    claim = timedelta(seconds=registry.settings.mail_claim_seconds)
    with registry.writing() as session:
        row = session.exec(
            select(OutboxMessage).where(_due(now)).order_by(col(OutboxMessage.next_attempt_at))
        ).first()
        if row is None:
            return None
        row.state, row.claimed_until, row.attempts = "sending", now + claim, row.attempts + 1
        session.add(row)
        return _email_of(row)


def _email_of(row: OutboxMessage) -> Email:
    return Email(row.recipient, row.subject, row.body, row.reply_to, row.message_id, dict(row.headers))


def _sent(registry: Registry, email: Email, now: datetime) -> None:
    with registry.writing() as session:
        row = _row(session, email)
        row.state, row.sent_at, row.claimed_until, row.last_error = "sent", now, None, ""
        session.add(row)


def _failed(registry: Registry, email: Email, now: datetime, error: Exception) -> bool:
    """Another attempt later, or dead after the last or a permanent refusal; True if dead."""
    with registry.writing() as session:
        row = _row(session, email)
        dead = row.attempts >= registry.settings.mail_attempts or permanent(error)
        row.state = "dead" if dead else "pending"
        row.next_attempt_at = now + min(FIRST_WAIT * 2 ** (row.attempts - 1), LONGEST_WAIT)
        row.claimed_until = None
        row.last_error = describe(error)
        session.add(row)
    # The address is personal data: the log names the message, never its recipient.
    log.warning(
        "email %s %s: %s",
        email.message_id,
        "set aside as dead" if dead else "will be retried",
        describe(error),
    )
    return dead


def _row(session: Session, email: Email) -> OutboxMessage:
    return session.exec(select(OutboxMessage).where(OutboxMessage.message_id == email.message_id)).one()


def permanent(error: Exception) -> bool:
    """The mail server refused the email for good (5xx), or it cannot be written at all."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return isinstance(error, ValueError)


def describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"recipient refused ({', '.join(str(c) for c in codes)})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"mail server answered {error.smtp_code}"
    return type(error).__name__


def counts(registry: Registry) -> dict[str, int]:
    """How many emails are in each state."""
    with registry.reading() as session:
        rows = session.exec(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state))
        found = dict(rows.all())
    return {state: int(found.get(state, 0)) for state in STATES}
