"""Email updates: "Get email updates" on search, council and record pages; "Your email updates"
to change or stop them; and the one-click unsubscribe link of every digest, which works
without signing in (and without a form token: mail clients post it themselves, RFC 8058)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import Invalid, NotFound
from pipeline.services.follows.following import (
    FREQUENCIES,
    change_frequency,
    follow,
    list_follows,
    preview_follow,
    unfollow,
)
from pipeline.services.follows.unsubscribing import read_unsubscribe, unsubscribe
from pipeline.services.records.changelog import utcnow
from pipeline.web.rendering import cannot_page, error_list, page, redirect_with_flash
from pipeline.web.views.editing import signed_in

FREQUENCY_TEXT = {
    "immediate": "As it happens (at most one email a minute)",
    "daily": "Once a day",
    "weekly": "Once a week",
}


def frequency_items(chosen: str) -> list[dict[str, Any]]:
    return [{"value": f, "text": FREQUENCY_TEXT[f], "checked": f == chosen} for f in FREQUENCIES]


@get("/email-updates", sync_to_thread=True)
def email_updates_page(request: Request[Any, Any, Any], registry: RegistryDep) -> Template:
    user = signed_in(request)
    follows = list_follows(registry, user.actor, user.email)
    return page(
        request,
        "email_updates/list.html",
        title="Your email updates",
        follows=follows,
        frequency_text=FREQUENCY_TEXT,
        frequency_items=frequency_items,
    )


@get("/email-updates/new", sync_to_thread=True)
def new_email_update_page(
    request: Request[Any, Any, Any],
    registry: RegistryDep,
    search: FromQuery[str] = "",
    record: FromQuery[str] = "",
) -> Template:
    user = signed_in(request)
    return _new_page(request, registry, user.email, search, record, "daily", [])


@post("/email-updates")
async def add_email_update(request: Request[Any, Any, Any], registry: RegistryDep) -> Redirect | Template:
    user = signed_in(request)
    form = await request.form()
    search, record = str(form.get("search", "")), str(form.get("record", ""))
    frequency = str(form.get("frequency", ""))
    try:
        await anyio.to_thread.run_sync(
            lambda: follow(
                registry, user.actor, user.email, search=search, record=record, frequency=frequency
            )
        )
    except Invalid as exc:
        errors = error_list(exc.errors)
        return await anyio.to_thread.run_sync(
            _new_page, request, registry, user.email, search, record, frequency, errors
        )
    return redirect_with_flash("/email-updates", "follow-on")


@post("/email-updates/{follow_id:str}")
async def change_email_update(
    request: Request[Any, Any, Any], registry: RegistryDep, follow_id: FromPath[str]
) -> Redirect:
    user = signed_in(request)
    frequency = str((await request.form()).get("frequency", ""))
    await anyio.to_thread.run_sync(change_frequency, registry, user.actor, user.email, follow_id, frequency)
    return redirect_with_flash("/email-updates", "follow-changed")


@post("/email-updates/{follow_id:str}/remove")
async def remove_email_update(
    request: Request[Any, Any, Any], registry: RegistryDep, follow_id: FromPath[str]
) -> Redirect:
    user = signed_in(request)
    await anyio.to_thread.run_sync(unfollow, registry, user.actor, user.email, follow_id)
    return redirect_with_flash("/email-updates", "follow-off")


@get("/unsubscribe/{token:str}", sync_to_thread=True)
def unsubscribe_page(
    request: Request[Any, Any, Any], registry: RegistryDep, token: FromPath[str]
) -> Template:
    try:
        found = read_unsubscribe(registry, token, utcnow())
    except Invalid as exc:
        return _invalid_link(request, exc)
    return page(request, "email_updates/unsubscribe.html", title="Unsubscribe", found=found, token=token)


# Mail clients post it themselves (RFC 8058), without a form token: the signature is the proof.
@post("/unsubscribe/{token:str}", exclude_from_csrf=True)
async def unsubscribe_now(
    request: Request[Any, Any, Any], registry: RegistryDep, token: FromPath[str]
) -> Template:
    try:
        found = await anyio.to_thread.run_sync(unsubscribe, registry, token, utcnow())
    except Invalid as exc:
        return _invalid_link(request, exc)
    return page(request, "email_updates/unsubscribed.html", title="You are unsubscribed", found=found)


def _new_page(
    request: Request[Any, Any, Any],
    registry: RegistryDep,
    email: str,
    search: str,
    record: str,
    frequency: str,
    errors: list[dict[str, str]],
) -> Template:
    try:
        label = preview_follow(registry, search, record)
    except (Invalid, NotFound) as exc:
        reason = exc.errors[0].message if isinstance(exc, Invalid) else exc.detail
        return cannot_page(
            request,
            reason,
            "Search Pipeline, then use “Get email updates” on the results:",
            title="You cannot follow this",
            next_link=("/search", "search"),
        )
    return page(
        request,
        "email_updates/new.html",
        title="Get email updates",
        status=400 if errors else 200,
        errors=errors,
        label=label,
        search=search,
        record=record,
        frequency_items=frequency_items(frequency),
    )


def _invalid_link(request: Request[Any, Any, Any], error: Invalid) -> Template:
    return cannot_page(
        request,
        error.errors[0].message,
        "To stop or change your email updates, sign in and open",
        next_link=("/email-updates", "Your email updates"),
    )


HANDLERS = [
    email_updates_page,
    new_email_update_page,
    add_email_update,
    change_email_update,
    remove_email_update,
    unsubscribe_page,
    unsubscribe_now,
]
