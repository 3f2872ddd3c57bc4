"""Request-scoped inputs of every handler: the registry, the actor, the content-type rule."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException

from pipeline.errors import Invalid
from pipeline.services.actors import ANONYMOUS, Actor
from pipeline.services.registry import Registry
from pipeline.services.tokens import authenticate

JSON_TYPES = {"application/json", "application/merge-patch+json"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def provide_registry(request: Request[Any, Any, Any]) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """The caller, as authenticated before the handler ran."""
    actor: Actor = request.state.get("actor", ANONYMOUS)
    return actor


async def before_api_request(request: Request[Any, Any, Any]) -> None:
    """Refuse non-JSON bodies and bad tokens before any handler runs, on reads too (RFC 6750)."""
    require_json_body(request)
    await refuse_nul_characters(request)
    if request.headers.get("authorization"):
        # A database lookup: keep it off the event loop.
        request.state.actor = await anyio.to_thread.run_sync(_authenticate, request)


def _authenticate(request: Request[Any, Any, Any]) -> Actor:
    header = request.headers.get("authorization")
    if not header:
        return ANONYMOUS
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise HTTPException(
            status_code=401,
            detail="Send the token as: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": 'Bearer realm="pipeline"'},
        )
    return authenticate(provide_registry(request), secret.strip())


def require_json_body(request: Request[Any, Any, Any]) -> None:
    """Bodies of writes must say they are JSON (or, for file uploads, a file format the route
    names in its `body_types` option); anything else is 415, before any parsing."""
    if request.method not in BODY_METHODS or not _has_body(request):
        return
    allowed: tuple[str, ...] | None = request.route_handler.opt.get("body_types")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in (allowed or JSON_TYPES):
        wanted = ", ".join(allowed) if allowed else "application/json"
        raise HTTPException(
            status_code=415,
            detail=f"Send the body as {wanted}, not '{media_type or 'nothing'}'.",
        )


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in request.headers


RegistryDep = NamedDependency[Registry]
ActorDep = NamedDependency[Actor]


async def refuse_nul_characters(request: Request[Any, Any, Any]) -> None:
    """NUL is never meaningful in this API's text, and PostgreSQL cannot store or compare it."""
    where = None
    if "\x00" in request.url.path or "%00" in request.url.query:
        where = "query"
    elif request.method in BODY_METHODS and _has_nul(await request.body()):
        where = "body"
    if where:
        raise Invalid.one(where, "NUL characters are not allowed.")


def _has_nul(body: bytes) -> bool:
    """A NUL byte, or one escaped in JSON."""
    return b"\x00" in body or b"\\u0000" in body.lower()
