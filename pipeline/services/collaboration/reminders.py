"""Keeping "used by" true: eleven months after a council last confirmed it uses a product, its
contacts are asked to confirm again, with a one-click link.

The link is signed with the service's key over the declaration and the confirmation it asks
about, so it stops working once used (the confirmation it names is no longer the latest) and
after `LINK_DAYS`; nothing secret is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlmodel import col, or_, select

from pipeline.errors import Invalid
from pipeline.keys import secret_key
from pipeline.services.collaboration.adoption import confirm_declaration
from pipeline.services.collaboration.contact_mail import to_contact
from pipeline.services.collaboration.contacts import council_contacts
from pipeline.services.context import Registry
from pipeline.services.mail.outbox import mail_domain, queue
from pipeline.services.records.changelog import utcnow
from pipeline.storage.collaboration import ProductAdoption
from pipeline.storage.models import Council, Product

REMIND_AFTER = timedelta(days=335)  # eleven months
LINK_DAYS = 30
SALT = "pipeline.confirm-use"


@dataclass(frozen=True)
class ConfirmLink:
    """What a confirm link asks about, once its signature, age and freshness are checked."""

    adoption_id: str
    product_slug: str
    product_title: str
    council_name: str


def remind_due(registry: Registry, now: datetime) -> int:
    """Queue a reminder for every declaration last confirmed eleven months ago; how many."""
    serializer = _serializer(registry)
    sent = 0
    unreminded = or_(
        col(ProductAdoption.reminded_for).is_(None),
        col(ProductAdoption.reminded_for) != col(ProductAdoption.confirmed_at),
    )
    due = (col(ProductAdoption.confirmed_at) <= now - REMIND_AFTER) & unreminded
    with registry.reading() as session:  # the usual poll: no write lock taken for nothing
        if session.exec(select(ProductAdoption.id).where(due).limit(1)).first() is None:
            return 0
    with registry.writing() as session:
        rows = session.exec(
            select(ProductAdoption, Product, Council)
            .join(Product, col(Product.id) == col(ProductAdoption.product_id))
            .join(Council, col(Council.id) == col(ProductAdoption.council_id))
            .where(due)
        ).all()
        for adoption, product, council in rows:
            token = serializer.dumps([adoption.id, adoption.confirmed_at.isoformat()])
            link = registry.urls.absolute(f"/confirm-use/{token}")
            body = (
                f"{council.short_name} said on Pipeline that it uses the product “{product.title}”."
                f" Nobody has confirmed it since {adoption.confirmed_at:%d %B %Y}.\n\n"
                f"If you still use it, confirm with one click (for {LINK_DAYS} days):\n{link}\n\n"
                "If you no longer use it, withdraw the declaration on the product's page:"
                f" {registry.urls.page('product', product.slug)}\n"
                "Unconfirmed for 12 months, it stops counting as a council using the product.\n"
            )
            domain = mail_domain(registry.settings.public_url)
            for address in council_contacts(session, council.id):
                subject = f"[Pipeline] Does {council.short_name} still use {product.title}?"
                email = to_contact(registry, session, council.id, address, subject, body)
                key = f"use-reminder:{adoption.id}:{adoption.confirmed_at.isoformat()}:{address}"
                queue(session, email, key=key, purpose="use-reminder", now=now, domain=domain)
            adoption.reminded_for = adoption.confirmed_at
            session.add(adoption)
            sent += 1
    return sent


def read_link(registry: Registry, token: str, now: datetime) -> ConfirmLink:
    """The declaration a link confirms; Invalid if it is forged, too old or already used."""
    try:
        (adoption_id, confirmed), signed_at = _serializer(registry).loads(token, return_timestamp=True)
    except (BadData, ValueError, TypeError):
        raise Invalid.one("link", "This is not a Pipeline confirmation link.") from None
    if now - signed_at > timedelta(days=LINK_DAYS):
        raise Invalid.one("link", f"This link has expired: links work for {LINK_DAYS} days.")
    with registry.reading() as session:
        found = session.exec(
            select(ProductAdoption, Product, Council)
            .join(Product, col(Product.id) == col(ProductAdoption.product_id))
            .join(Council, col(Council.id) == col(ProductAdoption.council_id))
            .where(ProductAdoption.id == adoption_id)
        ).first()
    if found is None or found[0].confirmed_at.isoformat() != confirmed:
        raise Invalid.one("link", "This link has already been used, or the declaration has changed since.")
    adoption, product, council = found
    return ConfirmLink(adoption.id, product.slug, product.title, council.short_name)


def confirm_by_link(registry: Registry, token: str) -> ConfirmLink:
    """Confirm the declaration a valid link names, for its council (single use)."""
    now = utcnow()
    link = read_link(registry, token, now)
    confirm_declaration(registry, link.adoption_id, now)
    return link


def _serializer(registry: Registry) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(registry.settings), salt=SALT)
