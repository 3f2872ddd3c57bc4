"""The one-click link of a reminder: "we still use this product". Opening it shows a button
(mail scanners that follow links cannot spend it); pressing it confirms, once."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import Invalid, NotFound
from pipeline.services.collaboration.reminders import confirm_by_link, read_link
from pipeline.services.records.changelog import utcnow
from pipeline.web.rendering import cannot_page, page

Token = str


@get("/confirm-use/{token:str}", sync_to_thread=True)
def confirm_use_page(
    request: Request[Any, Any, Any], registry: RegistryDep, token: FromPath[Token]
) -> Template:
    try:
        link = read_link(registry, token, utcnow())
    except Invalid as exc:
        return _invalid(request, exc)
    return page(
        request, "confirm_use/confirm.html", title="Do you still use this product?", link=link, token=token
    )


@post("/confirm-use/{token:str}")
async def confirm_use_now(
    request: Request[Any, Any, Any], registry: RegistryDep, token: FromPath[Token]
) -> Template:
    try:
        link = await anyio.to_thread.run_sync(confirm_by_link, registry, token)
    except (Invalid, NotFound) as exc:
        return _invalid(request, exc)
    return page(request, "confirm_use/done.html", title="Confirmed", link=link)


def _invalid(request: Request[Any, Any, Any], error: Invalid | NotFound) -> Template:
    reason = error.errors[0].message if isinstance(error, Invalid) else error.detail
    return cannot_page(
        request,
        reason,
        "You can confirm or withdraw your council's declaration on the product's page after signing in.",
    )
