"""What the generic record service needs to know about each record type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from sqlmodel import Session, col, select

from pipeline import lgsl
from pipeline.schemas.common import CouncilRef, Input, Output
from pipeline.schemas.introspect import struct_fields
from pipeline.services.context import Scope
from pipeline.services.councils.directory import council_ref
from pipeline.services.records.link_rows import normalise_tag, set_labels, unique
from pipeline.services.records.linked_records import Related
from pipeline.services.records.reference_problems import Problems
from pipeline.storage.models import RecordBase
from pipeline.urls import Urls

Apply = Callable[[Scope, RecordBase, Any, Problems], None]
BuildOut = Callable[[Urls, RecordBase, dict[str, Any], Related], Output]
ToIn = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class RecordKind:
    """One record type: its table, its structs and its type-specific steps."""

    name: str
    table: type[RecordBase]
    struct_in: type[Input]
    struct_out: type[Output]
    owner_field: str
    apply: Apply
    build_out: BuildOut
    to_in: ToIn
    # Fields of the output that are views of other records' links, not this record's state.
    reverse_fields: frozenset[str] = frozenset()
    on_create: Callable[[RecordBase, datetime], None] = lambda row, now: None
    filters: frozenset[str] = field(default_factory=frozenset)

    def owner_key(self, data: Any) -> str:
        return str(getattr(data, self.owner_field))


def ref_key(ref: dict[str, Any] | None) -> str | None:
    """How an input names the council or record a reference points at."""
    if ref is None:
        return None
    return str(ref.get("gss_code") or ref.get("id") or ref["slug"])


def apply_common(scope: Scope, kind: RecordKind, row: RecordBase, data: Any, problems: Problems) -> None:
    """Fields every record has: title, summary, external id, service areas, LGSL codes and tags."""
    row.title = data.title
    row.summary = data.summary
    row.external_id = data.external_id
    if data.external_id:
        _check_external_id(scope.session, kind, row, data.external_id, problems)
    set_labels(scope.session, kind.name, row.id, "service_area", data.service_areas)
    _check_lgsl(data.lgsl, problems)
    set_labels(scope.session, kind.name, row.id, "lgsl", [str(code) for code in data.lgsl])
    set_labels(scope.session, kind.name, row.id, "tag", unique(normalise_tag(t) for t in data.tags))


def _check_external_id(
    session: Session, kind: RecordKind, row: RecordBase, external_id: str, problems: Problems
) -> None:
    table = kind.table
    query = select(col(table.id)).where(
        col(table.owner_council_id) == row.owner_council_id,
        col(table.external_id) == external_id,
        col(table.id) != row.id,
    )
    if session.exec(query).first() is not None:
        problems.add("external_id", f"This council already has a {kind.name} with id '{external_id}'.")


def _check_lgsl(codes: list[int], problems: Problems) -> None:
    refused = lgsl.refusal(codes)
    if refused:
        problems.add("lgsl", refused)


def common_out(urls: Urls, kind: RecordKind, row: RecordBase, related: Related) -> dict[str, Any]:
    """Output fields every record has, plus its owner under the type's owner field name."""
    return {
        "id": row.id,
        "slug": row.slug,
        "title": row.title,
        "summary": row.summary,
        "service_areas": related.label(row.id, "service_area"),
        "lgsl": [int(code) for code in related.label(row.id, "lgsl")],
        "tags": related.label(row.id, "tag"),
        "external_id": row.external_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "version": row.version,
        "url": urls.api(kind.name, row.slug),
        "html_url": urls.page(kind.name, row.slug),
        kind.owner_field: council_ref(related.councils[row.owner_council_id], urls),
    }


def common_in(kind: RecordKind, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The writable fields of a stored snapshot, in the shape the input struct takes."""
    names = {f.name for f in struct_fields(kind.struct_in)}
    values = {name: snapshot[name] for name in names if name in snapshot}
    values[kind.owner_field] = ref_key(snapshot[kind.owner_field])
    return values


def council_keys(refs: list[CouncilRef] | list[dict[str, Any]]) -> list[str]:
    items = [msgspec.to_builtins(r) if isinstance(r, CouncilRef) else r for r in refs]
    return [str(ref_key(item)) for item in items]


def owner_of(record: Output) -> Any:
    """The council that owns a record as the API shows it: a project's lead council, else its council."""
    return getattr(record, "lead_council", None) or getattr(record, "council", None)
