"""Tables of webhooks: where a council's systems want changes pushed, and each delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from pipeline.storage.types import UtcDateTime


def _time() -> Any:
    return Field(sa_type=UtcDateTime, nullable=False)


def _maybe_time() -> Any:
    return Field(default=None, sa_type=UtcDateTime, nullable=True)


class Webhook(SQLModel, table=True):
    """A council's webhook: changes its search (`search`, a query string; empty for every
    change) includes are POSTed to `url`.

    Its secret is not stored: it is derived from the service's key and `salt`. `position` is
    the change-log position dispatched up to; it moves in the transaction that writes the
    deliveries for the changes before it.
    """

    __tablename__ = "webhook"

    id: str = Field(primary_key=True, max_length=36)
    council_id: str = Field(foreign_key="council.id", max_length=36, index=True)
    url: str = Field(max_length=2000)
    search: str = Field(default="", max_length=2000)
    salt: str = Field(max_length=64)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = _time()
    position: int = 0
    enabled: bool = True
    disabled_at: datetime | None = _maybe_time()
    disabled_reason: str = Field(default="", max_length=300)


class WebhookDelivery(SQLModel, table=True):
    """One change to POST to one webhook; its id is the `X-Pipeline-Delivery` header, so a
    retry is recognisably the same delivery."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("webhook_id", "change_seq", name="uq_webhook_delivery_change"),
        Index("ix_webhook_delivery_due", "state", "next_attempt_at"),
        Index("ix_webhook_delivery_entity", "webhook_id", "entity_id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    webhook_id: str = Field(foreign_key="webhook.id", ondelete="CASCADE", max_length=36)
    change_seq: int
    entity_type: str = Field(max_length=20)
    entity_id: str = Field(max_length=36)
    operation: str = Field(max_length=10)
    body: str = Field(sa_type=Text, nullable=False)
    state: str = Field(default="pending", max_length=10)  # pending, sending, delivered, dead
    attempts: int = 0
    created_at: datetime = _time()
    next_attempt_at: datetime = _time()
    claimed_until: datetime | None = _maybe_time()
    delivered_at: datetime | None = _maybe_time()
    last_status: int | None = None
    last_error: str = Field(default="", max_length=300)
