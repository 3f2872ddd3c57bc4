"""The API's checks before any handler runs: credentials, then the address, then the body."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

import anyio.to_thread
import msgspec
from litestar import Request
from litestar.exceptions import HTTPException

from pipeline.dependencies import provide_actor, provide_registry
from pipeline.errors import BadInput, Invalid, Unauthenticated
from pipeline.services.identity.actors import ANONYMOUS, Actor
from pipeline.services.identity.tokens import authenticate
from pipeline.services.records.validation import convert_input
from pipeline.services.untrusted import check_untrusted, has_control_characters, loads_json

JSON_TYPES = {"application/json", "application/merge-patch+json"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


async def before_api_request(request: Request[Any, Any, Any]) -> None:
    """Before any handler runs: who is asking (bad tokens are 401 on reads too, RFC 6750), then
    401 for a write without credentials, and only then the body: its type, size and shape.

    An anonymous caller thus learns nothing of the validator of a route it may not use.
    """
    if request.headers.get("authorization"):
        # A database lookup: keep it off the event loop.
        request.state.actor = await anyio.to_thread.run_sync(_authenticate, request)
    require_credentials(request)
    refuse_control_characters_in_address(request)
    require_json_body(request)
    await check_body(request)


def require_credentials(request: Request[Any, Any, Any]) -> None:
    """Writes need an identity, except on routes that say `opt={"anonymous": True}` (/match)."""
    if request.method not in WRITE_METHODS or request.route_handler.opt.get("anonymous"):
        return
    if provide_actor(request).is_anonymous:
        raise Unauthenticated("Writing needs an API token: send Authorization: Bearer <token>.")


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


def refuse_control_characters_in_address(request: Request[Any, Any, Any]) -> None:
    """NUL and other C0 controls are never meaningful in an address's path or parameters."""
    if has_control_characters(unquote_plus(request.url.path + "?" + request.url.query)):
        raise Invalid.one("query", "The address holds control characters, which are not allowed.")


async def check_body(request: Request[Any, Any, Any]) -> None:
    """A body is UTF-8, and a JSON body is strict JSON within bounds that fits its type exactly.

    Duplicate keys and nesting past the limit are 400 (the JSON is unusable); control characters
    and a value of the wrong type (`"5"` for a number) are 422 naming the field.
    """
    if request.method not in BODY_METHODS or not _has_body(request):
        return
    _require_utf8(request)
    body = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES or request.route_handler.opt.get("body_types"):
        # Files (imports) are read by their service, which names each problem's line.
        if b"\x00" in body:
            raise Invalid.one("body", "NUL characters are not allowed.")
        return
    value = _strict_json(body)
    check_untrusted(value)
    _check_type(request, value)


def _require_utf8(request: Request[Any, Any, Any]) -> None:
    charset = _charset(request.headers.get("content-type", ""))
    if charset and charset not in ("utf-8", "utf8"):
        raise HTTPException(status_code=415, detail=f"Send the body as UTF-8, not '{charset}'.")


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def _strict_json(body: bytes) -> Any:
    try:
        return loads_json(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadInput.one("body", "The body is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise BadInput.one("body", f"The body is not valid JSON: {exc.msg} (line {exc.lineno}).") from None
    except ValueError as exc:
        raise BadInput.one("body", str(exc)) from None


def _check_type(request: Request[Any, Any, Any], value: Any) -> None:
    """Strict types: Litestar itself would coerce "5" to 5 and "true" to True."""
    field = request.route_handler.parsed_data_field
    annotation = field.annotation if field is not None else None
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        convert_input(value, annotation)
