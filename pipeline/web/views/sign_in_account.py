"""Signing in with the council's own account, through its OpenID Connect provider."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, get
from litestar.datastructures import Cookie
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from pipeline.dependencies import RegistryDep
from pipeline.services.identity.openid import (
    ATTEMPT_MINUTES,
    CALLBACK_PATH,
    SignInRefused,
    begin_sign_in,
    finish_sign_in,
)
from pipeline.web.rendering import cannot_page, redirect_with_flash
from pipeline.web.sessions import SessionCookies

STATE_COOKIE = "pipeline_openid_state"
START_PATH = "/sign-in/account"
# Errors a provider sends back when the person chose not to go on (RFC 6749 4.1.2.1, OIDC 3.1.2.6).
DECLINED = {"access_denied", "consent_required", "login_required", "interaction_required"}


def _state_cookie(value: str, secure: bool, max_age: int) -> Cookie:
    """Binds an attempt to the browser that began it; Lax, so it comes back with the provider's redirect."""
    return Cookie(
        key=STATE_COOKIE,
        value=value,
        max_age=max_age,
        path=START_PATH,
        httponly=True,
        secure=secure,
        samesite="lax",
    )


def _refused(request: Request[Any, Any, Any], reason: str) -> Template:
    response = cannot_page(
        request,
        reason,
        "You can",
        title="You could not be signed in",
        next_link=("/sign-in", "try again, or ask for a sign-in link by email"),
    )
    response.cookies.append(_state_cookie("", request.app.state.cookies.secure, 0))
    return response


@get(START_PATH)
async def sign_in_with_account(request: Request[Any, Any, Any], registry: RegistryDep) -> Any:
    try:
        url, state = await anyio.to_thread.run_sync(begin_sign_in, registry)
    except SignInRefused as exc:
        return _refused(request, exc.detail)
    response = Redirect(url, status_code=303)
    response.cookies.append(_state_cookie(state, request.app.state.cookies.secure, ATTEMPT_MINUTES * 60))
    return response


@get(CALLBACK_PATH)
async def sign_in_with_account_callback(
    request: Request[Any, Any, Any],
    registry: RegistryDep,
    returned_state: Annotated[str, QueryParameter(name="state")] = "",
    code: FromQuery[str] = "",
    error: FromQuery[str] = "",
) -> Any:
    """Where the provider sends the browser back: with a code, or with an error."""
    if error:
        reason = (
            "You chose not to sign in with your council account."
            if error in DECLINED
            else "Your council's sign-in service could not sign you in."
        )
        return _refused(request, reason)
    try:
        session_secret, _ = await anyio.to_thread.run_sync(
            finish_sign_in, registry, returned_state[:200], code[:2000], request.cookies.get(STATE_COOKIE)
        )
    except SignInRefused as exc:
        return _refused(request, exc.detail)
    cookies: SessionCookies = request.app.state.cookies
    response = redirect_with_flash("/", "signed-in")
    response.cookies.append(cookies.cookie(session_secret))
    response.cookies.append(_state_cookie("", cookies.secure, 0))
    return response
