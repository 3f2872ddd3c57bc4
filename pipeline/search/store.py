"""The on-disk index: generations behind a `current` link, one long-lived searcher per process."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from pipeline.config import INDEX_SEARCHERS
from pipeline.search.fields import META_ID, build_schema

log = logging.getLogger("pipeline.search")

CURRENT = "current"


class IndexBusy(Exception):
    """Another process holds the index's single writer lock."""


class IndexStore:
    """Where the index lives, and this process's searchers on it.

    `root/current` is a symlink to a generation folder; `pipeline reindex` builds a new
    generation beside it and swaps the link atomically. Searchers notice and reopen.

    With `memory_map`, Whoosh maps each segment file into the process and reads it as memory;
    without (the default), it reads the parts it needs with ordinary file reads. Either way
    the kernel's page cache keeps the file, shared by every process, but mapped pages count
    in each process's resident memory: 90-120 MB a process at 100,000 records.
    """

    def __init__(self, root: Path, *, memory_map: bool = False, searchers: int = INDEX_SEARCHERS) -> None:
        self.root = root
        self.memory_map = memory_map
        self.searchers = searchers
        self._guard = threading.RLock()
        self._returned = threading.Condition(self._guard)
        self._idle: list[Any] = []  # searchers on the current generation, not lent
        self._lent = 0
        self._held = threading.local()  # this thread's lease, while it reads
        self._index: Any = None
        self._generation: str | None = None
        self._known: tuple[str | None, Any, int, int] | None = None

    # -- generations -------------------------------------------------------------------
    def current_generation(self) -> str | None:
        link = self.root / CURRENT
        return os.readlink(link) if link.is_symlink() else None

    def new_generation(self) -> Path:
        """An empty index folder beside the current one (not yet in use)."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"gen-{time.time_ns()}"
        path.mkdir()
        whoosh_index.create_in(str(path), build_schema())
        return path

    def publish(self, generation: Path) -> None:
        """Make `generation` the current index, atomically; drop generations before the last."""
        temporary = self.root / f".{CURRENT}-{time.time_ns()}"
        os.symlink(generation.name, temporary)
        os.replace(temporary, self.root / CURRENT)
        self._drop_old_generations(keep={generation.name, self._generation or ""})

    def _drop_old_generations(self, keep: set[str]) -> None:
        for path in self.root.glob("gen-*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def ensure(self) -> None:
        """Create an empty current generation if there is none."""
        with self._guard:
            if self.current_generation() is None:
                self.publish(self.new_generation())

    # -- this process's view -----------------------------------------------------------
    def index(self) -> Any:
        with self._guard:
            generation = self.current_generation()
            if generation is None:
                self.ensure()
                generation = self.current_generation()
            if generation != self._generation:
                self._close_idle_searchers()
                self._index = self._open(str(generation))
                self._generation = generation
                if not _has_every_field(self._index):
                    self._start_afresh()
            return self._index

    def _start_afresh(self) -> None:
        """An index made before a field was added: replace it with an empty one of the current
        schema, which the indexing process fills again from the change log."""
        log.warning("the search index lacks fields of this version: starting a new one")
        self._close_idle_searchers()
        self.publish(self.new_generation())
        generation = self.current_generation()
        self._index = self._open(str(generation))
        self._generation = generation

    def _open(self, generation: str) -> Any:
        return FileStorage(str(self.root / generation), supports_mmap=self.memory_map).open_index()

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A searcher on the newest commit, for this thread alone while the block runs.

        Whoosh's readers keep file positions and per-search state, so two threads never use
        one searcher at once; instead each search borrows one of at most `searchers` kept
        searchers and gives it back, and no lock is held while it searches. A borrowed
        searcher is brought up to date first (reusing its unchanged segments); one that an
        index swap left behind is closed when given back. A thread that reads again inside
        its own block gets the searcher it already holds.
        """
        held = getattr(self._held, "lease", None)
        if held is not None:
            yield held[1]
            return
        lease = self._borrow()
        self._held.lease = lease
        try:
            yield lease[1]
        finally:
            self._held.lease = None
            self._give_back(*lease)

    def _borrow(self) -> tuple[str | None, Any]:
        with self._returned:
            while not self._idle and self._lent >= self.searchers:
                self._returned.wait()
            index = self.index()
            if self._idle:
                searcher = self._idle.pop()
                if not searcher.up_to_date():
                    searcher = self._refreshed(index, searcher)
            else:
                searcher = index.searcher()
            self._lent += 1
            return self._generation, searcher

    def _give_back(self, generation: str | None, searcher: Any) -> None:
        with self._returned:
            self._lent -= 1
            if generation == self._generation:
                self._idle.append(searcher)  # the most recently used is lent first
            else:
                searcher.close()  # opened on an index since swapped or closed
            self._returned.notify()

    def _refreshed(self, index: Any, searcher: Any) -> Any:
        """A searcher on the newest commit, reusing the segments that have not changed.

        When another process commits (and deletes merged-away files) during the refresh,
        Whoosh's retry closes the reused readers twice and raises; then open afresh instead.
        """
        try:
            return reusing_searcher(index, searcher)
        except Exception:
            log.info("search index changed during a refresh; opening a new searcher")
            with contextlib.suppress(Exception):
                searcher.close()
            return index.searcher()

    def applied_seq(self) -> int:
        """The last change-log sequence number the current index has applied.

        Without waiting for a running search when the index has not committed since it was
        last read (`known_applied_seq`): an answer-cache check never queues behind a search.
        """
        known = self.known_applied_seq()
        if known is not None:
            return known
        with self.reading() as searcher:
            meta = searcher.document(id=META_ID)
            seq = int(meta["applied_seq"]) if meta else 0
            self._known = (self._generation, self._index, searcher.reader().generation(), seq)
            return seq

    def known_applied_seq(self) -> int | None:
        """The applied change as last read, if the index has not committed since; else None.

        Takes no lock and opens no searcher (a link and a folder listing), so the event loop
        may call it: a conditional feed request is answered without waiting for a search.
        Whoosh numbers commits, so an unchanged newest number means an unchanged index.
        """
        known = self._known
        if known is None:
            return None
        generation, index, commit, seq = known
        if self.current_generation() != generation or index.latest_generation() != commit:
            return None
        return seq

    @contextmanager
    def writer(self, **options: Any) -> Iterator[Any]:
        """The index's one writer (Whoosh's writer `options`), or IndexBusy at once if another
        holds it."""
        index = self.index()
        try:
            writer = index.writer(timeout=0.0, **options)
        except LockError:
            raise IndexBusy from None
        try:
            yield writer
        except BaseException:
            discard(writer)
            raise

    def _close_idle_searchers(self) -> None:
        """Close the searchers not lent; those lent are closed when given back."""
        self._known = None
        while self._idle:
            self._idle.pop().close()

    def close(self) -> None:
        with self._guard:
            self._close_idle_searchers()
            if self._index is not None:
                self._index.close()
                self._index = None
                self._generation = None


def _has_every_field(index: Any) -> bool:
    return set(build_schema().names()) <= set(index.schema.names())


def reusing_searcher(index: Any, old: Any) -> Any:
    """A searcher on the index's newest commit that keeps the old searcher's open segments.

    Whoosh 2.7.4's own refresh means to reuse them but looks them up under the wrong key (the
    index generation instead of the segment id), so every refresh reopened every segment: at
    100,000 records, each write cost each process a re-read of the large segment's term
    index. A segment whose documents have been deleted since keeps its reader too, which
    then reads the deletions of the newest commit (they only ever grow), so deleted documents
    cannot come back. Readers no longer used are closed.

    The old searcher is given up: call this only when no other thread is using it.
    """
    from whoosh.reading import MultiReader, SegmentReader
    from whoosh.searching import Searcher

    toc = index._read_toc()  # Whoosh is pinned to 2.7.4: this private call is stable
    reusable = {
        leaf.segment().segment_id(): leaf
        for leaf, _ in old.reader().leaf_readers()
        if isinstance(leaf, SegmentReader)
    }
    readers = []
    for segment in toc.segments:
        previous = reusable.get(segment.segment_id())
        if previous is not None:
            readers.append(_with_deletions_of(reusable.pop(segment.segment_id()), segment))
        else:
            readers.append(SegmentReader(index.storage, toc.schema, segment, generation=toc.generation))
    for unused in reusable.values():
        unused.close()
    if not readers:
        return index.searcher()
    # A MultiReader even around one reused reader: the reader must report the new generation.
    return Searcher(MultiReader(readers, generation=toc.generation), fromindex=index)


def _with_deletions_of(reader: Any, segment: Any) -> Any:
    """The open segment reader, reading its deletions from `segment`, the same segment as of
    a newer commit. Whoosh 2.7.4's segment reader and its per-document reader read deletions,
    and nothing else that a commit can change, from their segment object; the files, terms
    and columns are the segment's own and never change."""
    if reader.segment().deleted_count() != segment.deleted_count():
        reader._segment = segment
        reader._perdoc._segment = segment
    return reader


def discard(writer: Any) -> None:
    """Cancel a writer and delete the files of the segment it had started.

    Whoosh's cancel() leaves them behind until the next commit: a process that opens a writer
    and finds nothing to do would otherwise leave three files each time.
    """
    segment = writer.newsegment.segment_id()
    writer.cancel()
    for name in list(writer.storage.list()):
        if name.startswith(segment + "."):
            writer.storage.delete_file(name)
