"""The ASGI application: create_app(settings) wires the surfaces to the services."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Router, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.response import Template
from litestar.static_files import create_static_files_router

from pipeline.api import (
    adoption,
    councils,
    exchange,
    feeds,
    interest,
    matching,
    messages,
    records,
    search,
    sync,
    updates,
    webhooks,
)
from pipeline.api.allow import allow_every_method
from pipeline.api.deps import before_api_request
from pipeline.api.openapi_extras import add_record_links, document_edge_problems
from pipeline.api.problems import EXCEPTION_HANDLERS, problems
from pipeline.config import Settings
from pipeline.dependencies import RegistryDep, provide_actor, provide_registry
from pipeline.keys import secret_key
from pipeline.logs import install_redaction
from pipeline.schemas.common import Input
from pipeline.services.context import Registry
from pipeline.services.records.catalogue import KINDS
from pipeline.services.status import ServiceStatus, service_status
from pipeline.urls import API, SCHEMA
from pipeline.web.router import by_surface, csrf_config, pages_router, template_config
from pipeline.web.security import security_headers_hook
from pipeline.web.sessions import SessionCookies
from pipeline.web.views.errors import PAGE_EXCEPTION_HANDLERS

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
SCHEMA_PATH = SCHEMA


@get("/openapi.json", include_in_schema=False, media_type="application/vnd.oai.openapi+json")
async def openapi_document(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document at its stable address."""
    return request.app.openapi_schema.to_schema()


@get("/docs", include_in_schema=False)
async def api_docs() -> Template:
    """Swagger UI over the OpenAPI document, from local assets and without inline script."""
    return Template(template_name="api_docs.html")


@get(
    "/status",
    operation_id="status",
    summary="Is the service up, and how far is its change log",
    responses=problems(401),
    sync_to_thread=True,
)
def status_handler(registry: RegistryDep) -> ServiceStatus:
    return service_status(registry)


def api_router(settings: Settings) -> Router:
    handlers: list[Any] = [records.record_router(kind) for kind in KINDS.values()]
    handlers += [
        councils.router,
        search.search_handler,
        feeds.feed_handler("json"),
        feeds.feed_handler("atom"),
    ]
    handlers += [
        matching.project_partners,
        matching.match_handler,
        *messages.HANDLERS,
        *interest.HANDLERS,
        *adoption.HANDLERS,
        *updates.HANDLERS,
        *webhooks.HANDLERS,
    ]
    handlers += [*exchange.import_handlers(settings.max_import_bytes), exchange.export_handler]
    handlers += [sync.changes_handler, status_handler, openapi_document, api_docs]
    return Router(
        path=API,
        route_handlers=handlers,
        dependencies={
            "registry": Provide(provide_registry, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=False),
        },
        before_request=before_api_request,
    )


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Pipeline API",
        version="1",
        description=(
            "The open registry of UK councils' digital projects, reusable products, user-research"
            " findings and code. Reading is open; writing needs a council-scoped bearer token."
        ),
        path=SCHEMA_PATH,
        render_plugins=[
            JsonRenderPlugin(path="/openapi.json"),
        ],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(
                    type="http", scheme="bearer", description="A token from `pipeline tokens create`."
                )
            }
        ),
        security=[{}, {"bearer": []}],
        create_examples=False,
    )


def forbid_additional_properties(app: Litestar) -> None:
    """Say in the schema what the structs enforce: request bodies take no unknown fields."""
    schema = app.openapi_schema
    components = schema.components.schemas if schema.components and schema.components.schemas else {}
    strict = {cls.__name__ for cls in _subclasses(Input)}
    for name, component in components.items():
        if name in strict:
            component.additional_properties = False


def _subclasses(base: type) -> set[type]:
    found: set[type] = set(base.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def exception_handlers() -> dict[type[Exception] | int, Any]:
    """API routes answer problem+json; pages, and addresses that match no route, answer pages."""
    return {
        error: by_surface(EXCEPTION_HANDLERS[error], PAGE_EXCEPTION_HANDLERS[error])
        for error in EXCEPTION_HANDLERS
        if error in PAGE_EXCEPTION_HANDLERS
    } | {
        error: handler
        for error, handler in EXCEPTION_HANDLERS.items()
        if error not in PAGE_EXCEPTION_HANDLERS
    }


def create_app(settings: Settings, registry: RegistryDep | None = None) -> Litestar:
    """Build the application for `settings`; tests pass their own registry."""
    install_redaction()
    state_registry = registry or Registry(settings)
    logging.getLogger("pipeline").setLevel(settings.log_level)

    def on_startup(app: Litestar) -> None:
        state_registry.search.follow(settings.index_poll_seconds)
        if settings.is_https and not settings.smtp_host:
            logging.getLogger("pipeline").warning(
                "PIPELINE_SMTP_HOST is not set: sign-in emails go to %s/mailbox.jsonl,"
                " not to people. Set it in production.",
                settings.data_dir,
            )

    def on_shutdown(app: Litestar) -> None:
        if registry is None:
            state_registry.close()
        else:
            state_registry.search.close()

    static = create_static_files_router(
        path="/static", directories=[WEB_DIR / "static"], include_in_schema=False
    )
    key = secret_key(settings)
    app = Litestar(
        route_handlers=[api_router(settings), pages_router(), static],
        state=State({"registry": state_registry, "cookies": SessionCookies(settings, key)}),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        exception_handlers=exception_handlers(),
        before_send=[security_headers_hook(settings), allow_every_method],
        csrf_config=csrf_config(settings, key),
        template_config=template_config(),
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="debug",
        ),
        debug=False,
    )
    forbid_additional_properties(app)
    document_edge_problems(app.openapi_schema, anonymous={"match"})
    add_record_links(app.openapi_schema)
    return app
