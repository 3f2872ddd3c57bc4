"""We're interested, and we use this: a member of another council declares, confirms or
withdraws its interest in a project or its use of a product."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import Invalid
from pipeline.schemas.adoption import AdoptionIn
from pipeline.schemas.interest import InterestIn
from pipeline.services.collaboration.adoption import confirm_use, declare_use, withdraw_use
from pipeline.services.collaboration.interest import declare_interest, withdraw_interest
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.validation import convert_input_all
from pipeline.web.rendering import error_list, redirect_with_flash
from pipeline.web.views.editing import signed_in
from pipeline.web.views.records import record_page

MISSING_OFFER = "Select how your council would like to work with this project"


@post("/projects/{slug:str}/interest")
async def interest_from_form(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Redirect | Template:
    user = signed_in(request)
    form = await request.form()
    answers = {"offer": str(form.get("offer", "")), "note": str(form.get("note", ""))}
    try:
        if not answers["offer"]:
            raise Invalid.one("offer", MISSING_OFFER)
        data = convert_input_all(answers, InterestIn)
        await anyio.to_thread.run_sync(declare_interest, registry, user.actor, slug, data)
    except Invalid as exc:
        errors = error_list(exc.errors)
        return await anyio.to_thread.run_sync(record_page_with, request, registry, "project", slug, errors)
    return redirect_with_flash(f"/projects/{slug}#interest", "interest-on")


@post("/projects/{slug:str}/interest/withdraw")
async def withdraw_from_form(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Redirect:
    user = signed_in(request)
    await anyio.to_thread.run_sync(withdraw_interest, registry, user.actor, slug, None)
    return redirect_with_flash(f"/projects/{slug}#interest", "interest-off")


def record_page_with(
    request: Request[Any, Any, Any],
    registry: RegistryDep,
    record_type: str,
    slug: str,
    errors: list[dict[str, str]],
) -> Template:
    """The record's page again, with the form's errors in the GOV.UK error summary (400)."""
    return record_page(request, registry, KINDS[record_type], slug, status=400, errors=errors)


@post("/products/{slug:str}/users")
async def use_from_form(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Redirect | Template:
    user = signed_in(request)
    form = await request.form()
    try:
        data = convert_input_all({"use_case": str(form.get("use_case", ""))}, AdoptionIn)
        await anyio.to_thread.run_sync(declare_use, registry, user.actor, slug, data)
    except Invalid as exc:
        return await anyio.to_thread.run_sync(
            record_page_with, request, registry, "product", slug, error_list(exc.errors)
        )
    return redirect_with_flash(f"/products/{slug}#users", "use-on")


@post("/products/{slug:str}/users/confirm")
async def confirm_from_form(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Redirect:
    user = signed_in(request)
    await anyio.to_thread.run_sync(confirm_use, registry, user.actor, slug, None)
    return redirect_with_flash(f"/products/{slug}#users", "use-confirmed")


@post("/products/{slug:str}/users/withdraw")
async def stop_from_form(
    request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]
) -> Redirect:
    user = signed_in(request)
    await anyio.to_thread.run_sync(withdraw_use, registry, user.actor, slug, None)
    return redirect_with_flash(f"/products/{slug}#users", "use-off")
