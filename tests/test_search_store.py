"""The index store's searcher refresh, and the answers kept per index change."""

from __future__ import annotations

import io
import os
import pickle
import random
import threading
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from whoosh import query as wq
from whoosh.filedb.structfile import BufferFile, StructFile

from pipeline.search.fields import META_ID
from pipeline.search.store import IndexStore
from pipeline.search.whoosh_fixes import READ_AHEAD, FilePart, MappedPart
from pipeline.services.context import Registry
from pipeline.services.discovery.answer_cache import Answers
from tests.conftest import create, project_body


def _commit(store: IndexStore, *, add: list[str] = (), delete: list[str] = ()) -> None:  # type: ignore[assignment]
    with store.writer() as writer:
        for doc_id in add:
            writer.add_document(id=doc_id, title=f"Document {doc_id}")
        for doc_id in delete:
            writer.delete_by_term("id", doc_id)
        writer.commit(merge=False)


def _leaves(searcher: Any) -> dict[str, Any]:
    return {leaf.segment().segment_id(): leaf for leaf, _ in searcher.reader().leaf_readers()}


def test_a_refresh_keeps_unchanged_segments_open_and_never_revives_deleted_documents(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    store.ensure()
    _commit(store, add=["a1", "a2", "a3"])
    with store.reading() as searcher:
        first = _leaves(searcher)
    assert len(first) == 1

    _commit(store, add=["b1"])
    with store.reading() as searcher:
        kept = _leaves(searcher)
    assert len(kept) == 2
    for segment_id, leaf in first.items():
        assert kept[segment_id] is leaf  # the same open reader, not a re-read of its files

    _commit(store, delete=["a2"])
    with store.reading() as third:
        reopened = _leaves(third)
        segment_a = next(iter(first))
        assert reopened[segment_a] is first[segment_a]  # kept, though a document was deleted
        assert reopened[segment_a].segment().deleted_count() == 1
        assert third.search(wq.Term("id", "a2")).scored_length() == 0
        assert third.search(wq.Term("id", "a1")).scored_length() == 1
        assert third.doc_count() == 3
        assert sorted(doc["id"] for doc in third.documents()) == ["a1", "a3", "b1"]

    _commit(store, add=["c1"])  # deletions only grow: the deleted document never comes back
    with store.reading() as fourth:
        assert fourth.search(wq.Term("id", "a2")).scored_length() == 0
        assert fourth.doc_count() == 4
    store.close()


def test_answers_are_kept_until_the_index_changes() -> None:
    answers = Answers(size=2)
    calls: list[str] = []

    def compute(name: str) -> str:
        calls.append(name)
        return name.upper()

    assert answers.get(5, "a", lambda: compute("a")) == "A"
    assert answers.get(5, "a", lambda: compute("a")) == "A"
    assert calls == ["a"]
    answers.get(5, "b", lambda: compute("b"))
    answers.get(5, "c", lambda: compute("c"))  # the least recently used ("a") goes
    answers.get(5, "a", lambda: compute("a"))
    assert calls == ["a", "b", "c", "a"]
    answers.get(6, "a", lambda: compute("a"))  # a new change: nothing kept is used
    assert calls == ["a", "b", "c", "a", "a"]
    answers.get(5, "a", lambda: compute("late"))  # computed at an older change: not kept
    assert answers.get(6, "a", lambda: compute("x")) == "A"


def test_a_repeated_search_is_answered_from_memory_until_a_write(
    client: TestClient[Any], registry: Registry, councils: dict[str, str], tokens: dict[str, str]
) -> None:
    create(client, "projects", project_body(title="Pothole reporting"), tokens["hackney"])
    first = client.get("/api/v1/search?q=pothole").json()
    hits = registry.answers.hits
    assert client.get("/api/v1/search?q=pothole").json() == first
    assert registry.answers.hits == hits + 1
    create(client, "projects", project_body(title="Pothole repairs map"), tokens["hackney"])
    after = client.get("/api/v1/search?q=pothole").json()
    assert after["total"] == first["total"] + 1


def _apply(store: IndexStore, seq: int) -> None:
    """What applying the change log commits: the position marker (here without records)."""
    with store.writer() as writer:
        writer.delete_by_term("id", META_ID)
        writer.add_document(id=META_ID, applied_seq=seq)
        writer.commit(merge=False)


def test_the_applied_change_is_known_without_the_index_until_another_process_commits(tmp_path: Path) -> None:
    server, indexer = IndexStore(tmp_path / "index"), IndexStore(tmp_path / "index")
    server.ensure()
    assert server.known_applied_seq() is None  # never read
    _apply(indexer, 7)
    assert server.known_applied_seq() is None
    assert server.applied_seq() == 7
    assert server.known_applied_seq() == 7
    _apply(indexer, 8)  # another process commits: what this one knows is no longer current
    assert server.known_applied_seq() is None
    assert server.applied_seq() == 8
    assert server.known_applied_seq() == 8
    indexer.publish(indexer.new_generation())  # a rebuilt index swapped in
    assert server.known_applied_seq() is None
    assert server.applied_seq() == 0
    server.close()
    indexer.close()


def test_reading_the_applied_change_does_not_wait_behind_a_running_search(tmp_path: Path) -> None:
    server, indexer = IndexStore(tmp_path / "index"), IndexStore(tmp_path / "index")
    server.ensure()
    _apply(indexer, 5)
    assert server.applied_seq() == 5
    searching, finish = threading.Event(), threading.Event()

    def search() -> None:
        with server.reading():  # a search holds the searcher
            searching.set()
            finish.wait(30)

    running = threading.Thread(target=search)
    running.start()
    assert searching.wait(30)
    answers: list[int] = []
    reader = threading.Thread(target=lambda: answers.append(server.applied_seq()))
    reader.start()
    reader.join(timeout=10)
    answered_during_search = not reader.is_alive()
    finish.set()
    running.join()
    reader.join()
    assert answered_during_search
    assert answers == [5]
    server.close()
    indexer.close()


def test_a_missing_length_column_is_looked_for_once_per_segment(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    store.ensure()
    _commit(store, add=["a1", "a2"])
    with store.reading() as searcher:
        leaf = searcher.reader().leaf_readers()[0][0]
    storage = leaf._perdoc._storage
    looked: list[str] = []
    exists = storage.file_exists
    storage.file_exists = lambda name: looked.append(name) or exists(name)
    for docnum in (0, 1, 0, 1):
        assert leaf.doc_field_length(docnum, "council") == 0  # a facet keeps no lengths
        assert leaf.doc_field_length(docnum, "title") == 2  # "Document a1": two words
    assert sorted(name.split(".")[-2] for name in looked) == ["_council_len", "_title_len"]  # once each
    store.close()


SEGMENT_PART = pickle.dumps({"fieldmap": {"title": 0}}) + b"first line\nsecond\n" + bytes(range(10))


def _reads_as_a_file_would(part: Any) -> None:
    """`part` (a StructFile) holds SEGMENT_PART: read it in every way Whoosh reads a part."""
    data = SEGMENT_PART
    assert part.file.peek(4) == data[:4]  # looks ahead without moving
    assert part.read_pickle() == {"fieldmap": {"title": 0}}
    assert part.readline() == b"first line\n"
    assert part.readline() == b"second\n"
    assert part.read(3) == bytes([0, 1, 2])
    assert part.tell() == len(data) - 7
    part.seek(-2, 2)
    assert part.read() == bytes([8, 9])
    assert part.read(5) == b""
    assert part.file.peek(5) == b""
    assert part.get(len(data) - 10, 2) == bytes([0, 1])  # random access, as before
    buffer = bytearray(4)
    part.seek(len(data) - 4)
    assert part.file.readinto(buffer) == 4
    assert bytes(buffer) == bytes([6, 7, 8, 9])


def test_parts_of_a_mapped_segment_are_read_in_place_as_a_file_would_be() -> None:
    part = BufferFile(memoryview(SEGMENT_PART), name="segment part")
    assert isinstance(part.file, MappedPart)  # no copy of the bytes into a BytesIO
    _reads_as_a_file_would(part)
    assert isinstance(BufferFile(b"plain bytes").file, io.BytesIO)  # bytes are not copied anyway


def test_parts_of_an_unmapped_segment_are_read_each_at_its_own_position(tmp_path: Path) -> None:
    path = tmp_path / "segment"
    path.write_bytes(b"another part" + SEGMENT_PART + b"the next part")
    with path.open("rb") as file:
        first = StructFile(FilePart(file.fileno(), 12, len(SEGMENT_PART)))
        other = StructFile(FilePart(file.fileno(), 0, 12))
        assert other.read(7) == b"another"
        _reads_as_a_file_would(first)  # its own offset and length: nothing of its neighbours
        assert other.read() == b" part"  # its position moved with none of the first's reads


def test_a_part_read_ahead_gives_the_bytes_asked_for_wherever_they_fall(tmp_path: Path) -> None:
    content = bytes(random.Random(7).randrange(256) for _ in range(3 * READ_AHEAD + 123))
    path = tmp_path / "segment"
    path.write_bytes(b"before" + content + b"after")
    rng = random.Random(11)
    with path.open("rb") as file:
        part = FilePart(file.fileno(), 6, len(content))
        for _ in range(500):  # small and large reads, inside, across and past what is kept
            start = rng.randrange(len(content) + 10)
            size = rng.choice([1, 4, 100, READ_AHEAD - 1, READ_AHEAD + 1, 2 * READ_AHEAD])
            assert part.get(start, size) == content[start : start + size]
        part.seek(0)
        assert b"".join(iter(lambda: part.read(rng.randrange(1, 3000)), b"")) == content
        part.seek(len(content) + 5)  # past the end, as a file allows
        assert (part.read(3), part.peek(3), part.readline()) == (b"", b"", b"")


def _mapped_segment_files() -> set[str]:
    maps = Path("/proc/self/maps").read_text().splitlines()
    return {line.split()[-1] for line in maps if line.endswith(".seg")}


def _open_segment_files() -> set[str]:
    links = (os.readlink(fd) for fd in Path("/proc/self/fd").iterdir() if fd.is_symlink())
    return {link for link in links if link.endswith(".seg")}


def test_the_index_is_read_through_files_unless_mapping_is_asked_for(tmp_path: Path) -> None:
    for memory_map in (False, True):
        store = IndexStore(tmp_path / f"index-{memory_map}", memory_map=memory_map)
        store.ensure()
        _commit(store, add=["a1", "a2"])
        with store.reading() as searcher:
            leaf = searcher.reader().leaf_readers()[0][0]
            assert searcher.search(wq.Term("id", "a2")).scored_length() == 1
            assert isinstance(leaf._terms._postfile.file, MappedPart if memory_map else FilePart)
            folder = store.root.resolve() / str(store.current_generation())
            segment = str(folder / leaf.segment().make_filename(".seg"))
            assert (segment in _mapped_segment_files()) is memory_map
            assert memory_map or segment in _open_segment_files()  # read with pread
        store.close()
        assert memory_map or segment not in _open_segment_files()  # closed with the searcher


def test_an_index_made_before_a_field_was_added_is_started_afresh_and_filled_again(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    from whoosh import index as whoosh_index

    from pipeline.search.fields import build_schema
    from pipeline.storage.changes import latest_seq

    made = create(client, "projects", project_body(title="Older index"), tokens["hackney"])
    store = registry.search.store
    old = store.new_generation()  # an index of the schema before `confirmed` was added
    older = build_schema()
    older.remove("confirmed")
    whoosh_index.create_in(str(old), older)
    store.publish(old)
    with store.reading() as searcher:
        assert "confirmed" in searcher.schema.names()  # replaced on opening, not used as it was
    assert store.current_generation() != old.name
    with registry.reading() as session:
        latest = latest_seq(session)
    assert registry.search.wait_for(latest, timeout=60)  # filled again from the whole change log
    found = client.get("/api/v1/search?q=older").json()["items"]
    assert [i["id"] for i in found] == [made["id"]]


def test_an_index_made_with_the_earlier_spelling_fields_keeps_working_until_rebuilt(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    """Earlier versions also indexed every unstemmed word for spelling suggestions, which
    nothing read. Such an index is used as it is, written to as before, and searchable."""
    from whoosh import index as whoosh_index
    from whoosh.fields import TEXT

    from pipeline.search.fields import build_schema

    store = registry.search.store
    earlier = build_schema()
    for name in ("title", "content"):
        field = earlier[name]
        earlier.remove(name)
        earlier.add(
            name,
            TEXT(analyzer=field.analyzer, stored=True, field_boost=field.format.field_boost, spelling=True),
        )
    assert {"spell_title", "spell_content"} <= set(earlier.names())
    old = store.new_generation()
    whoosh_index.create_in(str(old), earlier)
    store.publish(old)
    made = create(client, "projects", project_body(title="Kept spelling index"), tokens["hackney"])
    registry.search.catch_up(wait=True)
    assert store.current_generation() == old.name
    found = client.get("/api/v1/search?q=spelling").json()["items"]
    assert [i["id"] for i in found] == [made["id"]]


def test_sort_keys_confirmation_dates_and_versions_are_columns_and_stored_values_not_terms(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    """Nothing searches `title_sort`, `confirmed` or `version`: they are read as columns or
    stored values, so the index gives them no terms; sorting and the dormant facet still work."""
    for title in ("Beta parking permits", "Alpha parking permits"):
        create(client, "projects", project_body(title=title), tokens["hackney"])
    registry.search.catch_up(wait=True)
    with registry.search.store.reading() as searcher:
        reader = searcher.reader()
        with_terms = {name for name, _ in reader.all_terms()}
        assert {"title_sort", "confirmed", "version"} & with_terms == set()
        assert "updated" in with_terms  # filtered by date range: still indexed
        assert reader.has_column("title_sort")
        assert reader.has_column("confirmed")
        versions = [doc["version"] for doc in searcher.documents() if doc.get("id") != META_ID]
    assert versions == [1, 1]
    found = client.get("/api/v1/search?q=parking&sort=title").json()
    assert [i["title"] for i in found["items"]] == ["Alpha parking permits", "Beta parking permits"]
    assert {f["value"]: f["count"] for f in found["facets"]["dormant"]} == {"no": 2}


def test_an_index_that_still_indexes_its_sort_keys_and_dates_keeps_working(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    """Earlier versions indexed `title_sort`, `confirmed` and `version` as terms too. Such an
    index is used as it is, written to as before, sorted and counted the same."""
    from whoosh import index as whoosh_index
    from whoosh.fields import DATETIME, ID, NUMERIC

    from pipeline.search.fields import build_schema

    store = registry.search.store
    earlier = build_schema()
    for name, field in (
        ("title_sort", ID(sortable=True)),
        ("confirmed", DATETIME(stored=True, sortable=True)),
        ("version", NUMERIC(stored=True)),
    ):
        earlier.remove(name)
        earlier.add(name, field)
    old = store.new_generation()
    whoosh_index.create_in(str(old), earlier)
    store.publish(old)
    for title in ("Beta bin rounds", "Alpha bin rounds"):
        create(client, "projects", project_body(title=title), tokens["hackney"])
    registry.search.catch_up(wait=True)
    assert store.current_generation() == old.name
    with store.reading() as searcher:
        assert {"title_sort", "confirmed"} <= {name for name, _ in searcher.reader().all_terms()}
    found = client.get("/api/v1/search?q=bin&sort=title").json()
    assert [i["title"] for i in found["items"]] == ["Alpha bin rounds", "Beta bin rounds"]
    assert {f["value"]: f["count"] for f in found["facets"]["dormant"]} == {"no": 2}


def _hold_a_searcher(
    store: IndexStore, held: threading.Event, release: threading.Event, into: list[Any]
) -> threading.Thread:
    """A thread that borrows a searcher, says so, and keeps it until `release`."""

    def hold() -> None:
        with store.reading() as searcher:
            into.append(searcher)
            held.set()
            release.wait()
            into.append(searcher.search(wq.Term("id", "a1")).scored_length())

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(timeout=30)
    return thread


def test_searches_run_side_by_side_each_on_a_searcher_of_its_own(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index", searchers=2)
    store.ensure()
    _commit(store, add=["a1", "a2"])
    held, release, first = threading.Event(), threading.Event(), []
    holder = _hold_a_searcher(store, held, release, first)
    with store.reading() as mine:  # not kept waiting while the other thread searches
        assert mine is not first[0]
        assert mine.search(wq.Term("id", "a2")).scored_length() == 1
        with store.reading() as again:  # reading again inside the block: the same searcher
            assert again is mine
        third: list[Any] = []
        waiter = threading.Thread(target=lambda: third.extend(_borrowed(store)))
        waiter.start()  # both searchers are lent: it waits for one to come back
        release.set()
        holder.join(timeout=30)
        waiter.join(timeout=30)
    assert first[1] == 1  # the held searcher kept working beside the others
    assert third == [first[0]]  # given the searcher the first thread gave back, not a third one
    store.close()


def _borrowed(store: IndexStore) -> list[Any]:
    with store.reading() as searcher:
        return [searcher]


def test_a_searcher_lent_across_an_index_swap_keeps_working_and_is_closed_when_given_back(
    tmp_path: Path,
) -> None:
    store = IndexStore(tmp_path / "index")
    store.ensure()
    _commit(store, add=["a1"])
    held, release, lent = threading.Event(), threading.Event(), []
    holder = _hold_a_searcher(store, held, release, lent)
    store.publish(store.new_generation())  # as `pipeline reindex` does
    _commit(store, add=["b1"])
    with store.reading() as searcher:
        assert searcher is not lent[0]
        assert searcher.search(wq.Term("id", "b1")).scored_length() == 1
        assert searcher.search(wq.Term("id", "a1")).scored_length() == 0
    release.set()
    holder.join(timeout=30)
    assert lent[1] == 1  # still answered from the index it was opened on
    assert lent[0].reader().is_closed  # and closed once given back, not kept
    with store.reading() as searcher:
        assert searcher.search(wq.Term("id", "b1")).scored_length() == 1
    store.close()


def test_searches_in_many_threads_give_the_answers_of_one_thread(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    """Threads search at once, each with a searcher of its own, while the caches of postings,
    lengths and facets are shared: every answer is the one a lone search gives."""
    from pipeline.search.query import build_plan

    words = ["repairs", "parking permits", "bins", "school admissions", "housing", "council tax"]
    for number in range(24):
        title = f"{words[number % len(words)].capitalize()} service {number}"
        summary = f"Residents use {words[(number + 1) % len(words)]} and {words[(number + 3) % len(words)]}."
        create(client, "projects", project_body(title=title, summary=summary), tokens["hackney"])
    registry.search.catch_up(wait=True)
    queries = [*words, '"parking permits"', "repair*", "service -bins"]
    plans = {
        q: build_plan(q=q, filters={}, updated_after=None, updated_before=None, sort=None, page=1, per_page=5)
        for q in queries
    }
    alone = {q: registry.search.run(plan, q) for q, plan in plans.items()}
    failures: list[str] = []

    def search_many(seed: int) -> None:
        order = random.Random(seed).choices(queries, k=60)
        for q in order:
            try:
                if registry.search.run(plans[q], q) != alone[q]:
                    failures.append(q)
            except Exception as exc:  # an unreadable block, a closed reader: a failure, not a warning
                failures.append(f"{q}: {exc!r}")

    threads = [threading.Thread(target=search_many, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)  # none stuck waiting for a searcher
    assert failures == []
    assert len(registry.search.store._idle) <= registry.search.store.searchers
