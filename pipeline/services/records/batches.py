"""Create or replace many records of one type in the caller's transaction, sharing the work.

An import names hundreds of records at a time. Finding which already exist, taking their
state before the change, and building every record's output to log it are each done once per
batch, in a handful of queries, instead of once per record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from pipeline.errors import Invalid
from pipeline.schemas.common import Input, Output
from pipeline.services.context import Scope
from pipeline.services.councils.directory import find_council, resolve_council
from pipeline.services.identity.actors import Actor, require_writer
from pipeline.services.records.changelog import Entry, append_changes, utcnow
from pipeline.services.records.engine import build_outs, insert_in, replace_in, state_of
from pipeline.services.records.kinds import RecordKind
from pipeline.storage.models import RecordBase

Wanted = tuple[Input, str | None]  # a record's fields, and the id it keeps (if any)


@dataclass(frozen=True)
class Staged:
    """A record written in this batch, and its state before (None: it was created)."""

    row: RecordBase
    before: dict[str, Any] | None


class ExistingRecords:
    """The records a batch's rows stand for, found together: by id, else by the owner's external id."""

    def __init__(self, scope: Scope, kind: RecordKind, wanted: Sequence[Wanted]) -> None:
        self._scope, self._kind = scope, kind
        ids = {record_id for _, record_id in wanted if record_id}
        table = kind.table
        found = list(scope.session.exec(select(table).where(col(table.id).in_(ids)))) if ids else []
        self._by_id = {row.id: row for row in found}
        self._other_types = self._ids_of_other_types(ids - self._by_id.keys())
        self._by_external_id = self._find_by_external_id(
            [data for data, record_id in wanted if not record_id]
        )
        rows = list({row.id: row for row in [*found, *self._by_external_id.values()]}.values())
        self.before = {
            row.id: state_of(kind, out) for row, out in zip(rows, build_outs(scope, kind, rows), strict=True)
        }

    def _ids_of_other_types(self, ids: set[str]) -> dict[str, str]:
        from pipeline.services.records.catalogue import KINDS

        found: dict[str, str] = {}
        for other in KINDS.values():
            if other is not self._kind and ids:
                query = select(col(other.table.id)).where(col(other.table.id).in_(ids))
                found |= dict.fromkeys(self._scope.session.exec(query), other.name)
        return found

    def _find_by_external_id(self, datas: list[Input]) -> dict[tuple[str, str], RecordBase]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for data in datas:
            external_id: str | None = getattr(data, "external_id", None)
            owner = find_council(self._scope.session, self._kind.owner_key(data)) if external_id else None
            if owner is not None and external_id:
                wanted[owner.id].add(external_id)
        table = self._kind.table
        found: dict[tuple[str, str], RecordBase] = {}
        for owner_id, external_ids in wanted.items():
            query = select(table).where(
                col(table.owner_council_id) == owner_id, col(table.external_id).in_(external_ids)
            )
            found |= {
                (row.owner_council_id, str(row.external_id)): row for row in self._scope.session.exec(query)
            }
        return found

    def record_for(self, data: Input, record_id: str | None) -> RecordBase | None:
        """The record a row stands for, or None for a new one; an id of another type is refused."""
        if record_id:
            other = self._other_types.get(record_id)
            if other is not None:
                here = self._kind.name
                raise Invalid.one("id", f"This id belongs to a {other.replace('-', ' ')}, not a {here}.")
            return self._by_id.get(record_id)
        external_id: str | None = getattr(data, "external_id", None)
        if not external_id:
            return None
        owner = resolve_council(self._scope.session, self._kind.owner_key(data), self._kind.owner_field)
        return self._by_external_id.get((owner.id, external_id))


class RecordBatch:
    """Rows of one type written with `stage` (which may raise for that row), then logged by `finish`.

    A record is created, or replaced when a row names it by id or by its owner's external id.
    A replacement that changes nothing is "unchanged": no new version, nothing logged.
    """

    def __init__(self, scope: Scope, actor: Actor, kind: RecordKind, wanted: Sequence[Wanted]) -> None:
        require_writer(actor)
        self._scope, self._actor, self._kind = scope, actor, kind
        self._existing = ExistingRecords(scope, kind, wanted)
        self._staged: list[Staged] = []

    def stage(self, data: Input, record_id: str | None = None) -> None:
        row = self._existing.record_for(data, record_id)
        if row is None:
            self._staged.append(
                Staged(insert_in(self._scope, self._actor, self._kind, data, record_id), None)
            )
            return
        replace_in(self._scope, self._actor, self._kind, row, data)
        self._staged.append(Staged(row, self._existing.before[row.id]))

    def finish(self) -> list[tuple[Output, str]]:
        """Log every staged record in order; each one's output and "created", "updated" or "unchanged"."""
        staged, self._staged = self._staged, []
        outcomes = self._outcomes(staged)
        outs = build_outs(self._scope, self._kind, [item.row for item in staged])
        logged = [
            Entry(
                entity_type=self._kind.name,
                entity_id=item.row.id,
                operation="create" if item.before is None else "update",
                council_id=item.row.owner_council_id,
                before=item.before,
                after=state_of(self._kind, out),
                version=item.row.version,
            )
            for item, out, outcome in zip(staged, outs, outcomes, strict=True)
            if outcome != "unchanged"
        ]
        newest = append_changes(self._scope.session, self._actor, logged)  # one statement, in order
        self._scope.last_seq = max(self._scope.last_seq, newest)
        return list(zip(outs, outcomes, strict=True))

    def _outcomes(self, staged: list[Staged]) -> list[str]:
        """Compare each replaced record with its state before; a changed one gets a new version."""
        self._scope.session.flush()
        replaced = [item for item in staged if item.before is not None]
        outs = build_outs(self._scope, self._kind, [item.row for item in replaced])
        changed = {
            item.row.id
            for item, out in zip(replaced, outs, strict=True)
            if self._kind.to_in(state_of(self._kind, out)) != self._kind.to_in(item.before or {})
        }
        now = utcnow()
        for item in replaced:
            if item.row.id in changed:
                item.row.version += 1
                item.row.updated_at = now
        self._scope.session.flush()
        return [
            "created" if item.before is None else "updated" if item.row.id in changed else "unchanged"
            for item in staged
        ]


def upsert_in(
    scope: Scope, actor: Actor, kind: RecordKind, data: Input, record_id: str | None = None
) -> tuple[Output, str]:
    """Create one record, or replace the one with this id or the owner's external id."""
    batch = RecordBatch(scope, actor, kind, [(data, record_id)])
    batch.stage(data, record_id)
    [(out, outcome)] = batch.finish()
    return out, outcome
