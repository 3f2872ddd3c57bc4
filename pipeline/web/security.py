"""Security headers on every response, the CSP nonce, and the key that signs cookies."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from pipeline.config import Settings

SECRET_FILE = "secret_key"  # noqa: S105  (the file name, not a secret)
MIN_SECRET_LENGTH = 32
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


def secret_key(settings: Settings) -> str:
    """The configured key, or one made once and kept in the data folder for every local worker."""
    if settings.secret_key:
        if len(settings.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(f"PIPELINE_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters.")
        return settings.secret_key
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        _create_secret_file(path)
    return path.read_text().strip()


def _create_secret_file(path: Path) -> None:
    """Write the key beside the target, then link it into place: readers never see half a key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another worker made it first; theirs is the key
    finally:
        draft.unlink()
