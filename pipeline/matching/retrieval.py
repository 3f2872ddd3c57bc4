"""Records that share a text's concepts, found in the search index with cached posting masks.

Each concept of the text is weighted by how rare it is among all records (BM25's inverse
document frequency): sharing "ehcp" says more than sharing "report". A concept in more than
a share of all records (`Weights.max_document_share`) is dropped as noise: the list of
generic words is the corpus's own. A record's score is BM25 over two fields, the title
counting as `Weights.title` mentions, marked down for long records; its similarity is that
score as a share of what a record of average length sharing the text's rarest concepts in
both fields would get, so it reads the same in a registry of fifty records or of 100,000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query as wq

from pipeline.matching.concepts import Concept
from pipeline.matching.weights import Weights
from pipeline.search.facet_arrays import Mask
from pipeline.search.fields import META_ID, TEXT_FIELDS
from pipeline.search.postings import Matcher

MAX_CONCEPTS = 40
# A concept in more records than this is not read at all (reading its postings is the slow
# part, and at 100,000 records it is in a fifth of them: it would weigh little).
MOST_RECORDS_READ = 20_000
RESCORED = 300  # candidates whose length is read to rescore them; the rest keep their first score


@dataclass(frozen=True)
class Weighted:
    """A concept of the asker's text, how rare it is, and the records that have it."""

    concept: Concept
    idf: float  # its weight in the text: rarity, and more for a concept mentioned often
    rarity: float  # its inverse document frequency alone
    share: float  # of all records, those with the concept
    in_title: Mask
    in_text: Mask
    place: bool = False  # the asker's text uses it only in a place's name


@dataclass(frozen=True)
class Found:
    """A record sharing concepts with the text, with what the index stores about it."""

    fields: dict[str, Any]
    similarity: float  # 0..1: the record's BM25 score as a share of an ideal record's
    shared: tuple[Concept, ...]
    shares: tuple[float, ...] = ()  # of all records, those with each shared concept
    places: frozenset[Concept] = frozenset()  # shared concepts the asker uses only in place names

    def values(self, facet: str) -> list[str]:
        return [v for v in str(self.fields.get(facet, "")).split(",") if v]

    def distinctive(self, most: float) -> tuple[Concept, ...]:
        """The shared concepts found in at most `most` of all records, place names aside: "Kent"
        says where the work is, not what it is about (geography counts apart, in the scorer)."""
        return tuple(
            c
            for c, share in zip(self.shared, self.shares, strict=True)
            if share <= most and c not in self.places
        )


def idf(document_count: int, containing: int) -> float:
    """BM25's inverse document frequency: rarer concepts weigh more; never negative."""
    return math.log(1 + (document_count - containing + 0.5) / (containing + 0.5))


def weigh(
    matcher: Matcher, concepts: list[Concept], weights: Weights, places: frozenset[str] = frozenset()
) -> list[Weighted]:
    """The concepts worth matching on, rarest (and most repeated) first; those whose stems are
    all in `places` (the text uses them only in place names) are marked as such."""
    live = int(matcher.live.sum())
    weighted = []
    for concept in _likely_useful(matcher, concepts, live, weights):
        in_title = _concept_mask(matcher, concept, ("title",))
        in_text = _concept_mask(matcher, concept, ("content",))
        containing = int((in_title | in_text).sum())
        if containing == 0 or (containing > weights.max_document_share * live and live > 20):
            continue
        rarity = idf(live, containing)
        weight = rarity * (1 + math.log(concept.count))
        place = all(stem in places for run in concept.variants for stem in run)
        share = containing / max(live, 1)
        weighted.append(Weighted(concept, weight, rarity, share, in_title, in_text, place))
    weighted.sort(key=lambda w: -w.idf)
    return weighted[:MAX_CONCEPTS]


def _likely_useful(matcher: Matcher, concepts: list[Concept], live: int, weights: Weights) -> list[Concept]:
    """Concepts worth reading postings for, judged from the term dictionary's counts alone:
    reading the postings of a word in half the registry is the slow part, and it would be
    dropped as too common anyway. The dictionary counts a record once per field, and deleted
    records until their segment is merged, so the bound is against every document held."""

    def most_containing(concept: Concept) -> int:  # an upper bound on records with the concept
        return sum(
            min(sum(matcher.doc_frequency(field, stem) for field in TEXT_FIELDS) for stem in run)
            for run in concept.variants
        )

    bounds = [(concept, most_containing(concept)) for concept in concepts]
    limit = min(
        len(TEXT_FIELDS) * weights.max_document_share * matcher.size, len(TEXT_FIELDS) * MOST_RECORDS_READ
    )
    kept = [(c, n) for c, n in bounds if n > 0 and (live <= 20 or n <= limit)]
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
    weights: Weights,
    *,
    exclude: set[str],
    limit: int,
) -> list[Found]:
    """The records most like the text, best first (the scorer decides which are evidence)."""
    if not weighted:
        return []
    scores = np.zeros(matcher.size, dtype=np.float64)
    for w in weighted:  # first as if every record were of average length
        mentions = weights.title * w.in_title + w.in_text
        where = np.flatnonzero(mentions)
        scores[where] += _term_score(w, mentions[where])
    for record_id in [*exclude, META_ID]:
        docnum = searcher.document_number(id=record_id)
        if docnum is not None:
            scores[docnum] = 0
    candidates = _best(scores, RESCORED)
    similarity = scores[candidates] / _relative_lengths(searcher, candidates) ** weights.length_norm
    strongest = weighted[: weights.concepts_per_record]
    best_possible = sum(_term_score(w, np.float64(weights.title + 1)) for w in strongest)
    similarity = np.minimum(1.0, similarity / best_possible)
    order = sorted(range(len(candidates)), key=lambda i: (-similarity[i], candidates[i]))
    # Stored fields are the costly read: only for the records that count.
    return [_found(searcher, weighted, int(candidates[i]), float(similarity[i])) for i in order[:limit]]


def _term_score(weighted: Weighted, mentions: Any) -> Any:
    """TF-IDF: the concept's weight in the text times its rarity, and the log of its mentions."""
    return weighted.idf * weighted.rarity * (1 + np.log(mentions))


def _best(scores: npt.NDArray[np.float64], most: int) -> npt.NDArray[np.int64]:
    candidates = np.flatnonzero(scores > 0)
    if len(candidates) > most:
        candidates = candidates[np.argpartition(-scores[candidates], most)[:most]]
    return candidates


def _relative_lengths(searcher: Any, docnums: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Each record's length in words (title and text) over the average record's."""
    reader = searcher.reader()
    count = max(reader.doc_count(), 1)
    average = sum(reader.field_length(f) for f in TEXT_FIELDS) / count or 1.0
    lengths = [sum(reader.doc_field_length(int(d), f) or 0 for f in TEXT_FIELDS) for d in docnums]
    return np.asarray(lengths, dtype=np.float64) / average


def _found(searcher: Any, weighted: list[Weighted], docnum: int, similarity: float) -> Found:
    shared = [w for w in weighted if w.in_title[docnum] or w.in_text[docnum]]
    return Found(
        searcher.stored_fields(docnum),
        similarity,
        tuple(w.concept for w in shared),
        tuple(w.share for w in shared),
        frozenset(w.concept for w in shared if w.place),
    )
