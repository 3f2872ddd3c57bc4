"""Your council: a signed-in member chooses whether to receive messages for their council."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.response import Redirect, Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import Forbidden
from pipeline.services.collaboration.contacts import add_contact, is_contact, remove_contact
from pipeline.web.rendering import page, redirect_with_flash
from pipeline.web.views.editing import signed_in


@get("/your-council", sync_to_thread=True)
def your_council_page(request: Request[Any, Any, Any], registry: RegistryDep) -> Template:
    user = signed_in(request)
    contact = bool(user.council_id) and is_contact(registry, user.council_id or "", user.email)
    return page(request, "your_council.html", title="Your council", contact=contact)


@post("/your-council")
async def change_contact(request: Request[Any, Any, Any], registry: RegistryDep) -> Redirect:
    user = signed_in(request)
    if not user.council_slug:
        raise Forbidden("Your email address is not at a council in Pipeline, so you cannot be its contact.")
    form = await request.form()
    change = add_contact if form.get("contact") == "yes" else remove_contact
    await anyio.to_thread.run_sync(change, registry, user.actor, user.council_slug, user.email)
    flash = "contact-on" if form.get("contact") == "yes" else "contact-off"
    return redirect_with_flash("/your-council", flash)
