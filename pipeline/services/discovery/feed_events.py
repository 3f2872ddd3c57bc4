"""What happens around records, as feed items: project updates, interest in a project, and a
council's use of a product.

Each is its own item (its own id and date) in every feed whose search includes the record it
is about: the newest events are looked up in the database, then kept if the feed's search
matches their record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import escape
from sqlmodel import Session, col, select

from pipeline.schemas.feeds import FeedAuthor, FeedItem, PipelineExtension
from pipeline.services.collaboration.updates import update_url
from pipeline.services.context import Registry
from pipeline.services.discovery.search import SearchRequest, records_matching
from pipeline.storage.collaboration import ProductAdoption, ProjectInterest, ProjectUpdate
from pipeline.storage.models import Council, Product, Project, RecordBase
from pipeline.urls import Urls, record_api_path

LOOKED_AT = 500  # the newest events of each kind considered for a feed


@dataclass(frozen=True)
class Event:
    """Something that happened about a record, ready to be a feed item."""

    record_id: str
    at: datetime
    item: FeedItem


def feed_events(registry: Registry, request: SearchRequest, limit: int) -> list[FeedItem]:
    """The newest `limit` events about records `request` matches, newest first."""
    with registry.reading() as session:
        events = sorted(_events(session, registry.urls), key=lambda e: e.at, reverse=True)
    included = records_matching(registry, request, {e.record_id for e in events})
    return [e.item for e in events if e.record_id in included][:limit]


def _events(session: Session, urls: Urls) -> Iterator[Event]:
    yield from _updates(session, urls)
    yield from _interest(session, urls)
    yield from _uses(session, urls)


def _newest(session: Session, table: Any, record: Any, record_key: Any, at: Any) -> Iterable[Any]:
    """The newest rows of `table` with the record they are about and the council that acted."""
    return session.exec(
        select(table, record, Council)
        .join(record, col(record.id) == col(record_key))
        .join(Council, col(Council.id) == col(table.council_id))
        .order_by(col(at).desc())
        .limit(LOOKED_AT)
    )


def _updates(session: Session, urls: Urls) -> Iterator[Event]:
    rows = _newest(session, ProjectUpdate, Project, ProjectUpdate.project_id, ProjectUpdate.posted_at)
    for update, project, council in rows:
        yield _event(
            urls,
            f"urn:uuid:{update.id}",
            ("update", project, "project", update_url(urls, project.slug, update.id), "updates"),
            f"Update on {project.title}, {update.happened_on:%-d %B %Y}",
            update.text,
            update.posted_at,
            council,
        )


def _interest(session: Session, urls: Urls) -> Iterator[Event]:
    rows = _newest(session, ProjectInterest, Project, ProjectInterest.project_id, ProjectInterest.created_at)
    for declared, project, council in rows:
        offer = declared.offer.replace("-", " ")
        note = f" Their note: {declared.note}" if declared.note else ""
        yield _event(
            urls,
            f"urn:uuid:{declared.id}",
            ("interest", project, "project", f"{urls.page('project', project.slug)}#interest", "interest"),
            f"{council.short_name} is interested in {project.title}",
            f"{council.short_name} would like to {offer}.{note}",
            declared.created_at,
            council,
        )


def _uses(session: Session, urls: Urls) -> Iterator[Event]:
    rows = _newest(session, ProductAdoption, Product, ProductAdoption.product_id, ProductAdoption.declared_at)
    for adoption, product, council in rows:
        yield _event(
            urls,
            f"urn:uuid:{adoption.id}",
            ("adoption", product, "product", f"{urls.page('product', product.slug)}#users", "users"),
            f"{council.short_name} uses {product.title}",
            adoption.use_case or f"{council.short_name} says it uses this product.",
            adoption.declared_at,
            council,
        )


def _event(
    urls: Urls,
    item_id: str,
    about: tuple[str, RecordBase, str, str, str],
    title: str,
    text: str,
    at: datetime,
    council: Council,
) -> Event:
    """`about`: the event's type, its record and that record's type, its page, its API list."""
    event_type, record, record_type, page, listing = about
    item = FeedItem(
        id=item_id,
        url=page,
        title=title,
        content_html=f"<p>{escape(text)}</p>",
        content_text=text,
        summary=text,
        date_published=at,
        date_modified=at,
        authors=[FeedAuthor(name=council.short_name, url=urls.page("council", council.slug))],
        tags=[],
        pipeline=PipelineExtension(
            type=event_type,
            gss_codes=[council.gss_code] if council.gss_code else [],
            councils=[council.slug],
            phase=None,
            service_areas=[],
            api_url=urls.absolute(record_api_path(record_type, record.slug, listing)),
            version=1,
            record=f"urn:uuid:{record.id}",
        ),
    )
    return Event(record.id, at, item)
