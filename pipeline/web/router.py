"""The pages as one router: who is signed in is loaded before each, errors become pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from pipeline.config import Settings
from pipeline.dependencies import provide_registry
from pipeline.web.sessions import load_user
from pipeline.web.templating import make_environment
from pipeline.web.views import (
    confirm_use,
    contact,
    councils,
    declarations,
    editing,
    email_updates,
    home,
    project_updates,
    records,
    search,
    sign_in,
    sign_in_account,
    similar,
    still_active,
    your_council,
)
from pipeline.web.views.errors import PAGE_EXCEPTION_HANDLERS

CSRF_COOKIE = "pipeline_csrf"


def pages_router() -> Router:
    handlers: list[Any] = [
        home.home,
        search.search_page,
        similar.similar_page,
        councils.councils_page,
        councils.council_page,
        sign_in.sign_in_form,
        sign_in_account.sign_in_with_account,
        sign_in_account.sign_in_with_account_callback,
        sign_in.sign_in_request,
        sign_in.sign_in_link,
        sign_in.sign_in_with_link,
        sign_in.sign_out,
        *editing.editing_routers(),
        *records.record_routers(),
        *contact.HANDLERS,
        your_council.your_council_page,
        declarations.interest_from_form,
        declarations.withdraw_from_form,
        declarations.use_from_form,
        declarations.confirm_from_form,
        declarations.stop_from_form,
        project_updates.update_from_form,
        confirm_use.confirm_use_page,
        confirm_use.confirm_use_now,
        your_council.change_contact,
        *email_updates.HANDLERS,
        *still_active.HANDLERS,
    ]
    return Router(
        path="/",
        route_handlers=handlers,
        dependencies={
            "registry": Provide(provide_registry, sync_to_thread=False),
        },
        before_request=load_user,
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(make_environment()))


def csrf_config(settings: Settings, key: str) -> CSRFConfig:
    """Double-submit tokens for every form; the API (bearer tokens, no cookies) is exempt."""
    return CSRFConfig(
        secret=key,
        cookie_name=CSRF_COOKIE,
        cookie_secure=settings.is_https,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=["^/api/"],  # and handlers marked `exclude_from_csrf` (one-click unsubscribe)
    )


def is_page_request(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path.startswith("/static/"))


def by_surface(api_handler: Any, page_handler: Any) -> Any:
    """For errors raised before routing (no such address): a page, or problem+json for the API."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Any:
        if is_page_request(request):
            if "user" not in request.state:
                request.state.user = None
            return page_handler(request, exc)
        return api_handler(request, exc)

    return handle
