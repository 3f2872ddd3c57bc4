"""Error pages: what went wrong in words, and what to do next."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.response import Redirect, Template

from pipeline.errors import DomainError, Unauthenticated
from pipeline.web.rendering import page

log = logging.getLogger("pipeline.web")

TITLES = {
    400: "There is a problem with this request",
    403: "You cannot do this",
    404: "Page not found",
    405: "Page not found",
    413: "That was too much to send",
    429: "Too many requests",
    500: "Sorry, there is a problem with the service",
}


def error_page(request: Request[Any, Any, Any], status: int, detail: str) -> Template:
    title = TITLES.get(status, TITLES[400 if status < 500 else 500])
    return page(request, "error.html", title=title, status=status, detail=detail, status_code=status)


def domain_error_page(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, Unauthenticated) and request.method == "GET":
        return Redirect("/sign-in", status_code=303)
    return error_page(request, exc.status, exc.detail)


def http_error_page(request: Request[Any, Any, Any], exc: HTTPException) -> Template:
    if isinstance(exc, PermissionDeniedException) and "CSRF" in (exc.detail or ""):
        detail = (
            "This form was open too long or came from another site. Go back, reload the page and try again."
        )
        return error_page(request, 403, detail)
    detail = {404: "If you typed the web address, check it is correct."}.get(exc.status_code, exc.detail)
    return error_page(request, exc.status_code, detail or "")


def internal_error_page(request: Request[Any, Any, Any], exc: Exception) -> Template:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500, "Try again later. The problem has been logged.")


PAGE_EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_page,
    HTTPException: http_error_page,
    Exception: internal_error_page,
}
