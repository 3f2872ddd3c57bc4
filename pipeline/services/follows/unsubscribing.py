"""One-click unsubscribe (RFC 8058): a link signed with the service's key over the follow it
ends, working without signing in, for `LINK_DAYS`; nothing secret is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, URLSafeTimedSerializer

from pipeline.errors import Invalid
from pipeline.keys import secret_key
from pipeline.services.context import Registry
from pipeline.services.follows.following import followed, remove_follow
from pipeline.storage.follows import Follow

LINK_DAYS = 90
SALT = "pipeline.unsubscribe"
PATH = "/unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe link ends: the follow, and what it is about (None if already gone)."""

    follow_id: str
    label: str | None


def unsubscribe_headers(registry: Registry, follow_id: str) -> dict[str, str]:
    """The headers that let a mail client unsubscribe in one click."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(registry, follow_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe_url(registry: Registry, follow_id: str) -> str:
    return registry.urls.absolute(f"{PATH}/{_serializer(registry).dumps(follow_id)}")


def read_unsubscribe(registry: Registry, token: str, now: datetime) -> Unsubscribe:
    """The follow a link ends; Invalid if the link is forged or too old."""
    try:
        follow_id, signed_at = _serializer(registry).loads(token, return_timestamp=True)
    except (BadData, ValueError, TypeError):
        raise Invalid.one(
            "link", "This is not a Pipeline unsubscribe link. Check it was copied whole."
        ) from None
    if not isinstance(follow_id, str):
        raise Invalid.one("link", "This is not a Pipeline unsubscribe link.")
    if now - signed_at > timedelta(days=LINK_DAYS):
        raise Invalid.one(
            "link",
            f"This link has expired: links work for {LINK_DAYS} days. Use the link in a newer"
            " email, or sign in and open “Your email updates”.",
        )
    with registry.reading() as session:
        row = session.get(Follow, follow_id)
        label = followed(session, registry, row).label if row is not None else None
    return Unsubscribe(follow_id, label)


def unsubscribe(registry: Registry, token: str, now: datetime) -> Unsubscribe:
    """End the follow a valid link names (doing it twice is harmless)."""
    found = read_unsubscribe(registry, token, now)
    remove_follow(registry, found.follow_id)
    return found


def _serializer(registry: Registry) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(registry.settings), salt=SALT)
