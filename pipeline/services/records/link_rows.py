"""Labels, council roles and record links: the relation tables every record type shares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import delete, insert, or_
from sqlmodel import Session, col, select

from pipeline.errors import NotFound
from pipeline.schemas.common import RecordRef
from pipeline.services.records.ids import canonical_id
from pipeline.storage.models import (
    RECORD_TABLES,
    Council,
    RecordBase,
    RecordCouncil,
    RecordLabel,
    RecordLink,
)
from pipeline.text import MAX_SLUG
from pipeline.urls import Urls
from pipeline.vocab import RecordType

LabelMap = dict[str, dict[str, list[str]]]
FRESH = "fresh_records"
PENDING = "pending_relation_rows"


def is_fresh(session: Session, record_id: str) -> bool:
    """Whether the record is being created in this transaction (so it has no relations yet)."""
    return record_id in session.info.get(FRESH, ())


def normalise_tag(tag: str) -> str:
    """Tags match case-insensitively: store them lower case with single spaces."""
    return " ".join(tag.lower().split())


def unique(values: Iterable[str]) -> list[str]:
    """Values in first-seen order without repeats."""
    return list(dict.fromkeys(values))


def set_labels(session: Session, record_type: str, record_id: str, kind: str, values: Sequence[str]) -> None:
    """Replace one kind of label on a record."""
    rows = [
        {"record_type": record_type, "record_id": record_id, "kind": kind, "value": value, "position": n}
        for n, value in enumerate(unique(values))
    ]
    owned = {"record_type": record_type, "record_id": record_id, "kind": kind}
    _replace_rows(session, RecordLabel, owned, rows)


def _replace_rows(session: Session, table: Any, owned: dict[str, str], rows: list[dict[str, Any]]) -> None:
    """Delete the rows `owned` names (a record made in this transaction has none) and insert new ones.

    Core statements on the connection, not ORM objects: relation rows are many and need no
    identity, and a batch of new records builds no delete statements.
    """
    record_id = owned.get("record_id") or owned["source_id"]
    fresh = is_fresh(session, record_id)
    if not fresh:
        session.execute(delete(table).filter_by(**owned))
    pending: dict[Any, list[dict[str, Any]]] | None = session.info.get(PENDING)
    if fresh and pending is not None:
        pending[table] += rows
    elif rows:
        session.connection().execute(insert(table), rows)


@contextmanager
def relations_together(session: Session) -> Iterator[None]:
    """While a batch creates records, keep their relation rows and insert each table's at the
    end in one statement, instead of a few statements for every record. Nothing may read a
    new record's relations before the block ends; if it raises, nothing is inserted."""
    session.info[PENDING] = defaultdict(list)
    try:
        yield
        pending: dict[Any, list[dict[str, Any]]] = session.info.pop(PENDING)
        for table, rows in pending.items():
            if rows:
                session.connection().execute(insert(table), rows)
    finally:
        session.info.pop(PENDING, None)


def labels_for(session: Session, record_type: str, record_ids: Sequence[str]) -> LabelMap:
    """{record id: {kind: [values in order]}} for several records in one query."""
    result: LabelMap = defaultdict(lambda: defaultdict(list))
    if not record_ids:
        return result
    query = (
        select(RecordLabel.record_id, RecordLabel.kind, RecordLabel.value)
        .where(RecordLabel.record_type == record_type, col(RecordLabel.record_id).in_(record_ids))
        .order_by(col(RecordLabel.position))
    )
    for record_id, kind, value in session.exec(query):  # plain rows: labels are many, and read only
        result[record_id][kind].append(value)
    return result


def set_councils(
    session: Session, record_type: str, record_id: str, entries: Sequence[tuple[Council, str]]
) -> None:
    """Replace the councils taking part in a record, each once (the first role given wins)."""
    roles: dict[str, str] = {}
    for council, role in entries:
        roles.setdefault(council.id, role)
    rows = [
        {"record_type": record_type, "record_id": record_id, "council_id": c, "role": role, "position": n}
        for n, (c, role) in enumerate(roles.items())
    ]
    _replace_rows(session, RecordCouncil, {"record_type": record_type, "record_id": record_id}, rows)


def set_links(
    session: Session,
    source_type: str,
    source_id: str,
    target_type: str,
    targets: Sequence[tuple[str, str]],
) -> None:
    """Replace the links from a record to records of one type, each target once."""
    relations: dict[str, str] = {}
    for target_id, relation in targets:
        relations.setdefault(target_id, relation)
    rows = [
        {
            "source_type": source_type,
            "source_id": source_id,
            "target_type": target_type,
            "target_id": target_id,
            "relation": relation,
            "position": n,
        }
        for n, (target_id, relation) in enumerate(relations.items())
    ]
    owned = {"source_type": source_type, "source_id": source_id, "target_type": target_type}
    _replace_rows(session, RecordLink, owned, rows)


def drop_links_touching(session: Session, record_type: str, record_id: str) -> None:
    session.execute(
        delete(RecordLink).where(
            or_(
                (col(RecordLink.source_type) == record_type) & (col(RecordLink.source_id) == record_id),
                (col(RecordLink.target_type) == record_type) & (col(RecordLink.target_id) == record_id),
            )
        )
    )
    session.execute(
        delete(RecordLabel).where(
            col(RecordLabel.record_type) == record_type, col(RecordLabel.record_id) == record_id
        )
    )
    session.execute(
        delete(RecordCouncil).where(
            col(RecordCouncil.record_type) == record_type, col(RecordCouncil.record_id) == record_id
        )
    )


def find_record(session: Session, record_type: str, key: str) -> RecordBase | None:
    """A record by id (in any spelling of its UUID), else by slug: an id always wins."""
    table = RECORD_TABLES[record_type]
    if len(key) > MAX_SLUG + 40:
        return None
    record_id = canonical_id(key)
    if record_id is not None:
        found = session.get(table, record_id)
        if found is not None:
            return found
    return session.exec(select(table).where(col(table.slug) == key)).first()


def known_record(session: Session, record_type: str, key: str) -> Any:
    """The record `key` names, or NotFound (typed by the caller: Project, Product...)."""
    record = find_record(session, record_type, key)
    if record is None:
        raise NotFound(f"No {record_type.replace('-', ' ')} is known by '{key}'.")
    return record


def record_ref(record_type: str, record: RecordBase, urls: Urls) -> RecordRef:
    return RecordRef(
        type=cast(RecordType, record_type),
        id=record.id,
        slug=record.slug,
        title=record.title,
        url=urls.api(record_type, record.slug),
    )
