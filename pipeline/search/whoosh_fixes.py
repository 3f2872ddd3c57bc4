"""Corrections to Whoosh 2.7.4 (pinned), applied once when the search package is imported.

1. When a segment is written, Whoosh asks for every posting's field length. For a field that
   keeps no lengths (the facet keyword fields), its per-document reader does not remember
   that the length column is absent, and looks for the column's file on disk again: one
   stat() call for every posting of every facet value. This remembers the absence, per
   reader (a written segment's files never change).
2. A segment is one file, mapped into memory; each part of it (postings, terms, columns) is
   opened as a `BufferFile`, which copies its part into a `BytesIO` for reading in sequence:
   at 100,000 records, about 190 MB of private heap in every process, on top of the shared
   mapping. Those parts are read in place instead.
3. The processes of Whoosh's parallel writer wait for their next job from the parent for
   ever: when the parent is killed (kill -9) in the middle of indexing, they were left running,
   holding memory. Each now ends itself once its parent has gone.
"""

from __future__ import annotations

import os
import threading
import time
from io import BytesIO
from typing import Any

from pipeline.companions import parent_alive

MISSING = "_pipeline_missing_columns"
PATCHED = "_pipeline_reads_in_place"
ORPHANS = "_pipeline_ends_when_orphaned"
ORPHAN_CHECK_SECONDS = 0.5
LINE_WINDOW = 4096


def apply() -> None:
    remember_missing_length_columns()
    read_mapped_parts_in_place()
    end_orphaned_indexing_processes()


def remember_missing_length_columns() -> None:
    from whoosh.codec.whoosh3 import W3PerDocReader

    if getattr(W3PerDocReader, MISSING, False):
        return
    looks_on_disk = W3PerDocReader._cached_reader

    def cached_reader(self: Any, fieldname: str, column: Any) -> Any:
        missing: set[str] = self.__dict__.setdefault(MISSING, set())
        if fieldname in missing:
            return None
        reader = looks_on_disk(self, fieldname, column)
        if reader is None:
            missing.add(fieldname)
        return reader

    W3PerDocReader._cached_reader = cached_reader
    setattr(W3PerDocReader, MISSING, True)


class MappedPart:
    """A read-only file over a memoryview of the mapped segment: what `BytesIO` offers for
    reading, without copying the bytes first (only what is read is copied)."""

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._size = len(view)
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._size if size is None or size < 0 else min(self._size, start + size)
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        limit = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        start = end = self._pos
        while end < limit:
            window = bytes(self._view[end : min(limit, end + LINE_WINDOW)])
            found = window.find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end += len(window)
        self._pos = end
        return bytes(self._view[start:end])

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, self._size)[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self.closed = True


def read_mapped_parts_in_place() -> None:
    from whoosh.filedb.structfile import BufferFile

    if getattr(BufferFile, PATCHED, False):
        return

    def init(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        self._buf = buf
        self._name = name
        self.file = MappedPart(buf) if isinstance(buf, memoryview) else BytesIO(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    BufferFile.__init__ = init
    setattr(BufferFile, PATCHED, True)


def end_orphaned_indexing_processes() -> None:
    from whoosh.multiproc import SubWriterTask

    if getattr(SubWriterTask, ORPHANS, False):
        return
    starts, works = SubWriterTask.start, SubWriterTask.run

    def start(self: Any) -> None:
        self.parent_pid = os.getpid()  # before the fork: the parent may be gone before `run`
        starts(self)

    def run(self: Any) -> None:
        watch = threading.Thread(
            target=_exit_when_orphaned, args=(self.parent_pid,), name="orphan watch", daemon=True
        )
        watch.start()
        works(self)

    SubWriterTask.start = start
    SubWriterTask.run = run
    setattr(SubWriterTask, ORPHANS, True)


def _exit_when_orphaned(parent: int) -> None:
    """End this process (a parallel writer's, whose work is lost with its parent) once its
    parent has gone."""
    while parent_alive(parent):
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)
