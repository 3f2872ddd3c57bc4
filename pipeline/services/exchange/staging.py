"""Writes worked out away from the write lock, then replayed under it in a moment.

An import of 100,000 records takes minutes to check, resolve and stage. Done under the write
lock, every other council's write would wait that long. Instead the whole import is staged on
a snapshot (a private copy of a SQLite database; on PostgreSQL, temporary copies of the
tables in a transaction that locks nothing and is rolled back), every statement it would
write is recorded, and only then is the lock taken, to replay the recorded statements:
seconds, not minutes.

The replay is valid when nothing it depends on changed meanwhile. Under the lock the change
log since the snapshot is read: a change to a record or council the staged writes name (by
id) means the staging is redone under the lock, as is any conflict the database itself
reports (a slug taken meanwhile). Problems found while staging are reported without the
lock ever being taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from pipeline.services.context import Registry, Scope
from pipeline.storage.changes import latest_seq
from pipeline.storage.engine import is_sqlite, memory_copy
from pipeline.storage.models import Change

T = TypeVar("T")
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
WRITES = ("INSERT", "UPDATE", "DELETE")
RETURNING = re.compile(r"\s+RETURNING\s[^()]*$", re.IGNORECASE)


@dataclass
class RecordedWrites:
    """The writing statements a connection sends, less those a rolled-back savepoint undid."""

    statements: list[tuple[str, Any]] = field(default_factory=list)
    _savepoints: list[int] = field(default_factory=list)

    def __call__(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        head = statement.lstrip()[:24].upper()
        if head.startswith("SAVEPOINT"):
            self._savepoints.append(len(self.statements))
        elif head.startswith("RELEASE"):
            self._savepoints.pop()
        elif head.startswith("ROLLBACK TO"):
            del self.statements[self._savepoints.pop() :]
        elif head.startswith(WRITES):
            self.statements.append((statement, parameters))

    def ids(self) -> set[str]:
        """Every id the writes name: the records and councils they depend on."""
        found: set[str] = set()
        for _statement, parameters in self.statements:
            found |= _uuids(parameters)
        return found


def _uuids(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value} if UUID_TEXT.match(value) else set()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return set().union(*map(_uuids, value)) if value else set()
    return set()


@dataclass
class Staged(Generic[T]):
    """What staging returned, the writes it recorded, and the log position it saw."""

    result: T
    writes: RecordedWrites
    seq: int


def stage(registry: Registry, work: Callable[[Scope], T]) -> Staged[T]:
    """Run `work` on a snapshot, without the write lock, recording what it writes.

    Whatever `work` raises (the file's problems) is raised here, the lock never taken.
    """
    recorder = RecordedWrites()
    with _snapshot_session(registry.engine) as (session, seq):
        connection = session.connection()
        event.listen(connection, "before_cursor_execute", recorder)
        try:
            result = work(Scope(session, registry.urls))
            session.flush()
        finally:
            event.remove(connection, "before_cursor_execute", recorder)
    return Staged(result, recorder, seq)


@contextmanager
def _snapshot_session(engine: Engine) -> Iterator[tuple[Session, int]]:
    """A session whose writes never reach the database, never take a lock another writer could
    wait on, and never wait for the write lock; and the change log's position it starts from."""
    if is_sqlite(engine):
        copy = memory_copy(engine)
        try:
            with _rolled_back(copy.execution_options(pipeline_write=True)) as session:
                yield session, latest_seq(session)
        finally:
            copy.dispose()
        return
    with _rolled_back(engine) as session:
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        seq = latest_seq(session)  # the real log, before its table is shadowed
        shadow_tables(session)
        yield session, seq


@contextmanager
def _rolled_back(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False, autoflush=False) as session:
        session.begin()
        try:
            yield session
        finally:
            session.rollback()


def shadow_tables(session: Session) -> None:
    """PostgreSQL: a temporary copy of every table, as of one snapshot, in this transaction only.

    Temporary tables come first in PostgreSQL's search path, so the staging's statements (which
    name tables unqualified) read and write the copies: no row of the real tables is locked,
    so no other writer waits on a staging import. Run in a REPEATABLE READ transaction, every copy
    is of the same moment. The change log's rows are not copied (only its newest position is
    needed, read before); its sequence is shared, so a staging leaves a gap in it.
    """
    for table in SQLModel.metadata.sorted_tables:
        name = table.name  # from our own metadata, never from input
        session.execute(
            text(f'CREATE TEMPORARY TABLE "{name}" (LIKE public."{name}" INCLUDING ALL) ON COMMIT DROP')
        )
        if name != Change.__tablename__:
            copy = f'INSERT INTO pg_temp."{name}" SELECT * FROM public."{name}"'  # noqa: S608 (our names)
            session.execute(text(copy))


def replay(session: Session, staged: Staged[Any]) -> bool:
    """Replay the staged writes in the caller's write transaction; False (nothing written) when
    something they depend on changed since the snapshot and they must be staged again."""
    if _changed_meanwhile(session, staged):
        return False
    connection = session.connection()
    try:
        with session.begin_nested():
            for statement, batch in _batches(staged.writes.statements):
                connection.exec_driver_sql(statement, batch if len(batch) > 1 else batch[0])
    except IntegrityError:
        return False
    return True


def _is_many(parameters: Any) -> bool:
    """Whether a statement ran with several parameter sets (a list of tuples or mappings).

    The event's `executemany` flag cannot say: SQLAlchemy's "insertmanyvalues" sends one
    flattened set per statement while flagging it as many.
    """
    return (
        isinstance(parameters, list | tuple)
        and bool(parameters)
        and all(isinstance(item, list | tuple | dict) for item in parameters)
    )


def _one_set(parameters: Any) -> Any:
    """One statement's parameters as the driver takes them in a batch: a tuple or a mapping."""
    return tuple(parameters) if isinstance(parameters, list) else parameters


def _batches(statements: list[tuple[str, Any]]) -> Iterator[tuple[str, list[Any]]]:
    """Runs of the same statement as one executemany each, without RETURNING (nothing reads the
    rows back), so replaying 100,000 records is a few hundred calls rather than 100,000."""
    current: str | None = None
    batch: list[Any] = []
    for statement, parameters in statements:
        sql = RETURNING.sub("", statement)
        if sql != current and batch:
            yield str(current), batch
            batch = []
        current = sql
        batch.extend(map(_one_set, parameters) if _is_many(parameters) else [_one_set(parameters)])
    if batch:
        yield str(current), batch


def _changed_meanwhile(session: Session, staged: Staged[Any]) -> bool:
    if latest_seq(session) == staged.seq:
        return False
    ids = staged.writes.ids()
    moved = session.exec(
        select(Change.entity_id, Change.council_id).where(col(Change.seq) > staged.seq)
    ).all()
    return any(entity in ids or (council is not None and council in ids) for entity, council in moved)
