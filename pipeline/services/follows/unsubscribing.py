"""One-click unsubscribe (RFC 8058): a link signed with the service's key over what it ends (a
follow, or being one of a council's contacts), working without signing in, for `LINK_DAYS`;
nothing secret is stored. Every email but a sign-in link and an administrator's notice has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, URLSafeTimedSerializer

from pipeline.errors import Invalid
from pipeline.keys import secret_key
from pipeline.services.collaboration.contacts import contact_council_name, stop_contact
from pipeline.services.context import Registry
from pipeline.services.follows.following import followed, remove_follow
from pipeline.storage.follows import Follow

LINK_DAYS = 90
SALT = "pipeline.unsubscribe"
PATH = "/unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe link ends: a follow (`follow_id`) or a contact (`contact_id`), and
    what it is about in words (None if it has gone already)."""

    follow_id: str | None
    label: str | None
    contact_id: str | None = None


def unsubscribe_headers(registry: Registry, follow_id: str) -> dict[str, str]:
    """The headers that let a mail client unsubscribe in one click."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(registry, follow_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe_url(registry: Registry, follow_id: str) -> str:
    return registry.urls.absolute(f"{PATH}/{_serializer(registry).dumps(follow_id)}")


def contact_unsubscribe_headers(registry: Registry, contact: str) -> dict[str, str]:
    """For email to a council's contact: one click stops their being a contact."""
    url = registry.urls.absolute(f"{PATH}/{_serializer(registry).dumps(['contact', contact])}")
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def read_unsubscribe(registry: Registry, token: str, now: datetime) -> Unsubscribe:
    """What a link ends (a follow or a contact); Invalid if the link is forged or too old."""
    try:
        signed, signed_at = _serializer(registry).loads(token, return_timestamp=True)
    except (BadData, ValueError, TypeError):
        raise Invalid.one(
            "link", "This is not a Pipeline unsubscribe link. Check it was copied whole."
        ) from None
    if isinstance(signed, list) and len(signed) == 2 and signed[0] == "contact":
        return _contact_link(registry, str(signed[1]), signed_at, now)
    if not isinstance(signed, str):
        raise Invalid.one("link", "This is not a Pipeline unsubscribe link.")
    follow_id = signed
    _check_age(signed_at, now)
    with registry.reading() as session:
        row = session.get(Follow, follow_id)
        label = followed(session, registry, row).label if row is not None else None
    return Unsubscribe(follow_id, label)


def unsubscribe(registry: Registry, token: str, now: datetime) -> Unsubscribe:
    """End what a valid link names (doing it twice is harmless)."""
    found = read_unsubscribe(registry, token, now)
    if found.follow_id is not None:
        remove_follow(registry, found.follow_id)
    if found.contact_id is not None:
        stop_contact(registry, found.contact_id)
    return found


def _contact_link(registry: Registry, contact: str, signed_at: datetime, now: datetime) -> Unsubscribe:
    _check_age(signed_at, now)
    name = contact_council_name(registry, contact)
    label = f"messages for {name} and its records (you are one of its contacts)" if name else None
    return Unsubscribe(None, label, contact_id=contact)


def _check_age(signed_at: datetime, now: datetime) -> None:
    if now - signed_at > timedelta(days=LINK_DAYS):
        raise Invalid.one(
            "link",
            f"This link has expired: links work for {LINK_DAYS} days. Use the link in a newer"
            " email, or sign in and open “Your email updates” or “Your council”.",
        )


def _serializer(registry: Registry) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(registry.settings), salt=SALT)
