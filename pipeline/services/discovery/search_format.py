"""Search results as the API shows them: pure functions of the executor's raw results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pipeline import lgsl
from pipeline.schemas.search import FacetValue, SearchHit, SearchLinks
from pipeline.search.executor import Hit
from pipeline.services.councils.directory import council_ref
from pipeline.services.records.pagination import next_link
from pipeline.storage.models import Council
from pipeline.urls import Urls, api_path
from pipeline.vocab import SERVICE_AREA_LABELS


def hit_out(hit: Hit, councils: dict[str, Council], urls: Urls) -> SearchHit:
    """One hit as the API shows it: its council by slug, its addresses, its snippet as found."""
    fields = hit.fields
    owner = councils.get(str(fields.get("owner", "")))
    record_type = str(fields["type"])
    updated: datetime = fields["updated"]
    return SearchHit(
        type=record_type,  # type: ignore[arg-type]
        id=str(fields["id"]),
        slug=str(fields["slug"]),
        title=str(fields["title"]),
        council=council_ref(owner, urls) if owner else None,
        phase=str(fields.get("phase") or "") or None,
        updated_at=updated.replace(tzinfo=UTC),
        url=urls.api(record_type, str(fields["slug"])),
        html_url=urls.page(record_type, str(fields["slug"])),
        snippet=hit.snippet,
    )


def facet_values(
    name: str, counts: list[tuple[str, int]], councils: dict[str, Council], regions: dict[str, str]
) -> list[FacetValue]:
    return [
        FacetValue(value=value, label=facet_label(name, value, councils, regions), count=count)
        for value, count in counts
    ]


def facet_label(name: str, value: str, councils: dict[str, Council], regions: dict[str, str]) -> str:
    if name == "council" and value in councils:
        return councils[value].short_name
    if name == "region":
        return regions.get(value, value)
    if name == "service_area":
        return SERVICE_AREA_LABELS.get(value, value)
    if name == "lgsl":
        return lgsl.label_of(value)
    if name == "dormant":
        return {"yes": "Not confirmed for nine months", "no": "Confirmed in the last nine months"}.get(
            value, value
        )
    return value.replace("-", " ").capitalize() if name in ("type", "phase") else value


def page_links(urls: Urls, params: dict[str, Any], page: int, per_page: int, total: int) -> SearchLinks:
    """This page, the next and previous ones, and the feeds of the same search (any order, all pages)."""
    path = api_path("search")

    def at(number: int) -> str:
        return next_link(urls, path, {**params, "page": number if number > 1 else None}, None)

    last_page = max(1, -(-total // per_page))
    followed = {**params, "sort": None, "per_page": None}
    return SearchLinks(
        self=at(page),
        next=at(page + 1) if page < last_page else None,
        prev=at(page - 1) if page > 1 else None,
        json_feed=next_link(urls, api_path("feed.json"), followed, None),
        atom_feed=next_link(urls, api_path("feed.atom"), followed, None),
    )
