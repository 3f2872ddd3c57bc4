"""Feeds of records (newest change first) for any search: one service call, two formats.

Every feed is a search sorted by last change: everything, a record type, a council (its
records and those it takes part in), a service area, a tag, or any words and filters. Its
first page also carries the newest events about the records it includes (project updates,
interest, use), each its own item.
Validators come from the change log: any change anywhere makes a new ETag, so a consumer's
conditional GET is answered 304 until something has changed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from markupsafe import escape
from sqlmodel import col, select

from pipeline.schemas.feeds import (
    JSON_FEED_VERSION,
    FeedAuthor,
    FeedItem,
    FeedVersion,
    JsonFeed,
    PipelineExtension,
)
from pipeline.services.context import Registry, Scope
from pipeline.services.discovery.feed_events import feed_events
from pipeline.services.discovery.search import SearchRequest, search_records
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import build_outs
from pipeline.services.records.pagination import next_link
from pipeline.storage.models import RECORD_TABLES, Change
from pipeline.urls import Urls, api_path

PAGE_SIZE = 50
FEED_PATH = api_path("feed")


def feed_version(registry: Registry) -> FeedVersion:
    """The change the search index (where feeds come from) has applied, and when it was made.

    Feeds are searches, so their validators follow the index, not the database: a feed's
    content and its ETag always describe the same change. The time is looked up once per change.
    """
    seq = registry.search.applied_seq()
    at = registry.answer(("change-time", seq), lambda: _change_time(registry, seq))
    return FeedVersion(seq=seq, at=at)


def known_feed_version(registry: Registry) -> FeedVersion | None:
    """The feed version, if this process knows it is current without opening the index.

    Cheap enough for the event loop: no lock, no database, no searcher. None means: ask
    `feed_version` (the index has committed since this process last looked, or the change's
    time is not kept).
    """
    seq = registry.search.known_applied_seq()
    at = registry.answers.peek(seq, ("change-time", seq)) if seq is not None else None
    return FeedVersion(seq=seq, at=at) if seq is not None and at is not None else None


def _change_time(registry: Registry, seq: int) -> datetime:
    with registry.reading() as session:
        at = session.exec(select(Change.at).where(Change.seq == seq)).first() if seq else None
    return at or datetime(2000, 1, 1, tzinfo=UTC)


def record_feed(registry: Registry, request: SearchRequest, fmt: str) -> JsonFeed:
    """One page of records matching `request`, newest change first, as a JSON Feed document.

    Kept until the index next changes, so a page many readers poll is built once per change.
    """
    return registry.answer(("feed", request.key(), fmt), lambda: _record_feed(registry, request, fmt))


def _record_feed(registry: Registry, request: SearchRequest, fmt: str) -> JsonFeed:
    asked = replace(request, sort="updated", per_page=PAGE_SIZE, with_facets=False)
    page = search_records(registry, asked)
    items = _items(registry, [(hit.type, hit.id) for hit in page.items])
    if asked.page == 1:  # what happened about the records comes first, as news does
        items = _newest_first(items + feed_events(registry, request, PAGE_SIZE))
    params = {**asked.params(), "sort": None, "per_page": None}
    last = -(-page.total // PAGE_SIZE)
    return JsonFeed(
        version=JSON_FEED_VERSION,
        language="en-GB",
        title=_title(asked),
        home_page_url=next_link(registry.urls, "/search", params, None),
        feed_url=next_link(registry.urls, f"{FEED_PATH}.{fmt}", {**params, "page": _page(asked.page)}, None),
        description="Records from Pipeline, the collaboration registry of UK councils, newest change first.",
        next_url=next_link(registry.urls, f"{FEED_PATH}.{fmt}", {**params, "page": asked.page + 1}, None)
        if asked.page < last
        else None,
        items=items,
    )


def _newest_first(items: list[FeedItem]) -> list[FeedItem]:
    return sorted(items, key=lambda item: item.date_modified, reverse=True)


def _page(page: int) -> int | None:
    return page if page > 1 else None


def _title(request: SearchRequest) -> str:
    parts = [f"“{request.q}”"] if request.q else []
    parts += [f"{name.replace('_', ' ')}: {', '.join(values)}" for name, values in request.filters.items()]
    return "Pipeline: " + ("; ".join(parts) if parts else "everything")


def _items(registry: Registry, hits: list[tuple[str, str]]) -> list[FeedItem]:
    """The full records behind the hits, in the hits' order, loaded once per record type."""
    outs: dict[str, Any] = {}
    with registry.reading() as session:
        scope = Scope(session, registry.urls)
        for record_type, kind in KINDS.items():
            ids = [record_id for t, record_id in hits if t == record_type]
            if ids:
                table = RECORD_TABLES[record_type]
                rows = list(session.exec(select(table).where(col(table.id).in_(ids))))
                outs |= {out.id: out for out in build_outs(scope, kind, rows)}  # type: ignore[attr-defined]
    return [_item(outs[record_id], registry.urls) for _, record_id in hits if record_id in outs]


def _item(record: Any, urls: Urls) -> FeedItem:
    owner = getattr(record, "lead_council", None) or record.council
    councils = [owner, *[p.council for p in getattr(record, "partners", [])], *getattr(record, "used_by", [])]
    councils += list(getattr(record, "councils", []))
    unique = list({c.slug: c for c in councils}.values())
    return FeedItem(
        id=f"urn:uuid:{record.id}",
        url=record.html_url,
        title=record.title,
        content_html=f"<p>{escape(record.summary)}</p>",
        content_text=record.summary,
        summary=record.summary,
        date_published=record.created_at,
        date_modified=record.updated_at,
        authors=[FeedAuthor(name=owner.name, url=urls.page("council", owner.slug))],
        tags=list(record.tags),
        pipeline=PipelineExtension(
            type=record.type,
            gss_codes=[c.gss_code for c in unique if c.gss_code],
            councils=[c.slug for c in unique],
            phase=getattr(record, "phase", None),
            service_areas=list(record.service_areas),
            api_url=record.url,
            version=record.version,
        ),
    )
