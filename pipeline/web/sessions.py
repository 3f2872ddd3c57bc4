"""Browser sessions: a signed cookie holding a session key whose hash the database keeps."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from itsdangerous import BadSignature, TimestampSigner
from litestar import Request
from litestar.datastructures import Cookie

from pipeline.config import Settings
from pipeline.services.context import Registry
from pipeline.services.identity.people import user_for_session

SESSION_COOKIE = "pipeline_session"


class SessionCookies:
    """Signs session keys into cookies: HttpOnly, SameSite=Lax, Secure over https, expiring."""

    def __init__(self, settings: Settings, key: str) -> None:
        self.signer = TimestampSigner(key, salt="pipeline.session")
        self.max_age = settings.session_hours * 3600
        self.secure = settings.is_https

    def cookie(self, session_secret: str) -> Cookie:
        value = self.signer.sign(session_secret).decode()
        return self._cookie(value, self.max_age)

    def cleared(self) -> Cookie:
        return self._cookie("", 0)

    def _cookie(self, value: str, max_age: int) -> Cookie:
        return Cookie(
            key=SESSION_COOKIE,
            value=value,
            max_age=max_age,
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
        )

    def secret_in(self, request: Request[Any, Any, Any]) -> str | None:
        """The session key of a validly signed, unexpired cookie, if the request has one."""
        value = request.cookies.get(SESSION_COOKIE)
        if not value:
            return None
        try:
            return self.signer.unsign(value, max_age=self.max_age).decode()
        except BadSignature:
            return None


async def load_user(request: Request[Any, Any, Any]) -> None:
    """Before each page: who is signed in, if anyone (a database read, off the event loop)."""
    cookies: SessionCookies = request.app.state.cookies
    registry: Registry = request.app.state.registry
    secret = cookies.secret_in(request)
    user = await anyio.to_thread.run_sync(user_for_session, registry, secret) if secret else None
    request.state.user = user
    request.state.session_secret = secret if user else None
