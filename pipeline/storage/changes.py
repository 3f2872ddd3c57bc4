"""Queries on the change log that several layers need."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from pipeline.storage.models import Change


def latest_seq(session: Session) -> int:
    """The newest sequence number in the log; 0 when it is empty."""
    seq: int | None = session.exec(select(func.max(Change.seq))).one()
    return seq or 0
