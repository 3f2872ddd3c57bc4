"""A record's history: its slice of the change log, oldest first."""

from __future__ import annotations

from sqlmodel import Session, select

from pipeline.errors import NotFound
from pipeline.schemas.common import ChangeActor, ChangeOut, FieldChange, HistoryPage, PageLinks
from pipeline.services.context import Registry
from pipeline.services.records.changelog import changes_for
from pipeline.services.records.link_rows import find_record
from pipeline.services.records.pagination import next_link
from pipeline.storage.models import Change, Council
from pipeline.urls import record_api_path


def record_history(
    registry: Registry, record_type: str, key: str, *, after: int = 0, limit: int | None = None
) -> HistoryPage:
    """Every change to a record, also after it was deleted (by id)."""
    size = min(limit or registry.settings.page_size, registry.settings.max_page_size)
    with registry.reading() as session:
        record_id = _record_id(session, record_type, key)
        rows = changes_for(session, record_type, record_id, after, size + 1)
        items = [change_out(session, change) for change in rows[:size]]
    path = record_api_path(record_type, key, "history")
    params = {"limit": limit}
    links = PageLinks(
        self=next_link(registry.urls, path, {**params, "after": after or None}, None),
        next=next_link(registry.urls, path, {**params, "after": items[-1].seq}, None)
        if len(rows) > size
        else None,
    )
    return HistoryPage(items=items, links=links)


def _record_id(session: Session, record_type: str, key: str) -> str:
    record = find_record(session, record_type, key)
    if record is not None:
        return record.id
    logged = select(Change.entity_id).where(Change.entity_type == record_type, Change.entity_id == key)
    if session.exec(logged.limit(1)).first() is None:
        raise NotFound(f"No {record_type.replace('-', ' ')} is known by '{key}'.")
    return key


def change_out(session: Session, change: Change) -> ChangeOut:
    """A change as the public sees it: never the person, only their kind and council."""
    acting = session.get(Council, change.actor_council_id) if change.actor_council_id else None
    assert change.seq is not None
    return ChangeOut(
        seq=change.seq,
        type=change.entity_type,
        id=change.entity_id,
        operation=change.operation,
        at=change.at,
        version=change.version,
        actor=ChangeActor(
            kind=change.actor_kind, council=(acting.gss_code or acting.slug) if acting else None
        ),
        fields={name: FieldChange(old=v["old"], new=v["new"]) for name, v in change.fields.items()},
    )
