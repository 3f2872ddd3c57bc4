"""Map every error to an RFC 9457 problem+json response, naming the offending field."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

from pipeline.errors import DomainError, FieldError, Invalid, ServiceBusy, TooManyRequests
from pipeline.schemas.common import Problem, ProblemField
from pipeline.services.exchange.line_errors import FileErrors, LineError
from pipeline.services.records.validation import field_error

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("pipeline.api")

STATUS_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service busy",
}
STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "busy",
}


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: Sequence[FieldError | LineError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    body = Problem(
        type="about:blank",
        title=title or STATUS_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code or STATUS_CODES.get(status, "error"),
        instance=request.url.path,
        errors=[ProblemField(field=e.field, message=e.message, line=_line(e)) for e in errors or []],
    )
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _line(error: FieldError | LineError) -> int | None:
    """The line of a problem in an uploaded file (none for a problem in a JSON body)."""
    return getattr(error, "line", None) or None


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    errors: list[FieldError] | list[LineError] | None = None
    if isinstance(exc, Invalid | FileErrors):
        errors = exc.errors
    headers = {"WWW-Authenticate": 'Bearer realm="pipeline"'} if exc.status == 401 else {}
    if isinstance(exc, TooManyRequests | ServiceBusy):
        headers["Retry-After"] = str(exc.retry_after)
    return problem_response(
        request, exc.status, exc.detail, code=exc.code, title=exc.title, errors=errors, headers=headers
    )


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    """Litestar's own validation: malformed JSON (400), bad body fields (422), bad parameters (400)."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    body_type = _body_type(request)
    errors = [_extra_error(item, body_type) for item in extra if isinstance(item, dict)]
    in_body = any(item.get("source") == "body" for item in extra if isinstance(item, dict))
    if not errors:
        return problem_response(
            request, 400, _clean(exc.detail), errors=[FieldError("body", _clean(exc.detail))]
        )
    status = 422 if in_body else 400
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem_response(request, status, detail, errors=errors)


def _body_type(request: Request[Any, Any, Any]) -> Any:
    data_field = request.route_handler.parsed_data_field
    return data_field.annotation if data_field is not None else None


def _extra_error(item: dict[str, Any], body_type: Any) -> FieldError:
    message = str(item.get("message", "Invalid value."))
    key = str(item.get("key") or "body")
    if item.get("source") == "body":
        # Litestar names the field it failed on ("data" for the body itself); msgspec's own
        # message carries no path then, so put the key back in front of it.
        path = "" if key == "data" else key
        return field_error(f"{message} - at `$.{path}`" if path else message, body_type)
    parsed = field_error(message)
    return FieldError(key, parsed.message)


def _clean(detail: str) -> str:
    return re.sub(r"^Validation failed for \w+ \S+:?\s*", "", detail) or "The request is not valid."


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    generic = not exc.detail or exc.detail.lower() == STATUS_TITLES.get(status, "").lower()
    detail = _default_detail(status) if generic else exc.detail
    errors = None
    if status == 400 and request.method in ("POST", "PUT", "PATCH"):
        # Litestar's body decoder: say plainly that the JSON itself is broken.
        detail = detail if "JSON" in detail else f"The body is not valid JSON: {detail}."
        errors = [FieldError("body", detail)]
    return problem_response(request, status, detail, errors=errors, headers=exc.headers)


def _default_detail(status: int) -> str:
    return {
        404: "There is nothing at this address.",
        405: "This address does not accept that method.",
        413: "The request body is larger than the service accepts.",
    }.get(status, STATUS_TITLES.get(status, "Error"))


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "Something went wrong on our side. It has been logged.")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI response entries for the problem statuses a route can answer with."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=STATUS_TITLES.get(status, "Error"),
            examples=[
                Example(
                    value={
                        "type": "about:blank",
                        "title": STATUS_TITLES.get(status, ""),
                        "status": status,
                        "detail": "...",
                        "code": STATUS_CODES.get(status, ""),
                    }
                )
            ],
        )
        for status in statuses
    }
