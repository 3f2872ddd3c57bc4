"""Which documents match a query, as a NumPy mask, from cached per-segment posting lists.

Whoosh walks posting lists in pure Python, which costs about a microsecond per matching
document: a common word in a large registry takes hundreds of milliseconds. A segment's
postings never change, so each (segment, field, term) list is read once, kept in a bounded
cache as an array, and boolean queries (terms combined with AND, OR and NOT) are evaluated
with array operations. Anything else (phrases, prefixes, ranges) is left to Whoosh, so the
answer is always exactly Whoosh's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query as wq

from pipeline.search.facet_arrays import Mask

# Posting lists kept in memory per process, in bytes. Each list is kept as document numbers
# or as a bitmap of its segment, whichever is smaller: at 100,000 records no list takes more
# than 12.5 kB, so the budget holds thousands of them. The benchmarks' searches (6,000
# distinct) fill 9.4 MB; the budget bounds what a wider vocabulary adds to each worker.
MAX_CACHED_BYTES = 32 * 2**20


class Postings:
    """The documents of one segment that hold a term: numbers, or a packed bitmap if smaller."""

    __slots__ = ("bits", "ids", "size")

    def __init__(self, ids: npt.NDArray[np.int32], size: int) -> None:
        self.size = size
        packed = (size + 7) // 8
        self.bits: npt.NDArray[np.uint8] | None = None
        self.ids: npt.NDArray[np.int32] | None = ids
        if ids.nbytes > packed:
            mask = np.zeros(size, dtype=bool)
            mask[ids] = True
            self.bits, self.ids = np.packbits(mask), None

    @property
    def nbytes(self) -> int:
        return int(self.bits.nbytes if self.bits is not None else self.ids.nbytes)  # type: ignore[union-attr]

    def mark(self, mask: Mask, offset: int) -> None:
        """Set the documents' places in an index-wide mask (the segment starts at `offset`)."""
        if self.bits is not None:
            mask[offset : offset + self.size] |= np.unpackbits(self.bits, count=self.size).view(bool)
        elif self.ids is not None and len(self.ids):
            mask[self.ids + offset] = True


class Weighted:
    """The documents of one segment that hold a term, with the term's weight in each (how
    often it occurs, times the field's boost): what relevance ranking needs."""

    __slots__ = ("ids", "weights")

    def __init__(self, ids: npt.NDArray[np.int32], weights: npt.NDArray[np.float32]) -> None:
        self.ids = ids
        self.weights = weights

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.weights.nbytes)


class PostingCache:
    """Posting lists by (segment, field, term), shared by all searchers, least recently used
    dropped first once they take more than `limit` bytes. A list is kept as documents only
    (`postings`, for masks) and, once ranking has asked for it, with weights (`weighted`)."""

    def __init__(self, limit: int = MAX_CACHED_BYTES) -> None:
        self._lists: OrderedDict[tuple[Any, ...], Postings | Weighted] = OrderedDict()
        self._limit = limit
        self._bytes = 0
        self._lock = threading.Lock()

    def postings(self, leaf: Any, segment_key: Any, field: str, term: Any) -> Postings:
        found = self._cached((segment_key, field, term), lambda: _read_postings(leaf, field, term))
        assert isinstance(found, Postings)
        return found

    def weighted(self, leaf: Any, segment_key: Any, field: str, term: Any) -> Weighted:
        found = self._cached((segment_key, field, term, "weights"), lambda: _read_weighted(leaf, field, term))
        assert isinstance(found, Weighted)
        return found

    def _cached(self, key: tuple[Any, ...], read: Callable[[], Postings | Weighted]) -> Postings | Weighted:
        with self._lock:
            found = self._lists.get(key)
            if found is not None:
                self._lists.move_to_end(key)
                return found
        found = read()
        with self._lock:
            if key not in self._lists:
                self._lists[key] = found
                self._bytes += found.nbytes
            while self._bytes > self._limit and len(self._lists) > 1:
                self._bytes -= self._lists.popitem(last=False)[1].nbytes
        return found


def _read_postings(leaf: Any, field: str, term: Any) -> Postings:
    size = leaf.doc_count_all()
    if (field, term) not in leaf:
        return Postings(np.zeros(0, dtype=np.int32), size)
    return Postings(all_ids(leaf, field, term), size)


def _read_weighted(leaf: Any, field: str, term: Any) -> Weighted:
    if (field, term) not in leaf:
        return Weighted(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    return Weighted(*ids_and_weights(leaf, field, term))


def _raw_matcher(leaf: Any, field: str, term: Any) -> Any:
    return leaf._terms.matcher(field, leaf._text_to_bytes(field, term), leaf.schema[field].format)


def _reads_blocks(raw: Any) -> bool:
    return all(hasattr(raw, name) for name in ("_read_ids", "_next_block", "_lastblock", "_ids"))


def all_ids(leaf: Any, field: str, term: Any) -> npt.NDArray[np.int32]:
    """Every document of the segment with the term, deleted ones included (masks are taken
    with the live documents): a posting block at a time where the codec allows, which is
    tens of times faster than Whoosh's one-posting-at-a-time iterator for a common word."""
    raw = _raw_matcher(leaf, field, term)
    if not _reads_blocks(raw):
        return np.fromiter(raw.all_ids(), dtype=np.int32)  # inlined postings: a handful of ids
    blocks = []
    while True:
        if raw._ids is None:
            raw._read_ids()
        blocks.append(np.asarray(raw._ids, dtype=np.int32))
        if raw._lastblock:
            break
        raw._next_block()
    return np.concatenate(blocks)


IdsAndWeights = tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]


def ids_and_weights(leaf: Any, field: str, term: Any) -> IdsAndWeights:
    """Every document of the segment with the term, and the term's weight in each, a block at
    a time (deleted documents included, as for `all_ids`)."""
    raw = _raw_matcher(leaf, field, term)
    if not (_reads_blocks(raw) and hasattr(raw, "_read_weights")):
        return _one_at_a_time(raw)  # inlined postings: a handful
    ids, weights = [], []
    while True:
        if raw._ids is None:
            raw._read_ids()
        if raw._weights is None:
            raw._read_weights()
        ids.append(np.asarray(raw._ids, dtype=np.int32))
        weights.append(np.asarray(raw._weights, dtype=np.float32))
        if raw._lastblock:
            break
        raw._next_block()
    return np.concatenate(ids), np.concatenate(weights)


class Matcher:
    """Evaluates a query to a mask of live documents over one searcher's index."""

    def __init__(self, searcher: Any, cache: PostingCache, segment_keys: list[Any]) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.leaves = reader.leaf_readers()
        self.keys = segment_keys
        self.cache = cache
        self.live = self._live()
        self._frequencies: dict[tuple[str, str], int] = {}

    def doc_frequency(self, field: str, term: str) -> int:
        """Documents with the term, from the term dictionary (deleted ones included): remembered."""
        key = (field, term)
        if key not in self._frequencies:
            self._frequencies[key] = self.searcher.reader().doc_frequency(field, term)
        return self._frequencies[key]

    def _live(self) -> Mask:
        live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                # The per-document reader's deleted set: what reader.postings() itself filters by.
                deleted = np.fromiter(leaf._perdoc.deleted_docs(), dtype=np.int64)
                live[deleted + offset] = False
        return live

    def mask(self, query: wq.Query) -> Mask:
        return self._evaluate(query) & self.live

    def _evaluate(self, query: wq.Query) -> Mask:
        if isinstance(query, wq.Every):
            return np.ones(self.size, dtype=bool)
        if isinstance(query, wq.Term):
            return self._term(query.fieldname, query.text)
        if isinstance(query, wq.And):
            return self._combine(query.subqueries, np.logical_and)
        if isinstance(query, wq.Or) and not getattr(query, "minmatch", 0):
            return self._combine(query.subqueries, np.logical_or)
        if isinstance(query, wq.AndNot):
            return self._evaluate(query.a) & ~self._evaluate(query.b)
        if isinstance(query, wq.Not):
            return ~self._evaluate(query.query)
        return self._fallback(query)

    def _combine(self, parts: list[wq.Query], operation: Any) -> Mask:
        masks = [self._evaluate(part) for part in parts]
        result = masks[0].copy()
        for mask in masks[1:]:
            operation(result, mask, out=result)
        return result

    def _term(self, field: str, text: Any) -> Mask:
        mask = np.zeros(self.size, dtype=bool)
        for (leaf, offset), key in zip(self.leaves, self.keys, strict=True):
            self.cache.postings(leaf, key, field, text).mark(mask, offset)
        return mask

    def _fallback(self, query: wq.Query) -> Mask:
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(self.searcher.docs_for_query(query), dtype=np.int64)] = True
        return mask


def _one_at_a_time(raw: Any) -> IdsAndWeights:
    ids, weights = [], []
    while raw.is_active():
        ids.append(raw.id())
        weights.append(raw.weight())
        raw.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)
