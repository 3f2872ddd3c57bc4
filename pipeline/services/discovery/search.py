"""Search across projects, products, findings and code links, with facets and snippets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from pipeline.schemas.search import FacetValue, SearchHit, SearchLinks, SearchPage
from pipeline.search.executor import Hit, RawResults
from pipeline.search.query import SearchPlan, build_plan
from pipeline.services.context import Registry
from pipeline.services.councils.directory import council_ref, find_council
from pipeline.services.records.pagination import next_link
from pipeline.storage.models import Council
from pipeline.text import slugify
from pipeline.urls import api_path
from pipeline.vocab import SERVICE_AREA_LABELS


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
    return registry.answer(("search", request.key()), lambda: _search(registry, request))


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
        items=[_hit(registry, hit, councils) for hit in raw.hits],
        facets={name: _facet(name, counts, councils, regions) for name, counts in raw.facets.items()},
        suggestion=raw.suggestion,
        links=_links(registry, request, raw.total),
    )


def matching_records(registry: Registry, request: SearchRequest) -> list[tuple[str, str]]:
    """(type, id) of every record a search matches, newest change first (for exports)."""
    with registry.reading() as session:
        plan = _plan(session, request)
    return registry.search.matching(plan)


def _plan(session: Any, request: SearchRequest) -> SearchPlan:
    """The index's plan for a request; councils may be named by GSS code or slug."""
    filters = dict(request.filters)
    if filters.get("council"):
        filters["council"] = [_council_slug(session, key) for key in filters["council"]]
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


def _hit(registry: Registry, hit: Hit, councils: dict[str, Council]) -> SearchHit:
    fields = hit.fields
    owner = councils.get(str(fields.get("owner", "")))
    record_type = str(fields["type"])
    updated: datetime = fields["updated"]
    return SearchHit(
        type=record_type,  # type: ignore[arg-type]
        id=str(fields["id"]),
        slug=str(fields["slug"]),
        title=str(fields["title"]),
        council=council_ref(owner, registry.urls) if owner else None,
        phase=str(fields.get("phase") or "") or None,
        updated_at=updated.replace(tzinfo=UTC),
        url=registry.urls.api(record_type, str(fields["slug"])),
        html_url=registry.urls.page(record_type, str(fields["slug"])),
        snippet=hit.snippet,
    )


def _facet(
    name: str, counts: list[tuple[str, int]], councils: dict[str, Council], regions: dict[str, str]
) -> list[FacetValue]:
    return [
        FacetValue(value=value, label=_label(name, value, councils, regions), count=count)
        for value, count in counts
    ]


def _label(name: str, value: str, councils: dict[str, Council], regions: dict[str, str]) -> str:
    if name == "council" and value in councils:
        return councils[value].short_name
    if name == "region":
        return regions.get(value, value)
    if name == "service_area":
        return SERVICE_AREA_LABELS.get(value, value)
    return value.replace("-", " ").capitalize() if name in ("type", "phase") else value


def _links(registry: Registry, request: SearchRequest, total: int) -> SearchLinks:
    path = api_path("search")
    params = request.params()

    def at(page: int) -> str:
        return next_link(registry.urls, path, {**params, "page": page if page > 1 else None}, None)

    last_page = max(1, -(-total // request.per_page))
    followed = {**params, "sort": None, "per_page": None}
    return SearchLinks(
        self=at(request.page),
        next=at(request.page + 1) if request.page < last_page else None,
        prev=at(request.page - 1) if request.page > 1 else None,
        json_feed=next_link(registry.urls, api_path("feed.json"), followed, None),
        atom_feed=next_link(registry.urls, api_path("feed.atom"), followed, None),
    )
