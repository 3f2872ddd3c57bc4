"""Import a file of records of one type: validated against the standard, all or nothing.

A row with an `id` the registry knows, or with the `external_id` its council already gave a
record, replaces that record; any other row creates one. Importing the same file twice
therefore changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from pipeline.errors import DomainError, Invalid
from pipeline.schemas.common import Input
from pipeline.schemas.exchange import ImportResult, RecordType
from pipeline.services.context import Registry, Scope
from pipeline.services.exchange.formats import Row, format_for, read_rows
from pipeline.services.exchange.line_errors import FileErrors, LineError
from pipeline.services.exchange.staging import replay, stage
from pipeline.services.identity.actors import Actor, require_writer
from pipeline.services.records.batches import RecordBatch
from pipeline.services.records.ids import canonical_id
from pipeline.services.records.kinds import RecordKind
from pipeline.services.records.link_rows import relations_together
from pipeline.services.records.slugs import look_up_slugs, unflushed_slugs
from pipeline.services.records.validation import convert_input_all
from pipeline.storage.changes import latest_seq

Progress = Callable[[int], None]
BATCH = 500  # rows looked up, built and logged together


@dataclass(frozen=True)
class Incoming:
    """A row that is valid on its own: its line, the id it keeps (if any) and its fields."""

    line: int
    record_id: str | None
    data: Input


@dataclass(frozen=True)
class ImportFile:
    """A file read for import: its rows that are valid on their own, and the problems of the rest."""

    source: str
    kind: RecordKind
    items: list[Incoming]
    errors: list[LineError]


def read_import(
    data: bytes, fmt: str, source: str, kind: RecordKind, *, max_rows: int | None = None
) -> ImportFile:
    """Every row of a file checked against the standard, each problem named by line and field.

    A file of more than `max_rows` records is refused whole, before any row is checked.
    """
    rows, errors = read_rows(data, fmt, source, kind.struct_in)
    if max_rows is not None and len(rows) + len(errors) > max_rows:
        message = f"The file holds more than {max_rows:,} records; split it into smaller files."
        raise FileErrors([LineError(source, 1, "", message)])
    items: list[Incoming] = []
    for row in rows:
        try:
            items.append(_incoming(row, kind))
        except Invalid as exc:
            errors += [LineError(source, row.line, e.field, e.message) for e in exc.errors]
    return ImportFile(source, kind, items, errors + _repeated(items, source, kind))


def _incoming(row: Row, kind: RecordKind) -> Incoming:
    values: dict[str, Any] = dict(row.data)
    given = values.pop("id", None)
    record_id = canonical_id(given) if isinstance(given, str) else None
    if given is not None and record_id is None:
        raise Invalid.one("id", "An id must be a record's UUID, as the registry gives it.")
    return Incoming(row.line, record_id, convert_input_all(values, kind.struct_in))


def _repeated(items: list[Incoming], source: str, kind: RecordKind) -> list[LineError]:
    """Rows that name a record an earlier row already names (by id, or owner and external id)."""
    first: dict[tuple[str, ...], int] = {}
    errors = []
    for item in items:
        keys: list[tuple[str, ...]] = []
        if item.record_id:
            keys.append(("id", item.record_id.lower()))
        external_id = getattr(item.data, "external_id", None)
        if external_id:
            keys.append(("external_id", kind.owner_key(item.data).lower(), external_id))
        for key in keys:
            if key in first:
                message = f"This record appears again (first on line {first[key]})."
                errors.append(LineError(source, item.line, key[0], message))
            first.setdefault(key, item.line)
    return errors


def import_records(
    registry: Registry, actor: Actor, file: ImportFile, *, progress: Progress | None = None
) -> ImportResult:
    """Create or replace every record in one transaction: all of them, or none.

    The whole file is staged first on a snapshot, without the write lock, so a file with
    problems never holds up anyone else's writes; then the lock is taken only to replay what
    staging wrote (or, if something it depends on changed meanwhile, to stage it again).
    """
    require_writer(actor)
    staged = stage(registry, lambda scope: _stage_file(scope, actor, file, progress))
    with registry.writing() as session:
        scope = Scope(session, registry.urls)
        counts = staged.result
        if replay(session, staged):
            scope.last_seq = latest_seq(session) if staged.writes.statements and _logged(counts) else 0
        else:
            counts = _stage_file(scope, actor, file, None)
    registry.written(scope.last_seq)
    record_type = cast(RecordType, file.kind.name)
    records = len(file.items)
    return ImportResult(type=record_type, records=records, change_seq=scope.last_seq or None, **counts)


def _logged(counts: dict[str, int]) -> bool:
    return bool(counts["created"] or counts["updated"])


def _stage_file(scope: Scope, actor: Actor, file: ImportFile, progress: Progress | None) -> dict[str, int]:
    """Write every row in the scope's transaction, each problem named by line; FileErrors if any.

    The rows that are valid on their own are tried even when others are not, each in a
    savepoint, so that one run reports every problem (an unknown council, a record that is not
    the importer's) along with the file's own.
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors = list(file.errors)
    for start in range(0, len(file.items), BATCH):
        batch = file.items[start : start + BATCH]
        errors += _write_batch(scope, actor, file, batch, counts, write_log=not errors)
        if progress:
            progress(len(batch))
    if errors:
        raise FileErrors(sorted(errors, key=lambda e: e.line))
    return counts


def _write_batch(
    scope: Scope,
    actor: Actor,
    file: ImportFile,
    items: list[Incoming],
    counts: dict[str, int],
    *,
    write_log: bool,
) -> list[LineError]:
    """Write a batch of rows: together if none has a problem, else each in its own savepoint,
    so that every bad one is reported and undone alone.

    Once the file has a problem nothing will be kept, so the rest is only checked, not logged.
    """
    if write_log and (together := _staged_together(scope, actor, file.kind, items)):
        _count(together, counts)
        return []
    kind, source, errors = file.kind, file.source, []
    batch = RecordBatch(scope, actor, kind, _wanted(items))
    for item in items:
        try:
            with scope.session.begin_nested():
                batch.stage(item.data, item.record_id)
        except Invalid as exc:
            errors += [LineError(source, item.line, e.field, e.message) for e in exc.errors]
        except DomainError as exc:
            errors.append(LineError(source, item.line, kind.owner_field, exc.detail))
    if write_log and not errors:
        _count(batch, counts)
    return errors


def _count(batch: RecordBatch, counts: dict[str, int]) -> None:
    """Log the batch's records and count them as created, updated or unchanged."""
    for _out, outcome in batch.finish():
        counts[outcome] += 1


def _staged_together(
    scope: Scope, actor: Actor, kind: RecordKind, items: list[Incoming]
) -> RecordBatch | None:
    """The batch staged in one savepoint and written in one flush (the rows of a table in one
    statement), or None if any row has a problem: then nothing of it is kept.

    Rows are not flushed one by one, so a row that names another record of the same batch
    does not find it and counts as a problem here; row by row, it is found.
    """
    session = scope.session
    batch = RecordBatch(scope, actor, kind, _wanted(items))
    try:
        with session.begin_nested(), session.no_autoflush, unflushed_slugs(session):
            look_up_slugs(session, kind.table, [str(getattr(item.data, "title", "")) for item in items])
            with relations_together(session):
                for item in items:
                    batch.stage(item.data, item.record_id)
            session.flush()
    except DomainError:
        return None
    return batch


def _wanted(items: list[Incoming]) -> list[tuple[Input, str | None]]:
    return [(item.data, item.record_id) for item in items]


def import_file(
    registry: Registry,
    actor: Actor,
    kind: RecordKind,
    data: bytes,
    *,
    fmt: str | None = None,
    media_type: str | None = None,
) -> ImportResult:
    """Check who is asking, read the file (in `fmt`, else the format `media_type` names) and
    import it: all of it, or nothing."""
    require_writer(actor)
    chosen = fmt or format_for(media_type=media_type) or "json"
    source = f"{kind.name}s.{chosen}"
    checked = read_import(data, chosen, source, kind, max_rows=registry.settings.max_import_rows)
    return import_records(registry, actor, checked)
