"""Delivering webhook calls: one claim at a time (committed before the receiver is called),
a signed POST with bounded timeouts, and the outcome recorded.

A refusal or an error is tried again later, each wait twice the one before; after the last
attempt the delivery is `dead`. A webhook whose last three finished deliveries are dead is
disabled, and its council's contacts are told, in the same transaction. A delivery whose
mailer was killed mid-call is claimed again once its claim has run out and sent with the same
`X-Pipeline-Delivery`, so a receiver can drop the repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlmodel import Session, col, or_, select

from pipeline.errors import Invalid
from pipeline.services.collaboration.contact_mail import to_contact
from pipeline.services.collaboration.contacts import council_contacts
from pipeline.services.context import Registry
from pipeline.services.mail.outbox import mail_domain, queue
from pipeline.services.webhooks.addresses import check_webhook_url
from pipeline.services.webhooks.registration import webhook_secret
from pipeline.storage.models import Council
from pipeline.storage.webhooks import Webhook, WebhookDelivery
from pipeline.urls import api_path

log = logging.getLogger("pipeline.webhooks")
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
DEAD_TO_DISABLE = 3
USER_AGENT = "Pipeline-Webhooks/1"


@dataclass(frozen=True)
class Call:
    """A claimed delivery: everything the POST needs."""

    delivery_id: str
    webhook_id: str
    url: str
    body: bytes
    event: str
    secret: str


@dataclass(frozen=True)
class Answer:
    status: int | None
    error: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signature(secret: str, body: bytes) -> str:
    """`X-Pipeline-Signature`: sha256= and the hex HMAC-SHA256 of the raw body, keyed by the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver_webhooks(registry: Registry, now: datetime, *, most: int = 100) -> int:
    """Make every webhook call due at `now` (at most `most`); how many were delivered."""
    if not _anything_due(registry, now):
        return 0
    delivered = 0
    for _ in range(most):
        call = _claim_next(registry, now)
        if call is None:
            break
        answer = post(registry, call)
        _record(registry, call, answer, now)
        delivered += answer.ok
    return delivered


def post(registry: Registry, call: Call) -> Answer:
    """POST the change; the address is checked again first (its name may point elsewhere now)."""
    settings = registry.settings
    try:
        check_webhook_url(call.url, allow_private=settings.webhook_allow_private)
    except Invalid as refused:
        return Answer(None, refused.errors[0].message[:300])
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Pipeline-Delivery": call.delivery_id,
        "X-Pipeline-Event": call.event,
        "X-Pipeline-Signature": signature(call.secret, call.body),
    }
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream("POST", call.url, content=call.body, headers=headers) as response,
        ):
            return Answer(
                response.status_code, "" if response.is_success else f"answered {response.status_code}"
            )
    except httpx.HTTPError as error:
        return Answer(None, type(error).__name__)


def _due(now: datetime) -> Any:
    return or_(
        (col(WebhookDelivery.state) == "pending") & (col(WebhookDelivery.next_attempt_at) <= now),
        (col(WebhookDelivery.state) == "sending") & (col(WebhookDelivery.claimed_until) <= now),
    )


def _anything_due(registry: Registry, now: datetime) -> bool:
    with registry.reading() as session:
        return session.exec(select(WebhookDelivery.id).where(_due(now)).limit(1)).first() is not None


def _claim_next(registry: Registry, now: datetime) -> Call | None:
    claim = timedelta(
        seconds=max(registry.settings.mail_claim_seconds, 3 * registry.settings.webhook_timeout_seconds)
    )
    with registry.writing() as session:
        found = session.exec(
            select(WebhookDelivery, Webhook)
            .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(_due(now), col(Webhook.enabled))
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.change_seq))
        ).first()
        if found is None:
            return None
        delivery, webhook = found
        delivery.state, delivery.claimed_until = "sending", now + claim
        delivery.attempts += 1
        session.add(delivery)
        event = f"{delivery.entity_type}.{delivery.operation}"
        return Call(
            delivery.id,
            webhook.id,
            webhook.url,
            delivery.body.encode(),
            event,
            webhook_secret(registry, webhook),
        )


def _record(registry: Registry, call: Call, answer: Answer, now: datetime) -> None:
    with registry.writing() as session:
        delivery = session.get(WebhookDelivery, call.delivery_id)
        if delivery is None:  # the webhook was deleted meanwhile
            return
        delivery.last_status, delivery.last_error, delivery.claimed_until = answer.status, answer.error, None
        if answer.ok:
            delivery.state, delivery.delivered_at = "delivered", now
        else:
            dead = delivery.attempts >= registry.settings.webhook_attempts
            delivery.state = "dead" if dead else "pending"
            delivery.next_attempt_at = now + min(FIRST_WAIT * 2 ** (delivery.attempts - 1), LONGEST_WAIT)
            log.warning(
                "webhook delivery %s %s: %s", delivery.id, "dead" if dead else "will be retried", answer.error
            )
        session.add(delivery)
        session.flush()
        if delivery.state == "dead" and _failing(session, call.webhook_id):
            _disable(registry, session, call.webhook_id, answer, now)


def _failing(session: Session, webhook_id: str) -> bool:
    """The webhook's last few finished deliveries are all dead."""
    finished = session.exec(
        select(WebhookDelivery.state)
        .where(
            WebhookDelivery.webhook_id == webhook_id, col(WebhookDelivery.state).in_(("delivered", "dead"))
        )
        .order_by(col(WebhookDelivery.change_seq).desc())
        .limit(DEAD_TO_DISABLE)
    ).all()
    return len(finished) == DEAD_TO_DISABLE and all(state == "dead" for state in finished)


def _disable(registry: Registry, session: Session, webhook_id: str, answer: Answer, now: datetime) -> None:
    webhook = session.get(Webhook, webhook_id)
    council = session.get(Council, webhook.council_id) if webhook else None
    if webhook is None or council is None or not webhook.enabled:
        return
    webhook.enabled, webhook.disabled_at = False, now
    webhook.disabled_reason = (
        f"Disabled after {DEAD_TO_DISABLE} deliveries failed every attempt ({answer.error})."
    )
    session.add(webhook)
    body = (
        f"Pipeline has stopped calling a webhook of {council.short_name}:\n{webhook.url}\n\n"
        f"{webhook.disabled_reason}\n\nSee its deliveries: "
        f"{registry.urls.absolute(api_path('webhooks', webhook.id, 'deliveries'))}\n"
        f"Register it again (POST {api_path('webhooks')}) once the receiver works.\n"
    )
    for address in council_contacts(session, council.id):
        queue(
            session,
            to_contact(
                registry,
                session,
                council.id,
                address,
                f"[Pipeline] A webhook of {council.short_name} was disabled",
                body,
            ),
            key=f"webhook-disabled:{webhook.id}:{address}",
            purpose="webhook-disabled",
            now=now,
            domain=mail_domain(registry.settings.public_url),
        )
