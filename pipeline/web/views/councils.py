"""Councils: the list, and each council's records and partners."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from pipeline.dependencies import RegistryDep
from pipeline.record_types import RECORD_TYPES
from pipeline.services.councils.directory import list_councils
from pipeline.services.councils.profile import council_profile
from pipeline.services.discovery.matching import suggest_for_council
from pipeline.urls import collection_path
from pipeline.web.rendering import Alternate, feed_alternates, page
from pipeline.web.views.records import SUGGESTIONS_SHOWN

MAX_COUNCILS = 200


@get("/councils", sync_to_thread=True)
def councils_page(request: Request[Any, Any, Any], registry: RegistryDep, q: FromQuery[str] = "") -> Template:
    found = list_councils(registry, q=q.strip() or None, current=True, limit=MAX_COUNCILS)
    return page(
        request,
        "councils.html",
        title="Councils",
        q=q,
        councils=found,
        alternates=[Alternate("application/json", collection_path("council"), "Councils as JSON")],
    )


@get("/councils/{slug:str}", sync_to_thread=True)
def council_page(request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]) -> Template:
    profile = council_profile(registry, slug)
    return page(
        request,
        "council.html",
        title=profile.council.name,
        profile=profile,
        similar=suggest_for_council(registry, profile.council.slug, SUGGESTIONS_SHOWN),
        type_names={name: t.label for name, t in RECORD_TYPES.items()},
        alternates=[
            *feed_alternates(f"council={profile.council.slug}", f"{profile.council.short_name}'s records"),
            Alternate("application/json", profile.council.url, "This council as JSON"),
        ],
    )
