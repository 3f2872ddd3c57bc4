"""Tables of email updates: who follows what, how often, and the digests sent to them.

A follow's address is personal data: it leaves the database only inside an email.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from pipeline.storage.types import UtcDateTime


def _time(*, index: bool = False) -> Any:
    return Field(sa_type=UtcDateTime, nullable=False, index=index)


class Follow(SQLModel, table=True):
    """A person's email updates about a search (`search`, a query string) or one record
    (`record_key`, "type:id"; then `search` is empty).

    `covered_seq` is the change-log position the last digest covered up to: the next digest
    covers the changes after it. It moves in the transaction that queues that digest.
    """

    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("email", "search", "record_key", name="uq_follow_what"),
        Index("ix_follow_due", "next_due_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    email: str = Field(max_length=320, index=True)
    search: str = Field(default="", max_length=2000)
    record_key: str = Field(default="", max_length=60)
    frequency: str = Field(max_length=10)
    created_at: datetime = _time()
    covered_seq: int = 0
    covered_at: datetime = _time()
    next_due_at: datetime = _time()


class Digest(SQLModel, table=True):
    """One digest queued for a follow: the changes it covers (after `from_seq`, up to `to_seq`)
    and the email that carries it, written in the same transaction as that email."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("follow_id", "from_seq", name="uq_digest_period"),)

    id: str = Field(primary_key=True, max_length=36)
    follow_id: str = Field(foreign_key="follow.id", ondelete="CASCADE", max_length=36, index=True)
    from_seq: int
    to_seq: int
    items: int
    message_id: str = Field(max_length=250)
    created_at: datetime = _time()
