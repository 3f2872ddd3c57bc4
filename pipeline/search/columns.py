"""Per-document facet values held in memory, for exact facet counts without Whoosh collectors.

Whoosh segments are immutable (deletions aside), so each segment's columns are read once and
reused across searcher refreshes; only new segments are read after a write. Deleted documents
never reach the counts because counting starts from the documents a query matched.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.search.fields import FACET_NAMES


@dataclass(frozen=True)
class SegmentColumns:
    """For one segment: each facet's values by local document number, and postings by value."""

    values: dict[str, list[tuple[str, ...]]]
    postings: dict[str, dict[str, frozenset[int]]]


def read_segment(reader: Any) -> SegmentColumns:
    size = reader.doc_count_all()
    values: dict[str, list[tuple[str, ...]]] = {}
    postings: dict[str, dict[str, frozenset[int]]] = {}
    for name in FACET_NAMES:
        column: list[list[str]] = [[] for _ in range(size)]
        by_value: dict[str, frozenset[int]] = {}
        if name in reader.indexed_field_names():
            for term in reader.lexicon(name):
                value = term.decode() if isinstance(term, bytes) else str(term)
                docs = frozenset(reader.postings(name, term).all_ids())
                by_value[value] = docs
                for doc in docs:
                    column[doc].append(value)
        values[name] = [tuple(v) for v in column]
        postings[name] = by_value
    return SegmentColumns(values, postings)


class Columns:
    """The whole index's facet columns for one searcher, in global document numbers."""

    def __init__(
        self, values: dict[str, list[tuple[str, ...]]], postings: dict[str, dict[str, set[int]]]
    ) -> None:
        self.values = values
        self.postings = postings

    def docs_with(self, facet: str, wanted: Iterable[str]) -> set[int]:
        """Documents having any of the wanted values of a facet."""
        found: set[int] = set()
        for value in wanted:
            found |= self.postings[facet].get(value, set())
        return found

    def count(self, facet: str, docs: Iterable[int]) -> Counter[str]:
        counts: Counter[str] = Counter()
        column = self.values[facet]
        for doc in docs:
            counts.update(column[doc])
        return counts


class ColumnCache:
    """Reads each segment once; assembles the index-wide columns per searcher generation."""

    def __init__(self) -> None:
        self._segments: dict[Any, SegmentColumns] = {}
        self._assembled: tuple[Any, Columns] | None = None
        self._lock = threading.Lock()

    def for_searcher(self, searcher: Any) -> Columns:
        reader = searcher.reader()
        leaves = reader.leaf_readers()
        key = tuple((id(leaf), offset) for leaf, offset in leaves)
        with self._lock:
            if self._assembled and self._assembled[0] == key:
                return self._assembled[1]
            columns = self._assemble(leaves)
            self._assembled = (key, columns)
            return columns

    def _assemble(self, leaves: list[tuple[Any, int]]) -> Columns:
        values: dict[str, list[tuple[str, ...]]] = {name: [] for name in FACET_NAMES}
        postings: dict[str, dict[str, set[int]]] = {name: {} for name in FACET_NAMES}
        live = {}
        for leaf, offset in leaves:
            segment_key = _segment_key(leaf)
            segment = self._segments.get(segment_key) or read_segment(leaf)
            live[segment_key] = segment
            for name in FACET_NAMES:
                values[name].extend(segment.values[name])
                for value, docs in segment.postings[name].items():
                    postings[name].setdefault(value, set()).update(d + offset for d in docs)
        self._segments = live
        return Columns(values, postings)


def _segment_key(leaf: Any) -> Any:
    segment = getattr(leaf, "segment", None)
    if callable(segment):
        found = segment()
        return (found.segment_id(), found.doc_count_all())
    return id(leaf)
