"""From the change log to deliveries: each enabled webhook gets a delivery for every change
its search includes, in log order.

A webhook keeps its position in the log. In one transaction the deliveries for the changes
after it (up to what the search index has applied, since the search is asked of the index)
are written and the position moves past them: a crash writes all of them or none, and no
change is delivered twice. A deletion is delivered to every webhook that was sent the record
before, and an empty search includes every change.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from sqlmodel import Session, col, select

from pipeline.services.context import Registry
from pipeline.services.discovery.saved_searches import read_saved_search
from pipeline.services.discovery.search import records_matching
from pipeline.services.discovery.sync import logged_change
from pipeline.services.records.changelog import record_of_change
from pipeline.storage.models import Change
from pipeline.storage.webhooks import Webhook, WebhookDelivery

BATCH = 500


def dispatch_changes(registry: Registry, now: datetime) -> int:
    """Write the deliveries of every change not yet dispatched; how many were written."""
    indexed = registry.search.applied_seq()
    with registry.reading() as session:
        behind = session.exec(
            select(Webhook.id).where(col(Webhook.enabled), col(Webhook.position) < indexed)
        ).all()
    return sum(_dispatch(registry, webhook_id, indexed, now) for webhook_id in behind)


def _dispatch(registry: Registry, webhook_id: str, indexed: int, now: datetime) -> int:
    with registry.reading() as session:
        webhook = session.get(Webhook, webhook_id)
        if webhook is None or not webhook.enabled:
            return 0
        start = webhook.position
        changes = list(
            session.exec(
                select(Change)
                .where(col(Change.seq) > start, col(Change.seq) <= indexed)
                .order_by(col(Change.seq))
                .limit(BATCH)
            )
        )
        chosen = _included(registry, session, webhook, changes)
    end = changes[-1].seq if len(changes) == BATCH and changes[-1].seq else indexed
    with registry.writing() as session:
        webhook = session.get(Webhook, webhook_id)
        if webhook is None or webhook.position != start:  # deleted, or dispatched by another
            return 0
        for change in chosen:
            session.add(_delivery(webhook.id, change, now))
        webhook.position = end
        session.add(webhook)
    return len(chosen)


def _included(registry: Registry, session: Session, webhook: Webhook, changes: list[Change]) -> list[Change]:
    if not webhook.search:
        return changes
    about = {change.seq: record_of_change(change) for change in changes}
    wanted = records_matching(
        registry, read_saved_search(webhook.search, "query").request, {r for r in about.values() if r}
    )
    deleted = {c.entity_id for c in changes if c.operation == "delete"}
    told = set(
        session.exec(
            select(WebhookDelivery.entity_id).where(
                WebhookDelivery.webhook_id == webhook.id, col(WebhookDelivery.entity_id).in_(deleted)
            )
        )
    )
    told |= {record for record in about.values() if record and record in wanted}  # in this very batch
    return [
        change
        for change in changes
        if about[change.seq] in wanted or (change.operation == "delete" and change.entity_id in told)
    ]


def _delivery(webhook_id: str, change: Change, now: datetime) -> WebhookDelivery:
    assert change.seq is not None
    return WebhookDelivery(
        id=str(uuid.uuid4()),
        webhook_id=webhook_id,
        change_seq=change.seq,
        entity_type=change.entity_type,
        entity_id=change.entity_id,
        operation=change.operation,
        body=msgspec.json.encode(logged_change(change)).decode(),
        created_at=now,
        next_attempt_at=now,
    )
