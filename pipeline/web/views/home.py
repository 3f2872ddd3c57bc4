"""The home page: a search box, what the registry holds, and what changed lately."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from pipeline.dependencies import RegistryDep
from pipeline.services.discovery.search import SearchRequest, search_records
from pipeline.urls import api_path
from pipeline.web.rendering import Alternate, feed_alternates, page

RECENT = 8


@get("/", sync_to_thread=True)
def home(request: Request[Any, Any, Any], registry: RegistryDep) -> Template:
    overview = search_records(registry, SearchRequest(sort="updated", per_page=RECENT))
    return page(
        request,
        "home.html",
        title="Find councils' digital projects, products, research and code",
        overview=overview,
        alternates=[
            *feed_alternates("", "Everything in Pipeline"),
            Alternate("application/json", api_path("search") + "?sort=updated", "Recently updated, as JSON"),
        ],
    )
