"""The change log: appended in the writing transaction; the source of history, search and feeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, and_, col, or_, select

from pipeline.services.identity.actors import Actor
from pipeline.storage.changes import latest_seq, storable_seq
from pipeline.storage.collaboration import ProjectUpdate
from pipeline.storage.mail import SentMessage
from pipeline.storage.models import Change

# Bookkeeping fields that change on every write; a diff of them says nothing.
UNDIFFED = frozenset({"updated_at", "version", "url", "html_url"})


def utcnow() -> datetime:
    return datetime.now(UTC)


def diff_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """Top-level fields whose value differs, as {field: {"old": ..., "new": ...}}."""
    old, new = before or {}, after or {}
    names = (old.keys() | new.keys()) - UNDIFFED
    return {
        name: {"old": old.get(name), "new": new.get(name)}
        for name in sorted(names)
        if old.get(name) != new.get(name)
    }


@dataclass(frozen=True)
class Entry:
    """One change to append to the log."""

    entity_type: str
    entity_id: str
    operation: str
    council_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    version: int


def _logged_values(actor: Actor, entry: Entry) -> dict[str, Any]:
    """The change-log row of `entry`, made by `actor` now."""
    return {
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "operation": entry.operation,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_council_id": actor.council_id,
        "council_id": entry.council_id,
        "at": utcnow(),
        "version": entry.version,
        "fields": diff_fields(entry.before, entry.after),
        "data": entry.after,
    }


def append_change(
    session: Session,
    actor: Actor,
    *,
    entity_type: str,
    entity_id: str,
    operation: str,
    council_id: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    version: int,
) -> Change:
    """Record one change in the caller's transaction (which holds the write lock), numbered."""
    entry = Entry(entity_type, entity_id, operation, council_id, before, after, version)
    change = Change(**_logged_values(actor, entry))
    session.add(change)
    session.flush()
    return change


def append_changes(session: Session, actor: Actor, entries: Sequence[Entry]) -> int:
    """Record a batch's changes, in order, in one statement of the caller's transaction
    (rather than an ORM object each); the newest sequence number after, or 0 if none."""
    if not entries:
        return 0
    session.connection().execute(insert(Change), [_logged_values(actor, entry) for entry in entries])
    return latest_seq(session)


def changes_for(
    session: Session, entity_type: str, entity_id: str, after_seq: int, limit: int
) -> list[Change]:
    """A record's changes in order, after a sequence number, with the messages sent about it
    (that one was sent, from which council: never its text), the interest or use declared in it
    and the updates posted on it."""
    messages = select(SentMessage.id).where(
        SentMessage.record_type == entity_type, SentMessage.record_id == entity_id
    )
    updates = select(ProjectUpdate.id).where(ProjectUpdate.project_id == entity_id)
    query = (
        select(Change)
        .where(
            or_(
                and_(col(Change.entity_type) == entity_type, col(Change.entity_id) == entity_id),
                and_(col(Change.entity_type) == "message", col(Change.entity_id).in_(messages)),
                and_(
                    col(Change.entity_type).in_(("interest", "adoption")), col(Change.entity_id) == entity_id
                ),
                and_(col(Change.entity_type) == "update", col(Change.entity_id).in_(updates)),
            )
        )
        .where(col(Change.seq) > storable_seq(after_seq))
        .order_by(col(Change.seq))
        .limit(limit)
    )
    return list(session.exec(query))


def record_of_change(change: Change) -> str | None:
    """The record a change is about: a record's own change, or a project update, interest or
    use about it (None for a deletion, whose record is gone, and for councils and messages)."""
    if change.operation == "delete" or change.entity_type in ("council", "message"):
        return None
    if change.entity_type == "update":
        project = (change.data or {}).get("project") or {}
        return str(project.get("id") or "") or None
    return change.entity_id
