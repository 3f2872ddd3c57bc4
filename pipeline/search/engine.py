"""This process's search engine: the index store, the facet arrays and the indexing duty."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from pipeline.config import INDEX_MEMORY_MB, INDEX_SEARCHERS
from pipeline.search.executor import RawResults, execute, matching_records, which_match
from pipeline.search.facet_arrays import FacetArrayCache, FacetArrays, segment_key
from pipeline.search.indexer import catch_up, catch_up_in_parallel, rebuild
from pipeline.search.postings import Matcher, PostingCache
from pipeline.search.query import SearchPlan
from pipeline.search.ranking import FieldLengths
from pipeline.search.store import IndexStore
from pipeline.storage.changes import latest_seq

log = logging.getLogger("pipeline.search")
PARALLEL_BACKLOG = 5_000  # changes behind, past which they are indexed by several processes


class SearchEngine:
    """Searches the index and keeps it up to date with the change log.

    Any process may be asked to catch up; only the one that gets Whoosh's writer lock does the
    work, the others find it busy and simply read. Searches borrow one of the store's kept
    searchers each, and run side by side.
    """

    def __init__(
        self,
        root: Path,
        engine: Engine,
        *,
        applies: bool = True,
        memory_map: bool = False,
        searchers: int = INDEX_SEARCHERS,
        indexing_memory_mb: int = INDEX_MEMORY_MB,
    ) -> None:
        self.store = IndexStore(root, memory_map=memory_map, searchers=searchers)
        self.engine = engine
        self.applies = applies  # False: another process (`pipeline index --follow`) applies changes
        self.indexing_memory_mb = indexing_memory_mb  # each process's postings, indexing in parallel
        self.facets = FacetArrayCache()
        self.postings = PostingCache()
        self.lengths = FieldLengths()
        # Each kept searcher's mask matcher, by the searcher's identity (the matcher holds the
        # searcher, so an identity is not reused while its entry is here); most recent last.
        self._matchers: OrderedDict[int, Matcher] = OrderedDict()
        self._matchers_guard = threading.Lock()
        self._apply = threading.Lock()
        self._stop = threading.Event()
        self._follower: threading.Thread | None = None

    def catch_up(self, wait: bool = False, *, parallel: bool = False) -> int:
        """Apply the outstanding changes; how many were applied here.

        If another thread of this process is applying already, return at once (0), or with
        `wait`, wait for it and then apply what is still outstanding: afterwards the index has
        every change committed before the call. `parallel` (for a process that may start
        processes of its own: the indexing process, a command) applies them all in one commit,
        indexed by several processes.
        """
        if not self.applies:
            return 0
        if not self._apply.acquire(blocking=wait):
            return 0  # another thread of this process is applying already
        try:
            if parallel:
                return catch_up_in_parallel(self.store, self.engine, self.indexing_memory_mb)
            return catch_up(self.store, self.engine)
        finally:
            self._apply.release()

    def applied_seq(self) -> int:
        return self.store.applied_seq()

    def backlog(self) -> int:
        """How many changes the index has yet to apply."""
        with Session(self.engine) as session:
            return max(0, latest_seq(session) - self.applied_seq())

    def bring_up_to_date(self, parallel_above: int = PARALLEL_BACKLOG) -> int:
        """For the indexing process: apply what is outstanding; when the index is far behind
        (a bulk import), in one commit indexed by several processes, which is faster.

        Returns how far the index moved along the change log (0 when it was up to date).
        """
        before, behind = self.applied_seq(), self.backlog()
        if behind == 0:
            return 0  # the indexing process polls often: one query when there is nothing to do
        self._apply_outstanding(behind, parallel_above)
        return self.applied_seq() - before

    def _apply_outstanding(self, behind: int, parallel_above: int = PARALLEL_BACKLOG) -> None:
        """Far behind, an empty index is rebuilt, and one that holds records gets the changes
        in one commit, indexed by several processes (each reads every record's newest state
        once, not every change it went through)."""
        far = behind > parallel_above
        if far and self.applied_seq() == 0:
            log.info("the search index is empty and %d changes behind: building it", behind)
            self.rebuild()
            self.catch_up()  # what came in meanwhile
            return
        if far:
            log.info("the search index is %d changes behind: indexing them in parallel", behind)
        self.catch_up(parallel=far)

    def known_applied_seq(self) -> int | None:
        """The applied change without a lock, if this process has seen the newest commit."""
        return self.store.known_applied_seq()

    def wait_for(self, seq: int, timeout: float) -> bool:
        """Until the index has applied change `seq` (True), or `timeout` seconds pass (False).

        A process that applies changes does the work itself if no other process is doing it;
        one that only reads waits for the indexing process.
        """
        if timeout <= 0:
            return self.applied_seq() >= seq  # a bound of 0 means: do not wait, do not index here
        deadline = time.monotonic() + timeout
        while True:
            if self.applied_seq() >= seq:
                return True
            if self.applies and threading.active_count() == 1:  # a command, after a bulk import:
                self._apply_outstanding(self.backlog())  # as the indexing process would
            else:  # a server's threads: never start processes from a threaded process
                self.catch_up()
            if self.applied_seq() >= seq:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    @contextmanager
    def view(self) -> Iterator[tuple[Any, Matcher, FacetArrays]]:
        """The current searcher, its mask matcher and facet arrays, for reading the index
        directly (matching)."""
        with self.store.reading() as searcher:
            yield searcher, self._matcher_for(searcher), self.facets.for_searcher(searcher)

    def run(self, plan: SearchPlan, raw_q: str) -> RawResults:
        with self.store.reading() as searcher:
            arrays, matcher = self.facets.for_searcher(searcher), self._matcher_for(searcher)
            return execute(searcher, arrays, matcher, self.lengths, plan, raw_q)

    def matching(self, plan: SearchPlan) -> list[tuple[str, str]]:
        """(type, id) of every record the plan matches, newest change first."""
        with self.store.reading() as searcher:
            return matching_records(
                searcher, self.facets.for_searcher(searcher), self._matcher_for(searcher), plan
            )

    def which_match(self, plan: SearchPlan, ids: Iterable[str]) -> set[str]:
        """Those of the records `ids` that the plan matches."""
        with self.store.reading() as searcher:
            return which_match(
                searcher, self.facets.for_searcher(searcher), self._matcher_for(searcher), plan, ids
            )

    def _matcher_for(self, searcher: Any) -> Matcher:
        with self._matchers_guard:
            matcher = self._matchers.get(id(searcher))
            if matcher is not None:
                self._matchers.move_to_end(id(searcher))
                return matcher
        keys = [segment_key(leaf) for leaf, _ in searcher.reader().leaf_readers()]
        matcher = Matcher(searcher, self.postings, keys)
        with self._matchers_guard:
            self._matchers[id(searcher)] = matcher
            while len(self._matchers) > 2 * self.store.searchers:  # searchers since refreshed
                self._matchers.popitem(last=False)
        self.lengths.keep_only(keys)
        return matcher

    def rebuild(self, progress: Any = None) -> int:
        return rebuild(self.store, self.engine, progress, memory_mb=self.indexing_memory_mb)

    def follow(self, interval: float) -> None:
        """Catch up every `interval` seconds in a background thread, until stopped."""
        if self._follower is not None or not self.applies:
            return
        self._stop.clear()
        self._follower = threading.Thread(target=self._follow, args=(interval,), name="indexer", daemon=True)
        self._follower.start()

    def _follow(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.catch_up()
            except Exception:
                log.exception("indexing failed; will retry")

    def close(self) -> None:
        self._stop.set()
        if self._follower is not None:
            self._follower.join(timeout=5)
            self._follower = None
        self.store.close()
