"""Run a search plan against a searcher: matching documents, exact facet counts, a page of hits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import numpy as np
from whoosh import query as wq

from pipeline.errors import InvalidQuery
from pipeline.search.facet_arrays import FacetArrays, Mask
from pipeline.search.fields import FACET_NAMES, META_ID
from pipeline.search.postings import Matcher
from pipeline.search.query import SearchPlan, expansion_terms
from pipeline.search.ranking import FieldLengths, scored_terms, scores, top
from pipeline.search.snippets import plain_snippet, query_words, snippet

MAX_EXPANSIONS = 1000
TOP_VALUES = {"tag": 30, "council": 50, "lgsl": 50}
RERANKED = 50  # hits beyond the page ranked again for dormancy, when Whoosh ranks
DORMANT_WEIGHT = 0.5  # a possibly dormant record's share of its relevance


@dataclass(frozen=True)
class Hit:
    fields: dict[str, Any]
    snippet: str


@dataclass(frozen=True)
class RawResults:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None


def execute(
    searcher: Any, arrays: FacetArrays, matcher: Matcher, lengths: FieldLengths, plan: SearchPlan, raw_q: str
) -> RawResults:
    _bound_expansions(searcher, plan.text)
    matched = _matching(matcher, plan)
    allowed = {
        name: arrays.facets[name].mask_for(values, arrays.size) for name, values in plan.filters.items()
    }
    final = _intersect(matched, allowed.values())
    counted = FACET_NAMES if plan.with_facets else ()
    facets = {name: _facet_counts(arrays, name, matched, allowed) for name in counted}
    total = int(final.sum())
    if not total:
        hits: list[Hit] = []
    elif not plan.has_text and plan.sort == "updated":
        hits = _newest(searcher, arrays, plan, final)
    else:
        hits = _page(searcher, plan, final, matcher, lengths, arrays)
    suggestion = _suggestion(searcher, plan, raw_q, total)
    return RawResults(total=total, hits=hits, facets=facets, suggestion=suggestion)


def matching_records(
    searcher: Any, arrays: FacetArrays, matcher: Matcher, plan: SearchPlan
) -> list[tuple[str, str]]:
    """(type, id) of every record the plan matches, newest change first: no scores, no facets."""
    _bound_expansions(searcher, plan.text)
    allowed = (arrays.facets[name].mask_for(values, arrays.size) for name, values in plan.filters.items())
    final = _intersect(_matching(matcher, plan), allowed)
    docs = arrays.newest(final, 0, int(final.sum()))
    return [(str(f["type"]), str(f["id"])) for f in map(searcher.stored_fields, docs)]


def which_match(
    searcher: Any, arrays: FacetArrays, matcher: Matcher, plan: SearchPlan, ids: Iterable[str]
) -> set[str]:
    """Those of `ids` (records in the index) that the plan matches: one mask, no scoring."""
    _bound_expansions(searcher, plan.text)
    allowed = (arrays.facets[name].mask_for(values, arrays.size) for name, values in plan.filters.items())
    final = _intersect(_matching(matcher, plan), allowed)
    found = ((record_id, searcher.document_number(id=record_id)) for record_id in set(ids))
    return {record_id for record_id, doc in found if doc is not None and doc < final.size and final[doc]}


def _bound_expansions(searcher: Any, text: wq.Query) -> None:
    reader = searcher.reader()
    for field, pattern in expansion_terms(text):
        prefix = pattern.split("*")[0].split("?")[0]
        for count, _ in enumerate(reader.expand_prefix(field, prefix), start=1):
            if count > MAX_EXPANSIONS:
                raise InvalidQuery.one(
                    "q", f"'{pattern}' matches too many words; add more letters before the *."
                )


def _matching(matcher: Matcher, plan: SearchPlan) -> Mask:
    """Documents matching the text and the date range (facet filters are applied separately)."""
    parts: list[wq.Query] = [plan.text]
    if plan.updated_after or plan.updated_before:
        start = plan.updated_after.astimezone(UTC).replace(tzinfo=None) if plan.updated_after else None
        end = plan.updated_before.astimezone(UTC).replace(tzinfo=None) if plan.updated_before else None
        parts.append(wq.DateRange("updated", start, end))
    combined = parts[0] if len(parts) == 1 else wq.And(parts)
    mask: Mask = matcher.mask(combined)
    meta = matcher.searcher.document_number(id=META_ID)
    if meta is not None:
        mask[meta] = False
    return mask


def _intersect(base: Mask, others: Any) -> Mask:
    result = base.copy()
    for mask in others:
        result &= mask
    return result


def _facet_counts(
    arrays: FacetArrays, name: str, matched: Mask, allowed: dict[str, Mask]
) -> list[tuple[str, int]]:
    """Counts of one facet's values for the query and every *other* filter (so choices stay visible)."""
    docs = _intersect(matched, (v for k, v in allowed.items() if k != name))
    ranked = sorted(arrays.facets[name].count(docs), key=lambda item: (-item[1], item[0]))
    limit = TOP_VALUES.get(name)
    return ranked[:limit] if limit else ranked


def _page(
    searcher: Any, plan: SearchPlan, final: Mask, matcher: Matcher, lengths: FieldLengths, arrays: FacetArrays
) -> list[Hit]:
    """The requested page, with its snippets. Ranked by relevance, a possibly dormant record
    counts for less: its score is multiplied by `DORMANT_WEIGHT`."""
    terms = scored_terms(plan.text) if plan.sort == "relevance" else None
    if terms is not None:
        scored = scores(searcher, matcher, lengths, terms)
        scored[arrays.dormant()] *= DORMANT_WEIGHT
        ranked = [doc for doc, _ in top(scored, final, plan.page * plan.per_page)]
    else:
        ranked = _ranked_by_whoosh(searcher, plan, final, matcher, arrays)
    words = query_words(searcher, plan.text) if plan.has_text else None
    shown = ranked[(plan.page - 1) * plan.per_page :]
    return [Hit(fields, snippet(searcher, fields, words)) for fields in map(_fields_of(searcher), shown)]


def _fields_of(searcher: Any) -> Any:
    return lambda doc: dict(searcher.stored_fields(doc))


def _ranked_by_whoosh(
    searcher: Any, plan: SearchPlan, final: Mask, matcher: Matcher, arrays: FacetArrays
) -> list[int]:
    """Documents of the pages up to the requested one, ranked by Whoosh: for phrases, prefixes
    and sorts other than relevance. Without filters Whoosh ranks on its own (and skips
    low-scoring blocks).

    Whoosh 2.7.4's inverse matcher (NOT) yields deleted documents, so Whoosh's own ranking is
    masked with every document that is not live, as well as the index's position marker.
    Ranked by relevance, the best `RERANKED` beyond the page are ranked again for dormancy.
    """
    limit = plan.page * plan.per_page
    extra = RERANKED if plan.sort == "relevance" else 0
    # No per-hit matched terms: recording them costs the collector on every match.
    options: dict[str, Any] = {"limit": limit + extra, "terms": False}
    if plan.filters or plan.updated_after or plan.updated_before:
        options["filter"] = set(np.flatnonzero(final).tolist())
    else:
        options["mask"] = _not_records(matcher)
    if plan.sort == "updated":
        options.update(sortedby="updated", reverse=True)
    elif plan.sort == "title":
        options.update(sortedby="title_sort")
    hits = list(searcher.search(plan.text, **options)[0 : limit + extra])
    if extra:
        dormant = arrays.dormant()
        hits.sort(key=lambda hit: -(hit.score or 0.0) * (DORMANT_WEIGHT if dormant[hit.docnum] else 1.0))
    return [hit.docnum for hit in hits[:limit]]


def _not_records(matcher: Matcher) -> set[int]:
    """Deleted and superseded documents, and the index's position marker: never a hit."""
    excluded = set(np.flatnonzero(~matcher.live).tolist())
    meta = matcher.searcher.document_number(id=META_ID)
    if meta is not None:
        excluded.add(meta)
    return excluded


def _newest(searcher: Any, arrays: FacetArrays, plan: SearchPlan, final: Mask) -> list[Hit]:
    """Without words, newest first straight from the cached column (no scoring, no sorting in Whoosh)."""
    start = (plan.page - 1) * plan.per_page
    docs = arrays.newest(final, start, start + plan.per_page)
    return [Hit(fields, plain_snippet(fields)) for fields in map(_fields_of(searcher), docs)]


def _suggestion(searcher: Any, plan: SearchPlan, raw_q: str, total: int) -> str | None:
    """A likely correction when the words found little."""
    if not plan.has_text or total >= 3:
        return None
    corrected = searcher.correct_query(plan.text, raw_q, prefix=1, maxdist=2)
    if corrected.query == plan.text or corrected.string.strip().lower() == raw_q.strip().lower():
        return None
    return str(corrected.string)
