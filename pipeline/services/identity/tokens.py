"""API tokens: random, shown once, stored hashed, scoped to one council or admin, expiring."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import datetime, timedelta

from sqlmodel import col, select

from pipeline.errors import Invalid, NotFound, Unauthenticated
from pipeline.schemas.tokens import TokenCreated, TokenOut
from pipeline.services.context import Registry
from pipeline.services.councils.directory import resolve_council
from pipeline.services.identity.actors import Actor, require_admin
from pipeline.services.records.changelog import utcnow
from pipeline.storage.models import ApiToken, Council

TOKEN_PREFIX = "pl_"  # noqa: S105  (a marker that makes leaked tokens easy to scan for)
LAST_USED_RESOLUTION = timedelta(minutes=10)
_DURATION = re.compile(r"^(?P<n>[1-9][0-9]{0,4})(?P<unit>[hdw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_duration(text: str) -> timedelta | None:
    """'90d', '12h', '2w' as a timedelta; 'never' as None."""
    if text == "never":
        return None
    match = _DURATION.match(text.strip())
    if match is None:
        raise Invalid.one("expires", f"'{text}' is not a duration such as 90d, 12h, 2w or never.")
    return int(match["n"]) * _UNITS[match["unit"]]


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    registry: Registry,
    actor: Actor,
    *,
    council: str | None,
    admin: bool = False,
    lifetime: timedelta | None,
    name: str = "",
) -> TokenCreated:
    """Make a token for one council, or an admin token; the secret is returned only here."""
    require_admin(actor)
    if admin == (council is not None):
        raise Invalid.one("council", "A token is either for one council or an admin token.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    with registry.writing() as session:
        council_row = resolve_council(session, council, "council") if council else None
        token = ApiToken(
            id=str(uuid.uuid4()),
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(secret),
            council_id=council_row.id if council_row else None,
            is_admin=admin,
            created_at=now,
            expires_at=now + lifetime if lifetime else None,
        )
        session.add(token)
        session.flush()
        return TokenCreated(token=secret, details=_out(token, council_row))


def list_tokens(registry: Registry, actor: Actor) -> list[TokenOut]:
    require_admin(actor)
    with registry.reading() as session:
        rows = session.exec(select(ApiToken).order_by(col(ApiToken.created_at)))
        return [_out(t, session.get(Council, t.council_id) if t.council_id else None) for t in rows]


def revoke_token(registry: Registry, actor: Actor, token_id: str) -> TokenOut:
    require_admin(actor)
    with registry.writing() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"No token has id '{token_id}'.")
        token.revoked_at = token.revoked_at or utcnow()
        session.add(token)
        return _out(token, session.get(Council, token.council_id) if token.council_id else None)


def authenticate(registry: Registry, secret: str) -> Actor:
    """The actor a bearer token stands for; revoked, expired and unknown tokens are refused."""
    digest = hash_token(secret)
    now = utcnow()
    with registry.reading() as session:
        token = session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise Unauthenticated("This API token is not valid.")
    if token.revoked_at is not None:
        raise Unauthenticated("This API token has been revoked.")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthenticated("This API token has expired.")
    _note_use(registry, token, now)
    return Actor("token", id=token.id, council_id=token.council_id, is_admin=token.is_admin)


def _note_use(registry: Registry, token: ApiToken, now: datetime) -> None:
    # Coarse on purpose: a write per request would serialise every authenticated call.
    if token.last_used_at and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    with registry.writing() as session:
        stored = session.get(ApiToken, token.id)
        if stored is not None:
            stored.last_used_at = now
            session.add(stored)


def _out(token: ApiToken, council: Council | None) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        council=(council.gss_code or council.slug) if council else None,
        is_admin=token.is_admin,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )
