"""Export records of one type as JSON Lines or CSV, a batch at a time (never all in memory).

Each record is written in the standard's input shape plus its `id`, so an export can be
imported again (into this registry, where it changes nothing, or into an empty one).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import msgspec
from sqlmodel import col, select

from pipeline.errors import Invalid
from pipeline.schemas.introspect import struct_fields
from pipeline.services.context import Registry, Scope
from pipeline.services.discovery.search import SearchRequest, matching_records
from pipeline.services.exchange.formats import CsvColumns, csv_lines
from pipeline.services.records.engine import build_outs, state_of
from pipeline.services.records.kinds import RecordKind
from pipeline.storage.changes import latest_seq
from pipeline.storage.models import RecordBase

EXPORT_FORMATS = ("jsonl", "csv")
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8; header=present"}
BATCH = 500


class ExportFile(msgspec.Struct, frozen=True):
    """An export ready to stream. `change_seq` is the change log's position when it began:
    follow `/api/v1/changes?since=` from there to stay current."""

    filename: str
    media_type: str
    change_seq: int
    chunks: Iterator[bytes]


def export_records(
    registry: Registry, kind: RecordKind, fmt: str, search: SearchRequest | None = None
) -> ExportFile:
    """Every record of the type, or those a search matches (newest first), as a file in pieces.

    A search is run here, so a bad query fails before anything is sent; records are read and
    written a batch at a time while the file streams.
    """
    if fmt not in EXPORT_FORMATS:
        raise Invalid.one("format", f"Use one of: {', '.join(EXPORT_FORMATS)}.")
    with registry.reading() as session:
        change_seq = latest_seq(session)
    if search is None or not search.narrows():
        batches = _all(registry, kind)
    else:
        batches = _found(registry, kind, _ids(registry, kind, search))
    plural = f"{kind.name}s"
    return ExportFile(f"pipeline-{plural}.{fmt}", MEDIA_TYPES[fmt], change_seq, _encoded(kind, fmt, batches))


def _encoded(kind: RecordKind, fmt: str, batches: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    if fmt == "csv":
        columns = CsvColumns(kind.struct_in)
        yield csv_lines([columns.names]).encode()
        for records in batches:
            yield csv_lines(columns.encode(record) for record in records).encode()
    else:
        encoder = msgspec.json.Encoder()
        for records in batches:
            yield b"".join(encoder.encode(record) + b"\n" for record in records)


def _all(registry: Registry, kind: RecordKind) -> Iterator[list[dict[str, Any]]]:
    """Every record in id order, one read per batch, resuming after the last id seen."""
    table, after = kind.table, ""
    while True:
        with registry.reading() as session:
            query = select(table).where(col(table.id) > after).order_by(col(table.id)).limit(BATCH)
            rows = list(session.exec(query))
            if not rows:
                return
            records = _exported(Scope(session, registry.urls), kind, rows)
        yield records
        after = rows[-1].id


def _ids(registry: Registry, kind: RecordKind, search: SearchRequest) -> list[str]:
    asked = replace(search, filters={**search.filters, "type": [kind.name]})
    return [
        record_id for record_type, record_id in matching_records(registry, asked) if record_type == kind.name
    ]


def _found(registry: Registry, kind: RecordKind, ids: list[str]) -> Iterator[list[dict[str, Any]]]:
    table = kind.table
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with registry.reading() as session:
            rows = {row.id: row for row in session.exec(select(table).where(col(table.id).in_(chunk)))}
            # A record deleted since the search is left out.
            records = _exported(Scope(session, registry.urls), kind, [rows[i] for i in chunk if i in rows])
        yield records


def _exported(scope: Scope, kind: RecordKind, rows: Sequence[RecordBase]) -> list[dict[str, Any]]:
    names = [field.name for field in struct_fields(kind.struct_in)]
    records = []
    for out in build_outs(scope, kind, rows):
        values = kind.to_in(state_of(kind, out))
        records.append({"id": getattr(out, "id"), **{name: values[name] for name in names if name in values}})  # noqa: B009
    return records
