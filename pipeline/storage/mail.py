"""Tables of mail the service sends, and of the people it may send it to.

Addresses here are personal data: they leave the database only inside an email, never on a
page, in the API, in a feed, in an export or in the change log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from pipeline.storage.types import UtcDateTime


def _time(*, index: bool = False) -> Any:
    return Field(sa_type=UtcDateTime, nullable=False, index=index)


def _maybe_time() -> Any:
    return Field(default=None, sa_type=UtcDateTime, nullable=True)


class OutboxMessage(SQLModel, table=True):
    """An email to send, written in the transaction of the change that causes it.

    The mailer claims it (state `sending`, until `claimed_until`), delivers it, and marks it
    `sent`; a failure puts it back to `pending` with a later `next_attempt_at`, and after the
    last attempt it is `dead`. `key` is unique, so one cause never queues the same email twice;
    `message_id` never changes, so a receiving system can drop a repeat after a crash.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "state", "next_attempt_at"),)

    id: str = Field(primary_key=True, max_length=36)
    key: str = Field(unique=True, max_length=200)
    message_id: str = Field(max_length=250)
    purpose: str = Field(max_length=40)
    recipient: str = Field(max_length=320)
    reply_to: str | None = Field(default=None, max_length=320)
    subject: str = Field(max_length=250)
    body: str = Field(sa_type=Text, nullable=False)
    headers: dict[str, str] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    state: str = Field(default="pending", max_length=10)
    attempts: int = 0
    created_at: datetime = _time()
    next_attempt_at: datetime = _time()
    claimed_until: datetime | None = _maybe_time()
    sent_at: datetime | None = _maybe_time()
    last_error: str = Field(default="", max_length=500)


class CouncilContact(SQLModel, table=True):
    """A person who has agreed to receive messages for their council (and its records)."""

    __tablename__ = "council_contact"
    __table_args__ = (UniqueConstraint("council_id", "email", name="uq_council_contact_email"),)

    id: str = Field(primary_key=True, max_length=36)
    council_id: str = Field(foreign_key="council.id", max_length=36, index=True)
    email: str = Field(max_length=320)
    added_by: str = Field(default="", max_length=64)  # who added them: themselves or an administrator
    created_at: datetime = _time()


class RecordContact(SQLModel, table=True):
    """The contact named for one record: messages about it go to them first."""

    __tablename__ = "record_contact"

    record_type: str = Field(primary_key=True, max_length=20)
    record_id: str = Field(primary_key=True, max_length=36)
    contact_id: str = Field(foreign_key="council_contact.id", max_length=36, index=True)


class SentMessage(SQLModel, table=True):
    """That a message was sent, by whom, about what: never its text (the outbox holds that
    until it is delivered). The limits count these rows."""

    __tablename__ = "sent_message"
    __table_args__ = (
        Index("ix_sent_message_sender_at", "sender", "at"),
        Index("ix_sent_message_council_at", "sender_council_id", "at"),
        Index("ix_sent_message_record_at", "record_type", "record_id", "at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    sender: str = Field(max_length=64)  # the person or token, as the change log names actors
    sender_council_id: str = Field(foreign_key="council.id", max_length=36)
    record_type: str = Field(max_length=20)
    record_id: str = Field(max_length=36)
    at: datetime = _time()
