"""The indexing process beside the servers: it applies the log, the servers only read, and it
is started again if it stops, and ends by itself if the server is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import Engine

from pipeline.companions import indexing_process, stop_on_terminate
from pipeline.config import INDEX_MEMORY_MB, Settings
from pipeline.search.indexer import INDEXING_PROCS
from pipeline.services.context import Registry
from pipeline.services.discovery.search import SearchRequest, search_records
from pipeline.services.exchange.importing import import_records, read_import
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import create_record, delete_record, update_record
from pipeline.services.records.validation import convert_input
from tests.conftest import project_body
from tests.live import process_running

ROOT = Path(__file__).resolve().parent.parent


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "PIPELINE_DATABASE_URL": settings.resolved_database_url,
        "PIPELINE_DATA_DIR": str(settings.data_dir),
        "PIPELINE_LOG_LEVEL": "WARNING",
    }


def _reader(settings: Settings, engine: Engine) -> Registry:
    """A server process's registry when an indexing process runs beside it (which may take a
    while to start on a busy machine: writes wait for it)."""
    only_reads = Registry(msgspec.structs.replace(settings, index_wait_seconds=30), engine)
    only_reads.search.applies = False
    return only_reads


def _create(registry: Registry, title: str) -> str:
    data = convert_input(project_body(title=title), KINDS["project"].struct_in)
    return str(create_record(registry, SYSTEM, KINDS["project"], data).id)  # type: ignore[attr-defined]


def _found(registry: Registry, words: str) -> int:
    return search_records(registry, SearchRequest(q=words)).total


def test_writes_wait_for_the_indexing_process_which_is_restarted_if_it_stops(
    registry: Registry, settings: Settings, engine: Engine, councils: dict[str, str]
) -> None:
    server = _reader(settings, engine)
    assert server.search.catch_up(wait=True) == 0  # a server that only reads never applies changes
    with indexing_process(_env(settings)) as indexer:
        _create(server, "Parking permits online")  # waits until the indexing process applied it
        assert _found(server, "parking permits") == 1
        first = indexer.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while indexer.pid == first and time.monotonic() < deadline:
            time.sleep(0.1)
        assert indexer.pid != first, "the indexing process was not started again"
        _create(server, "Garden waste subscriptions")
        assert _found(server, "garden waste") == 1
        second = indexer.pid
    assert second is not None
    assert not process_running(second)  # stopped with the server
    server.close()


def test_the_indexing_process_ends_by_itself_when_its_server_is_killed(settings: Settings) -> None:
    shell = f'"{sys.executable}" -m pipeline.cli index --follow --server-pid $$ & echo $!'
    started = subprocess.run(
        ["sh", "-c", shell], env=_env(settings), cwd=ROOT, capture_output=True, text=True, check=True
    )
    orphan = int(started.stdout.split()[-1])  # its parent, the shell, has already exited
    deadline = time.monotonic() + 30
    while process_running(orphan) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not process_running(orphan)


def _segments(registry: Registry) -> int:
    with registry.search.store.reading() as searcher:
        return len(searcher.reader().leaf_readers())


def _import(registry: Registry, title: str, rows: int) -> None:
    lines = "\n".join(f"{title} {n},About {title.lower()} {n},E09000012" for n in range(rows))
    csv = f"title,summary,lead_council\n{lines}\n".encode()
    import_records(registry, SYSTEM, read_import(csv, "csv", "projects.csv", KINDS["project"]))


def test_an_index_far_behind_is_built_afresh_when_empty_and_else_given_the_changes_by_several_processes(
    registry: Registry, settings: Settings, engine: Engine, councils: dict[str, str]
) -> None:
    writer = Registry(msgspec.structs.replace(settings, index_wait_seconds=0), engine)
    writer.search.applies = False  # as a server beside an indexing process: nothing indexed yet
    _import(writer, "Library booking", 200)
    renamed = _create(writer, "Library booking, to be renamed")
    deleted = _create(writer, "Library booking, to be deleted")
    search = registry.search
    assert search.applied_seq() == 0  # an empty index exists
    empty = search.store.current_generation()
    assert search.bring_up_to_date(parallel_above=100) == search.applied_seq() > 0
    assert search.store.current_generation() != empty  # built afresh, then swapped in
    assert _found(registry, "library booking") == 202

    update_record(writer, SYSTEM, KINDS["project"], renamed, {"title": "Bulky waste collections"})
    delete_record(writer, SYSTEM, KINDS["project"], deleted)
    _import(writer, "Garden waste", 400)
    built, segments = search.store.current_generation(), _segments(registry)
    assert search.backlog() >= 402  # a change, a deletion and the import (PostgreSQL leaves gaps)
    search.bring_up_to_date(parallel_above=100)
    assert search.store.current_generation() == built  # applied to the index, not rebuilt
    assert _segments(registry) == segments + INDEXING_PROCS  # one from each process
    assert search.backlog() == 0
    assert _found(registry, "garden waste") == 400
    assert _found(registry, "library booking") == 200  # neither the renamed nor the deleted one
    assert _found(registry, "bulky waste") == 1  # indexed as it is now

    _create(writer, "Garden waste, once more")
    segments = _segments(registry)
    assert search.bring_up_to_date(parallel_above=100) == 1
    assert _segments(registry) <= segments + 1  # applied here, into one segment at most
    assert _found(registry, "garden waste") == 401
    writer.close()


def test_a_terminate_signal_stops_a_following_command_even_where_its_exit_is_swallowed() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    try:
        stopping = stop_on_terminate()
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        with pytest.raises(SystemExit):  # at once, where Python can raise it...
            handler(signal.SIGTERM, None)
        assert stopping.is_set()  # ...and the loop stops too, where a finalizer swallowed it
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_postings_sorted_on_disk_index_what_postings_sorted_in_memory_do(
    registry: Registry, settings: Settings, engine: Engine, councils: dict[str, str]
) -> None:
    """With 1 MB each, the indexing processes write their postings to disk in sorted runs and
    merge them; with the default, they sort them in memory. The indexes answer alike."""
    _import(registry, "Library booking", 1200)
    answers = []
    for memory_mb in (1, INDEX_MEMORY_MB):
        rebuilt = Registry(msgspec.structs.replace(settings, index_memory_mb=memory_mb), engine)
        assert rebuilt.search.indexing_memory_mb == memory_mb
        assert rebuilt.search.rebuild() == 1200
        answers.append([_ids(rebuilt, words) for words in ("library booking", '"booking 17"', "about 12")])
        rebuilt.close()
    assert answers[0] == answers[1]
    assert [len(ids) for ids in answers[0]] == [1200, 1, 1]


def _ids(registry: Registry, words: str) -> list[str]:
    """Every record a search finds, page by page."""
    ids: list[str] = []
    for page in range(1, 100):
        found = search_records(registry, SearchRequest(q=words, per_page=100, page=page))
        ids += [str(hit.id) for hit in found.items]
        if len(ids) >= found.total:
            break
    return sorted(ids)
