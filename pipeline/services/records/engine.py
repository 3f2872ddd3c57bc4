"""Create, read, change and delete any registry record; every write is logged in its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec
from sqlmodel import Session, col, select

from pipeline.errors import Invalid, NotFound, PreconditionFailed
from pipeline.schemas.common import Input, Output
from pipeline.services.context import Registry, Scope
from pipeline.services.councils.directory import resolve_council
from pipeline.services.identity.actors import Actor, require_council_member, require_writer
from pipeline.services.records.changelog import append_change, utcnow
from pipeline.services.records.kinds import RecordKind, apply_common, common_out
from pipeline.services.records.link_rows import FRESH, drop_links_touching, find_record
from pipeline.services.records.linked_records import load_related
from pipeline.services.records.merge_patch import merge_patch
from pipeline.services.records.reference_problems import Problems
from pipeline.services.records.slugs import unique_slug
from pipeline.services.records.validation import convert_input
from pipeline.storage.models import Change, Council, RecordBase, RecordLink
from pipeline.storage.rows import new_row


def build_outs(scope: Scope, kind: RecordKind, rows: Sequence[RecordBase]) -> list[Output]:
    """Records as the API shows them; what they point at is loaded once for all of them."""
    related = load_related(scope.session, kind.name, rows)
    return [
        kind.build_out(scope.urls, row, common_out(scope.urls, kind, row, related), related) for row in rows
    ]


def build_out(scope: Scope, kind: RecordKind, row: RecordBase) -> Output:
    return build_outs(scope, kind, [row])[0]


def state_of(kind: RecordKind, out: Output) -> dict[str, Any]:
    """A record's own state as JSON-ready data (what the change log stores): no reverse links."""
    data: dict[str, Any] = msgspec.to_builtins(out)
    for name in kind.reverse_fields:
        data.pop(name, None)
    return data


def snapshot(scope: Scope, kind: RecordKind, row: RecordBase) -> dict[str, Any]:
    return state_of(kind, build_out(scope, kind, row))


def get_record(registry: Registry, kind: RecordKind, key: str) -> Output:
    with registry.reading() as session:
        row = _load(session, kind, key)
        return build_out(Scope(session, registry.urls), kind, row)


def create_record(registry: Registry, actor: Actor, kind: RecordKind, data: Input) -> Output:
    """Create a record owned by the council its input names; the actor must belong to it."""
    require_writer(actor)
    with registry.writing() as session:
        scope = Scope(session, registry.urls)
        out = create_in(scope, actor, kind, data)
    registry.written(scope.last_seq)
    return out


def create_in(
    scope: Scope, actor: Actor, kind: RecordKind, data: Input, record_id: str | None = None
) -> Output:
    """Create a record inside the caller's write transaction (for batches that are all or nothing).

    `record_id` keeps the id a record has elsewhere (an export being imported); by default a new one.
    """
    row = insert_in(scope, actor, kind, data, record_id)
    scope.session.flush()
    out = build_out(scope, kind, row)
    log_change(scope, actor, kind, row, "create", None, state_of(kind, out))
    return out


def insert_in(
    scope: Scope, actor: Actor, kind: RecordKind, data: Input, record_id: str | None = None
) -> RecordBase:
    """A new record's rows, in the session but not yet logged (its creator logs it)."""
    require_writer(actor)
    session = scope.session
    owner = resolve_council(session, kind.owner_key(data), kind.owner_field)
    require_council_member(actor, owner.id, owner.short_name)
    now = utcnow()
    title: str = getattr(data, "title")  # noqa: B009  (every record input has a title)
    row = new_row(
        kind.table,
        id=record_id or str(uuid.uuid4()),
        slug=unique_slug(session, kind.table, title),
        title=title,
        owner_council_id=owner.id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    kind.on_create(row, now)
    fresh: set[str] = session.info.setdefault(FRESH, set())
    fresh.add(row.id)
    try:
        _apply(scope, kind, row, data)
    finally:
        fresh.discard(row.id)
    session.add(row)
    return row


@contextmanager
def _editing(
    registry: Registry, actor: Actor, kind: RecordKind, key: str, expected_version: int | None
) -> Iterator[tuple[Scope, RecordBase, dict[str, Any]]]:
    """A write transaction on an existing record the actor may change, at the version they read.

    Yields the scope, the row and the record's state before the change.
    """
    require_writer(actor)
    with registry.writing() as session:
        scope = Scope(session, registry.urls)
        row = _load(session, kind, key)
        _authorise_and_check(session, actor, row, expected_version)
        yield scope, row, snapshot(scope, kind, row)
    registry.written(scope.last_seq)


def update_record(
    registry: Registry,
    actor: Actor,
    kind: RecordKind,
    key: str,
    patch: Any,
    expected_version: int | None = None,
) -> Output:
    """Apply a JSON merge patch (RFC 7396) to a record, if it is still at `expected_version`."""
    with _editing(registry, actor, kind, key, expected_version) as (scope, row, before):
        if not isinstance(patch, dict):
            raise Invalid.one("body", "A merge patch must be a JSON object.")
        data: Input = convert_input(merge_patch(kind.to_in(before), patch), kind.struct_in)
        _replace(scope, actor, kind, row, data)
        return _finish_update(scope, actor, kind, row, before)


def touch_record(
    registry: Registry,
    actor: Actor,
    kind: RecordKind,
    key: str,
    field: str,
    expected_version: int | None = None,
) -> Output:
    """Set a timestamp field (such as last_confirmed_at) to now, as a logged update."""
    with _editing(registry, actor, kind, key, expected_version) as (scope, row, before):
        setattr(row, field, utcnow())
        return _finish_update(scope, actor, kind, row, before)


def delete_record(
    registry: Registry, actor: Actor, kind: RecordKind, key: str, expected_version: int | None = None
) -> None:
    """Delete a record and its links; records that pointed at it are updated and logged too."""
    with _editing(registry, actor, kind, key, expected_version) as (scope, row, before):
        dependents = [(k, r, snapshot(scope, k, r)) for k, r in _dependents(scope.session, kind, row)]
        drop_links_touching(scope.session, kind.name, row.id)
        scope.session.delete(row)
        scope.session.flush()
        log_change(scope, actor, kind, row, "delete", before, None)
        for dep_kind, dep_row, dep_before in dependents:
            _finish_update(scope, actor, dep_kind, dep_row, dep_before)


def replace_in(scope: Scope, actor: Actor, kind: RecordKind, row: RecordBase, data: Input) -> None:
    """Give an existing record all of `data`, unlogged (its caller logs it), if the actor may."""
    _authorise_and_check(scope.session, actor, row, None)
    _replace(scope, actor, kind, row, data)


def _replace(scope: Scope, actor: Actor, kind: RecordKind, row: RecordBase, data: Input) -> None:
    """Give an existing record all of `data`; moving it to another council needs membership there."""
    new_owner = resolve_council(scope.session, kind.owner_key(data), kind.owner_field)
    if new_owner.id != row.owner_council_id:
        require_council_member(actor, new_owner.id, new_owner.short_name)
        row.owner_council_id = new_owner.id
    _apply(scope, kind, row, data)


def _load(session: Session, kind: RecordKind, key: str) -> RecordBase:
    row = find_record(session, kind.name, key)
    if row is None:
        raise NotFound(f"No {kind.name.replace('-', ' ')} is known by '{key}'.")
    return row


def _authorise_and_check(
    session: Session, actor: Actor, row: RecordBase, expected_version: int | None
) -> None:
    owner = session.get(Council, row.owner_council_id)
    assert owner is not None
    require_council_member(actor, owner.id, owner.short_name)
    if expected_version is not None and expected_version != row.version:
        raise PreconditionFailed(
            f"The record has changed since you read it (it is now at version {row.version}). "
            "Fetch it again, reapply your change and send the new ETag in If-Match."
        )


def _apply(scope: Scope, kind: RecordKind, row: RecordBase, data: Input) -> None:
    problems = Problems(scope.session)
    apply_common(scope, kind, row, data, problems)
    kind.apply(scope, row, data, problems)
    problems.raise_if_any()


def _finish_update(
    scope: Scope, actor: Actor, kind: RecordKind, row: RecordBase, before: dict[str, Any]
) -> Output:
    row.version += 1
    row.updated_at = utcnow()
    scope.session.add(row)
    scope.session.flush()
    out = build_out(scope, kind, row)
    log_change(scope, actor, kind, row, "update", before, state_of(kind, out))
    return out


def log_change(
    scope: Scope,
    actor: Actor,
    kind: RecordKind,
    row: RecordBase,
    operation: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> Change:
    """Append the change (after=None for a delete) and remember its sequence number."""
    change = append_change(
        scope.session,
        actor,
        entity_type=kind.name,
        entity_id=row.id,
        operation=operation,
        council_id=row.owner_council_id,
        before=before,
        after=after,
        version=row.version + 1 if after is None else row.version,
    )
    scope.last_seq = change.seq or scope.last_seq
    return change


def _dependents(session: Session, kind: RecordKind, row: RecordBase) -> list[tuple[RecordKind, RecordBase]]:
    """Records whose own state names this one (they link to it)."""
    from pipeline.services.records.catalogue import KINDS

    query = (
        select(RecordLink)
        .where(RecordLink.target_type == kind.name, RecordLink.target_id == row.id)
        .order_by(col(RecordLink.source_type), col(RecordLink.source_id))
    )
    found = []
    for link in session.exec(query):
        source = find_record(session, link.source_type, link.source_id)
        if source is not None and source.id != row.id:
            found.append((KINDS[link.source_type], source))
    return found
