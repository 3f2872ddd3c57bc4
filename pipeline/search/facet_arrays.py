"""Per-document facet values as NumPy arrays: exact facet counts without Whoosh collectors.

Each facet is held as two parallel arrays of (document, value id) entries, plus each value's
documents. Filters become boolean masks over documents, and a facet's counts for any set of
documents are one `bincount` over the entries whose document is in the set. Whoosh segments
are immutable (deletions aside), so each segment is read once and reused across searcher
refreshes; deleted documents never reach the counts because counting starts from the
documents a query matched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.util.times import datetime_to_long

from pipeline.search.fields import DORMANT_AFTER, KEYWORD_FACETS

# Document numbers and value ids: 32 bits hold any index this service will have, at half the
# memory of 64 (at 100,000 records the arrays of every facet, per segment and merged, take
# about 13 MB instead of 26).
IntArray = npt.NDArray[np.int32]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SegmentFacet:
    """One facet of one segment, in the segment's own document numbers."""

    docs: IntArray
    values: list[str]
    value_ids: IntArray


NOT_CONFIRMED = np.iinfo(np.uint64).max  # what a record without the column holds


def read_updated(reader: Any, column: str = "updated") -> npt.NDArray[np.uint64]:
    """A segment's date column (`updated`, `confirmed`) as raw, order-preserving integers."""
    if column not in reader.schema or not reader.has_column(column):
        empty = 0 if column == "updated" else NOT_CONFIRMED
        return np.full(reader.doc_count_all(), empty, dtype=np.uint64)
    return np.asarray(list(reader.column_reader(column, translate=False)), dtype=np.uint64)


def dormant_facet(confirmed: npt.NDArray[np.uint64], now: datetime) -> FacetArray:
    """`yes` for records last confirmed more than nine months before `now`, `no` for the other
    confirmed records; records that are never confirmed have neither."""
    cutoff = datetime_to_long((now - DORMANT_AFTER).astimezone(UTC).replace(tzinfo=None))
    docs = np.flatnonzero(confirmed != NOT_CONFIRMED).astype(np.int32)
    values = np.where(confirmed[docs] < cutoff, 0, 1).astype(np.int32)
    return FacetArray(["yes", "no"], docs, values)


def read_segment(reader: Any) -> dict[str, SegmentFacet]:
    facets = {}
    indexed = set(reader.indexed_field_names())
    for name in KEYWORD_FACETS:
        docs: list[IntArray] = []
        values: list[str] = []
        if name in indexed:
            for term in reader.lexicon(name):
                docs.append(np.fromiter(reader.postings(name, term).all_ids(), dtype=np.int32))
                values.append(term.decode() if isinstance(term, bytes) else str(term))
        value_ids = np.repeat(np.arange(len(docs), dtype=np.int32), [len(d) for d in docs])
        facets[name] = SegmentFacet(_joined(docs), values, value_ids)
    return facets


def _joined(arrays: list[IntArray]) -> IntArray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int32)


@dataclass(frozen=True)
class FacetArray:
    """One facet over the whole index, in global document numbers."""

    values: list[str]
    entry_docs: IntArray
    entry_values: IntArray

    def mask_for(self, wanted: Iterable[str], size: int) -> Mask:
        ids = [i for i, value in enumerate(self.values) if value in set(wanted)]
        mask = np.zeros(size, dtype=bool)
        if ids:
            mask[self.entry_docs[np.isin(self.entry_values, ids)]] = True
        return mask

    def together_with(self, value: str, live: Mask) -> list[str]:
        """The other values of the live documents that have `value`: for the council facet
        (owner and councils taking part), every council that has shared a record with one."""
        if value not in self.values:
            return []
        wanted = self.values.index(value)
        docs = np.zeros(len(live), dtype=bool)
        docs[self.entry_docs[self.entry_values == wanted]] = True
        docs &= live
        present = np.unique(self.entry_values[docs[self.entry_docs]])
        return [self.values[i] for i in present.tolist() if i != wanted]

    def count(self, docs: Mask) -> list[tuple[str, int]]:
        counts = np.bincount(self.entry_values[docs[self.entry_docs]], minlength=len(self.values))
        return [(self.values[i], int(counts[i])) for i in np.flatnonzero(counts)]


@dataclass(frozen=True)
class FacetArrays:
    size: int
    facets: dict[str, FacetArray]
    updated: npt.NDArray[np.uint64]
    confirmed: npt.NDArray[np.uint64]

    def dormant(self) -> Mask:
        """Documents of records not confirmed for nine months."""
        return self.facets["dormant"].mask_for(["yes"], self.size)

    def newest(self, docs: Mask, start: int, stop: int) -> list[int]:
        """Documents in the set, newest first (ties by document number), from start to stop."""
        candidates = np.flatnonzero(docs)
        descending = np.iinfo(np.uint64).max - self.updated[candidates]  # exact, unlike negating floats
        order = np.lexsort((candidates, descending))
        return [int(d) for d in candidates[order[start:stop]]]


class FacetArrayCache:
    """Assembles the index-wide arrays per searcher generation, reading only new segments."""

    def __init__(self) -> None:
        self._segments: dict[Any, tuple[dict[str, SegmentFacet], Any, Any]] = {}
        self._assembled: tuple[Any, FacetArrays] | None = None
        self._lock = threading.Lock()

    def for_searcher(self, searcher: Any) -> FacetArrays:
        """The arrays of this searcher's index, with dormancy as of today (assembled again when
        the index or the day changes)."""
        reader = searcher.reader()
        leaves = reader.leaf_readers()
        now = datetime.now(UTC)
        key = (tuple((segment_key(leaf), offset) for leaf, offset in leaves), now.date())
        with self._lock:
            if self._assembled is None or self._assembled[0] != key:
                self._assembled = (key, self._assemble(leaves, reader.doc_count_all(), now))
            return self._assembled[1]

    def _assemble(self, leaves: list[tuple[Any, int]], size: int, now: datetime) -> FacetArrays:
        live = {}
        parts: dict[str, list[tuple[SegmentFacet, int]]] = {name: [] for name in KEYWORD_FACETS}
        updated, confirmed = [], []
        for leaf, offset in leaves:
            key = segment_key(leaf)
            segment = self._segments.get(key) or (
                read_segment(leaf),
                read_updated(leaf),
                read_updated(leaf, "confirmed"),
            )
            live[key] = segment
            for name in KEYWORD_FACETS:
                parts[name].append((segment[0][name], offset))
            updated.append(segment[1])
            confirmed.append(segment[2])
        self._segments = live
        updated_column = np.concatenate(updated) if updated else np.zeros(0, dtype=np.uint64)
        confirmed_column = np.concatenate(confirmed) if confirmed else np.zeros(0, dtype=np.uint64)
        facets = {name: _merge(pieces) for name, pieces in parts.items()}
        facets["dormant"] = dormant_facet(confirmed_column, now)
        return FacetArrays(size, facets, updated_column, confirmed_column)


def _merge(pieces: list[tuple[SegmentFacet, int]]) -> FacetArray:
    values: dict[str, int] = {}
    docs, ids = [], []
    for piece, offset in pieces:
        remap = np.asarray([values.setdefault(v, len(values)) for v in piece.values], dtype=np.int32)
        docs.append(piece.docs + np.int32(offset))
        ids.append(remap[piece.value_ids] if len(piece.value_ids) else piece.value_ids)
    return FacetArray(list(values), _joined(docs), _joined(ids))


def segment_key(leaf: Any) -> Any:
    """What identifies a segment's immutable content: its id and document count."""
    segment = getattr(leaf, "segment", None)
    found = segment() if callable(segment) else None
    if found is None:  # an empty index has a reader without a segment
        return id(leaf)
    return (found.segment_id(), found.doc_count_all())
