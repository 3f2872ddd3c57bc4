"""A council's page: what it owns, what it takes part in, and who it works with."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from pipeline.errors import NotFound
from pipeline.schemas.common import CouncilRef, RecordSummary
from pipeline.schemas.councils import CouncilOut
from pipeline.services.context import Registry
from pipeline.services.councils.directory import council_out, council_ref, find_council
from pipeline.services.records.listing import summarise
from pipeline.storage.models import RECORD_TABLES, Council, RecordCouncil
from pipeline.urls import Urls

SHOWN_PER_TYPE = 50


@dataclass(frozen=True)
class OwnedRecords:
    record_type: str
    total: int
    items: list[RecordSummary]


@dataclass(frozen=True)
class TakingPart:
    role: str
    record: RecordSummary


@dataclass(frozen=True)
class Partner:
    council: CouncilRef
    shared_projects: int


@dataclass(frozen=True)
class CouncilProfile:
    council: CouncilOut
    owned: list[OwnedRecords]
    taking_part: list[TakingPart]
    partners: list[Partner]


def council_profile(registry: Registry, key: str) -> CouncilProfile:
    with registry.reading() as session:
        council = find_council(session, key)
        if council is None:
            raise NotFound(f"No council is known by '{key}'.")
        urls = registry.urls
        return CouncilProfile(
            council=council_out(session, council, urls),
            owned=[_owned(session, record_type, council, urls) for record_type in RECORD_TABLES],
            taking_part=_taking_part(session, council, urls),
            partners=_partners(session, council, urls),
        )


def _owned(session: Session, record_type: str, council: Council, urls: Urls) -> OwnedRecords:
    table = RECORD_TABLES[record_type]
    mine = col(table.owner_council_id) == council.id
    total = session.exec(select(func.count()).select_from(table).where(mine)).one()
    newest = select(table).where(mine).order_by(col(table.updated_at).desc(), col(table.id).desc())
    rows = list(session.exec(newest.limit(SHOWN_PER_TYPE)))
    return OwnedRecords(record_type, total, summarise(session, record_type, rows, urls))


def _taking_part(session: Session, council: Council, urls: Urls) -> list[TakingPart]:
    links = list(session.exec(select(RecordCouncil).where(RecordCouncil.council_id == council.id)))
    found: list[TakingPart] = []
    for record_type, table in RECORD_TABLES.items():
        roles = {link.record_id: link.role for link in links if link.record_type == record_type}
        if not roles:
            continue
        rows = list(session.exec(select(table).where(col(table.id).in_(roles)).limit(SHOWN_PER_TYPE)))
        found += [TakingPart(roles[s.id], s) for s in summarise(session, record_type, rows, urls)]
    return found


def _partners(session: Session, council: Council, urls: Urls) -> list[Partner]:
    """Councils on the same projects: partners on its projects, and leads of projects it joins."""
    project = RECORD_TABLES["project"]
    own_ids = select(project.id).where(project.owner_council_id == council.id)
    on_mine = select(RecordCouncil.council_id, RecordCouncil.record_id).where(
        RecordCouncil.record_type == "project", col(RecordCouncil.record_id).in_(own_ids)
    )
    joined = select(RecordCouncil.record_id).where(
        RecordCouncil.record_type == "project", RecordCouncil.council_id == council.id
    )
    leads = select(project.owner_council_id, project.id).where(col(project.id).in_(joined))
    fellow = select(RecordCouncil.council_id, RecordCouncil.record_id).where(
        RecordCouncil.record_type == "project", col(RecordCouncil.record_id).in_(joined)
    )
    pairs = {(c, r) for q in (on_mine, leads, fellow) for c, r in session.exec(q) if c != council.id}
    counts = Counter(c for c, _ in pairs)
    councils = {c.id: c for c in session.exec(select(Council).where(col(Council.id).in_(counts)))}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], councils[item[0]].short_name))
    return [Partner(council_ref(councils[c], urls), n) for c, n in ranked]


def council_names(registry: Registry, keys: set[str]) -> dict[str, str]:
    """Names of councils given by GSS code or slug (for history lines)."""
    with registry.reading() as session:
        found = {key: find_council(session, key) for key in keys}
    return {key: council.name for key, council in found.items() if council is not None}
