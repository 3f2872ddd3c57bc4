"""Relevance ranking with NumPy: Whoosh's own BM25F, computed over cached posting lists.

Whoosh scores every candidate one at a time in Python to choose the top few: at 100,000
records that was most of a common word's search. For queries of words combined with AND, OR
and NOT (what people type) the same scores are computed here as array operations: for each
word and field, idf times the BM25 of the word's weight and the field's length in each
document, times the query's boosts, summed as Whoosh's matchers sum them. Phrases, prefixes
and `field:value` terms are not handled here (`scored_terms` returns None) and Whoosh ranks
them as before. A test compares both rankings on the same index.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.scoring import BM25F
from whoosh.util.numeric import _length_byte_cache

from pipeline.search.facet_arrays import Mask
from pipeline.search.fields import TEXT_FIELDS
from pipeline.search.postings import Matcher

Floats = npt.NDArray[np.float64]
BYTE_TO_LENGTH = np.asarray(_length_byte_cache, dtype=np.float64)  # Whoosh's stored lengths are bytes


@dataclass(frozen=True)
class ScoredTerm:
    """A word in a text field, and the product of the boosts above it in the query."""

    field: str
    text: str
    boost: float


def scored_terms(query: wq.Query, boost: float = 1.0) -> list[ScoredTerm] | None:
    """The words whose BM25 scores add up to a document's score, or None if the query holds
    anything else (phrases, prefixes, ranges, `field:value` terms, OR with a minimum)."""
    kind = type(query)
    if kind is wq.Term:
        if query.fieldname not in TEXT_FIELDS or not isinstance(query.text, str):
            return None
        return [ScoredTerm(query.fieldname, query.text, boost * query.boost)]
    if kind is wq.And or (kind is wq.Or and not query.minmatch and query.scale is None):
        found: list[ScoredTerm] = []
        for part in query.subqueries:
            terms = scored_terms(part, boost * query.boost)
            if terms is None:
                return None
            found.extend(terms)
        return found
    if kind is wq.AndNot:
        return scored_terms(query.a, boost)  # the excluded words change which documents, not scores
    return None


class FieldLengths:
    """Each segment's field lengths as arrays, read once (a segment's lengths never change)."""

    def __init__(self) -> None:
        self._lengths: dict[tuple[Any, str], Floats] = {}
        self._lock = threading.Lock()

    def of(self, leaf: Any, key: Any, field: str) -> Floats:
        with self._lock:
            found = self._lengths.get((key, field))
        if found is None:
            found = read_lengths(leaf, field)
            with self._lock:
                self._lengths[(key, field)] = found
        return found

    def keep_only(self, keys: Iterable[Any]) -> None:
        """Forget segments that are no longer in the index."""
        live = set(keys)
        with self._lock:
            self._lengths = {k: v for k, v in self._lengths.items() if k[0] in live}


def read_lengths(leaf: Any, field: str) -> Floats:
    """A segment's lengths of `field` for every document, as Whoosh's scorer sees them."""
    size = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    column = perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN) if perdoc is not None else None
    if column is None:
        return np.zeros(size, dtype=np.float64)
    codes = np.zeros(size, dtype=np.uint8)
    count = min(size, column._count)
    codes[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
    return BYTE_TO_LENGTH[codes]


def scores(searcher: Any, matcher: Matcher, lengths: FieldLengths, terms: list[ScoredTerm]) -> Floats:
    """Every document's BM25F score for the words (0 for a document with none of them)."""
    weighting = searcher.weighting
    if not isinstance(weighting, BM25F):
        raise TypeError("relevance ranking expects Whoosh's BM25F weighting")
    total = np.zeros(matcher.size, dtype=np.float64)
    for term in terms:
        k1, b = weighting.K1, weighting._field_B.get(term.field, weighting.B)
        idf = searcher.idf(term.field, term.text)
        average = searcher.avg_field_length(term.field) or 1
        for (leaf, offset), key in zip(matcher.leaves, matcher.keys, strict=True):
            postings = matcher.cache.weighted(leaf, key, term.field, term.text)
            if not len(postings.ids):
                continue
            weight = postings.weights.astype(np.float64)
            length = lengths.of(leaf, key, term.field)[postings.ids]
            bm25 = idf * ((weight * (k1 + 1)) / (weight + k1 * ((1 - b) + b * length / average)))
            total[postings.ids + offset] += bm25 * term.boost  # a segment lists a document once
    return total


def top(scored: Floats, allowed: Mask, count: int) -> list[tuple[int, float]]:
    """The `count` best allowed documents, best first; equal scores by document number, as
    Whoosh orders them."""
    candidates = np.flatnonzero(allowed)
    if len(candidates) > count:
        # The count-th best score; every candidate at least as good is kept, so ties are whole.
        threshold = np.partition(scored[candidates], len(candidates) - count)[len(candidates) - count]
        candidates = candidates[scored[candidates] >= threshold]
    order = np.lexsort((candidates, -scored[candidates]))[:count]
    return [(int(doc), float(scored[doc])) for doc in candidates[order]]
