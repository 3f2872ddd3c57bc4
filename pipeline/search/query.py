"""Turn a search request into a plan: a text query, filters and a sort. Pure: no index needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser, PlusMinusPlugin
from whoosh.qparser.dateparse import DateParserPlugin

from pipeline.errors import InvalidQuery
from pipeline.search.fields import KEYWORD_FACETS, TEXT_FIELDS, build_schema

MAX_QUERY_TERMS = 40
MIN_PREFIX = 2
_SCHEMA = build_schema()


@dataclass(frozen=True)
class SearchPlan:
    """What to search for, how to filter and sort, and which page to return."""

    text: wq.Query
    has_text: bool
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    with_facets: bool = True  # count the facets (a feed does not show them)


def make_parser() -> MultifieldParser:
    """Words must all match (stemmed); "phrases", OR, -not, +must, prefix*, field:value."""
    parser = MultifieldParser(list(TEXT_FIELDS), _SCHEMA, fieldboosts={"title": 2.0})
    parser.add_plugin(PlusMinusPlugin())
    parser.remove_plugin_class(DateParserPlugin)
    parser.group = AndGroup
    return parser


_PARSER = make_parser()


def parse_text(text: str) -> wq.Query:
    """The query for the `q` parameter; Invalid('q', reason) when it cannot be used."""
    return _parsed(text.strip())


@lru_cache(maxsize=4096)
def _parsed(stripped: str) -> wq.Query:
    """Remembered: Whoosh's parser takes about 1.5 ms a query, and people repeat searches.
    Queries are never changed once made (Whoosh's operations return new ones)."""
    if stripped in ("", "*"):
        return wq.Every()
    try:
        parsed = _PARSER.parse(stripped)
    except Exception as exc:
        raise InvalidQuery.one("q", f"The search could not be understood: {exc}.") from None
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        return wq.Every()  # only operators or punctuation: nothing to look for
    _check_bounds(parsed)
    return parsed


def _check_bounds(parsed: wq.Query) -> None:
    leaves = list(parsed.leaves())
    if len(leaves) > MAX_QUERY_TERMS:
        raise InvalidQuery.one("q", f"Use at most {MAX_QUERY_TERMS} words and phrases in one search.")
    for leaf in leaves:
        if isinstance(leaf, (wq.Prefix, wq.Wildcard)):
            literal = str(leaf.text).split("*")[0].split("?")[0]
            if len(literal) < MIN_PREFIX:
                raise InvalidQuery.one(
                    "q", f"Put at least {MIN_PREFIX} letters before a * in '{leaf.text}*'."
                )
        if leaf.field() not in (None, *TEXT_FIELDS, *KEYWORD_FACETS):
            raise InvalidQuery.one("q", f"'{leaf.field()}:' is not a field you can search.")


def build_plan(
    *,
    q: str | None,
    filters: dict[str, list[str]],
    updated_after: datetime | None,
    updated_before: datetime | None,
    sort: str | None,
    page: int,
    per_page: int,
    with_facets: bool = True,
) -> SearchPlan:
    text = parse_text(q or "")
    has_text = not isinstance(text, wq.Every)
    chosen_sort = sort or ("relevance" if has_text else "updated")
    if updated_after and updated_before and updated_before < updated_after:
        raise InvalidQuery.one("updated_before", "This must be after updated_after.")
    cleaned = {
        name: tuple(dict.fromkeys(v.strip().lower() for v in values if v.strip()))
        for name, values in filters.items()
        if any(v.strip() for v in values)
    }
    return SearchPlan(
        text=text,
        has_text=has_text,
        filters=cleaned,
        updated_after=updated_after,
        updated_before=updated_before,
        sort=chosen_sort if has_text or chosen_sort != "relevance" else "updated",
        page=page,
        per_page=per_page,
        with_facets=with_facets,
    )


def expansion_terms(text: wq.Query) -> list[tuple[str, str]]:
    """(field, prefix) of every prefix or wildcard term: bounded against the index's lexicon."""
    return [
        (leaf.field(), str(leaf.text)) for leaf in text.leaves() if isinstance(leaf, (wq.Prefix, wq.Wildcard))
    ]
