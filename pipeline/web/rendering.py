"""Rendering a page: the template, plus what every page needs (who is signed in, navigation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from pipeline.errors import FieldError
from pipeline.services.identity.people import SignedInUser
from pipeline.urls import api_path
from pipeline.web.security import csp_nonce

FLASH_COOKIE = "pipeline_flash"
FLASH_MESSAGES = {
    "saved": "Your changes have been saved.",
    "created": "The record has been registered.",
    "confirmed": "Thank you. The project is confirmed as still active.",
    "signed-in": "You are signed in.",
    "signed-out": "You have signed out.",
    "contact-on": "You will receive messages for your council.",
    "contact-off": "You will no longer receive messages for your council.",
    "contact-saved": "Saved: who receives messages about this record.",
    "interest-on": "Your council's interest is recorded, and the project's council has been told.",
    "interest-off": "Your council's interest has been withdrawn.",
    "use-on": "Recorded: your council uses this product. The product's council has been told.",
    "use-confirmed": "Thank you: your council's use is confirmed for another 12 months.",
    "use-off": "Your council's declaration has been withdrawn.",
    "update-posted": "Your update is posted.",
    "follow-on": "Done: you will get email updates on it.",
    "follow-changed": "Saved: how often you get these email updates.",
    "follow-off": "Done: you will no longer get those email updates.",
}


@dataclass(frozen=True)
class Alternate:
    """A `<link rel="alternate">`: the same content in another format."""

    type: str
    href: str
    title: str


def feed_alternates(query: str, title: str) -> list[Alternate]:
    """Autodiscovery links to the JSON Feed and Atom feed of a search (`query` is its query string)."""
    suffix = f"?{query}" if query else ""
    return [
        Alternate("application/feed+json", api_path("feed.json") + suffix, f"{title} (JSON Feed)"),
        Alternate("application/atom+xml", api_path("feed.atom") + suffix, f"{title} (Atom)"),
    ]


def error_list(errors: list[FieldError], field_ids: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Errors for the GOV.UK error summary, each linking to its field."""
    ids = field_ids or {}
    return [{"text": e.message, "href": "#" + ids.get(e.field, e.field.replace(".", "-"))} for e in errors]


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    title: str,
    status: int = 200,
    errors: list[dict[str, str]] | None = None,
    alternates: list[Alternate] | None = None,
    **context: Any,
) -> Template:
    user: SignedInUser | None = request.state.get("user")
    flash_key = request.cookies.get(FLASH_COOKIE, "")
    response = Template(
        template_name=template,
        status_code=status,
        media_type="text/html; charset=utf-8",
        context={
            "title": title,
            "errors": errors or [],
            "alternates": alternates or [],
            "user": user,
            "csp_nonce": csp_nonce(request.scope),
            "nav_items": _navigation(request.url.path, user),
            "flash": FLASH_MESSAGES.get(flash_key, ""),
            "error_for": {e["href"].lstrip("#"): e["text"] for e in errors or []},
            **context,
        },
        headers={"Cache-Control": "no-store"} if user else None,
    )
    if flash_key:
        response.cookies.append(Cookie(key=FLASH_COOKIE, value="", max_age=0, path="/", httponly=True))
    return response


def cannot_page(
    request: Request[Any, Any, Any],
    reason: str,
    next_step: str,
    *,
    title: str = "This link cannot be used",
    next_link: tuple[str, str] | None = None,
) -> Template:
    """A 400 page for a link or request that cannot be used: why, and what to do instead
    (`next_link` is an address and its words, after `next_step`)."""
    href, text = next_link or ("", "")
    return page(
        request,
        "link_invalid.html",
        title=title,
        status=400,
        reason=reason,
        next_step=next_step,
        next_href=href,
        next_text=text,
    )


def redirect_with_flash(path: str, flash: str) -> Redirect:
    """After a successful POST: go to `path` (303) and say what happened there once."""
    cookie = Cookie(key=FLASH_COOKIE, value=flash, max_age=60, path="/", httponly=True, samesite="lax")
    return Redirect(path, status_code=303, cookies=[cookie])


def _navigation(path: str, user: SignedInUser | None) -> list[dict[str, Any]]:
    items = [("/search", "Search"), ("/similar", "Who else is working on this?"), ("/councils", "Councils")]
    if user and user.council_slug:
        items.append((f"/councils/{user.council_slug}", "Your council"))
    if user:
        items.append(("/email-updates", "Your email updates"))
    if not user:
        items.append(("/sign-in", "Sign in"))
    return [
        {"href": href, "text": text, "active": path == href or path.startswith(href + "/")}
        for href, text in items
    ]
