"""API tokens as their holders and administrators see them."""

from __future__ import annotations

from datetime import datetime

from pipeline.schemas.common import Output


class TokenOut(Output, kw_only=True):
    """A token's public facts; the secret itself is never stored or shown again."""

    id: str
    name: str
    prefix: str
    council: str | None
    is_admin: bool
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(Output, kw_only=True):
    token: str
    details: TokenOut
