"""Search across projects, products, findings and code links, with facets and snippets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select

from pipeline import lgsl
from pipeline.errors import InvalidQuery
from pipeline.schemas.search import SearchPage
from pipeline.search.executor import RawResults
from pipeline.search.query import SearchPlan, build_plan
from pipeline.services.context import Registry
from pipeline.services.councils.directory import find_council
from pipeline.services.discovery.search_format import facet_values, hit_out, page_links
from pipeline.storage.models import Council
from pipeline.text import slugify


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    with_facets: bool = True

    def narrows(self) -> bool:
        """Whether it asks for fewer than all records (words, filters or dates)."""
        return bool(self.q.strip() or self.filters or self.updated_after or self.updated_before)

    def key(self) -> tuple[Any, ...]:
        """Everything that decides the answer, hashable (for the answers kept per index change)."""
        filters = tuple(sorted((name, tuple(values)) for name, values in self.filters.items()))
        dates = (self.updated_after, self.updated_before)
        return (self.q, filters, dates, self.sort, self.page, self.per_page, self.with_facets)

    def params(self) -> dict[str, Any]:
        return {
            "q": self.q,
            **self.filters,
            "updated_after": self.updated_after,
            "updated_before": self.updated_before,
            "sort": self.sort,
            "per_page": self.per_page,
        }


def search_records(registry: Registry, request: SearchRequest) -> SearchPage:
    """One page of results for a query and filters; councils may be named by GSS code or slug.

    Kept until the index next changes: a repeated search is not run again.
    """
    # Kept per day too: a record becomes possibly dormant as days pass, with no change.
    return registry.answer(("search", request.key(), date.today()), lambda: _search(registry, request))


def _search(registry: Registry, request: SearchRequest) -> SearchPage:
    with registry.reading() as session:
        raw = registry.search.run(_plan(session, request), request.q)
        wanted = select(Council).where(col(Council.slug).in_(_slugs(raw)))
        councils = {c.slug: c for c in session.exec(wanted)}
        regions = {slugify(r): r for r in session.exec(select(Council.region).distinct()) if r}
    return SearchPage(
        total=raw.total,
        page=request.page,
        per_page=request.per_page,
        items=[hit_out(hit, councils, registry.urls) for hit in raw.hits],
        facets={name: facet_values(name, counts, councils, regions) for name, counts in raw.facets.items()},
        suggestion=raw.suggestion,
        links=page_links(registry.urls, request.params(), request.page, request.per_page, raw.total),
    )


def matching_records(registry: Registry, request: SearchRequest) -> list[tuple[str, str]]:
    """(type, id) of every record a search matches, newest change first (for exports)."""
    with registry.reading() as session:
        plan = _plan(session, request)
    return registry.search.matching(plan)


def records_matching(registry: Registry, request: SearchRequest, ids: Iterable[str]) -> set[str]:
    """Which of these record ids the search matches (for follows, webhooks and feed events)."""
    wanted = list(ids)
    if not wanted:
        return set()
    with registry.reading() as session:
        plan = _plan(session, request)
    return registry.search.which_match(plan, wanted)


def _plan(session: Any, request: SearchRequest) -> SearchPlan:
    """The index's plan for a request; councils may be named by GSS code or slug."""
    filters = dict(request.filters)
    if filters.get("council"):
        filters["council"] = [_council_slug(session, key) for key in filters["council"]]
    refused = lgsl.filter_refusal(filters.get("lgsl", []))
    if refused:
        raise InvalidQuery.one("lgsl", refused)
    return build_plan(
        q=request.q,
        filters=filters,
        updated_after=request.updated_after,
        updated_before=request.updated_before,
        sort=request.sort,
        page=request.page,
        per_page=request.per_page,
        with_facets=request.with_facets,
    )


def _council_slug(session: Any, key: str) -> str:
    council = find_council(session, key)
    return council.slug if council else key.lower()


def _slugs(raw: RawResults) -> set[str]:
    found = {str(hit.fields.get("owner", "")) for hit in raw.hits}
    found |= {value for value, _ in raw.facets.get("council", [])}
    return found
