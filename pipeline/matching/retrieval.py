"""Records that share a text's concepts, found in the search index with cached posting masks.

A record's similarity is the share of the text's concept weight it covers (of its ten rarest
concepts, so a long text is not penalised), each concept weighted by how rare it is (inverse
document frequency): sharing "ehcp" says more than sharing "report". Concepts that a fifth of
all records have are dropped as noise; a record sharing just one of several concepts counts half.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq

from pipeline.matching.concepts import Concept
from pipeline.search.facet_arrays import Mask
from pipeline.search.fields import META_ID, TEXT_FIELDS
from pipeline.search.postings import Matcher

MAX_CONCEPTS = 40
MAX_DOCUMENT_SHARE = 0.2  # a concept in more than a fifth of all records is not evidence
TITLE_WEIGHT = 0.25  # extra weight when the record's title names the concept
CONCEPTS_PER_RECORD = 10
LONE_CONCEPT = 0.5  # one shared concept of several is a weak sign: it counts half


@dataclass(frozen=True)
class Weighted:
    concept: Concept
    idf: float
    mask: Mask
    in_title: Mask


@dataclass(frozen=True)
class Found:
    """A record sharing concepts with the text, with what the index stores about it."""

    fields: dict[str, Any]
    similarity: float  # 0..1: the share of the text's concept weight this record has
    shared: tuple[Concept, ...]

    def values(self, facet: str) -> list[str]:
        return [v for v in str(self.fields.get(facet, "")).split(",") if v]


def idf(document_count: int, containing: int) -> float:
    """BM25's inverse document frequency: rarer concepts weigh more; never negative."""
    return math.log(1 + (document_count - containing + 0.5) / (containing + 0.5))


def weigh(matcher: Matcher, concepts: list[Concept]) -> list[Weighted]:
    """The concepts worth matching on, rarest (and most repeated) first."""
    live = int(matcher.live.sum())
    weighted = []
    for concept in _likely_useful(matcher, concepts, live):
        mask = _concept_mask(matcher, concept, TEXT_FIELDS)
        containing = int(mask.sum())
        if containing == 0 or (containing > MAX_DOCUMENT_SHARE * live and live > 20):
            continue
        title = _concept_mask(matcher, concept, ("title",))
        weighted.append(Weighted(concept, idf(live, containing) * (1 + math.log(concept.count)), mask, title))
    weighted.sort(key=lambda w: -w.idf)
    return weighted[:MAX_CONCEPTS]


def _likely_useful(matcher: Matcher, concepts: list[Concept], live: int) -> list[Concept]:
    """Concepts worth reading postings for, judged from the term dictionary's counts alone:
    reading the postings of a word in half the registry is the slow part, and it would be
    dropped as too common anyway."""

    def most_containing(concept: Concept) -> int:  # an upper bound on records with the concept
        return sum(
            min(sum(matcher.doc_frequency(field, stem) for field in TEXT_FIELDS) for stem in run)
            for run in concept.variants
        )

    bounds = [(concept, most_containing(concept)) for concept in concepts]
    kept = [(c, n) for c, n in bounds if n > 0 and (live <= 20 or n <= 2 * MAX_DOCUMENT_SHARE * live)]
    kept.sort(key=lambda item: item[1])
    return [concept for concept, _ in kept[: 2 * MAX_CONCEPTS]]


def _concept_mask(matcher: Matcher, concept: Concept, fields: tuple[str, ...]) -> Mask:
    variants = [
        wq.And([wq.Or([wq.Term(f, stem) for f in fields]) for stem in run]) for run in concept.variants
    ]
    return matcher.mask(wq.Or(variants) if len(variants) > 1 else variants[0])


def find_similar(
    searcher: Any,
    matcher: Matcher,
    weighted: list[Weighted],
    *,
    exclude: set[str],
    limit: int,
    at_least: float = 0.0,
) -> list[Found]:
    """The records that share the most concept weight, best first; none below `at_least`."""
    if not weighted:
        return []
    # A record shares a handful of a long text's concepts at best: measure against the rarest few.
    total = sum(w.idf for w in weighted[:CONCEPTS_PER_RECORD])
    scores = np.zeros(matcher.size, dtype=np.float64)
    for w in weighted:  # add at the (few) matching positions: no full-size temporaries
        scores[np.flatnonzero(w.mask)] += w.idf
        scores[np.flatnonzero(w.in_title)] += w.idf * TITLE_WEIGHT
    for record_id in [*exclude, META_ID]:
        docnum = searcher.document_number(id=record_id)
        if docnum is not None:
            scores[docnum] = 0
    candidates = np.flatnonzero(scores > 0)
    if len(candidates) > limit:
        candidates = candidates[np.argpartition(-scores[candidates], limit)[:limit]]
    ranked = sorted(candidates.tolist(), key=lambda d: (-scores[d], d))
    lone = LONE_CONCEPT if len(weighted) >= 2 else 1.0
    shares = [(doc, [w for w in weighted if w.mask[doc]]) for doc in ranked]
    rated = [(doc, shared, _similarity(shared, total, lone)) for doc, shared in shares]
    # Stored fields are the costly read: only for the records that count.
    found = [
        Found(searcher.stored_fields(doc), similarity, tuple(w.concept for w in shared))
        for doc, shared, similarity in rated
        if similarity >= at_least
    ]
    return sorted(found, key=lambda f: -f.similarity)


def _similarity(shared: list[Weighted], total: float, lone: float) -> float:
    return min(1.0, sum(w.idf for w in shared) / total) * (lone if len(shared) == 1 else 1.0)
