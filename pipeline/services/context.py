"""The service context: the database and the settings every service call needs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from pipeline.config import Settings
from pipeline.errors import ServiceBusy
from pipeline.search.engine import SearchEngine
from pipeline.services.discovery.answer_cache import Answers
from pipeline.services.mail.transports import Mailer, make_mailer
from pipeline.storage.engine import WriteLockTimeout, make_engine, read_session, write_session
from pipeline.urls import Urls

log = logging.getLogger("pipeline")
RETRY_AFTER = 5  # seconds a client is told to wait when the write lock was not free
T = TypeVar("T")


class Registry:
    """Owns the engine; services open one transaction per call through it."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.resolved_database_url)
        self.urls = Urls(settings.public_url.rstrip("/"))
        self.search = SearchEngine(
            settings.data_dir / "index",
            self.engine,
            applies=settings.index_in_server,
            memory_map=settings.index_memory_map,
            searchers=settings.index_searchers,
            indexing_memory_mb=settings.index_memory_mb,
        )
        self.mailer: Mailer = make_mailer(settings)
        self.answers = Answers()
        # Every council and place name for matching, with the councils' version: they change rarely
        self.council_places: Any = None

    def answer(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, or the same answer kept from earlier at the index's current change."""
        return self.answers.get(self.search.applied_seq(), key, compute)

    def written(self, seq: int) -> None:
        """After a commit: wait (bounded) until search has seen change `seq`.

        Past the bound the write has still succeeded; the index catches up on its own.
        """
        wait = self.settings.index_wait_seconds
        if seq and not self.search.wait_for(seq, wait) and wait > 0:
            log.warning("search index is behind change %d after %.1fs", seq, self.settings.index_wait_seconds)

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction; ServiceBusy (503) if the write lock is not free in time."""
        wait = self.settings.write_lock_wait_seconds
        try:
            with write_session(self.engine, wait) as session:
                yield session
        except WriteLockTimeout:
            raise ServiceBusy(
                "The registry is busy with another write; nothing was written."
                f" Try again in {RETRY_AFTER} seconds.",
                retry_after=RETRY_AFTER,
            ) from None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with read_session(self.engine) as session:
            yield session

    def close(self) -> None:
        self.search.close()
        self.engine.dispose()


@dataclass
class Scope:
    """One write or read: its session, the URL builder, and the last change it logged."""

    session: Session
    urls: Urls
    last_seq: int = 0
