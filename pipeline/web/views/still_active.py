"""The one-click link of a six-month reminder: "this project is still active". Opening it shows
a button (mail scanners that follow links cannot spend it); pressing it confirms, once."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import Invalid
from pipeline.services.collaboration.still_active import confirm_still_active, read_still_active_link
from pipeline.services.records.changelog import utcnow
from pipeline.web.rendering import cannot_page, page


@get("/still-active/{token:str}", sync_to_thread=True)
def still_active_page(
    request: Request[Any, Any, Any], registry: RegistryDep, token: FromPath[str]
) -> Template:
    try:
        link = read_still_active_link(registry, token, utcnow())
    except Invalid as exc:
        return _invalid(request, exc)
    return page(
        request, "still_active/confirm.html", title="Is this project still active?", link=link, token=token
    )


@post("/still-active/{token:str}")
async def still_active_now(
    request: Request[Any, Any, Any], registry: RegistryDep, token: FromPath[str]
) -> Template:
    try:
        link = await anyio.to_thread.run_sync(confirm_still_active, registry, token)
    except Invalid as exc:
        return _invalid(request, exc)
    return page(request, "still_active/done.html", title="Confirmed", link=link)


def _invalid(request: Request[Any, Any, Any], error: Invalid) -> Template:
    return cannot_page(
        request,
        error.errors[0].message,
        "You can confirm a project is still active on its page after signing in.",
    )


HANDLERS = [still_active_page, still_active_now]
