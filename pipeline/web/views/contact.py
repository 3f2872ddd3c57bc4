"""Contact the team: a form on every project, product and research finding, for signed-in
members of other councils. The service relays the message by email; replies go to the sender."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import Conflict, Forbidden, Invalid, TooManyRequests
from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.messages import MessageIn
from pipeline.services.collaboration.contacts import name_me_record_contact
from pipeline.services.collaboration.messages import send_message
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import get_record
from pipeline.services.records.kinds import owner_of
from pipeline.services.records.validation import convert_input_all
from pipeline.urls import RECORD_PATHS
from pipeline.web.rendering import error_list, page, redirect_with_flash
from pipeline.web.views.editing import signed_in

FIELDS = ("subject", "body", "sender_name")


def contact_form(
    request: Request[Any, Any, Any], registry: RegistryDep, record_type: str, slug: str
) -> Template:
    user = signed_in(request)
    record: Any = get_record(registry, KINDS[record_type], slug)
    if user.council_slug == owner_of(record).slug:
        raise Forbidden("This is your own council's record: talk to its team directly.")
    return _form(request, record_type, record, dict.fromkeys(FIELDS, ""))


def _form(
    request: Request[Any, Any, Any],
    record_type: str,
    record: Any,
    values: dict[str, str],
    *,
    status: int = 200,
    errors: list[dict[str, str]] | None = None,
) -> Template:
    return page(
        request,
        "records/contact.html",
        title="Contact the team",
        status=status,
        errors=errors,
        record=record,
        owner=owner_of(record),
        path=RECORD_PATHS[record_type],
        noun=RECORD_TYPES[record_type].in_a_sentence,
        values=values,
    )


async def send_from_form(
    request: Request[Any, Any, Any], registry: RegistryDep, record_type: str, slug: str
) -> Template:
    user = signed_in(request)
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in FIELDS}
    record: Any = await anyio.to_thread.run_sync(get_record, registry, KINDS[record_type], slug)
    try:
        data = convert_input_all(values, MessageIn)
        await anyio.to_thread.run_sync(send_message, registry, user.actor, record_type, record.id, data)
    except Invalid as exc:
        return _form(request, record_type, record, values, status=400, errors=error_list(exc.errors))
    except TooManyRequests as exc:
        errors = [{"text": exc.detail, "href": "#body"}]
        return _form(request, record_type, record, values, status=429, errors=errors)
    except Conflict as exc:
        errors = [{"text": exc.detail, "href": "#body"}]
        return _form(request, record_type, record, values, status=409, errors=errors)
    return page(
        request,
        "records/contact_sent.html",
        title="Message sent",
        record=record,
        owner=owner_of(record),
        path=RECORD_PATHS[record_type],
    )


@get("/projects/{slug:str}/contact", sync_to_thread=True)
def project_contact_form(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Template:
    return contact_form(request, registry, "project", slug)


@post("/projects/{slug:str}/contact")
async def project_contact_send(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Template:
    return await send_from_form(request, registry, "project", slug)


@get("/products/{slug:str}/contact", sync_to_thread=True)
def product_contact_form(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Template:
    return contact_form(request, registry, "product", slug)


@post("/products/{slug:str}/contact")
async def product_contact_send(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Template:
    return await send_from_form(request, registry, "product", slug)


@get("/findings/{slug:str}/contact", sync_to_thread=True)
def finding_contact_form(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Template:
    return contact_form(request, registry, "finding", slug)


@post("/findings/{slug:str}/contact")
async def finding_contact_send(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Template:
    return await send_from_form(request, registry, "finding", slug)


async def choose_contact(
    request: Request[Any, Any, Any], registry: RegistryDep, record_type: str, slug: str
) -> Redirect:
    """A member who is a contact takes (or gives back) the messages about their council's record."""
    user = signed_in(request)
    form = await request.form()
    me = form.get("me") == "yes"
    await anyio.to_thread.run_sync(
        lambda: name_me_record_contact(registry, user.actor, record_type, slug, me=me)
    )
    return redirect_with_flash(f"/{RECORD_PATHS[record_type]}/{slug}#contact", "contact-saved")


@post("/projects/{slug:str}/contact-person")
async def project_contact_person(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Redirect:
    return await choose_contact(request, registry, "project", slug)


@post("/products/{slug:str}/contact-person")
async def product_contact_person(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Redirect:
    return await choose_contact(request, registry, "product", slug)


@post("/findings/{slug:str}/contact-person")
async def finding_contact_person(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Redirect:
    return await choose_contact(request, registry, "finding", slug)


HANDLERS = [
    project_contact_person,
    product_contact_person,
    finding_contact_person,
    project_contact_form,
    project_contact_send,
    product_contact_form,
    product_contact_send,
    finding_contact_form,
    finding_contact_send,
]
