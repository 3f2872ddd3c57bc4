"""A correction to Whoosh 2.7.4 (pinned), applied once when the search package is imported.

When a segment is written, Whoosh asks for every posting's field length. For a field that keeps
no lengths (the facet keyword fields), its per-document reader does not remember that the
length column is absent, and looks for the column's file on disk again: one stat() call for
every posting of every facet value. This remembers the absence, per reader (a written
segment's files never change).
"""

from __future__ import annotations

from typing import Any

MISSING = "_pipeline_missing_columns"


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
