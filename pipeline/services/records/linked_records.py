"""Everything records point at, loaded for many records in a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from pipeline.schemas.common import RecordRef
from pipeline.services.records.link_rows import labels_for, record_ref
from pipeline.storage.models import RECORD_TABLES, Council, RecordBase, RecordCouncil, RecordLink
from pipeline.urls import Urls


@dataclass
class Related:
    """Labels, councils and links of a set of records, and the rows they name."""

    labels: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    taking_part: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    outgoing: dict[str, list[RecordLink]] = field(default_factory=lambda: defaultdict(list))
    incoming: dict[str, list[RecordLink]] = field(default_factory=lambda: defaultdict(list))
    councils: dict[str, Council] = field(default_factory=dict)
    records: dict[tuple[str, str], RecordBase] = field(default_factory=dict)

    def label(self, record_id: str, kind: str) -> list[str]:
        return list(self.labels.get(record_id, {}).get(kind, []))

    def councils_of(self, record_id: str) -> list[tuple[Council, str]]:
        return [
            (self.councils[c], role) for c, role in self.taking_part.get(record_id, []) if c in self.councils
        ]

    def links_from(self, record_id: str, target_type: str) -> list[RecordLink]:
        return [lk for lk in self.outgoing.get(record_id, []) if lk.target_type == target_type]

    def links_to(self, record_id: str, source_type: str) -> list[RecordLink]:
        return sorted(
            (lk for lk in self.incoming.get(record_id, []) if lk.source_type == source_type),
            key=lambda lk: lk.source_id,
        )

    def record(self, record_type: str, record_id: str) -> RecordBase | None:
        return self.records.get((record_type, record_id))


def load_related(session: Session, record_type: str, rows: Sequence[RecordBase]) -> Related:
    """One query per relation table, then one per referenced table: not one per record."""
    related = Related()
    ids = [row.id for row in rows]
    if not ids:
        return related
    related.labels = labels_for(session, record_type, ids)
    _load_taking_part(session, record_type, ids, related)
    _load_links(session, record_type, ids, related)
    council_ids = {row.owner_council_id for row in rows}
    council_ids |= {c for parts in related.taking_part.values() for c, _ in parts}
    for council in session.exec(select(Council).where(col(Council.id).in_(council_ids))):
        related.councils[council.id] = council
    _load_linked_records(session, related)
    return related


def _load_taking_part(session: Session, record_type: str, ids: list[str], related: Related) -> None:
    query = (
        select(RecordCouncil)
        .where(RecordCouncil.record_type == record_type, col(RecordCouncil.record_id).in_(ids))
        .order_by(col(RecordCouncil.position))
    )
    for part in session.exec(query):
        related.taking_part[part.record_id].append((part.council_id, part.role))


def _load_links(session: Session, record_type: str, ids: list[str], related: Related) -> None:
    query = (
        select(RecordLink)
        .where(
            or_(
                and_(col(RecordLink.source_type) == record_type, col(RecordLink.source_id).in_(ids)),
                and_(col(RecordLink.target_type) == record_type, col(RecordLink.target_id).in_(ids)),
            )
        )
        .order_by(col(RecordLink.position))
    )
    wanted = set(ids)
    for link in session.exec(query):
        if link.source_type == record_type and link.source_id in wanted:
            related.outgoing[link.source_id].append(link)
        if link.target_type == record_type and link.target_id in wanted:
            related.incoming[link.target_id].append(link)


def _load_linked_records(session: Session, related: Related) -> None:
    wanted: dict[str, set[str]] = defaultdict(set)
    for links in related.outgoing.values():
        for link in links:
            wanted[link.target_type].add(link.target_id)
    for links in related.incoming.values():
        for link in links:
            wanted[link.source_type].add(link.source_id)
    for record_type, ids in wanted.items():
        table = RECORD_TABLES[record_type]
        for row in session.exec(select(table).where(col(table.id).in_(ids))):
            related.records[(record_type, row.id)] = row


def linked_refs(related: Related, urls: Urls, record_id: str, target_type: str) -> list[RecordRef]:
    """References to the records of one type that this record links to, in link order."""
    return _refs(
        related, urls, target_type, [lk.target_id for lk in related.links_from(record_id, target_type)]
    )


def linking_refs(related: Related, urls: Urls, record_id: str, source_type: str) -> list[RecordRef]:
    """References to the records of one type that link to this record."""
    return _refs(
        related, urls, source_type, [lk.source_id for lk in related.links_to(record_id, source_type)]
    )


def _refs(related: Related, urls: Urls, record_type: str, ids: list[str]) -> list[RecordRef]:
    rows = (related.record(record_type, record_id) for record_id in ids)
    return [record_ref(record_type, row, urls) for row in rows if row is not None]
