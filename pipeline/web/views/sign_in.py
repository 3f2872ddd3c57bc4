"""Signing in with an emailed one-time link, and signing out (the council account: `sign_in_account`)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pipeline.dependencies import RegistryDep
from pipeline.errors import Invalid, TooManyRequests, Unauthenticated
from pipeline.services.identity.openid import is_configured as openid_is_configured
from pipeline.services.identity.people import (
    end_session,
    request_sign_in,
    sign_in_link_is_usable,
    use_sign_in_link,
)
from pipeline.web.clients import client_address
from pipeline.web.rendering import error_list, page, redirect_with_flash
from pipeline.web.sessions import SessionCookies


def _start_page(request: Request[Any, Any, Any], registry: RegistryDep, **context: Any) -> Template:
    """The sign-in page, offering the council account first when a provider is set up."""
    offered = openid_is_configured(registry.settings)
    return page(request, "sign_in/start.html", title="Sign in", account_sign_in=offered, **context)


@get("/sign-in")
async def sign_in_form(request: Request[Any, Any, Any], registry: RegistryDep) -> Template:
    return _start_page(request, registry, email="")


@post("/sign-in")
async def sign_in_request(request: Request[Any, Any, Any], registry: RegistryDep) -> Template:
    form = await request.form()
    email = str(form.get("email", ""))
    requester = client_address(request, registry.settings.trusted_proxies)
    try:
        sent = await anyio.to_thread.run_sync(request_sign_in, registry, email, requester)
    except Invalid as exc:
        return _start_page(request, registry, status=400, errors=error_list(exc.errors), email=email)
    except TooManyRequests as exc:
        errors = [{"text": exc.detail, "href": "#email"}]
        return _start_page(request, registry, status=429, errors=errors, email=email)
    return page(request, "sign_in/sent.html", title="Check your email", email=email.strip(), sent=sent)


@get("/sign-in/{token:str}", sync_to_thread=True)
def sign_in_link(request: Request[Any, Any, Any], registry: RegistryDep, token: FromPath[str]) -> Template:
    """Opening the link shows a button: mail scanners that follow links cannot spend it."""
    if not sign_in_link_is_usable(registry, token):
        return page(request, "sign_in/expired.html", title="This sign-in link has expired", status=400)
    return page(request, "sign_in/confirm.html", title="Sign in to Pipeline", token=token)


@post("/sign-in/{token:str}")
async def sign_in_with_link(
    request: Request[Any, Any, Any], registry: RegistryDep, token: FromPath[str]
) -> Any:
    try:
        session_secret, _ = await anyio.to_thread.run_sync(use_sign_in_link, registry, token)
    except Unauthenticated:
        return page(request, "sign_in/expired.html", title="This sign-in link has expired", status=400)
    cookies: SessionCookies = request.app.state.cookies
    response = redirect_with_flash("/", "signed-in")
    response.cookies.append(cookies.cookie(session_secret))
    return response


@post("/sign-out")
async def sign_out(request: Request[Any, Any, Any], registry: RegistryDep) -> Redirect:
    secret = request.state.get("session_secret")
    if secret:
        await anyio.to_thread.run_sync(end_session, registry, secret)
    cookies: SessionCookies = request.app.state.cookies
    response = redirect_with_flash("/", "signed-out")
    response.cookies.append(cookies.cleared())
    return response
