"""Corrections to Whoosh 2.7.4 (pinned), applied once when the search package is imported.

1. When a segment is written, Whoosh asks for every posting's field length. For a field that
   keeps no lengths (the facet keyword fields), its per-document reader does not remember
   that the length column is absent, and looks for the column's file on disk again: one
   stat() call for every posting of every facet value. This remembers the absence, per
   reader (a written segment's files never change).
2. A segment is one file. Mapped into memory (`index_memory_map`), each part of it (postings,
   terms, columns) is opened as a `BufferFile`, which copies its part into a `BytesIO` for
   reading in sequence: at 100,000 records, about 190 MB of private heap in every process, on
   top of the shared mapping. Those parts are read in place instead.
3. A segment that is not mapped (the default) opens each part as a `SubFile` of the
   segment's one file object: every read is a seek and a read through Python's buffered
   file, and pickle, with no `peek` to read ahead, reads a block header a few bytes at a time.
   Each part now reads with `os.pread` at its own position, 8 kB ahead, and offers `peek`.
   The parts of a segment share only its file descriptor; a searcher is used by one thread
   at a time (`IndexStore.reading`), as with mapped parts.
4. The processes of Whoosh's parallel writer wait for their next job from the parent for
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
PREAD = "_pipeline_reads_parts_with_pread"
ORPHANS = "_pipeline_ends_when_orphaned"
ORPHAN_CHECK_SECONDS = 0.5
LINE_WINDOW = 4096
PEEK_BYTES = 4096
READ_AHEAD = 8192


def apply() -> None:
    remember_missing_length_columns()
    read_mapped_parts_in_place()
    read_unmapped_parts_at_their_position()
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


class SegmentPart:
    """A read-only file over one part of a segment: what `BytesIO` offers for reading, with
    only what is read copied out. Subclasses say where the bytes come from."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._pos = 0
        self.closed = False

    def _bytes(self, start: int, end: int) -> bytes:
        raise NotImplementedError

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._size if size is None or size < 0 else min(self._size, start + size)
        self._pos = max(start, end)
        return self._bytes(start, end)

    def peek(self, size: int = 1) -> bytes:
        """Up to `size` bytes ahead (at most PEEK_BYTES), without moving: pickle then reads a
        whole object from one peek instead of a read for every few bytes."""
        return self._bytes(self._pos, min(self._size, self._pos + min(max(size, 1), PEEK_BYTES)))

    def get(self, position: int, size: int) -> bytes:
        """`size` bytes from `position` (StructFile's seek then read, in one call)."""
        self._pos = position
        return self.read(size)

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        limit = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        start = end = self._pos
        while end < limit:
            window = self._bytes(end, min(limit, end + LINE_WINDOW))
            found = window.find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end += len(window)
        self._pos = end
        return self._bytes(start, end)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, self._size)[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self.closed = True


class MappedPart(SegmentPart):
    """A part of a segment mapped into memory, read from the memoryview in place."""

    def __init__(self, view: memoryview) -> None:
        super().__init__(len(view))
        self._view = view

    def _bytes(self, start: int, end: int) -> bytes:
        return bytes(self._view[start:end])


class FilePart(SegmentPart):
    """A part of a segment file that is not mapped, read with `os.pread` at its own position
    (no file position shared with the segment's other parts). A small read fetches READ_AHEAD
    bytes and keeps them: Whoosh reads postings, pickles and numbers a few bytes at a time,
    and each system call lets go of the interpreter lock, which another thread may then hold
    for up to the switch interval (5 ms)."""

    def __init__(self, fd: int, offset: int, size: int) -> None:
        super().__init__(size)
        self._fd = fd
        self._offset = offset
        self._kept_at = 0
        self._kept = b""

    def _bytes(self, start: int, end: int) -> bytes:
        if end <= start:  # nothing asked for, or a position past the end
            return b""
        kept_at = self._kept_at
        if kept_at <= start and end <= kept_at + len(self._kept):
            return self._kept[start - kept_at : end - kept_at]
        if end - start > READ_AHEAD:
            return os.pread(self._fd, end - start, self._offset + start)
        self._kept_at = start
        self._kept = os.pread(self._fd, min(READ_AHEAD, self._size - start), self._offset + start)
        return self._kept[: end - start]


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


def read_unmapped_parts_at_their_position() -> None:
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.structfile import StructFile

    if getattr(CompoundStorage, PREAD, False):
        return
    opens = CompoundStorage.open_file

    class PartFile(StructFile):  # type: ignore[misc]
        def get(self, position: int, length: int) -> bytes:
            return bytes(self.file.get(position, length))

    def open_file(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        fileno = getattr(self._file, "fileno", None)
        if self._source is not None or fileno is None or self.is_closed:
            return opens(self, name, *args, **kwargs)
        offset, length = self.range(name)
        return PartFile(FilePart(fileno(), offset, length), name=name)

    CompoundStorage.open_file = open_file
    setattr(CompoundStorage, PREAD, True)


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
