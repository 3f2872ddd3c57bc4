"""Tables of what councils say about work: interest in another's project, use of another's
product, and updates on their own projects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from pipeline.storage.types import UtcDateTime


def _time() -> Any:
    return Field(sa_type=UtcDateTime, nullable=False)


class ProjectInterest(SQLModel, table=True):
    """A council's declared interest in another council's project: how it would work with it."""

    __tablename__ = "project_interest"
    __table_args__ = (UniqueConstraint("project_id", "council_id", name="uq_project_interest_council"),)

    id: str = Field(primary_key=True, max_length=36)
    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", max_length=36, index=True)
    council_id: str = Field(foreign_key="council.id", max_length=36, index=True)
    offer: str = Field(max_length=20)
    note: str = Field(default="", max_length=1000)
    created_at: datetime = _time()


class ProductAdoption(SQLModel, table=True):
    """A council's own declaration that it uses a product, confirmed from time to time."""

    __tablename__ = "product_adoption"
    __table_args__ = (UniqueConstraint("product_id", "council_id", name="uq_product_adoption_council"),)

    id: str = Field(primary_key=True, max_length=36)
    product_id: str = Field(foreign_key="product.id", ondelete="CASCADE", max_length=36, index=True)
    council_id: str = Field(foreign_key="council.id", max_length=36, index=True)
    use_case: str = Field(default="", max_length=500)
    since: date | None = None
    service_url: str | None = Field(default=None, max_length=500)
    declared_at: datetime = _time()
    confirmed_at: datetime = _time()
    # The confirmation a reminder was sent for: one reminder per confirmation.
    reminded_for: datetime | None = Field(default=None, sa_type=UtcDateTime, nullable=True)


class ProjectUpdate(SQLModel, table=True):
    """A short dated note from a project's council on what has happened (weeknotes)."""

    __tablename__ = "project_update"
    __table_args__ = (Index("ix_project_update_project_on", "project_id", "happened_on"),)

    id: str = Field(primary_key=True, max_length=36)
    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", max_length=36)
    council_id: str = Field(foreign_key="council.id", max_length=36)
    happened_on: date
    text: str = Field(max_length=1000)
    posted_at: datetime = _time()


class ConfirmReminder(SQLModel, table=True):
    """That a project's council was asked whether it is still active, for one confirmation:
    one reminder per confirmation, however often the mailer looks."""

    __tablename__ = "confirm_reminder"

    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", primary_key=True, max_length=36)
    confirmed_at: datetime = Field(sa_type=UtcDateTime, primary_key=True)
    sent_at: datetime = _time()


class ProjectAlert(SQLModel, table=True):
    """A "project like mine" alert sent to a project's council about another council's record:
    never twice for the same pair, at most one a week per project."""

    __tablename__ = "project_alert"
    __table_args__ = (Index("ix_project_alert_project_sent", "project_id", "sent_at"),)

    project_id: str = Field(foreign_key="project.id", ondelete="CASCADE", primary_key=True, max_length=36)
    record_id: str = Field(primary_key=True, max_length=36)
    record_type: str = Field(max_length=20)
    similarity: float
    sent_at: datetime = _time()


class WorkerPosition(SQLModel, table=True):
    """How far along the change log a scheduled job of the mailer has got (`alerts`), moved in
    the transaction that does the work for the changes before it."""

    __tablename__ = "worker_position"

    name: str = Field(primary_key=True, max_length=40)
    position: int = 0
