"""Security headers on every response, the CSP nonce, and the key that signs cookies."""

from __future__ import annotations

import secrets
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from pipeline.config import Settings

NONCE_KEY = "csp_nonce"


def content_security_policy(nonce: str) -> str:
    """Nothing from outside this service; inline script only with this response's nonce."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def security_headers(nonce: str, https: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(nonce),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    }
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def csp_nonce(scope: Scope) -> str:
    """This response's nonce for inline script: made on first use, kept in the request scope."""
    state: dict[str, Any] = scope.setdefault("state", {})
    nonce: str = state.setdefault(NONCE_KEY, secrets.token_urlsafe(16))
    return nonce


def security_headers_hook(settings: Settings) -> Any:
    """A before-send hook: the headers go on every response, errors and static files included."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        response_headers = MutableScopeHeaders.from_message(message)
        for name, value in security_headers(csp_nonce(scope), settings.is_https).items():
            if name not in response_headers:
                response_headers[name] = value

    return add_headers
