"""Lists of records: filters, stable newest-first order and keyset pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from pipeline.errors import Invalid
from pipeline.schemas.common import PageLinks, RecordPage, RecordSummary
from pipeline.services.context import Registry
from pipeline.services.councils.directory import council_ref
from pipeline.services.records.kinds import RecordKind
from pipeline.services.records.link_rows import labels_for, normalise_tag
from pipeline.services.records.pagination import Cursor, next_link
from pipeline.services.records.reference_problems import Problems
from pipeline.storage.models import Council, RecordBase, RecordCouncil, RecordLabel
from pipeline.urls import Urls, collection_path


@dataclass(frozen=True)
class RecordFilters:
    """Values within one filter are OR-ed; different filters are AND-ed."""

    council: list[str] = field(default_factory=list)
    phase: list[str] = field(default_factory=list)
    service_area: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    updated_since: datetime | None = None

    def as_params(self) -> dict[str, Any]:
        return {
            "council": self.council,
            "phase": self.phase,
            "service_area": self.service_area,
            "tag": self.tag,
            "updated_since": self.updated_since,
        }


def list_records(
    registry: Registry,
    kind: RecordKind,
    filters: RecordFilters,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> RecordPage:
    size = min(limit or registry.settings.page_size, registry.settings.max_page_size)
    table = kind.table
    with registry.reading() as session:
        query = _filtered(session, kind, filters)
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        if cursor:
            query = _after(query, table, Cursor.decode(cursor, "cursor"))
        order = (col(table.updated_at).desc(), col(table.id).desc())
        rows = list(session.exec(query.order_by(*order).limit(size + 1)))
        items = summarise(session, kind.name, rows[:size], registry.urls)
    path = collection_path(kind.name)
    params = {**filters.as_params(), "limit": limit}
    last = rows[size - 1] if len(rows) > size else None
    next_cursor = Cursor(last.updated_at.isoformat(), last.id).encode() if last else None
    links = PageLinks(
        self=next_link(registry.urls, path, params, cursor),
        next=next_link(registry.urls, path, params, next_cursor) if next_cursor else None,
    )
    return RecordPage(items=items, total=total, links=links)


def _filtered(session: Session, kind: RecordKind, filters: RecordFilters) -> Any:
    table = kind.table
    query: Any = select(table)
    if filters.council:
        problems = Problems(session)
        found = [problems.council(key, "council") for key in filters.council]
        problems.raise_if_any()
        ids = [c.id for c in found if c is not None]
        taking_part = select(RecordCouncil.record_id).where(
            RecordCouncil.record_type == kind.name, col(RecordCouncil.council_id).in_(ids)
        )
        query = query.where(or_(col(table.owner_council_id).in_(ids), col(table.id).in_(taking_part)))
    if filters.phase:
        if "phase" not in kind.filters:
            raise Invalid.one("phase", f"Only projects have a phase, not {kind.name}s.")
        query = query.where(col(table.phase).in_(filters.phase))  # type: ignore[attr-defined]
    for label_kind, values in (
        ("service_area", filters.service_area),
        ("tag", [normalise_tag(t) for t in filters.tag]),
    ):
        if values:
            labelled = select(RecordLabel.record_id).where(
                RecordLabel.record_type == kind.name,
                RecordLabel.kind == label_kind,
                col(RecordLabel.value).in_(values),
            )
            query = query.where(col(table.id).in_(labelled))
    if filters.updated_since:
        query = query.where(col(table.updated_at) >= filters.updated_since)
    return query


def _after(query: Any, table: type[RecordBase], cursor: Cursor) -> Any:
    try:
        key = datetime.fromisoformat(cursor.key)
    except ValueError:
        raise Invalid.one("cursor", "This cursor is not one the service issued.") from None
    return query.where(
        or_(col(table.updated_at) < key, (col(table.updated_at) == key) & (col(table.id) < cursor.id))
    )


def summarise(session: Session, record_type: str, rows: list[Any], urls: Urls) -> list[RecordSummary]:
    """One-line views of records; labels and owners are loaded in one query each."""
    labels = labels_for(session, record_type, [r.id for r in rows])
    owner_ids = {r.owner_council_id for r in rows}
    owners = {c.id: c for c in session.exec(select(Council).where(col(Council.id).in_(owner_ids)))}
    items = []
    for row in rows:
        owner = owners[row.owner_council_id]
        own = labels.get(row.id, {})
        items.append(
            RecordSummary(
                type=record_type,  # type: ignore[arg-type]
                id=row.id,
                slug=row.slug,
                title=row.title,
                summary=row.summary,
                council=council_ref(owner, urls),
                phase=getattr(row, "phase", None),
                service_areas=list(own.get("service_area", [])),
                tags=list(own.get("tag", [])),
                updated_at=row.updated_at,
                url=urls.api(record_type, row.slug),
                html_url=urls.page(record_type, row.slug),
            )
        )
    return items
