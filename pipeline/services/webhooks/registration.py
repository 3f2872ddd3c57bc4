"""Registering a webhook (a council's token), reading and deleting it, and its deliveries.

The secret is not stored: it is an HMAC of the webhook's random salt under the service's key,
made again whenever a delivery is signed, and shown to the council once, when registered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import delete
from sqlmodel import Session, col, select

from pipeline.errors import Forbidden, Invalid, NotFound
from pipeline.keys import secret_key
from pipeline.schemas.webhooks import (
    DeliveryList,
    DeliveryOut,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
)
from pipeline.services.context import Registry
from pipeline.services.councils.directory import council_ref
from pipeline.services.discovery.saved_searches import read_saved_search
from pipeline.services.identity.actors import Actor, require_writer
from pipeline.services.records.changelog import utcnow
from pipeline.services.records.ids import canonical_id
from pipeline.services.webhooks.addresses import check_webhook_url
from pipeline.storage.changes import latest_seq
from pipeline.storage.models import Council
from pipeline.storage.webhooks import Webhook, WebhookDelivery
from pipeline.urls import api_path

MOST_PER_COUNCIL = 20
DELIVERIES_LISTED = 100


def register_webhook(registry: Registry, actor: Actor, data: WebhookIn) -> WebhookCreated:
    """A new webhook for the caller's council, from the next change on; with its secret."""
    with registry.reading() as session:  # who may, before anything is looked up for the address
        council_id = _callers_council(session, actor).id
    saved = read_saved_search(data.query, "query")
    url = check_webhook_url(data.url.strip(), allow_private=registry.settings.webhook_allow_private)
    with registry.writing() as session:
        council = session.get(Council, council_id)
        assert council is not None
        owned = session.exec(select(Webhook.id).where(Webhook.council_id == council.id)).all()
        if len(owned) >= MOST_PER_COUNCIL:
            raise Invalid.one("url", f"A council may have at most {MOST_PER_COUNCIL} webhooks.")
        webhook = Webhook(
            id=str(uuid.uuid4()),
            council_id=council.id,
            url=url,
            search=saved.text,
            salt=secrets.token_hex(16),
            created_by=actor.id or "",
            created_at=utcnow(),
            position=latest_seq(session),
        )
        session.add(webhook)
        session.flush()
        out = _out(registry, webhook, council)
    return WebhookCreated(
        **{f: getattr(out, f) for f in out.__struct_fields__}, secret=webhook_secret(registry, webhook)
    )


def list_webhooks(registry: Registry, actor: Actor) -> WebhookList:
    with registry.reading() as session:
        query = select(Webhook, Council).join(Council, col(Council.id) == col(Webhook.council_id))
        if not actor.is_admin:
            query = query.where(Webhook.council_id == _callers_council(session, actor).id)
        rows = session.exec(query.order_by(col(Webhook.created_at)))
        return WebhookList(items=[_out(registry, webhook, council) for webhook, council in rows])


def get_webhook(registry: Registry, actor: Actor, webhook_id: str) -> WebhookOut:
    with registry.reading() as session:
        webhook = _own(session, actor, webhook_id)
        council = session.get(Council, webhook.council_id)
        assert council is not None
        return _out(registry, webhook, council)


def delete_webhook(registry: Registry, actor: Actor, webhook_id: str) -> None:
    with registry.writing() as session:
        webhook = _own(session, actor, webhook_id)
        session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook.id))
        session.delete(webhook)


def list_deliveries(registry: Registry, actor: Actor, webhook_id: str) -> DeliveryList:
    with registry.reading() as session:
        webhook = _own(session, actor, webhook_id)
        rows = session.exec(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook.id)
            .order_by(col(WebhookDelivery.change_seq).desc())
            .limit(DELIVERIES_LISTED)
        )
        return DeliveryList(items=[_delivery_out(row) for row in rows])


def webhook_secret(registry: Registry, webhook: Webhook) -> str:
    """The webhook's signing secret, made again from the service's key and its salt."""
    key = secret_key(registry.settings).encode()
    digest = hmac.new(key, f"webhook:{webhook.id}:{webhook.salt}".encode(), hashlib.sha256).digest()
    return "whsec_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _callers_council(session: Session, actor: Actor) -> Council:
    require_writer(actor)
    council = session.get(Council, actor.council_id) if actor.council_id else None
    if council is None:
        raise Forbidden("A webhook belongs to a council: register it with that council's token.")
    return council


def _own(session: Session, actor: Actor, webhook_id: str) -> Webhook:
    require_writer(actor)
    found_id = canonical_id(webhook_id)
    webhook = session.get(Webhook, found_id) if found_id else None
    if webhook is None or not (actor.is_admin or actor.council_id == webhook.council_id):
        raise NotFound(f"Your council has no webhook with id '{webhook_id}'.")
    return webhook


def _out(registry: Registry, webhook: Webhook, council: Council) -> WebhookOut:
    return WebhookOut(
        id=webhook.id,
        url=webhook.url,
        query=webhook.search,
        council=council_ref(council, registry.urls),
        created_at=webhook.created_at,
        enabled=webhook.enabled,
        disabled_reason=webhook.disabled_reason or None,
        deliveries_url=registry.urls.absolute(api_path("webhooks", webhook.id, "deliveries")),
    )


def _delivery_out(row: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        change_seq=row.change_seq,
        type=row.entity_type,
        operation=row.operation,
        state=row.state,
        attempts=row.attempts,
        last_status=row.last_status,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at if row.state in ("pending", "sending") else None,
        delivered_at=row.delivered_at,
    )
