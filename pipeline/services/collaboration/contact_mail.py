"""Email to a council's contact: with a one-click unsubscribe that stops their being one."""

from __future__ import annotations

from sqlmodel import Session

from pipeline.services.collaboration.contacts import contact_id
from pipeline.services.context import Registry
from pipeline.services.follows.unsubscribing import contact_unsubscribe_headers
from pipeline.services.mail.transports import Email


def to_contact(
    registry: Registry,
    session: Session,
    council_id: str,
    address: str,
    subject: str,
    body: str,
    reply_to: str | None = None,
) -> Email:
    """An email to `address`, a contact of the council `council_id` (or named for one of its
    records), with `List-Unsubscribe` for it."""
    contact = contact_id(session, council_id, address)
    headers = contact_unsubscribe_headers(registry, contact) if contact else {}
    return Email(address, subject, body, reply_to=reply_to, headers=headers)
