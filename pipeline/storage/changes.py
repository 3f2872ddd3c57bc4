"""Queries on the change log that several layers need."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from pipeline.storage.models import Change


def latest_seq(session: Session) -> int:
    """The newest sequence number in the log; 0 when it is empty."""
    seq: int | None = session.exec(select(func.max(Change.seq))).one()
    return seq or 0


# The sequence column is a 32-bit integer on PostgreSQL. Positions past it (which clients may
# send) select nothing, but binding them would fail: compare with the largest storable instead.
MAX_SEQ = 2**31 - 1


def storable_seq(seq: int) -> int:
    return min(seq, MAX_SEQ)
