"""Search results across every record type."""

from __future__ import annotations

from datetime import datetime

from pipeline.schemas.common import CouncilRef, Output
from pipeline.vocab import RecordType


class SearchHit(Output, kw_only=True):
    """One matching record. `snippet` is HTML: matches in <mark>, everything else escaped."""

    type: RecordType
    id: str
    slug: str
    title: str
    council: CouncilRef | None
    phase: str | None
    updated_at: datetime
    url: str
    html_url: str
    snippet: str


class FacetValue(Output, kw_only=True):
    value: str
    label: str
    count: int


class SearchLinks(Output, kw_only=True):
    self: str
    next: str | None = None
    prev: str | None = None
    json_feed: str = ""  # follow this search: its records, newest change first
    atom_feed: str = ""


class SearchPage(Output, kw_only=True):
    """A page of results with exact facet counts (for the query and the other filters)."""

    total: int
    page: int
    per_page: int
    items: list[SearchHit]
    facets: dict[str, list[FacetValue]]
    suggestion: str | None
    links: SearchLinks
