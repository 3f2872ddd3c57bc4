"""Keep the index a view of the change log: apply changes in order, or rebuild from scratch."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import sqlalchemy as sql
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from pipeline.config import INDEX_MEMORY_MB
from pipeline.search.documents import document_for, region_slug
from pipeline.search.fields import META_ID
from pipeline.search.store import IndexBusy, IndexStore, discard
from pipeline.storage.changes import latest_seq
from pipeline.storage.models import Change, Council
from pipeline.vocab import RECORD_TYPES

log = logging.getLogger("pipeline.search")
BATCH = 2000
INDEXING_PROCS = max(1, min(2, os.cpu_count() or 1))


def in_parallel(memory_mb: int) -> dict[str, Any]:
    """Whoosh's own parallel indexing, one segment per process (about twice as fast on two
    cores), each process sorting up to `memory_mb` of postings in memory before it spills them."""
    return {"procs": INDEXING_PROCS, "multisegment": True, "limitmb": memory_mb}


def regions_by_council(session: Session) -> dict[str, str]:
    return {slug: region_slug(region) for slug, region in session.exec(select(Council.slug, Council.region))}


class Pending(NamedTuple):
    """What indexing needs of a change (not the fields it changed, which it would decode for nothing)."""

    seq: int
    entity_type: str
    entity_id: str
    operation: str
    data: Mapping[str, Any] | None


def pending_changes(session: Session, after: int, limit: int) -> list[Pending]:
    columns = [
        col(c) for c in (Change.seq, Change.entity_type, Change.entity_id, Change.operation, Change.data)
    ]
    query = sql.select(*columns).where(col(Change.seq) > after).order_by(col(Change.seq)).limit(limit)
    return [Pending(*row) for row in session.connection().execute(query)]


def _meta_document(seq: int) -> dict[str, Any]:
    return {"id": META_ID, "applied_seq": seq}


def apply_pending(store: IndexStore, engine: Engine, batch: int = BATCH) -> int:
    """Apply the next batch of changes the index has not seen, in one commit with its position.

    Returns how many changes were read (0 when up to date). Raises IndexBusy when another
    process is the writer: it will apply them. A crash before the commit loses nothing:
    the position is stored in the same commit, so the next run starts from the same place.
    """
    with store.writer() as writer:
        applied = store.applied_seq()
        with Session(engine) as session:
            changes = pending_changes(session, applied, batch)
            if not changes:
                discard(writer)
                return 0
            regions = regions_by_council(session)
        _write_changes(writer, changes, regions, changes[-1].seq or applied)
        writer.commit()
    return len(changes)


def _write_changes(writer: Any, changes: list[Pending], regions: dict[str, str], seq: int) -> None:
    """Replace the documents of every record the batch touched, and the position marker.

    Only the last change of each record in a batch matters: its state supersedes the rest.
    """
    latest: dict[str, Pending] = {}
    for change in changes:
        if change.entity_type in RECORD_TYPES:
            latest[change.entity_id] = change
    _delete_documents(writer, [*latest, META_ID])
    for change in latest.values():
        if change.operation != "delete" and change.data is not None:
            writer.add_document(**document_for(change.entity_type, change.data, regions))
    writer.add_document(**_meta_document(seq))


def catch_up(store: IndexStore, engine: Engine, batch: int = BATCH) -> int:
    """Apply everything outstanding; returns how many changes were applied (0 if busy)."""
    with Session(engine) as session:
        if latest_seq(session) <= store.applied_seq():
            return 0  # nothing to do: do not even take the writer
    total = 0
    try:
        while applied := apply_pending(store, engine, batch):
            total += applied
    except IndexBusy:
        return total
    return total


def catch_up_in_parallel(store: IndexStore, engine: Engine, memory_mb: int = INDEX_MEMORY_MB) -> int:
    """Apply everything outstanding in one commit, the documents indexed by INDEXING_PROCS
    processes, each into a segment of its own (Whoosh's multisegment writer): for an index far
    behind, after a bulk import. As fast as a rebuild, without indexing again what the index
    already holds; each record's newest state is read once, as the documents are written.

    Returns how far the index moved along the change log (0 if busy or up to date).
    """
    try:
        with store.writer(**in_parallel(memory_mb)) as writer:
            applied = store.applied_seq()
            with Session(engine) as session:
                up_to = latest_seq(session)
                if up_to <= applied:
                    discard(writer)
                    return 0
                _delete_documents(writer, [*changed_records(session, applied, up_to), META_ID])
                _add_newest_states(writer, session, up_to, after=applied)
            writer.add_document(**_meta_document(up_to))
            writer.commit()
    except IndexBusy:
        return 0
    log.info("applied changes %d to %d in %d processes", applied + 1, up_to, INDEXING_PROCS)
    return up_to - applied


def changed_records(session: Session, after: int, up_to: int) -> list[str]:
    """The id of every record a change after `after`, up to `up_to`, touched."""
    query = select(Change.entity_id).where(
        col(Change.entity_type).in_(RECORD_TYPES), col(Change.seq) > after, col(Change.seq) <= up_to
    )
    return list(session.exec(query.distinct()))


def _delete_documents(writer: Any, ids: Iterable[str]) -> None:
    """Delete the documents of these records (with one searcher: Whoosh's update_document
    would open a new reader for every document)."""
    with writer.searcher() as searcher:
        for key in ids:
            for docnum in searcher.document_numbers(id=key):
                writer.delete_document(docnum)


def _add_newest_states(
    writer: Any, session: Session, up_to: int, after: int = 0, progress: Callable[[int], None] | None = None
) -> int:
    """Index the newest state of every record that exists, changed after `after` and up to
    `up_to`; returns how many were indexed, telling `progress` every 500."""
    regions = regions_by_council(session)
    count = 0
    for record_type, data in current_states(session, up_to, after):
        assert data is not None
        writer.add_document(**document_for(record_type, data, regions))
        count += 1
        if progress and count % 500 == 0:
            progress(count)
    return count


def _newest_changes(up_to: int, after: int = 0) -> Any:
    """The sequence number of each record's newest change after `after`, up to `up_to`."""
    return (
        select(func.max(Change.seq))
        .where(col(Change.entity_type).in_(RECORD_TYPES), col(Change.seq) > after, col(Change.seq) <= up_to)
        .group_by(col(Change.entity_type), col(Change.entity_id))
    )


def current_states(
    session: Session, up_to: int, after: int = 0
) -> Iterator[tuple[str, Mapping[str, Any] | None]]:
    """The type and newest logged state of every record that exists, as of sequence `up_to`
    (only those two columns: the rest of a change is not needed to index it); with `after`,
    of those changed after that sequence number only."""
    query = (
        select(Change.entity_type, Change.data)
        .where(col(Change.seq).in_(_newest_changes(up_to, after)), col(Change.operation) != "delete")
        .order_by(col(Change.seq))
        .execution_options(yield_per=1000)
    )
    yield from session.exec(query)


def count_current(session: Session, up_to: int) -> int:
    newest = _newest_changes(up_to)
    query = select(func.count()).where(col(Change.seq).in_(newest), col(Change.operation) != "delete")
    return session.exec(query).one()


def rebuild(
    store: IndexStore,
    engine: Engine,
    progress: Callable[[int, int], None] | None = None,
    *,
    memory_mb: int = INDEX_MEMORY_MB,
) -> int:
    """Build a fresh index from the database into a new generation, then swap it in atomically.

    Writes keep arriving meanwhile: the new index records the sequence number it was built at,
    and the indexer applies whatever came after (applying a change twice is harmless).
    Returns the number of records indexed.
    """
    generation = store.new_generation()
    from whoosh import index as whoosh_index

    index = whoosh_index.open_dir(str(generation))
    writer = index.writer(**in_parallel(memory_mb))
    with Session(engine) as session:
        up_to = latest_seq(session)
        total = count_current(session, up_to)
        told = (lambda done: progress(done, total)) if progress else None
        count = _add_newest_states(writer, session, up_to, progress=told)
    writer.add_document(**_meta_document(up_to))
    writer.commit()
    index.close()
    store.publish(generation)
    if progress:
        progress(count, total)
    log.info("rebuilt the search index: %d records up to change %d", count, up_to)
    return count
