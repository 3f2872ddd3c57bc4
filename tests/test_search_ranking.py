"""Relevance ranking with NumPy gives Whoosh's own BM25F scores and order, on a real index."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from whoosh import highlight
from whoosh import query as wq

from pipeline.config import load_settings
from pipeline.demo.seed import seed
from pipeline.demo.synthetic import seed_synthetic
from pipeline.search.fields import META_ID
from pipeline.search.query import parse_text
from pipeline.search.ranking import scored_terms, scores, top
from pipeline.search.snippets import HIGHLIGHTER, best_fragments, fragments, query_words
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.storage.migrate import upgrade

QUERIES = [
    "repairs",
    "housing repairs",
    "council residents",
    "missed bin",
    "bins OR waste",
    "parking -permits",
    "(housing OR homes) repairs",
    "care",
    "data sharing",
    "school transport",
    "+digital -housing",
    "title:repairs content:tenants",
]


@pytest.fixture(scope="module")
def index_registry(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Demo records and synthetic ones, written in batches so the index has several segments,
    and changed so that some documents are deleted. The index is what is tested: it is built
    once, from a registry of its own."""
    folder = tmp_path_factory.mktemp("ranking")
    registry = Registry(load_settings({}, data_dir=str(folder)))
    upgrade(registry.engine)
    seed(registry, SYSTEM)
    registry.search.catch_up(wait=True)
    for batch in range(3):
        seed_synthetic(registry, SYSTEM, 120, seed=batch + 1, chunk=60)
        registry.search.catch_up(wait=True)
    yield registry
    registry.close()


def whoosh_ranking(searcher: Any, matcher: Any, query: wq.Query, limit: int) -> list[tuple[int, float]]:
    excluded = set(np.flatnonzero(~matcher.live).tolist()) | {searcher.document_number(id=META_ID)}
    return [
        (hit.docnum, hit.score) for hit in searcher.search(query, limit=limit, mask=excluded, terms=False)
    ]


@pytest.mark.parametrize("text", QUERIES)
def test_scores_and_order_are_whooshs(index_registry: Registry, text: str) -> None:
    query = parse_text(text)
    terms = scored_terms(query)
    assert terms is not None, text
    with index_registry.search.view() as (searcher, matcher, _):
        assert len(matcher.leaves) > 1  # several segments
        assert not matcher.live.all()  # and deleted documents
        allowed = matcher.mask(query)
        allowed[searcher.document_number(id=META_ID)] = False
        expected = whoosh_ranking(searcher, matcher, query, 30)
        ranked = top(scores(searcher, matcher, index_registry.search.lengths, terms), allowed, 30)
    assert expected, text
    assert [s for _, s in ranked] == pytest.approx([s for _, s in expected], rel=1e-9)
    # The same documents in the same order, except where scores tie at the end of the list.
    cut = expected[-1][1]
    assert [d for d, s in ranked if s != pytest.approx(cut)] == [
        d for d, s in expected if s != pytest.approx(cut)
    ]


@pytest.mark.parametrize("text", ['"housing repairs"', "repai*", "council:hackney", "type:project repairs"])
def test_phrases_prefixes_and_fields_are_left_to_whoosh(text: str) -> None:
    assert scored_terms(parse_text(text)) is None


def test_ties_are_broken_by_document_number_and_kept_whole_at_the_cut() -> None:
    scored = np.asarray([1.0, 3.0, 2.0, 3.0, 2.0, 0.0])
    allowed = np.asarray([True, True, True, True, True, False])
    assert top(scored, allowed, 3) == [(1, 3.0), (3, 3.0), (2, 2.0)]
    assert top(scored, allowed, 10) == [(1, 3.0), (3, 3.0), (2, 2.0), (4, 2.0), (0, 1.0)]
    assert top(scored, ~allowed, 2) == [(5, 0.0)]


@pytest.mark.parametrize("text", [*QUERIES, '"housing repairs"', "repai*"])
def test_snippet_passages_are_those_of_whooshs_analyzer(index_registry: Registry, text: str) -> None:
    """Passages are cut from one regular-expression pass over the stored text, not by running
    the analyzer again, and are the same passages with the same words marked."""
    query = parse_text(text)
    compared = 0
    with index_registry.search.view() as (searcher, matcher, _):
        words = query_words(searcher, query)
        for doc in np.flatnonzero(matcher.mask(query))[:40]:
            fields = searcher.stored_fields(int(doc))
            for field in ("title", "content"):
                body, wanted = str(fields.get(field) or ""), words[field]
                tokens = searcher.schema[field].analyzer(
                    body, positions=True, chars=True, mode="index", removestops=False
                )
                merged = HIGHLIGHTER._merge_matched_tokens(highlight.set_matched_filter(tokens, wanted))
                expected = HIGHLIGHTER.fragmenter.fragment_tokens(body, merged)
                assert passages(fragments(body, wanted)) == passages(expected)
                compared += bool(wanted)
    assert compared, text


def passages(found: Any) -> list[tuple[int, int, list[tuple[int, int]]]]:
    return [(f.startchar, f.endchar, [(t.startchar, t.endchar) for t in f.matches]) for f in found]


def test_the_best_passages_are_shown_in_text_order_and_ties_go_to_the_earliest() -> None:
    text = "Bins are missed. " + "Filler words here. " * 30 + "Missed bins again. " + "More. " * 40 + "Bins."
    wanted = frozenset({"bin", "miss"})
    found = fragments(text, wanted)
    assert len(found) == 3
    chosen = best_fragments(found, 2)
    assert [f.startchar for f in chosen] == sorted(f.startchar for f in chosen)
    assert chosen == [found[0], found[1]]  # two words each, against the last passage's one
    assert best_fragments(found[2:], 2) == [found[2]]
