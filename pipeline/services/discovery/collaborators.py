"""Who has worked with whom: councils that have owned or taken part in a record together."""

from __future__ import annotations

from sqlmodel import Session, col, select

from pipeline.storage.models import RECORD_TABLES, RecordCouncil

RecordKey = tuple[str, str]  # (record type, id)


def worked_with(session: Session, council_id: str) -> frozenset[str]:
    """The ids of every other council that shares a record with `council_id`."""
    records = _records_of(session, council_id)
    others = set(_participants(session, records)) | set(_owners(session, records))
    return frozenset(others - {council_id})


def _records_of(session: Session, council_id: str) -> set[RecordKey]:
    taking_part = session.exec(
        select(RecordCouncil.record_type, RecordCouncil.record_id).where(
            RecordCouncil.council_id == council_id
        )
    )
    records: set[RecordKey] = {(t, i) for t, i in taking_part}
    for record_type, table in RECORD_TABLES.items():
        owned = session.exec(select(table.id).where(table.owner_council_id == council_id))
        records |= {(record_type, record_id) for record_id in owned}
    return records


def _participants(session: Session, records: set[RecordKey]) -> list[str]:
    found: list[str] = []
    for record_type in {t for t, _ in records}:
        ids = [i for t, i in records if t == record_type]
        found += session.exec(
            select(RecordCouncil.council_id).where(
                RecordCouncil.record_type == record_type, col(RecordCouncil.record_id).in_(ids)
            )
        )
    return found


def _owners(session: Session, records: set[RecordKey]) -> list[str]:
    found: list[str] = []
    for record_type, table in RECORD_TABLES.items():
        ids = [i for t, i in records if t == record_type]
        if ids:
            found += session.exec(select(table.owner_council_id).where(col(table.id).in_(ids)))
    return found
