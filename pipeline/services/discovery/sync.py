"""The change log as a feed of changes, so another system can mirror the registry exactly."""

from __future__ import annotations

from typing import cast

from sqlmodel import col, select

from pipeline.schemas.sync import ChangesLinks, ChangesPage, EntityType, LoggedChange, Operation
from pipeline.services.context import Registry
from pipeline.services.records.pagination import next_link
from pipeline.storage.changes import storable_seq
from pipeline.storage.models import Change
from pipeline.urls import api_path

PATH = api_path("changes")


def changes_since(registry: Registry, since: int, limit: int | None = None) -> ChangesPage:
    """Every change after sequence number `since`, in commit order, at most `limit` of them.

    Sequence order is commit order (writers are serialised), so a consumer that applies the
    pages in turn, from 0, ends with exactly the registry's records.
    """
    size = min(limit or registry.settings.page_size, registry.settings.max_page_size)
    after = storable_seq(since)
    query = select(Change).where(col(Change.seq) > after).order_by(col(Change.seq)).limit(size + 1)
    with registry.reading() as session:
        rows = list(session.exec(query))
    items = [logged_change(change) for change in rows[:size]]
    upto = items[-1].seq if items else since
    return ChangesPage(
        items=items,
        next_since=upto,
        has_more=len(rows) > size,
        links=ChangesLinks(
            self=next_link(registry.urls, PATH, {"since": since, "limit": limit}, None),
            next=next_link(registry.urls, PATH, {"since": upto, "limit": limit}, None),
        ),
    )


def logged_change(change: Change) -> LoggedChange:
    """A change as `/api/v1/changes` and webhooks serve it."""
    assert change.seq is not None
    return LoggedChange(
        seq=change.seq,
        type=cast(EntityType, change.entity_type),
        id=change.entity_id,
        operation=cast(Operation, change.operation),
        at=change.at,
        version=change.version,
        data=change.data if change.operation != "delete" else None,
    )
